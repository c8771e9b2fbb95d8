"""The provider-neutral SMPP application: binds, submits, receipts and MO, over `core`.

`servers/smpp/` owns the sockets and one `SmscConnection` per session; it hands this layer
what the protocol core cannot decide (a bind, a submit_sm, the answer to a deliver_sm). One
`SmppService` per fake; each provider subclasses it in its own package (`infobip/smpp.py`, ...)
and overrides the class attributes and hooks: bind rules, session limits, validation codes,
receipt text and TLVs. A fake names its service class in `ProviderFake.smpp_service`.

Submits go through the one submission path (`providers/submission.py`) and become ordinary
core `Message`s (``protocol="smpp"``), so scenarios, lifecycle plans, charging and the journal
work as for HTTP; a scenario fault comes back with the answer for the listener to perform. A long
message the ESME splits itself (UDH, esm_class 0x40) is one submit_sm per part, and so one
`Message` per part with its own id, price and receipt, as SMSCs bill and report it;
``extra["concat"]`` (`ConcatInfo`: ref, total, seq) ties the parts together. A long text sent
whole (message_payload, or a short_message over one SMS) is one `Message` with ``parts`` > 1.
Receipts:

- The fake's lifecycle calls `on_status_change` on whatever thread moves the clock. The receipt
  is queued for the message's account right there (core state, under a lock), and once the
  events of that virtual instant have run the listener pumps the queue on its loop while the
  clock waits (`SmppTransport.call_sync`): the deliver_sm goes out, and is journaled, at the
  instant it fell due, and `clock.advance()` returns with it handed to the socket.
- A queued receipt goes to a receiver or transceiver session of that account, round-robin over
  the ones with room in their window; with none bound it waits for the next bind.
- deliver_sm_resp with an error, or none within the session's `response_timeout` (virtual
  seconds), sends the receipt again after the provider's `redelivery` delays (virtual time);
  a session that closes with receipts in flight puts them back at the head of the queue.
- registered_delivery bits 0-1: 0 no receipt, 1 every final state, 2 failures only; bit 4
  (intermediate notification) also reports enroute/accepted.

MO: `inject_mo` goes out as deliver_sm when the message says ``protocol="smpp"``, the fake has no
other channel, or a receiver of the account (any account when none is named) is bound.

Threads: session methods run on the listener's loop; `on_status_change` / `deliver_mo` run on the
clock's thread. `_lock` guards the session registry and the queues and is never held while
calling out.
"""

from __future__ import annotations

import codecs
import threading
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, Protocol

from pytest_smsmock.core.encoding import (
    GSM7_BASIC,
    GSM7_ESCAPE,
    ConcatInfo,
    Encoding,
    EncodingError,
    count_parts,
    decode_gsm7,
    decode_ucs2,
    encode_gsm7,
    encode_ucs2,
    is_gsm7,
    parse_udh,
    segment,
    split_octets,
    split_udh,
)
from pytest_smsmock.core.frozen import new_tuple, positional_builder, record_class, slot_setter
from pytest_smsmock.core.messages import (
    FINAL_STATUSES,
    InboundMessage,
    Message,
    Status,
    StatusChange,
)
from pytest_smsmock.core.tunables import restore_class_settings
from pytest_smsmock.errors import Refusal
from pytest_smsmock.providers import submission as submission_path
from pytest_smsmock.providers.submission import Draft, SubmitResult
from pytest_smsmock.scenario.faults import ReceiptEffect, SmppContext, SmppFault, SubmitEffect
from pytest_smsmock.smpp.connection import SessionConfig
from pytest_smsmock.smpp.constants import CommandId, CommandStatus, MessageState
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import (
    Bind,
    BindReceiver,
    BindTransceiver,
    CancelSm,
    DataSm,
    DataSmResp,
    DeliverSm,
    DistributionList,
    QuerySm,
    QuerySmResp,
    ReplaceSm,
    ReplaceSmResp,
    Request,
    Response,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
    SubmitSmResp,
    UnsuccessSme,
    response_to,
    trusted,
)
from pytest_smsmock.smpp.times import parse_time
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag, tlv_value

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.lifecycle import Plan
    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.scenario.decisions import SubmitDecision

__all__ = [
    "DEFAULT_COMMANDS",
    "MULTI_AND_REPLACE",
    "Content",
    "Outbound",
    "SessionLink",
    "SmppReject",
    "SmppService",
    "SmppSession",
    "SmppTransport",
    "decode_content",
]

_S = CommandStatus
_C = CommandId

#: Requests the generic SMSC answers (others: generic_nack ESME_RINVCMDID).
DEFAULT_COMMANDS = frozenset(
    {
        _C.BIND_TRANSMITTER,
        _C.BIND_RECEIVER,
        _C.BIND_TRANSCEIVER,
        _C.UNBIND,
        _C.SUBMIT_SM,
        _C.DATA_SM,
        _C.QUERY_SM,
        _C.CANCEL_SM,
        _C.ENQUIRE_LINK,
    }
)

#: submit_multi and replace_sm: served by a profile whose document lists the status codes only
#: they produce (0x13 ESME_RREPLACEFAIL; 0x33, 0x40, 0x44 of submit_multi).
MULTI_AND_REPLACE = frozenset({_C.SUBMIT_MULTI, _C.REPLACE_SM})

MESSAGE_STATES: dict[Status, int] = {
    Status.ACCEPTED: MessageState.ACCEPTED,
    Status.SCHEDULED: MessageState.ACCEPTED,
    Status.ENROUTE: MessageState.ENROUTE,
    Status.DELIVERED: MessageState.DELIVERED,
    Status.UNDELIVERABLE: MessageState.UNDELIVERABLE,
    Status.EXPIRED: MessageState.EXPIRED,
    Status.REJECTED: MessageState.REJECTED,
    Status.UNKNOWN: MessageState.UNKNOWN,
    Status.DELETED: MessageState.DELETED,
}

#: The ``stat:`` words of SMPP 3.4 Appendix B.
RECEIPT_STATS: dict[Status, str] = {
    Status.ACCEPTED: "ACCEPTD",
    Status.SCHEDULED: "ACCEPTD",
    Status.ENROUTE: "ENROUTE",
    Status.DELIVERED: "DELIVRD",
    Status.UNDELIVERABLE: "UNDELIV",
    Status.EXPIRED: "EXPIRED",
    Status.REJECTED: "REJECTD",
    Status.UNKNOWN: "UNKNOWN",
    Status.DELETED: "DELETED",
}

_REPORTS = ("none", "all", "failure", "all")  # Message.report by registered_delivery bits 0-1
#: `Message(...)` of a submit with these fields, positionally in this order (the others get their
#: defaults): the keyword call cost 16k instructions per submit, this one 4.5k (`core/frozen`).
_new_message = positional_builder(
    Message,
    (
        "message_id",
        "provider",
        "account",
        "to",
        "sender",
        "text",
        "submitted_at",
        "protocol",
        "api",
        "parts",
        "encoding",
        "data_coding",
        "binary",
        "flash",
        "scheduled_at",
        "expires_at",
        "report",
        "price",
        "extra",
    ),
)
_SUBMIT_SM_RESP = trusted(SubmitSmResp)

_MODES: dict[type[Bind], str] = {BindReceiver: "rx", BindTransceiver: "trx"}
_FAILURES = frozenset(
    {Status.UNDELIVERABLE, Status.EXPIRED, Status.REJECTED, Status.UNKNOWN, Status.DELETED}
)


class SmppReject(SmppError, Refusal):
    """A request the profile refuses; `status` is the command_status of the answer."""


class SessionLink(Protocol):
    """What the listener lends a session (loop thread only)."""

    @property
    def window_free(self) -> int: ...

    def send_request(self, build: Callable[[int], Request]) -> Request: ...

    def close(self, reason: str) -> None: ...


class SmppTransport(Protocol):
    """What the listener lends the service."""

    @property
    def in_loop(self) -> bool: ...

    def call_soon(self, callback: Callable[[], object]) -> None: ...

    def call_sync(self, callback: Callable[[], object]) -> None: ...

    def flush(self, timeout: float = 5.0) -> bool: ...

    def close_sessions(self, provider: str, generation: int, *, wait: float) -> None: ...


@record_class(eq=False, kw_only=False)
class Outbound:
    """A deliver_sm waiting for (or on its way to) a receiver: a receipt or an MO."""

    kind: str  # dlr | mo
    key: str  # the account it goes to; "*" for any
    ref: str  # message id
    fields: dict[str, Any]
    attempts: int = 0


@record_class(eq=False, kw_only=False)
class SmppSession:
    """What the application knows of one connection (owned by the listener's loop)."""

    id: int
    provider: str
    listener: str
    tls: bool
    peer: tuple[str, int]
    link: SessionLink
    generation: int
    mode: str | None = None  # tx | rx | trx once bound
    account: Account | None = None
    system_type: str = ""
    bind: Bind | None = None
    inflight: dict[int, Outbound] = field(default_factory=dict)
    data: dict[str, Any] = field(default_factory=dict)  # provider-specific (route, mode...)
    #: ``smpp:<listener>``, the `Message.api` of its submits (built once, not per submit).
    api: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.api = f"smpp:{self.listener}"

    @property
    def receives(self) -> bool:
        return self.mode in ("rx", "trx")

    @property
    def username(self) -> str:
        return self.account.username if self.account is not None else ""

    def describe(self) -> str:
        who = f"{self.username} " if self.account is not None else ""
        return f"session {self.id} ({who}{self.mode or 'unbound'}, {self.listener})"


# -- message content ---------------------------------------------------------------------------


class Content(NamedTuple):
    """The user data of a submit_sm / data_sm, decoded.

    A named tuple rather than a frozen dataclass: as immutable, and built (`new_tuple`, once
    per submit) in a fifth of the instructions of the dataclass's slot setters (bench/README.md,
    "SMPP")."""

    text: str
    encoding: str
    data: bytes  # the user data without the UDH
    udh: bytes | None
    concat: ConcatInfo | None
    payload: bool  # carried in message_payload
    parts: int
    flash: bool
    data_coding: int


_GSM7_CODINGS = frozenset({0x00, 0x01, 0x10, 0xF0})
# Septet -> character for unpacked GSM 7-bit without escapes: a charmap decoding table (one
# character per octet value; octets above 0x7F never reach it, the caller checks `isascii`).
_GSM7_CHARS = {code: char for char, code in GSM7_BASIC.items()}
_GSM7_TABLE = "".join(_GSM7_CHARS.get(octet, "\ufffe") for octet in range(256))
del _GSM7_CHARS
_charmap_decode = codecs.charmap_decode
# Octets of user data that fit one SMS, per encoding (unpacked GSM: one septet per octet).
_SINGLE_LIMIT = {Encoding.GSM7: 160, Encoding.UCS2: 140, Encoding.LATIN1: 140, Encoding.BINARY: 140}
_UCS2_CODINGS = frozenset({0x08, 0x18})
#: The common case's `Encoding.GSM7` as a module constant: in CPython 3.11 reading an enum
#: member off its class is a Python-level descriptor call (~0.3k instructions per submit).
_GSM7 = Encoding.GSM7
_FLASH_CODINGS = frozenset({0x10, 0x18, 0xF0})


def decode_content(pdu: SubmitSm | DataSm) -> Content:
    """Text, encoding, UDH and part count of a submit; `SmppReject` if it cannot be read."""
    tlvs = pdu.tlvs
    payload = tlv_value(tlvs, TlvTag.MESSAGE_PAYLOAD) if tlvs else None
    raw = pdu.short_message if type(pdu) is SubmitSm or isinstance(pdu, SubmitSm) else b""
    if payload is not None:
        if raw:
            raise SmppReject(
                "short_message and message_payload are both set", status=_S.ESME_RINVOPTPARAMVAL
            )
        assert isinstance(payload, bytes)
        raw = payload
    udh: bytes | None = None
    concat: ConcatInfo | None = None
    data = raw
    if pdu.esm_class & 0x40:
        try:
            udh, data = split_udh(raw)
            concat = parse_udh(raw)
        except EncodingError as exc:
            raise SmppReject(f"user data header: {exc}", status=_S.ESME_RINVESMCLASS) from None
    dc = pdu.data_coding
    if dc in _GSM7_CODINGS:
        encoding = _GSM7
        if GSM7_ESCAPE not in data and data.isascii():
            text = _charmap_decode(data, "strict", _GSM7_TABLE)[0]  # the common case, fast
        else:
            try:
                text = decode_gsm7(data)
            except EncodingError:
                # Many ESMEs send ASCII/Latin-1 with data_coding 0 ("SMSC default"): read so.
                text = data.decode("latin-1")
    elif dc == 0x03:
        encoding, text = Encoding.LATIN1, data.decode("latin-1")
    elif dc in _UCS2_CODINGS:
        encoding = Encoding.UCS2
        try:
            text = decode_ucs2(data)
        except EncodingError:
            text = data.decode("utf-16-be", "replace")
    else:
        encoding, text = Encoding.BINARY, ""
    parts = 1
    if udh is None and len(data) > _SINGLE_LIMIT[encoding]:
        # The SMSC splits a long text it was given whole.
        if encoding is Encoding.BINARY:
            parts = len(split_octets(data))
        else:
            try:
                parts = segment(text, encoding=encoding).parts
            except EncodingError:
                parts = count_parts(text)
    return new_tuple(
        Content,
        (
            text,
            _ENCODING_NAMES[encoding],
            data,
            udh,
            concat,
            payload is not None,
            parts,
            dc in _FLASH_CODINGS,
            dc,
        ),
    )


_ENCODING_NAMES = {encoding: str(encoding) for encoding in Encoding}


def _destination_view(
    pdu: SubmitMulti | ReplaceSm,
    ton: int,
    npi: int,
    address: str,
    *,
    data_coding: int | None = None,
    source_addr: str | None = None,
) -> SubmitSm:
    """The submit_sm to one destination that a submit_multi (or a replacement's new content)
    amounts to: what the profile's checks, the content decoding and the message read."""
    return SubmitSm(
        sequence_number=pdu.sequence_number,
        service_type=getattr(pdu, "service_type", ""),
        source_addr_ton=pdu.source_addr_ton,
        source_addr_npi=pdu.source_addr_npi,
        source_addr=pdu.source_addr if source_addr is None else source_addr,
        dest_addr_ton=ton,
        dest_addr_npi=npi,
        destination_addr=address,
        esm_class=getattr(pdu, "esm_class", 0),
        protocol_id=getattr(pdu, "protocol_id", 0),
        priority_flag=getattr(pdu, "priority_flag", 0),
        schedule_delivery_time=pdu.schedule_delivery_time,
        validity_period=pdu.validity_period,
        registered_delivery=pdu.registered_delivery,
        replace_if_present_flag=getattr(pdu, "replace_if_present_flag", 0),
        data_coding=getattr(pdu, "data_coding", 0) if data_coding is None else data_coding,
        sm_default_msg_id=pdu.sm_default_msg_id,
        short_message=pdu.short_message,
        tlvs=pdu.tlvs,
    )


def _smpp_date(moment: datetime | None) -> str:
    """YYMMDDhhmm, as receipts carry dates."""
    if moment is None:
        return "0000000000"
    text = _DATES.get(moment)
    if text is None:
        # Receipts generated by one `advance` share a handful of instants: format each once.
        if len(_DATES) > 4096:
            _DATES.clear()
        m = moment
        text = _DATES[moment] = (
            f"{m.year % 100:02d}{m.month:02d}{m.day:02d}{m.hour:02d}{m.minute:02d}"
        )
    return text


_DATES: dict[datetime, str] = {}


# -- the service -------------------------------------------------------------------------------


class SmppService:
    """Provider-neutral SMPP behaviour of one fake; subclass per provider (see module doc)."""

    #: system_id in bind responses.
    system_id: ClassVar[str] = "smsc"
    #: bound sessions per account (None: no limit).
    max_sessions: ClassVar[int | None] = None
    #: command_status when a bind would exceed `max_sessions`.
    status_too_many_sessions: ClassVar[int] = _S.ESME_RBINDFAIL
    status_no_credit: ClassVar[int] = _S.ESME_RSUBMITFAIL
    status_uncovered: ClassVar[int] = _S.ESME_RINVDSTADR
    status_bad_destination: ClassVar[int] = _S.ESME_RINVDSTADR
    status_bad_source: ClassVar[int] = _S.ESME_RINVSRCADR
    #: Answers an ESME's requests may have held at once (a delayed or withheld answer; beyond:
    #: ESME_RMSGQFUL); answers given at once never count. Read when a session opens.
    window: int = 10
    supported_commands: ClassVar[frozenset[int] | None] = DEFAULT_COMMANDS
    #: Virtual seconds of silence before the SMSC sends enquire_link (None: never).
    enquire_link_interval: float | None = None
    #: Virtual seconds the SMSC's enquire_link may stay unanswered before the SMSC unbinds and
    #: closes the session (the provider's keep-alive timeout; None: never).
    keepalive_timeout: float | None = None
    #: Virtual seconds a deliver_sm waits for its response before it counts as failed.
    response_timeout: ClassVar[float | None] = 60.0
    #: Virtual delays before each redelivery of a refused or unanswered deliver_sm.
    redelivery: ClassVar[tuple[float, ...]] = (60.0, 300.0, 600.0, 1800.0, 3600.0)
    #: Price of one part when the account has no ``price`` option.
    default_price: ClassVar[Decimal] = Decimal("1")
    #: The receipt's "delivered" count field name: ``dlvrd`` in SMPP 3.4 Appendix B.
    receipt_delivered_field: ClassVar[str] = "dlvrd"
    #: Whether the fake has no channel but SMPP (then every MO goes out as deliver_sm).
    smpp_only: ClassVar[bool] = False
    #: The provider's own command_status for PDUs that do not decode: standard -> provider.
    decode_statuses: ClassVar[Mapping[int, int]] = {}

    def __init__(self, fake: ProviderFake) -> None:
        self.fake = fake
        self.transport: SmppTransport | None = None
        self._lock = threading.Lock()
        self._sessions: dict[int, SmppSession] = {}
        self._outbox: dict[str, deque[Outbound]] = {}
        self._rr: dict[str, int] = {}
        self._pump_pending = False
        self.generation = 0
        # `fake.ids("smpp").random.getrandbits`, looked up once per reset (two calls and a
        # property less per submit); the fake reseeds its generators before resetting this.
        self._draw_id: Callable[[int], int] | None = None

    # -- configuration seen by the listener -------------------------------------------------
    def session_config(self) -> SessionConfig:
        return SessionConfig(
            window=self.window,
            enquire_link_interval=self.enquire_link_interval,
            keepalive_timeout=self.keepalive_timeout,
            response_timeout=self.response_timeout,
            supported_commands=self.supported_commands,
        )

    @property
    def provider(self) -> str:
        return self.fake.name

    def attach(self, transport: SmppTransport | None) -> None:
        self.transport = transport
        if transport is not None:
            transport.call_soon(self.pump)

    # -- inspection ----------------------------------------------------------------------------
    def sessions(self, username: str | None = None) -> list[SmppSession]:
        """The open sessions (bound or not), oldest first."""
        self.fake.runtime.settle()
        with self._lock:
            found = list(self._sessions.values())
        return [s for s in found if username is None or s.username == username]

    def bound_sessions(self, username: str | None = None) -> list[SmppSession]:
        return [s for s in self.sessions(username) if s.mode is not None]

    def pending(self, username: str | None = None) -> list[Outbound]:
        """deliver_sm PDUs (receipts and MO) waiting for a receiver."""
        self.fake.runtime.settle()
        with self._lock:
            return [
                item
                for key, queue in self._outbox.items()
                if username is None or key == username
                for item in queue
            ]

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything queued for a bound receiver has been written (True), or
        `timeout` real seconds passed (False). Without a listener there is nothing to wait for.
        Tests do not need it: `clock.advance()` and every read of the fakes' state bring the
        listener up to date (`SmsMock.settle`)."""
        if self.transport is None:
            return True
        return self.transport.flush(timeout)

    def reset(self) -> None:
        """Forget queued deliveries, tunables a test set (``fake.smpp.window = 100``: the
        class value comes back) and close every session of an earlier test."""
        restore_class_settings(self)
        self._draw_id = None
        with self._lock:
            self._outbox.clear()
            self._rr.clear()
            self.generation += 1
            generation = self.generation
            open_sessions = bool(self._sessions)
        # A round trip to the loop thread only when a session is open: most tests use no SMPP,
        # and the reset runs before every test.
        if self.transport is not None and open_sessions:
            self.transport.close_sessions(self.provider, generation, wait=2.0)

    # -- session events (loop thread) --------------------------------------------------------
    def session_opened(self, session: SmppSession) -> None:
        with self._lock:
            self._sessions[session.id] = session

    def session_closed(self, session: SmppSession, reason: str) -> None:
        with self._lock:
            self._sessions.pop(session.id, None)
            # Receipts of a session from before a reset belong to the previous test: dropped,
            # or one closing late (its socket closed as the test ended) would leak them here.
            current = session.generation == self.generation
            back = [*session.inflight.values(), *session.data.pop("held", [])] if current else []
            session.inflight.clear()
            for item in reversed(back):
                self._outbox.setdefault(item.key, deque()).appendleft(item)
        if back:
            self._journal(
                f"{len(back)} deliver_sm unanswered on closed {session.describe()}: requeued"
            )
            self.pump()

    def authenticate(self, session: SmppSession, bind: Bind) -> tuple[int, Account | None]:
        account = self.fake.accounts.get(bind.system_id)
        if account is None:
            return _S.ESME_RINVSYSID, None
        if account.password != bind.password:
            return _S.ESME_RINVPASWD, None
        if account.expired:
            return _S.ESME_RBINDFAIL, None
        return _S.ESME_ROK, account

    def handle_bind(self, session: SmppSession, bind: Bind) -> tuple[int, tuple[Tlv, ...]]:
        """The bind's command_status (and the resp TLVs). On ESME_ROK the session is bound."""
        self.fake.clock.sync()
        status, account = self.authenticate(session, bind)
        mode = _MODES.get(type(bind), "tx")
        if status == _S.ESME_ROK:
            assert account is not None
            status = self.check_bind(session, bind, account, mode)
        if status != _S.ESME_ROK:
            self._journal(
                f"bind {mode} as {bind.system_id!r} refused on {session.describe()}: "
                f"0x{status:08X}",
                {"system_id": bind.system_id, "status": status},
            )
            why = self.diagnose_bind(bind, status)
            if why is not None:
                self.hint(why, {"system_id": bind.system_id, "status": status})
            return status, ()
        session.mode = mode
        session.account = account
        session.system_type = bind.system_type
        session.bind = bind
        self._journal(
            f"bound {bind.system_id} as {mode} on {session.describe()}",
            {"system_id": bind.system_id, "mode": mode, "system_type": bind.system_type},
        )
        return _S.ESME_ROK, (Tlv(tag=TlvTag.SC_INTERFACE_VERSION, value=0x34),)

    def after_bind(self, session: SmppSession) -> None:
        """The bind_resp is written: deliver what waited for this receiver."""
        if session.receives:
            self.pump()

    def check_bind(self, session: SmppSession, bind: Bind, account: Account, mode: str) -> int:
        """Provider rules after authentication (versions, limits, system_type, addresses)."""
        if self.max_sessions is not None:
            bound = [s for s in self.bound_sessions(account.username) if s is not session]
            if len(bound) >= self.max_sessions:
                return self.status_too_many_sessions
        return _S.ESME_ROK

    def handle_request(
        self, session: SmppSession, pdu: Request
    ) -> tuple[Response | None, SmppFault | None]:
        """The answer to a request the core handed over (submit_sm, data_sm, query_sm...), and
        the scenario fault a submit met, for the listener to perform (`SMPP_BEHAVIOUR`): the
        answer is None when the fault stands instead of it."""
        try:
            if type(pdu) is SubmitSm or isinstance(pdu, SubmitSm | DataSm):
                return self.submit(session, pdu)
            if isinstance(pdu, QuerySm):
                return self.query(session, pdu), None
            if isinstance(pdu, CancelSm):
                return self.cancel(session, pdu), None
            if isinstance(pdu, SubmitMulti):
                return self.submit_multi(session, pdu)
            if isinstance(pdu, ReplaceSm):
                return self.replace(session, pdu), None
        except SmppError as exc:
            self._journal(
                f"{pdu.command_id.name.lower()} refused on {session.describe()}: "
                f"0x{exc.status:08X} {exc}",
                {"status": exc.status, "reason": str(exc)},
            )
            why = self.diagnose_submit(pdu, exc.status)
            if why is not None:
                self.hint(why, {"status": exc.status})
            return response_to(pdu, exc.status), None
        return response_to(pdu, _S.ESME_RINVCMDID), None

    # -- submit --------------------------------------------------------------------------------
    def submit(
        self, session: SmppSession, pdu: SubmitSm | DataSm
    ) -> tuple[Response | None, SmppFault | None]:
        """One submit_sm / data_sm through the submission path. Raises `SmppReject` with the
        profile's code; a rule's receipt fault goes with the message (its receipt meets it)."""
        account = session.account
        assert account is not None
        fake = self.fake
        now = fake.runtime.clock.now()
        content, scheduled, expires = self._check_submit(session, pdu, account, now)
        draft = new_tuple(
            Draft,
            (
                pdu.destination_addr,
                pdu.source_addr,
                content.text,
                self.price(session, account, content.parts),
                self.imposed_plan(session, pdu),
                None,
            ),
        )

        # The path's `build(draft, decision)`: a partial, not a closure (a closure makes seven
        # cells and a function object per submit, and its call is one more Python frame).
        build = partial(self._message, session, pdu, content, now, scheduled, expires)
        result, fault = self._through_path(session, account, (draft,), now, build)
        if result.replaced:
            return None, fault
        outcome = result.outcomes[0]
        message = outcome.message
        if message is None:
            refusal = outcome.refusal
            assert refusal is not None
            raise SmppReject(str(refusal), status=refusal.status)
        if type(pdu) is not SubmitSm and isinstance(pdu, DataSm):
            response: Response = DataSmResp(
                sequence_number=pdu.sequence_number, message_id=message.message_id
            )
        else:
            # Built without checks: the id is ours and known to be valid (the hot path).
            response = _SUBMIT_SM_RESP(
                sequence_number=pdu.sequence_number, message_id=message.message_id
            )
        return response, fault

    def _check_submit(
        self, session: SmppSession, pdu: SubmitSm | DataSm, account: Account, now: datetime
    ) -> tuple[Content, datetime | None, datetime | None]:
        """What a submit to one destination must pass before the scenario and the balance are
        asked: its content, the profile's validation, its times, its addresses."""
        content = decode_content(pdu)
        self.validate_submit(session, pdu, content, account, now)
        scheduled = expires = None
        if type(pdu) is SubmitSm or isinstance(pdu, SubmitSm):
            if pdu.schedule_delivery_time:
                scheduled = self.parse_schedule(pdu.schedule_delivery_time, now)
            if pdu.validity_period:
                expires = parse_time(pdu.validity_period, now=now, status=_S.ESME_RINVEXPIRY)
        self.check_addresses(session, pdu, account)
        return content, scheduled, expires

    def _message(
        self,
        session: SmppSession,
        pdu: SubmitSm | DataSm,
        content: Content,
        now: datetime,
        scheduled: datetime | None,
        expires: datetime | None,
        draft: Draft,
        decision: SubmitDecision,
    ) -> Message:
        """The `Message` of an accepted submit (the submission path's `build`)."""
        account = session.account
        assert account is not None
        encoding = content.encoding
        message = _new_message(
            self.new_message_id(),  # message_id
            self.fake.name,  # provider
            account.username,  # account
            pdu.destination_addr,  # to
            pdu.source_addr,  # sender
            content.text,  # text
            now,  # submitted_at
            "smpp",  # protocol
            session.api,  # api
            content.parts,  # parts
            encoding,  # encoding
            content.data_coding,  # data_coding
            content.data if encoding == "binary" else None,  # binary
            content.flash,  # flash
            scheduled,  # scheduled_at
            expires,  # expires_at
            _REPORTS[pdu.registered_delivery & 0x03],  # report
            draft.price,  # price
            self.message_extra(session, pdu, content),  # extra
        )
        fault = decision.fault
        if isinstance(fault, SmppFault) and fault.behaviour.on_submit is SubmitEffect.RECEIPT:
            message.extra["receipt_fault"] = fault  # its receipt meets it
        self.adjust_message(session, pdu, message)
        return message

    # -- submit_multi --------------------------------------------------------------------------
    def submit_multi(
        self, session: SmppSession, pdu: SubmitMulti
    ) -> tuple[Response | None, SmppFault | None]:
        """One submit_multi through the submission path: each SME destination is checked as a
        submit_sm to it would be and becomes its own `Message`; a destination refused (by the
        profile, the scenario or the balance) is an unsuccess_sme entry with its status. The
        answer's message_id is the first accepted message's, and every destination's receipts
        carry that id (``extra["submit_multi_id"]``). None accepted: the refusals' common
        status, or ESME_RSUBMITFAIL, with the list kept in the body."""
        account = session.account
        assert account is not None
        dests = pdu.dest_addresses
        if not dests or len(dests) > 254:
            raise SmppReject(
                f"{len(dests)} destinations: 1 to 254 allowed", status=_S.ESME_RINVNUMDESTS
            )
        if any(isinstance(dest, DistributionList) for dest in dests):
            raise SmppReject(
                "distribution lists are not provisioned on this SMSC", status=_S.ESME_RCNTSUBDL
            )
        fake = self.fake
        now = fake.runtime.clock.now()
        prepared: list[tuple[SubmitSm, Content, datetime | None, datetime | None]] = []
        drafts: list[Draft] = []
        failed: list[tuple[int, UnsuccessSme]] = []  # by the destination's place in the request
        places: list[int] = []
        for place, dest in enumerate(dests):
            assert not isinstance(dest, DistributionList)
            view = _destination_view(
                pdu, dest.dest_addr_ton, dest.dest_addr_npi, dest.destination_addr
            )
            try:
                content, scheduled, expires = self._check_submit(session, view, account, now)
            except SmppReject as exc:
                failed.append((place, self._unsuccess(session, view, exc.status, str(exc))))
                continue
            drafts.append(
                Draft(
                    to=view.destination_addr,
                    sender=view.source_addr,
                    text=content.text,
                    price=self.price(session, account, content.parts),
                    plan=self.imposed_plan(session, view),
                    ref=len(prepared),
                )
            )
            prepared.append((view, content, scheduled, expires))
            places.append(place)
        first: list[str] = []

        def build(draft: Draft, decision: SubmitDecision) -> Message:
            view, content, scheduled, expires = prepared[draft.ref]
            message = self._message(
                session, view, content, now, scheduled, expires, draft, decision
            )
            if not first:
                first.append(message.message_id)
            message.extra["submit_multi_id"] = first[0]
            return message

        result, fault = self._through_path(session, account, drafts, now, build)
        if result.replaced:
            return None, fault
        for outcome in result.outcomes:
            refusal = outcome.refusal
            if refusal is not None:
                ref = outcome.draft.ref
                entry = self._unsuccess(session, prepared[ref][0], refusal.status, str(refusal))
                failed.append((places[ref], entry))
        unsuccess = tuple(entry for _place, entry in sorted(failed, key=lambda pair: pair[0]))
        if not first:
            statuses = {entry.error_status_code for entry in unsuccess}
            status = statuses.pop() if len(statuses) == 1 else _S.ESME_RSUBMITFAIL
            resp = SubmitMultiResp(
                sequence_number=pdu.sequence_number,
                command_status=status,
                message_id="",
                unsuccess_smes=unsuccess,
            )
            return resp, fault
        resp = SubmitMultiResp(
            sequence_number=pdu.sequence_number, message_id=first[0], unsuccess_smes=unsuccess
        )
        return resp, fault

    def _unsuccess(
        self, session: SmppSession, view: SubmitSm, status: int, why: str
    ) -> UnsuccessSme:
        self._journal(
            f"submit_multi to {view.destination_addr} refused on {session.describe()}: "
            f"0x{status:08X} {why}",
            {"status": status, "reason": why, "destination": view.destination_addr},
        )
        return UnsuccessSme(
            dest_addr_ton=view.dest_addr_ton,
            dest_addr_npi=view.dest_addr_npi,
            destination_addr=view.destination_addr,
            error_status_code=status,
        )

    # -- replace_sm ------------------------------------------------------------------------------
    def replace(self, session: SmppSession, pdu: ReplaceSm) -> Response:
        """Replace a message still pending at the SMSC (accepted, scheduled, en route; not final):
        its text, registered_delivery, and, when given, its scheduled send time and validity
        (NULL keeps them, as SMPP 3.4 says). What is left of its life starts again from now,
        or from the new scheduled time (`LifecycleRunner.restart`). Unknown or another
        account's id: ESME_RINVMSGID; a final message, one not sent over SMPP, or a
        source_addr that is not the message's: ESME_RREPLACEFAIL."""
        fake = self.fake
        now = fake.runtime.clock.now()
        message = fake.messages.get(pdu.message_id)
        if message is None or message.account != session.username:
            raise SmppReject(f"no message {pdu.message_id!r}", status=_S.ESME_RINVMSGID)
        if message.protocol != "smpp":
            raise SmppReject(
                f"{message.message_id} was not submitted over SMPP", status=_S.ESME_RREPLACEFAIL
            )
        if pdu.source_addr and pdu.source_addr != message.sender:
            raise SmppReject(
                f"source_addr {pdu.source_addr!r} is not the message's {message.sender!r}",
                status=_S.ESME_RREPLACEFAIL,
            )
        if message.final:
            raise SmppReject(
                f"{message.message_id} is {message.status}: no longer pending",
                status=_S.ESME_RREPLACEFAIL,
            )
        view = _destination_view(
            pdu,
            int(message.extra.get("dest_addr_ton", 1)),
            int(message.extra.get("dest_addr_npi", 1)),
            message.to,
            data_coding=message.data_coding,
            source_addr=message.sender,
        )
        content = decode_content(view)
        self.check_replacement(session, pdu, content, message)
        scheduled = message.scheduled_at
        if pdu.schedule_delivery_time:
            scheduled = self.parse_schedule(pdu.schedule_delivery_time, now)
        expires = message.expires_at
        if pdu.validity_period:
            expires = parse_time(pdu.validity_period, now=now, status=_S.ESME_RINVEXPIRY)
        message.text = content.text
        message.parts = content.parts
        if message.binary is not None:
            message.binary = content.data
        message.report = _REPORTS[pdu.registered_delivery & 0x03]
        message.extra["registered_delivery"] = pdu.registered_delivery
        message.scheduled_at = scheduled
        message.expires_at = expires
        if message.status is Status.SCHEDULED and (scheduled is None or scheduled <= now):
            message.status = Status.ACCEPTED
        left = fake.lifecycle.restart(message, begin=now)
        self._journal(
            f"replaced {message.message_id} on {session.describe()}: {content.text[:20]!r}, "
            f"{left} step(s) of its life again from now"
            + (f", scheduled {scheduled.isoformat()}" if scheduled and scheduled > now else "")
            + (f", valid until {expires.isoformat()}" if expires else ""),
            {"message_id": message.message_id},
        )
        return ReplaceSmResp(sequence_number=pdu.sequence_number)

    def check_replacement(
        self, session: SmppSession, pdu: ReplaceSm, content: Content, message: Message
    ) -> None:
        """Profile rules for a replacement's content (raise `SmppReject`)."""

    def _through_path(
        self,
        session: SmppSession,
        account: Account,
        drafts: Sequence[Draft],
        now: datetime,
        build: Callable[[Draft, SubmitDecision], Message],
    ) -> tuple[SubmitResult, SmppFault | None]:
        """The drafts through the one submission path; the fault the listener performs (a
        receipt's fault went with its message in `build`)."""
        result = submission_path.submit(
            self.fake,
            account,
            drafts,
            protocol="smpp",
            api=session.api,
            at=now,
            build=build,
            refuse=self._refusal,
            no_credit=self._no_credit,
        )
        fault = result.fault
        if not isinstance(fault, SmppFault) or fault.behaviour.on_submit is SubmitEffect.RECEIPT:
            fault = None
        return result, fault

    def _refusal(self, answer: object, draft: Draft) -> SmppReject:
        status = self.respond_status(answer)
        return SmppReject(f"scenario answers 0x{status:08X}", status=status)

    def _no_credit(self, price: Decimal) -> SmppReject:
        return SmppReject(f"the balance cannot pay {price}", status=self.status_no_credit)

    def imposed_plan(self, session: SmppSession, pdu: SubmitSm | DataSm) -> Plan | None:
        """A life the profile gives the message whatever a scenario says (None: the scenario's)."""
        return None

    def adjust_message(
        self, session: SmppSession, pdu: SubmitSm | DataSm, message: Message
    ) -> None:
        """Profile-specific fields of a message about to be accepted."""

    def respond_status(self, answer: object) -> int:
        """The command_status of a scenario's answer (``0x45``, ``"0x45"``, ``69``)."""
        if isinstance(answer, int) and not isinstance(answer, bool):
            return answer
        if isinstance(answer, str):
            try:
                return int(answer, 0)
            except ValueError:
                pass
        return _S.ESME_RSUBMITFAIL

    def message_extra(
        self, session: SmppSession, pdu: SubmitSm | DataSm, content: Content
    ) -> dict[str, Any]:
        extra: dict[str, Any] = {
            "session": session.id,
            "system_type": session.system_type,
            "esm_class": pdu.esm_class,
            "registered_delivery": pdu.registered_delivery,
            "source_addr_ton": pdu.source_addr_ton,
            "source_addr_npi": pdu.source_addr_npi,
            "dest_addr_ton": pdu.dest_addr_ton,
            "dest_addr_npi": pdu.dest_addr_npi,
            "service_type": pdu.service_type,
        }
        if content.concat is not None:
            extra["concat"] = content.concat
        if content.udh is not None:
            extra["udh"] = content.udh
        if content.payload:
            extra["message_payload"] = True
        return extra

    def validate_submit(
        self,
        session: SmppSession,
        pdu: SubmitSm | DataSm,
        content: Content,
        account: Account,
        now: datetime,
    ) -> None:
        """Provider validation; raise `SmppReject` with the provider's code. `now` is the
        submit's instant (the clock read once per submit)."""

    def check_addresses(
        self, session: SmppSession, pdu: SubmitSm | DataSm, account: Account
    ) -> None:
        to = pdu.destination_addr.lstrip("+")
        if not to:
            raise SmppReject("destination_addr is empty", status=self.status_bad_destination)
        if not pdu.source_addr and not self.allow_empty_source:
            raise SmppReject("source_addr is empty", status=self.status_bad_source)
        for prefix in self.uncovered_prefixes(account):
            if to.startswith(prefix):
                raise SmppReject(f"{to} is not covered", status=self.status_uncovered)

    allow_empty_source: ClassVar[bool] = True

    def uncovered_prefixes(self, account: Account) -> Iterable[str]:
        return account.option("uncovered_prefixes") or ()

    def parse_schedule(self, value: str, now: datetime) -> datetime | None:
        return parse_time(value, now=now, status=_S.ESME_RINVSCHED)

    def price(self, session: SmppSession, account: Account, parts: int) -> Decimal:
        value = account.options.get("price", self.default_price)
        # A Decimal reads back as itself through str(): no round trip for it.
        unit = value if type(value) is Decimal else Decimal(str(value))
        # One part costs its unit price: no Decimal product (~0.5k instructions) for it.
        return unit if parts == 1 else unit * parts

    def new_message_id(self) -> str:
        # 16 lowercase hex digits, zero-padded: what f"{...:016x}" gives, without the format call.
        draw = self._draw_id
        if draw is None:  # the fake's id generator of this test (reseeded by each reset)
            draw = self._draw_id = self.fake.ids("smpp").random.getrandbits
        return draw(64).to_bytes(8).hex()

    def query(self, session: SmppSession, pdu: QuerySm) -> Response:
        message = self.fake.messages.get(pdu.message_id)
        if message is None or message.account != session.username:
            raise SmppReject(f"no message {pdu.message_id!r}", status=_S.ESME_RQUERYFAIL)
        error = message.error if isinstance(message.error, int) else 0
        return QuerySmResp(
            sequence_number=pdu.sequence_number,
            message_id=message.message_id,
            final_date=_final_date(message.done_at),
            message_state=MESSAGE_STATES[message.status],
            error_code=error & 0xFF,
        )

    def cancel(self, session: SmppSession, pdu: CancelSm) -> Response:
        message = self.fake.messages.get(pdu.message_id)
        if message is None or message.account != session.username or message.final:
            raise SmppReject(f"cannot cancel {pdu.message_id!r}", status=_S.ESME_RCANCELFAIL)
        self.fake.lifecycle.cancel(message.message_id)
        message.set_status(Status.DELETED, self.fake.clock.now())
        return response_to(pdu)

    # -- receipts (clock thread) -------------------------------------------------------------
    def wants_receipt(self, message: Message, change: StatusChange) -> bool:
        registered = int(message.extra.get("registered_delivery", 1))
        if change.status not in FINAL_STATUSES:
            return bool(registered & 0x10)
        if message.report == "none":
            return False
        if message.report == "failure":
            return change.status in _FAILURES
        return True

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if not self.wants_receipt(message, change):
            if (
                message.report == "none"
                and change.status.final
                and self._receivers(message.account)
            ):
                self.hint(
                    f"{message.message_id} is {change.status}, and no receipt goes to the bound "
                    "receiver: its submit asked for none (registered_delivery 0; 1 asks for "
                    "every final state, 2 for failures only)",
                    {"message_id": message.message_id},
                )
            return
        fields = self.receipt_fields(message, change)
        # Positional (kind, key, ref, fields): every receipt makes one.
        self.enqueue(Outbound("dlr", message.account, message.message_id, fields))

    def receipt_stat(self, message: Message, change: StatusChange) -> str:
        return RECEIPT_STATS[change.status]

    def receipt_error(self, message: Message, change: StatusChange) -> int:
        error = change.error if change.error is not None else message.error
        if isinstance(error, int):
            return error
        if isinstance(error, str) and error.isdigit():
            return int(error)
        return 0 if change.status is Status.DELIVERED or error is None else 1

    def receipt_text(self, message: Message, change: StatusChange) -> str:
        delivered = "001" if change.status is Status.DELIVERED else "000"
        text = (
            f"id:{_reported_id(message)} sub:001 {self.receipt_delivered_field}:{delivered} "
            f"submit date:{_smpp_date(message.submitted_at)} done date:{_smpp_date(change.at)} "
            f"stat:{self.receipt_stat(message, change)} "
            f"err:{self.receipt_error(message, change):03d}"
        )
        return text + self.receipt_suffix(message, change)

    def receipt_suffix(self, message: Message, change: StatusChange) -> str:
        """Appended to the receipt text (SMPP 3.4: `` text:`` and the first 20 characters)."""
        return f" text:{message.text[:20]}"

    def receipt_tlvs(self, message: Message, change: StatusChange) -> tuple[Tlv, ...]:
        key = (self.receipt_error(message, change) & 0xFFFF, self.message_state(message, change))
        pair = _RECEIPT_TLVS.get(key)
        if pair is None:  # a few (error, state) pairs: their two TLVs are built once, shared
            error, state = key
            pair = _RECEIPT_TLVS[key] = (
                _tlv(TlvTag.NETWORK_ERROR_CODE, bytes((3, error >> 8, error & 0xFF))),
                _tlv(TlvTag.MESSAGE_STATE, state & 0xFF),
            )
        return (*pair, _receipted_id(_reported_id(message)))

    def message_state(self, message: Message, change: StatusChange) -> int:
        return MESSAGE_STATES[change.status]

    def receipt_fields(self, message: Message, change: StatusChange) -> dict[str, Any]:
        text = self.receipt_text(message, change).encode("latin-1", "replace")
        extra = message.extra
        return {
            "source_addr_ton": int(extra.get("dest_addr_ton", 1)),
            "source_addr_npi": int(extra.get("dest_addr_npi", 1)),
            "source_addr": message.to[:20],
            "dest_addr_ton": int(extra.get("source_addr_ton", 0)),
            "dest_addr_npi": int(extra.get("source_addr_npi", 0)),
            "destination_addr": message.sender[:20],
            "esm_class": 0x04,
            "short_message": text[:254],
            "tlvs": self.receipt_tlvs(message, change),
        }

    # -- MO (clock thread) --------------------------------------------------------------------
    def wants_mo(self, message: InboundMessage) -> bool:
        options = dict(message.extra)
        if "protocol" in options:
            return bool(options["protocol"] == "smpp")
        if self.smpp_only:
            return True
        return any(
            s.receives and (message.account is None or s.username == message.account)
            for s in self.sessions()
        )

    def deliver_mo(self, message: InboundMessage) -> None:
        key = message.account or "*"
        self.enqueue(
            Outbound(kind="mo", key=key, ref=message.message_id, fields=self.mo_fields(message))
        )

    def mo_fields(self, message: InboundMessage) -> dict[str, Any]:
        if message.binary is not None:
            data, dc = message.binary, message.data_coding or 0x04
        elif message.data_coding == 0x08 or not is_gsm7(message.text):
            data, dc = encode_ucs2(message.text), 0x08
        else:
            data, dc = encode_gsm7(message.text), message.data_coding
        fields: dict[str, Any] = {
            "source_addr_ton": 1,
            "source_addr_npi": 1,
            "source_addr": message.sender[:20],
            "dest_addr_ton": 1 if message.to.isdigit() else 0,
            "dest_addr_npi": 1 if message.to.isdigit() else 0,
            "destination_addr": message.to[:20],
            "esm_class": message.esm_class,
            "data_coding": dc,
        }
        if len(data) > 254:
            fields["tlvs"] = (Tlv(tag=TlvTag.MESSAGE_PAYLOAD, value=data),)
        else:
            fields["short_message"] = data
        return fields

    # -- the outbound queue --------------------------------------------------------------------
    def enqueue(self, item: Outbound) -> None:
        # Not journaled: the status change (or the MO) already is, and so is the deliver_sm.
        lock = self._lock  # not `with`: it makes two bound methods per use (every receipt)
        lock.acquire()
        try:
            queue = self._outbox.get(item.key)
            if queue is None:
                queue = self._outbox[item.key] = deque()
            queue.append(item)
            if self._pump_pending or self.transport is None:
                return  # a pump is on its way, or no listener to pump (see `_wake`)
        finally:
            lock.release()
        self._wake()

    def _wake(self) -> None:
        """Have the loop pump the queues: one pending call however many items were queued.

        Inside a clock event on another thread (a status change during `advance`) the pump is
        one more clock event at the same instant, after those already due (every receipt of
        the instant queued), and it waits for the loop: what it sends is sent, and journaled,
        at that virtual instant. Elsewhere the loop pumps as soon as it can."""
        transport = self.transport
        if transport is None:
            return
        with self._lock:
            if self._pump_pending:
                return
            self._pump_pending = True
        clock = self.fake.clock
        if clock.firing() and not transport.in_loop:
            clock.call_at(
                clock.now(),
                lambda: transport.call_sync(self._pump_soon),
                label=f"{self.provider}:smpp-pump",
            )
            return
        transport.call_soon(self._pump_soon)

    def _pump_soon(self) -> None:
        with self._lock:
            self._pump_pending = False
        self.pump()

    def _receivers(self, key: str) -> list[SmppSession]:
        with self._lock:
            sessions = list(self._sessions.values())
        return [s for s in sessions if s.receives and (key == "*" or s.username == key)]

    def pump(self) -> None:
        """Send what is queued to receivers with room in their window (loop thread)."""
        with self._lock:
            keys = [k for k, q in self._outbox.items() if q]
        for key in keys:
            while True:
                receivers = [s for s in self._receivers(key) if s.link.window_free > 0]
                if not receivers:
                    break
                with self._lock:
                    queue = self._outbox.get(key)
                    if not queue:
                        break
                    item = queue.popleft()
                    turn = self._rr.get(key, 0)
                    self._rr[key] = turn + 1
                session = receivers[turn % len(receivers)]
                self.send(session, item)

    def send(self, session: SmppSession, item: Outbound) -> None:
        fault = self._deliver_fault(session, item)
        effect = ReceiptEffect.NONE
        if fault is not None:
            effect = fault.behaviour.receipt
            self._journal(f"scenario fault {fault.kind} on {item.kind} for {item.ref}")
            if effect is ReceiptEffect.NEVER_SENT:
                return
            if effect is ReceiptEffect.DUPLICATED:
                self._send(
                    session,
                    Outbound(
                        kind=item.kind,
                        key=item.key,
                        ref=item.ref,
                        fields=item.fields,
                        attempts=len(self.redelivery),
                    ),
                )
            elif effect is ReceiptEffect.OUT_OF_ORDER:
                # Held until the next receipt on this session has gone, or at the latest one
                # redelivery interval later (virtual), so a held receipt is never lost.
                with self._lock:
                    session.data.setdefault("held", []).append(item)
                self.fake.clock.call_later(
                    self.redelivery[0],
                    lambda: self._release_held(session),
                    label=f"{self.provider}:smpp-held:{item.ref}",
                )
                return
        self._send(session, item)
        with self._lock:
            held_items = session.data.pop("held", [])
        for held_item in held_items:
            self._send(session, held_item)
        if effect is ReceiptEffect.THEN_UNBIND:
            unbind = getattr(session.link, "unbind", None)
            if unbind is not None:
                unbind()

    def _release_held(self, session: SmppSession) -> None:
        """No receipt followed a held one: it goes back to the queue (any receiver may take it)."""
        with self._lock:
            held = session.data.pop("held", [])
            for item in held:
                self._outbox.setdefault(item.key, deque()).append(item)
        if held:
            self._journal(f"{len(held)} held deliver_sm released on {session.describe()}")
            self._wake()

    def _deliver_fault(self, session: SmppSession, item: Outbound) -> SmppFault | None:
        if item.kind == "dlr":
            message = self.fake.messages.get(item.ref)
            if message is not None and "receipt_fault" in message.extra:
                fault: SmppFault = message.extra.pop("receipt_fault")
                return fault  # once: a released receipt goes
        engine = self.fake.engine
        if engine.scenario is None:
            return None
        context = SmppContext(
            provider=self.provider,
            command="deliver_sm",
            at=self.fake.clock.now(),
            listener=session.listener,
            system_id=session.username,
        )
        found = engine.smpp_fault(self.provider, "deliver_sm", context)
        if found is not None and item.kind != "dlr" and found.behaviour.dlr_only:
            return None
        return found

    def _send(self, session: SmppSession, item: Outbound) -> None:
        item.attempts += 1
        fields = item.fields

        def build(sequence: int) -> DeliverSm:
            return DeliverSm(sequence_number=sequence, **fields)

        try:
            pdu = session.link.send_request(build)
        except SmppError:
            with self._lock:
                self._outbox.setdefault(item.key, deque()).appendleft(item)
            return
        session.inflight[pdu.sequence_number] = item

    def handle_response(self, session: SmppSession, request: Request, response: Response) -> None:
        item = session.inflight.pop(request.sequence_number, None)
        if item is None:
            return
        if response.command_status != _S.ESME_ROK:
            self.retry(item, f"deliver_sm_resp 0x{response.command_status:08X}")
        self.pump()

    def handle_timeout(self, session: SmppSession, request: Request) -> None:
        item = session.inflight.pop(request.sequence_number, None)
        if item is not None:
            self.retry(item, "no deliver_sm_resp")
        self.pump()

    def retry(self, item: Outbound, why: str) -> None:
        if item.attempts > len(self.redelivery):
            self._journal(
                f"{item.kind} for {item.ref} dropped after {item.attempts} attempt(s): {why}",
                {"kind": item.kind, "message_id": item.ref, "attempts": item.attempts},
            )
            return
        delay = self.redelivery[item.attempts - 1]
        self._journal(
            f"{item.kind} for {item.ref} refused ({why}); again in {delay:g} s",
            {"kind": item.kind, "message_id": item.ref, "attempts": item.attempts},
        )
        self.fake.clock.call_later(
            delay, lambda: self.enqueue(item), label=f"{self.provider}:smpp-redeliver:{item.ref}"
        )

    # -- helpers -----------------------------------------------------------------------------------
    def _journal(self, summary: str, detail: dict[str, Any] | None = None) -> None:
        self.fake.journal.record(self.provider, "smpp", "event", summary, detail)

    def hint(self, text: str, detail: dict[str, Any] | None = None) -> None:
        """One line a person understands about why something was refused (or will not
        happen): journaled on the ``hint`` channel, and listed in a failed test's report."""
        self.fake.journal.record(self.provider, "hint", "event", text, detail)

    # -- diagnostics ---------------------------------------------------------------------------
    def diagnose_bind(self, bind: Bind, status: int) -> str | None:
        """Why a bind was refused, when a common mistake explains it."""
        accounts = self.fake.accounts
        account = accounts.get(bind.system_id)
        who = f"bind as {bind.system_id!r} refused (0x{status:08X})"
        if status == _S.ESME_RINVPASWD and account is not None:
            sent, wanted = bind.password, account.password
            if sent and wanted.startswith(sent) and len(sent) < len(wanted):
                return (
                    f"{who}: the password sent is the first {len(sent)} characters of the "
                    f"account's {len(wanted)}; SMPP 3.4 allows 8 and clients such as "
                    "python-smpplib cut longer ones, but this provider's passwords may be "
                    "longer: send it whole, or give the account an 8-character password"
                )
            return f"{who}: the password does not match the account's"
        if status == _S.ESME_RINVSYSID and account is None:
            near = [a.username for a in accounts if a.username.lower() == bind.system_id.lower()]
            if near:
                return (
                    f"{who}: no account {bind.system_id!r}; {near[0]!r} differs only in case "
                    "(system_id is case-sensitive)"
                )
            known = ", ".join(repr(a.username) for a in accounts) or "none"
            return f"{who}: no such account (accounts: {known})"
        return None

    def diagnose_submit(self, pdu: Request, status: int) -> str | None:
        """Why a submit was refused, when a common mistake explains it."""
        if not isinstance(pdu, SubmitSm | DataSm):
            return None
        who = f"{pdu.command_id.name.lower()} #{pdu.sequence_number} refused (0x{status:08X})"
        sender = pdu.source_addr
        numeric = sender.lstrip("+").isdigit()
        source_codes = {_S.ESME_RINVSRCADR, _S.ESME_RINVSRCTON, _S.ESME_RINVSRCNPI}
        if status in source_codes | {self.status_bad_source} and sender:
            if not numeric and (pdu.source_addr_ton, pdu.source_addr_npi) != (5, 0):
                return (
                    f"{who}: source_addr {sender!r} is alphanumeric: send it with "
                    f"source_addr_ton 5 (alphanumeric) and source_addr_npi 0, not "
                    f"TON {pdu.source_addr_ton} / NPI {pdu.source_addr_npi}"
                )
            if numeric and status == _S.ESME_RINVSRCTON:
                return (
                    f"{who}: numeric source_addr {sender!r} came with TON "
                    f"{pdu.source_addr_ton}; international numbers are TON 1 / NPI 1 "
                    "(python-smpplib sends 0 unless source_addr_ton is given)"
                )
        to = pdu.destination_addr
        destination_codes = {_S.ESME_RINVDSTADR, self.status_bad_destination}
        if status in destination_codes and to.startswith(("+", "0")):
            return (
                f"{who}: destination_addr {to!r} is not in international format: the country "
                "code first, without a leading +, 00 or 0"
            )
        if status == _S.ESME_RINVMSGLEN:
            size = len(pdu.short_message) if isinstance(pdu, SubmitSm) else 0
            return (
                f"{who}: the text does not fit ({size} octets of short_message): one SMS holds "
                "160 GSM 7-bit characters, 70 UCS-2 or 140 octets; send UDH parts "
                "(esm_class 0x40) or message_payload where the provider takes long messages"
            )
        return None


#: (network error, message_state) -> the two receipt TLVs they make (immutable, shared).
_RECEIPT_TLVS: dict[tuple[int, int], tuple[Tlv, Tlv]] = {}


def _tlv(tag: int, value: int | bytes | str) -> Tlv:
    """A TLV whose value is valid by construction (3 octets, one octet, an id `_receipted_id`
    checked), built without the checks of `Tlv.__post_init__`: receipts are the hot path of
    `clock.advance()`."""
    tlv = object.__new__(Tlv)
    _set_tlv_tag(tlv, tag)
    _set_tlv_value(tlv, value)
    return tlv


# The slots' own setters (what the frozen dataclass's object.__setattr__ ends up calling).
_set_tlv_tag = slot_setter(Tlv, "tag")
_set_tlv_value = slot_setter(Tlv, "value")


def _reported_id(message: Message) -> str:
    """The id a receipt reports: the message's, or for one destination of a submit_multi the
    id the submit_multi_resp gave for all of them."""
    reported: str = message.extra.get("submit_multi_id", message.message_id)
    return reported


def _receipted_id(message_id: str) -> Tlv:
    """receipted_message_id; the checks of `Tlv` are skipped for an id that passes them by
    its shape (ASCII letters and digits within the 65-octet C string), as the fake's ids do."""
    if len(message_id) < 65 and message_id.isascii() and message_id.isalnum():
        return _tlv(TlvTag.RECEIPTED_MESSAGE_ID, message_id)
    return Tlv(tag=TlvTag.RECEIPTED_MESSAGE_ID, value=message_id)


def _final_date(moment: datetime | None) -> str:
    if moment is None:
        return ""
    from pytest_smsmock.smpp.times import format_absolute

    return format_absolute(moment)
