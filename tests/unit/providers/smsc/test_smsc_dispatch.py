"""The SMSC.ru fake through `dispatch` (no sockets): concurrency, scenarios, DLRs, fuzzing."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.smsc.fake import SmscFake
from pytest_smsmock.scenario.decisions import SubmitContext, SubmitDecision

AUTH = {"login": "test", "psw": "test", "fmt": 3, "charset": "utf-8"}


@pytest.fixture
def mock() -> Iterator[SmsMock]:
    hub = SmsMock(providers=("smsc",))
    yield hub
    assert hub.take_errors() == []


def call(mock: SmsMock, path: str, *, method: str = "GET", **params: Any) -> Any:
    if method == "GET":
        builder = EnvironBuilder(path=path, query_string=params)
    else:
        builder = EnvironBuilder(path=path, method=method, data=params)
    response = mock.smsc.dispatch(builder.get_request(), "primary")
    assert response.status_code == 200
    return json.loads(response.get_data())


def test_five_concurrent_requests_answer_error_9(
    mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = mock.smsc
    inside = threading.Barrier(5)
    release = threading.Event()
    original = fake._balance

    def blocking(ctx: Any) -> str:
        inside.wait(timeout=5)
        release.wait(timeout=5)
        return original(ctx)

    monkeypatch.setattr(fake, "_balance", blocking)
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(call(mock, "/sys/balance.php", **AUTH)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    inside.wait(timeout=5)  # all four are inside the fake now
    assert fake.in_flight("test") == 4
    monkeypatch.setattr(fake, "_balance", original)
    assert call(mock, "/sys/balance.php", **AUTH)["error_code"] == 9
    release.set()
    for thread in threads:
        thread.join(timeout=5)
    assert [r["balance"] for r in results] == ["1000.00"] * 4
    assert fake.in_flight("test") == 0
    assert call(mock, "/sys/balance.php", **AUTH) == {"balance": "1000.00"}


def test_scenario_plan_and_respond(mock: SmsMock, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = mock.smsc
    seen: list[SubmitContext] = []

    def decide(context: SubmitContext) -> SubmitDecision:
        seen.append(context)
        if context.to.endswith("0"):
            return SubmitDecision(respond={"error": 6})
        plan = (
            Transition(after=timedelta(seconds=2), status=Status.ENROUTE),
            Transition(after=timedelta(seconds=3), status=Status.REJECTED, native=22),
        )
        return SubmitDecision(plan=plan)

    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", decide)
    assert call(mock, "/sys/send.php", phones="79991234560", mes="x", id=4, **AUTH) == {
        "error": "message is denied",
        "error_code": 6,
        "id": 4,
    }
    assert call(mock, "/sys/send.php", phones="79991234561", mes="x", id=5, **AUTH)["cnt"] == 1
    assert seen[-1].api == "send.php" and seen[-1].provider == "smsc"
    status = {"phone": "79991234561", "id": 5, **AUTH}
    assert call(mock, "/sys/status.php", **status)["status"] == -1
    mock.clock.advance("2s")
    assert call(mock, "/sys/status.php", **status)["status"] == 0
    mock.clock.advance("3s")
    assert call(mock, "/sys/status.php", **status)["status"] == 22


class RecordingSender:
    def __init__(self, fail_first: int = 0) -> None:
        self.requests: list[CallbackRequest] = []
        self.fail_first = fail_first

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        self.requests.append(request)
        if len(self.requests) <= self.fail_first:
            return CallbackResult(error="refused")
        return CallbackResult(status=200, body=b"OK")


def test_dlr_pushes_each_change_with_retries(mock: SmsMock) -> None:
    sender = RecordingSender(fail_first=2)
    mock.set_sender(sender)
    mock.smsc.add_account("cb", "pw", dlr_url="http://client.test/dlr")
    answer = call(mock, "/sys/send.php", login="cb", psw="pw", phones="79991234567", mes="x", fmt=3)
    mock.clock.advance("1s")  # enroute: refused
    assert len(sender.requests) == 1
    mock.clock.advance("1m")  # delivered at 5 s (refused), enroute retried at 61 s (ok)
    bodies = [r.body.decode() for r in sender.requests]
    assert len(bodies) == 3
    assert bodies[0].startswith(f"id={answer['id']}&phone=79991234567&status=0&err=0")
    assert "status=1&err=0" in bodies[1]
    assert "status=0" in bodies[2]
    mock.clock.advance("5m")  # delivered retried at 65 s, then nothing more
    assert len(sender.requests) == 4
    assert "status=1" in sender.requests[-1].body.decode()
    assert all(r.method == "POST" and r.url == "http://client.test/dlr" for r in sender.requests)


def test_frequent_errors_block_the_address(mock: SmsMock) -> None:
    fake: SmscFake = mock.smsc
    bad = {"login": "test", "psw": "wrong", "fmt": 3}
    codes = [call(mock, "/sys/balance.php", **bad)["error_code"] for _ in range(17)]
    assert codes == [2] * 16 + [4]
    assert call(mock, "/sys/balance.php", **AUTH)["error_code"] == 4
    mock.clock.advance(fake.error_block_for)
    assert call(mock, "/sys/balance.php", **AUTH) == {"balance": "1000.00"}


def test_reset_forgets_limits_and_messages(mock: SmsMock) -> None:
    call(mock, "/sys/send.php", phones="79991234567", mes="x", **AUTH)
    assert mock.smsc.message(1, "79991234567") is not None
    mock.reset()
    assert mock.smsc.message(1, "79991234567") is None
    assert call(mock, "/sys/send.php", phones="79991234567", mes="x", **AUTH)["id"] == 1


def test_unknown_account_option_is_refused(mock: SmsMock) -> None:
    from pytest_smsmock.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown account option"):
        mock.smsc.add_account("x", "y", colour="red")
    with pytest.raises(ConfigError, match="list of strings"):
        mock.smsc.add_account("x", "y", senders=[1])


# -- fuzzing ----------------------------------------------------------------------------------
_NAMES = st.sampled_from(
    [
        "login",
        "psw",
        "apikey",
        "phones",
        "phone",
        "mes",
        "id",
        "fmt",
        "all",
        "cost",
        "charset",
        "time",
        "tz",
        "valid",
        "maxsms",
        "flash",
        "bin",
        "hlr",
        "ping",
        "translit",
        "op",
        "err",
        "del",
        "cur",
        "sender",
        "push",
        "list",
        "viber",
    ]
)
_VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(-5, 2**40).map(str),
    st.sampled_from(
        [
            "test",
            "0",
            "1",
            "2",
            "3",
            ",",
            "1,",
            "79991234567,",
            "utf-8",
            "koi8-r",
            "79991234567:hi\nbad:x",
            "http://a.b/\nTitle",
        ]
    ),
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    path=st.sampled_from(["/sys/send.php", "/sys/status.php", "/sys/balance.php"]),
    params=st.dictionaries(_NAMES, _VALUES, max_size=10),
    method=st.sampled_from(["GET", "POST"]),
    raw=st.binary(max_size=40),
)
def test_fuzzed_requests_never_fail(
    mock: SmsMock, path: str, params: dict[str, str], method: str, raw: bytes
) -> None:
    fake = mock.smsc
    fake.limits.clear()
    params = {"login": "test", "psw": "test", **params}
    if method == "GET":
        builder = EnvironBuilder(path=path, query_string=params)
    else:
        builder = EnvironBuilder(
            path=path,
            method="POST",
            data=raw + b"&" + "&".join(f"{k}={v}" for k, v in params.items()).encode(),
            content_type="application/x-www-form-urlencoded",
        )
    response = fake.dispatch(builder.get_request(), "primary")
    assert response.status_code == 200
    body = response.get_data()
    assert b"Traceback" not in body
    assert mock.take_errors() == []


def test_server_ids_step_over_ids_a_client_chose_and_reuse_deleted_ones(mock: SmsMock) -> None:
    def send(phone: str, **extra: object) -> object:
        return call(mock, "/sys/send.php", phones=phone, mes="x", **extra, **AUTH)["id"]

    assert send("79991234561", id=2) == 2  # the client's own id, ahead of the count
    assert [send("79991234562"), send("79991234563")] == [1, 3]  # 2 is taken
    deleted = call(mock, "/sys/status.php", id=3, phone="79991234563", **AUTH, **{"del": 1})
    assert "error" not in deleted
    assert send("79991234564", id=3) == 3  # free again once its only message is gone
