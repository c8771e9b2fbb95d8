from __future__ import annotations

import ast
import pathlib

import pytest_smsmock.smpp as smpp

PACKAGE = pathlib.Path(smpp.__file__).parent
FORBIDDEN = {"socket", "threading", "selectors", "time", "asyncio"}


def test_public_names_are_exported() -> None:
    for name in smpp.__all__:
        assert hasattr(smpp, name), name


def test_the_protocol_core_does_no_io_and_reads_no_clock() -> None:
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                roots = {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                roots = {(node.module or "").split(".")[0]}
            else:
                continue
            assert not roots & FORBIDDEN, f"{path.name} imports {roots & FORBIDDEN}"
            assert "hypothesis" not in roots, f"{path.name} imports hypothesis"
