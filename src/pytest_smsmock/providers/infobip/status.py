"""Infobip's status tables, shared by the HTTP API v3 and the SMPP profile.

- `SEND_STATUSES`: the per-recipient answer codes of a send (document table "HTTP API response
  values", plus the codes public clients also know: -4, -7, -8, -9, -12). The fake produces
  every code of the document's table from its cause, and -7/-8 for a missing text/sender;
  `NOT_PRODUCED` (-4 SOCKET_EXCEPTION, -9 DESTINATION_ADDRESS_INVALID_FORMAT, -12
  INVALID_DESTINATION_ADDRESS) are codes clients know but the document gives no cause for (it
  answers any unusable number with -13): they come only from a scenario's ``respond``.
  `send_status_code()` reads a ``respond: {status: ...}`` value (code or name).
- `DLR_STATUSES` and `dlr_status()`: the status a delivery report carries for a message, from
  its canonical status and the error a scenario gave (a GSM error code or name, or an Infobip
  DLR status name such as ``"NOT_ALLOWED"``).
- `GSM_ERRORS`: the document's "GSM ErrorCodes" table (4.1), for both HTTP and SMPP.
- `SMPP_STATS`: the ``stat:`` words of the SMPP DR text (3.1).
- `NATIVE_STATUSES`, `resolve_native()`, `native_names()`: Infobip's own DLR status names and
  SMPP stat words -> canonical status, for scenarios.
"""

from __future__ import annotations

from datetime import datetime

from pytest_smsmock.core.messages import Status

__all__ = [
    "DLR_STATUSES",
    "GSM_ERRORS",
    "NATIVE_STATUSES",
    "NOT_PRODUCED",
    "SEND_STATUSES",
    "SMPP_STATS",
    "dlr_status",
    "format_dlr_date",
    "gsm_error",
    "native_names",
    "resolve_native",
    "send_status_code",
    "smpp_stat",
]

SEND_STATUSES: dict[int, str] = {
    0: "ALL_RECIPIENTS_PROCESSED",
    -1: "SEND_ERROR",
    -2: "NOT_ENOUGH_CREDITS",
    -3: "NETWORK_NOTCOVERED",
    -4: "SOCKET_EXCEPTION",
    -5: "INVALID_USER_OR_PASS",
    -6: "MISSING_DESTINATION_ADDRESS",
    -7: "MISSING_SMS_TEXT",
    -8: "MISSING_SENDER_NAME",
    -9: "DESTINATION_ADDRESS_INVALID_FORMAT",
    -10: "MISSING_USERNAME",
    -11: "MISSING_PASSWORD",
    -12: "INVALID_DESTINATION_ADDRESS",
    -13: "INVALID_DESTINATION_ADDRESS",
    -22: "SYNTAX_ERROR",
    -23: "ERROR_PROCESSING",
    -26: "COMMUNICATION_ERROR",
    -27: "INVALID_SENDDATETIME",
    -28: "INVALID_DELIVERY_REPORT_PUSH_URL",
    -30: "INVALID_CLIENT_APPID",
    -33: "DUPLICATE_MESSAGEID",
    -34: "SENDER_NOT_ALLOWED",
    -99: "GENERAL_ERROR",
}

#: Codes public clients know that the document gives no cause for: never answered by the fake
#: on its own (a scenario's ``respond: {status: -9}`` still can).
NOT_PRODUCED: frozenset[int] = frozenset({-4, -9, -12})

# Name -> code for ``respond``; INVALID_DESTINATION_ADDRESS is the document's -13, not the -12
# of older clients.
_SEND_CODES: dict[str, int] = {
    name: code for code, name in sorted(SEND_STATUSES.items(), reverse=True) if code != -12
}

DLR_STATUSES: tuple[str, ...] = (
    "NOT_SENT",
    "SENT",
    "NOT_DELIVERED",
    "DELIVERED",
    "NOT_ALLOWED",
    "INVALID_DESTINATION_ADDRESS",
    "INVALID_SOURCE_ADDRESS",
    "ROUTE_NOT_AVAILABLE",
    "NOT_ENOUGH_CREDITS",
    "REJECTED",
    "INVALID_MESSAGE_FORMAT",
)

NATIVE_STATUSES: dict[str, Status] = {
    "DELIVERED": Status.DELIVERED,
    "NOT_DELIVERED": Status.UNDELIVERABLE,
    "NOT_SENT": Status.UNDELIVERABLE,
    # SENT: "sent over a route that does not support delivery reports": final, outcome unknown.
    "SENT": Status.UNKNOWN,
    "NOT_ALLOWED": Status.REJECTED,
    "INVALID_DESTINATION_ADDRESS": Status.REJECTED,
    "INVALID_SOURCE_ADDRESS": Status.REJECTED,
    "ROUTE_NOT_AVAILABLE": Status.REJECTED,
    "NOT_ENOUGH_CREDITS": Status.REJECTED,
    "REJECTED": Status.REJECTED,
    "INVALID_MESSAGE_FORMAT": Status.REJECTED,
    # SMPP stat words name the same outcomes.
    "ACCEPTD": Status.ACCEPTED,
    "DELIVRD": Status.DELIVERED,
    "UNDELIV": Status.UNDELIVERABLE,
    "EXPIRED": Status.EXPIRED,
    "DELETED": Status.DELETED,
    "DELIVERY UNKNOWN": Status.UNKNOWN,
}

GSM_ERRORS: dict[int, str] = {
    0: "NO_ERROR",
    1: "EC_UNKNOWN_SUBSCRIBER",
    5: "EC_UNIDENTIFIED_SUBSCRIBER",
    6: "EC_ABSENT_SUBSCRIBER_SM",
    9: "EC_ILLEGAL_SUBSCRIBER",
    11: "EC_TELESERVICE_NOT_PROVISIONED",
    12: "EC_ILLEGAL_EQUIPMENT",
    13: "EC_CALL_BARRED",
    21: "EC_FACILITY_NOT_SUPPORTED",
    27: "EC_ABSENT_SUBSCRIBER",
    31: "EC_SUBSCRIBER_BUSY_FOR_MT_SMS",
    32: "EC_SM_DELIVERY_FAILURE",
    33: "EC_MESSAGE_WAITING_LIST_FULL",
    34: "EC_SYSTEM_FAILURE",
    36: "EC_UNEXPECTED_DATA_VALUE",
    256: "EC_SM_DF_memoryCapacityExceeded",
    257: "EC_SM_DF_equipmentProtocolError",
    258: "EC_SM_DF_equipmentNotSM_Equipped",
    260: "EC_SM_DF_sc_Congestion",
    261: "EC_SM_DF_invalidSME_Address",
    262: "EC_SM_DF_subscriberNotSC_Subscriber",
    500: "EC_PROVIDER_GENERAL_ERROR",
    502: "EC_NO_RESPONSE",
    503: "EC_SERVICE_COMPLETION_FAILURE",
    504: "EC_UNEXPECTED_RESPONSE_FROM_PEER",
    507: "EC_MISTYPED_PARAMETER",
    511: "EC_INITIATING_RELEASE",
    1027: "EC_OR_encapsulatedAC_NotSupported",
    1028: "EC_OR_transportProtectionNotAdequate",
    1030: "EC_OR_potentialVersionIncompatibility",
    1031: "EC_OR_remoteNodeNotReachable",
    1152: "EC_NNR_noTranslationForAnAddressOfSuchNatur",
    1153: "EC_NNR_noTranslationForThisSpecificAddress",
    1154: "EC_NNR_subsystemCongestion",
    1155: "EC_NNR_subsystemFailure",
    1156: "EC_NNR_unequippedUser",
    1157: "EC_NNR_MTPfailure",
    1158: "EC_NNR_networkCongestion",
    1159: "EC_NNR_unqualified",
    1163: "EC_NNR_SCCPfailure",
    1281: "EC_UA_userSpecificReason",
    1282: "EC_UA_userResourceLimitation",
    1283: "EC_UA_resourceUnavailable",
    1536: "EC_PA_providerMalfunction",
    1538: "EC_PA_ressourceLimitation",
    1539: "EC_PA_maintenanceActivity",
    1540: "EC_PA_versionIncompatibility",
    1541: "EC_PA_abnormalMapDialog",
    2048: "EC_TIME_OUT",
    2051: "EC_InvalidMscAddress",
    4096: "EC_InvalidPduFormat",
    4100: "EC_Cancelled",
    4101: "EC_ValidityExpired",
}

_GSM_CODES: dict[str, int] = {name.upper(): code for code, name in GSM_ERRORS.items()}

# canonical status -> (DLR status, GSM error when the scenario gave none)
_DEFAULT_DLR: dict[Status, tuple[str, int]] = {
    Status.DELIVERED: ("DELIVERED", 0),
    Status.UNDELIVERABLE: ("NOT_DELIVERED", 1),
    Status.EXPIRED: ("NOT_DELIVERED", 4101),
    Status.DELETED: ("NOT_DELIVERED", 4100),
    Status.REJECTED: ("REJECTED", 0),
    Status.UNKNOWN: ("SENT", 0),
}

SMPP_STATS: dict[Status, str] = {
    Status.ACCEPTED: "ACCEPTD",
    Status.SCHEDULED: "ACCEPTD",
    Status.ENROUTE: "ACCEPTD",
    Status.DELIVERED: "DELIVRD",
    Status.UNDELIVERABLE: "UNDELIV",
    Status.EXPIRED: "EXPIRED",
    Status.REJECTED: "REJECTED",
    Status.UNKNOWN: "DELIVERY UNKNOWN",
    Status.DELETED: "DELETED",
}


def gsm_error(value: int | str) -> int | None:
    """A GSM error code from a code or a table name (``27``, ``"27"``, ``"EC_ABSENT_SUBSCRIBER"``,
    any case), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return _GSM_CODES.get(text.upper())


def dlr_status(
    status: Status, error: int | str | None = None, native: int | str | None = None
) -> tuple[str, int]:
    """The Infobip DLR status and GSM error code of a final status.

    `native` (a scenario's DLR status name, any case) picks that status, with the class's
    default GSM error when it is the class's own name (NOT_DELIVERED of an expiry: 4101) and 0
    otherwise (NOT_ALLOWED, NOT_SENT, ... as in the document's examples). `error`, a GSM error
    code or name (table 4.1), is the ``gsmerror`` whatever the status.
    """
    name, gsm = _DEFAULT_DLR.get(status, ("NOT_SENT", 0))
    if isinstance(native, str) and native.strip().upper() in DLR_STATUSES:
        chosen = native.strip().upper()
        if chosen != name:
            name, gsm = chosen, 0
    if isinstance(error, bool) or error is None:
        return name, gsm
    code = gsm_error(error)
    return name, gsm if code is None else code


def resolve_native(value: str | int) -> tuple[Status, int | str | None] | None:
    """A native status name a scenario uses -> (canonical status, error to carry), else None.

    DLR status names (``NOT_DELIVERED``, ``NOT_ALLOWED``...) carry themselves as the error, so the
    report shows exactly that status; SMPP stat words (``DELIVRD``, ``UNDELIV``...) map to their
    canonical status. Any case.
    """
    if not isinstance(value, str):
        return None
    name = value.strip().upper()
    status = NATIVE_STATUSES.get(name)
    if status is None:
        return None
    if name in DLR_STATUSES and name != "DELIVERED":
        return status, name
    return status, None


def native_names() -> list[str]:
    """Every native status name `resolve_native` accepts: the DLR names in the document's
    order, then the SMPP stat words."""
    return [*DLR_STATUSES, *(name for name in NATIVE_STATUSES if name not in DLR_STATUSES)]


def send_status_code(value: object) -> int:
    """A send answer code from a scenario's ``respond: {status: ...}``: a code (``-13``,
    ``"-13"``) or a name of `SEND_STATUSES` (``"INVALID_DESTINATION_ADDRESS"``); anything else
    is -99 GENERAL_ERROR."""
    if isinstance(value, bool):
        return -99
    if isinstance(value, int):
        return value
    text = str(value).replace(" ", "").strip()
    if text.lstrip("-").isdigit():
        return int(text)
    return _SEND_CODES.get(text.upper(), -99)


def smpp_stat(status: Status) -> str:
    return SMPP_STATS[status]


def format_dlr_date(moment: datetime) -> str:
    """``yyyy/m/d h:m:s`` without zero padding, as in every document example (2005/7/19 22:0:0)."""
    return (
        f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute}:{moment.second}"
    )
