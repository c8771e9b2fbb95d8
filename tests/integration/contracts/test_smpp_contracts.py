"""SMPP contract suites: bind, enquire_link, submit_sm_resp, the receipt's layout and TLVs, a
refused bind; green against the fakes and a second hub over SMPP and SMPP/TLS, and a dropped
receipt TLV named."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from pytest_smsmock import cli
from pytest_smsmock.contracts import SMPP_PROVIDERS, SmppTarget, load_smpp_suite, run_contracts
from pytest_smsmock.contracts.smpp import FAKE_TICK, receipt_layout, record_smpp, run_smpp
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp import TlvTag


@pytest.fixture
def live(loopback_only: list[str]) -> Iterator[SmsMock]:
    with SmsMock(providers=SMPP_PROVIDERS) as hub:
        for provider in SMPP_PROVIDERS:
            getattr(hub, provider).add_account("liveuser", "livepw")
        yield hub


@pytest.mark.parametrize("provider", SMPP_PROVIDERS)
def test_every_smpp_suite_passes_against_its_fake(provider: str) -> None:
    report = run_contracts([load_smpp_suite(provider)])
    assert report.drifts == {}
    assert [c.outcome for c in report.cases] == ["ok"] * 5


@pytest.mark.parametrize("provider", SMPP_PROVIDERS)
def test_shipped_smpp_suite_is_what_the_fake_records(provider: str) -> None:
    assert record_smpp(provider).as_dict() == load_smpp_suite(provider).as_dict()


def target(hub: SmsMock, provider: str, *, tls: bool = False) -> SmppTarget:
    fake = getattr(hub, provider)
    host, port = fake.smpp_tls_address if tls else fake.smpp_address
    return SmppTarget(
        host=host,
        port=port,
        username="liveuser",
        password="livepw",
        tls=tls,
        ca_file=hub.ca_file,
        description="live",
        wait=lambda: hub.clock.advance(FAKE_TICK),
    )


@pytest.mark.parametrize("provider", SMPP_PROVIDERS)
@pytest.mark.parametrize("tls", [False, True], ids=["plain", "tls"])
def test_live_second_hub_over_smpp(live: SmsMock, provider: str, tls: bool) -> None:
    if tls and provider == "broadnet":
        pytest.skip("the Broadnet fake has no TLS SMPP listener")
    report = run_smpp(load_smpp_suite(provider), target(live, provider, tls=tls), allow_sends=True)
    assert report.drifts == {}
    assert [c.outcome for c in report.cases] == ["ok"] * 5


def test_read_only_by_default(live: SmsMock) -> None:
    report = run_smpp(load_smpp_suite("infobip"), target(live, "infobip"))
    assert {c.name: c.outcome for c in report.cases} == {
        "bind-transceiver": "ok",
        "enquire-link": "ok",
        "submit-sm": "skipped",
        "delivery-receipt": "skipped",
        "bind-wrong-password": "ok",
    }
    assert len(live.infobip.messages) == 0


def test_a_dropped_receipt_tlv_and_a_refused_bind_code_are_named(
    live: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    service: Any = live.infobip.smpp
    tlvs = service.receipt_tlvs
    monkeypatch.setattr(
        service,
        "receipt_tlvs",
        lambda *a: tuple(t for t in tlvs(*a) if t.tag != TlvTag.MESSAGE_STATE),
    )
    report = run_smpp(load_smpp_suite("infobip"), target(live, "infobip"), allow_sends=True)
    found = {k: [(d.field, d.kind) for d in v] for k, v in report.drifts.items()}
    assert found == {"infobip/delivery-receipt": [("$.tlvs.0x0427", "missing")]}


def test_receipt_layout_keeps_names_and_kinds() -> None:
    text = (
        "id:123 sub:001 dlvrd:001 submit date:2501010000 done date:2501010001 stat:DELIVRD err:000"
    )
    layout = receipt_layout(text + " text:hello")
    assert re.fullmatch(layout, text + " text:anything at all")
    other = "id:9 sub:1 dlvrd:1 submit date:2501010000 done date:2501010001 stat:UNDELIV err:001"
    assert re.fullmatch(layout, other)
    assert not re.fullmatch(layout, other.replace("stat:", "state:"))


def test_cli_runs_smpp_suites_on_fakes_and_live(live: SmsMock) -> None:
    assert cli.main(["contract", "run", "enhanced_smpp"]) == 0
    host, port = live.enhanced_smpp.smpp_address
    argv = [
        "contract",
        "run",
        "enhanced_smpp",
        "--smpp",
        f"{host}:{port}",
        "--username",
        "liveuser",
        "--password",
        "livepw",
        "--receipt-timeout",
        "1",
    ]
    assert cli.main(argv) == 0  # read-only: no receipt to wait for
    assert cli.main(["contract", "run", "enhanced_smpp", "--smpp", "nocolon"]) == 2
