"""Provider accounts: credentials, balance, callback URLs and provider options."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import field
from decimal import Decimal
from typing import Any

from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.errors import ConfigError

__all__ = ["Account", "AccountBook", "to_decimal"]


def to_decimal(value: object, *, name: str = "balance") -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ConfigError(f"{name} must be a number, got {value!r}")
    try:
        return Decimal(str(value))
    except ArithmeticError as exc:
        raise ConfigError(f"{name} must be a number, got {value!r}") from exc


@record_class(eq=False)
class Account:
    """One customer account of a fake provider.

    `options` carries what only one provider knows (allowed senders, quirk switches, ...);
    each provider documents the keys it reads.
    """

    username: str
    password: str
    balance: Decimal = Decimal("1000")
    currency: str = "EUR"
    dlr_url: str | None = None
    mo_url: str | None = None
    api_key: str | None = None
    expired: bool = False
    options: dict[str, Any] = field(default_factory=dict)

    def can_pay(self, amount: Decimal) -> bool:
        """A look at the balance; paying is `AccountBook.charge` (checked and debited as one)."""
        return self.balance >= amount

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


_FIELDS = {"balance", "currency", "dlr_url", "mo_url", "api_key", "expired"}


class AccountBook:
    """The accounts of one fake; thread-safe, restored to its defaults on reset."""

    def __init__(self, provider: str, *, default_currency: str = "EUR") -> None:
        self.provider = provider
        self.default_currency = default_currency
        self._accounts: dict[str, Account] = {}
        self._lock = threading.Lock()

    def charge(self, account: Account, amount: Decimal) -> bool:
        """Debit `amount` if the balance covers it, as one step under concurrent senders (the
        one place a balance goes down); False, and nothing debited, when it does not."""
        lock = self._lock  # not `with`: it makes two bound methods per use (every submit)
        lock.acquire()
        try:
            if account.balance < amount:
                return False
            account.balance -= amount
            return True
        finally:
            lock.release()

    def refund(self, account: Account, amount: Decimal) -> None:
        """Give `amount` back (a message refused after it was paid for, a scenario's top-up)."""
        with self._lock:
            account.balance += amount

    def set_balance(self, account: Account, amount: Decimal) -> None:
        with self._lock:
            account.balance = amount

    def build(self, username: str, password: str, **options: Any) -> Account:
        if not isinstance(username, str) or not username:
            raise ConfigError(f"{self.provider}: an account needs a non-empty username")
        if not isinstance(password, str):
            raise ConfigError(f"{self.provider}: password of {username!r} must be a string")
        known = {k: options.pop(k) for k in list(options) if k in _FIELDS}
        if "credits" in options:
            known["balance"] = options.pop("credits")
        account = Account(username=username, password=password, currency=self.default_currency)
        for key, value in known.items():
            if key == "balance":
                account.balance = to_decimal(value)
            elif key == "expired":
                account.expired = bool(value)
            else:
                if value is not None and not isinstance(value, str):
                    raise ConfigError(f"{self.provider}: {key} must be a string, got {value!r}")
                setattr(account, key, value)
        account.options = dict(options)
        return account

    def add(self, account: Account) -> Account:
        with self._lock:
            self._accounts[account.username] = account
        return account

    def get(self, username: str) -> Account | None:
        with self._lock:
            return self._accounts.get(username)

    def authenticate(self, username: str | None, password: str | None) -> Account | None:
        account = self.get(username or "")
        if account is None or password is None or account.password != password:
            return None
        return account

    def by_api_key(self, key: str | None) -> Account | None:
        if not key:
            return None
        with self._lock:
            for account in self._accounts.values():
                if account.api_key == key:
                    return account
        return None

    def clear(self) -> None:
        with self._lock:
            self._accounts.clear()

    def __iter__(self) -> Iterator[Account]:
        with self._lock:
            return iter(list(self._accounts.values()))

    def __len__(self) -> int:
        return len(self._accounts)

    def __contains__(self, username: object) -> bool:
        return username in self._accounts

    def snapshot(self) -> Mapping[str, Account]:
        with self._lock:
            return dict(self._accounts)
