"""Virtual sleep: ``time.sleep`` and ``asyncio.sleep`` in the code under test advance the
fakes' clock instead of waiting.

A client's retry loop (``for attempt in range(10): ...; time.sleep(60)``) then runs in
milliseconds, and every DLR, push retry or expiry due during those ten minutes fires on the way,
in order, as the loop sleeps through them.

Only the thread that started the patch (the test's) sleeps virtually, and only its event loops
(``asyncio.run`` in the test, pytest-asyncio's loop): every other thread, among them the fakes'
transports (werkzeug's threads, the SMPP listener's asyncio loop), sleeps for real, untouched.
A zero or negative sleep keeps its real meaning (a yield). Code that reads the time between
sleeps (``time.monotonic()`` deadlines) sees virtual time under freezegun's ``freeze_time``,
which `VirtualClock.advance` moves along.

``@pytest.mark.smsmock(patch_sleep=True)``, the ``smsmock_sleep`` fixture, or
``with smsmock.patch_sleep(): ...``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from types import TracebackType
from typing import Any, TypeVar

from pytest_smsmock.clock import VirtualClock
from pytest_smsmock.errors import ConfigError

__all__ = ["SleepPatch"]

T = TypeVar("T")

_ACTIVE: SleepPatch | None = None
_LOCK = threading.Lock()


class SleepPatch:
    """While started, ``time.sleep`` / ``asyncio.sleep`` called from the starting thread
    advance `clock`; `slept` lists every virtual sleep in seconds, in order."""

    def __init__(self, clock: VirtualClock) -> None:
        self.clock = clock
        self.slept: list[float] = []
        self._owner: int | None = None
        self._originals: tuple[Any, Any] | None = None

    @property
    def active(self) -> bool:
        return self._originals is not None

    def start(self) -> SleepPatch:
        global _ACTIVE
        with _LOCK:
            if _ACTIVE is self:
                return self
            if _ACTIVE is not None:
                raise ConfigError("smsmock: sleep is patched already (one patch at a time)")
            real_sleep = time.sleep
            real_async_sleep = asyncio.sleep
            owner = threading.get_ident()

            def sleep(seconds: float) -> None:
                if seconds > 0 and threading.get_ident() == owner:
                    self._advance(seconds)
                else:
                    real_sleep(seconds)

            async def async_sleep(delay: float, result: T = None) -> T:  # type: ignore[assignment]
                if delay > 0 and threading.get_ident() == owner:
                    self._advance(delay)
                    delay = 0  # still a yield to the loop, as a real sleep is
                return await real_async_sleep(delay, result)

            self._owner = owner
            self._originals = (real_sleep, real_async_sleep)
            time.sleep = sleep  # type: ignore[assignment]
            asyncio.sleep = async_sleep
            _ACTIVE = self
        return self

    def stop(self) -> None:
        global _ACTIVE
        with _LOCK:
            if self._originals is None:
                return
            time.sleep, asyncio.sleep = self._originals
            self._originals = None
            self._owner = None
            if _ACTIVE is self:
                _ACTIVE = None

    def _advance(self, seconds: float) -> None:
        self.slept.append(float(seconds))
        self.clock.advance(seconds)

    def __enter__(self) -> SleepPatch:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def total(self) -> float:
        """Seconds slept virtually, in all."""
        return sum(self.slept)
