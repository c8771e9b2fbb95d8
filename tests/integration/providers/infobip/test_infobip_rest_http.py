"""Infobip's REST API over loopback with requests and httpx: the bytes that matter, pinned.

Key names and their order, nesting, JSON types (numbers that are numbers, booleans that are
booleans), and the date format (milliseconds and a ``+HHMM`` offset) exactly as a strict client
reads them; one message model under every API, SMPP included.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import requests
import smpplib.client
from infobip_sdk_helpers import loopback_only
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

APP = {"Authorization": "App bytes-key"}


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)


@pytest.fixture
def url(smsmock: SmsMock) -> str:
    smsmock.infobip.add_account("bytes", "pw", api_key="bytes-key", price="0.01")
    return smsmock.infobip.url


@pytest.fixture
def hooks(httpserver: HTTPServer) -> Iterator[tuple[str, list[bytes]]]:
    bodies: list[bytes] = []

    def handler(request: Request) -> Response:
        bodies.append(request.get_data())
        return Response("", status=204)

    httpserver.expect_request("/dlr").respond_with_handler(handler)
    yield httpserver.url_for("/dlr"), bodies
    httpserver.clear()


def test_v2_send_and_report_bytes(smsmock: SmsMock, url: str) -> None:
    smsmock.infobip.rest.utc_offset = timedelta(hours=1)
    sent = requests.post(
        url + "/sms/2/text/advanced",
        json={
            "bulkId": "B-1",
            "messages": [
                {"from": "Shop", "destinations": [{"to": "41793026727", "messageId": "M-1"}]},
            ],
        },
        headers=APP,
        timeout=5,
    )
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.content == (
        b'{"bulkId": "B-1", "messages": [{"to": "41793026727", "status": {"groupId": 1, '
        b'"groupName": "PENDING", "id": 26, "name": "PENDING_ACCEPTED", "description": '
        b'"Message sent to next instance"}, "messageId": "M-1"}]}'
    )
    smsmock.clock.advance(timedelta(seconds=5, milliseconds=42))
    report = requests.get(url + "/sms/1/reports", headers=APP, timeout=5)
    assert report.content == (
        b'{"results": [{"bulkId": "B-1", "messageId": "M-1", "to": "41793026727", '
        b'"sentAt": "2025-01-01T01:00:00.000+0100", "doneAt": "2025-01-01T01:00:05.000+0100", '
        b'"smsCount": 1, "price": {"pricePerMessage": 0.01, "currency": "EUR"}, '
        b'"status": {"groupId": 3, "groupName": "DELIVERED", "id": 5, "name": '
        b'"DELIVERED_TO_HANDSET", "description": "Message delivered to handset"}, '
        b'"error": {"groupId": 0, "groupName": "OK", "id": 0, "name": "NO_ERROR", '
        b'"description": "No Error", "permanent": false}}]}'
    )


def test_v3_send_pushes_and_logs_through_httpx(
    smsmock: SmsMock, url: str, hooks: tuple[str, list[bytes]]
) -> None:
    hook, bodies = hooks
    smsmock.clock.advance(timedelta(milliseconds=7))
    with httpx.Client(base_url=url, headers=APP) as client:
        sent = client.post(
            "/sms/3/messages",
            json={
                "messages": [
                    {
                        "sender": "Shop",
                        "destinations": [{"to": "41793026727", "messageId": "M-3"}],
                        "content": {"text": "Hi"},
                        "options": {"platform": {"applicationId": "app"}},
                        "webhooks": {"delivery": {"url": hook}, "callbackData": "cb"},
                    }
                ],
                "options": {"includeSmsCountInResponse": True},
            },
        )
        assert sent.json() == {
            "messages": [
                {
                    "messageId": "M-3",
                    "status": {
                        "groupId": 1,
                        "groupName": "PENDING",
                        "id": 26,
                        "name": "PENDING_ACCEPTED",
                        "description": "Message sent to next instance",
                    },
                    "destination": "41793026727",
                    "details": {"messageCount": 1},
                }
            ]
        }
        smsmock.clock.advance("5s")
        [pushed] = bodies
        report = json.loads(pushed)["results"][0]
        assert list(report) == [
            "bulkId", "price", "status", "error", "messageId", "to", "sender", "sentAt",
            "doneAt", "messageCount", "mccMnc", "callbackData", "platform",
        ]  # fmt: skip
        assert (report["sentAt"], report["doneAt"]) == (
            "2025-01-01T00:00:00.007+0000",
            "2025-01-01T00:00:05.007+0000",
        )
        assert report["price"] == {"pricePerMessage": 0.01, "currency": "EUR"}
        assert report["platform"] == {"applicationId": "app"}
        assert client.get("/sms/3/reports").json() == {"results": []}  # pushed, not pulled
        logs = client.get("/sms/3/logs", params={"applicationId": "app"}).json()
        [log] = logs["results"]
        assert list(log) == [
            "sender", "destination", "bulkId", "messageId", "sentAt", "doneAt", "messageCount",
            "price", "status", "error", "platform", "content", "mccMnc",
        ]  # fmt: skip
        assert log["content"] == {"text": "Hi"}
        assert isinstance(log["messageCount"], int) and log["error"]["permanent"] is False


def test_a_message_sent_over_smpp_is_in_every_rest_report_and_log(
    smsmock: SmsMock, url: str
) -> None:
    host, port = smsmock.infobip.smpp_address
    esme = smpplib.client.Client(host, port, timeout=5, allow_unknown_opt_params=True)
    esme.connect()
    try:
        esme.bind_transmitter(system_id="bytes", password="pw")
        esme.send_message(
            source_addr_ton=5,
            source_addr="Shop",
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr="41793026727",
            short_message=b"over smpp",
        )
        esme.read_once(auto_send_enquire_link=False)  # the submit_sm_resp
    finally:
        esme.disconnect()
    [message] = smsmock.infobip.messages
    assert message.protocol == "smpp"
    smsmock.clock.advance("5s")
    v1_log = requests.get(url + "/sms/1/logs", headers=APP, timeout=5).json()["results"]
    v3_log = requests.get(url + "/sms/3/logs", headers=APP, timeout=5).json()["results"]
    assert [e["text"] for e in v1_log] == ["over smpp"]
    assert [e["content"] for e in v3_log] == [{"text": "over smpp"}]
    assert v3_log[0]["messageId"] == message.message_id
    [report] = requests.get(url + "/sms/3/reports", headers=APP, timeout=5).json()["results"]
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert requests.get(url + "/sms/1/reports", headers=APP, timeout=5).json() == {"results": []}


def test_errors_in_the_envelope_of_each_generation(url: str) -> None:
    bad = {"Authorization": "App wrong"}
    v2 = requests.post(url + "/sms/2/text/advanced", json={"messages": []}, headers=bad, timeout=5)
    assert (v2.status_code, v2.content) == (
        401,
        b'{"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", '
        b'"text": "Invalid login details"}}}',
    )
    v3 = requests.post(url + "/sms/3/messages", json={"messages": []}, headers=APP, timeout=5)
    assert v3.status_code == 400
    assert v3.json()["errorCode"] == "E400"
    assert v3.json()["violations"] == [
        {"property": "messages", "violation": "messages must not be empty"}
    ]


def test_ibsso_and_oauth_tokens_over_http(url: str) -> None:
    session = requests.post(
        url + "/auth/1/session", json={"username": "bytes", "password": "pw"}, timeout=5
    )
    assert list(session.json()) == ["token"]
    ibsso = {"Authorization": f"IBSSO {session.json()['token']}"}
    assert requests.get(url + "/sms/1/logs", headers=ibsso, timeout=5).status_code == 200
    assert requests.delete(url + "/auth/1/session", headers=ibsso, timeout=5).status_code == 204
    assert requests.get(url + "/sms/1/logs", headers=ibsso, timeout=5).status_code == 401
    token = requests.post(
        url + "/auth/1/oauth2/token",
        data={"client_id": "bytes", "client_secret": "pw", "grant_type": "client_credentials"},
        timeout=5,
    ).json()
    assert isinstance(token["expires_in"], int)
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert requests.get(url + "/sms/3/logs", headers=bearer, timeout=5).status_code == 200
