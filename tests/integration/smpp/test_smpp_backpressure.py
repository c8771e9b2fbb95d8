"""Back-pressure: a client that floods requests and never reads its answers is held by its own
socket, not by the listener's memory; other sessions keep being served."""

from __future__ import annotations

import socket

from smpp_esme import RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.servers.smpp.session import READ_BUFFER_SIZE, WRITE_HIGH_WATER
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.pdus import BindTransceiver, EnquireLink, SubmitSm

LINK = encode(EnquireLink(sequence_number=7))  # 16 octets; answers are 16 octets too
CHUNK = LINK * 4096
LIMIT = 16 * 1024 * 1024  # octets sent at most before the test gives up (no back-pressure)


def test_a_flood_that_is_never_read_pauses_the_session(smsmock: SmsMock) -> None:
    fake = smsmock.enhanced_smpp
    server = smsmock.smpp_server
    assert server is not None
    flood = socket.create_connection(fake.smpp_address, timeout=5)
    flood.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    flood.sendall(encode(BindTransceiver(sequence_number=1, system_id="test", password="test")))
    header = flood.recv(4, socket.MSG_WAITALL)
    rest = flood.recv(int.from_bytes(header, "big") - 4, socket.MSG_WAITALL)
    assert rest[4:8] == b"\x00\x00\x00\x00"  # bound
    flood.setblocking(False)
    sent = 0
    blocked = 0
    while sent < LIMIT and blocked < 50:  # bounded: 50 refusals in a row = the peer stopped
        try:
            sent += flood.send(CHUNK)
            blocked = 0
        except BlockingIOError:
            blocked += 1
            smsmock.settle()  # lets the listener catch up (it is paused: returns at once)
    assert sent < LIMIT, "the listener kept reading a client that reads nothing"
    (session,) = [s for s in server._sessions.values() if s.fake is fake]
    assert not session.reading
    assert session.transport is not None
    assert session.transport.get_write_buffer_size() <= WRITE_HIGH_WATER + READ_BUFFER_SIZE

    # Another session is served meanwhile.
    other = RawEsme(fake.smpp_address)
    other.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert other.read().command_status == 0
    other.send(
        SubmitSm(
            sequence_number=2,
            source_addr_ton=1,
            source_addr="447700900000",
            dest_addr_ton=1,
            destination_addr="447700900123",
            short_message=b"meanwhile",
        )
    )
    assert other.read().command_status == 0
    other.close()

    # The flooder reads: its answers drain, and the session reads again.
    flood.setblocking(True)
    received = 0
    while not session.reading and received < sent:  # bounded by what was sent
        data = flood.recv(1 << 16)
        assert data, "the listener closed the flooding session"
        received += len(data)
    assert session.reading
    flood.close()
