"""`smsmock`: run the fakes as a standalone server, or validate scenario files.

smsmock serve [--scenario FILE|NAME] [--seed N] [--host H] [--port-base P] [--proxy-port N]
              [--max-journal-entries N] [--max-finished-messages N]
smsmock validate FILE...
smsmock scenarios
smsmock record --provider NAME --upstream URL [--smpp-upstream HOST:PORT] --out FILE
smsmock cassette show FILE
smsmock cassette to-scenario FILE [-o OUT] [--exact | --fit]
smsmock contract run PROVIDER... [--live URL] [--smpp HOST:PORT [--smpp-tls]]
              [--username U --password P | --api-key K] [--ca-file F] [--allow-sends]
              [--receipt-timeout S] [--report out.json]
smsmock contract verify FILE... [same options]

`serve` runs for hours: unlike a pytest run, which keeps everything of its test, it keeps the
last `SERVE_MAX_JOURNAL` journal entries and `SERVE_MAX_FINISHED` finished messages per
provider by default (the oldest finished forgotten first), so its memory stays flat however
many messages go through (`bench/bench_memory.py`); 0 keeps everything.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from types import FrameType
from typing import TextIO

from pytest_smsmock.errors import ConfigError, SmsMockError

__all__ = ["SERVE_MAX_FINISHED", "SERVE_MAX_JOURNAL", "main"]

#: What `smsmock serve` keeps by default: journal entries, and finished messages per provider.
SERVE_MAX_JOURNAL = 10_000
SERVE_MAX_FINISHED = 10_000


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="smsmock", description="Fake SMS providers (HTTP and SMPP) for tests."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run every provider fake until Ctrl-C / SIGTERM")
    serve.add_argument("--scenario", help="a YAML scenario file, or a bundled scenario's name")
    serve.add_argument("--seed", help="seed of ids and drawn values (default: the scenario's or 0)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument(
        "--port-base",
        type=int,
        default=None,
        help="first port; listeners take consecutive ports in the table's order (default: free)",
    )
    serve.add_argument(
        "--max-journal-entries",
        type=_bound,
        default=SERVE_MAX_JOURNAL,
        metavar="N",
        help=f"journal entries kept, the oldest dropped first (default {SERVE_MAX_JOURNAL}; "
        "0: all)",
    )
    serve.add_argument(
        "--max-finished-messages",
        type=_bound,
        default=SERVE_MAX_FINISHED,
        metavar="N",
        help="messages in a final status kept per provider, the oldest finished forgotten "
        f"first (default {SERVE_MAX_FINISHED}; 0: all)",
    )
    serve.add_argument(
        "--clock",
        choices=("realtime", "virtual"),
        default="realtime",
        help="realtime (default): DLRs fire by themselves; virtual: time stands still",
    )

    serve.add_argument(
        "--proxy-port",
        type=int,
        default=None,
        metavar="N",
        help="also run the HTTP(S) proxy that routes the providers' real hostnames to the "
        "fakes (HTTPS_PROXY=http://HOST:N, trust the printed CA); 0: a free port",
    )

    validate = commands.add_parser("validate", help="check scenario files; non-zero on errors")
    validate.add_argument("files", nargs="+", metavar="FILE")

    commands.add_parser("scenarios", help="list the bundled scenarios (load them by name)")

    record = commands.add_parser(
        "record", help="a recording reverse proxy in front of a provider, until Ctrl-C / SIGTERM"
    )
    record.add_argument("--provider", required=True, help="the fake that will replay it")
    record.add_argument("--upstream", help="the provider's HTTP(S) base URL")
    record.add_argument("--smpp-upstream", metavar="HOST:PORT", help="the provider's SMPP")
    record.add_argument("--smpp-upstream-tls", action="store_true", help="TLS to the SMPP upstream")
    record.add_argument(
        "--upstream-ca", metavar="FILE", help="CA bundle the upstream is checked with"
    )
    record.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    record.add_argument("--port", type=int, default=0, help="HTTP port (default: free)")
    record.add_argument("--smpp-port", type=int, default=0, help="SMPP port (default: free)")
    record.add_argument(
        "--tls", action="store_true", help="serve HTTPS with a test CA (written beside --out)"
    )
    record.add_argument(
        "--forward-callbacks", metavar="URL", help="where account-level callbacks go on to"
    )
    record.add_argument(
        "--redact", action="append", default=[], metavar="FIELD", help="also redact FIELD"
    )
    record.add_argument(
        "--pseudonyms", metavar="SALT", help="replace phone numbers by stable pseudonyms"
    )
    record.add_argument("--out", required=True, metavar="FILE", help="the cassette to write")

    cassette = commands.add_parser("cassette", help="read recorded cassettes (docs/recording.md)")
    actions = cassette.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print a cassette as a timeline")
    show.add_argument("file", metavar="FILE")
    convert = actions.add_parser(
        "to-scenario", help="write a scenario that reproduces a cassette with the fakes' logic"
    )
    convert.add_argument("file", metavar="FILE")
    convert.add_argument("-o", "--output", metavar="OUT", help="write here (default: stdout)")
    how = convert.add_mutually_exclusive_group()
    how.add_argument("--exact", action="store_true", help="one rule per recorded message")
    how.add_argument(
        "--fit", action="store_true", help="delays drawn from distributions fitted to the recording"
    )
    contract = commands.add_parser(
        "contract", help="contract tests: exit 0 no drift, 1 drift, 2 unusable input"
    )
    actions = contract.add_subparsers(dest="action", required=True)
    run = actions.add_parser("run", help="run providers' shipped contract suites")
    run.add_argument("providers", nargs="+", metavar="PROVIDER")
    verify = actions.add_parser(
        "verify", help="verify consumer contract files (or cassettes, read as contracts)"
    )
    verify.add_argument("files", nargs="+", metavar="FILE")
    for sub in (run, verify):
        sub.add_argument("--live", metavar="URL", help="a live base URL (default: the fakes)")
        sub.add_argument("--smpp", metavar="HOST:PORT", help="a live SMSC for SMPP contracts")
        sub.add_argument("--smpp-tls", action="store_true", help="--smpp speaks TLS")
        sub.add_argument(
            "--receipt-timeout",
            type=float,
            default=60.0,
            metavar="S",
            help="seconds to wait for a live delivery receipt (60)",
        )
        sub.add_argument("--username", help="live account (or $SMSMOCK_LIVE_USERNAME)")
        sub.add_argument("--password", help="live password (or $SMSMOCK_LIVE_PASSWORD)")
        sub.add_argument("--api-key", help="live API key (or $SMSMOCK_LIVE_API_KEY)")
        sub.add_argument("--ca-file", help="CA bundle trusted for an https --live URL")
        sub.add_argument(
            "--allow-sends", action="store_true", help="also run cases that send (cost money)"
        )
        sub.add_argument("--report", metavar="FILE", help="write the JSON drift report there")
    return parser


def _bound(text: str) -> int | None:
    """A count for a --max-* option: 0 means no bound."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no bound) or more")
    return value or None


def _seed(text: str | None) -> int | str | None:
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return text


def serve(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from pytest_smsmock.hub import SmsMock

    seed = _seed(args.seed)
    hub = SmsMock(
        seed=seed if seed is not None else 0,
        clock=args.clock,
        host=args.host,
        port_base=args.port_base,
        max_journal_entries=args.max_journal_entries,
        max_finished_messages=args.max_finished_messages,
        lazy=False,  # every fake listens from the start, with its address in the table
    )
    stop, restore_signals = _stop_on_signals()
    try:
        try:
            hub.start()
        except OSError as exc:
            print(f"smsmock: cannot listen: {exc}", file=sys.stderr)
            return 2
        if args.scenario:
            hub.load_scenario(args.scenario, seed=seed)
        if args.proxy_port is not None:
            try:
                hub.start_proxy(args.proxy_port)
            except OSError as exc:
                print(f"smsmock: cannot listen for the proxy: {exc}", file=sys.stderr)
                return 2
        out.write(render_table(hub))
        out.write("\nServing; Ctrl-C or SIGTERM stops.\n")
        out.flush()
        while not stop.wait(0.5):
            for error in hub.take_errors():
                print(f"smsmock: error while serving: {error!r}", file=sys.stderr)
        out.write("smsmock: stopping\n")
        return 0
    finally:
        hub.stop()
        restore_signals()


def _stop_on_signals() -> tuple[threading.Event, Callable[[], None]]:
    """An event SIGINT and SIGTERM set (a long-running command waits on it), and what puts the
    previous handlers back."""
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return stop, restore


def render_table(hub: object) -> str:
    from pytest_smsmock.hub import SmsMock

    assert isinstance(hub, SmsMock)
    rows = [("provider", "endpoint", "address", "accounts (username/password)")]
    for fake in hub:
        credentials = ", ".join(f"{a.username}/{a.password}" for a in fake.accounts)
        endpoints = [(f"http:{k}", v) for k, v in fake.urls.items()]
        endpoints += [(f"smpp:{k}", f"{h}:{p}") for k, (h, p) in fake.smpp_addresses.items()]
        for index, (kind, address) in enumerate(endpoints):
            rows.append(
                (fake.name if index == 0 else "", kind, address, credentials if index == 0 else "")
            )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    extra = f"clock: {hub.clock_mode}, seed: {hub.seed}"
    if hub.scenario is not None:
        extra += f", scenario: {hub.scenario.source}"
    footer = [extra, f"test CA for TLS listeners: {hub.ca_file}"]
    if hub.proxy_running:
        hosts = ", ".join(pattern for pattern, _ in hub.hosts.items())
        footer.append(
            f"proxy: {hub.proxy_url} (HTTPS_PROXY / HTTP_PROXY; trust the test CA) for {hosts}"
        )
    return "\n".join([*lines, "", *footer, ""])


def validate(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    """``FILE: ok`` on stdout, or every problem of the file on stderr, one line each
    (``FILE:LINE: PATH: what is wrong``): schema, semantics and provider-native names."""
    from pytest_smsmock.validation import check_file

    failed = 0
    for name in args.files:
        problems = check_file(name)
        if problems:
            failed += 1
            for problem in problems:
                print(str(problem), file=sys.stderr)
        else:
            out.write(f"{name}: ok\n")
    return 1 if failed else 0


def scenarios(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from pytest_smsmock.scenario.bundled import bundled_names, describe

    out = out if out is not None else sys.stdout

    names = bundled_names()
    width = max(map(len, names), default=0)
    for name in names:
        out.write(f"{name.ljust(width)}  {describe(name)}".rstrip() + "\n")
    out.write('\nload one by name: @pytest.mark.smsmock(scenario="slow_dlrs"), ')
    out.write("smsmock.load_scenario(...), smsmock serve --scenario ...\n")
    return 0


def record(args: argparse.Namespace, out: TextIO | None = None) -> int:
    import ssl
    from datetime import UTC, datetime

    from pytest_smsmock.providers import provider_names
    from pytest_smsmock.recording.recorder import Recorder
    from pytest_smsmock.servers.record_proxy import RecordingProxy

    out = out or sys.stdout
    if args.provider not in provider_names():
        raise ConfigError(
            f"unknown provider {args.provider!r}; known: {', '.join(provider_names())}"
        )
    if not args.upstream and not args.smpp_upstream:
        raise ConfigError("give --upstream URL, --smpp-upstream HOST:PORT or both")
    smpp_upstream = None
    if args.smpp_upstream:
        host, _, port = args.smpp_upstream.rpartition(":")
        if not host or not port.isdigit():
            raise ConfigError(f"--smpp-upstream wants HOST:PORT, not {args.smpp_upstream!r}")
        smpp_upstream = (host, int(port))
    upstream_context = (
        ssl.create_default_context(cafile=args.upstream_ca) if args.upstream_ca else None
    )
    served = None
    if args.tls:
        import trustme

        ca = trustme.CA()
        served = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(args.host, "127.0.0.1", "localhost").configure_cert(served)
        ca_path = f"{args.out}.ca.pem"
        ca.cert_pem.write_to_path(ca_path)
        out.write(f"test CA of the HTTPS listener: {ca_path}\n")
    source = f"smsmock record --provider {args.provider}" + (
        f" --upstream {args.upstream}" if args.upstream else ""
    )
    recorder = Recorder(
        datetime.now(UTC), redact=args.redact, source=source, pseudonyms=args.pseudonyms
    )
    proxy = RecordingProxy(
        provider=args.provider,
        tap=recorder,
        upstream=args.upstream,
        smpp_upstream=smpp_upstream,
        host=args.host,
        port=args.port,
        smpp_port=args.smpp_port,
        ssl_context=served,
        upstream_ssl_context=upstream_context,
        smpp_upstream_tls=args.smpp_upstream_tls,
        forward_callbacks=args.forward_callbacks,
    )
    stop, restore_signals = _stop_on_signals()
    try:
        try:
            proxy.start()
        except OSError as exc:
            print(f"smsmock: cannot listen: {exc}", file=sys.stderr)
            return 2
        if args.upstream:
            out.write(f"HTTP  {proxy.url} -> {args.upstream}\n")
            out.write(f"account-level callbacks: point them at {proxy.receiver_url}\n")
        if proxy.smpp_address is not None:
            host, port = proxy.smpp_address
            out.write(f"SMPP  {host}:{port} -> {args.smpp_upstream}\n")
        out.write(f"Recording; Ctrl-C or SIGTERM writes {args.out}\n")
        out.flush()
        while not stop.wait(0.5):
            pass
    finally:
        proxy.stop()
        restore_signals()
    written = recorder.cassette().dump(args.out)
    out.write(f"{written}: {len(recorder)} interaction(s) recorded\n")
    return 0


def cassette(args: argparse.Namespace, out: TextIO | None = None) -> int:
    from pytest_smsmock.recording.cassette import load_cassette

    out = out or sys.stdout
    loaded = load_cassette(args.file)
    if args.action == "show":
        from pytest_smsmock.recording.show import render

        out.write(render(loaded))
        return 0
    from pytest_smsmock.recording.to_scenario import to_scenario

    text = to_scenario(loaded, exact=args.exact, fit=args.fit)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as target:
            target.write(text)
        out.write(f"{args.output}: written from {args.file}\n")
    else:
        out.write(text)
    return 0


def contract(args: argparse.Namespace, out: TextIO | None = None) -> int:
    """`contract run` / `contract verify`: the human report on `out`, JSON in --report."""
    out = out or sys.stdout
    from pytest_smsmock.contracts import load_contracts, load_suites, run_contracts

    if args.live is not None and args.api_key is not None and args.password is not None:
        raise SmsMockError("give --username/--password or --api-key, not both")
    if args.action == "run":
        contracts = [c for name in args.providers for c in load_suites(name)]
    else:
        contracts = [c for name in args.files for c in load_contracts(name)]
    report = run_contracts(
        contracts,
        live=args.live,
        smpp=args.smpp,
        smpp_tls=args.smpp_tls,
        receipt_timeout=args.receipt_timeout,
        username=args.username,
        password=args.password,
        api_key=args.api_key,
        ca_file=args.ca_file,
        allow_sends=args.allow_sends,
    )
    out.write(report.render())
    if args.report:
        with open(args.report, "w", encoding="utf-8") as file:
            file.write(report.to_json())
    return 1 if report.drifted else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "serve":
            return serve(args)
        if args.command == "scenarios":
            return scenarios(args)
        if args.command == "cassette":
            return cassette(args)
        if args.command == "record":
            return record(args)
        if args.command == "contract":
            return contract(args)
        return validate(args)
    except SmsMockError as exc:
        print(f"smsmock: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
