"""Broadnet under freezegun: ids, statuses, the DLR report and the web DLR push follow the frozen
time, while the HTTP transport keeps real time and still serves."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import openpyxl
import requests
from freezegun import freeze_time
from pytest_httpserver import HTTPServer

from pytest_smsmock.hub import SmsMock

NUMBER = "962791234567"


def send(smsmock: SmsMock) -> str:
    params = {"user": "dlr", "pass": "pw", "sid": "Shop", "mno": NUMBER, "type": "1", "text": "x"}
    answer = requests.get(smsmock.broadnet.url + "/websmpp/websms", params=params, timeout=10)
    assert answer.text.startswith("Response: "), answer.text
    return answer.text.removeprefix("Response: ")


def status(smsmock: SmsMock, message_id: str) -> str:
    url = smsmock.broadnet.url + "/websmpp/websmsstatus"
    return requests.get(url, params={"respid": message_id}, timeout=10).text


def pushed(httpserver: HTTPServer) -> list[dict[str, str]]:
    return [
        dict(parse_qsl(r.get_data(as_text=True), keep_blank_values=True)) for r, _ in httpserver.log
    ]


def test_send_tick_status_and_push_follow_frozen_time(
    smsmock: SmsMock, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/dlr").respond_with_data("Ok")
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"))
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {
                    "match": {"provider": "broadnet"},
                    "dlr": [
                        {"after": "30s", "status": "ATES"},
                        {"after": "3m", "status": "DELIVRD"},
                    ],
                }
            ],
        }
    )
    with freeze_time("2025-03-01 10:00:00") as frozen:
        message_id = send(smsmock)
        assert message_id.startswith("250301130000")  # yyMMddHHmmss in Amman (UTC+3)
        message = smsmock.broadnet.messages.get(message_id)
        assert message is not None
        assert message.submitted_at == datetime(2025, 3, 1, 10, tzinfo=UTC)
        assert status(smsmock, message_id) == "Response: ATES"

        frozen.tick(timedelta(seconds=30))
        assert pushed(httpserver) == []  # nothing has touched the fake since the tick
        assert status(smsmock, message_id) == "Response: ATES"  # the request catches up
        (enroute,) = pushed(httpserver)
        assert (enroute["Status"], enroute["DoneDate"]) == ("ATES", "2503011300")

        frozen.tick(timedelta(minutes=2, seconds=59))
        assert status(smsmock, message_id) == "Response: ATES"
        frozen.tick(timedelta(seconds=1))
        assert status(smsmock, message_id) == "Response: DELIVRD"
        _, final = pushed(httpserver)
        assert final == {
            "MessageId": message_id,
            "Source": "Shop",
            "Destination": NUMBER,
            "Status": "DELIVRD",
            "SubmitDate": "2503011300",
            "DoneDate": "2503011303",  # 10:03:30 UTC is 13:03 in Amman
            "BatchId": "",
        }
        assert message.done_at == datetime(2025, 3, 1, 10, 3, 30, tzinfo=UTC)

        report = requests.get(
            smsmock.broadnet.url + "/websmpp/api/dlrreport",
            params={"username": "dlr", "pass": "pw"}
            | {"from_date": "20250301130000", "to_date": "20250301130500"},
            timeout=10,
        )
        (row,) = openpyxl.load_workbook(io.BytesIO(report.content)).active.iter_rows(
            min_row=2, values_only=True
        )
        assert row[3:6] == ("DELIVRD", "2503011300", "2503011303")


def test_json_batch_and_push_follow_frozen_time(smsmock: SmsMock, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr").respond_with_data("Ok")
    smsmock.broadnet.add_account("dlr", "pw", dlr_url=httpserver.url_for("/dlr"), gmt="+0000")
    body = {
        "campaign": {
            "username": "dlr",
            "password": "pw",
            "sender": "Shop",
            "type": "1",
            "text": "x",
            "gsm": [NUMBER],
        }
    }
    with freeze_time("2024-12-31 23:59:58") as frozen:
        answer = requests.post(smsmock.broadnet.url + "/websmpp/json/sms", json=body, timeout=10)
        batch_id = answer.json()["response"]["batch_id"]
        assert batch_id.startswith("010125025958")  # ddMMyyHHmmss in Amman: already 2025
        frozen.tick(timedelta(seconds=5))
        enquiry = {"enquiry": {"username": "dlr", "password": "pw", "batch_id": batch_id}}
        result = requests.post(
            smsmock.broadnet.url + "/websmpp/json/status", data=json.dumps(enquiry), timeout=10
        ).json()["result"]
        assert result["report"][0]["dlr_status"] == "DELIVRD"
        (push,) = pushed(httpserver)
        # The account's own zone (+0000) spans the new year: submitted 2024, done 2025.
        assert (push["SubmitDate"], push["DoneDate"], push["BatchId"]) == (
            "2412312359",
            "2501010000",
            batch_id,
        )
