"""Broadnet through real HTTP clients: every endpoint on the plain and the TLS listener, and every
error code of the websmpp table and of the JSON/XML status code table produced by its cause."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import requests
from lxml import etree

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.broadnet.status import API_CODES, HTTP_ERRORS, RECHARGE_CODES

NUMBER = "962791234567"
BASE = {"user": "test", "pass": "test", "sid": "Test", "mno": NUMBER, "type": "1", "text": "hi"}


@pytest.fixture(params=["plain", "tls"])
def site(request: pytest.FixtureRequest, smsmock: SmsMock) -> tuple[str, Any]:
    if request.param == "plain":
        return smsmock.broadnet.url, True
    return smsmock.broadnet.https_url, smsmock.ca_file


def get(site: tuple[str, Any], path: str, **params: str) -> requests.Response:
    base, verify = site
    return requests.get(base + path, params=params, verify=verify, timeout=10)


def post(site: tuple[str, Any], path: str, body: bytes | str, **kw: Any) -> requests.Response:
    base, verify = site
    return requests.post(base + path, data=body, verify=verify, timeout=10, **kw)


# -- websmpp ------------------------------------------------------------------------------------
def test_send_then_status_moves_from_ates_to_delivrd(smsmock: SmsMock, site: Any) -> None:
    answer = get(site, "/websmpp/websms", **BASE)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert answer.text.startswith("Response: ")
    message_id = answer.text.removeprefix("Response: ")
    assert len(message_id) == 19
    assert message_id.isdigit()
    assert get(site, "/websmpp/websmsstatus", respid=message_id).text == "Response: ATES"
    smsmock.clock.advance("5s")
    assert get(site, "/websmpp/websmsstatus", respid=message_id).text == "Response: DELIVRD"
    message = smsmock.broadnet.messages.one(to=NUMBER)
    assert (message.sender, message.text, message.api) == ("Test", "hi", "websms")


def test_post_with_json_answer_and_several_numbers(smsmock: SmsMock, site: Any) -> None:
    numbers = ",".join(f"96279{i:07d}" for i in range(150))
    answer = post(site, "/websmpp/websms", {**BASE, "mno": numbers, "respformat": "json"})
    body = answer.json()
    assert answer.headers["Content-Type"] == "application/json"
    assert len(body["Response"]) == 150
    assert [m.message_id for m in smsmock.broadnet.messages] == body["Response"]
    assert smsmock.broadnet.accounts.get("test").balance == 1000 - 150  # type: ignore[union-attr]


def test_status_answers_in_json_too(smsmock: SmsMock, site: Any) -> None:
    message_id = get(site, "/websmpp/websms", **BASE).text.split()[-1]
    answer = get(site, "/websmpp/websmsstatus", respid=message_id, respformat="json")
    assert answer.json() == {"Response": ["ATES"]}


def test_unicode_arabic_and_special_types(smsmock: SmsMock, site: Any) -> None:
    hex_text = "0645 0631 062D 0628 0627".replace(" ", "")
    get(site, "/websmpp/websms", **{**BASE, "type": "2", "text": hex_text})
    get(site, "/websmpp/websms", **{**BASE, "type": "4", "text": "مرحبا " * 12})
    get(site, "/websmpp/websms", **{**BASE, "type": "3", "text": "testing $@ [x]"})
    unicode, arabic, special = smsmock.broadnet.messages
    assert (unicode.text, unicode.encoding, unicode.data_coding) == ("مرحبا", "ucs2", 8)
    assert (arabic.parts, arabic.encoding) == (2, "ucs2")  # 72 characters: 67 + 5
    assert (special.text, special.parts, special.encoding) == ("testing $@ [x]", 1, "gsm7")


def test_scheduled_message_waits_for_its_time(smsmock: SmsMock, site: Any) -> None:
    # 2025-01-01 00:00 UTC is 05:30 in +0530: schedule for 06:00 there.
    message_id = get(
        site, "/websmpp/websms", **BASE, gmt="+0530", schtime="202501010600"
    ).text.split()[-1]
    message = smsmock.broadnet.messages.get(message_id)
    assert message is not None
    assert message.scheduled_at is not None
    assert message.scheduled_at.isoformat() == "2025-01-01T06:00:00+05:30"
    smsmock.clock.advance("29m")
    assert get(site, "/websmpp/websmsstatus", respid=message_id).text == "Response: ATES"
    smsmock.clock.advance("1m5s")
    assert get(site, "/websmpp/websmsstatus", respid=message_id).text == "Response: DELIVRD"


def test_group_sms_expands_the_address_book_with_limit(smsmock: SmsMock, site: Any) -> None:
    smsmock.broadnet.add_account(
        "grp",
        "pw",
        groups={"GR1": ["962790000001", "962790000002", "962790000003"], "GR2": ["97150000001"]},
    )
    answer = get(
        site,
        "/websmpp/websms/groupsms",
        user="grp",
        **{"pass": "pw"},
        sid="Test",
        group="GR1,GR2",
        limit="2",
        type="1",
        text="hello group",
    )
    assert len(answer.text.removeprefix("Response: ").split(",")) == 3
    assert [m.to for m in smsmock.broadnet.messages] == [
        "962790000001",
        "962790000002",
        "97150000001",
    ]


def test_accesskey_works_everywhere(smsmock: SmsMock, site: Any) -> None:
    smsmock.broadnet.add_account("keyed", "pw", api_key="K" * 15, balance=50)
    assert get(
        site, "/websmpp/websms", accesskey="K" * 15, sid="Test", mno=NUMBER, type="1", text="x"
    ).text.startswith("Response: ")
    assert get(site, "/websmpp/balanceReport", accesskey="K" * 15).text == "Response: 49.000"


def test_balance_report_uses_userid_and_password(smsmock: SmsMock, site: Any) -> None:
    assert get(site, "/websmpp/balanceReport", userid="test", password="test").text == (
        "Response: 1000.000"
    )
    # websms' parameter names do not work here: "Failing any would result in a negative response"
    answer = get(site, "/websmpp/balanceReport", user="test", **{"pass": "test"})
    assert answer.text == "ERROR - HTTP02 --> Invalid query string"


def test_httpx_client_over_tls(smsmock: SmsMock) -> None:
    with httpx.Client(verify=smsmock.client_ssl_context()) as client:
        answer = client.post(smsmock.broadnet.https_url + "/websmpp/websms", data=BASE)
    assert answer.text.startswith("Response: ")


# -- JSON and XML -------------------------------------------------------------------------------
def json_campaign(fields: dict[str, Any]) -> str:
    return json.dumps({"campaign": fields})


def xml_campaign(fields: dict[str, Any]) -> str:
    sms = etree.Element("SMS")
    root = etree.Element("campaign")
    if "format" in fields:
        (sms if fields["format"] == "2" else root).set("format", fields["format"])
    root.append(sms)
    for key, value in fields.items():
        if key == "format":
            continue
        if key == "gsm":
            recipients = etree.SubElement(sms, "recipients")
            for number in value:
                etree.SubElement(recipients, "gsm").text = number
        elif key == "custom":
            for item in value:
                custom = etree.SubElement(sms, "custom")
                etree.SubElement(custom, "gsm").text = item["gsm"]
                etree.SubElement(custom, "text").text = item["text"]
        else:
            etree.SubElement(sms, key).text = value
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()


def xml_fields(body: bytes) -> dict[str, Any]:
    root = etree.fromstring(body)
    if root.tag == "result":
        return {
            "batch_id": root.findtext("batch_id"),
            "report": [
                {child.tag: child.text or "" for child in report}
                for report in root.iterfind("report")
            ],
        }
    return {child.tag: child.text or "" for child in root}


API = {
    "json": ("/websmpp/json/sms", "/websmpp/json/status", json_campaign),
    "xml": ("/websmpp/xmlsms", "/websmpp/xmlstatus", xml_campaign),
}


def parse(api: str, answer: requests.Response) -> dict[str, Any]:
    if api == "json":
        body: dict[str, Any] = answer.json()
        return body.get("response") or body["result"]
    return xml_fields(answer.content)


def enquiry(api: str, batch_id: str, user: str = "test", password: str = "test") -> str:
    if api == "json":
        return json.dumps(
            {"enquiry": {"username": user, "password": password, "batch_id": batch_id}}
        )
    return (
        f"<enquiry><username>{user}</username><password>{password}</password>"
        f"<batch_id>{batch_id}</batch_id></enquiry>"
    )


CAMPAIGN = {
    "username": "test",
    "password": "test",
    "format": "1",
    "sender": "JSON-1",
    "type": "1",
    "text": "testing",
    "gsm": [NUMBER, "12", "99912345678"],
}


@pytest.mark.parametrize("api", ["json", "xml"])
def test_campaign_and_status_report_per_number(smsmock: SmsMock, site: Any, api: str) -> None:
    sms_path, status_path, build = API[api]
    answer = parse(api, post(site, sms_path, build(CAMPAIGN)))
    assert answer["status"] == "000"
    batch_id = answer["batch_id"]
    assert len(batch_id) == (19 if api == "json" else 15)
    smsmock.clock.advance("5s")
    result = parse(api, post(site, status_path, enquiry(api, batch_id)))
    assert result["batch_id"] == batch_id
    dlr, status = ("dlr_status", "request_status") if api == "json" else ("dlrstatus", "status")
    lines = [(r["msisdn"], r[dlr], r[status], bool(r["messageid"])) for r in result["report"]]
    assert lines == [
        (NUMBER, "DELIVRD", "000", True),
        ("12", "", "005", False),
        ("99912345678", "", "006", False),
    ]
    assert smsmock.broadnet.messages.one().bulk_id == batch_id


@pytest.mark.parametrize("api", ["json", "xml"])
def test_custom_texts_per_number(smsmock: SmsMock, site: Any, api: str) -> None:
    sms_path, _, build = API[api]
    fields = {
        "username": "test",
        "password": "test",
        "format": "2",
        "type": "1",
        "sender": "JSON-2",
        "custom": [{"gsm": "962790000001", "text": "one"}, {"gsm": "962790000002", "text": "two"}],
    }
    assert parse(api, post(site, sms_path, build(fields)))["status"] == "000"
    assert [(m.to, m.text) for m in smsmock.broadnet.messages] == [
        ("962790000001", "one"),
        ("962790000002", "two"),
    ]


# -- every error code from its cause ------------------------------------------------------------
def _raise(*_: Any) -> Any:
    raise RuntimeError("boom")


def _setup(**options: Any) -> Callable[[SmsMock, pytest.MonkeyPatch], None]:
    def apply(smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
        smsmock.broadnet.add_account("test", "test", **options)

    return apply


def _patch(attribute: str, value: Any) -> Callable[[SmsMock, pytest.MonkeyPatch], None]:
    def apply(smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
        target = smsmock.broadnet
        name = attribute
        if "." in attribute:
            owner, name = attribute.split(".")
            target = getattr(target, owner)
        monkeypatch.setattr(target, name, value)

    return apply


def _nothing(smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    return None


def _answers(status: object) -> Callable[[SmsMock, pytest.MonkeyPatch], None]:
    """A scenario rule answering every Broadnet submission with `status` (``respond``)."""

    def apply(smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
        rule = {"match": {"provider": "broadnet"}, "respond": {"status": status}}
        smsmock.load_scenario({"version": 1, "rules": [rule]})

    return apply


# The fake's own failure (a bug): answered with the generic code, and reported to the test.
_BROKEN = _patch("accept", _raise)

# Codes whose cause the fake cannot have: "Submit Failed" (the operator refusing a submission
# the gateway accepted) and the ESM / header errors of parameters the document never shows.
# A scenario's `respond` gives them; every other code has its cause below.
SCENARIO_ONLY = {"HTTP12", "HTTP20", "HTTP21"}


WEBSMS_CASES: list[tuple[str, str, str, dict[str, str], Any]] = [
    ("HTTP01", "GET", "/websmpp/websms/nowhere", BASE, _nothing),
    ("HTTP02", "GET", "/websmpp/websms", {**BASE, "sid": ""}, _nothing),
    ("HTTP02", "GET", "/websmpp/websms", {**BASE, "text": "fish & chips"}, _nothing),
    ("HTTP03", "GET", "/websmpp/websms", BASE, _BROKEN),
    ("HTTP04", "GET", "/websmpp/websms", {**BASE, "pass": "wrong"}, _nothing),
    ("HTTP05", "GET", "/websmpp/websms", {**BASE, "user": "nobody"}, _nothing),
    ("HTTP06", "GET", "/websmpp/websms", {**BASE, "sid": "WayTooLongSender"}, _nothing),
    ("HTTP06", "GET", "/websmpp/websms", BASE, _setup(senders=["Other"])),
    ("HTTP07", "GET", "/websmpp/websms", {**BASE, "type": "5"}, _nothing),
    ("HTTP08", "GET", "/websmpp/websmsstatus", {"respid": "abc"}, _nothing),
    ("HTTP09", "GET", "/websmpp/websms", {**BASE, "mno": "962xxxxx"}, _nothing),
    ("HTTP10", "GET", "/websmpp/websms", {**BASE, "mno": ",,"}, _nothing),
    ("HTTP11", "GET", "/websmpp/websms", BASE, _patch("maintenance", True)),
    ("HTTP12", "GET", "/websmpp/websms", BASE, _answers("HTTP12")),
    ("HTTP12", "GET", "/websmpp/websms", BASE, _answers("SYSTEM_ERROR")),
    ("HTTP13", "GET", "/websmpp/websmsstatus", {"respid": "1"}, _patch("messages.get", _raise)),
    ("HTTP14", "GET", "/websmpp/websms", BASE, _setup(bind_fails=True)),
    ("HTTP15", "GET", "/websmpp/websms", BASE, _setup(web_access=False)),
    ("HTTP15", "GET", "/websmpp/websms", BASE, _setup(allowed_ips=["10.9.9.9"])),
    ("HTTP15", "GET", "/websmpp/balanceReport", {"accesskey": "unknown"}, _nothing),
    ("HTTP16", "PUT", "/websmpp/websms", BASE, _nothing),
    (
        "HTTP16",
        "GET",
        "/websmpp/downloadcoverage",
        {"userid": "test", "password": "test", "format": "4"},
        _nothing,
    ),
    ("HTTP17", "GET", "/websmpp/websms", {**BASE, "text": "a" * 1531}, _nothing),
    ("HTTP18", "GET", "/websmpp/websms", BASE, _setup(balance=0)),
    ("HTTP19", "GET", "/websmpp/websms", {**BASE, "type": "2", "text": "zz"}, _nothing),
    ("HTTP19", "GET", "/websmpp/websms", {**BASE, "text": "Привет"}, _nothing),
    ("HTTP20", "GET", "/websmpp/websms", BASE, _answers("HTTP20")),
    ("HTTP21", "GET", "/websmpp/websms", BASE, _answers("HTTP21")),
    ("HTTP22", "GET", "/websmpp/websms", {**BASE, "schtime": "201605101422"}, _nothing),
    ("HTTP22", "GET", "/websmpp/websms", {**BASE, "schtime": "2025013199"}, _nothing),
    ("HTTP23", "GET", "/websmpp/websms", {**BASE, "mno": "99912345678"}, _nothing),
    ("HTTP23", "GET", "/websmpp/websms", BASE, _setup(coverage=["971"])),
    ("HTTP24", "GET", "/websmpp/websms", {**BASE, "mno": ",".join([NUMBER] * 101)}, _nothing),
    ("HTTP25", "GET", "/websmpp/websmsstatus", {"respid": "1234567"}, _nothing),
    ("HTTP26", "GET", "/websmpp/websms", BASE, _setup(expired=True)),
]


def test_the_websms_cases_cover_every_code() -> None:
    assert {case[0] for case in WEBSMS_CASES} == set(HTTP_ERRORS)
    by_scenario = {case[0] for case in WEBSMS_CASES if case[4].__qualname__.startswith("_answers")}
    assert by_scenario == SCENARIO_ONLY


def test_parameters_the_document_does_not_show_are_ignored(smsmock: SmsMock, site: Any) -> None:
    answer = get(site, "/websmpp/websms", **BASE, dcs="8", esm="7", udh="zz")
    assert answer.text.startswith("Response: ")


@pytest.mark.parametrize(
    ("code", "method", "path", "params", "setup"),
    WEBSMS_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(WEBSMS_CASES)],
)
def test_websms_error_from_its_cause(
    smsmock: SmsMock,
    site: Any,
    monkeypatch: pytest.MonkeyPatch,
    code: str,
    method: str,
    path: str,
    params: dict[str, str],
    setup: Any,
) -> None:
    setup(smsmock, monkeypatch)
    base, verify = site
    answer = requests.request(method, base + path, params=params, verify=verify, timeout=10)
    assert answer.status_code == 200
    assert answer.text == f"ERROR - {code} --> {HTTP_ERRORS[code]}"
    assert len(smsmock.broadnet.messages) == 0
    errors = smsmock.take_errors()
    assert [str(e) for e in errors] == (["boom"] if code in ("HTTP03", "HTTP13") else [])
    if setup is not _BROKEN:  # a refusal charges nothing
        assert smsmock.broadnet.accounts.get("test").balance == (  # type: ignore[union-attr]
            0 if code == "HTTP18" else 1000
        )


def test_json_format_errors_are_wrapped(smsmock: SmsMock, site: Any) -> None:
    answer = get(site, "/websmpp/websms", **{**BASE, "pass": "no", "respformat": "json"})
    assert answer.json() == {"Response": ["ERROR - HTTP04 --> Invalid Password"]}


def _campaign(**changes: Any) -> dict[str, Any]:
    fields = {**CAMPAIGN, "gsm": [NUMBER]}
    fields.update(changes)
    return {k: v for k, v in fields.items() if v is not None}


API_CASES: list[tuple[str, str, dict[str, Any], Any]] = [
    ("000", "sms", _campaign(), _nothing),
    ("001", "sms", _campaign(password="wrong"), _nothing),
    ("001", "sms", _campaign(username="nobody"), _nothing),
    ("002", "sms", _campaign(sender=None), _nothing),
    ("002", "sms", _campaign(format="3"), _nothing),
    ("003", "sms", _campaign(), _setup(expired=True)),
    ("004", "sms", _campaign(), _setup(balance=0)),
    ("005", "sms", _campaign(gsm=["12345"]), _nothing),
    ("006", "sms", _campaign(gsm=["99912345678"]), _nothing),
    ("007", "sms", _campaign(), _BROKEN),
    ("007", "sms", _campaign(), _patch("maintenance", True)),
    ("007", "sms", _campaign(), _answers(7)),
    ("008", "sms", _campaign(sender="WayTooLongSender"), _nothing),
    ("009", "sms", _campaign(text="call #5"), _nothing),
    ("009", "sms", _campaign(text="x" * 1600), _nothing),
    ("010", "sms", _campaign(type="9"), _nothing),
    ("050", "sms", _campaign(), _setup(web_access=False)),
    ("051", "sms", {"raw": "{not json"}, _nothing),
    ("052", "status", {"batch_id": "123"}, _nothing),
    ("053", "status", {"batch_id": None}, _nothing),
    ("064", "sms", _campaign(), _setup(allowed_ips=["10.9.9.9"])),
]


@pytest.mark.parametrize("api", ["json", "xml"])
@pytest.mark.parametrize(
    ("code", "action", "fields", "setup"),
    API_CASES,
    ids=[f"{c[0]}-{i}" for i, c in enumerate(API_CASES)],
)
def test_api_status_code_from_its_cause(
    smsmock: SmsMock,
    site: Any,
    monkeypatch: pytest.MonkeyPatch,
    api: str,
    code: str,
    action: str,
    fields: dict[str, Any],
    setup: Any,
) -> None:
    setup(smsmock, monkeypatch)
    fake = smsmock.broadnet
    sms_path, status_path, build = API[api]
    if action == "sms":
        path = sms_path
        body = fields["raw"] if "raw" in fields else build(fields)
    else:
        path = status_path
        batch_id = fields["batch_id"] or ("1" * (19 if api == "json" else 15))
        body = enquiry(api, batch_id)
    answer = post(site, path, body)
    assert answer.status_code == 200
    assert parse(api, answer)["status"] == code
    if code != "000":
        assert parse(api, answer)["batch_id"] == ""
        assert len(fake.messages) == 0
    assert [str(e) for e in smsmock.take_errors()] == (["boom"] if setup is _BROKEN else [])


def test_api_cases_cover_every_code_but_the_recharge_ones() -> None:
    # 060..063 answer a recharge call the document never shows: the fake has no such call.
    assert {case[0] for case in API_CASES} == set(API_CODES) - set(RECHARGE_CODES)


@pytest.mark.parametrize(
    "path", ["/websmpp/json/recharge", "/websmpp/xmlrecharge", "/websmpp/recharge"]
)
def test_no_recharge_endpoint(smsmock: SmsMock, site: Any, path: str) -> None:
    body = '{"recharge":{"username":"test","password":"test","amount":"10"}}'
    answer = post(site, path, body)
    assert answer.text == "ERROR - HTTP01 --> Invalid HTTP URL Format"


@pytest.mark.parametrize("api", ["json", "xml"])
def test_batch_of_another_account_is_no_records(smsmock: SmsMock, site: Any, api: str) -> None:
    sms_path, status_path, build = API[api]
    batch_id = parse(api, post(site, sms_path, build(_campaign())))["batch_id"]
    smsmock.broadnet.add_account("other", "pw")
    assert (
        parse(api, post(site, status_path, enquiry(api, batch_id, "other", "pw")))["status"]
        == "053"
    )


def test_each_api_checks_its_own_batch_id_shape(smsmock: SmsMock, site: Any) -> None:
    xml_batch = parse("xml", post(site, "/websmpp/xmlsms", xml_campaign(_campaign())))["batch_id"]
    # A 15-digit XML batch id is not a JSON batch id (19 digits), and the other way round.
    answer = post(site, "/websmpp/json/status", enquiry("json", xml_batch))
    assert parse("json", answer)["status"] == "052"
    assert (
        parse("xml", post(site, "/websmpp/xmlstatus", enquiry("xml", xml_batch)))["batch_id"]
        == xml_batch
    )


def test_xml_format_attribute_on_sms_or_campaign(smsmock: SmsMock, site: Any) -> None:
    custom_on_campaign = (
        '<campaign format="2"><SMS><username>test</username><password>test</password>'
        "<type>1</type><sender>X</sender><custom><gsm>962790000001</gsm><text>a</text></custom>"
        "</SMS></campaign>"
    )
    assert parse("xml", post(site, "/websmpp/xmlsms", custom_on_campaign))["status"] == "000"
    # format="2" on <SMS> wins over format="1" on <campaign>
    both = custom_on_campaign.replace('campaign format="2"', 'campaign format="1"').replace(
        "<SMS>", '<SMS format="2">'
    )
    assert parse("xml", post(site, "/websmpp/xmlsms", both))["status"] == "000"


def test_xml_never_resolves_entities(smsmock: SmsMock, site: Any) -> None:
    body = (
        '<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<campaign format="1"><SMS><username>test</username><password>test</password>'
        "<type>1</type><sender>X</sender><text>&x;</text>"
        f"<recipients><gsm>{NUMBER}</gsm></recipients></SMS></campaign>"
    )
    answer = parse("xml", post(site, "/websmpp/xmlsms", body))
    assert answer["status"] in ("002", "009", "051")
    assert all("root:" not in m.text for m in smsmock.broadnet.messages)


def test_get_on_json_api_is_refused(smsmock: SmsMock, site: Any) -> None:
    assert get(site, "/websmpp/json/sms").json() == {"response": {"batch_id": "", "status": "002"}}


def test_outside_the_api_is_a_plain_404(smsmock: SmsMock, site: Any) -> None:
    assert get(site, "/elsewhere").status_code == 404
