"""The scenario engine: pure decisions the transports consult (no sockets, threads or time).

Fakes ask it what happens to a submission (`decide_submit`), whether an HTTP request meets a
fault (`http_fault`) and whether a callback to the client fails (`callback_fault`). Without a
scenario every answer is the provider's normal behaviour and every message follows the default
plan (delivered after 5 virtual seconds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from werkzeug.wrappers import Response

from pytest_smsmock.core.callbacks import FaultHook
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, Plan
from pytest_smsmock.scenario.model import Scenario

__all__ = ["Engine", "HttpFault", "SubmitContext", "SubmitDecision"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitContext:
    """What the engine knows of a submission when it decides."""

    provider: str
    protocol: str  # http | smpp
    account: str
    to: str
    sender: str
    text: str
    at: datetime
    api: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class SubmitDecision:
    """`respond`: a provider-native answer instead of acceptance (e.g. ``{"status": -13}``);
    `fault`: a transport fault kind; `plan`: the message's life when accepted."""

    plan: Plan = DEFAULT_PLAN
    respond: Mapping[str, Any] | None = None
    fault: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpFault:
    """An HTTP answer a scenario puts in place of the provider's."""

    kind: str
    status: int = 500
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    def response(self) -> Response:
        return Response(self.body, status=self.status, headers=dict(self.headers))


class Engine:
    def __init__(self, scenario: Scenario | None = None, *, seed: int | str = 0) -> None:
        self.scenario = scenario
        self.seed = seed

    def decide_submit(self, context: SubmitContext) -> SubmitDecision:
        return SubmitDecision()

    def http_fault(self, provider: str, listener: str, method: str, path: str) -> HttpFault | None:
        return None

    def callback_fault(self, provider: str) -> FaultHook | None:
        return None
