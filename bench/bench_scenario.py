"""A 48-virtual-hour scenario at 1k, 10k and 100k messages, through the one submission path.

No sockets: each message goes through `providers.submission.submit` as a provider's API hands
it over (the scenario engine decides, the account pays, the message is built and accepted:
journal entries, lifecycle plan on the virtual clock), and lives out its drawn DLR timeline
while the clock advances over 48 hours in one-minute steps; scripted events fire on the way.
Wall time of that path and of `decide()` + `accept()` alone (what this bench measured before;
the same run, one after the other), peak memory (tracemalloc) in a third run, and callgrind's
instructions per message (`bench/callgrind_scenario.py`) when valgrind is there. Beside each row
an equal-work floor (`floor_run`); a count above 100k is run once more at the 100k run's rate
(`at_rate`: the same messages per virtual minute over proportionally more hours).

    python -m bench scenario              # through the harness (bench/__main__.py)
    python -m bench.bench_scenario        # on its own
    python -m bench.bench_scenario 1000000
"""

from __future__ import annotations

import gc
import heapq
import itertools
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from bench import against as bench_against
from bench.callgrind import per_call
from pytest_smsmock.core.accounts import Account
from pytest_smsmock.core.messages import Message, Status
from pytest_smsmock.errors import Refusal
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import ProviderFake
from pytest_smsmock.providers.submission import Draft, submit
from pytest_smsmock.scenario.decisions import SubmitContext, SubmitDecision

COUNTS = (1_000, 10_000, 100_000)
RATE_OF = 100_000  # the row whose rate larger counts are also run at (`at_rate`)
HOURS = 48

_R = TypeVar("_R")

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


PATHS = ("direct", "submit")
VALIDITY = timedelta(hours=HOURS)
FREE = Decimal(0)


class BenchFake(ProviderFake):
    name = "bench"
    title = "Benchmark provider (no wire format)"

    def send(self, account: Account, to: str, text: str, at: datetime) -> Message | None:
        """One recipient through the one submission path, as a provider's API hands it over
        (decide, charge, build, accept); None when the scenario refused it."""
        result = submit(
            self,
            account,
            (Draft(to, "Shop", text, FREE),),
            protocol="http",
            api="bench",
            at=at,
            build=self._build,
            refuse=_refuse,
            no_credit=_no_credit,
        )
        return result.outcomes[0].message

    def _build(self, draft: Draft, decision: SubmitDecision) -> Message:
        now = self.clock.now()
        return Message(
            message_id=self.new_id(),
            provider=self.name,
            account="test",
            to=draft.to,
            sender=draft.sender,
            text=draft.text,
            submitted_at=now,
            api="bench",
            price=draft.price,
            expires_at=now + VALIDITY,
        )


def _refuse(answer: object, draft: Draft) -> Refusal:
    return Refusal(f"refused: {answer}", status=400, native=answer, whole_request=False)


def _no_credit(cost: Decimal) -> Refusal:
    return Refusal("no credit", status=402)


def _direct(fake: BenchFake, account: Account, to: str, text: str, at: datetime) -> bool:
    """The same submission through `decide()` and `accept()` alone, as this bench did before
    the one submission path (no draft, no charge): True when accepted."""
    decision = fake.decide(
        SubmitContext(
            provider="bench",
            protocol="http",
            account="test",
            to=to,
            sender="Shop",
            text=text,
            at=at,
        )
    )
    if decision.respond is not None:
        return False
    message = Message(
        message_id=fake.new_id(),
        provider="bench",
        account="test",
        to=to,
        sender="Shop",
        text=text,
        submitted_at=at,
        expires_at=at + VALIDITY,
    )
    fake.accept(message, decision.plan)
    return True


def run(count: int, *, path: str = "submit", hours: int = HOURS) -> dict[str, Any]:
    """The scenario with `count` messages spread over `hours`, each submitted through `path`:
    ``submit`` (the one submission path, as real traffic) or ``direct`` (`decide()` and
    `accept()` alone)."""
    hub = SmsMock(providers=(), fakes=[BenchFake])
    fake = hub.fakes["bench"]
    assert isinstance(fake, BenchFake)
    hub.load_scenario(SCENARIO)
    account = fake.accounts.get("test")
    assert account is not None
    step = timedelta(hours=hours) / count
    minute = timedelta(minutes=1)
    pending = timedelta(0)
    refused = 0
    for i in range(count):
        to = f"38591{i:07d}" if i % 50 == 0 else f"38598{i:07d}"
        text = "Your OTP is 1234" if i % 2 else "hello"
        now = hub.clock.now()
        if path == "submit":
            accepted = fake.send(account, to, text, now) is not None
        else:
            accepted = _direct(fake, account, to, text, now)
        if not accepted:
            refused += 1
        pending += step
        if pending >= minute:
            hub.clock.advance(pending)
            pending = timedelta(0)
    hub.clock.advance(timedelta(hours=hours) + pending)
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


# The floor: the same traffic with the least Python can do per message (no scenario engine, no
# provider, no journal entries beyond a tuple each): a record with as many slots as a `Message`,
# kept in a dict and a list as the store keeps messages, two status changes from a heap of
# timers, the 48 hours advanced minute by minute. What it costs per message as the count grows
# is what Python itself charges for keeping that many live records (the collector's full
# passes walk them all, a larger heap misses the caches more): the fake's own growth is judged
# beside it.
_FLOOR_SLOTS = tuple(f.name for f in fields(Message))
_FloorRecord = type("_FloorRecord", (), {"__slots__": _FLOOR_SLOTS})
_FLOOR_FINAL = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=72))


def floor_run(count: int) -> int:
    """The floor's run of `count` messages; returns how many status changes it made."""
    draw = random.Random(1)
    now = hub_start = datetime(2025, 1, 1, tzinfo=UTC)
    by_id: dict[str, Any] = {}
    order: list[Any] = []
    timers: list[tuple[datetime, int, Any, str]] = []
    journal: list[tuple[Any, ...]] = []
    step, minute, pending = timedelta(hours=HOURS) / count, timedelta(minutes=1), timedelta(0)

    def advance(target: datetime) -> None:
        while timers and timers[0][0] <= target:
            due, _seq, record, status = heapq.heappop(timers)
            record.status = status
            record._changes += (due, status, None, None)
            journal.append((due, "dlr", record.message_id, status))

    for i in range(count):
        record = _FloorRecord()
        for name in _FLOOR_SLOTS:
            setattr(record, name, None)
        record.message_id = f"{draw.getrandbits(128):032x}"
        record.to = f"38598{i:07d}"
        record.submitted_at, record.expires_at = now, now + VALIDITY
        record.status, record._changes = "accepted", ()
        by_id[record.message_id] = record
        order.append(record)
        journal.append((now, "submit", record.message_id, record.to))
        enroute = now + timedelta(seconds=draw.expovariate(1 / 30))
        final = enroute + draw.choices(_FLOOR_FINAL, (0.6, 0.3, 0.1))[0]
        heapq.heappush(timers, (enroute, 2 * i, record, "enroute"))
        heapq.heappush(timers, (final, 2 * i + 1, record, "delivered"))
        pending += step
        if pending >= minute:
            now += pending
            advance(now)
            pending = timedelta(0)
    advance(hub_start + timedelta(hours=2 * HOURS))
    return len(journal) - count


class _CollectorTime:
    """Wall time spent in the garbage collector while it is installed (`gc.callbacks`)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._started

    def __enter__(self) -> _CollectorTime:
        gc.callbacks.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self)


def _timed(work: Callable[[], _R]) -> tuple[_R, float, float]:
    """`work()`'s result, its wall seconds and the collector's seconds within them, after a
    full collection (what the run before left does not count)."""
    gc.collect()
    with _CollectorTime() as spent:
        started = time.perf_counter()
        result = work()
        wall = time.perf_counter() - started
    return result, wall, spent.seconds


def measure(count: int) -> dict[str, Any]:
    """Wall time of both paths, one after the other in the same process (the shared machine's
    load moves both alike: their ratio is the figure to compare), the collector's share of the
    submission path's run, then peak memory of the submission path with tracemalloc."""
    walls, collectors, results = {}, {}, {}
    for path in PATHS:
        results[path], walls[path], collectors[path] = _timed(partial(run, count, path=path))
    _, walls["floor"], collectors["floor"] = _timed(partial(floor_run, count))
    figures = results["submit"]
    gc.collect()
    tracemalloc.start()
    run(count)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    figures.update(
        wall_s=round(walls["submit"], 3),
        us_per_message=round(walls["submit"] / count * 1e6, 1),
        collector_share=round(collectors["submit"] / walls["submit"], 3),
        collector_us_per_message=round(collectors["submit"] / count * 1e6, 1),
        direct_us_per_message=round(walls["direct"] / count * 1e6, 1),
        floor_us_per_message=round(walls["floor"] / count * 1e6, 1),
        floor_collector_us_per_message=round(collectors["floor"] / count * 1e6, 1),
        peak_mib=round(peak / 2**20, 1),
        bytes_per_message=round(peak / count),
    )
    return figures


def at_rate(count: int, rate_of: int) -> dict[str, Any]:
    """`count` messages at the rate of the `rate_of` run (over `HOURS * count / rate_of` hours):
    the same traffic per virtual minute, so the same number of messages in flight at once. The
    48-hour scenario at ten times the messages is also ten times the rate: what grows with the
    count at a fixed rate is the fake's own cost; what grows only with the rate is the larger
    set of messages waiting at once (the clock's heap, the lifecycle's buckets, what every full
    pass of the collector walks)."""
    hours = HOURS * count // rate_of
    _, wall, collector = _timed(partial(run, count, hours=hours))
    return {
        "messages": count,
        "hours": hours,
        "us_per_message": round(wall / count * 1e6, 1),
        "collector_us_per_message": round(collector / count * 1e6, 1),
    }


def instructions(count: int = 5_000) -> dict[str, float] | None:
    """Instructions per message of the scenario under callgrind, through each path: figures
    the machine's load does not move (None without valgrind)."""
    counted = {path: per_call("bench.callgrind_scenario", [path], count) for path in PATHS}
    if any(value is None for value in counted.values()):
        return None
    return {path: value for path, value in counted.items() if value is not None}


def main(counts: tuple[int, ...] = COUNTS) -> dict[str, Any]:
    rows = [measure(n) for n in counts]
    print(
        f"{'messages':>9} {'wall s':>8} {'us/msg':>8} {'gc':>5} {'gc us':>6} {'direct':>8} "
        f"{'floor':>7} {'its gc':>6} {'peak MiB':>9} {'B/msg':>6} {'journal':>9} {'final':>8}"
    )
    for r in rows:
        print(
            f"{r['messages']:>9} {r['wall_s']:>8} {r['us_per_message']:>8} "
            f"{r['collector_share']:>5.0%} {r['collector_us_per_message']:>6} "
            f"{r['direct_us_per_message']:>8} {r['floor_us_per_message']:>7} "
            f"{r['floor_collector_us_per_message']:>6} {r['peak_mib']:>9} "
            f"{r['bytes_per_message']:>6} {r['journal']:>9} {r['final']:>8}"
        )
    base = rows[0]
    for r in rows[1:]:
        scale = r["messages"] / base["messages"]
        print(
            f"x{scale:g} messages: wall x{r['wall_s'] / base['wall_s']:.1f}, "
            f"memory x{r['peak_mib'] / max(base['peak_mib'], 0.1):.1f}"
        )
    for before, r in itertools.pairwise(rows):
        print(
            f"per message from {before['messages']:,} to {r['messages']:,}: "
            f"x{r['us_per_message'] / before['us_per_message']:.2f}, "
            f"the floor's x{r['floor_us_per_message'] / before['floor_us_per_message']:.2f}"
        )
    paced = []
    for r in rows:
        if r["messages"] > RATE_OF and any(b["messages"] == RATE_OF for b in rows):
            same = next(b for b in rows if b["messages"] == RATE_OF)
            at = at_rate(r["messages"], RATE_OF)
            paced.append(at)
            print(
                f"{r['messages']:,} messages at the {RATE_OF:,} run's rate ({at['hours']} hours): "
                f"{at['us_per_message']} us/message (collector {at['collector_us_per_message']}): "
                f"x{at['us_per_message'] / same['us_per_message']:.2f} of the {RATE_OF:,} row"
            )
    against = None
    for r in rows:
        if r["messages"] == 100_000:  # issue 20's target 2, at the count it names
            print(
                f"target (issue 20): 100k messages under 1 KiB each at peak: "
                f"{r['bytes_per_message']:,} B; under 3 s where 90f397c took 6.1 s: "
                f"{r['wall_s']} s here, and against 90f397c in this run:"
            )
            against = bench_against.main(bench_against.ISSUE_REVISION, 100_000, rounds=2)
    counted = instructions()
    if counted is not None:
        print(
            f"callgrind, 5,000 messages: {counted['submit']:,.0f} instructions per message "
            f"through the submission path, {counted['direct']:,.0f} through decide()+accept()"
        )
    return {
        "rows": rows,
        "at_rate": paced,
        "instructions_per_message": counted,
        "against": against,
    }


if __name__ == "__main__":
    wanted = tuple(int(a) for a in sys.argv[1:]) or COUNTS
    main(wanted)
