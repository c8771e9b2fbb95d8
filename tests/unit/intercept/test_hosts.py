"""The host map: exact names, wildcards of subdomains, extension and removal, bad entries."""

from __future__ import annotations

import pytest

from pytest_smsmock.errors import ConfigError
from pytest_smsmock.intercept.hosts import DEFAULT_HOSTS, HostMap, Route, is_loopback


@pytest.mark.parametrize(
    ("host", "provider", "listener"),
    [
        ("api.infobip.com", "infobip", None),
        ("API.Infobip.COM.", "infobip", None),
        ("api2.infobip.com", "infobip", "secondary"),
        ("xyz123.api.infobip.com", "infobip", None),
        ("a.b.api.infobip.com", "infobip", None),
        ("api.mimsms.com", "mimsms", None),
        ("gwjo1s.broadnet.me", "broadnet", "https"),
        ("smsc.ru", "smsc", None),
        ("www2.smsc.ru", "smsc", None),
    ],
)
def test_default_hosts_route_to_their_fake(host: str, provider: str, listener: str) -> None:
    route = HostMap().resolve(host)
    assert route is not None
    assert (route.provider, route.listener) == (provider, listener)


@pytest.mark.parametrize(
    "host", ["infobip.com", "dev.infobip.com", "api.infobip.com.evil.example", "example.com", ""]
)
def test_other_hosts_are_not_mapped(host: str) -> None:
    assert HostMap().resolve(host) is None


def test_extension_adds_overrides_and_removes_without_touching_the_original() -> None:
    base = HostMap()
    extended = base.extended(
        {"sms.example.com": "infobip:secondary", "smsc.ru": "mimsms", "www2.smsc.ru": None}
    )
    assert extended.resolve("sms.example.com") == Route(
        pattern="sms.example.com", provider="infobip", listener="secondary"
    )
    assert extended.resolve("smsc.ru") == Route(pattern="smsc.ru", provider="mimsms")
    assert extended.resolve("www2.smsc.ru") is None
    assert base.resolve("sms.example.com") is None
    assert base.resolve("www2.smsc.ru") is not None


def test_the_longest_wildcard_wins() -> None:
    hosts = HostMap({"*.example.com": "infobip", "*.eu.example.com": "mimsms"})
    assert hosts.resolve("x.eu.example.com") == Route(pattern="*.eu.example.com", provider="mimsms")
    assert hosts.resolve("x.us.example.com") == Route(pattern="*.example.com", provider="infobip")
    assert hosts.resolve("example.com") is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"https://api.example.com": "infobip"}, "without scheme or path"),
        ({"api.*.example.com": "infobip"}, "without scheme or path"),
        ({"127.0.0.1": "infobip"}, "loopback"),
        ({"localhost": "infobip"}, "loopback"),
        ({"sms.example.com": ""}, "provider:listener"),
    ],
)
def test_bad_entries_say_what_is_expected(entry: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        HostMap().extended(entry)


def test_the_documented_map_is_the_default() -> None:
    assert dict((p, r.describe()) for p, r in HostMap().items()) == dict(DEFAULT_HOSTS)
    assert "api.infobip.com" in HostMap()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("app.localhost", True),
        ("10.0.0.1", False),
        ("example.com", False),
        ("0.0.0.0", False),
    ],
)
def test_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
