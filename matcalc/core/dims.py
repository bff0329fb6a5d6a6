"""Dimensions: products of dimension symbols (m*n, canonical so shapes meet) and shapes in words."""
from __future__ import annotations

from .nodes import SCALAR


def dim_mul(a, b):
    """The product of two dimensions, canonical (m*n == n*m) so that shapes meet."""
    if a == 1:
        return b
    if b == 1:
        return a
    if isinstance(a, int) and isinstance(b, int):
        return a * b
    const = 1
    syms = []
    for d in (a, b):
        for part in (str(d).split("*") if isinstance(d, str) else [d]):
            if isinstance(part, int) or str(part).isdigit():
                const *= int(part)
            else:
                syms.append(part)
    syms.sort()
    return "*".join(([str(const)] if const != 1 else []) + syms)


def shape_words(shape) -> str:
    """A shape as messages say it: "a scalar", "a vector of length n", "a row vector of length n",
    "a matrix of size m x n" (one phrase for the reader's, the evaluator's and the SymPy reader's errors)."""
    r, c = shape
    if (r, c) == SCALAR:
        return "a scalar"
    if c == 1:
        return f"a vector of length {r}"
    if r == 1:
        return f"a row vector of length {c}"
    return f"a matrix of size {r} x {c}"


def fmt_shape(shape) -> str:
    r, c = shape
    if (r, c) == SCALAR:
        return "scalar"
    if c == 1:
        return f"vector({r})"
    if r == 1:
        return f"row vector({c})"
    return f"{r}x{c}"
