"""SMPP contracts: bind, enquire_link, submit_sm_resp, the receipt's text layout and TLVs, unbind
and a refused bind's command_status, checked against a fake or a live SMSC.

An SMPP interaction's request names an operation (``op``: bind, enquire_link, submit, receipt,
unbind, bind_refused), the session it runs on (``session``, 1 when absent: a consumer may bind a
transmitter and a receiver) and, for bind and submit, the PDU's ``fields`` (``bind:
transceiver|transmitter|receiver``; ``system_id: ${username}``, ``password: ${password}``;
bytes as text or ``{hex: ...}``, TLVs by hex tag). Without fields the provider suites' defaults
apply. Its response's ``status`` is the command_status expected, and its ``body`` the shape of
the answer's fields: mandatory fields by name, TLVs under ``tlvs`` by their hex tag
(``0x001e``), a receipt's text as a layout (``id:\\S+ sub:\\d+ ... stat:[A-Z]+``). The same
drift report as HTTP names a missing TLV, an id of another format, a changed layout.

`smpp_interactions` writes a consumer's SMPP interactions from the PDUs a recording kept (the
recorder's tap at the SMPP session: `core/tap.py`), through the same `answer_shape` the suites
are recorded with.

A blocking client of its own (the project's sans-IO codec over one socket, reads bounded by a
timeout): the fakes' listener is the code under test, so the client is not shared with it.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import socket
import ssl
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from pytest_smsmock.contracts.model import CaseResult, Contract, ContractError, Interaction, Report
from pytest_smsmock.contracts.runner import mask, missing_reason
from pytest_smsmock.contracts.shapes import Drift, compare, infer
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.recording.cassette import SmppPdu
from pytest_smsmock.smpp import (
    Bind,
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    EsmClass,
    Pdu,
    PduReader,
    Response,
    SmppError,
    SubmitSm,
    Tlv,
    Unbind,
    encode,
)

if TYPE_CHECKING:
    from pytest_smsmock.hub import SmsMock

__all__ = [
    "SMPP_CASES",
    "SmppCaseRunner",
    "SmppTarget",
    "answer_shape",
    "fake_target",
    "record_smpp",
    "run_smpp",
    "smpp_interactions",
]

#: The operations of an SMPP suite, in the order they run on one session.
SMPP_CASES: list[dict[str, Any]] = [
    {"name": "bind-transceiver", "request": {"op": "bind"}},
    {"name": "enquire-link", "request": {"op": "enquire_link"}},
    {"name": "submit-sm", "sends": True, "request": {"op": "submit"}},
    {"name": "delivery-receipt", "sends": True, "request": {"op": "receipt"}},
    {"name": "bind-wrong-password", "request": {"op": "bind_refused"}},
]

_BINDS: dict[str, type[Bind]] = {
    "transceiver": BindTransceiver,
    "transmitter": BindTransmitter,
    "receiver": BindReceiver,
}
_CREDENTIALS = {"system_id": "${username}", "password": "${password}"}
#: The submit_sm of the provider suites (a consumer contract carries its own fields).
SUITE_SUBMIT: dict[str, Any] = {
    "source_addr_ton": 5,
    "source_addr": "Contract",
    "dest_addr_ton": 1,
    "dest_addr_npi": 1,
    "destination_addr": "962791234567",
    "registered_delivery": 1,
    "short_message": "contract test",
}
_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")


@value_class
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


#: How far a fake's clock moves per wait for a receipt: less than the fakes' 30 s keep-alive
#: and response timeouts, so the client answers the receipt before the fake gives up on it.
FAKE_TICK = "5s"


def fake_target(hub: SmsMock, provider: str, *, tls: bool = False) -> SmppTarget:
    """The SMPP listener of a hub's fake, its clock advanced while a receipt is awaited."""
    fake = getattr(hub, provider)
    host, port = fake.smpp_tls_address if tls else fake.smpp_address
    return SmppTarget(
        host=host,
        port=port,
        tls=tls,
        ca_file=hub.ca_file if tls else None,
        wait=lambda: hub.clock.advance(FAKE_TICK),
    )


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
            if isinstance(item, EnquireLink):  # the SMSC's keep-alive: answered, not kept
                self.sock.sendall(encode(EnquireLinkResp(sequence_number=item.sequence_number)))
            elif isinstance(item, Pdu):
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


# -- the fields of a request, both ways --------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return {"hex": value.hex()}
        return text if text.isprintable() else {"hex": value.hex()}
    return value


def request_fields(pdu: Pdu) -> dict[str, Any]:
    """The fields of a consumer's request that differ from the PDU's defaults, as a contract
    writes them: credentials as placeholders (a recording has no password to leak anyway)."""
    out: dict[str, Any] = {}
    for item in dataclasses.fields(pdu):
        name = item.name
        if name == "sequence_number":
            continue
        if name in _CREDENTIALS:
            out[name] = _CREDENTIALS[name]
            continue
        value = getattr(pdu, name)
        if value == item.default:
            continue
        if name == "tlvs":
            out[name] = {f"0x{t.tag:04x}": _plain(t.value) for t in value}
        elif isinstance(value, bytes | str | int) and not isinstance(value, bool):
            out[name] = _plain(value)
        else:  # a field a contract cannot rebuild (submit_multi's addresses): not replayed
            raise ValueError(f"{pdu.command_id.name.lower()}.{name} is not replayable")
    return out


def _filled(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                raise KeyError(match.group(1))
            return names[match.group(1)]

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict) and set(value) == {"hex"}:
        return bytes.fromhex(str(value["hex"]))
    return value


def build_request(
    cls: type[Pdu], fields: dict[str, Any], names: dict[str, str], sequence: int
) -> Pdu:
    """The request PDU of a contract's `fields` (the inverse of `request_fields`)."""
    defaults = {f.name: f.default for f in dataclasses.fields(cls)}
    args: dict[str, Any] = {}
    for name, value in fields.items():
        if name == "tlvs":
            args[name] = tuple(
                Tlv(tag=int(str(tag), 16), value=_filled(v, names)) for tag, v in value.items()
            )
            continue
        value = _filled(value, names)
        if isinstance(defaults.get(name), bytes) and isinstance(value, str):
            value = value.encode("latin-1")
        args[name] = value
    return cls(sequence_number=sequence, **args)


# -- answers and their shapes ------------------------------------------------------------------


def _tree(pdu: Pdu, fields: tuple[str, ...]) -> dict[str, Any]:
    tree: dict[str, Any] = {name: getattr(pdu, name) for name in fields if hasattr(pdu, name)}
    tlvs: tuple[Tlv, ...] = getattr(pdu, "tlvs", ())
    if tlvs:
        tree["tlvs"] = {
            f"0x{t.tag:04x}": ("0x" + t.value.hex() if isinstance(t.value, bytes) else t.value)
            for t in tlvs
        }
    return tree


def answer_tree(op: str, pdu: Pdu) -> dict[str, Any]:
    """What a contract checks of the answer to `op`: the one reading of an answer."""
    if op == "bind":
        return _tree(pdu, ("system_id",))
    if op == "submit":
        return _tree(pdu, ("message_id",))
    if op == "receipt":
        assert isinstance(pdu, DeliverSm)
        tree = _tree(pdu, ("esm_class",))
        tree["short_message"] = pdu.short_message.decode("latin-1")
        return tree
    return {}


def receipt_layout(text: str) -> str:
    """The layout of a receipt's text: field names kept, values by kind."""

    def value(match: re.Match[str]) -> str:
        raw = match.group(2)
        kind = r"\d+" if raw.isdigit() else r"[A-Z_]+" if re.fullmatch(r"[A-Z_]+", raw) else r"\S*"
        return re.escape(match.group(1)) + kind

    layout = re.sub(r"((?:^|\s)(?:[a-z ]+):)(\S*)", value, text.split(" text:")[0])
    return layout + (r"( text:.*)?" if " text:" in text else "")


def answer_shape(op: str, tree: dict[str, Any]) -> dict[str, Any]:
    """The shape of an answer's tree: what the suites record and consumer contracts write."""
    shape = infer(tree)
    keys = shape.get("keys", {})
    if op == "receipt":
        keys["short_message"] = {"type": "string", "regex": receipt_layout(tree["short_message"])}
        keys["esm_class"] = {"type": "integer"}
    return shape


# -- running -----------------------------------------------------------------------------------


def _error(exc: BaseException) -> Drift:
    return Drift(field="connection", kind="error", expected="an answer", actual=type(exc).__name__)


class SmppCaseRunner:
    """Runs one SMPP contract's interactions in order against one SMSC, keeping its sessions
    (opened on first use) and the last message id between them; `close` ends the sessions. The
    pytest items run one interaction each through it."""

    def __init__(self, contract: Contract, target: SmppTarget, *, allow_sends: bool = False):
        self.contract = contract
        self.target = target
        self.allow_sends = allow_sends
        self.names = {
            k: v for k, v in (("username", target.username), ("password", target.password)) if v
        }
        self.sessions: dict[int, _Session] = {}
        self.state: dict[str, Any] = {}
        self.unreachable: BaseException | None = None  # a failed connect: not retried per case

    def close(self) -> None:
        for session in self.sessions.values():
            session.close()
        self.sessions.clear()

    def session(self, number: int) -> _Session:
        if self.unreachable is not None:
            raise self.unreachable
        if number not in self.sessions:
            try:
                self.sessions[number] = _Session(self.target)
            except OSError as exc:
                self.unreachable = exc
                raise
        return self.sessions[number]

    def operate(self, request: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Run one operation: (command_status, tree of the answer)."""
        op = str(request["op"])
        if op == "bind_refused":
            refused = _Session(self.target)
            try:
                answer = refused.call(
                    BindTransceiver(
                        sequence_number=1, system_id=self.names["username"], password="wrong-pw"
                    )
                )
            finally:
                refused.close()
            return int(getattr(answer, "command_status", 0)), {}
        if op not in ("bind", "enquire_link", "submit", "receipt", "unbind"):
            raise ContractError(f"{self.contract.source}: unknown SMPP operation {op!r}")
        if op == "receipt" and self.state.get("message_id") is None:
            raise KeyError("message_id")
        session = self.session(int(request.get("session", 1)))
        if op == "receipt":
            receipt = session.wait_for(lambda p: isinstance(p, DeliverSm), tick=self.target.wait)
            session.sock.sendall(encode(DeliverSmResp(sequence_number=receipt.sequence_number)))
            return 0, answer_tree(op, receipt)
        sequence = session.next_sequence()
        pdu: Pdu
        if op == "bind":
            kind = str(request.get("bind", "transceiver"))
            if kind not in _BINDS:
                raise ContractError(f"{self.contract.source}: unknown bind {kind!r}")
            fields = request.get("fields") or _CREDENTIALS
            pdu = self._build(_BINDS[kind], fields, sequence)
        elif op == "submit":
            pdu = self._build(SubmitSm, request.get("fields") or SUITE_SUBMIT, sequence)
        elif op == "unbind":
            pdu = Unbind(sequence_number=sequence)
        else:
            pdu = EnquireLink(sequence_number=sequence)
        answer = session.call(pdu)
        if op == "submit":
            self.state["message_id"] = getattr(answer, "message_id", None)
        return int(getattr(answer, "command_status", 0)), answer_tree(op, answer)

    def _build(self, cls: type[Pdu], fields: dict[str, Any], sequence: int) -> Pdu:
        try:
            return build_request(cls, fields, self.names, sequence)
        except (TypeError, ValueError, SmppError) as exc:
            raise ContractError(f"{self.contract.source}: {cls.__name__} fields: {exc}") from None

    def run_one(self, interaction: Interaction) -> CaseResult:
        result = functools.partial(CaseResult.of, self.contract, interaction)

        if interaction.sends and not self.allow_sends:
            return result("skipped", reason="sends: run with --allow-sends")
        try:
            status, tree = self.operate(interaction.request)
            tree = {
                k: mask(v, [self.target.password]) if isinstance(v, str) else v
                for k, v in tree.items()
            }
        except KeyError as exc:
            return result("skipped", reason=missing_reason(str(exc.args[0])))
        except (OSError, TimeoutError) as exc:
            return result("drift", [_error(exc)])
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
        return result("drift" if drifts else "ok", drifts)


def run_smpp(contract: Contract, target: SmppTarget, *, allow_sends: bool = False) -> Report:
    """Run an SMPP contract's interactions in order."""
    runner = SmppCaseRunner(contract, target, allow_sends=allow_sends)
    try:
        results = [runner.run_one(i) for i in contract.interactions]
    finally:
        runner.close()
    return Report(target=target.description, cases=tuple(results))


# -- recording: the suites from a fake, a consumer's from its recording ----------------------


def record_smpp(provider: str) -> Contract:
    """The provider's SMPP suite, its shapes recorded from a fresh fake."""
    from pytest_smsmock.hub import SmsMock

    suite = Contract(provider=provider, interactions=(), protocol="smpp")
    interactions = []
    with SmsMock(providers=(provider,)) as hub:
        target = fake_target(hub, provider)
        runner = SmppCaseRunner(suite, target, allow_sends=True)
        try:
            for case in SMPP_CASES:
                op = case["request"]["op"]
                status, tree = runner.operate(case["request"])
                interactions.append(
                    Interaction(
                        name=case["name"],
                        request=case["request"],
                        sends=case.get("sends", False),
                        response={"status": status, "body": answer_shape(op, tree)},
                    )
                )
        finally:
            runner.close()
    return Contract(provider=provider, interactions=tuple(interactions), protocol="smpp")


_OPS = {
    "bind_transceiver": "bind",
    "bind_transmitter": "bind",
    "bind_receiver": "bind",
    "submit_sm": "submit",
    "enquire_link": "enquire_link",
    "unbind": "unbind",
}


def smpp_interactions(pdus: Sequence[SmppPdu]) -> list[Interaction]:
    """One provider's SMPP interactions from the PDUs a recording kept, in order: each request
    the client made (bind, submit_sm, enquire_link, unbind) with the answer's status and shape,
    and each delivery receipt it received. Other requests (query_sm, submit_multi, data_sm...)
    and mobile-originated deliver_sm are not written (docs/contracts.md)."""
    numbers: dict[tuple[str, int], int] = {}
    waiting: dict[tuple[str, int, int], tuple[str, Pdu]] = {}
    out: list[Interaction] = []

    def add(op: str, name: str, session: int, request: dict[str, Any], answer: Pdu) -> None:
        status = int(getattr(answer, "command_status", 0))
        if op == "bind" and status:
            request, op = {"op": "bind_refused"}, "bind_refused"  # replayed with a wrong password
        elif session != 1:
            request = {**request, "session": session}
        out.append(
            Interaction(
                name=f"{len(out) + 1}-{name}",
                sends=op in ("submit", "receipt"),
                request=request,
                response={"status": status, "body": answer_shape(op, answer_tree(op, answer))},
            )
        )

    for item in pdus:
        try:
            pdu = item.pdu
        except SmppError:
            continue
        number = numbers.setdefault((item.listener, item.session), len(numbers) + 1)
        key = (item.listener, item.session, pdu.sequence_number)
        command = pdu.command_id.name.lower()
        if item.direction == "in" and command in _OPS:
            waiting[key] = (command, pdu)
        elif item.direction == "out" and isinstance(pdu, Response) and key in waiting:
            command, request_pdu = waiting.pop(key)
            op = _OPS[command]
            request: dict[str, Any] = {"op": op}
            if op == "bind":
                request["bind"] = command.removeprefix("bind_")
            if op in ("bind", "submit"):
                try:
                    request["fields"] = request_fields(request_pdu)
                except ValueError:
                    continue
            add(op, command.replace("_", "-"), number, request, pdu)
        elif (
            item.direction == "out"
            and isinstance(pdu, DeliverSm)
            and pdu.esm_class & EsmClass.TYPE_MASK == EsmClass.TYPE_DELIVERY_RECEIPT
        ):
            add("receipt", "delivery-receipt", number, {"op": "receipt"}, pdu)
    return out
