"""Infobip's REST sends (v1, v2 text and binary, v3) and their refusals, through dispatch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from infobip_rest_client import Answer, Client

from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip import InfobipFake
from pytest_smsmock.scenario.decisions import SubmitDecision
from pytest_smsmock.scenario.faults import FaultKind, HttpFault

START = datetime(2025, 1, 1, tzinfo=UTC)
PENDING_ACCEPTED = {
    "groupId": 1,
    "groupName": "PENDING",
    "id": 26,
    "name": "PENDING_ACCEPTED",
    "description": "Message sent to next instance",
}
REJECTED_DESTINATION = {
    "groupId": 5,
    "groupName": "REJECTED",
    "id": 52,
    "name": "REJECTED_DESTINATION",
    "description": "Invalid destination address",
}


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


def v2(*messages: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"messages": list(messages), **top}


def text(to: str | list[str] = "41793026727", body: str = "Hello", **extra: Any) -> dict[str, Any]:
    numbers = [to] if isinstance(to, str) else to
    return {"from": "Shop", "destinations": [{"to": n} for n in numbers], "text": body, **extra}


def v3_message(to: str = "41793026727", body: str = "Hello", **extra: Any) -> dict[str, Any]:
    return {"sender": "Shop", "destinations": [{"to": to}], "content": {"text": body}, **extra}


# -- v2 ----------------------------------------------------------------------------------------
def test_v2_text_answers_pending_accepted_per_destination(
    client: Client, fake: InfobipFake
) -> None:
    answer = client.post("/sms/2/text/advanced", v2(text(["41793026727", "41793026728"])))
    assert answer.status == 200
    data = answer.json()
    assert list(data) == ["bulkId", "messages"]
    assert [list(m) for m in data["messages"]] == [["to", "status", "messageId"]] * 2
    assert all(m["status"] == PENDING_ACCEPTED for m in data["messages"])
    stored = fake.messages.one(to="41793026728")
    assert stored.api == "v2-rest"
    assert stored.bulk_id == data["bulkId"]
    assert stored.sender == "Shop"


def test_v2_one_destination_without_bulk_id_shows_none(client: Client) -> None:
    data = client.post("/sms/2/text/advanced", v2(text())).json()
    assert list(data) == ["messages"]


def test_v2_keeps_the_clients_bulk_id_and_message_ids(client: Client, fake: InfobipFake) -> None:
    body = v2(
        {
            "from": "Shop",
            "destinations": [{"to": "41793026727", "messageId": "mine-1"}],
            "text": "x",
        },
        bulkId="bulk-7",
    )
    data = client.post("/sms/2/text/advanced", body).json()
    assert data["bulkId"] == "bulk-7"
    assert data["messages"][0]["messageId"] == "mine-1"
    assert fake.messages.get("mine-1") is not None


def test_a_message_id_in_use_is_refused_for_that_destination_only(client: Client) -> None:
    client.post(
        "/sms/2/text/advanced",
        v2({"destinations": [{"to": "41793026727", "messageId": "dup"}], "text": "x"}),
    )
    again = client.post(
        "/sms/2/text/advanced",
        v2(
            {
                "destinations": [
                    {"to": "41793026727", "messageId": "dup"},
                    {"to": "41793026728", "messageId": "fresh"},
                    {"to": "41793026729", "messageId": "fresh"},
                ],
                "text": "x",
            }
        ),
    ).json()["messages"]
    assert [m["status"]["name"] for m in again] == [
        "REJECTED_DUPLICATE_MESSAGE_ID",
        "PENDING_ACCEPTED",
        "REJECTED_DUPLICATE_MESSAGE_ID",
    ]
    assert "messageId" not in again[0]


def test_invalid_destinations_are_answered_per_destination(client: Client) -> None:
    data = client.post("/sms/2/text/advanced", v2(text(["0791234567", "41793026727"]))).json()
    assert data["messages"][0] == {"to": "0791234567", "status": REJECTED_DESTINATION}
    assert data["messages"][1]["status"] == PENDING_ACCEPTED


def test_v2_options_reach_the_message(client: Client, fake: InfobipFake) -> None:
    body = v2(
        text(
            flash=True,
            validityPeriod=5000,
            notifyUrl="https://client.test/dlr",
            notifyContentType="application/xml",
            callbackData="ref-1",
            intermediateReport=True,
            entityId="e1",
            applicationId="a1",
        )
    )
    assert client.post("/sms/2/text/advanced", body).status == 200
    message = fake.messages.last
    assert message.flash
    assert message.expires_at == START + timedelta(hours=48)  # 5000 minutes cut to 48 h
    assert message.callback_url == "https://client.test/dlr"
    assert message.extra["notify_content_type"] == "application/xml"
    assert message.extra["callback_data"] == "ref-1"
    assert message.extra["intermediate"] is True
    assert (message.extra["entity_id"], message.extra["application_id"]) == ("e1", "a1")


def test_v2_language_and_transliteration_shape_the_message(
    client: Client, fake: InfobipFake
) -> None:
    turkish = "Ş" * 100  # UCS-2 without a table: two parts
    client.post("/sms/2/text/advanced", v2(text(body=turkish)))
    client.post("/sms/2/text/advanced", v2(text(body=turkish, language={"languageCode": "TR"})))
    client.post("/sms/2/text/advanced", v2(text(body=turkish, transliteration="TURKISH")))
    plain, national, transliterated = list(fake.messages)
    assert (plain.encoding, plain.parts) == ("ucs2", 2)
    assert (national.encoding, national.parts, national.text) == ("gsm7", 2, turkish)
    assert (transliterated.text, transliterated.parts) == ("S" * 100, 1)
    assert transliterated.extra["original_text"] == turkish


def test_v2_binary(client: Client, fake: InfobipFake) -> None:
    body = v2(
        {
            "from": "Shop",
            "destinations": [{"to": "41793026727"}],
            "binary": {"hex": "00 54 00 65", "dataCoding": 8, "esmClass": 0},
        }
    )
    answer = client.post("/sms/2/binary/advanced", body)
    assert answer.status == 200, answer.body
    message = fake.messages.last
    assert message.binary == b"\x00T\x00e"
    assert (message.text, message.data_coding, message.encoding) == ("Te", 8, "binary")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"messages": []}, "messages"),
        ({"messages": [{"destinations": [], "text": "x"}]}, "destinations"),
        ({"messages": [{"destinations": [{"to": 41793026727}], "text": "x"}]}, "to"),
        ({"messages": [{"destinations": [{"to": "41793026727"}], "text": 5}]}, "text"),
        ({"messages": [{"destinations": [{"to": "1"}], "text": "x", "flash": "yes"}]}, "flash"),
        ({"messages": [{"destinations": [{"to": "1"}], "validityPeriod": 1.5}]}, "validityPeriod"),
        ({"messages": [{"destinations": [{"to": "1"}], "transliteration": "KLINGON"}]}, "trans"),
        ({"messages": [{"destinations": [{"to": "1"}], "sendAt": "tomorrow"}]}, "sendAt"),
        ({"messages": [{"destinations": [{"to": "1"}], "notifyUrl": "ftp://x"}]}, "notifyUrl"),
        ({"messages": [{"destinations": [{"to": "1"}], "notifyContentType": "text/x"}]}, "notify"),
        (
            {"messages": [{"destinations": [{"to": "1"}], "deliveryTimeWindow": {"days": []}}]},
            "days",
        ),
        ({"messages": [{"destinations": [{"to": "1"}]}], "bulkId": 7}, "bulkId"),
    ],
)
def test_v2_bad_bodies_are_400_invalid_argument_and_send_nothing(
    client: Client, fake: InfobipFake, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/sms/2/text/advanced", body)
    assert answer.status == 400
    exception = answer.exception()
    assert set(exception) == {"messageId", "text"}  # v2: no validationErrors
    assert exception["messageId"] == "INVALID_ARGUMENT"
    assert len(fake.messages) == 0


def test_v2_an_unreadable_body_is_bad_request(client: Client) -> None:
    answer = client.request(
        "POST", "/sms/2/text/advanced", raw=b"{", headers={"Content-Type": "application/json"}
    )
    assert (answer.status, answer.exception()["messageId"]) == (400, "BAD_REQUEST")
    answer = client.request(
        "POST", "/sms/2/text/advanced", raw=b"<x/>", headers={"Content-Type": "application/xml"}
    )
    assert answer.status == 415


def test_sendat_beyond_180_days_is_refused(client: Client) -> None:
    late = (START + timedelta(days=181)).isoformat()
    answer = client.post("/sms/2/text/advanced", v2(text(sendAt=late)))
    assert answer.status == 400


# -- v3 ------------------------------------------------------------------------------------------
def test_v3_answers_destination_and_optional_count(client: Client) -> None:
    body = {
        "messages": [v3_message(body="x" * 200)],
        "options": {"includeSmsCountInResponse": True},
    }
    data = client.post("/sms/3/messages", body).json()
    assert list(data) == ["messages"]
    [entry] = data["messages"]
    assert list(entry) == ["messageId", "status", "destination", "details"]
    assert entry["details"] == {"messageCount": 2}
    assert entry["status"] == PENDING_ACCEPTED
    plain = client.post("/sms/3/messages", {"messages": [v3_message()]}).json()["messages"][0]
    assert "details" not in plain


def test_v3_options_and_webhooks_reach_the_message(client: Client, fake: InfobipFake) -> None:
    message = v3_message(
        options={
            "platform": {"entityId": "ent", "applicationId": "app"},
            "validityPeriod": {"amount": 90, "timeUnit": "SECONDS"},
            "campaignReferenceId": "camp",
            "flash": True,
            "regional": {"indiaDlt": {"principalEntityId": "pe"}},
        },
        webhooks={
            "delivery": {"url": "https://client.test/v3", "intermediateReport": True},
            "contentType": "application/json",
            "callbackData": "cb",
        },
    )
    assert client.post("/sms/3/messages", {"messages": [message]}).status == 200
    stored = fake.messages.last
    assert stored.api == "v3-rest"
    assert stored.expires_at == START + timedelta(seconds=90)
    assert stored.flash
    assert stored.callback_url == "https://client.test/v3"
    assert stored.extra["campaign_reference_id"] == "camp"
    assert stored.extra["regional"] == {"indiaDlt": {"principalEntityId": "pe"}}


def test_v3_binary_content(client: Client, fake: InfobipFake) -> None:
    message = {"destinations": [{"to": "41793026727"}], "content": {"hex": "48 69"}}
    assert client.post("/sms/3/messages", {"messages": [message]}).status == 200
    stored = fake.messages.last
    assert (stored.binary, stored.text, stored.sender) == (b"Hi", "Hi", "InfoSMS")


def test_v3_shortens_urls_as_the_url_options_say(client: Client, fake: InfobipFake) -> None:
    body = {
        "messages": [v3_message(body="See https://shop.example/offer?id=1 now")],
        "options": {"tracking": {"shortenUrl": True, "customDomain": "go.shop.test"}},
    }
    client.post("/sms/3/messages", body)
    short = fake.messages.last.text
    assert short.startswith("See https://go.shop.test/") and short.endswith(" now")
    body["options"] = {"tracking": {"shortenUrl": True, "removeProtocol": True}}
    client.post("/sms/3/messages", body)
    assert fake.messages.last.text.startswith("See smsmock.test/")


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ({"destinations": [{"to": "41793026727"}]}, "messages[0].content"),
        ({"destinations": [{"to": "4179"}], "content": {}}, "messages[0].content.text"),
        (
            {"destinations": [{"to": "4179"}], "content": {"hex": "ABC"}},
            "messages[0].content.hex",
        ),
        (
            {"destinations": [{"to": 4179}], "content": {"text": "x"}},
            "messages[0].destinations[0].to",
        ),
        (
            {
                "destinations": [{"to": "4179"}],
                "content": {"text": "x"},
                "options": {"validityPeriod": {"amount": 1, "timeUnit": "DAYS"}},
            },
            "messages[0].options.validityPeriod.timeUnit",
        ),
        (
            {
                "destinations": [{"to": "4179"}],
                "content": {"text": "x"},
                "webhooks": {"delivery": {"notify": "no"}},
            },
            "messages[0].webhooks.delivery.notify",
        ),
    ],
)
def test_v3_refusals_are_api_errors_naming_the_field(
    client: Client, message: dict[str, Any], field: str
) -> None:
    answer = client.post("/sms/3/messages", {"messages": [message]})
    assert answer.status == 400
    error = answer.json()
    assert list(error) == ["errorCode", "description", "action", "violations", "resources"]
    assert error["errorCode"] == "E400"
    assert [v["property"] for v in error["violations"]] == [field]
    assert all(isinstance(v["violation"], str) for v in error["violations"])


# -- v1 on Infobip ---------------------------------------------------------------------------
def test_v1_single_answers_as_the_document(client: Client, fake: InfobipFake) -> None:
    data = client.post("/sms/1/text/single", {"from": "Me", "to": "41793026727", "text": "x"})
    [entry] = data.json()["messages"]
    assert list(entry) == ["to", "status", "smsCount", "messageId"]
    assert entry["status"]["name"] == "MESSAGE_ACCEPTED"
    assert fake.messages.last.api == "v1-rest"


# -- money and scenarios ---------------------------------------------------------------------
def test_each_part_costs_the_accounts_price_and_a_short_balance_refuses(
    client: Client, fake: InfobipFake
) -> None:
    fake.add_account("poor", "pw", credits=2, price="1.5", api_key="poor-key")
    poor = Client(fake, "App poor-key")
    data = poor.post("/sms/2/text/advanced", v2(text(["41793026727", "41793026728"]))).json()
    assert [m["status"]["name"] for m in data["messages"]] == [
        "PENDING_ACCEPTED",
        "REJECTED_NOT_ENOUGH_CREDITS",
    ]
    account = fake.accounts.get("poor")
    assert account is not None and account.balance == Decimal("0.5")


def test_an_expired_account_is_refused_per_destination(fake: InfobipFake) -> None:
    fake.add_account("old", "pw", expired=True, api_key="old")
    data = Client(fake, "App old").post("/sms/3/messages", {"messages": [v3_message()]}).json()
    assert data["messages"][0]["status"]["name"] == "REJECTED_PREPAID_PACKAGE_EXPIRED"
    assert "messageId" not in data["messages"][0]


@pytest.mark.parametrize(
    ("respond", "name"),
    [
        ({"status": "REJECTED_DND"}, "REJECTED_DND"),
        ({"status": 10}, "REJECTED_DND"),
        ({"status": -13}, "REJECTED_DESTINATION"),
        ({"status": -3}, "REJECTED_NETWORK"),
        ({"status": "rejected"}, "REJECTED_NETWORK"),
        ({"status": "nonsense"}, "REJECTED_SYSTEM_ERROR"),
    ],
)
def test_a_scenario_respond_answers_with_a_rest_status(
    client: Client,
    fake: InfobipFake,
    monkeypatch: pytest.MonkeyPatch,
    respond: dict[str, Any],
    name: str,
) -> None:
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(respond=respond))
    data = client.post("/sms/3/messages", {"messages": [v3_message()]}).json()
    assert data["messages"][0]["status"]["name"] == name
    assert len(fake.messages) == 0


def test_a_fault_that_replaces_the_answer_accepts_nothing(
    client: Client, fake: InfobipFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault = HttpFault(kind=FaultKind.HTTP_STATUS, status=503, body=b"down")
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(fault=fault))
    answer: Answer = client.post("/sms/2/text/advanced", v2(text()))
    assert (answer.status, answer.body) == (503, b"down")
    assert len(fake.messages) == 0


def test_a_scenario_plan_drives_the_message(
    client: Client, fake: InfobipFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = (Transition(after=timedelta(seconds=2), status=Status.UNDELIVERABLE, error=27),)
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=plan))
    client.post("/sms/3/messages", {"messages": [v3_message()]})
    mock.clock.advance("2s")
    [report] = client.get("/sms/3/reports").json()["results"]
    assert report["status"]["name"] == "UNDELIVERABLE_NOT_DELIVERED"
    assert report["error"]["name"] == "EC_ABSENT_SUBSCRIBER"


def test_a_loaded_scenario_names_rest_statuses_and_generations(
    client: Client, fake: InfobipFake, mock: SmsMock
) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "rules": [
                {
                    "match": {"provider": "infobip", "api": "v3-rest", "to": "4179*"},
                    "dlr": [{"after": "2s", "status": "DELIVERED_TO_OPERATOR"}],
                },
                {
                    "match": {"provider": "infobip", "api": "v2-rest"},
                    "respond": {"status": "REJECTED_DND"},
                },
            ],
        }
    )
    new = client.post("/sms/3/messages", {"messages": [v3_message()]}).json()["messages"][0]
    old = client.post("/sms/2/text/advanced", v2(text())).json()["messages"][0]
    assert (new["status"]["name"], old["status"]["name"]) == ("PENDING_ACCEPTED", "REJECTED_DND")
    mock.clock.advance("2s")
    [report] = client.get("/sms/3/reports").json()["results"]
    assert report["status"]["name"] == "DELIVERED_TO_OPERATOR"
    assert fake.resolve_status("REJECTED_DND") == (Status.REJECTED, "REJECTED_DND")
    assert fake.resolve_status("NOT_ALLOWED") == (Status.REJECTED, "NOT_ALLOWED")  # legacy first
    assert "PENDING_ACCEPTED" in fake.native_statuses()
