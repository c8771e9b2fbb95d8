"""smsmock.receiver: the client's push endpoint drives each provider's retry schedule, parses
pushes per provider, answers per path and nth call, and gives the providers' accepting answers
by default."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests

from pytest_smsmock.core.messages import Status
from pytest_smsmock.hub import SmsMock


def _send_infobip(smsmock: SmsMock, url: str) -> str:
    smsmock.infobip.add_account("shop", "pw", dlr_url=url)
    requests.get(
        smsmock.infobip.url + "/api/v3/sendsms/plain",
        params={"user": "shop", "password": "pw", "sender": "Shop", "SMSText": "hi",
                "GSM": "38598123456"},
        timeout=10,
    )  # fmt: skip
    return smsmock.infobip.messages.one(to="38598123456").message_id


def _send_mimsms(smsmock: SmsMock, url: str) -> str:
    answer = requests.post(
        smsmock.mimsms.url + "/sms/1/text/single",
        json={"from": "Shop", "to": "38598123456", "text": "hi", "notifyUrl": url},
        auth=("Aladdin", "open sesame"),
        timeout=10,
    )
    return str(answer.json()["messages"][0]["messageId"])


def _send_broadnet(smsmock: SmsMock, url: str) -> str:
    smsmock.broadnet.add_account("shop", "pw", dlr_url=url)
    answer = requests.get(
        smsmock.broadnet.url + "/websmpp/websms",
        params={"user": "shop", "pass": "pw", "sid": "Shop", "mno": "962791234567", "type": "1",
                "text": "hi"},
        timeout=10,
    )  # fmt: skip
    return answer.text.removeprefix("Response: ")


def _send_smsc(smsmock: SmsMock, url: str) -> str:
    smsmock.smsc.add_account("shop", "pw", dlr_url=url)
    requests.get(
        smsmock.smsc.url + "/sys/send.php",
        params={"login": "shop", "psw": "pw", "phones": "79991234567", "mes": "hi"},
        timeout=10,
    )
    return smsmock.smsc.messages.one(to="79991234567").message_id


# provider -> (send one message, pushes per message before the final one, retry schedule)
PROVIDERS: dict[str, tuple[Callable[[SmsMock, str], str], int, list[int]]] = {
    "infobip": (_send_infobip, 0, [1, 2, 5, 10]),
    "mimsms": (_send_mimsms, 0, [1, 2, 5, 10]),
    "broadnet": (_send_broadnet, 0, [1, 5, 15, 60]),
    "smsc": (_send_smsc, 1, [1, 5, 15, 60]),  # SMSC.ru also reports "enroute" (status 0)
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_failed_pushes_follow_the_provider_s_retry_schedule(
    smsmock: SmsMock, provider: str
) -> None:
    send, earlier, schedule = PROVIDERS[provider]
    receiver = smsmock.receiver
    failures = len(schedule) - 1
    receiver.respond(503, path="/dlr", nth=range(earlier + 1, earlier + 1 + failures))
    message_id = send(smsmock, receiver.url_for("/dlr"))
    smsmock.clock.advance("6h")

    pushes = receiver.pushes(path="/dlr")[earlier:]
    assert [p.status for p in pushes] == [503] * failures + [200]
    gaps = [(b.at - a.at) for a, b in itertools.pairwise(pushes)]
    assert gaps == [timedelta(minutes=m) for m in schedule[:failures]]
    final = pushes[-1]
    assert final.provider == provider
    assert final.kind == "dlr"
    assert final.report.message_id == message_id
    assert final.report.canonical is Status.DELIVERED
    journal = smsmock.journal.entries(provider=provider, channel="callback")
    assert f"attempt {failures + 1}: ok" in journal[-1].summary


@pytest.mark.parametrize("provider", PROVIDERS)
def test_every_push_is_accepted_by_default_with_the_provider_s_answer(
    smsmock: SmsMock, provider: str
) -> None:
    send, earlier, _ = PROVIDERS[provider]
    send(smsmock, smsmock.receiver.url_for("/dlr"))
    smsmock.clock.advance("1m")
    pushes = smsmock.receiver.received
    assert len(pushes) == earlier + 1
    assert pushes[-1].answer == (b"Ok" if provider == "broadnet" else b"OK")
    attempts = [e.summary for e in smsmock.journal.entries(channel="callback")]
    assert all("attempt 1: ok" in a for a in attempts), attempts


def test_broadnet_retries_a_2xx_that_is_not_ok(smsmock: SmsMock) -> None:
    smsmock.receiver.respond(200, "received", nth=1)
    _send_broadnet(smsmock, smsmock.receiver.url_for("/dlr"))
    smsmock.clock.advance("2m")
    assert [p.answer for p in smsmock.receiver.received] == [b"received", b"Ok"]


def test_infobip_gives_up_after_its_last_retry(smsmock: SmsMock) -> None:
    smsmock.receiver.respond(500)
    _send_infobip(smsmock, smsmock.receiver.url_for("/dlr"))
    smsmock.clock.advance("1d")
    assert len(smsmock.receiver.received) == 5
    (dropped,) = smsmock.journal.entries(provider="infobip", contains="dropped after")
    assert "dropped after 5 attempt(s)" in dropped.summary


def test_a_delay_beyond_the_pusher_s_timeout_is_a_timeout_at_once(smsmock: SmsMock) -> None:
    smsmock.receiver.respond(200, delay=60, nth=1)  # the hub's callback timeout is 5 s
    _send_smsc(smsmock, smsmock.receiver.url_for("/dlr"))
    smsmock.clock.advance("2m")
    first, *rest = smsmock.receiver.received
    assert first.timed_out
    assert "attempt 1: failed (timeout)" in smsmock.journal.entries(channel="callback")[0].summary
    delivered, retried = rest  # the final report at +4 s, then the enroute one's retry
    assert (delivered.at - first.at, delivered.report.canonical) == (
        timedelta(seconds=4),
        Status.DELIVERED,
    )
    assert (retried.at - first.at, retried.report.canonical) == (
        timedelta(minutes=1),
        Status.ENROUTE,
    )


def test_times_limits_a_rule_and_rules_apply_in_order(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    receiver.respond(500, times=2)
    receiver.respond(404, path="/dlr")
    _send_infobip(smsmock, receiver.url_for("/dlr"))
    smsmock.clock.advance("1h")
    assert [p.status for p in receiver.received] == [500, 500, 404, 404, 404]


def test_inbound_and_number_context_pushes_are_parsed(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    smsmock.infobip.add_account(
        "shop",
        "pw",
        mo_url=receiver.url_for("/mo?from=%sender%&to=%receiver%&text=%text%&id=%messageid%"),
        dlr_url=receiver.url_for("/hlr"),
    )
    mo = smsmock.infobip.inject_mo(sender="38591000000", text="STOP", account="shop")
    requests.get(
        smsmock.infobip.url + "/api/hlr/",
        params={"user": "shop", "pass": "pw", "destinations": "38598123456"},
        timeout=10,
    )
    smsmock.clock.advance("1m")
    inbound = receiver.pushes(kind="mo")[0].report
    assert (inbound.provider, inbound.sender, inbound.to) == ("infobip", "38591000000", mo.to)
    assert (inbound.message_id, inbound.fields["text"]) == (mo.message_id, "STOP")
    (hlr,) = receiver.reports(kind="hlr")
    assert (hlr.to, hlr.status) == ("38598123456", "DELIVRD")


def test_pushes_over_a_socket_are_recognised_by_shape_or_by_path(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    answer = requests.post(
        receiver.url_for("/anything"),
        data={"MessageId": "42", "Status": "UNDELIV", "Destination": "962791234567"},
        timeout=10,
    )
    assert answer.text == "Ok"  # recognised as Broadnet's, answered its way
    pushed = receiver.received[-1].report
    assert (pushed.provider, pushed.canonical) == ("broadnet", Status.UNDELIVERABLE)
    url = receiver.url_for("/mo", provider="infobip")
    requests.get(url, params={"sender": "38591", "text": "hi"}, timeout=10)
    assert receiver.received[-1].report.sender == "38591"
    requests.put(receiver.url_for("/other"), data=b"?", timeout=10)
    other = receiver.received[-1]
    assert (other.provider, other.kind, other.reports, other.status) == (None, "unknown", (), 200)


def test_wait_for_pushes_from_another_thread(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    url = receiver.url_for("/dlr", provider="smsc")
    pusher = threading.Thread(
        target=requests.post,
        args=(url,),
        kwargs={"data": {"id": "7", "phone": "79991234567", "status": "1", "err": "0"}},
    )
    pusher.start()
    (push,) = receiver.wait_for(1, timeout=10)
    pusher.join(10)
    assert push.report.message_id == "7-79991234567"
    with pytest.raises(AssertionError, match="1 push"):
        receiver.wait_for(2, timeout=0.05)


def test_the_receiver_is_emptied_by_reset(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    receiver.respond(500)
    requests.post(receiver.url_for("/x", provider="smsc"), data={"id": "1"}, timeout=10)
    smsmock.reset()
    assert receiver.received == []
    assert requests.post(receiver.url_for("/x"), data={"a": "b"}, timeout=10).status_code == 200


def test_journals_of_runs_on_different_ports_are_byte_identical() -> None:
    def run(hub: SmsMock) -> str:
        hub.load_scenario("default")  # a bundled scenario, by name
        hub.receiver.respond(500, nth=1)
        _send_broadnet(hub, hub.receiver.url_for("/dlr"))
        hub.clock.advance("10m")
        return hub.journal.dumps()

    # both at once, so their listeners and receivers cannot share a port
    with SmsMock(providers=("broadnet",)) as one, SmsMock(providers=("broadnet",)) as two:
        first, second = run(one), run(two)
        assert one.receiver.url != two.receiver.url
        assert one.broadnet.url != two.broadnet.url
    assert first == second
    assert "http://127.0.0.1:<port>/dlr" in first
    assert '"loaded default (bundled)"' in first


def test_infobip_rest_reports_and_inbound_pushes_are_parsed(smsmock: SmsMock) -> None:
    receiver = smsmock.receiver
    smsmock.infobip.add_account("shop", "pw", api_key="k3y", mo_url=receiver.url_for("/mo"))
    answer = requests.post(
        smsmock.infobip.url + "/sms/2/text/advanced",
        json={
            "messages": [
                {
                    "from": "Shop",
                    "destinations": [{"to": "41793026727"}],
                    "text": "hi",
                    "notifyUrl": receiver.url_for("/dlr"),
                }
            ]
        },
        headers={"Authorization": "App k3y"},
        timeout=10,
    )
    message_id = answer.json()["messages"][0]["messageId"]
    smsmock.clock.advance("1m")
    report = receiver.pushes(path="/dlr")[-1].report
    assert (report.provider, report.kind, report.message_id) == ("infobip", "dlr", message_id)
    assert (report.status, report.canonical) == ("DELIVERED_TO_HANDSET", Status.DELIVERED)
    mo = smsmock.infobip.inject_mo(sender="41793026700", text="STOP", account="shop")
    inbound = receiver.pushes(path="/mo")[-1].report
    assert (inbound.kind, inbound.message_id, inbound.sender) == (
        "mo",
        mo.message_id,
        "41793026700",
    )
