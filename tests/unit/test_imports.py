"""Imports point one way: no cycle between the package's modules, and each layer imports only
the layers below it (STYLE: clock/errors -> core -> smpp / scenario -> providers -> servers ->
hub -> plugin / cli).

Every import counts: at module level, under ``TYPE_CHECKING`` and inside functions, since a
deferred import is still a dependency (it only hides the cycle from the interpreter).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

import pytest_smsmock

PACKAGE = "pytest_smsmock"
ROOT = Path(pytest_smsmock.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = [PACKAGE, *path.relative_to(ROOT).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imported(module: str, path: Path) -> Iterator[tuple[str, int]]:
    """(module imported, line) for every import statement of `path` inside the package."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                yield (candidate if candidate in MODULES else base), node.lineno


@cache
def graph() -> dict[str, dict[str, int]]:
    edges: dict[str, dict[str, int]] = {name: {} for name in MODULES}
    for name, path in MODULES.items():
        for target, line in _imported(name, path):
            if target in MODULES and target != name:
                edges[name].setdefault(target, line)
    return edges


def cycles(edges: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in edges[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_the_walker_sees_a_cycle() -> None:
    edges = {"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}
    assert cycles(edges) == [["a", "b", "c"]]


def test_the_walker_reads_deferred_and_type_checking_imports() -> None:
    edges = graph()
    # providers/base.py imports the fault values inside a function and for types, the
    # decisions for types only.
    assert "pytest_smsmock.scenario.faults" in edges["pytest_smsmock.providers.base"]
    assert "pytest_smsmock.scenario.decisions" in edges["pytest_smsmock.providers.base"]
    # hub.py imports the HTTP server inside a method.
    assert "pytest_smsmock.servers.http" in edges["pytest_smsmock.hub"]


def test_no_import_cycle() -> None:
    found = cycles(dict(graph()))
    assert found == [], "import cycles:\n" + "\n".join(" <-> ".join(c) for c in found)


#: Layer of each top-level part; a module may import only its own layer or lower ones.
LAYERS = {
    "errors": 0,
    "clock": 0,
    "core": 1,
    "smpp": 2,
    "scenario": 2,
    "strategies": 2,
    "providers": 3,
    "servers": 4,
    "intercept": 4,  # in-process transport: the HTTP libraries' patches and the router
    "sleep": 4,  # the patch of time.sleep / asyncio.sleep
    "recording": 4,
    "events": 5,
    "hub": 5,
    "receiver": 5,
    "validation": 6,
    "contracts": 6,  # contract suites and drift reports: start hubs, run against them
    "plugin": 7,
    "cli": 7,
    "__init__": 8,
}


def _layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS[parts[1] if len(parts) > 1 else "__init__"]


def test_every_module_has_a_layer() -> None:
    assert {m.split(".")[1] for m in MODULES if "." in m} <= set(LAYERS)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_point_down(module: str) -> None:
    edges = graph()
    upward = [
        f"line {line}: {target}"
        for target, line in edges[module].items()
        if _layer(target) > _layer(module)
        # The provider registry names the provider packages (imported by name, lazily).
        and not (
            module == "pytest_smsmock.scenario.loader" and target == "pytest_smsmock.providers"
        )
    ]
    assert upward == [], f"{module} imports a higher layer:\n" + "\n".join(upward)


@pytest.mark.parametrize(
    "part", ["pytest_smsmock.scenario", "pytest_smsmock.core", "pytest_smsmock.smpp"]
)
def test_pure_layers_import_no_web_framework(part: str) -> None:
    for name, path in MODULES.items():
        if name == part or name.startswith(part + "."):
            imported = {target for target, _ in _imported(name, path)}
            assert not any(t.split(".")[0] == "werkzeug" for t in imported), name
