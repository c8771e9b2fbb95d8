"""Bytes <-> PDUs: `encode`, `decode`, and the incremental `PduReader`.

Framing rests on command_length alone, so how a broken PDU is answered depends on whether the
length can still be trusted:

- command_length < 16 or > `max_command_length`: nothing after it can be trusted and the stream
  cannot be resynchronised. `DecodeError(status=ESME_RINVCMDLEN, fatal=True)`; the connection
  answers generic_nack and closes. The reader drops everything after it.
- Otherwise the frame is cut out and the stream stays usable whatever the body holds:
  - unknown command_id: ESME_RINVCMDID, with the frame's command_id and sequence_number so the
    answer (generic_nack) can echo them;
  - body shorter than its mandatory fields (an octet missing, a C-octet string with no NUL
    before the end of the body), or a body on a header-only PDU: ESME_RINVCMDLEN;
  - a C-octet string longer than its maximum: the field's own status (system_id ->
    ESME_RINVSYSID, destination_addr -> ESME_RINVDSTADR, ...), as in `pdus.py`;
  - a TLV header cut short or a TLV length running past the end of the body:
    ESME_RINVOPTPARSTREAM; a known TLV of the wrong size: ESME_RINVPARLEN; a NUL inside a
    C-octet string TLV: ESME_RINVOPTPARAMVAL.

Only `DecodeError` (a `SmppError`, a `ProtocolError`) ever leaves this module.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable
from typing import Any, TypeVar

from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.errors import DecodeError, SmppError
from pytest_smsmock.smpp.pdus import (
    PDU_TYPES,
    SHORT_MESSAGE_MAX_LENGTH,
    CString,
    DestAddress,
    DestAddresses,
    DistributionList,
    Octet,
    Pdu,
    Response,
    ShortMessage,
    UnsuccessSme,
    build_decoded,
)
from pytest_smsmock.smpp.tlvs import Tlv

__all__ = [
    "DEFAULT_MAX_COMMAND_LENGTH",
    "HEADER_LENGTH",
    "PduReader",
    "decode",
    "encode",
]

HEADER_LENGTH = 16
#: Room for a 64 KiB message_payload plus the mandatory fields of any PDU.
DEFAULT_MAX_COMMAND_LENGTH = 64 * 1024 + 1024

_HEADER = struct.Struct(">IIII")
_U32 = struct.Struct(">I")
_TLV_HEADER = struct.Struct(">HH")
_S = CommandStatus


# -- encoding ---------------------------------------------------------------------------------


def encode(pdu: Pdu) -> bytes:
    """The wire bytes of a PDU (command_length computed)."""
    compiled: Callable[[Pdu], bytes] | None = _ENCODERS.get(type(pdu), _UNSEEN)
    if compiled is _UNSEEN:
        compiled = _compile_once(_ENCODERS, _compile_encoder, type(pdu))
    body = compiled(pdu) if compiled is not None else _encode_body(pdu)
    status = pdu.command_status if isinstance(pdu, Response) else 0
    return _HEADER.pack(HEADER_LENGTH + len(body), pdu.command_id, status, pdu.sequence_number) + (
        body
    )


def _cstr(value: str) -> bytes:
    return value.encode("latin-1") + b"\0"


def _encode_body(pdu: Pdu) -> bytes:
    if not pdu.has_body:
        return b""
    if pdu.optional_body and getattr(pdu, pdu.layout[0][0]) is None:
        return b""
    out = bytearray()
    for name, wire in pdu.layout:
        value: Any = getattr(pdu, name)
        if isinstance(wire, Octet):
            out.append(value)
        elif isinstance(wire, CString):
            out += _cstr(value)
        elif isinstance(wire, ShortMessage):
            out.append(len(value))
            out += value
        elif isinstance(wire, DestAddresses):
            out.append(len(value))
            for dest in value:
                if isinstance(dest, DestAddress):
                    out += bytes((1, dest.dest_addr_ton, dest.dest_addr_npi))
                    out += _cstr(dest.destination_addr)
                else:
                    out.append(2)
                    out += _cstr(dest.dl_name)
        else:
            out.append(len(value))
            for sme in value:
                out += bytes((sme.dest_addr_ton, sme.dest_addr_npi))
                out += _cstr(sme.destination_addr)
                out += _U32.pack(sme.error_status_code)
    tlv: Tlv
    for tlv in getattr(pdu, "tlvs", ()):
        out += tlv.encode()
    return bytes(out)


# -- decoding ---------------------------------------------------------------------------------


def _length_error(length: int, max_command_length: int) -> DecodeError | None:
    if length < HEADER_LENGTH:
        why = f"command_length {length} is below the 16-octet header"
    elif length > max_command_length:
        why = f"command_length {length} exceeds the maximum of {max_command_length}"
    else:
        return None
    return DecodeError(
        f"ESME_RINVCMDLEN: {why}; the stream cannot be resynchronised "
        "(answer generic_nack and close the connection)",
        status=_S.ESME_RINVCMDLEN,
        fatal=True,
    )


def decode(data: bytes, *, max_command_length: int = DEFAULT_MAX_COMMAND_LENGTH) -> Pdu:
    """Decode exactly one PDU; raise `DecodeError` if `data` is not one valid PDU."""
    if len(data) < 4:
        raise DecodeError(
            f"ESME_RINVCMDLEN: {len(data)} octets cannot hold a command_length",
            status=_S.ESME_RINVCMDLEN,
            fatal=True,
        )
    (length,) = _U32.unpack_from(data)
    error = _length_error(length, max_command_length)
    if error is not None:
        raise error
    if length != len(data):
        raise DecodeError(
            f"ESME_RINVCMDLEN: command_length says {length} octets, got {len(data)}",
            status=_S.ESME_RINVCMDLEN,
            fatal=True,
        )
    return _decode_frame(bytes(data))


class _Cursor:
    __slots__ = ("body", "pos")

    def __init__(self, body: bytes) -> None:
        self.body = body
        self.pos = 0

    def octet(self, name: str) -> int:
        if self.pos >= len(self.body):
            raise SmppError(f"body ends before {name}", status=_S.ESME_RINVCMDLEN)
        value = self.body[self.pos]
        self.pos += 1
        return value

    def cstring(self, name: str, spec: CString) -> str:
        end = min(len(self.body), self.pos + spec.max_len)
        nul = self.body.find(b"\0", self.pos, end)
        if nul < 0:
            if len(self.body) - self.pos < spec.max_len:
                raise SmppError(
                    f"body ends inside {name} (no NUL terminator)", status=_S.ESME_RINVCMDLEN
                )
            raise SmppError(
                f"{name} has no NUL within its {spec.max_len} octets", status=spec.status
            )
        value = self.body[self.pos : nul].decode("latin-1")
        self.pos = nul + 1
        return value

    def octets(self, name: str, count: int) -> bytes:
        if self.pos + count > len(self.body):
            raise SmppError(
                f"body ends inside {name} ({count} octets announced, "
                f"{len(self.body) - self.pos} left)",
                status=_S.ESME_RINVCMDLEN,
            )
        value = self.body[self.pos : self.pos + count]
        self.pos += count
        return value


def _decode_frame(frame: bytes) -> Pdu:
    _length, command_id, command_status, sequence_number = _HEADER.unpack_from(frame)
    cls = PDU_TYPES.get(command_id)
    if cls is None:
        raise DecodeError(
            f"ESME_RINVCMDID: unknown command_id 0x{command_id:08X}",
            status=_S.ESME_RINVCMDID,
            command_id=command_id,
            sequence_number=sequence_number,
        )
    compiled: Callable[[bytes, int, int], Pdu | None] | None = _DECODERS.get(cls, _UNSEEN)
    if compiled is _UNSEEN:
        compiled = _compile_once(_DECODERS, _compile_decoder, cls)
    if compiled is not None:
        try:
            pdu = compiled(frame, sequence_number, command_status)
        except Exception:  # IndexError & co: the generic path below names the problem
            pdu = None
        if pdu is not None:
            return pdu
    try:
        fields = _decode_body(cls, frame[HEADER_LENGTH:])
        if issubclass(cls, Response):
            fields["command_status"] = command_status
        fields["sequence_number"] = sequence_number
        if cls.optional_body and fields.get(cls.layout[0][0], "") is None:
            return cls(**fields)  # an omitted body: the full checks of `_check_omitted_body`
        return build_decoded(cls, fields)
    except SmppError as exc:
        raise DecodeError(
            f"{cls.command_id.name.lower()}: {exc}",
            status=exc.status,
            command_id=command_id,
            sequence_number=sequence_number,
        ) from None


def _decode_body(cls: type[Pdu], body: bytes) -> dict[str, Any]:
    if not cls.has_body:
        if body:
            raise SmppError(
                f"a header-only PDU carries {len(body)} body octets", status=_S.ESME_RINVCMDLEN
            )
        return {}
    if cls.optional_body and not body:
        return {cls.layout[0][0]: None}
    cursor = _Cursor(body)
    fields: dict[str, Any] = {}
    for name, wire in cls.layout:
        if isinstance(wire, Octet):
            fields[name] = cursor.octet(name)
        elif isinstance(wire, CString):
            fields[name] = cursor.cstring(name, wire)
        elif isinstance(wire, ShortMessage):
            fields[name] = cursor.octets(name, cursor.octet("sm_length"))
        elif isinstance(wire, DestAddresses):
            fields[name] = _decode_dests(cursor)
        else:
            fields[name] = _decode_unsuccess(cursor)
    fields["tlvs"] = _decode_tlvs(cursor)
    return fields


_DEST_ADDR = CString(21, _S.ESME_RINVDSTADR)
_DL_NAME = CString(21, _S.ESME_RINVDLNAME)


def _decode_dests(cursor: _Cursor) -> tuple[DestAddress | DistributionList, ...]:
    dests: list[DestAddress | DistributionList] = []
    for _ in range(cursor.octet("number_of_dests")):
        flag = cursor.octet("dest_flag")
        if flag == 1:
            ton = cursor.octet("dest_addr_ton")
            npi = cursor.octet("dest_addr_npi")
            addr = cursor.cstring("destination_addr", _DEST_ADDR)
            dests.append(DestAddress(dest_addr_ton=ton, dest_addr_npi=npi, destination_addr=addr))
        elif flag == 2:
            dests.append(DistributionList(dl_name=cursor.cstring("dl_name", _DL_NAME)))
        else:
            raise SmppError(f"dest_flag {flag} is neither 1 nor 2", status=_S.ESME_RINVDESTFLAG)
    return tuple(dests)


def _decode_unsuccess(cursor: _Cursor) -> tuple[UnsuccessSme, ...]:
    smes: list[UnsuccessSme] = []
    for _ in range(cursor.octet("no_unsuccess")):
        ton = cursor.octet("dest_addr_ton")
        npi = cursor.octet("dest_addr_npi")
        addr = cursor.cstring("destination_addr", _DEST_ADDR)
        (code,) = _U32.unpack(cursor.octets("error_status_code", 4))
        smes.append(
            UnsuccessSme(
                dest_addr_ton=ton, dest_addr_npi=npi, destination_addr=addr, error_status_code=code
            )
        )
    return tuple(smes)


def _decode_tlvs(cursor: _Cursor) -> tuple[Tlv, ...]:
    return _decode_tlvs_at(cursor.body, cursor.pos)


def _decode_tlvs_at(body: bytes, pos: int) -> tuple[Tlv, ...]:
    tlvs: list[Tlv] = []
    while pos < len(body):
        if len(body) - pos < _TLV_HEADER.size:
            raise SmppError(
                f"{len(body) - pos} trailing octet(s) cannot hold a TLV header",
                status=_S.ESME_RINVOPTPARSTREAM,
            )
        tag, length = _TLV_HEADER.unpack_from(body, pos)
        pos += _TLV_HEADER.size
        if pos + length > len(body):
            raise SmppError(
                f"TLV 0x{tag:04X} announces {length} octets, {len(body) - pos} left in the body",
                status=_S.ESME_RINVOPTPARSTREAM,
            )
        tlvs.append(Tlv.from_wire(tag, body[pos : pos + length]))
        pos += length
    return tuple(tlvs)


# -- compiled fast paths ----------------------------------------------------------------------
#
# The listener decodes every submit_sm and encodes every response, so for each PDU class whose
# body is made of octets, C-octet strings and a short_message (all but submit_multi and its
# response) the layout is turned once, on the first PDU of the class, into one straight-line
# Python function, as dataclasses and attrs generate `__init__` (`_compile_once`: a session
# speaks a few of the 30 PDU types; compiling all 56 functions at import was 53 M instructions,
# a quarter of a first SMPP use). A decoder builds the frozen PDU directly
# (`object.__new__` + `object.__setattr__`) and makes exactly the checks decoding needs (a NUL
# within each string's maximum, fixed time-field lengths, sm_length <= 254, the body's end).
# It returns None, or raises (IndexError at the end of a short body), for anything it does not
# accept as is; `_decode_frame` then takes the generic path above, which is the reference: it
# decides what the PDU is or which error it is. So the fast path can only be faster, never
# different; tests compare both on every PDU type and on corrupted input.


def _compile_decoder(cls: type[Pdu]) -> Callable[[bytes, int, int], Pdu | None] | None:
    names = [name for name, _wire in cls.layout]
    fields = {f.name for f in dataclasses.fields(cls)}
    expected = {"sequence_number", "tlvs", *names}
    if issubclass(cls, Response):
        expected.add("command_status")
    if not cls.has_body or fields != expected:
        return None
    lines = [
        "def decode(frame, sequence_number, command_status):",
        "    end = len(frame)",
        f"    pos = {HEADER_LENGTH}",
    ]
    if cls.optional_body:
        lines.append("    if pos == end: return None")
    for index, (_name, wire) in enumerate(cls.layout):
        var = f"v{index}"
        if isinstance(wire, Octet):
            lines += [f"    {var} = frame[pos]", "    pos += 1"]
        elif isinstance(wire, CString):
            lines += [
                f"    nul = frame.find(b'\\0', pos, pos + {wire.max_len})",
                "    if nul < 0: return None",
                f"    {var} = frame[pos:nul].decode('latin-1')",
                "    pos = nul + 1",
            ]
            if wire.fixed is not None:
                lines.append(f"    if len({var}) not in {wire.fixed!r}: return None")
        elif isinstance(wire, ShortMessage):
            lines += [
                "    size = frame[pos]",
                f"    if size > {SHORT_MESSAGE_MAX_LENGTH}: return None",
                f"    {var} = frame[pos + 1 : pos + 1 + size]",
                "    pos += 1 + size",
            ]
        else:
            return None
    lines += [
        "    if pos > end: return None",
        "    tlvs = _decode_tlvs_at(frame, pos) if pos < end else ()",
        "    pdu = new(cls)",
        "    set_sequence_number(pdu, sequence_number)",
    ]
    if issubclass(cls, Response):
        lines.append("    set_command_status(pdu, command_status)")
    lines += [f"    set_{name}(pdu, v{index})" for index, name in enumerate(names)]
    lines += ["    set_tlvs(pdu, tlvs)", "    return pdu"]
    namespace: dict[str, Any] = {
        "cls": cls,
        "new": object.__new__,
        "_decode_tlvs_at": _decode_tlvs_at,
        # The slots' own setters: what object.__setattr__ ends up calling, minus the lookup.
        **{f"set_{name}": getattr(cls, name).__set__ for name in expected},
    }
    exec("\n".join(lines), namespace)  # source built from the layout only
    decoder: Callable[[bytes, int, int], Pdu | None] = namespace["decode"]
    return decoder


def _compile_encoder(cls: type[Pdu]) -> Callable[[Pdu], bytes] | None:
    if not cls.has_body:
        return None
    lines = ["def encode(pdu):"]
    if cls.optional_body:
        lines.append(f"    if pdu.{cls.layout[0][0]} is None: return b''")
    parts: list[str] = []
    octets: list[str] = []

    def flush_octets() -> None:
        if octets:
            parts.append(f"bytes(({', '.join(octets)},))")
            octets.clear()

    for index, (name, wire) in enumerate(cls.layout):
        if isinstance(wire, Octet):
            octets.append(f"pdu.{name}")
        elif isinstance(wire, CString):
            flush_octets()
            parts += [f"pdu.{name}.encode('latin-1')", "NUL"]
        elif isinstance(wire, ShortMessage):
            flush_octets()
            lines.append(f"    sm{index} = pdu.{name}")
            parts += [f"bytes((len(sm{index}),))", f"sm{index}"]
        else:
            return None
    flush_octets()
    lines += [
        "    tlvs = pdu.tlvs",
        f"    body = b''.join(({', '.join(parts)},))",
        "    if not tlvs: return body",
        "    return body + b''.join([tlv.encode() for tlv in tlvs])",
    ]
    namespace: dict[str, Any] = {"NUL": b"\0"}
    exec("\n".join(lines), namespace)  # source built from the layout only
    encoder: Callable[[Pdu], bytes] = namespace["encode"]
    return encoder


#: The compiled paths of each PDU class met so far (None: its layout has none).
_DECODERS: dict[type[Pdu], Callable[[bytes, int, int], Pdu | None] | None] = {}
_ENCODERS: dict[type[Pdu], Callable[[Pdu], bytes] | None] = {}
_UNSEEN: Any = object()
_C = TypeVar("_C")


def _compile_once(
    table: dict[type[Pdu], _C | None],
    compile_path: Callable[[type[Pdu]], _C | None],
    cls: type[Pdu],
) -> _C | None:
    """The compiled path of `cls`, compiled now if it is the first PDU of its class (two
    threads may both compile it: they get the same function)."""
    compiled = table[cls] = compile_path(cls)
    return compiled


# -- incremental reader -----------------------------------------------------------------------


class PduReader:
    """Cuts a byte stream into PDUs, whatever the chunking.

    `feed(chunk)` returns, in stream order, a `Pdu` for each complete valid frame and a
    `DecodeError` for each complete broken one. After a fatal error (a command_length that
    cannot be trusted) the reader is `broken`: it discards everything it is fed.
    """

    def __init__(self, *, max_command_length: int = DEFAULT_MAX_COMMAND_LENGTH) -> None:
        self.max_command_length = max_command_length
        self.broken = False
        self._buffer = bytearray()

    @property
    def buffered(self) -> int:
        """Octets received but not yet part of a complete frame."""
        return len(self._buffer)

    def feed(self, data: bytes) -> list[Pdu | DecodeError]:
        return [item for _frame, item in self.feed_frames(data)]

    def feed_frames(self, data: bytes) -> list[tuple[bytes, Pdu | DecodeError]]:
        """As `feed`, each item with the frame it was decoded from (b"" for a fatal error)."""
        if self.broken:
            return []
        buffer = self._buffer
        # Nothing left over (the usual case): cut frames straight out of `data`, one copy each.
        source: bytes | bytearray = data if not buffer and type(data) is bytes else buffer
        if source is buffer:
            buffer += data
        out: list[tuple[bytes, Pdu | DecodeError]] = []
        maximum = self.max_command_length
        pos = 0
        size = len(source)
        while size - pos >= 4:
            (length,) = _U32.unpack_from(source, pos)
            if length < HEADER_LENGTH or length > maximum:
                error = _length_error(length, maximum)
                assert error is not None
                out.append((b"", error))
                self.broken = True
                buffer.clear()
                return out
            if size - pos < length:
                break
            frame = bytes(source[pos : pos + length])
            pos += length
            try:
                out.append((frame, _decode_frame(frame)))
            except DecodeError as exc:
                out.append((frame, exc))
        if source is buffer:
            del buffer[:pos]
        elif pos < size:
            buffer += memoryview(data)[pos:]
        return out
