"""`smsmock.receiver`: the client's HTTP endpoint for pushes (DLRs, inbound messages, HLR
results), which every suite testing pushes would otherwise write by hand.

    def test_dlr_retries(smsmock):
        smsmock.broadnet.add_account("shop", "pw", dlr_url=smsmock.receiver.url_for("/dlr"))
        smsmock.receiver.respond(500, nth=1)           # the first push fails, the retry is Ok
        ...send...; smsmock.clock.advance("10m")
        first, retry = smsmock.receiver.received
        assert retry.report.canonical == "delivered"

- `url_for(path)`: where to point a fake's ``dlr_url`` / ``mo_url`` / push URL;
- `received`: every push in order, each a `Push` (the raw request, the answer it got, its
  virtual time) with its `Report`s parsed per provider (`providers/<name>/push.py`), statuses
  also as the fakes' canonical `Status`;
- `respond(status, body, delay=, path=, nth=, times=)`: answers per path and per nth call, so a
  provider's retry schedule shows; unmatched pushes get the provider's accepting answer
  (Broadnet's ``Ok``, any 2xx elsewhere).

It listens on 127.0.0.1 (port 0), so anything can push to it; the hub's own pushes to it go
in-process (`deliver`), where a `delay` at least as long as the hub's callback timeout is a
timeout at once (the provider retries as it would) instead of a real wait. Over a socket a delay
is real, capped at 30 s. Reset with the rest of the hub before every test.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult, Sender, send_all
from pytest_smsmock.core.frozen import record_class, value_class
from pytest_smsmock.core.messages import Status
from pytest_smsmock.providers.push_common import ParsedPush, PushRequest, push_format

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.servers.http import HttpListenerGroup

__all__ = ["Push", "Receiver", "Report"]

#: Longest real wait a `respond(delay=...)` imposes on a socket.
MAX_REAL_DELAY = 30.0
_real_sleep = time.sleep  # a test's patch_sleep never reaches the receiver's threads

# Shape detection, most specific first, when a push's provider is not known otherwise.
_DETECT_ORDER = ("broadnet", "smsc", "mimsms", "infobip")


@value_class
class Report:
    """One report in a push, read the provider's way. `status` is as the provider wrote it
    (``DELIVERED``, ``DELIVRD``, ``1``...), `canonical` the fakes' own `Status` for it."""

    provider: str
    kind: str  # dlr | mo | hlr
    message_id: str
    status: str | None = None
    canonical: Status | None = None
    error: str | None = None
    to: str | None = None
    sender: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


@value_class
class Push:
    """One request the receiver got, and what it answered."""

    seq: int
    at: datetime  # virtual time (the hub's clock) when it arrived
    provider: str | None
    kind: str  # dlr | mo | hlr | unknown
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    reports: tuple[Report, ...]
    nth: int  # 1 for the first push to this path, 2 for the next...
    status: int  # the answer's status
    answer: bytes
    delay: float = 0.0
    timed_out: bool = False  # in-process: the delay beat the pusher's timeout

    @property
    def report(self) -> Report:
        """The one report of a push that carries exactly one."""
        if len(self.reports) != 1:
            raise AssertionError(
                f"smsmock: push {self.seq} to {self.path} carries {len(self.reports)} reports"
            )
        return self.reports[0]

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@record_class
class _Rule:
    status: int
    body: bytes | None
    headers: Mapping[str, str]
    delay: float
    path: str | None
    nth: Collection[int] | None
    times: int | None
    used: int = 0

    def matches(self, path: str, nth: int) -> bool:
        if self.path is not None and self.path != path:
            return False
        if self.nth is not None and nth not in self.nth:
            return False
        return self.times is None or self.used < self.times


class Receiver:
    """See the module docstring. Built and started by the hub (`SmsMock.receiver`)."""

    def __init__(
        self,
        *,
        fakes: Mapping[str, ProviderFake],
        now: Callable[[], datetime],
        callback_timeout: Callable[[], float],
    ) -> None:
        self._fakes = fakes
        self._now = now
        self._callback_timeout = callback_timeout
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._pushes: list[Push] = []
        self._rules: list[_Rule] = []
        self._providers: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self._group: HttpListenerGroup | None = None
        self.url = ""

    # -- lifecycle (the hub) --------------------------------------------------------------
    def start(self, host: str = "127.0.0.1") -> Receiver:
        if self._group is None:
            from pytest_smsmock.servers.http import HttpListenerGroup

            group = HttpListenerGroup(on_error=lambda error: None)
            server = group.add(self._wsgi, host, 0, ssl_context=None)
            group.start()
            self._group = group
            self.url = server.url
        return self

    def stop(self) -> None:
        if self._group is not None:
            self._group.stop()
            self._group = None

    def reset(self) -> None:
        """Forget pushes, answers and path registrations (before every test)."""
        with self._lock:
            self._pushes.clear()
            self._rules.clear()
            self._providers.clear()
            self._counts.clear()

    # -- the test's side ------------------------------------------------------------------
    def url_for(self, path: str = "/", *, provider: str | None = None) -> str:
        """The URL of `path` on the receiver. `provider` says whose pushes come there (else
        the hub's own pushes say it themselves, and others are recognised by their shape)."""
        if not path.startswith("/"):
            path = "/" + path
        if provider is not None:
            if provider not in self._fakes:
                raise ValueError(f"smsmock: no provider {provider!r} (have: {list(self._fakes)})")
            with self._lock:
                self._providers[urlsplit(path).path] = provider
        return self.url + path

    def respond(
        self,
        status: int = 200,
        body: str | bytes | None = None,
        *,
        path: str | None = None,
        nth: int | Iterable[int] | None = None,
        times: int | None = None,
        delay: float = 0.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Answer the pushes that match with `status` and `body` (default: the provider's
        accepting body for a 2xx, else empty). `path`: only that path; `nth`: only the nth
        push(es) to that path (1-based; to any path without `path`); `times`: at most that
        many pushes. The first matching rule, in the order given, answers."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        wanted = None if nth is None else ({nth} if isinstance(nth, int) else set(nth))
        with self._lock:
            self._rules.append(
                _Rule(
                    status=status,
                    body=data,
                    headers=dict(headers or {}),
                    delay=float(delay),
                    path=path,
                    nth=wanted,
                    times=times,
                )
            )

    @property
    def received(self) -> list[Push]:
        with self._lock:
            return list(self._pushes)

    def pushes(
        self, *, provider: str | None = None, kind: str | None = None, path: str | None = None
    ) -> list[Push]:
        return [
            p
            for p in self.received
            if (provider is None or p.provider == provider)
            and (kind is None or p.kind == kind)
            and (path is None or p.path == path)
        ]

    def reports(self, *, provider: str | None = None, kind: str | None = None) -> list[Report]:
        """Every report of every push, in order (one push may carry several)."""
        return [r for p in self.pushes(provider=provider, kind=kind) for r in p.reports]

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Push]:
        """For pushes from another process or thread: wait (bounded) until `count` arrived."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._pushes) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"smsmock: {len(self._pushes)} push(es) received, expected {count} "
                        f"within {timeout:g} s"
                    )
                self._changed.wait(left)
            return list(self._pushes)

    def __iter__(self) -> Iterator[Push]:
        return iter(self.received)

    def __len__(self) -> int:
        return len(self._pushes)

    # -- the pushers' side ----------------------------------------------------------------
    def owns(self, url: str) -> bool:
        return bool(self.url) and (url == self.url or url.startswith(self.url + "/"))

    def deliver(self, request: CallbackRequest) -> CallbackResult:
        """A push from the hub's own fakes, in-process (see the module docstring)."""
        parts = urlsplit(request.url)
        push = self._receive(
            PushRequest(
                method=request.method,
                path=parts.path or "/",
                query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
                headers=tuple(request.headers),
                body=request.body,
            ),
            provider=request.provider or None,
            kind=request.kind,
            timeout=self._callback_timeout(),
        )
        if push.timed_out:
            return CallbackResult(error="timeout")
        return CallbackResult(status=push.status, body=push.answer)

    def _wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        push = self._receive(
            PushRequest(
                method=request.method,
                path=request.path,
                query=tuple(request.args.items(multi=True)),
                headers=tuple(request.headers.items()),
                body=request.get_data(),
            ),
            provider=None,
            kind=None,
            timeout=None,
        )
        if push.delay:
            _real_sleep(min(push.delay, MAX_REAL_DELAY))
        response = Response(push.answer, status=push.status)
        return response(environ, start_response)

    def _receive(
        self,
        request: PushRequest,
        *,
        provider: str | None,
        kind: str | None,
        timeout: float | None,
    ) -> Push:
        with self._lock:
            provider = provider or self._providers.get(request.path)
        provider, parsed = self._parse(request, provider)
        reports = self._reports(provider, parsed)
        at = self._now()
        with self._lock:
            nth = self._counts[request.path] = self._counts.get(request.path, 0) + 1
            overall = len(self._pushes) + 1
            rule = next(
                (
                    r
                    for r in self._rules
                    if r.matches(request.path, nth if r.path is not None else overall)
                ),
                None,
            )
            if rule is not None:
                rule.used += 1
            status, answer, delay = self._answer(provider, rule)
            push = Push(
                seq=overall,
                at=at,
                provider=provider,
                kind=parsed.kind if parsed is not None else (kind or "unknown"),
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers=dict(request.headers),
                body=request.body,
                reports=reports,
                nth=nth,
                status=status,
                answer=answer,
                delay=delay,
                timed_out=timeout is not None and delay >= timeout,
            )
            self._pushes.append(push)
            self._changed.notify_all()
        return push

    def _parse(
        self, request: PushRequest, provider: str | None
    ) -> tuple[str | None, ParsedPush | None]:
        if provider is not None:
            found = push_format(provider)
            return provider, found.parse_push(request) if found is not None else None
        for candidate in _DETECT_ORDER:
            if candidate not in self._fakes:
                continue
            found = push_format(candidate)
            # GET pushes (inbound templates) carry no shape of their own: never guessed.
            if found is None or request.method == "GET":
                continue
            parsed = found.parse_push(request)
            if parsed is not None:
                return candidate, parsed
        return None, None

    def _reports(self, provider: str | None, parsed: ParsedPush | None) -> tuple[Report, ...]:
        if provider is None or parsed is None:
            return ()
        fake = self._fakes.get(provider)
        reports = []
        for fields in parsed.reports:
            status = fields.get("status")
            reports.append(
                Report(
                    provider=provider,
                    kind=parsed.kind,
                    message_id=str(fields.get("message_id") or ""),
                    status=None if status is None else str(status),
                    canonical=_canonical(fake, status) if parsed.kind == "dlr" else None,
                    error=None if fields.get("error") is None else str(fields["error"]),
                    to=fields.get("to"),
                    sender=fields.get("sender"),
                    fields=dict(fields),
                )
            )
        return tuple(reports)

    def _answer(self, provider: str | None, rule: _Rule | None) -> tuple[int, bytes, float]:
        accepting = (200, "OK")
        found = push_format(provider) if provider is not None else None
        if found is not None:
            accepting = found.DEFAULT_ANSWER
        if rule is None:
            return accepting[0], accepting[1].encode("utf-8"), 0.0
        body = rule.body
        if body is None:
            body = accepting[1].encode("utf-8") if 200 <= rule.status < 300 else b""
        return rule.status, body, rule.delay


def _canonical(fake: ProviderFake | None, status: Any) -> Status | None:
    """The fakes' own reading of a native status (``DELIVRD``, ``1``, ``DELIVERED``)."""
    if fake is None or status is None:
        return None
    text = str(status).strip()
    candidates: list[str | int] = [text]
    if text.lstrip("-").isdigit():
        candidates.insert(0, int(text))
    for candidate in candidates:
        try:
            resolved = fake.resolve_status(candidate)
        except Exception:  # a provider that cannot read it: no canonical status
            resolved = None
        if resolved is not None:
            return resolved[0]
    return None


class _ViaReceiver:
    """The hub's callback transport: pushes to the receiver go in-process, the rest out; a
    batch (`core.callbacks.send_all`) sends the rest at once through `sender`'s own
    ``send_many`` and answers in the batch's order."""

    def __init__(self, sender: Sender, receiver: Callable[[], Receiver | None]) -> None:
        self._sender = sender
        self._receiver = receiver

    def _owner(self, request: CallbackRequest) -> Receiver | None:
        found = self._receiver()
        return found if found is not None and found.owns(request.url) else None

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        found = self._owner(request)
        return found.deliver(request) if found is not None else self._sender(request)

    def send_many(self, requests: Sequence[CallbackRequest]) -> list[CallbackResult]:
        owners = [self._owner(request) for request in requests]
        outside = [r for r, owner in zip(requests, owners, strict=True) if owner is None]
        sent = iter(send_all(self._sender, outside))
        return [
            owner.deliver(request) if owner is not None else next(sent)
            for request, owner in zip(requests, owners, strict=True)
        ]


def via_receiver(sender: Sender, receiver: Callable[[], Receiver | None]) -> Sender:
    """The hub's callback transport: pushes to the receiver go in-process, the rest out."""
    return _ViaReceiver(sender, receiver)
