"""The SMPP 3.4 listener: one asyncio loop in a daemon thread serves every SMPP endpoint.

Three modules: `listener` (the loop, the listening sockets, outages, `flush`), `session` (one
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
- Session timers (the SMSC's enquire_link after silence, deliver_sm response timeouts) run on
  the *virtual* clock: each session keeps one clock event at its next deadline, fired on the
  thread that moves the clock and handed to the loop. A session the SMSC probes with
  enquire_link must answer within `service.probe_timeout` *real* seconds or it is closed: a
  client cannot answer while virtual time jumps, so silence alone never closes a session.
- Writes made while handling one read are coalesced into one `transport.write`.
- `flush(timeout)` waits (bounded, real time) until every callback handed to the loop before
  it has run and every session's bytes are on the wire: `clock.advance()` queues receipts
  synchronously, `flush()` makes sure they were written. Tests never sleep.
"""

from __future__ import annotations

from pytest_smsmock.servers.smpp.listener import SmppHost, SmppServer
from pytest_smsmock.servers.smpp.session import READ_BUFFER_SIZE, Session, describe_pdu

__all__ = ["READ_BUFFER_SIZE", "Session", "SmppHost", "SmppServer", "describe_pdu"]
