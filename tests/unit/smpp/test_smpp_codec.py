from __future__ import annotations

import itertools
import struct
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_smsmock.errors import ProtocolError
from pytest_smsmock.smpp import codec
from pytest_smsmock.smpp.codec import PduReader, decode, encode
from pytest_smsmock.smpp.constants import CommandId, CommandStatus
from pytest_smsmock.smpp.errors import DecodeError
from pytest_smsmock.smpp.pdus import (
    PDU_TYPES,
    BindTransmitter,
    DeliverSm,
    DeliverSmResp,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    Pdu,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
    SubmitSmResp,
)
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag
from pytest_smsmock.strategies.smpp import pdus

S = CommandStatus


def header(length: int, command_id: int, status: int, seq: int) -> bytes:
    return struct.pack(">IIII", length, command_id, status, seq)


def frame(command_id: int, body: bytes, seq: int = 7, status: int = 0) -> bytes:
    return header(16 + len(body), command_id, status, seq) + body


# -- round trips ------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", list(PDU_TYPES.values()), ids=lambda c: c.__name__)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_decode_encode_round_trip_for_every_pdu_type(cls: type[Pdu], data: st.DataObject) -> None:
    pdu = data.draw(pdus(cls))
    wire = encode(pdu)
    assert struct.unpack_from(">I", wire)[0] == len(wire)
    assert decode(wire) == pdu
    assert encode(decode(wire)) == wire


# Golden PDUs, written octet by octet from the SMPP 3.4 field tables.
BIND_TRANSMITTER = (
    b"\x00\x00\x00\x2d"  # command_length 45
    b"\x00\x00\x00\x02"  # command_id bind_transmitter
    b"\x00\x00\x00\x00"  # command_status
    b"\x00\x00\x00\x01"  # sequence_number 1
    b"smppclient1\x00"  # system_id
    b"password\x00"  # password
    b"CMT\x00"  # system_type
    b"\x34"  # interface_version 3.4
    b"\x01"  # addr_ton international
    b"\x01"  # addr_npi ISDN
    b"\x00"  # address_range NULL
)

SUBMIT_SM = (
    b"\x00\x00\x00\x41"  # command_length 65
    b"\x00\x00\x00\x04"  # submit_sm
    b"\x00\x00\x00\x00"
    b"\x00\x00\x00\x05"  # sequence_number 5
    b"\x00"  # service_type NULL
    b"\x05\x00"  # source ton alphanumeric, npi unknown
    b"InfoSMS\x00"  # source_addr
    b"\x01\x01"  # dest ton international, npi ISDN
    b"385911234567\x00"  # destination_addr
    b"\x00\x00\x00"  # esm_class, protocol_id, priority_flag
    b"\x00"  # schedule_delivery_time NULL
    b"\x00"  # validity_period NULL
    b"\x01"  # registered_delivery: receipt on success or failure
    b"\x00\x00\x00"  # replace_if_present_flag, data_coding, sm_default_msg_id
    b"\x05hello"  # sm_length 5, short_message
    b"\x14\x56\x00\x04c42\x00"  # TLV 0x1456 CampaignId "c42" (C-string, 4 octets)
)

# The Number Context DR of 001 §3.2, shortened: receipted_message_id, network_error_code,
# message_state, and Infobip TLVs (a TLVString, a TLVInt and the IMSI octets).
DELIVER_SM_DR = (
    b"\x00\x00\x00\x96"  # command_length 150
    b"\x00\x00\x00\x05"  # deliver_sm
    b"\x00\x00\x00\x00"
    b"\x00\x00\x00\x02"  # sequence_number 2
    b"\x00"  # service_type
    b"\x00\x00" + b"38591000000\x00"  # source (the handset)
    b"\x00\x00" + b"0000000000\x00"  # destination
    b"\x04"  # esm_class: SMSC delivery receipt
    b"\x00\x00"  # protocol_id, priority_flag
    b"\x00\x00"  # schedule_delivery_time, validity_period NULL
    b"\x00\x00\x00\x00"  # registered_delivery, replace, data_coding, sm_default_msg_id
    b"\x18id:40072910491427628 sub"  # sm_length 24, start of the DR text
    b"\x00\x1e\x00\x12" + b"40072910491427628\x00"  # receipted_message_id
    b"\x04\x23\x00\x03\x03\x00\x00"  # network_error_code 030000
    b"\x04\x27\x00\x01\x02"  # message_state DELIVERED
    b"\x14\x12\x00\x07VipNet\x00"  # original network name (TLVString)
    b"\x14\x18\x00\x04\x00\x00\x00\x01"  # price per message (TLVInt, 4 octets)
    b"\x14\x03\x00\x0f219101100935850"  # IMSI (octets)
)

SUBMIT_SM_RESP_ERROR = (
    b"\x00\x00\x00\x10"  # header only: the body of an error resp is omitted
    b"\x80\x00\x00\x04"
    b"\x00\x00\x00\xff"  # 0xFF: Infobip "insufficient balance"
    b"\x00\x00\x00\x05"
)

GENERIC_NACK = b"\x00\x00\x00\x10\x80\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x09"


def test_golden_bind_transmitter() -> None:
    pdu = decode(BIND_TRANSMITTER)
    assert pdu == BindTransmitter(
        sequence_number=1,
        system_id="smppclient1",
        password="password",
        system_type="CMT",
        addr_ton=1,
        addr_npi=1,
    )
    assert encode(pdu) == BIND_TRANSMITTER


def test_golden_submit_sm() -> None:
    pdu = decode(SUBMIT_SM)
    assert isinstance(pdu, SubmitSm)
    assert (pdu.source_addr, pdu.destination_addr, pdu.short_message) == (
        "InfoSMS",
        "385911234567",
        b"hello",
    )
    assert pdu.tlvs == (Tlv(tag=TlvTag.INFOBIP_CAMPAIGN_ID, value="c42"),)
    assert encode(pdu) == SUBMIT_SM


def test_golden_deliver_sm_with_infobip_tlvs() -> None:
    pdu = decode(DELIVER_SM_DR)
    assert isinstance(pdu, DeliverSm)
    assert pdu.esm_class == 0x04
    assert pdu.tlvs == (
        Tlv(tag=TlvTag.RECEIPTED_MESSAGE_ID, value="40072910491427628"),
        Tlv(tag=TlvTag.NETWORK_ERROR_CODE, value=b"\x03\x00\x00"),
        Tlv(tag=TlvTag.MESSAGE_STATE, value=2),
        Tlv(tag=0x1412, value="VipNet"),
        Tlv(tag=0x1418, value=1),
        Tlv(tag=0x1403, value=b"219101100935850"),
    )
    assert encode(pdu) == DELIVER_SM_DR


def test_golden_error_resp_and_generic_nack() -> None:
    resp = decode(SUBMIT_SM_RESP_ERROR)
    assert resp == SubmitSmResp(sequence_number=5, command_status=0xFF, message_id=None)
    assert encode(resp) == SUBMIT_SM_RESP_ERROR
    nack = decode(GENERIC_NACK)
    assert nack == GenericNack(sequence_number=9, command_status=S.ESME_RINVCMDID)
    assert encode(nack) == GENERIC_NACK


def test_empty_deliver_sm_resp_and_null_message_id_are_distinct() -> None:
    empty = decode(frame(CommandId.DELIVER_SM_RESP, b""))
    null = decode(frame(CommandId.DELIVER_SM_RESP, b"\x00"))
    assert empty == DeliverSmResp(sequence_number=7, message_id=None)
    assert null == DeliverSmResp(sequence_number=7, message_id="")
    assert encode(empty) != encode(null)


def test_unknown_vendor_tlv_round_trips_as_raw_octets() -> None:
    wire = SUBMIT_SM[:-8] + b"\x3f\xf0\x00\x03abc"
    wire = struct.pack(">I", len(wire)) + wire[4:]
    pdu = decode(wire)
    assert isinstance(pdu, SubmitSm)
    assert pdu.tlvs == (Tlv(tag=0x3FF0, value=b"abc"),)
    assert encode(pdu) == wire


def test_c_string_tlv_without_nul_is_accepted() -> None:
    wire = SUBMIT_SM[:-8] + b"\x14\x56\x00\x03c42"  # CampaignId sent without its NUL
    wire = struct.pack(">I", len(wire)) + wire[4:]
    pdu = decode(wire)
    assert isinstance(pdu, SubmitSm)
    assert pdu.tlvs == (Tlv(tag=TlvTag.INFOBIP_CAMPAIGN_ID, value="c42"),)


# -- the incremental reader -------------------------------------------------------------------

STREAM = [BIND_TRANSMITTER, SUBMIT_SM, encode(EnquireLink(sequence_number=3)), DELIVER_SM_DR]


def test_reader_handles_a_split_at_every_position() -> None:
    data = b"".join(STREAM)
    expected = [decode(p) for p in STREAM]
    for cut in range(len(data) + 1):
        reader = PduReader()
        got = reader.feed(data[:cut]) + reader.feed(data[cut:])
        assert got == expected, f"split at {cut}"
        assert reader.buffered == 0


def test_reader_handles_one_octet_at_a_time() -> None:
    data = b"".join(STREAM)
    reader = PduReader()
    got: list[Pdu | DecodeError] = []
    for i in range(len(data)):
        got += reader.feed(data[i : i + 1])
    assert got == [decode(p) for p in STREAM]


@settings(max_examples=200, deadline=None)
@given(
    cuts=st.lists(st.integers(0, 2 * sum(map(len, STREAM))), max_size=8), as_bytearray=st.booleans()
)
def test_reader_gives_the_same_pdus_for_any_chunking(cuts: list[int], as_bytearray: bool) -> None:
    data = b"".join(STREAM) * 2
    bounds = sorted({0, len(data), *cuts})
    reader = PduReader()
    got: list[Pdu | DecodeError] = []
    for start, end in itertools.pairwise(bounds):
        chunk = data[start:end]
        got += reader.feed(bytearray(chunk) if as_bytearray else chunk)  # type: ignore[arg-type]
    assert got == [decode(p) for p in STREAM] * 2
    assert reader.buffered == 0


def test_reader_returns_many_pdus_from_one_chunk_in_order() -> None:
    links = [encode(EnquireLink(sequence_number=n)) for n in range(1, 51)]
    got = PduReader().feed(b"".join(links))
    assert [p.sequence_number for p in got if isinstance(p, Pdu)] == list(range(1, 51))


def test_reader_keeps_a_partial_pdu_buffered() -> None:
    reader = PduReader()
    assert reader.feed(SUBMIT_SM[:20]) == []
    assert reader.buffered == 20


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (header(8, CommandId.ENQUIRE_LINK, 0, 1), "below the 16-octet header"),
        (header(0, 0, 0, 0), "below the 16-octet header"),
        (header(0x7FFFFFFF, CommandId.SUBMIT_SM, 0, 1), "exceeds the maximum"),
        (b"GET / HTTP/1.1\r\nHost: x\r\n\r\n", "exceeds the maximum"),
    ],
    ids=["length-8", "length-0", "huge-length", "http-garbage"],
)
def test_untrustworthy_command_length_is_fatal(data: bytes, why: str) -> None:
    reader = PduReader()
    (error,) = reader.feed(data)
    assert isinstance(error, DecodeError)
    assert error.status == S.ESME_RINVCMDLEN
    assert error.fatal
    assert why in str(error)
    assert "cannot be resynchronised" in str(error)
    assert reader.broken
    # nothing after it is trusted, even a valid PDU
    assert reader.feed(encode(EnquireLink(sequence_number=2))) == []


def test_max_command_length_is_configurable() -> None:
    reader = PduReader(max_command_length=40)
    (error,) = reader.feed(SUBMIT_SM)  # 65 octets
    assert isinstance(error, DecodeError)
    assert error.fatal
    assert PduReader(max_command_length=65).feed(SUBMIT_SM) == [decode(SUBMIT_SM)]


def assert_recoverable(bad: bytes, status: int, command_id: int) -> DecodeError:
    """The bad frame yields its error, and the PDU after it still decodes."""
    after = encode(EnquireLink(sequence_number=99))
    reader = PduReader()
    got = reader.feed(bad + after)
    assert len(got) == 2, got
    error, nxt = got
    assert isinstance(error, DecodeError), error
    assert (error.status, error.command_id, error.sequence_number, error.fatal) == (
        status,
        command_id,
        7,
        False,
    ), repr(error)
    assert nxt == EnquireLink(sequence_number=99)
    return error


def test_unknown_command_id_is_recoverable_and_keeps_the_sequence_number() -> None:
    assert_recoverable(frame(0x00000099, b"whatever"), S.ESME_RINVCMDID, 0x99)
    assert_recoverable(frame(0x80000099, b""), S.ESME_RINVCMDID, 0x80000099)


def test_body_ending_inside_a_c_string_is_invalid_command_length() -> None:
    error = assert_recoverable(
        frame(CommandId.BIND_TRANSMITTER, b"esme"), S.ESME_RINVCMDLEN, CommandId.BIND_TRANSMITTER
    )
    assert "system_id" in str(error)


def test_body_ending_before_an_octet_field_is_invalid_command_length() -> None:
    body = b"esme\x00secret\x00\x00"  # interface_version and the rest missing
    error = assert_recoverable(
        frame(CommandId.BIND_TRANSMITTER, body), S.ESME_RINVCMDLEN, CommandId.BIND_TRANSMITTER
    )
    assert "interface_version" in str(error)


def test_c_string_without_nul_within_its_maximum_gets_the_field_status() -> None:
    body = b"x" * 20 + b"\x00secret\x00\x00\x34\x00\x00\x00"
    assert_recoverable(
        frame(CommandId.BIND_TRANSMITTER, body), S.ESME_RINVSYSID, CommandId.BIND_TRANSMITTER
    )


def test_destination_too_long_gets_invalid_destination() -> None:
    sm = encode(SubmitSm(sequence_number=7, destination_addr="1" * 20))
    bad = sm.replace(b"1" * 20 + b"\x00", b"1" * 25 + b"\x00")
    bad = struct.pack(">I", len(bad)) + bad[4:]
    assert_recoverable(bad, S.ESME_RINVDSTADR, CommandId.SUBMIT_SM)


def test_sm_length_beyond_the_body_is_invalid_command_length() -> None:
    sm = encode(SubmitSm(sequence_number=7, short_message=b"hi"))
    bad = sm[:-3] + b"\x09hi"  # sm_length 9, two octets follow
    assert_recoverable(bad, S.ESME_RINVCMDLEN, CommandId.SUBMIT_SM)


def test_body_on_a_header_only_pdu_is_invalid_command_length() -> None:
    assert_recoverable(
        frame(CommandId.ENQUIRE_LINK, b"\x00\x00"), S.ESME_RINVCMDLEN, CommandId.ENQUIRE_LINK
    )


def test_tlv_length_past_the_body_is_invalid_tlv_stream() -> None:
    sm = encode(SubmitSm(sequence_number=7))
    bad = sm + b"\x04\x24\x00\x10abc"  # message_payload announces 16 octets, 3 follow
    bad = struct.pack(">I", len(bad)) + bad[4:]
    assert_recoverable(bad, S.ESME_RINVOPTPARSTREAM, CommandId.SUBMIT_SM)


def test_trailing_octets_too_short_for_a_tlv_header_are_invalid_tlv_stream() -> None:
    sm = encode(SubmitSm(sequence_number=7)) + b"\x04\x24"
    bad = struct.pack(">I", len(sm)) + sm[4:]
    assert_recoverable(bad, S.ESME_RINVOPTPARSTREAM, CommandId.SUBMIT_SM)


def test_integer_tlv_of_the_wrong_size_is_invalid_parameter_length() -> None:
    sm = encode(SubmitSm(sequence_number=7)) + b"\x02\x0a\x00\x01\x05"  # source_port: 2 octets
    bad = struct.pack(">I", len(sm)) + sm[4:]
    assert_recoverable(bad, S.ESME_RINVPARLEN, CommandId.SUBMIT_SM)


def test_nul_inside_a_c_string_tlv_is_invalid_parameter_value() -> None:
    sm = encode(SubmitSm(sequence_number=7)) + b"\x00\x1e\x00\x04a\x00b\x00"
    bad = struct.pack(">I", len(sm)) + sm[4:]
    assert_recoverable(bad, S.ESME_RINVOPTPARAMVAL, CommandId.SUBMIT_SM)


def test_submit_multi_with_a_bad_dest_flag() -> None:
    body = (
        b"\x00\x00\x00src\x00"  # service_type, ton, npi, source_addr
        b"\x01"  # number_of_dests
        b"\x03\x01\x01123\x00"  # dest_flag 3 does not exist
    )
    assert_recoverable(frame(CommandId.SUBMIT_MULTI, body), S.ESME_RINVDESTFLAG, 0x21)


def test_invalid_time_field_gets_its_status() -> None:
    sm = encode(SubmitSm(sequence_number=7, schedule_delivery_time="070605040302100R"))
    bad = sm.replace(b"070605040302100R\x00", b"0706\x00")
    bad = struct.pack(">I", len(bad)) + bad[4:]
    assert_recoverable(bad, S.ESME_RINVSCHED, CommandId.SUBMIT_SM)


def test_decode_rejects_anything_but_exactly_one_pdu() -> None:
    one = encode(EnquireLinkResp(sequence_number=1))
    with pytest.raises(DecodeError) as info:
        decode(one + one)
    assert info.value.status == S.ESME_RINVCMDLEN
    with pytest.raises(DecodeError):
        decode(one[:10])
    with pytest.raises(DecodeError):
        decode(b"")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=80), max_size=6))
def test_reader_never_raises_on_arbitrary_input(chunks: list[bytes]) -> None:
    reader = PduReader(max_command_length=256)
    for chunk in chunks:
        for item in reader.feed(chunk):
            assert isinstance(item, Pdu | DecodeError)
            if isinstance(item, DecodeError):
                assert isinstance(item, ProtocolError)


@settings(max_examples=200, deadline=None)
@given(pdu=pdus(), data=st.data())
def test_corrupted_pdus_decode_or_fail_with_a_decode_error(pdu: Pdu, data: st.DataObject) -> None:
    wire = bytearray(encode(pdu))
    if len(wire) > 16:
        position = data.draw(st.integers(16, len(wire) - 1))
        wire[position] = data.draw(st.integers(0, 255))
    (item,) = PduReader().feed(bytes(wire))  # the header is intact, so one item
    if isinstance(item, DecodeError):
        assert not item.fatal
        assert item.sequence_number == pdu.sequence_number


# -- compiled fast paths ----------------------------------------------------------------------


def _outcome(wire: bytes) -> Pdu | tuple[int, str]:
    try:
        return decode(wire)
    except DecodeError as exc:
        return (exc.status, str(exc))


def test_every_simple_layout_has_compiled_paths() -> None:
    simple = [
        c for c in PDU_TYPES.values() if c.has_body and c not in (SubmitMulti, SubmitMultiResp)
    ]
    for paths, compile_path in (
        (codec._DECODERS, codec._compile_decoder),
        (codec._ENCODERS, codec._compile_encoder),
    ):
        compiled = [c for c in PDU_TYPES.values() if codec._compile_once(paths, compile_path, c)]
        assert sorted(c.__name__ for c in compiled) == sorted(c.__name__ for c in simple)


def test_compiled_paths_are_compiled_on_the_first_pdu_of_their_class() -> None:
    with mock.patch.dict(codec._DECODERS, clear=True), mock.patch.dict(codec._ENCODERS, clear=True):
        sm = SubmitSm(sequence_number=3, destination_addr="385911234567", short_message=b"hi")
        assert decode(encode(sm)) == sm
        assert list(codec._DECODERS) == list(codec._ENCODERS) == [SubmitSm]
        assert codec._DECODERS[SubmitSm] is not None and codec._ENCODERS[SubmitSm] is not None


@settings(max_examples=300, deadline=None)
@given(pdu=pdus(), data=st.data())
def test_compiled_paths_agree_with_the_generic_ones(pdu: Pdu, data: st.DataObject) -> None:
    """The fast decoder decides nothing itself: on intact and corrupted input alike, decode
    gives the same PDU (or the same error) with and without it; encoders give the same octets."""
    assert encode(pdu)[16:] == codec._encode_body(pdu)
    wire = bytearray(encode(pdu))
    if len(wire) > 16 and data.draw(st.booleans()):
        position = data.draw(st.integers(16, len(wire) - 1))
        wire[position] = data.draw(st.integers(0, 255))
    fast = _outcome(bytes(wire))
    with mock.patch.dict(codec._DECODERS, dict.fromkeys(PDU_TYPES.values())):
        generic = _outcome(bytes(wire))  # no class with a compiled decoder
    assert fast == generic
    if isinstance(fast, Pdu):
        assert type(fast) is type(generic)


def test_compiled_decoder_leaves_errors_to_the_generic_path() -> None:
    sm = SubmitSm(sequence_number=3, destination_addr="385911234567", short_message=b"hi")
    body = encode(sm)[16:]
    with pytest.raises(DecodeError) as cut:
        decode(frame(CommandId.SUBMIT_SM, body[:-1], seq=3))
    assert cut.value.status == S.ESME_RINVCMDLEN
    start = body.index(b"385911234567\0") + 13 + 3  # after dest, esm_class, protocol_id, priority
    bad_time = body[:start] + b"12345\0" + body[start + 1 :]
    with pytest.raises(DecodeError) as schedule:
        decode(frame(CommandId.SUBMIT_SM, bad_time, seq=3))
    assert schedule.value.status == S.ESME_RINVSCHED
