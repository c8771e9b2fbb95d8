"""Scheduled bulks: the messages of one request sent with ``sendAt``, managed as one.

Rules (``/sms/1/bulks`` and ``/sms/1/bulks/status``):
- A bulk exists once a request left at least one message waiting for a later time (``sendAt``,
  a speed limit or a delivery time window); its ``sendAt`` is the earliest of them.
- Its status is read off its messages and the clock unless a client put it on hold: PENDING
  before ``sendAt``, PROCESSING while any of its messages is not final, FINISHED after. PAUSED
  and CANCELED are the holds. FAILED is in the SDK's enum but the fake never reaches it.
- A client asks for a status; `TRANSITIONS` says what that does from the current one. Anything
  else is refused (400), as is rescheduling a bulk that is no longer PENDING or PAUSED.
- Pausing stops the waiting messages on the clock; resuming starts them again (those whose time
  passed leave at once); cancelling ends each waiting message as ``deleted`` with
  EC_Cancelled (4100) at that instant and gives its price back; rescheduling moves every
  waiting message by the same amount, validity included.
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, Transition
from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.providers.infobip.rest_errors import RestError, not_found

if TYPE_CHECKING:
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["TRANSITIONS", "Bulk", "BulkStatus", "Bulks"]

CANCELLED = Transition(after=timedelta(0), status=Status.DELETED, error=4100)


class BulkStatus(enum.StrEnum):
    PENDING = "PENDING"
    PAUSED = "PAUSED"
    PROCESSING = "PROCESSING"
    CANCELED = "CANCELED"
    FINISHED = "FINISHED"
    FAILED = "FAILED"


_S = BulkStatus
#: (current, asked for) -> what happens; a pair that is not here is refused.
TRANSITIONS: Mapping[tuple[BulkStatus, BulkStatus], str] = {
    (_S.PENDING, _S.PENDING): "keep",
    (_S.PENDING, _S.PAUSED): "pause",
    (_S.PENDING, _S.CANCELED): "cancel",
    (_S.PAUSED, _S.PAUSED): "keep",
    (_S.PAUSED, _S.PENDING): "resume",
    (_S.PAUSED, _S.PROCESSING): "resume",
    (_S.PAUSED, _S.CANCELED): "cancel",
    (_S.PROCESSING, _S.PROCESSING): "keep",
    (_S.PROCESSING, _S.PAUSED): "pause",
    (_S.PROCESSING, _S.CANCELED): "cancel",
    (_S.CANCELED, _S.CANCELED): "keep",
}


@record_class
class Bulk:
    bulk_id: str
    account: str
    send_at: datetime
    message_ids: list[str] = field(default_factory=list)
    hold: BulkStatus | None = None


class Bulks:
    """The scheduled bulks of one fake."""

    def __init__(self, fake: ProviderFake) -> None:
        self.fake = fake
        self._bulks: dict[tuple[str, str], Bulk] = {}
        self._lock = threading.RLock()

    def reset(self) -> None:
        with self._lock:
            self._bulks.clear()

    def forget(self, account: str, bulk_id: str) -> None:
        """Drop a bulk whose messages a bounded run forgets."""
        with self._lock:
            self._bulks.pop((account, bulk_id), None)

    def register(self, account: str, bulk_id: str, messages: list[Message]) -> None:
        """Remember the waiting messages of a request under its bulk id."""
        now = self.fake.clock.now()
        waiting = [m for m in messages if m.scheduled_at is not None and m.scheduled_at > now]
        if not waiting:
            return
        earliest = min(m.scheduled_at for m in waiting if m.scheduled_at is not None)
        with self._lock:
            bulk = self._bulks.get((account, bulk_id))
            if bulk is None:
                bulk = self._bulks[(account, bulk_id)] = Bulk(
                    bulk_id=bulk_id, account=account, send_at=earliest
                )
            bulk.send_at = min(bulk.send_at, earliest)
            bulk.message_ids.extend(m.message_id for m in messages)

    def get(self, account: str, bulk_id: str) -> Bulk:
        with self._lock:
            bulk = self._bulks.get((account, bulk_id))
        if bulk is None:
            raise not_found(f"no scheduled bulk {bulk_id!r} on this account")
        return bulk

    def _messages(self, bulk: Bulk) -> list[Message]:
        store = self.fake.messages
        found = (store.get(message_id) for message_id in bulk.message_ids)
        return [m for m in found if m is not None]

    def _waiting(self, bulk: Bulk) -> list[Message]:
        return [m for m in self._messages(bulk) if m.status is Status.SCHEDULED]

    def status(self, bulk: Bulk) -> BulkStatus:
        if bulk.hold is not None:
            return bulk.hold
        if self.fake.clock.now() < bulk.send_at:
            return BulkStatus.PENDING
        if all(m.final for m in self._messages(bulk)):
            return BulkStatus.FINISHED
        return BulkStatus.PROCESSING

    # -- changes ------------------------------------------------------------------------------
    def change(self, bulk: Bulk, asked: BulkStatus) -> BulkStatus:
        """Pause, resume or cancel as `TRANSITIONS` says; the status afterwards."""
        with self._lock:
            current = self.status(bulk)
            action = TRANSITIONS.get((current, asked))
            if action is None:
                raise RestError(
                    400,
                    "BAD_REQUEST",
                    "Bad request",
                    detail=f"a {current} bulk cannot become {asked}",
                )
            if action == "pause":
                for message in self._waiting(bulk):
                    self.fake.lifecycle.cancel(message.message_id)
                bulk.hold = BulkStatus.PAUSED
            elif action == "resume":
                bulk.hold = None
                now = self.fake.clock.now()
                for message in self._waiting(bulk):
                    scheduled = message.scheduled_at or now
                    if scheduled < now:
                        self._move(message, now - scheduled)
                    self._start(message)
            elif action == "cancel":
                self._cancel(bulk)
            return self.status(bulk)

    def reschedule(self, bulk: Bulk, send_at: datetime) -> None:
        """Move the bulk's waiting messages so that the bulk leaves at `send_at`."""
        with self._lock:
            current = self.status(bulk)
            if current not in (BulkStatus.PENDING, BulkStatus.PAUSED):
                raise RestError(
                    400,
                    "BAD_REQUEST",
                    "Bad request",
                    detail=f"a {current} bulk cannot be rescheduled",
                )
            if send_at <= self.fake.clock.now():
                raise RestError(
                    400, "BAD_REQUEST", "Bad request", detail="sendAt must be in the future"
                )
            shift = send_at - bulk.send_at
            for message in self._waiting(bulk):
                self._move(message, shift)
                if bulk.hold is None:
                    self._start(message)
            bulk.send_at = send_at

    def _cancel(self, bulk: Bulk) -> None:
        now = self.fake.clock.now()
        books = self.fake.accounts
        account = books.get(bulk.account)
        for message in self._waiting(bulk):
            if message.price and account is not None:
                books.refund(account, message.price)
            message.price = message.price * 0
            self.fake.lifecycle.finish(message, CANCELLED, at=now)
        bulk.hold = BulkStatus.CANCELED

    @staticmethod
    def _move(message: Message, shift: timedelta) -> None:
        if message.scheduled_at is not None:
            message.scheduled_at += shift
        if message.expires_at is not None:
            message.expires_at += shift

    def _start(self, message: Message) -> None:
        lifecycle = self.fake.lifecycle
        lifecycle.cancel(message.message_id)
        lifecycle.start(message, message.extra.get("plan") or DEFAULT_PLAN)
