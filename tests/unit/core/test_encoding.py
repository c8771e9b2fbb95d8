from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_smsmock.core.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    ConcatInfo,
    Encoding,
    EncodingError,
    Segmentation,
    concat_udh,
    count_parts,
    decode_gsm7,
    decode_gsm7_packed,
    decode_latin1,
    decode_ucs2,
    encode_gsm7,
    encode_gsm7_packed,
    encode_latin1,
    encode_ucs2,
    gsm7_septets,
    is_gsm7,
    pack_septets,
    parse_udh,
    segment,
    split_octets,
    split_udh,
    udh_fill_bits,
    unpack_septets,
    weighted_length,
)
from pytest_smsmock.strategies.text import gsm7_texts, msisdns, ucs2_texts

EMOJI = "\U0001f600"  # outside the BMP: a surrogate pair in UTF-16

# Kept small so the whole file stays well under its time budget.
fast = settings(max_examples=60, deadline=None)


# --- The tables -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "char"),
    [
        (0x00, "@"),
        (0x01, "£"),
        (0x02, "$"),
        (0x09, "Ç"),
        (0x0A, "\n"),
        (0x0D, "\r"),
        (0x10, "Δ"),
        (0x11, "_"),
        (0x1F, "É"),
        (0x20, " "),
        (0x24, "¤"),
        (0x40, "¡"),
        (0x41, "A"),
        (0x5B, "Ä"),
        (0x5F, "§"),
        (0x60, "¿"),
        (0x7F, "à"),
    ],
)
def test_basic_table_code_points(code: int, char: str) -> None:
    assert GSM7_BASIC[char] == code
    assert decode_gsm7(bytes([code])) == char


def test_basic_table_has_127_characters_and_no_escape() -> None:
    assert len(GSM7_BASIC) == 127
    assert sorted(GSM7_BASIC.values()) == [c for c in range(128) if c != 0x1B]
    assert not is_gsm7("\x1b")


def test_extension_table() -> None:
    assert GSM7_EXTENSION == {
        "\f": 0x0A,
        "^": 0x14,
        "{": 0x28,
        "}": 0x29,
        "\\": 0x2F,
        "[": 0x3C,
        "~": 0x3D,
        "]": 0x3E,
        "|": 0x40,
        "€": 0x65,
    }
    assert encode_gsm7("€") == b"\x1b\x65"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", True),
        ("Hello @ £5 Ç", True),
        ("{[€]}", True),
        ("ç", False),
        ("`", False),
        (EMOJI, False),
    ],
)
def test_is_gsm7(text: str, expected: bool) -> None:
    assert is_gsm7(text) is expected


def test_gsm7_septets_counts_extension_twice() -> None:
    assert gsm7_septets("abc") == 3
    assert gsm7_septets("a€b^") == 6
    with pytest.raises(EncodingError, match=r"'ç' \(U\+00E7\) at index 1"):
        gsm7_septets("aç")


def test_weighted_length() -> None:
    brackets = frozenset("[]{}|\\~^")
    assert weighted_length("a[b]€", brackets) == 7
    assert weighted_length("a[b]€") == 8  # default: the GSM extension table
    assert weighted_length("ç" + EMOJI) == 2


# --- Known vectors --------------------------------------------------------------------------


def test_packed_known_vector() -> None:
    assert encode_gsm7_packed("hellohello").hex() == "e8329bfd4697d9ec37"
    assert decode_gsm7_packed(bytes.fromhex("e8329bfd4697d9ec37")) == "hellohello"


def test_packed_vector_with_extension_character() -> None:
    # "€1" = septets 1B 65 31, packed LSB first: 0x1B | 0x65 << 7 | 0x31 << 14 = 0x0C729B.
    assert encode_gsm7("€1") == b"\x1b\x65\x31"
    assert encode_gsm7_packed("€1").hex() == "9b720c"
    assert decode_gsm7_packed(bytes.fromhex("9b720c")) == "€1"


def test_packed_with_fill_bit_after_concat_udh() -> None:
    # After a 6-octet UDH one fill bit aligns the first septet: everything shifts left by one.
    assert udh_fill_bits(6) == 1
    assert udh_fill_bits(7) == 0
    assert udh_fill_bits(0) == 0
    packed = encode_gsm7_packed("hellohello", fill_bits=1)
    unshifted = int.from_bytes(bytes.fromhex("e8329bfd4697d9ec37"), "little")
    assert packed == (unshifted << 1).to_bytes(9, "little")
    assert decode_gsm7_packed(packed, fill_bits=1, septets=10) == "hellohello"


def test_seven_septets_pad_is_not_read_as_at_sign() -> None:
    assert len(encode_gsm7_packed("1234567")) == 7
    assert decode_gsm7_packed(encode_gsm7_packed("1234567")) == "1234567"
    # The caller that knows the count can still have a trailing '@'.
    # 8 septets fill 7 octets exactly, so the octets alone are ambiguous.
    packed = encode_gsm7_packed("1234567@")
    assert packed == encode_gsm7_packed("1234567")
    assert decode_gsm7_packed(packed, septets=8) == "1234567@"
    assert decode_gsm7_packed(packed) == "1234567"  # the documented reading
    assert decode_gsm7_packed(encode_gsm7_packed("123456@")) == "123456@"


def test_ucs2_vectors() -> None:
    assert encode_ucs2("Aé€") == bytes.fromhex("004100e920ac")
    assert encode_ucs2(EMOJI) == bytes.fromhex("d83dde00")
    assert decode_ucs2(bytes.fromhex("d83dde00")) == EMOJI


def test_latin1_vectors() -> None:
    assert encode_latin1("café") == b"caf\xe9"
    assert decode_latin1(b"caf\xe9\xff") == "caféÿ"
    with pytest.raises(EncodingError, match="not in Latin-1"):
        encode_latin1("€")


# --- Invalid input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a\x1b", "ends the text"),
        (b"\x1b\x41", "1B 41 at offset 0"),
        (b"\x80", "0x80 at offset 0"),
    ],
)
def test_decode_gsm7_rejects(data: bytes, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        decode_gsm7(data)


def test_encoders_reject_foreign_characters() -> None:
    with pytest.raises(EncodingError, match="index 2"):
        encode_gsm7("ab" + EMOJI)
    with pytest.raises(EncodingError, match="lone surrogate"):
        encode_ucs2("a\ud83d")


@pytest.mark.parametrize(
    ("data", "message"), [(b"\x00A\x00", "odd length"), (bytes.fromhex("d83d0041"), "offset")]
)
def test_decode_ucs2_rejects(data: bytes, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        decode_ucs2(data)


def test_encoding_error_is_a_value_error() -> None:
    assert issubclass(EncodingError, ValueError)


def test_unpack_rejects_too_many_septets() -> None:
    with pytest.raises(EncodingError, match="cannot hold 3 septets"):
        unpack_septets(b"\x00\x00", septets=3)
    with pytest.raises(ValueError, match="fill_bits"):
        pack_septets(b"a", fill_bits=7)


# --- Round trips ----------------------------------------------------------------------------


@fast
@given(gsm7_texts())
def test_gsm7_unpacked_round_trip(text: str) -> None:
    data = encode_gsm7(text)
    assert len(data) == gsm7_septets(text)
    assert decode_gsm7(data) == text


@fast
@given(gsm7_texts(), st.integers(0, 6))
def test_gsm7_packed_round_trip(text: str, fill: int) -> None:
    septets = gsm7_septets(text)
    data = encode_gsm7_packed(text, fill_bits=fill)
    assert len(data) == (fill + 7 * septets + 7) // 8
    assert decode_gsm7_packed(data, fill_bits=fill, septets=septets) == text
    if not text.endswith("@"):
        assert decode_gsm7_packed(data, fill_bits=fill) == text


@fast
@given(st.text(st.characters(exclude_categories=["Cs"])))
def test_ucs2_round_trip(text: str) -> None:
    data = encode_ucs2(text)
    assert len(data) == 2 * sum(2 if ord(c) > 0xFFFF else 1 for c in text)
    assert decode_ucs2(data) == text


# --- Segmentation: properties ---------------------------------------------------------------


def _units(text: str, encoding: Encoding) -> int:
    if encoding is Encoding.GSM7:
        return gsm7_septets(text)
    if encoding is Encoding.UCS2:
        return len(encode_ucs2(text)) // 2
    return len(text)


def _check(seg: Segmentation, text: str) -> None:
    assert "".join(seg.texts) == text
    assert seg.parts == len(seg.texts)
    assert seg.units == _units(text, seg.encoding)
    for part in seg.texts:
        assert _units(part, seg.encoding) <= seg.per_part_limit
    if seg.parts > 1:
        assert all(seg.texts)
        # Greedy: a part was closed only because the next character did not fit.
        for part, following in zip(seg.texts, seg.texts[1:], strict=False):
            assert _units(part + following[0], seg.encoding) > seg.per_part_limit


@fast
@given(gsm7_texts(max_size=400))
def test_segment_gsm7_properties(text: str) -> None:
    seg = segment(text)
    assert seg.encoding is Encoding.GSM7
    _check(seg, text)
    assert seg.per_part_limit == (160 if seg.parts == 1 else 153)


@fast
@given(ucs2_texts(max_size=200))
def test_segment_ucs2_properties(text: str) -> None:
    seg = segment(text)
    assert seg.encoding is Encoding.UCS2
    _check(seg, text)
    assert seg.per_part_limit == (70 if seg.parts == 1 else 67)
    for part in seg.texts:
        encode_ucs2(part)  # no lone surrogate in any part


@fast
@given(st.text(st.characters(max_codepoint=0xFF), max_size=400))
def test_segment_latin1_properties(text: str) -> None:
    seg = segment(text, encoding=Encoding.LATIN1)
    _check(seg, text)
    assert seg.per_part_limit == (140 if seg.parts == 1 else 134)


# --- Segmentation: boundaries ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "parts", "limit"),
    [
        ("", Encoding.GSM7, 1, 160),
        ("a" * 160, Encoding.GSM7, 1, 160),
        ("a" * 161, Encoding.GSM7, 2, 153),
        ("a" * 153 * 2, Encoding.GSM7, 2, 153),
        ("a" * (153 * 2 + 1), Encoding.GSM7, 3, 153),
        ("€" * 80, Encoding.GSM7, 1, 160),
        ("€" * 80 + "a", Encoding.GSM7, 2, 153),
        ("я" * 70, Encoding.UCS2, 1, 70),
        ("я" * 71, Encoding.UCS2, 2, 67),
        ("я" * 67 * 2, Encoding.UCS2, 2, 67),
        ("я" * (67 * 2 + 1), Encoding.UCS2, 3, 67),
        (EMOJI * 35, Encoding.UCS2, 1, 70),
        (EMOJI * 35 + "a", Encoding.UCS2, 2, 67),
        ("é" * 140, Encoding.LATIN1, 1, 140),
        ("é" * 141, Encoding.LATIN1, 2, 134),
        ("x" * 134 * 2, Encoding.BINARY, 2, 134),
        ("x" * (134 * 2 + 1), Encoding.BINARY, 3, 134),
    ],
)
def test_segment_boundaries(text: str, encoding: Encoding, parts: int, limit: int) -> None:
    explicit = encoding in (Encoding.LATIN1, Encoding.BINARY)
    seg = segment(text, encoding=encoding if explicit else None)
    assert (seg.encoding, seg.parts, seg.per_part_limit) == (encoding, parts, limit)
    assert count_parts(text, encoding if explicit else None) == parts
    assert "".join(seg.texts) == text


def test_extension_character_at_part_boundary_moves_to_next_part() -> None:
    text = "a" * 152 + "€" + "b" * 10
    seg = segment(text)
    assert seg.texts == ("a" * 152, "€" + "b" * 10)
    assert seg.units == 164


def test_extension_character_that_fits_stays() -> None:
    seg = segment("a" * 151 + "€" + "b" * 10)
    assert seg.texts == ("a" * 151 + "€", "b" * 10)


def test_emoji_at_ucs2_part_boundary_is_not_split() -> None:
    text = "я" * 66 + EMOJI + "я" * 10
    seg = segment(text)
    assert seg.encoding is Encoding.UCS2
    assert seg.texts == ("я" * 66, EMOJI + "я" * 10)


def test_ref16_leaves_fewer_units_per_part() -> None:
    assert segment("a" * 161, ref16=True).per_part_limit == 152
    assert segment("я" * 71, ref16=True).per_part_limit == 66
    assert segment("a" * 304, ref16=True).parts == 2
    assert segment("a" * 305, ref16=True).parts == 3


def test_segment_explicit_encoding_that_cannot_carry_text() -> None:
    with pytest.raises(EncodingError, match="'я'"):
        segment("я", encoding=Encoding.GSM7)
    with pytest.raises(EncodingError, match="Latin-1"):
        segment("€", encoding=Encoding.LATIN1)
    with pytest.raises(EncodingError, match="lone surrogate"):
        segment("\ud83d")


def test_gsm_text_forced_to_ucs2() -> None:
    seg = segment("a" * 71, encoding=Encoding.UCS2)
    assert (seg.encoding, seg.parts) == (Encoding.UCS2, 2)


def test_segmentation_is_frozen_and_validated() -> None:
    seg = segment("hi")
    with pytest.raises(dataclasses.FrozenInstanceError):
        seg.parts = 2  # type: ignore[misc]
    with pytest.raises(ValueError, match="parts=2"):
        Segmentation(encoding=Encoding.GSM7, units=2, parts=2, texts=("hi",), per_part_limit=160)


def test_encoding_string_values() -> None:
    assert [e.value for e in Encoding] == ["gsm7", "ucs2", "latin1", "binary"]
    assert Encoding("ucs2") is Encoding.UCS2


def test_split_octets() -> None:
    assert split_octets(b"x" * 140) == (b"x" * 140,)
    parts = split_octets(bytes(range(256)) + b"y" * 13)
    assert [len(p) for p in parts] == [134, 134, 1]
    assert b"".join(parts) == bytes(range(256)) + b"y" * 13
    assert [len(p) for p in split_octets(b"x" * 267, ref16=True)] == [133, 133, 1]


# --- UDH ------------------------------------------------------------------------------------


def test_concat_udh_bytes() -> None:
    assert concat_udh(0x42, 3, 1) == bytes.fromhex("050003420301")
    assert concat_udh(0x1234, 2, 2, ref16=True) == bytes.fromhex("06080412340202")


@pytest.mark.parametrize(
    ("args", "ref16", "message"),
    [((256, 2, 1), False, "8 bits"), ((65536, 2, 1), True, "16 bits"), ((1, 0, 1), False, "total"),
     ((1, 2, 3), False, "seq"), ((1, 2, 0), False, "seq")],
)  # fmt: skip
def test_concat_udh_rejects(args: tuple[int, int, int], ref16: bool, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        concat_udh(*args, ref16=ref16)


@fast
@given(st.integers(0, 0xFFFF), st.integers(1, 255), st.data())
def test_udh_round_trip(ref: int, total: int, data: st.DataObject) -> None:
    seq = data.draw(st.integers(1, total))
    ref16 = ref > 0xFF or data.draw(st.booleans())
    udh = concat_udh(ref, total, seq, ref16=ref16)
    assert parse_udh(udh + b"payload") == ConcatInfo(ref, total, seq)
    assert split_udh(udh + b"payload") == (udh, b"payload")


def test_parse_udh_skips_other_elements_and_uses_last_concat() -> None:
    # A port-addressing element (0x05) first, then two concatenation elements.
    header = bytes.fromhex("05041f4100000003010201" + "00030902 02".replace(" ", ""))
    data = bytes([len(header)]) + header + b"x"
    assert parse_udh(data) == (9, 2, 2)


@pytest.mark.parametrize(
    "data",
    [
        bytes.fromhex("0404021020") + b"x",
        bytes.fromhex("0500030a0003"),
        bytes.fromhex("050003010203"),
    ],
)
def test_parse_udh_without_usable_concat_element(data: bytes) -> None:
    assert parse_udh(data) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (bytes.fromhex("0500030102"), "exceeds"),
        (bytes.fromhex("03000501"), "claims 5 octets"),
        (bytes.fromhex("0100"), "truncated"),
        (bytes.fromhex("0400020102"), "length 2"),
    ],
)
def test_parse_udh_rejects_malformed(data: bytes, message: str) -> None:
    with pytest.raises(EncodingError, match=message):
        parse_udh(data)


# --- Strategies -----------------------------------------------------------------------------


@fast
@given(gsm7_texts(min_size=3, max_size=5, extension=False))
def test_gsm7_texts_strategy(text: str) -> None:
    assert 3 <= len(text) <= 5
    assert gsm7_septets(text) == len(text)


@fast
@given(ucs2_texts(max_size=5))
def test_ucs2_texts_strategy(text: str) -> None:
    assert 1 <= len(text) <= 5
    assert not is_gsm7(text)
    encode_ucs2(text)


@fast
@given(msisdns())
def test_msisdns_strategy(number: str) -> None:
    assert number.isdigit()
    assert number.isascii()
    assert 8 <= len(number) <= 15
    assert not number.startswith("0")


@fast
@given(msisdns(country_code="880"))
def test_msisdns_with_country_code(number: str) -> None:
    assert number.startswith("880")
    assert number[3] != "0"
    assert 8 <= len(number) <= 15


def test_strategy_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="country_code"):
        msisdns(country_code="+44")
    with pytest.raises(ValueError, match="max_size"):
        ucs2_texts(max_size=0)
