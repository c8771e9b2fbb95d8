"""Broadnet's id shapes, read off the document's examples; the random tails are seeded.

- message ids (websms `Response:`, JSON/XML `messageid`, SMPP): 19 digits, the submission time
  as ``yyMMddHHmmss`` plus 7 digits: ``1507211343399277335`` is 2015-07-21 13:43:39,
  ``2002031420338711051`` 2020-02-03 14:20:33;
- JSON batch ids: 19 digits, ``ddMMyyHHmmss`` plus 7 digits: ``0302201420337911363`` is the
  batch of that same 2020-02-03 14:20:33 submission;
- XML batch ids: 15 digits, ``yyMMddHHmmss`` plus 3 digits: ``171117172801751``.

The status code table says a batch id "must be 15 digits" (052), which holds for the XML API,
while the JSON examples use 19-digit ids. The fake resolves this per API: each one issues the
shape its own examples show and validates enquiries against that shape, so every example of
the document works verbatim and a malformed id still answers 052 (see `valid_batch_id`).

Timestamps are in the server's time zone (Amman, `options.SERVER_TZ`).

Running out: an id is drawn at random among its second's free ones, and a second holds only
10**tail of them (1,000 XML batch ids, 10,000,000 message and JSON batch ids). When a second's
ids are used up, the next ids are the *next* second's (a batch id stamped a second or more after
its submission): the document asks only for the shape (15 digits, 052) and for uniqueness
("batch_id is unique id"), and a stamp slightly in the future keeps both. An `IdSpace` remembers
the last second it found full, so the 100,000th campaign of one virtual second costs one probe
of a fresh second, not a walk over the 99 full ones; it never looks further than `MAX_AHEAD`
(a day) ahead and answers "Submit Failed" (HTTP12 / 007 SYSTEM_ERROR) beyond, which no bounded
run reaches (86.4 million XML batches in one virtual second).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from pytest_smsmock.core.frozen import record_class
from pytest_smsmock.core.ids import IdGenerator
from pytest_smsmock.providers.broadnet.options import SERVER_TZ
from pytest_smsmock.providers.broadnet.status import Rejection

__all__ = [
    "BATCH_ID_LENGTHS",
    "MAX_AHEAD",
    "IdSpace",
    "json_batch_id",
    "message_id",
    "valid_batch_id",
    "xml_batch_id",
]

BATCH_ID_LENGTHS: Final = {"json": 19, "xml": 15}

#: How far past its submission an id's stamp may run when seconds fill up.
MAX_AHEAD: Final = timedelta(days=1)

_SECOND: Final = timedelta(seconds=1)


@record_class(kw_only=False)
class IdSpace:
    """The ids of one shape: a second's stamp (`layout`, strftime) plus `tail` random digits,
    none of them twice; see the module docstring for what happens when a second is full."""

    layout: str
    tail: int
    #: The latest second found full: later draws start after it.
    full_until: datetime | None = None

    def draw(self, generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
        span = 10**self.tail
        second = at.astimezone(SERVER_TZ).replace(microsecond=0)
        limit = second + MAX_AHEAD
        if self.full_until is not None and self.full_until >= second:
            second = self.full_until + _SECOND
        while second <= limit:
            stamp = second.strftime(self.layout)
            start = generator.integer(0, span - 1)
            # A random start, then the next free one: at most `span` probes per second.
            for offset in range(span):
                candidate = stamp + str((start + offset) % span).zfill(self.tail)
                if not taken(candidate):
                    return candidate
            self.full_until = second
            second += _SECOND
        raise Rejection("HTTP12", "007", f"every {self.layout} id up to {limit} is taken")

    def clear(self) -> None:
        self.full_until = None


def message_ids() -> IdSpace:
    return IdSpace("%y%m%d%H%M%S", 7)


def json_batch_ids() -> IdSpace:
    return IdSpace("%d%m%y%H%M%S", 7)


def xml_batch_ids() -> IdSpace:
    return IdSpace("%y%m%d%H%M%S", 3)


def message_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return message_ids().draw(generator, at, taken)


def json_batch_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return json_batch_ids().draw(generator, at, taken)


def xml_batch_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return xml_batch_ids().draw(generator, at, taken)


def valid_batch_id(value: str, api: str) -> bool:
    """Whether an enquiry's batch id has the shape of `api`'s ids (else status 052)."""
    return value.isascii() and value.isdigit() and len(value) == BATCH_ID_LENGTHS[api]
