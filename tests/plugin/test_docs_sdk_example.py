"""The official-SDK example of the Infobip page runs as written (through pytester)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "providers" / "infobip.md"


def test_infobip_sdk_example_passes(pytester: pytest.Pytester) -> None:
    text = PAGE.read_text(encoding="utf-8")
    found = re.search(r"<!-- sdk-example-start -->\s*```python\n(.*?)```", text, re.S)
    assert found is not None, "infobip.md lost its SDK example"
    pytester.makepyfile(test_infobip_sdk_example=found.group(1))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)
