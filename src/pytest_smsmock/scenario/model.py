"""The scenario file format, version 1, as immutable values (built by `scenario.loader`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["SUPPORTED_VERSIONS", "AccountSpec", "Scenario"]

SUPPORTED_VERSIONS = (1,)


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountSpec:
    provider: str
    username: str
    password: str
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    version: int = 1
    source: str = "<scenario>"
    seed: int | None = None
    start: datetime | None = None
    accounts: tuple[AccountSpec, ...] = ()
