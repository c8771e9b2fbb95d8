"""The SMSC.ru fake through real HTTP clients (requests, httpx) on the `smsmock` fixture."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import Any

import httpx
import pytest
import requests
from lxml import etree
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock

PHONE = "79991234567"
AUTH = {"login": "test", "psw": "test", "charset": "utf-8"}


def get(smsmock: SmsMock, endpoint: str, **params: Any) -> requests.Response:
    response = requests.get(f"{smsmock.smsc.url}/sys/{endpoint}.php", params=params, timeout=5)
    assert response.status_code == 200
    return response


def j(smsmock: SmsMock, endpoint: str, **params: Any) -> Any:
    return get(smsmock, endpoint, **{"fmt": 3, **AUTH, **params}).json()


def send(smsmock: SmsMock, **params: Any) -> Any:
    return j(smsmock, "send", **{"phones": PHONE, "mes": "Hello", **params})


def status(smsmock: SmsMock, smsc_id: int, phone: str = PHONE, **params: Any) -> Any:
    return j(smsmock, "status", id=smsc_id, phone=phone, **params)


# -- send: formats and cost ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "cost", "expected"),
    [
        (0, 0, "OK - 1 SMS, ID - 1"),
        (0, 2, "OK - 1 SMS, ID - 1, COST - 3.5"),
        (0, 3, "OK - 1 SMS, ID - 1, COST - 3.5, BALANCE - 996.5"),
        (1, 0, "1,1"),
        (1, 3, "1,1,3.5,996.5"),
        (3, 2, '{"id": 1, "cnt": 1, "cost": "3.5"}'),
    ],
)
def test_send_answers_in_each_format(smsmock: SmsMock, fmt: int, cost: int, expected: str) -> None:
    response = get(smsmock, "send", phones=PHONE, mes="Hello", fmt=fmt, cost=cost, **AUTH)
    assert response.text == expected
    assert smsmock.smsc.messages.one(to=PHONE).text == "Hello"


def test_send_xml_answer(smsmock: SmsMock) -> None:
    text = get(smsmock, "send", phones=PHONE, mes="Hi", fmt=2, cost=3, **AUTH).text
    tree = etree.fromstring(text.encode())
    assert [el.tag for el in tree] == ["id", "cnt", "cost", "balance"]
    assert (
        get(smsmock, "send", phones=PHONE, mes="x", fmt=2, **AUTH)
        .headers["Content-Type"]
        .startswith("text/xml")
    )


def test_cost_1_prices_without_sending(smsmock: SmsMock) -> None:
    assert send(smsmock, cost=1, phones=f"{PHONE},79991234568") == {"cost": "7", "cnt": 2}
    assert len(smsmock.smsc.messages) == 0
    assert j(smsmock, "balance") == {"balance": "1000.00"}


def test_multiple_phones_share_one_id_and_are_billed_per_part(smsmock: SmsMock) -> None:
    text = "x" * 161  # two parts
    answer = send(smsmock, phones=f"{PHONE};79991234568", mes=text, cost=3)
    assert answer == {"id": 1, "cnt": 4, "cost": "14", "balance": "986"}
    assert sorted(m.message_id for m in smsmock.smsc.messages) == [
        "1-79991234567",
        "1-79991234568",
    ]
    assert j(smsmock, "balance", cur=1) == {"balance": "986.00", "currency": "RUR"}


def test_client_id_and_reuse(smsmock: SmsMock) -> None:
    assert send(smsmock, id=555)["id"] == 555
    assert send(smsmock, id=555, mes="second")["id"] == 555
    ids = [m.message_id for m in smsmock.smsc.messages]
    assert ids == ["555-79991234567", "555-79991234567-2"]
    assert smsmock.smsc.message(555, PHONE).text == "second"  # type: ignore[union-attr]


def test_cyrillic_is_ucs2_and_translit_makes_it_gsm(smsmock: SmsMock) -> None:
    cyr = "Привет" * 12  # 72 characters
    assert send(smsmock, mes=cyr)["cnt"] == 2
    assert send(smsmock, mes=cyr, translit=1, phones="79991234568")["cnt"] == 1
    assert smsmock.smsc.messages.last.text.startswith("PrivetPrivet")
    send(smsmock, mes="привет", translit=2, phones="79991234569")
    assert smsmock.smsc.messages.last.text == "npuBeT"


@pytest.mark.parametrize("charset", ["utf-8", "windows-1251", "koi8-r"])
def test_charset_decodes_the_request_and_encodes_the_answer(smsmock: SmsMock, charset: str) -> None:
    codec = {"utf-8": "utf-8", "windows-1251": "cp1251", "koi8-r": "koi8_r"}[charset]
    body = f"login=test&psw=test&phones={PHONE}&fmt=3&charset={charset}&mes=".encode()
    body += requests.utils.quote("Привет", encoding=codec).encode()
    response = requests.post(
        f"{smsmock.smsc.url}/sys/send.php",
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert response.headers["Content-Type"] == f"application/json; charset={charset}"
    assert smsmock.smsc.messages.last.text == "Привет"
    answer = get(
        smsmock,
        "status",
        login="test",
        psw="test",
        id=1,
        phone=PHONE,
        fmt=3,
        all=1,
        charset=charset,
    )
    assert answer.content.decode(codec).count("Привет") == 1


def test_default_charset_is_windows_1251(smsmock: SmsMock) -> None:
    # A UTF-8 client that forgets `charset` sees its text read as windows-1251, as on SMSC.
    get(smsmock, "send", login="test", psw="test", phones=PHONE, mes="Привет")
    assert smsmock.smsc.messages.last.text == "Привет".encode().decode("cp1251")


def test_flash_binary_ping_and_hlr(smsmock: SmsMock) -> None:
    send(smsmock, flash=1, id=1)
    send(smsmock, bin=2, mes="0605040B8423F0", id=2)
    send(smsmock, bin=1, mes="raw", id=3)
    send(smsmock, ping=1, mes="", id=4)
    send(smsmock, hlr=1, mes="", id=5)
    smsmock.clock.advance("10s")
    flags = {i: status(smsmock, i, all=1) for i in range(1, 6)}
    assert [flags[i]["flag"] for i in range(1, 6)] == [1, 2, 2, 5, 4]
    assert smsmock.smsc.message(2, PHONE).binary == bytes.fromhex("0605040B8423F0")  # type: ignore[union-attr]
    assert smsmock.smsc.messages.filter(to=PHONE)[0].flash is True
    hlr = flags[5]
    assert hlr["sender_id"] == "HLR" and hlr["type"] == 4 and hlr["imsi"].startswith("250")
    assert j(smsmock, "balance") == {"balance": "988.50"}  # 3 x 3.5 + 0.5 + 0.5


def test_sender_and_registered_senders(smsmock: SmsMock) -> None:
    send(smsmock, sender="Shop")
    assert smsmock.smsc.messages.last.sender == "Shop"
    send(smsmock, sender=".", phones="79991234568")
    assert smsmock.smsc.messages.last.sender == ""
    smsmock.smsc.add_account("reg", "pw", senders=["Shop"])
    refused = j(smsmock, "send", login="reg", psw="pw", phones=PHONE, mes="x", sender="Other")
    assert refused["error_code"] == 6 and "id" in refused


def test_maxsms_cuts_long_text(smsmock: SmsMock) -> None:
    assert send(smsmock, mes="y" * 400, maxsms=2)["cnt"] == 2
    assert len(smsmock.smsc.messages.last.text) == 306


def test_time_schedules_and_valid_expires(smsmock: SmsMock) -> None:
    send(smsmock, time="+10", id=1)
    send(smsmock, time="+10", id=2, valid="00:01", phones="79991234568")
    assert status(smsmock, 1)["status"] == -1
    smsmock.clock.advance("10m5s")
    assert status(smsmock, 1)["status"] == 1
    smsmock.clock.advance("1m")
    assert status(smsmock, 2, phone="79991234568")["status"] == 1
    smsmock.smsc.add_account("slow", "pw")
    send(smsmock, login="slow", psw="pw", id=3, valid="00:01")
    assert smsmock.smsc.messages.last.expires_at is not None


def test_op_and_err_lists(smsmock: SmsMock) -> None:
    answer = send(smsmock, phones=f"{PHONE},bad", op=1)
    assert answer["phones"][0] == {"phone": PHONE, "mccmnc": "25002", "cost": "3.5"}
    assert answer["phones"][1]["status"] == "22"
    assert send(smsmock, phones="79991234568,bad", err=1)["phones"] == [
        {"phone": "bad", "mccmnc": "0", "cost": "0", "status": "22", "error": "249"}
    ]


# -- auth -------------------------------------------------------------------------------------
def test_md5_password_and_apikey(smsmock: SmsMock) -> None:
    md5 = hashlib.md5(b"test").hexdigest()
    assert get(smsmock, "balance", login="test", psw=md5).text == "1000.00"
    assert get(smsmock, "balance", login="test", psw=md5.upper()).text.startswith("ERROR = 2")
    smsmock.smsc.add_account("keyed", "pw", api_key="K123")
    assert get(smsmock, "balance", apikey="K123", fmt=1).text == "1000.00"
    assert get(smsmock, "balance", apikey="nope", fmt=1).text == "0,-2"


# -- every error code ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "code", "with_id"),
    [
        ({"phones": ""}, 1, False),
        ({"mes": ""}, 1, False),
        ({"cost": "7"}, 1, False),
        ({"id": "abc"}, 1, False),
        ({"psw": "wrong"}, 2, False),
        ({"mes": "x" * 1001}, 1, False),
        ({"time": "32.13.25 99:99"}, 5, False),
        ({"phones": "12"}, 7, True),
    ],
)
def test_send_errors(smsmock: SmsMock, params: dict[str, str], code: int, with_id: bool) -> None:
    answer = send(smsmock, **params)
    assert answer["error_code"] == code
    assert ("id" in answer) is with_id


def test_error_3_no_money(smsmock: SmsMock) -> None:
    smsmock.smsc.add_account("poor", "pw", balance="1")
    answer = j(smsmock, "send", login="poor", psw="pw", phones=PHONE, mes="x", id=9)
    assert answer == {"error": "no money", "error_code": 3, "id": 9}
    assert (
        get(smsmock, "send", login="poor", psw="pw", phones=PHONE, mes="y", id=9, fmt=0).text
        == "ERROR = 3 (no money), ID - 9"
    )


def test_error_6_denied_words_and_8_undeliverable(smsmock: SmsMock) -> None:
    smsmock.smsc.add_account("acc", "pw", denied_words=["casino"], undeliverable=["7000"])
    base = {"login": "acc", "psw": "pw"}
    assert j(smsmock, "send", **base, phones=PHONE, mes="Big CASINO")["error_code"] == 6
    assert j(smsmock, "send", **base, phones="70001234567", mes="x")["error_code"] == 8
    answer = j(smsmock, "send", **base, phones=f"70001234567,{PHONE}", mes="x", err=1)
    assert answer["cnt"] == 1 and answer["phones"][0]["status"] == "20"


def test_error_9_identical_send_within_a_minute(smsmock: SmsMock) -> None:
    assert send(smsmock)["id"] == 1
    assert send(smsmock) == {"error": "duplicate request, wait a minute", "error_code": 9}
    smsmock.clock.advance("60s")
    assert send(smsmock)["id"] == 2


def test_error_9_repeated_cost_requests(smsmock: SmsMock) -> None:
    codes = [send(smsmock, cost=1).get("error_code") for _ in range(6)]
    assert codes == [None] * 5 + [9]


def test_error_9_status_of_one_message_more_than_5_times(smsmock: SmsMock) -> None:
    send(smsmock)
    answers = [status(smsmock, 1) for _ in range(6)]
    assert [a.get("error_code") for a in answers] == [None] * 5 + [9]
    assert status(smsmock, 1, phone="79991234568")["status"] == -3  # another message
    smsmock.clock.advance("1m")
    assert status(smsmock, 1)["status"] == 1


def test_error_9_counts_within_a_minute_across_the_clock_minute(smsmock: SmsMock) -> None:
    send(smsmock)
    smsmock.clock.advance("50s")  # 03:00:50 Moscow
    assert [status(smsmock, 1).get("error_code") for _ in range(5)] == [None] * 5
    smsmock.clock.advance("15s")  # 03:01:05: a new clock minute, but 15 s after the others
    assert status(smsmock, 1)["error_code"] == 9
    smsmock.clock.advance("45s")  # 60 s after the first five
    assert status(smsmock, 1)["status"] == 1


def test_error_9_more_than_one_mass_status_request(smsmock: SmsMock) -> None:
    send(smsmock)
    first = status(smsmock, "1,2", phone=f"{PHONE},{PHONE}")  # type: ignore[arg-type]
    assert isinstance(first, list) and first[0]["id"] == 1
    assert status(smsmock, "1,2", phone=f"{PHONE},{PHONE}")["error_code"] == 9  # type: ignore[arg-type]
    smsmock.clock.advance("1m")
    assert len(status(smsmock, "1,2", phone=f"{PHONE},{PHONE}")) == 2  # type: ignore[arg-type]


def test_one_id_in_list_layout_counts_per_message_not_as_a_mass_request(
    smsmock: SmsMock,
) -> None:
    # The PyPI `smsc` client always asks `id=1,&phone=7999...,` (one message, list layout):
    # the per-message limit (5 a minute) applies, not the mass one (1 a minute).
    send(smsmock)
    answers = [status(smsmock, "1,", phone=f"{PHONE},") for _ in range(6)]  # type: ignore[arg-type]
    assert [isinstance(a, list) and a[0]["id"] == 1 for a in answers[:5]] == [True] * 5
    assert answers[5]["error_code"] == 9
    # ... and it left the mass allowance of the minute untouched.
    assert len(status(smsmock, "1,2", phone=f"{PHONE},{PHONE}")) == 2  # type: ignore[arg-type]


def test_error_9_five_concurrent_requests(
    smsmock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = smsmock.smsc
    inside = threading.Barrier(5)
    release = threading.Event()
    original = fake._status

    def blocking(ctx: Any) -> str:
        inside.wait(timeout=5)
        release.wait(timeout=5)
        return original(ctx)

    send(smsmock)
    monkeypatch.setattr(fake, "_status", blocking)
    with httpx.Client(base_url=fake.url, timeout=5) as client:
        results: list[httpx.Response] = []

        def ask(phone: str) -> None:
            results.append(
                client.get("/sys/status.php", params={**AUTH, "fmt": 3, "id": 1, "phone": phone})
            )

        threads = [threading.Thread(target=ask, args=(f"7999123456{i}",)) for i in range(4)]
        for thread in threads:
            thread.start()
        inside.wait(timeout=5)
        refused = client.get("/sys/balance.php", params={**AUTH, "fmt": 3})
        release.set()
        for thread in threads:
            thread.join(timeout=5)
    assert refused.json()["error_code"] == 9
    assert sorted(r.json()["status"] for r in results) == [-3, -3, -3, -3]


def test_error_4_after_frequent_errors(smsmock: SmsMock) -> None:
    for _ in range(16):
        get(smsmock, "balance", login="test", psw="bad")
    assert get(smsmock, "balance", **AUTH).text == "ERROR = 4 (IP is blocked)"
    smsmock.clock.advance("10m")
    assert get(smsmock, "balance", **AUTH).text == "1000.00"


# -- status ---------------------------------------------------------------------------------
def test_status_codes_over_the_messages_life(smsmock: SmsMock) -> None:
    send(smsmock)
    seen = [status(smsmock, 1)["status"]]
    for step in ("1s", "4s"):
        smsmock.clock.advance(step)
        seen.append(status(smsmock, 1)["status"])
    assert seen == [-1, 0, 1]
    last = status(smsmock, 1, all=1)
    assert last["last_date"] == "01.01.2025 03:00:05"
    assert last["send_date"] == "01.01.2025 03:00:00"
    assert last["status_name"] == "Delivered"


def test_status_del_1_deletes_then_answers_minus_3(smsmock: SmsMock) -> None:
    send(smsmock)
    assert status(smsmock, 1, **{"del": 1}) == {"result": "OK"}
    assert status(smsmock, 1)["status"] == -3
    assert status(smsmock, 1, **{"del": 1})["error_code"] == 5
    assert smsmock.smsc.messages.last.status == "deleted"


def test_status_fmt_1_of_unknown_message(smsmock: SmsMock) -> None:
    text = get(smsmock, "status", login="test", psw="test", id=77, phone=PHONE, fmt=1).text
    assert text == "-3,0,0"


def test_status_archived_after_retention(smsmock: SmsMock) -> None:
    send(smsmock)
    smsmock.clock.advance(smsmock.smsc.archive_after + smsmock.smsc.archive_after / 100)
    assert status(smsmock, 1)["status"] == -3


def test_status_bad_parameters(smsmock: SmsMock) -> None:
    assert status(smsmock, "x")["error_code"] == 1  # type: ignore[arg-type]
    assert status(smsmock, "1,2", phone=PHONE)["error_code"] == 1  # type: ignore[arg-type]
    assert j(smsmock, "status", id=1)["error_code"] == 1


def test_unknown_path_is_404(smsmock: SmsMock) -> None:
    assert requests.get(f"{smsmock.smsc.url}/sys/nothing.php", timeout=5).status_code == 404


# -- DLR push through a real HTTP server ------------------------------------------------------
def test_dlr_callback_posts_id_status_err(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    received: list[dict[str, str]] = []

    def handler(request: Request) -> Response:
        received.append(dict(request.form))
        return Response("OK")

    httpserver.expect_request("/dlr", method="POST").respond_with_handler(handler)
    smsmock.smsc.add_account("cb", "pw", dlr_url=httpserver.url_for("/dlr"))
    answer = j(smsmock, "send", login="cb", psw="pw", phones=PHONE, mes="x")
    smsmock.clock.advance("5s")
    assert [(r["id"], r["phone"], r["status"], r["err"]) for r in received] == [
        (str(answer["id"]), PHONE, "0", "0"),
        (str(answer["id"]), PHONE, "1", "0"),
    ]


def test_post_form_and_fmt_2_status_list(smsmock: SmsMock) -> None:
    response = requests.post(
        f"{smsmock.smsc.url}/sys/send.php",
        data={**AUTH, "phones": f"{PHONE},79991234568", "mes": "<&>", "fmt": 2},
        timeout=5,
    )
    assert etree.fromstring(response.content).findtext("cnt") == "2"
    smsmock.clock.advance("5s")
    text = get(smsmock, "status", **AUTH, id="1,1", phone=f"{PHONE},79991234568", fmt=2, all=1).text
    tree = etree.fromstring(text.encode())
    assert tree.tag == "list" and [el.findtext("message") for el in tree] == ["<&>", "<&>"]
    assert json.loads(json.dumps([el.findtext("id") for el in tree])) == ["1", "1"]
