"""Infobip: legacy HTTP API v3 (primary and secondary access points) and SMPP."""

from __future__ import annotations

from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener

__all__ = ["InfobipFake"]


class InfobipFake(ProviderFake):
    name = "infobip"
    title = "Infobip"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="secondary"))
    smpp_listeners = (SmppListener(name="plain"), SmppListener(name="tls", tls=True))

    @property
    def secondary_url(self) -> str:
        """Base URL of the secondary access point (api2), for failover tests."""
        return self._bound_url("secondary")
