"""Record through real clients, replay with the fakes' own logic out of the way: the client sees
byte-identical answers and the same pushes at the same virtual offsets, on every HTTP provider.
Recording and replay run on two receivers (two ports), as two tests would."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.recording import ReplayMismatch

SECRET = "s3cret-Pass"
KEY = "k3y-0123456789"

Pushes = list[tuple[timedelta, str, bytes]]


@pytest.fixture
def receivers() -> Iterator[list[HTTPServer]]:
    servers = [HTTPServer(host="127.0.0.1", port=0) for _ in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.clear()
        server.stop()


def listen(smsmock: SmsMock, server: HTTPServer, answer: str = "OK") -> Pushes:
    seen: Pushes = []
    start = smsmock.clock.now()

    def handler(request: Request) -> Response:
        seen.append((smsmock.clock.now() - start, request.path, request.get_data()))
        return Response(answer)

    server.expect_request("/dlr").respond_with_handler(handler)
    return seen


def infobip(smsmock: SmsMock, dlr: str) -> list[bytes]:
    smsmock.infobip.add_account("shop", SECRET, dlr_url=dlr)
    params = {
        "user": "shop",
        "password": SECRET,
        "sender": "F",
        "SMSText": "x",
        "GSM": "38598111111",
    }
    first = requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", params=params, timeout=5)
    auth = base64.b64encode(f"shop:{SECRET}".encode()).decode()
    second = httpx.post(
        smsmock.infobip.url + "/sms/2/text/advanced",
        headers={"Authorization": f"Basic {auth}"},
        json={"messages": [{"destinations": [{"to": "41793026727"}], "text": "y"}]},
    )
    return [first.content, second.content]


def mimsms(smsmock: SmsMock, dlr: str) -> list[bytes]:
    smsmock.mimsms.add_account("shop", SECRET, dlr_url=dlr)
    sent = requests.post(
        smsmock.mimsms.url + "/sms/1/text/single",
        json={"from": "Shop", "to": "8801712345678", "text": "Hello"},
        auth=("shop", SECRET),
        timeout=5,
    )
    smsmock.clock.advance("5s")
    reports = requests.get(smsmock.mimsms.url + "/sms/1/reports", auth=("shop", SECRET), timeout=5)
    return [sent.content, reports.content]


def broadnet(smsmock: SmsMock, dlr: str) -> list[bytes]:
    smsmock.broadnet.add_account("shop", SECRET, dlr_url=dlr, api_key=KEY)
    params = {"user": "shop", "pass": SECRET, "sid": "Shop", "mno": "962791234567", "type": "1"}
    sent = requests.get(smsmock.broadnet.url + "/websmpp/websms", params={**params, "text": "x"})
    return [sent.content]


def smsc(smsmock: SmsMock, dlr: str) -> list[bytes]:
    smsmock.smsc.add_account("shop", SECRET, dlr_url=dlr)
    form = {"login": "shop", "psw": SECRET, "phones": "79991234567", "mes": "x", "fmt": "3"}
    sent = requests.post(smsmock.smsc.url + "/sys/send.php", data=form, timeout=5)
    return [sent.content]


CLIENTS: dict[str, Callable[[SmsMock, str], list[bytes]]] = {
    "infobip": infobip,
    "mimsms": mimsms,
    "broadnet": broadnet,
    "smsc": smsc,
}


@pytest.mark.parametrize("provider", sorted(CLIENTS))
def test_record_then_replay_gives_the_same_bytes_and_pushes(
    smsmock: SmsMock, receivers: list[HTTPServer], tmp_path: Path, provider: str
) -> None:
    client = CLIENTS[provider]
    seen = listen(smsmock, receivers[0])
    smsmock.record()
    answers = client(smsmock, receivers[0].url_for("/dlr"))
    smsmock.clock.advance("1h")
    path = smsmock.cassette().dump(tmp_path / "cassette.yaml")
    text = path.read_text()
    assert SECRET not in text and KEY not in text
    assert base64.b64encode(f"shop:{SECRET}".encode()).decode() not in text
    pushed = list(seen)
    assert pushed  # the DLRs went to the receiver of the recording

    smsmock.reset()  # the next test: another receiver, the fakes forget everything
    again = listen(smsmock, receivers[1])
    smsmock.replay(path)
    assert client(smsmock, receivers[1].url_for("/dlr")) == answers
    smsmock.clock.advance("1h")
    # Pushes due at one virtual instant go out together, so they reach a receiver in any order:
    # the same pushes at the same offsets, whatever their order of arrival.
    assert sorted(again) == sorted(pushed)
    assert all(fake.messages.filter() == [] for fake in smsmock)  # the cassette answered
    smsmock.finish_replay()


def test_a_strict_replay_with_one_request_changed_fails_and_a_lenient_one_passes(
    smsmock: SmsMock, receivers: list[HTTPServer], tmp_path: Path
) -> None:
    listen(smsmock, receivers[0])
    smsmock.record()
    smsc(smsmock, receivers[0].url_for("/dlr"))
    path = smsmock.cassette().dump(tmp_path / "cassette.yaml")

    def changed() -> requests.Response:
        form = {"login": "shop", "psw": SECRET, "phones": "79991234567", "mes": "CHANGED"}
        return requests.post(smsmock.smsc.url + "/sys/send.php", data={**form, "fmt": "3"})

    smsmock.reset()
    smsmock.replay(path)
    assert changed().status_code == 500
    with pytest.raises(ReplayMismatch, match=r"body\.mes: recorded 'x', got 'CHANGED'"):
        smsmock.finish_replay()

    smsmock.reset()
    smsmock.smsc.add_account("shop", SECRET)
    smsmock.replay(path, mode="lenient")
    assert changed().json()["cnt"] == 1  # the fake answered it
    smsmock.finish_replay()
