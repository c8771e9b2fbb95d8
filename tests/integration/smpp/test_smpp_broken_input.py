"""Broken input never crashes the listener or touches other sessions; each case is answered
as documented (or the session is closed cleanly) and journaled."""

from __future__ import annotations

import struct

import pytest
from smpp_esme import RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.servers.smpp import READ_BUFFER_SIZE
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.pdus import (
    BindTransceiver,
    EnquireLink,
    GenericNack,
    SubmitSm,
    SubmitSmResp,
)
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag


def bound(smsmock: SmsMock) -> RawEsme:
    raw = RawEsme(smsmock.enhanced_smpp.smpp_address)
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    return raw


def submit(seq: int) -> SubmitSm:
    return SubmitSm(
        sequence_number=seq,
        source_addr_ton=1,
        source_addr="38591000",
        dest_addr_ton=1,
        destination_addr="385911234567",
        short_message=b"hi",
    )


def still_serves(raw: RawEsme) -> None:
    raw.send(EnquireLink(sequence_number=99))
    answer = raw.read()
    assert answer is not None and answer.sequence_number == 99


@pytest.mark.parametrize(
    "garbage",
    [
        struct.pack(">IIII", 8, 4, 0, 1),  # command_length < 16
        struct.pack(">IIII", 10_000_000, 4, 0, 1),  # above the sane maximum
        b"\xff" * 64,  # garbage bytes
    ],
    ids=["short-length", "huge-length", "garbage"],
)
def test_unframeable_input_gets_generic_nack_and_a_clean_close(
    smsmock: SmsMock, garbage: bytes
) -> None:
    other = bound(smsmock)
    raw = bound(smsmock)
    raw.send_bytes(garbage)
    nack = raw.read()
    assert isinstance(nack, GenericNack)
    assert nack.command_status == 0x02  # ESME_RINVCMDLEN
    assert raw.read() is None  # closed
    still_serves(other)
    assert smsmock.journal.entries(channel="smpp", contains="refused: ESME_RINVCMDLEN")
    assert smsmock.journal.entries(channel="smpp", contains="closed: unframeable input")
    other.close()


def test_unknown_command_and_truncated_body_are_answered_and_the_session_goes_on(
    smsmock: SmsMock,
) -> None:
    raw = bound(smsmock)
    raw.send_bytes(struct.pack(">IIII", 16, 0x0000_0777, 0, 5))
    nack = raw.read()
    assert (type(nack), nack.command_status, nack.sequence_number) == (GenericNack, 0x03, 5)
    body = encode(submit(6))
    truncated = struct.pack(">I", 20) + body[4:20]  # a submit_sm cut inside service_type
    raw.send_bytes(truncated)
    answer = raw.read()
    assert answer.command_status == 0x02 and answer.sequence_number == 6
    still_serves(raw)
    raw.close()


def test_a_pdu_split_across_many_reads_and_many_pdus_in_one_read(smsmock: SmsMock) -> None:
    raw = bound(smsmock)
    data = encode(submit(10))
    for octet in data:
        raw.send_bytes(bytes([octet]))
    first = raw.read()
    assert isinstance(first, SubmitSmResp) and first.command_status == 0
    raw.send_bytes(b"".join(encode(submit(seq)) for seq in range(11, 21)))
    answers = [raw.read() for _ in range(10)]
    assert [a.sequence_number for a in answers] == list(range(11, 21))
    assert all(a.command_status == 0 for a in answers)
    assert len(smsmock.enhanced_smpp.messages) == 11
    raw.close()


def test_submit_before_bind_and_bind_twice(smsmock: SmsMock) -> None:
    raw = RawEsme(smsmock.enhanced_smpp.smpp_address)
    raw.send(submit(1))
    assert raw.read().command_status == 0x04  # ESME_RINVBNDSTS
    raw.send(BindTransceiver(sequence_number=2, system_id="test", password="test"))
    assert raw.read().command_status == 0
    raw.send(BindTransceiver(sequence_number=3, system_id="test", password="test"))
    assert raw.read().command_status == 0x05  # ESME_RALYBND
    raw.close()


def test_a_client_vanishing_mid_pdu_leaves_the_listener_serving(smsmock: SmsMock) -> None:
    raw = bound(smsmock)
    raw.send_bytes(encode(submit(1))[:20])
    raw.close()
    other = bound(smsmock)
    still_serves(other)
    smsmock.enhanced_smpp.smpp.flush()
    assert len(smsmock.enhanced_smpp.smpp.sessions()) == 1
    other.close()


def test_an_unanswered_deliver_sm_is_sent_again(smsmock: SmsMock) -> None:
    fake = smsmock.enhanced_smpp
    assert fake.smpp is not None
    raw = bound(smsmock)
    raw.send(
        SubmitSm(
            sequence_number=2,
            source_addr_ton=1,
            source_addr="38591000",
            dest_addr_ton=1,
            destination_addr="385911234567",
            short_message=b"hi",
            registered_delivery=1,
        )
    )
    raw.read()
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    first = raw.read()  # not answered
    assert fake.smpp.response_timeout is not None
    smsmock.clock.advance(fake.smpp.response_timeout)
    fake.smpp.flush()
    assert smsmock.journal.entries(channel="smpp", contains="no deliver_sm_resp")
    smsmock.clock.advance(fake.smpp.redelivery[0])
    fake.smpp.flush()
    second = raw.read()
    assert second.short_message == first.short_message
    assert second.sequence_number != first.sequence_number
    raw.close()


def test_a_failing_fake_closes_that_session_only_and_the_error_reaches_the_test(
    smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = smsmock.enhanced_smpp
    assert fake.smpp is not None
    other = bound(smsmock)
    broken = bound(smsmock)
    original = fake.smpp.handle_request
    victim = fake.smpp.sessions()[-1]

    def explode(session: object, pdu: object) -> object:
        if session is victim:
            raise RuntimeError("boom")
        return original(session, pdu)  # type: ignore[arg-type]

    monkeypatch.setattr(fake.smpp, "handle_request", explode)
    broken.send(submit(2))
    assert broken.read() is None  # closed, nothing half-written
    other.send(submit(3))
    assert other.read().command_status == 0
    errors = smsmock.take_errors()
    assert [str(e) for e in errors] == ["boom"]
    assert smsmock.journal.entries(channel="error", contains="RuntimeError: boom")
    other.close()


def test_a_send_larger_than_the_read_buffer_is_answered_in_full(smsmock: SmsMock) -> None:
    raw = bound(smsmock)
    big = SubmitSm(
        sequence_number=30,
        source_addr_ton=1,
        source_addr="38591000",
        dest_addr_ton=1,
        destination_addr="385911234567",
        tlvs=(Tlv(tag=TlvTag.MESSAGE_PAYLOAD, value=b"x" * 65_000),),
    )
    # Ten requests: the session's window, all sent before any answer is read.
    data = encode(big) + b"".join(encode(submit(seq)) for seq in range(31, 40))
    assert len(data) > READ_BUFFER_SIZE
    raw.send_bytes(data)
    answers = [raw.read() for _ in range(10)]
    assert [a.sequence_number for a in answers] == list(range(30, 40))
    assert answers[0].command_status == 0x01  # ESME_RINVMSGLEN: over the provider's 140 octets
    assert all(a.command_status == 0 for a in answers[1:])
    still_serves(raw)
    raw.close()
