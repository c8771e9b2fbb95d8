"""The canonical delivery errors: GSM MAP / SMS error codes and their EC_* names.

Scenario files name a delivery failure in this vocabulary (`error: EC_ABSENT_SUBSCRIBER` or
`error: 27`) whatever the provider; each provider maps it to its own wire value (Infobip's
``gsmerror`` and MiMSMS's v1 error ids are these codes; SMSC.ru has its own ``err`` table; SMPP
receipts carry the code in ``err:``). The table is the union of the GSM error tables of the
Infobip and MiMSMS documents (names as the MiMSMS table spells them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = ["GSM_ERRORS", "canonical_error", "canonical_error_names"]

GSM_ERRORS: Mapping[int, str] = MappingProxyType(
    {
        0: "NO_ERROR",
        1: "EC_UNKNOWN_SUBSCRIBER",
        5: "EC_UNIDENTIFIED_SUBSCRIBER",
        6: "EC_ABSENT_SUBSCRIBER_SM",
        9: "EC_ILLEGAL_SUBSCRIBER",
        10: "EC_BEARER_SERVICE_NOT_PROVISIONED",
        11: "EC_TELESERVICE_NOT_PROVISIONED",
        12: "EC_ILLEGAL_EQUIPMENT",
        13: "EC_CALL_BARRED",
        20: "EC_SS_INCOMPATIBILITY",
        21: "EC_FACILITY_NOT_SUPPORTED",
        27: "EC_ABSENT_SUBSCRIBER",
        31: "EC_SUBSCRIBER_BUSY_FOR_MT_SMS",
        32: "EC_SM_DELIVERY_FAILURE",
        33: "EC_MESSAGE_WAITING_LIST_FULL",
        34: "EC_SYSTEM_FAILURE",
        35: "EC_DATA_MISSING",
        36: "EC_UNEXPECTED_DATA_VALUE",
        51: "EC_RESOURCE_LIMITATION",
        71: "EC_UNKNOWN_ALPHABET",
        72: "EC_USSD_BUSY",
        255: "EC_UNKNOWN_ERROR",
        256: "EC_SM_DF_memoryCapacityExceeded",
        257: "EC_SM_DF_equipmentProtocolError",
        258: "EC_SM_DF_equipmentNotSM_Equipped",
        259: "EC_SM_DF_unknownServiceCentre",
        260: "EC_SM_DF_sc_Congestion",
        261: "EC_SM_DF_invalidSME_Address",
        262: "EC_SM_DF_subscriberNotSC_Subscriber",
        500: "EC_PROVIDER_GENERAL_ERROR",
        502: "EC_NO_RESPONSE",
        503: "EC_SERVICE_COMPLETION_FAILURE",
        504: "EC_UNEXPECTED_RESPONSE_FROM_PEER",
        507: "EC_MISTYPED_PARAMETER",
        508: "EC_NOT_SUPPORTED_SERVICE",
        509: "EC_DUPLICATED_INVOKE_ID",
        511: "EC_INITIATING_RELEASE",
        1024: "EC_OR_appContextNotSupported",
        1025: "EC_OR_invalidDestinationReference",
        1026: "EC_OR_invalidOriginatingReference",
        1027: "EC_OR_encapsulatedAC_NotSupported",
        1028: "EC_OR_transportProtectionNotAdequate",
        1029: "EC_OR_noReasonGiven",
        1030: "EC_OR_potentialVersionIncompatibility",
        1031: "EC_OR_remoteNodeNotReachable",
        1152: "EC_NNR_noTranslationForAnAddressOfSuchNature",
        1153: "EC_NNR_noTranslationForThisSpecificAddress",
        1154: "EC_NNR_subsystemCongestion",
        1155: "EC_NNR_subsystemFailure",
        1156: "EC_NNR_unequippedUser",
        1157: "EC_NNR_MTPfailure",
        1158: "EC_NNR_networkCongestion",
        1159: "EC_NNR_unqualified",
        1160: "EC_NNR_errorInMessageTransportXUDT",
        1161: "EC_NNR_errorInLocalProcessingXUDT",
        1162: "EC_NNR_destinationCannotPerformReassemblyXUDT",
        1163: "EC_NNR_SCCPfailure",
        1164: "EC_NNR_hopCounterViolation",
        1165: "EC_NNR_segmentationNotSupported",
        1166: "EC_NNR_segmentationFailure",
        1281: "EC_UA_userSpecificReason",
        1282: "EC_UA_userResourceLimitation",
        1283: "EC_UA_resourceUnavailable",
        1284: "EC_UA_applicationProcedureCancellation",
        1536: "EC_PA_providerMalfunction",
        1537: "EC_PA_supportingDialogOrTransactionRealeased",
        1538: "EC_PA_ressourceLimitation",
        1539: "EC_PA_maintenanceActivity",
        1540: "EC_PA_versionIncompatibility",
        1541: "EC_PA_abnormalMapDialog",
        1792: "EC_NC_abnormalEventDetectedByPeer",
        1793: "EC_NC_responseRejectedByPeer",
        1794: "EC_NC_abnormalEventReceivedFromPeer",
        1795: "EC_NC_messageCannotBeDeliveredToPeer",
        1796: "EC_NC_providerOutOfInvoke",
        2048: "EC_TIME_OUT",
        2049: "EC_IMSI_BLACKLISTED",
        2050: "EC_DEST_ADDRESS_BLACKLISTED",
        2051: "EC_InvalidMscAddress",
        4096: "EC_invalidPduFurmat",
        4097: "EC_NotSubmittedToGMSC",
        4100: "EC_Cancelled",
        4101: "EC_ValidityExpired",
        4102: "EC_NotSubmittedToSmppChannel",
    }
)

_BY_NAME = {name.upper(): code for code, name in GSM_ERRORS.items()}


def canonical_error(value: object) -> int | None:
    """The GSM error code of a code (``27``, ``"27"``) or an EC_* name (any case), else None.

    Any non-negative integer is a code: the table names the common ones, networks use more.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return int(text)
        return _BY_NAME.get(text.upper())
    return None


def canonical_error_names() -> list[str]:
    return [GSM_ERRORS[code] for code in sorted(GSM_ERRORS)]
