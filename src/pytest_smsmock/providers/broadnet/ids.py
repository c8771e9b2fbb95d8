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
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from pytest_smsmock.core.ids import IdGenerator
from pytest_smsmock.providers.broadnet.options import SERVER_TZ

__all__ = [
    "BATCH_ID_LENGTHS",
    "json_batch_id",
    "message_id",
    "valid_batch_id",
    "xml_batch_id",
]

BATCH_ID_LENGTHS: Final = {"json": 19, "xml": 15}


def _draw(generator: IdGenerator, stamp: str, tail: int, taken: Callable[[str], bool]) -> str:
    while True:
        candidate = stamp + str(generator.integer(0, 10**tail - 1)).zfill(tail)
        if not taken(candidate):
            return candidate


def message_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return _draw(generator, at.astimezone(SERVER_TZ).strftime("%y%m%d%H%M%S"), 7, taken)


def json_batch_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return _draw(generator, at.astimezone(SERVER_TZ).strftime("%d%m%y%H%M%S"), 7, taken)


def xml_batch_id(generator: IdGenerator, at: datetime, taken: Callable[[str], bool]) -> str:
    return _draw(generator, at.astimezone(SERVER_TZ).strftime("%y%m%d%H%M%S"), 3, taken)


def valid_batch_id(value: str, api: str) -> bool:
    """Whether an enquiry's batch id has the shape of `api`'s ids (else status 052)."""
    return value.isascii() and value.isdigit() and len(value) == BATCH_ID_LENGTHS[api]
