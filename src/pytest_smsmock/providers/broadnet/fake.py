"""Broadnet (Advance Messaging Systems): websmpp HTTPS, JSON and XML APIs, and SMPP."""

from __future__ import annotations

from pytest_smsmock.providers.base import HttpListener, ProviderFake, SmppListener

__all__ = ["BroadnetFake"]


class BroadnetFake(ProviderFake):
    name = "broadnet"
    title = "Broadnet"
    http_listeners = (HttpListener(name="primary"), HttpListener(name="https", tls=True))
    smpp_listeners = (SmppListener(name="plain"),)

    @property
    def https_url(self) -> str:
        """Base URL of the HTTPS listener (clients trust `smsmock.ca_file`)."""
        return self._bound_url("https")
