"""Infobip: today's REST API, the legacy HTTP API v3, and SMPP, over one set of messages.

Both HTTP listeners (primary and secondary access points, api / api2) serve both HTTP APIs:
paths under ``/sms/`` and ``/auth/`` go to the REST component (`rest.py`, `RestApi` with
`INFOBIP_REST`: v1, v2 and v3 sends, preview, reports, logs, scheduled bulks, inbox, tokens),
every other path to the legacy API (`v3.py`, `V3Api` with `INFOBIP_DIALECT`; message validation
in `sending.py`; status tables shared with the SMPP profile in `status.py`; Number Context in
`hlr.py`). A client that fails over to ``secondary_url`` sees its messages and reports there
(take the primary down with ``smsmock.take_down("infobip", "primary")``). Every report and log
API of the REST component shows every message, whichever API or SMPP sent it.

Inbound messages go to each account's ``mo_url``: a URL with ``%placeholders%`` gets the legacy
GET (v3), any other URL today's JSON POST (REST).

Account options (``smsmock.infobip.add_account(username, password, credits=..., dlr_url=...,
mo_url=..., api_key=..., **options)``; ``api_key`` is what ``Authorization: App <key>`` names):

- ``allowed_senders``: list of sender names the account may use (others -> -34); default any.
- ``uncovered_prefixes``: destination prefixes the account's routing does not cover (send -> -3,
  Number Context -> REJECTD).
- ``price``: credits per message part (default 1); ``hlr_price``: per Number Context query
  (default 1).
- ``hlr_results``: ``{number or "*": {field: value}}`` Number Context results (IMSI, MSC, stat,
  err, mccmnc, ported, roaming, ...; see `hlr.py`); ``hlr_url``: where async Number Context
  reports go (default ``dlr_url``); ``hlr_delay``: seconds until they go (default 2).
- ``quirks``: names from `options.QUIRKS` to turn on for this account.
- ``default_sender`` (REST: the sender of a message without one, default ``InfoSMS``),
  ``legacy_mccmnc`` (REST v1 logs spell ``mccmnc``).

Fake attributes: ``quirks`` (a set, as the account option but for every account),
``hlr_results`` (as the option, for every account), ``reports`` (legacy DLRs waiting for a
pull), ``secondary_url``, ``rest`` (the REST component: ``utc_offset``, ``networks``,
``log_window``, ``push_retries``).

Scenarios name Infobip's DLR statuses and SMPP stat words besides the canonical ones
(`resolve_status`, from `status.py`), GSM error codes or names as ``error:``, and send codes (or
their names) as ``respond: {status: ...}``. The user's page is ``docs/providers/infobip.md``.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener
from pytest_smsmock.providers.infobip import rest_status
from pytest_smsmock.providers.infobip.options import ACCOUNT_OPTIONS, validate_v3_options
from pytest_smsmock.providers.infobip.rest import APIS as REST_APIS
from pytest_smsmock.providers.infobip.rest import INFOBIP_REST, RestApi

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.messages import InboundMessage, Message, Status, StatusChange
    from pytest_smsmock.core.queues import OnceQueue
    from pytest_smsmock.providers.base import Runtime
    from pytest_smsmock.providers.infobip.smpp import InfobipSmpp
    from pytest_smsmock.providers.infobip.v3 import DeliveryReport, V3Api

__all__ = ["ACCOUNT_OPTIONS", "InfobipFake"]


class InfobipFake(ProviderFake):
    name = "infobip"
    title = "Infobip"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="secondary"))
    smpp_listeners = (SmppListener(name="plain"), SmppListener(name="tls", tls=True))
    smpp_service = "pytest_smsmock.providers.infobip.smpp:InfobipSmpp"
    smpp: InfobipSmpp

    def __init__(self, runtime: Runtime, *, seed: int | str = 0) -> None:
        # Built before the base class, whose __init__ resets (and so reaches reset_state()).
        self._v3: V3Api | None = None
        self._v3_lock = threading.Lock()  # a server thread may be first to ask for it
        self.rest = RestApi(self, INFOBIP_REST)
        super().__init__(runtime, seed=seed)

    @property
    def v3(self) -> V3Api:
        """The legacy HTTP API v3, built on its first use (a request to one of its paths, a
        message that is not REST's changing status, a template MO URL, its quirks, reports or
        Number Context results, a scenario naming its statuses): a session that speaks REST
        only never loads it, nor its sending rules and status tables (bench/README.md,
        "Foundation", third pass). Built fresh, it is as a reset leaves it."""
        v3 = self._v3
        if v3 is None:
            with self._v3_lock:
                v3 = self._v3
                if v3 is None:
                    from pytest_smsmock.providers.infobip.v3 import INFOBIP_DIALECT, V3Api

                    v3 = V3Api(self, INFOBIP_DIALECT)
                    v3.reports.set_maxlen(self.messages.max_finished)  # as `set_max_finished`
                    self._v3 = v3
        return v3

    @property
    def secondary_url(self) -> str:
        """Base URL of the secondary access point (api2), for failover tests."""
        return self._bound_url("secondary")

    @property
    def quirks(self) -> set[str]:
        """Quirk switches on for every account (names from `options.QUIRKS`)."""
        return self.v3.quirks

    @property
    def hlr_results(self) -> dict[str, dict[str, Any]]:
        return self.v3.hlr_results

    @property
    def reports(self) -> OnceQueue[DeliveryReport]:
        """DLRs waiting for a pull (nopush, or no push URL)."""
        return self.v3.reports

    def set_hlr_result(self, number: str, **fields: Any) -> None:
        """What Number Context answers for `number` (``"*"``: every number)."""
        from pytest_smsmock.providers.infobip import hlr

        self.v3.hlr_results[number] = hlr.normalise(fields)

    # -- ProviderFake hooks ----------------------------------------------------------------
    def validate_account(self, account: Account) -> None:
        validate_v3_options(self.name, account, ACCOUNT_OPTIONS | self.rest.account_options)
        self.rest.validate_account(account)

    def handle_http(self, request: Request, listener: str) -> Response:
        response = self.rest.handle(request, listener)
        if response is None:
            response = self.v3.handle(request, listener)
        if response is None:
            return Response("Not Found", status=404, mimetype="text/plain")
        return response

    def error_response(self, request: Request, error: BaseException) -> Response:
        if self.rest.serves(request.path):
            return self.rest.error_response(request, error)
        return self.v3.error_response(request, error)

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if message.api in REST_APIS:
            self.rest.on_status_change(message, change)
        else:
            self.v3.on_status_change(message, change)

    def deliver_mo(self, message: InboundMessage) -> None:
        """Push to each account's ``mo_url`` (a ``%placeholder%`` template: the legacy GET;
        any other URL: today's JSON POST), and feed the inbox both pull APIs read."""
        if message.account is not None:
            found = self.accounts.get(message.account)
            accounts = [found] if found is not None else []
        else:
            accounts = [a for a in self.accounts if a.mo_url]
        for account in accounts:
            if not account.mo_url:
                continue
            from pytest_smsmock.providers.infobip.v3 import is_url_template

            if is_url_template(account.mo_url):
                self.v3.push_mo(account, message)
            else:
                self.rest.push_mo(account, message)
        self.inbox.put(message)

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """Canonical names, then the REST statuses (``DELIVERED_TO_HANDSET``, ``5``), then the
        legacy DLR status names and SMPP stat words (any case): ``NOT_DELIVERED``,
        ``NOT_ALLOWED``, ``DELIVRD``, ... A native name rides along, so the report of the API
        that knows it shows exactly that status."""
        canonical = super().resolve_status(value)
        if canonical is not None:
            return canonical
        legacy = self.v3.resolve_status(value)
        if legacy is not None:
            return legacy
        native = rest_status.find_status(value)
        if native is not None:
            return rest_status.to_canonical(native.id), native.name
        return None

    def native_statuses(self) -> list[str]:
        names = self.v3.native_statuses()
        names.extend(n for n in rest_status.native_names() if n not in names)
        return names

    def resolve_error(self, value: str | int) -> int | str | None:
        """A GSM error code or name: the document's table (as it spells them), then the
        canonical one; Infobip reports the code as ``gsmerror``."""
        from pytest_smsmock.providers.infobip.status import gsm_error

        if isinstance(value, bool):
            return None
        canonical = super().resolve_error(value)  # codes, and the canonical EC_* names
        if canonical is not None or isinstance(value, int):
            return canonical
        return None if value.strip().lstrip("-").isdigit() else gsm_error(value)

    def reset_state(self) -> None:
        if self._v3 is not None:
            self._v3.reset()
        self.rest.reset()

    def pull_queues(self) -> list[OnceQueue[Any]]:
        if self._v3 is None:
            return [self.inbox]  # the v3 reports queue gets the bound when it is built
        return [self.inbox, self._v3.reports]

    def forget_message(self, message: Message) -> None:
        self.rest.forget_message(message)

    def new_id(self, kind: str = "message") -> str:
        """Infobip's numeric ids (``092052214113845702``)."""
        return self.ids(kind).digits(18)

    def default_mo_number(self) -> str:
        return "38598000000"
