"""Fuzzed bad input on every Broadnet endpoint: never a 500, never a traceback, never an error
recorded by the fake, and every answer in the endpoint's documented shape."""

from __future__ import annotations

import json
import re
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from pytest_smsmock.hub import SmsMock

WEBSMS_PATHS = [
    "/websmpp/websms",
    "/websmpp/websms/groupsms",
    "/websmpp/websmsstatus",
    "/websmpp/balanceReport",
    "/websmpp/downloadcoverage",
    "/websmpp/api/dlrreport",
    "/websmpp/whatever",
]
JSON_PATHS = ["/websmpp/json/sms", "/websmpp/json/status"]
XML_PATHS = ["/websmpp/xmlsms", "/websmpp/xmlstatus"]
NAMES = [
    "user",
    "pass",
    "userid",
    "password",
    "username",
    "accesskey",
    "sid",
    "mno",
    "group",
    "limit",
    "type",
    "text",
    "gmt",
    "schtime",
    "respformat",
    "respid",
    "format",
    "from_date",
    "to_date",
    "is_content",
    "sender",
    "dcs",  # not Broadnet parameters: ignored
    "esm",
    "udh",
]
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        ["test", "1", "2", "4", "json", "962791234567", "+0530", "202501010000", "0041", ""]
    ),
)
ERROR = re.compile(r"^ERROR - HTTP\d\d --> .+$")
SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _shape_ok(path: str, answer: requests.Response) -> bool:
    if path in JSON_PATHS:
        body = answer.json()
        return set(body) in ({"response"}, {"result"})
    if path in XML_PATHS:
        return etree.fromstring(answer.content).tag in ("response", "result")
    if answer.headers["Content-Type"].startswith("text/plain"):
        return bool(ERROR.match(answer.text) or answer.text.startswith("Response: "))
    return "Content-Disposition" in answer.headers or answer.text.startswith('{"Response"')


@SETTINGS
@given(
    path=st.sampled_from(WEBSMS_PATHS),
    method=st.sampled_from(["GET", "POST", "PUT", "HEAD", "DELETE"]),
    params=st.dictionaries(st.sampled_from(NAMES), VALUES, max_size=10),
)
def test_websms_fuzz(smsmock: SmsMock, path: str, method: str, params: dict[str, str]) -> None:
    params = {"user": "test", "pass": "test", "userid": "test", "password": "test", **params}
    fake = smsmock.broadnet
    if method == "POST":
        answer = requests.post(fake.url + path, data=params, timeout=10)
    else:
        answer = requests.request(method, fake.url + path, params=params, timeout=10)
    assert answer.status_code == 200
    assert b"Traceback" not in answer.content
    if method != "HEAD":
        assert _shape_ok(path, answer), answer.text
    assert smsmock.take_errors() == []


JSON_VALUES: Any = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
CAMPAIGN_KEYS = st.sampled_from(
    [
        "username",
        "password",
        "accesskey",
        "format",
        "sender",
        "gsm",
        "group",
        "limit",
        "text",
        "type",
        "custom",
        "batch_id",
        "amount",  # not Broadnet fields: ignored
        "mode",
    ]
)


@SETTINGS
@given(
    path=st.sampled_from(JSON_PATHS),
    root=st.sampled_from(["campaign", "enquiry", "recharge", "other"]),
    fields=st.dictionaries(CAMPAIGN_KEYS, JSON_VALUES, max_size=10),
    junk=st.one_of(st.none(), st.binary(max_size=100)),
)
def test_json_fuzz(
    smsmock: SmsMock, path: str, root: str, fields: dict[str, Any], junk: bytes | None
) -> None:
    body = junk if junk is not None else json.dumps({root: fields}).encode()
    answer = requests.post(smsmock.broadnet.url + path, data=body, timeout=10)
    assert answer.status_code == 200
    assert _shape_ok(path, answer), answer.text
    assert smsmock.take_errors() == []


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=20
) | st.sampled_from(["test", "1", "2", "962791234567", ""])


@SETTINGS
@given(
    path=st.sampled_from(XML_PATHS),
    root=st.sampled_from(["campaign", "enquiry", "recharge", "SMS"]),
    fmt=st.sampled_from([None, "1", "2", "x"]),
    fields=st.dictionaries(CAMPAIGN_KEYS, XML_TEXT, max_size=10),
    wrap=st.booleans(),
    junk=st.one_of(st.none(), st.binary(max_size=100), st.just(b"<campaign><SMS>")),
)
def test_xml_fuzz(
    smsmock: SmsMock,
    path: str,
    root: str,
    fmt: str | None,
    fields: dict[str, str],
    wrap: bool,
    junk: bytes | None,
) -> None:
    element = etree.Element(root)
    holder = etree.SubElement(element, "SMS") if wrap else element
    if fmt is not None:
        holder.set("format", fmt)
    for key, value in fields.items():
        if key == "gsm":
            etree.SubElement(etree.SubElement(holder, "recipients"), "gsm").text = value
        else:
            etree.SubElement(holder, key).text = value
    body = junk if junk is not None else etree.tostring(element, encoding="UTF-8")
    answer = requests.post(
        smsmock.broadnet.url + path, data=body, headers={"Content-Type": "text/xml"}, timeout=10
    )
    assert answer.status_code == 200
    assert _shape_ok(path, answer), answer.text
    assert smsmock.take_errors() == []
