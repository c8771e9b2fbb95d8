"""The account options the Broadnet fake reads, validated when the account is added.

Common `Account` fields: `api_key` is the `accesskey`, `expired=True` answers HTTP26 / 003,
`dlr_url` is the account's web DLR link, `balance` is in credits.

Provider options (``smsmock.broadnet.add_account("u", "p", groups={...}, price=2)``):

| option | default | effect |
|---|---|---|
| `senders` | any | allowed sender ids (`sid`); others answer HTTP06 / 008 |
| `groups` | `{}` | address book: group name -> numbers, for `groupsms` and `group` lists |
| `price` | `1` | credits debited per SMS part and recipient |
| `gmt` | `+0300` | the account's time zone: `schtime` without `gmt`, DLR dates, the DLR report |
| `coverage` | all of `COVERAGE` | dial codes the account may send to (else HTTP23 / 006) |
| `web_access` | `True` | `False`: the account is blocked for web access (HTTP15 / 050) |
| `allowed_ips` | any | client addresses allowed to use the API (HTTP15 / 064) |
| `bind_fails` | `False` | the gateway's internal bind for this account fails (HTTP14 / 007) |
| `max_parts` | `10` | longest message in parts (HTTP17 / 009 beyond) |
| `validity` | `48h` | a message not final by then becomes EXPIRED |
| `dlr_retries` | `1m 5m 15m 1h 3h 6h` | delays between web DLR attempts after a failed one |
| `dlr_style` | `both` | where the DLR fields go: `query`, `form` body, or `both` |
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import timedelta, timezone
from decimal import Decimal
from typing import Any, Final

from pytest_smsmock.clock import parse_duration
from pytest_smsmock.core.accounts import Account, to_decimal
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import ConfigError

__all__ = [
    "DEFAULT_DLR_RETRIES",
    "KNOWN_OPTIONS",
    "SERVER_TZ",
    "AccountSettings",
    "parse_gmt",
    "settings",
]

#: Broadnet runs in Amman; the fake's ids and default dates use its offset.
SERVER_TZ: Final = timezone(timedelta(hours=3))

# The document gives no retry schedule for the web DLR: a growing back-off over about ten and a
# half hours, which is what gateways of this kind commonly do before dropping a report.
DEFAULT_DLR_RETRIES: Final = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
)

KNOWN_OPTIONS: Final = frozenset(
    {
        "senders",
        "groups",
        "price",
        "gmt",
        "coverage",
        "web_access",
        "allowed_ips",
        "bind_fails",
        "max_parts",
        "validity",
        "dlr_retries",
        "dlr_style",
    }
)

_GMT = re.compile(r"([+-]?)(\d{2}):?(\d{2})")


def parse_gmt(value: str) -> timezone:
    """``+0530`` / ``-0300`` / ``+05:30`` -> a fixed offset; raises ValueError.

    A leading space stands for ``+``: the document's own example sends ``gmt=+0530`` unencoded
    in a query string, where form decoding turns the ``+`` into a space.
    """
    text = value.strip(" ")
    if value.startswith(" ") and text[:1] not in ("+", "-"):
        text = "+" + text
    match = _GMT.fullmatch(text)
    if match is None:
        raise ValueError(f"not a GMT offset: {value!r}")
    sign = match.group(1) or "+"
    hours, minutes = int(match.group(2)), int(match.group(3))
    if hours > 14 or minutes >= 60:
        raise ValueError(f"not a GMT offset: {value!r}")
    delta = timedelta(hours=hours, minutes=minutes)
    return timezone(-delta if sign == "-" else delta)


@value_class
class AccountSettings:
    """An account's provider options, parsed once."""

    senders: frozenset[str] | None
    groups: Mapping[str, tuple[str, ...]]
    price: Decimal
    tz: timezone
    coverage: tuple[str, ...] | None
    web_access: bool
    allowed_ips: frozenset[str] | None
    bind_fails: bool
    max_parts: int
    validity: timedelta | None
    dlr_retries: tuple[timedelta, ...]
    dlr_style: str


def _strings(name: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise ConfigError(f"broadnet: option {name} must be a list of strings, got {value!r}")
    items = tuple(str(item) for item in value)
    return items


def settings(account: Account) -> AccountSettings:
    """Parse and check an account's options (raises ConfigError naming the option)."""
    options = account.options
    unknown = sorted(set(options) - KNOWN_OPTIONS)
    if unknown:
        raise ConfigError(
            f"broadnet: unknown account option(s) {unknown}; known: {sorted(KNOWN_OPTIONS)}"
        )
    senders = options.get("senders")
    groups_option = options.get("groups") or {}
    if not isinstance(groups_option, Mapping):
        raise ConfigError(f"broadnet: option groups must map names to numbers: {groups_option!r}")
    groups = {str(k): _strings(f"groups[{k!r}]", v) for k, v in groups_option.items()}
    try:
        tz = parse_gmt(str(options.get("gmt", "+0300")))
    except ValueError as exc:
        raise ConfigError(f"broadnet: option gmt: {exc}") from None
    coverage = options.get("coverage")
    ips = options.get("allowed_ips")
    max_parts = options.get("max_parts", 10)
    if isinstance(max_parts, bool) or not isinstance(max_parts, int) or max_parts < 1:
        raise ConfigError(f"broadnet: option max_parts must be a positive integer: {max_parts!r}")
    validity = options.get("validity", "48h")
    retries = options.get("dlr_retries")
    style = options.get("dlr_style", "both")
    if style not in ("both", "query", "form"):
        raise ConfigError(f"broadnet: option dlr_style must be both, query or form: {style!r}")
    return AccountSettings(
        senders=None if senders is None else frozenset(_strings("senders", senders)),
        groups=groups,
        price=to_decimal(options.get("price", 1), name="broadnet: option price"),
        tz=tz,
        coverage=None if coverage is None else _strings("coverage", coverage),
        web_access=bool(options.get("web_access", True)),
        allowed_ips=None if ips is None else frozenset(_strings("allowed_ips", ips)),
        bind_fails=bool(options.get("bind_fails", False)),
        max_parts=max_parts,
        validity=None if validity is None else parse_duration(validity),
        dlr_retries=DEFAULT_DLR_RETRIES
        if retries is None
        else tuple(parse_duration(r) for r in _strings("dlr_retries", retries)),
        dlr_style=style,
    )
