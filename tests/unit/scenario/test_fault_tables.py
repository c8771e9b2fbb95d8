"""The fault tables: every kind has a row, the shipped schema names exactly the kinds, and what
the transports do is read from the rows (the values below pin the rows the docs describe)."""

from __future__ import annotations

import pytest

from pytest_smsmock.scenario.faults import (
    HTTP_BEHAVIOUR,
    HTTP_FAULT_KINDS,
    RAW_HTTP_FAULT_KINDS,
    SMPP_BEHAVIOUR,
    FaultKind,
    HttpEffect,
    HttpFault,
    ReceiptEffect,
    SmppAction,
    SmppFault,
    SubmitEffect,
)
from pytest_smsmock.scenario.loader import schema


def test_every_kind_has_a_row_on_one_transport_at_least() -> None:
    assert set(FaultKind) == set(HTTP_BEHAVIOUR) | set(SMPP_BEHAVIOUR)


def test_the_shipped_schema_names_exactly_the_kinds() -> None:
    assert set(schema()["$defs"]["faultKind"]["enum"]) == {str(k) for k in FaultKind}


def test_raw_http_kinds_are_the_socket_rows() -> None:
    socket = {HttpEffect.RAW_REPLACE, HttpEffect.RAW_ALTER, HttpEffect.CONNECTION}
    assert set(RAW_HTTP_FAULT_KINDS) == {str(k) for k, e in HTTP_BEHAVIOUR.items() if e in socket}
    assert set(HTTP_FAULT_KINDS) == {str(k) for k in HTTP_BEHAVIOUR}


@pytest.mark.parametrize(
    ("kind", "raw", "wraps"),
    [
        ("http_status", False, False),
        ("truncated_body", False, True),
        ("delay", False, True),
        ("connection_reset", True, False),
        ("slow_trickle", True, True),
        ("tls_handshake_failure", True, False),
        ("dlr_never_sent", False, False),  # an SMPP kind met over HTTP: a plain answer
    ],
)
def test_http_rows(kind: str, raw: bool, wraps: bool) -> None:
    fault = HttpFault(kind=FaultKind(kind))
    assert (fault.raw, fault.wraps_answer) == (raw, wraps)


def test_a_real_delay_is_performed_on_the_socket() -> None:
    assert HttpFault(kind=FaultKind.DELAY, real=True).raw
    assert HttpFault(kind=FaultKind.DELAY).virtual_delay is None  # no delay given


@pytest.mark.parametrize(
    ("kind", "on_submit"),
    [
        ("error_status", SubmitEffect.REPLACE),
        ("no_response", SubmitEffect.REPLACE),
        ("unbind", SubmitEffect.REPLACE),
        ("delayed_response", SubmitEffect.ACCEPT),
        ("dlr_duplicated", SubmitEffect.RECEIPT),
        ("deliver_sm_then_unbind", SubmitEffect.RECEIPT),
        ("bind_refused", SubmitEffect.IGNORE),
        ("malformed_body", SubmitEffect.IGNORE),  # an HTTP kind without an SMPP meaning
    ],
)
def test_smpp_rows_on_a_submit(kind: str, on_submit: SubmitEffect) -> None:
    assert SmppFault(kind=FaultKind(kind)).behaviour.on_submit is on_submit


def test_smpp_statuses_default_from_the_row_unless_named() -> None:
    assert SmppFault(kind=FaultKind.THROTTLED).status == 0x58
    assert SmppFault(kind=FaultKind.BIND_WRONG_STATUS).status == 0x04
    assert SmppFault(kind=FaultKind.QUEUE_FULL, command_status=0x45).status == 0x45
    assert SMPP_BEHAVIOUR[FaultKind.BIND_REFUSED].bind is SmppAction.REJECT
    assert SMPP_BEHAVIOUR[FaultKind.BIND_REFUSED].request is SmppAction.NONE
    assert SMPP_BEHAVIOUR[FaultKind.DLR_OUT_OF_ORDER].receipt is ReceiptEffect.OUT_OF_ORDER
