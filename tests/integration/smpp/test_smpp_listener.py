"""The SMPP listener with python-smpplib: binds, submits, receipts, MO, keep-alive, TLS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import smpplib.gsm
from smpp_esme import Esme

from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock


@pytest.fixture
def esmes(smsmock: SmsMock) -> Iterator[list[Esme]]:
    opened: list[Esme] = []
    yield opened
    for esme in opened:
        esme.close()


def connect(esmes: list[Esme], address: tuple[str, int], **kw: object) -> Esme:
    esme = Esme(address, **kw)  # type: ignore[arg-type]
    esmes.append(esme)
    return esme


def receipt_text(pdu: object) -> str:
    return bytes(pdu.short_message).decode()  # type: ignore[attr-defined]


@pytest.mark.parametrize("mode", ["tx", "rx", "trx"])
def test_binds_in_every_mode_and_unbinds_cleanly(
    smsmock: SmsMock, esmes: list[Esme], mode: str
) -> None:
    esme = connect(esmes, smsmock.infobip.smpp_address)
    resp = esme.bind(mode)
    assert resp.status == 0
    assert resp.system_id == b"Infobip"
    assert [s.mode for s in smsmock.infobip.smpp.bound_sessions("test")] == [mode]
    esme.client.unbind()
    esme.client.disconnect()
    smsmock.infobip.smpp.flush()
    assert smsmock.infobip.smpp.sessions() == []
    summaries = [e.summary for e in smsmock.journal.entries(provider="infobip", channel="smpp")]
    assert any("unbind_resp" in s for s in summaries)
    assert any("closed: unbind" in s for s in summaries)


def test_submit_becomes_a_core_message_and_the_receipt_follows_the_clock(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    resp = esme.submit("Hello SMPP", registered_delivery=1)
    assert resp.status == 0
    message = fake.messages.one(protocol="smpp")
    assert message.message_id == resp.message_id.decode()
    assert (message.text, message.to, message.sender) == ("Hello SMPP", "385911234567", "38591000")
    assert fake.smpp.flush()
    assert esme.nothing_arrives()
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    (dlr,) = esme.delivered
    assert dlr.esm_class == 0x04
    text = receipt_text(dlr)
    assert text.startswith(f"id:{message.message_id} sub:001 dlvr:001 submit date:2501010000 ")
    assert text.endswith("done date:2501010000 stat:DELIVRD err:000")
    assert dlr.receipted_message_id.decode() == message.message_id
    assert dlr.message_state == 2
    assert bytes(dlr.network_error_code) == b"\x03\x00\x00"
    assert (dlr.source_addr, dlr.destination_addr) == (b"385911234567", b"38591000")


def test_long_messages_by_udh_and_message_payload_and_ucs2(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("tx")
    text = "Long message " * 20
    parts, coding, esm_class = smpplib.gsm.make_parts(text)
    for part in parts:
        assert esme.submit(part, esm_class=esm_class, data_coding=coding).status == 0
    got = fake.messages.filter(protocol="smpp")
    assert len(got) == len(parts) == 2
    assert "".join(m.text for m in got) == text
    assert [m.extra["concat"].seq for m in got] == [1, 2]

    unicode = "Привет, мир"
    resp = esme.submit(unicode.encode("utf-16-be"), data_coding=8)
    assert resp.status == 0
    assert fake.messages.last.text == unicode
    assert fake.messages.last.encoding == "ucs2"

    payload = ("x" * 300).encode()
    assert esme.submit(b"", message_payload=payload).status == 0x01  # its 140-octet limit
    other = connect(esmes, smsmock.infobip.smpp_address)
    other.bind("tx")
    assert other.submit(b"", message_payload=payload).status == 0
    assert smsmock.infobip.messages.last.parts == 2
    assert smsmock.infobip.messages.last.text == "x" * 300


def test_a_three_part_udh_message_is_three_messages_with_three_receipts(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    """Each UDH part is its own submit_sm, so it gets its own id, price and receipt, as SMSCs
    bill and report; `extra["concat"]` ties the parts together."""
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    text = "Part of a long message. " * 17  # 408 GSM characters: 3 parts of 153
    parts, coding, esm_class = smpplib.gsm.make_parts(text)
    assert len(parts) == 3
    ids = [
        esme.submit(
            part, esm_class=esm_class, data_coding=coding, registered_delivery=1
        ).message_id.decode()
        for part in parts
    ]
    messages = fake.messages.filter(protocol="smpp")
    assert [m.message_id for m in messages] == ids
    assert "".join(m.text for m in messages) == text
    assert [(m.extra["concat"].seq, m.extra["concat"].total) for m in messages] == [
        (1, 3),
        (2, 3),
        (3, 3),
    ]
    assert len({m.extra["concat"].ref for m in messages}) == 1
    assert [m.parts for m in messages] == [1, 1, 1]
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 3)
    assert sorted(p.receipted_message_id.decode() for p in esme.delivered) == sorted(ids)


def test_a_receipt_due_while_no_receiver_is_bound_waits_for_the_next_bind(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.infobip
    tx = connect(esmes, fake.smpp_address)
    tx.bind("tx")
    resp = tx.submit(registered_delivery=1)
    smsmock.clock.advance("10s")
    assert [i.ref for i in fake.smpp.pending("test")] == [resp.message_id.decode()]
    rx = connect(esmes, fake.smpp_address)
    rx.bind("rx")
    assert fake.smpp.flush()
    rx.read_until(lambda: len(rx.delivered) == 1)
    assert fake.smpp.pending() == []
    assert tx.nothing_arrives()


def test_receipts_are_spread_evenly_over_receivers(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    tx = connect(esmes, fake.smpp_address)
    tx.bind("tx")
    receivers = [connect(esmes, fake.smpp_address) for _ in range(2)]
    receivers[0].bind("rx")
    receivers[1].bind("trx")
    for _ in range(4):
        assert tx.submit(registered_delivery=1).status == 0
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    for esme in receivers:
        esme.read_until(lambda esme=esme: len(esme.delivered) == 2)  # type: ignore[misc]
    ids = {r.receipted_message_id for e in receivers for r in e.delivered}
    assert len(ids) == 4


def test_refused_receipt_is_redelivered_on_the_provider_schedule(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    esme.submit(registered_delivery=1)
    esme.answer = 0x08  # ESME_RSYSERR
    smsmock.clock.advance("5s")
    esme.read_until(lambda: len(esme.delivered) == 1)
    esme.answer = None
    assert esme.nothing_arrives()
    # The redelivery comes 60 s later; Infobip's 30 s keep-alive probes the idle session on the
    # way, and the ESME answers (smpplib's read_once does), so the session stays bound.
    smsmock.clock.advance("30s")
    probe = esme.read_pdu()
    assert probe.command == "enquire_link"
    esme.client._enquire_link_received(probe)
    smsmock.clock.advance(timedelta(seconds=fake.smpp.redelivery[0] - 30))
    esme.read_until(lambda: len(esme.delivered) == 2)
    first, second = esme.delivered
    assert first.receipted_message_id == second.receipted_message_id
    assert any("refused" in e.summary for e in smsmock.journal.entries(channel="smpp"))


def test_registered_delivery_none_and_failures_only(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    esme.submit(registered_delivery=0)
    esme.submit(registered_delivery=2)
    failing = esme.submit(registered_delivery=2)
    message = fake.messages.get(failing.message_id.decode())
    assert message is not None
    fake.lifecycle.cancel(message.message_id)
    fake.lifecycle.start(
        message, (Transition(after=timedelta(seconds=3), status=Status.UNDELIVERABLE, error=1),)
    )
    smsmock.clock.advance("20s")  # under the 30 s after which the SMSC sends enquire_link
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    assert esme.nothing_arrives()
    (dlr,) = esme.delivered
    assert dlr.receipted_message_id == failing.message_id
    assert "stat:UNDELIV err:001" in receipt_text(dlr)
    assert dlr.message_state == 5


def test_mo_goes_out_as_deliver_sm(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.broadnet
    esme = connect(esmes, fake.smpp_address)
    esme.bind("rx")
    fake.inject_mo("962790000000", "Hi from a phone", to="4567", account="test")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    (mo,) = esme.delivered
    assert (mo.source_addr, mo.destination_addr) == (b"962790000000", b"4567")
    assert mo.esm_class == 0
    assert bytes(mo.short_message) == b"Hi from a phone"
    fake.inject_mo("962790000000", "مرحبا", account="test")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 2)
    assert esme.delivered[1].data_coding == 8
    assert bytes(esme.delivered[1].short_message).decode("utf-16-be") == "مرحبا"


def test_enquire_link_both_ways_on_the_virtual_clock(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    esme.send("enquire_link")
    resp = esme.read_pdu()
    assert resp.command == "enquire_link_resp"
    smsmock.clock.advance("29s")
    assert esme.nothing_arrives()
    smsmock.clock.advance("1s")
    for _ in range(4):  # an ESME that answers the probes stays bound, however long
        request = esme.read_pdu()
        assert request.command == "enquire_link"
        esme.client._enquire_link_received(request)
        smsmock.clock.advance("30s")
    assert len(fake.smpp.bound_sessions()) == 1
    assert not smsmock.journal.entries(contains="keep-alive")


def test_an_esme_that_sends_is_never_probed(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    for _ in range(6):
        smsmock.clock.advance("20s")
        esme.send("enquire_link")
        assert esme.read_pdu().command == "enquire_link_resp"
    assert len(fake.smpp.bound_sessions()) == 1
    assert not smsmock.journal.entries(contains="<- [1] enquire_link #")


def test_a_session_that_does_not_answer_enquire_link_is_unbound_and_closed(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    smsmock.clock.advance("30s")
    assert esme.read_pdu().command == "enquire_link"
    smsmock.clock.advance("29s")
    assert len(fake.smpp.bound_sessions()) == 1
    smsmock.clock.advance("1s")  # 30 s unanswered: Table 13's "timeout (keep alive) 30 sec"
    assert esme.read_pdu().command == "unbind"
    sock = esme.client._socket
    assert sock.recv(16) == b""  # then closed
    assert fake.smpp.sessions() == []
    summaries = [
        (e.at.strftime("%H:%M:%S"), e.summary)
        for e in smsmock.journal.entries(provider="infobip", channel="smpp")
    ]
    assert summaries[-2:] == [
        ("00:01:00", "[1] unbind #2"),
        ("00:01:00", "[1] closed: no answer to enquire_link #1 within 30 s (keep-alive timeout)"),
    ]
    esme.client.state = 0


def test_tls_listener_with_the_test_ca(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    context = smsmock.client_ssl_context()
    context.check_hostname = False  # smpplib passes no server_hostname; the CA still verifies
    esme = connect(esmes, fake.smpp_tls_address, ssl_context=context)
    assert esme.bind("trx").status == 0
    assert esme.submit("over TLS", registered_delivery=1).status == 0
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    assert fake.smpp.bound_sessions()[0].tls


def test_reset_closes_the_sessions_of_the_previous_test(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    esme = connect(esmes, smsmock.enhanced_smpp.smpp_address)
    esme.bind("trx")
    smsmock.reset()
    assert smsmock.enhanced_smpp.smpp.sessions() == []
    esme.client.state = 0


def test_under_freezegun_the_domain_follows_frozen_time_and_the_transport_real_time(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    freezegun = pytest.importorskip("freezegun")
    fake = smsmock.infobip
    with freezegun.freeze_time("2030-05-01 12:00:00"):
        esme = connect(esmes, fake.smpp_address)
        esme.bind("trx")
        resp = esme.submit(registered_delivery=1)
        assert resp.status == 0
        assert fake.messages.last.submitted_at.isoformat() == "2030-05-01T12:00:00+00:00"
        smsmock.clock.advance("5s")
        assert fake.smpp.flush()
        esme.read_until(lambda: len(esme.delivered) == 1)
    text = receipt_text(esme.delivered[0])
    assert "submit date:3005011200 done date:3005011200 stat:DELIVRD" in text
