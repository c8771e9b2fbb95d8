"""Which threads serve the fakes: the hub brings the listeners up to date before a *test* reads
the fakes' state (`SmsMock.settle`), never from a thread that serves them (it would wait for
itself, or for work that is already in hand)."""

from __future__ import annotations

import threading

__all__ = ["is_serving", "mark_serving"]

_LOCAL = threading.local()


def mark_serving() -> None:
    """This thread serves the fakes (the SMPP loop, an HTTP request, the real-time driver)."""
    _LOCAL.serving = True


def is_serving() -> bool:
    return getattr(_LOCAL, "serving", False)
