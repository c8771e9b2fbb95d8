"""Credentials masked out of what the journal keeps.

The journal is printed into failure reports (pytest's "smsmock journal" section), which end up in
CI logs, and `dumps()` is written to files. What clients send carries their credentials in every
shape the providers use: query strings and form bodies (`password=`, `psw=`, `pass=`, `apikey=`,
`accesskey=`), JSON (`"password":"..."`, `"apiKey":"..."`), XML (`<password>...</password>`),
HTTP `Authorization` headers and URLs with a user and password (`http://user:pw@host/`). The
journal masks each value as ``***`` when an entry is made (`Journal.record`) or rendered
(`Journal.record_lazy`), so no entry, rendering or dump holds one. Tests still see every
credential where it belongs: `fake.accounts` and the stored messages are not touched.

An empty value stays empty (``password=`` says the client sent none, which is worth seeing).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["MASK", "mask_detail", "mask_text"]

MASK: Final = "***"

# The names of credential fields, in any case: password, passwd, pwd, psw, pass, apikey,
# api_key, api-key, apiKey, accesskey, access_key, secret, token.
_NAMES: Final = r"(?:passw(?:or)?d|pwd|psw|pass|api[_-]?key|access[_-]?key|secret|token)"

# One cheap test before the patterns: most entries (status changes, PDUs) name no credential.
_ANY: Final = re.compile(rf"{_NAMES}|authorization|://[^/\s@]*@", re.IGNORECASE)


@functools.cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """The patterns that mask, compiled when a text first names a credential: about 5 ms of
    regex compilation a session pays only if its journal ever sees one."""
    return (
        # name=value in a query string or form body (not inside a longer name: "bypass=")
        (re.compile(rf"(?<![\w-])({_NAMES}=)[^&\s\"'<>;]+", re.IGNORECASE), rf"\1{MASK}"),
        # "name": "value" in JSON
        (
            re.compile(rf'("{_NAMES}"\s*:\s*)"(?:[^"\\]|\\.)+"', re.IGNORECASE),
            rf'\1"{MASK}"',
        ),
        # "name": "value" in JSON sent URL-encoded (JSON=%7B%22password%22%3A%22...%22...)
        (
            re.compile(
                rf"(%22{_NAMES}%22(?:%20|\+)*%3A(?:%20|\+)*%22)(?:(?!%22).)+", re.IGNORECASE
            ),
            rf"\1{MASK}",
        ),
        # <name attr="...">value</name> in XML
        (
            re.compile(rf"(<({_NAMES})(?:\s[^>]*)?>)[^<]+(</\2\s*>)", re.IGNORECASE),
            rf"\1{MASK}\3",
        ),
        # the same URL-encoded (XML=%3Cpassword%3E...%3C%2Fpassword%3E)
        (
            re.compile(rf"(%3C({_NAMES})%3E)(?:(?!%3C).)+(%3C%2F\2%3E)", re.IGNORECASE),
            rf"\1{MASK}\3",
        ),
        # Authorization: Basic xxx / App xxx (Infobip's API key) / a bare token
        (
            re.compile(
                r"(authorization[\"']?\s*[:=]\s*[\"']?(?:[a-z][\w-]*\s+)?)[^\s,;\"']+",
                re.IGNORECASE,
            ),
            rf"\1{MASK}",
        ),
        # scheme://user:password@host
        (re.compile(r"(\w+://[^/\s:@]*:)[^/\s@]+@"), rf"\1{MASK}@"),
    )


def mask_text(text: str) -> str:
    """`text` with every credential value it shows replaced by ``***``."""
    if not _ANY.search(text):
        return text
    for pattern, replacement in _patterns():
        text = pattern.sub(replacement, text)
    return text


def mask_detail(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A journal entry's detail with credentials masked: string values masked as text, and
    the value of a credential-named key (``{"password": "..."}``) replaced whole."""
    masked: dict[str, Any] = {}
    for key, value in detail.items():
        if isinstance(value, str) and value and _NAME_KEY.fullmatch(key):
            masked[key] = MASK
        elif isinstance(value, str):
            masked[key] = mask_text(value)
        elif isinstance(value, Mapping):
            masked[key] = mask_detail(value)
        else:
            masked[key] = value
    return masked


_NAME_KEY: Final = re.compile(rf"{_NAMES}|authorization", re.IGNORECASE)
