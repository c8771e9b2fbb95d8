"""Import the heavy modules once in the outer process.

In-process pytester runs restore sys.modules afterwards; cryptography (behind trustme) must not
be imported a second time, or its classes stop matching its compiled bindings. The HTTP
libraries intercept patches are imported here too: a second copy of requests in an inner run
would check its cookie jars against the first copy's classes.
"""

from __future__ import annotations

from collections.abc import Iterator

import aiohttp
import cryptography.hazmat.primitives.asymmetric.ec
import httpx
import pytest
import requests
import trustme
import urllib3

import pytest_smsmock.hub
import pytest_smsmock.intercept.libraries
from pytest_smsmock.hub import SmsMock

__all__ = ["aiohttp", "cryptography", "httpx", "pytest_smsmock", "requests", "trustme", "urllib3"]


@pytest.fixture
def live_smsc(loopback_only: list[str]) -> Iterator[SmsMock]:
    """A second hub playing a live Infobip SMSC for contract tests: real time (nobody advances
    its clock while a contract waits for a receipt), receipts 100 ms after a submit, an
    account ``liveuser``/``livepw``."""
    with SmsMock(providers=("infobip",), clock="realtime") as hub:
        hub.load_scenario(
            {"version": 1, "rules": [{"dlr": [{"after": "100ms", "status": "delivered"}]}]}
        )
        hub.infobip.add_account("liveuser", "livepw")
        yield hub
