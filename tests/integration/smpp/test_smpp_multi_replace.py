"""submit_multi and replace_sm where the profile's document implies them (Enhanced SMPP,
Broadnet: their status tables carry 0x13, 0x33, 0x40, 0x44) and refused where it does not
(Infobip's list of supported PDUs). python-smpplib and aiosmpplib send neither operation, so
they go as raw PDUs; the receipts of a submit_multi are read by python-smpplib."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from smpp_esme import Esme, RawEsme
from smpp_esme import submit_sm as submit

from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.pdus import (
    BindTransceiver,
    BindTransmitter,
    DeliverSm,
    DeliverSmResp,
    DestAddress,
    DistributionList,
    GenericNack,
    ReplaceSm,
    ReplaceSmResp,
    SubmitMulti,
    SubmitMultiResp,
    UnsuccessSme,
)
from pytest_smsmock.smpp.tlvs import TlvTag, tlv_value

SERVING = ["broadnet", "enhanced_smpp"]
BAD = {"broadnet": ("123", 0x22), "enhanced_smpp": ("12", 0x0B)}


def bound(smsmock: SmsMock, provider: str, mode: str = "trx") -> RawEsme:
    raw = RawEsme(smsmock.fakes[provider].smpp_addresses["plain"])
    cls = BindTransceiver if mode == "trx" else BindTransmitter
    raw.send(cls(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    return raw


def multi(seq: int, *addresses: str, **fields: Any) -> SubmitMulti:
    return SubmitMulti(
        sequence_number=seq,
        source_addr_ton=1,
        source_addr_npi=1,
        source_addr="38591000",
        dest_addresses=tuple(
            DestAddress(dest_addr_ton=1, dest_addr_npi=1, destination_addr=a) for a in addresses
        ),
        short_message=b"to many",
        registered_delivery=1,
        **fields,
    )


# -- submit_multi ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", SERVING)
def test_submit_multi_one_message_per_destination_and_unsuccess_entries(
    smsmock: SmsMock, provider: str
) -> None:
    fake = smsmock.fakes[provider]
    raw = bound(smsmock, provider)
    bad, status = BAD[provider]
    raw.send(multi(2, "962791234567", bad, "962791234568"))
    resp = raw.read()
    assert isinstance(resp, SubmitMultiResp)
    assert resp.command_status == 0
    assert resp.unsuccess_smes == (
        UnsuccessSme(
            dest_addr_ton=1, dest_addr_npi=1, destination_addr=bad, error_status_code=status
        ),
    )
    first, second = fake.messages
    assert resp.message_id == first.message_id
    assert (first.to, second.to) == ("962791234567", "962791234568")
    assert second.extra["submit_multi_id"] == first.message_id
    smsmock.clock.advance("5s")
    receipts = [raw.read(), raw.read()]
    assert all(isinstance(r, DeliverSm) for r in receipts)
    assert {tlv_value(r.tlvs, TlvTag.RECEIPTED_MESSAGE_ID) for r in receipts} == {resp.message_id}
    assert sorted(r.source_addr for r in receipts) == ["962791234567", "962791234568"]
    raw.close()


@pytest.mark.parametrize("provider", SERVING)
def test_submit_multi_refusals_of_the_whole_request(smsmock: SmsMock, provider: str) -> None:
    raw = bound(smsmock, provider, "tx")
    one = encode(multi(2, "962791234567"))
    at = 16 + 1 + 2 + 9  # after service_type "", TON, NPI, source_addr: number_of_dests
    entry = 1 + 2 + len("962791234567") + 1
    none = one[:at] + b"\x00" + one[at + 1 + entry :]
    raw.send_bytes(len(none).to_bytes(4, "big") + none[4:])
    assert raw.read().command_status == 0x33  # no destination
    lists = multi(3, "962791234567")
    raw.send(
        SubmitMulti(
            sequence_number=3,
            source_addr="38591000",
            dest_addresses=(*lists.dest_addresses, DistributionList(dl_name="friends")),
            short_message=b"x",
        )
    )
    assert raw.read().command_status == 0x44  # no distribution lists
    flag = bytearray(encode(multi(4, "962791234567")))
    flag[16 + 1 + 2 + 9 + 1] = 3  # the first dest_flag: neither 1 nor 2
    raw.send_bytes(bytes(flag))
    answer = raw.read()
    assert (answer.command_id, answer.command_status) == (0x80000021, 0x40)
    bad, status = BAD[provider]
    raw.send(multi(5, bad, bad))
    every = raw.read()
    assert every.command_status == status  # every destination refused alike: that status
    assert len(every.unsuccess_smes) == 2
    assert len(smsmock.fakes[provider].messages) == 0
    raw.close()


def test_enhanced_throttle_counts_each_destination(smsmock: SmsMock) -> None:
    smsmock.enhanced_smpp.service.throughput = 2
    raw = bound(smsmock, "enhanced_smpp", "tx")
    raw.send(multi(2, "447700900001", "447700900002", "447700900003"))
    resp = raw.read()
    assert resp.command_status == 0
    assert [(u.destination_addr, u.error_status_code) for u in resp.unsuccess_smes] == [
        ("447700900003", 0x58)
    ]
    raw.close()


def test_receipts_of_a_submit_multi_read_by_smpplib(smsmock: SmsMock) -> None:
    fake = smsmock.broadnet
    receiver = Esme(fake.smpp_address)
    try:
        receiver.bind("rx")
        raw = bound(smsmock, "broadnet", "tx")
        raw.send(multi(2, "962791234567", "962791234568"))
        resp = raw.read()
        smsmock.clock.advance("5s")
        receiver.read_until(lambda: len(receiver.delivered) == 2)
        ids = {bytes(r.receipted_message_id).decode() for r in receiver.delivered}
        assert ids == {resp.message_id}
        texts = [bytes(r.short_message).decode() for r in receiver.delivered]
        assert all(t.startswith(f"id:{resp.message_id} ") for t in texts)
        raw.close()
    finally:
        receiver.close()


def test_infobip_refuses_submit_multi_and_replace_sm(smsmock: SmsMock) -> None:
    raw = bound(smsmock, "infobip")
    raw.send(multi(2, "385911234567"))
    nack = raw.read()
    assert isinstance(nack, GenericNack)
    assert (nack.sequence_number, nack.command_status) == (2, 0x03)
    raw.send(ReplaceSm(sequence_number=3, message_id="1", short_message=b"x"))
    nack = raw.read()
    assert isinstance(nack, GenericNack)
    assert (nack.sequence_number, nack.command_status) == (3, 0x03)
    raw.close()


# -- replace_sm -----------------------------------------------------------------------------------


def start(smsmock: SmsMock, provider: str, raw: RawEsme) -> str:
    """A message delivered one minute after its submission."""
    fake = smsmock.fakes[provider]
    raw.send(submit(2))
    message_id = raw.read().message_id
    message = fake.messages.get(message_id)
    assert message is not None
    fake.lifecycle.cancel(message_id)
    fake.lifecycle.start(
        message, (Transition(after=timedelta(minutes=1), status=Status.DELIVERED),)
    )
    return str(message_id)


@pytest.mark.parametrize("provider", SERVING)
def test_replace_sm_replaces_a_pending_message_and_restarts_its_life(
    smsmock: SmsMock, provider: str
) -> None:
    fake = smsmock.fakes[provider]
    raw = bound(smsmock, provider)
    message_id = start(smsmock, provider, raw)
    smsmock.clock.advance("30s")
    raw.send(
        ReplaceSm(
            sequence_number=3,
            message_id=message_id,
            source_addr="38591000",
            short_message=b"second text",
            registered_delivery=1,
        )
    )
    assert raw.read() == ReplaceSmResp(sequence_number=3)
    message = fake.messages.get(message_id)
    assert message is not None
    assert message.text == "second text"
    smsmock.clock.advance("59s")  # 1 min after the replacement, not after the submission
    assert message.status is Status.ACCEPTED
    smsmock.clock.advance("1s")
    assert message.status is Status.DELIVERED
    assert message.history[-1].at.strftime("%H:%M:%S") == "00:01:30"
    receipt = raw.read()
    assert isinstance(receipt, DeliverSm)
    raw.send(DeliverSmResp(sequence_number=receipt.sequence_number))
    raw.send(ReplaceSm(sequence_number=4, message_id=message_id, short_message=b"late"))
    assert raw.read().command_status == 0x13  # delivered: no longer pending
    raw.close()


@pytest.mark.parametrize("provider", SERVING)
def test_replace_sm_schedule_and_validity(smsmock: SmsMock, provider: str) -> None:
    fake = smsmock.fakes[provider]
    raw = bound(smsmock, provider)
    message_id = start(smsmock, provider, raw)
    raw.send(
        ReplaceSm(
            sequence_number=3,
            message_id=message_id,
            schedule_delivery_time="000000010000000R",  # in one hour
            validity_period="000000013000000R",  # valid for 90 minutes
            short_message=b"later",
            registered_delivery=1,
        )
    )
    assert raw.read().command_status == 0
    message = fake.messages.get(message_id)
    assert message is not None
    assert message.status is Status.SCHEDULED
    assert message.scheduled_at is not None and message.expires_at is not None
    assert (message.scheduled_at - message.submitted_at) == timedelta(hours=1)
    assert (message.expires_at - message.submitted_at) == timedelta(minutes=90)
    smsmock.clock.advance("1h")
    assert message.status is Status.ACCEPTED
    smsmock.clock.advance("1m")
    assert message.status is Status.DELIVERED
    raw.close()


@pytest.mark.parametrize("provider", SERVING)
def test_replace_sm_refusals(smsmock: SmsMock, provider: str) -> None:
    raw = bound(smsmock, provider)
    message_id = start(smsmock, provider, raw)
    raw.send(ReplaceSm(sequence_number=3, message_id="nope", short_message=b"x"))
    assert raw.read().command_status == 0x0C
    raw.send(
        ReplaceSm(sequence_number=4, message_id=message_id, source_addr="999", short_message=b"x")
    )
    assert raw.read().command_status == 0x13
    if provider == "enhanced_smpp":  # "Max 140 octets; 160 chars"
        raw.send(ReplaceSm(sequence_number=5, message_id=message_id, short_message=b"x" * 200))
        assert raw.read().command_status == 0x01
    else:  # registered_delivery other than 0, 1, 2: the document's 0x9C
        raw.send(
            ReplaceSm(
                sequence_number=5, message_id=message_id, short_message=b"x", registered_delivery=3
            )
        )
        assert raw.read().command_status == 0x9C
    raw.close()
