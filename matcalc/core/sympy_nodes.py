"""SymPy counterparts of the two matcalc nodes SymPy has no class for: vec and the commutation matrix.

SymPy's matrix expressions have `Trace`, `Inverse`, `KroneckerProduct`, ... but no column-major
vectorization and no commutation matrix, which matcalc's Kronecker forms use (`vec(dX)`,
`K vec(A) = vec(A')`). These two small `MatrixExpr` subclasses fill the gap: SymPy prints them,
substitutes into them, and makes them explicit (`.as_explicit()`) through their `_entry`, so
a Kronecker form is still a SymPy matrix expression that evaluates at numeric sizes.

SymPy is optional: only the SymPy interop (`outputs/sympy_out.py`, `language/sympy_in.py`)
imports this module, and only when a user asks for SymPy.
"""
from __future__ import annotations

import sympy
from sympy.core.sympify import _sympify  # strict: SymPy objects and numbers, never text
from sympy.matrices.expressions.matexpr import MatrixExpr


class Vec(MatrixExpr):
    """vec(X): the columns of the r x c matrix X stacked into an (r c) x 1 column (column-major)."""

    def __new__(cls, arg):
        arg = _sympify(arg)
        if not getattr(arg, "is_Matrix", False):
            raise TypeError("Vec takes a matrix expression")
        return super().__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]

    @property
    def shape(self):
        r, c = self.arg.shape
        return (r * c, 1)

    def _entry(self, i, j, **kwargs):
        r = self.arg.shape[0]
        return self.arg[i % r, i // r]

    def doit(self, **hints):
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sympy.MatrixBase):  # explicit: stack the columns
            return sympy.ImmutableMatrix(arg.T.reshape(arg.rows * arg.cols, 1))
        return Vec(arg)


class CommutationMatrix(MatrixExpr):
    """K(m, n), the (m n) x (m n) permutation with K vec(A) = vec(A') for every m x n matrix A."""

    def __new__(cls, m, n):
        return super().__new__(cls, _sympify(m), _sympify(n))

    @property
    def shape(self):
        m, n = self.args
        return (m * n, m * n)

    def _entry(self, i, j, **kwargs):
        m, n = self.args
        # row i = a n + b holds vec(A') entry A[a, b], which vec(A) has at b m + a
        return sympy.KroneckerDelta(j, (i % n) * m + i // n)

    def doit(self, **hints):
        m, n = self.args
        if m.is_Integer and n.is_Integer:
            return sympy.ImmutableMatrix(self.as_explicit())
        return self
