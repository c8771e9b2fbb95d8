"""The one narrow interface through which a recorder observes the fakes (issue 15).

Three choke points report to it when a hub is recording (`Runtime.tap` is not None):
`ProviderFake.dispatch` (every HTTP request and the answer), `CallbackDispatcher` (every push
to the client, with the client's answer) and the SMPP session (every PDU, both ways, as the
bytes on the wire). A recorder keeps what it is handed as it is (bytes, strings, the werkzeug
request and response of an HTTP exchange) and reads, decodes and redacts nothing until it
builds a cassette: recording stays cheap (`bench/bench_recording.py`).

`Replay` is the other direction: a source of recorded answers the same choke points ask first
when a hub replays a cassette.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

__all__ = ["HttpAnswer", "Replay", "Tap"]

Headers = tuple[tuple[str, str], ...]


class Tap(Protocol):
    def http(
        self,
        provider: str,
        listener: str,
        at: datetime,
        request: Any,
        response: Any,
        fault: str | None,
    ) -> None:
        """`request` / `response`: the werkzeug objects, read only when the recorder builds its
        cassette (their bodies are cached by then); `response` is None when a socket fault
        stood instead of any answer."""

    def push(
        self,
        provider: str,
        at: datetime,
        request: tuple[
            str, str, str, Headers, bytes, str, int
        ],  # kind, method, url, ..., ref, attempt
        answer: tuple[int | None, bytes, str | None],  # status, body, error
    ) -> None: ...

    def smpp(
        self, provider: str, listener: str, session: int, at: float, direction: str, data: bytes
    ) -> None:
        """`at`: the fakes' time in POSIX seconds (what the session has at hand)."""


HttpAnswer = tuple[int, Headers, bytes, str | None]  # status, headers, body, raw fault kind


class Replay(Protocol):
    def http(
        self,
        provider: str,
        listener: str,
        request: tuple[str, str, bytes, Headers, bytes],
    ) -> HttpAnswer | None:
        """The recorded answer to this request, or None (the fake answers it)."""
        ...

    def smpp(self, provider: str, listener: str, session: int, request: bytes) -> bytes | None:
        """The recorded response PDU (encoded, with the request's sequence number), or None."""
        ...
