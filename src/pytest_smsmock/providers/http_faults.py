"""Scenario HTTP faults as werkzeug answers: the one place an `HttpFault` becomes a response.

`ProviderFake.dispatch` performs the faults that need no socket here (`fault_response`,
`alter`); a fault that needs the socket travels to `servers/http.py` inside a `FaultedResponse`.
A provider's handler hands a fault decided for a submission to `dispatch` the same way: it
returns `faulted(fault, answer)` (its own answer, or None when the fault replaces it).

`scenario/faults.py` is imported where a fault is at hand, not with this module: a fault exists
only once a scenario (or a replayed cassette) made one, and a session without any never loads
the fault kinds and tables (9 M instructions of the first use of the fakes: bench/README.md,
"Foundation", third pass).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from werkzeug.wrappers import Response

if TYPE_CHECKING:
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = ["MALFORMED_BODY", "FaultedResponse", "alter", "fault_response", "faulted", "http_fault"]

#: A body that exercises a client's parser (WireMock's malformed-body fault).
MALFORMED_BODY = b'{"messages": [{"status": <html>Internal error</'


def fault_response(fault: HttpFault) -> Response:
    """The plain response a REPLACE fault answers with."""
    return Response(fault.body, status=fault.status, headers=dict(fault.headers))


def alter(fault: HttpFault, real: Response) -> Response:
    """The provider's answer altered by an ALTER fault (other kinds leave it as it is)."""
    from pytest_smsmock.scenario.faults import FaultKind, HttpEffect

    if fault.effect is not HttpEffect.ALTER:
        return real
    body = real.get_data()
    if fault.kind == FaultKind.TRUNCATED_BODY:
        body = body[: fault.keep_bytes(len(body))]
    else:
        body = fault.body or MALFORMED_BODY
    headers = [(k, v) for k, v in real.headers.items() if k.lower() != "content-length"]
    headers.extend(fault.headers.items())
    return Response(body, status=real.status_code, headers=headers)


class FaultedResponse(Response):
    """A fault still to be performed, with the provider's own answer (`inner`, if any).

    Returned by a provider's handler for a fault decided during a submission, and by
    `ProviderFake.dispatch` for a fault the server performs on the socket. Without a server
    (unit tests) it reads as a 502 saying which fault it stands for.
    """

    def __init__(self, fault: HttpFault, inner: Response | None = None) -> None:
        super().__init__(
            f"smsmock: {fault.kind} (performed on the socket by the HTTP server)",
            status=502,
            mimetype="text/plain",
        )
        self.fault = fault
        self.inner = inner


def http_fault(fault: HttpFault | SmppFault | None) -> HttpFault | None:
    """`fault` if it is an HTTP fault, else None (a submission over HTTP meets HTTP faults
    only)."""
    if fault is None:
        return None
    from pytest_smsmock.scenario.faults import HttpFault

    return fault if isinstance(fault, HttpFault) else None


def faulted(fault: HttpFault | SmppFault | None, answer: Response | None) -> Response:
    """What a handler returns for a submission that met `fault` (None: `answer` as it is; a
    submission over HTTP meets HTTP faults only)."""
    met = http_fault(fault)
    if met is None:
        assert answer is not None, "a submission without a fault has an answer"
        return answer
    return FaultedResponse(met, None if not met.wraps_answer else answer)
