"""What an Infobip account may say to the legacy API v3: its options and quirk switches, and
their check. Apart from `v3.py` so that the fake checks its accounts without loading the API
(Infobip builds its v3 component on first use: `InfobipFake.v3`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from pytest_smsmock.errors import ConfigError

if TYPE_CHECKING:
    from pytest_smsmock.core.accounts import Account

__all__ = ["ACCOUNT_OPTIONS", "QUIRKS", "validate_v3_options"]

QUIRKS: dict[str, str] = {
    "documented_custom_id_xml": "XML send answers with custom ids exactly as printed: the second "
    "result loses its <result> tag and reads <status><0</status> (malformed XML)",
    "status_space": 'bad credentials answer "status":"- 1" in JSON (as the example shows) '
    "instead of -5",
    "json_messageId": 'JSON send answers use the key "messageId" (one example) instead of '
    '"messageid"',
    "padded_custom_ids": 'JSON send answers echo custom ids with spaces around: " clientmsgID "',
    "done_date_space": 'pushed DLRs spell the attribute "done date" (as the push sample; not '
    'well-formed XML) instead of "donedate"',
    "gsmerrcode": 'DLRs name the error attribute "gsmerrcode" (as the sample PHP reads) '
    'instead of "gsmerror"',
    "hlr_xml_double_gt": "sync Number Context XML writes <is_ported>>false and <num_ok>>true "
    "as printed",
}


#: The account options the v3 API reads (documented in `providers.infobip.fake`).
ACCOUNT_OPTIONS = frozenset(
    {
        "allowed_senders",
        "uncovered_prefixes",
        "price",
        "hlr_price",
        "hlr_results",
        "hlr_url",
        "hlr_delay",
        "quirks",
    }
)


def validate_v3_options(provider: str, account: Account, known: frozenset[str]) -> None:
    """Refuse unknown or malformed v3 account options (`known`: those every API of the fake
    reads)."""
    unknown = sorted(set(account.options) - known)
    if unknown:
        raise ConfigError(
            f"{provider}: unknown account option(s) {unknown}; known: {sorted(known)}"
        )
    quirks = account.options.get("quirks") or ()
    if isinstance(quirks, str) or not all(q in QUIRKS for q in quirks):
        raise ConfigError(f"{provider}: quirks must be a list of {sorted(QUIRKS)}, got {quirks!r}")
    for key in ("allowed_senders", "uncovered_prefixes"):
        value = account.options.get(key)
        if value is not None and (
            isinstance(value, str) or not all(isinstance(v, str) for v in value)
        ):
            raise ConfigError(f"{provider}: {key} must be a list of strings, got {value!r}")
    results = account.options.get("hlr_results")
    if results is not None:
        from pytest_smsmock.providers.infobip import hlr

        if not isinstance(results, Mapping):
            raise ConfigError(f"{provider}: hlr_results must map numbers to fields")
        for number, fields in results.items():
            try:
                hlr.normalise(fields)
            except (KeyError, AttributeError) as exc:
                raise ConfigError(
                    f"{provider}: hlr_results[{number!r}]: unknown field {exc}"
                ) from None
