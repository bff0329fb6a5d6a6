"""Frozen value classes declared by their annotations: what `@dataclass(frozen=True)` gives
(a constructor by field, equality and hashing by value, a repr, `replace`), without importing
`dataclasses`.

`dataclasses` imports `inspect` (and with it `ast`, `dis`, `tokenize`) and writes each class's
methods as source code it compiles, about a millisecond per class: a fifth of the command line's
start-up went there. The records here share one generic constructor instead.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any, TypeVar

_MISSING = object()
_C = TypeVar("_C", bound=type)
_R = TypeVar("_R")


class factory:
    """A default made afresh for every instance (`props: frozenset = factory(frozenset)`)."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


def record(cls: _C) -> _C:
    """Make `cls` a frozen record of its annotated fields, in the order written (a record's
    subclass adds its fields after the parent's, as a dataclass's does)."""
    parent = next((b for b in cls.__mro__[1:] if "_fields" in b.__dict__), None)
    own = cls.__dict__.get("__annotations__", {})
    bad = [n for n, a in own.items() if n.startswith("_") or "ClassVar" in str(a)]
    if bad:
        raise TypeError(f"{cls.__name__}: a record's fields are public instance fields, not {', '.join(bad)}")
    names = (parent._fields if parent else ()) + tuple(n for n in own if n not in (parent._fields if parent else ()))
    defaults = dict(parent._defaults) if parent else {}
    for n in own:
        if n in cls.__dict__:
            defaults[n] = cls.__dict__[n]
            if isinstance(defaults[n], factory):
                delattr(cls, n)  # (a plain default stays readable on the class, as a dataclass's does)
    required = [n for n in names if n not in defaults]
    if any(names.index(r) > names.index(d) for r in required for d in defaults):
        raise TypeError(f"{cls.__name__}: a field without a default follows one with a default")

    def __init__(self, *args, **kw):
        if not kw and len(args) <= len(names):  # (the usual call, Decl(name, kind, dims, props): no dict)
            fields = self.__dict__  # (written directly: __setattr__ refuses, and is slower field by field)
            fields.update(zip(names, args))
            for n in names[len(args):]:
                d = defaults.get(n, _MISSING)
                if d is _MISSING:
                    raise TypeError(f"{cls.__name__}: missing argument {n!r}")
                fields[n] = d.make() if isinstance(d, factory) else d
            return
        if len(args) > len(names):
            raise TypeError(f"{cls.__name__} takes at most {len(names)} arguments ({len(args)} given)")
        values = dict(zip(names, args))
        for k, v in kw.items():
            if k not in names or k in values:
                raise TypeError(f"{cls.__name__}: unexpected or repeated argument {k!r}")
            values[k] = v
        for n in names:
            if n not in values:
                d = defaults.get(n, _MISSING)
                if d is _MISSING:
                    raise TypeError(f"{cls.__name__}: missing argument {n!r}")
                values[n] = d.make() if isinstance(d, factory) else d
            object.__setattr__(self, n, values[n])

    if len(names) >= 2:  # (the fields as one tuple, read in C: a record is hashed and compared often)
        _values = attrgetter(*names)
    else:
        def _values(self):
            return tuple(getattr(self, n) for n in names)

    def __eq__(self, other):
        if other.__class__ is not self.__class__:
            return NotImplemented
        return _values(self) == _values(other)

    def __hash__(self):
        return hash((cls.__name__,) + _values(self))

    def __repr__(self):
        return f"{cls.__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {cls.__name__}")

    def __delattr__(self, name):
        raise AttributeError(f"cannot delete field {name!r} of a frozen {cls.__name__}")

    for f in (__init__, __eq__, __hash__, __repr__, __setattr__, __delattr__):
        f.__qualname__ = f"{cls.__qualname__}.{f.__name__}"
        setattr(cls, f.__name__, f)
    cls._fields = names
    cls._defaults = defaults
    return cls


def replace(obj: _R, **changes: Any) -> _R:
    """A copy of the record `obj` with some fields changed."""
    values = {n: getattr(obj, n) for n in obj._fields}
    values.update(changes)
    return obj.__class__(**values)
