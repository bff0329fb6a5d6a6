"""Rewrites of an output's expression before its code is written, each to one that costs less to compute
with the same value: a sum of matrices times a vector distributed (matrix-vector products, never the
matrix sum), diagonal matrices of a sum merged into one. `generate` applies them; the emitter writes
the code of what they return.
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import Add, Diag, Expr, Identity, Mul, Ones, SCALAR, Transpose


def distribute(e: Expr) -> Expr:
    """(A + B) x -> A x + B x: a sum of matrices times a vector costs two matrix-vector
    products instead of a matrix sum (memory traffic) and one product. The sum takes the nearest
    vector of the chain on either side, not the whole chain: (R K + B' P (B K - A)) x x' is
    (R K x + B' P (B K x - A x)) x', matrix-vector products only (forming the sum made the LQR
    gradient three n^3 products, 58x slower than by hand at n = 1000). Likewise a sum of
    structured matrices (diagonal, rank one) between other factors: A' (diag(p) - p p') A is
    A' diag(p) A - (A'p)(A'p)', never the m x m matrix in the middle."""
    def fn(n):
        if not isinstance(n, Mul):
            return n
        c, scal, chain = n.split()
        nearest = None  # (the sum nearest its vector first: x' (A - B K)' P (A - B K) x takes (A - B K) x first)
        for i, f in enumerate(chain):
            if _terms_of_matrix_sum(f) is not None:
                span = _vector_beside(chain, i)
                if span is not None and (nearest is None or span[1] - span[0] < nearest[1][1] - nearest[1][0]):
                    nearest = i, span
        if nearest is not None:
            i, (lo, hi) = nearest
            terms = [fn(B.mul(*chain[lo:i], t, *chain[i + 1:hi])) for t in _terms_of_matrix_sum(chain[i])]
            return fn(B.mul(B.num(c), *scal, *chain[:lo], B.add(*terms), *chain[hi:]))
        if n.shape == SCALAR or len(chain) < 2:
            return n
        for i, f in enumerate(chain):
            if isinstance(f, Add) and 1 not in f.shape and len(f.args) <= 4 and all(_structured(t) for t in f.args):
                return B.add(*[B.mul(B.num(c), *scal, *chain[:i], t, *chain[i + 1:]) for t in f.args])
        return n
    return B.transform(e, fn)


def _terms_of_matrix_sum(f: Expr) -> list | None:
    """The terms of a sum of matrices, or of its transpose (transposed), else None."""
    if isinstance(f, Transpose) and isinstance(f.arg, Add) and 1 not in f.shape:
        return [B.transpose(t) for t in f.arg.args]
    if isinstance(f, Add) and 1 not in f.shape:
        return list(f.args)
    return None


def _vector_beside(chain: tuple, i: int) -> tuple | None:
    """The factors [lo, hi) of a chain that chain[i] and its nearest vector make, if a column
    follows it or a row precedes it (that sub-chain's product is a vector), else None."""
    for j in range(i + 1, len(chain)):
        if chain[j].shape[1] == 1:
            return i, j + 1
    for j in range(i - 1, -1, -1):
        if chain[j].shape[0] == 1:
            return j, i + 1
    return None


def merge_diagonals(e: Expr) -> Expr:
    """a diag(u) + b diag(v) -> diag(a u + b v): one n x n matrix made from one vector, not one per term
    and their sum (a Cauchy-loss Hessian assembled from two diag matrices: 4.7x slower than hand-written
    at n = 1000)."""
    def fn(n):
        if not isinstance(n, Add) or n.shape[0] == 1 or n.shape[1] == 1:
            return n
        diagonal, rest = [], []
        for t in n.args:
            c, scal, chain = term_parts(t)
            if len(chain) == 1 and isinstance(chain[0], Diag):
                diagonal.append(B.mul(B.num(c), *scal, chain[0].arg))
            else:
                rest.append(t)
        if len(diagonal) < 2:
            return n
        return B.add(B.diag(B.add(*diagonal)), *rest)
    return B.transform(e, fn)


def _structured(t: Expr) -> bool:
    """A matrix that is cheap to multiply without forming it: c diag(v), c u v' (rank one), c I or
    c ones(m, n)."""
    _, rest = B.split_coeff(t)
    if isinstance(rest, Mul):
        _, scal, chain = rest.split()
        if len(chain) == 1:
            rest = chain[0]
        else:
            return any(f.shape[1] == 1 for f in chain[:-1])
    return isinstance(rest, (Diag, Identity, Ones))


def term_parts(t: Expr) -> tuple:
    """(c, scalars, chain) of a term of a sum: its number, its scalar factors and its product chain (a term
    that is no product, its own one-factor chain)."""
    c, rest = B.split_coeff(t)
    if isinstance(rest, Mul):
        _, scal, chain = rest.split()
        return c, scal, chain
    return c, (), (rest,)
