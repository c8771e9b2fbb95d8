"""SMSC.ru pure parts: codes, translit, parameters, dates, limits, answer rendering."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import quote_from_bytes

import pytest
from werkzeug.test import EnvironBuilder

from pytest_smsmock.core.messages import Status
from pytest_smsmock.providers.smsc import formats
from pytest_smsmock.providers.smsc.codes import (
    STATUSES,
    native_names,
    resolve_native,
    to_canonical,
    to_native,
)
from pytest_smsmock.providers.smsc.limits import RateLimits
from pytest_smsmock.providers.smsc.network import lookup
from pytest_smsmock.providers.smsc.params import (
    BadParameter,
    decode_params,
    format_date,
    normalize_phone,
    parse_phones,
    parse_time,
    parse_valid,
)
from pytest_smsmock.providers.smsc.translit import transliterate
from pytest_smsmock.providers.smsc.wap import wap_push_si

NOW = datetime(2025, 1, 1, 9, 0, tzinfo=UTC)  # 12:00 in Moscow


# -- codes ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("delivered", Status.DELIVERED),
        (1, Status.DELIVERED),
        ("1", Status.DELIVERED),
        ("-1", Status.ACCEPTED),
        (0, Status.ENROUTE),
        ("Expired", Status.EXPIRED),
        (20, Status.UNDELIVERABLE),
        ("invalid number", Status.REJECTED),
        (25, Status.UNDELIVERABLE),
        (-3, Status.UNKNOWN),
        ("Read", Status.DELIVERED),
        (Status.DELETED, Status.DELETED),
    ],
)
def test_to_canonical_accepts_codes_and_names(value: object, expected: Status) -> None:
    assert to_canonical(value) is expected


@pytest.mark.parametrize("value", [99, "delivred", True, None, 1.5])
def test_to_canonical_refuses_unknown_values(value: object) -> None:
    with pytest.raises(ValueError, match="SMSC status"):
        to_canonical(value)


def test_every_canonical_status_has_a_native_code_that_reads_back() -> None:
    for status in Status:
        code, _ = to_native(status)
        assert code in STATUSES
        if status not in (Status.SCHEDULED, Status.UNKNOWN):
            assert to_canonical(code) is status


def test_to_native_uses_error_as_err_and_native_as_a_more_precise_status() -> None:
    assert to_native(Status.UNDELIVERABLE, 6) == (20, 6)
    assert to_native(Status.REJECTED, 22) == (23, 22)  # an error is an err, never a status
    assert to_native(Status.REJECTED, native=22) == (22, 0)
    assert to_native(Status.REJECTED, 249, native=22) == (22, 249)
    assert to_native(Status.UNDELIVERABLE, native=25) == (25, 0)
    assert to_native(Status.DELIVERED, native=22) == (1, 0)  # 22 is not a delivered state
    assert to_native(Status.UNKNOWN) == (20, 245)
    assert to_native(Status.DELIVERED, "x") == (1, 0)


# -- translit ---------------------------------------------------------------------------------
def test_translit_modes() -> None:
    assert transliterate("Привет, Щука!", 0) == "Привет, Щука!"
    assert transliterate("Привет, Щука!", 1) == "Privet, Schuka!"
    assert transliterate("Жёлтый", 1) == "Zhyoltyj"
    assert transliterate("привет", 2) == "npuBeT"


# -- params -----------------------------------------------------------------------------------
def _request(**kw: object) -> object:
    return EnvironBuilder(**kw).get_request()  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("charset", "codec"), [("utf-8", "utf-8"), ("windows-1251", "cp1251"), ("koi8-r", "koi8_r")]
)
def test_decode_params_uses_the_requested_charset(charset: str, codec: str) -> None:
    raw = "Привет".encode(codec)
    query = f"mes={quote_from_bytes(raw)}&charset={charset}"
    params, seen = decode_params(_request(query_string=query))  # type: ignore[arg-type]
    assert params["mes"] == "Привет"
    assert seen == charset


def test_decode_params_defaults_to_windows_1251_and_body_wins() -> None:
    request = _request(
        method="POST",
        query_string="mes=query&Login=a",
        data="mes=%CF%F0%E8",
        content_type="application/x-www-form-urlencoded",
    )
    params, charset = decode_params(request)  # type: ignore[arg-type]
    assert charset == "windows-1251"
    assert params["mes"] == "При"
    assert params["login"] == "a"


def test_decode_params_reads_multipart() -> None:
    request = _request(method="POST", data={"mes": "x", "charset": "utf-8"})
    params, charset = decode_params(request)  # type: ignore[arg-type]
    assert params["mes"] == "x" and charset == "utf-8"


@pytest.mark.parametrize(
    ("raw", "phone"),
    [
        ("79991234567", "79991234567"),
        ("+7 (999) 123-45-67", "79991234567"),
        ("89991234567", "79991234567"),
        ("9991234567", "79991234567"),
        ("+89991234567", "89991234567"),
        ("385911234567", "385911234567"),
        ("12345", None),
        ("abc", None),
        ("0123456789", None),
        ("７９９９１２３４５６７", None),
    ],
)
def test_normalize_phone(raw: str, phone: str | None) -> None:
    assert normalize_phone(raw) == phone


def test_parse_phones_splits_on_commas_and_semicolons() -> None:
    parsed = parse_phones("79991234567;79991234568, bad,,79991234567")
    assert parsed.valid == ("79991234567", "79991234568")
    assert parsed.invalid == ("bad",)


def test_format_date_is_moscow_time() -> None:
    assert format_date(NOW) == "01.01.2025 12:00:00"


@pytest.mark.parametrize(
    ("value", "tz", "expected"),
    [
        ("", None, None),
        ("0", None, None),
        ("+30", None, NOW + timedelta(minutes=30)),
        ("0" + str(int(NOW.timestamp()) + 60), None, NOW + timedelta(minutes=1)),
        ("0101251300", None, datetime(2025, 1, 1, 10, 0, tzinfo=UTC)),
        ("01.01.25 13:00", None, datetime(2025, 1, 1, 10, 0, tzinfo=UTC)),
        ("01.01.2025 15:00", "2", datetime(2025, 1, 1, 10, 0, tzinfo=UTC)),
        ("0101251100", None, None),  # in the past: send now
        ("10-18", None, None),  # 12:00 is inside the window
        ("14-18", None, datetime(2025, 1, 1, 11, 0, tzinfo=UTC)),
        ("8-11", None, datetime(2025, 1, 2, 5, 0, tzinfo=UTC)),
    ],
)
def test_parse_time(value: str, tz: str | None, expected: datetime | None) -> None:
    assert parse_time(value, NOW, tz) == expected


@pytest.mark.parametrize(
    ("value", "tz"), [("tomorrow", None), ("3201251300", None), ("18-10", None), ("+1", "x")]
)
def test_parse_time_refuses_with_error_5(value: str, tz: str | None) -> None:
    with pytest.raises(BadParameter) as info:
        parse_time(value, NOW, tz)
    assert info.value.code == 5


def test_parse_valid() -> None:
    assert parse_valid("") is None
    assert parse_valid("2") == timedelta(hours=2)
    assert parse_valid("00:30") == timedelta(minutes=30)
    for bad in ("0", "25", "00:00", "1:75", "x"):
        with pytest.raises(BadParameter):
            parse_valid(bad)


# -- limits -----------------------------------------------------------------------------------
def test_counts_are_keyed_by_virtual_minute() -> None:
    limits = RateLimits()
    assert [limits.count("k", NOW) for _ in range(3)] == [1, 2, 3]
    assert limits.count("k", NOW + timedelta(seconds=59)) == 4
    assert limits.count("k", NOW + timedelta(seconds=60)) == 1


def test_repeated_within_window() -> None:
    limits = RateLimits()
    window = timedelta(minutes=1)
    assert limits.repeated("s", NOW, window) is False
    assert limits.repeated("s", NOW + timedelta(seconds=59), window) is True
    assert limits.repeated("s", NOW + timedelta(seconds=60), window) is False


def test_in_flight_and_blocking() -> None:
    limits = RateLimits()
    assert [limits.enter("a") for _ in range(3)] == [1, 2, 3]
    limits.leave("a")
    assert limits.in_flight("a") == 2
    block = timedelta(minutes=10)
    assert not any(limits.note_error("ip", NOW, limit=2, block_for=block) for _ in range(2))
    assert limits.note_error("ip", NOW, limit=2, block_for=block)
    assert limits.blocked("ip", NOW + timedelta(minutes=9))
    assert not limits.blocked("ip", NOW + timedelta(minutes=10))


# -- network ----------------------------------------------------------------------------------
def test_lookup_is_deterministic() -> None:
    first = lookup("79991234567")
    assert first == lookup("79991234567")
    assert first.country == "Russia" and first.mcc == "250"
    assert lookup("77011234567").country == "Kazakhstan"
    assert lookup("19991234567").mccmnc == "0"


# -- rendering --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        (0, "ERROR = 7 (invalid number), ID - 5"),
        (1, "5,-7"),
        (
            2,
            "<result>\n<error>invalid number</error>\n<error_code>7</error_code>\n"
            "<id>5</id>\n</result>",
        ),
        (3, '{"error": "invalid number", "error_code": 7, "id": 5}'),
    ],
)
def test_render_error_with_id(fmt: int, expected: str) -> None:
    assert formats.render_error(7, "invalid number", fmt, message_id=5) == expected


@pytest.mark.parametrize(
    ("fmt", "cost", "expected"),
    [
        (0, 0, "OK - 2 SMS, ID - 5"),
        (0, 2, "OK - 2 SMS, ID - 5, COST - 7"),
        (0, 3, "OK - 2 SMS, ID - 5, COST - 7, BALANCE - 993"),
        (1, 0, "5,2"),
        (1, 3, "5,2,7,993"),
        (3, 0, '{"id": 5, "cnt": 2}'),
        (3, 3, '{"id": 5, "cnt": 2, "cost": "7", "balance": "993"}'),
        (2, 2, "<result>\n<id>5</id>\n<cnt>2</cnt>\n<cost>7</cost>\n</result>"),
    ],
)
def test_render_send(fmt: int, cost: int, expected: str) -> None:
    assert (
        formats.render_send(fmt, cost, message_id=5, count=2, cost="7", balance="993") == expected
    )


def test_render_cost_and_balance() -> None:
    assert formats.render_cost(0, count=2, cost="7") == "OK - 2 SMS, COST - 7"
    assert formats.render_cost(1, count=2, cost="7") == "7,2"
    assert json.loads(formats.render_cost(3, count=2, cost="7")) == {"cost": "7", "cnt": 2}
    assert formats.render_balance(0, "12.50", None) == "12.50"
    assert formats.render_balance(1, "12.50", "RUR") == "12.50,RUR"
    assert json.loads(formats.render_balance(3, "12.50", "RUR")) == {
        "balance": "12.50",
        "currency": "RUR",
    }
    assert "<currency>RUR</currency>" in formats.render_balance(2, "12.50", "RUR")


def test_money() -> None:
    assert formats.money(Decimal("3.50")) == "3.5"
    assert formats.money(Decimal("7.00")) == "7"
    assert formats.money(Decimal("0")) == "0"
    assert formats.money(Decimal("1E+3")) == "1000"


def test_not_found_status_per_format() -> None:
    ref = {"id": 9, "phone": "79991234567"}
    assert formats.render_status("sms", 0, 0, None, ref=ref) == "Status = -3"
    assert formats.render_status("sms", 1, 0, None, ref=ref) == "-3,0,0"
    assert formats.render_status("sms", 2, 1, None, ref=ref) == "<sms>\n<status>-3</status>\n</sms>"
    assert formats.render_status("sms", 3, 2, None, ref=ref) == '{"status": -3}'
    listed = formats.render_status("sms", 3, 0, None, ref=ref, listed=True)
    assert json.loads(listed) == {"status": -3, "id": 9, "phone": "79991234567"}


def test_xml_escapes_and_drops_characters_xml_cannot_carry() -> None:
    record = {field: "" for layout in formats.LAYOUTS.values() for _, field in layout}
    record.update(status=1, err=0, flag=0, last_timestamp=0, message="<a&b>\x01")
    text = formats.render_status("sms", 2, 1, record)
    assert "<message>&lt;a&amp;b&gt;?</message>" in text


# -- scenario statuses ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (20, (Status.UNDELIVERABLE, None)),
        ("20", (Status.UNDELIVERABLE, None)),
        (" -1 ", (Status.ACCEPTED, None)),
        (-2, (Status.DELETED, None)),
        (22, (Status.REJECTED, 22)),
        ("Invalid number", (Status.REJECTED, 22)),
        ("insufficient FUNDS", (Status.REJECTED, 24)),
        (23, (Status.REJECTED, None)),
        ("Read", (Status.DELIVERED, 2)),
        (4, (Status.DELIVERED, 4)),
        ("unavailable number", (Status.UNDELIVERABLE, 25)),
        ("Transferred to operator", (Status.ENROUTE, None)),
    ],
)
def test_resolve_native(value: object, expected: tuple[Status, int | None]) -> None:
    assert resolve_native(value) == expected


@pytest.mark.parametrize("value", [-3, "-3", "Message not found", 21, "deliverd", True, None, 1.0])
def test_resolve_native_refuses(value: object) -> None:
    assert resolve_native(value) is None


@pytest.mark.parametrize("code", sorted(set(STATUSES) - {-3}))
def test_every_native_code_round_trips_through_the_core(code: int) -> None:
    resolved = resolve_native(code)
    assert resolved is not None
    status, native = resolved
    assert to_native(status, native=native)[0] == code


def test_native_names_lists_codes_then_names() -> None:
    names = native_names()
    assert names[:3] == ["-2", "-1", "0"]
    assert "Unable to deliver" in names and "-3" not in names and "Message not found" not in names


def test_fake_resolve_status_takes_canonical_and_native() -> None:
    from pytest_smsmock.hub import SmsMock

    fake = SmsMock(providers=("smsc",)).smsc
    assert fake.resolve_status("delivered") == (Status.DELIVERED, None)
    assert fake.resolve_status("Delivered") == (Status.DELIVERED, None)
    assert fake.resolve_status(22) == (Status.REJECTED, 22)
    assert fake.resolve_status("nope") is None
    assert fake.native_statuses() == native_names()


# -- WAP push ---------------------------------------------------------------------------------
def test_wap_push_si_is_the_public_clients_example() -> None:
    expected = "0605040B8423F0DC0601AE02056A0045C60C037761702E72752F0001037761702E7275000101"
    assert wap_push_si("http://wap.ru/", "wap.ru") == bytes.fromhex(expected)


@pytest.mark.parametrize(
    ("url", "token", "rest"),
    [
        ("https://www.a.ru/x", 0x0F, b"a.ru/x"),
        ("http://www.a.ru", 0x0D, b"a.ru"),
        ("HTTPS://a.ru", 0x0E, b"a.ru"),
        ("http://a.ru", 0x0C, b"a.ru"),
        ("wap.a.ru", 0x0B, b"wap.a.ru"),
    ],
)
def test_wap_push_si_href_prefix_tokens(url: str, token: int, rest: bytes) -> None:
    data = wap_push_si(url, "")
    assert data.endswith(bytes([0x45, 0xC6, token, 0x03]) + rest + bytes([0, 1, 1, 1]))


def test_admit_is_a_sliding_window_that_ignores_refusals() -> None:
    limits = RateLimits()
    late = NOW + timedelta(seconds=50)  # five requests late in one clock minute...
    assert [limits.admit("k", late, 5) for _ in range(5)] == [True] * 5
    # ...and a sixth just after the minute boundary is still "within a minute" of them.
    assert limits.admit("k", NOW + timedelta(seconds=61), 5) is False
    assert limits.admit("k", late + timedelta(seconds=60), 5) is True  # the first five expired
    assert limits.admit("other", late, 5) is True


def test_admit_forgets_refused_attempts() -> None:
    limits = RateLimits()
    assert limits.admit("mass", NOW, 1) is True
    for second in range(1, 60, 5):
        assert limits.admit("mass", NOW + timedelta(seconds=second), 1) is False
    assert limits.admit("mass", NOW + timedelta(seconds=60), 1) is True
