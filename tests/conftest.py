"""Suite-wide settings.

Hypothesis: the machines are shared and noisy (2 cores), so the time-based health check
(`too_slow`) and per-example deadlines are off. Under CI (`CI` set) the examples are derandomized
so a run is reproducible from its commit; locally every run explores new examples.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

import loopback_guard

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


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """No name resolution and no connection to anything but loopback, for this test: the guard
    of the tests of intercept and the proxy, so a regression fails here instead of sending
    traffic. Yields the refused attempts; a test that expects one clears the list."""
    refused = loopback_guard.install(monkeypatch, error=NetworkRefused)
    yield refused
    assert refused == [], f"traffic beyond loopback was attempted: {refused}"
