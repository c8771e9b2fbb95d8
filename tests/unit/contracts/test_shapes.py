"""Shapes: inferred from one answer, compared with another, each difference named once."""

from __future__ import annotations

import pytest

from pytest_smsmock.contracts import Contract, ContractError
from pytest_smsmock.contracts.shapes import compare, infer, parse_body, text_regex

ANSWER = {
    "messages": [
        {
            "messageId": "2250be2d-4219-4a9f-8f47-7bf4d2b1b3f4",
            "to": "41793026727",
            "sentAt": "2025-01-01T00:00:00.000+0000",
            "smsCount": 1,
            "price": 0.01,
            "ok": True,
            "error": None,
        }
    ]
}


def fields(shape: dict[str, object], tree: object) -> list[tuple[str, str, str, str]]:
    return [(d.field, d.kind, d.expected, d.actual) for d in compare(shape, tree)]


def test_an_answer_fits_its_own_shape_and_another_of_the_same_shape() -> None:
    shape = infer(ANSWER)
    assert fields(shape, ANSWER) == []
    other = {
        "messages": [
            dict(ANSWER["messages"][0], to="4915112345678", smsCount=3),
            {**ANSWER["messages"][0], "messageId": "00000000-0000-4000-8000-000000000000"},
        ]
    }
    assert fields(shape, other) == []
    assert fields(shape, {"messages": []}) == []


def test_each_kind_of_drift_is_named() -> None:
    shape = infer(ANSWER)
    item = dict(ANSWER["messages"][0])
    item["message_id"] = item.pop("messageId")
    item["sentAt"] = "01.01.2025 00:00:00"
    item["smsCount"] = "1"
    assert sorted(fields(shape, {"messages": [item, item]})) == [
        ("$.messages[].messageId", "missing", "string", "absent"),
        ("$.messages[].message_id", "extra", "absent", "string"),
        ("$.messages[].sentAt", "format", "datetime-ms-offset", "datetime-dmy"),
        ("$.messages[].smsCount", "type", "integer", "string"),
    ]


def test_matchers_loosen_a_shape() -> None:
    shape = {
        "type": "object",
        "optional": ["b"],
        "open": True,
        "keys": {
            "a": {"type": "string", "one_of": ["PENDING", "DELIVERED"]},
            "b": {"type": "integer"},
            "n": {"type": "number"},
        },
    }
    assert fields(shape, {"a": "PENDING", "n": 3, "z": 1}) == []
    assert fields(shape, {"a": "LOST", "n": 1.5}) == [
        ("$.a", "format", "one of PENDING|DELIVERED", "text")
    ]


def test_xml_and_text_bodies() -> None:
    xml = parse_body("text/xml", b"<results><result><status>0</status></result></results>")
    assert xml == {"<results>": {"result": {"status": "0"}}}
    text = parse_body("text/plain", b"Response: 998.000")
    assert compare(infer(text), parse_body("text/plain", b"Response: 12.5")) == []
    assert text_regex("OK - 1 SMS, ID - 101") == r"OK\ \-\ -?\d+\ SMS,\ ID\ \-\ -?\d+"
    (drift,) = compare(infer(text), parse_body("text/plain", b"ERROR - HTTP01"))
    assert drift.kind == "format"


def test_unusable_contract_files_are_refused_with_the_place() -> None:
    with pytest.raises(ContractError, match=r"x.yaml: not a version 1 contract file"):
        Contract.from_dict({"version": 2}, source="x.yaml")
    with pytest.raises(ContractError, match=r"interactions\[0\].request: needs 'path'"):
        Contract.from_dict(
            {
                "version": 1,
                "provider": "infobip",
                "interactions": [{"request": {}, "response": {"status": 1}}],
            },
            source="x.yaml",
        )
