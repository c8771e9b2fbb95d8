"""message_state (TLV 0x0427) carries SMPP 3.4 values on every profile, and agrees with
query_sm_resp where the profile serves query_sm."""

from __future__ import annotations

import functools
from datetime import timedelta

import pytest
from smpp_esme import Esme, RawEsme, submit_sm

from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.constants import MessageState
from pytest_smsmock.smpp.pdus import (
    BindTransceiver,
    DeliverSm,
    DeliverSmResp,
    QuerySm,
    QuerySmResp,
)
from pytest_smsmock.smpp.tlvs import TlvTag, tlv_value

STATES = {
    Status.DELIVERED: MessageState.DELIVERED,
    Status.UNDELIVERABLE: MessageState.UNDELIVERABLE,
    Status.EXPIRED: MessageState.EXPIRED,
    Status.REJECTED: MessageState.REJECTED,
    Status.UNKNOWN: MessageState.UNKNOWN,
}


submit = functools.partial(submit_sm, short_message=b"state")


def plan(smsmock: SmsMock, provider: str, status: Status) -> None:
    message = smsmock.fakes[provider].messages.last
    smsmock.fakes[provider].lifecycle.cancel(message.message_id)
    smsmock.fakes[provider].lifecycle.start(
        message, (Transition(after=timedelta(seconds=3), status=status, error=1),)
    )


@pytest.mark.parametrize("status", list(STATES), ids=str)
@pytest.mark.parametrize("provider", ["infobip", "broadnet", "enhanced_smpp"])
def test_receipt_message_state_is_smpp_34_and_agrees_with_query_sm(
    smsmock: SmsMock, provider: str, status: Status
) -> None:
    fake = smsmock.fakes[provider]
    raw = RawEsme(fake.smpp_addresses["plain"])
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    raw.send(submit(2))
    resp = raw.read()
    assert resp.command_status == 0
    plan(smsmock, provider, status)
    smsmock.clock.advance("3s")
    receipt = raw.read()
    assert isinstance(receipt, DeliverSm)
    state = tlv_value(receipt.tlvs, TlvTag.MESSAGE_STATE)
    assert state == STATES[status]
    raw.send(DeliverSmResp(sequence_number=receipt.sequence_number))
    if provider == "infobip":  # query_sm is not among the PDUs Infobip serves
        return
    raw.send(QuerySm(sequence_number=3, message_id=resp.message_id, source_addr="38591000"))
    answer = raw.read()
    assert isinstance(answer, QuerySmResp)
    assert answer.message_state == state
    raw.close()


def test_an_expired_message_through_smpplib(smsmock: SmsMock) -> None:
    fake = smsmock.enhanced_smpp
    esme = Esme(fake.smpp_address)
    try:
        esme.bind("trx")
        esme.submit(
            source_addr="447700900000", destination_addr="447700900123", registered_delivery=1
        )
        plan(smsmock, "enhanced_smpp", Status.EXPIRED)
        smsmock.clock.advance("3s")
        esme.read_until(lambda: len(esme.delivered) == 1)
        (receipt,) = esme.delivered
        assert b"stat:EXPIRED" in bytes(receipt.short_message)
        assert receipt.message_state == 3  # SMPP 3.4 EXPIRED, not 1 (ENROUTE)
    finally:
        esme.close()
