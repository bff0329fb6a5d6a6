"""Random inputs that respect declared properties, for numerical checks.

Dimension symbols get small random sizes; spd matrices are A A'/n + I, orthogonal ones
come from a QR factorization, invertible ones are shifted toward the identity so they
are well conditioned, positive ones have entries in [0.5, 1.5].
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.nodes import SCALAR, Expr, Var

if TYPE_CHECKING:
    from ..core.nodes import Value


def variables(*exprs: Expr) -> dict:
    out = {}
    for e in exprs:
        for n in e.walk():
            if isinstance(n, Var):
                out.setdefault(n.name, n)
    return out


def sample_dims(vars_: dict, rng: np.random.Generator, lo: int = 2, hi: int = 4) -> dict:
    """A size for every dimension symbol; a product m*n (kron(x, y), vec(X)) is the product of its
    factors' sizes, so a variable sized m*n fits the others."""
    dims = {}
    products = []
    for v in vars_.values():
        for d in v.shape:
            if not isinstance(d, str) or d in dims:
                continue
            if "*" in d:
                products.append(d)
                continue
            dims[d] = int(rng.integers(lo, hi + 1))
    for d in products:
        size = 1
        for f in d.split("*"):
            size *= int(f) if f.isdigit() else dims.setdefault(f, int(rng.integers(lo, hi + 1)))
        dims[d] = size
    return dims


def sample_value(v: Var, dims: dict, rng: np.random.Generator) -> Value:
    r, c = (d if isinstance(d, int) else dims[d] for d in v.shape)
    props = v.props
    if (r, c) == SCALAR and v.shape == SCALAR:
        return float(rng.uniform(0.5, 1.5))
    if "diagonal" in props and "orthogonal" in props:  # (a diagonal orthogonal matrix: signs on the diagonal)
        x = np.diag(rng.choice([-1.0, 1.0], r))
    elif "diagonal" in props:  # (spd too: its diagonal is positive)
        x = np.diag(rng.uniform(0.5, 1.5, r))
    elif "orthogonal" in props and ("symmetric" in props or "spd" in props):
        # a reflection I - 2 u u' (symmetric and orthogonal); spd and orthogonal is I alone
        u = rng.standard_normal((r, 1))
        x = np.eye(r) if "spd" in props else np.eye(r) - 2 * (u @ u.T) / float(u[:, 0] @ u[:, 0])
    elif "spd" in props:  # with positive entries when declared positive too
        a = rng.uniform(0.5, 1.5, (r, r)) if "positive" in props else rng.standard_normal((r, r))
        x = a @ a.T / r + np.eye(r)
    elif "orthogonal" in props:
        q, _ = np.linalg.qr(rng.standard_normal((r, r)))
        x = q
    elif "positive" in props:
        x = rng.uniform(0.5, 1.5, (r, c))
        if "symmetric" in props:
            x = (x + x.T) / 2
    else:
        x = rng.standard_normal((r, c))
        if "symmetric" in props:
            x = (x + x.T) / 2
        if r == c and r > 1:
            x = x / np.sqrt(r) + 2.0 * np.eye(r)
            if "symmetric" in props:
                x = (x + x.T) / 2
    if v.shape[1] == 1:
        return x[:, 0]
    if v.shape[0] == 1:
        return x[0, :]  # NumPy form of a one-row matrix: 1-D, like its gradient (numpy_shape)
    return x


def sample_values(exprs: Iterable[Expr], rng: np.random.Generator, dims: dict | None = None) -> tuple:
    vs = variables(*exprs)
    dims = dict(dims or {})
    dims.update({k: v for k, v in sample_dims(vs, rng).items() if k not in dims})
    return {name: sample_value(v, dims, rng) for name, v in sorted(vs.items())}, dims
