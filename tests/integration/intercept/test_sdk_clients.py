"""Third-party clients with hard-coded hosts, used as they are, under intercept: the PyPI
``smsc`` client (``https://smsc.ru/sys/`` in a private class attribute) and Infobip's SDK
(``infobip-api-python-client`` 6, configured with ``https://api.infobip.com`` or a personal base
URL as its documentation shows; urllib3 underneath)."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from pytest_smsmock.hub import SmsMock


@pytest.fixture
def smsc_client(monkeypatch: pytest.MonkeyPatch) -> Any:
    # The client calls logging.basicConfig(level=DEBUG) when imported; keep pytest's logging.
    monkeypatch.setattr(logging, "basicConfig", lambda **kwargs: None)
    from smsc.api import SMSC

    assert SMSC._url == "https://smsc.ru/sys/"  # untouched: the point of the test
    return SMSC(login="test", password="test", sender="Shop")


@pytest.mark.smsmock(intercept=True)
def test_the_smsc_pypi_client_sends_and_reads_status_without_changing_its_url(
    smsmock: SmsMock, smsc_client: Any
) -> None:
    from smsc.messages import SMSMessage

    sent = smsc_client.send(to="79991234567", message=SMSMessage(text="Your code is 1234"))
    message = smsmock.smsc.messages.one(to="79991234567")
    assert (sent.count, message.sender, message.text) == (1, "Shop", "Your code is 1234")
    balance = smsc_client.get_balance()
    assert balance.balance == pytest.approx(1000 - sent.cost)

    smsmock.clock.advance("1m")
    (status,) = smsc_client.get_status(to="79991234567", msg_id=str(sent.message_id))
    assert status.status.status_id == 1  # delivered, as the fake's DLR says
    assert [e.summary.split("?")[0] for e in smsmock.journal.entries(direction="in")] == [
        "GET /sys/send.php",
        "GET /sys/balance.php",
        "GET /sys/status.php",
    ]


@pytest.mark.smsmock(intercept=True)
@pytest.mark.parametrize("host", ["https://api.infobip.com", "https://z8j2k.api.infobip.com"])
def test_the_infobip_sdk_sends_and_reads_reports_by_its_documented_host(
    smsmock: SmsMock, host: str
) -> None:
    from infobip_api_client import ApiClient, Configuration, SmsApi
    from infobip_api_client.models import (
        SmsDestination,
        SmsMessage,
        SmsMessageContent,
        SmsRequest,
        SmsTextContent,
    )

    smsmock.infobip.add_account("shop", "s3cret", api_key="k3y")
    # The SDK's documented configuration: the global host or an account's personal base URL.
    api = SmsApi(ApiClient(Configuration(host=host, api_key="k3y")))
    sent = api.send_sms_messages(
        SmsRequest(
            messages=[
                SmsMessage(
                    sender="Shop",
                    destinations=[SmsDestination(to="41793026727")],
                    content=SmsMessageContent(actual_instance=SmsTextContent(text="Hello")),
                )
            ]
        )
    )
    (accepted,) = sent.messages
    message = smsmock.infobip.messages.one(to="41793026727")
    assert accepted.message_id == message.message_id
    smsmock.clock.advance("1m")
    (report,) = api.get_outbound_sms_message_delivery_reports(limit=5).results
    assert (report.message_id, report.status.name) == (message.message_id, "DELIVERED_TO_HANDSET")
    assert [e.summary.split("?")[0] for e in smsmock.journal.entries(direction="in")] == [
        "POST /sms/3/messages",
        "GET /sms/3/reports",
    ]
