"""intercept: the providers' real hostnames answered by the fakes in-process, through requests,
urllib3, httpx (sync and async) and aiohttp; everything else left alone or refused, and nothing
ever resolved or sent beyond loopback (the directory's guard fails the test otherwise)."""

from __future__ import annotations

import asyncio
import socket
import urllib.request
from collections.abc import Callable

import aiohttp
import httpx
import pytest
import requests
import urllib3
from urllib3.connectionpool import HTTPConnectionPool

from pytest_smsmock.errors import ConfigError, InterceptError
from pytest_smsmock.hub import SmsMock

SEND = "https://api.infobip.com/api/v3/sendsms/plain"
PARAMS = {
    "user": "test",
    "password": "test",
    "sender": "Shop",
    "SMSText": "hi",
    "GSM": "38598123456",
}


def _with_requests(url: str) -> str:
    return requests.get(url, params=PARAMS, timeout=5).text


def _with_urllib3(url: str) -> str:
    return urllib3.request("GET", url, fields=PARAMS).data.decode()


def _with_httpx(url: str) -> str:
    return httpx.get(url, params=PARAMS).text


def _with_httpx_async(url: str) -> str:
    async def run() -> str:
        async with httpx.AsyncClient() as client:
            return (await client.get(url, params=PARAMS)).text

    return asyncio.run(run())


def _with_aiohttp(url: str) -> str:
    async def run() -> str:
        async with aiohttp.ClientSession() as session, session.get(url, params=PARAMS) as answer:
            return await answer.text()

    return asyncio.run(run())


CLIENTS: dict[str, Callable[[str], str]] = {
    "requests": _with_requests,
    "urllib3": _with_urllib3,
    "httpx": _with_httpx,
    "httpx-async": _with_httpx_async,
    "aiohttp": _with_aiohttp,
}


@pytest.mark.smsmock(intercept=True)
@pytest.mark.parametrize("client", CLIENTS)
def test_every_patched_library_reaches_the_fake_by_its_real_hostname(
    smsmock: SmsMock, client: str
) -> None:
    answer = CLIENTS[client](SEND)
    message = smsmock.infobip.messages.one(to="38598123456")
    assert f"<messageid>{message.message_id}</messageid>" in answer
    assert "<status>0</status>" in answer
    (entry,) = smsmock.journal.entries(provider="infobip", channel="http", direction="in")
    assert entry.summary.startswith("GET /api/v3/sendsms/plain?")


@pytest.mark.smsmock(intercept=True)
@pytest.mark.parametrize(
    ("url", "provider", "listener"),
    [
        ("https://api.infobip.com/api/command", "infobip", "primary"),
        ("http://api2.infobip.com/api/command", "infobip", "secondary"),
        ("https://z8j2k.api.infobip.com/api/command", "infobip", "primary"),
        ("http://api.mimsms.com/api/command", "mimsms", "primary"),
        ("https://gwjo1s.broadnet.me:8443/websmpp/balanceReport", "broadnet", "https"),
        ("https://smsc.ru/sys/balance.php", "smsc", "primary"),
        ("https://www2.smsc.ru/sys/balance.php", "smsc", "primary"),
    ],
)
def test_each_documented_host_reaches_its_fake_and_listener(
    smsmock: SmsMock, url: str, provider: str, listener: str
) -> None:
    requests.get(url, timeout=5)
    (entry,) = smsmock.journal.entries(channel="http", direction="in")
    assert entry.provider == provider
    assert (f"[{listener}]" in entry.summary) is (listener != "primary")


@pytest.mark.smsmock(intercept=True)
def test_the_host_map_extends_per_test(smsmock: SmsMock) -> None:
    smsmock.intercept(hosts={"sms.example.com": "mimsms"})
    answer = requests.get(
        "https://sms.example.com/api/command",
        params={"username": "test", "password": "test", "cmd": "Credits"},
        timeout=5,
    )
    assert answer.text == "1000.00"
    assert smsmock.journal.entries(provider="mimsms", channel="http")


def test_an_extension_ends_with_the_test(smsmock: SmsMock) -> None:
    assert smsmock.hosts.resolve("sms.example.com") is None


@pytest.mark.smsmock(intercept=True)
def test_other_hosts_are_left_alone(smsmock: SmsMock, loopback_only: list[str]) -> None:
    # the request went on to resolve the name: the test's own guard stops it
    with pytest.raises(Exception, match=r"test guard: resolve 'example\.com' refused"):
        requests.get("https://example.com/", timeout=5)
    assert loopback_only == ["resolve 'example.com'"]
    loopback_only.clear()
    assert requests.get(smsmock.smsc.url + "/sys/balance.php", timeout=5).ok  # loopback


@pytest.mark.smsmock(intercept="strict")
@pytest.mark.parametrize("client", CLIENTS)
def test_strict_refuses_other_hosts_before_resolving(smsmock: SmsMock, client: str) -> None:
    with pytest.raises(InterceptError, match=r"strict and example\.com is neither"):
        CLIENTS[client]("https://example.com/")
    assert "<status>0</status>" in CLIENTS[client](SEND)  # provider hosts still served


@pytest.mark.smsmock(intercept="strict")
def test_strict_still_lets_loopback_through(smsmock: SmsMock) -> None:
    assert requests.get(smsmock.smsc.url + "/sys/balance.php", timeout=5).ok
    with pytest.raises(InterceptError, match="strict"):
        socket.getaddrinfo("example.org", 443)


@pytest.mark.smsmock(intercept=True)
def test_a_library_that_is_not_patched_fails_before_resolving(smsmock: SmsMock) -> None:
    with pytest.raises(InterceptError, match="not patch") as failure:
        urllib.request.urlopen("https://smsc.ru/sys/balance.php", timeout=5)
    assert "smsc.ru is a provider host (smsc)" in str(failure.value)
    assert "smsmock.proxy_url" in str(failure.value)
    assert smsmock.journal.entries(channel="http") == []


def test_a_provider_host_without_its_fake_fails_locally() -> None:
    hub = SmsMock(providers=("infobip",))  # not even started: intercept needs no socket
    with hub.intercept():
        assert "<status>0</status>" in requests.get(SEND, params=PARAMS, timeout=5).text
        with pytest.raises(InterceptError, match=r"host of 'smsc'.*no such fake"):
            requests.get("https://smsc.ru/sys/balance.php", timeout=5)
        with pytest.raises(InterceptError, match="host of 'smsc'"):
            httpx.get("https://smsc.ru/sys/balance.php")


def test_a_mapped_listener_that_does_not_exist_fails_locally() -> None:
    hub = SmsMock(providers=("smsc",))
    with (
        hub.intercept(hosts={"sms.example.com": "smsc:backup"}),
        pytest.raises(InterceptError, match="no HTTP listener 'backup'"),
    ):
        requests.get("https://sms.example.com/", timeout=5)


def test_the_patches_come_off_when_it_stops() -> None:
    originals = (
        HTTPConnectionPool.urlopen,
        requests.Session.merge_environment_settings,
        httpx.HTTPTransport.handle_request,
        httpx.AsyncHTTPTransport.handle_async_request,
        aiohttp.TCPConnector._create_connection,
        socket.getaddrinfo,
        socket.create_connection,
    )
    hub = SmsMock(providers=("smsc",))
    with hub.intercept() as interception:
        assert interception.libraries == ("urllib3", "requests", "httpx", "aiohttp")
        assert HTTPConnectionPool.urlopen is not originals[0]
        assert socket.getaddrinfo is not originals[4]
    assert (
        HTTPConnectionPool.urlopen,
        requests.Session.merge_environment_settings,
        httpx.HTTPTransport.handle_request,
        httpx.AsyncHTTPTransport.handle_async_request,
        aiohttp.TCPConnector._create_connection,
        socket.getaddrinfo,
        socket.create_connection,
    ) == originals
    assert not interception.active


def test_one_interception_at_a_time() -> None:
    first, second = SmsMock(providers=("smsc",)), SmsMock(providers=("smsc",))
    with first.intercept():
        with pytest.raises(ConfigError, match="another SmsMock is intercepting"):
            second.intercept()
        assert first.intercept().active  # the same one, updated
    assert second.intercept().active
    second.stop_intercept()


@pytest.mark.smsmock(intercept=True)
def test_a_listener_taken_down_refuses_like_a_closed_port(smsmock: SmsMock) -> None:
    smsmock.take_down("infobip")
    with pytest.raises(requests.ConnectionError, match="taken down"):
        requests.get(SEND, params=PARAMS, timeout=5)
    with pytest.raises(httpx.ConnectError, match="taken down"):
        httpx.get(SEND, params=PARAMS)
    with pytest.raises(aiohttp.ClientConnectorError):
        _with_aiohttp(SEND)
    # the secondary access point still answers: a client's failover works by hostname
    failover = requests.get(SEND.replace("api.", "api2."), params=PARAMS, timeout=5)
    assert "<status>0</status>" in failover.text
    smsmock.bring_up("infobip")
    assert "<status>0</status>" in requests.get(SEND, params=PARAMS, timeout=5).text


FAULTS = {
    "version": 1,
    "faults": [
        {"on": "infobip:http:/api/command", "nth": 1, "kind": "connection_reset"},
        {
            "on": "infobip:http:/api/command",
            "nth": 2,
            "kind": "delay",
            "delay": "10s",
            "real": True,
        },
        {"on": "infobip:http:/api/command", "nth": 3, "kind": "delay", "delay": "1s", "real": True},
    ],
}


@pytest.mark.smsmock(intercept=True, scenario=FAULTS)
def test_socket_faults_become_the_library_s_own_errors(smsmock: SmsMock) -> None:
    url = "https://api.infobip.com/api/command"
    query = {"username": "test", "password": "test", "cmd": "CREDITS"}
    with pytest.raises(requests.ConnectionError, match="closed without a complete answer"):
        requests.get(url, params=query, timeout=5)
    with pytest.raises(requests.ReadTimeout, match="longer than the client's read timeout"):
        requests.get(url, params=query, timeout=5)  # at once: nothing waits in-process
    assert requests.get(url, params=query, timeout=5).text == "1000.00"  # 1 s < 5 s


@pytest.mark.smsmock(intercept=True, scenario=FAULTS)
def test_urllib3_retries_a_dropped_connection_as_its_retry_says(smsmock: SmsMock) -> None:
    pool = urllib3.PoolManager(retries=urllib3.Retry(total=1, read=1))
    answer = pool.request(
        "GET", "https://api.infobip.com/api/command?username=test&password=test&cmd=CREDITS"
    )
    assert answer.data == b"1000.00"  # try 1 reset, try 2 delayed 10 s (no timeout): served
    assert len(smsmock.journal.entries(provider="infobip", direction="in")) == 2


@pytest.mark.smsmock(intercept=True, scenario=FAULTS)
def test_httpx_and_aiohttp_see_their_own_errors(smsmock: SmsMock) -> None:
    url = "https://api.infobip.com/api/command?username=test&password=test&cmd=CREDITS"
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(url, timeout=2)

    async def third() -> str:
        timeout = aiohttp.ClientTimeout(sock_read=5)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(url) as answer:
            return await answer.text()

    assert asyncio.run(third()) == "1000.00"


@pytest.mark.smsmock(
    intercept=True,
    scenario={"version": 1, "faults": [{"on": "smsc:http", "kind": "connection_reset"}]},
)
def test_aiohttp_sees_a_dropped_connection(smsmock: SmsMock) -> None:
    with pytest.raises(aiohttp.ClientError):
        _with_aiohttp("https://smsc.ru/sys/balance.php")


@pytest.mark.smsmock(intercept=True)
def test_posts_headers_and_keep_alive_reach_the_fake_as_sent(smsmock: SmsMock) -> None:
    body = (
        '{"authentication": {"username": "test", "password": "test"}, "messages": '
        '[{"sender": "Shop", "text": "hi", "recipients": [{"gsm": "38598000001"}]}]}'
    )

    async def run() -> list[str]:
        async with aiohttp.ClientSession() as session:
            texts = []
            for _ in range(3):  # one pooled in-memory connection, three requests
                async with session.post(
                    "https://api.infobip.com/api/v3/sendsms/json",
                    data=body,
                    headers={"Content-Type": "application/json"},
                ) as answer:
                    texts.append(await answer.text())
            return texts

    texts = asyncio.run(run())
    assert all('"status":"0"' in t.replace(" ", "") for t in texts), texts
    assert len(smsmock.infobip.messages.filter(to="38598000001")) == 3
    with httpx.Client() as client:
        sent = client.post(
            "https://api.infobip.com/api/v3/sendsms/json",
            content=body.encode(),
            headers={"Content-Type": "application/json"},
        )
    assert '"status":"0"' in sent.text.replace(" ", "")
