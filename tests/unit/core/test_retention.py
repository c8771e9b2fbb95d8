"""Bounded runs (`smsmock serve`, load tests): the journal and the finished messages stay within
their bounds, the oldest finished forgotten first; unbounded is the default (pytest runs)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.test import EnvironBuilder

from pytest_smsmock.cli import SERVE_MAX_FINISHED, SERVE_MAX_JOURNAL, _parser
from pytest_smsmock.core.journal import Journal
from pytest_smsmock.core.messages import Message, MessageStore, Status
from pytest_smsmock.core.queues import OnceQueue
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.smsc.limits import SWEEP_EVERY, RateLimits

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def message(n: int) -> Message:
    return Message(
        message_id=f"m{n}", provider="p", account="a", to="1", sender="s", text="", submitted_at=T0
    )


def test_the_store_forgets_the_oldest_finished_beyond_its_bound() -> None:
    store = MessageStore("p", max_finished=2)
    forgotten: list[str] = []
    store.on_evict = lambda m: forgotten.append(m.message_id)
    messages = [store.add(message(n)) for n in range(6)]
    for n in (3, 0, 4, 1):  # finishing order, not submission order
        messages[n].set_status(Status.DELIVERED, T0)
        store.finished(messages[n])
    assert forgotten == ["m3", "m0"]
    assert [m.message_id for m in store] == ["m1", "m2", "m4", "m5"]  # m2, m5 still on their way
    assert len(store) == 4 and store[0].message_id == "m1" and store.last.message_id == "m5"
    assert "m3" not in store and store.get("m0") is None


def test_the_store_is_unbounded_by_default_and_can_be_bounded_later() -> None:
    store = MessageStore("p")
    for n in range(5):
        kept = store.add(message(n))
        kept.set_status(Status.DELIVERED, T0)
        store.finished(kept)
    assert len(store) == 5
    store.set_max_finished(3)
    assert [m.message_id for m in store] == ["m2", "m3", "m4"]


def test_forgetting_many_is_linear_not_quadratic() -> None:
    store = MessageStore("p", max_finished=10)
    for n in range(20_000):
        kept = store.add(message(n))
        kept.set_status(Status.DELIVERED, T0)
        store.finished(kept)
    assert len(store._order) <= 40  # compacted as it goes
    assert store[0].message_id == "m19990"


def test_a_bounded_journal_and_queue_keep_the_newest() -> None:
    journal = Journal(lambda: T0)
    for n in range(10):
        journal.record("p", "http", "in", f"entry {n}")
    journal.set_max_entries(3)
    journal.record("p", "http", "in", "entry 10")
    assert [e.seq for e in journal.entries()] == [9, 10, 11]
    queue: OnceQueue[int] = OnceQueue()
    for n in range(5):
        queue.put(n)
    queue.set_maxlen(2)
    queue.put(5)
    assert queue.take() == [4, 5]


def test_the_smsc_rate_limits_forget_keys_that_cannot_refuse_anymore() -> None:
    limits = RateLimits()
    for n in range(SWEEP_EVERY - 1):
        assert limits.admit(("status", n), T0, 5)
    later = T0 + timedelta(minutes=2)
    limits.admit(("status", "new"), later, 5)  # the sweep's turn
    assert list(limits._windows) == [("status", "new")]


def _send_and_finish(hub: SmsMock, count: int) -> None:
    for n in range(count):
        query = {"login": "test", "psw": "test", "phones": f"7999{n:07d}", "mes": f"x{n}", "fmt": 3}
        request = EnvironBuilder(path="/sys/send.php", query_string=query).get_request()
        assert hub.smsc.dispatch(request, "primary").status_code == 200
    hub.clock.advance("1m")


def _status(hub: SmsMock, smsc_id: int) -> int:
    query = {
        "login": "test",
        "psw": "test",
        "phone": f"7999{smsc_id - 1:07d}",
        "id": smsc_id,
        "fmt": 3,
    }
    request = EnvironBuilder(path="/sys/status.php", query_string=query).get_request()

    return int(json.loads(hub.smsc.dispatch(request, "primary").get_data())["status"])


def test_a_bounded_hub_keeps_what_it_was_told() -> None:
    hub = SmsMock(providers=("smsc",), max_journal_entries=50, max_finished_messages=20)
    _send_and_finish(hub, 60)
    assert len(hub.journal) == 50
    assert [m.client_ref for m in hub.smsc.messages] == [str(n) for n in range(41, 61)]
    assert _status(hub, 60) == 1  # delivered, still known
    assert _status(hub, 1) == -3  # forgotten: answered as an archived message


def test_pytest_runs_keep_everything_and_a_scenario_may_bound_until_reset() -> None:
    hub = SmsMock(providers=("smsc",))
    assert hub.retention == (None, None)
    _send_and_finish(hub, 30)
    assert len(hub.smsc.messages) == 30
    hub.load_scenario({"version": 1, "retention": {"journal_entries": 40, "finished_messages": 10}})
    assert hub.retention == (40, 10)
    assert len(hub.smsc.messages) == 10 and len(hub.journal) == 40
    hub.reset()
    assert hub.retention == (None, None)


def test_serve_is_bounded_by_default_and_zero_means_unbounded() -> None:
    args = _parser().parse_args(["serve"])
    assert (args.max_journal_entries, args.max_finished_messages) == (
        SERVE_MAX_JOURNAL,
        SERVE_MAX_FINISHED,
    )
    args = _parser().parse_args(
        ["serve", "--max-journal-entries", "0", "--max-finished-messages", "5"]
    )
    assert (args.max_journal_entries, args.max_finished_messages) == (None, 5)
    with pytest.raises(ConfigError):
        SmsMock(max_finished_messages=0)
