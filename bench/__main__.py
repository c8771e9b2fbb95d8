"""Run every `bench/bench_*.py` module's `main()` (or the ones named on the command line).

    python -m bench                 # all
    python -m bench foundation smpp # bench_foundation.py and bench_smpp.py

Each `main()` prints its own table and returns a dict of figures; the figures of the whole run
are written to bench/results/latest.json (not committed) for comparison between runs.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import platform
import sys
import time
from pathlib import Path
from typing import Any


def _modules(names: list[str]) -> list[str]:
    found = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if info.name.startswith("bench_")
    )
    if not names:
        return found
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in names]
    missing = [n for n in wanted if n not in found]
    if missing:
        raise SystemExit(f"no such benchmark: {', '.join(missing)} (have: {', '.join(found)})")
    return wanted


def main(argv: list[str]) -> int:
    results: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    for name in _modules(argv):
        print(f"\n== {name} ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        results[name] = module.main()
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nfigures written to {out / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
