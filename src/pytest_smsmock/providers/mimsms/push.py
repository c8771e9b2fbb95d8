"""MiMSMS's pushes as the client receives them: its v1 REST and v3 APIs are Infobip's components
in MiMSMS's dialect, so are its pushes (`providers.infobip.push`)."""

from __future__ import annotations

from pytest_smsmock.providers.infobip.push import DEFAULT_ANSWER, parse_push

__all__ = ["DEFAULT_ANSWER", "parse_push"]
