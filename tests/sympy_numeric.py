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
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf


def _explicit(e, memo: dict):
    """e with every operation computed by SymPy on explicit operands (memo holds the leaves' values)."""
    got = memo.get(e)
    if got is not None:
        return got
    if isinstance(e, sympy.Lambda):
        # an elementwise function's body, f(c d): compute what it holds (c), the bound d stays
        out = sympy.Lambda(e.variables, _explicit(e.expr, memo))
    elif not e.args or isinstance(e, sympy.MatrixBase):
        out = e  # a leaf or an explicit matrix: nothing below to compute
    else:
        args = [_explicit(a, memo) for a in e.args]
        # SymPy 1.14's DiagMatrix and DiagonalOf cannot take an explicit matrix (their shape test
        # calls .is_Integer on a Python int): build those two results directly
        if isinstance(e, DiagonalOf) and isinstance(args[0], sympy.MatrixBase):
            out = sympy.ImmutableMatrix([[args[0][i, i]] for i in range(min(args[0].shape))])
        elif isinstance(e, DiagMatrix) and isinstance(args[0], sympy.MatrixBase):
            out = sympy.ImmutableMatrix(sympy.diag(*list(args[0])))
        else:
            out = e.func(*args)
            if isinstance(out, sympy.Basic):
                out = out.doit(deep=False)
    if isinstance(out, sympy.MatrixExpr) and not isinstance(out, sympy.MatrixBase) \
            and all(isinstance(d, int) or getattr(d, "is_Integer", False) for d in out.shape):
        out = sympy.ImmutableMatrix(out.as_explicit())
    memo[e] = out
    return out


def sympy_value(e, values: dict, sizes: dict | None = None):
    """The value of the SymPy expression `e` at `values` (name -> float or array), by SymPy;
    `sizes` (dimension name -> int) sizes the dimensions no value fixes (the I of grad tr(X))."""
    leaves = {}
    dims = {sympy.Symbol(k): sympy.Integer(v) for k, v in (sizes or {}).items()}
    for m in e.atoms(sympy.MatrixSymbol):
        a = np.asarray(values[m.name], dtype=float)
        a2 = a.reshape(-1, 1) if a.ndim == 1 else a
        if m.shape[0] == 1 and m.shape[1] != 1 and a.ndim == 1:  # a row vector's value
            a2 = a.reshape(1, -1)
        for d, size in zip(m.shape, a2.shape):
            if isinstance(d, sympy.Symbol):
                dims[d] = sympy.Integer(size)
        leaves[m] = sympy.ImmutableMatrix(a2.tolist())
    for s in e.free_symbols:
        if isinstance(s, sympy.Symbol) and s not in dims and s.name in values:
            leaves[s] = sympy.Float(float(values[s.name]))
    for d, size in dims.items():
        leaves.setdefault(d, size)
    out = _explicit(e, dict(leaves))
    if isinstance(out, sympy.MatrixBase):
        arr = np.array(out.evalf(), dtype=float)
        r, c = e.shape  # squeezed as matcalc squeezes the symbolic shape: vectors 1-D
        return arr[:, 0] if c == 1 else (arr[0, :] if r == 1 else arr)
    return float(sympy.N(out))
