"""Broadnet (Advance Messaging Systems): websmpp HTTPS, JSON and XML APIs, and SMPP."""

from __future__ import annotations

from pytest_smsmock.providers.broadnet.fake import BroadnetFake

__all__ = ["BroadnetFake"]
