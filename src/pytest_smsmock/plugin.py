"""pytest hooks and fixtures. Cheap to import: the fakes load when a test first asks for them.

- `smsmock` (function scope): the hub, reset before the test, errors from server threads
  re-raised at teardown (skipped if the test already failed).
- `smsmock_session` (session scope): the same hub, started once on 127.0.0.1, port 0.
- `smsmock_sleep` (function scope): the hub's `SleepPatch`, started: ``time.sleep`` and
  ``asyncio.sleep`` in the test advance the virtual clock (`slept` lists them).
- marker `@pytest.mark.smsmock(scenario=..., seed=..., start=..., intercept=..., patch_sleep=...)`.
- marker kwargs for recorded replays: `replay=...`, `replay_mode=...`, `record=...`.
- options `--smsmock-seed`, `--smsmock-clock`, `--smsmock-start` with ini twins; ini
  `smsmock_intercept` (false / true / strict); `--smsmock-record=DIR` writes one cassette per
  test (docs/recording.md).
- consumer contracts: the marker's `contract=FILE` and `--smsmock-contract-out=DIR` record the
  test and write a passing test's contract from the recording; `--smsmock-live=PROVIDER` adds
  the provider's contract suites as items (`contracts/pytest_live.py`, docs/contracts.md).
- a "smsmock journal" report section on every failed test that used the fixture, after a
  "smsmock hints" section when the fakes explained a refusal (journal channel ``hint``).
"""

from __future__ import annotations

import importlib.abc
import importlib.util
import sys
from collections.abc import Generator, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from pytest_smsmock.hub import SmsMock
    from pytest_smsmock.sleep import SleepPatch

_HUB = pytest.StashKey["SmsMock"]()
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()

MARKER_KWARGS = (
    "scenario",
    "seed",
    "start",
    "intercept",
    "patch_sleep",
    "replay",
    "replay_mode",
    "record",
    "contract",
)
INTERCEPT_MODES: dict[str, bool | str] = {
    "false": False,
    "true": True,
    "strict": "strict",
    "0": False,
    "1": True,
}

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
    group.addoption(
        "--smsmock-record",
        dest="smsmock_record",
        default=None,
        metavar="DIR",
        help="record a cassette per test that uses smsmock into DIR (see docs/recording.md)",
    )
    group.addoption(
        "--smsmock-live",
        dest="smsmock_live",
        default=None,
        metavar="PROVIDER",
        help="run PROVIDER's contract suites as tests: against --smsmock-live-url (HTTP) and/or "
        "--smsmock-live-smpp (SMPP), or the in-process fake when neither is given "
        "(docs/contracts.md); credentials from SMSMOCK_LIVE_USERNAME/_PASSWORD/_API_KEY",
    )
    group.addoption(
        "--smsmock-contract-out",
        dest="smsmock_contract_out",
        default=None,
        metavar="DIR",
        help="write each passing test's consumer contract (requests made, answer shapes) in DIR",
    )
    group.addoption("--smsmock-live-url", dest="smsmock_live_url", default=None, metavar="URL")
    group.addoption(
        "--smsmock-live-smpp",
        dest="smsmock_live_smpp",
        default=None,
        metavar="HOST:PORT",
        help="the live SMSC the provider's SMPP contract suite runs against",
    )
    group.addoption(
        "--smsmock-live-smpp-tls",
        dest="smsmock_live_smpp_tls",
        action="store_true",
        help="--smsmock-live-smpp speaks TLS (trusting --smsmock-live-ca-file when given)",
    )
    group.addoption(
        "--smsmock-live-receipt-timeout",
        dest="smsmock_live_receipt_timeout",
        default=60.0,
        type=float,
        metavar="S",
        help="seconds to wait for a live delivery receipt (60)",
    )
    group.addoption(
        "--smsmock-live-ca-file",
        dest="smsmock_live_ca_file",
        default=None,
        metavar="FILE",
        help="CA bundle trusted for an https live URL or a TLS live SMSC",
    )
    group.addoption(
        "--smsmock-live-allow-sends",
        dest="smsmock_live_allow_sends",
        action="store_true",
        help="also run the contract cases that send (cost money)",
    )
    parser.addini("smsmock_seed", "default seed of pytest-smsmock", default="0")
    parser.addini("smsmock_clock", "virtual or realtime", default="virtual")
    parser.addini("smsmock_start", "ISO 8601 start of virtual time", default="")
    parser.addini(
        "smsmock_intercept",
        "answer requests to the providers' real hostnames with the fakes: false, true or strict",
        default="false",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "smsmock(scenario=None, seed=None, start=None, intercept=None, patch_sleep=False, "
        "contract=None): load "
        "a scenario file, mapping or bundled name, set the seed and the start of virtual time, "
        "intercept the providers' real hostnames (True or 'strict'), make time.sleep and "
        "asyncio.sleep virtual, for this test's smsmock fixture; replay=None, "
        "replay_mode='strict', record=False: replay a cassette, record this test "
        "(docs/recording.md); contract=None: write this test's consumer contract to that file",
    )
    _configure_freezegun()


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config) -> None:
    _skip_assertion_rewriting(early_config)  # before a conftest imports the package


def _skip_assertion_rewriting(config: pytest.Config) -> None:
    """Have the rest of the package loaded by Python's own importer, not pytest's assertion
    rewriter. pytest marks every module of a plugin's distribution for rewriting, so that a
    plugin's own ``assert`` reads well in a failing test; ours assert nothing a user reads (what
    a test should see is an explicit `SmsMockAssertionError`), and the rewriter's loader made the
    first use of `smsmock` cost ~30 ms more CPU (it unmarshals each cached module from the open
    file, ~6x slower than `marshal.loads`, after hashing its source; where it cannot write its
    cache, a read-only environment, it rewrites every module again each session). Users' test
    files and conftests are rewritten as before; a nested session in the same process (pytester)
    does not warn, the package itself having come through the rewriter with the plugin. Best
    effort: pytest keeps the marks in a private set."""
    marked = getattr(config.pluginmanager.rewrite_hook, "_must_rewrite", None)
    if isinstance(marked, set) and __package__ in marked:
        marked.discard(__package__)
        cache = getattr(config.pluginmanager.rewrite_hook, "_marked_for_rewrite_cache", None)
        if isinstance(cache, dict):
            cache.clear()


def _configure_freezegun() -> None:
    """Keep the transports on real time under freezegun (`FREEZEGUN_IGNORE`), without importing
    it: freezegun takes 25-35 ms of CPU to import (dateutil, sqlite3...), which every pytest
    session would pay for this plugin. Already imported: configured now; installed: configured
    as soon as something imports it (`_FreezegunWatch`), before a test module's `freeze_time`
    reads the ignore list."""
    freezegun = sys.modules.get("freezegun")
    if freezegun is not None:
        freezegun.configure(extend_ignore_list=FREEZEGUN_IGNORE)
    elif importlib.util.find_spec("freezegun") is not None:
        sys.meta_path.insert(0, _FreezegunWatch())


class _FreezegunWatch(importlib.abc.MetaPathFinder):
    """A post-import hook for one package: finds freezegun with the other finders, and has its
    loader configure it once the package has run. Leaves `sys.meta_path` on first use."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> Any:
        if fullname != "freezegun":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _ConfigureAfterLoad(spec.loader)
        return spec


class _ConfigureAfterLoad(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> ModuleType | None:
        return self.loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)
        module.configure(extend_ignore_list=FREEZEGUN_IGNORE)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.loader, name)  # get_data, resource readers...


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
    """A path relative to the test file, the rootdir or the working directory, else the name
    of a bundled scenario (``slow_dlrs`` or ``slow_dlrs.yaml``), else the path as given."""
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
    from pytest_smsmock.scenario.bundled import bundled_path

    return bundled_path(str(scenario)) or path


def _load(request: pytest.FixtureRequest, hub: SmsMock, source: Any) -> Any:
    """The marker's scenario, named in journals and errors relative to the rootdir."""
    from pytest_smsmock.scenario.loader import load_scenario

    resolved = _resolve_scenario(request, source)
    if not isinstance(resolved, Path):
        return resolved
    return load_scenario(
        resolved,
        known_providers=tuple(hub.fakes),
        source_name=_display(resolved, request.config.rootpath),
    )


def _display(path: Path, rootdir: Path) -> str:
    from pytest_smsmock.scenario.bundled import bundled_name

    name = bundled_name(path)
    if name is not None:
        return f"{name} (bundled)"
    try:
        return path.resolve().relative_to(rootdir.resolve()).as_posix()
    except ValueError:
        return str(path)


def _intercept_mode(request: pytest.FixtureRequest, options: dict[str, Any]) -> bool | str:
    value = options.get("intercept")
    if value is None:
        text = str(request.config.getini("smsmock_intercept") or "false").strip().lower()
        if text not in INTERCEPT_MODES:
            raise pytest.UsageError(
                f"smsmock_intercept must be false, true or strict, not {text!r}"
            )
        return INTERCEPT_MODES[text]
    if isinstance(value, bool):
        return value
    if value == "strict":
        return "strict"
    pytest.fail(
        f"@pytest.mark.smsmock(intercept=...) takes True, False or 'strict', not {value!r}",
        pytrace=False,
    )


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
    record_dir = request.config.getoption("smsmock_record", None)
    failure: str | None = None
    try:
        start = options.get("start")
        start = _start(start) if isinstance(start, str) else start
        hub.reset(
            seed=_seed(seed if seed is not None else _option(request.config, "smsmock_seed") or 0),
            start=start,
        )
        if options.get("scenario") is not None:
            hub.load_scenario(_load(request, hub, options["scenario"]), seed=seed)
        contract_out = request.config.getoption("smsmock_contract_out", None)
        if record_dir or options.get("record") or options.get("contract") or contract_out:
            hub.record(source=request.node.nodeid)  # a consumer contract is read from it
        if options.get("replay") is not None:
            hub.replay(
                _resolve_scenario(request, options["replay"]),
                mode=options.get("replay_mode", "strict"),
            )
    except ConfigError as exc:
        failure = str(exc)  # failed outside the except block: printed once, not chained
    if failure is not None:
        pytest.fail(failure, pytrace=False)
    mode = _intercept_mode(request, options)
    if mode:
        hub.intercept(strict=mode == "strict")
    if options.get("patch_sleep"):
        hub.patch_sleep()
    request.node.stash[_HUB] = hub
    try:
        yield hub
    finally:
        hub.stop_intercept()
        hub.stop_patch_sleep()
    reports = request.node.stash.get(_REPORTS, {})
    failed = any(r.failed for r in reports.values())
    if record_dir and hub.recording:
        base = request.config.invocation_params.dir / record_dir
        hub.cassette().dump(base / cassette_name(request.node.nodeid))
    _write_contract(request, hub, options.get("contract"), reports)
    errors = hub.take_errors()
    try:
        if errors and not failed:
            hub.raise_errors(errors)
    finally:
        if failed:
            hub.runtime.replay = None
        else:
            hub.finish_replay()


def cassette_name(nodeid: str) -> str:
    """The file a test's cassette goes to: ``tests/test_x.py::test_y[a]`` ->
    ``tests/test_x/test_y[a].yaml``."""
    import re

    module, _, name = nodeid.partition("::")
    stem = module[:-3] if module.endswith(".py") else module
    safe = re.sub(r"[^A-Za-z0-9_.\-\[\]=]+", "_", name.replace("::", ".")) or "test"
    return f"{stem}/{safe}.yaml"


def _write_contract(
    request: pytest.FixtureRequest, hub: SmsMock, path: object, reports: dict[str, Any]
) -> None:
    """The consumer contract of a passing test (docs/contracts.md), when asked for: read from
    the test's recording (HTTP and SMPP), which the fixture started."""
    out = request.config.getoption("smsmock_contract_out", None)
    if (path is None and out is None) or any(r.failed for r in reports.values()):
        return
    if not hub.recording:  # the test reset the hub: nothing recorded since
        return
    import re

    from pytest_smsmock.contracts.consumer import write_contracts

    cassette = hub.cassette()
    if path is not None:
        write_contracts(cassette, request.config.rootpath / str(path))
    if out is not None:
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_")
        write_contracts(cassette, Path(str(out)) / f"{name}.yaml")


@pytest.fixture
def smsmock_sleep(smsmock: SmsMock) -> SleepPatch:
    """The fixture form of ``patch_sleep=True``: ``time.sleep`` and ``asyncio.sleep`` in the
    test advance ``smsmock.clock``; ``smsmock_sleep.slept`` lists the virtual sleeps."""
    return smsmock.patch_sleep()


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    if config.getoption("smsmock_live", None):
        from pytest_smsmock.contracts.pytest_live import live_items

        items.extend(live_items(session, config))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    hub = item.stash.get(_HUB, None)
    if hub is not None and report.failed:
        hints = [entry.line() for entry in hub.journal.entries(channel="hint")]
        if hints:
            report.sections.append(("smsmock hints", "\n".join(hints)))
        report.sections.append(("smsmock journal", hub.journal.render(last=200)))
    return report
