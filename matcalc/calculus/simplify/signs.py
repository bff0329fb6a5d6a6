"""Signs: which way a difference is written, and where a minus sign goes.

A sum and its negation are one value written two ways (x - m and m - x). The simplifier writes the
one that reads better (`_orientation_key`, `_misoriented`); lets the two meet as one factor when it
factors (`_sign_canonical`, `_signed_base`); gives the sign of a sum factor whose terms are all
negative to the product (`_sign_normal`), and a product's minus sign to a sum factor where that
costs nothing (`absorb_signs`); writes a difference one way in all the expressions printed together
(`unsplit_jointly`); and negates an elementwise product's sum factors in pairs where they read
better so (`_oriented_factors`). Factoring, rewriting and the choice among candidates all use these,
so they sit below all three.
"""
from __future__ import annotations

from ...core import build as B
from ...core.layout import self_inner
from ...core.nodes import FRACTION_ONE, SCALAR, Add, Expr, Hadamard, Mul, Num, Ones, Pow, Trace
from ..size import size
from .node_cache import _cached_transform


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


def absorb_signs(e: Expr) -> Expr:
    """e with each product's minus sign given to a sum factor where that costs nothing (_sign_absorbed)."""
    return _cached_transform(e, lambda n: _sign_absorbed(n) if isinstance(n, Mul) else n, "s.absorb")


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
