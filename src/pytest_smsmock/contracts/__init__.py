"""Contract tests: the provider suites (is the fake still the provider?) and consumer contracts
(does my client still get what it relies on?), with drift reports. See docs/contracts.md.

This package sits above the hub: it starts fakes to run against, and nothing below imports it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from pytest_smsmock.contracts.model import CaseResult, Contract, ContractError, Interaction, Report
from pytest_smsmock.contracts.runner import Target, describe_url, run
from pytest_smsmock.contracts.shapes import Drift, compare, infer
from pytest_smsmock.contracts.smpp import SmppTarget, run_smpp
from pytest_smsmock.contracts.suites import (
    PROVIDERS,
    SMPP_PROVIDERS,
    load_smpp_suite,
    load_suite,
    load_suites,
)
from pytest_smsmock.errors import SmsMockError

__all__ = [
    "PROVIDERS",
    "SMPP_PROVIDERS",
    "CaseResult",
    "Contract",
    "ContractError",
    "Drift",
    "Interaction",
    "Report",
    "SmppTarget",
    "Target",
    "compare",
    "infer",
    "live_target",
    "load_smpp_suite",
    "load_suite",
    "load_suites",
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


def run_contracts(
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
) -> Report:
    """Run `contracts` against fresh fakes when neither `live` (an HTTP base URL) nor `smpp`
    (``HOST:PORT``) is given (every case then runs, sends included: the fakes cost nothing);
    otherwise the HTTP contracts against `live` and the SMPP ones against `smpp`, each only if
    given."""
    http = [c for c in contracts if c.protocol == "http"]
    smpp_contracts = [c for c in contracts if c.protocol == "smpp"]
    if live is None and smpp is None:
        return _run_on_fakes(http, smpp_contracts)
    reports: list[Report] = []
    if live is not None and http:
        target = live_target(
            *(c.provider for c in http),
            url=live,
            username=username,
            password=password,
            api_key=api_key,
            ca_file=ca_file,
        )
        reports.append(run(http, target, allow_sends=allow_sends))
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
        reports += [run_smpp(c, target_smpp, allow_sends=allow_sends) for c in smpp_contracts]
    if not reports:
        raise ContractError("nothing to run: --live runs HTTP contracts, --smpp SMPP ones")
    return _merge(reports)


def _merge(reports: Sequence[Report]) -> Report:
    target = ", ".join(dict.fromkeys(r.target for r in reports))
    return Report(target=target, cases=tuple(c for r in reports for c in r.cases))


def _run_on_fakes(http: Sequence[Contract], smpp_contracts: Sequence[Contract]) -> Report:
    from pytest_smsmock.hub import SmsMock

    providers = tuple(dict.fromkeys(c.provider for c in [*http, *smpp_contracts]))
    try:
        hub = SmsMock(providers=providers)
    except SmsMockError as exc:
        raise ContractError(str(exc)) from None
    reports = []
    with hub:
        urls = {c.provider: getattr(hub, c.provider).url for c in http}
        if http:
            reports.append(run(http, Target(base_urls=urls, description="fake"), allow_sends=True))
        for contract in smpp_contracts:
            host, port = getattr(hub, contract.provider).smpp_address
            target = SmppTarget(
                host=host, port=port, wait=lambda: hub.clock.advance("1m"), description="fake"
            )
            reports.append(run_smpp(contract, target, allow_sends=True))
    return _merge(reports)
