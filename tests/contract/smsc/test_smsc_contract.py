"""Every status answer layout of the SMSC.ru document (004), produced from a real message.

`golden/layout_*.txt` are the document's layouts verbatim (fmt 0..3 x all 0..2, SMS and HLR);
each answer is compared with its layout field by field: the labels (fmt 0), the positions (fmt 1),
the element names (fmt 2), the keys and which values are quoted (fmt 3). `golden/answer_*.txt`
pin the complete answers (regenerate with SMSMOCK_UPDATE_GOLDEN=1 after a deliberate change).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from lxml import etree
from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock

GOLDEN = Path(__file__).parent / "golden"
PHONE = "79991234567"
# Placeholders of the document that name a field differently from the JSON/XML key.
ALIASES = {"sender": "sender_id", "check_time": "last_date"}


def call(mock: SmsMock, path: str, **params: object) -> str:
    request = EnvironBuilder(path=path, query_string=params).get_request()
    response = mock.smsc.dispatch(request, "primary")
    assert response.status_code == 200
    return response.get_data().decode("utf-8")


@pytest.fixture(scope="module")
def delivered() -> SmsMock:
    """One SMS and one HLR request, both delivered, ready to be asked about."""
    mock = SmsMock(providers=("smsc",))
    common = {"login": "test", "psw": "test", "charset": "utf-8", "fmt": 3}
    sms = json.loads(call(mock, "/sys/send.php", phones=PHONE, mes="Hello world", id=101, **common))
    assert sms == {"id": 101, "cnt": 1}
    hlr = json.loads(call(mock, "/sys/send.php", phones=PHONE, hlr=1, id=102, **common))
    assert hlr == {"id": 102, "cnt": 1}
    mock.clock.advance("10s")
    return mock


def answer(mock: SmsMock, kind: str, fmt: int, all_: int) -> str:
    mock.smsc.limits.clear()
    smsc_id = 101 if kind == "sms" else 102
    return call(
        mock,
        "/sys/status.php",
        login="test",
        psw="test",
        phone=PHONE,
        id=smsc_id,
        fmt=fmt,
        all=all_,
        charset="utf-8",
    )


def layout(kind: str, fmt: int, all_: int) -> str:
    return (GOLDEN / f"layout_{kind}_fmt{fmt}_all{all_}.txt").read_text()


CASES = [(kind, fmt, a) for kind in ("sms", "hlr") for fmt in range(4) for a in range(3)]


@pytest.mark.parametrize(("kind", "fmt", "all_"), CASES)
def test_answer_has_the_documented_fields_in_order(
    delivered: SmsMock, kind: str, fmt: int, all_: int
) -> None:
    template = layout(kind, fmt, all_)
    text = answer(delivered, kind, fmt, all_)
    record = delivered.smsc.status_record(
        delivered.smsc.message(101 if kind == "sms" else 102, PHONE)  # type: ignore[arg-type]
    )
    if fmt == 0:
        want = [
            (label.strip(), ALIASES.get(name, name))
            for label, name in re.findall(r"(\w+) ?= <(\w+)>", template)
        ]
        got = [tuple(part.split(" = ", 1)) for part in text.split(", ")]
        assert [label for label, _ in got] == [label for label, _ in want]
        for (_, value), (_, field) in zip(got, want, strict=True):
            assert value == str(record[field]), field
    elif fmt == 1:
        names = [ALIASES.get(n, n) for n in re.findall(r"<(\w+)>", template)]
        values = text.split(",")
        assert len(values) == len(names)
        for value, field in zip(values, names, strict=True):
            assert value == str(record[field]), field
    elif fmt == 2:
        want_tags = [el.tag for el in etree.fromstring(template.encode())]
        tree = etree.fromstring(text.encode())
        assert tree.tag == "sms"
        assert [el.tag for el in tree] == want_tags
        for el in tree:
            assert (el.text or "") == str(record[el.tag]), el.tag
    else:
        keys = re.findall(r'"(\w+)": ("?)<(\w+)>', template)
        parsed = json.loads(text)
        assert list(parsed) == [key for key, _, _ in keys]
        for key, quoted, _ in keys:
            assert isinstance(parsed[key], str) == bool(quoted), key
            assert str(parsed[key]) == str(record[key]), key


@pytest.mark.parametrize(("kind", "fmt", "all_"), CASES)
def test_answer_matches_golden(delivered: SmsMock, kind: str, fmt: int, all_: int) -> None:
    text = answer(delivered, kind, fmt, all_)
    path = GOLDEN / f"answer_{kind}_fmt{fmt}_all{all_}.txt"
    if os.environ.get("SMSMOCK_UPDATE_GOLDEN"):
        path.write_text(text + "\n")
    assert text + "\n" == path.read_text()


def test_documented_spacing_reproduces_the_documents_literal_text(delivered: SmsMock) -> None:
    delivered.smsc.documented_spacing = True
    try:
        sms = answer(delivered, "sms", 1, 1)
        hlr = answer(delivered, "hlr", 1, 1)
        orig = answer(delivered, "sms", 0, 2)
    finally:
        delivered.smsc.documented_spacing = False
    assert sms.endswith(",Hello world, , 0")
    assert hlr.endswith(",MegaFon,,, 1735689600,79991234567,0.5,HLR,Delivered,,4")
    assert "operator_orig= " in orig


@pytest.mark.parametrize("fmt", range(4))
def test_error_answers_follow_the_document(delivered: SmsMock, fmt: int) -> None:
    text = call(delivered, "/sys/status.php", login="test", psw="bad", phone=PHONE, id=1, fmt=fmt)
    doc = (GOLDEN / "errors_document.txt").read_text()
    assert "ERROR = N (description)" in doc and "0,-N" in doc
    if fmt == 0:
        assert re.fullmatch(r"ERROR = 2 \([^)]+\)", text)
    elif fmt == 1:
        assert text == "0,-2"
    elif fmt == 2:
        tree = etree.fromstring(text.encode())
        assert tree.tag == "result"
        assert [el.tag for el in tree] == ["error", "error_code"]
        assert tree.findtext("error_code") == "2"
    else:
        assert list(json.loads(text)) == ["error", "error_code"]
        assert json.loads(text)["error_code"] == 2


@pytest.mark.parametrize("fmt", range(4))
@pytest.mark.parametrize("all_", range(3))
def test_multiple_ids_add_id_and_phone_as_documented(
    delivered: SmsMock, fmt: int, all_: int
) -> None:
    delivered.smsc.limits.clear()
    text = call(
        delivered,
        "/sys/status.php",
        login="test",
        psw="test",
        phone=f"{PHONE},{PHONE}",
        id="101,102",
        fmt=fmt,
        all=all_,
        charset="utf-8",
    )
    single_sms = answer(delivered, "sms", fmt, all_)
    single_hlr = answer(delivered, "hlr", fmt, all_)
    extra = ["101", PHONE] if all_ == 0 else ["101"]
    if fmt == 0:
        lines = text.split("\n")
        suffix = ", id = 101" + (f", phone = {PHONE}" if all_ == 0 else "")
        assert lines[0] == single_sms + suffix
        assert lines[1].startswith(single_hlr + ", id = 102")
    elif fmt == 1:
        lines = text.split("\n")
        assert lines[0] == ",".join([single_sms, *extra])
    elif fmt == 2:
        tree = etree.fromstring(text.encode())
        assert tree.tag == "list"
        assert [el.tag for el in tree] == ["sms", "sms"]
        tags = [el.tag for el in tree[0]]
        assert tags[-len(extra) :] == ["id", "phone"][: len(extra)]
    else:
        items = json.loads(text)
        assert isinstance(items, list) and len(items) == 2
        assert items[0]["id"] == 101 and items[1]["id"] == 102
        assert ("phone" in items[0]) is True
        assert list(items[0])[: len(json.loads(single_sms))] == list(json.loads(single_sms))
