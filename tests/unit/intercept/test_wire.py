"""The sans-IO HTTP/1.1 framing of the in-memory aiohttp connection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_smsmock.intercept.wire import RequestReader, WireError, render_response

REQUEST = (
    b"POST /api/v3/sendsms/json HTTP/1.1\r\nHost: api.infobip.com\r\n"
    b'Content-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a": "b"}!'
)


def test_a_request_split_anywhere_comes_out_once_and_whole() -> None:
    for cut in range(len(REQUEST) + 1):
        reader = RequestReader()
        first = reader.feed(REQUEST[:cut])
        second = reader.feed(REQUEST[cut:])
        (request,) = first + second
        assert request.method == "POST"
        assert request.target == "/api/v3/sendsms/json"
        assert request.header("content-type") == "application/json"
        assert request.body == b'{"a": "b"}!'


@given(st.lists(st.binary(min_size=0, max_size=50), min_size=1, max_size=6))
def test_chunked_bodies_are_joined(chunks: list[bytes]) -> None:
    body = b"".join(f"{len(c):x}\r\n".encode() + c + b"\r\n" for c in chunks if c) + b"0\r\n\r\n"
    head = b"POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    reader = RequestReader()
    got = [
        r
        for byte in range(0, len(head + body), 7)
        for r in reader.feed((head + body)[byte : byte + 7])
    ]
    (request,) = got
    assert request.body == b"".join(chunks)


def test_two_requests_on_one_connection_come_out_in_order() -> None:
    reader = RequestReader()
    get = b"GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\n"
    requests = reader.feed(get + REQUEST)
    assert [r.target for r in requests] == ["/a?x=1", "/api/v3/sendsms/json"]


@pytest.mark.parametrize(
    "data",
    [
        b"HELLO\r\n\r\n",
        b"GET / SPDY/3\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon\r\n\r\n",
        b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ],
)
def test_garbage_is_a_wire_error(data: bytes) -> None:
    with pytest.raises(WireError):
        RequestReader().feed(data)


def test_answers_carry_their_exact_length_and_no_body_for_head() -> None:
    answer = render_response(200, "OK", [("Content-Length", "99"), ("X-A", "1")], b"hello")
    assert answer == (
        b"HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 5\r\nConnection: keep-alive\r\n\r\nhello"
    )
    head = render_response(200, "OK", [], b"hello", head=True, close=True)
    assert head.endswith(b"Content-Length: 5\r\nConnection: close\r\n\r\n")
