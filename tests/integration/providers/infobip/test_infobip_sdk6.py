"""The official SDK, current generation (infobip-api-python-client 6.0.0), end to end.

Every method of `SmsApi` against `smsmock.infobip` over loopback; each answer parsed by the
SDK's own models and its raw JSON checked key by key against them (`assert_known_keys`); the
pushed reports and inbound messages parsed with the SDK's webhook models. The network is
loopback only: an SDK pointed at its default host fails the test instead of reaching Infobip.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import infobip_api_client as infobip
import pytest
import requests
from infobip_api_client.api.sms_api import SmsApi
from infobip_api_client.exceptions import (
    ApiException,
    BadRequestException,
    NotFoundException,
    UnauthorizedException,
)
from infobip_api_client.models import (
    ApiError,
    DeliveryDay,
    DeliveryTime,
    DeliveryTimeWindow,
    MessageGeneralStatus,
    Platform,
    SmsBinaryContent,
    SmsBulkRequest,
    SmsBulkResponse,
    SmsBulkStatus,
    SmsBulkStatusResponse,
    SmsDeliveryResult,
    SmsDestination,
    SmsInboundMessageResult,
    SmsLanguage,
    SmsLanguageCode,
    SmsLogsResponse,
    SmsMessage,
    SmsMessageContent,
    SmsMessageDeliveryReporting,
    SmsMessageOptions,
    SmsMessageRequestOptions,
    SmsPreviewRequest,
    SmsPreviewResponse,
    SmsRequest,
    SmsRequestSchedulingSettings,
    SmsResponse,
    SmsTextContent,
    SmsTransliterationCode,
    SmsUpdateStatusRequest,
    SmsWebhooks,
    UrlOptions,
    ValidityPeriod,
    ValidityPeriodTimeUnit,
)
from infobip_api_client.models import (
    ApiException as ApiExceptionModel,
)
from infobip_sdk_helpers import Blocked, assert_known_keys, loopback_only
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

KEY = "sdk6-key"


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)


@pytest.fixture
def api(smsmock: SmsMock) -> SmsApi:
    smsmock.infobip.add_account("shop", "s3cret", api_key=KEY)
    configuration = infobip.Configuration(host=smsmock.infobip.url, api_key=KEY)
    return SmsApi(infobip.ApiClient(configuration))


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[tuple[HTTPServer, list[Request]]]:
    seen: list[Request] = []

    def handler(request: Request) -> Response:
        request.get_data(cache=True)
        seen.append(request)
        return Response("", status=200)

    httpserver.expect_request("/hook").respond_with_handler(handler)
    yield httpserver, seen
    httpserver.clear()


def text_message(to: str = "41793026727", text: str = "Hello", **options: Any) -> SmsMessage:
    return SmsMessage(
        sender="Shop",
        destinations=[SmsDestination(to=to)],
        content=SmsMessageContent(actual_instance=SmsTextContent(text=text)),
        **options,
    )


def strict(model: Any, raw: bytes) -> Any:
    data = json.loads(raw)
    assert_known_keys(model, data)
    return data


def test_send_sms_messages_with_every_option(api: SmsApi, smsmock: SmsMock) -> None:
    request = SmsRequest(
        messages=[
            text_message(
                options=SmsMessageOptions(
                    platform=Platform(entityId="ent", applicationId="app"),
                    validityPeriod=ValidityPeriod(amount=2, timeUnit=ValidityPeriodTimeUnit.HOURS),
                    campaignReferenceId="camp",
                    flash=True,
                    deliveryTimeWindow=DeliveryTimeWindow(
                        days=[DeliveryDay(d) for d in DeliveryDay],
                        var_from=DeliveryTime(hour=0, minute=0),
                        to=DeliveryTime(hour=23, minute=59),
                    ),
                ),
                webhooks=SmsWebhooks(callbackData="cb"),
            ),
            SmsMessage(
                destinations=[
                    SmsDestination(to="41793026728", messageId="own-1"),
                    SmsDestination(to="41793026729"),
                ],
                content=SmsMessageContent(
                    actual_instance=SmsTextContent(
                        text="Şimdi https://shop.example/x",
                        transliteration=SmsTransliterationCode.TURKISH,
                        language=SmsLanguage(languageCode=SmsLanguageCode.TR),
                    )
                ),
            ),
            SmsMessage(
                destinations=[SmsDestination(to="41793026730")],
                content=SmsMessageContent(
                    actual_instance=SmsBinaryContent(hex="48 69", dataCoding=0)
                ),
            ),
        ],
        options=SmsMessageRequestOptions(
            schedule=SmsRequestSchedulingSettings(bulkId="bulk-6"),
            tracking=UrlOptions(shortenUrl=True, customDomain="go.shop.test"),
            includeSmsCountInResponse=True,
        ),
    )
    answer = api.send_sms_messages_with_http_info(request)
    assert answer.status_code == 200
    strict(SmsResponse, answer.raw_data)
    response = answer.data
    assert response.bulk_id == "bulk-6"
    assert [m.destination for m in response.messages] == [
        "41793026727",
        "41793026728",
        "41793026729",
        "41793026730",
    ]
    assert response.messages[1].message_id == "own-1"
    assert {m.status.group_name for m in response.messages} == {MessageGeneralStatus.PENDING}
    assert all(m.details is not None and m.details.message_count == 1 for m in response.messages)
    stored = smsmock.infobip.messages.one(to="41793026728")
    assert stored.text.startswith("Simdi https://go.shop.test/")
    assert smsmock.infobip.messages.one(to="41793026730").binary == b"Hi"


def test_preview_sms_message(api: SmsApi) -> None:
    answer = api.preview_sms_message_with_http_info(
        SmsPreviewRequest(text="Ğüzel gün", languageCode="TR", transliteration="TURKISH")
    )
    strict(SmsPreviewResponse, answer.raw_data)
    previews = answer.data.previews
    assert previews is not None
    assert [p.message_count for p in previews] == [1, 1, 1, 1]
    assert previews[0].characters_remaining == 70 - 9
    assert previews[2].text_preview == "Güzel gün"
    assert previews[3].configuration is not None
    assert previews[3].configuration.transliteration == "TURKISH"


def test_reports_and_logs(api: SmsApi, smsmock: SmsMock) -> None:
    sent = api.send_sms_messages(SmsRequest(messages=[text_message(), text_message("41793026728")]))
    ids = [m.message_id for m in sent.messages]
    smsmock.clock.advance("5s")
    logs = api.get_outbound_sms_message_logs_with_http_info(
        bulk_id=[sent.bulk_id or ""], sent_since=datetime(2024, 12, 31, tzinfo=UTC), limit=10
    )
    strict(SmsLogsResponse, logs.raw_data)
    assert logs.data.results is not None
    assert {log.message_id for log in logs.data.results} == set(ids)
    first = logs.data.results[0]
    assert first.done_at == datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC)
    assert first.content is not None
    assert isinstance(first.content.actual_instance, SmsTextContent)
    paged = api.get_outbound_sms_message_logs(limit=1, use_cursor=True)
    assert paged.cursor is not None and paged.cursor.next_cursor
    rest = api.get_outbound_sms_message_logs(limit=1, cursor=paged.cursor.next_cursor)
    assert rest.results is not None and rest.cursor is not None
    assert rest.cursor.next_cursor is None
    reports = api.get_outbound_sms_message_delivery_reports_with_http_info(
        bulk_id=sent.bulk_id, limit=1
    )
    strict(SmsDeliveryResult, reports.raw_data)
    assert reports.data.results is not None
    [report] = reports.data.results
    assert report.status is not None and report.status.name == "DELIVERED_TO_HANDSET"
    assert report.sent_at == datetime(2025, 1, 1, tzinfo=UTC)
    again = api.get_outbound_sms_message_delivery_reports(message_id=ids[1])
    assert [r.message_id for r in again.results or []] == [ids[1]]
    assert api.get_outbound_sms_message_delivery_reports().results == []


def test_scheduled_bulks(api: SmsApi, smsmock: SmsMock) -> None:
    send_at = datetime(2025, 1, 1, 1, tzinfo=UTC)
    api.send_sms_messages(
        SmsRequest(
            messages=[text_message()],
            options=SmsMessageRequestOptions(
                schedule=SmsRequestSchedulingSettings(bulkId="later", sendAt=send_at)
            ),
        )
    )
    bulk = api.get_scheduled_sms_messages_with_http_info("later")
    strict(SmsBulkResponse, bulk.raw_data)
    assert bulk.data.send_at == send_at
    status = api.get_scheduled_sms_messages_status_with_http_info("later")
    strict(SmsBulkStatusResponse, status.raw_data)
    assert status.data.status is SmsBulkStatus.PENDING
    paused = api.update_scheduled_sms_messages_status(
        "later", SmsUpdateStatusRequest(status=SmsBulkStatus.PAUSED)
    )
    assert paused.status is SmsBulkStatus.PAUSED
    moved = api.reschedule_sms_messages(
        "later", SmsBulkRequest(sendAt=send_at + timedelta(hours=1))
    )
    assert moved.send_at == send_at + timedelta(hours=1)
    resumed = api.update_scheduled_sms_messages_status(
        "later", SmsUpdateStatusRequest(status=SmsBulkStatus.PENDING)
    )
    assert resumed.status is SmsBulkStatus.PENDING
    smsmock.clock.advance("2h")
    assert api.get_scheduled_sms_messages_status("later").status is SmsBulkStatus.PROCESSING
    smsmock.clock.advance("5s")
    assert api.get_scheduled_sms_messages_status("later").status is SmsBulkStatus.FINISHED
    with pytest.raises(BadRequestException):
        api.update_scheduled_sms_messages_status(
            "later", SmsUpdateStatusRequest(status=SmsBulkStatus.CANCELED)
        )
    with pytest.raises(NotFoundException):
        api.get_scheduled_sms_messages_status("never")


def test_inbound_messages(api: SmsApi, smsmock: SmsMock) -> None:
    smsmock.infobip.inject_mo("+41793026727", "STOP now", account="shop", keyword="STOP")
    answer = api.get_inbound_sms_messages_with_http_info(limit=10)
    strict(SmsInboundMessageResult, answer.raw_data)
    assert answer.data.message_count == 1 and answer.data.pending_message_count == 0
    [mo] = answer.data.results or []
    assert (mo.var_from, mo.clean_text, mo.keyword) == ("41793026727", "now", "STOP")
    assert mo.received_at == datetime(2025, 1, 1, tzinfo=UTC)
    assert api.get_inbound_sms_messages().results == []


def test_webhooks_parse_with_the_sdk_models(
    api: SmsApi, smsmock: SmsMock, receiver: tuple[HTTPServer, list[Request]]
) -> None:
    server, seen = receiver
    smsmock.infobip.add_account("in", "pw", mo_url=server.url_for("/hook"))
    api.send_sms_messages(
        SmsRequest(
            messages=[
                text_message(
                    webhooks=SmsWebhooks(
                        delivery=SmsMessageDeliveryReporting(
                            url=server.url_for("/hook"), intermediateReport=True
                        ),
                        contentType="application/json",
                        callbackData="cb",
                    )
                )
            ]
        )
    )
    smsmock.clock.advance("5s")
    smsmock.infobip.inject_mo("41793026727", "Hi", account="in")
    report, inbound = seen
    strict(SmsDeliveryResult, report.get_data())
    [parsed] = SmsDeliveryResult.from_json(report.get_data(as_text=True)).results or []
    assert parsed.callback_data == "cb"
    assert parsed.done_at == datetime(2025, 1, 1, 0, 0, 5, tzinfo=UTC)
    strict(SmsInboundMessageResult, inbound.get_data())
    assert inbound.headers["Content-Type"] == "application/json"
    [mo] = SmsInboundMessageResult.from_json(inbound.get_data(as_text=True)).results or []
    assert mo.text == "Hi"


@pytest.mark.parametrize("scheme", ["Basic", "IBSSO", "Bearer"])
def test_other_authorization_schemes(smsmock: SmsMock, scheme: str) -> None:
    fake = smsmock.infobip
    fake.add_account("other", "pw")
    if scheme == "Basic":
        credentials = base64.b64encode(b"other:pw").decode()
    elif scheme == "IBSSO":
        session = requests.post(
            fake.url + "/auth/1/session", json={"username": "other", "password": "pw"}, timeout=5
        )
        credentials = session.json()["token"]
    else:
        token = requests.post(
            fake.url + "/auth/1/oauth2/token",
            data={"client_id": "other", "client_secret": "pw", "grant_type": "client_credentials"},
            timeout=5,
        )
        credentials = token.json()["access_token"]
    api = SmsApi(infobip.ApiClient(infobip.Configuration(host=fake.url)))
    logs = api.get_outbound_sms_message_logs(_headers={"Authorization": f"{scheme} {credentials}"})
    assert logs.results == []


def test_errors_parse_as_the_sdk_exception_model(smsmock: SmsMock, api: SmsApi) -> None:
    with pytest.raises(BadRequestException) as refused:
        api.send_sms_messages(
            SmsRequest(
                messages=[
                    SmsMessage(
                        destinations=[SmsDestination(to="41793026727")],
                        content=SmsMessageContent(actual_instance=SmsBinaryContent(hex="XYZ")),
                    )
                ]
            )
        )
    error = refused.value.data
    assert isinstance(error, ApiError)
    strict(ApiError, (refused.value.body or "").encode())
    assert error.error_code == "E400"
    assert [(v.var_property, v.violation) for v in error.violations] == [
        ("messages[0].content.hex", "messages[0].content.hex must be pairs of hexadecimal digits")
    ]
    wrong = SmsApi(infobip.ApiClient(infobip.Configuration(host=smsmock.infobip.url, api_key="no")))
    with pytest.raises(UnauthorizedException) as unauthorized:
        wrong.get_outbound_sms_message_logs()
    assert isinstance(unauthorized.value.data, ApiError)
    assert unauthorized.value.data.error_code == "E401"
    with pytest.raises(UnauthorizedException) as legacy:
        wrong.preview_sms_message(SmsPreviewRequest(text="x"))
    assert isinstance(legacy.value.data, ApiExceptionModel)  # /sms/1/: the requestError envelope
    strict(ApiExceptionModel, (legacy.value.body or "").encode())
    details = legacy.value.data.request_error.service_exception  # type: ignore[union-attr]
    assert details is not None and details.message_id == "UNAUTHORIZED"


def test_the_sdk_never_reaches_a_real_host() -> None:
    api = SmsApi(
        infobip.ApiClient(infobip.Configuration(host="https://api.infobip.com", api_key="k"))
    )
    with pytest.raises((ApiException, Exception)) as blocked:
        api.get_outbound_sms_message_logs(_request_timeout=1.0)
    chain: list[BaseException] = []
    error: BaseException | None = blocked.value
    while error is not None and len(chain) < 10:
        chain.append(error)
        error = error.__cause__ or error.__context__
    assert any(isinstance(e, Blocked) or "loopback only" in str(e) for e in chain), chain
