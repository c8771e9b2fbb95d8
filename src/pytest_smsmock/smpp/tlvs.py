"""SMPP optional parameters (TLVs): tags, value types, and the frozen `Tlv` value.

A PDU keeps its TLVs as a tuple of `Tlv` in wire order, so decode(encode(pdu)) == pdu and two
PDUs compare equal only when they would encode to the same bytes. `find_tlv` / `tlv_value`
look one up by tag.

Value types, by tag (`TLV_SPECS`):
- `int` of 1, 2 or 4 octets, big-endian;
- `str` for C-octet strings, encoded latin-1 with the terminating NUL counted in the length.
  Decoding is lenient about a missing final NUL (vendors differ, e.g. Infobip's TLVString);
  a NUL *inside* the value is ESME_RINVOPTPARAMVAL;
- `bytes` for octet strings, and for every tag this module does not know, so vendor TLVs
  survive a round trip untouched.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from enum import Enum, IntEnum

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.errors import SmppError

__all__ = [
    "TLV_SPECS",
    "Tlv",
    "TlvKind",
    "TlvSpec",
    "TlvTag",
    "find_tlv",
    "tlv_value",
]


class TlvTag(IntEnum):
    """SMPP 3.4 optional parameter tags (section 5.3.2) and Infobip vendor tags (001 §3.2)."""

    DEST_ADDR_SUBUNIT = 0x0005
    DEST_NETWORK_TYPE = 0x0006
    DEST_BEARER_TYPE = 0x0007
    DEST_TELEMATICS_ID = 0x0008
    SOURCE_ADDR_SUBUNIT = 0x000D
    SOURCE_NETWORK_TYPE = 0x000E
    SOURCE_BEARER_TYPE = 0x000F
    SOURCE_TELEMATICS_ID = 0x0010
    QOS_TIME_TO_LIVE = 0x0017
    PAYLOAD_TYPE = 0x0019
    ADDITIONAL_STATUS_INFO_TEXT = 0x001D
    RECEIPTED_MESSAGE_ID = 0x001E
    MS_MSG_WAIT_FACILITIES = 0x0030
    PRIVACY_INDICATOR = 0x0201
    SOURCE_SUBADDRESS = 0x0202
    DEST_SUBADDRESS = 0x0203
    USER_MESSAGE_REFERENCE = 0x0204
    USER_RESPONSE_CODE = 0x0205
    SOURCE_PORT = 0x020A
    DESTINATION_PORT = 0x020B
    SAR_MSG_REF_NUM = 0x020C
    LANGUAGE_INDICATOR = 0x020D
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    CALLBACK_NUM_PRES_IND = 0x0302
    CALLBACK_NUM_ATAG = 0x0303
    NUMBER_OF_MESSAGES = 0x0304
    CALLBACK_NUM = 0x0381
    DPF_RESULT = 0x0420
    SET_DPF = 0x0421
    MS_AVAILABILITY_STATUS = 0x0422
    NETWORK_ERROR_CODE = 0x0423
    MESSAGE_PAYLOAD = 0x0424
    DELIVERY_FAILURE_REASON = 0x0425
    MORE_MESSAGES_TO_SEND = 0x0426
    MESSAGE_STATE = 0x0427
    USSD_SERVICE_OP = 0x0501
    DISPLAY_TIME = 0x1201
    SMS_SIGNAL = 0x1203
    MS_VALIDITY = 0x1204
    ALERT_ON_MESSAGE_DELIVERY = 0x130C
    ITS_REPLY_TYPE = 0x1380
    ITS_SESSION_INFO = 0x1383
    # Infobip vendor TLVs (001 §3.2 Table 14 and its examples; 0x1400-0x3FFF is the
    # SMPP 3.4 vendor-specific range).
    INFOBIP_IMSI = 0x1403  # SMPP_VENDOR_SPECIFIC_IMSI; octets in the document's example
    INFOBIP_MSC = 0x1406  # serving MSC; only in the example ("(oct: (tlv: 5126) ...)")
    INFOBIP_SERVING_HLR = 0x1409
    INFOBIP_ORIGINAL_NETWORK_PREFIX = 0x140B
    INFOBIP_ORIGINAL_NETWORK_NAME = 0x1412
    INFOBIP_PORTED_NETWORK_NAME = 0x1413
    INFOBIP_ROAMING_NETWORK_NAME = 0x1414
    INFOBIP_ROAMING_COUNTRY_NAME = 0x1415
    INFOBIP_MCCMNC = 0x1416
    INFOBIP_ROAMING_COUNTRY_CODE = 0x1417
    INFOBIP_PRICE_PER_MESSAGE = 0x1418  # price x 100 (footnote 12)
    INFOBIP_ROAMING_NETWORK_PREFIX = 0x1419
    INFOBIP_ROAMING_COUNTRY_PREFIX = 0x1420
    INFOBIP_IS_NUMBER_PORTED = 0x1421
    INFOBIP_ORIGINAL_COUNTRY = 0x1422
    INFOBIP_ORIGINAL_COUNTRY_CODE = 0x1423
    INFOBIP_ORIGINAL_COUNTRY_PREFIX = 0x1424
    INFOBIP_IS_NUMBER_CORRECT = 0x1425
    INFOBIP_PORTED_NETWORK_PREFIX = 0x143E
    INFOBIP_PORTED_NETWORK_COUNTRY_NAME = 0x143F
    INFOBIP_PORTED_COUNTRY_PREFIX = 0x1442
    INFOBIP_CAMPAIGN_ID = 0x1456  # USA short code campaigns (001 §4.4)


class TlvKind(Enum):
    INT = "int"
    CSTRING = "cstring"
    OCTETS = "octets"


@value_class
class TlvSpec:
    """How a tag's value is typed: `size` is the octet count of an INT, or the maximum
    length (NUL included) of a CSTRING / OCTETS (None: only the 16-bit length bounds it)."""

    tag: int
    kind: TlvKind
    size: int | None = None


def _int(tag: TlvTag, size: int) -> TlvSpec:
    return TlvSpec(tag=tag, kind=TlvKind.INT, size=size)


def _cstr(tag: TlvTag, max_len: int | None = None) -> TlvSpec:
    return TlvSpec(tag=tag, kind=TlvKind.CSTRING, size=max_len)


def _oct(tag: TlvTag, max_len: int | None = None) -> TlvSpec:
    return TlvSpec(tag=tag, kind=TlvKind.OCTETS, size=max_len)


_T = TlvTag
TLV_SPECS: dict[int, TlvSpec] = {
    spec.tag: spec
    for spec in (
        _int(_T.DEST_ADDR_SUBUNIT, 1),
        _int(_T.DEST_NETWORK_TYPE, 1),
        _int(_T.DEST_BEARER_TYPE, 1),
        _int(_T.DEST_TELEMATICS_ID, 2),
        _int(_T.SOURCE_ADDR_SUBUNIT, 1),
        _int(_T.SOURCE_NETWORK_TYPE, 1),
        _int(_T.SOURCE_BEARER_TYPE, 1),
        _int(_T.SOURCE_TELEMATICS_ID, 1),
        _int(_T.QOS_TIME_TO_LIVE, 4),
        _int(_T.PAYLOAD_TYPE, 1),
        _cstr(_T.ADDITIONAL_STATUS_INFO_TEXT, 256),
        _cstr(_T.RECEIPTED_MESSAGE_ID, 65),
        _int(_T.MS_MSG_WAIT_FACILITIES, 1),
        _int(_T.PRIVACY_INDICATOR, 1),
        _oct(_T.SOURCE_SUBADDRESS, 23),
        _oct(_T.DEST_SUBADDRESS, 23),
        _int(_T.USER_MESSAGE_REFERENCE, 2),
        _int(_T.USER_RESPONSE_CODE, 1),
        _int(_T.SOURCE_PORT, 2),
        _int(_T.DESTINATION_PORT, 2),
        _int(_T.SAR_MSG_REF_NUM, 2),
        _int(_T.LANGUAGE_INDICATOR, 1),
        _int(_T.SAR_TOTAL_SEGMENTS, 1),
        _int(_T.SAR_SEGMENT_SEQNUM, 1),
        _int(_T.SC_INTERFACE_VERSION, 1),
        _int(_T.CALLBACK_NUM_PRES_IND, 1),
        _oct(_T.CALLBACK_NUM_ATAG, 65),
        _int(_T.NUMBER_OF_MESSAGES, 1),
        _oct(_T.CALLBACK_NUM, 19),
        _int(_T.DPF_RESULT, 1),
        _int(_T.SET_DPF, 1),
        _int(_T.MS_AVAILABILITY_STATUS, 1),
        _oct(_T.NETWORK_ERROR_CODE, 3),
        _oct(_T.MESSAGE_PAYLOAD),
        _int(_T.DELIVERY_FAILURE_REASON, 1),
        _int(_T.MORE_MESSAGES_TO_SEND, 1),
        _int(_T.MESSAGE_STATE, 1),
        _oct(_T.USSD_SERVICE_OP, 1),
        _int(_T.DISPLAY_TIME, 1),
        _int(_T.SMS_SIGNAL, 2),
        _int(_T.MS_VALIDITY, 1),
        _oct(_T.ALERT_ON_MESSAGE_DELIVERY, 0),
        _int(_T.ITS_REPLY_TYPE, 1),
        _oct(_T.ITS_SESSION_INFO, 2),
        # Infobip: TLVString = C-octet string, TLVInt = 4 octets (Logica/OpenSMPP types,
        # which the document's dump format "(str: ...) (int: ...)" comes from).
        _oct(_T.INFOBIP_IMSI),
        _oct(_T.INFOBIP_MSC),
        _cstr(_T.INFOBIP_SERVING_HLR),
        _cstr(_T.INFOBIP_ORIGINAL_NETWORK_PREFIX),
        _cstr(_T.INFOBIP_ORIGINAL_NETWORK_NAME),
        _cstr(_T.INFOBIP_PORTED_NETWORK_NAME),
        _cstr(_T.INFOBIP_ROAMING_NETWORK_NAME),
        _cstr(_T.INFOBIP_ROAMING_COUNTRY_NAME),
        _cstr(_T.INFOBIP_MCCMNC),
        _cstr(_T.INFOBIP_ROAMING_COUNTRY_CODE),
        _int(_T.INFOBIP_PRICE_PER_MESSAGE, 4),
        _cstr(_T.INFOBIP_ROAMING_NETWORK_PREFIX),
        _cstr(_T.INFOBIP_ROAMING_COUNTRY_PREFIX),
        _int(_T.INFOBIP_IS_NUMBER_PORTED, 4),
        _cstr(_T.INFOBIP_ORIGINAL_COUNTRY),
        _cstr(_T.INFOBIP_ORIGINAL_COUNTRY_CODE),
        _cstr(_T.INFOBIP_ORIGINAL_COUNTRY_PREFIX),
        _int(_T.INFOBIP_IS_NUMBER_CORRECT, 4),
        _cstr(_T.INFOBIP_PORTED_NETWORK_PREFIX),
        _cstr(_T.INFOBIP_PORTED_NETWORK_COUNTRY_NAME),
        _cstr(_T.INFOBIP_PORTED_COUNTRY_PREFIX),
        _cstr(_T.INFOBIP_CAMPAIGN_ID),
    )
}

_MAX_VALUE_LEN = 0xFFFF
_INT_FORMATS = {1: ">B", 2: ">H", 4: ">I"}


def _fail(message: str, status: int) -> SmppError:
    return SmppError(message, status=status)


@value_class
class Tlv:
    """One optional parameter. The value's Python type must match the tag's `TlvSpec`;
    unknown tags take `bytes`."""

    tag: int
    value: int | str | bytes

    def __post_init__(self) -> None:
        if not 0 <= self.tag <= 0xFFFF:
            raise _fail(f"TLV tag {self.tag!r} is not 16 bits", CommandStatus.ESME_RINVOPTPARSTREAM)
        spec = TLV_SPECS.get(self.tag)
        kind = spec.kind if spec is not None else TlvKind.OCTETS
        name = _LazyName(self.tag)  # formatted only into an error message
        value = self.value
        if kind is TlvKind.INT:
            assert spec is not None
            assert spec.size is not None
            if not isinstance(value, int) or isinstance(value, bool):
                raise _fail(f"TLV {name} takes an int, not {value!r}", _INVAL)
            if not 0 <= value < 1 << (8 * spec.size):
                raise _fail(f"TLV {name}: {value} does not fit {spec.size} octet(s)", _INVAL)
        elif kind is TlvKind.CSTRING:
            if not isinstance(value, str):
                raise _fail(f"TLV {name} takes a str, not {value!r}", _INVAL)
            try:
                raw = value.encode("latin-1")
            except UnicodeEncodeError:
                raise _fail(f"TLV {name}: {value!r} is not latin-1", _INVAL) from None
            if b"\0" in raw:
                raise _fail(f"TLV {name}: NUL inside a C-octet string", _INVAL)
            limit = _MAX_VALUE_LEN if spec is None or spec.size is None else spec.size
            if len(raw) + 1 > limit:
                raise _fail(f"TLV {name}: {len(raw) + 1} octets > {limit}", _BADLEN)
        else:
            if not isinstance(value, bytes):
                raise _fail(f"TLV {name} takes bytes, not {value!r}", _INVAL)
            limit = _MAX_VALUE_LEN if spec is None or spec.size is None else spec.size
            if len(value) > limit:
                raise _fail(f"TLV {name}: {len(value)} octets > {limit}", _BADLEN)

    def encode(self) -> bytes:
        """tag, length, value."""
        value = self.value
        if isinstance(value, str):
            raw = value.encode("latin-1") + b"\0"
        elif isinstance(value, bytes):
            raw = value
        else:
            spec = TLV_SPECS[self.tag]
            assert spec.size is not None
            raw = struct.pack(_INT_FORMATS[spec.size], value)
        return struct.pack(">HH", self.tag, len(raw)) + raw

    @classmethod
    def from_wire(cls, tag: int, raw: bytes) -> Tlv:
        """Build from a tag and its raw value octets; errors carry ESME_RINVPARLEN /
        ESME_RINVOPTPARAMVAL."""
        spec = TLV_SPECS.get(tag)
        key: int = TlvTag(tag) if spec is not None else tag
        if spec is None or spec.kind is TlvKind.OCTETS:
            return cls(tag=key, value=bytes(raw))
        if spec.kind is TlvKind.INT:
            assert spec.size is not None
            if len(raw) != spec.size:
                raise _fail(
                    f"TLV {_tag_name(tag)} must be {spec.size} octet(s), got {len(raw)}", _BADLEN
                )
            (number,) = struct.unpack(_INT_FORMATS[spec.size], raw)
            return cls(tag=key, value=number)
        body = raw[:-1] if raw.endswith(b"\0") else raw
        if b"\0" in body:
            raise _fail(f"TLV {_tag_name(tag)}: NUL inside a C-octet string", _INVAL)
        return cls(tag=key, value=body.decode("latin-1"))


_INVAL = CommandStatus.ESME_RINVOPTPARAMVAL
_BADLEN = CommandStatus.ESME_RINVPARLEN


class _LazyName:
    """`_tag_name(tag)` when formatted: a valid TLV never pays for its name."""

    __slots__ = ("tag",)

    def __init__(self, tag: int) -> None:
        self.tag = tag

    def __format__(self, spec: str) -> str:
        return format(_tag_name(self.tag), spec)


def _tag_name(tag: int) -> str:
    try:
        return f"{TlvTag(tag).name.lower()} (0x{tag:04X})"
    except ValueError:
        return f"0x{tag:04X}"


def find_tlv(tlvs: Iterable[Tlv], tag: int) -> Tlv | None:
    """The first TLV with this tag, or None."""
    for tlv in tlvs:
        if tlv.tag == tag:
            return tlv
    return None


def tlv_value(tlvs: Iterable[Tlv], tag: int) -> int | str | bytes | None:
    """The value of the first TLV with this tag, or None."""
    found = find_tlv(tlvs, tag)
    return None if found is None else found.value
