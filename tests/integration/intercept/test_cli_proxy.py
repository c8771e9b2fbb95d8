"""`smsmock serve --proxy-port N` and `smsmock scenarios`, as a user runs them."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

import pytest
import requests

from pytest_smsmock.cli import main
from pytest_smsmock.scenario.bundled import bundled_names


def test_serve_with_a_proxy_port_routes_real_hostnames_to_the_fakes() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_smsmock.cli",
            "serve",
            "--proxy-port",
            "0",
            "--scenario",
            "default",  # a bundled scenario, by name
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:  # bounded by the process: it prints the table, then waits
            lines.append(line)
            if line.startswith("Serving"):
                break
        assert any("scenario: default (bundled)" in line for line in lines), lines
        proxy_line = next(line for line in lines if line.startswith("proxy: "))
        found = re.search(r"http://127\.0\.0\.1:\d+", proxy_line)
        assert found is not None, proxy_line
        assert "api.infobip.com" in proxy_line
        assert "*.api.infobip.com" in proxy_line
        answer = requests.get(
            "http://api.mimsms.com/api/command",
            params={"username": "test", "password": "test", "cmd": "Credits"},
            proxies={"http": found.group(0)},
            timeout=10,
        )
        assert answer.text == "1000.00"
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_scenarios_lists_every_bundled_scenario_with_its_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["scenarios"]) == 0
    out = capsys.readouterr().out
    names = bundled_names()
    assert {"slow_dlrs", "failover", "default"} <= set(names)
    for name in names:
        assert re.search(rf"^{name} +\S", out, re.M), name
    assert "Long-tailed DLR delays" in out
