"""The SMPP 3.4 session state machine of the SMSC side, as one table.

Rules (SMPP 3.4 §2.2-2.3, §4; the table below is the whole truth, `connection.py` only obeys):

- States: OPEN (connected, not bound), BINDING (a bind is waiting for the application's
  verdict), BOUND_TX / BOUND_RX / BOUND_TRX, UNBOUND (the SMSC sent unbind and waits for
  unbind_resp), CLOSING (the ESME sent unbind while the SMSC still owed it answers: they go
  first, then unbind_resp), CLOSED (nothing more is read or written).
- A bind is only possible in OPEN; in a bound state it is answered ESME_RALYBND (so is a second
  bind while one is pending). Message requests (submit_sm, submit_multi, data_sm, query_sm,
  cancel_sm, replace_sm) need BOUND_TX or BOUND_TRX, otherwise ESME_RINVBNDSTS.
- enquire_link is answered in every state but CLOSED. unbind is answered with unbind_resp and
  the session closes; before a bind it is ESME_RINVBNDSTS. Requests are answered in order: an
  unbind that arrives while answers to earlier requests are still held (a slow or delayed
  answer) moves to the row's `held_state` (CLOSING) and is answered after the last of them.
  In CLOSING message requests and binds are ESME_RINVBNDSTS; the SMSC may still answer.
- PDUs only an SMSC sends (deliver_sm, alert_notification, outbind) and unknown command ids,
  when received from the ESME, get generic_nack ESME_RINVCMDID. Any pair missing from the
  table means exactly that.
- Responses from the ESME are matched against the SMSC's outstanding requests; they are never
  answered. unbind_resp while UNBOUND closes the session.
- The SMSC may send deliver_sm, data_sm and alert_notification only to a receiver or a
  transceiver; enquire_link and generic_nack whenever it is not CLOSED; unbind in a bound state
  (-> UNBOUND). A bind response settles BINDING: success -> the bound state of the bind, error
  -> back to OPEN. Anything else the application tries raises `LocalProtocolError`.
- A response never changes the state unless its row says so, and only with ESME_ROK
  (`next_state`) or an error (`error_state`).
"""

from __future__ import annotations

from enum import Enum

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.smpp.constants import CommandId, CommandStatus

__all__ = [
    "DEFAULT_OUTCOME",
    "TABLE",
    "Action",
    "Outcome",
    "Sender",
    "State",
    "outcome_for",
]


class State(Enum):
    OPEN = "open"
    BINDING = "binding"
    BOUND_TX = "bound_tx"
    BOUND_RX = "bound_rx"
    BOUND_TRX = "bound_trx"
    UNBOUND = "unbound"
    CLOSING = "closing"
    CLOSED = "closed"


class Sender(Enum):
    ESME = "esme"  # received by the SMSC connection
    SMSC = "smsc"  # sent by the application through the SMSC connection


class Action(Enum):
    # received from the ESME
    BIND = "bind"  # hand the bind to the application (-> BINDING)
    DELIVER = "deliver"  # hand the request to the application, which answers it
    ANSWER_ENQUIRE_LINK = "answer_enquire_link"  # enquire_link_resp, automatically
    ANSWER_UNBIND = "answer_unbind"  # unbind_resp, then CLOSED
    REJECT = "reject"  # the request's own response with `status` (generic_nack if it has none)
    NACK = "nack"  # generic_nack with `status`
    MATCH = "match"  # a response: match it with an outstanding request of the SMSC
    IGNORE = "ignore"  # drop silently
    # sent by the SMSC
    SEND = "send"
    FORBID = "forbid"  # LocalProtocolError carrying `status`


@value_class
class Outcome:
    action: Action
    status: int = CommandStatus.ESME_ROK
    next_state: State | None = None
    error_state: State | None = None
    # ANSWER_UNBIND only: the state while answers the SMSC owes are still held (the unbind is
    # answered after the last of them).
    held_state: State | None = None


_C = CommandId
_S = CommandStatus
_BINDS = {
    _C.BIND_TRANSMITTER: State.BOUND_TX,
    _C.BIND_RECEIVER: State.BOUND_RX,
    _C.BIND_TRANSCEIVER: State.BOUND_TRX,
}
_BIND_RESPS = {
    _C.BIND_TRANSMITTER_RESP: State.BOUND_TX,
    _C.BIND_RECEIVER_RESP: State.BOUND_RX,
    _C.BIND_TRANSCEIVER_RESP: State.BOUND_TRX,
}
_MESSAGE_REQUESTS = (
    _C.SUBMIT_SM,
    _C.SUBMIT_MULTI,
    _C.DATA_SM,
    _C.QUERY_SM,
    _C.CANCEL_SM,
    _C.REPLACE_SM,
)
# Responses the ESME may send to requests of the SMSC.
_ESME_RESPONSES = (
    _C.DELIVER_SM_RESP,
    _C.DATA_SM_RESP,
    _C.ENQUIRE_LINK_RESP,
    _C.UNBIND_RESP,
    _C.GENERIC_NACK,
)
# Responses the SMSC sends to requests it handed to the application.
_SMSC_RESPONSES = (
    _C.SUBMIT_SM_RESP,
    _C.SUBMIT_MULTI_RESP,
    _C.DATA_SM_RESP,
    _C.QUERY_SM_RESP,
    _C.CANCEL_SM_RESP,
    _C.REPLACE_SM_RESP,
    _C.GENERIC_NACK,
)
_LIVE = (
    State.OPEN,
    State.BINDING,
    State.BOUND_TX,
    State.BOUND_RX,
    State.BOUND_TRX,
    State.UNBOUND,
    State.CLOSING,
)
_BOUND = (State.BOUND_TX, State.BOUND_RX, State.BOUND_TRX)
_CAN_SUBMIT = (State.BOUND_TX, State.BOUND_TRX)
_CAN_RECEIVE = (State.BOUND_RX, State.BOUND_TRX)

_DELIVER = Outcome(action=Action.DELIVER)
_SEND = Outcome(action=Action.SEND)
_MATCH = Outcome(action=Action.MATCH)


def _reject(status: int) -> Outcome:
    return Outcome(action=Action.REJECT, status=status)


def _forbid(status: int) -> Outcome:
    return Outcome(action=Action.FORBID, status=status)


DEFAULT_OUTCOME = Outcome(action=Action.NACK, status=_S.ESME_RINVCMDID)
"""Any (state, sender, command) not in TABLE: generic_nack ESME_RINVCMDID on receipt."""

_DEFAULT_SEND = _forbid(_S.ESME_RINVCMDID)

TABLE: dict[tuple[State, Sender, CommandId], Outcome] = {
    # ---- received from the ESME --------------------------------------------------------
    **{
        (state, Sender.ESME, bind): Outcome(action=Action.BIND)
        if state is State.OPEN
        else _reject(_S.ESME_RALYBND if state in (State.BINDING, *_BOUND) else _S.ESME_RINVBNDSTS)
        for state in _LIVE
        for bind in _BINDS
    },
    **{
        (state, Sender.ESME, command): _DELIVER
        if state in _CAN_SUBMIT
        else _reject(_S.ESME_RINVBNDSTS)
        for state in _LIVE
        for command in _MESSAGE_REQUESTS
    },
    **{
        (state, Sender.ESME, _C.ENQUIRE_LINK): Outcome(action=Action.ANSWER_ENQUIRE_LINK)
        for state in _LIVE
    },
    **{
        (state, Sender.ESME, _C.UNBIND): Outcome(
            action=Action.ANSWER_UNBIND, next_state=State.CLOSED, held_state=State.CLOSING
        )
        if state in (*_BOUND, State.UNBOUND)
        else _reject(_S.ESME_RINVBNDSTS)
        for state in _LIVE
    },
    **{(state, Sender.ESME, resp): _MATCH for state in _LIVE for resp in _ESME_RESPONSES},
    (State.UNBOUND, Sender.ESME, _C.UNBIND_RESP): Outcome(
        action=Action.MATCH, next_state=State.CLOSED
    ),
    **{
        (State.CLOSED, Sender.ESME, command): Outcome(action=Action.IGNORE) for command in CommandId
    },
    # ---- sent by the application through the SMSC connection ---------------------------
    **{
        (state, Sender.SMSC, command): _SEND
        if state in _CAN_RECEIVE
        else _forbid(_S.ESME_RINVBNDSTS)
        for state in _LIVE
        for command in (_C.DELIVER_SM, _C.DATA_SM, _C.ALERT_NOTIFICATION)
    },
    **{(state, Sender.SMSC, _C.ENQUIRE_LINK): _SEND for state in _LIVE},
    **{
        (state, Sender.SMSC, _C.UNBIND): Outcome(action=Action.SEND, next_state=State.UNBOUND)
        if state in _BOUND
        else _forbid(_S.ESME_RINVBNDSTS)
        for state in _LIVE
    },
    (State.OPEN, Sender.SMSC, _C.OUTBIND): _SEND,
    **{
        (state, Sender.SMSC, resp): Outcome(
            action=Action.SEND, next_state=bound, error_state=State.OPEN
        )
        if state is State.BINDING
        else _forbid(_S.ESME_RINVBNDSTS)
        for state in _LIVE
        for resp, bound in _BIND_RESPS.items()
    },
    **{(state, Sender.SMSC, resp): _SEND for state in _LIVE for resp in _SMSC_RESPONSES},
    # A generic_nack answering the pending bind refuses it.
    (State.BINDING, Sender.SMSC, _C.GENERIC_NACK): Outcome(
        action=Action.SEND, error_state=State.OPEN
    ),
    **{(State.CLOSED, Sender.SMSC, command): _forbid(_S.ESME_RINVBNDSTS) for command in CommandId},
}


def outcome_for(state: State, sender: Sender, command_id: int) -> Outcome:
    """The table's outcome, with the documented defaults for missing pairs."""
    try:
        key = (state, sender, CommandId(command_id))
    except ValueError:
        key = None
    if key is not None and key in TABLE:
        return TABLE[key]
    if state is State.CLOSED:
        return Outcome(action=Action.IGNORE) if sender is Sender.ESME else _DEFAULT_SEND
    return DEFAULT_OUTCOME if sender is Sender.ESME else _DEFAULT_SEND
