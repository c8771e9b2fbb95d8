"""Scenario faults on what the SMSC sends (receipts, deliver_sm), seen by python-smpplib."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import smpplib.smpp
from smpp_esme import Esme, RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.pdus import BindReceiver, BindReceiverResp, DeliverSm, DeliverSmResp


@pytest.fixture
def esmes(smsmock: SmsMock) -> Iterator[list[Esme]]:
    opened: list[Esme] = []
    yield opened
    for esme in opened:
        esme.close()


def connect(esmes: list[Esme], address: tuple[str, int]) -> Esme:
    esme = Esme(address)
    esmes.append(esme)
    return esme


def faults(smsmock: SmsMock, *specs: dict[str, Any]) -> None:
    smsmock.load_scenario({"version": 1, "faults": list(specs)})


def receipt_id(pdu: Any) -> str:
    return bytes(pdu.receipted_message_id).decode()


def test_dlr_out_of_order_holds_a_receipt_until_the_next_one_went(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    faults(smsmock, {"on": "enhanced_smpp:smpp:deliver_sm", "nth": 1, "kind": "dlr_out_of_order"})
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    first = esme.submit("one", registered_delivery=1).message_id.decode()
    smsmock.clock.advance("1s")
    second = esme.submit("two", registered_delivery=1).message_id.decode()
    smsmock.clock.advance("4s")  # the first receipt is due: held back
    assert fake.smpp.flush()
    assert esme.nothing_arrives()
    smsmock.clock.advance("1s")  # the second one goes, then the held one
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 2)
    assert [receipt_id(p) for p in esme.delivered] == [second, first]
    assert smsmock.journal.entries(contains=f"scenario fault dlr_out_of_order on dlr for {first}")


def test_deliver_sm_then_unbind(smsmock: SmsMock, esmes: list[Esme]) -> None:
    faults(smsmock, {"on": "infobip:smpp:deliver_sm", "kind": "deliver_sm_then_unbind"})
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    message_id = esme.submit(registered_delivery=1).message_id.decode()
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)  # smpplib answers the deliver_sm
    assert receipt_id(esme.delivered[0]) == message_id
    unbind = esme.read_pdu()
    assert unbind.command == "unbind"
    resp = smpplib.smpp.make_pdu("unbind_resp", client=esme.client)
    resp.sequence = unbind.sequence  # smpplib does not answer an SMSC's unbind itself
    esme.client.send_pdu(resp)
    assert esme.nothing_arrives(1.0)  # EOF: the SMSC closed the session
    esme.client.state = 0  # smpplib never learnt it was unbound
    assert fake.smpp.sessions() == []
    assert fake.smpp.pending() == []  # the receipt was answered: not requeued


def test_deliver_sm_before_bound_with_a_receipt_waiting(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.enhanced_smpp
    tx = connect(esmes, fake.smpp_address)
    tx.bind("tx")
    message_id = tx.submit(registered_delivery=1).message_id.decode()
    smsmock.clock.advance("5s")
    assert [i.ref for i in fake.smpp.pending("test")] == [message_id]
    faults(smsmock, {"on": "enhanced_smpp:smpp:bind_receiver", "kind": "deliver_sm_before_bound"})

    raw = RawEsme(fake.smpp_address)
    raw.send(BindReceiver(sequence_number=1, system_id="test", password="test"))
    early, resp, receipt = raw.read(), raw.read(), raw.read()
    assert isinstance(early, DeliverSm)
    assert early.short_message.startswith(f"id:{message_id} ".encode())
    assert isinstance(resp, BindReceiverResp) and resp.command_status == 0
    assert isinstance(receipt, DeliverSm)  # the queued one still goes, once bound
    assert receipt.short_message == early.short_message
    raw.send(DeliverSmResp(sequence_number=early.sequence_number))
    raw.send(DeliverSmResp(sequence_number=receipt.sequence_number))
    assert fake.smpp.flush()
    summaries = [e.summary for e in smsmock.journal.entries(provider="enhanced_smpp")]
    assert any("(before bind_resp)" in s for s in summaries)
    assert any("(answers nothing)" in s for s in summaries)
    raw.close()


def test_deliver_sm_before_bound_with_smpplib(smsmock: SmsMock, esmes: list[Esme]) -> None:
    """What a client that reads the next PDU as the bind's answer makes of it."""
    faults(smsmock, {"on": "infobip:smpp:bind_*", "nth": 1, "kind": "deliver_sm_before_bound"})
    esme = connect(esmes, smsmock.infobip.smpp_address)
    answer = esme.bind("trx")
    assert answer.command == "deliver_sm"  # taken for the bind_resp
    assert bytes(answer.destination_addr) == b"test"
    assert esme.read_pdu().command == "bind_transceiver_resp"


def test_a_held_receipt_with_nothing_after_it_is_released_not_lost(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    faults(smsmock, {"on": "enhanced_smpp:smpp:deliver_sm", "nth": 1, "kind": "dlr_out_of_order"})
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    only = esme.submit("one", registered_delivery=1).message_id.decode()
    smsmock.clock.advance("5s")  # due and held: no other receipt will follow
    assert fake.smpp.flush()
    assert esme.nothing_arrives()
    smsmock.clock.advance("1m")  # one redelivery interval later it is released
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    assert [receipt_id(p) for p in esme.delivered] == [only]
    assert smsmock.journal.entries(contains="held deliver_sm released")


def test_a_held_receipt_survives_its_session_closing(smsmock: SmsMock, esmes: list[Esme]) -> None:
    faults(smsmock, {"on": "enhanced_smpp:smpp:deliver_sm", "nth": 1, "kind": "dlr_out_of_order"})
    fake = smsmock.enhanced_smpp
    first = connect(esmes, fake.smpp_address)
    first.bind("trx")
    only = first.submit("one", registered_delivery=1).message_id.decode()
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    first.close()
    esmes.remove(first)
    second = connect(esmes, fake.smpp_address)
    second.bind("rx")
    assert fake.smpp.flush()
    second.read_until(lambda: len(second.delivered) == 1)
    assert [receipt_id(p) for p in second.delivered] == [only]


def rule(smsmock: SmsMock, kind: str) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [{"match": {"provider": "enhanced_smpp", "text": "/lost/"}, "fault": kind}],
        }
    )


def test_a_rules_dlr_never_sent_concerns_that_messages_receipt_only(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    rule(smsmock, "dlr_never_sent")
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    lost = esme.submit("lost one", registered_delivery=1).message_id.decode()
    kept = esme.submit("kept one", registered_delivery=1).message_id.decode()
    assert {m.message_id for m in fake.messages} == {lost, kept}  # both accepted
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    assert esme.nothing_arrives()
    assert [receipt_id(p) for p in esme.delivered] == [kept]
    assert smsmock.journal.entries(contains=f"scenario fault dlr_never_sent on dlr for {lost}")


def test_a_rules_dlr_duplicated_sends_that_receipt_twice(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    rule(smsmock, "dlr_duplicated")
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    twice = esme.submit("lost one", registered_delivery=1).message_id.decode()
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 2)
    assert [receipt_id(p) for p in esme.delivered] == [twice, twice]
