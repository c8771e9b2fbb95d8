"""`SmscConnection`: the sans-IO SMSC side of one SMPP session.

Like h11's `Connection`: bytes in (`receive_data`), events out, one at a time (`next_event`);
PDUs in, bytes out (`send` and its helpers). It owns framing (`PduReader`), the session state
(`session.TABLE`), sequence numbers of SMSC-originated requests, both windows of outstanding
requests and the keep-alive timers. It does no I/O and reads no clock: every call that can move
time takes `now` (seconds, any monotonic origin).

Protocol-level trouble is answered by the connection itself (enquire_link_resp, unbind_resp,
generic_nack, ESME_RINVBNDSTS, ESME_RALYBND, window overflow...). Every event carries `data`:
the bytes to write *now*, in order (empty if none). Decisions belong to the application: a
bind is a `BindRequested` event answered with `accept_bind` / `reject_bind`, a submit_sm is a
`RequestReceived` event answered with `accept_submit` / `reject` / `send(<response pdu>)`.

Events are handed out one by one, so the application answers a request before the next one is
read: what happens to a stream of PDUs does not depend on how TCP cut it into reads.

Windowing: at most `window` ESME requests may be *held*, handed to the application and not
answered yet (an answer delayed by a scenario fault, one never given). A request beyond that is
refused with `window_status`, by default ESME_RMSGQFUL (0x14, "message queue full": the
answers it waits for are queued at the SMSC); answers given at once never fill it. Rate limits
(ESME_RTHROTTLED, 0x58) are a provider policy about messages per second and belong to the
profile. The application sending past its own window gets `LocalProtocolError` with
`window_status`. enquire_link and unbind are never counted: they keep working when the window
is full. An unbind is answered after every answer held before it (state CLOSING meanwhile).

Transport loop sketch::

    conn = SmscConnection(now=clock())
    conn.receive_data(chunk, now=clock())
    while (event := conn.next_event(now=clock())) is not None:
        if event.data: writer.write(event.data)
        match event:
            case BindRequested():
                writer.write(conn.accept_bind(system_id="smsc", now=t))
            case RequestReceived(pdu=SubmitSm() as sm):
                writer.write(conn.accept_submit(sm, "id1", now=t))
            case ConnectionClosed(): writer.close()
    # and on a timer: the same loop over conn.check_timers(now), waking at conn.next_deadline()
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable

from pytest_smsmock.core.frozen import unchecked_builder, value_class
from pytest_smsmock.smpp.codec import DEFAULT_MAX_COMMAND_LENGTH, PduReader, encode
from pytest_smsmock.smpp.constants import CommandId, CommandStatus, is_response
from pytest_smsmock.smpp.errors import DecodeError, LocalProtocolError, SmppError
from pytest_smsmock.smpp.pdus import (
    PDU_TYPES,
    Bind,
    BindResp,
    DataSm,
    DataSmResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    Pdu,
    Request,
    Response,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
    SubmitSmResp,
    Unbind,
    UnbindResp,
    error_response,
)
from pytest_smsmock.smpp.session import (
    Action,
    Outcome,
    Sender,
    State,
    outcome_for,
)
from pytest_smsmock.smpp.tlvs import Tlv

__all__ = [
    "SUBMIT_STATES",
    "BindRequested",
    "ConnectionClosed",
    "EnquireLinkAnswered",
    "EnquireLinkSent",
    "Event",
    "Refused",
    "RequestReceived",
    "RequestTimedOut",
    "ResponseReceived",
    "SessionConfig",
    "SmscConnection",
    "UnbindAnswered",
    "UnbindHeld",
    "UnexpectedResponse",
]

_S = CommandStatus
_MAX_SEQUENCE = 0x7FFFFFFF
#: The states where the table hands an ESME's submit_sm to the application and lets the SMSC
#: answer it without a state change: the submit hot paths of `next_event` and `send`. Derived
#: from the table, not restated (tests check the hot paths decide as the generic ones do). A
#: tuple: its membership test compares by identity in C, where a set would hash the state
#: through `Enum.__hash__`, a Python call (two per submit_sm).
SUBMIT_STATES = tuple(
    state
    for state in State
    if outcome_for(state, Sender.ESME, CommandId.SUBMIT_SM).action is Action.DELIVER
    and outcome_for(state, Sender.SMSC, CommandId.SUBMIT_SM_RESP).action is Action.SEND
    and outcome_for(state, Sender.SMSC, CommandId.SUBMIT_SM_RESP).next_state is None
)

#: `State.CLOSED` as a module constant for the per-PDU checks of `receive_data` and
#: `next_event`: in CPython 3.11 reading an enum member off its class is a Python-level
#: descriptor call (~0.3k instructions).
_CLOSED = State.CLOSED


@value_class
class SessionConfig:
    """Per-session knobs; the provider profile fills them from its document.

    Times are seconds; None disables the timer.
    """

    window: int = 10
    window_status: int = _S.ESME_RMSGQFUL
    enquire_link_interval: float | None = None  # SMSC sends enquire_link after this silence
    inactivity_timeout: float | None = None  # close when the ESME is silent this long
    bind_timeout: float | None = None  # close when not bound this long after connecting
    response_timeout: float | None = None  # give up on an SMSC request unanswered this long
    # Unbind and close when the SMSC's enquire_link is unanswered this long (the provider's
    # keep-alive timeout); None: an unanswered enquire_link times out like any request.
    keepalive_timeout: float | None = None
    max_command_length: int = DEFAULT_MAX_COMMAND_LENGTH
    # Requests the provider implements (None: all of SMPP 3.4); others get generic_nack
    # ESME_RINVCMDID, as Infobip documents for anything but bind/unbind/submit/enquire_link.
    supported_commands: frozenset[int] | None = None

    def __post_init__(self) -> None:
        if self.window < 1:
            raise ValueError(f"window must be at least 1, not {self.window}")


# -- events -------------------------------------------------------------------------------------


@value_class
class Event:
    """Something the application should know; `data` is what to write now (may be empty)."""

    data: bytes = b""


@value_class
class BindRequested(Event):
    """Answer with `accept_bind` or `reject_bind`."""

    pdu: Bind


@value_class
class RequestReceived(Event):
    """A request for the application (submit_sm, submit_multi, data_sm, query_sm, cancel_sm,
    replace_sm); answer with `accept_submit`, `reject` or `send`. `frame` is the request as
    it was read (a journal can keep those bytes rather than the decoded object)."""

    pdu: Request
    frame: bytes = b""


@value_class
class ResponseReceived(Event):
    """The ESME answered one of the SMSC's requests."""

    pdu: Response
    request: Request


@value_class
class UnexpectedResponse(Event):
    """A response matching no outstanding request; not answered (answering could loop)."""

    pdu: Response


@value_class
class EnquireLinkAnswered(Event):
    pdu: EnquireLink


@value_class
class UnbindAnswered(Event):
    pdu: Unbind


@value_class
class UnbindHeld(Event):
    """The ESME unbound while answers to its earlier requests are still held: the connection
    answers the unbind after the last of them (`UnbindAnswered`, then `ConnectionClosed`, from
    `next_event`)."""

    pdu: Unbind
    held: int


@value_class
class Refused(Event):
    """The connection answered an error itself: a PDU that does not decode, a command in the
    wrong state, an unsupported command, a full window. `pdu` is None when it did not decode."""

    error: SmppError
    pdu: Pdu | None = None


@value_class
class EnquireLinkSent(Event):
    """The keep-alive timer sent an enquire_link (from `check_timers`)."""

    pdu: EnquireLink


@value_class
class RequestTimedOut(Event):
    """An SMSC request got no response within `response_timeout`; its window slot is freed."""

    request: Request


@value_class
class ConnectionClosed(Event):
    """Write what came before, then close the transport. Always the last event."""

    reason: str


#: `RequestReceived(data=..., pdu=..., frame=...)`, positionally.
_request_received = unchecked_builder(RequestReceived)


def _windowed(requests: Iterable[Request]) -> int:
    """How many of these requests count against the window."""
    return sum(1 for request in requests if not isinstance(request, EnquireLink | Unbind | Bind))


# -- the connection -----------------------------------------------------------------------------


class SmscConnection:
    """The SMSC side of one SMPP session. Not thread-safe: one owner drives it."""

    def __init__(self, *, now: float, config: SessionConfig | None = None) -> None:
        self.config = config if config is not None else SessionConfig()
        self._state = State.OPEN
        self._reader = PduReader(max_command_length=self.config.max_command_length)
        self._opened_at = now
        self._last_received = now
        self._next_sequence = 1
        # Frames read and not handed out yet (`next_event` takes them from `_next` on), and
        # events the connection produced by itself after an answer (a held unbind's answer).
        self._frames: list[tuple[bytes, Pdu | DecodeError]] = []
        self._next = 0
        self._queued: deque[Event] = deque()
        self._inbound: dict[int, Request] = {}  # ESME requests awaiting the application
        self._inbound_windowed = 0  # how many of them count against the window (not the bind)
        self._outbound: dict[int, tuple[Request, float]] = {}  # SMSC requests awaiting the ESME
        self._bind: Bind | None = None
        self._unbind: Unbind | None = None  # an ESME unbind held behind answers (CLOSING)
        self.bound_system_id: str | None = None
        supported = self.config.supported_commands
        self._submits = supported is None or CommandId.SUBMIT_SM in supported
        # The table's outcomes for the current state, by command_id: looked up once per state
        # (every submit_sm and its response would otherwise hash enums into the table).
        self._outcomes_state: State | None = None
        self._outcomes: dict[tuple[Sender, int], Outcome] = {}

    # -- inspection ---------------------------------------------------------------------------

    @property
    def state(self) -> State:
        return self._state

    @property
    def closed(self) -> bool:
        return self._state is State.CLOSED

    @property
    def pending_requests(self) -> tuple[Request, ...]:
        """ESME requests handed to the application and not answered yet."""
        return tuple(self._inbound.values())

    @property
    def outstanding_requests(self) -> tuple[Request, ...]:
        """SMSC requests sent and not answered yet."""
        return tuple(request for request, _sent in self._outbound.values())

    @property
    def window_free(self) -> int:
        """How many more windowed requests the SMSC may send now."""
        return max(0, self.config.window - _windowed(r for r, _sent in self._outbound.values()))

    # -- input --------------------------------------------------------------------------------

    def receive_data(self, data: bytes, *, now: float) -> None:
        """Feed bytes from the ESME; take what they mean from `next_event`."""
        if self._state is _CLOSED:
            return
        self._last_received = now
        frames = self._reader.feed_frames(data)
        if not frames:
            return
        if self._next >= len(self._frames):
            self._frames = frames
            self._next = 0
        else:
            self._frames.extend(frames)

    def next_event(self, *, now: float) -> Event | None:
        """The next event of what was received, answers included; None when every byte fed so
        far is accounted for. Answer a request before asking for the next event: the window
        counts the answers held when a request is read."""
        queued = self._queued
        if queued:
            return queued.popleft()
        frames = self._frames
        while self._next < len(frames):
            if self._state is _CLOSED:
                frames.clear()
                self._next = 0
                return None
            frame, item = frames[self._next]
            self._next += 1
            if (
                type(item) is SubmitSm
                and self._submits
                and self._state in SUBMIT_STATES
                and item.sequence_number not in self._inbound
                and self._inbound_windowed < self.config.window
            ):
                # The fast path: what `_on_pdu` and `_deliver` decide for a submit_sm that fits
                # the window where the table delivers it (SUBMIT_STATES is read off the table).
                self._inbound[item.sequence_number] = item
                self._inbound_windowed += 1
                return _request_received(b"", item, frame)
            if isinstance(item, DecodeError):
                events = self._on_decode_error(item)
            else:
                events = self._on_pdu(item, now, frame)
            if events:
                queued.extend(events[1:])
                return events[0]
        if frames:
            frames.clear()
            self._next = 0
        return None

    def _on_decode_error(self, error: DecodeError) -> list[Event]:
        if error.fatal:
            nack = encode(GenericNack(sequence_number=0, command_status=error.status))
            self._state = State.CLOSED
            return [
                Refused(error=error, data=nack),
                ConnectionClosed(reason=f"unframeable input: {error}"),
            ]
        assert error.command_id is not None
        assert error.sequence_number is not None
        if is_response(error.command_id) and error.command_id in PDU_TYPES:
            return [Refused(error=error)]  # a broken response is never answered
        answer = error_response(error.command_id, error.sequence_number, error.status)
        return [Refused(error=error, data=encode(answer))]

    def _outcome(self, sender: Sender, command_id: int) -> Outcome:
        """`outcome_for(self._state, sender, command_id)`, remembered while the state lasts."""
        if self._outcomes_state is not self._state:
            self._outcomes_state = self._state
            self._outcomes = {}
        key = (sender, command_id)
        outcome = self._outcomes.get(key)
        if outcome is None:
            outcome = self._outcomes[key] = outcome_for(self._state, sender, command_id)
        return outcome

    def _on_pdu(self, pdu: Pdu, now: float, frame: bytes = b"") -> list[Event]:
        supported = self.config.supported_commands
        if supported is not None and isinstance(pdu, Request) and pdu.command_id not in supported:
            return [self._refuse(pdu, _S.ESME_RINVCMDID, "not supported by this SMSC", nack=True)]
        outcome = self._outcome(Sender.ESME, pdu.command_id)
        action = outcome.action
        if action is Action.DELIVER:  # a request for the application (the table: requests only)
            return self._deliver(pdu, frame)  # type: ignore[arg-type]
        if action is Action.IGNORE:
            return []
        if isinstance(pdu, Response):
            return self._on_response(pdu, outcome.next_state)
        assert isinstance(pdu, Request)
        if action is Action.NACK:
            return [self._refuse(pdu, outcome.status, f"in state {self._state.value}", nack=True)]
        if action is Action.REJECT:
            return [self._refuse(pdu, outcome.status, f"in state {self._state.value}")]
        if action is Action.ANSWER_ENQUIRE_LINK:
            assert isinstance(pdu, EnquireLink)
            resp = EnquireLinkResp(sequence_number=pdu.sequence_number)
            return [EnquireLinkAnswered(pdu=pdu, data=encode(resp))]
        if action is Action.ANSWER_UNBIND:
            assert isinstance(pdu, Unbind)
            if self._inbound_windowed and outcome.held_state is not None:
                # Requests before it are answered first: the unbind waits for the last one.
                self._unbind = pdu
                self._state = outcome.held_state
                return [UnbindHeld(pdu=pdu, held=self._inbound_windowed)]
            return self._answer_unbind(pdu)
        if pdu.sequence_number in self._inbound:
            return [self._refuse(pdu, _S.ESME_RSYSERR, "sequence_number already outstanding")]
        if action is Action.BIND:
            assert isinstance(pdu, Bind)
            self._inbound[pdu.sequence_number] = pdu
            self._bind = pdu
            self._state = State.BINDING
            return [BindRequested(pdu=pdu)]
        return self._deliver(pdu, frame)

    def _answer_unbind(self, pdu: Unbind) -> list[Event]:
        resp_bytes = encode(UnbindResp(sequence_number=pdu.sequence_number))
        self._close()
        return [UnbindAnswered(pdu=pdu, data=resp_bytes), ConnectionClosed(reason="unbind")]

    def _deliver(self, pdu: Request, frame: bytes = b"") -> list[Event]:
        """Action.DELIVER: hand the request to the application, within the window."""
        if pdu.sequence_number in self._inbound:
            return [self._refuse(pdu, _S.ESME_RSYSERR, "sequence_number already outstanding")]
        if self._inbound_windowed >= self.config.window:
            return [
                self._refuse(
                    pdu,
                    self.config.window_status,
                    f"window of {self.config.window} outstanding requests is full",
                )
            ]
        self._inbound[pdu.sequence_number] = pdu
        self._inbound_windowed += 1
        return [_request_received(b"", pdu, frame)]

    def _on_response(self, pdu: Response, next_state: State | None) -> list[Event]:
        entry = self._outbound.get(pdu.sequence_number)
        if entry is None:
            return [UnexpectedResponse(pdu=pdu)]
        request, _sent = entry
        if not isinstance(pdu, GenericNack) and pdu.command_id != request.command_id | 0x80000000:
            return [UnexpectedResponse(pdu=pdu)]
        del self._outbound[pdu.sequence_number]
        events: list[Event] = [ResponseReceived(pdu=pdu, request=request)]
        if next_state is State.CLOSED:
            self._close()
            events.append(ConnectionClosed(reason="unbind_resp"))
        return events

    def _refuse(self, pdu: Request, status: int, why: str, *, nack: bool = False) -> Refused:
        name = pdu.command_id.name.lower()
        error = SmppError(f"{name} refused with 0x{status:08X}: {why}", status=status)
        answer = (
            GenericNack(sequence_number=pdu.sequence_number, command_status=status)
            if nack
            else error_response(pdu.command_id, pdu.sequence_number, status)
        )
        return Refused(error=error, pdu=pdu, data=encode(answer))

    # -- output -------------------------------------------------------------------------------

    def next_sequence_number(self) -> int:
        """A sequence number for an SMSC-originated request (1..0x7FFFFFFF, wrapping, never
        one that is still outstanding)."""
        while True:
            number = self._next_sequence
            self._next_sequence = 1 if number >= _MAX_SEQUENCE else number + 1
            if number not in self._outbound:
                return number

    def send(self, pdu: Pdu, *, now: float) -> bytes:
        """Encode a PDU the application sends, after checking the session allows it.

        Requests are tracked until their response (or `response_timeout`); a response must
        answer a pending ESME request of the matching command. Raises `LocalProtocolError`.
        """
        if type(pdu) is SubmitSmResp and self._state in SUBMIT_STATES:
            # The hot path: the answer to a pending submit_sm (what `_send_response` decides
            # for this pair, without the generic lookups).
            request = self._inbound.get(pdu.sequence_number)
            if type(request) is SubmitSm:
                data = encode(pdu)
                del self._inbound[pdu.sequence_number]
                self._inbound_windowed -= 1
                return data
        outcome = self._outcome(Sender.SMSC, pdu.command_id)
        if outcome.action is not Action.SEND:
            raise LocalProtocolError(
                f"cannot send {pdu.command_id.name.lower()} in state {self._state.value}",
                status=outcome.status,
            )
        if isinstance(pdu, Response):
            return self._send_response(pdu, outcome.next_state, outcome.error_state)
        assert isinstance(pdu, Request)
        if pdu.sequence_number in self._outbound:
            raise LocalProtocolError(
                f"sequence_number {pdu.sequence_number} is already outstanding",
                status=_S.ESME_RSYSERR,
            )
        if _windowed([pdu]) and self.window_free == 0:
            raise LocalProtocolError(
                f"cannot send {pdu.command_id.name.lower()}: the window of "
                f"{self.config.window} outstanding requests is full",
                status=self.config.window_status,
            )
        data = encode(pdu)
        if pdu.command_id not in (CommandId.ALERT_NOTIFICATION, CommandId.OUTBIND):
            self._outbound[pdu.sequence_number] = (pdu, now)
        if outcome.next_state is not None:
            self._state = outcome.next_state
        return data

    def _send_response(
        self, pdu: Response, next_state: State | None, error_state: State | None
    ) -> bytes:
        request = self._inbound.get(pdu.sequence_number)
        if request is None:
            raise LocalProtocolError(
                f"{pdu.command_id.name.lower()} answers no pending request "
                f"(sequence_number {pdu.sequence_number})",
                status=_S.ESME_RSYSERR,
            )
        if not isinstance(pdu, GenericNack) and pdu.command_id != request.command_id | 0x80000000:
            raise LocalProtocolError(
                f"{pdu.command_id.name.lower()} cannot answer {request.command_id.name.lower()}",
                status=_S.ESME_RSYSERR,
            )
        data = encode(pdu)
        del self._inbound[pdu.sequence_number]
        if not isinstance(request, Bind):
            self._inbound_windowed -= 1
            unbind = self._unbind
            if unbind is not None and not self._inbound_windowed:
                # The last answer an unbind waited for: its answer is the next event.
                self._unbind = None
                self._queued.extend(self._answer_unbind(unbind))
        else:
            self._bind = None
            ok = pdu.command_status == _S.ESME_ROK
            target = next_state if ok else error_state
            if target is not None:
                self._state = target
            if ok:
                self.bound_system_id = request.system_id
        return data

    def accept_bind(self, *, system_id: str, now: float, tlvs: tuple[Tlv, ...] = ()) -> bytes:
        """Answer the pending bind with ESME_ROK; `system_id` is the SMSC's own id."""
        bind = self._pending_bind()
        cls = PDU_TYPES[bind.command_id | 0x80000000]
        assert issubclass(cls, BindResp)
        return self.send(
            cls(sequence_number=bind.sequence_number, system_id=system_id, tlvs=tlvs), now=now
        )

    def reject_bind(self, status: int, *, now: float, system_id: str | None = None) -> bytes:
        """Refuse the pending bind (back to OPEN). The body is omitted unless `system_id` is
        given, as the spec allows for error responses."""
        if status == _S.ESME_ROK:
            raise LocalProtocolError("reject_bind needs an error status", status=_S.ESME_RSYSERR)
        bind = self._pending_bind()
        cls = PDU_TYPES[bind.command_id | 0x80000000]
        assert issubclass(cls, BindResp)
        resp = cls(sequence_number=bind.sequence_number, command_status=status, system_id=system_id)
        return self.send(resp, now=now)

    def _pending_bind(self) -> Bind:
        if self._bind is None:
            raise LocalProtocolError("no bind is pending", status=_S.ESME_RINVBNDSTS)
        return self._bind

    def accept_submit(
        self,
        request: SubmitSm | SubmitMulti | DataSm,
        message_id: str,
        *,
        now: float,
        tlvs: tuple[Tlv, ...] = (),
    ) -> bytes:
        """Answer a submit_sm / submit_multi / data_sm with ESME_ROK and the message id."""
        resp: Response
        if isinstance(request, SubmitSm):
            resp = SubmitSmResp(
                sequence_number=request.sequence_number, message_id=message_id, tlvs=tlvs
            )
        elif isinstance(request, SubmitMulti):
            resp = SubmitMultiResp(
                sequence_number=request.sequence_number, message_id=message_id, tlvs=tlvs
            )
        else:
            resp = DataSmResp(
                sequence_number=request.sequence_number, message_id=message_id, tlvs=tlvs
            )
        return self.send(resp, now=now)

    def reject(self, request: Request, status: int, *, now: float) -> bytes:
        """Answer a pending request with an error status (body omitted where allowed)."""
        if isinstance(request, Bind):
            return self.reject_bind(status, now=now)
        return self.send(
            error_response(request.command_id, request.sequence_number, status), now=now
        )

    def close(self) -> None:
        """The transport is gone (or the application closes it): nothing more is exchanged."""
        self._close()

    def _close(self) -> None:
        self._state = State.CLOSED
        self._inbound.clear()
        self._inbound_windowed = 0
        self._outbound.clear()
        self._bind = None
        self._unbind = None
        self._frames = []
        self._next = 0

    # -- timers -------------------------------------------------------------------------------

    def next_deadline(self) -> float | None:
        """When `check_timers` next has something to do, or None."""
        deadlines = [deadline for deadline, _kind in self._deadlines()]
        return min(deadlines) if deadlines else None

    def _deadlines(self) -> list[tuple[float, str]]:
        if self._state is State.CLOSED:
            return []
        config = self.config
        found: list[tuple[float, str]] = []
        keepalive = config.keepalive_timeout
        for request, sent in self._outbound.values():
            if keepalive is not None and type(request) is EnquireLink:
                found.append((sent + keepalive, "keepalive"))
            elif config.response_timeout is not None:
                found.append((sent + config.response_timeout, "response"))
        if config.bind_timeout is not None and self._state in (State.OPEN, State.BINDING):
            found.append((self._opened_at + config.bind_timeout, "bind"))
        if config.inactivity_timeout is not None:
            found.append((self._last_received + config.inactivity_timeout, "inactivity"))
        if (
            config.enquire_link_interval is not None
            and self._state in (State.BOUND_TX, State.BOUND_RX, State.BOUND_TRX)
            and not any(isinstance(r, EnquireLink) for r, _sent in self._outbound.values())
        ):
            found.append((self._last_received + config.enquire_link_interval, "enquire_link"))
        return found

    def check_timers(self, *, now: float) -> list[Event]:
        """Act on every deadline that is due at `now`: time out SMSC requests, close for
        bind timeout or inactivity, send an enquire_link after silence."""
        events: list[Event] = []
        due = {kind for deadline, kind in self._deadlines() if deadline <= now}
        keepalive = self.config.keepalive_timeout
        if "keepalive" in due:
            # The provider's keep-alive timeout: unbind, then close (no unbind_resp awaited
            # from a peer that answers nothing).
            assert keepalive is not None
            probe = next(r for r, sent in self._outbound.values() if type(r) is EnquireLink)
            unbind = Unbind(sequence_number=self.next_sequence_number())
            data = encode(unbind)
            self._close()
            reason = (
                f"no answer to enquire_link #{probe.sequence_number} within {keepalive:g} s "
                "(keep-alive timeout)"
            )
            events.append(RequestTimedOut(request=probe))
            events.append(ConnectionClosed(reason=reason, data=data))
            return events
        if "response" in due:
            timeout = self.config.response_timeout
            assert timeout is not None
            for number, (request, sent) in list(self._outbound.items()):
                probing = keepalive is not None and type(request) is EnquireLink
                if sent + timeout <= now and not probing:
                    del self._outbound[number]
                    events.append(RequestTimedOut(request=request))
        for kind, reason in (
            ("bind", f"not bound within {self.config.bind_timeout} s"),
            ("inactivity", f"nothing received for {self.config.inactivity_timeout} s"),
        ):
            if kind in due:
                self._close()
                events.append(ConnectionClosed(reason=reason))
                return events
        if "enquire_link" in due:
            pdu = EnquireLink(sequence_number=self.next_sequence_number())
            events.append(EnquireLinkSent(pdu=pdu, data=self.send(pdu, now=now)))
        return events
