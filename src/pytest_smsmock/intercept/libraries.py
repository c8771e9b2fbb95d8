"""The patches behind `intercept`: one per HTTP library, each at the library's lowest seam that
still has a whole request, plus a guard on name resolution for everything else.

- urllib3 (and so requests and the Infobip SDK): `HTTPConnectionPool.urlopen`, the one call
  every request goes through; the answer is a real `urllib3.HTTPResponse` over the fake's bytes,
  and the request's own `Retry` decides, as urllib3 would, whether a dropped connection is tried
  again (the fake then sees the retry too).
- httpx: `HTTPTransport.handle_request` and `AsyncHTTPTransport.handle_async_request` (a client
  given its own transport, such as `MockTransport`, is left alone).
- aiohttp: `TCPConnector._create_connection`: a provider host gets an in-memory connection whose
  transport hands the request bytes to the fake and feeds the answer back to aiohttp's own
  parser, so redirects, cookies, keep-alive and timeouts are aiohttp's.
- `socket.getaddrinfo` and `socket.create_connection`: a provider host reaching them came
  through a library that is not patched (urllib.request, http.client...): `InterceptError`,
  before any name is resolved; under ``strict``, so does any host that is not loopback. (A
  library with its own resolver or C networking goes around this guard: use the proxy.)

Every patch asks the active `Interception` (`decide(host)`): a `Route` means "answer in-process",
None means "not ours, carry on", and it raises for what must not go out.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import socket
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from pytest_smsmock.intercept.router import Answer, Unreachable
from pytest_smsmock.intercept.wire import RequestReader, WireError, WireRequest, render_response

if TYPE_CHECKING:
    from pytest_smsmock.intercept.hosts import Route
    from pytest_smsmock.intercept.router import Router

__all__ = ["PATCHED_LIBRARIES", "Interception", "Patches"]

#: What `intercept` patches, by import name (each only if it is installed).
PATCHED_LIBRARIES = ("urllib3", "requests", "httpx", "aiohttp")


class Interception(Protocol):
    """What the patches ask of the active interception (`pytest_smsmock.intercept`)."""

    @property
    def router(self) -> Router: ...

    def decide(self, host: str | None) -> Route | None: ...

    def guard(self, host: str) -> None: ...

    def connect(self, route: Route, *, host: str, scheme: str) -> None: ...

    def serve(
        self,
        route: Route,
        *,
        method: str,
        scheme: str,
        host: str,
        port: int | None,
        target: str,
        headers: Iterable[tuple[str, str]],
        body: bytes,
        timeout: float | None = None,
        checked: bool = False,
    ) -> Answer: ...


def _installed(name: str) -> bool:
    return name in sys.modules or importlib.util.find_spec(name) is not None


class Patches:
    """Installs every patch for one `Interception`, and takes them all back."""

    def __init__(self, interception: Interception) -> None:
        self.interception = interception
        self._undo: list[Callable[[], None]] = []
        self.libraries: list[str] = []

    def install(self) -> None:
        installers: dict[str, Callable[[Interception], Callable[[], None]]] = {
            "urllib3": _patch_urllib3,
            "requests": _fast_requests,
            "httpx": _patch_httpx,
            "aiohttp": _patch_aiohttp,
        }
        try:
            for name in PATCHED_LIBRARIES:
                if _installed(name):
                    self._undo.append(installers[name](self.interception))
                    self.libraries.append(name)
            self._undo.append(_guard_resolution(self.interception))
        except BaseException:
            self.uninstall()
            raise

    def uninstall(self) -> None:
        while self._undo:
            self._undo.pop()()
        self.libraries.clear()


def _replace(owner: Any, name: str, new: Any) -> Callable[[], None]:
    original = owner.__dict__[name]
    setattr(owner, name, new)

    def undo() -> None:
        setattr(owner, name, original)

    return undo


# -- socket: the guard ---------------------------------------------------------------------


def _guard_resolution(interception: Interception) -> Callable[[], None]:
    """`socket.getaddrinfo` and `socket.create_connection` (http.client's way in) check the
    name first."""
    original_getaddrinfo = socket.getaddrinfo
    original_create_connection = socket.create_connection

    def check(host: Any) -> None:
        name = host.decode("idna") if isinstance(host, bytes) else host
        if isinstance(name, str) and name:
            interception.guard(name)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        check(host)
        return original_getaddrinfo(host, *args, **kwargs)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address[0])
        return original_create_connection(address, *args, **kwargs)

    socket.getaddrinfo = getaddrinfo
    socket.create_connection = create_connection

    def undo() -> None:
        socket.getaddrinfo = original_getaddrinfo
        socket.create_connection = original_create_connection

    return undo


# -- urllib3 (requests, the Infobip SDK) ----------------------------------------------------


def _body_bytes(body: Any) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    read = getattr(body, "read", None)
    if read is not None:
        data = read()
        return data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if isinstance(body, Iterable):
        return b"".join(c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body)
    raise TypeError(f"smsmock: cannot send a body of type {type(body).__name__}")


def _read_timeout(timeout: Any) -> float | None:
    if isinstance(timeout, int | float):
        return float(timeout)
    for name in ("read_timeout", "total"):
        try:
            value = getattr(timeout, name, None)
        except Exception:  # urllib3 asks for a started timer when total is set
            continue
        if isinstance(value, int | float):
            return float(value)
    return None


def _patch_urllib3(interception: Interception) -> Callable[[], None]:
    from urllib3 import connectionpool
    from urllib3._collections import HTTPHeaderDict
    from urllib3.exceptions import (
        NewConnectionError,
        ProtocolError,
        ReadTimeoutError,
        SSLError,
    )
    from urllib3.response import HTTPResponse
    from urllib3.util.retry import Retry
    from urllib3.util.timeout import _DEFAULT_TIMEOUT

    pool_class = connectionpool.HTTPConnectionPool
    original = pool_class.urlopen

    def urlopen(
        self: Any,
        method: str,
        url: str,
        body: Any = None,
        headers: Any = None,
        retries: Any = None,
        redirect: bool = True,
        assert_same_host: bool = True,
        timeout: Any = _DEFAULT_TIMEOUT,
        pool_timeout: Any = None,
        release_conn: Any = None,
        chunked: bool = False,
        body_pos: Any = None,
        preload_content: bool = True,
        decode_content: bool = True,
        **response_kw: Any,
    ) -> Any:
        if url.startswith(("http://", "https://")):  # absolute form: a plain-HTTP proxy pool
            parts = urlsplit(url)
            scheme, host, port = parts.scheme, parts.hostname or "", parts.port
            target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        else:
            scheme, host, port, target = self.scheme, self.host, self.port, url
        route = interception.decide(host)
        if route is None:
            return original(
                self,
                method,
                url,
                body,
                headers,
                retries,
                redirect,
                assert_same_host,
                timeout,
                pool_timeout,
                release_conn,
                chunked,
                body_pos,
                preload_content,
                decode_content,
                **response_kw,
            )
        if not isinstance(retries, Retry):
            retries = Retry.from_int(retries, redirect=redirect, default=self.retries)
        sent = _body_bytes(body)
        request_headers = list((headers if headers is not None else self.headers).items())
        if not any(k.lower() == "host" for k, _ in request_headers):
            request_headers.append(("Host", host if port is None else f"{host}:{port}"))
        read_timeout = _read_timeout(self.timeout if timeout is _DEFAULT_TIMEOUT else timeout)
        while True:
            try:
                answer = interception.serve(
                    route,
                    method=method,
                    scheme=scheme,
                    host=host,
                    port=port,
                    target=target,
                    headers=request_headers,
                    body=sent,
                    timeout=read_timeout,
                )
                break
            except Unreachable as exc:
                error: Exception
                if exc.kind == "refused":
                    error = NewConnectionError(self, f"{exc} [Errno 111] Connection refused")
                elif exc.kind == "tls":
                    error = SSLError(str(exc))
                elif exc.kind == "timeout":
                    error = ReadTimeoutError(self, url, str(exc))
                else:
                    error = ProtocolError("Connection aborted.", ConnectionResetError(str(exc)))
                # urllib3's own rule: retry while the request's Retry allows, else raise
                retries = retries.increment(method, url, error=error, _pool=self)
        return HTTPResponse(
            body=io.BytesIO(answer.body),
            headers=HTTPHeaderDict(answer.headers),
            status=answer.status,
            version=11,
            version_string="HTTP/1.1",
            reason=answer.reason,
            preload_content=preload_content,
            decode_content=decode_content,
            original_response=None,
            pool=self,
            connection=None,
            retries=retries,
            enforce_content_length=True,
            request_method=method,
            request_url=url,
        )

    return _replace(pool_class, "urlopen", urlopen)


def _fast_requests(interception: Interception) -> Callable[[], None]:
    """Speed trick (bench/bench_intercept.py, requests rows): requests reaches a provider host
    through the urllib3 patch; on the way, for a provider host only, it skips
    `Session.merge_environment_settings`'s scan of the environment for proxies, the larger part
    of requests' own cost per request. Nothing a client sees changes: a provider host under
    intercept is answered in-process, through no proxy; explicit settings still merge."""
    import requests
    from requests import sessions

    merge_setting: Callable[[Any, Any], Any] = sessions.merge_setting
    original = requests.Session.merge_environment_settings

    def merge_environment_settings(
        self: Any, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> Any:
        host = urlsplit(url).hostname
        if not host or interception.router.route(host) is None:
            return original(self, url, proxies, stream, verify, cert)
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }

    return _replace(requests.Session, "merge_environment_settings", merge_environment_settings)


# -- httpx ----------------------------------------------------------------------------------


def _patch_httpx(interception: Interception) -> Callable[[], None]:
    import httpx

    def error(exc: Unreachable, request: httpx.Request) -> Exception:
        if exc.kind in ("refused", "tls"):
            return httpx.ConnectError(str(exc), request=request)
        if exc.kind == "timeout":
            return httpx.ReadTimeout(str(exc), request=request)
        return httpx.RemoteProtocolError(str(exc), request=request)

    def serve(route: Route, request: httpx.Request, body: bytes) -> httpx.Response:
        timeouts = request.extensions.get("timeout") or {}
        url = request.url
        try:
            answer = interception.serve(
                route,
                method=request.method,
                scheme=url.scheme,
                host=url.host,
                port=url.port,
                target=url.raw_path.decode("ascii"),
                headers=request.headers.multi_items(),
                body=body,
                timeout=timeouts.get("read"),
            )
        except Unreachable as exc:
            raise error(exc, request) from None
        return httpx.Response(
            answer.status,
            headers=answer.headers,
            content=answer.body,
            request=request,
            extensions={
                "http_version": b"HTTP/1.1",
                "reason_phrase": answer.reason.encode("latin-1"),
            },
        )

    sync_original = httpx.HTTPTransport.handle_request
    async_original = httpx.AsyncHTTPTransport.handle_async_request

    def handle_request(self: Any, request: httpx.Request) -> httpx.Response:
        route = interception.decide(request.url.host)
        if route is None:
            return sync_original(self, request)
        return serve(route, request, request.read())

    async def handle_async_request(self: Any, request: httpx.Request) -> httpx.Response:
        route = interception.decide(request.url.host)
        if route is None:
            return await async_original(self, request)
        return serve(route, request, await request.aread())

    undo_sync = _replace(httpx.HTTPTransport, "handle_request", handle_request)
    undo_async = _replace(httpx.AsyncHTTPTransport, "handle_async_request", handle_async_request)

    def undo() -> None:
        undo_async()
        undo_sync()

    return undo


# -- aiohttp --------------------------------------------------------------------------------


class _MemoryTransport(asyncio.Transport):
    """An aiohttp connection with the fake at the other end: request bytes in, answer bytes
    out, on the event loop, no socket."""

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        protocol: Any,
        serve: Callable[[WireRequest], Answer],
        *,
        peer: tuple[str, int],
    ) -> None:
        super().__init__()
        self._loop = loop
        self._protocol = protocol
        self._serve = serve
        self._peer = peer
        self._reader = RequestReader()
        self._closing = False

    # what aiohttp writes
    def write(self, data: bytes | bytearray | memoryview) -> None:
        if self._closing:
            return
        try:
            requests = self._reader.feed(bytes(data))
        except WireError as exc:
            self._lose(ConnectionResetError(f"smsmock: {exc}"))
            return
        for request in requests:
            try:
                answer = self._serve(request)
            except Unreachable as exc:
                if exc.kind == "timeout":
                    self._loop.call_soon(self._time_out, str(exc))
                else:
                    self._lose(ConnectionResetError(str(exc)))
                return
            data = render_response(
                answer.status,
                answer.reason,
                answer.headers,
                answer.body,
                head=request.method.upper() == "HEAD",
            )
            self._loop.call_soon(self._deliver, data)

    def writelines(self, list_of_data: Iterable[bytes | bytearray | memoryview]) -> None:
        self.write(b"".join(bytes(chunk) for chunk in list_of_data))

    def _deliver(self, data: bytes) -> None:
        if not self._closing:
            self._protocol.data_received(data)

    def _time_out(self, message: str) -> None:
        import aiohttp

        error = getattr(aiohttp, "SocketTimeoutError", aiohttp.ServerTimeoutError)
        if not self._closing:
            self._protocol.set_exception(error(message))

    def _lose(self, exc: BaseException | None) -> None:
        if self._closing:
            return
        self._closing = True
        self._loop.call_soon(self._protocol.connection_lost, exc)

    # the rest of asyncio.Transport
    def close(self) -> None:
        self._lose(None)

    def abort(self) -> None:
        self._lose(None)

    def is_closing(self) -> bool:
        return self._closing

    def can_write_eof(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0

    def get_write_buffer_limits(self) -> tuple[int, int]:
        return (0, 0)

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        return None

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None

    def is_reading(self) -> bool:
        return not self._closing

    def get_protocol(self) -> Any:
        return self._protocol

    def set_protocol(self, protocol: Any) -> None:
        self._protocol = protocol

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": self._peer}.get(name, default)


def _patch_aiohttp(interception: Interception) -> Callable[[], None]:
    import aiohttp
    from aiohttp import connector

    connector_class = connector.TCPConnector
    original = connector_class._create_connection

    async def _create_connection(self: Any, req: Any, traces: Any, timeout: Any) -> Any:
        url = req.url
        host = url.raw_host or ""
        route = interception.decide(host)
        if route is None:
            return await original(self, req, traces, timeout)
        scheme, port = url.scheme, url.port
        try:
            interception.connect(route, host=host, scheme=scheme)
        except Unreachable as exc:
            raise aiohttp.ClientConnectorError(
                req.connection_key, ConnectionRefusedError(111, str(exc))
            ) from None
        limits = [getattr(timeout, "sock_read", None), getattr(timeout, "total", None)]
        read_timeout = min((t for t in limits if t), default=None)

        def serve(request: WireRequest) -> Answer:
            target = request.target
            if target.startswith(("http://", "https://")):  # absolute form (a proxy was set)
                parts = urlsplit(target)
                target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            return interception.serve(
                route,
                method=request.method,
                scheme=scheme,
                host=host,
                port=port,
                target=target,
                headers=request.headers,
                body=request.body,
                timeout=read_timeout,
                checked=True,
            )

        protocol = self._factory()
        transport = _MemoryTransport(self._loop, protocol, serve, peer=("127.0.0.1", port or 0))
        protocol.connection_made(transport)
        return protocol

    return _replace(connector_class, "_create_connection", _create_connection)
