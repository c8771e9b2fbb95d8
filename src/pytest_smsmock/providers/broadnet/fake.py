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

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from pytest_smsmock.providers.broadnet import jsonapi, websms, xmlapi
from pytest_smsmock.providers.broadnet.model import BroadnetModel
from pytest_smsmock.providers.broadnet.status import Rejection, error_line

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


class BroadnetFake(BroadnetModel):
    """The Broadnet provider: the model and its HTTP routes (the module docstring)."""

    # -- HTTP ----------------------------------------------------------------------------
    def handle_http(self, request: Request, listener: str) -> Response:
        endpoint = self._endpoint(request)
        if endpoint is None:
            if request.path.startswith("/websmpp/") or request.path == "/websmpp":
                return _text(error_line("HTTP01"))
            return Response("Not Found", status=404, mimetype="text/plain")
        family, _, action = endpoint.partition(".")
        if family == "websms":
            return websms.handle(self, request, action)
        if family == "json":
            return jsonapi.handle(self, request, action)
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
            return jsonapi.failure(code)
        if endpoint.startswith("xml."):
            return xmlapi.failure(code)
        return _text(error_line(http))


def _text(body: str) -> Response:
    return Response(body, status=200, mimetype="text/plain")
