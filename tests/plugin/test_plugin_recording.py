"""Recording and replay as a downstream suite sees them: --smsmock-record writes one cassette
per test, the `replay=` marker replays one in another test, a strict replay that went
otherwise fails that test at teardown with the near-miss report."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

TESTS = """
import pytest, requests

def send(smsmock, text):
    form = {"login": "test", "psw": "test", "phones": "79991234567", "mes": text, "fmt": "3"}
    return requests.post(smsmock.smsc.url + "/sys/send.php", data=form, timeout=5)

def test_send(smsmock):
    assert send(smsmock, "hello").json()["cnt"] == 1
    smsmock.clock.advance("10s")
    assert smsmock.cassette().interactions  # the current test's cassette

@pytest.mark.smsmock(replay="cassettes/test_flow/test_send.yaml")
def test_replayed(smsmock):
    assert send(smsmock, "hello").json()["cnt"] == 1
    assert len(smsmock.smsc.messages) == 0  # the cassette answered, not the fake

@pytest.mark.smsmock(replay="cassettes/test_flow/test_send.yaml")
def test_changed(smsmock):
    assert send(smsmock, "changed").status_code == 500

@pytest.mark.smsmock(replay="cassettes/test_flow/test_send.yaml", replay_mode="lenient")
def test_changed_lenient(smsmock):
    assert send(smsmock, "changed").json()["cnt"] == 1
"""


def test_record_a_test_then_replay_it_in_others(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_flow=TESTS)
    result = pytester.runpytest_subprocess(
        "-p", "no:cacheprovider", "--smsmock-record=cassettes", "-k", "test_send"
    )
    result.assert_outcomes(passed=1)
    cassette = pytester.path / "cassettes" / "test_flow" / "test_send.yaml"
    text = cassette.read_text()
    assert text.startswith("cassette: 1\nsource: test_flow.py::test_send\n")
    assert "psw=REDACTED" in text
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-k", "not test_send")
    result.assert_outcomes(passed=3, errors=1)  # test_changed fails at teardown
    result.stdout.fnmatch_lines(
        [
            "*smsmock: replay of *test_send.yaml (strict): 1 request(s) matched no recorded*",
            "*- smsc POST /sys/send.php at +0s",
            "*nearest recorded: interactions?0? smsc POST /sys/send.php",
            "*body.mes: recorded 'hello', got 'changed'",
            "*unused recorded interactions (1):",
        ]
    )


def test_cassette_without_recording_says_how_to_record(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest
        from pytest_smsmock.errors import ConfigError

        def test_it(smsmock):
            with pytest.raises(ConfigError, match="--smsmock-record=DIR"):
                smsmock.cassette()

        @pytest.mark.smsmock(record=True)
        def test_marked(smsmock):
            assert smsmock.cassette().interactions == ()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)
