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
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["new_tuple", "slot_setter", "unchecked_builder"]

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
