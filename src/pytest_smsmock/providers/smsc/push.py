"""SMSC.ru's DLR callback as the client receives it: ``POST`` of ``id``, ``phone``,
``status`` (the status code), ``err`` and ``time`` (a Unix time). The message is the (id,
phone) pair, as the fake's ``message_id`` (``<id>-<phone>``) is. Any 2xx acknowledges it."""

from __future__ import annotations

from pytest_smsmock.providers.push_common import ParsedPush, PushRequest

__all__ = ["DEFAULT_ANSWER", "parse_push"]

DEFAULT_ANSWER = (200, "OK")


def parse_push(request: PushRequest) -> ParsedPush | None:
    fields = request.fields()
    if not {"id", "status"} <= fields.keys() or not ({"phone", "err"} & fields.keys()):
        return None
    phone = fields.get("phone", "")
    report = {
        **fields,
        "message_id": f"{fields['id']}-{phone}" if phone else fields["id"],
        "status": fields["status"],
        "error": fields.get("err"),
        "to": phone or None,
    }
    return ParsedPush(kind="dlr", reports=(report,))
