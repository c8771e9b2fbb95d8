"""Infobip's SMPP 3.4 profile (document 001, chapter 3 and 4.3).

Binds
- SMPP 3.4 only: interface_version below 0x34 (3.3 and older) -> ESME_RBINDFAIL.
- TX / RX / TRX, at most `max_sessions` (4) bound sessions per account -> ESME_RBINDFAIL beyond.
- system_type: ``""`` default routing; ``R:<route>`` a route (must be in `routes` when that set
  is not None, else ESME_RINVSYSTYP); ``HLR`` Number Context mode; ``NSMS`` flash mode;
  anything else ESME_RINVSYSTYP.
- Only bind_*, unbind, submit_sm, enquire_link (and deliver_sm_resp) are served: anything else
  gets generic_nack ESME_RINVCMDID, as the document's list of supported PDUs implies.
- Keep-alive, Table 13's "timeout (keep alive or msg) 30 sec", on the virtual clock: the SMSC
  sends enquire_link after `enquire_link_interval` (30) seconds without a PDU from the ESME;
  an enquire_link unanswered for `keepalive_timeout` (30) seconds makes the SMSC unbind and
  close the session (journaled); a deliver_sm unanswered for `response_timeout` (30) seconds
  counts as refused and is redelivered. (When the SMSC probes is not documented: 30 s of
  silence is the fake's choice.)

Submits, and the document's command statuses (4.3) when their cause happens
- 0x0A Invalid_Source_Address: empty sender, alphanumeric over 11 or numeric over 14
  characters, or a sender outside the account's ``allowed_senders``.
- 0x22 Network not covered: destination prefix in the account's ``uncovered_prefixes``.
- 0xFF insufficient balance: the account cannot pay ``price`` per part (``hlr_price`` in HLR
  mode).
- 0x0C Duplicate_Message_ID: SMPP 3.4 gives the client one field of its own for a message
  reference, user_message_reference (TLV 0x0204); the same reference twice on one account is
  taken as a duplicate message id.
- 0x4A1 System_Error / Channel_Disabled: the account is in `disabled_accounts`.
- schedule_delivery_time: only the relative format (``YYMMDDhhmmsstnnR``) is documented, so an
  absolute time is ESME_RINVSCHED.
- NSMS (flash) mode: the message becomes a flash message; a long one (UDH, message_payload or
  more than one part) is ESME_RINVMSGLEN: "long SMS feature is not supported".
- CampaignId (4.4, TLV 0x1456): kept in ``extra["campaign_id"]``. A US short code MT (a source
  of 5-6 digits to an 11-digit +1 number) without it is accepted, then REJECTED by the network
  5 s later, exactly as over HTTP (*assumption*: the document only says delivery is not
  guaranteed).

Receipts: deliver_sm, esm_class 0x04, text
``id:<id> sub:001 dlvr:<001|000> submit date:<YYMMDDhhmm> done date:<YYMMDDhhmm> stat:<stat>
err:<err>`` (``dlvr``, not ``dlvrd``; stats DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD,
DELIVERY UNKNOWN, REJECTED; err is the GSM error code of 4.1), TLVs network_error_code,
message_state, receipted_message_id (the order of the document's example). Number Context
receipts add `` IMSI:.. MSC:.. HLR:.. ORN:.. PON:.. RON:.. ROC:.. MCCMNC:..`` to the text and
the Table 14 vendor TLVs plus IMSI (0x1403) and MSC (0x1406) as octets, from `hlr.resolve` (the
fake's and the account's ``hlr_results``). Receipts are spread evenly (round-robin) over the
account's receiver and transceiver sessions.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.providers.infobip import hlr
from pytest_smsmock.providers.infobip.sending import _US_REJECTED as US_SHORT_CODE_REJECTED
from pytest_smsmock.providers.infobip.sending import _us_short_code
from pytest_smsmock.providers.infobip.status import SMPP_STATS, dlr_status
from pytest_smsmock.providers.smpp_common import Content, SmppReject, SmppService, SmppSession
from pytest_smsmock.smpp.constants import INTERFACE_VERSION, CommandId, CommandStatus
from pytest_smsmock.smpp.pdus import Bind, DataSm, SubmitSm
from pytest_smsmock.smpp.times import parse_time
from pytest_smsmock.smpp.tlvs import Tlv, TlvTag, tlv_value

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account
    from pytest_smsmock.core.lifecycle import Plan
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["InfobipSmpp"]

_S = CommandStatus
_C = CommandId
NETWORK_NOT_COVERED = 0x22
INSUFFICIENT_BALANCE = 0xFF
SYSTEM_ERROR = 0x4A1
DUPLICATE_MESSAGE_ID = 0x0C

_T = TlvTag
# Number Context TLVs (Table 14): tag -> the `hlr.resolve` field it carries.
_HLR_TLVS: tuple[tuple[int, str], ...] = (
    (_T.INFOBIP_SERVING_HLR, "hlr"),
    (_T.INFOBIP_ORIGINAL_NETWORK_NAME, "orn"),
    (_T.INFOBIP_PORTED_NETWORK_NAME, "pon"),
    (_T.INFOBIP_ROAMING_NETWORK_NAME, "ron"),
    (_T.INFOBIP_ROAMING_COUNTRY_NAME, "rcn"),
    (_T.INFOBIP_ROAMING_COUNTRY_CODE, "roc"),
    (_T.INFOBIP_MCCMNC, "mccmnc"),
    (_T.INFOBIP_PRICE_PER_MESSAGE, "ppm"),
    (_T.INFOBIP_ROAMING_NETWORK_PREFIX, "rnp"),
    (_T.INFOBIP_ROAMING_COUNTRY_PREFIX, "rcp"),
    (_T.INFOBIP_IS_NUMBER_PORTED, "is_ported"),
    (_T.INFOBIP_ORIGINAL_COUNTRY, "ocn"),
    (_T.INFOBIP_ORIGINAL_COUNTRY_CODE, "occ"),
    (_T.INFOBIP_ORIGINAL_COUNTRY_PREFIX, "ocp"),
    (_T.INFOBIP_IS_NUMBER_CORRECT, "num_ok"),
    (_T.INFOBIP_ORIGINAL_NETWORK_PREFIX, "onp"),
    (_T.INFOBIP_PORTED_NETWORK_PREFIX, "pnp"),
    (_T.INFOBIP_PORTED_COUNTRY_PREFIX, "pcp"),
)
_INT_TLVS = frozenset(
    {_T.INFOBIP_PRICE_PER_MESSAGE, _T.INFOBIP_IS_NUMBER_PORTED, _T.INFOBIP_IS_NUMBER_CORRECT}
)
_HLR_STATUS = {"DELIVRD": Status.DELIVERED, "UNDELIV": Status.UNDELIVERABLE}


def _int_field(value: str) -> int:
    if value.lower() in ("true", "false"):
        return int(value.lower() == "true")
    try:
        return max(0, int(value))
    except ValueError:
        return 0


class InfobipSmpp(SmppService):
    system_id = "Infobip"
    max_sessions = 4
    status_too_many_sessions = _S.ESME_RBINDFAIL
    status_no_credit = INSUFFICIENT_BALANCE
    status_uncovered = NETWORK_NOT_COVERED
    status_bad_source = _S.ESME_RINVSRCADR
    supported_commands = frozenset(
        {
            _C.BIND_TRANSMITTER,
            _C.BIND_RECEIVER,
            _C.BIND_TRANSCEIVER,
            _C.UNBIND,
            _C.SUBMIT_SM,
            _C.ENQUIRE_LINK,
        }
    )
    enquire_link_interval = 30.0
    keepalive_timeout = 30.0
    response_timeout = 30.0
    receipt_delivered_field = "dlvr"
    allow_empty_source = False

    def __init__(self, fake: ProviderFake) -> None:
        super().__init__(fake)
        #: Route codes clients may pick with ``R:<route>`` (None: any).
        self.routes: set[str] | None = None
        #: Accounts whose channel is disabled: submits answer 0x4A1.
        self.disabled_accounts: set[str] = set()
        self._references: set[tuple[str, int]] = set()

    def reset(self) -> None:
        super().reset()
        self.routes = None
        self.disabled_accounts = set()
        self._references = set()

    # -- binds ---------------------------------------------------------------------------------
    def check_bind(self, session: SmppSession, bind: Bind, account: Account, mode: str) -> int:
        if bind.interface_version < INTERFACE_VERSION:
            self.hint(
                f"bind as {bind.system_id!r} refused (0x0000000D): interface_version "
                f"0x{bind.interface_version:02X} is SMPP {bind.interface_version >> 4}."
                f"{bind.interface_version & 0xF}; Infobip serves SMPP 3.4 only "
                "(interface_version 0x34)",
                {"interface_version": bind.interface_version},
            )
            return _S.ESME_RBINDFAIL
        system_type = bind.system_type
        if system_type in ("HLR", "NSMS"):
            session.data["mode"] = system_type
        elif system_type[:2].upper() == "R:" and len(system_type) > 2:
            route = system_type[2:]
            if self.routes is not None and route not in self.routes:
                return _S.ESME_RINVSYSTYP
            session.data["route"] = route
        elif system_type:
            return _S.ESME_RINVSYSTYP
        return super().check_bind(session, bind, account, mode)

    # -- submits -------------------------------------------------------------------------------
    def validate_submit(
        self,
        session: SmppSession,
        pdu: SubmitSm | DataSm,
        content: Content,
        account: Account,
        now: datetime,
    ) -> None:
        if account.username in self.disabled_accounts:
            raise SmppReject("the channel is disabled", status=SYSTEM_ERROR)
        mode = session.data.get("mode")
        if mode == "HLR":
            return
        sender = pdu.source_addr
        digits = sender.lstrip("+")
        if not sender or (len(digits) > 14 if digits.isdigit() else len(sender) > 11):
            raise SmppReject(f"sender {sender!r}", status=_S.ESME_RINVSRCADR)
        allowed = account.option("allowed_senders")
        if allowed is not None and sender not in allowed:
            raise SmppReject(f"sender {sender!r} is not allowed", status=_S.ESME_RINVSRCADR)
        if mode == "NSMS" and (content.udh is not None or content.payload or content.parts > 1):
            raise SmppReject("no long SMS in flash mode", status=_S.ESME_RINVMSGLEN)
        reference = tlv_value(pdu.tlvs, TlvTag.USER_MESSAGE_REFERENCE)
        if isinstance(reference, int):
            key = (account.username, reference)
            with self._lock:
                if key in self._references:
                    raise SmppReject(
                        f"user_message_reference {reference} already used",
                        status=DUPLICATE_MESSAGE_ID,
                    )
                self._references.add(key)

    def parse_schedule(self, value: str, now: datetime) -> datetime | None:
        if value and not value.endswith("R"):
            raise SmppReject(
                f"schedule_delivery_time {value!r}: only the relative format is supported",
                status=_S.ESME_RINVSCHED,
            )
        return parse_time(value, now=now, status=_S.ESME_RINVSCHED)

    def check_addresses(
        self, session: SmppSession, pdu: SubmitSm | DataSm, account: Account
    ) -> None:
        if session.data.get("mode") == "HLR":
            # "All other parameters will be ignored (srcAddress, TON/NPI, etc)".
            if not pdu.destination_addr:
                raise SmppReject("destAddress is empty", status=_S.ESME_RINVDSTADR)
            return
        super().check_addresses(session, pdu, account)

    def price(self, session: SmppSession, account: Account, parts: int) -> Decimal:
        if session.data.get("mode") == "HLR":
            return Decimal(str(account.option("hlr_price", 1)))
        return Decimal(str(account.option("price", 1))) * parts

    def new_message_id(self) -> str:
        # The document's ids are 17 digits (``40072910491427628``).
        return self.ids_digits(17)

    def ids_digits(self, length: int) -> str:
        return self.fake.ids("smpp").digits(length)

    def message_extra(
        self, session: SmppSession, pdu: SubmitSm | DataSm, content: Content
    ) -> dict[str, Any]:
        extra = super().message_extra(session, pdu, content)
        mode = session.data.get("mode")
        if "route" in session.data:
            extra["route"] = session.data["route"]
        if mode == "HLR":
            extra["hlr"] = self._hlr_result(pdu.destination_addr, session)
        campaign = tlv_value(pdu.tlvs, TlvTag.INFOBIP_CAMPAIGN_ID)
        if campaign is not None:
            extra["campaign_id"] = campaign
        return extra

    def adjust_message(
        self, session: SmppSession, pdu: SubmitSm | DataSm, message: Message
    ) -> None:
        mode = session.data.get("mode")
        if mode in ("HLR", "NSMS"):
            message.api = f"smpp:{mode.lower()}"
            if mode == "NSMS":
                message.flash = True

    def imposed_plan(self, session: SmppSession, pdu: SubmitSm | DataSm) -> Plan | None:
        # 4.4: a US short code MT needs CampaignId; as over HTTP, accepted and then refused by
        # the carrier (whatever plan a scenario gives it).
        if (
            session.data.get("mode") != "HLR"
            and tlv_value(pdu.tlvs, TlvTag.INFOBIP_CAMPAIGN_ID) is None
            and _us_short_code(pdu.source_addr, pdu.destination_addr.lstrip("+"))
        ):
            return (US_SHORT_CODE_REJECTED,)
        return None

    def _hlr_result(self, destination: str, session: SmppSession) -> dict[str, str]:
        layers: list[Mapping[str, Mapping[str, Any]] | None] = [
            getattr(self.fake, "hlr_results", None)
        ]
        if session.account is not None:
            layers.append(session.account.option("hlr_results"))
        return hlr.resolve(destination, *layers)

    # -- receipts ------------------------------------------------------------------------------
    def wants_receipt(self, message: Message, change: StatusChange) -> bool:
        if "hlr" in message.extra:  # the Number Context answer comes whatever was asked
            return change.status.final
        return super().wants_receipt(message, change)

    def receipt_stat(self, message: Message, change: StatusChange) -> str:
        result = message.extra.get("hlr")
        if result is not None and change.status is Status.DELIVERED:
            return str(result.get("stat", "DELIVRD"))
        return SMPP_STATS[change.status]

    def receipt_error(self, message: Message, change: StatusChange) -> int:
        result = message.extra.get("hlr")
        if result is not None and change.status is Status.DELIVERED:
            return _int_field(result.get("err", "0"))
        _name, gsm = dlr_status(change.status, change.error)
        return gsm

    def receipt_suffix(self, message: Message, change: StatusChange) -> str:
        result = message.extra.get("hlr")
        if result is None:
            return ""
        r = result
        return (
            f" IMSI:{r['IMSI']} MSC:{r['MSC']} HLR:{r['hlr']} ORN:{r['orn']} PON:{r['pon']}"
            f" RON:{r['ron']} ROC:{r['roc']} MCCMNC:{r['mccmnc']}"
        )

    def message_state(self, message: Message, change: StatusChange) -> int:
        result = message.extra.get("hlr")
        if result is not None and change.status is Status.DELIVERED:
            status = _HLR_STATUS.get(str(result.get("stat")), Status.UNKNOWN)
            return super().message_state(message, StatusChange(at=change.at, status=status))
        return super().message_state(message, change)

    def receipt_tlvs(self, message: Message, change: StatusChange) -> tuple[Tlv, ...]:
        tlvs = super().receipt_tlvs(message, change)
        result = message.extra.get("hlr")
        if result is None:
            return tlvs
        extra: list[Tlv] = []
        for tag, name in _HLR_TLVS:
            value = str(result.get(name, ""))
            if tag in _INT_TLVS:
                extra.append(Tlv(tag=tag, value=_int_field(value)))
            elif value:
                extra.append(Tlv(tag=tag, value=value))
        if result.get("IMSI"):
            extra.append(Tlv(tag=_T.INFOBIP_IMSI, value=result["IMSI"].encode("ascii")))
        if result.get("MSC"):
            extra.append(Tlv(tag=_T.INFOBIP_MSC, value=result["MSC"].encode("ascii")))
        return (*tlvs, *extra)

    def receipt_fields(self, message: Message, change: StatusChange) -> dict[str, Any]:
        fields = super().receipt_fields(message, change)
        if "hlr" in message.extra:
            # The document's example: "addr: 0 0 38591xxxxxxx / addr: 0 0 0000000000".
            fields.update(
                source_addr_ton=0,
                source_addr_npi=0,
                dest_addr_ton=0,
                dest_addr_npi=0,
                destination_addr=message.sender or "0000000000",
            )
        return fields
