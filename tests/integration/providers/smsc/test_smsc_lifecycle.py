"""SMSC.ru message lives through real HTTP: `valid` expiry, freezegun, scenario statuses."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from freezegun import freeze_time
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock

PHONE = "79991234567"
AUTH: dict[str, Any] = {"login": "test", "psw": "test", "charset": "utf-8"}


def j(smsmock: SmsMock, endpoint: str, **params: Any) -> Any:
    response = requests.get(
        f"{smsmock.smsc.url}/sys/{endpoint}.php", params={"fmt": 3, **AUTH, **params}, timeout=5
    )
    assert response.status_code == 200
    return response.json()


def send(smsmock: SmsMock, **params: Any) -> Any:
    return j(smsmock, "send", **{"phones": PHONE, "mes": "Hello", **params})


def status(smsmock: SmsMock, smsc_id: int, phone: str = PHONE, **params: Any) -> Any:
    smsmock.smsc.limits.clear()  # these tests ask often; the limits have tests of their own
    return j(smsmock, "status", id=smsc_id, phone=phone, **params)


@pytest.fixture
def dlrs(httpserver: HTTPServer) -> Callable[[], list[tuple[str, str, str, str]]]:
    """A real DLR endpoint; calling the fixture's value gives (id, phone, status, err) so far."""
    received: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        received.append(dict(request.form))
        return Response("OK")

    httpserver.expect_request("/dlr", method="POST").respond_with_handler(handler)
    return lambda: [(r["id"], r["phone"], r["status"], r["err"]) for r in received]


def with_callback(smsmock: SmsMock, httpserver: HTTPServer) -> dict[str, str]:
    smsmock.smsc.add_account("cb", "pw", dlr_url=httpserver.url_for("/dlr"))
    return {"login": "cb", "psw": "pw"}


# -- valid: expiry ------------------------------------------------------------------------------
SLOW = {
    "version": 1,
    "rules": [
        {
            "match": {"provider": "smsc"},
            "dlr": [
                {"after": "1s", "status": "enroute"},
                {"after": "2h", "status": "delivered"},
            ],
        }
    ],
}


def test_valid_expires_a_message_the_plan_would_deliver_later(
    smsmock: SmsMock,
    httpserver: HTTPServer,
    dlrs: Callable[[], list[tuple[str, str, str, str]]],
) -> None:
    smsmock.load_scenario(SLOW)
    creds = with_callback(smsmock, httpserver)
    assert send(smsmock, valid="1", id=7, **creds) == {"id": 7, "cnt": 1}
    smsmock.clock.advance("59m59s")
    assert status(smsmock, 7, **creds)["status"] == 0
    smsmock.clock.advance("1s")
    expired = status(smsmock, 7, all=1, **creds)
    assert (expired["status"], expired["err"], expired["status_name"]) == (3, 0, "Expired")
    assert expired["last_date"] == "01.01.2025 04:00:00"  # one hour after 03:00 Moscow time
    smsmock.clock.advance("3h")  # the plan's delivery never comes
    assert status(smsmock, 7, **creds)["status"] == 3
    assert dlrs() == [("7", PHONE, "0", "0"), ("7", PHONE, "3", "0")]


def test_valid_in_hh_mm_counts_from_the_scheduled_time(smsmock: SmsMock) -> None:
    smsmock.load_scenario(SLOW)
    send(smsmock, valid="00:30", time="+10", id=8)
    smsmock.clock.advance("39m59s")  # 10 minutes waiting + 29m59s of life
    assert status(smsmock, 8)["status"] == 0
    smsmock.clock.advance("1s")
    text = requests.get(
        f"{smsmock.smsc.url}/sys/status.php",
        params={**AUTH, "id": 8, "phone": PHONE, "fmt": 1},
        timeout=5,
    ).text
    expires = datetime(2025, 1, 1, 0, 40, tzinfo=UTC)
    assert text == f"3,{int(expires.timestamp())},0"


def test_without_valid_the_slow_plan_delivers(smsmock: SmsMock) -> None:
    smsmock.load_scenario(SLOW)
    send(smsmock, id=9)
    smsmock.clock.advance("2h1s")
    assert status(smsmock, 9)["status"] == 1


# -- freezegun ----------------------------------------------------------------------------------
def test_status_dates_follow_frozen_time(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 10:00:00") as frozen:
        assert send(smsmock, id=1)["id"] == 1
        waiting = status(smsmock, 1, all=1)
        assert (waiting["status"], waiting["last_date"]) == (-1, "01.03.2025 13:00:00")
        frozen.tick(timedelta(seconds=1))
        assert status(smsmock, 1)["status"] == 0
        frozen.tick(timedelta(seconds=4))
        done = status(smsmock, 1, all=1)
        assert done["status"] == 1
        assert done["last_date"] == "01.03.2025 13:00:05"  # Moscow is UTC+3
        assert done["send_date"] == "01.03.2025 13:00:00"
        assert done["last_timestamp"] == int(datetime(2025, 3, 1, 10, 0, 5, tzinfo=UTC).timestamp())


def test_scheduled_time_is_read_in_moscow_time_under_freezegun(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 10:00:00") as frozen:
        send(smsmock, id=2, time="01.03.25 14:00")  # 11:00 UTC
        frozen.tick(timedelta(minutes=59, seconds=59))
        assert status(smsmock, 2)["status"] == -1
        frozen.tick(timedelta(seconds=6))
        answer = status(smsmock, 2, all=1)
        assert (answer["status"], answer["send_date"]) == (1, "01.03.2025 14:00:00")


def test_dlr_fires_on_the_next_request_after_tick(
    smsmock: SmsMock,
    httpserver: HTTPServer,
    dlrs: Callable[[], list[tuple[str, str, str, str]]],
) -> None:
    creds = with_callback(smsmock, httpserver)
    with freeze_time("2025-03-01 10:00:00") as frozen:
        send(smsmock, id=3, **creds)
        frozen.tick(timedelta(seconds=5))
        assert dlrs() == []  # nothing has touched the fake since the tick
        assert j(smsmock, "balance", **creds) == {"balance": "996.50"}
        assert dlrs() == [("3", PHONE, "0", "0"), ("3", PHONE, "1", "0")]


def test_dlr_fires_on_advance_zero_under_freezegun(
    smsmock: SmsMock,
    httpserver: HTTPServer,
    dlrs: Callable[[], list[tuple[str, str, str, str]]],
) -> None:
    creds = with_callback(smsmock, httpserver)
    with freeze_time("2025-03-01 10:00:00") as frozen:
        send(smsmock, id=4, **creds)
        frozen.tick(timedelta(seconds=1))
        smsmock.clock.advance(0)
        assert dlrs() == [("4", PHONE, "0", "0")]
        frozen.move_to("2025-03-01 11:00:00")
        smsmock.clock.advance(0)
        assert dlrs()[-1] == ("4", PHONE, "1", "0")
        assert status(smsmock, 4, all=1, **creds)["last_date"] == "01.03.2025 13:00:05"


def test_rate_limit_minute_follows_frozen_time(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 10:00:00") as frozen:
        send(smsmock, id=5)
        ask = {**AUTH, "fmt": 3, "id": 5, "phone": PHONE}
        url = f"{smsmock.smsc.url}/sys/status.php"
        codes = [
            requests.get(url, params=ask, timeout=5).json().get("error_code") for _ in range(6)
        ]
        assert codes == [None] * 5 + [9]
        frozen.tick(timedelta(minutes=1))
        assert requests.get(url, params=ask, timeout=5).json()["status"] == 1


# -- scenario statuses: SMSC codes and names ---------------------------------------------------
NATIVE = {
    "version": 1,
    "rules": [
        {
            "match": {"provider": "smsc", "to": "79990000001"},
            "dlr": [{"after": "1s", "status": 0}, {"after": "2s", "status": 20, "error": 6}],
        },
        {
            "match": {"provider": "smsc", "to": "79990000002"},
            "dlr": [{"after": "3s", "status": "Invalid number"}],
        },
        {
            "match": {"provider": "smsc", "to": "79990000003"},
            "dlr": [{"after": "1s", "status": "delivered"}, {"after": "1s", "status": "2"}],
        },
        {
            "match": {"provider": "smsc", "to": "79990000004"},
            "dlr": [{"after": "3s", "status": "UNAVAILABLE NUMBER"}],
        },
        {
            "match": {"provider": "smsc", "to": "79990000005"},
            "dlr": [{"after": "3s", "status": 24}],
        },
        {
            "match": {"provider": "smsc", "to": "79990000006"},
            "dlr": [{"after": "3s", "status": "Read"}],
        },
    ],
}


def test_scenario_speaks_smsc_codes_and_names(
    smsmock: SmsMock,
    httpserver: HTTPServer,
    dlrs: Callable[[], list[tuple[str, str, str, str]]],
) -> None:
    smsmock.load_scenario(NATIVE)
    creds = with_callback(smsmock, httpserver)
    phones = [f"7999000000{i}" for i in range(1, 7)]
    assert send(smsmock, phones=",".join(phones), id=11, **creds) == {"id": 11, "cnt": 6}
    smsmock.clock.advance("3s")
    answers = {ph: status(smsmock, 11, ph, all=1, **creds) for ph in phones}
    assert {ph: (a["status"], a["err"]) for ph, a in answers.items()} == {
        "79990000001": (20, 6),
        "79990000002": (22, 0),
        "79990000003": (1, 0),  # 1 s delivered, then nothing: delivered is final
        "79990000004": (25, 0),
        "79990000005": (24, 0),
        "79990000006": (2, 0),
    }
    assert answers["79990000002"]["status_name"] == "Invalid number"
    assert answers["79990000006"]["status_name"] == "Read"
    assert ("11", "79990000001", "20", "6") in dlrs()
    assert ("11", "79990000004", "25", "0") in dlrs()
    assert smsmock.smsc.message(11, "79990000002", account="cb").status == "rejected"  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["deliverd", 21, "-3", "Message not found"])
def test_scenario_with_an_unknown_smsc_status_lists_the_valid_ones(
    smsmock: SmsMock, value: object
) -> None:
    scenario = {
        "version": 1,
        "rules": [{"match": {"provider": "smsc"}, "dlr": [{"after": "1s", "status": value}]}],
    }
    with pytest.raises(ScenarioError) as caught:
        smsmock.load_scenario(scenario)
    message = str(caught.value)
    assert "rules[0].dlr[0].status" in message
    assert f"{value!r} is not a status for smsc" in message
    assert "canonical: accepted, enroute, delivered" in message
    assert "smsc native: -2, -1, 0, 1, 2, 3, 4, 20, 22, 23, 24, 25, Stopped" in message
    assert "Unable to deliver" in message
    # Nothing was loaded: the default life goes on.
    send(smsmock, id=12)
    smsmock.clock.advance("5s")
    assert status(smsmock, 12)["status"] == 1


def test_unknown_name_gets_a_hint(smsmock: SmsMock) -> None:
    scenario = {
        "version": 1,
        "rules": [
            {"match": {"provider": "smsc"}, "dlr": [{"after": "1s", "status": "Unable to delivr"}]}
        ],
    }
    with pytest.raises(ScenarioError, match="did you mean 'Unable to deliver'"):
        smsmock.load_scenario(scenario)
