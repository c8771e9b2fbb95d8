# ruff: noqa: E501  (YAML and messages quoted verbatim)
"""Loading scenario files: the format, the shipped schema, and errors with file, line and path."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.loader import load_scenario, parse_text, schema
from pytest_smsmock.scenario.model import (
    BalanceEvent,
    Choice,
    ExpiryEvent,
    Exponential,
    Fixed,
    HlrEvent,
    LogNormal,
    MoEvent,
    OutageEvent,
    Uniform,
)
from pytest_smsmock.validation import check_file, check_files, validate_file

SKETCH = """\
version: 1
seed: 7
accounts:
  infobip: [{username: shop, password: s3cret, credits: 10, dlr_url: "http://127.0.0.1:8000/dlr"}]
rules:                      # first match wins
  - match: {provider: infobip, to: "38591*"}
    respond: {status: -13}
  - match: {to: "/^3859[0-9]{8}$/", text: "/OTP/"}
    dlr:
      - {after: 30s, status: enroute}
      - {after: {lognormal: {median: 5m, sigma: 0.8}}, status: {delivered: 0.9, undeliverable: 0.1}, error: EC_ABSENT_SUBSCRIBER}
  - match: {nth: 3}
    fault: connection_reset
faults:
  - {on: "infobip:http:/api/v3/dr/pull", nth: 1, kind: http_status, status: 503, body: "Service Unavailable"}
  - {on: "enhanced_smpp:smpp:submit_sm", every: 5, kind: throttled}
callbacks:
  - {provider: infobip, fail_first: 2, with: timeout}
events:
  - {at: 2m, provider: broadnet, mo: {from: "962791234567", text: "STOP"}}
"""


def error_of(text: str) -> str:
    with pytest.raises(ScenarioError) as info:
        parse_text(text, source_name="x.yaml")
    return str(info.value)


def test_the_issue_sketch_loads() -> None:
    scenario = parse_text(SKETCH, source_name="sketch.yaml")
    assert scenario.seed == 7
    assert [a.username for a in scenario.accounts] == ["shop"]
    assert scenario.accounts[0].options["credits"] == 10
    first, second, third = scenario.rules
    assert first.respond == {"status": -13}
    assert first.match.providers == ("infobip",)
    assert first.match.to[0].kind == "glob"
    assert [p.kind for p in second.match.to + second.match.text] == ["regex", "regex"]
    assert second.dlr is not None
    assert second.dlr[1].after == LogNormal(median=300, sigma=0.8)
    assert second.dlr[1].status.options == (("delivered", 0.9), ("undeliverable", 0.1))
    assert second.dlr[1].error == "EC_ABSENT_SUBSCRIBER"
    assert third.fault is not None and third.fault.kind == "connection_reset"
    pull, throttle = scenario.faults
    assert (pull.provider, pull.protocol, pull.target) == ("infobip", "http", "/api/v3/dr/pull")
    assert throttle.selector.nth is not None and throttle.selector.nth.every == 5
    assert scenario.callbacks[0].fail_first == 2 and scenario.callbacks[0].error == "timeout"
    assert scenario.events[0].action == MoEvent(sender="962791234567", text="STOP")
    assert scenario.lines["rules[1].dlr[1]"] == 11


def test_yaml_on_and_dates_stay_strings() -> None:
    scenario = parse_text(
        "version: 1\nstart: 2025-03-01T10:00:00Z\nfaults:\n  - {on: infobip, kind: empty_reply}\n"
    )
    assert scenario.faults[0].provider == "infobip"
    assert scenario.start is not None and scenario.start.hour == 10


def test_time_values() -> None:
    scenario = load_scenario(
        {
            "version": 1,
            "rules": [
                {
                    "dlr": [
                        {"after": 90, "status": "enroute"},
                        {"after": "1d2h", "status": "enroute"},
                        {"after": {"fixed": "10m"}, "status": "enroute"},
                        {"after": {"uniform": {"min": "1s", "max": "2s"}}, "status": "enroute"},
                        {"after": {"exponential": {"mean": "1m", "max": "5m"}}, "status": 2},
                        {"after": {"choice": {"30s": 0.7, "5m": 0.3}}, "status": "delivered"},
                    ]
                }
            ],
        }
    )
    steps = scenario.rules[0].dlr
    assert steps is not None
    assert [s.after for s in steps] == [
        Fixed(seconds=90),
        Fixed(seconds=93600),
        Fixed(seconds=600),
        Uniform(low=1, high=2),
        Exponential(mean=60, cap=300),
        Choice(options=((Fixed(seconds=30), 0.7), (Fixed(seconds=300), 0.3))),
    ]
    assert steps[4].status.options == ((2, 1.0),)


def test_event_kinds() -> None:
    scenario = load_scenario(
        {
            "version": 1,
            "events": [
                {"at": "1m", "provider": "infobip", "balance": {"account": "a", "add": 5}},
                {"at": "1m", "provider": "infobip", "expire": {"account": "a"}},
                {"at": "1m", "provider": "infobip", "hlr": {"msisdn": 385, "stat": "DELIVRD"}},
                {
                    "at": "1m",
                    "provider": "infobip",
                    "outage": {"listener": ["primary"], "for": "5m"},
                },
            ],
        }
    )
    assert [e.action for e in scenario.events] == [
        BalanceEvent(account="a", add="5"),
        ExpiryEvent(account="a"),
        HlrEvent(msisdn="385", result={"stat": "DELIVRD"}),
        OutageEvent(listeners=("primary",), duration=Fixed(seconds=300)),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seed: 1\n", "x.yaml:1: version: missing; write 'version: 1' at the top of the file"),
        ("version: 2\n", "x.yaml:1: version: 2 is not supported (supported: (1,))"),
        (
            "version: 1\nrules:\n  - match: {to: '1'}\n    dlr:\n      - {after: 5 mins, status: x}\n",
            "x.yaml:5: rules[0].dlr[0].after: '5 mins' is not valid here; expected a duration: "
            "seconds or a string like '90s', '10m', '2h', '1d2h', '250ms'; or {fixed: D}, "
            "{uniform: {min: D, max: D}}, {lognormal: {median: D, sigma: N, max: D}}, "
            "{exponential: {mean: D, max: D}}, {choice: {D: weight, ...}}",
        ),
        (
            "version: 1\nrules:\n  - match: {provder: infobip}\n    respond: {}\n",
            "x.yaml:3: rules[0].match.provder: unknown key (did you mean 'provider'?); allowed: "
            "account, api, nth, probability, protocol, provider, sender, text, time, to",
        ),
        (
            "version: 1\nevents:\n  - {at: 1m, provider: infobp, mo: {from: 1}}\n",
            "x.yaml:3: events[0].provider: unknown provider 'infobp' (did you mean 'infobip'?); "
            "one of infobip, mimsms, broadnet, smsc, enhanced_smpp",
        ),
        (
            "version: 1\nrules:\n  - match: {to: '/[/'}\n    respond: {}\n",
            "x.yaml:3: rules[0].match.to: not a valid regular expression "
            "(unterminated character set at position 0): '['",
        ),
        (
            "version: 1\nrules:\n  - {respond: {}, dlr: []}\n",
            "x.yaml:3: rules[0]: a rule has exactly one of respond (a provider-native answer), "
            "dlr (a status timeline) or fault; this one has respond, dlr",
        ),
        (
            "version: 1\nfaults:\n  - {on: 'infobip:smpp:submit_sm', kind: truncated_body}\n",
            "x.yaml:3: faults[0].kind: 'truncated_body' is an HTTP fault; SMPP faults: no_response, "
            "delayed_response, generic_nack, error_status, throttled, queue_full, unbind, "
            "drop_connection, bind_refused, bind_wrong_status, bind_generic_nack, "
            "bad_command_length, invalid_command_id, deliver_sm_before_bound, "
            "deliver_sm_then_unbind, dlr_never_sent, dlr_duplicated, dlr_out_of_order",
        ),
        (
            "version: 1\nfaults:\n  - {on: 'infobip:ftp', kind: empty_reply}\n",
            "x.yaml:3: faults[0].on: 'infobip:ftp': the protocol is http, smpp or *; write "
            "'provider:http:/path/glob*' or 'provider:smpp:submit_sm'",
        ),
        (
            "version: 1\n\nrules:\n  - dlr:\n    - after: 1s\n      status: delivered\n"
            "    - after: {uniform: {min: 5s, max: 1s}}\n      status: delivered\n",
            "x.yaml:7: rules[0].dlr[1].after.uniform.max: max (1s) is below min (5s)",
        ),
        (
            "version: 1\ncallbacks:\n  - {provider: infobip, with: timeout}\n",
            "x.yaml:3: callbacks[0]: say which attempts fail: fail_first: N, always: true "
            "or probability: P",
        ),
        ("version: 1\nrules: [\n", "x.yaml:3: not valid YAML: expected the node content"),
    ],
)
def test_errors_name_file_line_path_and_what_is_allowed(text: str, message: str) -> None:
    assert error_of(text).startswith(message)


def test_status_names_checked_at_load_of_a_hub() -> None:
    from pytest_smsmock.hub import SmsMock

    hub = SmsMock(providers=("smsc",))
    text = "version: 1\nrules:\n  - dlr:\n      - after: 1s\n        status: delivred\n"
    with pytest.raises(ScenarioError) as info:
        hub.load_scenario(parse_text(text, source_name="s.yaml"))
    assert str(info.value).startswith(
        "s.yaml:5: rules[0].dlr[0].status: 'delivred' is not a status for smsc "
        "(did you mean 'delivered'?); canonical: accepted, enroute, delivered, undeliverable, "
        "expired, rejected, unknown, deleted"
    )


def test_schema_is_shipped_and_valid() -> None:
    shipped = json.loads(
        resources.files("pytest_smsmock.scenario").joinpath("schema.json").read_text("utf-8")
    )
    assert shipped == schema()
    jsonschema.Draft202012Validator.check_schema(shipped)


def test_every_bundled_scenario_loads() -> None:
    root = Path(__file__).parents[3] / "scenarios"
    files = sorted(root.glob("*.yaml"))
    assert len(files) >= 9
    for path in files:
        assert load_scenario(path).version == 1


def test_check_files_reports_every_file(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text("version: 1\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nrules:\n  - dlr: [{after: 1s, status: delivred}]\n")
    out = io.StringIO()
    assert check_files([bad, tmp_path / "missing.yaml", good], out=out) == 2
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(
        f"error: {bad}:3: rules[0].dlr[0].status: 'delivred' is not a status"
    )
    assert lines[1].startswith(f"error: {tmp_path / 'missing.yaml'}: cannot read scenario file")
    assert lines[2] == f"ok: {good}"


def test_every_schema_problem_is_listed_with_its_line() -> None:
    message = error_of(
        "version: 1\nfoo: 2\nrules:\n  - match: {to: 1, bar: 2}\n"
        "    dlr: [{after: xx, status: delivered}]\n"
    )
    head, *problems = message.splitlines()
    assert head == "x.yaml: 3 problems:"
    assert len(problems) == 3
    assert problems[0].startswith("  x.yaml:2: foo: unknown key; allowed: accounts, callbacks")
    assert problems[1].startswith("  x.yaml:4: rules[0].match.bar: unknown key; allowed: account,")
    assert problems[2].startswith("  x.yaml:5: rules[0].dlr[0].after: 'xx' is not valid here")


TYPOS = """version: 1
foo: 2
rules:
  - match: {provider: broadnet, bar: 2}
    dlr:
      - {after: 1s, status: ACCEPTD}
      - {after: xx, status: DELIVERD}
  - match: {provider: broadnet}
    dlr: [{after: 5s, status: UNDELVD}]
events:
  - {at: 1m, provider: infobp, mo: {from: 1}}
"""


def test_check_file_reports_every_problem_once_schema_semantics_and_native_names(
    tmp_path: Path,
) -> None:
    # A provider-native typo used to go unreported in a file that also had schema errors.
    path = tmp_path / "typos.yaml"
    path.write_text(TYPOS)
    problems = [str(p) for p in check_file(path)]
    assert [p.split(": ", 2)[:2] for p in problems] == [
        [f"{path}:2", "foo"],
        [f"{path}:4", "rules[0].match.bar"],
        [f"{path}:7", "rules[0].dlr[1].after"],
        [f"{path}:7", "rules[0].dlr[1].status"],
        [f"{path}:9", "rules[1].dlr[0].status"],
        [f"{path}:11", "events[0].provider"],
    ]
    assert "'DELIVERD' is not a status for broadnet (did you mean 'DELIVRD'?)" in problems[3]
    assert "'UNDELVD' is not a status for broadnet (did you mean 'UNDELIV'?)" in problems[4]
    with pytest.raises(ScenarioError) as info:
        validate_file(path)
    assert len(info.value.problems) == 6
    listed = str(info.value).splitlines()
    assert listed[0] == f"{path}: 6 problems:"
    assert [line[:2] for line in listed[1:]] == ["  "] * 6  # each at the same indentation
    assert [line.strip() for line in listed[1:]] == problems


def test_a_wrong_subtree_is_quoted_short() -> None:
    message = error_of("version: 1\nrules: [" + "[" * 60 + "]" * 60 + "]\n")
    assert message.startswith("x.yaml:2: rules[0]: expected object, got [[[[")
    assert message.endswith(" ...") and len(message) < 140


def _alias_bomb(levels: int) -> str:
    """`levels` levels of 9 aliases each: 9**levels values once expanded."""
    lines = ["version: 1", "description: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels + 1):
        lines.append(f"x{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("levels", [5, 8])
def test_an_alias_bomb_is_refused_before_it_is_expanded(levels: int) -> None:
    # 8 levels of 9 used to run past 30 s and 3 GB in the line index and the schema check.
    message = error_of(_alias_bomb(levels))
    assert message.startswith("x.yaml: YAML aliases expand this document by ")
    assert "more than the 10000 allowed (an alias bomb?)" in message


def test_anchors_reused_a_few_times_still_load() -> None:
    text = (
        "version: 1\nrules:\n"
        "  - match: {to: '1*'}\n    dlr: &slow [{after: 1h, status: delivered}]\n"
        "  - match: {to: '2*'}\n    dlr: *slow\n"
        "  - match: {to: '3*'}\n    dlr: *slow\n"
    )
    scenario = parse_text(text, source_name="x.yaml")
    assert [rule.dlr for rule in scenario.rules][1:] == [scenario.rules[0].dlr] * 2


def test_a_recursive_alias_is_refused_with_its_line() -> None:
    assert error_of("version: 1\ndescription: &me [1, *me]\n").startswith(
        "x.yaml:2: a YAML alias refers to the node that holds it (a recursive document)"
    )


def test_nesting_too_deep_for_the_reader_is_an_error_not_a_traceback() -> None:
    text = "version: 1\nrules: " + "[" * 5000 + "]" * 5000 + "\n"
    assert error_of(text) == "x.yaml: the YAML nests collections too deeply to read"
