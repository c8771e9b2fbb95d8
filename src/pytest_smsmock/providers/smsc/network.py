"""Where a number lives, as SMSC's status (all=2) and HLR answers report it. Deterministic data.

A number's country comes from its prefix (longest match in `COUNTRIES`); its operator is picked
from the country's operators by a hash of the number, so the same number always lands on the
same operator, IMSI and MSC. Unknown prefixes answer empty names and mccmnc `0`.
"""

from __future__ import annotations

import hashlib

from pytest_smsmock.core.frozen import value_class

__all__ = ["COUNTRIES", "Subscriber", "lookup"]


@value_class
class Subscriber:
    country: str
    operator: str
    region: str
    mcc: str
    mnc: str
    imsi: str
    msc: str

    @property
    def mccmnc(self) -> str:
        return f"{self.mcc}{self.mnc}" if self.mcc else "0"


# prefix -> (country, mcc, region, ((mnc, operator), ...))
COUNTRIES: dict[str, tuple[str, str, str, tuple[tuple[str, str], ...]]] = {
    "7": (
        "Russia",
        "250",
        "Moscow",
        (("01", "MTS"), ("02", "MegaFon"), ("99", "Beeline"), ("20", "Tele2")),
    ),
    "77": ("Kazakhstan", "401", "Almaty", (("01", "Beeline KZ"), ("02", "Kcell"))),
    "375": ("Belarus", "257", "Minsk", (("01", "A1"), ("02", "MTS BY"))),
    "380": ("Ukraine", "255", "Kyiv", (("01", "Vodafone UA"), ("03", "Kyivstar"))),
    "49": ("Germany", "262", "", (("01", "Telekom"), ("02", "Vodafone DE"))),
    "385": ("Croatia", "219", "", (("01", "HT"), ("10", "A1 HR"))),
}


def _digits(seed: bytes, count: int) -> str:
    number = int.from_bytes(hashlib.sha256(seed).digest(), "big")
    return str(number)[-count:].rjust(count, "0")


def lookup(phone: str) -> Subscriber:
    for size in range(len(phone), 0, -1):
        entry = COUNTRIES.get(phone[:size])
        if entry is not None:
            break
    else:
        return Subscriber(country="", operator="", region="", mcc="", mnc="", imsi="", msc="")
    country, mcc, region, operators = entry
    pick = int(_digits(phone.encode() + b"/op", 6)) % len(operators)
    mnc, operator = operators[pick]
    return Subscriber(
        country=country,
        operator=operator,
        region=region,
        mcc=mcc,
        mnc=mnc,
        imsi=mcc + mnc + _digits(phone.encode() + b"/imsi", 10),
        msc=phone[: len(phone) - 7] + _digits(phone.encode() + b"/msc", 7),
    )
