"""Refused binds and submits say why, in one line a person understands (journal channel
``hint``, listed first in a failed test's report)."""

from __future__ import annotations

from typing import Any

import pytest
import smpplib.client
import smpplib.exceptions
from smpp_esme import Esme, RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.pdus import BindTransceiver

pytest_plugins = ["pytester"]


def hints(smsmock: SmsMock) -> list[str]:
    return [e.summary for e in smsmock.journal.entries(channel="hint")]


def smpplib_bind(address: tuple[str, int], **kw: Any) -> int:
    client = smpplib.client.Client(*address, timeout=2, allow_unknown_opt_params=True)
    client.connect()
    try:
        client.bind_transceiver(**kw)
    except smpplib.exceptions.PDUError as exc:
        return int(exc.args[1])
    finally:
        client.disconnect()
    return 0


def test_a_password_cut_to_eight_characters(smsmock: SmsMock) -> None:
    fake = smsmock.enhanced_smpp
    fake.add_account("shop", "a-long-secret-9")
    status = smpplib_bind(fake.smpp_address, system_id="shop", password="a-long-secret-9"[:8])
    assert status == 0x0E
    assert hints(smsmock) == [
        "bind as 'shop' refused (0x0000000E): the password sent is the first 8 characters of "
        "the account's 15; SMPP 3.4 allows 8 and clients such as python-smpplib cut longer "
        "ones, but this provider's passwords may be longer: send it whole, or give the account "
        "an 8-character password"
    ]
    raw = RawEsme(fake.smpp_address)  # the whole password, as the provider's note allows
    raw.send(BindTransceiver(sequence_number=1, system_id="shop", password="a-long-secret-9"))
    assert raw.read().command_status == 0
    raw.close()


def test_a_system_id_that_differs_in_case(smsmock: SmsMock) -> None:
    assert smpplib_bind(smsmock.broadnet.smpp_address, system_id="TEST", password="test") == 0x0F
    assert hints(smsmock) == [
        "bind as 'TEST' refused (0x0000000F): no account 'TEST'; 'test' differs only in case "
        "(system_id is case-sensitive)"
    ]


def test_an_smpp_33_bind_on_infobip(smsmock: SmsMock) -> None:
    raw = RawEsme(smsmock.infobip.smpp_address)
    raw.send(
        BindTransceiver(
            sequence_number=1, system_id="test", password="test", interface_version=0x33
        )
    )
    assert raw.read().command_status == 0x0D
    raw.close()
    assert hints(smsmock) == [
        "bind as 'test' refused (0x0000000D): interface_version 0x33 is SMPP 3.3; Infobip "
        "serves SMPP 3.4 only (interface_version 0x34)"
    ]


def test_submit_mistakes(smsmock: SmsMock) -> None:
    esme = Esme(smsmock.enhanced_smpp.smpp_address)
    try:
        esme.bind("tx")
        assert esme.submit(source_addr="447700900000", source_addr_ton=0).status == 0x48
        assert esme.submit(destination_addr="00447700900123").status == 0x0B
    finally:
        esme.close()
    assert hints(smsmock) == [
        "submit_sm #3 refused (0x00000048): numeric source_addr '447700900000' came with TON 0; "
        "international numbers are TON 1 / NPI 1 (python-smpplib sends 0 unless "
        "source_addr_ton is given)",
        "submit_sm #4 refused (0x0000000B): destination_addr '00447700900123' is not in "
        "international format: the country code first, without a leading +, 00 or 0",
    ]


def test_an_alphanumeric_sender_with_ton_1(smsmock: SmsMock) -> None:
    esme = Esme(smsmock.infobip.smpp_address)
    try:
        esme.bind("tx")
        assert esme.submit(source_addr="MyShopSender1", source_addr_ton=1).status == 0x0A
    finally:
        esme.close()
    assert hints(smsmock) == [
        "submit_sm #3 refused (0x0000000A): source_addr 'MyShopSender1' is alphanumeric: send it "
        "with source_addr_ton 5 (alphanumeric) and source_addr_npi 0, not TON 1 / NPI 1"
    ]


def test_a_receipt_that_was_not_asked_for(smsmock: SmsMock) -> None:
    esme = Esme(smsmock.broadnet.smpp_address)
    try:
        esme.bind("trx")
        response = esme.submit(destination_addr="962791234567", registered_delivery=0)
        smsmock.clock.advance("5s")
    finally:
        esme.close()
    assert hints(smsmock) == [
        f"{response.message_id.decode()} is delivered, and no receipt goes to the bound "
        "receiver: its submit asked for none (registered_delivery 0; 1 asks for every final "
        "state, 2 for failures only)"
    ]


def test_the_failure_report_lists_the_hints(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import smpplib.client

        def test_bind(smsmock):
            fake = smsmock.enhanced_smpp
            fake.add_account("shop", "a-long-secret-9")
            client = smpplib.client.Client(*fake.smpp_address, timeout=2)
            client.connect()
            client.bind_transceiver(system_id="shop", password="a-long-se")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        [
            "*- smsmock hints -*",
            "*enhanced_smpp hint     ** bind as 'shop' refused (0x0000000E): the password sent "
            "is the first 8 characters of the account's 15*",
            "*- smsmock journal -*",
        ]
    )
