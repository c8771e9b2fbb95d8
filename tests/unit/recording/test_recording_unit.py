"""Cassettes without sockets: recording through `dispatch`, the format, redaction, strict,
lenient and ordered replays and their near-miss reports (pinned)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.recording import CassetteError, ReplayMismatch, load_cassette
from pytest_smsmock.recording.cassette import HttpExchange, Push, parse_cassette
from pytest_smsmock.recording.redact import Redactor
from pytest_smsmock.validation import validate_file

SECRET = "s3cret-pass"


def smsc_send(hub: SmsMock, phones: str = "79991234567", mes: str = "hello") -> bytes:
    request = EnvironBuilder(
        method="POST",
        path="/sys/send.php",
        data={"login": "shop", "psw": SECRET, "phones": phones, "mes": mes, "fmt": "3"},
    ).get_request()
    return hub.smsc.dispatch(request, "primary").get_data()


@pytest.fixture
def hub() -> SmsMock:
    mock = SmsMock(providers=("smsc", "infobip"))
    pushes: list[CallbackRequest] = []

    def sender(request: CallbackRequest) -> CallbackResult:
        pushes.append(request)
        return CallbackResult(status=200, body=b"OK")

    mock.set_sender(sender)
    mock.pushes = pushes  # type: ignore[attr-defined]
    mock.smsc.add_account("shop", SECRET, dlr_url="http://127.0.0.1:9/dlr")
    return mock


def record_two(hub: SmsMock) -> Path:
    hub.record()
    smsc_send(hub, mes="first")
    hub.clock.advance("3s")
    smsc_send(hub, phones="79990000002", mes="second")
    hub.clock.advance("10s")
    return hub.cassette().dump(Path(hub.ca_file).parent / "c.yaml")


def test_a_recording_holds_requests_answers_pushes_and_their_offsets(hub: SmsMock) -> None:
    hub.record()
    answer = smsc_send(hub)
    hub.clock.advance("10s")
    cassette = hub.cassette()
    kinds = [type(i).__name__ for i in cassette.interactions]
    assert kinds[0] == "HttpExchange" and set(kinds[1:]) == {"Push"}
    first = cassette.interactions[0]
    assert isinstance(first, HttpExchange)
    assert (first.method, first.path, first.status, first.at) == ("POST", "/sys/send.php", 200, 0)
    assert first.response_body == answer
    pushes = [i for i in cassette.interactions if isinstance(i, Push)]
    assert [(p.at, p.follows) for p in pushes] == [(1, 0), (5, 0)]  # SMSC.ru: status 0, then 1
    assert pushes[0].answer_status == 200 and pushes[0].answer_body == b"OK"
    [message] = cassette.messages
    assert message.to == "79991234567"
    assert [s.status for s in message.statuses][-1] == "delivered"
    again = parse_cassette(cassette.dumps())
    assert again.interactions == cassette.interactions
    assert again.messages == cassette.messages


def test_credentials_never_reach_the_file(hub: SmsMock, tmp_path: Path) -> None:
    hub.record(redact=["mes"])
    smsc_send(hub)
    basic = base64.b64encode(f"test:{SECRET}".encode()).decode()
    request = EnvironBuilder(
        method="POST",
        path="/sms/2/text/advanced",
        headers={"Authorization": f"Basic {basic}"},
        json={"messages": [{"destinations": [{"to": "41793026727"}], "text": "x"}]},
    ).get_request()
    hub.infobip.dispatch(request, "primary")
    text = hub.cassette().dump(tmp_path / "c.yaml").read_text()
    assert SECRET not in text and basic not in text and "hello" not in text
    assert "psw=REDACTED" in text and "Basic REDACTED" in text and "mes=REDACTED" in text


def test_redactor_keeps_the_text_around_a_secret() -> None:
    redactor = Redactor()
    assert redactor.text('{"username": "u", "password": "p\\"w"}') == (
        '{"username": "u", "password": "REDACTED"}'
    )
    assert redactor.text("user=u&pass=pw&text=x") == "user=u&pass=REDACTED&text=x"
    assert redactor.text("<password>pw</password>") == "<password>REDACTED</password>"
    assert (
        redactor.url("http://u:pw@h/dlr?apikey=k&x=1")
        == "http://u:REDACTED@h/dlr?apikey=REDACTED&x=1"
    )


def test_replay_answers_with_the_recorded_bytes_and_pushes_at_the_recorded_offsets(
    hub: SmsMock,
) -> None:
    path = record_two(hub)
    recorded = hub.cassette()
    hub.reset()
    hub.smsc.add_account("shop", SECRET, dlr_url="http://127.0.0.1:10/dlr")  # today's receiver
    hub.pushes.clear()  # type: ignore[attr-defined]
    hub.replay(path)
    assert smsc_send(hub, mes="first") == recorded.interactions[0].response_body  # type: ignore[union-attr]
    assert hub.smsc.messages.filter() == []  # the fake never saw it
    hub.clock.advance("3s")
    smsc_send(hub, phones="79990000002", mes="second")
    hub.clock.advance("10s")
    pushes = hub.pushes  # type: ignore[attr-defined]
    assert [p.url for p in pushes] == ["http://127.0.0.1:10/dlr"] * 4
    recorded_bodies = [i.body for i in recorded.interactions if isinstance(i, Push)]
    assert [p.body for p in pushes] == recorded_bodies
    hub.finish_replay()


def test_strict_replay_names_the_field_that_differs_and_the_unused_recording(
    hub: SmsMock,
) -> None:
    path = record_two(hub)
    hub.reset()
    hub.replay(path)
    smsc_send(hub, mes="first")
    answer = smsc_send(hub, phones="79990000003", mes="second")
    assert answer.startswith(b"smsmock: no recorded interaction matches POST /sys/send.php")
    with pytest.raises(ReplayMismatch) as caught:
        hub.finish_replay()
    assert str(caught.value) == (
        f"smsmock: replay of {path} (strict): 1 request(s) matched no recorded interaction\n"
        "  - smsc POST /sys/send.php at +0s\n"
        "    nearest recorded: interactions[2] smsc POST /sys/send.php\n"
        "      body.phones: recorded '79990000002', got '79990000003'\n"
        "  unused recorded interactions (1):\n"
        "  - interactions[2] smsc POST /sys/send.php at +3s"
    )


def test_lenient_replay_lets_unmatched_requests_through_to_the_fakes(hub: SmsMock) -> None:
    path = record_two(hub)
    hub.reset()
    hub.smsc.add_account("shop", SECRET)
    hub.replay(path, mode="lenient")
    smsc_send(hub, mes="first")
    smsc_send(hub, phones="79990000003", mes="other")
    assert [m.to for m in hub.smsc.messages.filter()] == ["79990000003"]
    hub.finish_replay()


def test_ordered_replay_wants_the_recorded_order(hub: SmsMock) -> None:
    path = record_two(hub)
    hub.reset()
    hub.replay(path, mode="ordered")
    smsc_send(hub, phones="79990000002", mes="second")
    with pytest.raises(ReplayMismatch, match=r"expected next: interactions\[0\]") as caught:
        hub.finish_replay()
    assert "body.mes: recorded 'first', got 'second'" in str(caught.value)


def test_a_cassette_error_names_the_file_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "cassette: 1\ninteractions:\n  - kind: http\n    at: 0\n    provider: smsc\n"
        "    request: {method: GET}\n    response: {status: 200}\n"
    )
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert str(caught.value).startswith(
        f"{path}:6: interactions[0].request: 'path' is a required property"
    )
    path.write_text("version: 1\n")
    with pytest.raises(CassetteError, match="missing 'cassette: 1' \\(is this a scenario"):
        load_cassette(path)
    path.write_text("cassette: 2\ninteractions: []\n")
    with pytest.raises(CassetteError, match=r":1: cassette: 2 is not supported"):
        load_cassette(path)


def test_to_scenario_exact_validates_and_reproduces_each_message(
    hub: SmsMock, tmp_path: Path
) -> None:
    from pytest_smsmock.recording.to_scenario import to_scenario

    path = record_two(hub)
    out = tmp_path / "s.yaml"
    out.write_text(to_scenario(load_cassette(path), exact=True))
    scenario = validate_file(str(out))  # raises with file:line when it does not validate
    assert scenario.rules, "a rule per recorded message"


def test_phone_pseudonyms_are_stable_within_a_cassette(hub: SmsMock, tmp_path: Path) -> None:
    hub.record(pseudonyms="salt")
    smsc_send(hub, phones="79991234567")
    smsc_send(hub, phones="79991234567,79990000002")
    hub.clock.advance("10s")
    path = hub.cassette().dump(tmp_path / "c.yaml")
    text = path.read_text()
    assert "79991234567" not in text and "79990000002" not in text
    cassette = load_cassette(path)
    requests = [i for i in cassette.interactions if isinstance(i, HttpExchange)]
    pushes = [i for i in cassette.interactions if isinstance(i, Push)]
    pseudonym = requests[0].body.decode().split("phones=")[1].split("&")[0]
    assert pseudonym.startswith("79991") and len(pseudonym) == 11  # prefix kept, same length
    assert pseudonym in requests[1].body.decode()
    assert sum(f"phone={pseudonym}".encode() in p.body for p in pushes) == 4  # 2 messages x 2
    tos = {m.to for m in cassette.messages}
    assert pseudonym in tos and len(tos) == 2 and not tos & {"79991234567", "79990000002"}


def test_a_cassette_names_fields_its_replay_does_not_compare(hub: SmsMock, tmp_path: Path) -> None:
    path = record_two(hub)
    text = path.read_text().replace("cassette: 1\n", "cassette: 1\nmatch:\n  ignore: [mes]\n", 1)
    path.write_text(text)
    hub.reset()
    hub.replay(path)
    smsc_send(hub, mes="whatever")
    smsc_send(hub, phones="79990000002", mes="else")
    hub.finish_replay()  # matched on everything but `mes` (a miss fails here)
    assert hub.smsc.messages.filter() == []  # the cassette answered, not the fake


def test_to_scenario_keeps_the_transport_faults_seen(hub: SmsMock, tmp_path: Path) -> None:
    from pytest_smsmock.recording.to_scenario import to_scenario

    hub.load_scenario(
        {
            "version": 1,
            "faults": [
                {"on": "smsc:http:/sys/send.php", "nth": 2, "kind": "connection_reset"},
                {"on": "smsc:http:/sys/send.php", "nth": 3, "kind": "http_status", "status": 503},
            ],
        }
    )
    hub.record()
    for _ in range(3):
        smsc_send(hub)
    cassette = hub.cassette()
    assert [getattr(i, "fault", None) for i in cassette.interactions][:3] == [
        None,
        "connection_reset",
        None,
    ]
    out = tmp_path / "faults.yaml"
    out.write_text(to_scenario(cassette))
    validate_file(str(out))
    text = out.read_text()
    assert "kind: connection_reset" in text and "nth: 2" in text
    assert "kind: http_status" in text and "status: 503" in text
