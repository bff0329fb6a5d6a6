"""`simplify`: the candidates of an expression, and the choice of the smallest.

The candidates are e rewritten and factored, factored with its negative elementwise powers too,
and rewritten and expanded then factored, within the limits below (see the package's docstring);
each also with its minus signs absorbed. Every candidate is equal to e, so the choice is safe; it is
made by the measures of measures.py. The top of the simplifier: it imports every other module of
it, none imports it. `oriented_jointly` is here, not in signs.py, because a block whose sum was
flattened by writing a difference one way is simplified again.
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import Add, Expr, LogSumExp, Pow
from .node_cache import TooWide, _features, _has_exp, _has_negative_power, _log_softmax_of, _widest_sum
from .signs import _unsplit, absorb_signs, unsplit_jointly
from .measures import _fewer_minuses_or_nodes, _reading_size, _split_signs, text_size
from .expansion import expand
from .factoring import factor
from .rewriting import rewrite


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
EXPANDED_SUM_FLOOR = 24


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
            absorbed = absorb_signs(cand)  # (the sign the unsplit difference gave out, taken by another sum:
            if absorbed is not cand and _split_signs(absorbed) <= _split_signs(cand):  # k (1 - L0 / r) (x1 - x2))
                cand = absorbed
            s = _reading_size(cand)
            if s < best_size or (s == best_size and _fewer_minuses_or_nodes(cand, best)):
                best = cand
    return best


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


def _has_power_sum(e: Expr) -> bool:
    """Does e have a sum with a squared term (a candidate for `_factor_quadratic`)?"""
    return any(isinstance(n, Add) and len(n.args) == 3 and any(isinstance(B.split_coeff(t)[1], Pow) for t in n.args)
               for n in e.walk())


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
