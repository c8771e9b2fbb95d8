"""MiMSMS's pushes as the client receives them: the v1 REST ``notifyUrl`` push (``POST`` of
``{"results": [{"messageId", "to", "status": {...}, "error": {...}, ...}]}``, or the same as
XML ``<reportResponse>`` when the message asked for XML), and the v3 API's, which are
Infobip's (`providers.infobip.push`). The client acknowledges with any 2xx."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pytest_smsmock.providers.infobip import push as v3
from pytest_smsmock.providers.push_common import ParsedPush, PushRequest

__all__ = ["DEFAULT_ANSWER", "parse_push"]

DEFAULT_ANSWER = (200, "OK")


def _results(request: PushRequest) -> list[Any] | None:
    body = request.body.strip()
    data: Any = None
    if body.startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError:
            return None
    elif body.startswith(b"<") and b"reportResponse" in body[:200]:
        from pytest_smsmock.providers.mimsms import xmlwire

        try:
            data = xmlwire.parse_request(body)
        except ValueError:
            return None
    results = data.get("results") if isinstance(data, Mapping) else None
    if isinstance(results, Mapping):  # one <result> in XML
        results = [results]
    return results if isinstance(results, list) else None


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, Mapping) else value


def parse_push(request: PushRequest) -> ParsedPush | None:
    if request.method == "POST":
        results = _results(request)
        if results is not None:
            reports = tuple(
                {
                    **result,
                    "message_id": str(result.get("messageId", "")),
                    "status": _name(result.get("status")),
                    "error": _name(result.get("error")),
                    "to": result.get("to"),
                    "done_at": result.get("doneAt"),
                }
                for result in results
                if isinstance(result, Mapping)
            )
            return ParsedPush(kind="dlr", reports=reports)
    return v3.parse_push(request)
