"""Replaying a cassette: the fakes answer recorded requests with the recorded bytes.

A `Replayer` is the hub's `core.tap.Replay`. `ProviderFake.dispatch` and the SMPP session ask
it first; when a request matches a recorded one it returns the recorded answer (the fake never
sees the request) and schedules, on the virtual clock, what followed that request in the
recording (pushes to the client, SMPP receipts) at the same offsets after it. A test moves
time with `clock.advance()` exactly as with live fakes.

Matching (after VCR.py): provider, listener, method, path and the request's significant
fields (query, form, JSON or the raw body; SMPP: the decoded submit fields), never credentials,
timestamps or push URLs (a push URL given in the request is mapped onto the live one, so the
push reaches the client's receiver of today). Each recorded interaction answers once.

Modes: ``strict`` (default) answers an unmatched request with an error and fails the test at
teardown (`finish()`) with VCR's near-miss report: the nearest recorded request and each field
that differs, then the recorded requests never used. ``ordered`` is strict and also wants the
recorded order. ``lenient`` lets unmatched requests through to the fakes and reports nothing.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.core.frozen import value_class
from pytest_smsmock.errors import ConfigError, SmsMockAssertionError
from pytest_smsmock.recording.cassette import Cassette, HttpExchange, Interaction, Push, SmppPdu
from pytest_smsmock.recording.redact import MARK, SECRET_FIELDS
from pytest_smsmock.smpp.codec import decode, encode
from pytest_smsmock.smpp.constants import CommandStatus
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import DeliverSm, error_response

if TYPE_CHECKING:
    from pytest_smsmock.clock import VirtualClock
    from pytest_smsmock.providers.base import ProviderFake

__all__ = ["MODES", "ReplayMismatch", "Replayer", "http_fields", "smpp_fields"]

MODES = ("strict", "lenient", "ordered")

#: Request fields that never take part in matching (besides credentials): they change by
#: themselves from run to run.
TIMESTAMP_FIELDS = frozenset(
    {"time", "timestamp", "date", "datetime", "nonce", "_", "sendat", "send_at", "schedule"}
)
#: SMPP fields a submit is not matched on.
SMPP_IGNORED = frozenset({"sequence_number", "schedule_delivery_time", "validity_period"})
#: SMPP requests of the ESME that a replay answers (binds, enquire_link, unbind: the fake).
SMPP_MATCHED = frozenset({0x04, 0x21, 0x103, 0x03, 0x08, 0x07})

Headers = tuple[tuple[str, str], ...]


class ReplayMismatch(SmsMockAssertionError):
    """A strict replay met requests it has no recording of, or left recordings unused."""


# -- significant fields ---------------------------------------------------------------------------


def _flatten(value: Any, prefix: str, out: dict[str, str]) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            _flatten(item, f"{prefix}.{key}", out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}[{index}]", out)
    else:
        out[prefix] = json.dumps(value) if not isinstance(value, str) else value


def _name(key: str) -> str:
    last = key.rpartition(".")[2]
    return last.partition("[")[0].lower()


def http_fields(
    method: str,
    path: str,
    query: str,
    headers: Headers,
    body: bytes,
    *,
    ignore: frozenset[str] = frozenset(),
) -> tuple[dict[str, str], dict[str, str]]:
    """(fields compared, push URLs given) of one request; see the module docstring."""
    found: dict[str, str] = {"method": method.upper(), "path": path}
    for index, (key, value) in enumerate(parse_qsl(query, keep_blank_values=True)):
        name = f"query.{key}" if f"query.{key}" not in found else f"query.{key}[{index}]"
        found[name] = value
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "").lower()
    text = body.decode("utf-8", "replace")
    stripped = text.strip()
    if stripped:
        parsed: Any = None
        if "json" in content_type or stripped[:1] in "{[":
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
        if parsed is not None:
            _flatten(parsed, "body", found)
        elif "form" in content_type or (
            "=" in stripped and "<" not in stripped and " " not in stripped
        ):
            for index, (key, value) in enumerate(parse_qsl(text, keep_blank_values=True)):
                name = f"body.{key}" if f"body.{key}" not in found else f"body.{key}[{index}]"
                found[name] = value
        else:
            found["body"] = text
    skip = SECRET_FIELDS | TIMESTAMP_FIELDS | {i.lower() for i in ignore}
    compared: dict[str, str] = {}
    urls: dict[str, str] = {}
    for key, value in found.items():
        if key in ("method", "path"):
            compared[key] = value
        elif _name(key) in skip or key.lower() in skip or value == MARK:
            continue
        elif value.startswith(("http://", "https://")):
            urls[key] = value
        else:
            compared[key] = value
    return compared, urls


def smpp_fields(data: bytes) -> dict[str, str]:
    """The decoded fields of an SMPP request a replay matches on."""
    try:
        pdu = decode(data)
    except SmppError:
        return {"hex": data.hex()}
    out = {"command": pdu.command_id.name.lower()}
    for item in dataclasses.fields(pdu):
        if item.name in SMPP_IGNORED:
            continue
        value = getattr(pdu, item.name)
        out[item.name] = value.hex() if isinstance(value, bytes) else str(value)
    return out


def _diff(recorded: Mapping[str, str], live: Mapping[str, str]) -> list[str]:
    out = []
    for key in dict.fromkeys([*recorded, *live]):
        if recorded.get(key) != live.get(key):
            was = repr(recorded[key]) if key in recorded else "(absent)"
            now = repr(live[key]) if key in live else "(absent)"
            out.append(f"{key}: recorded {was}, got {now}")
    return out


# -- the replayer ---------------------------------------------------------------------------------


@value_class
class Miss:
    """A request no recording answered, with the nearest one and how it differs."""

    what: str
    at: float
    nearest: int | None
    differences: tuple[str, ...]


class Replayer:
    """Answers for the fakes from one cassette; see the module docstring."""

    def __init__(
        self,
        cassette: Cassette,
        *,
        fakes: Mapping[str, ProviderFake],
        clock: VirtualClock,
        mode: str = "strict",
        urls: Mapping[str, str] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ConfigError(f"replay mode must be one of {', '.join(MODES)}, not {mode!r}")
        self.cassette = cassette
        self.mode = mode
        self.strict = mode != "lenient"
        self.ordered = mode == "ordered"
        self.fakes = fakes
        self.clock = clock
        self.urls = dict(urls or {})
        self.origin = clock.now()
        self._ignore = frozenset(cassette.match_ignore)
        self._lock = threading.Lock()
        self._used: set[int] = set()
        self.misses: list[Miss] = []
        items = cassette.interactions
        self._followers: dict[int | None, list[int]] = {}
        for index, item in enumerate(items):
            if isinstance(item, Push) or (
                isinstance(item, SmppPdu)
                and item.direction == "out"
                and int.from_bytes(item.data[4:8], "big") == 0x05  # deliver_sm
            ):
                self._followers.setdefault(item.follows, []).append(index)
        #: Requests a replay answers, in recorded order.
        self._requests = [
            i
            for i, x in enumerate(items)
            if isinstance(x, HttpExchange)
            or (
                isinstance(x, SmppPdu)
                and x.direction == "in"
                and int.from_bytes(x.data[4:8], "big") in SMPP_MATCHED
            )
        ]
        self._http_fields: dict[int, tuple[dict[str, str], dict[str, str]]] = {}
        # What followed no request (an MO push, a receipt of no recorded submit) happens at its
        # offset from the start of the replay.
        for index in self._followers.get(None, []):
            self._schedule(index, self.origin + timedelta(seconds=items[index].at))

    # -- HTTP -------------------------------------------------------------------------------
    def _recorded_http(self, index: int) -> tuple[dict[str, str], dict[str, str]]:
        found = self._http_fields.get(index)
        if found is None:
            item = self.cassette.interactions[index]
            assert isinstance(item, HttpExchange)
            found = self._http_fields[index] = http_fields(
                item.method, item.path, item.query, item.headers, item.body, ignore=self._ignore
            )
        return found

    def http(
        self,
        provider: str,
        listener: str,
        request: tuple[str, str, bytes, Headers, bytes],
    ) -> tuple[int, Headers, bytes, str | None] | None:
        method, path, query, headers, body = request
        live, live_urls = http_fields(
            method, path, query.decode("latin-1"), headers, body, ignore=self._ignore
        )
        items = self.cassette.interactions

        def key(index: int) -> Any:
            item = items[index]
            if not isinstance(item, HttpExchange) or item.provider != provider:
                return None
            if item.listener != listener:
                return None
            return self._recorded_http(index)[0]

        found = self._take(live, key)
        target = path + (f"?{query.decode('latin-1')}" if query else "")
        if found is None:
            self._miss(f"{provider} {method} {target}", live, key)
            if not self.strict:
                return None
            text = (
                f"smsmock: no recorded interaction matches {method} {target} "
                f"(strict replay of {self.cassette.origin or 'a cassette'}); "
                "the test fails at teardown with the nearest recorded request"
            )
            return 500, (("Content-Type", "text/plain; charset=utf-8"),), text.encode(), None
        item = items[found]
        assert isinstance(item, HttpExchange)
        mapping = dict(self.urls)
        recorded_urls = self._recorded_http(found)[1]
        for name, url in recorded_urls.items():
            if name in live_urls:
                mapping[url] = live_urls[name]
        self._follow(found, mapping)
        return item.status, item.response_headers, item.response_body, item.fault

    # -- SMPP -------------------------------------------------------------------------------
    def smpp(self, provider: str, listener: str, session: int, request: bytes) -> bytes | None:
        command = int.from_bytes(request[4:8], "big")
        if command not in SMPP_MATCHED:
            return None
        live = smpp_fields(request)
        items = self.cassette.interactions

        def key(index: int) -> Any:
            item = items[index]
            if not isinstance(item, SmppPdu) or item.provider != provider:
                return None
            return smpp_fields(item.data)

        found = self._take(live, key)
        sequence = request[12:16]
        if found is None:
            self._miss(f"{provider} smpp {live['command']}", live, key)
            if not self.strict:
                return None
            return encode(
                error_response(command, int.from_bytes(sequence, "big"), CommandStatus.ESME_RSYSERR)
            )
        response = self._response_of(found)
        self._follow(found, dict(self.urls))
        if response is None:  # recorded without its answer (the session broke): answer nothing
            return encode(
                error_response(command, int.from_bytes(sequence, "big"), CommandStatus.ESME_RSYSERR)
            )
        return response[:12] + sequence + response[16:]

    def _response_of(self, index: int) -> bytes | None:
        items = self.cassette.interactions
        request = items[index]
        assert isinstance(request, SmppPdu)
        want = int.from_bytes(request.data[4:8], "big") | 0x80000000
        for item in items[index + 1 :]:
            if (
                isinstance(item, SmppPdu)
                and item.direction == "out"
                and item.provider == request.provider
                and item.session == request.session
                and item.sequence == request.sequence
                and int.from_bytes(item.data[4:8], "big") in (want, 0x80000000)
            ):
                return item.data
        return None

    # -- matching -----------------------------------------------------------------------------
    def _take(self, live: Mapping[str, str], key: Callable[[int], Any]) -> int | None:
        with self._lock:
            for index in self._candidates():
                recorded = key(index)
                if recorded is not None and recorded == live:
                    self._used.add(index)
                    return index
        return None

    def _candidates(self) -> Iterator[int]:
        unused = [i for i in self._requests if i not in self._used]
        return iter(unused[:1] if self.ordered else unused)

    def _miss(self, what: str, live: Mapping[str, str], key: Callable[[int], Any]) -> None:
        best: tuple[int, int, list[str]] | None = None
        with self._lock:
            pool = list(self._candidates()) if self.ordered else list(self._requests)
        for index in pool:
            recorded = key(index)
            if recorded is None:
                continue
            differences = _diff(recorded, live)
            weight = len(differences) + 100 * sum(
                1 for d in differences if d.startswith(("method:", "path:", "command:"))
            )
            weight += 1000 if index in self._used else 0
            if best is None or weight < best[0]:
                best = (weight, index, differences)
        at = (self.clock.now() - self.origin).total_seconds()
        with self._lock:
            self.misses.append(
                Miss(
                    what=what,
                    at=at,
                    nearest=None if best is None else best[1],
                    differences=tuple(best[2]) if best is not None else (),
                )
            )

    # -- what followed a request --------------------------------------------------------------
    def _follow(self, index: int, mapping: Mapping[str, str]) -> None:
        items = self.cassette.interactions
        now = self.clock.now()
        for follower in self._followers.get(index, []):
            delay = max(0.0, items[follower].at - items[index].at)
            self._schedule(follower, now + timedelta(seconds=delay), mapping)

    def _schedule(
        self, index: int, when: datetime, mapping: Mapping[str, str] | None = None
    ) -> None:
        self.clock.call_at(
            when,
            lambda: self._fire(index, mapping or self.urls),
            label=f"replay:interactions[{index}]",
        )

    def _fire(self, index: int, mapping: Mapping[str, str]) -> None:
        item = self.cassette.interactions[index]
        fake = self.fakes.get(item.provider)
        if fake is None:
            return
        if isinstance(item, Push):
            fake.callbacks.send(
                CallbackRequest(
                    method=item.method,
                    url=self._push_url(fake, item, mapping),
                    body=item.body,
                    headers=item.headers,
                    kind=item.kind,
                    ref=item.ref,
                )
            )
        elif isinstance(item, SmppPdu):
            self._deliver(fake, item)

    def _push_url(self, fake: ProviderFake, push: Push, mapping: Mapping[str, str]) -> str:
        """The recorded URL, with a URL the live request gave in place of the recorded one,
        else the same path on a URL of the fake's accounts (the test's receiver today)."""
        url = push.url
        for recorded, live in sorted(mapping.items(), key=lambda kv: -len(kv[0])):
            if url.startswith(recorded):
                return live + url[len(recorded) :]
        path = urlsplit(url).path
        for account in fake.accounts:
            for candidate in (account.dlr_url, account.mo_url):
                if candidate and urlsplit(candidate).path == path:
                    return candidate + url[len(url.split("?")[0]) :]
        return url

    def _deliver(self, fake: ProviderFake, item: SmppPdu) -> None:
        from pytest_smsmock.providers.smpp_common import Outbound, SmppService

        service = fake.smpp
        pdu = decode(item.data)
        if not isinstance(service, SmppService) or not isinstance(pdu, DeliverSm):
            return
        fields = {
            f.name: getattr(pdu, f.name)
            for f in dataclasses.fields(pdu)
            if f.name != "sequence_number"
        }
        kind = "dlr" if item.follows is not None else "mo"
        service.enqueue(Outbound(kind=kind, key="*", ref=f"replay:{item.at:g}", fields=fields))

    # -- the verdict ----------------------------------------------------------------------------
    def unused(self) -> list[int]:
        with self._lock:
            return [i for i in self._requests if i not in self._used]

    def report(self) -> str | None:
        """The near-miss report of a strict replay, or None when all went as recorded."""
        if not self.strict:
            return None
        with self._lock:
            misses = list(self.misses)
        unused = self.unused()
        if not misses and not unused:
            return None
        items = self.cassette.interactions
        name = self.cassette.origin or "<cassette>"
        lines = [f"smsmock: replay of {name} ({self.mode}):"]
        if misses:
            lines[0] += f" {len(misses)} request(s) matched no recorded interaction"
            for miss in misses:
                lines.append(f"  - {miss.what} at +{miss.at:g}s")
                if miss.nearest is None:
                    lines.append("    no recorded request of this provider and kind")
                    continue
                label = "expected next" if self.ordered else "nearest recorded"
                lines.append(
                    f"    {label}: interactions[{miss.nearest}] {_describe(items[miss.nearest])}"
                )
                lines.extend(f"      {d}" for d in miss.differences[:8])
                if len(miss.differences) > 8:
                    lines.append(f"      ... and {len(miss.differences) - 8} more difference(s)")
        else:
            lines[0] += " every request matched"
        if unused:
            lines.append(f"  unused recorded interactions ({len(unused)}):")
            lines.extend(
                f"  - interactions[{i}] {_describe(items[i])} at +{items[i].at:g}s" for i in unused
            )
        return "\n".join(lines)

    def finish(self) -> None:
        """Raise `ReplayMismatch` with the report of a strict replay that went otherwise."""
        report = self.report()
        if report is not None:
            raise ReplayMismatch(report)


def _describe(item: Interaction) -> str:
    return item.describe()
