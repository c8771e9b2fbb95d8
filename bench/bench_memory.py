"""Memory a long-running hub holds per message, as `smsmock serve` (or a load test through the
fakes) uses it: send, let the DLR come, read it, again and again.

Run alone: ``python -m bench memory [COUNT]``. For each HTTP provider, COUNT rounds of: one send
through the provider's own API (`dispatch`, no sockets), one virtual minute (the message is
delivered and its DLR queued), one read of the report (Infobip and MiMSMS pulls, SMSC.ru and
Broadnet status queries). Memory is what tracemalloc counts as held after a full collection,
measured after COUNT/2 and after COUNT rounds: the difference over COUNT/2 is what each further
message costs, the hub's fixed setup left out. Measured twice: unbounded (what a pytest run
keeps per test), and with the journal and the finished messages bounded at COUNT/4 (as
`smsmock serve` bounds them, at 10,000 each by default), reached before the second half begins,
so its growth is the steady state.
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock

COUNT = 4_000


def _call(hub: SmsMock, provider: str, path: str, **kw: Any) -> None:
    request = EnvironBuilder(path=path, **kw).get_request()
    answer = hub.fakes[provider].dispatch(request, "primary")
    assert answer.status_code < 500, answer.get_data()


def _rounds(provider: str) -> Callable[[SmsMock, int], None]:
    def infobip(hub: SmsMock, n: int) -> None:
        to = f"3859{n % 10_000_000:08d}"
        _call(
            hub,
            "infobip",
            "/api/v3/sendsms/plain",
            query_string={
                "user": "test",
                "password": "test",
                "sender": "Shop",
                "SMSText": "hi",
                "GSM": to,
            },
        )
        hub.clock.advance("1m")
        _call(hub, "infobip", "/api/v3/dr/pull", query_string={"user": "test", "password": "test"})

    def mimsms(hub: SmsMock, n: int) -> None:
        to = f"8801{n % 1_000_000_000:09d}"
        headers = {"Authorization": "Basic dGVzdDp0ZXN0", "Content-Type": "application/json"}
        _call(
            hub,
            "mimsms",
            "/sms/1/text/single",
            method="POST",
            headers=headers,
            json={"from": "Shop", "to": to, "text": "hi"},
        )
        hub.clock.advance("1m")
        _call(hub, "mimsms", "/sms/1/reports", headers={"Authorization": "Basic dGVzdDp0ZXN0"})

    def smsc(hub: SmsMock, n: int) -> None:
        to = f"7999{n % 10_000_000:07d}"
        _call(
            hub,
            "smsc",
            "/sys/send.php",
            query_string={"login": "test", "psw": "test", "phones": to, "mes": f"hi {n}", "fmt": 3},
        )
        hub.clock.advance("1m")
        _call(
            hub,
            "smsc",
            "/sys/status.php",
            query_string={"login": "test", "psw": "test", "phone": to, "id": n + 1, "fmt": 3},
        )

    def broadnet(hub: SmsMock, n: int) -> None:
        to = f"96279{n % 10_000_000:07d}"
        request = EnvironBuilder(
            path="/websmpp/websms",
            query_string={
                "user": "test",
                "pass": "test",
                "sid": "Shop",
                "mno": to,
                "type": "1",
                "text": "hi",
            },
        ).get_request()
        answer = hub.broadnet.dispatch(request, "primary").get_data(as_text=True)
        hub.clock.advance("1m")
        _call(
            hub,
            "broadnet",
            "/websmpp/websmsstatus",
            query_string={"respid": answer.removeprefix("Response: ")},
        )

    return {"infobip": infobip, "mimsms": mimsms, "smsc": smsc, "broadnet": broadnet}[provider]


def _held() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def per_message(provider: str, count: int, **options: Any) -> tuple[float, float, int, int]:
    """(bytes held per further message over the second half, bytes held at the end, journal
    entries, messages kept) after `count` rounds."""
    tracemalloc.start()
    try:
        base = _held()
        hub = SmsMock(providers=(provider,), **options)
        for fake in hub:
            fake.add_account("test", "test", balance=10**9)
        run = _rounds(provider)
        half = count // 2
        for n in range(half):
            run(hub, n)
        middle = _held()
        for n in range(half, count):
            run(hub, n)
        end = _held()
    finally:
        tracemalloc.stop()
    kept = len(hub.fakes[provider].messages)
    return (end - middle) / (count - half), end - base, len(hub.journal), kept


def main(argv: list[str] | None = None) -> dict[str, Any]:
    count = int(argv[0]) if argv else COUNT
    bound = count // 4  # reached well before the second half: its growth is the steady state
    figures: dict[str, Any] = {"count": count, "bound": bound}
    bounded = {"max_journal_entries": bound, "max_finished_messages": bound}
    for provider in ("infobip", "mimsms", "smsc", "broadnet"):
        for label, options in (("unbounded", {}), (f"bounds {bound}", bounded)):
            size, held, entries, kept = per_message(provider, count, **options)
            key = f"{provider}_{'unbounded' if not options else 'bounded'}"
            figures[f"{key}_bytes_per_message"] = size
            figures[f"{key}_held_bytes"] = held
            print(
                f"{provider:<9} {label:<12} {size:8.0f} B/message  held {held / 2**20:6.1f} MiB  "
                f"journal {entries:6d} entries  {kept:6d} messages kept"
            )
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
