"""Packaging metadata that every install reads."""

from __future__ import annotations

import tomllib
from pathlib import Path

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_license_is_an_spdx_expression_not_a_deprecated_table() -> None:
    # setuptools >= 77 warns on every build about `license = { text = ... }` (PEP 639).
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    assert data["project"]["license"] == "MIT"
    assert not any("License ::" in c for c in data["project"].get("classifiers", []))
    requires = data["build-system"]["requires"]
    assert "setuptools>=77" in requires, requires
