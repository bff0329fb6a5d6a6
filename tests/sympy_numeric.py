"""SymPy's own numbers for a SymPy matrix expression: the independent side of the interop tests.

`sympy_value(e, values)` substitutes explicit matrices (SymPy `ImmutableMatrix`) for the
`MatrixSymbol`s, numbers for the scalar `Symbol`s and the sizes for the dimension symbols, lets
SymPy compute (`doit`, then `as_explicit` for what `doit` leaves symbolic) and returns NumPy
values shaped as matcalc's `.evaluate` returns them (float, 1-D vector, 2-D matrix).
"""
from __future__ import annotations

import numpy as np
import sympy
from sympy.matrices.expressions.diagonal import DiagonalOf


_CONSTANT_MATRICES = (sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix)


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
    out = e.xreplace(swap)
    # SymPy adds an explicit matrix to t*Identity(3) only once the identity is explicit too
    out = out.replace(lambda t: isinstance(t, _CONSTANT_MATRICES) and all(d.is_Integer for d in t.shape),
                      lambda t: sympy.ImmutableMatrix(t.as_explicit()))
    out = out.doit()
    # SymPy 1.14's DiagonalOf of an explicit matrix stays unevaluated and cannot be made explicit
    # (its shape test calls .is_Integer on a Python int): take the diagonal here
    out = out.replace(lambda t: isinstance(t, DiagonalOf) and isinstance(t.arg, sympy.MatrixBase),
                      lambda t: sympy.ImmutableMatrix([[t.arg[i, i]] for i in range(min(t.arg.shape))]))
    if isinstance(out, sympy.MatrixExpr) and not isinstance(out, sympy.MatrixBase):
        out = out.as_explicit()
    if isinstance(out, sympy.MatrixBase):
        arr = np.array(out.evalf(), dtype=float)
        return arr[:, 0] if arr.shape[1] == 1 else arr
    return float(sympy.N(out))
