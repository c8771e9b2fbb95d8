"""Each bundled scenario in scenarios/, exercised through Infobip's v3 API and a real client."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer

from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.validation import check_files

SCENARIOS = Path(__file__).parents[3] / "scenarios"


def send(hub: SmsMock, to: str = "385981234567", url: str | None = None) -> list[int]:
    answer = requests.get(
        (url or hub.infobip.url) + "/api/v3/sendsms/plain",
        params={"user": "shop", "password": "s3cret", "sender": "Shop", "SMSText": "hi", "GSM": to},
        timeout=5,
    )
    answer.raise_for_status()
    return [
        int(r.findtext("status") or "") for r in etree.fromstring(answer.content).findall("result")
    ]


def pull(hub: SmsMock) -> requests.Response:
    return requests.get(
        hub.infobip.url + "/api/v3/dr/pull",
        params={"user": "shop", "password": "s3cret"},
        timeout=5,
    )


def test_every_bundled_scenario_validates() -> None:
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert len(files) >= 9
    assert check_files(files) == 0


@pytest.mark.smsmock(scenario="scenarios/slow_dlrs.yaml")
def test_slow_dlrs(smsmock: SmsMock) -> None:
    for i in range(50):
        send(smsmock, to=f"3859812{i:05d}")
    smsmock.clock.advance("30s")
    messages = list(smsmock.infobip.messages)
    assert all(m.status in (Status.ENROUTE, Status.DELIVERED) for m in messages)
    smsmock.clock.advance("5m")
    early = sum(m.status == Status.DELIVERED for m in messages)
    smsmock.clock.advance("6h")
    late = sum(m.status == Status.DELIVERED for m in messages)
    assert 10 < early < 40 < late  # a long tail: many only after minutes or hours
    assert late >= 45  # ~2% never report


@pytest.mark.smsmock(scenario="scenarios/expired_after_48h.yaml")
def test_expired_after_48h(smsmock: SmsMock) -> None:
    send(smsmock, to="385991234567")
    send(smsmock, to="385981234567")
    off, on = smsmock.infobip.messages
    smsmock.clock.advance("47h")
    assert (off.status, on.status) == (Status.ENROUTE, Status.DELIVERED)
    smsmock.clock.advance("1h")
    assert off.status == Status.EXPIRED
    # the provider's default validity (48 h) cuts the 72-hour delivery short
    assert off.history[-1].at - off.submitted_at == timedelta(hours=48)
    assert pull(smsmock).text.count("<message ") == 2


@pytest.mark.smsmock(scenario="scenarios/one_shot_pull_lost.yaml")
def test_one_shot_pull_lost_on_a_client_crash(smsmock: SmsMock) -> None:
    send(smsmock)
    smsmock.clock.advance("1m")
    with pytest.raises(requests.exceptions.ChunkedEncodingError):
        pull(smsmock)
    assert pull(smsmock).text == "NO_DATA"  # the provider already handed the reports out
    assert smsmock.journal.entries(provider="infobip", contains="fault incomplete_body")


@pytest.mark.smsmock(scenario="scenarios/push_retries_exhausted.yaml")
def test_push_retries_exhausted(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr").respond_with_data("OK")
    account = smsmock.infobip.accounts.get("shop")
    assert account is not None
    account.dlr_url = httpserver.url_for("/dlr")
    send(smsmock)
    smsmock.clock.advance("1h")
    assert len(httpserver.log) == 0  # the scenario stood in for the receiver every time
    entries = smsmock.journal.entries(provider="infobip", channel="callback")
    assert [e.detail.get("attempt") for e in entries[:-1]] == [1, 2, 3, 4, 5]
    minutes = [(e.at - entries[0].at).total_seconds() / 60 for e in entries[:-1]]
    assert minutes == [0, 1, 3, 8, 18]
    assert "dropped after 5 attempt(s)" in entries[-1].summary


@pytest.mark.smsmock(scenario="scenarios/throttled_burst.yaml")
def test_throttled_burst(smsmock: SmsMock) -> None:
    url = smsmock.infobip.url + "/api/v3/sendsms/plain"
    params = {
        "user": "shop",
        "password": "s3cret",
        "sender": "Shop",
        "SMSText": "hi",
        "GSM": "385981234567",
    }
    codes = [requests.get(url, params=params, timeout=5) for _ in range(8)]
    assert [c.status_code for c in codes] == [200] * 5 + [429] * 3
    assert codes[-1].headers["Retry-After"] == "2"
    smsmock.clock.advance("2s")
    assert requests.get(url, params=params, timeout=5).status_code == 200
    assert len(smsmock.infobip.messages) == 6
    # SMPP: the listener asks the same engine (it is pure; no socket needed to see the rate)
    engine = smsmock.runtime.engine()
    throttled = [engine.smpp_fault("enhanced_smpp", "submit_sm") for _ in range(7)]
    assert [f.command_status if f else 0 for f in throttled] == [0] * 5 + [0x58] * 2


@pytest.mark.smsmock(scenario="scenarios/failover.yaml")
def test_failover(smsmock: SmsMock) -> None:
    assert send(smsmock) == [0]
    smsmock.clock.advance("1m")
    with pytest.raises(requests.exceptions.ConnectionError):
        send(smsmock)
    assert send(smsmock, url=smsmock.infobip.secondary_url) == [0]
    smsmock.clock.advance("10m")
    assert send(smsmock) == [0]
    assert len(smsmock.infobip.messages) == 3


@pytest.mark.smsmock(scenario="scenarios/mixed_outcomes.yaml")
def test_mixed_outcomes_at_given_rates(smsmock: SmsMock) -> None:
    numbers = ",".join(f"3859812{i:05d}" for i in range(400))
    requests.post(
        smsmock.infobip.url + "/api/v3/sendsms/plain",
        data={
            "user": "shop",
            "password": "s3cret",
            "sender": "Shop",
            "SMSText": "hi",
            "GSM": numbers,
        },
        timeout=10,
    )
    smsmock.clock.advance("1h")
    counts = Counter(m.status for m in smsmock.infobip.messages)
    assert sum(counts.values()) == 400
    assert 300 < counts[Status.DELIVERED] < 380
    assert 20 < counts[Status.UNDELIVERABLE] < 65
    assert counts[Status.EXPIRED] + counts[Status.REJECTED] < 40
    assert set(counts) <= {Status.DELIVERED, Status.UNDELIVERABLE, Status.EXPIRED, Status.REJECTED}


@pytest.mark.smsmock(scenario="scenarios/inbound_stop.yaml")
def test_inbound_stop(smsmock: SmsMock) -> None:
    def inbox() -> str:
        return requests.get(
            smsmock.infobip.url + "/api/v3/command/inbox",
            params={"user": "shop", "password": "s3cret"},
            timeout=5,
        ).text

    smsmock.clock.advance("2m")
    assert "STOP" in inbox()
    smsmock.clock.advance("1d")
    body = inbox()
    assert "START" in body and "STOP" not in body  # the inbox is one-shot too


@pytest.mark.smsmock(scenario="scenarios/provider_errors.yaml")
def test_provider_errors(smsmock: SmsMock) -> None:
    assert send(smsmock, to="385911234567") == [-13]
    assert send(smsmock) == [0]
    assert send(smsmock) == [0]
    with pytest.raises(requests.exceptions.ConnectionError):
        send(smsmock)
    assert send(smsmock) == [0]
