"""The elementwise scalar functions: one entry each, with value, derivative and exact points.

`derivative(u)` returns f'(u) as an expression (applied elementwise when u is a vector or
matrix); the differential rule for every function is then d f(u) = f'(u) .* du
(rules.py). A function may instead give its definition as a SymPy expression in `u`;
its derivative is then worked out by SymPy and translated back (see `_from_sympy`), so a
new elementwise function needs nothing but its definition.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Optional

import numpy as np

from . import build as B


def _emul(a, b):
    """Elementwise product, which for scalars is the ordinary one."""
    return B.hadamard(a, b) if a.shape != (1, 1) or b.shape != (1, 1) else B.mul(a, b)


def _sigmoid(x):
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


@dataclass(frozen=True)
class FunctionSpec:
    name: str
    numpy: Callable
    derivative: Optional[Callable] = None      # u -> f'(u) as an Expr
    exact: Optional[Callable] = None           # Fraction -> Fraction or None (exact values)
    canonical: Optional[Callable] = None       # rewrite at construction (sqrt -> ^(1/2))
    domain: Optional[Callable] = None          # ndarray -> bool array of bad entries
    domain_message: str = ""
    sympy: Optional[str] = None                # definition in u, for SymPy-derived derivatives


def _exact_zero_to(v0):
    return lambda x: Fraction(v0) if x == 0 else None


FUNCTIONS: dict = {}


def register(spec: FunctionSpec) -> None:
    FUNCTIONS[spec.name] = spec


register(FunctionSpec("exp", np.exp, lambda u: B.func("exp", u), _exact_zero_to(1)))
register(FunctionSpec("log", np.log, lambda u: B.power(u, -1), lambda x: Fraction(0) if x == 1 else None,
                      domain=lambda v: ~(v > 0), domain_message="log of a non-positive number"))
register(FunctionSpec("sin", np.sin, lambda u: B.func("cos", u), _exact_zero_to(0)))
register(FunctionSpec("cos", np.cos, lambda u: B.neg(B.func("sin", u)), _exact_zero_to(1)))
register(FunctionSpec("tan", np.tan, lambda u: B.add(B.ONE, B.power(B.func("tan", u), 2)), _exact_zero_to(0)))
register(FunctionSpec("tanh", np.tanh, lambda u: B.sub(B.ONE, B.power(B.func("tanh", u), 2)), _exact_zero_to(0)))
register(FunctionSpec("sigmoid", _sigmoid,
                      lambda u: _emul(B.func("sigmoid", u), B.sub(B.ONE, B.func("sigmoid", u))),
                      lambda x: Fraction(1, 2) if x == 0 else None))
register(FunctionSpec("sqrt", np.sqrt, canonical=lambda u: B.sqrt(u)))
register(FunctionSpec("abs", np.abs, lambda u: B.func("sign", u), lambda x: abs(x)))
register(FunctionSpec("sign", np.sign, lambda u: B.zeros(u.shape),
                      lambda x: Fraction((x > 0) - (x < 0))))


def derivative(name: str, u):
    """f'(u) for the registered function `name`."""
    spec = FUNCTIONS[name]
    if spec.derivative is not None:
        return spec.derivative(u)
    if spec.sympy is not None:
        return _sympy_derivative(spec.sympy, u)
    from .errors import NotSupportedError
    raise NotSupportedError(f"no derivative is known for {name}")


def _sympy_derivative(definition: str, u):
    import sympy
    s = sympy.Symbol("u")
    d = sympy.diff(sympy.sympify(definition, locals={"u": s}), s)
    return _from_sympy(sympy.simplify(d), s, u)


def _from_sympy(e, s, u):
    """Translate a SymPy expression in the symbol s into a matcalc Expr in u (elementwise)."""
    import sympy
    if e == s:
        return u
    if e.is_Number:
        return B.num(Fraction(str(sympy.Rational(e))))
    if e.is_Add:
        return B.add(*[_from_sympy(a, s, u) for a in e.args])
    if e.is_Mul:
        out = None
        for a in e.args:
            x = _from_sympy(a, s, u)
            out = x if out is None else _emul(out, x)
        return out
    if e.is_Pow:
        base = _from_sympy(e.base, s, u)
        return B.power(base, _from_sympy(e.exp, s, u))
    name = type(e).__name__.lower()
    if name in FUNCTIONS:
        return B.func(name, _from_sympy(e.args[0], s, u))
    from .errors import NotSupportedError
    raise NotSupportedError(f"cannot translate {e} from SymPy")
