"""Determinism: same scenario and seed -> byte-identical journals; another seed changes ids and
drawn values; pytest-xdist workers see what a serial run sees."""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path
from typing import Any

import pytest
import requests

from pytest_smsmock.hub import SmsMock

SCENARIO: dict[str, Any] = {
    "version": 1,
    "accounts": {
        "infobip": [
            {
                "username": "shop",
                "password": "s3cret",
                "credits": 1000,
                "dlr_url": "http://127.0.0.1:9/dlr",
            }
        ]
    },
    "rules": [
        {"match": {"to": "38591*"}, "respond": {"status": -13}},
        {"match": {"probability": 0.1}, "fault": "empty_reply"},
        {
            "dlr": [
                {"after": {"uniform": {"min": "1s", "max": "1m"}}, "status": "enroute"},
                {
                    "after": {"lognormal": {"median": "5m", "sigma": 1}},
                    "status": {"delivered": 0.7, "undeliverable": 0.2, "expired": 0.1},
                    "error": 27,
                },
            ]
        },
    ],
    "faults": [
        {
            "on": "infobip:http:/api/command",
            "probability": 0.5,
            "kind": "http_status",
            "status": 503,
        }
    ],
    "callbacks": [
        {"provider": "infobip", "probability": 0.5, "with": "timeout"},
        {"provider": "infobip", "always": True, "with": {"status": 200, "body": "OK"}},
    ],
    "events": [
        {
            "at": {"uniform": {"min": "1m", "max": "1h"}},
            "provider": "infobip",
            "mo": {"from": "385911234567", "text": "STOP"},
        }
    ],
}


def run(hub: SmsMock, seed: int) -> str:
    hub.reset(seed=0)
    hub.load_scenario(SCENARIO, seed=seed)
    for i in range(30):
        with contextlib.suppress(requests.exceptions.ConnectionError):
            requests.get(
                hub.infobip.url + "/api/v3/sendsms/plain",
                params={
                    "user": "shop",
                    "password": "s3cret",
                    "sender": "Shop",
                    "SMSText": "hi",
                    "GSM": f"38591{i}" if i % 7 == 0 else f"3859812345{i:02d}",
                },
                timeout=5,
            )
        requests.get(
            hub.infobip.url + "/api/command",
            timeout=5,
            params={"username": "shop", "password": "s3cret", "cmd": "CREDITS"},
        )
    hub.clock.advance("2d")
    return hub.journal.dumps()


def ids_and_times(journal: str) -> tuple[list[str], list[str]]:
    import json

    entries = [json.loads(line) for line in journal.splitlines()]
    ids = [e["detail"]["message_id"] for e in entries if "message_id" in e["detail"]]
    times = [e["at"] for e in entries if e["channel"] == "dlr"]
    return ids, times


def test_same_seed_same_journal_other_seed_other_draws(smsmock: SmsMock) -> None:
    first, again, other = run(smsmock, 5), run(smsmock, 5), run(smsmock, 6)
    assert first == again
    assert len(first.splitlines()) > 150
    ids, times = ids_and_times(first)
    other_ids, other_times = ids_and_times(other)
    assert ids and other_ids and not set(ids) & set(other_ids)
    assert times != other_times
    for kind in ("fault empty_reply", "(fault http_status)", "timeout, injected", "STOP"):
        assert kind in first  # every random part was exercised


XDIST_TEST = """
import hashlib, pytest, requests

@pytest.mark.parametrize("n", range(4))
@pytest.mark.smsmock(scenario={scenario!r}, seed=9)
def test_run(smsmock, n):
    for i in range(5):
        requests.get(smsmock.infobip.url + "/api/v3/sendsms/plain", timeout=5, params={{
            "user": "shop", "password": "s3cret", "sender": "Shop", "SMSText": "hi",
            "GSM": "3859812345%02d" % i}})
    smsmock.clock.advance("1d")
    digest = hashlib.sha256(smsmock.journal.dumps().encode()).hexdigest()
    with open({out!r} + str(n), "w") as f:
        f.write(digest)
"""


def test_xdist_workers_match_a_serial_run(pytester: pytest.Pytester, tmp_path: Path) -> None:
    scenario = str(Path(__file__).parents[3] / "scenarios" / "mixed_outcomes.yaml")

    def digests(*args: str, name: str) -> list[str]:
        out = str(tmp_path / name)
        pytester.makepyfile(test_xd=XDIST_TEST.format(scenario=scenario, out=out))
        result = pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)
        result.assert_outcomes(passed=4)
        return [Path(out + str(n)).read_text() for n in range(4)]

    serial = digests(name="serial")
    parallel = digests("-n", "2", name="xdist")
    assert serial == parallel
    assert len(set(serial)) == 1  # each test starts from the same reset state
    assert hashlib.sha256(b"").hexdigest() not in serial
