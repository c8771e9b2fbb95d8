"""Infobip's v1 REST API as MiMSMS serves it: a component a fake composes.

`RestApi(fake)` answers every path under ``/sms/1/`` on behalf of `fake`:

- ``POST /sms/1/text/single`` ``{"from", "to", "text"}`` (`to` a string or an array) and
  ``POST /sms/1/text/multi`` ``{"messages": [...]}``; optional ``notifyUrl``,
  ``notifyContentType`` and ``callbackData`` per message (the platform's push options).
- ``GET /sms/1/reports?bulkId&messageId&limit``: unread delivery reports, each handed out once.
- ``GET /sms/1/logs``: the last 48 hours of sent messages, as often as asked, with every filter
  of the document.
- delivery reports pushed to the notify URL (the request's, else the account's `dlr_url`),
  retried on the clock.

What the document leaves open, and what the fake does (the real platform's behaviour as far as
public clients show it):

- Authentication comes before anything else (401 even for a body that would not parse).
- A POST without a JSON or XML Content-Type gets the documented "General error", as 415: the
  document names no status code and the platform's framework refuses an unsupported media type
  with 415. Never a 500 for input.
- No `Accept` (or ``*/*``) answers in the request's own type, else JSON.
- Every request gets a bulk id; the send answer shows it only when the request had several
  destinations, while reports and logs always carry it (as in the document's examples).
- A destination that is not 6 to 15 digits after an optional ``+`` (a leading 0 is a national
  number) is answered per message with status 52 REJECTED_DESTINATION and no messageId.
- An expired account and a short balance are answered per message with 17 / 12 and no
  messageId; nothing is charged for them. A message later rejected is refunded, and its price
  reads 0 (as in the document's REJECTED_NETWORK example).
- Reports are final reports only. A message with a notify URL (its own or the account's) gets
  its report pushed, not queued for pull: the platform offers one or the other. Push retries
  follow the platform's legacy schedule (1, 2, 5, 10 minutes), then the report is lost.
- Logs are newest first and cover every message of the account, whichever API sent it.
- Reports take `limit` like logs (1..1000, default 50); the document gives no bounds for them.
- Array parameters (`bulkId`, `messageId`) may be repeated or comma-separated, as the
  platform's framework binds both.
- Dates read in query parameters accept the document's format, ISO 8601 with `Z` or
  ``+HH:MM``, a date alone, and a `+` that the client forgot to escape (it arrives as a space).

Quirk switches (off by default): account option ``legacy_mccmnc=True`` spells the logs' key
`mccmnc` as the document's example does, instead of the platform's `mccMnc`.
Account options read here: ``price`` (per SMS part, default 0.01), ``legacy_mccmnc``,
``default_sender`` (the `from` of a request without one, default ``InfoSMS``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.encoding import EncodingError, Segmentation, segment
from pytest_smsmock.core.messages import Message, StatusChange
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.errors import ConfigError, Refusal
from pytest_smsmock.providers import submission as submission_path
from pytest_smsmock.providers.http_faults import faulted
from pytest_smsmock.providers.mimsms import status as v1
from pytest_smsmock.providers.mimsms.networks import DEFAULT_NETWORKS, lookup_network
from pytest_smsmock.providers.submission import Draft
from pytest_smsmock.scenario.faults import HttpFault, SmppFault

if TYPE_CHECKING:
    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.scenario.engine import SubmitDecision

__all__ = ["API", "PREFIX", "PUSH_RETRIES", "RestApi", "RestError", "format_time", "parse_time"]

API = "v1-rest"
PREFIX = "/sms/1/"
PUSH_RETRIES: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10))
LOG_WINDOW = timedelta(hours=48)
DEFAULT_PRICE = Decimal("0.01")
DEFAULT_SENDER = "InfoSMS"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
ACCOUNT_OPTIONS = frozenset({"price", "legacy_mccmnc", "default_sender"})

_JSON = "application/json"
_XML = "application/xml"
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_DESTINATION = re.compile(r"\+?[1-9][0-9]{5,14}")
_GROUPS = {name: gid for gid, (name, _) in v1.STATUS_GROUPS.items()}
_MAX_PARTS = 255  # the concatenation header counts parts in one octet


class RestError(Refusal):
    """A request the v1 API refuses with ``{"requestError": {"serviceException": ...}}``."""

    def __init__(self, status: int, message_id: str, text: str, *, detail: str = "") -> None:
        super().__init__(detail or text, status=status, native=message_id)
        self.message_id = message_id
        self.text = text
        self.detail = detail or text


def _unauthorized(detail: str) -> RestError:
    return RestError(401, "UNAUTHORIZED", "Invalid login details", detail=detail)


def _bad_request(detail: str) -> RestError:
    return RestError(400, "BAD_REQUEST", "Bad request", detail=detail)


def _invalid(detail: str) -> RestError:
    return RestError(400, "INVALID_ARGUMENT", "Invalid argument", detail=detail)


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
    """A date parameter as an aware datetime; naive values are in the platform's `offset`."""
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
        zone = timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:])))
    return value.replace(tzinfo=zone)


# -- values ------------------------------------------------------------------------------------
def _native(message: Message) -> tuple[v1.V1Status, v1.V1Error]:
    # The latest change only: a native name or error given to an earlier step (say
    # PENDING_ENROUTE) must not colour the final report.
    if not message.history:
        return v1.from_canonical(message.status, message.error)
    change = message.history[-1]
    return v1.from_canonical(message.status, change.error, change.native)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass(slots=True, kw_only=True)
class _Submission:
    sender: str
    destinations: list[str]
    text: str
    notify_url: str | None = None
    notify_content_type: str = _JSON
    callback_data: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Report:
    account: str
    message_id: str
    bulk_id: str | None
    data: Mapping[str, Any] = field(default_factory=dict)


class RestApi:
    """The v1 REST API of one fake; see the module docstring."""

    account_options = ACCOUNT_OPTIONS

    def __init__(self, fake: ProviderFake) -> None:
        self.fake = fake
        self.reports: OnceQueue[_Report] = OnceQueue()
        self.networks: dict[str, str] = dict(DEFAULT_NETWORKS)
        #: The platform's time zone in every date it writes (the document's examples: +0100).
        self.utc_offset = timedelta(0)
        self.push_retries: tuple[timedelta, ...] = PUSH_RETRIES
        self.log_window = LOG_WINDOW

    def validate_account(self, account: Account) -> None:
        """Refuse a `price` option that is not a finite, non-negative number."""
        if "price" not in account.options:
            return
        raw = account.options["price"]
        try:
            price = Decimal(str(raw))
        except InvalidOperation:
            price = Decimal("NaN")
        if isinstance(raw, bool) or not price.is_finite() or price < 0:
            raise ConfigError(
                f"{self.fake.name}: price of {account.username!r} must be a finite amount >= 0, "
                f"got {raw!r}"
            )

    def reset(self) -> None:
        self.reports.clear()
        self.networks = dict(DEFAULT_NETWORKS)
        self.utc_offset = timedelta(0)
        self.push_retries = PUSH_RETRIES
        self.log_window = LOG_WINDOW

    # -- routing ----------------------------------------------------------------------------
    def handle(self, request: Request, listener: str) -> Response | None:
        """The answer to a request under ``/sms/1/``; None for any other path."""
        if not request.path.startswith(PREFIX):
            return None
        routes: dict[str, tuple[str, Callable[[Request], Response]]] = {
            "/sms/1/text/single": ("POST", lambda r: self._send(r, multi=False)),
            "/sms/1/text/multi": ("POST", lambda r: self._send(r, multi=True)),
            "/sms/1/reports": ("GET", self._reports),
            "/sms/1/logs": ("GET", self._logs),
        }
        try:
            route = routes.get(request.path.rstrip("/") or request.path)
            if route is None:
                raise RestError(
                    404, "NOT_FOUND", "Not found", detail=f"no v1 endpoint {request.path}"
                )
            method, handler = route
            if request.method != method:
                raise RestError(
                    405,
                    "BAD_REQUEST",
                    "Method not allowed",
                    detail=f"{request.path} takes {method}, not {request.method}",
                )
            return handler(request)
        except RestError as error:
            return self.error_response(request, error)

    def error_response(self, request: Request, error: BaseException) -> Response:
        """The documented error envelope, in the type the client accepts."""
        if isinstance(error, RestError):
            status, message_id, text = error.status, error.message_id, error.text
            detail = error.detail
        elif isinstance(error, HTTPException):
            status = error.code or 400
            message_id, text = "BAD_REQUEST", "Bad request"
            detail = f"{status} {error.name}"
        else:
            # A failure of the fake itself (reported to the test at teardown), not of the input.
            status, message_id, text = 500, "GENERAL_ERROR", "General error"
            detail = f"{type(error).__name__}: {error}"
        self.fake.journal.record(
            self.fake.name, "http", "event", f"v1 {message_id}: {detail}", {"detail": detail}
        )
        exception = {"serviceException": {"messageId": message_id, "text": text}}
        if self._wants_xml(request):
            return self._answer(request, "requestError", exception, status=status)
        return self._answer(request, "", {"requestError": exception}, status=status)

    # -- helpers ----------------------------------------------------------------------------
    def _authenticate(self, request: Request) -> Account:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() != "basic" or not credentials.strip():
            raise _unauthorized("no Basic Authorization header")
        try:
            # RFC 2045 base64: characters outside the alphabet (line breaks) are ignored.
            raw = base64.b64decode(credentials.strip(), validate=False)
        except (binascii.Error, ValueError) as exc:
            raise _unauthorized(f"Authorization is not base64: {exc}") from None
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = raw.decode("latin-1")
        username, colon, password = decoded.partition(":")
        if not colon:
            raise _unauthorized("Basic credentials without ':'")
        account = self.fake.accounts.authenticate(username, password)
        if account is None:
            raise _unauthorized(f"unknown user or wrong password for {username!r}")
        return account

    def _answer(
        self, request: Request, root: str, data: Mapping[str, Any], *, status: int = 200
    ) -> Response:
        """`data` as JSON, or as XML under the element `root` when the client asks for XML."""
        if self._wants_xml(request):
            from pytest_smsmock.providers.mimsms import xmlwire

            return Response(xmlwire.render(root, data), status=status, content_type=_XML)
        return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=_JSON)

    @staticmethod
    def _wants_xml(request: Request) -> bool:
        accept = request.accept_mimetypes
        if accept and not (accept.best == "*/*" and len(accept) == 1):
            best = accept.best_match([_JSON, _XML, "text/xml"])
            if best is not None:
                return best in _XML_TYPES
        return request.mimetype in _XML_TYPES

    def _time(self, when: datetime | None) -> str | None:
        return None if when is None else format_time(when, self.utc_offset)

    # -- send -------------------------------------------------------------------------------
    def _send(self, request: Request, *, multi: bool) -> Response:
        account = self._authenticate(request)
        mimetype = request.mimetype
        if mimetype != _JSON and mimetype not in _XML_TYPES:
            raise RestError(
                415,
                "GENERAL_ERROR",
                "General error",
                detail=f"Content-Type {request.content_type or '(none)'} is neither JSON nor XML",
            )
        body = self._parse_body(request.get_data(cache=True), xml=mimetype in _XML_TYPES)
        submissions, bulk_id = self._submissions(body, multi=multi, account=account)
        if bulk_id is None:
            bulk_id = self.fake.ids("bulk").uuid()
        results: list[dict[str, Any]] = []
        met: HttpFault | None = None
        for submission in submissions:
            try:
                segmentation = segment(submission.text)
            except EncodingError as exc:
                raise _invalid(f"text cannot be sent: {exc}") from None
            answers, fault = self._submit(account, submission, segmentation, bulk_id)
            results += answers
            if isinstance(fault, HttpFault):
                if not fault.wraps_answer:
                    return faulted(fault, None)
                met = met or fault
        answer: dict[str, Any] = {"messages": results}
        if sum(len(s.destinations) for s in submissions) > 1:
            answer = {"bulkId": bulk_id, "messages": results}
        return faulted(met, self._answer(request, "smsResponse", answer))

    @staticmethod
    def _parse_body(data: bytes, *, xml: bool) -> Any:
        if not data.strip():
            raise _bad_request("empty body")
        if xml:
            from pytest_smsmock.providers.mimsms import xmlwire

            try:
                return xmlwire.parse_request(data)
            except xmlwire.XmlSyntaxError as exc:
                raise _bad_request(f"malformed XML: {exc}") from None
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise _bad_request(f"malformed JSON: {exc}") from None

    def _submissions(
        self, body: Any, *, multi: bool, account: Account
    ) -> tuple[list[_Submission], str | None]:
        if not isinstance(body, dict):
            raise _bad_request(f"the body must be an object, not {type(body).__name__}")
        if not multi:
            return [self._submission(body, "", account)], None
        bulk_id = body.get("bulkId")
        if bulk_id is not None and (not isinstance(bulk_id, str) or not bulk_id.strip()):
            raise _invalid("bulkId must be a non-empty string")
        messages = body.get("messages")
        if isinstance(messages, dict):  # one <message> in XML reads as an object
            messages = [messages.get("message", messages)]
        if not isinstance(messages, list) or not messages:
            raise _invalid("messages must be a non-empty array")
        return [
            self._submission(item, f"messages[{index}].", account)
            for index, item in enumerate(messages)
        ], bulk_id

    def _submission(self, item: Any, where: str, account: Account) -> _Submission:
        if not isinstance(item, dict):
            raise _invalid(f"{where or 'body'} must be an object")

        def text_field(name: str, default: str | None = None) -> str | None:
            value = item.get(name)
            if value is None:
                return default
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise _invalid(f"{where}{name} must be a string, not {type(value).__name__}")
            return str(value)

        to = item.get("to")
        if isinstance(to, dict) and "to" in to:  # <to><to>..</to></to> with one child
            to = to["to"]
        if isinstance(to, str | int) and not isinstance(to, bool):
            destinations = [str(to)]
        elif isinstance(to, list) and to:
            if not all(isinstance(d, str | int) and not isinstance(d, bool) for d in to):
                raise _invalid(f"{where}to must hold strings")
            destinations = [str(d) for d in to]
        else:
            raise _invalid(f"{where}to is missing or empty")
        content_type = text_field("notifyContentType", _JSON) or _JSON
        if content_type not in (_JSON, _XML):
            raise _invalid(f"{where}notifyContentType must be {_JSON} or {_XML}")
        sender = text_field("from") or account.option("default_sender", DEFAULT_SENDER)
        return _Submission(
            sender=str(sender),
            destinations=destinations,
            text=text_field("text", "") or "",
            notify_url=text_field("notifyUrl") or None,
            notify_content_type=content_type,
            callback_data=text_field("callbackData"),
        )

    def _price(self, account: Account) -> Decimal:
        raw = account.option("price", DEFAULT_PRICE)
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return DEFAULT_PRICE

    def _submit(
        self,
        account: Account,
        submission: _Submission,
        segmentation: Segmentation,
        bulk_id: str,
    ) -> tuple[list[dict[str, Any]], HttpFault | SmppFault | None]:
        """One message to each of its destinations through the submission path: the answer
        per destination, in order, and the scenario fault the submission met."""
        parts = segmentation.parts

        def refused(destination: str, status: v1.V1Status) -> dict[str, Any]:
            return {"to": destination, "status": status.to_dict(), "smsCount": parts}

        def refusal(status: v1.V1Status) -> Refusal:
            return Refusal(status.name, status=status.group_id, native=status, whole_request=False)

        fake = self.fake
        answers: list[dict[str, Any] | Draft] = []
        drafts: list[Draft] = []
        cost = self._price(account) * parts
        for destination in submission.destinations:
            early = (
                v1.INVALID_DESTINATION
                if not _DESTINATION.fullmatch(destination.strip())
                else v1.STATUSES[25]
                if parts > _MAX_PARTS
                else v1.STATUSES[17]
                if account.expired
                else None
            )
            if early is not None:
                answers.append(refused(destination, early))
                continue
            draft = Draft(
                to=destination, sender=submission.sender, text=submission.text, price=cost
            )
            drafts.append(draft)
            answers.append(draft)
        now = fake.clock.now()
        extra: dict[str, Any] = {"notify_content_type": submission.notify_content_type}
        if submission.callback_data is not None:
            extra["callback_data"] = submission.callback_data

        def build(draft: Draft, decision: SubmitDecision) -> Message:
            return Message(
                message_id=fake.ids("message").uuid(),
                provider=fake.name,
                account=account.username,
                to=draft.to,
                sender=submission.sender,
                text=submission.text,
                submitted_at=now,
                api=API,
                bulk_id=bulk_id,
                parts=parts,
                encoding=segmentation.encoding.value,
                callback_url=submission.notify_url,
                price=cost,
                extra=dict(extra),
            )

        result = submission_path.submit(
            fake,
            account,
            drafts,
            protocol="http",
            api=API,
            at=now,
            build=build,
            refuse=lambda answer, draft: refusal(self._responded(answer)),
            no_credit=lambda amount: refusal(v1.STATUSES[12]),
        )
        outcomes = {id(o.draft): o for o in result.outcomes}
        rendered: list[dict[str, Any]] = []
        for entry in answers:
            if isinstance(entry, dict):
                rendered.append(entry)
                continue
            outcome = outcomes.get(id(entry))
            if outcome is None:  # a fault stood in for the answer: nothing was accepted
                continue
            if outcome.message is None:
                assert outcome.refusal is not None
                native = outcome.refusal.native
                assert isinstance(native, v1.V1Status)
                rendered.append(refused(entry.to, native))
                continue
            rendered.append(
                {
                    "to": entry.to,
                    "status": v1.MESSAGE_ACCEPTED.to_dict(),
                    "smsCount": parts,
                    "messageId": outcome.message.message_id,
                }
            )
        return rendered, result.fault

    @staticmethod
    def _responded(value: object) -> v1.V1Status:
        """The native status a scenario answers with (``{"status": "REJECTED_DND"}``)."""
        found = v1.find_status(value)
        if found is None and value is not None:
            try:
                found, _ = v1.from_canonical(v1.to_canonical(value))
            except ValueError:
                found = None
        return found or v1.STATUSES[21]

    # -- delivery reports ---------------------------------------------------------------------
    def on_status_change(self, message: Message, change: StatusChange) -> None:
        """Queue (or push) the final report of a message sent through this API."""
        if not change.status.final:
            return
        fake = self.fake
        account = fake.accounts.get(message.account)
        native, _ = _native(message)
        if native.group_id == 5 and message.price:
            refund = message.price
            message.price = Decimal(0)
            if account is not None:
                fake.accounts.refund(account, refund)
        report = self.report_of(message)
        callback_data = message.extra.get("callback_data")
        if callback_data is not None:
            report["callbackData"] = callback_data
        url = message.callback_url or (account.dlr_url if account is not None else None)
        if not url:
            self.reports.put(
                _Report(
                    account=message.account,
                    message_id=message.message_id,
                    bulk_id=message.bulk_id,
                    data=report,
                )
            )
            return
        if message.extra.get("notify_content_type") == _XML:
            from pytest_smsmock.providers.mimsms import xmlwire

            body = xmlwire.render("reportResponse", {"results": [report]})
            content_type = _XML
        else:
            body = json.dumps({"results": [report]}, ensure_ascii=False).encode("utf-8")
            content_type = _JSON
        fake.callbacks.send(
            CallbackRequest(
                method="POST",
                url=url,
                body=body,
                headers=(("Content-Type", content_type),),
                kind="dlr",
                ref=message.message_id,
            ),
            retries=self.push_retries,
        )

    def report_of(self, message: Message) -> dict[str, Any]:
        """A message as one delivery report: exactly the document's keys."""
        native, error = _native(message)
        return {
            "bulkId": message.bulk_id,
            "messageId": message.message_id,
            "to": message.to,
            "sentAt": self._time(message.submitted_at),
            "doneAt": self._time(message.done_at),
            "smsCount": message.parts,
            "price": self._price_object(message),
            "status": native.to_dict(),
            "error": error.to_dict(),
        }

    def _price_object(self, message: Message) -> dict[str, Any]:
        account = self.fake.accounts.get(message.account)
        currency = account.currency if account is not None else self.fake.currency
        # `Message.price` is what the whole message cost (any API); v1 shows the price of one SMS.
        per_sms = message.price / message.parts if message.parts else message.price
        return {"pricePerMessage": _number(per_sms), "currency": currency}

    def _reports(self, request: Request) -> Response:
        account = self._authenticate(request)
        bulk_ids = _array(request.args.getlist("bulkId"))
        message_ids = _array(request.args.getlist("messageId"))
        limit = _limit(request.args.get("limit"))

        def match(report: _Report) -> bool:
            return (
                report.account == account.username
                and (not bulk_ids or report.bulk_id in bulk_ids)
                and (not message_ids or report.message_id in message_ids)
            )

        taken = self.reports.take(match, limit=limit)
        return self._answer(request, "reportResponse", {"results": [dict(r.data) for r in taken]})

    # -- logs -------------------------------------------------------------------------------
    def _logs(self, request: Request) -> Response:
        account = self._authenticate(request)
        args = request.args
        sender = args.get("from")
        to = args.get("to")
        bulk_ids = _array(args.getlist("bulkId"))
        message_ids = _array(args.getlist("messageId"))
        general = args.get("generalStatus")
        group: int | None = None
        if general is not None:
            group = _GROUPS.get(general.strip().upper())
            if group is None:
                raise _invalid(f"generalStatus {general!r} is not one of {', '.join(_GROUPS)}")
        since = self._date_arg(args.get("sentSince"), "sentSince")
        until = self._date_arg(args.get("sentUntil"), "sentUntil")
        limit = _limit(args.get("limit"))
        mcc = args.get("mcc")
        mnc = args.get("mnc")
        now = self.fake.clock.now()
        horizon = now - self.log_window
        legacy = bool(account.option("legacy_mccmnc", False))

        def keep(message: Message) -> bool:
            if message.account != account.username or message.submitted_at < horizon:
                return False
            if sender is not None and message.sender != sender:
                return False
            if to is not None and message.to.lstrip("+") != to.strip().lstrip("+"):
                return False
            if bulk_ids and message.bulk_id not in bulk_ids:
                return False
            if message_ids and message.message_id not in message_ids:
                return False
            if since is not None and message.submitted_at < since:
                return False
            if until is not None and message.submitted_at > until:
                return False
            if group is not None:
                native, _ = _native(message)
                if native.group_id != group:
                    return False
            if mcc is not None or mnc is not None:
                network = lookup_network(message.to, self.networks)
                if network is None:
                    return False
                if mcc is not None and network[:3] != mcc.strip():
                    return False
                if mnc is not None and network[3:] != mnc.strip():
                    return False
            return True

        messages = [m for m in self.fake.messages if keep(m)]
        messages.reverse()  # newest first, as the document's example lists them
        messages.sort(key=lambda m: m.submitted_at, reverse=True)
        results = [self.log_of(m, legacy_mccmnc=legacy) for m in messages[:limit]]
        return self._answer(request, "logsResponse", {"results": results})

    def log_of(self, message: Message, *, legacy_mccmnc: bool = False) -> dict[str, Any]:
        """A message as one log entry: exactly the document's keys."""
        native, error = _native(message)
        return {
            "bulkId": message.bulk_id,
            "messageId": message.message_id,
            "to": message.to,
            "from": message.sender,
            "text": message.text,
            "sentAt": self._time(message.submitted_at),
            "doneAt": self._time(message.done_at),
            "smsCount": message.parts,
            "mccmnc" if legacy_mccmnc else "mccMnc": lookup_network(message.to, self.networks),
            "price": self._price_object(message),
            "status": native.to_dict(),
            "error": error.to_dict(),
        }

    def _date_arg(self, value: str | None, name: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_time(value, self.utc_offset)
        except ValueError as exc:
            raise _invalid(f"{name}: {exc}") from None


def _array(values: Iterable[str]) -> set[str]:
    return {part.strip() for value in values for part in value.split(",") if part.strip()}


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value.strip())
    except ValueError:
        raise _invalid(f"limit {value!r} is not a whole number") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise _invalid(f"limit {limit} is outside 1..{MAX_LIMIT}")
    return limit
