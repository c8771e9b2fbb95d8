"""The scenario file format, version 1, as immutable values (built by `scenario.loader`).

A scenario states how the fake providers behave, so a test run is deterministic::

    version: 1
    seed: 7
    accounts:   {infobip: [{username: shop, password: s3cret, credits: 10}]}
    rules:      # per submission, first match wins: answer natively, fault, or a DLR timeline
    faults:     # transport level (HTTP requests, TLS connections, SMPP PDUs)
    callbacks:  # the client's own endpoint failing (DLR / MO pushes); or {timeout:,
                #   concurrency:, faults: [...]} to also say how pushes go out
    events:     # scripted at virtual times: MO, HLR results, balance, expiry, outages
    retention:  # what a long run keeps: {journal_entries: N, finished_messages: N}

Every value here is frozen; random values are *descriptions* (`Uniform`, `LogNormal`, ...)
that the engine draws from its seeded streams, never drawn at load time.
"""

from __future__ import annotations

import bisect
import fnmatch
import functools
import itertools
import math
import random
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.scenario.faults import (
    HTTP_FAULT_KINDS,
    RAW_HTTP_FAULT_KINDS,
    SMPP_FAULT_KINDS,
)

__all__ = [
    "CANONICAL_STATUSES",
    "HTTP_FAULT_KINDS",
    "RAW_HTTP_FAULT_KINDS",
    "SMPP_FAULT_KINDS",
    "SUPPORTED_VERSIONS",
    "AccountSpec",
    "BalanceEvent",
    "CallbackFaultSpec",
    "CallbackSettings",
    "Choice",
    "DlrStep",
    "Event",
    "EventAction",
    "ExpiryEvent",
    "Exponential",
    "FaultSpec",
    "Fixed",
    "HlrEvent",
    "LogNormal",
    "Match",
    "MoEvent",
    "Nth",
    "OutageEvent",
    "Pattern",
    "Rate",
    "Retention",
    "Rule",
    "Scenario",
    "Selector",
    "StatusChoice",
    "TimeValue",
    "TransportFault",
    "Uniform",
    "Window",
]

SUPPORTED_VERSIONS = (1,)

#: Status names every provider understands in a scenario (`scheduled` is internal).
CANONICAL_STATUSES = (
    "accepted",
    "enroute",
    "delivered",
    "undeliverable",
    "expired",
    "rejected",
    "unknown",
    "deleted",
)

#: A kind named in one protocol's words applies to the other one as its nearest equivalent.
HTTP_ALIASES = {
    "throttled": "too_many_requests",
    "drop_connection": "connection_reset",
    "no_response": "empty_reply",
    "delayed_response": "delay",
    "queue_full": "too_many_requests",
}
SMPP_ALIASES = {
    "connection_reset": "drop_connection",
    "empty_reply": "drop_connection",
    "too_many_requests": "throttled",
    "delay": "delayed_response",
    "http_status": "error_status",
}


# -- time values -----------------------------------------------------------------------------
@value_class
class Fixed:
    """A duration written as ``90s``, ``10m``, ``1d2h``, a number of seconds, or ``{fixed: ..}``."""

    seconds: float

    def draw(self, rng: random.Random) -> timedelta:
        return timedelta(seconds=self.seconds)


@value_class
class Uniform:
    low: float
    high: float

    def draw(self, rng: random.Random) -> timedelta:
        return timedelta(seconds=rng.uniform(self.low, self.high))


@value_class
class LogNormal:
    """Long-tailed delays: half the draws fall below `median`; `sigma` is the log-spread."""

    median: float
    sigma: float
    cap: float | None = None

    def draw(self, rng: random.Random) -> timedelta:
        value = rng.lognormvariate(math.log(self.median), self.sigma) if self.median > 0 else 0.0
        if self.cap is not None:
            value = min(value, self.cap)
        return timedelta(seconds=value)


@value_class
class Exponential:
    mean: float
    cap: float | None = None

    def draw(self, rng: random.Random) -> timedelta:
        value = rng.expovariate(1.0 / self.mean) if self.mean > 0 else 0.0
        if self.cap is not None:
            value = min(value, self.cap)
        return timedelta(seconds=value)


@value_class
class Choice:
    """Weighted choice between time values: ``{choice: {30s: 0.7, 5m: 0.3}}``."""

    options: tuple[tuple[TimeValue, float], ...]
    # The values and their running total of weights, added up once as `random.choices` adds
    # up the weights it is given (so it draws the same); a draw per submission uses them.
    _values: tuple[TimeValue, ...] = field(init=False, compare=False, repr=False)
    _cum_weights: tuple[float, ...] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_values", tuple(v for v, _ in self.options))
        object.__setattr__(self, "_cum_weights", running_total(w for _, w in self.options))

    def draw(self, rng: random.Random) -> timedelta:
        return pick(rng, self._values, self._cum_weights).draw(rng)


TimeValue = Fixed | Uniform | LogNormal | Exponential | Choice

_T = TypeVar("_T")


def running_total(weights: Iterable[float]) -> tuple[float, ...]:
    """The running total of `weights` for `pick`, added up and checked as `random.choices`
    adds up and checks the weights it is given."""
    cum_weights = tuple(itertools.accumulate(weights))
    total = cum_weights[-1] + 0.0
    if total <= 0.0:
        raise ValueError("Total of weights must be greater than zero")
    if not math.isfinite(total):
        raise ValueError("Total of weights must be finite")
    return cum_weights


def pick(rng: random.Random, values: Sequence[_T], cum_weights: Sequence[float]) -> _T:
    """``rng.choices(values, cum_weights=cum_weights)[0]``: the same draw (one ``random()``,
    the same bisection) without the checks `running_total` made once and the list of one.
    A weighted delay or status is drawn for every submission a rule plans (bench/README.md,
    "Scenarios")."""
    return values[
        bisect.bisect(cum_weights, rng.random() * (cum_weights[-1] + 0.0), 0, len(values) - 1)
    ]


# -- matching ---------------------------------------------------------------------------------
@value_class
class Pattern:
    """`exact` (a plain string), `prefix` (``{prefix: "385"}``), `glob` (``"38591*"``) or
    `regex` (``"/^385/"``, searched). A leading ``+`` on the value is ignored for phone numbers."""

    kind: str
    value: str
    compiled: re.Pattern[str] | None = field(default=None, compare=False, repr=False)
    # The test of one candidate, chosen once by kind (every submission asks every rule's
    # patterns; a glob is compiled as `fnmatch.fnmatchcase` compiles it).
    _test: Callable[[str], object] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        value = self.value
        test: Callable[[str], object]
        if self.kind == "exact":
            test = value.__eq__
        elif self.kind == "prefix":
            test = functools.partial(_starts_with, value)
        elif self.kind == "glob":
            test = re.compile(fnmatch.translate(value)).match
        else:
            assert self.compiled is not None
            test = self.compiled.search
        object.__setattr__(self, "_test", test)

    def matches(self, text: str) -> bool:
        test = self._test
        if test(text):
            return True
        return text[:1] == "+" and bool(test(text[1:]))


def _starts_with(prefix: str, text: str) -> bool:
    return text.startswith(prefix)


@value_class
class Nth:
    """Which occurrences (1-based): ``3``, ``[1, 3]``, ``{every: 5}``, ``{from: 3, to: 6}``."""

    values: frozenset[int] = frozenset()
    every: int | None = None
    start: int | None = None
    end: int | None = None

    def matches(self, n: int) -> bool:
        if self.values and n not in self.values:
            return False
        if self.every is not None and n % self.every != 0:
            return False
        if self.start is not None and n < self.start:
            return False
        return not (self.end is not None and n > self.end)


@value_class
class Window:
    """A span of virtual time counted from when the scenario was loaded."""

    start: float | None = None
    end: float | None = None

    def contains(self, offset: float) -> bool:
        if self.start is not None and offset < self.start:
            return False
        return not (self.end is not None and offset >= self.end)


@value_class
class Rate:
    """More than `limit` occurrences within `per` seconds of virtual time (a burst)."""

    limit: int
    per: float


@value_class
class Match:
    providers: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ()
    apis: tuple[str, ...] = ()
    account: tuple[Pattern, ...] = ()
    to: tuple[Pattern, ...] = ()
    sender: tuple[Pattern, ...] = ()
    text: tuple[Pattern, ...] = ()
    nth: Nth | None = None
    window: Window | None = None
    probability: float | None = None


# -- what happens ------------------------------------------------------------------------------
@value_class
class StatusChoice:
    """A status (canonical or provider-native, name or code), or a weighted choice of them."""

    options: tuple[tuple[str | int, float], ...]


@value_class
class DlrStep:
    after: TimeValue
    status: StatusChoice
    error: str | int | None = None


@value_class
class FaultSpec:
    """A fault and its parameters; which ones apply depends on `kind` (see the schema)."""

    kind: str
    status: int | None = None  # http_status / too_many_requests / empty_body
    body: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    content_type: str | None = None
    retry_after: float | None = None
    delay: TimeValue | None = None  # delay / delayed_response / slow_trickle interval
    real: bool = False  # delay in real (wall-clock) seconds instead of virtual time
    keep: float | None = None  # truncated_body / incomplete_body: fraction (<1) or bytes
    size: int | None = None  # random_data_then_close: bytes; slow_trickle: chunk bytes
    command_status: int | None = None  # SMPP
    sequence: str | None = None  # generic_nack: request | zero


@value_class
class Rule:
    index: int
    name: str = ""
    match: Match = field(default_factory=Match)
    respond: Mapping[str, Any] | None = None
    dlr: tuple[DlrStep, ...] | None = None
    fault: FaultSpec | None = None
    times: int | None = None

    @property
    def label(self) -> str:
        return f"rules[{self.index}]" + (f" ({self.name})" if self.name else "")


@value_class
class Selector:
    """Which matching occurrences a fault hits; no selector means every one."""

    nth: Nth | None = None
    times: int | None = None
    probability: float | None = None
    window: Window | None = None
    rate: Rate | None = None


@value_class
class TransportFault:
    """``on: "provider:protocol:target"``: target is a path glob (HTTP) or a command (SMPP)."""

    index: int
    provider: str  # "*" for any
    protocol: str  # http | smpp | *
    target: str  # glob; "*" for any
    listener: str | None = None
    method: str | None = None
    selector: Selector = field(default_factory=Selector)
    spec: FaultSpec = field(default_factory=lambda: FaultSpec(kind="http_status"))


@value_class
class CallbackFaultSpec:
    """The client's endpoint failing: attempts 1..`fail_first` of each push (or all of them)."""

    index: int
    provider: str  # "*" for any
    kind: str | None = None  # dlr | mo | hlr | ...
    url: Pattern | None = None
    fail_first: int | None = None
    always: bool = False
    probability: float | None = None
    error: str | None = None  # refused | timeout | reset
    status: int | None = None
    body: str = ""


@value_class
class CallbackSettings:
    """How the fakes push to the client's endpoints while this scenario is loaded (None: the
    hub's own setting, `SmsMock(callback_timeout=, callback_concurrency=)`)."""

    timeout: float | None = None  # seconds the endpoint has to answer one push
    concurrency: int | None = None  # pushes of one instant in flight at once


@value_class
class Retention:
    """What a long run keeps while this scenario is loaded (None: the hub's own bound,
    `SmsMock(max_journal_entries=, max_finished_messages=)`)."""

    journal_entries: int | None = None
    finished_messages: int | None = None  # per provider; the oldest finished go first


@value_class
class MoEvent:
    sender: str
    text: str = ""
    to: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@value_class
class BalanceEvent:
    account: str
    set: str | None = None
    add: str | None = None


@value_class
class ExpiryEvent:
    account: str
    expired: bool = True


@value_class
class OutageEvent:
    listeners: tuple[str, ...] = ()  # empty: every listener of the provider
    protocol: str = "http"  # http | smpp | *
    duration: TimeValue | None = None  # None: stays down


@value_class
class HlrEvent:
    msisdn: str
    result: Mapping[str, Any] = field(default_factory=dict)


EventAction = MoEvent | BalanceEvent | ExpiryEvent | OutageEvent | HlrEvent


@value_class
class Event:
    index: int
    at: TimeValue
    provider: str
    action: EventAction

    @property
    def kind(self) -> str:
        return {
            MoEvent: "mo",
            BalanceEvent: "balance",
            ExpiryEvent: "expire",
            OutageEvent: "outage",
            HlrEvent: "hlr",
        }[type(self.action)]


@value_class
class AccountSpec:
    provider: str
    username: str
    password: str
    options: Mapping[str, Any] = field(default_factory=dict)


@value_class
class Scenario:
    version: int = 1
    source: str = "<scenario>"
    seed: int | None = None
    start: datetime | None = None
    description: str = ""
    accounts: tuple[AccountSpec, ...] = ()
    rules: tuple[Rule, ...] = ()
    faults: tuple[TransportFault, ...] = ()
    callbacks: tuple[CallbackFaultSpec, ...] = ()
    callback_settings: CallbackSettings = field(default_factory=CallbackSettings)
    retention: Retention = field(default_factory=Retention)
    events: tuple[Event, ...] = ()
    #: field path -> line in the source file, for errors found after loading.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, repr=False)

    def where(self, path: str) -> str:
        """The source with the line of `path` (or of its nearest parent), for errors."""
        probe = path
        while probe:
            if probe in self.lines:
                return f"{self.source}:{self.lines[probe]}"
            cut = max(probe.rfind("."), probe.rfind("["))
            probe = probe[:cut] if cut > 0 else ""
        return self.source
