"""Fuzzed input to the v1 REST API: always a documented answer, never a 500 or a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.strategies.text import gsm7_texts

ALADDIN = "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="
MOCK = SmsMock(providers=("mimsms",))

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
fields = st.sampled_from(
    ["from", "to", "text", "notifyUrl", "notifyContentType", "callbackData", "messages", "bulkId"]
)
bodies = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.dictionaries(fields, json_values, max_size=6).map(lambda v: json.dumps(v).encode()),
    st.builds(
        lambda to, text: json.dumps({"to": to, "text": text}).encode(),
        st.one_of(st.text(max_size=16), st.lists(st.text(max_size=16), max_size=3)),
        st.one_of(gsm7_texts(), st.text(max_size=400)),
    ),
    st.text(max_size=200).map(
        lambda t: f"<request><to>{t}</to></request>".encode("utf-8", "replace")
    ),
)
content_types = st.sampled_from(
    [
        None,
        "application/json",
        "application/xml",
        "text/xml",
        "text/plain",
        "application/json; charset=latin-1",
    ]
)
accepts = st.sampled_from([None, "*/*", "application/json", "application/xml", "text/html", "x"])
auths = st.one_of(st.just(ALADDIN), st.none(), st.text(max_size=40))
paths = st.sampled_from(
    ["/sms/1/text/single", "/sms/1/text/multi", "/sms/1/reports", "/sms/1/logs", "/sms/1/x"]
)
queries = st.lists(
    st.tuples(
        st.sampled_from(
            ["limit", "bulkId", "messageId", "from", "to", "generalStatus", "sentSince",
             "sentUntil", "mcc", "mnc"]
        ),
        st.one_of(st.text(max_size=30), st.integers(-5, 2000).map(str)),
    ),
    max_size=5,
)  # fmt: skip


def _check(response: Any) -> None:
    assert response.status_code < 500, response.get_data()
    body = response.get_data()
    if response.mimetype == "application/json":
        data = json.loads(body)
        assert isinstance(data, dict)
        if response.status_code >= 400:
            assert set(data["requestError"]["serviceException"]) == {"messageId", "text"}
    else:
        assert response.mimetype == "application/xml", response.mimetype
        assert body.startswith(b"<?xml")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "PUT"]),
    path=paths,
    body=bodies,
    content_type=content_types,
    accept=accepts,
    auth=auths,
    query=queries,
)
def test_any_request_gets_a_documented_answer(
    method: str,
    path: str,
    body: bytes,
    content_type: str | None,
    accept: str | None,
    auth: str | None,
    query: list[tuple[str, str]],
) -> None:
    headers: dict[str, str] = {}
    if content_type:
        headers["Content-Type"] = content_type
    if accept:
        headers["Accept"] = accept
    if auth is not None and all(32 <= ord(c) < 127 for c in auth):
        headers["Authorization"] = auth
    request = EnvironBuilder(
        method=method, path=path, data=body, headers=headers, query_string=query
    ).get_request()
    _check(MOCK.mimsms.dispatch(request, "primary"))
    MOCK.clock.advance("10s")
    assert MOCK.take_errors() == []


@settings(max_examples=150, deadline=None)
@given(query=queries, accept=accepts)
def test_any_report_or_log_query_is_answered(
    query: list[tuple[str, str]], accept: str | None
) -> None:
    headers = {"Authorization": ALADDIN, **({"Accept": accept} if accept else {})}
    for path in ("/sms/1/reports", "/sms/1/logs"):
        request = EnvironBuilder(
            method="GET", path=path, headers=headers, query_string=query
        ).get_request()
        _check(MOCK.mimsms.dispatch(request, "primary"))
    assert MOCK.take_errors() == []
