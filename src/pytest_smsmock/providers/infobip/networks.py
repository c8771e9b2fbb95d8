"""Which mobile network (MCC+MNC) a destination belongs to, for the logs' `mccMnc`, `mcc`, `mnc`.

The real platform looks numbers up in its number-portability data; the fake uses the longest
matching prefix of a small table (the document's market, Bangladesh, and the networks of its
examples). Tests extend it per fake: ``smsmock.mimsms.rest.networks["1555"] = "310260"``.
A number no prefix matches has no network: `mccMnc` is null and `mcc`/`mnc` filters skip it.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["DEFAULT_NETWORKS", "lookup_network"]

DEFAULT_NETWORKS: Mapping[str, str] = {
    # Bangladesh (MCC 470): the document's 88017xxxxxxxx numbers.
    "88017": "47001",  # Grameenphone
    "88013": "47001",  # Grameenphone
    "88018": "47002",  # Robi
    "88019": "47003",  # Banglalink
    "88014": "47003",  # Banglalink
    "88015": "47004",  # Teletalk
    "88016": "47007",  # Airtel (Robi)
    # Switzerland (228): the logs example's 22801.
    "4179": "22801",  # Swisscom
    "4178": "22802",  # Sunrise
    "4176": "22803",  # Salt
    # Croatia (219): the v3 examples' 38598... numbers.
    "38598": "21901",  # Hrvatski Telekom
    "38599": "21901",
    "38591": "21910",  # A1
    "38595": "21902",  # Telemach
}


def lookup_network(number: str, table: Mapping[str, str]) -> str | None:
    """The MCC+MNC of the longest prefix of `number` in `table`, else None."""
    digits = number.lstrip("+")
    for length in range(min(len(digits), 15), 0, -1):
        found = table.get(digits[:length])
        if found is not None:
            return found
    return None
