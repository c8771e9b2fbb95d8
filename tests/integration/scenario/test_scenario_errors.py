"""Scenario errors: one canonical vocabulary (GSM codes / EC_* names), each provider's own names,
checked when the scenario is loaded and reported in each provider's wire format."""

from __future__ import annotations

import pytest
import requests

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock

AUTH = {"user": "test", "password": "test"}


def _rule(error: object, provider: str | None = None) -> dict[str, object]:
    match: dict[str, object] = {"to": "/^7999/"}
    if provider:
        match["provider"] = provider
    return {
        "version": 1,
        "rules": [
            {"match": match, "dlr": [{"after": "1m", "status": "undeliverable", "error": error}]}
        ],
    }


def test_a_canonical_error_in_a_rule_for_every_provider_is_each_providers_own(
    smsmock: SmsMock,
) -> None:
    smsmock.load_scenario(_rule("EC_ABSENT_SUBSCRIBER"))
    requests.get(
        smsmock.infobip.url + "/api/v3/sendsms/plain",
        params={**AUTH, "sender": "Shop", "SMSText": "hi", "GSM": "79991234567"},
        timeout=10,
    )
    smsc = {"login": "test", "psw": "test", "fmt": 3}
    requests.get(
        smsmock.smsc.url + "/sys/send.php",
        params={**smsc, "phones": "79991234567", "mes": "hi", "id": 7},
        timeout=10,
    )
    smsmock.clock.advance("1m")
    report = requests.get(smsmock.infobip.url + "/api/v3/dr/pull", params=AUTH, timeout=10).text
    assert 'status="NOT_DELIVERED" gsmerror="27"' in report
    status = requests.get(
        smsmock.smsc.url + "/sys/status.php",
        params={**smsc, "phone": "79991234567", "id": 7},
        timeout=10,
    ).json()
    assert (status["status"], status["err"]) == (20, 6)  # SMSC's "subscriber is offline"


def test_a_providers_own_error_name_is_accepted_for_that_provider(smsmock: SmsMock) -> None:
    smsmock.load_scenario(_rule("Subscriber is blocked", provider="smsc"))
    smsc = {"login": "test", "psw": "test", "fmt": 3}
    requests.get(
        smsmock.smsc.url + "/sys/send.php",
        params={**smsc, "phones": "79991234567", "mes": "hi", "id": 8},
        timeout=10,
    )
    smsmock.clock.advance("1m")
    status = requests.get(
        smsmock.smsc.url + "/sys/status.php",
        params={**smsc, "phone": "79991234567", "id": 8},
        timeout=10,
    ).json()
    assert status["err"] == 13


@pytest.mark.parametrize(
    ("error", "provider", "expected"),
    [
        ("EC_ABSENT_SUBSCRIBR", None, "did you mean 'EC_ABSENT_SUBSCRIBER'"),
        ("Subscriber is blocked", None, "needs the rule restricted with match.provider"),
        ("Subscriber is blockd", "smsc", "smsc errors: 0 (No error), 1 (The subscriber"),
        (-5, "infobip", "is not an error code of infobip"),
    ],
)
def test_an_unknown_error_fails_at_load_time_with_what_is_allowed(
    smsmock: SmsMock, error: object, provider: str | None, expected: str
) -> None:
    with pytest.raises(ScenarioError, match=r"rules\[0\]\.dlr\[0\]\.error: ") as info:
        smsmock.load_scenario(_rule(error, provider))
    assert expected in str(info.value)
