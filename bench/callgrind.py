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

__all__ = ["per_call"]


def per_call(module: str, args: list[str], count: int) -> float | None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        run = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--collect-atstart=no",
                "--toggle-collect=functools_reduce",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-m",
                module,
                *args,
                str(count),
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
    found = re.search(r"Collected : (\d+)", run.stderr)
    assert found is not None, run.stderr[-2000:]
    return int(found.group(1)) / count
