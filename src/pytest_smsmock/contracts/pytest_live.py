"""``pytest --smsmock-live=PROVIDER --smsmock-live-url=URL``: the provider's contract suite as
pytest items, one per case, run in the suite's order (a send's captured id feeds the cases after
it). A drift fails its item with one line per field; a send without
``--smsmock-live-allow-sends`` and a case needing a skipped send's id are skipped. Credentials
come from ``SMSMOCK_LIVE_USERNAME`` / ``SMSMOCK_LIVE_PASSWORD`` / ``SMSMOCK_LIVE_API_KEY`` only
(a command line lands in CI logs)."""

from __future__ import annotations

from typing import Any

import pytest

from pytest_smsmock.contracts.model import CaseResult, ContractError, Interaction
from pytest_smsmock.contracts.runner import CaseRunner
from pytest_smsmock.contracts.suites import load_suite

__all__ = ["ContractItem", "live_items"]


class ContractDrift(AssertionError):
    """smsmock: the answer of a live case does not fit its contract."""


class ContractItem(pytest.Item):
    def __init__(self, *, runner: CaseRunner, interaction: Interaction, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.runner = runner
        self.interaction = interaction

    def runtest(self) -> None:
        result: CaseResult = self.runner.run_one(self.interaction)
        if result.outcome == "skipped":
            pytest.skip(result.reason)
        if result.drifts:
            lines = [
                f"{d.kind:<12} {d.field}: expected {d.expected}, got {d.actual}"
                for d in result.drifts
            ]
            raise ContractDrift(
                f"smsmock: {result.provider}/{result.name} drifted from its contract:\n  "
                + "\n  ".join(lines)
            )

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, ContractDrift):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[str, int | None, str]:
        return (f"contract:{self.runner.contract.provider}", None, self.name)


def live_items(session: pytest.Session, config: pytest.Config) -> list[pytest.Item]:
    from pytest_smsmock.contracts import live_target

    provider = str(config.getoption("smsmock_live"))
    url = config.getoption("smsmock_live_url")
    if not url:
        raise pytest.UsageError("--smsmock-live needs --smsmock-live-url=URL")
    try:
        contract = load_suite(provider)
    except ContractError as exc:
        raise pytest.UsageError(str(exc)) from None
    runner = CaseRunner(
        contract,
        live_target(
            contract.provider, url=str(url), ca_file=config.getoption("smsmock_live_ca_file")
        ),
        allow_sends=bool(config.getoption("smsmock_live_allow_sends")),
    )
    return [
        ContractItem.from_parent(
            session, name=f"contract[{provider}/{i.name}]", runner=runner, interaction=i
        )
        for i in contract.interactions
    ]
