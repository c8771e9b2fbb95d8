from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from freezegun import freeze_time

from pytest_smsmock.clock import VirtualClock, format_duration, parse_duration
from pytest_smsmock.errors import ClockError, ConfigError

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        (90, 90),
        (1.5, 1.5),
        ("90", 90),
        ("90s", 90),
        ("10m", 600),
        ("2h", 7200),
        ("1d2h", 93600),
        ("1h30m15s", 5415),
        ("250ms", 0.25),
        (" 2h 5m ", 7500),
        (timedelta(minutes=3), 180),
    ],
)
def test_parse_duration_accepts_the_documented_forms(text: object, seconds: float) -> None:
    assert parse_duration(text).total_seconds() == seconds  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["", "h", "2x", "1h-", "s5", True, None, [1]])
def test_parse_duration_rejects_garbage_with_an_example(bad: object) -> None:
    with pytest.raises(ConfigError, match="duration"):
        parse_duration(bad)  # type: ignore[arg-type]


def test_format_duration_round_trips() -> None:
    for text in ("1d2h", "1h30m", "45s", "250ms", "0s"):
        assert format_duration(parse_duration(text)) == text


def test_virtual_time_stands_still_until_advanced() -> None:
    clock = VirtualClock(T0)
    assert clock.now() == T0
    clock.advance("2h")
    assert clock.now() == T0 + timedelta(hours=2)


def test_advance_fires_due_events_in_time_order_at_their_own_time() -> None:
    clock = VirtualClock(T0)
    seen: list[tuple[str, datetime]] = []
    for label, delay in [("c", "30m"), ("a", "5s"), ("b", "5s"), ("late", "3h")]:
        clock.call_later(delay, lambda label=label: seen.append((label, clock.now())), label=label)
    clock.advance("1h")
    assert seen == [
        ("a", T0 + timedelta(seconds=5)),
        ("b", T0 + timedelta(seconds=5)),
        ("c", T0 + timedelta(minutes=30)),
    ]
    assert clock.now() == T0 + timedelta(hours=1)
    assert [label for _, label in clock.pending()] == ["late"]


def test_events_scheduled_by_events_fire_within_the_same_advance() -> None:
    clock = VirtualClock(T0)
    seen: list[datetime] = []

    def retry(n: int) -> None:
        seen.append(clock.now())
        if n < 3:
            clock.call_later("1m", lambda: retry(n + 1))

    clock.call_later("1m", lambda: retry(1))
    clock.advance("10m")
    assert seen == [T0 + timedelta(minutes=m) for m in (1, 2, 3)]


def test_cancelled_events_do_not_fire() -> None:
    clock = VirtualClock(T0)
    fired: list[int] = []
    handle = clock.call_later(5, lambda: fired.append(1))
    handle.cancel()
    clock.advance(10)
    assert fired == []
    assert clock.next_due() is None


def test_time_cannot_go_backwards_or_negative() -> None:
    clock = VirtualClock(T0)
    with pytest.raises(ClockError, match="negative"):
        clock.advance(-1)
    clock.advance(10)
    with pytest.raises(ClockError, match="backwards"):
        clock.move_to(T0)


def test_move_to_fires_what_falls_due_on_the_way() -> None:
    clock = VirtualClock(T0)
    fired: list[datetime] = []
    clock.call_at(T0 + timedelta(days=1), lambda: fired.append(clock.now()))
    clock.move_to(T0 + timedelta(days=2))
    assert fired == [T0 + timedelta(days=1)]
    assert clock.now() == T0 + timedelta(days=2)


def test_advancing_from_inside_an_event_is_refused() -> None:
    clock = VirtualClock(T0)
    errors: list[BaseException] = []

    def nested() -> None:
        try:
            clock.advance(1)
        except ClockError as exc:
            errors.append(exc)

    clock.call_later(1, nested)
    clock.advance(2)
    assert len(errors) == 1


def test_a_failing_event_does_not_stop_time_and_is_raised_after() -> None:
    clock = VirtualClock(T0)
    fired: list[str] = []

    def boom() -> None:
        raise RuntimeError("boom")

    clock.call_later(1, boom)
    clock.call_later(2, lambda: fired.append("after"))
    with pytest.raises(RuntimeError, match="boom"):
        clock.advance(5)
    assert fired == ["after"]
    assert clock.now() == T0 + timedelta(seconds=5)


def test_reset_forgets_pending_events() -> None:
    clock = VirtualClock(T0)
    fired: list[int] = []
    clock.call_later(1, lambda: fired.append(1))
    clock.reset(T0 + timedelta(days=3))
    clock.advance("1d")
    assert fired == []
    assert clock.start == T0 + timedelta(days=3)


def test_external_source_drives_time_and_advance_adds_an_offset() -> None:
    wall = [T0]
    clock = VirtualClock(T0, source=lambda: wall[0])
    fired: list[datetime] = []
    clock.call_at(T0 + timedelta(seconds=30), lambda: fired.append(clock.now()))
    wall[0] = T0 + timedelta(seconds=10)
    assert clock.now() == T0 + timedelta(seconds=10)
    assert fired == []
    wall[0] = T0 + timedelta(seconds=40)
    clock.sync()
    assert fired == [T0 + timedelta(seconds=30)]
    clock.advance("1m")
    assert clock.now() == T0 + timedelta(seconds=100)
    wall[0] = T0 + timedelta(seconds=41)
    assert clock.now() == T0 + timedelta(seconds=101)


def test_clock_follows_freezegun_and_fires_on_the_next_interaction() -> None:
    clock = VirtualClock(T0)
    fired: list[datetime] = []
    with freeze_time("2025-06-01 12:00:00") as frozen:
        start = datetime(2025, 6, 1, 12, tzinfo=UTC)
        assert clock.now() == start
        clock.call_at(start + timedelta(seconds=5), lambda: fired.append(clock.now()))
        frozen.tick(timedelta(seconds=10))
        assert fired == []  # nothing polled yet
        clock.advance(0)
        assert fired == [start + timedelta(seconds=5)]
        assert clock.now() == start + timedelta(seconds=10)
        clock.advance("1h")
        assert clock.now() == start + timedelta(hours=1, seconds=10)
        assert frozen() == (start + timedelta(hours=1, seconds=10)).replace(tzinfo=None)


def test_advance_under_freezegun_moves_the_frozen_time_too() -> None:
    clock = VirtualClock(T0)
    fired: list[datetime] = []
    with freeze_time("2025-06-01 12:00:00"):
        start = clock.now()
        clock.call_later("30m", lambda: fired.append(datetime.now(UTC)))
        clock.advance("1h")
        assert datetime.now(UTC) == clock.now() == start + timedelta(hours=1)
        # inside an event the application's time is the event's own due time, as the fakes'
        assert fired == [start + timedelta(minutes=30)]
        clock.move_to(start + timedelta(days=1))
        assert datetime.now(UTC) == clock.now() == start + timedelta(days=1)
        clock.sleep(60)
        assert datetime.now(UTC) == clock.now() == start + timedelta(days=1, minutes=1)
    assert clock.now() == start + timedelta(days=1, minutes=1)  # the freeze ends, time stays


def test_advance_without_following_freezegun_leaves_it_alone() -> None:
    clock = VirtualClock(T0, follow_freezegun=False)
    with freeze_time("2025-06-01 12:00:00") as frozen:
        clock.advance("1h")
        assert frozen() == datetime(2025, 6, 1, 12)
        assert clock.now() == T0 + timedelta(hours=1)


def test_sleep_is_advance() -> None:
    clock = VirtualClock(T0)
    fired: list[datetime] = []
    clock.call_later(90, lambda: fired.append(clock.now()))
    clock.sleep(60)
    assert fired == []
    clock.sleep("30s")
    assert fired == [T0 + timedelta(seconds=90)]
    with pytest.raises(ClockError):
        clock.sleep(-1)


def test_sync_never_waits_for_another_thread_that_is_firing() -> None:
    clock = VirtualClock(T0, source=lambda: T0 + timedelta(hours=1))
    inside = threading.Event()
    release = threading.Event()
    synced = threading.Event()

    def slow_event() -> None:
        inside.set()
        release.wait(10)

    clock.call_at(T0 + timedelta(seconds=1), slow_event)
    firing = threading.Thread(target=clock.sync)
    firing.start()
    assert inside.wait(10)

    def other() -> None:
        clock.sync()  # must return although the first thread still fires
        synced.set()

    threading.Thread(target=other).start()
    assert synced.wait(10)
    release.set()
    firing.join(10)
    assert not firing.is_alive()
