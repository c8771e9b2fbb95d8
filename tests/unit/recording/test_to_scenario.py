"""`smsmock cassette to-scenario` / `show`: the scenario validates, and the original traffic
replayed against it gets the same statuses and errors per message (--exact), or the same
outcome distribution within tolerance (--fit)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

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


# -- HTTP refusals in each provider's own vocabulary --------------------------------------------
REFUSING = {
    "version": 1,
    "rules": [
        {"match": {"provider": "infobip", "to": "385981*"}, "respond": {"status": -13}},
        {"match": {"provider": "infobip", "to": "385982*"}, "respond": {"status": "REJECTED_DND"}},
        {"match": {"provider": "mimsms", "to": "880171*"}, "respond": {"status": "REJECTED_DND"}},
        {"match": {"provider": "broadnet", "to": "962791*"}, "respond": {"status": "HTTP23"}},
        {"match": {"provider": "broadnet", "to": "962792*"}, "respond": {"status": "004"}},
        {"match": {"provider": "smsc", "to": "79991*"}, "respond": {"error": 6}},
    ],
}
BASIC = "Basic dGVzdDp0ZXN0"  # test:test

SENDS: list[tuple[str, dict[str, Any]]] = [
    (
        "infobip",
        {
            "method": "POST",
            "path": "/api/v3/sendsms/json",
            "json": {
                "authentication": {"username": "test", "password": "test"},
                "messages": [
                    {
                        "sender": "Shop",
                        "text": "hi",
                        "recipients": [{"gsm": "385981000001"}, {"gsm": "385990000001"}],
                    }
                ],
            },
        },
    ),
    (
        "infobip",
        {
            "method": "POST",
            "path": "/sms/2/text/advanced",
            "json": {"messages": [{"from": "Shop", "destinations": [{"to": "385982000001"}]}]},
            "headers": {"Authorization": BASIC},
        },
    ),
    (
        "mimsms",
        {
            "method": "POST",
            "path": "/sms/1/text/single",
            "json": {"from": "Shop", "to": "880171000001", "text": "hi"},
            "headers": {"Authorization": BASIC},
        },
    ),
    (
        "broadnet",
        {
            "method": "GET",
            "path": "/websmpp/websms",
            "query_string": {
                "user": "test",
                "pass": "test",
                "sid": "Shop",
                "mno": "962791000001",
                "type": "1",
                "text": "hi",
            },
        },
    ),
    (
        "broadnet",
        {
            "method": "POST",
            "path": "/websmpp/json/sms",
            "json": {
                "campaign": {
                    "username": "test",
                    "password": "test",
                    "sender": "Shop",
                    "type": "1",
                    "text": "hi",
                    "gsm": ["962792000001"],
                }
            },
        },
    ),
    (
        "smsc",
        {
            "method": "GET",
            "path": "/sys/send.php",
            "query_string": {"login": "test", "psw": "test", "phones": "79991000001", "mes": "x"},
        },
    ),
]


def _send_refusing(hub: SmsMock) -> list[list[tuple[str, object]]]:
    from pytest_smsmock.providers.recorded import refusals

    seen = []
    for provider, spec in SENDS:
        request = EnvironBuilder(**spec).get_request()
        answer = hub.fakes[provider].dispatch(request, "primary").get_data()
        params = {**request.args, "": request.get_data(as_text=True)}
        seen.append(refusals(provider, request.path, params, answer))
    return seen


def test_http_refusals_become_rules_in_each_providers_vocabulary(tmp_path: Path) -> None:
    providers = ("infobip", "mimsms", "broadnet", "smsc")
    hub = SmsMock(providers=providers)
    hub.load_scenario(REFUSING)
    hub.record()
    before = _send_refusing(hub)
    assert before == [
        [("385981000001", -13)],
        [("385982000001", "REJECTED_DND")],
        [("880171000001", "REJECTED_DND")],
        [("962791000001", "HTTP23")],
        [("962792000001", "004")],
        [("79991000001", 6)],
    ]
    path = hub.cassette().dump(tmp_path / "refused.yaml")
    out = tmp_path / "refused-scenario.yaml"
    assert main(["cassette", "to-scenario", str(path), "-o", str(out), "--exact"]) == 0
    assert main(["validate", str(out)]) == 0
    again = SmsMock(providers=providers)
    again.load_scenario(out)
    assert _send_refusing(again) == before
