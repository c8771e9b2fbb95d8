"""A scenario applied to a hub without sockets: decide() and dispatch() hooks, event checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.messages import Message
from pytest_smsmock.errors import Refusal, ScenarioError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import HttpListener, ProviderFake
from pytest_smsmock.providers.http_faults import FaultedResponse, faulted
from pytest_smsmock.providers.submission import Draft, submit
from pytest_smsmock.scenario.decisions import SubmitContext
from pytest_smsmock.scenario.faults import SmppFault
from pytest_smsmock.scenario.loader import parse_text


class Tiny(ProviderFake):
    name = "tiny"
    http_listeners = (HttpListener(name="primary"),)

    def handle_http(self, request: Request, listener: str) -> Response:
        account = self.accounts.get("test")
        assert account is not None
        result = submit(
            self,
            account,
            [Draft(to="1", sender="s", text="t", price=Decimal(0))],
            protocol="http",
            api="",
            at=self.clock.now(),
            build=lambda draft, decision: Message(
                message_id=self.new_id(),
                provider=self.name,
                account="test",
                to="1",
                sender="s",
                text="t",
                submitted_at=self.clock.now(),
            ),
            refuse=lambda answer, draft: Refusal("refused", status=400),
            no_credit=lambda cost: Refusal("no credit", status=402),
        )
        answer = None if result.replaced else Response('{"ok": true}', mimetype="application/json")
        return faulted(result.fault, answer)


def hub_with(text: str) -> SmsMock:
    hub = SmsMock(providers=(), fakes=[Tiny])
    hub.load_scenario(parse_text(text, source_name="t.yaml", known_providers=("tiny",)))
    return hub


def call(hub: SmsMock, path: str = "/send") -> Response:
    return hub.fakes["tiny"].dispatch(EnvironBuilder(path=path).get_request(), "primary")


def test_rule_fault_over_smpp_is_decided_for_the_listener() -> None:
    hub = hub_with("version: 1\nrules:\n  - {match: {protocol: smpp}, fault: queue_full}\n")
    decision = hub.fakes["tiny"].decide(
        SubmitContext(
            provider="tiny",
            protocol="smpp",
            account="a",
            to="1",
            sender="s",
            text="t",
            at=hub.clock.now(),
        )
    )
    assert decision.fault == SmppFault(
        kind="queue_full", command_status=0x14, source="faults of rules[0]"
    )
    assert hub.journal.entries(channel="scenario")[-1].summary == (
        "rules[0] matched 1: fault queue_full"
    )


def test_dispatch_without_sockets_answers_raw_faults_with_a_502() -> None:
    hub = hub_with("version: 1\nrules:\n  - {match: {nth: 1}, fault: connection_reset}\n")
    first = call(hub)
    assert isinstance(first, FaultedResponse) and first.status_code == 502
    assert first.fault.kind == "connection_reset"
    assert call(hub).get_json() == {"ok": True}
    outs = [e.summary for e in hub.journal.entries(channel="http", direction="out")]
    assert outs[0].endswith("(fault connection_reset)")


def test_truncated_answer_keeps_status_and_type() -> None:
    hub = hub_with("version: 1\nfaults:\n  - {on: tiny, kind: truncated_body, keep: 0.5}\n")
    answer = call(hub)
    assert (answer.status_code, answer.mimetype, answer.get_data()) == (
        200,
        "application/json",
        b'{"ok":',
    )


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (
            "{at: 1m, provider: tiny, balance: {account: nobody, set: 1}}",
            "t.yaml:3: events[0].balance.account: tiny has no account 'nobody' (accounts: test)",
        ),
        (
            "{at: 1m, provider: tiny, outage: {listener: backup}}",
            "t.yaml:3: events[0].outage.listener: tiny has no HTTP listener 'backup' "
            "(listeners: primary)",
        ),
        (
            "{at: 1m, provider: tiny, hlr: {msisdn: '1'}}",
            "t.yaml:3: events[0].hlr: tiny has no HLR lookups to script (no set_hlr_result)",
        ),
    ],
)
def test_events_are_checked_against_the_hub(event: str, message: str) -> None:
    with pytest.raises(ScenarioError) as info:
        hub_with(f"version: 1\nevents:\n  - {event}\n")
    assert str(info.value) == message


def test_events_fire_on_the_clock_and_are_journaled() -> None:
    hub = hub_with(
        "version: 1\nevents:\n"
        "  - {at: {uniform: {min: 1m, max: 2m}}, provider: tiny, mo: {from: '385', text: STOP}}\n"
        "  - {at: 1h, provider: tiny, expire: {account: test}}\n"
        "  - {at: 2h, provider: tiny, balance: {account: test, add: 5}}\n"
    )
    fake = hub.fakes["tiny"]
    hub.clock.advance("59s")
    assert len(fake.inbox) == 0
    hub.clock.advance("61s")
    assert [m.text for m in fake.inbox.take()] == ["STOP"]
    hub.clock.advance("2h")
    account = fake.accounts.get("test")
    assert account is not None and account.expired and str(account.balance) == "1005"
    summaries = [e.summary for e in hub.journal.entries(channel="scenario")][1:]
    assert summaries == [
        "events[0]: MO from 385: 'STOP'",
        "events[1]: account test expired",
        "events[2]: balance of test is now 1005",
    ]


def test_a_seed_given_to_load_beats_the_files() -> None:
    hub = SmsMock(providers=(), fakes=[Tiny])
    scenario = parse_text("version: 1\nseed: 5\n", known_providers=("tiny",))
    hub.load_scenario(scenario)
    assert hub.seed == 5
    hub.load_scenario(scenario, seed=8)
    assert hub.seed == 8 and hub.runtime.engine().seed == 8


def test_loading_another_scenario_cancels_the_pending_events() -> None:
    hub = hub_with("version: 1\nevents:\n  - {at: 1m, provider: tiny, mo: {from: '1', text: A}}\n")
    hub.load_scenario(
        parse_text(
            "version: 1\nevents:\n  - {at: 2m, provider: tiny, mo: {from: '1', text: B}}\n",
            known_providers=("tiny",),
        )
    )
    hub.clock.advance("5m")
    assert [m.text for m in hub.fakes["tiny"].inbox.take()] == ["B"]
