"""The official SDK, previous generation (infobip-api-python-client 3.0.0), end to end.

Not collected by the suite's own run (the project's environment has 6.0.0): the compatibility
test (`test_infobip_sdk3_compat.py`) installs 3.0.0 into a venv of its own and runs this file
there. Every method of `SendSmsApi`, `ScheduledSmsApi` and `ReceiveSmsApi` against
`smsmock.infobip` over loopback; the 3.x models are strict by themselves (an unknown key or a
``null`` fails the parse), and the webhook bodies go through the SDK's own deserializer.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from typing import Any

import infobip_api_client as infobip
import pytest
import requests
from infobip_api_client.api.receive_sms_api import ReceiveSmsApi
from infobip_api_client.api.scheduled_sms_api import ScheduledSmsApi
from infobip_api_client.api.send_sms_api import SendSmsApi
from infobip_api_client.exceptions import ApiException
from infobip_api_client.model.sms_advanced_binary_request import SmsAdvancedBinaryRequest
from infobip_api_client.model.sms_advanced_textual_request import SmsAdvancedTextualRequest
from infobip_api_client.model.sms_binary_content import SmsBinaryContent
from infobip_api_client.model.sms_binary_message import SmsBinaryMessage
from infobip_api_client.model.sms_bulk_request import SmsBulkRequest
from infobip_api_client.model.sms_bulk_status import SmsBulkStatus
from infobip_api_client.model.sms_delivery_day import SmsDeliveryDay
from infobip_api_client.model.sms_delivery_result import SmsDeliveryResult
from infobip_api_client.model.sms_delivery_time import SmsDeliveryTime
from infobip_api_client.model.sms_delivery_time_window import SmsDeliveryTimeWindow
from infobip_api_client.model.sms_destination import SmsDestination
from infobip_api_client.model.sms_inbound_message_result import SmsInboundMessageResult
from infobip_api_client.model.sms_language import SmsLanguage
from infobip_api_client.model.sms_preview_request import SmsPreviewRequest
from infobip_api_client.model.sms_sending_speed_limit import SmsSendingSpeedLimit
from infobip_api_client.model.sms_speed_limit_time_unit import SmsSpeedLimitTimeUnit
from infobip_api_client.model.sms_textual_message import SmsTextualMessage
from infobip_api_client.model.sms_tracking import SmsTracking
from infobip_api_client.model.sms_update_status_request import SmsUpdateStatusRequest
from infobip_sdk_helpers import loopback_only
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

assert version("infobip-api-python-client") == "3.0.0", "run through test_infobip_sdk3_compat.py"

KEY = "sdk3-key"
START = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)


def configuration(url: str, **auth: Any) -> Any:
    return infobip.Configuration(host=url, **auth)


@pytest.fixture
def client(smsmock: SmsMock) -> Any:
    smsmock.infobip.add_account("shop", "s3cret", api_key=KEY)
    auth = {"api_key": {"APIKeyHeader": KEY}, "api_key_prefix": {"APIKeyHeader": "App"}}
    return infobip.ApiClient(configuration(smsmock.infobip.url, **auth))


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[tuple[HTTPServer, list[bytes]]]:
    bodies: list[bytes] = []

    def handler(request: Request) -> Response:
        bodies.append(request.get_data())
        return Response("", status=200)

    httpserver.expect_request("/hook").respond_with_handler(handler)
    yield httpserver, bodies
    httpserver.clear()


class _Raw:
    """A response-shaped wrapper, for the SDK's deserializer on a webhook body."""

    def __init__(self, body: bytes) -> None:
        self.data = body

    def getheader(self, name: str, default: str | None = None) -> str:
        return "application/json"


def parse(client: Any, body: bytes, model: Any) -> Any:
    return client.deserialize(_Raw(body), (model,), True)


def message(to: str = "41793026727", **options: Any) -> Any:
    return SmsTextualMessage(
        _from="Shop", destinations=[SmsDestination(to=to)], text="Hello", **options
    )


def test_send_sms_message_with_every_option(client: Any, smsmock: SmsMock) -> None:
    api = SendSmsApi(client)
    window = SmsDeliveryTimeWindow(
        days=[SmsDeliveryDay(d) for d in ("WEDNESDAY", "THURSDAY")],
        _from=SmsDeliveryTime(hour=0, minute=0),
        to=SmsDeliveryTime(hour=23, minute=0),
    )
    request = SmsAdvancedTextualRequest(
        bulk_id="bulk-3",
        messages=[
            message(
                flash=True,
                validity_period=60,
                callback_data="cb",
                notify_url="https://client.test/dlr",
                notify_content_type="application/json",
                intermediate_report=False,
                delivery_time_window=window,
                transliteration="TURKISH",
                language=SmsLanguage(language_code="TR"),
            ),
            SmsTextualMessage(
                destinations=[
                    SmsDestination(to="41793026728", message_id="own-3"),
                    SmsDestination(to="0700"),
                ],
                text="Şimdi",
                send_at=START + timedelta(hours=1),
            ),
        ],
        sending_speed_limit=SmsSendingSpeedLimit(
            amount=10, time_unit=SmsSpeedLimitTimeUnit("MINUTE")
        ),
        tracking=SmsTracking(track="SMS", type="ONE_TIME_PIN"),
    )
    answer = api.send_sms_message(sms_advanced_textual_request=request)
    assert answer.bulk_id == "bulk-3"
    assert [m.to for m in answer.messages] == ["41793026727", "41793026728", "0700"]
    assert [m.status.name for m in answer.messages] == [
        "PENDING_ACCEPTED",
        "PENDING_ACCEPTED",
        "REJECTED_DESTINATION",
    ]
    assert answer.messages[1].message_id == "own-3"
    assert smsmock.infobip.messages.get("own-3").scheduled_at == START + timedelta(hours=1)


def test_send_binary_sms_message(client: Any, smsmock: SmsMock) -> None:
    request = SmsAdvancedBinaryRequest(
        messages=[
            SmsBinaryMessage(
                _from="Shop",
                destinations=[SmsDestination(to="41793026727")],
                binary=SmsBinaryContent(hex="00 48 00 69", data_coding=8, esm_class=0),
            )
        ]
    )
    answer = SendSmsApi(client).send_binary_sms_message(sms_advanced_binary_request=request)
    assert answer.messages[0].status.group_name == "PENDING"
    assert smsmock.infobip.messages.last.text == "Hi"


def test_preview_sms_message(client: Any) -> None:
    answer = SendSmsApi(client).preview_sms_message(
        sms_preview_request=SmsPreviewRequest(text="Ğ" * 71, language_code="TR")
    )
    assert answer.original_text == "Ğ" * 71
    assert [(p.message_count, p.characters_remaining) for p in answer.previews] == [
        (2, 67 - 4),
        (1, 155 - 142),
    ]
    assert answer.previews[1].configuration.language.language_code == "TR"


def test_reports_and_logs(client: Any, smsmock: SmsMock) -> None:
    api = SendSmsApi(client)
    sent = api.send_sms_message(
        sms_advanced_textual_request=SmsAdvancedTextualRequest(
            messages=[message(), message("41793026728")]
        )
    )
    smsmock.clock.advance("5s")
    logs = api.get_outbound_sms_message_logs(
        _from="Shop",
        bulk_id=[sent.bulk_id],
        sent_since=START - timedelta(days=1),
        general_status="DELIVERED",
        limit=10,
    )
    assert {log.to for log in logs.results} == {"41793026727", "41793026728"}
    assert logs.results[0].done_at == datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert logs.results[0].price.price_per_message == 1.0
    first = api.get_outbound_sms_message_delivery_reports(bulk_id=sent.bulk_id, limit=1)
    assert len(first.results) == 1
    assert first.results[0].status.name == "DELIVERED_TO_HANDSET"
    assert first.results[0].error.name == "NO_ERROR"
    second = api.get_outbound_sms_message_delivery_reports(message_id=sent.messages[1].message_id)
    assert [r.message_id for r in second.results] == [sent.messages[1].message_id]
    assert api.get_outbound_sms_message_delivery_reports().results == []


def test_scheduled_bulks(client: Any, smsmock: SmsMock) -> None:
    send_at = START + timedelta(hours=1)
    SendSmsApi(client).send_sms_message(
        sms_advanced_textual_request=SmsAdvancedTextualRequest(
            bulk_id="later", messages=[message(send_at=send_at)]
        )
    )
    api = ScheduledSmsApi(client)
    assert api.get_scheduled_sms_messages(bulk_id="later").send_at == send_at
    assert api.get_scheduled_sms_messages_status(bulk_id="later").status.value == "PENDING"
    paused = api.update_scheduled_sms_messages_status(
        bulk_id="later", sms_update_status_request=SmsUpdateStatusRequest(SmsBulkStatus("PAUSED"))
    )
    assert paused.status.value == "PAUSED"
    moved = api.reschedule_sms_messages(
        bulk_id="later", sms_bulk_request=SmsBulkRequest(send_at=send_at + timedelta(hours=1))
    )
    assert moved.send_at == send_at + timedelta(hours=1)
    cancelled = api.update_scheduled_sms_messages_status(
        bulk_id="later",
        sms_update_status_request=SmsUpdateStatusRequest(SmsBulkStatus("CANCELED")),
    )
    assert cancelled.status.value == "CANCELED"
    smsmock.clock.advance("3h")
    [log] = SendSmsApi(client).get_outbound_sms_message_logs(bulk_id=["later"]).results
    assert log.error.name == "EC_Cancelled"
    with pytest.raises(ApiException) as unknown:
        api.get_scheduled_sms_messages_status(bulk_id="never")
    assert unknown.value.status == 404


def test_get_inbound_sms_messages(client: Any, smsmock: SmsMock) -> None:
    smsmock.infobip.inject_mo("41793026727", "Hello there", account="shop")
    answer = ReceiveSmsApi(client).get_inbound_sms_messages(limit=5)
    assert (answer.message_count, answer.pending_message_count) == (1, 0)
    assert answer.results[0]._from == "41793026727"
    assert answer.results[0].received_at == START
    assert ReceiveSmsApi(client).get_inbound_sms_messages().results == []


def test_webhooks_parse_with_the_sdk_deserializer(
    client: Any, smsmock: SmsMock, receiver: tuple[HTTPServer, list[bytes]]
) -> None:
    server, bodies = receiver
    smsmock.infobip.add_account("in", "pw", mo_url=server.url_for("/hook"))
    SendSmsApi(client).send_sms_message(
        sms_advanced_textual_request=SmsAdvancedTextualRequest(
            messages=[message(notify_url=server.url_for("/hook"), callback_data="cb")]
        )
    )
    smsmock.clock.advance("5s")
    smsmock.infobip.inject_mo("41793026727", "Hi", account="in")
    report, inbound = bodies
    [parsed] = parse(client, report, SmsDeliveryResult).results
    assert (parsed.callback_data, parsed.sms_count) == ("cb", 1)
    assert parsed.done_at == datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert parse(client, inbound, SmsInboundMessageResult).results[0].text == "Hi"


@pytest.mark.parametrize("scheme", ["Basic", "IBSSO", "OAuth2"])
def test_every_authorization_the_sdk_configures(smsmock: SmsMock, scheme: str) -> None:
    fake = smsmock.infobip
    fake.add_account("other", "pw")
    if scheme == "Basic":
        auth: dict[str, Any] = {"username": "other", "password": "pw"}
    elif scheme == "IBSSO":
        token = requests.post(
            fake.url + "/auth/1/session", json={"username": "other", "password": "pw"}, timeout=5
        ).json()["token"]
        auth = {
            "api_key": {"IBSSOTokenHeader": token},
            "api_key_prefix": {"IBSSOTokenHeader": "IBSSO"},
        }
    else:
        token = requests.post(
            fake.url + "/auth/1/oauth2/token",
            data={"client_id": "other", "client_secret": "pw", "grant_type": "client_credentials"},
            timeout=5,
        ).json()["access_token"]
        auth = {"access_token": token}
    client = infobip.ApiClient(configuration(fake.url, **auth))
    assert SendSmsApi(client).get_outbound_sms_message_logs().results == []


def test_refusals_are_in_the_request_error_envelope(client: Any, smsmock: SmsMock) -> None:
    with pytest.raises(ApiException) as refused:
        SendSmsApi(client).send_sms_message(
            sms_advanced_textual_request=SmsAdvancedTextualRequest(
                messages=[message(validity_period=0)]
            )
        )
    assert refused.value.status == 400
    assert json.loads(refused.value.body) == {
        "requestError": {
            "serviceException": {"messageId": "INVALID_ARGUMENT", "text": "Invalid argument"}
        }
    }
    wrong = infobip.ApiClient(configuration(smsmock.infobip.url, username="shop", password="wrong"))
    with pytest.raises(ApiException) as unauthorized:
        SendSmsApi(wrong).get_outbound_sms_message_logs()
    assert unauthorized.value.status == 401
    basic = base64.b64encode(b"shop:wrong").decode()
    assert (
        unauthorized.value.body
        == requests.get(
            smsmock.infobip.url + "/sms/1/logs",
            headers={"Authorization": f"Basic {basic}"},
            timeout=5,
        ).text
    )
