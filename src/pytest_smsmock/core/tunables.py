"""Tunables: plain class attributes a test may override on one instance for a while.

`fake.documented_spacing = True` or `fake.smpp.window = 100` shadows the class value; a reset
deletes such instance attributes so the class value comes back and nothing leaks into the next
test. Class attributes that are None, callables or properties are wiring, not tunables.
"""

from __future__ import annotations

__all__ = ["restore_class_settings"]

_SETTINGS: dict[type, frozenset[str]] = {}


def _settings(cls: type) -> frozenset[str]:
    names = _SETTINGS.get(cls)
    if names is None:
        names = _SETTINGS[cls] = frozenset(
            key
            for key in dir(cls)
            if not key.startswith("__")
            and getattr(cls, key) is not None
            and not callable(getattr(cls, key))
            and not isinstance(getattr(cls, key), property)
        )
    return names


def restore_class_settings(obj: object) -> None:
    """Delete the instance attributes of `obj` that shadow a tunable of its class. The names
    are worked out once per class: this runs on every reset, before every test."""
    for key in _settings(type(obj)).intersection(vars(obj)):
        delattr(obj, key)
