"""Consumer contracts: a downstream test run writes the interactions its client made and the
shapes of the answers; `smsmock contract verify` replays them: green against the fake, red with
the field named against an altered fake (a second hub as --live)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from werkzeug import Request, Response

from pytest_smsmock import cli
from pytest_smsmock.contracts import Contract, load_contracts
from pytest_smsmock.hub import SmsMock

DOWNSTREAM = """
import pytest
import requests

AUTH = ("test", "test")


@pytest.mark.smsmock(contract="contracts/notify-infobip.yaml")
def test_notify(smsmock):
    url = smsmock.infobip.url
    sent = requests.post(
        url + "/sms/2/text/advanced",
        json={"messages": [{"from": "Shop", "destinations": [{"to": "41793026727"}],
                            "text": "Your order shipped"}]},
        auth=AUTH, timeout=5,
    ).json()
    message_id = sent["messages"][0]["messageId"]
    logs = requests.get(url + "/sms/3/logs", params={"messageId": message_id}, auth=AUTH,
                        timeout=5).json()
    assert logs["results"][0]["messageId"] == message_id
    credits = requests.get(url + "/api/command", timeout=5,
                           params={"username": "test", "password": "test", "cmd": "CREDITS"})
    assert float(credits.text) > 0
"""


@pytest.fixture
def written(pytester: pytest.Pytester, loopback_only: list[str]) -> Path:
    pytester.makepyfile(test_notify=DOWNSTREAM)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
    return pytester.path / "contracts" / "notify-infobip.yaml"


@pytest.fixture
def live(loopback_only: list[str]) -> Iterator[SmsMock]:
    with SmsMock(providers=("infobip",)) as hub:
        hub.infobip.add_account("live-user", "live-s3cret")
        yield hub


def test_the_written_contract_holds_requests_shapes_and_no_credentials(written: Path) -> None:
    text = written.read_text()
    data = yaml.safe_load(text)
    assert data["provider"] == "infobip"
    send, logs, balance = data["interactions"]
    assert send["request"]["auth"] == "basic"
    assert send["capture"] == {"c1": "$.messages[0].messageId"}
    assert logs["request"]["query"] == {"messageId": "${c1}"}
    assert balance["request"]["query"] == {
        "username": "${username}",
        "password": "${password}",
        "cmd": "CREDITS",
    }
    assert logs["response"]["body"]["keys"]["results"]["each"]["keys"]["sentAt"] == {
        "type": "string",
        "format": "datetime-ms-offset",
    }
    assert balance["response"]["body"]["type"] == "text"


def test_verify_is_green_against_the_fake_and_a_live_hub(written: Path, live: SmsMock) -> None:
    assert cli.main(["contract", "verify", str(written)]) == 0
    argv = [
        "contract",
        "verify",
        str(written),
        "--live",
        live.infobip.url,
        "--username",
        "live-user",
        "--password",
        "live-s3cret",
        "--allow-sends",
    ]
    assert cli.main(argv) == 0


def test_verify_is_red_with_the_field_named_against_an_altered_fake(
    written: Path,
    live: SmsMock,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dispatch = live.infobip.dispatch

    def altered(request: Request, listener: str) -> Response:
        response: Response = dispatch(request, listener)
        if request.path == "/sms/3/logs":
            response.set_data(response.get_data(as_text=True).replace('"sentAt"', '"sent"'))
        return response

    monkeypatch.setattr(live.infobip, "dispatch", altered)
    report = tmp_path / "drift.json"
    argv = [
        "contract",
        "verify",
        str(written),
        "--live",
        live.infobip.url,
        "--username",
        "live-user",
        "--password",
        "live-s3cret",
        "--allow-sends",
        "--report",
        str(report),
    ]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "missing      $.results[].sentAt" in out and "extra        $.results[].sent" in out
    assert "live-s3cret" not in report.read_text() + out


def test_contract_out_writes_one_file_per_test(
    pytester: pytest.Pytester, loopback_only: list[str]
) -> None:
    pytester.makepyfile(
        test_notify=DOWNSTREAM.replace(
            '@pytest.mark.smsmock(contract="contracts/notify-infobip.yaml")', ""
        )
    )
    out = pytester.path / "out"
    pytester.runpytest(
        "-p", "no:cacheprovider", f"--smsmock-contract-out={out}", "--smsmock-record=cassettes"
    ).assert_outcomes(passed=1)
    (written,) = out.iterdir()
    assert written.name == "test_notify.py_test_notify.yaml"
    assert cli.main(["contract", "verify", str(written)]) == 0
    # The cassette of the same test is the same contract (one path), and verifies too.
    cassette = pytester.path / "cassettes" / "test_notify" / "test_notify.yaml"
    assert [c.as_dict() for c in load_contracts(cassette)] == [Contract.load(written).as_dict()]
    assert cli.main(["contract", "verify", str(cassette)]) == 0
