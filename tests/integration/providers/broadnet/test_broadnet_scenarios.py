"""Scenarios speaking Broadnet, end to end through real HTTP clients: rules answering with native
codes, DLR timelines in native and canonical names as websmsstatus, the JSON/XML enquiries, the
DLR report and the web DLR push show them, faults, and unknown names refused at load time."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import openpyxl
import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock

SCENARIO = "broadnet_statuses.yaml"
AUTH = {"user": "shop", "pass": "s3cret"}
NATIVE, CANONICAL, NO_ROUTE, NO_CREDIT, FAILS = (f"96279000000{n}" for n in (3, 4, 1, 2, 9))

Pushes = Callable[[], list[tuple[str, str, str]]]


@pytest.fixture
def pushes(smsmock: SmsMock, httpserver: HTTPServer) -> Pushes:
    """Point the scenario's `shop` account at a receiver that answers Ok; calling the fixture's
    value gives the (MessageId, Status, DoneDate) pushed so far."""
    httpserver.expect_request("/dlr").respond_with_data("Ok")
    account = smsmock.broadnet.accounts.get("shop")
    if account is not None:
        account.dlr_url = httpserver.url_for("/dlr")

    def seen() -> list[tuple[str, str, str]]:
        forms = [dict(parse_qsl(r.get_data(as_text=True))) for r, _ in httpserver.log]
        return [(f["MessageId"], f["Status"], f["DoneDate"]) for f in forms]

    return seen


def websms(smsmock: SmsMock, *numbers: str) -> requests.Response:
    params = {**AUTH, "sid": "Shop", "mno": ",".join(numbers), "type": "1", "text": "hi"}
    return requests.post(smsmock.broadnet.url + "/websmpp/websms", data=params, timeout=10)


def websms_ids(smsmock: SmsMock, *numbers: str) -> list[str]:
    answer = websms(smsmock, *numbers)
    assert answer.text.startswith("Response: "), answer.text
    return answer.text.removeprefix("Response: ").split(",")


def status(smsmock: SmsMock, message_id: str) -> str:
    url = smsmock.broadnet.url + "/websmpp/websmsstatus"
    return requests.get(url, params={"respid": message_id}, timeout=10).text


def json_sms(smsmock: SmsMock, *numbers: str) -> dict[str, Any]:
    body = {
        "campaign": {
            "username": "shop",
            "password": "s3cret",
            "sender": "Shop",
            "type": "1",
            "text": "hi",
            "gsm": list(numbers),
        }
    }
    url = smsmock.broadnet.url + "/websmpp/json/sms"
    answer: dict[str, Any] = requests.post(url, json=body, timeout=10).json()["response"]
    return answer


def json_report(smsmock: SmsMock, batch_id: str) -> list[tuple[str, str, str]]:
    body = {"enquiry": {"username": "shop", "password": "s3cret", "batch_id": batch_id}}
    url = smsmock.broadnet.url + "/websmpp/json/status"
    result = requests.post(url, data=json.dumps(body), timeout=10).json()["result"]
    return [(r["msisdn"], r["request_status"], r["dlr_status"]) for r in result["report"]]


def xml_sms(smsmock: SmsMock, *numbers: str) -> dict[str, str]:
    gsm = "".join(f"<gsm>{n}</gsm>" for n in numbers)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><campaign format="1"><SMS>'
        "<username>shop</username><password>s3cret</password><type>1</type>"
        f"<sender>Shop</sender><text>hi</text><recipients>{gsm}</recipients></SMS></campaign>"
    )
    answer = requests.post(smsmock.broadnet.url + "/websmpp/xmlsms", data=body, timeout=10)
    return {child.tag: child.text or "" for child in etree.fromstring(answer.content)}


def xml_report(smsmock: SmsMock, batch_id: str) -> list[tuple[str, str, str]]:
    body = (
        "<enquiry><username>shop</username><password>s3cret</password>"
        f"<batch_id>{batch_id}</batch_id></enquiry>"
    )
    answer = requests.post(smsmock.broadnet.url + "/websmpp/xmlstatus", data=body, timeout=10)
    return [
        (r.findtext("msisdn") or "", r.findtext("status") or "", r.findtext("dlrstatus") or "")
        for r in etree.fromstring(answer.content).iterfind("report")
    ]


def balance(smsmock: SmsMock) -> str:
    url = smsmock.broadnet.url + "/websmpp/balanceReport"
    return requests.get(url, params={"userid": "shop", "password": "s3cret"}, timeout=10).text


# -- DLR timelines ---------------------------------------------------------------------------------
@pytest.mark.smsmock(scenario=SCENARIO)
def test_native_and_canonical_timelines_on_every_channel(smsmock: SmsMock, pushes: Pushes) -> None:
    native, canonical = websms_ids(smsmock, NATIVE, CANONICAL)
    json_batch = json_sms(smsmock, NATIVE, CANONICAL)["batch_id"]
    xml_batch = xml_sms(smsmock, NATIVE, CANONICAL)["batch_id"]

    def everywhere(expected_native: str, expected_canonical: str) -> None:
        assert status(smsmock, native) == f"Response: {expected_native}"
        assert status(smsmock, canonical) == f"Response: {expected_canonical}"
        lines = [(NATIVE, "000", expected_native), (CANONICAL, "000", expected_canonical)]
        assert json_report(smsmock, json_batch) == lines
        assert xml_report(smsmock, xml_batch) == lines

    everywhere("ATES", "ATES")  # accepted: pending
    smsmock.clock.advance("10s")
    everywhere("ATES", "ATES")  # ATES / enroute
    smsmock.clock.advance("20s")
    everywhere("ACCEPTD", "ATES")  # ACCEPTD is reported by its name
    smsmock.clock.advance("30s")
    everywhere("UNDELIV", "REJECTD")  # `rejected` is REJECTD on the wire

    # Started 2025-01-01 00:00 UTC: 03:00 in Amman, the account's default time zone.
    assert [p for p in pushes() if p[0] == native] == [
        (native, "ATES", "2501010300"),
        (native, "ACCEPTD", "2501010300"),
        (native, "UNDELIV", "2501010301"),
    ]
    assert [p for p in pushes() if p[0] == canonical] == [
        (canonical, "ATES", "2501010300"),
        (canonical, "REJECTD", "2501010301"),
    ]
    assert len(pushes()) == 15  # three submissions of two numbers

    report = requests.get(
        smsmock.broadnet.url + "/websmpp/api/dlrreport",
        params={"username": "shop", "pass": "s3cret"}
        | {"from_date": "20250101000000", "to_date": "20250101235959"},
        timeout=10,
    )
    sheet = openpyxl.load_workbook(io.BytesIO(report.content)).active
    rows = {row[0]: row[3] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert (rows[native], rows[canonical]) == ("UNDELIV", "REJECTD")


@pytest.mark.smsmock(scenario=SCENARIO)
def test_a_weighted_choice_of_native_finals(smsmock: SmsMock, pushes: Pushes) -> None:
    numbers = [f"96279000010{n}" for n in range(10)] + [f"96279000011{n}" for n in range(10)]
    ids = websms_ids(smsmock, *numbers)
    smsmock.clock.advance("59s")
    assert {status(smsmock, i) for i in ids} == {"Response: ATES"}
    smsmock.clock.advance("1s")
    seen = [status(smsmock, i).removeprefix("Response: ") for i in ids]
    # The seed fixes the draw; every name of the choice comes up among twenty messages.
    assert set(seen) == {"REJECTD", "EXPIRED", "DELETED", "UNKNOWN", "DELIVRD"}
    assert sorted((i, s) for i, s, _ in pushes()) == sorted(zip(ids, seen, strict=True))


# -- answers and faults -------------------------------------------------------------------------
@pytest.mark.smsmock(scenario=SCENARIO)
def test_rules_answer_with_native_codes(smsmock: SmsMock) -> None:
    assert websms(smsmock, NO_ROUTE).text == "ERROR - HTTP23 --> Routing Error"
    assert websms(smsmock, NO_CREDIT).text == "ERROR - HTTP18 --> INSUFFICIENT CREDITS/BALANCE"
    # websmpp has no per-number answer: one refused number refuses the request.
    assert websms(smsmock, NATIVE, NO_ROUTE).text == "ERROR - HTTP23 --> Routing Error"
    assert len(smsmock.broadnet.messages) == 0
    assert balance(smsmock) == "Response: 100.000"


@pytest.mark.smsmock(scenario=SCENARIO)
def test_json_and_xml_report_a_refused_number_in_its_line(smsmock: SmsMock) -> None:
    json_batch = json_sms(smsmock, NO_ROUTE, NATIVE)
    xml_batch = xml_sms(smsmock, NO_ROUTE, NATIVE)
    assert (json_batch["status"], xml_batch["status"]) == ("000", "000")
    lines = [(NO_ROUTE, "006", ""), (NATIVE, "000", "ATES")]
    assert json_report(smsmock, json_batch["batch_id"]) == lines
    assert xml_report(smsmock, xml_batch["batch_id"]) == lines
    assert balance(smsmock) == "Response: 98.000"  # only the accepted numbers are charged
    # An answer about the request, not a number, refuses the whole campaign.
    assert json_sms(smsmock, NATIVE, NO_CREDIT) == {"batch_id": "", "status": "004"}
    assert xml_sms(smsmock, NO_CREDIT) == {"status": "004", "batch_id": ""}
    assert json_sms(smsmock, NO_ROUTE) == {"batch_id": "", "status": "006"}
    assert len(smsmock.broadnet.messages) == 2
    assert balance(smsmock) == "Response: 98.000"


@pytest.mark.smsmock(scenario=SCENARIO)
def test_a_rule_fault_replaces_the_answer(smsmock: SmsMock) -> None:
    answer = websms(smsmock, FAILS)
    assert (answer.status_code, answer.text) == (503, "Service Unavailable")
    url = smsmock.broadnet.url + "/websmpp/json/sms"
    body = {
        "campaign": {
            "username": "shop",
            "password": "s3cret",
            "sender": "Shop",
            "type": "1",
            "text": "hi",
            "gsm": [NATIVE, FAILS],
        }
    }
    assert requests.post(url, json=body, timeout=10).status_code == 503
    assert len(smsmock.broadnet.messages) == 0  # nothing of a faulted request is accepted
    assert balance(smsmock) == "Response: 100.000"
    assert smsmock.take_errors() == []


def test_a_fault_on_the_answer_lets_the_gateway_accept_first(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"provider": "broadnet"}, "fault": {"kind": "truncated_body", "keep": 10}}
            ],
        }
    )
    params = {"user": "test", "pass": "test", "sid": "Shop", "mno": NATIVE, "type": "1"}
    answer = requests.get(
        smsmock.broadnet.url + "/websmpp/websms", params={**params, "text": "x"}, timeout=10
    )
    message = smsmock.broadnet.messages.one()
    assert answer.text == f"Response: {message.message_id}"[:10]  # the client lost its id
    smsmock.clock.advance("5s")
    assert status(smsmock, message.message_id) == "Response: DELIVRD"


def test_a_connection_reset_on_the_second_submission(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [{"match": {"provider": "broadnet", "nth": 2}, "fault": "connection_reset"}],
        }
    )
    params = {"user": "test", "pass": "test", "sid": "Shop", "mno": NATIVE, "type": "1"}
    url = smsmock.broadnet.https_url + "/websmpp/websms"
    first = requests.get(url, params={**params, "text": "1"}, verify=smsmock.ca_file, timeout=10)
    assert first.text.startswith("Response: ")
    with pytest.raises(requests.ConnectionError):
        requests.get(url, params={**params, "text": "2"}, verify=smsmock.ca_file, timeout=10)
    third = requests.get(url, params={**params, "text": "3"}, verify=smsmock.ca_file, timeout=10)
    assert third.text.startswith("Response: ")
    assert [m.text for m in smsmock.broadnet.messages] == ["1", "3"]


def test_an_answer_broadnet_does_not_have_is_the_tests_error(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {"version": 1, "rules": [{"match": {"provider": "broadnet"}, "respond": {"status": 60}}]}
    )
    answer = requests.get(
        smsmock.broadnet.url + "/websmpp/websms",
        params={
            "user": "test",
            "pass": "test",
            "sid": "S",
            "mno": NATIVE,
            "type": "1",
            "text": "x",
        },
        timeout=10,
    )
    assert answer.text == "ERROR - HTTP03 --> Message Submission Failed"
    (error,) = smsmock.take_errors()
    assert "60 answers a recharge call, which the document does not show" in str(error)


def websms_ids_default(smsmock: SmsMock) -> list[str]:
    params = {"user": "test", "pass": "test", "sid": "S", "mno": NATIVE, "type": "1", "text": "x"}
    answer = requests.get(smsmock.broadnet.url + "/websmpp/websms", params=params, timeout=10)
    return [answer.text.removeprefix("Response: ")]


# -- unknown names --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "hint"),
    [("DELIVERD", "did you mean 'DELIVRD'?"), ("REJECTED", "did you mean 'REJECTD'?"), (6, None)],
)
def test_an_unknown_status_name_fails_with_the_valid_list(
    smsmock: SmsMock, tmp_path: Path, value: object, hint: str | None
) -> None:
    path = tmp_path / "typo.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  - match: {provider: broadnet}\n"
        "    dlr:\n"
        "      - {after: 1s, status: ATES}\n"
        f"      - {{after: 5s, status: {value}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(ScenarioError) as caught:
        smsmock.load_scenario(path)
    message = str(caught.value)
    assert f"typo.yaml:6: rules[0].dlr[1].status: {value!r} is not a status for broadnet" in message
    assert "canonical: accepted, enroute, delivered, undeliverable, expired" in message
    assert (
        "broadnet native: ATES, ACCEPTD, DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED, UNKNOWN"
        in message
    )
    assert (hint in message) if hint else ("did you mean" not in message)
    # Nothing was loaded: the default life goes on.
    (message_id,) = websms_ids_default(smsmock)
    smsmock.clock.advance("5s")
    assert status(smsmock, message_id) == "Response: DELIVRD"
