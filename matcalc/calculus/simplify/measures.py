"""How a candidate is judged: the measures the choice of the smallest compares.

The size in tokens of the text form (`text_size`, by size.py), one more for each difference written
both ways (`_reading_size`), and between forms of one size the tie-breaks in order: split signs,
minus signs, misoriented sums, nodes (`_fewer_minuses_or_nodes`). Each count is kept on the node.
Apart from the choice itself (candidates.py) because factoring weighs its groups by the same size.
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import Add, Expr
from ..size import size
from .node_cache import _features
from .signs import _misoriented, _negated


def text_size(e: Expr) -> int:
    """Printed size in tokens (brackets and commas not counted), the measure of compactness."""
    return size(e)


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


def _nodes(e: Expr) -> int:
    n = e._c.get("nodes")
    if n is None:
        n = e._c["nodes"] = sum(1 for _ in e.walk())
    return n
