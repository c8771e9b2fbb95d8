"""``pytest --smsmock-live=PROVIDER``: the provider's contract suites as pytest items, one per
case, run in the suite's order (a send's captured id feeds the cases after it).

- no target: every suite of the provider (HTTP, SMPP) against an in-process fake, sends
  included, as ``smsmock contract run PROVIDER`` does: the items pass before a real account
  is involved;
- ``--smsmock-live-url=URL``: the HTTP suite against that base URL;
- ``--smsmock-live-smpp=HOST:PORT`` (``--smsmock-live-smpp-tls``): the SMPP suite against
  that SMSC, on one session kept from item to item.

A drift fails its item with one line per field; against a live target a send without
``--smsmock-live-allow-sends`` and a case needing a skipped send's id are skipped. Credentials
come from ``SMSMOCK_LIVE_USERNAME`` / ``SMSMOCK_LIVE_PASSWORD`` / ``SMSMOCK_LIVE_API_KEY`` only
(a command line lands in CI logs).
"""

from __future__ import annotations

from typing import Any

import pytest

from pytest_smsmock.contracts.model import CaseResult, Contract, Interaction
from pytest_smsmock.contracts.runner import CaseRunner
from pytest_smsmock.contracts.smpp import SmppCaseRunner
from pytest_smsmock.contracts.suites import load_suites
from pytest_smsmock.errors import SmsMockError

__all__ = ["ContractItem", "live_items"]


class ContractDrift(AssertionError):
    """smsmock: the answer of a live case does not fit its contract."""


class ContractItem(pytest.Item):
    def __init__(
        self, *, runner: CaseRunner | SmppCaseRunner, interaction: Interaction, **kwargs: Any
    ) -> None:
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
    from pytest_smsmock.contracts import plan

    provider = str(config.getoption("smsmock_live"))
    url = config.getoption("smsmock_live_url")
    smpp = config.getoption("smsmock_live_smpp")
    try:
        planned = plan(
            load_suites(provider),
            live=str(url) if url else None,
            smpp=str(smpp) if smpp else None,
            smpp_tls=bool(config.getoption("smsmock_live_smpp_tls")),
            ca_file=config.getoption("smsmock_live_ca_file"),
            allow_sends=bool(config.getoption("smsmock_live_allow_sends")),
            receipt_timeout=float(config.getoption("smsmock_live_receipt_timeout")),
        )
    except SmsMockError as exc:
        raise pytest.UsageError(f"--smsmock-live={provider}: {exc}") from None
    config.add_cleanup(planned.close)
    return [
        ContractItem.from_parent(
            session,
            name=f"contract[{_suite_name(contract)}/{i.name}]",
            runner=runner,
            interaction=i,
        )
        for contract, runner in planned.runners
        for i in contract.interactions
    ]


def _suite_name(contract: Contract) -> str:
    return contract.provider + ("-smpp" if contract.protocol == "smpp" else "")
