"""Matrix sums in generated code: written in as few passes over the result as the terms allow.

A sum of rank-one terms with an identity and other matrices (the Hessians of cosine
similarities, RMS and weight norms) is one thin product U V' with the diagonal added in place
(`_low_rank`); a sum with one rank-one term, the other terms into a fresh array and the outer product
added in place (`_add_outer`, `_axpy_outer`); scalars every term shares, multiplied once. A mixin of
`emitter.Emitter`, as `dense.DenseMaps` and `powers.MatrixPowers` are.
"""
from __future__ import annotations

from fractions import Fraction

from ...core import build as B
from ...core.nodes import SCALAR, Add, Diag, Expr, Identity, Mul, Num, Ones
from ..printing import is_broadcast
from .chain_order import chain_node as _chain_node
from .rewrites import term_parts
from .syntax import fill, is_call, is_simple, par


class MatrixSums:
    """The matrix-sum part of the emitter (mixed into `emitter.Emitter`)."""

    def common_scalar_factor(self, e: Add) -> str | None:
        """s a + s b as s (a + b) when every term of an array sum has the scalar factor s: one
        array operation fewer (`log(<x, A x>)`: (A x + A' x) / <x, A x>)."""
        if e.shape == SCALAR:
            return None
        splits = []
        for t in e.args:
            c, rest = B.split_coeff(t)
            if not isinstance(rest, Mul) or not rest.split()[1]:
                return None
            _, scal, chain = rest.split()
            splits.append((c, list(scal), chain))
        common = [x for x in splits[0][1] if all(any(y is x for y in scal) for _, scal, _ in splits[1:])]
        if not common:
            return None
        terms = []
        for c, scal, chain in splits:
            for x in common:
                scal.remove(x)
            terms.append(B.scale(c, B.mul(*scal, *chain)))
        inner = self.code(B.add(*terms))
        return f"{self._scalar_product(1, common)} * ({inner})"

    def accumulate_outer(self, e: Add, scale: str | None = None) -> str | None:
        """A matrix sum with a rank-one term c u v': the other terms into a fresh array, then
        the outer product added in place (no n x n temporary for u v', none for the sum). `scale`: the
        code of scalars the sum is multiplied by, taken into the one pass of s M + alpha u v' (the
        Hessian of 1 / (1 + x'x), a number times such a sum, made two passes over n x n); None where
        the sum is no such pass."""
        for i, term in enumerate(e.args):
            c, rest = B.split_coeff(term)
            if not isinstance(rest, Mul):
                continue
            _, scal, chain = rest.split()
            parts = _rank_one_parts(chain)
            if parts is None:
                continue
            others = B.add(*e.args[:i], *e.args[i + 1:])
            if others.shape != e.shape or is_broadcast(others):
                continue
            scaled = self._scaled_matrix(others) if self.b.axpy_outer else None
            if scale is not None and scaled is None:
                return None
            # one other term is referred to by this sum; a sum of several is a node of its own,
            # which nothing else in the program may refer to
            refs = 1 if len(e.args) == 2 else 0
            if scaled is None and not self._fresh(others, refs):
                continue
            u, v = parts
            alpha = self._scalar_product(c, scal)
            uc, vc = self.code(u), self.code(v)
            if scaled is not None:  # s M + alpha u v' in one pass, M read and not written
                s_code, m = scaled
                if scale is not None:
                    scale = scale if is_simple(scale) else self.assign(scale)  # (computed once, used twice)
                    s_code, alpha = f"{scale} * {par(s_code)}", f"{scale} * {par(alpha)}"
                return self.assign(fill(self.b.axpy_outer, s=s_code, m=self.atom(m), a=alpha, u=uc, v=vc))
            t = self.assign(self.code(others))
            self.lines.append(f"{t} = {fill(self.b.add_outer, t=t, a=alpha, u=uc, v=vc)}")
            return t
        return None

    def low_rank(self, e: Add, scale: str | None = None) -> str | None:
        """A matrix sum of two or more rank-one terms a_i u_i v_i', an identity s I and fewer other
        matrices M, also through scalar multiples of inner sums (c ((x'y) (3 x x' / (x'x) - I) - x y')),
        as one thin product U V' with s added on the diagonal and M added in place: one pass over the
        n x n result where a chain of rank-one updates over a formed identity made one per term (the
        Hessians of a cosine similarity or an RMS norm, 5x to 10x slower than hand-written at n = 1000).
        `scale`: the code of scalars the sum is multiplied by. None where the sum is no such sum."""
        rank_one: list = []   # (scalar factors, u, v)
        eye: list = []        # (scalar factors, None) of I, (scalar factors, v) of diag(v)
        other: list = []      # (scalar factors, matrix)

        def collect(t: Expr, factors: tuple) -> bool:
            c, scal, chain = term_parts(t)
            fs = factors + ((B.num(c),) if c != 1 else ()) + tuple(scal)
            if len(chain) == 1 and isinstance(chain[0], Add) and id(chain[0]) not in self.names \
                    and self.uses.get(id(chain[0]), 0) <= 1:  # (a sum computed for another use is added whole)
                return all(collect(a, fs) for a in chain[0].args)
            parts = _rank_one_parts(chain)
            if parts is None and len(chain) == 1 and isinstance(chain[0], Ones) and 1 not in chain[0].shape:
                parts = B.ones((chain[0].shape[0], 1)), B.ones((1, chain[0].shape[1]))  # (c ones(n, n): c 1 1')
            if parts is not None:
                rank_one.append((fs, *parts))
            elif len(chain) == 1 and isinstance(chain[0], Identity):
                eye.append((fs, None))
            elif all(isinstance(f, Diag) for f in chain):  # diag(u) diag(v): u .* v added on the diagonal
                eye.append((fs, B.hadamard(*[f.arg for f in chain])))
            elif B.mul(*chain).shape == e.shape and not is_broadcast(t):
                other.append((fs, B.mul(*chain)))
            else:
                return False
            return True
        if not all(collect(t, ()) for t in e.args):
            return None
        if not rank_one or len(other) > len(rank_one) or (eye and e.shape[0] != e.shape[1]):
            return None
        if self.b.axpy_outer and len(rank_one) == 1 and not eye:
            return None  # (s M + a u v': accumulate_outer's one pass, in place where M is fresh)
        pre = [scale] if scale is not None else []
        if scale is not None and not is_simple(scale):
            pre = [self.assign(scale)]  # (computed once, used in every term)

        def times(fs: tuple, code: str | None = None) -> str:
            number = Fraction(1)
            for f in fs:
                if isinstance(f, Num):
                    number *= f.value
            parts = [*pre] + [self.scalar(f) for f in fs if not isinstance(f, Num)] + ([code] if code else [])
            parts = [p if is_simple(p) or is_call(p) else f"({p})" for p in parts]
            if number != 1 or not parts:
                parts.insert(0, self._c_Num(B.num(number)))
            return " * ".join(parts)
        us = ", ".join(times(fs, self.code(u)) for fs, u, _ in rank_one)
        vs = ", ".join(self.code(v) for _, _, v in rank_one)
        s_eye = " + ".join(times(fs, None if d is None else self.code(d)) for fs, d in eye) if eye else "0.0"
        m = " + ".join(times(fs, self.code(x)) for fs, x in other) if other else "None"
        return self.assign(f"_low_rank(({us},), ({vs},), {s_eye}, {m})")

    def plus_diagonal(self, e: Add) -> str | None:
        """A square matrix sum with terms s I (or diag(v)) and other matrices M as M with s added on its
        diagonal in place: the identity never formed, scaled and added (the gradient of tr(X^2) tr(X),
        2 tr(X) X' + tr(X^2) I, made four passes over n x n). M is copied where it is no fresh array (an
        input, a shared temporary). None where the sum is no such sum or the backend has no such update."""
        if not self.b.plus_diagonal or e.shape[0] != e.shape[1] or e.shape[0] == 1:
            return None
        diagonal, other = [], []
        for t in e.args:
            c, scal, chain = term_parts(t)
            if len(chain) == 1 and isinstance(chain[0], Identity):
                diagonal.append(B.mul(B.num(c), *scal))
            elif chain and all(isinstance(f, Diag) for f in chain):  # (diag(u) diag(v): u .* v)
                diagonal.append(B.mul(B.num(c), *scal, B.hadamard(*[f.arg for f in chain])))
            else:
                other.append(t)
        if not diagonal or not other:
            return None
        rest = B.add(*other)
        if rest.shape != e.shape or is_broadcast(rest):
            return None
        self.keep.append(rest)  # (ids are keys: a node made here is kept alive)
        fresh = self._fresh(rest, 1 if len(other) == 1 else 0)
        m = self.code(rest) if fresh else fill(self.b.copy, x=self.atom(rest))
        s = " + ".join(self.code(d) for d in diagonal)
        return self.assign(fill(self.b.plus_diagonal, m=m, s=s))

    def _scaled_matrix(self, e: Expr):
        """e as (the code of a scalar s, a matrix M) with e = s M, or None if e is not one matrix
        times scalars."""
        c, rest = B.split_coeff(e)
        scal: list = []
        if isinstance(rest, Mul):
            _, scal, chain = rest.split()
            if len(chain) != 1:
                return None
            rest = chain[0]
        if rest.shape != e.shape:
            return None
        return self._scalar_product(c, scal), rest


def _rank_one_parts(chain: tuple) -> tuple | None:
    """(u, v) of a product chain that is the outer product u v' (a column factor before the last), or
    M ones(m, n) as (M ones(m)) ones(n)', the row sums of M (T (I - ones(n, n) / n)); else None."""
    k = next((j for j in range(len(chain) - 1) if chain[j].shape[1] == 1), None)
    if k is not None:
        return _chain_node(list(chain[:k + 1])), _chain_node(list(chain[k + 1:]))
    if len(chain) >= 2 and isinstance(chain[-1], Ones) and 1 not in chain[-1].shape:
        r, c = chain[-1].shape
        return B.mul(*chain[:-1], B.ones((r, 1))), B.ones((1, c))
    return None
