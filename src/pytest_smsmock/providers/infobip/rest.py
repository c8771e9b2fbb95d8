"""Infobip's REST SMS API, every generation, as a component a fake composes.

`RestApi(fake, dialect)` answers the REST paths of `dialect` on behalf of `fake` (Infobip serves
them all, `INFOBIP_REST`; MiMSMS the v1 paths of its document, `MIMSMS_REST`):

| path | method | what |
|---|---|---|
| ``/sms/1/text/single``, ``/sms/1/text/multi`` | POST | send (v1) |
| ``/sms/2/text/advanced``, ``/sms/2/binary/advanced`` | POST | send (v2; SDK 3.x) |
| ``/sms/3/messages`` | POST | send (v3; SDK 6.x) |
| ``/sms/1/preview`` | POST | segments and characters left, per language/transliteration |
| ``/sms/1/reports``, ``/sms/3/reports`` | GET | delivery reports, each handed out once |
| ``/sms/1/logs``, ``/sms/3/logs`` | GET | the last 48 hours of messages, with filters |
| ``/sms/1/bulks``, ``/sms/1/bulks/status`` | GET, PUT | scheduled bulks (`bulks.py`) |
| ``/sms/1/inbox/reports`` | GET | inbound messages, each handed out once |
| ``/auth/1/session`` | POST, DELETE | IBSSO tokens (`rest_auth.py`) |
| ``/auth/1/oauth2/token`` | POST | OAuth 2.0 tokens |

One message model underneath: every report and log API shows every message of the account,
whichever API or SMPP sent it, each generation with its own keys (`rest_models.py`). A message
sent through a REST API records it (`Message.api`: ``v1-rest``, ``v2-rest``, ``v3-rest``), so
its status changes come back here for the push.

What the platform does and the fake with it (the MiMSMS document for v1, Infobip's API
reference and its SDKs' models for the rest; *assumption* where neither says):

- Refusals: ``/sms/1/`` and ``/sms/2/`` answer the v1 document's ``requestError`` envelope;
  ``/sms/3/`` the ``ApiError`` today's SDK parses there (`rest_errors.py`). Nothing is sent
  when a request is refused.
- Authentication comes before anything else (401 even for a body that would not parse).
- A POST without a JSON (or, on v1, XML) Content-Type gets "General error" as 415: the v1
  document names no status code and the platform's framework refuses an unsupported media type
  with 415. Never a 500 for input.
- No `Accept` (or ``*/*``) answers in the request's own type, else JSON.
- Every request gets a bulk id; the send answer shows it when the client named one, when the
  request had several destinations, or when it scheduled messages (*assumption*); reports and
  logs always carry it.
- A destination that is not 6 to 15 digits after an optional ``+`` (a leading 0 is a national
  number) is answered per message with status 52 REJECTED_DESTINATION and no messageId; so is
  a client's ``messageId`` already in use (23 REJECTED_DUPLICATE_MESSAGE_ID).
- An expired account and a short balance are answered per message with 17 / 12 and no
  messageId; nothing is charged for them. A message later rejected is refunded, and its price
  reads 0 (as in the document's REJECTED_NETWORK example).
- The send answer's status: v1 MESSAGE_ACCEPTED (the document), v2 and v3 PENDING_ACCEPTED
  (the API reference).
- Reports are final reports; a message with a notify URL (its own, or the account's
  ``dlr_url``) gets its report pushed, not kept for the pull: the platform offers one or the
  other. ``intermediateReport`` pushes every status change. A report pulled through
  ``/sms/1/reports`` is gone from ``/sms/3/reports`` too: they are one queue in two shapes.
  Messages sent over the legacy API v3 or SMPP are in it too (their own channels still report
  them as before). Push retries follow the platform's legacy schedule (1, 2, 5, 10 minutes),
  then the report is lost. v3 messages are pushed in the v3 shape, the others in the v1/v2
  one.
- Logs are newest first and cover every message of the account, whichever API sent it.
- Reports and inbound pulls take `limit` like logs (1..1000, default 50).
- Array parameters (`bulkId`, `messageId`) may be repeated or comma-separated, as the
  platform's framework binds both.
- Dates read in query parameters accept the document's format, ISO 8601 with `Z` or
  ``+HH:MM``, a date alone, and a `+` that the client forgot to escape (it arrives as a space).

Quirk switches (off by default): account option ``legacy_mccmnc=True`` spells the v1 logs' key
`mccmnc` as the document's example does, instead of the platform's `mccMnc`.
Account options read here: ``price`` (per SMS part; default: the host's), ``legacy_mccmnc``,
``default_sender`` (the sender of a request without one, default ``InfoSMS``).
"""

from __future__ import annotations

import base64
import binascii
import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.encoding import EncodingError, split_octets
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.messages import InboundMessage, Message, StatusChange
from pytest_smsmock.errors import ConfigError, Refusal
from pytest_smsmock.providers import submission as submission_path
from pytest_smsmock.providers.http_faults import faulted, http_fault
from pytest_smsmock.providers.infobip import rest_status as v1
from pytest_smsmock.providers.infobip import rest_text
from pytest_smsmock.providers.infobip.bulks import Bulks, BulkStatus
from pytest_smsmock.providers.infobip.networks import DEFAULT_NETWORKS, lookup_network
from pytest_smsmock.providers.infobip.rest_auth import SCHEMES, RestAuth
from pytest_smsmock.providers.infobip.rest_errors import (
    RestError,
    bad_request,
    invalid,
)
from pytest_smsmock.providers.infobip.rest_models import (
    APIS,
    V1_API,
    V2_API,
    V3_API,
    Wire,
    compact,
    native_of,
    parse_time,
    sent_at,
)
from pytest_smsmock.providers.infobip.rest_send import (
    JSON,
    MAX_VALIDITY,
    XML,
    Batch,
    Outgoing,
    Reader,
    read_v1,
    read_v2,
    read_v3,
)
from pytest_smsmock.providers.submission import Draft

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.providers.base import ProviderFake
    from pytest_smsmock.scenario.decisions import SubmitDecision
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = [
    "APIS",
    "INFOBIP_REST",
    "MIMSMS_REST",
    "PUSH_RETRIES",
    "V1_API",
    "V2_API",
    "V3_API",
    "RestApi",
    "RestDialect",
]

PUSH_RETRIES: tuple[timedelta, ...] = tuple(timedelta(minutes=m) for m in (1, 2, 5, 10))
LOG_WINDOW = timedelta(hours=48)
DEFAULT_SENDER = "InfoSMS"
MAX_LIMIT = 1000
DEFAULT_LIMIT = 50
ACCOUNT_OPTIONS = frozenset({"price", "legacy_mccmnc", "default_sender"})

_XML_TYPES = frozenset({"application/xml", "text/xml"})
_DESTINATION = re.compile(r"\+?[1-9][0-9]{5,14}")
_GROUPS = {name: gid for gid, (name, _) in v1.STATUS_GROUPS.items()}
_MAX_PARTS = 255  # the concatenation header counts parts in one octet

#: A scenario's ``respond:`` written with the legacy API's send codes, read by a REST API.
_LEGACY_CODES: Mapping[int, v1.V1Status] = {
    -2: v1.STATUSES[12],  # NOT_ENOUGH_CREDITS
    -3: v1.STATUSES[6],  # NETWORK_NOTCOVERED
    -13: v1.INVALID_DESTINATION,
    -23: v1.STATUSES[17],  # an expired account
    -33: v1.STATUSES[23],  # DUPLICATE_MESSAGEID
    -34: v1.STATUSES[11],  # SENDER_NOT_ALLOWED
}

# Endpoint names, the key a dialect lists what it serves by.
SEND_V1_SINGLE = "send-v1-single"
SEND_V1_MULTI = "send-v1-multi"
SEND_V2_TEXT = "send-v2-text"
SEND_V2_BINARY = "send-v2-binary"
SEND_V3 = "send-v3"
PREVIEW = "preview"
REPORTS_V1 = "reports-v1"
REPORTS_V3 = "reports-v3"
LOGS_V1 = "logs-v1"
LOGS_V3 = "logs-v3"
BULKS = "bulks"
BULK_STATUS = "bulk-status"
INBOX = "inbox"
SESSION = "session"
OAUTH = "oauth2"

#: path -> (endpoint, methods)
_PATHS: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "/sms/1/text/single": (SEND_V1_SINGLE, ("POST",)),
    "/sms/1/text/multi": (SEND_V1_MULTI, ("POST",)),
    "/sms/2/text/advanced": (SEND_V2_TEXT, ("POST",)),
    "/sms/2/binary/advanced": (SEND_V2_BINARY, ("POST",)),
    "/sms/3/messages": (SEND_V3, ("POST",)),
    "/sms/1/preview": (PREVIEW, ("POST",)),
    "/sms/1/reports": (REPORTS_V1, ("GET",)),
    "/sms/3/reports": (REPORTS_V3, ("GET",)),
    "/sms/1/logs": (LOGS_V1, ("GET",)),
    "/sms/3/logs": (LOGS_V3, ("GET",)),
    "/sms/1/bulks": (BULKS, ("GET", "PUT")),
    "/sms/1/bulks/status": (BULK_STATUS, ("GET", "PUT")),
    "/sms/1/inbox/reports": (INBOX, ("GET",)),
    "/auth/1/session": (SESSION, ("POST", "DELETE")),
    "/auth/1/oauth2/token": (OAUTH, ("POST",)),
}


@value_class
class RestDialect:
    """Which REST endpoints a host serves, how clients authenticate, and its default price."""

    name: str
    prefixes: tuple[str, ...]
    endpoints: frozenset[str]
    schemes: frozenset[str]
    default_price: str
    xml_bodies: bool = True  # v1 reads XML request bodies too (the MiMSMS document)


#: api.infobip.com: every generation, every scheme. The price is the legacy API's credits per
#: part, so that one balance pays the same whichever API sends.
INFOBIP_REST = RestDialect(
    name="infobip",
    prefixes=("/sms/", "/auth/"),
    endpoints=frozenset(endpoint for endpoint, _ in _PATHS.values()),
    schemes=SCHEMES,
    default_price="1",
)

#: api.mimsms.com: the v1 send, reports and logs of its document, Basic authentication only.
MIMSMS_REST = RestDialect(
    name="mimsms",
    prefixes=("/sms/1/",),
    endpoints=frozenset({SEND_V1_SINGLE, SEND_V1_MULTI, REPORTS_V1, LOGS_V1}),
    schemes=frozenset({"basic"}),
    default_price="0.01",
)


class RestApi:
    """The REST API of one host; see the module docstring."""

    account_options = ACCOUNT_OPTIONS

    def __init__(self, fake: ProviderFake, dialect: RestDialect = INFOBIP_REST) -> None:
        self.fake = fake
        self.dialect = dialect
        self.auth = RestAuth(fake, dialect.schemes)
        self.bulks = Bulks(fake)
        self.networks: dict[str, str] = dict(DEFAULT_NETWORKS)
        #: The platform's time zone in every date it writes (the document's examples: +0100).
        self.utc_offset = timedelta(0)
        self.push_retries: tuple[timedelta, ...] = PUSH_RETRIES
        self.log_window = LOG_WINDOW
        self._read: set[str] = set()  # messages whose report a client pulled
        self._claimed: set[str] = set()  # client message ids taken by a send in progress
        self._lock = threading.Lock()
        handlers: dict[str, Callable[[Request], Response]] = {
            SEND_V1_SINGLE: lambda r: self._send(r, 1),
            SEND_V1_MULTI: lambda r: self._send(r, 1, multi=True),
            SEND_V2_TEXT: lambda r: self._send(r, 2),
            SEND_V2_BINARY: lambda r: self._send(r, 2, binary=True),
            SEND_V3: lambda r: self._send(r, 3),
            PREVIEW: self._preview,
            REPORTS_V1: lambda r: self._reports(r, 1),
            REPORTS_V3: lambda r: self._reports(r, 3),
            LOGS_V1: lambda r: self._logs(r, 1),
            LOGS_V3: lambda r: self._logs(r, 3),
            BULKS: self._bulk,
            BULK_STATUS: self._bulk_status,
            INBOX: self._inbox,
            SESSION: self._session,
            OAUTH: self._oauth,
        }
        self._routes = {
            path: (handlers[endpoint], methods)
            for path, (endpoint, methods) in _PATHS.items()
            if endpoint in dialect.endpoints
        }

    # -- the component interface --------------------------------------------------------------
    def serves(self, path: str) -> bool:
        """Whether `path` is one of this component's (under its dialect's prefixes)."""
        return path.startswith(self.dialect.prefixes)

    def validate_account(self, account: Account) -> None:
        """Refuse a `price` that is not a finite amount >= 0, and an API key another account
        already has (``App`` authentication must name one account)."""
        if "price" in account.options:
            raw = account.options["price"]
            try:
                price = Decimal(str(raw))
            except InvalidOperation:
                price = Decimal("NaN")
            if isinstance(raw, bool) or not price.is_finite() or price < 0:
                raise ConfigError(
                    f"{self.fake.name}: price of {account.username!r} must be a finite amount "
                    f">= 0, got {raw!r}"
                )
        if account.api_key:
            for other in self.fake.accounts:
                if other.api_key == account.api_key and other.username != account.username:
                    raise ConfigError(
                        f"{self.fake.name}: API key of {account.username!r} is already the key "
                        f"of {other.username!r}"
                    )

    def reset(self) -> None:
        self.auth.reset()
        self.bulks.reset()
        self.networks = dict(DEFAULT_NETWORKS)
        self.utc_offset = timedelta(0)
        self.push_retries = PUSH_RETRIES
        self.log_window = LOG_WINDOW
        with self._lock:
            self._read.clear()
            self._claimed.clear()

    def forget_message(self, message: Message) -> None:
        """A bounded run forgot `message` (`MessageStore`): what the component keeps about it
        goes too (its report's read mark, its scheduled bulk)."""
        with self._lock:
            self._read.discard(message.message_id)
        if message.bulk_id:
            self.bulks.forget(message.account, message.bulk_id)

    def handle(self, request: Request, listener: str) -> Response | None:
        """The answer to a request under the dialect's prefixes; None for any other path."""
        if not self.serves(request.path):
            return None
        try:
            route = self._routes.get(request.path.rstrip("/") or request.path)
            if route is None:
                raise RestError(404, "NOT_FOUND", "Not found", detail=f"no endpoint {request.path}")
            handler, methods = route
            if request.method not in methods:
                raise RestError(
                    405,
                    "BAD_REQUEST",
                    "Method not allowed",
                    detail=f"{request.path} takes {' or '.join(methods)}, not {request.method}",
                )
            return handler(request)
        except RestError as error:
            return self.error_response(request, error)

    def error_response(self, request: Request, error: BaseException) -> Response:
        """The ``requestError`` envelope, in the type the client accepts."""
        violations: dict[str, tuple[str, ...]] = {}
        if isinstance(error, RestError):
            status, message_id, text = error.status, error.message_id, error.text
            detail = error.detail
            violations = error.violations
        elif isinstance(error, HTTPException):
            status = error.code or 400
            message_id, text = "BAD_REQUEST", "Bad request"
            detail = f"{status} {error.name}"
        else:
            # A failure of the fake itself (reported to the test at teardown), not of the input.
            status, message_id, text = 500, "GENERAL_ERROR", "General error"
            detail = f"{type(error).__name__}: {error}"
        self.fake.journal.record(
            self.fake.name, "http", "event", f"REST {message_id}: {detail}", {"detail": detail}
        )
        if request.path.startswith("/sms/3/"):
            error_body = api_error(status, violations, detail)
            return self._answer(request, "ApiError", error_body, status=status)
        exception = {"serviceException": {"messageId": message_id, "text": text}}
        if self._wants_xml(request):
            return self._answer(request, "requestError", exception, status=status)
        return self._answer(request, "", {"requestError": exception}, status=status)

    # -- helpers ----------------------------------------------------------------------------
    def wire(self) -> Wire:
        def currency(username: str | None) -> str:
            account = self.fake.accounts.get(username) if username else None
            return account.currency if account is not None else self.fake.currency

        return Wire(offset=self.utc_offset, networks=self.networks, currency=currency)

    def _answer(
        self, request: Request, root: str, data: Mapping[str, Any], *, status: int = 200
    ) -> Response:
        """`data` as JSON, or as XML under the element `root` when the client asks for XML."""
        if self._wants_xml(request):
            from pytest_smsmock.providers.infobip import rest_xml

            return Response(rest_xml.render(root, data), status=status, content_type=XML)
        return Response(json.dumps(data, ensure_ascii=False), status=status, mimetype=JSON)

    @staticmethod
    def _wants_xml(request: Request) -> bool:
        accept = request.accept_mimetypes
        if accept and not (accept.best == "*/*" and len(accept) == 1):
            best = accept.best_match([JSON, XML, "text/xml"])
            if best is not None:
                return best in _XML_TYPES
        return request.mimetype in _XML_TYPES

    def _body(self, request: Request, *, xml: bool = False) -> Any:
        """The request's JSON body (or XML, where `xml`), refusing any other media type."""
        mimetype = request.mimetype
        if mimetype != JSON and not (xml and mimetype in _XML_TYPES):
            kinds = "JSON nor XML" if xml else "JSON"
            raise RestError(
                415,
                "GENERAL_ERROR",
                "General error",
                detail=f"Content-Type {request.content_type or '(none)'} is not {kinds}",
            )
        data = request.get_data(cache=True)
        if not data.strip():
            raise bad_request("empty body")
        if mimetype in _XML_TYPES:
            from pytest_smsmock.providers.infobip import rest_xml

            try:
                return rest_xml.parse_request(data)
            except rest_xml.XmlSyntaxError as exc:
                raise bad_request(f"malformed XML: {exc}") from None
        try:
            return json.loads(data)
        except (ValueError, RecursionError) as exc:
            raise bad_request(f"malformed JSON: {exc}") from None

    def _price(self, account: Account) -> Decimal:
        raw = account.option("price", self.dialect.default_price)
        try:
            return Decimal(str(raw))
        except InvalidOperation:
            return Decimal(self.dialect.default_price)

    # -- send ---------------------------------------------------------------------------------
    def _send(
        self, request: Request, generation: int, *, multi: bool = False, binary: bool = False
    ) -> Response:
        account = self.auth.authenticate(request)
        body = self._body(request, xml=generation == 1 and self.dialect.xml_bodies)
        now = self.fake.clock.now()
        if generation == 1:
            batch = read_v1(body, multi=multi, offset=self.utc_offset)
        elif generation == 2:
            batch = read_v2(body, binary=binary, now=now, offset=self.utc_offset)
        else:
            batch = read_v3(body, now=now, offset=self.utc_offset)
        bulk_id = batch.bulk_id or self.fake.ids("bulk").uuid()
        order = itertools.count()  # the place of each accepted message, for a speed limit
        results: list[dict[str, Any]] = []
        accepted: list[Message] = []
        met: HttpFault | None = None
        for outgoing in batch.messages:
            answers, messages, fault = self._submit(
                account, batch, outgoing, bulk_id, now=now, order=order
            )
            results += answers
            accepted += messages
            met_here = http_fault(fault)
            if met_here is not None:
                if not met_here.wraps_answer:
                    return faulted(met_here, None)
                met = met or met_here
        self.bulks.register(account.username, bulk_id, accepted)
        destinations = sum(len(m.destinations) for m in batch.messages)
        scheduled = any(m.scheduled_at is not None for m in accepted)
        shown = destinations > 1 or (generation > 1 and (batch.bulk_id is not None or scheduled))
        answer: dict[str, Any] = {"messages": results}
        if shown:
            answer = {"bulkId": bulk_id, "messages": results}
        return faulted(met, self._answer(request, "smsResponse", answer))

    def _content(self, batch: Batch, outgoing: Outgoing) -> tuple[str, int, str, int | None]:
        """(text, parts, encoding, data coding) of one message as it leaves."""
        if outgoing.binary is not None:
            data = outgoing.binary
            payload = data
            if outgoing.esm_class & 0x40 and data and data[0] < len(data):
                payload = data[data[0] + 1 :]  # UDHI: the text follows the user data header
            codec = "utf-16-be" if outgoing.data_coding in (8, 24) else "latin-1"
            text = payload.decode(codec, errors="replace")
            return text, len(split_octets(data)), "binary", outgoing.data_coding
        text = rest_text.transliterate(outgoing.text, outgoing.transliteration)
        text = rest_text.shorten_urls(
            text, batch.url_options, lambda: self.fake.ids("short-url").hex(8)
        )
        try:
            counted = rest_text.measure(text, rest_text.resolve_language(text, outgoing.language))
        except EncodingError as exc:
            raise invalid(f"text cannot be sent: {exc}", f"{outgoing.where}text") from None
        data_coding = 8 if counted.encoding.value == "ucs2" else 0
        return text, counted.parts, counted.encoding.value, data_coding

    def _submit(
        self,
        account: Account,
        batch: Batch,
        outgoing: Outgoing,
        bulk_id: str,
        *,
        now: datetime,
        order: Iterator[int],
    ) -> tuple[list[dict[str, Any]], list[Message], HttpFault | SmppFault | None]:
        """One message to each of its destinations through the submission path: the answer
        per destination, in order, the messages accepted, and the fault the submission met."""
        fake = self.fake
        generation = batch.generation
        api = {1: V1_API, 2: V2_API, 3: V3_API}[generation]
        text, parts, encoding, data_coding = self._content(batch, outgoing)
        accepted_status = v1.MESSAGE_ACCEPTED if generation == 1 else v1.PENDING_ACCEPTED
        sender = outgoing.sender or str(account.option("default_sender", DEFAULT_SENDER))
        cost = self._price(account) * parts
        wire = Wire

        def answer(to: str, status: v1.V1Status, message_id: str | None) -> dict[str, Any]:
            if generation == 1:
                return wire.sent_v1(to, status, parts, message_id)
            if generation == 2:
                return wire.sent_v2(to, status, message_id)
            count = parts if batch.include_count else None
            return wire.sent_v3(to, status, message_id, count)

        def refusal(status: v1.V1Status) -> Refusal:
            return Refusal(status.name, status=status.group_id, native=status, whole_request=False)

        entries: list[dict[str, Any] | Draft] = []
        drafts: list[Draft] = []
        for destination in outgoing.destinations:
            early = (
                v1.INVALID_DESTINATION
                if not _DESTINATION.fullmatch(destination.to)
                else v1.STATUSES[25]
                if parts > _MAX_PARTS
                else v1.STATUSES[17]
                if account.expired
                else None
            )
            if early is not None:
                entries.append(answer(destination.to, early, None))
                continue
            draft = Draft(
                to=destination.to,
                sender=sender,
                text=text,
                price=cost,
                ref=destination.message_id,
            )
            drafts.append(draft)
            entries.append(draft)
        extra = compact(
            {
                "notify_content_type": outgoing.notify_content_type,
                "callback_data": outgoing.callback_data,
                "intermediate": outgoing.intermediate or None,
                "notify": None if outgoing.notify else False,
                "entity_id": outgoing.entity_id,
                "application_id": outgoing.application_id,
                "campaign_reference_id": outgoing.campaign_reference_id,
                "transliteration": outgoing.transliteration,
                "language": outgoing.language,
                "regional": outgoing.regional,
                "url_options": batch.url_options or None,
                "tracking": batch.tracking,
                "original_text": outgoing.text if text != outgoing.text else None,
                "esm_class": outgoing.esm_class or None,
            }
        )
        validity = outgoing.validity or MAX_VALIDITY
        send_at = outgoing.send_at or batch.send_at

        def leaves() -> datetime | None:
            when = max(now, send_at) if send_at is not None else now
            if batch.speed is not None:
                amount, unit = batch.speed
                when += (next(order) // amount) * unit
            if outgoing.window is not None:
                when = outgoing.window.next_open(when)
            return when if when > now else None

        def build(draft: Draft, decision: SubmitDecision) -> Message:
            scheduled = leaves()
            return Message(
                message_id=draft.ref or fake.ids("message").uuid(),
                provider=fake.name,
                account=account.username,
                to=draft.to,
                sender=sender,
                text=text,
                submitted_at=now,
                api=api,
                bulk_id=bulk_id,
                parts=parts,
                encoding=encoding,
                data_coding=data_coding,
                binary=outgoing.binary,
                flash=outgoing.flash,
                scheduled_at=scheduled,
                expires_at=(scheduled or now) + validity,
                callback_url=outgoing.notify_url,
                price=cost,
                extra={
                    **extra,
                    "plan": draft.plan if draft.plan is not None else decision.plan,
                },
            )

        def claim(draft: Draft) -> Refusal | None:
            if draft.ref is None:
                return None
            with self._lock:
                if draft.ref in self._claimed or draft.ref in fake.messages:
                    return refusal(v1.STATUSES[23])
                self._claimed.add(draft.ref)
            return None

        try:
            result = submission_path.submit(
                fake,
                account,
                drafts,
                protocol="http",
                api=api,
                at=now,
                build=build,
                refuse=lambda answer_, draft: refusal(self._responded(answer_)),
                no_credit=lambda amount: refusal(v1.STATUSES[12]),
                claim=claim,
            )
        finally:
            with self._lock:  # stored (or refused): the store answers for the ids from now on
                self._claimed.difference_update(d.ref for d in drafts if d.ref is not None)
        outcomes = {id(o.draft): o for o in result.outcomes}
        rendered: list[dict[str, Any]] = []
        for entry in entries:
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
                rendered.append(answer(entry.to, native, None))
                continue
            rendered.append(answer(entry.to, accepted_status, outcome.message.message_id))
        return rendered, result.messages, result.fault

    @staticmethod
    def _responded(value: object) -> v1.V1Status:
        """The status a scenario answers with: a REST status (``REJECTED_DND``, ``10``), a
        canonical one, or a legacy send code (``-13``); else REJECTED_SYSTEM_ERROR."""
        if isinstance(value, int | str) and not isinstance(value, bool):
            try:
                code = int(str(value).strip())
            except ValueError:
                code = 0
            if code < 0:
                return _LEGACY_CODES.get(code, v1.STATUSES[21])
        found = v1.find_status(value)
        if found is None and value is not None:
            try:
                found, _ = v1.from_canonical(v1.to_canonical(value))
            except ValueError:
                found = None
        return found or v1.STATUSES[21]

    # -- preview ------------------------------------------------------------------------------
    def _preview(self, request: Request) -> Response:
        self.auth.authenticate(request)
        body = Reader(self._body(request), "", self.utc_offset, root=True)
        text = body.string("text", required=False)
        if text is None:
            raise body.fail("text", "is required")
        language = body.choice("languageCode", rest_text.LANGUAGE_CODES)
        transliteration = body.choice("transliteration", rest_text.TRANSLITERATIONS)
        try:
            data = rest_text.preview(text, language, transliteration)
        except EncodingError as exc:
            raise invalid(f"text cannot be sent: {exc}", "text") from None
        return self._answer(request, "previewResponse", data)

    # -- delivery reports ---------------------------------------------------------------------
    def push_target(self, message: Message) -> str | None:
        """Where this component pushes a message's reports (None: they wait for the pull)."""
        if message.api not in APIS or message.extra.get("notify") is False:
            return None
        if message.callback_url:
            return message.callback_url
        account = self.fake.accounts.get(message.account)
        return account.dlr_url if account is not None and account.dlr_url else None

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        """Refund a rejection; push the report (every change with ``intermediateReport``)."""
        final = change.status.final
        if final:
            native, _ = native_of(message)
            if native.group_id == 5 and message.price:
                account = self.fake.accounts.get(message.account)
                refund = message.price
                message.price = Decimal(0)
                if account is not None:
                    self.fake.accounts.refund(account, refund)
        elif not message.extra.get("intermediate"):
            return
        url = self.push_target(message)
        if url is None:
            return
        wire = self.wire()
        report = wire.report_v3(message) if message.api == V3_API else wire.report_v2(message)
        if message.extra.get("notify_content_type") == XML:
            from pytest_smsmock.providers.infobip import rest_xml

            body = rest_xml.render("reportResponse", {"results": [report]})
            content_type = XML
        else:
            body = json.dumps({"results": [report]}, ensure_ascii=False).encode("utf-8")
            content_type = JSON
        self.fake.callbacks.send(
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

    def take_reports(
        self,
        account: str,
        *,
        bulk_ids: set[str] | None = None,
        message_ids: set[str] | None = None,
        limit: int | None = None,
    ) -> list[Message]:
        """The unread final reports of `account`, oldest first, each handed out once."""
        with self._lock:
            found = [
                m
                for m in self.fake.messages
                if m.account == account
                and m.final
                and m.message_id not in self._read
                and (not bulk_ids or m.bulk_id in bulk_ids)
                and (not message_ids or m.message_id in message_ids)
                and self.push_target(m) is None
            ]
            found.sort(key=lambda m: m.done_at or m.submitted_at)
            taken = found if limit is None else found[:limit]
            self._read.update(m.message_id for m in taken)
        return taken

    def _reports(self, request: Request, generation: int) -> Response:
        account = self.auth.authenticate(request)
        taken = self.take_reports(
            account.username,
            bulk_ids=_array(request.args.getlist("bulkId")),
            message_ids=_array(request.args.getlist("messageId")),
            limit=_limit(request.args.get("limit")),
        )
        wire = self.wire()
        render = wire.report_v3 if generation == 3 else wire.report_v2
        return self._answer(request, "reportResponse", {"results": [render(m) for m in taken]})

    # -- logs ---------------------------------------------------------------------------------
    def _logs(self, request: Request, generation: int) -> Response:
        account = self.auth.authenticate(request)
        args = request.args
        names = ("sender", "destination") if generation == 3 else ("from", "to")
        sender = args.get(names[0])
        to = args.get(names[1])
        bulk_ids = _array(args.getlist("bulkId"))
        message_ids = _array(args.getlist("messageId"))
        campaigns = _array(args.getlist("campaignReferenceId"))
        entity = args.get("entityId") if generation == 3 else None
        application = args.get("applicationId") if generation == 3 else None
        general = args.get("generalStatus")
        group: int | None = None
        if general is not None:
            group = _GROUPS.get(general.strip().upper())
            if group is None:
                raise invalid(
                    f"generalStatus {general!r} is not one of {', '.join(_GROUPS)}",
                    "generalStatus",
                )
        since = self._date_arg(args.get("sentSince"), "sentSince")
        until = self._date_arg(args.get("sentUntil"), "sentUntil")
        limit = _limit(args.get("limit"))
        mcc = args.get("mcc")
        mnc = args.get("mnc")
        horizon = self.fake.clock.now() - self.log_window
        legacy = bool(account.option("legacy_mccmnc", False))

        def keep(message: Message) -> bool:
            if message.account != account.username or message.submitted_at < horizon:
                return False
            extra = message.extra
            if sender is not None and message.sender != sender:
                return False
            if to is not None and message.to.lstrip("+") != to.strip().lstrip("+"):
                return False
            if bulk_ids and message.bulk_id not in bulk_ids:
                return False
            if message_ids and message.message_id not in message_ids:
                return False
            if campaigns and extra.get("campaign_reference_id") not in campaigns:
                return False
            if entity is not None and extra.get("entity_id") != entity:
                return False
            if application is not None and extra.get("application_id") != application:
                return False
            sent = sent_at(message)
            if since is not None and sent < since:
                return False
            if until is not None and sent > until:
                return False
            if group is not None and native_of(message)[0].group_id != group:
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
        messages.sort(key=sent_at, reverse=True)
        wire = self.wire()
        if generation == 1:
            results = [wire.log_v1(m, legacy_mccmnc=legacy) for m in messages[:limit]]
            return self._answer(request, "logsResponse", {"results": results})
        cursor = args.get("cursor")
        paged = cursor is not None or args.get("useCursor", "").strip().lower() == "true"
        start = 0
        if cursor is not None:
            after = _decode_cursor(cursor)
            index = next((i for i, m in enumerate(messages) if m.message_id == after), None)
            if index is None:
                raise invalid(f"cursor {cursor!r} is not one this API gave", "cursor")
            start = index + 1
        page = messages[start : start + limit]
        data: dict[str, Any] = {"results": [wire.log_v3(m) for m in page]}
        if paged:
            more = start + limit < len(messages) and page
            data["cursor"] = compact(
                {
                    "limit": limit,
                    "nextCursor": _encode_cursor(page[-1].message_id) if more else None,
                }
            )
        return self._answer(request, "logsResponse", data)

    def _date_arg(self, value: str | None, name: str) -> datetime | None:
        if value is None:
            return None
        try:
            return parse_time(value, self.utc_offset)
        except ValueError as exc:
            raise invalid(f"{name}: {exc}", name) from None

    # -- scheduled bulks ------------------------------------------------------------------------
    def _bulk_id(self, request: Request) -> str:
        bulk_id = request.args.get("bulkId", "").strip()
        if not bulk_id:
            raise invalid("bulkId is required", "bulkId")
        return bulk_id

    def _bulk(self, request: Request) -> Response:
        account = self.auth.authenticate(request)
        bulk = self.bulks.get(account.username, self._bulk_id(request))
        if request.method == "PUT":
            body = Reader(self._body(request), "", self.utc_offset, root=True)
            send_at = body.moment("sendAt")
            if send_at is None:
                raise body.fail("sendAt", "is required")
            self.bulks.reschedule(bulk, send_at)
        data = {"bulkId": bulk.bulk_id, "sendAt": self.wire().time(bulk.send_at)}
        return self._answer(request, "bulkResponse", data)

    def _bulk_status(self, request: Request) -> Response:
        account = self.auth.authenticate(request)
        bulk = self.bulks.get(account.username, self._bulk_id(request))
        if request.method == "PUT":
            body = Reader(self._body(request), "", self.utc_offset, root=True)
            asked = body.choice("status", tuple(BulkStatus), required=True)
            status = self.bulks.change(bulk, BulkStatus(asked))
        else:
            status = self.bulks.status(bulk)
        return self._answer(
            request, "bulkStatusResponse", {"bulkId": bulk.bulk_id, "status": str(status)}
        )

    # -- inbound ----------------------------------------------------------------------------------
    def push_mo(self, account: Account, mo: InboundMessage) -> None:
        """Push an inbound message to the account's ``mo_url`` as today's JSON (a POST)."""
        assert account.mo_url
        body = {"results": [self.wire().inbound(mo)], "messageCount": 1, "pendingMessageCount": 0}
        self.fake.callbacks.send(
            CallbackRequest(
                method="POST",
                url=account.mo_url,
                body=json.dumps(body, ensure_ascii=False).encode("utf-8"),
                headers=(("Content-Type", JSON),),
                kind="mo",
                ref=mo.message_id,
            ),
            retries=self.push_retries,
        )

    def _inbox(self, request: Request) -> Response:
        account = self.auth.authenticate(request)
        limit = _limit(request.args.get("limit"))
        horizon = self.fake.clock.now() - self.log_window
        wanted = {
            key: request.args.get(name)
            for key, name in (
                ("application_id", "applicationId"),
                ("entity_id", "entityId"),
                ("campaign_reference_id", "campaignReferenceId"),
            )
            if request.args.get(name) is not None
        }

        def mine(mo: InboundMessage) -> bool:
            if mo.account not in (None, account.username) or mo.received_at < horizon:
                return False
            options = dict(mo.extra)
            return all(options.get(key) == value for key, value in wanted.items())

        taken = self.fake.inbox.take(mine, limit=limit)
        pending = sum(1 for mo in self.fake.inbox.peek() if mine(mo))
        wire = self.wire()
        data = {
            "results": [wire.inbound(mo) for mo in taken],
            "messageCount": len(taken),
            "pendingMessageCount": pending,
        }
        return self._answer(request, "inboundResponse", data)

    # -- tokens -----------------------------------------------------------------------------------
    def _session(self, request: Request) -> Response:
        if request.method == "DELETE":
            self.auth.destroy_session(request)
            return Response(status=204)
        return self._answer(request, "session", self.auth.create_session(request))

    def _oauth(self, request: Request) -> Response:
        return self._answer(request, "token", self.auth.create_token(request))


#: What today's API (``/sms/3/...``) says of each HTTP status, in its ``ApiError`` answer.
_API_ERRORS: Mapping[int, tuple[str, str]] = {
    400: ("Request cannot be processed.", "Check the syntax, violations and adjust the request."),
    401: ("Request cannot be authorized.", "Check your credentials and authorization method."),
    403: ("Request is forbidden.", "Check the API key scopes and the account's permissions."),
    404: ("Requested resource not found.", "Check the path and the identifiers in the request."),
    405: ("Request method is not supported.", "Use a method the endpoint supports."),
    415: ("Media type is not supported.", "Send the request body as application/json."),
    500: ("Something went wrong.", "Contact support if the problem persists."),
}
_RESOURCES = ({"name": "SMS API", "url": "https://www.infobip.com/docs/api/channels/sms"},)


def api_error(
    status: int, violations: Mapping[str, tuple[str, ...]], detail: str
) -> dict[str, Any]:
    """Today's error answer (SDK 6.x ``ApiError``): every key is required by the model."""
    description, action = _API_ERRORS.get(status, _API_ERRORS[500 if status >= 500 else 400])
    listed: list[dict[str, str]] = [
        {"property": key, "violation": message}
        for key, messages in violations.items()
        for message in messages
    ]
    if not listed and status == 400:
        listed = [{"violation": detail}]
    return {
        "errorCode": f"E{status}",
        "description": description,
        "action": action,
        "violations": listed,
        "resources": [dict(r) for r in _RESOURCES],
    }


def _array(values: Iterable[str]) -> set[str]:
    return {part.strip() for value in values for part in value.split(",") if part.strip()}


def _limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_LIMIT
    try:
        limit = int(value.strip())
    except ValueError:
        raise invalid(f"limit {value!r} is not a whole number", "limit") from None
    if not 1 <= limit <= MAX_LIMIT:
        raise invalid(f"limit {limit} is outside 1..{MAX_LIMIT}", "limit")
    return limit


def _encode_cursor(message_id: str) -> str:
    return base64.urlsafe_b64encode(message_id.encode("utf-8")).decode("ascii").rstrip("=")


def _decode_cursor(cursor: str) -> str:
    padded = cursor.strip() + "=" * (-len(cursor.strip()) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    except (binascii.Error, ValueError, UnicodeError):
        return ""
