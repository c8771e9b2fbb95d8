"""The scenario engine: pure decisions the transports consult (no sockets, threads or time).

Fakes ask it what happens to a submission (`decide_submit`), whether an HTTP request, a TLS
connection or an SMPP PDU meets a fault (`http_fault`, `http_connection_fault`, `smpp_fault`)
and whether a callback to the client fails (`callback_fault`). Where the scenario says nothing,
the answer is the provider's normal behaviour and every message follows the default plan
(delivered after 5 virtual seconds); a hub with no scenario asks `NoScenario` instead
(`scenario/decisions.py`), which answers that way without this module or the model.

Determinism: every random draw comes from a `random.Random` seeded with the scenario seed, one
stream per purpose and provider (``match/infobip``, ``dlr/infobip``, ``faults[2]``, ...), so a
seed fully determines outcomes, and two providers used from two threads do not disturb each
other's draws. Counters (the nth submission of a provider, the nth request hitting a fault) are
kept here under one lock; the engine never calls out while holding it.

Status names in DLR timelines are canonical (`CANONICAL_STATUSES`) or provider-native: native
ones are resolved once, when the engine is built for a hub's fakes, through
`ProviderFake.resolve_status()`; an unknown name fails there with the scenario's file, line and
field path and the list of valid names.

A fault a submission meets (a rule's ``fault:``) is part of the decision (`SubmitDecision.fault`);
it travels in the submission's result (`core/submission.py`) to the transport that performs it.
What each kind does on each transport is data: `scenario/faults.py`.
"""

from __future__ import annotations

import contextlib
import difflib
import fnmatch
import functools
import random
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Any, NamedTuple, Protocol, TypeVar

from pytest_smsmock.core.callbacks import CallbackRequest, CallbackResult, FaultHook
from pytest_smsmock.core.frozen import unchecked_builder
from pytest_smsmock.core.lifecycle import Plan, Transition
from pytest_smsmock.core.messages import FINAL_STATUSES, Status
from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.decisions import NO_DECISION, SubmitContext, SubmitDecision
from pytest_smsmock.scenario.faults import (
    SMPP_BEHAVIOUR,
    FaultKind,
    HttpFault,
    SmppContext,
    SmppFault,
)
from pytest_smsmock.scenario.model import (
    CANONICAL_STATUSES,
    HTTP_ALIASES,
    HTTP_FAULT_KINDS,
    SMPP_ALIASES,
    SMPP_FAULT_KINDS,
    FaultSpec,
    Match,
    Pattern,
    Rule,
    Scenario,
    Selector,
    TimeValue,
    TransportFault,
    pick,
    running_total,
)

__all__ = ["Engine", "StatusResolver", "check_names"]

#: A body that exercises a client's parser (WireMock's MALFORMED_RESPONSE_CHUNK).
MALFORMED_CHUNK = b"lskdu018973t09sylgasjkfg1][]'./.sdlv"


_FaultT = TypeVar("_FaultT", "HttpFault", "SmppFault")


class _TimelineStep(NamedTuple):
    """One step of a rule's DLR timeline for one provider (`Engine._timeline`)."""

    after: TimeValue
    outcomes: tuple[tuple[Status, int | str | None], ...]  # (status, native), by the weights
    cum_weights: tuple[float, ...] | None  # None: one outcome, nothing to draw
    error: int | str | None


# Built unchecked once per submission a rule plans (`core/frozen.py`): a decision checks
# nothing, and a drawn delay is never negative (the schema admits no negative duration, and
# each distribution draws within its bounds), which is all a `Transition` checks. Positional:
# `_planned(plan, respond, fault, rule, rule_name)` (a keyword argument costs ~600
# instructions).
_planned = unchecked_builder(SubmitDecision)
_transition = unchecked_builder(Transition)


class StatusResolver(Protocol):
    """What the engine asks a provider fake about its native status names."""

    def resolve_status(self, value: str | int) -> tuple[Status, int | str | None] | None:
        """(canonical status, the native status to report or None) for a scenario's value."""
        ...

    def native_statuses(self) -> list[str]: ...

    def resolve_error(self, value: str | int) -> int | str | None:
        """The provider's own error code for a scenario's `error:` value, or None if unknown."""
        ...

    def native_errors(self) -> list[str]: ...


def _seed_text(seed: int | str) -> str:
    return str(seed)


def _matches_any(patterns: Sequence[Pattern], value: str) -> bool:
    return any(pattern.matches(value) for pattern in patterns)


#: The position of each field in a `SubmitContext` (`_checks` reads them by index).
_CONTEXT_INDEX = {name: i for i, name in enumerate(SubmitContext._fields)}

_Check = tuple[int, Callable[[Any], object]]


def _checks(match: Match) -> tuple[_Check, ...]:
    """The tests of a rule's `match` on a submission's fields, chosen once: (the field's index in
    a `SubmitContext`, the test of its value) for each field the rule names, in the order
    `_rule_matches` asks them. Every submission asks every rule until one matches (the 48-hour
    scenario bench, bench/README.md "Scenarios"): a loop over what the rule names costs a third
    of asking each of its ten fields in turn."""
    checks: list[_Check] = []
    for name, names in (("provider", match.providers), ("protocol", match.protocols)):
        if names:
            checks.append((_CONTEXT_INDEX[name], frozenset(names).__contains__))
    if match.apis:
        checks.append((_CONTEXT_INDEX["api"], frozenset(match.apis).__contains__))
    for name in ("account", "to", "sender", "text"):
        patterns: tuple[Pattern, ...] = getattr(match, name)
        if len(patterns) == 1:
            checks.append((_CONTEXT_INDEX[name], patterns[0].matches))
        elif patterns:
            checks.append((_CONTEXT_INDEX[name], functools.partial(_matches_any, patterns)))
    return tuple(checks)


def check_names(scenario: Scenario, fakes: Mapping[str, StatusResolver]) -> list[ScenarioError]:
    """Every provider-native status or error name of `scenario` that `fakes` do not know, each
    once (what building an `Engine` raises for the first of them); for `smsmock validate`."""
    problems: list[ScenarioError] = []
    Engine()._resolve_statuses(scenario, fakes, problems)
    return problems


class Engine:
    """Decisions for one scenario and seed; built by the hub when a scenario is loaded.

    `fakes` (name -> fake) resolves provider-native status names; `origin` is the virtual
    instant the scenario was loaded (time windows and events count from it); `lock` guards the
    counters and streams when transports call from several threads (the hub passes a
    `threading.Lock`; the engine itself imports no threading).
    """

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        seed: int | str | None = None,
        fakes: Mapping[str, StatusResolver] | None = None,
        origin: datetime | None = None,
        lock: AbstractContextManager[Any] | None = None,
    ) -> None:
        self.scenario = scenario
        #: Whether any submission can meet a rule (without, every decision is the default).
        self.has_rules = scenario is not None and bool(scenario.rules)
        if seed is None:
            seed = scenario.seed if scenario is not None and scenario.seed is not None else 0
        self.seed: int | str = seed
        self.origin = origin
        self._lock: AbstractContextManager[Any] = lock or contextlib.nullcontext()
        self._streams: dict[str, random.Random] = {}
        self._submits: dict[str, int] = {}
        self._rule_uses: dict[int, int] = {}
        self._fault_hits: dict[int, int] = {}
        self._fault_fired: dict[int, int] = {}
        self._fault_times: dict[int, deque[float]] = {}
        self._statuses: dict[tuple[str, str | int], tuple[Status, int | str | None]] = {}
        self._errors: dict[tuple[str, str | int], int | str] = {}
        self._timelines: dict[tuple[int, str], tuple[_TimelineStep, ...]] = {}
        self._dlr_streams: dict[str, random.Random] = {}  # `stream("dlr/<provider>")`, by provider
        self._rule_checks = [
            (rule, _checks(rule.match)) for rule in (scenario.rules if scenario else ())
        ]
        #: Clock handles of this scenario's events (`events`), cancelled on replacement.
        self.scheduled: list[Any] = []
        if scenario is not None:
            self._resolve_statuses(scenario, fakes or {})

    # -- seeded streams -------------------------------------------------------------------------
    def stream(self, purpose: str) -> random.Random:
        """The seeded random stream of one purpose (call with the engine's lock held)."""
        rng = self._streams.get(purpose)
        if rng is None:
            rng = self._streams[purpose] = random.Random(
                f"smsmock/{_seed_text(self.seed)}/scenario/{purpose}"
            )
        return rng

    def draw(self, value: TimeValue, purpose: str) -> timedelta:
        with self._lock:
            return value.draw(self.stream(purpose))

    def _offset(self, at: datetime | None) -> float:
        if at is None or self.origin is None:
            return 0.0
        return (at - self.origin).total_seconds()

    # -- statuses ---------------------------------------------------------------------------
    def _resolve_statuses(
        self,
        scenario: Scenario,
        fakes: Mapping[str, StatusResolver],
        problems: list[ScenarioError] | None = None,
    ) -> None:
        """Resolve every provider-native name; raise at the first unknown one, or, given a
        `problems` list, note each unknown name there once and go on (`check_names`)."""

        def fail(error: ScenarioError) -> None:
            if problems is None:
                raise error
            problems.append(error)

        for rule in scenario.rules:
            for s, step in enumerate(rule.dlr or ()):
                for value, _ in step.status.options:
                    if isinstance(value, str) and value in CANONICAL_STATUSES:
                        continue
                    path = f"rules[{rule.index}].dlr[{s}].status"
                    targets = rule.match.providers or tuple(fakes)
                    if not targets:
                        fail(self._status_error(scenario, path, value, None, None))
                        continue
                    for provider in targets:
                        fake = fakes.get(provider)
                        resolved = fake.resolve_status(value) if fake is not None else None
                        if resolved is None:
                            fail(
                                self._status_error(
                                    scenario, path, value, provider, fake, several=len(targets) > 1
                                )
                            )
                            break  # one problem per name, whatever the other providers say
                        self._statuses[(provider, value)] = resolved
            for s, step in enumerate(rule.dlr or ()):
                if step.error is not None:
                    try:
                        self._resolve_error(
                            scenario, rule, f"rules[{rule.index}].dlr[{s}].error", step.error, fakes
                        )
                    except ScenarioError as error:
                        fail(error)

    def _resolve_error(
        self,
        scenario: Scenario,
        rule: Rule,
        path: str,
        value: str | int,
        fakes: Mapping[str, StatusResolver],
    ) -> None:
        targets = rule.match.providers or tuple(fakes)
        for provider in targets:
            fake = fakes.get(provider)
            if fake is None:
                continue  # a provider this hub does not run: nothing to check against
            resolved = fake.resolve_error(value)
            if resolved is None:
                known = fake.native_errors()
                hint = difflib.get_close_matches(str(value), known, n=1)
                message = (
                    f"{value!r} is not an error code of {provider}"
                    + (f" (did you mean {hint[0]!r}?)" if hint else "")
                    + (f"; {provider} errors: {', '.join(known)}" if known else "")
                    + (
                        "; a provider's error needs the rule restricted with match.provider"
                        if len(targets) > 1
                        else ""
                    )
                )
                raise ScenarioError(message, source=scenario.where(path), path=path)
            self._errors[(provider, value)] = resolved

    @staticmethod
    def _status_error(
        scenario: Scenario,
        path: str,
        value: str | int,
        provider: str | None,
        fake: StatusResolver | None,
        *,
        several: bool = False,
    ) -> ScenarioError:
        native = fake.native_statuses() if fake is not None else []
        valid = [*CANONICAL_STATUSES, *native]
        hint = difflib.get_close_matches(str(value), [str(v) for v in valid], n=1)
        where = f" for {provider}" if provider else ""
        message = (
            f"{value!r} is not a status{where}"
            + (f" (did you mean {hint[0]!r}?)" if hint else "")
            + f"; canonical: {', '.join(CANONICAL_STATUSES)}"
            + (f"; {provider} native: {', '.join(native)}" if native else "")
        )
        if several:
            message += "; a native name needs the rule restricted with match.provider"
        return ScenarioError(message, source=scenario.where(path), path=path)

    def _status(self, provider: str, value: str | int) -> tuple[Status, int | str | None]:
        if isinstance(value, str) and value in CANONICAL_STATUSES:
            return Status(value), None
        try:
            return self._statuses[(provider, value)]
        except KeyError:
            return Status.UNKNOWN, value

    # -- submissions ------------------------------------------------------------------------
    def decide_submit(self, context: SubmitContext) -> SubmitDecision:
        if self.scenario is None or not self.scenario.rules:
            return NO_DECISION
        provider = context.provider
        with self._lock:
            n = self._submits.get(provider, 0) + 1
            self._submits[provider] = n
            rule = self._first_rule(context, n)
            if rule is None:
                return NO_DECISION
            self._rule_uses[rule.index] = self._rule_uses.get(rule.index, 0) + 1
            if rule.fault is not None:
                fault = self._build_fault(
                    rule.fault, context.protocol, f"faults of {rule.label}", provider
                )
                return SubmitDecision(fault=fault, rule=rule.index, rule_name=rule.name)
            if rule.respond is not None:
                return SubmitDecision(respond=rule.respond, rule=rule.index, rule_name=rule.name)
            plan = self._plan(rule, provider)
        return _planned(plan, None, None, rule.index, rule.name)

    def _first_rule(self, context: SubmitContext, n: int) -> Rule | None:
        uses = self._rule_uses
        for rule, checks in self._rule_checks:
            if rule.times is not None and uses.get(rule.index, 0) >= rule.times:
                continue
            if self._rule_matches(rule.match, checks, context, n):
                return rule
        return None

    def _rule_matches(
        self, match: Match, checks: tuple[_Check, ...], context: SubmitContext, n: int
    ) -> bool:
        # The fields the rule names (`_checks`); an empty list of patterns matches anything.
        for index, test in checks:
            if not test(context[index]):
                return False
        if match.nth is not None and not match.nth.matches(n):
            return False
        if match.window is not None and not match.window.contains(self._offset(context.at)):
            return False
        if match.probability is not None:
            return self.stream(f"match/{context.provider}").random() < match.probability
        return True

    def _plan(self, rule: Rule, provider: str) -> Plan:
        rng = self._dlr_streams.get(provider)
        if rng is None:
            rng = self._dlr_streams[provider] = self.stream(f"dlr/{provider}")
        steps = []
        for step in self._timeline(rule, provider):
            after = step.after.draw(rng)
            if step.cum_weights is None:
                status, native = step.outcomes[0]
            else:
                status, native = pick(rng, step.outcomes, step.cum_weights)
            steps.append(_transition(after, status, step.error, native))
            if status in FINAL_STATUSES:
                break
        return tuple(steps)

    def _timeline(self, rule: Rule, provider: str) -> tuple[_TimelineStep, ...]:
        """A rule's DLR steps for one provider, their statuses and errors resolved once (the
        names never change while the engine lives; every submission the rule decides draws
        from them)."""
        key = (rule.index, provider)
        timeline = self._timelines.get(key)
        if timeline is None:
            steps = []
            for step in rule.dlr or ():
                options = step.status.options
                weights = None
                if len(options) > 1:
                    weights = running_total(w for _, w in options)
                error = step.error
                if error is not None:
                    error = self._errors.get((provider, error), error)
                outcomes = tuple(self._status(provider, value) for value, _ in options)
                steps.append(_TimelineStep(step.after, outcomes, weights, error))
            timeline = self._timelines[key] = tuple(steps)
        return timeline

    # -- transport faults -------------------------------------------------------------------
    def _build_fault(
        self, spec: FaultSpec, protocol: str, source: str, purpose: str
    ) -> HttpFault | SmppFault:
        if protocol == "smpp":
            return self._smpp_fault(spec, source, purpose)
        return self._http_fault(spec, source, purpose)

    def _http_fault(self, spec: FaultSpec, source: str, purpose: str) -> HttpFault:
        kind = FaultKind(
            spec.kind if spec.kind in HTTP_FAULT_KINDS else HTTP_ALIASES.get(spec.kind, spec.kind)
        )
        headers = dict(spec.headers)
        if spec.content_type:
            headers["Content-Type"] = spec.content_type
        body = (spec.body or "").encode("utf-8")
        status = spec.status or 500
        if kind == "too_many_requests":
            status = spec.status or 429
            retry = spec.retry_after if spec.retry_after is not None else 1.0
            headers.setdefault("Retry-After", str(max(0, round(retry))))
            body = body or b"Too Many Requests"
        elif kind == "empty_body":
            status = spec.status or 200
            body = b""
        elif kind == "random_data_then_close":
            rng = self.stream(f"faults/random/{purpose}")
            body = bytes(rng.getrandbits(8) for _ in range(spec.size or 64))
        elif kind == "malformed_response_chunk":
            body = MALFORMED_CHUNK
        elif kind == "http_status" and "Content-Type" not in headers:
            headers["Content-Type"] = "text/plain; charset=utf-8"
        delay = None
        if spec.delay is not None:
            delay = spec.delay.draw(self.stream(f"faults/delay/{purpose}"))
        return HttpFault(
            kind=kind,
            status=status,
            body=body,
            headers=headers,
            delay=delay,
            real=spec.real,
            keep=spec.keep,
            size=spec.size,
            source=source,
        )

    def _smpp_fault(self, spec: FaultSpec, source: str, purpose: str) -> SmppFault:
        kind = FaultKind(
            spec.kind if spec.kind in SMPP_FAULT_KINDS else SMPP_ALIASES.get(spec.kind, spec.kind)
        )
        status = spec.command_status
        if status is None:
            status = SMPP_BEHAVIOUR[kind].status if kind in SMPP_BEHAVIOUR else None
        delay = None
        if spec.delay is not None:
            delay = spec.delay.draw(self.stream(f"faults/delay/{purpose}"))
        return SmppFault(
            kind=kind,
            command_status=status,
            delay=delay,
            sequence=spec.sequence or "request",
            source=source,
        )

    def _select(
        self, faults: Sequence[TransportFault], at: datetime | None
    ) -> TransportFault | None:
        """Count one occurrence for every fault whose `on` matches; return the first that hits.

        Every fault counts every matching occurrence, whichever fault hits it, so ``nth: 2`` on
        one fault and ``nth: 3`` on another mean the 2nd and the 3rd request.
        """
        offset = self._offset(at)
        counted = []
        for fault in faults:
            n = self._fault_hits.get(fault.index, 0) + 1
            self._fault_hits[fault.index] = n
            rate = fault.selector.rate
            if rate is not None:
                times = self._fault_times.setdefault(fault.index, deque())
                times.append(offset)
                while times and times[0] <= offset - rate.per:
                    times.popleft()
            counted.append((fault, n))
        for fault, n in counted:
            if self._hits(fault, n, offset):
                self._fault_fired[fault.index] = self._fault_fired.get(fault.index, 0) + 1
                return fault
        return None

    def _hits(self, fault: TransportFault, n: int, offset: float) -> bool:
        selector: Selector = fault.selector
        if selector.window is not None and not selector.window.contains(offset):
            return False
        if selector.nth is not None and not selector.nth.matches(n):
            return False
        if selector.times is not None and self._fault_fired.get(fault.index, 0) >= selector.times:
            return False
        if selector.rate is not None and len(self._fault_times[fault.index]) <= selector.rate.limit:
            return False
        return selector.probability is None or (
            self.stream(f"faults[{fault.index}]").random() < selector.probability
        )

    def _transport_faults(self, provider: str, protocol: str) -> list[TransportFault]:
        if self.scenario is None:
            return []
        return [
            f
            for f in self.scenario.faults
            if f.provider in ("*", provider) and f.protocol in ("*", protocol)
        ]

    def http_fault(
        self,
        provider: str,
        listener: str,
        method: str,
        path: str,
        *,
        at: datetime | None = None,
    ) -> HttpFault | None:
        """The fault an HTTP request meets, if any (the first scenario fault that hits it)."""
        candidates = self._transport_faults(provider, "http")
        if not candidates:
            return None
        matching = [
            f
            for f in candidates
            if f.spec.kind != "tls_handshake_failure"
            and (f.listener is None or f.listener == listener)
            and (f.method is None or f.method == method.upper())
            and fnmatch.fnmatchcase(path, f.target)
        ]
        return self._pick(matching, at, self._http_fault)

    def http_connection_fault(
        self, provider: str, listener: str, *, at: datetime | None = None
    ) -> HttpFault | None:
        """A fault a new connection meets before any request (``tls_handshake_failure``)."""
        candidates = [
            f
            for f in self._transport_faults(provider, "http")
            if f.spec.kind == "tls_handshake_failure"
            and (f.listener is None or f.listener == listener)
        ]
        return self._pick(candidates, at, self._http_fault)

    def smpp_fault(
        self, provider: str, command: str, context: SmppContext | None = None
    ) -> SmppFault | None:
        """The fault an SMPP PDU meets, if any. `command` is the PDU the client sent
        (``bind_transceiver``, ``submit_sm``, ``enquire_link``...) or, for what the server is
        about to send, ``deliver_sm`` (receipts and MO). Pure: the listener performs it."""
        candidates = self._transport_faults(provider, "smpp")
        if not candidates:
            return None
        at = context.at if context is not None else None
        listener = context.listener if context is not None else ""
        matching = [
            f
            for f in candidates
            if (f.listener is None or f.listener == listener)
            and fnmatch.fnmatchcase(command, f.target)
        ]
        return self._pick(matching, at, self._smpp_fault)

    def _pick(
        self,
        matching: Sequence[TransportFault],
        at: datetime | None,
        build: Callable[[FaultSpec, str, str], _FaultT],
    ) -> _FaultT | None:
        """The fault one of `matching` decides for this request (counting it), built."""
        if not matching:
            return None
        with self._lock:
            fault = self._select(matching, at)
            if fault is None:
                return None
            return build(fault.spec, f"faults[{fault.index}]", f"{fault.index}")

    # -- callbacks --------------------------------------------------------------------------
    def callback_fault(self, provider: str) -> FaultHook | None:
        """A hook standing in for the client's endpoint, or None when nothing fails."""
        if self.scenario is None:
            return None
        specs = [c for c in self.scenario.callbacks if c.provider in ("*", provider)]
        if not specs:
            return None

        def hook(request: CallbackRequest, attempt: int) -> CallbackResult | None:
            for spec in specs:
                if spec.kind is not None and spec.kind != request.kind:
                    continue
                if spec.url is not None and not spec.url.matches(request.url):
                    continue
                if spec.fail_first is not None and attempt > spec.fail_first:
                    continue
                if spec.probability is not None:
                    with self._lock:
                        rng = self.stream(f"callbacks[{spec.index}]")
                        if rng.random() >= spec.probability:
                            continue
                elif spec.fail_first is None and not spec.always:
                    continue
                if spec.error is not None:
                    return CallbackResult(error=spec.error)
                return CallbackResult(status=spec.status, body=spec.body.encode("utf-8"))
            return None

        return hook

    # -- introspection ----------------------------------------------------------------------
    def submissions(self, provider: str) -> int:
        """How many submissions of `provider` the engine has decided."""
        with self._lock:
            return self._submits.get(provider, 0)
