"""Broadnet's status vocabularies and the error every API answers with.

Three vocabularies meet here, shared by the websmpp, JSON, XML and (later) SMPP interfaces:

- delivery statuses (`DELIVRD`, `UNDELIV`, `ATES`, ...) of `websmsstatus`, the web DLR push, the
  JSON/XML status enquiries and the DLR report, mapped to and from the canonical core `Status`;
- the websmpp error lines ``ERROR - HTTPnn --> <description>`` (HTTP01..HTTP26);
- the JSON/XML API status codes ``000``..``064``.

A validation failure is raised once as a `Rejection` carrying both the websmpp code and the
API code, so the rules live in one place and each interface answers in its own words.

`ACCEPTD` is in the document's table; the canonical model has no final "accepted" state, so the
fake reports pending messages as `ATES` (what the document calls "Pending"). A scenario may still
name `ACCEPTD` in a DLR timeline: it is the canonical `accepted` carrying its native name (in the
change's error slot, which no Broadnet report shows otherwise), and that change is reported, and
pushed, as `ACCEPTD` (`change_status`, `reported_status`).

Scenario names (`resolve_status`): the eight delivery statuses above, in any case. Broadnet has no
numeric delivery statuses: its numbers (000..064, HTTP01..HTTP26) answer requests, so they
belong in a rule's ``respond`` (`rejection_for`), not in a DLR timeline.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.errors import Refusal

__all__ = [
    "API_CODES",
    "API_TO_HTTP",
    "DLR_STATUSES",
    "HTTP_ERRORS",
    "HTTP_TO_API",
    "NATIVE_STATUSES",
    "PENDING",
    "RECHARGE_CODES",
    "Rejection",
    "canonical_status",
    "change_status",
    "error_line",
    "native_status",
    "rejection_for",
    "reported_status",
    "resolve_scenario_status",
]

PENDING: Final = "ATES"

#: Canonical status -> Broadnet delivery status.
DLR_STATUSES: Final = MappingProxyType(
    {
        Status.ACCEPTED: PENDING,
        Status.SCHEDULED: PENDING,
        Status.ENROUTE: PENDING,
        Status.DELIVERED: "DELIVRD",
        Status.UNDELIVERABLE: "UNDELIV",
        Status.EXPIRED: "EXPIRED",
        Status.REJECTED: "REJECTD",
        Status.UNKNOWN: "UNKNOWN",
        Status.DELETED: "DELETED",
    }
)

_FROM_NATIVE: Final = MappingProxyType(
    {
        "ATES": Status.ENROUTE,
        "ACCEPTD": Status.ACCEPTED,
        "DELIVRD": Status.DELIVERED,
        "UNDELIV": Status.UNDELIVERABLE,
        "EXPIRED": Status.EXPIRED,
        "REJECTD": Status.REJECTED,
        "DELETED": Status.DELETED,
        "UNKNOWN": Status.UNKNOWN,
    }
)


#: The delivery statuses of the document's table, as a scenario may name them.
NATIVE_STATUSES: Final = tuple(_FROM_NATIVE)


def native_status(status: Status) -> str:
    """The Broadnet delivery status of a canonical one (`ATES` for anything still pending)."""
    return DLR_STATUSES[status]


def canonical_status(native: str) -> Status:
    """The canonical status of a Broadnet one (`DELIVRD` -> delivered); raises KeyError."""
    return _FROM_NATIVE[native.strip().upper()]


def resolve_scenario_status(value: str | int) -> tuple[Status, int | str | None] | None:
    """A scenario's native status name -> (canonical status, native name to carry), else None.

    Only `ACCEPTD` needs its name carried: every other name is what its canonical status is
    reported as anyway.
    """
    if not isinstance(value, str):
        return None
    name = value.strip().upper()
    status = _FROM_NATIVE.get(name)
    if status is None:
        return None
    return status, (name if DLR_STATUSES[status] != name else None)


def change_status(change: StatusChange) -> str:
    """The delivery status one change is reported as: the native name a scenario gave it, if
    it names this change's status, else the status's usual name."""
    if isinstance(change.native, str):
        name = change.native.strip().upper()
        if _FROM_NATIVE.get(name) is change.status:
            return name
    return native_status(change.status)


def reported_status(message: Message) -> str:
    """A message's current delivery status, as `websmsstatus`, the JSON/XML enquiries and the
    DLR report show it."""
    change = message.last_change
    if change is not None and change.status is message.status:
        return change_status(change)
    return native_status(message.status)


HTTP_ERRORS: Final = MappingProxyType(
    {
        "HTTP01": "Invalid HTTP URL Format",
        "HTTP02": "Invalid query string",
        "HTTP03": "Message Submission Failed",
        "HTTP04": "Invalid Password",
        "HTTP05": "Invalid System ID",
        "HTTP06": "Invalid Sender ID",
        "HTTP07": "Invalid Type",
        "HTTP08": "Invalid Message ID",
        "HTTP09": "Invalid Destination Address",
        "HTTP10": "Invalid number of messages",
        "HTTP11": "Requested service is unavailable",
        "HTTP12": "Submit Failed",
        "HTTP13": "Query request failed",
        "HTTP14": "Bind failed",
        "HTTP15": "Not Authorized for the request.",
        "HTTP16": "Invalid Request",
        "HTTP17": "Invalid Message Length",
        "HTTP18": "INSUFFICIENT CREDITS/BALANCE",
        "HTTP19": "Invalid DATA CODING SCHEME",
        "HTTP20": "Invalid ESM",
        "HTTP21": "Invalid HEADER",
        "HTTP22": "Invalid Schedule Time",
        "HTTP23": "Routing Error",
        "HTTP24": "Exceeded number of Destination",
        "HTTP25": "No Record Found",
        "HTTP26": "Account Expired",
    }
)

#: code -> (name, description), the document's "Status Code Table".
API_CODES: Final = MappingProxyType(
    {
        "000": ("NO_ERROR", "success"),
        "001": ("INVALID_LOGIN", "Either System_id or password is invalid"),
        "002": (
            "INVALID_REQUEST",
            "Required parameters are missing or Invalid parameters or invalid values of parameters",
        ),
        "003": ("ACCOUNT_EXPIRED", "Account has been Expired"),
        "004": ("INSUF_BALANCE", "Insufficient balance"),
        "005": ("INVALID_DEST_ADDR", "Invalid Destination Address"),
        "006": ("NO_COVERAGE", "Requested Destination is not Allowed"),
        "007": ("SYSTEM_ERROR", "System Error"),
        "008": ("INVALID_SENDER", "Invalid Source Address"),
        "009": ("INVALID_TEXT", "Invalid message content"),
        "010": ("INVALID_TYPE", "Invalid Message Type"),
        "050": ("ACCESS_DENIED", "Either Web Access Not Allowed or Account is Blocked"),
        "051": ("IOSTREAM_ERROR", "Input Stream Error"),
        "052": ("INVALID_BATCHID", "Invalid Batch Id (must be 15 digits)"),
        "053": ("NO_RECORDS", "Records are not available for provided Batch Id"),
        "060": ("INVALID_AMOUNT", "Invalid Amount For Recharge"),
        "061": ("INVALID_OPERATION", "Invalid operation (must be plus or minus)"),
        "062": ("INVALID_BALANCE_MODE", "Invalid mode (must be credit or wallet)"),
        "063": ("INVALID_TARGET_USER", "Invalid target User to recharge"),
        "064": ("INVALID_API_ACCESS_IP", "Access IP not valid"),
    }
)

# What the same cause is called on the other side, for scenario answers given in one
# vocabulary and served through the other interface. 060..063 are left out: they answer a
# recharge call the document lists codes for but never shows, so no request of this fake (nor
# a scenario answer to a submission) can meet them.
API_TO_HTTP: Final = MappingProxyType(
    {
        "001": "HTTP04",
        "002": "HTTP02",
        "003": "HTTP26",
        "004": "HTTP18",
        "005": "HTTP09",
        "006": "HTTP23",
        "007": "HTTP12",
        "008": "HTTP06",
        "009": "HTTP17",
        "010": "HTTP07",
        "050": "HTTP15",
        "051": "HTTP16",
        "052": "HTTP08",
        "053": "HTTP25",
        "064": "HTTP15",
    }
)

HTTP_TO_API: Final = MappingProxyType(
    {
        "HTTP01": "002",
        "HTTP02": "002",
        "HTTP03": "007",
        "HTTP04": "001",
        "HTTP05": "001",
        "HTTP06": "008",
        "HTTP07": "010",
        "HTTP08": "052",
        "HTTP09": "005",
        "HTTP10": "002",
        "HTTP11": "007",
        "HTTP12": "007",
        "HTTP13": "007",
        "HTTP14": "007",
        "HTTP15": "050",
        "HTTP16": "002",
        "HTTP17": "009",
        "HTTP18": "004",
        "HTTP19": "009",
        "HTTP20": "002",
        "HTTP21": "002",
        "HTTP22": "002",
        "HTTP23": "006",
        "HTTP24": "002",
        "HTTP25": "053",
        "HTTP26": "003",
    }
)


def error_line(http: str) -> str:
    """``ERROR - HTTP09 --> Invalid Destination Address``, as the websmpp API prints it."""
    return f"ERROR - {http} --> {HTTP_ERRORS[http]}"


class Rejection(Refusal):
    """A request Broadnet refuses; `http` is the websmpp code, `code` the JSON/XML one."""

    def __init__(self, http: str, code: str, detail: str = "") -> None:
        if http not in HTTP_ERRORS:
            raise ValueError(f"unknown websmpp error {http!r}")
        if code not in API_CODES:
            raise ValueError(f"unknown API status code {code!r}")
        self.http = http
        self.code = code
        self.detail = detail
        super().__init__(
            f"{http} / {code}: {detail or HTTP_ERRORS[http]}",
            status=int(code),
            native=(http, code),
        )


#: Status codes of the table no request of the fake can meet (see `API_TO_HTTP`).
RECHARGE_CODES: Final = ("060", "061", "062", "063")


def rejection_for(value: object) -> Rejection:
    """A `Rejection` from a scenario answer: ``"HTTP23"``, ``"006"``, ``6`` or ``"NO_COVERAGE"``;
    raises ValueError for anything else."""
    text = str(value).strip().upper()
    if text in HTTP_ERRORS:
        return Rejection(text, HTTP_TO_API[text], "scenario answer")
    if text.isdigit():
        text = text.zfill(3)
    else:
        for code, (name, _) in API_CODES.items():
            if name == text:
                text = code
                break
    if text in API_TO_HTTP:
        return Rejection(API_TO_HTTP[text], text, "scenario answer")
    if text in RECHARGE_CODES:
        raise ValueError(
            f"{value!r} answers a recharge call, which the document does not show; "
            "a submission cannot meet it"
        )
    raise ValueError(
        f"{value!r} is not a Broadnet error: use HTTP01..HTTP26, a status code "
        f"({', '.join(API_TO_HTTP)}) or its name (e.g. NO_COVERAGE)"
    )
