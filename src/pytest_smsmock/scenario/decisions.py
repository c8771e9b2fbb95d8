"""What a fake asks the scenario, and the answers of a hub that has no scenario loaded.

Fakes ask their hub's engine what happens to a submission and whether a request, a connection,
a PDU or a callback meets a fault (`Decider`). With a scenario loaded that is the scenario
engine (`scenario/engine.py`); until then it is `NoScenario`, which answers as the engine
answers for a scenario without rules, faults or callbacks: the provider's normal behaviour,
every accepted message on the default plan. So a session that loads no scenario never imports
the scenario model nor the engine (bench/README.md, "Foundation", third pass).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, Plan

if TYPE_CHECKING:
    from pytest_smsmock.core.callbacks import FaultHook
    from pytest_smsmock.scenario.faults import HttpFault, SmppContext, SmppFault
    from pytest_smsmock.scenario.model import Scenario

__all__ = ["NO_DECISION", "Decider", "NoScenario", "SubmitContext", "SubmitDecision"]


class SubmitContext(NamedTuple):
    """What the engine knows of a submission when it decides.

    A named tuple rather than a frozen dataclass, as `providers/submission.py`'s values: as
    immutable, and built in a fraction of the instructions (a frozen dataclass sets each of its
    eight fields through ``object.__setattr__``) once for every submission a scenario decides.
    """

    provider: str
    protocol: str  # http | smpp
    account: str
    to: str
    sender: str
    text: str
    at: datetime
    api: str = ""


@value_class
class SubmitDecision:
    """`respond`: a provider-native answer instead of acceptance (e.g. ``{"status": -13}``);
    `fault`: a transport fault the submission meets (HTTP or SMPP, by its protocol); `plan`: the
    message's life when accepted; `rule`: the index of the scenario rule that decided, if any."""

    plan: Plan = DEFAULT_PLAN
    respond: Mapping[str, Any] | None = None
    fault: HttpFault | SmppFault | None = None
    rule: int | None = None
    rule_name: str = ""


#: The decision without a rule: the default plan (shared: a decision is immutable).
NO_DECISION = SubmitDecision()


class Decider(Protocol):
    """What the fakes and the listeners ask their hub's engine (`Engine`, or `NoScenario`)."""

    #: The scenario loaded, if any.
    scenario: Scenario | None
    #: Whether any submission can meet a rule (without, every decision is the default).
    has_rules: bool
    #: Clock handles of the scenario's events, cancelled when another scenario replaces it.
    scheduled: list[Any]

    def decide_submit(self, context: SubmitContext) -> SubmitDecision: ...

    def http_fault(
        self, provider: str, listener: str, method: str, path: str, *, at: datetime | None = None
    ) -> HttpFault | None: ...

    def http_connection_fault(
        self, provider: str, listener: str, *, at: datetime | None = None
    ) -> HttpFault | None: ...

    def smpp_fault(
        self, provider: str, command: str, context: SmppContext | None = None
    ) -> SmppFault | None: ...

    def callback_fault(self, provider: str) -> FaultHook | None: ...


class NoScenario:
    """The engine of a hub without a scenario: no rule, no fault, the default plan."""

    scenario: Scenario | None = None

    def __init__(self) -> None:
        self.has_rules = False
        self.scheduled: list[Any] = []

    def decide_submit(self, context: SubmitContext) -> SubmitDecision:
        return NO_DECISION

    def http_fault(
        self, provider: str, listener: str, method: str, path: str, *, at: datetime | None = None
    ) -> HttpFault | None:
        return None

    def http_connection_fault(
        self, provider: str, listener: str, *, at: datetime | None = None
    ) -> HttpFault | None:
        return None

    def smpp_fault(
        self, provider: str, command: str, context: SmppContext | None = None
    ) -> SmppFault | None:
        return None

    def callback_fault(self, provider: str) -> FaultHook | None:
        return None
