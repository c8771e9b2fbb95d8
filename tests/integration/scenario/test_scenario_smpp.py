"""SMPP faults from a scenario, through python-smpplib against the SMPP listener."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import smpplib.client
import smpplib.exceptions

from pytest_smsmock.hub import SmsMock


class Client:
    def __init__(self, address: tuple[str, int]) -> None:
        self.client = smpplib.client.Client(*address, timeout=2, allow_unknown_opt_params=True)
        self.responses: list[Any] = []
        self.client.set_message_sent_handler(lambda pdu, **_: self.responses.append(pdu))
        self.client.set_error_pdu_handler(self.responses.append)
        self.client.connect()

    def submit(self) -> int:
        before = len(self.responses)
        self.client.send_message(
            source_addr_ton=1,
            source_addr_npi=1,
            source_addr="38591000",
            dest_addr_ton=1,
            dest_addr_npi=1,
            destination_addr="385911234567",
            short_message=b"hello",
        )
        for _ in range(10):
            if len(self.responses) > before:
                break
            self.client.read_once(auto_send_enquire_link=False)
        return int(self.responses[-1].status)


@pytest.fixture
def client(smsmock: SmsMock) -> Iterator[Client]:
    if smsmock.smpp_server is None:
        pytest.skip("no SMPP listener in this build")
    c = Client(smsmock.infobip.smpp_address)
    yield c
    c.client.disconnect()


def test_bind_refused_then_throttled_every_second_submit(smsmock: SmsMock, client: Client) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "faults": [
                {"on": "infobip:smpp:bind_*", "nth": 1, "kind": "bind_refused"},
                {"on": "infobip:smpp:submit_sm", "every": 2, "kind": "throttled"},
            ],
        }
    )
    with pytest.raises(smpplib.exceptions.PDUError) as info:
        client.client.bind_transceiver(system_id="test", password="test")
    assert info.value.args[1] == 0x0D
    client.client.disconnect()
    again = Client(smsmock.infobip.smpp_address)
    again.client.bind_transceiver(system_id="test", password="test")
    assert [again.submit() for _ in range(4)] == [0, 0x58, 0, 0x58]
    again.client.disconnect()
    faults = smsmock.journal.entries(provider="infobip", contains="scenario fault")
    assert [e.summary.split("scenario fault ")[1].split()[0] for e in faults] == [
        "bind_refused",
        "throttled",
        "throttled",
    ]


def test_rule_fault_over_smpp_answers_throttled(smsmock: SmsMock, client: Client) -> None:
    smsmock.load_scenario(
        {"version": 1, "rules": [{"match": {"protocol": "smpp", "nth": 1}, "fault": "throttled"}]}
    )
    client.client.bind_transceiver(system_id="test", password="test")
    assert [client.submit(), client.submit()] == [0x58, 0]
    assert len(smsmock.infobip.messages) == 1  # the throttled submit left no message
    assert smsmock.journal.entries(provider="infobip", contains="scenario fault throttled")
    assert smsmock.take_errors() == []


def test_rule_fault_drop_connection_leaves_no_message(smsmock: SmsMock, client: Client) -> None:
    smsmock.load_scenario(
        {"version": 1, "rules": [{"match": {"to": "385911*"}, "fault": "drop_connection"}]}
    )
    client.client.bind_transceiver(system_id="test", password="test")
    with pytest.raises(smpplib.exceptions.ConnectionError):
        client.submit()
    assert len(smsmock.infobip.messages) == 0
    assert smsmock.take_errors() == []


def test_rule_fault_delayed_response_accepts_and_answers_late(
    smsmock: SmsMock, client: Client
) -> None:
    smsmock.load_scenario(
        {
            "version": 1,
            "rules": [
                {"match": {"nth": 1}, "fault": {"kind": "delayed_response", "delay": "300ms"}}
            ],
        }
    )
    client.client.bind_transceiver(system_id="test", password="test")
    client.client.send_message(
        source_addr="38591000", destination_addr="385911234567", short_message=b"late"
    )
    client.client._socket.settimeout(0.1)
    with pytest.raises(TimeoutError):
        client.client.read_once(auto_send_enquire_link=False)  # not answered yet
    client.client._socket.settimeout(2)
    client.client.read_once(auto_send_enquire_link=False)
    assert int(client.responses[-1].status) == 0
    (message,) = smsmock.infobip.messages
    assert message.message_id == client.responses[-1].message_id.decode()


def test_rule_fault_of_another_pdu_lets_the_submit_through(
    smsmock: SmsMock, client: Client
) -> None:
    smsmock.load_scenario(
        {"version": 1, "rules": [{"match": {"protocol": "smpp"}, "fault": "bind_refused"}]}
    )
    client.client.bind_transceiver(system_id="test", password="test")
    assert client.submit() == 0
    assert len(smsmock.infobip.messages) == 1
    assert smsmock.journal.entries(provider="infobip", contains="does not apply to submit_sm")


def _fresh(smsmock: SmsMock, fault: dict[str, Any], timeout: float = 1.0) -> Client:
    smsmock.load_scenario({"version": 1, "faults": [fault]})
    c = Client(smsmock.infobip.smpp_address)
    c.client.timeout = timeout
    c.client._socket.settimeout(timeout)
    return c


@pytest.mark.parametrize(
    ("fault", "answer"),
    [
        ({"kind": "error_status", "command_status": 0x45}, ("submit_sm_resp", 0x45)),
        ({"kind": "queue_full"}, ("submit_sm_resp", 0x14)),
        ({"kind": "generic_nack"}, ("generic_nack", 0x08)),
        ({"kind": "delayed_response", "delay": "200ms"}, ("submit_sm_resp", 0)),
    ],
)
def test_submit_faults_answer(
    smsmock: SmsMock, client: Client, fault: dict[str, Any], answer: tuple[str, int]
) -> None:
    c = _fresh(smsmock, {"on": "infobip:smpp:submit_sm", "nth": 1, **fault})
    c.client.bind_transceiver(system_id="test", password="test")
    c.submit()
    first = c.responses[0]
    assert (first.command, int(first.status)) == answer
    assert first.sequence == c.responses[-1].sequence
    assert c.submit() == 0  # only the first submit_sm
    c.client.disconnect()
    assert smsmock.journal.entries(provider="infobip", contains=f"scenario fault {fault['kind']}")


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("no_response", TimeoutError),
        ("drop_connection", smpplib.exceptions.ConnectionError),
        ("invalid_command_id", smpplib.exceptions.UnknownCommandError),
        ("bad_command_length", Exception),
    ],
)
def test_submit_faults_break_the_session(
    smsmock: SmsMock, client: Client, kind: str, error: type[Exception]
) -> None:
    c = _fresh(smsmock, {"on": "infobip:smpp:submit_sm", "kind": kind}, timeout=0.3)
    c.client.bind_transceiver(system_id="test", password="test")
    with pytest.raises(error):
        c.submit()
    assert smsmock.journal.entries(provider="infobip", contains=f"scenario fault {kind}")


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        ({"kind": "bind_wrong_status", "command_status": 0x04}, 0x04),
        ({"kind": "bind_generic_nack"}, 0x08),
    ],
)
def test_bind_faults(smsmock: SmsMock, client: Client, fault: dict[str, Any], status: int) -> None:
    c = _fresh(smsmock, {"on": "infobip:smpp:bind_transceiver", **fault})
    with pytest.raises(smpplib.exceptions.PDUError) as info:
        c.client.bind_transceiver(system_id="test", password="test")
    assert info.value.args[1] == status


def test_server_side_unbind(smsmock: SmsMock, client: Client) -> None:
    c = _fresh(smsmock, {"on": "infobip:smpp:submit_sm", "kind": "unbind"}, timeout=0.3)
    c.client.bind_transceiver(system_id="test", password="test")
    with pytest.raises(TimeoutError):
        c.submit()  # no submit_sm_resp: the server asked to unbind instead
    assert any(
        "unbind" in e.summary and e.direction == "out"
        for e in smsmock.journal.entries(provider="infobip", channel="smpp")
    )
