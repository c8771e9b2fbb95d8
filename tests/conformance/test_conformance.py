"""The conformance kit: what every registered provider fake must do, whatever its protocol.

Runs over the registry, so a new provider package is checked the moment it is registered.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_smsmock.core.messages import InboundMessage
from pytest_smsmock.errors import ConfigError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers import provider_class, provider_names
from pytest_smsmock.providers.base import ProviderFake

PROVIDERS = provider_names()


@pytest.fixture(scope="module")
def hub() -> Iterator[SmsMock]:
    with SmsMock() as mock:
        yield mock


@pytest.fixture
def fresh(hub: SmsMock) -> SmsMock:
    hub.reset()
    return hub


def test_registry_names_match_the_fakes() -> None:
    assert PROVIDERS == ("infobip", "mimsms", "broadnet", "smsc", "enhanced_smpp")
    for name in PROVIDERS:
        cls = provider_class(name)
        assert issubclass(cls, ProviderFake)
        assert cls.name == name
        assert cls.title
        assert cls.http_listeners or cls.smpp_listeners


def test_unknown_provider_is_a_clear_configuration_error() -> None:
    with pytest.raises(ConfigError, match="unknown provider 'infobib'; known providers: infobip"):
        provider_class("infobib")
    with pytest.raises(ConfigError, match="unknown provider"):
        SmsMock(providers=("nope",))


@pytest.mark.parametrize("name", PROVIDERS)
def test_default_account_exists_so_document_examples_work(fresh: SmsMock, name: str) -> None:
    fake = fresh.fakes[name]
    account = fake.accounts.authenticate("test", "test")
    assert account is not None
    assert account.balance > 0
    assert fake.accounts.authenticate("test", "wrong") is None


@pytest.mark.parametrize("name", PROVIDERS)
def test_endpoints_are_on_loopback(fresh: SmsMock, name: str) -> None:
    fake = fresh.fakes[name]
    if fake.http_listeners:
        assert fake.url.startswith(("http://127.0.0.1:", "https://127.0.0.1:"))
        for listener in fake.http_listeners:
            assert listener.name in fake.urls
    else:
        with pytest.raises(AttributeError, match="has no HTTP API"):
            _ = fake.url
    if not fake.smpp_listeners:
        with pytest.raises(AttributeError, match="has no SMPP"):
            _ = fake.smpp_address


@pytest.mark.parametrize("name", PROVIDERS)
def test_reset_forgets_accounts_messages_and_inbox(fresh: SmsMock, name: str) -> None:
    fake = fresh.fakes[name]
    fake.add_account("someone", "secret", balance=5)
    mo = fake.inject_mo(sender="38591000000", text="hello", account="someone")
    assert isinstance(mo, InboundMessage)
    assert mo.received_at == fresh.clock.now()
    assert fresh.journal.entries(provider=name, channel="mo")
    fresh.reset()
    assert "someone" not in fake.accounts
    assert len(fake.messages) == 0
    assert len(fake.inbox) == 0
    assert len(fresh.journal) == 0


@pytest.mark.parametrize("name", PROVIDERS)
def test_ids_are_seeded(fresh: SmsMock, name: str) -> None:
    fake = fresh.fakes[name]
    fresh.reset(seed=11)
    first = [fake.new_id() for _ in range(3)]
    fresh.reset(seed=11)
    assert [fake.new_id() for _ in range(3)] == first
    fresh.reset(seed=12)
    assert [fake.new_id() for _ in range(3)] != first


@pytest.mark.parametrize("name", PROVIDERS)
def test_add_account_rejects_bad_values(fresh: SmsMock, name: str) -> None:
    with pytest.raises(ConfigError):
        fresh.fakes[name].add_account("x", "y", balance="plenty")


HTTP_PROVIDERS = [n for n in PROVIDERS if provider_class(n).http_listeners]
PATHS = st.sampled_from(
    [
        "/",
        "/api/v3/sendsms/plain",
        "/api/v3/sendsms/xml",
        "/api/v3/sendsms/json",
        "/api/v3/dr/pull",
        "/api/command",
        "/api/hlr/sync",
        "/sms/1/text/single",
        "/sms/1/reports",
        "/sms/1/logs",
        "/websmpp/websms",
        "/websmpp/json/sms",
        "/websmpp/xmlsms",
        "/websmpp/websmsstatus",
        "/sys/send.php",
        "/sys/status.php",
        "/sys/balance.php",
    ]
)
JUNK = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=200).map(lambda t: t.encode("utf-8")),
    st.sampled_from(
        [b"<xml", b'{"a":', b"XML=%3C", b"JSON={]", b"\x00\xff", b"user=test&password=test"]
    ),
)


@pytest.mark.parametrize("name", HTTP_PROVIDERS)
@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=PATHS,
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
    query=st.dictionaries(
        st.sampled_from(["user", "password", "username", "login", "psw", "fmt", "to", "id"]),
        st.text(max_size=20),
        max_size=4,
    ),
    body=JUNK,
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/json",
            "text/xml",
            "application/xml",
            "text/plain",
            "",
        ]
    ),
)
def test_bad_input_never_gets_a_500_or_a_traceback(
    hub: SmsMock,
    name: str,
    path: str,
    method: str,
    query: dict[str, str],
    body: bytes,
    content_type: str,
) -> None:
    fake = hub.fakes[name]
    headers = {"Content-Type": content_type} if content_type else {}
    answer = requests.request(
        method, fake.url + path, params=query, data=body, headers=headers, timeout=10
    )
    assert answer.status_code != 500
    assert b"Traceback" not in answer.content
    errors = hub.take_errors()
    assert errors == [], f"{name} raised while serving {method} {path}: {errors[0]!r}"


_SIMPLE = (bool, int, float, str, timedelta)


@pytest.mark.parametrize("name", PROVIDERS)
def test_tunables_a_test_sets_do_not_leak_into_the_next_test(fresh: SmsMock, name: str) -> None:
    fake = fresh.fakes[name]
    cls = type(fake)
    tunables = {
        key: getattr(cls, key)
        for key in dir(cls)
        if not key.startswith("_")
        and key not in ("name", "title")
        and isinstance(getattr(cls, key, None), _SIMPLE)
    }
    for key, default in tunables.items():
        changed: object = (
            (not default)
            if isinstance(default, bool)
            else default * 2 + 1
            if isinstance(default, int | float)
            else default + timedelta(seconds=1)
            if isinstance(default, timedelta)
            else default + "-changed"
        )
        setattr(fake, key, changed)
    fresh.reset()
    assert {key: getattr(fake, key) for key in tunables} == tunables
