"""MiMSMS: Infobip's v1 REST API and the legacy v3 plain API on its own host.

One listener serves both APIs, as ``api.mimsms.com`` does: paths under ``/sms/1/`` go to
Infobip's REST component in its MiMSMS dialect (`providers.infobip.rest.RestApi`, the v1 send,
reports and logs of the document), every other path to Infobip's v3 component in its MiMSMS
dialect (`providers.infobip.v3.V3Api`). Each message records the API it came through
(`Message.api`), so its status changes reach the component that speaks for it.

Default accounts: ``test``/``test`` (the v3 examples) and ``Aladdin``/``open sesame`` (the v1
examples' Basic credentials), so every example of the document works as printed.

Quirk switches (account options, off by default):
- ``legacy_mccmnc=True``: logs spell `mccmnc` as the document's example, not `mccMnc`.
See `providers.infobip.rest` for what the fake does where the document is silent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.messages import InboundMessage, Message, Status, StatusChange
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.providers.base import HttpListener, ProviderFake, Runtime
from pytest_smsmock.providers.infobip import rest_status as v1_status
from pytest_smsmock.providers.infobip.rest import APIS as REST_APIS
from pytest_smsmock.providers.infobip.rest import MIMSMS_REST, RestApi
from pytest_smsmock.providers.infobip.v3 import MIMSMS_DIALECT, V3Api

__all__ = ["MimsmsFake"]


class MimsmsFake(ProviderFake):
    name = "mimsms"
    title = "MiMSMS"
    http_listeners = (HttpListener(name="primary"),)

    def __init__(self, runtime: Runtime, *, seed: int | str = 0) -> None:
        # The components keep a reference to the fake only; the base constructor resets them.
        self.rest = RestApi(self, MIMSMS_REST)
        self.v3 = V3Api(self, MIMSMS_DIALECT)
        super().__init__(runtime, seed=seed)

    # -- accounts ---------------------------------------------------------------------------
    def default_accounts(self) -> Iterable[tuple[str, str, dict[str, Any]]]:
        return [
            ("test", "test", {"balance": self.default_balance}),
            ("Aladdin", "open sesame", {"balance": self.default_balance}),
        ]

    def validate_account(self, account: Account) -> None:
        self.rest.validate_account(account)
        v3_options = getattr(self.v3, "account_options", None)
        if v3_options is None:
            return  # the v3 component does not say which options it reads: accept any
        known = set(self.rest.account_options) | set(v3_options)
        unknown = sorted(set(account.options) - known)
        if unknown:
            raise ConfigError(
                f"mimsms: unknown account option(s) {unknown}; known: {sorted(known)}"
            )

    def reset_state(self) -> None:
        self.rest.reset()
        self.v3.reset()

    def pull_queues(self) -> list[OnceQueue[Any]]:
        return [self.inbox, self.v3.reports]

    def forget_message(self, message: Message) -> None:
        self.rest.forget_message(message)

    # -- HTTP -------------------------------------------------------------------------------
    def handle_http(self, request: Request, listener: str) -> Response:
        answer = self.rest.handle(request, listener)
        if answer is None:
            answer = self.v3.handle(request, listener)
        if answer is None:
            return super().handle_http(request, listener)
        return answer

    def error_response(self, request: Request, error: BaseException) -> Response:
        if self.rest.serves(request.path):
            return self.rest.error_response(request, error)
        return self.v3.error_response(request, error)

    # -- lifecycle --------------------------------------------------------------------------
    def on_status_change(self, message: Message, change: StatusChange) -> None:
        if message.api in REST_APIS:
            self.rest.on_status_change(message, change)
        else:
            self.v3.on_status_change(message, change)

    def deliver_mo(self, message: InboundMessage) -> None:
        # The v1 document has no inbound endpoint: inbound messages take the v3 routes.
        self.v3.deliver_mo(message)

    # -- scenarios --------------------------------------------------------------------------
    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """A native status a scenario names -> (canonical status, error to carry), else None.

        v1 names and ids first (``"DELIVERED_TO_HANDSET"``, ``5``): the native name rides along
        as the error, so the report shows exactly that status. Then the v3 component's names.
        """
        canonical = super().resolve_status(value)
        if canonical is not None:
            return canonical
        native = v1_status.find_status(value)
        if native is not None:
            return v1_status.to_canonical(native.id), native.name
        resolve = getattr(self.v3, "resolve_status", None)
        if resolve is not None:
            resolved: tuple[Status, int | str | None] | None = resolve(value)
            return resolved
        return None

    def resolve_error(self, value: str | int) -> int | str | None:
        """A GSM error of the v1 table by id or name, else the canonical GSM vocabulary (the v1
        error ids are the GSM codes)."""
        if isinstance(value, bool):
            return None
        found = v1_status.find_error(value)
        if found is not None:
            return found.id
        return super().resolve_error(value)

    def native_statuses(self) -> list[str]:
        """Every native status name a scenario may use for this provider."""
        names = list(v1_status.native_names())
        more = getattr(self.v3, "native_statuses", None)
        if more is not None:
            names.extend(n for n in more() if n not in names)
        return names
