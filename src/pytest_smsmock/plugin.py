"""pytest hooks and fixtures. Cheap to import: the fakes load when a test first asks for them.

- `smsmock` (function scope): the hub, reset before the test, errors from server threads
  re-raised at teardown (skipped if the test already failed).
- `smsmock_session` (session scope): the same hub, started once on 127.0.0.1, port 0.
- marker `@pytest.mark.smsmock(scenario=..., seed=..., start=...)`.
- options `--smsmock-seed`, `--smsmock-clock`, `--smsmock-start` with ini twins.
- a "smsmock journal" report section on every failed test that used the fixture.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_smsmock.hub import SmsMock

_HUB = pytest.StashKey["SmsMock"]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

MARKER_KWARGS = ("scenario", "seed", "start")

# Modules that must keep real time under freezegun: the transports (asyncio loop of the SMPP
# listener, werkzeug's threads, socket timeouts). Only the domain clock follows frozen time.
FREEZEGUN_IGNORE = [
    "pytest_smsmock.servers",
    "asyncio",
    "werkzeug",
    "socketserver",
    "selectors",
    "ssl",
    "http.client",
    "urllib",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("smsmock", "fake SMS providers (pytest-smsmock)")
    group.addoption(
        "--smsmock-seed",
        dest="smsmock_seed",
        default=None,
        help="seed of ids, drawn delays and outcomes (default: ini smsmock_seed or 0)",
    )
    group.addoption(
        "--smsmock-clock",
        dest="smsmock_clock",
        choices=("virtual", "realtime"),
        default=None,
        help="virtual: time moves only when a test advances it (default); realtime: wall clock",
    )
    group.addoption(
        "--smsmock-start",
        dest="smsmock_start",
        default=None,
        help="ISO 8601 date-time where virtual time starts (default 2025-01-01T00:00:00Z)",
    )
    parser.addini("smsmock_seed", "default seed of pytest-smsmock", default="0")
    parser.addini("smsmock_clock", "virtual or realtime", default="virtual")
    parser.addini("smsmock_start", "ISO 8601 start of virtual time", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "smsmock(scenario=None, seed=None, start=None): load a scenario file or mapping, set "
        "the seed and the start of virtual time for this test's smsmock fixture",
    )
    try:
        import freezegun
    except ImportError:
        return
    freezegun.configure(extend_ignore_list=FREEZEGUN_IGNORE)


def _option(config: pytest.Config, name: str) -> str | None:
    value = config.getoption(name)
    if value is None:
        value = config.getini(name) or None
    return None if value is None else str(value)


def _seed(value: object) -> int | str:
    text = str(value)
    try:
        return int(text)
    except ValueError:
        return text


def _start(value: str | None) -> datetime | None:
    if not value:
        return None
    from pytest_smsmock.scenario.loader import parse_start

    return parse_start(value, source="--smsmock-start", path="start")


@pytest.fixture(scope="session")
def smsmock_session(pytestconfig: pytest.Config) -> Iterator[SmsMock]:
    """The hub of every fake, started once per session; prefer the `smsmock` fixture."""
    from pytest_smsmock.errors import ConfigError
    from pytest_smsmock.hub import SmsMock

    mode = _option(pytestconfig, "smsmock_clock") or "virtual"
    if mode not in ("virtual", "realtime"):
        raise pytest.UsageError(f"smsmock_clock must be virtual or realtime, not {mode!r}")
    try:
        hub = SmsMock(
            seed=_seed(_option(pytestconfig, "smsmock_seed") or 0),
            clock="realtime" if mode == "realtime" else "virtual",
            start=_start(_option(pytestconfig, "smsmock_start")),
        )
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from exc
    hub.start()
    try:
        yield hub
    finally:
        hub.stop()


def _resolve_scenario(request: pytest.FixtureRequest, scenario: Any) -> Any:
    if not isinstance(scenario, str | Path):
        return scenario
    path = Path(scenario)
    if path.is_absolute():
        return path
    candidates = [
        Path(request.node.path).parent / path,
        request.config.rootpath / path,
        Path.cwd() / path,
    ]
    for candidate in candidates:
        if candidate.exists():
            return candidate
    return path


@pytest.fixture
def smsmock(smsmock_session: SmsMock, request: pytest.FixtureRequest) -> Iterator[SmsMock]:
    """Every fake provider, reset for this test; see the README for the API."""
    hub = smsmock_session
    marker = request.node.get_closest_marker("smsmock")
    options: dict[str, Any] = {}
    if marker is not None:
        if marker.args:
            pytest.fail(
                f"@pytest.mark.smsmock takes keyword arguments only ({', '.join(MARKER_KWARGS)})",
                pytrace=False,
            )
        unknown = sorted(set(marker.kwargs) - set(MARKER_KWARGS))
        if unknown:
            pytest.fail(
                f"@pytest.mark.smsmock got unknown argument(s) {unknown}; "
                f"it takes {', '.join(MARKER_KWARGS)}",
                pytrace=False,
            )
        options = dict(marker.kwargs)
    from pytest_smsmock.errors import ConfigError

    seed = options.get("seed")
    try:
        start = options.get("start")
        start = _start(start) if isinstance(start, str) else start
        hub.reset(
            seed=_seed(seed if seed is not None else _option(request.config, "smsmock_seed") or 0),
            start=start,
        )
        if options.get("scenario") is not None:
            hub.load_scenario(_resolve_scenario(request, options["scenario"]), seed=seed)
    except ConfigError as exc:
        pytest.fail(str(exc), pytrace=False)
    request.node.stash[_HUB] = hub
    yield hub
    reports = request.node.stash.get(_REPORTS, {})
    errors = hub.take_errors()
    if errors and not any(r.failed for r in reports.values()):
        hub.raise_errors(errors)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    hub = item.stash.get(_HUB, None)
    if hub is not None and report.failed:
        report.sections.append(("smsmock journal", hub.journal.render(last=200)))
    return report
