"""The scenarios shipped inside the package (``pytest_smsmock/scenarios/*.yaml``), by name.

``@pytest.mark.smsmock(scenario="slow_dlrs")``, ``smsmock.load_scenario("slow_dlrs")`` and
``smsmock serve --scenario slow_dlrs`` find them in an installed wheel as in a checkout (where
the top-level ``scenarios/`` is the same directory); ``smsmock scenarios`` lists them.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml

__all__ = ["bundled_dir", "bundled_name", "bundled_names", "bundled_path", "describe"]


def bundled_dir() -> Path:
    return Path(str(resources.files("pytest_smsmock") / "scenarios"))


def bundled_names() -> list[str]:
    return sorted(p.stem for p in bundled_dir().glob("*.yaml"))


def bundled_path(name: str) -> Path | None:
    """The file of the bundled scenario `name` (``slow_dlrs`` or ``slow_dlrs.yaml``), or None."""
    if "/" in name or "\\" in name:
        return None
    stem = name.removesuffix(".yaml").removesuffix(".yml")
    path = bundled_dir() / f"{stem}.yaml"
    return path if path.is_file() else None


def bundled_name(path: Path) -> str | None:
    """The name of `path` if it is one of the bundled scenarios, else None."""
    try:
        same = path.resolve().parent == bundled_dir().resolve()
    except OSError:
        return None
    return path.stem if same and path.suffix == ".yaml" else None


def describe(name: str) -> str:
    """The scenario's ``description:``, for `smsmock scenarios`."""
    path = bundled_path(name)
    if path is None:
        return ""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return str(data.get("description", "")) if isinstance(data, dict) else ""
