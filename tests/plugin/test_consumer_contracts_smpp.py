"""SMPP consumer contracts: a downstream test whose client (smpplib) talks SMPP to the fake writes
its bind, submit_sm, receipt and unbind with the answers' shapes; `smsmock contract verify`
replays them: green against the fake and a live hub (SMPP/TLS), red with the field named against
a fake altered on purpose (a receipt TLV dropped, the message_id format changed)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from pytest_smsmock import cli
from pytest_smsmock.contracts import Contract, load_contracts
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip.smpp import InfobipSmpp
from pytest_smsmock.smpp import TlvTag

DOWNSTREAM = """
import pytest
import smpplib.client


@pytest.mark.smsmock(contract="contracts/notify-smpp.yaml")
def test_notify_over_smpp(smsmock):
    fake = smsmock.infobip
    client = smpplib.client.Client(*fake.smpp_address, timeout=5, allow_unknown_opt_params=True)
    receipts = []
    client.set_message_received_handler(lambda pdu: receipts.append(pdu))
    client.connect()
    client.bind_transceiver(system_id="test", password="test")
    client.send_message(source_addr="Shop", destination_addr="385911234567",
                        short_message=b"Your order shipped", registered_delivery=1)
    client.read_once()                  # submit_sm_resp
    smsmock.clock.advance("5s")
    client.read_once()                  # the receipt (smpplib answers it)
    assert b"stat:DELIVRD" in receipts[0].short_message
    client.unbind()
    client.disconnect()
"""


@pytest.fixture
def written(pytester: pytest.Pytester, loopback_only: list[str]) -> Path:
    pytester.makepyfile(test_notify_smpp=DOWNSTREAM)
    pytester.runpytest("-p", "no:cacheprovider", "--smsmock-record=cassettes").assert_outcomes(
        passed=1
    )
    return pytester.path / "contracts" / "notify-smpp.yaml"


def test_the_written_contract_holds_the_smpp_session_and_verifies_green(
    written: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = yaml.safe_load(written.read_text())
    assert (data["provider"], data["protocol"]) == ("infobip", "smpp")
    bind, submit, receipt, unbind = data["interactions"]
    assert [i["request"]["op"] for i in data["interactions"]] == [
        "bind",
        "submit",
        "receipt",
        "unbind",
    ]
    assert bind["request"] == {
        "op": "bind",
        "bind": "transceiver",
        "fields": {"system_id": "${username}", "password": "${password}"},
    }
    assert bind["response"]["status"] == 0
    assert set(bind["response"]["body"]["keys"]["tlvs"]["keys"]) == {"0x0210"}
    assert submit["sends"] and submit["request"]["fields"]["short_message"] == "Your order shipped"
    assert submit["response"]["body"]["keys"]["message_id"] == {
        "type": "string",
        "format": "integer",
    }
    shape = receipt["response"]["body"]["keys"]
    assert set(shape["tlvs"]["keys"]) == {"0x001e", "0x0423", "0x0427"}
    assert shape["short_message"]["regex"].startswith(r"id:\d+\ sub:\d+\ dlvr:\d+")
    assert unbind["response"] == {"status": 0, "body": {"type": "object", "keys": {}}}
    assert cli.main(["contract", "verify", str(written)]) == 0
    assert "infobip: 4 cases, 4 ok" in capsys.readouterr().out


def test_a_cassette_verifies_as_the_contract_the_marker_wrote(
    written: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One path: the recording the marker's contract is read from is a cassette; `verify`
    reads a cassette file into the same contract."""
    cassette = written.parents[1] / "cassettes" / "test_notify_smpp" / "test_notify_over_smpp.yaml"
    (contract,) = load_contracts(cassette)
    assert contract.as_dict() == Contract.load(written).as_dict()
    assert cli.main(["contract", "verify", str(cassette)]) == 0
    assert "infobip: 4 cases, 4 ok" in capsys.readouterr().out


def test_verify_is_red_with_the_fields_named_against_an_altered_fake(
    written: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    receipt_tlvs = InfobipSmpp.receipt_tlvs
    submit = InfobipSmpp.submit

    def no_message_state(self: InfobipSmpp, *args: Any) -> Any:
        return tuple(t for t in receipt_tlvs(self, *args) if t.tag != TlvTag.MESSAGE_STATE)

    def hex_ids(self: InfobipSmpp, *args: Any) -> Any:
        response, fault = submit(self, *args)
        return dataclasses.replace(response, message_id=f"MSG-{response.message_id}"), fault

    monkeypatch.setattr(InfobipSmpp, "receipt_tlvs", no_message_state)
    monkeypatch.setattr(InfobipSmpp, "submit", hex_ids)
    report = tmp_path / "drift.json"
    assert cli.main(["contract", "verify", str(written), "--report", str(report)]) == 1
    drifted = {
        c["case"]: c["drifts"] for c in json.loads(report.read_text())["cases"] if c["drifts"]
    }
    assert drifted == {
        "2-submit-sm": [
            {
                "field": "$.message_id",
                "kind": "format",
                "expected": "integer",
                "actual": "alphanumeric-id",
            }
        ],
        "3-delivery-receipt": [
            {"field": "$.tlvs.0x0427", "kind": "missing", "expected": "integer", "actual": "absent"}
        ],
    }


def test_verify_against_a_live_smsc_over_tls_and_read_only(
    written: Path, live_smsc: SmsMock, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    live = live_smsc
    host, port = live.infobip.smpp_tls_address
    credentials = ["--username", "liveuser", "--password", "livepw"]
    every = ["--smpp", f"{host}:{port}", "--smpp-tls", "--ca-file", live.ca_file]
    every += [*credentials, "--allow-sends", "--receipt-timeout", "10"]
    assert cli.main(["contract", "verify", str(written), *every]) == 0
    assert "infobip: 4 cases, 4 ok" in capsys.readouterr().out
    assert len(live.infobip.messages) == 1
    host, port = live.infobip.smpp_address
    report = tmp_path / "read-only.json"
    argv = ["contract", "verify", str(written), "--smpp", f"{host}:{port}", *credentials]
    assert cli.main([*argv, "--report", str(report)]) == 0
    outcomes = {c["case"]: c["outcome"] for c in json.loads(report.read_text())["cases"]}
    assert outcomes == {
        "1-bind-transceiver": "ok",
        "2-submit-sm": "skipped",
        "3-delivery-receipt": "skipped",
        "4-unbind": "ok",
    }
    printed = capsys.readouterr().out
    assert "livepw" not in printed + report.read_text()
