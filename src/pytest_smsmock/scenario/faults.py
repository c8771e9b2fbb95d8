"""Scenario faults as data: the kinds, what each does on each transport, and the fault values.

A fault is decided by the engine (`Engine.http_fault`, `smpp_fault`, or a rule's ``fault:`` on a
submission) and performed by a transport: `providers/base.py` and `servers/http.py` for HTTP,
`servers/smpp/` for SMPP. What a kind does is not spread over the transports as string
comparisons: it is read from one table per transport below (the way the SMPP session table is
data), so adding a kind is one enum member and one row per transport.

Pure: no sockets, no werkzeug. Rendering an `HttpFault` as an HTTP answer lives beside the HTTP
wrapper (`providers/http_faults.py`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime, timedelta

from pytest_smsmock.core.frozen import value_class

__all__ = [
    "HTTP_BEHAVIOUR",
    "HTTP_FAULT_KINDS",
    "PLAIN_HTTP_FAULT_KINDS",
    "RAW_HTTP_FAULT_KINDS",
    "SMPP_BEHAVIOUR",
    "SMPP_FAULT_KINDS",
    "FaultKind",
    "HttpEffect",
    "HttpFault",
    "SmppAction",
    "SmppBehaviour",
    "SmppContext",
    "SmppFault",
    "SubmitEffect",
]

# SMPP 3.4 command_status values the table's defaults use (smpp/constants.py has them all; the
# scenario layer does not depend on the protocol package).
_ESME_RSYSERR = 0x08
_ESME_RINVBNDSTS = 0x04
_ESME_RBINDFAIL = 0x0D
_ESME_RMSGQFUL = 0x14
_ESME_RTHROTTLED = 0x58


class FaultKind(enum.StrEnum):
    """Every fault kind a scenario can name (its string value is the name in YAML)."""

    # HTTP
    HTTP_STATUS = "http_status"
    TOO_MANY_REQUESTS = "too_many_requests"
    EMPTY_BODY = "empty_body"
    MALFORMED_BODY = "malformed_body"
    TRUNCATED_BODY = "truncated_body"
    DELAY = "delay"
    CONNECTION_RESET = "connection_reset"
    EMPTY_REPLY = "empty_reply"
    RANDOM_DATA_THEN_CLOSE = "random_data_then_close"
    MALFORMED_RESPONSE_CHUNK = "malformed_response_chunk"
    INCOMPLETE_BODY = "incomplete_body"
    SLOW_TRICKLE = "slow_trickle"
    TLS_HANDSHAKE_FAILURE = "tls_handshake_failure"
    # SMPP
    NO_RESPONSE = "no_response"
    DELAYED_RESPONSE = "delayed_response"
    GENERIC_NACK = "generic_nack"
    ERROR_STATUS = "error_status"
    THROTTLED = "throttled"
    QUEUE_FULL = "queue_full"
    UNBIND = "unbind"
    DROP_CONNECTION = "drop_connection"
    BIND_REFUSED = "bind_refused"
    BIND_WRONG_STATUS = "bind_wrong_status"
    BIND_GENERIC_NACK = "bind_generic_nack"
    BAD_COMMAND_LENGTH = "bad_command_length"
    INVALID_COMMAND_ID = "invalid_command_id"
    DELIVER_SM_BEFORE_BOUND = "deliver_sm_before_bound"
    DELIVER_SM_THEN_UNBIND = "deliver_sm_then_unbind"
    DLR_NEVER_SENT = "dlr_never_sent"
    DLR_DUPLICATED = "dlr_duplicated"
    DLR_OUT_OF_ORDER = "dlr_out_of_order"


# -- HTTP ------------------------------------------------------------------------------------------
class HttpEffect(enum.Enum):
    """What an HTTP fault does to the exchange."""

    REPLACE = "an ordinary response instead of the provider's answer"
    ALTER = "the provider answers; its body is altered"
    WITHHOLD = "the provider answers later (virtual delay; with real: true, on the socket)"
    RAW_REPLACE = "the server misbehaves on the socket instead of answering"
    RAW_ALTER = "the provider answers; the server sends it broken on the socket"
    CONNECTION = "the connection fails before any request"


_K = FaultKind
HTTP_BEHAVIOUR: Mapping[FaultKind, HttpEffect] = {
    _K.HTTP_STATUS: HttpEffect.REPLACE,
    _K.TOO_MANY_REQUESTS: HttpEffect.REPLACE,
    _K.EMPTY_BODY: HttpEffect.REPLACE,
    _K.MALFORMED_BODY: HttpEffect.ALTER,
    _K.TRUNCATED_BODY: HttpEffect.ALTER,
    _K.DELAY: HttpEffect.WITHHOLD,
    _K.CONNECTION_RESET: HttpEffect.RAW_REPLACE,
    _K.EMPTY_REPLY: HttpEffect.RAW_REPLACE,
    _K.RANDOM_DATA_THEN_CLOSE: HttpEffect.RAW_REPLACE,
    _K.MALFORMED_RESPONSE_CHUNK: HttpEffect.RAW_REPLACE,
    _K.INCOMPLETE_BODY: HttpEffect.RAW_ALTER,
    _K.SLOW_TRICKLE: HttpEffect.RAW_ALTER,
    _K.TLS_HANDSHAKE_FAILURE: HttpEffect.CONNECTION,
}

#: HTTP faults answered with an ordinary response (work without sockets).
PLAIN_HTTP_FAULT_KINDS: tuple[str, ...] = tuple(
    str(k)
    for k, e in HTTP_BEHAVIOUR.items()
    if e in (HttpEffect.REPLACE, HttpEffect.ALTER, HttpEffect.WITHHOLD)
)
#: HTTP faults the server performs on the raw socket (`servers/http.py`).
RAW_HTTP_FAULT_KINDS: tuple[str, ...] = tuple(
    str(k) for k in HTTP_BEHAVIOUR if str(k) not in PLAIN_HTTP_FAULT_KINDS
)
HTTP_FAULT_KINDS = PLAIN_HTTP_FAULT_KINDS + RAW_HTTP_FAULT_KINDS


@value_class
class HttpFault:
    """An HTTP answer (or a socket-level misbehaviour) a scenario puts in place of the provider's.

    What it does is `effect` (`HTTP_BEHAVIOUR`). ``delay`` withholds the answer: in virtual time
    (the fake's clock advances by `delay` before the answer, so it carries later timestamps and
    DLRs due meanwhile fire; under ``smsmock serve`` the fakes' time stays that much ahead of the
    wall clock) or, with ``real: true``, in wall-clock seconds (the server sleeps; capped at 30 s)
    to trip a client's timeout. A virtual delay waits for the clock: a request made from inside a
    clock event on another thread (a callback handler calling the fake back) should use a real
    delay instead.
    """

    kind: FaultKind
    status: int = 500
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: timedelta | None = None
    real: bool = False
    keep: float | None = None
    size: int | None = None
    source: str = ""  # where in the scenario it came from, for the journal

    @property
    def effect(self) -> HttpEffect:
        # A kind of SMPP's own met over HTTP (a rule naming dlr_never_sent, say) replaces the
        # answer with the fault's plain response.
        return HTTP_BEHAVIOUR.get(self.kind, HttpEffect.REPLACE)

    @property
    def raw(self) -> bool:
        """Performed on the socket by the HTTP server."""
        effect = self.effect
        return effect in (HttpEffect.RAW_REPLACE, HttpEffect.RAW_ALTER, HttpEffect.CONNECTION) or (
            effect is HttpEffect.WITHHOLD and self.real
        )

    @property
    def wraps_answer(self) -> bool:
        """The provider still handles the request; the fault alters or withholds its answer."""
        return self.effect in (HttpEffect.ALTER, HttpEffect.WITHHOLD, HttpEffect.RAW_ALTER)

    @property
    def virtual_delay(self) -> timedelta | None:
        """The virtual time the answer waits for, if this fault withholds it on the clock."""
        if self.effect is HttpEffect.WITHHOLD and not self.real and self.delay:
            return self.delay
        return None

    def keep_bytes(self, length: int) -> int:
        keep = 0.5 if self.keep is None else self.keep
        return int(length * keep) if keep < 1 else min(length, int(keep))


# -- SMPP ------------------------------------------------------------------------------------------
class SmppAction(enum.Enum):
    """What the SMPP listener does instead of (or besides) its normal answer to a PDU."""

    NONE = "answer normally"
    REJECT = "answer with the fault's command_status"
    NACK = "a generic_nack (sequence of the request, or 0)"
    SILENCE = "never answer"
    LATE = "answer after the fault's delay (real time, capped)"
    UNBIND = "send an unbind instead of the answer"
    DROP = "close the connection"
    BAD_LENGTH = "a generic_nack whose command_length is wrong"
    BAD_COMMAND_ID = "a generic_nack whose command_id is unknown"
    DELIVER_BEFORE_BIND = "a deliver_sm before the bind_resp, then the bind_resp"


class SubmitEffect(enum.Enum):
    """What a rule's fault on a submit_sm / data_sm means for the message."""

    REPLACE = "nothing is accepted; the listener performs the fault instead of the answer"
    ACCEPT = "the message is accepted; the listener performs the fault on the answer"
    RECEIPT = "the message is accepted; the fault concerns its receipt"
    IGNORE = "the kind does not concern a submit: accepted and answered normally"


class ReceiptEffect(enum.Enum):
    """What a fault does to a deliver_sm the SMSC is about to send (a receipt or MO)."""

    NONE = "sent normally"
    NEVER_SENT = "never sent"
    DUPLICATED = "sent twice"
    OUT_OF_ORDER = "held back until the session's next receipt has gone"
    THEN_UNBIND = "sent, then the SMSC unbinds"


@value_class
class SmppBehaviour:
    """One row of the SMPP table: the action on a bind, on any other request, on a receipt."""

    bind: SmppAction = SmppAction.NONE
    request: SmppAction = SmppAction.NONE
    receipt: ReceiptEffect = ReceiptEffect.NONE
    status: int | None = None  # the command_status the action uses unless the fault names one
    dlr_only: bool = False  # applies to receipts, not to MO deliver_sm

    @property
    def on_submit(self) -> SubmitEffect:
        if self.receipt is not ReceiptEffect.NONE:
            return SubmitEffect.RECEIPT
        if self.request is SmppAction.LATE:
            return SubmitEffect.ACCEPT
        if self.request is SmppAction.NONE:
            return SubmitEffect.IGNORE
        return SubmitEffect.REPLACE


_A = SmppAction
_R = ReceiptEffect
SMPP_BEHAVIOUR: Mapping[FaultKind, SmppBehaviour] = {
    _K.NO_RESPONSE: SmppBehaviour(bind=_A.SILENCE, request=_A.SILENCE),
    _K.DELAYED_RESPONSE: SmppBehaviour(request=_A.LATE),
    _K.GENERIC_NACK: SmppBehaviour(bind=_A.NACK, request=_A.NACK, status=_ESME_RSYSERR),
    _K.ERROR_STATUS: SmppBehaviour(bind=_A.REJECT, request=_A.REJECT, status=_ESME_RSYSERR),
    _K.THROTTLED: SmppBehaviour(bind=_A.REJECT, request=_A.REJECT, status=_ESME_RTHROTTLED),
    _K.QUEUE_FULL: SmppBehaviour(bind=_A.REJECT, request=_A.REJECT, status=_ESME_RMSGQFUL),
    _K.UNBIND: SmppBehaviour(request=_A.UNBIND),
    _K.DROP_CONNECTION: SmppBehaviour(bind=_A.DROP, request=_A.DROP),
    _K.BIND_REFUSED: SmppBehaviour(bind=_A.REJECT, status=_ESME_RBINDFAIL),
    _K.BIND_WRONG_STATUS: SmppBehaviour(bind=_A.REJECT, status=_ESME_RINVBNDSTS),
    _K.BIND_GENERIC_NACK: SmppBehaviour(bind=_A.NACK, status=_ESME_RSYSERR),
    _K.BAD_COMMAND_LENGTH: SmppBehaviour(bind=_A.BAD_LENGTH, request=_A.BAD_LENGTH),
    _K.INVALID_COMMAND_ID: SmppBehaviour(bind=_A.BAD_COMMAND_ID, request=_A.BAD_COMMAND_ID),
    _K.DELIVER_SM_BEFORE_BOUND: SmppBehaviour(bind=_A.DELIVER_BEFORE_BIND),
    _K.DELIVER_SM_THEN_UNBIND: SmppBehaviour(receipt=_R.THEN_UNBIND),
    _K.DLR_NEVER_SENT: SmppBehaviour(receipt=_R.NEVER_SENT, dlr_only=True),
    _K.DLR_DUPLICATED: SmppBehaviour(receipt=_R.DUPLICATED, dlr_only=True),
    _K.DLR_OUT_OF_ORDER: SmppBehaviour(receipt=_R.OUT_OF_ORDER, dlr_only=True),
}

_UNCONCERNED = SmppBehaviour()

#: SMPP faults (the Jasmin simulator's set and more); performed by the SMPP listener.
SMPP_FAULT_KINDS: tuple[str, ...] = tuple(str(k) for k in SMPP_BEHAVIOUR)


@value_class
class SmppContext:
    """What the SMPP listener knows of a PDU when it asks `Engine.smpp_fault`."""

    provider: str
    command: str  # bind_transceiver, submit_sm, deliver_sm (a DLR or MO about to go out), ...
    at: datetime | None = None
    listener: str = ""
    system_id: str = ""
    sequence: int = 0


@value_class
class SmppFault:
    """What the SMPP listener does instead of its normal answer to a PDU (`SMPP_BEHAVIOUR`).

    `command_status` is the status of a REJECT or NACK action (the table's default unless the
    scenario names one); `delay` the wait of ``delayed_response``; `sequence` the generic_nack's
    sequence number: ``request`` echoes the request's, ``zero`` sends 0.
    """

    kind: FaultKind
    command_status: int | None = None
    delay: timedelta | None = None
    sequence: str = "request"
    source: str = ""

    @property
    def behaviour(self) -> SmppBehaviour:
        # A kind of HTTP's own without an SMPP alias (malformed_body, say) changes nothing.
        return SMPP_BEHAVIOUR.get(self.kind, _UNCONCERNED)

    @property
    def status(self) -> int:
        """The command_status an answering action uses."""
        if self.command_status is not None:
            return self.command_status
        return self.behaviour.status or _ESME_RSYSERR

    @property
    def delay_seconds(self) -> float:
        return self.delay.total_seconds() if self.delay is not None else 1.0
