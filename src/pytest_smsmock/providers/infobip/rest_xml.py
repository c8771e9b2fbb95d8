"""The REST APIs' XML dialect (``Accept: application/xml``): the REST modules' one lxml import.

The document shows JSON only and says XML is served alike. The shapes follow the platform's
XML serialisation of the same objects: one root element per answer (`smsResponse`,
`reportResponse`, `logsResponse`, `requestError`), lists wrapped in an element named like the
JSON key with one child per item in the singular (`<messages><message>`, `<results><result>`,
`<to><to>`), null values left out, booleans as `true`/`false`.

Requests are read the same way back into the JSON shapes, so that one validator serves both:
`<request><from/><to>..</to><text/></request>`, with `to` as text, as `<to><to>..</to></to>` or
repeated; `<request><messages><message>..</message></messages></request>` for `/multi`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lxml import etree

__all__ = ["XmlSyntaxError", "parse_request", "render"]

_SINGULAR = {
    "messages": "message",
    "results": "result",
    "previews": "preview",
    "to": "to",
    "bulkId": "bulkId",
}


class XmlSyntaxError(ValueError):
    """A request body that is not well-formed XML."""


def _parser() -> etree.XMLParser:
    # No entities, no DTD, no network: a fake must not be the weak point of a test network.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


def _local(tag: object) -> str:
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def _to_value(element: etree._Element) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children:
        return (element.text or "").strip()
    names = [_local(c.tag) for c in children]
    parent = _local(element.tag)
    if len(set(names)) == 1 and (names[0] == _SINGULAR.get(parent) or names[0] == parent):
        return [_to_value(c) for c in children]
    data: dict[str, Any] = {}
    for name, child in zip(names, children, strict=True):
        value = _to_value(child)
        if name in data:
            previous = data[name]
            data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            data[name] = value
    return data


def parse_request(body: bytes) -> Any:
    """The request body as JSON-like values; raises `XmlSyntaxError` if it is not XML."""
    try:
        root = etree.fromstring(body, _parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise XmlSyntaxError(str(exc)) from exc
    if root is None:
        raise XmlSyntaxError("empty document")
    info = root.getroottree().docinfo
    declared: object = info.internalDTD
    doctype: object = getattr(info, "doctype", None)
    if declared is not None or doctype:
        # Entities are never expanded anyway; a request that declares them is refused whole.
        raise XmlSyntaxError("a document type declaration is not accepted")
    return _to_value(root)


# Characters XML 1.0 cannot carry at all; a text sent through JSON may hold them.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return _NOT_XML.sub("\ufffd", str(value))


def _fill(parent: etree._Element, name: str, value: Any) -> None:
    if value is None:
        return
    element = etree.SubElement(parent, name)
    if isinstance(value, Mapping):
        for key, item in value.items():
            _fill(element, key, item)
    elif isinstance(value, list | tuple):
        child = _SINGULAR.get(name, "item")
        for item in value:
            _fill(element, child, item)
    else:
        element.text = _text(value)


def render(root: str, data: Mapping[str, Any]) -> bytes:
    """`data` (the JSON answer) as an XML document under `root`."""
    element = etree.Element(root)
    for key, value in data.items():
        _fill(element, key, value)
    result: bytes = etree.tostring(element, xml_declaration=True, encoding="UTF-8")
    return result
