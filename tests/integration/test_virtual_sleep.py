"""Virtual sleep: time.sleep and asyncio.sleep in the code under test advance the fakes' clock;
other threads, the fakes' transports among them, sleep for real."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta

import pytest
import requests
from freezegun import freeze_time

from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.sleep import SleepPatch

ANY_DAY = {"version": 1, "rules": [{"dlr": [{"after": "7m", "status": "delivered"}]}]}


def _send(smsmock: SmsMock) -> str:
    answer = requests.get(
        smsmock.smsc.url + "/sys/send.php",
        params={"login": "test", "psw": "test", "phones": "79991234567", "mes": "hi", "fmt": 3},
        timeout=10,
    )
    return str(answer.json()["id"])


def poll_until_delivered(base: str, sms_id: str, *, retries: int, pause: float) -> int:
    """Client code under test: polls the status with a fixed back-off; returns the tries."""
    for attempt in range(1, retries + 1):
        status = requests.get(
            base + "/sys/status.php",
            params={"login": "test", "psw": "test", "phone": "79991234567", "id": sms_id,
                    "fmt": 3},
            timeout=10,
        ).json()  # fmt: skip
        if status.get("status") == 1:
            return attempt
        time.sleep(pause)
    return retries + 1


@pytest.mark.smsmock(patch_sleep=True, scenario=ANY_DAY)
def test_a_back_off_loop_of_ten_retries_runs_in_virtual_time(smsmock: SmsMock) -> None:
    sms_id = _send(smsmock)
    start = smsmock.clock.now()
    tries = poll_until_delivered(smsmock.smsc.url, sms_id, retries=10, pause=60)
    assert tries == 8  # delivered after 7 minutes: seen on the 8th poll
    assert smsmock.clock.now() - start == timedelta(minutes=7)
    assert smsmock.smsc.messages.one().status is Status.DELIVERED


def test_the_fixture_form_lists_the_sleeps(smsmock: SmsMock, smsmock_sleep: SleepPatch) -> None:
    smsmock.load_scenario(
        {"version": 1, "rules": [{"dlr": [{"after": "1h", "status": "delivered"}]}]}
    )
    sms_id = _send(smsmock)
    assert poll_until_delivered(smsmock.smsc.url, sms_id, retries=10, pause=60) == 11
    assert smsmock_sleep.slept == [60.0] * 10
    assert smsmock.clock.now() - smsmock.clock.start == timedelta(minutes=10)


@pytest.mark.smsmock(patch_sleep=True)
def test_asyncio_sleep_in_the_test_s_event_loop_is_virtual(smsmock: SmsMock) -> None:
    async def backoff() -> list[float]:
        waited = []
        for delay in (1, 2, 4, 8):
            await asyncio.sleep(delay)
            waited.append((smsmock.clock.now() - smsmock.clock.start).total_seconds())
        return waited

    assert asyncio.run(backoff()) == [1, 3, 7, 15]


@pytest.mark.smsmock(patch_sleep=True)
def test_other_threads_and_zero_sleeps_keep_real_time(smsmock: SmsMock) -> None:
    started = smsmock.clock.now()
    done = threading.Event()

    def worker() -> None:
        time.sleep(0.001)  # a real (tiny) sleep: not the test's thread
        done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert done.wait(10)
    thread.join(10)
    time.sleep(0)
    assert smsmock.clock.now() == started
    # the fakes' transport threads still serve while the test thread's sleep is virtual
    assert requests.get(smsmock.smsc.url + "/sys/balance.php", timeout=10).status_code == 200


@pytest.mark.smsmock(patch_sleep=True)
def test_under_freezegun_a_deadline_loop_ends_too(smsmock: SmsMock) -> None:
    with freeze_time("2025-03-01 08:00:00"):
        deadline = time.monotonic() + 300
        loops = 0
        while time.monotonic() < deadline:  # the loop reads time as well as sleeping
            time.sleep(60)
            loops += 1
        assert loops == 5


def test_the_patch_comes_off() -> None:
    real = time.sleep, asyncio.sleep
    hub = SmsMock(providers=("smsc",))
    with hub.patch_sleep() as patch:
        assert time.sleep is not real[0]
        time.sleep(30)
        assert patch.slept == [30.0]
        assert patch.total == 30
    assert (time.sleep, asyncio.sleep) == real
    assert hub.clock.now() - hub.clock.start == timedelta(seconds=30)
