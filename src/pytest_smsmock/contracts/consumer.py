"""Consumer contracts: what a downstream suite's client code sent to the fakes and the shapes of
the answers it received, written from a recording of the test (``@pytest.mark.smsmock(
contract=...)``, ``--smsmock-contract-out=DIR``) and verified later (``smsmock contract
verify``). A contract is a recording plus rules about what must match: `consumer_contracts`
reads a `Cassette` (the recorder's, or a ``cassette: 1`` file given to ``verify``), so HTTP and
SMPP come from the one capture at the fakes' choke points (`core/tap.py`).

HTTP: the recording redacts credentials (``REDACTED``); they come back as placeholders:
``${password}`` (or ``${api_key}`` under an API-key name), the value of a user-name field as
``${username}``, and an ``Authorization`` header as ``auth: basic`` / ``auth: app``. A value of
an earlier answer that a later request carries (a message id asked about) becomes a capture
(``${c1}``), so the replay asks about the id the replay got. An exchange that met a socket fault
has no answer to keep and is left out.

SMPP (`smpp.smpp_interactions`): binds, submit_sm, enquire_link and unbind with their answers,
and the delivery receipts received; one contract per provider with ``protocol: smpp``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import yaml

from pytest_smsmock.contracts.model import Contract, ContractError, Interaction
from pytest_smsmock.contracts.shapes import infer, parse_body
from pytest_smsmock.contracts.smpp import smpp_interactions
from pytest_smsmock.recording.cassette import Cassette, CassetteError, HttpExchange, SmppPdu
from pytest_smsmock.recording.redact import MARK

__all__ = ["consumer_contracts", "load_contracts", "write_contracts"]

_USER_KEYS = {"user", "username", "login", "userid", "user_id"}
_USER_NAMES = "username|user|login|userid|user_id"
_KEY_KEYS = re.compile(r"api[_-]?key|access[_-]?key", re.IGNORECASE)
_AUTH = {"basic": "basic", "app": "app"}


def _placeholder(key: str) -> str:
    return "${api_key}" if _KEY_KEYS.fullmatch(key) else "${password}"


def _header(headers: Iterable[tuple[str, str]], name: str) -> str:
    return next((v for k, v in headers if k.lower() == name), "")


def _body(text: str) -> str:
    """A recorded request body with its redacted values and user names as placeholders."""
    mark = re.escape(MARK)
    text = re.sub(rf'("([\w-]+)"\s*:\s*)"{mark}"', lambda m: f'{m[1]}"{_placeholder(m[2])}"', text)
    text = re.sub(
        rf"<([\w-]+)>{mark}</\1>", lambda m: f"<{m[1]}>{_placeholder(m[1])}</{m[1]}>", text
    )
    text = re.sub(rf"(^|&)([\w-]+)={mark}", lambda m: f"{m[1]}{m[2]}={_placeholder(m[2])}", text)
    text = re.sub(rf'("(?:{_USER_NAMES})"\s*:\s*)"[^"]*"', r'\1"${username}"', text)
    text = re.sub(rf"<({_USER_NAMES})>[^<]*</\1>", r"<\1>${username}</\1>", text)
    text = re.sub(rf"(^|&)({_USER_NAMES})=[^&]*", r"\1\2=${username}", text)
    return text.replace(MARK, "${password}")


def _request(exchange: HttpExchange) -> dict[str, Any]:
    request: dict[str, Any] = {"method": exchange.method, "path": exchange.path}
    query: dict[str, str] = {}
    for key, value in parse_qsl(exchange.query, keep_blank_values=True):
        if value == MARK:
            value = _placeholder(key)
        elif key.lower() in _USER_KEYS:
            value = "${username}"
        query[key] = value
    if query:
        request["query"] = query
    content_type = _header(exchange.headers, "content-type")
    if content_type:
        request["headers"] = {"Content-Type": content_type}
    scheme = _AUTH.get(_header(exchange.headers, "authorization").partition(" ")[0].lower())
    if scheme:
        request["auth"] = scheme
    if exchange.body:
        request["body"] = _body(exchange.body.decode("utf-8", "replace"))
    return request


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


def _http_interactions(exchanges: Iterable[HttpExchange]) -> list[Interaction]:
    """One provider's HTTP interactions, in the order the client made them."""
    interactions: list[Interaction] = []
    seen: list[tuple[int, str, str]] = []  # (interaction, path, value) of earlier answers
    captures: dict[int, dict[str, str]] = {}
    for exchange in exchanges:
        if exchange.fault is not None:
            continue
        request = _request(exchange)
        text = repr(request)
        for index, path, value in seen:
            if value in text:
                name = f"c{sum(len(c) for c in captures.values()) + 1}"
                captures.setdefault(index, {})[name] = path
                request = _replace(request, value, "${" + name + "}")
                text = repr(request)
        content_type = _header(exchange.response_headers, "content-type")
        tree = parse_body(content_type, exchange.response_body)
        seen.extend((len(interactions), path, value) for path, value in _values(tree))
        interactions.append(
            Interaction(
                name=f"{len(interactions) + 1}-{exchange.method.lower()}"
                f"{exchange.path.replace('/', '-')}",
                request=request,
                response={
                    "status": exchange.status,
                    "content_type": content_type,
                    "body": infer(tree),
                },
            )
        )
    return [
        Interaction(
            name=i.name, request=i.request, response=i.response, capture=captures.get(n, {})
        )
        for n, i in enumerate(interactions)
    ]


def _replace(value: Any, old: str, new: str) -> Any:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {k: _replace(v, old, new) for k, v in value.items()}
    return value


def consumer_contracts(cassette: Cassette, *, source: str = "<memory>") -> list[Contract]:
    """Per provider, an HTTP contract and an SMPP one, for what the recording holds of each."""
    http: dict[str, list[HttpExchange]] = {}
    smpp: dict[str, list[SmppPdu]] = {}
    for item in cassette.interactions:
        if isinstance(item, HttpExchange):
            http.setdefault(item.provider, []).append(item)
        elif isinstance(item, SmppPdu):
            smpp.setdefault(item.provider, []).append(item)
    contracts = []
    for provider, exchanges in http.items():
        interactions = tuple(_http_interactions(exchanges))
        if interactions:
            contracts.append(Contract(provider=provider, interactions=interactions, source=source))
    for provider, pdus in smpp.items():
        found = tuple(smpp_interactions(pdus))
        if found:
            contracts.append(
                Contract(provider=provider, interactions=found, source=source, protocol="smpp")
            )
    return contracts


def load_contracts(path: str | Path) -> list[Contract]:
    """The contracts of a file: a contract file, or a cassette (``cassette: 1``) read as the
    consumer contracts of what it recorded."""
    from pytest_smsmock.recording.cassette import parse_cassette

    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise ContractError(f"{path}: cannot read: {exc}") from None
    if isinstance(data, dict) and "cassette" in data:
        try:
            cassette = parse_cassette(text, source_name=str(path))
        except CassetteError as exc:
            raise ContractError(str(exc)) from None
        contracts = consumer_contracts(cassette, source=str(path))
        if not contracts:
            raise ContractError(f"{path}: the cassette holds no request to verify")
        return contracts
    return [Contract.from_dict(data, source=str(path))]


def write_contracts(cassette: Cassette, path: Path) -> list[Path]:
    """Write the recording's contracts at `path` when there is one, else one per provider and
    protocol beside it: ``stem-PROVIDER.yaml``, ``stem-PROVIDER-smpp.yaml``."""
    contracts = consumer_contracts(cassette)
    written = []
    for contract in contracts:
        suffix = f"-{contract.provider}" + ("-smpp" if contract.protocol == "smpp" else "")
        target = (
            path
            if len(contracts) == 1
            else path.with_name(f"{path.stem}{suffix}{path.suffix or '.yaml'}")
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            "# A consumer contract written by pytest-smsmock; matchers editable "
            "(docs/contracts.md).\n" + contract.dumps(),
            encoding="utf-8",
        )
        written.append(target)
    return written
