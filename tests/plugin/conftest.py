"""Import the heavy modules once in the outer process.

In-process pytester runs restore sys.modules afterwards; cryptography (behind trustme) must not
be imported a second time, or its classes stop matching its compiled bindings. The HTTP
libraries intercept patches are imported here too: a second copy of requests in an inner run
would check its cookie jars against the first copy's classes.
"""

from __future__ import annotations

import aiohttp
import cryptography.hazmat.primitives.asymmetric.ec
import httpx
import requests
import trustme
import urllib3

import pytest_smsmock.hub
import pytest_smsmock.intercept.libraries

__all__ = ["aiohttp", "cryptography", "httpx", "pytest_smsmock", "requests", "trustme", "urllib3"]
