"""The websmpp HTTP(S) API: send, group send, status, balance, coverage and DLR report downloads.

Answers follow the document: ``Response: <id>`` or, with ``respformat=json``,
``{"Response":["<id>"]}``; failures ``ERROR - HTTPnn --> <description>``, always HTTP 200.
Where the document is silent:

- a send to several numbers answers one message id per number, in order (comma-separated in
  the plain answer, one list item each in JSON: the JSON answer is a list for that reason);
- with ``respformat=json`` errors come wrapped the same way, ``{"Response":["ERROR - ..."]}``;
- the status and balance answers use the send answer's shape: ``Response: DELIVRD``,
  ``Response: 998.000`` (balance with three decimals, as Jordanian amounts are written);
- `websmsstatus` needs no credentials (the document shows none): a malformed `respid` answers
  HTTP08, an unknown one HTTP25;
- the document lists HTTP19 Invalid DATA CODING SCHEME, HTTP20 Invalid ESM and HTTP21 Invalid
  HEADER but shows no parameter that could carry a data coding, an ESM class or a UDH. The fake
  invents none: HTTP19 answers a text its `type` cannot carry (type 2 not UCS-2 hex, types 1 and
  3 outside the GSM alphabet); HTTP20 and HTTP21 have no cause here and are only given by a
  scenario's ``respond``. Parameters the gateway does not know are ignored;
- the address-book `limit` caps the numbers taken from each group; groups expand on the
  server, so the 100-number limit of GET does not apply to them (10000 does);
- the DLR report (XLSX) has the web DLR's columns, plus `Content` with ``is_content=1``, and
  answers HTTP25 when no message matches.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Final

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.providers.broadnet.coverage import networks
from pytest_smsmock.providers.broadnet.dlr import dlr_stamp
from pytest_smsmock.providers.broadnet.files import (
    Download,
    csv_file,
    pdf_file,
    xls_file,
    xlsx_file,
)
from pytest_smsmock.providers.broadnet.jsonapi import json_answer
from pytest_smsmock.providers.broadnet.model import BroadnetModel
from pytest_smsmock.providers.broadnet.options import AccountSettings
from pytest_smsmock.providers.broadnet.status import Rejection, error_line, reported_status
from pytest_smsmock.providers.broadnet.submit import (
    Recipient,
    check_sender,
    parse_schedule,
    parse_type,
    submit,
)
from pytest_smsmock.providers.http_faults import faulted

__all__ = ["handle", "parse_numbers"]

GET_LIMIT: Final = 100
POST_LIMIT: Final = 10000

Params = MultiDict[str, str]


def handle(fake: BroadnetModel, request: Request, action: str) -> Response:
    as_json = False
    try:
        if request.method not in ("GET", "POST"):
            raise Rejection("HTTP16", "002", f"method {request.method} is not GET or POST")
        params: Params = MultiDict(request.args)
        if request.method == "POST":
            for key, value in request.form.items(multi=True):
                params.add(key, value)
        as_json = (params.get("respformat") or "").strip().lower() == "json"
        return _ACTIONS[action](fake, request, params, as_json)
    except Rejection as exc:
        fake.journal.record(fake.name, "http", "event", f"refused: {exc}")
        return _answer([error_line(exc.http)], as_json, plain=error_line(exc.http))


def _answer(items: list[str], as_json: bool, *, plain: str | None = None) -> Response:
    if as_json:
        return json_answer({"Response": items})  # {"Response":["<id>"]}, as printed
    body = plain if plain is not None else "Response: " + ",".join(items)
    return Response(body, status=200, mimetype="text/plain")


def _get(params: Params, name: str) -> str | None:
    value = params.get(name)
    return value if value is not None else None


def _required(params: Params, *names: str) -> list[str]:
    values = []
    for name in names:
        value = params.get(name)
        if value is None or value.strip() == "":
            raise Rejection("HTTP02", "002", f"mandatory parameter {name} is missing")
        values.append(value)
    return values


def _login(
    fake: BroadnetModel, request: Request, params: Params, user: str, password: str
) -> tuple[Account, AccountSettings]:
    key = params.get("accesskey")
    return fake.login(
        params.get(user), params.get(password), key.strip() if key else None, request.remote_addr
    )


def parse_numbers(raw: str) -> list[str]:
    """A comma-separated destination list; empty items (``a,,b``, a trailing comma) are skipped."""
    return [item.strip() for item in raw.split(",") if item.strip()]


def _send(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    sid, mno, mtype_raw, text = _required(params, "sid", "mno", "type", "text")
    _required_auth(params, "user", "pass")
    account, config = _login(fake, request, params, "user", "pass")
    numbers = parse_numbers(",".join(params.getlist("mno")) if mno else "")
    return _submit(fake, request, params, as_json, account, config, sid, numbers, mtype_raw, text)


def _groupsms(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    sid, group, mtype_raw, text = _required(params, "sid", "group", "type", "text")
    _required_auth(params, "user", "pass")
    account, config = _login(fake, request, params, "user", "pass")
    limit = _limit(params.get("limit"))
    numbers: list[str] = []
    for name in parse_numbers(",".join(params.getlist("group")) if group else ""):
        if name not in config.groups:
            raise Rejection("HTTP09", "005", f"no address-book group {name!r}")
        members = list(config.groups[name])
        numbers.extend(members if limit is None else members[:limit])
    return _submit(
        fake, request, params, as_json, account, config, sid, numbers, mtype_raw, text, group=True
    )


def _limit(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise Rejection("HTTP02", "002", f"limit {raw!r} is not a positive number")
    return int(text)


def _required_auth(params: Params, user: str, password: str) -> None:
    key = params.get("accesskey")
    if key is not None and key.strip():
        return
    _required(params, user, password)


def _submit(
    fake: BroadnetModel,
    request: Request,
    params: Params,
    as_json: bool,
    account: Account,
    config: AccountSettings,
    sid: str,
    numbers: list[str],
    mtype_raw: str,
    text: str,
    *,
    group: bool = False,
) -> Response:
    sender = check_sender(sid, config)
    mtype = parse_type(mtype_raw)
    limit = POST_LIMIT if group or request.method == "POST" else GET_LIMIT
    if len(numbers) > limit:
        raise Rejection("HTTP24", "002", f"{len(numbers)} destinations; at most {limit}")
    if not numbers:
        raise Rejection("HTTP10", "002", "no destination number")
    scheduled = None
    schtime = params.get("schtime")
    if schtime is not None and schtime.strip():
        scheduled = parse_schedule(schtime, params.get("gmt"), config.tz, fake.clock.now())
    entries, fault = submit(
        fake,
        account=account,
        settings=config,
        sender=sender,
        recipients=[Recipient(msisdn=n, text=text) for n in numbers],
        mtype=mtype,
        api="websms-group" if group else "websms",
        scheduled_at=scheduled,
    )
    if not entries:
        return faulted(fault, None)
    return faulted(fault, _answer([e.message_id or "" for e in entries], as_json))


def _status(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    (respid,) = _required(params, "respid")
    if fake.maintenance:
        raise Rejection("HTTP11", "007", "the service is in maintenance")
    respid = respid.strip()
    if not respid.isascii() or not respid.isdigit():
        raise Rejection("HTTP08", "052", f"respid {respid!r} is not a message id")
    message = fake.messages.get(respid)
    if message is None:
        raise Rejection("HTTP25", "053", f"no message {respid}")
    return _answer([reported_status(message)], as_json)


def _balance(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    _required_auth(params, "userid", "password")
    account, _ = _login(fake, request, params, "userid", "password")
    return _answer([_amount(account.balance)], as_json)


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.001')):f}"


_COVERAGE_HEADER: Final = ("Country", "ISO", "Dial Code", "Operator", "MCC", "MNC", "Price")


def _coverage(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    _required_auth(params, "userid", "password")
    account, config = _login(fake, request, params, "userid", "password")
    raw = (params.get("format") or "1").strip()
    if raw not in ("1", "2", "3"):
        raise Rejection("HTTP16", "002", f"format {raw!r} is not 1 (XLS), 2 (PDF) or 3 (CSV)")
    price = _amount(config.price)
    rows = [
        (n.country, n.iso, n.dial_code, n.operator, n.mcc, n.mnc, price)
        for n in networks(config.coverage)
    ]
    now = fake.clock.now()
    name = f"coverage_{account.username}"
    download: Download
    if raw == "1":
        download = xls_file(name, "Coverage", _COVERAGE_HEADER, rows)
    elif raw == "2":
        title = f"Coverage of {account.username} ({account.currency} per SMS)"
        download = pdf_file(name, title, _COVERAGE_HEADER, rows, now)
    else:
        download = csv_file(name, _COVERAGE_HEADER, rows)
    return download.response()


_REPORT_HEADER: Final = (
    "MessageId",
    "Source",
    "Destination",
    "Status",
    "SubmitDate",
    "DoneDate",
    "BatchId",
)


def _report_date(raw: str, name: str, config: AccountSettings) -> datetime:
    text = raw.strip()
    if len(text) != 14 or not text.isascii() or not text.isdigit():
        raise Rejection("HTTP16", "002", f"{name} {raw!r} is not yyyyMMddHHmmss")
    try:
        return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=config.tz)
    except ValueError:
        raise Rejection("HTTP16", "002", f"{name} {raw!r} is not a date") from None


def _dlrreport(fake: BroadnetModel, request: Request, params: Params, as_json: bool) -> Response:
    from_raw, to_raw = _required(params, "from_date", "to_date")
    _required_auth(params, "username", "pass")
    account, config = _login(fake, request, params, "username", "pass")
    start = _report_date(from_raw, "from_date", config)
    end = _report_date(to_raw, "to_date", config)
    if start > end:
        raise Rejection("HTTP16", "002", "from_date is after to_date")
    content_raw = params.get("is_content", params.get("Is_content", "0")) or "0"
    if content_raw.strip() not in ("0", "1"):
        raise Rejection("HTTP02", "002", f"is_content {content_raw!r} is not 0 or 1")
    with_content = content_raw.strip() == "1"
    sender = (params.get("sender") or "").strip()
    rows: list[tuple[str, ...]] = []
    for message in fake.messages:
        if message.account != account.username or not start <= message.submitted_at <= end:
            continue
        if sender and message.sender != sender:
            continue
        done = dlr_stamp(message.done_at, config.tz) if message.done_at is not None else ""
        row = (
            message.message_id,
            message.sender,
            message.to,
            reported_status(message),
            dlr_stamp(message.submitted_at, config.tz),
            done,
            message.bulk_id or "",
        )
        rows.append((*row, message.text) if with_content else row)
    if not rows:
        raise Rejection("HTTP25", "053", "no message in the period")
    header = (*_REPORT_HEADER, "Content") if with_content else _REPORT_HEADER
    return xlsx_file("dlr_report", "DLR Report", header, rows, fake.clock.now()).response()


_ACTIONS: Final[dict[str, Callable[[BroadnetModel, Request, Params, bool], Response]]] = {
    "send": _send,
    "groupsms": _groupsms,
    "status": _status,
    "balance": _balance,
    "coverage": _coverage,
    "dlrreport": _dlrreport,
}
