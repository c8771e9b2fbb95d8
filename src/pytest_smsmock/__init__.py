"""pytest-smsmock: in-process fake SMS providers for pytest."""

from __future__ import annotations

__all__: list[str] = []
