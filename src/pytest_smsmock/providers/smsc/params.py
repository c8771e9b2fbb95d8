"""Reading an SMSC.ru request: parameters in the request's charset, phones, times. Pure.

`charset` names the encoding of the request's parameters and of the answer: `utf-8`,
`windows-1251` (the default, as on the real server) or `koi8-r`. Parameters come from the query
string and a form body (urlencoded or multipart), the body winning, as PHP's `$_REQUEST` does;
a repeated name keeps its last value. Names are matched in lower case.

Times are Moscow time (UTC+3, no DST) unless `tz` shifts them (hours relative to Moscow).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import parse_qsl

from werkzeug.wrappers import Request

from pytest_smsmock.core.frozen import value_class

__all__ = [
    "CHARSETS",
    "MOSCOW",
    "BadParameter",
    "ParsedPhones",
    "decode_params",
    "format_date",
    "parse_phones",
    "parse_time",
    "parse_valid",
]

MOSCOW = timezone(timedelta(hours=3), "MSK")

CHARSETS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "windows-1251": "cp1251",
    "cp1251": "cp1251",
    "koi8-r": "koi8_r",
    "koi8r": "koi8_r",
}
DEFAULT_CHARSET = "windows-1251"


class BadParameter(ValueError):
    """A parameter the server refuses, with the API error code to answer."""

    def __init__(self, code: int, detail: str) -> None:
        super().__init__(detail)
        self.code = code


def codec(charset: str) -> str:
    return CHARSETS.get(charset.strip().lower(), CHARSETS[DEFAULT_CHARSET])


def _raw_pairs(request: Request, *, with_body: bool) -> list[tuple[str, bytes]]:
    pairs = [
        (k.lower(), v.encode("latin-1"))
        for k, v in parse_qsl(
            request.query_string.decode("latin-1"), keep_blank_values=True, encoding="latin-1"
        )
    ]
    if with_body and request.method == "POST":
        mimetype = request.mimetype
        if mimetype == "multipart/form-data":
            # werkzeug has decoded multipart fields as UTF-8 already; re-encode so the
            # charset step below treats every source alike.
            for key, value in request.form.items(multi=True):
                pairs.append((key.lower(), value.encode("utf-8", "surrogatepass")))
        elif mimetype in ("application/x-www-form-urlencoded", "", "text/plain"):
            body = request.get_data(cache=True).decode("latin-1")
            pairs += [
                (k.lower(), v.encode("latin-1"))
                for k, v in parse_qsl(body, keep_blank_values=True, encoding="latin-1")
            ]
    return pairs


def decode_params(request: Request, *, body: bool = True) -> tuple[dict[str, str], str]:
    """The request's parameters decoded with its `charset`, and that charset's canonical name
    (`body=False`: the query string's only)."""
    raw = _raw_pairs(request, with_body=body)
    charset = DEFAULT_CHARSET
    for key, value in raw:
        if key == "charset":
            charset = value.decode("latin-1").strip().lower()
    if charset not in CHARSETS:
        charset = DEFAULT_CHARSET
    name = codec(charset)
    params: dict[str, str] = {}
    for key, value in raw:
        params[key] = value.decode(name, errors="replace")
    return params, charset


# -- phones -----------------------------------------------------------------------------------
_PHONE_JUNK = re.compile(r"[\s()\-.]")


@value_class
class ParsedPhones:
    valid: tuple[str, ...]
    invalid: tuple[str, ...]


def normalize_phone(raw: str) -> str | None:
    """The international number SMSC would send to, or None if it is not a phone number.

    Without a leading `+` SMSC "corrects" Russian numbers: `8` + ten digits becomes `7` + the
    same ten digits, and a bare ten-digit number starting with `9` gets the `7`; with `+` it
    takes the number as written.
    """
    text = _PHONE_JUNK.sub("", raw)
    plus = text.startswith("+")
    digits = text[1:] if plus else text
    if not digits.isdigit() or not digits.isascii():
        return None
    if not plus:
        if len(digits) == 11 and digits.startswith("8"):
            digits = "7" + digits[1:]
        elif len(digits) == 10 and digits.startswith("9"):
            digits = "7" + digits
    if not 10 <= len(digits) <= 15 or digits.startswith("0"):
        return None
    return digits


def parse_phones(value: str) -> ParsedPhones:
    """`phones`: numbers separated by commas or semicolons; duplicates sent once."""
    valid: list[str] = []
    invalid: list[str] = []
    for item in re.split(r"[,;]", value):
        if not item.strip():
            continue
        phone = normalize_phone(item)
        if phone is None:
            invalid.append(item.strip())
        elif phone not in valid:
            valid.append(phone)
    return ParsedPhones(valid=tuple(valid), invalid=tuple(invalid))


# -- dates ------------------------------------------------------------------------------------
def format_date(moment: datetime) -> str:
    """`DD.MM.YYYY hh:mm:ss` in Moscow time."""
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M:%S")


def _zone(tz: str | None) -> timezone:
    if tz is None or tz.strip() == "":
        return MOSCOW
    try:
        hours = int(tz.strip())
    except ValueError:
        raise BadParameter(5, f"tz must be whole hours relative to Moscow, got {tz!r}") from None
    if not -15 <= hours <= 12:
        raise BadParameter(5, f"tz out of range: {hours}")
    return timezone(timedelta(hours=3 + hours))


def parse_time(value: str, now: datetime, tz: str | None = None) -> datetime | None:
    """When to send (`time`): None means now.

    Formats (SMSC): `DDMMYYhhmm`, `DD.MM.YY hh:mm` (also with a four-digit year), `h1-h2` (the
    next moment inside that daily window of hours), `0ts` (a Unix timestamp after a leading 0),
    `+m` (minutes from now). A time in the past means now. Anything else is error 5.
    """
    text = value.strip()
    if not text or text == "0":
        return None
    zone = _zone(tz)
    try:
        if text.startswith("+"):
            minutes = int(text[1:])
            if minutes < 0:
                raise ValueError(text)
            when = now + timedelta(minutes=minutes)
        elif re.fullmatch(r"\d{10}", text):
            when = datetime.strptime(text, "%d%m%y%H%M").replace(tzinfo=zone)
        elif re.fullmatch(r"0\d+", text):
            when = datetime.fromtimestamp(int(text[1:]), UTC)
        elif re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{2} \d{1,2}:\d{2}", text):
            when = datetime.strptime(text, "%d.%m.%y %H:%M").replace(tzinfo=zone)
        elif re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{4} \d{1,2}:\d{2}", text):
            when = datetime.strptime(text, "%d.%m.%Y %H:%M").replace(tzinfo=zone)
        elif match := re.fullmatch(r"(\d{1,2})-(\d{1,2})", text):
            start, end = int(match.group(1)), int(match.group(2))
            if not (0 <= start < end <= 24):
                raise ValueError(text)
            local = now.astimezone(zone)
            if start <= local.hour < end:
                return None
            day = local.replace(hour=start, minute=0, second=0, microsecond=0)
            if local.hour >= end:
                day += timedelta(days=1)
            when = day
        else:
            raise ValueError(text)
    except (ValueError, OverflowError, OSError):
        raise BadParameter(5, f"unrecognised time {value!r}") from None
    when = when.astimezone(UTC)
    return when if when > now else None


def parse_valid(value: str) -> timedelta | None:
    """`valid`: the message's lifetime, whole hours 1..24 or `hh:mm` from 00:01 to 24:00."""
    text = value.strip()
    if not text:
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if match:
        hours, minutes = int(match.group(1)), int(match.group(2))
        if minutes >= 60:
            raise BadParameter(1, f"valid: bad minutes in {value!r}")
        span = timedelta(hours=hours, minutes=minutes)
    elif text.isdigit():
        span = timedelta(hours=int(text))
    else:
        raise BadParameter(1, f"valid must be hours or hh:mm, got {value!r}")
    if not timedelta(minutes=1) <= span <= timedelta(hours=24):
        raise BadParameter(1, f"valid out of range (00:01..24:00): {value!r}")
    return span
