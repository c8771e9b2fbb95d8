"""The provider-neutral SMPP service without sockets: content decoding, receipts, the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_smsmock.core.encoding import decode_gsm7
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.smpp_common import (
    SmppReject,
    SmppService,
    SmppSession,
    decode_content,
)
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.errors import LocalProtocolError
from pytest_smsmock.smpp.pdus import (
    BindReceiver,
    BindTransceiver,
    DeliverSm,
    DeliverSmResp,
    QuerySm,
    Request,
    SubmitSm,
    SubmitSmResp,
)
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag, tlv_value


class Link:
    """A SessionLink that records what the service sends."""

    def __init__(self, window: int = 10) -> None:
        self.window = window
        self.sent: list[Request] = []
        self.seq = 0
        self.closed: str | None = None

    @property
    def window_free(self) -> int:
        return self.window - len(self.sent)

    def send_request(self, build: Callable[[int], Request]) -> Request:
        if self.window_free <= 0:
            raise LocalProtocolError("full", status=0x14)
        self.seq += 1
        pdu = build(self.seq)
        self.sent.append(pdu)
        return pdu

    def close(self, reason: str) -> None:
        self.closed = reason


@pytest.fixture
def mock() -> SmsMock:
    return SmsMock(providers=("enhanced_smpp", "broadnet"))


_ids = iter(range(1, 10_000))


def session(mock: SmsMock, bind: type = BindTransceiver, provider: str = "broadnet") -> SmppSession:
    fake = mock.fakes[provider]
    assert fake.smpp is not None
    s = SmppSession(
        id=next(_ids),
        provider=provider,
        listener="plain",
        tls=False,
        peer=("127.0.0.1", 1),
        link=Link(),
        generation=fake.smpp.generation,
    )
    fake.smpp.session_opened(s)
    status, _tlvs = fake.smpp.handle_bind(
        s, bind(sequence_number=1, system_id="test", password="test")
    )
    assert status == 0
    return s


def submit(**kw: object) -> SubmitSm:
    fields: dict[str, object] = {
        "sequence_number": 2,
        "source_addr_ton": 1,
        "source_addr": "38591000",
        "dest_addr_ton": 1,
        "destination_addr": "385911234567",
        "short_message": b"hello",
        "registered_delivery": 1,
    }
    fields.update(kw)
    return SubmitSm(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "text", "encoding", "parts"),
    [
        ({"short_message": b"hello @"}, "hello \u00a1", "gsm7", 1),  # 0x40 is '¡' in GSM 7-bit
        ({"short_message": b"\x00\x1b\x65"}, "@€", "gsm7", 1),
        ({"short_message": "ÿé".encode("latin-1"), "data_coding": 3}, "ÿé", "latin1", 1),
        ({"short_message": "Ωμέγα".encode("utf-16-be"), "data_coding": 8}, "Ωμέγα", "ucs2", 1),
        ({"short_message": b"\x01\x02", "data_coding": 4}, "", "binary", 1),
        ({"short_message": b"a" * 161}, "a" * 161, "gsm7", 2),
    ],
)
def test_decode_content(fields: dict[str, object], text: str, encoding: str, parts: int) -> None:
    content = decode_content(submit(**fields))
    assert (content.text, content.encoding, content.parts) == (text, encoding, parts)


@given(st.binary(max_size=160).map(lambda data: bytes(b & 0x7F for b in data if b & 0x7F != 0x1B)))
def test_decode_content_reads_gsm_septets_as_the_reference_decoder(septets: bytes) -> None:
    """The fast path (ASCII-range septets, no escape) agrees with `decode_gsm7`."""
    assert decode_content(submit(short_message=septets)).text == decode_gsm7(septets)


def test_decode_content_udh_and_payload() -> None:
    udh = b"\x05\x00\x03\x2a\x02\x01"
    content = decode_content(submit(short_message=udh + b"part", esm_class=0x40))
    assert (content.text, content.udh, content.concat) == ("part", udh, (0x2A, 2, 1))
    payload = (Tlv(tag=TlvTag.MESSAGE_PAYLOAD, value=b"x" * 300),)
    content = decode_content(submit(short_message=b"", tlvs=payload))
    assert content.payload and content.parts == 2
    with pytest.raises(SmppReject) as info:
        decode_content(submit(short_message=b"also", tlvs=payload))
    assert info.value.status == CommandStatus.ESME_RINVOPTPARAMVAL


def test_receipts_queue_until_a_receiver_binds_then_go_round_robin(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    tx = session(mock)
    fake.smpp.handle_request(tx, submit())
    mock.clock.advance("5s")
    assert len(fake.smpp.pending("test")) == 1
    fake.smpp.pump()
    (dlr,) = tx.link.sent  # type: ignore[attr-defined]
    assert isinstance(dlr, DeliverSm) and dlr.esm_class == 0x04
    text = dlr.short_message.decode()
    assert text.startswith("id:") and " dlvrd:001 " in text and text.endswith(" text:hello")
    assert fake.smpp.pending() == []


def test_a_refused_receipt_comes_back_after_the_redelivery_delay(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    s = session(mock)
    fake.smpp.handle_request(s, submit())
    mock.clock.advance("5s")
    fake.smpp.pump()
    link: Link = s.link  # type: ignore[assignment]
    first = link.sent.pop()
    fake.smpp.handle_response(
        s, first, DeliverSmResp(sequence_number=first.sequence_number, command_status=0x64)
    )
    assert link.sent == []
    mock.clock.advance(timedelta(seconds=fake.smpp.redelivery[0] - 1))
    fake.smpp.pump()
    assert link.sent == []
    mock.clock.advance("1s")
    fake.smpp.pump()
    assert len(link.sent) == 1 and link.sent[0].short_message == first.short_message  # type: ignore[attr-defined]


def test_receipts_in_flight_on_a_closed_session_are_requeued(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    s = session(mock)
    fake.smpp.handle_request(s, submit())
    mock.clock.advance("5s")
    fake.smpp.pump()
    assert s.inflight
    fake.smpp.session_closed(s, "gone")
    assert len(fake.smpp.pending("test")) == 1


def test_a_session_closing_after_a_reset_does_not_bring_back_its_receipts(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    s = session(mock)
    fake.smpp.handle_request(s, submit())
    mock.clock.advance("5s")
    fake.smpp.pump()
    assert s.inflight
    mock.reset()  # the next test begins before the old socket's close is noticed
    fake.smpp.session_closed(s, "closed by the peer")
    assert fake.smpp.pending() == []


def test_registered_delivery_failures_only(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    s = session(mock)
    fake.smpp.handle_request(s, submit(registered_delivery=2))
    resp, _ = fake.smpp.handle_request(s, submit(sequence_number=3, registered_delivery=2))
    assert isinstance(resp, SubmitSmResp) and resp.message_id
    failing = fake.messages.get(resp.message_id)
    assert failing is not None
    fake.lifecycle.cancel(failing.message_id)
    fake.lifecycle.start(failing, (Transition(after=timedelta(seconds=1), status=Status.EXPIRED),))
    mock.clock.advance("10s")
    (item,) = fake.smpp.pending()
    assert item.ref == failing.message_id
    assert b"stat:EXPIRED" in item.fields["short_message"]


def test_query_sm_answers_the_state(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    s = session(mock)
    resp, _ = fake.smpp.handle_request(s, submit())
    assert isinstance(resp, SubmitSmResp) and resp.message_id
    mock.clock.advance("5s")
    answer, _ = fake.smpp.handle_request(s, QuerySm(sequence_number=5, message_id=resp.message_id))
    assert answer.command_status == 0
    assert answer.message_state == 2  # type: ignore[attr-defined]
    unknown, _ = fake.smpp.handle_request(s, QuerySm(sequence_number=6, message_id="nope"))
    assert unknown.command_status == CommandStatus.ESME_RQUERYFAIL


def test_mo_waits_for_a_receiver_when_asked_for_smpp(mock: SmsMock) -> None:
    fake = mock.broadnet
    assert fake.smpp is not None
    fake.inject_mo("962790000000", "to the web", account="test")
    assert fake.smpp.pending() == []  # no receiver bound: the HTTP side gets it
    fake.inject_mo("962790000000", "over smpp", account="test", protocol="smpp")
    (item,) = fake.smpp.pending()
    assert item.kind == "mo" and item.fields["short_message"] == b"over smpp"
    rx = session(mock, bind=BindReceiver)
    fake.smpp.pump()
    (pdu,) = rx.link.sent  # type: ignore[attr-defined]
    assert tlv_value(pdu.tlvs, TlvTag.MESSAGE_PAYLOAD) is None
    long = "y" * 300
    fake.inject_mo("962790000000", long, account="test")
    fake.smpp.pump()
    assert tlv_value(rx.link.sent[-1].tlvs, TlvTag.MESSAGE_PAYLOAD) == long.encode()  # type: ignore[attr-defined]


def test_reset_forgets_the_queue(mock: SmsMock) -> None:
    fake = mock.enhanced_smpp
    assert fake.smpp is not None
    fake.inject_mo("38591", "queued")
    assert len(fake.smpp.pending()) == 1
    mock.reset()
    assert fake.smpp.pending() == []


def test_reset_restores_the_tunables_a_test_set(mock: SmsMock) -> None:
    service = mock.enhanced_smpp.service
    service.window = 100
    service.throughput = 1
    service.allowed_networks = ["10.0.0.0/8"]
    mock.reset()
    assert (service.window, service.throughput) == (10, 30)
    assert service.allowed_networks == ["127.0.0.0/8", "::1/128"]


def test_reset_restores_the_keepalive_timeout() -> None:
    mock = SmsMock(providers=("infobip",))
    service = mock.infobip.smpp
    assert isinstance(service, SmppService)
    service.keepalive_timeout = None
    mock.reset()
    assert service.keepalive_timeout == 30.0
