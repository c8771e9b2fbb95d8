"""Broadnet (Advance Messaging Systems): websmpp HTTPS, JSON and XML APIs, and SMPP.

The same API is served on both HTTP listeners: `primary` (plain HTTP, `smsmock.broadnet.url`)
and `https` (TLS with the hub's test CA, `smsmock.broadnet.https_url`; clients trust
`smsmock.ca_file`), since the real gateway speaks HTTPS only.

- `websms`: `/websmpp/websms`, `/websmpp/websms/groupsms`, `/websmpp/websmsstatus`,
  `/websmpp/balanceReport`, `/websmpp/downloadcoverage`, `/websmpp/api/dlrreport`;
- `jsonapi`: `/websmpp/json/sms`, `/websmpp/json/status`;
- `xmlapi`: `/websmpp/xmlsms`, `/websmpp/xmlstatus`.

Only the document's endpoints are served: its status code table lists recharge codes (060..063)
but the document shows no recharge call, so the fake has none (docs/providers/broadnet.md).

Account options are listed in `options`; message rules in `submit`; status vocabularies in
`status`; the DLR push in `dlr`; id shapes in `ids`.

Quirks and switches:
- every endpoint takes its credentials under its own names, as documented: `user`/`pass`
  (websms), `userid`/`password` (balance, coverage), `username`/`pass` (DLR report),
  `username`/`password` (JSON, XML), or `accesskey` everywhere;
- answers are HTTP 200 with the error in the body (``ERROR - HTTPnn --> ...``, or a status code
  in JSON/XML), like the real gateway; a path outside the API is a plain 404;
- `fake.maintenance = True` makes every request answer "service unavailable" (HTTP11 / 007);
- `fake.pin_ids(messages=[...], batches=[...])` hands out given ids next (to replay the
  document's examples with their own ids).

Scenarios name Broadnet's delivery statuses (`DELIVRD`, `UNDELIV`, `EXPIRED`, `REJECTD`,
`ACCEPTD`, `DELETED`, `UNKNOWN`, `ATES`) or canonical ones in DLR timelines, and answer a
submission with ``respond: {status: <HTTPnn, a code or its name>}`` (see `status`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener
from pytest_smsmock.providers.broadnet import ids
from pytest_smsmock.providers.broadnet.dlr import accepts_ok, dlr_request, wants_push
from pytest_smsmock.providers.broadnet.options import AccountSettings, settings
from pytest_smsmock.providers.broadnet.smpp import BroadnetSmpp
from pytest_smsmock.providers.broadnet.status import (
    NATIVE_STATUSES,
    Rejection,
    error_line,
    resolve_scenario_status,
)
from pytest_smsmock.providers.broadnet.submit import Batch, check_account

__all__ = ["BroadnetFake"]

_ROUTES = Map(
    [
        Rule("/websmpp/websms", endpoint="websms.send"),
        Rule("/websmpp/websms/groupsms", endpoint="websms.groupsms"),
        Rule("/websmpp/websmsstatus", endpoint="websms.status"),
        Rule("/websmpp/balanceReport", endpoint="websms.balance"),
        Rule("/websmpp/downloadcoverage", endpoint="websms.coverage"),
        Rule("/websmpp/api/dlrreport", endpoint="websms.dlrreport"),
        Rule("/websmpp/json/sms", endpoint="json.sms"),
        Rule("/websmpp/json/status", endpoint="json.status"),
        Rule("/websmpp/xmlsms", endpoint="xml.sms"),
        Rule("/websmpp/xmlstatus", endpoint="xml.status"),
    ],
    strict_slashes=False,
    merge_slashes=False,
)

# Submissions answer an unexpected failure with "submission failed", queries with "query
# failed": the two generic codes of the websmpp table.
_QUERY_ENDPOINTS = frozenset(
    {"websms.status", "websms.balance", "websms.coverage", "websms.dlrreport"}
)


class BroadnetFake(ProviderFake):
    name = "broadnet"
    title = "Broadnet"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="https", tls=True))
    smpp_listeners = (SmppListener(name="plain"),)
    smpp_service = BroadnetSmpp
    smpp: BroadnetSmpp
    currency = "JOD"

    maintenance: bool = False

    @property
    def https_url(self) -> str:
        """Base URL of the HTTPS listener (clients trust `smsmock.ca_file`)."""
        return self._bound_url("https")

    # -- state ---------------------------------------------------------------------------
    def reset_state(self) -> None:
        self.maintenance = False
        self.batches: dict[str, Batch] = {}
        self._pinned: dict[str, list[str]] = {"message": [], "json": [], "xml": []}

    def validate_account(self, account: Account) -> None:
        settings(account)

    def settings(self, account: Account) -> AccountSettings:
        """The account's provider options, parsed (see `options`)."""
        return settings(account)

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """Canonical names, then Broadnet's delivery statuses in any case (`DELIVRD`, `ATES`,
        ...); `ACCEPTD` carries its name so it is reported as such (`status.change_status`)."""
        return super().resolve_status(value) or resolve_scenario_status(value)

    def native_statuses(self) -> list[str]:
        return list(NATIVE_STATUSES)

    def pin_ids(self, *, messages: Iterable[str] = (), batches: Iterable[str] = ()) -> None:
        """Hand out these ids next (batch ids go to the API whose shape they have)."""
        self._pinned["message"].extend(messages)
        for batch in batches:
            self._pinned["xml" if len(batch) == ids.BATCH_ID_LENGTHS["xml"] else "json"].append(
                batch
            )

    def new_id(self, kind: str = "message") -> str:
        """A seeded id in Broadnet's 19-digit message id shape (see `ids`)."""
        return self.new_message_id(self.clock.now(), kind)

    def new_message_id(self, at: datetime, kind: str = "message") -> str:
        if self._pinned["message"]:
            return self._pinned["message"].pop(0)
        return ids.message_id(self.ids(kind), at, lambda i: i in self.messages)

    def new_batch_id(self, api: str, at: datetime) -> str:
        if self._pinned[api]:
            return self._pinned[api].pop(0)
        draw = ids.json_batch_id if api == "json" else ids.xml_batch_id
        return draw(self.ids(f"batch-{api}"), at, lambda i: i in self.batches)

    def login(
        self,
        username: str | None,
        password: str | None,
        accesskey: str | None,
        ip: str | None,
    ) -> tuple[Account, AccountSettings]:
        """Authenticate with user and password or an accesskey, then check the account."""
        if self.maintenance:
            raise Rejection("HTTP11", "007", "the service is in maintenance")
        if accesskey:
            account = self.accounts.by_api_key(accesskey)
            if account is None:
                raise Rejection("HTTP15", "001", "unknown accesskey")
        else:
            if not username or password is None or password == "":
                raise Rejection("HTTP02", "002", "credentials are missing")
            account = self.accounts.get(username)
            if account is None:
                raise Rejection("HTTP05", "001", f"unknown system id {username!r}")
            if account.password != password:
                raise Rejection("HTTP04", "001", f"wrong password for {username!r}")
        config = settings(account)
        check_account(self, account, config, ip)
        return account, config

    # -- HTTP ----------------------------------------------------------------------------
    def handle_http(self, request: Request, listener: str) -> Response:
        endpoint = self._endpoint(request)
        if endpoint is None:
            if request.path.startswith("/websmpp/") or request.path == "/websmpp":
                return _text(error_line("HTTP01"))
            return Response("Not Found", status=404, mimetype="text/plain")
        family, _, action = endpoint.partition(".")
        if family == "websms":
            from pytest_smsmock.providers.broadnet import websms

            return websms.handle(self, request, action)
        if family == "json":
            from pytest_smsmock.providers.broadnet import jsonapi

            return jsonapi.handle(self, request, action)
        from pytest_smsmock.providers.broadnet import xmlapi

        return xmlapi.handle(self, request, action)

    def _endpoint(self, request: Request) -> str | None:
        try:
            endpoint, _ = _ROUTES.bind("broadnet").match(request.path, method="GET")
        except (NotFound, HTTPException):
            return None
        return str(endpoint)

    def error_response(self, request: Request, error: BaseException) -> Response:
        endpoint = self._endpoint(request) or ""
        if isinstance(error, Rejection):
            http, code = error.http, error.code
        elif isinstance(error, HTTPException):
            # An unreadable body (too large, broken form encoding) is the client's: "Invalid
            # Request" / input stream error.
            http, code = "HTTP16", "051"
        else:
            # The gateway's own failure: "submission failed" or "query failed" on websmpp.
            http = "HTTP13" if endpoint in _QUERY_ENDPOINTS else "HTTP03"
            code = "007"
        if endpoint.startswith("json."):
            from pytest_smsmock.providers.broadnet.jsonapi import failure

            return failure(code)
        if endpoint.startswith("xml."):
            from pytest_smsmock.providers.broadnet.xmlapi import failure as xml_failure

            return xml_failure(code)
        return _text(error_line(http))

    # -- DLRs ------------------------------------------------------------------------------
    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if not wants_push(change):
            return
        account = self.accounts.get(message.account)
        url = message.callback_url or (account.dlr_url if account is not None else None)
        if not url or account is None:
            return
        config = settings(account)
        self.callbacks.send(
            dlr_request(url, message, change, config.tz, style=config.dlr_style),
            retries=config.dlr_retries,
            accept=accepts_ok,
        )

    def describe(self) -> dict[str, Any]:
        base = dict(super().describe())
        base["api"] = "/websmpp/websms, /websmpp/json/sms, /websmpp/xmlsms"
        return base


def _text(body: str) -> Response:
    return Response(body, status=200, mimetype="text/plain")
