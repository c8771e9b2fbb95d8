"""The Enhanced SMPP provider: SMPP only, plain and TLS ports."""

from __future__ import annotations

from pytest_smsmock.providers.enhanced_smpp.fake import EnhancedSmppFake

__all__ = ["EnhancedSmppFake"]
