"""The REST APIs' refusals, one type for every generation.

The ``/sms/1/`` and ``/sms/2/`` endpoints answer ``{"requestError": {"serviceException":
{"messageId", "text"}}}`` (the v1 document); today's ``/sms/3/`` endpoints answer an
``ApiError`` (``errorCode``, ``description``, ``action``, ``violations``, ``resources``: what
the 6.x SDK parses for them), whose violations name the field (`RestError.violations`).
"""

from __future__ import annotations

from collections.abc import Mapping

from pytest_smsmock.errors import Refusal

__all__ = [
    "RestError",
    "bad_request",
    "invalid",
    "not_found",
    "unauthorized",
]


class RestError(Refusal):
    """A request a REST API refuses, answered in the ``requestError`` envelope."""

    def __init__(
        self,
        status: int,
        message_id: str,
        text: str,
        *,
        detail: str = "",
        violations: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        super().__init__(detail or text, status=status, native=message_id)
        self.message_id = message_id
        self.text = text
        self.detail = detail or text
        self.violations = dict(violations or {})


def unauthorized(detail: str) -> RestError:
    return RestError(401, "UNAUTHORIZED", "Invalid login details", detail=detail)


def bad_request(detail: str, field: str | None = None) -> RestError:
    """The body cannot be read (not JSON, not an object): ``BAD_REQUEST``."""
    return RestError(
        400,
        "BAD_REQUEST",
        "Bad request",
        detail=detail,
        violations={field: (detail,)} if field else None,
    )


def invalid(detail: str, field: str | None = None) -> RestError:
    """A field breaks a rule: ``INVALID_ARGUMENT`` (v3: with the field in validationErrors)."""
    return RestError(
        400,
        "INVALID_ARGUMENT",
        "Invalid argument",
        detail=detail,
        violations={field: (detail,)} if field else None,
    )


def not_found(detail: str) -> RestError:
    return RestError(404, "NOT_FOUND", "Requested resource not found", detail=detail)
