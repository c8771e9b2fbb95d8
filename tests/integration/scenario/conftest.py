"""A tiny test-only provider ("echo") and a hub serving it, to exercise scenario features that
no registered provider reaches yet (a TLS HTTP listener, native status names)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.errors import Refusal
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import HttpListener, ProviderFake
from pytest_smsmock.providers.http_faults import faulted
from pytest_smsmock.providers.submission import Draft, submit
from pytest_smsmock.scenario.decisions import SubmitDecision

NATIVE = {
    "DELIVRD": (Status.DELIVERED, None),
    "UNDELIV": (Status.UNDELIVERABLE, 1),
    2: (Status.DELIVERED, None),
}


class EchoFake(ProviderFake):
    """POST /send (user, password, to, from, text) -> {"id"} or the scenario's {"status"};
    GET /status?id= -> {"status", "error"}; DLRs pushed to the account's dlr_url."""

    name = "echo"
    title = "Echo (tests only)"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="tls", tls=True))

    def handle_http(self, request: Request, listener: str) -> Response:
        if request.path == "/send":
            form = request.values
            account = self.accounts.authenticate(form.get("user"), form.get("password"))
            if account is None or account.expired:
                return Response(json.dumps({"status": "AUTH"}), status=401)
            to, sender, text = form.get("to", ""), form.get("from", ""), form.get("text", "")

            def build(draft: Draft, decision: SubmitDecision) -> Message:
                return Message(
                    message_id=self.new_id(),
                    provider=self.name,
                    account=account.username,
                    to=to,
                    sender=sender,
                    text=text,
                    submitted_at=self.clock.now(),
                    callback_url=account.dlr_url,
                )

            try:
                result = submit(
                    self,
                    account,
                    [Draft(to=to, sender=sender, text=text, price=Decimal(0))],
                    protocol="http",
                    api="send",
                    at=self.clock.now(),
                    build=build,
                    refuse=lambda answer, draft: Refusal(str(answer), status=400, native=answer),
                    no_credit=lambda cost: Refusal("no credit", status=402),
                )
            except Refusal as refused:
                return Response(json.dumps({"status": refused.native}), status=refused.status)
            if result.replaced:
                return faulted(result.fault, None)
            answer = Response(
                json.dumps({"id": result.messages[0].message_id}), mimetype="application/json"
            )
            return faulted(result.fault, answer)
        if request.path == "/status":
            found = self.messages.get(request.args.get("id", ""))
            if found is None:
                return Response("{}", status=404)
            body = {
                "status": str(found.status),
                "native": found.native_status,
                "error": found.error,
            }
            return Response(json.dumps(body), mimetype="application/json")
        if request.path == "/balance":
            account = self.accounts.get(request.args.get("user", "test"))
            return Response(str(account.balance if account else ""), mimetype="text/plain")
        return super().handle_http(request, listener)

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if message.callback_url:
            body = json.dumps({"id": message.message_id, "status": str(change.status)})
            self.callbacks.send(
                CallbackRequest(
                    method="POST",
                    url=message.callback_url,
                    body=body.encode(),
                    ref=message.message_id,
                ),
                retries=(timedelta(minutes=1), timedelta(minutes=5)),
            )

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        return NATIVE.get(value) or super().resolve_status(value)

    def native_statuses(self) -> list[str]:
        return [str(k) for k in NATIVE]


@pytest.fixture(scope="module")
def echo_hub() -> Iterator[SmsMock]:
    with SmsMock(providers=("infobip",), fakes=[EchoFake]) as hub:
        yield hub


@pytest.fixture
def hub(echo_hub: SmsMock) -> Iterator[SmsMock]:
    echo_hub.reset(seed=0)
    yield echo_hub
    echo_hub.raise_errors()
