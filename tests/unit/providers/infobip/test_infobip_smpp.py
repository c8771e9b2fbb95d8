"""Infobip's SMPP receipts without sockets: the document's DR text and stats."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.infobip.smpp import InfobipSmpp

AT = datetime(2010, 7, 29, 10, 49, tzinfo=UTC)


@pytest.fixture
def service() -> InfobipSmpp:
    smpp = SmsMock(providers=("infobip",)).infobip.smpp
    assert isinstance(smpp, InfobipSmpp)
    return smpp


def message() -> Message:
    return Message(
        message_id="40072910491427628",
        provider="infobip",
        account="test",
        to="38591000000",
        sender="Shop",
        text="hi",
        submitted_at=AT,
        protocol="smpp",
    )


@pytest.mark.parametrize(
    ("status", "error", "stat", "err"),
    [
        (Status.DELIVERED, None, "DELIVRD", "000"),
        (Status.UNDELIVERABLE, 27, "UNDELIV", "027"),
        (Status.EXPIRED, None, "EXPIRED", "4101"),  # EC_ValidityExpired: at least 3 digits
        (Status.DELETED, None, "DELETED", "4100"),
        (Status.UNKNOWN, None, "DELIVERY UNKNOWN", "000"),
        (Status.REJECTED, None, "REJECTED", "000"),
    ],
)
def test_dr_text_as_documented(
    service: InfobipSmpp, status: Status, error: int | None, stat: str, err: str
) -> None:
    change = StatusChange(at=AT, status=status, error=error)
    text = service.receipt_text(message(), change)
    delivered = "001" if status is Status.DELIVERED else "000"
    assert text == (
        f"id:40072910491427628 sub:001 dlvr:{delivered} submit date:1007291049 "
        f"done date:1007291049 stat:{stat} err:{err}"
    )


def test_receipt_tlvs_in_the_documents_order(service: InfobipSmpp) -> None:
    change = StatusChange(at=AT, status=Status.UNDELIVERABLE, error=1)
    tlvs = service.receipt_tlvs(message(), change)
    assert [(t.tag, t.value) for t in tlvs] == [
        (0x0423, b"\x03\x00\x01"),
        (0x0427, 5),
        (0x001E, "40072910491427628"),
    ]
