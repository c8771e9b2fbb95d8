"""Infobip: legacy HTTP API v3 (primary and secondary access points) and SMPP."""

from __future__ import annotations

from pytest_smsmock.providers.infobip.fake import InfobipFake

__all__ = ["InfobipFake"]
