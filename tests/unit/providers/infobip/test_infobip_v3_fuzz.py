"""Bad input of any kind gets a documented answer: never a 500, never a traceback."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip.status import NOT_PRODUCED, SEND_STATUSES

HUB = SmsMock(providers=("infobip",))
PATHS = [
    "/api/v3/sendsms/xml",
    "/api/v3/sendsms/json",
    "/api/v3/sendsms/plain",
    "/api/sendsms/plain",
    "/api/command",
    "/api/v3/dr/pull",
    "/api/hlr/",
    "/api/hlr/sync",
    "/api/v2/command/inbox",
]
PARAMS = [
    "user", "password", "username", "pass", "sender", "SMSText", "GSM", "IsFlash", "type",
    "Bookmark", "datacoding", "esmclass", "binary", "SrcTon", "SrcNpi", "DestTon", "DestNpi",
    "ValidityPeriod", "sendDateTime", "encoding", "appid", "pushurl", "nopush", "CampaignId",
    "messageid", "cmd", "output", "destinations", "destination", "limit", "ReceivedDateTime",
]  # fmt: skip

values = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["test", "0", "1", "8", "240", "longSMS", "bookmark", "38598111111", "-1"]),
    st.from_regex(r"[0-9dhms:]{0,12}", fullmatch=True),
)
json_values: st.SearchStrategy[object] = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


def check(response_status: int, body: bytes) -> None:
    assert response_status in (200, 404), response_status
    assert b"Traceback" not in body
    errors = HUB.take_errors()
    assert not errors, errors


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.sampled_from(PATHS),
    method=st.sampled_from(["GET", "POST"]),
    params=st.dictionaries(st.sampled_from(PARAMS), values, max_size=10),
    body=st.binary(max_size=200),
)
def test_any_query_and_body(path: str, method: str, params: dict[str, str], body: bytes) -> None:
    HUB.reset()
    if params:
        params.setdefault("user", "test")
        params.setdefault("password", "test")
    request = EnvironBuilder(
        method=method, path=path, query_string=params, data=body if method == "POST" else None
    ).get_request()
    response = HUB.infobip.dispatch(request, "primary")
    check(response.status_code, response.get_data())
    HUB.clock.advance("20m")
    assert not HUB.take_errors()


@settings(max_examples=150, deadline=None)
@given(
    document=st.fixed_dictionaries(
        {
            "authentication": st.one_of(
                json_values, st.just({"username": "test", "password": "test"})
            )
        },
        optional={
            "messages": st.lists(
                st.dictionaries(
                    st.sampled_from(
                        [
                            "sender",
                            "text",
                            "binary",
                            "datacoding",
                            "type",
                            "recipients",
                            "sendDateTime",
                            "ValidityPeriod",
                            "drPushUrl",
                            "flash",
                            "Srcton",
                        ]
                    ),
                    json_values,
                    max_size=6,
                ),
                max_size=3,
            )
        },
    ),
    form=st.booleans(),
)
def test_any_json_document(document: dict[str, object], form: bool) -> None:
    HUB.reset()
    text = json.dumps(document)
    request = EnvironBuilder(
        method="POST", path="/api/v3/sendsms/json", data=("JSON=" + text) if form else text
    ).get_request()
    response = HUB.infobip.dispatch(request, "primary")
    check(response.status_code, response.get_data())
    statuses = [int(r["status"]) for r in json.loads(response.get_data())["results"]]
    # Only codes of the table (and -7/-8), never the client-only -4/-9/-12 with no documented cause.
    assert all(s in SEND_STATUSES and s not in NOT_PRODUCED for s in statuses), statuses


tags = st.sampled_from(
    [
        "SMS",
        "authentication",
        "username",
        "password",
        "message",
        "sender",
        "text",
        "recipients",
        "gsm",
        "datacoding",
        "binary",
        "type",
        "x",
    ]
)


@st.composite
def xml_documents(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(tags)
    attrs = draw(st.sampled_from(["", ' messageId="a"', ' messageId=""', " a='<'"]))
    inner = draw(st.text(alphabet="ab<>&;19 č", max_size=8))
    children = "".join(draw(st.lists(xml_documents(depth + 1), max_size=3))) if depth < 3 else ""
    return f"<{tag}{attrs}>{inner}{children}</{tag}>"


@settings(max_examples=150, deadline=None)
@given(document=xml_documents(), prefix=st.sampled_from(["", "XML=", "  "]))
def test_any_xml_document(document: str, prefix: str) -> None:
    HUB.reset()
    request = EnvironBuilder(
        method="POST", path="/api/v3/sendsms/xml", data=(prefix + document).encode()
    ).get_request()
    response = HUB.infobip.dispatch(request, "primary")
    check(response.status_code, response.get_data())
    assert response.headers["Content-Type"] == "text/csv;charset= UTF-8"
