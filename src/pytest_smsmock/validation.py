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
from pytest_smsmock.scenario.engine import Engine, StatusResolver
from pytest_smsmock.scenario.loader import load_scenario
from pytest_smsmock.scenario.model import Scenario

__all__ = ["check_files", "validate_file"]


def validate_file(path: str | Path) -> Scenario:
    """Load a scenario file and check it as a hub would, provider-native names included."""
    scenario = load_scenario(path)
    Engine(scenario, fakes=_offline_fakes())
    return scenario


def check_files(paths: Iterable[str | Path], *, out: TextIO | None = None) -> int:
    """Validate scenario files (schema, semantics, provider-native names); print one line per
    file; return the number of files with errors."""
    stream = out if out is not None else sys.stdout
    failed = 0
    for path in paths:
        try:
            validate_file(path)
        except ScenarioError as exc:
            failed += 1
            print(f"error: {exc}", file=stream)
        else:
            print(f"ok: {path}", file=stream)
    return failed


@cache
def _offline_fakes() -> Mapping[str, StatusResolver]:
    """Every registered fake, built without starting a server, to ask for native names."""
    from pytest_smsmock.hub import SmsMock

    return SmsMock().fakes
