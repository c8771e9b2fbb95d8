"""The client's side of a provider's pushes: what each provider package's ``push.py`` reads.

A provider that pushes (DLRs, inbound messages, HLR results) has a module ``push`` with

- ``DEFAULT_ANSWER``: what a client that accepts the push answers (Broadnet wants ``Ok``);
- ``parse_push(request) -> ParsedPush | None``: the push as report fields, or None when the
  request is not in that provider's shape.

`pytest_smsmock.receiver` uses them; each report is a mapping with the common keys
``message_id``, ``status``, ``error``, ``to``, ``sender`` (missing when the push has none) and
every field of the push as the provider named it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from types import ModuleType
from typing import Any, Protocol, cast
from urllib.parse import parse_qsl

from pytest_smsmock.core.frozen import value_class

__all__ = ["ParsedPush", "PushFormat", "PushRequest", "push_format"]


@value_class
class PushRequest:
    method: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    def header(self, name: str) -> str:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), "")

    @property
    def content_type(self) -> str:
        return self.header("Content-Type").split(";", 1)[0].strip().lower()

    def form(self) -> list[tuple[str, str]]:
        """The body as form fields (empty unless it is urlencoded)."""
        if not self.body or self.content_type not in ("", "application/x-www-form-urlencoded"):
            return []
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError:
            return []
        return parse_qsl(text, keep_blank_values=True)

    def fields(self) -> dict[str, str]:
        """Query and form fields together (the form wins)."""
        return {**dict(self.query), **dict(self.form())}


@value_class
class ParsedPush:
    kind: str  # dlr | mo | hlr
    reports: tuple[Mapping[str, Any], ...]


class PushFormat(Protocol):
    DEFAULT_ANSWER: tuple[int, str]

    def parse_push(self, request: PushRequest) -> ParsedPush | None: ...


def push_format(provider: str) -> PushFormat | None:
    """The ``push`` module of a provider package, or None if the provider never pushes."""
    try:
        module: ModuleType = importlib.import_module(f"pytest_smsmock.providers.{provider}.push")
    except ModuleNotFoundError:
        return None
    return cast(PushFormat, module)
