"""matcalc: symbolic matrix calculus by the differential approach.

    >>> import matcalc
    >>> matcalc.grad("tr(AX^2BX^-T)", "X")
"""
from .core.errors import (DeclarationError, EvaluationError, MatcalcError, NotSupportedError, ParseError, ShapeError,
                     UnknownNameError)
from .expression import Expression, parse
from . import api
from .api import compile, differential, grad, hessian, hvp, jacobian
from .numerics.check import CheckReport
from .numerics.check import check as _check
from .results import Result
from .interop_sympy import from_sympy


def check(obj, wrt=None, where=None, kind: str = "gradient", **kw) -> CheckReport:
    """Finite-difference verdict for a result, or for `kind` of `obj` with respect to `wrt`.

    `matcalc.check(matcalc.grad("x'Ax", "x"))` or `matcalc.check("x'Ax", "x", kind="hessian")`;
    keyword arguments (trials, seed, tol) go to the check.
    """
    if not isinstance(obj, Result):
        if wrt is None:
            raise MatcalcError("check needs a result, or an expression and the variable (wrt=...)")
        fns = {"gradient": api.grad, "jacobian": api.jacobian, "hessian": api.hessian, "hvp": api.hvp,
               "differential": api.differential}
        if kind not in fns:
            raise MatcalcError(f"kind must be one of {', '.join(fns)}, not {kind!r}")
        obj = fns[kind](obj, wrt, where=where)
    return _check(obj, **kw)

__all__ = ["parse", "from_sympy", "compile", "differential", "grad", "jacobian", "hessian", "hvp", "check", "CheckReport", "Expression", "MatcalcError", "ParseError", "ShapeError", "DeclarationError",
           "UnknownNameError", "NotSupportedError", "EvaluationError"]
__version__ = "0.1.0"
