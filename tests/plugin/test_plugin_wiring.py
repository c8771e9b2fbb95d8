"""The plugin's wiring of intercept, virtual sleep, bundled scenarios and load errors, as a
downstream suite sees it (pytester)."""

from __future__ import annotations

import pytest

INTERCEPTED = """
    import pytest
    import requests

    def balance():
        return requests.get("https://smsc.ru/sys/balance.php",
                            params={"login": "test", "psw": "test", "fmt": 3}, timeout=5)
"""


def test_ini_turns_intercept_on_for_every_test(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_intercept = true\n")
    pytester.makepyfile(
        INTERCEPTED
        + """
    def test_served(smsmock):
        assert balance().json() == {"balance": "1000.00"}

    @pytest.mark.smsmock(intercept=False)
    def test_marker_wins(smsmock):
        from urllib3.connectionpool import HTTPConnectionPool
        assert HTTPConnectionPool.urlopen.__module__ == "urllib3.connectionpool"
    """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_marker_strict_and_the_patches_end_with_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        INTERCEPTED
        + """
    from urllib3.connectionpool import HTTPConnectionPool
    from pytest_smsmock.errors import InterceptError

    ORIGINAL = HTTPConnectionPool.urlopen

    @pytest.mark.smsmock(intercept="strict")
    def test_strict(smsmock):
        assert balance().ok
        with pytest.raises(InterceptError, match="strict"):
            requests.get("https://example.com/", timeout=5)

    def test_after(smsmock):
        assert HTTPConnectionPool.urlopen is ORIGINAL

    @pytest.mark.smsmock(intercept="yes")
    def test_bad_value(smsmock):
        pass
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*intercept=...) takes True, False or 'strict', not 'yes'*"])


def test_bad_ini_value_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_intercept = maybe\n")
    pytester.makepyfile("def test_it(smsmock):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*smsmock_intercept must be false, true or strict*"])


def test_patch_sleep_marker_and_fixture(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import time
        import pytest

        REAL = time.sleep

        @pytest.mark.smsmock(patch_sleep=True)
        def test_marker(smsmock):
            for _ in range(10):
                time.sleep(60)
            assert (smsmock.clock.now() - smsmock.clock.start).total_seconds() == 600

        def test_fixture(smsmock, smsmock_sleep):
            time.sleep(3600)
            assert smsmock_sleep.slept == [3600]

        def test_restored(smsmock):
            assert time.sleep is REAL
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_bundled_scenarios_load_by_name(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(scenario="slow_dlrs")
        def test_by_name(smsmock):
            assert smsmock.scenario.description.startswith("Long-tailed DLR delays")
            (loaded,) = smsmock.journal.entries(channel="scenario")
            assert loaded.summary == "loaded slow_dlrs (bundled)"

        @pytest.mark.smsmock(scenario="failover.yaml")
        def test_by_file_name(smsmock):
            assert smsmock.scenario.source == "failover (bundled)"

        def test_mid_test(smsmock):
            smsmock.load_scenario("mixed_outcomes")
            assert smsmock.scenario.source == "mixed_outcomes (bundled)"

        @pytest.mark.smsmock(scenario="no_such_scenario")
        def test_unknown(smsmock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*no_such_scenario: cannot read*bundled scenarios: *slow_dlrs*"])


def test_a_scenario_load_error_is_printed_once_with_file_and_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "bad.yaml").write_text(
        "version: 1\nrules:\n  - match: {provider: infobip}\n"
        "    dlr:\n      - {after: 5 mins, status: delivered}\n"
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(scenario="scenarios/bad.yaml")
        def test_it(smsmock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    where = "scenarios/bad.yaml:5: rules[0].dlr[0].after: '5 mins' is not valid here"
    full = [line for line in output.splitlines() if line.startswith(where)]
    assert len(full) == 1, output  # named relative to the rootdir, printed once
    assert "During handling of the above exception" not in output


def test_journal_names_the_scenario_relative_to_the_rootdir(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "shop.yaml").write_text("version: 1\nseed: 3\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(scenario="scenarios/shop.yaml")
        def test_it(smsmock):
            assert smsmock.scenario.source == "scenarios/shop.yaml"
            assert '"summary": "loaded scenarios/shop.yaml"' in smsmock.journal.dumps()
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
