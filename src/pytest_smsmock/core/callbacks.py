"""Pushes from a fake to the client's own server (DLRs, inbound messages, HLR results).

Sans-IO: the HTTP transport is injected (`Sender`), so this module decides only *when* to try
and *whether* an answer counts. Each provider brings its retry schedule and acceptance rule
(Infobip retries after 1, 2, 5 and 10 minutes; Broadnet wants the body `Ok`). Every attempt and
the final outcome are journaled. A scenario may stand in for the client with a fault
(`refused`, `timeout`, an HTTP status) through `fault_hook`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from pytest_smsmock.clock import Clock
from pytest_smsmock.core.journal import Journal

__all__ = [
    "CallbackDispatcher",
    "CallbackRequest",
    "CallbackResult",
    "FaultHook",
    "Sender",
    "accept_2xx",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequest:
    method: str
    url: str
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    kind: str = "dlr"  # dlr | mo | hlr | ...
    ref: str = ""  # what it is about (a message id), for the journal
    provider: str = ""  # who pushes it: set by the dispatcher (the receiver parses by it)


@dataclass(frozen=True, slots=True, kw_only=True)
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


def accept_2xx(result: CallbackResult) -> bool:
    return result.error is None and result.status is not None and 200 <= result.status < 300


@dataclass(slots=True)
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
    ) -> None:
        self._provider = provider
        self._clock = clock
        self._journal = journal
        self._sender = sender
        self._fault_hook = fault_hook

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

    def _attempt(self, delivery: _Delivery) -> None:
        request = delivery.request
        delivery.attempt += 1
        hook = self._fault_hook()
        result = hook(request, delivery.attempt) if hook is not None else None
        injected = result is not None
        if result is None:
            result = self._sender()(request)
        delivery.results.append(result)
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
