"""SMSC.ru (SMS Center): HTTP send, status, balance and HLR API."""

from __future__ import annotations

from pytest_smsmock.providers.smsc.fake import SmscFake

__all__ = ["SmscFake"]
