"""Running a message's life on the clock.

A `Plan` is the list of status changes a message goes through, each `after` a delay counted from
the previous step (the first from the moment delivery starts: submission, or the scheduled send
time). Without a scenario every accepted message follows `DEFAULT_PLAN`: delivered 5 seconds
(virtual) after submission. A validity period cuts the plan short: a message still not final
when it expires becomes `expired` at that instant.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from pytest_smsmock.clock import Clock, ScheduledEvent
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import (
    FINAL_STATUSES,
    STATUS_BY_VALUE,
    Message,
    Status,
    StatusChange,
)

__all__ = ["DEFAULT_PLAN", "LifecycleRunner", "Plan", "Transition"]


@value_class
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
    """Schedules each message's plan and reports every change to the provider.

    Steps due at the same instant share one clock event (`_Bucket`): a test submitting
    thousands of messages at one virtual instant puts one event per distinct due time on the
    clock, not one per message. The steps of a bucket run in the order they were scheduled;
    one step's failure does not keep the others from running: afterwards the error is raised to
    the clock as a failing event's would be (several: as one `ExceptionGroup`).

    A waiting step is a `_Step`, a tuple of plain values: see there why.
    """

    def __init__(self, clock: Clock, on_change: ChangeHandler, *, name: str = "") -> None:
        self._clock = clock
        self._on_change = on_change
        self._label = f"{name}:lifecycle" if name else "lifecycle"
        # message_id -> its waiting steps, in the order they were scheduled. A step that is no
        # longer here was cancelled (or has run): its bucket skips it.
        self._pending: dict[str, tuple[_Step, ...]] = {}
        self._buckets: dict[datetime, _Bucket] = {}
        self._bucket_numbers = itertools.count()
        self._lock = threading.Lock()
        # (submitted_at, delay, due time) of the last one-step plan: submits of one virtual
        # instant share their due time, and the same datetime object keeps its hash cached.
        self._last_due: tuple[datetime | None, timedelta | None, datetime | None] = (
            None,
            None,
            None,
        )

    def start(
        self,
        message: Message,
        plan: Sequence[Transition] = DEFAULT_PLAN,
        *,
        begin: datetime | None = None,
    ) -> None:
        """Schedule `plan` for `message`, counted from `begin` (default: its submission), or
        from its scheduled send time when that is later; its validity cuts the plan short."""
        if begin is None:
            begin = message.submitted_at
        scheduled = message.scheduled_at
        expires = message.expires_at
        if scheduled is None and expires is None and len(plan) == 1:  # the usual case
            step = plan[0]
            after = step.after
            last_begin, last_after, when = self._last_due
            if last_begin is not begin or last_after != after or when is None:
                when = begin + after
                self._last_due = (begin, after, when)
            self._add(message, when, step)
            return
        if scheduled is not None and scheduled > begin:
            begin = scheduled
            message.status = Status.SCHEDULED
            self._add(message, begin, _RELEASED, own=True)
        when = begin
        for step in plan:
            when = when + step.after
            if expires is not None and when > expires:
                self._add(message, expires, _EXPIRED, own=True)
                return
            self._add(message, when, step)
            if step.status in FINAL_STATUSES:
                return
        # A plan that ends short of a final status (e.g. stuck en route) still expires.
        if expires is not None:
            self._add(message, max(expires, when), _EXPIRED, own=True)

    def cancel(self, message_id: str) -> int:
        """Drop what is still scheduled for a message; returns how many steps were dropped."""
        with self._lock:
            steps = self._pending.pop(message_id, ())
            for step in steps:
                self._drop_locked(step)
        return len(steps)

    def finish(self, message: Message, transition: Transition, *, at: datetime) -> None:
        """Drop what is still scheduled for a message and end its life with `transition` at
        `at` instead (a scheduled message cancelled before it left)."""
        self.cancel(message.message_id)
        self._add(message, at, transition)

    def restart(self, message: Message, *, begin: datetime) -> int:
        """Run what is left of a message's plan again from `begin` (the message was replaced):
        the steps not run yet keep their own delays, counted from `begin`, and the message's
        scheduled send time and validity apply as they do at submission (its current ones: a
        replacement may have changed them). Returns how many steps were left."""
        with self._lock:
            steps = self._pending.pop(message.message_id, ())
            for step in steps:
                self._drop_locked(step)
        left = tuple(
            Transition(after=after, status=STATUS_BY_VALUE[status], error=error, native=native)
            for _id, _when, _number, after, status, error, native in steps
            if after is not None  # not the runner's own release or expiry
        )
        self.start(message, left, begin=begin)
        return len(left)

    def pending_count(self, message_id: str) -> int:
        with self._lock:
            return len(self._pending.get(message_id, ()))

    def clear(self) -> None:
        with self._lock:
            buckets = list(self._buckets.values())
            self._buckets.clear()
            self._pending.clear()  # what was waiting is no longer: the buckets skip it
        for bucket in buckets:
            bucket.event.cancel()

    def _add(
        self, message: Message, when: datetime, transition: Transition, *, own: bool = False
    ) -> None:
        """Schedule `transition` (its status, error and native status; its delay too, for a
        restart) for `message` at `when`; `own`: the runner's release or expiry, which a
        restart does not carry over."""
        message_id = message.message_id
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            bucket = self._buckets.get(when)
            if bucket is None:
                bucket = self._buckets[when] = _Bucket(self, when, next(self._bucket_numbers))
                bucket.event = self._clock.call_at(when, bucket, label=self._label)
            step: _Step = (
                message_id,
                when,
                bucket.number,
                None if own else transition.after,
                transition.status._value_,
                transition.error,
                transition.native,
            )
            bucket += (message, step)
            bucket.live += 1
            waiting = self._pending.get(message_id)
            self._pending[message_id] = (step,) if waiting is None else (*waiting, step)
        finally:
            lock.release()

    def _drop_locked(self, step: _Step) -> None:
        """Cancel one step (already out of `_pending`); a bucket left with nothing to do leaves
        the clock. A bucket that has fired is no longer in `_buckets`: nothing to do then."""
        bucket = self._buckets.get(step[1])
        if bucket is None or bucket.number != step[2]:
            return
        bucket.live -= 1
        if bucket.live == 0:
            del self._buckets[bucket.when]
            bucket.event.cancel()

    def _take_locked(self, message_id: str, step: _Step) -> bool:
        """Take `step` out of `_pending` as it runs (a later cancel() finds nothing to drop);
        False when it is no longer there: it was cancelled. Found by identity: a restart can
        schedule an equal step into the same instant."""
        waiting = self._pending
        steps = waiting.get(message_id, ())
        if steps and steps[0] is step:  # the usual case: the earliest step runs
            rest = steps[1:]
        else:
            rest = tuple(s for s in steps if s is not step)
            if len(rest) == len(steps):
                return False
        if rest:
            waiting[message_id] = rest
        else:
            del waiting[message_id]
        return True

    def _fire(self, bucket: _Bucket) -> None:
        with self._lock:
            if self._buckets.get(bucket.when) is bucket:
                del self._buckets[bucket.when]  # a step scheduled from now on gets a new bucket
            # The bucket lets go of its event, which points back at it: both go as soon as the
            # instant is done, not at the collector's next full pass (a long run's buckets wait
            # hours of virtual time, so they would be among its oldest objects).
            del bucket.event
        errors: list[Exception] = []
        on_change, lock, take = self._on_change, self._lock, self._take_locked
        final = FINAL_STATUSES
        statuses = STATUS_BY_VALUE
        when = bucket.when
        for index in range(0, len(bucket), 2):
            message, step = bucket[index], bucket[index + 1]
            lock.acquire()  # not `with`: it makes two bound methods per step (a hot path)
            try:
                due = take(message.message_id, step)
            finally:
                lock.release()
            if not due or message.status in final:
                continue
            _id, _when, _number, _after, status, error, native = step
            try:
                change = message.set_status(statuses[status], when, error, native)
                on_change(message, change)
            except Exception as exc:  # the other steps of the instant still run
                errors.append(exc)
        if len(errors) == 1:
            raise errors[0]
        if errors:  # every failure of the instant reaches the clock, none is lost
            raise ExceptionGroup(f"{len(errors)} status changes failed at {bucket.when}", errors)


#: One waiting change of one message: (message_id, due time, its bucket's number, the
#: transition's delay or None for the runner's own release and expiry, status value, error,
#: native status). Plain values in a tuple: the collector stops tracking it at its first pass.
#: A long run keeps hours of virtual time of them waiting; as objects (with the `Transition` and
#: the list of a message's steps they held) they were most of what every young collection
#: moved into the oldest generation, which then filled four times as fast and was walked
#: whole four times as often (bench/README.md, "Scenarios").
_Step = tuple[str, datetime, int, timedelta | None, str, int | str | None, int | str | None]


class _Bucket(list[Any]):
    """Every step due at one instant, behind one clock event (its callback): a flat list of
    (message, step) pairs, in the order they were scheduled. A list itself rather than an
    object holding one: one object fewer per instant for the collector to walk."""

    __slots__ = ("event", "live", "number", "runner", "when")

    def __init__(self, runner: LifecycleRunner, when: datetime, number: int) -> None:
        self.runner = runner
        self.when = when
        self.number = number
        self.live = 0
        self.event: ScheduledEvent

    def __call__(self) -> None:
        self.runner._fire(self)


# The steps a plan does not name: a scheduled message released at its time, and expiry.
_RELEASED = Transition(after=timedelta(0), status=Status.ACCEPTED)
_EXPIRED = Transition(after=timedelta(0), status=Status.EXPIRED)
