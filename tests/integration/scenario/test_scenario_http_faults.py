"""Every HTTP fault kind, seen through a real client (requests) and through the journal."""

from __future__ import annotations

import http.client
import socket
from typing import Any

import pytest
import requests

from pytest_smsmock.hub import SmsMock

SEND = {"user": "test", "password": "test", "to": "38591000001", "from": "Shop", "text": "hi"}


def load(hub: SmsMock, *faults: dict[str, Any], seed: int = 0) -> None:
    hub.load_scenario({"version": 1, "faults": list(faults)}, seed=seed)


def send(hub: SmsMock, **kw: Any) -> requests.Response:
    return requests.post(hub.fakes["echo"].url + "/send", data=SEND, timeout=5, **kw)


def fault_lines(hub: SmsMock) -> list[str]:
    return [
        e.summary
        for e in hub.journal.entries(provider="echo", channel="http")
        if "fault" in e.summary
    ]


def test_http_status_with_body_and_headers_on_nth_request_only(hub: SmsMock) -> None:
    load(
        hub,
        {
            "on": "echo:http:/send",
            "nth": 2,
            "kind": "http_status",
            "status": 503,
            "body": "Service Unavailable",
            "headers": {"X-Why": "maintenance"},
        },
    )
    first, second, third = send(hub), send(hub), send(hub)
    assert [first.status_code, second.status_code, third.status_code] == [200, 503, 200]
    assert second.text == "Service Unavailable"
    assert second.headers["X-Why"] == "maintenance"
    assert len(hub.fakes["echo"].messages) == 2
    assert fault_lines(hub) == ["503 text/plain 19 bytes (fault http_status)"]


def test_too_many_requests_by_rate_in_virtual_time(hub: SmsMock) -> None:
    load(
        hub,
        {"on": "echo:http:/send", "rate": "2/s", "kind": "too_many_requests", "retry_after": "30s"},
    )
    codes = [send(hub).status_code for _ in range(4)]
    assert codes == [200, 200, 429, 429]
    hub.clock.advance("2s")  # the window has passed: the burst limit applies afresh
    answer = send(hub)
    assert answer.status_code == 200
    hub.clock.advance("0s")
    assert [send(hub).status_code, send(hub).headers.get("Retry-After")] == [200, "30"]


def test_empty_body_malformed_and_truncated_answers(hub: SmsMock) -> None:
    load(
        hub,
        {"on": "echo:http:/send", "nth": 1, "kind": "empty_body"},
        {"on": "echo:http:/send", "nth": 2, "kind": "malformed_body"},
        {"on": "echo:http:/send", "nth": 3, "kind": "truncated_body", "keep": 5},
    )
    empty, malformed, truncated, fine = send(hub), send(hub), send(hub), send(hub)
    assert (empty.status_code, empty.content) == (200, b"")
    with pytest.raises(ValueError):
        malformed.json()
    assert len(truncated.content) == 5 and truncated.content == b'{"id"'
    assert fine.json()["id"]
    # the provider handled the malformed/truncated requests: the messages exist
    assert len(hub.fakes["echo"].messages) == 3


def test_virtual_delay_advances_the_fakes_clock_before_answering(hub: SmsMock) -> None:
    load(hub, {"on": "echo:http:/send", "kind": "delay", "delay": "90s"})
    start = hub.clock.now()
    send(hub)
    assert (hub.clock.now() - start).total_seconds() == 90
    message = hub.fakes["echo"].messages.last
    assert message.submitted_at == start.replace() + (hub.clock.now() - start)


def test_real_delay_trips_a_client_timeout(hub: SmsMock) -> None:
    load(hub, {"on": "echo:http:/send", "nth": 1, "kind": "delay", "delay": "300ms", "real": True})
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(hub.fakes["echo"].url + "/send", data=SEND, timeout=0.1)
    assert send(hub).status_code == 200


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("connection_reset", requests.exceptions.ConnectionError),
        ("empty_reply", requests.exceptions.ConnectionError),
        ("random_data_then_close", requests.exceptions.ConnectionError),
        ("malformed_response_chunk", requests.exceptions.ChunkedEncodingError),
        ("incomplete_body", requests.exceptions.ChunkedEncodingError),
    ],
)
def test_socket_faults_break_the_client(hub: SmsMock, kind: str, error: type[Exception]) -> None:
    load(hub, {"on": "echo:http:/send", "nth": 1, "kind": kind})
    with pytest.raises(error):
        send(hub)
    assert send(hub).status_code == 200  # the listener survives
    assert any(f"(fault {kind})" in line for line in fault_lines(hub))


def test_connection_reset_is_a_reset(hub: SmsMock) -> None:
    load(hub, {"on": "echo:http:/send", "kind": "connection_reset"})
    host, port = hub.fakes["echo"].url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=5)
    conn.request(
        "POST",
        "/send",
        body="user=test&password=test&to=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with pytest.raises(ConnectionResetError):
        conn.getresponse().read()
    conn.close()


def test_random_data_is_seeded(hub: SmsMock) -> None:
    def raw_answer(seed: int) -> bytes:
        load(
            hub, {"on": "echo:http:/send", "kind": "random_data_then_close", "size": 16}, seed=seed
        )
        host, port = hub.fakes["echo"].url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=5) as sock:
            sock.sendall(b"POST /send HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            data = b""
            while chunk := sock.recv(1024):
                data += chunk
        return data

    first, again, other = raw_answer(1), raw_answer(1), raw_answer(2)
    assert len(first) == 16
    assert first == again != other


def test_slow_trickle_delivers_the_whole_answer_slowly(hub: SmsMock) -> None:
    load(hub, {"on": "echo:http:/send", "kind": "slow_trickle", "size": 40, "delay": "1ms"})
    answer = send(hub)
    assert answer.status_code == 200
    assert answer.json()["id"] == hub.fakes["echo"].messages.last.message_id


def test_tls_handshake_failure_then_success(hub: SmsMock) -> None:
    load(hub, {"on": "echo:http", "listener": "tls", "nth": 1, "kind": "tls_handshake_failure"})
    url = hub.fakes["echo"].urls["tls"]
    with pytest.raises(requests.exceptions.SSLError):
        requests.post(url + "/send", data=SEND, verify=hub.ca_file, timeout=5)
    ok = requests.post(url + "/send", data=SEND, verify=hub.ca_file, timeout=5)
    assert ok.status_code == 200
    assert hub.journal.entries(provider="echo", contains="fault tls_handshake_failure")


def test_method_listener_and_path_glob_narrow_a_fault(hub: SmsMock) -> None:
    load(
        hub,
        {
            "on": "echo:http:/st*",
            "method": "GET",
            "listener": "primary",
            "kind": "http_status",
            "status": 500,
        },
    )
    sent = send(hub)
    assert sent.status_code == 200
    status = requests.get(
        hub.fakes["echo"].url + "/status", params={"id": sent.json()["id"]}, timeout=5
    )
    assert status.status_code == 500
    tls = requests.get(
        hub.fakes["echo"].urls["tls"] + "/status",
        params={"id": sent.json()["id"]},
        verify=hub.ca_file,
        timeout=5,
    )
    assert tls.status_code == 200


def test_rule_faults_on_the_answer(hub: SmsMock) -> None:
    hub.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"nth": 1}, "fault": {"kind": "truncated_body", "keep": 3}},
                {"match": {"nth": 2}, "fault": {"kind": "delay", "delay": "2m"}},
                {"match": {"nth": 3}, "fault": {"kind": "delay", "delay": "200ms", "real": True}},
            ],
        }
    )
    assert send(hub).content == b'{"i'
    start = hub.clock.now()
    assert send(hub).json()["id"]
    assert (hub.clock.now() - start).total_seconds() == 120
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.post(hub.fakes["echo"].url + "/send", data=SEND, timeout=0.05)
    assert len(hub.fakes["echo"].messages) == 3  # the provider answered every one
