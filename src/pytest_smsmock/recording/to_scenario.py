"""From a cassette to a scenario that reproduces it with the fakes' own logic.

- DLR timelines: per message (``exact``: one rule per message, in order, ``times: 1``) or per
  destination prefix (the first `PREFIX` digits): the steps at their median delays and the
  final outcomes weighted as observed; ``fit`` draws the delays from a lognormal fitted to the
  observations (median, sigma of the logs, max) instead of the median.
- refusals: an SMPP submit_sm_resp with an error status, ``respond: {status: N}``; an HTTP send
  the provider refused, in its own vocabulary (`providers/recorded.py` reads each provider's
  answers): ``respond: {status: -13}``, ``{status: REJECTED_DESTINATION}``, ``{status: HTTP23}``,
  ``{status: 7}``, one rule per refused destination (the first one for a refusal of the whole
  request), ``times: 1`` each, in the order they happened.
- Transport faults seen over HTTP (a socket fault, a 5xx answer): ``faults:`` on that path at
  the same occurrence (``nth``).

The scenario passes `smsmock validate` (a test checks it).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl

import yaml

from pytest_smsmock.providers.recorded import refusals
from pytest_smsmock.recording.cassette import Cassette, HttpExchange, MessageRecord, SmppPdu

__all__ = ["PREFIX", "to_scenario"]

PREFIX = 5

_SOCKET_FAULTS = {
    "connection_reset": "connection_reset",
}


def _duration(seconds: float) -> str:
    if seconds >= 1 and float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{max(0, round(seconds * 1000))}ms"


def _steps(message: MessageRecord) -> list[tuple[float, str, Any]]:
    """(delay from the previous step, status, error) of a message's timeline."""
    out = []
    previous = 0.0
    for status in message.statuses:
        if status.status == "accepted":
            continue
        out.append((max(0.0, status.after - previous), status.status, status.error))
        previous = status.after
    return out


def _step(after: Any, status: Any, error: Any) -> dict[str, Any]:
    step: dict[str, Any] = {"after": after, "status": status}
    if error not in (None, 0, "0", ""):
        step["error"] = error
    return step


def _delay(values: list[float], fit: bool) -> Any:
    if not fit or len(set(values)) == 1:
        return _duration(statistics.median(values))
    logs = [math.log(max(v, 0.001)) for v in values]
    median = math.exp(statistics.median(logs))
    sigma = statistics.pstdev(logs)
    return {
        "lognormal": {
            "median": _duration(median),
            "sigma": round(sigma, 3),
            "max": _duration(max(values)),
        }
    }


def _group_rules(messages: Iterable[MessageRecord], fit: bool) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str, int], list[list[tuple[float, str, Any]]]] = defaultdict(list)
    for message in messages:
        steps = _steps(message)
        key = (message.provider, message.to.lstrip("+")[:PREFIX], len(steps))
        groups[key].append(steps)
    rules = []
    for (provider, prefix, length), timelines in groups.items():
        dlr = []
        for position in range(length):
            delays = [t[position][0] for t in timelines]
            outcomes = Counter((t[position][1], t[position][2]) for t in timelines)
            statuses = Counter(t[position][1] for t in timelines)
            errors = {error for _, error in outcomes if error not in (None, 0, "0", "")}
            status: Any = next(iter(statuses))
            if len(statuses) > 1:
                total = sum(statuses.values())
                status = {s: round(n / total, 4) for s, n in statuses.items()}
            error = next(iter(errors)) if len(errors) == 1 else None
            dlr.append(_step(_delay(delays, fit), status, error))
        rules.append(
            {
                "name": f"{len(timelines)} message(s) to {prefix}*",
                "match": {"provider": provider, "to": f"{prefix}*"},
                "dlr": dlr,
            }
        )
    return rules


def _exact_rules(messages: Iterable[MessageRecord]) -> list[dict[str, Any]]:
    return [
        {
            "name": f"message {m.message_id}",
            "match": {"provider": m.provider, "to": m.to},
            "times": 1,
            "dlr": [_step(_duration(d), s, e) for d, s, e in _steps(m)],
        }
        for m in messages
    ]


def _params(item: HttpExchange) -> dict[str, str]:
    """The request's query and form fields, and its raw body under ``""``."""
    params = dict(parse_qsl(item.query, keep_blank_values=True))
    content_type = next((v for k, v in item.headers if k.lower() == "content-type"), "")
    body = item.body.decode("utf-8", "replace")
    if "x-www-form-urlencoded" in content_type:
        params.update(parse_qsl(body, keep_blank_values=True))
    params[""] = body
    return params


def _http_refusals(item: HttpExchange) -> list[dict[str, Any]]:
    return [
        {
            "name": f"refused {answer}",
            "match": {"provider": item.provider, "protocol": "http", "to": to},
            "times": 1,
            "respond": {"status": answer},
        }
        for to, answer in refusals(item.provider, item.path, _params(item), item.response_body)
    ]


def _refusals(cassette: Cassette) -> list[dict[str, Any]]:
    from pytest_smsmock.smpp.codec import decode
    from pytest_smsmock.smpp.errors import SmppError

    rules = []
    submits: dict[tuple[str, int, int], SmppPdu] = {}
    for item in cassette.interactions:
        if isinstance(item, HttpExchange):
            if item.fault is None and item.status < 500:
                rules += _http_refusals(item)
            continue
        if not isinstance(item, SmppPdu):
            continue
        command = int.from_bytes(item.data[4:8], "big")
        if item.direction == "in" and command == 0x04:
            submits[(item.provider, item.session, item.sequence)] = item
        elif item.direction == "out" and command == 0x80000004 and item.status != 0:
            submit = submits.get((item.provider, item.session, item.sequence))
            if submit is None:
                continue
            try:
                to = str(getattr(decode(submit.data), "destination_addr", ""))
            except SmppError:
                continue
            rules.append(
                {
                    "name": f"refused 0x{item.status:08X}",
                    "match": {"provider": item.provider, "protocol": "smpp", "to": to},
                    "times": 1,
                    "respond": {"status": item.status},
                }
            )
    return rules


def _faults(cassette: Cassette) -> list[dict[str, Any]]:
    faults = []
    seen: Counter[tuple[str, str]] = Counter()
    for item in cassette.interactions:
        if not isinstance(item, HttpExchange):
            continue
        seen[(item.provider, item.path)] += 1
        on = f"{item.provider}:http:{item.path}"
        nth = seen[(item.provider, item.path)]
        if item.fault is not None:
            faults.append({"on": on, "nth": nth, "kind": item.fault})
        elif item.status >= 500:
            faults.append({"on": on, "nth": nth, "kind": "http_status", "status": item.status})
    return faults


def to_scenario(cassette: Cassette, *, exact: bool = False, fit: bool = False) -> str:
    """The scenario (YAML text) that reproduces `cassette`; see the module docstring."""
    messages = [m for m in cassette.messages if m.statuses or exact]
    rules = _refusals(cassette)
    rules += _exact_rules(messages) if exact else _group_rules(messages, fit)
    data: dict[str, Any] = {
        "version": 1,
        "description": f"from the cassette {cassette.origin or cassette.source}".strip(),
    }
    if cassette.start is not None:
        data["start"] = cassette.start.isoformat()
    if rules:
        data["rules"] = rules
    faults = _faults(cassette)
    if faults:
        data["faults"] = faults
    header = (
        "# Written by `smsmock cassette to-scenario`"
        + (" --exact" if exact else "")
        + (" --fit" if fit else "")
        + "\n"
    )
    return header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
