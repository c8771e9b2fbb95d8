"""`core/frozen.py`: a `value_class` behaves as the frozen slotted keyword-only dataclass it
stands for; the hot-path builders build what the classes' own constructors build."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from dataclasses import FrozenInstanceError, dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar, NamedTuple  # noqa: F401 (ClassVar: in _SAMPLE, by name)

import pytest

from pytest_smsmock.core.frozen import (
    new_tuple,
    positional_builder,
    record_class,
    unchecked_builder,
    value_class,
)
from pytest_smsmock.core.messages import Message


def _twins(
    body: str,
    dataclass_form: str = "dataclass(frozen=True, slots=True, kw_only=True)",
    ours: str = "value_class",
) -> tuple[Any, Any]:
    """The class `body` defines, as the dataclass and as ours (same module, name and qualified
    name, so their reprs and docs can be compared)."""
    made = []
    for decorator in (dataclass_form, ours):
        namespace: dict[str, Any] = {}
        source = "from __future__ import annotations\n" + f"@{decorator}\n{body}"
        exec(source, {**globals(), "__name__": __name__}, namespace)
        made.append(namespace.popitem()[1])
    return made[0], made[1]


_SAMPLE = """
class Sample:
    name: str
    count: int = 2
    tags: tuple[str, ...] = ()
    extra: dict[str, int] = field(default_factory=dict)
    hidden: float = field(default=0.5, repr=False)
    ignored: str = field(default="x", compare=False)
    derived: int = field(init=False, repr=False, compare=False)
    kind: ClassVar[str] = "sample"

    def __post_init__(self) -> None:
        object.__setattr__(self, "derived", self.count * 2)
"""


def _same(a: object, b: object) -> bool:
    return [getattr(a, f.name) for f in fields(a)] == [getattr(b, f.name) for f in fields(b)]  # type: ignore[arg-type]


def test_value_class_behaves_as_the_frozen_dataclass() -> None:
    Dc, Value = _twins(_SAMPLE)
    assert [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare, f.kw_only)
        for f in fields(Value)
    ] == [
        (f.name, f.type, f.default, f.default_factory, f.init, f.repr, f.compare, f.kw_only)
        for f in fields(Dc)
    ]
    assert str(inspect.signature(Value)) == str(inspect.signature(Dc))
    assert Value.__doc__ == Dc.__doc__
    assert Value.__slots__ == Dc.__slots__
    assert Value.__match_args__ == Dc.__match_args__ == ()
    assert Value.kind == "sample"

    dc, value = Dc(name="a", tags=("t",)), Value(name="a", tags=("t",))
    assert _same(dc, value)
    assert repr(value) == repr(dc).replace(Dc.__qualname__, Value.__qualname__)
    assert value.derived == 4 and value.extra == {} and value.extra is not Value(name="a").extra
    # Equality and hash over the compared fields, as tuples (the dataclass's own hash values).
    assert value == Value(name="a", tags=("t",), ignored="other")
    assert value != Value(name="b", tags=("t",))
    assert value != dc and Value(name="a") != ("a", 2)
    with pytest.raises(TypeError, match="unhashable"):
        hash(value)  # a dict field, as the dataclass
    hashable = Value(name="a", extra=None)
    assert hash(hashable) == hash(Dc(name="a", extra=None))
    # Frozen: assignment and deletion refused with the dataclass's error.
    for target in (dc, value):
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'name'"):
            target.name = "b"
        with pytest.raises(FrozenInstanceError, match="cannot delete field 'name'"):
            del target.name
    with pytest.raises(FrozenInstanceError):
        value.other = 1
    # Keyword-only, required fields required, init=False fields refused, as the dataclass.
    for cls in (Dc, Value):
        with pytest.raises(TypeError, match="positional argument"):
            cls("a")
        with pytest.raises(TypeError, match="missing 1 required keyword-only argument: 'name'"):
            cls()
        with pytest.raises(TypeError, match="unexpected keyword argument 'derived'"):
            cls(name="a", derived=1)
    # What works on dataclasses works on values.
    assert dataclasses.is_dataclass(type(value))
    assert dataclasses.replace(value, count=3) == Value(name="a", tags=("t",), count=3)
    assert dataclasses.replace(value, count=3).derived == 6
    assert dataclasses.asdict(value) == dataclasses.asdict(dc)
    for clone in (copy.copy(value), copy.deepcopy(value)):
        assert clone == value and clone.derived == 4
    pickled = Pickled(a=1, b=("x",))
    assert pickle.loads(pickle.dumps(pickled)) == pickled


@pytest.mark.parametrize(
    ("dataclass_form", "ours"),
    [
        ("dataclass(slots=True, kw_only=True)", "record_class"),
        ("dataclass(slots=True, kw_only=True, eq=False)", "record_class(eq=False)"),
        ("dataclass(slots=True)", "record_class(kw_only=False)"),
        ("dataclass(slots=True, eq=False)", "record_class(eq=False, kw_only=False)"),
    ],
)
def test_record_class_behaves_as_the_mutable_dataclass(dataclass_form: str, ours: str) -> None:
    body = """
class Record:
    name: str
    count: int = 2
    items: list[str] = field(default_factory=list)
    note: str = field(default="", compare=False, repr=False)
"""
    Dc, Record = _twins(body, dataclass_form, ours)
    assert str(inspect.signature(Record)) == str(inspect.signature(Dc))
    assert Record.__doc__ == Dc.__doc__
    assert Record.__slots__ == Dc.__slots__
    assert Record.__match_args__ == Dc.__match_args__
    dc, record = Dc(name="a"), Record(name="a")
    assert repr(record) == repr(dc).replace(Dc.__qualname__, Record.__qualname__)
    record.count = 3
    record.items.append("x")
    assert (record.count, record.items, Record(name="b").items) == (3, ["x"], [])
    with pytest.raises(AttributeError):
        record.other = 1
    same = Record(name="a", count=3, items=["x"], note="other")
    if "eq=False" in ours:
        assert record != same and hash(record) == object.__hash__(record)
    else:
        assert record == same and Record.__hash__ is None and Dc.__hash__ is None
    if "kw_only=False" in ours:
        assert Record("a", 3) == Record("a", 3) or "eq=False" in ours
    with pytest.raises(TypeError, match="non-default argument 'late' follows default argument"):

        @record_class(kw_only=False)
        class Wrong:
            early: int = 1
            late: int  # type: ignore[misc]


def test_positional_value_class_behaves_as_the_positional_frozen_dataclass() -> None:
    body = """
class Layout:
    max_len: int
    status: int
    fixed: tuple[int, ...] | None = None
"""
    Dc, Value = _twins(body, "dataclass(frozen=True, slots=True)", "value_class(kw_only=False)")
    assert str(inspect.signature(Value)) == str(inspect.signature(Dc))
    assert (Value.__doc__, Value.__match_args__) == (Dc.__doc__, Dc.__match_args__)
    assert Value(21, 3) == Value(max_len=21, status=3, fixed=None) != Value(21, 4)
    assert hash(Value(21, 3, (0, 16))) == hash(Dc(21, 3, (0, 16)))
    assert repr(Value(21, 3)) == repr(Dc(21, 3)).replace(Dc.__qualname__, Value.__qualname__)
    with pytest.raises(FrozenInstanceError):
        Value(21, 3).status = 4


def test_value_init_is_compiled_on_its_first_call() -> None:
    @value_class
    class Lazy:
        a: int
        b: str = "b"

    stand_in = Lazy.__dict__["__init__"]
    signature = "(*, a: 'int', b: 'str' = 'b') -> None"
    assert str(inspect.signature(Lazy)) == signature
    with pytest.raises(TypeError, match="positional argument"):
        Lazy(1)  # type: ignore[call-arg]  # the stand-in hands the call to the compiled __init__
    assert Lazy.__dict__["__init__"] is not stand_in
    assert Lazy(a=1) == Lazy(a=1, b="b") and repr(Lazy(a=2)).endswith("Lazy(a=2, b='b')")
    assert str(inspect.signature(Lazy)) == signature


@value_class
class Pickled:
    a: int
    b: tuple[str, ...] = ()


def test_value_class_keeps_what_the_class_defines_and_inherits_from_a_value() -> None:
    @value_class
    class Base:
        a: int

        def __repr__(self) -> str:
            return "base"

    @value_class
    class Child(Base):
        b: str = "b"

        def __eq__(self, other: object) -> bool:
            return True

    assert repr(Base(a=1)) == "base"
    assert repr(Child(a=1)).endswith("Child(a=1, b='b')")  # a dataclass's subclass has its own
    assert Child(a=1) == Child(a=2) and Base(a=1) != Base(a=2)
    assert hash(Child(a=1, b="x")) == hash((1, "x"))  # the dataclass's hash, as before
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'a'"):
        Child(a=1).a = 2  # type: ignore[misc]
    assert [f.name for f in fields(Child)] == ["a", "b"]
    build = unchecked_builder(Child, keywords=True)
    assert build(a=1) == Child(a=1) and build(a=1).b == "b"
    with pytest.raises(TypeError, match="__setattr__"):

        @value_class
        class Mutable:
            a: int

            def __setattr__(self, name: str, value: object) -> None:
                pass


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

    @value_class
    class Value:
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
        positional_builder(Value, ("a",))
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
