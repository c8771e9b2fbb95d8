"""Run a contract against a target: the fakes of an in-process hub, or a live base URL.

The requests go out with `http.client` (no redirects followed, no retries), over TLS when the
URL says ``https`` (verified against `ca_file` when given, the system's store otherwise). Sends
run only with ``allow_sends``; a case whose captured value is missing (its send was skipped) is
skipped too. Credentials fill the ``${...}`` placeholders of the requests and go nowhere else.
"""

from __future__ import annotations

import base64
import functools
import http.client
import json
import re
import ssl
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from pytest_smsmock.contracts.model import CaseResult, Contract, ContractError, Interaction, Report
from pytest_smsmock.contracts.shapes import Drift, compare, parse_body
from pytest_smsmock.core.frozen import value_class

if TYPE_CHECKING:
    from pytest_smsmock.hub import SmsMock

__all__ = [
    "FAKE_API_KEY",
    "Answer",
    "CaseRunner",
    "Target",
    "add_key_accounts",
    "check",
    "describe_url",
    "extract",
    "mask",
    "missing_reason",
    "run",
    "send",
]

_PLACEHOLDER = re.compile(r"\$\{(\w+)\}")

#: The API key of the account the fakes get for the cases that authenticate with one
#: (``auth: app``, ``accesskey=${api_key}``, ``apikey=${api_key}``).
FAKE_API_KEY = "smsmock-contract-key"


def add_key_accounts(hub: SmsMock, providers: Sequence[str]) -> None:
    """An account with the API key `FAKE_API_KEY` on each fake (besides ``test``/``test``)."""
    for provider in providers:
        getattr(hub, provider).add_account("contract-key", "contract-key-pw", api_key=FAKE_API_KEY)


@value_class
class Target:
    """Where the requests go. `base_urls` by provider; `description` is what a report shows
    (never the credentials)."""

    base_urls: dict[str, str]
    username: str = "test"
    password: str = "test"
    api_key: str = ""
    ca_file: str | None = None
    description: str = "fake"
    timeout: float = 10.0


@value_class
class Answer:
    status: int
    content_type: str
    body: bytes


def describe_url(url: str) -> str:
    """`url` without user info, path or query: what a report may show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                raise KeyError(match.group(1))
            return names[match.group(1)]

        return _PLACEHOLDER.sub(replace, value)
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    return value


def send(
    request: dict[str, Any],
    base_url: str,
    names: dict[str, str],
    *,
    ca_file: str | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One request of a contract, placeholders filled from `names`."""
    request = _fill(request, names)
    base = urlsplit(base_url)
    headers = {str(k): str(v) for k, v in (request.get("headers") or {}).items()}
    body: bytes | None = None
    if "json" in request:
        body = json.dumps(request["json"]).encode()
        headers.setdefault("Content-Type", "application/json")
    elif "form" in request:
        body = urlencode(request["form"]).encode()
        headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif "body" in request:
        body = str(request["body"]).encode()
    auth = request.get("auth")
    if auth == "basic":
        token = base64.b64encode(f"{names['username']}:{names['password']}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    elif auth == "app":
        headers["Authorization"] = f"App {names['api_key']}"
    target = base.path.rstrip("/") + request["path"]
    if request.get("query"):
        target += "?" + urlencode(request["query"])
    connection: http.client.HTTPConnection
    if base.scheme == "https":
        context = ssl.create_default_context(cafile=ca_file)
        connection = http.client.HTTPSConnection(
            base.hostname or "", base.port, timeout=timeout, context=context
        )
    else:
        connection = http.client.HTTPConnection(base.hostname or "", base.port, timeout=timeout)
    try:
        connection.request(request.get("method", "GET"), target, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(
            status=response.status,
            content_type=response.getheader("Content-Type") or "",
            body=response.read(),
        )
    finally:
        connection.close()


def media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def check(interaction: Interaction, answer: Answer) -> list[Drift]:
    """Where `answer` does not fit the interaction's recorded response."""
    expected = interaction.response
    drifts: list[Drift] = []
    if answer.status != expected["status"]:
        drifts.append(
            Drift(
                field="status",
                kind="status",
                expected=str(expected["status"]),
                actual=str(answer.status),
            )
        )
    want_type = expected.get("content_type")
    if want_type is not None and media_type(answer.content_type) != media_type(want_type):
        drifts.append(
            Drift(
                field="content_type",
                kind="content_type",
                expected=media_type(want_type),
                actual=media_type(answer.content_type) or "none",
            )
        )
    shape = expected.get("body")
    if shape is not None:
        drifts += compare(shape, parse_body(answer.content_type, answer.body))
    return drifts


def extract(tree: Any, path: str) -> Any:
    """The value at ``$.a[0].b`` in a parsed answer (None when absent)."""
    node = tree
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path.removeprefix("$")):
        if token.startswith("["):
            index = int(token[1:-1])
            node = node[index] if isinstance(node, list) and index < len(node) else None
        else:
            node = node.get(token) if isinstance(node, dict) else None
        if node is None:
            return None
    return node


def missing_reason(name: str) -> str:
    """Why a case whose request needs `name` was skipped."""
    if name in ("username", "password", "api_key"):
        option = "--" + name.replace("_", "-")
        return f"needs {name}: give {option} or $SMSMOCK_LIVE_{name.upper()}"
    return f"needs {name} from an earlier case"


def mask(text: str, secrets: Iterable[str]) -> str:
    """`text` with every credential in it replaced by ``***``: an answer that echoes what it
    was sent must not carry a password or key into a drift report (a text body's layout keeps
    its words)."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


class CaseRunner:
    """Runs one contract's cases in order against one base URL, keeping what they capture
    (the pytest items run one case each through it)."""

    def __init__(
        self,
        contract: Contract,
        target: Target,
        *,
        allow_sends: bool = False,
        transport: Callable[..., Answer] = send,
    ) -> None:
        base_url = target.base_urls.get(contract.provider)
        if base_url is None:
            raise ContractError(f"no URL for provider {contract.provider!r}")
        self.contract = contract
        self.base_url = base_url
        self.target = target
        self.allow_sends = allow_sends
        self.transport = transport
        credentials = {
            "username": target.username,
            "password": target.password,
            "api_key": target.api_key,
        }
        # A credential not given is absent: a case that needs it is skipped, not sent empty.
        self.names = {k: v for k, v in credentials.items() if v}
        self.secrets = tuple(v for k, v in credentials.items() if v and k != "username")

    def run_one(self, interaction: Interaction) -> CaseResult:
        result = functools.partial(CaseResult.of, self.contract, interaction)

        if interaction.sends and not self.allow_sends:
            return result("skipped", reason="sends: run with --allow-sends")
        try:
            answer = self.transport(
                interaction.request,
                self.base_url,
                self.names,
                ca_file=self.target.ca_file,
                timeout=self.target.timeout,
            )
        except KeyError as exc:
            return result("skipped", reason=missing_reason(str(exc.args[0])))
        except (OSError, http.client.HTTPException) as exc:
            error = Drift(
                field="connection", kind="error", expected="an answer", actual=type(exc).__name__
            )
            return result("drift", [error])
        if any(s.encode() in answer.body for s in self.secrets):
            body = mask(answer.body.decode("utf-8", "replace"), self.secrets).encode()
            answer = Answer(status=answer.status, content_type=answer.content_type, body=body)
        drifts = check(interaction, answer)
        tree = parse_body(answer.content_type, answer.body)
        for name, path in interaction.capture.items():
            value = extract(tree, path)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                self.names[name] = str(value)
        return result("drift" if drifts else "ok", drifts)


def run(
    contracts: Iterable[Contract],
    target: Target,
    *,
    allow_sends: bool = False,
    transport: Callable[..., Answer] = send,
) -> Report:
    results: list[CaseResult] = []
    for contract in contracts:
        runner = CaseRunner(contract, target, allow_sends=allow_sends, transport=transport)
        results += [runner.run_one(i) for i in contract.interactions]
    return Report(target=target.description, cases=tuple(results))
