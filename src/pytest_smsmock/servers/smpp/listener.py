"""The SMPP listener: the asyncio loop, the listening sockets, outages, `catch_up` and `flush`."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import select
import ssl
import threading
import time
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Protocol, TypeVar

from pytest_smsmock.providers.smpp_common import SmppService, SmppSession
from pytest_smsmock.servers.smpp.session import Session
from pytest_smsmock.servers.threads import mark_serving

if TYPE_CHECKING:
    from pytest_smsmock.clock import VirtualClock
    from pytest_smsmock.core.journal import Journal
    from pytest_smsmock.providers.base import ProviderFake, SmppListener

__all__ = ["SmppHost", "SmppServer"]

_T = TypeVar("_T")


class SmppHost(Protocol):
    """What the listener needs of its owner (the hub): the fakes, the clock, the journal, the
    test CA, and where errors go."""

    def built_fakes(self) -> list[ProviderFake]: ...

    @property
    def clock(self) -> VirtualClock: ...

    @property
    def journal(self) -> Journal: ...

    def server_ssl_context(self) -> ssl.SSLContext: ...

    def report_error(self, error: BaseException) -> None: ...


class SmppServer:
    """Every SMPP listener of a hub, on one asyncio loop in one daemon thread."""

    def __init__(
        self,
        host_: SmppHost,
        *,
        host: str = "127.0.0.1",
        port_base: int | None = None,
        lazy_tls: bool = False,
    ) -> None:
        self.hub = host_
        self.host = host
        self.port_base = port_base
        self.next_port = port_base
        #: A TLS listener starts when its address is first asked for (`open_listener`), so
        #: the test CA is made only then; else every listener starts with its fake.
        self.lazy_tls = lazy_tls
        self._open_lock = threading.Lock()  # listeners opened on first use, from any thread
        #: Listeners being opened by a task of the loop (asked for on the loop itself, by a
        #: clock event): an outage naming one waits for it.
        self._opening: dict[tuple[str, str], asyncio.Future[None]] = {}
        self.addresses: dict[tuple[str, str], tuple[str, int]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._thread_id: int | None = None
        self._servers: list[asyncio.AbstractServer] = []
        # (provider, listener) -> its listening server, and what it needs to listen again.
        self._listening: dict[tuple[str, str], asyncio.AbstractServer] = {}
        self._listeners: dict[tuple[str, str], tuple[ProviderFake, SmppListener]] = {}
        self._down: set[tuple[str, str]] = set()
        self._tls: ssl.SSLContext | None = None
        self._sessions: dict[int, Session] = {}
        self._unborn: dict[Session, float] = {}  # accepted sessions not connected yet
        self._listen_fds: list[int] = []
        self._ids = itertools.count(1)
        self._services: list[SmppService] = []

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> SmppServer:
        if self._loop is not None:
            return self
        context = None
        if any(self._starts_now(listener) and listener.tls for listener in self._all_listeners()):
            context = self.hub.server_ssl_context()
        loop = asyncio.new_event_loop()
        self._loop = loop
        started = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(loop)
            mark_serving()
            self._thread_id = threading.get_ident()
            loop.call_soon(started.set)
            loop.run_forever()

        self._thread = threading.Thread(target=run, name="smsmock-smpp", daemon=True)
        self._thread.start()
        started.wait(10)
        future = asyncio.run_coroutine_threadsafe(self._open(context), loop)
        try:
            future.result(30)
        except BaseException:
            self.stop()
            raise
        return self

    async def _listen(
        self, fake: ProviderFake, listener: SmppListener, port: int
    ) -> asyncio.Server:
        loop = asyncio.get_running_loop()

        def factory() -> Session:
            session = Session(self, fake, listener)
            # Accepted, not connected yet (TLS handshake, connection_made still to run).
            self._unborn[session] = time.monotonic()
            return session

        server = await loop.create_server(
            factory,
            self.host,
            port,
            ssl=self._tls if listener.tls else None,
            reuse_address=True,
        )
        self._servers.append(server)
        self._listening[(fake.name, listener.name)] = server
        self._refresh_listen_fds()
        self._listeners[(fake.name, listener.name)] = (fake, listener)
        return server

    async def _open(self, context: ssl.SSLContext | None) -> None:
        self._tls = context
        self.next_port = self.port_base
        for fake in self._smpp_fakes():
            await self._open_fake(fake)

    def _smpp_fakes(self) -> list[ProviderFake]:
        """The fakes whose SMPP side is built (a fake's first SMPP use builds it)."""
        return [fake for fake in self.hub.built_fakes() if fake.smpp_built]

    def _all_listeners(self) -> list[SmppListener]:
        return [listener for fake in self._smpp_fakes() for listener in fake.smpp_listeners]

    def _starts_now(self, listener: SmppListener) -> bool:
        """Whether a listener starts with its fake; a TLS one may wait for its first use."""
        return not (listener.tls and self.lazy_tls)

    async def _open_fake(self, fake: ProviderFake) -> None:
        service = fake.smpp
        if not fake.smpp_listeners or not isinstance(service, SmppService):
            return
        for listener in fake.smpp_listeners:
            if self._starts_now(listener):
                await self._open_listener(fake, listener)
        self._services.append(service)
        service.attach(self)

    async def _open_listener(self, fake: ProviderFake, listener: SmppListener) -> None:
        key = (fake.name, listener.name)
        if key in self.addresses:
            return
        try:
            server = await self._listen(fake, listener, self.next_port or 0)
        finally:
            self._opening.pop(key, None)
        bound_port = server.sockets[0].getsockname()[1]
        address = (self.host, bound_port)
        self.addresses[key] = address
        fake.bind_smpp(listener.name, address)
        if self.next_port:
            self.next_port += 1

    def open_fake(self, fake: ProviderFake) -> None:
        """Listen for a fake built after the listener started (the hub builds fakes on first
        use); waits until its listeners are bound, unless called from the loop itself."""
        if self._tls is None and any(
            listener.tls and self._starts_now(listener) for listener in fake.smpp_listeners
        ):
            self._tls = self.hub.server_ssl_context()
        self._on_loop(self._open_fake(fake))

    def open_listener(self, fake: ProviderFake, name: str) -> None:
        """Start one listener of a fake that listens already, on its first use (a TLS one
        when its address is first asked for: the test CA is made now); waits until it is
        bound, unless called from the loop itself. A no-op for one that runs."""
        if (fake.name, name) in self.addresses or not any(f is fake for f in self._smpp_fakes()):
            return
        with self._open_lock:  # a second caller waits and finds it bound
            for listener in fake.smpp_listeners:
                if listener.name == name and (fake.name, name) not in self.addresses:
                    if listener.tls and self._tls is None:
                        self._tls = self.hub.server_ssl_context()
                    task = self._on_loop(self._open_listener(fake, listener))
                    if task is not None and not task.done():
                        self._opening[(fake.name, name)] = task

    def listens(self, provider: str, listener: str) -> bool:
        """Whether that listener has a socket, or is being given one on the loop."""
        return (provider, listener) in self.addresses or (provider, listener) in self._opening

    def stop(self) -> None:
        loop = self._loop
        if loop is None:
            return
        for service in self._services:
            service.attach(None)
        self._services.clear()
        if loop.is_running():
            future = asyncio.run_coroutine_threadsafe(self._close(), loop)
            try:
                future.result(5)
            except Exception as exc:  # closing must not fail a test run
                self.hub.report_error(exc)
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(5)
        if not loop.is_running():
            loop.close()
        self._loop = None
        self._thread = None

    async def _close(self) -> None:
        for server in self._servers:
            server.close()
        for session in list(self._sessions.values()):
            session.abort("listener stopped")
        self._servers.clear()
        self._listening.clear()
        self._listen_fds = []
        self._down.clear()

    # -- outages (scenario ``outage`` events, `SmsMock.take_down`) ---------------------------
    def take_down(self, provider: str, listener: str) -> None:
        """Stop one listener: new connections are refused and its open sessions are dropped
        (receipts in flight go back to the queue) until `bring_up` or the next test's reset."""
        key = self._known(provider, listener)
        self._on_loop(self._take_down(key))

    def bring_up(self, provider: str, listener: str) -> None:
        """Listen again, on the same port, on a listener `take_down` stopped (no-op if up)."""
        key = self._known(provider, listener)
        self._on_loop(self._bring_up(key))

    def bring_up_all(self) -> None:
        """Every listener taken down listens again, unjournaled (the hub's reset)."""
        for key in sorted(self._down):
            self._on_loop(self._bring_up(key, note=False))

    def is_down(self, provider: str, listener: str) -> bool:
        return (provider, listener) in self._down

    def _known(self, provider: str, listener: str) -> tuple[str, str]:
        key = (provider, listener)
        if not self.listens(provider, listener):
            from pytest_smsmock.errors import ConfigError

            running = ", ".join(f"{p}/{n}" for p, n in self.addresses) or "none"
            raise ConfigError(f"no SMPP listener {provider}/{listener}; running: {running}")
        return key

    def _on_loop(self, work: Coroutine[object, object, None]) -> asyncio.Task[None] | None:
        """Run a coroutine on the loop; wait for it unless called from the loop itself (a clock
        event fired by a session's `clock.sync()`): then it runs as soon as this callback ends,
        as the task returned."""
        loop = self._loop
        if loop is None:
            work.close()
            return None
        if self.in_loop:

            def done(task: asyncio.Task[None]) -> None:
                if not task.cancelled() and task.exception() is not None:
                    self.report(task.exception() or RuntimeError("outage"), None)

            task = loop.create_task(work)
            task.add_done_callback(done)
            return task
        asyncio.run_coroutine_threadsafe(work, loop).result(10)
        return None

    async def _take_down(self, key: tuple[str, str]) -> None:
        await self._opened(key)
        server = self._listening.pop(key, None)
        if server is None:
            return
        self._refresh_listen_fds()
        self._down.add(key)
        server.close()  # the listening socket closes now: connections are refused
        with contextlib.suppress(ValueError):
            self._servers.remove(server)
        dropped = [s for s in list(self._sessions.values()) if s.key == key]
        for session in dropped:
            session.abort("listener taken down")
        self.hub.journal.record(
            key[0],
            "smpp",
            "event",
            f"listener {key[1]} taken down ({len(dropped)} session(s) dropped)",
            {"listener": key[1], "up": False},
        )

    async def _opened(self, key: tuple[str, str]) -> None:
        """Wait for a listener the loop is opening (an outage fired on the loop names it)."""
        opening = self._opening.get(key)
        if opening is not None:
            await asyncio.shield(opening)

    async def _bring_up(self, key: tuple[str, str], *, note: bool = True) -> None:
        await self._opened(key)
        if key in self._listening:
            return
        fake, listener = self._listeners[key]
        await self._listen(fake, listener, self.addresses[key][1])
        self._down.discard(key)
        if note:
            self.hub.journal.record(
                key[0],
                "smpp",
                "event",
                f"listener {key[1]} brought up",
                {"listener": key[1], "up": True},
            )

    def __enter__(self) -> SmppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the services and tests use ------------------------------------------------------
    @property
    def in_loop(self) -> bool:
        return threading.get_ident() == self._thread_id

    def call_soon(self, callback: Callable[[], object]) -> None:
        """Run `callback` on the loop (from any thread); its errors are reported, not raised."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return

        def guarded() -> None:
            try:
                callback()
            except Exception as exc:
                self.report(exc, None)

        with contextlib.suppress(RuntimeError):  # the loop is closing
            loop.call_soon_threadsafe(guarded)

    def run(self, function: Callable[[], _T], timeout: float = 5.0) -> _T:
        """Run `function` on the loop and return its result (from another thread)."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the SMPP listener is not running")
        if self.in_loop:
            return function()

        async def call() -> _T:
            return function()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    def call_sync(self, callback: Callable[[], object], timeout: float = 10.0) -> None:
        """Run `callback` on the loop as part of what the calling thread is doing: from another
        thread (a clock event firing there) wait for it, so what it does happens at that
        virtual instant; on the loop itself, as soon as the current callback ends (never inside
        it). Its errors are reported, not raised."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if self.in_loop:
            self.call_soon(callback)
            return

        async def call() -> None:
            try:
                callback()
            except Exception as exc:
                self.report(exc, None)

        try:
            asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)
        except (TimeoutError, RuntimeError) as exc:  # a stuck or closing loop
            self.report(exc, None)

    def _refresh_listen_fds(self) -> None:
        self._listen_fds = [
            sock.fileno()
            for srv in self._listening.values()
            for sock in getattr(srv, "sockets", ())
        ]

    def busy(self) -> bool:
        """Whether `catch_up` has anything to wait for: a session, one being accepted, or a
        listener open. A listener counts even when its socket shows nothing waiting: the loop
        may have accepted a connection and not yet made its session (asyncio builds it in a
        task of the next turn), a moment no socket and no session shows; `catch_up` then costs
        two turns of the loop."""
        return bool(self._sessions or self._unborn or self._listen_fds)

    def catch_up(self, timeout: float = 5.0) -> bool:
        """Bring every session up to date with what has reached its socket: wait (bounded, real
        time) until the loop has read and handled every byte waiting on a socket, answered it,
        and run what that queued (receipts pumped, answers handed to the transport). True when
        no socket has bytes waiting, False if `timeout` real seconds passed first (a client that
        never stops sending). A session paused by back-pressure is not waited for. A no-op on
        the loop itself and without sessions."""
        loop = self._loop
        if loop is None or self.in_loop or not self.busy():
            return True
        future = asyncio.run_coroutine_threadsafe(self._caught_up(timeout), loop)
        try:
            return bool(future.result(timeout + 1))
        except (TimeoutError, RuntimeError):
            return False

    async def _caught_up(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            # One turn: the loop's select (timeout 0: this task is ready) sees every socket
            # with bytes waiting and queues their reads after this task. A second turn: those
            # reads, and whatever they scheduled with call_soon, have run.
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            if not self._unread():
                return True
            if time.monotonic() > deadline:
                return False

    def _unread(self) -> bool:
        """Whether a session that is reading has bytes waiting on its socket, a connection
        waits to be accepted, or an accepted one is not connected yet (for a second at most:
        a TLS client that stalls its handshake is not waited for)."""
        now = time.monotonic()
        for session, born in list(self._unborn.items()):
            if session.closed or now - born > 1.0:
                del self._unborn[session]
        if self._unborn:
            return True
        fds = [s.fileno for s in list(self._sessions.values()) if s.reading]
        return _readable([fd for fd in fds if fd >= 0] + self._listen_fds)

    def reset_numbering(self) -> None:
        """Number sessions from 1 again when none is open (a test's journal does not depend
        on the tests before it)."""

        def renumber() -> None:
            if not self._sessions:
                self._ids = itertools.count(1)

        if self._loop is None:
            renumber()
            return
        self.run(renumber)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until what was handed to the loop before this call has run and every session's
        output is written; False if `timeout` real seconds passed first."""
        loop = self._loop
        if loop is None or self.in_loop:
            return True
        future = asyncio.run_coroutine_threadsafe(self._drained(timeout), loop)
        try:
            return bool(future.result(timeout + 1))
        except TimeoutError:
            return False

    async def _drained(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            await asyncio.sleep(0)
            if all(session.drained for session in list(self._sessions.values())):
                return True
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.001)

    def close_sessions(self, provider: str, generation: int, *, wait: float = 2.0) -> None:
        """Close the sessions of `provider` opened before `generation` (a reset)."""

        def close() -> None:
            for session in list(self._sessions.values()):
                if session.fake.name == provider and session.info.generation < generation:
                    session.close("the fake was reset")

        if self._loop is None:
            return
        if self.in_loop:
            close()
            return
        try:
            self.run(close, timeout=wait)
        except Exception as exc:
            self.report(exc, None)

    def sessions(self) -> list[SmppSession]:
        return [s.info for s in list(self._sessions.values())]

    def open_session(self, session: Session) -> int:
        """Register a session that just connected; its number."""
        self._unborn.pop(session, None)
        number = next(self._ids)
        self._sessions[number] = session
        return number

    def forget_session(self, number: int) -> None:
        self._sessions.pop(number, None)

    def report(self, error: BaseException, session: Session | None) -> None:
        self.hub.report_error(error)
        provider = session.fake.name if session is not None else "smpp"
        where = f" on session {session.info.id}" if session is not None else ""
        self.hub.journal.record(
            provider, "error", "event", f"SMPP listener{where}: {type(error).__name__}: {error}"
        )

    def vnow(self) -> float:
        """Virtual time as the session timers count it (seconds)."""
        return self.hub.clock.now().timestamp()


def _readable(fds: list[int]) -> bool:
    """Whether any of these descriptors has something to read (a poll that does not wait; a
    descriptor closed meanwhile counts as nothing to read)."""
    if not fds:
        return False
    poller = select.poll()
    for fd in fds:
        poller.register(fd, select.POLLIN)
    return any(events & select.POLLIN for _fd, events in poller.poll(0))
