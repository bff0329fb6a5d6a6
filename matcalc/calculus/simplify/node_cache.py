"""What the simplifier keeps on each node: the lowest of its modules, importing none of them.

Every pass of the simplifier (expand, factor, rewrite, the absorption of signs) is a function of
the node alone, and one derivation simplifies many expressions that share subexpressions:
`_cached_transform` keeps each pass's result on the node (`node._c`, under the pass's key), so a
node already done is neither entered nor rebuilt. `_features` is the one summary of a node that the
candidates and the measures ask about (the widest sum, a negative elementwise power, an exp, ...),
kept on every node from its children's answers. `TooWide` is here because the cached transform is
where an expansion into too wide a sum is given up.
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import SCALAR, Add, Expr, Func, Num, Pow, Softmax, Transpose


class TooWide(Exception):
    """expand(e, limit=...) made a sum of more terms than the limit."""


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
    done = e._c.get(cache_key)
    if done is not None:  # (the usual case in a derivation that simplifies shared parts again)
        return done
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
    done = e._c.get("s.features")
    if done is not None:
        return done
    for n in e.walk_missing("s.features"):
        is_add = isinstance(n, Add)
        widest = len(n.args) if is_add else 0
        neg = isinstance(n, Pow) and n.shape != SCALAR and isinstance(n.exp, Num) and n.exp.value < 0
        has_exp = isinstance(n, Func) and n.name == "exp"
        sums = 1 if is_add else 0
        log_softmax = _log_softmax_of(n) is not None
        quotient = isinstance(n, Pow) and isinstance(n.base, Add) and isinstance(n.exp, Num) and n.exp.value == -1
        for c in n.children:  # (one loop over the children's answers, not one pass per entry)
            w, a, b, k, d, q = c._c["s.features"]
            if w > widest:
                widest = w
            neg = neg or a
            has_exp = has_exp or b
            sums += k
            log_softmax = log_softmax or d
            quotient = quotient or q
        n._c["s.features"] = (widest, neg, has_exp, min(2, sums), log_softmax, quotient)
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
