from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytest_smsmock.clock import VirtualClock
from pytest_smsmock.core.callbacks import CallbackDispatcher, CallbackRequest, CallbackResult
from pytest_smsmock.core.journal import Journal

T0 = datetime(2025, 1, 1, tzinfo=UTC)
RETRIES = [timedelta(minutes=m) for m in (1, 2, 5, 10)]


def setup(
    answers: list[CallbackResult],
) -> tuple[VirtualClock, Journal, CallbackDispatcher, list[datetime]]:
    clock = VirtualClock(T0)
    journal = Journal(clock.now)
    calls: list[datetime] = []

    def sender(request: CallbackRequest) -> CallbackResult:
        calls.append(clock.now())
        return answers.pop(0) if answers else CallbackResult(status=200)

    return clock, journal, CallbackDispatcher("infobip", clock, journal, lambda: sender), calls


def test_a_failing_push_is_retried_on_the_schedule_then_dropped() -> None:
    clock, journal, dispatcher, calls = setup([CallbackResult(error="refused")] * 5)
    outcome: list[bool] = []
    dispatcher.send(
        CallbackRequest(method="POST", url="http://127.0.0.1:9/dlr", ref="m1"),
        retries=RETRIES,
        on_done=lambda ok, result: outcome.append(ok),
    )
    clock.advance("1h")
    assert [c - T0 for c in calls] == [timedelta(0), *[timedelta(minutes=m) for m in (1, 3, 8, 18)]]
    assert outcome == [False]
    assert "dropped after 5 attempt(s)" in journal.entries(channel="callback")[-1].summary


def test_a_push_stops_retrying_once_accepted() -> None:
    clock, journal, dispatcher, calls = setup(
        [CallbackResult(status=500), CallbackResult(status=200)]
    )
    dispatcher.send(CallbackRequest(method="POST", url="http://x/"), retries=RETRIES)
    clock.advance("1h")
    assert len(calls) == 2
    assert [e.detail["ok"] for e in journal.entries(channel="callback")] == [False, True]


def test_acceptance_rule_is_the_providers() -> None:
    clock, _, dispatcher, calls = setup([CallbackResult(status=200, body=b"nope")])
    dispatcher.send(
        CallbackRequest(method="POST", url="http://x/"),
        retries=[timedelta(minutes=1)],
        accept=lambda r: r.body == b"Ok",
    )
    clock.advance("5m")
    assert (
        len(calls) == 2
    )  # 200 "nope" did not count; the retry got the default 200 "" ... and failed too


def test_a_fault_hook_stands_in_for_the_client() -> None:
    clock = VirtualClock(T0)
    journal = Journal(clock.now)
    sent: list[int] = []

    def hook(request: CallbackRequest, attempt: int) -> CallbackResult | None:
        return CallbackResult(error="timeout") if attempt <= 2 else None

    dispatcher = CallbackDispatcher(
        "p",
        clock,
        journal,
        lambda: lambda r: (sent.append(1), CallbackResult(status=200))[1],
        lambda: hook,
    )
    dispatcher.send(CallbackRequest(method="POST", url="http://x/"), retries=RETRIES)
    clock.advance("1h")
    summaries = [e.summary for e in journal.entries(channel="callback")]
    assert sent == [1]
    assert "injected" in summaries[0] and "timeout" in summaries[0]
    assert summaries[2].endswith("ok (HTTP 200 '')")
