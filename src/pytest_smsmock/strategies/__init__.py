"""Hypothesis strategies for SMS data (import only where Hypothesis is installed)."""

from __future__ import annotations

from pytest_smsmock.strategies.text import gsm7_texts, msisdns, ucs2_texts

__all__ = ["gsm7_texts", "msisdns", "ucs2_texts"]
