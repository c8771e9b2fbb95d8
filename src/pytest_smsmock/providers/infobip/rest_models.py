"""The REST APIs' wire values: dates, and every JSON object they answer or push, per generation.

One message model underneath (`core.messages.Message`, whichever API or SMPP sent it); each
generation shows it with its own keys, exactly those its SDK's models declare:

- v1 and v2 (``/sms/1/...``, ``/sms/2/...``; SDK 3.x ``SmsReport``, ``SmsLog``): ``smsCount``,
  ``from``, ``to``; the v1 document's key order.
- v3 (``/sms/3/...``; SDK 6.x ``SmsDeliveryReport``, ``SmsLog``): ``messageCount``, ``sender``,
  ``destination`` (logs), ``content``, ``platform``.

Null values are left out, never written as ``null``: the platform serialises that way, and the
SDK 3.x models refuse a ``null`` for any field (they declare no field nullable).

Dates: ``2015-02-12T09:51:43.123+0100``, always milliseconds and a ``+HHMM`` offset (the v1
document's examples; the API reference's ``yyyy-MM-dd'T'HH:mm:ss.SSSZ``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from pytest_smsmock.core.encoding import count_parts
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import InboundMessage, Message
from pytest_smsmock.providers.infobip import rest_status as v1
from pytest_smsmock.providers.infobip.networks import lookup_network

__all__ = [
    "APIS",
    "V1_API",
    "V2_API",
    "V3_API",
    "Wire",
    "compact",
    "format_time",
    "native_of",
    "number",
    "parse_time",
    "sent_at",
]


#: `Message.api` of the messages each REST generation sent.
V1_API = "v1-rest"
V2_API = "v2-rest"
V3_API = "v3-rest"
APIS = frozenset({V1_API, V2_API, V3_API})


# -- time ------------------------------------------------------------------------------------
def format_time(when: datetime, offset: timedelta) -> str:
    """``2015-02-12T09:51:43.123+0100``: always milliseconds, always ``+HHMM``."""
    local = when.astimezone(timezone(offset))
    return (
        local.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{local.microsecond // 1000:03d}"
        + (local.strftime("%z"))
    )


_TIME = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2}|\s\d{2}:?\d{2})?"
)


def parse_time(text: str, offset: timedelta) -> datetime:
    """A date parameter as an aware datetime; naive values are in the platform's `offset`.

    Reads the document's format, ISO 8601 with ``Z`` or ``+HH:MM`` (what the SDKs write), a date
    alone, and a ``+`` the client forgot to escape (it arrives as a space).
    """
    match = _TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a date: {text!r}")
    base = datetime.strptime(match["date"], "%Y-%m-%d")
    fraction = (match["f"] or "0")[:6].ljust(6, "0")
    value = base.replace(
        hour=int(match["h"] or 0),
        minute=int(match["m"] or 0),
        second=int(match["s"] or 0),
        microsecond=int(fraction),
    )
    tz = match["tz"]
    if tz is None:
        zone = timezone(offset)
    elif tz == "Z":
        zone = UTC
    else:
        sign = -1 if tz.startswith("-") else 1
        digits = tz.strip().lstrip("+-").replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise ValueError(f"not a time zone offset: {tz!r}")
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return value.replace(tzinfo=zone)


# -- values ------------------------------------------------------------------------------------
def compact(data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` without its None values (the platform leaves nulls out)."""
    return {key: value for key, value in data.items() if value is not None}


def native_of(message: Message) -> tuple[v1.V1Status, v1.V1Error]:
    """The status and error objects of a message's current status.

    The latest change only: a native name or error given to an earlier step (say
    PENDING_ENROUTE) must not colour a later report.
    """
    change = message.last_change
    if change is None:
        status, error = v1.from_canonical(message.status, message.error)
    else:
        status, error = v1.from_canonical(message.status, change.error, change.native)
    if status is v1.MESSAGE_ACCEPTED and message.api in (V2_API, V3_API):
        status = v1.PENDING_ACCEPTED  # what today's APIs call a message not yet sent on
    return status, error


def number(value: Decimal) -> int | float:
    """A JSON number: whole amounts as integers (``0``, as the document's REJECTED example)."""
    return int(value) if value == value.to_integral_value() else float(value)


def sent_at(message: Message) -> datetime:
    """When the message left: its send time if it was scheduled (and not cancelled before),
    else its submission."""
    scheduled = message.scheduled_at
    if scheduled is None or scheduled <= message.submitted_at:
        return message.submitted_at
    if message.done_at is not None and message.done_at < scheduled:
        return message.submitted_at  # ended before its time came: it never left
    return scheduled


@value_class
class Wire:
    """Renders messages in a host's time zone, with its network table and currencies."""

    offset: timedelta
    networks: Mapping[str, str]
    currency: Callable[[str | None], str]

    def time(self, when: datetime | None) -> str | None:
        return None if when is None else format_time(when, self.offset)

    def network(self, number_: str) -> str | None:
        return lookup_network(number_, self.networks)

    def price(self, message: Message) -> dict[str, Any]:
        # `Message.price` is what the whole message cost (any API); REST shows one SMS's price.
        per_sms = message.price / message.parts if message.parts else message.price
        return {"pricePerMessage": number(per_sms), "currency": self.currency(message.account)}

    # -- send answers ------------------------------------------------------------------------
    @staticmethod
    def sent_v1(to: str, status: v1.V1Status, parts: int, message_id: str | None) -> dict[str, Any]:
        return compact(
            {"to": to, "status": status.to_dict(), "smsCount": parts, "messageId": message_id}
        )

    @staticmethod
    def sent_v2(to: str, status: v1.V1Status, message_id: str | None) -> dict[str, Any]:
        return compact({"to": to, "status": status.to_dict(), "messageId": message_id})

    @staticmethod
    def sent_v3(
        destination: str, status: v1.V1Status, message_id: str | None, count: int | None
    ) -> dict[str, Any]:
        return compact(
            {
                "messageId": message_id,
                "status": status.to_dict(),
                "destination": destination,
                "details": None if count is None else {"messageCount": count},
            }
        )

    # -- reports -----------------------------------------------------------------------------
    def report_v2(self, message: Message) -> dict[str, Any]:
        """A message as one v1/v2 delivery report: the document's keys, then ``callbackData``."""
        status, error = native_of(message)
        return compact(
            {
                "bulkId": message.bulk_id,
                "messageId": message.message_id,
                "to": message.to,
                "sentAt": self.time(sent_at(message)),
                "doneAt": self.time(message.done_at),
                "smsCount": message.parts,
                "price": self.price(message),
                "status": status.to_dict(),
                "error": error.to_dict(),
                "callbackData": message.extra.get("callback_data"),
            }
        )

    def report_v3(self, message: Message) -> dict[str, Any]:
        """A message as one v3 delivery report (``SmsDeliveryReport``)."""
        status, error = native_of(message)
        extra = message.extra
        return compact(
            {
                "bulkId": message.bulk_id,
                "price": self.price(message),
                "status": status.to_dict(),
                "error": error.to_dict(),
                "messageId": message.message_id,
                "to": message.to,
                "sender": message.sender,
                "sentAt": self.time(sent_at(message)),
                "doneAt": self.time(message.done_at),
                "messageCount": message.parts,
                "mccMnc": self.network(message.to),
                "callbackData": extra.get("callback_data"),
                "platform": _platform(message),
                "campaignReferenceId": extra.get("campaign_reference_id"),
            }
        )

    # -- logs --------------------------------------------------------------------------------
    def log_v1(self, message: Message, *, legacy_mccmnc: bool = False) -> dict[str, Any]:
        """A message as one v1 log entry: the document's keys (``mccmnc`` as a quirk)."""
        status, error = native_of(message)
        return compact(
            {
                "bulkId": message.bulk_id,
                "messageId": message.message_id,
                "to": message.to,
                "from": message.sender,
                "text": message.text,
                "sentAt": self.time(sent_at(message)),
                "doneAt": self.time(message.done_at),
                "smsCount": message.parts,
                "mccmnc" if legacy_mccmnc else "mccMnc": self.network(message.to),
                "price": self.price(message),
                "status": status.to_dict(),
                "error": error.to_dict(),
            }
        )

    def log_v3(self, message: Message) -> dict[str, Any]:
        """A message as one v3 log entry (SDK 6.x ``SmsLog``)."""
        status, error = native_of(message)
        extra = message.extra
        return compact(
            {
                "sender": message.sender,
                "destination": message.to,
                "bulkId": message.bulk_id,
                "messageId": message.message_id,
                "sentAt": self.time(sent_at(message)),
                "doneAt": self.time(message.done_at),
                "messageCount": message.parts,
                "price": self.price(message),
                "status": status.to_dict(),
                "error": error.to_dict(),
                "platform": _platform(message),
                "content": content_of(message),
                "campaignReferenceId": extra.get("campaign_reference_id"),
                "mccMnc": self.network(message.to),
            }
        )

    # -- inbound -----------------------------------------------------------------------------
    def inbound(self, mo: InboundMessage) -> dict[str, Any]:
        """An inbound message (SDK ``SmsInboundMessage``; the keys both SDK generations know)."""
        options = dict(mo.extra)
        keyword = options.get("keyword")
        text = mo.text
        clean = text
        if isinstance(keyword, str) and keyword:
            head, _, rest = text.strip().partition(" ")
            clean = rest.strip() if head.upper() == keyword.upper() else text
        return compact(
            {
                "messageId": mo.message_id,
                "from": mo.sender.lstrip("+"),
                "to": mo.to.lstrip("+"),
                "text": text,
                "cleanText": clean,
                "keyword": keyword if isinstance(keyword, str) and keyword else None,
                "receivedAt": self.time(mo.received_at),
                "smsCount": count_parts(text) if mo.binary is None else 1,
                "price": {"pricePerMessage": 0, "currency": self.currency(mo.account)},
                "callbackData": options.get("callback_data"),
            }
        )


def content_of(message: Message) -> dict[str, Any]:
    """What a message carried: ``{"text"}`` or ``{"hex", "dataCoding", "esmClass"}``."""
    if message.binary is not None:
        return {
            "hex": message.binary.hex().upper(),
            "dataCoding": message.data_coding or 0,
            "esmClass": int(message.extra.get("esm_class", 0) or 0),
        }
    return {"text": message.text}


def _platform(message: Message) -> dict[str, str] | None:
    platform = compact(
        {
            "entityId": message.extra.get("entity_id"),
            "applicationId": message.extra.get("application_id"),
        }
    )
    return platform or None
