"""The SMPP 3.4 listener: one asyncio loop in a daemon thread serves every SMPP endpoint.

For each fake with `smpp_listeners` it opens one TCP (or TLS, with the hub's test CA) server per
listener and drives one sans-IO `SmscConnection` per accepted socket. The fake's `SmppService`
(`providers/smpp_common.py` and the provider's profile) decides binds and submits and queues
deliver_sm; this module only moves bytes, journals every PDU (channel ``smpp``), performs
scenario faults, and runs the session timers.

Rules:

- One session's trouble never touches another or the listener: every callback is guarded, an
  unexpected exception is recorded with `hub.report_error` (re-raised in the test at teardown),
  journaled, and closes that session only.
- Session timers (the SMSC's enquire_link after silence, deliver_sm response timeouts) run on
  the *virtual* clock: each session keeps one clock event at its next deadline, fired on the
  thread that moves the clock and handed to the loop. A session the SMSC probes with
  enquire_link must answer within `service.probe_timeout` *real* seconds or it is closed: a
  client cannot answer while virtual time jumps, so silence alone never closes a session.
- Writes made while handling one read are coalesced into one `transport.write`.
- `flush(timeout)` waits (bounded, real time) until every callback handed to the loop before
  it has run and every session's bytes are on the wire: `clock.advance()` queues receipts
  synchronously, `flush()` makes sure they were written. Tests never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import ssl
import struct
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pytest_smsmock.providers.smpp_common import SmppService, SmppSession
from pytest_smsmock.scenario.engine import InjectedFault
from pytest_smsmock.smpp.codec import decode, encode
from pytest_smsmock.smpp.connection import (
    BindRequested,
    ConnectionClosed,
    EnquireLinkAnswered,
    EnquireLinkSent,
    Event,
    Refused,
    RequestReceived,
    RequestTimedOut,
    ResponseReceived,
    SmscConnection,
    UnexpectedResponse,
)
from pytest_smsmock.smpp.constants import CommandId, CommandStatus
from pytest_smsmock.smpp.errors import DecodeError, SmppError
from pytest_smsmock.smpp.pdus import (
    Bind,
    DeliverSm,
    GenericNack,
    Pdu,
    Request,
    Response,
    SubmitSm,
    Unbind,
    error_response,
)
from pytest_smsmock.smpp.session import State

if TYPE_CHECKING:
    from pytest_smsmock.clock import ScheduledEvent
    from pytest_smsmock.hub import SmsMock
    from pytest_smsmock.providers.base import ProviderFake, SmppListener

__all__ = ["SmppServer", "describe_pdu"]

_HEADER = struct.Struct(">IIII")
_S = CommandStatus
_MAX_FAULT_DELAY = 10.0  # real seconds


def _command_name(command_id: int) -> str:
    try:
        return CommandId(command_id).name.lower()
    except ValueError:
        return f"0x{command_id:08X}"


def describe_pdu(pdu: Pdu) -> str:
    """A one-line summary for the journal."""
    name = pdu.command_id.name.lower()
    text = f"{name} #{pdu.sequence_number}"
    if isinstance(pdu, Response):
        if pdu.command_status:
            text += f" status 0x{pdu.command_status:08X}"
        message_id = getattr(pdu, "message_id", None)
        if message_id:
            text += f" id {message_id}"
    elif isinstance(pdu, Bind):
        text += f" {pdu.system_id!r}" + (f" type {pdu.system_type!r}" if pdu.system_type else "")
    elif isinstance(pdu, SubmitSm | DeliverSm):
        text += (
            f" {pdu.source_addr} -> {pdu.destination_addr} esm 0x{pdu.esm_class:02X}"
            f" dc {pdu.data_coding} {len(pdu.short_message)} octets"
        )
    return text


def _render_pdu(value: tuple[int, Pdu | bytes]) -> tuple[str, dict[str, Any]]:
    """The summary and detail `_Session._record` gives a PDU of a session (for
    `Journal.record_lazy`). The hot path journals the PDU's wire bytes (a frame read, an
    encoding written), decoded here when the journal is read: a tuple of a session number and
    bytes costs the collector nothing while it waits."""
    session, pdu = value
    if isinstance(pdu, bytes):
        pdu = decode(pdu)
    detail = {
        "session": session,
        "command": pdu.command_id.name.lower(),
        "sequence": pdu.sequence_number,
    }
    return f"[{session}] {describe_pdu(pdu)}", detail


def _describe_bytes(data: bytes) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos + 16 <= len(data):
        length, command_id, status, sequence = _HEADER.unpack_from(data, pos)
        text = f"{_command_name(command_id)} #{sequence}"
        if status:
            text += f" status 0x{status:08X}"
        out.append(text)
        if length < 16:
            break
        pos += length
    return out


class SmppServer:
    """Every SMPP listener of a hub, on one asyncio loop in one daemon thread."""

    def __init__(self, hub: SmsMock, *, host: str = "127.0.0.1", port_base: int | None = None):
        self.hub = hub
        self.host = host
        self.port_base = port_base
        self.next_port = port_base
        self.addresses: dict[tuple[str, str], tuple[str, int]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._thread_id: int | None = None
        self._servers: list[asyncio.AbstractServer] = []
        # (provider, listener) -> its listening server, and what it needs to listen again.
        self._listening: dict[tuple[str, str], asyncio.AbstractServer] = {}
        self._listeners: dict[tuple[str, str], tuple[ProviderFake, SmppListener]] = {}
        self._down: set[tuple[str, str]] = set()
        self._tls: ssl.SSLContext | None = None
        self._sessions: dict[int, _Session] = {}
        self._ids = itertools.count(1)
        self._services: list[SmppService] = []

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> SmppServer:
        if self._loop is not None:
            return self
        contexts = {}
        for fake in self.hub.fakes.values():
            for listener in fake.smpp_listeners:
                if listener.tls and "tls" not in contexts:
                    contexts["tls"] = self.hub.server_ssl_context()
        loop = asyncio.new_event_loop()
        self._loop = loop
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            self._thread_id = threading.get_ident()
            loop.call_soon(started.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="smsmock-smpp", daemon=True)
        self._thread.start()
        started.wait(10)
        future = asyncio.run_coroutine_threadsafe(self._open(contexts.get("tls")), loop)
        try:
            future.result(30)
        except BaseException:
            self.stop()
            raise
        return self

    async def _listen(
        self, fake: ProviderFake, listener: SmppListener, port: int
    ) -> asyncio.Server:
        loop = asyncio.get_running_loop()

        def factory() -> _Session:
            return _Session(self, fake, listener)

        server = await loop.create_server(
            factory,
            self.host,
            port,
            ssl=self._tls if listener.tls else None,
            reuse_address=True,
        )
        self._servers.append(server)
        self._listening[(fake.name, listener.name)] = server
        self._listeners[(fake.name, listener.name)] = (fake, listener)
        return server

    async def _open(self, context: ssl.SSLContext | None) -> None:
        self._tls = context
        port = self.port_base
        for fake in self.hub.fakes.values():
            service: SmppService | None = getattr(fake, "smpp", None)
            if not fake.smpp_listeners or service is None:
                continue
            for listener in fake.smpp_listeners:
                server = await self._listen(fake, listener, port or 0)
                bound_port = server.sockets[0].getsockname()[1]
                address = (self.host, bound_port)
                self.addresses[(fake.name, listener.name)] = address
                fake.bind_smpp(listener.name, address)
                if port:
                    port += 1
            self._services.append(service)
            service.attach(self)
        self.next_port = port

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        for service in self._services:
            service.attach(None)
        self._services.clear()
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._close(), loop)
            try:
                future.result(5)
            except Exception as exc:  # closing must not fail a test run
                self.hub.report_error(exc)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        if not loop.is_running():
            loop.close()
        self._loop = None
        self._thread = None

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for session in list(self._sessions.values()):
            session.abort("listener stopped")
        self._servers.clear()
        self._listening.clear()
        self._down.clear()

    # -- outages (scenario ``outage`` events, `SmsMock.take_down`) ---------------------------
    def take_down(self, provider: str, listener: str) -> None:
        """Stop one listener: new connections are refused and its open sessions are dropped
        (receipts in flight go back to the queue) until `bring_up` or the next test's reset."""
        key = self._known(provider, listener)
        self._on_loop(self._take_down(key))

    def bring_up(self, provider: str, listener: str) -> None:
        """Listen again, on the same port, on a listener `take_down` stopped (no-op if up)."""
        key = self._known(provider, listener)
        self._on_loop(self._bring_up(key))

    def bring_up_all(self) -> None:
        """Every listener taken down listens again, unjournaled (the hub's reset)."""
        for key in sorted(self._down):
            self._on_loop(self._bring_up(key, note=False))

    def is_down(self, provider: str, listener: str) -> bool:
        return (provider, listener) in self._down

    def _known(self, provider: str, listener: str) -> tuple[str, str]:
        key = (provider, listener)
        if key not in self.addresses:
            from pytest_smsmock.errors import ConfigError

            running = ", ".join(f"{p}/{n}" for p, n in self.addresses) or "none"
            raise ConfigError(f"no SMPP listener {provider}/{listener}; running: {running}")
        return key

    def _on_loop(self, work: Any) -> None:
        """Run a coroutine on the loop; wait for it unless called from the loop itself (a clock
        event fired by a session's `clock.sync()`): then it runs as soon as this callback ends."""
        loop = self._loop
        if loop is None:
            work.close()
            return
        if self.in_loop:

            def done(task: asyncio.Task[None]) -> None:
                if not task.cancelled() and task.exception() is not None:
                    self.report(task.exception() or RuntimeError("outage"), None)

            loop.create_task(work).add_done_callback(done)
            return
        asyncio.run_coroutine_threadsafe(work, loop).result(10)

    async def _take_down(self, key: tuple[str, str]) -> None:
        server = self._listening.pop(key, None)
        if server is None:
            return
        self._down.add(key)
        server.close()  # the listening socket closes now: connections are refused
        with contextlib.suppress(ValueError):
            self._servers.remove(server)
        dropped = [s for s in list(self._sessions.values()) if s.key == key]
        for session in dropped:
            session.abort("listener taken down")
        self.hub.journal.record(
            key[0],
            "smpp",
            "event",
            f"listener {key[1]} taken down ({len(dropped)} session(s) dropped)",
            {"listener": key[1], "up": False},
        )

    async def _bring_up(self, key: tuple[str, str], *, note: bool = True) -> None:
        if key in self._listening:
            return
        fake, listener = self._listeners[key]
        await self._listen(fake, listener, self.addresses[key][1])
        self._down.discard(key)
        if note:
            self.hub.journal.record(
                key[0],
                "smpp",
                "event",
                f"listener {key[1]} brought up",
                {"listener": key[1], "up": True},
            )

    def __enter__(self) -> SmppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the services and tests use ------------------------------------------------------
    @property
    def in_loop(self) -> bool:
        return threading.get_ident() == self._thread_id

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run `callback` on the loop (from any thread); its errors are reported, not raised."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def guarded() -> None:
            try:
                callback()
            except Exception as exc:
                self.report(exc, None)

        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(guarded)

    def run(self, function: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Run `function` on the loop and return its result (from another thread)."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the SMPP listener is not running")
        if self.in_loop:
            return function()

        async def call() -> Any:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was handed to the loop before this call has run and every session's
        output is written; False if `timeout` real seconds passed first."""
        loop = self._loop
        if loop is None or self.in_loop:
            return True
        future = asyncio.run_coroutine_threadsafe(self._drained(timeout), loop)
        try:
            return bool(future.result(timeout + 1))
        except TimeoutError:
            return False

    async def _drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            await asyncio.sleep(0)
            if all(session.drained for session in list(self._sessions.values())):
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.001)

    def close_sessions(self, provider: str, generation: int, *, wait: float = 2.0) -> None:
        """Close the sessions of `provider` opened before `generation` (a reset)."""

        def close() -> None:
            for session in list(self._sessions.values()):
                if session.fake.name == provider and session.info.generation < generation:
                    session.close("the fake was reset")

        if self._loop is None:
            return
        if self.in_loop:
            close()
            return
        try:
            self.run(close, timeout=wait)
        except Exception as exc:
            self.report(exc, None)

    def sessions(self) -> list[SmppSession]:
        return [s.info for s in list(self._sessions.values())]

    def report(self, error: BaseException, session: _Session | None) -> None:
        self.hub.report_error(error)
        provider = session.fake.name if session is not None else "smpp"
        where = f" on session {session.info.id}" if session is not None else ""
        self.hub.journal.record(
            provider, "error", "event", f"SMPP listener{where}: {type(error).__name__}: {error}"
        )

    def vnow(self) -> float:
        """Virtual time as the session timers count it (seconds)."""
        return self.hub.clock.now().timestamp()


#: Octets one read may bring (the session's receive buffer, reused for every read).
READ_BUFFER_SIZE = 64 * 1024


class _Session(asyncio.BufferedProtocol):
    """One accepted socket: bytes <-> SmscConnection <-> the fake's SmppService.

    A buffered protocol: the transport reads into the session's own buffer (`get_buffer`),
    where a plain `asyncio.Protocol` has every read allocate a 256 KiB bytes object (about
    18 us per read on the machines measured, the cost of a whole submit at window 1).
    """

    def __init__(self, server: SmppServer, fake: ProviderFake, listener: SmppListener) -> None:
        self.server = server
        self.fake = fake
        service = getattr(fake, "smpp", None)
        assert isinstance(service, SmppService)
        self.service = service
        self.listener = listener
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self._read_view: memoryview | None = None
        self._out: list[bytes] = []
        self._flush_pending = False
        self._timer_due: float | None = None
        self._timer_event: ScheduledEvent | None = None
        self._probe: asyncio.TimerHandle | None = None
        self._session_id: int | None = None  # `info.id`, once the session has its info
        # Looked up once per session, not per PDU: the journal and the engine's source.
        self._name = fake.name
        self._record_lazy = fake.journal.record_lazy
        self._engine = fake.runtime.engine
        self.conn = SmscConnection(now=server.vnow(), config=service.session_config())
        self.info: SmppSession

    @property
    def key(self) -> tuple[str, str]:
        return (self.fake.name, self.listener.name)

    # -- SessionLink ---------------------------------------------------------------------------
    @property
    def window_free(self) -> int:
        if self.closed or self.conn.state not in (State.BOUND_RX, State.BOUND_TRX):
            return 0
        return self.conn.window_free

    def send_request(self, build: Callable[[int], Request]) -> Request:
        pdu = build(self.conn.next_sequence_number())
        data = self.conn.send(pdu, now=self.server.vnow())
        self._record_pdu("out", data)
        self._write(data)
        self._arm()
        return pdu

    def close(self, reason: str) -> None:
        if self.closed:
            return
        self._flush_out()
        if self.transport is not None:
            self.transport.close()
        self._closed(reason)

    def unbind(self) -> None:
        """The SMSC ends the session: unbind, then close when the ESME answers."""
        if self.conn.state in (State.BOUND_TX, State.BOUND_RX, State.BOUND_TRX):
            self.send_request(lambda seq: Unbind(sequence_number=seq))

    def abort(self, reason: str) -> None:
        if self.transport is not None:
            self.transport.abort()
        self._closed(reason)

    @property
    def drained(self) -> bool:
        if self.closed or self.transport is None:
            return True
        return not self._out and self.transport.get_write_buffer_size() == 0

    # -- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.info = SmppSession(
            id=next(self.server._ids),
            provider=self.fake.name,
            listener=self.listener.name,
            tls=self.listener.tls,
            peer=(str(peer[0]), int(peer[1])),
            link=self,
            generation=self.service.generation,
        )
        self.server._sessions[self.info.id] = self
        try:
            self.service.session_opened(self.info)
            self._record("event", f"connected from {peer[0]}:{peer[1]} [{self.listener.name}]")
            self._arm()
        except Exception as exc:
            self._fail(exc)

    def get_buffer(self, sizehint: int) -> memoryview:
        view = self._read_view
        if view is None:
            view = self._read_view = memoryview(bytearray(READ_BUFFER_SIZE))
        return view

    def buffer_updated(self, nbytes: int) -> None:
        assert self._read_view is not None
        self.data_received(bytes(self._read_view[:nbytes]))

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        # Answers written while handling this read go out together in the `finally` below,
        # not through a scheduled flush.
        self._flush_pending = True
        try:
            if self._probe is not None:
                self._probe.cancel()
                self._probe = None
            now = self.server.vnow()
            for event in self.conn.receive_data(data, now=now):
                self._handle(event, now)
        except Exception as exc:
            self._fail(exc)
        finally:
            self._flush_out()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed("closed by the peer" if exc is None else f"connection lost: {exc}")

    # -- events ----------------------------------------------------------------------------------
    def _handle(self, event: Event, now: float) -> None:
        if isinstance(event, RequestReceived):  # every submit_sm: the common case first
            self._record_pdu("in", event.frame or event.pdu)
            self._on_request(event.pdu, now)
            return
        pdu = getattr(event, "pdu", None)
        if isinstance(event, Refused):
            self._record("in", f"refused: {event.error}", None, status=event.error.status)
            self._write_auto(self._provider_refusal(event))
        elif isinstance(event, ConnectionClosed):
            self._write_auto(event.data)
            self.close(event.reason)
        elif isinstance(event, BindRequested):
            self._record_pdu("in", event.pdu)
            self._on_bind(event.pdu, now)
        elif isinstance(event, ResponseReceived):
            self._record_pdu("in", event.pdu)
            self.service.handle_response(self.info, event.request, event.pdu)
        elif isinstance(event, UnexpectedResponse):
            self._record("in", describe_pdu(event.pdu) + " (answers nothing)", event.pdu)
        elif isinstance(event, RequestTimedOut):
            self._record("event", f"no answer to {describe_pdu(event.request)}")
            self.service.handle_timeout(self.info, event.request)
        elif isinstance(event, EnquireLinkAnswered):
            self._record_pdu("in", event.pdu)
            fault = self._fault(event.pdu)
            if fault is None or not self._answered_fault(fault, event.pdu, event.data):
                self._write_auto(event.data)
        elif isinstance(event, EnquireLinkSent):
            self._record("out", describe_pdu(event.pdu), event.pdu)
            self._write(event.data)
            self._start_probe()
        else:
            if isinstance(pdu, Pdu):
                self._record("in", describe_pdu(pdu), pdu)
            self._write_auto(event.data)

    def _provider_refusal(self, event: Refused) -> bytes:
        """The core's answer to a PDU that does not decode, with the provider's own status
        where it has one (`SmppService.decode_statuses`)."""
        error = event.error
        mapped = self.service.decode_statuses.get(error.status)
        if (
            mapped is None
            or not isinstance(error, DecodeError)
            or error.fatal
            or error.command_id is None
            or error.sequence_number is None
        ):
            return event.data
        return encode(error_response(error.command_id, error.sequence_number, mapped))

    def _on_bind(self, bind: Bind, now: float) -> None:
        fault = self._fault(bind)
        if fault is not None and self._bind_fault(fault, bind, now):
            return
        status, tlvs = self.service.handle_bind(self.info, bind)
        if status == _S.ESME_ROK:
            self._send(self.conn.accept_bind(system_id=self.service.system_id, now=now, tlvs=tlvs))
            self.service.after_bind(self.info)
            self._arm()
        else:
            self._send(self.conn.reject_bind(status, now=now))

    def _on_request(self, request: Request, now: float) -> None:
        fault = self._fault(request)
        if fault is not None and self._request_fault(fault, request, now):
            return
        try:
            response = self.service.handle_request(self.info, request)
        except InjectedFault as injected:  # a scenario rule's fault on this submit
            self._rule_fault(injected.fault, request, now)
            return
        deferred = self.info.data.pop("rule_fault", None) if self.info.data else None
        if deferred is not None:
            self._deferred_fault(deferred, request, response)
            return
        data = self.conn.send(response, now=now)
        self._record_pdu("out", data)
        self._write(data)

    # -- scenario faults -------------------------------------------------------------------------
    def _fault(self, pdu: Request) -> Any:
        """The scenario's fault for this PDU (`Engine.smpp_fault`), if any."""
        engine = self._engine()
        if getattr(engine, "scenario", None) is None:
            return None
        lookup = getattr(engine, "smpp_fault", None)
        if lookup is None:
            return None
        command = pdu.command_id.name.lower()
        try:
            from pytest_smsmock.scenario.engine import SmppContext
        except ImportError:
            return lookup(self.fake.name, command)
        context = SmppContext(
            provider=self.fake.name,
            command=command,
            at=self.fake.clock.now(),
            listener=self.listener.name,
            system_id=getattr(pdu, "system_id", "") or self.info.username,
            sequence=pdu.sequence_number,
        )
        return lookup(self.fake.name, command, context)

    def _bind_fault(self, fault: Any, bind: Bind, now: float) -> bool:
        kind = fault.kind
        status = getattr(fault, "command_status", None)
        self._record("event", f"scenario fault {kind} on {describe_pdu(bind)}")
        if kind in ("bind_refused", "error_status", "throttled", "queue_full"):
            default = {"throttled": _S.ESME_RTHROTTLED, "queue_full": _S.ESME_RMSGQFUL}
            self._send(
                self.conn.reject_bind(status or default.get(kind, _S.ESME_RBINDFAIL), now=now)
            )
            return True
        if kind == "bind_wrong_status":
            self._send(self.conn.reject_bind(status or _S.ESME_RINVBNDSTS, now=now))
            return True
        if kind in ("bind_generic_nack", "generic_nack"):
            nack = GenericNack(
                sequence_number=bind.sequence_number, command_status=status or _S.ESME_RSYSERR
            )
            self._send(self.conn.send(nack, now=now), nack)
            return True
        if kind == "deliver_sm_before_bound":
            self._deliver_before_bind(bind)
            return False  # the bind is answered as usual, after it
        return self._common_fault(fault, bind, now)

    def _deliver_before_bind(self, bind: Bind) -> None:
        """A deliver_sm before the bind_resp (SMPP 3.4 allows none before a receiver is bound):
        a copy of the first deliver_sm queued for the account, which still goes after the bind,
        or an empty one addressed to the system_id when nothing is queued. The SMSC tracks no
        answer to it: a deliver_sm_resp is journaled as answering nothing."""
        queued = self.service.pending(bind.system_id)
        fields = dict(queued[0].fields) if queued else {"destination_addr": bind.system_id[:20]}
        pdu = DeliverSm(sequence_number=self.conn.next_sequence_number(), **fields)
        self._record("out", describe_pdu(pdu) + " (before bind_resp)", pdu)
        self._write(encode(pdu))

    def _request_fault(self, fault: Any, request: Request, now: float) -> bool:
        kind = fault.kind
        status = getattr(fault, "command_status", None)
        self._record("event", f"scenario fault {kind} on {describe_pdu(request)}")
        statuses = {
            "error_status": status or _S.ESME_RSYSERR,
            "throttled": status or _S.ESME_RTHROTTLED,
            "queue_full": status or _S.ESME_RMSGQFUL,
        }
        if kind in statuses:
            self._send(self.conn.reject(request, statuses[kind], now=now))
            return True
        if kind == "generic_nack":
            if getattr(fault, "sequence", "request") == "zero":
                self._write(
                    encode(GenericNack(sequence_number=0, command_status=status or _S.ESME_RSYSERR))
                )
                return True
            nack = GenericNack(
                sequence_number=request.sequence_number, command_status=status or _S.ESME_RSYSERR
            )
            self._send(self.conn.send(nack, now=now), nack)
            return True
        if kind == "delayed_response":
            try:
                response = self.service.handle_request(self.info, request)
            except InjectedFault as injected:
                self._rule_fault(injected.fault, request, now)
                return True
            self.info.data.pop("rule_fault", None)
            self._answer_later(fault, response)
            return True
        if kind == "unbind":
            self.unbind()
            return True
        return self._common_fault(fault, request, now)

    def _rule_fault(self, fault: Any, request: Request, now: float) -> None:
        """A scenario rule's fault raised while the submit was handled (`InjectedFault`): the
        message was not accepted; perform the fault instead of the answer."""
        if not self._request_fault(fault, request, now):
            # Not a kind that replaces an answer (`ANSWER_FAULTS` keeps those from coming here).
            self._send(self.conn.reject(request, _S.ESME_RSYSERR, now=now))

    def _deferred_fault(self, fault: Any, request: Request, response: Response) -> None:
        """A rule's fault that let the message be accepted: ``delayed_response`` answers late;
        a kind that does not concern a submit is journaled and the answer goes as usual."""
        if fault.kind == "delayed_response":
            self._record("event", f"scenario fault {fault.kind} on {describe_pdu(request)}")
            self._answer_later(fault, response)
            return
        self._record(
            "event",
            f"scenario fault {fault.kind} does not apply to {describe_pdu(request)}: answered",
        )
        self._send(self.conn.send(response, now=self.server.vnow()), response)

    def _answer_later(self, fault: Any, response: Response) -> None:
        delay = getattr(fault, "delay", None)
        seconds = min(_MAX_FAULT_DELAY, delay.total_seconds() if delay is not None else 1.0)

        def answer() -> None:
            if not self.closed:
                try:
                    self._send(self.conn.send(response, now=self.server.vnow()), response)
                finally:
                    self._flush_out()

        asyncio.get_running_loop().call_later(seconds, answer)

    def _answered_fault(self, fault: Any, request: Request, answer: bytes) -> bool:
        """A fault on a request the core answered by itself (enquire_link)."""
        self._record("event", f"scenario fault {fault.kind} on {describe_pdu(request)}")
        if fault.kind == "delayed_response":
            delay = getattr(fault, "delay", None)
            seconds = min(_MAX_FAULT_DELAY, delay.total_seconds() if delay is not None else 1.0)

            def answer_later() -> None:
                if not self.closed:
                    self._write_auto(answer)
                    self._flush_out()

            asyncio.get_running_loop().call_later(seconds, answer_later)
            return True
        return self._common_fault(fault, request, self.server.vnow())

    def _common_fault(self, fault: Any, request: Request, now: float) -> bool:
        kind = fault.kind
        if kind == "no_response":
            return True
        if kind == "drop_connection":
            self._flush_out()
            self.abort(f"scenario fault drop_connection on {request.command_id.name.lower()}")
            return True
        if kind in ("bad_command_length", "invalid_command_id"):
            nack = GenericNack(
                sequence_number=request.sequence_number, command_status=_S.ESME_RSYSERR
            )
            data = bytearray(encode(nack))
            if kind == "bad_command_length":
                data[0:4] = (8).to_bytes(4, "big")
            else:
                data[4:8] = (0x7FFF0000).to_bytes(4, "big")
            self._write(bytes(data))
            return True
        return False  # kinds for other PDUs: answer normally

    # -- timers on the virtual clock -------------------------------------------------------------
    def _arm(self) -> None:
        if self.closed:
            return
        deadline = self.conn.next_deadline()
        if deadline is None:
            return
        if self._timer_due is not None and self._timer_due <= deadline:
            return
        if self._timer_event is not None:
            self._timer_event.cancel()
        self._timer_due = deadline
        when = datetime.fromtimestamp(deadline, UTC)
        self._timer_event = self.fake.clock.call_at(
            when,
            lambda: self.server.call_soon(lambda: self._on_timer(deadline)),
            label=f"{self.fake.name}:smpp-session-{self.info.id}",
        )

    def _on_timer(self, deadline: float) -> None:
        if self._timer_due == deadline:
            self._timer_due = None
            self._timer_event = None
        if self.closed:
            return
        try:
            now = max(self.server.vnow(), deadline)
            for event in self.conn.check_timers(now=now):
                self._handle(event, now)
            self._arm()
        except Exception as exc:
            self._fail(exc)
        finally:
            self._flush_out()

    def _start_probe(self) -> None:
        if self._probe is not None:
            return
        loop = asyncio.get_running_loop()
        timeout = self.service.probe_timeout
        self._probe = loop.call_later(
            timeout,
            lambda: self.close(f"no answer to enquire_link within {timeout:g} s (real time)"),
        )

    # -- output ----------------------------------------------------------------------------------
    def _send(self, data: bytes, pdu: Pdu | None = None) -> None:
        """Write `data`; with `pdu`, `data` is its encoding (what `SmscConnection.send` returns),
        journaled as those bytes."""
        if pdu is not None:
            self._record_pdu("out", data)
        else:
            for summary in _describe_bytes(data):
                self._record("out", summary)
        self._write(data)

    def _write_auto(self, data: bytes) -> None:
        if data:
            self._send(data)

    def _write(self, data: bytes) -> None:
        if not data or self.closed:
            return
        self._out.append(data)
        if not self._flush_pending:
            self._flush_pending = True
            asyncio.get_running_loop().call_soon(self._flush_out)

    def _flush_out(self) -> None:
        self._flush_pending = False
        if not self._out:
            return
        data = b"".join(self._out)
        self._out.clear()
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # -- closing -----------------------------------------------------------------------------------
    def _closed(self, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        self._out.clear()
        self.conn.close()
        if self._timer_event is not None:
            self._timer_event.cancel()
            self._timer_event = None
        if self._probe is not None:
            self._probe.cancel()
            self._probe = None
        if not hasattr(self, "info"):
            return
        self.server._sessions.pop(self.info.id, None)
        self._record("event", f"closed: {reason}")
        try:
            self.service.session_closed(self.info, reason)
        except Exception as exc:
            self.server.report(exc, self)

    def _fail(self, exc: BaseException) -> None:
        self.server.report(exc, self)
        if isinstance(exc, SmppError):
            reason = f"protocol error: {exc}"
        else:
            reason = f"internal error: {type(exc).__name__}"
        self._flush_out()
        self.abort(reason)

    # -- journal ---------------------------------------------------------------------------------
    def _record_pdu(self, direction: str, pdu: Pdu | bytes) -> None:
        """`_record(direction, describe_pdu(pdu), pdu)`, rendered when the journal is read (the
        hot path: every submit_sm and its response). `pdu` may be its wire bytes."""
        session = self._session_id
        if session is None:
            info = getattr(self, "info", None)
            if info is None:
                if isinstance(pdu, bytes):
                    pdu = decode(pdu)
                self._record(direction, describe_pdu(pdu), pdu)
                return
            session = self._session_id = info.id
        self._record_lazy(self._name, "smpp", direction, _render_pdu, (session, pdu))

    def _record(self, direction: str, summary: str, pdu: Pdu | None = None, **detail: Any) -> None:
        info = getattr(self, "info", None)
        session = info.id if info is not None else 0
        detail["session"] = session
        if pdu is not None:
            detail["command"] = pdu.command_id.name.lower()
            detail["sequence"] = pdu.sequence_number
        self.fake.journal.record(
            self.fake.name, "smpp", direction, f"[{session}] {summary}", detail
        )
