"""Fuzzed input to Infobip's REST API: always a documented answer, never a 500 or a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock

MOCK = SmsMock(providers=("infobip",))
MOCK.infobip.add_account("fuzz", "pw", api_key="fuzz-key")

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=16,
)
destination = st.fixed_dictionaries(
    {"to": st.one_of(st.just("41793026727"), json_values)},
    optional={"messageId": json_values},
)
v3_message = st.fixed_dictionaries(
    {"destinations": st.lists(destination, max_size=3)},
    optional={
        "sender": json_values,
        "content": st.one_of(
            st.fixed_dictionaries(
                {"text": st.text(max_size=300)},
                optional={"transliteration": json_values, "language": json_values},
            ),
            st.fixed_dictionaries({"hex": st.text("0123456789abcdefXZ ", max_size=40)}),
            json_values,
        ),
        "options": json_values,
        "webhooks": json_values,
    },
)
V2_KEYS = (
    "from", "text", "flash", "transliteration", "language", "validityPeriod", "sendAt",
    "deliveryTimeWindow", "notifyUrl", "notifyContentType", "callbackData", "binary", "regional",
    "intermediateReport",
)  # fmt: skip
v2_message = st.fixed_dictionaries(
    {"destinations": st.lists(destination, max_size=3)},
    optional={key: json_values for key in V2_KEYS},
)
bodies = st.one_of(
    st.binary(max_size=100),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda messages, options: json.dumps({"messages": messages, "options": options}).encode(),
        st.lists(v3_message, max_size=2),
        json_values,
    ),
    st.builds(
        lambda messages, extra: json.dumps({"messages": messages, **extra}).encode(),
        st.lists(v2_message, max_size=2),
        st.dictionaries(st.sampled_from(["bulkId", "sendingSpeedLimit", "tracking"]), json_values),
    ),
    st.builds(
        lambda text, code, name: json.dumps(
            {"text": text, "languageCode": code, "transliteration": name}
        ).encode(),
        st.one_of(st.text(max_size=200), json_values),
        st.sampled_from(["TR", "ES", "PT", "AUTODETECT", "NONE", "XX", None]),
        st.sampled_from(["TURKISH", "GREEK", "CYRILLIC", "ALL", "NON_UNICODE", "NO", None]),
    ),
    json_values.map(lambda v: json.dumps({"sendAt": v, "status": v}).encode()),
)
paths = st.sampled_from(
    [
        "/sms/3/messages",
        "/sms/2/text/advanced",
        "/sms/2/binary/advanced",
        "/sms/1/text/single",
        "/sms/1/preview",
        "/sms/1/bulks",
        "/sms/1/bulks/status",
        "/sms/3/logs",
        "/sms/3/reports",
        "/sms/1/inbox/reports",
        "/auth/1/session",
    ]
)
auths = st.sampled_from(["App fuzz-key", "App nope", None, "Bearer x", "Basic ZnV6ejpwdw=="])
QUERY_KEYS = (
    "limit", "bulkId", "messageId", "sender", "generalStatus", "sentSince", "cursor", "useCursor",
    "campaignReferenceId",
)  # fmt: skip
queries = st.lists(st.tuples(st.sampled_from(QUERY_KEYS), st.text(max_size=12)), max_size=3)


@given(
    path=paths,
    method=st.sampled_from(["POST", "PUT", "GET"]),
    body=bodies,
    auth=auths,
    query=queries,
)
def test_any_request_gets_a_documented_answer(
    path: str, method: str, body: bytes, auth: str | None, query: list[tuple[str, str]]
) -> None:
    headers: dict[str, Any] = {"Content-Type": "application/json"}
    if auth is not None:
        headers["Authorization"] = auth
    request = EnvironBuilder(
        method=method, path=path, data=body, headers=headers, query_string=query
    ).get_request()
    response = MOCK.infobip.dispatch(request, "primary")
    assert response.status_code in {200, 204, 400, 401, 404, 405, 415}, response.get_data()
    data = response.get_data()
    if data:
        json.loads(data)
    assert MOCK.take_errors() == []
