"""What the Infobip SDK tests share: a loopback-only network, and a strict reading of answers.

`loopback_only(monkeypatch)` makes every name lookup and every connection to anything but
127.0.0.0/8 and ::1 fail, so an SDK whose host setting is wrong fails the test instead of
reaching Infobip. `assert_known_keys(model, data)` checks raw JSON against an SDK 6.x
(pydantic) model: every key one the model declares (pydantic ignores the others, the platform's
strict clients do not), no ``null`` anywhere, nested objects alike.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import Any

import pytest

import loopback_guard

__all__ = ["Blocked", "assert_known_keys", "loopback_only"]


class Blocked(OSError):
    """A test tried to reach a host that is not loopback."""


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_guard.install(monkeypatch, error=Blocked)


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
