"""Credentials never reach the journal's renderings (`core.masking`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pytest_smsmock.core.journal import Journal
from pytest_smsmock.core.masking import mask_detail, mask_text
from pytest_smsmock.smpp.pdus import BindTransceiver


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("GET /api?user=u&password=S3cr3t&x=1", "GET /api?user=u&password=***&x=1"),
        ("login=u&psw=S3cr3t", "login=u&psw=***"),
        ("user=u&pass=S3cr3t&sid=A", "user=u&pass=***&sid=A"),
        ("apikey=S3cr3t", "apikey=***"),
        ("api_key=S3cr3t&accesskey=K3y", "api_key=***&accesskey=***"),
        ("bypass=1&password=", "bypass=1&password="),  # not a credential; an empty one stays
        ('{"username":"u","password":"S3\\"cr3t"}', '{"username":"u","password":"***"}'),
        ('{"apiKey": "S3cr3t"}', '{"apiKey": "***"}'),
        ("<password>S3cr3t</password><user>u</user>", "<password>***</password><user>u</user>"),
        ("<Password type='x'>S3cr3t</Password>", "<Password type='x'>***</Password>"),
        ("Authorization: Basic dTpTM2NyM3Q=", "Authorization: Basic ***"),
        ("Authorization: App 003026bb-8f4b3d9a", "Authorization: App ***"),
        ("authorization=S3cr3t", "authorization=***"),
        (
            "XML=%3Cpassword%3ES3cr3t%25%3C%2Fpassword%3E%3Cgsm%3E1%3C%2Fgsm%3E",
            "XML=%3Cpassword%3E***%3C%2Fpassword%3E%3Cgsm%3E1%3C%2Fgsm%3E",
        ),
        (
            "JSON=%7B%22password%22%3A+%22S3cr3t%22%2C%22u%22%3A%22x%22%7D",
            "JSON=%7B%22password%22%3A+%22***%22%2C%22u%22%3A%22x%22%7D",
        ),
        ("http://u:S3cr3t@127.0.0.1:80/dlr", "http://u:***@127.0.0.1:80/dlr"),
        ("delivered 123 to 385911234567", "delivered 123 to 385911234567"),
    ],
)
def test_mask_text_masks_every_shape_of_credential(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_mask_detail_masks_credential_keys_and_text_values() -> None:
    detail = {"password": "S3cr3t", "body": "psw=S3cr3t", "n": 3, "nested": {"apiKey": "K"}}
    assert mask_detail(detail) == {
        "password": "***",
        "body": "psw=***",
        "n": 3,
        "nested": {"apiKey": "***"},
    }


def _render(value: str) -> tuple[str, dict[str, str]]:
    return f"lazy {value}", {"url": value}


def test_the_journal_keeps_no_credential_in_any_rendering() -> None:
    journal = Journal(lambda: datetime(2025, 1, 1, tzinfo=UTC))
    journal.record("p", "http", "in", "GET /x?password=S3cr3t", {"body": '{"password":"S3cr3t"}'})
    journal.record_lazy("p", "callback", "out", _render, "http://u:S3cr3t@h/")
    assert "S3cr3t" not in journal.render()
    assert "S3cr3t" not in journal.dumps()
    assert all("S3cr3t" not in repr(entry) for entry in journal.entries())


def test_a_bind_pdu_repr_hides_the_password() -> None:
    bind = BindTransceiver(sequence_number=1, system_id="shop", password="S3cr3t")
    assert "S3cr3t" not in repr(bind)
    assert bind.password == "S3cr3t"
