"""MiMSMS: Infobip's v1 REST API and the v3 plain API on its own host."""

from __future__ import annotations

from pytest_smsmock.providers.base import HttpListener, ProviderFake

__all__ = ["MimsmsFake"]


class MimsmsFake(ProviderFake):
    name = "mimsms"
    title = "MiMSMS"
    http_listeners = (HttpListener(name="primary"),)
