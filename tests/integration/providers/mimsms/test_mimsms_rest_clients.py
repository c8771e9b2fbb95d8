"""The v1 REST API through real HTTP clients (requests, httpx) against the `smsmock` fixture."""

from __future__ import annotations

import json
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import pytest
import requests
from freezegun import freeze_time
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

AUTH = ("Aladdin", "open sesame")


def send(smsmock: SmsMock, payload: object, path: str = "/sms/1/text/single") -> requests.Response:
    return requests.post(smsmock.mimsms.url + path, json=payload, auth=AUTH, timeout=5)


def test_send_report_and_log_with_requests(smsmock: SmsMock) -> None:
    answer = send(smsmock, {"from": "YourName", "to": "8801712345678", "text": "Hello"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    [message] = answer.json()["messages"]
    smsmock.clock.advance("5s")
    reports = requests.get(smsmock.mimsms.url + "/sms/1/reports", auth=AUTH, timeout=5).json()
    assert [r["messageId"] for r in reports["results"]] == [message["messageId"]]
    again = requests.get(smsmock.mimsms.url + "/sms/1/reports", auth=AUTH, timeout=5)
    assert again.json() == {"results": []}
    logs = requests.get(
        smsmock.mimsms.url + "/sms/1/logs",
        params={"from": "YourName", "to": "8801712345678", "limit": 1},
        auth=AUTH,
        timeout=5,
    ).json()
    assert logs["results"][0]["status"]["name"] == "DELIVERED_TO_HANDSET"


def test_xml_with_httpx(smsmock: SmsMock) -> None:
    with httpx.Client(base_url=smsmock.mimsms.url, auth=AUTH, timeout=5) as client:
        answer = client.post(
            "/sms/1/text/single",
            content=b"<request><from>A</from><to><to>8801712345678</to><to>4179123456</to></to>"
            b"<text>hi</text></request>",
            headers={"Content-Type": "application/xml", "Accept": "application/xml"},
        )
        assert answer.status_code == 200
        root = etree.fromstring(answer.content)
        assert root.findtext("bulkId")
        assert len(root.findall("messages/message/messageId")) == 2
        smsmock.clock.advance("5s")
        reports = client.get("/sms/1/reports", headers={"Accept": "application/xml"})
        assert len(etree.fromstring(reports.content).findall("results/result")) == 2


def test_multi_with_httpx(smsmock: SmsMock) -> None:
    answer = httpx.post(
        smsmock.mimsms.url + "/sms/1/text/multi",
        json={"messages": [{"to": "8801712345678", "text": "a"}, {"to": "4179123456"}]},
        auth=AUTH,
        timeout=5,
    )
    assert answer.status_code == 200
    assert len(answer.json()["messages"]) == 2
    assert len(smsmock.mimsms.messages) == 2


@pytest.mark.parametrize(
    ("kwargs", "status", "message_id"),
    [
        ({"json": {"to": "8801712345678"}, "auth": ("Aladdin", "nope")}, 401, "UNAUTHORIZED"),
        ({"data": b'{"to": "8801712345678"}', "auth": AUTH}, 415, "GENERAL_ERROR"),
        (
            {"data": b"{oops", "auth": AUTH, "headers": {"Content-Type": "application/json"}},
            400,
            "BAD_REQUEST",
        ),
        ({"json": {"to": 3.5}, "auth": AUTH}, 400, "INVALID_ARGUMENT"),
    ],
)
def test_errors_over_http(
    smsmock: SmsMock, kwargs: dict[str, object], status: int, message_id: str
) -> None:
    answer = requests.post(smsmock.mimsms.url + "/sms/1/text/single", timeout=5, **kwargs)  # type: ignore[arg-type]
    assert answer.status_code == status
    assert answer.json()["requestError"]["serviceException"]["messageId"] == message_id


def test_concurrent_report_readers_see_each_report_once(smsmock: SmsMock) -> None:
    destinations = [f"88017{i:08d}" for i in range(300)]
    sent = send(smsmock, {"to": destinations, "text": "x"}).json()["messages"]
    expected = {m["messageId"] for m in sent}
    smsmock.clock.advance("5s")
    start = threading.Barrier(8)

    def reader() -> list[str]:
        seen: list[str] = []
        with requests.Session() as session:
            start.wait()
            while True:
                results = session.get(
                    smsmock.mimsms.url + "/sms/1/reports",
                    params={"limit": 7},
                    auth=AUTH,
                    timeout=5,
                ).json()["results"]
                if not results:
                    return seen
                seen.extend(r["messageId"] for r in results)

    with ThreadPoolExecutor(8) as pool:
        batches = list(pool.map(lambda _: reader(), range(8)))
    counts = Counter(m for batch in batches for m in batch)
    assert set(counts) == expected  # no loss
    assert max(counts.values()) == 1  # no duplicate
    assert sum(1 for batch in batches if batch) > 1  # the readers really did share the work


def test_reports_are_pushed_to_a_real_server_with_retries(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    received: list[dict[str, object]] = []
    answers = iter([503, 200])

    def handler(request: Request) -> Response:
        received.append(json.loads(request.get_data()))
        return Response("", status=next(answers, 200))

    httpserver.expect_request("/dlr", method="POST").respond_with_handler(handler)
    send(
        smsmock,
        {"to": "8801712345678", "text": "x", "notifyUrl": httpserver.url_for("/dlr")},
    )
    smsmock.clock.advance("5s")
    assert len(received) == 1
    smsmock.clock.advance("59s")
    assert len(received) == 1
    smsmock.clock.advance("1s")
    assert len(received) == 2
    smsmock.clock.advance("1h")
    assert len(received) == 2
    [report] = received[1]["results"]  # type: ignore[index]
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"


def test_logs_keep_48_hours_under_freezegun_over_http(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 10:00:00") as frozen:
        message_id = send(smsmock, {"to": "8801712345678", "text": "x"}).json()["messages"][0][
            "messageId"
        ]
        frozen.tick(timedelta(hours=48))
        logs = requests.get(smsmock.mimsms.url + "/sms/1/logs", auth=AUTH, timeout=5).json()
        assert [r["messageId"] for r in logs["results"]] == [message_id]
        assert logs["results"][0]["doneAt"] == "2025-03-01T10:00:05.000+0000"
        frozen.tick(timedelta(seconds=1))
        logs = requests.get(smsmock.mimsms.url + "/sms/1/logs", auth=AUTH, timeout=5).json()
        assert logs == {"results": []}


def test_logs_keep_48_hours_on_the_virtual_clock_over_http(smsmock: SmsMock) -> None:
    send(smsmock, {"to": "8801712345678", "text": "x"})
    smsmock.clock.advance("48h")
    url = smsmock.mimsms.url + "/sms/1/logs"
    assert len(requests.get(url, auth=AUTH, timeout=5).json()["results"]) == 1
    smsmock.clock.advance("1s")
    assert requests.get(url, auth=AUTH, timeout=5).json() == {"results": []}


def test_one_shot_reports_under_freezegun(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 10:00:00") as frozen:
        send(smsmock, {"to": "8801712345678", "text": "x"})
        url = smsmock.mimsms.url + "/sms/1/reports"
        assert requests.get(url, auth=AUTH, timeout=5).json() == {"results": []}
        frozen.tick(timedelta(seconds=5))
        assert len(requests.get(url, auth=AUTH, timeout=5).json()["results"]) == 1
        assert requests.get(url, auth=AUTH, timeout=5).json() == {"results": []}


SCENARIO = {
    "version": 1,
    "rules": [
        {"match": {"provider": "mimsms", "to": "4179*"}, "respond": {"status": "REJECTED_DND"}},
        {
            "match": {"provider": "mimsms", "to": "88018*"},
            "dlr": [{"after": "2s", "status": "DELIVERED_TO_OPERATOR"}],
        },
        {
            "match": {"provider": "mimsms"},
            "dlr": [
                {"after": "2s", "status": "PENDING_ENROUTE"},
                {"after": "3s", "status": "undeliverable", "error": "EC_ABSENT_SUBSCRIBER_SM"},
            ],
        },
    ],
}


@pytest.mark.smsmock(scenario=SCENARIO)
def test_a_scenario_names_native_and_canonical_statuses(smsmock: SmsMock) -> None:
    answer = send(smsmock, {"to": ["4179123456", "8801812345678", "8801712345678"], "text": "x"})
    refused, operator, absent = answer.json()["messages"]
    assert refused["status"]["name"] == "REJECTED_DND"
    assert "messageId" not in refused
    smsmock.clock.advance("2s")
    logs = requests.get(smsmock.mimsms.url + "/sms/1/logs", auth=AUTH, timeout=5).json()
    by_id = {entry["messageId"]: entry for entry in logs["results"]}
    assert by_id[absent["messageId"]]["status"]["name"] == "PENDING_ENROUTE"
    smsmock.clock.advance("3s")
    reports = requests.get(smsmock.mimsms.url + "/sms/1/reports", auth=AUTH, timeout=5).json()
    by_id = {report["messageId"]: report for report in reports["results"]}
    assert by_id[operator["messageId"]]["status"]["name"] == "DELIVERED_TO_OPERATOR"
    assert by_id[absent["messageId"]]["status"]["name"] == "UNDELIVERABLE_NOT_DELIVERED"
    assert by_id[absent["messageId"]]["error"]["name"] == "EC_ABSENT_SUBSCRIBER_SM"
    assert by_id[absent["messageId"]]["error"]["permanent"] is False


@pytest.mark.parametrize(
    ("method", "path", "params", "auth", "status", "message_id"),
    [
        ("GET", "/sms/1/reports", {}, None, 401, "UNAUTHORIZED"),
        ("GET", "/sms/1/logs", {}, ("Aladdin", "x"), 401, "UNAUTHORIZED"),
        ("GET", "/sms/1/reports", {"limit": "0"}, AUTH, 400, "INVALID_ARGUMENT"),
        ("GET", "/sms/1/logs", {"limit": "1001"}, AUTH, 400, "INVALID_ARGUMENT"),
        ("GET", "/sms/1/logs", {"generalStatus": "NOPE"}, AUTH, 400, "INVALID_ARGUMENT"),
        ("GET", "/sms/1/logs", {"sentSince": "soon"}, AUTH, 400, "INVALID_ARGUMENT"),
        ("GET", "/sms/1/nowhere", {}, AUTH, 404, "NOT_FOUND"),
        ("DELETE", "/sms/1/logs", {}, AUTH, 405, "BAD_REQUEST"),
        ("GET", "/sms/1/text/single", {}, AUTH, 405, "BAD_REQUEST"),
    ],
)
@pytest.mark.parametrize("accept", ["application/json", "application/xml"])
def test_every_request_error_over_http(
    smsmock: SmsMock,
    method: str,
    path: str,
    params: dict[str, str],
    auth: tuple[str, str] | None,
    status: int,
    message_id: str,
    accept: str,
) -> None:
    with httpx.Client(base_url=smsmock.mimsms.url, timeout=5) as client:
        answer = client.request(method, path, params=params, auth=auth, headers={"Accept": accept})
    assert answer.status_code == status
    assert answer.headers["Content-Type"] == accept
    if accept == "application/json":
        exception = answer.json()["requestError"]["serviceException"]
        assert exception["messageId"] == message_id
    else:
        root = etree.fromstring(answer.content)
        assert root.tag == "requestError"
        assert root.findtext("serviceException/messageId") == message_id


def test_every_per_message_status_over_http(smsmock: SmsMock) -> None:
    fake = smsmock.mimsms
    fake.add_account("poor", "pw", balance="0")
    fake.add_account("old", "pw", expired=True)
    url = fake.url + "/sms/1/text/single"
    payload = {"to": ["8801712345678", "88017xxxxxxxx"], "text": "x" * 161}
    rich = requests.post(url, json=payload, auth=AUTH, timeout=5).json()["messages"]
    assert [(m["status"]["id"], m["smsCount"], "messageId" in m) for m in rich] == [
        (0, 2, True),
        (52, 2, False),
    ]
    poor = requests.post(url, json=payload, auth=("poor", "pw"), timeout=5).json()["messages"]
    assert [m["status"]["name"] for m in poor] == [
        "REJECTED_NOT_ENOUGH_CREDITS",
        "REJECTED_DESTINATION",
    ]
    old = requests.post(url, json=payload, auth=("old", "pw"), timeout=5).json()["messages"]
    assert old[0]["status"]["name"] == "REJECTED_PREPAID_PACKAGE_EXPIRED"
    assert len(fake.messages) == 1
