"""HTTP listeners for the fakes, and the HTTP client that pushes callbacks to the client.

Werkzeug serves each connection (threaded, HTTP/1.1 keep-alive). Instead of one
`serve_forever()` thread per listener, which polls for shutdown every half second (what makes
pytest-httpserver's stop slow), one selector thread accepts for every listener and is woken
through a socket pair: starting and stopping all listeners costs milliseconds.

TLS listeners wrap the listening socket with `do_handshake_on_connect=False`, so the handshake
happens on the connection's own thread: a client that connects and never speaks TLS cannot
stall the accept loop.

A listener can be taken down and brought back on the same port (`take_down()`/`bring_up()`),
which is how a scenario makes clients fail over to a secondary access point.

Scenario faults that need the socket (`providers.http_faults.FaultedResponse`) are performed here:
the handler puts ``environ["smsmock.raw_fault"]`` in every request; the fake's app calls it with
the fault and its own answer. Closing kinds (reset, empty reply, random data, malformed chunk,
incomplete body, slow trickle) then raise `ConnectionAbortedError`, which werkzeug treats as a
dropped connection; a real-time ``delay`` sleeps and lets the answer go. A TLS handshake failure
is decided per connection, before the handshake (`app.connection_fault()`).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from werkzeug.wrappers import Response

    from pytest_smsmock.scenario.faults import HttpFault

__all__ = ["HttpListenerGroup", "HttpServer", "UrllibSender"]


class _QuietHandler(WSGIRequestHandler):
    """Werkzeug's handler, speaking HTTP/1.1 and logging to the journal instead of stderr."""

    protocol_version = "HTTP/1.1"

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        return None

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ["smsmock.raw_fault"] = lambda fault, answer: _perform(self, fault, answer)
        return environ


#: Real-time waits a fault may impose, at most (tests never wait long).
MAX_REAL_DELAY = 30.0
MAX_TRICKLE = 10.0


def _serialize(answer: Response | None) -> bytes:
    if answer is None:
        return b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    body = answer.get_data()
    lines = [f"HTTP/1.1 {answer.status}"]
    lines += [f"{k}: {v}" for k, v in answer.headers.items() if k.lower() != "content-length"]
    lines += [f"Content-Length: {len(body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + body


def _perform(handler: _QuietHandler, fault: HttpFault, answer: Response | None) -> None:
    """Misbehave on the socket as `fault` says; raise if the connection is gone."""
    sock: socket.socket = handler.connection
    kind = fault.kind
    if kind == "delay":
        seconds = fault.delay.total_seconds() if fault.delay is not None else 0.0
        time.sleep(min(max(seconds, 0.0), MAX_REAL_DELAY))
        return
    handler.close_connection = True
    try:
        if kind == "connection_reset":
            # SO_LINGER 0 turns close() into a RST; the reader holds a reference to the socket.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.rfile.close()
            sock.close()
        else:
            if kind in ("random_data_then_close", "malformed_response_chunk"):
                head = b""
                if kind == "malformed_response_chunk":
                    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                sock.sendall(head + fault.body)
            elif kind == "incomplete_body":
                data = _serialize(answer)
                split = data.index(b"\r\n\r\n") + 4
                body = data[split:]
                sock.sendall(data[:split] + body[: fault.keep_bytes(len(body))])
            elif kind == "slow_trickle":
                data = _serialize(answer)
                chunk = max(1, fault.size or 1)
                pause = fault.delay.total_seconds() if fault.delay is not None else 0.05
                pause = min(pause, MAX_TRICKLE / max(1, len(data) // chunk))
                for i in range(0, len(data), chunk):
                    sock.sendall(data[i : i + chunk])
                    time.sleep(pause)
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    raise ConnectionAbortedError(f"smsmock: injected fault {kind}")


class _Server(ThreadedWSGIServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, *args: Any, on_error: Callable[[BaseException], None], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._on_error = on_error
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        hook = getattr(self.app, "connection_fault", None)
        if hook is not None and hook() == "tls_handshake_failure":
            # Answer the ClientHello with bytes that are not TLS, before any handshake.
            with contextlib.suppress(OSError):
                socket.socket.sendall(request, b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        super().finish_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conn_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that vanished or failed the TLS handshake is the client's business; the
        # fakes' own errors are caught and reported in ProviderFake.dispatch.
        return None

    def drop_connections(self) -> None:
        with self._conn_lock:
            connections = list(self._connections)
            self._connections.clear()
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class HttpServer:
    """One listening socket serving one WSGI app."""

    def __init__(
        self,
        app: WSGIApplication,
        host: str,
        port: int,
        *,
        ssl_context: ssl.SSLContext | None,
        on_error: Callable[[BaseException], None],
        group: HttpListenerGroup,
    ) -> None:
        self.app = app
        self.host = host
        self.ssl_context = ssl_context
        self._on_error = on_error
        self._group = group
        self._server: _Server | None = None
        self.port = port
        self._open()

    def _open(self) -> _Server:
        # Bind here rather than in werkzeug, whose server prints and calls sys.exit(1) when the
        # port is taken: a busy port must be an OSError the caller can handle.
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, self.port))
            sock.listen(128)
            server = _Server(
                self.host,
                self.port,
                self.app,
                handler=_QuietHandler,
                on_error=self._on_error,
                fd=sock.fileno(),
            )
        finally:
            sock.close()  # werkzeug holds its own duplicate of the descriptor
        if self.ssl_context is not None:
            server.socket = self.ssl_context.wrap_socket(
                server.socket, server_side=True, do_handshake_on_connect=False
            )
            server.ssl_context = self.ssl_context
        self.port = server.server_address[1]
        self._server = server
        return server

    @property
    def url(self) -> str:
        scheme = "https" if self.ssl_context is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def server(self) -> _Server | None:
        return self._server

    def take_down(self) -> None:
        """Stop listening and cut open connections: clients see the access point as down."""
        server, self._server = self._server, None
        if server is None:
            return
        self._group._unregister(server)
        server.drop_connections()
        server.server_close()

    def bring_up(self) -> None:
        """Listen again on the same port."""
        if self._server is not None:
            return
        self._group._register(self._open())

    def close(self) -> None:
        self.take_down()


class HttpListenerGroup:
    """Every HTTP listener of a hub, accepted on one selector thread."""

    def __init__(self, *, on_error: Callable[[BaseException], None]) -> None:
        self._on_error = on_error
        self._servers: list[HttpServer] = []
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._selector.register(self._wake_r, selectors.EVENT_READ, None)
        self._pending: list[tuple[str, _Server]] = []
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stopping = False

    def add(
        self, app: WSGIApplication, host: str, port: int, *, ssl_context: ssl.SSLContext | None
    ) -> HttpServer:
        server = HttpServer(
            app, host, port, ssl_context=ssl_context, on_error=self._on_error, group=self
        )
        self._servers.append(server)
        if server.server is not None:
            self._register(server.server)
        return server

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._loop, name="smsmock-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        for server in self._servers:
            server.close()
        self._servers.clear()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _register(self, server: _Server) -> None:
        with self._lock:
            self._pending.append(("add", server))
        self._wake()

    def _unregister(self, server: _Server) -> None:
        with self._lock:
            self._pending.append(("remove", server))
        self._wake()
        if self._thread is None or threading.current_thread() is self._thread:
            self._apply_pending()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            self._wake_w.send(b"\0")

    def _apply_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, []
        for action, server in pending:
            try:
                if action == "add":
                    self._selector.register(server.socket, selectors.EVENT_READ, server)
                else:
                    self._selector.unregister(server.socket)
            except (KeyError, ValueError, OSError):
                pass

    def _loop(self) -> None:
        while not self._stopping:
            self._apply_pending()
            try:
                events = self._selector.select()
            except OSError:
                continue
            for key, _ in events:
                if key.data is None:
                    try:
                        while self._wake_r.recv(512):
                            pass
                    except OSError:
                        pass
                    continue
                server: _Server = key.data
                try:
                    server._handle_request_noblock()  # type: ignore[attr-defined]
                except Exception as exc:  # never let one listener stop the others
                    self._on_error(exc)


class UrllibSender:
    """Pushes a callback with the standard library (no proxies: loopback stays loopback)."""

    def __init__(self, *, timeout: float = 5.0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if ssl_context is not None:
            handlers.append(urllib.request.HTTPSHandler(context=ssl_context))
        self._opener = urllib.request.build_opener(*handlers)

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        try:
            req = urllib.request.Request(
                request.url,
                data=request.body if request.method != "GET" else None,
                method=request.method,
                headers=dict(request.headers),
            )
        except ValueError:
            return CallbackResult(error="invalid-url")
        try:
            with self._opener.open(req, timeout=self.timeout) as resp:
                return CallbackResult(status=resp.status, body=resp.read())
        except urllib.error.HTTPError as exc:
            body = exc.read() if exc.fp is not None else b""
            return CallbackResult(status=exc.code, body=body)
        except urllib.error.URLError as exc:
            return CallbackResult(error=_describe(exc.reason))
        except (OSError, ValueError) as exc:
            return CallbackResult(error=_describe(exc))


def _describe(reason: object) -> str:
    if isinstance(reason, TimeoutError | socket.timeout):
        return "timeout"
    if isinstance(reason, ConnectionRefusedError):
        return "refused"
    if isinstance(reason, ConnectionResetError):
        return "reset"
    if isinstance(reason, ssl.SSLError):
        return "tls-error"
    if isinstance(reason, ValueError):
        return "invalid-url"
    return f"error: {reason}"
