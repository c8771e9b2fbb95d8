"""The Enhanced SMPP provider: SMPP only, plain and TLS ports."""

from __future__ import annotations

from pytest_smsmock.providers.base import ProviderFake, SmppListener

__all__ = ["EnhancedSmppFake"]


class EnhancedSmppFake(ProviderFake):
    name = "enhanced_smpp"
    title = "Enhanced SMPP"
    smpp_listeners = (SmppListener(name="plain"), SmppListener(name="tls", tls=True))
