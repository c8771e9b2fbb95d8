"""Loading scenario files: YAML, the shipped JSON Schema, then semantic checks.

Every error names the file, the line and the field path, and says what is allowed::

    scenarios/x.yaml:14: rules[2].dlr[0].after: '5 mins' is not valid here; expected a
    duration: seconds or a string like '90s', '10m', '2h', '1d2h', '250ms'; or {fixed: D}, ...

The YAML dialect is YAML 1.2's core schema for booleans (``on``/``off``/``yes``/``no`` stay
strings, so ``on: "infobip:http:/path"`` reads as written) and dates stay strings.

Provider-native status names are checked when the scenario meets the fakes
(`scenario.engine.Engine(..., fakes=...)`, which `SmsMock.load_scenario` does), since each
provider knows its own names; `pytest_smsmock.validation` (behind ``smsmock validate``) does both.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import jsonschema
import yaml

from pytest_smsmock.clock import parse_duration
from pytest_smsmock.errors import ConfigError, ScenarioError
from pytest_smsmock.scenario.model import (
    HTTP_ALIASES,
    HTTP_FAULT_KINDS,
    SMPP_ALIASES,
    SMPP_FAULT_KINDS,
    SUPPORTED_VERSIONS,
    AccountSpec,
    BalanceEvent,
    CallbackFaultSpec,
    CallbackSettings,
    Choice,
    DlrStep,
    Event,
    EventAction,
    ExpiryEvent,
    Exponential,
    FaultSpec,
    Fixed,
    HlrEvent,
    LogNormal,
    Match,
    MoEvent,
    Nth,
    OutageEvent,
    Pattern,
    Rate,
    Retention,
    Rule,
    Scenario,
    Selector,
    StatusChoice,
    TimeValue,
    TransportFault,
    Uniform,
    Window,
)

__all__ = [
    "check_text",
    "in_line_order",
    "load_scenario",
    "parse_scenario",
    "parse_start",
    "schema",
]

TOP_LEVEL = (
    "version",
    "seed",
    "start",
    "description",
    "accounts",
    "rules",
    "faults",
    "callbacks",
    "events",
    "retention",
)


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false) and no implicit timestamps."""


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@cache
def schema() -> Mapping[str, Any]:
    """The JSON Schema of scenario files (shipped as ``pytest_smsmock/scenario/schema.json``)."""
    text = resources.files("pytest_smsmock.scenario").joinpath("schema.json").read_text("utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema())


def format_path(parts: Iterable[str | int]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _lines(node: yaml.Node | None) -> dict[str, int]:
    """Field path -> 1-based line, from the composed YAML."""
    found: dict[str, int] = {}

    def walk(n: yaml.Node, path: str) -> None:
        found.setdefault(path, n.start_mark.line + 1)
        if isinstance(n, yaml.MappingNode):
            for key, value in n.value:
                name = str(key.value)
                sub = f"{path}.{name}" if path else name
                found[sub] = key.start_mark.line + 1
                walk(value, sub)
        elif isinstance(n, yaml.SequenceNode):
            for i, item in enumerate(n.value):
                walk(item, f"{path}[{i}]")

    if node is not None:
        walk(node, "")
    return found


def load_scenario(
    source: str | Path | Mapping[str, Any],
    *,
    known_providers: Collection[str] | None = None,
    source_name: str | None = None,
) -> Scenario:
    """A scenario from a YAML file path, the name of a bundled scenario (``slow_dlrs``) or an
    already-parsed mapping.

    `known_providers` defaults to the registry; a hub passes its own fakes' names too.
    `source_name` is how errors and the journal name the file (default: the path as given).
    """
    if isinstance(source, Mapping):
        return parse_scenario(
            source, source_name=source_name or "<mapping>", known_providers=known_providers
        )
    path = Path(source)
    if not path.exists() and isinstance(source, str):
        from pytest_smsmock.scenario.bundled import bundled_path

        bundled = bundled_path(source)
        if bundled is not None:
            path, source_name = bundled, source_name or f"{bundled.stem} (bundled)"
    name = source_name or str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        from pytest_smsmock.scenario.bundled import bundled_names

        hint = ""
        if not path.exists() and len(Path(source).parts) == 1:  # a bare name: maybe misspelt
            hint = f" (bundled scenarios: {', '.join(bundled_names())})"
        raise ScenarioError(
            f"cannot read scenario file: {exc.strerror}{hint}", source=name
        ) from exc
    return parse_text(text, source_name=name, known_providers=known_providers)


#: How many nodes YAML aliases may add to a document when expanded. A scenario that reuses a
#: DLR timeline or a match through anchors adds a few hundred; "8 levels of 9 aliases" (an
#: alias bomb) adds 48 million, which the line index, the schema check and the parser would
#: each walk. Refused before any of them runs.
MAX_ALIAS_EXPANSION = 10_000


def _check_aliases(root: yaml.Node, source_name: str) -> None:
    """Refuse a document whose aliases expand it by more than `MAX_ALIAS_EXPANSION` nodes, or
    that refers to itself. An alias is the very node object of its anchor, so the composed
    document is a graph: its expanded size is counted once per distinct node (memoized),
    without walking any expansion."""
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        kids: list[yaml.Node] = []
        if isinstance(node, yaml.MappingNode):
            kids = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            kids = list(node.value)
        if children_done:
            open_nodes.discard(key)
            size[key] = 1 + sum(size[id(kid)] for kid in kids)
            continue
        if key in size:
            continue
        if key in open_nodes:
            raise ScenarioError(
                "a YAML alias refers to the node that holds it (a recursive document)",
                source=f"{source_name}:{node.start_mark.line + 1}",
            )
        open_nodes.add(key)
        stack.append((node, True))
        stack.extend((kid, False) for kid in kids if id(kid) not in size)
    added = size[id(root)] - len(size)
    if added > MAX_ALIAS_EXPANSION:
        raise ScenarioError(
            f"YAML aliases expand this document by {added} nodes, more than the "
            f"{MAX_ALIAS_EXPANSION} allowed (an alias bomb?); write the repeated values out",
            source=source_name,
        )


def _parse_yaml(text: str, source_name: str) -> tuple[yaml.Node | None, Any]:
    """The composed document (for line numbers) and its data, composed once."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_aliases(node, source_name)
        return node, loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{source_name}:{mark.line + 1}" if mark else source_name
        problem = getattr(exc, "problem", None) or str(exc)
        raise ScenarioError(f"not valid YAML: {problem}", source=where) from exc
    except RecursionError:
        raise ScenarioError(
            "the YAML nests collections too deeply to read", source=source_name
        ) from None
    finally:
        loader.dispose()


def parse_text(
    text: str, *, source_name: str = "<scenario>", known_providers: Collection[str] | None = None
) -> Scenario:
    node, data = _parse_yaml(text, source_name)
    if not isinstance(data, Mapping):
        raise ScenarioError(
            "a scenario is a mapping with at least 'version: 1'", source=source_name
        )
    return parse_scenario(
        data, source_name=source_name, lines=_lines(node), known_providers=known_providers
    )


def parse_start(value: object, source: str = "<scenario>", path: str = "start") -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise ScenarioError(
                f"{value!r} is not an ISO 8601 date-time (e.g. 2025-01-01T00:00:00Z)",
                source=source,
                path=path,
            ) from None
    else:
        raise ScenarioError(
            f"expected an ISO 8601 date-time, got {value!r}", source=source, path=path
        )
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# -- schema errors, made readable ---------------------------------------------------------------
def _schema_message(error: jsonschema.ValidationError) -> tuple[str, str]:
    """(path, message) for the first schema error, saying what is allowed."""
    path = format_path(error.absolute_path)
    sch = error.schema if isinstance(error.schema, Mapping) else {}
    instance = error.instance
    if error.validator == "additionalProperties" and isinstance(instance, Mapping):
        allowed = sorted(sch.get("properties", {}))
        extra = [k for k in instance if k not in allowed]
        key = str(extra[0]) if extra else "?"
        hint = difflib.get_close_matches(key, allowed, n=1)
        return (
            format_path([*error.absolute_path, key]),
            f"unknown key{f' (did you mean {hint[0]!r}?)' if hint else ''}; allowed: "
            + ", ".join(allowed),
        )
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "?"
        return format_path([*error.absolute_path, name]), "missing (required)" + (
            f"; {sch['description']}" if "description" in sch else ""
        )
    if error.validator in ("enum", "const"):
        allowed_values = sch.get("enum", [sch.get("const")])
        hint = difflib.get_close_matches(str(instance), [str(v) for v in allowed_values], n=1)
        return path, (
            f"{_short(instance)} is not one of: {', '.join(str(v) for v in allowed_values)}"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
        )
    if error.validator in ("anyOf", "oneOf"):
        desc = sch.get("description") or "something else"
        return path, f"{_short(instance)} is not valid here; expected {desc}"
    if error.validator in ("minProperties", "maxProperties") and "description" in sch:
        return path, f"{_short(instance)} is not valid here; expected {sch['description']}"
    if error.validator == "type":
        return path, f"expected {' or '.join(_as_list(sch.get('type')))}, got {_short(instance)}"
    return path, error.message


def _short(value: object, limit: int = 80) -> str:
    """`repr(value)`, cut to `limit` characters: a wrong value may be a whole subtree."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 4]} ..."


def _as_list(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# -- semantic parsing ---------------------------------------------------------------------------
_T = TypeVar("_T")

#: What building a part of the scenario may raise when the schema already refused that part.
_MALFORMED = (KeyError, TypeError, ValueError, AttributeError, IndexError)


#: The stand-in of a DLR step's delay that could not be read (see `_Parser.lenient`).
_NO_DELAY: TimeValue = Fixed(seconds=0)


class _Parser:
    """Builds the model's values from checked data. `recover(path, error)`, when given, is
    asked about a problem in a value that has a harmless stand-in (a DLR step's delay): if it
    notes the problem (True), the value is replaced and building goes on, so the rest of the
    rule (its statuses) is still checked; without it the problem is raised."""

    def __init__(
        self,
        source: str,
        lines: Mapping[str, int],
        known_providers: Collection[str],
        recover: Callable[[str, Exception], bool] | None = None,
    ) -> None:
        self.source = source
        self.lines = lines
        self.known = tuple(known_providers)
        self.recover = recover

    def lenient(self, path: str, fallback: _T, build: Callable[..., _T], *args: Any) -> _T:
        try:
            return build(*args)
        except (ScenarioError, *_MALFORMED) as exc:
            if self.recover is None or not self.recover(path, exc):
                raise
            return fallback

    def fail(self, path: str, message: str) -> ScenarioError:
        probe = path
        while probe and probe not in self.lines:
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        where = f"{self.source}:{self.lines[probe]}" if probe in self.lines else self.source
        return ScenarioError(message, source=where, path=path)

    # time
    def seconds(self, value: Any, path: str) -> float:
        try:
            return parse_duration(value).total_seconds()
        except ConfigError as exc:
            raise self.fail(path, str(exc)) from None

    def time(self, value: Any, path: str) -> TimeValue:
        if not isinstance(value, Mapping):
            return Fixed(seconds=self.seconds(value, path))
        ((kind, spec),) = value.items()
        here = f"{path}.{kind}"
        if kind == "fixed":
            return Fixed(seconds=self.seconds(spec, here))
        if kind == "uniform":
            low, high = (
                self.seconds(spec["min"], f"{here}.min"),
                self.seconds(spec["max"], f"{here}.max"),
            )
            if high < low:
                raise self.fail(f"{here}.max", f"max ({spec['max']}) is below min ({spec['min']})")
            return Uniform(low=low, high=high)
        cap = self.seconds(spec["max"], f"{here}.max") if "max" in spec else None
        if kind == "lognormal":
            return LogNormal(
                median=self.seconds(spec["median"], f"{here}.median"),
                sigma=float(spec["sigma"]),
                cap=cap,
            )
        if kind == "exponential":
            return Exponential(mean=self.seconds(spec["mean"], f"{here}.mean"), cap=cap)
        options = tuple(
            (Fixed(seconds=self.seconds(k, f"{here}.{k}")), float(w)) for k, w in spec.items()
        )
        return Choice(options=options)

    def window(self, value: Mapping[str, Any], path: str) -> Window:
        start = self.seconds(value["from"], f"{path}.from") if "from" in value else None
        end = self.seconds(value["to"], f"{path}.to") if "to" in value else None
        if start is not None and end is not None and end <= start:
            raise self.fail(f"{path}.to", "the window ends before it starts")
        return Window(start=start, end=end)

    # matching
    def patterns(self, value: Any, path: str) -> tuple[Pattern, ...]:
        items = value if isinstance(value, list) else [value]
        out = []
        for i, item in enumerate(items):
            here = f"{path}[{i}]" if isinstance(value, list) else path
            if isinstance(item, Mapping):
                ((kind, text),) = item.items()
                out.append(self.pattern(kind, str(text), f"{here}.{kind}"))
            else:
                text = str(item)
                if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
                    out.append(self.pattern("regex", text[1:-1], here))
                elif any(c in text for c in "*?["):
                    out.append(self.pattern("glob", text, here))
                else:
                    out.append(self.pattern("exact", text, here))
        return tuple(out)

    def pattern(self, kind: str, text: str, path: str) -> Pattern:
        if kind != "regex":
            return Pattern(kind=kind, value=text)
        try:
            compiled = re.compile(text)
        except re.error as exc:
            raise self.fail(path, f"not a valid regular expression ({exc}): {text!r}") from None
        return Pattern(kind="regex", value=text, compiled=compiled)

    def nth(self, value: Any, path: str) -> Nth:
        if isinstance(value, int):
            return Nth(values=frozenset({value}))
        if isinstance(value, list):
            return Nth(values=frozenset(value))
        if "from" in value and "to" in value and value["to"] < value["from"]:
            raise self.fail(f"{path}.to", "the range ends before it starts")
        return Nth(every=value.get("every"), start=value.get("from"), end=value.get("to"))

    def providers(self, value: Any, path: str) -> tuple[str, ...]:
        names = tuple(value) if isinstance(value, list) else (value,)
        for i, name in enumerate(names):
            self.provider(name, f"{path}[{i}]" if isinstance(value, list) else path)
        return names

    def provider(self, name: str, path: str, *, wildcard: bool = False) -> str:
        if wildcard and name == "*":
            return name
        if name not in self.known:
            hint = difflib.get_close_matches(name, self.known, n=1)
            raise self.fail(
                path,
                f"unknown provider {name!r}"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f"; one of {', '.join(self.known)}",
            )
        return name

    def match(self, value: Mapping[str, Any], path: str) -> Match:
        def names(key: str) -> tuple[str, ...]:
            raw = value.get(key)
            if raw is None:
                return ()
            return tuple(raw) if isinstance(raw, list) else (raw,)

        return Match(
            providers=self.providers(value["provider"], f"{path}.provider")
            if "provider" in value
            else (),
            protocols=names("protocol"),
            apis=names("api"),
            account=self.patterns(value["account"], f"{path}.account")
            if "account" in value
            else (),
            to=self.patterns(value["to"], f"{path}.to") if "to" in value else (),
            sender=self.patterns(value["sender"], f"{path}.sender") if "sender" in value else (),
            text=self.patterns(value["text"], f"{path}.text") if "text" in value else (),
            nth=self.nth(value["nth"], f"{path}.nth") if "nth" in value else None,
            window=self.window(value["time"], f"{path}.time") if "time" in value else None,
            probability=value.get("probability"),
        )

    # outcomes
    def status(self, value: Any) -> StatusChoice:
        if isinstance(value, Mapping):
            return StatusChoice(options=tuple((_key(k), float(w)) for k, w in value.items()))
        return StatusChoice(options=((value, 1.0),))

    def dlr(self, value: list[Any], path: str) -> tuple[DlrStep, ...]:
        steps = []
        for i, step in enumerate(value):
            here = f"{path}[{i}]"
            steps.append(
                DlrStep(
                    after=self.lenient(
                        f"{here}.after", _NO_DELAY, self.time, step["after"], f"{here}.after"
                    ),
                    status=self.status(step["status"]),
                    error=step.get("error"),
                )
            )
        return tuple(steps)

    def fault_spec(self, value: Any, path: str, protocols: Collection[str]) -> FaultSpec:
        raw: Mapping[str, Any] = value if isinstance(value, Mapping) else {"kind": value}
        kind = raw["kind"]
        kind_path = f"{path}.kind" if isinstance(value, Mapping) else path
        http_ok = kind in HTTP_FAULT_KINDS or kind in HTTP_ALIASES
        smpp_ok = kind in SMPP_FAULT_KINDS or kind in SMPP_ALIASES
        if "http" in protocols and "smpp" not in protocols and not http_ok:
            raise self.fail(
                kind_path, f"{kind!r} is an SMPP fault; HTTP faults: {', '.join(HTTP_FAULT_KINDS)}"
            )
        if "smpp" in protocols and "http" not in protocols and not smpp_ok:
            raise self.fail(
                kind_path, f"{kind!r} is an HTTP fault; SMPP faults: {', '.join(SMPP_FAULT_KINDS)}"
            )
        if kind in ("error_status", "bind_wrong_status") and "command_status" not in raw:
            raise self.fail(f"{path}.command_status", f"missing; {kind} needs a command_status")
        if kind in ("delay", "delayed_response") and "delay" not in raw:
            raise self.fail(f"{path}.delay", f"missing; {kind} needs a delay (e.g. 2s)")
        headers = tuple((str(k), str(v)) for k, v in (raw.get("headers") or {}).items())
        return FaultSpec(
            kind=kind,
            status=raw.get("status"),
            body=raw.get("body"),
            headers=headers,
            content_type=raw.get("content_type"),
            retry_after=self.seconds(raw["retry_after"], f"{path}.retry_after")
            if "retry_after" in raw
            else None,
            delay=self.time(raw["delay"], f"{path}.delay") if "delay" in raw else None,
            real=bool(raw.get("real", False)),
            keep=raw.get("keep"),
            size=raw.get("size"),
            command_status=raw.get("command_status"),
            sequence=raw.get("sequence"),
        )

    def rule(self, index: int, value: Mapping[str, Any]) -> Rule:
        path = f"rules[{index}]"
        outcomes = [k for k in ("respond", "dlr", "fault") if k in value]
        if len(outcomes) != 1:
            raise self.fail(
                path,
                "a rule has exactly one of respond (a provider-native answer), dlr (a status "
                f"timeline) or fault; this one has {', '.join(outcomes) or 'none'}",
            )
        match = self.match(value.get("match") or {}, f"{path}.match")
        return Rule(
            index=index,
            name=value.get("name", ""),
            match=match,
            respond=dict(value["respond"]) if "respond" in value else None,
            dlr=self.dlr(value["dlr"], f"{path}.dlr") if "dlr" in value else None,
            fault=self.fault_spec(value["fault"], f"{path}.fault", match.protocols)
            if "fault" in value
            else None,
            times=value.get("times"),
        )

    def rate(self, value: Any, path: str) -> Rate:
        if isinstance(value, Mapping):
            return Rate(limit=int(value["limit"]), per=self.seconds(value["per"], f"{path}.per"))
        count, _, per = str(value).partition("/")
        per = per.strip()
        if per and per[0].isalpha():
            per = "1" + per
        return Rate(limit=int(count), per=self.seconds(per, path))

    def fault(self, index: int, value: Mapping[str, Any]) -> TransportFault:
        path = f"faults[{index}]"
        parts = str(value["on"]).split(":", 2)
        provider = self.provider(parts[0] or "*", f"{path}.on", wildcard=True)
        protocol = parts[1] if len(parts) > 1 and parts[1] else "*"
        if protocol not in ("http", "smpp", "*"):
            raise self.fail(
                f"{path}.on",
                f"{value['on']!r}: the protocol is http, smpp or *; write "
                "'provider:http:/path/glob*' or 'provider:smpp:submit_sm'",
            )
        target = parts[2] if len(parts) > 2 and parts[2] else "*"
        protocols = ("http", "smpp") if protocol == "*" else (protocol,)
        spec = self.fault_spec(value, path, protocols)
        nth = self.nth(value["nth"], f"{path}.nth") if "nth" in value else None
        if "every" in value:
            nth = Nth(every=value["every"])
        return TransportFault(
            index=index,
            provider=provider,
            protocol=protocol,
            target=target,
            listener=value.get("listener"),
            method=value["method"].upper() if "method" in value else None,
            selector=Selector(
                nth=nth,
                times=value.get("times"),
                probability=value.get("probability"),
                window=self.window(value["during"], f"{path}.during")
                if "during" in value
                else None,
                rate=self.rate(value["rate"], f"{path}.rate") if "rate" in value else None,
            ),
            spec=spec,
        )

    def callback(
        self, index: int, value: Mapping[str, Any], base: str = "callbacks"
    ) -> CallbackFaultSpec:
        path = f"{base}[{index}]"
        provider = self.provider(value.get("provider", "*"), f"{path}.provider", wildcard=True)
        outcome = value["with"]
        if not any(k in value for k in ("fail_first", "always", "probability")):
            raise self.fail(
                path, "say which attempts fail: fail_first: N, always: true or probability: P"
            )
        url = self.patterns(value["url"], f"{path}.url")[0] if "url" in value else None
        return CallbackFaultSpec(
            index=index,
            provider=provider,
            kind=value.get("kind"),
            url=url,
            fail_first=value.get("fail_first"),
            always=bool(value.get("always", False)),
            probability=value.get("probability"),
            error=outcome if isinstance(outcome, str) else None,
            status=None if isinstance(outcome, str) else int(outcome["status"]),
            body="" if isinstance(outcome, str) else str(outcome.get("body", "")),
        )

    def callback_settings(self, value: Mapping[str, Any]) -> CallbackSettings:
        timeout = None
        if "timeout" in value:
            timeout = self.seconds(value["timeout"], "callbacks.timeout")
            if timeout <= 0:
                raise self.fail("callbacks.timeout", "the callback timeout must be above 0")
        return CallbackSettings(timeout=timeout, concurrency=value.get("concurrency"))

    def event(self, index: int, value: Mapping[str, Any]) -> Event:
        path = f"events[{index}]"
        provider = self.provider(value["provider"], f"{path}.provider")
        kind = next(k for k in value if k not in ("at", "provider"))
        spec = value[kind]
        here = f"{path}.{kind}"
        action: EventAction
        if kind == "mo":
            options = {k: v for k, v in spec.items() if k not in ("from", "text", "to")}
            action = MoEvent(
                sender=str(spec["from"]),
                text=str(spec.get("text", "")),
                to=str(spec["to"]) if spec.get("to") is not None else None,
                options=options,
            )
        elif kind == "hlr":
            action = HlrEvent(
                msisdn=str(spec["msisdn"]),
                result={k: v for k, v in spec.items() if k != "msisdn"},
            )
        elif kind == "balance":
            action = BalanceEvent(
                account=spec["account"],
                set=str(spec["set"]) if "set" in spec else None,
                add=str(spec["add"]) if "add" in spec else None,
            )
        elif kind == "expire":
            action = ExpiryEvent(account=spec["account"], expired=spec.get("expired", True))
        else:
            listeners = spec.get("listener", ())
            action = OutageEvent(
                listeners=tuple(listeners)
                if isinstance(listeners, list)
                else (listeners,)
                if listeners
                else (),
                protocol=spec.get("protocol", "http"),
                duration=self.time(spec["for"], f"{here}.for") if "for" in spec else None,
            )
        return Event(
            index=index, at=self.time(value["at"], f"{path}.at"), provider=provider, action=action
        )

    def account(self, provider: str, index: int, entry: Mapping[str, Any]) -> AccountSpec:
        options = {k: v for k, v in entry.items() if k not in ("username", "password")}
        return AccountSpec(
            provider=provider,
            username=str(entry["username"]),
            password=str(entry["password"]),
            options=options,
        )


def _key(value: Any) -> str | int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return text


def parse_scenario(
    data: Mapping[str, Any],
    *,
    source_name: str = "<scenario>",
    lines: Mapping[str, int] | None = None,
    known_providers: Collection[str] | None = None,
) -> Scenario:
    """The scenario of an already-read document; every problem found is raised at once."""
    scenario, problems = _analyse(
        data, source_name=source_name, lines=lines or {}, known_providers=known_providers
    )
    if problems:
        raise ScenarioError.several(source_name, problems)
    return scenario


def _analyse(
    data: Mapping[str, Any],
    *,
    source_name: str,
    lines: Mapping[str, int],
    known_providers: Collection[str] | None,
) -> tuple[Scenario, list[ScenarioError]]:
    """The scenario made of every part that could be built, and every problem of the document,
    each once, in line order: schema problems, then what each part's own checks find. A part
    under a schema problem is still built, so its other problems are reported too; what it
    raises only because it is malformed is the schema problem already reported."""
    from pytest_smsmock.providers import provider_names

    known = tuple(dict.fromkeys([*provider_names(), *(known_providers or ())]))
    problems: list[ScenarioError] = []
    refused: list[str] = []  # paths the schema refused

    def under_refused(path: str) -> bool:
        return any(bad == path or bad.startswith((f"{path}.", f"{path}[")) for bad in refused)

    def recover(path: str, exc: Exception) -> bool:
        """Note `exc` (once: not again where the schema said it); False: a bug, re-raise."""
        if isinstance(exc, ScenarioError):
            if exc.path not in refused:
                problems.append(exc)
            return True
        return under_refused(path)

    parser = _Parser(source_name, lines, known, recover)
    data = dict(data)
    if isinstance(data.get("start"), datetime):
        data["start"] = data["start"].isoformat()
    errors = sorted(
        _validator().iter_errors(data),
        key=lambda e: (parser.lines.get(format_path(e.absolute_path), 0), -len(e.absolute_path)),
    )
    for error in errors:
        path, message = _schema_message(error)
        if path == "version" and message.startswith("missing"):
            message = "missing; write 'version: 1' at the top of the file"
        elif path == "version":
            message = f"{data['version']!r} is not supported (supported: {SUPPORTED_VERSIONS})"
        if path not in refused:
            refused.append(path)
            problems.append(parser.fail(path, message))

    def part(path: str, build: Callable[..., _T], *args: Any) -> _T | None:
        """A top-level part (a rule, an event...), or None if it cannot be built."""
        return parser.lenient(path, None, build, *args)

    def items(key: str) -> list[tuple[int, Any]]:
        value = data.get(key)
        return list(enumerate(value)) if isinstance(value, list) else []

    def account(provider: str, index: int, entry: Any) -> AccountSpec:
        return parser.account(parser.provider(provider, f"accounts.{provider}"), index, entry)

    start = part("start", parse_start, data["start"], source_name) if "start" in data else None
    by_provider = data.get("accounts")
    accounts = [
        part(f"accounts.{provider}[{i}]", account, provider, i, entry)
        for provider, entries in (by_provider.items() if isinstance(by_provider, Mapping) else ())
        for i, entry in (enumerate(entries) if isinstance(entries, list) else ())
    ]
    rules = [part(f"rules[{i}]", parser.rule, i, r) for i, r in items("rules")]
    faults = [part(f"faults[{i}]", parser.fault, i, f) for i, f in items("faults")]
    pushes = data.get("callbacks")
    settings = CallbackSettings()
    if isinstance(pushes, Mapping):  # {timeout:, concurrency:, faults: [...]}
        settings = part("callbacks", parser.callback_settings, pushes) or settings
        listed = pushes.get("faults")
        failures = list(enumerate(listed)) if isinstance(listed, list) else []
        base = "callbacks.faults"
    else:
        failures, base = items("callbacks"), "callbacks"
    callbacks = [part(f"{base}[{i}]", parser.callback, i, c, base) for i, c in failures]
    events = [part(f"events[{i}]", parser.event, i, e) for i, e in items("events")]
    kept = data.get("retention")
    retention = Retention()
    if isinstance(kept, Mapping):
        retention = Retention(
            journal_entries=kept.get("journal_entries"),
            finished_messages=kept.get("finished_messages"),
        )
    version = data.get("version")
    scenario = Scenario(
        version=version if isinstance(version, int) else SUPPORTED_VERSIONS[0],
        source=source_name,
        seed=data.get("seed") if isinstance(data.get("seed"), int) else None,
        start=start,
        description=str(data.get("description", "")),
        accounts=tuple(a for a in accounts if a is not None),
        rules=tuple(r for r in rules if r is not None),
        faults=tuple(f for f in faults if f is not None),
        callbacks=tuple(c for c in callbacks if c is not None),
        callback_settings=settings,
        retention=retention,
        events=tuple(e for e in events if e is not None),
        lines=dict(parser.lines),
    )
    return scenario, in_line_order(problems)


def _line_of(problem: ScenarioError) -> int:
    _, _, line = problem.source.rpartition(":")
    return int(line) if line.isdigit() else 0


def in_line_order(problems: list[ScenarioError]) -> list[ScenarioError]:
    """The problems of one file by line (stable), each (path, message) once."""
    unique = {(p.path, p.detail, p.source): p for p in problems}
    return sorted(unique.values(), key=_line_of)


def check_text(
    text: str, *, source_name: str = "<scenario>", known_providers: Collection[str] | None = None
) -> tuple[Scenario | None, list[ScenarioError]]:
    """Every problem of a scenario document the format itself can find (YAML, schema, each
    part's own checks), each once, in line order, and the scenario made of the parts that could
    be built (None if the YAML cannot be read). `validation.check_file` adds the names only
    the providers know."""
    try:
        node, data = _parse_yaml(text, source_name)
    except ScenarioError as exc:
        return None, [exc]
    if not isinstance(data, Mapping):
        message = "a scenario is a mapping with at least 'version: 1'"
        return None, [ScenarioError(message, source=source_name)]
    return _analyse(
        data, source_name=source_name, lines=_lines(node), known_providers=known_providers
    )
