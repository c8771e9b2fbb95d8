"""Under freezegun the domain clock follows frozen time while the transports keep real time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import requests
from freezegun import freeze_time

from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.hub import SmsMock


def _accept(smsmock: SmsMock) -> Message:
    fake = smsmock.smsc
    message = Message(
        message_id="m-1",
        provider=fake.name,
        account="test",
        to="79991234567",
        sender="Shop",
        text="hi",
        submitted_at=smsmock.clock.now(),
    )
    return fake.accept(message)


def test_requests_are_served_and_stamped_with_frozen_time(smsmock: SmsMock) -> None:
    with freeze_time("2024-02-29 23:59:58"):
        answer = requests.get(smsmock.smsc.url + "/nowhere", timeout=10)
        assert answer.status_code != 500
        stamps = {e.at for e in smsmock.journal.entries(provider="smsc", channel="http")}
        assert stamps == {datetime(2024, 2, 29, 23, 59, 58, tzinfo=UTC)}


def test_due_events_fire_on_the_next_request_after_tick(smsmock: SmsMock) -> None:
    with freeze_time("2024-06-01 08:00:00") as frozen:
        message = _accept(smsmock)
        frozen.tick(timedelta(seconds=4))
        requests.get(smsmock.smsc.url + "/nowhere", timeout=10)
        assert message.status is Status.ACCEPTED
        frozen.tick(timedelta(seconds=2))
        assert message.status is Status.ACCEPTED  # nothing interacted with the fake yet
        requests.get(smsmock.smsc.url + "/nowhere", timeout=10)
        assert message.status is Status.DELIVERED
        assert message.done_at == datetime(2024, 6, 1, 8, 0, 5, tzinfo=UTC)


def test_advance_zero_fires_what_freezegun_made_due(smsmock: SmsMock) -> None:
    with freeze_time("2024-06-01 08:00:00") as frozen:
        message = _accept(smsmock)
        frozen.move_to("2024-06-01 09:00:00")
        smsmock.clock.advance(0)
        assert message.status is Status.DELIVERED


def test_tick_mode_freezegun_still_serves(smsmock: SmsMock) -> None:
    with freeze_time("2024-06-01 08:00:00", tick=True):
        assert requests.get(smsmock.smsc.url + "/nowhere", timeout=10).status_code != 500
        assert smsmock.clock.now() >= datetime(2024, 6, 1, 8, tzinfo=UTC)


def test_advance_moves_the_frozen_time_so_application_and_fakes_agree(smsmock: SmsMock) -> None:
    with freeze_time("2024-06-01 08:00:00"):
        smsmock.clock.advance("10m")
        assert datetime.now(UTC) == smsmock.clock.now() == datetime(2024, 6, 1, 8, 10, tzinfo=UTC)
    with freeze_time("2024-06-01 08:00:00", tz_offset=2):
        message = _accept(smsmock)
        smsmock.clock.advance("1h")
        assert smsmock.clock.now() == datetime(2024, 6, 1, 9, tzinfo=UTC)
        # the application's local time (the freeze's tz_offset) moved by the same hour
        assert datetime.now() == datetime(2024, 6, 1, 11)
        assert message.status is Status.DELIVERED
        assert message.done_at == datetime(2024, 6, 1, 8, 0, 5, tzinfo=UTC)
        answer = requests.get(smsmock.smsc.url + "/nowhere", timeout=10)  # served on real time
        assert answer.status_code != 500
        assert smsmock.journal.entries(channel="http")[-1].at == smsmock.clock.now()
