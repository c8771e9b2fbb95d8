"""The JSON API: ``POST /websmpp/json/sms`` and ``/websmpp/json/status``.

Success answers are the document's: ``{"response":{"batch_id":"...","status":"000"}}`` and
``{"result":{"batch_id":"...","report":[{"request_status","dlr_status","messageid","msisdn"}]}}``.
The document shows no failure; the fake answers every failure in the submission's envelope with
an empty batch id, ``{"response":{"batch_id":"","status":"001"}}`` (the XML example shows the
gateway writing empty values rather than leaving fields out).

A body that is not JSON (or not UTF-8) is 051 IOSTREAM_ERROR, the error a servlet reading its
input stream reports; JSON of the wrong shape is 002. Numbers and codes may come as strings (as
in the examples) or as JSON numbers. Note that the document's address-book example is not valid
JSON (a quote is missing before ``limit``): the fake answers it with 051, as a JSON parser would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from pytest_smsmock.providers.broadnet.campaign import (
    Campaign,
    Credentials,
    enquire,
    report,
    run,
)
from pytest_smsmock.providers.broadnet.model import BroadnetModel
from pytest_smsmock.providers.broadnet.status import Rejection
from pytest_smsmock.providers.http_faults import faulted

__all__ = ["failure", "handle", "json_answer"]


def json_answer(document: Mapping[str, Any]) -> Response:
    """A JSON answer laid out as the document prints them, compact:
    ``{"response":{"batch_id":"...","status":"000"}}`` (no space after ``:`` or ``,``)."""
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status=200, mimetype="application/json")


def failure(code: str, batch_id: str = "") -> Response:
    return json_answer({"response": {"batch_id": batch_id, "status": code}})


def _body(request: Request, root: str) -> Mapping[str, Any]:
    raw = request.get_data(cache=True)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejection("HTTP16", "051", "the body is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get(root), dict):
        raise Rejection("HTTP02", "002", f'the body must be {{"{root}": {{...}}}}')
    inner: Mapping[str, Any] = document[root]
    return inner


def _scalar(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Rejection("HTTP02", "002", f"{key} must be a string, got {value!r}")
    return str(value)


def _list(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str | int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list):
        raise Rejection("HTTP02", "002", f"{key} must be a list")
    items = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, str | int):
            raise Rejection("HTTP02", "002", f"{key} items must be strings, got {item!r}")
        items.append(str(item))
    return tuple(items)


def _credentials(data: Mapping[str, Any]) -> Credentials:
    return Credentials(
        username=_scalar(data, "username"),
        password=_scalar(data, "password"),
        accesskey=_scalar(data, "accesskey"),
    )


def _custom(data: Mapping[str, Any]) -> tuple[tuple[str | None, str | None], ...]:
    value = data.get("custom")
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Rejection("HTTP02", "002", "custom must be a list of {gsm, text}")
    return tuple((_scalar(item, "gsm"), _scalar(item, "text")) for item in value)


def handle(fake: BroadnetModel, request: Request, action: str) -> Response:
    try:
        if request.method != "POST":
            raise Rejection("HTTP16", "002", f"the JSON API takes POST, not {request.method}")
        if action == "sms":
            data = _body(request, "campaign")
            campaign = Campaign(
                credentials=_credentials(data),
                format=_scalar(data, "format"),
                sender=_scalar(data, "sender"),
                type=_scalar(data, "type"),
                text=_scalar(data, "text"),
                gsm=_list(data, "gsm"),
                groups=_list(data, "group"),
                limit=_scalar(data, "limit"),
                custom=_custom(data),
            )
            batch, fault = run(fake, campaign, api="json", ip=request.remote_addr)
            if batch is None:
                return faulted(fault, None)
            return faulted(
                fault, json_answer({"response": {"batch_id": batch.batch_id, "status": "000"}})
            )
        data = _body(request, "enquiry")
        batch = enquire(
            fake,
            _credentials(data),
            _scalar(data, "batch_id"),
            api="json",
            ip=request.remote_addr,
        )
        lines = [
            {
                "request_status": line.request_status,
                "dlr_status": line.dlr_status,
                "messageid": line.messageid,
                "msisdn": line.msisdn,
            }
            for line in report(fake, batch)
        ]
        return json_answer({"result": {"batch_id": batch.batch_id, "report": lines}})
    except Rejection as exc:
        fake.journal.record(fake.name, "http", "event", f"refused: {exc}")
        return failure(exc.code)
