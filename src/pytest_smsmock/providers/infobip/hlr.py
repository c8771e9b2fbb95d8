"""Number Context (HLR) results and their three answer formats (document 2.5-2.7).

A result is a flat mapping of the document's field names to strings. `resolve()` starts from a
plausible reachable subscriber and applies what the test configured for the number (fake-level
`hlr_results`, then the account's ``hlr_results`` option; the key ``"*"`` applies to every
number). Friendly aliases are accepted: ``imsi``, ``msc``, ``status``, ``error``, ``ported``,
``roaming`` (booleans become ``"true"``/``"false"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

__all__ = ["HLR_JSON_FIELDS", "HLR_STATS", "HLR_XML_FIELDS", "format_hlr", "resolve"]

HLR_STATS = ("DELIVRD", "UNDELIV", "UNKNOWN", "REJECTD")

# The json example's keys (also the async dlr= rows), in its order.
HLR_JSON_FIELDS = (
    "destination", "id", "stat", "IMSI", "MSC", "err", "mccmnc", "ppm", "onp", "ocp",
    "is_ported", "rnp", "rcp", "is_roaming", "pnp", "pcp",
)  # fmt: skip
# The xml example's elements, in its order.
HLR_XML_FIELDS = (
    "destination", "id", "stat", "IMSI", "MSC", "err", "hlr", "orn", "pon", "ron", "roc",
    "mccmnc", "rcn", "ppm", "onp", "ocn", "occ", "ocp", "is_ported", "rnp", "rcp", "num_ok",
)  # fmt: skip

_ALIASES = {
    "imsi": "IMSI",
    "msc": "MSC",
    "status": "stat",
    "error": "err",
    "ported": "is_ported",
    "roaming": "is_roaming",
    "number_ok": "num_ok",
}
_KNOWN = {f.lower(): f for f in (*HLR_JSON_FIELDS, *HLR_XML_FIELDS)}


def _defaults(destination: str) -> dict[str, str]:
    tail = destination[-9:].rjust(9, "0")
    return {
        "destination": destination,
        "stat": "DELIVRD",
        "IMSI": f"219019{tail}",
        "MSC": "3859804",
        "err": "0",
        "hlr": "3859812007",
        "orn": "T-Mobile HR",
        "pon": "T-Mobile HR",
        "ron": "T-Mobile HR",
        "roc": "HR",
        "mccmnc": "21901",
        "rcn": "Croatia",
        "ppm": "100",
        "onp": "98",
        "ocn": "Croatia",
        "occ": "HR",
        "ocp": "385",
        "is_ported": "false",
        "rnp": "98",
        "rcp": "385",
        "is_roaming": "false",
        "pnp": "",
        "pcp": "",
        "num_ok": "true",
    }


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def normalise(fields: Mapping[str, Any]) -> dict[str, str]:
    """Field names as the document spells them; raises KeyError naming an unknown field."""
    result: dict[str, str] = {}
    for key, value in fields.items():
        name = _ALIASES.get(key.lower()) or _KNOWN.get(key.lower())
        if name is None:
            raise KeyError(key)
        result[name] = _text(value)
    return result


def resolve(destination: str, *layers: Mapping[str, Mapping[str, Any]] | None) -> dict[str, str]:
    """The result for `destination`: defaults, then each layer's ``"*"`` and number entries."""
    result = _defaults(destination)
    configured: dict[str, str] = {}
    for layer in layers:
        if not layer:
            continue
        for key in ("*", destination):
            if key in layer:
                configured.update(normalise(layer[key]))
    stat = configured.get("stat", "DELIVRD").upper()
    if stat != "DELIVRD":
        # No subscriber data comes back for a failed query unless the test gave some.
        for name in ("IMSI", "MSC", "hlr", "ron", "roc", "rcn", "rnp", "rcp"):
            result[name] = ""
        result["err"] = "1" if stat == "UNDELIV" else "0"
        result["num_ok"] = "false" if stat == "UNDELIV" else "true"
    result.update(configured)
    result["stat"] = stat
    result["destination"] = destination
    return result


def format_hlr(result: Mapping[str, str], output: str, *, double_gt: bool = False) -> str:
    """``json``, ``xml`` or the comma-separated default (in the json example's field order)."""
    if output == "json":
        return json.dumps({k: result.get(k, "") for k in HLR_JSON_FIELDS}, separators=(",", ":"))
    if output == "xml":
        lines = ['<?xml version="1.0" encoding="utf-8"?>', "<hlr>"]
        for key in HLR_XML_FIELDS:
            gt = ">>" if double_gt and key in ("is_ported", "num_ok") else ">"
            lines.append(f"<{key}{gt}{escape(result.get(key, ''))}</{key}>")
        lines.append("</hlr>")
        return "\n".join(lines) + "\n"
    return ",".join(result.get(k, "") for k in HLR_JSON_FIELDS)
