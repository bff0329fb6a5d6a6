"""Dense arrays of linear maps: a matrix Jacobian or Hessian as the array [out..., in...].

The map is evaluated once on the stack of all basis directions E_kl (evaluation is batched
over leading axes), so the array is exact, not a finite difference.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.nodes import SCALAR, Expr, Var
from ..core.errors import EvaluationError
from .evaluate import _dim, bind_dims, evaluate_arrays

if TYPE_CHECKING:
    from ..core.nodes import Shape


def dense_linear_map(L: Expr, dvar: Var, values: dict, like: Expr,
                     sym: bool = False, diag: bool = False, context: Iterable[Expr] = (),
                     project_values: bool = True) -> np.ndarray:
    """The array [out..., in...] of the linear map dX -> L(dX) (exact, not finite differences).

    L is evaluated once on the stack of all basis directions E_kl (batched). `like` is
    the variable dX stands for, whose value fixes the dimensions. With `sym`, directions
    and outputs are symmetrized (the symmetric-matrix convention); with `diag`, only
    diagonal directions count. `context`: further expressions whose variables fix
    dimensions (the function: the map of z'z + D by z has no variable of size n).
    `project_values` false: only the directions are projected (a Jacobian's values are F's).
    """
    arrays, dims = bind_dims((L, like) + tuple(context), values, skip=(dvar.name,))
    r, c = (_resolve(d, dims) for d in dvar.shape)
    n = r * c
    try:
        basis = np.eye(n).reshape(n, r, c)
    except MemoryError:
        raise EvaluationError(f"the dense array of this map by {dvar.name} has {n:,} x {n:,} directions, which do not "
                              f"fit in memory: evaluate at smaller sizes, or apply the map to one direction (hvp, "
                              f"or generated code)") from None
    if sym:
        basis = (basis + np.swapaxes(basis, -1, -2)) / 2
    if diag:
        basis = basis * np.eye(r)
    arrays[dvar.name] = basis
    out = evaluate_arrays(L, arrays, dims)
    out = np.broadcast_to(out, (n,) + out.shape[-2:])
    if sym and project_values:
        out = (out + np.swapaxes(out, -1, -2)) / 2
    if diag and project_values:
        out = out * np.eye(out.shape[-1])
    p, q = out.shape[-2:]
    out_shape = numpy_dims(L.shape, (p, q))
    in_shape = numpy_dims(dvar.shape, (r, c))
    arr = out.reshape((n,) + out_shape)
    arr = np.moveaxis(arr, 0, -1)
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
