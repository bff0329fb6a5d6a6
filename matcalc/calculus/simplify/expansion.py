"""Expansion: products distributed over sums, within a budget, so that like terms meet and cancel.

y (1 - s) - (1 - y) s becomes y - s. A product that would expand into more terms than the budget
is left as it is. At the simplifier's own budget (`EXPAND_BUDGET`) each node's result is kept on it,
a limit gives the expansion up (`TooWide`) as soon as one sum grows wider than it, and functions and
powers that are not whole numbers are not entered (expanding under a root cancels numerically); at
another budget, functions and powers with a symbolic exponent are left alone. Used by the
candidates, by the rewrites that multiply a numerator out (quotients.py), and by the printers'
naming of common subexpressions (outputs/printing.py).
"""
from __future__ import annotations

from ...core import build as B
from ...core.nodes import Add, Expr, Func, Hadamard, Mul, Num, Pow
from .node_cache import _cached_transform


#: the most terms one product may expand into. Cancellations that expansion finds (y (1 - s) -
#: (1 - y) s = y - s) come from few terms; a larger budget only makes a deep product (a k-layer
#: network's backpropagated term) expand further before giving up, which never won and made the
#: per-layer cost grow with k. 16 and 64 give the same answer on every seed case, every
#: compactness-corpus entry and 1,200 random derivations (tools/snapshot_outputs.py).
EXPAND_BUDGET = 16


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
