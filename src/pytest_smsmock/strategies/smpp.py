"""Hypothesis strategies for SMPP values: `pdus()`, `tlvs()`, `c_octet_strings()`, ...

Every strategy yields values that pass the PDU validation, so `decode(encode(pdu)) == pdu`
holds for all of them. The field strategies are read off each class's `layout`, so a new
field or PDU type is covered without touching this module.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pytest_smsmock.smpp.pdus import (
    PDU_TYPES,
    CString,
    DestAddress,
    DestAddresses,
    DistributionList,
    Octet,
    Pdu,
    Response,
    ShortMessage,
    UnsuccessSme,
)
from pytest_smsmock.smpp.tlvs import TLV_SPECS, Tlv, TlvKind

__all__ = [
    "c_octet_strings",
    "pdus",
    "sequence_numbers",
    "smpp_times",
    "tlvs",
]

_ASCII = st.characters(min_codepoint=0x20, max_codepoint=0x7E)


def c_octet_strings(max_len: int) -> st.SearchStrategy[str]:
    """Printable ASCII strings that fit a C-octet string of `max_len` octets (NUL included)."""
    return st.text(_ASCII, max_size=max_len - 1)


def smpp_times() -> st.SearchStrategy[str]:
    """Empty, or an absolute (YYMMDDhhmmsstnn+/-) or relative (...R) SMPP time."""
    digits = st.text(st.sampled_from("0123456789"), min_size=2, max_size=2)
    absolute = st.builds(
        lambda parts, t, nn, p: "".join(parts) + t + nn + p,
        st.lists(digits, min_size=6, max_size=6),
        st.sampled_from("0123456789"),
        digits,
        st.sampled_from("+-R"),
    )
    return st.one_of(st.just(""), absolute)


def sequence_numbers() -> st.SearchStrategy[int]:
    """Valid sequence numbers (1..0x7FFFFFFF)."""
    return st.integers(min_value=1, max_value=0x7FFFFFFF)


def _tlv_for(tag: int) -> st.SearchStrategy[Tlv]:
    spec = TLV_SPECS.get(tag)
    value: st.SearchStrategy[Any]
    if spec is None:
        value = st.binary(max_size=32)
    elif spec.kind is TlvKind.INT:
        assert spec.size is not None
        value = st.integers(min_value=0, max_value=(1 << (8 * spec.size)) - 1)
    elif spec.kind is TlvKind.CSTRING:
        value = c_octet_strings(min(spec.size or 64, 64))
    else:
        value = st.binary(max_size=min(32 if spec.size is None else spec.size, 32))
    return value.map(lambda v: Tlv(tag=tag, value=v))


def tlvs() -> st.SearchStrategy[Tlv]:
    """Any TLV: a standard or Infobip tag with a value of its type, or an unknown vendor tag
    (0x1400-0x3FFF) with raw octets."""
    known = st.sampled_from(sorted(TLV_SPECS)).flatmap(_tlv_for)
    unknown = (
        st.integers(min_value=0x1400, max_value=0x3FFF)
        .filter(lambda tag: tag not in TLV_SPECS)
        .flatmap(_tlv_for)
    )
    return st.one_of(known, unknown)


def _cstring_field(wire: CString) -> st.SearchStrategy[str]:
    if wire.fixed is not None:
        return smpp_times()
    return c_octet_strings(min(wire.max_len, 66))


def _dest() -> st.SearchStrategy[DestAddress | DistributionList]:
    return st.one_of(
        st.builds(
            DestAddress,
            dest_addr_ton=st.integers(0, 255),
            dest_addr_npi=st.integers(0, 255),
            destination_addr=c_octet_strings(21),
        ),
        st.builds(DistributionList, dl_name=c_octet_strings(21)),
    )


def _unsuccess() -> st.SearchStrategy[UnsuccessSme]:
    return st.builds(
        UnsuccessSme,
        dest_addr_ton=st.integers(0, 255),
        dest_addr_npi=st.integers(0, 255),
        destination_addr=c_octet_strings(21),
        error_status_code=st.integers(0, 0xFFFFFFFF),
    )


def _pdus_of(cls: type[Pdu]) -> st.SearchStrategy[Pdu]:
    common: dict[str, st.SearchStrategy[Any]] = {"sequence_number": sequence_numbers()}
    if issubclass(cls, Response):
        common["command_status"] = st.one_of(
            st.just(0), st.integers(min_value=0, max_value=0xFFFFFFFF)
        )
    if not cls.has_body:
        return st.builds(cls, **common)
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, wire in cls.layout:
        if isinstance(wire, Octet):
            fields[name] = st.integers(0, 255)
        elif isinstance(wire, CString):
            fields[name] = _cstring_field(wire)
        elif isinstance(wire, ShortMessage):
            fields[name] = st.binary(max_size=254)
        elif isinstance(wire, DestAddresses):
            fields[name] = st.lists(_dest(), min_size=1, max_size=4).map(tuple)
        else:
            fields[name] = st.lists(_unsuccess(), max_size=3).map(tuple)
    fields["tlvs"] = st.lists(tlvs(), max_size=3).map(tuple)
    full = st.builds(cls, **common, **fields)
    if not cls.optional_body:
        return full
    omitted = st.builds(cls, **common, **{cls.layout[0][0]: st.none()})
    return st.one_of(full, omitted)


def pdus(*types: type[Pdu]) -> st.SearchStrategy[Pdu]:
    """Valid PDUs of the given classes (default: every SMPP 3.4 PDU)."""
    chosen = types or tuple(PDU_TYPES.values())
    return st.one_of(*(_pdus_of(cls) for cls in chosen))
