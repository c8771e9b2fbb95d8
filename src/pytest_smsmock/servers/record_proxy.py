"""A recording reverse proxy in front of a real provider (`smsmock record`).

HTTP(S): every request is forwarded to the upstream as it came (hop-by-hop headers and
``Host`` aside), its answer passed back as it came, and both reported to a `core.tap.Tap`.
Push URLs the request gives (`core/pushurls.py`) are rewritten to the proxy's own receiver
(``/__smsmock/push/<n>``), so the provider's pushes come back through the proxy, which reports
each one, forwards it to the original URL and passes the client's answer back. Pushes the
provider sends to an account-level URL go to ``/__smsmock/push`` (printed by the CLI for the
user to configure) and on to ``forward_callbacks``.

SMPP: a byte relay per connection (TLS to the upstream when asked) that cuts each direction
into PDUs and reports every one; nothing is altered.

Times are the wall clock: a proxy records a real provider. It listens on loopback unless told
otherwise, and connects only to the upstream it is given.
"""

from __future__ import annotations

import asyncio
import http.client
import ssl
import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit

from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.pushurls import rewrite_push_urls
from pytest_smsmock.core.tap import Tap

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["PUSH_PATH", "RecordingProxy"]

PUSH_PATH = "/__smsmock/push"

_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


def _now() -> datetime:
    return datetime.now(UTC)


class RecordingProxy:
    """See the module docstring. A context manager; `url`, `receiver_url`, `smpp_address`."""

    def __init__(
        self,
        *,
        provider: str,
        tap: Tap,
        upstream: str | None = None,
        smpp_upstream: tuple[str, int] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        smpp_port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        upstream_ssl_context: ssl.SSLContext | None = None,
        smpp_upstream_tls: bool = False,
        forward_callbacks: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.provider = provider
        self.tap = tap
        self.upstream = urlsplit(upstream) if upstream else None
        self.smpp_upstream = smpp_upstream
        self.host = host
        self.port = port
        self.smpp_port = smpp_port
        self.ssl_context = ssl_context
        self.upstream_ssl_context = upstream_ssl_context
        self.smpp_upstream_tls = smpp_upstream_tls
        self.forward_callbacks = forward_callbacks
        self.timeout = timeout
        self._pushes: dict[str, str] = {}  # token -> the client's own push URL
        self._tokens: dict[str, str] = {}
        self._lock = threading.Lock()
        self._http: BaseWSGIServer | None = None
        self._threads: list[threading.Thread] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._smpp_server: asyncio.AbstractServer | None = None
        self._sessions = 0
        self.url = ""
        self.smpp_address: tuple[str, int] | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> RecordingProxy:
        if self.upstream is not None:
            self._http = make_server(
                self.host, self.port, self._app, threaded=True, ssl_context=self.ssl_context
            )
            scheme = "https" if self.ssl_context is not None else "http"
            self.url = f"{scheme}://{self.host}:{self._http.server_port}"
            thread = threading.Thread(
                target=self._http.serve_forever, name="smsmock-proxy-http", daemon=True
            )
            thread.start()
            self._threads.append(thread)
        if self.smpp_upstream is not None:
            ready = threading.Event()
            thread = threading.Thread(
                target=self._run_smpp, args=(ready,), name="smsmock-proxy-smpp", daemon=True
            )
            thread.start()
            self._threads.append(thread)
            ready.wait(10)
            if self.smpp_address is None:
                self.stop()
                raise OSError(f"cannot listen for SMPP on {self.host}:{self.smpp_port}")
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(loop.stop)
        for thread in self._threads:
            thread.join(5)
        self._threads.clear()

    def __enter__(self) -> RecordingProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def receiver_url(self) -> str:
        """Where account-level callbacks should point (forwarded to `forward_callbacks`)."""
        return self.url + PUSH_PATH

    # -- HTTP ---------------------------------------------------------------------------------
    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == PUSH_PATH or request.path.startswith(PUSH_PATH + "/"):
            response = self._push(request)
        else:
            response = self._forward(request)
        return response(environ, start_response)

    def _token(self, url: str) -> str:
        with self._lock:
            token = self._tokens.get(url)
            if token is None:
                token = self._tokens[url] = str(len(self._tokens) + 1)
                self._pushes[token] = url
        return f"{self.receiver_url}/{token}"

    def _forward(self, request: Request) -> Response:
        assert self.upstream is not None
        at = _now()
        body = request.get_data()
        query = request.query_string.decode("latin-1")
        content_type = request.headers.get("Content-Type", "")
        new_query, new_body = rewrite_push_urls(query, body, content_type, self._token)
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in _HOP]
        target = (self.upstream.path.rstrip("/") + request.path) + (
            f"?{new_query}" if new_query else ""
        )
        try:
            status, answer_headers, answer = self._request(
                self.upstream, request.method, target, headers, new_body
            )
        except (OSError, http.client.HTTPException) as exc:
            fault = "connection_reset" if isinstance(exc, ConnectionError) else "no_response"
            self.tap.http(self.provider, "primary", at, request, None, fault)
            return Response(f"smsmock record: upstream failed: {exc}", status=502)
        recorded = Response(answer, status=status, headers=list(answer_headers))
        self.tap.http(self.provider, "primary", at, request, recorded, None)
        kept = [(k, v) for k, v in answer_headers if k.lower() not in _HOP]
        return Response(answer, status=status, headers=kept)

    def _request(
        self,
        base: SplitResult,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> tuple[int, tuple[tuple[str, str], ...], bytes]:
        host = base.hostname or "127.0.0.1"
        connection: http.client.HTTPConnection
        if base.scheme == "https":
            connection = http.client.HTTPSConnection(
                host,
                base.port or 443,
                timeout=self.timeout,
                context=self.upstream_ssl_context or ssl.create_default_context(),
            )
        else:
            connection = http.client.HTTPConnection(host, base.port or 80, timeout=self.timeout)
        try:
            connection.request(method, target, body=body or None, headers=dict(headers))
            answer = connection.getresponse()
            data = answer.read()
            return answer.status, tuple(answer.getheaders()), data
        finally:
            connection.close()

    def _push(self, request: Request) -> Response:
        at = _now()
        token = request.path[len(PUSH_PATH) :].strip("/")
        with self._lock:
            original = self._pushes.get(token) if token else None
        original = original or self.forward_callbacks
        body = request.get_data()
        query = request.query_string.decode("latin-1")
        headers = tuple(
            (k, v) for k, v in request.headers.items() if k.lower() in ("content-type", "accept")
        )
        url = (original or self.receiver_url) + (
            ("&" if "?" in (original or "") else "?") + query if query else ""
        )
        status: int | None = None
        answer = b""
        error: str | None = None
        if original is None:
            status, answer = 200, b"OK"  # nowhere to forward: recorded, acknowledged
        else:
            parts = urlsplit(url)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            try:
                status, _, answer = self._request(
                    parts, request.method, target or "/", list(headers), body
                )
            except (OSError, http.client.HTTPException) as exc:
                error = "refused" if isinstance(exc, ConnectionRefusedError) else "error"
        self.tap.push(
            self.provider,
            at,
            ("dlr", request.method, url, headers, body, "", 1),
            (status, answer, error),
        )
        if error is not None:
            return Response(error, status=502)
        return Response(answer, status=status or 200)

    # -- SMPP ---------------------------------------------------------------------------------
    def _run_smpp(self, ready: threading.Event) -> None:
        loop = self._loop = asyncio.new_event_loop()
        try:
            server = loop.run_until_complete(
                asyncio.start_server(self._relay, self.host, self.smpp_port)
            )
            self._smpp_server = server
            sockname = server.sockets[0].getsockname()
            self.smpp_address = (str(sockname[0]), int(sockname[1]))
        except OSError:
            ready.set()
            loop.close()
            return
        ready.set()
        try:
            loop.run_forever()
        finally:
            server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.smpp_upstream is not None
        self._sessions += 1
        session = self._sessions
        context = self.upstream_ssl_context if self.smpp_upstream_tls else None
        if self.smpp_upstream_tls and context is None:
            context = ssl.create_default_context()
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.smpp_upstream, ssl=context)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pump(reader, up_writer, session, "in"),
            self._pump(up_reader, writer, session, "out"),
            return_exceptions=True,
        )

    async def _pump(
        self,
        source: asyncio.StreamReader,
        sink: asyncio.StreamWriter,
        session: int,
        direction: str,
    ) -> None:
        buffer = b""
        try:
            while True:
                data = await source.read(65536)
                if not data:
                    break
                sink.write(data)
                await sink.drain()
                buffer += data
                while len(buffer) >= 16:
                    length = int.from_bytes(buffer[:4], "big")
                    if length < 16 or len(buffer) < length:
                        break
                    frame, buffer = buffer[:length], buffer[length:]
                    at = _now().timestamp()
                    self.tap.smpp(self.provider, "plain", session, at, direction, frame)
        finally:
            sink.close()
