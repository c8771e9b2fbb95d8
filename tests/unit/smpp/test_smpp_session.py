"""Every command in every session state, checked against SMPP 3.4 as read independently of
`session.TABLE`: the expectations below are written from the spec, not from the table."""

from __future__ import annotations

import pytest
from smpp_wire import bound_connection, feed, written

from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.connection import (
    BindRequested,
    ConnectionClosed,
    EnquireLinkAnswered,
    Event,
    Refused,
    RequestReceived,
    SmscConnection,
    UnbindAnswered,
    UnbindHeld,
    UnexpectedResponse,
)
from pytest_smsmock.smpp.constants import CommandId, CommandStatus, is_response
from pytest_smsmock.smpp.errors import LocalProtocolError
from pytest_smsmock.smpp.pdus import (
    PDU_TYPES,
    AlertNotification,
    BindTransceiver,
    DataSm,
    DeliverSm,
    DestAddress,
    EnquireLink,
    GenericNack,
    Outbind,
    Pdu,
    QuerySm,
    ReplaceSm,
    SubmitMulti,
    SubmitSm,
    Unbind,
)
from pytest_smsmock.smpp.session import State

C = CommandId
S = CommandStatus
SEQ = 42


def sample(command_id: CommandId) -> Pdu:
    """A minimal valid PDU of each type, as an ESME could send it."""
    cls = PDU_TYPES[command_id]
    if cls is SubmitMulti:
        return SubmitMulti(
            sequence_number=SEQ, dest_addresses=(DestAddress(destination_addr="3859"),)
        )
    if cls in (QuerySm, ReplaceSm):
        return cls(sequence_number=SEQ, message_id="m1")  # type: ignore[call-arg]
    if "system_id" in cls.__dataclass_fields__ and not is_response(command_id):
        return cls(sequence_number=SEQ, system_id="esme")  # type: ignore[call-arg]
    return cls(sequence_number=SEQ)


def connection_in(state: State) -> SmscConnection:
    if state is State.OPEN:
        return SmscConnection(now=0.0)
    if state is State.BINDING:
        conn = SmscConnection(now=0.0)
        feed(conn, encode(BindTransceiver(sequence_number=1, system_id="e")), now=0.0)
        return conn
    if state is State.UNBOUND:
        conn = bound_connection("trx")
        conn.send(Unbind(sequence_number=conn.next_sequence_number()), now=0.0)
        return conn
    if state is State.CLOSED:
        conn = bound_connection("trx")
        conn.close()
        return conn
    if state is State.CLOSING:
        conn = bound_connection("trx")
        held = SubmitSm(sequence_number=2, destination_addr="3859")
        (received,) = feed(conn, encode(held), now=0.0)
        assert isinstance(received, RequestReceived)  # not answered: held
        (unbind,) = feed(conn, encode(Unbind(sequence_number=3)), now=0.0)
        assert isinstance(unbind, UnbindHeld)
        return conn
    kind = {State.BOUND_TX: "tx", State.BOUND_RX: "rx", State.BOUND_TRX: "trx"}[state]
    return bound_connection(kind)


BINDS = {C.BIND_TRANSMITTER, C.BIND_RECEIVER, C.BIND_TRANSCEIVER}
MESSAGE_REQUESTS = {C.SUBMIT_SM, C.SUBMIT_MULTI, C.DATA_SM, C.QUERY_SM, C.CANCEL_SM, C.REPLACE_SM}
SMSC_ONLY = {C.DELIVER_SM, C.ALERT_NOTIFICATION, C.OUTBIND}
BOUND = {State.BOUND_TX, State.BOUND_RX, State.BOUND_TRX}


def expected(state: State, command: CommandId) -> tuple[str, int | None, State]:
    """(what happens, status of the answer, state afterwards) per SMPP 3.4."""
    if state is State.CLOSED:
        return ("nothing", None, State.CLOSED)
    if is_response(command):
        # nothing of ours is outstanding: the response is reported, never answered
        return ("unexpected", None, state)
    if command in SMSC_ONLY:
        return ("generic_nack", S.ESME_RINVCMDID, state)
    if command is C.ENQUIRE_LINK:
        return ("enquire_link_resp", S.ESME_ROK, state)
    if command in BINDS:
        if state is State.OPEN:
            return ("bind", None, State.BINDING)
        if state in (State.UNBOUND, State.CLOSING):
            return ("resp", S.ESME_RINVBNDSTS, state)
        return ("resp", S.ESME_RALYBND, state)
    if command is C.UNBIND:
        if state in BOUND or state is State.UNBOUND:
            return ("unbind_resp", S.ESME_ROK, State.CLOSED)
        return ("resp", S.ESME_RINVBNDSTS, state)
    assert command in MESSAGE_REQUESTS
    if state in (State.BOUND_TX, State.BOUND_TRX):
        return ("request", None, state)
    return ("resp", S.ESME_RINVBNDSTS, state)


def observed(events: list[Event]) -> tuple[str, int | None]:
    kinds = [type(e) for e in events]
    if not events:
        return ("nothing", None)
    if kinds == [BindRequested]:
        return ("bind", None)
    if kinds == [RequestReceived]:
        return ("request", None)
    if kinds == [UnexpectedResponse]:
        return ("unexpected", None)
    if kinds == [EnquireLinkAnswered]:
        (resp,) = written(events)
        assert resp.command_id is C.ENQUIRE_LINK_RESP
        return ("enquire_link_resp", resp.command_status)  # type: ignore[attr-defined]
    if kinds == [UnbindAnswered, ConnectionClosed]:
        (resp,) = written(events)
        assert resp.command_id is C.UNBIND_RESP
        return ("unbind_resp", resp.command_status)  # type: ignore[attr-defined]
    assert kinds == [Refused], kinds
    (resp,) = written(events)
    assert resp.sequence_number == SEQ
    if isinstance(resp, GenericNack):
        return ("generic_nack", resp.command_status)
    return ("resp", resp.command_status)  # type: ignore[attr-defined]


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
@pytest.mark.parametrize("command", list(CommandId), ids=lambda c: c.name.lower())
def test_every_command_in_every_state(state: State, command: CommandId) -> None:
    conn = connection_in(state)
    assert conn.state is state
    pdu = sample(command)
    events = feed(conn, encode(pdu), now=1.0)
    what, status, after = expected(state, command)
    assert observed(events) == (what, status)
    assert conn.state is after
    if what == "resp":
        (resp,) = written(events)
        assert resp.command_id == command | 0x80000000


SMSC_REQUESTS = {
    "deliver_sm": lambda: DeliverSm(sequence_number=500, short_message=b"hi"),
    "data_sm": lambda: DataSm(sequence_number=500),
    "alert_notification": lambda: AlertNotification(sequence_number=500),
    "enquire_link": lambda: EnquireLink(sequence_number=500),
    "unbind": lambda: Unbind(sequence_number=500),
    "outbind": lambda: Outbind(sequence_number=500, system_id="smsc"),
}
CAN_RECEIVE = {State.BOUND_RX, State.BOUND_TRX}
LIVE = set(State) - {State.CLOSED}


def smsc_may_send(state: State, name: str) -> bool:
    if name in ("deliver_sm", "data_sm", "alert_notification"):
        return state in CAN_RECEIVE  # only a receiver takes messages from the SMSC
    if name == "enquire_link":
        return state in LIVE
    if name == "unbind":
        return state in BOUND
    return state is State.OPEN  # outbind: before any bind


@pytest.mark.parametrize("state", list(State), ids=lambda s: s.value)
@pytest.mark.parametrize("name", list(SMSC_REQUESTS))
def test_what_the_smsc_may_send_in_every_state(state: State, name: str) -> None:
    conn = connection_in(state)
    pdu = SMSC_REQUESTS[name]()
    if smsc_may_send(state, name):
        assert conn.send(pdu, now=1.0) == encode(pdu)
        assert conn.state is (State.UNBOUND if name == "unbind" else state)
    else:
        with pytest.raises(LocalProtocolError) as info:
            conn.send(pdu, now=1.0)
        assert info.value.status in (S.ESME_RINVBNDSTS, S.ESME_RINVCMDID)
        assert conn.state is state


def test_smsc_cannot_send_esme_only_requests() -> None:
    conn = bound_connection("trx")
    with pytest.raises(LocalProtocolError) as info:
        conn.send(sample(C.SUBMIT_SM), now=0.0)
    assert info.value.status == S.ESME_RINVCMDID
