from __future__ import annotations

import dataclasses

import pytest

from pytest_smsmock.errors import ProtocolError
from pytest_smsmock.smpp.codec import decode, encode
from pytest_smsmock.smpp.constants import (
    VENDOR_STATUSES,
    CommandId,
    CommandStatus,
    describe_status,
    response_id,
)
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import (
    SPEC_PASSWORD_MAX_CHARS,
    AlertNotification,
    BindTransceiver,
    DeliverSmResp,
    GenericNack,
    QuerySmResp,
    SubmitMulti,
    SubmitSm,
    SubmitSmResp,
    error_response,
)
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag, tlv_value

S = CommandStatus


@pytest.mark.parametrize(
    ("build", "status"),
    [
        (lambda: BindTransceiver(sequence_number=1, system_id="x" * 16), S.ESME_RINVSYSID),
        (
            lambda: BindTransceiver(sequence_number=1, system_id="e", password="p" * 65),
            S.ESME_RINVPASWD,
        ),
        (
            lambda: BindTransceiver(sequence_number=1, system_id="e", system_type="t" * 13),
            S.ESME_RINVSYSTYP,
        ),
        (lambda: SubmitSm(sequence_number=1, short_message=b"x" * 255), S.ESME_RINVMSGLEN),
        (lambda: SubmitSm(sequence_number=1, destination_addr="1" * 21), S.ESME_RINVDSTADR),
        (lambda: SubmitSm(sequence_number=1, source_addr="A" * 21), S.ESME_RINVSRCADR),
        (lambda: SubmitSm(sequence_number=1, service_type="CMTXYZ"), S.ESME_RINVSERTYP),
        (lambda: SubmitSm(sequence_number=1, schedule_delivery_time="0706"), S.ESME_RINVSCHED),
        (lambda: SubmitSm(sequence_number=1, validity_period="1" * 17), S.ESME_RINVEXPIRY),
        (lambda: SubmitSm(sequence_number=1, destination_addr="12\x0034"), S.ESME_RINVDSTADR),
        (lambda: SubmitSmResp(sequence_number=1, message_id="m" * 65), S.ESME_RINVMSGID),
        (lambda: SubmitMulti(sequence_number=1, dest_addresses=()), S.ESME_RINVNUMDESTS),
        (lambda: SubmitSm(sequence_number=1, esm_class=256), S.ESME_RSYSERR),
        (lambda: SubmitSm(sequence_number=-1), S.ESME_RSYSERR),
        (lambda: Tlv(tag=TlvTag.SOURCE_PORT, value=70000), S.ESME_RINVOPTPARAMVAL),
        (lambda: Tlv(tag=TlvTag.RECEIPTED_MESSAGE_ID, value=b"bytes"), S.ESME_RINVOPTPARAMVAL),
        (lambda: Tlv(tag=TlvTag.RECEIPTED_MESSAGE_ID, value="r" * 65), S.ESME_RINVPARLEN),
        (lambda: Tlv(tag=0x1500, value="unknown tags take bytes"), S.ESME_RINVOPTPARAMVAL),
        (
            lambda: SubmitSmResp(
                sequence_number=1, message_id=None, tlvs=(Tlv(tag=0x1500, value=b""),)
            ),
            S.ESME_RSYSERR,
        ),
    ],
)
def test_invalid_values_are_refused_when_built_with_the_status_to_answer(
    build: object, status: int
) -> None:
    with pytest.raises(SmppError) as info:
        build()  # type: ignore[operator]
    assert info.value.status == status
    assert isinstance(info.value, ProtocolError)


def test_spec_limits_are_inclusive() -> None:
    at_limit = SubmitSm(sequence_number=1, short_message=b"x" * 254, destination_addr="1" * 20)
    assert decode(encode(at_limit)) == at_limit
    bind = BindTransceiver(sequence_number=1, system_id="x" * 15, password="p" * 8)
    assert decode(encode(bind)) == bind
    relative = SubmitSm(sequence_number=1, validity_period="000001000000000R")
    assert decode(encode(relative)).validity_period == "000001000000000R"


def test_passwords_longer_than_the_spec_decode_for_enhanced_smpp() -> None:
    long = "Str0ng-and-long-password"
    assert len(long) > SPEC_PASSWORD_MAX_CHARS
    bind = BindTransceiver(sequence_number=1, system_id="acct", password=long)
    assert decode(encode(bind)) == bind


def test_pdus_are_frozen_hashable_keyword_only_values() -> None:
    a = SubmitSm(sequence_number=1, short_message=b"hi", tlvs=(Tlv(tag=0x1500, value=b"v"),))
    b = SubmitSm(sequence_number=1, short_message=b"hi", tlvs=(Tlv(tag=0x1500, value=b"v"),))
    assert a == b
    assert len({a, b}) == 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.short_message = b"x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        SubmitSm(1)  # type: ignore[misc]
    assert not hasattr(a, "__dict__")


def test_tlv_tag_as_enum_or_int_is_the_same_tlv() -> None:
    assert Tlv(tag=TlvTag.MESSAGE_STATE, value=2) == Tlv(tag=0x0427, value=2)
    tlvs = (Tlv(tag=TlvTag.MESSAGE_STATE, value=2),)
    assert tlv_value(tlvs, 0x0427) == 2
    assert tlv_value(tlvs, 0x0425) is None


def test_error_response_omits_the_body_where_the_spec_allows() -> None:
    assert error_response(CommandId.SUBMIT_SM, 3, 0x58) == SubmitSmResp(
        sequence_number=3, command_status=0x58, message_id=None
    )
    assert error_response(CommandId.QUERY_SM, 3, 0x67) == QuerySmResp(
        sequence_number=3, command_status=0x67, message_id=None
    )
    assert error_response(CommandId.DELIVER_SM, 3, 0) == DeliverSmResp(sequence_number=3)
    # no response of its own -> generic_nack
    assert error_response(AlertNotification.command_id, 3, 3) == GenericNack(
        sequence_number=3, command_status=3
    )
    assert error_response(0x1234, 3, 3) == GenericNack(sequence_number=3, command_status=3)


def test_response_ids() -> None:
    assert response_id(CommandId.SUBMIT_SM) is CommandId.SUBMIT_SM_RESP
    assert response_id(CommandId.OUTBIND) is None
    assert response_id(CommandId.SUBMIT_SM_RESP) is None


def test_provider_statuses_are_described_per_provider() -> None:
    assert describe_status(0xFF).startswith("ESME_RUNKNOWNERR")
    assert "insufficient balance" in describe_status(0xFF, "infobip")
    assert "Network not covered" in describe_status(0x22, "infobip")
    assert "Invalid Address" in describe_status(0x22, "broadnet")
    assert "Insufficient Balance" in describe_status(0x40B, "broadnet")
    assert "Country/Network not available" in describe_status(0x12F, "enhanced_smpp")
    assert describe_status(0x4A1) == "0x000004A1: vendor specific or reserved"
    documented = {(v.provider, v.code) for v in VENDOR_STATUSES}
    for code in (0x22, 0xFF, 0x4A1):
        assert ("infobip", code) in documented
    for code in (0x12, 0x40B, 0x59, 0x8D, 0x93, 0x9C):
        assert ("broadnet", code) in documented
    for code in (0x12F, 0x58, 0x14):
        assert ("enhanced_smpp", code) in documented


def test_trusted_builds_the_same_value_as_the_constructor_without_checks() -> None:
    from pytest_smsmock.smpp.pdus import SubmitSmResp, trusted

    build = trusted(SubmitSmResp)
    assert build is trusted(SubmitSmResp)  # generated once
    assert build(sequence_number=4, message_id="ab12") == SubmitSmResp(
        sequence_number=4, message_id="ab12"
    )
    assert build(sequence_number=1) == SubmitSmResp(sequence_number=1)
    with pytest.raises(TypeError):
        build(4)  # keyword-only, like the dataclass
