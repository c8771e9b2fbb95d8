"""The pure engine: rule matching, seeded draws, DLR plans, fault selection, callbacks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.decisions import SubmitContext
from pytest_smsmock.scenario.engine import Engine
from pytest_smsmock.scenario.faults import HttpFault, SmppContext, SmppFault
from pytest_smsmock.scenario.loader import load_scenario

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def engine(*, seed: int = 0, fakes: Any = None, **parts: Any) -> Engine:
    scenario = load_scenario({"version": 1, **parts}, known_providers=("echo",))
    return Engine(scenario, seed=seed, fakes=fakes, origin=T0)


def ctx(**kw: Any) -> SubmitContext:
    base: dict[str, Any] = dict(
        provider="infobip",
        protocol="http",
        account="test",
        to="385911234567",
        sender="Shop",
        text="hello",
        at=T0,
    )
    base.update(kw)
    return SubmitContext(**base)


def rule_of(e: Engine, **kw: Any) -> int | None:
    return e.decide_submit(ctx(**kw)).rule


def test_no_scenario_gives_the_default_plan() -> None:
    decision = Engine().decide_submit(ctx())
    assert decision.plan == DEFAULT_PLAN
    assert (decision.respond, decision.fault, decision.rule) == (None, None, None)
    assert Engine().http_fault("infobip", "primary", "GET", "/") is None
    assert Engine().smpp_fault("infobip", "submit_sm") is None
    assert Engine().callback_fault("infobip") is None


@pytest.mark.parametrize(
    ("match", "hits", "misses"),
    [
        ({"provider": "infobip"}, {}, {"provider": "smsc"}),
        ({"protocol": "smpp"}, {"protocol": "smpp"}, {}),
        ({"api": ["v3-xml", "v3-json"]}, {"api": "v3-json"}, {"api": "v3-plain"}),
        ({"account": "sho*"}, {"account": "shop"}, {}),
        ({"to": "38591*"}, {}, {"to": "385981234567"}),
        ({"to": "+38591*"}, {"to": "+385911234567"}, {}),
        ({"to": "38591*"}, {"to": "+385911234567"}, {"to": "0038591"}),
        ({"to": {"prefix": "3859"}}, {}, {"to": "4915"}),
        ({"to": "385911234567"}, {}, {"to": "3859112345678"}),
        ({"to": "/^3859[0-9]{8}$/"}, {}, {"to": "3859112345678"}),
        ({"to": ["1", "/^38591/"]}, {}, {"to": "2"}),
        ({"sender": "Shop"}, {}, {"sender": "shop"}),
        ({"text": "/OTP/"}, {"text": "Your OTP: 1"}, {}),
        (
            {"time": {"from": "1h", "to": "2h"}},
            {"at": T0 + timedelta(hours=1)},
            {"at": T0 + timedelta(hours=2)},
        ),
    ],
)
def test_match_criteria(
    match: dict[str, Any], hits: dict[str, Any], misses: dict[str, Any]
) -> None:
    e = engine(rules=[{"match": match, "respond": {"status": 1}}])
    assert rule_of(e, **hits) == 0
    assert rule_of(e, **{**hits, **misses}) is None or not misses


def test_first_match_wins_and_times_limits_a_rule() -> None:
    e = engine(
        rules=[
            {"match": {"to": "385*"}, "respond": {"status": -13}, "times": 2},
            {"match": {}, "respond": {"status": -99}},
        ]
    )
    assert [e.decide_submit(ctx()).respond for _ in range(3)] == [
        {"status": -13},
        {"status": -13},
        {"status": -99},
    ]


def test_nth_counts_submissions_per_provider() -> None:
    e = engine(rules=[{"match": {"nth": {"every": 2}}, "respond": {"status": 0}}])
    assert [rule_of(e, provider=p) for p in ("a", "b", "a", "b", "a")] == [None, None, 0, 0, None]
    e = engine(
        rules=[
            {"match": {"nth": [1, 3]}, "respond": {}},
            {"match": {"nth": {"from": 4, "to": 5}}, "respond": {}},
        ]
    )
    assert [rule_of(e) for _ in range(6)] == [0, None, 0, 1, 1, None]


def test_probability_is_seeded() -> None:
    def outcomes(seed: int) -> list[bool]:
        e = engine(seed=seed, rules=[{"match": {"probability": 0.3}, "respond": {}}])
        return [rule_of(e) == 0 for _ in range(200)]

    assert outcomes(1) == outcomes(1) != outcomes(2)
    assert 30 < sum(outcomes(1)) < 90


def test_dlr_timeline_becomes_a_plan() -> None:
    e = engine(
        rules=[
            {
                "dlr": [
                    {"after": "30s", "status": "enroute"},
                    {"after": "5m", "status": "undeliverable", "error": "EC_ABSENT_SUBSCRIBER"},
                    {"after": "1m", "status": "delivered"},  # after a final status: never reached
                ]
            }
        ]
    )
    assert e.decide_submit(ctx()).plan == (
        Transition(after=timedelta(seconds=30), status=Status.ENROUTE),
        Transition(
            after=timedelta(minutes=5), status=Status.UNDELIVERABLE, error="EC_ABSENT_SUBSCRIBER"
        ),
    )
    assert engine(rules=[{"dlr": []}]).decide_submit(ctx()).plan == ()


def test_drawn_delays_and_outcomes_follow_the_seed() -> None:
    rules = [
        {
            "dlr": [
                {
                    "after": {"lognormal": {"median": "5m", "sigma": 0.8}},
                    "status": {"delivered": 0.9, "undeliverable": 0.1},
                }
            ]
        }
    ]

    def plans(seed: int) -> list[tuple[float, Status]]:
        e = engine(seed=seed, rules=rules)
        return [
            (p.after.total_seconds(), p.status)
            for p in (e.decide_submit(ctx()).plan[0] for _ in range(1000))
        ]

    first = plans(7)
    assert first == plans(7)
    assert first != plans(8)
    delays = sorted(d for d, _ in first)
    assert 240 < delays[500] < 360  # the median
    failed = sum(1 for _, s in first if s == Status.UNDELIVERABLE)
    assert 60 < failed < 140


def test_streams_per_provider_do_not_disturb_each_other() -> None:
    rules = [{"dlr": [{"after": {"uniform": {"min": 0, "max": 100}}, "status": "delivered"}]}]
    alone = engine(rules=rules)
    mixed = engine(rules=rules)
    a = [alone.decide_submit(ctx(provider="a")).plan for _ in range(5)]
    b = []
    for _ in range(5):
        mixed.decide_submit(ctx(provider="b"))
        b.append(mixed.decide_submit(ctx(provider="a")).plan)
    assert a == b


class Resolver:
    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        return {"DELIVRD": (Status.DELIVERED, None), 5: (Status.UNDELIVERABLE, 5)}.get(value)

    def native_statuses(self) -> list[str]:
        return ["DELIVRD", "5"]


def test_native_statuses_resolved_through_the_provider() -> None:
    e = engine(
        fakes={"echo": Resolver()},
        rules=[
            {"match": {"provider": "echo"}, "dlr": [{"after": 1, "status": "DELIVRD"}]},
            {"dlr": [{"after": 1, "status": 5}]},
        ],
    )
    assert e.decide_submit(ctx(provider="echo")).plan[0].status == Status.DELIVERED
    plan = e.decide_submit(ctx(provider="echo", to="x", sender="y")).plan
    assert plan[0].status == Status.DELIVERED  # rule 0 again: every echo submission matches
    only = engine(fakes={"echo": Resolver()}, rules=[{"dlr": [{"after": 1, "status": 5}]}])
    assert only.decide_submit(ctx(provider="echo")).plan[0] == Transition(
        after=timedelta(seconds=1), status=Status.UNDELIVERABLE, native=5
    )


def test_unknown_native_status_lists_the_valid_ones() -> None:
    with pytest.raises(ScenarioError) as info:
        engine(
            fakes={"echo": Resolver()},
            rules=[{"match": {"provider": "echo"}, "dlr": [{"after": 1, "status": "DELIVERD"}]}],
        )
    assert str(info.value) == (
        "<mapping>: rules[0].dlr[0].status: 'DELIVERD' is not a status for echo (did you mean "
        "'DELIVRD'?); canonical: accepted, enroute, delivered, undeliverable, expired, rejected, "
        "unknown, deleted; echo native: DELIVRD, 5"
    )
    with pytest.raises(ScenarioError, match=r"needs the rule restricted with match\.provider"):
        engine(
            fakes={"echo": Resolver(), "other": Resolver(), "x": object()},
            rules=[{"dlr": [{"after": 1, "status": "NOPE"}]}],
        )


def test_rule_faults_are_built_for_the_protocol() -> None:
    e = engine(rules=[{"fault": {"kind": "throttled"}}])
    http = e.decide_submit(ctx()).fault
    smpp = e.decide_submit(ctx(protocol="smpp")).fault
    assert isinstance(http, HttpFault) and (http.kind, http.status) == ("too_many_requests", 429)
    assert isinstance(smpp, SmppFault) and (smpp.kind, smpp.command_status) == ("throttled", 0x58)
    reset = engine(rules=[{"fault": "connection_reset"}])
    dropped = reset.decide_submit(ctx(protocol="smpp")).fault
    assert dropped is not None and dropped.kind == "drop_connection"


def test_http_fault_selectors() -> None:
    e = engine(
        faults=[
            {"on": "infobip:http:/api/*", "nth": 2, "kind": "http_status", "status": 503},
            {"on": "infobip:http:/api/*", "nth": 3, "kind": "empty_body"},
            {"on": "*:http", "times": 1, "method": "DELETE", "kind": "http_status", "status": 405},
        ]
    )
    kinds = [
        getattr(e.http_fault("infobip", "primary", "GET", "/api/x"), "kind", None) for _ in range(4)
    ]
    assert kinds == [None, "http_status", "empty_body", None]
    assert e.http_fault("infobip", "primary", "GET", "/other") is None
    assert e.http_fault("smsc", "primary", "DELETE", "/")
    assert e.http_fault("smsc", "primary", "DELETE", "/") is None


def test_rate_and_window_selectors_use_virtual_time() -> None:
    e = engine(
        faults=[
            {
                "on": "infobip",
                "rate": {"limit": 2, "per": "10s"},
                "kind": "too_many_requests",
                "retry_after": "1m",
            }
        ]
    )
    at = [T0, T0, T0, T0 + timedelta(seconds=5), T0 + timedelta(seconds=11)]
    faults = [e.http_fault("infobip", "p", "GET", "/", at=t) for t in at]
    assert [f is not None for f in faults] == [False, False, True, True, False]
    assert faults[2] is not None and faults[2].headers["Retry-After"] == "60"
    w = engine(
        faults=[{"on": "infobip", "during": {"from": "1m", "to": "2m"}, "kind": "empty_reply"}]
    )
    hits = [
        w.http_fault("infobip", "p", "GET", "/", at=T0 + timedelta(seconds=s)) for s in (0, 60, 120)
    ]
    assert [h is not None for h in hits] == [False, True, False]


def test_smpp_faults_without_sockets() -> None:
    e = engine(
        faults=[
            {"on": "enhanced_smpp:smpp:submit_sm", "every": 5, "kind": "throttled"},
            {"on": "enhanced_smpp:smpp:bind_*", "nth": 1, "kind": "bind_refused"},
            {"on": "enhanced_smpp:smpp:deliver_sm", "kind": "dlr_duplicated"},
            {"on": "infobip:smpp:submit_sm", "kind": "generic_nack", "sequence": "zero"},
            {"on": "infobip:smpp:enquire_link", "kind": "delayed_response", "delay": "2s"},
            {"on": "infobip:smpp:query_sm", "kind": "error_status", "command_status": 0x67},
        ]
    )
    throttled = [e.smpp_fault("enhanced_smpp", "submit_sm") for _ in range(10)]
    assert [i + 1 for i, f in enumerate(throttled) if f is not None] == [5, 10]
    assert throttled[4] == SmppFault(kind="throttled", command_status=0x58, source="faults[0]")
    ctx_ = SmppContext(provider="enhanced_smpp", command="bind_transceiver", system_id="x")
    refused = e.smpp_fault("enhanced_smpp", "bind_transceiver", ctx_)
    assert refused is not None and refused.command_status == 0x0D
    assert e.smpp_fault("enhanced_smpp", "bind_transceiver", ctx_) is None
    assert getattr(e.smpp_fault("enhanced_smpp", "deliver_sm"), "kind", None) == "dlr_duplicated"
    nack = e.smpp_fault("infobip", "submit_sm")
    assert nack is not None and nack.sequence == "zero"
    slow = e.smpp_fault("infobip", "enquire_link")
    assert slow is not None and slow.delay == timedelta(seconds=2)
    status = e.smpp_fault("infobip", "query_sm")
    assert status is not None and status.command_status == 0x67


def test_callback_fault_hook() -> None:
    e = engine(
        callbacks=[
            {"provider": "infobip", "kind": "dlr", "fail_first": 2, "with": "timeout"},
            {"provider": "*", "kind": "mo", "always": True, "with": {"status": 500, "body": "no"}},
            {"provider": "smsc", "probability": 0.5, "with": "refused"},
        ]
    )
    hook = e.callback_fault("infobip")
    assert hook is not None
    dlr = CallbackRequest(method="POST", url="http://x/dlr", kind="dlr")
    assert [hook(dlr, n) for n in (1, 2, 3)] == [
        CallbackResult(error="timeout"),
        CallbackResult(error="timeout"),
        None,
    ]
    mo = CallbackRequest(method="GET", url="http://x/mo", kind="mo")
    assert hook(mo, 9) == CallbackResult(status=500, body=b"no")
    smsc = e.callback_fault("smsc")
    assert smsc is not None
    refused = [smsc(dlr, 1) is not None for _ in range(100)]
    assert 30 < sum(refused) < 70
    assert (
        engine(callbacks=[{"provider": "smsc", "always": True, "with": "reset"}]).callback_fault(
            "infobip"
        )
        is None
    )
