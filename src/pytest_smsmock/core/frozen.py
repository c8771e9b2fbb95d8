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
from typing import Any, TypeVar, dataclass_transform

__all__ = ["new_tuple", "positional_builder", "slot_setter", "unchecked_builder", "value_class"]

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


@dataclass_transform(
    frozen_default=True,
    kw_only_default=True,
    field_specifiers=(dataclasses.field, dataclasses.Field),
)
def value_class(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True, slots=True, kw_only=True)``, made with a fraction of the work.

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
    ``__init__`` is generated from the fields, one compile per class, setting each slot
    directly; the other methods are closures over the field names, nothing to compile.
    """
    documented = bool(cls.__doc__)
    if not documented:
        cls.__doc__ = cls.__name__  # written below, once `__init__` has its signature
    for name in ("__setattr__", "__delattr__"):
        if name in cls.__dict__:
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}")
    explicit_hash = "__hash__" in cls.__dict__ and not (
        cls.__dict__["__hash__"] is None and "__eq__" in cls.__dict__
    )
    made: Any = dataclasses.dataclass(
        cls, init=False, repr=False, eq=False, slots=True, kw_only=True
    )
    fields = dataclasses.fields(made)
    names = tuple(f.name for f in fields)
    if "__init__" not in made.__dict__:
        made.__init__ = _value_init(made, fields)
    if "__repr__" not in made.__dict__:
        made.__repr__ = _value_repr(tuple(f.name for f in fields if f.repr))
    compared = _fields_tuple(tuple(f.name for f in fields if f.compare))
    if "__eq__" not in made.__dict__:
        made.__eq__ = _value_eq(compared)
    if not explicit_hash:
        made.__hash__ = _value_hash(compared)
    made.__setattr__, made.__delattr__ = _value_frozen(made, names)
    if "__getstate__" not in made.__dict__:
        made.__getstate__ = _value_getstate
        made.__setstate__ = _value_setstate
    if not documented:  # as the dataclass writes it
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    result: type[_T] = made
    return result


def _value_init(cls: type[Any], fields: tuple[dataclasses.Field[Any], ...]) -> Any:
    """``__init__`` of a value: keyword-only parameters as the dataclass orders and defaults
    them (a default factory shown as ``<factory>``), each field set through its slot; compiled
    on its first call (`_compiled_on_first_call`)."""
    params: list[str] = []
    lines = []
    parameters = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    namespace: dict[str, Any] = {"_factory": _HAS_DEFAULT_FACTORY}
    for f in fields:
        name = f.name
        namespace[f"_set_{name}"] = slot_setter(cls, name)
        if f.kw_only is not True:
            raise TypeError(f"{cls.__qualname__}.{name}: a value's fields are keyword-only")
        default: Any = inspect.Parameter.empty
        if f.default_factory is not dataclasses.MISSING:
            namespace[f"_dflt_{name}"] = f.default_factory
            default = _HAS_DEFAULT_FACTORY
        elif f.default is not dataclasses.MISSING:
            namespace[f"_dflt_{name}"] = default = f.default
        if f.init:
            parameters.append(
                inspect.Parameter(
                    name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=f.type
                )
            )
            if default is _HAS_DEFAULT_FACTORY:
                params.append(f"{name}=_factory")
                lines.append(f"_set_{name}(self, _dflt_{name}() if {name} is _factory else {name})")
            else:
                params.append(
                    name if default is inspect.Parameter.empty else f"{name}=_dflt_{name}"
                )
                lines.append(f"_set_{name}(self, {name})")
        elif default is _HAS_DEFAULT_FACTORY:
            lines.append(f"_set_{name}(self, _dflt_{name}())")
        elif default is not inspect.Parameter.empty:
            lines.append(f"_set_{name}(self, _dflt_{name})")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    # What the dataclass would do and this does not: an InitVar (passed to __post_init__), a
    # field named self (the dataclass renames the parameter), a field spelled like a global.
    names = {f.name for f in fields}
    declared = cls.__dataclass_fields__.values()  # the fields, ClassVars and InitVars
    if any(f.name not in names and "InitVar" in str(f.type) for f in declared):
        raise TypeError(f"{cls.__qualname__}: a value has no InitVar")
    if "self" in names or names & namespace.keys():
        raise TypeError(f"{cls.__qualname__}: a field named like a name of __init__")
    signature = f"self, *, {', '.join(params)}" if params else "self"
    source = f"def __init__({signature}):\n    " + "\n    ".join(lines or ["pass"])
    annotations = {f.name: f.type for f in fields if f.init} | {"return": None}

    def compile_init() -> Callable[..., None]:
        exec(source, namespace)  # source built from the field names only
        init: Callable[..., None] = namespace["__init__"]
        init.__qualname__ = f"{cls.__qualname__}.__init__"
        init.__module__ = cls.__module__
        init.__annotations__ = annotations
        return init

    return _compiled_on_first_call(
        cls, compile_init, inspect.Signature(parameters, return_annotation=None), annotations
    )


def _compiled_on_first_call(
    cls: type[Any],
    compile_init: Callable[[], Callable[..., None]],
    signature: inspect.Signature,
    annotations: dict[str, Any],
) -> Callable[..., None]:
    """A value's ``__init__`` that compiles the real one on its first call and hands over to
    it for good (the class's ``__init__`` is then the compiled one). Compiling is most of what
    defining a value costs (~0.45 M instructions, mostly the parser), and a session builds
    some of the values it defines: one message sent over HTTP builds 15 of 29 (most of them
    module constants), a first SMPP use 21 of 86 (bench/README.md, "Foundation", third pass:
    -8 M instructions for the HTTP send). Until then `inspect.signature` reads the signature
    the compiled one will have."""

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        init = compile_init()
        cls.__init__ = init
        init(self, *args, **kwargs)

    __init__.__signature__ = signature  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    __init__.__annotations__ = annotations
    return __init__


class _HasDefaultFactory:
    def __repr__(self) -> str:
        return "<factory>"


_HAS_DEFAULT_FACTORY = _HasDefaultFactory()


def _fields_tuple(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of a value's `names` fields, as the dataclass's methods build it."""
    if len(names) > 1:
        getter: Callable[[Any], tuple[Any, ...]] = operator.attrgetter(*names)
        return getter
    if names:
        (name,) = names

        def one(self: Any) -> tuple[Any, ...]:
            return (getattr(self, name),)

        return one
    return lambda self: ()


def _value_repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    @reprlib.recursive_repr()
    def __repr__(self: Any) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    return __repr__


def _value_eq(fields: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return fields(self) == fields(other)
        return NotImplemented

    return __eq__


def _value_hash(fields: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(fields(self))

    return __hash__


def _value_frozen(
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


def _value_getstate(self: Any) -> list[Any]:
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def _value_setstate(self: Any, state: list[Any]) -> None:
    for f, item in zip(dataclasses.fields(self), state, strict=False):
        object.__setattr__(self, f.name, item)
