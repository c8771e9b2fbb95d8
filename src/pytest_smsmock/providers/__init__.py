"""The provider registry: adding a provider is one package and one line here.

Each entry names the module and class of a `ProviderFake` subclass; classes are imported only
when a hub is built, so importing the plugin stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from pytest_smsmock.errors import ConfigError

if TYPE_CHECKING:
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["provider_class", "provider_names"]

_REGISTRY: dict[str, str] = {
    "infobip": "pytest_smsmock.providers.infobip:InfobipFake",
    "mimsms": "pytest_smsmock.providers.mimsms:MimsmsFake",
    "broadnet": "pytest_smsmock.providers.broadnet:BroadnetFake",
    "smsc": "pytest_smsmock.providers.smsc:SmscFake",
    "enhanced_smpp": "pytest_smsmock.providers.enhanced_smpp:EnhancedSmppFake",
}


def provider_names() -> tuple[str, ...]:
    return tuple(_REGISTRY)


def provider_class(name: str) -> type[ProviderFake]:
    try:
        target = _REGISTRY[name]
    except KeyError:
        raise ConfigError(
            f"unknown provider {name!r}; known providers: {', '.join(_REGISTRY)}"
        ) from None
    module_name, _, attribute = target.partition(":")
    cls: type[ProviderFake] = getattr(importlib.import_module(module_name), attribute)
    return cls
