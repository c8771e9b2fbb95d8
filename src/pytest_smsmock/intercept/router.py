"""One request to a provider's real hostname, answered by its fake's WSGI app in-process.

Both doors use it: the patched HTTP libraries (`intercept.libraries`) and the HTTP(S) proxy
(`servers/proxy.py`). It never opens a socket: the fake's app is called with a WSGI environ
built here, as werkzeug's server would build it.

What a socket would have shown becomes `Unreachable`, which each door turns into its own
error (the library's connection error, a closed proxy connection):

- a listener taken down (`smsmock.take_down`): ``refused``;
- a scenario fault that needs the socket (reset, random data, malformed chunk, incomplete
  body): ``reset`` -- the connection closes before a complete answer;
- a real-time ``delay`` at least as long as the client's read timeout: ``timeout``, at once
  (in-process nothing waits: a shorter delay, or a slow trickle, gives the answer at once);
- a TLS handshake failure on an ``https`` URL: ``tls``.
"""

from __future__ import annotations

import io
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from typing import TYPE_CHECKING, Any, Literal, Protocol
from urllib.parse import unquote_to_bytes

from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.errors import InterceptError
from pytest_smsmock.intercept.hosts import HostMap, Route

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.servers.http import HttpServer

__all__ = ["Answer", "RawFaultHook", "Router", "Unreachable"]

UnreachableKind = Literal["refused", "reset", "timeout", "tls"]

#: ``environ["smsmock.raw_fault"]``: called with the fault and the provider's own answer;
#: returns to let the answer go, raises `Unreachable` to drop the connection.
RawFaultHook = Callable[[Any, Any], None]


class Unreachable(Exception):
    """What the client would have met on the socket; each door raises its own error for it."""

    def __init__(self, kind: UnreachableKind, message: str) -> None:
        self.kind: UnreachableKind = kind
        super().__init__(message)


@record_class(kw_only=False)
class Answer:
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


class HubLike(Protocol):
    """What the router needs of the hub."""

    @property
    def fakes(self) -> Mapping[str, ProviderFake]: ...

    @property
    def http_servers(self) -> Mapping[tuple[str, str], HttpServer]: ...

    @property
    def hosts(self) -> HostMap: ...


_HOP_BY_HOP = frozenset(("proxy-connection", "proxy-authorization", "keep-alive"))


class Router:
    """Resolves hostnames with the hub's `HostMap` and serves requests with its fakes."""

    def __init__(self, hub: HubLike) -> None:
        self.hub = hub
        self._apps: dict[tuple[str, str], WSGIApplication] = {}
        self._lock = threading.Lock()

    def route(self, host: str) -> Route | None:
        return self.hub.hosts.resolve(host)

    def target(self, route: Route, host: str) -> tuple[ProviderFake, str]:
        """The fake and listener behind `route`, or an `InterceptError` saying why not."""
        fake = self.hub.fakes.get(route.provider)
        if fake is None:
            enabled = ", ".join(self.hub.fakes) or "none"
            raise InterceptError(
                f"smsmock: {host} is a host of {route.provider!r} (intercept map entry "
                f"{route.pattern!r}), but this SmsMock serves no such fake (enabled: {enabled}); "
                "nothing was sent"
            )
        names = [listener.name for listener in fake.http_listeners]
        listener = route.listener or (names[0] if names else "")
        if listener not in names:
            raise InterceptError(
                f"smsmock: {host} maps to {route.describe()!r}, but {fake.name} has no HTTP "
                f"listener {listener!r} (it has: {', '.join(names) or 'none'}); nothing was sent"
            )
        return fake, listener

    def _app(self, fake: ProviderFake, listener: str) -> WSGIApplication:
        key = (fake.name, listener)
        app = self._apps.get(key)
        if app is None:
            with self._lock:
                app = self._apps.setdefault(key, fake.wsgi(listener))
        return app

    def connect(self, route: Route, *, host: str, scheme: str) -> None:
        """What opening a connection to `host` would meet: a listener taken down, a scenario's
        TLS handshake failure (`Unreachable`), no fake behind the host (`InterceptError`)."""
        fake, listener = self.target(route, host)
        server = self.hub.http_servers.get((fake.name, listener))
        if server is not None and not server.running:
            raise Unreachable(
                "refused", f"smsmock: {host} ({fake.name}/{listener}) is taken down: refused"
            )
        fault = getattr(self._app(fake, listener), "connection_fault", None)
        if fault is not None and fault() == "tls_handshake_failure":
            raise Unreachable(
                "tls" if scheme == "https" else "reset",
                f"smsmock: {host}: the TLS handshake failed (scenario fault tls_handshake_failure)",
            )

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
        raw_fault: RawFaultHook | None = None,
    ) -> Answer:
        """Answer one request with the fake behind `route`; `target` is ``/path?query``.
        Each request is a new connection (`connect`) unless `checked` says it rides on one.
        `raw_fault` performs the scenario's socket faults (default: in-process, see above)."""
        if not checked:
            self.connect(route, host=host, scheme=scheme)
        fake, listener = self.target(route, host)
        environ = _environ(method, scheme, host, port, target, headers, body)
        environ["smsmock.raw_fault"] = raw_fault or _RawFaults(timeout)
        return _call(self._app(fake, listener), environ)


class _RawFaults:
    """``environ["smsmock.raw_fault"]`` in-process: the socket faults as `Unreachable`."""

    def __init__(self, timeout: float | None) -> None:
        self.timeout = timeout

    def __call__(self, fault: Any, answer: Any) -> None:
        kind = str(fault.kind)
        if kind == "delay":
            delay = fault.delay.total_seconds() if fault.delay is not None else 0.0
            if self.timeout is not None and delay >= self.timeout:
                raise Unreachable(
                    "timeout",
                    f"smsmock: the answer is delayed {delay:g} s by the scenario, longer than the "
                    f"client's read timeout ({self.timeout:g} s)",
                )
            return
        if kind == "slow_trickle":
            return
        raise Unreachable(
            "reset", f"smsmock: the connection closed without a complete answer (fault {kind})"
        )


def _environ(
    method: str,
    scheme: str,
    host: str,
    port: int | None,
    target: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
) -> WSGIEnvironment:
    path, _, query = target.partition("?")
    port = port or (443 if scheme == "https" else 80)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(path or "/").decode("latin-1"),
        "QUERY_STRING": query,
        "REQUEST_URI": target,
        "RAW_URI": target,
        "SERVER_NAME": host,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": 0,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "wsgi.input_terminated": True,
        "smsmock.intercepted": True,
    }
    for name, value in headers:
        key = name.upper().replace("-", "_")
        if name.lower() in _HOP_BY_HOP:
            continue
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key == "CONTENT_LENGTH":
            continue  # the body is whole: its length is what counts
        else:
            key = "HTTP_" + key
            environ[key] = f"{environ[key]}, {value}" if key in environ else value
    environ["CONTENT_LENGTH"] = str(len(body))
    environ.setdefault("HTTP_HOST", host if port in (80, 443) else f"{host}:{port}")
    return environ


def _call(app: WSGIApplication, environ: WSGIEnvironment) -> Answer:
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: chunks.append(data)

    chunks: list[bytes] = []
    result = app(environ, start_response)
    try:
        chunks.extend(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    code, _, reason = status.partition(" ")
    return Answer(int(code), reason, list(headers), b"".join(chunks))
