"""SMSC.ru `translit`: Cyrillic text rewritten in Latin letters before it is sent.

`translit=1` is the usual Russian transliteration ("Привет" -> "Privet"); `translit=2` is SMSC's
look-alike style ("Привет" -> "npuBeT"), where each Cyrillic letter becomes the Latin letters or
signs that look most like it. Both keep the message in the GSM 7-bit alphabet, so it is billed at
160 characters per SMS instead of 70. Characters outside the tables pass through unchanged.
"""

from __future__ import annotations

from types import MappingProxyType

__all__ = ["LOOKALIKE", "TRANSLIT", "transliterate"]

_LOWER = {
    "а": "a",
    "б": "b",
    "в": "v",
    "г": "g",
    "д": "d",
    "е": "e",
    "ё": "yo",
    "ж": "zh",
    "з": "z",
    "и": "i",
    "й": "j",
    "к": "k",
    "л": "l",
    "м": "m",
    "н": "n",
    "о": "o",
    "п": "p",
    "р": "r",
    "с": "s",
    "т": "t",
    "у": "u",
    "ф": "f",
    "х": "h",
    "ц": "c",
    "ч": "ch",
    "ш": "sh",
    "щ": "sch",
    "ъ": "'",
    "ы": "y",
    "ь": "'",
    "э": "e",
    "ю": "yu",
    "я": "ya",
}


def _with_capitals(lower: dict[str, str]) -> dict[str, str]:
    table = dict(lower)
    for cyr, lat in lower.items():
        table[cyr.upper()] = lat[:1].upper() + lat[1:]
    return table


TRANSLIT: MappingProxyType[str, str] = MappingProxyType(_with_capitals(_LOWER))
"""`translit=1`: Cyrillic letter -> Latin letters."""

_LOOKALIKE_LOWER = {
    "а": "a",
    "б": "6",
    "в": "B",
    "г": "r",
    "д": "g",
    "е": "e",
    "ё": "e",
    "ж": ">|<",
    "з": "3",
    "и": "u",
    "й": "u",
    "к": "k",
    "л": "JI",
    "м": "M",
    "н": "H",
    "о": "o",
    "п": "n",
    "р": "p",
    "с": "c",
    "т": "T",
    "у": "y",
    "ф": "cp",
    "х": "x",
    "ц": "LL",
    "ч": "4",
    "ш": "W",
    "щ": "LLL",
    "ъ": "'b",
    "ы": "bI",
    "ь": "b",
    "э": "-)",
    "ю": "I-O",
    "я": "9I",
}
_LOOKALIKE_UPPER = {
    "А": "A",
    "Б": "6",
    "В": "B",
    "Г": "r",
    "Д": "D",
    "Е": "E",
    "Ё": "E",
    "Ж": ">|<",
    "З": "3",
    "И": "U",
    "Й": "U",
    "К": "K",
    "Л": "JI",
    "М": "M",
    "Н": "H",
    "О": "O",
    "П": "n",
    "Р": "P",
    "С": "C",
    "Т": "T",
    "У": "Y",
    "Ф": "CP",
    "Х": "X",
    "Ц": "LL",
    "Ч": "4",
    "Ш": "W",
    "Щ": "LLL",
    "Ъ": "'b",
    "Ы": "bI",
    "Ь": "b",
    "Э": "-)",
    "Ю": "I-O",
    "Я": "9I",
}
LOOKALIKE: MappingProxyType[str, str] = MappingProxyType({**_LOOKALIKE_LOWER, **_LOOKALIKE_UPPER})
"""`translit=2`: Cyrillic letter -> Latin look-alike."""


def transliterate(text: str, mode: int) -> str:
    """`text` as SMSC sends it for `translit=mode` (0: unchanged, 1: Latin, 2: look-alike)."""
    if mode == 0:
        return text
    table = TRANSLIT if mode == 1 else LOOKALIKE
    return "".join(table.get(char, char) for char in text)
