"""Foundation costs: per-test reset of the `smsmock` fixture, and starting/stopping every server.

Baselines are measured in the same run on the same machine:
- per-test overhead: N pytest tests using `smsmock` against N tests using an empty fixture
  (both in one in-process pytest run each, the hub's session start excluded by a warm-up test);
- start/stop: one `SmsMock` with every provider's listeners against a bare pytest-httpserver
  `HTTPServer().start()/stop()`.
"""

from __future__ import annotations

import statistics
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROUNDS = 5
TESTS = 400


def _best(fn: Callable[[], float], rounds: int = ROUNDS) -> float:
    return min(fn() for _ in range(rounds))


def _pytest_run(name: str, body: str, tests: int) -> float:
    """Wall time of the test phase of a pytest run of `tests` generated tests."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"test_bench_{name}.py"
        path.write_text(textwrap.dedent(body).replace("N_TESTS", str(tests)))
        timings: list[float] = []

        class Timer:
            def pytest_runtestloop(self, session: pytest.Session) -> None:
                timings.append(time.perf_counter())

            def pytest_sessionfinish(self, session: pytest.Session) -> None:
                timings.append(time.perf_counter())

        code = pytest.main(
            [str(path), "-q", "-p", "no:cacheprovider", "--no-header", "-W", "ignore"],
            plugins=[Timer()],
        )
        if code != 0:
            raise RuntimeError(f"benchmark run failed with exit code {code}")
        return timings[-1] - timings[0]


EMPTY = """
import pytest

@pytest.fixture
def empty():
    yield None

@pytest.mark.parametrize("n", range(N_TESTS))
def test_it(empty, n):
    assert empty is None
"""

WITH_SMSMOCK = """
import pytest

def test_warm_up(smsmock):
    assert smsmock.infobip.url

@pytest.mark.parametrize("n", range(N_TESTS))
def test_it(smsmock, n):
    assert smsmock.infobip.accounts
"""


def per_test_overhead() -> dict[str, float]:
    empty = _pytest_run("empty", EMPTY, TESTS)
    mocked = _pytest_run("smsmock", WITH_SMSMOCK, TESTS)
    return {
        "empty_fixture_ms_per_test": empty / TESTS * 1000,
        "smsmock_ms_per_test": mocked / (TESTS + 1) * 1000,
        "overhead_ms_per_test": (mocked / (TESTS + 1) - empty / TESTS) * 1000,
    }


def reset_micro() -> dict[str, float]:
    from pytest_smsmock.hub import SmsMock

    hub = SmsMock()

    def run() -> float:
        start = time.perf_counter()
        for _ in range(1000):
            hub.reset()
        return (time.perf_counter() - start) / 1000

    def noop() -> float:
        def f() -> None:
            return None

        start = time.perf_counter()
        for _ in range(1000):
            f()
        return (time.perf_counter() - start) / 1000

    return {"reset_us": _best(run) * 1e6, "noop_call_us": _best(noop) * 1e6}


def start_stop() -> dict[str, float]:
    from pytest_httpserver import HTTPServer

    from pytest_smsmock.hub import SmsMock

    def bare() -> float:
        server = HTTPServer(host="127.0.0.1", port=0)
        t0 = time.perf_counter()
        server.start()
        server.stop()
        return time.perf_counter() - t0

    def ours() -> tuple[float, float, int]:
        hub = SmsMock()
        hub.server_ssl_context()  # the CA is made once per session; time the servers
        t0 = time.perf_counter()
        hub.start()
        t1 = time.perf_counter()
        listeners = len(hub.endpoints())
        hub.stop()
        return t1 - t0, time.perf_counter() - t1, listeners

    bare_times = [bare() for _ in range(ROUNDS)]
    ours_runs = [ours() for _ in range(ROUNDS)]
    return {
        "httpserver_start_stop_s": statistics.median(bare_times),
        "smsmock_start_s": statistics.median(r[0] for r in ours_runs),
        "smsmock_stop_s": statistics.median(r[1] for r in ours_runs),
        "smsmock_listeners": ours_runs[0][2],
    }


SESSION_SUITES = {
    # name: (test file, extra pytest arguments)
    "no plugin": ("def test_it():\n    assert True\n", ["-p", "no:smsmock"]),
    "plugin loaded": ("def test_it():\n    assert True\n", []),
    "smsmock (infobip)": ("def test_it(smsmock):\n    assert smsmock.infobip.url\n", []),
    "pytest-httpserver": ("def test_it(httpserver):\n    assert httpserver.url_for('/')\n", []),
}


def session_start(rounds: int = ROUNDS) -> dict[str, float]:
    """Whole pytest runs of a one-test suite in fresh interpreters, median of `rounds`, the four
    suites interleaved (a noisy spell falls on all): what a user's session pays for importing
    the plugin and for the first use of the fixture, beside pytest-httpserver's own fixture."""
    import subprocess
    import sys

    times: dict[str, list[float]] = {name: [] for name in SESSION_SUITES}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (body, _) in SESSION_SUITES.items():
            slug = name.split()[0].replace("-", "_")
            (Path(tmp) / f"test_{slug}.py").write_text(body)
        for _ in range(rounds):
            for name, (_, extra) in SESSION_SUITES.items():
                slug = name.split()[0].replace("-", "_")
                command = [sys.executable, "-m", "pytest", f"test_{slug}.py", "-q"]
                command += ["-p", "no:cacheprovider", "-p", "no:xdist", *extra]
                started = time.perf_counter()
                subprocess.run(command, cwd=tmp, check=True, capture_output=True)
                times[name].append(time.perf_counter() - started)
    median = {name: statistics.median(values) for name, values in times.items()}
    return {
        "session_no_plugin_s": median["no plugin"],
        "session_plugin_import_s": median["plugin loaded"] - median["no plugin"],
        "session_fixture_first_use_s": median["smsmock (infobip)"] - median["plugin loaded"],
        "session_httpserver_first_use_s": median["pytest-httpserver"] - median["plugin loaded"],
    }


def main() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    figures.update(session_start())
    figures.update(reset_micro())
    figures.update(per_test_overhead())
    figures.update(start_stop())
    both = figures["smsmock_start_s"] + figures["smsmock_stop_s"]
    figures["start_stop_vs_httpserver"] = both / figures["httpserver_start_stop_s"]
    rows = [
        (
            "session: plugin import",
            f"{figures['session_plugin_import_s'] * 1000:.0f} ms",
            f"pytest alone {figures['session_no_plugin_s'] * 1000:.0f} ms",
        ),
        (
            "session: first use of smsmock",
            f"{figures['session_fixture_first_use_s'] * 1000:.0f} ms",
            f"pytest-httpserver's first use "
            f"{figures['session_httpserver_first_use_s'] * 1000:.0f} ms",
        ),
        (
            "hub.reset()",
            f"{figures['reset_us']:.1f} us",
            f"noop call {figures['noop_call_us']:.2f} us",
        ),
        (
            "per-test fixture overhead",
            f"{figures['overhead_ms_per_test']:.3f} ms",
            f"empty fixture test {figures['empty_fixture_ms_per_test']:.3f} ms, "
            f"smsmock test {figures['smsmock_ms_per_test']:.3f} ms",
        ),
        (
            f"start+stop of {figures['smsmock_listeners']} listeners",
            f"{both * 1000:.1f} ms",
            f"pytest-httpserver start+stop {figures['httpserver_start_stop_s'] * 1000:.1f} ms "
            f"(ratio {figures['start_stop_vs_httpserver']:.3f})",
        ),
    ]
    for name, value, baseline in rows:
        print(f"{name:<32} {value:>12}   baseline: {baseline}")
    return figures


if __name__ == "__main__":
    main()
