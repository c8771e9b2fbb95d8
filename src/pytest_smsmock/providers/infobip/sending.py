"""Turning one Infobip send request into messages: validation with Infobip's own codes.

Protocol-neutral: the HTTP API v3 parses XML, JSON or a query string into a `SendRequest` (every
field as the raw string the client sent, None when absent) and `submit()` answers one
`RecipientResult` per recipient. The rules, read off the document (chapter 2.2) and, where it is
silent, what the real platform most plausibly does (marked *assumption*):

- sender: alphanumeric <= 11, numeric <= 14 characters; missing -> -8 (a code public clients
  know), too long or not on the account's ``allowed_senders`` -> -34.
- content: ``text`` xor ``binary`` (hex); both -> -1; none -> -7. ``datacoding`` one of the
  document's table (0, 1, 3, 4, 8, 24, 240, 245) else -1. Text is counted in GSM 7-bit unless
  datacoding says UCS-2 (8, 24) or 8-bit (3, 4, 245); characters the chosen alphabet cannot carry
  become ``?`` (*assumption*: what an SMSC sending the default alphabet does; the document says
  Unicode text needs datacoding 8). Flash: ``flash=1``, datacoding 24/240, or ``type=nSMS``.
- length: one SMS unless ``type=longSMS``; a longer text is cut to what one SMS carries
  (*assumption*: the document says "at the moment 160 characters", not that it is refused); a
  long text beyond the host's limit (MiMSMS documents 1080 characters) is cut there. Binary
  content is one SMS of at most 140 octets (longer -> -1): longSMS is "for text messages only";
  a client concatenates binary itself with a UDH and ``esmclass=64`` (the document's UDH
  example), and the message's text is then read after the UDH.
- ``type``: longSMS, bookmark (needs ``wapurl``/``Bookmark``, else -1), nSMS; anything else -1.
- TON/NPI: defaults src TON 1 numeric / 5 alphanumeric, src NPI 1 / 0, dest 1/1; values outside
  the document's tables -> -1.
- ``sendDateTime`` like ``4d3h2m1s`` (any subset, in that order) -> scheduled; else -27.
- ``ValidityPeriod`` ``HH:mm``, longer than 48 h silently capped to 48 h; absent -> 48 h
  (*assumption*: the platform maximum); malformed -> -1 (*assumption*).
- ``pushurl``/``drPushUrl``: empty or ``nopush`` -> the account's URL; otherwise an http(s) URL
  else -28. ``nopush=1`` -> not pushed, pull only. ``appid``: up to 64 visible characters else -30
  (*assumption*). ``CampaignId``: kept; a US short code (sender of 5-6 digits to a +1 number)
  without it is accepted and then REJECTED by the network (*assumption*, document 4.4).
- recipients: international without ``0``/``+`` (``^[1-9][0-9]{5,14}$``) else -13; none -> -6;
  a prefix in the account's ``uncovered_prefixes`` -> -3; a custom id already used by the account
  -> -33; credits short for the parts -> -2; an expired account -> -23.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pytest_smsmock.core.encoding import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    Encoding,
    decode_gsm7,
    segment,
)
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.lifecycle import Transition
from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.errors import Refusal
from pytest_smsmock.providers import submission as submissions
from pytest_smsmock.providers.infobip.status import send_status_code
from pytest_smsmock.providers.submission import Draft

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.scenario.decisions import SubmitDecision
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = [
    "MAX_VALIDITY",
    "Recipient",
    "RecipientResult",
    "SendRefused",
    "SendRequest",
    "parse_send_datetime",
    "parse_validity",
    "submit",
    "valid_gsm",
]

MAX_VALIDITY = timedelta(hours=48)
DATACODINGS = frozenset({0, 1, 3, 4, 8, 24, 240, 245})
TONS = frozenset(range(7))
NPIS = frozenset({0, 1, 3, 4, 6, 8, 9, 10, 14, 18})
_GSM = re.compile(r"[1-9][0-9]{5,14}")
_SEND_DATETIME = re.compile(r"(?:(\d{1,6})d)?(?:(\d{1,6})h)?(?:(\d{1,7})m)?(?:(\d{1,9})s)?", re.I)
_VALIDITY = re.compile(r"(\d{1,4}):([0-5]\d)")
_APPID = re.compile(r"[!-~]{1,64}")
# A US short code without CampaignId: accepted, then refused by the carrier.
_US_REJECTED = Transition(after=timedelta(seconds=5), status=Status.REJECTED, error="REJECTED")
_TRUE = frozenset({"1", "true", "yes"})


class SendRefused(Refusal):
    """A request-level refusal with its Infobip status code."""

    def __init__(self, status: int, reason: str = "") -> None:
        self.reason = reason
        super().__init__(f"{status}: {reason}", status=status)


@value_class
class Recipient:
    gsm: str
    custom_id: str | None = None


@value_class
class SendRequest:
    """One message of a send request, as the client spelled it (None = not given)."""

    sender: str | None = None
    text: str | None = None
    binary: str | None = None
    flash: str | None = None
    type: str | None = None
    wapurl: str | None = None
    datacoding: str | None = None
    esmclass: str | None = None
    srcton: str | None = None
    srcnpi: str | None = None
    destton: str | None = None
    destnpi: str | None = None
    validity: str | None = None
    send_datetime: str | None = None
    appid: str | None = None
    pushurl: str | None = None
    nopush: str | None = None
    campaign_id: str | None = None
    recipients: tuple[Recipient, ...] = ()


@value_class
class RecipientResult:
    status: int
    message_id: str = ""
    destination: str = ""
    custom: bool = False
    message: Message | None = field(default=None, compare=False)


@value_class
class _Content:
    text: str
    binary: bytes | None
    encoding: str
    data_coding: int
    parts: int
    flash: bool
    truncated: bool


def valid_gsm(gsm: str) -> bool:
    return _GSM.fullmatch(gsm) is not None


def parse_send_datetime(value: str) -> timedelta:
    """``4d3h2m1s`` (any subset, in this order) -> the delay; raises SendRefused(-27)."""
    text = value.strip()
    match = _SEND_DATETIME.fullmatch(text)
    if not text or match is None:
        raise SendRefused(-27, f"sendDateTime {value!r} is not like 4d3h2m1s")
    days, hours, minutes, seconds = (int(g or 0) for g in match.groups())
    try:
        return timedelta(days=days, hours=hours, minutes=minutes, seconds=seconds)
    except OverflowError:
        raise SendRefused(-27, f"sendDateTime {value!r} is out of range") from None


def parse_validity(value: str) -> timedelta | None:
    """``HH:mm`` -> the validity, capped at 48 h; empty -> None; raises SendRefused(-1)."""
    text = value.strip()
    if not text:
        return None
    match = _VALIDITY.fullmatch(text)
    if match is None:
        raise SendRefused(-1, f"ValidityPeriod {value!r} is not HH:mm")
    period = timedelta(hours=int(match.group(1)), minutes=int(match.group(2)))
    if period <= timedelta(0):
        return None
    return min(period, MAX_VALIDITY)


def _int(value: str | None, name: str) -> int | None:
    if value is None or not value.strip():
        return None
    try:
        return int(value.strip())
    except ValueError:
        raise SendRefused(-1, f"{name} {value!r} is not a number") from None


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().lower() in _TRUE


def _check_sender(account: Account, sender: str | None) -> str:
    if sender is None or not sender.strip():
        raise SendRefused(-8, "sender is missing")
    sender = sender.strip()
    limit = 14 if sender.isdigit() else 11
    if len(sender) > limit or not sender.isprintable():
        raise SendRefused(-34, f"sender {sender!r} is longer than {limit} characters")
    allowed = account.option("allowed_senders")
    if allowed is not None and sender not in allowed:
        raise SendRefused(-34, f"sender {sender!r} is not allowed on {account.username!r}")
    return sender


def _check_push_url(value: str | None) -> str | None:
    if value is None or not value.strip() or value.strip().lower() == "nopush":
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        raise SendRefused(-28, f"push URL {value!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise SendRefused(-28, f"push URL {value!r} is not an http(s) URL")
    return url


def _fit(text: str, encoding: Encoding, limit: int) -> str:
    """The longest prefix of `text` that takes at most `limit` units."""
    used = 0
    for index, char in enumerate(text):
        if encoding is Encoding.GSM7:
            cost = 2 if char in GSM7_EXTENSION else 1
        elif encoding is Encoding.UCS2:
            cost = 2 if ord(char) > 0xFFFF else 1
        else:
            cost = 1
        if used + cost > limit:
            return text[:index]
        used += cost
    return text


def _carriable(text: str, encoding: Encoding) -> str:
    if encoding is Encoding.GSM7:
        return "".join(c if c in GSM7_BASIC or c in GSM7_EXTENSION else "?" for c in text)
    if encoding is Encoding.UCS2:
        return "".join("?" if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return "".join(c if ord(c) <= 0xFF else "?" for c in text)


def _decode_binary(data: bytes, data_coding: int) -> str:
    try:
        if data_coding in (8, 24):
            if data[:2] == b"\xfe\xff":
                data = data[2:]
            return data.decode("utf-16-be", errors="replace")
        if data_coding in (0, 1, 240):
            return decode_gsm7(data)
        if data_coding == 3:
            return data.decode("latin-1")
    except Exception:
        return ""
    return ""


def _content(request: SendRequest, max_long_chars: int, esm_class: int = 0) -> _Content:
    data_coding = _int(request.datacoding, "datacoding")
    if data_coding is None:
        data_coding = 0
    if data_coding not in DATACODINGS:
        raise SendRefused(-1, f"datacoding {data_coding} is not supported")
    kind = (request.type or "").strip().lower()
    if kind not in ("", "longsms", "bookmark", "nsms"):
        raise SendRefused(-1, f"type {request.type!r} is not longSMS, bookmark or nSMS")
    long_sms = kind == "longsms"
    flash = _flag(request.flash) or data_coding in (24, 240) or kind == "nsms"
    text = request.text or ""
    hex_content = (request.binary or "").strip()
    if kind == "bookmark":
        url = (request.wapurl or "").strip()
        if not url:
            raise SendRefused(-1, "type=bookmark needs a WAP URL")
        return _Content(
            text=url,
            binary=None,
            encoding="binary",
            data_coding=245,
            parts=1,
            flash=False,
            truncated=False,
        )
    if hex_content and text:
        raise SendRefused(-1, "binary cannot be used together with text")
    if hex_content:
        try:
            data = bytes.fromhex(hex_content)
        except ValueError:
            raise SendRefused(-1, "binary is not hexadecimal") from None
        if len(data) > 140:
            # "longSMS (for text messages only)": binary content is one SMS.
            raise SendRefused(-1, f"binary content of {len(data)} octets is over one SMS (140)")
        payload = data
        if esm_class & 0x40 and data and data[0] < len(data):
            payload = data[data[0] + 1 :]  # UDHI: the text follows the user data header
        return _Content(
            text=_decode_binary(payload, data_coding),
            binary=data,
            encoding="binary",
            data_coding=data_coding,
            parts=1,
            flash=flash,
            truncated=False,
        )
    if not text:
        raise SendRefused(-7, "text is missing")
    if data_coding in (8, 24):
        encoding = Encoding.UCS2
    elif data_coding in (3, 4, 245):
        encoding = Encoding.LATIN1
    else:
        encoding = Encoding.GSM7
    carried = _carriable(text, encoding)
    truncated = False
    if long_sms and len(carried) > max_long_chars:
        carried, truncated = carried[:max_long_chars], True
    if not long_sms:
        single = {Encoding.GSM7: 160, Encoding.UCS2: 70}.get(encoding, 140)
        fitted = _fit(carried, encoding, single)
        carried, truncated = fitted, truncated or fitted != carried
    seg = segment(carried, encoding=encoding)
    return _Content(
        text=carried,
        binary=None,
        encoding=str(seg.encoding),
        data_coding=data_coding,
        parts=seg.parts,
        flash=flash,
        truncated=truncated,
    )


def _ton_npi(request: SendRequest, sender: str) -> dict[str, int]:
    numeric = sender.isdigit()
    values = {
        "src_ton": _int(request.srcton, "srcton"),
        "src_npi": _int(request.srcnpi, "srcnpi"),
        "dest_ton": _int(request.destton, "destton"),
        "dest_npi": _int(request.destnpi, "destnpi"),
    }
    defaults = {
        "src_ton": 1 if numeric else 5,
        "src_npi": 1 if numeric else 0,
        "dest_ton": 1,
        "dest_npi": 1,
    }
    result: dict[str, int] = {}
    for key, value in values.items():
        chosen = defaults[key] if value is None else value
        allowed = TONS if key.endswith("ton") else NPIS
        if chosen not in allowed:
            raise SendRefused(-1, f"{key} {chosen} is not in the document's table")
        result[key] = chosen
    return result


def _options(request: SendRequest) -> dict[str, Any]:
    appid = (request.appid or "").strip() or None
    if appid is not None and _APPID.fullmatch(appid) is None:
        raise SendRefused(-30, f"appid {request.appid!r} is not valid")
    esm_class = _int(request.esmclass, "esmclass") or 0
    if not 0 <= esm_class <= 255:
        raise SendRefused(-1, f"esmclass {esm_class} is not an octet")
    delay = None
    if request.send_datetime is not None and request.send_datetime.strip():
        delay = parse_send_datetime(request.send_datetime)
    return {
        "appid": appid,
        "pushurl": _check_push_url(request.pushurl),
        "nopush": _flag(request.nopush),
        "delay": delay,
        "validity": parse_validity(request.validity or ""),
        "campaign_id": (request.campaign_id or "").strip() or None,
        "esm_class": esm_class,
    }


def _us_short_code(sender: str, gsm: str) -> bool:
    return sender.isdigit() and 5 <= len(sender) <= 6 and gsm.startswith("1") and len(gsm) == 11


def submit(
    fake: ProviderFake,
    account: Account,
    request: SendRequest,
    *,
    api: str,
    max_long_chars: int = 1530,
    default_price: str = "1",
    claim_custom_id: Callable[[str, str], bool] = lambda account, custom_id: True,
) -> tuple[list[RecipientResult], HttpFault | SmppFault | None]:
    """Validate and accept one message for each of its recipients, through the one submission
    path; also returns the scenario fault the submission met, for the transport."""
    recipients = [r for r in request.recipients if r.gsm.strip()]

    def refuse_all(status: int) -> list[RecipientResult]:
        if not recipients:
            return [RecipientResult(status=status)]
        return [
            RecipientResult(
                status=status,
                message_id=r.custom_id or "",
                destination=r.gsm.strip(),
                custom=bool(r.custom_id),
            )
            for r in recipients
        ]

    if account.expired:
        return refuse_all(-23), None
    try:
        sender = _check_sender(account, request.sender)
        options = _options(request)
        content = _content(request, max_long_chars, options["esm_class"])
        ton_npi = _ton_npi(request, sender)
    except SendRefused as refused:
        return refuse_all(refused.status), None
    if not recipients:
        return [RecipientResult(status=-6)], None
    now = fake.clock.now()
    scheduled_at = now + options["delay"] if options["delay"] else None
    validity = options["validity"] or MAX_VALIDITY
    price = Decimal(str(account.option("price", default_price))) * content.parts
    uncovered = tuple(str(p) for p in account.option("uncovered_prefixes", ()) or ())
    # Recipients refused before the scenario is asked keep their place in the answer.
    results: list[RecipientResult | Draft] = []
    drafts: list[Draft] = []
    for recipient in recipients:
        gsm = recipient.gsm.strip()
        custom_id = recipient.custom_id or None
        status = -13 if not valid_gsm(gsm) else -3 if uncovered and gsm.startswith(uncovered) else 0
        if status:
            results.append(
                RecipientResult(
                    status=status,
                    message_id=custom_id or "",
                    destination=gsm,
                    custom=custom_id is not None,
                )
            )
            continue
        draft = Draft(
            to=gsm,
            sender=sender,
            text=content.text,
            price=price,
            # A US short code without a CampaignId is accepted, then rejected by the network.
            plan=(_US_REJECTED,)
            if options["campaign_id"] is None and _us_short_code(sender, gsm)
            else None,
            ref=custom_id,
        )
        drafts.append(draft)
        results.append(draft)

    def build(draft: Draft, decision: SubmitDecision) -> Message:
        return Message(
            message_id=fake.ids("message").digits(18),
            provider=fake.name,
            account=account.username,
            to=draft.to,
            sender=sender,
            text=content.text,
            submitted_at=now,
            protocol="http",
            api=api,
            client_ref=draft.ref,
            parts=content.parts,
            encoding=content.encoding,
            data_coding=content.data_coding,
            binary=content.binary,
            flash=content.flash,
            scheduled_at=scheduled_at,
            expires_at=(scheduled_at or now) + validity,
            callback_url=options["pushurl"],
            price=draft.price,
            extra={
                "appid": options["appid"],
                "nopush": options["nopush"],
                "campaign_id": options["campaign_id"],
                "type": (request.type or "").strip(),
                "esm_class": options["esm_class"],
                "validity": validity,
                "truncated": content.truncated,
                "wapurl": (request.wapurl or "").strip() or None,
                **ton_npi,
            },
        )

    def claim(draft: Draft) -> Refusal | None:
        custom_id = draft.ref
        if custom_id is not None and not claim_custom_id(account.username, custom_id):
            return _recipient_refusal(-33)
        return None

    result = submissions.submit(
        fake,
        account,
        drafts,
        protocol="http",
        api=api,
        at=now,
        build=build,
        refuse=lambda answer, draft: _recipient_refusal(send_status_code(answer)),
        no_credit=lambda cost: _recipient_refusal(-2),
        claim=claim,
    )
    if result.replaced:
        return [], result.fault
    outcomes = {id(o.draft): o for o in result.outcomes}
    answers: list[RecipientResult] = []
    for entry in results:
        if isinstance(entry, RecipientResult):
            answers.append(entry)
            continue
        outcome = outcomes[id(entry)]
        custom_id = entry.ref
        message = outcome.message
        answers.append(
            RecipientResult(
                status=0 if message is not None else _status_of(outcome.refusal),
                message_id=custom_id or (message.message_id if message is not None else ""),
                destination=entry.to,
                custom=custom_id is not None,
                message=message,
            )
        )
    return answers, result.fault


def _recipient_refusal(status: int) -> Refusal:
    return Refusal(f"Infobip status {status}", status=status, whole_request=False)


def _status_of(refusal: Refusal | None) -> int:
    assert refusal is not None
    return refusal.status
