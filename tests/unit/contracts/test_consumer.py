"""Consumer contracts read from a recording: credentials back as placeholders wherever the
recording redacted them, captures of earlier answers, faulted exchanges left out; a cassette
file loads as contracts, a broken one is unusable input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pytest_smsmock.contracts import ContractError, load_contracts
from pytest_smsmock.contracts.consumer import consumer_contracts
from pytest_smsmock.contracts.smpp import build_request, smpp_interactions
from pytest_smsmock.recording.cassette import Cassette, HttpExchange, SmppPdu
from pytest_smsmock.smpp import (
    BindReceiver,
    BindReceiverResp,
    BindTransceiver,
    BindTransceiverResp,
    BindTransmitter,
    BindTransmitterResp,
    DeliverSm,
    EnquireLink,
    EnquireLinkResp,
    QuerySm,
    QuerySmResp,
    SubmitSm,
    SubmitSmResp,
    Tlv,
    TlvTag,
    encode,
)

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


def pdu(direction: str, item: Any, session: int = 1) -> SmppPdu:
    return SmppPdu(
        at=0.0, provider="enhanced_smpp", session=session, direction=direction, data=encode(item)
    )


def test_smpp_sessions_become_interactions_and_what_cannot_replay_is_left_out() -> None:
    """A transmitter and a receiver (sessions numbered as opened), a refused bind, an
    enquire_link, a submit with a TLV and binary text, its receipt on the receiver; a query_sm,
    an MO and the fake's own enquire_link are not written."""
    receipt_text = (
        b"id:7 sub:001 dlvrd:001 submit date:2501010000 done date:2501010000 stat:DELIVRD err:000"
    )
    items = [
        pdu(
            "in",
            BindTransmitter(
                sequence_number=1, system_id="shop", password="REDACTED", system_type="OTP"
            ),
            7,
        ),
        pdu("out", BindTransmitterResp(sequence_number=1, system_id="SMSC"), 7),
        pdu("in", BindReceiver(sequence_number=1, system_id="shop", password="REDACTED"), 9),
        pdu("out", BindReceiverResp(sequence_number=1, system_id="SMSC"), 9),
        pdu("in", BindTransceiver(sequence_number=1, system_id="shop", password="REDACTED"), 11),
        pdu("out", BindTransceiverResp(sequence_number=1, command_status=0x0E), 11),
        pdu("in", EnquireLink(sequence_number=2), 7),
        pdu("out", EnquireLinkResp(sequence_number=2), 7),
        pdu("out", EnquireLink(sequence_number=5), 7),
        pdu(
            "in",
            SubmitSm(
                sequence_number=3,
                source_addr="Shop",
                destination_addr="38591000",
                short_message=b"\x00\x01",
                tlvs=(Tlv(tag=TlvTag.USER_MESSAGE_REFERENCE, value=5),),
            ),
            7,
        ),
        pdu("out", SubmitSmResp(sequence_number=3, message_id="7"), 7),
        pdu("in", QuerySm(sequence_number=4, message_id="7", source_addr="Shop"), 7),
        pdu("out", QuerySmResp(sequence_number=4, message_id="7", message_state=2), 7),
        pdu("out", DeliverSm(sequence_number=1, esm_class=0, short_message=b"an MO"), 9),
        pdu(
            "out",
            DeliverSm(
                sequence_number=2,
                esm_class=4,
                short_message=receipt_text,
                tlvs=(Tlv(tag=TlvTag.MESSAGE_STATE, value=2),),
            ),
            9,
        ),
    ]
    interactions = smpp_interactions(items)
    assert [(i.name, i.sends) for i in interactions] == [
        ("1-bind-transmitter", False),
        ("2-bind-receiver", False),
        ("3-bind-transceiver", False),
        ("4-enquire-link", False),
        ("5-submit-sm", True),
        ("6-delivery-receipt", True),
    ]
    bind_tx, bind_rx, refused, _, submit, receipt = interactions
    assert bind_tx.request == {
        "op": "bind",
        "bind": "transmitter",
        "fields": {"system_id": "${username}", "password": "${password}", "system_type": "OTP"},
    }
    assert bind_rx.request["session"] == 2
    assert refused.request == {"op": "bind_refused"} and refused.response["status"] == 0x0E
    assert submit.request["fields"] == {
        "source_addr": "Shop",
        "destination_addr": "38591000",
        "short_message": {"hex": "0001"},
        "tlvs": {"0x0204": 5},
    }
    assert receipt.request == {"op": "receipt", "session": 2}
    assert set(receipt.response["body"]["keys"]["tlvs"]["keys"]) == {"0x0427"}
    rebuilt = build_request(SubmitSm, submit.request["fields"], {}, 3)
    assert encode(rebuilt) == items[9].data  # the replay sends what the client sent
