"""SMPP 3.4 time fields (section 7.1.1): schedule_delivery_time and validity_period.

A time field is empty (NULL: "immediately" / "the SMSC default") or 16 characters:

- absolute ``YYMMDDhhmmsstnnp``: local time, `t` tenths of a second, `nn` the offset from UTC in
  quarter hours, `p` ``+`` (local time is ahead of UTC) or ``-``;
- relative ``YYMMDDhhmmsst00R``: that much time from now.

The spec leaves a relative year and month undefined in seconds; like most SMSCs (and Infobip's
example "7 years, 6 months, 5 days ...") a year counts 365 days and a month 30.

Pure code: `now` is passed in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from pytest_smsmock.smpp.errors import SmppError

__all__ = ["format_absolute", "parse_time"]

_FORMAT = re.compile(r"(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d)(\d{2})([+\-R])")


def parse_time(value: str, *, now: datetime, status: int) -> datetime | None:
    """The instant a time field names (None when it is empty); `status` is what to answer
    with when it does not parse (ESME_RINVSCHED or ESME_RINVEXPIRY)."""
    if not value:
        return None
    match = _FORMAT.fullmatch(value)
    if match is None:
        raise SmppError(f"time {value!r} is not YYMMDDhhmmsstnnp", status=status)
    yy, mo, dd, hh, mi, ss, tenth, nn = (int(match.group(i)) for i in range(1, 9))
    sign = match.group(9)
    if sign == "R":
        delta = timedelta(
            days=yy * 365 + mo * 30 + dd, hours=hh, minutes=mi, seconds=ss + tenth / 10
        )
        return now + delta
    if nn > 48:
        raise SmppError(f"time {value!r}: UTC offset of {nn} quarter hours", status=status)
    offset = timedelta(minutes=15 * nn) * (1 if sign == "+" else -1)
    try:
        local = datetime(2000 + yy, mo, dd, hh, mi, ss, tenth * 100_000, tzinfo=timezone(offset))
    except ValueError as exc:
        raise SmppError(f"time {value!r}: {exc}", status=status) from None
    return local.astimezone(UTC)


def format_absolute(moment: datetime) -> str:
    """`moment` as an absolute SMPP time in UTC (``...000+``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%y%m%d%H%M%S") + f"{moment.microsecond // 100_000}00+"
