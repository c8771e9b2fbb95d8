"""The provider contract suites: green against the fakes, and "live" against a second hub acting
as the provider (its URL as --live, over HTTP and HTTPS with its test CA); a live fake altered on
purpose drifts in exactly the altered fields."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug import Request, Response

from pytest_smsmock import cli
from pytest_smsmock.contracts import PROVIDERS, load_suite, run_contracts
from pytest_smsmock.contracts.suites import record
from pytest_smsmock.hub import SmsMock

#: The case counts published in docs/contracts.md.
CASE_COUNTS = {"infobip": 26, "mimsms": 11, "broadnet": 14, "smsc": 19}
LIVE_KEY = "live-key-7f3a9c"
DOCS = Path(__file__).parents[3] / "docs" / "contracts.md"


@pytest.fixture
def live(loopback_only: list[str]) -> Iterator[SmsMock]:
    """A second hub playing the live provider; its account's password is not the fakes'."""
    with SmsMock(providers=PROVIDERS) as hub:
        for provider in PROVIDERS:
            fake = getattr(hub, provider)
            fake.add_account("live-user", "live-s3cret", api_key=LIVE_KEY)
        yield hub


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_suite_passes_against_its_fake(provider: str) -> None:
    report = run_contracts([load_suite(provider)])
    assert report.drifts == {}
    assert {c.outcome for c in report.cases} == {"ok"}
    assert report.summary()[provider]["cases"] == CASE_COUNTS[provider]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_shipped_suite_is_what_the_fake_records(provider: str) -> None:
    """Regenerate with `python -m pytest_smsmock.contracts` after a deliberate change."""
    assert record(provider).as_dict() == load_suite(provider).as_dict()


def test_docs_give_the_case_counts() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for provider, count in CASE_COUNTS.items():
        assert re.search(rf"\| {provider} \| {count} \|", text), provider
    for provider in ("infobip", "broadnet", "enhanced_smpp"):  # SMPP: 5 each
        assert re.search(rf"\| {provider} \|[^\n]*\| 5 \| 2 \|", text), provider


@pytest.mark.parametrize("provider", PROVIDERS)
def test_live_second_hub_gives_an_empty_report(live: SmsMock, provider: str) -> None:
    report = run_contracts(
        [load_suite(provider)],
        live=getattr(live, provider).url,
        username="live-user",
        password="live-s3cret",
        api_key=LIVE_KEY,
        allow_sends=True,
    )
    assert report.drifts == {}
    assert {c.outcome for c in report.cases} == {"ok"}
    assert report.target.startswith("live http://127.0.0.1:")


def test_live_over_https_with_the_test_ca(live: SmsMock) -> None:
    report = run_contracts(
        [load_suite("broadnet")],
        live=live.broadnet.https_url,
        username="live-user",
        password="live-s3cret",
        ca_file=live.ca_file,
        allow_sends=True,
    )
    assert report.drifts == {} and report.target.startswith("live https://")
    untrusted = run_contracts(
        [load_suite("broadnet")],
        live=live.broadnet.https_url,
        username="live-user",
        password="live-s3cret",
    )
    assert {d.kind for ds in untrusted.drifts.values() for d in ds} == {"error"}


def test_read_only_by_default_sends_nothing(live: SmsMock) -> None:
    report = run_contracts(
        [load_suite("infobip")],
        live=live.infobip.url,
        username="live-user",
        password="live-s3cret",
    )
    skipped = {c.name for c in report.cases if c.outcome == "skipped"}
    assert "rest-v2-send-text" in skipped and "v3-plain-send" in skipped
    assert "rest-v3-logs-of-message" in skipped  # needs the id of a skipped send
    assert report.drifts == {}
    assert len(live.infobip.messages) == 0


def alter(
    fake: Any, monkeypatch: pytest.MonkeyPatch, change: Callable[[Request, Response], None]
) -> None:
    dispatch = fake.dispatch

    def altered(request: Request, listener: str) -> Response:
        response: Response = dispatch(request, listener)
        change(request, response)
        return response

    monkeypatch.setattr(fake, "dispatch", altered)


def _rename_key(data: Any, old: str, new: str) -> Any:
    if isinstance(data, dict):
        return {(new if k == old else k): _rename_key(v, old, new) for k, v in data.items()}
    if isinstance(data, list):
        return [_rename_key(v, old, new) for v in data]
    return data


def test_an_altered_fake_drifts_in_exactly_the_altered_fields(
    live: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def change(request: Request, response: Response) -> None:
        if request.path == "/sms/3/messages":  # a renamed key
            body = _rename_key(response.get_json(), "messageId", "messageID")
            response.set_data(json.dumps(body))
        elif request.path == "/sms/1/bulks/status":  # a status code changed
            response.status_code = 400
        elif request.path == "/sms/3/logs" and response.status_code == 200:  # a date format
            text = response.get_data(as_text=True)
            text = re.sub(
                r'"sentAt": ?"(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)[^"]*"', r'"sentAt": "\1 \2"', text
            )
            response.set_data(text)

    alter(live.infobip, monkeypatch, change)
    report = run_contracts(
        [load_suite("infobip")],
        live=live.infobip.url,
        username="live-user",
        password="live-s3cret",
        allow_sends=True,
    )
    found = {
        case: sorted((d.field, d.kind) for d in drifts) for case, drifts in report.drifts.items()
    }
    assert found == {
        "infobip/rest-v3-send": [
            ("$.messages[].messageID", "extra"),
            ("$.messages[].messageId", "missing"),
        ],
        "infobip/rest-bulk-unknown": [("status", "status")],
        "infobip/rest-v3-logs": [("$.results[].sentAt", "format")],
        "infobip/rest-v3-logs-of-message": [("$.results[].sentAt", "format")],
    }
    sent_at = report.drifts["infobip/rest-v3-logs"][0]
    assert (sent_at.expected, sent_at.actual) == ("datetime-ms-offset", "datetime-iso")
    assert report.summary()["infobip"]["drift"] == 4


def test_cli_exit_codes_reports_and_no_credentials(
    live: SmsMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["contract", "run", "smsc", "mimsms"]) == 0
    monkeypatch.setenv("SMSMOCK_LIVE_USERNAME", "live-user")
    monkeypatch.setenv("SMSMOCK_LIVE_PASSWORD", "live-s3cret")
    monkeypatch.setenv("SMSMOCK_LIVE_API_KEY", LIVE_KEY)
    out = tmp_path / "out.json"
    argv = [
        "contract",
        "run",
        "smsc",
        "--live",
        live.smsc.url,
        "--allow-sends",
        "--report",
        str(out),
    ]
    assert cli.main(argv) == 0
    assert json.loads(out.read_text())["summary"]["smsc"]["ok"] == CASE_COUNTS["smsc"]

    def change(request: Request, response: Response) -> None:
        if request.path == "/sys/balance.php":
            response.set_data(response.get_data(as_text=True).replace('"balance"', '"bal"'))

    alter(live.smsc, monkeypatch, change)
    live.clock.advance("2m")  # SMSC.ru refuses the same send twice within a minute
    assert cli.main(argv) == 1
    report = json.loads(out.read_text())
    drifted = [c for c in report["cases"] if c["outcome"] == "drift"]
    assert {c["case"] for c in drifted} == {
        "balance-fmt3",
        "balance-fmt3-currency",
        "balance-apikey-fmt3",
    }
    assert drifted[0]["drifts"] == [
        {"field": "$.balance", "kind": "missing", "expected": "string", "actual": "absent"},
        {"field": "$.bal", "kind": "extra", "expected": "absent", "actual": "string"},
    ]
    printed = capsys.readouterr().out
    assert "DRIFT   smsc/balance-fmt3" in printed and "missing      $.balance" in printed
    for text in (printed, out.read_text()):
        assert "live-s3cret" not in text and "live-user" not in text and LIVE_KEY not in text
    assert cli.main(["contract", "run", "nosuch"]) == 2
    assert cli.main(["contract", "verify", str(tmp_path / "missing.yaml")]) == 2


@pytest.mark.parametrize(
    ("provider", "keyed"),
    [
        ("infobip", {"rest-v3-logs-app-key", "rest-v2-send-text-app-key"}),
        ("broadnet", {"balance-accesskey", "websms-send-accesskey"}),
        ("smsc", {"balance-apikey-fmt3"}),
    ],
)
def test_api_key_alone_runs_the_key_cases_and_never_reports_the_key(
    live: SmsMock,
    provider: str,
    keyed: set[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`--api-key K` without a password: the cases that authenticate with the key run (and
    pass), those that need the password are skipped saying so; the key is in no report, even
    where the live answer echoes it (Broadnet's balance altered to do so)."""
    out = tmp_path / "out.json"
    argv = ["contract", "run", provider, "--live", getattr(live, provider).url]
    argv += ["--api-key", LIVE_KEY, "--allow-sends", "--report", str(out)]
    assert cli.main(argv) == 0
    cases = json.loads(out.read_text())["cases"]
    assert {c["case"] for c in cases if c["outcome"] == "ok"} >= keyed
    reasons = {c.get("reason", "") for c in cases if c["outcome"] == "skipped"}
    assert "needs username: give --username or $SMSMOCK_LIVE_USERNAME" in reasons
    printed = capsys.readouterr().out
    assert LIVE_KEY not in printed + out.read_text()
    if provider != "broadnet":
        return

    def echo(request: Request, response: Response) -> None:
        if request.path == "/websmpp/balanceReport" and "accesskey" in request.args:
            response.set_data(f"ERROR - HTTP26 --> unknown key {request.args['accesskey']}")

    alter(live.broadnet, monkeypatch, echo)
    assert cli.main(argv) == 1
    printed = capsys.readouterr().out
    assert "balance-accesskey" in printed and "unknown\\ key\\ \\*\\*\\*" in printed
    assert LIVE_KEY not in printed + out.read_text()
