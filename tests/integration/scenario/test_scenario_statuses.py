"""Provider-native status names in DLR timelines, resolved through the provider's hook."""

from __future__ import annotations

import pytest
import requests

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.scenario.decisions import SubmitContext
from pytest_smsmock.scenario.loader import parse_text

SEND = {"user": "test", "password": "test", "to": "38591000001", "from": "Shop", "text": "hi"}


def test_native_names_reach_the_client(hub: SmsMock) -> None:
    hub.load_scenario(
        parse_text(
            "version: 1\nrules:\n  - match: {provider: echo}\n"
            "    dlr: [{after: 10s, status: UNDELIV}]\n",
            known_providers=("echo",),
        )
    )
    url = hub.fakes["echo"].url
    message_id = requests.post(url + "/send", data=SEND, timeout=5).json()["id"]
    hub.clock.advance("10s")
    status = requests.get(url + "/status", params={"id": message_id}, timeout=5).json()
    assert status == {"status": "undeliverable", "native": 1, "error": None}
    assert hub.journal.entries(channel="dlr")[-1].summary == f"{message_id} -> undeliverable [1]"


def test_a_native_name_unknown_to_the_provider_fails_with_its_line(hub: SmsMock) -> None:
    text = (
        "version: 1\n"
        "rules:\n"
        "  - match: {provider: echo}\n"
        "    dlr:\n"
        "      - {after: 10s, status: enroute}\n"
        "      - {after: 1m, status: {DELIVRD: 0.5, DELIVERED_TO_HANDSET: 0.5}}\n"
    )
    with pytest.raises(ScenarioError) as info:
        hub.load_scenario(parse_text(text, source_name="n.yaml", known_providers=("echo",)))
    assert str(info.value).startswith(
        "n.yaml:6: rules[0].dlr[1].status: 'DELIVERED_TO_HANDSET' is not a status for echo"
    )
    assert str(info.value).endswith("echo native: DELIVRD, UNDELIV, 2")


def test_smsc_codes_in_a_timeline(smsmock: SmsMock) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [{"match": {"provider": "smsc"}, "dlr": [{"after": "1m", "status": 20}]}],
        }
    )
    context = SubmitContext(
        provider="smsc",
        protocol="http",
        account="test",
        to="1",
        sender="s",
        text="t",
        at=smsmock.clock.now(),
    )
    decision = smsmock.smsc.decide(context)
    assert decision.plan[0].status.final
