"""Messages and their lifecycle states, shared by every provider and protocol.

Canonical statuses: accepted -> enroute -> delivered | undeliverable | expired | rejected |
unknown | deleted. Each provider maps them to its own wire values; scenarios accept both.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NoReturn, overload

from pytest_smsmock.core.frozen import record_class, unchecked_builder, value_class
from pytest_smsmock.errors import SmsMockAssertionError

__all__ = [
    "FINAL_STATUSES",
    "STATUS_BY_VALUE",
    "InboundMessage",
    "Message",
    "MessageStore",
    "Status",
    "StatusChange",
]


class Status(StrEnum):
    ACCEPTED = "accepted"
    SCHEDULED = "scheduled"
    ENROUTE = "enroute"
    DELIVERED = "delivered"
    UNDELIVERABLE = "undeliverable"
    EXPIRED = "expired"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    DELETED = "deleted"

    @property
    def final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset(
    {
        Status.DELIVERED,
        Status.UNDELIVERABLE,
        Status.EXPIRED,
        Status.REJECTED,
        Status.UNKNOWN,
        Status.DELETED,
    }
)


@value_class
class StatusChange:
    """One change of a message's status; `native` is the provider's own status for it, when a
    scenario named one (None: the provider's usual name for `status`)."""

    at: datetime
    status: Status
    error: int | str | None = None
    native: int | str | None = None


#: `StatusChange(at, status, error, native)`, unchecked (every receipt a `clock.advance()`
#: generates is one).
_status_change = unchecked_builder(StatusChange)

#: A status by its string value (a message keeps its changes' statuses as plain strings, and the
#: lifecycle its waiting steps').
STATUS_BY_VALUE: dict[str, Status] = {s.value: s for s in Status}


class _EmptyExtra(dict[str, Any]):
    """The `extra` of every message built without one: one shared, read-only, empty dict (a
    dict of its own would cost each message 64 bytes; most have nothing to put in it). Writing
    to it is refused; a provider that keeps details builds the message with its own dict."""

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError(
            "this message was built without extras: give it a dict of its own first "
            "(message.extra = {...})"
        )

    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse


_NO_EXTRA = _EmptyExtra()


def _no_extra() -> dict[str, Any]:
    return _NO_EXTRA


@record_class(eq=False)
class Message:
    """One accepted message (one recipient). Mutable: its status moves over its life."""

    message_id: str
    provider: str
    account: str
    to: str
    sender: str
    text: str
    submitted_at: datetime
    status: Status = Status.ACCEPTED
    protocol: str = "http"
    api: str = ""
    client_ref: str | None = None
    bulk_id: str | None = None
    parts: int = 1
    encoding: str = "gsm7"
    data_coding: int | None = None
    binary: bytes | None = None
    flash: bool = False
    scheduled_at: datetime | None = None
    expires_at: datetime | None = None
    done_at: datetime | None = None
    error: int | str | None = None
    report: str = "all"  # which DLRs the client asked for: all | failure | none
    callback_url: str | None = None
    price: Decimal = Decimal("0")  # what the whole message (all its parts) was charged
    extra: dict[str, Any] = field(default_factory=_no_extra)  # shared while empty: _EmptyExtra
    # The status changes, flat: (at, status's value, error, native) for each, oldest first;
    # `history` reads them as `StatusChange`s. Plain values in one tuple: the collector stops
    # tracking it, so a long run's collections walk one object per message, not four (two
    # changes and their tuple), and two changes take 104 bytes instead of 184.
    _changes: tuple[Any, ...] = field(default=(), repr=False)

    @property
    def final(self) -> bool:
        return self.status.final

    @property
    def history(self) -> tuple[StatusChange, ...]:
        """Every status change, oldest first."""
        flat = self._changes
        return tuple(
            _status_change(flat[i], STATUS_BY_VALUE[flat[i + 1]], flat[i + 2], flat[i + 3])
            for i in range(0, len(flat), 4)
        )

    @property
    def last_change(self) -> StatusChange | None:
        """The latest status change (None before the first)."""
        flat = self._changes
        if not flat:
            return None
        at, status, error, native = flat[-4:]
        return _status_change(at, STATUS_BY_VALUE[status], error, native)

    def set_status(
        self,
        status: Status,
        at: datetime,
        error: int | str | None = None,
        native: int | str | None = None,
    ) -> StatusChange:
        """Move to `status` at `at`; returns the change (what `last_change` reads now)."""
        self.status = status
        if error is not None:
            self.error = error
        if status in FINAL_STATUSES:
            self.done_at = at
        self._changes += (at, status._value_, error, native)
        return _status_change(at, status, error, native)

    @property
    def native_status(self) -> int | str | None:
        """The provider-native status a scenario gave the current status, if any."""
        flat = self._changes
        if flat and flat[-3] == self.status:
            native: int | str | None = flat[-1]
            return native
        return None


@value_class
class InboundMessage:
    """A mobile-originated message injected by a test or a scenario."""

    message_id: str
    provider: str
    sender: str
    to: str
    text: str
    received_at: datetime
    account: str | None = None
    binary: bytes | None = None
    data_coding: int = 0
    esm_class: int = 0
    extra: tuple[tuple[str, Any], ...] = ()


def _nothing() -> None:
    pass


_FILTERABLE = ("to", "sender", "status", "account", "client_ref", "bulk_id", "protocol", "text")


class MessageStore:
    """Every message a fake accepted, in order; the `.messages` a test inspects.

    `max_finished` bounds what a long run keeps (`smsmock serve`, a load test through the
    fakes): once more than that many messages have reached a final status, the ones that got
    there first are forgotten, oldest first, and `on_evict` tells the provider so it drops what
    it keeps about them (status indexes, batches). Messages still on their way are never
    forgotten. Unbounded by default: a pytest run keeps everything of its test. Forgotten
    messages leave `_order` lazily (in one pass once they are half of it), so forgetting costs
    O(1) per message.

    Every read calls `settle()` first (the hub's: the listeners handle what clients sent
    before the read; a no-op on the threads that serve the fakes).
    """

    def __init__(
        self,
        provider: str,
        *,
        max_finished: int | None = None,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self.provider = provider
        self._by_id: dict[str, Message] = {}
        self._order: list[Message] = []
        self._lock = threading.Lock()
        self.max_finished = max_finished
        self.on_evict: Callable[[Message], None] | None = None
        self._finished: deque[Message] = deque()  # final messages, in the order they got there
        self._forgotten = 0  # forgotten messages still in `_order`
        self._settle = settle if settle is not None else _nothing

    def add(self, message: Message) -> Message:
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            self._by_id[message.message_id] = message
            self._order.append(message)
        finally:
            lock.release()
        return message

    def finished(self, message: Message) -> None:
        """`message` reached a final status: with `max_finished`, forget the oldest finished
        messages beyond the bound."""
        if self.max_finished is None:
            return
        with self._lock:
            self._finished.append(message)
            evicted = self._evict_locked()
        self._notify(evicted)

    def set_max_finished(self, max_finished: int | None) -> None:
        """Change the bound (None: keep everything); what is beyond it now goes now."""
        with self._lock:
            self.max_finished = max_finished
            if max_finished is None:
                self._finished.clear()
                return
            if not self._finished:
                self._finished.extend(m for m in self._order if m.final and self._kept(m))
            evicted = self._evict_locked()
        self._notify(evicted)

    def _kept(self, message: Message) -> bool:
        return self._by_id.get(message.message_id) is message

    def _evict_locked(self) -> list[Message]:
        evicted: list[Message] = []
        bound = self.max_finished or 0
        while len(self._finished) > bound:
            old = self._finished.popleft()
            if self._kept(old):  # not forgotten already (a status reported final twice)
                del self._by_id[old.message_id]
                self._forgotten += 1
                evicted.append(old)
        if self._forgotten and self._forgotten * 2 >= len(self._order):
            self._compact_locked()
        return evicted

    def _compact_locked(self) -> None:
        self._order = [m for m in self._order if self._kept(m)]
        self._forgotten = 0

    def _notify(self, evicted: list[Message]) -> None:
        hook = self.on_evict
        if hook is not None:
            for message in evicted:  # outside the lock: the provider takes its own
                hook(message)

    def _ordered(self) -> list[Message]:
        """`_order` without forgotten messages (call with the lock held)."""
        if self._forgotten:
            self._compact_locked()
        return self._order

    def get(self, message_id: str) -> Message | None:
        self._settle()
        return self._by_id.get(message_id)

    def __contains__(self, message_id: object) -> bool:
        self._settle()
        return message_id in self._by_id

    def clear(self) -> None:
        with self._lock:
            self._by_id.clear()
            self._order.clear()
            self._finished.clear()
            self._forgotten = 0

    def __len__(self) -> int:
        self._settle()
        with self._lock:
            return len(self._ordered())

    def __iter__(self) -> Iterator[Message]:
        self._settle()
        with self._lock:
            return iter(list(self._ordered()))

    @overload
    def __getitem__(self, index: int) -> Message: ...
    @overload
    def __getitem__(self, index: slice) -> list[Message]: ...
    def __getitem__(self, index: int | slice) -> Message | list[Message]:
        self._settle()
        with self._lock:
            return self._ordered()[index]

    @property
    def last(self) -> Message:
        self._settle()
        with self._lock:
            order = self._ordered()
            if not order:
                raise SmsMockAssertionError(f"{self.provider}: no message was accepted")
            return order[-1]

    def filter(
        self, predicate: Callable[[Message], bool] | None = None, **fields: Any
    ) -> list[Message]:
        unknown = set(fields) - set(_FILTERABLE)
        if unknown:
            raise TypeError(f"cannot filter messages on {sorted(unknown)}; use {_FILTERABLE}")
        return [
            m
            for m in self
            if all(getattr(m, k) == v for k, v in fields.items())
            and (predicate is None or predicate(m))
        ]

    def one(self, **fields: Any) -> Message:
        """The single message matching `fields`; fails the test with what was there otherwise."""
        found = self.filter(**fields)
        if len(found) == 1:
            return found[0]
        seen = (
            "\n".join(
                f"  {m.message_id}: to={m.to} sender={m.sender} status={m.status} text={m.text!r}"
                for m in self
            )
            or "  (none)"
        )
        raise SmsMockAssertionError(
            f"{self.provider}: expected one message with {fields}, found {len(found)}; "
            f"accepted messages:\n{seen}"
        )
