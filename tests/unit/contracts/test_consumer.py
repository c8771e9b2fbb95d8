"""Consumer contracts read from a recording: credentials back as placeholders wherever the
recording redacted them, captures of earlier answers, faulted exchanges left out; a cassette
file loads as contracts, a broken one is unusable input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_smsmock.contracts import ContractError, load_contracts
from pytest_smsmock.contracts.consumer import consumer_contracts
from pytest_smsmock.recording.cassette import Cassette, HttpExchange

JSON = (("Content-Type", "application/json"),)


def exchange(**fields: object) -> HttpExchange:
    base: dict[str, object] = {"at": 0.0, "provider": "broadnet", "method": "GET", "status": 200}
    return HttpExchange(**{**base, **fields})  # type: ignore[arg-type]


def test_credentials_come_back_as_placeholders_by_field_name() -> None:
    cassette = Cassette(
        interactions=(
            exchange(
                path="/websmpp/balanceReport",
                query="userid=shop&accesskey=REDACTED",
                response_headers=(("Content-Type", "text/plain"),),
                response_body=b"Balance: 10",
            ),
            exchange(
                method="POST",
                path="/websmpp/json/sms",
                headers=(*JSON, ("Authorization", "App REDACTED")),
                body=b'{"campaign": {"username": "shop", "password": "REDACTED", "apikey": '
                b'"REDACTED"}}',
                response_headers=JSON,
                response_body=b'{"response": {"batch_id": "123456789012345"}}',
            ),
            exchange(
                method="POST",
                path="/websmpp/xmlstatus",
                body=b"<enquiry><username>shop</username><password>REDACTED</password>"
                b"<batch_id>123456789012345</batch_id></enquiry>",
                response_body=b"ok",
            ),
            exchange(
                method="POST",
                path="/websmpp/websms",
                headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                body=b"user=shop&pass=REDACTED&accesskey=REDACTED&text=hi",
                status=0,
                fault="reset",
            ),
        )
    )
    (contract,) = consumer_contracts(cassette)
    balance, send, status = (i.request for i in contract.interactions)
    assert balance["query"] == {"userid": "${username}", "accesskey": "${api_key}"}
    assert send["auth"] == "app"
    assert send["body"] == (
        '{"campaign": {"username": "${username}", "password": "${password}", "apikey": '
        '"${api_key}"}}'
    )
    assert status["body"] == (
        "<enquiry><username>${username}</username><password>${password}</password>"
        "<batch_id>${c1}</batch_id></enquiry>"
    )
    assert contract.interactions[1].capture == {"c1": "$.response.batch_id"}
    assert "REDACTED" not in contract.dumps() and "shop" not in contract.dumps()


def test_a_form_body_gets_its_user_name_and_key_back() -> None:
    cassette = Cassette(
        interactions=(
            exchange(
                method="POST",
                path="/sys/send.php",
                body=b"login=shop&apikey=REDACTED&phones=79991234567",
                response_body=b"OK",
            ),
        )
    )
    (contract,) = consumer_contracts(cassette)
    assert contract.interactions[0].request["body"] == (
        "login=${username}&apikey=${api_key}&phones=79991234567"
    )


def test_cassette_files_load_as_contracts_and_broken_ones_are_unusable(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(
        Cassette(interactions=(exchange(path="/websmpp/websmsstatus", query="respid=1"),)).dumps()
    )
    (contract,) = load_contracts(good)
    assert contract.source == str(good) and contract.interactions[0].request["path"] == (
        "/websmpp/websmsstatus"
    )
    broken = tmp_path / "broken.yaml"
    broken.write_text("cassette: 1\ninteractions: [{kind: http}]\n")
    with pytest.raises(ContractError, match=r"broken\.yaml:2: interactions"):
        load_contracts(broken)
    empty = tmp_path / "empty.yaml"
    empty.write_text("cassette: 1\ninteractions: []\n")
    with pytest.raises(ContractError, match="holds no request"):
        load_contracts(empty)
