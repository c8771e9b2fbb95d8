"""Suite-wide settings.

Hypothesis: the machines are shared and noisy (2 cores), so the time-based health check
(`too_slow`) and per-example deadlines are off. Under CI (`CI` set) the examples are derandomized
so a run is reproducible from its commit; locally every run explores new examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "smsmock",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "smsmock-ci",
    parent=settings.get_profile("smsmock"),
    derandomize=True,
    print_blob=True,
)
settings.load_profile("smsmock-ci" if os.environ.get("CI") else "smsmock")


class NetworkRefused(Exception):
    """A test tried to resolve or reach something that is not loopback (not an OSError, so no
    client library mistakes it for a network failure and retries or swallows it)."""


def _loopback_name(host: object) -> bool:
    import ipaddress

    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    name = host.strip().lower().rstrip(".").strip("[]")
    if name in ("localhost", "") or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name.split("%")[0]).is_loopback
    except ValueError:
        return False


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No name resolution and no connection to anything but loopback, for this test: the guard
    of the tests of intercept and the proxy, so a regression fails here instead of sending
    traffic. Yields the refused attempts; a test that expects one clears the list."""
    import socket

    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def check(host: object, what: str) -> None:
        if not _loopback_name(host):
            refused.append(f"{what} {host!r}")
            raise NetworkRefused(f"test guard: {what} {host!r} refused (loopback only)")

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None:
            check(host, "resolve")
        return real_getaddrinfo(host, *args, **kwargs)

    def address_host(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            check(address[0], "connect")

    def connect(self: socket.socket, address: Any) -> None:
        address_host(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        address_host(self, address)
        return real_connect_ex(self, address)

    def create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        check(address[0], "connect")
        return real_create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    yield refused
    assert refused == [], f"traffic beyond loopback was attempted: {refused}"
