"""An HTTP(S) proxy in front of the fakes, for what `intercept` cannot patch: a subprocess,
another language, a client with its own transport. Point it at ``smsmock.proxy_url``
(``HTTPS_PROXY`` / ``HTTP_PROXY``) and trust ``smsmock.ca_file``.

- ``GET http://api.mimsms.com/... HTTP/1.1`` (a plain-HTTP proxy request) goes to the fake
  behind the host (`intercept.hosts.HostMap`), in-process (`intercept.router.Router`);
- ``CONNECT api.infobip.com:443`` to a provider host is answered ``200``, then the proxy speaks
  TLS itself with a certificate for that host signed by the hub's test CA and serves the
  requests inside the tunnel the same way;
- any other host gets ``502`` and a sentence saying so: the proxy has no code that dials out,
  so nothing ever leaves the machine. (Loopback is not proxied either: clients keep
  ``NO_PROXY=127.0.0.1,localhost`` for the fakes' own URLs.)

A listener taken down answers ``502`` (as a proxy does for a refused upstream); the socket
faults of a scenario close the client's connection; a real-time delay waits, capped as the
fakes' own listeners cap it.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import _SocketWriter  # type: ignore[attr-defined]
from typing import Any
from urllib.parse import urlsplit

from pytest_smsmock.errors import InterceptError
from pytest_smsmock.intercept.hosts import Route
from pytest_smsmock.intercept.router import Router, Unreachable
from pytest_smsmock.servers.http import MAX_REAL_DELAY

__all__ = ["ProxyServer"]

_real_sleep = time.sleep  # captured: a test's patch_sleep never reaches the proxy's threads

#: Largest request body the proxy reads (the fakes' own limit is 16 MiB).
MAX_BODY = 16 * 1024 * 1024


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    #: (host, port, route) of the CONNECT tunnel this connection became, if any.
    tunnel: tuple[str, int, Route] | None = None

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        return None

    # -- CONNECT: a TLS tunnel the proxy ends itself -------------------------------------
    def do_CONNECT(self) -> None:
        host, _, port_text = self.path.rpartition(":")
        host = host.strip("[]")
        if not host or not port_text.isdigit():
            self._refuse(400, f"smsmock proxy: CONNECT wants host:port, got {self.path!r}")
            return
        router = self.server.router
        route = router.route(host)
        if route is None:
            self._refuse(502, _not_served(host))
            return
        try:
            router.connect(route, host=host, scheme="https")
        except (Unreachable, InterceptError) as exc:
            self._refuse(502, str(exc))
            return
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        try:
            tls = self.server.context_for(host).wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            self.close_connection = True  # the client did not trust the test CA, or left
            return
        self.connection = tls
        self.rfile = tls.makefile("rb", self.rbufsize)  # type: ignore[assignment]
        self.wfile = _SocketWriter(tls)  # what StreamRequestHandler makes, unbuffered
        self.tunnel = (host, int(port_text), route)
        self.close_connection = False

    # -- every other method: one request to a fake ---------------------------------------
    def _relay(self) -> None:
        if self.tunnel is not None:
            host, port, route = self.tunnel
            scheme, target = "https", self.path
        else:
            parts = urlsplit(self.path)
            if parts.scheme != "http" or not parts.hostname:
                self._refuse(
                    400,
                    "smsmock proxy: send proxy requests (absolute http:// URLs) or CONNECT; "
                    f"got {self.command} {self.path}",
                )
                return
            host, port, scheme = parts.hostname, parts.port or 80, "http"
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            found = self.server.router.route(host)
            if found is None:
                self._refuse(502, _not_served(host))
                return
            route = found
        body = self._read_body()
        if body is None:
            return
        try:
            answer = self.server.router.serve(
                route,
                method=self.command,
                scheme=scheme,
                host=host,
                port=port,
                target=target,
                headers=list(self.headers.items()),
                body=body,
                checked=self.tunnel is not None,
                raw_fault=_perform,
            )
        except InterceptError as exc:
            self._refuse(502, str(exc))
            return
        except Unreachable as exc:
            if exc.kind == "refused" and self.tunnel is None:
                self._refuse(502, str(exc))
            else:
                self._drop()
            return
        self.send_response(answer.status, answer.reason)
        skip = {"content-length", "transfer-encoding", "connection", "server", "date"}
        for name, value in answer.headers:
            if name.lower() not in skip:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _relay

    def _read_body(self) -> bytes | None:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            size = 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    length = int(line.split(b";", 1)[0].strip(), 16)
                except ValueError:
                    self._refuse(400, "smsmock proxy: malformed chunked body")
                    return None
                if length == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                size += length
                if size > MAX_BODY:
                    self._refuse(413, "smsmock proxy: body too large")
                    return None
                chunks.append(self.rfile.read(length))
                self.rfile.readline(1024)
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            self._refuse(400, "smsmock proxy: malformed Content-Length")
            return None
        if not 0 <= length <= MAX_BODY:
            self._refuse(413, "smsmock proxy: body too large")
            return None
        return self.rfile.read(length) if length else b""

    def _refuse(self, status: int, message: str) -> None:
        body = (message + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    def _drop(self) -> None:
        """Close the connection without an answer (a scenario's socket fault)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _perform(fault: Any, answer: Any) -> None:
    """A scenario's socket fault, through the proxy: a real-time delay waits (capped, as the
    fakes' own listeners cap it), a slow trickle sends the answer whole, the rest drop."""
    kind = str(fault.kind)
    if kind == "delay":
        seconds = fault.delay.total_seconds() if fault.delay is not None else 0.0
        _real_sleep(min(max(seconds, 0.0), MAX_REAL_DELAY))
        return
    if kind != "slow_trickle":
        raise Unreachable("reset", f"smsmock proxy: fault {kind}: connection closed")


def _not_served(host: str) -> str:
    return (
        f"smsmock proxy: {host} is not a provider host in the intercept map; the proxy never "
        "dials out (map it with smsmock.intercept(hosts=...), or keep it out of the proxy "
        "with NO_PROXY)"
    )


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        address: tuple[str, int],
        router: Router,
        context_for: Callable[[str], ssl.SSLContext],
    ) -> None:
        self.router = router
        self.context_for = context_for
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that vanished is the client's business


class ProxyServer:
    """The proxy's listening socket and its thread; `url` is what HTTPS_PROXY takes."""

    def __init__(
        self,
        router: Router,
        issue_context: Callable[[str], ssl.SSLContext],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._issue_context = issue_context
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()
        self._server = _Server((host, port), router, self.context_for)
        self.host = host
        self.port: int = self._server.server_address[1]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def context_for(self, host: str) -> ssl.SSLContext:
        """A server context with a certificate for `host`, issued once by the test CA."""
        with self._lock:
            context = self._contexts.get(host)
            if context is None:
                context = self._contexts[host] = self._issue_context(host)
            return context

    def start(self) -> ProxyServer:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="smsmock-proxy",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()
