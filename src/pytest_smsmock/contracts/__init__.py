"""Contract tests: the provider suites (is the fake still the provider?) and consumer contracts
(does my client still get what it relies on?), with drift reports. See docs/contracts.md.

This package sits above the hub: it starts fakes to run against, and nothing below imports it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from pytest_smsmock.contracts.consumer import load_contracts
from pytest_smsmock.contracts.model import CaseResult, Contract, ContractError, Interaction, Report
from pytest_smsmock.contracts.runner import (
    FAKE_API_KEY,
    CaseRunner,
    Target,
    add_key_accounts,
    describe_url,
    run,
)
from pytest_smsmock.contracts.shapes import Drift, compare, infer
from pytest_smsmock.contracts.smpp import SmppCaseRunner, SmppTarget, fake_target, run_smpp
from pytest_smsmock.contracts.suites import (
    PROVIDERS,
    SMPP_PROVIDERS,
    load_smpp_suite,
    load_suite,
    load_suites,
)
from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.errors import SmsMockError

__all__ = [
    "FAKE_API_KEY",
    "PROVIDERS",
    "SMPP_PROVIDERS",
    "CaseResult",
    "Contract",
    "ContractError",
    "Drift",
    "Interaction",
    "Plan",
    "Report",
    "SmppTarget",
    "Target",
    "compare",
    "infer",
    "live_target",
    "load_contracts",
    "load_smpp_suite",
    "load_suite",
    "load_suites",
    "plan",
    "run",
    "run_contracts",
    "run_smpp",
]

#: Environment variables read when an option is not given (CI secrets).
ENV_USERNAME = "SMSMOCK_LIVE_USERNAME"
ENV_PASSWORD = "SMSMOCK_LIVE_PASSWORD"
ENV_API_KEY = "SMSMOCK_LIVE_API_KEY"


def live_target(
    *providers: str,
    url: str,
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_file: str | None = None,
) -> Target:
    """A live base URL for `providers`; credentials not given come from the environment."""
    return Target(
        base_urls=dict.fromkeys(providers, url),
        username=username if username is not None else os.environ.get(ENV_USERNAME, ""),
        password=password if password is not None else os.environ.get(ENV_PASSWORD, ""),
        api_key=api_key if api_key is not None else os.environ.get(ENV_API_KEY, ""),
        ca_file=ca_file,
        description=f"live {describe_url(url)}",
    )


@record_class
class Plan:
    """Each contract with the runner that runs its cases against its target, in order (the
    pytest items run them one by one); `close` ends the sessions and stops the fakes."""

    runners: list[tuple[Contract, CaseRunner | SmppCaseRunner]]
    target: str
    close: Callable[[], None]

    def run(self) -> Report:
        try:
            cases = [
                runner.run_one(i)
                for contract, runner in self.runners
                for i in contract.interactions
            ]
        finally:
            self.close()
        return Report(target=self.target, cases=tuple(cases))


def plan(
    contracts: Sequence[Contract],
    *,
    live: str | None = None,
    smpp: str | None = None,
    smpp_tls: bool = False,
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_file: str | None = None,
    allow_sends: bool = False,
    receipt_timeout: float = 60.0,
) -> Plan:
    """Fresh fakes when neither `live` (an HTTP base URL) nor `smpp` (``HOST:PORT``) is given
    (every case then runs, sends included: the fakes cost nothing); otherwise the HTTP
    contracts against `live` and the SMPP ones against `smpp`, each only if given."""
    http = [c for c in contracts if c.protocol == "http"]
    smpp_contracts = [c for c in contracts if c.protocol == "smpp"]
    if live is None and smpp is None:
        return _on_fakes(contracts)
    runners: list[tuple[Contract, CaseRunner | SmppCaseRunner]] = []
    targets: list[str] = []
    if live is not None and http:
        target = live_target(
            *(c.provider for c in http),
            url=live,
            username=username,
            password=password,
            api_key=api_key,
            ca_file=ca_file,
        )
        runners += [(c, CaseRunner(c, target, allow_sends=allow_sends)) for c in http]
        targets.append(target.description)
    if smpp is not None and smpp_contracts:
        host, _, port = smpp.rpartition(":")
        if not host or not port.isdigit():
            raise ContractError(f"--smpp wants HOST:PORT, not {smpp!r}")
        credentials = live_target(url="", username=username, password=password)
        target_smpp = SmppTarget(
            host=host.strip("[]"),
            port=int(port),
            username=credentials.username,
            password=credentials.password,
            tls=smpp_tls,
            ca_file=ca_file,
            description=f"live smpp{'s' if smpp_tls else ''}://{host}:{port}",
            timeout=receipt_timeout,
        )
        runners += [
            (c, SmppCaseRunner(c, target_smpp, allow_sends=allow_sends)) for c in smpp_contracts
        ]
        targets.append(target_smpp.description)
    if not runners:
        raise ContractError("nothing to run: --live runs HTTP contracts, --smpp SMPP ones")

    def close() -> None:
        for _, runner in runners:
            if isinstance(runner, SmppCaseRunner):
                runner.close()

    return Plan(runners=runners, target=", ".join(targets), close=close)


def run_contracts(contracts: Sequence[Contract], **options: Any) -> Report:
    """Run `contracts` as `plan` says (same options) and report."""
    return plan(contracts, **options).run()


def _on_fakes(contracts: Sequence[Contract]) -> Plan:
    from pytest_smsmock.hub import SmsMock

    providers = tuple(dict.fromkeys(c.provider for c in contracts))
    try:
        hub = SmsMock(providers=providers)
    except SmsMockError as exc:
        raise ContractError(str(exc)) from None
    hub.start()
    try:
        add_key_accounts(hub, providers)
        runners: list[tuple[Contract, CaseRunner | SmppCaseRunner]] = []
        for contract in contracts:
            if contract.protocol == "smpp":
                target_smpp = fake_target(hub, contract.provider)
                runners.append((contract, SmppCaseRunner(contract, target_smpp, allow_sends=True)))
            else:
                url = getattr(hub, contract.provider).url
                target = Target(base_urls={contract.provider: url}, api_key=FAKE_API_KEY)
                runners.append((contract, CaseRunner(contract, target, allow_sends=True)))
    except BaseException:
        hub.stop()
        raise

    def close() -> None:
        for _, runner in runners:
            if isinstance(runner, SmppCaseRunner):
                runner.close()
        hub.stop()
        hub.raise_errors()

    return Plan(runners=runners, target="fake", close=close)
