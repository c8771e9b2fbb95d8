from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests
from pytest_httpserver import HTTPServer
from werkzeug.wrappers import Request, Response

from pytest_smsmock.core.callbacks import CallbackRequest
from pytest_smsmock.errors import ServerThreadError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.base import ProviderFake
from pytest_smsmock.servers.http import UrllibSender


@pytest.fixture
def hub() -> Iterator[SmsMock]:
    with SmsMock(providers=("infobip", "broadnet"), lazy=False) as mock:
        yield mock


def test_every_http_listener_answers_on_loopback(hub: SmsMock) -> None:
    rows = hub.endpoints()
    assert {(p, k) for p, k, _ in rows} >= {
        ("infobip", "http:primary"),
        ("infobip", "http:secondary"),
        ("broadnet", "http:primary"),
        ("broadnet", "http:https"),
    }
    for _, kind, address in rows:
        if kind.startswith("http"):
            assert address.startswith(("http://127.0.0.1:", "https://127.0.0.1:"))
    assert hub.infobip.url != hub.infobip.secondary_url
    answer = requests.get(hub.infobip.url + "/no/such/path", timeout=5)
    assert answer.status_code == 404
    assert hub.journal.entries(provider="infobip", channel="http", direction="in")[-1].summary == (
        "GET /no/such/path"
    )


def test_tls_listener_serves_with_the_test_ca(hub: SmsMock) -> None:
    url = hub.broadnet.https_url
    assert url.startswith("https://")
    answer = requests.get(url + "/x", verify=hub.ca_file, timeout=5)
    assert answer.status_code == 404
    with pytest.raises(requests.exceptions.SSLError):
        requests.get(url + "/x", timeout=5)  # not trusted without the CA


def test_a_silent_tls_client_does_not_stall_other_listeners(hub: SmsMock) -> None:
    host, port = hub.broadnet.https_url.removeprefix("https://").split(":")
    with socket.create_connection((host, int(port)), timeout=5):
        # connected, never sends a ClientHello: the accept loop must still serve others
        assert requests.get(hub.infobip.url + "/x", timeout=5).status_code == 404


def test_a_listener_taken_down_refuses_and_comes_back_on_the_same_port(hub: SmsMock) -> None:
    server = hub.http_servers[("infobip", "primary")]
    url = hub.infobip.url
    server.take_down()
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(url + "/x", timeout=5)
    assert requests.get(hub.infobip.secondary_url + "/x", timeout=5).status_code == 404
    server.bring_up()
    assert hub.infobip.url == url
    assert requests.get(url + "/x", timeout=5).status_code == 404


def test_reset_brings_every_listener_back(hub: SmsMock) -> None:
    hub.http_servers[("infobip", "primary")].take_down()
    hub.reset()
    assert requests.get(hub.infobip.url + "/x", timeout=5).status_code == 404


def test_a_crashing_fake_answers_with_its_error_and_the_test_sees_it(
    hub: SmsMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: ProviderFake, request: Request, listener: str) -> Response:
        raise KeyError("oops")

    monkeypatch.setattr(type(hub.infobip), "handle_http", crash)
    answer = requests.get(hub.infobip.url + "/api/v3/sendsms/plain", timeout=5)
    assert answer.status_code != 500
    assert requests.get(hub.infobip.url + "/x", timeout=5).status_code != 500  # still serving
    with pytest.raises(ServerThreadError, match=r"^smsmock: .*KeyError: 'oops'") as info:
        hub.raise_errors()
    assert "and 1 more" in str(info.value)


def test_callback_sender_reports_answers_refusals_and_timeouts(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/dlr", method="POST").respond_with_data("Ok", status=200)
    httpserver.expect_request("/bad").respond_with_data("no", status=503)
    send = UrllibSender(timeout=0.2)
    ok = send(CallbackRequest(method="POST", url=httpserver.url_for("/dlr"), body=b"x=1"))
    assert (ok.status, ok.body, ok.error) == (200, b"Ok", None)
    bad = send(CallbackRequest(method="GET", url=httpserver.url_for("/bad")))
    assert (bad.status, bad.body) == (503, b"no")
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    assert send(CallbackRequest(method="POST", url=f"http://127.0.0.1:{port}/")).error == "refused"
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        assert send(CallbackRequest(method="POST", url=url)).error == "timeout"
    assert send(CallbackRequest(method="POST", url="not a url")).error == "invalid-url"


def _free_run(length: int) -> int:
    """A port whose next `length - 1` neighbours were free a moment ago."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + length >= 65535:
            continue
        sockets = []
        try:
            for port in range(base, base + length):
                s = socket.socket()
                sockets.append(s)
                s.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()


def test_fixed_port_base_gives_consecutive_ports() -> None:
    # infobip: 2 HTTP listeners, then 2 SMPP listeners (plain, TLS)
    for _attempt in range(5):
        base = _free_run(4)
        try:
            mock = SmsMock(providers=("infobip",), port_base=base).start()
        except OSError:
            continue  # another process took a port in between: try another run
        try:
            assert mock.infobip.url == f"http://127.0.0.1:{base}"
            assert mock.infobip.secondary_url == f"http://127.0.0.1:{base + 1}"
            assert mock.infobip.smpp_address == ("127.0.0.1", base + 2)
            assert mock.infobip.smpp_addresses["tls"] == ("127.0.0.1", base + 3)
        finally:
            mock.stop()
        return
    pytest.fail("no run of 4 free ports could be held in 5 attempts")


def test_a_listener_that_cannot_start_leaves_nothing_running() -> None:
    for _attempt in range(5):
        base = _free_run(2)
        with socket.socket() as taken:
            try:
                taken.bind(("127.0.0.1", base + 1))
            except OSError:
                continue  # someone took it in between: another run
            taken.listen(1)
            # infobip's first HTTP listener gets `base`, the second collides with `taken`
            mock = SmsMock(providers=("infobip",), port_base=base)
            with pytest.raises(OSError):
                mock.start()
            assert not mock.running
            assert mock.http_servers == {}
            with socket.socket() as again:  # the first listener's port was released
                again.bind(("127.0.0.1", base))
        return
    pytest.fail("no run of 2 free ports could be held in 5 attempts")


def _refused(address: tuple[str, int]) -> bool:
    with socket.socket() as probe:
        probe.settimeout(5)
        return probe.connect_ex(address) != 0


def test_a_fakes_smpp_side_listens_from_its_first_smpp_use() -> None:
    """HTTP use leaves the SMPP side unbuilt and nothing listening for SMPP; asking for an
    address, an SMPP outage or an MO meant for SMPP builds it and starts its listeners."""
    with SmsMock(providers=("infobip", "broadnet", "enhanced_smpp")) as mock:
        assert mock.infobip.url and not mock.infobip.smpp_built
        assert mock.smpp_server is None
        assert [kind for _, kind, _ in mock.endpoints()] == ["http:primary", "http:secondary"]
        plain = mock.infobip.smpp_address
        assert mock.infobip.smpp_built and not _refused(plain)
        assert not _refused(mock.infobip.smpp_tls_address)

        assert not mock.broadnet.smpp_built
        mock.take_down("broadnet", protocol="smpp")  # an outage of a listener not used yet
        assert mock.broadnet.smpp_built
        assert _refused(mock.broadnet.smpp_addresses["plain"])
        mock.bring_up("broadnet", protocol="smpp")
        assert not _refused(mock.broadnet.smpp_address)

        assert mock.enhanced_smpp.smpp_built  # SMPP is all it has: built with it
        assert not _refused(mock.enhanced_smpp.smpp_addresses["plain"])


def test_an_https_listener_starts_from_its_first_use() -> None:
    """Broadnet's plain HTTP serves at once; its HTTPS listener (and the test CA) waits for
    its URL or an outage naming it."""
    with SmsMock(providers=("broadnet",)) as mock:
        assert mock.broadnet.url
        assert ("broadnet", "https") not in mock.http_servers
        mock.take_down("broadnet", "https")
        server = mock.http_servers[("broadnet", "https")]
        assert _refused((server.host, server.port))
        mock.bring_up("broadnet", "https")
        answer = requests.get(
            mock.broadnet.https_url + "/websmpp/balanceReport",
            params={"userid": "test", "password": "test"},
            verify=mock.ca_file,
            timeout=10,
        )
        assert answer.status_code == 200


def test_a_tls_smpp_listener_starts_from_its_first_use() -> None:
    """Infobip's plain SMPP listener starts with its SMPP side; the TLS one (and the test CA)
    waits for its address or an outage naming it, even one fired on the listener's own loop
    (a clock event): the outage waits for the listener to open, then takes it down."""
    with SmsMock(providers=("infobip",)) as mock:
        assert not _refused(mock.infobip.smpp_address)
        assert mock.smpp_server is not None
        assert list(mock.smpp_server.addresses) == [("infobip", "plain")]
        assert mock._ca is None
        server = mock.smpp_server
        server.run(lambda: mock.take_down("infobip", "tls"))  # returns before the tasks run
        deadline = time.monotonic() + 5  # bounded polling: each flush is a few loop turns
        while not server.is_down("infobip", "tls") and time.monotonic() < deadline:
            server.flush()
        assert server.is_down("infobip", "tls")
        assert _refused(mock.infobip.smpp_tls_address)
        mock.bring_up("infobip", "tls")
        assert not _refused(mock.infobip.smpp_tls_address)
        assert [kind for _, kind, _ in mock.endpoints()][2:] == ["smpp:plain", "smpp:tls"]


def test_an_mo_meant_for_smpp_builds_the_smpp_side() -> None:
    with SmsMock(providers=("infobip",)) as mock:
        mock.infobip.inject_mo("38591000000", "to the inbox")
        assert not mock.infobip.smpp_built
        mock.infobip.inject_mo("38591000000", "over smpp", protocol="smpp")
        assert mock.infobip.smpp_built
        assert [item.kind for item in mock.infobip.smpp.pending()] == ["mo"]
