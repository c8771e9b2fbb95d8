"""Building frozen slotted values on a hot path: the one place that speed trick lives.

A frozen dataclass's generated ``__init__`` sets every field through ``object.__setattr__``
(a C call that looks the attribute up again) and runs ``__post_init__`` checks. For values the
caller built valid itself and builds once per PDU or per receipt (a submit_sm's content and its
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
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["new_tuple", "positional_builder", "slot_setter", "unchecked_builder"]

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
    if params.frozen or hasattr(cls, "__post_init__") or not hasattr(cls, "__slots__"):
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
