"""SMPP recorded through python-smpplib and replayed: the same submit_sm_resp (message ids
included) and the same receipts at the same virtual offsets; the bind password never reaches
the cassette."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from smpp_esme import Esme

from pytest_smsmock.hub import SmsMock
from pytest_smsmock.recording import ReplayMismatch

PASSWORD = "Pw9x7Q"


@pytest.fixture
def esmes(smsmock: SmsMock) -> Iterator[list[Esme]]:
    opened: list[Esme] = []
    yield opened
    for esme in opened:
        esme.close()


def session(smsmock: SmsMock, esmes: list[Esme], provider: str) -> tuple[list[str], list[bytes]]:
    fake = smsmock.fakes[provider]
    fake.add_account("shop", PASSWORD)
    # The ESME reads its receipts after the clock's jumps: Infobip's 30 s keep-alive would close
    # a session left unanswered that long (it is tested on its own).
    fake.smpp.keepalive_timeout = None
    esme = Esme(fake.smpp_address)
    esmes.append(esme)
    assert esme.bind("trx", system_id="shop", password=PASSWORD).status == 0
    ids = []
    for to in ("385911234567", "385917654321"):
        resp = esme.submit("Hello", destination_addr=to, registered_delivery=1)
        ids.append(resp.message_id.decode())
    fake.smpp.flush()
    # Step by step: a deliver_sm is journaled (and recorded) when the listener's loop writes it.
    smsmock.clock.advance("5s")
    fake.smpp.flush()
    smsmock.clock.advance("55s")
    fake.smpp.flush()
    esme.read_until(lambda: len(esme.delivered) == 2)
    return ids, sorted(bytes(p.short_message) for p in esme.delivered)


def receipt_times(smsmock: SmsMock) -> list[float]:
    """Virtual seconds from the first bind to each deliver_sm written."""
    entries = smsmock.journal.entries(channel="smpp", direction="out")
    start = next(e.at for e in entries if "bind_transceiver_resp" in e.summary)
    return [(e.at - start).total_seconds() for e in entries if "deliver_sm " in e.summary + " "]


@pytest.mark.parametrize("provider", ["infobip", "enhanced_smpp", "broadnet"])
def test_record_then_replay_over_smpp(
    smsmock: SmsMock, esmes: list[Esme], tmp_path: Path, provider: str
) -> None:
    if not smsmock.fakes[provider].smpp_listeners:
        pytest.skip(f"{provider} has no SMPP")
    smsmock.record()
    ids, receipts = session(smsmock, esmes, provider)
    path = smsmock.cassette().dump(tmp_path / "smpp.yaml")
    text = path.read_text()
    assert PASSWORD not in text and PASSWORD.encode().hex() not in text
    assert "submit_sm_resp" in text and "deliver_sm" in text
    at = receipt_times(smsmock)
    assert len(at) == 2

    smsmock.reset()
    smsmock.replay(path)
    assert session(smsmock, esmes, provider) == (ids, receipts)
    assert smsmock.fakes[provider].messages.filter() == []  # the cassette answered
    smsmock.finish_replay()
    assert receipt_times(smsmock) == at


def test_a_changed_submit_fails_a_strict_smpp_replay(
    smsmock: SmsMock, esmes: list[Esme], tmp_path: Path
) -> None:
    smsmock.record()
    session(smsmock, esmes, "infobip")
    path = smsmock.cassette().dump(tmp_path / "smpp.yaml")
    smsmock.reset()
    smsmock.replay(path)
    smsmock.infobip.add_account("shop", PASSWORD)
    esme = Esme(smsmock.infobip.smpp_address)
    esmes.append(esme)
    esme.bind("trx", system_id="shop", password=PASSWORD)
    assert esme.submit("Hello", destination_addr="385911234567", registered_delivery=1).status == 0
    assert esme.submit("Other", destination_addr="385917654321", registered_delivery=1).status == 8
    with pytest.raises(ReplayMismatch) as caught:
        smsmock.finish_replay()
    assert "short_message: recorded '48656c6c6f', got '4f74686572'" in str(caught.value)


def test_pseudonyms_reach_the_pdus_and_keep_them_valid(
    smsmock: SmsMock, esmes: list[Esme], tmp_path: Path
) -> None:
    from pytest_smsmock.recording import load_cassette

    smsmock.record(pseudonyms="s")
    session(smsmock, esmes, "infobip")
    path = smsmock.cassette().dump(tmp_path / "smpp.yaml")
    text = path.read_text()
    assert "385911234567" not in text and "385917654321" not in text
    assert b"385911234567".hex() not in text
    assert len(load_cassette(path).interactions) > 6  # every PDU still decodes
