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


def fmt_shape(shape) -> str:
    r, c = shape
    if (r, c) == SCALAR:
        return "scalar"
    if c == 1:
        return f"vector({r})"
    if r == 1:
        return f"row vector({c})"
    return f"{r}x{c}"
