"""The XML API: ``POST /websmpp/xmlsms`` and ``/websmpp/xmlstatus``.

The document puts the `format` attribute on ``<campaign>`` in its format-1 examples and on
``<SMS>`` in its format-2 example. The fake reads it from ``<SMS>`` first, then from
``<campaign>``, so both documented placements work (no attribute: format 1).

Success answers are the document's::

    <response><status>000</status><batch_id>171117172801751</batch_id></response>
    <result><batch_id>..</batch_id><report><messageid/><msisdn/><dlrstatus/><status/></report></result>

Failures use the submission's envelope with an empty batch id (the status example shows empty
elements rather than missing ones). A body that does not parse is 051 IOSTREAM_ERROR; a
document of the wrong shape is 002. The body is the raw XML; a form post with the document in
its only field (``xml=...``) is read too, as form-posting clients are common. The parser never
resolves entities nor fetches anything over the network.
"""

from __future__ import annotations

from collections.abc import Sequence

from lxml import etree
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

__all__ = ["failure", "handle"]

_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True
)

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _document(root_tag: str, fields: Sequence[tuple[str, object]]) -> Response:
    """An XML answer laid out as the document prints them: the declaration (with double
    quotes; lxml would use single ones), then one element a line, nothing indented."""
    root = etree.Element(root_tag)
    _fill(root, fields)
    body = _DECLARATION + etree.tostring(root, encoding="UTF-8", with_tail=False)
    return Response(body, status=200, mimetype="application/xml")


def _fill(parent: etree._Element, fields: Sequence[tuple[str, object]]) -> None:
    parent.text = "\n"  # an element with children: its first child on the next line
    for tag, value in fields:
        child = etree.SubElement(parent, tag)
        child.tail = "\n"
        if isinstance(value, list):
            _fill(child, value)
        else:
            child.text = str(value)


def failure(code: str, batch_id: str = "") -> Response:
    return _document("response", [("status", code), ("batch_id", batch_id)])


def _parse(request: Request, root_tag: str) -> etree._Element:
    raw = request.get_data(cache=True)
    if request.mimetype == "application/x-www-form-urlencoded" and len(request.form) == 1:
        raw = next(iter(request.form.values())).encode("utf-8")
    if not raw.strip():
        raise Rejection("HTTP16", "051", "empty body")
    try:
        root = etree.fromstring(raw, _PARSER)
    except (etree.XMLSyntaxError, ValueError):
        raise Rejection("HTTP16", "051", "the body is not well-formed XML") from None
    if root is None or root.tag != root_tag:
        raise Rejection("HTTP02", "002", f"the document element must be <{root_tag}>")
    return root


def _text(element: etree._Element | None, tag: str) -> str | None:
    if element is None:
        return None
    child = element.find(tag)
    if child is None:
        return None
    return _join(child)


def _join(element: etree._Element) -> str:
    return "".join(str(part) for part in element.itertext())


def _texts(element: etree._Element | None, tag: str) -> tuple[str, ...]:
    if element is None:
        return ()
    return tuple(_join(child) for child in element.iterfind(tag))


def _credentials(element: etree._Element) -> Credentials:
    return Credentials(
        username=_text(element, "username"),
        password=_text(element, "password"),
        accesskey=_text(element, "accesskey"),
    )


def _campaign(root: etree._Element) -> Campaign:
    sms = root.find("SMS")
    if sms is None:
        raise Rejection("HTTP02", "002", "<campaign> needs an <SMS> element")
    fmt = sms.get("format") or root.get("format")
    recipients = sms.find("recipients")
    custom = tuple((_text(c, "gsm"), _text(c, "text")) for c in sms.iterfind("custom"))
    return Campaign(
        credentials=_credentials(sms),
        format=fmt,
        sender=_text(sms, "sender"),
        type=_text(sms, "type"),
        text=_text(sms, "text"),
        gsm=_texts(recipients, "gsm"),
        groups=_texts(recipients, "group"),
        limit=_text(sms, "limit") or _text(recipients, "limit"),
        custom=custom,
    )


def handle(fake: BroadnetModel, request: Request, action: str) -> Response:
    try:
        if request.method != "POST":
            raise Rejection("HTTP16", "002", f"the XML API takes POST, not {request.method}")
        if action == "sms":
            batch, fault = run(
                fake, _campaign(_parse(request, "campaign")), api="xml", ip=request.remote_addr
            )
            if batch is None:
                return faulted(fault, None)
            return faulted(
                fault, _document("response", [("status", "000"), ("batch_id", batch.batch_id)])
            )
        root = _parse(request, "enquiry")
        batch = enquire(
            fake,
            _credentials(root),
            _text(root, "batch_id"),
            api="xml",
            ip=request.remote_addr,
        )
        fields: list[tuple[str, object]] = [("batch_id", batch.batch_id)]
        for line in report(fake, batch):
            fields.append(
                (
                    "report",
                    [
                        ("messageid", line.messageid),
                        ("msisdn", line.msisdn),
                        ("dlrstatus", line.dlr_status),
                        ("status", line.request_status),
                    ],
                )
            )
        return _document("result", fields)
    except Rejection as exc:
        fake.journal.record(fake.name, "http", "event", f"refused: {exc}")
        return failure(exc.code)
