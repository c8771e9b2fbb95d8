"""Infobip: legacy HTTP API v3 on a primary and a secondary access point (api / api2).

The HTTP API lives in `v3.py` (`V3Api` with `INFOBIP_DIALECT`); message validation in
`sending.py`; status tables shared with the SMPP profile in `status.py`; Number Context in
`hlr.py`. Both listeners serve the same API over the same state, so a client that fails over to
``secondary_url`` sees its messages and reports there (take the primary down with
``smsmock.take_down("infobip", "primary")``).

Account options (``smsmock.infobip.add_account(username, password, credits=..., dlr_url=...,
mo_url=..., **options)``):

- ``allowed_senders``: list of sender names the account may use (others -> -34); default any.
- ``uncovered_prefixes``: destination prefixes the account's routing does not cover (send -> -3,
  Number Context -> REJECTD).
- ``price``: credits per message part (default 1); ``hlr_price``: per Number Context query
  (default 1).
- ``hlr_results``: ``{number or "*": {field: value}}`` Number Context results (IMSI, MSC, stat,
  err, mccmnc, ported, roaming, ...; see `hlr.py`); ``hlr_url``: where async Number Context
  reports go (default ``dlr_url``); ``hlr_delay``: seconds until they go (default 2).
- ``quirks``: names from `v3.QUIRKS` to turn on for this account.

Fake attributes: ``quirks`` (a set, as the account option but for every account),
``hlr_results`` (as the option, for every account), ``reports`` (DLRs waiting for a pull),
``secondary_url``.

Scenarios name Infobip's DLR statuses and SMPP stat words besides the canonical ones
(`resolve_status`, from `status.py`), GSM error codes or names as ``error:``, and send codes (or
their names) as ``respond: {status: ...}``. The user's page is ``docs/providers/infobip.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

from pytest_smsmock.errors import ConfigError
from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener
from pytest_smsmock.providers.infobip import hlr
from pytest_smsmock.providers.infobip.smpp import InfobipSmpp
from pytest_smsmock.providers.infobip.v3 import (
    ACCOUNT_OPTIONS,
    INFOBIP_DIALECT,
    QUIRKS,
    DeliveryReport,
    V3Api,
)

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.messages import InboundMessage, Message, Status, StatusChange
    from pytest_smsmock.core.queues import OnceQueue
    from pytest_smsmock.providers.base import Runtime

__all__ = ["ACCOUNT_OPTIONS", "InfobipFake"]


def validate_v3_options(provider: str, account: Account, known: frozenset[str]) -> None:
    """Refuse unknown or malformed v3 account options (shared with MiMSMS)."""
    unknown = sorted(set(account.options) - known)
    if unknown:
        raise ConfigError(
            f"{provider}: unknown account option(s) {unknown}; known: {sorted(known)}"
        )
    quirks = account.options.get("quirks") or ()
    if isinstance(quirks, str) or not all(q in QUIRKS for q in quirks):
        raise ConfigError(f"{provider}: quirks must be a list of {sorted(QUIRKS)}, got {quirks!r}")
    for key in ("allowed_senders", "uncovered_prefixes"):
        value = account.options.get(key)
        if value is not None and (
            isinstance(value, str) or not all(isinstance(v, str) for v in value)
        ):
            raise ConfigError(f"{provider}: {key} must be a list of strings, got {value!r}")
    results = account.options.get("hlr_results")
    if results is not None:
        if not isinstance(results, Mapping):
            raise ConfigError(f"{provider}: hlr_results must map numbers to fields")
        for number, fields in results.items():
            try:
                hlr.normalise(fields)
            except (KeyError, AttributeError) as exc:
                raise ConfigError(
                    f"{provider}: hlr_results[{number!r}]: unknown field {exc}"
                ) from None


class InfobipFake(ProviderFake):
    name = "infobip"
    title = "Infobip"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="secondary"))
    smpp_listeners = (SmppListener(name="plain"), SmppListener(name="tls", tls=True))
    smpp_service = InfobipSmpp
    smpp: InfobipSmpp

    def __init__(self, runtime: Runtime, *, seed: int | str = 0) -> None:
        # Built before the base class, whose __init__ resets (and so reaches reset_state()).
        self.v3 = V3Api(self, INFOBIP_DIALECT)
        super().__init__(runtime, seed=seed)

    @property
    def secondary_url(self) -> str:
        """Base URL of the secondary access point (api2), for failover tests."""
        return self._bound_url("secondary")

    @property
    def quirks(self) -> set[str]:
        """Quirk switches on for every account (names from `v3.QUIRKS`)."""
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
        self.v3.hlr_results[number] = hlr.normalise(fields)

    # -- ProviderFake hooks ----------------------------------------------------------------
    def validate_account(self, account: Account) -> None:
        validate_v3_options(self.name, account, ACCOUNT_OPTIONS)

    def handle_http(self, request: Request, listener: str) -> Response:
        response = self.v3.handle(request, listener)
        if response is None:
            return Response("Not Found", status=404, mimetype="text/plain")
        return response

    def error_response(self, request: Request, error: BaseException) -> Response:
        return self.v3.error_response(request, error)

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        self.v3.on_status_change(message, change)

    def deliver_mo(self, message: InboundMessage) -> None:
        self.v3.deliver_mo(message)

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """Canonical names, then Infobip's DLR status names and SMPP stat words (any case):
        ``NOT_DELIVERED``, ``NOT_ALLOWED``, ``DELIVRD``, ... A DLR name rides along as the
        error, so the report shows exactly that status."""
        return super().resolve_status(value) or self.v3.resolve_status(value)

    def native_statuses(self) -> list[str]:
        return self.v3.native_statuses()

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
        self.v3.reset()

    def new_id(self, kind: str = "message") -> str:
        """Infobip's numeric ids (``092052214113845702``)."""
        return self.ids(kind).digits(18)

    def default_mo_number(self) -> str:
        return "38598000000"
