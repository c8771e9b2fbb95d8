"""SMPP contracts: bind, enquire_link, submit_sm_resp, the receipt's text layout and TLVs, and a
refused bind's command_status, checked on one session against a fake or a live SMSC.

An SMPP interaction's request names an operation (``op``: bind, enquire_link, submit,
receipt, bind_refused); its response's ``status`` is the command_status expected, and its
``body`` the shape of the PDU's fields: mandatory fields by name, TLVs under ``tlvs`` by their
hex tag (``0x001e``), a receipt's text as a layout (``id:\\S+ sub:\\d+ ... stat:[A-Z]+``). The
same drift report as HTTP names a missing TLV, an id of another format, a changed layout.

A blocking client of its own (the project's sans-IO codec over one socket, reads bounded by a
timeout): the fakes' listener is the code under test, so the client is not shared with it.
"""

from __future__ import annotations

import re
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pytest_smsmock.contracts.model import CaseResult, Contract, Interaction, Report
from pytest_smsmock.contracts.shapes import Drift, compare, infer
from pytest_smsmock.smpp import (
    BindTransceiver,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    Pdu,
    PduReader,
    SubmitSm,
    Tlv,
    encode,
)

__all__ = ["SMPP_CASES", "SmppTarget", "record_smpp", "run_smpp"]

#: The operations of an SMPP suite, in the order they run on one session.
SMPP_CASES: list[dict[str, Any]] = [
    {"name": "bind-transceiver", "request": {"op": "bind"}},
    {"name": "enquire-link", "request": {"op": "enquire_link"}},
    {"name": "submit-sm", "sends": True, "request": {"op": "submit"}},
    {"name": "delivery-receipt", "sends": True, "request": {"op": "receipt"}},
    {"name": "bind-wrong-password", "request": {"op": "bind_refused"}},
]


@dataclass(frozen=True, slots=True, kw_only=True)
class SmppTarget:
    host: str
    port: int
    username: str = "test"
    password: str = "test"
    tls: bool = False
    ca_file: str | None = None
    description: str = "fake"
    timeout: float = 10.0
    #: Called while waiting for a receipt (a fake's clock advance); live: None, wait.
    wait: Callable[[], None] | None = None


class _Session:
    def __init__(self, target: SmppTarget) -> None:
        raw = socket.create_connection((target.host, target.port), timeout=target.timeout)
        if target.tls:
            context = ssl.create_default_context(cafile=target.ca_file)
            raw = context.wrap_socket(raw, server_hostname=target.host)
        self.sock = raw
        self.reader = PduReader()
        self.pending: list[Pdu] = []
        self.sequence = 0
        self.timeout = target.timeout

    def close(self) -> None:
        self.sock.close()

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def _read(self) -> None:
        data = self.sock.recv(65536)
        if not data:
            raise ConnectionError("the SMSC closed the connection")
        for item in self.reader.feed(data):
            if isinstance(item, Pdu):
                self.pending.append(item)

    def call(self, pdu: Pdu) -> Pdu:
        self.sock.sendall(encode(pdu))
        return self.wait_for(
            lambda p: p.sequence_number == pdu.sequence_number and not isinstance(p, DeliverSm)
        )

    def wait_for(self, match: Callable[[Pdu], bool], tick: Callable[[], None] | None = None) -> Pdu:
        deadline = time.monotonic() + self.timeout
        while True:
            for pdu in self.pending:
                if match(pdu):
                    self.pending.remove(pdu)
                    return pdu
            if time.monotonic() > deadline:
                raise TimeoutError("no answer")
            if tick is not None:
                tick()
                self.sock.settimeout(0.2)
                try:
                    self._read()
                except TimeoutError:
                    continue
                finally:
                    self.sock.settimeout(self.timeout)
            else:
                self._read()


def _tree(pdu: Pdu, fields: tuple[str, ...]) -> dict[str, Any]:
    tree: dict[str, Any] = {name: getattr(pdu, name) for name in fields}
    tlvs: tuple[Tlv, ...] = getattr(pdu, "tlvs", ())
    if tlvs:
        tree["tlvs"] = {
            f"0x{t.tag:04x}": ("0x" + t.value.hex() if isinstance(t.value, bytes) else t.value)
            for t in tlvs
        }
    return tree


def receipt_layout(text: str) -> str:
    """The layout of a receipt's text: field names kept, values by kind."""

    def value(match: re.Match[str]) -> str:
        raw = match.group(2)
        kind = r"\d+" if raw.isdigit() else r"[A-Z_]+" if re.fullmatch(r"[A-Z_]+", raw) else r"\S*"
        return re.escape(match.group(1)) + kind

    layout = re.sub(r"((?:^|\s)(?:[a-z ]+):)(\S*)", value, text.split(" text:")[0])
    return layout + (r"( text:.*)?" if " text:" in text else "")


def _operate(
    op: str, session: _Session | None, target: SmppTarget, state: dict[str, Any]
) -> tuple[int, dict[str, Any]]:
    """Run one operation: (command_status, tree of the answer)."""
    if op == "bind_refused":
        refused = _Session(target)
        try:
            answer = refused.call(
                BindTransceiver(sequence_number=1, system_id=target.username, password="wrong-pw")
            )
        finally:
            refused.close()
        return int(getattr(answer, "command_status", 0)), {}
    assert session is not None
    if op == "bind":
        answer = session.call(
            BindTransceiver(
                sequence_number=session.next_sequence(),
                system_id=target.username,
                password=target.password,
            )
        )
        return int(getattr(answer, "command_status", 0)), _tree(answer, ("system_id",))
    if op == "enquire_link":
        answer = session.call(EnquireLink(sequence_number=session.next_sequence()))
        return int(getattr(answer, "command_status", 0)), {}
    if op == "submit":
        answer = session.call(
            SubmitSm(
                sequence_number=session.next_sequence(),
                source_addr_ton=5,
                source_addr="Contract",
                dest_addr_ton=1,
                dest_addr_npi=1,
                destination_addr="962791234567",
                registered_delivery=1,
                short_message=b"contract test",
            )
        )
        state["message_id"] = getattr(answer, "message_id", None)
        return int(getattr(answer, "command_status", 0)), _tree(answer, ("message_id",))
    if op == "receipt":
        if state.get("message_id") is None:
            raise KeyError("message_id")
        receipt = session.wait_for(lambda p: isinstance(p, DeliverSm), tick=target.wait)
        assert isinstance(receipt, DeliverSm)
        session.sock.sendall(encode(DeliverSmResp(sequence_number=receipt.sequence_number)))
        tree = _tree(receipt, ("esm_class",))
        tree["short_message"] = receipt.short_message.decode("latin-1")
        return 0, tree
    raise ValueError(f"unknown SMPP operation {op!r}")


def _shape(op: str, tree: dict[str, Any]) -> dict[str, Any]:
    shape = infer(tree)
    keys = shape.get("keys", {})
    if op == "receipt":
        keys["short_message"] = {"type": "string", "regex": receipt_layout(tree["short_message"])}
        keys["esm_class"] = {"type": "integer"}
    return shape


def run_smpp(contract: Contract, target: SmppTarget, *, allow_sends: bool = False) -> Report:
    """Run an SMPP contract's interactions in order on one session."""
    results: list[CaseResult] = []
    state: dict[str, Any] = {}
    session: _Session | None = None
    try:
        session = _Session(target)
        for interaction in contract.interactions:
            results.append(
                _run_one(contract.provider, interaction, session, target, state, allow_sends)
            )
    except OSError as exc:
        results.append(
            CaseResult(
                provider=contract.provider,
                name="connect",
                outcome="drift",
                drifts=(
                    Drift(
                        field="connection",
                        kind="error",
                        expected="an answer",
                        actual=type(exc).__name__,
                    ),
                ),
            )
        )
    finally:
        if session is not None:
            session.close()
    return Report(target=target.description, cases=tuple(results))


def _run_one(
    provider: str,
    interaction: Interaction,
    session: _Session,
    target: SmppTarget,
    state: dict[str, Any],
    allow_sends: bool,
) -> CaseResult:
    def result(outcome: str, drifts: tuple[Drift, ...] = (), reason: str = "") -> CaseResult:
        return CaseResult(
            provider=provider, name=interaction.name, outcome=outcome, drifts=drifts, reason=reason
        )

    if interaction.sends and not allow_sends:
        return result("skipped", reason="sends: run with --allow-sends")
    op = str(interaction.request["op"])
    try:
        status, tree = _operate(op, session, target, state)
    except KeyError as exc:
        return result("skipped", reason=f"needs {exc.args[0]} from an earlier case")
    except (OSError, TimeoutError) as exc:
        return result(
            "drift",
            (
                Drift(
                    field="connection",
                    kind="error",
                    expected="an answer",
                    actual=type(exc).__name__,
                ),
            ),
        )
    drifts: list[Drift] = []
    expected = interaction.response
    if status != expected["status"]:
        drifts.append(
            Drift(
                field="command_status",
                kind="status",
                expected=f"0x{expected['status']:08X}",
                actual=f"0x{status:08X}",
            )
        )
    if expected.get("body") is not None:
        drifts += compare(expected["body"], tree)
    return result("drift" if drifts else "ok", tuple(drifts))


def record_smpp(provider: str) -> Contract:
    """The provider's SMPP suite, its shapes recorded from a fresh fake."""
    from pytest_smsmock.hub import SmsMock

    interactions = []
    with SmsMock(providers=(provider,)) as hub:
        fake = getattr(hub, provider)
        host, port = fake.smpp_address
        target = SmppTarget(host=host, port=port, wait=lambda: hub.clock.advance("1m"))
        session = _Session(target)
        state: dict[str, Any] = {}
        try:
            for case in SMPP_CASES:
                op = case["request"]["op"]
                status, tree = _operate(op, session, target, state)
                interactions.append(
                    Interaction(
                        name=case["name"],
                        request=case["request"],
                        sends=case.get("sends", False),
                        response={"status": status, "body": _shape(op, tree)},
                    )
                )
        finally:
            session.close()
    return Contract(provider=provider, interactions=tuple(interactions), protocol="smpp")
