"""`smsmock cassette show`: a cassette as a readable timeline, one line per interaction."""

from __future__ import annotations

from pytest_smsmock.recording.cassette import Cassette, HttpExchange, Push, SmppPdu

__all__ = ["render"]


def _snippet(data: bytes, limit: int = 60) -> str:
    text = data.decode("utf-8", "replace").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def render(cassette: Cassette) -> str:
    lines = [
        f"cassette {cassette.origin or '<memory>'}"
        + (f" (recorded by {cassette.source})" if cassette.source else "")
        + (f", start {cassette.start.isoformat()}" if cassette.start else ""),
    ]
    for index, item in enumerate(cassette.interactions):
        stamp = f"[{index:>3}] +{item.at:>9.3f}s"
        if isinstance(item, HttpExchange):
            answer = f"fault {item.fault}" if item.fault else f"{item.status}"
            lines.append(
                f"{stamp} {item.describe()} -> {answer} {_snippet(item.response_body)}".rstrip()
            )
        elif isinstance(item, Push):
            answer = item.answer_error or f"{item.answer_status} {_snippet(item.answer_body, 20)}"
            follows = f" (after [{item.follows}])" if item.follows is not None else ""
            lines.append(
                f"{stamp} {item.provider} {item.kind} push -> {item.url}{follows}: "
                f"{_snippet(item.body)} <- {answer}".rstrip()
            )
        elif isinstance(item, SmppPdu):
            follows = f" (after [{item.follows}])" if item.follows is not None else ""
            status = f" status 0x{item.status:08X}" if item.data[4:5] == b"\x80" else ""
            lines.append(f"{stamp} {item.describe()}{status}{follows}")
    for message in cassette.messages:
        timeline = ", ".join(f"+{s.after:g}s {s.status}" for s in message.statuses)
        lines.append(
            f"message {message.provider} {message.message_id} to {message.to} "
            f"at +{message.at:g}s: {timeline or 'no status change'}"
        )
    return "\n".join(lines) + "\n"
