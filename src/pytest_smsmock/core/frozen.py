"""Frozen slotted values: how the package defines them (`value_class`) and builds them on a
hot path (the builders, the one place that speed trick lives).

`value_class` is the one way the package defines its immutable values (PDUs, scenario steps,
journal entries, ...): a frozen, slotted, keyword-only dataclass made without compiling a
method per class besides ``__init__`` (its docstring says why).

A frozen dataclass's ``__init__`` sets every field through ``object.__setattr__`` (a C call
that looks the attribute up again) and runs ``__post_init__`` checks. For values the caller
built valid itself and builds once per PDU or per receipt (a submit_sm's content and its
response, the connection's event for it, a status change, a journal entry), the slots' own
setters do the same in a fraction of the instructions. `bench/README.md` ("SMPP") gives the
figures that keep each use: the callgrind count per socket-free submit_sm.

Only values whose fields are valid by construction may be built this way: nothing is checked.

Named tuples (the submission path's values, a submit's decoded content) are built with
`new_tuple`: every field given, in order, without the named tuple's generated ``__new__``.

A mutable slotted dataclass with many fields (a `Message`) is built on a hot path by
`positional_builder`: CPython 3.11 spends some 600 instructions per keyword argument of a call,
so its ``__init__`` called with nineteen of them costs 16k instructions where the same fields
given positionally cost 4.5k.
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
import reprlib
from collections.abc import Callable
from types import MethodType
from typing import Any, TypeVar, dataclass_transform, overload

__all__ = [
    "new_tuple",
    "positional_builder",
    "record_class",
    "slot_setter",
    "unchecked_builder",
    "value_class",
]

_T = TypeVar("_T")

#: ``new_tuple(SomeNamedTuple, (field, ...))``: the named tuple from all its fields in order.
#: Its generated ``__new__`` is a Python function that ends in this same call: going straight
#: to it takes a third of the instructions (1.4k against 3.6k for nine fields, callgrind).
new_tuple = tuple.__new__


def slot_setter(cls: type[Any], name: str) -> Callable[[Any, Any], None]:
    """The setter of the slot `name` of `cls` (what ``object.__setattr__`` ends up calling)."""
    setter: Callable[[Any, Any], None] = getattr(cls, name).__set__
    return setter


def unchecked_builder(cls: type[_T], *, keywords: bool = False) -> Callable[..., _T]:
    """A constructor of the frozen slotted dataclass `cls` that sets each slot directly and checks
    nothing: positional in field order, or (``keywords=True``) keyword-only with the class's
    defaults, like its ``__init__``. Generated once, as dataclasses generate ``__init__``."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = [f.name for f in fields]
    if keywords:
        params = [
            f.name if f.default is dataclasses.MISSING else f"{f.name}=_d_{f.name}" for f in fields
        ]
        signature = f"*, {', '.join(params)}"
    else:
        signature = ", ".join(names)
    lines = [f"def build({signature}):", "    value = new(cls)"]
    lines += [f"    set_{name}(value, {name})" for name in names]
    lines.append("    return value")
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__}
    for f in fields:
        namespace[f"set_{f.name}"] = slot_setter(cls, f.name)
        if f.default is not dataclasses.MISSING:
            namespace[f"_d_{f.name}"] = f.default
    exec("\n".join(lines), namespace)  # source built from the field names only
    build: Callable[..., _T] = namespace["build"]
    build.__qualname__ = f"unchecked {cls.__qualname__}"
    return build


def positional_builder(cls: type[_T], names: tuple[str, ...]) -> Callable[..., _T]:
    """A constructor of the mutable slotted dataclass `cls` taking the fields `names`
    positionally, in that order; every other field gets its default (or its default factory's
    value), as ``cls.__init__`` gives it. It does what that ``__init__`` does (a dataclass
    without ``__post_init__`` checks nothing), minus the cost of keyword arguments. Generated
    once, from the class's fields: a field added to `cls` is set by it as well."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    params = cls.__dataclass_params__  # type: ignore[attr-defined]
    frozen = params.frozen or cls.__setattr__ is not object.__setattr__  # a `value_class`
    if frozen or hasattr(cls, "__post_init__") or not hasattr(cls, "__slots__"):
        raise TypeError(f"{cls.__qualname__}: a mutable slotted dataclass without __post_init__")
    known = {f.name for f in fields}
    unknown = [name for name in names if name not in known]
    if unknown or len(set(names)) != len(names):
        raise TypeError(f"{cls.__qualname__}: fields {list(names)} (unknown: {unknown})")
    lines = [f"def build({', '.join(names)}):", "    value = new(cls)"]
    namespace: dict[str, Any] = {"cls": cls, "new": object.__new__}
    for f in fields:
        if f.name in names:
            lines.append(f"    value.{f.name} = {f.name}")
        elif f.default is not dataclasses.MISSING:
            namespace[f"_d_{f.name}"] = f.default
            lines.append(f"    value.{f.name} = _d_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            namespace[f"_f_{f.name}"] = f.default_factory
            lines.append(f"    value.{f.name} = _f_{f.name}()")
        else:
            raise TypeError(f"{cls.__qualname__}: field {f.name!r} has no default")
    lines.append("    return value")
    exec("\n".join(lines), namespace)  # source built from the field names only
    build: Callable[..., _T] = namespace["build"]
    build.__qualname__ = f"positional {cls.__qualname__}"
    return build


@overload
def value_class(cls: type[_T], /) -> type[_T]: ...


@overload
def value_class(*, kw_only: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(
    frozen_default=True,
    kw_only_default=True,
    field_specifiers=(dataclasses.field, dataclasses.Field),
)
def value_class(cls: type[_T] | None = None, /, *, kw_only: bool = True) -> Any:
    """``@dataclass(frozen=True, slots=True, kw_only=True)``, made with a fraction of the work
    (``value_class(kw_only=False)``: the same with positional fields, for the few small
    descriptors built positionally, the SMPP layouts' ``CString(21, status)``).

    A value is what that dataclass is: fields (``dataclasses.fields``, ``replace``, ``asdict``
    work on it), slots, a keyword-only ``__init__`` with the same signature and defaults that
    calls ``__post_init__``, ``__eq__`` and ``__hash__`` over the compared fields (as tuples,
    as the dataclass compares and hashes them), its ``__repr__``, assignment and deletion
    refused with ``dataclasses.FrozenInstanceError``, and the pickling and copying of a frozen
    slotted dataclass. A method the class defines itself is kept, as the dataclass keeps it.

    Why not the decorator itself: under CPython 3.11 it writes the source of six methods per
    class and compiles each, and parsing and compiling them was most of what the first use of
    the fakes cost (bench/README.md, "Foundation", third pass: 143 classes; the first Infobip
    send of a session went from +380 M to +214 M instructions). Here dataclasses collect the
    fields and add the slots, generating nothing (``init``, ``repr`` and ``eq`` off, not
    frozen: so ``__dataclass_params__`` reads, and a value inherits only from a value);
    ``__init__`` is generated from the fields and compiled on its first call, setting each
    slot directly; the other methods are closures over the field names, nothing to compile.
    """

    def make(cls: type[_T]) -> type[_T]:
        return _made(cls, frozen=True, eq=True, kw_only=kw_only)

    return make if cls is None else make(cls)


@overload
def record_class(cls: type[_T], /) -> type[_T]: ...


@overload
def record_class(*, eq: bool = True, kw_only: bool = True) -> Callable[[type[_T]], type[_T]]: ...


@dataclass_transform(kw_only_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record_class(cls: type[_T] | None = None, /, *, eq: bool = True, kw_only: bool = True) -> Any:
    """``@dataclass(slots=True, kw_only=True)`` (or with ``eq=False``, ``kw_only=False``), made
    as `value_class` makes a value: a mutable slotted dataclass (a `Message`, an `Account`)
    whose ``__init__`` is compiled on its first call and whose ``__repr__`` and ``__eq__`` are
    closures (unhashable with ``eq``, as the dataclass; identity without)."""

    def make(cls: type[_T]) -> type[_T]:
        return _made(cls, frozen=False, eq=eq, kw_only=kw_only)

    return make if cls is None else make(cls)


def _made(cls: type[_T], *, frozen: bool, eq: bool, kw_only: bool) -> type[_T]:
    """The class as ``dataclass(slots=True, frozen=frozen, eq=eq, kw_only=kw_only)`` makes it
    (see `value_class`)."""
    documented = bool(cls.__doc__)
    if not documented:
        cls.__doc__ = cls.__name__  # written below, once `__init__` has its signature
    for name in ("__setattr__", "__delattr__"):
        if name in cls.__dict__:  # frozen: the dataclass refuses it; mutable: __init__ skips it
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    explicit_hash = "__hash__" in cls.__dict__ and not (
        cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__
    )
    made: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, slots=True, kw_only=kw_only
    )
    fields = dataclasses.fields(made)
    if "__init__" not in made.__dict__:
        _check_init(made)
        made.__init__ = _FirstCall(made, frozen=frozen)
    if "__repr__" not in made.__dict__:
        made.__repr__ = _repr(tuple(f.name for f in fields if f.repr))
    if eq:
        compared = _fields_tuple(tuple(f.name for f in fields if f.compare))
        if "__eq__" not in made.__dict__:
            made.__eq__ = _eq(compared)
        if not explicit_hash:  # the dataclass's table: frozen values hash, records do not
            made.__hash__ = _hash(compared) if frozen else None
    if frozen:
        made.__setattr__, made.__delattr__ = _frozen(made, tuple(f.name for f in fields))
        if "__getstate__" not in made.__dict__:
            made.__getstate__ = _getstate
            made.__setstate__ = _setstate
    if not documented:
        made.__doc__ = _doc_signature(made)
    result: type[_T] = made
    return result


class _FirstCall:
    """A class's ``__init__`` until its first call, which compiles the class's own
    (`_compiled_init`) and hands over to it for good: the class's ``__init__`` is the compiled
    one from then on. Compiling is most of what defining a class costs (~0.45 M instructions,
    mostly the parser), and a session builds some of the classes it defines: one message sent
    over HTTP builds 15 of the 29 values it defines (most of them module constants) and 5 of
    its 9 records, a first SMPP use 18 of 83 values (bench/README.md, "Foundation", third
    pass). Until then `inspect.signature` reads the signature the compiled one will have;
    nothing else is kept (a signature and a namespace kept for each class cost every full
    collection: 1,250 objects more for the collector to walk in an SMPP session)."""

    __slots__ = ("cls", "frozen")

    def __init__(self, cls: type[Any], *, frozen: bool) -> None:
        self.cls = cls
        self.frozen = frozen

    def __get__(self, instance: object, owner: type[Any] | None = None) -> Any:
        return self if instance is None else MethodType(self, instance)

    def __call__(self, instance: object, /, *args: Any, **kwargs: Any) -> None:
        init = _compiled_init(self.cls, frozen=self.frozen)
        self.cls.__init__ = init
        init(instance, *args, **kwargs)

    @property
    def __signature__(self) -> inspect.Signature:
        return inspect.Signature(
            [
                inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD),
                *[
                    inspect.Parameter(f.name, kind, default=default, annotation=f.type)
                    for f, kind, default in _parameters(self.cls)
                ],
            ],
            return_annotation=None,
        )

    @property
    def __annotations__(self) -> dict[str, Any]:  # type: ignore[override]
        return _annotations(self.cls)


def _parameters(cls: type[Any]) -> list[tuple[dataclasses.Field[Any], Any, Any]]:
    """(field, kind, default) of each parameter of the class's ``__init__``, as the dataclass
    orders and defaults them: the positional ones, then the keyword-only ones; a default
    factory's default is ``<factory>``."""
    empty, positional, keyword = (
        inspect.Parameter.empty,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
        inspect.Parameter.KEYWORD_ONLY,
    )
    found: list[tuple[dataclasses.Field[Any], Any, Any]] = []
    fields = dataclasses.fields(cls)
    for kind in (positional, keyword):
        for f in fields:
            if not f.init or (f.kw_only is True) != (kind is keyword):
                continue
            if f.default_factory is not dataclasses.MISSING:
                default: Any = _HAS_DEFAULT_FACTORY
            else:
                default = empty if f.default is dataclasses.MISSING else f.default
            if default is empty and kind is positional and any(d is not empty for *_, d in found):
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
            found.append((f, kind, default))
    return found


def _doc_signature(cls: type[Any]) -> str:
    """What the dataclass writes as the docstring of a class without one: its name and the
    text of ``inspect.signature(cls)`` (``Name(*, a: 'int', b: 'str' = '')``), written here
    without building the signature (a fifth of the instructions, for 40 classes of the SMPP
    layer alone)."""
    parts: list[str] = []
    for f, kind, default in _parameters(cls):
        if kind is inspect.Parameter.KEYWORD_ONLY and "*" not in parts:
            parts.append("*")
        text = f"{f.name}: {inspect.formatannotation(f.type)}"
        parts.append(text if default is inspect.Parameter.empty else f"{text} = {default!r}")
    return f"{cls.__name__}({', '.join(parts)})"


def _annotations(cls: type[Any]) -> dict[str, Any]:
    return {f.name: f.type for f in dataclasses.fields(cls) if f.init} | {"return": None}


def _compiled_init(cls: type[Any], *, frozen: bool) -> Callable[..., None]:
    """The class's ``__init__``, compiled: the parameters of `_parameters`, then each field
    set as the dataclass sets it, then ``__post_init__``. A frozen value's fields are set
    through their slots' setters (a third of ``object.__setattr__``'s instructions), a
    record's by plain assignment (cheaper still, and what the dataclass does)."""
    fields = dataclasses.fields(cls)
    namespace: dict[str, Any] = {"_factory": _HAS_DEFAULT_FACTORY}
    params = ["self"]
    for f, kind, default in _parameters(cls):
        if kind is inspect.Parameter.KEYWORD_ONLY and "*" not in params:
            params.append("*")
        if default is _HAS_DEFAULT_FACTORY:
            params.append(f"{f.name}=_factory")
        elif default is inspect.Parameter.empty:
            params.append(f.name)
        else:
            params.append(f"{f.name}=_dflt_{f.name}")
    lines = []
    for f in fields:
        name = f.name
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"_dflt_{name}"] = f.default_factory
            value = (
                f"_dflt_{name}() if {name} is _factory else {name}" if f.init else f"_dflt_{name}()"
            )
        elif f.init:
            if f.default is not dataclasses.MISSING:
                namespace[f"_dflt_{name}"] = f.default
            value = name
        elif f.default is not dataclasses.MISSING:
            namespace[f"_dflt_{name}"] = f.default
            value = f"_dflt_{name}"
        else:
            continue  # set by __post_init__, if at all
        if frozen:
            namespace[f"_set_{name}"] = slot_setter(cls, name)
            lines.append(f"_set_{name}(self, {value})")
        else:
            lines.append(f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n    " + "\n    ".join(lines or ["pass"])
    exec(source, namespace)  # source built from the field names only
    init: Callable[..., None] = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__annotations__ = _annotations(cls)
    return init


def _check_init(cls: type[Any]) -> None:
    """Refuse, when the class is made, what `_compiled_init` does not do as the dataclass
    would: an InitVar (passed to __post_init__), a field named self (the dataclass renames
    the parameter), a field spelled like a name of the namespace; and a parameter without a
    default after one with (`_parameters`)."""
    names = {f.name for f in dataclasses.fields(cls)}
    declared = cls.__dataclass_fields__.values()  # the fields, ClassVars and InitVars
    if any(f.name not in names and "InitVar" in str(f.type) for f in declared):
        raise TypeError(f"{cls.__qualname__}: no InitVar here")
    if (
        "self" in names
        or "_factory" in names
        or any(n.startswith(("_dflt_", "_set_")) for n in names)
    ):
        raise TypeError(f"{cls.__qualname__}: a field named like a name of __init__")
    _parameters(cls)


class _HasDefaultFactory:
    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _HasDefaultFactory()


def _fields_tuple(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of the fields `names` of an instance, as the dataclass's methods build it."""
    if len(names) > 1:
        getter: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
        return getter
    if names:
        (name,) = names

        def one(self: Any) -> tuple[Any, ...]:
            return (getattr(self, name),)

        return one
    return lambda self: ()


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _eq(fields: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return fields(self) == fields(other)
        return NotImplemented

    return __eq__


def _hash(fields: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(fields(self))

    return __hash__


def _frozen(
    cls: type[Any], names: tuple[str, ...]
) -> tuple[Callable[[Any, str, Any], None], Callable[[Any, str], None]]:
    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return __setattr__, __delattr__


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _setstate(self: Any, state: list[Any]) -> None:
    for f, item in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, item)
