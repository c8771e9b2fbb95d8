"""`pytest --smsmock-live=PROVIDER --smsmock-live-url=URL`: the contract suite as test items,
against a second hub playing the provider."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pytest_smsmock.hub import SmsMock


@pytest.fixture
def live(loopback_only: list[str], monkeypatch: pytest.MonkeyPatch) -> Iterator[SmsMock]:
    with SmsMock(providers=("smsc",)) as hub:
        hub.smsc.add_account("live-user", "live-s3cret")
        monkeypatch.setenv("SMSMOCK_LIVE_USERNAME", "live-user")
        monkeypatch.setenv("SMSMOCK_LIVE_PASSWORD", "live-s3cret")
        yield hub


def test_live_cases_pass_and_sends_are_skipped(pytester: pytest.Pytester, live: SmsMock) -> None:
    result = pytester.runpytest("--smsmock-live=smsc", f"--smsmock-live-url={live.smsc.url}", "-v")
    result.assert_outcomes(passed=9, skipped=9)
    result.stdout.fnmatch_lines(["*contract?smsc/balance-fmt3? PASSED*"])
    assert len(live.smsc.messages) == 0
    every = pytester.runpytest(
        "--smsmock-live=smsc", f"--smsmock-live-url={live.smsc.url}", "--smsmock-live-allow-sends"
    )
    every.assert_outcomes(passed=18)


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
    result.assert_outcomes(passed=7, failed=2, skipped=9)
    result.stdout.fnmatch_lines(
        ["*smsmock: smsc/balance-fmt3 drifted from its contract:", "*missing*$.balance*"]
    )
    assert "live-s3cret" not in result.stdout.str()


def test_usage_errors(pytester: pytest.Pytester) -> None:
    assert pytester.runpytest("--smsmock-live=smsc").ret == pytest.ExitCode.USAGE_ERROR
    bad = pytester.runpytest("--smsmock-live=nosuch", "--smsmock-live-url=http://127.0.0.1:9")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
