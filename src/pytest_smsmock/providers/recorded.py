"""Reading a provider's refusals back from a recorded HTTP exchange (for `to-scenario`).

`refusals(provider, path, params, answer)` gives, for a send the provider refused, the
destination and the provider-native answer a scenario's ``respond:`` reproduces it with, in
each provider's own vocabulary (what its `refuse` reads back through `scenario_answer`):

- Infobip API v3 (and MiMSMS's copy): one result per recipient, a status code other than 0
  (``-13``); XML, JSON, or the plain legacy answer (``id`` or ``-N`` per number, in order);
- Infobip's REST APIs (and MiMSMS v1): ``messages[].status`` of the REJECTED group, by name;
- Broadnet: the whole request, ``ERROR - HTTPnn`` (websmpp) or a JSON/XML status other than
  000, on its first destination (the rule that answers it refuses the request);
- SMSC.ru: the whole request, its error code, on its first phone.

A refusal from the provider's own validation reads the same way; a rule for it is harmless (the
provider refuses before the scenario is asked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

__all__ = ["refusals"]

_NUMBER_SPLIT = re.compile(r"[,;\s]+")
_XML_RESULT = re.compile(
    rb"<(?:status|result)>\s*<?(-?\d+)\s*</status>.*?<destination>([^<]*)</destination>", re.S
)
_SMSC_ERROR = re.compile(r"(?:ERROR = |^\d+,-|<error_code>)(\d+)")
_BROADNET_HTTP = re.compile(r"ERROR - (HTTP\d\d)")
_BROADNET_XML = re.compile(r"<status>(\d{3})</status>")
_CAMPAIGN_GSM = re.compile(r"<gsm>([^<]+)</gsm>|\"gsm\"\s*:\s*\[\s*\"([^\"]+)")


def _numbers(raw: str | None) -> list[str]:
    return [n for n in _NUMBER_SPLIT.split(raw or "") if n]


def _json(answer: bytes) -> Any:
    try:
        return json.loads(answer)
    except ValueError:
        return None


def _infobip(path: str, params: Mapping[str, str], answer: bytes) -> list[tuple[str, object]]:
    lowered = path.lower()
    if "/sendsms/" in lowered:
        document = _json(answer)
        if isinstance(document, dict) and isinstance(document.get("results"), list):
            return [
                (str(r.get("destination", "")), int(r["status"]))
                for r in document["results"]
                if isinstance(r, dict) and str(r.get("status", "0")).lstrip("-").isdigit()
                and int(r["status"]) != 0 and r.get("destination")
            ]  # fmt: skip
        found: list[tuple[str, object]] = [
            (d.decode(), int(s)) for s, d in _XML_RESULT.findall(answer) if int(s) != 0
        ]
        if found or b"<" in answer:
            return found
        # The legacy plain answer: an id or -N per number, in the order of GSM.
        numbers = _numbers(params.get("GSM") or params.get("gsm"))
        codes = answer.decode("utf-8", "replace").strip().split(",")
        return [(n, int(c)) for n, c in zip(numbers, codes, strict=False) if c.startswith("-")]
    document = _json(answer)
    if not isinstance(document, dict) or not isinstance(document.get("messages"), list):
        return []
    out: list[tuple[str, object]] = []
    for message in document["messages"]:
        status = message.get("status") if isinstance(message, dict) else None
        if isinstance(status, dict) and status.get("groupName") == "REJECTED" and message.get("to"):
            out.append((str(message["to"]), str(status.get("name"))))
    return out


def _broadnet(path: str, params: Mapping[str, str], answer: bytes) -> list[tuple[str, object]]:
    text = answer.decode("utf-8", "replace")
    code: str | None = None
    numbers = _numbers(params.get("mno"))
    found = _BROADNET_HTTP.search(text)
    if found:
        code = found.group(1)
    elif "/json/" in path or "xmlsms" in path:
        document = _json(answer)
        if isinstance(document, dict):
            status = (document.get("response") or {}).get("status")
        else:
            match = _BROADNET_XML.search(text)
            status = match.group(1) if match else None
        code = status if status and status != "000" else None
        pairs: list[tuple[str, str]] = _CAMPAIGN_GSM.findall(params.get("", ""))
        numbers = [xml or js for xml, js in pairs]
    return [(numbers[0], code)] if code and numbers else []


def _smsc(path: str, params: Mapping[str, str], answer: bytes) -> list[tuple[str, object]]:
    if "send.php" not in path:
        return []
    found = _SMSC_ERROR.search(answer.decode("utf-8", "replace"))
    document = _json(answer)
    code = None
    if isinstance(document, dict) and "error_code" in document:
        code = int(document["error_code"])
    elif found:
        code = int(found.group(1))
    phones = _numbers(params.get("phones"))
    return [(phones[0], code)] if code and phones else []


_READERS = {
    "infobip": _infobip,
    "mimsms": _infobip,
    "broadnet": _broadnet,
    "smsc": _smsc,
}


def refusals(
    provider: str, path: str, params: Mapping[str, str], answer: bytes
) -> list[tuple[str, object]]:
    """(destination, native answer) for each refusal the recorded answer shows. `params` holds
    the request's query and form fields, and its raw body under the key ``""``."""
    reader = _READERS.get(provider)
    return reader(path, params, answer) if reader is not None else []
