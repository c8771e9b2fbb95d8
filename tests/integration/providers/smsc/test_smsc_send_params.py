"""SMSC.ru send.php through requests: mixed valid/invalid phones, push=1, list=, other channels,
allowed addresses."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

PHONE = "79991234567"
AUTH: dict[str, Any] = {"login": "test", "psw": "test", "charset": "utf-8"}
# The binary WAP-push example of public SMSC clients: a link to wap.ru titled "wap.ru".
WAP_RU = "0605040B8423F0DC0601AE02056A0045C60C037761702E72752F0001037761702E7275000101"


def get(smsmock: SmsMock, endpoint: str, **params: Any) -> requests.Response:
    response = requests.get(f"{smsmock.smsc.url}/sys/{endpoint}.php", params=params, timeout=5)
    assert response.status_code == 200
    return response


def j(smsmock: SmsMock, endpoint: str, **params: Any) -> Any:
    return get(smsmock, endpoint, **{"fmt": 3, **AUTH, **params}).json()


def send(smsmock: SmsMock, **params: Any) -> Any:
    return j(smsmock, "send", **{"phones": PHONE, "mes": "Hello", **params})


def status(smsmock: SmsMock, smsc_id: int | str, phone: str = PHONE, **params: Any) -> Any:
    smsmock.smsc.limits.clear()
    return j(smsmock, "status", id=smsc_id, phone=phone, **params)


# -- invalid phones in a list ------------------------------------------------------------------
def test_invalid_phones_are_refused_alone_and_answer_status_22(smsmock: SmsMock) -> None:
    answer = send(smsmock, phones=f"{PHONE},abc;12", err=1, cost=3, id=40)
    assert answer == {
        "id": 40,
        "cnt": 1,
        "cost": "3.5",
        "balance": "996.5",
        "phones": [
            {"phone": "abc", "mccmnc": "0", "cost": "0", "status": "22", "error": "249"},
            {"phone": "12", "mccmnc": "0", "cost": "0", "status": "22", "error": "249"},
        ],
    }
    for bad in ("abc", "12"):
        refused = status(smsmock, 40, bad, all=1)
        assert (refused["status"], refused["err"]) == (22, 249)
        assert (refused["status_name"], refused["cost"], refused["phone"]) == (
            "Invalid number",
            "0",
            bad,
        )
    assert status(smsmock, 40)["status"] == -1  # the valid phone is on its way
    smsmock.clock.advance("5s")
    assert status(smsmock, 40)["status"] == 1
    assert status(smsmock, 40, "abc")["status"] == 22  # final, it stays


def test_invalid_phone_in_a_multiple_status_request(smsmock: SmsMock) -> None:
    send(smsmock, phones=f"{PHONE},abc", id=41)
    text = get(
        smsmock, "status", **AUTH, id="41,41,", phone=f"{PHONE},abc,", fmt=1
    ).text.splitlines()
    sent = "1735689600"  # 01.01.2025 03:00:00 Moscow time, when the send was refused
    assert text == [f"-1,{sent},0,41,{PHONE}", f"22,{sent},249,41,abc"]


def test_op_lists_every_phone_with_its_fate(smsmock: SmsMock) -> None:
    smsmock.smsc.add_account("acc", "pw", undeliverable=["7000"])
    answer = j(
        smsmock, "send", login="acc", psw="pw", phones=f"{PHONE},70001234567,x1", mes="hi", op=1
    )
    assert answer["phones"] == [
        {"phone": PHONE, "mccmnc": "25002", "cost": "3.5"},
        {"phone": "70001234567", "mccmnc": "25001", "cost": "0", "status": "20", "error": "0"},
        {"phone": "x1", "mccmnc": "0", "cost": "0", "status": "22", "error": "249"},
    ]
    assert status(smsmock, answer["id"], "70001234567", login="acc", psw="pw")["status"] == 20


def test_refused_phones_get_their_dlr_on_the_clock(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    received: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        received.append(dict(request.form))
        return Response("OK")

    httpserver.expect_request("/dlr", method="POST").respond_with_handler(handler)
    smsmock.smsc.add_account("cb", "pw", dlr_url=httpserver.url_for("/dlr"))
    send(smsmock, login="cb", psw="pw", phones=f"{PHONE},bad", id=42)
    assert received == []  # not from inside the send request
    smsmock.clock.advance(0)
    assert [(r["phone"], r["status"], r["err"]) for r in received] == [("bad", "22", "249")]
    smsmock.clock.advance("5s")
    assert [(r["phone"], r["status"]) for r in received[1:]] == [(PHONE, "0"), (PHONE, "1")]


def test_only_invalid_phones_is_error_7(smsmock: SmsMock) -> None:
    assert send(smsmock, phones="abc,12", id=43) == {
        "error": "invalid number",
        "error_code": 7,
        "id": 43,
    }
    assert status(smsmock, 43, "abc")["status"] == -3  # nothing was sent
    assert j(smsmock, "balance") == {"balance": "1000.00"}


# -- push=1 -------------------------------------------------------------------------------------
def test_wap_push_sends_a_service_indication(smsmock: SmsMock) -> None:
    assert send(smsmock, push=1, mes="http://wap.ru/\nwap.ru", id=50, cost=2) == {
        "id": 50,
        "cnt": 1,
        "cost": "3.5",
    }
    message = smsmock.smsc.message(50, PHONE)
    assert message is not None and message.binary == bytes.fromhex(WAP_RU)
    assert message.encoding == "binary"
    smsmock.clock.advance("5s")
    answer = status(smsmock, 50, all=1)
    assert (answer["status"], answer["flag"], answer["type"]) == (1, 3, 3)
    assert answer["message"] == "http://wap.ru/\nwap.ru"


def test_wap_push_over_post_with_https_link(smsmock: SmsMock) -> None:
    response = requests.post(
        f"{smsmock.smsc.url}/sys/send.php",
        data={
            **AUTH,
            "phones": PHONE,
            "push": 1,
            "mes": "https://www.example.com/a\nПривет",
            "fmt": 2,
        },
        timeout=5,
    )
    assert etree.fromstring(response.content).findtext("cnt") == "1"
    data = smsmock.smsc.messages.last.binary
    assert data is not None
    assert bytes([0xC6, 0x0F, 0x03]) + b"example.com/a\x00" in data
    assert "Привет".encode() in data


def test_wap_push_needs_a_link(smsmock: SmsMock) -> None:
    assert send(smsmock, push=1, mes="")["error_code"] == 1
    assert send(smsmock, push=2)["error_code"] == 1


# -- list= --------------------------------------------------------------------------------------
def test_list_sends_a_text_per_line_under_one_id(smsmock: SmsMock) -> None:
    lines = f"{PHONE}:Hello\n79991234568;79991234569:Code: 42\\nBye\n"
    answer = j(smsmock, "send", list=lines, id=60, cost=3)
    assert answer == {"id": 60, "cnt": 3, "cost": "10.5", "balance": "989.5"}
    texts = {m.to: m.text for m in smsmock.smsc.messages}
    assert texts == {
        PHONE: "Hello",
        "79991234568": "Code: 42\nBye",
        "79991234569": "Code: 42\nBye",
    }
    smsmock.clock.advance("5s")
    listed = status(smsmock, "60,60,", phone=f"{PHONE},79991234568,", all=1)
    assert [(a["message"], a["id"]) for a in listed] == [("Hello", 60), ("Code: 42\nBye", 60)]


def test_list_bills_each_line_by_its_own_parts(smsmock: SmsMock) -> None:
    lines = f"{PHONE}:{'x' * 161}\r\n79991234568:Привет"
    assert j(smsmock, "send", list=lines, cost=1) == {"cost": "10.5", "cnt": 3}
    assert len(smsmock.smsc.messages) == 0


def test_list_with_invalid_phones_and_op(smsmock: SmsMock) -> None:
    answer = j(smsmock, "send", list=f"{PHONE}:a\nbad:b", op=1, id=61)
    assert answer["cnt"] == 1
    assert [p["phone"] for p in answer["phones"]] == [PHONE, "bad"]
    assert status(smsmock, 61, "bad", all=1)["message"] == "b"


@pytest.mark.parametrize(
    "lines", ["no colon here", ":orphan text", f"{PHONE}:", "   \n  "], ids=repr
)
def test_bad_list_is_error_1(smsmock: SmsMock, lines: str) -> None:
    answer = j(smsmock, "send", list=lines)
    assert answer["error_code"] == 1


def test_list_is_an_identical_send_too(smsmock: SmsMock) -> None:
    lines = f"{PHONE}:a\n79991234568:b"
    assert j(smsmock, "send", list=lines)["cnt"] == 2
    assert j(smsmock, "send", list=lines)["error_code"] == 9
    assert j(smsmock, "send", list=f"{PHONE}:a\n79991234568:c")["cnt"] == 2


# -- other channels and allowed addresses ------------------------------------------------------
@pytest.mark.parametrize("channel", ["viber", "mms", "mail", "call", "soc"])
def test_channels_that_are_not_sms_are_refused(smsmock: SmsMock, channel: str) -> None:
    assert send(smsmock, **{channel: 1}) == {"error": "parameters error", "error_code": 1}
    assert len(smsmock.smsc.messages) == 0
    assert send(smsmock, **{channel: 0})["cnt"] == 1


def test_allowed_ips_refuse_sends_from_elsewhere(smsmock: SmsMock) -> None:
    smsmock.smsc.add_account("locked", "pw", allowed_ips=["10.1.2.3"])
    creds = {"login": "locked", "psw": "pw"}
    assert send(smsmock, **creds) == {"error": "authorise error", "error_code": 2}
    assert j(smsmock, "balance", **creds) == {"balance": "1000.00"}  # only sending is locked
    smsmock.smsc.add_account("open", "pw", allowed_ips=["127.0.0.1"])
    assert send(smsmock, login="open", psw="pw")["cnt"] == 1
    assert (
        get(smsmock, "send", **creds, phones=PHONE, mes="x", fmt=0).text
        == "ERROR = 2 (authorise error)"
    )
