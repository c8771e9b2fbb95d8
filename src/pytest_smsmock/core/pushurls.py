"""Push URLs a client gives per request (Infobip ``pushurl`` / ``notifyUrl``, MiMSMS
``notifyUrl``, SMSC.ru and Broadnet callback parameters), found and replaced.

Pure: a recording proxy rewrites them to its own receiver before forwarding a request, so the
provider's pushes come back through it. A parameter is a push URL when its name says so (it
contains one of `PUSH_WORDS`) and its value is an http(s) URL. Nothing else in the request
changes; a request without one keeps its bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["PUSH_WORDS", "is_push_param", "rewrite_push_urls"]

PUSH_WORDS = ("url", "callback", "notify", "webhook", "hook")

Replace = Callable[[str], str]


def is_push_param(name: str, value: object) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(("http://", "https://"))
        and any(word in name.lower() for word in PUSH_WORDS)
    )


def _form(text: str, replace: Replace) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    if not any(is_push_param(k, v) for k, v in pairs):
        return text
    return urlencode([(k, replace(v) if is_push_param(k, v) else v) for k, v in pairs])


def _json(value: Any, replace: Replace) -> tuple[Any, bool]:
    changed = False
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if is_push_param(str(key), item):
                out[key], changed = replace(item), True
            else:
                out[key], sub = _json(item, replace)
                changed = changed or sub
        return out, changed
    if isinstance(value, list):
        items = [_json(item, replace) for item in value]
        return [i for i, _ in items], any(c for _, c in items)
    return value, False


_XML = re.compile(r"<(\w*(?:url|callback|notify|hook)\w*)>(https?://[^<]*)</\1>", re.IGNORECASE)


def rewrite_push_urls(
    query: str, body: bytes, content_type: str, replace: Replace
) -> tuple[str, bytes]:
    """(query, body) with every push URL `u` replaced by `replace(u)`."""
    query = _form(query, replace) if query else query
    if not body:
        return query, body
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return query, body
    kind = content_type.lower()
    stripped = text.lstrip()
    if "json" in kind or stripped[:1] in "{[":
        try:
            parsed = json.loads(text)
        except ValueError:
            return query, body
        rewritten, changed = _json(parsed, replace)
        return query, json.dumps(rewritten).encode("utf-8") if changed else body
    if "xml" in kind or stripped.startswith("<"):
        new = _XML.sub(lambda m: f"<{m.group(1)}>{replace(m.group(2))}</{m.group(1)}>", text)
        return query, new.encode("utf-8")
    if "=" in text:
        return query, _form(text, replace).encode("utf-8")
    return query, body
