"""SMSC.ru codes as data: message statuses, delivery error codes, API error codes, flag bits.

Rules:
- every SMSC status code the API can answer has one row in `STATUSES` (code, English name as the
  status API's `status_name` carries it, the canonical core `Status` it reads as);
- the reverse direction (canonical -> SMSC) is `CANONICAL_TO_NATIVE`: one status code and the
  delivery error (`err`) a message in that canonical state shows;
- scenario files may name a status either way: `to_canonical()` accepts canonical names
  (`delivered`), SMSC codes (`1`, `-1`, `"20"`) and SMSC names (`"delivered"`, `"expired"`,
  `"unable to deliver"`), and `to_native()` is its inverse for what the fake answers.

Status codes (SMSC "status codes" table): -3 not found, -2 stopped, -1 waiting to be sent,
0 transferred to the operator, 1 delivered, 2 read, 3 expired, 4 link clicked, 20 unable to deliver,
22 invalid number, 23 prohibited, 24 insufficient funds, 25 unavailable number. -3 is also what a
deleted or archived message answers.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import Status

__all__ = [
    "API_ERRORS",
    "CANONICAL_TO_NATIVE",
    "DELIVERY_ERRORS",
    "HLR_ERRORS",
    "NOT_FOUND",
    "STATUSES",
    "ErrorCode",
    "MessageType",
    "NativeStatus",
    "err_for_gsm",
    "native_names",
    "resolve_native",
    "to_canonical",
    "to_native",
]


@value_class
class NativeStatus:
    code: int
    name: str
    canonical: Status


NOT_FOUND = -3

STATUSES: MappingProxyType[int, NativeStatus] = MappingProxyType(
    {
        row.code: row
        for row in (
            NativeStatus(code=-3, name="Message not found", canonical=Status.UNKNOWN),
            NativeStatus(code=-2, name="Stopped", canonical=Status.DELETED),
            NativeStatus(code=-1, name="Waiting to be sent", canonical=Status.ACCEPTED),
            NativeStatus(code=0, name="Transferred to operator", canonical=Status.ENROUTE),
            NativeStatus(code=1, name="Delivered", canonical=Status.DELIVERED),
            NativeStatus(code=2, name="Read", canonical=Status.DELIVERED),
            NativeStatus(code=3, name="Expired", canonical=Status.EXPIRED),
            NativeStatus(code=4, name="Link clicked", canonical=Status.DELIVERED),
            NativeStatus(code=20, name="Unable to deliver", canonical=Status.UNDELIVERABLE),
            NativeStatus(code=22, name="Invalid number", canonical=Status.REJECTED),
            NativeStatus(code=23, name="Prohibited", canonical=Status.REJECTED),
            NativeStatus(code=24, name="Insufficient funds", canonical=Status.REJECTED),
            NativeStatus(code=25, name="Unavailable number", canonical=Status.UNDELIVERABLE),
        )
    }
)

# Canonical state -> (SMSC status code, default `err`). SMSC has no "unknown" status: a message
# whose fate never came back is "unable to deliver" with err 245 ("status not received").
CANONICAL_TO_NATIVE: MappingProxyType[Status, tuple[int, int]] = MappingProxyType(
    {
        Status.ACCEPTED: (-1, 0),
        Status.SCHEDULED: (-1, 0),
        Status.ENROUTE: (0, 0),
        Status.DELIVERED: (1, 0),
        Status.EXPIRED: (3, 0),
        Status.UNDELIVERABLE: (20, 1),
        Status.REJECTED: (23, 0),
        Status.UNKNOWN: (20, 245),
        Status.DELETED: (-2, 0),
    }
)

# Delivery error codes (`err` of a status answer; SMSC "error codes in the status").
DELIVERY_ERRORS: MappingProxyType[int, str] = MappingProxyType(
    {
        0: "No error",
        1: "The subscriber does not exist",
        6: "Subscriber is offline",
        11: "The service is not connected",
        12: "Error in the subscriber's phone",
        13: "Subscriber is blocked",
        21: "No support for the service",
        200: "Virtual sending",
        219: "SIM card replacement",
        220: "Queue overflowed at the operator",
        240: "Subscriber is busy",
        241: "Sound conversion error",
        242: "Answering machine detected",
        243: "Contract not concluded",
        244: "Mailings are prohibited",
        245: "Status not received",
        246: "Time limit",
        247: "Message limit exceeded",
        248: "No route",
        249: "Invalid number format",
        250: "Number prohibited by settings",
        251: "Limit per number exceeded",
        252: "Number is prohibited",
        253: "Prohibited by the spam filter",
        254: "Unregistered sender ID",
        255: "Rejected by the operator",
    }
)

# HLR answers reuse the delivery error table for the subscriber state (`err` of an HLR status).
HLR_ERRORS = DELIVERY_ERRORS

# Canonical GSM errors (core.gsm_errors) as SMSC `err` codes. SMSC does not publish the mapping;
# these follow the meaning of each `err` text, and anything else the network refused reads as
# 255 "Rejected by the operator".
_ERR_FOR_GSM: Mapping[int, int] = MappingProxyType(
    {
        0: 0,  # NO_ERROR
        1: 1,  # EC_UNKNOWN_SUBSCRIBER: the subscriber does not exist
        5: 1,  # EC_UNIDENTIFIED_SUBSCRIBER
        6: 6,  # EC_ABSENT_SUBSCRIBER_SM: subscriber is offline
        27: 6,  # EC_ABSENT_SUBSCRIBER
        9: 13,  # EC_ILLEGAL_SUBSCRIBER: subscriber is blocked
        13: 13,  # EC_CALL_BARRED
        10: 11,  # EC_BEARER_SERVICE_NOT_PROVISIONED: the service is not connected
        11: 11,  # EC_TELESERVICE_NOT_PROVISIONED
        12: 12,  # EC_ILLEGAL_EQUIPMENT: error in the subscriber's phone
        256: 12,  # EC_SM_DF_memoryCapacityExceeded
        257: 12,  # EC_SM_DF_equipmentProtocolError
        258: 12,  # EC_SM_DF_equipmentNotSM_Equipped
        21: 21,  # EC_FACILITY_NOT_SUPPORTED: no support for the service
        31: 240,  # EC_SUBSCRIBER_BUSY_FOR_MT_SMS: subscriber is busy
        33: 220,  # EC_MESSAGE_WAITING_LIST_FULL: queue overflowed at the operator
        260: 220,  # EC_SM_DF_sc_Congestion
        261: 249,  # EC_SM_DF_invalidSME_Address: invalid number format
        502: 245,  # EC_NO_RESPONSE: status not received
        2048: 245,  # EC_TIME_OUT
    }
)


def err_for_gsm(code: int) -> int:
    """The SMSC `err` a canonical GSM error code is reported as."""
    return _ERR_FOR_GSM.get(code, 255)


class ErrorCode:
    """API error codes (1..9) and the description the server prints next to them.

    The descriptions are the short English texts the real server answers with (`ERROR = 2
    (authorise error)`), as public clients record them; the document only describes the codes.
    """

    PARAMETERS = 1
    AUTH = 2
    NO_MONEY = 3
    IP_BLOCKED = 4
    DATE_FORMAT = 5  # send.php; status.php uses 5 for "error deleting a message"
    DENIED = 6
    INVALID_NUMBER = 7
    CANNOT_DELIVER = 8
    DUPLICATE = 9


API_ERRORS: MappingProxyType[int, str] = MappingProxyType(
    {
        1: "parameters error",
        2: "authorise error",
        3: "no money",
        4: "IP is blocked",
        5: "wrong date format",
        6: "message is denied",
        7: "invalid number",
        8: "can't deliver sms",
        9: "duplicate request, wait a minute",
    }
)

# status.php words some of them differently (the document's error table).
STATUS_API_ERRORS: MappingProxyType[int, str] = MappingProxyType(
    {
        **API_ERRORS,
        5: "error deleting message",
        9: "too many requests",
    }
)

# Send errors that belong to one message: the answer carries its id (`ERROR = 7 (...), ID - 5`).
ERRORS_WITH_ID = frozenset({3, 6, 7, 8})


class MessageType:
    """Bits 0-3 of `flag` and the `type` field of a status answer."""

    SMS = 0
    FLASH = 1
    BINARY = 2
    WAP_PUSH = 3
    HLR = 4
    PING = 5


FLAG_SECOND_BALANCE = 1 << 5
FLAG_TEMPLATE = 1 << 8

_NAMES: dict[str, Status] = {}
for _row in STATUSES.values():
    _NAMES.setdefault(_row.name.lower(), _row.canonical)
_NAMES.update({"not found": Status.UNKNOWN, "waiting": Status.ACCEPTED, "sent": Status.ENROUTE})


def to_canonical(value: object) -> Status:
    """A canonical status from a canonical name, an SMSC code (int or digits) or an SMSC name."""
    if isinstance(value, Status):
        return value
    if isinstance(value, bool):
        raise ValueError(f"not an SMSC status: {value!r}")
    if isinstance(value, int):
        row = STATUSES.get(value)
        if row is None:
            raise ValueError(f"unknown SMSC status code {value}; known: {sorted(STATUSES)}")
        return row.canonical
    if isinstance(value, str):
        text = value.strip()
        try:
            return to_canonical(int(text))
        except ValueError:
            pass
        lowered = text.lower()
        try:
            return Status(lowered)
        except ValueError:
            pass
        if lowered in _NAMES:
            return _NAMES[lowered]
        known = sorted({s.value for s in Status} | set(_NAMES))
        raise ValueError(f"unknown SMSC status {value!r}; use a code {sorted(STATUSES)} or {known}")
    raise ValueError(f"not an SMSC status: {value!r}")


def to_native(
    status: Status, error: int | str | None = None, native: int | str | None = None
) -> tuple[int, int]:
    """(SMSC status code, err) for a canonical status.

    `native` is the SMSC status a scenario named (22 "invalid number" is `rejected` too): it
    picks that code, with err 0, when it belongs to `status`. `error` is the err code.
    """
    code, err = CANONICAL_TO_NATIVE[status]
    if native is not None:
        try:
            number = int(native)
        except (TypeError, ValueError):
            number = code
        if number in STATUSES and STATUSES[number].canonical is status and number != code:
            code, err = number, 0
    if error is None:
        return code, err
    try:
        return code, int(error)
    except (TypeError, ValueError):
        return code, err


def _scenario_rows() -> list[NativeStatus]:
    # -3 is what the status API answers for a message it does not know, not a state a
    # message can reach: a scenario cannot ask for it.
    return [row for row in STATUSES.values() if row.code != NOT_FOUND]


def resolve_native(value: object) -> tuple[Status, int | None] | None:
    """A scenario's SMSC-native status -> (canonical status, native code), or None.

    Codes (`20`, `"-1"`) and the names of `STATUSES` (any case) are native. The native code is
    the code itself when it is not the canonical state's own (`to_native(REJECTED, native=22)`
    answers 22), None otherwise, so a code round-trips through the core's canonical status.
    """
    if isinstance(value, bool):
        return None
    row: NativeStatus | None = None
    if isinstance(value, int):
        row = STATUSES.get(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            row = STATUSES.get(int(text))
        except ValueError:
            lowered = text.lower()
            row = next((r for r in _scenario_rows() if r.name.lower() == lowered), None)
    if row is None or row.code == NOT_FOUND:
        return None
    own_code = CANONICAL_TO_NATIVE[row.canonical][0]
    return row.canonical, None if row.code == own_code else row.code


def native_names() -> list[str]:
    """What `resolve_native` accepts, for error messages: the codes, then the names."""
    rows = _scenario_rows()
    return [str(row.code) for row in rows] + [row.name for row in rows]
