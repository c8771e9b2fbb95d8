"""HTTP connections: kept alive for clients that reuse them, bounded for clients that misbehave.

Waits here are bounded socket reads and polls, never sleeps: a hang is the failure.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
import requests
import urllib3.connection

from pytest_smsmock.hub import SmsMock

CREDITS = "/api/command?username=test&password=test&cmd=CREDITS"
BOUND = 10.0  # seconds a read may wait before the test fails


def _address(url: str) -> tuple[str, int]:
    host, port = url.split("//", 1)[1].rsplit(":", 1)
    return host, int(port)


def _read_answer(sock: socket.socket) -> bytes:
    """One HTTP answer with a Content-Length body, read exactly."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed inside the body"
        body += chunk
    return head + b"\r\n\r\n" + body


def _wait_for(condition: Callable[[], bool], what: str) -> None:
    """Poll `condition` with a bound (an event the server thread sets would need a hook)."""
    event = threading.Event()
    for _ in range(1000):
        if condition():
            return
        event.wait(0.01)
    raise AssertionError(f"not within the bound: {what}")


@pytest.fixture
def hub() -> Iterator[SmsMock]:
    with SmsMock(
        providers=(
            "infobip",
            "broadnet",
        ),
        lazy=False,
    ) as mock:
        yield mock


# -- keep-alive ----------------------------------------------------------------------------------
def test_two_requests_on_one_connection(hub: SmsMock) -> None:
    request = f"GET {CREDITS} HTTP/1.1\r\nHost: fake\r\n\r\n".encode()
    with socket.create_connection(_address(hub.infobip.url), timeout=BOUND) as sock:
        sock.sendall(request)
        first = _read_answer(sock)
        sock.sendall(request)  # the same connection: it used to be closed after each answer
        second = _read_answer(sock)
    assert first.startswith(b"HTTP/1.1 200 ") and second.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nConnection: keep-alive\r\n" in first


def test_a_body_then_the_next_request_on_the_same_connection(hub: SmsMock) -> None:
    body = b"user=test&password=test&sender=Shop&SMSText=hi&GSM=385911234567"
    post = (
        b"POST /api/v3/sendsms/plain HTTP/1.1\r\nHost: fake\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )
    chunked = (
        b"POST /api/v3/sendsms/plain HTTP/1.1\r\nHost: fake\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body):x}\r\n".encode()
        + body
        + b"\r\n0\r\n\r\n"
    )
    with socket.create_connection(_address(hub.infobip.url), timeout=BOUND) as sock:
        for request in (post, chunked, post):
            sock.sendall(request)
            assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
    assert len(hub.infobip.messages) == 3


def test_connection_close_from_the_client_is_honoured(hub: SmsMock) -> None:
    request = f"GET {CREDITS} HTTP/1.1\r\nHost: fake\r\nConnection: close\r\n\r\n".encode()
    with socket.create_connection(_address(hub.infobip.url), timeout=BOUND) as sock:
        sock.sendall(request)
        answer = _read_answer(sock)
        assert b"\r\nConnection: close\r\n" in answer
        assert sock.recv(1) == b""  # closed by the server


def test_a_requests_session_reuses_one_connection_over_http_and_https(hub: SmsMock) -> None:
    opened: list[object] = []

    def counted(original: Callable[..., None]) -> Callable[..., None]:
        def connect(conn: object) -> None:
            opened.append(conn)
            original(conn)

        return connect

    with pytest.MonkeyPatch.context() as patch:
        for cls in (urllib3.connection.HTTPConnection, urllib3.connection.HTTPSConnection):
            patch.setattr(cls, "connect", counted(cls.connect))
        with requests.Session() as session:
            for _ in range(5):
                assert session.get(hub.infobip.url + CREDITS, timeout=BOUND).ok
            status = hub.broadnet.https_url + "/websmpp/websmsstatus?respid=1"
            for _ in range(5):
                assert session.get(status, verify=hub.ca_file, timeout=BOUND).status_code == 200
    assert len(opened) == 2  # one per listener, not one per request


# -- timeouts -------------------------------------------------------------------------------------
def test_a_silent_connection_is_closed_after_the_read_timeout() -> None:
    with SmsMock(providers=("infobip",), http_read_timeout=0.3, lazy=False) as mock:
        with socket.create_connection(_address(mock.infobip.url), timeout=BOUND) as sock:
            assert sock.recv(1) == b""  # closed by the server, not by our bound
        request = f"GET {CREDITS} HTTP/1.1\r\nHost: fake\r\n\r\n".encode()
        with socket.create_connection(_address(mock.infobip.url), timeout=BOUND) as sock:
            sock.sendall(request)
            assert _read_answer(sock).startswith(b"HTTP/1.1 200 ")
            assert sock.recv(1) == b""  # idle after an answer: closed too


def test_a_silent_tls_client_is_closed_after_the_handshake_timeout() -> None:
    with SmsMock(providers=("broadnet",), http_handshake_timeout=0.3, lazy=False) as mock:
        server = mock.http_servers[("broadnet", "https")]
        with socket.create_connection(_address(mock.broadnet.https_url), timeout=BOUND) as sock:
            assert sock.recv(1) == b""  # never sent a ClientHello: closed
        _wait_for(lambda: server.open_connections == 0, "the connection's thread ended")


# -- the connection cap ---------------------------------------------------------------------------
def test_beyond_the_cap_a_connection_gets_503_and_the_cap_frees_up() -> None:
    with SmsMock(providers=("infobip",), http_max_connections=2, lazy=False) as mock:
        server = mock.http_servers[("infobip", "primary")]
        address = _address(mock.infobip.url)
        idle = [socket.create_connection(address, timeout=BOUND) for _ in range(2)]
        try:
            _wait_for(lambda: server.open_connections == 2, "two connections served")
            threads = threading.active_count()
            request = f"GET {CREDITS} HTTP/1.1\r\nHost: fake\r\n\r\n".encode()
            for _ in range(5):
                with socket.create_connection(address, timeout=BOUND) as sock:
                    sock.sendall(request)
                    refused = b""
                    while chunk := sock.recv(4096):
                        refused += chunk
                assert refused.startswith(b"HTTP/1.1 503 Service Unavailable\r\n")
                assert b"\r\nConnection: close\r\n" in refused
                assert b"\r\nRetry-After: 1\r\n" in refused
            assert threading.active_count() <= threads  # refusals took no thread
        finally:
            for sock in idle:
                sock.close()
        _wait_for(lambda: server.open_connections == 0, "the idle connections ended")
        assert requests.get(mock.infobip.url + CREDITS, timeout=BOUND).ok
        assert mock.take_errors() == []


def test_silent_tls_connections_beyond_the_cap_hold_no_threads() -> None:
    # 300 silent TLS connections used to hold 300 server threads until the clients left.
    with SmsMock(providers=("broadnet",), http_max_connections=5, lazy=False) as mock:
        server = mock.http_servers[("broadnet", "https")]
        address = _address(mock.broadnet.https_url)
        before = threading.active_count()
        silent = [socket.create_connection(address, timeout=BOUND) for _ in range(30)]
        try:
            _wait_for(lambda: server.open_connections == 5, "five handshakes waiting")
            assert threading.active_count() - before <= 5
            context = mock.client_ssl_context()
            with (
                socket.create_connection(address, timeout=BOUND) as raw,
                pytest.raises((ssl.SSLError, OSError)),
                context.wrap_socket(raw, server_hostname="127.0.0.1"),
            ):
                pass  # refused before the handshake
        finally:
            for sock in silent:
                sock.close()
        _wait_for(lambda: server.open_connections == 0, "the silent connections ended")
        status = mock.broadnet.https_url + "/websmpp/websmsstatus?respid=1"
        assert requests.get(status, verify=mock.ca_file, timeout=BOUND).status_code == 200


def test_limits_are_checked_when_the_hub_is_made() -> None:
    from pytest_smsmock.errors import ConfigError

    with pytest.raises(ConfigError, match="at least 1"):
        SmsMock(http_max_connections=0)
    with pytest.raises(ConfigError, match="positive"):
        SmsMock(http_read_timeout=0)
