"""The plugin as a downstream suite sees it (pytester)."""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ["pytester"]


def test_fixture_exposes_every_provider_and_the_clock(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, urllib.error

        def test_it(smsmock):
            for name in ("infobip", "mimsms", "broadnet", "smsc", "enhanced_smpp"):
                fake = getattr(smsmock, name)
                assert fake.accounts.authenticate("test", "test") is not None
                assert len(fake.messages) == 0
            assert smsmock.infobip.url.startswith("http://127.0.0.1:")
            before = smsmock.clock.now()
            smsmock.clock.advance("2h")
            assert (smsmock.clock.now() - before).total_seconds() == 7200
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_a_test_that_uses_one_provider_builds_only_that_one(pytester: pytest.Pytester) -> None:
    """The fakes are built on first use: a suite that only talks to Infobip never imports the
    other providers' packages nor the libraries only they need (Broadnet's XLS/PDF writers), and
    a provider used later in the session starts its listeners then. Within Infobip, a test that
    speaks REST loads neither the legacy API v3 (its sending rules, status tables, Number
    Context, the XML escaping) nor, without a scenario, the scenario engine, model and fault
    kinds; each works when a later test asks for it."""
    pytester.makepyfile(
        """
        import sys
        import requests

        HEAVY = ("openpyxl", "xlwt", "fpdf", "pytest_smsmock.providers.broadnet",
                 "pytest_smsmock.providers.smsc", "pytest_smsmock.providers.enhanced_smpp")
        LAZY = ("pytest_smsmock.providers.infobip.v3", "pytest_smsmock.providers.infobip.sending",
                "pytest_smsmock.providers.infobip.hlr", "xml.sax",
                "pytest_smsmock.scenario.engine", "pytest_smsmock.scenario.model",
                "pytest_smsmock.scenario.loader", "pytest_smsmock.scenario.faults")

        def send(fake, to="385911234567"):
            body = {"messages": [{"destinations": [{"to": to}], "text": "hi"}]}
            answer = requests.post(fake.url + "/sms/2/text/advanced", json=body,
                                   auth=("test", "test"), timeout=10)
            assert answer.status_code == 200, answer.text
            return answer.json()["messages"][0]["messageId"]

        def test_infobip_rest_only(smsmock):
            send(smsmock.infobip)
            smsmock.clock.advance("10s")
            assert [m.status for m in smsmock.infobip.messages] == ["delivered"]
            assert [f.name for f in smsmock.built_fakes()] == ["infobip"]
            assert [m for m in HEAVY + LAZY if m in sys.modules] == []

        def test_v3_and_a_scenario_later(smsmock):
            answer = requests.get(smsmock.infobip.url + "/api/command",
                                  params={"username": "test", "password": "test", "cmd": "CREDITS"},
                                  timeout=10)
            assert answer.status_code == 200 and answer.text
            assert "pytest_smsmock.providers.infobip.v3" in sys.modules
            smsmock.load_scenario({"version": 1, "rules": [
                {"match": {"to": "38591*"}, "dlr": [{"after": "1s", "status": "undeliverable"}]},
                {"match": {"to": "38592*"}, "fault": {"kind": "http_status", "status": 503}}]})
            send(smsmock.infobip)
            smsmock.clock.advance("2s")
            assert [m.status for m in smsmock.infobip.messages] == ["undeliverable"]
            body = {"messages": [{"destinations": [{"to": "385921234567"}], "text": "hi"}]}
            answer = requests.post(smsmock.infobip.url + "/sms/2/text/advanced", json=body,
                                   auth=("test", "test"), timeout=10)
            assert answer.status_code == 503
            assert "pytest_smsmock.scenario.engine" in sys.modules

        def test_broadnet_later(smsmock):
            assert "broadnet" not in [f.name for f in smsmock.built_fakes()]
            url = smsmock.broadnet.url + "/websmpp/balanceReport"
            answer = requests.get(url, params={"userid": "test", "password": "test"}, timeout=10)
            assert answer.status_code == 200 and answer.text
            assert "pytest_smsmock.providers.broadnet" in sys.modules
        """
    )
    # A process of its own: an inline run would share this process's imports.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_a_test_that_uses_http_only_builds_no_smpp_side(pytester: pytest.Pytester) -> None:
    """A provider's SMPP side (its service, listeners, the SMPP layer) is built on its first
    SMPP use, and a TLS listener (SMPP or HTTPS) starts when its address is first asked for:
    a test that speaks plain HTTP to Infobip and Broadnet loads none of it and nothing else
    listens; one that speaks plain SMPP makes no test CA; later tests get working SMPP/TLS
    and HTTPS listeners."""
    pytester.makepyfile(
        """
        import sys
        import requests
        import smpplib.client

        CA = ("trustme", "cryptography")
        SMPP = ("pytest_smsmock.smpp", "pytest_smsmock.servers.smpp",
                "pytest_smsmock.providers.smpp_common", "pytest_smsmock.providers.infobip.smpp")

        def submit(fake, address, context=None):
            client = smpplib.client.Client(*address, timeout=5, ssl_context=context)
            client.connect()
            try:
                client.bind_transceiver(system_id="test", password="test")
                client.send_message(source_addr="38591000", destination_addr="385911234567",
                                    short_message=b"hi")
                answer = client.read_pdu()
                assert answer.command == "submit_sm_resp" and answer.status == 0
                assert [s.tls for s in fake.smpp.bound_sessions()] == [context is not None]
            finally:
                client.disconnect()

        def test_http_only(smsmock):
            answer = requests.get(smsmock.infobip.url + "/api/command",
                                  params={"username": "test", "password": "test", "cmd": "CREDITS"},
                                  timeout=10)
            assert answer.status_code == 200
            answer = requests.get(smsmock.broadnet.url + "/websmpp/balanceReport",
                                  params={"userid": "test", "password": "test"}, timeout=10)
            assert answer.status_code == 200 and answer.text
            assert not smsmock.infobip.smpp_built and not smsmock.broadnet.smpp_built
            kinds = [(name, kind) for name, kind, _ in smsmock.endpoints()]
            assert kinds == [("infobip", "http:primary"), ("infobip", "http:secondary"),
                             ("broadnet", "http:primary")]
            assert smsmock.smpp_server is None
            assert [m for m in SMPP + CA if m in sys.modules] == []

        def test_plain_smpp(smsmock):
            fake = smsmock.infobip
            assert not fake.smpp_built
            submit(fake, fake.smpp_address)
            assert [kind for name, kind, _ in smsmock.endpoints() if name == "infobip"][2:] == [
                "smpp:plain"]
            assert [m for m in CA if m in sys.modules] == []

        def test_smpp_tls_later(smsmock):
            fake = smsmock.infobip
            assert fake.smpp_built and "trustme" not in sys.modules
            address = fake.smpp_tls_address  # the TLS listener starts, the test CA is made
            trusting = smsmock.client_ssl_context()
            trusting.check_hostname = False  # smpplib passes no server_hostname
            submit(fake, address, trusting)
            submit(fake, fake.smpp_address)
            assert [m.protocol for m in fake.messages] == ["smpp", "smpp"]

        def test_https_later(smsmock):
            answer = requests.get(smsmock.broadnet.https_url + "/websmpp/balanceReport",
                                  params={"userid": "test", "password": "test"},
                                  verify=smsmock.ca_file, timeout=10)
            assert answer.status_code == 200 and answer.text
        """
    )
    # A process of its own: an inline run would share this process's imports.
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=4)


def test_the_package_is_loaded_unrewritten_and_test_files_still_are(
    pytester: pytest.Pytester,
) -> None:
    """pytest's assertion rewriter leaves the package to Python's importer (it asserts nothing a
    user reads, and the rewriter's loader is slower); a user's test file is rewritten as ever,
    and a nested session in the same process does not warn about the package."""
    pytester.makepyfile(
        """
        import sys

        def test_loaders(smsmock):
            assert smsmock.infobip.url
            loaders = {type(sys.modules[name].__loader__).__name__
                       for name in ("pytest_smsmock.hub", "pytest_smsmock.providers.infobip.fake")}
            assert loaders == {"SourceFileLoader"}

        def test_user_asserts_still_explain_themselves():
            left = [1, 2]
            assert left == [1, 3]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*At index 1 diff: 2 != 3*"])
    inline = pytester.runpytest(
        "-p", "no:cacheprovider", "-W", "error::pytest.PytestAssertRewriteWarning", "-k", "user"
    )
    inline.assert_outcomes(failed=1)


def test_state_is_reset_between_tests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import datetime, timezone

        def test_first(smsmock):
            smsmock.infobip.add_account("shop", "pw")
            smsmock.infobip.inject_mo(sender="38591000000", text="hello")
            smsmock.clock.advance("1d")
            assert len(smsmock.journal) > 0

        def test_second(smsmock):
            assert "shop" not in smsmock.infobip.accounts
            assert len(smsmock.infobip.inbox) == 0
            assert smsmock.clock.now() == datetime(2025, 1, 1, tzinfo=timezone.utc)
            assert len(smsmock.journal) == 0
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_marker_loads_a_scenario_relative_to_the_test_file(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "shop.yaml").write_text(
        "version: 1\nseed: 9\nstart: 2024-05-01T10:00:00Z\n"
        "accounts:\n  smsc: [{username: shop, password: s3cret, balance: 12}]\n"
    )
    pytester.makepyfile(
        """
        import pytest
        from datetime import datetime, timezone

        @pytest.mark.smsmock(scenario="scenarios/shop.yaml")
        def test_file_seed(smsmock):
            assert smsmock.smsc.accounts.authenticate("shop", "s3cret").balance == 12
            assert smsmock.seed == 9
            assert smsmock.clock.now() == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)

        @pytest.mark.smsmock(scenario="scenarios/shop.yaml", seed=3)
        def test_marker_seed_wins(smsmock):
            assert smsmock.seed == 3

        def test_mid_test_load(smsmock):
            accounts = {"infobip": [{"username": "a", "password": "b"}]}
            smsmock.load_scenario({"version": 1, "accounts": accounts})
            assert "a" in smsmock.infobip.accounts
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=3)


def test_bad_scenario_fails_with_file_and_field_path(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("bad.yaml").write_text(
        "version: 1\naccounts:\n  infobip: [{username: shop}]\n"
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(scenario="bad.yaml")
        def test_it(smsmock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.yaml:3: accounts.infobip[[]0[]]*password*"])


def test_marker_with_unknown_arguments_is_a_usage_error(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.smsmock(sead=3)
        def test_it(smsmock):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stdout.fnmatch_lines(
        ["*unknown argument(s) [[]'sead'[]]; it takes scenario, seed, start*"]
    )


def test_seed_option_and_ini(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\nsmsmock_seed = 41\n")
    pytester.makepyfile(
        """
        def test_seed(smsmock, request):
            expected = int(request.config.getoption("smsmock_seed") or 41)
            assert smsmock.seed == expected
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    pytester.runpytest("-p", "no:cacheprovider", "--smsmock-seed", "7").assert_outcomes(passed=1)


def test_ids_follow_the_seed(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_ids(smsmock):
            print("ID", smsmock.infobip.new_id())
        """
    )
    one = pytester.runpytest("-p", "no:cacheprovider", "-s", "--smsmock-seed", "1")
    again = pytester.runpytest("-p", "no:cacheprovider", "-s", "--smsmock-seed", "1")
    other = pytester.runpytest("-p", "no:cacheprovider", "-s", "--smsmock-seed", "2")

    def ident(result: pytest.RunResult) -> str:
        return next(line for line in result.outlines if "ID " in line)

    assert ident(one) == ident(again)
    assert ident(one) != ident(other)


def test_realtime_clock_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        from datetime import datetime, timezone, timedelta

        def test_it(smsmock):
            assert smsmock.clock_mode == "realtime"
            assert abs(smsmock.clock.now() - datetime.now(timezone.utc)) < timedelta(minutes=1)
        """
    )
    pytester.runpytest("-p", "no:cacheprovider", "--smsmock-clock=realtime").assert_outcomes(
        passed=1
    )


def test_failed_test_gets_a_journal_section(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_it(smsmock):
            smsmock.infobip.inject_mo(sender="38591000001", text="STOP")
            assert False, "boom"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*smsmock journal*", "*infobip*mo*MO * from 38591000001*STOP*"])


def test_server_thread_errors_fail_the_test_at_teardown(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import urllib.request, urllib.error
        import pytest

        @pytest.fixture
        def broken(smsmock, monkeypatch):
            def crash(self, request, listener):
                raise RuntimeError("handler exploded")
            monkeypatch.setattr(type(smsmock.smsc), "handle_http", crash)

        def test_passes_but_server_failed(smsmock, broken):
            try:
                urllib.request.urlopen(smsmock.smsc.url + "/sys/send.php", timeout=5)
            except urllib.error.HTTPError:
                pass

        def test_already_failed(smsmock, broken):
            try:
                urllib.request.urlopen(smsmock.smsc.url + "/sys/send.php", timeout=5)
            except urllib.error.HTTPError:
                pass
            assert False, "own failure"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_passes_but_server_failed*"])
    result.stdout.fnmatch_lines(
        ["*smsmock: a fake failed while serving a request*handler exploded*"]
    )
    assert "ERROR at teardown of test_already_failed" not in result.stdout.str()


def test_works_under_xdist(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.parametrize("n", range(4))
        def test_it(smsmock, n):
            print("ID", smsmock.infobip.new_id())
            smsmock.infobip.add_account(f"u{n}", "p")
            assert len(smsmock.infobip.accounts) == 2
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=4)


def test_freezegun_is_configured_when_imported_not_before(pytester: pytest.Pytester) -> None:
    """The plugin keeps the transports on real time under freezegun without importing it (its
    import costs every session tens of ms): a session that never imports it does not load it,
    and one that does gets it configured before its tests freeze time."""
    pytester.makepyfile(
        test_none="""
        import sys

        def test_not_loaded(smsmock):
            assert smsmock.infobip.url
            assert "freezegun" not in sys.modules
        """,
        test_frozen="""
        import urllib.request
        import freezegun.config
        from freezegun import freeze_time

        def test_configured():
            assert "pytest_smsmock.servers" in freezegun.config.settings.default_ignore_list

        @freeze_time("2030-05-01 12:00:00")
        def test_transport_on_real_time(smsmock):
            url = smsmock.infobip.url + "/api/command?username=test&password=test&cmd=CREDITS"
            assert urllib.request.urlopen(url, timeout=10).status == 200
        """,
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_none.py")
    result.assert_outcomes(passed=1)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "test_frozen.py")
    result.assert_outcomes(passed=2)


def test_plugin_import_is_cheap(pytester: pytest.Pytester) -> None:
    result = pytester.run(
        sys.executable,
        "-c",
        "import sys, pytest_smsmock.plugin; "
        "names = ('pytest_smsmock.hub', 'werkzeug', 'lxml', 'yaml'); "
        "print('HEAVY', [m for m in names if m in sys.modules])",
    )
    assert "HEAVY []" in result.stdout.str()
