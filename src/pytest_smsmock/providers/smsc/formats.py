"""SMSC.ru answers in the four formats (`fmt` 0 text, 1 numbers, 2 XML, 3 JSON). Pure: values in,
text out (the fake encodes it with the request's charset).

The status answers follow the document's layouts exactly: `LAYOUTS` holds, for every (kind, fmt,
all), the fields in the document's order, and fmt 0 the label the document prints before each.
Where the document's fmt 0/1 layouts differ from one another (fmt 1 all=2 has no `mccmnc` and no
`operator_orig`; HLR fmt 0 says `check_time` for the date) the difference is kept.

The document prints two typing slips in its layouts: `operator_orig= ` without a space before the
`=` (fmt 0, all=2) and `, ` with a space between some fmt 1 fields. The real server is not known
to do either; `documented_spacing=True` reproduces them (off by default), so a client's parser
can be proven against the document's literal text.

Multiple ids: fmt 0/1 one line per message, fmt 2 the `<sms>` elements inside `<list>`, fmt 3 a
JSON array. Each item also carries `id` (and `phone` when all=0), appended after the fields of the
single layout (the document says they are added, not where; appending keeps the single layout a
prefix, which is what positional fmt 1 parsers need).

XML is built as text with escaping (no declaration, as the document shows none); characters that
XML 1.0 cannot carry are replaced by `?`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from pytest_smsmock.core.frozen import value_class

__all__ = [
    "JSON_NUMBERS",
    "LAYOUTS",
    "PhoneInfo",
    "render_balance",
    "render_cost",
    "render_error",
    "render_send",
    "render_status",
    "render_status_list",
]

SMS = "sms"
HLR = "hlr"

# fmt 0 labels: (label, field). The label is what the document prints before ` = `.
_F0_SMS_BASE = (("Status", "status"), ("check_time", "last_date"), ("err", "err"))
_F0_SMS_ALL1 = (
    ("send_date", "send_date"),
    ("phone", "phone"),
    ("cost", "cost"),
    ("sender_id", "sender_id"),
    ("status_name", "status_name"),
    ("message", "message"),
    ("comment", "comment"),
    ("type", "type"),
)
_F0_SMS_ALL2 = (
    ("send_date", "send_date"),
    ("phone", "phone"),
    ("mccmnc", "mccmnc"),
    ("country", "country"),
    ("operator", "operator"),
    ("operator_orig", "operator_orig"),
    ("region", "region"),
    ("cost", "cost"),
    ("sender_id", "sender_id"),
    ("status_name", "status_name"),
    ("message", "message"),
    ("comment", "comment"),
    ("type", "type"),
)
_HLR_FIELDS = ("imsi", "msc", "mcc", "mnc", "cn", "net", "rcn", "rnet")
_F0_HLR_BASE = (
    ("Status", "status"),
    ("check_time", "last_date"),
    ("err", "err"),
    *((name, name) for name in _HLR_FIELDS),
)
_F0_HLR_ALL1 = (
    ("send_date", "send_date"),
    ("phone", "phone"),
    ("cost", "cost"),
    ("sender_id", "sender_id"),
    ("status_name", "status_name"),
    ("message", "message"),
    ("type", "type"),
)
_F0_HLR_ALL2 = (
    ("send_date", "send_date"),
    ("phone", "phone"),
    ("country", "country"),
    ("operator", "operator"),
    ("region", "region"),
    ("cost", "cost"),
    ("sender_id", "sender_id"),
    ("status_name", "status_name"),
    ("message", "message"),
    ("type", "type"),
)

_F1_SMS_BASE = ("status", "last_timestamp", "err")
_F1_SMS_ALL1 = (
    "send_timestamp",
    "phone",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "comment",
    "type",
)
_F1_SMS_ALL2 = (
    "send_timestamp",
    "phone",
    "country",
    "operator",
    "region",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "comment",
    "type",
)
_F1_HLR_BASE = ("status", "last_timestamp", "err", *_HLR_FIELDS)
_F1_HLR_ALL1 = ("send_timestamp", "phone", "cost", "sender_id", "status_name", "message", "type")
_F1_HLR_ALL2 = (
    "send_timestamp",
    "phone",
    "country",
    "operator",
    "region",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "type",
)

_F23_SMS_BASE = ("status", "last_date", "last_timestamp", "flag", "err")
_F23_SMS_ALL1 = (
    "send_date",
    "send_timestamp",
    "phone",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "comment",
    "type",
    "sms_cnt",
)
_F23_SMS_ALL2 = (
    "send_date",
    "send_timestamp",
    "phone",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "comment",
    "mccmnc",
    "country",
    "operator",
    "operator_orig",
    "region",
    "type",
    "sms_cnt",
)
_F23_HLR_BASE = ("status", "last_date", "last_timestamp", "flag", "err", *_HLR_FIELDS)
_F23_HLR_ALL1 = (
    "send_date",
    "send_timestamp",
    "phone",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "type",
)
_F23_HLR_ALL2 = (
    "send_date",
    "send_timestamp",
    "phone",
    "cost",
    "sender_id",
    "status_name",
    "message",
    "country",
    "operator",
    "region",
    "type",
)


def _labels(fields: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((name, name) for name in fields)


LAYOUTS: dict[tuple[str, int, int], tuple[tuple[str, str], ...]] = {
    (SMS, 0, 0): _F0_SMS_BASE,
    (SMS, 0, 1): _F0_SMS_BASE + _F0_SMS_ALL1,
    (SMS, 0, 2): _F0_SMS_BASE + _F0_SMS_ALL2,
    (SMS, 1, 0): _labels(_F1_SMS_BASE),
    (SMS, 1, 1): _labels(_F1_SMS_BASE + _F1_SMS_ALL1),
    (SMS, 1, 2): _labels(_F1_SMS_BASE + _F1_SMS_ALL2),
    (HLR, 0, 0): _F0_HLR_BASE,
    (HLR, 0, 1): _F0_HLR_BASE + _F0_HLR_ALL1,
    (HLR, 0, 2): _F0_HLR_BASE + _F0_HLR_ALL2,
    (HLR, 1, 0): _labels(_F1_HLR_BASE),
    (HLR, 1, 1): _labels(_F1_HLR_BASE + _F1_HLR_ALL1),
    (HLR, 1, 2): _labels(_F1_HLR_BASE + _F1_HLR_ALL2),
}
for _fmt in (2, 3):
    LAYOUTS[(SMS, _fmt, 0)] = _labels(_F23_SMS_BASE)
    LAYOUTS[(SMS, _fmt, 1)] = _labels(_F23_SMS_BASE + _F23_SMS_ALL1)
    LAYOUTS[(SMS, _fmt, 2)] = _labels(_F23_SMS_BASE + _F23_SMS_ALL2)
    LAYOUTS[(HLR, _fmt, 0)] = _labels(_F23_HLR_BASE)
    LAYOUTS[(HLR, _fmt, 1)] = _labels(_F23_HLR_BASE + _F23_HLR_ALL1)
    LAYOUTS[(HLR, _fmt, 2)] = _labels(_F23_HLR_BASE + _F23_HLR_ALL2)

# Fields the document's JSON layouts print without quotes.
JSON_NUMBERS = frozenset(
    {"status", "last_timestamp", "flag", "err", "send_timestamp", "type", "sms_cnt", "id"}
)

# fmt 1 fields the document prints after ", " (with a space): see the module docstring.
_F1_SPACED = {(SMS, 1): {"comment", "type"}, (SMS, 2): {"comment", "type"}}
_F1_SPACED_HLR = {"send_timestamp"}

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_text(value: object) -> str:
    return escape(_XML_INVALID.sub("?", str(value)))


def _json_value(field: str, value: object) -> object:
    if field in JSON_NUMBERS:
        if isinstance(value, int):
            return value
        try:
            return int(str(value))
        except ValueError:
            return str(value)
    return str(value)


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def money(value: Decimal) -> str:
    """A price or balance as SMSC prints it: no exponent, no trailing zeros (`3.5`, `996.5`)."""
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


# -- errors ---------------------------------------------------------------------------------
def render_error(code: int, description: str, fmt: int, *, message_id: int | None = None) -> str:
    """`ERROR = N (description)`, `0,-N`, `<result>...`, `{"error", "error_code"}`; send errors
    about one message (3, 6, 7, 8) carry its id."""
    if fmt == 1:
        return f"{message_id if message_id is not None else 0},-{code}"
    if fmt == 2:
        extra = f"<id>{message_id}</id>\n" if message_id is not None else ""
        return (
            f"<result>\n<error>{_xml_text(description)}</error>\n"
            f"<error_code>{code}</error_code>\n{extra}</result>"
        )
    if fmt == 3:
        body: dict[str, object] = {"error": description, "error_code": code}
        if message_id is not None:
            body["id"] = message_id
        return _dumps(body)
    text = f"ERROR = {code} ({description})"
    if message_id is not None:
        text += f", ID - {message_id}"
    return text


# -- send -----------------------------------------------------------------------------------
@value_class
class PhoneInfo:
    """One recipient in the `op=1` / `err=1` lists of a send answer."""

    phone: str
    mccmnc: str
    cost: str
    status: int | None = None  # an SMSC status code, for numbers that failed
    error: int | None = None  # the delivery error code that goes with it


def _phones_lines(phones: Sequence[PhoneInfo], fmt: int) -> list[str]:
    # The layouts of the op/err lists are not in the document nor in the public clients we
    # know beyond their JSON keys (phone, mccmnc, cost, status, error); fmt 0/1/2 follow the
    # shape of the rest of each format.
    lines = []
    for item in phones:
        if fmt == 1:
            row = [item.phone, item.mccmnc, item.cost]
            if item.status is not None:
                row += [str(item.status), str(item.error or 0)]
            lines.append(",".join(row))
        else:
            text = f"{item.phone} - {item.mccmnc}, {item.cost}"
            if item.status is not None:
                text += f", {item.status}, {item.error or 0}"
            lines.append(text)
    return lines


def _phones_xml(phones: Sequence[PhoneInfo]) -> str:
    items = []
    for item in phones:
        parts = [
            f"<phone>{_xml_text(item.phone)}</phone>",
            f"<mccmnc>{_xml_text(item.mccmnc)}</mccmnc>",
            f"<cost>{_xml_text(item.cost)}</cost>",
        ]
        if item.status is not None:
            parts += [f"<status>{item.status}</status>", f"<error>{item.error or 0}</error>"]
        items.append("<item>\n" + "\n".join(parts) + "\n</item>")
    return "<phones>\n" + "\n".join(items) + "\n</phones>\n"


def _phones_json(phones: Sequence[PhoneInfo]) -> list[dict[str, str]]:
    out = []
    for item in phones:
        entry = {"phone": item.phone, "mccmnc": item.mccmnc, "cost": item.cost}
        if item.status is not None:
            entry["status"] = str(item.status)
            entry["error"] = str(item.error or 0)
        out.append(entry)
    return out


def render_send(
    fmt: int,
    cost_mode: int,
    *,
    message_id: int,
    count: int,
    cost: str,
    balance: str,
    phones: Sequence[PhoneInfo] = (),
) -> str:
    """The answer to an accepted send; `cost_mode` 0 plain, 2 with cost, 3 with cost and the
    new balance (cost=1 never sends: `render_cost`)."""
    with_cost = cost_mode >= 2
    with_balance = cost_mode == 3
    if fmt == 1:
        fields = [str(message_id), str(count)]
        if with_cost:
            fields.append(cost)
        if with_balance:
            fields.append(balance)
        return "\n".join([",".join(fields), *_phones_lines(phones, 1)])
    if fmt == 2:
        body = f"<result>\n<id>{message_id}</id>\n<cnt>{count}</cnt>\n"
        if with_cost:
            body += f"<cost>{cost}</cost>\n"
        if with_balance:
            body += f"<balance>{balance}</balance>\n"
        if phones:
            body += _phones_xml(phones)
        return body + "</result>"
    if fmt == 3:
        answer: dict[str, Any] = {"id": message_id, "cnt": count}
        if with_cost:
            answer["cost"] = cost
        if with_balance:
            answer["balance"] = balance
        if phones:
            answer["phones"] = _phones_json(phones)
        return _dumps(answer)
    text = f"OK - {count} SMS, ID - {message_id}"
    if with_cost:
        text += f", COST - {cost}"
    if with_balance:
        text += f", BALANCE - {balance}"
    return "\n".join([text, *_phones_lines(phones, 0)])


def render_cost(fmt: int, *, count: int, cost: str, phones: Sequence[PhoneInfo] = ()) -> str:
    """The answer to `cost=1`: what the send would cost, nothing sent."""
    if fmt == 1:
        return "\n".join([f"{cost},{count}", *_phones_lines(phones, 1)])
    if fmt == 2:
        extra = _phones_xml(phones) if phones else ""
        return f"<result>\n<cost>{cost}</cost>\n<cnt>{count}</cnt>\n{extra}</result>"
    if fmt == 3:
        answer: dict[str, Any] = {"cost": cost, "cnt": count}
        if phones:
            answer["phones"] = _phones_json(phones)
        return _dumps(answer)
    return "\n".join([f"OK - {count} SMS, COST - {cost}", *_phones_lines(phones, 0)])


# -- balance --------------------------------------------------------------------------------
def render_balance(fmt: int, balance: str, currency: str | None) -> str:
    if fmt == 2:
        extra = f"<currency>{_xml_text(currency)}</currency>\n" if currency else ""
        return f"<result>\n<balance>{balance}</balance>\n{extra}</result>"
    if fmt == 3:
        answer = {"balance": balance}
        if currency:
            answer["currency"] = currency
        return _dumps(answer)
    return f"{balance},{currency}" if currency else balance


# -- status ---------------------------------------------------------------------------------
def _f0(pairs: Sequence[tuple[str, object]], documented_spacing: bool) -> str:
    out = []
    for label, value in pairs:
        sep = "= " if documented_spacing and label == "operator_orig" else " = "
        out.append(f"{label}{sep}{value}")
    return ", ".join(out)


def _f1(kind: str, all_: int, pairs: Sequence[tuple[str, object]], spacing: bool) -> str:
    text = ""
    spaced = _F1_SPACED.get((kind, all_), set()) if kind == SMS else _F1_SPACED_HLR
    for index, (field, value) in enumerate(pairs):
        if index:
            text += ", " if spacing and field in spaced else ","
        text += str(value)
    return text


def _f2(pairs: Sequence[tuple[str, object]]) -> str:
    inner = "\n".join(f"<{field}>{_xml_text(value)}</{field}>" for field, value in pairs)
    return f"<sms>\n{inner}\n</sms>"


def _pairs(
    kind: str, fmt: int, all_: int, record: Mapping[str, object]
) -> list[tuple[str, object]]:
    return [(label, record[field]) for label, field in LAYOUTS[(kind, fmt, all_)]]


def _extras(all_: int, record: Mapping[str, object]) -> list[tuple[str, object]]:
    extras: list[tuple[str, object]] = [("id", record["id"])]
    if all_ == 0:
        extras.append(("phone", record["phone"]))
    return extras


def render_status(
    kind: str,
    fmt: int,
    all_: int,
    record: Mapping[str, object] | None,
    *,
    listed: bool = False,
    ref: Mapping[str, object] | None = None,
    documented_spacing: bool = False,
) -> str:
    """One status answer (one line / `<sms>` / JSON object).

    `record` holds every field of the layouts (`LAYOUTS`); None is a message that is not found
    or archived: status -3 alone in fmt 0/2/3, the regular SMS layout in fmt 1, as the document
    says. `listed` adds the multiple-request extras (`ref` carries `id` and `phone`).
    """
    if record is None:
        ref = ref or {}
        if fmt == 1:
            blank: dict[str, object] = {
                field: 0 if field in JSON_NUMBERS else "" for _, field in LAYOUTS[(SMS, 1, all_)]
            }
            blank["status"] = -3
            if all_:
                blank["phone"] = ref.get("phone", "")
            pairs = _pairs(SMS, 1, all_, blank)
        else:
            pairs = [("Status" if fmt == 0 else "status", -3)]
        kind = SMS
        full = {**ref}
    else:
        pairs = _pairs(kind, fmt, all_, record)
        full = {**record}
    if listed:
        pairs += _extras(all_, {"id": full.get("id", ""), "phone": full.get("phone", "")})
    if fmt == 0:
        return _f0(pairs, documented_spacing)
    if fmt == 1:
        return _f1(kind, all_, pairs, documented_spacing)
    if fmt == 2:
        return _f2(pairs)
    return _dumps({field: _json_value(field, value) for field, value in pairs})


def render_status_list(items: Sequence[str], fmt: int) -> str:
    """Several rendered statuses: lines (fmt 0/1), `<list>` (fmt 2), a JSON array (fmt 3)."""
    if fmt == 2:
        return "<list>\n" + "\n".join(items) + "\n</list>"
    if fmt == 3:
        return "[" + ", ".join(items) + "]"
    return "\n".join(items)
