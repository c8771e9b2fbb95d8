"""The Enhanced SMPP provider's profile (document 002).

- Binds: TX / RX / TRX; at most `max_sessions` (2) bound connections per account, beyond ->
  ESME_RBINDFAIL; passwords longer than SMPP 3.4's 8 characters are accepted (the document's
  note); a bind from an address outside `allowed_networks` (default: loopback) -> ESME_RBINDFAIL.
- Throughput: `throughput` (30) submits per account per *virtual* second, beyond ->
  ESME_RTHROTTLED (0x58). Counted on the virtual clock because tests move time explicitly: a
  test that submits 31 messages without advancing the clock sees the 31st throttled, and after
  ``clock.advance("1s")`` the window is open again. (In ``--smsmock-clock=realtime`` the virtual
  clock follows the wall clock, so this is the real provider's behaviour.) An account option
  ``throughput`` overrides the fake-wide value.
- Validation, in the order of the document's command_status table: service_type not NULL ->
  0x15; message over 140 octets (160 septets unpacked with data_coding 0) -> 0x01; esm_class
  with a message type (bits 2-5) -> 0x43; replace_if_present_flag -> 0x42; sm_default_msg_id ->
  0x63; source TON not 1/3/5 -> 0x48 (an alphanumeric sender is taken as TON 5 / NPI 0, as the
  document says the provider sets them); source NPI not 0/1 -> 0x49; destination TON not 0/1 ->
  0x50; destination NPI not 0/1 -> 0x51; destination not 4..16 digits in international format
  -> 0x0B; schedule / validity that do not parse -> 0x61 / 0x62; a destination prefix in the
  account's ``uncovered_prefixes`` (or the fake's `unknown_networks`) -> 0x12F (303).
- submit_multi and replace_sm are served (the table's 0x13, 0x33, 0x40, 0x44 belong to them):
  each submit_multi destination is checked as a submit_sm to it (throughput included), refusals
  are unsuccess_sme entries; replace_sm replaces a pending message (`SmppService.replace`) and
  checks the new text's length (0x01) and sm_default_msg_id (0x63).
- Receipts: SMPP 3.4 Appendix B text and TLVs; message_state (0x0427) carries SMPP 3.4 values,
  as query_sm_resp does (EXPIRED 3, REJECTED 8...). The document's DLR state codes (0 sent,
  1 failed, 2 delivered, 5 failed) come with no word on where they travel; 2 and 5 are SMPP
  3.4's DELIVERED and UNDELIVERABLE, and 0 and 1 are no SMPP 3.4 state (1 is ENROUTE), so a
  client reading the standard TLV would take a failure for a pending message: the fake keeps
  the standard values and `DLR_STATE_CODES` maps them for reading (docs page).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from pytest_smsmock.core.messages import Status
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
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["DLR_STATE_CODES", "NETWORK_NOT_AVAILABLE", "EnhancedSmppService"]

_S = CommandStatus
NETWORK_NOT_AVAILABLE = 0x12F
_DESTINATION = re.compile(r"\+?[1-9][0-9]{3,15}")
_LOOPBACK = ("127.0.0.0/8", "::1/128")
#: The document's DLR state code of each canonical status (0 sent, 1 failed, 2 delivered,
#: 5 failed); documentation, not wire: receipts carry SMPP 3.4 message_state values.
DLR_STATE_CODES = {
    **{status: 1 for status in Status},
    Status.ACCEPTED: 0,
    Status.SCHEDULED: 0,
    Status.ENROUTE: 0,
    Status.DELIVERED: 2,
    Status.UNDELIVERABLE: 5,
}


class EnhancedSmppService(SmppService):
    system_id = "EnhancedSMPP"
    max_sessions = 2
    status_too_many_sessions = _S.ESME_RBINDFAIL
    status_uncovered = NETWORK_NOT_AVAILABLE
    status_no_credit = _S.ESME_RSUBMITFAIL
    smpp_only = True
    default_throughput: ClassVar[int] = 30
    # The document's table has codes only submit_multi (0x33, 0x40, 0x44) and replace_sm (0x13)
    # produce: both are served.
    supported_commands = DEFAULT_COMMANDS | MULTI_AND_REPLACE

    def __init__(self, fake: ProviderFake) -> None:
        super().__init__(fake)
        #: Submits per account per virtual second (the document's 30/s).
        self.throughput: int = self.default_throughput
        #: Client networks allowed to bind (the provider's IP allow-list).
        self.allowed_networks: list[str] = list(_LOOPBACK)
        #: Destination prefixes of no known network (-> 0x12F), for every account.
        self.unknown_networks: set[str] = set()
        # account -> [virtual second, submits counted in it]
        self._window: dict[str, list[int]] = {}
        self._second: tuple[object, int] = (None, 0)

    def reset(self) -> None:
        super().reset()
        self.throughput = self.default_throughput
        self.allowed_networks = list(_LOOPBACK)
        self.unknown_networks = set()
        self._window.clear()

    def check_bind(self, session: SmppSession, bind: Bind, account: Account, mode: str) -> int:
        try:
            address = ipaddress.ip_address(session.peer[0])
        except ValueError:
            return _S.ESME_RBINDFAIL
        networks = account.option("allowed_ips") or self.allowed_networks
        if not any(address in ipaddress.ip_network(n, strict=False) for n in networks):
            self.hint(
                f"bind as {bind.system_id!r} refused (0x0000000D): {address} is not on the "
                "provider's IP allow-list (fake.smpp.allowed_networks or the account's "
                "allowed_ips)"
            )
            return _S.ESME_RBINDFAIL
        return super().check_bind(session, bind, account, mode)

    def validate_submit(
        self,
        session: SmppSession,
        pdu: SubmitSm | DataSm,
        content: Content,
        account: Account,
        now: datetime,
    ) -> None:
        if pdu.service_type:
            raise SmppReject("service_type must be NULL", status=_S.ESME_RINVSERTYP)
        _check_length(content)
        if pdu.esm_class & 0x3C:
            raise SmppReject(f"esm_class 0x{pdu.esm_class:02X}", status=_S.ESME_RINVESMCLASS)
        if isinstance(pdu, SubmitSm):
            if pdu.replace_if_present_flag:
                raise SmppReject("replace_if_present_flag is set", status=_S.ESME_RINVSUBREP)
            if pdu.sm_default_msg_id:
                raise SmppReject("canned messages are not supported", status=_S.ESME_RINVDFTMSGID)
        alphanumeric = not pdu.source_addr.lstrip("+").isdigit()
        if not alphanumeric:
            if pdu.source_addr_ton not in (1, 3, 5):
                raise SmppReject(f"source TON {pdu.source_addr_ton}", status=_S.ESME_RINVSRCTON)
            if pdu.source_addr_npi not in (0, 1):
                raise SmppReject(f"source NPI {pdu.source_addr_npi}", status=_S.ESME_RINVSRCNPI)
        if pdu.dest_addr_ton not in (0, 1):
            raise SmppReject(f"destination TON {pdu.dest_addr_ton}", status=_S.ESME_RINVDSTTON)
        if pdu.dest_addr_npi not in (0, 1):
            raise SmppReject(f"destination NPI {pdu.dest_addr_npi}", status=_S.ESME_RINVDSTNPI)
        if not _DESTINATION.fullmatch(pdu.destination_addr):
            raise SmppReject(
                f"destination {pdu.destination_addr!r} is not 4..16 digits, international",
                status=_S.ESME_RINVDSTADR,
            )
        self._throttle(account, now)

    def check_replacement(
        self, session: SmppSession, pdu: ReplaceSm, content: Content, message: Message
    ) -> None:
        _check_length(content)
        if pdu.sm_default_msg_id:
            raise SmppReject("canned messages are not supported", status=_S.ESME_RINVDFTMSGID)

    def _throttle(self, account: Account, now: datetime) -> None:
        """Count a submit in the account's virtual second (`now`: the submit's instant, read
        by the caller; a second clock read here cost each submit ~0.8k instructions)."""
        limit = account.options.get("throughput", self.throughput)
        seen, second = self._second
        if seen is not now:  # the clock hands out one datetime per instant: convert it once
            second = int(now.timestamp())
            self._second = (now, second)
        lock = self._lock  # not `with`: it makes two bound methods per use (a hot path)
        lock.acquire()
        try:
            window = self._window.get(account.username)
            if window is None or window[0] != second:
                window = self._window[account.username] = [second, 0]
            if window[1] >= int(limit):
                raise SmppReject(
                    f"more than {limit} submits in this (virtual) second",
                    status=_S.ESME_RTHROTTLED,
                )
            window[1] += 1
        finally:
            lock.release()

    def adjust_message(
        self, session: SmppSession, pdu: SubmitSm | DataSm, message: Message
    ) -> None:
        # Here rather than in `message_extra`: a hook every submit calls anyway (an override of
        # `message_extra` costs each submit its super() call).
        if not pdu.source_addr.lstrip("+").isdigit():
            if (pdu.source_addr_ton, pdu.source_addr_npi) != (5, 0):
                self.hint(
                    f"alphanumeric source_addr {pdu.source_addr!r} came with TON "
                    f"{pdu.source_addr_ton} / NPI {pdu.source_addr_npi}: the provider sets "
                    "TON 5 / NPI 0 (document 002); other providers refuse it"
                )
            message.extra["source_addr_ton"], message.extra["source_addr_npi"] = 5, 0

    def uncovered_prefixes(self, account: Account) -> Iterable[str]:
        prefixes = account.options.get("uncovered_prefixes") or ()
        return (*prefixes, *self.unknown_networks) if self.unknown_networks else prefixes


def _check_length(content: Content) -> None:
    """0x01: "Max 140 octets; 160 chars in uncompressed default character encoding"."""
    limit = 160 if content.data_coding in (0, 1) else 140
    octets = len(content.data) + (len(content.udh) if content.udh else 0)
    if octets > limit:
        raise SmppReject(f"message of {octets} octets, at most {limit}", status=_S.ESME_RINVMSGLEN)
