"""Import the heavy modules once in the outer process.

In-process pytester runs restore sys.modules afterwards; cryptography (behind trustme) must not
be imported a second time, or its classes stop matching its compiled bindings.
"""

from __future__ import annotations

import cryptography.hazmat.primitives.asymmetric.ec
import trustme

import pytest_smsmock.hub

__all__ = ["cryptography", "pytest_smsmock", "trustme"]
