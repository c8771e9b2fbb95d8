"""Smoke test of the built wheel, installed in a clean venv and run from outside the source tree
(`make wheel-smoke`): the plugin loads, the bundled scenarios ship and load by name, the fakes
answer over loopback, intercept's guard holds. Standard library and pytest only."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

import pytest_smsmock
from pytest_smsmock.errors import InterceptError


def test_the_package_comes_from_the_installed_wheel() -> None:
    assert "site-packages" in Path(pytest_smsmock.__file__).parts
    assert not (Path(pytest_smsmock.__file__).parents[2] / "pyproject.toml").exists()


def test_the_cli_lists_the_bundled_scenarios() -> None:
    smsmock = Path(sys.executable).with_name("smsmock")
    out = subprocess.run(
        [str(smsmock), "scenarios"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    for name in ("default", "slow_dlrs", "failover", "mixed_outcomes"):
        assert name in out


@pytest.mark.smsmock(scenario="slow_dlrs")
def test_a_bundled_scenario_loads_by_name_and_the_fakes_answer(smsmock) -> None:  # type: ignore[no-untyped-def]
    assert smsmock.scenario.source == "slow_dlrs (bundled)"
    query = urlencode(
        {"user": "shop", "password": "s3cret", "sender": "Shop", "SMSText": "hi",
         "GSM": "38598123456"}
    )  # fmt: skip
    with urllib.request.urlopen(f"{smsmock.infobip.url}/api/v3/sendsms/plain?{query}") as answer:
        assert b"<status>0</status>" in answer.read()
    smsmock.clock.advance("7h")
    assert smsmock.infobip.messages.one(to="38598123456").status in ("delivered", "enroute")


def test_the_receiver_gets_pushes(smsmock) -> None:  # type: ignore[no-untyped-def]
    url = smsmock.receiver.url_for("/dlr")
    smsmock.smsc.add_account("shop", "pw", dlr_url=url)
    query = urlencode({"login": "shop", "psw": "pw", "phones": "79991234567", "mes": "hi",
                       "fmt": 3})  # fmt: skip
    with urllib.request.urlopen(f"{smsmock.smsc.url}/sys/send.php?{query}") as answer:
        assert json.loads(answer.read())["cnt"] == 1
    smsmock.clock.advance("1m")
    assert [p.report.canonical for p in smsmock.receiver.received] == ["enroute", "delivered"]


@pytest.mark.smsmock(intercept="strict")
def test_intercept_refuses_before_resolving(smsmock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InterceptError, match="provider host"):
        urllib.request.urlopen("https://smsc.ru/sys/balance.php", timeout=5)
    with pytest.raises(InterceptError, match="strict"):
        urllib.request.urlopen("https://example.com/", timeout=5)
