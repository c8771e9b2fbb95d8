"""Message creation shared by every Broadnet interface (websmpp, JSON, XML, SMPP).

The interfaces parse their wire formats into `Recipient`s and call `submit()`; it applies the
rules the document states once, raising `Rejection` (websmpp code + API code):

- message types and their lengths: 1 English and 3 special characters, 160 per SMS in the GSM
  alphabet; 2 Unicode, the text given as UCS-2 hex, 280 hex digits (70 characters) per SMS;
  4 Arabic, 70 characters per SMS. Longer texts go as concatenated parts of 153 / 67. The
  characters ``[ ] { } | \\ ~ ^`` count twice (and, unlike GSM 03.38, the euro sign once);
- ``&`` and ``#`` are restricted in message content;
- destinations are digits with their country code, routed by the coverage list;
- credits are debited per part and recipient, all or nothing.

The JSON and XML APIs report a bad or uncovered number per recipient (the XML status example
shows a report line with status 006 and no message id) and fail the request only when no
recipient is left; websmpp has no per-number answer, so one bad number fails the request. A
scenario's ``respond`` follows the same rule: 005 / 006 (or HTTP09 / HTTP23) refuse only that
number in JSON/XML, any other answer refuses the request, nothing is charged.

Where the document is silent the fake does what the real gateway most plausibly does, and says
so below.
"""

from __future__ import annotations

import enum
import re
import string
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Final

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.encoding import (
    Encoding,
    EncodingError,
    decode_ucs2,
    is_gsm7,
    weighted_length,
)
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import Message
from pytest_smsmock.providers import submission as submission_path
from pytest_smsmock.providers.broadnet.coverage import covered
from pytest_smsmock.providers.broadnet.model import BatchEntry, BroadnetModel
from pytest_smsmock.providers.broadnet.options import AccountSettings
from pytest_smsmock.providers.broadnet.status import Rejection, rejection_for
from pytest_smsmock.providers.submission import Charging, Draft

if TYPE_CHECKING:
    from pytest_smsmock.scenario.decisions import SubmitDecision
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = [
    "DOUBLE_COUNTED",
    "NUMBER_CODES",
    "RESTRICTED",
    "Content",
    "MessageType",
    "Recipient",
    "check_sender",
    "normalize_msisdn",
    "parse_schedule",
    "parse_type",
    "prepare_text",
    "submit",
]

DOUBLE_COUNTED: Final = frozenset("[]{}|\\~^")
#: API codes about one number rather than the request: per number in the JSON/XML APIs.
NUMBER_CODES: Final = frozenset({"005", "006"})
RESTRICTED: Final = frozenset("&#")


class MessageType(enum.IntEnum):
    ENGLISH = 1
    UNICODE = 2
    SPECIAL = 3
    ARABIC = 4

    @property
    def encoding(self) -> Encoding:
        return Encoding.UCS2 if self in (MessageType.UNICODE, MessageType.ARABIC) else Encoding.GSM7


# Per type: (units of one SMS, units per part of a concatenated one).
_LIMITS: Final = {Encoding.GSM7: (160, 153), Encoding.UCS2: (70, 67)}


@value_class
class Content:
    """A message text as the gateway sends it."""

    text: str
    type: MessageType
    units: int
    parts: int

    @property
    def encoding(self) -> Encoding:
        return self.type.encoding

    @property
    def data_coding(self) -> int:
        return 8 if self.encoding is Encoding.UCS2 else 0


@value_class
class Recipient:
    """One destination as the client wrote it, with its own text (JSON/XML format 2)."""

    msisdn: str
    text: str


def parse_type(value: object) -> MessageType:
    text = str(value).strip() if value is not None else ""
    if text in ("1", "2", "3", "4"):
        return MessageType(int(text))
    raise Rejection("HTTP07", "010", f"type must be 1, 2, 3 or 4, got {value!r}")


_HEX_SPACE = re.compile(r"\s+")


def prepare_text(raw: str, mtype: MessageType, *, max_parts: int = 10) -> Content:
    """Decode and measure a text for its type; raises `Rejection`."""
    if mtype is MessageType.UNICODE:
        # The document's own example has the hex wrapped over lines and spaced after `text=`:
        # whitespace inside the hex is ignored.
        digits = _HEX_SPACE.sub("", raw)
        if not digits or len(digits) % 4 or any(c not in string.hexdigits for c in digits):
            raise Rejection(
                "HTTP19", "009", "type 2 text must be UCS-2 in hex, 4 hex digits a character"
            )
        try:
            text = decode_ucs2(bytes.fromhex(digits))
        except (EncodingError, ValueError):
            raise Rejection("HTTP19", "009", "type 2 text is not valid UCS-2") from None
    else:
        text = raw
    if not text:
        raise Rejection("HTTP17", "009", "empty message text")
    restricted = sorted(RESTRICTED & set(text))
    if restricted:
        # The gateway parses its query strings itself: `&` ends the parameter and `#` a URL,
        # which is why the document restricts them. An encoded one still breaks the query.
        raise Rejection("HTTP02", "009", f"restricted character(s) {restricted} in the text")
    if mtype.encoding is Encoding.GSM7:
        if not is_gsm7(text):
            raise Rejection(
                "HTTP19", "009", f"type {int(mtype)} text must be in the GSM 7-bit alphabet"
            )
        units = weighted_length(text, DOUBLE_COUNTED)
    else:
        units = len(text.encode("utf-16-le")) // 2
    single, per_part = _LIMITS[mtype.encoding]
    parts = 1 if units <= single else -(-units // per_part)
    if parts > max_parts:
        raise Rejection(
            "HTTP17", "009", f"{units} characters make {parts} parts; at most {max_parts}"
        )
    return Content(text=text, type=mtype, units=units, parts=parts)


_MSISDN = re.compile(r"\+?(\d{7,15})")


def normalize_msisdn(raw: str) -> str:
    """Digits with country code (a leading ``+`` or ``00`` is dropped); raises `Rejection`."""
    text = raw.strip()
    match = _MSISDN.fullmatch(text)
    if match is None or not text.isascii():
        raise Rejection("HTTP09", "005", f"{raw!r} is not a number with country code")
    digits = match.group(1)
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) < 7 or digits.startswith("0"):
        raise Rejection("HTTP09", "005", f"{raw!r} is not a number with country code")
    return digits


_ALNUM_SENDER = re.compile(r"[A-Za-z0-9 ._\-]{1,11}")
_NUMERIC_SENDER = re.compile(r"\+?\d{1,16}")


def check_sender(raw: str, settings: AccountSettings) -> str:
    """A numeric (up to 16 digits) or alphanumeric (up to 11 characters) sender id the account
    may use; raises `Rejection` HTTP06 / 008."""
    sender = raw.strip()
    if not (_NUMERIC_SENDER.fullmatch(sender) or _ALNUM_SENDER.fullmatch(sender)):
        raise Rejection("HTTP06", "008", f"{raw!r} is not a valid sender id")
    if settings.senders is not None and sender not in settings.senders:
        raise Rejection("HTTP06", "008", f"sender {sender!r} is not registered for the account")
    return sender


def parse_schedule(schtime: str, gmt: str | None, default_tz: timezone, now: datetime) -> datetime:
    """``schtime=yyyyMMddhhmm`` in the `gmt` offset (else the account's); raises HTTP22 when
    malformed or in the past (a time within the current minute still counts as now)."""
    from pytest_smsmock.providers.broadnet.options import parse_gmt

    try:
        tz = default_tz if gmt is None or gmt == "" else parse_gmt(gmt)
    except ValueError:
        raise Rejection("HTTP22", "002", f"gmt {gmt!r} is not an offset like +0530") from None
    text = schtime.strip()
    if len(text) != 12 or not text.isdigit() or not text.isascii():
        raise Rejection("HTTP22", "002", f"schtime {schtime!r} is not yyyyMMddhhmm")
    try:
        when = datetime.strptime(text, "%Y%m%d%H%M").replace(tzinfo=tz)
    except ValueError:
        raise Rejection("HTTP22", "002", f"schtime {schtime!r} is not a date") from None
    if when < now.replace(second=0, microsecond=0):
        raise Rejection("HTTP22", "002", f"schtime {schtime!r} is in the past")
    return when


def submit(
    fake: BroadnetModel,
    *,
    account: Account,
    settings: AccountSettings,
    sender: str,
    recipients: Sequence[Recipient],
    mtype: MessageType,
    api: str,
    protocol: str = "http",
    per_number: bool = False,
    scheduled_at: datetime | None = None,
    batch_id: str | None = None,
) -> tuple[list[BatchEntry], HttpFault | SmppFault | None]:
    """Validate one submission and pass it through the submission path (charged all or
    nothing); returns one entry per recipient and the scenario fault it met (no entries when
    the fault stands instead of the answer).

    `per_number=True` (JSON/XML) reports bad or uncovered numbers in their entries instead of
    failing the request, unless no number is left. Raises `Rejection`.
    """
    now = fake.clock.now()
    if settings.bind_fails:
        raise Rejection("HTTP14", "007", "the gateway could not bind for the account")
    contents: dict[str, Content] = {}
    entries: list[BatchEntry] = []
    drafts: list[Draft] = []
    first_error: Rejection | None = None
    for recipient in recipients:
        content = contents.get(recipient.text)
        if content is None:
            content = contents[recipient.text] = prepare_text(
                recipient.text, mtype, max_parts=settings.max_parts
            )
        try:
            msisdn = normalize_msisdn(recipient.msisdn)
            if not covered(msisdn, settings.coverage):
                raise Rejection("HTTP23", "006", f"no route to {msisdn}")
        except Rejection as exc:
            if not per_number:
                raise
            first_error = first_error or exc
            entries.append(
                BatchEntry(msisdn=recipient.msisdn.strip(), message_id=None, code=exc.code)
            )
            continue
        drafts.append(
            Draft(
                to=msisdn,
                sender=sender,
                text=content.text,
                price=settings.price * content.parts,
                ref=(len(entries), content),
            )
        )
        entries.append(BatchEntry(msisdn=msisdn, message_id=None, code="000"))
    if not drafts:
        raise first_error or Rejection("HTTP10", "002", "no destination")

    def refuse(answer: object, draft: Draft) -> Rejection:
        # A rule's `respond` refuses the whole request, or, in the JSON/XML APIs, only its
        # number when the answer is about a number (005, 006).
        refusal = rejection_for(answer)
        refusal.whole_request = not per_number or refusal.code not in NUMBER_CODES
        return refusal

    later = scheduled_at if scheduled_at is not None and scheduled_at > now else None
    expires = (later or now) + settings.validity if settings.validity is not None else None

    def build(draft: Draft, decision: SubmitDecision) -> Message:
        content: Content = draft.ref[1]
        return Message(
            message_id=fake.new_message_id(now),
            provider=fake.name,
            account=account.username,
            to=draft.to,
            sender=sender,
            text=content.text,
            submitted_at=now,
            protocol=protocol,
            api=api,
            bulk_id=batch_id,
            parts=content.parts,
            encoding=str(content.encoding),
            data_coding=content.data_coding,
            scheduled_at=later,
            expires_at=expires,
            callback_url=account.dlr_url,
            price=draft.price,
            extra={"type": int(content.type)},
        )

    result = submission_path.submit(
        fake,
        account,
        drafts,
        protocol=protocol,
        api=api,
        at=now,
        build=build,
        refuse=refuse,
        no_credit=lambda cost: Rejection(
            "HTTP18", "004", f"the submission costs {cost}, the balance is {account.balance}"
        ),
        charging=Charging.ALL,
    )
    if result.replaced:
        return [], result.fault
    for outcome in result.outcomes:
        index = outcome.draft.ref[0]
        if outcome.message is not None:
            entries[index] = BatchEntry(
                msisdn=outcome.draft.to, message_id=outcome.message.message_id, code="000"
            )
        else:
            refusal = outcome.refusal
            assert isinstance(refusal, Rejection)
            first_error = first_error or refusal
            entries[index] = BatchEntry(msisdn=outcome.draft.to, message_id=None, code=refusal.code)
    if not result.messages:
        raise first_error or Rejection("HTTP10", "002", "no destination")
    return entries, result.fault
