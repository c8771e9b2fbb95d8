"""Bad input on real sockets: every HTTP fake answers it at once with its documented error."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from pytest_smsmock.hub import SmsMock

SEND_PATHS = {
    "infobip": "/api/v3/sendsms/plain",
    "mimsms": "/sms/1/text/single",
    "broadnet": "/websmpp/websms",
    "smsc": "/sys/send.php",
}


@pytest.fixture(scope="module")
def hub() -> Iterator[SmsMock]:
    with SmsMock(providers=tuple(SEND_PATHS)) as mock:
        yield mock


def _address(url: str) -> tuple[str, int]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def _exchange(url: str, request: bytes) -> bytes:
    """Send `request` and read the whole answer (the server closes the connection); the socket
    timeout only bounds a hang, which is the failure."""
    with socket.create_connection(_address(url), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


@pytest.mark.parametrize("provider", sorted(SEND_PATHS))
def test_a_chunked_body_with_a_bad_chunk_size_is_answered(hub: SmsMock, provider: str) -> None:
    # SMSC.ru's error answer used to read the body again and block until the client gave up.
    request = (
        f"POST {SEND_PATHS[provider]}?login=test&psw=test&fmt=3 HTTP/1.1\r\n"
        "Host: fake\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        "ZZZ\r\nabc\r\n0\r\n\r\n"
    ).encode()
    answer = _exchange(hub.fakes[provider].url, request)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    status = int(answer.split(b" ", 2)[1])
    assert status < 500, answer[:300]
    assert hub.take_errors() == []


def test_smsc_answers_a_bad_chunk_with_error_1_in_the_asked_format(hub: SmsMock) -> None:
    request = (
        b"POST /sys/send.php?fmt=3 HTTP/1.1\r\nHost: fake\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n"
    )
    answer = _exchange(hub.smsc.url, request)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert (
        answer.split(b"\r\n\r\n", 1)[1].replace(b" ", b"")
        == b'{"error":"parameterserror","error_code":1}'
    )
