"""The order in which generated code multiplies a product chain: the cheapest by the cubic matrix-chain
search, or past LONG_CHAIN factors (where that search takes seconds: a chain of 160 factors, tr(X B X B
...) typed out, took 6 s) by greedy merges. Both give the merges (i, j, k), sub-chain i..j as the product
of i..k and k+1..j, the whole chain's last."""
from __future__ import annotations

from collections.abc import Callable

from ...core.nodes import Expr, Mul

#: chains longer than this are split greedily (greedy_splits), not by the cubic search
LONG_CHAIN = 40


def greedy_splits(dims: list) -> list:
    """The merges (i, j, k) of a chain of len(dims) - 1 factors, factor a of shape dims[a] x dims[a + 1]:
    sub-chain i..j is the product of i..k and k+1..j. Adjacent sub-products are merged the cheapest
    first (a vector's end is taken early: x' A A ... A x is products with vectors), and among equal
    costs the shortest, so that a chain of square factors becomes a balanced tree, not a product
    nested hundreds deep (Python's parser stops at 200 parentheses). O(n^2) for n factors."""
    segs = [(i, i) for i in range(len(dims) - 1)]
    merges = []
    while len(segs) > 1:
        pick = min(range(len(segs) - 1), key=lambda q: (
            dims[segs[q][0]] * dims[segs[q][1] + 1] * dims[segs[q + 1][1] + 1], segs[q + 1][1] - segs[q][0], q))
        (i, k), (_, j) = segs[pick], segs[pick + 1]
        merges.append((i, j, k))
        segs[pick:pick + 2] = [(i, j)]
    return merges


def cheapest_splits(dims: list, fresh: Callable[[int, int], bool]) -> list:
    """The merges of the order with the fewest flops and, among equal flops, the fewest products the program
    does not compute anyway (`fresh(a, b)`: is sub-chain a..b such a product?), by the matrix-chain search."""
    n = len(dims) - 1
    best = {(i, i): (0, 0, None) for i in range(n)}
    for length in range(2, n + 1):
        for i in range(n - length + 1):
            j = i + length - 1
            cand = None
            for k in range(i, j):
                fl = best[(i, k)][0] + best[(k + 1, j)][0] + dims[i] * dims[k + 1] * dims[j + 1]
                new = best[(i, k)][1] + best[(k + 1, j)][1]
                for a, b in ((i, k), (k + 1, j)):
                    if b > a and fresh(a, b):
                        new += 1
                c = (fl, new, k)
                if cand is None or c[:2] < cand[:2]:
                    cand = c
            best[(i, j)] = cand
    merges, todo = [], [(0, n - 1)]
    while todo:  # (the whole chain first; reversed below, so that its merge comes last)
        i, j = todo.pop()
        if j > i:
            k = best[(i, j)][2]
            merges.append((i, j, k))
            todo += [(i, k), (k + 1, j)]
    return merges[::-1]


def chain_node(chain: list) -> Expr:
    """A canonical sub-chain as a node (a single factor is itself)."""
    if len(chain) == 1:
        return chain[0]
    r, c = chain[0].shape[0], chain[-1].shape[1]
    return Mul._make(tuple(chain), (r, c))
