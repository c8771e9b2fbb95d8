"""Redaction on write: no cassette keeps a password, an API key or an `Authorization` value.

Always redacted: the headers in `SECRET_HEADERS` (their scheme word kept: ``Basic REDACTED``),
every query, form, JSON or XML field whose name is in `SECRET_FIELDS` (case-insensitive), the
password of a URL, the SMPP bind ``password``; plus the fields a user names. Each secret value
seen is also replaced wherever else it appears in the cassette (a body echoing it, a push URL),
when it is long enough not to hit ordinary words. The text around a redacted value keeps its
bytes, so a reviewer reads the request as it was sent.
"""

from __future__ import annotations

import base64
import dataclasses
import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

from pytest_smsmock.smpp.codec import decode, encode
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import Bind

__all__ = ["MARK", "SECRET_FIELDS", "SECRET_HEADERS", "Redactor"]

MARK = "REDACTED"

SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "apikey", "cookie"}
)
SECRET_FIELDS = frozenset(
    {
        "password",
        "passwd",
        "pass",
        "psw",
        "pwd",
        "secret",
        "token",
        "access_token",
        "api_key",
        "apikey",
        "api-key",
        "apitoken",
        "api_token",
        "authorization",
        "accesskey",
        "access_key",
    }
)
#: A secret shorter than this is not replaced outside its own field (``test`` would hit words).
MIN_ECHO = 6


class Redactor:
    """Redacts one cassette's values; remembers the secrets it saw to catch their echoes."""

    def __init__(self, fields: Iterable[str] = ()) -> None:
        self.fields = SECRET_FIELDS | {f.lower() for f in fields}
        names = "|".join(sorted((re.escape(f) for f in self.fields), key=len, reverse=True))
        flags = re.IGNORECASE
        self._form = re.compile(rf"(?:(?<=^)|(?<=[&?;]))((?:{names}))=([^&;\s]*)", flags)
        self._json = re.compile(rf'("(?:{names})"\s*:\s*)"((?:[^"\\]|\\.)*)"', flags)
        self._xml = re.compile(rf"(<({names})>)([^<]*)(</\2>)", flags)
        self._attr = re.compile(rf'(\b(?:{names})=")([^"]*)(")', flags)
        self.secrets: set[str] = set()

    def _keep(self, value: str) -> None:
        if value and value != MARK:
            self.secrets.add(value)

    def text(self, text: str) -> str:
        def form(m: re.Match[str]) -> str:
            self._keep(m.group(2))
            return f"{m.group(1)}={MARK}"

        def json_value(m: re.Match[str]) -> str:
            self._keep(m.group(2))
            return f'{m.group(1)}"{MARK}"'

        def xml(m: re.Match[str]) -> str:
            self._keep(m.group(3))
            return f"{m.group(1)}{MARK}{m.group(4)}"

        def attr(m: re.Match[str]) -> str:
            self._keep(m.group(2))
            return f"{m.group(1)}{MARK}{m.group(3)}"

        text = self._form.sub(form, text)
        text = self._json.sub(json_value, text)
        text = self._xml.sub(xml, text)
        return self._attr.sub(attr, text)

    def body(self, body: bytes) -> bytes:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return body
        return self.text(text).encode("utf-8")

    def headers(self, headers: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        out = []
        for name, value in headers:
            if name.lower() in SECRET_HEADERS or name.lower() in self.fields:
                scheme, _, credentials = value.partition(" ")
                if credentials and scheme.isalpha():
                    self._keep(credentials)
                    if scheme.lower() == "basic":
                        self._basic(credentials)
                    value = f"{scheme} {MARK}"
                else:
                    self._keep(value)
                    value = MARK
            out.append((name, value))
        return tuple(out)

    def _basic(self, credentials: str) -> None:
        try:
            _user, _, password = base64.b64decode(credentials).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return
        self._keep(password)

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.password:
            self._keep(parts.password)
            netloc = parts.netloc.replace(f":{parts.password}@", f":{MARK}@", 1)
            parts = parts._replace(netloc=netloc)
        query = self.text(parts.query) if parts.query else parts.query
        return urlunsplit(parts._replace(query=query))

    def smpp(self, data: bytes) -> bytes:
        """A bind's password replaced (re-encoded: the hex holds no secret either)."""
        if len(data) < 8 or int.from_bytes(data[4:8], "big") not in (1, 2, 9):
            return data
        try:
            pdu = decode(data)
        except SmppError:
            return data
        if isinstance(pdu, Bind) and pdu.password:
            self._keep(pdu.password)
            return encode(dataclasses.replace(pdu, password=MARK))
        return data

    def echoes(self, text: str) -> str:
        """`text` with every secret seen so far replaced (long ones only, see `MIN_ECHO`)."""
        for secret in sorted(self.secrets, key=len, reverse=True):
            if len(secret) >= MIN_ECHO and secret in text:
                text = text.replace(secret, MARK)
        return text


#: Fields that carry phone numbers (the last name of a flattened field, case-insensitive).
PHONE_FIELDS = frozenset(
    {
        "to",
        "from",
        "gsm",
        "phone",
        "phones",
        "msisdn",
        "mno",
        "destination",
        "destinations",
        "number",
        "numbers",
        "recipient",
        "recipients",
        "destination_addr",
        "source_addr",
        "sender",
        "sid",
    }
)
_PHONE = re.compile(r"^\+?\d{7,15}$")


class Pseudonyms:
    """Stable phone pseudonyms: the same number gets the same pseudonym within a cassette (so a
    DLR still names its message), of the same length, its first `keep` digits kept (country and
    operator: `to-scenario` groups by prefix). Same-length digits keep SMPP PDUs valid, so they
    are replaced in the wire bytes too. Not anonymisation against someone who knows the salt."""

    def __init__(self, salt: str, *, keep: int = 5) -> None:
        self.salt = salt.encode("utf-8")
        self.keep = keep
        self.numbers: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def learn(self, name: str, value: str) -> None:
        if name.lower() not in PHONE_FIELDS:
            return
        for part in re.split(r"[,;\s]+", value):
            number = part.lstrip("+")
            if _PHONE.match(part) and number not in self.numbers and len(number) > self.keep:
                self.numbers[number] = self._pseudonym(number)
                self._pattern = None

    def _pseudonym(self, number: str) -> str:
        import hashlib
        import hmac

        digest = hmac.new(self.salt, number.encode(), hashlib.sha256).hexdigest()
        tail = str(int(digest, 16))[: len(number) - self.keep].rjust(len(number) - self.keep, "0")
        candidate = number[: self.keep] + tail
        return candidate if candidate != number else number[: self.keep] + tail[::-1]

    def _regex(self) -> re.Pattern[str] | None:
        if self._pattern is None and self.numbers:
            alternatives = "|".join(sorted(self.numbers, key=len, reverse=True))
            self._pattern = re.compile(rf"(?<!\d)({alternatives})(?!\d)")
        return self._pattern

    def text(self, text: str) -> str:
        pattern = self._regex()
        if pattern is None:
            return text
        return pattern.sub(lambda m: self.numbers[m.group(1)], text)

    def data(self, data: bytes) -> bytes:
        pattern = self._regex()
        if pattern is None:
            return data
        return self.text(data.decode("latin-1")).encode("latin-1")

    def body(self, data: bytes) -> bytes:
        try:
            return self.text(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return self.data(data)
