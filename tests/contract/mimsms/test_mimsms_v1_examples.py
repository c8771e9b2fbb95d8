"""Every v1 REST example of the MiMSMS document (000), replayed against the fake.

Requests are the document's, with what the PDF extraction broke put back: the spaces in
``POST /sms/1/text/single HTTP/1.1`` and in ``Basic QWxh...`` (a server refuses
``BasicQWxh...``: see the unit tests), and digits for the redacted ``88017xxxxxxxx`` (taken
literally, it is not a phone number, and the platform answers status 52). Answers must have the
documented shape: the same keys at every level (nothing more: strict clients refuse unknown
keys), the same JSON types, ids and dates in the documented formats, and the documented status
and error objects where the example's situation is reproduced.
"""

from __future__ import annotations

import base64
import http.client
import json
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.scenario.decisions import SubmitDecision

NUMBER = "8801712345678"  # the document's 88017xxxxxxxx
TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0100")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

SEND_REQUEST = """\
POST /sms/1/text/single HTTP/1.1
Host: api.mimsms.com
Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
Content-Type: application/json
Accept: application/json

{
"from":"YourName",
"to":"88017xxxxxxxx",
"text":"My first “ ” SMS"
}"""

SEND_RESPONSE = """{
"messages":[
      {
"to":"88017xxxxxxxx",
"status":{
"id":0,
"groupId":0,
"groupName":"ACCEPTED",
"name":"MESSAGE_ACCEPTED",
"description":"Message accepted"
         },
"smsCount":1,
"messageId":"2250be2d4219-3af1-78856-aabe-1362af1edfd2"
      }
   ]
}"""

REPORTS_REQUEST = """\
GET /sms/1/reports HTTP/1.1
Host: api.mimsms.com
Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
Accept: application/json
"""

DELIVERED = """{
"groupId":3,
"groupName":"DELIVERED",
"id":5,
"name":"DELIVERED_TO_HANDSET",
"description":"Message delivered to handset"
}"""

NO_ERROR = """{
"groupId":0,
"groupName":"OK",
"id":0,
"name":"NO_ERROR",
"description":"No Error",
"permanent":false
}"""


def _report(bulk: str, message: str, sent: str, done: str, extra: str = "") -> str:
    return f"""{{
"bulkId":"{bulk}",
"messageId":"{message}",
"to":"88017xxxxxxxx",{extra}
"sentAt":"{sent}",
"doneAt":"{done}",
"smsCount":1,
"price":{{
"pricePerMessage":0.01,
"currency":"EUR"
         }},
"status":{DELIVERED},
"error":{NO_ERROR}
      }}"""


REPORTS_RESPONSE = (
    '{"results":['
    + _report(
        "80664c0c-e1ca-414d-806a-5caf146463df",
        "bcfb828b-7df9-4e7b-8715-f34f5c61271a",
        "2015-02-12T09:51:43.123+0100",
        "2015-02-12T09:51:43.127+0100",
    )
    + ","
    + _report(
        "08fe4407-c48f-4d4b-a2f4-9ff583c985b8",
        "12db39c3-7822-4e72-a3ec-c87442c0ffc5",
        "2015-02-12T09:50:22.221+0100",
        "2015-02-12T09:50:22.232+0100",
    )
    + "]}"
)

REPORTS_EMPTY = """{
"results":[]
}"""

REPORT_BY_ID_REQUEST = """\
GET /sms/1/reports?messageId=ff4804ef-6ab6-4abd-984d-ab3b1387e852 HTTP/1.1
Host: api.mimsms.com
Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
Accept: application/json
"""

REPORT_BY_ID_RESPONSE = (
    '{"results":['
    + _report(
        "8c20f086-d82b-48cc-b2b3-3ca5f7aca9fb",
        "ff4804ef-6ab6-4abd-984d-ab3b1387e852",
        "2015-02-12T09:58:20.323+0100",
        "2015-02-12T09:58:20.337+0100",
    )
    + "]}"
)

LOGS_REQUEST = """\
GET /sms/1/logs HTTP/1.1
Host: api.mimsms.com
Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
Accept: application/json
"""

_LOG_EXTRA = """
"from":"YourName",
"text":"Test SMS.","""


def _log(bulk: str, message: str, sent: str, done: str) -> str:
    entry = _report(bulk, message, sent, done, _LOG_EXTRA)
    return entry.replace('"smsCount":1,', '"smsCount":1,\n"mccmnc":"22801",')


LOGS_RESPONSE = (
    '{"results":['
    + _log(
        "bafdeb3d-719b-4cce-8762-54d47b40f3c5",
        "07e03aae-fabc-44ad-b1ce-222e14094d70",
        "2015-02-23T17:41:11.833+0100",
        "2015-02-23T17:41:11.843+0100",
    )
    + ","
    + _log(
        "06479ba3-5977-47f6-9346-fee0369bc76b",
        "1f21d8d7-f306-4f53-9f6e-eddfce9849ea",
        "2015-02-23T17:40:31.773+0100",
        "2015-02-23T17:40:31.787+0100",
    )
    + "]}"
)

LOGS_FILTERED_REQUEST = """\
GET /sms/1/logs?from=YourName&to=88017xxxxxxxx&limit=1 HTTP/1.1
Host: api.mimsms.com
Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==
Accept: application/json
"""

LOGS_FILTERED_RESPONSE = """{
"results":[
      {
"bulkId":"82d1d36e-e4fb-4194-8b93-caeb053bd327",
"messageId":"fc0cbfb8-7a72-40da-a76d-e2c2d9400835",
"to":"88017xxxxxxxx",
"from":"YourName",
"text":"Test SMS.",
"sentAt":"2015-02-23T17:42:05.390+0100",
"doneAt":"2015-02-23T17:42:05.390+0100",
"smsCount":1,
"mccmnc":"22801",
 "price":{
"pricePerMessage":0,
"currency":"EUR"
         },
"status":{
"groupId":5,
"groupName":"REJECTED",
"id":6,
"name":"REJECTED_NETWORK",
"description":"Network is forbidden",
"action":"Contact account manager"
         },
"error":{
"groupId":0,
"groupName":"OK",
"id":0,
"name":"NO_ERROR",
"description":"No Error",
"permanent":false
         }
      }
   ]
}"""


# -- replaying ------------------------------------------------------------------------------------
def replay(smsmock: SmsMock, example: str) -> tuple[int, str, Any]:
    """Send a request as the document prints it; returns (status, content type, JSON body)."""
    head, _, body = example.replace("88017xxxxxxxx", NUMBER).partition("\n\n")
    request_line, *header_lines = head.splitlines()
    method, target, _version = request_line.split(" ")
    headers = dict(line.split(": ", 1) for line in header_lines if line.strip())
    url = urlsplit(smsmock.mimsms.url)
    headers["Host"] = url.netloc
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=5)
    try:
        connection.request(method, target, body=body.encode() or None, headers=headers)
        response = connection.getresponse()
        payload = response.read()
    finally:
        connection.close()
    return response.status, response.getheader("Content-Type") or "", json.loads(payload)


def documented(text: str) -> Any:
    return json.loads(text.replace("88017xxxxxxxx", NUMBER))


def assert_shape(actual: Any, expected: Any, path: str = "$") -> None:
    """Same keys at every level, same JSON types, ids and dates in the documented formats."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict), f"{path}: {actual!r} is not an object"
        assert set(actual) == set(expected), (
            f"{path}: keys {sorted(actual)} but the document has {sorted(expected)}"
        )
        for key, value in expected.items():
            assert_shape(actual[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list), f"{path}: {actual!r} is not an array"
        assert len(actual) == len(expected), f"{path}: {len(actual)} items, documented {expected}"
        for index, (item, model) in enumerate(zip(actual, expected, strict=True)):
            assert_shape(item, model, f"{path}[{index}]")
    elif isinstance(expected, bool):
        assert isinstance(actual, bool), f"{path}: {actual!r} is not a boolean"
    elif isinstance(expected, int | float):
        assert isinstance(actual, int | float) and not isinstance(actual, bool), (
            f"{path}: {actual!r} is not a number"
        )
    else:
        assert isinstance(actual, str), f"{path}: {actual!r} is not a string"
        if TIME.fullmatch(expected):
            assert TIME.fullmatch(actual), f"{path}: {actual!r} is not like {expected!r}"
        if UUID.fullmatch(expected):
            assert UUID.fullmatch(actual), f"{path}: {actual!r} is not a UUID"


@pytest.fixture
def mimsms(smsmock: SmsMock) -> SmsMock:
    smsmock.mimsms.rest.utc_offset = timedelta(hours=1)  # the document's +0100
    return smsmock


def send_documented(smsmock: SmsMock, text: str = "My first “ ” SMS") -> str:
    example = SEND_REQUEST.replace("My first “ ” SMS", text)
    status, _, body = replay(smsmock, example)
    assert status == 200
    message_id: str = body["messages"][0]["messageId"]
    return message_id


# -- the examples ---------------------------------------------------------------------------------
def test_the_basic_authorization_example() -> None:
    assert base64.b64encode(b"Aladdin:open sesame").decode() == "QWxhZGRpbjpvcGVuIHNlc2FtZQ=="


def test_send_sms(mimsms: SmsMock) -> None:
    status, content_type, body = replay(mimsms, SEND_REQUEST)
    assert (status, content_type) == (200, "application/json")
    expected = documented(SEND_RESPONSE)
    assert_shape(body, expected)
    assert body["messages"][0]["status"] == expected["messages"][0]["status"]
    assert body["messages"][0]["to"] == NUMBER
    assert mimsms.mimsms.messages.one(to=NUMBER).text == "My first “ ” SMS"


def test_getting_delivery_reports_then_the_empty_repeat(mimsms: SmsMock) -> None:
    send_documented(mimsms)
    mimsms.clock.advance("1s")
    send_documented(mimsms)
    mimsms.clock.advance("5s")
    status, content_type, body = replay(mimsms, REPORTS_REQUEST)
    assert (status, content_type) == (200, "application/json")
    expected = documented(REPORTS_RESPONSE)
    assert_shape(body, expected)
    for report in body["results"]:
        assert report["status"] == expected["results"][0]["status"]
        assert report["error"] == expected["results"][0]["error"]
        assert report["price"] == expected["results"][0]["price"]
    assert replay(mimsms, REPORTS_REQUEST)[2] == documented(REPORTS_EMPTY)


def test_getting_the_report_of_one_message(
    mimsms: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = mimsms.mimsms
    real_ids = fake.ids

    class DocumentedId:
        def uuid(self) -> str:
            return "ff4804ef-6ab6-4abd-984d-ab3b1387e852"

    send_documented(mimsms)
    monkeypatch.setattr(
        fake, "ids", lambda kind: DocumentedId() if kind == "message" else real_ids(kind)
    )
    send_documented(mimsms)
    mimsms.clock.advance("5s")
    status, _, body = replay(mimsms, REPORT_BY_ID_REQUEST)
    assert status == 200
    expected = documented(REPORT_BY_ID_RESPONSE)
    assert_shape(body, expected)
    assert body["results"][0]["messageId"] == "ff4804ef-6ab6-4abd-984d-ab3b1387e852"
    assert body["results"][0]["status"] == expected["results"][0]["status"]
    assert len(replay(mimsms, REPORTS_REQUEST)[2]["results"]) == 1  # the other one is unread


@pytest.mark.parametrize("legacy", [True, False], ids=["mccmnc-as-documented", "mccMnc"])
def test_getting_sms_logs(mimsms: SmsMock, legacy: bool) -> None:
    mimsms.mimsms.add_account("Aladdin", "open sesame", legacy_mccmnc=legacy)
    send_documented(mimsms, "Test SMS.")
    mimsms.clock.advance("40s")
    send_documented(mimsms, "Test SMS.")
    mimsms.mimsms.rest.networks[NUMBER[:5]] = "22801"  # the example's network
    mimsms.clock.advance("5s")
    for _ in range(2):  # logs can be requested as many times as you want
        status, _, body = replay(mimsms, LOGS_REQUEST)
        assert status == 200
        expected = documented(LOGS_RESPONSE)
        if not legacy:
            for entry in expected["results"]:
                entry["mccMnc"] = entry.pop("mccmnc")
        assert_shape(body, expected)
        assert body["results"][0]["sentAt"] > body["results"][1]["sentAt"]  # newest first
        assert {r["mccmnc" if legacy else "mccMnc"] for r in body["results"]} == {"22801"}
        assert {r["text"] for r in body["results"]} == {"Test SMS."}


def test_getting_sms_logs_with_filters(mimsms: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = mimsms.mimsms
    fake.add_account("Aladdin", "open sesame", legacy_mccmnc=True)
    fake.rest.networks[NUMBER[:5]] = "22801"
    send_documented(mimsms, "Test SMS.")
    rejected = (Transition(after=timedelta(0), status=Status.REJECTED),)
    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(plan=rejected))
    mimsms.clock.advance("1m")
    send_documented(mimsms, "Test SMS.")
    mimsms.clock.advance("1s")
    status, _, body = replay(mimsms, LOGS_FILTERED_REQUEST)
    assert status == 200
    expected = documented(LOGS_FILTERED_RESPONSE)
    assert_shape(body, expected)
    [entry] = body["results"]
    assert entry["status"] == expected["results"][0]["status"]
    assert entry["error"] == expected["results"][0]["error"]
    assert entry["price"] == expected["results"][0]["price"]
    assert (entry["from"], entry["to"]) == ("YourName", NUMBER)
