"""The shipped provider suites (``suites/<provider>.yaml``), and `record`, which (re)writes one
from the cases of `cases.py` by running them against a fresh fake and inferring the shapes of its
answers. Regenerate after a deliberate change to a fake with
``python -m pytest_smsmock.contracts PROVIDER...``; the shipped file is then reviewed
like code (a matcher loosened by hand stays loosened only if `cases.py` is not re-recorded).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from pytest_smsmock.contracts.model import Contract, ContractError, Interaction
from pytest_smsmock.contracts.runner import FAKE_API_KEY, add_key_accounts, check, extract, send
from pytest_smsmock.contracts.shapes import infer, parse_body

__all__ = [
    "PROVIDERS",
    "SMPP_PROVIDERS",
    "SUITES",
    "load_smpp_suite",
    "load_suite",
    "load_suites",
    "record",
]

SUITES = Path(__file__).parent / "suites"
#: Providers with an HTTP contract suite (Enhanced SMPP speaks SMPP only).
PROVIDERS = ("infobip", "mimsms", "broadnet", "smsc")
#: Providers with an SMPP contract suite (``suites/<provider>-smpp.yaml``).
SMPP_PROVIDERS = ("infobip", "broadnet", "enhanced_smpp")


def load_smpp_suite(provider: str) -> Contract:
    path = SUITES / f"{provider}-smpp.yaml"
    if provider not in SMPP_PROVIDERS or not path.is_file():
        raise ContractError(
            f"no SMPP contract suite for {provider!r} (there are: {', '.join(SMPP_PROVIDERS)})"
        )
    return Contract.load(path)


def load_suites(provider: str) -> list[Contract]:
    """Every suite of a provider: HTTP, SMPP or both."""
    suites = []
    if provider in PROVIDERS:
        suites.append(load_suite(provider))
    if provider in SMPP_PROVIDERS:
        suites.append(load_smpp_suite(provider))
    if not suites:
        names = ", ".join(dict.fromkeys([*PROVIDERS, *SMPP_PROVIDERS]))
        raise ContractError(f"no contract suite for {provider!r} (there are: {names})")
    return suites


def load_suite(provider: str) -> Contract:
    path = SUITES / f"{provider}.yaml"
    if provider not in PROVIDERS or not path.is_file():
        raise ContractError(
            f"no contract suite for {provider!r} (there are: {', '.join(PROVIDERS)})"
        )
    return Contract.load(path)


def record(provider: str) -> Contract:
    """Run the provider's cases against a fresh fake and keep the shapes of its answers."""
    from pytest_smsmock.contracts.cases import PROVIDER_CASES
    from pytest_smsmock.hub import SmsMock

    names = {"username": "test", "password": "test", "api_key": FAKE_API_KEY}
    interactions = []
    with SmsMock(providers=(provider,)) as hub:
        add_key_accounts(hub, (provider,))
        base_url = getattr(hub, provider).url
        for seed in PROVIDER_CASES[provider]:
            answer = send(seed["request"], base_url, names)
            tree = parse_body(answer.content_type, answer.body)
            for name, path in seed["capture"].items():
                value = extract(tree, path)
                if value is not None:
                    names[name] = str(value)
            response = {
                "status": answer.status,
                "content_type": answer.content_type,
                "body": seed["expect"] or infer(tree),
            }
            interaction = Interaction(
                name=seed["name"],
                request=seed["request"],
                response=response,
                sends=seed["sends"],
                capture=seed["capture"],
            )
            assert not check(interaction, answer)
            interactions.append(interaction)
    return Contract(provider=provider, interactions=tuple(interactions))


def main(argv: Sequence[str]) -> int:
    from pytest_smsmock.contracts.smpp import record_smpp

    for provider in argv or dict.fromkeys([*PROVIDERS, *SMPP_PROVIDERS]):
        recorded = []
        if provider in PROVIDERS:
            recorded.append((f"{provider}.yaml", record(provider)))
        if provider in SMPP_PROVIDERS:
            recorded.append((f"{provider}-smpp.yaml", record_smpp(provider)))
        for name, contract in recorded:
            (SUITES / name).write_text(
                f"# The {provider} {contract.protocol.upper()} contract suite: recorded from the "
                "fake by `python -m pytest_smsmock.contracts`, shapes editable.\n"
                + contract.dumps(),
                encoding="utf-8",
            )
            print(f"{name}: {len(contract.interactions)} cases")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
