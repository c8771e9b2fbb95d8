"""The HTTP(S) proxy: a subprocess with HTTPS_PROXY reaches the fakes by real hostnames; CONNECT
to a provider host is answered with a certificate for that host signed by the test CA; nothing
else is proxied and nothing ever dials out (the directory's guard watches this process, where
the proxy's threads run; the subprocess installs the same guard on itself)."""

from __future__ import annotations

import json
import os
import socket
import ssl
import subprocess
import sys
import textwrap

import pytest
import requests

from pytest_smsmock.hub import SmsMock

# First lines of every subprocess: resolving or connecting to anything but loopback raises.
GUARD = textwrap.dedent(
    """
    import ipaddress, socket

    def _loopback(host):
        name = (host.decode() if isinstance(host, bytes) else str(host)).strip("[]").lower()
        if name == "localhost":
            return True
        try:
            return ipaddress.ip_address(name).is_loopback
        except ValueError:
            return False

    def _guarded(real, pick):
        def call(*args, **kwargs):
            host = pick(*args)
            if host is not None and not _loopback(host):
                raise RuntimeError(f"subprocess guard: {host!r} is not loopback")
            return real(*args, **kwargs)
        return call

    socket.getaddrinfo = _guarded(socket.getaddrinfo, lambda host, *rest: host)
    socket.create_connection = _guarded(socket.create_connection, lambda address, *r: address[0])
    _connect = socket.socket.connect
    def _checked_connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(address[0]):
            raise RuntimeError(f"subprocess guard: {address!r} is not loopback")
        return _connect(self, address)
    socket.socket.connect = _checked_connect
    """
)

CLIENT = textwrap.dedent(
    """
    import json, urllib.parse, urllib.request
    import requests

    results = {}
    send = "https://api.infobip.com/api/v3/sendsms/plain?" + urllib.parse.urlencode(
        {"user": "test", "password": "test", "sender": "Shop", "SMSText": "hi",
         "GSM": "38598123456"})
    results["urllib"] = urllib.request.urlopen(send, timeout=10).read().decode()
    results["requests"] = requests.get(
        "https://gwjo1s.broadnet.me:8443/websmpp/websms",
        params={"user": "test", "pass": "test", "sid": "Shop", "mno": "962791234567",
                "type": "1", "text": "hi"}, timeout=10).text
    results["plain-http"] = requests.get(
        "http://api.mimsms.com/api/command",
        params={"username": "test", "password": "test", "cmd": "Credits"}, timeout=10).text
    try:
        urllib.request.urlopen("https://example.com/", timeout=10)
    except Exception as exc:
        results["other"] = str(exc)
    print(json.dumps(results))
    """
)


def _run(smsmock: SmsMock, code: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HTTPS_PROXY": smsmock.proxy_url,
        "HTTP_PROXY": smsmock.proxy_url,
        "NO_PROXY": "",
        "SSL_CERT_FILE": smsmock.ca_file,  # urllib.request (OpenSSL's default paths)
        "REQUESTS_CA_BUNDLE": smsmock.ca_file,
    }
    for name in ("https_proxy", "http_proxy", "no_proxy", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-c", GUARD + code],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_a_subprocess_with_https_proxy_reaches_the_fakes_by_real_hostnames(
    smsmock: SmsMock,
) -> None:
    done = _run(smsmock, CLIENT)
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    message = smsmock.infobip.messages.one(to="38598123456")
    assert f"<messageid>{message.message_id}</messageid>" in results["urllib"]
    assert results["requests"] == "Response: " + smsmock.broadnet.messages.one().message_id
    assert results["plain-http"] == "1000.00"
    assert "502" in results["other"]  # refused by the proxy, never dialled
    listeners = [e.summary for e in smsmock.journal.entries(provider="broadnet", direction="in")]
    assert listeners[0].endswith("[https]")


def test_the_subprocess_guard_itself_refuses_the_network(smsmock: SmsMock) -> None:
    done = _run(smsmock, "import socket\nsocket.getaddrinfo('example.com', 443)\n")
    assert done.returncode != 0
    assert "subprocess guard: 'example.com' is not loopback" in done.stderr


def _tunnel(smsmock: SmsMock, host: str, port: int = 443) -> tuple[socket.socket, bytes]:
    address = smsmock.proxy_url.removeprefix("http://").rsplit(":", 1)
    sock = socket.create_connection((address[0], int(address[1])), timeout=10)
    sock.sendall(f"CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    return sock, head


def test_connect_gets_a_certificate_for_the_host_signed_by_the_test_ca(smsmock: SmsMock) -> None:
    sock, head = _tunnel(smsmock, "z8j2k.api.infobip.com")
    assert head.startswith(b"HTTP/1.1 200")
    with smsmock.client_ssl_context().wrap_socket(
        sock, server_hostname="z8j2k.api.infobip.com"
    ) as tls:
        names = dict(tls.getpeercert()["subjectAltName"])  # type: ignore[index, arg-type]
        assert names == {"DNS": "z8j2k.api.infobip.com"}
        tls.sendall(
            b"GET /api/command?username=test&password=test&cmd=CREDITS HTTP/1.1\r\n"
            b"Host: z8j2k.api.infobip.com\r\nConnection: close\r\n\r\n"
        )
        answer = b""
        while chunk := tls.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 OK")
    assert answer.endswith(b"\r\n\r\n1000.00")


def test_a_client_that_does_not_trust_the_test_ca_fails_the_handshake(smsmock: SmsMock) -> None:
    sock, head = _tunnel(smsmock, "api.infobip.com")
    assert head.startswith(b"HTTP/1.1 200")
    with pytest.raises(ssl.SSLCertVerificationError):
        ssl.create_default_context().wrap_socket(sock, server_hostname="api.infobip.com")
    sock.close()


@pytest.mark.parametrize(("host", "port"), [("example.com", 443), ("127.0.0.1", 8443)])
def test_connect_to_any_other_host_is_refused_without_dialling(
    smsmock: SmsMock, host: str, port: int
) -> None:
    sock, head = _tunnel(smsmock, host, port)
    sock.close()
    assert head.startswith(b"HTTP/1.1 502")
    proxies = {"http": smsmock.proxy_url}
    answer = requests.get(f"http://{host}:{port}/", proxies=proxies, timeout=10)
    assert answer.status_code == 502
    assert "never dials out" in answer.text


def test_a_listener_taken_down_is_a_bad_gateway(smsmock: SmsMock) -> None:
    smsmock.take_down("infobip")
    sock, head = _tunnel(smsmock, "api.infobip.com")
    sock.close()
    assert head.startswith(b"HTTP/1.1 502")
    answer = requests.get(
        "http://api.infobip.com/api/command", proxies={"http": smsmock.proxy_url}, timeout=10
    )
    assert answer.status_code == 502
    assert "taken down" in answer.text


@pytest.mark.smsmock(
    scenario={"version": 1, "faults": [{"on": "mimsms:http", "nth": 1, "kind": "connection_reset"}]}
)
def test_a_socket_fault_closes_the_client_connection(smsmock: SmsMock) -> None:
    proxies = {"http": smsmock.proxy_url}
    url = "http://api.mimsms.com/api/command?username=test&password=test&cmd=Credits"
    with pytest.raises(requests.ConnectionError):
        requests.get(url, proxies=proxies, timeout=10)
    assert requests.get(url, proxies=proxies, timeout=10).text == "1000.00"


def test_posts_with_chunked_bodies_arrive_whole(smsmock: SmsMock) -> None:
    def parts() -> object:
        yield b"user=test&password=test&sender=Shop"
        yield b"&SMSText=hi&GSM=38598765432"

    answer = requests.post(
        "http://api.infobip.com/api/v3/sendsms/plain",
        data=parts(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        proxies={"http": smsmock.proxy_url},
        timeout=10,
    )
    assert "<status>0</status>" in answer.text
    assert smsmock.infobip.messages.one(to="38598765432")
