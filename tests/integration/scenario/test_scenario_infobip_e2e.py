"""Rules, callback faults and events through Infobip's HTTP API v3 and a real client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer

from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock

SHOP = {"username": "shop", "password": "s3cret", "credits": 10}


def send(
    hub: SmsMock,
    to: str = "385981234567",
    text: str = "hello",
    user: str = "shop",
    url: str | None = None,
) -> list[int]:
    answer = requests.get(
        (url or hub.infobip.url) + "/api/v3/sendsms/plain",
        params={
            "user": user,
            "password": "s3cret" if user == "shop" else "test",
            "sender": "Shop",
            "SMSText": text,
            "GSM": to,
        },
        timeout=5,
    )
    return [
        int(r.findtext("status") or "") for r in etree.fromstring(answer.content).findall("result")
    ]


def scenario(**parts: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "accounts": {"infobip": [dict(SHOP, **parts.pop("account", {}))]},
        **parts,
    }


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    httpserver.expect_request("/dlr").respond_with_data("OK")
    yield httpserver
    httpserver.clear()


def test_respond_gives_the_provider_native_error(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        scenario(
            rules=[{"match": {"provider": "infobip", "to": "38591*"}, "respond": {"status": -13}}]
        )
    )
    assert send(smsmock, to="385911234567") == [-13]
    assert send(smsmock, to="385981234567") == [0]
    assert len(smsmock.infobip.messages) == 1
    [entry] = smsmock.journal.entries(provider="infobip", channel="scenario")
    assert entry.summary == "rules[0] matched 385911234567: respond {'status': -13}"


def test_dlr_timeline_from_regex_and_text_match(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        scenario(
            rules=[
                {
                    "match": {"to": "/^3859[0-9]{8}$/", "text": "/OTP/"},
                    "dlr": [
                        {"after": "30s", "status": "enroute"},
                        {
                            "after": {"uniform": {"min": "1m", "max": "2m"}},
                            "status": "undeliverable",
                            "error": "EC_ABSENT_SUBSCRIBER",
                        },
                    ],
                }
            ]
        )
    )
    assert send(smsmock, to="385981234567", text="Your OTP is 1234") == [0]
    assert send(smsmock, to="385981234567", text="no code") == [0]
    otp, plain = smsmock.infobip.messages
    smsmock.clock.advance("31s")
    assert otp.status == Status.ENROUTE
    assert plain.status == Status.DELIVERED  # the default plan: delivered after 5 s
    smsmock.clock.advance("2m")
    assert otp.status == Status.UNDELIVERABLE
    assert otp.error == 27  # EC_ABSENT_SUBSCRIBER, resolved to its GSM code at load time
    delay = (otp.history[-1].at - otp.submitted_at).total_seconds()
    assert 90 <= delay <= 150


def test_rule_fault_resets_the_nth_request(smsmock: SmsMock) -> None:
    smsmock.load_scenario(scenario(rules=[{"match": {"nth": 3}, "fault": "connection_reset"}]))
    assert send(smsmock) == [0]
    assert send(smsmock) == [0]
    with pytest.raises(requests.exceptions.ConnectionError):
        send(smsmock)
    assert send(smsmock) == [0]
    assert len(smsmock.infobip.messages) == 3
    assert smsmock.journal.entries(provider="infobip", contains="fault connection_reset")


def test_callback_fails_first_two_attempts_then_the_retry_schedule_delivers(
    smsmock: SmsMock, receiver: HTTPServer
) -> None:
    smsmock.load_scenario(
        scenario(
            account={"dlr_url": receiver.url_for("/dlr")},
            callbacks=[{"provider": "infobip", "fail_first": 2, "with": "timeout"}],
        )
    )
    send(smsmock)
    smsmock.clock.advance("5s")
    assert len(receiver.log) == 0
    smsmock.clock.advance("1m")
    assert len(receiver.log) == 0
    smsmock.clock.advance("2m")  # Infobip retries after 1, 2, 5, 10 minutes
    assert len(receiver.log) == 1
    attempts = [e.summary for e in smsmock.journal.entries(provider="infobip", channel="callback")]
    assert [("injected" in a, "ok" in a.split(": ")[1][:2]) for a in attempts] == [
        (True, False),
        (True, False),
        (False, True),
    ]


def test_push_retries_exhausted(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        scenario(
            account={"dlr_url": "http://127.0.0.1:9/dlr"},
            callbacks=[
                {"provider": "infobip", "always": True, "with": {"status": 500, "body": "oops"}}
            ],
        )
    )
    send(smsmock)
    smsmock.clock.advance("1h")
    summaries = [e.summary for e in smsmock.journal.entries(provider="infobip", channel="callback")]
    assert len([s for s in summaries if "dropped" not in s]) == 5
    assert "HTTP 500 'oops'" in summaries[0]
    assert summaries[-1].endswith("dropped after 5 attempt(s)")


def test_events_mo_balance_expiry_hlr(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        scenario(
            events=[
                {"at": "2m", "provider": "infobip", "mo": {"from": "385911111111", "text": "STOP"}},
                {"at": "1h", "provider": "infobip", "balance": {"account": "shop", "set": 0}},
                {"at": "2h", "provider": "infobip", "balance": {"account": "shop", "add": 3}},
                {"at": "3h", "provider": "infobip", "expire": {"account": "shop"}},
                {
                    "at": "0s",
                    "provider": "infobip",
                    "hlr": {"msisdn": "385911111111", "status": "UNDELIV"},
                },
            ]
        )
    )

    def balance() -> str:
        return requests.get(
            smsmock.infobip.url + "/api/command",
            timeout=5,
            params={"username": "shop", "password": "s3cret", "cmd": "CREDITS"},
        ).text

    def inbox() -> str:
        return requests.get(
            smsmock.infobip.url + "/api/v3/command/inbox",
            timeout=5,
            params={"user": "test", "password": "test"},
        ).text

    smsmock.clock.advance("1m")
    assert "STOP" not in inbox()
    smsmock.clock.advance("1m")
    assert "STOP" in inbox()
    hlr = requests.get(
        smsmock.infobip.url + "/api/hlr/sync",
        timeout=5,
        params={
            "user": "shop",
            "password": "s3cret",
            "destination": "385911111111",
            "output": "json",
        },
    )
    assert "UNDELIV" in hlr.text
    assert balance() == "9.00"  # the Number Context query cost one credit
    smsmock.clock.advance("1h")
    assert balance() == "0.00"
    smsmock.clock.advance("1h")
    assert balance() == "3.00"
    assert send(smsmock) == [0]
    smsmock.clock.advance("1h")
    assert send(smsmock) == [-23]
    kinds = [
        e.detail["kind"] for e in smsmock.journal.entries(channel="scenario") if "kind" in e.detail
    ]
    assert kinds == ["hlr", "mo", "balance", "balance", "expire"]


def test_outage_window_makes_the_client_fail_over(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        scenario(
            events=[
                {"at": "1m", "provider": "infobip", "outage": {"listener": "primary", "for": "10m"}}
            ]
        )
    )
    assert send(smsmock) == [0]
    smsmock.clock.advance("1m")
    with pytest.raises(requests.exceptions.ConnectionError):
        send(smsmock)
    assert send(smsmock, url=smsmock.infobip.secondary_url) == [0]
    smsmock.clock.advance("10m")
    assert send(smsmock) == [0]
    downs = [
        e.summary for e in smsmock.journal.entries(channel="scenario") if "outage" not in e.summary
    ]
    assert any("down: http:primary" in s for s in downs)
    assert any("back up: http:primary" in s for s in downs)


@pytest.mark.smsmock(scenario="scenario_marker.yaml", seed=3)
def test_marker_loads_a_file_next_to_the_test(smsmock: SmsMock) -> None:
    assert smsmock.seed == 3
    assert send(smsmock, to="385911234567", user="test") == [-13]
