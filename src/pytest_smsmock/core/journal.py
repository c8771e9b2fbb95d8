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

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pytest_smsmock.core.frozen import slot_setter
from pytest_smsmock.core.masking import mask_detail, mask_text

__all__ = ["Journal", "JournalEntry"]


@dataclass(frozen=True, slots=True, kw_only=True)
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

# A `record_lazy` entry until the journal is read: ``(at, kind, *value)`` when `value` is a
# plain tuple (one tuple per entry where there would be two), else ``(at, kind, value)``. `kind`
# numbers the entry's (provider, channel, direction, render, flattened) in `_KINDS`, so what an
# entry holds of its own is its time and its value: no sequence number either, since entries
# are numbered consecutively and an entry's number follows from its place (`_render_locked`).
# A plain tuple is the cheapest thing to append (the SMPP listener journals every PDU, a long
# scenario four entries per message); it becomes a `JournalEntry` the first time anything reads
# the journal. An entry whose value is made of plain values (str, int, bytes, datetime) holds
# nothing the garbage collector has to walk: it stops tracking such a tuple the first time it
# sees it.
_Pending = tuple[Any, ...]
_Kind = tuple[str, str, str, Render, bool]

# Kinds by number, for the life of the process: a few per provider and render function.
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
        # JournalEntry values, and `_Pending` tuples among the last `_fresh` items.
        self._entries: deque[JournalEntry | _Pending] = deque(maxlen=max_entries)
        self._lock = threading.Lock()
        self._seq = 0
        # How many items at the right end were appended since the journal was last read: every
        # unrendered entry is among them (a bounded journal simply drops the oldest unread).
        self._fresh = 0

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
            self._entries.append(entry)
            self._fresh += 1
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
        stamp = at if at is not None else self._now()
        flat = type(value) is tuple
        kind = _KIND_NUMBERS.get((provider, channel, direction, render, flat))
        if kind is None:
            kind = _register((provider, channel, direction, render, flat))
        item = (stamp, kind, *value) if flat else (stamp, kind, value)
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            self._seq += 1
            self._entries.append(item)
            self._fresh += 1
        finally:
            lock.release()

    def _render_locked(self) -> None:
        entries = self._entries
        fresh = min(self._fresh, len(entries))
        self._fresh = 0
        if not fresh:
            return
        seq = self._seq - fresh  # entries are numbered consecutively, the last is `_seq`
        tail = [entries.pop() for _ in range(fresh)]
        tail.reverse()
        for item in tail:
            seq += 1
            if type(item) is tuple:
                provider, channel, direction, render, flat = _KINDS[item[1]]
                summary, detail = render(item[2:] if flat else item[2])
                summary, detail = mask_text(summary), mask_detail(detail)
                at = item[0]
                item = _new_entry(JournalEntry)
                _set_seq(item, seq)
                _set_at(item, at)
                _set_provider(item, provider)
                _set_channel(item, channel)
                _set_direction(item, direction)
                _set_summary(item, summary)
                _set_detail(item, detail)
            entries.append(item)

    @property
    def max_entries(self) -> int | None:
        return self._entries.maxlen

    def set_max_entries(self, max_entries: int | None) -> None:
        """Keep at most the last `max_entries` entries (None: all); older ones go now. Sequence
        numbers keep counting, so a bounded journal shows how many went before."""
        with self._lock:
            self._entries = deque(self._entries, maxlen=max_entries)
            self._fresh = min(self._fresh, len(self._entries))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._fresh = 0
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
            if self._fresh:
                self._render_locked()
            snapshot: list[JournalEntry] = list(self._entries)  # type: ignore[arg-type]
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
        return len(self._entries)

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
