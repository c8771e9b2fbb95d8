"""HTTP listeners for the fakes, and the HTTP client that pushes callbacks to the client.

Werkzeug parses each request, on a thread per connection. Instead of one `serve_forever()`
thread per listener, which polls for shutdown every half second (what makes pytest-httpserver's
stop slow), one selector thread accepts for every listener and is woken through a socket pair:
starting and stopping all listeners costs milliseconds.

Connections are kept alive (HTTP/1.1), as the real providers do and as clients expect:
requests.Session, httpx and the providers' SDKs send request after request on one connection.
Werkzeug's own handler answers ``Connection: close`` to everything (it cannot find the end of a
request body it did not read), so `_KeepAliveHandler.run_wsgi` answers instead: the fakes'
answers are buffered, so each goes out in one write with its Content-Length, and the connection
stays open only when the request's body was read to its end (a Content-Length body the fake left
unread is discarded, up to `DRAIN_LIMIT`; a chunked one must have reached its last chunk), the
client did not ask to close, and no fault took the socket. Why: a client on a fresh connection
per request pays a TCP (and TLS) handshake each time, and a load test through the fakes left
tens of thousands of sockets in TIME_WAIT (`bench/bench_http.py` has the figures).

Limits, per listener (`SmsMock(http_read_timeout=, http_handshake_timeout=,
http_max_connections=)`): a connection that sends nothing for `read_timeout` seconds (idle
between requests, or stalled inside one) is closed; a TLS client has `handshake_timeout` seconds
to finish its handshake; beyond `max_connections` open connections a new one is refused without
a thread: plain HTTP answers ``503 Service Unavailable`` with ``Connection: close`` and
``Retry-After: 1`` once its request arrives (or after `REFUSE_WAIT`), HTTPS closes it before the
handshake (a refusal in clear text is not something a TLS client can read).

TLS listeners wrap the listening socket with `do_handshake_on_connect=False`, so the handshake
happens on the connection's own thread (under the handshake timeout): a client that connects
and never speaks TLS cannot stall the accept loop.

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
import http.client
import selectors
import socket
import ssl
import struct
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

from pytest_smsmock.core.callbacks import (
    DEFAULT_CONCURRENCY,
    DEFAULT_TIMEOUT,
    CallbackRequest,
    CallbackResult,
)
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.servers.threads import mark_serving

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment
    from werkzeug.wrappers import Response

    from pytest_smsmock.scenario.faults import HttpFault

__all__ = ["HttpLimits", "HttpListenerGroup", "HttpServer", "UrllibSender"]


#: Defaults of the per-listener limits (see the module docstring).
READ_TIMEOUT = 30.0
HANDSHAKE_TIMEOUT = 10.0
MAX_CONNECTIONS = 256
#: Unread body octets discarded to keep a connection alive; beyond, the connection closes.
DRAIN_LIMIT = 64 * 1024
#: How long a refused connection may take to send its request before it is closed.
REFUSE_WAIT = 1.0

_REFUSAL = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 41\r\n"
    b"Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections to this access point\n"
)


class _CountingReader:
    """The connection's reader, counting the body octets the application reads."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._raw.read(size)
        self.count += len(data)
        return data

    def readline(self, size: int = -1) -> bytes:
        data: bytes = self._raw.readline(size)
        self.count += len(data)
        return data

    def readinto(self, buffer: Any) -> int:
        count: int = self._raw.readinto(buffer)
        self.count += count or 0
        return count

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


class _KeepAliveHandler(WSGIRequestHandler):
    """Werkzeug's request parsing, with persistent connections, the listener's read timeout,
    and logging to the journal instead of stderr (see the module docstring)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers then body: never wait for the client's ACK
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.read_timeout)  # idle or stalled: closed

    def log(self, type: str, message: str, *args: Any) -> None:  # noqa: A002 - werkzeug's name
        return None

    def log_error(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        return None

    def make_environ(self) -> WSGIEnvironment:
        environ = super().make_environ()
        environ["smsmock.raw_fault"] = lambda fault, answer: _perform(self, fault, answer)
        return environ

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        raw = self.rfile
        reader = _CountingReader(raw)
        self.rfile = reader  # type: ignore[assignment]
        try:
            self.environ = environ = self.make_environ()
            answer = self._call_app(environ)
            if answer is None:  # the client went away, or a fault took the connection
                self.close_connection = True
                return
            if not self._body_read(environ, reader):
                self.close_connection = True
            self._send(environ, *answer)
        finally:
            self.rfile = raw

    def _call_app(
        self, environ: WSGIEnvironment
    ) -> tuple[str, list[tuple[str, str]], bytes] | None:
        started: list[Any] = []
        chunks: list[bytes] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
            started[:] = [status, list(headers)]
            return chunks.append

        try:
            result = self.server.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
        except (ConnectionError, TimeoutError):
            return None
        except Exception as exc:  # the fakes answer every error themselves; never hang a client
            self.server.on_error(exc)
            return "500 Internal Server Error", [("Content-Type", "text/plain")], b"System error"
        return started[0], started[1], b"".join(chunks)

    def _body_read(self, environ: WSGIEnvironment, reader: _CountingReader) -> bool:
        """Whether the request's body has been read to its end (reading what is left of a
        small Content-Length body), so the next request starts on the next octet."""
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput
            return bool(getattr(environ["wsgi.input"], "_done", False))
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return False
        left = length - reader.count
        if left <= 0:
            return True
        if left > DRAIN_LIMIT:
            return False
        try:
            return len(reader.read(left)) == left
        except OSError:
            return False

    def _send(
        self, environ: WSGIEnvironment, status: str, headers: list[tuple[str, str]], body: bytes
    ) -> None:
        code_text, _, reason = status.partition(" ")
        code = int(code_text)
        self.send_response(code, reason)
        given_length = None
        for key, value in headers:
            name = key.lower()
            if name == "content-length":
                given_length = value
            elif name not in ("connection", "transfer-encoding", "keep-alive"):
                self.send_header(key, value)
        bodiless = 100 <= code < 200 or code in (204, 304)
        if not bodiless:
            head = environ["REQUEST_METHOD"] == "HEAD"
            self.send_header(
                "Content-Length", given_length if head and given_length else str(len(body))
            )
        self.send_header("Connection", "close" if self.close_connection else "keep-alive")
        if environ["REQUEST_METHOD"] == "HEAD" or bodiless:
            body = b""
        self.end_headers()
        if body:
            self.wfile.write(body)  # TCP_NODELAY: no wait between headers and body


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


def _perform(handler: _KeepAliveHandler, fault: HttpFault, answer: Response | None) -> None:
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


@value_class
class HttpLimits:
    """What one listener allows a client (see the module docstring)."""

    read_timeout: float = READ_TIMEOUT
    handshake_timeout: float = HANDSHAKE_TIMEOUT
    max_connections: int = MAX_CONNECTIONS

    def __post_init__(self) -> None:
        if self.read_timeout <= 0 or self.handshake_timeout <= 0:
            raise ConfigError("HTTP timeouts must be positive (seconds)")
        if self.max_connections < 1:
            raise ConfigError("http_max_connections must be at least 1")


class _Server(ThreadedWSGIServer):
    daemon_threads = True
    block_on_close = False

    def __init__(
        self,
        *args: Any,
        on_error: Callable[[BaseException], None],
        limits: HttpLimits,
        refuse: Callable[[socket.socket], None],
        **kw: Any,
    ) -> None:
        super().__init__(*args, **kw)
        self.on_error = on_error
        self.limits = limits
        self.read_timeout = limits.read_timeout
        self._refuse = refuse
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()

    def finish_request(self, request: Any, client_address: Any) -> None:
        mark_serving()
        hook = getattr(self.app, "connection_fault", None)
        if hook is not None and hook() == "tls_handshake_failure":
            # Answer the ClientHello with bytes that are not TLS, before any handshake.
            with contextlib.suppress(OSError):
                socket.socket.sendall(request, b"HTTP/1.1 400 Bad Request\r\n\r\n")
            return
        if isinstance(request, ssl.SSLSocket):
            # The handshake on this connection's thread, under its own timeout.
            request.settimeout(self.limits.handshake_timeout)
            try:
                request.do_handshake()
            except (OSError, ValueError):
                return  # silent, slow or not TLS: `shutdown_request` closes it
        super().finish_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conn_lock:
            full = len(self._connections) >= self.limits.max_connections
            if not full:
                self._connections.add(request)
        if full:
            self._refuse(request)  # no thread for it: the accept loop answers it
            return
        super().process_request(request, client_address)

    @property
    def open_connections(self) -> int:
        with self._conn_lock:
            return len(self._connections)

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
        limits: HttpLimits | None = None,
    ) -> None:
        self.app = app
        self.host = host
        self.ssl_context = ssl_context
        self.limits = limits or HttpLimits()
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
                handler=_KeepAliveHandler,
                on_error=self._on_error,
                limits=self.limits,
                refuse=self._group.refuse,
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

    @property
    def open_connections(self) -> int:
        """Connections being served right now (refused ones not counted)."""
        return self._server.open_connections if self._server is not None else 0

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

    def __init__(
        self, *, on_error: Callable[[BaseException], None], limits: HttpLimits | None = None
    ) -> None:
        self._on_error = on_error
        self.limits = limits or HttpLimits()
        self._servers: list[HttpServer] = []
        # Refused connections waiting for their request (socket -> deadline), accept thread only.
        self._refused: dict[socket.socket, float] = {}
        self._to_refuse: list[socket.socket] = []
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
            app,
            host,
            port,
            ssl_context=ssl_context,
            on_error=self._on_error,
            group=self,
            limits=self.limits,
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

    # -- refusals beyond `max_connections` (on the accept thread, no thread per connection) --
    def refuse(self, sock: socket.socket) -> None:
        """Refuse a connection over the listener's limit: HTTPS closes it at once; plain HTTP
        answers 503 when its request has arrived (so the client reads the answer rather than
        a reset), or after `REFUSE_WAIT`."""
        if isinstance(sock, ssl.SSLSocket) or len(self._refused) >= MAX_REFUSING:
            _close(sock)
            return
        try:
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, _REFUSE)
        except (OSError, ValueError, KeyError):
            _close(sock)
            return
        self._refused[sock] = time.monotonic() + REFUSE_WAIT

    def _answer_refused(self, sock: socket.socket) -> None:
        self._refused.pop(sock, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self._selector.unregister(sock)
        with contextlib.suppress(OSError):
            sock.recv(65536)  # what arrived of the request: closing with it unread would reset
        with contextlib.suppress(OSError):
            sock.send(_REFUSAL)
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        _close(sock)

    def _expire_refused(self) -> float | None:
        """Answer the refused connections whose wait is over; the next deadline's delay."""
        if not self._refused:
            return None
        now = time.monotonic()
        for sock, deadline in list(self._refused.items()):
            if deadline <= now:
                self._answer_refused(sock)
        if not self._refused:
            return None
        return max(0.0, min(self._refused.values()) - now)

    def _loop(self) -> None:
        while not self._stopping:
            self._apply_pending()
            try:
                events = self._selector.select(self._expire_refused())
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
                if key.data is _REFUSE:
                    self._answer_refused(key.fileobj)  # type: ignore[arg-type]
                    continue
                server: _Server = key.data
                try:
                    server._handle_request_noblock()  # type: ignore[attr-defined]
                except Exception as exc:  # never let one listener stop the others
                    self._on_error(exc)
        for sock in list(self._refused):
            _close(sock)
        self._refused.clear()


#: Refused connections waiting for their request at once, per hub; beyond, closed at once.
MAX_REFUSING = 1024
_REFUSE = object()  # the selector's mark of a refused connection


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


class UrllibSender:
    """Pushes a callback with the standard library (no proxies: loopback stays loopback).
    `send_many` pushes a batch at once, at most `concurrency` at a time (`core.callbacks`)."""

    def __init__(
        self,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        concurrency: int = DEFAULT_CONCURRENCY,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self.timeout = timeout
        self.concurrency = concurrency
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
        except http.client.HTTPException as exc:  # not HTTP, or cut short
            return CallbackResult(error=f"bad-response: {type(exc).__name__}")

    def send_many(self, requests: Sequence[CallbackRequest]) -> list[CallbackResult]:
        """The results of `requests` in their order, pushed concurrently (bounded pool)."""
        workers = min(max(1, self.concurrency), len(requests))
        if workers == 1:
            return [self(request) for request in requests]
        with ThreadPoolExecutor(workers, thread_name_prefix="smsmock-callback") as pool:
            return list(pool.map(self, requests))


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
