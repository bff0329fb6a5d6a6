"""The constructor namespace: the only way expressions are built (`from matcalc.core import build as B`).

Every constructor canonicalizes, so that equal things meet as one hash-consed object. They
are defined by role and gathered here: `canonical` (sums, products, powers, transposes,
elementwise products and functions, leaves), `reductions` (trace, sum, inner product, det,
logdet, norms, diag, softmax, logsumexp, sums over an index, mean, vec, unvec, division) and
`rebuild` (new children, transforms, substitution). Dimension arithmetic is in `dims`, exact rational powers in `exact`.
"""
from __future__ import annotations

from .canonical import (ONE, ONE_HALF, ZERO, _add_exp, _chain_shape, _merge_chain, _pure_chain,  # noqa: F401
                        _scalar_base_exp, add, comm, diag, dimsize, func, hadamard, identity, inverse, is_const,
                        is_one, is_symmetric, is_zero, kron, matpow, mul, neg, num, ones, power, scale, split_coeff,
                        sqrt, sub, transpose, var, zeros)
from .dims import dim_mul as _dim_mul  # noqa: F401
from .dims import fmt_shape  # noqa: F401
from .rebuild import diagonals_first, substitute, transform, with_children  # noqa: F401
from .reductions import (det, diagpart, div, elementwise_div, inner, logdet, logsumexp, mean, norm,  # noqa: F401
                         softmax, spectral_norm, sum_axis, sumall, trace, unvec, vec)
