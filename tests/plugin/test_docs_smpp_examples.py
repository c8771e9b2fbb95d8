"""The SMPP examples of the provider pages run as written (through pytester)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[2] / "docs" / "providers"
PAGES = ("enhanced_smpp.md", "infobip.md", "broadnet.md")


def _example(page: str) -> str:
    text = (DOCS / page).read_text(encoding="utf-8")
    found = re.search(r"<!-- smpp-example-start -->\s*```python\n(.*?)```", text, re.S)
    assert found is not None, f"{page} lost its SMPP example"
    return found.group(1)


@pytest.mark.parametrize("page", PAGES)
def test_smpp_example_passes(pytester: pytest.Pytester, page: str) -> None:
    pytester.makepyfile(**{f"test_{page.removesuffix('.md')}_smpp_example": _example(page)})
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
