"""The README's example test runs as written (through pytester, as a downstream suite would)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    text = README.read_text(encoding="utf-8")
    block = re.search(r"<!-- example-start -->\s*```python\n(.*?)```", text, re.S)
    assert block is not None, "README lost its example block"
    return block.group(1)


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_example=_example())
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
