"""A 48-virtual-hour scenario at 1k, 10k and 100k messages, through the engine and lifecycle.

No sockets: each message is decided by the scenario engine (`ProviderFake.decide`), accepted
(`ProviderFake.accept`: journal entry, lifecycle plan on the virtual clock), and lives out its
drawn DLR timeline while the clock advances over 48 hours in one-minute steps; scripted events
fire on the way. Wall time is measured without tracemalloc, peak memory in a second run with it.

    python -m bench scenario              # through the harness (bench/__main__.py)
    python -m bench.bench_scenario        # on its own
"""

from __future__ import annotations

import gc
import sys
import time
import tracemalloc
from datetime import timedelta
from typing import Any

from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import ProviderFake
from pytest_smsmock.scenario.engine import SubmitContext

COUNTS = (1_000, 10_000, 100_000)
HOURS = 48

SCENARIO: dict[str, Any] = {
    "version": 1,
    "seed": 1,
    "rules": [
        {"match": {"to": "38591*"}, "respond": {"status": -13}},
        {
            "match": {"text": "/OTP/"},
            "dlr": [
                {"after": {"uniform": {"min": "1s", "max": "20s"}}, "status": "enroute"},
                {
                    "after": {"lognormal": {"median": "5m", "sigma": 1.0, "max": "6h"}},
                    "status": {"delivered": 0.9, "undeliverable": 0.08, "expired": 0.02},
                },
            ],
        },
        {
            "dlr": [
                {"after": {"exponential": {"mean": "30s"}}, "status": "enroute"},
                {"after": {"choice": {"1m": 0.6, "10m": 0.3, "72h": 0.1}}, "status": "delivered"},
            ]
        },
    ],
    "events": [
        {"at": f"{h}h", "provider": "bench", "mo": {"from": "385911234567", "text": "STOP"}}
        for h in range(HOURS)
    ],
}


class BenchFake(ProviderFake):
    name = "bench"
    title = "Benchmark provider (no wire format)"


def run(count: int) -> dict[str, Any]:
    hub = SmsMock(providers=(), fakes=[BenchFake])
    fake = hub.fakes["bench"]
    hub.load_scenario(SCENARIO)
    step = timedelta(hours=HOURS) / count
    minute = timedelta(minutes=1)
    pending = timedelta(0)
    refused = 0
    for i in range(count):
        to = f"38591{i:07d}" if i % 50 == 0 else f"38598{i:07d}"
        text = "Your OTP is 1234" if i % 2 else "hello"
        now = hub.clock.now()
        decision = fake.decide(
            SubmitContext(
                provider="bench",
                protocol="http",
                account="test",
                to=to,
                sender="Shop",
                text=text,
                at=now,
            )
        )
        if decision.respond is not None:
            refused += 1
        else:
            message = Message(
                message_id=fake.new_id(),
                provider="bench",
                account="test",
                to=to,
                sender="Shop",
                text=text,
                submitted_at=now,
                expires_at=now + timedelta(hours=48),
            )
            fake.accept(message, decision.plan)
        pending += step
        if pending >= minute:
            hub.clock.advance(pending)
            pending = timedelta(0)
    hub.clock.advance(timedelta(hours=HOURS) + pending)
    finals = sum(1 for m in fake.messages if m.status.final)
    delivered = sum(1 for m in fake.messages if m.status == Status.DELIVERED)
    return {
        "messages": count,
        "refused": refused,
        "final": finals,
        "delivered": delivered,
        "journal": len(hub.journal),
        "virtual_end": hub.clock.now().isoformat(),
    }


def measure(count: int) -> dict[str, Any]:
    gc.collect()
    started = time.perf_counter()
    figures = run(count)
    wall = time.perf_counter() - started
    gc.collect()
    tracemalloc.start()
    run(count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures.update(
        wall_s=round(wall, 3),
        peak_mib=round(peak / 2**20, 1),
        us_per_message=round(wall / count * 1e6, 1),
    )
    return figures


def main(counts: tuple[int, ...] = COUNTS) -> dict[str, Any]:
    rows = [measure(n) for n in counts]
    print(
        f"{'messages':>9} {'wall s':>8} {'us/msg':>8} {'peak MiB':>9} {'journal':>9} {'final':>8}"
    )
    for r in rows:
        print(
            f"{r['messages']:>9} {r['wall_s']:>8} {r['us_per_message']:>8} "
            f"{r['peak_mib']:>9} {r['journal']:>9} {r['final']:>8}"
        )
    base = rows[0]
    for r in rows[1:]:
        scale = r["messages"] / base["messages"]
        print(
            f"x{scale:g} messages: wall x{r['wall_s'] / base['wall_s']:.1f}, "
            f"memory x{r['peak_mib'] / max(base['peak_mib'], 0.1):.1f}"
        )
    return {"rows": rows}


if __name__ == "__main__":
    wanted = tuple(int(a) for a in sys.argv[1:]) or COUNTS
    main(wanted)
