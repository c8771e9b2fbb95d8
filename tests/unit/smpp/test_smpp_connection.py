from __future__ import annotations

import pytest
from smpp_wire import bound_connection, feed, pdus_in, written

from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.connection import (
    SUBMIT_STATES,
    BindRequested,
    ConnectionClosed,
    EnquireLinkAnswered,
    EnquireLinkSent,
    Refused,
    RequestReceived,
    RequestTimedOut,
    ResponseReceived,
    SessionConfig,
    SmscConnection,
    UnbindAnswered,
    UnbindHeld,
    UnexpectedResponse,
)
from pytest_smsmock.smpp.constants import CommandId, CommandStatus
from pytest_smsmock.smpp.errors import DecodeError, LocalProtocolError
from pytest_smsmock.smpp.pdus import (
    BindReceiver,
    BindTransmitter,
    BindTransmitterResp,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    QuerySm,
    SubmitSm,
    SubmitSmResp,
    Unbind,
    UnbindResp,
)
from pytest_smsmock.smpp.session import Action, Sender, State, outcome_for
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag

S = CommandStatus


def submit(seq: int) -> bytes:
    return encode(SubmitSm(sequence_number=seq, destination_addr="38591", short_message=b"x"))


# -- bind ---------------------------------------------------------------------------------------


def test_bind_is_decided_by_the_application() -> None:
    conn = SmscConnection(now=0.0)
    bind = BindTransmitter(sequence_number=1, system_id="esme", password="a-long-password-9+")
    (event,) = feed(conn, encode(bind), now=0.0)
    assert event == BindRequested(pdu=bind)
    assert event.data == b""
    assert conn.state is State.BINDING

    version = (Tlv(tag=TlvTag.SC_INTERFACE_VERSION, value=0x34),)
    data = conn.accept_bind(system_id="smsc", now=0.0, tlvs=version)
    assert pdus_in(data) == [BindTransmitterResp(sequence_number=1, system_id="smsc", tlvs=version)]
    assert conn.state is State.BOUND_TX
    assert conn.bound_system_id == "esme"


def test_rejected_bind_goes_back_to_open_and_may_be_retried() -> None:
    conn = SmscConnection(now=0.0)
    feed(conn, encode(BindReceiver(sequence_number=1, system_id="esme")), now=0.0)
    data = conn.reject_bind(S.ESME_RINVPASWD, now=0.0)
    (resp,) = pdus_in(data)
    assert resp.command_id is CommandId.BIND_RECEIVER_RESP
    assert resp.command_status == S.ESME_RINVPASWD  # type: ignore[attr-defined]
    assert data[:4] == b"\x00\x00\x00\x10"  # error body omitted
    assert conn.state is State.OPEN
    assert conn.bound_system_id is None
    (again,) = feed(conn, encode(BindReceiver(sequence_number=2, system_id="e")), now=1)
    assert isinstance(again, BindRequested)


def test_accept_bind_without_a_pending_bind_is_a_local_error() -> None:
    conn = SmscConnection(now=0.0)
    with pytest.raises(LocalProtocolError):
        conn.accept_bind(system_id="smsc", now=0.0)
    with pytest.raises(LocalProtocolError):
        conn.reject_bind(S.ESME_ROK, now=0.0)


# -- submit and delivery ------------------------------------------------------------------------


def test_submit_answered_with_a_message_id_then_a_delivery_receipt() -> None:
    conn = bound_connection("trx")
    (event,) = feed(conn, submit(2), now=1.0)
    assert isinstance(event, RequestReceived)
    assert isinstance(event.pdu, SubmitSm)
    assert conn.pending_requests == (event.pdu,)
    assert pdus_in(conn.accept_submit(event.pdu, "msg-1", now=1.0)) == [
        SubmitSmResp(sequence_number=2, message_id="msg-1")
    ]
    assert conn.pending_requests == ()

    dr = DeliverSm(sequence_number=conn.next_sequence_number(), esm_class=0x04, short_message=b"x")
    assert conn.send(dr, now=2.0) == encode(dr)
    assert conn.outstanding_requests == (dr,)
    resp = DeliverSmResp(sequence_number=dr.sequence_number)
    (got,) = feed(conn, encode(resp), now=2.5)
    assert got == ResponseReceived(pdu=resp, request=dr)
    assert conn.outstanding_requests == ()


def test_reject_answers_with_an_error_and_no_body() -> None:
    conn = bound_connection("tx")
    (event,) = feed(conn, submit(2), now=1.0)
    assert isinstance(event, RequestReceived)
    data = conn.reject(event.pdu, 0x22, now=1.0)
    assert pdus_in(data) == [SubmitSmResp(sequence_number=2, command_status=0x22, message_id=None)]


def test_responses_must_answer_a_pending_request_of_the_same_command() -> None:
    conn = bound_connection("trx")
    with pytest.raises(LocalProtocolError, match="answers no pending request"):
        conn.send(SubmitSmResp(sequence_number=9, message_id="x"), now=0.0)
    feed(conn, encode(QuerySm(sequence_number=3, message_id="m")), now=0.0)
    with pytest.raises(LocalProtocolError, match="cannot answer query_sm"):
        conn.send(SubmitSmResp(sequence_number=3, message_id="x"), now=0.0)


def test_response_with_the_wrong_command_is_unexpected() -> None:
    conn = bound_connection("trx")
    conn.send(DeliverSm(sequence_number=5), now=0.0)
    (event,) = feed(conn, encode(EnquireLinkResp(sequence_number=5)), now=0.0)
    assert isinstance(event, UnexpectedResponse)
    assert event.data == b""
    assert len(conn.outstanding_requests) == 1


def test_generic_nack_answers_an_smsc_request() -> None:
    conn = bound_connection("trx")
    dr = DeliverSm(sequence_number=5)
    conn.send(dr, now=0.0)
    nack = GenericNack(sequence_number=5, command_status=S.ESME_RINVCMDID)
    assert feed(conn, encode(nack), now=0.0) == [ResponseReceived(pdu=nack, request=dr)]


def test_malformed_request_gets_its_own_response_with_the_status() -> None:
    conn = bound_connection("trx")
    sm = encode(SubmitSm(sequence_number=4, destination_addr="1" * 20))
    bad = sm.replace(b"1" * 20 + b"\x00", b"1" * 30 + b"\x00")
    bad = len(bad).to_bytes(4, "big") + bad[4:]
    (event,) = feed(conn, bad, now=0.0)
    assert isinstance(event, Refused)
    assert isinstance(event.error, DecodeError)
    assert pdus_in(event.data) == [
        SubmitSmResp(sequence_number=4, command_status=S.ESME_RINVDSTADR, message_id=None)
    ]
    assert conn.state is State.BOUND_TRX


def test_unknown_command_gets_generic_nack_and_the_session_goes_on() -> None:
    conn = bound_connection("trx")
    unknown = (16).to_bytes(4, "big") + bytes.fromhex("00000077 00000000 0000000b")
    events = feed(conn, unknown + submit(12), now=0.0)
    assert [type(e) for e in events] == [Refused, RequestReceived]
    assert pdus_in(events[0].data) == [
        GenericNack(sequence_number=11, command_status=S.ESME_RINVCMDID)
    ]


def test_bad_command_length_answers_generic_nack_and_closes() -> None:
    conn = bound_connection("trx")
    events = feed(conn, b"\x00\x00\x00\x04garbage" + submit(3), now=0.0)
    assert [type(e) for e in events] == [Refused, ConnectionClosed]
    assert pdus_in(events[0].data) == [
        GenericNack(sequence_number=0, command_status=S.ESME_RINVCMDLEN)
    ]
    assert conn.state is State.CLOSED
    assert feed(conn, submit(4), now=1.0) == []


def test_unsupported_commands_of_a_provider_get_generic_nack() -> None:
    infobip = frozenset(
        {
            CommandId.BIND_TRANSMITTER,
            CommandId.BIND_RECEIVER,
            CommandId.BIND_TRANSCEIVER,
            CommandId.UNBIND,
            CommandId.SUBMIT_SM,
            CommandId.ENQUIRE_LINK,
        }
    )
    conn = bound_connection("trx", supported_commands=infobip)
    (event,) = feed(conn, encode(QuerySm(sequence_number=8, message_id="m")), now=0.0)
    assert isinstance(event, Refused)
    assert pdus_in(event.data) == [GenericNack(sequence_number=8, command_status=S.ESME_RINVCMDID)]
    (ok,) = feed(conn, submit(9), now=0.0)
    assert isinstance(ok, RequestReceived)


# -- unbind ------------------------------------------------------------------------------------


def test_esme_unbind_is_answered_then_the_session_closes() -> None:
    conn = bound_connection("tx")
    events = feed(conn, encode(Unbind(sequence_number=7)) + submit(8), now=0.0)
    assert [type(e).__name__ for e in events] == ["UnbindAnswered", "ConnectionClosed"]
    assert written(events) == [UnbindResp(sequence_number=7)]
    assert conn.state is State.CLOSED
    with pytest.raises(LocalProtocolError):
        conn.send(EnquireLink(sequence_number=1), now=0.0)


def test_smsc_unbind_waits_for_unbind_resp() -> None:
    conn = bound_connection("trx")
    unbind = Unbind(sequence_number=conn.next_sequence_number())
    conn.send(unbind, now=0.0)
    assert conn.state is State.UNBOUND
    (refused,) = feed(conn, submit(5), now=0.0)
    assert pdus_in(refused.data)[0].command_status == S.ESME_RINVBNDSTS  # type: ignore[attr-defined]
    events = feed(conn, encode(UnbindResp(sequence_number=unbind.sequence_number)), now=0)
    assert [type(e) for e in events] == [ResponseReceived, ConnectionClosed]
    assert conn.state is State.CLOSED


# -- windows ------------------------------------------------------------------------------------


def test_inbound_window_refuses_with_message_queue_full() -> None:
    conn = bound_connection("trx", window=2)
    events = feed(conn, submit(2) + submit(3) + submit(4), now=0.0)
    assert [type(e) for e in events] == [RequestReceived, RequestReceived, Refused]
    assert pdus_in(events[2].data) == [
        SubmitSmResp(sequence_number=4, command_status=S.ESME_RMSGQFUL, message_id=None)
    ]
    # enquire_link is not windowed
    (link,) = feed(conn, encode(EnquireLink(sequence_number=5)), now=0.0)
    assert isinstance(link, EnquireLinkAnswered)
    assert written([link]) == [EnquireLinkResp(sequence_number=5)]
    # answering one frees a slot
    first = events[0]
    assert isinstance(first, RequestReceived)
    conn.reject(first.pdu, S.ESME_RSYSERR, now=0.0)
    (again,) = feed(conn, submit(6), now=0.0)
    assert isinstance(again, RequestReceived)


def test_window_status_is_configurable() -> None:
    conn = bound_connection("trx", window=1, window_status=S.ESME_RTHROTTLED)
    events = feed(conn, submit(2) + submit(3), now=0.0)
    assert pdus_in(events[1].data)[0].command_status == S.ESME_RTHROTTLED  # type: ignore[attr-defined]


def test_outbound_window_is_enforced_locally() -> None:
    conn = bound_connection("rx", window=2)
    for _ in range(2):
        conn.send(DeliverSm(sequence_number=conn.next_sequence_number()), now=0.0)
    assert conn.window_free == 0
    with pytest.raises(LocalProtocolError) as info:
        conn.send(DeliverSm(sequence_number=conn.next_sequence_number()), now=0.0)
    assert info.value.status == S.ESME_RMSGQFUL
    # keep-alive still goes out
    conn.send(EnquireLink(sequence_number=conn.next_sequence_number()), now=0.0)
    first = conn.outstanding_requests[0]
    feed(conn, encode(DeliverSmResp(sequence_number=first.sequence_number)), now=0.0)
    assert conn.window_free == 1


def test_sequence_numbers_skip_outstanding_ones_and_wrap() -> None:
    conn = bound_connection("rx")
    conn._next_sequence = 0x7FFFFFFF
    assert conn.next_sequence_number() == 0x7FFFFFFF
    assert conn.next_sequence_number() == 1
    conn.send(DeliverSm(sequence_number=2), now=0.0)
    assert conn.next_sequence_number() == 3
    with pytest.raises(LocalProtocolError, match="already outstanding"):
        conn.send(DeliverSm(sequence_number=2), now=0.0)


# -- timers -------------------------------------------------------------------------------------


def test_enquire_link_sent_after_silence_and_not_repeated_while_outstanding() -> None:
    conn = bound_connection("trx", enquire_link_interval=30.0)
    assert conn.next_deadline() == 30.0
    assert conn.check_timers(now=29.9) == []
    (sent,) = conn.check_timers(now=30.0)
    assert isinstance(sent, EnquireLinkSent)
    assert pdus_in(sent.data) == [sent.pdu]
    assert conn.next_deadline() is None  # waits for the answer
    assert conn.check_timers(now=100.0) == []
    resp = EnquireLinkResp(sequence_number=sent.pdu.sequence_number)
    (got,) = feed(conn, encode(resp), now=101.0)
    assert isinstance(got, ResponseReceived)
    assert conn.next_deadline() == 131.0


def test_traffic_from_the_esme_postpones_the_enquire_link() -> None:
    conn = bound_connection("trx", enquire_link_interval=30.0)
    feed(conn, encode(EnquireLink(sequence_number=9)), now=20.0)
    assert conn.next_deadline() == 50.0
    assert conn.check_timers(now=49.0) == []


def test_inactivity_closes_the_session() -> None:
    conn = bound_connection("trx", inactivity_timeout=30.0)
    feed(conn, encode(EnquireLink(sequence_number=2)), now=25.0)
    assert conn.next_deadline() == 55.0
    assert conn.check_timers(now=54.99) == []
    (closed,) = conn.check_timers(now=55.0)
    assert isinstance(closed, ConnectionClosed)
    assert "30.0 s" in closed.reason
    assert conn.state is State.CLOSED
    assert conn.next_deadline() is None


def test_bind_timeout_closes_an_unbound_connection_only() -> None:
    idle = SmscConnection(now=100.0, config=SessionConfig(bind_timeout=10.0))
    assert idle.next_deadline() == 110.0
    (closed,) = idle.check_timers(now=110.0)
    assert isinstance(closed, ConnectionClosed)
    bound = bound_connection("tx", now=100.0, bind_timeout=10.0)
    assert bound.next_deadline() is None
    assert bound.check_timers(now=1000.0) == []


def test_unanswered_request_times_out_and_frees_the_window() -> None:
    conn = bound_connection("rx", window=1, response_timeout=5.0)
    dr = DeliverSm(sequence_number=conn.next_sequence_number())
    conn.send(dr, now=10.0)
    assert conn.window_free == 0
    assert conn.next_deadline() == 15.0
    assert conn.check_timers(now=14.0) == []
    assert conn.check_timers(now=15.0) == [RequestTimedOut(request=dr)]
    assert conn.window_free == 1
    (late,) = feed(conn, encode(DeliverSmResp(sequence_number=dr.sequence_number)), now=16)
    assert isinstance(late, UnexpectedResponse)


@pytest.mark.parametrize("state", sorted(SUBMIT_STATES, key=lambda s: s.value))
def test_the_submit_answer_hot_path_agrees_with_the_state_table(state: State) -> None:
    outcome = outcome_for(state, Sender.SMSC, CommandId.SUBMIT_SM_RESP)
    assert outcome.action is Action.SEND
    assert outcome.next_state is None


def test_answering_a_submit_frees_its_window_slot_and_cannot_answer_twice() -> None:
    conn = bound_connection(window=1)
    (event,) = feed(conn, encode(SubmitSm(sequence_number=7, destination_addr="1")), now=0)
    assert isinstance(event, RequestReceived)
    refused = feed(conn, encode(SubmitSm(sequence_number=8, destination_addr="1")), now=0)
    assert isinstance(refused[0], Refused)
    data = conn.send(SubmitSmResp(sequence_number=7, message_id="m7"), now=0)
    assert pdus_in(data) == [SubmitSmResp(sequence_number=7, message_id="m7")]
    assert conn.pending_requests == ()
    with pytest.raises(LocalProtocolError):
        conn.send(SubmitSmResp(sequence_number=7, message_id="m7"), now=0)
    (again,) = feed(conn, encode(SubmitSm(sequence_number=9, destination_addr="1")), now=0)
    assert isinstance(again, RequestReceived)


@pytest.mark.parametrize("state", sorted(State, key=lambda s: s.value))
def test_the_submit_delivery_hot_path_agrees_with_the_state_table(state: State) -> None:
    outcome = outcome_for(state, Sender.ESME, CommandId.SUBMIT_SM)
    assert (state in SUBMIT_STATES) == (outcome.action is Action.DELIVER)


def test_a_submit_sm_the_smsc_does_not_support_is_refused_on_the_hot_path_too() -> None:
    supported = frozenset({CommandId.BIND_TRANSCEIVER, CommandId.ENQUIRE_LINK})
    conn = bound_connection(supported_commands=supported)
    (event,) = feed(conn, encode(SubmitSm(sequence_number=5, destination_addr="1")), now=0)
    assert isinstance(event, Refused)
    assert pdus_in(event.data)[0].command_status == CommandStatus.ESME_RINVCMDID


def test_a_repeated_sequence_number_is_refused_on_the_hot_path_too() -> None:
    conn = bound_connection()
    submit = encode(SubmitSm(sequence_number=5, destination_addr="1"))
    first, second = feed(conn, submit + submit, now=0)
    assert isinstance(first, RequestReceived)
    assert first.frame == submit
    assert isinstance(second, Refused)
    assert pdus_in(second.data)[0].command_status == CommandStatus.ESME_RSYSERR


# -- answers held, not requests read ------------------------------------------------------------


def answer_each(conn: SmscConnection, data: bytes, *, now: float = 0.0) -> bytes:
    """What an application that answers every request at once writes for `data`."""
    conn.receive_data(data, now=now)
    out = b""
    while (event := conn.next_event(now=now)) is not None:
        out += event.data
        if isinstance(event, RequestReceived):
            assert isinstance(event.pdu, SubmitSm)
            out += conn.accept_submit(event.pdu, f"m{event.pdu.sequence_number}", now=now)
    return out


def test_pipelined_submits_answered_at_once_never_fill_the_window() -> None:
    conn = bound_connection("trx", window=10)
    out = answer_each(conn, b"".join(submit(seq) for seq in range(2, 42)))
    answers = pdus_in(out)
    assert [a.sequence_number for a in answers] == list(range(2, 42))
    assert {a.command_status for a in answers} == {S.ESME_ROK}  # type: ignore[attr-defined]
    assert conn.pending_requests == ()


def test_the_same_stream_gives_the_same_answers_however_it_is_cut() -> None:
    stream = b"".join(submit(seq) for seq in range(2, 30)) + encode(EnquireLink(sequence_number=30))
    whole = answer_each(bound_connection("trx", window=3), stream)
    conn = bound_connection("trx", window=3)
    by_octet = b"".join(answer_each(conn, stream[i : i + 1]) for i in range(len(stream)))
    assert by_octet == whole


def test_a_window_refusal_counts_the_answers_really_held() -> None:
    conn = bound_connection("trx", window=2)
    conn.receive_data(submit(2) + submit(3) + submit(4) + submit(5), now=0.0)
    held = conn.next_event(now=0.0)
    assert isinstance(held, RequestReceived)  # held: not answered
    answered = conn.next_event(now=0.0)
    assert isinstance(answered, RequestReceived)
    conn.accept_submit(answered.pdu, "m3", now=0.0)  # type: ignore[arg-type]
    third = conn.next_event(now=0.0)
    assert isinstance(third, RequestReceived)  # one held: room for this one
    refused = conn.next_event(now=0.0)  # two held now: the fourth is refused
    assert isinstance(refused, Refused)
    assert pdus_in(refused.data)[0].command_status == S.ESME_RMSGQFUL  # type: ignore[attr-defined]


def test_submit_then_unbind_in_one_read_answers_both_in_order() -> None:
    conn = bound_connection("tx")
    out = answer_each(conn, submit(2) + encode(Unbind(sequence_number=3)))
    assert pdus_in(out) == [
        SubmitSmResp(sequence_number=2, message_id="m2"),
        UnbindResp(sequence_number=3),
    ]
    assert conn.state is State.CLOSED


def test_an_unbind_behind_a_held_answer_is_answered_after_it() -> None:
    conn = bound_connection("trx")
    conn.receive_data(submit(2) + encode(Unbind(sequence_number=3)) + submit(4), now=0.0)
    request = conn.next_event(now=0.0)
    assert isinstance(request, RequestReceived)
    held = conn.next_event(now=0.0)
    assert isinstance(held, UnbindHeld)
    assert (held.held, held.data) == (1, b"")
    assert conn.state is State.CLOSING
    late = conn.next_event(now=0.0)  # a request after the unbind: refused, not handed out
    assert isinstance(late, Refused)
    assert pdus_in(late.data)[0].command_status == S.ESME_RINVBNDSTS  # type: ignore[attr-defined]
    assert conn.next_event(now=0.0) is None
    data = conn.accept_submit(request.pdu, "m2", now=1.0)  # type: ignore[arg-type]
    assert pdus_in(data) == [SubmitSmResp(sequence_number=2, message_id="m2")]
    answered = conn.next_event(now=1.0)
    assert isinstance(answered, UnbindAnswered)
    assert pdus_in(answered.data) == [UnbindResp(sequence_number=3)]
    assert isinstance(conn.next_event(now=1.0), ConnectionClosed)
    assert conn.state is State.CLOSED


def test_keepalive_timeout_unbinds_and_closes_a_silent_session() -> None:
    conn = bound_connection("trx", enquire_link_interval=30.0, keepalive_timeout=30.0)
    (probe,) = conn.check_timers(now=30.0)
    assert isinstance(probe, EnquireLinkSent)
    assert conn.next_deadline() == 60.0
    assert conn.check_timers(now=59.0) == []
    timed_out, closed = conn.check_timers(now=60.0)
    assert timed_out == RequestTimedOut(request=probe.pdu)
    assert isinstance(closed, ConnectionClosed)
    assert "keep-alive" in closed.reason
    (unbind,) = pdus_in(closed.data)
    assert isinstance(unbind, Unbind)
    assert conn.state is State.CLOSED


def test_an_answered_probe_keeps_the_session() -> None:
    conn = bound_connection("trx", enquire_link_interval=30.0, keepalive_timeout=30.0)
    (probe,) = conn.check_timers(now=30.0)
    assert isinstance(probe, EnquireLinkSent)
    feed(conn, encode(EnquireLinkResp(sequence_number=probe.pdu.sequence_number)), now=45.0)
    assert conn.next_deadline() == 75.0  # the next probe, not a close
    assert conn.check_timers(now=60.0) == []
    assert conn.state is State.BOUND_TRX


def test_submit_states_are_read_off_the_table() -> None:
    assert {State.BOUND_TX, State.BOUND_TRX} == set(SUBMIT_STATES)
