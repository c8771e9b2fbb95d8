"""Intercept against a loopback socket: the same request, with the same client, both ways.

One started hub (Infobip only). A `requests.Session` (keep-alive) sends N requests to
``smsmock.infobip.url`` over 127.0.0.1, then N requests to ``https://api.infobip.com`` under
`intercept` (answered in-process by the same fake). Rounds alternate the two, best of 5. Two
requests: the credits command (the fake does almost nothing: the transport is the cost) and a
plain send (authentication, scenario, message, lifecycle). The floor is the fake's own
`dispatch()` with a prepared werkzeug request, no client at all. httpx and a bare urllib3
`PoolManager` are measured the same way.

Wall and CPU time per request are both reported; CPU time (the process's, both ends of the
loopback socket live in it) is what the shared machine disturbs least.

Run alone: `python -m bench intercept` or `python -m bench.bench_intercept`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import requests
import urllib3
from werkzeug.test import EnvironBuilder

from pytest_smsmock.hub import SmsMock

ROUNDS = 5
REQUESTS = 400

CREDITS = {"username": "test", "password": "test", "cmd": "CREDITS"}
SEND = {"user": "test", "password": "test", "sender": "Shop", "SMSText": "hi", "GSM": "38598123456"}
PATHS = {"credits": ("/api/command", CREDITS), "send": ("/api/v3/sendsms/plain", SEND)}


def _per_request(call: Callable[[], Any], count: int = REQUESTS) -> tuple[float, float]:
    """(wall, CPU) seconds per call. CPU time is the process's, every thread included: the
    loopback server runs in this process, so both sides of the socket are counted, and time
    the shared machine gives to other processes is not."""
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        call()
    return (time.perf_counter() - wall) / count, (time.process_time() - cpu) / count


def _measure(hub: SmsMock, kind: str, client: str) -> dict[str, float]:
    path, params = PATHS[kind]
    loopback_url = hub.infobip.url + path
    real_url = "https://api.infobip.com" + path
    session: Any
    if client == "requests":
        session = requests.Session()
    elif client == "httpx":
        session = httpx.Client()
    else:
        pool = urllib3.PoolManager()
        query = urlencode(params)
        session = pool

        def get(url: str) -> Callable[[], Any]:
            target = f"{url}?{query}"
            return lambda: pool.request("GET", target)

    if client != "urllib3":

        def get(url: str) -> Callable[[], Any]:
            return lambda: session.get(url, params=params)

    loopback, intercepted = [], []
    for _ in range(ROUNDS):
        hub.reset()
        loopback.append(_per_request(get(loopback_url)))
        hub.reset()
        with hub.intercept():
            intercepted.append(_per_request(get(real_url)))
    if client == "urllib3":
        session.clear()
    else:
        session.close()
    socket_wall, intercept_wall = min(w for w, _ in loopback), min(w for w, _ in intercepted)
    socket_cpu, intercept_cpu = min(c for _, c in loopback), min(c for _, c in intercepted)
    return {
        "loopback_us": socket_wall * 1e6,
        "intercept_us": intercept_wall * 1e6,
        "ratio": socket_wall / intercept_wall,
        "loopback_cpu_us": socket_cpu * 1e6,
        "intercept_cpu_us": intercept_cpu * 1e6,
        "cpu_ratio": socket_cpu / intercept_cpu,
    }


def _floor(hub: SmsMock, kind: str) -> float:
    path, params = PATHS[kind]
    fake = hub.infobip

    def call() -> None:
        request = EnvironBuilder(path=path, query_string=params).get_request()
        fake.dispatch(request, "primary")

    best = []
    for _ in range(ROUNDS):
        hub.reset()
        best.append(_per_request(call)[1])
    return min(best) * 1e6


def main() -> dict[str, Any]:
    results: dict[str, Any] = {}
    with SmsMock(providers=("infobip",)) as hub:
        print(
            f"{'request':<8} {'client':<9} {'loopback':>9} {'intercept':>9} {'ratio':>6}"
            f" | {'CPU: loopback':>13} {'intercept':>9} {'ratio':>6}"
        )
        for kind in PATHS:
            for client in ("requests", "httpx", "urllib3"):
                figures = _measure(hub, kind, client)
                results[f"{kind}/{client}"] = figures
                print(
                    f"{kind:<8} {client:<9} {figures['loopback_us']:>7.0f}us "
                    f"{figures['intercept_us']:>7.0f}us {figures['ratio']:>5.1f}x"
                    f" | {figures['loopback_cpu_us']:>11.0f}us "
                    f"{figures['intercept_cpu_us']:>7.0f}us {figures['cpu_ratio']:>5.1f}x"
                )
            results[f"{kind}/dispatch_cpu_us"] = floor = _floor(hub, kind)
            print(f"{kind:<8} {'(none)':<9} {'':>37} {floor:>7.0f}us fake.dispatch alone")
    return results


if __name__ == "__main__":
    main()
