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
from pytest_smsmock.contracts.suites import PROVIDERS, load_suite
from pytest_smsmock.errors import SmsMockError

__all__ = [
    "PROVIDERS",
    "CaseResult",
    "Contract",
    "ContractError",
    "Drift",
    "Interaction",
    "Report",
    "Target",
    "compare",
    "infer",
    "live_target",
    "load_suite",
    "run",
    "run_contracts",
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
    username: str | None = None,
    password: str | None = None,
    api_key: str | None = None,
    ca_file: str | None = None,
    allow_sends: bool = False,
) -> Report:
    """Run `contracts` against a live base URL, or against fresh fakes when `live` is None
    (every case then runs, sends included: the fakes cost nothing)."""
    if live is not None:
        target = live_target(
            *(c.provider for c in contracts),
            url=live,
            username=username,
            password=password,
            api_key=api_key,
            ca_file=ca_file,
        )
        return run(contracts, target, allow_sends=allow_sends)
    from pytest_smsmock.hub import SmsMock

    providers = tuple(dict.fromkeys(c.provider for c in contracts))
    try:
        hub = SmsMock(providers=providers)
    except SmsMockError as exc:
        raise ContractError(str(exc)) from None
    with hub:
        urls = {p: getattr(hub, p).url for p in providers}
        return run(contracts, Target(base_urls=urls, description="fake"), allow_sends=True)
