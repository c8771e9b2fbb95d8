"""A python-smpplib client with bounded reads, for the SMPP listener's integration tests."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from typing import Any

import smpplib.client
import smpplib.smpp

from pytest_smsmock.smpp.pdus import SubmitSm

READ_TIMEOUT = 2.0


def submit_sm(seq: int, **fields: Any) -> SubmitSm:
    """A submit_sm from an international sender to an international number, a receipt asked
    for; `fields` override any of it."""
    values: dict[str, Any] = {
        "source_addr_ton": 1,
        "source_addr_npi": 1,
        "source_addr": "38591000",
        "dest_addr_ton": 1,
        "dest_addr_npi": 1,
        "destination_addr": "962791234567",
        "short_message": b"first text",
        "registered_delivery": 1,
    }
    values.update(fields)
    return SubmitSm(sequence_number=seq, **values)


class Esme:
    """One ESME session. Reads are bounded: `read_until` gives up after `limit` PDUs/timeouts."""

    def __init__(
        self, address: tuple[str, int], *, ssl_context: ssl.SSLContext | None = None
    ) -> None:
        self.client = smpplib.client.Client(
            address[0],
            address[1],
            timeout=READ_TIMEOUT,
            ssl_context=ssl_context,
            allow_unknown_opt_params=True,  # Infobip's vendor TLVs
        )
        self.delivered: list[Any] = []
        self.responses: list[Any] = []
        self.answer: int | None = None  # command_status for deliver_sm_resp
        self.client.set_message_received_handler(self._received)
        self.client.set_message_sent_handler(lambda pdu, **_: self.responses.append(pdu))
        self.client.set_error_pdu_handler(self.responses.append)
        self.client.connect()

    def _received(self, pdu: Any) -> int | None:
        self.delivered.append(pdu)
        return self.answer

    def bind(
        self, mode: str = "trx", system_id: str = "test", password: str = "test", **kw: Any
    ) -> Any:
        method = {"tx": "bind_transmitter", "rx": "bind_receiver", "trx": "bind_transceiver"}[mode]
        return getattr(self.client, method)(system_id=system_id, password=password, **kw)

    def submit(self, text: bytes | str = b"hello", **kw: Any) -> Any:
        """submit_sm and its response (whatever its status)."""
        fields: dict[str, Any] = {
            "source_addr_ton": 1,
            "source_addr_npi": 1,
            "source_addr": "38591000",
            "dest_addr_ton": 1,
            "dest_addr_npi": 1,
            "destination_addr": "385911234567",
            "short_message": text.encode() if isinstance(text, str) else text,
        }
        fields.update(kw)
        before = len(self.responses)
        pdu = self.client.send_message(**fields)
        self.read_until(lambda: len(self.responses) > before)
        response = self.responses[-1]
        assert response.sequence == pdu.sequence
        return response

    def send(self, command: str, **kw: Any) -> Any:
        pdu = smpplib.smpp.make_pdu(command, client=self.client, **kw)
        self.client.send_pdu(pdu)
        return pdu

    def read_until(self, predicate: Callable[[], bool], limit: int = 20) -> None:
        for _ in range(limit):
            if predicate():
                return
            self.client.read_once(auto_send_enquire_link=False)
        assert predicate(), "the expected PDU did not arrive"

    def read_pdu(self) -> Any:
        return self.client.read_pdu()

    def nothing_arrives(self, timeout: float = 0.2) -> bool:
        sock = self.client._socket
        assert sock is not None
        sock.settimeout(timeout)
        try:
            data = sock.recv(1, socket.MSG_PEEK)
        except TimeoutError:
            return True
        finally:
            sock.settimeout(READ_TIMEOUT)
        return data == b""

    def close(self) -> None:
        try:
            if self.client.state in (2, 3, 4):  # bound
                self.client.unbind()
        except Exception:
            pass
        self.client.disconnect()


class RawEsme:
    """A bare socket speaking through the project's own codec: for what client libraries
    refuse to send (SMPP 3.3 binds, long passwords, broken bytes)."""

    def __init__(self, address: tuple[str, int], timeout: float = READ_TIMEOUT) -> None:
        from pytest_smsmock.smpp.codec import PduReader

        self.sock = socket.create_connection(address, timeout=timeout)
        self.reader = PduReader()
        self.pending: list[Any] = []

    def send(self, pdu: Any) -> None:
        from pytest_smsmock.smpp.codec import encode

        self.sock.sendall(encode(pdu))

    def send_bytes(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read(self) -> Any:
        """The next PDU; None when the SMSC closed the connection."""
        while not self.pending:
            data = self.sock.recv(65536)
            if not data:
                return None
            self.pending.extend(self.reader.feed(data))
        return self.pending.pop(0)

    def closed_by_peer(self) -> bool:
        try:
            return self.sock.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self) -> None:
        self.sock.close()
