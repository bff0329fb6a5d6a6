"""SymPy counterparts of the matcalc nodes SymPy has no class for: vec, unvec, the commutation matrix and
logsumexp.

SymPy's matrix expressions have `Trace`, `Inverse`, `KroneckerProduct`, ... but no column-major
vectorization, no unvec and no commutation matrix, which matcalc's Kronecker forms use (`vec(dX)`,
`K vec(A) = vec(A')`), and no log-sum-exp. These small `MatrixExpr` subclasses fill the gap: SymPy
prints them, substitutes into them, and makes them explicit (`.as_explicit()`) through their `_entry`, so
a Kronecker form is still a SymPy matrix expression that evaluates at numeric sizes.

SymPy is optional: only the SymPy interop (`outputs/sympy_out.py`, `language/sympy_in.py`)
imports this module, and only when a user asks for SymPy.
"""
from __future__ import annotations

from typing import Any

import sympy
from sympy.core.sympify import _sympify  # strict: SymPy objects and numbers, never text
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixExpr


class _OfOneMatrix(MatrixExpr):
    """A matrix expression of one matrix argument (Vec, LogSumExp): checked once, read as `.arg`."""

    def __new__(cls, arg):
        arg = _sympify(arg)
        if not getattr(arg, "is_Matrix", False):
            raise TypeError(f"{cls.__name__} takes a matrix expression")
        return super().__new__(cls, arg)

    @property
    def arg(self):
        return self.args[0]


class Vec(_OfOneMatrix):
    """vec(X): the columns of the r x c matrix X stacked into an (r c) x 1 column (column-major)."""

    @property
    def shape(self) -> tuple:
        r, c = self.arg.shape
        return (r * c, 1)

    def _entry(self, i, j, **kwargs):
        r = self.arg.shape[0]
        return self.arg[i % r, i // r]

    def doit(self, **hints: Any) -> sympy.Basic:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sympy.MatrixBase):  # explicit: stack the columns
            return sympy.ImmutableMatrix(arg.T.reshape(arg.rows * arg.cols, 1))
        return Vec(arg)


class CommutationMatrix(MatrixExpr):
    """K(m, n), the (m n) x (m n) permutation with K vec(A) = vec(A') for every m x n matrix A."""

    def __new__(cls, m, n):
        return super().__new__(cls, _sympify(m), _sympify(n))

    @property
    def shape(self) -> tuple:
        m, n = self.args
        return (m * n, m * n)

    def _entry(self, i, j, **kwargs):
        m, n = self.args
        # row i = a n + b holds vec(A') entry A[a, b], which vec(A) has at b m + a
        return sympy.KroneckerDelta(j, (i % n) * m + i // n)

    def doit(self, **hints: Any) -> sympy.Basic:
        m, n = self.args
        if m.is_Integer and n.is_Integer:
            return sympy.ImmutableMatrix(self.as_explicit())
        return self


class Unvec(MatrixExpr):
    """unvec(v, r, c): the (r c) x 1 column v as the r x c matrix whose columns are its consecutive
    pieces of length r, the inverse of `Vec` (Unvec(Vec(X), r, c) is X)."""

    def __new__(cls, arg, rows, cols):
        arg, rows, cols = _sympify(arg), _sympify(rows), _sympify(cols)
        if not getattr(arg, "is_Matrix", False) or arg.shape[1] != 1:
            raise TypeError("Unvec takes a column vector (an n x 1 matrix expression)")
        if (arg.shape[0] - rows * cols).is_zero is False:
            raise ValueError(f"Unvec to {rows} x {cols} needs a vector of length {rows * cols}, not {arg.shape[0]}")
        return super().__new__(cls, arg, rows, cols)

    @property
    def arg(self) -> sympy.Basic:
        return self.args[0]

    @property
    def shape(self) -> tuple:
        return (self.args[1], self.args[2])

    def _entry(self, i, j, **kwargs):
        return self.arg[j * self.args[1] + i, 0]

    def doit(self, **hints: Any) -> sympy.Basic:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        rows, cols = self.args[1], self.args[2]
        if isinstance(arg, sympy.MatrixBase) and rows.is_Integer and cols.is_Integer:  # cut the column
            return sympy.ImmutableMatrix(arg.reshape(int(cols), int(rows)).T)
        return Unvec(arg, rows, cols)


class LogSumExp(_OfOneMatrix):
    """logsumexp of each column of the m x N matrix X, log(sum_k exp(X[k, j])): a 1 x N row (of a
    vector u, the 1 x 1 matrix whose entry is log(sum(exp(u)))). Its SymPy definition is
    `definition()`, log.(ones(1, m) exp.(X)); a class of its own keeps it apart from a written-out
    log(sum(exp(u))), which matcalc keeps as written."""

    @property
    def shape(self) -> tuple:
        return (sympy.Integer(1), self.arg.shape[1])

    def definition(self) -> ElementwiseApplyFunction:
        """log.(ones(1, m) exp.(X)) in SymPy's own classes (elementwise log and exp)."""
        d = sympy.Dummy("d")
        sums = sympy.MatMul(sympy.OneMatrix(1, self.arg.shape[0]),
                            ElementwiseApplyFunction(sympy.Lambda(d, sympy.exp(d)), self.arg))
        return ElementwiseApplyFunction(sympy.Lambda(d, sympy.log(d)), sums)

    def _entry(self, i, j, **kwargs):
        rows = self.arg.shape[0]
        if getattr(rows, "is_Integer", False) or isinstance(rows, int):
            return sympy.log(sympy.Add(*[sympy.exp(self.arg[k, j]) for k in range(int(rows))]))
        k = sympy.Dummy("k", integer=True)
        return sympy.log(sympy.Sum(sympy.exp(self.arg[k, j]), (k, 0, rows - 1)))

    def doit(self, **hints: Any) -> sympy.Basic:
        arg = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        if isinstance(arg, sympy.MatrixBase):  # explicit: each column's log-sum-exp
            return sympy.ImmutableMatrix([[sympy.log(sum(sympy.exp(a) for a in arg.col(j)))
                                           for j in range(arg.cols)]])
        return LogSumExp(arg)
