"""Infobip's legacy HTTP API v3 as a component a fake composes (Infobip itself, and MiMSMS).

`V3Api(fake, dialect)` answers the v3 paths of `dialect` on behalf of `fake`:
`handle(request, listener)` returns a werkzeug `Response`, or None when the path is not one of
its own (the owning fake then routes it elsewhere). The owning fake forwards its hooks:
`on_status_change(message, change)`, `deliver_mo(mo)` and `reset()` (from `reset_state()`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from werkzeug.wrappers import Request, Response

    from pytest_smsmock.core.messages import InboundMessage, Message, StatusChange
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["INFOBIP_DIALECT", "MIMSMS_DIALECT", "V3Api", "V3Dialect"]


@dataclass(frozen=True, slots=True, kw_only=True)
class V3Dialect:
    """Where a host serves the v3 API and how it spells things."""

    name: str
    plain_paths: tuple[str, ...] = ("/api/v3/sendsms/plain",)
    xml_path: str | None = "/api/v3/sendsms/xml"
    json_path: str | None = "/api/v3/sendsms/json"
    command_path: str = "/api/command"
    pull_path: str = "/api/v3/dr/pull"
    hlr_path: str | None = "/api/hlr/"
    hlr_sync_path: str | None = "/api/hlr/sync"
    inbox_paths: tuple[str, ...] = ("/api/v2/command/inbox", "/api/v3/command/inbox")
    text_params: tuple[str, ...] = ("smstext",)
    credits_command: str = "CREDITS"
    max_long_chars: int = 1530


INFOBIP_DIALECT = V3Dialect(name="infobip")

MIMSMS_DIALECT = V3Dialect(
    name="mimsms",
    plain_paths=("/api/sendsms/plain", "/api/v3/sendsms/plain"),
    xml_path=None,
    json_path=None,
    hlr_path=None,
    hlr_sync_path=None,
    inbox_paths=(),
    text_params=("smstext", "text"),
    credits_command="Credits",
    max_long_chars=1080,
)


class V3Api:
    """The v3 API of one host; see the module docstring."""

    def __init__(self, fake: ProviderFake, dialect: V3Dialect = INFOBIP_DIALECT) -> None:
        self.fake = fake
        self.dialect = dialect

    def handle(self, request: Request, listener: str) -> Response | None:
        return None

    def on_status_change(self, message: Message, change: StatusChange) -> None:
        return None

    def deliver_mo(self, mo: InboundMessage) -> None:
        self.fake.inbox.put(mo)

    def reset(self) -> None:
        return None
