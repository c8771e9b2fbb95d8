"""Scenarios and frozen time through Infobip's HTTP API v3 with real clients (requests) and a real
DLR receiver (pytest-httpserver)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import requests
from freezegun import freeze_time
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Response

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock

XML = """<SMS><authentication><username>{user}</username><password>{password}</password>
</authentication><message><sender>Shop</sender><text>hello</text><recipients>{gsm}</recipients>
</message></SMS>"""


def send_xml(smsmock: SmsMock, gsm: str, user: str = "test", password: str = "test") -> list[Any]:
    answer = requests.post(
        smsmock.infobip.url + "/api/v3/sendsms/xml",
        data=XML.format(user=user, password=password, gsm=gsm),
        headers={"Content-Type": "application/xml"},
        timeout=5,
    )
    assert answer.headers["Content-Type"] == "text/csv;charset= UTF-8"
    return [
        (int(r.findtext("status") or ""), r.findtext("messageid") or "")
        for r in etree.fromstring(answer.content).findall("result")
    ]


def send_plain(smsmock: SmsMock, gsm: str, **extra: str) -> list[int]:
    params = {"user": "test", "password": "test", "sender": "Shop", "SMSText": "hi", "GSM": gsm}
    params.update(extra)
    answer = requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    root = etree.fromstring(answer.content)
    return [int(r.findtext("status") or "") for r in root.findall("result")]


def pull(smsmock: SmsMock, user: str = "test", password: str = "test") -> list[dict[str, str]]:
    answer = requests.get(
        smsmock.infobip.url + "/api/v3/dr/pull",
        params={"user": user, "password": password},
        timeout=5,
    )
    if answer.text == "NO_DATA":
        return []
    return [{str(k): str(v) for k, v in m.attrib.items()} for m in etree.fromstring(answer.content)]


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.expect_request("/dlr", method="POST").respond_with_data("OK")
    yield httpserver
    httpserver.clear()


def test_respond_with_the_native_send_code(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"provider": "infobip", "to": "38591*"}, "respond": {"status": -13}}
            ],
        }
    )
    gsm = '<gsm messageId="a1">385911111111</gsm><gsm messageId="a2">385981111111</gsm>'
    assert send_xml(smsmock, gsm) == [(-13, "a1"), (0, "a2")]
    assert [m.to for m in smsmock.infobip.messages] == ["385981111111"]
    [entry] = smsmock.journal.entries(provider="infobip", channel="scenario")
    assert entry.summary == "rules[0] matched 385911111111: respond {'status': -13}"


def test_dlr_timeline_with_native_names_pushed_and_pulled(
    smsmock: SmsMock, receiver: HTTPServer
) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "accounts": {"infobip": [{"username": "shop", "password": "s3cret", "credits": 10}]},
            "rules": [
                {
                    "match": {"provider": "infobip", "to": "38591*"},
                    "dlr": [
                        {"after": "2s", "status": "ACCEPTD"},
                        {"after": "1m", "status": "NOT_DELIVERED", "error": "EC_CALL_BARRED"},
                    ],
                },
                {
                    "match": {"provider": "infobip", "to": "38592*"},
                    "dlr": [{"after": "30s", "status": "NOT_ALLOWED"}],
                },
            ],
        }
    )
    smsmock.infobip.add_account("shop", "s3cret", credits=10, dlr_url=receiver.url_for("/dlr"))
    statuses = send_xml(smsmock, "<gsm>385911111111</gsm><gsm>385921111111</gsm>", "shop", "s3cret")
    assert [s for s, _ in statuses] == [0, 0]
    assert smsmock.infobip.accounts.get("shop").balance == 8  # type: ignore[union-attr]
    smsmock.clock.advance("31s")
    [(request, _)] = receiver.log
    [report] = etree.fromstring(request.get_data())
    assert (report.get("id"), report.get("status"), report.get("gsmerror")) == (
        statuses[1][1],
        "NOT_ALLOWED",
        "0",
    )
    # "the message will not be charged"
    assert smsmock.infobip.accounts.get("shop").balance == 9  # type: ignore[union-attr]
    smsmock.clock.advance("1m")
    [_, (request, _)] = receiver.log
    [report] = etree.fromstring(request.get_data())
    assert (report.get("id"), report.get("status"), report.get("gsmerror")) == (
        statuses[0][1],
        "NOT_DELIVERED",
        "13",
    )


def test_unknown_native_name_fails_listing_the_valid_ones(smsmock: SmsMock) -> None:
    with pytest.raises(ScenarioError) as info:
        smsmock.load_scenario(
            {
                "version": 1,
                "rules": [
                    {
                        "match": {"provider": "infobip"},
                        "dlr": [{"after": "1s", "status": "DELIVRED"}],
                    }
                ],
            }
        )
    text = str(info.value)
    assert "rules[0].dlr[0].status: 'DELIVRED' is not a status for infobip" in text
    assert "did you mean" in text
    for name in ("NOT_DELIVERED", "INVALID_MESSAGE_FORMAT", "DELIVRD", "DELIVERY UNKNOWN"):
        assert name in text
    assert send_plain(smsmock, "385981111111") == [0]  # nothing of it was loaded


@pytest.mark.smsmock(scenario="infobip_native.yaml")
def test_marker_scenario_with_native_names_and_an_account_quirk(smsmock: SmsMock) -> None:
    body = {
        "authentication": {"username": "shop", "password": "s3cret"},
        "messages": [
            {
                "sender": "Shop",
                "text": "hi",
                "recipients": [
                    {"gsm": "385911111111"},
                    {"gsm": "385921111111"},
                    {"gsm": "385931111111"},
                ],
            }
        ],
    }
    answer = requests.post(
        smsmock.infobip.url + "/api/v3/sendsms/json", data=json.dumps(body), timeout=5
    )
    rows = answer.json()["results"]
    # The scenario's account turned the json_messageId quirk on: the key of one example.
    assert [(r["status"], set(r)) for r in rows] == [
        ("-13", {"status", "messageId", "destination"}),
        ("0", {"status", "messageId", "destination"}),
        ("0", {"status", "messageId", "destination"}),
    ]
    smsmock.clock.advance("5s")
    assert [r["status"] for r in pull(smsmock, "shop", "s3cret")] == ["INVALID_SOURCE_ADDRESS"]
    smsmock.clock.advance("10s")
    [report] = pull(smsmock, "shop", "s3cret")
    assert (report["id"], report["status"], report["gsmerror"]) == (
        rows[1]["messageId"],
        "NOT_DELIVERED",
        "6",
    )
    assert pull(smsmock, "shop", "s3cret") == []


def test_rule_faults_are_performed_by_the_transport(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"to": "38591*"}, "fault": "connection_reset"},
                {"match": {"to": "38592*"}, "fault": {"kind": "http_status", "status": 503}},
            ],
        }
    )
    with pytest.raises(requests.ConnectionError):
        send_plain(smsmock, "385911111111")
    answer = requests.get(
        smsmock.infobip.url + "/api/v3/sendsms/plain",
        params={"user": "test", "password": "test", "sender": "S", "SMSText": "x"}
        | {"GSM": "385921111111"},
        timeout=5,
    )
    assert answer.status_code == 503 and "<status>" not in answer.text
    assert send_plain(smsmock, "385981111111") == [0]
    assert [m.to for m in smsmock.infobip.messages] == ["385981111111"]


def test_quirks_from_scenario_accounts_reach_the_wire(
    smsmock: SmsMock, receiver: HTTPServer
) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "accounts": {
                "infobip": [
                    {
                        "username": "legacy",
                        "password": "pw",
                        "dlr_url": receiver.url_for("/dlr"),
                        "quirks": ["status_space", "padded_custom_ids", "done_date_space"],
                    }
                ]
            },
        }
    )

    def json_send(user: str, password: str) -> list[dict[str, str]]:
        body = {
            "authentication": {"username": user, "password": password},
            "messages": [
                {
                    "sender": "S",
                    "text": "x",
                    "recipients": [{"gsm": "385981111111", "messageId": f"{user}-1"}],
                }
            ],
        }
        url = smsmock.infobip.url + "/api/v3/sendsms/json"
        rows: list[dict[str, str]] = requests.post(url, json=body, timeout=5).json()["results"]
        return rows

    assert json_send("legacy", "pw") == [
        {"status": "0", "messageid": " legacy-1 ", "destination": "385981111111"}
    ]
    assert json_send("legacy", "wrong")[0]["status"] == "- 1"  # as the document prints it
    smsmock.clock.advance("5s")
    [(request, _)] = receiver.log
    assert b' done date="' in request.get_data()
    # Accounts without the quirks keep the clean behaviour.
    assert json_send("test", "test") == [
        {"status": "0", "messageid": "test-1", "destination": "385981111111"}
    ]
    assert json_send("test", "wrong")[0]["status"] == "-5"
    assert send_plain(smsmock, "385981111112", pushurl=receiver.url_for("/dlr")) == [0]
    smsmock.clock.advance("5s")
    assert b' donedate="' in receiver.log[-1][0].get_data()


def test_dlr_pull_follows_frozen_time(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 09:05:07") as frozen:
        assert send_plain(smsmock, "385981111111", nopush="1") == [0]
        assert pull(smsmock) == []
        frozen.tick(timedelta(seconds=4))
        assert pull(smsmock) == []
        frozen.tick(timedelta(seconds=1))
        [report] = pull(smsmock)
        assert (report["sentdate"], report["donedate"], report["status"]) == (
            "2025/3/1 9:5:7",
            "2025/3/1 9:5:12",
            "DELIVERED",
        )
        assert pull(smsmock) == []


def test_dlr_push_and_its_retries_follow_frozen_time(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    answers = iter([500, 200])
    httpserver.expect_request("/dlr", method="POST").respond_with_handler(
        lambda request: Response("", status=next(answers))
    )
    with freeze_time("2025-12-31 23:59:58") as frozen:
        assert send_plain(smsmock, "385981111111", pushurl=httpserver.url_for("/dlr")) == [0]
        frozen.tick(timedelta(seconds=5))
        smsmock.clock.advance(0)  # fire what frozen time made due
        assert len(httpserver.log) == 1
        frozen.tick(timedelta(seconds=59))
        smsmock.clock.advance(0)
        assert len(httpserver.log) == 1  # the first retry comes a minute after the failure
        frozen.tick(timedelta(seconds=1))
        smsmock.clock.advance(0)
        assert len(httpserver.log) == 2
        [report] = etree.fromstring(httpserver.log[-1][0].get_data())
        assert (report.get("sentdate"), report.get("donedate")) == (
            "2025/12/31 23:59:58",
            "2026/1/1 0:0:3",
        )
    httpserver.clear()
