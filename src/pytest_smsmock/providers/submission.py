"""The one submission path: every provider, API and protocol submits through `submit()`.

What happens to a submission is the same everywhere; only the wire is the provider's own:

1. the provider authenticates, parses and validates the request with its own codes, and hands
   over one `Draft` per recipient it accepts for a decision (what it costs, the text);
2. the scenario decides each draft in order (`ProviderFake.decide`, journaled): a `respond:`
   answer becomes the provider's `Refusal` through the provider's `refuse` (one reader of
   ``respond:``, `scenario_answer`); a transport fault is returned in the result
   (`SubmitResult.fault`) for the transport to perform, never raised;
3. the account pays, in one locked check-and-debit (`AccountBook.charge`): each recipient on its
   own (`Charging.EACH`: one refused for want of credit does not stop the others) or the whole
   request at once (`Charging.ALL`: refused as a whole);
4. each paid draft becomes a `Message` (the provider's `build`) that is stored, journaled and
   started on the clock (`ProviderFake.accept`).

A refusal that concerns the whole request (`Refusal.whole_request`) is raised; one about one
recipient is that recipient's `Outcome`. A fault that replaces the answer stops the submission
before anything is paid or accepted (`SubmitResult.replaced`); one that alters or delays the
answer, or concerns a message's receipt, lets the submission go on and rides along.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from pytest_smsmock.core.frozen import new_tuple
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, Plan
from pytest_smsmock.errors import Refusal
from pytest_smsmock.scenario.decisions import NO_DECISION, SubmitContext, SubmitDecision

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account, AccountBook
    from pytest_smsmock.core.messages import Message
    from pytest_smsmock.scenario.decisions import Decider
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = [
    "RESPOND_KEYS",
    "Charging",
    "Draft",
    "Outcome",
    "SubmitHost",
    "SubmitResult",
    "replaces_answer",
    "scenario_answer",
    "submit",
]

#: The keys a scenario's ``respond:`` may name its answer with, in the order they are read.
RESPOND_KEYS = (
    "status",
    "command_status",
    "smpp_status",
    "error",
    "error_code",
    "code",
    "name",
    "id",
)


def scenario_answer(respond: Mapping[str, Any]) -> object:
    """The provider-native answer of a rule's ``respond:`` (``{status: -13}``,
    ``{command_status: 0x45}``, ``{error: 7}``...), or None when it names none."""
    for key in RESPOND_KEYS:
        if key in respond:
            return respond[key]
    return None


class Charging(enum.Enum):
    EACH = "each recipient pays for itself; one that cannot is refused alone"
    ALL = "the request pays for every recipient at once, or is refused as a whole"


# The three values below are named tuples rather than frozen dataclasses: as immutable, and
# built in a third of the instructions (a frozen dataclass sets each field through
# object.__setattr__), on the path of every submit_sm (bench/README.md, "one submission path");
# the path builds them with `new_tuple` (every field, in order), another half off.


class Draft(NamedTuple):
    """One recipient of a submission, validated by its provider and waiting for a decision.

    `price`: what accepting it costs; `plan`: a life the provider imposes whatever the scenario
    says (a message the network will reject); `ref`: the provider's own handle on the recipient.
    """

    to: str
    sender: str
    text: str
    price: Decimal
    plan: Plan | None = None
    ref: Any = None


class Outcome(NamedTuple):
    """What became of one draft: a stored `message`, or the provider's `refusal`."""

    draft: Draft
    message: Message | None = None
    refusal: Refusal | None = None


class SubmitResult(NamedTuple):
    """The outcomes in the drafts' order, and the transport fault the submission met, if any."""

    outcomes: tuple[Outcome, ...] = ()
    fault: HttpFault | SmppFault | None = None
    replaced: bool = False  # the fault stands instead of the answer: nothing was accepted

    @property
    def messages(self) -> list[Message]:
        return [o.message for o in self.outcomes if o.message is not None]


class SubmitHost(Protocol):
    """What the path needs of a fake."""

    @property
    def name(self) -> str: ...

    @property
    def accounts(self) -> AccountBook: ...

    @property
    def engine(self) -> Decider: ...

    def decide(self, context: SubmitContext) -> SubmitDecision: ...

    def accept(self, message: Message, plan: Plan | None = None) -> Message: ...


def replaces_answer(fault: HttpFault | SmppFault) -> bool:
    """The fault stands instead of the answer (nothing is accepted)."""
    from pytest_smsmock.scenario.faults import HttpFault, SubmitEffect  # loaded: a fault exists

    if isinstance(fault, HttpFault):
        return not fault.wraps_answer
    return fault.behaviour.on_submit is SubmitEffect.REPLACE


def submit(
    host: SubmitHost,
    account: Account,
    drafts: Sequence[Draft],
    *,
    protocol: str,
    api: str,
    at: datetime,
    build: Callable[[Draft, SubmitDecision], Message],
    refuse: Callable[[object, Draft], Refusal],
    no_credit: Callable[[Decimal], Refusal],
    charging: Charging = Charging.EACH,
    claim: Callable[[Draft], Refusal | None] | None = None,
    default_plan: Plan = DEFAULT_PLAN,
) -> SubmitResult:
    """Decide, charge and accept `drafts` (see the module docstring).

    `refuse(answer, draft)` turns a scenario's answer into the provider's refusal; `no_credit`
    is the refusal for a cost the balance cannot pay; `claim` (EACH) takes something a message
    must own alone once it is paid for (a client's custom id), refunded when refused;
    `default_plan` stands for the scenario's default life (a provider's own timing).
    """
    decided: list[tuple[Draft, SubmitDecision | None, Refusal | None]] = []
    carried: HttpFault | SmppFault | None = None
    # Without rules every decision is the default: no context to build (the usual case).
    ruled = host.engine.has_rules
    for draft in drafts:
        decision = NO_DECISION
        if ruled:
            # provider, protocol, account, to, sender, text, at, api: every field, in order
            # (eight keyword arguments cost some 5k instructions per submission).
            context = (
                host.name,
                protocol,
                account.username,
                draft.to,
                draft.sender,
                draft.text,
                at,
                api,
            )
            decision = host.decide(new_tuple(SubmitContext, context))
        fault = decision.fault
        if fault is not None:
            if replaces_answer(fault):
                return SubmitResult(fault=fault, replaced=True)
            carried = carried or fault
        if decision.respond is not None:
            refusal = refuse(scenario_answer(decision.respond), draft)
            if refusal.whole_request:
                raise refusal
            decided.append((draft, None, refusal))
        else:
            decided.append((draft, decision, None))

    books = host.accounts
    # Read once: in CPython 3.11 each `Charging.EACH` is a Python-level descriptor call.
    each = charging is Charging.EACH
    if not each:  # Charging.ALL
        total = sum((d.price for d, ok, _ in decided if ok is not None), Decimal(0))
        if total and not books.charge(account, total):
            raise no_credit(total)
    outcomes: list[Outcome] = []
    for draft, decided_as, refused in decided:
        if decided_as is None:
            outcomes.append(Outcome(draft=draft, refusal=refused))
            continue
        if each:
            if not books.charge(account, draft.price):
                outcomes.append(Outcome(draft=draft, refusal=no_credit(draft.price)))
                continue
            claimed = claim(draft) if claim is not None else None
            if claimed is not None:
                books.refund(account, draft.price)
                outcomes.append(Outcome(draft=draft, refusal=claimed))
                continue
        plan = draft.plan
        if plan is None:
            plan = default_plan if decided_as.plan is DEFAULT_PLAN else decided_as.plan
        outcomes.append(
            new_tuple(Outcome, (draft, host.accept(build(draft, decided_as), plan), None))
        )
    return new_tuple(SubmitResult, (tuple(outcomes), carried, False))
