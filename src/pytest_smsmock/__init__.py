"""pytest-smsmock: in-process fake SMS providers (HTTP and SMPP) with a virtual clock.

The names below are the public API. They load on first use, so importing the package (which
pytest does for the plugin) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pytest_smsmock.clock import VirtualClock, parse_duration
    from pytest_smsmock.core.journal import Journal, JournalEntry
    from pytest_smsmock.core.lifecycle import Transition
    from pytest_smsmock.core.messages import InboundMessage, Message, Status
    from pytest_smsmock.errors import (
        ClockError,
        ConfigError,
        InterceptError,
        ProtocolError,
        ScenarioError,
        ServerThreadError,
        SmsMockAssertionError,
        SmsMockError,
    )
    from pytest_smsmock.hub import SmsMock
    from pytest_smsmock.intercept import Interception
    from pytest_smsmock.receiver import Push, Receiver, Report
    from pytest_smsmock.recording.cassette import Cassette, CassetteError, load_cassette
    from pytest_smsmock.recording.replayer import ReplayMismatch
    from pytest_smsmock.scenario.loader import load_scenario
    from pytest_smsmock.scenario.model import Scenario
    from pytest_smsmock.sleep import SleepPatch

__all__ = [
    "Cassette",
    "CassetteError",
    "ClockError",
    "ConfigError",
    "InboundMessage",
    "InterceptError",
    "Interception",
    "Journal",
    "JournalEntry",
    "Message",
    "ProtocolError",
    "Push",
    "Receiver",
    "ReplayMismatch",
    "Report",
    "Scenario",
    "ScenarioError",
    "ServerThreadError",
    "SleepPatch",
    "SmsMock",
    "SmsMockAssertionError",
    "SmsMockError",
    "Status",
    "Transition",
    "VirtualClock",
    "load_cassette",
    "load_scenario",
    "parse_duration",
]

_HOMES = {
    "VirtualClock": "pytest_smsmock.clock",
    "parse_duration": "pytest_smsmock.clock",
    "Journal": "pytest_smsmock.core.journal",
    "JournalEntry": "pytest_smsmock.core.journal",
    "Transition": "pytest_smsmock.core.lifecycle",
    "InboundMessage": "pytest_smsmock.core.messages",
    "Message": "pytest_smsmock.core.messages",
    "Status": "pytest_smsmock.core.messages",
    "ClockError": "pytest_smsmock.errors",
    "ConfigError": "pytest_smsmock.errors",
    "InterceptError": "pytest_smsmock.errors",
    "ProtocolError": "pytest_smsmock.errors",
    "ScenarioError": "pytest_smsmock.errors",
    "ServerThreadError": "pytest_smsmock.errors",
    "SmsMockAssertionError": "pytest_smsmock.errors",
    "SmsMockError": "pytest_smsmock.errors",
    "SmsMock": "pytest_smsmock.hub",
    "Interception": "pytest_smsmock.intercept",
    "SleepPatch": "pytest_smsmock.sleep",
    "Push": "pytest_smsmock.receiver",
    "Receiver": "pytest_smsmock.receiver",
    "Report": "pytest_smsmock.receiver",
    "Cassette": "pytest_smsmock.recording.cassette",
    "CassetteError": "pytest_smsmock.recording.cassette",
    "load_cassette": "pytest_smsmock.recording.cassette",
    "ReplayMismatch": "pytest_smsmock.recording.replayer",
    "load_scenario": "pytest_smsmock.scenario.loader",
    "Scenario": "pytest_smsmock.scenario.model",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'pytest_smsmock' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
