"""Infobip's legacy HTTP API v3 as a component a fake composes (Infobip itself, and MiMSMS).

`V3Api(fake, dialect)` answers the v3 paths of `dialect` on behalf of `fake`:
`handle(request, listener)` returns a werkzeug `Response`, or None when the path is not one of
its own (the owning fake then routes it elsewhere). The owning fake forwards its hooks:
`on_status_change(message, change)`, `deliver_mo(mo)`, `reset()` (from `reset_state()`) and
`error_response(request, error)`.

Endpoints (document 001 chapter 2; MiMSMS 000):

- send: ``POST /api/v3/sendsms/xml`` (``XML=`` urlencoded, ``XML=`` raw, or bare XML;
  ``<authentication>`` or ``<authentification>``; ``<recipients>`` inside or beside
  ``<message>``; element names in any case), ``POST /api/v3/sendsms/json`` (raw or ``JSON=``;
  keys case-sensitive: the document's spelling or all lower case), ``GET|POST
  /api/v3/sendsms/plain`` (parameter names in any case; ``GSM`` and ``messageid`` comma lists).
  Answers: one result per recipient, ``Content-Type: text/csv;charset= UTF-8``. The older
  ``/api/sendsms/plain`` (MiMSMS's short-SMS URL; Infobip served it too) answers with the bare
  message id, or the negative status code, one per recipient joined by commas (*assumption*,
  from public clients that read the body as the id and test ``> 0``).
- ``GET /api/command?username&password&cmd=CREDITS[&output=json|xml]``: the balance with two
  decimals (plain ``1000.00``, json ``{"credits":1000.00}``, xml ``<credits>1000.00</credits>``:
  *assumption*, the document shows no answer); errors are the send codes as plain text.
- ``GET /api/v3/dr/pull?user&password[&messageid=a,b][&appid=x]``: each report once, then
  ``NO_DATA``; auth answers ``10`` (no user), ``11`` (no password), ``5`` (wrong).
- ``/api/hlr/`` and ``/api/hlr/sync``: Number Context, see `hlr.py`.
- ``GET /api/v2/command/inbox`` (and ``/api/v3/command/inbox``): inbound messages, once each,
  xml (default) or json (*assumption* for the shape: the push placeholders' names).

A report with status NOT_ALLOWED gives the message's credits back ("will not be charged").
DLRs of final statuses go to ``pushurl``/``drPushUrl`` or the account's ``dlr_url`` (POST of the
``<DeliveryReport>`` XML, retried after 1, 2, 5 and 10 minutes, then dropped); with ``nopush=1``
or no URL they wait for the pull.

Quirk switches (`QUIRKS`), off by default (real clients see the clean behaviour); on for a whole
fake with ``fake.quirks.add(name)`` or for an account with ``add_account(..., quirks=[name])``.
"""

from __future__ import annotations

import codecs
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote_to_bytes, urlencode
from xml.sax.saxutils import escape, quoteattr

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.providers.http_faults import faulted
from pytest_smsmock.providers.infobip import hlr
from pytest_smsmock.providers.infobip.options import ACCOUNT_OPTIONS, QUIRKS
from pytest_smsmock.providers.infobip.sending import (
    Recipient,
    RecipientResult,
    SendRequest,
    submit,
    valid_gsm,
)
from pytest_smsmock.providers.infobip.status import (
    dlr_status,
    format_dlr_date,
    native_names,
    resolve_native,
)
from pytest_smsmock.scenario.faults import HttpFault

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.messages import InboundMessage, Message, Status, StatusChange
    from pytest_smsmock.providers.base import ProviderFake

__all__ = [
    "ACCOUNT_OPTIONS",
    "APIS",
    "CSV_CONTENT_TYPE",
    "INFOBIP_DIALECT",
    "MIMSMS_DIALECT",
    "PUSH_RETRIES",
    "QUIRKS",
    "DeliveryReport",
    "V3Api",
    "V3Dialect",
    "is_url_template",
]

#: The `Message.api` of a message sent through this API (the REST APIs are ``v1-rest`` ...).
APIS = frozenset({"v3-xml", "v3-json", "v3-plain"})
#: The documented Content-Type of every send answer, space included.
CSV_CONTENT_TYPE = "text/csv;charset= UTF-8"
#: Document table "HTTP DLR Push retry cycle": 1, 2, 5, 10 minutes after a failed push.
PUSH_RETRIES = (
    timedelta(minutes=1),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=10),
)


@value_class
class V3Dialect:
    """Where a host serves the v3 API and how it spells things."""

    name: str
    plain_paths: tuple[str, ...] = ("/api/v3/sendsms/plain",)
    legacy_plain_paths: tuple[str, ...] = ("/api/sendsms/plain",)
    xml_path: str | None = "/api/v3/sendsms/xml"
    json_path: str | None = "/api/v3/sendsms/json"
    command_path: str = "/api/command"
    pull_path: str = "/api/v3/dr/pull"
    hlr_path: str | None = "/api/hlr/"
    hlr_sync_path: str | None = "/api/hlr/sync"
    inbox_paths: tuple[str, ...] = ("/api/v2/command/inbox", "/api/v3/command/inbox")
    text_params: tuple[str, ...] = ("smstext",)
    credits_command: str = "CREDITS"
    max_long_chars: int = 1530
    #: Price of one SMS part when the account sets no ``price``: Infobip bills credits; MiMSMS
    #: bills the same balance its v1 REST API draws on, at that API's default.
    default_price: str = "1"


#: api.infobip.com / api2.infobip.com. The long-SMS limit (10 parts of 153) is an assumption.
INFOBIP_DIALECT = V3Dialect(name="infobip")

#: api.mimsms.com: the plain API (``text=`` as well as ``SMSText=``), credits (``cmd=Credits``)
#: and the DR pull; long SMS up to 1080 characters.
MIMSMS_DIALECT = V3Dialect(
    name="mimsms",
    plain_paths=("/api/v3/sendsms/plain",),
    legacy_plain_paths=("/api/sendsms/plain",),
    xml_path=None,
    json_path=None,
    hlr_path=None,
    hlr_sync_path=None,
    inbox_paths=(),
    text_params=("smstext", "text"),
    credits_command="Credits",
    max_long_chars=1080,
    default_price="0.01",
)


@value_class
class DeliveryReport:
    """One DLR as the v3 API reports it (push or pull)."""

    account: str
    id: str  # the client's custom id, else Infobip's
    message_id: str
    sent: datetime
    done: datetime
    status: str
    gsmerror: int
    appid: str | None = None


class _Syntax(Exception):
    """The request body cannot be read: answer -22 (or `status`)."""

    def __init__(self, status: int = -22) -> None:
        self.status = status
        super().__init__(status)


_XML_PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}

_XML_FIELDS = {
    "sender": "sender",
    "text": "text",
    "flash": "flash",
    "type": "type",
    "wapurl": "wapurl",
    "bookmark": "wapurl",
    "binary": "binary",
    "datacoding": "datacoding",
    "esmclass": "esmclass",
    "srcton": "srcton",
    "srcnpi": "srcnpi",
    "destton": "destton",
    "destnpi": "destnpi",
    "validityperiod": "validity",
    "senddatetime": "send_datetime",
    "appid": "appid",
    "pushurl": "pushurl",
    "nopush": "nopush",
    "campaignid": "campaign_id",
}

# JSON keys are case-sensitive (document 2.2.2.1): the table's spelling and the examples' all
# lower case are read, any other spelling is ignored like an unknown key. JSON names the push
# URL drPushUrl; a "pushurl" key is ignored there.
_JSON_FIELDS = {
    "sender": "sender",
    "text": "text",
    "flash": "flash",
    "type": "type",
    "wapurl": "wapurl",
    "binary": "binary",
    "datacoding": "datacoding",
    "Esmclass": "esmclass",
    "esmclass": "esmclass",
    "Srcton": "srcton",
    "srcton": "srcton",
    "Srcnpi": "srcnpi",
    "srcnpi": "srcnpi",
    "Destton": "destton",
    "destton": "destton",
    "Destnpi": "destnpi",
    "destnpi": "destnpi",
    "ValidityPeriod": "validity",
    "validityperiod": "validity",
    "sendDateTime": "send_datetime",
    "senddatetime": "send_datetime",
    "appid": "appid",
    "drPushUrl": "pushurl",
    "drpushurl": "pushurl",
    "nopush": "nopush",
    "CampaignId": "campaign_id",
    "campaignid": "campaign_id",
}

_PLAIN_FIELDS = {
    "sender": "sender",
    "isflash": "flash",
    "flash": "flash",
    "type": "type",
    "bookmark": "wapurl",
    "wapurl": "wapurl",
    "binary": "binary",
    "datacoding": "datacoding",
    "esmclass": "esmclass",
    "srcton": "srcton",
    "srcnpi": "srcnpi",
    "destton": "destton",
    "destnpi": "destnpi",
    "validityperiod": "validity",
    "senddatetime": "send_datetime",
    "appid": "appid",
    "pushurl": "pushurl",
    "nopush": "nopush",
    "campaignid": "campaign_id",
}

_MO_PLACEHOLDER = re.compile(
    r"%(sender|receiver|text|bin|datetime|messageid|datacoding|esmclass)%", re.I
)


def is_url_template(url: str) -> bool:
    """Whether an inbound URL is the legacy template (it names at least one placeholder)."""
    return _MO_PLACEHOLDER.search(url) is not None


def _lower_tag(element: Any) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _children(element: Any, name: str) -> list[Any]:
    return [child for child in element if _lower_tag(child) == name]


def _child(element: Any, *names: str) -> Any | None:
    for name in names:
        found = _children(element, name)
        if found:
            return found[0]
    return None


def _element_text(element: Any | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext())


def _attribute(element: Any, name: str) -> str | None:
    for key, value in element.attrib.items():
        if isinstance(key, str) and key.lower() == name:
            return str(value)
    return None


def _payload(body: bytes, name: bytes) -> bytes:
    """The document inside a body: ``NAME=`` urlencoded, ``NAME=`` raw, or bare."""
    data = body.lstrip()
    prefix = name + b"="
    if data[: len(prefix)].upper() != prefix.upper():
        return data
    rest = data[len(prefix) :]
    if rest.lstrip()[:1] in (b"<", b"{", b"["):
        return rest
    return unquote_to_bytes(rest.split(b"&", 1)[0].replace(b"+", b" "))


def _parse_pairs(raw: bytes, charset: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for chunk in raw.split(b"&"):
        if not chunk:
            continue
        key, _, value = chunk.partition(b"=")
        pairs.append(
            (
                unquote_to_bytes(key.replace(b"+", b" ")).decode(charset, "replace"),
                unquote_to_bytes(value.replace(b"+", b" ")).decode(charset, "replace"),
            )
        )
    return pairs


def _params(request: Request) -> dict[str, str]:
    """Query and form parameters, names in lower case, first value wins, in the request's
    ``encoding`` (document Table 7; UTF-8 by default). An unknown encoding raises _Syntax(-26)."""
    raw_query = request.query_string
    form = b""
    if request.method != "GET" and request.mimetype in ("", "application/x-www-form-urlencoded"):
        form = request.get_data(cache=True)
    charset = "utf-8"
    for key, value in _parse_pairs(raw_query + b"&" + form, "latin-1"):
        if key.lower() == "encoding" and value.strip():
            try:
                charset = codecs.lookup(value.strip()).name
                b"a".decode(charset, "replace")  # not a text codec: "base64", "undefined", "idna"
            except (LookupError, UnicodeError, ValueError):  # ValueError: a NUL in the name
                raise _Syntax(-26) from None
    params: dict[str, str] = {}
    try:
        pairs = _parse_pairs(raw_query + b"&" + form, charset)
    except UnicodeError:  # a text codec that still cannot read these octets
        raise _Syntax(-26) from None
    for key, value in pairs:
        params.setdefault(key.lower(), value)
    return params


def _text_response(body: str, status: int = 200, content_type: str = "text/plain") -> Response:
    return Response(body.encode("utf-8"), status=status, content_type=content_type)


class V3Api:
    """The v3 API of one host; see the module docstring."""

    account_options = ACCOUNT_OPTIONS

    def __init__(self, fake: ProviderFake, dialect: V3Dialect = INFOBIP_DIALECT) -> None:
        self.fake = fake
        self.dialect = dialect
        self.reports: OnceQueue[DeliveryReport] = OnceQueue()
        self.quirks: set[str] = set()
        self.hlr_results: dict[str, dict[str, Any]] = {}
        self._custom_ids: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        routes: dict[str, Callable[[Request], Response]] = {}
        for path in dialect.plain_paths:
            routes[path] = self._send_plain
        for path in dialect.legacy_plain_paths:
            routes[path] = self._send_legacy_plain
        if dialect.xml_path:
            routes[dialect.xml_path] = self._send_xml
        if dialect.json_path:
            routes[dialect.json_path] = self._send_json
        routes[dialect.command_path] = self._command
        routes[dialect.pull_path] = self._pull
        if dialect.hlr_path:
            routes[dialect.hlr_path] = self._hlr_async
        if dialect.hlr_sync_path:
            routes[dialect.hlr_sync_path] = self._hlr_sync
        for path in dialect.inbox_paths:
            routes[path] = self._inbox
        # Paths are matched with and without a trailing slash (/api/hlr and /api/hlr/).
        self._routes = {path.rstrip("/").lower(): handler for path, handler in routes.items()}

    # -- the component interface ----------------------------------------------------------
    def handle(self, request: Request, listener: str) -> Response | None:
        handler = self._routes.get(request.path.rstrip("/").lower())
        if handler is None:
            return None
        try:
            return handler(request)
        except _Syntax as exc:
            return self._request_error(request, exc.status)

    def error_response(self, request: Request, error: BaseException) -> Response:
        """What a v3 path answers when handling failed: -99 (-26 for an unreadable body)."""
        status = -99
        if isinstance(error, RequestEntityTooLarge | HTTPException):
            status = -26
        return self._request_error(request, status)

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if message.api not in APIS or not change.status.final:
            return
        # The change's own error: a native name or GSM error of an earlier step never leaks
        # into a later report.
        status, gsmerror = dlr_status(change.status, change.error, change.native)
        extra = message.extra
        report = DeliveryReport(
            account=message.account,
            id=message.client_ref or message.message_id,
            message_id=message.message_id,
            sent=message.submitted_at,
            done=change.at,
            status=status,
            gsmerror=gsmerror,
            appid=extra.get("appid"),
        )
        account = self.fake.accounts.get(message.account)
        if status == "NOT_ALLOWED" and account is not None and message.price:
            # "The client has no authorization to send to the specified network (the message
            # will not be charged)": the credits taken at submission come back.
            self.fake.accounts.refund(account, message.price)
        target = message.callback_url or (account.dlr_url if account is not None else None)
        if extra.get("nopush") or not target:
            self.reports.put(report)
            return
        body = self.render_reports([report], account, push=True)
        self.fake.callbacks.send(
            CallbackRequest(
                method="POST",
                url=target,
                body=body.encode("utf-8"),
                headers=(("Content-Type", "text/xml; charset=UTF-8"),),
                kind="dlr",
                ref=report.id,
            ),
            retries=PUSH_RETRIES,
        )

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """A native status a scenario names (DLR status or SMPP stat word), else None."""
        return resolve_native(value)

    def native_statuses(self) -> list[str]:
        return native_names()

    def deliver_mo(self, mo: InboundMessage) -> None:
        """Push to the account's URL template (all placeholders) and feed the pull inbox."""
        if mo.account is not None:
            found = self.fake.accounts.get(mo.account)
            accounts = [found] if found is not None else []
        else:
            accounts = [a for a in self.fake.accounts if a.mo_url]
        for account in accounts:
            if account.mo_url:
                self.push_mo(account, mo)
        self.fake.inbox.put(mo)

    def push_mo(self, account: Account, mo: InboundMessage) -> None:
        """A GET of the account's ``mo_url`` template with the message's values."""
        assert account.mo_url
        self.fake.callbacks.send(
            CallbackRequest(
                method="GET",
                url=self.render_mo_url(account.mo_url, mo),
                kind="mo",
                ref=mo.message_id,
            ),
            # Assumption: the platform pushes inbound messages on the DLR retry cycle.
            retries=PUSH_RETRIES,
        )

    def reset(self) -> None:
        self.reports.clear()
        self.quirks.clear()
        self.hlr_results.clear()
        with self._lock:
            self._custom_ids.clear()

    # -- helpers shared by the endpoints ---------------------------------------------------
    def quirk(self, name: str, account: Account | None = None) -> bool:
        if name in self.quirks:
            return True
        return account is not None and name in (account.option("quirks") or ())

    def _claim_custom_id(self, account: str, custom_id: str) -> bool:
        with self._lock:
            key = (account, custom_id)
            if key in self._custom_ids:
                return False
            self._custom_ids.add(key)
            return True

    def _named(self, username: str | None) -> Account | None:
        """The account a refused request names: its quirks still shape the refusal (an account
        with ``status_space`` sees "- 1" for a wrong password)."""
        return self.fake.accounts.get(username) if username else None

    def _authenticate(self, username: str | None, password: str | None) -> Account | int:
        if not username:
            return -10
        if not password:
            return -11
        account = self.fake.accounts.authenticate(username, password)
        return -5 if account is None else account

    def _submit(
        self, account: Account, messages: Iterable[SendRequest], api: str
    ) -> tuple[list[RecipientResult], HttpFault | None]:
        """Every message of a request through the submission path; the scenario fault the
        request met (the first), which stops it when it replaces the answer."""
        results: list[RecipientResult] = []
        met: HttpFault | None = None
        for message in messages:
            answers, fault = submit(
                self.fake,
                account,
                message,
                api=api,
                max_long_chars=self.dialect.max_long_chars,
                default_price=self.dialect.default_price,
                claim_custom_id=self._claim_custom_id,
            )
            results.extend(answers)
            if isinstance(fault, HttpFault):
                met = met or fault
                if not fault.wraps_answer:
                    return results, fault
        return results, met

    def _request_error(self, request: Request, status: int) -> Response:
        path = request.path.rstrip("/").lower()
        kind = self._routes.get(path)
        if kind == self._send_json:
            return self._json_answer([RecipientResult(status=status)], None, auth_failed=False)
        if kind in (self._send_xml, self._send_plain):
            return self._xml_answer([RecipientResult(status=status)], None)
        if kind in (self._hlr_async, self._hlr_sync):
            return _text_response("FAILED")
        return _text_response(str(status))

    # -- send answers ------------------------------------------------------------------------
    def _xml_answer(self, results: list[RecipientResult], account: Account | None) -> Response:
        documented = self.quirk("documented_custom_id_xml", account) and any(
            r.custom for r in results
        )
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<results>"]
        for index, result in enumerate(results):
            message_id = escape(result.message_id)
            destination = escape(result.destination)
            if documented and index > 0:
                # As printed in the document: no <result>, "<0" / "<result>-13</status>", and a
                # closing tag split over two lines.
                opening = (
                    f"<status><{result.status}</status>"
                    if result.status == 0
                    else f"<result>{result.status}</status>"
                )
                lines += [
                    opening,
                    f"<messageid>{message_id}</messageid>",
                    f"<destination>{destination}</destination></",
                    "result>",
                ]
                continue
            lines += [
                "<result>",
                f"<status>{result.status}</status>",
                f"<messageid>{message_id}</messageid>",
                f"<destination>{destination}</destination>",
                "</result>",
            ]
        lines.append("</results>")
        return Response(("\n".join(lines) + "\n").encode("utf-8"), content_type=CSV_CONTENT_TYPE)

    def _json_answer(
        self, results: list[RecipientResult], account: Account | None, *, auth_failed: bool
    ) -> Response:
        key = "messageId" if self.quirk("json_messageId", account) else "messageid"
        pad = self.quirk("padded_custom_ids", account)
        rows = []
        for result in results:
            status = str(result.status)
            if auth_failed and result.status == -5 and self.quirk("status_space", account):
                status = "- 1"
            message_id = f" {result.message_id} " if pad and result.custom else result.message_id
            row = {"status": status, key: message_id, "destination": result.destination}
            rows.append(json.dumps(row, separators=(",", ":"), ensure_ascii=False))
        body = '{"results": [\n' + ",\n".join(rows) + "\n]}"
        return Response(body.encode("utf-8"), content_type=CSV_CONTENT_TYPE)

    # -- send endpoints ---------------------------------------------------------------------
    def _send_xml(self, request: Request) -> Response:
        body = request.get_data(cache=True)
        if not body.strip() and "XML" in request.args:
            body = request.args["XML"].encode("utf-8")
        try:
            username, password, messages = self._parse_xml(_payload(body, b"XML"))
        except _Syntax as exc:
            return self._xml_answer([RecipientResult(status=exc.status)], None)
        account = self._authenticate(username, password)
        if isinstance(account, int):
            return self._xml_answer(self._refuse(messages, account), self._named(username))
        results, fault = self._submit(account, messages, "v3-xml")
        return faulted(fault, self._xml_answer(results, account))

    def _parse_xml(self, payload: bytes) -> tuple[str | None, str | None, list[SendRequest]]:
        from lxml import etree  # only where XML is spoken: most tests never send XML

        parser = etree.XMLParser(**_XML_PARSER_OPTIONS)
        try:
            root = etree.fromstring(payload, parser)
        except (etree.XMLSyntaxError, ValueError):
            raise _Syntax(-22) from None
        if root is None or _lower_tag(root) != "sms":
            raise _Syntax(-22)
        auth = _child(root, "authentication", "authentification")
        username = _element_text(_child(auth, "username")) if auth is not None else None
        password = _element_text(_child(auth, "password")) if auth is not None else None
        shared = _child(root, "recipients")
        messages = []
        for element in _children(root, "message"):
            fields: dict[str, str | None] = {}
            for child in element:
                name = _XML_FIELDS.get(_lower_tag(child))
                if name is not None and name not in fields:
                    fields[name] = _element_text(child)
            recipients_element = _child(element, "recipients")
            if recipients_element is None:
                recipients_element = shared
            recipients: list[Recipient] = []
            if recipients_element is not None:
                for gsm in _children(recipients_element, "gsm"):
                    custom = (_attribute(gsm, "messageid") or "").strip() or None
                    recipients.append(
                        Recipient(gsm=(_element_text(gsm) or "").strip(), custom_id=custom)
                    )
            messages.append(SendRequest(**fields, recipients=tuple(recipients)))
        if not messages:
            raise _Syntax(-22)
        return username, password, messages

    def _refuse(self, messages: Iterable[SendRequest], status: int) -> list[RecipientResult]:
        results = [
            RecipientResult(
                status=status,
                message_id=r.custom_id or "",
                destination=r.gsm.strip(),
                custom=r.custom_id is not None,
            )
            for m in messages
            for r in m.recipients
            if r.gsm.strip()
        ]
        return results or [RecipientResult(status=status)]

    def _send_json(self, request: Request) -> Response:
        payload = _payload(request.get_data(cache=True), b"JSON")
        try:
            username, password, messages = self._parse_json(payload)
        except _Syntax as exc:
            return self._json_answer([RecipientResult(status=exc.status)], None, auth_failed=False)
        account = self._authenticate(username, password)
        if isinstance(account, int):
            return self._json_answer(
                self._refuse(messages, account), self._named(username), auth_failed=True
            )
        results, fault = self._submit(account, messages, "v3-json")
        return faulted(fault, self._json_answer(results, account, auth_failed=False))

    def _parse_json(self, payload: bytes) -> tuple[str | None, str | None, list[SendRequest]]:
        try:
            document = json.loads(payload)
        except (ValueError, RecursionError):
            raise _Syntax(-22) from None
        if not isinstance(document, dict):
            raise _Syntax(-22)
        auth = document.get("authentication", document.get("authentification"))
        if auth is not None and not isinstance(auth, dict):
            raise _Syntax(-22)
        username = _scalar(auth.get("username")) if auth else None
        password = _scalar(auth.get("password")) if auth else None
        raw_messages = document.get("messages")
        if not isinstance(raw_messages, list) or not raw_messages:
            raise _Syntax(-22)
        messages = []
        for raw in raw_messages:
            if not isinstance(raw, dict):
                raise _Syntax(-22)
            fields: dict[str, str | None] = {}
            for key, value in raw.items():
                name = _JSON_FIELDS.get(key)
                if name is not None and name not in fields:
                    fields[name] = _scalar(value)
            raw_recipients = raw.get("recipients", [])
            if not isinstance(raw_recipients, list):
                raise _Syntax(-22)
            recipients = []
            for entry in raw_recipients:
                if not isinstance(entry, dict):
                    raise _Syntax(-22)
                custom = (_scalar(entry.get("messageId")) or "").strip() or None
                recipients.append(
                    Recipient(gsm=(_scalar(entry.get("gsm")) or "").strip(), custom_id=custom)
                )
            messages.append(SendRequest(**fields, recipients=tuple(recipients)))
        return username, password, messages

    def _plain_request(self, params: Mapping[str, str]) -> SendRequest:
        fields: dict[str, str | None] = {}
        for key, value in params.items():
            name = _PLAIN_FIELDS.get(key)
            if name is not None:
                fields.setdefault(name, value)
        for key in self.dialect.text_params:
            if key in params:
                fields["text"] = params[key]
                break
        numbers = [n.strip() for n in params.get("gsm", "").split(",")]
        ids = [i.strip() for i in params.get("messageid", "").split(",")]
        recipients = tuple(
            Recipient(gsm=gsm, custom_id=(ids[i] if i < len(ids) and ids[i] else None))
            for i, gsm in enumerate(numbers)
            if gsm
        )
        return SendRequest(**fields, recipients=recipients)

    def _plain_results(
        self, request: Request, api: str
    ) -> tuple[list[RecipientResult], Any, HttpFault | None]:
        params = _params(request)
        message = self._plain_request(params)
        account = self._authenticate(
            params.get("user") or params.get("username"), params.get("password")
        )
        if isinstance(account, int):
            return self._refuse([message], account), None, None
        results, fault = self._submit(account, [message], api)
        return results, account, fault

    def _send_plain(self, request: Request) -> Response:
        results, account, fault = self._plain_results(request, "v3-plain")
        return faulted(fault, self._xml_answer(results, account))

    def _send_legacy_plain(self, request: Request) -> Response:
        results, _, fault = self._plain_results(request, "v3-plain")
        body = ",".join(r.message_id if r.status == 0 else str(r.status) for r in results)
        return faulted(fault, _text_response(body))

    # -- credits -------------------------------------------------------------------------------
    def _command(self, request: Request) -> Response:
        params = _params(request)
        account = self._authenticate(
            params.get("username") or params.get("user"), params.get("password")
        )
        if isinstance(account, int):
            return _text_response(str(account))
        # The two documents spell the command CREDITS and Credits; either works on both hosts.
        if params.get("cmd", "").strip().lower() != "credits":
            return _text_response("-1")
        value = f"{account.balance.quantize(Decimal('0.01'))}"
        output = params.get("output", "").strip().lower()
        if output == "json":
            return Response(f'{{"credits":{value}}}', content_type="application/json")
        if output == "xml":
            return Response(
                f'<?xml version="1.0" encoding="UTF-8"?>\n<credits>{value}</credits>\n',
                content_type="text/xml; charset=UTF-8",
            )
        return _text_response(value)

    # -- DLR pull --------------------------------------------------------------------------------
    def render_reports(
        self, reports: Iterable[DeliveryReport], account: Account | None, *, push: bool
    ) -> str:
        done_name = "done date" if push and self.quirk("done_date_space", account) else "donedate"
        error_name = "gsmerrcode" if self.quirk("gsmerrcode", account) else "gsmerror"
        lines = ["<DeliveryReport>"]
        for report in reports:
            lines.append(
                f"<message id={quoteattr(report.id)} "
                f'sentdate="{format_dlr_date(report.sent)}" '
                f'{done_name}="{format_dlr_date(report.done)}" '
                f'status="{report.status}" {error_name}="{report.gsmerror}" />'
            )
        lines.append("</DeliveryReport>")
        return "\n".join(lines) + "\n"

    def _pull(self, request: Request) -> Response:
        params = _params(request)
        user = params.get("user") or params.get("username")
        if not user:
            return _text_response("10")
        if not params.get("password"):
            return _text_response("11")
        account = self.fake.accounts.authenticate(user, params["password"])
        if account is None:
            return _text_response("5")
        wanted = {i.strip() for i in params.get("messageid", "").split(",") if i.strip()}
        appid = params.get("appid", "").strip() or None

        def match(report: DeliveryReport) -> bool:
            return (
                report.account == account.username
                and (not wanted or report.id in wanted or report.message_id in wanted)
                and report.appid == appid
            )

        taken = self.reports.take(match)
        if not taken:
            return _text_response("NO_DATA")
        body = self.render_reports(taken, account, push=False)
        return _text_response(body, content_type="text/xml; charset=UTF-8")

    # -- Number Context ----------------------------------------------------------------------------
    def hlr_result(self, account: Account, destination: str) -> dict[str, str]:
        result = hlr.resolve(destination, self.hlr_results, account.option("hlr_results"))
        uncovered = tuple(str(p) for p in account.option("uncovered_prefixes", ()) or ())
        if uncovered and destination.startswith(uncovered):
            # "REJECTD when the network is disallowed on the account level" (not charged).
            return hlr.resolve(destination, {"*": {"stat": "REJECTD"}})
        price = Decimal(str(account.option("hlr_price", 1)))
        if not self.fake.accounts.charge(account, price):
            return hlr.resolve(destination, {"*": {"stat": "UNKNOWN"}})
        return result

    def _hlr_id(self) -> str:
        generator = self.fake.ids("hlr")
        return f"{generator.hex(11)}-fc84-{generator.next(0x100):x}"

    def _hlr_account(self, params: Mapping[str, str]) -> Account | None:
        return self.fake.accounts.authenticate(
            params.get("user") or params.get("username"),
            params.get("pass") or params.get("password"),
        )

    def _hlr_async(self, request: Request) -> Response:
        params = _params(request)
        account = self._hlr_account(params)
        destinations = [d for d in params.get("destinations", "").split(";") if d.strip()]
        if account is None or not destinations:
            return _text_response("FAILED")
        lines = ["OK"]
        rows: list[str] = []
        for destination in (d.strip() for d in destinations):
            if not valid_gsm(destination):
                lines.append(f"{destination};FAILED;")
                continue
            result = self.hlr_result(account, destination)
            result["id"] = self._hlr_id()
            lines.append(f"{destination};OK;{result['id']}")
            rows.append(hlr.format_hlr(result, "json"))
        url = account.option("hlr_url") or account.dlr_url
        if rows and url:
            delay = account.option("hlr_delay", 2)
            self.fake.clock.call_later(
                delay,
                lambda: self._push_hlr(url, rows),
                label=f"{self.fake.name}:hlr-dlr",
            )
        return _text_response("\n".join(lines) + "\n")

    def _push_hlr(self, url: str, rows: list[str]) -> None:
        # At most 100 rows per request, rows separated by new lines in the POST variable dlr.
        for start in range(0, len(rows), 100):
            chunk = rows[start : start + 100]
            self.fake.callbacks.send(
                CallbackRequest(
                    method="POST",
                    url=url,
                    body=urlencode({"dlr": "\n".join(chunk)}).encode("ascii"),
                    headers=(("Content-Type", "application/x-www-form-urlencoded"),),
                    kind="hlr",
                    ref=f"{len(chunk)} row(s)",
                ),
                retries=PUSH_RETRIES,
            )

    def _hlr_sync(self, request: Request) -> Response:
        params = _params(request)
        account = self._hlr_account(params)
        destination = params.get("destination", "").strip()
        if account is None or not valid_gsm(destination):
            return _text_response("FAILED")
        result = self.hlr_result(account, destination)
        result["id"] = self._hlr_id()
        output = params.get("output", "").strip().lower()
        body = hlr.format_hlr(result, output, double_gt=self.quirk("hlr_xml_double_gt", account))
        content_type = {"json": "application/json", "xml": "text/xml; charset=utf-8"}.get(
            output, "text/plain"
        )
        return _text_response(body, content_type=content_type)

    # -- inbound ---------------------------------------------------------------------------------
    def render_mo_url(self, template: str, mo: InboundMessage) -> str:
        lowered = template.lower()
        has_text, has_bin = "%text%" in lowered, "%bin%" in lowered
        binary = mo.binary
        if binary is None:
            binary = mo.text.encode("utf-16-be" if mo.data_coding == 8 else "latin-1", "replace")
        text, bin_hex = mo.text, binary.hex().upper()
        if has_text and has_bin:
            # "send only binary or only text": text for datacoding 0, binary otherwise.
            if mo.data_coding == 0:
                bin_hex = ""
            else:
                text = ""
        values = {
            "sender": mo.sender.lstrip("+"),
            "receiver": mo.to.lstrip("+"),
            "text": text,
            "bin": bin_hex,
            "datetime": mo.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "messageid": mo.message_id,
            "datacoding": str(mo.data_coding),
            "esmclass": str(mo.esm_class),
        }
        return _MO_PLACEHOLDER.sub(lambda m: quote(values[m.group(1).lower()], safe=""), template)

    def _inbox(self, request: Request) -> Response:
        params = _params(request)
        user = params.get("user") or params.get("username")
        if not user:
            return _text_response("10")
        if not params.get("password"):
            return _text_response("11")
        account = self.fake.accounts.authenticate(user, params["password"])
        if account is None:
            return _text_response("5")
        try:
            limit = int(params.get("limit", "0").strip() or 0)
        except ValueError:
            limit = 0
        wanted = params.get("messageid", "").strip()
        since = _parse_moment(params.get("receiveddatetime", ""))

        def match(mo: InboundMessage) -> bool:
            return (
                mo.account in (None, account.username)
                and (not wanted or mo.message_id == wanted)
                and (since is None or mo.received_at >= since)
            )

        taken = self.fake.inbox.take(match, limit=limit if limit > 0 else None)
        rows = [
            {
                "sender": mo.sender.lstrip("+"),
                "receiver": mo.to.lstrip("+"),
                "text": mo.text,
                "bin": (mo.binary or b"").hex().upper(),
                "datetime": mo.received_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                "messageid": mo.message_id,
                "datacoding": str(mo.data_coding),
                "esmclass": str(mo.esm_class),
            }
            for mo in taken
        ]
        if params.get("output", "").strip().lower() == "json":
            return Response(
                json.dumps({"messages": rows}, ensure_ascii=False), content_type="application/json"
            )
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<messages>"]
        for row in rows:
            lines.append("<message>")
            lines += [f"<{key}>{escape(value)}</{key}>" for key, value in row.items()]
            lines.append("</message>")
        lines.append("</messages>")
        return _text_response("\n".join(lines) + "\n", content_type="text/xml; charset=UTF-8")


def _scalar(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str | int | float):
        return str(value)
    raise _Syntax(-22)


def _parse_moment(value: str) -> datetime | None:
    text = value.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None
