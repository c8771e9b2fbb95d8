"""Infobip's pushes as the client receives them (MiMSMS's are the same components'):

- legacy API v3 DLR: ``POST`` of ``<DeliveryReport><message id=".." sentdate=".."
  donedate=".." status="DELIVERED" gsmerror="0" /></DeliveryReport>`` (the documented quirks
  too: ``done date`` with a space, ``gsmerrcode``; read attribute by attribute, since
  ``done date`` is not XML);
- REST DLR (``notifyUrl`` / webhooks): ``POST`` of ``{"results": [{"messageId", "to",
  "status": {...}, "error": {...}, ...}]}``, or the same as XML ``<reportResponse>``;
- REST inbound: ``POST`` of ``{"results": [{"messageId", "from", "to", "text", ...}]}``;
- Number Context: ``POST`` of ``dlr=`` with one JSON object per line;
- legacy inbound: ``GET`` of the account's URL template (``%sender%``, ``%text%``...), fields
  as the template names them.

The client acknowledges with any 2xx.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import unescape

from pytest_smsmock.providers.push_common import ParsedPush, PushRequest

__all__ = ["DEFAULT_ANSWER", "parse_push"]

DEFAULT_ANSWER = (200, "OK")

_MESSAGE = re.compile(rb"<message\b([^>]*?)/?>", re.S)
_ATTRIBUTE = re.compile(r'([A-Za-z_][\w ]*?)\s*=\s*"([^"]*)"')
_ENTITIES = {"&quot;": '"', "&apos;": "'"}

# Keys a URL template commonly uses for the common report fields (any case).
_MO_KEYS = {
    "message_id": ("messageid", "message_id", "id", "msgid"),
    "sender": ("sender", "from", "msisdn", "source"),
    "to": ("receiver", "to", "destination"),
    "text": ("text", "message", "msg"),
}


def _dlr(body: bytes) -> ParsedPush | None:
    if b"<DeliveryReport" not in body[:512]:
        return None
    reports = []
    for match in _MESSAGE.finditer(body):
        attributes = {
            name.strip(): unescape(value, _ENTITIES)
            for name, value in _ATTRIBUTE.findall(match.group(1).decode("utf-8", "replace"))
        }
        done = attributes.get("donedate", attributes.get("done date"))
        reports.append(
            {
                **attributes,
                "message_id": attributes.get("id", ""),
                "status": attributes.get("status"),
                "error": attributes.get("gsmerror", attributes.get("gsmerrcode")),
                "done_at": done,
            }
        )
    return ParsedPush(kind="dlr", reports=tuple(reports))


def _hlr(request: PushRequest) -> ParsedPush | None:
    rows = dict(request.form()).get("dlr")
    if rows is None:
        return None
    reports: list[dict[str, Any]] = []
    for line in rows.splitlines():
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError:
            row = {"raw": line}
        if isinstance(row, dict):
            reports.append(
                {
                    **row,
                    "message_id": str(row.get("id", "")),
                    "status": row.get("stat"),
                    "error": row.get("err"),
                    "to": row.get("destination"),
                }
            )
    return ParsedPush(kind="hlr", reports=tuple(reports))


def _mo(request: PushRequest) -> ParsedPush:
    fields = dict(request.query)
    lowered = {k.lower(): v for k, v in fields.items()}
    report: dict[str, Any] = dict(fields)
    for key, names in _MO_KEYS.items():
        report[key] = next((lowered[n] for n in names if n in lowered), None)
    report["message_id"] = report["message_id"] or ""
    report["status"] = None
    return ParsedPush(kind="mo", reports=(report,))


def _results(body: bytes) -> list[Any] | None:
    data: Any = None
    if body.startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            return None
    elif body.startswith(b"<") and b"Response" in body[:200]:
        from pytest_smsmock.providers.infobip import rest_xml

        try:
            data = rest_xml.parse_request(body)
        except ValueError:
            return None
    results = data.get("results") if isinstance(data, Mapping) else None
    if isinstance(results, Mapping):  # one <result> in XML
        results = [results]
    return results if isinstance(results, list) else None


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, Mapping) else value


def _rest(body: bytes) -> ParsedPush | None:
    results = [r for r in _results(body) or () if isinstance(r, Mapping)]
    if not results:
        return None
    if all("status" not in r and "from" in r for r in results):
        inbound = tuple(
            {
                **r,
                "message_id": str(r.get("messageId", "")),
                "status": None,
                "sender": r.get("from"),
                "to": r.get("to"),
            }
            for r in results
        )
        return ParsedPush(kind="mo", reports=inbound)
    reports = tuple(
        {
            **r,
            "message_id": str(r.get("messageId", "")),
            "status": _name(r.get("status")),
            "error": _name(r.get("error")),
            "to": r.get("to"),
            "sender": r.get("sender"),
            "done_at": r.get("doneAt"),
        }
        for r in results
    )
    return ParsedPush(kind="dlr", reports=reports)


def parse_push(request: PushRequest) -> ParsedPush | None:
    if request.method == "POST":
        body = request.body.lstrip()
        return _dlr(body) or _rest(body) or _hlr(request)
    if request.method == "GET":
        return _mo(request)
    return None
