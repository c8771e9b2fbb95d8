"""The Enhanced SMPP provider: SMPP only, plain and TLS ports (document 002).

Everything it does is SMPP: see `smpp.py` for the bind rules, the 30 submits per second limit,
the validation codes and the receipts. `fake.smpp` is that service: set ``throughput``,
``allowed_networks`` or ``unknown_networks`` on it in a test.

Account options: ``price`` (credits per part, default 1), ``uncovered_prefixes`` (destinations
answered 0x12F), ``throughput`` (submits per second for this account), ``allowed_ips``
(networks this account may bind from).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_smsmock.errors import ConfigError
from pytest_smsmock.providers.base import ProviderFake, SmppListener
from pytest_smsmock.providers.enhanced_smpp.smpp import EnhancedSmppService

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account

__all__ = ["ACCOUNT_OPTIONS", "EnhancedSmppFake"]

ACCOUNT_OPTIONS = frozenset({"price", "uncovered_prefixes", "throughput", "allowed_ips"})


class EnhancedSmppFake(ProviderFake):
    name = "enhanced_smpp"
    title = "Enhanced SMPP"
    smpp_listeners = (SmppListener(name="plain"), SmppListener(name="tls", tls=True))
    smpp_service = "pytest_smsmock.providers.enhanced_smpp.smpp:EnhancedSmppService"
    smpp: EnhancedSmppService

    @property
    def service(self) -> EnhancedSmppService:
        """`fake.smpp`, typed."""

        assert isinstance(self.smpp, EnhancedSmppService)
        return self.smpp

    def validate_account(self, account: Account) -> None:
        unknown = sorted(set(account.options) - ACCOUNT_OPTIONS)
        if unknown:
            raise ConfigError(
                f"enhanced_smpp: unknown account option(s) {unknown}; "
                f"known: {sorted(ACCOUNT_OPTIONS)}"
            )
