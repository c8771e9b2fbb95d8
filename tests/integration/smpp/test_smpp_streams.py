"""The same PDU stream gives the same answers and the same journal however TCP cuts it, and
requests are answered in order: pipelined submits, submit + unbind in one write, the smpplib
receipt flow repeated."""

from __future__ import annotations

import functools
import itertools
import socket
from typing import Any

import pytest
import smpplib.client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from smpp_esme import submit_sm

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.codec import PduReader, encode
from pytest_smsmock.smpp.pdus import (
    BindTransceiver,
    EnquireLink,
    Pdu,
    SubmitSmResp,
    Unbind,
    UnbindResp,
)

PROFILES = ["infobip", "broadnet", "enhanced_smpp"]
THROTTLED = 0x58


submit = functools.partial(submit_sm, short_message=b"pipelined")


def stream(submits: int) -> bytes:
    pdus: list[Pdu] = [BindTransceiver(sequence_number=1, system_id="test", password="test")]
    pdus += [submit(seq) for seq in range(2, 2 + submits)]
    pdus.append(EnquireLink(sequence_number=2 + submits))
    pdus.append(Unbind(sequence_number=3 + submits))
    data = b"".join(encode(pdu) for pdu in pdus)
    # An unknown command in the middle: generic_nack, and the session goes on.
    unknown = (16).to_bytes(4, "big") + bytes.fromhex("00000077 00000000 0000ffff")
    cut = len(encode(pdus[0])) + 3 * len(encode(pdus[1]))
    return data[:cut] + unknown + data[cut:]


def exchange(address: tuple[str, int], chunks: list[bytes]) -> bytes:
    """Write `chunks` one by one, then read every answer until the SMSC closes."""
    with socket.create_connection(address, timeout=5) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for chunk in chunks:
            sock.sendall(chunk)
        received = b""
        while data := sock.recv(65536):
            received += data
    return received


def run(smsmock: SmsMock, provider: str, chunks: list[bytes]) -> tuple[bytes, str]:
    smsmock.reset()
    answers = exchange(smsmock.fakes[provider].smpp_addresses["plain"], chunks)
    assert smsmock.take_errors() == []
    return answers, smsmock.journal.dumps()


def cut(data: bytes, points: list[int]) -> list[bytes]:
    edges = [0, *sorted(set(points)), len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


def decode_all(data: bytes) -> list[Any]:
    reader = PduReader()
    items = reader.feed(data)
    assert reader.buffered == 0
    return items


@pytest.mark.parametrize("provider", PROFILES)
def test_one_write_and_one_octet_writes_give_identical_answers_and_journals(
    smsmock: SmsMock, provider: str
) -> None:
    data = stream(40)
    whole = run(smsmock, provider, [data])
    octets = run(smsmock, provider, [data[i : i + 1] for i in range(len(data))])
    assert octets[0] == whole[0]
    assert octets[1] == whole[1]
    answers = decode_all(whole[0])
    statuses = [a.command_status for a in answers if isinstance(a, SubmitSmResp)]
    expected = [0] * 40 if provider != "enhanced_smpp" else [0] * 30 + [THROTTLED] * 10
    assert statuses == expected
    assert isinstance(answers[-1], UnbindResp)


@pytest.mark.parametrize("provider", PROFILES)
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(points=st.lists(st.integers(min_value=1, max_value=len(stream(40)) - 1), max_size=60))
def test_random_chunks_give_identical_answers_and_journals(
    smsmock: SmsMock, provider: str, points: list[int]
) -> None:
    data = stream(40)
    reference = run(smsmock, provider, [data])
    assert run(smsmock, provider, cut(data, points)) == reference


@pytest.mark.parametrize("provider", PROFILES)
def test_submit_and_unbind_in_one_write_are_answered_in_order(
    smsmock: SmsMock, provider: str
) -> None:
    bind = encode(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    answers = decode_all(
        exchange(
            smsmock.fakes[provider].smpp_addresses["plain"],
            [bind, encode(submit(2)) + encode(Unbind(sequence_number=3))],
        )
    )
    assert [(type(a).__name__, a.sequence_number, a.command_status) for a in answers[1:]] == [
        ("SubmitSmResp", 2, 0),
        ("UnbindResp", 3, 0),
    ]
    assert len(smsmock.fakes[provider].messages) == 1
    assert smsmock.take_errors() == []


def test_an_unbind_waits_for_a_held_answer(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "faults": [
                {"on": "broadnet:smpp:submit_sm", "kind": "delayed_response", "delay": "0.2s"}
            ],
        }
    )
    bind = encode(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    answers = decode_all(
        exchange(
            smsmock.broadnet.smpp_addresses["plain"],
            [bind, encode(submit(2)) + encode(Unbind(sequence_number=3))],
        )
    )
    assert [type(a).__name__ for a in answers[1:]] == ["SubmitSmResp", "UnbindResp"]
    summaries = [e.summary for e in smsmock.journal.entries(provider="broadnet", channel="smpp")]
    assert "[1] unbind #3 (answered after 1 held answer(s))" in summaries
    assert smsmock.take_errors() == []


# -- 40 pipelined submits through python-smpplib ------------------------------------------------


def smpplib_client(address: tuple[str, int]) -> smpplib.client.Client:
    client = smpplib.client.Client(*address, timeout=5, allow_unknown_opt_params=True)
    client.connect()
    client.bind_transceiver(system_id="test", password="test")
    return client


@pytest.mark.parametrize("provider", PROFILES)
def test_forty_submits_sent_in_a_loop_through_smpplib(smsmock: SmsMock, provider: str) -> None:
    client = smpplib_client(smsmock.fakes[provider].smpp_addresses["plain"])
    statuses: list[int] = []
    client.set_message_sent_handler(lambda pdu, **_: statuses.append(pdu.status))
    client.set_error_pdu_handler(lambda pdu: statuses.append(pdu.status))
    try:
        for _ in range(40):
            client.send_message(
                source_addr_ton=1,
                source_addr_npi=1,
                source_addr="38591000",
                dest_addr_ton=1,
                dest_addr_npi=1,
                destination_addr="962791234567",
                short_message=b"pipelined",
            )
        while len(statuses) < 40:
            client.read_once(auto_send_enquire_link=False)
    finally:
        client.unbind()
        client.disconnect()
    expected = [0] * 40 if provider != "enhanced_smpp" else [0] * 30 + [THROTTLED] * 10
    assert statuses == expected


# -- the documented receipt flow, again and again -----------------------------------------------


def receipt_flow(smsmock: SmsMock, provider: str) -> str:
    smsmock.reset()
    fake = smsmock.fakes[provider]
    receipts: list[Any] = []
    client = smpplib.client.Client(
        *fake.smpp_addresses["plain"], timeout=5, allow_unknown_opt_params=True
    )
    client.set_message_received_handler(lambda pdu: receipts.append(pdu))
    client.connect()
    client.bind_transceiver(system_id="test", password="test")
    client.send_message(
        source_addr_ton=1,
        source_addr="38591000",
        dest_addr_ton=1,
        destination_addr="962791234567",
        short_message=b"hello",
        registered_delivery=1,
    )
    client.read_once()  # submit_sm_resp
    smsmock.clock.advance("5s")  # delivered: the receipt goes out
    client.read_once()  # deliver_sm, answered by smpplib
    smsmock.clock.advance("10m")
    assert len(receipts) == 1
    journal = smsmock.journal.dumps()
    client.disconnect()
    return journal


@pytest.mark.parametrize("provider", PROFILES)
def test_the_smpplib_receipt_flow_fifty_times(smsmock: SmsMock, provider: str) -> None:
    journals = [receipt_flow(smsmock, provider) for _ in range(50)]
    first = journals[0]
    assert first.count("deliver_sm #") == 1  # sent once
    assert "deliver_sm_resp #" in first
    assert "no answer to deliver_sm" not in first
    assert all(journal == first for journal in journals)


# -- reads of the fakes' state see what clients sent before them --------------------------------


@pytest.mark.parametrize("provider", PROFILES)
def test_reading_the_fakes_sees_what_was_written_before_the_read(
    smsmock: SmsMock, provider: str
) -> None:
    fake = smsmock.fakes[provider]
    with socket.create_connection(fake.smpp_addresses["plain"], timeout=5) as sock:
        sock.sendall(
            encode(BindTransceiver(sequence_number=1, system_id="test", password="test"))
            + encode(submit(2))
        )
        assert len(fake.messages) == 1  # no reading of the answers, no flush, no wait
        assert smsmock.journal.entries(contains="submit_sm_resp #2")
        sock.sendall(encode(submit(3)))
        assert fake.messages[-1].message_id != fake.messages[0].message_id
