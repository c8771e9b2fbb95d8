"""Socket-free submit_sm under callgrind: instructions per submit, a figure the machine's noise
does not move (the same code and input count the same instructions, whatever else runs).

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        python -m bench.callgrind_submit fake|equal|responder COUNT

Only what runs inside `functools.reduce` is counted: the reads of 10 submit_sm each handed to
one listener session (`fake`: decode, session table, service, message, lifecycle, journal,
encode; the collector included), to the bench's equal-work responder (`equal`: decodes, keeps,
schedules the receipt, encodes the answer) or to its bare SMPP responder (`responder`: frames and
answers, decodes nothing), after 200 submits of warm-up outside the count.
`bench_smpp.instructions()` runs the three and reads the totals.
"""

from __future__ import annotations

import asyncio
import functools
import sys

from bench.bench_smpp import (
    _bound_session,
    _EqualWorkResponder,
    _Responder,
    _StubTransport,
    _submits,
)

WINDOW = 10
WARM_UP = 200


def _reads(count: int) -> list[bytes]:
    pdus = _submits(WARM_UP + count, registered_delivery=1)
    return [b"".join(pdus[i : i + WINDOW]) for i in range(0, len(pdus), WINDOW)]


async def _fake(count: int) -> None:
    reads = _reads(count)
    mock, session = _bound_session(WINDOW)
    warm = WARM_UP // WINDOW
    for data in reads[:warm]:
        session.data_received(data)
    functools.reduce(lambda _, data: session.data_received(data), reads[warm:], None)
    assert len(mock.enhanced_smpp.messages) == WARM_UP + count, mock.journal.render(last=5)


def _responder(count: int, kind: type[_Responder] = _Responder) -> None:
    reads = _reads(count)
    responder = kind()
    responder.connection_made(_StubTransport())
    warm = WARM_UP // WINDOW
    for data in reads[:warm]:
        responder.data_received(data)
    functools.reduce(lambda _, data: responder.data_received(data), reads[warm:], None)
    assert responder.count == WARM_UP + count


def main(argv: list[str]) -> None:
    target, count = argv[0], int(argv[1])
    if target == "fake":
        asyncio.run(_fake(count))
    elif target == "equal":
        _responder(count, _EqualWorkResponder)
    elif target == "responder":
        _responder(count)
    else:
        raise SystemExit(f"unknown target {target!r} (fake, equal or responder)")


if __name__ == "__main__":
    main(sys.argv[1:])
