"""Running a message's life on the clock.

A `Plan` is the list of status changes a message goes through, each `after` a delay counted from
the previous step (the first from the moment delivery starts: submission, or the scheduled send
time). Without a scenario every accepted message follows `DEFAULT_PLAN`: delivered 5 seconds
(virtual) after submission. A validity period cuts the plan short: a message still not final
when it expires becomes `expired` at that instant.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from pytest_smsmock.clock import Clock, ScheduledEvent
from pytest_smsmock.core.messages import FINAL_STATUSES, Message, Status, StatusChange

__all__ = ["DEFAULT_PLAN", "LifecycleRunner", "Plan", "Transition"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Transition:
    """One step of a plan. `native` is the provider's own status to report for it (a scenario
    naming ``DELIVERED_TO_HANDSET`` or SMSC code 22), kept apart from `error`."""

    after: timedelta
    status: Status
    error: int | str | None = None
    native: int | str | None = None

    def __post_init__(self) -> None:
        if self.after < timedelta(0):
            raise ValueError(f"a transition cannot happen before the previous one: {self.after}")


Plan = tuple[Transition, ...]

DEFAULT_PLAN: Plan = (Transition(after=timedelta(seconds=5), status=Status.DELIVERED),)

ChangeHandler = Callable[[Message, StatusChange], None]


class LifecycleRunner:
    """Schedules each message's plan and reports every change to the provider."""

    def __init__(self, clock: Clock, on_change: ChangeHandler) -> None:
        self._clock = clock
        self._on_change = on_change
        self._pending: dict[str, list[ScheduledEvent]] = {}
        self._lock = threading.Lock()

    def start(self, message: Message, plan: Sequence[Transition] = DEFAULT_PLAN) -> None:
        begin = message.submitted_at
        scheduled = message.scheduled_at
        expires = message.expires_at
        if scheduled is not None and scheduled > begin:
            begin = scheduled
            message.status = Status.SCHEDULED
            self._add(message, begin, Status.ACCEPTED, None)
        when = begin
        for step in plan:
            when = when + step.after
            if expires is not None and when > expires:
                self._add(message, expires, Status.EXPIRED, None)
                return
            status = step.status
            self._add(message, when, status, step.error, step.native)
            if status in FINAL_STATUSES:
                return
        # A plan that ends short of a final status (e.g. stuck en route) still expires.
        if expires is not None:
            self._add(message, max(expires, when), Status.EXPIRED, None)

    def cancel(self, message_id: str) -> int:
        """Drop what is still scheduled for a message; returns how many steps were dropped."""
        with self._lock:
            events = self._pending.pop(message_id, [])
        for event in events:
            event.cancel()
        return len(events)

    def pending_count(self, message_id: str) -> int:
        with self._lock:
            return len([e for e in self._pending.get(message_id, []) if not e.cancelled])

    def clear(self) -> None:
        with self._lock:
            events = [e for group in self._pending.values() for e in group]
            self._pending.clear()
        for event in events:
            event.cancel()

    def _add(
        self,
        message: Message,
        when: datetime,
        status: Status,
        error: int | str | None,
        native: int | str | None = None,
    ) -> None:
        message_id = message.message_id
        step = _Step(self, message, when, status, error, native)
        event = step.event = self._clock.call_at(
            when, step, label=f"{message.provider}:{message_id}:{status.value}"
        )
        with self._lock:
            group = self._pending.get(message_id)
            if group is None:
                self._pending[message_id] = [event]
            else:
                group.append(event)

    def _fire(self, step: _Step) -> None:
        message = step.message
        message_id = message.message_id
        event = step.event
        with self._lock:
            group = self._pending.get(message_id)
            if group is not None:
                if len(group) == 1 and group[0] is event:  # a one-step plan: the usual case
                    del self._pending[message_id]
                else:
                    group[:] = [e for e in group if e is not event]
                    if not group:
                        del self._pending[message_id]
        if message.status in FINAL_STATUSES:
            return
        message.set_status(step.status, step.when, step.error, step.native)
        self._on_change(message, message.history[-1])


class _Step:
    """One scheduled change of one message: the clock event's callback. A slotted object
    rather than a closure: one object per step for the garbage collector, not one per cell."""

    __slots__ = ("error", "event", "message", "native", "runner", "status", "when")

    def __init__(
        self,
        runner: LifecycleRunner,
        message: Message,
        when: datetime,
        status: Status,
        error: int | str | None,
        native: int | str | None,
    ) -> None:
        self.runner = runner
        self.message = message
        self.when = when
        self.status = status
        self.error = error
        self.native = native
        self.event: ScheduledEvent | None = None

    def __call__(self) -> None:
        self.runner._fire(self)
