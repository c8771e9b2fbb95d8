"""Consumer contracts: what a downstream suite's client code sent to the fakes and the shapes of
the answers it received, written from a test's journal (``@pytest.mark.smsmock(contract=...)``,
``--smsmock-contract-out=DIR``) and verified later (``smsmock contract verify``).

The journal masks credentials as ``***``; they come back as placeholders: ``${password}`` (or
``${api_key}`` under an API-key name), the value of a user-name field as ``${username}``, and an
``Authorization`` header as ``auth: basic`` / ``auth: app``. A value of an earlier answer that a
later request carries (a message id asked about) becomes a capture (``${c1}``), so the replay asks
about the id the replay got. The journal keeps the first 2,000 characters of a body: a longer
answer is recorded as ``{type: any}``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pytest_smsmock.contracts.model import Contract, Interaction
from pytest_smsmock.contracts.shapes import infer, parse_body
from pytest_smsmock.core.journal import JournalEntry

__all__ = ["consumer_contracts", "write_contracts"]

JOURNAL_BODY_LIMIT = 2000
_USER_KEYS = {"user", "username", "login", "userid", "user_id"}
_KEY_KEYS = re.compile(r"api[_-]?key|access[_-]?key", re.IGNORECASE)
_AUTH = {"basic": "basic", "app": "app"}


def _placeholder(key: str) -> str:
    return "${api_key}" if _KEY_KEYS.fullmatch(key) else "${password}"


def _request(entry: JournalEntry) -> dict[str, Any]:
    method, _, rest = entry.summary.partition(" ")
    target = rest.split(" [")[0]
    parts = urlsplit(target)
    request: dict[str, Any] = {"method": method, "path": parts.path}
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if value == "***":
            value = _placeholder(key)
        elif key.lower() in _USER_KEYS:
            value = "${username}"
        query[key] = value
    if query:
        request["query"] = query
    content_type = str(entry.detail.get("content_type", ""))
    if content_type:
        request["headers"] = {"Content-Type": content_type}
    scheme = _AUTH.get(str(entry.detail.get("auth_scheme", "")).lower())
    if scheme:
        request["auth"] = scheme
    body = str(entry.detail.get("body", ""))
    if body:
        body = re.sub(r'("(?:username|user|login)"\s*:\s*)"[^"]*"', r'\1"${username}"', body)
        body = re.sub(r"<(username|user|login)>[^<]*</\1>", r"<\1>${username}</\1>", body)
        request["body"] = body.replace("***", "${password}")
    return request


def _response(entry: JournalEntry) -> dict[str, Any]:
    body = str(entry.detail.get("body", ""))
    content_type = str(entry.detail.get("content_type", ""))
    if len(body) >= JOURNAL_BODY_LIMIT:
        shape: dict[str, Any] = {"type": "any"}
    else:
        shape = infer(parse_body(content_type, body.encode("utf-8")))
    return {
        "status": int(entry.detail.get("status", 0)),
        "content_type": content_type,
        "body": shape,
    }


def _values(tree: Any, path: str = "$") -> Iterator[tuple[str, str]]:
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from _values(value, f"{path}.{key}")
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from _values(value, f"{path}[{index}]")
    elif isinstance(tree, (str, int)) and not isinstance(tree, bool):
        text = str(tree)
        if len(text) >= 6:
            yield path, text


def _pairs(entries: Iterable[JournalEntry]) -> Iterator[tuple[JournalEntry, JournalEntry]]:
    pending: JournalEntry | None = None
    for entry in entries:
        if entry.channel != "http":
            continue
        if entry.direction == "in":
            pending = entry
        elif entry.direction == "out" and pending is not None:
            yield pending, entry
            pending = None


def consumer_contracts(entries: Iterable[JournalEntry]) -> list[Contract]:
    """One contract per provider, its interactions in the order the client made them."""
    by_provider: dict[str, list[Interaction]] = {}
    seen: dict[str, list[tuple[int, str, str]]] = {}  # provider -> (interaction, path, value)
    captures: dict[str, dict[int, dict[str, str]]] = {}
    for request_entry, response_entry in _pairs(entries):
        provider = request_entry.provider
        interactions = by_provider.setdefault(provider, [])
        request = _request(request_entry)
        text = repr(request)
        for index, path, value in seen.get(provider, []):
            if value in text:
                name = f"c{sum(len(c) for c in captures.get(provider, {}).values()) + 1}"
                captures.setdefault(provider, {}).setdefault(index, {})[name] = path
                request = _replace(request, value, "${" + name + "}")
                text = repr(request)
        response = _response(response_entry)
        body = str(response_entry.detail.get("body", ""))
        tree = parse_body(response["content_type"], body.encode("utf-8"))
        seen.setdefault(provider, []).extend(
            (len(interactions), path, value) for path, value in _values(tree)
        )
        interactions.append(
            Interaction(
                name=f"{len(interactions) + 1}-{request['method'].lower()}"
                f"{request['path'].replace('/', '-')}",
                request=request,
                response=response,
            )
        )
    contracts = []
    for provider, interactions in by_provider.items():
        wanted = captures.get(provider, {})
        final = tuple(
            Interaction(
                name=i.name, request=i.request, response=i.response, capture=wanted.get(n, {})
            )
            for n, i in enumerate(interactions)
        )
        contracts.append(Contract(provider=provider, interactions=final))
    return contracts


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    return value


def write_contracts(entries: Iterable[JournalEntry], path: Path) -> list[Path]:
    """Write the journal's contracts at `path` (one provider), or `stem-PROVIDER.yaml` beside
    it for each provider when several were used."""
    contracts = consumer_contracts(entries)
    written = []
    for contract in contracts:
        target = (
            path
            if len(contracts) == 1
            else path.with_name(f"{path.stem}-{contract.provider}{path.suffix or '.yaml'}")
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "# A consumer contract written by pytest-smsmock; matchers editable "
            "(docs/contracts.md).\n" + contract.dumps(),
            encoding="utf-8",
        )
        written.append(target)
    return written
