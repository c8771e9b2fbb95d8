"""The coverage list: which destinations route, and what `downloadcoverage` hands out.

The document does not show the coverage file. The fake lists, per network, country, ISO code,
dial code, operator, MCC and MNC, plus the account's price per SMS part: the columns coverage
lists of SMS wholesalers carry. A destination routes when its number starts with the dial code
of a covered country (the account option `coverage` narrows the list to some dial codes);
anything else is a routing error (HTTP23 / 006), as on the real gateway.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from pytest_smsmock.core.frozen import value_class

__all__ = ["COVERAGE", "Network", "covered", "networks"]


@value_class
class Network:
    country: str
    iso: str
    dial_code: str
    operator: str
    mcc: str
    mnc: str


def _n(country: str, iso: str, dial: str, operator: str, mcc: str, mnc: str) -> Network:
    return Network(country=country, iso=iso, dial_code=dial, operator=operator, mcc=mcc, mnc=mnc)


COVERAGE: Final[tuple[Network, ...]] = (
    _n("Jordan", "JO", "962", "Zain JO", "416", "01"),
    _n("Jordan", "JO", "962", "Umniah", "416", "03"),
    _n("Jordan", "JO", "962", "Orange JO", "416", "77"),
    _n("Saudi Arabia", "SA", "966", "STC", "420", "01"),
    _n("Saudi Arabia", "SA", "966", "Mobily", "420", "03"),
    _n("Saudi Arabia", "SA", "966", "Zain SA", "420", "04"),
    _n("United Arab Emirates", "AE", "971", "Etisalat", "424", "02"),
    _n("United Arab Emirates", "AE", "971", "du", "424", "03"),
    _n("Kuwait", "KW", "965", "Zain KW", "419", "02"),
    _n("Kuwait", "KW", "965", "Ooredoo KW", "419", "03"),
    _n("Qatar", "QA", "974", "Ooredoo QA", "427", "01"),
    _n("Bahrain", "BH", "973", "Batelco", "426", "01"),
    _n("Oman", "OM", "968", "Omantel", "422", "02"),
    _n("Lebanon", "LB", "961", "Alfa", "415", "01"),
    _n("Iraq", "IQ", "964", "Zain IQ", "418", "20"),
    _n("Palestine", "PS", "970", "Jawwal", "425", "05"),
    _n("Egypt", "EG", "20", "Vodafone EG", "602", "02"),
    _n("Egypt", "EG", "20", "Orange EG", "602", "01"),
    _n("Morocco", "MA", "212", "Maroc Telecom", "604", "01"),
    _n("Tunisia", "TN", "216", "Tunisie Telecom", "605", "02"),
    _n("Turkey", "TR", "90", "Turkcell", "286", "01"),
    _n("India", "IN", "91", "Airtel", "404", "10"),
    _n("Pakistan", "PK", "92", "Jazz", "410", "01"),
    _n("Philippines", "PH", "63", "Globe", "515", "02"),
    _n("United Kingdom", "GB", "44", "Vodafone UK", "234", "15"),
    _n("Germany", "DE", "49", "Telekom DE", "262", "01"),
    _n("France", "FR", "33", "Orange FR", "208", "01"),
    _n("Croatia", "HR", "385", "Hrvatski Telekom", "219", "01"),
    _n("Russia", "RU", "7", "MTS", "250", "01"),
    _n("United States", "US", "1", "AT&T", "310", "410"),
)


def networks(prefixes: Iterable[str] | None = None) -> list[Network]:
    """The coverage list, narrowed to some dial codes (an account's `coverage` option)."""
    if prefixes is None:
        return list(COVERAGE)
    wanted = tuple(prefixes)
    return [n for n in COVERAGE if n.dial_code.startswith(wanted) or _covers(wanted, n)]


def _covers(prefixes: tuple[str, ...], network: Network) -> bool:
    return any(p.startswith(network.dial_code) for p in prefixes)


def covered(msisdn: str, prefixes: Iterable[str] | None = None) -> bool:
    """Whether a number (digits with country code) routes for an account."""
    if not any(msisdn.startswith(n.dial_code) for n in COVERAGE):
        return False
    if prefixes is None:
        return True
    return any(msisdn.startswith(p) for p in prefixes)
