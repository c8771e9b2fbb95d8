"""The README's example runs as written, scenario file included (through pytester)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _block(name: str, language: str) -> str:
    text = README.read_text(encoding="utf-8")
    found = re.search(rf"<!-- {name}-start -->\s*```{language}\n(.*?)```", text, re.S)
    assert found is not None, f"README lost its {name} block"
    return found.group(1)


def test_readme_example_passes(pytester: pytest.Pytester) -> None:
    scenario = _block("scenario", "yaml")
    first_line = scenario.splitlines()[0]
    assert first_line.startswith("# "), "the scenario block names its file on its first line"
    path = pytester.path / first_line[2:].strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scenario, encoding="utf-8")
    pytester.makepyfile(test_readme_example=_block("example", "python"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_readme_push_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_readme_push=_block("push-example", "python"))
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_readme_gives_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "make serve" in text
    assert "make test" in text
