"""Infobip's REST authentication (App, Basic, IBSSO, Bearer) and scheduled bulks on the clock."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from infobip_rest_client import Client
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.messages import Status
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip import InfobipFake
from pytest_smsmock.providers.infobip.bulks import TRANSITIONS, BulkStatus

START = datetime(2025, 1, 1, tzinfo=UTC)
UNAUTHORIZED = b'{"requestError": {"serviceException": {"messageId": "UNAUTHORIZED", "text": "Invalid login details"}}}'  # noqa: E501


@pytest.fixture
def mock() -> Iterator[SmsMock]:
    hub = SmsMock(providers=("infobip", "mimsms"))
    yield hub
    hub.raise_errors()


@pytest.fixture
def fake(mock: SmsMock) -> InfobipFake:
    fake = mock.infobip
    fake.add_account("shop", "s3cret", api_key="shop-key")
    return fake


def logs_with(fake: InfobipFake, auth: str | None) -> Any:
    return Client(fake, auth).get("/sms/1/logs")


# -- authentication ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "auth",
    [
        "App shop-key",
        "app shop-key",
        "Basic " + base64.b64encode(b"shop:s3cret").decode(),
    ],
)
def test_app_keys_and_basic_credentials_are_accepted(fake: InfobipFake, auth: str) -> None:
    assert logs_with(fake, auth).status == 200


@pytest.mark.parametrize(
    "auth",
    [
        None,
        "",
        "App",
        "App wrong-key",
        "Basic " + base64.b64encode(b"shop:nope").decode(),
        "Basic !!!",
        "IBSSO unknown",
        "Bearer unknown",
        "Digest x",
    ],
)
def test_wrong_or_missing_credentials_are_401_as_infobip_answers(
    fake: InfobipFake, auth: str | None
) -> None:
    answer = logs_with(fake, auth)
    assert (answer.status, answer.content_type, answer.body) == (
        401,
        "application/json",
        UNAUTHORIZED,
    )


def test_todays_endpoints_answer_401_as_an_api_error(fake: InfobipFake) -> None:
    answer = Client(fake, "App wrong").get("/sms/3/logs")
    assert answer.status == 401
    assert answer.json() == {
        "errorCode": "E401",
        "description": "Request cannot be authorized.",
        "action": "Check your credentials and authorization method.",
        "violations": [],
        "resources": [{"name": "SMS API", "url": "https://www.infobip.com/docs/api/channels/sms"}],
    }


def test_authentication_comes_before_the_body(fake: InfobipFake) -> None:
    answer = Client(fake, "App nope").request(
        "POST", "/sms/3/messages", raw=b"{", headers={"Content-Type": "application/json"}
    )
    assert answer.status == 401


def test_ibsso_sessions_live_an_hour_after_their_last_use(fake: InfobipFake, mock: SmsMock) -> None:
    anonymous = Client(fake, None)
    assert anonymous.post("/auth/1/session", {"username": "shop", "password": "no"}).status == 401
    token = anonymous.post("/auth/1/session", {"username": "shop", "password": "s3cret"}).json()[
        "token"
    ]
    mock.clock.advance("59m")
    assert logs_with(fake, f"IBSSO {token}").status == 200  # the use renews it
    mock.clock.advance("59m")
    assert logs_with(fake, f"IBSSO {token}").status == 200
    mock.clock.advance("61m")
    assert logs_with(fake, f"IBSSO {token}").status == 401


def test_an_ibsso_session_ends_with_delete(fake: InfobipFake) -> None:
    token = (
        Client(fake, None)
        .post("/auth/1/session", {"username": "shop", "password": "s3cret"})
        .json()["token"]
    )
    session = Client(fake, f"IBSSO {token}")
    assert session.request("DELETE", "/auth/1/session").status == 204
    assert logs_with(fake, f"IBSSO {token}").status == 401


def test_oauth2_tokens_expire_on_the_virtual_clock(fake: InfobipFake, mock: SmsMock) -> None:
    def token_request(**form: str) -> Any:
        request = EnvironBuilder(method="POST", path="/auth/1/oauth2/token", data=form)
        response = fake.dispatch(request.get_request(), "primary")
        return response

    refused = token_request(client_id="shop", client_secret="no", grant_type="client_credentials")
    assert refused.status_code == 401
    assert token_request(client_id="shop", client_secret="s3cret").status_code == 400
    granted = token_request(
        client_id="shop", client_secret="s3cret", grant_type="client_credentials"
    ).get_json()
    assert set(granted) == {"access_token", "expires_in"}
    bearer = f"Bearer {granted['access_token']}"
    assert logs_with(fake, bearer).status == 200
    mock.clock.advance(timedelta(seconds=granted["expires_in"]))
    assert logs_with(fake, bearer).status == 401


def test_mimsms_takes_basic_only_as_its_document_says(mock: SmsMock) -> None:
    mimsms = mock.mimsms
    mimsms.add_account("k", "pw", api_key="mimsms-key")
    assert Client(mimsms, "App mimsms-key").get("/sms/1/logs").status == 401
    assert (
        Client(mimsms, "Basic " + base64.b64encode(b"k:pw").decode()).get("/sms/1/logs").status
        == 200
    )
    assert Client(mimsms).get("/sms/3/logs").status == 404  # not a MiMSMS endpoint


def test_an_api_key_names_one_account(fake: InfobipFake) -> None:
    fake.add_account("shop", "other-password", api_key="shop-key")  # the same account again
    with pytest.raises(ConfigError, match="already the key of 'shop'"):
        fake.add_account("thief", "pw", api_key="shop-key")


def test_unknown_paths_and_methods_answer_in_the_envelope(fake: InfobipFake) -> None:
    client = Client(fake, "App shop-key")
    assert client.get("/sms/9/nothing").exception()["messageId"] == "NOT_FOUND"
    assert client.get("/sms/3/nothing").json()["errorCode"] == "E404"
    answer = client.get("/sms/3/messages")
    assert answer.status == 405


# -- scheduled bulks -------------------------------------------------------------------------------
def schedule(fake: InfobipFake, bulk_id: str = "b1", minutes: int = 60, count: int = 2) -> None:
    body = {
        "messages": [
            {
                "sender": "Shop",
                "destinations": [{"to": f"4179302672{n}"} for n in range(count)],
                "content": {"text": "Later"},
            }
        ],
        "options": {
            "schedule": {
                "bulkId": bulk_id,
                "sendAt": (START + timedelta(minutes=minutes)).isoformat(),
            }
        },
    }
    answer = Client(fake, "App shop-key").post("/sms/3/messages", body)
    assert answer.status == 200, answer.body
    assert answer.json()["bulkId"] == bulk_id


def bulk(fake: InfobipFake, method: str, path: str, body: Any = None) -> Any:
    answer = Client(fake, "App shop-key").request(method, path, body, query={"bulkId": "b1"})
    return answer


def test_a_scheduled_bulk_leaves_at_send_at(fake: InfobipFake, mock: SmsMock) -> None:
    schedule(fake)
    assert bulk(fake, "GET", "/sms/1/bulks").json() == {
        "bulkId": "b1",
        "sendAt": "2025-01-01T01:00:00.000+0000",
    }
    assert bulk(fake, "GET", "/sms/1/bulks/status").json() == {"bulkId": "b1", "status": "PENDING"}
    assert {m.status for m in fake.messages} == {Status.SCHEDULED}
    mock.clock.advance("60m")
    assert bulk(fake, "GET", "/sms/1/bulks/status").json()["status"] == "PROCESSING"
    mock.clock.advance("5s")
    assert bulk(fake, "GET", "/sms/1/bulks/status").json()["status"] == "FINISHED"
    assert {m.status for m in fake.messages} == {Status.DELIVERED}
    assert fake.messages.last.done_at == START + timedelta(minutes=60, seconds=5)


def test_pause_resume_and_reschedule(fake: InfobipFake, mock: SmsMock) -> None:
    schedule(fake)
    assert (
        bulk(fake, "PUT", "/sms/1/bulks/status", {"status": "PAUSED"}).json()["status"] == "PAUSED"
    )
    mock.clock.advance("2h")
    assert {m.status for m in fake.messages} == {Status.SCHEDULED}  # held
    moved = bulk(fake, "PUT", "/sms/1/bulks", {"sendAt": "2025-01-01T03:00:00.000+0000"})
    assert moved.json() == {"bulkId": "b1", "sendAt": "2025-01-01T03:00:00.000+0000"}
    mock.clock.advance("2h")
    assert {m.status for m in fake.messages} == {Status.SCHEDULED}  # still paused
    resumed = bulk(fake, "PUT", "/sms/1/bulks/status", {"status": "PENDING"}).json()
    assert resumed["status"] == "PROCESSING"  # its time has come: it leaves at once
    mock.clock.advance("5s")
    assert {m.status for m in fake.messages} == {Status.DELIVERED}
    assert fake.messages.last.done_at == START + timedelta(hours=4, seconds=5)


def test_reschedule_moves_a_pending_bulk_and_its_validity(fake: InfobipFake, mock: SmsMock) -> None:
    schedule(fake)
    before = fake.messages.last.expires_at
    bulk(fake, "PUT", "/sms/1/bulks", {"sendAt": "2025-01-01T02:00:00+00:00"})
    assert fake.messages.last.expires_at == before + timedelta(hours=1)  # type: ignore[operator]
    mock.clock.advance("61m")
    assert {m.status for m in fake.messages} == {Status.SCHEDULED}
    mock.clock.advance("60m")
    assert {m.status for m in fake.messages} == {Status.DELIVERED}


def test_cancel_ends_the_waiting_messages_and_refunds_them(
    fake: InfobipFake, mock: SmsMock
) -> None:
    account = fake.accounts.get("shop")
    assert account is not None
    before = account.balance
    schedule(fake)
    assert account.balance == before - 2
    answer = bulk(fake, "PUT", "/sms/1/bulks/status", {"status": "CANCELED"})
    assert answer.json()["status"] == "CANCELED"
    assert account.balance == before
    mock.clock.advance(0)  # the cancellation takes effect as the clock turns
    assert {(m.status, m.error) for m in fake.messages} == {(Status.DELETED, 4100)}
    [log, _] = Client(fake, "App shop-key").get("/sms/3/logs").json()["results"]
    assert log["error"]["name"] == "EC_Cancelled"
    assert log["sentAt"] == "2025-01-01T00:00:00.000+0000"  # it never left
    mock.clock.advance("2h")
    assert {m.status for m in fake.messages} == {Status.DELETED}


@pytest.mark.parametrize(
    ("steps", "refused"),
    [
        (["CANCELED"], "PAUSED"),
        (["CANCELED"], "PENDING"),
        ([], "FINISHED"),
        ([], "FAILED"),
    ],
)
def test_changes_the_table_does_not_allow_are_refused(
    fake: InfobipFake, steps: list[str], refused: str
) -> None:
    schedule(fake)
    for step in steps:
        assert bulk(fake, "PUT", "/sms/1/bulks/status", {"status": step}).status == 200
    answer = bulk(fake, "PUT", "/sms/1/bulks/status", {"status": refused})
    assert answer.status == 400
    assert answer.exception()["messageId"] == "BAD_REQUEST"


def test_the_transition_table_never_leaves_a_final_bulk() -> None:
    for current, _asked in TRANSITIONS:
        assert current not in (BulkStatus.FINISHED, BulkStatus.FAILED)


def test_bulk_requests_need_a_known_bulk_id_and_a_valid_body(fake: InfobipFake) -> None:
    client = Client(fake, "App shop-key")
    assert client.get("/sms/1/bulks").status == 400
    assert client.get("/sms/1/bulks", {"bulkId": "nope"}).status == 404
    schedule(fake)
    assert bulk(fake, "PUT", "/sms/1/bulks", {"sendAt": "2024-01-01T00:00:00Z"}).status == 400
    assert bulk(fake, "PUT", "/sms/1/bulks", {}).status == 400
    assert bulk(fake, "PUT", "/sms/1/bulks/status", {"status": "SLEEPING"}).status == 400
    other = Client(fake)  # test/test: another account's bulk is not found
    assert other.get("/sms/1/bulks", {"bulkId": "b1"}).status == 404


def test_a_speed_limit_spreads_the_messages(fake: InfobipFake, mock: SmsMock) -> None:
    body = {
        "messages": [
            {
                "destinations": [{"to": f"4179302672{n}"} for n in range(5)],
                "content": {"text": "x"},
            }
        ],
        "options": {"schedule": {"sendingSpeedLimit": {"amount": 2, "timeUnit": "MINUTE"}}},
    }
    data = Client(fake, "App shop-key").post("/sms/3/messages", body).json()
    bulk_id = data["bulkId"]
    times = [m.scheduled_at for m in fake.messages]
    assert times == [None, None, START + timedelta(minutes=1), START + timedelta(minutes=1),
                     START + timedelta(minutes=2)]  # fmt: skip
    status = Client(fake, "App shop-key").get("/sms/1/bulks/status", {"bulkId": bulk_id})
    assert status.json()["status"] == "PENDING"
    mock.clock.advance("2m5s")
    assert {m.status for m in fake.messages} == {Status.DELIVERED}


def test_a_delivery_time_window_holds_a_message_until_it_opens(fake: InfobipFake) -> None:
    window = {
        "days": ["THURSDAY"],
        "from": {"hour": 9, "minute": 30},
        "to": {"hour": 17, "minute": 0},
    }
    body = {
        "messages": [
            {"destinations": [{"to": "41793026727"}], "text": "x", "deliveryTimeWindow": window}
        ]
    }
    # 2025-01-01 is a Wednesday: the next window opens on Thursday at 09:30 UTC.
    Client(fake, "App shop-key").post("/sms/2/text/advanced", body)
    assert fake.messages.last.scheduled_at == datetime(2025, 1, 2, 9, 30, tzinfo=UTC)
