"""The recorder: a `core.tap.Tap` that keeps what the fakes saw and did, cheaply.

While recording, each choke point hands it plain values (bytes, strings, the virtual time),
which it appends as they are: nothing is decoded, redacted or rendered on the request path.
`cassette()` builds the cassette when asked (at the end of a test): offsets from the start,
redaction (`redact.py`), which request each push and receipt followed, and the fakes' own
account of each message (accepted, status changes) read from the journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pytest_smsmock.core.journal import Journal
from pytest_smsmock.recording.cassette import (
    Cassette,
    HttpExchange,
    Interaction,
    MessageRecord,
    Push,
    SmppPdu,
    StatusRecord,
)
from pytest_smsmock.recording.redact import Redactor
from pytest_smsmock.smpp.codec import decode
from pytest_smsmock.smpp.errors import SmppError
from pytest_smsmock.smpp.pdus import SubmitSmResp

__all__ = ["Recorder", "link_followers"]

Headers = tuple[tuple[str, str], ...]

#: Headers that say nothing about the exchange and change from run to run (the server and
#: client set their own): left out of a cassette.
_NOISE = frozenset(
    {
        "content-length",
        "date",
        "server",
        "connection",
        "keep-alive",
        "transfer-encoding",
        "host",
        "accept-encoding",
    }
)


class Recorder:
    """Everything the fakes of one hub saw and did since `start` (see the module docstring)."""

    def __init__(
        self,
        start: datetime,
        *,
        redact: Iterable[str] = (),
        source: str = "",
        pseudonyms: str | None = None,
    ) -> None:
        """`pseudonyms`: a salt; phone numbers then get stable pseudonyms (`Pseudonyms`)."""
        self.start = start
        self.redact = tuple(redact)
        self.source = source
        self.pseudonyms = pseudonyms
        # Appended from the server threads without a lock: `list.append` is atomic.
        self._items: list[tuple[Any, ...]] = []

    # -- Tap (the choke points call these; keep them cheap) --------------------------------------
    def http(
        self,
        provider: str,
        listener: str,
        at: datetime,
        request: Any,
        response: Any,
        fault: str | None,
    ) -> None:
        self._items.append(("http", provider, listener, at, request, response, fault))

    def push(
        self,
        provider: str,
        at: datetime,
        request: tuple[str, str, str, Headers, bytes, str, int],
        answer: tuple[int | None, bytes, str | None],
    ) -> None:
        self._items.append(("push", provider, at, request, answer))

    def smpp(
        self, provider: str, listener: str, session: int, at: float, direction: str, data: bytes
    ) -> None:
        self._items.append(("smpp", provider, listener, session, at, direction, data))

    # -- the cassette --------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._items)

    def cassette(self, journal: Journal | None = None) -> Cassette:
        """The cassette of what was recorded so far, redacted."""
        items = list(self._items)
        redactor = Redactor(self.redact)
        interactions = [self._interaction(item, redactor) for item in items]
        interactions = [_echoes(i, redactor) for i in interactions]
        messages = list(self._messages(journal)) if journal is not None else []
        if self.pseudonyms is not None:
            interactions, messages = _pseudonymise(interactions, messages, self.pseudonyms)
        return Cassette(
            source=self.source,
            start=self.start,
            redacted=self.redact,
            interactions=tuple(link_followers(interactions)),
            messages=tuple(messages),
        )

    def _offset(self, at: datetime | float) -> float:
        if isinstance(at, float | int):
            return max(0.0, at - self.start.timestamp())
        return max(0.0, (at - self.start).total_seconds())

    def _interaction(self, item: tuple[Any, ...], redactor: Redactor) -> Interaction:
        kind = item[0]
        if kind == "http":
            _, provider, listener, at, request, response, fault = item
            method, path, query = request.method, request.path, request.query_string
            headers = tuple(request.headers.items())
            body = request.get_data(cache=True)
            response_headers: Headers = ()
            if response is None:
                status, response_body = 0, b""
            else:
                status = response.status_code
                response_headers = tuple(response.headers.items())
                response_body = b"" if response.is_streamed else response.get_data()
            return HttpExchange(
                at=self._offset(at),
                provider=provider,
                listener=listener,
                method=method,
                path=path,
                query=redactor.text(query.decode("latin-1")),
                headers=redactor.headers(h for h in headers if h[0].lower() not in _NOISE),
                body=redactor.body(body),
                status=status,
                response_headers=tuple(h for h in response_headers if h[0].lower() not in _NOISE),
                response_body=response_body,
                fault=fault,
            )
        if kind == "push":
            _, provider, at, request, answer = item
            push_kind, method, url, headers, body, ref, attempt = request
            status, answer_body, error = answer
            return Push(
                at=self._offset(at),
                provider=provider,
                kind=push_kind,
                method=method,
                url=redactor.url(url),
                headers=redactor.headers(headers),
                body=redactor.body(body),
                ref=ref,
                attempt=attempt,
                answer_status=status,
                answer_body=answer_body,
                answer_error=error,
            )
        _, provider, listener, session, at, direction, data = item
        return SmppPdu(
            at=self._offset(at),
            provider=provider,
            listener=listener,
            session=session,
            direction=direction,
            data=redactor.smpp(data),
        )

    def _messages(self, journal: Journal) -> Iterable[MessageRecord]:
        accepted: dict[tuple[str, str], dict[str, Any]] = {}
        for entry in journal.entries():
            if entry.at < self.start:
                continue
            detail = entry.detail
            if entry.channel == "message" and "message_id" in detail:
                protocol = entry.summary.rpartition(", ")[2].rstrip(")") or "http"
                accepted[(entry.provider, str(detail["message_id"]))] = {
                    "to": str(detail.get("to", "")),
                    "at": entry.at,
                    "protocol": protocol,
                    "statuses": [],
                }
            elif entry.channel == "dlr" and "status" in detail:
                record = accepted.get((entry.provider, str(detail.get("message_id"))))
                if record is not None:
                    record["statuses"].append(
                        StatusRecord(
                            after=max(0.0, (entry.at - record["at"]).total_seconds()),
                            status=str(detail["status"]),
                            native=_plain(detail.get("native")),
                            error=_plain(detail.get("error")),
                        )
                    )
        for (provider, message_id), record in accepted.items():
            yield MessageRecord(
                provider=provider,
                message_id=message_id,
                to=record["to"],
                at=self._offset(record["at"]),
                protocol=record["protocol"],
                statuses=tuple(record["statuses"]),
            )


def _plain(value: object) -> str | int | None:
    if value is None or isinstance(value, int | str):
        return value
    return str(value)


def _echoes(item: Interaction, redactor: Redactor) -> Interaction:
    """A secret seen in one place, replaced everywhere else too."""
    import dataclasses

    if not any(len(s) >= 6 for s in redactor.secrets):
        return item

    def body(data: bytes) -> bytes:
        try:
            return redactor.echoes(data.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return data

    if isinstance(item, HttpExchange):
        return dataclasses.replace(
            item,
            query=redactor.echoes(item.query),
            headers=tuple((k, redactor.echoes(v)) for k, v in item.headers),
            body=body(item.body),
            response_body=body(item.response_body),
        )
    if isinstance(item, Push):
        return dataclasses.replace(
            item,
            url=redactor.echoes(item.url),
            body=body(item.body),
            answer_body=body(item.answer_body),
        )
    return item


def _pseudonymise(
    interactions: list[Interaction], messages: list[MessageRecord], salt: str
) -> tuple[list[Interaction], list[MessageRecord]]:
    """Every phone number seen in a phone field, replaced everywhere by its pseudonym."""
    import dataclasses

    from pytest_smsmock.recording.redact import Pseudonyms
    from pytest_smsmock.recording.replayer import http_fields, smpp_fields

    names = Pseudonyms(salt)
    for item in interactions:
        if isinstance(item, HttpExchange):
            fields, _ = http_fields(item.method, item.path, item.query, item.headers, item.body)
            for key, value in fields.items():
                names.learn(key.rpartition(".")[2].partition("[")[0], value)
        elif isinstance(item, SmppPdu):
            for key, value in smpp_fields(item.data).items():
                names.learn(key, value)
    for message in messages:
        names.learn("to", message.to)
    out: list[Interaction] = []
    for item in interactions:
        if isinstance(item, HttpExchange):
            item = dataclasses.replace(
                item,
                query=names.text(item.query),
                body=names.body(item.body),
                response_body=names.body(item.response_body),
            )
        elif isinstance(item, Push):
            item = dataclasses.replace(
                item,
                url=names.text(item.url),
                body=names.body(item.body),
                ref=names.text(item.ref),
                answer_body=names.body(item.answer_body),
            )
        else:
            item = dataclasses.replace(item, data=names.data(item.data))
        out.append(item)
    renamed = [
        dataclasses.replace(m, to=names.text(m.to), message_id=names.text(m.message_id))
        for m in messages
    ]
    return out, renamed


def _message_id(data: bytes) -> str | None:
    if int.from_bytes(data[4:8], "big") != 0x80000004:
        return None
    try:
        pdu = decode(data)
    except SmppError:
        return None
    return pdu.message_id if isinstance(pdu, SubmitSmResp) and pdu.message_id else None


def link_followers(interactions: list[Interaction]) -> list[Interaction]:
    """Each push and each SMPP request of the provider (a receipt) names the client request it
    followed (`follows`): the request whose answer carried the message id the push is about,
    else (DLRs, HLRs) the provider's last request before it. MO pushes follow nothing."""
    import dataclasses

    out: list[Interaction] = []
    # SMPP: message id -> index of the submit it answered.
    submit_of: dict[tuple[str, str], int] = {}
    request_at: dict[tuple[str, int, int], int] = {}
    for index, item in enumerate(interactions):
        if isinstance(item, SmppPdu):
            command = int.from_bytes(item.data[4:8], "big")
            if item.direction == "in" and not command & 0x80000000:
                request_at[(item.provider, item.session, item.sequence)] = index
            elif item.direction == "out":
                message_id = _message_id(item.data)
                submit = request_at.get((item.provider, item.session, item.sequence))
                if message_id is not None and submit is not None:
                    submit_of[(item.provider, message_id)] = submit
                elif command == 0x00000005 and item.follows is None:  # deliver_sm
                    for (provider, mid), source in reversed(submit_of.items()):
                        if provider == item.provider and mid.encode() in item.data:
                            item = dataclasses.replace(item, follows=source)
                            break
        elif isinstance(item, Push) and item.follows is None:
            follows = None
            for back in range(index - 1, -1, -1):
                earlier = out[back]
                if not isinstance(earlier, HttpExchange) or earlier.provider != item.provider:
                    continue
                if item.ref and item.ref.encode() in earlier.response_body:
                    follows = back
                    break
                if follows is None and item.kind != "mo":
                    follows = back  # the last request, unless one names the message
                    if not item.ref:
                        break
            item = dataclasses.replace(item, follows=follows)
        out.append(item)
    return out
