"""`smsmock record`: the recording reverse proxy with a second hub's fakes as the upstream
(never anything but loopback: this module refuses any other address). HTTPS served with the
hub's test CA, SMPP relayed over TLS to the upstream, a per-request push URL rewritten and the
push forwarded; then the cassette replayed with the upstream gone: same answers, same pushes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import smpplib.client
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.recording import Recorder, load_cassette
from pytest_smsmock.recording.cassette import HttpExchange, Push, SmppPdu
from pytest_smsmock.servers.http import UrllibSender
from pytest_smsmock.servers.record_proxy import RecordingProxy

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    resolve = socket.getaddrinfo
    connect = socket.socket.connect

    def getaddrinfo(host: Any, *args: Any, **kw: Any) -> Any:
        if host not in LOOPBACK and host is not None:
            raise OSError(f"test blocks resolving {host!r}")
        return resolve(host, *args, **kw)

    def guarded(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in LOOPBACK:
            raise OSError(f"test blocks connecting to {address!r}")
        return connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def upstream() -> Iterator[SmsMock]:
    with SmsMock(providers=("infobip",)) as hub:
        yield hub


@pytest.fixture
def receivers() -> Iterator[list[HTTPServer]]:
    servers = [HTTPServer(host="127.0.0.1", port=0) for _ in range(2)]
    for server in servers:
        server.start()
    yield servers
    for server in servers:
        server.clear()
        server.stop()


def collect(server: HTTPServer) -> list[bytes]:
    got: list[bytes] = []

    def handler(request: Request) -> Response:
        got.append(request.get_data())
        return Response("OK")

    server.expect_request("/dlr").respond_with_handler(handler)
    return got


def send(base: str, pushurl: str, verify: str | bool = True) -> bytes:
    params = {"user": "test", "password": "test", "sender": "Shop", "SMSText": "hi"}
    params.update(GSM="385951111111", pushurl=pushurl)
    answer = requests.get(base + "/api/v3/sendsms/plain", params=params, verify=verify, timeout=5)
    return answer.content


def esme(address: tuple[str, int]) -> tuple[Any, list[Any]]:
    delivered: list[Any] = []
    client = smpplib.client.Client(*address, timeout=5, allow_unknown_opt_params=True)
    client.set_message_received_handler(lambda pdu: delivered.append(pdu))
    client.connect()
    client.bind_transceiver(system_id="test", password="test")
    return client, delivered


def submit(client: Any) -> str:
    client.send_message(
        source_addr_ton=1,
        source_addr="38591000",
        dest_addr_ton=1,
        destination_addr="385911234567",
        short_message=b"Hello",
        registered_delivery=1,
    )
    return str(client.read_pdu().message_id.decode())


def test_record_through_the_proxy_then_replay_without_the_upstream(
    upstream: SmsMock, smsmock: SmsMock, receivers: list[HTTPServer], tmp_path: Path
) -> None:
    recorder = Recorder(upstream.clock.now())
    pushed = collect(receivers[0])
    # The provider pushes to the proxy's HTTPS receiver: it trusts the test CA.
    upstream.set_sender(UrllibSender(ssl_context=upstream.client_ssl_context()))
    with RecordingProxy(
        provider="infobip",
        tap=recorder,
        upstream=upstream.infobip.url,
        smpp_upstream=upstream.infobip.smpp_tls_address,
        smpp_upstream_tls=True,
        upstream_ssl_context=upstream.client_ssl_context(),
        ssl_context=upstream.server_ssl_context(),  # HTTPS with the hub's test CA
    ) as proxy:
        assert proxy.url.startswith("https://127.0.0.1:")
        answer = send(proxy.url, receivers[0].url_for("/dlr"), verify=upstream.ca_file)
        assert proxy.smpp_address is not None
        client, delivered = esme(proxy.smpp_address)
        message_id = submit(client)
        upstream.clock.advance("5s")  # the DLR push and the receipt, through the proxy
        upstream.infobip.smpp.flush()
        client.read_once()
        client.unbind()
        client.disconnect()
    assert len(pushed) == 1 and len(delivered) == 1
    receipt = bytes(delivered[0].short_message)
    assert message_id.encode() in receipt
    cassette = recorder.cassette()
    path = cassette.dump(tmp_path / "proxy.yaml")
    kinds = {type(i) for i in cassette.interactions}
    assert kinds == {HttpExchange, Push, SmppPdu}
    push = next(i for i in cassette.interactions if isinstance(i, Push))
    assert push.url.startswith(receivers[0].url_for("/dlr")) and push.follows == 0

    upstream.stop()  # the upstream is gone: the cassette answers
    again = collect(receivers[1])
    smsmock.replay(path)
    assert send(smsmock.infobip.url, receivers[1].url_for("/dlr")) == answer
    client, delivered = esme(smsmock.infobip.smpp_address)
    assert submit(client) == message_id
    smsmock.clock.advance("5s")
    smsmock.infobip.smpp.flush()
    client.read_once()
    client.unbind()
    client.disconnect()
    assert again == pushed
    assert bytes(delivered[0].short_message) == receipt
    smsmock.finish_replay()


def test_the_cli_records_until_sigterm(upstream: SmsMock, tmp_path: Path) -> None:
    out = tmp_path / "cli.yaml"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest_smsmock.cli",
            "record",
            "--provider",
            "infobip",
            "--upstream",
            upstream.infobip.url,
            "--out",
            str(out),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_PROXY": "*"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("HTTP  http://127.0.0.1:")
        url = line.split()[1]
        assert "account-level callbacks: point them at " + url + "/__smsmock/push" in (
            process.stdout.readline()
        )
        process.stdout.readline()
        assert send(url, "http://127.0.0.1:9/dlr").startswith(b"<")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(10)
    assert process.returncode == 0
    [exchange] = load_cassette(out).interactions
    assert isinstance(exchange, HttpExchange) and "password=REDACTED" in exchange.query


def test_account_level_callbacks_go_through_the_printed_receiver(
    upstream: SmsMock, receivers: list[HTTPServer]
) -> None:
    pushed = collect(receivers[0])
    recorder = Recorder(upstream.clock.now())
    with RecordingProxy(
        provider="infobip",
        tap=recorder,
        upstream=upstream.infobip.url,
        forward_callbacks=receivers[0].url_for("/dlr"),
    ) as proxy:
        upstream.infobip.add_account("shop", "s3cret-pw", dlr_url=proxy.receiver_url)
        params = {"user": "shop", "password": "s3cret-pw", "sender": "S", "SMSText": "x"}
        params["GSM"] = "385951111111"
        requests.get(proxy.url + "/api/v3/sendsms/plain", params=params, timeout=5)
        upstream.clock.advance("5s")
    assert len(pushed) == 1
    push = next(i for i in recorder.cassette().interactions if isinstance(i, Push))
    assert push.url == receivers[0].url_for("/dlr") and push.answer_status == 200
    assert push.body == pushed[0]
