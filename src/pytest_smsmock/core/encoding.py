"""Provider-neutral text encodings and SMS segmentation.

An SMS carries 140 octets of user data. What fits in them depends on the encoding:

- GSM 7-bit (3GPP TS 23.038 §6.2.1): 160 septets. Characters of the extension table are sent as
  ESC (0x1B) plus a second septet, so they cost two. SMPP carries these septets unpacked, one per
  octet, on most SMSCs (data_coding 0); the air interface packs them, 8 septets into 7 octets.
- UCS-2 (§6.2.3): 70 UTF-16 code units. Characters outside the BMP are sent as a surrogate pair
  by every handset in the field, so they cost two units, as in UTF-16.
- 8-bit (Latin-1 on data_coding 3, or binary): 140 octets.

A concatenated message spends the first octets of every part on a user data header (UDH,
TS 23.040 §9.2.3.24.1): 6 octets with an 8-bit reference, 7 with a 16-bit one. That leaves 153
septets, 67 UCS-2 units or 134 octets per part. A part boundary never falls inside an escape
sequence or a surrogate pair: handsets decode each part on its own, and half a character shows
up as garbage on both sides of the cut.

Pure code: bytes and text in, bytes and text out.
"""

from __future__ import annotations

import enum
from typing import NamedTuple

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import SmsMockError

__all__ = [
    "GSM7_BASIC",
    "GSM7_ESCAPE",
    "GSM7_EXTENSION",
    "GSM7_EXTENSION_CHARS",
    "ConcatInfo",
    "Encoding",
    "EncodingError",
    "Segmentation",
    "concat_udh",
    "count_parts",
    "decode_gsm7",
    "decode_gsm7_packed",
    "decode_latin1",
    "decode_ucs2",
    "encode_gsm7",
    "encode_gsm7_packed",
    "encode_latin1",
    "encode_ucs2",
    "gsm7_septets",
    "is_gsm7",
    "pack_septets",
    "parse_udh",
    "segment",
    "split_octets",
    "split_udh",
    "udh_fill_bits",
    "unpack_septets",
    "weighted_length",
]


class EncodingError(SmsMockError, ValueError):
    """Text that an encoding cannot represent, or octets that do not decode.

    A `ValueError` so that callers validating input can catch it with the builtin they expect.
    """


GSM7_ESCAPE = 0x1B

# The default alphabet, indexed by septet (TS 23.038 §6.2.1). 0x1B is the escape to the extension
# table, not a character; the placeholder at that index is never looked up. 0x09 is the capital
# C-cedilla as the standard prints it: Unicode's GSM0338.TXT maps it to the small one instead,
# but handsets follow the standard, and a fake must decode what a real handset would show.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x00ÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)

GSM7_BASIC: dict[str, int] = {
    char: code for code, char in enumerate(_BASIC_TABLE) if code != GSM7_ESCAPE
}
"""Character -> septet for the default alphabet."""

GSM7_EXTENSION: dict[str, int] = {
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
"""Character -> septet following ESC, for the extension table (TS 23.038 §6.2.1.1)."""

GSM7_EXTENSION_CHARS: frozenset[str] = frozenset(GSM7_EXTENSION)

_BASIC_DECODE: dict[int, str] = {code: char for char, code in GSM7_BASIC.items()}
_EXTENSION_DECODE: dict[int, str] = {code: char for char, code in GSM7_EXTENSION.items()}


class Encoding(enum.StrEnum):
    """How the text of a message is carried; the string values are what scenario files say."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"
    LATIN1 = "latin1"
    BINARY = "binary"


# --- GSM 7-bit ------------------------------------------------------------------------------


def is_gsm7(text: str) -> bool:
    """Whether every character of `text` is in the default alphabet or its extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def _not_gsm7(text: str, index: int, encoding: str = "the GSM 7-bit alphabet") -> EncodingError:
    char = text[index]
    return EncodingError(
        f"character {char!r} (U+{ord(char):04X}) at index {index} is not in {encoding}"
    )


def gsm7_septets(text: str) -> int:
    """Septets `text` takes in GSM 7-bit: extension characters count twice.

    Raises `EncodingError` if a character is in neither table.
    """
    count = 0
    for index, char in enumerate(text):
        if char in GSM7_BASIC:
            count += 1
        elif char in GSM7_EXTENSION:
            count += 2
        else:
            raise _not_gsm7(text, index)
    return count


def encode_gsm7(text: str) -> bytes:
    """Text -> unpacked septets, one per octet (what SMPP data_coding 0 carries)."""
    out = bytearray()
    for index, char in enumerate(text):
        code = GSM7_BASIC.get(char)
        if code is not None:
            out.append(code)
            continue
        code = GSM7_EXTENSION.get(char)
        if code is None:
            raise _not_gsm7(text, index)
        out += bytes((GSM7_ESCAPE, code))
    return bytes(out)


def decode_gsm7(data: bytes) -> str:
    """Unpacked septets -> text.

    Strict: an octet above 0x7F, an ESC followed by a septet the extension table does not define,
    or a trailing ESC raise `EncodingError`. Handsets would show a space or the basic character
    instead; a test double should rather point at the client that sent it.
    """
    chars: list[str] = []
    index = 0
    while index < len(data):
        code = data[index]
        if code > 0x7F:
            raise EncodingError(f"octet 0x{code:02X} at offset {index} is not a GSM 7-bit septet")
        if code != GSM7_ESCAPE:
            chars.append(_BASIC_DECODE[code])
            index += 1
            continue
        if index + 1 == len(data):
            raise EncodingError(f"escape (0x1B) at offset {index} ends the text")
        extended = _EXTENSION_DECODE.get(data[index + 1])
        if extended is None:
            raise EncodingError(
                f"escape sequence 1B {data[index + 1]:02X} at offset {index} is not in the "
                "GSM 7-bit extension table"
            )
        chars.append(extended)
        index += 2
    return "".join(chars)


def pack_septets(septets: bytes, *, fill_bits: int = 0) -> bytes:
    """Pack septets into octets, least significant bit first (TS 23.038 §6.1.2.1.1).

    `fill_bits` zero bits come first, so that the septets start on a septet boundary after a UDH
    (see `udh_fill_bits`). Spare bits at the end are zero: in an SMS the septet count travels in
    TP-UDL, so there is no CR padding (that rule is for CBS and USSD, §6.1.2.3.1).
    """
    if not 0 <= fill_bits <= 6:
        raise ValueError(f"fill_bits must be 0..6, got {fill_bits}")
    out = bytearray()
    acc = 0
    nbits = fill_bits
    for index, septet in enumerate(septets):
        if septet > 0x7F:
            raise EncodingError(f"octet 0x{septet:02X} at offset {index} is not a septet")
        acc |= septet << nbits
        nbits += 7
        while nbits >= 8:
            out.append(acc & 0xFF)
            acc >>= 8
            nbits -= 8
    if nbits:
        out.append(acc & 0xFF)
    return bytes(out)


def unpack_septets(data: bytes, *, fill_bits: int = 0, septets: int | None = None) -> bytes:
    """Packed octets -> unpacked septets; the inverse of `pack_septets`.

    Pass `septets` (the TP-UDL, minus the UDH septets) to read exactly that many. Without it every
    whole septet is read, except that 7 trailing zero bits are taken for padding: the octets alone
    cannot tell "7 septets" from "7 septets and an '@'", and texts of 8n-1 septets are far more
    common than texts ending in '@'.
    """
    if not 0 <= fill_bits <= 6:
        raise ValueError(f"fill_bits must be 0..6, got {fill_bits}")
    available = (len(data) * 8 - fill_bits) // 7 if data else 0
    if septets is None:
        count = available
        if count and (len(data) * 8 - fill_bits) % 7 == 0:
            last_bit = fill_bits + 7 * (count - 1)
            if (int.from_bytes(data, "little") >> last_bit) & 0x7F == 0:
                count -= 1
    else:
        if not 0 <= septets <= available:
            raise EncodingError(f"{len(data)} octets cannot hold {septets} septets")
        count = septets
    value = int.from_bytes(data, "little") >> fill_bits
    return bytes((value >> (7 * i)) & 0x7F for i in range(count))


def encode_gsm7_packed(text: str, *, fill_bits: int = 0) -> bytes:
    """Text -> packed GSM 7-bit, after `fill_bits` zero bits."""
    return pack_septets(encode_gsm7(text), fill_bits=fill_bits)


def decode_gsm7_packed(data: bytes, *, fill_bits: int = 0, septets: int | None = None) -> str:
    """Packed GSM 7-bit -> text. See `unpack_septets` for `septets`."""
    return decode_gsm7(unpack_septets(data, fill_bits=fill_bits, septets=septets))


# --- UCS-2 and Latin-1 ----------------------------------------------------------------------


def _is_surrogate(char: str) -> bool:
    return 0xD800 <= ord(char) <= 0xDFFF


def encode_ucs2(text: str) -> bytes:
    """Text -> UTF-16-BE: what SMSCs and handsets send as "UCS-2" (data_coding 8)."""
    for index, char in enumerate(text):
        if _is_surrogate(char):
            raise EncodingError(f"lone surrogate U+{ord(char):04X} at index {index}")
    return text.encode("utf-16-be")


def decode_ucs2(data: bytes) -> str:
    """UTF-16-BE -> text. An odd length or an unpaired surrogate raise `EncodingError`."""
    if len(data) % 2:
        raise EncodingError(f"UCS-2 data has an odd length ({len(data)} octets)")
    try:
        return data.decode("utf-16-be")
    except UnicodeDecodeError as exc:
        raise EncodingError(f"invalid UCS-2 data at offset {exc.start}: {exc.reason}") from None


def encode_latin1(text: str) -> bytes:
    """Text -> ISO-8859-1 (data_coding 3)."""
    for index, char in enumerate(text):
        if ord(char) > 0xFF:
            raise _not_gsm7(text, index, "Latin-1")
    return text.encode("latin-1")


def decode_latin1(data: bytes) -> str:
    """ISO-8859-1 -> text; every octet is a character, so this cannot fail."""
    return data.decode("latin-1")


# --- Counting -------------------------------------------------------------------------------


def weighted_length(text: str, double: frozenset[str] = GSM7_EXTENSION_CHARS) -> int:
    """Length of `text` where the characters in `double` count twice.

    For providers whose billing counts differ from the GSM tables, e.g. one that counts
    ``[ ] { } | \\ ~ ^`` twice but the euro sign once. With the default, this equals
    `gsm7_septets` on GSM text and still counts text outside the alphabet.
    """
    return len(text) + sum(1 for char in text if char in double)


# --- Segmentation ---------------------------------------------------------------------------

_USER_DATA_OCTETS = 140


@value_class
class Segmentation:
    """How a text splits into SMS parts.

    `units` counts septets (GSM7), UTF-16 code units (UCS2) or octets (LATIN1, BINARY) for the
    whole text; `per_part_limit` is the limit that applied: the single-message one when
    `parts == 1`, else the one left after the concatenation UDH.
    """

    encoding: Encoding
    units: int
    parts: int
    texts: tuple[str, ...]
    per_part_limit: int

    def __post_init__(self) -> None:
        if self.parts < 1 or self.parts != len(self.texts):
            raise ValueError(f"parts={self.parts} but {len(self.texts)} part texts")
        if self.units < 0 or self.per_part_limit < 1:
            raise ValueError(f"units={self.units}, per_part_limit={self.per_part_limit}")


def _limit(encoding: Encoding, udh_octets: int) -> int:
    # Derived from the 140 octets rather than tabulated, so that the 16-bit reference (7-octet
    # UDH: 152 septets, 66 units, 133 octets) follows the same rule as the 8-bit one.
    octets = _USER_DATA_OCTETS - udh_octets
    if encoding is Encoding.GSM7:
        return octets * 8 // 7
    if encoding is Encoding.UCS2:
        return octets // 2
    return octets


def _unit_costs(text: str, encoding: Encoding) -> list[int]:
    if encoding is Encoding.GSM7:
        costs = []
        for index, char in enumerate(text):
            if char in GSM7_BASIC:
                costs.append(1)
            elif char in GSM7_EXTENSION:
                costs.append(2)
            else:
                raise _not_gsm7(text, index)
        return costs
    if encoding is Encoding.UCS2:
        encode_ucs2(text)  # rejects lone surrogates, which no part could carry
        return [2 if ord(char) > 0xFFFF else 1 for char in text]
    encode_latin1(text)
    return [1] * len(text)


def segment(text: str, *, encoding: Encoding | None = None, ref16: bool = False) -> Segmentation:
    """Split `text` into the parts an SMSC would send.

    `encoding=None` picks GSM7 when the whole text fits the alphabet, else UCS2. LATIN1 and
    BINARY take the text as one octet per character (code points up to U+00FF). `ref16` sizes
    the parts for a 16-bit concatenation reference. An empty text is one (empty) part: it is
    still submitted as one message.

    Raises `EncodingError` if `encoding` cannot carry the text.
    """
    if encoding is None:
        encoding = Encoding.GSM7 if is_gsm7(text) else Encoding.UCS2
    costs = _unit_costs(text, encoding)
    units = sum(costs)
    single = _limit(encoding, 0)
    if units <= single:
        return Segmentation(
            encoding=encoding, units=units, parts=1, texts=(text,), per_part_limit=single
        )
    per_part = _limit(encoding, 7 if ref16 else 6)
    texts: list[str] = []
    start = 0
    used = 0
    for index, cost in enumerate(costs):
        # A character that would overflow the part opens the next one whole: this is what keeps
        # ESC+septet and surrogate pairs together, at the price of one unused unit.
        if used + cost > per_part:
            texts.append(text[start:index])
            start = index
            used = 0
        used += cost
    texts.append(text[start:])
    return Segmentation(
        encoding=encoding,
        units=units,
        parts=len(texts),
        texts=tuple(texts),
        per_part_limit=per_part,
    )


def count_parts(text: str, encoding: Encoding | None = None) -> int:
    """Number of SMS parts `text` takes; see `segment`."""
    return segment(text, encoding=encoding).parts


def split_octets(data: bytes, *, ref16: bool = False) -> tuple[bytes, ...]:
    """Split a binary payload into parts: 140 octets single, 134 (133 with `ref16`) per part."""
    if len(data) <= _USER_DATA_OCTETS:
        return (data,)
    size = _limit(Encoding.BINARY, 7 if ref16 else 6)
    return tuple(data[i : i + size] for i in range(0, len(data), size))


# --- User data header -----------------------------------------------------------------------

_IEI_CONCAT_8 = 0x00
_IEI_CONCAT_16 = 0x08


class ConcatInfo(NamedTuple):
    """The concatenation information element of a UDH: reference, total parts, this part (1-)."""

    ref: int
    total: int
    seq: int


def concat_udh(ref: int, total: int, seq: int, *, ref16: bool = False) -> bytes:
    """The UDH (length octet included) of one part of a concatenated message.

    8-bit reference: ``05 00 03 ref total seq``; 16-bit: ``06 08 04 ref_hi ref_lo total seq``.
    """
    if not 0 <= ref <= (0xFFFF if ref16 else 0xFF):
        raise ValueError(f"ref {ref} does not fit in {16 if ref16 else 8} bits")
    if not 1 <= total <= 0xFF:
        raise ValueError(f"total must be 1..255, got {total}")
    if not 1 <= seq <= total:
        raise ValueError(f"seq must be 1..{total}, got {seq}")
    if ref16:
        return bytes((6, _IEI_CONCAT_16, 4, ref >> 8, ref & 0xFF, total, seq))
    return bytes((5, _IEI_CONCAT_8, 3, ref, total, seq))


def split_udh(data: bytes) -> tuple[bytes, bytes]:
    """Split user data that starts with a UDH into (UDH with its length octet, the rest)."""
    if not data:
        raise EncodingError("empty user data has no UDH")
    end = 1 + data[0]
    if end > len(data):
        raise EncodingError(f"UDH length {data[0]} exceeds the {len(data) - 1} octets that follow")
    return data[:end], data[end:]


def udh_fill_bits(udh_octets: int) -> int:
    """Fill bits between a UDH of `udh_octets` octets and the first septet (TS 23.040)."""
    return (7 - udh_octets * 8 % 7) % 7


def parse_udh(data: bytes) -> ConcatInfo | None:
    """The concatenation element of the UDH at the start of `data`, or None if it has none.

    If the element is repeated the last one wins, and one with a total or sequence number of 0,
    or a sequence past the total, is ignored, both as TS 23.040 §9.2.3.24.1 tells receivers.
    A header whose lengths run past its end raises `EncodingError`.
    """
    header, _ = split_udh(data)
    found: ConcatInfo | None = None
    pos = 1
    while pos < len(header):
        if pos + 2 > len(header):
            raise EncodingError(f"UDH information element at offset {pos} is truncated")
        iei, length = header[pos], header[pos + 1]
        value = header[pos + 2 : pos + 2 + length]
        if len(value) != length:
            raise EncodingError(
                f"UDH information element 0x{iei:02X} at offset {pos} claims {length} octets, "
                f"{len(value)} remain"
            )
        pos += 2 + length
        if iei == _IEI_CONCAT_8 and length == 3:
            info = ConcatInfo(value[0], value[1], value[2])
        elif iei == _IEI_CONCAT_16 and length == 4:
            info = ConcatInfo(value[0] << 8 | value[1], value[2], value[3])
        elif iei in (_IEI_CONCAT_8, _IEI_CONCAT_16):
            raise EncodingError(f"concatenation element 0x{iei:02X} with length {length}")
        else:
            continue
        if 1 <= info.seq <= info.total:
            found = info
    return found
