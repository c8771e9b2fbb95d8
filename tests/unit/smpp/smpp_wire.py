"""Helpers to drive an SmscConnection from the ESME side without sockets."""

from __future__ import annotations

from pytest_smsmock.smpp.codec import PduReader, encode
from pytest_smsmock.smpp.connection import BindRequested, Event, SmscConnection
from pytest_smsmock.smpp.pdus import BindReceiver, BindTransceiver, BindTransmitter, Pdu

BIND_CLASSES = {"tx": BindTransmitter, "rx": BindReceiver, "trx": BindTransceiver}


def pdus_in(data: bytes) -> list[Pdu]:
    """Decode what the SMSC wrote; fail on anything that is not a whole valid PDU."""
    reader = PduReader()
    items = reader.feed(data)
    assert reader.buffered == 0, f"{reader.buffered} trailing octets in {data.hex()}"
    decoded: list[Pdu] = []
    for item in items:
        assert isinstance(item, Pdu), item
        decoded.append(item)
    return decoded


def written(events: list[Event]) -> list[Pdu]:
    """Every PDU the events ask the transport to write, in order."""
    return pdus_in(b"".join(event.data for event in events))


def feed(conn: SmscConnection, data: bytes, *, now: float) -> list[Event]:
    """Receive `data` and take every event it makes, answering nothing in between (so each
    request handed out stays held, as if the application were slow)."""
    conn.receive_data(data, now=now)
    events: list[Event] = []
    while (event := conn.next_event(now=now)) is not None:
        events.append(event)
    return events


def bound_connection(kind: str = "trx", *, now: float = 0.0, **config: object) -> SmscConnection:
    from pytest_smsmock.smpp.connection import SessionConfig

    conn = SmscConnection(now=now, config=SessionConfig(**config))  # type: ignore[arg-type]
    bind = BIND_CLASSES[kind](sequence_number=1, system_id="esme", password="secret")
    events = feed(conn, encode(bind), now=now)
    assert [type(e) for e in events] == [BindRequested]
    conn.accept_bind(system_id="smsc", now=now)
    return conn
