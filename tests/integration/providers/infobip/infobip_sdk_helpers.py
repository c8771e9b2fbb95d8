"""What the Infobip SDK tests share: a loopback-only network, and a strict reading of answers.

`loopback_only(monkeypatch)` makes every name lookup and every connection to anything but
127.0.0.0/8 and ::1 fail, so an SDK whose host setting is wrong fails the test instead of
reaching Infobip. `assert_known_keys(model, data)` checks raw JSON against an SDK 6.x
(pydantic) model: every key one the model declares (pydantic ignores the others, the platform's
strict clients do not), no ``null`` anywhere, nested objects alike.
"""

from __future__ import annotations

import enum
import ipaddress
import socket
import types
import typing
from typing import Any

import pytest

__all__ = ["Blocked", "assert_known_keys", "is_loopback", "loopback_only"]


class Blocked(OSError):
    """A test tried to reach a host that is not loopback."""


def is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            raise Blocked(f"test network is loopback only: lookup of {host!r} refused")
        return real_getaddrinfo(host, *args, **kwargs)

    def check(sock: socket.socket, address: Any) -> None:
        family_ok = sock.family in (socket.AF_INET, socket.AF_INET6)
        if family_ok and not is_loopback(address[0]):
            raise Blocked(f"test network is loopback only: connection to {address!r} refused")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)


def _models(annotation: Any) -> list[Any]:
    """The model classes an annotation names (through Optional, List, Dict, Annotated)."""
    from pydantic import BaseModel

    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _models(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, dict):
        found = []
        for argument in typing.get_args(annotation):
            found += _models(argument)
        return found
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
        return [annotation]
    return []


def assert_known_keys(model: Any, data: Any, where: str = "") -> None:
    """`data` (parsed JSON) uses only keys `model` declares, and no null."""
    from pydantic import BaseModel

    assert data is not None, f"{where or 'answer'}: null"
    if isinstance(data, list):
        for index, item in enumerate(data):
            assert_known_keys(model, item, f"{where}[{index}]")
        return
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return
    fields = model.model_fields
    if "actual_instance" in fields:  # a oneOf wrapper: the member whose keys fit
        members = [m for m in _models(fields["actual_instance"].annotation) if m is not model]
        fitting = [
            m
            for m in members
            if set(data) <= {f.alias or n for n, f in m.model_fields.items()}
            and all(
                f.alias in data or n in data for n, f in m.model_fields.items() if f.is_required()
            )
        ]
        assert len(fitting) == 1, f"{where}: {data} fits {[m.__name__ for m in fitting]}"
        assert_known_keys(fitting[0], data, where)
        return
    assert isinstance(data, dict), f"{where}: {data!r} is not an object"
    by_alias = {field.alias or name: field for name, field in fields.items()}
    unknown = set(data) - set(by_alias)
    assert not unknown, f"{where or model.__name__}: keys {sorted(unknown)} not in {model.__name__}"
    for key, value in data.items():
        assert value is not None, f"{where}.{key}: null"
        for nested in _models(by_alias[key].annotation):
            assert_known_keys(nested, value, f"{where}.{key}")
