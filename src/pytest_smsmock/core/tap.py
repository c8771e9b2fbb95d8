"""The one narrow interface through which a recorder observes the fakes (issue 15).

Three choke points report to it when a hub is recording (`Runtime.tap` is not None):
`ProviderFake.dispatch` (every HTTP request and the answer), `CallbackDispatcher` (every push
to the client, with the client's answer) and the SMPP session (every PDU, both ways, as the
bytes on the wire). Arguments are plain values (bytes, strings, datetimes) so a recorder can
keep them as they are and decode nothing until it writes a cassette: recording stays cheap.

`Replay` is the other direction: a source of recorded answers the same choke points ask first
when a hub replays a cassette.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

__all__ = ["HttpAnswer", "Replay", "Tap"]

Headers = tuple[tuple[str, str], ...]


class Tap(Protocol):
    def http(
        self,
        provider: str,
        listener: str,
        at: datetime,
        request: tuple[str, str, bytes, Headers, bytes],  # method, path, query, headers, body
        response: tuple[int, Headers, bytes],
        fault: str | None,
    ) -> None: ...

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
        self, provider: str, listener: str, session: int, at: datetime, direction: str, data: bytes
    ) -> None: ...


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
