"""What a scenario fault does to an SMPP session, read from `scenario.faults.SMPP_BEHAVIOUR`.

A fault reaches a session two ways: the engine's `smpp_fault` for a PDU (a ``faults:`` entry of
the scenario), looked up before the PDU is handled; or a rule's ``fault:`` decided while a
submit went through the submission path, returned with the answer (`SmppService.submit`). Either
way the session does what the fault's row says for a bind, for a request, or for a submit
(`SubmitEffect`); nothing here compares kind names.

`SessionFaults` is a mixin of `servers/smpp/session.Session`: the attributes and methods it
declares below are the session's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pytest_smsmock.scenario.faults import SmppAction, SmppContext, SmppFault, SubmitEffect
from pytest_smsmock.servers.smpp.describe import describe_pdu
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.pdus import Bind, DeliverSm, GenericNack, Pdu, Request, Response

if TYPE_CHECKING:
    from pytest_smsmock.providers.base import ProviderFake, SmppListener
    from pytest_smsmock.providers.smpp_common import SmppService, SmppSession
    from pytest_smsmock.scenario.decisions import Decider
    from pytest_smsmock.smpp.connection import SmscConnection

__all__ = ["MAX_FAULT_DELAY", "SessionFaults"]

_S = CommandStatus

#: Real seconds a ``delayed_response`` may hold an answer, at most (an ESME's response timer
#: is wall-clock; tests never wait long).
MAX_FAULT_DELAY = 10.0

#: Actions that end the handling of the PDU by themselves (the `_common` ones).
_ENDING = frozenset(
    {SmppAction.SILENCE, SmppAction.DROP, SmppAction.BAD_LENGTH, SmppAction.BAD_COMMAND_ID}
)


class SessionFaults:
    """Fault handling of a session (see the module docstring)."""

    fake: ProviderFake
    listener: SmppListener
    service: SmppService
    conn: SmscConnection
    info: SmppSession
    closed: bool
    _engine: Callable[[], Decider]

    # The session's own output and journal (`servers/smpp/session.py`).
    def _send(self, data: bytes, pdu: Pdu | None = None) -> None: ...
    def _write(self, data: bytes) -> None: ...
    def _write_auto(self, data: bytes) -> None: ...
    def _flush_out(self) -> None: ...
    def _drain(self, now: float) -> None: ...
    def _record(
        self, direction: str, summary: str, pdu: Pdu | None = None, **detail: Any
    ) -> None: ...
    def _vnow(self) -> float:
        """Virtual time as the session timers count it (seconds)."""
        return self.fake.clock.now().timestamp()

    def unbind(self) -> None: ...
    def abort(self, reason: str) -> None: ...

    # -- lookup ----------------------------------------------------------------------------------
    def _fault(self, pdu: Request) -> SmppFault | None:
        """The scenario's fault for this PDU (`Decider.smpp_fault`), if any."""
        engine = self._engine()
        if engine.scenario is None:
            return None
        context = SmppContext(
            provider=self.fake.name,
            command=pdu.command_id.name.lower(),
            at=self.fake.clock.now(),
            listener=self.listener.name,
            system_id=getattr(pdu, "system_id", "") or self.info.username,
            sequence=pdu.sequence_number,
        )
        return engine.smpp_fault(self.fake.name, context.command, context)

    # -- binds -----------------------------------------------------------------------------------
    def _bind_fault(self, fault: SmppFault, bind: Bind, now: float) -> bool:
        """Perform `fault` on a bind; True when it stands instead of the bind_resp."""
        action = fault.behaviour.bind
        self._record("event", f"scenario fault {fault.kind} on {describe_pdu(bind)}")
        if action is SmppAction.REJECT:
            self._send(self.conn.reject_bind(fault.status, now=now))
            return True
        if action is SmppAction.NACK:
            nack = GenericNack(sequence_number=bind.sequence_number, command_status=fault.status)
            self._send(self.conn.send(nack, now=now), nack)
            return True
        if action is SmppAction.DELIVER_BEFORE_BIND:
            self._deliver_before_bind(bind)
            return False  # the bind is answered as usual, after it
        return self._ending(action, bind)

    def _deliver_before_bind(self, bind: Bind) -> None:
        """A deliver_sm before the bind_resp (SMPP 3.4 allows none before a receiver is bound):
        a copy of the first deliver_sm queued for the account, which still goes after the bind,
        or an empty one addressed to the system_id when nothing is queued. The SMSC tracks no
        answer to it: a deliver_sm_resp is journaled as answering nothing."""
        queued = self.service.pending(bind.system_id)
        fields = dict(queued[0].fields) if queued else {"destination_addr": bind.system_id[:20]}
        pdu = DeliverSm(sequence_number=self.conn.next_sequence_number(), **fields)
        self._record("out", describe_pdu(pdu) + " (before bind_resp)", pdu)
        self._write(encode(pdu))

    # -- requests --------------------------------------------------------------------------------
    def _request_fault(self, fault: SmppFault, request: Request, now: float) -> bool:
        """Perform `fault` on a request; True when it stands instead of the answer."""
        action = fault.behaviour.request
        self._record("event", f"scenario fault {fault.kind} on {describe_pdu(request)}")
        if action is SmppAction.REJECT:
            self._send(self.conn.reject(request, fault.status, now=now))
            return True
        if action is SmppAction.NACK:
            if fault.sequence == "zero":
                self._write(encode(GenericNack(sequence_number=0, command_status=fault.status)))
                return True
            nack = GenericNack(sequence_number=request.sequence_number, command_status=fault.status)
            self._send(self.conn.send(nack, now=now), nack)
            return True
        if action is SmppAction.LATE:
            response, ruled = self.service.handle_request(self.info, request)
            if response is None:  # a rule's fault stands instead of the answer
                assert ruled is not None
                self._submit_fault(ruled, request, None, now)
            else:
                self._answer_later(fault, response)
            return True
        if action is SmppAction.UNBIND:
            self.unbind()
            return True
        return self._ending(action, request)

    def _submit_fault(
        self, fault: SmppFault, request: Request, response: Response | None, now: float
    ) -> None:
        """A rule's fault met by a submit in the submission path: `response` is the answer of
        the accepted message, or None when the fault stands instead of it."""
        effect = fault.behaviour.on_submit
        if response is None or effect is SubmitEffect.REPLACE:
            if not self._request_fault(fault, request, now):
                self._send(self.conn.reject(request, _S.ESME_RSYSERR, now=now))
            return
        if effect is SubmitEffect.ACCEPT:
            self._record("event", f"scenario fault {fault.kind} on {describe_pdu(request)}")
            self._answer_later(fault, response)
            return
        self._record(
            "event",
            f"scenario fault {fault.kind} does not apply to {describe_pdu(request)}: answered",
        )
        self._send(self.conn.send(response, now=self._vnow()), response)

    def _answer_later(self, fault: SmppFault, response: Response) -> None:
        def answer() -> None:
            if not self.closed:
                try:
                    now = self._vnow()
                    self._send(self.conn.send(response, now=now), response)
                    self._drain(now)  # an unbind that waited for this answer
                finally:
                    self._flush_out()

        asyncio.get_running_loop().call_later(min(MAX_FAULT_DELAY, fault.delay_seconds), answer)

    def _answered_fault(self, fault: SmppFault, request: Request, answer: bytes) -> bool:
        """A fault on a request the core answered by itself (enquire_link)."""
        self._record("event", f"scenario fault {fault.kind} on {describe_pdu(request)}")
        action = fault.behaviour.request
        if action is SmppAction.LATE:

            def answer_later() -> None:
                if not self.closed:
                    self._write_auto(answer)
                    self._flush_out()

            delay = min(MAX_FAULT_DELAY, fault.delay_seconds)
            asyncio.get_running_loop().call_later(delay, answer_later)
            return True
        return self._ending(action, request)

    def _ending(self, action: SmppAction, request: Request) -> bool:
        """The actions any PDU can meet: silence, a dropped connection, a broken header."""
        if action not in _ENDING:
            return False  # kinds for other PDUs: answer normally
        if action is SmppAction.SILENCE:
            return True
        if action is SmppAction.DROP:
            self._flush_out()
            self.abort(f"scenario fault drop_connection on {request.command_id.name.lower()}")
            return True
        nack = GenericNack(sequence_number=request.sequence_number, command_status=_S.ESME_RSYSERR)
        data = bytearray(encode(nack))
        if action is SmppAction.BAD_LENGTH:
            data[0:4] = (8).to_bytes(4, "big")
        else:
            data[4:8] = (0x7FFF0000).to_bytes(4, "big")
        self._write(bytes(data))
        return True
