"""The order in which a long product chain is multiplied, where the cubic matrix-chain search
(`Emitter.plan`) would take seconds: a chain of 160 factors, tr(X B X B ...) typed out, took 6 s."""
from __future__ import annotations

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
