"""An ESME floods enquire_link and never reads: the listener's memory, and another session's
submit_sm round trip meanwhile (`python -m bench flood`).

The flooder is another process (a raw socket writing FLOOD_PDUS enquire_link as fast as the
kernel takes them, reading nothing); the listener and the measuring client run here. Figures:
the other session's round trip (median, 99th percentile, max over SAMPLES sequential submit_sm)
without the flood and during it, in the same run, and this process's resident memory before
the flood and at its peak while the flood lasts. No figure is asserted: the ratios are what to
compare between runs.
"""

from __future__ import annotations

import multiprocessing
import socket
import statistics
import time
from typing import Any

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.smpp.codec import encode
from pytest_smsmock.smpp.pdus import BindTransceiver, BindTransmitter, EnquireLink, SubmitSm

FLOOD_PDUS = 2_000_000
SAMPLES = 300
SETTLE = 1.0  # real seconds the flood runs before the round trips are measured
PLATEAU = 3.0  # real seconds memory is sampled after the round trips


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _read_pdu(sock: socket.socket) -> bytes:
    header = sock.recv(4, socket.MSG_WAITALL)
    return header + sock.recv(int.from_bytes(header, "big") - 4, socket.MSG_WAITALL)


def _flood(port: int, count: int) -> None:
    """The flooding ESME (a separate process): bind, then enquire_link forever, never read."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(encode(BindTransceiver(sequence_number=1, system_id="flood", password="flood")))
    _read_pdu(sock)
    chunk = encode(EnquireLink(sequence_number=2)) * 4096
    for _ in range(count // 4096):
        sock.sendall(chunk)
    time.sleep(3600)  # holding the socket open, unread, until the bench ends this process


def _round_trips(port: int, samples: int) -> list[float]:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.sendall(encode(BindTransmitter(sequence_number=1, system_id="bench", password="bench")))
    _read_pdu(sock)
    times = []
    for seq in range(2, 2 + samples):
        pdu = encode(
            SubmitSm(
                sequence_number=seq,
                source_addr_ton=1,
                source_addr="447700900000",
                dest_addr_ton=1,
                destination_addr="447700900123",
                short_message=b"during the flood",
            )
        )
        started = time.perf_counter()
        sock.sendall(pdu)
        _read_pdu(sock)
        times.append(time.perf_counter() - started)
    sock.close()
    return times


def _figures(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "median_ms": round(statistics.median(ordered) * 1000, 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
    }


def main(flood_pdus: int = FLOOD_PDUS) -> dict[str, Any]:
    mock = SmsMock(providers=("enhanced_smpp",)).start()
    try:
        fake = mock.enhanced_smpp
        fake.add_account("bench", "bench", balance="1000000000")
        fake.add_account("flood", "flood")
        fake.service.throughput = 10**9
        port = fake.smpp_address[1]
        _round_trips(port, 50)  # warm-up
        quiet = _round_trips(port, SAMPLES)
        before = _rss_mib()
        flooder = multiprocessing.Process(target=_flood, args=(port, flood_pdus), daemon=True)
        flooder.start()
        time.sleep(SETTLE)
        peak = _rss_mib()
        during: list[float] = []
        for _ in range(SAMPLES // 10):
            during += _round_trips(port, 10)
            peak = max(peak, _rss_mib())
        deadline = time.monotonic() + PLATEAU
        while time.monotonic() < deadline:
            peak = max(peak, _rss_mib())
            time.sleep(0.05)
        flooder.kill()
        flooder.join()
        processed = sum(
            1 for e in mock.journal.entries(channel="smpp") if e.summary.endswith("enquire_link #2")
        )
    finally:
        mock.stop()
    quiet_figures, flood_figures = _figures(quiet), _figures(during)
    results: dict[str, Any] = {
        "flood_pdus_written": flood_pdus,
        "enquire_link_handled": processed,
        "rss_before_mib": round(before, 1),
        "rss_peak_mib": round(peak, 1),
        "rss_growth_mib": round(peak - before, 1),
        "round_trip_quiet": quiet_figures,
        "round_trip_flood": flood_figures,
        "round_trip_median_ratio": round(
            flood_figures["median_ms"] / quiet_figures["median_ms"], 2
        ),
    }
    print(f"enquire_link flood ({flood_pdus:,} PDUs written, never read) against enhanced_smpp")
    print(f"  enquire_link handled by the listener  {processed:,}")
    print(f"  resident memory before / peak         {before:.1f} / {peak:.1f} MiB")
    for name, row in (("quiet", quiet_figures), ("flood", flood_figures)):
        print(
            f"  another session's submit round trip, {name:>5}: median {row['median_ms']} ms,"
            f" p99 {row['p99_ms']} ms, max {row['max_ms']} ms"
        )
    print(f"  median during / without the flood     {results['round_trip_median_ratio']}")
    return results


if __name__ == "__main__":
    main()
