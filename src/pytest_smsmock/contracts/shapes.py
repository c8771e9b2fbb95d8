"""Shapes of answers, not values: what a client relies on, inferred from one answer and checked
against another.

An answer body becomes a tree (`parse_body`): JSON as it is, XML as objects keyed by child tag
(a repeated tag is an array, a leaf is its text, attributes are ``@name``), anything else as one
text. `infer` turns a tree into a shape, a plain dict that YAML writes and a person edits:

    {type: object, keys: {messageId: {type: string, format: uuid}, ...}}
    {type: array, each: SHAPE}                  # "each like": every item has that shape
    {type: string, format: NAME} | {type: string, regex: RE} | {type: string, one_of: [...]}
    {type: integer} | {type: number} | {type: boolean} | {type: "null"}
    {type: text, regex: RE}                     # a whole non-JSON, non-XML body
    {type: any}                                 # anything (edit a shape to loosen it)

A string's format is the first of `FORMATS` its value matches (ids, dates, numbers); a text's
regex keeps its words and turns every run of digits into ``\\d+``. `compare` lists each place
where a tree does not fit a shape, as `Drift` entries naming the field (``$.messages[].status``).
"""

from __future__ import annotations

import json
import re
from typing import Any

from pytest_smsmock.core.frozen import value_class

__all__ = ["FORMATS", "Drift", "compare", "infer", "parse_body"]

#: Named string formats, most specific first: the first that matches a value is its format.
FORMATS: dict[str, str] = {
    "empty": r"",
    "octets": r"0x[0-9a-f]*",  # an SMPP octet-string TLV, as the contracts write it
    "uuid": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
    "datetime-ms-offset": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4}",
    "datetime-iso": r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?",
    "date-iso": r"\d{4}-\d\d-\d\d",
    "datetime-dmy": r"\d\d\.\d\d\.\d{4} \d\d:\d\d(:\d\d)?",
    "integer": r"-?\d+",
    "decimal": r"-?\d+[.,]\d+",
    "hex": r"[0-9A-Fa-f]+",
    "alphanumeric-id": r"[A-Za-z0-9_-]*\d[A-Za-z0-9_-]*",
    "text": r"(?s).*",
}
_COMPILED = {name: re.compile(pattern) for name, pattern in FORMATS.items()}

Shape = dict[str, Any]


@value_class
class Drift:
    """One place where an answer does not fit its shape. `kind` is one of ``status``,
    ``content_type``, ``missing``, ``extra``, ``type``, ``format``, ``error``. `expected` and
    `actual` name shapes, formats or codes, never a value a credential could hide in."""

    field: str
    kind: str
    expected: str
    actual: str

    def as_dict(self) -> dict[str, str]:
        return {
            "field": self.field,
            "kind": self.kind,
            "expected": self.expected,
            "actual": self.actual,
        }


def parse_body(content_type: str, body: bytes) -> Any:
    """The answer as a tree: JSON, XML (as nested dicts) or text."""
    kind = content_type.split(";")[0].strip().lower()
    text = body.decode("utf-8", "replace")
    stripped = text.lstrip()
    if kind.endswith("json") or (stripped[:1] in "{[" and stripped and _is_json(stripped)):
        try:
            return json.loads(text)
        except ValueError:
            return {"$text": text}
    if kind.endswith("xml") or stripped.startswith("<"):
        tree = _xml(body)
        if tree is not None:
            return tree
    return {"$text": text}


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _xml(body: bytes) -> Any:
    from lxml import etree  # only where XML is spoken

    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    return {"<" + str(root.tag) + ">": _element(root)}


def _element(element: Any) -> Any:
    children = [c for c in element if isinstance(c.tag, str)]
    if not children and not element.attrib:
        return (element.text or "").strip()
    tree: dict[str, Any] = {f"@{k}": v for k, v in element.attrib.items()}
    counts: dict[str, int] = {}
    for child in children:
        counts[child.tag] = counts.get(child.tag, 0) + 1
    for child in children:
        value = _element(child)
        if counts[child.tag] > 1:
            tree.setdefault(child.tag, []).append(value)
        else:
            tree[child.tag] = value
    if not children and element.text and element.text.strip():
        tree["#text"] = element.text.strip()
    return tree


def string_format(value: str) -> str:
    for name, pattern in _COMPILED.items():
        if pattern.fullmatch(value):
            return name
    return "text"  # pragma: no cover - "text" matches everything


def infer(tree: Any) -> Shape:
    if isinstance(tree, dict) and set(tree) == {"$text"}:
        return {"type": "text", "regex": text_regex(tree["$text"])}
    if isinstance(tree, dict):
        return {"type": "object", "keys": {k: infer(v) for k, v in tree.items()}}
    if isinstance(tree, list):
        return {"type": "array", "each": infer(tree[0]) if tree else {"type": "any"}}
    if isinstance(tree, bool):
        return {"type": "boolean"}
    if isinstance(tree, int):
        return {"type": "integer"}
    if isinstance(tree, float):
        return {"type": "number"}
    if tree is None:
        return {"type": "null"}
    return {"type": "string", "format": string_format(str(tree))}


def text_regex(text: str) -> str:
    """A text body's layout: its words kept, every run of digits any number."""
    parts = re.split(r"(-?\d+)", text.strip())
    return "".join(r"-?\d+" if i % 2 else re.escape(p) for i, p in enumerate(parts))


def _type_name(tree: Any) -> str:
    if isinstance(tree, dict):
        return "text" if set(tree) == {"$text"} else "object"
    if isinstance(tree, list):
        return "array"
    if isinstance(tree, bool):
        return "boolean"
    if isinstance(tree, int):
        return "integer"
    if isinstance(tree, float):
        return "number"
    if tree is None:
        return "null"
    return "string"


def compare(shape: Shape, tree: Any, field: str = "$") -> list[Drift]:
    """Every place where `tree` does not fit `shape` (empty: it fits)."""
    kind = shape.get("type", "any")
    actual = _type_name(tree)
    if kind == "any":
        return []
    if kind == "number" and actual == "integer":
        actual = "number"
    if kind != actual:
        return [Drift(field=field, kind="type", expected=kind, actual=actual)]
    if kind == "text":
        text = str(tree["$text"]).strip()
        if not re.fullmatch(shape["regex"], text):
            return [
                Drift(field=field, kind="format", expected=shape["regex"], actual=text_regex(text))
            ]
        return []
    if kind == "object":
        drifts: list[Drift] = []
        keys: dict[str, Shape] = shape.get("keys", {})
        optional = set(shape.get("optional", ()))
        for key, sub in keys.items():
            if key in tree:
                drifts += compare(sub, tree[key], _join(field, key))
            elif key not in optional:
                drifts.append(
                    Drift(
                        field=_join(field, key),
                        kind="missing",
                        expected=sub.get("type", "any"),
                        actual="absent",
                    )
                )
        if not shape.get("open", False):
            for key in tree:
                if key not in keys:
                    drifts.append(
                        Drift(
                            field=_join(field, key),
                            kind="extra",
                            expected="absent",
                            actual=_type_name(tree[key]),
                        )
                    )
        return drifts
    if kind == "array":
        each: Shape = shape.get("each", {"type": "any"})
        seen: dict[tuple[str, str], Drift] = {}
        for item in tree:
            for drift in compare(each, item, field + "[]"):
                seen.setdefault((drift.field, drift.kind), drift)
        return list(seen.values())
    if kind == "string":
        return _string(shape, str(tree), field)
    return []


def _string(shape: Shape, value: str, field: str) -> list[Drift]:
    if "one_of" in shape and value not in shape["one_of"]:
        return [
            Drift(
                field=field,
                kind="format",
                expected="one of " + "|".join(map(str, shape["one_of"])),
                actual=string_format(value),
            )
        ]
    if "regex" in shape and not re.fullmatch(shape["regex"], value):
        return [
            Drift(field=field, kind="format", expected=shape["regex"], actual=string_format(value))
        ]
    name = shape.get("format")
    if not isinstance(name, str) or name == "text":
        return []
    pattern = _COMPILED.get(name) or re.compile(name)
    if not pattern.fullmatch(value):
        return [Drift(field=field, kind="format", expected=name, actual=string_format(value))]
    return []


def _join(field: str, key: str) -> str:
    return f"{field}.{key}"
