"""The 48-hour scenario under callgrind: instructions per message, a figure the machine's noise
does not move (the same code and input count the same instructions, whatever else runs).

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        python -m bench.callgrind_scenario [submit|direct] COUNT

Only what runs inside `functools.reduce` is counted: one whole `bench_scenario.run(COUNT)`
(submissions through the given path, `submit` by default; 96 virtual hours of the clock; the
reads at the end), after a run of 200 messages outside the count (imports, first calls).
`bench_scenario.instructions()` runs it.
"""

from __future__ import annotations

import functools
import sys
from typing import Any

from bench.bench_scenario import run

WARM_UP = 200


def main(argv: list[str]) -> None:
    path, count = (argv[0], int(argv[1])) if len(argv) > 1 else ("submit", int(argv[0]))
    run(WARM_UP, path=path)
    empty: dict[str, Any] = {}
    figures = functools.reduce(lambda _, n: run(n, path=path), [count], empty)
    assert figures["messages"] == count


if __name__ == "__main__":
    main(sys.argv[1:])
