"""SMSC.ru rate limits on the virtual clock (no threads started, no sleeping).

- "More than 5 status requests for the same message within a minute" is a sliding window
  (`admit`): the 6th request less than 60 s (virtual) after the first of the five admitted
  before it is refused, wherever the minute boundaries fall. Refused requests do not count, so
  a client that waits a minute after its first request gets through again.
- Erroneous requests are counted per virtual minute (`count`, `int(timestamp // 60)`); the
  real threshold is not public, the bucket is the cheap approximation.
- Identical sends are remembered with their time: a second one less than 60 s (virtual) after
  the first is refused.
- Concurrency is a lock-protected count of requests in flight per login; it moves with real
  threads, not with the clock.
- Error blocking: too many erroneous requests from one address within a minute block that
  address for a while (`blocked()`), on the clock.

Every window and last-seen time is kept per key (a message, a send), so a long run sweeps the
ones that can no longer refuse anything every `SWEEP_EVERY` calls: memory follows the traffic
of the last window, not all the traffic ever seen.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Hashable
from datetime import datetime, timedelta

__all__ = ["MINUTE", "RateLimits"]

MINUTE = timedelta(minutes=1)

#: Calls of `admit`/`repeated` between two sweeps of stale keys.
SWEEP_EVERY = 4096


def minute_of(moment: datetime) -> int:
    return int(moment.timestamp() // 60)


class RateLimits:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[int, Hashable], int] = {}
        self._last_seen: dict[Hashable, datetime] = {}
        self._windows: dict[Hashable, deque[datetime]] = {}
        self._in_flight: dict[str, int] = {}
        self._blocked_until: dict[str, datetime] = {}
        self._calls = 0
        self._widest = MINUTE  # the longest window asked about so far

    def _sweep_locked(self, now: datetime) -> None:
        """Forget keys whose every time is older than the widest window (lock held)."""
        self._calls += 1
        if self._calls % SWEEP_EVERY:
            return
        horizon = now - self._widest
        for key, times in list(self._windows.items()):
            if not times or times[-1] < horizon:
                del self._windows[key]
        for key, seen in list(self._last_seen.items()):
            if seen < horizon:
                del self._last_seen[key]

    def clear(self) -> None:
        with self._lock:
            self._counts.clear()
            self._last_seen.clear()
            self._windows.clear()
            self._in_flight.clear()
            self._blocked_until.clear()

    def count(self, key: Hashable, now: datetime) -> int:
        """Count one more event for `key` in the current virtual minute; returns the new count."""
        minute = minute_of(now)
        with self._lock:
            stale = [k for k in self._counts if k[0] < minute]
            for k in stale:
                del self._counts[k]
            value = self._counts.get((minute, key), 0) + 1
            self._counts[(minute, key)] = value
            return value

    def admit(self, key: Hashable, now: datetime, limit: int, window: timedelta = MINUTE) -> bool:
        """True (and remembered) if fewer than `limit` events of `key` were admitted within
        `window` before `now`; False, not remembered, otherwise."""
        with self._lock:
            self._widest = max(self._widest, window)
            self._sweep_locked(now)
            times = self._windows.setdefault(key, deque())
            while times and not timedelta(0) <= now - times[0] < window:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)
            return True

    def repeated(self, key: Hashable, now: datetime, window: timedelta) -> bool:
        """True if `key` was seen less than `window` ago; remembers `now` otherwise."""
        with self._lock:
            self._widest = max(self._widest, window)
            self._sweep_locked(now)
            last = self._last_seen.get(key)
            if last is not None and timedelta(0) <= now - last < window:
                return True
            self._last_seen[key] = now
            return False

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._last_seen.pop(key, None)

    # -- concurrency ---------------------------------------------------------------------------
    def enter(self, login: str) -> int:
        """One more request in flight for `login`; returns how many are in flight now."""
        with self._lock:
            value = self._in_flight.get(login, 0) + 1
            self._in_flight[login] = value
            return value

    def leave(self, login: str) -> None:
        with self._lock:
            value = self._in_flight.get(login, 0) - 1
            if value > 0:
                self._in_flight[login] = value
            else:
                self._in_flight.pop(login, None)

    def in_flight(self, login: str) -> int:
        with self._lock:
            return self._in_flight.get(login, 0)

    # -- blocking after errors ---------------------------------------------------------------
    def blocked(self, address: str, now: datetime) -> bool:
        with self._lock:
            until = self._blocked_until.get(address)
            if until is None:
                return False
            if now >= until:
                del self._blocked_until[address]
                return False
            return True

    def note_error(self, address: str, now: datetime, *, limit: int, block_for: timedelta) -> bool:
        """Count an erroneous request; past `limit` in a minute, block. True if now blocked."""
        if self.count(("errors", address), now) > limit:
            with self._lock:
                self._blocked_until[address] = now + block_for
            return True
        return False
