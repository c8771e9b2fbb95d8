"""The provider contract suites' requests: one per documented behaviour a client depends on.

Seeded by the document examples replayed in ``tests/contract/``. Each is a request with
``${username}``/``${password}`` placeholders, whether it sends (costs money live), and what to
capture for later cases. `record` (in `suites.py`) runs them against a fresh fake and writes the
shapes of its answers next to them, in ``suites/<provider>.yaml``: the shipped contract.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PROVIDER_CASES"]

NUMBER = "41793026727"
WRONG_BASIC = {"Authorization": "Basic d3JvbmctdXNlcjp3cm9uZy1wYXNzd29yZA=="}  # wrong-user:...


def case(
    name: str,
    path: str,
    *,
    method: str = "GET",
    sends: bool = False,
    capture: dict[str, str] | None = None,
    expect: dict[str, Any] | None = None,
    **request: Any,
) -> dict[str, Any]:
    """A case; `expect` replaces the inferred body shape where the fake's value is one of
    several a live account may give (a status word, a coverage list)."""
    return {
        "name": name,
        "sends": sends,
        "capture": capture or {},
        "expect": expect,
        "request": {"method": method, "path": path, **request},
    }


V3_AUTH = {"user": "${username}", "password": "${password}"}
V3_XML = (
    "XML=<SMS><authentication><username>${username}</username><password>${password}"
    "</password></authentication><message><sender>Infobip</sender><text>Hello</text>"
    "<recipients><gsm>385951111111</gsm></recipients></message></SMS>"
)
V3_JSON = (
    '{"authentication":{"username":"${username}","password":"${password}"},"messages":'
    '[{"sender":"Infobip","text":"Hello","recipients":[{"gsm":"385951111111"}]}]}'
)


def _infobip_rest() -> list[dict[str, Any]]:
    text = {"messages": [{"from": "InfoSMS", "destinations": [{"to": NUMBER}], "text": "Hi"}]}
    v3 = {
        "messages": [
            {"sender": "InfoSMS", "destinations": [{"to": NUMBER}], "content": {"text": "Hi"}}
        ]
    }
    return [
        case(
            "rest-v2-send-text",
            "/sms/2/text/advanced",
            method="POST",
            sends=True,
            auth="basic",
            json=text,
            capture={"message_id": "$.messages[0].messageId"},
        ),
        case("rest-v3-send", "/sms/3/messages", method="POST", sends=True, auth="basic", json=v3),
        case(
            "rest-v1-send-single",
            "/sms/1/text/single",
            method="POST",
            sends=True,
            auth="basic",
            json={"from": "InfoSMS", "to": NUMBER, "text": "Hi"},
        ),
        case(
            "rest-v2-send-binary",
            "/sms/2/binary/advanced",
            method="POST",
            sends=True,
            auth="basic",
            json={
                "messages": [
                    {
                        "from": "InfoSMS",
                        "destinations": [{"to": NUMBER}],
                        "binary": {"hex": "48 65 6c 6c 6f", "dataCoding": 0},
                    }
                ]
            },
        ),
        case(
            "rest-send-invalid-body",
            "/sms/2/text/advanced",
            method="POST",
            auth="basic",
            json={"messages": "not a list"},
        ),
        case(
            "rest-preview",
            "/sms/1/preview",
            method="POST",
            auth="basic",
            json={"text": "Let's see how many characters remain."},
        ),
        case("rest-v3-reports", "/sms/3/reports", auth="basic", query={"limit": "1"}),
        case("rest-v1-reports", "/sms/1/reports", auth="basic", query={"limit": "1"}),
        case("rest-v3-logs", "/sms/3/logs", auth="basic", query={"limit": "1"}),
        case("rest-v1-logs", "/sms/1/logs", auth="basic", query={"limit": "1"}),
        case(
            "rest-v3-logs-of-message",
            "/sms/3/logs",
            auth="basic",
            query={"messageId": "${message_id}"},
        ),
        case("rest-inbox", "/sms/1/inbox/reports", auth="basic"),
        case(
            "rest-bulk-unknown",
            "/sms/1/bulks/status",
            auth="basic",
            query={"bulkId": "no-such-bulk"},
        ),
        case("rest-wrong-credentials", "/sms/3/logs", headers=WRONG_BASIC),
        case("rest-no-credentials", "/sms/3/logs"),
        # Infobip's REST API also takes an API key: `Authorization: App <key>` (--api-key).
        case(
            "rest-v2-send-text-app-key",
            "/sms/2/text/advanced",
            method="POST",
            sends=True,
            auth="app",
            json=text,
        ),
        case("rest-v3-logs-app-key", "/sms/3/logs", auth="app", query={"limit": "1"}),
        case("rest-wrong-app-key", "/sms/3/logs", headers={"Authorization": "App wrong-key"}),
    ]


def _v3(prefix: str = "/api/v3") -> list[dict[str, Any]]:
    plain = {**V3_AUTH, "sender": "Friend", "SMSText": "message", "GSM": "38598111111"}
    return [
        case("v3-plain-send", f"{prefix}/sendsms/plain", sends=True, query=plain),
        case(
            "v3-plain-wrong-password",
            f"{prefix}/sendsms/plain",
            query={**plain, "password": "wrong-password"},
        ),
        case(
            "v3-xml-send",
            f"{prefix}/sendsms/xml",
            method="POST",
            sends=True,
            body=V3_XML,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        ),
        case("v3-json-send", f"{prefix}/sendsms/json", method="POST", sends=True, body=V3_JSON),
        case(
            "v3-credits",
            "/api/command",
            query={"username": "${username}", "password": "${password}", "cmd": "CREDITS"},
        ),
        case(
            "v3-credits-json",
            "/api/command",
            query={
                "username": "${username}",
                "password": "${password}",
                "cmd": "CREDITS",
                "output": "json",
            },
        ),
        case("v3-dr-pull", f"{prefix}/dr/pull", query=V3_AUTH),
        case(
            "v3-dr-pull-wrong-password",
            f"{prefix}/dr/pull",
            query={**V3_AUTH, "password": "wrong-password"},
        ),
    ]


def _mimsms() -> list[dict[str, Any]]:
    return [
        case(
            "rest-v1-send-single",
            "/sms/1/text/single",
            method="POST",
            sends=True,
            auth="basic",
            json={"from": "YourName", "to": "8801712345678", "text": "Hi"},
            capture={"message_id": "$.messages[0].messageId"},
        ),
        case(
            "rest-v1-send-multi",
            "/sms/1/text/multi",
            method="POST",
            sends=True,
            auth="basic",
            json={
                "messages": [
                    {"from": "YourName", "to": ["8801712345678", "8801712345679"], "text": "Hi"}
                ]
            },
        ),
        case("rest-v1-reports", "/sms/1/reports", auth="basic"),
        case("rest-v1-logs", "/sms/1/logs", auth="basic", query={"limit": "1"}),
        case(
            "rest-v1-logs-of-message",
            "/sms/1/logs",
            auth="basic",
            query={"messageId": "${message_id}"},
        ),
        case("rest-wrong-credentials", "/sms/1/logs", headers=WRONG_BASIC),
        case(
            "rest-send-without-to",
            "/sms/1/text/single",
            method="POST",
            auth="basic",
            json={"from": "YourName", "text": "Hi"},
        ),
        case(
            "v3-plain-send",
            "/api/v3/sendsms/plain",
            sends=True,
            query={**V3_AUTH, "sender": "Friend", "SMSText": "message", "GSM": "8801712345678"},
        ),
        case(
            "short-plain-send",
            "/api/sendsms/plain",
            sends=True,
            query={**V3_AUTH, "sender": "Friend", "SMSText": "message", "GSM": "8801712345678"},
        ),
        case(
            "v3-credits",
            "/api/command",
            query={"username": "${username}", "password": "${password}", "cmd": "Credits"},
        ),
        case("v3-dr-pull", "/api/v3/dr/pull", query=V3_AUTH),
    ]


def _broadnet() -> list[dict[str, Any]]:
    send = {
        "user": "${username}",
        "pass": "${password}",
        "sid": "TEST",
        "mno": "962791234567",
        "type": "1",
        "text": "Hello",
    }
    return [
        case("websms-send", "/websmpp/websms", sends=True, query=send),
        case(
            "websms-send-json",
            "/websmpp/websms",
            sends=True,
            query={**send, "respformat": "json"},
            capture={"message_id": "$.Response[0]"},
        ),
        case("websms-wrong-password", "/websmpp/websms", query={**send, "pass": "wrong-password"}),
        case(
            "websms-missing-number",
            "/websmpp/websms",
            query={k: v for k, v in send.items() if k != "mno"},
        ),
        case(
            "websms-status",
            "/websmpp/websmsstatus",
            query={"respid": "${message_id}"},
            expect={"type": "text", "regex": r"Response: [A-Z]+"},
        ),
        case(
            "balance",
            "/websmpp/balanceReport",
            query={"userid": "${username}", "password": "${password}"},
        ),
        case(
            "balance-accesskey",
            "/websmpp/balanceReport",
            query={"accesskey": "${api_key}"},
        ),
        case(
            "websms-send-accesskey",
            "/websmpp/websms",
            sends=True,
            query={k: v for k, v in send.items() if k not in ("user", "pass")}
            | {"accesskey": "${api_key}"},
        ),
        case(
            "balance-wrong-password",
            "/websmpp/balanceReport",
            query={"userid": "${username}", "password": "wrong-password"},
        ),
        case(
            "coverage-csv",
            "/websmpp/downloadcoverage",
            query={"userid": "${username}", "password": "${password}", "format": "3"},
            expect={
                "type": "text",
                "regex": r"Country,ISO,Dial Code,Operator,MCC,MNC,Price(?s:.*)",
            },
        ),
        case(
            "json-send",
            "/websmpp/json/sms",
            method="POST",
            sends=True,
            body='{"campaign":{"username":"${username}","password":"${password}","format":"1",'
            '"sender":"JSON-1","gsm":["962791234567"],"text":"Hello","type":"1"}}',
            capture={"batch_id": "$.response.batch_id"},
        ),
        case(
            "json-status",
            "/websmpp/json/status",
            method="POST",
            body='{"enquiry":{"username":"${username}","password":"${password}",'
            '"batch_id":"${batch_id}"}}',
        ),
        case(
            "xml-send",
            "/websmpp/xmlsms",
            method="POST",
            sends=True,
            body='<?xml version="1.0" encoding="UTF-8"?><campaign format="1"><SMS>'
            "<username>${username}</username><password>${password}</password>"
            "<type>1</type><sender>TEST</sender><text>Hello</text><recipients>"
            "<gsm>962791234567</gsm></recipients></SMS></campaign>",
            capture={"xml_batch_id": "$.<response>.batch_id"},
        ),
        case(
            "xml-status",
            "/websmpp/xmlstatus",
            method="POST",
            body='<?xml version="1.0" encoding="UTF-8"?><enquiry><username>${username}'
            "</username><password>${password}</password><batch_id>${xml_batch_id}"
            "</batch_id></enquiry>",
        ),
    ]


def _smsc() -> list[dict[str, Any]]:
    auth = {"login": "${username}", "psw": "${password}", "charset": "utf-8"}
    send = {**auth, "phones": "79991234567", "mes": "Hello world"}
    status = {**auth, "phone": "79991234567", "id": "${message_id}"}
    return [
        case(
            "send-fmt3",
            "/sys/send.php",
            sends=True,
            query={**send, "mes": "Hello 3", "fmt": "3"},
            capture={"message_id": "$.id"},
        ),
        case(
            "send-fmt0", "/sys/send.php", sends=True, query={**send, "mes": "Hello 0", "fmt": "0"}
        ),
        case(
            "send-fmt1", "/sys/send.php", sends=True, query={**send, "mes": "Hello 1", "fmt": "1"}
        ),
        case(
            "send-fmt2", "/sys/send.php", sends=True, query={**send, "mes": "Hello 2", "fmt": "2"}
        ),
        case("cost-fmt3", "/sys/send.php", query={**send, "cost": "1", "fmt": "3"}),
        case(
            "send-wrong-password-fmt3",
            "/sys/send.php",
            query={**send, "psw": "wrong-password", "fmt": "3"},
        ),
        case(
            "send-wrong-password-fmt0",
            "/sys/send.php",
            query={**send, "psw": "wrong-password", "fmt": "0"},
        ),
        case("send-bad-phone-fmt3", "/sys/send.php", query={**send, "phones": "1", "fmt": "3"}),
        case("status-fmt3", "/sys/status.php", query={**status, "fmt": "3"}),
        case("status-fmt3-all1", "/sys/status.php", query={**status, "fmt": "3", "all": "1"}),
        case("status-fmt3-all2", "/sys/status.php", query={**status, "fmt": "3", "all": "2"}),
        case("status-fmt0", "/sys/status.php", query={**status, "fmt": "0"}),
        case("status-fmt2", "/sys/status.php", query={**status, "fmt": "2"}),
        case(
            "status-unknown-id-fmt3",
            "/sys/status.php",
            query={**status, "id": "999999", "fmt": "3"},
        ),
        case("balance-fmt3", "/sys/balance.php", query={**auth, "fmt": "3"}),
        case("balance-fmt3-currency", "/sys/balance.php", query={**auth, "fmt": "3", "cur": "1"}),
        case("balance-fmt0", "/sys/balance.php", query={**auth, "fmt": "0"}),
        case("balance-apikey-fmt3", "/sys/balance.php", query={"apikey": "${api_key}", "fmt": "3"}),
        case(
            "balance-wrong-password-fmt3",
            "/sys/balance.php",
            query={**auth, "psw": "wrong-password", "fmt": "3"},
        ),
    ]


PROVIDER_CASES: dict[str, list[dict[str, Any]]] = {
    "infobip": [*_infobip_rest(), *_v3()],
    "mimsms": _mimsms(),
    "broadnet": _broadnet(),
    "smsc": _smsc(),
}
