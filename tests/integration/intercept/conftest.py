"""Every test here runs with name resolution and connections limited to loopback."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _network_guard(loopback_only: list[str]) -> list[str]:
    return loopback_only
