"""SymPy's own numbers for a SymPy matrix expression: the independent side of the interop tests.

`sympy_value(e, values)` substitutes explicit matrices (SymPy `ImmutableMatrix`) for the
`MatrixSymbol`s, numbers for the scalar `Symbol`s and the sizes for the dimension symbols, then
lets SymPy compute every operation bottom-up (`doit`, or `as_explicit` where `doit` leaves a
matrix expression), and returns NumPy values shaped as matcalc's `.evaluate` returns them (float,
1-D vector, 2-D matrix). Bottom-up, each SymPy operation sees explicit operands, so no index sums
are formed and a Hessian at n = 4 takes a fraction of a second.
"""
from __future__ import annotations

import numpy as np
import sympy
from sympy.matrices.expressions.diagonal import DiagonalOf


def _explicit(e, memo: dict):
    got = memo.get(e)
    if got is not None:
        return got
    if isinstance(e, sympy.Lambda) or not e.args or isinstance(e, sympy.MatrixBase):
        out = e  # a function body, a leaf or an explicit matrix: nothing below to compute
    else:
        out = e.func(*[_explicit(a, memo) for a in e.args])
        if isinstance(out, DiagonalOf) and isinstance(out.arg, sympy.MatrixBase):
            # SymPy 1.14's DiagonalOf of an explicit matrix cannot be made explicit (its shape
            # test calls .is_Integer on a Python int): take the diagonal
            out = sympy.ImmutableMatrix([[out.arg[i, i]] for i in range(min(out.arg.shape))])
        elif isinstance(out, sympy.Basic):
            out = out.doit(deep=False)
        if isinstance(out, sympy.MatrixExpr) and not isinstance(out, sympy.MatrixBase) \
                and all(getattr(d, "is_Integer", isinstance(d, int)) for d in out.shape):
            out = sympy.ImmutableMatrix(out.as_explicit())
    if isinstance(e, (sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix)) \
            and all(getattr(d, "is_Integer", False) for d in e.shape):
        out = sympy.ImmutableMatrix(e.as_explicit())
    memo[e] = out
    return out


def sympy_value(e, values: dict, sizes: dict | None = None):
    """The value of the SymPy expression `e` at `values` (name -> float or array), by SymPy;
    `sizes` (dimension name -> int) sizes the dimensions no value fixes (the I of grad tr(X))."""
    swap = {}
    dims = {sympy.Symbol(k): sympy.Integer(v) for k, v in (sizes or {}).items()}
    for m in e.atoms(sympy.MatrixSymbol):
        a = np.asarray(values[m.name], dtype=float)
        a2 = a.reshape(-1, 1) if a.ndim == 1 else a
        if m.shape[0] == 1 and m.shape[1] != 1 and a.ndim == 1:  # a row vector's value
            a2 = a.reshape(1, -1)
        for d, size in zip(m.shape, a2.shape):
            if isinstance(d, sympy.Symbol):
                dims[d] = sympy.Integer(size)
        swap[m] = sympy.ImmutableMatrix(a2.tolist())
    for s in e.free_symbols:
        if isinstance(s, sympy.Symbol) and s not in dims and s.name in values:
            swap[s] = sympy.Float(float(values[s.name]))
    for d, size in dims.items():
        swap.setdefault(d, size)
    out = _explicit(e.xreplace(swap), {})
    if isinstance(out, sympy.MatrixBase):
        arr = np.array(out.evalf(), dtype=float)
        return arr[:, 0] if arr.shape[1] == 1 else arr
    return float(sympy.N(out))
