"""Real clients send credentials in every shape; none of them reaches the journal's renderings,
which end up in failure reports and CI logs (`core.masking`)."""

from __future__ import annotations

import base64
import json

import requests
import smpplib.client

from pytest_smsmock.hub import SmsMock

SECRET = "S3cr3tPw"
KEY = "K3yK3yK3yK3yK3y"  # 15 characters: a Broadnet accesskey


def test_no_password_api_key_or_authorization_in_the_journal(smsmock: SmsMock) -> None:
    for fake in smsmock:
        fake.add_account("shop", SECRET, api_key=KEY, balance=100)
    infobip, mimsms, broadnet, smsc = (
        smsmock.infobip,
        smsmock.mimsms,
        smsmock.broadnet,
        smsmock.smsc,
    )
    send = {"sender": "Shop", "SMSText": "hi", "GSM": "385911234567"}
    requests.get(
        f"{infobip.url}/api/v3/sendsms/plain",
        {"user": "shop", "password": SECRET, **send},
        timeout=5,
    )
    document = {
        "authentication": {"username": "shop", "password": SECRET},
        "messages": [{"sender": "Shop", "text": "hi", "recipients": [{"gsm": "385911234567"}]}],
    }
    requests.post(f"{infobip.url}/api/v3/sendsms/json", data=json.dumps(document), timeout=5)
    xml = (
        "<SMS><authentication><username>shop</username><password>" + SECRET + "</password>"
        "</authentication><message><sender>Shop</sender><text>hi</text></message>"
        "<recipients><gsm>385911234567</gsm></recipients></SMS>"
    )
    requests.post(f"{infobip.url}/api/v3/sendsms/xml", data={"XML": xml}, timeout=5)
    requests.post(
        f"{infobip.url}/sms/2/text/advanced",
        json={
            "messages": [{"from": "Shop", "destinations": [{"to": "385911234567"}], "text": "hi"}]
        },
        headers={"Authorization": f"App {KEY}"},
        timeout=5,
    )
    basic = base64.b64encode(f"shop:{SECRET}".encode()).decode()
    requests.post(
        f"{mimsms.url}/sms/1/text/single",
        json={"from": "Shop", "to": "8801712345678", "text": "hi"},
        headers={"Authorization": f"Basic {basic}"},
        timeout=5,
    )
    websms = {"sid": "Shop", "mno": "962791234567", "type": "1", "text": "hi"}
    requests.get(
        f"{broadnet.url}/websmpp/websms", {"user": "shop", "pass": SECRET, **websms}, timeout=5
    )
    requests.get(f"{broadnet.url}/websmpp/websms", {"accesskey": KEY, **websms}, timeout=5)
    campaign = {
        "campaign": {
            "username": "shop",
            "password": SECRET,
            "sender": "Shop",
            "type": "1",
            "text": "hi",
            "gsm": ["962791234567"],
        }
    }
    requests.post(f"{broadnet.url}/websmpp/json/sms", data=json.dumps(campaign), timeout=5)
    requests.post(
        f"{smsc.url}/sys/send.php",
        data={"login": "shop", "psw": SECRET, "phones": "79991234567", "mes": "hi"},
        timeout=5,
    )
    requests.get(f"{smsc.url}/sys/balance.php", {"apikey": KEY}, timeout=5)
    host, port = smsmock.enhanced_smpp.smpp_address
    client = smpplib.client.Client(host, port, timeout=5, allow_unknown_opt_params=True)
    client.connect()
    try:
        client.bind_transceiver(system_id="shop", password=SECRET)
        client.unbind()
    finally:
        client.disconnect()
    smsmock.infobip.add_account("hooked", SECRET, dlr_url=f"http://shop:{SECRET}@127.0.0.1:9/dlr")
    requests.get(
        f"{infobip.url}/api/v3/sendsms/plain",
        {"user": "hooked", "password": SECRET, **send},
        timeout=5,
    )
    smsmock.clock.advance("1m")

    # Every request above reached the journal...
    assert len(smsmock.journal.entries(channel="http", direction="in")) >= 10
    assert smsmock.journal.entries(channel="smpp")
    # ... and the secret is in none of its renderings (what failure reports print).
    assert SECRET not in smsmock.journal.render()
    assert SECRET not in smsmock.journal.dumps()
    assert KEY not in smsmock.journal.dumps()
    assert basic not in smsmock.journal.dumps()
    # The test still has them where they belong.
    assert smsmock.infobip.accounts.get("shop").password == SECRET  # type: ignore[union-attr]
