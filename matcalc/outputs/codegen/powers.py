"""Matrix powers and inverses in generated code: formed, or applied to a vector without being formed.

A^k x is k products with the vector (O(k n^2)), never the n x n power (O(n^3)); A^-k x is k solves
from one factorization. That holds where every use of the power is such a product (the uses are
counted with the emitter's, `count_applied`); a power some other product needs is formed once. An
inverse that only multiplies is a solve (Cholesky for a matrix declared spd), and one solved for
twice shares one LU factorization (`_factored`). A mixin of `emitter.Emitter`, as `dense.DenseMaps` is.
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import Expr, Inverse, MatPow, Mul, Transpose, Var
from .syntax import fill, is_simple, par

#: the largest power applied to a vector as products with it (A^k x as k products); a larger one is formed
MAX_APPLIED_POWER = 64


class MatrixPowers:
    """The matrix-power part of the emitter (mixed into `emitter.Emitter`)."""

    def count_applied(self, order: list) -> None:
        """For every matrix power and inverse, its uses as a factor beside a vector in the planned products
        (A^k x, x' A^k, M^-1 x): where that is every use, the power is never formed, and the inverse is
        solved for from one factorization however many vectors it multiplies."""
        for n in order:
            if isinstance(n, Mul) and id(n) in self.plans:
                left, right = self.plans[id(n)]
                if isinstance(left, (MatPow, Inverse)) and right.shape[1] == 1:
                    self.applied[id(left)] = self.applied.get(id(left), 0) + 1
                if isinstance(right, (MatPow, Inverse)) and left.shape[0] == 1:
                    self.applied[id(right)] = self.applied.get(id(right), 0) + 1

    def _solves_power(self, p: MatPow) -> bool:
        """A negative power of a matrix that only multiplies vectors: solved for, not formed."""
        return id(p) not in self.names and (self.uses.get(id(p), 0) <= 1 or self._only_applied(p))

    def _only_applied(self, p: MatPow) -> bool:
        """Is every use of the power p (or of the transpose computed in its place) a product with a
        vector, so that the power itself is never needed? (Not where its code exists already.)"""
        t = self.flipped.get(id(p), p)
        if id(p) in self.names or id(t) in self.names or abs(p.k) > MAX_APPLIED_POWER:
            return False
        return self.applied.get(id(t), 0) >= self.uses.get(id(t), 0) > 0

    def apply_power(self, base: Expr, v: str, k: int, side: str) -> str:
        """The code of base^k v (side "left") or v' base^k (side "right", v 1-D): k products with the
        vector, the base computed once."""
        b = self.atom(base)
        if not is_simple(b):
            b = self.assign(b)
            self.names[id(base)] = b
        for _ in range(k):
            v = f"{b} @ {par(v)}" if side == "left" else f"{par(v)} @ {b}"
        return v

    def power_solve(self, m: Expr, transposed: bool, b: str, k: int) -> str:
        """The code of m^-k b (m'^-k b where `transposed`): k solves from the one LU factorization of m that
        every solve against m or m' in the program shares (a' X^-2 b's gradient factored X three times in
        NumPy code, four in JAX and PyTorch code: 2.7x and 5.5x slower than one LU at n = 1000)."""
        if self.b.factored:
            base, flip = _untransposed(m, transposed)
            return f"_factored_solve_power({self.factored(base)}, {b}, {k}{', True' if flip else ''})"
        a = self._transposed(m) if transposed else self.code(m)
        for _ in range(k):
            b = fill(self.b.solve, a=a, b=b)
        return b

    def _c_MatPow(self, e):
        if e.k < 0:
            return fill(self.b.matrix_power, x=fill(self.b.inv, x=self.code(e.base)), k=-e.k)
        if e.k == 2:
            a = self.atom(e.base)
            if is_simple(a):
                return f"{a} @ {a}"
        return fill(self.b.matrix_power, x=self.code(e.base), k=e.k)

    def _spd(self, m: Expr) -> bool:
        """Is m a variable declared spd, solved by Cholesky (NumPy and PyTorch code; JAX's would give NaN for a
        matrix that is not positive definite, where NumPy's and PyTorch's refuse it)?"""
        return self.b.name in ("numpy", "torch") and type(m) is Var and "spd" in m.props

    def _twice_solved(self, inv: Inverse) -> bool:
        """Is the inverse solved for twice, or only ever times a vector (NumPy code): one factorization of
        its matrix serves every solve (the gradient of k' K^-1 y formed K^-1 for four products with k and y:
        3.5x slower than two solves at n = 200)."""
        uses = self.uses.get(id(inv), 0)
        return self.b.factored and (uses == 2 or uses > 2 and self.applied.get(id(inv), 0) >= uses)

    def _shared_factor(self, inv: Inverse):
        """(M, transposed) where the inverse is M^-1 (or M^-T, transposed) of a matrix solved for twice,
        counting the uses of an inverse computed as the other's transpose (b' M^-1 b: M^-1 and M^-T);
        else None."""
        if self._twice_solved(inv):
            return _untransposed(inv.arg, False)
        t = self.flipped.get(id(inv))
        if isinstance(t, Inverse) and self._twice_solved(t):
            return _untransposed(t.arg, True)
        return None

    def factored(self, m: Expr) -> str:
        """The temporary holding m and its LU factorization, made once (_factored)."""
        t = self.factors.get(id(m))
        if t is None:
            t = self.factors[id(m)] = self.assign(f"_factored({self.code(m)})")
            self.keep.append(m)
        return t

    def _solves(self, inv: Expr, other: Expr) -> bool:
        if id(inv) in self.names or self.shares_lu(inv.arg):
            return False
        uses = self.uses.get(id(inv), 0)
        vector = other.shape[0] == 1 or other.shape[1] == 1
        return uses <= 1 or (uses == 2 and vector) or (vector and self._twice_solved(inv))


def _untransposed(m: Expr, transposed: bool) -> tuple:
    """(M, transposed) for a factorization to share: of m and m' the one with fewer transposes (as the
    emitter's `flipped` chooses), the flag flipped where that is m', so that ||L^-1 x||^2's L^-1 and L^-T,
    or (x x' + A)^-1 and (x x' + A')^-1, are solved from one LU factorization, not one of each."""
    t = B.transpose(m)
    if (_transposes(t), t.key) < (_transposes(m), m.key):
        return t, not transposed
    return m, transposed


def _transposes(e: Expr) -> int:
    return sum(1 for n in e.walk() if isinstance(n, Transpose))
