"""One injectable clock for every fake, and the scheduler of due events.

Design (after trio's MockClock and time-machine): domain code calls `clock.now()` and
`clock.call_at()/call_later()` only. A `VirtualClock` stands still until `advance()` or
`move_to()`; advancing fires every event that falls due, in time order (ties in scheduling
order), each with `now()` equal to its own due time, so a DLR due "after 2 hours" carries the
right timestamps and costs nothing.

The same class follows an external time source when it has one:

- under freezegun (`follow_freezegun=True`, the default) the clock follows the frozen time of
  the innermost `freeze_time`; due events fire on the next interaction (`sync()`, which every
  fake entry point calls, or `advance(0)`); `advance()` and `move_to()` move the frozen time
  too, so the application's ``datetime.now()`` and the fakes' ``now()`` stay equal;
- in real-time mode (`smsmock serve`) the source is the wall clock and a driver thread in
  `servers/` calls `sync()` whenever the next event is due.

Threads: fakes are called from server threads while the test thread advances time. One lock
guards the heap and the current time and is never held while an event runs (an event may POST
to a client whose handler calls the fake back). Firing is serialised by a second lock; `sync()`
never waits for it: if another thread is firing, time is already moving.
"""

from __future__ import annotations

import heapq
import itertools
import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

from pytest_smsmock.errors import ClockError, ConfigError

__all__ = [
    "Clock",
    "DurationLike",
    "ScheduledEvent",
    "VirtualClock",
    "format_duration",
    "freezegun_now",
    "parse_duration",
]

DurationLike = float | int | str | timedelta

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|d|h|m|s)")
_UNIT_SECONDS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def parse_duration(value: DurationLike) -> timedelta:
    """Parse `90`, `90.5`, `"90s"`, `"10m"`, `"2h"`, `"1d2h"`, `"1h30m15s"`, `"250ms"`."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ConfigError(f"not a duration: {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not text:
            raise ConfigError("empty duration")
        try:
            return timedelta(seconds=float(text))
        except ValueError:
            pass
        pos, total = 0, 0.0
        for match in _DURATION_PART.finditer(text):
            if match.start() != pos:
                break
            total += float(match.group(1)) * _UNIT_SECONDS[match.group(2)]
            pos = match.end()
        if pos == len(text):
            return timedelta(seconds=total)
    raise ConfigError(
        f"not a duration: {value!r} (use seconds or a string like '90s', '10m', '2h', '1d2h')"
    )


def format_duration(delta: timedelta) -> str:
    """The inverse of `parse_duration` (whole milliseconds): 90 minutes -> '1h30m'."""
    ms = round(delta.total_seconds() * 1000)
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    parts = []
    for unit, size in (("d", 86_400_000), ("h", 3_600_000), ("m", 60_000), ("s", 1000)):
        count, ms = divmod(ms, size)
        if count:
            parts.append(f"{count}{unit}")
    if ms:
        parts.append(f"{ms}ms")
    return sign + ("".join(parts) or "0s")


def freezegun_now() -> datetime | None:
    """The time of the innermost active `freeze_time`, as an aware UTC datetime, else None.

    freezegun's factories hold naive UTC datetimes; reading them directly avoids going through
    the patched `datetime.now()` (which would apply the freeze's tz_offset).
    """
    api = sys.modules.get("freezegun.api")
    if api is None:
        return None
    factories = getattr(api, "freeze_factories", None)
    if not factories:
        return None
    frozen = factories[-1]()
    if not isinstance(frozen, datetime):
        return None
    if frozen.tzinfo is None:
        return frozen.replace(tzinfo=UTC)
    return frozen.astimezone(UTC)


def _tick_freezegun(step: timedelta) -> bool:
    """Move the innermost active `freeze_time` forward by `step`; False if there is none.

    `advance()` under freezegun moves the frozen time itself, so the application's
    ``datetime.now()`` and the fakes' ``clock.now()`` stay equal (freezegun's own ``tick()``
    is what the test would otherwise have to call beside every ``advance()``)."""
    api = sys.modules.get("freezegun.api")
    factories = getattr(api, "freeze_factories", None) if api is not None else None
    if not factories:
        return False
    tick = getattr(factories[-1], "tick", None)
    if tick is None:
        return False
    if step:
        tick(step)
    return True


class Clock(Protocol):
    """What domain code may ask of time."""

    def now(self) -> datetime: ...

    def call_at(
        self, when: datetime, callback: Callable[[], object], *, label: str = ""
    ) -> ScheduledEvent: ...

    def call_later(
        self, delay: DurationLike, callback: Callable[[], object], *, label: str = ""
    ) -> ScheduledEvent: ...

    def firing(self) -> bool: ...


@dataclass(slots=True, eq=False)
class ScheduledEvent:
    """A handle on a scheduled callback; `cancel()` is idempotent and thread-safe enough."""

    due: datetime
    seq: int
    label: str
    callback: Callable[[], object] = field(repr=False)
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True

    def __lt__(self, other: ScheduledEvent) -> bool:
        return (self.due, self.seq) < (other.due, other.seq)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class VirtualClock:
    """A clock that moves only when told to (or when its external source moves)."""

    def __init__(
        self,
        start: datetime,
        *,
        source: Callable[[], datetime] | None = None,
        follow_freezegun: bool = True,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._now = _aware(start)
        self._start = self._now
        self._source = source
        self._follow_freezegun = follow_freezegun
        self._on_error = on_error
        # (due, seq): ordered by tuple comparison in C, ties in scheduling order; the event
        # of each seq in `_events`. Plain values in the heap, which the collector stops
        # tracking: a waiting event is one tracked object, not two (a long run keeps hours of
        # them, and every full pass of the collector walks what is tracked).
        self._heap: list[tuple[datetime, int]] = []
        self._events: dict[int, ScheduledEvent] = {}
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._firing = threading.Lock()
        self._firing_thread: int | None = None
        self._listeners: list[Callable[[], None]] = []
        self._settlers: list[Callable[[], None]] = []
        # How far `advance()` has moved us past an external source (freezegun, wall clock).
        self._offset = timedelta(0)

    # -- reading time ---------------------------------------------------------------------
    def now(self) -> datetime:
        if self._source is None:
            if not self._follow_freezegun:
                return self._now
            api = sys.modules.get("freezegun.api")
            if api is None or not getattr(api, "freeze_factories", None):
                return self._now  # no freeze_time active: nothing to follow (the hot path)
        self.sync()
        return self._now

    @property
    def start(self) -> datetime:
        return self._start

    @property
    def realtime(self) -> bool:
        return self._source is not None

    def external_now(self) -> datetime | None:
        """The time the clock should follow right now, if anything outside it sets the pace."""
        if self._follow_freezegun:
            frozen = freezegun_now()
            if frozen is not None:
                return frozen + self._offset
        if self._source is not None:
            return _aware(self._source()) + self._offset
        return None

    # -- scheduling -----------------------------------------------------------------------
    def call_at(
        self, when: datetime, callback: Callable[[], object], *, label: str = ""
    ) -> ScheduledEvent:
        due = when if when.tzinfo is UTC else _aware(when)
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            seq = next(self._seq)
            event = self._events[seq] = ScheduledEvent(due, seq, label, callback)
            heapq.heappush(self._heap, (due, seq))
            earliest = self._heap[0][1] == seq
        finally:
            lock.release()
        if earliest and self._listeners:
            for listener in list(self._listeners):
                listener()
        return event

    def call_later(
        self, delay: DurationLike, callback: Callable[[], object], *, label: str = ""
    ) -> ScheduledEvent:
        return self.call_at(self._now + parse_duration(delay), callback, label=label)

    def firing(self) -> bool:
        """Whether the calling thread is running one of this clock's events right now: what
        it schedules for `now()` then still runs within the same `advance()`/`sync()`."""
        return self._firing_thread == threading.get_ident()

    def next_due(self) -> datetime | None:
        with self._lock:
            self._drop_cancelled()
            return self._heap[0][0] if self._heap else None

    def pending(self) -> list[tuple[datetime, str]]:
        """Due times and labels of every pending event, earliest first."""
        with self._lock:
            events = (self._events[seq] for _due, seq in sorted(self._heap))
            return [(e.due, e.label) for e in events if not e.cancelled]

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Call `listener()` whenever a new earliest event is scheduled (real-time driver)."""
        self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def add_settler(self, settle: Callable[[], None]) -> None:
        """Call `settle()` before and after `advance()` / `move_to()` move time: the hub brings
        its listeners up to date with what clients sent before time moves (an answer that
        arrived counts), and has them send what the move queued before it returns."""
        self._settlers.append(settle)

    def _settle(self) -> None:
        for settle in self._settlers:
            settle()

    # -- moving time ----------------------------------------------------------------------
    def advance(self, delta: DurationLike = 0) -> None:
        """Move virtual time forward and fire every event due by then, before returning."""
        step = parse_duration(delta)
        if step < timedelta(0):
            raise ClockError(f"cannot advance by a negative duration ({delta!r})")
        self._settle()
        drag = False
        if self.external_now() is not None:
            self.sync()
            drag = self._drags_freezegun()
            if not drag:
                self._offset += step
        self._run_until(self._now + step, raise_errors=True, drag=drag)
        self._settle()

    def sleep(self, seconds: DurationLike) -> None:
        """What ``time.sleep(seconds)`` would do, in virtual time: `advance` by that much.

        Client code with a retry loop can take the clock's ``sleep`` as its sleep function;
        ``@pytest.mark.smsmock(patch_sleep=True)`` puts it behind ``time.sleep`` and
        ``asyncio.sleep`` for the code under test."""
        self.advance(seconds)

    def move_to(self, when: datetime) -> None:
        """Move to an absolute time (not backwards), firing the events due on the way."""
        target = _aware(when)
        self._settle()
        if self.external_now() is not None:
            self.sync()
        if target < self._now:
            raise ClockError(
                f"cannot move the clock backwards from {self._now.isoformat()} "
                f"to {target.isoformat()}"
            )
        drag = self.external_now() is not None and self._drags_freezegun()
        if self.external_now() is not None and not drag:
            self._offset += target - self._now
        self._run_until(target, raise_errors=True, drag=drag)
        self._settle()

    def sync(self) -> None:
        """Catch up with the external source (freezegun or wall clock) and fire due events.

        Never blocks behind another thread that is firing events.
        """
        target = self.external_now()
        if target is None:
            return
        if self._firing_thread == threading.get_ident():
            return
        if target < self._now:
            # freezegun moved back in time: follow it; events already due stay pending.
            with self._lock:
                self._now = target
            return
        if not self._firing.acquire(blocking=False):
            return
        try:
            self._fire_until(target, raise_errors=False)
        finally:
            self._firing.release()

    def reset(self, start: datetime) -> None:
        """Forget every pending event and stand at `start`."""
        with self._lock:
            for event in self._events.values():
                event.cancel()
            self._heap.clear()
            self._events.clear()
            self._now = _aware(start)
            self._start = self._now
            self._offset = timedelta(0)

    # -- internals ------------------------------------------------------------------------
    def _drags_freezegun(self) -> bool:
        """Whether moving this clock moves an active `freeze_time` along (see `_tick_freezegun`)."""
        return self._follow_freezegun and _tick_freezegun(timedelta(0))

    def _run_until(self, target: datetime, *, raise_errors: bool, drag: bool = False) -> None:
        if self._firing_thread == threading.get_ident():
            raise ClockError("the clock cannot be advanced from inside one of its own events")
        with self._firing:
            self._fire_until(target, raise_errors=raise_errors, drag=drag)

    def _fire_until(self, target: datetime, *, raise_errors: bool, drag: bool = False) -> None:
        """Fire what is due by `target`; with `drag`, freezegun's frozen time moves step by step
        with the clock, so an event sees ``datetime.now()`` equal to its own due time."""
        errors: list[BaseException] = []
        heap, events, lock = self._heap, self._events, self._lock
        self._firing_thread = threading.get_ident()
        try:
            while True:
                lock.acquire()  # not `with`: it makes two bound methods per event (a hot path)
                try:
                    before = self._now
                    while heap and events[heap[0][1]].cancelled:
                        del events[heapq.heappop(heap)[1]]
                    if not heap or heap[0][0] > target:
                        if target > self._now:
                            self._now = target
                        event = None
                    else:
                        due, seq = heapq.heappop(heap)
                        event = events.pop(seq)
                        if due > self._now:
                            self._now = due
                    now = self._now
                finally:
                    lock.release()
                if drag and now != before:
                    _tick_freezegun(now - before)
                if event is None:
                    break
                try:
                    event.callback()
                except Exception as exc:  # an event must never stop time
                    errors.append(exc)
        finally:
            self._firing_thread = None
        if not errors:
            return
        if raise_errors:
            raise errors[0]
        for error in errors:
            if self._on_error is not None:
                self._on_error(error)

    def _drop_cancelled(self) -> None:
        heap, events = self._heap, self._events
        while heap and events[heap[0][1]].cancelled:
            del events[heapq.heappop(heap)[1]]
