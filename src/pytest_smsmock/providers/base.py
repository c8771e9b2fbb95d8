"""What every provider fake shares: accounts, messages, lifecycle, journal, the request wrapper.

A provider package subclasses `ProviderFake`, declares its listeners, and maps its wire formats
to and from `core`. It never opens a socket: the hub binds its WSGI apps and SMPP profile to
listeners in `servers/` and hands it a `Runtime` (clock, journal, callback transport, scenario
engine, error sink).

The HTTP wrapper (`wsgi()`) is the one place that
- brings the clock up to date before the provider sees the request (freezegun / real time),
- journals every request and answer,
- turns any exception into the provider's own error answer (never a traceback, never a bare
  500). A `ProtocolError` is a documented refusal and is only answered; anything else is also
  recorded, so the `smsmock` fixture re-raises it in the test at teardown.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account, AccountBook
from pytest_smsmock.core.callbacks import CallbackDispatcher, FaultHook, Sender
from pytest_smsmock.core.frozen import record_class, value_class
from pytest_smsmock.core.ids import IdGenerator
from pytest_smsmock.core.journal import Journal, lazy_kind
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, LifecycleRunner, Plan
from pytest_smsmock.core.messages import (
    FINAL_STATUSES,
    InboundMessage,
    Message,
    MessageStore,
    Status,
    StatusChange,
)
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.core.tap import Replay, Tap
from pytest_smsmock.core.tunables import restore_class_settings
from pytest_smsmock.errors import ProtocolError
from pytest_smsmock.providers.http_faults import FaultedResponse, alter, fault_response

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from pytest_smsmock.clock import VirtualClock
    from pytest_smsmock.scenario.decisions import Decider, SubmitContext, SubmitDecision
    from pytest_smsmock.scenario.faults import HttpFault

__all__ = ["HttpListener", "ProviderFake", "Runtime", "SmppHook", "SmppListener"]

MAX_BODY = 16 * 1024 * 1024


class SmppHook(Protocol):
    """What a fake asks of its SMPP service (`providers/smpp_common.py`), for fakes that have
    SMPP listeners; the service is built by the class `ProviderFake.smpp_service` names."""

    def __init__(self, fake: ProviderFake) -> None: ...

    def reset(self) -> None: ...

    def wants_mo(self, message: InboundMessage) -> bool: ...

    def deliver_mo(self, message: InboundMessage) -> None: ...

    def on_status_change(self, message: Message, change: StatusChange) -> None: ...


def _render_accepted(value: tuple[str, str, str, int, str]) -> tuple[str, dict[str, Any]]:
    """The journal entry of an accepted message (rendered when the journal is read)."""
    message_id, to, sender, parts, protocol = value
    summary = f"accepted {message_id} to {to} from {sender} ({parts} part(s), {protocol})"
    return summary, {"message_id": message_id, "to": to, "parts": parts}


def _render_decision(value: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """The journal entry of a scenario rule's refusal or fault (rendered when the journal is
    read): `value` is (rule, to, outcome, rule's name, fault's kind)."""
    rule, to, outcome, rule_name, fault = value
    summary = f"rules[{rule}]" + (f" ({rule_name})" if rule_name else "") + f" matched {to}: "
    return summary + outcome, {"rule": rule, "to": to, "fault": fault}


def _render_plan(value: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """The journal entry of a scenario rule's DLR plan (rendered when the journal is read):
    `value` is (rule, rule's name, to), then each step's delay and status's value. Plain values
    (a timedelta, a string), not the plan's `Transition`s: the collector does not track them,
    and writing the steps in words at every decision cost a few percent of a submission."""
    rule, rule_name, to = value[0], value[1], value[2]
    steps = value[3:]
    plan = ", ".join(f"+{steps[i]} {steps[i + 1]}" for i in range(0, len(steps), 2)) or "none"
    summary = f"rules[{rule}]" + (f" ({rule_name})" if rule_name else "") + f" matched {to}: "
    return summary + f"dlr {plan}", {"rule": rule, "to": to, "fault": None}


def _replayed_fault(kind: str) -> HttpFault:
    """The socket fault a cassette recorded, to perform again (imported here: a session that
    replays no cassette and loads no scenario never loads the fault kinds)."""
    from pytest_smsmock.scenario.faults import FaultKind, HttpFault

    return HttpFault(kind=FaultKind(kind), real=True)


def _render_change(value: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """The journal entry of a status change (rendered when the journal is read).

    `value` is (message id, status's value), or with (error, native) after them when either is
    set: plain values, which the collector does not track (a change object would be kept by
    the journal until it is read)."""
    message_id, status = value[0], value[1]
    error, native = (value[2], value[3]) if len(value) > 2 else (None, None)
    summary = (
        f"{message_id} -> {status}"
        + (f" [{native}]" if native is not None else "")
        + (f" (error {error})" if error is not None else "")
    )
    detail = {"message_id": message_id, "status": status, "native": native, "error": error}
    return summary, detail


@value_class
class HttpListener:
    """One HTTP access point of a provider; `tls=True` serves HTTPS with the hub's test CA,
    and starts when its URL is first asked for (the CA is made then)."""

    name: str
    tls: bool = False


@value_class
class SmppListener:
    name: str
    tls: bool = False


@record_class
class Runtime:
    """What the hub lends each fake. Swappable parts are reached through callables."""

    clock: VirtualClock
    journal: Journal
    sender: Callable[[], Sender]
    engine: Callable[[], Decider]
    report_error: Callable[[BaseException], None]
    #: Brings the listeners up to date with what clients sent before the fakes' state is read
    #: (`SmsMock.settle`); a no-op without them.
    settle: Callable[[], None] = lambda: None
    #: A recorder observing the fakes, and a cassette answering for them (`recording/`).
    tap: Tap | None = None
    replay: Replay | None = None
    #: A fake's SMPP side was just built (its first SMPP use): the hub starts its listeners.
    smpp_built: Callable[[ProviderFake], None] = lambda fake: None
    #: An HTTP listener that starts on first use (TLS) is wanted: the hub starts it if it runs.
    listen_http: Callable[[ProviderFake, str], None] = lambda fake, name: None
    #: An SMPP listener that starts on first use (TLS) is wanted: the hub starts it if it runs.
    listen_smpp: Callable[[ProviderFake, str], None] = lambda fake, name: None


class ProviderFake:
    """Base class of a provider fake; see the module docstring."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    http_listeners: ClassVar[tuple[HttpListener, ...]] = ()
    smpp_listeners: ClassVar[tuple[SmppListener, ...]] = ()
    currency: ClassVar[str] = "EUR"
    default_balance: ClassVar[str] = "1000"
    #: The SMPP service of a fake with SMPP listeners, ``"module:Class"`` like the provider
    #: registry (`smpp_common.SmppService` or a profile's subclass of it). It is imported and
    #: built on the fake's first SMPP use (`smpp`, `smpp_address`, an SMPP outage), and the
    #: hub starts the SMPP listeners then: a test that speaks only HTTP to a provider loads
    #: none of the SMPP layer (its PDU classes, the listener, the TLS listener's test CA).
    smpp_service: ClassVar[str | None] = None

    def __init__(self, runtime: Runtime, *, seed: int | str = 0) -> None:
        self.runtime = runtime
        self.accounts = AccountBook(self.name, default_currency=self.currency)
        self.messages = MessageStore(self.name, settle=runtime.settle)
        self.messages.on_evict = self.forget_message
        self.inbox: OnceQueue[InboundMessage] = OnceQueue()
        self.lifecycle = LifecycleRunner(runtime.clock, self._status_changed, name=self.name)
        # The journal's kinds of the entries of every message (a hot path: resolved once).
        self._accepted_kind = lazy_kind(self.name, "message", "event", _render_accepted, 5)
        self._change_kind = lazy_kind(self.name, "dlr", "event", _render_change, 2)
        self._change_kind_coded = lazy_kind(self.name, "dlr", "event", _render_change, 4)
        self.callbacks = CallbackDispatcher(
            self.name,
            runtime.clock,
            runtime.journal,
            runtime.sender,
            self._callback_fault_hook,
            lambda: runtime.tap,
        )
        self._urls: dict[str, str] = {}
        self._smpp_addresses: dict[str, tuple[str, int]] = {}
        self._seed: int | str = seed
        self._ids: dict[str, IdGenerator] = {}
        self._lock = threading.RLock()
        # SMPP hook: fakes with SMPP listeners get their profile's service (providers/smpp_common)
        # on first SMPP use; a fake with nothing but SMPP has no other use, so it gets it now.
        if self.smpp_listeners and self.smpp_service is None:
            raise TypeError(f"{type(self).__name__} has SMPP listeners but no smpp_service")
        self._smpp: SmppHook | None = None
        self._smpp_lock = threading.Lock()
        self.reset(seed=seed)
        if self.smpp_listeners and not self.http_listeners:
            self.build_smpp()

    # -- public surface -------------------------------------------------------------------
    @property
    def clock(self) -> VirtualClock:
        return self.runtime.clock

    @property
    def journal(self) -> Journal:
        return self.runtime.journal

    @property
    def engine(self) -> Decider:
        return self.runtime.engine()

    @property
    def url(self) -> str:
        """Base URL of the primary HTTP access point, e.g. ``http://127.0.0.1:51234``."""
        if not self.http_listeners:
            raise AttributeError(f"{self.name} has no HTTP API")
        return self._bound_url(self.http_listeners[0].name)

    @property
    def urls(self) -> dict[str, str]:
        """Base URL of each HTTP listener by name (a TLS listener starts on first use)."""
        for listener in self.http_listeners:
            if listener.name not in self._urls:
                self.runtime.listen_http(self, listener.name)
        return self._urls

    @property
    def smpp(self) -> SmppHook | None:
        """The fake's SMPP service (None without SMPP listeners), built on first use."""
        service = self._smpp
        return service if service is not None else self.build_smpp()

    @property
    def smpp_built(self) -> bool:
        """Whether the SMPP side exists yet (reading it does not build it)."""
        return self._smpp is not None

    def build_smpp(self) -> SmppHook | None:
        """Build the SMPP service now (first use does it anyway) and have the hub start its
        listeners; the hub's eager mode (`smsmock serve`, a fixed port base) calls it at once."""
        if self.smpp_service is None:
            return None
        with self._smpp_lock:  # held while the listeners start: a second caller finds them up
            if self._smpp is None:
                module, _, attribute = self.smpp_service.partition(":")
                service_class = getattr(importlib.import_module(module), attribute)
                self._smpp = service_class(self)
                self.runtime.smpp_built(self)
            return self._smpp

    @property
    def smpp_addresses(self) -> dict[str, tuple[str, int]]:
        """``(host, port)`` of each SMPP listener by name (started on first use, a TLS one
        too; empty while the hub is not running)."""
        self.build_smpp()
        for listener in self.smpp_listeners:
            if listener.name not in self._smpp_addresses:
                self.runtime.listen_smpp(self, listener.name)
        return self._smpp_addresses

    @property
    def smpp_address(self) -> tuple[str, int]:
        """``(host, port)`` of the plain SMPP listener (started on first use)."""
        if not self.smpp_listeners:
            raise AttributeError(f"{self.name} has no SMPP interface")
        return self._bound_smpp(self.smpp_listeners[0].name)

    @property
    def smpp_tls_address(self) -> tuple[str, int]:
        """``(host, port)`` of the TLS SMPP listener (clients trust the hub's `ca_file`); it
        starts, and the test CA is made, when this is first asked for."""
        for listener in self.smpp_listeners:
            if listener.tls:
                return self._bound_smpp(listener.name)
        raise AttributeError(f"{self.name} has no TLS SMPP listener")

    def add_account(self, username: str, password: str, **options: Any) -> Account:
        """Add (or replace) an account. Common options: ``balance``/``credits``, ``currency``,
        ``dlr_url``, ``mo_url``, ``api_key``, ``expired``; anything else is provider-specific."""
        account = self.accounts.build(username, password, **options)
        self.validate_account(account)
        return self.accounts.add(account)

    def inject_mo(
        self, sender: str, text: str = "", to: str | None = None, **options: Any
    ) -> InboundMessage:
        """An inbound (mobile-originated) message, delivered over the provider's own channels."""
        self.clock.sync()
        message = self.build_mo(sender=sender, text=text, to=to, **options)
        self.journal.record(
            self.name,
            "mo",
            "event",
            f"MO {message.message_id} from {message.sender} to {message.to}: {message.text!r}",
            {"message_id": message.message_id, "sender": message.sender, "to": message.to},
        )
        smpp = self._smpp
        if smpp is None and ("protocol", "smpp") in message.extra:
            smpp = self.smpp  # an MO meant for SMPP: the SMPP side is used now
        if smpp is not None and smpp.wants_mo(message):  # SMPP hook
            smpp.deliver_mo(message)
        else:
            self.deliver_mo(message)
        return message

    def reset(self, *, seed: int | str | None = None) -> None:
        """Back to a fresh fake: default accounts, no messages, ids reseeded."""
        if seed is not None:
            self._seed = seed
        # Tunables a test set on this fake (``fake.some_limit = 3``) go back to the class value.
        restore_class_settings(self)
        self.lifecycle.clear()
        self.callbacks.clear()
        self.accounts.clear()
        self.messages.clear()
        self.inbox.clear()
        self._ids.clear()
        for username, password, options in self.default_accounts():
            self.add_account(username, password, **options)
        if self._smpp is not None:  # SMPP hook: queued deliver_sm go, old sessions close
            self._smpp.reset()
        self.reset_state()

    # -- for subclasses ------------------------------------------------------------------
    def default_accounts(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        """The accounts a fresh fake has; ``test``/``test`` so documents' examples work."""
        return [("test", "test", {"balance": self.default_balance})]

    def validate_account(self, account: Account) -> None:
        """Refuse provider options this fake does not know (raise ConfigError)."""

    def reset_state(self) -> None:
        """Clear provider-specific state (pull queues, counters...)."""

    def forget_message(self, message: Message) -> None:
        """`message` was finished long enough ago that the store forgot it (a bounded run, see
        `set_max_finished`): drop what the provider keeps about it (indexes, batches)."""

    def pull_queues(self) -> list[OnceQueue[Any]]:
        """The queues of reports and inbound messages waiting for a client's pull; a bounded
        run bounds them like the finished messages they report on."""
        return [self.inbox]

    def set_max_finished(self, max_finished: int | None) -> None:
        """Keep at most `max_finished` finished messages (oldest forgotten first) and as many
        items waiting in each pull queue; None keeps everything (a pytest run's default)."""
        for queue in self.pull_queues():
            queue.set_maxlen(max_finished)
        self.messages.set_max_finished(max_finished)

    def handle_http(self, request: Request, listener: str) -> Response:
        """Answer one HTTP request; the default is the provider-neutral 404."""
        return Response("Not Found", status=404, mimetype="text/plain")

    def error_response(self, request: Request, error: BaseException) -> Response:
        """The provider's own answer when handling failed; override with its documented error."""
        if isinstance(error, HTTPException):
            return Response(error.description or error.name, status=error.code or 400)
        return Response("System error", status=503, mimetype="text/plain")

    def build_mo(self, *, sender: str, text: str, to: str | None, **options: Any) -> InboundMessage:
        account = options.pop("account", None)
        binary = options.pop("binary", None)
        data_coding = int(options.pop("data_coding", 0))
        esm_class = int(options.pop("esm_class", 0))
        message_id = options.pop("message_id", None) or self.new_id("mo")
        return InboundMessage(
            message_id=str(message_id),
            provider=self.name,
            sender=sender,
            to=to or self.default_mo_number(),
            text=text,
            received_at=self.clock.now(),
            account=account,
            binary=binary,
            data_coding=data_coding,
            esm_class=esm_class,
            extra=tuple(sorted(options.items())),
        )

    def default_mo_number(self) -> str:
        return "38598000000"

    def deliver_mo(self, message: InboundMessage) -> None:
        """Hand an inbound message to the client (push, pull inbox, SMPP deliver_sm)."""
        self.inbox.put(message)

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        """A message changed status on the clock: queue or push the provider's DLR here."""

    def new_id(self, kind: str = "message") -> str:
        """A seeded id; override for the provider's own id shape."""
        return self.ids(kind).uuid()

    def ids(self, kind: str) -> IdGenerator:
        generator = self._ids.get(kind)
        if generator is None:
            generator = self._ids[kind] = IdGenerator(self._seed, f"{self.name}/{kind}")
        return generator

    # -- submission, shared by HTTP and SMPP ---------------------------------------------
    def decide(self, context: SubmitContext) -> SubmitDecision:
        """Ask the scenario what happens to a submission (refusal, fault, DLR plan), journaled.

        Providers call it through the one submission path (`providers/submission.py`), which
        returns a fault in its result for the transport to perform.
        """
        decision = self.engine.decide_submit(context)
        if decision.rule is None:
            return decision
        decided: tuple[Any, ...]
        if decision.fault is not None:
            kind = str(decision.fault.kind)
            decided = (decision.rule, context.to, f"fault {kind}", decision.rule_name, kind)
        elif decision.respond is not None:
            outcome = f"respond {dict(decision.respond)}"
            decided = (decision.rule, context.to, outcome, decision.rule_name, None)
        else:
            decided = (decision.rule, decision.rule_name, context.to)
            for step in decision.plan:
                decided += (step.after, step.status._value_)
            self.journal.record_lazy(self.name, "scenario", "event", _render_plan, decided)
            return decision
        self.journal.record_lazy(self.name, "scenario", "event", _render_decision, decided)
        return decision

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """A scenario status name or code -> (canonical status, native status to report or None).

        The default knows the canonical names only; a provider overrides it to accept its own
        wire names/codes too (e.g. Infobip ``DELIVERED_TO_HANDSET``, SMSC.ru ``1``), returning
        None for anything else. Used once, when a scenario is loaded into a hub.
        """
        from pytest_smsmock.scenario.model import CANONICAL_STATUSES

        if isinstance(value, str) and value in CANONICAL_STATUSES:
            return Status(value), None
        return None

    def native_statuses(self) -> list[str]:
        """The provider-native status names/codes `resolve_status` accepts, for error messages."""
        return []

    def resolve_error(self, value: str | int) -> int | str | None:
        """A scenario's `error:` -> the error code this provider reports, or None if unknown.

        The default accepts the canonical vocabulary (`core.gsm_errors`: a GSM error code or
        its EC_* name) and reports the GSM code, as SMPP receipts do; a provider with its own
        error table overrides it to accept its names too and to map canonical errors."""
        from pytest_smsmock.core.gsm_errors import canonical_error

        return canonical_error(value)

    def native_errors(self) -> list[str]:
        """The error names `resolve_error` accepts, for error messages."""
        from pytest_smsmock.core.gsm_errors import canonical_error_names

        return canonical_error_names()

    def connection_fault(self, listener: str) -> str | None:
        """The fault a new connection to `listener` meets before any request (TLS handshake)."""
        fault = self.engine.http_connection_fault(self.name, listener, at=self.clock.now())
        if fault is None:
            return None
        self.journal.record(
            self.name, "http", "event", f"connection [{listener}]: fault {fault.kind}"
        )
        return fault.kind

    def accept(self, message: Message, plan: Plan | None = None) -> Message:
        """Store an accepted message, journal it and start its life on the clock."""
        self.messages.add(message)
        self.journal.record_kind(
            self._accepted_kind,
            (message.message_id, message.to, message.sender, message.parts, message.protocol),
        )
        self.lifecycle.start(message, DEFAULT_PLAN if plan is None else plan)
        return message

    def _status_changed(self, message: Message, change: StatusChange) -> None:
        error, native = change.error, change.native
        if error is None and native is None:
            self.journal.record_kind(
                self._change_kind, (message.message_id, change.status._value_), change.at
            )
        else:
            value = (message.message_id, change.status._value_, error, native)
            self.journal.record_kind(self._change_kind_coded, value, change.at)
        smpp = self._smpp if message.protocol == "smpp" else None
        if smpp is None and message.protocol == "smpp":
            smpp = self.smpp  # sent over SMPP before the SMPP side was used (a test's own Message)
        if smpp is not None:  # SMPP hook
            smpp.on_status_change(message, change)
        else:
            self.on_status_change(message, change)
        if self.messages.max_finished is not None and change.status in FINAL_STATUSES:
            self.messages.finished(message)  # a bounded run may forget the oldest now

    def _callback_fault_hook(self) -> FaultHook | None:
        return self.engine.callback_fault(self.name)

    # -- wiring (the hub) -------------------------------------------------------------------
    def bind_http(self, listener: str, url: str) -> None:
        self._urls[listener] = url

    def bind_smpp(self, listener: str, address: tuple[str, int]) -> None:
        self._smpp_addresses[listener] = address

    def _bound_smpp(self, listener: str) -> tuple[str, int]:
        self.build_smpp()
        if listener not in self._smpp_addresses:
            self.runtime.listen_smpp(self, listener)  # a TLS listener's first use
        try:
            return self._smpp_addresses[listener]
        except KeyError:
            message = f"{self.name}: SMPP listener {listener!r} is not running"
            raise AttributeError(message) from None

    def _bound_url(self, listener: str) -> str:
        if listener not in self._urls:
            self.runtime.listen_http(self, listener)  # a TLS listener's first use
        try:
            return self._urls[listener]
        except KeyError:
            raise AttributeError(
                f"{self.name}: HTTP listener {listener!r} is not running (start the hub first)"
            ) from None

    def wsgi(self, listener: str) -> WSGIApplication:
        return _FakeApp(self, listener)

    def dispatch(self, request: Request, listener: str) -> Response:
        """Handle one request (usable without sockets in tests); a recorder sees it and its
        answer, a replayed cassette may answer it instead of the fake (`core/tap.py`)."""
        runtime = self.runtime
        if runtime.tap is None and runtime.replay is None:
            return self._dispatch(request, listener)
        return self._dispatch_observed(request, listener, runtime.tap, runtime.replay)

    def _dispatch_observed(
        self, request: Request, listener: str, tap: Tap | None, replay: Replay | None
    ) -> Response:
        self.clock.sync()
        at = self.clock.now()
        try:
            body = request.get_data(cache=True)
        except HTTPException:
            return self._dispatch(request, listener)
        response: Response | None = None
        if replay is not None:
            seen = (
                request.method,
                request.path,
                request.query_string,
                tuple(request.headers.items()),
                body,
            )
            answer = replay.http(self.name, listener, seen)
            if answer is not None:
                self._journal_request(request, listener, body)
                status, headers, content, raw = answer
                response = Response(content, status=status, headers=list(headers))
                fault = _replayed_fault(raw) if raw is not None else None
                if fault is not None and fault.raw:  # a socket fault: performed again
                    response = self._faulted(fault, response)
                else:
                    response = self._journal_response(response)
        if response is None:
            response = self._dispatch(request, listener)
        if tap is not None:
            if isinstance(response, FaultedResponse):
                tap.http(self.name, listener, at, request, response.inner, str(response.fault.kind))
            else:
                tap.http(self.name, listener, at, request, response, None)
        return response

    def _dispatch(self, request: Request, listener: str) -> Response:
        """Handle one request through the shared wrapper (usable without sockets in tests).

        A scenario fault comes from the request's route (`Engine.http_fault`) or from a
        submission the handler made: the handler then returns a `FaultedResponse` (see
        `providers/http_faults.py`). Faults that need the socket leave as a `FaultedResponse`
        for `servers/http.py`; the others are performed here.
        """
        self.clock.sync()
        try:
            body = request.get_data(cache=True)
        except HTTPException as exc:
            body = b""
            self._journal_request(request, listener, body)
            return self._journal_response(self.error_response(request, exc))
        self._journal_request(request, listener, body)
        fault = self.engine.http_fault(
            self.name, listener, request.method, request.path, at=self.clock.now()
        )
        if fault is not None and not fault.wraps_answer:
            return self._faulted(fault, None)
        if fault is not None and fault.virtual_delay is not None:
            # Virtual delay: the answer comes `delay` later in the fakes' time.
            self.clock.advance(fault.virtual_delay)
        handled = self._handle(request, listener)
        response: Response | None = handled
        if isinstance(handled, FaultedResponse):
            ruled, response = handled.fault, handled.inner
            if not ruled.wraps_answer:
                fault = ruled  # it stands instead of the answer: nothing was accepted
            elif fault is None:  # a route's fault on the answer was decided first and wins
                fault = ruled
                if ruled.virtual_delay is not None:
                    self.clock.advance(ruled.virtual_delay)
        if fault is not None:
            return self._faulted(fault, response)
        assert response is not None
        return self._journal_response(response)

    def _handle(self, request: Request, listener: str) -> Response:
        """The provider's answer, or its documented error; never an exception."""
        try:
            return self.handle_http(request, listener)
        except (HTTPException, ProtocolError) as exc:
            # Refusals the provider documents: answered, not reported as a failure of the fake.
            return self.error_response(request, exc)
        except Exception as exc:
            self.runtime.report_error(exc)
            self.journal.record(self.name, "error", "event", f"{type(exc).__name__}: {exc}")
            try:
                return self.error_response(request, exc)
            except Exception as inner:
                self.runtime.report_error(inner)
                return Response("System error", status=503, mimetype="text/plain")

    def _faulted(self, fault: HttpFault, answer: Response | None) -> Response:
        """The response standing for a scenario HTTP fault (`answer`: the provider's own)."""
        if fault.raw:
            self._journal_response(answer or Response(b""), fault=fault.kind)
            return FaultedResponse(fault, answer)
        response = fault_response(fault) if answer is None else alter(fault, answer)
        return self._journal_response(response, fault=fault.kind)

    def _journal_request(self, request: Request, listener: str, body: bytes) -> None:
        query = request.query_string.decode("latin-1")
        target = request.path + (f"?{query}" if query else "")
        self.journal.record(
            self.name,
            "http",
            "in",
            f"{request.method} {target}" + (f" [{listener}]" if listener != "primary" else ""),
            {
                "listener": listener,
                "body": body[:2000].decode("utf-8", "replace"),
                # What a consumer contract replays (contracts/consumer.py): the scheme only.
                "content_type": request.headers.get("Content-Type", ""),
                "auth_scheme": request.headers.get("Authorization", "").partition(" ")[0],
            },
        )

    def _journal_response(self, response: Response, *, fault: str | None = None) -> Response:
        body = b"" if response.is_streamed else response.get_data()
        self.journal.record(
            self.name,
            "http",
            "out",
            f"{response.status_code} {response.mimetype or ''} {len(body)} bytes"
            + (f" (fault {fault})" if fault else ""),
            {
                "status": response.status_code,
                "body": body[:2000].decode("utf-8", "replace"),
                "content_type": response.headers.get("Content-Type", ""),
            },
        )
        return response

    # -- conveniences for tests ------------------------------------------------------------
    def describe(self) -> Mapping[str, object]:
        """Endpoints and the default credentials, for `smsmock serve`'s table."""
        return {
            "http": dict(self._urls),
            "smpp": {k: f"{h}:{p}" for k, (h, p) in self._smpp_addresses.items()},
            "accounts": [a.username for a in self.accounts],
        }

    def now(self) -> datetime:
        return self.clock.now()


class _FakeApp:
    """The WSGI app of one listener; `servers/http.py` also asks it for connection faults and
    performs raw faults through ``environ["smsmock.raw_fault"]``."""

    def __init__(self, fake: ProviderFake, listener: str) -> None:
        self.fake = fake
        self.listener = listener

    def connection_fault(self) -> str | None:
        return self.fake.connection_fault(self.listener)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_BODY
        response = self.fake.dispatch(request, self.listener)
        if isinstance(response, FaultedResponse):
            perform = environ.get("smsmock.raw_fault")
            if perform is not None:
                perform(response.fault, response.inner)  # raises if it took the connection
                response = response.inner or Response(b"")
        return response(environ, start_response)
