"""Every provider, API and protocol pays through one locked check-and-debit: 64 senders racing
for an account that can pay for 10 messages get exactly 10 acceptances, and the balance never
goes below zero.

Each sender is a real client on its own thread (requests over loopback; python-smpplib for
SMPP), all released at once by a barrier; each sends one message to its own number, so no
duplicate or rate rule of a provider gets in the way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
import smpplib.client
import smpplib.consts
import smpplib.exceptions

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import ProviderFake

SENDERS = 64
CREDITS = 10
USER, PASSWORD = "race", "Race2024"


def _number(i: int, prefix: str) -> str:
    return f"{prefix}{i:06d}"


def infobip_json(url: str, i: int) -> bool:
    body = {
        "authentication": {"username": USER, "password": PASSWORD},
        "messages": [
            {"sender": "Shop", "text": "race", "recipients": [{"gsm": _number(i, "385981")}]}
        ],
    }
    answer = requests.post(url + "/api/v3/sendsms/json", json=body, timeout=30)
    return bool(answer.json()["results"][0]["status"] == "0")


def infobip_plain(url: str, i: int) -> bool:
    params = {
        "user": USER,
        "password": PASSWORD,
        "sender": "Shop",
        "SMSText": "race",
        "GSM": _number(i, "385981"),
    }
    answer = requests.get(url + "/api/v3/sendsms/plain", params=params, timeout=30)
    return b"<status>0</status>" in answer.content


def infobip_xml(url: str, i: int) -> bool:
    body = (
        f"<SMS><authentication><username>{USER}</username><password>{PASSWORD}</password>"
        "</authentication><message><sender>Shop</sender><text>race</text></message>"
        f"<recipients><gsm>{_number(i, '385981')}</gsm></recipients></SMS>"
    )
    answer = requests.post(url + "/api/v3/sendsms/xml", data={"XML": body}, timeout=30)
    return b"<status>0</status>" in answer.content


def mimsms_v1(url: str, i: int) -> bool:
    body = {"from": "Shop", "to": _number(i, "880171"), "text": "race"}
    answer = requests.post(url + "/sms/1/text/single", json=body, auth=(USER, PASSWORD), timeout=30)
    return bool(answer.json()["messages"][0]["status"]["name"] == "MESSAGE_ACCEPTED")


def mimsms_v3(url: str, i: int) -> bool:
    params = {
        "user": USER,
        "password": PASSWORD,
        "sender": "Shop",
        "SMSText": "race",
        "GSM": _number(i, "880171"),
    }
    answer = requests.get(url + "/api/v3/sendsms/plain", params=params, timeout=30)
    return b"<status>0</status>" in answer.content


def broadnet_websms(url: str, i: int) -> bool:
    params = {
        "user": USER,
        "pass": PASSWORD,
        "sid": "Shop",
        "mno": _number(i, "962791"),
        "type": "1",
        "text": "race",
    }
    answer = requests.post(url + "/websmpp/websms", data=params, timeout=30)
    return "Response:" in answer.text


def _campaign(i: int) -> dict[str, object]:
    return {
        "username": USER,
        "password": PASSWORD,
        "sender": "Shop",
        "type": "1",
        "text": "race",
        "gsm": [_number(i, "962791")],
    }


def broadnet_json(url: str, i: int) -> bool:
    answer = requests.post(url + "/websmpp/json/sms", json={"campaign": _campaign(i)}, timeout=30)
    return bool(answer.json().get("response", {}).get("status") == "000")


def broadnet_xml(url: str, i: int) -> bool:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><campaign format="1"><SMS>'
        f"<username>{USER}</username><password>{PASSWORD}</password><type>1</type>"
        "<sender>Shop</sender><text>race</text>"
        f"<recipients><gsm>{_number(i, '962791')}</gsm></recipients></SMS></campaign>"
    )
    answer = requests.post(url + "/websmpp/xmlsms", data=body, timeout=30)
    return b"<status>000</status>" in answer.content


def smsc_send(url: str, i: int) -> bool:
    params = {
        "login": USER,
        "psw": PASSWORD,
        "phones": _number(i, "799912"),
        "mes": f"race {i}",
        "fmt": "3",
    }
    answer = requests.get(url + "/sys/send.php", params=params, timeout=30)
    return "error" not in answer.json()


HTTP_CASES: dict[str, tuple[str, Callable[[str, int], bool]]] = {
    "infobip v3 json": ("infobip", infobip_json),
    "infobip v3 plain": ("infobip", infobip_plain),
    "infobip v3 xml": ("infobip", infobip_xml),
    "mimsms v1": ("mimsms", mimsms_v1),
    "mimsms v3": ("mimsms", mimsms_v3),
    "broadnet websms": ("broadnet", broadnet_websms),
    "broadnet json": ("broadnet", broadnet_json),
    "broadnet xml": ("broadnet", broadnet_xml),
    "smsc send.php": ("smsc", smsc_send),
}


def _race(send: Callable[[int], bool], senders: int = SENDERS) -> list[bool]:
    barrier = threading.Barrier(senders)

    def one(i: int) -> bool:
        barrier.wait(timeout=30)
        return send(i)

    with ThreadPoolExecutor(max_workers=senders) as pool:
        return list(pool.map(one, range(senders)))


def _account(fake: ProviderFake) -> None:
    fake.add_account(USER, PASSWORD, balance=str(CREDITS), price="1")


@pytest.mark.parametrize("case", sorted(HTTP_CASES))
def test_http_senders_racing_for_the_last_credits(smsmock: SmsMock, case: str) -> None:
    provider, send = HTTP_CASES[case]
    fake = smsmock.fakes[provider]
    _account(fake)
    if provider == "smsc":
        fake.max_concurrent = SENDERS  # type: ignore[attr-defined]  # the race, not error 9
    accepted = _race(lambda i: send(fake.url, i))
    stored = [m for m in fake.messages if m.account == USER]
    assert (sum(accepted), len(stored)) == (CREDITS, CREDITS)
    account = fake.accounts.get(USER)
    assert account is not None and account.balance == Decimal(0)


def _smpp_sender(address: tuple[str, int], system_id: str, password: str) -> smpplib.client.Client:
    client = smpplib.client.Client(*address, timeout=30, allow_unknown_opt_params=True)
    client.connect()
    client.bind_transmitter(system_id=system_id, password=password)
    return client


def _smpp_submit(client: smpplib.client.Client, lock: threading.Lock, to: str) -> bool:
    with lock:  # one request at a time per session: the window is not what is raced here
        pdu = client.send_message(
            source_addr_ton=smpplib.consts.SMPP_TON_INTL,
            source_addr="38591000000",
            dest_addr_ton=smpplib.consts.SMPP_TON_INTL,
            destination_addr=to,
            short_message=b"race",
        )
        try:
            answer = client.read_pdu()
        except smpplib.exceptions.PDUError as exc:
            return bool(exc.args[1] == 0) if len(exc.args) > 1 else False
    return bool(answer.sequence == pdu.sequence and answer.status == 0)


@pytest.mark.parametrize(("provider", "sessions"), [("infobip", 4), ("enhanced_smpp", 2)])
def test_smpp_senders_racing_with_http_for_the_last_credits(
    smsmock: SmsMock, provider: str, sessions: int
) -> None:
    """Over SMPP the listener's loop answers one submit at a time; the race that matters is
    with the HTTP API of the same account (Infobip) or between sessions (Enhanced SMPP)."""
    fake = smsmock.fakes[provider]
    _account(fake)
    clients = [_smpp_sender(fake.smpp_address, USER, PASSWORD) for _ in range(sessions)]
    locks = [threading.Lock() for _ in clients]
    http = provider == "infobip"
    try:

        def send(i: int) -> bool:
            if http and i % 2:
                return infobip_plain(fake.url, i)
            k = i % len(clients)
            return _smpp_submit(clients[k], locks[k], _number(i, "385982"))

        accepted = _race(send)
    finally:
        for client in clients:
            client.disconnect()
    stored = [m for m in fake.messages if m.account == USER]
    assert (sum(accepted), len(stored)) == (CREDITS, CREDITS)
    account = fake.accounts.get(USER)
    assert account is not None and account.balance == Decimal(0)
