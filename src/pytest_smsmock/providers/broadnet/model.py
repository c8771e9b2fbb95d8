"""Broadnet's model: what every Broadnet interface shares (see `fake` for the provider)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.frozen import record_class, value_class
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener
from pytest_smsmock.providers.broadnet import ids
from pytest_smsmock.providers.broadnet.dlr import accepts_ok, dlr_request, wants_push
from pytest_smsmock.providers.broadnet.options import AccountSettings, settings
from pytest_smsmock.providers.broadnet.status import (
    NATIVE_STATUSES,
    Rejection,
    resolve_scenario_status,
)

if TYPE_CHECKING:
    from pytest_smsmock.providers.broadnet.smpp import BroadnetSmpp

__all__ = ["Batch", "BatchEntry", "BroadnetModel", "check_account"]


@value_class
class BatchEntry:
    msisdn: str
    message_id: str | None
    code: str  # "000", or why this number was not sent ("005", "006")


@record_class
class Batch:
    """One JSON/XML submission: what its status enquiry reports."""

    batch_id: str
    api: str
    account: str
    entries: list[BatchEntry] = field(default_factory=list)


def check_account(
    fake: BroadnetModel, account: Account, settings: AccountSettings, ip: str | None
) -> None:
    """What every request of an authenticated account checks first (service, expiry, access)."""
    if fake.maintenance:
        raise Rejection("HTTP11", "007", "the service is in maintenance")
    if account.expired:
        raise Rejection("HTTP26", "003", "the account has expired")
    if not settings.web_access:
        raise Rejection("HTTP15", "050", "web access is not allowed for the account")
    if settings.allowed_ips is not None and ip not in settings.allowed_ips:
        raise Rejection("HTTP15", "064", f"{ip} is not an allowed address of the account")


class BroadnetModel(ProviderFake):
    """Broadnet's state and rules (accounts, ids, batches, DLR push); `BroadnetFake` adds the
    HTTP routing, and the API modules take this class, so they do not import the fake."""

    name = "broadnet"
    title = "Broadnet"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="https", tls=True))
    smpp_listeners = (SmppListener(name="plain"),)
    smpp_service = "pytest_smsmock.providers.broadnet.smpp:BroadnetSmpp"
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
        # Where each id shape has found seconds full (see `ids.IdSpace`).
        self._id_spaces = {
            "message": ids.message_ids(),
            "json": ids.json_batch_ids(),
            "xml": ids.xml_batch_ids(),
        }

    def forget_message(self, message: Message) -> None:
        """A bounded run forgot `message`: its batch goes with it (an enquiry answers 053, as
        for any batch the gateway no longer has)."""
        if message.bulk_id:
            self.batches.pop(message.bulk_id, None)

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
        return self._id_spaces["message"].draw(self.ids(kind), at, self.messages.__contains__)

    def new_batch_id(self, api: str, at: datetime) -> str:
        if self._pinned[api]:
            return self._pinned[api].pop(0)
        space = self._id_spaces["json" if api == "json" else "xml"]
        return space.draw(self.ids(f"batch-{api}"), at, self.batches.__contains__)

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
