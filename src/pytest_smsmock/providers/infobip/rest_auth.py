"""Who calls a REST API: the ``Authorization`` schemes Infobip accepts, and its token endpoints.

Schemes (Infobip's "API authentication" page; a host serves the ones its dialect names):

- ``Basic <base64 username:password>`` (RFC 2045: characters outside the alphabet are ignored);
- ``App <api key>``: an account's ``api_key`` (``add_account(..., api_key=...)``);
- ``IBSSO <token>``: a session token from ``POST /auth/1/session`` ``{"username", "password"}``
  -> ``{"token"}``; it expires after an hour without use (virtual time) and ``DELETE
  /auth/1/session`` ends it (204);
- ``Bearer <token>``: an OAuth 2.0 token from ``POST /auth/1/oauth2/token`` (form
  ``client_id``, ``client_secret``, ``grant_type=client_credentials``) -> ``{"access_token",
  "expires_in"}``; it expires ``expires_in`` seconds later (virtual time).

Anything else (no header, another scheme, a wrong secret, an expired token) is 401
``UNAUTHORIZED`` / "Invalid login details", as the platform answers. Schemes are matched in any
case (``basic``, ``BASIC``), as HTTP says of authentication schemes.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.providers.infobip.rest_errors import RestError, bad_request, unauthorized

if TYPE_CHECKING:
    from werkzeug.wrappers import Request

    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["SCHEMES", "RestAuth"]

SCHEMES = frozenset({"basic", "app", "ibsso", "bearer"})
SESSION_IDLE = timedelta(hours=1)
TOKEN_LIFETIME = timedelta(hours=2)


@record_class
class _Grant:
    account: str
    expires_at: datetime
    idle: timedelta | None = None  # sessions: each use pushes the expiry this far again


class RestAuth:
    """The credentials one REST host accepts; tokens live on the fake's clock."""

    def __init__(self, fake: ProviderFake, schemes: frozenset[str]) -> None:
        self.fake = fake
        self.schemes = schemes
        self._sessions: dict[str, _Grant] = {}
        self._tokens: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def reset(self) -> None:
        with self._lock:
            self._sessions.clear()
            self._tokens.clear()

    # -- checking a request -----------------------------------------------------------------
    def authenticate(self, request: Request) -> Account:
        header = request.headers.get("Authorization", "")
        scheme, _, credentials = header.strip().partition(" ")
        scheme = scheme.lower()
        credentials = credentials.strip()
        if not scheme:
            raise unauthorized("no Authorization header")
        if scheme not in self.schemes:
            accepted = ", ".join(sorted(s.capitalize() for s in self.schemes))
            raise unauthorized(f"Authorization scheme {scheme!r} is not one of {accepted}")
        if not credentials:
            raise unauthorized(f"{scheme.capitalize()} Authorization without credentials")
        if scheme == "basic":
            return self._basic(credentials)
        if scheme == "app":
            account = self.fake.accounts.by_api_key(credentials)
            if account is None:
                raise unauthorized("no account has this API key")
            return account
        table = self._sessions if scheme == "ibsso" else self._tokens
        return self._granted(table, credentials, scheme)

    def _basic(self, credentials: str) -> Account:
        try:
            # RFC 2045 base64: characters outside the alphabet (line breaks) are ignored.
            raw = base64.b64decode(credentials, validate=False)
        except (binascii.Error, ValueError) as exc:
            raise unauthorized(f"Authorization is not base64: {exc}") from None
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            decoded = raw.decode("latin-1")
        username, colon, password = decoded.partition(":")
        if not colon:
            raise unauthorized("Basic credentials without ':'")
        account = self.fake.accounts.authenticate(username, password)
        if account is None:
            raise unauthorized(f"unknown user or wrong password for {username!r}")
        return account

    def _granted(self, table: dict[str, _Grant], token: str, scheme: str) -> Account:
        now = self.fake.clock.now()
        with self._lock:
            grant = table.get(token)
            if grant is not None and grant.expires_at <= now:
                del table[token]
                grant = None
            if grant is not None and grant.idle is not None:
                grant.expires_at = now + grant.idle
        if grant is None:
            raise unauthorized(f"{scheme.upper()} token is unknown or expired")
        account = self.fake.accounts.get(grant.account)
        if account is None:
            raise unauthorized(f"the account of this {scheme.upper()} token is gone")
        return account

    # -- the token endpoints ------------------------------------------------------------------
    def create_session(self, request: Request) -> dict[str, Any]:
        """``POST /auth/1/session``: ``{"username", "password"}`` -> ``{"token"}``."""
        try:
            body = json.loads(request.get_data(cache=True) or b"null")
        except (ValueError, RecursionError) as exc:
            raise bad_request(f"malformed JSON: {exc}") from None
        if not isinstance(body, dict):
            raise bad_request("the body must be an object with username and password")
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            raise unauthorized("username and password must be strings")
        account = self.fake.accounts.authenticate(username, password)
        if account is None:
            raise unauthorized(f"unknown user or wrong password for {username!r}")
        token = self.fake.ids("ibsso").uuid()
        with self._lock:
            self._sessions[token] = _Grant(
                account=account.username,
                expires_at=self.fake.clock.now() + SESSION_IDLE,
                idle=SESSION_IDLE,
            )
        return {"token": token}

    def destroy_session(self, request: Request) -> None:
        """``DELETE /auth/1/session`` with the session's own ``IBSSO`` header."""
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "ibsso":
            raise unauthorized("ending a session needs its IBSSO Authorization")
        self._granted(self._sessions, token.strip(), "ibsso")
        with self._lock:
            self._sessions.pop(token.strip(), None)

    def create_token(self, request: Request) -> dict[str, Any]:
        """``POST /auth/1/oauth2/token`` (client credentials) -> ``{"access_token", ...}``."""
        form = request.form
        grant = form.get("grant_type", "")
        if grant != "client_credentials":
            raise RestError(
                400,
                "BAD_REQUEST",
                "Bad request",
                detail=f"grant_type must be client_credentials, not {grant!r}",
            )
        account = self.fake.accounts.authenticate(
            form.get("client_id", ""), form.get("client_secret")
        )
        if account is None:
            raise unauthorized("unknown client_id or wrong client_secret")
        token = self.fake.ids("oauth2").hex(32)
        with self._lock:
            self._tokens[token] = _Grant(
                account=account.username, expires_at=self.fake.clock.now() + TOKEN_LIFETIME
            )
        return {"access_token": token, "expires_in": int(TOKEN_LIFETIME.total_seconds())}
