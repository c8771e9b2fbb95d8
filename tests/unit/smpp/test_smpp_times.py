from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.times import format_absolute, parse_time

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def test_empty_is_none() -> None:
    assert parse_time("", now=NOW, status=0x61) is None


def test_relative_counts_years_of_365_and_months_of_30_days() -> None:
    # Infobip's example: 7 years, 6 months, 5 days, 4 h, 3 min, 2 s and 1 tenth from now.
    got = parse_time("070605040302100R", now=NOW, status=0x61)
    assert got == NOW + timedelta(days=7 * 365 + 6 * 30 + 5, hours=4, minutes=3, seconds=2.1)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("250102030405600+", datetime(2025, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)),
        ("250102030405004+", datetime(2025, 1, 2, 2, 4, 5, tzinfo=UTC)),  # local is UTC+1
        ("250102030405008-", datetime(2025, 1, 2, 5, 4, 5, tzinfo=UTC)),  # local is UTC-2
    ],
)
def test_absolute_with_quarter_hour_offsets(value: str, expected: datetime) -> None:
    assert parse_time(value, now=NOW, status=0x61) == expected


@pytest.mark.parametrize(
    "value", ["2501020304050", "251302030405000+", "25010203040500x+", "250102030405049+"]
)
def test_malformed_times_carry_the_status_to_answer(value: str) -> None:
    with pytest.raises(SmppError) as info:
        parse_time(value, now=NOW, status=0x62)
    assert info.value.status == 0x62


def test_format_absolute_round_trips() -> None:
    moment = datetime(2025, 6, 7, 8, 9, 10, 300_000, tzinfo=UTC)
    assert format_absolute(moment) == "250607080910300+"
    assert parse_time(format_absolute(moment), now=NOW, status=0x61) == moment
