"""Sans-IO HTTP/1.1 framing for the in-memory aiohttp connection: bytes in, requests out, and
answers back to bytes. Only what clients send to an SMS API: a request line, headers, a body
by Content-Length or chunked; no upgrades, no pipelining beyond reading requests in order.
"""

from __future__ import annotations

from collections.abc import Iterable

from pytest_smsmock.core.frozen import value_class

__all__ = ["MAX_REQUEST", "RequestReader", "WireError", "WireRequest", "render_response"]

#: A request larger than this is refused (the fakes' own body limit is 16 MiB).
MAX_REQUEST = 17 * 1024 * 1024


class WireError(ValueError):
    """Bytes that are not an HTTP/1.1 request."""


@value_class
class WireRequest:
    method: str
    target: str  # origin form (/path?query) or absolute form (http://host/path)
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


class RequestReader:
    """Feed it bytes as they come; `feed` returns every request completed so far."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[WireRequest]:
        self._buffer += data
        if len(self._buffer) > MAX_REQUEST:
            raise WireError("request too large")
        done: list[WireRequest] = []
        while True:
            request = self._take()
            if request is None:
                return done
            done.append(request)

    def _take(self) -> WireRequest | None:
        buffer = self._buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(buffer[:end]).decode("latin-1")
        line, *lines = head.split("\r\n")
        parts = line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise WireError(f"not an HTTP/1.1 request line: {line!r}")
        headers: list[tuple[str, str]] = []
        for raw in lines:
            name, sep, value = raw.partition(":")
            if not sep or not name or name != name.strip():
                raise WireError(f"malformed header line: {raw!r}")
            headers.append((name, value.strip()))
        start = end + 4
        lowered = {k.lower(): v for k, v in headers}
        if "chunked" in lowered.get("transfer-encoding", "").lower():
            taken = _dechunk(buffer, start)
            if taken is None:
                return None
            body, consumed = taken
        else:
            try:
                length = int(lowered.get("content-length", "0"))
            except ValueError:
                raise WireError("malformed Content-Length") from None
            if length < 0:
                raise WireError("negative Content-Length")
            if len(buffer) < start + length:
                return None
            body, consumed = bytes(buffer[start : start + length]), start + length
        del buffer[:consumed]
        return WireRequest(method=parts[0], target=parts[1], headers=tuple(headers), body=body)


def _dechunk(buffer: bytearray, start: int) -> tuple[bytes, int] | None:
    """(body, end offset) of a complete chunked body from `start`, or None if incomplete."""
    body = bytearray()
    pos = start
    while True:
        eol = buffer.find(b"\r\n", pos)
        if eol < 0:
            return None
        size_text = bytes(buffer[pos:eol]).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise WireError(f"malformed chunk size {size_text!r}") from None
        pos = eol + 2
        if size == 0:
            # Trailers (rare) end with an empty line.
            end = buffer.find(b"\r\n\r\n", eol)
            if buffer[pos : pos + 2] == b"\r\n":
                return bytes(body), pos + 2
            if end < 0:
                return None
            return bytes(body), end + 4
        if len(buffer) < pos + size + 2:
            return None
        body += buffer[pos : pos + size]
        pos += size + 2


def render_response(
    status: int,
    reason: str,
    headers: Iterable[tuple[str, str]],
    body: bytes,
    *,
    head: bool = False,
    close: bool = False,
) -> bytes:
    """An HTTP/1.1 answer with an exact Content-Length (the body is left out for HEAD)."""
    skip = {"content-length", "transfer-encoding", "connection"}
    lines = [f"HTTP/1.1 {status} {reason}"]
    lines += [f"{k}: {v}" for k, v in headers if k.lower() not in skip]
    lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close" if close else "Connection: keep-alive")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return data if head else data + body
