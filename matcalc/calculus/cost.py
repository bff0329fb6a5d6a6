"""How many products a derivative will write out, estimated from the function before any work.

The differential of a product with m factors that depend on X has m terms (d(XY) = dX Y + X dY),
and that of a matrix power X^k has k (d(X^k) = sum_i X^i dX X^(k-1-i)); the second differential
has m(m-1) and k(k-1). Counted over the distinct nodes of the DAG (a shared subexpression once),
this measures the work of simplifying the derivative and is cheap to compute (one pass, no node
built), so a request that cannot finish in time (the Hessian of x' A^1000 x in A: about a million
products written out) is refused before it starts instead of running for minutes. Where several
powers of one base are differentiated together, readoff.differential nests their differentials, so
the answer holds fewer products than this; the simplifier's work still grows with this count.

The simplifier's work grows with the length of those products too: the Hessian of
a' X B1 X B2 ... X B40 b writes 1,560 products of about 80 factors each, and simplifies them for
half a minute. `derivative_factors` counts the factors written out (each product's terms times
its number of factors), which tracks the time of every family measured (benchmarks/bench_growth.py
and long products of the variable) at about 3,000 to 4,000 factors a second on one core.
"""
from __future__ import annotations

from ..core.nodes import Expr, MatPow, Mul, walk_depending


def derivative_terms(f: Expr, name: str, order: int) -> int:
    """Products written out by the order-th derivative of f in the variable `name`."""
    return _written(f, name, order)[0]


def derivative_factors(f: Expr, name: str, order: int) -> int:
    """Factors written out by the order-th derivative of f in `name`: each product's terms times
    its length (X^i dX X^j has 3 factors, X^a V X^b dX X^c 5; a product's terms have as many as it)."""
    return _written(f, name, order)[1]


def derivative_work(f: Expr, name: str, order: int) -> tuple:
    """(products, factors) written out by the order-th derivative: both counts in one pass."""
    return _written(f, name, order)


def _written(f: Expr, name: str, order: int) -> tuple:
    terms = factors = 0
    for node in walk_depending(f, frozenset((name,))):
        if isinstance(node, MatPow):
            m, length = abs(node.k), 1 + 2 * order
        elif isinstance(node, Mul):
            m = sum(1 for a in node.args if isinstance(a, Expr) and name in a.free)
            length = len(node.args)
        else:
            continue
        n = m if order == 1 else m * (m - 1)
        terms += n
        factors += n * length
    return terms, factors
