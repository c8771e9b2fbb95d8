"""The test network is loopback only: one guard for every test that could reach further.

`install(monkeypatch, error=...)` makes every name lookup and every connection (``connect``,
``connect_ex``, ``create_connection``) to anything but 127.0.0.0/8, ::1 and ``localhost`` raise
`error` before anything leaves the machine; it returns the list of refused attempts (the
`loopback_only` fixture of `tests/conftest.py` fails the test if one is left in it). Used by the
intercept and proxy tests, the Infobip SDK tests (with an `OSError` so the SDKs report it as a
connection failure) and the SDK 3.0.0 suite that runs in a venv of its own.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

import pytest

__all__ = ["install", "is_loopback_name"]


def is_loopback_name(host: object) -> bool:
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


def install(monkeypatch: pytest.MonkeyPatch, *, error: type[BaseException]) -> list[str]:
    refused: list[str] = []
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_create_connection = socket.create_connection

    def check(host: object, what: str) -> None:
        if not is_loopback_name(host):
            refused.append(f"{what} {host!r}")
            raise error(f"test guard: {what} {host!r} refused (loopback only)")

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
    return refused
