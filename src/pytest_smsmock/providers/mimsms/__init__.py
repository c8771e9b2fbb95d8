"""MiMSMS: Infobip's v1 REST API and the v3 plain API on its own host."""

from __future__ import annotations

from pytest_smsmock.providers.mimsms.fake import MimsmsFake

__all__ = ["MimsmsFake"]
