"""How many products a derivative will write out, estimated from the function before any work.

The differential of a product with m factors that depend on X has m terms (d(XY) = dX Y + X dY),
and that of a matrix power X^k has k (d(X^k) = sum_i X^i dX X^(k-1-i)); the second differential
has m(m-1) and k(k-1). Counted over the distinct nodes of the DAG (a shared subexpression once),
this measures the work of simplifying the derivative and is cheap to compute (one pass, no node
built), so a request that cannot finish in time (the Hessian of x' A^1000 x in A: about a million
products written out) is refused before it starts instead of running for minutes. Where several
powers of one base are differentiated together, readoff.differential nests their differentials, so
the answer holds fewer products than this; the simplifier's work still grows with this count.
"""
from __future__ import annotations

from ..core.nodes import Expr, MatPow, Mul


def derivative_terms(f: Expr, name: str, order: int) -> int:
    """Products written out by the order-th derivative of f in the variable `name`."""
    total = 0
    for node in f.walk():
        if name not in node.free:
            continue
        if isinstance(node, MatPow):
            m = abs(node.k)
        elif isinstance(node, Mul):
            m = sum(1 for a in node.args if isinstance(a, Expr) and name in a.free)
        else:
            continue
        total += m if order == 1 else m * (m - 1)
    return total
