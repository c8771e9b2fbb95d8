"""The web DLR push against a local receiver that answers Ok, something else, or nothing."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from pytest_httpserver import HTTPServer

from pytest_smsmock.hub import SmsMock

SEND = {"user": "dlr", "pass": "pw", "sid": "Shop", "mno": "962791234567", "type": "1", "text": "x"}
FIELDS = ["MessageId", "Source", "Destination", "Status", "SubmitDate", "DoneDate", "BatchId"]


def send(smsmock: SmsMock) -> str:
    answer = requests.get(smsmock.broadnet.url + "/websmpp/websms", params=SEND, timeout=10)
    assert answer.text.startswith("Response: "), answer.text
    return answer.text.removeprefix("Response: ")


def attempts(smsmock: SmsMock) -> list[str]:
    return [e.summary for e in smsmock.journal.entries(provider="broadnet", channel="callback")]


def test_ok_receiver_gets_every_field_once(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr/dlr.aspx", method="POST").respond_with_data("Ok")
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr/dlr.aspx"))
    message_id = send(smsmock)
    smsmock.clock.advance("5s")
    (request, _), *rest = httpserver.log
    assert rest == []
    form = dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))
    query = dict(request.args)
    # 2025-01-01 00:00:05 UTC is 03:00 in Amman (the account's default +0300)
    expected = {
        "MessageId": message_id,
        "Source": "Shop",
        "Destination": "962791234567",
        "Status": "DELIVRD",
        "SubmitDate": "2501010300",
        "DoneDate": "2501010300",
        "BatchId": "",
    }
    assert form == expected
    assert query == expected
    assert list(dict(parse_qsl(request.get_data(as_text=True), keep_blank_values=True))) == FIELDS
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert len(attempts(smsmock)) == 1
    assert "attempt 1: ok" in attempts(smsmock)[0]


def test_batch_id_and_account_time_zone(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr").respond_with_data("OK\n")
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"), gmt="-0500")
    body = {
        "campaign": {
            "username": "dlr",
            "password": "pw",
            "sender": "Shop",
            "type": "1",
            "text": "x",
            "gsm": ["962791234567"],
        }
    }
    batch = requests.post(smsmock.broadnet.url + "/websmpp/json/sms", json=body, timeout=10)
    smsmock.clock.advance("2h")
    (request, _), *_ = httpserver.log
    fields = dict(request.args)
    assert fields["BatchId"] == batch.json()["response"]["batch_id"]
    assert fields["SubmitDate"] == "2412311900"
    assert fields["DoneDate"] == "2412311900"
    assert "attempt 1: ok" in attempts(smsmock)[0]  # "OK" with a newline is an Ok


@pytest.mark.parametrize("answer", ["Error", "", "not ok"])
def test_anything_but_ok_is_retried_on_schedule_then_dropped(
    smsmock: SmsMock, httpserver: HTTPServer, answer: str
) -> None:
    httpserver.expect_request("/dlr").respond_with_data(answer)
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"))
    send(smsmock)
    smsmock.clock.advance("5s")
    assert len(httpserver.log) == 1
    for expected, delay in enumerate(["1m", "5m", "15m", "1h", "3h", "6h"], start=2):
        smsmock.clock.advance(delay)
        assert len(httpserver.log) == expected
    smsmock.clock.advance("1d")
    assert len(httpserver.log) == 7
    log = attempts(smsmock)
    assert [f"attempt {n}: failed" in line for n, line in enumerate(log[:7], start=1)] == [True] * 7
    assert "dropped after 7 attempt(s)" in log[-1]


def test_error_status_with_ok_body_is_a_failure(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr").respond_with_data("Ok", status=500)
    smsmock.broadnet.add_account(
        "dlr", "pw", dlr_url=httpserver.url_for("/dlr"), dlr_retries=["30s"]
    )
    send(smsmock)
    smsmock.clock.advance("5s")
    smsmock.clock.advance("30s")
    assert len(httpserver.log) == 2
    assert "dropped after 2 attempt(s)" in attempts(smsmock)[-1]


def test_receiver_that_answers_nothing_then_recovers(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    # Port 1 on loopback refuses the connection: no answer at all.
    smsmock.broadnet.add_account("dlr", "pw", dlr_url="http://127.0.0.1:1/dlr")
    send(smsmock)
    smsmock.clock.advance("5s")
    assert "failed (refused)" in attempts(smsmock)[0]
    # The account's link is fixed when the message is accepted, so a new one is needed to
    # see a recovery: point a new message at a receiver that fails once, then says Ok.
    httpserver.expect_ordered_request("/dlr").respond_with_data("busy")
    httpserver.expect_ordered_request("/dlr").respond_with_data("Ok")
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"))
    send(smsmock)
    smsmock.clock.advance("5s")
    smsmock.clock.advance("1m")
    assert len(httpserver.log) == 2
    assert "attempt 2: ok" in attempts(smsmock)[-1]


def test_enroute_pushes_ates_before_the_final_report(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/dlr").respond_with_data("Ok")
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {
                    "match": {"provider": "broadnet"},
                    "dlr": [
                        {"after": "1s", "status": "enroute"},
                        {"after": "2m", "status": "UNDELIV"},
                    ],
                }
            ],
        }
    )
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"), dlr_style="form")
    send(smsmock)
    smsmock.clock.advance("3m")
    statuses = [dict(parse_qsl(r.get_data(as_text=True)))["Status"] for r, _ in httpserver.log]
    assert statuses == ["ATES", "UNDELIV"]
    assert all(not r.args for r, _ in httpserver.log)  # form only


def test_query_style_keeps_the_links_own_query(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr").respond_with_data("Ok")
    url = httpserver.url_for("/dlr") + "?client=42"
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=url, dlr_style="query")
    send(smsmock)
    smsmock.clock.advance("5s")
    (request, _), *_ = httpserver.log
    assert request.get_data() == b""
    assert request.args["client"] == "42"
    assert request.args["Status"] == "DELIVRD"
    assert urlsplit(request.url).path == "/dlr"


def test_no_link_no_push(smsmock: SmsMock) -> None:
    smsmock.broadnet.add_account("dlr", "pw")
    send(smsmock)
    smsmock.clock.advance("5s")
    assert attempts(smsmock) == []


# -- a receiver that hangs ---------------------------------------------------------------------
@pytest.fixture
def hanging_receiver() -> Iterator[str]:
    """A DLR link whose server takes the connection and never answers: the listening socket's
    backlog completes every TCP handshake, and nothing ever reads or writes."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        host, port = listener.getsockname()
        yield f"http://{host}:{port}/dlr/dlr.aspx"


def test_a_receiver_that_hangs_times_out_and_is_retried(hanging_receiver: str) -> None:
    # A hub of its own: its callback sender gives up after 0.2 real seconds (the fixture's
    # waits 5), so each attempt costs that long and no more.
    with SmsMock(providers=("broadnet",), callback_timeout=0.2) as hub:
        hub.broadnet.add_account("dlr", "pw", dlr_url=hanging_receiver, dlr_retries=["1m", "5m"])
        send(hub)
        hub.clock.advance("5s")
        assert [line.split(": ", 1)[1] for line in attempts(hub)] == ["failed (timeout)"]
        hub.clock.advance("59s")
        assert len(attempts(hub)) == 1  # the retry is due one minute after the failure
        hub.clock.advance("1s")
        hub.clock.advance("5m")
        log = attempts(hub)
        assert [line.split(": ", 1)[1] for line in log[:3]] == ["failed (timeout)"] * 3
        assert [f"attempt {n}:" in line for n, line in enumerate(log[:3], start=1)] == [True] * 3
        assert "dropped after 3 attempt(s)" in log[-1]
        assert hub.take_errors() == []
