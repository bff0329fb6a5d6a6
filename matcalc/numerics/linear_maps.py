"""Dense arrays of linear maps: a matrix Jacobian or Hessian as the array [out..., in...].

The map is evaluated once on the stack of all basis directions E_kl (evaluation is batched
over leading axes), so the array is exact, not a finite difference.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.nodes import SCALAR, Comm, Expr, Var
from ..core.errors import EvaluationError
from .evaluate import _dim, bind_dims, evaluate_arrays

if TYPE_CHECKING:
    from ..core.nodes import Shape


#: above this many directions a map with a Kronecker form is evaluated through it: the basis costs
#: (directions)^2 entries and a product per direction (the Jacobian of X y by X at n = 200: 40,000
#: directions of 200 x 200, 12.8 GB and 31 s, where kron(y', I) is the 200 x 40,000 answer itself).
#: Below, every map goes through the basis, which the Kronecker forms are tested against.
KRON_ABOVE = 1024

#: the most entries of one batch of basis directions (32 MB of float64): the basis is made and
#: evaluated a batch at a time, so its memory does not grow with the square of the directions
BATCH_ENTRIES = 2 ** 22


def dense_linear_map(L: Expr, dvar: Var, values: dict, like: Expr,
                     sym: bool = False, diag: bool = False, context: Iterable[Expr] = (),
                     project_values: bool = True, kron: Callable[[], Expr | None] | None = None) -> np.ndarray:
    """The array [out..., in...] of the linear map dX -> L(dX) (exact, not finite differences).

    L is evaluated on the stack of all basis directions E_kl (batched). `like` is the variable dX
    stands for, whose value fixes the dimensions. With `sym`, directions and outputs are symmetrized
    (the symmetric-matrix convention); with `diag`, only diagonal directions count. `context`:
    further expressions whose variables fix dimensions (the function: the map of z'z + D by z has no
    variable of size n). `project_values` false: only the directions are projected (a Jacobian's
    values are F's). `kron`: gives the map's Kronecker form J, vec(L(dX)) = J vec(dX), or None;
    taken past KRON_ABOVE directions where it holds no commutation matrix (an n^2 x n^2 permutation).
    """
    arrays, dims = bind_dims((L, like) + tuple(context), values, skip=(dvar.name,))
    r, c = (_resolve(d, dims) for d in dvar.shape)
    n = r * c
    p, q = (_resolve(d, dims) for d in L.shape)
    out_shape = numpy_dims(L.shape, (p, q))
    in_shape = numpy_dims(dvar.shape, (r, c))
    if n > KRON_ABOVE and kron is not None and not sym and not diag:
        k = kron()
        if k is not None and not any(isinstance(m, Comm) for m in k.walk()):
            kd = np.broadcast_to(evaluate_arrays(k, arrays, dims), (p * q, n))
            return np.ascontiguousarray(kd.reshape((p, q, r, c), order="F").reshape(out_shape + in_shape))
    try:
        out = np.empty((n, p, q))
    except MemoryError:
        raise EvaluationError(f"the dense array of this map by {dvar.name} has {n:,} directions with {p * q:,} "
                              f"values each, which do not fit in memory: evaluate at smaller sizes, or apply the map "
                              f"to one direction (hvp, or generated code)") from None
    step = max(1, BATCH_ENTRIES // n)
    for start in range(0, n, step):
        k = min(step, n - start)
        basis = np.zeros((k, n))
        basis[np.arange(k), np.arange(start, start + k)] = 1.0
        basis = basis.reshape(k, r, c)
        if sym:
            basis = (basis + np.swapaxes(basis, -1, -2)) / 2
        if diag:
            basis = basis * np.eye(r)
        arrays[dvar.name] = basis
        part = np.broadcast_to(evaluate_arrays(L, arrays, dims), (k, p, q))
        if sym and project_values:
            part = (part + np.swapaxes(part, -1, -2)) / 2
        if diag and project_values:
            part = part * np.eye(q)
        out[start:start + k] = part
    arr = np.moveaxis(out.reshape((n,) + out_shape), 0, -1)
    return np.ascontiguousarray(arr.reshape(out_shape + in_shape))


def numpy_dims(shape: Shape, concrete: Sequence[int]) -> tuple:
    r, c = shape
    if (r, c) == SCALAR:
        return ()
    if c == 1:
        return (concrete[0],)
    if r == 1:
        return (concrete[1],)
    return tuple(concrete)


def _resolve(d, dims):
    if isinstance(d, int):
        return d
    return _dim(d, dims)
