"""SMSC.ru (SMS Center): HTTP send, status, balance and HLR API."""

from __future__ import annotations

from pytest_smsmock.providers.base import HttpListener, ProviderFake

__all__ = ["SmscFake"]


class SmscFake(ProviderFake):
    name = "smsc"
    title = "SMSC.ru"
    http_listeners = (HttpListener(name="primary"),)
    currency = "RUR"
