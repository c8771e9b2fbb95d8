"""Cassettes: what the fakes (or a real provider) saw and did, as a versioned YAML file.

A cassette is readable in a code review: `cassette: 1`, then the interactions in order, each
with its offset in seconds from the start of the recording (`at`):

- ``http``: a request to a provider (method, path, query, headers, body) and its answer
  (status, headers, body; `fault` names a socket fault the client met instead);
- ``push``: a push from the provider to the client (DLR, MO, HLR: URL, body) with the client's
  answer; `follows` is the index of the request it came after;
- ``smpp``: one PDU, `in` (client -> provider) or `out`, decoded into named fields for the
  reader, with the wire bytes in `hex` (what a replay sends); `follows` as for pushes.

Bodies are text, or `body_base64` when they are not UTF-8. `messages` (in-test recordings
only) is what the fakes did with each accepted message: its destination and status timeline,
what `smsmock cassette to-scenario` reads. The shipped JSON Schema
(`scenario/cassette.schema.json`) checks the shape for editors and the loader, whose errors
name the file, the line and the field as the scenario loader's do.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import json
from collections.abc import Mapping
from dataclasses import field
from datetime import datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.smpp.codec import decode
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import Pdu, Response

__all__ = [
    "Cassette",
    "CassetteError",
    "HttpExchange",
    "Interaction",
    "MessageRecord",
    "Push",
    "SmppPdu",
    "StatusRecord",
    "load_cassette",
    "parse_cassette",
]

SUPPORTED_VERSIONS = (1,)

Headers = tuple[tuple[str, str], ...]


class CassetteError(ConfigError):
    """A cassette file that does not load; the message names the file, line and field."""


@value_class
class HttpExchange:
    at: float
    provider: str
    listener: str = "primary"
    method: str
    path: str
    query: str = ""
    headers: Headers = ()
    body: bytes = b""
    status: int
    response_headers: Headers = ()
    response_body: bytes = b""
    fault: str | None = None

    def describe(self) -> str:
        target = self.path + (f"?{self.query}" if self.query else "")
        return f"{self.provider} {self.method} {target}"


@value_class
class Push:
    at: float
    provider: str
    kind: str = "dlr"
    method: str = "POST"
    url: str
    headers: Headers = ()
    body: bytes = b""
    ref: str = ""
    attempt: int = 1
    answer_status: int | None = None
    answer_body: bytes = b""
    answer_error: str | None = None
    follows: int | None = None

    def describe(self) -> str:
        return f"{self.provider} push {self.kind} {self.method} {self.url}"


@value_class
class SmppPdu:
    at: float
    provider: str
    listener: str = "plain"
    session: int = 1
    direction: str  # in | out
    data: bytes  # the PDU on the wire
    follows: int | None = None

    @property
    def pdu(self) -> Pdu:
        return decode(self.data)

    @property
    def command(self) -> str:
        try:
            return decode(self.data).command_id.name.lower()
        except SmppError:
            return f"0x{int.from_bytes(self.data[4:8], 'big'):08x}"

    @property
    def sequence(self) -> int:
        return int.from_bytes(self.data[12:16], "big")

    @property
    def status(self) -> int:
        return int.from_bytes(self.data[8:12], "big")

    def describe(self) -> str:
        arrow = "->" if self.direction == "in" else "<-"
        return f"{self.provider} smpp [{self.session}] {arrow} {self.command} #{self.sequence}"


Interaction = HttpExchange | Push | SmppPdu


@value_class
class StatusRecord:
    after: float  # seconds after the message was accepted
    status: str
    native: str | int | None = None
    error: str | int | None = None


@value_class
class MessageRecord:
    provider: str
    message_id: str
    to: str
    at: float
    protocol: str = "http"
    statuses: tuple[StatusRecord, ...] = ()


@value_class
class Cassette:
    version: int = 1
    source: str = ""
    start: datetime | None = None
    redacted: tuple[str, ...] = ()
    #: Request fields the replay does not compare, besides credentials and timestamps.
    match_ignore: tuple[str, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    messages: tuple[MessageRecord, ...] = ()
    origin: str = field(default="", compare=False)  # the file it was loaded from

    def dumps(self) -> str:
        return yaml.dump(self.to_data(), Dumper=_Dumper, sort_keys=False, allow_unicode=True)

    def dump(self, path: str | Path) -> Path:
        """Write the cassette (YAML); the directory is created if needed."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(self.dumps(), encoding="utf-8")
        return target

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {"cassette": self.version}
        if self.source:
            data["source"] = self.source
        if self.start is not None:
            data["start"] = self.start.isoformat()
        if self.redacted:
            data["redacted"] = list(self.redacted)
        if self.match_ignore:
            data["match"] = {"ignore": list(self.match_ignore)}
        data["interactions"] = [_interaction_data(i) for i in self.interactions]
        if self.messages:
            data["messages"] = [_message_data(m) for m in self.messages]
        return data


# -- writing ------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style for multi-line text, so a body reads as it was sent."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and "\r" not in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _body(data: dict[str, Any], key: str, body: bytes) -> None:
    if not body:
        return
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c >= " " or c in "\n\t" for c in text):
        data[key] = text
    else:
        data[f"{key}_base64"] = base64.b64encode(body).decode("ascii")


def _headers(headers: Headers) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in headers:
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def _interaction_data(item: Interaction) -> dict[str, Any]:
    if isinstance(item, HttpExchange):
        request: dict[str, Any] = {"method": item.method, "path": item.path}
        if item.query:
            request["query"] = item.query
        if item.headers:
            request["headers"] = _headers(item.headers)
        _body(request, "body", item.body)
        response: dict[str, Any] = {"status": item.status}
        if item.response_headers:
            response["headers"] = _headers(item.response_headers)
        _body(response, "body", item.response_body)
        if item.fault is not None:
            response["fault"] = item.fault
        data: dict[str, Any] = {"kind": "http", "at": _seconds(item.at)}
        data["provider"] = item.provider
        if item.listener != "primary":
            data["listener"] = item.listener
        data["request"] = request
        data["response"] = response
        return data
    if isinstance(item, Push):
        push: dict[str, Any] = {"kind": item.kind, "method": item.method, "url": item.url}
        if item.headers:
            push["headers"] = _headers(item.headers)
        _body(push, "body", item.body)
        if item.ref:
            push["ref"] = item.ref
        if item.attempt != 1:
            push["attempt"] = item.attempt
        answer: dict[str, Any] = {}
        if item.answer_status is not None:
            answer["status"] = item.answer_status
        _body(answer, "body", item.answer_body)
        if item.answer_error is not None:
            answer["error"] = item.answer_error
        data = {"kind": "push", "at": _seconds(item.at), "provider": item.provider}
        if item.follows is not None:
            data["follows"] = item.follows
        data["push"] = push
        data["answer"] = answer
        return data
    data = {"kind": "smpp", "at": _seconds(item.at), "provider": item.provider}
    if item.listener != "plain":
        data["listener"] = item.listener
    data["session"] = item.session
    data["direction"] = item.direction
    if item.follows is not None:
        data["follows"] = item.follows
    data.update(pdu_fields(item.data))
    data["hex"] = item.data.hex()
    return data


def _message_data(message: MessageRecord) -> dict[str, Any]:
    data: dict[str, Any] = {
        "provider": message.provider,
        "id": message.message_id,
        "to": message.to,
        "at": _seconds(message.at),
    }
    if message.protocol != "http":
        data["protocol"] = message.protocol
    data["statuses"] = [
        {
            "after": _seconds(s.after),
            "status": s.status,
            **({"native": s.native} if s.native is not None else {}),
            **({"error": s.error} if s.error is not None else {}),
        }
        for s in message.statuses
    ]
    return data


def _seconds(value: float) -> float | int:
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


def _field_value(value: Any) -> Any:
    if isinstance(value, bytes):
        try:
            text = value.decode("ascii")
        except UnicodeDecodeError:
            return {"hex": value.hex()}
        return text if text.isprintable() else {"hex": value.hex()}
    if isinstance(value, enum.Enum):
        return value.name.lower()
    if isinstance(value, tuple):
        return [_field_value(v) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _field_value(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, int | str | float | bool) or value is None:
        return value
    return str(value)


def pdu_fields(data: bytes) -> dict[str, Any]:
    """The named fields of one PDU, for a reader (the replay uses the bytes)."""
    try:
        pdu = decode(data)
    except SmppError as exc:
        return {"command": "undecodable", "error": str(exc)}
    out: dict[str, Any] = {
        "command": pdu.command_id.name.lower(),
        "sequence": pdu.sequence_number,
    }
    if isinstance(pdu, Response):
        out["status"] = pdu.command_status
    fields = {
        f.name: _field_value(getattr(pdu, f.name))
        for f in dataclasses.fields(pdu)
        if f.name not in ("sequence_number", "command_status")
    }
    if fields.get("tlvs") == []:
        del fields["tlvs"]
    if fields:
        out["fields"] = fields
    return out


# -- reading ------------------------------------------------------------------------------------


@cache
def _validator() -> Any:
    import jsonschema

    text = (
        resources.files("pytest_smsmock.scenario")
        .joinpath("cassette.schema.json")
        .read_text(encoding="utf-8")
    )
    return jsonschema.Draft202012Validator(json.loads(text))


def load_cassette(source: str | Path) -> Cassette:
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CassetteError(f"{path}: cannot read cassette: {exc.strerror}") from exc
    return parse_cassette(text, source_name=str(path))


def _lines(node: yaml.Node | None) -> dict[str, int]:
    from pytest_smsmock.scenario.loader import _lines as scenario_lines

    return scenario_lines(node)


def parse_cassette(text: str, *, source_name: str = "<cassette>") -> Cassette:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source_name}:{mark.line + 1}" if mark else source_name
        problem = getattr(exc, "problem", None) or str(exc)
        raise CassetteError(f"{where}: not valid YAML: {problem}") from exc
    lines = _lines(node)

    def fail(path: str, message: str) -> CassetteError:
        probe = path
        while probe and probe not in lines:
            probe = probe.rpartition(".")[0] if "." in probe else probe.rpartition("[")[0]
        where = f"{source_name}:{lines[probe]}" if probe in lines else source_name
        return CassetteError(f"{where}: {path}: {message}" if path else f"{where}: {message}")

    if not isinstance(data, Mapping):
        raise fail("", "a cassette is a mapping that starts with 'cassette: 1'")
    if "cassette" not in data:
        raise fail("", "missing 'cassette: 1' (is this a scenario? scenarios say 'version: 1')")
    if data["cassette"] not in SUPPORTED_VERSIONS:
        raise fail("cassette", f"{data['cassette']!r} is not supported (supported: 1)")
    from pytest_smsmock.scenario.loader import format_path

    errors = sorted(
        _validator().iter_errors(data),
        key=lambda e: (lines.get(format_path(e.absolute_path), 0), -len(e.absolute_path)),
    )
    if errors:
        error = errors[0]
        raise fail(format_path(error.absolute_path), error.message)
    interactions: list[Interaction] = []
    for index, item in enumerate(data.get("interactions") or ()):
        path = f"interactions[{index}]"
        try:
            interactions.append(_interaction(item))
        except (ValueError, SmppError) as exc:
            raise fail(path, str(exc)) from exc
        follows = getattr(interactions[-1], "follows", None)
        if follows is not None and not 0 <= follows < index:
            raise fail(f"{path}.follows", f"{follows} is not the index of an earlier interaction")
    start = data.get("start")
    if isinstance(start, str):
        start = datetime.fromisoformat(start.replace("Z", "+00:00"))
    return Cassette(
        version=data["cassette"],
        source=str(data.get("source", "")),
        start=start,
        redacted=tuple(data.get("redacted") or ()),
        match_ignore=tuple((data.get("match") or {}).get("ignore") or ()),
        interactions=tuple(interactions),
        messages=tuple(_message(m) for m in data.get("messages") or ()),
        origin=source_name,
    )


def _read_body(data: Mapping[str, Any], key: str) -> bytes:
    if f"{key}_base64" in data:
        return base64.b64decode(data[f"{key}_base64"])
    value = data.get(key)
    return b"" if value is None else str(value).encode("utf-8")


def _read_headers(data: Mapping[str, Any] | None) -> Headers:
    return tuple((str(k), str(v)) for k, v in (data or {}).items())


def _interaction(item: Mapping[str, Any]) -> Interaction:
    kind = item["kind"]
    if kind == "http":
        request, response = item["request"], item["response"]
        return HttpExchange(
            at=float(item["at"]),
            provider=item["provider"],
            listener=item.get("listener", "primary"),
            method=request["method"],
            path=request["path"],
            query=request.get("query", ""),
            headers=_read_headers(request.get("headers")),
            body=_read_body(request, "body"),
            status=int(response["status"]),
            response_headers=_read_headers(response.get("headers")),
            response_body=_read_body(response, "body"),
            fault=response.get("fault"),
        )
    if kind == "push":
        push, answer = item["push"], item.get("answer") or {}
        return Push(
            at=float(item["at"]),
            provider=item["provider"],
            kind=push.get("kind", "dlr"),
            method=push.get("method", "POST"),
            url=push["url"],
            headers=_read_headers(push.get("headers")),
            body=_read_body(push, "body"),
            ref=str(push.get("ref", "")),
            attempt=int(push.get("attempt", 1)),
            answer_status=answer.get("status"),
            answer_body=_read_body(answer, "body"),
            answer_error=answer.get("error"),
            follows=item.get("follows"),
        )
    raw = bytes.fromhex(item["hex"])
    decode(raw)  # a PDU the replay can send: checked now, with the file and line
    return SmppPdu(
        at=float(item["at"]),
        provider=item["provider"],
        listener=item.get("listener", "plain"),
        session=int(item.get("session", 1)),
        direction=item["direction"],
        data=raw,
        follows=item.get("follows"),
    )


def _message(item: Mapping[str, Any]) -> MessageRecord:
    return MessageRecord(
        provider=item["provider"],
        message_id=str(item["id"]),
        to=str(item["to"]),
        at=float(item.get("at", 0)),
        protocol=item.get("protocol", "http"),
        statuses=tuple(
            StatusRecord(
                after=float(s["after"]),
                status=s["status"],
                native=s.get("native"),
                error=s.get("error"),
            )
            for s in item.get("statuses") or ()
        ),
    )
