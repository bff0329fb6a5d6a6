"""Dimensions: products of dimension symbols (m*n, canonical so shapes meet) and shapes in words."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .nodes import SCALAR

if TYPE_CHECKING:
    from .nodes import Dim, Shape


def dim_mul(a: Dim, b: Dim) -> Dim:
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


def shape_form(shape: Shape, scalar: str, vector: str, row: str, matrix: str) -> str:
    """The shape written by its kind, each template filled with its sizes ({r}, {c}): the one place
    that tells a scalar, a vector, a row vector and a matrix apart, for every way a shape is worded."""
    r, c = shape
    if (r, c) == SCALAR:
        return scalar
    return (vector if c == 1 else row if r == 1 else matrix).format(r=r, c=c)


def shape_words(shape: Shape) -> str:
    """A shape as messages say it: "a scalar", "a vector of length n", "a row vector of length n",
    "a matrix of size m x n" (one phrase for the reader's, the evaluator's and the SymPy reader's errors)."""
    return shape_form(shape, "a scalar", "a vector of length {r}", "a row vector of length {c}",
                      "a matrix of size {r} x {c}")


def fmt_shape(shape: Shape) -> str:
    """A shape as declarations write it: scalar, vector(n), row vector(n), m x n."""
    return shape_form(shape, "scalar", "vector({r})", "row vector({c})", "{r}x{c}")
