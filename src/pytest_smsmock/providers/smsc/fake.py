"""SMSC.ru (SMS Center): HTTP send, status, balance and HLR API.

Endpoints on `smsmock.smsc.url`, GET or POST (query string, urlencoded or multipart body):

- `/sys/send.php`: send an SMS, flash SMS, binary SMS, WAP-push (`push=1`, `mes` = link and
  title on two lines), HLR request or ping SMS to one or more phones (`phones` + `mes`, or
  `list`: one `phones:message` per line, each line its own text, all under one id); `cost=1`
  only prices it.
- `/sys/status.php`: the status of one or several messages in every layout of the document
  (fmt 0..3 x all 0..2, SMS and HLR), `del=1` deletes.
- `/sys/balance.php`: the account's balance (`cur=1` adds the currency).

Every answer is HTTP 200 in the requested `fmt` and `charset`; errors are the API's codes 1..9.

Messages. SMSC names a message by the pair (id, phone): the id is the client's `id` (1 to
2147483647) or one the server assigns, shared by every phone of one send. The core
`Message.message_id` is `"<id>-<phone>"` (`"<id>-<phone>-<n>"` if a client reuses an id for the
same phone: the newest one answers to status requests, the older stays in `.messages`);
`client_ref` is the id as text, `extra["smsc_id"]` the id as int, `extra["type"]` the SMSC
message type (0 SMS, 1 flash, 2 binary, 3 WAP-push, 4 HLR, 5 ping).

The phones of a send are taken one by one: the readable ones are sent; a number SMSC cannot read
is refused alone with status 22 "invalid number" (err 249, "invalid number format") and one
SMSC cannot deliver to (`undeliverable`) with status 20. Both are free, both are listed with
their status and error in the `err=1` / `op=1` lists of the answer, and both are stored as
messages of the send in that final status: a status request for (id, that phone) answers it,
and the DLR callback reports it on the clock. Only when no phone is readable does the send
fail (error 7, or 8 when none can be delivered to).

Life on the virtual clock (without a scenario): -1 "waiting" on acceptance, 0 "transferred to
operator" after 1 s, 1 "delivered" 5 s after acceptance (the scheduled time with `time=`); a
`valid` lifetime cuts it short with 3 "expired". A scenario may give any plan; its statuses are
canonical or SMSC-native (`SmscFake.resolve_status`: a code such as `20` or a name such as
`"Unable to deliver"`, any case; an unknown one fails at load time with the valid ones listed).
A native status that is not its canonical state's own code (22, 24 for `rejected`; 2, 4 for
`delivered`; 25 for `undeliverable`) is the change's native status and is answered as such; a
numeric `error` is the SMSC `err`, so `{status: 22, error: 249}` answers status 22 with err 249.
A scenario `respond` mapping with `error: N` (1..9) answers send with that API error.

DLRs: every status change is POSTed (form: id, phone, status, err, time) to the account's
`dlr_url`, retried after 1, 5, 15 and 60 minutes on a failure (the real retry schedule is not
public; this one is a plausible guess).

Account options (`smsmock.smsc.add_account(..., price=...)`):
- `price`: cost of one SMS part (default 3.5), `hlr_price` (0.5), `ping_price` (0.5);
- `senders`: the registered sender ids (a list); other senders answer error 6. Unset: any;
- `denied_words`: words that make a text "denied" (error 6);
- `undeliverable`: phone prefixes SMSC cannot deliver to (error 8, or status 20 in a list).
- `allowed_ips`: the addresses that may send (a list); a send from another one answers error 2,
  as the document says. Unset: any.
The password may also be given as its lower-case MD5; `api_key=` enables `apikey=`.

Rate limits (fake attributes, on the virtual clock): more than `status_per_message_limit` (5)
status requests for one message within a minute, more than `mass_status_limit` (1) multiple-id
status request within a minute (sliding windows, see `limits`), `max_concurrent + 1` (5) or
more requests in flight for one login, an identical send twice within `duplicate_window`
(1 min), more than 5 identical `cost=1` requests within a minute: error 9. More than
`error_block_limit` (15) requests answered with error 1 or 2 from one address in a minute
block that address (error 4) for `error_block_for` (10 min); the real thresholds are not public.

Quirk switch: `documented_spacing` (off) reproduces the document's stray spaces in the fmt 0/1
status layouts (see `formats`).

Left out of send.php: the channels that are not SMS (`mms`, `mail`, `call`, `viber`, `soc`, `tg`,
`bot`, `whatsapp`) answer error 1 rather than pass for an SMS; `tinyurl` (the real server
rewrites links, which would change texts and part counts in ways no document pins),
`period`/`freq` (a mass send spread over hours) and `pp` (partner referral) are ignored.

Where neither the document nor public clients say what the server does, the choice is marked
"plausible" in a comment here or in `formats`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar
from urllib.parse import urlencode

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account, to_decimal
from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.encoding import Encoding, EncodingError, segment, split_octets
from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.core.lifecycle import Plan, Transition
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.errors import ConfigError, Refusal
from pytest_smsmock.providers import submission as submission_path
from pytest_smsmock.providers.base import HttpListener, ProviderFake
from pytest_smsmock.providers.http_faults import faulted
from pytest_smsmock.providers.smsc import formats
from pytest_smsmock.providers.smsc.codes import (
    API_ERRORS,
    DELIVERY_ERRORS,
    ERRORS_WITH_ID,
    STATUS_API_ERRORS,
    STATUSES,
    ErrorCode,
    MessageType,
    err_for_gsm,
    native_names,
    resolve_native,
    to_native,
)
from pytest_smsmock.providers.smsc.limits import RateLimits
from pytest_smsmock.providers.smsc.network import lookup
from pytest_smsmock.providers.smsc.params import (
    BadParameter,
    codec,
    decode_params,
    format_date,
    parse_phones,
    parse_time,
    parse_valid,
)
from pytest_smsmock.providers.smsc.translit import transliterate
from pytest_smsmock.providers.smsc.wap import wap_push_si
from pytest_smsmock.providers.submission import Charging, Draft, replaces_answer
from pytest_smsmock.scenario.decisions import SubmitDecision
from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = ["SMSC_PLAN", "SmscFake"]

SMSC_PLAN: Plan = (
    Transition(after=timedelta(seconds=1), status=Status.ENROUTE),
    Transition(after=timedelta(seconds=4), status=Status.DELIVERED),
)

MAX_ID = 2_147_483_647
MAX_TEXT = 1000
ACCOUNT_OPTIONS = frozenset(
    {"price", "hlr_price", "ping_price", "senders", "denied_words", "undeliverable", "allowed_ips"}
)
# Delivery error of a phone SMSC cannot read (status 22): "invalid number format".
INVALID_NUMBER_ERR = 249
# Channels of SMSC's send.php that are not SMS (MMS, e-mail, voice call, Viber, social
# networks, Telegram, WhatsApp): this fake only speaks SMS, so it refuses them with error 1
# rather than pretending to have sent them as SMS.
OTHER_CHANNELS = ("mms", "mail", "call", "viber", "soc", "tg", "bot", "whatsapp")
_MIMETYPES = {0: "text/plain", 1: "text/plain", 2: "text/xml", 3: "application/json"}
_ROUTES = {
    "/sys/send.php": "_send",
    "/sys/status.php": "_status",
    "/sys/balance.php": "_balance",
}


class ApiError(Refusal):
    """An answer with one of the API's error codes (1..9)."""

    def __init__(self, code: int, *, message_id: int | None = None, detail: str = "") -> None:
        super().__init__(detail or API_ERRORS.get(code, str(code)), status=code)
        self.code = code
        self.message_id = message_id


@record_class
class _Ctx:
    params: dict[str, str]
    charset: str
    fmt: int
    address: str
    endpoint: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    fault: HttpFault | SmppFault | None = None  # what the request's submission met


def _int(params: dict[str, str], name: str, default: int, allowed: Iterable[int]) -> int:
    raw = params.get(name, "").strip()
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(ErrorCode.PARAMETERS, detail=f"{name} must be a number") from None
    if value not in allowed:
        raise ApiError(ErrorCode.PARAMETERS, detail=f"{name}={value} is out of range")
    return value


@record_class
class _Group:
    """One text to one or more phones: the `phones`/`mes` pair, or one line of `list`."""

    text: str
    data: bytes | None
    parts: int
    encoding: str
    deliverable: list[str]
    undeliverable: list[str]
    invalid: tuple[str, ...]


def _sources(params: dict[str, str]) -> list[tuple[str, str]]:
    """(phones, message) pairs of a send: `phones` and `mes`, or the lines of `list`.

    `list` sends different texts in one request, one `phones:message` per line (the phones a
    comma or semicolon list, the message everything after the first colon, a line break in it
    written as the two characters `\\n`); `phones` and `mes` are then not needed. Every
    message of the list shares the send's id. SMSC's public description gives the
    `phones:message` lines; the `\\n` escape and the first-colon split are the plausible reading.
    """
    raw_list = params.get("list", "")
    if raw_list.strip():
        pairs = []
        for line in raw_list.replace("\r\n", "\n").split("\n"):
            if not line.strip():
                continue
            phones, colon, mes = line.partition(":")
            if not colon or not phones.strip():
                raise ApiError(ErrorCode.PARAMETERS, detail=f"list: {line!r} is not phones:message")
            pairs.append((phones, mes.replace("\\n", "\n")))
        return pairs
    phones = params.get("phones", "")
    if not phones.strip():
        raise ApiError(ErrorCode.PARAMETERS, detail="no phones")
    return [(phones, params.get("mes", ""))]


def _native(
    message: Message, status: Status, error: int | str | None, native: int | str | None
) -> tuple[int, int]:
    """(SMSC status, err) of `message` in `status`; a refused phone keeps the pair it was
    refused with (22/249 for an unreadable number)."""
    pinned = message.extra.get("smsc_native")
    if pinned is not None and status.final:
        code, err = pinned
        return int(code), int(err)
    return to_native(status, error, native)


def _fmt(params: dict[str, str]) -> int:
    try:
        value = int(params.get("fmt", "0").strip() or "0")
    except ValueError:
        return 0
    return value if value in (0, 1, 2, 3) else 0


class SmscFake(ProviderFake):
    name = "smsc"
    title = "SMSC.ru"
    http_listeners = (HttpListener(name="primary"),)
    currency = "RUR"

    documented_spacing: bool = False
    status_per_message_limit: int = 5
    mass_status_limit: int = 1
    max_concurrent: int = 4
    duplicate_window: timedelta = timedelta(minutes=1)
    cost_repeat_limit: int = 5
    error_block_limit: int = 15
    error_block_for: timedelta = timedelta(minutes=10)
    archive_after: timedelta = timedelta(days=120)
    dlr_retries: ClassVar[tuple[timedelta, ...]] = (
        timedelta(minutes=1),
        timedelta(minutes=5),
        timedelta(minutes=15),
        timedelta(minutes=60),
    )
    default_sender: ClassVar[str] = "SMSC.RU"
    default_prices: ClassVar[dict[str, str]] = {
        "price": "3.5",
        "hlr_price": "0.5",
        "ping_price": "0.5",
    }

    limits: RateLimits
    _index: dict[tuple[str, int, str], Message]
    _id_refs: dict[tuple[str, int], int]
    _next_ids: dict[str, int]

    # -- state ----------------------------------------------------------------------------------
    def reset_state(self) -> None:
        self.limits = RateLimits()
        self._index: dict[tuple[str, int, str], Message] = {}
        # How many indexed messages hold each (login, id): a send's id is found without
        # scanning every message of the account.
        self._id_refs: dict[tuple[str, int], int] = {}
        self._next_ids: dict[str, int] = {}

    def forget_message(self, message: Message) -> None:
        """A bounded run forgot `message`: its (id, phone) answers -3 from now on, as an
        archived message does."""
        key = (message.account, int(message.extra.get("smsc_id", -1)), message.to)
        with self._lock:
            if self._index.get(key) is message:
                self._unindex(key)

    def _unindex(self, key: tuple[str, int, str]) -> Message | None:
        """Drop one indexed message (under `_lock`); its id is free once no message holds it."""
        message = self._index.pop(key, None)
        if message is not None:
            left = self._id_refs.get(key[:2], 0) - 1
            if left > 0:
                self._id_refs[key[:2]] = left
            else:
                self._id_refs.pop(key[:2], None)
        return message

    def validate_account(self, account: Account) -> None:
        unknown = set(account.options) - ACCOUNT_OPTIONS
        if unknown:
            raise ConfigError(
                f"smsc: unknown account option(s) {sorted(unknown)}; "
                f"known: {sorted(ACCOUNT_OPTIONS)}"
            )
        for key in ("price", "hlr_price", "ping_price"):
            if key in account.options:
                account.options[key] = to_decimal(account.options[key], name=key)
        for key in ("senders", "denied_words", "undeliverable", "allowed_ips"):
            value = account.options.get(key)
            if value is None:
                continue
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"smsc: {key} must be a list of strings, got {value!r}")
            account.options[key] = tuple(value)

    def message(self, smsc_id: int, phone: str, account: str = "test") -> Message | None:
        """The message SMSC knows as (id, phone) for `account`, if it is not deleted."""
        return self._index.get((account, int(smsc_id), phone))

    def in_flight(self, login: str) -> int:
        """Requests of `login` being handled right now (the concurrency limit counts these)."""
        return self.limits.in_flight(login)

    # -- HTTP -----------------------------------------------------------------------------------
    def handle_http(self, request: Request, listener: str) -> Response:
        method = _ROUTES.get(request.path)
        if method is None:
            return super().handle_http(request, listener)
        params, charset = decode_params(request)
        ctx = _Ctx(
            params=params,
            charset=charset,
            fmt=_fmt(params),
            address=request.remote_addr or "unknown",
            endpoint=method,
        )
        login = params.get("login") or params.get("apikey") or ""
        in_flight = self.limits.enter(login)
        try:
            body = self._guarded(ctx, in_flight, getattr(self, method))
        finally:
            self.limits.leave(login)
        if ctx.fault is not None and replaces_answer(ctx.fault):
            return faulted(ctx.fault, None)  # a scenario fault stands instead of the answer
        return faulted(ctx.fault, self._respond(body, ctx))

    def _guarded(self, ctx: _Ctx, in_flight: int, handler: Callable[[_Ctx], str]) -> str:
        now = self.clock.now()
        try:
            if self.limits.blocked(ctx.address, now):
                raise ApiError(ErrorCode.IP_BLOCKED)
            if in_flight > self.max_concurrent:
                raise ApiError(ErrorCode.DUPLICATE, detail="too many concurrent requests")
            return handler(ctx)
        except BadParameter as exc:
            return self._error_body(ctx, ApiError(exc.code, detail=str(exc)), now)
        except ApiError as exc:
            return self._error_body(ctx, exc, now)

    def _error_body(self, ctx: _Ctx, error: ApiError, now: datetime) -> str:
        if error.code in (ErrorCode.PARAMETERS, ErrorCode.AUTH):
            self.limits.note_error(
                ctx.address, now, limit=self.error_block_limit, block_for=self.error_block_for
            )
        table = STATUS_API_ERRORS if ctx.endpoint == "_status" else API_ERRORS
        message_id = error.message_id if error.code in ERRORS_WITH_ID else None
        return formats.render_error(
            error.code, table.get(error.code, str(error)), ctx.fmt, message_id=message_id
        )

    def _respond(self, body: str, ctx: _Ctx) -> Response:
        data = body.encode(codec(ctx.charset), errors="replace")
        mimetype = _MIMETYPES[ctx.fmt]
        return Response(data, status=200, content_type=f"{mimetype}; charset={ctx.charset}")

    def error_response(self, request: Request, error: BaseException) -> Response:
        """Whatever went wrong, the client sees the API's error 1 in its format, HTTP 200.

        An `HTTPException` here means the body could not be read (a bad chunk, too large):
        the format comes from the query string alone, since reading the body again would wait
        for bytes the client will never send."""
        try:
            params, charset = decode_params(request, body=not isinstance(error, HTTPException))
        except Exception:
            params, charset = {}, "windows-1251"
        ctx = _Ctx(params=params, charset=charset, fmt=_fmt(params), address="")
        return self._respond(formats.render_error(1, API_ERRORS[1], ctx.fmt), ctx)

    # -- authentication -------------------------------------------------------------------------
    def _authenticate(self, ctx: _Ctx) -> Account:
        params = ctx.params
        apikey = params.get("apikey", "")
        if apikey:
            account = self.accounts.by_api_key(apikey)
        else:
            account = self.accounts.get(params.get("login", ""))
            psw = params.get("psw", "")
            if account is not None and psw not in (
                account.password,
                hashlib.md5(account.password.encode("utf-8")).hexdigest(),
            ):
                account = None
        if account is None or account.expired:
            raise ApiError(ErrorCode.AUTH)
        return account

    # -- send.php -------------------------------------------------------------------------------
    def _price(self, account: Account, key: str) -> Decimal:
        value = account.option(key)
        return value if isinstance(value, Decimal) else Decimal(self.default_prices[key])

    def _allocate_id(self, account: Account, wanted: int | None) -> int:
        if wanted is not None:
            return wanted
        with self._lock:
            value = self._next_ids.get(account.username, 1)
            refs = self._id_refs
            while refs.get((account.username, value)):  # ids a client chose ahead of the count
                value += 1
            self._next_ids[account.username] = value + 1
            return value

    def _release_id(self, account: Account, wanted: int | None, allocated: int) -> None:
        """Give back a server-assigned id that no message took (error 9, cost=1)."""
        if wanted is not None:
            return
        with self._lock:
            if self._next_ids.get(account.username) == allocated + 1:
                self._next_ids[account.username] = allocated

    def _send(self, ctx: _Ctx) -> str:
        account = self._authenticate(ctx)
        p = ctx.params
        now = self.clock.now()
        allowed = account.option("allowed_ips")
        if allowed is not None and ctx.address not in allowed:
            # The document: error 2 "also occurs when trying to send a message from an IP
            # address that is not included in the list of allowed" (sending only).
            raise ApiError(ErrorCode.AUTH, detail=f"{ctx.address} is not an allowed address")
        cost_mode = _int(p, "cost", 0, range(4))
        translit = _int(p, "translit", 0, range(3))
        flash = _int(p, "flash", 0, range(2))
        binary = _int(p, "bin", 0, range(3))
        push = _int(p, "push", 0, range(2))
        hlr = _int(p, "hlr", 0, range(2))
        ping = _int(p, "ping", 0, range(2))
        op = _int(p, "op", 0, range(2))
        err_list = _int(p, "err", 0, range(2))
        maxsms = _int(p, "maxsms", 0, range(0, 1001))
        wanted_id = _int(p, "id", 0, range(0, MAX_ID + 1)) or None
        other = sorted(name for name in OTHER_CHANNELS if p.get(name, "").strip() not in ("", "0"))
        if other:
            raise ApiError(ErrorCode.PARAMETERS, detail=f"not an SMS: {', '.join(other)}")
        sources = _sources(p)
        if hlr:
            kind = MessageType.HLR
        elif ping:
            kind = MessageType.PING
        elif push:
            kind = MessageType.WAP_PUSH
        elif binary:
            kind = MessageType.BINARY
        elif flash:
            kind = MessageType.FLASH
        else:
            kind = MessageType.SMS
        for _, mes in sources:
            if kind not in (MessageType.HLR, MessageType.PING) and mes == "":
                raise ApiError(ErrorCode.PARAMETERS, detail="no message")
            if len(mes) > MAX_TEXT:
                raise ApiError(ErrorCode.PARAMETERS, detail="message longer than 1000 characters")
        scheduled = parse_time(p.get("time", ""), now, p.get("tz"))
        lifetime = parse_valid(p.get("valid", ""))
        sender = p.get("sender")
        if sender is None:
            sender = self.default_sender
        elif sender in ("", "."):
            sender = ""  # an empty sender or "." turns the default sender id off
        if kind == MessageType.HLR:
            sender = "HLR"  # what the status API shows (public clients test sender_id == "HLR")

        blocked_prefixes = tuple(account.option("undeliverable", ()) or ())
        groups = []
        for phones_raw, mes in sources:
            text, data, parts, encoding = self._body(kind, mes, translit, binary, maxsms)
            phones = parse_phones(phones_raw)
            groups.append(
                _Group(
                    text=text,
                    data=data,
                    parts=parts,
                    encoding=encoding,
                    deliverable=[ph for ph in phones.valid if not ph.startswith(blocked_prefixes)],
                    undeliverable=[ph for ph in phones.valid if ph.startswith(blocked_prefixes)],
                    invalid=phones.invalid,
                )
            )
        message_id = self._allocate_id(account, wanted_id)

        if not any(g.deliverable or g.undeliverable for g in groups):
            raise ApiError(ErrorCode.INVALID_NUMBER, message_id=message_id)
        if not any(g.deliverable for g in groups):
            raise ApiError(ErrorCode.CANNOT_DELIVER, message_id=message_id)
        senders = account.option("senders")
        if senders is not None and sender and kind != MessageType.HLR and sender not in senders:
            raise ApiError(ErrorCode.DENIED, message_id=message_id)
        denied = [word.lower() for word in account.option("denied_words", ()) or ()]
        if any(word in g.text.lower() for g in groups for word in denied):
            raise ApiError(ErrorCode.DENIED, message_id=message_id)

        unit = {
            MessageType.HLR: self._price(account, "hlr_price"),
            MessageType.PING: self._price(account, "ping_price"),
        }.get(kind, self._price(account, "price"))
        total = sum((unit * g.parts * len(g.deliverable) for g in groups), Decimal(0))
        count = sum(g.parts * len(g.deliverable) for g in groups)
        signature = (
            account.username,
            tuple((tuple(g.deliverable), g.text) for g in groups),
            sender,
            kind,
            p.get("time", ""),
            wanted_id,
        )
        infos = self._phone_infos(groups, unit, op, err_list)
        if cost_mode == 1:
            # Pricing only: more than five identical cost requests in a minute are refused.
            self._release_id(account, wanted_id, message_id)  # nothing was sent
            if not self.limits.admit(("cost", signature), now, self.cost_repeat_limit):
                raise ApiError(ErrorCode.DUPLICATE)
            return formats.render_cost(
                ctx.fmt, count=count, cost=formats.money(total), phones=infos
            )
        if self.limits.repeated(("send", signature), now, self.duplicate_window):
            self._release_id(account, wanted_id, message_id)
            raise ApiError(ErrorCode.DUPLICATE)
        start = scheduled or now
        expires = start + lifetime if lifetime else None

        def build(draft: Draft, decision: SubmitDecision) -> Message:
            group: _Group = draft.ref
            message = self._build(
                account, message_id, draft.to, sender, group, kind, now, scheduled, expires
            )
            message.price = draft.price
            self._index_message(account, message)
            return message

        def no_money(cost: Decimal) -> ApiError:
            self.limits.forget(("send", signature))
            return ApiError(ErrorCode.NO_MONEY, message_id=message_id)

        result = submission_path.submit(
            self,
            account,
            [
                Draft(to=phone, sender=sender, text=group.text, price=unit * group.parts, ref=group)
                for group in groups
                for phone in group.deliverable
            ],
            protocol="http",
            api="send.php",
            at=now,
            build=build,
            refuse=lambda answer, draft: self._scenario_error(answer, message_id),
            no_credit=no_money,
            charging=Charging.ALL,
            default_plan=SMSC_PLAN,
        )
        ctx.fault = result.fault
        if result.replaced:
            self.limits.forget(("send", signature))
            return ""
        balance = account.balance
        for group in groups:
            # Phones SMSC cannot deliver to (20) or cannot read (22) get a message of their own
            # in that final status, free of charge: a status request for them answers it and
            # the DLR callback reports it, as for any other message of the send.
            refused = [(ph, 20, 0) for ph in group.undeliverable]
            refused += [(ph, 22, INVALID_NUMBER_ERR) for ph in group.invalid]
            for phone, code, err in refused:
                message = self._build(
                    account, message_id, phone, sender, group, kind, now, None, None
                )
                self._refuse(account, message, code, err, now)
        return formats.render_send(
            ctx.fmt,
            cost_mode,
            message_id=message_id,
            count=count,
            cost=formats.money(total),
            balance=formats.money(balance),
            phones=infos,
        )

    def _scenario_error(self, code: object, message_id: int) -> ApiError:
        try:
            number = abs(int(code))  # type: ignore[call-overload]
        except (TypeError, ValueError):
            number = ErrorCode.PARAMETERS
        if number not in API_ERRORS:
            number = ErrorCode.PARAMETERS
        return ApiError(number, message_id=message_id)

    def _body(
        self, kind: int, mes: str, translit: int, binary: int, maxsms: int
    ) -> tuple[str, bytes | None, int, str]:
        """(text, binary payload, parts, encoding) of what will be sent."""
        if kind in (MessageType.HLR, MessageType.PING):
            return mes, None, 1, Encoding.GSM7.value
        if kind == MessageType.WAP_PUSH:
            # `mes` is the link and its title on two lines; the handset gets a WAP Service
            # Indication, binary, billed by its octets. A push cannot be cut: maxsms is ignored.
            url, _, title = mes.partition("\n")
            data = wap_push_si(url.strip(), title.strip())
            return mes, data, len(split_octets(data)), Encoding.BINARY.value
        if kind == MessageType.BINARY:
            if binary == 2:
                try:
                    data = bytes.fromhex(mes.replace(" ", ""))
                except ValueError:
                    raise ApiError(ErrorCode.PARAMETERS, detail="bin=2 needs hex") from None
            else:
                data = mes.encode("latin-1", errors="replace")
            chunks = split_octets(data)
            if maxsms and len(chunks) > maxsms:
                data = b"".join(chunks[:maxsms])
                chunks = chunks[:maxsms]
            return mes, data, len(chunks), Encoding.BINARY.value
        text = transliterate(mes, translit)
        try:
            seg = segment(text)
        except EncodingError:
            raise ApiError(ErrorCode.PARAMETERS, detail="text cannot be encoded") from None
        if maxsms and seg.parts > maxsms:
            # SMSC cuts a text that would need more than `maxsms` parts to what fits in them.
            text = "".join(seg.texts[:maxsms])
            seg = segment(text)
        return text, None, seg.parts, seg.encoding.value

    def _build(
        self,
        account: Account,
        smsc_id: int,
        phone: str,
        sender: str,
        group: _Group,
        kind: int,
        now: datetime,
        scheduled: datetime | None,
        expires: datetime | None,
    ) -> Message:
        base = f"{smsc_id}-{phone}"
        message_id = base
        serial = 1
        while message_id in self.messages:
            serial += 1
            message_id = f"{base}-{serial}"
        return Message(
            message_id=message_id,
            provider=self.name,
            account=account.username,
            to=phone,
            sender=sender,
            text=group.text,
            submitted_at=now,
            api="send.php",
            client_ref=str(smsc_id),
            parts=group.parts,
            encoding=group.encoding,
            binary=group.data,
            flash=kind == MessageType.FLASH,
            scheduled_at=scheduled,
            expires_at=expires,
            callback_url=account.dlr_url,
            price=Decimal(0),
            extra={"smsc_id": smsc_id, "type": kind},
        )

    def _index_message(self, account: Account, message: Message) -> None:
        smsc_id = int(message.extra["smsc_id"])
        with self._lock:
            key = (account.username, smsc_id, message.to)
            if key not in self._index:
                self._id_refs[key[:2]] = self._id_refs.get(key[:2], 0) + 1
            self._index[key] = message

    def _refuse(
        self, account: Account, message: Message, code: int, err: int, now: datetime
    ) -> None:
        """Store `message` already final in SMSC status `code` with delivery error `err`; its
        DLR goes out on the clock (the next `advance()`), not inside the send request."""
        message.extra["smsc_native"] = (code, err)
        self._index_message(account, message)
        self.accept(message, ())
        change = message.set_status(STATUSES[code].canonical, now, err)
        self.clock.call_at(
            now,
            lambda: self._status_changed(message, change),
            label=f"{self.name}:{message.message_id}:refused",
        )

    def _phone_infos(
        self, groups: list[_Group], unit: Decimal, op: int, err_list: int
    ) -> list[formats.PhoneInfo]:
        infos: list[formats.PhoneInfo] = []
        for group in groups:
            if op:
                infos += [
                    formats.PhoneInfo(
                        phone=ph, mccmnc=lookup(ph).mccmnc, cost=formats.money(unit * group.parts)
                    )
                    for ph in group.deliverable
                ]
            if op or err_list:
                infos += [
                    formats.PhoneInfo(
                        phone=ph, mccmnc=lookup(ph).mccmnc, cost="0", status=20, error=0
                    )
                    for ph in group.undeliverable
                ]
                infos += [
                    formats.PhoneInfo(
                        phone=ph, mccmnc="0", cost="0", status=22, error=INVALID_NUMBER_ERR
                    )
                    for ph in group.invalid
                ]
        return infos

    # -- status.php ----------------------------------------------------------------------------
    def _status(self, ctx: _Ctx) -> str:
        account = self._authenticate(ctx)
        p = ctx.params
        now = self.clock.now()
        all_ = _int(p, "all", 0, range(3))
        delete = _int(p, "del", 0, range(2))
        ids_raw = p.get("id", "").strip()
        phones_raw = p.get("phone", "").strip()
        if not ids_raw or not phones_raw:
            raise ApiError(ErrorCode.PARAMETERS, detail="id and phone are required")
        multiple = "," in ids_raw or "," in phones_raw
        ids = ids_raw.split(",")
        phones = phones_raw.split(",")
        if multiple:
            # The trailing-comma form ("5," / "7999...,") asks for the multiple layout.
            if ids[-1].strip() == "":
                ids.pop()
            if phones[-1].strip() == "":
                phones.pop()
        if not ids or len(ids) != len(phones):
            raise ApiError(ErrorCode.PARAMETERS, detail="ids and phones do not pair up")
        pairs: list[tuple[int, str]] = []
        for raw_id, raw_phone in zip(ids, phones, strict=True):
            try:
                smsc_id = int(raw_id.strip())
            except ValueError:
                raise ApiError(ErrorCode.PARAMETERS, detail=f"bad id {raw_id!r}") from None
            phone_list = parse_phones(raw_phone)
            phone = phone_list.valid[0] if phone_list.valid else raw_phone.strip()
            pairs.append((smsc_id, phone))
        if delete:
            return self._delete(ctx, account, pairs)
        # The layout follows the commas, the rate limit the number of messages asked about:
        # one id in list layout (`id=1,&phone=7999...,`, what the PyPI client always sends) is
        # a status request for one message, not a mass request.
        if len(pairs) > 1:
            if not self.limits.admit(("mass", account.username), now, self.mass_status_limit):
                raise ApiError(ErrorCode.DUPLICATE)
        else:
            smsc_id, phone = pairs[0]
            key = ("status", account.username, smsc_id, phone)
            if not self.limits.admit(key, now, self.status_per_message_limit):
                raise ApiError(ErrorCode.DUPLICATE)
        items = []
        for smsc_id, phone in pairs:
            message = self._index.get((account.username, smsc_id, phone))
            if message is not None and now - message.submitted_at > self.archive_after:
                message = None  # archived: SMSC answers -3 like for an unknown message
            record = self.status_record(message) if message is not None else None
            kind = (
                formats.HLR
                if message is not None and message.extra.get("type") == MessageType.HLR
                else formats.SMS
            )
            items.append(
                formats.render_status(
                    kind,
                    ctx.fmt,
                    all_,
                    record,
                    listed=multiple,
                    ref={"id": smsc_id, "phone": phone},
                    documented_spacing=self.documented_spacing,
                )
            )
        if multiple:
            return formats.render_status_list(items, ctx.fmt)
        return items[0]

    def _delete(self, ctx: _Ctx, account: Account, pairs: list[tuple[int, str]]) -> str:
        found: list[Message] = []
        with self._lock:
            for smsc_id, phone in pairs:
                message = self._unindex((account.username, smsc_id, phone))
                if message is not None:
                    found.append(message)
        if not found:
            raise ApiError(ErrorCode.DATE_FORMAT)  # 5: "error deleting message"
        now = self.clock.now()
        for message in found:
            self.lifecycle.cancel(message.message_id)
            if not message.final:
                message.set_status(Status.DELETED, now)
        # The answer to a successful delete is not in the document; plausible: "OK" in the
        # requested format.
        if ctx.fmt == 1:
            return "1"
        if ctx.fmt == 2:
            return "<result>\n<result>OK</result>\n</result>"
        if ctx.fmt == 3:
            return '{"result": "OK"}'
        return "OK"

    def status_record(self, message: Message) -> dict[str, object]:
        """Every field of the status layouts for `message` (see `formats.LAYOUTS`)."""
        status, err = _native(message, message.status, message.error, message.native_status)
        change = message.last_change
        last = change.at if change is not None else message.submitted_at
        sent = message.scheduled_at or message.submitted_at
        kind = int(message.extra.get("type", MessageType.SMS))
        sub = lookup(message.to)
        hlr_known = kind == MessageType.HLR and status == 1 and err == 0
        return {
            "id": message.extra.get("smsc_id"),
            "status": status,
            "last_date": format_date(last),
            "last_timestamp": int(last.timestamp()),
            "flag": kind & 0x0F,
            "err": err,
            "send_date": format_date(sent),
            "send_timestamp": int(sent.timestamp()),
            "phone": message.to,
            "cost": formats.money(message.price),
            "sender_id": message.sender,
            "status_name": STATUSES[status].name if status in STATUSES else "",
            "message": message.text,
            "comment": "",
            "type": kind,
            "sms_cnt": message.parts,
            "mccmnc": sub.mccmnc,
            "country": sub.country,
            "operator": sub.operator,
            "operator_orig": sub.operator,
            "region": sub.region,
            "imsi": sub.imsi if hlr_known else "",
            "msc": sub.msc if hlr_known else "",
            "mcc": sub.mcc if hlr_known else "",
            "mnc": sub.mnc if hlr_known else "",
            "cn": sub.country if hlr_known else "",
            "net": sub.operator if hlr_known else "",
            "rcn": "",
            "rnet": "",
        }

    # -- balance.php ---------------------------------------------------------------------------
    def _balance(self, ctx: _Ctx) -> str:
        account = self._authenticate(ctx)
        cur = _int(ctx.params, "cur", 0, range(2))
        balance = f"{account.balance.quantize(Decimal('0.01'))}"
        return formats.render_balance(ctx.fmt, balance, account.currency if cur else None)

    # -- scenarios -------------------------------------------------------------------------------
    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """Canonical names, SMSC status codes (`20`, `"-1"`) and SMSC status names
        (`"Unable to deliver"`, any case). A code other than the canonical state's own (22 for
        `rejected`, 2 or 4 for `delivered`, 25 for `undeliverable`) is the change's native
        status, which `to_native` turns back into that code."""
        return super().resolve_status(value) or resolve_native(value)

    def native_statuses(self) -> list[str]:
        return native_names()

    def resolve_error(self, value: str | int) -> int | str | None:
        """An `err` of SMSC's delivery error table, by code or by its text (any case); else a
        canonical GSM error (code or EC_* name), mapped by `codes.err_for_gsm`."""
        if isinstance(value, bool):
            return None
        text = str(value).strip()
        if text.lstrip("-").isdigit() and int(text) in DELIVERY_ERRORS:
            return int(text)
        lowered = text.lower()
        own = next((c for c, t in DELIVERY_ERRORS.items() if t.lower() == lowered), None)
        if own is not None:
            return own
        gsm = super().resolve_error(value)
        return None if gsm is None else err_for_gsm(int(gsm))

    def native_errors(self) -> list[str]:
        return [f"{code} ({text})" for code, text in DELIVERY_ERRORS.items()]

    # -- DLR push --------------------------------------------------------------------------------
    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if not message.callback_url:
            return
        status, err = _native(message, change.status, change.error, change.native)
        body = urlencode(
            {
                "id": message.extra.get("smsc_id", ""),
                "phone": message.to,
                "status": status,
                "err": err,
                "time": int(change.at.timestamp()),
            }
        ).encode("ascii")
        self.callbacks.send(
            CallbackRequest(
                method="POST",
                url=message.callback_url,
                body=body,
                headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                kind="dlr",
                ref=message.message_id,
            ),
            retries=self.dlr_retries,
        )
