"""Exactly-once queues for pulled reports and inbound messages.

A provider's pull endpoint hands each item to exactly one reader: `take()` removes what it
returns under one lock, so concurrent readers never see the same report twice and none is lost.

`maxlen` bounds a queue nobody reads (a long `smsmock serve` whose clients never pull): beyond
it the oldest items go first, as the finished messages they report on do (`MessageStore`).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

__all__ = ["OnceQueue"]

T = TypeVar("T")


class OnceQueue(Generic[T]):
    def __init__(self, maxlen: int | None = None) -> None:
        self._items: deque[T] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    @property
    def maxlen(self) -> int | None:
        return self._items.maxlen

    def set_maxlen(self, maxlen: int | None) -> None:
        """Bound the queue (None: unbounded); the oldest items beyond the bound go now."""
        with self._lock:
            self._items = deque(self._items, maxlen=maxlen)

    def put(self, item: T) -> None:
        with self._lock:
            self._items.append(item)

    def take(self, match: Callable[[T], bool] | None = None, limit: int | None = None) -> list[T]:
        """Remove and return the matching items, oldest first, at most `limit` of them."""
        with self._lock:
            taken: list[T] = []
            kept: deque[T] = deque(maxlen=self._items.maxlen)
            for item in self._items:
                if (limit is None or len(taken) < limit) and (match is None or match(item)):
                    taken.append(item)
                else:
                    kept.append(item)
            self._items = kept
        return taken

    def peek(self) -> list[T]:
        with self._lock:
            return list(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[T]:
        return iter(self.peek())
