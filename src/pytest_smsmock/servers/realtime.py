"""Drives a clock from the wall clock, for `smsmock serve` and `--smsmock-clock=realtime`.

A thread sleeps until the next due event (or until a new earlier one is scheduled) and then
lets the clock catch up, so DLRs and retries fire by themselves.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from pytest_smsmock.clock import VirtualClock
from pytest_smsmock.servers.threads import mark_serving

__all__ = ["RealtimeDriver", "wall_now"]

_MAX_SLEEP = 1.0


def wall_now() -> datetime:
    return datetime.now(UTC)


class RealtimeDriver:
    def __init__(self, clock: VirtualClock) -> None:
        self._clock = clock
        self._wake = threading.Event()
        self._stop = False
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._clock.add_listener(self._wake.set)
        self._thread = threading.Thread(target=self._run, name="smsmock-clock", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop = True
        self._wake.set()
        self._clock.remove_listener(self._wake.set)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        mark_serving()
        while not self._stop:
            self._clock.sync()
            due = self._clock.next_due()
            timeout = _MAX_SLEEP
            if due is not None:
                timeout = min(_MAX_SLEEP, max(0.0, (due - wall_now()).total_seconds()))
            self._wake.wait(timeout)
            self._wake.clear()
