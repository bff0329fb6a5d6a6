"""NumPy, imported when a value is first computed, not when matcalc is imported.

Deriving and printing a formula needs no NumPy; evaluating, checking and generating code do.
Importing NumPy is the largest single cost of starting the command line, so the modules that
use it write `from ..core.lazy_numpy import np` and use `np.` inside their functions as usual:
the first attribute looked up imports NumPy. A NumPy function stored in a table at import time
(the function registry's implementations) is written `numpy_function("exp")`, a callable that
looks the function up on its first call.
"""
from __future__ import annotations

import importlib


class _LazyNumpy:
    """Stands for the numpy module; the first attribute looked up imports it."""

    __slots__ = ()

    def __getattr__(self, name: str):
        module = importlib.import_module("numpy")
        return getattr(module, name)

    def __repr__(self) -> str:
        return "<numpy, imported on first use>"


np = _LazyNumpy()


class numpy_function:  # noqa: N801 - used like the function it stands for
    """The NumPy function `name` (dotted for submodules: "linalg.inv"), looked up on its first call."""

    __slots__ = ("name", "_fn")

    def __init__(self, name: str):
        self.name = name
        self._fn = None

    def __call__(self, *args, **kwargs):
        fn = self._fn
        if fn is None:
            fn = importlib.import_module("numpy")
            for part in self.name.split("."):
                fn = getattr(fn, part)
            self._fn = fn
        return fn(*args, **kwargs)

    def __repr__(self) -> str:
        return f"numpy.{self.name}"
