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


class BatchSender:
    """A sender with `send_many`, as the hub's: records the batches it was handed."""

    def __init__(self, answers: dict[str, CallbackResult] | None = None) -> None:
        self.batches: list[list[str]] = []
        self.answers = answers or {}

    def __call__(self, request: CallbackRequest) -> CallbackResult:
        self.batches.append([request.ref])
        return self.answers.get(request.ref, CallbackResult(status=200))

    def send_many(self, requests: list[CallbackRequest]) -> list[CallbackResult]:
        self.batches.append([r.ref for r in requests])
        # Answered in reverse, as a concurrent receiver may: the order must not matter.
        answers = {
            r.ref: self.answers.get(r.ref, CallbackResult(status=200)) for r in reversed(requests)
        }
        return [answers[r.ref] for r in requests]


def test_pushes_of_one_instant_go_out_as_one_batch_and_settle_in_order() -> None:
    clock = VirtualClock(T0)
    journal = Journal(clock.now)
    sender = BatchSender({"m2": CallbackResult(error="refused")})
    dispatcher = CallbackDispatcher("p", clock, journal, lambda: sender)
    done: list[tuple[str, bool]] = []

    def push_all() -> None:  # what a lifecycle event does for the messages of one instant
        for ref in ("m1", "m2", "m3"):
            dispatcher.send(
                CallbackRequest(method="POST", url="http://x/", ref=ref),
                retries=RETRIES,
                on_done=lambda ok, _r, ref=ref: done.append((ref, ok)),
            )

    clock.call_later("5s", push_all)
    clock.call_later(
        "5s", lambda: dispatcher.send(CallbackRequest(method="POST", url="http://x/", ref="m4"))
    )
    clock.advance("5s")
    assert sender.batches == [["m1", "m2", "m3", "m4"]]
    attempts = journal.entries(channel="callback", direction="out")
    assert [e.detail["ref"] for e in attempts] == ["m1", "m2", "m3", "m4"]
    assert [e.detail["ok"] for e in attempts] == [True, False, True, True]
    assert done == [("m1", True), ("m3", True)]
    sender.answers.clear()
    clock.advance("1m")  # m2's retry, alone in its instant
    assert sender.batches[-1] == ["m2"]
    assert done[-1] == ("m2", True)


def test_a_push_outside_the_clocks_events_goes_out_at_once() -> None:
    clock = VirtualClock(T0)
    journal = Journal(clock.now)
    sender = BatchSender()
    dispatcher = CallbackDispatcher("p", clock, journal, lambda: sender)
    dispatcher.send(CallbackRequest(method="POST", url="http://x/", ref="mo"))
    assert sender.batches == [["mo"]]
    assert clock.pending() == []
