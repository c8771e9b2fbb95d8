"""Infobip's REST reports, pushes, logs and inbound messages, over one message model."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from infobip_rest_client import Client, Recorder
from lxml import etree

from pytest_smsmock.core.callbacks import CallbackResult
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip import InfobipFake

START = datetime(2025, 1, 1, tzinfo=UTC)
V2_REPORT_KEYS = [
    "bulkId", "messageId", "to", "sentAt", "doneAt", "smsCount", "price", "status", "error"
]  # fmt: skip
V3_REPORT_KEYS = [
    "bulkId", "price", "status", "error", "messageId", "to", "sender", "sentAt", "doneAt",
    "messageCount", "mccMnc",
]  # fmt: skip


@pytest.fixture
def mock() -> Iterator[SmsMock]:
    hub = SmsMock(providers=("infobip",))
    yield hub
    hub.raise_errors()


@pytest.fixture
def fake(mock: SmsMock) -> InfobipFake:
    return mock.infobip


@pytest.fixture
def client(fake: InfobipFake) -> Client:
    return Client(fake)


@pytest.fixture
def recorder(mock: SmsMock) -> Recorder:
    sender = Recorder()
    mock.set_sender(sender)
    return sender


def send_v2(client: Client, to: str = "41793026727", **extra: Any) -> str:
    body = {"messages": [{"from": "Shop", "destinations": [{"to": to}], "text": "Hi", **extra}]}
    answer = client.post("/sms/2/text/advanced", body)
    assert answer.status == 200, answer.body
    message_id: str = answer.json()["messages"][0]["messageId"]
    return message_id


def send_v3(client: Client, to: str = "41793026727", **extra: Any) -> str:
    message = {"sender": "Shop", "destinations": [{"to": to}], "content": {"text": "Hi"}, **extra}
    answer = client.post("/sms/3/messages", {"messages": [message]})
    assert answer.status == 200, answer.body
    message_id: str = answer.json()["messages"][0]["messageId"]
    return message_id


def send_legacy(client: Client, to: str = "41793026729") -> None:
    body = {
        "authentication": {"username": "test", "password": "test"},
        "messages": [{"sender": "Shop", "text": "Old", "recipients": [{"gsm": to}]}],
    }
    assert client.post("/api/v3/sendsms/json", body).status == 200


# -- pull ------------------------------------------------------------------------------------
def test_reports_come_once_through_either_generation(client: Client, mock: SmsMock) -> None:
    first = send_v2(client)
    second = send_v3(client, to="41793026728")
    assert client.get("/sms/1/reports").json() == {"results": []}  # nothing final yet
    mock.clock.advance("5s")
    [v3_report] = client.get("/sms/3/reports", {"messageId": second}).json()["results"]
    assert list(v3_report) == V3_REPORT_KEYS
    assert v3_report["sentAt"] == "2025-01-01T00:00:00.000+0000"
    assert v3_report["doneAt"] == "2025-01-01T00:00:05.000+0000"
    assert v3_report["messageCount"] == 1 and v3_report["sender"] == "Shop"
    [v2_report] = client.get("/sms/1/reports").json()["results"]
    assert list(v2_report) == V2_REPORT_KEYS
    assert v2_report["messageId"] == first
    assert v2_report["price"] == {"pricePerMessage": 1, "currency": "EUR"}
    assert client.get("/sms/3/reports").json() == {"results": []}
    assert client.get("/sms/1/reports").json() == {"results": []}


def test_messages_of_the_legacy_api_are_in_the_rest_reports_and_logs(
    client: Client, mock: SmsMock
) -> None:
    send_legacy(client)
    mock.clock.advance("5s")
    [log] = client.get("/sms/3/logs").json()["results"]
    assert log["destination"] == "41793026729"
    assert log["content"] == {"text": "Old"}
    assert "bulkId" not in log  # the legacy API has no bulks: null, left out
    [report] = client.get("/sms/1/reports").json()["results"]
    assert report["to"] == "41793026729"
    assert client.get("/api/v3/dr/pull", {"user": "test", "password": "test"}).body != b"NO_DATA"


def test_reports_filter_and_limit(client: Client, mock: SmsMock) -> None:
    ids = [send_v2(client, to=f"4179302672{n}") for n in range(4)]
    mock.clock.advance("5s")
    assert [
        r["messageId"] for r in client.get("/sms/3/reports", {"limit": "2"}).json()["results"]
    ] == ids[:2]
    answer = client.get("/sms/3/reports", {"limit": "0"})
    assert answer.status == 400
    assert answer.json()["violations"] == [
        {"property": "limit", "violation": "limit 0 is outside 1..1000"}
    ]
    assert client.get("/sms/1/reports", {"limit": "0"}).exception().keys() == {"messageId", "text"}
    assert [r["messageId"] for r in client.get("/sms/1/reports").json()["results"]] == ids[2:]


# -- push ----------------------------------------------------------------------------------------
def test_v2_reports_are_pushed_in_the_v2_shape(
    client: Client, mock: SmsMock, recorder: Recorder
) -> None:
    message_id = send_v2(client, notifyUrl="https://client.test/dlr", callbackData="ref")
    mock.clock.advance("5s")
    [request] = recorder.requests
    assert request.url == "https://client.test/dlr"
    assert dict(request.headers)["Content-Type"] == "application/json"
    [report] = json.loads(request.body)["results"]
    assert list(report) == [*V2_REPORT_KEYS, "callbackData"]
    assert (report["messageId"], report["callbackData"]) == (message_id, "ref")
    assert client.get("/sms/1/reports").json() == {"results": []}  # pushed, so not pulled


def test_v3_reports_are_pushed_in_the_v3_shape_with_retries(
    client: Client, fake: InfobipFake, mock: SmsMock
) -> None:
    recorder = Recorder([CallbackResult(status=500), CallbackResult(error="refused")])
    mock.set_sender(recorder)
    fake.add_account("hooked", "pw", dlr_url="https://client.test/default", api_key="hk")
    send_v3(
        Client(fake, "App hk"),
        webhooks={"callbackData": "cb"},
        options={"platform": {"entityId": "e"}, "campaignReferenceId": "c"},
    )
    mock.clock.advance("5s")
    assert len(recorder.requests) == 1
    mock.clock.advance("1m")
    mock.clock.advance("2m")
    assert len(recorder.requests) == 3
    [report] = json.loads(recorder.requests[-1].body)["results"]
    assert list(report) == [
        *V3_REPORT_KEYS, "callbackData", "platform", "campaignReferenceId"
    ]  # fmt: skip
    assert report["platform"] == {"entityId": "e"}


def test_notify_false_keeps_the_report_for_the_pull(
    client: Client, mock: SmsMock, recorder: Recorder
) -> None:
    send_v3(client, webhooks={"delivery": {"url": "https://client.test/x", "notify": False}})
    mock.clock.advance("5s")
    assert recorder.requests == []
    assert len(client.get("/sms/3/reports").json()["results"]) == 1


def test_intermediate_reports_push_every_change_and_xml_when_asked(
    client: Client, mock: SmsMock, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_smsmock.core.lifecycle import Transition
    from pytest_smsmock.core.messages import Status
    from pytest_smsmock.scenario.decisions import SubmitDecision

    plan = (
        Transition(after=timedelta(seconds=1), status=Status.ENROUTE),
        Transition(after=timedelta(seconds=1), status=Status.DELIVERED),
    )
    fake = client.fake
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=plan))
    send_v2(
        client,
        notifyUrl="https://client.test/x",
        notifyContentType="application/xml",
        intermediateReport=True,
    )
    mock.clock.advance("2s")
    names = [
        etree.fromstring(r.body).findtext("results/result/status/name") for r in recorder.requests
    ]
    assert names == ["PENDING_ENROUTE", "DELIVERED_TO_HANDSET"]
    assert dict(recorder.requests[0].headers)["Content-Type"] == "application/xml"


def test_a_rejected_message_is_refunded_and_reads_price_zero(
    client: Client, fake: InfobipFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_smsmock.core.lifecycle import Transition
    from pytest_smsmock.core.messages import Status
    from pytest_smsmock.scenario.decisions import SubmitDecision

    plan = (Transition(after=timedelta(seconds=1), status=Status.REJECTED),)
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=plan))
    account = fake.accounts.get("test")
    assert account is not None
    before = account.balance
    send_v3(client)
    mock.clock.advance("1s")
    [report] = client.get("/sms/3/reports").json()["results"]
    assert report["price"]["pricePerMessage"] == 0
    assert account.balance == before


# -- logs ----------------------------------------------------------------------------------------
def test_v3_logs_filters_and_cursor(client: Client, mock: SmsMock) -> None:
    ids = []
    for n in range(5):
        ids.append(
            send_v3(client, to=f"4179302672{n}", options={"campaignReferenceId": f"c{n % 2}"})
        )
        mock.clock.advance("1s")
    newest_first = ids[::-1]
    logs = client.get("/sms/3/logs").json()
    assert "cursor" not in logs
    assert [r["messageId"] for r in logs["results"]] == newest_first
    page = client.get("/sms/3/logs", {"limit": "2", "useCursor": "true"}).json()
    assert [r["messageId"] for r in page["results"]] == newest_first[:2]
    seen = [r["messageId"] for r in page["results"]]
    while "nextCursor" in page["cursor"]:
        assert page["cursor"]["limit"] == 2
        page = client.get(
            "/sms/3/logs", {"limit": "2", "cursor": page["cursor"]["nextCursor"]}
        ).json()
        seen += [r["messageId"] for r in page["results"]]
    assert seen == newest_first
    only = client.get("/sms/3/logs", {"campaignReferenceId": "c1"}).json()["results"]
    assert [r["messageId"] for r in only] == [ids[3], ids[1]]
    assert (
        client.get("/sms/3/logs", {"destination": "41793026720"}).json()["results"][0]["messageId"]
        == ids[0]
    )
    assert client.get("/sms/3/logs", {"sender": "Nobody"}).json()["results"] == []
    since = client.get("/sms/3/logs", {"sentSince": "2025-01-01T00:00:03.000+0000"}).json()
    assert [r["messageId"] for r in since["results"]] == newest_first[:2]
    assert client.get("/sms/3/logs", {"cursor": "bogus"}).status == 400


def test_v1_logs_and_the_48_hour_window(client: Client, mock: SmsMock) -> None:
    old = send_v2(client)
    mock.clock.advance("47h")
    recent = send_v3(client)
    logs = client.get("/sms/1/logs").json()["results"]
    assert [r["messageId"] for r in logs] == [recent, old]
    assert set(logs[1]) == {
        "bulkId", "messageId", "to", "from", "text", "sentAt", "doneAt", "smsCount", "mccMnc",
        "price", "status", "error",
    }  # fmt: skip
    mock.clock.advance("2h")
    assert [r["messageId"] for r in client.get("/sms/1/logs").json()["results"]] == [recent]
    assert client.get("/sms/1/logs", {"generalStatus": "DELIVERED"}).json()["results"]
    assert client.get("/sms/1/logs", {"generalStatus": "NOPE"}).status == 400


def test_a_pending_v3_message_logs_pending_accepted(client: Client) -> None:
    send_v3(client)
    [log] = client.get("/sms/3/logs").json()["results"]
    assert log["status"]["name"] == "PENDING_ACCEPTED"
    assert "doneAt" not in log


# -- inbound -------------------------------------------------------------------------------------
def test_inbound_messages_are_pulled_once_with_counts(client: Client, fake: InfobipFake) -> None:
    for n in range(3):
        fake.inject_mo("41793026727", f"KEY hello {n}", account="test", keyword="KEY")
    first = client.get("/sms/1/inbox/reports", {"limit": "2"}).json()
    assert (first["messageCount"], first["pendingMessageCount"]) == (2, 1)
    entry = first["results"][0]
    assert list(entry) == [
        "messageId", "from", "to", "text", "cleanText", "keyword", "receivedAt", "smsCount",
        "price",
    ]  # fmt: skip
    assert (entry["text"], entry["cleanText"], entry["keyword"]) == (
        "KEY hello 0",
        "hello 0",
        "KEY",
    )
    rest = client.get("/sms/1/inbox/reports").json()
    assert (rest["messageCount"], rest["pendingMessageCount"]) == (1, 0)
    assert client.get("/sms/1/inbox/reports").json()["results"] == []


def test_inbound_push_json_or_legacy_template(fake: InfobipFake, recorder: Recorder) -> None:
    fake.add_account("json", "pw", mo_url="https://client.test/in")
    fake.add_account("legacy", "pw", mo_url="https://client.test/in?who=%sender%&what=%text%")
    fake.inject_mo("+41793026727", "Hi")
    by_url = {r.method: r for r in recorder.requests}
    assert by_url["GET"].url == "https://client.test/in?who=41793026727&what=Hi"
    pushed = json.loads(by_url["POST"].body)
    assert pushed["messageCount"] == 1 and pushed["pendingMessageCount"] == 0
    assert pushed["results"][0]["from"] == "41793026727"
    assert pushed["results"][0]["receivedAt"] == "2025-01-01T00:00:00.000+0000"


# -- preview --------------------------------------------------------------------------------------
def test_preview_counts_each_variant(client: Client) -> None:
    text = "Ni se imaginan la cara que puso Martín cuando le pasó"
    data = client.post(
        "/sms/1/preview", {"text": text, "languageCode": "ES", "transliteration": "NON_UNICODE"}
    ).json()
    assert data["originalText"] == text
    configurations = [p["configuration"] for p in data["previews"]]
    assert configurations == [
        {},
        {"language": {"languageCode": "ES"}},
        {"transliteration": "NON_UNICODE"},
        {"language": {"languageCode": "ES"}, "transliteration": "NON_UNICODE"},
    ]
    plain, spanish, ascii_only, _ = data["previews"]
    assert (plain["messageCount"], plain["charactersRemaining"]) == (1, 70 - len(text))
    assert spanish["charactersRemaining"] == 155 - len(text) - 2  # í and ó take two septets
    assert ascii_only["textPreview"] == text.replace("í", "i").replace("ó", "o")
    assert ascii_only["charactersRemaining"] == 160 - len(text)
    assert client.post("/sms/1/preview", {"languageCode": "ES"}).status == 400
    assert client.post("/sms/1/preview", {"text": "x", "transliteration": "NOPE"}).status == 400


def test_preview_of_a_long_text(client: Client) -> None:
    data = client.post("/sms/1/preview", {"text": "a" * 161}).json()
    assert data["previews"] == [
        {
            "textPreview": "a" * 161,
            "messageCount": 2,
            "charactersRemaining": 153 - 8,
            "configuration": {},
        }
    ]
