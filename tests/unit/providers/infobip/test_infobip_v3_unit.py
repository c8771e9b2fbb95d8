"""Infobip HTTP API v3 through `dispatch()`: no sockets, a recording callback sender."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from urllib.parse import parse_qs, quote

import pytest
from lxml import etree
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Response

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Status
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip import InfobipFake
from pytest_smsmock.providers.infobip.status import dlr_status, format_dlr_date
from pytest_smsmock.providers.infobip.v3 import CSV_CONTENT_TYPE


class Recorder:
    def __init__(self) -> None:
        self.requests: list[CallbackRequest] = []
        self.answers: list[CallbackResult] = []

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        self.requests.append(request)
        if self.answers:
            return self.answers.pop(0)
        return CallbackResult(status=200, body=b"OK")


@pytest.fixture
def mock() -> SmsMock:
    hub = SmsMock(providers=("infobip",))
    hub.reset()
    return hub


@pytest.fixture
def fake(mock: SmsMock) -> InfobipFake:
    return mock.infobip


@pytest.fixture
def sent(mock: SmsMock) -> Recorder:
    recorder = Recorder()
    mock.set_sender(recorder)
    return recorder


def call(fake: InfobipFake, method: str, path: str, **kw: object) -> Response:
    request = EnvironBuilder(method=method, path=path, **kw).get_request()  # type: ignore[arg-type]
    return fake.dispatch(request, "primary")


def plain(fake: InfobipFake, **params: str) -> Response:
    query = {"user": "test", "password": "test", "sender": "Friend", "SMSText": "hi"}
    query.update(params)
    return call(fake, "GET", "/api/v3/sendsms/plain", query_string=query)


def results(response: Response) -> list[tuple[int, str, str]]:
    root = etree.fromstring(response.get_data())
    return [
        (
            int(r.findtext("status") or ""),
            r.findtext("messageid") or "",
            r.findtext("destination") or "",
        )
        for r in root.findall("result")
    ]


def statuses(response: Response) -> list[int]:
    return [s for s, _, _ in results(response)]


def json_send(fake: InfobipFake, message: dict[str, object], **auth: str) -> list[dict[str, str]]:
    body = {
        "authentication": {"username": "test", "password": "test", **auth},
        "messages": [{"sender": "Sender", "text": "Hello", **message}],
    }
    response = call(fake, "POST", "/api/v3/sendsms/json", data=json.dumps(body))
    assert response.headers["Content-Type"] == CSV_CONTENT_TYPE
    rows: list[dict[str, str]] = json.loads(response.get_data())["results"]
    return rows


XML_SEND = """<SMS><authentication><username>{user}</username><password>{password}</password>
</authentication><message><sender>Infobip</sender><text>Hello</text>{extra}
<recipients>{recipients}</recipients></message></SMS>"""


def xml_send(
    fake: InfobipFake,
    recipients: str = "<gsm>385951111111</gsm>",
    extra: str = "",
    user: str = "test",
    password: str = "test",
    **kw: object,
) -> Response:
    body = XML_SEND.format(user=user, password=password, extra=extra, recipients=recipients)
    kw.setdefault("content_type", "application/xml")
    return call(fake, "POST", "/api/v3/sendsms/xml", data=body, **kw)


# -- send: the answer ------------------------------------------------------------------------
def test_xml_answer_has_documented_headers_and_shape(fake: InfobipFake) -> None:
    response = xml_send(fake)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv;charset= UTF-8"
    [(status, message_id, destination)] = results(response)
    assert (status, destination) == (0, "385951111111")
    assert len(message_id) == 18 and message_id.isdigit()
    assert fake.messages.last.message_id == message_id


def test_xml_body_forms_all_accepted(fake: InfobipFake) -> None:
    body = XML_SEND.format(
        user="test", password="test", extra="", recipients="<gsm>38598111111</gsm>"
    )
    encoded = call(
        fake,
        "POST",
        "/api/v3/sendsms/xml",
        data={"XML": body},
        content_type="application/x-www-form-urlencoded",
    )
    raw = call(fake, "POST", "/api/v3/sendsms/xml", data="XML=" + body, content_type="text/xml")
    bare = call(fake, "POST", "/api/v3/sendsms/xml", data=body, content_type="text/xml")
    assert [statuses(r) for r in (encoded, raw, bare)] == [[0], [0], [0]]
    assert len(fake.messages) == 3


def test_xml_authentification_spelling_and_recipients_beside_message(fake: InfobipFake) -> None:
    body = (
        "<SMS><authentification><username>test</username><password>test</password>"
        "</authentification><message><sender>Infobip</sender><text>Hi</text></message>"
        "<recipients><gsm>38598111111</gsm><gsm>38598111112</gsm></recipients></SMS>"
    )
    response = call(fake, "POST", "/api/v3/sendsms/xml", data=body)
    assert statuses(response) == [0, 0]


def test_xml_custom_ids_echoed_and_carried_by_dlrs(fake: InfobipFake, mock: SmsMock) -> None:
    response = xml_send(
        fake,
        '<gsm messageId="clientmsgID1">38595111111</gsm><gsm messageId="">38595222222</gsm>',
    )
    (s1, id1, _), (s2, id2, _) = results(response)
    assert (s1, id1) == (0, "clientmsgID1")
    assert s2 == 0 and id2.isdigit()  # an empty messageId attribute is no custom id
    assert fake.messages[0].client_ref == "clientmsgID1"
    mock.clock.advance("5s")
    pulled = call(fake, "GET", "/api/v3/dr/pull", query_string="user=test&password=test")
    ids = [m.get("id") for m in etree.fromstring(pulled.get_data())]
    assert ids == ["clientmsgID1", id2]


def test_json_answer_and_json_form_body(fake: InfobipFake) -> None:
    [row] = json_send(fake, {"recipients": [{"gsm": "385951111111", "messageId": "cid"}]})
    assert row == {"status": "0", "messageid": "cid", "destination": "385951111111"}
    body = json.dumps(
        {
            "authentication": {"username": "test", "password": "test"},
            "messages": [{"sender": "S", "text": "x", "recipients": [{"gsm": 38598111111}]}],
        }
    )
    response = call(
        fake,
        "POST",
        "/api/v3/sendsms/json",
        data="JSON=" + quote(body),
        content_type="application/x-www-form-urlencoded",
    )
    assert json.loads(response.get_data())["results"][0]["status"] == "0"


# -- every status code by its cause --------------------------------------------------------------
@pytest.mark.parametrize(
    ("user", "password", "expected"),
    [("", "test", -10), ("test", "", -11), ("test", "wrong", -5), ("nobody", "x", -5)],
)
def test_auth_codes(fake: InfobipFake, user: str, password: str, expected: int) -> None:
    assert statuses(xml_send(fake, user=user, password=password)) == [expected]
    assert statuses(plain(fake, user=user, password=password, GSM="38598111111")) == [expected]
    assert len(fake.messages) == 0


def test_expired_account_is_error_processing(fake: InfobipFake) -> None:
    fake.add_account("old", "pw", expired=True)
    assert statuses(plain(fake, user="old", password="pw", GSM="38598111111")) == [-23]


def test_not_enough_credits_per_part(fake: InfobipFake) -> None:
    fake.add_account("poor", "pw", credits=2)
    long_text = "x" * 200  # two parts
    response = plain(
        fake,
        user="poor",
        password="pw",
        GSM="38598111111,38598111112",
        SMSText=long_text,
        type="longSMS",
    )
    assert statuses(response) == [0, -2]
    assert fake.accounts.get("poor").balance == Decimal(0)  # type: ignore[union-attr]


def test_network_not_covered(fake: InfobipFake) -> None:
    fake.add_account("eu", "pw", uncovered_prefixes=["1"])
    assert statuses(plain(fake, user="eu", password="pw", GSM="12025550123,38598111111")) == [-3, 0]


def test_missing_and_invalid_destinations(fake: InfobipFake) -> None:
    assert statuses(plain(fake)) == [-6]
    response = plain(fake, GSM="00000000000,+38598111111,385abc,38598111111")
    assert results(response)[:3] == [
        (-13, "", "00000000000"),
        (-13, "", "+38598111111"),
        (-13, "", "385abc"),
    ]
    assert results(response)[3][0] == 0


def test_syntax_errors(fake: InfobipFake) -> None:
    response = call(fake, "POST", "/api/v3/sendsms/xml", data="<SMS><authentication>")
    assert response.status_code == 200
    assert statuses(response) == [-22]
    for body in ("{", "[]", '{"messages": 3}', '{"messages":[{"recipients":{}}]}'):
        response = call(fake, "POST", "/api/v3/sendsms/json", data=body)
        assert json.loads(response.get_data())["results"][0]["status"] == "-22", body


def test_unknown_encoding_is_communication_error(fake: InfobipFake) -> None:
    assert statuses(plain(fake, GSM="38598111111", encoding="klingon-8")) == [-26]
    assert statuses(plain(fake, GSM="38598111111", encoding="utf\x008")) == [-26]


@pytest.mark.parametrize("codec", ["undefined", "base64", "rot13", "idna"])
def test_a_codec_that_is_no_text_encoding_is_communication_error(
    mock: SmsMock, fake: InfobipFake, codec: str
) -> None:
    assert statuses(plain(fake, GSM="38598111111", encoding=codec)) == [-26]
    assert mock.take_errors() == []


def test_windows_1250_encoding_parameter(fake: InfobipFake) -> None:
    query = "user=test&password=test&sender=F&GSM=38598111111&datacoding=8"
    query += "&encoding=windows-1250&SMSText="
    query += quote("čć".encode("cp1250"))
    assert statuses(call(fake, "GET", "/api/v3/sendsms/plain", query_string=query)) == [0]
    assert fake.messages.last.text == "čć"


@pytest.mark.parametrize("value", ["tomorrow", "4x", "1h2d", "-1d"])
def test_invalid_send_datetime(fake: InfobipFake, value: str) -> None:
    assert statuses(plain(fake, GSM="38598111111", sendDateTime=value)) == [-27]


@pytest.mark.parametrize("value", ["ftp://x.example/dlr", "not a url", "http://"])
def test_invalid_push_url(fake: InfobipFake, value: str) -> None:
    assert statuses(plain(fake, GSM="38598111111", pushurl=value)) == [-28]


def test_invalid_appid(fake: InfobipFake) -> None:
    assert statuses(plain(fake, GSM="38598111111", appid="has space")) == [-30]
    assert statuses(plain(fake, GSM="38598111111", appid="x" * 65)) == [-30]


def test_duplicate_message_id(fake: InfobipFake) -> None:
    body = '<gsm messageId="dup">38598111111</gsm><gsm messageId="dup">38598111112</gsm>'
    assert statuses(xml_send(fake, body)) == [0, -33]
    assert statuses(xml_send(fake, '<gsm messageId="dup">38598111113</gsm>')) == [-33]
    fake.add_account("other", "pw")
    assert statuses(
        xml_send(fake, '<gsm messageId="dup">38598111113</gsm>', user="other", password="pw")
    ) == [0]


def test_sender_rules(fake: InfobipFake) -> None:
    assert statuses(plain(fake, GSM="38598111111", sender="")) == [-8]
    assert statuses(plain(fake, GSM="38598111111", sender="ABCDEFGHIJKL")) == [-34]
    assert statuses(plain(fake, GSM="38598111111", sender="123456789012345")) == [-34]
    assert statuses(plain(fake, GSM="38598111111", sender="12345678901234")) == [0]
    fake.add_account("brand", "pw", allowed_senders=["Brand"])
    assert statuses(
        plain(fake, user="brand", password="pw", GSM="38598111111", sender="Other")
    ) == [-34]
    assert statuses(
        plain(fake, user="brand", password="pw", GSM="38598111111", sender="Brand")
    ) == [0]


def test_send_error_causes(fake: InfobipFake) -> None:
    gsm = "38598111111"
    assert statuses(plain(fake, GSM=gsm, binary="4142")) == [-1]  # text and binary
    assert statuses(plain(fake, GSM=gsm, SMSText="", binary="zz")) == [-1]
    assert statuses(plain(fake, GSM=gsm, datacoding="7")) == [-1]
    assert statuses(plain(fake, GSM=gsm, type="weird")) == [-1]
    assert statuses(plain(fake, GSM=gsm, SrcTon="9")) == [-1]
    assert statuses(plain(fake, GSM=gsm, DestNpi="2")) == [-1]
    assert statuses(plain(fake, GSM=gsm, ValidityPeriod="soon")) == [-1]
    assert statuses(plain(fake, GSM=gsm, type="bookmark")) == [-1]
    assert statuses(plain(fake, GSM=gsm, SMSText="")) == [-7]


def test_scenario_respond_and_general_error(
    fake: InfobipFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pytest_smsmock.scenario.decisions import SubmitDecision

    monkeypatch.setattr(fake.engine, "has_rules", True)  # every submit asks
    monkeypatch.setattr(fake, "decide", lambda context: SubmitDecision(respond={"status": -99}))
    assert statuses(plain(fake, GSM="38598111111")) == [-99]


def test_internal_error_answers_general_error_and_is_reported(
    fake: InfobipFake, mock: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr(fake.v3, "_submit", boom)
    response = xml_send(fake)
    assert response.status_code == 200 and statuses(response) == [-99]
    assert [type(e) for e in mock.take_errors()] == [RuntimeError]


# -- message parameters and their effects -------------------------------------------------------
def test_long_unicode_flash_binary(fake: InfobipFake) -> None:
    gsm = "38598111111"
    plain(fake, GSM=gsm, SMSText="a" * 200, type="longSMS")
    assert (fake.messages.last.parts, len(fake.messages.last.text)) == (2, 200)
    plain(fake, GSM=gsm, SMSText="a" * 200)
    assert (fake.messages.last.parts, fake.messages.last.text) == (1, "a" * 160)
    assert fake.messages.last.extra["truncated"] is True
    plain(fake, GSM=gsm, SMSText="č" * 71, datacoding="8", type="longSMS")
    assert (fake.messages.last.encoding, fake.messages.last.parts) == ("ucs2", 2)
    plain(fake, GSM=gsm, SMSText="čć")  # no datacoding 8: the default alphabet
    assert fake.messages.last.text == "??"
    plain(fake, GSM=gsm, IsFlash="1")
    assert fake.messages.last.flash
    plain(fake, GSM=gsm, datacoding="240")
    assert fake.messages.last.flash and fake.messages.last.data_coding == 240
    plain(fake, GSM=gsm, SMSText="", binary="FEFF01610111010D0107", datacoding="8")
    message = fake.messages.last
    assert message.binary == bytes.fromhex("FEFF01610111010D0107") and message.text == "šđčć"
    plain(fake, GSM=gsm, SMSText="", binary="06050400010241424344", esmclass="64")
    assert fake.messages.last.extra["esm_class"] == 64
    plain(fake, GSM=gsm, type="bookmark", Bookmark="http://wap.example/x")
    assert (
        fake.messages.last.data_coding == 245 and fake.messages.last.text == "http://wap.example/x"
    )
    plain(fake, GSM=gsm, type="nSMS")
    assert fake.messages.last.flash


def test_mimsms_long_limit_applies_only_to_mimsms_dialect(fake: InfobipFake) -> None:
    plain(fake, GSM="38598111111", SMSText="a" * 1600, type="longSMS")
    assert len(fake.messages.last.text) == 1530


def test_ton_npi_defaults(fake: InfobipFake) -> None:
    plain(fake, GSM="38598111111", sender="Friend")
    extra = fake.messages.last.extra
    assert (extra["src_ton"], extra["src_npi"], extra["dest_ton"], extra["dest_npi"]) == (
        5,
        0,
        1,
        1,
    )
    plain(fake, GSM="38598111111", sender="12345")
    assert (fake.messages.last.extra["src_ton"], fake.messages.last.extra["src_npi"]) == (1, 1)
    plain(fake, GSM="38598111111", sender="12345", SrcTon="2", SrcNpi="1")
    assert fake.messages.last.extra["src_ton"] == 2


def test_scheduling_delays_delivery(fake: InfobipFake, mock: SmsMock) -> None:
    plain(fake, GSM="38598111111", SendDateTime="1d2h5m3s")
    message = fake.messages.last
    assert message.scheduled_at == mock.clock.now() + timedelta(
        days=1, hours=2, minutes=5, seconds=3
    )
    seen = [message.status]
    mock.clock.advance("1d2h5m")
    seen.append(message.status)
    mock.clock.advance("10s")
    seen.append(message.status)
    assert seen == [Status.SCHEDULED, Status.SCHEDULED, Status.DELIVERED]


def test_validity_capped_at_48h_and_expiry_report(fake: InfobipFake, mock: SmsMock) -> None:
    plain(fake, GSM="38598111111", ValidityPeriod="72:00")
    assert fake.messages.last.expires_at == mock.clock.now() + timedelta(hours=48)
    plain(fake, GSM="38598111111", ValidityPeriod="00:01", sendDateTime="30s")
    message = fake.messages.last
    assert message.expires_at == mock.clock.now() + timedelta(seconds=90)
    # A plan slower than the validity: the message expires.
    monkey_plan = (Transition(after=timedelta(minutes=5), status=Status.DELIVERED),)
    fake.lifecycle.cancel(message.message_id)
    fake.lifecycle.start(message, monkey_plan)
    mock.clock.advance("2m")
    assert message.status is Status.EXPIRED
    report = etree.fromstring(
        call(
            fake,
            "GET",
            "/api/v3/dr/pull",
            query_string="user=test&password=test&messageid=" + message.message_id,
        ).get_data()
    )[0]
    assert (report.get("status"), report.get("gsmerror")) == ("NOT_DELIVERED", "4101")


def test_us_short_code_without_campaign_id_is_rejected(fake: InfobipFake, mock: SmsMock) -> None:
    plain(fake, GSM="12025550123", sender="55555")
    plain(fake, GSM="12025550124", sender="55555", CampaignId="camp1")
    mock.clock.advance("10s")
    assert [m.status for m in fake.messages] == [Status.REJECTED, Status.DELIVERED]
    assert fake.messages[1].extra["campaign_id"] == "camp1"


def test_json_keys_are_case_sensitive(fake: InfobipFake) -> None:
    json_send(fake, {"DataCoding": "8", "text": "č", "recipients": [{"gsm": "38598111111"}]})
    assert fake.messages.last.data_coding == 0  # unknown spelling ignored
    json_send(fake, {"datacoding": 8, "text": "č", "recipients": [{"gsm": "38598111111"}]})
    assert fake.messages.last.data_coding == 8
    json_send(fake, {"pushurl": "http://ignored.example/", "recipients": [{"gsm": "38598111111"}]})
    assert fake.messages.last.callback_url is None
    json_send(fake, {"drPushUrl": "http://x.example/dlr", "recipients": [{"gsm": "38598111111"}]})
    assert fake.messages.last.callback_url == "http://x.example/dlr"


def test_credits_debited_per_part(fake: InfobipFake) -> None:
    plain(fake, GSM="38598111111", SMSText="a" * 320, type="longSMS")  # 3 parts
    response = call(
        fake, "GET", "/api/command", query_string="username=test&password=test&cmd=CREDITS"
    )
    assert response.get_data(as_text=True) == "997.00"


def test_credits_outputs_and_errors(fake: InfobipFake) -> None:
    query = "username=test&password=test&cmd=Credits"
    assert json.loads(
        call(fake, "GET", "/api/command", query_string=query + "&output=json").get_data()
    ) == {"credits": 1000.0}
    xml = etree.fromstring(
        call(fake, "GET", "/api/command", query_string=query + "&output=xml").get_data()
    )
    assert (xml.tag, xml.text) == ("credits", "1000.00")
    for q, body in (
        ("password=test&cmd=CREDITS", "-10"),
        ("username=test&cmd=CREDITS", "-11"),
        ("username=test&password=no&cmd=CREDITS", "-5"),
        ("username=test&password=test&cmd=X", "-1"),
    ):
        assert call(fake, "GET", "/api/command", query_string=q).get_data(as_text=True) == body


# -- DLR pull -------------------------------------------------------------------------------------
def test_pull_once_then_no_data_with_filters(fake: InfobipFake, mock: SmsMock) -> None:
    plain(fake, GSM="38598111111", appid="app1")
    plain(fake, GSM="38598111112")
    plain(fake, GSM="38598111113")
    first, second, third = (m.message_id for m in fake.messages)
    mock.clock.advance("5s")

    def pull(q: str) -> Response:
        return call(fake, "GET", "/api/v3/dr/pull", query_string="user=test&password=test" + q)

    body = pull(f"&messageid={third}").get_data()
    assert [m.get("id") for m in etree.fromstring(body)] == [third]
    assert [m.get("id") for m in etree.fromstring(pull("").get_data())] == [second]
    assert [m.get("id") for m in etree.fromstring(pull("&appid=app1").get_data())] == [first]
    assert pull("").get_data() == b"NO_DATA"
    assert pull("&appid=app1").get_data() == b"NO_DATA"


def test_pull_auth_answers(fake: InfobipFake) -> None:
    for query, body in (
        ("password=test", b"10"),
        ("user=test", b"11"),
        ("user=test&password=x", b"5"),
    ):
        assert call(fake, "GET", "/api/v3/dr/pull", query_string=query).get_data() == body


def test_dlr_dates_statuses_and_gsm_errors() -> None:
    from datetime import datetime

    assert format_dlr_date(datetime(2005, 7, 19, 22, 0, 0)) == "2005/7/19 22:0:0"
    assert dlr_status(Status.DELIVERED) == ("DELIVERED", 0)
    assert dlr_status(Status.UNDELIVERABLE, 27) == ("NOT_DELIVERED", 27)
    assert dlr_status(Status.REJECTED, native="NOT_ALLOWED") == ("NOT_ALLOWED", 0)
    assert dlr_status(Status.UNKNOWN) == ("SENT", 0)
    assert dlr_status(Status.DELETED) == ("NOT_DELIVERED", 4100)


# -- DLR push -------------------------------------------------------------------------------------
def test_push_to_pushurl_else_account_url_nopush_pulls(
    fake: InfobipFake, mock: SmsMock, sent: Recorder
) -> None:
    fake.add_account("acc", "pw", dlr_url="http://client.example/dlr")
    plain(fake, user="acc", password="pw", GSM="38598111111")
    plain(fake, user="acc", password="pw", GSM="38598111112", pushurl="http://other.example/x")
    plain(fake, user="acc", password="pw", GSM="38598111113", nopush="1")
    plain(fake, user="acc", password="pw", GSM="38598111114", pushurl="nopush")
    mock.clock.advance("5s")
    assert [r.url for r in sent.requests] == [
        "http://client.example/dlr",
        "http://other.example/x",
        "http://client.example/dlr",
    ]
    report = etree.fromstring(sent.requests[0].body)
    assert report.tag == "DeliveryReport"
    assert {str(k): str(v) for k, v in report[0].attrib.items()} == {
        "id": fake.messages[0].message_id,
        "sentdate": "2025/1/1 0:0:0",
        "donedate": "2025/1/1 0:0:5",
        "status": "DELIVERED",
        "gsmerror": "0",
    }
    pulled = call(fake, "GET", "/api/v3/dr/pull", query_string="user=acc&password=pw")
    assert [m.get("id") for m in etree.fromstring(pulled.get_data())] == [
        fake.messages[2].message_id
    ]


def test_push_retried_after_1_2_5_10_minutes_then_dropped(
    fake: InfobipFake, mock: SmsMock, sent: Recorder
) -> None:
    sent.answers = [CallbackResult(error="refused")] * 5
    plain(fake, GSM="38598111111", pushurl="http://down.example/dlr")
    mock.clock.advance("5s")
    for minutes in (1, 2, 5, 10):
        count = len(sent.requests)
        mock.clock.advance(timedelta(minutes=minutes) - timedelta(seconds=1))
        assert len(sent.requests) == count
        mock.clock.advance("1s")
        assert len(sent.requests) == count + 1
    mock.clock.advance("1h")
    assert len(sent.requests) == 5
    assert mock.journal.entries(channel="callback", contains="dropped after 5")


# -- quirks -------------------------------------------------------------------------------------
def test_quirks_off_by_default_and_on_per_account_or_fake(
    fake: InfobipFake, sent: Recorder, mock: SmsMock
) -> None:
    [row] = json_send(
        fake, {"recipients": [{"gsm": "38598111111", "messageId": "c1"}]}, password="bad"
    )
    assert row["status"] == "-5"
    fake.add_account("q", "pw", quirks=["status_space", "json_messageId", "padded_custom_ids"])
    [row] = json_send(
        fake,
        {"recipients": [{"gsm": "38598111111", "messageId": "c2"}]},
        username="q",
        password="pw",
    )
    assert row == {"status": "0", "messageId": " c2 ", "destination": "38598111111"}
    fake.quirks.add("status_space")
    [row] = json_send(fake, {"recipients": [{"gsm": "38598111111"}]}, password="bad")
    assert row["status"] == "- 1"


def test_documented_custom_id_xml_quirk_is_malformed(fake: InfobipFake) -> None:
    recipients = '<gsm messageId="a">38598111111</gsm><gsm messageId="b">38598111112</gsm>'
    assert statuses(xml_send(fake, recipients)) == [0, 0]
    fake.quirks.add("documented_custom_id_xml")
    body = xml_send(fake, recipients.replace('"a"', '"c"').replace('"b"', '"d"')).get_data(
        as_text=True
    )
    assert "<status><0</status>" in body and "</\nresult>" in body
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(body.encode())


def test_done_date_space_and_gsmerrcode_quirks(
    fake: InfobipFake, mock: SmsMock, sent: Recorder
) -> None:
    fake.quirks.update({"done_date_space", "gsmerrcode"})
    plain(fake, GSM="38598111111", pushurl="http://x.example/dlr")
    mock.clock.advance("5s")
    body = sent.requests[0].body.decode()
    assert 'done date="2025/1/1 0:0:5"' in body and 'gsmerrcode="0"' in body


def test_unknown_quirk_or_option_refused(fake: InfobipFake) -> None:
    with pytest.raises(ConfigError, match="quirks"):
        fake.add_account("a", "b", quirks=["nope"])
    with pytest.raises(ConfigError, match="unknown account option"):
        fake.add_account("a", "b", colour="red")


# -- Number Context -------------------------------------------------------------------------------
def test_hlr_async_ordered_lines_then_dlr_posts_of_100(
    fake: InfobipFake, mock: SmsMock, sent: Recorder
) -> None:
    fake.add_account("h", "pw", hlr_url="http://client.example/hlr")
    destinations = [f"385981{i:05d}" for i in range(150)]
    destinations.insert(1, "23'0498")
    response = call(
        fake,
        "POST",
        "/api/hlr/",
        data={"user": "h", "pass": "pw", "destinations": ";".join(destinations)},
    )
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "OK"
    assert lines[2] == "23'0498;FAILED;"
    assert [line.split(";")[0] for line in lines[1:]] == destinations
    ok_id = lines[1].split(";")[2]
    assert all(c in "0123456789abcdefABCDEF-" for c in ok_id)
    assert sent.requests == []
    mock.clock.advance("2s")
    assert [len(parse_qs(r.body.decode())["dlr"][0].splitlines()) for r in sent.requests] == [
        100,
        50,
    ]
    first = json.loads(parse_qs(sent.requests[0].body.decode())["dlr"][0].splitlines()[0])
    assert (first["destination"], first["id"], first["stat"]) == (destinations[0], ok_id, "DELIVRD")
    assert (
        call(
            fake, "GET", "/api/hlr", query_string="user=h&pass=bad&destinations=38598111111"
        ).get_data()
        == b"FAILED"
    )


def test_hlr_sync_formats_and_configured_results(fake: InfobipFake) -> None:
    fake.set_hlr_result("38598000001", stat="UNDELIV", err=27)
    fake.add_account(
        "h",
        "pw",
        hlr_results={
            "38598000002": {"imsi": "219011", "ported": True, "roaming": True, "mccmnc": "21910"}
        },
        uncovered_prefixes=["49"],
        credits=1,
    )

    def sync(d: str, o: str = "") -> Response:
        query = f"user=h&pass=pw&destination={d}&output={o}"
        return call(fake, "GET", "/api/hlr/sync", query_string=query)

    undeliv = json.loads(sync("38598000001", "json").get_data())
    assert (undeliv["stat"], undeliv["err"], undeliv["IMSI"]) == ("UNDELIV", "27", "")
    rejected = sync("4917011122", "xml").get_data()
    assert etree.fromstring(rejected).findtext("stat") == "REJECTD"
    unknown = sync("38598000002").get_data(as_text=True)  # credit spent on the first query
    assert unknown.split(",")[2] == "UNKNOWN"
    topped = fake.accounts.get("h")
    assert topped is not None
    fake.accounts.refund(topped, Decimal(5))
    comma = sync("38598000002").get_data(as_text=True).split(",")
    assert (comma[0], comma[2], comma[3], comma[6], comma[10], comma[13]) == (
        "38598000002",
        "DELIVRD",
        "219011",
        "21910",
        "true",
        "true",
    )
    assert sync("abc").get_data() == b"FAILED"
    fake.quirks.add("hlr_xml_double_gt")
    assert b"<is_ported>>true</is_ported>" in sync("38598000002", "xml").get_data()


# -- inbound --------------------------------------------------------------------------------------
def test_mo_push_placeholders_and_text_or_binary_rule(fake: InfobipFake, sent: Recorder) -> None:
    fake.add_account(
        "mo",
        "pw",
        mo_url="http://c.example/in?who=%sender%&what=%text%&b=%bin%&to=%receiver%&at=%datetime%&id=%messageid%&dc=%datacoding%&esm=%esmclass%",
    )
    fake.inject_mo("+38598123123", "ABC", account="mo")
    fake.inject_mo("38598123123", "čć", account="mo", data_coding=8)
    first, second = (
        parse_qs(r.url.split("?", 1)[1], keep_blank_values=True) for r in sent.requests
    )
    assert first["who"] == ["38598123123"] and first["what"] == ["ABC"] and first["b"] == [""]
    assert (
        first["dc"] == ["0"]
        and first["to"] == ["38598000000"]
        and first["at"] == ["2025-01-01 00:00:00"]
    )
    assert second["what"] == [""] and second["b"] == ["010D0107"]
    fake.add_account("bin", "pw", mo_url="http://c.example/in?who=%sender%&what=%bin%")
    fake.inject_mo("38598123123", "ABC", account="bin")
    assert sent.requests[-1].url == "http://c.example/in?who=38598123123&what=414243"


def test_inbox_pull_once_xml_and_json_with_limit(fake: InfobipFake) -> None:
    for text in ("one", "two", "three"):
        fake.inject_mo("38598123123", text)

    def inbox(q: str) -> Response:
        query = "user=test&password=test" + q
        return call(fake, "GET", "/api/v2/command/inbox", query_string=query)

    rows = json.loads(inbox("&limit=1&output=json").get_data())["messages"]
    assert [r["text"] for r in rows] == ["one"]
    xml = etree.fromstring(
        call(
            fake, "GET", "/api/v3/command/inbox", query_string="username=test&password=test"
        ).get_data()
    )
    assert [m.findtext("text") for m in xml] == ["two", "three"]
    assert json.loads(inbox("&output=json").get_data()) == {"messages": []}
    assert inbox("").status_code == 200
    assert (
        call(fake, "GET", "/api/v2/command/inbox", query_string="user=test&password=x").get_data()
        == b"5"
    )


def test_unknown_path_is_404(fake: InfobipFake) -> None:
    assert call(fake, "GET", "/nope").status_code == 404


def test_binary_is_one_sms_and_its_text_follows_the_udh(fake: InfobipFake) -> None:
    gsm = "38598111111"
    # "longSMS (for text messages only)": binary over one SMS is refused, longSMS or not.
    for kind in ("", "longSMS"):
        assert statuses(plain(fake, GSM=gsm, SMSText="", binary="41" * 141, type=kind)) == [-1]
    assert statuses(plain(fake, GSM=gsm, SMSText="", binary="41" * 140)) == [0]
    plain(fake, GSM=gsm, SMSText="", binary="06050400010241424344", esmclass="64")
    message = fake.messages.last
    assert (message.text, message.parts) == ("BCD", 1)  # UDH 06 05 04 0001 0241
    plain(fake, GSM=gsm, SMSText="", binary="06050400010241424344")
    assert fake.messages.last.text != "BCD"  # no UDHI: the header is read as text
