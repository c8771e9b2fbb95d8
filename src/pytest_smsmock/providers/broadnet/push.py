"""Broadnet's web DLR as the client receives it: ``POST`` with ``MessageId``, ``Source``,
``Destination``, ``Status``, ``SubmitDate``, ``DoneDate`` (yyMMddHHmm), ``BatchId``, in the
query, the form body or both. The client must answer ``Ok``, or the push counts as failed and
is retried."""

from __future__ import annotations

from pytest_smsmock.providers.push_common import ParsedPush, PushRequest

__all__ = ["DEFAULT_ANSWER", "parse_push"]

DEFAULT_ANSWER = (200, "Ok")


def parse_push(request: PushRequest) -> ParsedPush | None:
    fields = request.fields()
    if "MessageId" not in fields or "Status" not in fields:
        return None
    report = {
        **fields,
        "message_id": fields["MessageId"],
        "status": fields["Status"],
        "to": fields.get("Destination"),
        "sender": fields.get("Source"),
        "done_at": fields.get("DoneDate"),
    }
    return ParsedPush(kind="dlr", reports=(report,))
