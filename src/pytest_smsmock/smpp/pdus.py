"""SMPP 3.4 PDUs as frozen values, validated when built.

One frozen, slotted, keyword-only dataclass per PDU. Fields carry their SMPP names; the
header's command_length is derived by the codec, command_id is a class constant, requests have
no command_status field (the spec sets it to NULL), responses do. PDUs hold no reference to a
connection: they are plain values that can be compared, hashed, logged and replayed.

Every class declares its body `layout` (field name -> wire type), which both the validation
below and `codec.py` read, so the two cannot drift apart. A value that breaks the spec raises
`SmppError` carrying the command_status the SMSC answers with (system_id too long ->
ESME_RINVSYSID, short_message over 254 octets -> ESME_RINVMSGLEN, ...). The codec re-raises
those as `DecodeError`, so one rule serves both building and decoding.

Design choices:

- **Password length.** SMPP 3.4 caps password at 9 octets (8 characters + NUL), but the
  "Enhanced SMPP" provider accepts longer ones (002, its own note). PDUs therefore accept up to
  `PASSWORD_MAX_LENGTH` (64 characters); the spec's 8 is `SPEC_PASSWORD_MAX_CHARS`, and the
  provider profile, which decides binds anyway, refuses longer passwords with ESME_RINVPASWD
  where the provider does. Decoding never depends on options.
- **Omitted bodies.** The spec lets an SMSC leave out the body of an error response (submit_sm
  and data_sm resps), and ESMEs often send an empty deliver_sm_resp. For every response with a
  body, the first field may be None: the body (TLVs included) is absent on the wire. Other
  fields must then keep their defaults. This keeps decode/encode exact both ways.
- **C-octet strings** are `str` encoded latin-1 (the spec says ASCII; latin-1 maps every octet
  so nothing a peer sends is lost). short_message and octet strings are `bytes`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from pytest_smsmock.core.frozen import unchecked_builder, value_class
from pytest_smsmock.smpp.constants import INTERFACE_VERSION, CommandId, CommandStatus
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.tlvs import Tlv

__all__ = [
    "PASSWORD_MAX_LENGTH",
    "PDU_TYPES",
    "SHORT_MESSAGE_MAX_LENGTH",
    "SPEC_PASSWORD_MAX_CHARS",
    "AlertNotification",
    "Bind",
    "BindReceiver",
    "BindReceiverResp",
    "BindResp",
    "BindTransceiver",
    "BindTransceiverResp",
    "BindTransmitter",
    "BindTransmitterResp",
    "CString",
    "CancelSm",
    "CancelSmResp",
    "DataSm",
    "DataSmResp",
    "DeliverSm",
    "DeliverSmResp",
    "DestAddress",
    "DestAddresses",
    "DistributionList",
    "EnquireLink",
    "EnquireLinkResp",
    "FieldType",
    "GenericNack",
    "Octet",
    "Outbind",
    "Pdu",
    "QuerySm",
    "QuerySmResp",
    "ReplaceSm",
    "ReplaceSmResp",
    "Request",
    "Response",
    "ShortMessage",
    "SubmitMulti",
    "SubmitMultiResp",
    "SubmitSm",
    "SubmitSmResp",
    "Unbind",
    "UnbindResp",
    "UnsuccessSme",
    "UnsuccessSmes",
    "build_decoded",
    "error_response",
    "response_to",
    "trusted",
]

SPEC_PASSWORD_MAX_CHARS = 8
PASSWORD_MAX_LENGTH = 64
SHORT_MESSAGE_MAX_LENGTH = 254
MAX_DESTINATIONS = 254

_S = CommandStatus


# -- wire types of mandatory fields ----------------------------------------------------------


@value_class(kw_only=False)
class Octet:
    """An unsigned 1-octet integer."""


@value_class(kw_only=False)
class CString:
    """A C-octet string of at most `max_len` octets including the NUL; `fixed` lists the only
    lengths (without NUL) allowed, as for the 0-or-16 time fields."""

    max_len: int
    status: int
    fixed: tuple[int, ...] | None = None


@value_class(kw_only=False)
class ShortMessage:
    """sm_length (1 octet) followed by that many octets."""


@value_class(kw_only=False)
class DestAddresses:
    """submit_multi: number_of_dests then dest_flag-tagged SME addresses / list names."""


@value_class(kw_only=False)
class UnsuccessSmes:
    """submit_multi_resp: no_unsuccess then (ton, npi, address, error_status_code) entries."""


FieldType = Octet | CString | ShortMessage | DestAddresses | UnsuccessSmes

_OCTET = Octet()
_SERVICE_TYPE = CString(6, _S.ESME_RINVSERTYP)
_ADDR21_SRC = CString(21, _S.ESME_RINVSRCADR)
_ADDR21_DST = CString(21, _S.ESME_RINVDSTADR)
_ADDR65_SRC = CString(65, _S.ESME_RINVSRCADR)
_ADDR65_DST = CString(65, _S.ESME_RINVDSTADR)
_MESSAGE_ID = CString(65, _S.ESME_RINVMSGID)
_SCHEDULE = CString(17, _S.ESME_RINVSCHED, fixed=(0, 16))
_VALIDITY = CString(17, _S.ESME_RINVEXPIRY, fixed=(0, 16))
_FINAL_DATE = CString(17, _S.ESME_RSYSERR, fixed=(0, 16))
_SYSTEM_ID = CString(16, _S.ESME_RINVSYSID)
_PASSWORD = CString(PASSWORD_MAX_LENGTH + 1, _S.ESME_RINVPASWD)


def _check_octet(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFF:
        raise SmppError(f"{name} must be an int 0..255, not {value!r}", status=_S.ESME_RSYSERR)


def _check_u32(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 0xFFFFFFFF:
        raise SmppError(f"{name} must be an int 0..2**32-1, not {value!r}", status=_S.ESME_RSYSERR)


def _check_cstring(name: str, value: object, spec: CString) -> None:
    if not isinstance(value, str):
        raise SmppError(f"{name} must be a str, not {value!r}", status=spec.status)
    try:
        raw = value.encode("latin-1")
    except UnicodeEncodeError:
        raise SmppError(f"{name} {value!r} is not latin-1", status=spec.status) from None
    if b"\0" in raw:
        raise SmppError(f"{name} {value!r} contains a NUL", status=spec.status)
    if len(raw) + 1 > spec.max_len:
        raise SmppError(
            f"{name} is {len(raw)} octets long, at most {spec.max_len - 1} allowed",
            status=spec.status,
        )
    if spec.fixed is not None and len(raw) not in spec.fixed:
        allowed = " or ".join(str(n) for n in spec.fixed)
        raise SmppError(f"{name} {value!r} must be {allowed} characters long", status=spec.status)


# -- submit_multi structures -----------------------------------------------------------------


@value_class
class DestAddress:
    """A submit_multi destination with dest_flag 1 (SME address)."""

    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str

    def __post_init__(self) -> None:
        _check_octet("dest_addr_ton", self.dest_addr_ton)
        _check_octet("dest_addr_npi", self.dest_addr_npi)
        _check_cstring("destination_addr", self.destination_addr, _ADDR21_DST)


@value_class
class DistributionList:
    """A submit_multi destination with dest_flag 2 (distribution list name)."""

    dl_name: str

    def __post_init__(self) -> None:
        _check_cstring("dl_name", self.dl_name, CString(21, _S.ESME_RINVDLNAME))


@value_class
class UnsuccessSme:
    """One failed destination in submit_multi_resp."""

    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str
    error_status_code: int

    def __post_init__(self) -> None:
        _check_octet("dest_addr_ton", self.dest_addr_ton)
        _check_octet("dest_addr_npi", self.dest_addr_npi)
        _check_cstring("destination_addr", self.destination_addr, _ADDR21_DST)
        _check_u32("error_status_code", self.error_status_code)


# -- PDU base classes -------------------------------------------------------------------------


@value_class
class Pdu:
    """Base of every PDU. Subclasses set `command_id` and `layout`; `has_body` is False for
    header-only PDUs (they have no `tlvs`); `optional_body` marks responses whose first field
    may be None (body omitted)."""

    command_id: ClassVar[CommandId]
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = ()
    has_body: ClassVar[bool] = True
    optional_body: ClassVar[bool] = False

    sequence_number: int

    def __post_init__(self) -> None:
        _check_u32("sequence_number", self.sequence_number)
        _validate_body(self)


@value_class
class Request(Pdu):
    """A PDU that is not a response (its command_status is always 0 on the wire)."""


@value_class
class Response(Pdu):
    """A response PDU; `command_status` is what the peer answers."""

    command_status: int = CommandStatus.ESME_ROK

    def __post_init__(self) -> None:
        _check_u32("command_status", self.command_status)
        Pdu.__post_init__(self)


def _validate_body(pdu: Pdu) -> None:
    if not pdu.has_body:
        return
    tlvs = getattr(pdu, "tlvs", ())
    if not isinstance(tlvs, tuple) or not all(isinstance(t, Tlv) for t in tlvs):
        raise SmppError(f"tlvs must be a tuple of Tlv, not {tlvs!r}", status=_S.ESME_RSYSERR)
    if pdu.optional_body and getattr(pdu, pdu.layout[0][0]) is None:
        _check_omitted_body(pdu)
        return
    for name, wire in pdu.layout:
        value = getattr(pdu, name)
        if isinstance(wire, Octet):
            _check_octet(name, value)
        elif isinstance(wire, CString):
            _check_cstring(name, value, wire)
        elif isinstance(wire, ShortMessage):
            if not isinstance(value, bytes):
                raise SmppError(f"{name} must be bytes, not {value!r}", status=_S.ESME_RSYSERR)
            if len(value) > SHORT_MESSAGE_MAX_LENGTH:
                raise SmppError(
                    f"{name} is {len(value)} octets, at most {SHORT_MESSAGE_MAX_LENGTH} allowed "
                    "(use the message_payload TLV for longer messages)",
                    status=_S.ESME_RINVMSGLEN,
                )
        elif isinstance(wire, DestAddresses):
            if not isinstance(value, tuple) or not all(
                isinstance(d, DestAddress | DistributionList) for d in value
            ):
                raise SmppError(
                    f"{name} must be a tuple of DestAddress/DistributionList",
                    status=_S.ESME_RSYSERR,
                )
            if not 1 <= len(value) <= MAX_DESTINATIONS:
                raise SmppError(
                    f"number_of_dests is {len(value)}, must be 1..{MAX_DESTINATIONS}",
                    status=_S.ESME_RINVNUMDESTS,
                )
        elif not isinstance(value, tuple) or not all(isinstance(u, UnsuccessSme) for u in value):
            raise SmppError(f"{name} must be a tuple of UnsuccessSme", status=_S.ESME_RSYSERR)
        elif len(value) > 0xFF:
            raise SmppError(f"no_unsuccess is {len(value)}, at most 255", status=_S.ESME_RSYSERR)


_DEFAULTS: dict[type[Pdu], dict[str, Any]] = {}
_P = TypeVar("_P", bound=Pdu)


def build_decoded(cls: type[_P], values: dict[str, Any]) -> _P:
    """Build a PDU from values the codec decoded, without re-running the checks decoding has
    already made (octets are 0..255, C-octet strings fit their maximum and hold no NUL, counts
    fit their octet). The checks it cannot make are the same as in `_validate_body`: fixed
    time-field lengths, short_message over 254 octets, the number of destinations. This is the
    listener's hot path: a decoded submit_sm costs about half of a validated construction."""
    for name, wire in cls.layout:
        value = values[name]
        if isinstance(wire, CString):
            if wire.fixed is not None:
                _check_cstring(name, value, wire)
        elif isinstance(wire, ShortMessage):
            if len(value) > SHORT_MESSAGE_MAX_LENGTH:
                raise SmppError(
                    f"{name} is {len(value)} octets, at most {SHORT_MESSAGE_MAX_LENGTH} allowed "
                    "(use the message_payload TLV for longer messages)",
                    status=_S.ESME_RINVMSGLEN,
                )
        elif isinstance(wire, DestAddresses) and not 1 <= len(value) <= MAX_DESTINATIONS:
            raise SmppError(
                f"number_of_dests is {len(value)}, must be 1..{MAX_DESTINATIONS}",
                status=_S.ESME_RINVNUMDESTS,
            )
    defaults = _DEFAULTS.get(cls)
    if defaults is None:
        defaults = _DEFAULTS[cls] = {
            f.name: f.default
            for f in dataclasses.fields(cls)
            if f.default is not dataclasses.MISSING
        }
    pdu = object.__new__(cls)
    for name, default in defaults.items():
        if name not in values:
            object.__setattr__(pdu, name, default)
    for name, value in values.items():
        object.__setattr__(pdu, name, value)
    return pdu


_TRUSTED: dict[type[Pdu], Callable[..., Pdu]] = {}


def trusted(cls: type[_P]) -> Callable[..., _P]:
    """A keyword-only constructor of `cls` that makes no checks, for values the caller built
    valid itself (the SMSC's own message id in a submit_sm_resp): the listener's hot path. Same
    fields and defaults as `cls(...)`; generated once per class, as dataclasses generate
    `__init__`."""
    builder = _TRUSTED.get(cls)
    if builder is None:
        builder = _TRUSTED[cls] = unchecked_builder(cls, keywords=True)
    return builder  # type: ignore[return-value]


def _check_omitted_body(pdu: Pdu) -> None:
    for field in dataclasses.fields(pdu):
        if field.name in ("sequence_number", "command_status", pdu.layout[0][0]):
            continue
        if getattr(pdu, field.name) != field.default:
            raise SmppError(
                f"{type(pdu).__name__}: {pdu.layout[0][0]}=None means the body is omitted, "
                f"so {field.name} must keep its default",
                status=_S.ESME_RSYSERR,
            )


# -- generic ----------------------------------------------------------------------------------


@value_class
class GenericNack(Response):
    command_id: ClassVar[CommandId] = CommandId.GENERIC_NACK
    has_body: ClassVar[bool] = False


# -- binds ------------------------------------------------------------------------------------

_BIND_LAYOUT: tuple[tuple[str, FieldType], ...] = (
    ("system_id", _SYSTEM_ID),
    ("password", _PASSWORD),
    ("system_type", CString(13, _S.ESME_RINVSYSTYP)),
    ("interface_version", _OCTET),
    ("addr_ton", _OCTET),
    ("addr_npi", _OCTET),
    ("address_range", CString(41, _S.ESME_RBINDFAIL)),
)


@value_class
class Bind(Request):
    """Base of the three bind requests (not sent itself)."""

    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = _BIND_LAYOUT

    system_id: str
    # Never in a repr: PDUs end up in logs and failure reports.
    password: str = dataclasses.field(default="", repr=False)
    system_type: str = ""
    interface_version: int = INTERFACE_VERSION
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class BindTransmitter(Bind):
    command_id: ClassVar[CommandId] = CommandId.BIND_TRANSMITTER


@value_class
class BindReceiver(Bind):
    command_id: ClassVar[CommandId] = CommandId.BIND_RECEIVER


@value_class
class BindTransceiver(Bind):
    command_id: ClassVar[CommandId] = CommandId.BIND_TRANSCEIVER


@value_class
class BindResp(Response):
    """Base of the three bind responses; `sc_interface_version` goes in `tlvs`."""

    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (("system_id", _SYSTEM_ID),)
    optional_body: ClassVar[bool] = True

    system_id: str | None = ""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class BindTransmitterResp(BindResp):
    command_id: ClassVar[CommandId] = CommandId.BIND_TRANSMITTER_RESP


@value_class
class BindReceiverResp(BindResp):
    command_id: ClassVar[CommandId] = CommandId.BIND_RECEIVER_RESP


@value_class
class BindTransceiverResp(BindResp):
    command_id: ClassVar[CommandId] = CommandId.BIND_TRANSCEIVER_RESP


@value_class
class Outbind(Request):
    command_id: ClassVar[CommandId] = CommandId.OUTBIND
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("system_id", _SYSTEM_ID),
        ("password", _PASSWORD),
    )

    system_id: str
    password: str = dataclasses.field(default="", repr=False)
    tlvs: tuple[Tlv, ...] = ()


@value_class
class Unbind(Request):
    command_id: ClassVar[CommandId] = CommandId.UNBIND
    has_body: ClassVar[bool] = False


@value_class
class UnbindResp(Response):
    command_id: ClassVar[CommandId] = CommandId.UNBIND_RESP
    has_body: ClassVar[bool] = False


@value_class
class EnquireLink(Request):
    command_id: ClassVar[CommandId] = CommandId.ENQUIRE_LINK
    has_body: ClassVar[bool] = False


@value_class
class EnquireLinkResp(Response):
    command_id: ClassVar[CommandId] = CommandId.ENQUIRE_LINK_RESP
    has_body: ClassVar[bool] = False


# -- messages ---------------------------------------------------------------------------------

_SM_LAYOUT: tuple[tuple[str, FieldType], ...] = (
    ("service_type", _SERVICE_TYPE),
    ("source_addr_ton", _OCTET),
    ("source_addr_npi", _OCTET),
    ("source_addr", _ADDR21_SRC),
    ("dest_addr_ton", _OCTET),
    ("dest_addr_npi", _OCTET),
    ("destination_addr", _ADDR21_DST),
    ("esm_class", _OCTET),
    ("protocol_id", _OCTET),
    ("priority_flag", _OCTET),
    ("schedule_delivery_time", _SCHEDULE),
    ("validity_period", _VALIDITY),
    ("registered_delivery", _OCTET),
    ("replace_if_present_flag", _OCTET),
    ("data_coding", _OCTET),
    ("sm_default_msg_id", _OCTET),
    ("short_message", ShortMessage()),
)


@value_class
class _ShortMessagePdu(Request):
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = _SM_LAYOUT

    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class SubmitSm(_ShortMessagePdu):
    command_id: ClassVar[CommandId] = CommandId.SUBMIT_SM


@value_class
class DeliverSm(_ShortMessagePdu):
    """SMSC -> ESME. The spec wants schedule_delivery_time, validity_period,
    replace_if_present_flag and sm_default_msg_id NULL here; they are not enforced, so a
    decoded deliver_sm from a sloppy peer still round-trips."""

    command_id: ClassVar[CommandId] = CommandId.DELIVER_SM


@value_class
class _MessageIdResp(Response):
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (("message_id", _MESSAGE_ID),)
    optional_body: ClassVar[bool] = True

    message_id: str | None = ""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class SubmitSmResp(_MessageIdResp):
    command_id: ClassVar[CommandId] = CommandId.SUBMIT_SM_RESP


@value_class
class DeliverSmResp(_MessageIdResp):
    """message_id is unused by the spec (NULL); None = the ESME sent no body at all."""

    command_id: ClassVar[CommandId] = CommandId.DELIVER_SM_RESP


@value_class
class DataSmResp(_MessageIdResp):
    command_id: ClassVar[CommandId] = CommandId.DATA_SM_RESP


@value_class
class SubmitMulti(Request):
    command_id: ClassVar[CommandId] = CommandId.SUBMIT_MULTI
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        *_SM_LAYOUT[:4],
        ("dest_addresses", DestAddresses()),
        *_SM_LAYOUT[7:],
    )

    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addresses: tuple[DestAddress | DistributionList, ...]
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class SubmitMultiResp(Response):
    command_id: ClassVar[CommandId] = CommandId.SUBMIT_MULTI_RESP
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("message_id", _MESSAGE_ID),
        ("unsuccess_smes", UnsuccessSmes()),
    )
    optional_body: ClassVar[bool] = True

    message_id: str | None = ""
    unsuccess_smes: tuple[UnsuccessSme, ...] = ()
    tlvs: tuple[Tlv, ...] = ()


@value_class
class DataSm(Request):
    command_id: ClassVar[CommandId] = CommandId.DATA_SM
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("service_type", _SERVICE_TYPE),
        ("source_addr_ton", _OCTET),
        ("source_addr_npi", _OCTET),
        ("source_addr", _ADDR65_SRC),
        ("dest_addr_ton", _OCTET),
        ("dest_addr_npi", _OCTET),
        ("destination_addr", _ADDR65_DST),
        ("esm_class", _OCTET),
        ("registered_delivery", _OCTET),
        ("data_coding", _OCTET),
    )

    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    esm_class: int = 0
    registered_delivery: int = 0
    data_coding: int = 0
    tlvs: tuple[Tlv, ...] = ()


@value_class
class QuerySm(Request):
    command_id: ClassVar[CommandId] = CommandId.QUERY_SM
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("message_id", _MESSAGE_ID),
        ("source_addr_ton", _OCTET),
        ("source_addr_npi", _OCTET),
        ("source_addr", _ADDR21_SRC),
    )

    message_id: str
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class QuerySmResp(Response):
    command_id: ClassVar[CommandId] = CommandId.QUERY_SM_RESP
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("message_id", _MESSAGE_ID),
        ("final_date", _FINAL_DATE),
        ("message_state", _OCTET),
        ("error_code", _OCTET),
    )
    optional_body: ClassVar[bool] = True

    message_id: str | None = ""
    final_date: str = ""
    message_state: int = 0
    error_code: int = 0
    tlvs: tuple[Tlv, ...] = ()


@value_class
class CancelSm(Request):
    command_id: ClassVar[CommandId] = CommandId.CANCEL_SM
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("service_type", _SERVICE_TYPE),
        ("message_id", _MESSAGE_ID),
        ("source_addr_ton", _OCTET),
        ("source_addr_npi", _OCTET),
        ("source_addr", _ADDR21_SRC),
        ("dest_addr_ton", _OCTET),
        ("dest_addr_npi", _OCTET),
        ("destination_addr", _ADDR21_DST),
    )

    service_type: str = ""
    message_id: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class CancelSmResp(Response):
    command_id: ClassVar[CommandId] = CommandId.CANCEL_SM_RESP
    has_body: ClassVar[bool] = False


@value_class
class ReplaceSm(Request):
    command_id: ClassVar[CommandId] = CommandId.REPLACE_SM
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("message_id", _MESSAGE_ID),
        ("source_addr_ton", _OCTET),
        ("source_addr_npi", _OCTET),
        ("source_addr", _ADDR21_SRC),
        ("schedule_delivery_time", _SCHEDULE),
        ("validity_period", _VALIDITY),
        ("registered_delivery", _OCTET),
        ("sm_default_msg_id", _OCTET),
        ("short_message", ShortMessage()),
    )

    message_id: str
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: tuple[Tlv, ...] = ()


@value_class
class ReplaceSmResp(Response):
    command_id: ClassVar[CommandId] = CommandId.REPLACE_SM_RESP
    has_body: ClassVar[bool] = False


@value_class
class AlertNotification(Request):
    """SMSC -> ESME, no response."""

    command_id: ClassVar[CommandId] = CommandId.ALERT_NOTIFICATION
    layout: ClassVar[tuple[tuple[str, FieldType], ...]] = (
        ("source_addr_ton", _OCTET),
        ("source_addr_npi", _OCTET),
        ("source_addr", _ADDR65_SRC),
        ("esme_addr_ton", _OCTET),
        ("esme_addr_npi", _OCTET),
        ("esme_addr", _ADDR65_DST),
    )

    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    esme_addr_ton: int = 0
    esme_addr_npi: int = 0
    esme_addr: str = ""
    tlvs: tuple[Tlv, ...] = ()


PDU_TYPES: dict[int, type[Pdu]] = {
    cls.command_id: cls
    for cls in (
        GenericNack,
        BindTransmitter,
        BindTransmitterResp,
        BindReceiver,
        BindReceiverResp,
        BindTransceiver,
        BindTransceiverResp,
        Outbind,
        Unbind,
        UnbindResp,
        EnquireLink,
        EnquireLinkResp,
        SubmitSm,
        SubmitSmResp,
        DeliverSm,
        DeliverSmResp,
        SubmitMulti,
        SubmitMultiResp,
        DataSm,
        DataSmResp,
        QuerySm,
        QuerySmResp,
        CancelSm,
        CancelSmResp,
        ReplaceSm,
        ReplaceSmResp,
        AlertNotification,
    )
}
"""command_id -> PDU class, for every PDU of SMPP 3.4."""


def error_response(command_id: int, sequence_number: int, command_status: int) -> Response:
    """The bare response to a request of `command_id`: same sequence number, the given status,
    the body omitted if the status is an error and the spec allows it; generic_nack for
    commands that have no response of their own (outbind, alert_notification, unknown ids)."""
    cls = PDU_TYPES.get(command_id | 0x80000000) if command_id < 0x80000000 else None
    if cls is None or not issubclass(cls, Response):
        return GenericNack(sequence_number=sequence_number, command_status=command_status)
    response = cls(sequence_number=sequence_number, command_status=command_status)
    if cls.optional_body and command_status != CommandStatus.ESME_ROK:
        omitted: dict[str, Any] = {cls.layout[0][0]: None}
        return dataclasses.replace(response, **omitted)
    return response


def response_to(request: Request, command_status: int = CommandStatus.ESME_ROK) -> Response:
    """`error_response` for a request value (also fine with ESME_ROK: default fields)."""
    return error_response(request.command_id, request.sequence_number, command_status)
