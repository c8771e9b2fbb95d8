"""Counting instructions with callgrind: the one runner the benches share.

`per_call(module, args, count)` runs ``python -m MODULE ARGS...`` under
``valgrind --tool=callgrind``, counting only what runs inside `functools.reduce` (the scripts
put the measured work there, after their warm-up), and divides by `count`. The same code and
input count the same instructions whatever else the shared machine is doing. None without
valgrind.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

__all__ = ["collected", "per_call"]


def collected(command: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> int | None:
    """Instructions callgrind counts over the whole run of `command` (a whole pytest session,
    say). None without valgrind."""
    return _collected([], command, cwd=cwd, env=env)


def _collected(
    options: list[str], command: list[str], *, cwd: Path, env: dict[str, str] | None
) -> int | None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        run = subprocess.run(
            [valgrind, "--tool=callgrind", *options, f"--callgrind-out-file={out}", *command],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", run.stderr)
    assert found is not None, run.stderr[-2000:]
    return int(found.group(1))


def per_call(module: str, args: list[str], count: int) -> float | None:
    root = Path(__file__).resolve().parent.parent
    total = _collected(
        ["--collect-atstart=no", "--toggle-collect=functools_reduce"],
        [sys.executable, "-m", module, *args, str(count)],
        cwd=root,
        env=None,
    )
    return None if total is None else total / count
