"""Quotients and polynomials rewritten where shorter: the algebra of the rewrites.

Two denominators multiplied out or merged (x / ((1 + q / nu) nu) = x / (nu + q)); a sum over one
denominator (1 - 1 ./ (1 + u) = u ./ (1 + u)) and its inverse, a numerator holding the denominator
split off; a numerator divided exactly by a sum (polynomial division: (s (s - 1) + t (1 - t)) /
(s - t) = s + t - 1); a quadratic with rational roots as a product of two linear factors. Each
multiplies out or factors a numerator (expansion.py, factoring.py), which the pattern identities of
rewriting.py do not; rewriting.py calls them from its dispatch by node class.
"""
from __future__ import annotations

from fractions import Fraction
from math import isqrt

from ...core import build as B
from ...core.nodes import FRACTION_ONE, SCALAR, Add, Expr, Hadamard, Inverse, Mul, Num, Ones, Pow
from ..size import size
from .expansion import expand
from .factoring import factor, factor_sum


def _scalar_factors(n: Expr) -> tuple:
    """The factors of a product of scalars (a Mul's scalar monomial) or of an elementwise product,
    and the function that rebuilds the product from new factors (coefficient and chain kept)."""
    if isinstance(n, Mul):
        c, factors, chain = n.split()
        return factors, lambda *fs: B.mul(B.num(c), *fs, *chain)
    return n.args, B.hadamard


def _over_one_denominator(n: Add):
    """r + c N / P written (r P + c N) / P where that is shorter, P a sum: the terms cancel in
    1 - 1 ./ (1 + u) = u ./ (1 + u), and in the negative binomial score y - (r + y) .* m ./ (r + m)
    = r (y - m) ./ (r + m). Only a sum of two terms; the numerator is multiplied out and factored.
    None where nothing is shorter."""
    if len(n.args) != 2:
        return None
    times = B.mul if n.shape == SCALAR else B.hadamard
    for d, r in ((n.args[0], n.args[1]), (n.args[1], n.args[0])):
        c, rest = B.split_coeff(d)
        factors = list(rest.args) if isinstance(rest, Hadamard) else [rest]
        dens = [g for g in factors if isinstance(g, Pow) and isinstance(g.base, Add) and isinstance(g.exp, Num)
                and g.exp.value == -1]
        if len(dens) != 1:
            continue
        den = dens[0]
        others = [g for g in factors if g is not den]
        num = B.scale(c, times(*others) if others else (B.ONE if n.shape == SCALAR else B.ones(n.shape)))
        top = expand(B.add(*[times(r, t) for t in den.base.args], num))
        if isinstance(top, Add) and len(top.args) >= len(den.base.args) + 1 + len(others):
            continue  # nothing cancelled: never shorter
        if isinstance(top, Add):
            top = factor_sum(top.args)
        cand = times(top, den)
        if size(cand) < size(n):
            return cand
    return None


def _quotient(n: Expr):
    """A product of scalars or an elementwise product with one sum for denominator, N / D, rewritten
    where shorter: split (_quotient_split) or divided exactly (_exact_quotient). None otherwise."""
    factors, make = _scalar_factors(n)
    dens = [f for f in factors if type(f) is Pow and type(f.base) is Add and type(f.exp) is Num and f.exp.value == -1]
    if len(dens) != 1:
        return None
    tops = [f for f in factors if type(f) is Add]
    if not tops:
        return None
    if not (type(n) is Mul and n.split()[2]):  # (the split is for a scalar quotient only)
        r = _quotient_split(n, factors, make, dens[0], tops)
        if r is not None:
            return r
    return _exact_quotient(n, factors, make, dens[0], tops)


def _quotient_split(n: Expr, factors, make, den: Pow, tops: list):
    """(r + c d) ./ d written r ./ d + c where the numerator holds the denominator's terms c times:
    the complementary log-log score (exp(-q) + y - 1) .* q ./ (1 - exp(-q)) is
    q .* (y ./ (1 - exp(-q)) - 1), and the same for a product of scalars. The inverse of
    _over_one_denominator, and like it taken only where shorter. None where nothing applies."""
    d_terms = [B.split_coeff(t) for t in den.base.args]
    for top in tops:
        if len(top.args) <= len(d_terms):
            continue
        coeffs = {}
        for t in top.args:
            c, rest = B.split_coeff(t)
            coeffs[rest] = c
        c0, m0 = d_terms[0]
        if m0 not in coeffs:
            continue
        k = coeffs[m0] / c0
        if any(coeffs.get(m) != k * c for c, m in d_terms):
            continue
        drop = {m for _, m in d_terms}
        rest = B.add(*[t for t in top.args if B.split_coeff(t)[1] not in drop])
        others = [f for f in factors if f is not top and f is not den]
        times = B.hadamard if type(n) is Hadamard else B.mul
        cand = make(*others, B.add(times(rest, den), B.num(k)))  # (make keeps the coefficient)
        if size(cand) < size(n):
            return cand
    return None


#: the most division steps _exact_quotient takes (each removes the leading term of the dividend)
QUOTIENT_STEPS = 32


def _exact_quotient(n: Expr, factors, make, den: Pow, tops: list):
    """N / D written as the polynomial quotient Q where D divides N exactly, N and D sums of
    products of powers of the same factors: (s (s - 1) + t (1 - t)) / (s - t) is s + t - 1, the
    cumulative-logit (ordinal) score, as s (1 - s) - t (1 - t) = (s - t) (1 - s - t); entry by entry
    too, and a product's matrix chain stays as it is ((...) x / (s - t)). Multivariate division by
    one divisor in a lexicographic order: exact exactly when it ends with no remainder, so the
    rewrite is an identity. Taken only where shorter; None otherwise."""
    elementwise = type(n) is Hadamard
    d = _polynomial(den.base, elementwise)
    if d is None or len(d) < 2:
        return None
    in_d = {a for m in d for a, _ in m}
    order = sorted(in_d, key=lambda a: a.key)
    for top in tops:
        p = _polynomial(expand(top), elementwise)
        in_p = {a for m in p for a, _ in m} if p is not None else set()
        if p is None or not in_p >= in_d:
            continue
        q = _divided(p, d, order + sorted(in_p - in_d, key=lambda a: a.key))
        if q is None:
            continue
        times = B.hadamard if elementwise else B.mul
        unit = B.ones(n.shape) if elementwise else B.ONE
        quotient = B.add(*[B.scale(c, times(*[B.power(a, B.num(k)) for a, k in m]) if m else unit) for m, c in q.items()])
        others = [f for f in factors if f is not top and f is not den]
        cand = make(*others, factor(quotient))  # (make keeps the coefficient and the matrix chain)
        if size(cand) < size(n):
            return cand
    return None


def _polynomial(e: Expr, elementwise: bool):
    """e as {monomial: coefficient}, a monomial a tuple of (factor, whole power >= 1) in key order; None
    where a term is not such a product (a sum under a product, a matrix chain, a fractional power)."""
    out: dict = {}
    for t in (e.args if type(e) is Add else (e,)):
        c, rest = B.split_coeff(t)
        if elementwise:
            if type(rest) is Ones:
                fs = ()
            elif type(rest) is Mul:
                return None  # (a scalar times an array: not one algebra)
            else:
                fs = rest.args if type(rest) is Hadamard else (rest,)
        elif rest.shape != SCALAR:
            return None
        elif type(rest) is Mul:
            c1, fs, chain = rest.split()
            if chain or c1 != 1:
                return None
        else:
            fs = () if rest is B.ONE else (rest,)
        mono: dict = {}
        for f in fs:
            b, k = (f.base, f.exp.value) if type(f) is Pow and type(f.exp) is Num else (f, FRACTION_ONE)
            if k.denominator != 1 or k < 1 or type(b) in (Add, Num):
                return None
            mono[b] = mono.get(b, 0) + int(k)
        key = tuple(sorted(mono.items(), key=lambda ak: ak[0].key))
        out[key] = out.get(key, 0) + c
        if out[key] == 0:
            del out[key]
    return out


def _divided(p: dict, d: dict, order: list):
    """p / d for polynomials (see _polynomial) where d divides p exactly, else None."""
    rank = {a: i for i, a in enumerate(order)}

    def degrees(m) -> tuple:  # lexicographic: the exponent of the first factor, then the next
        v = [0] * len(order)
        for a, k in m:
            v[rank[a]] = k
        return tuple(v)
    lead_d = max(d, key=degrees)
    ld = dict(lead_d)
    p = dict(p)
    q: dict = {}
    for _ in range(QUOTIENT_STEPS):
        if not p:
            return q
        lead = max(p, key=degrees)
        lm = dict(lead)
        if any(lm.get(a, 0) < k for a, k in ld.items()):
            return None  # the leading term is not a multiple of the divisor's: a remainder is left
        qm = {a: k - ld.get(a, 0) for a, k in lm.items() if k - ld.get(a, 0)}
        qk = tuple(sorted(qm.items(), key=lambda ak: ak[0].key))
        qc = p[lead] / d[lead_d]
        q[qk] = q.get(qk, 0) + qc
        for m, c in d.items():  # p -= qc * x^qm * d
            mm = dict(m)
            for a, k in qm.items():
                mm[a] = mm.get(a, 0) + k
            key = tuple(sorted(mm.items(), key=lambda ak: ak[0].key))
            p[key] = p.get(key, 0) - qc * c
            if p[key] == 0:
                del p[key]
    return None


def _merge_denominators(n: Mul) -> Expr:
    """Two denominators with the same power, one of them a sum, multiplied out where shorter:
    x / ((1 + q / nu) nu) = x / (nu + q). Each pair of scalar factors is tried once, then each scalar
    denominator against the elementwise ones of the chain."""
    c, scal, chain = n.split()
    dens = [(i, s.base, s.exp.value) for i, s in enumerate(scal)
            if isinstance(s, Pow) and isinstance(s.exp, Num) and s.exp.value < 0 and s.base.shape == SCALAR]
    for a in range(len(dens)):
        for b in range(a + 1, len(dens)):
            (i, bi, ei), (j, bj, ej) = dens[a], dens[b]
            if ei != ej or not (isinstance(bi, Add) or isinstance(bj, Add)):
                continue
            if not isinstance(bi, Add):
                bi, bj = bj, bi
            merged = B.power(B.add(*[B.mul(t, bj) for t in bi.args]), B.num(ei))  # one level only
            rest = [s for k, s in enumerate(scal) if k not in (i, j)]
            cand = B.mul(B.num(c), *rest, merged, *chain)
            if size(cand) < size(n):
                return cand
    # a scalar denominator into an elementwise one of the same power, a factor of the chain:
    # X' (r ./ (r.^2 / nu + 1)) / nu = X' (r ./ (r.^2 + nu)); into a reciprocal or an inverse any
    # power of it goes: r ./ (r.^2 / c^2 + 1) / c^2 = r ./ (c^2 + r.^2), (H S H' / s + I)^-1 / s = (H S H' + s I)^-1
    for i, bi, ei in dens:
        rest = [s for m, s in enumerate(scal) if m != i]
        for k, f in enumerate(chain):
            if isinstance(f, Inverse) and isinstance(f.arg, Add):
                new_fs = [B.inverse(_times_each(f.arg, bi, ei, -1))]
            else:
                factors = f.args if isinstance(f, Hadamard) else (f,)
                new_fs = []
                for g in factors:
                    if isinstance(g, Pow) and isinstance(g.base, Add) and isinstance(g.exp, Num) and g.shape != SCALAR \
                            and g.exp.value in (ei, -1):
                        merged = B.power(_times_each(g.base, bi, ei, g.exp.value), g.exp)
                        new_fs.append(B.hadamard(*[merged if h is g else h for h in factors])
                                      if isinstance(f, Hadamard) else merged)
            for new_f in new_fs:
                cand = B.mul(B.num(c), *rest, *chain[:k], new_f, *chain[k + 1:])
                if size(cand) < size(n):
                    return cand
    return n


def _times_each(p: Add, b: Expr, e, into) -> Expr:
    """The sum p with each term times b^(e / into): the scalar factor b^e moved into p^into."""
    s = b if e == into else B.power(b, B.num(e / into))
    return B.add(*[B.mul(t, s) for t in p.args])


def _factor_quadratic(n: Add):
    """a u^2 + b u + c with rational roots as a product of two linear factors, where shorter:
    3 s.^2 + 2 - 5 s = (1 - s) .* (2 - 3 s) (u elementwise or scalar). None when nothing applies."""
    if len(n.args) != 3:
        return None
    coef: dict = {}
    base = None
    for t in n.args:
        c, rest = B.split_coeff(t)
        if isinstance(rest, (Ones, Num)):
            k, b = 0, None
        elif isinstance(rest, Pow) and isinstance(rest.exp, Num) and rest.exp.value == 2:
            k, b = 2, rest.base
        else:
            k, b = 1, rest
        if b is not None:
            if base is not None and b is not base:
                return None
            base = b
        if k in coef:
            return None
        coef[k] = c
    if base is None or set(coef) != {0, 1, 2} or isinstance(base, (Num, Ones)):
        return None
    a, b, c = coef[2], coef[1], coef[0]
    disc = b * b - 4 * a * c
    if disc < 0:
        return None
    root = _rational_sqrt(disc)
    if root is None:
        return None
    r1, r2 = (-b + root) / (2 * a), (-b - root) / (2 * a)
    make = B.mul if base.shape == SCALAR else B.hadamard
    best = None
    for s1 in (1, -1):
        for s2 in (1, -1):
            # q u - p for the root p / q, each factor possibly negated
            f1 = B.add(B.scale(s1 * r1.denominator, base), B.num(-s1 * r1.numerator))
            f2 = B.add(B.scale(s2 * r2.denominator, base), B.num(-s2 * r2.numerator))
            k = a / (r1.denominator * r2.denominator * s1 * s2)
            cand = B.scale(k, make(f1, f2))
            if best is None or size(cand) < size(best):
                best = cand
    return best if size(best) < size(n) else None


def _rational_sqrt(v: Fraction):
    """The rational square root of v, or None."""
    p, q = v.numerator, v.denominator
    rp, rq = isqrt(p), isqrt(q)
    return Fraction(rp, rq) if rp * rp == p and rq * rq == q else None
