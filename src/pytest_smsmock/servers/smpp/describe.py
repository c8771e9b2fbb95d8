"""How the SMPP listener writes PDUs in the journal (one line each, decoded when read)."""

from __future__ import annotations

import struct
from typing import Any

from pytest_smsmock.smpp.codec import decode
from pytest_smsmock.smpp.constants import CommandId
from pytest_smsmock.smpp.pdus import (
    Bind,
    DeliverSm,
    Pdu,
    ReplaceSm,
    Response,
    SubmitMulti,
    SubmitMultiResp,
    SubmitSm,
)

__all__ = ["describe_bytes", "describe_pdu", "render_pdu"]

_HEADER = struct.Struct(">IIII")


def _command_name(command_id: int) -> str:
    try:
        return CommandId(command_id).name.lower()
    except ValueError:
        return f"0x{command_id:08X}"


def describe_pdu(pdu: Pdu) -> str:
    """A one-line summary for the journal."""
    name = pdu.command_id.name.lower()
    text = f"{name} #{pdu.sequence_number}"
    if isinstance(pdu, Response):
        if pdu.command_status:
            text += f" status 0x{pdu.command_status:08X}"
        message_id = getattr(pdu, "message_id", None)
        if message_id:
            text += f" id {message_id}"
        if isinstance(pdu, SubmitMultiResp) and pdu.unsuccess_smes:
            text += f", {len(pdu.unsuccess_smes)} unsuccessful"
    elif isinstance(pdu, Bind):
        text += f" {pdu.system_id!r}" + (f" type {pdu.system_type!r}" if pdu.system_type else "")
    elif isinstance(pdu, SubmitSm | DeliverSm):
        text += (
            f" {pdu.source_addr} -> {pdu.destination_addr} esm 0x{pdu.esm_class:02X}"
            f" dc {pdu.data_coding} {len(pdu.short_message)} octets"
        )
    elif isinstance(pdu, SubmitMulti):
        text += (
            f" {pdu.source_addr} -> {len(pdu.dest_addresses)} destination(s)"
            f" esm 0x{pdu.esm_class:02X} dc {pdu.data_coding} {len(pdu.short_message)} octets"
        )
    elif isinstance(pdu, ReplaceSm):
        text += f" id {pdu.message_id} {len(pdu.short_message)} octets"
    return text


def render_pdu(value: tuple[int, Pdu | bytes]) -> tuple[str, dict[str, Any]]:
    """The summary and detail `Session._record` gives a PDU of a session (for
    `Journal.record_lazy`). The hot path journals the PDU's wire bytes (a frame read, an
    encoding written), decoded here when the journal is read: a tuple of a session number and
    bytes costs the collector nothing while it waits."""
    session, pdu = value
    if isinstance(pdu, bytes):
        pdu = decode(pdu)
    detail = {
        "session": session,
        "command": pdu.command_id.name.lower(),
        "sequence": pdu.sequence_number,
    }
    return f"[{session}] {describe_pdu(pdu)}", detail


def describe_bytes(data: bytes) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos + 16 <= len(data):
        length, command_id, status, sequence = _HEADER.unpack_from(data, pos)
        text = f"{_command_name(command_id)} #{sequence}"
        if status:
            text += f" status 0x{status:08X}"
        out.append(text)
        if length < 16:
            break
        pos += length
    return out
