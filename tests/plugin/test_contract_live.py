"""`pytest --smsmock-live=PROVIDER`: the contract suites as test items, against the in-process
fake (no target), or a second hub playing the provider: its URL (HTTP) and its SMPP listener
(plain and TLS)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_smsmock.contracts import load_suites
from pytest_smsmock.hub import SmsMock


@pytest.fixture
def live(loopback_only: list[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsMock]:
    with SmsMock(providers=("smsc",)) as hub:
        hub.smsc.add_account("live-user", "live-s3cret")
        monkeypatch.setenv("SMSMOCK_LIVE_USERNAME", "live-user")
        monkeypatch.setenv("SMSMOCK_LIVE_PASSWORD", "live-s3cret")
        yield hub


def count(provider: str, *, sends: bool | None = None) -> int:
    (suite,) = [s for s in load_suites(provider) if s.protocol == "http"]
    return sum(1 for i in suite.interactions if sends is None or i.sends == sends)


def test_live_cases_pass_and_sends_are_skipped(pytester: pytest.Pytester, live: SmsMock) -> None:
    result = pytester.runpytest("--smsmock-live=smsc", f"--smsmock-live-url={live.smsc.url}", "-v")
    skipped = count("smsc", sends=True) + 5  # status cases need the id of the first send
    skipped += 1  # the API-key case: no SMSMOCK_LIVE_API_KEY here
    result.assert_outcomes(passed=count("smsc") - skipped, skipped=skipped)
    result.stdout.fnmatch_lines(["*contract?smsc/balance-fmt3? PASSED*"])
    assert len(live.smsc.messages) == 0
    every = pytester.runpytest(
        "--smsmock-live=smsc", f"--smsmock-live-url={live.smsc.url}", "--smsmock-live-allow-sends"
    )
    every.assert_outcomes(passed=count("smsc") - 1, skipped=1)


def test_a_drift_fails_its_case_with_the_field(
    pytester: pytest.Pytester, live: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatch = live.smsc.dispatch

    def altered(request, listener):  # type: ignore[no-untyped-def]
        response = dispatch(request, listener)
        if request.path == "/sys/balance.php":
            response.set_data(response.get_data(as_text=True).replace('"balance"', '"bal"'))
        return response

    monkeypatch.setattr(live.smsc, "dispatch", altered)
    result = pytester.runpytest("--smsmock-live=smsc", f"--smsmock-live-url={live.smsc.url}")
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2
    result.stdout.fnmatch_lines(
        ["*smsmock: smsc/balance-fmt3 drifted from its contract:", "*missing*$.balance*"]
    )
    assert "live-s3cret" not in result.stdout.str()


def test_without_a_target_the_suites_run_against_the_fake(pytester: pytest.Pytester) -> None:
    """What a team sees before pointing the items at a real account: HTTP and SMPP suites,
    sends included (the fake costs nothing), all passing."""
    result = pytester.runpytest("--smsmock-live=infobip", "-v")
    result.assert_outcomes(passed=count("infobip") + 5)
    result.stdout.fnmatch_lines(
        [
            "*contract?infobip/rest-v2-send-text? PASSED*",
            "*contract?infobip-smpp/delivery-receipt? PASSED*",
        ]
    )
    assert pytester.runpytest("--smsmock-live=enhanced_smpp").ret == pytest.ExitCode.OK


def test_smpp_items_against_a_live_smsc_plain_and_tls(
    pytester: pytest.Pytester, live_smsc: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SMSMOCK_LIVE_USERNAME", "liveuser")
    monkeypatch.setenv("SMSMOCK_LIVE_PASSWORD", "livepw")
    host, port = live_smsc.infobip.smpp_address
    read_only = pytester.runpytest("--smsmock-live=infobip", f"--smsmock-live-smpp={host}:{port}")
    read_only.assert_outcomes(passed=3, skipped=2)  # bind, enquire_link, refused bind
    host, port = live_smsc.infobip.smpp_tls_address
    tls = [f"--smsmock-live-smpp={host}:{port}", "--smsmock-live-smpp-tls"]
    tls += [f"--smsmock-live-ca-file={live_smsc.ca_file}", "--smsmock-live-receipt-timeout=10"]
    every = pytester.runpytest("--smsmock-live=infobip", *tls, "--smsmock-live-allow-sends", "-v")
    every.assert_outcomes(passed=5)
    every.stdout.fnmatch_lines(["*contract?infobip-smpp/delivery-receipt? PASSED*"])
    assert len(live_smsc.infobip.messages) == 1


def test_a_dropped_receipt_tlv_fails_its_smpp_item(
    pytester: pytest.Pytester, live_smsc: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_smsmock.smpp import TlvTag

    monkeypatch.setenv("SMSMOCK_LIVE_USERNAME", "liveuser")
    monkeypatch.setenv("SMSMOCK_LIVE_PASSWORD", "livepw")
    service = live_smsc.infobip.smpp
    assert service is not None
    receipt_tlvs = service.receipt_tlvs
    monkeypatch.setattr(
        service,
        "receipt_tlvs",
        lambda *a: tuple(t for t in receipt_tlvs(*a) if t.tag != TlvTag.MESSAGE_STATE),
    )
    host, port = live_smsc.infobip.smpp_address
    result = pytester.runpytest(
        "--smsmock-live=infobip",
        f"--smsmock-live-smpp={host}:{port}",
        "--smsmock-live-allow-sends",
        "--smsmock-live-receipt-timeout=10",
    )
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(
        [
            "*smsmock: infobip/delivery-receipt drifted from its contract:",
            "*missing*$.tlvs.0x0427: expected integer, got absent",
        ]
    )
    assert "livepw" not in result.stdout.str()


def test_usage_errors(pytester: pytest.Pytester) -> None:
    bad = pytester.runpytest("--smsmock-live=nosuch")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    no_http = pytester.runpytest("--smsmock-live=enhanced_smpp", "--smsmock-live-url=http://x:9")
    assert no_http.ret == pytest.ExitCode.USAGE_ERROR
    no_port = pytester.runpytest("--smsmock-live=infobip", "--smsmock-live-smpp=nocolon")
    assert no_port.ret == pytest.ExitCode.USAGE_ERROR
