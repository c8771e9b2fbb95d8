"""One accepted SMPP socket: bytes <-> `SmscConnection` <-> the fake's `SmppService`.

The session journals every PDU (channel ``smpp``), runs its timers on the virtual clock, and
performs scenario faults through `SessionFaults` (`servers/smpp/faults.py`).

Each read is fed to the connection and its events are handled one at a time: a request is
answered before the next PDU is looked at, whatever TCP made of the stream.

Back-pressure: answers the ESME does not read pile up in the transport's write buffer. Past
`WRITE_HIGH_WATER` octets the transport pauses the session's writing (`pause_writing`), and the
session stops reading until the buffer drains below `WRITE_LOW_WATER` (`resume_writing`): a
client that floods and never reads is held by its own socket buffers, not the listener's memory.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from pytest_smsmock.core.journal import lazy_kind
from pytest_smsmock.providers.smpp_common import SmppService, SmppSession
from pytest_smsmock.servers.smpp.describe import describe_bytes, describe_pdu, render_pdu
from pytest_smsmock.servers.smpp.faults import SessionFaults
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
    UnbindHeld,
    UnexpectedResponse,
)
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.errors import DecodeError, SmppError
from pytest_smsmock.smpp.pdus import Bind, Pdu, Request, Unbind, error_response
from pytest_smsmock.smpp.session import State

if TYPE_CHECKING:
    from pytest_smsmock.clock import ScheduledEvent
    from pytest_smsmock.core.tap import Tap
    from pytest_smsmock.providers.base import ProviderFake, SmppListener

__all__ = [
    "READ_BUFFER_SIZE",
    "WRITE_HIGH_WATER",
    "WRITE_LOW_WATER",
    "Session",
    "SessionHost",
    "describe_pdu",
]


class SessionHost(Protocol):
    """What a session needs of its listener."""

    def open_session(self, session: Session) -> int: ...

    def forget_session(self, number: int) -> None: ...

    def call_soon(self, callback: Callable[[], object]) -> None: ...

    def call_sync(self, callback: Callable[[], object]) -> None: ...

    def report(self, error: BaseException, session: Session | None) -> None: ...

    def vnow(self) -> float: ...


_S = CommandStatus


#: Octets one read may bring (the session's receive buffer, reused for every read).
READ_BUFFER_SIZE = 64 * 1024
#: Unread answers (octets in the transport's buffer) past which the session stops reading, and
#: below which it reads again.
WRITE_HIGH_WATER = 256 * 1024
WRITE_LOW_WATER = 64 * 1024
#: The kernel's send buffer of a session's socket, fixed (no autotuning up to megabytes): what
#: a client leaves unread is held by the transport's bounded buffer and then its own socket.
SOCKET_SEND_BUFFER = 64 * 1024


class Session(SessionFaults, asyncio.BufferedProtocol):
    """One accepted socket: bytes <-> SmscConnection <-> the fake's SmppService.

    A buffered protocol: the transport reads into the session's own buffer (`get_buffer`),
    where a plain `asyncio.Protocol` has every read allocate a 256 KiB bytes object (about
    18 us per read on the machines measured, the cost of a whole submit at window 1).
    """

    def __init__(self, server: SessionHost, fake: ProviderFake, listener: SmppListener) -> None:
        self.server = server
        self.fake = fake
        service = fake.smpp
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
        self.reading = True  # False while back-pressure pauses the reads
        self._session_id: int | None = None  # `info.id`, once the session has its info
        # Looked up once per session, not per PDU: the journal and the engine's source.
        self._name = fake.name
        self._record_kind = fake.journal.record_kind
        self._pdu_kinds = {
            direction: lazy_kind(self._name, "smpp", direction, render_pdu, 2)
            for direction in ("in", "out")
        }
        self._engine = fake.runtime.engine
        self._runtime = fake.runtime  # `.tap` / `.replay`: a recorder, a replayed cassette
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

    @property
    def fileno(self) -> int:
        """The socket's descriptor (-1 when closed): the listener polls it in `catch_up`."""
        if self.closed or self.transport is None:
            return -1
        sock = self.transport.get_extra_info("socket")
        return -1 if sock is None else int(sock.fileno())

    # -- asyncio.Protocol ----------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        transport.set_write_buffer_limits(high=WRITE_HIGH_WATER, low=WRITE_LOW_WATER)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_SEND_BUFFER)
        peer = transport.get_extra_info("peername") or ("?", 0)
        self.info = SmppSession(
            id=self.server.open_session(self),
            provider=self.fake.name,
            listener=self.listener.name,
            tls=self.listener.tls,
            peer=(str(peer[0]), int(peer[1])),
            link=self,
            generation=self.service.generation,
        )
        try:
            self.service.session_opened(self.info)
            # The peer's port is left out: a journal must not depend on the client's socket.
            self._record("event", f"connected from {peer[0]} [{self.listener.name}]")
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
            now = self.server.vnow()
            self.conn.receive_data(data, now=now)
            self._drain(now)
        except Exception as exc:
            self._fail(exc)
        finally:
            self._flush_out()

    def _drain(self, now: float) -> None:
        """Handle the connection's events one by one, each request answered (or held) before
        the next is read."""
        next_event = self.conn.next_event
        handle = self._handle
        while (event := next_event(now=now)) is not None:
            handle(event, now)

    def pause_writing(self) -> None:
        """The ESME does not read its answers: stop reading its requests."""
        if self.transport is not None and self.reading and not self.closed:
            self.reading = False
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.reading and not self.closed:
            self.reading = True
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed("closed by the peer" if exc is None else f"connection lost: {exc}")

    # -- events ----------------------------------------------------------------------------------
    def _handle(self, event: Event, now: float) -> None:
        tap = self._runtime.tap
        if tap is not None:
            self._tap_in(tap, event, now)
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
        elif isinstance(event, UnbindHeld):
            self._record(
                "in",
                f"{describe_pdu(event.pdu)} (answered after {event.held} held answer(s))",
                event.pdu,
            )
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
        replay = self._runtime.replay
        if replay is not None:
            answer = replay.smpp(self.fake.name, self.listener.name, self.info.id, encode(request))
            if answer is not None:  # the recorded submit_sm_resp (message id included)
                # Through the connection, which then knows the request is answered (an unbind
                # behind it waits for no answer, the window frees up).
                data = self.conn.send(decode(answer), now=now)
                self._record_pdu("out", data)
                self._write(data)
                return
        fault = self._fault(request)
        if fault is not None and self._request_fault(fault, request, now):
            return
        response, ruled = self.service.handle_request(self.info, request)
        if ruled is not None:  # a scenario rule's fault on this submit
            self._submit_fault(ruled, request, response, now)
            return
        assert response is not None
        data = self.conn.send(response, now=now)
        self._record_pdu("out", data)
        self._write(data)

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
        # The clock event waits for the loop (`call_sync`): what the timer does happens at
        # its virtual instant, before the clock moves on.
        self._timer_event = self.fake.clock.call_at(
            when,
            lambda: self.server.call_sync(lambda: self._on_timer(deadline)),
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

    # -- output ----------------------------------------------------------------------------------
    def _send(self, data: bytes, pdu: Pdu | None = None) -> None:
        """Write `data`; with `pdu`, `data` is its encoding (what `SmscConnection.send` returns),
        journaled as those bytes."""
        if pdu is not None:
            self._record_pdu("out", data)
        else:
            for summary in describe_bytes(data):
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
            tap = self._runtime.tap
            if tap is not None:
                self._tap_out(tap, data)
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
        if not hasattr(self, "info"):
            return
        self.server.forget_session(self.info.id)
        if self.info.generation == self.service.generation:
            # A session of an earlier test (closed by the reset, or by its client later) leaves
            # no line in this test's journal.
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

    # -- recording (`core/tap.py`) ------------------------------------------------------------
    def _tap_in(self, tap: Tap, event: Event, now: float) -> None:
        if type(event) is RequestReceived:  # the hot path: the frame as it was read
            frame = event.frame or encode(event.pdu)
        elif isinstance(event, EnquireLinkSent):  # ours: recorded when written
            return
        else:
            pdu = getattr(event, "pdu", None)
            frame = getattr(event, "frame", b"") or (encode(pdu) if isinstance(pdu, Pdu) else b"")
        info = getattr(self, "info", None)
        if frame and info is not None:
            tap.smpp(self._name, self.listener.name, info.id, now, "in", frame)

    def _tap_out(self, tap: Tap, data: bytes) -> None:
        """Every PDU written, one by one (`data` holds all a flush writes)."""
        info = getattr(self, "info", None)
        if info is None:
            return
        now = self.server.vnow()
        offset = 0
        while offset + 16 <= len(data):
            length = int.from_bytes(data[offset : offset + 4], "big")
            if length < 16:
                break
            tap.smpp(
                self._name, self.listener.name, info.id, now, "out", data[offset : offset + length]
            )
            offset += length

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
        self._record_kind(self._pdu_kinds[direction], (session, pdu))

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
