"""SMPP 3.4 numbers: command ids, command statuses, address and message flags.

Standard values follow the SMPP v3.4 specification (issue 1.2). Statuses that the provider
documents use outside that list (or with another meaning) are in `VENDOR_STATUSES`, keyed by
provider, because the same number can mean different things: 0x22 is "network not covered"
for Infobip and "invalid address" for Broadnet, 0xFF is "insufficient balance" for Infobip and
"unknown error" everywhere else.
"""

from __future__ import annotations

from enum import IntEnum, IntFlag

from pytest_smsmock.core.frozen import value_class

__all__ = [
    "GENERIC_NACK",
    "INTERFACE_VERSION",
    "RESPONSE_BIT",
    "VENDOR_STATUSES",
    "CommandId",
    "CommandStatus",
    "DataCoding",
    "EsmClass",
    "MessageState",
    "Npi",
    "RegisteredDelivery",
    "Ton",
    "VendorStatus",
    "describe_status",
    "is_response",
    "response_id",
]

#: interface_version of a bind for SMPP 3.4 (0x33 and below mean 3.3 or earlier).
INTERFACE_VERSION = 0x34

#: command_id bit 31 marks a response.
RESPONSE_BIT = 0x80000000


class CommandId(IntEnum):
    """SMPP 3.4 command_id values (section 5.1.2.1)."""

    GENERIC_NACK = 0x80000000
    BIND_RECEIVER = 0x00000001
    BIND_RECEIVER_RESP = 0x80000001
    BIND_TRANSMITTER = 0x00000002
    BIND_TRANSMITTER_RESP = 0x80000002
    QUERY_SM = 0x00000003
    QUERY_SM_RESP = 0x80000003
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    REPLACE_SM = 0x00000007
    REPLACE_SM_RESP = 0x80000007
    CANCEL_SM = 0x00000008
    CANCEL_SM_RESP = 0x80000008
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    OUTBIND = 0x0000000B
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015
    SUBMIT_MULTI = 0x00000021
    SUBMIT_MULTI_RESP = 0x80000021
    ALERT_NOTIFICATION = 0x00000102
    DATA_SM = 0x00000103
    DATA_SM_RESP = 0x80000103


GENERIC_NACK = CommandId.GENERIC_NACK


def is_response(command_id: int) -> bool:
    """True for response command ids (bit 31 set), generic_nack included."""
    return bool(command_id & RESPONSE_BIT)


def response_id(command_id: int) -> CommandId | None:
    """The command id of the response to a request, or None if it has none (outbind,
    alert_notification) or is not a known request."""
    if is_response(command_id):
        return None
    try:
        return CommandId(command_id | RESPONSE_BIT)
    except ValueError:
        return None


class CommandStatus(IntEnum):
    """Standard SMPP 3.4 command_status values (section 5.1.3)."""

    ESME_ROK = 0x00000000
    ESME_RINVMSGLEN = 0x00000001
    ESME_RINVCMDLEN = 0x00000002
    ESME_RINVCMDID = 0x00000003
    ESME_RINVBNDSTS = 0x00000004
    ESME_RALYBND = 0x00000005
    ESME_RINVPRTFLG = 0x00000006
    ESME_RINVREGDLVFLG = 0x00000007
    ESME_RSYSERR = 0x00000008
    ESME_RINVSRCADR = 0x0000000A
    ESME_RINVDSTADR = 0x0000000B
    ESME_RINVMSGID = 0x0000000C
    ESME_RBINDFAIL = 0x0000000D
    ESME_RINVPASWD = 0x0000000E
    ESME_RINVSYSID = 0x0000000F
    ESME_RCANCELFAIL = 0x00000011
    ESME_RREPLACEFAIL = 0x00000013
    ESME_RMSGQFUL = 0x00000014
    ESME_RINVSERTYP = 0x00000015
    ESME_RINVNUMDESTS = 0x00000033
    ESME_RINVDLNAME = 0x00000034
    ESME_RINVDESTFLAG = 0x00000040
    ESME_RINVSUBREP = 0x00000042
    ESME_RINVESMCLASS = 0x00000043
    ESME_RCNTSUBDL = 0x00000044
    ESME_RSUBMITFAIL = 0x00000045
    ESME_RINVSRCTON = 0x00000048
    ESME_RINVSRCNPI = 0x00000049
    ESME_RINVDSTTON = 0x00000050
    ESME_RINVDSTNPI = 0x00000051
    ESME_RINVSYSTYP = 0x00000053
    ESME_RINVREPFLAG = 0x00000054
    ESME_RINVNUMMSGS = 0x00000055
    ESME_RTHROTTLED = 0x00000058
    ESME_RINVSCHED = 0x00000061
    ESME_RINVEXPIRY = 0x00000062
    ESME_RINVDFTMSGID = 0x00000063
    ESME_RX_T_APPN = 0x00000064
    ESME_RX_P_APPN = 0x00000065
    ESME_RX_R_APPN = 0x00000066
    ESME_RQUERYFAIL = 0x00000067
    ESME_RINVOPTPARSTREAM = 0x000000C0
    ESME_ROPTPARNOTALLWD = 0x000000C1
    ESME_RINVPARLEN = 0x000000C2
    ESME_RMISSINGOPTPARAM = 0x000000C3
    ESME_RINVOPTPARAMVAL = 0x000000C4
    ESME_RDELIVERYFAILURE = 0x000000FE
    ESME_RUNKNOWNERR = 0x000000FF


_STANDARD_DESCRIPTIONS: dict[int, str] = {
    0x00: "No Error",
    0x01: "Message Length is invalid",
    0x02: "Command Length is invalid",
    0x03: "Invalid Command ID",
    0x04: "Incorrect BIND Status for given command",
    0x05: "ESME Already in Bound State",
    0x06: "Invalid Priority Flag",
    0x07: "Invalid Registered Delivery Flag",
    0x08: "System Error",
    0x0A: "Invalid Source Address",
    0x0B: "Invalid Dest Addr",
    0x0C: "Message ID is invalid",
    0x0D: "Bind Failed",
    0x0E: "Invalid Password",
    0x0F: "Invalid System ID",
    0x11: "Cancel SM Failed",
    0x13: "Replace SM Failed",
    0x14: "Message Queue Full",
    0x15: "Invalid Service Type",
    0x33: "Invalid number of destinations",
    0x34: "Invalid Distribution List name",
    0x40: "Destination flag is invalid (submit_multi)",
    0x42: "Invalid 'submit with replace' request",
    0x43: "Invalid esm_class field data",
    0x44: "Cannot Submit to Distribution List",
    0x45: "submit_sm or submit_multi failed",
    0x48: "Invalid Source address TON",
    0x49: "Invalid Source address NPI",
    0x50: "Invalid Destination address TON",
    0x51: "Invalid Destination address NPI",
    0x53: "Invalid system_type field",
    0x54: "Invalid replace_if_present flag",
    0x55: "Invalid number of messages",
    0x58: "Throttling error (ESME has exceeded allowed message limits)",
    0x61: "Invalid Scheduled Delivery Time",
    0x62: "Invalid message validity period (Expiry time)",
    0x63: "Predefined Message Invalid or Not Found",
    0x64: "ESME Receiver Temporary App Error Code",
    0x65: "ESME Receiver Permanent App Error Code",
    0x66: "ESME Receiver Reject Message Error Code",
    0x67: "query_sm request failed",
    0xC0: "Error in the optional part of the PDU Body",
    0xC1: "Optional Parameter not allowed",
    0xC2: "Invalid Parameter Length",
    0xC3: "Expected Optional Parameter missing",
    0xC4: "Invalid Optional Parameter Value",
    0xFE: "Delivery Failure (used for data_sm_resp)",
    0xFF: "Unknown Error",
}


@value_class
class VendorStatus:
    """A command_status a provider document defines outside SMPP 3.4 or gives its own meaning."""

    code: int
    name: str
    description: str
    provider: str
    source: str


# Provider keys match the packages under `pytest_smsmock.providers`.
VENDOR_STATUSES: tuple[VendorStatus, ...] = (
    # 001 Infobip, section 4.3 "Command Status"
    VendorStatus(
        code=0x22,
        name="NETWORK_NOT_COVERED",
        description="Network not covered",
        provider="infobip",
        source="001 §4.3",
    ),
    VendorStatus(
        code=0xFF,
        name="INSUFFICIENT_BALANCE",
        description="Account has insufficient balance",
        provider="infobip",
        source="001 §4.3",
    ),
    VendorStatus(
        code=0x4A1,
        name="SYSTEM_ERROR",
        description="System_Error or Channel_Disabled",
        provider="infobip",
        source="001 §4.3",
    ),
    # 002 Enhanced SMPP, command_status table
    VendorStatus(
        code=0x12F,
        name="NETWORK_NOT_AVAILABLE",
        description="Country/Network not available",
        provider="enhanced_smpp",
        source="002 command_status table",
    ),
    VendorStatus(
        code=0x58,
        name="ESME_RTHROTTLED",
        description="Throttling error; ESME has exceeded allowed message limits (30 msg/s)",
        provider="enhanced_smpp",
        source="002 command_status table",
    ),
    VendorStatus(
        code=0x14,
        name="ESME_RMSGQFUL",
        description="Message Queue Full",
        provider="enhanced_smpp",
        source="002 command_status table",
    ),
    # 003 Broadnet, "SMPP Status Codes"
    VendorStatus(
        code=0x12,
        name="ESME_RCOVERR",
        description="No Coverage For Requested Destination",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x22,
        name="ESME_RINVADR",
        description="Invalid Address",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x31,
        name="ESME_RPARAMRETFAIL",
        description="Parameter Retrieve Failed",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x32,
        name="ESME_RINVPARAM",
        description="Invalid Parameter",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x40B,
        name="ESME_RINVBALANCE",
        description="Insufficient Balance",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x59,
        name="ESME_RPROVNOTALLWD",
        description="Provisioning Not Allowed",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x8D,
        name="ESME_RINVMDTLEN",
        description="Message delivery time Length Invalid",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x93,
        name="ESME_RINVREGDELLEN",
        description="Registered Delivery Length Invalid",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x9C,
        name="ESME_RINVREGDEL",
        description="Registered Delivery Invalid",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x58,
        name="ESME_RTHROTTLED",
        description="Throttling error",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x14,
        name="ESME_RMSGQFUL",
        description="Message queue full",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
    VendorStatus(
        code=0x12C,
        name="ESME_LAST_ERROR",
        description="Last error code",
        provider="broadnet",
        source="003 SMPP Status Codes",
    ),
)


def describe_status(code: int, provider: str | None = None) -> str:
    """A human description of a command_status, the provider's meaning first if it has one.

    >>> describe_status(0xFF)
    'ESME_RUNKNOWNERR (0x000000FF): Unknown Error'
    >>> describe_status(0xFF, "infobip")
    'INSUFFICIENT_BALANCE (0x000000FF): Account has insufficient balance'
    """
    if provider is not None:
        for vendor in VENDOR_STATUSES:
            if vendor.code == code and vendor.provider == provider:
                return f"{vendor.name} (0x{code:08X}): {vendor.description}"
    try:
        name = CommandStatus(code).name
    except ValueError:
        return f"0x{code:08X}: vendor specific or reserved"
    return f"{name} (0x{code:08X}): {_STANDARD_DESCRIPTIONS[code]}"


class Ton(IntEnum):
    """Type of Number (section 5.2.5)."""

    UNKNOWN = 0
    INTERNATIONAL = 1
    NATIONAL = 2
    NETWORK_SPECIFIC = 3
    SUBSCRIBER_NUMBER = 4
    ALPHANUMERIC = 5
    ABBREVIATED = 6


class Npi(IntEnum):
    """Numbering Plan Indicator (section 5.2.6)."""

    UNKNOWN = 0
    ISDN = 1  # E163/E164
    DATA = 3  # X.121
    TELEX = 4  # F.69
    LAND_MOBILE = 6  # E.212
    NATIONAL = 8
    PRIVATE = 9
    ERMES = 10
    INTERNET = 14  # IP
    WAP_CLIENT_ID = 18


class EsmClass(IntFlag):
    """esm_class bits (section 5.2.12): messaging mode (bits 1-0), message type (bits 5-2),
    GSM network features (bits 7-6). Mode and type are small enums packed into the byte,
    so combine them with `|` and compare with the `*_MASK` values."""

    DEFAULT = 0x00
    # messaging mode, bits 1-0
    MODE_DATAGRAM = 0x01
    MODE_FORWARD = 0x02
    MODE_STORE_AND_FORWARD = 0x03
    MODE_MASK = 0x03
    # message type, bits 5-2
    TYPE_DELIVERY_RECEIPT = 0x04  # deliver_sm carries an SMSC delivery receipt
    TYPE_DELIVERY_ACK = 0x08
    TYPE_MANUAL_ACK = 0x10
    TYPE_CONVERSATION_ABORT = 0x18
    TYPE_INTERMEDIATE_NOTIFICATION = 0x20
    TYPE_MASK = 0x3C
    # GSM network specific features, bits 7-6
    UDHI = 0x40
    REPLY_PATH = 0x80


class RegisteredDelivery(IntFlag):
    """registered_delivery bits (section 5.2.17)."""

    NONE = 0x00
    # SMSC delivery receipt, bits 1-0
    RECEIPT_ON_SUCCESS_OR_FAILURE = 0x01
    RECEIPT_ON_FAILURE = 0x02
    RECEIPT_MASK = 0x03
    # SME originated acknowledgement, bits 3-2
    SME_DELIVERY_ACK = 0x04
    SME_MANUAL_ACK = 0x08
    SME_ACK_MASK = 0x0C
    # intermediate notification, bit 4
    INTERMEDIATE_NOTIFICATION = 0x10


class DataCoding(IntEnum):
    """data_coding values (section 5.2.19) plus the Infobip ones of 001 Table 16."""

    SMSC_DEFAULT = 0x00  # GSM 03.38 7-bit alphabet at most SMSCs
    IA5 = 0x01  # Infobip: "GSM7"
    OCTET_UNSPECIFIED_2 = 0x02
    LATIN_1 = 0x03
    OCTET_UNSPECIFIED = 0x04  # Infobip: "Binary"
    JIS = 0x05
    CYRILLIC = 0x06
    LATIN_HEBREW = 0x07
    UCS2 = 0x08
    PICTOGRAM = 0x09
    ISO_2022_JP = 0x0A
    EXTENDED_KANJI_JIS = 0x0D
    KS_C_5601 = 0x0E
    UCS2_FLASH = 0x18  # Infobip 24 "Unicode Flash" (GSM class 0, UCS2)
    FLASH = 0xF0  # Infobip 240 "Flash" (GSM class 0, default alphabet)
    WAP_PUSH = 0xF5  # Infobip 245 "Wap Push" (class 1, 8-bit)


class MessageState(IntEnum):
    """message_state values (section 5.2.28), used by query_sm_resp and the TLV 0x0427."""

    ENROUTE = 1
    DELIVERED = 2
    EXPIRED = 3
    DELETED = 4
    UNDELIVERABLE = 5
    ACCEPTED = 6
    UNKNOWN = 7
    REJECTED = 8
