"""Which real hostnames are which fake: the host map of `intercept` and the proxy.

A map entry is a hostname (``api.infobip.com``) or a wildcard of subdomains
(``*.api.infobip.com``: Infobip's personal base URLs, ``xyz123.api.infobip.com``; not the bare
domain), and a target ``"provider"`` or ``"provider:listener"`` (``"infobip:secondary"``). The
port and scheme do not matter: ``https://gwjo1s.broadnet.me:8443`` and ``http://gwjo1s.broadnet.me``
reach the same listener.

`DEFAULT_HOSTS` is the documented map; `HostMap.extended()` adds (or, with None, removes)
entries: ``smsmock.intercept(hosts={"sms.example.com": "infobip"})``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import ConfigError

__all__ = ["DEFAULT_HOSTS", "HostMap", "Route", "is_loopback"]

#: The providers' real hosts, as their documents and public clients spell them.
DEFAULT_HOSTS: Mapping[str, str] = {
    "api.infobip.com": "infobip",
    "api2.infobip.com": "infobip:secondary",
    "*.api.infobip.com": "infobip",  # personal base URLs
    "api.mimsms.com": "mimsms",
    "gwjo1s.broadnet.me": "broadnet:https",  # the document's gateway (port 8443, HTTPS only)
    "smsc.ru": "smsc",
    "www.smsc.ru": "smsc",
    "www2.smsc.ru": "smsc",  # the official clients' fallback host
}


@value_class
class Route:
    """Where requests to one host go: a provider's fake and one of its HTTP listeners
    (None: its first, primary one)."""

    pattern: str
    provider: str
    listener: str | None = None

    def describe(self) -> str:
        return self.provider + (f":{self.listener}" if self.listener else "")


def _normalise(host: str) -> str:
    host = host.strip().lower().rstrip(".")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1, ``localhost`` and ``*.localhost``: the only addresses tests may use."""
    name = _normalise(host)
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _parse_target(pattern: str, target: object) -> Route:
    if not isinstance(target, str) or not target.strip():
        raise ConfigError(
            f"intercept host {pattern!r}: the target must be 'provider' or 'provider:listener', "
            f"got {target!r}"
        )
    provider, _, listener = target.strip().partition(":")
    return Route(pattern=pattern, provider=provider, listener=listener or None)


class HostMap:
    """An immutable host -> `Route` map with ``*.`` wildcards (the longest suffix wins)."""

    def __init__(self, entries: Mapping[str, str] = DEFAULT_HOSTS) -> None:
        exact: dict[str, Route] = {}
        wildcard: dict[str, Route] = {}
        for pattern, target in entries.items():
            key = _normalise(pattern)
            if not key or "/" in key or ("*" in key and not key.startswith("*.")):
                raise ConfigError(
                    f"intercept host {pattern!r}: a hostname or '*.domain', without scheme or path"
                )
            if is_loopback(key):
                raise ConfigError(f"intercept host {pattern!r}: loopback addresses stay real")
            route = _parse_target(key, target)
            if key.startswith("*."):
                wildcard[key[1:]] = route  # ".api.infobip.com"
            else:
                exact[key] = route
        self._exact = exact
        # Longest suffix first, so a more specific wildcard wins.
        self._wildcard = sorted(wildcard.items(), key=lambda item: -len(item[0]))
        self._entries = dict(entries)

    def resolve(self, host: str) -> Route | None:
        name = _normalise(host)
        route = self._exact.get(name)
        if route is not None:
            return route
        for suffix, candidate in self._wildcard:
            if name.endswith(suffix):
                return candidate
        return None

    def extended(self, entries: Mapping[str, str | None]) -> HostMap:
        """A new map with `entries` added; a None target removes the host."""
        merged: dict[str, str] = {_normalise(k): v for k, v in self._entries.items()}
        for pattern, target in entries.items():
            if target is None:
                merged.pop(_normalise(pattern), None)
            else:
                merged[_normalise(pattern)] = target
        return HostMap(merged)

    def items(self) -> Iterator[tuple[str, Route]]:
        for pattern, route in self._exact.items():
            yield pattern, route
        for suffix, route in self._wildcard:
            yield "*" + suffix, route

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.resolve(host) is not None

    def __repr__(self) -> str:
        body = ", ".join(f"{p!r}: {r.describe()!r}" for p, r in self.items())
        return f"HostMap({{{body}}})"
