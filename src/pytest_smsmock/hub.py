"""`SmsMock`: every provider fake, one clock, one journal, and the servers that expose them.

Usable without pytest as a context manager:

    with SmsMock() as mock:
        requests.get(mock.infobip.url + "/api/command", params=...)
        mock.clock.advance("5s")

The pytest plugin starts one per session (port 0 on 127.0.0.1) and `reset()`s it before each
test: state goes, sockets stay.
"""

from __future__ import annotations

import ssl
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal

from pytest_smsmock.clock import VirtualClock
from pytest_smsmock.core.callbacks import DEFAULT_CONCURRENCY as DEFAULT_CALLBACK_CONCURRENCY
from pytest_smsmock.core.callbacks import DEFAULT_TIMEOUT as DEFAULT_CALLBACK_TIMEOUT
from pytest_smsmock.core.callbacks import Sender
from pytest_smsmock.core.journal import Journal
from pytest_smsmock.errors import ConfigError, ServerThreadError
from pytest_smsmock.intercept.hosts import HostMap
from pytest_smsmock.providers import provider_class, provider_names
from pytest_smsmock.providers.base import HttpListener, ProviderFake, Runtime
from pytest_smsmock.scenario.decisions import Decider, NoScenario
from pytest_smsmock.servers.threads import is_serving

if TYPE_CHECKING:
    from pytest_smsmock.intercept import Interception
    from pytest_smsmock.providers.broadnet import BroadnetFake
    from pytest_smsmock.providers.enhanced_smpp import EnhancedSmppFake
    from pytest_smsmock.providers.infobip import InfobipFake
    from pytest_smsmock.providers.mimsms import MimsmsFake
    from pytest_smsmock.providers.smsc import SmscFake
    from pytest_smsmock.receiver import Receiver
    from pytest_smsmock.recording import Cassette, Recorder, Replayer
    from pytest_smsmock.scenario.model import Scenario
    from pytest_smsmock.servers.http import (
        HttpLimits,
        HttpListenerGroup,
        HttpServer,
        UrllibSender,
    )
    from pytest_smsmock.servers.proxy import ProxyServer
    from pytest_smsmock.servers.realtime import RealtimeDriver
    from pytest_smsmock.servers.smpp import SmppServer
    from pytest_smsmock.sleep import SleepPatch

__all__ = ["DEFAULT_START", "SmsMock"]

#: Where virtual time starts unless a scenario, marker or option says otherwise.
DEFAULT_START = datetime(2025, 1, 1, tzinfo=UTC)

ClockMode = Literal["virtual", "realtime"]


class FakeSet(Mapping[str, ProviderFake]):
    """The hub's fakes by name, each built on first use: its provider package is imported then,
    and its listeners start then if the hub is running (`SmsMock._fake_built`). Iterating names
    builds nothing; `values()` / `items()` build every fake; `built()` is what exists so far."""

    def __init__(
        self, hub: SmsMock, names: Sequence[str], extra: Sequence[type[ProviderFake]]
    ) -> None:
        self._hub = hub
        self._extra = {cls.name: cls for cls in extra}
        self._names = list(dict.fromkeys([*names, *self._extra]))
        for name in names:
            if name not in provider_names():
                provider_class(name)  # the registry's error, naming the known providers
        self._built: dict[str, ProviderFake] = {}
        self._lock = threading.RLock()  # a server thread may be first to ask for a fake

    def __getitem__(self, name: str) -> ProviderFake:
        fake = self._built.get(name)
        if fake is not None:
            return fake
        if name not in self._names:
            raise KeyError(name)
        with self._lock:
            fake = self._built.get(name)
            if fake is None:
                hub = self._hub
                cls = self._extra.get(name) or provider_class(name)
                fake = self._built[name] = cls(hub.runtime, seed=hub.seed)
                hub._fake_built(fake)
        return fake

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def built(self) -> list[ProviderFake]:
        """The fakes built so far, in the hub's order (no lock: the listener's loop asks while
        a fake being built waits for its listeners)."""
        built = dict(self._built)
        return [built[n] for n in self._names if n in built]

    def build_all(self) -> list[ProviderFake]:
        return [self[name] for name in self._names]


class SmsMock:
    def __init__(
        self,
        *,
        seed: int | str = 0,
        clock: ClockMode = "virtual",
        start: datetime | None = None,
        host: str = "127.0.0.1",
        port_base: int | None = None,
        providers: tuple[str, ...] | None = None,
        callback_timeout: float = DEFAULT_CALLBACK_TIMEOUT,
        callback_concurrency: int = DEFAULT_CALLBACK_CONCURRENCY,
        fakes: Sequence[type[ProviderFake]] = (),
        lazy: bool = True,
        max_journal_entries: int | None = None,
        max_finished_messages: int | None = None,
        http_read_timeout: float = 30.0,
        http_handshake_timeout: float = 10.0,
        http_max_connections: int = 256,
    ) -> None:
        if clock not in ("virtual", "realtime"):
            raise ConfigError(f"clock must be 'virtual' or 'realtime', got {clock!r}")
        self.seed: int | str = seed
        self.clock_mode: ClockMode = clock
        self.host = host
        self.port_base = port_base
        self.default_start = start or DEFAULT_START
        self._errors: list[BaseException] = []
        self._errors_lock = threading.Lock()
        if clock == "realtime":
            from pytest_smsmock.servers.realtime import wall_now

            self.clock = VirtualClock(wall_now(), source=wall_now, on_error=self.report_error)
        else:
            self.clock = VirtualClock(self.default_start, on_error=self.report_error)
        for bound in (max_journal_entries, max_finished_messages):
            if bound is not None and bound < 1:
                raise ConfigError("max_journal_entries and max_finished_messages must be >= 1")
        # What a long run keeps (None: everything, as a pytest run does per test); a scenario's
        # `retention:` may change it until the next reset.
        self._retention_defaults = (max_journal_entries, max_finished_messages)
        self.journal = Journal(self.clock.now, max_entries=max_journal_entries, settle=self.settle)
        self.clock.add_settler(self.settle)
        self.retention_in_force: tuple[int | None, int | None] = self._retention_defaults
        self._engine: Decider = NoScenario()  # the scenario engine once one is loaded
        self._sender: Sender | None = None
        self._urllib_sender: UrllibSender | None = None  # the hub's own, once made
        if callback_timeout <= 0 or callback_concurrency < 1:
            raise ConfigError("callback_timeout must be above 0 and callback_concurrency >= 1")
        # The hub's own settings, and those in force (a scenario's `callbacks:` may change them
        # until the next reset).
        self._callback_defaults = (float(callback_timeout), int(callback_concurrency))
        self.callback_timeout, self.callback_concurrency = self._callback_defaults
        from pytest_smsmock.servers.http import HttpLimits

        # Per HTTP listener: idle/stalled connections closed, TLS handshakes bounded, open
        # connections capped with a 503 beyond (servers/http.py). Checked now, not at start.
        self.http_limits: HttpLimits = HttpLimits(
            read_timeout=http_read_timeout,
            handshake_timeout=http_handshake_timeout,
            max_connections=http_max_connections,
        )
        self.runtime = Runtime(
            clock=self.clock,
            journal=self.journal,
            sender=self._get_sender,
            engine=lambda: self._engine,
            report_error=self.report_error,
            settle=self.settle,
            smpp_built=self._smpp_built,
            listen_http=self._listen_wanted,
            listen_smpp=self._listen_smpp_wanted,
        )
        names = providers if providers is not None else provider_names()
        #: Every enabled fake by name, each built on first use (`FakeSet`), its SMPP side on
        #: its first SMPP use; `lazy=False` builds them all now, SMPP sides included, as
        #: `smsmock serve` and a fixed `port_base` want (everything listens at start).
        self.fakes = FakeSet(self, names, fakes)
        self.scenario: Scenario | None = None
        self._http: HttpListenerGroup | None = None
        self.http_servers: dict[tuple[str, str], HttpServer] = {}
        self.smpp_server: SmppServer | None = None
        self.settle_timeout = 2.0  # real seconds `settle` waits at most
        self._driver: RealtimeDriver | None = None
        self._tls_dir: tempfile.TemporaryDirectory[str] | None = None
        self._ca: Any = None
        self._server_context: ssl.SSLContext | None = None
        self.running = False
        #: Which real hostname is which fake, for `intercept()` and the proxy (reset per test).
        self.hosts = HostMap()
        self._interception: Interception | None = None
        self._sleep_patch: SleepPatch | None = None
        self._proxy: ProxyServer | None = None
        self._receiver: Receiver | None = None
        self._listen_lock = threading.Lock()  # listeners started on first use, from any thread
        #: Everything listens at start: every fake, its SMPP side and its TLS listeners.
        self.eager = not lazy or port_base is not None
        if self.eager:
            for fake in self.fakes.build_all():
                fake.build_smpp()

    # -- typed access to the fakes -------------------------------------------------------
    @property
    def infobip(self) -> InfobipFake:
        return self._fake("infobip")  # type: ignore[return-value]

    @property
    def mimsms(self) -> MimsmsFake:
        return self._fake("mimsms")  # type: ignore[return-value]

    @property
    def broadnet(self) -> BroadnetFake:
        return self._fake("broadnet")  # type: ignore[return-value]

    @property
    def smsc(self) -> SmscFake:
        return self._fake("smsc")  # type: ignore[return-value]

    @property
    def enhanced_smpp(self) -> EnhancedSmppFake:
        return self._fake("enhanced_smpp")  # type: ignore[return-value]

    def _fake(self, name: str) -> ProviderFake:
        try:
            return self.fakes[name]
        except KeyError:
            raise AttributeError(f"provider {name!r} is not enabled in this SmsMock") from None

    def __iter__(self) -> Iterator[ProviderFake]:
        return iter(self.fakes.values())

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> SmsMock:
        """Start every listener; if one cannot start, stop the others and re-raise."""
        if self.running:
            return self
        try:
            self._start_servers()
        except BaseException:
            self.stop()
            raise
        self.running = True
        return self

    def _start_servers(self) -> None:
        from pytest_smsmock.servers.http import HttpListenerGroup

        self._http = HttpListenerGroup(on_error=self.report_error, limits=self.http_limits)
        self._next_port = self.port_base
        built = self.fakes.built()
        for fake in built:
            self._listen_http(fake)
        self._http.start()
        if any(fake.smpp_built for fake in built):
            self._start_smpp_server()
        if self.clock_mode == "realtime":
            from pytest_smsmock.servers.realtime import RealtimeDriver

            self._driver = RealtimeDriver(self.clock)
            self._driver.start()

    def _listen_http(self, fake: ProviderFake) -> None:
        """Start `fake`'s HTTP listeners; a TLS one waits for its first use (`_listen_wanted`),
        so the test CA is made only when a test asks for an HTTPS URL (or the hub is eager)."""
        for listener in fake.http_listeners:
            if self.eager or not listener.tls:
                self._listen_one(fake, listener)

    def _listen_one(self, fake: ProviderFake, listener: HttpListener) -> None:
        assert self._http is not None
        context = self.server_ssl_context() if listener.tls else None
        server = self._http.add(
            fake.wsgi(listener.name), self.host, self._next_port or 0, ssl_context=context
        )
        self.http_servers[(fake.name, listener.name)] = server
        fake.bind_http(listener.name, server.url)
        if self._next_port:
            self._next_port += 1

    def _listen_wanted(self, fake: ProviderFake, name: str) -> None:
        """A listener that starts on first use (TLS) is wanted: it starts if the hub runs."""
        if not self.running or self._http is None:
            return
        with self._listen_lock:
            if (fake.name, name) in self.http_servers:
                return
            for listener in fake.http_listeners:
                if listener.name == name and any(built is fake for built in self.fakes.built()):
                    self._listen_one(fake, listener)

    def built_fakes(self) -> list[ProviderFake]:
        """The fakes built so far (a test that used one provider built only that one)."""
        return self.fakes.built()

    def _fake_built(self, fake: ProviderFake) -> None:
        """A fake built on first use joins what the hub already does: the retention in force,
        and its listeners when the hub is running."""
        finished = self.retention_in_force[1]
        if finished is not None:
            fake.set_max_finished(finished)
        if not self.running or self._http is None:
            return
        self._listen_http(fake)
        if fake.smpp_built:  # a fake that speaks nothing but SMPP
            self._listen_smpp(fake)

    def _smpp_built(self, fake: ProviderFake) -> None:
        """A fake's SMPP side, built on its first SMPP use, listens now if the hub runs (a fake
        still being built listens with the rest of it, `_fake_built`)."""
        if self.running and any(built is fake for built in self.fakes.built()):
            self._listen_smpp(fake)

    def _listen_smpp(self, fake: ProviderFake) -> None:
        if self.smpp_server is None:
            self._start_smpp_server()  # `fake` listens with it
        else:
            self.smpp_server.open_fake(fake)

    def _start_smpp_server(self) -> None:
        """The SMPP server, listening for every fake whose SMPP side is built; imported only
        when a test first speaks SMPP (a suite that uses HTTP only never loads the layer). A
        TLS listener waits for its first use (`_listen_smpp_wanted`) unless the hub is eager."""
        from pytest_smsmock.servers.smpp import SmppServer

        self.smpp_server = SmppServer(
            self, host=self.host, port_base=self._next_port, lazy_tls=not self.eager
        )
        self.smpp_server.start()

    def _listen_smpp_wanted(self, fake: ProviderFake, name: str) -> None:
        """An SMPP listener that starts on first use (TLS) is wanted: it starts if its fake
        listens already (the hub runs, its SMPP side is built)."""
        if self.running and self.smpp_server is not None and fake.smpp_built:
            self.smpp_server.open_listener(fake, name)

    def stop(self) -> None:
        self.stop_intercept()
        self.stop_patch_sleep()
        if self._proxy is not None:
            self._proxy.stop()
            self._proxy = None
        if self._receiver is not None:
            self._receiver.stop()
            self._receiver = None
        if self._driver is not None:
            self._driver.stop()
            self._driver = None
        if self.smpp_server is not None:
            self.smpp_server.stop()
            self.smpp_server = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        self.http_servers.clear()
        if self._tls_dir is not None:
            self._tls_dir.cleanup()
            self._tls_dir = None
        self.running = False

    def __enter__(self) -> SmsMock:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc is None:
            self.raise_errors()

    # -- per-test state --------------------------------------------------------------------
    def reset(
        self,
        *,
        seed: int | str | None = None,
        start: datetime | None = None,
        scenario: Scenario | str | Path | Mapping[str, Any] | None = None,
    ) -> None:
        """Forget everything that happened: messages, accounts, time, journal, scenario."""
        self.stop_intercept()
        self.stop_patch_sleep()
        self.hosts = HostMap()
        if seed is not None:
            self.seed = seed
        if self.clock_mode == "virtual":
            self.clock.reset(start or self.default_start)
        self.journal.clear()
        with self._errors_lock:
            self._errors.clear()
        self.runtime.tap = self.runtime.replay = None  # recording and replay are per test
        self.scenario = None
        self._engine = NoScenario()
        self._set_callbacks(*self._callback_defaults)
        for fake in self.fakes.built():  # one not built yet will be fresh when it is
            fake.reset(seed=self.seed)
        self._set_retention(*self._retention_defaults)
        if self._receiver is not None:
            self._receiver.reset()
        for (_, _), server in self.http_servers.items():
            server.bring_up()
        if self.smpp_server is not None:
            self.smpp_server.bring_up_all()
            self.smpp_server.reset_numbering()
        if scenario is not None:
            self.load_scenario(scenario, seed=seed)

    def load_scenario(
        self,
        source: Scenario | str | Path | Mapping[str, Any],
        *,
        seed: int | str | None = None,
    ) -> Scenario:
        """Load a scenario now. A seed given here (or by the marker) beats the file's."""
        from pytest_smsmock.events import schedule_events
        from pytest_smsmock.scenario.engine import Engine
        from pytest_smsmock.scenario.loader import load_scenario
        from pytest_smsmock.scenario.model import Scenario

        scenario = (
            source
            if isinstance(source, Scenario)
            else load_scenario(source, known_providers=tuple(self.fakes))
        )
        effective = seed if seed is not None else scenario.seed
        # Built first: provider-native status names are checked before anything changes.
        engine = Engine(
            scenario,
            seed=effective if effective is not None else self.seed,
            fakes=self.fakes,
            lock=threading.Lock(),  # server threads share the engine's counters and streams
        )
        if effective is not None and effective != self.seed:
            self.seed = effective
            for fake in self.fakes.built():
                fake.reset(seed=effective)
        if scenario.start is not None and self.clock_mode == "virtual":
            self.clock.reset(scenario.start)
        for spec in scenario.accounts:
            if spec.provider in self.fakes:
                self.fakes[spec.provider].add_account(spec.username, spec.password, **spec.options)
        engine.origin = self.clock.now()
        schedule_events(self, scenario, engine)
        kept = scenario.retention
        self._set_retention(
            kept.journal_entries or self._retention_defaults[0],
            kept.finished_messages or self._retention_defaults[1],
        )
        pushes = scenario.callback_settings
        self._set_callbacks(
            pushes.timeout if pushes.timeout is not None else self._callback_defaults[0],
            pushes.concurrency if pushes.concurrency is not None else self._callback_defaults[1],
        )
        self.scenario = scenario
        self._engine = engine
        self.journal.record("smsmock", "scenario", "event", f"loaded {scenario.source}")
        return scenario

    # -- bringing the listeners up to date ---------------------------------------------------
    def settle(self) -> None:
        """Have the SMPP listener handle every byte its sessions' sockets hold before the
        caller reads the fakes' state or moves the clock: an answer a client wrote before
        `clock.advance()` counts, whatever the listener thread was doing. Called by the clock
        (`VirtualClock.add_settler`), the journal, the message stores and the SMPP services'
        inspection; a no-op without SMPP sessions, inside a clock event, and on the threads
        that serve the fakes. Bounded by `settle_timeout` real seconds."""
        server = getattr(self, "smpp_server", None)  # None while the hub is being built
        if server is None or self.clock.firing() or is_serving() or not server.busy():
            return
        server.catch_up(self.settle_timeout)

    # -- access points going down (failover) ----------------------------------------------
    def _http_server(self, provider: str, listener: str) -> HttpServer:
        self._use_http(provider, listener)
        try:
            return self.http_servers[(provider, listener)]
        except KeyError:
            running = ", ".join(f"{p}/{n}" for p, n in self.http_servers) or "none (not started)"
            raise ConfigError(
                f"no HTTP listener {provider}/{listener} is running; running: {running}"
            ) from None

    def _route(self, provider: str, listener: str | None, protocol: str | None) -> tuple[str, str]:
        """(protocol, listener) of an access point: ``protocol="smpp"``, an SMPP listener's
        name (``plain``, ``tls``) or ``smpp:<name>`` mean the SMPP listener; else HTTP."""
        if listener is not None and listener.startswith(("smpp:", "http:")):
            protocol, _, listener = listener.partition(":")
        fake = self.fakes.get(provider)
        smpp_names = [x.name for x in fake.smpp_listeners] if fake is not None else []
        if protocol is None:
            http = listener is None or (provider, listener) in self.http_servers
            protocol = "smpp" if not http and listener in smpp_names else "http"
        if protocol not in ("http", "smpp"):
            raise ConfigError(f"protocol must be 'http' or 'smpp', got {protocol!r}")
        if listener is None:
            if protocol == "smpp":
                listener = smpp_names[0] if smpp_names else "plain"
            else:
                listener = "primary"
        return protocol, listener

    def _smpp_server(self, provider: str, listener: str) -> SmppServer:
        self._use_smpp(provider, listener)
        if self.smpp_server is None:
            raise ConfigError(f"no SMPP listener {provider}/{listener} is running (no SMPP)")
        return self.smpp_server

    def serving(self, provider: str, protocol: str, listener: str) -> bool:
        """Whether that listener has a socket (a hub used without servers has none)."""
        if protocol == "smpp":
            self._use_smpp(provider, listener)
            return self.smpp_server is not None and self.smpp_server.listens(provider, listener)
        self._use_http(provider, listener)
        return (provider, listener) in self.http_servers

    def _use_http(self, provider: str, listener: str) -> None:
        """An outage of an HTTP listener that starts on first use: it starts first."""
        fake = self.fakes.get(provider) if self.running else None
        if fake is not None and (provider, listener) not in self.http_servers:
            self._listen_wanted(fake, listener)

    def _use_smpp(self, provider: str, listener: str) -> None:
        """An outage of an SMPP listener not used yet: it starts first, so a client that asks
        for its address during the outage finds it down."""
        fake = self.fakes.get(provider) if self.running else None
        if fake is not None:
            fake.build_smpp()
            self._listen_smpp_wanted(fake, listener)

    def take_down(
        self, provider: str, listener: str | None = None, *, protocol: str | None = None
    ) -> None:
        """Stop one access point until `bring_up` or the next test: HTTP (``primary`` by
        default) refuses connections; an SMPP listener (``protocol="smpp"``, or its name:
        ``"plain"``, ``"tls"``) refuses them too and drops its open sessions."""
        protocol, name = self._route(provider, listener, protocol)
        if protocol == "smpp":
            self._smpp_server(provider, name).take_down(provider, name)  # journals itself
            return
        self._http_server(provider, name).take_down()
        self.journal.record(provider, "http", "event", f"listener {name} taken down")

    def bring_up(
        self, provider: str, listener: str | None = None, *, protocol: str | None = None
    ) -> None:
        """Listen again, on the same port, on an access point `take_down` stopped."""
        protocol, name = self._route(provider, listener, protocol)
        if protocol == "smpp":
            self._smpp_server(provider, name).bring_up(provider, name)
            return
        self._http_server(provider, name).bring_up()
        self.journal.record(provider, "http", "event", f"listener {name} brought up")

    # -- recording and replay (recording/) ----------------------------------------------------
    def record(
        self, *, redact: Sequence[str] = (), source: str = "", pseudonyms: str | None = None
    ) -> Recorder:
        """Record from now on everything the fakes see and do (until `reset`); `redact`
        names fields to redact besides the credentials (always redacted); `pseudonyms` (a
        salt) gives phone numbers stable pseudonyms in the cassette."""
        from pytest_smsmock.recording import Recorder

        recorder = Recorder(self.clock.now(), redact=redact, source=source, pseudonyms=pseudonyms)
        self.runtime.tap = recorder
        return recorder

    @property
    def recording(self) -> bool:
        return self.runtime.tap is not None

    def cassette(self) -> Cassette:
        """The cassette of what was recorded so far in this test (`.dump(path)` writes it)."""
        from pytest_smsmock.recording import Recorder

        recorder = self.runtime.tap
        if not isinstance(recorder, Recorder):
            raise ConfigError(
                "smsmock is not recording: run pytest with --smsmock-record=DIR, mark the test "
                "@pytest.mark.smsmock(record=True) or call smsmock.record() first"
            )
        return recorder.cassette(self.journal)

    def replay(
        self,
        source: Cassette | str | Path,
        *,
        mode: str = "strict",
        urls: Mapping[str, str] | None = None,
    ) -> Replayer:
        """Answer the requests a cassette recorded with its answers, and replay what followed
        them on the clock; `mode` is strict, lenient or ordered (see `recording/replayer.py`).
        `urls` maps recorded push URLs (or their beginnings) to today's."""
        from pytest_smsmock.recording import Cassette, Replayer, load_cassette

        cassette = source if isinstance(source, Cassette) else load_cassette(source)
        replayer = Replayer(cassette, fakes=self.fakes, clock=self.clock, mode=mode, urls=urls)
        self.runtime.replay = replayer
        return replayer

    def finish_replay(self) -> None:
        """End a replay; a strict one that went otherwise raises its near-miss report."""
        replayer, self.runtime.replay = self.runtime.replay, None
        if replayer is None:
            return  # every test's teardown: the recording package stays unimported
        from pytest_smsmock.recording import Replayer

        if isinstance(replayer, Replayer):
            replayer.finish()

    # -- errors from server threads ----------------------------------------------------------
    def report_error(self, error: BaseException) -> None:
        with self._errors_lock:
            self._errors.append(error)

    def take_errors(self) -> list[BaseException]:
        with self._errors_lock:
            errors, self._errors = self._errors, []
        return errors

    def raise_errors(self, errors: list[BaseException] | None = None) -> None:
        """Raise what server threads recorded (or `errors`, already taken) as one test failure."""
        if errors is None:
            errors = self.take_errors()
        if not errors:
            return
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise ServerThreadError(
            f"smsmock: a fake failed while serving a request{more}: {type(first).__name__}: {first}"
        ) from first

    # -- TLS -------------------------------------------------------------------------------
    def _ensure_ca(self) -> Any:
        if self._ca is None:
            import trustme

            self._ca = trustme.CA()
        return self._ca

    def server_ssl_context(self) -> ssl.SSLContext:
        """The context every TLS listener serves with (a certificate for 127.0.0.1/localhost)."""
        if self._server_context is None:
            ca = self._ensure_ca()
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ca.issue_cert("127.0.0.1", "localhost", "::1").configure_cert(context)
            self._server_context = context
        return self._server_context

    def client_ssl_context(self) -> ssl.SSLContext:
        """A client context that trusts the fakes' test CA."""
        context = ssl.create_default_context()
        self._ensure_ca().configure_trust(context)
        return context

    @property
    def ca_file(self) -> str:
        """Path of a PEM file with the test CA, for `requests(verify=...)` and friends."""
        if self._tls_dir is None:
            self._tls_dir = tempfile.TemporaryDirectory(prefix="smsmock-ca-")
        path = Path(self._tls_dir.name) / "ca.pem"
        if not path.exists():
            self._ensure_ca().cert_pem.write_to_path(str(path))
        return str(path)

    # -- real hostnames: intercept ---------------------------------------------------------
    def intercept(
        self, hosts: Mapping[str, str | None] | None = None, *, strict: bool | None = None
    ) -> Interception:
        """Answer requests to the providers' real hostnames with the fakes, in-process:
        requests, urllib3, httpx and aiohttp are patched until `stop_intercept()` (or the end
        of the ``with`` block, or of the test). `hosts` adds to the host map
        (``{"sms.example.com": "infobip"}``; None removes a host); `strict` refuses every
        other host but loopback. Calling it again updates the active interception."""
        from pytest_smsmock.intercept import Interception

        if hosts:
            self.hosts = self.hosts.extended(hosts)
        if self._interception is None:
            self._interception = Interception(self, strict=bool(strict))
        elif strict is not None:
            self._interception.strict = strict
        return self._interception.start()

    def stop_intercept(self) -> None:
        """Take the patches of `intercept()` back (nothing if it is not active)."""
        if self._interception is not None:
            self._interception.stop()
            self._interception = None

    # -- real hostnames: the proxy ------------------------------------------------------------
    def start_proxy(self, port: int = 0, *, host: str | None = None) -> str:
        """Start the HTTP(S) proxy (once; `port` 0: a free one) and return its URL."""
        if self._proxy is None:
            from pytest_smsmock.intercept.router import Router
            from pytest_smsmock.servers.proxy import ProxyServer

            self._proxy = ProxyServer(
                Router(self), self.server_ssl_context_for, host=host or self.host, port=port
            ).start()
        return self._proxy.url

    @property
    def proxy_running(self) -> bool:
        return self._proxy is not None

    @property
    def proxy_url(self) -> str:
        """URL of an HTTP(S) proxy that routes the providers' real hostnames to the fakes
        (``HTTPS_PROXY=...``, trusting `ca_file`); it never dials out. Started on first use."""
        return self.start_proxy()

    def server_ssl_context_for(self, hostname: str) -> ssl.SSLContext:
        """A server context with a certificate for `hostname` signed by the test CA."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._ensure_ca().issue_cert(hostname).configure_cert(context)
        return context

    # -- the client's push endpoint ----------------------------------------------------------
    @property
    def receiver(self) -> Receiver:
        """An HTTP endpoint for the fakes' pushes (``dlr_url=smsmock.receiver.url_for("/dlr")``)
        that records them parsed per provider and answers as `respond()` says; started on first
        use, on 127.0.0.1, emptied before every test."""
        if self._receiver is None:
            from pytest_smsmock.receiver import Receiver

            self._receiver = Receiver(
                fakes=self.fakes,
                now=self.clock.now,
                callback_timeout=lambda: self.callback_timeout,
            ).start()
        return self._receiver

    # -- virtual sleep -----------------------------------------------------------------------
    def patch_sleep(self) -> SleepPatch:
        """Make ``time.sleep`` and ``asyncio.sleep`` in this thread (the test's) advance the
        clock instead of waiting, until `stop_patch_sleep()`, the end of the ``with`` block or
        of the test; the fakes' transport threads keep sleeping for real."""
        from pytest_smsmock.sleep import SleepPatch

        if self._sleep_patch is None:
            self._sleep_patch = SleepPatch(self.clock)
        return self._sleep_patch.start()

    def stop_patch_sleep(self) -> None:
        if self._sleep_patch is not None:
            self._sleep_patch.stop()
            self._sleep_patch = None

    # -- transport for callbacks --------------------------------------------------------------
    def _get_sender(self) -> Sender:
        if self._sender is None:
            from pytest_smsmock.receiver import via_receiver
            from pytest_smsmock.servers.http import UrllibSender

            self._urllib_sender = UrllibSender(
                timeout=self.callback_timeout, concurrency=self.callback_concurrency
            )
            self._sender = via_receiver(self._urllib_sender, lambda: self._receiver)
        return self._sender

    def _set_retention(self, journal_entries: int | None, finished_messages: int | None) -> None:
        """Bound the journal and every fake's finished messages (None: keep everything)."""
        self.retention_in_force = (journal_entries, finished_messages)
        if self.journal.max_entries != journal_entries:
            self.journal.set_max_entries(journal_entries)
        for fake in self.fakes.built():
            if fake.messages.max_finished != finished_messages:
                fake.set_max_finished(finished_messages)

    @property
    def retention(self) -> tuple[int | None, int | None]:
        """(journal entries, finished messages per fake) kept at most; None: all."""
        return self.retention_in_force

    def _set_callbacks(self, timeout: float, concurrency: int) -> None:
        """The callback timeout and concurrency in force, on the hub's own sender too."""
        self.callback_timeout, self.callback_concurrency = timeout, concurrency
        if self._urllib_sender is not None:
            self._urllib_sender.timeout = timeout
            self._urllib_sender.concurrency = concurrency

    def set_sender(self, sender: Sender | None) -> None:
        """Replace the HTTP transport of callbacks (tests without sockets)."""
        self._sender = sender

    # -- description -------------------------------------------------------------------------
    def endpoints(self) -> list[tuple[str, str, str]]:
        """(provider, kind, address) rows for every running listener (listing starts none)."""
        rows: list[tuple[str, str, str]] = []
        for fake in self.fakes.built():
            for listener in fake.http_listeners:
                server = self.http_servers.get((fake.name, listener.name))
                if server is not None:
                    rows.append((fake.name, f"http:{listener.name}", server.url))
            smpp = self.smpp_server.addresses if self.smpp_server is not None else {}
            for (provider, name), (host, port) in smpp.items():
                if provider == fake.name:
                    rows.append((fake.name, f"smpp:{name}", f"{host}:{port}"))
        return rows
