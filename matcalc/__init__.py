"""matcalc: symbolic matrix calculus by the differential approach.

    >>> import matcalc
    >>> r = matcalc.grad("1/2 ||A x - b||^2", "x", where="A: matrix(m,n); b: vector(m); x: vector(n)")
    >>> str(r)
    "A' (A x - b)"

The questions: grad, jacobian, hessian, hvp, differential (each takes the formula, the variable's
name, and `where`), compile (a NumPy, JAX or PyTorch function), check (against finite
differences), parse, from_sympy. A result has str(), .latex(), .evaluate(values), .to_numpy(),
.check(), .steps.

`where` declares names: "A: matrix(m,n); x, y: vector(n); c: scalar; S: matrix(n,n) spd"
(kinds scalar, vector(n), matrix(m,n); properties symmetric, spd, diagonal, orthogonal,
invertible, positive). An undeclared name takes the kind its use and its look give (a capital is
a matrix, a small letter a vector, a Greek letter a scalar); every result says how it read the
formula (Expression.reading, .inferred). The language: x' and x^T transpose, A B and A * B
multiply, .* ./ .^ act entrywise, ||x||, tr, det, logdet, inv, sum, diag, softmax, exp, log, ...
(README.md, "The language").

`import matcalc` loads only the errors and the work limits; the engine (parser, rules,
printers, evaluation, NumPy) is loaded on first use of any other public name (PEP 562's
module `__getattr__`), so a command line that only prints its help, or a program that imports
matcalc without using it yet, does not pay for it.
"""
from __future__ import annotations

import importlib

from .core.errors import (DeclarationError, EvaluationError, MatcalcError, MatcalcWarning, NotSupportedError, ParseError,
                          ShapeError, UnknownNameError)
from .core.errors import LimitError
from .core.budget import limits

TYPE_CHECKING = False  # (typing.TYPE_CHECKING without importing typing: `import matcalc` stays light)
if TYPE_CHECKING:  # what _LAZY loads, seen by type checkers and editors (imported here, it would load the engine)
    from typing import Any

    from .api import Wrt, compile, differential, grad, hessian, hvp, jacobian
    from .expression import Expression, Formula, Where, parse
    from .interop_sympy import from_sympy
    from .numerics.check import CheckReport
    from .results import Result

# public name -> the module (relative to this package) that defines it
_LAZY = {
    "Expression": ".expression", "parse": ".expression",
    "compile": ".api", "differential": ".api", "grad": ".api", "hessian": ".api", "hvp": ".api",
    "jacobian": ".api",
    "CheckReport": ".numerics.check", "_check": ".numerics.check",
    "Result": ".results", "from_sympy": ".interop_sympy",
}
_SUBMODULES = {"api", "cli", "expression", "results", "core", "language", "calculus", "outputs", "numerics"}


def _load_engine() -> None:
    """Everything a derivation needs, at once: the API pulls in the printers and the evaluator, which
    register the text, LaTeX and evaluation services every node uses (core/nodes.py SERVICES)."""
    importlib.import_module(".api", __name__)


def __getattr__(name: str):
    if name in _SUBMODULES:
        _load_engine()
        return importlib.import_module("." + name, __name__)
    where = _LAZY.get(name)
    if where is None:
        raise AttributeError(f"module 'matcalc' has no attribute {name!r}")
    _load_engine()
    attr = "check" if name == "_check" else name
    value = getattr(importlib.import_module(where, __name__), attr)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(__all__))


def check(obj: Result | Formula, wrt: Wrt | None = None, where: Where = None, kind: str = "gradient",
          **kw: Any) -> CheckReport:
    """Finite-difference verdict (a CheckReport) for a result, or for `kind` of `obj` with respect to `wrt`.

    `matcalc.check(matcalc.grad("x'Ax", "x"))` or `matcalc.check("x'Ax", "x", kind="hessian")`;
    keyword arguments (trials, seed, tol) go to the check.
    """
    api = __getattr__("api")
    if not isinstance(obj, __getattr__("Result")):
        if wrt is None:
            raise MatcalcError("check needs a result, or an expression and the variable (wrt=...)")
        fns = {"gradient": api.grad, "jacobian": api.jacobian, "hessian": api.hessian, "hvp": api.hvp,
               "differential": api.differential}
        if kind not in fns:
            raise MatcalcError(f"kind must be one of {', '.join(fns)}, not {kind!r}")
        obj = fns[kind](obj, wrt, where=where)
    return __getattr__("_check")(obj, **kw)

__all__ = ["parse", "from_sympy", "compile", "differential", "grad", "jacobian", "hessian", "hvp", "check", "CheckReport", "Expression", "MatcalcError", "ParseError", "ShapeError", "DeclarationError",
           "UnknownNameError", "NotSupportedError", "EvaluationError", "LimitError", "MatcalcWarning", "limits"]
__version__ = "0.1.0"
