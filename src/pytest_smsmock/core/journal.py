"""The journal: every interaction with the fakes, in order, with virtual timestamps.

Entries are immutable values. The journal is what a failing test prints and what determinism is
judged by: the same scenario, seed and start time must give the same `dumps()`.

Hot paths (the SMPP listener journals every PDU) use `record_lazy`: the entry takes its place,
sequence number and timestamp at once, and its summary and detail are rendered from immutable
arguments (a frozen PDU, ints, strings) the first time anything reads the journal. Nobody can
hold an entry before that (`record_lazy` returns nothing), so every entry anyone sees is
complete and never changes, and the text is the same as if it had been rendered eagerly.

Credentials (passwords, API keys, Authorization headers, user:password in URLs) are masked as
``***`` in every entry, eager or lazy, before anyone can read it (`core.masking`): renderings,
`dumps()` and failure reports never show one.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import field
from datetime import datetime
from typing import Any

from pytest_smsmock.core.frozen import slot_setter, value_class
from pytest_smsmock.core.masking import mask_detail, mask_text

__all__ = ["Journal", "JournalEntry", "lazy_kind"]


@value_class
class JournalEntry:
    """One interaction. `channel` is http, smpp, callback, dlr, mo, clock, scenario, error or
    hint (why something was refused, in words: listed first in a failed test's report)."""

    seq: int
    at: datetime
    provider: str
    channel: str
    direction: str  # "in" (to the fake), "out" (from the fake), "event" (internal)
    summary: str
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "at": self.at.isoformat(),
            "provider": self.provider,
            "channel": self.channel,
            "direction": self.direction,
            "summary": self.summary,
            "detail": dict(self.detail),
        }

    def line(self) -> str:
        arrow = {"in": "->", "out": "<-", "event": "**"}.get(self.direction, "  ")
        stamp = self.at.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
        return f"{self.seq:>5} {stamp} {self.provider:<13} {self.channel:<8} {arrow} {self.summary}"


Render = Callable[[Any], tuple[str, Mapping[str, Any]]]

# A loopback host and its port inside a URL or an address: the port differs from run to run.
_LOOPBACK_PORT = re.compile(r"(?<![\w.])(127(?:\.\d{1,3}){3}|localhost|\[::1\]):\d{1,5}\b")

# Entries nobody has read yet wait as a flat run of their fields: for each, its kind, its time,
# then its value (the `size` fields of a plain tuple, or the value itself when `size` is None).
# A kind numbers an entry's (provider, channel, direction, render, size) in `_KINDS`, for the
# life of the process (a few per provider and render function). An entry has no object of its
# own (a tuple per entry would add 48 bytes with its place in a container), no sequence number
# (entries are numbered consecutively, so an entry's number follows from its place) and no
# strings of its own. The run is kept in tuples of `_CHUNK` fields (`Journal._sealed`) and the
# list being filled (`Journal._tail`): a tuple of plain values (strings, numbers, datetimes:
# what the status changes and decisions of a long scenario journal) is no longer tracked by
# the collector once it has survived one collection, so full collections do not walk the
# journal. In one deque of fields they walked every field: at a million messages of the
# 48-hour scenario, half the run went to the collector (bench/README.md, "Scenarios"). A long
# scenario journals four entries per message, the SMPP listener one per PDU. An eager entry
# recorded while others wait joins them, as kind `_READY`, to keep the order.
_Kind = tuple[str, str, str, Render, int | None]
_READY = -1

_KINDS: list[_Kind] = []
_KIND_NUMBERS: dict[_Kind, int] = {}
_KINDS_LOCK = threading.Lock()


def _register(kind: _Kind) -> int:
    with _KINDS_LOCK:
        number = _KIND_NUMBERS.get(kind)
        if number is None:
            number = _KIND_NUMBERS[kind] = len(_KINDS)
            _KINDS.append(kind)
        return number


def lazy_kind(provider: str, channel: str, direction: str, render: Render, size: int) -> int:
    """The number of the lazy entries of one shape: journaled by `Journal.record_kind` with a
    plain tuple of `size` values. A hot path resolves its kinds once (each `record_lazy` looks
    its kind up by the five of them: a tuple to build and hash per entry)."""
    number = _KIND_NUMBERS.get((provider, channel, direction, render, size))
    if number is None:
        number = _register((provider, channel, direction, render, size))
    return number


def _take(fields: Iterator[Any]) -> tuple[int, Any, Any]:
    """The next waiting entry in `fields`: (kind, time, value), or (`_READY`, entry, None)."""
    kind = next(fields)
    if kind == _READY:
        return kind, next(fields), None
    at = next(fields)
    size = _KINDS[kind][4]
    value = next(fields) if size is None else tuple(itertools.islice(fields, size))
    return kind, at, value


#: How many fields a sealed chunk of `Journal._sealed` holds.
_CHUNK = 1024


_new_entry = object.__new__


def _nothing() -> None:
    pass


# The slots' own setters, for entries built field by field when the journal is read.
_set_seq = slot_setter(JournalEntry, "seq")
_set_at = slot_setter(JournalEntry, "at")
_set_provider = slot_setter(JournalEntry, "provider")
_set_channel = slot_setter(JournalEntry, "channel")
_set_direction = slot_setter(JournalEntry, "direction")
_set_summary = slot_setter(JournalEntry, "summary")
_set_detail = slot_setter(JournalEntry, "detail")


class Journal:
    """A thread-safe, append-only record; `max_entries` bounds memory for long runs."""

    def __init__(
        self,
        now: Callable[[], datetime],
        *,
        max_entries: int | None = None,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self._now = now
        # Called before every read: the hub's listeners journal what clients sent first.
        self._settle = settle if settle is not None else _nothing
        # Entries already read (rendered), oldest first, then those waiting (see `_KINDS`).
        self._entries: deque[JournalEntry] = deque(maxlen=max_entries)
        self._sealed: deque[tuple[Any, ...]] = deque()
        self._tail: list[Any] = []
        self._waiting = 0  # how many entries `_sealed` and `_tail` hold
        # More waiting entries than this, and the oldest go (twice the bound: trimming costs
        # one pass over the list, so it happens once per `max_entries` new entries).
        self._trim_at = sys.maxsize if max_entries is None else 2 * max_entries
        self._lock = threading.Lock()
        self._seq = 0

    def record(
        self,
        provider: str,
        channel: str,
        direction: str,
        summary: str,
        detail: Mapping[str, Any] | None = None,
        *,
        at: datetime | None = None,
    ) -> JournalEntry:
        stamp = at if at is not None else self._now()
        summary = mask_text(summary)
        masked = mask_detail(detail) if detail else {}
        with self._lock:
            self._seq += 1
            entry = JournalEntry(
                seq=self._seq,
                at=stamp,
                provider=provider,
                channel=channel,
                direction=direction,
                summary=summary,
                detail=masked,
            )
            if self._waiting:  # it comes after them
                self._append_locked((_READY, entry))
                self._waiting += 1
                if self._waiting > self._trim_at:
                    self._trim_locked()
            else:
                self._entries.append(entry)
        return entry

    def record_lazy(
        self,
        provider: str,
        channel: str,
        direction: str,
        render: Render,
        value: Any,
        *,
        at: datetime | None = None,
    ) -> None:
        """Journal an entry now and render it when the journal is read: `render(value)` returns
        (summary, detail). It must be a pure function of an immutable `value` (a frozen PDU,
        a tuple of strings and numbers), and a long-lived one (a module's function): each
        distinct (provider, channel, direction, render) is remembered for the life of the
        process."""
        if type(value) is tuple:
            size: int | None = len(value)
        else:
            size, value = None, (value,)
        kind = _KIND_NUMBERS.get((provider, channel, direction, render, size))
        if kind is None:
            kind = _register((provider, channel, direction, render, size))
        self.record_kind(kind, value, at)

    def record_kind(self, kind: int, value: tuple[Any, ...], at: datetime | None = None) -> None:
        """`record_lazy` of the entry of kind `kind` (`lazy_kind`) and value `value`, a plain
        tuple of the kind's size: what hot paths call (the SMPP listener for every PDU, a fake
        for every message and status change)."""
        fields = (kind, at if at is not None else self._now()) + value  # noqa: RUF005 (cheaper)
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            self._seq += 1
            tail = self._tail  # `_append_locked`, inlined (a hot path)
            tail += fields
            if len(tail) >= _CHUNK:
                self._sealed.append(tuple(tail))
                tail.clear()
            self._waiting += 1
            if self._waiting > self._trim_at:
                self._trim_locked()
        finally:
            lock.release()

    def _append_locked(self, fields: tuple[Any, ...]) -> None:
        tail = self._tail
        tail += fields
        if len(tail) >= _CHUNK:
            self._sealed.append(tuple(tail))
            tail.clear()

    def _drain_locked(self) -> Iterator[Any]:
        """Every waiting field, oldest first, each chunk let go of once read; read it to the
        end (what is not read is lost)."""
        sealed = self._sealed
        while sealed:
            yield from sealed.popleft()
        tail, self._tail = self._tail, []
        yield from tail

    def _trim_locked(self) -> None:
        """Drop what a bounded journal no longer keeps: every entry already read (each is older
        than the waiting ones) and the oldest waiting ones beyond the bound."""
        bound = self._entries.maxlen
        if bound is None or self._waiting <= bound:
            return
        self._entries.clear()
        fields = self._drain_locked()
        for _ in range(self._waiting - bound):
            _take(fields)
        rest = list(fields)
        self._sealed = deque(tuple(rest[i : i + _CHUNK]) for i in range(0, len(rest), _CHUNK))
        self._waiting = bound

    def _render_locked(self) -> None:
        """Make every waiting entry a `JournalEntry` (the first read after they were recorded)."""
        self._trim_locked()
        fields, entries = self._drain_locked(), self._entries
        seq = self._seq - self._waiting  # the number of the entry before the first waiting one
        for _ in range(self._waiting):
            kind, at, value = _take(fields)
            seq += 1
            if kind == _READY:
                entries.append(at)
                continue
            provider, channel, direction, render, _size = _KINDS[kind]
            summary, detail = render(value)
            entry = _new_entry(JournalEntry)
            _set_seq(entry, seq)
            _set_at(entry, at)
            _set_provider(entry, provider)
            _set_channel(entry, channel)
            _set_direction(entry, direction)
            _set_summary(entry, mask_text(summary))
            _set_detail(entry, mask_detail(detail))
            entries.append(entry)
        self._waiting = 0

    @property
    def max_entries(self) -> int | None:
        return self._entries.maxlen

    def set_max_entries(self, max_entries: int | None) -> None:
        """Keep at most the last `max_entries` entries (None: all); older ones go now. Sequence
        numbers keep counting, so a bounded journal shows how many went before."""
        with self._lock:
            self._render_locked()
            self._entries = deque(self._entries, maxlen=max_entries)
            self._trim_at = sys.maxsize if max_entries is None else 2 * max_entries

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sealed.clear()
            self._tail = []
            self._waiting = 0
            self._seq = 0

    def entries(
        self,
        *,
        provider: str | None = None,
        channel: str | None = None,
        direction: str | None = None,
        contains: str | None = None,
    ) -> list[JournalEntry]:
        self._settle()
        with self._lock:
            if self._waiting:
                self._render_locked()
            snapshot = list(self._entries)
        return [
            e
            for e in snapshot
            if (provider is None or e.provider == provider)
            and (channel is None or e.channel == channel)
            and (direction is None or e.direction == direction)
            and (contains is None or contains in e.summary)
        ]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        self._settle()
        with self._lock:
            held = len(self._entries) + self._waiting
            bound = self._entries.maxlen
        return held if bound is None else min(held, bound)

    def render(self, *, last: int | None = None) -> str:
        lines = [e.line() for e in self.entries()]
        if last is not None and len(lines) > last:
            lines = [f"... {len(lines) - last} earlier entries omitted ...", *lines[-last:]]
        return "\n".join(lines) if lines else "(journal is empty)"

    def dumps(self) -> str:
        """JSON lines, keys sorted: byte-identical for identical runs. Ports of loopback
        addresses (a receiver's, a fake's, each bound to a free port) read ``<port>``."""
        return "".join(
            _LOOPBACK_PORT.sub(
                r"\1:<port>",
                json.dumps(e.to_dict(), sort_keys=True, ensure_ascii=False, default=str),
            )
            + "\n"
            for e in self.entries()
        )
