"""Infobip HTTP API v3 over loopback sockets, through requests, httpx and a real DLR receiver."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from urllib.parse import parse_qs

import httpx
import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

XML = """<SMS><authentication><username>test</username><password>test</password></authentication>
<message><sender>Infobip</sender><text>Hello</text><recipients>{}</recipients></message></SMS>"""


def statuses(body: bytes) -> list[int]:
    return [int(r.findtext("status") or "") for r in etree.fromstring(body).findall("result")]


@pytest.fixture
def receiver(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.clear()


def test_send_xml_json_plain_through_requests(smsmock: SmsMock) -> None:
    url = smsmock.infobip.url
    xml = requests.post(
        url + "/api/v3/sendsms/xml",
        data=XML.format("<gsm>385951111111</gsm>"),
        headers={"Content-Type": "application/xml"},
        timeout=5,
    )
    assert xml.headers["Content-Type"] == "text/csv;charset= UTF-8"
    assert statuses(xml.content) == [0]
    body = {
        "authentication": {"username": "test", "password": "test"},
        "messages": [
            {
                "sender": "S",
                "text": "čć",
                "datacoding": "8",
                "recipients": [{"gsm": "385951111111", "messageId": "c1"}],
            }
        ],
    }
    js = requests.post(url + "/api/v3/sendsms/json", json=body, timeout=5)
    assert js.json()["results"] == [
        {"status": "0", "messageid": "c1", "destination": "385951111111"}
    ]
    params = {
        "user": "test",
        "password": "test",
        "sender": "Friend",
        "SMSText": "message",
        "GSM": "38598111111",
    }
    for method in ("GET", "POST"):
        answer = requests.request(method, url + "/api/v3/sendsms/plain", params=params, timeout=5)
        assert statuses(answer.content) == [0]
    assert [m.api for m in smsmock.infobip.messages] == [
        "v3-xml",
        "v3-json",
        "v3-plain",
        "v3-plain",
    ]
    assert smsmock.infobip.messages[1].text == "čć"


def test_async_client_httpx(smsmock: SmsMock) -> None:
    async def run() -> list[int]:
        async with httpx.AsyncClient(base_url=smsmock.infobip.url) as client:
            answers = await asyncio.gather(
                *(
                    client.get(
                        "/api/v3/sendsms/plain",
                        params={
                            "user": "test",
                            "password": "test",
                            "sender": "Friend",
                            "SMSText": f"n{i}",
                            "GSM": f"3859811111{i:02d}",
                        },
                    )
                    for i in range(10)
                )
            )
        return [s for a in answers for s in statuses(a.content)]

    assert asyncio.run(run()) == [0] * 10
    assert len(smsmock.infobip.messages) == 10


def test_failover_to_secondary_access_point(smsmock: SmsMock) -> None:
    fake = smsmock.infobip
    params = {
        "user": "test",
        "password": "test",
        "sender": "F",
        "SMSText": "x",
        "GSM": "38598111111",
    }
    smsmock.take_down("infobip", "primary")
    with pytest.raises(requests.ConnectionError):
        requests.get(fake.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    answer = requests.get(fake.secondary_url + "/api/v3/sendsms/plain", params=params, timeout=5)
    assert statuses(answer.content) == [0]
    smsmock.clock.advance("5s")
    pulled = requests.get(
        fake.secondary_url + "/api/v3/dr/pull",
        params={"user": "test", "password": "test"},
        timeout=5,
    )
    assert etree.fromstring(pulled.content)[0].get("status") == "DELIVERED"
    smsmock.bring_up("infobip", "primary")
    answer = requests.get(fake.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    assert statuses(answer.content) == [0]


def test_take_down_unknown_listener_explains(smsmock: SmsMock) -> None:
    from pytest_smsmock.errors import ConfigError

    with pytest.raises(ConfigError, match="infobip/tertiary"):
        smsmock.take_down("infobip", "tertiary")


def test_dlr_push_retried_against_real_receiver(smsmock: SmsMock, receiver: HTTPServer) -> None:
    calls: list[bytes] = []

    def handler(request: Request) -> Response:
        calls.append(request.get_data())
        return Response("", status=500 if len(calls) < 3 else 200)

    receiver.expect_request("/dlr", method="POST").respond_with_handler(handler)
    smsmock.infobip.add_account("acc", "pw", dlr_url=receiver.url_for("/dlr"))
    params = {"user": "acc", "password": "pw", "sender": "F", "SMSText": "x", "GSM": "38598111111"}
    requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    smsmock.clock.advance("5s")
    assert len(calls) == 1
    smsmock.clock.advance("1m")
    assert len(calls) == 2
    smsmock.clock.advance("2m")
    assert len(calls) == 3
    smsmock.clock.advance("1h")
    assert len(calls) == 3
    report = etree.fromstring(calls[-1])[0]
    assert report.get("status") == "DELIVERED"


def test_dlr_push_to_a_server_that_is_down_is_dropped(
    smsmock: SmsMock, receiver: HTTPServer
) -> None:
    url = receiver.url_for("/dlr")
    receiver.stop()
    try:
        params = {
            "user": "test",
            "password": "test",
            "sender": "F",
            "SMSText": "x",
            "GSM": "38598111111",
            "pushurl": url,
        }
        requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", params=params, timeout=5)
        smsmock.clock.advance("19m")
        attempts = smsmock.journal.entries(provider="infobip", channel="callback", direction="out")
        assert len(attempts) == 5 and all("refused" in e.summary for e in attempts)
        assert smsmock.journal.entries(provider="infobip", channel="callback", contains="dropped")
    finally:
        receiver.start()


def test_nopush_reports_wait_for_the_pull(smsmock: SmsMock, receiver: HTTPServer) -> None:
    smsmock.infobip.add_account("acc", "pw", dlr_url=receiver.url_for("/dlr"))
    params = {
        "user": "acc",
        "password": "pw",
        "sender": "F",
        "SMSText": "x",
        "GSM": "38598111111",
        "nopush": "1",
    }
    requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    smsmock.clock.advance("5s")
    assert receiver.log == []
    pull = requests.get(
        smsmock.infobip.url + "/api/v3/dr/pull", params={"user": "acc", "password": "pw"}, timeout=5
    )
    assert etree.fromstring(pull.content)[0].get("status") == "DELIVERED"


def test_one_shot_pull_with_many_concurrent_pullers(smsmock: SmsMock) -> None:
    fake = smsmock.infobip
    numbers = ",".join(f"385981{i:05d}" for i in range(300))
    requests.get(
        fake.url + "/api/v3/sendsms/plain",
        params={"user": "test", "password": "test", "sender": "F", "SMSText": "x", "GSM": numbers},
        timeout=10,
    )
    smsmock.clock.advance("5s")
    seen: list[str] = []
    lock = threading.Lock()

    def puller(base: str) -> None:
        with requests.Session() as session:
            while True:
                answer = session.get(
                    base + "/api/v3/dr/pull",
                    params={"user": "test", "password": "test"},
                    timeout=10,
                )
                if answer.content == b"NO_DATA":
                    return
                ids = [m.get("id") or "" for m in etree.fromstring(answer.content)]
                with lock:
                    seen.extend(ids)

    threads = [
        threading.Thread(target=puller, args=(fake.url if i % 2 else fake.secondary_url,))
        for i in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(seen) == 300
    assert sorted(seen) == sorted(m.message_id for m in fake.messages)


def test_hlr_async_reports_posted_to_receiver(smsmock: SmsMock, receiver: HTTPServer) -> None:
    receiver.expect_request("/hlr", method="POST").respond_with_data("OK")
    smsmock.infobip.add_account("h", "pw", hlr_url=receiver.url_for("/hlr"))
    answer = requests.post(
        smsmock.infobip.url + "/api/hlr/",
        data={"user": "h", "pass": "pw", "destinations": "38598111111;385981111112"},
        timeout=5,
    )
    assert answer.text.splitlines()[0] == "OK"
    smsmock.clock.advance("2s")
    [(request, _)] = receiver.log
    rows = parse_qs(request.get_data(as_text=True))["dlr"][0].splitlines()
    assert [json.loads(r)["destination"] for r in rows] == ["38598111111", "385981111112"]


def test_hlr_sync_through_requests(smsmock: SmsMock) -> None:
    answer = requests.get(
        smsmock.infobip.url + "/api/hlr/sync",
        params={"user": "test", "pass": "test", "destination": "38599111111", "output": "json"},
        timeout=5,
    )
    assert answer.json()["stat"] == "DELIVRD"


def test_mo_push_and_inbox(smsmock: SmsMock, receiver: HTTPServer) -> None:
    receiver.expect_request("/in").respond_with_data("OK")
    smsmock.infobip.add_account(
        "mo", "pw", mo_url=receiver.url_for("/in") + "?who=%sender%&what=%text%"
    )
    smsmock.infobip.inject_mo("38598123123", "ABC", account="mo")
    [(request, _)] = receiver.log
    assert request.args.to_dict() == {"who": "38598123123", "what": "ABC"}
    inbox = requests.get(
        smsmock.infobip.url + "/api/v2/command/inbox",
        params={"user": "mo", "password": "pw", "output": "json"},
        timeout=5,
    )
    assert [m["text"] for m in inbox.json()["messages"]] == ["ABC"]


def test_credits_through_requests(smsmock: SmsMock) -> None:
    answer = requests.get(
        smsmock.infobip.url + "/api/command",
        params={"username": "test", "password": "test", "cmd": "CREDITS"},
        timeout=5,
    )
    assert float(answer.text) == 1000.0


# -- MiMSMS's copy of the v3 API ------------------------------------------------------------------
def test_mimsms_v3_paths(smsmock: SmsMock) -> None:
    url = smsmock.mimsms.url
    short = requests.get(
        url + "/api/sendsms/plain",
        params={
            "user": "test",
            "password": "test",
            "sender": "Friend",
            "SMSText": "messagetext",
            "GSM": "8801712345678",
        },
        timeout=5,
    )
    assert short.text.isdigit()
    unicode = requests.get(
        url + "/api/v3/sendsms/plain",
        params={
            "user": "test",
            "password": "test",
            "sender": "Friend",
            "text": "ccš",
            "GSM": "38598514674",
            "datacoding": "8",
        },
        timeout=5,
    )
    assert statuses(unicode.content) == [0]
    long = requests.get(
        url + "/api/v3/sendsms/plain",
        params={
            "user": "test",
            "password": "test",
            "sender": "Friend",
            "SMSText": "y" * 1200,
            "GSM": "8801712345678",
            "type": "longSMS",
        },
        timeout=5,
    )
    assert statuses(long.content) == [0]
    assert [m.text for m in smsmock.mimsms.messages][1:] == ["ccš", "y" * 1080]
    balance = requests.get(
        url + "/api/command",
        params={"username": "test", "password": "test", "cmd": "Credits"},
        timeout=5,
    )
    assert float(balance.text) < 1000
    smsmock.clock.advance("5s")
    pull = requests.get(
        url + "/api/v3/dr/pull",
        params={"user": "test", "password": "test", "messageid": short.text},
        timeout=5,
    )
    assert [m.get("id") for m in etree.fromstring(pull.content)] == [short.text]
    again = requests.get(
        url + "/api/v3/dr/pull",
        params={"user": "test", "password": "test", "messageid": short.text},
        timeout=5,
    )
    assert again.text == "NO_DATA"
    assert requests.get(url + "/api/v3/sendsms/xml", timeout=5).status_code == 404


def test_unicode_text_with_the_documented_content_encoding_header(smsmock: SmsMock) -> None:
    # "you have to relay Content-Encoding:UTF-8 information in the header" (2.2.1.1, 2.2.2.1)
    body = XML.format("<gsm>385951111111</gsm>").replace(
        "<text>Hello</text>", "<text>Dear mister Jurčić..</text><datacoding>8</datacoding>"
    )
    answer = requests.post(
        smsmock.infobip.url + "/api/v3/sendsms/xml",
        data=body.encode("utf-8"),
        headers={"Content-Type": "application/xml", "Content-Encoding": "UTF-8"},
        timeout=5,
    )
    assert statuses(answer.content) == [0]
    message = smsmock.infobip.messages.last
    assert (message.text, message.encoding, message.data_coding) == (
        "Dear mister Jurčić..",
        "ucs2",
        8,
    )
