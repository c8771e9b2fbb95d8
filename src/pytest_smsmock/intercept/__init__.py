"""`intercept`: requests to the providers' real hostnames answered by the fakes, in-process.

    @pytest.mark.smsmock(intercept=True)      # or "strict"; ini: smsmock_intercept = true
    def test_sdk(smsmock):
        client = SMSC(login="test", password="test")   # hard-codes https://smsc.ru/sys/
        client.send(to="79991234567", message=SMSMessage(text="hi"))
        assert smsmock.smsc.messages.one(to="79991234567")

How it is built (after respx and responses, which patch one library each):

- `hosts.HostMap`: which hostname is which fake (`DEFAULT_HOSTS`, extendable per test);
- `router.Router`: one request, answered by the fake's WSGI app without a socket;
- `libraries`: the patches of urllib3 (requests), httpx and aiohttp, and a guard on
  `socket.getaddrinfo` that makes any other way to a provider host fail with `InterceptError`
  before a name is resolved;
- `Interception` (here): one active set of patches, started and stopped by the hub
  (`SmsMock.intercept()`), a context manager.

Hosts that are not in the map are left alone, or refused (`InterceptError`) under ``strict``,
loopback excepted (the fakes' own URLs, the receiver, a local app).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from types import TracebackType
from typing import TYPE_CHECKING

from pytest_smsmock.errors import ConfigError, InterceptError
from pytest_smsmock.intercept.hosts import DEFAULT_HOSTS, HostMap, Route, is_loopback
from pytest_smsmock.intercept.router import Answer, HubLike, Router, Unreachable

if TYPE_CHECKING:
    from pytest_smsmock.intercept.libraries import Patches

__all__ = [
    "DEFAULT_HOSTS",
    "HostMap",
    "Interception",
    "Route",
    "Unreachable",
    "active_interception",
    "is_loopback",
]

# The patches are process-wide, so one interception at a time: this is that one.
_ACTIVE: Interception | None = None
_ACTIVE_LOCK = threading.Lock()


def active_interception() -> Interception | None:
    return _ACTIVE


class Interception:
    """The patches of one hub, while active. `strict` refuses every host that is neither in
    the host map nor loopback."""

    def __init__(self, hub: HubLike, *, strict: bool = False) -> None:
        self.router = Router(hub)
        self.strict = strict
        self._patches: Patches | None = None

    @property
    def active(self) -> bool:
        return self._patches is not None

    @property
    def libraries(self) -> tuple[str, ...]:
        """The libraries patched (those installed): urllib3 (requests), httpx, aiohttp."""
        return tuple(self._patches.libraries) if self._patches is not None else ()

    def start(self) -> Interception:
        global _ACTIVE
        from pytest_smsmock.intercept.libraries import Patches

        with _ACTIVE_LOCK:
            if _ACTIVE is self:
                return self
            if _ACTIVE is not None:
                raise ConfigError(
                    "smsmock: another SmsMock is intercepting already; stop it first "
                    "(one interception at a time: the patches are process-wide)"
                )
            patches = Patches(self)
            patches.install()
            self._patches = patches
            _ACTIVE = self
        return self

    def stop(self) -> None:
        global _ACTIVE
        with _ACTIVE_LOCK:
            if self._patches is not None:
                self._patches.uninstall()
                self._patches = None
            if _ACTIVE is self:
                _ACTIVE = None

    def __enter__(self) -> Interception:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what the patches ask -------------------------------------------------------------
    def decide(self, host: str | None) -> Route | None:
        """The route of a provider host; None to let the request through; `InterceptError`
        for a host that must not be reached (strict)."""
        if not host:
            return None
        route = self.router.route(host)
        if route is not None:
            return route
        if self.strict and not is_loopback(host):
            raise InterceptError(
                f"smsmock: intercept is strict and {host} is neither a provider host nor "
                "loopback; nothing was sent (map it with smsmock.intercept(hosts={"
                f"{host!r}: 'provider'}}) or use intercept=True)"
            )
        return None

    def guard(self, host: str) -> None:
        """Name resolution reached: the request came through a library that is not patched."""
        route = self.router.route(host)
        if route is not None:
            raise InterceptError(
                f"smsmock: {host} is a provider host ({route.describe()}), but this request "
                "came through an HTTP library intercept does not patch (it patches requests, "
                "urllib3, httpx and aiohttp); nothing was resolved or sent. Use one of those, "
                "the fake's own URL (smsmock.<provider>.url) or the proxy (smsmock.proxy_url)."
            )
        if self.strict and not is_loopback(host):
            raise InterceptError(
                f"smsmock: intercept is strict and {host} is neither a provider host nor "
                "loopback; nothing was resolved or sent"
            )

    def connect(self, route: Route, *, host: str, scheme: str) -> None:
        self.router.connect(route, host=host, scheme=scheme)

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
    ) -> Answer:
        """One request to a provider host, in-process (see `router.Router.serve`)."""
        return self.router.serve(
            route,
            method=method,
            scheme=scheme,
            host=host,
            port=port,
            target=target,
            headers=headers,
            body=body,
            timeout=timeout,
            checked=checked,
        )
