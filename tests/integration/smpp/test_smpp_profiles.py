"""Each provider's SMPP limits and error codes, seen by python-smpplib."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import smpplib.exceptions
from smpp_esme import Esme, RawEsme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.pdus import (
    BindReceiver,
    BindTransceiver,
    BindTransmitter,
    DeliverSm,
    DeliverSmResp,
    SubmitSm,
)
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag, tlv_value


@pytest.fixture
def esmes(smsmock: SmsMock) -> Iterator[list[Esme]]:
    opened: list[Esme] = []
    yield opened
    for esme in opened:
        esme.close()


def connect(esmes: list[Esme], address: tuple[str, int]) -> Esme:
    esme = Esme(address)
    esmes.append(esme)
    return esme


def bind_status(esme: Esme, mode: str = "trx", **kw: object) -> int:
    try:
        return int(esme.bind(mode, **kw).status)  # type: ignore[arg-type]
    except smpplib.exceptions.PDUError as exc:
        return int(exc.args[1])


# -- Infobip --------------------------------------------------------------------------------------


def test_infobip_allows_four_sessions(smsmock: SmsMock, esmes: list[Esme]) -> None:
    address = smsmock.infobip.smpp_address
    assert [bind_status(connect(esmes, address), mode) for mode in ("tx", "rx", "trx", "tx")] == [
        0,
        0,
        0,
        0,
    ]
    assert bind_status(connect(esmes, address)) == 0x0D


def test_infobip_refuses_smpp_33_and_unknown_system_types(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    address = smsmock.infobip.smpp_address
    raw = RawEsme(address)
    raw.send(
        BindTransceiver(
            sequence_number=1, system_id="test", password="test", interface_version=0x33
        )
    )
    assert raw.read().command_status == 0x0D
    raw.close()
    assert bind_status(connect(esmes, address), system_type="WHATEVER") == 0x53
    assert bind_status(connect(esmes, address), password="wrong") == 0x0E
    assert bind_status(connect(esmes, address), system_id="nobody") == 0x0F
    smsmock.infobip.smpp.routes = {"route_hq"}
    assert bind_status(connect(esmes, address), system_type="R:other") == 0x53
    esme = connect(esmes, address)
    assert bind_status(esme, system_type="R:route_hq") == 0
    esme.submit()
    assert smsmock.infobip.messages.last.extra["route"] == "route_hq"


def test_infobip_command_statuses(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    fake.add_account("poor", "pw", balance="1", uncovered_prefixes=["1"])
    esme = connect(esmes, fake.smpp_address)
    esme.bind("tx", system_id="poor", password="pw")
    assert esme.submit(destination_addr="15550001").status == 0x22  # network not covered
    assert esme.submit(source_addr="ThisSenderIsTooLong").status == 0x0A
    assert esme.submit(source_addr="").status == 0x0A
    assert esme.submit(user_message_reference=7).status == 0
    assert esme.submit(user_message_reference=7).status == 0x0C  # duplicate id
    assert esme.submit().status == 0xFF  # the balance of 1 is spent
    fake.smpp.disabled_accounts.add("poor")
    assert esme.submit().status == 0x4A1
    assert len(fake.messages) == 1


def test_infobip_answers_unsupported_pdus_with_generic_nack(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    esme = connect(esmes, smsmock.infobip.smpp_address)
    esme.bind("trx")
    esme.send("query_sm", message_id="1", source_addr="38591000")
    answer = esme.read_pdu()
    assert (answer.command, answer.status) == ("generic_nack", 0x03)


def test_infobip_relative_scheduled_delivery(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    assert esme.submit(schedule_delivery_time="000000010000000R").status == 0
    message = fake.messages.last
    assert message.scheduled_at is not None
    assert (message.scheduled_at - message.submitted_at).total_seconds() == 3600
    assert esme.submit(schedule_delivery_time="250101120000000+").status == 0x61


def test_infobip_flash_mode_refuses_long_sms(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    assert bind_status(esme, system_type="NSMS") == 0
    assert esme.submit("flash!").status == 0
    assert fake.messages.last.flash
    udh = b"\x05\x00\x03\x01\x02\x01"
    assert esme.submit(udh + b"part one", esm_class=0x40).status == 0x01
    assert esme.submit(b"", message_payload=b"y" * 200).status == 0x01


def test_infobip_number_context_over_smpp(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.infobip
    esme = connect(esmes, fake.smpp_address)
    assert bind_status(esme, system_type="HLR") == 0
    resp = esme.submit(b"", destination_addr="385915369423", source_addr="")
    assert resp.status == 0
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    (dlr,) = esme.delivered
    text = bytes(dlr.short_message).decode()
    assert text.startswith(f"id:{resp.message_id.decode()} sub:001 dlvr:001 ")
    assert "stat:DELIVRD err:000 IMSI:219019" in text
    assert " MSC:3859804 HLR:3859812007 ORN:T-Mobile HR " in text
    assert text.endswith("MCCMNC:21901")


def test_infobip_number_context_tlvs_on_the_wire(smsmock: SmsMock) -> None:
    fake = smsmock.infobip
    fake.hlr_results["385915369423"] = {"stat": "UNDELIV", "orn": "VipNet"}
    raw = RawEsme(fake.smpp_address)
    raw.send(
        BindTransceiver(sequence_number=1, system_id="test", password="test", system_type="HLR")
    )
    assert raw.read().command_status == 0
    raw.send(SubmitSm(sequence_number=2, destination_addr="385915369423"))
    resp = raw.read()
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    dlr = raw.read()
    raw.send(DeliverSmResp(sequence_number=dlr.sequence_number))
    assert isinstance(dlr, DeliverSm)
    text = dlr.short_message.decode()
    assert "stat:UNDELIV err:001 IMSI: MSC: HLR:" in text
    assert "ORN:VipNet" in text
    assert tlv_value(dlr.tlvs, TlvTag.RECEIPTED_MESSAGE_ID) == resp.message_id
    assert tlv_value(dlr.tlvs, TlvTag.MESSAGE_STATE) == 5
    assert tlv_value(dlr.tlvs, TlvTag.INFOBIP_ORIGINAL_NETWORK_NAME) == "VipNet"
    assert tlv_value(dlr.tlvs, TlvTag.INFOBIP_IS_NUMBER_CORRECT) == 0
    assert tlv_value(dlr.tlvs, TlvTag.INFOBIP_IMSI) is None  # no IMSI for a failed query
    fake.hlr_results.clear()
    raw.send(SubmitSm(sequence_number=3, destination_addr="385911111111"))
    raw.read()
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    dlr = raw.read()
    assert tlv_value(dlr.tlvs, TlvTag.INFOBIP_IMSI) == b"219019911111111"
    assert tlv_value(dlr.tlvs, TlvTag.INFOBIP_MCCMNC) == "21901"
    assert [t.tag for t in dlr.tlvs][:3] == [0x0423, 0x0427, 0x001E]  # the document's order
    raw.close()


def test_infobip_us_short_code_without_campaign_id_is_rejected(smsmock: SmsMock) -> None:
    fake = smsmock.infobip
    raw = RawEsme(fake.smpp_address)
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    campaign = (Tlv(tag=TlvTag.INFOBIP_CAMPAIGN_ID, value="camp-7"),)
    sent = {}
    for seq, tlvs in ((2, ()), (3, campaign)):
        raw.send(
            SubmitSm(
                sequence_number=seq,
                source_addr="12345",
                destination_addr="15551234567",
                short_message=b"short code",
                registered_delivery=1,
                tlvs=tlvs,
            )
        )
        resp = raw.read()
        assert resp.command_status == 0  # accepted either way
        sent[seq] = resp.message_id
    assert fake.messages.get(sent[3]).extra["campaign_id"] == "camp-7"
    smsmock.clock.advance("5s")
    assert fake.smpp.flush()
    receipts = {}
    for _ in range(2):
        pdu = raw.read()
        raw.send(DeliverSmResp(sequence_number=pdu.sequence_number))
        receipts[tlv_value(pdu.tlvs, TlvTag.RECEIPTED_MESSAGE_ID)] = pdu.short_message.decode()
    assert "stat:REJECTED" in receipts[sent[2]]
    assert "stat:DELIVRD" in receipts[sent[3]]
    assert fake.messages.get(sent[2]).status == "rejected"
    raw.close()


# -- Enhanced SMPP --------------------------------------------------------------------------------


def test_enhanced_allows_two_connections_and_long_passwords(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.enhanced_smpp
    password = "a-password-longer-than-8"
    fake.add_account("acme", password)
    statuses = []
    raws = []
    for bind in (BindTransceiver, BindReceiver, BindTransmitter):
        raw = RawEsme(fake.smpp_address)
        raws.append(raw)
        raw.send(bind(sequence_number=1, system_id="acme", password=password))
        statuses.append(raw.read().command_status)
    assert statuses == [0, 0, 0x0D]
    for raw in raws:
        raw.close()


def test_enhanced_ip_allow_list(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.enhanced_smpp
    fake.service.allowed_networks = ["10.0.0.0/8"]
    assert bind_status(connect(esmes, fake.smpp_address)) == 0x0D
    fake.service.allowed_networks = ["127.0.0.1"]
    assert bind_status(connect(esmes, fake.smpp_address)) == 0


def test_enhanced_throughput_is_counted_per_virtual_second(
    smsmock: SmsMock, esmes: list[Esme]
) -> None:
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("tx")
    statuses = [esme.submit().status for _ in range(31)]
    assert statuses == [0] * 30 + [0x58]
    smsmock.clock.advance("1s")
    assert esme.submit().status == 0
    fake.service.throughput = 2
    smsmock.clock.advance("1s")
    assert [esme.submit().status for _ in range(3)] == [0, 0, 0x58]


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"service_type": "CMT"}, 0x15),
        ({"short_message": b"x" * 161}, 0x01),
        ({"short_message": "é".encode("utf-16-be") * 71, "data_coding": 8}, 0x01),
        ({"esm_class": 0x04}, 0x43),
        ({"replace_if_present_flag": 1}, 0x42),
        ({"sm_default_msg_id": 3}, 0x63),
        ({"source_addr_ton": 2}, 0x48),
        ({"source_addr_npi": 9}, 0x49),
        ({"dest_addr_ton": 2}, 0x50),
        ({"dest_addr_npi": 3}, 0x51),
        ({"destination_addr": "123"}, 0x0B),
        ({"destination_addr": "01234567"}, 0x0B),
        ({"destination_addr": "12345678901234567"}, 0x0B),
        ({"schedule_delivery_time": "991399000000000+"}, 0x61),
        ({"validity_period": "nonsense00000000"}, 0x62),
        ({"destination_addr": "99912345"}, 0x12F),
    ],
)
def test_enhanced_validation_codes(
    smsmock: SmsMock, esmes: list[Esme], fields: dict[str, object], status: int
) -> None:
    fake = smsmock.enhanced_smpp
    fake.service.unknown_networks.add("999")
    esme = connect(esmes, fake.smpp_address)
    esme.bind("tx")
    assert esme.submit(**fields).status == status
    assert len(fake.messages) == 0


def test_enhanced_alphanumeric_sender_is_ton_5_npi_0(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    assert esme.submit(source_addr="ACME", source_addr_ton=0, source_addr_npi=0).status == 0
    extra = fake.messages.last.extra
    assert (extra["source_addr_ton"], extra["source_addr_npi"]) == (5, 0)
    assert (
        esme.submit(esm_class=0x40, short_message=b"\x05\x00\x03\x01\x02\x01" + b"a" * 150).status
        == 0
    )


def test_enhanced_receipt_states(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.enhanced_smpp
    esme = connect(esmes, fake.smpp_address)
    esme.bind("trx")
    esme.submit(registered_delivery=1)
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 1)
    assert esme.delivered[0].message_state == 2


# -- Broadnet -------------------------------------------------------------------------------------


def test_broadnet_one_receiver_and_many_transmitters(smsmock: SmsMock, esmes: list[Esme]) -> None:
    address = smsmock.broadnet.smpp_address
    assert bind_status(connect(esmes, address), "trx") == 0
    assert bind_status(connect(esmes, address), "rx") == 0x05
    assert [bind_status(connect(esmes, address), "tx") for _ in range(5)] == [0] * 5
    assert bind_status(connect(esmes, address), "trx", system_type="VMA") == 0x53


def test_broadnet_status_codes(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.broadnet
    fake.add_account("jo", "pw", balance="1", coverage=["962"])
    esme = connect(esmes, fake.smpp_address)
    esme.bind("tx", system_id="jo", password="pw")
    assert esme.submit(destination_addr="385911234567").status == 0x12  # no coverage
    assert esme.submit(destination_addr="96279").status == 0x22  # invalid address
    assert esme.submit(destination_addr="962790000000", registered_delivery=3).status == 0x9C
    assert esme.submit(destination_addr="962790000000").status == 0
    assert esme.submit(destination_addr="962790000000").status == 0x40B  # balance spent
    message = fake.messages.last
    assert message.protocol == "smpp"
    assert message.expires_at is not None


def test_broadnet_codes_without_a_cause_come_from_a_scenario(
    smsmock: SmsMock, esmes: list[Esme], tmp_path: Path
) -> None:
    path = tmp_path / "codes.yaml"
    path.write_text(
        "version: 1\n"
        "rules:\n"
        "  - {match: {provider: broadnet, nth: 1}, respond: {command_status: 0x59}}\n"
        "faults:\n"
        "  - {on: 'broadnet:smpp:submit_sm', nth: 2, kind: error_status, command_status: 0x93}\n"
    )
    smsmock.load_scenario(path)
    esme = connect(esmes, smsmock.broadnet.smpp_address)
    esme.bind("tx")
    statuses = [esme.submit(destination_addr="962790000000").status for _ in range(3)]
    assert statuses == [0x59, 0x93, 0]


def test_broadnet_bind_fails_option(smsmock: SmsMock, esmes: list[Esme]) -> None:
    fake = smsmock.broadnet
    fake.add_account("down", "pw", bind_fails=True)
    assert bind_status(connect(esmes, fake.smpp_address), system_id="down", password="pw") == 0x0D


def test_broadnet_delivery_time_length(smsmock: SmsMock) -> None:
    raw = RawEsme(smsmock.broadnet.smpp_address)
    raw.send(BindTransceiver(sequence_number=1, system_id="test", password="test"))
    assert raw.read().command_status == 0
    good = SubmitSm(sequence_number=2, source_addr="AMS", destination_addr="962790000000")
    body = bytearray(encode(good))
    # Put a 5-character schedule_delivery_time where the empty one was.
    marker = b"962790000000\x00" + bytes((0, 0, 0))
    at = body.index(marker) + len(marker)
    body[at : at + 1] = b"12345\x00"
    body[0:4] = len(body).to_bytes(4, "big")
    raw.send_bytes(bytes(body))
    answer = raw.read()
    assert (answer.sequence_number, answer.command_status) == (2, 0x8D)
    raw.send(
        SubmitSm(
            sequence_number=3,
            source_addr="AMS",
            destination_addr="962790000000",
            schedule_delivery_time="991399000000000+",
        )
    )
    assert raw.read().command_status == 0x61
    raw.close()
