"""HTTP listeners with clients that reuse connections (requests.Session), as real clients do.

Run alone: ``python -m bench http``. One `requests.Session` sends N GETs in a row to the
Infobip fake (`/api/command?cmd=CREDITS`, a small answer); then C sessions in threads do the same
at once. Each is measured twice in the same run: as the session likes it (reusing its
connection when the server keeps it alive), and with ``Connection: close`` on every request
(one TCP connection per request: what every client got while the listener closed after each
answer). Reported: requests per second, TCP connections the clients opened, and sockets left
in TIME_WAIT on the listener's port afterwards.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import requests
import urllib3.connection

from pytest_smsmock.hub import SmsMock

REQUESTS = 2000
CLIENTS = 16
PER_CLIENT = 250
PATH = "/api/command?username=test&password=test&cmd=CREDITS"


def _time_wait(port: int) -> int:
    """Sockets in TIME_WAIT with `port` at either end (Linux /proc; 0 elsewhere)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as handle:
                next(handle)
                for line in handle:
                    fields = line.split()
                    local, remote, state = fields[1], fields[2], fields[3]
                    ports = {int(local.rsplit(":", 1)[1], 16), int(remote.rsplit(":", 1)[1], 16)}
                    if state == "06" and port in ports:
                        count += 1
        except OSError:
            continue
    return count


class _Connects:
    """Counts the TCP connections urllib3 opens (every client's, for the whole process)."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()
        self._original = urllib3.connection.HTTPConnection.connect

    def __enter__(self) -> _Connects:
        original = self._original

        def connect(conn: urllib3.connection.HTTPConnection) -> None:
            with self._lock:
                self.count += 1
            original(conn)

        urllib3.connection.HTTPConnection.connect = connect  # type: ignore[assignment,method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        urllib3.connection.HTTPConnection.connect = self._original  # type: ignore[method-assign]


def _run(url: str, clients: int, each: int, *, close: bool) -> tuple[float, int]:
    """(seconds, connections opened) for `clients` sessions sending `each` requests."""
    headers = {"Connection": "close"} if close else {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(clients + 1)

    def client() -> None:
        with requests.Session() as session:
            try:
                barrier.wait()
                for _ in range(each):
                    answer = session.get(url + PATH, headers=headers, timeout=10)
                    answer.raise_for_status()
            except BaseException as exc:  # reported after the run
                errors.append(exc)

    with _Connects() as connects:
        threads = [threading.Thread(target=client) for _ in range(clients)]
        for thread in threads:
            thread.start()
        barrier.wait()
        start = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client(s) failed: {errors[0]!r}")
    return elapsed, connects.count


def main() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with SmsMock(providers=("infobip",)) as hub:
        url = hub.infobip.url
        port = hub.http_servers[("infobip", "primary")].port
        for label, clients, each in (
            ("1 session", 1, REQUESTS),
            (f"{CLIENTS} sessions", CLIENTS, PER_CLIENT),
        ):
            for close in (False, True):
                hub.reset()
                before = _time_wait(port)
                seconds, opened = _run(url, clients, each, close=close)
                total = clients * each
                key = f"{'close' if close else 'reuse'}_{clients}"
                figures[f"{key}_rps"] = total / seconds
                figures[f"{key}_connections"] = opened
                figures[f"{key}_time_wait"] = _time_wait(port) - before
                print(
                    f"{label:<12} {'Connection: close' if close else 'session reuse':<18} "
                    f"{total / seconds:8.0f} req/s  {opened:6d} connections  "
                    f"{figures[f'{key}_time_wait']:6d} TIME_WAIT"
                )
    return figures


if __name__ == "__main__":
    main()
