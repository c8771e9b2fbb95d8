"""The v1 REST API through `fake.dispatch()`, without sockets."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip.rest_models import format_time, parse_time
from pytest_smsmock.providers.mimsms import MimsmsFake
from pytest_smsmock.scenario.decisions import SubmitDecision

ALADDIN = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
SEND_KEYS = {"to", "status", "smsCount", "messageId"}
REPORT_KEYS = {
    "bulkId", "messageId", "to", "sentAt", "doneAt", "smsCount", "price", "status", "error"
}  # fmt: skip
LOG_KEYS = REPORT_KEYS | {"from", "text", "mccMnc"}
STATUS_KEYS = {"groupId", "groupName", "id", "name", "description"}
ERROR_KEYS = STATUS_KEYS | {"permanent"}


class Answer:
    def __init__(self, status: int, content_type: str, body: bytes) -> None:
        self.status = status
        self.content_type = content_type
        self.body = body

    def json(self) -> Any:
        assert self.content_type == "application/json", self.content_type
        return json.loads(self.body)

    def xml(self) -> etree._Element:
        assert self.content_type.startswith("application/xml"), self.content_type
        return etree.fromstring(self.body)

    def service_exception(self) -> dict[str, str]:
        data = self.json()
        assert list(data) == ["requestError"]
        assert list(data["requestError"]) == ["serviceException"]
        exception: dict[str, str] = data["requestError"]["serviceException"]
        assert set(exception) == {"messageId", "text"}
        return exception


class Client:
    def __init__(self, fake: MimsmsFake, auth: str | None = ALADDIN) -> None:
        self.fake = fake
        self.auth = auth

    def request(
        self,
        method: str,
        path: str,
        body: bytes | str | None = None,
        headers: dict[str, str] | None = None,
        query: Any = None,
    ) -> Answer:
        all_headers = {"Authorization": self.auth} if self.auth is not None else {}
        all_headers.update(headers or {})
        request = EnvironBuilder(
            method=method, path=path, data=body, headers=all_headers, query_string=query
        ).get_request()
        response = self.fake.dispatch(request, "primary")
        return Answer(response.status_code, response.content_type or "", response.get_data())

    def send(self, payload: Any, *, path: str = "/sms/1/text/single", **headers: str) -> Answer:
        merged = {"Content-Type": "application/json", **headers}
        return self.request("POST", path, json.dumps(payload), merged)

    def reports(self, query: Any = None, **headers: str) -> Answer:
        return self.request("GET", "/sms/1/reports", headers=headers, query=query)

    def logs(self, query: Any = None, **headers: str) -> Answer:
        return self.request("GET", "/sms/1/logs", headers=headers, query=query)


@pytest.fixture
def mock() -> Iterator[SmsMock]:
    hub = SmsMock(providers=("mimsms",))
    yield hub
    hub.raise_errors()


@pytest.fixture
def fake(mock: SmsMock) -> MimsmsFake:
    return mock.mimsms


@pytest.fixture
def client(fake: MimsmsFake) -> Client:
    return Client(fake)


def send_one(client: Client, to: str = "8801712345678", text: str = "Hello", **extra: Any) -> str:
    answer = client.send({"from": "YourName", "to": to, "text": text, **extra})
    assert answer.status == 200
    message_id: str = answer.json()["messages"][0]["messageId"]
    return message_id


# -- send -------------------------------------------------------------------------------------
def test_a_single_send_answers_the_documented_shape(client: Client, fake: MimsmsFake) -> None:
    answer = client.send({"from": "YourName", "to": "8801712345678", "text": "Hi"})
    assert answer.status == 200
    data = answer.json()
    assert list(data) == ["messages"]
    [message] = data["messages"]
    assert set(message) == SEND_KEYS
    assert message["status"] == {
        "groupId": 0,
        "groupName": "ACCEPTED",
        "id": 0,
        "name": "MESSAGE_ACCEPTED",
        "description": "Message accepted",
    }
    stored = fake.messages.one(to="8801712345678")
    assert stored.message_id == message["messageId"]
    assert stored.api == "v1-rest"
    assert stored.sender == "YourName"
    assert stored.bulk_id is not None


def test_ids_are_uuids_and_deterministic_per_seed() -> None:
    def ids(seed: int) -> list[str]:
        client = Client(SmsMock(providers=("mimsms",), seed=seed).mimsms)
        return [send_one(client) for _ in range(3)]

    first = ids(7)
    assert first == ids(7)
    assert first != ids(8)
    assert all(len(i) == 36 and i.count("-") == 4 for i in first)


def test_several_destinations_get_a_bulk_id_and_one_message_each(client: Client) -> None:
    answer = client.send({"from": "A", "to": ["8801712345678", "4179123456"], "text": "x"})
    data = answer.json()
    assert list(data) == ["bulkId", "messages"]
    assert [m["to"] for m in data["messages"]] == ["8801712345678", "4179123456"]
    assert len({m["messageId"] for m in data["messages"]}) == 2
    # One destination in an array is still one destination: no bulkId.
    assert list(client.send({"to": ["8801712345678"], "text": "x"}).json()) == ["messages"]


def test_multi_sends_every_message_under_one_bulk(client: Client, fake: MimsmsFake) -> None:
    answer = client.send(
        {
            "messages": [
                {"from": "A", "to": "8801712345678", "text": "one"},
                {"from": "B", "to": ["4179123456", "38598111222"], "text": "two"},
            ]
        },
        path="/sms/1/text/multi",
    )
    data = answer.json()
    assert [m["to"] for m in data["messages"]] == ["8801712345678", "4179123456", "38598111222"]
    assert {m.bulk_id for m in fake.messages} == {data["bulkId"]}
    assert [m.sender for m in fake.messages] == ["A", "B", "B"]
    # A client's own bulkId is kept.
    again = client.send(
        {"bulkId": "my-bulk", "messages": [{"to": ["8801712345678", "8801812345678"]}]},
        path="/sms/1/text/multi",
    )
    assert again.json()["bulkId"] == "my-bulk"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # two septets each
        ("€" * 81, 2),
        ("ш" * 70, 1),
        ("ш" * 71, 2),
        ("ш" * 134, 2),
        ("ш" * 135, 3),
        ("My first “ ” SMS", 1),
        ("", 1),
    ],
)
def test_sms_count_follows_gsm7_and_ucs2_segmentation(
    client: Client, fake: MimsmsFake, text: str, parts: int
) -> None:
    answer = client.send({"to": "8801712345678", "text": text})
    assert answer.json()["messages"][0]["smsCount"] == parts
    assert fake.messages.last.parts == parts


@pytest.mark.parametrize("to", ["88017xxxxxxxx", "12345", "0171234567", "+", "", "1" * 16, "a1"])
def test_an_invalid_destination_is_status_52_without_message_id(
    client: Client, fake: MimsmsFake, to: str
) -> None:
    answer = client.send({"to": [to, "8801712345678"], "text": "x"})
    assert answer.status == 200
    rejected, accepted = answer.json()["messages"]
    assert set(rejected) == {"to", "status", "smsCount"}
    assert rejected["status"] == {
        "groupId": 5,
        "groupName": "REJECTED",
        "id": 52,
        "name": "REJECTED_DESTINATION",
        "description": "Invalid destination address",
    }
    assert "messageId" in accepted
    assert len(fake.messages) == 1


def test_plus_prefixed_numbers_are_accepted(client: Client) -> None:
    answer = client.send({"to": "+8801712345678", "text": "x"})
    assert answer.json()["messages"][0]["status"]["id"] == 0


def test_sending_debits_per_part_and_refuses_without_credit(
    client: Client, fake: MimsmsFake
) -> None:
    fake.add_account("poor", "pw", balance="0.03", price="0.02")
    poor = Client(fake, "Basic " + base64.b64encode(b"poor:pw").decode())
    first = poor.send({"to": "8801712345678", "text": "x"}).json()["messages"][0]
    assert first["status"]["id"] == 0
    assert fake.accounts.get("poor").balance == Decimal("0.01")  # type: ignore[union-attr]
    second = poor.send({"to": "8801712345678", "text": "x"}).json()["messages"][0]
    assert second["status"]["name"] == "REJECTED_NOT_ENOUGH_CREDITS"
    assert "messageId" not in second


def test_an_expired_account_is_refused_per_message(fake: MimsmsFake) -> None:
    fake.add_account("old", "pw", expired=True)
    old = Client(fake, "Basic " + base64.b64encode(b"old:pw").decode())
    message = old.send({"to": "8801712345678", "text": "x"}).json()["messages"][0]
    assert message["status"]["name"] == "REJECTED_PREPAID_PACKAGE_EXPIRED"
    assert message["status"]["action"] == "Top-Up your account to extend the validty period"


def test_a_scenario_answer_replaces_acceptance(
    client: Client, fake: MimsmsFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(
        fake, "decide", lambda context: SubmitDecision(respond={"status": "REJECTED_DND"})
    )
    message = client.send({"to": "8801712345678", "text": "x"}).json()["messages"][0]
    assert message["status"]["id"] == 10
    assert "messageId" not in message
    assert len(fake.messages) == 0


def test_the_sender_defaults_when_from_is_missing(client: Client, fake: MimsmsFake) -> None:
    send_one(client, text="x")
    client.send({"to": "8801712345678"})
    assert fake.messages.last.sender == "InfoSMS"
    assert fake.messages.last.text == ""


# -- request errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "auth",
    [
        None,
        "",
        "Basic",
        "Bearer QWxhZGRpbjpvcGVuIHNlc2FtZQ==",
        "BasicQWxhZGRpbjpvcGVuIHNlc2FtZQ==",  # the document's text lost the space: refused
        "Basic !!!!",
        "Basic " + base64.b64encode(b"Aladdin:wrong").decode(),
        "Basic " + base64.b64encode(b"Aladdin").decode(),
        "Basic " + base64.b64encode(b"\xff\xfe:x").decode(),
    ],
)
def test_bad_credentials_are_401_unauthorized(fake: MimsmsFake, auth: str | None) -> None:
    client = Client(fake, auth)
    for answer in (
        client.send({"to": "8801712345678", "text": "x"}),
        client.reports(),
        client.logs(),
    ):
        assert answer.status == 401
        assert answer.service_exception() == {
            "messageId": "UNAUTHORIZED",
            "text": "Invalid login details",
        }
    assert len(fake.messages) == 0


def test_basic_credentials_follow_rfc_2045(fake: MimsmsFake) -> None:
    fake.add_account("user", "pa:ss wörd")
    encoded = base64.encodebytes("user:pa:ss wörd".encode()).decode()  # with a line break
    client = Client(fake, "basic " + encoded.replace("\n", " ").strip())
    assert client.reports().status == 200


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_post_without_json_or_xml_content_type_is_the_general_error(
    client: Client, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.request(
        "POST", "/sms/1/text/single", b'{"to":"8801712345678","text":"x"}', headers
    )
    assert answer.status == 415
    assert answer.service_exception() == {"messageId": "GENERAL_ERROR", "text": "General error"}


@pytest.mark.parametrize(
    ("body", "message_id"),
    [
        (b"", "BAD_REQUEST"),
        (b"{", "BAD_REQUEST"),
        (b"[1, 2]", "BAD_REQUEST"),
        (b'"text"', "BAD_REQUEST"),
        (b"[" * 100_000 + b"]" * 100_000, "BAD_REQUEST"),
        (b"\xff\xfe\x00", "BAD_REQUEST"),
        (b'{"text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": [], "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": {"a": 1}, "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": [null], "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": true, "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "text": ["x"]}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "from": {}}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "text": "\\ud800"}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "notifyContentType": "text/html"}', "INVALID_ARGUMENT"),
        # A field of the wrong type (the document's fields are strings): numbers included.
        (b'{"to": 8801712345678, "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": [8801712345678], "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": ["8801712345678", 8801812345678], "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "from": 123, "text": "x"}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "text": 12345}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "text": 1.5}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "notifyUrl": 7}', "INVALID_ARGUMENT"),
        (b'{"to": "8801712345678", "callbackData": 7}', "INVALID_ARGUMENT"),
    ],
)
def test_bad_bodies_are_400_in_the_envelope(
    client: Client, fake: MimsmsFake, body: bytes, message_id: str
) -> None:
    answer = client.request(
        "POST", "/sms/1/text/single", body, {"Content-Type": "application/json"}
    )
    assert answer.status == 400
    assert answer.service_exception()["messageId"] == message_id
    assert len(fake.messages) == 0


@pytest.mark.parametrize(
    "body",
    [b"{}", b'{"messages": []}', b'{"messages": [1]}', b'{"messages": "x"}', b'{"bulkId": 5}'],
)
def test_bad_multi_bodies_are_invalid_arguments(client: Client, body: bytes) -> None:
    answer = client.request("POST", "/sms/1/text/multi", body, {"Content-Type": "application/json"})
    assert answer.status == 400
    assert answer.service_exception()["messageId"] == "INVALID_ARGUMENT"


def test_unknown_paths_and_methods_answer_in_the_envelope(client: Client) -> None:
    missing = client.request("GET", "/sms/1/nothing")
    assert missing.status == 404
    assert missing.service_exception()["messageId"] == "NOT_FOUND"
    wrong = client.request("GET", "/sms/1/text/single")
    assert wrong.status == 405
    assert wrong.service_exception()["messageId"] == "BAD_REQUEST"


def test_errors_answer_in_xml_when_asked(client: Client) -> None:
    answer = Client(client.fake, None).request(
        "GET", "/sms/1/logs", headers={"Accept": "application/xml"}
    )
    assert answer.status == 401
    root = answer.xml()
    assert root.tag == "requestError"
    assert root.findtext("serviceException/messageId") == "UNAUTHORIZED"
    assert root.findtext("serviceException/text") == "Invalid login details"


def test_an_internal_failure_is_a_general_error_reported_to_the_test(
    client: Client, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(client.fake.rest, "_logs", broken)
    answer = client.logs()
    assert answer.status == 500
    assert answer.service_exception()["messageId"] == "GENERAL_ERROR"
    assert [str(e) for e in mock.take_errors()] == ["boom"]


# -- XML ------------------------------------------------------------------------------------------
def test_xml_requests_and_answers(client: Client, fake: MimsmsFake) -> None:
    body = (
        "<request><from>YourName</from><to><to>8801712345678</to><to>4179123456</to></to>"
        "<text>Hi there</text></request>"
    )
    answer = client.request(
        "POST",
        "/sms/1/text/single",
        body,
        {"Content-Type": "application/xml", "Accept": "application/xml"},
    )
    assert answer.status == 200
    root = answer.xml()
    assert root.tag == "smsResponse"
    assert [c.tag for c in root] == ["bulkId", "messages"]
    messages = root.findall("messages/message")
    assert [m.findtext("to") for m in messages] == ["8801712345678", "4179123456"]
    assert [c.tag for c in messages[0]] == ["to", "status", "smsCount", "messageId"]
    assert messages[0].findtext("status/name") == "MESSAGE_ACCEPTED"
    assert fake.messages.last.text == "Hi there"


def test_an_xml_request_without_accept_is_answered_in_xml(client: Client) -> None:
    answer = client.request(
        "POST",
        "/sms/1/text/single",
        "<request><to>8801712345678</to><text>x</text></request>",
        {"Content-Type": "text/xml"},
    )
    assert answer.xml().findtext("messages/message/smsCount") == "1"


def test_a_json_request_may_ask_for_an_xml_answer(client: Client) -> None:
    answer = client.send({"to": "8801712345678", "text": "x"}, Accept="application/xml")
    assert answer.xml().tag == "smsResponse"


@pytest.mark.parametrize(
    "body",
    [
        "<request><to>1</to>",
        "not xml",
        '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><request><to>&e;</to></request>',
    ],
)
def test_malformed_or_hostile_xml_is_refused(client: Client, fake: MimsmsFake, body: str) -> None:
    answer = client.request("POST", "/sms/1/text/single", body, {"Content-Type": "application/xml"})
    assert answer.status == 400
    assert answer.xml().findtext("serviceException/messageId") in {
        "BAD_REQUEST",
        "INVALID_ARGUMENT",
    }
    assert all("root" not in m.to for m in fake.messages)


def test_xml_multi(client: Client, fake: MimsmsFake) -> None:
    body = (
        "<request><messages><message><from>A</from><to>8801712345678</to><text>1</text>"
        "</message><message><to><to>4179123456</to></to><text>2</text></message></messages>"
        "</request>"
    )
    answer = client.request("POST", "/sms/1/text/multi", body, {"Content-Type": "application/xml"})
    assert answer.status == 200
    assert [m.to for m in fake.messages] == ["8801712345678", "4179123456"]


# -- reports ------------------------------------------------------------------------------------
def test_reports_are_handed_out_once(client: Client, mock: SmsMock) -> None:
    first = send_one(client)
    second = send_one(client, to="4179123456")
    assert client.reports().json() == {"results": []}  # nothing final yet
    mock.clock.advance("5s")
    results = client.reports().json()["results"]
    assert [r["messageId"] for r in results] == [first, second]
    for report in results:
        assert set(report) == REPORT_KEYS
        assert set(report["status"]) == STATUS_KEYS
        assert set(report["error"]) == ERROR_KEYS
        assert set(report["price"]) == {"pricePerMessage", "currency"}
        assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
        assert report["sentAt"] == "2025-01-01T00:00:00.000+0000"
        assert report["doneAt"] == "2025-01-01T00:00:05.000+0000"
        assert report["price"] == {"pricePerMessage": 0.01, "currency": "EUR"}
    assert client.reports().json() == {"results": []}


def test_reports_filter_by_message_id_bulk_id_and_limit(client: Client, mock: SmsMock) -> None:
    ids = [send_one(client) for _ in range(4)]
    bulk = client.send({"to": ["4179123456", "4179123457"], "text": "x"}).json()["bulkId"]
    mock.clock.advance("5s")
    only = client.reports({"messageId": ids[2]}).json()["results"]
    assert [r["messageId"] for r in only] == [ids[2]]
    bulk_reports = client.reports({"bulkId": bulk}).json()["results"]
    assert [r["to"] for r in bulk_reports] == ["4179123456", "4179123457"]
    assert [r["messageId"] for r in client.reports({"limit": "2"}).json()["results"]] == ids[:2]
    assert [r["messageId"] for r in client.reports().json()["results"]] == [ids[3]]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "ten", "1.5", ""])
def test_reports_refuse_a_bad_limit_without_consuming(
    client: Client, mock: SmsMock, limit: str
) -> None:
    send_one(client)
    mock.clock.advance("5s")
    answer = client.reports({"limit": limit})
    assert answer.status == 400
    assert answer.service_exception()["messageId"] == "INVALID_ARGUMENT"
    assert len(client.reports().json()["results"]) == 1


def test_reports_belong_to_their_account(client: Client, fake: MimsmsFake, mock: SmsMock) -> None:
    send_one(client)
    mock.clock.advance("5s")
    other = Client(fake, "Basic " + base64.b64encode(b"test:test").decode())
    assert other.reports().json() == {"results": []}
    assert len(client.reports().json()["results"]) == 1


def test_failed_and_rejected_reports_carry_status_error_and_refund(
    client: Client, fake: MimsmsFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    plans = iter(
        [
            (Transition(after=timedelta(seconds=1), status=Status.UNDELIVERABLE, error=6),),
            (Transition(after=timedelta(seconds=1), status=Status.REJECTED),),
            (
                Transition(
                    after=timedelta(seconds=1), status=Status.REJECTED, native="REJECTED_DND"
                ),
            ),
            (Transition(after=timedelta(seconds=1), status=Status.EXPIRED),),
        ]
    )
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=next(plans)))
    account = fake.accounts.get("Aladdin")
    assert account is not None
    before = account.balance
    for _ in range(3):
        send_one(client)
    expiring = send_one(client)
    mock.clock.advance("2s")
    results = {r["messageId"]: r for r in client.reports().json()["results"]}
    undeliverable, rejected, dnd = (results[m.message_id] for m in list(fake.messages)[:3])
    assert undeliverable["status"]["name"] == "UNDELIVERABLE_NOT_DELIVERED"
    assert undeliverable["error"] == {
        "groupId": 1,
        "groupName": "HANDSET_ERRORS",
        "id": 6,
        "name": "EC_ABSENT_SUBSCRIBER_SM",
        "description": "Absent subscriber sm",
        "permanent": False,
    }
    assert undeliverable["price"]["pricePerMessage"] == 0.01
    assert rejected["status"]["name"] == "REJECTED_NETWORK"
    assert rejected["status"]["action"] == "Contact account manager"
    assert rejected["price"] == {"pricePerMessage": 0, "currency": "EUR"}
    assert dnd["status"]["name"] == "REJECTED_DND"
    assert results[expiring]["status"]["name"] == "EXPIRED_EXPIRED"
    assert results[expiring]["error"]["name"] == "EC_ValidityExpired"
    assert account.balance == before - Decimal("0.02")  # two rejections refunded


# -- push ---------------------------------------------------------------------------------------
class Recorder:
    def __init__(self, answers: list[CallbackResult]) -> None:
        self.answers = answers
        self.calls: list[tuple[datetime, CallbackRequest]] = []
        self.clock: Any = None

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        self.calls.append((self.clock.now(), request))
        return self.answers.pop(0) if self.answers else CallbackResult(status=200)


def test_reports_are_pushed_to_the_notify_url_with_retries(client: Client, mock: SmsMock) -> None:
    recorder = Recorder([CallbackResult(status=500), CallbackResult(error="refused")])
    recorder.clock = mock.clock
    mock.set_sender(recorder)
    message_id = send_one(client, notifyUrl="http://client.test/dlr", callbackData="ref-1")
    mock.clock.advance("1h")
    start = datetime(2025, 1, 1, tzinfo=UTC)
    assert [at - start for at, _ in recorder.calls] == [
        timedelta(seconds=5),
        timedelta(minutes=1, seconds=5),
        timedelta(minutes=3, seconds=5),
    ]
    _, request = recorder.calls[-1]
    assert request.url == "http://client.test/dlr"
    assert dict(request.headers)["Content-Type"] == "application/json"
    [report] = json.loads(request.body)["results"]
    assert set(report) == REPORT_KEYS | {"callbackData"}
    assert report["messageId"] == message_id
    assert report["callbackData"] == "ref-1"
    assert client.reports().json() == {"results": []}  # pushed, so not pulled


def test_the_account_default_url_and_xml_pushes(
    client: Client, fake: MimsmsFake, mock: SmsMock
) -> None:
    recorder = Recorder([])
    recorder.clock = mock.clock
    mock.set_sender(recorder)
    fake.add_account("hooked", "pw", dlr_url="http://client.test/default")
    hooked = Client(fake, "Basic " + base64.b64encode(b"hooked:pw").decode())
    hooked.send({"to": "8801712345678", "text": "x"})
    hooked.send(
        {
            "to": "8801712345678",
            "text": "x",
            "notifyUrl": "http://client.test/xml",
            "notifyContentType": "application/xml",
        }
    )
    mock.clock.advance("5s")
    urls = [request.url for _, request in recorder.calls]
    assert urls == ["http://client.test/default", "http://client.test/xml"]
    xml_push = recorder.calls[1][1]
    assert dict(xml_push.headers)["Content-Type"] == "application/xml"
    root = etree.fromstring(xml_push.body)
    assert root.findtext("results/result/status/name") == "DELIVERED_TO_HANDSET"
    assert root.find("results/result/callbackData") is None


def test_a_push_that_keeps_failing_is_dropped_after_the_schedule(
    client: Client, mock: SmsMock
) -> None:
    recorder = Recorder([CallbackResult(status=503)] * 10)
    recorder.clock = mock.clock
    mock.set_sender(recorder)
    send_one(client, notifyUrl="http://client.test/dlr")
    mock.clock.advance("1d")
    assert len(recorder.calls) == 5
    assert "dropped after 5 attempt(s)" in mock.journal.entries(channel="callback")[-1].summary


# -- logs ----------------------------------------------------------------------------------------
def test_logs_are_repeatable_newest_first_with_the_documented_keys(
    client: Client, mock: SmsMock
) -> None:
    first = send_one(client, text="Test SMS.")
    mock.clock.advance("1s")
    second = send_one(client, text="Test SMS.")
    for _ in range(2):
        results = client.logs().json()["results"]
        assert [r["messageId"] for r in results] == [second, first]
        for entry in results:
            assert set(entry) == LOG_KEYS - {"doneAt"}  # null values are left out
            assert entry["from"] == "YourName"
            assert entry["text"] == "Test SMS."
            assert entry["mccMnc"] == "47001"
    pending = results[0]
    assert pending["status"]["name"] == "MESSAGE_ACCEPTED"
    assert "doneAt" not in pending
    mock.clock.advance("5s")
    [done, _] = client.logs().json()["results"]
    assert set(done) == LOG_KEYS
    assert done["status"]["name"] == "DELIVERED_TO_HANDSET"


def test_logs_keep_48_hours_on_the_virtual_clock(client: Client, mock: SmsMock) -> None:
    old = send_one(client)
    mock.clock.advance("1s")
    young = send_one(client)
    mock.clock.advance(timedelta(hours=48))
    assert [r["messageId"] for r in client.logs().json()["results"]] == [young]
    mock.clock.advance("1s")
    assert client.logs().json() == {"results": []}
    assert old and client.reports().json()["results"]  # reports do not expire with logs


def test_logs_follow_freezegun(client: Client) -> None:
    from freezegun import freeze_time

    with freeze_time("2025-06-01 12:00:00") as frozen:
        message_id = send_one(client)
        frozen.tick(timedelta(hours=48))
        [entry] = client.logs().json()["results"]
        assert entry["messageId"] == message_id
        assert entry["sentAt"] == "2025-06-01T12:00:00.000+0000"
        assert entry["status"]["name"] == "DELIVERED_TO_HANDSET"
        frozen.tick(timedelta(seconds=1))
        assert client.logs().json() == {"results": []}


def test_log_filters(
    client: Client, fake: MimsmsFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = send_one(client, to="8801712345678")
    mock.clock.advance("1m")
    b_answer = client.send({"from": "Other", "to": ["4179123456", "+8801812345678"], "text": "b"})
    bulk = b_answer.json()["bulkId"]
    b1, b2 = (m["messageId"] for m in b_answer.json()["messages"])
    mock.clock.advance("1m")
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(
        fake,
        "decide",
        lambda context: SubmitDecision(
            plan=(Transition(after=timedelta(0), status=Status.REJECTED),)
        ),
    )
    c = send_one(client, to="15551234567")
    mock.clock.advance("10s")

    def ids(query: Any) -> list[str]:
        answer = client.logs(query)
        assert answer.status == 200, answer.body
        return [r["messageId"] for r in answer.json()["results"]]

    assert ids({}) == [c, b2, b1, a]
    assert ids({"from": "Other"}) == [b2, b1]
    assert ids({"to": "8801812345678"}) == [b2]
    assert ids({"to": "+8801712345678"}) == [a]
    assert ids({"bulkId": bulk}) == [b2, b1]
    assert ids([("messageId", a), ("messageId", c)]) == [c, a]
    assert ids({"messageId": f"{a},{b1}"}) == [b1, a]
    assert ids({"generalStatus": "REJECTED"}) == [c]
    assert ids({"generalStatus": "delivered"}) == [b2, b1, a]
    assert ids({"sentSince": "2025-01-01T00:01:00.000+0000"}) == [c, b2, b1]
    assert ids({"sentUntil": "2025-01-01T01:01:00.000+0100"}) == [b2, b1, a]
    assert ids({"sentSince": "2025-01-01T00:00:30Z", "sentUntil": "2025-01-01T00:01:30Z"}) == [
        b2,
        b1,
    ]
    assert ids({"mcc": "470"}) == [b2, a]
    assert ids({"mcc": "470", "mnc": "02"}) == [b2]
    assert ids({"mnc": "01"}) == [b1, a]  # 47001 and 22801
    assert ids({"limit": "2"}) == [c, b2]
    assert ids({"from": "YourName", "to": "8801712345678", "limit": "1"}) == [a]
    assert ids({"unknown": "x"}) == [c, b2, b1, a]


def test_logs_default_to_50_and_allow_1000(client: Client, fake: MimsmsFake) -> None:
    client.send({"to": ["8801712345678"] * 60, "text": "x"})
    assert len(client.logs().json()["results"]) == 50
    assert len(client.logs({"limit": "1000"}).json()["results"]) == 60


@pytest.mark.parametrize(
    "query",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "x"},
        {"generalStatus": "LOST"},
        {"sentSince": "yesterday"},
        {"sentUntil": "2025-13-01"},
        {"sentSince": "2025-01-01T25:00:00"},
    ],
)
def test_bad_log_parameters_are_invalid_arguments(client: Client, query: dict[str, str]) -> None:
    answer = client.logs(query)
    assert answer.status == 400
    assert answer.service_exception() == {
        "messageId": "INVALID_ARGUMENT",
        "text": "Invalid argument",
    }


def test_the_legacy_mccmnc_spelling_is_a_quirk_switch(fake: MimsmsFake) -> None:
    fake.add_account("old", "pw", legacy_mccmnc=True)
    old = Client(fake, "Basic " + base64.b64encode(b"old:pw").decode())
    old.send({"to": "4179123456", "text": "x"})
    [entry] = old.logs().json()["results"]
    assert entry["mccmnc"] == "22801"
    assert "mccMnc" not in entry


def test_logs_leave_out_unknown_networks_and_tests_can_add_networks(
    client: Client, fake: MimsmsFake
) -> None:
    send_one(client, to="15551234567")
    assert "mccMnc" not in client.logs().json()["results"][0]  # null values are left out
    fake.rest.networks["1555"] = "310260"
    assert client.logs().json()["results"][0]["mccMnc"] == "310260"
    assert client.logs({"mcc": "310"}).json()["results"]


def test_logs_in_xml(client: Client) -> None:
    send_one(client, text="bell \x07 and <tag>")
    answer = client.logs(Accept="application/xml")
    root = answer.xml()
    assert root.tag == "logsResponse"
    result = root.find("results/result")
    assert result is not None
    assert result.findtext("text") == "bell \ufffd and <tag>"
    assert result.find("doneAt") is None  # null values are left out
    assert result.findtext("error/permanent") == "false"


def test_dates_use_the_platform_offset(client: Client, fake: MimsmsFake, mock: SmsMock) -> None:
    fake.rest.utc_offset = timedelta(hours=1)
    mock.clock.advance(timedelta(milliseconds=123))
    send_one(client)
    assert client.logs().json()["results"][0]["sentAt"] == "2025-01-01T01:00:00.123+0100"


# -- dates ----------------------------------------------------------------------------------------
def test_format_time_always_has_milliseconds_and_a_compact_offset() -> None:
    when = datetime(2015, 2, 12, 8, 51, 43, 123456, tzinfo=UTC)
    assert format_time(when, timedelta(hours=1)) == "2015-02-12T09:51:43.123+0100"
    assert format_time(when, timedelta(hours=-5, minutes=-30)) == "2015-02-12T03:21:43.123-0530"
    assert format_time(when.replace(microsecond=0), timedelta(0)) == "2015-02-12T08:51:43.000+0000"


@pytest.mark.parametrize(
    "text",
    [
        "2015-02-12T09:51:43.123+0100",
        "2015-02-12T09:51:43.123 0100",  # an unescaped + arrives as a space
        "2015-02-12T09:51:43.123+01:00",
        "2015-02-12T08:51:43.123Z",
        "2015-02-12T08:51:43.123",
    ],
)
def test_parse_time_accepts_the_usual_spellings(text: str) -> None:
    assert parse_time(text, timedelta(0)) == datetime(2015, 2, 12, 8, 51, 43, 123000, tzinfo=UTC)


def test_parse_time_reads_a_date_alone_as_midnight() -> None:
    assert parse_time("2015-02-12", timedelta(hours=1)) == datetime(2015, 2, 11, 23, 0, tzinfo=UTC)


# -- the fake ------------------------------------------------------------------------------
def test_reset_clears_reports_and_settings(client: Client, fake: MimsmsFake, mock: SmsMock) -> None:
    send_one(client)
    mock.clock.advance("5s")
    fake.rest.networks["1"] = "310000"
    fake.rest.utc_offset = timedelta(hours=2)
    mock.reset()
    assert "1" not in fake.rest.networks
    assert fake.rest.utc_offset == timedelta(0)
    assert Client(fake).reports().json() == {"results": []}


def test_other_paths_are_not_the_rest_apis(client: Client) -> None:
    answer = client.request("GET", "/sms/2/logs")
    assert answer.status == 404
    assert b"requestError" not in answer.body


def test_scenarios_resolve_native_statuses_to_canonical_and_back(
    client: Client, fake: MimsmsFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert fake.resolve_status("DELIVERED_TO_OPERATOR") == (
        Status.DELIVERED,
        "DELIVERED_TO_OPERATOR",
    )
    assert fake.resolve_status(15) == (Status.EXPIRED, "EXPIRED_EXPIRED")
    assert fake.resolve_status("EXPIRED_UNKNOWN") == (Status.UNKNOWN, "EXPIRED_UNKNOWN")
    assert fake.resolve_status("DELIVRD_TO_HANDSET") is None
    names = fake.native_statuses()
    assert names[:2] == ["MESSAGE_ACCEPTED", "PENDING_TIME_VIOLATION"]
    assert "REJECTED_MESSAGE_TOO_LONG" in names
    status, native = fake.resolve_status("DELIVERED_TO_OPERATOR")  # type: ignore[misc]
    plan = (Transition(after=timedelta(seconds=1), status=status, native=native),)
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=plan))
    send_one(client)
    mock.clock.advance("1s")
    [report] = client.reports().json()["results"]
    assert report["status"]["name"] == "DELIVERED_TO_OPERATOR"
    assert report["error"]["name"] == "NO_ERROR"


def test_a_native_name_of_an_earlier_step_does_not_colour_the_final_report(
    client: Client, fake: MimsmsFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = (
        Transition(
            after=timedelta(seconds=1), status=Status.ENROUTE, native="PENDING_WAITING_DELIVERY"
        ),
        Transition(after=timedelta(seconds=1), status=Status.DELIVERED),
    )
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=plan))
    send_one(client)
    mock.clock.advance("1s")
    assert client.logs().json()["results"][0]["status"]["name"] == "PENDING_WAITING_DELIVERY"
    mock.clock.advance("1s")
    [report] = client.reports().json()["results"]
    assert report["status"]["name"] == "DELIVERED_TO_HANDSET"
    assert client.logs().json()["results"][0]["status"]["name"] == "DELIVERED_TO_HANDSET"


def test_unknown_account_options_are_refused_with_the_known_ones(fake: MimsmsFake) -> None:
    fake.add_account("ok", "pw", legacy_mccmnc=True, price="0.05", default_sender="Me")
    with pytest.raises(ConfigError, match=r"legacy_mcmnc.*legacy_mccmnc"):
        fake.add_account("typo", "pw", legacy_mcmnc=True)


@pytest.mark.parametrize("price", ["inf", "NaN", "-1", "cheap", True])
def test_a_bad_price_option_is_refused(fake: MimsmsFake, price: object) -> None:
    with pytest.raises(ConfigError, match="price"):
        fake.add_account("x", "pw", price=price)
