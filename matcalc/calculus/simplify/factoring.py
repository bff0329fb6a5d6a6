"""Greedy factoring of sums: at each step, the shared factor that saves the most text.

The factors tried: a common scalar base (also with symbolic exponents a number apart, and 1/s
beside 1/s^2 both ways), a shared left or right matrix factor, a shared elementwise factor (each of
the last two also up to sign), and a common rational coefficient; the factored groups are factored
once more. A term of a sum is read once into a `_Term` (coefficient, scalar monomial, matrix chain,
elementwise factors) and kept on its node. The elementwise (Hadamard) factoring is here and not in a
module of its own because it and `factor_sum` call each other: each group's remainder is factored
in turn, by whichever kind of factor saves most there.
"""
from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import gcd

from ...core import build as B
from ...core.nodes import FRACTION_ONE, SCALAR, Add, Expr, Hadamard, Identity, MatPow, Mul, Num, Ones, Pow
from .node_cache import _cached_transform
from .signs import _misoriented, _negated, _oriented_factors, _sign_canonical, _sign_normal, _signed_base
from .measures import text_size


#: the widest sum in which a shared power with symbolic exponents a number apart (||x||^(p - 4) and
#: ||x||^(p - 2)) is pulled out both ways, the lower and the higher power, and the shorter kept
SYMBOLIC_BOTH_WAYS = 4


class _Term:
    """A term of a sum as coefficient * scalar monomial * matrix chain."""

    __slots__ = ("coeff", "abscoeff", "unit", "mono", "chain", "view", "hmono")

    def __init__(self, t: Expr):
        c, rest = B.split_coeff(t)
        self.coeff = c
        if c is FRACTION_ONE:  # (most terms: no Fraction is built or compared)
            self.abscoeff, self.unit = c, True
        else:
            self.abscoeff = abs(c)
            self.unit = self.abscoeff == 1  # the coefficient is 1 or -1
        self.mono: dict = {}
        if isinstance(rest, Mul):
            _, scal, chain = rest.split()
        elif rest.shape == SCALAR:
            scal, chain = (rest,), ()
        else:
            scal, chain = (), (rest,)
        if isinstance(rest, Num):
            scal = ()
        for s in scal:
            b, e = B._scalar_base_exp(s)
            prev = self.mono.get(b)
            self.mono[b] = e if prev is None else B._add_exp(prev, e)
        self.chain = tuple(chain)
        self.hmono = None  # elementwise factors (base -> exponent) when the chain is one Hadamard product
        if len(chain) == 1 and chain[0].shape != SCALAR:
            fs = chain[0].args if isinstance(chain[0], Hadamard) else (chain[0],)
            self.hmono = {}
            for f in fs:
                if isinstance(f, Pow) and isinstance(f.exp, Num):
                    b, e = f.base, f.exp.value
                else:
                    b, e = f, FRACTION_ONE
                prev = self.hmono.get(b)
                self.hmono[b] = e if prev is None else prev + e
        elif len(chain) >= 2 and rest.shape != SCALAR:  # a product is one elementwise factor: W' (p - y)
            self.hmono = {B.mul(*chain): FRACTION_ONE}
        self.view = None  # (base, chain) when a scalar term is one 1x1 chain like x'A x
        if not chain:
            pure = [b for b, e in self.mono.items() if not isinstance(e, Expr) and e == 1 and isinstance(b, Mul) and not b.split()[1]
                    and b.split()[0] == 1 and len(b.split()[2]) >= 2]
            if len(pure) == 1:
                self.view = (pure[0], pure[0].split()[2])

    def chain_view(self):
        if self.chain:
            return self.chain
        return self.view[1] if self.view else ()

    def build(self, drop_base=None, drop_exp=0, chain=None) -> Expr:
        parts = [B.num(self.coeff)]
        for b, e in self.mono.items():
            if self.view is not None and chain is not None and b is self.view[0]:
                continue
            if b is drop_base:
                e = _exp_difference(e, drop_exp) if isinstance(e, Expr) else e - drop_exp
            if isinstance(e, Expr):
                parts.append(B.power(b, e))
            elif e != 0:
                parts.append(B.power(b, B.num(e)) if e != 1 else b)
        parts.extend(self.chain if chain is None else chain)
        return B.mul(*parts)


def _power_size(b: Expr, k: Fraction) -> int:
    """The text size of b^k (nothing for k = 0)."""
    return 0 if k == 0 else text_size(b if k == 1 else B.power(b, B.num(k)))


def _exp_difference(a, b):
    """a - b for exponents (numbers or scalar expressions) when that is a number, else None:
    p/2 - 1 and p/2 - 2 are 1 apart."""
    if a is b:  # (a sum with a negated sum as a term, sin(a) - 1 - (a + b), does not cancel termwise)
        return FRACTION_ONE - FRACTION_ONE
    if isinstance(b, Expr):
        b = _negated(b) if isinstance(b, Add) else B.scale(-1, b)  # (termwise: -1 (p/2 - 2) is no sum)
    else:
        b = -b
    d = B._add_exp(a, b)
    return None if isinstance(d, Expr) else d


def _term_of(t: Expr) -> _Term:
    """t's _Term, made once per node and kept on it: the same terms are split again at every
    level of factoring (each group's terms are factored anew), and a _Term is never changed
    after it is made."""
    r = t._c.get("s.term")
    if r is None:
        r = t._c["s.term"] = _Term(t)
    return r


_NEGATIVE = "negative powers"  # a key of factor's memo: elementwise negative powers are factored too


def factor(e: Expr, negative: bool = False) -> Expr:
    """Factor every sum in e (bottom-up); with `negative`, shared negative elementwise powers too.

    Pulling negative powers out is a second candidate rather than part of the first: greedy
    factoring takes the largest saving first, and a negative power taken early can stand in the way
    of a better grouping (the logistic Hessian (1 - p) .* ((1 - 2 p) .* (p - t) + (1 - p) .* p) .* p
    came out longer), while (x.^2 + 1).^(-1/2) - x.^2 ./ (x.^2 + 1).^(3/2) needs it to become
    (x.^2 + 1).^(-3/2). The shorter of the two wins."""
    memo: dict = {_NEGATIVE: True} if negative else {}
    return _cached_transform(e, lambda n: factor_sum(n.args, memo) if isinstance(n, Add) else n,
                             "s.factor-" if negative else "s.factor")


def factor_sum(terms: Sequence[Expr], memo: dict | None = None) -> Expr:
    """Factor a sum greedily: at each step the shared factor that saves the most text.

    Where two ways are tried (1/s and 1/s^2: s^-2 (a s + b) or s^-1 (a + b / s)), the
    sub-sums they share are factored once (`memo`, keyed by the terms), so the work stays
    polynomial however many powers of s there are.
    """
    terms = list(terms)
    if len(terms) < 2:
        return B.add(*terms)
    if memo is None:
        memo = {}
    key = tuple(terms)
    done = memo.get(key)
    if done is None:
        # factor_sum is a function of the terms (in their order) and of the negative flag alone, so its
        # result is also kept on the sum that is exactly these terms, where one is alive: the winner's
        # factoring once more (simplify) and later simplifications of one derivation meet the sums that
        # factoring made or met (A + A', then (A + A') x / 2 + b) and read them instead of factoring again
        slot = _FSUM_NEGATIVE if _NEGATIVE in memo else _FSUM
        node = Add._existing(key)
        if node is not None:
            done = node._c.get(slot)
        if done is None:
            done = _factor_sum(terms, memo)
            if node is None:
                node = Add._existing(key)
            if node is not None:
                node._c[slot] = done
        memo[key] = done
    return done


_FSUM, _FSUM_NEGATIVE = "s.fsum", "s.fsum-"  # the node-cache keys of factor_sum's results


def _factor_sum(terms: list, memo: dict) -> Expr:
    ts = [_term_of(t) for t in terms]
    best = None  # (saving, kind, payload, members)
    # common scalar bases
    seen: dict = {}
    for i, t in enumerate(ts):
        for b, ex in t.mono.items():
            seen.setdefault(b, []).append((i, ex))
    for b, occ in seen.items():
        if len(occ) < 2:
            continue
        exps = [ex for _, ex in occ]
        alt = None
        if any(isinstance(x, Expr) for x in exps):  # symbolic exponents: equal, or apart by numbers
            if all(x is exps[0] for x in exps):
                ex = exps[0]
            else:
                # ||x||^(p - 4) a + ||x||^(p - 2) b: ||x||^(p - 4) (a + ||x||^2 b) or
                # ||x||^(p - 2) (a / ||x||^2 + b), both tried as for 1/s and 1/s^2 below
                apart = [_exp_difference(x, exps[0]) for x in exps]
                if any(d is None for d in apart):
                    continue
                ex = exps[apart.index(min(apart))]
                # (the other way only in a short sum: each symbolic base tried both ways doubles the
                # factoring below it, and Hessians of p-th powers nest several such bases)
                alt = exps[apart.index(max(apart))] if len(terms) <= SYMBOLIC_BOTH_WAYS else None
        elif not (all(x > 0 for x in exps) or all(x < 0 for x in exps)):
            continue
        else:
            ex = min(exps)
            # 1/s and 1/s^2: s^-2 (a s + b) or s^-1 (a + b / s); both are tried, the shorter kept
            alt = max(exps) if ex < 0 and max(exps) != ex else None
        saving = (len(occ) - 1) * text_size(B.power(b, ex if isinstance(ex, Expr) else B.num(ex)) if ex != 1 else b)
        if not isinstance(ex, Expr) and any(x.denominator != 1 for x in exps) and all(x > 0 for x in exps):
            # a fractional power pulled out leaves fractional powers behind (t^(3/4) + t as t^(3/4) (1 + t^(1/4))):
            # the saving is what the members' powers cost less what the factor and the remainders cost
            saving = sum(_power_size(b, x) for x in exps) - _power_size(b, ex) - sum(_power_size(b, x - ex) for x in exps)
        cand = (saving, "scalar", (b, ex, alt), [i for i, _ in occ])
        if best is None or cand[0] > best[0]:
            best = cand
    # shared left / right chain factors, also up to sign: u (x - m)' + w (m - x)' = (u - w) (x - m)'
    signs: dict = {}
    for side in ("left", "right"):
        seen = {}
        for i, t in enumerate(ts):
            ch = t.chain_view()
            if not ch:
                continue
            f = _chain_end(ch, side)[0]
            if isinstance(f, Ones) and len(ch) == 1:
                continue  # a scalar spread over a matrix (a ones(m, k)) is written a: nothing to save
            if not isinstance(f, Identity):  # factoring I out changes nothing
                f, sg = _sign_canonical(f)
                signs[side, i] = sg
                seen.setdefault(f, []).append(i)
        for f, members in seen.items():
            if len(members) < 2:
                continue
            n = f.shape[1] if side == "left" else f.shape[0]
            ident = sum(1 for i in members if not _chain_end(ts[i].chain_view(), side)[1]) if n != 1 else 0
            if ident == len(members):  # scalar multiples of f alone: p X - 2 X = (p - 2) X, no I
                ident = 0
            saving = (len(members) - 1) * text_size(f) - ident
            cand = (saving, side, f, members)
            if saving > 0 and (best is None or saving > best[0] or (
                    saving == best[0] and best[1] in ("left", "right")
                    and _shared_run(ts, members, side) > _shared_run(ts, best[3], best[1]))):
                best = cand
    # shared elementwise factors: a .* b + a .* c = a .* (b + c), also up to sign (an integer
    # power of -a is (-1)^k a^k): W' (p - y) + (W' (y - p)) .* h = (W' (p - y)) .* (1 - h)
    # In factor(e, negative=True), negative powers too, as for scalars: (p + 1).^(-1/2) - p ./ (p + 1).^(3/2)
    # = (p + 1).^(-3/2); the most negative power is pulled out, or the least (both tried, the shorter kept).
    seen = {}
    hsign: dict = {}  # (term, canonical base) -> (the base as the term has it, its sign)
    for i, t in enumerate(ts):
        for b, ex in (t.hmono or {}).items():
            if (ex > 0 or (ex < 0 and _NEGATIVE in memo)) and not isinstance(b, (Ones, Identity)):
                cb, sg = _signed_base(b) if ex.denominator == 1 else (b, 1)
                if (i, cb) in hsign:
                    # b and -b (or b twice under one canonical base) in one term: only the first
                    # is factored from it; the other stays in its remainder as it is
                    continue
                hsign[i, cb] = (b, sg)
                seen.setdefault((cb, ex > 0), []).append((i, ex))
    for (b, positive), occ in seen.items():
        if any(x.denominator != 1 for _, x in occ):
            # a member holding -b gives its sign to the rest only when every power is whole
            # ((-b)^e = (-1)^e b^e): beside a root of b, such members stay out of the group
            occ = [(i, x) for i, x in occ if hsign[i, b][1] > 0]
        if len(occ) < 2:
            continue
        ex = min(x for _, x in occ)
        # only where every member keeps a factor (no ones(n) left behind), unless b is in every
        # term: then what is left is a number in a sum, written plainly (s.^2 .* (4 - 10 s))
        bare = [i for i, x in occ if len(ts[i].hmono) == 1 and x == ex]
        if len(occ) < len(ts) or any(ts[i].mono for i in bare):
            occ = [(i, x) for i, x in occ if len(ts[i].hmono) > 1 or x > ex]
        if len(occ) < 2:
            continue
        ex = min(x for _, x in occ)
        alt = max(x for _, x in occ) if not positive and max(x for _, x in occ) != ex else None
        saving = (len(occ) - 1) * text_size(B.power(b, B.num(ex)) if ex != 1 else b)
        cand = (saving, "hadamard", (b, ex, alt), [i for i, _ in occ])
        if saving > 0 and (best is None or saving > best[0]):
            best = cand
    # a shared rational coefficient on some of the terms: 1/2 S + 1/2 S' - X^-1
    groups: dict = {}
    for i, t in enumerate(ts):
        if not t.unit:
            groups.setdefault(t.abscoeff, []).append(i)
    for c, members in groups.items():
        if len(members) >= 2 and len(members) < len(ts):
            saving = (len(members) - 1) * _coeff_cost(c)
            if best is None or saving > best[0]:
                best = (saving, "coeff", c, members)
    if best is None or best[0] <= 0:
        return _content(terms, ts)
    saving, kind, payload, members = best
    mset = set(members)
    rest = [terms[i] for i in range(len(terms)) if i not in mset]
    if kind == "coeff":
        c = payload
        inner = factor_sum([B.scale(1 / c, terms[i]) for i in members], memo)
        group = B.mul(B.num(c), inner)
    elif kind == "hadamard":
        b, ex, alt = payload
        group = _hadamard_out(ts, members, b, ex, hsign, memo)
        if alt is not None:
            other = _hadamard_out(ts, members, b, alt, hsign, memo)
            if text_size(other) < text_size(group):
                group = other
    elif kind == "scalar":
        b, ex, alt = payload
        group = _factor_out(ts, members, b, ex, memo)
        if alt is not None:
            other = _factor_out(ts, members, b, alt, memo)
            if text_size(other) < text_size(group):
                group = other
    else:
        f = payload
        rems = []
        alone = all(not _chain_end(ts[i].chain_view(), kind)[1] for i in members)
        for i in members:
            rem = _chain_end(ts[i].chain_view(), kind)[1]
            if not rem and not alone:  # f alone: the rest is I, or the scalar 1 beside a vector
                n = f.shape[1] if kind == "left" else f.shape[0]
                rem = (B.identity(n),) if n != 1 else ()
            rems.append(B.scale(signs[kind, i], ts[i].build(chain=rem)))
        inner = factor_sum(rems, memo)
        group = B.mul(f, inner) if kind == "left" else B.mul(inner, f)
        if isinstance(group, Mul):  # -(W + W') P H', not (-W - W') P H' (the sign normal form)
            group = _sign_normal(group)
    if not rest:
        return group
    restf = factor_sum(rest, memo)
    out = B.add(group, restf)
    # the factored groups may share a factor in turn: x (x - m)' + m (m - x)' = (x - m) (x - m)';
    # there are fewer terms at each round, so this ends
    grouped = [group] + list(restf.args if isinstance(restf, Add) else (restf,))
    if 2 <= len(grouped) < len(terms):
        again = factor_sum(grouped, memo)
        if text_size(again) < text_size(out):
            return again
    return out


def _hadamard_out(ts, members, b: Expr, ex, hsign: dict, memo: dict) -> Expr:
    """b.^ex .* (the members with b.^ex divided out), the rest factored in turn.

    Every other factor that all the members hold as it is (same base, positive whole power) comes
    out with b at once, at its smallest power: factoring it out one step at a time rebuilt every
    member's remainder once per factor, cubic in the depth of an elementwise chain's Hessian
    (k terms of about k factors each), for the same product."""
    shared = {}
    if ex > 0:
        first = ts[members[0]].hmono
        for c, e in first.items():
            if (isinstance(c, (Ones, Identity)) or e <= 0 or e.denominator != 1 or c is b
                    or _signed_base(c)[0] is b or any(hsign[i, b][0] is c for i in members)):
                continue  # (b itself, under either sign, comes out at ex alone)
            lows = [ts[i].hmono.get(c) for i in members]
            if all(x is not None and x > 0 and x.denominator == 1 for x in lows):
                shared[c] = min(lows)
        # as in one step at a time, no member is left with no elementwise factor (a ones(n))
        for i in members:
            ob = hsign[i, b][0]
            if all(e == (ex if c is ob else shared.get(c)) for c, e in ts[i].hmono.items()):
                shared = {}
                break
    rems = []
    for i in members:
        t = ts[i]
        ob, sg = hsign[i, b]
        pulled = dict(shared)
        pulled[ob] = ex
        fs = [B.power(c, B.num(e - pulled.get(c, 0))) for c, e in t.hmono.items() if e - pulled.get(c, 0) != 0]
        rem = t.build(chain=(B.hadamard(*fs) if fs else B.ones(b.shape),))
        rems.append(B.scale(-1, rem) if sg < 0 and ex.numerator % 2 else rem)
    inner = factor_sum(rems, memo)
    if ex.denominator == 1 and (ex < 0 or ex.numerator % 2 == 0) and _misoriented(b):
        # (x.^2 + 1).^-2, not (-x.^2 - 1).^-2; an odd power gives its sign to the rest
        b = _negated(b)
        if ex.numerator % 2:
            inner = _negated(inner) if isinstance(inner, Add) else B.scale(-1, inner)
    group = B.hadamard(B.power(b, B.num(ex)) if ex != 1 else b,
                       *[B.power(c, B.num(e)) if e != 1 else c for c, e in shared.items()], inner)
    if isinstance(group, Hadamard):
        group = _oriented_factors(group)
    return group


def _chain_end(chain: tuple, side: str) -> tuple:
    """(the factor at the `side` end of a matrix chain, the rest): a term that is a positive power
    alone gives one factor of its base (G^2 = G G), so that G A' A G + G^2 = G (A' A G + G). A
    power inside a longer chain is left whole: peeling it there nests sums of powers Horner-like,
    ((V X + X V) X + X^2 V) X + ..., where the textbook writes the flat sum V X^3 + X V X^2 + ..."""
    f = chain[0] if side == "left" else chain[-1]
    if isinstance(f, MatPow) and f.k > 1 and len(chain) == 1:
        rest = B.matpow(f.base, f.k - 1)
        return f.base, ((rest,) + tuple(chain[1:]) if side == "left" else tuple(chain[:-1]) + (rest,))
    return f, (tuple(chain[1:]) if side == "left" else tuple(chain[:-1]))


def _shared_run(ts, members, side: str) -> int:
    """How many factors the member terms share from that end of their chains: of two factors that
    save as much, the one that starts the longer shared run is taken (z w' A S C and A S C A' z w'
    A S C share A S C on the right, which three steps then pull out, where the left A they share
    with another term would stop at one)."""
    chains = [ts[i].chain_view() for i in members]
    run = 0
    for k in range(min(len(c) for c in chains)):
        picked = {c[k] if side == "left" else c[len(c) - 1 - k] for c in chains}
        if len(picked) != 1:
            break
        run += 1
    return run


def _factor_out(ts, members, b: Expr, ex, memo: dict) -> Expr:
    """b^ex times the sum of the member terms with b^ex divided out."""
    inner = factor_sum([ts[i].build(drop_base=b, drop_exp=ex) for i in members], memo)
    group = B.mul(B.power(b, ex if isinstance(ex, Expr) else B.num(ex)) if ex != 1 else b, inner)
    # -(1 + b s) u / s, not (-1 - b s) u / s: the sign normal form, as for a shared matrix factor
    return _sign_normal(group) if isinstance(group, Mul) else group


def _coeff_cost(c: Fraction) -> int:
    c = abs(c)
    return 0 if c == 1 else (1 if c.denominator == 1 else 3)


def _content(terms, ts) -> Expr:
    """Pull a common rational coefficient out of a sum when that is no larger."""
    if all(t.unit for t in ts):  # every coefficient 1 or -1: there is nothing to pull out
        return B.add(*terms)
    coeffs = [t.coeff for t in ts]
    num = 0
    den = 1
    for c in coeffs:
        num = gcd(num, c.numerator)
        den = den * c.denominator // gcd(den, c.denominator)
    g = Fraction(num, den)
    if all(c < 0 for c in coeffs):
        g = -g
    if g == 1 or g == 0:
        return B.add(*terms)

    def cost(c, bare=False):
        c = abs(c)
        if bare:  # a term that is a number is written even when it is 1
            return 1 if c.denominator == 1 else 3
        return 0 if c == 1 else (1 if c.denominator == 1 else 3)
    before = sum(cost(c) for c in coeffs)
    after = cost(g) + sum(cost(c / g) for c in coeffs)
    bare = [not t.mono and (not t.chain or (len(t.chain) == 1 and isinstance(t.chain[0], Ones))) for t in ts]
    if any(bare) and cost(g) + sum(cost(c / g, b) for c, b in zip(coeffs, bare)) > sum(cost(c, b) for c, b in zip(coeffs, bare)):
        return B.add(*terms)  # longer once its number term is counted: diag(1200 x.^2 + 2), not 2 diag(600 x.^2 + 1)
    if after > before or (after == before and g < 0):
        return B.add(*terms)
    return B.mul(B.num(g), B.add(*[B.scale(1 / g, t) for t in terms]))
