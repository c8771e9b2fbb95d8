from __future__ import annotations

import signal
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import requests

from pytest_smsmock.cli import main
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.hub import SmsMock

ROOT = Path(__file__).resolve().parents[2]


def test_realtime_hub_fires_due_events_by_itself() -> None:
    with SmsMock(providers=("smsc",), clock="realtime") as hub:
        delivered = threading.Event()
        fake = hub.smsc
        original = fake.on_status_change
        fake.on_status_change = lambda m, c: (original(m, c), delivered.set())  # type: ignore[method-assign]
        message = fake.accept(
            Message(
                message_id="rt-1",
                provider="smsc",
                account="test",
                to="79991234567",
                sender="Shop",
                text="hi",
                submitted_at=hub.clock.now(),
            ),
            (Transition(after=timedelta(milliseconds=50), status=Status.DELIVERED),),
        )
        assert delivered.wait(10), "the real-time driver never fired the due event"
        assert message.status is Status.DELIVERED


def test_serve_prints_endpoints_answers_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_smsmock.cli",
            "serve",
            "--scenario",
            str(ROOT / "scenarios" / "default.yaml"),
            "--seed",
            "5",
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
        table = "".join(lines)
        assert "demo/demo-pass" in table
        assert "clock: realtime, seed: 5" in table
        smsc = next(line for line in lines if line.startswith("smsc"))
        url = next(word for word in smsc.split() if word.startswith("http://127.0.0.1:"))
        assert requests.get(url + "/nowhere", timeout=10).status_code != 500
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
        assert proc.returncode == 0, err
        assert "stopping" in out
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_validate_reports_every_bad_file(tmp_path: Path, capsys: object) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 7\n")
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: [1\n")
    assert main(["validate", str(good)]) == 0
    assert main(["validate", str(good), str(bad), str(broken)]) == 1
    err = capsys.readouterr().err  # type: ignore[attr-defined]
    assert f"{bad}:1: version: 7 is not supported" in err
    assert f"{broken}:" in err and "not valid YAML" in err


def test_validate_prints_every_problem_of_a_file_one_line_each(
    tmp_path: Path, capsys: object
) -> None:
    typos = tmp_path / "typos.yaml"
    typos.write_text(
        "version: 1\nfoo: 2\nrules:\n  - match: {provider: broadnet}\n"
        "    dlr: [{after: xx, status: DELIVERD}]\n"
    )
    assert main(["validate", str(typos)]) == 1
    lines = capsys.readouterr().err.splitlines()  # type: ignore[attr-defined]
    assert [line.split(": ", 2)[:2] for line in lines] == [
        [f"{typos}:2", "foo"],
        [f"{typos}:5", "rules[0].dlr[0].after"],
        [f"{typos}:5", "rules[0].dlr[0].status"],
    ]
