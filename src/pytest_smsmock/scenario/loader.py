"""Loading scenario files: `yaml.safe_load`, then validation with the path of every bad field.

Errors read like ``scenarios/x.yaml: accounts.infobip[0].password: missing`` and say what is
allowed. Providers are checked against the registry so a typo names the known ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.model import SUPPORTED_VERSIONS, AccountSpec, Scenario

__all__ = ["load_scenario", "parse_scenario", "parse_start"]

TOP_LEVEL = ("version", "seed", "start", "description", "accounts")


def load_scenario(source: str | Path | Mapping[str, Any]) -> Scenario:
    """A scenario from a YAML file path or an already-parsed mapping."""
    if isinstance(source, Mapping):
        return parse_scenario(source, source_name="<mapping>")
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"cannot read scenario file: {exc.strerror}", source=str(path)) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"not valid YAML{where}: {problem}", source=str(path)) from exc
    if not isinstance(data, Mapping):
        raise ScenarioError("a scenario is a mapping with at least 'version: 1'", source=str(path))
    return parse_scenario(data, source_name=str(path))


def parse_start(value: object, *, source: str = "<scenario>", path: str = "start") -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(
                f"{value!r} is not an ISO 8601 date-time (e.g. 2025-01-01T00:00:00Z)",
                source=source,
                path=path,
            ) from None
    else:
        raise ScenarioError(f"expected an ISO 8601 date-time, got {value!r}", source=source, path=path)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def parse_scenario(data: Mapping[str, Any], *, source_name: str = "<scenario>") -> Scenario:
    from pytest_smsmock.providers import provider_names

    def fail(path: str, message: str) -> ScenarioError:
        return ScenarioError(message, source=source_name, path=path)

    unknown = [k for k in data if k not in TOP_LEVEL]
    if unknown:
        raise fail(str(unknown[0]), f"unknown key; a scenario may have {', '.join(TOP_LEVEL)}")
    if "version" not in data:
        raise fail("version", "missing; write 'version: 1' at the top of the file")
    version = data["version"]
    if version not in SUPPORTED_VERSIONS:
        raise fail("version", f"{version!r} is not supported (supported: {SUPPORTED_VERSIONS})")
    seed = data.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise fail("seed", f"expected an integer, got {seed!r}")
    start = parse_start(data["start"], source=source_name) if "start" in data else None

    accounts: list[AccountSpec] = []
    raw_accounts = data.get("accounts") or {}
    if not isinstance(raw_accounts, Mapping):
        raise fail("accounts", "expected a mapping of provider name to a list of accounts")
    known = provider_names()
    for provider, entries in raw_accounts.items():
        if provider not in known:
            raise fail(f"accounts.{provider}", f"unknown provider; one of {', '.join(known)}")
        if not isinstance(entries, list):
            raise fail(f"accounts.{provider}", "expected a list of accounts")
        for index, entry in enumerate(entries):
            here = f"accounts.{provider}[{index}]"
            if not isinstance(entry, Mapping):
                raise fail(here, "expected a mapping with username and password")
            for key in ("username", "password"):
                if key not in entry:
                    raise fail(f"{here}.{key}", "missing")
                if not isinstance(entry[key], str | int) or isinstance(entry[key], bool):
                    raise fail(f"{here}.{key}", f"expected a string, got {entry[key]!r}")
            options = {k: v for k, v in entry.items() if k not in ("username", "password")}
            accounts.append(
                AccountSpec(
                    provider=provider,
                    username=str(entry["username"]),
                    password=str(entry["password"]),
                    options=options,
                )
            )
    return Scenario(
        version=version, source=source_name, seed=seed, start=start, accounts=tuple(accounts)
    )
