"""The web DLR push (document section 3.5), shared by every interface a message came through.

Broadnet POSTs each report to the account's DLR link with the fields MessageId, Source,
Destination, Status, SubmitDate, DoneDate (``yyMMddHHmm``) and BatchId (the batch id of a JSON
or XML submission, empty otherwise). The link "must return Ok as acknowledgement": an answer
whose body is not ``Ok`` (case and surrounding whitespace aside), a non-2xx status, a refused
connection or a timeout all count as a failed delivery, and the report is tried again after
each delay of the account's `dlr_retries` (default 1m, 5m, 15m, 1h, 3h, 6h: seven attempts in
about ten and a half hours), then dropped. The journal shows every attempt and the drop.

The document says the parameters are "appended to the URL" and that the method is POST; client
handlers are written for either reading (query string or form body), so by default the fake
sends them in both places. The account option ``dlr_style`` picks one (`query` or `form`).

Reports are pushed when a message becomes en route (``ATES``, which the document lists among
the pushed statuses), when a scenario names ``ACCEPTD`` for a change (the document's status
table has it; the fake has no other cause for it) and when it reaches a final status. The
status pushed is the one the scenario named (see `status.change_status`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit, urlunsplit

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.providers.broadnet.status import change_status

__all__ = ["accepts_ok", "dlr_fields", "dlr_request", "dlr_stamp", "wants_push"]


def dlr_stamp(at: datetime, tz: timezone) -> str:
    """``yyMMddHHmm`` in the account's time zone."""
    return at.astimezone(tz).strftime("%y%m%d%H%M")


def wants_push(change: StatusChange) -> bool:
    if change.status.final or change.status is Status.ENROUTE:
        return True
    return change.status is Status.ACCEPTED and change_status(change) == "ACCEPTD"


def dlr_fields(message: Message, change: StatusChange, tz: timezone) -> list[tuple[str, str]]:
    return [
        ("MessageId", message.message_id),
        ("Source", message.sender),
        ("Destination", message.to),
        ("Status", change_status(change)),
        ("SubmitDate", dlr_stamp(message.submitted_at, tz)),
        ("DoneDate", dlr_stamp(change.at, tz)),
        ("BatchId", message.bulk_id or ""),
    ]


def dlr_request(
    url: str, message: Message, change: StatusChange, tz: timezone, *, style: str = "both"
) -> CallbackRequest:
    fields = urlencode(dlr_fields(message, change, tz))
    target = url
    if style in ("both", "query"):
        parts = urlsplit(url)
        query = f"{parts.query}&{fields}" if parts.query else fields
        target = urlunsplit(parts._replace(query=query))
    body = fields.encode("ascii") if style in ("both", "form") else b""
    return CallbackRequest(
        method="POST",
        url=target,
        body=body,
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        kind="dlr",
        ref=message.message_id,
    )


def accepts_ok(result: CallbackResult) -> bool:
    """Broadnet's acknowledgement rule: a 2xx answer whose body is ``Ok``."""
    if result.error is not None or result.status is None or not 200 <= result.status < 300:
        return False
    return result.body.strip().decode("utf-8", "replace").lower() == "ok"
