"""What the JSON and XML APIs share once their documents are parsed: campaigns and enquiries,
answered with the status codes of the document's table.

Where the document is silent:

- a campaign without `format` is format 1; a `format` other than 1 or 2 is 002;
- format 1 takes `gsm` numbers or address-book `group`s (with `limit` per group); format 2 takes
  `custom` entries, each with its own `gsm` and `text`;
- a campaign of more than 10000 numbers is 002 (the POST limit of the websmpp API);
- bad or uncovered numbers do not fail a campaign that has other numbers: they appear in its
  status report with their code (005, 006) and no message id, as in the XML example;
- an enquiry for a batch of another account is 053, like an unknown one;
- the codes 060..063 (recharge amount, operation, mode, target user) answer a recharge call the
  document never shows (no URL, no parameters): the fake offers none, so nothing answers them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.providers.broadnet import ids
from pytest_smsmock.providers.broadnet.model import Batch, BroadnetModel
from pytest_smsmock.providers.broadnet.options import AccountSettings
from pytest_smsmock.providers.broadnet.status import Rejection, reported_status
from pytest_smsmock.providers.broadnet.submit import Recipient, check_sender, parse_type, submit

if TYPE_CHECKING:
    from pytest_smsmock.scenario.faults import HttpFault, SmppFault

__all__ = ["Campaign", "Credentials", "ReportLine", "enquire", "report", "run"]

MAX_NUMBERS = 10000


@value_class
class Credentials:
    username: str | None = None
    password: str | None = None
    accesskey: str | None = None

    def login(self, fake: BroadnetModel, ip: str | None) -> tuple[Account, AccountSettings]:
        if not self.accesskey and (not self.username or not self.password):
            raise Rejection("HTTP02", "002", "username and password, or accesskey, are required")
        return fake.login(self.username, self.password, self.accesskey, ip)


@value_class
class Campaign:
    credentials: Credentials
    format: str | None = None
    sender: str | None = None
    type: str | None = None
    text: str | None = None
    gsm: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    limit: str | None = None
    custom: tuple[tuple[str | None, str | None], ...] = ()


@value_class
class ReportLine:
    request_status: str
    dlr_status: str
    messageid: str
    msisdn: str


def _required(value: str | None, name: str) -> str:
    if value is None or value.strip() == "":
        raise Rejection("HTTP02", "002", f"{name} is missing")
    return value


def _limit(raw: str | None) -> int | None:
    if raw is None or raw.strip() == "":
        return None
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or int(text) < 1:
        raise Rejection("HTTP02", "002", f"limit {raw!r} is not a positive number")
    return int(text)


def run(
    fake: BroadnetModel, campaign: Campaign, *, api: str, ip: str | None
) -> tuple[Batch | None, HttpFault | SmppFault | None]:
    """Submit a campaign; returns its batch (stored for enquiries; None when a scenario fault
    stands instead of the answer) and the fault it met. Raises `Rejection`."""
    account, config = campaign.credentials.login(fake, ip)
    form = (campaign.format or "1").strip()
    if form not in ("1", "2"):
        raise Rejection("HTTP02", "002", f"format {campaign.format!r} is not 1 or 2")
    sender = check_sender(_required(campaign.sender, "sender"), config)
    mtype = parse_type(_required(campaign.type, "type"))
    recipients: list[Recipient] = []
    if form == "1":
        text = _required(campaign.text, "text")
        numbers = list(campaign.gsm)
        limit = _limit(campaign.limit)
        for name in campaign.groups:
            if name not in config.groups:
                raise Rejection("HTTP09", "005", f"no address-book group {name!r}")
            members = list(config.groups[name])
            numbers.extend(members if limit is None else members[:limit])
        if not campaign.gsm and not campaign.groups:
            raise Rejection("HTTP02", "002", "format 1 needs gsm numbers or groups")
        recipients = [Recipient(msisdn=n, text=text) for n in numbers]
    else:
        if not campaign.custom:
            raise Rejection("HTTP02", "002", "format 2 needs custom entries")
        for gsm, custom_text in campaign.custom:
            recipients.append(
                Recipient(
                    msisdn=_required(gsm, "custom gsm"),
                    text=_required(custom_text, "custom text"),
                )
            )
    if len(recipients) > MAX_NUMBERS:
        raise Rejection("HTTP24", "002", f"{len(recipients)} numbers; at most {MAX_NUMBERS}")
    batch_id = fake.new_batch_id(api, fake.clock.now())
    entries, fault = submit(
        fake,
        account=account,
        settings=config,
        sender=sender,
        recipients=recipients,
        mtype=mtype,
        api=api,
        per_number=True,
        batch_id=batch_id,
    )
    if not entries:
        return None, fault
    batch = Batch(batch_id=batch_id, api=api, account=account.username, entries=entries)
    fake.batches[batch_id] = batch
    return batch, fault


def enquire(
    fake: BroadnetModel, credentials: Credentials, batch_id: str | None, *, api: str, ip: str | None
) -> Batch:
    account, _ = credentials.login(fake, ip)
    wanted = _required(batch_id, "batch_id").strip()
    if not ids.valid_batch_id(wanted, api):
        raise Rejection(
            "HTTP08", "052", f"{wanted!r} is not a {ids.BATCH_ID_LENGTHS[api]}-digit batch id"
        )
    batch = fake.batches.get(wanted)
    if batch is None or batch.account != account.username:
        raise Rejection("HTTP25", "053", f"no batch {wanted}")
    return batch


def report(fake: BroadnetModel, batch: Batch) -> list[ReportLine]:
    lines = []
    for entry in batch.entries:
        message = fake.messages.get(entry.message_id) if entry.message_id else None
        lines.append(
            ReportLine(
                request_status=entry.code,
                dlr_status=reported_status(message) if message is not None else "",
                messageid=entry.message_id or "",
                msisdn=entry.msisdn,
            )
        )
    return lines
