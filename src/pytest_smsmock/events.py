"""Scripted events: a scenario's ``events:`` put on the hub's clock when it is loaded.

- ``mo``: `fake.inject_mo(sender, text, to, **options)`;
- ``hlr``: `fake.set_hlr_result(msisdn, **fields)`: a provider answering HLR / number lookups
  offers that method (Infobip's Number Context does); loading fails for one that does not;
- ``balance``: set or add to an account's balance; ``expire``: `account.expired = True/False`;
- ``outage``: take a provider's listeners down (HTTP via `SmsMock.take_down`, SMPP via
  `SmppServer.take_down(provider, listener)`, which also drops the listener's sessions) and
  bring them back after ``for``; clients see connection refused meanwhile and fail over to a
  secondary access point. A listener name the provider does not have fails at load time.

Each event is journaled (channel ``scenario``) when it fires. Event times are drawn from the
engine's ``events`` stream, so a seed fixes them too.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

from pytest_smsmock.errors import ScenarioError
from pytest_smsmock.scenario.model import (
    BalanceEvent,
    Event,
    ExpiryEvent,
    HlrEvent,
    MoEvent,
    OutageEvent,
    Scenario,
)

if TYPE_CHECKING:
    from pytest_smsmock.clock import VirtualClock
    from pytest_smsmock.core.journal import Journal
    from pytest_smsmock.providers.base import ProviderFake, Runtime
    from pytest_smsmock.scenario.engine import Engine

__all__ = ["EventHost", "schedule_events"]


class EventHost(Protocol):
    """What scripted events need of the hub."""

    @property
    def fakes(self) -> Mapping[str, ProviderFake]: ...

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def runtime(self) -> Runtime: ...

    def serving(self, provider: str, protocol: str, listener: str) -> bool:
        """Whether that listener has a socket (a hub used without servers has none)."""
        ...

    def take_down(
        self, provider: str, listener: str | None = None, *, protocol: str | None = None
    ) -> None: ...

    def bring_up(
        self, provider: str, listener: str | None = None, *, protocol: str | None = None
    ) -> None: ...


def schedule_events(hub: EventHost, scenario: Scenario, engine: Engine) -> None:
    """Check every event against the hub's fakes, then schedule them all (or none)."""
    planned: list[tuple[Event, Callable[[], None]]] = []
    for event in scenario.events:
        path = f"events[{event.index}]"
        fake = hub.fakes.get(event.provider)
        if fake is None:
            continue  # a provider this hub does not run: the event is inert, like its accounts
        action = event.action
        if (
            isinstance(action, BalanceEvent | ExpiryEvent)
            and fake.accounts.get(action.account) is None
        ):
            known = ", ".join(a.username for a in fake.accounts) or "none"
            raise ScenarioError(
                f"{event.provider} has no account {action.account!r} (accounts: {known})",
                source=scenario.where(f"{path}.{event.kind}.account"),
                path=f"{path}.{event.kind}.account",
            )
        if isinstance(action, HlrEvent) and not callable(getattr(fake, "set_hlr_result", None)):
            raise ScenarioError(
                f"{event.provider} has no HLR lookups to script (no set_hlr_result)",
                source=scenario.where(f"{path}.hlr"),
                path=f"{path}.hlr",
            )
        if isinstance(action, OutageEvent):
            names = set()
            if action.protocol in ("http", "*"):
                names |= {listener.name for listener in fake.http_listeners}
            if action.protocol in ("smpp", "*"):
                names |= {listener.name for listener in fake.smpp_listeners}
            wrong = [name for name in action.listeners if name not in names]
            if wrong:
                kind = {"http": "HTTP ", "smpp": "SMPP "}.get(action.protocol, "")
                raise ScenarioError(
                    f"{event.provider} has no {kind}listener {wrong[0]!r} "
                    f"(listeners: {', '.join(sorted(names)) or 'none'})",
                    source=scenario.where(f"{path}.outage.listener"),
                    path=f"{path}.outage.listener",
                )
        planned.append((event, _action(hub, engine, event)))
    # A scenario loaded mid-test replaces the previous one, its pending events included.
    previous = hub.runtime.engine()
    for handle in previous.scheduled:
        handle.cancel()
    previous.scheduled.clear()
    origin = hub.clock.now()
    for event, run in planned:
        when = origin + engine.draw(event.at, "events")
        engine.scheduled.append(
            hub.clock.call_at(when, run, label=f"scenario:events[{event.index}]:{event.kind}")
        )


def _action(hub: EventHost, engine: Engine, event: Event) -> Callable[[], None]:
    fake = hub.fakes[event.provider]
    action = event.action

    def note(summary: str, **detail: Any) -> None:
        hub.journal.record(
            event.provider,
            "scenario",
            "event",
            f"events[{event.index}]: {summary}",
            {"event": event.index, "kind": event.kind, **detail},
        )

    if isinstance(action, MoEvent):
        mo = action

        def run_mo() -> None:
            note(f"MO from {mo.sender}: {mo.text!r}")
            fake.inject_mo(mo.sender, mo.text, mo.to, **dict(mo.options))

        return run_mo
    if isinstance(action, HlrEvent):
        hlr = action

        def run_hlr() -> None:
            fake.set_hlr_result(hlr.msisdn, **dict(hlr.result))  # type: ignore[attr-defined]
            note(f"HLR result for {hlr.msisdn}: {dict(hlr.result)}", msisdn=hlr.msisdn)

        return run_hlr
    if isinstance(action, BalanceEvent):
        balance = action

        def run_balance() -> None:
            account = fake.accounts.get(balance.account)
            if account is None:
                return
            if balance.set is not None:
                fake.accounts.set_balance(account, Decimal(balance.set))
            elif balance.add is not None:
                fake.accounts.refund(account, Decimal(balance.add))
            note(f"balance of {balance.account} is now {account.balance}")

        return run_balance
    if isinstance(action, ExpiryEvent):
        expiry = action

        def run_expiry() -> None:
            account = fake.accounts.get(expiry.account)
            if account is not None:
                account.expired = expiry.expired
            note(f"account {expiry.account} {'expired' if expiry.expired else 'renewed'}")

        return run_expiry
    assert isinstance(action, OutageEvent)
    outage = action

    def targets() -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if outage.protocol in ("http", "*"):
            names = outage.listeners or tuple(listener.name for listener in fake.http_listeners)
            found += [("http", n) for n in names if n in {x.name for x in fake.http_listeners}]
        if outage.protocol in ("smpp", "*"):
            names = outage.listeners or tuple(listener.name for listener in fake.smpp_listeners)
            found += [("smpp", n) for n in names if n in {x.name for x in fake.smpp_listeners}]
        return found

    def switch(up: bool) -> None:
        for protocol, name in targets():
            _switch(hub, event.provider, protocol, name, up=up)
        where = ", ".join(f"{p}:{n}" for p, n in targets())
        note(f"{'back up' if up else 'down'}: {where}", up=up)

    def run_outage() -> None:
        switch(False)
        if outage.duration is not None:
            delay: timedelta = engine.draw(outage.duration, "events")
            engine.scheduled.append(
                hub.clock.call_later(
                    delay, lambda: switch(True), label=f"scenario:events[{event.index}]:outage-end"
                )
            )

    return run_outage


def _switch(hub: EventHost, provider: str, protocol: str, listener: str, *, up: bool) -> None:
    if not hub.serving(provider, protocol, listener):
        return  # the hub is not serving (no sockets): the event is journaled only
    if up:
        hub.bring_up(provider, listener, protocol=protocol)
    else:
        hub.take_down(provider, listener, protocol=protocol)
