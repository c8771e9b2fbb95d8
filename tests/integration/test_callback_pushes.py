"""DLR pushes to a real receiver: concurrent per instant, in a deterministic journal order, with
the callback timeout of the hub or of the scenario. Waits are bounded (barriers, events)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from pytest_smsmock.core.callbacks import DEFAULT_TIMEOUT
from pytest_smsmock.hub import SmsMock

BOUND = 10.0
COUNT = 5


class Receiver:
    """The client's DLR endpoint, a threaded server; `behave(arrival_index)` runs per push."""

    def __init__(self) -> None:
        self.arrivals = 0
        self.lock = threading.Lock()
        self.behave: Callable[[int], None] = lambda index: None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    index = receiver.arrivals
                    receiver.arrivals += 1
                try:
                    receiver.behave(index)
                    self.send_response(200)
                except threading.BrokenBarrierError:
                    self.send_response(500)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/dlr"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _send(hub: SmsMock, count: int) -> list[str]:
    for n in range(count):
        answer = requests.get(
            hub.infobip.url + "/api/v3/sendsms/plain",
            {
                "user": "shop",
                "password": "pw",
                "sender": "Shop",
                "SMSText": "hi",
                "GSM": f"38591100000{n}",
            },
            timeout=BOUND,
        )
        answer.raise_for_status()
    return [m.message_id for m in hub.infobip.messages]


def _attempts(hub: SmsMock) -> list[tuple[str, bool, str | None]]:
    return [
        (e.detail["ref"], e.detail["ok"], e.detail["error"])
        for e in hub.journal.entries(channel="callback", direction="out")
    ]


def test_pushes_of_one_instant_go_out_together_and_are_journaled_in_order(
    receiver: Receiver,
) -> None:
    # Every push waits for all the others: one after another (as before), the first would
    # wait in vain and time out.
    together = threading.Barrier(COUNT, timeout=BOUND)
    answered = [threading.Event() for _ in range(COUNT)]

    def behave(index: int) -> None:
        together.wait()
        # The last to arrive answers first: the journal must not follow the answers' order.
        if index + 1 < COUNT:
            answered[index + 1].wait(BOUND)
        answered[index].set()

    receiver.behave = behave
    with SmsMock(providers=("infobip",), callback_timeout=BOUND) as hub:
        hub.infobip.add_account("shop", "pw", dlr_url=receiver.url)
        ids = _send(hub, COUNT)
        hub.clock.advance("5s")  # every message delivered at the same instant
        assert _attempts(hub) == [(message_id, True, None) for message_id in ids]
        assert hub.take_errors() == []


def test_the_callback_timeout_is_short_by_default_and_set_by_hub_or_scenario(
    receiver: Receiver,
) -> None:
    release = threading.Event()
    receiver.behave = lambda index: release.wait(BOUND) and None  # hangs until released
    try:
        assert DEFAULT_TIMEOUT == 2.0
        with SmsMock(providers=("infobip",)) as hub:
            assert hub.callback_timeout == DEFAULT_TIMEOUT
            hub.load_scenario(
                {
                    "version": 1,
                    "accounts": {
                        "infobip": [{"username": "shop", "password": "pw", "dlr_url": receiver.url}]
                    },
                    "callbacks": {"timeout": "200ms", "concurrency": 4},
                }
            )
            assert (hub.callback_timeout, hub.callback_concurrency) == (0.2, 4)
            ids = _send(hub, 3)
            hub.clock.advance("5s")
            assert _attempts(hub) == [(message_id, False, "timeout") for message_id in ids]
            hub.reset()
            assert (hub.callback_timeout, hub.callback_concurrency) == (DEFAULT_TIMEOUT, 16)
        with SmsMock(providers=("infobip",), callback_timeout=0.3) as hub:
            assert hub.callback_timeout == 0.3
    finally:
        release.set()


def test_callback_failures_still_come_under_callbacks_faults(receiver: Receiver) -> None:
    with SmsMock(providers=("infobip",)) as hub:
        hub.load_scenario(
            {
                "version": 1,
                "callbacks": {
                    "faults": [{"provider": "infobip", "fail_first": 1, "with": "refused"}]
                },
            }
        )
        hub.infobip.add_account("shop", "pw", dlr_url=receiver.url)
        (message_id,) = _send(hub, 1)
        hub.clock.advance("5s")
        hub.clock.advance("1m")  # Infobip retries after a minute
        assert _attempts(hub) == [(message_id, False, "refused"), (message_id, True, None)]
