"""Pushes from a fake to the client's own server (DLRs, inbound messages, HLR results).

Sans-IO: the HTTP transport is injected (`Sender`), so this module decides only *when* to try
and *whether* an answer counts. Each provider brings its retry schedule and acceptance rule
(Infobip retries after 1, 2, 5 and 10 minutes; Broadnet wants the body `Ok`). Every attempt and
the final outcome are journaled. A scenario may stand in for the client with a fault
(`refused`, `timeout`, an HTTP status) through `fault_hook`.

Pushes due at the same virtual instant go out together. Inside the clock's events (every DLR:
status changes and retries run in `clock.advance()`), an attempt joins the instant's batch and
one clock event at that same instant, after them, hands the whole batch to the sender at once
(`send_all`: the hub's sender pushes them concurrently, on a bounded pool). Results are then
settled in the order the attempts were made, so the journal, the `on_done` calls and the retry
schedule are the same whatever order the client's server answers in. A receiver that hangs
costs one callback timeout per instant, not one per push. Outside the clock's events (a test
injecting an MO) a push goes out at once, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import field, replace
from datetime import timedelta

from pytest_smsmock.clock import Clock, ScheduledEvent
from pytest_smsmock.core.frozen import record_class, value_class
from pytest_smsmock.core.journal import Journal
from pytest_smsmock.core.tap import Tap

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "CallbackDispatcher",
    "CallbackRequest",
    "CallbackResult",
    "FaultHook",
    "Sender",
    "accept_2xx",
    "send_all",
]


#: Seconds the client's endpoint has to answer one push. Short: the endpoints are the test's
#: own (loopback), and a hanging one costs this much real time per instant of `advance()`.
DEFAULT_TIMEOUT = 2.0
#: Pushes of one instant in flight at once, at most.
DEFAULT_CONCURRENCY = 16


@value_class
class CallbackRequest:
    method: str
    url: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = "dlr"  # dlr | mo | hlr | ...
    ref: str = ""  # what it is about (a message id), for the journal
    provider: str = ""  # who pushes it: set by the dispatcher (the receiver parses by it)


@value_class
class CallbackResult:
    status: int | None = None
    body: bytes = b""
    error: str | None = None  # refused | timeout | reset | invalid-url | ...

    def describe(self) -> str:
        if self.error is not None:
            return self.error
        snippet = self.body[:40].decode("utf-8", "replace")
        return f"HTTP {self.status} {snippet!r}"


Sender = Callable[[CallbackRequest], CallbackResult]
FaultHook = Callable[[CallbackRequest, int], CallbackResult | None]


def send_all(sender: Sender, requests: Sequence[CallbackRequest]) -> list[CallbackResult]:
    """The results of `requests`, in their order: at once through the sender's own
    ``send_many`` when it has one (the hub's `UrllibSender`), else one after another."""
    many: Callable[[Sequence[CallbackRequest]], list[CallbackResult]] | None = getattr(
        sender, "send_many", None
    )
    if many is not None and len(requests) > 1:
        return list(many(requests))
    return [sender(request) for request in requests]


def accept_2xx(result: CallbackResult) -> bool:
    return result.error is None and result.status is not None and 200 <= result.status < 300


@record_class(kw_only=False)
class _Delivery:
    request: CallbackRequest
    retries: Sequence[timedelta]
    accept: Callable[[CallbackResult], bool]
    on_done: Callable[[bool, CallbackResult], None] | None
    attempt: int = 0
    results: list[CallbackResult] = field(default_factory=list)


class CallbackDispatcher:
    """Sends one callback now and retries it on the provider's schedule, on the clock."""

    def __init__(
        self,
        provider: str,
        clock: Clock,
        journal: Journal,
        sender: Callable[[], Sender],
        fault_hook: Callable[[], FaultHook | None] = lambda: None,
        tap: Callable[[], Tap | None] = lambda: None,
    ) -> None:
        self._tap = tap
        self._provider = provider
        self._clock = clock
        self._journal = journal
        self._sender = sender
        self._fault_hook = fault_hook
        # Attempts of the current instant (with the scenario's stand-in result, if any), and
        # the clock event that sends them (see the module docstring).
        self._batch: list[tuple[_Delivery, CallbackResult | None]] = []
        self._flush_event: ScheduledEvent | None = None

    def send(
        self,
        request: CallbackRequest,
        *,
        retries: Sequence[timedelta] = (),
        accept: Callable[[CallbackResult], bool] = accept_2xx,
        on_done: Callable[[bool, CallbackResult], None] | None = None,
    ) -> None:
        if not request.provider:
            request = replace(request, provider=self._provider)
        self._attempt(_Delivery(request, retries, accept, on_done))

    def clear(self) -> None:
        """Forget attempts not sent yet (the hub is being reset)."""
        if self._flush_event is not None:
            self._flush_event.cancel()
        self._flush_event = None
        self._batch = []

    def _attempt(self, delivery: _Delivery) -> None:
        delivery.attempt += 1
        hook = self._fault_hook()
        injected = hook(delivery.request, delivery.attempt) if hook is not None else None
        if not self._clock.firing():
            result = injected if injected is not None else self._sender()(delivery.request)
            self._settle(delivery, result, injected=injected is not None)
            return
        self._batch.append((delivery, injected))
        if self._flush_event is None:
            self._flush_event = self._clock.call_at(
                self._clock.now(), self._flush, label=f"{self._provider}:callbacks"
            )

    def _flush(self) -> None:
        batch, self._batch = self._batch, []
        self._flush_event = None
        sent = send_all(self._sender(), [d.request for d, injected in batch if injected is None])
        results = iter(sent)
        for delivery, injected in batch:
            result = injected if injected is not None else next(results)
            self._settle(delivery, result, injected=injected is not None)

    def _settle(self, delivery: _Delivery, result: CallbackResult, *, injected: bool) -> None:
        request = delivery.request
        delivery.results.append(result)
        tap = self._tap()
        if tap is not None:  # a recorder: the push and the client's answer
            tap.push(
                self._provider,
                self._clock.now(),
                (
                    request.kind,
                    request.method,
                    request.url,
                    request.headers,
                    request.body,
                    request.ref,
                    delivery.attempt,
                ),
                (result.status, result.body, result.error),
            )
        ok = delivery.accept(result)
        self._journal.record(
            self._provider,
            "callback",
            "out",
            f"{request.kind} {request.method} {request.url} attempt {delivery.attempt}: "
            f"{'ok' if ok else 'failed'} ({result.describe()}"
            f"{', injected' if injected else ''})",
            {
                "kind": request.kind,
                "ref": request.ref,
                "url": request.url,
                "attempt": delivery.attempt,
                "ok": ok,
                "status": result.status,
                "error": result.error,
                "body": request.body.decode("utf-8", "replace"),
            },
        )
        if ok:
            if delivery.on_done is not None:
                delivery.on_done(True, result)
            return
        index = delivery.attempt - 1
        if index < len(delivery.retries):
            self._clock.call_later(
                delivery.retries[index],
                lambda: self._attempt(delivery),
                label=f"{self._provider}:callback-retry:{request.ref}",
            )
            return
        self._journal.record(
            self._provider,
            "callback",
            "event",
            f"{request.kind} for {request.ref or request.url} dropped after "
            f"{delivery.attempt} attempt(s)",
            {"kind": request.kind, "ref": request.ref, "attempts": delivery.attempt},
        )
        if delivery.on_done is not None:
            delivery.on_done(False, result)
