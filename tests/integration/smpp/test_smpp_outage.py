"""SMPP listeners going down and up: `SmsMock.take_down` / `bring_up` and scenario outages."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import smpplib.client
import smpplib.exceptions
from smpp_esme import Esme

from pytest_smsmock.errors import ConfigError, ScenarioError
from pytest_smsmock.hub import SmsMock


@pytest.fixture
def esmes(smsmock: SmsMock) -> Iterator[list[Esme]]:
    opened: list[Esme] = []
    yield opened
    for esme in opened:
        esme.close()


def connect(esmes: list[Esme], address: tuple[str, int], **kw: object) -> Esme:
    esme = Esme(address, **kw)  # type: ignore[arg-type]
    esmes.append(esme)
    return esme


def refused(address: tuple[str, int]) -> bool:
    client = smpplib.client.Client(*address, timeout=2, allow_unknown_opt_params=True)
    try:
        client.connect()
    except smpplib.exceptions.ConnectionError:
        return True
    finally:
        client.disconnect()
    return False


def test_take_down_refuses_binds_and_drops_sessions_until_bring_up(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.infobip
    address = fake.smpp_address
    bound = connect(esmes, address)
    bound.bind("trx")
    smsmock.take_down("infobip", "plain")
    assert refused(address)
    assert bound.nothing_arrives()  # the dropped session reads EOF at once
    assert fake.smpp.sessions() == []
    assert smsmock.smpp_server.is_down("infobip", "plain")
    # The TLS listener is another access point: it stays up.
    context = smsmock.client_ssl_context()
    context.check_hostname = False  # smpplib passes no server_hostname; the CA still verifies
    tls = connect(esmes, fake.smpp_tls_address, ssl_context=context)
    assert tls.bind("trx").status == 0

    smsmock.bring_up("infobip", "plain")
    assert fake.smpp_address == address  # the same port
    again = connect(esmes, address)
    assert again.bind("trx").status == 0
    summaries = [e.summary for e in smsmock.journal.entries(provider="infobip", channel="smpp")]
    assert "listener plain taken down (1 session(s) dropped)" in summaries
    assert "listener plain brought up" in summaries
    assert any("closed: listener taken down" in s for s in summaries)


def test_routing_by_protocol_and_prefixed_names(smsmock: SmsMock) -> None:
    address = smsmock.enhanced_smpp.smpp_tls_address
    smsmock.take_down("enhanced_smpp", protocol="smpp")  # its first listener: plain
    assert smsmock.smpp_server.is_down("enhanced_smpp", "plain")
    smsmock.take_down("enhanced_smpp", "smpp:tls")
    assert smsmock.smpp_server.is_down("enhanced_smpp", "tls")
    smsmock.bring_up("enhanced_smpp", "tls")
    smsmock.bring_up("enhanced_smpp", "plain", protocol="smpp")
    assert not smsmock.smpp_server.is_down("enhanced_smpp", "plain")
    assert not refused(address)
    with pytest.raises(ConfigError, match="no SMPP listener infobip/backup; running: "):
        smsmock.take_down("infobip", "backup", protocol="smpp")


def test_the_next_test_finds_every_listener_up(smsmock: SmsMock) -> None:
    smsmock.take_down("broadnet", "plain")
    assert refused(smsmock.broadnet.smpp_address)
    smsmock.reset()
    assert not refused(smsmock.broadnet.smpp_address)
    assert smsmock.journal.entries(contains="brought up") == []  # a reset is not an event


def test_scenario_outage_window_and_receipts_wait_for_the_next_bind(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.enhanced_smpp
    address = fake.smpp_address
    smsmock.load_scenario(
        {
            "version": 1,
            "events": [
                {
                    "at": "10s",
                    "provider": "enhanced_smpp",
                    "outage": {"protocol": "smpp", "listener": "plain", "for": "10m"},
                }
            ],
            "rules": [{"dlr": [{"after": "1m", "status": "delivered"}]}],
        }
    )
    trx = connect(esmes, address)
    trx.bind("trx")
    message_id = trx.submit(registered_delivery=1).message_id.decode()
    smsmock.clock.advance("10s")
    assert refused(address)
    assert trx.nothing_arrives()
    smsmock.clock.advance("1m")  # the receipt is due while nothing can receive it
    assert [item.ref for item in fake.smpp.pending("test")] == [message_id]
    smsmock.clock.advance("9m")
    rx = connect(esmes, address)
    assert rx.bind("rx").status == 0
    assert fake.smpp.flush()
    rx.read_until(lambda: len(rx.delivered) == 1)
    assert bytes(rx.delivered[0].receipted_message_id).decode() == message_id
    notes = [e.summary for e in smsmock.journal.entries(channel="scenario")]
    assert any("down: smpp:plain" in s for s in notes)
    assert any("back up: smpp:plain" in s for s in notes)


def test_outage_of_an_unknown_smpp_listener_fails_at_load_time(smsmock: SmsMock) -> None:
    with pytest.raises(ScenarioError, match="broadnet has no SMPP listener 'tls'"):
        smsmock.load_scenario(
            {
                "version": 1,
                "events": [
                    {
                        "at": "1s",
                        "provider": "broadnet",
                        "outage": {"protocol": "smpp", "listener": "tls"},
                    }
                ],
            }
        )
