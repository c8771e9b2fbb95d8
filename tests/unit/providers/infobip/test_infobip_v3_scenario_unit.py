"""Infobip's native statuses and answers for scenarios, without sockets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from lxml import etree
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from pytest_smsmock.core.messages import Status
from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip import InfobipFake
from pytest_smsmock.providers.infobip.status import (
    DLR_STATUSES,
    NOT_PRODUCED,
    SEND_STATUSES,
    dlr_status,
    gsm_error,
    send_status_code,
)


@pytest.fixture
def mock() -> SmsMock:
    hub = SmsMock(providers=("infobip",))
    hub.reset()
    return hub


@pytest.fixture
def fake(mock: SmsMock) -> InfobipFake:
    return mock.infobip


def plain(fake: InfobipFake, **params: str) -> Response:
    query = {"user": "test", "password": "test", "sender": "Friend", "SMSText": "hi"}
    query.update(params)
    request = EnvironBuilder(path="/api/v3/sendsms/plain", query_string=query).get_request()
    return fake.dispatch(request, "primary")


def statuses(response: Response) -> list[int]:
    root = etree.fromstring(response.get_data())
    return [int(r.findtext("status") or "") for r in root.findall("result")]


def pull(fake: InfobipFake) -> list[dict[str, str]]:
    request = EnvironBuilder(
        path="/api/v3/dr/pull", query_string={"user": "test", "password": "test"}
    ).get_request()
    body = fake.dispatch(request, "primary").get_data()
    if body == b"NO_DATA":
        return []
    return [{str(k): str(v) for k, v in m.attrib.items()} for m in etree.fromstring(body)]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("delivered", (Status.DELIVERED, None)),  # canonical first
        ("DELIVERED", (Status.DELIVERED, None)),
        ("NOT_DELIVERED", (Status.UNDELIVERABLE, "NOT_DELIVERED")),
        ("not_allowed", (Status.REJECTED, "NOT_ALLOWED")),
        ("NOT_SENT", (Status.UNDELIVERABLE, "NOT_SENT")),
        ("SENT", (Status.UNKNOWN, "SENT")),
        ("INVALID_SOURCE_ADDRESS", (Status.REJECTED, "INVALID_SOURCE_ADDRESS")),
        ("DELIVRD", (Status.DELIVERED, None)),
        ("UNDELIV", (Status.UNDELIVERABLE, None)),
        ("ACCEPTD", (Status.ACCEPTED, None)),
        ("EXPIRED", (Status.EXPIRED, None)),
        ("DELIVERY UNKNOWN", (Status.UNKNOWN, None)),
        ("DELIVRED", None),
        ("EC_ABSENT_SUBSCRIBER", None),
        (-13, None),
    ],
)
def test_resolve_status(
    fake: InfobipFake, value: str | int, expected: tuple[Status, str | None] | None
) -> None:
    assert fake.resolve_status(value) == expected


def test_native_statuses_list_every_dlr_name_and_smpp_word(fake: InfobipFake) -> None:
    names = fake.native_statuses()
    assert set(DLR_STATUSES) <= set(names)
    assert {"DELIVRD", "UNDELIV", "ACCEPTD", "EXPIRED", "DELETED", "DELIVERY UNKNOWN"} <= set(names)
    assert all(fake.resolve_status(name) is not None for name in names)


def test_dlr_status_reads_gsm_error_codes_and_names() -> None:
    assert gsm_error("EC_ABSENT_SUBSCRIBER") == 27
    assert gsm_error("ec_sm_df_memorycapacityexceeded") == 256
    assert gsm_error("nonsense") is None
    assert dlr_status(Status.UNDELIVERABLE, "EC_CALL_BARRED") == ("NOT_DELIVERED", 13)
    assert dlr_status(Status.UNDELIVERABLE, "27") == ("NOT_DELIVERED", 27)
    assert dlr_status(Status.UNDELIVERABLE, native="NOT_DELIVERED") == ("NOT_DELIVERED", 1)
    assert dlr_status(Status.EXPIRED, native="NOT_DELIVERED") == ("NOT_DELIVERED", 4101)
    assert dlr_status(Status.UNDELIVERABLE, native="NOT_SENT") == ("NOT_SENT", 0)
    assert dlr_status(Status.REJECTED, native="not_allowed") == ("NOT_ALLOWED", 0)
    assert dlr_status(Status.UNDELIVERABLE, native="whatever") == ("NOT_DELIVERED", 1)
    # a native name and an error together: the name is the status, the error its gsmerror
    assert dlr_status(Status.REJECTED, "EC_CALL_BARRED", "NOT_ALLOWED") == ("NOT_ALLOWED", 13)
    assert dlr_status(Status.UNDELIVERABLE, 27, "NOT_SENT") == ("NOT_SENT", 27)


def test_send_status_code_reads_codes_and_names() -> None:
    assert send_status_code(-13) == -13
    assert send_status_code("-13") == -13
    assert send_status_code("- 1") == -1
    assert send_status_code("INVALID_DESTINATION_ADDRESS") == -13
    assert send_status_code("network_notcovered") == -3
    assert send_status_code("NO_SUCH_CODE") == -99
    assert send_status_code(True) == -99
    assert set(SEND_STATUSES) >= NOT_PRODUCED


def test_respond_by_name_or_code_and_client_only_codes(mock: SmsMock, fake: InfobipFake) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"to": "38591*"}, "respond": {"status": "NETWORK_NOTCOVERED"}},
                {"match": {"to": "38592*"}, "respond": {"status": -9}},
                {"match": {"to": "38593*"}, "respond": {"status": "-12"}},
            ],
        }
    )
    assert statuses(plain(fake, GSM="385911111111,385921111111,385931111111")) == [-3, -9, -12]
    assert statuses(plain(fake, GSM="385981111111")) == [0]
    assert len(fake.messages) == 1
    assert fake.accounts.get("test").balance == Decimal("999")  # type: ignore[union-attr]


def test_rule_fault_is_the_transports_not_a_status(mock: SmsMock, fake: InfobipFake) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "rules": [{"match": {"nth": 2}, "fault": {"kind": "http_status", "status": 503}}],
        }
    )
    assert statuses(plain(fake, GSM="385981111111")) == [0]
    answer = plain(fake, GSM="385981111112")
    assert answer.status_code == 503 and b"<status>" not in answer.get_data()
    assert statuses(plain(fake, GSM="385981111113")) == [0]
    assert [m.to for m in fake.messages] == ["385981111111", "385981111113"]


def test_native_timeline_reports_exactly_that_status(mock: SmsMock, fake: InfobipFake) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "rules": [
                {
                    "match": {"to": "38591*"},
                    "dlr": [
                        {"after": "2s", "status": "ACCEPTD", "error": "EC_CALL_BARRED"},
                        {"after": "3s", "status": "NOT_SENT"},
                    ],
                },
                {
                    "match": {"to": "38592*"},
                    "dlr": [{"after": "1s", "status": "NOT_DELIVERED", "error": 27}],
                },
                {"match": {"to": "38593*"}, "dlr": [{"after": "1s", "status": "DELIVRD"}]},
            ],
        }
    )
    plain(fake, GSM="385911111111,385921111111,385931111111")
    mock.clock.advance("5s")
    reports = {r["id"]: (r["status"], r["gsmerror"]) for r in pull(fake)}
    first, second, third = (m.message_id for m in fake.messages)
    # The earlier step's error does not leak into the final report.
    assert reports == {
        first: ("NOT_SENT", "0"),
        second: ("NOT_DELIVERED", "27"),
        third: ("DELIVERED", "0"),
    }


def test_not_allowed_is_not_charged(mock: SmsMock, fake: InfobipFake) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"to": "38591*"}, "dlr": [{"after": "1s", "status": "NOT_ALLOWED"}]}
            ],
        }
    )
    account = fake.accounts.get("test")
    assert account is not None
    plain(fake, GSM="385911111111,385981111111")
    assert account.balance == Decimal("998")
    mock.clock.advance("5s")
    assert account.balance == Decimal("999")
    assert sorted(r["status"] for r in pull(fake)) == ["DELIVERED", "NOT_ALLOWED"]


def test_unknown_native_name_fails_with_the_valid_list(mock: SmsMock) -> None:
    with pytest.raises(ScenarioError) as info:
        mock.load_scenario(
            {
                "version": 1,
                "rules": [
                    {
                        "match": {"provider": "infobip"},
                        "dlr": [{"after": "1s", "status": "NOT_DELIVERD"}],
                    }
                ],
            }
        )
    message = str(info.value)
    assert "rules[0].dlr[0].status" in message
    assert "did you mean 'NOT_DELIVERED'?" in message
    assert "infobip native: NOT_SENT, SENT, NOT_DELIVERED" in message
    assert "DELIVERY UNKNOWN" in message


def test_scenario_account_quirks_and_a_bad_quirk(mock: SmsMock, fake: InfobipFake) -> None:
    mock.load_scenario(
        {
            "version": 1,
            "accounts": {
                "infobip": [{"username": "q", "password": "pw", "quirks": ["gsmerrcode"]}]
            },
        }
    )
    assert fake.v3.quirk("gsmerrcode", fake.accounts.get("q"))
    assert not fake.v3.quirk("gsmerrcode", fake.accounts.get("test"))
    with pytest.raises(Exception, match="quirks must be a list of"):
        mock.load_scenario(
            {
                "version": 1,
                "accounts": {"infobip": [{"username": "q", "password": "pw", "quirks": ["nope"]}]},
            }
        )
