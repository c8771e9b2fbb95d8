"""Reading a REST send request, of any generation, into one neutral `Batch`.

Every rule here refuses the whole request with 400 before anything is sent (a v3 answer names
the field in ``validationErrors``); what concerns one destination (an unusable number, a
duplicate message id, the balance) is answered per destination by the component (`rest.py`).

- v1 ``/sms/1/text/single`` ``{"from", "to", "text"}`` (``to`` a string or an array) and
  ``/sms/1/text/multi`` ``{"bulkId"?, "messages": [...]}``; optional ``notifyUrl``,
  ``notifyContentType``, ``callbackData`` per message.
- v2 ``/sms/2/text/advanced`` and ``/sms/2/binary/advanced``: ``{"bulkId"?, "messages": [{"from",
  "destinations": [{"to", "messageId"?}], "text" | "binary": {"hex", "dataCoding", "esmClass"},
  "flash", "transliteration", "language": {"languageCode"}, "intermediateReport", "notifyUrl",
  "notifyContentType", "callbackData", "validityPeriod" (minutes), "sendAt",
  "deliveryTimeWindow", "regional"}], "sendingSpeedLimit"?, "tracking"?}``.
- v3 ``/sms/3/messages``: ``{"messages": [{"sender", "destinations", "content": {"text",
  "transliteration", "language"} | {"hex", "dataCoding", "esmClass"}, "options": {"platform",
  "validityPeriod": {"amount", "timeUnit"}, "deliveryTimeWindow", "campaignReferenceId",
  "regional", "flash"}, "webhooks": {"delivery": {"url", "intermediateReport", "notify"},
  "contentType", "callbackData"}}], "options": {"schedule": {"bulkId", "sendAt",
  "sendingSpeedLimit"}, "tracking": {URL options}, "includeSmsCountInResponse",
  "conversionTracking"}}``.

Types are checked as the SDKs declare them: a number where a string belongs (``"to": 4179...``)
is refused, as a boolean in place of a number. Keys the fake does not know are ignored, as the
platform ignores them. Where the reference is silent (*assumption*, on the provider's page):
``sendAt`` at most 180 days ahead (the reference's limit), in the past it sends now; a validity
over 48 h is cut to 48 h; a delivery time window is UTC and ``from`` comes before ``to``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any

from pytest_smsmock.core.frozen import record_class, value_class
from pytest_smsmock.providers.infobip.rest_errors import RestError, bad_request, invalid
from pytest_smsmock.providers.infobip.rest_models import parse_time
from pytest_smsmock.providers.infobip.rest_text import LANGUAGE_CODES, TRANSLITERATIONS

__all__ = [
    "JSON",
    "MAX_VALIDITY",
    "XML",
    "Batch",
    "Destination",
    "Outgoing",
    "Reader",
    "TimeWindow",
    "read_v1",
    "read_v2",
    "read_v3",
]

JSON = "application/json"
XML = "application/xml"
MAX_VALIDITY = timedelta(hours=48)
MAX_SCHEDULE = timedelta(days=180)
DAYS = ("MONDAY", "TUESDAY", "WEDNESDAY", "THURSDAY", "FRIDAY", "SATURDAY", "SUNDAY")
_SPEED_UNITS = {
    "MINUTE": timedelta(minutes=1),
    "HOUR": timedelta(hours=1),
    "DAY": timedelta(days=1),
}
_VALIDITY_UNITS = {
    "SECONDS": timedelta(seconds=1),
    "MINUTES": timedelta(minutes=1),
    "HOURS": timedelta(hours=1),
}
_HEX = re.compile(r"(?:[0-9A-Fa-f]{2}\s*)*")


@value_class
class Destination:
    to: str
    message_id: str | None = None  # the client's own id, if it gave one


@value_class
class TimeWindow:
    """Days (0 = Monday) and a daily span in UTC minutes when a message may leave."""

    days: frozenset[int]
    start: int = 0
    end: int = 24 * 60

    def next_open(self, when: datetime) -> datetime:
        """The first moment at or after `when` inside the window."""
        midnight = when.replace(hour=0, minute=0, second=0, microsecond=0)
        for offset in range(8):
            day = midnight + timedelta(days=offset)
            if day.weekday() not in self.days:
                continue
            opens = day + timedelta(minutes=self.start)
            closes = day + timedelta(minutes=self.end)
            if when < closes:
                return max(when, opens)
        return when  # unreachable with at least one day


@record_class
class Outgoing:
    """One message of a request: one content to one or more destinations."""

    where: str
    sender: str | None
    destinations: list[Destination]
    text: str = ""
    binary: bytes | None = None
    data_coding: int = 0
    esm_class: int = 0
    flash: bool = False
    transliteration: str | None = None
    language: str | None = None
    send_at: datetime | None = None
    validity: timedelta | None = None
    window: TimeWindow | None = None
    notify_url: str | None = None
    notify_content_type: str = JSON
    notify: bool = True
    intermediate: bool = False
    callback_data: str | None = None
    entity_id: str | None = None
    application_id: str | None = None
    campaign_reference_id: str | None = None
    regional: dict[str, Any] | None = None


@record_class
class Batch:
    """A whole send request."""

    generation: int
    messages: list[Outgoing]
    bulk_id: str | None = None
    send_at: datetime | None = None
    speed: tuple[int, timedelta] | None = None
    url_options: dict[str, Any] = field(default_factory=dict)
    tracking: dict[str, Any] | None = None
    include_count: bool = False


class Reader:
    """Typed access to one JSON object of the request, refusing with the field's path."""

    def __init__(self, data: Any, where: str, offset: timedelta, *, root: bool = False) -> None:
        if not isinstance(data, dict):
            name = where.rstrip(".") or "the body"
            kind = type(data).__name__ if data is not None else "null"
            if root:
                raise bad_request(f"{name} must be an object, not {kind}")
            raise invalid(f"{name} must be an object, not {kind}", where.rstrip(".") or None)
        self.data: Mapping[str, Any] = data
        self.where = where
        self.offset = offset

    def path(self, key: str) -> str:
        return f"{self.where}{key}"

    def fail(self, key: str, problem: str) -> RestError:
        return invalid(f"{self.path(key)} {problem}", self.path(key))

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def string(self, key: str, *, required: bool = False, max_length: int | None = None) -> Any:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_kind(value)}")
        if required and not value.strip():
            raise self.fail(key, "must not be empty")
        if max_length is not None and len(value) > max_length:
            raise self.fail(key, f"must be at most {max_length} characters")
        return value

    def boolean(self, key: str, default: bool = False) -> bool:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_kind(value)}")
        return value

    def integer(
        self, key: str, *, required: bool = False, low: int | None = None, high: int | None = None
    ) -> int | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(key, f"must be a whole number, not {_kind(value)}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(key, f"must be between {low} and {high}, not {value}")
        return value

    def choice(self, key: str, choices: Sequence[str], *, required: bool = False) -> Any:
        value = self.string(key, required=required)
        if value is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def child(self, key: str, *, required: bool = False) -> Reader | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return None
        return Reader(value, f"{self.where}{key}.", self.offset)

    def items(self, key: str, *, required: bool = False) -> list[Any]:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.fail(key, "is required")
            return []
        if not isinstance(value, list):
            raise self.fail(key, f"must be an array, not {_kind(value)}")
        if required and not value:
            raise self.fail(key, "must not be empty")
        return value

    def moment(self, key: str) -> datetime | None:
        value = self.string(key)
        if value is None:
            return None
        try:
            return parse_time(value, self.offset)
        except ValueError:
            raise self.fail(key, f"is not a date and time: {value!r}") from None


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


# -- parts shared by the generations ---------------------------------------------------------------
def _notify_type(reader: Reader, key: str) -> str:
    return str(reader.choice(key, (JSON, XML)) or JSON)


def _url(reader: Reader, key: str) -> str | None:
    value: str | None = reader.string(key)
    if value is None or not value.strip():
        return None
    if not re.match(r"https?://[^\s/]+", value.strip(), re.IGNORECASE):
        raise reader.fail(key, f"must be an http(s) URL, not {value!r}")
    return value.strip()


def _window(reader: Reader | None) -> TimeWindow | None:
    if reader is None:
        return None
    days = reader.items("days", required=True)
    picked: set[int] = set()
    for index, day in enumerate(days):
        if day not in DAYS:
            raise reader.fail(f"days[{index}]", f"must be one of {', '.join(DAYS)}")
        picked.add(DAYS.index(day))

    def minutes(key: str) -> int | None:
        part = reader.child(key)
        if part is None:
            return None
        hour = part.integer("hour", required=True, low=0, high=23)
        minute = part.integer("minute", required=True, low=0, high=59)
        assert hour is not None and minute is not None
        return hour * 60 + minute

    start, end = minutes("from"), minutes("to")
    if (start is None) != (end is None):
        raise reader.fail("from", "and to go together")
    if start is not None and end is not None and start >= end:
        raise reader.fail("to", "must come after from")
    return TimeWindow(
        days=frozenset(picked),
        start=0 if start is None else start,
        end=24 * 60 if end is None else end,
    )


def _speed(reader: Reader | None) -> tuple[int, timedelta] | None:
    if reader is None:
        return None
    amount = reader.integer("amount", required=True, low=1, high=10**9)
    unit = reader.choice("timeUnit", tuple(_SPEED_UNITS)) or "MINUTE"
    assert amount is not None
    return amount, _SPEED_UNITS[unit]


def _destinations(reader: Reader, key: str, *, v3: bool) -> list[Destination]:
    found = []
    for index, item in enumerate(reader.items(key, required=True)):
        entry = Reader(item, f"{reader.path(key)}[{index}].", reader.offset)
        to = entry.string("to", required=True, max_length=64)
        message_id = entry.string("messageId", max_length=200 if v3 else None)
        if v3:
            entry.integer("networkId")
        found.append(Destination(to=to.strip(), message_id=message_id or None))
    return found


def _regional(reader: Reader | None) -> dict[str, Any] | None:
    if reader is None:
        return None
    india = reader.child("indiaDlt")
    if india is not None:
        india.string("principalEntityId", required=True)
        india.string("contentTemplateId")
        india.string("telemarketerId")
    turkey = reader.child("turkeyIys")
    if turkey is not None:
        turkey.integer("brandCode")
        turkey.choice("recipientType", ("BIREYSEL", "TACIR"), required=True)
    korea = reader.child("southKorea")
    if korea is not None:
        korea.string("title", max_length=66)
        korea.integer("resellerCode")
    return dict(reader.data)


def _binary(reader: Reader) -> tuple[bytes, int, int]:
    hex_text = reader.string("hex", required=True)
    if _HEX.fullmatch(hex_text.strip()) is None:
        raise reader.fail("hex", "must be pairs of hexadecimal digits")
    data = bytes.fromhex("".join(hex_text.split()))
    data_coding = reader.integer("dataCoding", low=0, high=255) or 0
    esm_class = reader.integer("esmClass", low=0, high=255) or 0
    return data, data_coding, esm_class


def _send_at(reader: Reader, key: str, now: datetime) -> datetime | None:
    when = reader.moment(key)
    if when is not None and when > now + MAX_SCHEDULE:
        raise reader.fail(key, "must be at most 180 days ahead")
    return when


def _validity_minutes(reader: Reader, key: str) -> timedelta | None:
    minutes = reader.integer(key, low=1, high=10**9)
    return None if minutes is None else min(timedelta(minutes=minutes), MAX_VALIDITY)


# -- v1 ----------------------------------------------------------------------------------------
def read_v1(data: Any, *, multi: bool, offset: timedelta) -> Batch:
    """``/sms/1/text/single`` and ``/sms/1/text/multi`` (the MiMSMS document)."""
    body = Reader(data, "", offset, root=True)
    if not multi:
        return Batch(generation=1, messages=[_v1_message(body, "")])
    bulk_id = body.string("bulkId")
    if bulk_id is not None and not bulk_id.strip():
        raise body.fail("bulkId", "must not be empty")
    messages = body.data.get("messages")
    if isinstance(messages, dict):  # one <message> in XML reads as an object
        messages = [messages.get("message", messages)]
    if not isinstance(messages, list) or not messages:
        raise invalid("messages must be a non-empty array", "messages")
    return Batch(
        generation=1,
        bulk_id=bulk_id,
        messages=[
            _v1_message(Reader(item, f"messages[{index}].", offset), f"messages[{index}].")
            for index, item in enumerate(messages)
        ],
    )


def _v1_message(reader: Reader, where: str) -> Outgoing:
    to: Any = reader.data.get("to")
    if isinstance(to, dict) and "to" in to:  # <to><to>..</to></to> with one child
        to = to["to"]
    if isinstance(to, str):
        destinations = [to]
    elif isinstance(to, list) and to:
        if not all(isinstance(d, str) for d in to):
            raise reader.fail("to", "must hold strings")
        destinations = list(to)
    elif to is None or to == []:
        raise reader.fail("to", "is missing or empty")
    else:
        raise reader.fail("to", f"must be a string or an array of strings, not {_kind(to)}")
    return Outgoing(
        where=where,
        sender=reader.string("from"),
        destinations=[Destination(to=d) for d in destinations],
        text=reader.string("text") or "",
        notify_url=reader.string("notifyUrl") or None,
        notify_content_type=_notify_type(reader, "notifyContentType"),
        callback_data=reader.string("callbackData"),
    )


# -- v2 ----------------------------------------------------------------------------------------
def read_v2(data: Any, *, binary: bool, now: datetime, offset: timedelta) -> Batch:
    """``/sms/2/text/advanced`` and ``/sms/2/binary/advanced`` (SDK 3.x)."""
    body = Reader(data, "", offset, root=True)
    messages = []
    for index, item in enumerate(body.items("messages", required=True)):
        reader = Reader(item, f"messages[{index}].", offset)
        message = Outgoing(
            where=reader.where,
            sender=reader.string("from"),
            destinations=_destinations(reader, "destinations", v3=False),
            flash=reader.boolean("flash"),
            send_at=_send_at(reader, "sendAt", now),
            validity=_validity_minutes(reader, "validityPeriod"),
            window=_window(reader.child("deliveryTimeWindow")),
            notify_url=_url(reader, "notifyUrl"),
            notify_content_type=_notify_type(reader, "notifyContentType"),
            intermediate=reader.boolean("intermediateReport"),
            callback_data=reader.string("callbackData", max_length=4000),
            regional=_regional(reader.child("regional")),
            entity_id=reader.string("entityId", max_length=255),
            application_id=reader.string("applicationId", max_length=255),
        )
        if binary:
            content = reader.child("binary", required=True)
            assert content is not None
            message.binary, message.data_coding, message.esm_class = _binary(content)
        else:
            message.text = reader.string("text") or ""
            message.transliteration = reader.choice("transliteration", TRANSLITERATIONS)
            language = reader.child("language")
            if language is not None:
                message.language = language.choice("languageCode", LANGUAGE_CODES)
        messages.append(message)
    bulk_id = body.string("bulkId", max_length=100)
    tracking = body.child("tracking")
    if tracking is not None:
        for key in ("baseUrl", "processKey", "track", "type"):
            tracking.string(key)
    return Batch(
        generation=2,
        messages=messages,
        bulk_id=bulk_id or None,
        speed=_speed(body.child("sendingSpeedLimit")),
        tracking=None if tracking is None else dict(tracking.data),
    )


# -- v3 ----------------------------------------------------------------------------------------
def read_v3(data: Any, *, now: datetime, offset: timedelta) -> Batch:
    """``/sms/3/messages`` (SDK 6.x)."""
    body = Reader(data, "", offset, root=True)
    messages = [
        _v3_message(Reader(item, f"messages[{index}].", offset), now)
        for index, item in enumerate(body.items("messages", required=True))
    ]
    batch = Batch(generation=3, messages=messages)
    options = body.child("options")
    if options is None:
        return batch
    schedule = options.child("schedule")
    if schedule is not None:
        bulk_id = schedule.string("bulkId", max_length=100)
        batch.bulk_id = bulk_id or None
        batch.send_at = _send_at(schedule, "sendAt", now)
        batch.speed = _speed(schedule.child("sendingSpeedLimit"))
    tracking = options.child("tracking")
    if tracking is not None:
        for key in ("shortenUrl", "trackClicks", "removeProtocol"):
            tracking.boolean(key)
        for key in ("trackingUrl", "customDomain"):
            tracking.string(key)
        batch.url_options = dict(tracking.data)
    conversion = options.child("conversionTracking")
    if conversion is not None:
        conversion.boolean("useConversionTracking")
        conversion.string("conversionTrackingName")
        batch.tracking = dict(conversion.data)
    batch.include_count = options.boolean("includeSmsCountInResponse")
    return batch


def _v3_message(reader: Reader, now: datetime) -> Outgoing:
    message = Outgoing(
        where=reader.where,
        sender=reader.string("sender"),
        destinations=_destinations(reader, "destinations", v3=True),
    )
    content = reader.child("content", required=True)
    assert content is not None
    if content.has("hex"):
        message.binary, message.data_coding, message.esm_class = _binary(content)
    else:
        message.text = content.string("text", required=False) or ""
        if not content.has("text"):
            raise content.fail("text", "is required (or hex for binary content)")
        message.transliteration = content.choice("transliteration", TRANSLITERATIONS)
        language = content.child("language")
        if language is not None:
            message.language = language.choice("languageCode", LANGUAGE_CODES)
            language.boolean("singleShift")
            language.boolean("lockingShift")
    options = reader.child("options")
    if options is not None:
        platform = options.child("platform")
        if platform is not None:
            message.entity_id = platform.string("entityId", max_length=255)
            message.application_id = platform.string("applicationId", max_length=255)
        validity = options.child("validityPeriod")
        if validity is not None:
            amount = validity.integer("amount", required=True, low=1, high=10**9)
            unit = validity.choice("timeUnit", tuple(_VALIDITY_UNITS)) or "MINUTES"
            assert amount is not None
            message.validity = min(amount * _VALIDITY_UNITS[unit], MAX_VALIDITY)
        message.window = _window(options.child("deliveryTimeWindow"))
        message.campaign_reference_id = options.string("campaignReferenceId", max_length=255)
        message.regional = _regional(options.child("regional"))
        message.flash = options.boolean("flash")
    webhooks = reader.child("webhooks")
    if webhooks is not None:
        delivery = webhooks.child("delivery")
        if delivery is not None:
            message.notify_url = _url(delivery, "url")
            message.intermediate = delivery.boolean("intermediateReport")
            message.notify = delivery.boolean("notify", default=True)
        message.notify_content_type = _notify_type(webhooks, "contentType")
        message.callback_data = webhooks.string("callbackData", max_length=4000)
    return message
