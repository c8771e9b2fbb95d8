"""The SMPP 3.4 listener: one asyncio loop in a daemon thread serves every SMPP endpoint.

Three modules: `listener` (the loop, the listening sockets, outages, `catch_up`), `session` (one
accepted socket: bytes <-> `SmscConnection` <-> the fake's `SmppService`, the journal, the
timers) and `faults` (what a scenario fault does to a session, read from
`scenario.faults.SMPP_BEHAVIOUR`).

For each fake with `smpp_listeners` it opens one TCP (or TLS, with the hub's test CA) server per
listener and drives one sans-IO `SmscConnection` per accepted socket. The fake's `SmppService`
(`providers/smpp_common.py` and the provider's profile) decides binds and submits and queues
deliver_sm; this module only moves bytes, journals every PDU (channel ``smpp``), performs
scenario faults, and runs the session timers.

Rules:

- One session's trouble never touches another or the listener: every callback is guarded, an
  unexpected exception is recorded with `host.report_error` (re-raised in the test at teardown),
  journaled, and closes that session only.
- Session timers (the SMSC's enquire_link after silence, its keep-alive timeout, deliver_sm
  response timeouts) run on the *virtual* clock: each session keeps one clock event at its next
  deadline; the event hands the work to the loop and waits for it (`call_sync`), so it happens,
  and is journaled, at that virtual instant. So does the pump of receipts that a status change
  queued during `clock.advance()`.
- `catch_up()` has the loop read and handle every byte waiting on a session's socket. The hub
  calls it (`SmsMock.settle`) before and after the clock moves and before the fakes' state is
  read: an answer a client wrote before `advance()` counts, whatever the loop was doing. Tests
  neither sleep nor call `flush()` (still there: it waits until written bytes left the buffers).
- Writes made while handling one read are coalesced into one `transport.write`; a session whose
  client leaves its answers unread stops reading past the write buffer's high-water mark.
"""

from __future__ import annotations

from pytest_smsmock.servers.smpp.listener import SmppHost, SmppServer
from pytest_smsmock.servers.smpp.session import READ_BUFFER_SIZE, Session, describe_pdu

__all__ = ["READ_BUFFER_SIZE", "Session", "SmppHost", "SmppServer", "describe_pdu"]
