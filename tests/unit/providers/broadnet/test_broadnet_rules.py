"""Broadnet's rules without sockets: vocabularies, texts and lengths, numbers, senders,
schedules, ids, the DLR request, account options, and the fake through `dispatch()`."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import parse_qsl, urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.callbacks import CallbackResult
from pytest_smsmock.core.ids import IdGenerator
from pytest_smsmock.core.messages import Message, Status, StatusChange
from pytest_smsmock.errors import ConfigError, ScenarioError
from pytest_smsmock.hub import SmsMock
from pytest_smsmock.providers.broadnet import ids
from pytest_smsmock.providers.broadnet.coverage import covered, networks
from pytest_smsmock.providers.broadnet.dlr import accepts_ok, dlr_request, wants_push
from pytest_smsmock.providers.broadnet.options import parse_gmt, settings
from pytest_smsmock.providers.broadnet.status import (
    API_CODES,
    API_TO_HTTP,
    HTTP_ERRORS,
    HTTP_TO_API,
    NATIVE_STATUSES,
    RECHARGE_CODES,
    Rejection,
    canonical_status,
    change_status,
    error_line,
    native_status,
    rejection_for,
    reported_status,
)
from pytest_smsmock.providers.broadnet.submit import (
    MessageType,
    check_sender,
    normalize_msisdn,
    parse_schedule,
    parse_type,
    prepare_text,
)

NOW = datetime(2025, 1, 1, tzinfo=UTC)
AMMAN = timezone(timedelta(hours=3))


def rejected(call: object, *args: object, **kw: object) -> tuple[str, str]:
    with pytest.raises(Rejection) as info:
        call(*args, **kw)  # type: ignore[operator]
    return info.value.http, info.value.code


# -- status vocabularies ------------------------------------------------------------------------
def test_every_canonical_status_has_a_broadnet_name_and_back() -> None:
    for status in Status:
        assert native_status(status) in {
            "ATES",
            "DELIVRD",
            "UNDELIV",
            "EXPIRED",
            "REJECTD",
            "UNKNOWN",
            "DELETED",
        }
    for name in ("DELIVRD", "UNDELIV", "EXPIRED", "REJECTD", "DELETED", "UNKNOWN"):
        assert native_status(canonical_status(name)) == name
    assert canonical_status(" ates ") is Status.ENROUTE
    assert canonical_status("ACCEPTD") is Status.ACCEPTED


def test_code_tables_match_the_document_and_map_both_ways() -> None:
    assert list(HTTP_ERRORS) == [f"HTTP{n:02d}" for n in range(1, 27)]
    assert error_line("HTTP18") == "ERROR - HTTP18 --> INSUFFICIENT CREDITS/BALANCE"
    assert set(API_CODES) == {f"{n:03d}" for n in (*range(11), 50, 51, 52, 53, *range(60, 65))}
    assert set(HTTP_TO_API) == set(HTTP_ERRORS)
    assert set(API_TO_HTTP) == set(API_CODES) - {"000", *RECHARGE_CODES}
    assert API_CODES["052"] == ("INVALID_BATCHID", "Invalid Batch Id (must be 15 digits)")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("HTTP23", ("HTTP23", "006")),
        ("006", ("HTTP23", "006")),
        (6, ("HTTP23", "006")),
        ("NO_COVERAGE", ("HTTP23", "006")),
        ("insuf_balance", ("HTTP18", "004")),
    ],
)
def test_scenario_answers_in_either_vocabulary(answer: object, expected: tuple[str, str]) -> None:
    rejection = rejection_for(answer)
    assert (rejection.http, rejection.code) == expected
    assert rejection.status == int(expected[1])


def test_unknown_scenario_answer_is_explained() -> None:
    with pytest.raises(ValueError, match=r"HTTP01\.\.HTTP26, a status code \(001, 002"):
        rejection_for("HTTP99")
    for recharge in ("060", 61, "INVALID_BALANCE_MODE", "063"):
        with pytest.raises(ValueError, match="recharge call, which the document does not show"):
            rejection_for(recharge)


# -- scenario status names ---------------------------------------------------------------
def test_scenario_status_names_resolve_to_canonical_ones() -> None:
    fake = SmsMock(providers=("broadnet",)).broadnet
    assert fake.native_statuses() == [
        "ATES",
        "ACCEPTD",
        "DELIVRD",
        "UNDELIV",
        "EXPIRED",
        "REJECTD",
        "DELETED",
        "UNKNOWN",
    ]
    assert list(NATIVE_STATUSES) == fake.native_statuses()
    assert fake.resolve_status("delivered") == (Status.DELIVERED, None)
    assert fake.resolve_status("DELIVRD") == (Status.DELIVERED, None)
    assert fake.resolve_status("undeliv") == (Status.UNDELIVERABLE, None)
    assert fake.resolve_status("ATES") == (Status.ENROUTE, None)
    assert fake.resolve_status("REJECTD") == (Status.REJECTED, None)
    # ACCEPTD is the canonical `accepted`, which is reported as ATES unless it carries its name.
    assert fake.resolve_status("ACCEPTD") == (Status.ACCEPTED, "ACCEPTD")
    for unknown in ("DELIVERED", "PENDING", 0, 6, "006", "HTTP23", ""):
        assert fake.resolve_status(unknown) is None


def test_a_change_is_reported_by_the_name_the_scenario_gave_it() -> None:
    accepted = StatusChange(at=NOW, status=Status.ACCEPTED, native="ACCEPTD")
    assert change_status(accepted) == "ACCEPTD"
    assert change_status(StatusChange(at=NOW, status=Status.ACCEPTED)) == "ATES"
    # A name that does not describe the change's status is not a status name here.
    assert change_status(StatusChange(at=NOW, status=Status.DELIVERED, native="ACCEPTD")) == (
        "DELIVRD"
    )
    assert change_status(StatusChange(at=NOW, status=Status.UNDELIVERABLE, error=5)) == "UNDELIV"
    sent = message()
    assert reported_status(sent) == "ATES"
    sent.set_status(Status.ACCEPTED, NOW, native="ACCEPTD")
    assert reported_status(sent) == "ACCEPTD"
    sent.set_status(Status.DELIVERED, NOW)
    assert reported_status(sent) == "DELIVRD"  # the latest change's own name wins


def test_unknown_scenario_status_lists_broadnet_names() -> None:
    mock = SmsMock(providers=("broadnet",))
    scenario = {
        "version": 1,
        "rules": [{"match": {"provider": "broadnet"}, "dlr": [{"after": "1s", "status": 6}]}],
    }
    with pytest.raises(ScenarioError) as caught:
        mock.load_scenario(scenario)
    assert "rules[0].dlr[0].status: 6 is not a status for broadnet" in str(caught.value)
    assert "broadnet native: ATES, ACCEPTD, DELIVRD, UNDELIV, EXPIRED, REJECTD" in str(caught.value)


# -- texts and lengths ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "mtype", "units", "parts"),
    [
        ("a" * 160, MessageType.ENGLISH, 160, 1),
        ("a" * 161, MessageType.ENGLISH, 161, 2),
        ("[" * 80, MessageType.ENGLISH, 160, 1),  # counted twice
        ("[" * 81, MessageType.SPECIAL, 162, 2),
        ("€" * 160, MessageType.SPECIAL, 160, 1),  # the euro sign counts once here
        ("ع" * 70, MessageType.ARABIC, 70, 1),
        ("ع" * 71, MessageType.ARABIC, 71, 2),
        ("ع" * 135, MessageType.ARABIC, 135, 3),
        ("a" * 1530, MessageType.ENGLISH, 1530, 10),
    ],
)
def test_lengths_per_type(text: str, mtype: MessageType, units: int, parts: int) -> None:
    content = prepare_text(text, mtype)
    assert (content.units, content.parts) == (units, parts)


def test_unicode_type_takes_ucs2_hex_of_280_digits_per_sms() -> None:
    content = prepare_text("0041" * 70, MessageType.UNICODE)
    assert (content.text, content.parts, content.data_coding) == ("A" * 70, 1, 8)
    assert prepare_text("0041" * 71, MessageType.UNICODE).parts == 2
    assert prepare_text(" 0074 0065\n", MessageType.UNICODE).text == "te"
    for bad in ("004", "zzzz", "", "D800"):
        assert rejected(prepare_text, bad, MessageType.UNICODE) == ("HTTP19", "009")


@pytest.mark.parametrize(
    ("text", "mtype", "expected"),
    [
        ("", MessageType.ENGLISH, ("HTTP17", "009")),
        ("a" * 1531, MessageType.ENGLISH, ("HTTP17", "009")),
        ("fish & chips", MessageType.ENGLISH, ("HTTP02", "009")),
        ("#1", MessageType.ARABIC, ("HTTP02", "009")),
        ("Привет", MessageType.ENGLISH, ("HTTP19", "009")),
    ],
)
def test_text_refusals(text: str, mtype: MessageType, expected: tuple[str, str]) -> None:
    assert rejected(prepare_text, text, mtype) == expected


def test_max_parts_is_an_account_option() -> None:
    assert rejected(prepare_text, "a" * 200, MessageType.ENGLISH, max_parts=1) == (
        "HTTP17",
        "009",
    )


def test_type_values() -> None:
    assert parse_type(" 2 ") is MessageType.UNICODE
    for bad in ("0", "5", "x", None, "1.0"):
        assert rejected(parse_type, bad) == ("HTTP07", "010")


# -- numbers, senders, coverage -------------------------------------------------------------------
def test_numbers() -> None:
    assert normalize_msisdn(" +962791234567 ") == "962791234567"
    assert normalize_msisdn("00962791234567") == "962791234567"
    for bad in ("962xxxxx", "12345", "0791234567", "9627912345678901", "٩٦٢٧٩١٢٣٤٥٦٧"):
        assert rejected(normalize_msisdn, bad) == ("HTTP09", "005")


def test_coverage_by_dial_code() -> None:
    assert covered("962791234567")
    assert not covered("99912345678")
    assert covered("971501234567", ["971"])
    assert not covered("962791234567", ["971"])
    assert {n.country for n in networks(["9627"])} == {"Jordan"}


def test_senders() -> None:
    open_account = settings(SmsMock(providers=("broadnet",)).broadnet.accounts.get("test"))  # type: ignore[arg-type]
    assert check_sender("TEST-XML1", open_account) == "TEST-XML1"
    assert check_sender("+96279123", open_account) == "+96279123"
    for bad in ("TwelveChars1", "", "bad/char"):
        assert rejected(check_sender, bad, open_account) == ("HTTP06", "008")


# -- schedules ------------------------------------------------------------------------------------
def test_gmt_offsets() -> None:
    assert parse_gmt("+0530").utcoffset(None) == timedelta(hours=5, minutes=30)
    assert parse_gmt(" 0530").utcoffset(None) == timedelta(hours=5, minutes=30)  # "+" unencoded
    assert parse_gmt("-03:00").utcoffset(None) == timedelta(hours=-3)
    for bad in ("5", "+2500", "+0560", "GMT"):
        with pytest.raises(ValueError, match="not a GMT offset"):
            parse_gmt(bad)


def test_schedule_times() -> None:
    when = parse_schedule("202501010600", "+0530", AMMAN, NOW)
    assert when == datetime(2025, 1, 1, 0, 30, tzinfo=UTC)
    assert parse_schedule("202501010300", None, AMMAN, NOW) == NOW  # this minute is not past
    for schtime, gmt in [
        ("202501010259", None),
        ("2025010106", None),
        ("202513010000", None),
        ("202501010600", "+99"),
    ]:
        assert rejected(parse_schedule, schtime, gmt, AMMAN, NOW) == ("HTTP22", "002")


# -- ids ------------------------------------------------------------------------------------------
def test_id_shapes_follow_the_examples() -> None:
    at = datetime(2020, 2, 3, 11, 20, 33, tzinfo=UTC)  # 14:20:33 in Amman
    generator = IdGenerator(0, "t")
    message = ids.message_id(generator, at, lambda _: False)
    assert message.startswith("200203142033")
    assert len(message) == 19
    batch = ids.json_batch_id(generator, at, lambda _: False)
    assert batch.startswith("030220142033")
    assert len(batch) == 19
    xml = ids.xml_batch_id(generator, at, lambda _: False)
    assert xml.startswith("200203142033")
    assert len(xml) == 15
    assert ids.valid_batch_id("171117172801751", "xml")
    assert not ids.valid_batch_id("0302201420337911363", "xml")
    assert ids.valid_batch_id("0302201420337911363", "json")
    assert not ids.valid_batch_id("17111717280175a", "xml")


def test_ids_are_seeded_and_skip_taken_ones() -> None:
    first = ids.message_id(IdGenerator(5, "m"), NOW, lambda _: False)
    assert ids.message_id(IdGenerator(5, "m"), NOW, lambda _: False) == first
    assert ids.message_id(IdGenerator(5, "m"), NOW, lambda i: i == first) != first


# -- DLR request ------------------------------------------------------------------------------
def message() -> Message:
    return Message(
        message_id="2501010300000687544",
        provider="broadnet",
        account="test",
        to="962791234567",
        sender="Shop",
        text="x",
        submitted_at=NOW,
        bulk_id="250101030000123",
    )


def test_dlr_request_fields_and_styles() -> None:
    change = StatusChange(at=NOW + timedelta(minutes=2), status=Status.UNDELIVERABLE)
    both = dlr_request("http://c/dlr?k=1", message(), change, AMMAN)
    fields = dict(parse_qsl(both.body.decode()))
    assert fields == {
        "MessageId": "2501010300000687544",
        "Source": "Shop",
        "Destination": "962791234567",
        "Status": "UNDELIV",
        "SubmitDate": "2501010300",
        "DoneDate": "2501010302",
        "BatchId": "250101030000123",
    }
    assert dict(parse_qsl(urlsplit(both.url).query)) == {"k": "1", **fields}
    assert dlr_request("http://c/dlr", message(), change, AMMAN, style="form").url == (
        "http://c/dlr"
    )
    assert dlr_request("http://c/dlr", message(), change, AMMAN, style="query").body == b""
    assert (both.method, both.kind, both.ref) == ("POST", "dlr", "2501010300000687544")


def test_which_changes_push_and_what_counts_as_ok() -> None:
    assert wants_push(StatusChange(at=NOW, status=Status.DELIVERED))
    assert wants_push(StatusChange(at=NOW, status=Status.ENROUTE))
    assert not wants_push(StatusChange(at=NOW, status=Status.ACCEPTED))
    assert wants_push(StatusChange(at=NOW, status=Status.ACCEPTED, native="ACCEPTD"))
    assert accepts_ok(CallbackResult(status=200, body=b"Ok"))
    assert accepts_ok(CallbackResult(status=200, body=b" OK\r\n"))
    assert not accepts_ok(CallbackResult(status=200, body=b"Okay"))
    assert not accepts_ok(CallbackResult(status=200, body=b""))
    assert not accepts_ok(CallbackResult(status=500, body=b"Ok"))
    assert not accepts_ok(CallbackResult(error="timeout"))


# -- account options ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "options",
    [
        {"colour": "blue"},
        {"groups": ["a"]},
        {"groups": {"G": "962790000001"}},
        {"gmt": "Amman"},
        {"max_parts": 0},
        {"dlr_style": "json"},
        {"price": "cheap"},
        {"senders": "Shop"},
        {"reseller": True},  # no recharge call: the document shows none
    ],
)
def test_bad_account_options_are_configuration_errors(options: dict[str, object]) -> None:
    fake = SmsMock(providers=("broadnet",)).broadnet
    with pytest.raises(ConfigError, match="broadnet"):
        fake.add_account("x", "y", **options)


def test_options_parse() -> None:
    fake = SmsMock(providers=("broadnet",)).broadnet
    account = fake.add_account(
        "x", "y", price="0.5", gmt="+0100", validity=None, dlr_retries=["10s", 60]
    )
    config = fake.settings(account)
    assert config.price == Decimal("0.5")
    assert config.tz.utcoffset(None) == timedelta(hours=1)
    assert config.validity is None
    assert config.dlr_retries == (timedelta(seconds=10), timedelta(minutes=1))


# -- through dispatch() ---------------------------------------------------------------------------
def call(mock: SmsMock, path: str, **kw: object) -> str:
    request = EnvironBuilder(path=path, **kw).get_request()  # type: ignore[arg-type]
    return mock.broadnet.dispatch(request, "primary").get_data(as_text=True)


SEND = {"user": "test", "pass": "test", "sid": "S", "mno": "962791234567", "type": "1"}


@pytest.mark.parametrize("answer", ["NO_COVERAGE", "HTTP23", 6, "006"])
def test_scenario_answer_replaces_acceptance(answer: object) -> None:
    mock = SmsMock(providers=("broadnet",))
    mock.load_scenario(
        {
            "version": 1,
            "rules": [{"match": {"provider": "broadnet"}, "respond": {"status": answer}}],
        }
    )
    answer_text = call(mock, "/websmpp/websms", query_string={**SEND, "text": "x"})
    assert answer_text == "ERROR - HTTP23 --> Routing Error"
    body = '{"campaign":{"username":"test","password":"test","sender":"S","type":"1",'
    body += '"text":"x","gsm":["962791234567"]}}'
    assert '"status":"006"' in call(mock, "/websmpp/json/sms", method="POST", data=body)
    assert len(mock.broadnet.messages) == 0
    assert mock.broadnet.accounts.get("test").balance == 1000  # type: ignore[union-attr]


def test_credits_are_all_or_nothing_per_part_and_recipient() -> None:
    mock = SmsMock(providers=("broadnet",))
    mock.broadnet.add_account("test", "test", balance=5, price=2)
    two_parts = {**SEND, "text": "a" * 200, "mno": "962791234567"}
    assert call(mock, "/websmpp/websms", query_string=two_parts).startswith("Response: ")
    assert mock.broadnet.accounts.get("test").balance == 1  # type: ignore[union-attr]
    assert call(mock, "/websmpp/websms", query_string={**SEND, "text": "a"}).endswith(
        "INSUFFICIENT CREDITS/BALANCE"
    )


def test_seeded_runs_give_the_same_ids_and_journal() -> None:
    def run() -> tuple[list[str], str]:
        mock = SmsMock(providers=("broadnet",), seed=7)
        call(mock, "/websmpp/websms", query_string={**SEND, "text": "x"})
        mock.clock.advance("5s")
        return [m.message_id for m in mock.broadnet.messages], mock.journal.dumps()

    assert run() == run()


def test_pin_ids_hands_out_given_ids_first() -> None:
    mock = SmsMock(providers=("broadnet",))
    mock.broadnet.pin_ids(messages=["1"], batches=["171117172801751", "0302201420337911363"])
    assert mock.broadnet.new_message_id(NOW) == "1"
    assert mock.broadnet.new_batch_id("xml", NOW) == "171117172801751"
    assert mock.broadnet.new_batch_id("json", NOW) == "0302201420337911363"
    assert len(mock.broadnet.new_message_id(NOW)) == 19


def _bounded(taken: set[str], budget: int = 200_000) -> Callable[[str], bool]:
    """`taken`'s membership, failing the test instead of spinning past `budget` probes."""
    probes = 0

    def check(candidate: str) -> bool:
        nonlocal probes
        probes += 1
        assert probes <= budget, "the id draw spins"
        return candidate in taken

    return check


def test_xml_batch_ids_of_a_full_second_spill_into_the_next_second() -> None:
    # 1,000 XML batch ids per second (a stamp and three digits): the 1,001st campaign of one
    # virtual second used to redraw forever.
    at = datetime(2017, 11, 17, 14, 28, 1, tzinfo=UTC)  # 17:28:01 in Amman
    space = ids.xml_batch_ids()
    generator = IdGenerator(0, "xml")
    taken: set[str] = set()
    check = _bounded(taken)
    for _ in range(2500):
        taken.add(space.draw(generator, at, check))
    assert len(taken) == 2500
    assert all(ids.valid_batch_id(i, "xml") for i in taken)
    stamps = {i[:12] for i in taken}
    assert stamps == {"171117172801", "171117172802", "171117172803"}
    assert sum(i.startswith("171117172801") for i in taken) == 1000


def test_a_full_second_is_remembered_not_walked_again() -> None:
    at = datetime(2017, 11, 17, 14, 28, 1, tzinfo=UTC)
    space = ids.xml_batch_ids()
    generator = IdGenerator(0, "xml")
    taken = {f"171117172801{n:03d}" for n in range(1000)}
    check = _bounded(taken)
    first = space.draw(generator, at, check)
    assert first.startswith("171117172802")
    taken.add(first)
    probes = _bounded(taken, budget=2)  # the next draw starts in the free second at once
    assert space.draw(generator, at, probes).startswith("171117172802")


def test_ids_run_out_a_day_ahead_with_submit_failed() -> None:
    space = ids.IdSpace("%y%m%d%H%M%S", 0)  # one id a second: a day is quickly full
    with pytest.raises(Rejection) as refused:
        space.draw(IdGenerator(0, "x"), NOW, lambda _: True)
    assert (refused.value.http, refused.value.code) == ("HTTP12", "007")


def test_xml_campaigns_beyond_a_thousand_in_one_virtual_second_are_accepted() -> None:
    mock = SmsMock(providers=("broadnet",))
    mock.broadnet.add_account("test", "test", balance=10_000)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?><campaign format="1"><SMS>'
        "<username>test</username><password>test</password><type>1</type>"
        "<sender>Shop</sender><text>x</text><recipients><gsm>962791234567</gsm></recipients>"
        "</SMS></campaign>"
    )
    batches = set()
    for _ in range(1005):
        answer = call(mock, "/websmpp/xmlsms", method="POST", data=body)
        match = re.search(r"<batch_id>(\d{15})</batch_id>", answer)
        assert match is not None, answer
        batches.add(match.group(1))
    assert len(batches) == 1005 == len(mock.broadnet.messages)
