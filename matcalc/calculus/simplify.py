"""The simplifier: from a correct answer to a textbook-sized one.

The constructors (build.py) already keep every expression in canonical form. Here the
costlier rewrites run, and the smallest result wins:

* `expand` distributes products over sums (within a budget), so that like terms meet
  and cancel: y(1 - s) - (1 - y)s becomes y - s;
* `factor` pulls shared factors out of sums: a common scalar (2 exp(-x'x) (I - 2 x x')),
  a shared left or right matrix factor ((A + A') x, A' (diag(p) - p p') A), also when the
  factors agree up to sign (u (x - m)' + w (m - x)' = (u - w) (x - m)'), a shared
  elementwise factor (also up to sign), or a common rational coefficient (1/2 (A + A'));
  the factored groups are factored once more (x x' - x m' - m x' + m m' = (x - m) (x - m)');
* `rewrite` applies textbook identities: exp(u) / (1 + exp(u)) = sigmoid(u),
  c - c sigmoid(-u) = c sigmoid(u) and exp(u) / sum(exp(u)) = softmax(u); scalar reductions
  y' ones = sum(y), (y ./ s)' s = sum(y) and exp(u)' (1 + exp(u)).^-1 = sum(sigmoid(u))
  (a'b = sum(a .* b), taken only when the elementwise product merges);
  the sign normal form: a sum factor whose terms are all negative gives its sign to the
  product, -1/2 (-A - A') x = 1/2 (A + A') x; two denominators multiplied out where shorter,
  x / ((1 + q / nu) nu) = x / (nu + q); a quadratic with rational roots factored,
  3 s.^2 - 5 s + 2 = (3 s - 2) .* (s - 1); and sign(u) u = abs(u), sign(u) abs(u) = u,
  sign(u) relu(u) = relu(u).

The candidates: e rewritten and factored; where e has negative elementwise powers, factored with
those too; and e rewritten and expanded (never under a root), then rewritten and factored (unless expansion makes a sum of more than
EXPANDED_SUM_LIMIT terms, or more than EXPANSION_WIDENING times as wide as the widest sum of e).

`simplify(e)` returns the smallest (by tokens of its text form, `size.py`) of e and its rewritten forms;
every candidate is equal to e, so the choice is safe.
"""
from __future__ import annotations

from fractions import Fraction
from math import gcd, isqrt

from ..core import build as B
from ..core.functions import one_plus
from ..core.layout import self_inner
from .size import size
from ..core.nodes import (FRACTION_ONE, SCALAR, Add, Diag, Expr, Func, Hadamard, Identity, Inverse, MatPow, Mul, Num, Ones, Pow,
                          LogSumExp, Softmax, Sum, Trace, Transpose, Var)

#: the most terms one product may expand into. Cancellations that expansion finds (y (1 - s) -
#: (1 - y) s = y - s) come from few terms; a larger budget only makes a deep product (a k-layer
#: network's backpropagated term) expand further before giving up, which never won and made the
#: per-layer cost grow with k. 16 and 64 give the same answer on every seed case, every
#: compactness-corpus entry and 1,200 random derivations (tools/snapshot_outputs.py).
EXPAND_BUDGET = 16

#: the most terms of a sum that expansion may make (wider than any sum before it) for the expanded
#: candidate still to be factored and weighed. Greedy factoring rescans a sum's terms at each step
#: (the square of the terms), and the cancellations expansion is for come from few terms: on every
#: seed case, compactness-corpus entry and random derivation of tools/snapshot_outputs.py no answer
#: changes from 64 up; what it stops is the Hessian of x' A^k x re-expanding its nested
#: differentials into sums of 16k terms (k = 32: 2.1 s -> 0.3 s, the same answer; k = 64: 11%
#: longer, 4 s -> 1.2 s).
EXPANDED_SUM_LIMIT = 128

#: below EXPANDED_SUM_LIMIT, the most an expansion may widen: at most this many times the widest sum
#: of the expression (or EXPANDED_SUM_FLOOR terms, for narrow ones). An expansion that widens more
#: re-expands nested differentials rather than meeting like terms: the x' A^8 x Hessian's sums of 14
#: terms became sums of 56, whose factored forms were all longer (the k = 8 Hessian took 47 ms, against
#: 13 at k = 4 and 63 at k = 16; now 25). With 2 and 12 in place of 3 and 24 still no answer of
#: tools/snapshot_outputs.py changes; with no widening at all 15 of its 1,634 derivations do.
EXPANSION_WIDENING = 3
#: the widest sum in which a shared power with symbolic exponents a number apart (||x||^(p - 4) and
#: ||x||^(p - 2)) is pulled out both ways, the lower and the higher power, and the shorter kept
SYMBOLIC_BOTH_WAYS = 4
EXPANDED_SUM_FLOOR = 24

def text_size(e: Expr) -> int:
    """Printed size in tokens (brackets and commas not counted), the measure of compactness."""
    return size(e)


def simplify(e: Expr) -> Expr:
    """The smallest of e and its candidates, kept on e and marked as its own answer.

    One derivation simplifies the same node more than once (a Hessian simplifies G's parts, then
    forms built from them) and simplifies answers again; both are answered from the node's cache."""
    done = e._c.get("s.simplify")
    if done is not None:
        return done
    if not e.children:  # a leaf (x, A, I, 2) is its own simplest form: no candidate differs from it
        return e
    best = _simplest(e)
    if best is not e and isinstance(best, Add):
        # the winner factored once more: greedy factoring of the candidates can leave a factor that
        # the chosen form's terms share (s v - s (p.^2 .* v) is s ((1 - p.^2) .* v), the gradient of a
        # tanh layer under cross-entropy); only factoring, never expanding again
        again = factor(best)
        if again is not best and _reading_size(again) < _reading_size(best):
            best = again
    e._c["s.simplify"] = best
    best._c.setdefault("s.simplify", best)
    return best


def _simplest(e: Expr) -> Expr:
    best = e
    best_size = _reading_size(e)
    for form in _candidates(e):
        absorbed = absorb_signs(form)
        if absorbed is not form and _split_signs(absorbed) > _split_signs(form):
            absorbed = form  # a sign taken by one copy of a difference another term holds
        for cand in (form, absorbed):
            if cand is best:
                continue
            # the order (size, minus signs, misoriented sums, nodes), each taken only when the ones before tie
            s = _reading_size(cand)
            if s < best_size or (s == best_size and _fewer_minuses_or_nodes(cand, best)):
                best, best_size = cand, s
    if _split_signs(best):
        cand = _unsplit(best)
        if cand is not best:
            s = _reading_size(cand)
            if s < best_size or (s == best_size and _fewer_minuses_or_nodes(cand, best)):
                best = cand
    return best


def _unsplit(e: Expr) -> Expr:
    """e with each difference that it writes both ways written one way, the other copy as its
    negation: (x - m) (m - x)' is -(x - m) (x - m)'. The way kept is the one that reads better
    (_orientation_key), and so is its transpose."""
    return unsplit_jointly([e])[0]


def unsplit_jointly(es: list) -> list:
    """_unsplit over several expressions printed together (the blocks of one Hessian): a difference
    one writes x - mu and another mu - x is written one way in all, so that the parts they share are
    one node and are named once."""
    order = list(dict.fromkeys(a for e in es for a in e.walk() if isinstance(a, Add)))
    sums = set(order)
    swap: dict = {}
    decided: set = set()
    for a in order:
        if a in decided:
            continue
        neg = _negated(a)
        forms = (a, neg, B.transpose(a), B.transpose(neg))
        decided.update(forms)
        if not (any(f in sums for f in forms[:3:2]) and any(f in sums for f in forms[1::2])):
            continue  # not written both ways
        keep, drop = (neg, a) if _misoriented(a) else (a, neg)
        for d, k in ((drop, keep), (B.transpose(drop), B.transpose(keep))):
            if d in sums:
                swap[d] = B.scale(-1, k)
    if not swap:
        return list(es)
    return [B.transform(e, lambda n: swap.get(n, n)) for e in es]


def oriented_jointly(es: list) -> list:
    """The expressions printed together (the blocks of one Hessian) with each difference written one
    way in all of them (unsplit_jointly), block by block where that is no longer and flattens no
    sum: -(x - z) as a term of a sum would join it as z - x, a sum of three terms for c p - p; a
    minus sign is then given to a sum factor where that costs nothing and turns no sum the other
    way ((t - 2 a) p' for -(2 a - t) p')."""
    turned = unsplit_jointly(es)
    if all(a is b for a, b in zip(turned, es)):
        return list(es)
    out = []
    for e, t in zip(es, turned):
        if t is not e and _widest_sum(t) > _widest_sum(e):
            t = simplify(t)  # (a sum flattened into its parent: simplified again, it is factored back)
        absorbed = absorb_signs(t)
        if absorbed is not t and text_size(absorbed) <= text_size(t):
            t = absorbed
        out.append(e if t is e or text_size(t) > text_size(e) or _widest_sum(t) > _widest_sum(e) else t)
    return out


def absorb_signs(e: Expr) -> Expr:
    """e with each product's minus sign given to a sum factor where that costs nothing (_sign_absorbed)."""
    return _cached_transform(e, lambda n: _sign_absorbed(n) if isinstance(n, Mul) else n, "s.absorb")


def _reading_size(e: Expr) -> int:
    """The size a candidate is judged by: its tokens, and one more for each difference written
    both ways (`(x - m) (m - x)'` reads no shorter than `-(x - m) (x - m)'`, which shows the sign)."""
    return text_size(e) + _split_signs(e)


def _fewer_minuses_or_nodes(a: Expr, b: Expr) -> bool:
    """(split signs, minuses, misoriented sums, nodes) of a below those of b: the tie-break of two
    forms of one size."""
    sa, sb = _split_signs(a), _split_signs(b)
    if sa != sb:
        return sa < sb
    ma, mb = _minuses(a), _minuses(b)
    if ma != mb:
        return ma < mb
    oa, ob = _misoriented_count(a), _misoriented_count(b)
    if oa != ob:
        return oa < ob
    return _nodes(a) < _nodes(b)


def _orientation_key(s: Add) -> tuple:
    """How a sum reads with its signs as they are: fewer negative terms, then no negative number
    (1 - p.^2, not p.^2 - 1), then the lighter negative terms (W p - y, A x - b, the data
    subtracted from the model: not y - W p)."""
    neg = [B.split_coeff(t)[1] for t in s.args if B.split_coeff(t)[0] < 0]
    return len(neg), sum(1 for t in neg if isinstance(t, (Num, Ones))), sum(size(t) for t in neg)


def _misoriented(e: Expr) -> bool:
    """Does the sum e read better negated (one of a pair of equal-size forms)?"""
    if not isinstance(e, Add):
        return False
    m = e._c.get("misoriented")
    if m is None:
        m = e._c["misoriented"] = _orientation_key(e) > _orientation_key(_negated(e))
    return m


def _negated(s: Add) -> Expr:
    return B.add(*[B.scale(-1, t) for t in s.args])


def _misoriented_count(e: Expr) -> int:
    """Sums in e that read better negated: between forms of one size and one number of minus
    signs, the one with fewer wins ((1 - p.^2) .* (W' (W p - y)), not (p.^2 - 1) .* (W' (y - W p)))."""
    n = e._c.get("misoriented_count")
    if n is None:
        n = e._c["misoriented_count"] = sum(1 for a in e.walk() if _misoriented(a))
    return n


def _split_signs(e: Expr) -> int:
    """Sums written in e together with their negation (or its transpose): `(x - mu) (mu - x)'`
    splits one sign between two copies of a difference, where the textbook writes the difference
    once and keeps the sign outside (`I - (x - mu) (x - mu)' S^-1`, not `(x - mu) (mu - x)' S^-1
    + I`), even at the price of one more minus sign."""
    n = e._c.get("split_signs")
    if n is None and _features(e)[3] < 2:  # fewer than two sums: no pair (and no walk)
        n = e._c["split_signs"] = 0
    if n is None:
        sums = {a for a in e.walk() if isinstance(a, Add)}
        # a negation (or its transpose) has as many terms, the same variables and the same shape up
        # to order: only sums that share all three with another are negated (building negations is
        # the cost, and most candidates have no such pair)
        counts: dict = {}
        for a in sums:
            k = a._c.get("s.pairing")
            if k is None:
                k = a._c["s.pairing"] = (len(a.args), a.free, frozenset((str(a.shape[0]), str(a.shape[1]))))
            counts[k] = counts.get(k, 0) + 1
        n = e._c["split_signs"] = sum(1 for a in sums if counts[a._c["s.pairing"]] > 1
                                      and any(m in sums for m in _negations(a)))
    return n


def _negations(a: Add) -> tuple:
    """-a and -a', as nodes (kept on a)."""
    negs = a._c.get("negations")
    if negs is None:
        neg = _negated(a)
        negs = a._c["negations"] = (neg, B.transpose(neg)) if a.shape[0] != 1 or a.shape[1] != 1 else (neg,)
    return negs


def _minuses(e: Expr) -> int:
    """Negative terms of the sums in e: between two forms of one size, the one with fewer minus
    signs reads better, and a term with one sign everywhere is shared by every answer it is in
    ((1 - p.^2) .* (W2' (W2 p - y)), not (p.^2 - 1) .* (W2' (y - W2 p)))."""
    n = e._c.get("minuses")
    if n is None:
        n = e._c["minuses"] = sum(1 for a in e.walk() if isinstance(a, Add)
                                  for t in a.args if B.split_coeff(t)[0] < 0)
    return n


def _candidates(e: Expr):
    has_exp = _has_exp(e)
    rw = rewrite
    r = rw(e)
    if r is not e:
        yield r
    f = factor(r)
    yield f
    if has_exp or _features(f)[5]:  # (factoring may show an exact quotient: (s (s - 1) + t (1 - t)) / (s - t))
        yield rw(f)
    negative = _has_negative_power(e)
    if negative:
        fn = factor(r, negative=True)
        yield fn
        if _features(fn)[5]:  # (a sum over a sum: an exact quotient, the ordinal score entry by entry)
            yield rw(fn)
    widest = _widest_sum(e)
    limit = max(min(EXPANDED_SUM_LIMIT, max(EXPANDED_SUM_FLOOR, EXPANSION_WIDENING * widest)), widest)
    try:
        x = expand(r, limit=limit)
    except TooWide:  # (given up as soon as one sum is too wide: the rest is not expanded for nothing)
        x = e
    if x is not e and _widest_sum(x) <= limit:
        xr = rw(x)
        yield xr
        xf = factor(xr)
        yield xf
        if has_exp or _has_power_sum(xf) or _features(xf)[5]:
            yield rw(xf)
        if negative:
            xn = factor(xr, negative=True)
            yield xn
            if _features(xn)[5]:
                yield rw(xn)
    if _features(e)[4]:  # log(softmax(u)) = u - logsumexp(u): differences of log-probabilities cancel
        try:
            o = expand(_log_softmax_opened(r), limit=limit)
        except TooWide:
            return
        if _widest_sum(o) <= limit:
            # only where the normalizers cancel: a logsumexp left behind reads worse than log(p)
            lse = _normalizers(e)
            o = rw(o)
            yield from (c for c in (o, factor(o)) if _normalizers(c) <= lse)


def _normalizers(e: Expr) -> int:
    """How many logsumexp(...) nodes e holds."""
    return sum(1 for n in e.walk() if isinstance(n, LogSumExp))


def _log_softmax_opened(e: Expr) -> Expr:
    """e with each log(softmax(Z)) written Z - ones(m) logsumexp(Z) (a column's log-probabilities)."""
    def fn(n: Expr) -> Expr:
        s = _log_softmax_of(n)
        if s is None:
            return n
        z = s.arg
        opened = B.add(z, B.scale(-1, B.mul(B.ones((z.shape[0], 1)), B.logsumexp(z))))
        return opened if s is n.arg else B.transpose(opened)
    return B.transform(e, fn)


def _log_softmax_of(n: Expr):
    """The softmax(Z) of n = log(softmax(Z)) or of its row log(softmax(Z)'), else None."""
    if not (isinstance(n, Func) and n.name == "log"):
        return None
    a = n.arg.arg if isinstance(n.arg, Transpose) else n.arg
    return a if isinstance(a, Softmax) else None


def _features(e: Expr) -> tuple:
    """What the candidates and measures ask of a node, in one pass kept on every node from its
    children's answers (asking again about a DAG that grew by a few nodes costs those nodes only):

    0. the most terms of any sum in it;
    1. an elementwise power with a negative number exponent (x ./ y.^2) in it?
    2. an exp(...) in it?
    3. how many sums it holds, counted on the tree, capped at 2 (split signs need two);
    4. a log(softmax(...)) in it?
    5. a sum divided by (a reciprocal of a sum: an exact quotient may be left once it is factored)?
    """
    for n in e.walk_missing("s.features"):
        ch = [c._c["s.features"] for c in n.children]
        is_add = isinstance(n, Add)
        n._c["s.features"] = (
            max([len(n.args) if is_add else 0] + [c[0] for c in ch]),
            (isinstance(n, Pow) and n.shape != SCALAR and isinstance(n.exp, Num) and n.exp.value < 0)
            or any(c[1] for c in ch),
            (isinstance(n, Func) and n.name == "exp") or any(c[2] for c in ch),
            min(2, is_add + sum(c[3] for c in ch)),
            _log_softmax_of(n) is not None or any(c[4] for c in ch),
            (isinstance(n, Pow) and isinstance(n.base, Add) and isinstance(n.exp, Num) and n.exp.value == -1)
            or any(c[5] for c in ch))
    return e._c["s.features"]


def _widest_sum(e: Expr) -> int:
    """The most terms of any sum in e."""
    return _features(e)[0]


def _has_negative_power(e: Expr) -> bool:
    """Is there an elementwise power with a negative number exponent (x ./ y.^2) in e?"""
    return _features(e)[1]


def _has_exp(e: Expr) -> bool:
    """Is there an exp(...) anywhere in e?"""
    return _features(e)[2]


def _nodes(e: Expr) -> int:
    n = e._c.get("nodes")
    if n is None:
        n = e._c["nodes"] = sum(1 for _ in e.walk())
    return n


# ---------------------------------------------------------------- expansion
class TooWide(Exception):
    """expand(e, limit=...) made a sum of more terms than the limit."""


def expand(e: Expr, budget: int = EXPAND_BUDGET, limit: int | None = None) -> Expr:
    """Distribute products over sums, unless that would make more than `budget` terms; with
    `limit`, raise TooWide as soon as a sum of more than `limit` terms is made."""
    def fn(n: Expr) -> Expr:
        if isinstance(n, (Mul, Hadamard)):
            factors = list(n.args)
            if not any(isinstance(f, Add) for f in factors):
                return n
            combos = [[]]
            for f in factors:
                opts = f.args if isinstance(f, Add) else (f,)
                if len(combos) * len(opts) > budget:
                    return n
                combos = [c + [o] for c in combos for o in opts]
            make = B.mul if isinstance(n, Mul) else B.hadamard
            return B.add(*[make(*c) for c in combos])
        return n
    if budget == EXPAND_BUDGET:  # the simplifier's own budget: results kept per node (_cached_transform)
        return _cached_transform(e, fn, "s.expand", keep=_kept_by_expand, limit=limit)
    return _transform_outside_functions(e, fn)


def _kept_by_expand(node: Expr) -> bool:
    """Functions and powers that are not whole numbers are left as they are: expanding under a
    root cancels numerically (||a - b|| as sqrt((a - 2 b)' a + b' b) lost all its digits where a
    is near b, and went negative under the root)."""
    return isinstance(node, Func) or (isinstance(node, Pow) and not (
        isinstance(node.exp, Num) and node.exp.value.denominator == 1))


def _transform_outside_functions(e: Expr, fn) -> Expr:
    """Like B.transform, but leaves the arguments of elementwise functions and powers alone."""
    memo: dict = {}
    for node in e.walk():
        if isinstance(node, (Func,)) or (isinstance(node, Pow) and not isinstance(node.exp, Num)):
            memo[node] = node
            continue
        ch = node.children
        if ch:
            new_ch = [memo.get(c, c) for c in ch]
            new = node if all(a is b for a, b in zip(new_ch, ch)) else B.with_children(node, new_ch)
        else:
            new = node
        memo[node] = fn(new)
    return memo[e]


# ---------------------------------------------------------------- factoring
class _Term:
    """A term of a sum as coefficient * scalar monomial * matrix chain."""

    __slots__ = ("coeff", "abscoeff", "unit", "mono", "chain", "view", "hmono")

    def __init__(self, t: Expr):
        c, rest = B.split_coeff(t)
        self.coeff = c
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


def _cached_transform(e: Expr, fn, cache_key: str, keep=None, limit: int | None = None) -> Expr:
    """B.transform(e, fn), with each node's result kept in the node's cache under `cache_key`.

    factor, expand and rewrite are functions of the node alone (the same node always gives the
    same result), and one derivation simplifies many expressions that share subexpressions (df,
    then G, which reuses df's parts; a Hessian simplifies G's differential, its Kronecker form and
    its bilinear form). Keeping each node's result on the node (as size and transpose are kept)
    makes the simplifier's work proportional to the nodes it has not seen before: a node already
    done is neither entered nor rebuilt. `keep(node)` true leaves a node and its arguments as
    they are (expand does not enter elementwise functions).
    """
    for node in e.walk_missing(cache_key):
        if keep is not None and keep(node):
            node._c[cache_key] = node
            continue
        ch = node.children
        if ch:
            new_ch = tuple([c._c[cache_key] for c in ch])
            # (nodes compare by identity: == of the tuples is "every child is the same object")
            new = node if new_ch == ch else B.with_children(node, list(new_ch))
        else:
            new = node
        out = fn(new)
        if limit is not None and isinstance(out, Add) and len(out.args) > limit:
            raise TooWide  # (this node keeps no result: under a larger limit it may be wanted)
        node._c[cache_key] = out
    return e._c[cache_key]


def factor_sum(terms, memo: dict | None = None) -> Expr:
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
        done = memo[key] = _factor_sum(terms, memo)
    return done


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


def _signed_base(f: Expr) -> tuple:
    """(g, sign) with f = sign g for an elementwise base: a sum (x - m, m - x), or a product whose
    one sum factor carries the sign (W' (p - y), W' (y - p)); g is the one with the smaller key.
    Kept on the node: factoring asks about the same terms at every step."""
    done = f._c.get("signed_base")
    if done is None:
        done = f._c["signed_base"] = _signed_base_of(f)
    return done


def _signed_base_of(f: Expr) -> tuple:
    if isinstance(f, Mul):
        c, scal, chain = f.split()
        adds = [j for j, g in enumerate(chain) if isinstance(g, Add)]
        if c != 1 or scal or len(adds) != 1:
            return f, 1
        j = adds[0]
        neg = B.mul(*chain[:j], _sign_canonical(chain[j])[0], *chain[j + 1:])
        if neg is f or not isinstance(neg, Mul):
            return f, 1
        g = B.mul(*chain[:j], B.add(*[B.scale(-1, t) for t in chain[j].args]), *chain[j + 1:])
        return (f, 1) if f.key <= g.key else (g, -1)
    return _sign_canonical(f)


def _sign_canonical(f: Expr) -> tuple:
    """(g, sign) with f = sign g, where g is the one of f and -f (a sum, its terms negated)
    with the smaller key: x - m and m - x meet as one factor."""
    if not isinstance(f, Add):
        return f, 1
    done = f._c.get("sign_canonical")  # cached on the node: factoring asks again and again
    if done is None:
        g = B.add(*[B.scale(-1, t) for t in f.args])
        done = f._c["sign_canonical"] = (f, 1) if f.key <= g.key else (g, -1)
    return done


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


# ---------------------------------------------------------------- identities
def rewrite(e: Expr) -> Expr:
    return _cached_transform(e, _rewrite_node, "s.rewrite")


def _is_exp_of(f: Expr):
    if isinstance(f, Func) and f.name == "exp":
        return f.arg
    return None


def _one_plus_exp(b: Expr):
    """u when b = 1 + exp(u) (also broadcast: ones + exp(u)); the registry's matcher, which the
    stable form log(1 + exp(u)) = softplus(u) uses too."""
    return one_plus(b, "exp", B)


def _softmax_of_columns(n: Hadamard) -> Expr:
    """exp(U) .* (ones(m) (ones(m)' exp(U)).^-1) is softmax(U), each column (the gradient of
    sum(log(sum(exp(U), 1)))), and exp(U) .* ((exp(U) ones(n)).^-1 ones(n)') is softmax(U')', each
    row; n itself where neither is there."""
    exps = {f: _is_exp_of(f) for f in n.args if _is_exp_of(f) is not None and f.shape[0] != 1 and f.shape[1] != 1}
    for f in n.args:
        if not (isinstance(f, Mul) and len(f.args) == 2):
            continue
        a, b = f.args
        if isinstance(a, Ones) and isinstance(b, Pow) and isinstance(b.exp, Num) and b.exp.value == -1:
            ones_side, inv, row = a, b.base, True  # ones(m) r.^-1, r = ones(m)' exp(U)
        elif isinstance(b, Ones) and isinstance(a, Pow) and isinstance(a.exp, Num) and a.exp.value == -1:
            ones_side, inv, row = b, a.base, False  # c.^-1 ones(n)', c = exp(U) ones(n)
        else:
            continue
        if not (isinstance(inv, Mul) and len(inv.args) == 2):
            continue
        e = inv.args[1] if row else inv.args[0]
        o = inv.args[0] if row else inv.args[1]
        if e not in exps or not isinstance(o, Ones) or (row and ones_side.shape[1] != 1) or (not row and ones_side.shape[0] != 1):
            continue
        u = exps[e]
        soft = B.softmax(u) if row else B.transpose(B.softmax(B.transpose(u)))
        rest = [g for g in n.args if g is not f and g is not e]
        return B.hadamard(soft, *rest) if rest else soft
    return n


def _has_power_sum(e: Expr) -> bool:
    """Does e have a sum with a squared term (a candidate for `_factor_quadratic`)?"""
    return any(isinstance(n, Add) and len(n.args) == 3 and any(isinstance(B.split_coeff(t)[1], Pow) for t in n.args)
               for n in e.walk())


def _rewrite_node(n: Expr) -> Expr:
    if isinstance(n, Add):
        n = _sigmoid_complement(n) or n
        if not isinstance(n, Add):
            return n
        n = _over_one_denominator(n) or n
        if not isinstance(n, Add):
            return n
        return _factor_quadratic(n) or n
    if isinstance(n, Pow) and isinstance(n.base, Add) and isinstance(n.exp, Num) and n.exp.value < 0:
        # 1 / (1 + exp(-v)) = sigmoid(v)
        v = _sigmoid_of_reciprocal(n.base)
        if v is not None:
            return B.power(B.func("sigmoid", v), B.num(-n.exp.value))
    if isinstance(n, (Mul, Hadamard)):
        r = _tanh_of_ratio(n)
        if r is not None:
            return _rewrite_node(r) if isinstance(r, (Mul, Hadamard)) else r
        r = _sign_products(n)
        if r is not None:
            return _rewrite_node(r) if isinstance(r, (Mul, Hadamard)) else r
    if isinstance(n, Mul):
        r = _reduce_inner(n) or _quotient(n)
        if r is not None:
            return r
        n = _sign_normal(n)
        if not isinstance(n, Mul):
            return n
        n = _merge_denominators(n)
        if not isinstance(n, Mul):
            return n
        return _rewrite_mul(n)
    if isinstance(n, Hadamard):
        n = _softmax_of_columns(n)
        if not isinstance(n, Hadamard):
            return n
        r = _scaled_rows_or_columns(n) or _diagonal_of_scaled_product(n) or _quotient(n)
        if r is not None:
            return r
        n = _rewrite_sigmoid_factors(list(n.args), B.hadamard) or n
        return _oriented_factors(n) if isinstance(n, Hadamard) else n
    return n


def _scalar_factors(n: Expr) -> tuple:
    """The factors of a product of scalars (a Mul's scalar monomial) or of an elementwise product,
    and the function that rebuilds the product from new factors (coefficient and chain kept)."""
    if isinstance(n, Mul):
        c, factors, chain = n.split()
        return factors, lambda *fs: B.mul(B.num(c), *fs, *chain)
    return n.args, B.hadamard


def _tanh_of_ratio(n: Expr):
    """sinh(u)^k / cosh(u)^k = tanh(u)^k, in a product of scalars or an elementwise product (the
    derivatives of log(cosh(u)), the log-cosh loss). None where there is no such pair."""
    factors, make = _scalar_factors(n)

    def hyperbolic(f, name):  # (u, k) for name(u)^k
        k = 1
        if isinstance(f, Pow) and isinstance(f.exp, Num):
            f, k = f.base, f.exp.value
        return (f.arg, k) if isinstance(f, Func) and f.name == name else None
    sinh = {}
    for i, f in enumerate(factors):
        h = hyperbolic(f, "sinh")
        if h is not None and h[1] > 0:
            sinh[h] = i
    if not sinh:
        return None
    for j, f in enumerate(factors):
        h = hyperbolic(f, "cosh")
        if h is not None and (h[0], -h[1]) in sinh:
            i = sinh[h[0], -h[1]]
            rest = [g for m, g in enumerate(factors) if m not in (i, j)]
            return make(*rest, B.power(B.func("tanh", h[0]), B.num(-h[1])))
    return None


def _sign_products(n: Expr):
    """sign(u) u = abs(u) and sign(u) abs(u) = u, in a product of scalars or an elementwise
    product (both hold at u = 0 too), and with u^-1 and abs(u)^-1 (sign(u) / abs(u) = 1 / u where
    either is defined): the derivative of |det X| brings sign(det X) beside det X,
    and log|det X| then has the gradient X^-T, not sign(det(X)) det(X) X^-T / abs(det(X)).
    None where there is no such pair."""
    factors, make = _scalar_factors(n)
    signs = [i for i, f in enumerate(factors) if isinstance(f, Func) and f.name == "sign"]
    if not signs:
        return None
    out = list(factors)
    changed = False
    for i in signs:
        u = out[i].arg if out[i] is not None else None
        if u is None:
            continue
        for j, f in enumerate(out):
            if j == i or f is None:
                continue
            base, k = (f.base, f.exp.value) if isinstance(f, Pow) and isinstance(f.exp, Num) else (f, 1)
            if isinstance(base, Func) and base.name == "relu" and base.arg is u:
                # sign(u) relu(u)^k = relu(u)^k: relu(u)^k is 0 where sign(u) is not 1 (k > 0), or defined
                # only where u > 0 (k < 0); so relu(u) .* relu'(u) = relu(u) (sign(u) + 1) / 2 = relu(u)
                out[i], changed = None, True
                break
            if k not in (1, -1):
                continue
            if base is u:  # sign(u) u^k = abs(u)^k
                out[i], out[j], changed = B.power(B.func("abs", u), B.num(k)) if k != 1 else B.func("abs", u), \
                    None, True
                break
            if isinstance(base, Func) and base.name == "abs" and base.arg is u:  # sign(u) abs(u)^k = u^k
                out[i], out[j], changed = B.power(u, B.num(k)) if k != 1 else u, None, True
                break
    return make(*[f for f in out if f is not None]) if changed else None


def _scaled_rows_or_columns(n: Hadamard):
    """(u ones(1, k)) .* M = diag(u) M and (ones(m) c') .* M = M diag(c): an outer product with a
    vector of ones scales M's rows (columns), as a textbook writes it (the weighted softmax gradient
    (softmax(W X) - Y) diag(c) X', the l2,1-norm's diag(1 ./ sqrt(X.^2 ones(n))) X). None where no
    factor is such a product."""
    for f in n.args:
        if not isinstance(f, Mul) or f.shape[0] == 1 or f.shape[1] == 1:
            continue
        c, scal, chain = f.split()
        if len(chain) != 2:
            continue
        a, b = chain
        rest = [g for g in n.args if g is not f]
        rest = rest[0] if len(rest) == 1 else B.hadamard(*rest)
        if isinstance(b, Ones) and a.shape[1] == 1:  # u ones(1, k): each row i times u_i
            return B.mul(B.diag(B.mul(B.num(c), *scal, a)), rest)
        if isinstance(a, Ones) and b.shape[0] == 1:  # ones(m) c': each column j times c_j
            return B.mul(rest, B.diag(B.transpose(B.mul(B.num(c), *scal, b))))
    return None


def _diagonal_of_scaled_product(n: Hadamard):
    """(P diag(u) Q) .* I = diag((P .* Q') u): entry i is sum_j P_ij u_j Q_ji. The Hessian of
    sum(exp(diag(x) M) v) reads diag((exp(diag(x) M) .* M.^2) v). None where n is not such a pair."""
    if len(n.args) != 2 or not any(isinstance(f, Identity) for f in n.args):
        return None
    f = next(g for g in n.args if not isinstance(g, Identity))
    if not isinstance(f, Mul):
        return None
    c, scal, chain = f.split()
    middle = [i for i, g in enumerate(chain) if isinstance(g, Diag) and 0 < i < len(chain) - 1]
    if len(middle) != 1:
        return None
    i = middle[0]
    p, q = B.mul(*chain[:i]), B.mul(*chain[i + 1:])
    return B.diag(B.mul(B.num(c), *scal, B.hadamard(p, B.transpose(q)), chain[i].arg))


def _oriented_factors(n: Hadamard) -> Expr:
    """An elementwise product with its sum factors (and products holding one sum, W' (y - W p))
    negated in pairs where they read better so (_misoriented): (p.^2 - 1) .* (W' (y - W p)) is
    (1 - p.^2) .* (W' (W p - y)). The value is unchanged (an even number of signs)."""
    flips = [i for i, f in enumerate(n.args) if _flippable(f) is not None]
    if len(flips) % 2:
        flips = flips[:-1]
    if not flips:
        return n
    return B.hadamard(*[_flippable(f) if i in flips else f for i, f in enumerate(n.args)])


def _flippable(f: Expr):
    """-f with its one misoriented sum negated, or None."""
    if _misoriented(f):
        return _negated(f)
    if isinstance(f, Mul):
        c, scal, chain = f.split()
        adds = [j for j, g in enumerate(chain) if isinstance(g, Add)]
        if c == 1 and not scal and len(adds) == 1 and _misoriented(chain[adds[0]]):
            j = adds[0]
            return B.mul(*chain[:j], _negated(chain[j]), *chain[j + 1:])
    return None


def _sigmoids_opened(factors: list):
    """sigmoid(u) beside (1 + exp(u))^a with a > 0 or exp(u)^b with b < 0 written as
    exp(u) (1 + exp(u))^-1, so that the factors cancel: sigmoid(u) (1 + exp(u)) / exp(u) = 1 (the
    log-likelihood typed as log(exp(z) ./ (1 + exp(z))) differentiates into that). None where
    no sigmoid has such a partner."""
    def base_exp(f):
        return (f.base, f.exp.value) if isinstance(f, Pow) and isinstance(f.exp, Num) else (f, 1)
    out, changed = list(factors), False
    for i, f in enumerate(factors):
        b, k = base_exp(f)
        if not (isinstance(b, Func) and b.name == "sigmoid" and k > 0):
            continue
        u = b.arg
        if any((_one_plus_exp(g) is u and e > 0) or (_is_exp_of(g) is u and e < 0)
               for g, e in (base_exp(h) for h in factors)):
            one = B.ONE if u.shape == SCALAR else B.ones(u.shape)
            num = B.power(B.func("exp", u), B.num(k))
            den = B.power(B.add(one, B.func("exp", u)), B.num(-k))
            out[i] = B.mul(num, den) if u.shape == SCALAR else B.hadamard(num, den)
            changed = True
    return out if changed else None


def _rewrite_sigmoid_factors(factors: list, make):
    """exp(u)^a (1 + exp(u))^-b -> sigmoid(u)^min(a,b) ...; None if nothing applies."""
    opened = _sigmoids_opened(factors)
    if opened is not None:
        merged = make(*opened)  # the constructors merge the powers of each base: what cancels goes
        again = _rewrite_sigmoid_factors(list(merged.args), make) if isinstance(merged, (Hadamard, Mul)) \
            and _sigmoids_opened(list(merged.args)) is None else None
        return again if again is not None else merged
    bases = {}
    for i, f in enumerate(factors):
        if isinstance(f, Pow) and isinstance(f.exp, Num):
            bases[i] = (f.base, f.exp.value)
        else:
            bases[i] = (f, Fraction(1))
    changed = False
    for i, (b, ex) in list(bases.items()):
        if ex >= 0:
            continue
        u = _one_plus_exp(b)
        if u is None:
            continue
        # look for exp(u)^a among the others
        for j, (b2, ex2) in list(bases.items()):
            if j != i and ex2 > 0 and _is_exp_of(b2) is u:
                k = min(-ex, ex2)
                bases[i] = (b, ex + k)
                bases[j] = (b2, ex2 - k)
                bases[("s", i)] = (B.func("sigmoid", u), k)
                changed = True
                break
    for i, (b, ex) in list(bases.items()):  # (1 + exp(-v))^-k without exp(-v) beside it: sigmoid(v)^k
        v = _sigmoid_of_reciprocal(b) if isinstance(b, Add) and ex < 0 else None
        if v is not None:
            bases[i] = (b, 0)
            bases[("r", i)] = (B.func("sigmoid", v), -ex)
            changed = True
    # exp(-v)^a sigmoid(v)^b = sigmoid(-v)^a sigmoid(v)^(b - a), a <= b: exp(-v) sigmoid(v) = sigmoid(-v)
    sig = {bb.arg: k for k, (bb, e) in bases.items() if isinstance(bb, Func) and bb.name == "sigmoid" and e > 0}
    for i, (b, ex) in list(bases.items()) if sig else ():
        u = b.arg if isinstance(b, Func) and b.name == "exp" and ex > 0 else None
        if u is None or B.split_coeff(u)[0] >= 0:
            continue
        k = sig.get(B.neg(u))
        if k is not None and bases[k][1] >= ex:
            sb, se = bases[k]
            bases[k] = (sb, se - ex)
            bases[i] = (b, 0)
            bases[("c", i)] = (B.func("sigmoid", u), ex)
            changed = True
    if not changed:
        return None
    out = [B.power(b, B.num(ex)) if ex != 1 else b for b, ex in bases.values() if ex != 0]
    return make(*out)


def _sigmoid_complement(n: Add):
    """c - c sigmoid(-u) = c sigmoid(u), a pair of terms of a sum merged (also with c spread over a
    vector, c ones(n)): the logistic log-likelihood written through sigmoid(-X w), as papers write
    log(1 - p), has the gradient X' (y - sigmoid(X w)). The sum with each such pair merged, or None."""
    items = [B.split_coeff(t) for t in n.args]
    ones = {}  # coefficient -> the first term that is that coefficient times 1 (or ones)
    for i, (c, rest) in enumerate(items):
        if (isinstance(rest, Num) and rest.value == 1) or isinstance(rest, Ones):
            ones.setdefault(c, i)
    if not ones:
        return None
    out = list(n.args)
    for j, (c, rest) in enumerate(items):
        if isinstance(rest, Func) and rest.name == "sigmoid" and B.split_coeff(rest.arg)[0] < 0:
            i = ones.pop(-c, None)
            if i is not None:
                out[i], out[j] = None, B.scale(-c, B.func("sigmoid", B.neg(rest.arg)))
    if all(t is not None for t in out):
        return None
    return B.add(*[t for t in out if t is not None])


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


def _sigmoid_of_reciprocal(b: Expr):
    """v when b = 1 + exp(-v) (so 1 / b = sigmoid(v), the logistic function as typed), else None."""
    u = _one_plus_exp(b)
    if u is None or B.split_coeff(u)[0] >= 0:
        return None
    return B.neg(u)


def _row_sums_as_diagonal(chain: tuple):
    """(P .* Q) ones(n) = diag(P Q') (entry i is sum_j P_ij Q_ij): the textbook writes the gradient
    of tr(A diag(x) B) as diag(A' B'), not (A' .* B) ones(n). Only for plain matrices (A, A'): a
    sum over a batch of computed terms reads better as one. The chain with that pair replaced,
    or None."""
    for i in range(len(chain) - 1):
        h, o = chain[i], chain[i + 1]
        # (of plain matrices only: a network's batch sum of backpropagated terms stays Q ones(N))
        if isinstance(h, Hadamard) and len(h.args) == 2 and isinstance(o, Ones) and o.shape[1] == 1 \
                and all(isinstance(f, Var) or (isinstance(f, Transpose) and isinstance(f.arg, Var)) for f in h.args):
            p, q = h.args
            return chain[:i] + (B.diagpart(B.mul(p, B.transpose(q))),) + chain[i + 2:]
    return None


def _rewrite_mul(n: Mul) -> Expr:
    c, scal, chain = n.split()
    rows = _row_sums_as_diagonal(chain) if len(chain) >= 2 else None
    if rows is not None:
        return B.mul(B.num(c), *scal, *rows)
    if c.denominator % 2 == 0:  # log(x'x) / 2 = log(||x||)
        for i, f in enumerate(scal):
            if isinstance(f, Func) and f.name == "log" and self_inner(f.arg) is not None:
                return B.mul(B.num(2 * c), *scal[:i], B.func("log", B.sqrt(f.arg)), *scal[i + 1:], *chain)
    new_scal = list(scal)
    r = _rewrite_sigmoid_factors(new_scal, B.mul) if len(scal) >= 2 else None
    if r is not None:
        return B.mul(B.num(c), r, *chain)
    # exp(u) / sum(exp(u)) -> softmax(u), once per power of the sum; also inside 1x1 products
    for i, s in enumerate(scal):
        if not (isinstance(s, Pow) and isinstance(s.exp, Num) and s.exp.value < 0
                and s.exp.value.denominator == 1 and isinstance(s.base, Sum)):
            continue
        u = _is_exp_of(s.base.arg)
        if u is None or u.shape[1] != 1 or u.shape == SCALAR:
            continue
        k = int(-s.exp.value)
        ex = B.func("exp", u)
        p = B.softmax(u)
        swap = {ex: p, B.transpose(ex): B.transpose(p)}

        def replace(factors, k):
            out = []
            for f in factors:
                if k and f in swap:
                    out.append(swap[f])
                    k -= 1
                elif k and isinstance(f, Hadamard) and ex in f.args:
                    out.append(B.hadamard(*[p if g is ex else g for g in f.args]))
                    k -= 1
                else:
                    out.append(f)
            return out, k
        left = k
        new_chain, left = replace(list(chain), left)
        others = []
        for j, t in enumerate(scal):
            if j == i:
                continue
            if left and isinstance(t, Mul) and t.split()[0] == 1 and not t.split()[1]:
                ch2, left2 = replace(list(t.split()[2]), left)
                if left2 < left:
                    others.append(B.mul(*ch2))
                    left = left2
                    continue
            others.append(t)
        if left == k:
            continue
        if left:
            others.append(B.power(s.base, B.num(-left)))
        return B.mul(B.num(c), *others, *new_chain)
    return n


# ---------------------------------------------------------------- scalar reductions and signs
def _reduce_inner(n: Mul):
    """a'b as sum(a .* b) where that product merges: y' ones = sum(y), (y ./ s)' s = sum(y).

    Only a bare 1x1 chain of two vectors (a row times a column) is touched; the
    elementwise product must lose a factor (ones, or s^-1 .* s), so the result is shorter.
    None when nothing applies.
    """
    if n.shape != SCALAR:
        return None
    c, scal, chain = n.split()
    if c != 1 or scal or len(chain) != 2:
        return None
    a, b = chain
    if a.shape[0] != 1 or b.shape[1] != 1:
        return None
    col = B.transpose(a)
    if isinstance(col, Ones) or isinstance(b, Ones):
        r = B.sumall(b if isinstance(col, Ones) else col)  # (sum spreads over a sum's terms)
        return r if size(r) < size(n) else None
    if not isinstance(col, (Hadamard, Pow)) and not isinstance(b, (Hadamard, Pow)):
        return None
    h = B.hadamard(col, b)
    if isinstance(h, Hadamard) and len(h.args) >= _factor_count(col) + _factor_count(b):
        # nothing merged, unless as a sigmoid: exp(u)' (1 + exp(u)).^-1 = sum(sigmoid(u))
        h = _rewrite_sigmoid_factors(list(h.args), B.hadamard)
        if h is None or (isinstance(h, Hadamard) and len(h.args) >= _factor_count(col) + _factor_count(b)):
            return None
    return B.sumall(h)


def _factor_count(e: Expr) -> int:
    return len(e.args) if isinstance(e, Hadamard) else 1


def _all_negative(t: Expr) -> bool:
    return isinstance(t, Add) and all(B.split_coeff(u)[0] < 0 for u in t.args)


def _sign_normal(n: Mul) -> Expr:
    """A sum factor with only negative terms gives its sign to the product's coefficient:
    -1/2 (-S^-1 - S^-T) (x - m) = 1/2 (S^-1 + S^-T) (x - m). Every term loses its minus,
    the coefficient gains at most one, so the text never grows."""
    if not any(_all_negative(f) for f in n.args):
        return n
    sign = 1
    out = []
    for f in n.args:
        if _all_negative(f):
            sign = -sign
            f = B.add(*[B.scale(-1, u) for u in f.args])
        out.append(f)
    r = B.mul(*out)
    return B.scale(-1, r) if sign < 0 else r


def _sign_absorbed(n: Mul) -> Mul:
    """A product's minus sign taken by a sum factor with terms of both signs, which costs nothing
    there: -(A - X) / ||A - X||_F = (X - A) / ||X - A||_F, a token shorter. A sum another factor also
    holds keeps its sign, so no difference is written both ways (-(x - m) (x - m)' stays), except
    where the other factor is the sum's norm, which is negated with it."""
    c, scal, chain = n.split()
    if c is FRACTION_ONE or c > 0:
        return n
    factors = list(scal) + list(chain)  # (commuting scalars first, then the chain in its order)
    for i, f in enumerate(factors):
        if not _mixed_signs(f):
            continue
        others = factors[:i] + factors[i + 1:]
        rebuilt = _norms_negated(others, f)
        if rebuilt is None:
            continue
        out = B.mul(B.num(-c), *rebuilt[:i], _negated(f), *rebuilt[i:])
        return out if isinstance(out, Mul) else n
    return n


def _mixed_signs(f: Expr) -> bool:
    if not isinstance(f, Add):
        return False
    negative = [B.split_coeff(t)[0] < 0 for t in f.args]
    return any(negative) and not all(negative)


_LOOK_LIMIT = 200  # nodes looked through for another copy of a sum, beyond which it is taken as shared


def _norms_negated(others: list, a: Add):
    """`others` with every norm of the sum a (||a||, ||a||_F, ||a||^2) taken of -a instead, or None
    if a (or a') is in them elsewhere, or too deep to tell."""
    mine = {a, B.transpose(a)}
    seen: set = set()
    stack = list(others)
    found_norm = False
    while stack:
        m = stack.pop()
        if m in seen:
            continue
        seen.add(m)
        if len(seen) > _LOOK_LIMIT or m in mine:
            return None
        base = m.base if isinstance(m, Pow) and m.shape == SCALAR else m
        si = self_inner(base) if isinstance(base, (Mul, Trace)) else None
        if si is not None and si[0] in mine:
            found_norm = True
            continue
        stack.extend(m.children)
    if not found_norm:
        return others
    neg, negt = _negated(a), B.transpose(_negated(a))
    at = B.transpose(a)
    return [B.transform(g, lambda m: neg if m is a else (negt if m is at else m)) for g in others]


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
