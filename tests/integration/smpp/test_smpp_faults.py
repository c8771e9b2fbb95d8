"""Scenario faults performed by the SMPP listener (`Engine.smpp_fault`)."""

from __future__ import annotations

import socket
from typing import Any

from smpp_esme import RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.pdus import (
    BindTransceiver,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    GenericNack,
    SubmitSm,
    Unbind,
    UnbindResp,
)


def scenario(smsmock: SmsMock, *faults: dict[str, Any]) -> None:
    smsmock.load_scenario({"version": 1, "faults": list(faults)})


def bound(smsmock: SmsMock) -> RawEsme:
    raw = RawEsme(smsmock.enhanced_smpp.smpp_address)
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    return raw


def submit(seq: int, registered_delivery: int = 0) -> SubmitSm:
    return SubmitSm(
        sequence_number=seq,
        source_addr_ton=1,
        source_addr="38591000",
        dest_addr_ton=1,
        destination_addr="385911234567",
        short_message=b"hi",
        registered_delivery=registered_delivery,
    )


def silent(raw: RawEsme, timeout: float = 0.2) -> bool:
    raw.sock.settimeout(timeout)
    try:
        raw.sock.recv(1, socket.MSG_PEEK)
    except TimeoutError:
        return True
    finally:
        raw.sock.settimeout(2.0)
    return False


def test_throttled_every_second_submit(smsmock: SmsMock) -> None:
    scenario(smsmock, {"on": "enhanced_smpp:smpp:submit_sm", "every": 2, "kind": "throttled"})
    raw = bound(smsmock)
    statuses = []
    for seq in range(2, 6):
        raw.send(submit(seq))
        statuses.append(raw.read().command_status)
    assert statuses == [0, 0x58, 0, 0x58]
    assert len(smsmock.enhanced_smpp.messages) == 2
    raw.close()


def test_bind_refused_then_accepted(smsmock: SmsMock) -> None:
    scenario(smsmock, {"on": "enhanced_smpp:smpp:bind_*", "nth": 1, "kind": "bind_refused"})
    raw = RawEsme(smsmock.enhanced_smpp.smpp_address)
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0x0D
    raw.send(BindTransceiver(sequence_number=2, system_id="test", password="test"))
    assert raw.read().command_status == 0
    raw.close()


def test_generic_nack_with_sequence_zero_and_no_response(smsmock: SmsMock) -> None:
    scenario(
        smsmock,
        {
            "on": "enhanced_smpp:smpp:submit_sm",
            "nth": 1,
            "kind": "generic_nack",
            "sequence": "zero",
        },
        {"on": "enhanced_smpp:smpp:submit_sm", "nth": 2, "kind": "no_response"},
    )
    raw = bound(smsmock)
    raw.send(submit(2))
    nack = raw.read()
    assert isinstance(nack, GenericNack) and nack.sequence_number == 0
    raw.send(submit(3))
    assert silent(raw)
    raw.send(EnquireLink(sequence_number=4))
    assert raw.read().sequence_number == 4
    raw.close()


def test_server_unbind_and_drop_connection(smsmock: SmsMock) -> None:
    scenario(
        smsmock,
        {"on": "enhanced_smpp:smpp:submit_sm", "nth": 1, "kind": "unbind"},
        {"on": "enhanced_smpp:smpp:submit_sm", "nth": 2, "kind": "drop_connection"},
    )
    raw = bound(smsmock)
    raw.send(submit(2))
    unbind = raw.read()
    assert isinstance(unbind, Unbind)
    raw.send(UnbindResp(sequence_number=unbind.sequence_number))
    assert raw.read() is None
    raw = bound(smsmock)
    raw.send(submit(3))
    assert raw.closed_by_peer()


def test_delayed_enquire_link_response(smsmock: SmsMock) -> None:
    scenario(
        smsmock,
        {"on": "enhanced_smpp:smpp:enquire_link", "kind": "delayed_response", "delay": "0.2s"},
    )
    raw = bound(smsmock)
    raw.send(EnquireLink(sequence_number=2))
    assert silent(raw, 0.05)
    assert raw.read().sequence_number == 2
    raw.close()


def test_receipt_never_sent_and_duplicated(smsmock: SmsMock) -> None:
    scenario(
        smsmock,
        {"on": "enhanced_smpp:smpp:deliver_sm", "nth": 1, "kind": "dlr_never_sent"},
        {"on": "enhanced_smpp:smpp:deliver_sm", "nth": 2, "kind": "dlr_duplicated"},
    )
    raw = bound(smsmock)
    raw.send(submit(2, registered_delivery=1))
    first = raw.read().message_id
    smsmock.clock.advance("5s")
    smsmock.enhanced_smpp.smpp.flush()
    assert silent(raw)
    raw.send(submit(3, registered_delivery=1))
    second = raw.read().message_id
    smsmock.clock.advance("5s")
    smsmock.enhanced_smpp.smpp.flush()
    copies = [raw.read(), raw.read()]
    for pdu in copies:
        assert isinstance(pdu, DeliverSm)
        raw.send(DeliverSmResp(sequence_number=pdu.sequence_number))
    assert {p.short_message.split(b" ")[0] for p in copies} == {b"id:" + second.encode()}
    assert first != second
    raw.close()
