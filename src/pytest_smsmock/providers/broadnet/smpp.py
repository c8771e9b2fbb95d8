"""Broadnet's SMPP 3.4 profile (document 003, "SMPP" and "SMPP Status Codes").

- Binds: Tx, Rx or TRx; "only 1 TRx/Rx with multiple Tx Session": a second receiver or
  transceiver of an account -> ESME_RALYBND (0x05, the document's "Already bound"); any number
  of transmitters. system_type must be NULL (else ESME_RINVSYSTYP). The account options of the
  HTTP API apply: ``bind_fails`` -> ESME_RBINDFAIL, ``allowed_ips`` (client addresses) ->
  ESME_RBINDFAIL from elsewhere, ``expired`` -> ESME_RBINDFAIL.
- Submits, with the document's own codes: destination not 7..15 digits -> 0x22 ESME_RINVADR;
  destination outside the coverage list or the account's ``coverage`` -> 0x12 ESME_RCOVERR;
  a sender outside ``senders`` -> ESME_RINVSRCADR; registered_delivery other than 0, 1 or 2
  (intermediate bit aside) -> 0x9C ESME_RINVREGDEL; the account cannot pay ``price`` per part ->
  0x40B ESME_RINVBALANCE; more parts than ``max_parts`` -> ESME_RINVMSGLEN; a
  schedule_delivery_time neither empty nor 16 characters long -> 0x8D ESME_RINVMDTLEN (a
  well-formed length that does not parse stays ESME_RINVSCHED).
- Message ids have the HTTP API's shape; messages expire after the account's ``validity``
  (48 h by default) unless validity_period says otherwise.
- Receipts: SMPP 3.4 Appendix B text and the standard TLVs.
- submit_multi and replace_sm are served (the status list has their codes, 0x33, 0x40, 0x44 and
  0x13): each destination of a submit_multi is checked as a submit_sm to it, refusals are
  unsuccess_sme entries; replace_sm replaces a pending message (`SmppService.replace`).
- No cause in this fake: 0x59 ESME_RPROVNOTALLWD "Provisioning Not Allowed" and 0x93
  ESME_RINVREGDELLEN "Registered Delivery Lenght Invalid". The document names them and says no
  more: nothing tells what an account lacks to get 0x59, and registered_delivery is one octet,
  so no submit_sm that decodes can have it the wrong length (one that ends early is
  ESME_RINVCMDLEN). A test that needs them answers with them from a scenario: a rule's
  ``respond: {command_status: 0x59}`` or a fault ``{kind: error_status, command_status: 0x93}``.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

from pytest_smsmock.providers.broadnet import coverage
from pytest_smsmock.providers.smpp_common import (
    DEFAULT_COMMANDS,
    MULTI_AND_REPLACE,
    Content,
    SmppReject,
    SmppService,
    SmppSession,
)
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.pdus import Bind, DataSm, ReplaceSm, SubmitSm

if TYPE_CHECKING:
    from datetime import datetime

    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.messages import Message

__all__ = ["BroadnetSmpp"]

_S = CommandStatus
ESME_RCOVERR = 0x12
ESME_RINVADR = 0x22
ESME_RINVBALANCE = 0x40B
ESME_RINVREGDEL = 0x9C
ESME_RINVMDTLEN = 0x8D
_DESTINATION = re.compile(r"\+?[1-9][0-9]{6,14}")


class BroadnetSmpp(SmppService):
    system_id = "AMS"
    # A schedule_delivery_time that is neither empty nor 16 characters long.
    decode_statuses: ClassVar[Mapping[int, int]] = MappingProxyType(
        {_S.ESME_RINVSCHED: ESME_RINVMDTLEN}
    )
    status_no_credit = ESME_RINVBALANCE
    status_uncovered = ESME_RCOVERR
    status_bad_destination = ESME_RINVADR
    # The document's status list has codes only submit_multi (0x33 ESME_RINVNUMDESTS, 0x40
    # ESME_RINVDESTFLAG, 0x44 ESME_RCNTSUBDL) and replace_sm (0x13 ESME_RREPLACEFAIL) produce.
    supported_commands = DEFAULT_COMMANDS | MULTI_AND_REPLACE

    def _settings(self, account: Account) -> Any:
        return self.fake.settings(account)  # type: ignore[attr-defined]

    def check_bind(self, session: SmppSession, bind: Bind, account: Account, mode: str) -> int:
        if bind.system_type:
            self.hint(
                f"bind as {bind.system_id!r} refused (0x00000053): system_type "
                f'{bind.system_type!r}; Broadnet\'s document asks for NULL ("")'
            )
            return _S.ESME_RINVSYSTYP
        settings = self._settings(account)
        if settings.bind_fails:
            return _S.ESME_RBINDFAIL
        if settings.allowed_ips is not None and not _allowed(session.peer[0], settings.allowed_ips):
            self.hint(
                f"bind as {bind.system_id!r} refused (0x0000000D): {session.peer[0]} is not in "
                "the account's allowed_ips"
            )
            return _S.ESME_RBINDFAIL
        if mode in ("rx", "trx"):
            receivers = [
                s for s in self.bound_sessions(account.username) if s.receives and s is not session
            ]
            if receivers:
                return _S.ESME_RALYBND
        return super().check_bind(session, bind, account, mode)

    def validate_submit(
        self,
        session: SmppSession,
        pdu: SubmitSm | DataSm,
        content: Content,
        account: Account,
        now: datetime,
    ) -> None:
        settings = self._settings(account)
        if pdu.registered_delivery & ~0x10 not in (0, 1, 2):
            raise SmppReject(
                f"registered_delivery 0x{pdu.registered_delivery:02X}", status=ESME_RINVREGDEL
            )
        if content.parts > settings.max_parts:
            raise SmppReject(f"{content.parts} parts", status=_S.ESME_RINVMSGLEN)
        if settings.senders is not None and pdu.source_addr not in settings.senders:
            raise SmppReject(f"sender {pdu.source_addr!r}", status=_S.ESME_RINVSRCADR)
        to = pdu.destination_addr
        if not _DESTINATION.fullmatch(to):
            raise SmppReject(f"destination {to!r}", status=ESME_RINVADR)
        if not coverage.covered(to.lstrip("+"), settings.coverage):
            raise SmppReject(f"no coverage for {to}", status=ESME_RCOVERR)

    def check_replacement(
        self, session: SmppSession, pdu: ReplaceSm, content: Content, message: Message
    ) -> None:
        if pdu.registered_delivery & ~0x10 not in (0, 1, 2):
            raise SmppReject(
                f"registered_delivery 0x{pdu.registered_delivery:02X}", status=ESME_RINVREGDEL
            )
        account = session.account
        assert account is not None
        if content.parts > self._settings(account).max_parts:
            raise SmppReject(f"{content.parts} parts", status=_S.ESME_RINVMSGLEN)

    def price(self, session: SmppSession, account: Account, parts: int) -> Decimal:
        return Decimal(self._settings(account).price) * parts

    def new_message_id(self) -> str:
        now = self.fake.clock.now()
        return str(self.fake.new_message_id(now))  # type: ignore[attr-defined]

    def adjust_message(
        self, session: SmppSession, pdu: SubmitSm | DataSm, message: Message
    ) -> None:
        if message.expires_at is None and session.account is not None:
            validity = self._settings(session.account).validity
            if validity is not None:
                message.expires_at = message.submitted_at + validity


def _allowed(address: str, allowed: frozenset[str]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in allowed:
        try:
            if ip in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False
