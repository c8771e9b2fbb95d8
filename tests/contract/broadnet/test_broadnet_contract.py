"""Every request example of the Broadnet document (003), replayed against the fake over HTTPS.

The examples are copied from the document. URLs keep the document's line breaks, undone by
`unwrap` the way the PDF made them (a break and the spaces before it are dropped: ``respformat=j
/ son`` is ``respformat=json``); spaces inside a line stay, so ``type=2 &text= 0074...`` is sent
with its spaces. JSON and XML bodies are written with the PDF's breaks inside tokens undone
(``te / stUser`` is ``testUser``) and its page furniture dropped; everything else is verbatim,
including the document's own mistakes (the address-book JSON example misses a quote, and so
answers 051). Placeholders (``962xxxxx``, ``type=x``) are sent as printed, which gives the
documented error; each example is then replayed with the placeholders filled in for the
documented success. The document's hosts (``ip:port``, ``gwjo1s.broadnet.me:8443``) become the
fake's HTTPS listener.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import openpyxl
import pytest
import requests
import xlrd

from pytest_smsmock.hub import SmsMock

ACCESSKEY = "xxxxxxxxxxxxxxx"
NUMBER = "962791234567"
MESSAGE_ID = re.compile(r"^Response: \d{19}$")
ERROR = re.compile(r"^ERROR - HTTP(\d\d) --> ")


def unwrap(text: str) -> str:
    return "".join(line.rstrip() for line in text.strip().splitlines() if line.strip())


def fetch(smsmock: SmsMock, url: str, method: str = "GET", **kw: Any) -> requests.Response:
    for host in ("https://ip:port", "https://gwjo1s.broadnet.me:8443"):
        url = url.replace(host, smsmock.broadnet.https_url)
    return requests.request(method, url, verify=smsmock.ca_file, timeout=10, **kw)


@pytest.fixture
def broadnet(smsmock: SmsMock) -> SmsMock:
    fake = smsmock.broadnet
    groups = {"GR1": ["962790000001", "962790000002"], "GR2": ["962790000003"]}
    fake.add_account("testUser", "12345", api_key=ACCESSKEY, groups=groups)
    fake.add_account("systemid", "pwd")
    return smsmock


# -- 3.1 Message Submission & Scheduling ------------------------------------------------------
TEMPLATE = """
https://ip:port/websmpp/websms?
user=xxxx&pass=xx&sid=xxxxx&mno=962xxxxx&type=x&text=xxx
"""
TEMPLATE_ACCESSKEY = """
https://ip:port/websmpp/websms? accesskey=xxxxxxxxxxxxxxx
&sid=xxxxx&mno=962xxxxx&type=x&text=xxx
"""
TEMPLATE_JSON = """
https://ip:port/websmpp/websms?
user=xxxx&pass=xx&sid=xxxxx&mno=962xxxxx&type=x&text=xxx&respformat=j
son
"""
TEMPLATE_GROUP = """
https://ip:port/websmpp/websms/groupsms?
user=xxxx&pass=xx&sid=xxxxx&group=GR1&limit=100&type=x&text=xxx
"""
ENGLISH = """
https://gwjo1s.broadnet.me:8443/websmpp/websms?
user=testUser&pass=12345&sid=Test&mno=962xxxxx&type=1
&text=testing English message
"""
UNICODE = """
https://gwjo1s.broadnet.me:8443/websmpp/websms?
user=testUser&pass=12345&sid=Test&mno=962xxxxx&type=2 &text=
00740065007300740069006E006700200075006E006

90063006F006400650020006D006500730073006100670065
"""
SPECIAL = """
https://gwjo1s.broadnet.me:8443/websmpp/websms?
user=testUser&pass=12345&sid=Test&mno=962xxxxx&type=3
&text=testing $@ Character
"""
ARABIC = """
https://gwjo1s.broadnet.me:8443/websmpp/websms?
user=testUser&pass=12345&sid=Test&mno=962xxxxx&type=4
&text= عربي ة رسالة اختبار
"""
SCHEDULING = """
https://gwjo1s.broadnet.me:8443/websmpp/websms?
user=testUser&pass=12345&sid=Test&mno=962xxxxx&type=1
&text=testing Schedule &gmt=+0530&schtime=201605101422
"""


@pytest.mark.parametrize(
    ("example", "code"),
    [
        (TEMPLATE, "05"),  # user xxxx does not exist
        (TEMPLATE_ACCESSKEY, "02"),  # the space after "?" names the parameter " accesskey"
        (TEMPLATE_GROUP, "05"),
        (ENGLISH, "09"),  # 962xxxxx is no number
        (UNICODE, "09"),
        (SPECIAL, "09"),
        (ARABIC, "09"),
        (SCHEDULING, "22"),  # 2016 is in the past (the schedule is checked before numbers)
    ],
)
def test_send_examples_verbatim_answer_documented_errors(
    broadnet: SmsMock, example: str, code: str
) -> None:
    answer = fetch(broadnet, unwrap(example))
    assert answer.status_code == 200
    match = ERROR.match(answer.text)
    assert match is not None, answer.text
    assert match.group(1) == code


def test_json_response_format_example_verbatim(broadnet: SmsMock) -> None:
    answer = fetch(broadnet, unwrap(TEMPLATE_JSON))
    assert answer.json() == {"Response": ["ERROR - HTTP05 --> Invalid System ID"]}
    filled = unwrap(TEMPLATE_JSON).replace("user=xxxx&pass=xx", "user=testUser&pass=12345")
    filled = filled.replace("sid=xxxxx", "sid=Test").replace("962xxxxx", NUMBER)
    answer = fetch(broadnet, filled.replace("type=x", "type=1"))
    # The document prints {"Response":["1912181513205684021"]}: compact, byte for byte.
    assert re.fullmatch(rb'\{"Response":\["\d{19}"\]\}', answer.content), answer.content
    error = fetch(broadnet, unwrap(TEMPLATE_JSON)).content
    assert error == b'{"Response":["ERROR - HTTP05 --> Invalid System ID"]}'


@pytest.mark.parametrize(
    ("example", "text", "parts", "encoding"),
    [
        (ENGLISH, "testing English message", 1, "gsm7"),
        (UNICODE, "testing unicode message", 1, "ucs2"),
        (SPECIAL, "testing $@ Character", 1, "gsm7"),
        (ARABIC, " عربي ة رسالة اختبار", 1, "ucs2"),
    ],
)
def test_send_examples_filled_in_are_accepted(
    broadnet: SmsMock, example: str, text: str, parts: int, encoding: str
) -> None:
    answer = fetch(broadnet, unwrap(example).replace("962xxxxx", NUMBER))
    assert MESSAGE_ID.match(answer.text), answer.text  # Response: 1507211343399277335
    message = broadnet.broadnet.messages.one()
    assert (message.text, message.parts, message.encoding, message.sender) == (
        text,
        parts,
        encoding,
        "Test",
    )


@pytest.mark.smsmock(start="2016-05-10T08:00:00Z")
def test_scheduling_example_on_its_day(broadnet: SmsMock) -> None:
    answer = fetch(broadnet, unwrap(SCHEDULING).replace("962xxxxx", NUMBER))
    assert MESSAGE_ID.match(answer.text), answer.text
    message = broadnet.broadnet.messages.one()
    assert message.scheduled_at is not None
    assert message.scheduled_at.isoformat() == "2016-05-10T14:22:00+05:30"
    assert message.text == "testing Schedule "


def test_group_example_filled_in(broadnet: SmsMock) -> None:
    url = unwrap(TEMPLATE_GROUP).replace("user=xxxx&pass=xx", "user=testUser&pass=12345")
    url = url.replace("sid=xxxxx", "sid=Test").replace("type=x", "type=1")
    answer = fetch(broadnet, url)
    assert answer.text.startswith("Response: ")
    assert [m.to for m in broadnet.broadnet.messages] == ["962790000001", "962790000002"]


# -- 3.2 Status Enquiry ---------------------------------------------------------------------------
STATUS = "https://ip:port/websmpp/websmsstatus?respid=2541524"


def test_status_example(broadnet: SmsMock) -> None:
    assert fetch(broadnet, STATUS).text == "ERROR - HTTP25 --> No Record Found"
    broadnet.broadnet.pin_ids(messages=["2541524"])
    fetch(broadnet, unwrap(ENGLISH).replace("962xxxxx", NUMBER))
    assert fetch(broadnet, STATUS).text == "Response: ATES"
    broadnet.clock.advance("5s")
    assert fetch(broadnet, STATUS).text == "Response: DELIVRD"


# -- 3.3 Balance Enquiry, 3.4 Coverage Download ----------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://ip:port/websmpp/balanceReport?userid=systemid&password=pwd",
        "https://ip:port/websmpp/balanceReport?accesskey=xxxxxxxxxxxxxxx",
    ],
)
def test_balance_examples(broadnet: SmsMock, url: str) -> None:
    assert fetch(broadnet, url).text == "Response: 1000.000"


COVERAGE = """
https://ip:port/websmpp/downloadcoverage?
userid=systemid&password=pwd&format=x
"""
COVERAGE_ACCESSKEY = """
https://ip:port/websmpp/downloadcoverage?
accesskey=xxxxxxxxxxxxxxx&format=x
"""


@pytest.mark.parametrize("example", [COVERAGE, COVERAGE_ACCESSKEY])
def test_coverage_examples(broadnet: SmsMock, example: str) -> None:
    url = unwrap(example)
    assert fetch(broadnet, url).text == "ERROR - HTTP16 --> Invalid Request"
    default = fetch(broadnet, url.replace("&format=x", ""))  # "the default format will be 1"
    assert default.headers["Content-Type"] == "application/vnd.ms-excel"
    assert xlrd.open_workbook(file_contents=default.content).sheet_by_index(0).nrows > 1
    for fmt, mimetype in (("1", "vnd.ms-excel"), ("2", "pdf"), ("3", "csv")):
        answer = fetch(broadnet, url.replace("format=x", f"format={fmt}"))
        assert mimetype in answer.headers["Content-Type"]
        assert answer.headers["Content-Disposition"].startswith("attachment; filename=")


# -- 3.6 DlrRepot (XLSX) ---------------------------------------------------------------------------
DLRREPORT = """
https://ip:port/websmpp/api/dlrreport?accesskey=xxxxxxxxxxxxxxx
&from_date=20210821124545&to_date=20210821164545&is_content=1&sender=
XYZ
"""


@pytest.mark.smsmock(start="2021-08-21T10:00:00Z")
def test_dlr_report_example(broadnet: SmsMock) -> None:
    assert fetch(broadnet, unwrap(DLRREPORT)).text == "ERROR - HTTP25 --> No Record Found"
    fetch(broadnet, unwrap(ENGLISH).replace("962xxxxx", NUMBER).replace("sid=Test", "sid=XYZ"))
    broadnet.clock.advance("5s")
    answer = fetch(broadnet, unwrap(DLRREPORT))
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "Content"
    assert rows[1][1:4] == ("XYZ", NUMBER, "DELIVRD")
    assert rows[1][-1] == "testing English message"


# -- 4 JSON ---------------------------------------------------------------------------------------
JSON_SMS = [
    '{"campaign":{"username":"testUser","password":"xx", "format":"1","sender":"JSON-1",  '
    '"gsm":["962826321321","96289321322"], "text":"testing normal json api","type":"1"}}',
    '{"campaign":{"accesskey":"xxxxxxxxxxxxxxx", "format":"1","sender":"JSON-1", '
    '"gsm":["9629826321321","962589321322"], "text":"testing normal json api","type":"1"}}',
    '{"campaign":{"username":"testUser","password":"xx","format":"2",  "type":"1",'
    '"sender":"JSON-2", "custom":[{"gsm":"9629826321321","text":"testing message 1"},'
    '{"gsm":"9629589321322","text":"testing message 2"}]}}',
]
JSON_GROUP = (
    '{"campaign":{"username":"testUser","password":"xx",  "format":"1","sender":"JSON-1",  '
    '"group":["GR1","GR2"], limit":"100","text":"testing normal json api","type":"1"}}'
)
JSON_STATUS = [
    '{"enquiry":{"password":"xx","batch_id":"0302201420337911363","username":"testUser"}}',
    '{"enquiry":{"accesskey":"xxxxxxxxxxxxxxx","batch_id":"0302201420337911363" }}',
]
JSON_RESULT = (
    '{"result":{"batch_id":"0302201420337911363","report":[{"request_status":"000",'
    '"dlr_status":"UNDELIV","messageid":"2002031420338711051","msisdn":"9629826321321"},'
    '{"request_status":"000","dlr_status":"DELIVRD","messageid":"2002031420338811061",'
    '"msisdn":"962589321322"}]}}'
)


@pytest.fixture
def json_user(broadnet: SmsMock) -> SmsMock:
    groups = {"GR1": ["962790000001"], "GR2": ["962790000002"]}
    broadnet.broadnet.add_account("testUser", "xx", api_key=ACCESSKEY, groups=groups)
    return broadnet


@pytest.mark.parametrize("body", JSON_SMS)
def test_json_submission_examples(json_user: SmsMock, body: str) -> None:
    answer = fetch(json_user, "https://ip:port/websmpp/json/sms", "POST", data=body)
    # As printed: {"response":{"batch_id":"0302201404163965268","status":"000"}}
    assert re.fullmatch(
        rb'\{"response":\{"batch_id":"\d{19}","status":"000"\}\}', answer.content
    ), answer.content
    assert len(json_user.broadnet.messages) == 2


def test_json_group_example_is_not_json_and_answers_051(json_user: SmsMock) -> None:
    url = "https://ip:port/websmpp/json/sms"
    answer = fetch(json_user, url, "POST", data=JSON_GROUP)
    assert answer.json() == {"response": {"batch_id": "", "status": "051"}}
    fixed = JSON_GROUP.replace(' limit"', ' "limit"')
    assert fetch(json_user, url, "POST", data=fixed).json()["response"]["status"] == "000"
    assert [m.to for m in json_user.broadnet.messages] == ["962790000001", "962790000002"]


def _document_outcomes(smsmock: SmsMock, undelivered: str) -> None:
    """The document's result: one number UNDELIV, the other delivered (the default life)."""
    rule = {
        "match": {"provider": "broadnet", "to": undelivered},
        "dlr": [{"after": "5s", "status": "UNDELIV"}],
    }
    smsmock.load_scenario({"version": 1, "rules": [rule]})


@pytest.mark.smsmock(start="2020-02-03T11:20:33Z")  # 14:20:33 in Amman, as the ids say
@pytest.mark.parametrize("enquiry", JSON_STATUS)
def test_json_status_examples_give_the_documented_result(json_user: SmsMock, enquiry: str) -> None:
    fake = json_user.broadnet
    url = "https://ip:port/websmpp/json/status"
    assert fetch(json_user, url, "POST", data=enquiry).json() == {
        "response": {"batch_id": "", "status": "053"}
    }
    _document_outcomes(json_user, "9629826321321")
    fake.pin_ids(
        messages=["2002031420338711051", "2002031420338811061"], batches=["0302201420337911363"]
    )
    fetch(json_user, "https://ip:port/websmpp/json/sms", "POST", data=JSON_SMS[1])
    json_user.clock.advance("5s")
    answer = fetch(json_user, url, "POST", data=enquiry)
    assert answer.json() == json.loads(JSON_RESULT)
    assert answer.content == JSON_RESULT.encode()  # compact, as printed


# -- 5 XML ----------------------------------------------------------------------------------------
XML_SMS = [
    """<?xml version="1.0" encoding="UTF-8"?>
<campaign  format="1">
<SMS>
<username>testUser</username>
<password>pass</password>
<type>1</type>
<sender>TEST-XML1</sender>
<text>testing xml request via https</text>
<recipients>
<gsm>962231213</gsm>
<gsm>962321987</gsm>
</recipients>
</SMS> </campaign>""",
    """<?xml version="1.0" encoding="UTF-8"?>
<campaign  format="1">
<SMS>
<accesskey>xxxxxxxxxxxxxxx</accesskey>
<type>1</type>
<sender>TEST-XML1</sender>
<text>testing xml request via https</text>
<recipients>
<gsm>962231213</gsm>
<gsm>962321987</gsm>
</recipients>
</SMS> </campaign>""",
    """<?xml version="1.0" encoding="UTF-8"?>
<campaign  format="1">
<SMS>
<username>testUser</username>
<password>pass</password>
<type>1</type>
<sender>TEST-XML1</sender>
<text>testing xml request via https</text>
<recipients>
 <group>GR1</group>
 <group>GR2</group>
</recipients>
<limit>100</limit>
</SMS> </campaign>""",
]
XML_CUSTOM = """<?xml version="1.0" encoding="UTF-8"?>
<campaign>
<SMS format="2">
<username>testUser</username>
<password>pass</password>
<type>1</type>
<sender>TEST-XML1</sender>
<custom>
<gsm>962231211</gsm>
<text>testing xml custom request 1 via https</text>
</custom>
<custom>
<gsm>962231212</gsm>
<text>testing xml custom request 2 via https</text>
</custom>
<custom>
<gsm>962231213</gsm>
<text>testing xml custom request 3 via https</text> </custom>
</SMS> </campaign>"""
XML_STATUS = [
    """<?xml version="1.0" encoding="UTF-8"?>
<enquiry>
<username>testUser</username>
<password>pass</password>
<batch_id>171117104025321</batch_id>
</enquiry>""",
    """<?xml version="1.0" encoding="UTF-8"?>
<enquiry>
<accesskey>xxxxxxxxxxxxxxx</accesskey>
<batch_id>171117104025321</batch_id>
</enquiry>""",
]
XML_RESULT = """<?xml version="1.0" encoding="UTF-8"?>
<result>
<batch_id>171117104025321</batch_id>
<report>
<messageid>521452541</messageid>
<msisdn>962231211</msisdn>
<dlrstatus>DELIVRD</dlrstatus>
<status>000</status>
</report>
<report>
<messageid></messageid>
<msisdn>962231212</msisdn>
<dlrstatus></dlrstatus>
<status>006</status>
</report>
</result>"""


def squeeze(xml: str | bytes) -> str:
    text = xml.decode() if isinstance(xml, bytes) else xml
    return re.sub(r">\s+<", "><", text.strip())


@pytest.fixture
def xml_user(broadnet: SmsMock) -> SmsMock:
    groups = {"GR1": ["962790000001"], "GR2": ["962790000002"]}
    broadnet.broadnet.add_account("testUser", "pass", api_key=ACCESSKEY, groups=groups)
    return broadnet


@pytest.mark.parametrize("body", [*XML_SMS, XML_CUSTOM])
def test_xml_submission_examples(xml_user: SmsMock, body: str) -> None:
    answer = fetch(xml_user, "https://ip:port/websmpp/xmlsms", "POST", data=body.encode("utf-8"))
    assert answer.headers["Content-Type"].startswith("application/xml")
    # As printed: one element a line, no indentation.
    match = re.fullmatch(
        rb'<\?xml version="1.0" encoding="UTF-8"\?>\n<response>\n<status>000</status>\n'
        rb"<batch_id>(\d{15})</batch_id>\n</response>",
        answer.content,
    )
    assert match is not None, answer.content
    assert len(xml_user.broadnet.messages) == (3 if body is XML_CUSTOM else 2)


@pytest.mark.parametrize("enquiry", XML_STATUS)
def test_xml_status_examples_give_the_documented_result(xml_user: SmsMock, enquiry: str) -> None:
    url = "https://ip:port/websmpp/xmlstatus"
    missing = fetch(xml_user, url, "POST", data=enquiry)
    assert squeeze(missing.content).endswith(
        "<response><status>053</status><batch_id></batch_id></response>"
    )
    # 962231212 gets no route (status 006), as in the document's answer.
    xml_user.broadnet.add_account("testUser", "pass", api_key=ACCESSKEY, coverage=["962231211"])
    xml_user.broadnet.pin_ids(messages=["521452541"], batches=["171117104025321"])
    body = XML_CUSTOM.replace(
        "<custom>\n<gsm>962231213</gsm>\n<text>testing xml custom request 3 via https</text> "
        "</custom>\n",
        "",
    )
    fetch(xml_user, "https://ip:port/websmpp/xmlsms", "POST", data=body.encode())
    xml_user.clock.advance("5s")
    answer = fetch(xml_user, url, "POST", data=enquiry)
    assert answer.content.decode() == XML_RESULT  # as printed, line for line
