"""`smsmock cassette to-scenario` / `show`: the scenario validates, and the original traffic
replayed against it gets the same statuses and errors per message (--exact), or the same
outcome distribution within tolerance (--fit)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from pytest_smsmock.cli import main
from pytest_smsmock.hub import SmsMock

RECORDED = {
    "version": 1,
    "seed": 5,
    "rules": [
        {
            "match": {"to": "7999*"},
            "dlr": [{"after": "30s", "status": "undeliverable", "error": "EC_ABSENT_SUBSCRIBER"}],
        },
        {
            "match": {"to": "7888*"},
            "dlr": [
                {"after": "2s", "status": "enroute"},
                {
                    "after": {"exponential": {"mean": "20s", "max": "2m"}},
                    "status": {"delivered": 0.7, "expired": 0.3},
                },
            ],
        },
    ],
}
PHONES = [f"7999{i:07d}" for i in range(5)] + [f"7888{i:07d}" for i in range(300)]


def send_all(hub: SmsMock, phones: list[str]) -> None:
    for phone in phones:
        request = EnvironBuilder(
            method="POST",
            path="/sys/send.php",
            data={"login": "test", "psw": "test", "phones": phone, "mes": "x", "fmt": "3"},
        ).get_request()
        hub.smsc.dispatch(request, "primary")
    hub.clock.advance("1h")


def outcomes(hub: SmsMock) -> dict[str, tuple[str, object]]:
    last = {}
    for entry in hub.journal.entries(provider="smsc", channel="dlr"):
        message = hub.smsc.messages.get(entry.detail["message_id"])
        assert message is not None
        last[message.to] = (entry.detail["status"], entry.detail["error"])
    return last


@pytest.fixture(scope="module")
def recorded(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, tuple[str, object]]]:
    tmp_path = tmp_path_factory.mktemp("cassette")
    hub = SmsMock(providers=("smsc",))
    hub.load_scenario(RECORDED)
    hub.record()
    send_all(hub, PHONES)
    path = hub.cassette().dump(tmp_path / "traffic.yaml")
    return path, outcomes(hub)


def test_exact_gives_every_message_its_status_and_error(
    recorded: tuple[Path, dict[str, tuple[str, object]]], tmp_path: Path
) -> None:
    path, before = recorded
    out = tmp_path / "exact.yaml"
    assert main(["cassette", "to-scenario", str(path), "-o", str(out), "--exact"]) == 0
    assert main(["validate", str(out)]) == 0
    hub = SmsMock(providers=("smsc",))
    hub.load_scenario(out)
    send_all(hub, PHONES)
    assert outcomes(hub) == before


def test_fit_gives_the_same_distribution_within_tolerance(
    recorded: tuple[Path, dict[str, tuple[str, object]]], tmp_path: Path
) -> None:
    path, before = recorded
    out = tmp_path / "fit.yaml"
    assert main(["cassette", "to-scenario", str(path), "-o", str(out), "--fit"]) == 0
    assert main(["validate", str(out)]) == 0
    assert "lognormal" in out.read_text()
    hub = SmsMock(providers=("smsc",))
    hub.load_scenario(out)
    send_all(hub, PHONES)
    after = outcomes(hub)
    assert {to: v for to, v in after.items() if to.startswith("7999")} == {
        to: v for to, v in before.items() if to.startswith("7999")
    }
    share = Counter(s for to, (s, _) in after.items() if to.startswith("7888"))
    was = Counter(s for to, (s, _) in before.items() if to.startswith("7888"))
    for status in ("delivered", "expired"):
        assert abs(share[status] - was[status]) / 300 < 0.1


def test_show_prints_a_timeline(
    recorded: tuple[Path, dict[str, tuple[str, object]]], capsys: pytest.CaptureFixture[str]
) -> None:
    path, _ = recorded
    assert main(["cassette", "show", str(path)]) == 0
    text = capsys.readouterr().out
    assert "[  0] +    0.000s smsc POST /sys/send.php -> 200" in text
    assert "smsc dlr push" not in text  # no receiver configured: nothing pushed
    assert "message smsc" in text and "undeliverable" in text


def test_a_bad_cassette_is_reported_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cassette: 1\ninteractions:\n  - {kind: smpp, at: 0, provider: x, direction: in, hex: zz}\n"
    )
    assert main(["cassette", "show", str(path)]) == 2
    assert f"{path}:3: interactions[0].hex" in capsys.readouterr().err
