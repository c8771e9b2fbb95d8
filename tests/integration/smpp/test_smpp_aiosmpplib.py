"""The SMPP listener with aiosmpplib (an asyncio ESME): bind, submit, receipts, MO, unbind."""

from __future__ import annotations

import asyncio
from typing import Any

from aiosmpplib import ESME, PhoneNumber, SubmitSm
from aiosmpplib.hook import AbstractHook
from aiosmpplib.protocol import DeliverSm, SubmitSmResp
from aiosmpplib.state import NPI, TON, BindMode

from pytest_smsmock.hub import SmsMock

TIMEOUT = 5.0


class Collect(AbstractHook):
    """Every PDU the ESME received, and a way to wait for one of a kind."""

    def __init__(self) -> None:
        self.got: list[Any] = []
        self.changed = asyncio.Event()

    async def sending(self, smpp_message: Any, pdu: bytes, client_id: str) -> None:
        pass

    async def received(self, smpp_message: Any, pdu: bytes, client_id: str) -> None:  # type: ignore[override]
        self.got.append(smpp_message)
        self.changed.set()

    async def send_error(self, smpp_message: Any, error: Exception, client_id: str) -> None:
        self.got.append(error)
        self.changed.set()

    async def wait_for(self, kind: type, count: int = 1) -> list[Any]:
        async def wait() -> list[Any]:
            while True:
                found = [m for m in self.got if isinstance(m, kind)]
                if len(found) >= count:
                    return found
                self.changed.clear()
                await self.changed.wait()

        return await asyncio.wait_for(wait(), TIMEOUT)


def number(value: str) -> PhoneNumber:
    return PhoneNumber(value, TON.INTERNATIONAL, NPI.ISDN)


async def session(address: tuple[str, int], hook: Collect, mode: BindMode) -> tuple[ESME, Any]:
    esme = ESME(
        smsc_host=address[0],
        smsc_port=address[1],
        system_id="test",
        password="test",
        bind_mode=mode,
        hook=hook,
        log_level="ERROR",
        socket_timeout=TIMEOUT,
    )
    task = asyncio.create_task(esme.start())
    await asyncio.wait_for(esme._bound.wait(), TIMEOUT)
    return esme, task


async def finish(esme: ESME, task: Any) -> None:
    await asyncio.wait_for(esme.stop(), TIMEOUT)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


def test_aiosmpplib_submits_and_receives_receipts_and_mo(smsmock: SmsMock) -> None:
    fake = smsmock.broadnet

    async def main() -> None:
        hook = Collect()
        esme, task = await session(fake.smpp_address, hook, BindMode.TRANSCEIVER)
        await esme.broker.enqueue(
            SubmitSm(
                short_message="Hello from aiosmpplib",
                source=number("38591000"),
                destination=number("385911234567"),
                log_id="one",
            )
        )
        (resp,) = await hook.wait_for(SubmitSmResp)
        assert resp.command_status == 0 or int(resp.command_status) == 0
        await asyncio.to_thread(smsmock.clock.advance, "5s")
        await asyncio.to_thread(fake.smpp.flush)
        (dlr,) = await hook.wait_for(DeliverSm)
        assert dlr.esm_class == 0x04
        assert f"id:{resp.message_id} " in dlr.short_message
        await asyncio.to_thread(fake.inject_mo, "962790000000", "Reply ✓", account="test")
        await asyncio.to_thread(fake.smpp.flush)
        _dlr, mo = await hook.wait_for(DeliverSm, 2)
        assert mo.short_message == "Reply ✓"
        await finish(esme, task)

    asyncio.run(main())
    message = fake.messages.one(protocol="smpp")
    assert message.text == "Hello from aiosmpplib"
    assert message.status == "delivered"
    smsmock.broadnet.smpp.flush()
    summaries = [e.summary for e in smsmock.journal.entries(provider="broadnet", channel="smpp")]
    assert any("unbind_resp" in s for s in summaries)


def test_aiosmpplib_long_and_unicode_messages(smsmock: SmsMock) -> None:
    fake = smsmock.infobip

    async def main() -> None:
        hook = Collect()
        esme, task = await session(fake.smpp_address, hook, BindMode.TRANSMITTER)
        long_text = "A long message that takes more than one part. " * 5
        for text in (long_text, "Unicode: Ωμέγα"):
            await esme.broker.enqueue(
                SubmitSm(
                    short_message=text,
                    source=number("38591000"),
                    destination=number("385911234567"),
                )
            )
        await hook.wait_for(SubmitSmResp, 2)
        await finish(esme, task)

    asyncio.run(main())
    texts = [m.text for m in fake.messages.filter(protocol="smpp")]
    assert "Unicode: Ωμέγα" in texts
    assert "A long message that takes more than one part. " * 5 in texts
    long_message = next(m for m in fake.messages if m.text.startswith("A long"))
    assert long_message.parts == 2  # one submit_sm of 235 septets: the SMSC splits it
