from __future__ import annotations

import gc
import threading
import tracemalloc
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pytest_smsmock.clock import VirtualClock
from pytest_smsmock.core.accounts import AccountBook
from pytest_smsmock.core.ids import IdGenerator
from pytest_smsmock.core.journal import Journal
from pytest_smsmock.core.lifecycle import DEFAULT_PLAN, LifecycleRunner, Transition
from pytest_smsmock.core.messages import Message, MessageStore, Status, StatusChange
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.errors import ConfigError, SmsMockAssertionError

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def message(clock: VirtualClock, **kw: object) -> Message:
    fields: dict[str, object] = {
        "message_id": "m1",
        "provider": "test",
        "account": "test",
        "to": "385981234567",
        "sender": "Shop",
        "text": "hi",
        "submitted_at": clock.now(),
    }
    fields.update(kw)
    return Message(**fields)  # type: ignore[arg-type]


def runner(clock: VirtualClock) -> tuple[LifecycleRunner, list[tuple[str, StatusChange]]]:
    changes: list[tuple[str, StatusChange]] = []
    return LifecycleRunner(clock, lambda m, c: changes.append((m.message_id, c))), changes


def test_default_plan_delivers_five_virtual_seconds_after_submission() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock)
    lifecycle.start(msg, DEFAULT_PLAN)
    clock.advance("4.999")
    assert msg.status is Status.ACCEPTED
    clock.advance("1ms")
    assert msg.status is Status.DELIVERED
    assert msg.done_at == T0 + timedelta(seconds=5)
    assert [c.status for _, c in changes] == [Status.DELIVERED]


def test_plan_steps_count_from_the_previous_step() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock)
    plan = (
        Transition(after=timedelta(seconds=30), status=Status.ENROUTE),
        Transition(after=timedelta(minutes=5), status=Status.UNDELIVERABLE, error=27),
    )
    lifecycle.start(msg, plan)
    clock.advance("1h")
    assert [(c.at, c.status, c.error) for _, c in changes] == [
        (T0 + timedelta(seconds=30), Status.ENROUTE, None),
        (T0 + timedelta(seconds=330), Status.UNDELIVERABLE, 27),
    ]
    assert msg.error == 27


def test_scheduled_message_waits_then_follows_its_plan() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock, scheduled_at=T0 + timedelta(hours=2))
    lifecycle.start(msg)
    assert msg.status is Status.SCHEDULED
    clock.advance("2h")
    assert msg.status is Status.ACCEPTED
    clock.advance("5s")
    assert msg.status is Status.DELIVERED
    assert msg.done_at == T0 + timedelta(hours=2, seconds=5)
    assert [c.status for _, c in changes] == [Status.ACCEPTED, Status.DELIVERED]


def test_validity_period_cuts_the_plan_short_with_expired() -> None:
    clock = VirtualClock(T0)
    lifecycle, _ = runner(clock)
    msg = message(clock, expires_at=T0 + timedelta(hours=1))
    lifecycle.start(msg, (Transition(after=timedelta(hours=3), status=Status.DELIVERED),))
    clock.advance("1d")
    assert msg.status is Status.EXPIRED
    assert msg.done_at == T0 + timedelta(hours=1)


def test_cancel_drops_the_remaining_steps() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock)
    lifecycle.start(msg)
    assert lifecycle.pending_count("m1") == 1
    assert lifecycle.cancel("m1") == 1
    clock.advance("1m")
    assert changes == []
    assert msg.status is Status.ACCEPTED


def test_steps_due_at_one_instant_share_one_clock_event_and_keep_their_order() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msgs = [message(clock, message_id=f"m{i}") for i in range(50)]
    for msg in msgs:
        lifecycle.start(msg)
    assert len(clock.pending()) == 1
    other = message(clock, message_id="late")
    lifecycle.start(other, (Transition(after=timedelta(seconds=9), status=Status.DELIVERED),))
    assert len(clock.pending()) == 2
    clock.advance("5s")
    assert [mid for mid, _ in changes] == [f"m{i}" for i in range(50)]
    assert all(m.status is Status.DELIVERED for m in msgs)
    assert other.status is Status.ACCEPTED
    clock.advance("4s")
    assert other.status is Status.DELIVERED


def test_due_times_follow_the_submit_instant_and_the_delay_of_each_plan() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)

    def start(message_id: str, seconds: int) -> None:
        # A new Transition each time: equal delays given as distinct objects (a scenario's draws).
        after = timedelta(seconds=seconds)
        msg = message(clock, message_id=message_id)
        lifecycle.start(msg, (Transition(after=after, status=Status.DELIVERED),))

    start("a", 7)
    start("b", 7)
    start("c", 8)
    clock.advance("1s")
    start("d", 8)  # the delay of the last plan, a second later: due at 9 s, not 8 s
    start("e", 7)
    assert [due for due, _label in clock.pending()] == [
        T0 + timedelta(seconds=s) for s in (7, 8, 9)
    ]
    clock.advance("8s")
    assert [mid for mid, _ in changes] == ["a", "b", "c", "e", "d"]
    assert [c.at for _, c in changes] == [T0 + timedelta(seconds=s) for s in (7, 7, 8, 8, 9)]


def test_a_bucket_whose_steps_are_all_cancelled_leaves_the_clock() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    first, second = message(clock, message_id="a"), message(clock, message_id="b")
    lifecycle.start(first)
    lifecycle.start(second)
    assert lifecycle.cancel("a") == 1
    assert clock.next_due() == T0 + timedelta(seconds=5)
    assert lifecycle.cancel("b") == 1
    assert lifecycle.cancel("b") == 0
    assert clock.next_due() is None
    clock.advance("1m")
    assert changes == []


def test_a_step_scheduled_while_its_instant_fires_still_runs_in_that_advance() -> None:
    clock = VirtualClock(T0)
    follow = message(clock, message_id="follow")
    seen: list[str] = []
    lifecycle: LifecycleRunner

    def on_change(msg: Message, change: StatusChange) -> None:
        seen.append(msg.message_id)
        if msg.message_id == "first":  # same instant: zero delay from now
            follow.submitted_at = clock.now()
            lifecycle.start(follow, (Transition(after=timedelta(0), status=Status.DELIVERED),))

    lifecycle = LifecycleRunner(clock, on_change)
    lifecycle.start(message(clock, message_id="first"))
    clock.advance("5s")
    assert seen == ["first", "follow"]
    assert follow.status is Status.DELIVERED


def test_one_failing_change_does_not_stop_the_others_of_its_instant() -> None:
    clock = VirtualClock(T0)
    done: list[str] = []

    def on_change(msg: Message, change: StatusChange) -> None:
        if msg.message_id == "bad":
            raise RuntimeError("handler failed")
        done.append(msg.message_id)

    lifecycle = LifecycleRunner(clock, on_change)
    for mid in ("a", "bad", "c"):
        lifecycle.start(message(clock, message_id=mid))
    with pytest.raises(RuntimeError, match="handler failed"):
        clock.advance("5s")
    assert done == ["a", "c"]
    assert lifecycle.pending_count("c") == 0


def test_several_failing_changes_of_one_instant_all_reach_the_clock() -> None:
    clock = VirtualClock(T0)

    def on_change(msg: Message, change: StatusChange) -> None:
        raise RuntimeError(f"failed {msg.message_id}")

    lifecycle = LifecycleRunner(clock, on_change)
    for mid in ("a", "b"):
        lifecycle.start(message(clock, message_id=mid))
    with pytest.raises(ExceptionGroup) as caught:
        clock.advance("5s")
    assert [str(e) for e in caught.value.exceptions] == ["failed a", "failed b"]


def test_transition_cannot_go_back_in_time() -> None:
    with pytest.raises(ValueError, match="before"):
        Transition(after=timedelta(seconds=-1), status=Status.DELIVERED)


def test_once_queue_hands_each_item_to_exactly_one_of_many_readers() -> None:
    queue: OnceQueue[int] = OnceQueue()
    for i in range(5000):
        queue.put(i)
    taken: list[list[int]] = [[] for _ in range(8)]
    barrier = threading.Barrier(8)

    def reader(slot: int) -> None:
        barrier.wait()
        while batch := queue.take(limit=7):
            taken[slot].extend(batch)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    everything = [i for batch in taken for i in batch]
    assert sorted(everything) == list(range(5000))
    assert len(everything) == len(set(everything))


def test_once_queue_take_filters_and_keeps_the_rest_in_order() -> None:
    queue: OnceQueue[int] = OnceQueue()
    for i in range(10):
        queue.put(i)
    assert queue.take(lambda i: i % 2 == 0, limit=3) == [0, 2, 4]
    assert queue.peek() == [1, 3, 5, 6, 7, 8, 9]
    assert queue.take() == [1, 3, 5, 6, 7, 8, 9]
    assert queue.take() == []


def test_ids_are_reproducible_per_seed_and_namespace() -> None:
    def draw(seed: int, ns: str) -> list[str]:
        ids = IdGenerator(seed, ns)
        return [ids.digits(12), ids.hex(8), ids.uuid(), ids.alnum(6), str(ids.next())]

    assert draw(1, "infobip") == draw(1, "infobip")
    assert draw(1, "infobip") != draw(2, "infobip")
    assert draw(1, "infobip") != draw(1, "smsc")
    digits, _, uuid, _, counter = draw(3, "x")
    assert len(digits) == 12 and digits[0] != "0" and digits.isdigit()
    assert uuid[14] == "4" and uuid[19] in "89ab" and len(uuid) == 36
    assert counter == "1"


def test_journal_is_ordered_filterable_and_dumps_identically() -> None:
    clock = VirtualClock(T0)

    def run() -> str:
        journal = Journal(clock.now)
        journal.record("infobip", "http", "in", "GET /a", {"q": 1})
        journal.record("smsc", "http", "out", "200 text/plain")
        assert [e.provider for e in journal.entries(channel="http")] == ["infobip", "smsc"]
        assert journal.entries(provider="smsc")[0].seq == 2
        assert "GET /a" in journal.render()
        return journal.dumps()

    assert run() == run()
    assert '"provider": "infobip"' in run()


def test_journal_render_keeps_the_last_entries() -> None:
    journal = Journal(lambda: T0)
    for i in range(10):
        journal.record("p", "http", "in", f"request {i}")
    text = journal.render(last=3)
    assert "7 earlier entries omitted" in text
    assert "request 9" in text and "request 6" not in text


def _render_request(value: tuple[int, str]) -> tuple[str, dict[str, object]]:
    number, path = value
    return f"request {number} {path}", {"n": number}


def test_lazy_entries_read_exactly_as_eager_ones() -> None:
    clock = VirtualClock(T0)
    eager, lazy = Journal(clock.now), Journal(clock.now)
    calls: list[int] = []

    def render(value: tuple[int, str]) -> tuple[str, dict[str, object]]:
        calls.append(value[0])
        return _render_request(value)

    for i in range(3):
        eager.record("p", "smpp", "in", *_render_request((i, "/a")))
        lazy.record_lazy("p", "smpp", "in", render, (i, "/a"))
        clock.advance("1s")
    eager.record("p", "http", "out", "done")
    lazy.record("p", "http", "out", "done")  # eager and lazy mix in order
    assert len(lazy) == 4 and calls == []  # nothing rendered until read
    assert lazy.entries() == eager.entries()
    assert lazy.dumps() == eager.dumps() and lazy.render() == eager.render()
    assert calls == [0, 1, 2]  # rendered once
    lazy.entries(contains="request")
    assert calls == [0, 1, 2]
    assert [e.at for e in lazy] == [T0 + timedelta(seconds=s) for s in (0, 1, 2, 3)]


def test_a_bounded_journal_renders_what_it_would_drop() -> None:
    journal = Journal(lambda: T0, max_entries=3)
    for i in range(10):
        journal.record_lazy("p", "smpp", "in", _render_request, (i, "/b"))
    assert [e.summary for e in journal] == [f"request {i} /b" for i in (7, 8, 9)]
    assert [e.seq for e in journal] == [8, 9, 10]
    journal.clear()
    journal.record_lazy("p", "smpp", "in", _render_request, (0, "/c"))
    assert [(e.seq, e.summary) for e in journal] == [(1, "request 0 /c")]


def test_a_waiting_entry_takes_no_object_of_its_own() -> None:
    journal = Journal(lambda: T0)
    values = [(i, "/d") for i in range(1000)]  # the callers' values, made before counting
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for value in values:
            journal.record_lazy("p", "smpp", "in", _render_request, value)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Its four fields (kind, time, the value's two) and the list's spare room: no tuple (88 B).
    assert grown < 1000 * 40
    entries = journal.entries()
    assert (entries[-1].seq, entries[-1].summary) == (1000, "request 999 /d")


def test_a_bounded_journal_keeps_order_and_numbers_when_eager_and_lazy_entries_mix() -> None:
    journal = Journal(lambda: T0, max_entries=3)
    journal.record("p", "http", "in", "first")  # read at once: no entry waits before it
    for i in range(5):
        journal.record_lazy("p", "smpp", "in", _render_request, (i, "/e"))
        journal.record("p", "http", "out", f"answer {i}")  # waits behind the lazy one
    assert len(journal) == 3
    assert [(e.seq, e.summary) for e in journal] == [
        (9, "answer 3"),
        (10, "request 4 /e"),
        (11, "answer 4"),
    ]
    for i in range(7):  # beyond twice the bound, unread: the oldest go before anyone reads
        journal.record_lazy("p", "smpp", "in", _render_request, (i, "/f"))
    waiting_fields = len(journal._tail) + sum(map(len, journal._sealed))
    assert len(journal) == 3 and waiting_fields <= 2 * 3 * 4
    assert [(e.seq, e.summary) for e in journal] == [
        (16, "request 4 /f"),
        (17, "request 5 /f"),
        (18, "request 6 /f"),
    ]
    journal.set_max_entries(None)
    journal.record_lazy("p", "smpp", "in", _render_request, (0, "/g"))
    assert [e.seq for e in journal] == [16, 17, 18, 19]


def test_accounts_build_with_aliases_and_refuse_bad_values() -> None:
    book = AccountBook("infobip")
    account = book.add(book.build("shop", "pw", credits=10, dlr_url="http://x/dlr", senders=["A"]))
    assert account.balance == Decimal("10")
    assert account.options == {"senders": ["A"]}
    assert book.authenticate("shop", "pw") is account
    assert book.authenticate("shop", "nope") is None
    assert book.authenticate(None, None) is None
    with pytest.raises(ConfigError, match="balance must be a number"):
        book.build("x", "y", balance="lots")
    with pytest.raises(ConfigError, match="non-empty username"):
        book.build("", "y")


def test_message_store_one_explains_what_was_there() -> None:
    clock = VirtualClock(T0)
    store = MessageStore("infobip")
    store.add(message(clock, message_id="a", to="1"))
    store.add(message(clock, message_id="b", to="2"))
    assert store.one(to="2").message_id == "b"
    with pytest.raises(
        SmsMockAssertionError, match=r"^smsmock: infobip: expected one message"
    ) as e:
        store.one(to="3")
    assert "a: to=1" in str(e.value) and "b: to=2" in str(e.value)
    assert store.last.message_id == "b"
    assert [m.message_id for m in store.filter(lambda m: m.to == "1")] == ["a"]
    with pytest.raises(TypeError, match="cannot filter"):
        store.filter(colour="red")


def test_restart_runs_the_steps_left_from_a_new_beginning() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock)
    plan = (
        Transition(after=timedelta(seconds=10), status=Status.ENROUTE),
        Transition(after=timedelta(minutes=1), status=Status.DELIVERED),
    )
    lifecycle.start(msg, plan)
    clock.advance("30s")  # en route at 10 s; delivery was due at 1m10s
    assert lifecycle.restart(msg, begin=clock.now()) == 1
    clock.advance("59s")
    assert msg.status is Status.ENROUTE
    clock.advance("1s")
    assert [(c.status, c.at - T0) for _id, c in changes] == [
        (Status.ENROUTE, timedelta(seconds=10)),
        (Status.DELIVERED, timedelta(seconds=90)),
    ]


def test_restart_applies_a_new_schedule_and_validity() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg = message(clock)
    lifecycle.start(msg, (Transition(after=timedelta(minutes=5), status=Status.DELIVERED),))
    msg.scheduled_at = T0 + timedelta(hours=1)
    msg.expires_at = T0 + timedelta(hours=1, minutes=2)
    lifecycle.restart(msg, begin=clock.now())
    assert msg.status is Status.SCHEDULED
    clock.advance("2h")
    assert [c.status for _id, c in changes] == [Status.ACCEPTED, Status.EXPIRED]


def test_a_restart_back_into_the_same_instant_runs_the_step_once() -> None:
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    msg, other = message(clock, message_id="a"), message(clock, message_id="b")
    lifecycle.start(msg)
    lifecycle.start(other)  # keeps the instant's bucket alive through the restart
    assert lifecycle.restart(msg, begin=T0) == 1  # the same step, due at the same instant
    clock.advance("1m")
    assert [(mid, c.status) for mid, c in changes] == [
        ("b", Status.DELIVERED),
        ("a", Status.DELIVERED),
    ]
    assert lifecycle.pending_count("a") == 0


def test_a_step_cancelled_while_its_instant_fires_does_not_run() -> None:
    clock = VirtualClock(T0)
    seen: list[str] = []
    lifecycle: LifecycleRunner

    def on_change(msg: Message, change: StatusChange) -> None:
        seen.append(msg.message_id)
        if msg.message_id == "first":
            lifecycle.cancel("second")  # due at this same instant, not run yet
            late = message(clock, message_id="late", submitted_at=clock.now())
            lifecycle.start(late, (Transition(after=timedelta(0), status=Status.DELIVERED),))

    lifecycle = LifecycleRunner(clock, on_change)
    for mid in ("first", "second", "third"):
        lifecycle.start(message(clock, message_id=mid))
    clock.advance("5s")
    assert seen == ["first", "third", "late"]


def test_messages_sharing_an_id_each_follow_their_own_plan() -> None:
    # A client may give two messages the same id (Infobip's messageId): each keeps its steps.
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    first, second = message(clock, to="1"), message(clock, to="2")
    lifecycle.start(first, (Transition(after=timedelta(seconds=5), status=Status.DELIVERED),))
    lifecycle.start(
        second, (Transition(after=timedelta(seconds=5), status=Status.UNDELIVERABLE, error=1),)
    )
    assert lifecycle.pending_count("m1") == 2
    clock.advance("5s")
    assert (first.status, second.status) == (Status.DELIVERED, Status.UNDELIVERABLE)
    assert second.error == 1
    assert [c.status for _id, c in changes] == [Status.DELIVERED, Status.UNDELIVERABLE]


def test_waiting_steps_are_plain_values_the_collector_stops_tracking() -> None:
    # A long run keeps hours of virtual time of steps waiting: the collector's full passes must
    # not walk them (bench/README.md, "Scenarios").
    clock = VirtualClock(T0)
    lifecycle, changes = runner(clock)
    plan = (
        Transition(after=timedelta(seconds=10), status=Status.ENROUTE),
        Transition(after=timedelta(hours=2), status=Status.DELIVERED, native="DELIVRD"),
    )
    for i in range(50):
        lifecycle.start(message(clock, message_id=f"m{i}"), plan)
    gc.collect()
    gc.collect()  # a tuple of tuples goes untracked at the pass after its items, whatever order
    waiting = [lifecycle._pending[f"m{i}"] for i in range(50)]
    assert len(waiting) == 50 and all(len(steps) == 2 for steps in waiting)
    assert not any(gc.is_tracked(steps) or any(map(gc.is_tracked, steps)) for steps in waiting)
    clock.advance("3h")
    assert len(changes) == 100 and changes[-1][1].native == "DELIVRD"


def test_lazy_entries_across_many_chunks_read_back_in_order_and_in_full() -> None:
    journal = Journal(lambda: T0)
    for i in range(3000):  # values of two sizes: entries straddle the chunks' edges
        value = (i, "/a") if i % 3 else (i, "/b", "extra")
        journal.record_lazy("p", "smpp", "in", _render_sized, value)
    entries = journal.entries()
    assert [e.seq for e in entries] == list(range(1, 3001))
    assert [e.summary for e in entries[:4]] == ["0 /b extra", "1 /a", "2 /a", "3 /b extra"]
    assert entries[-1].summary == "2999 /a"
    journal.record_lazy("p", "smpp", "in", _render_sized, (3000, "/a"))
    assert [e.summary for e in journal.entries()[-2:]] == ["2999 /a", "3000 /a"]


def test_a_long_unread_journal_of_plain_values_is_not_walked_by_the_collector() -> None:
    journal = Journal(lambda: T0)
    for i in range(5000):
        journal.record_lazy("p", "dlr", "event", _render_sized, (f"id{i}", "delivered"))
    gc.collect()
    assert len(journal._sealed) >= 9
    assert not any(gc.is_tracked(chunk) for chunk in journal._sealed)
    assert len(journal) == 5000


def test_a_bounded_journal_trimmed_across_chunks_keeps_the_newest_entries() -> None:
    journal = Journal(lambda: T0, max_entries=700)
    for i in range(2500):
        journal.record_lazy("p", "smpp", "in", _render_sized, (i, "/c"))
    entries = journal.entries()
    assert [e.seq for e in entries] == list(range(1801, 2501))
    assert entries[0].summary == "1800 /c"


def _render_sized(value: tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    return " ".join(str(v) for v in value), {}
