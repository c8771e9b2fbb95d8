"""Checking scenario files as a hub would (behind ``smsmock validate``).

The loader (`scenario/loader.py`) checks the format: schema, semantics, file:line and field
paths. Provider-native status and error names are known to the fakes only, so this module, which
stands above the providers, builds them (no server started) and lets the engine resolve every
name against them.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import TextIO

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.engine import StatusResolver, check_names
from pytest_smsmock.scenario.loader import check_text, in_line_order, load_scenario
from pytest_smsmock.scenario.model import Scenario

__all__ = ["check_file", "check_files", "validate_file"]


def check_file(path: str | Path) -> list[ScenarioError]:
    """Every problem of a scenario file, each once, in line order (empty: the file is good):
    YAML, schema, each part's own checks and provider-native names, as a hub would check
    them, all in one run. Unreadable or unparsable YAML is a single problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return [ScenarioError(f"cannot read scenario file: {exc.strerror}", source=str(path))]
    scenario, problems = check_text(text, source_name=str(path))
    if scenario is None:
        return problems
    return in_line_order([*problems, *check_names(scenario, _offline_fakes())])


def validate_file(path: str | Path) -> Scenario:
    """Load a scenario file and check it as a hub would, provider-native names included;
    raise every problem at once (`ScenarioError.several`)."""
    problems = check_file(path)
    if problems:
        raise ScenarioError.several(str(path), problems)
    return load_scenario(path)


def check_files(paths: Iterable[str | Path], *, out: TextIO | None = None) -> int:
    """Validate scenario files; print ``ok: FILE``, or one ``error: FILE:LINE: PATH: problem``
    line per problem; return the number of files with errors."""
    stream = out if out is not None else sys.stdout
    failed = 0
    for path in paths:
        problems = check_file(path)
        if problems:
            failed += 1
            for problem in problems:
                print(f"error: {problem}", file=stream)
        else:
            print(f"ok: {path}", file=stream)
    return failed


@cache
def _offline_fakes() -> Mapping[str, StatusResolver]:
    """Every registered fake, built without starting a server, to ask for native names."""
    from pytest_smsmock.hub import SmsMock

    return SmsMock().fakes
