"""Deterministic id generators: same seed and namespace, same ids, on every run and worker.

`random.Random` seeded with a string hashes it with SHA-512, so the sequence does not depend on
PYTHONHASHSEED or on the process (pytest-xdist workers agree with a serial run).
"""

from __future__ import annotations

import random
import string

__all__ = ["IdGenerator"]

_ALNUM = string.ascii_lowercase + string.digits

# A version-4 UUID from 128 random bits: the version nibble set to 4, the variant's two bits to
# 10 (RFC 4122), as `uuid.UUID(int=..., version=4)` sets them; both masks made once.
_UUID_KEEP = ~(0xF000 << 64) & ~(0xC000 << 48)
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class IdGenerator:
    """A seeded source of ids in the shapes providers use."""

    __slots__ = ("_counter", "_random", "namespace", "seed")

    def __init__(self, seed: int | str, namespace: str) -> None:
        self.seed = seed
        self.namespace = namespace
        self._random = random.Random(f"smsmock/{seed}/{namespace}")
        self._counter = 0

    def digits(self, length: int) -> str:
        """A decimal string of `length` digits that does not start with 0."""
        first = self._random.choice("123456789")
        rest = "".join(self._random.choices(string.digits, k=length - 1))
        return first + rest

    def hex(self, length: int) -> str:
        return "".join(self._random.choices("0123456789abcdef", k=length))

    def alnum(self, length: int) -> str:
        return "".join(self._random.choices(_ALNUM, k=length))

    def uuid(self) -> str:
        """A version-4 UUID string drawn from the seeded source."""
        h = f"{self._random.getrandbits(128) & _UUID_KEEP | _UUID_SET:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def integer(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def next(self, start: int = 1) -> int:
        """A counter: start, start+1, ... (per generator)."""
        value = start + self._counter
        self._counter += 1
        return value

    @property
    def random(self) -> random.Random:
        """The underlying seeded source, for drawing values that are not ids."""
        return self._random
