"""The hot-path builders of `core/frozen.py` build what the classes' own constructors build."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import NamedTuple

import pytest

from pytest_smsmock.core.frozen import new_tuple, positional_builder
from pytest_smsmock.core.messages import Message


def _differences(a: object, b: object) -> list[str]:
    """The fields in which `a` and `b` differ (their type first)."""
    if type(a) is not type(b):
        return ["type"]
    return [f.name for f in fields(a) if getattr(a, f.name) != getattr(b, f.name)]  # type: ignore[arg-type]


def test_positional_builder_builds_what_the_constructor_builds() -> None:
    at = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    given = {
        "message_id": "m1",
        "provider": "p",
        "account": "a",
        "to": "385911234567",
        "sender": "S",
        "text": "hi",
        "submitted_at": at,
        "parts": 2,
        "price": Decimal("2.5"),
        "extra": {"k": 1},
    }
    build = positional_builder(Message, tuple(given))
    built = build(*given.values())
    assert _differences(built, Message(**given)) == []  # type: ignore[arg-type]
    # The fields not given get the constructor's defaults.
    names = ("message_id", "provider", "account", "to", "sender", "text", "submitted_at")
    short = positional_builder(Message, names)("m1", "p", "a", "1", "S", "t", at)
    assert (
        _differences(
            short,
            Message(
                message_id="m1",
                provider="p",
                account="a",
                to="1",
                sender="S",
                text="t",
                submitted_at=at,
            ),
        )
        == []
    )


def test_positional_builder_refuses_what_it_cannot_build_alike() -> None:
    @dataclass(frozen=True, slots=True)
    class Frozen:
        a: int

    @dataclass(slots=True)
    class Checked:
        a: int

        def __post_init__(self) -> None:
            pass

    @dataclass(slots=True)
    class Required:
        a: int
        b: list[int] = field(default_factory=list)

    with pytest.raises(TypeError):
        positional_builder(Frozen, ("a",))
    with pytest.raises(TypeError):
        positional_builder(Checked, ("a",))
    with pytest.raises(TypeError, match="no default"):
        positional_builder(Required, ("b",))
    with pytest.raises(TypeError, match="unknown"):
        positional_builder(Required, ("a", "c"))
    build = positional_builder(Required, ("a",))
    assert build(3) == Required(3)
    assert build(3).b is not build(3).b  # a default factory's value, fresh for each


def test_new_tuple_builds_the_named_tuple() -> None:
    class Pair(NamedTuple):
        left: int
        right: str = "r"

    assert new_tuple(Pair, (1, "x")) == Pair(1, "x")
    assert type(new_tuple(Pair, (1, "x"))) is Pair
