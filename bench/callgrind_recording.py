"""Requests to a fake with and without a recorder, under callgrind: instructions per request,
a figure the shared machine's noise does not move (`bench_recording.instructions()`).

    valgrind --tool=callgrind --collect-atstart=no --toggle-collect=functools_reduce \\
        python -m bench.callgrind_recording http|smpp off|on COUNT

Only what runs inside `functools.reduce` is counted, after a warm-up outside the count:
`http`: Infobip's plain send through `ProviderFake.dispatch`; `smpp`: reads of 10 submit_sm
handed to one bound `enhanced_smpp` session (as `bench/callgrind_submit.py`).
"""

from __future__ import annotations

import asyncio
import functools
import sys

from bench.bench_recording import _requests
from bench.bench_smpp import _bound_session, _submits
from pytest_smsmock.hub import SmsMock

WARM_UP = 100
WINDOW = 10


def _http(count: int, record: bool) -> None:
    mock = SmsMock(providers=("infobip",))
    mock.infobip.add_account("bench", "bench-secret", credits="100000000")
    requests = _requests(WARM_UP + count)
    if record:
        mock.record()
    fake = mock.infobip
    for request in requests[:WARM_UP]:
        fake.dispatch(request, "primary")
    functools.reduce(lambda _, r: fake.dispatch(r, "primary"), requests[WARM_UP:], None)
    assert len(fake.messages) == WARM_UP + count


async def _smpp(count: int, record: bool) -> None:
    pdus = _submits(WARM_UP + count, registered_delivery=1)
    reads = [b"".join(pdus[i : i + WINDOW]) for i in range(0, len(pdus), WINDOW)]
    mock, session = _bound_session(WINDOW)
    if record:
        mock.record()
    warm = WARM_UP // WINDOW
    for data in reads[:warm]:
        session.data_received(data)
    functools.reduce(lambda _, data: session.data_received(data), reads[warm:], None)
    assert len(mock.enhanced_smpp.messages) == WARM_UP + count


def main(argv: list[str]) -> None:
    kind, mode, count = argv[0], argv[1], int(argv[2])
    if kind == "http":
        _http(count, mode == "on")
    else:
        asyncio.run(_smpp(count, mode == "on"))


if __name__ == "__main__":
    main(sys.argv[1:])
