"""What the REST APIs do to a text before it leaves: transliteration, national language tables,
URL shortening, and how many SMS it takes (``/sms/1/preview`` shows the same numbers).

The platform's own tables are not published; what the fake does (documented on the provider's
page):

- Transliteration replaces only characters the GSM 7-bit alphabet cannot carry. ``TURKISH``,
  ``GREEK``, ``CYRILLIC``, ``SERBIAN_CYRILLIC`` and ``BULGARIAN_CYRILLIC`` use their script's
  usual Latin (or GSM Greek capital) spelling; ``CENTRAL_EUROPEAN``, ``BALTIC``, ``PORTUGUESE``
  and ``COLOMBIAN`` drop diacritics; ``NON_UNICODE`` and ``ALL`` do all of that and turn whatever
  is left into ``?``, so the text is always GSM 7-bit; ``NONE`` changes nothing.
- A language (``TR``, ``ES``, ``PT``; ``AUTODETECT`` picks the first whose table covers the
  text) lets the letters of its national single-shift table (3GPP TS 23.038 annex A; the
  letters only) travel in GSM 7-bit at two septets each; the shift header then takes 3 octets
  of every part (155 characters single, 149 per part concatenated), when the text uses it.
- ``shortenUrl`` replaces every ``http(s)://`` URL with ``https://<customDomain or
  smsmock.test>/<code>``; ``removeProtocol`` leaves ``https://`` out.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

from pytest_smsmock.core.encoding import GSM7_BASIC, GSM7_EXTENSION, Encoding, segment
from pytest_smsmock.core.frozen import value_class

__all__ = [
    "LANGUAGES",
    "TRANSLITERATIONS",
    "Measure",
    "measure",
    "preview",
    "resolve_language",
    "shorten_urls",
    "transliterate",
]

TRANSLITERATIONS = (
    "NONE",
    "TURKISH",
    "GREEK",
    "CYRILLIC",
    "SERBIAN_CYRILLIC",
    "CENTRAL_EUROPEAN",
    "BALTIC",
    "NON_UNICODE",
    "PORTUGUESE",
    "COLOMBIAN",
    "BULGARIAN_CYRILLIC",
    "ALL",
)

#: National single-shift letters (TS 23.038 annex A), per language code.
LANGUAGES: Mapping[str, frozenset[str]] = {
    "TR": frozenset("ĞğİıŞşç"),
    "ES": frozenset("çÁáÍíÓóÚú"),
    "PT": frozenset("êçÔôÁáÍíÓóÚúÊÂâÀÃãÕõ"),
}
LANGUAGE_CODES = ("NONE", *LANGUAGES, "AUTODETECT")

_SHORT_DOMAIN = "smsmock.test"
_URL = re.compile(r"https?://[^\s]+", re.IGNORECASE)

_TURKISH = {"ı": "i", "İ": "I", "ğ": "g", "Ğ": "G", "ş": "s", "Ş": "S", "ç": "c"}
_GREEK_CAPITALS = {
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
}  # fmt: skip
_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya", "і": "i", "ї": "yi", "є": "ye", "ґ": "g",
}  # fmt: skip
_SERBIAN = {"ђ": "dj", "ј": "j", "љ": "lj", "њ": "nj", "ћ": "c", "џ": "dz", "ч": "c", "ш": "s",
            "ж": "z", "ц": "c", "х": "h"}  # fmt: skip
_BULGARIAN = {"щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "й": "y"}
_LATIN_EXTRA = {"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ı": "i", "ħ": "h", "Ħ": "H"}


def _gsm(char: str) -> bool:
    return char in GSM7_BASIC or char in GSM7_EXTENSION


def _with_capitals(table: Mapping[str, str]) -> dict[str, str]:
    result = dict(table)
    for lower, latin in table.items():
        upper = lower.upper()
        if upper != lower and upper not in result:
            result[upper] = latin[:1].upper() + latin[1:]
    return result


_CYRILLIC_ALL = _with_capitals(_CYRILLIC)
_SERBIAN_ALL = {**_CYRILLIC_ALL, **_with_capitals(_SERBIAN)}
_BULGARIAN_ALL = {**_CYRILLIC_ALL, **_with_capitals(_BULGARIAN)}


def _strip_marks(char: str) -> str:
    if char in _LATIN_EXTRA:
        return _LATIN_EXTRA[char]
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base if base and all(_gsm(c) for c in base) else char


def _greek(char: str) -> str:
    if not "\u0370" <= char <= "\u03ff":
        return char
    decomposed = unicodedata.normalize("NFD", char)
    upper = "".join(c for c in decomposed if not unicodedata.combining(c)).upper()
    if upper and all(_gsm(c) for c in upper):
        return upper  # the Greek capitals of the GSM alphabet: Δ Φ Γ Λ Ω Π Ψ Σ Θ Ξ
    return _GREEK_CAPITALS.get(upper, char)


def _mapper(name: str) -> Callable[[str], str]:
    if name == "TURKISH":
        return lambda c: _TURKISH.get(c, c)
    if name == "GREEK":
        return _greek
    if name == "CYRILLIC":
        return lambda c: _CYRILLIC_ALL.get(c, c)
    if name == "SERBIAN_CYRILLIC":
        return lambda c: _SERBIAN_ALL.get(c, c)
    if name == "BULGARIAN_CYRILLIC":
        return lambda c: _BULGARIAN_ALL.get(c, c)
    if name in ("CENTRAL_EUROPEAN", "BALTIC", "PORTUGUESE", "COLOMBIAN"):
        return _strip_marks

    steps: tuple[Callable[[str], str], ...] = (
        lambda c: _TURKISH.get(c, c),
        lambda c: _CYRILLIC_ALL.get(c, c),
        _greek,
        _strip_marks,
    )

    def everything(char: str) -> str:
        for step in steps:
            mapped = step(char)
            if mapped != char:
                return mapped if all(_gsm(c) for c in mapped) else "?"
        return "?"

    return everything


def transliterate(text: str, name: str | None) -> str:
    """`text` with the characters GSM 7-bit cannot carry spelled as `name` says."""
    if not name or name == "NONE":
        return text
    convert = _mapper(name)
    return "".join(char if _gsm(char) else convert(char) for char in text)


def resolve_language(text: str, code: str | None) -> str | None:
    """The national table a text uses: `code`, or for ``AUTODETECT`` the first that covers
    every character GSM 7-bit lacks; None for none (or ``NONE``)."""
    if not code or code == "NONE":
        return None
    if code != "AUTODETECT":
        return code if code in LANGUAGES else None
    missing = {char for char in text if not _gsm(char)}
    if not missing:
        return None
    for language, letters in LANGUAGES.items():
        if missing <= letters:
            return language
    return None


@value_class
class Measure:
    """How a text travels: its encoding, its parts, and the units left in the last part."""

    encoding: Encoding
    parts: int
    remaining: int


def _octets_limit(udh: int) -> int:
    return (140 - udh) * 8 // 7


def measure(text: str, language: str | None = None) -> Measure:
    """The parts `text` takes (GSM 7-bit with `language`'s shift letters, else GSM 7-bit,
    else UCS-2) and the characters left before one more part."""
    letters = LANGUAGES.get(language or "", frozenset())
    shifted = [c for c in text if not _gsm(c)]
    if shifted and all(c in letters for c in shifted):
        costs = [2 if c in GSM7_EXTENSION or c in letters else 1 for c in text]
        single = _octets_limit(4)  # UDHL + the 3-octet single-shift element
        total = sum(costs)
        if total <= single:
            return Measure(encoding=Encoding.GSM7, parts=1, remaining=single - total)
        per_part = _octets_limit(9)  # with the concatenation element too
        parts, used = 1, 0
        for cost in costs:
            if used + cost > per_part:
                parts, used = parts + 1, 0
            used += cost
        return Measure(encoding=Encoding.GSM7, parts=parts, remaining=per_part - used)
    seg = segment(text)
    last = seg.texts[-1]
    if seg.encoding is Encoding.GSM7:
        used = sum(2 if c in GSM7_EXTENSION else 1 for c in last)
    else:
        used = sum(2 if ord(c) > 0xFFFF else 1 for c in last)
    return Measure(encoding=seg.encoding, parts=seg.parts, remaining=seg.per_part_limit - used)


def preview(text: str, language: str | None, transliteration: str | None) -> dict[str, Any]:
    """``/sms/1/preview``: the text as it is, then with the language, the transliteration, and
    both, each with its message count and characters remaining."""
    language = None if language == "NONE" else language
    transliteration = None if transliteration == "NONE" else transliteration
    variants: list[tuple[str | None, str | None]] = [(None, None)]
    if language:
        variants.append((language, None))
    if transliteration:
        variants.append((None, transliteration))
    if language and transliteration:
        variants.append((language, transliteration))
    previews = []
    for code, name in variants:
        shown = transliterate(text, name)
        counted = measure(shown, resolve_language(shown, code))
        configuration: dict[str, Any] = {}
        if code:
            configuration["language"] = {"languageCode": code}
        if name:
            configuration["transliteration"] = name
        previews.append(
            {
                "textPreview": shown,
                "messageCount": counted.parts,
                "charactersRemaining": counted.remaining,
                "configuration": configuration,
            }
        )
    return {"originalText": text, "previews": previews}


def shorten_urls(text: str, options: Mapping[str, Any], new_code: Callable[[], str]) -> str:
    """`text` with its URLs shortened as the request's URL options say (``shortenUrl``)."""
    if not options.get("shortenUrl"):
        return text
    domain = str(options.get("customDomain") or _SHORT_DOMAIN).strip().rstrip("/")
    domain = re.sub(r"^https?://", "", domain, flags=re.IGNORECASE)
    prefix = "" if options.get("removeProtocol") else "https://"
    return _URL.sub(lambda _m: f"{prefix}{domain}/{new_code()}", text)
