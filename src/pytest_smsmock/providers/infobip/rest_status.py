"""Infobip's REST status and error tables, as data, and their mapping to core `Status`.

Every generation of the REST API (v1 as MiMSMS documents it, v2 and v3 as Infobip serves them
today) reports with these objects; the legacy API v3 and SMPP have their own (`status.py`).

Rules:
- Every row of the document's tables is here: status groups 0..5, statuses 1..25 (with
  `action` where the table has one; "NULL" means the key is absent), error groups 0..3 and every
  GSM error code with `permanent` ("NULL" reads as false, as the NO_ERROR example shows).
- Three statuses are not in the table but are on the wire: 0 MESSAGE_ACCEPTED (the v1 send answer
  of the document), 26 PENDING_ACCEPTED (the send answer of today's v2 and v3 APIs) and 52
  REJECTED_DESTINATION (the real platform's answer for an invalid destination; the table's 14
  REJECTED_DESTINATION is the blacklist one, "By Destination").
- The document gives GSM errors a name and `permanent` only. Their group follows the MAP error
  category (subscriber/handset, operator network, or the platform refusing for the user), and
  their description is the name made readable: the real platform's wording is not documented.
- Scenarios name a status either canonically (`delivered`) or natively (`DELIVERED_TO_HANDSET`,
  `5`); `to_canonical()` and `from_canonical()` translate both ways.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import Status

__all__ = [
    "ERRORS",
    "ERROR_GROUPS",
    "INVALID_DESTINATION",
    "MESSAGE_ACCEPTED",
    "NO_ERROR",
    "PENDING_ACCEPTED",
    "STATUSES",
    "STATUS_GROUPS",
    "V1Error",
    "V1Status",
    "error_for",
    "find_error",
    "find_status",
    "from_canonical",
    "native_names",
    "to_canonical",
]

# -- groups -----------------------------------------------------------------------------------
STATUS_GROUPS: Mapping[int, tuple[str, str]] = {
    0: ("ACCEPTED", "Message is accepted."),
    1: ("PENDING", "Message is in pending status."),
    2: ("UNDELIVERABLE", "Message is undeliverable."),
    3: ("DELIVERED", "Message is delivered."),
    4: ("EXPIRED", "Message is expired."),
    5: ("REJECTED", "Message is rejected."),
}

ERROR_GROUPS: Mapping[int, tuple[str, str]] = {
    0: ("OK", "No error."),
    1: ("HANDSET_ERRORS", "Handset error occurred."),
    2: ("USER_ERRORS", "User error occurred."),
    3: ("OPERATOR_ERRORS", "Operator error occurred."),
}


@value_class
class V1Status:
    id: int
    group_id: int
    name: str
    description: str
    action: str | None = None

    @property
    def group_name(self) -> str:
        return STATUS_GROUPS[self.group_id][0]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "groupId": self.group_id,
            "groupName": self.group_name,
            "id": self.id,
            "name": self.name,
            "description": self.description,
        }
        if self.action is not None:
            data["action"] = self.action
        return data


@value_class
class V1Error:
    id: int
    group_id: int
    name: str
    description: str
    permanent: bool

    @property
    def group_name(self) -> str:
        return ERROR_GROUPS[self.group_id][0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "groupId": self.group_id,
            "groupName": self.group_name,
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "permanent": self.permanent,
        }


# -- statuses ---------------------------------------------------------------------------------
_STATUS_ROWS: tuple[tuple[int, int, str, str, str | None], ...] = (
    (1, 1, "PENDING_TIME_VIOLATION", "Time window violation", None),
    (2, 3, "DELIVERED_TO_OPERATOR", "Message delivered to operator", None),
    (3, 1, "PENDING_WAITING_DELIVERY", "Message sent, waiting for delivery report", None),
    (4, 2, "UNDELIVERABLE_REJECTED_OPERATOR", "Message rejected by operator", None),
    (5, 3, "DELIVERED_TO_HANDSET", "Message delivered to handset", None),
    (6, 5, "REJECTED_NETWORK", "Network is forbidden", "Contact account manager"),
    (7, 1, "PENDING_ENROUTE", "Message sent to next instance", None),
    (8, 5, "REJECTED_PREFIX_MISSING", "Number prefix missing", None),
    (9, 2, "UNDELIVERABLE_NOT_DELIVERED", "Message sent not delivered", None),
    (10, 5, "REJECTED_DND", "Destination on DND list", None),
    (11, 5, "REJECTED_SOURCE", "Invalid Source address", None),
    (12, 5, "REJECTED_NOT_ENOUGH_CREDITS", "Not enough credits", None),
    (13, 5, "REJECTED_SENDER", "By Sender", "Remove sender from blacklist"),
    (14, 5, "REJECTED_DESTINATION", "By Destination", "Remove destination from blacklist"),
    (15, 4, "EXPIRED_EXPIRED", "Message expired", None),
    (16, 5, "REJECTED_NOT_REACHABLE", "Network not reachable", None),
    (
        17,
        5,
        "REJECTED_PREPAID_PACKAGE_EXPIRED",
        "Prepaid package expired",
        # "validty" is the document's spelling; clients compare against what the server sends.
        "Top-Up your account to extend the validty period",
    ),
    (18, 5, "REJECTED_DESTINATION_NOT_REGISTERED", "Destination not registered", None),
    (19, 5, "REJECTED_ROUTE_NOT_AVAILABLE", "Route not available", "Contact account manager"),
    (20, 5, "REJECTED_FLOODING_FILTER", "Rejected flooding", "STOP SPAMMING"),
    (21, 5, "REJECTED_SYSTEM_ERROR", "System error", None),
    (22, 4, "EXPIRED_UNKNOWN", "Unknown Reason", None),
    (23, 5, "REJECTED_DUPLICATE_MESSAGE_ID", "Rejected duplicate message ID", None),
    (24, 5, "REJECTED_INVALID_UDH", "Rejected invalid UDH", None),
    (25, 5, "REJECTED_MESSAGE_TOO_LONG", "Rejected message too long", None),
)

STATUSES: Mapping[int, V1Status] = {
    row[0]: V1Status(id=row[0], group_id=row[1], name=row[2], description=row[3], action=row[4])
    for row in _STATUS_ROWS
}

#: The send answer of the document (not in the table, which starts at 1).
MESSAGE_ACCEPTED = V1Status(
    id=0, group_id=0, name="MESSAGE_ACCEPTED", description="Message accepted"
)

#: The send answer of today's v2 and v3 APIs (Infobip's API reference); not in the v1 table.
PENDING_ACCEPTED = V1Status(
    id=26, group_id=1, name="PENDING_ACCEPTED", description="Message sent to next instance"
)

#: What the platform answers for a destination that is not a phone number. Not in the document's
#: table; id, name and wording are those the real platform sends (and clients test for).
INVALID_DESTINATION = V1Status(
    id=52, group_id=5, name="REJECTED_DESTINATION", description="Invalid destination address"
)

_ALL_STATUSES: tuple[V1Status, ...] = (
    MESSAGE_ACCEPTED,
    *STATUSES.values(),
    PENDING_ACCEPTED,
    INVALID_DESTINATION,
)

# -- GSM errors -------------------------------------------------------------------------------
# (id, name, permanent). Groups: see `_error_group`.
_ERROR_ROWS: tuple[tuple[int, str, bool], ...] = (
    (0, "NO_ERROR", False),
    (1, "EC_UNKNOWN_SUBSCRIBER", True),
    (5, "EC_UNIDENTIFIED_SUBSCRIBER", False),
    (6, "EC_ABSENT_SUBSCRIBER_SM", False),
    (9, "EC_ILLEGAL_SUBSCRIBER", True),
    (10, "EC_BEARER_SERVICE_NOT_PROVISIONED", False),
    (11, "EC_TELESERVICE_NOT_PROVISIONED", True),
    (12, "EC_ILLEGAL_EQUIPMENT", True),
    (13, "EC_CALL_BARRED", False),
    (20, "EC_SS_INCOMPATIBILITY", False),
    (21, "EC_FACILITY_NOT_SUPPORTED", False),
    (27, "EC_ABSENT_SUBSCRIBER", False),
    (31, "EC_SUBSCRIBER_BUSY_FOR_MT_SMS", False),
    (32, "EC_SM_DELIVERY_FAILURE", False),
    (33, "EC_MESSAGE_WAITING_LIST_FULL", False),
    (34, "EC_SYSTEM_FAILURE", False),
    (35, "EC_DATA_MISSING", True),
    (36, "EC_UNEXPECTED_DATA_VALUE", True),
    (51, "EC_RESOURCE_LIMITATION", False),
    (71, "EC_UNKNOWN_ALPHABET", True),
    (72, "EC_USSD_BUSY", True),
    (255, "EC_UNKNOWN_ERROR", True),
    (256, "EC_SM_DF_memoryCapacityExceeded", False),
    (257, "EC_SM_DF_equipmentProtocolError", False),
    (258, "EC_SM_DF_equipmentNotSM_Equipped", False),
    (259, "EC_SM_DF_unknownServiceCentre", False),
    (260, "EC_SM_DF_sc_Congestion", False),
    (261, "EC_SM_DF_invalidSME_Address", False),
    (262, "EC_SM_DF_subscriberNotSC_Subscriber", False),
    (500, "EC_PROVIDER_GENERAL_ERROR", False),
    (502, "EC_NO_RESPONSE", False),
    (503, "EC_SERVICE_COMPLETION_FAILURE", False),
    (504, "EC_UNEXPECTED_RESPONSE_FROM_PEER", False),
    (507, "EC_MISTYPED_PARAMETER", False),
    (508, "EC_NOT_SUPPORTED_SERVICE", False),
    (509, "EC_DUPLICATED_INVOKE_ID", False),
    (511, "EC_INITIATING_RELEASE", False),
    (1024, "EC_OR_appContextNotSupported", False),
    (1025, "EC_OR_invalidDestinationReference", False),
    (1026, "EC_OR_invalidOriginatingReference", False),
    (1027, "EC_OR_encapsulatedAC_NotSupported", False),
    (1028, "EC_OR_transportProtectionNotAdequate", False),
    (1029, "EC_OR_noReasonGiven", False),
    (1030, "EC_OR_potentialVersionIncompatibility", False),
    (1031, "EC_OR_remoteNodeNotReachable", False),
    (1152, "EC_NNR_noTranslationForAnAddressOfSuchNature", False),
    (1153, "EC_NNR_noTranslationForThisSpecificAddress", False),
    (1154, "EC_NNR_subsystemCongestion", False),
    (1155, "EC_NNR_subsystemFailure", False),
    (1156, "EC_NNR_unequippedUser", False),
    (1157, "EC_NNR_MTPfailure", False),
    (1158, "EC_NNR_networkCongestion", False),
    (1159, "EC_NNR_unqualified", False),
    (1160, "EC_NNR_errorInMessageTransportXUDT", False),
    (1161, "EC_NNR_errorInLocalProcessingXUDT", False),
    (1162, "EC_NNR_destinationCannotPerformReassemblyXUDT", False),
    (1163, "EC_NNR_SCCPfailure", False),
    (1164, "EC_NNR_hopCounterViolation", False),
    (1165, "EC_NNR_segmentationNotSupported", False),
    (1166, "EC_NNR_segmentationFailure", False),
    (1281, "EC_UA_userSpecificReason", False),
    (1282, "EC_UA_userResourceLimitation", False),
    (1283, "EC_UA_resourceUnavailable", False),
    (1284, "EC_UA_applicationProcedureCancellation", False),
    (1536, "EC_PA_providerMalfunction", False),
    (1537, "EC_PA_supportingDialogOrTransactionRealeased", False),
    (1538, "EC_PA_ressourceLimitation", False),
    (1539, "EC_PA_maintenanceActivity", False),
    (1540, "EC_PA_versionIncompatibility", False),
    (1541, "EC_PA_abnormalMapDialog", False),
    (1792, "EC_NC_abnormalEventDetectedByPeer", False),
    (1793, "EC_NC_responseRejectedByPeer", False),
    (1794, "EC_NC_abnormalEventReceivedFromPeer", False),
    (1795, "EC_NC_messageCannotBeDeliveredToPeer", False),
    (1796, "EC_NC_providerOutOfInvoke", False),
    (2048, "EC_TIME_OUT", False),
    (2049, "EC_IMSI_BLACKLISTED", True),
    (2050, "EC_DEST_ADDRESS_BLACKLISTED", True),
    (2051, "EC_InvalidMscAddress", False),
    # "Furmat" is the document's (and the platform's) spelling.
    (4096, "EC_invalidPduFurmat", True),
    (4097, "EC_NotSubmittedToGMSC", True),
    (4100, "EC_Cancelled", True),
    (4101, "EC_ValidityExpired", True),
    (4102, "EC_NotSubmittedToSmppChannel", False),
)

# MAP errors about the subscriber or the handset; the platform's own refusals (blacklists,
# cancellation, validity, bad PDUs) are the user's; the rest is the operators' network.
_HANDSET = frozenset({1, 5, 6, 9, 11, 12, 13, 27, 31, 32, 33, 71, 256, 257, 258, 261, 262})
_USER = frozenset({2049, 2050, 4096, 4097, 4100, 4101, 4102})


def _error_group(code: int) -> int:
    if code == 0:
        return 0
    if code in _HANDSET:
        return 1
    if code in _USER:
        return 2
    return 3


def _describe(name: str) -> str:
    if name == "NO_ERROR":
        return "No Error"
    words = name.removeprefix("EC_").replace("_", " ").strip()
    if words.isupper():
        words = words.lower()
    return words[:1].upper() + words[1:]


ERRORS: Mapping[int, V1Error] = {
    code: V1Error(
        id=code,
        group_id=_error_group(code),
        name=name,
        description=_describe(name),
        permanent=permanent,
    )
    for code, name, permanent in _ERROR_ROWS
}

NO_ERROR = ERRORS[0]

_STATUS_BY_NAME: Mapping[str, V1Status] = {s.name: s for s in _ALL_STATUSES if s.id != 52}
_ERROR_BY_NAME: Mapping[str, V1Error] = {e.name.upper(): e for e in ERRORS.values()}

# -- canonical <-> native -----------------------------------------------------------------------
_CANONICAL_TO_NATIVE: Mapping[Status, V1Status] = {
    Status.ACCEPTED: MESSAGE_ACCEPTED,
    # A scheduled message is accepted and waits; the table has no better row.
    Status.SCHEDULED: MESSAGE_ACCEPTED,
    Status.ENROUTE: STATUSES[7],
    Status.DELIVERED: STATUSES[5],
    Status.UNDELIVERABLE: STATUSES[9],
    Status.EXPIRED: STATUSES[15],
    # The document's own example of a rejection.
    Status.REJECTED: STATUSES[6],
    Status.UNKNOWN: STATUSES[22],
    # v1 has no "deleted": a message the operator dropped is rejected by the operator.
    Status.DELETED: STATUSES[4],
}

_DEFAULT_ERROR: Mapping[Status, int] = {
    Status.UNDELIVERABLE: 32,  # EC_SM_DELIVERY_FAILURE
    Status.EXPIRED: 4101,  # EC_ValidityExpired
    Status.UNKNOWN: 255,  # EC_UNKNOWN_ERROR
    Status.DELETED: 4100,  # EC_Cancelled
}

_GROUP_TO_CANONICAL: Mapping[int, Status] = {
    0: Status.ACCEPTED,
    1: Status.ENROUTE,
    2: Status.UNDELIVERABLE,
    3: Status.DELIVERED,
    4: Status.EXPIRED,
    5: Status.REJECTED,
}


def native_names() -> tuple[str, ...]:
    """Every v1 status name, in table order (MESSAGE_ACCEPTED first)."""
    return tuple(s.name for s in _ALL_STATUSES if s is not INVALID_DESTINATION)


def find_status(value: object) -> V1Status | None:
    """A native status by id (`5`, `"5"`) or name (`"DELIVERED_TO_HANDSET"`, any case)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        if value == MESSAGE_ACCEPTED.id:
            return MESSAGE_ACCEPTED
        if value == PENDING_ACCEPTED.id:
            return PENDING_ACCEPTED
        if value == INVALID_DESTINATION.id:
            return INVALID_DESTINATION
        return STATUSES.get(value)
    if isinstance(value, str):
        return _STATUS_BY_NAME.get(value.strip().upper())
    return None


def find_error(value: object) -> V1Error | None:
    """A GSM error by id (`6`, `"6"`) or name (`"EC_ABSENT_SUBSCRIBER_SM"`, any case)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, int):
        return ERRORS.get(value)
    if isinstance(value, str):
        return _ERROR_BY_NAME.get(value.strip().upper())
    return None


def to_canonical(value: object) -> Status:
    """`"DELIVERED_TO_HANDSET"`, `5`, `"delivered"` -> `Status.DELIVERED`.

    Raises `ValueError` naming the accepted values otherwise.
    """
    if isinstance(value, Status):
        return value
    if isinstance(value, str):
        try:
            return Status(value.strip().lower())
        except ValueError:
            pass
    native = find_status(value)
    if native is None:
        raise ValueError(
            f"{value!r} is neither a canonical status ({', '.join(s.value for s in Status)}) "
            f"nor a v1 status name or id ({', '.join(s.name for s in _ALL_STATUSES)})"
        )
    if native.id == 22:  # EXPIRED_UNKNOWN: the platform never learnt what happened
        return Status.UNKNOWN
    return _GROUP_TO_CANONICAL[native.group_id]


def from_canonical(
    status: Status, error: int | str | None = None, native: int | str | None = None
) -> tuple[V1Status, V1Error]:
    """The v1 status and error objects of a canonical status.

    `native` may name a v1 status (`"REJECTED_DND"` or its id), which then stands in for the
    canonical default when it belongs to the same canonical class; `error` is a GSM error by id
    or name (None: the status's default error).
    """
    chosen = _CANONICAL_TO_NATIVE[status]
    named = find_status(native) if native is not None else None
    if named is not None and to_canonical(named.id) is status:
        chosen = named
    return chosen, error_for(status, error)


def error_for(status: Status, error: int | str | None) -> V1Error:
    """The GSM error object for a status change; codes the table lacks read as unknown (255)."""
    if error is None:
        return ERRORS[_DEFAULT_ERROR.get(status, 0)]
    found = find_error(error)
    if found is None:
        return ERRORS[255]
    return found
