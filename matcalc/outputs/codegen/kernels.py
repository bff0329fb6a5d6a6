"""Compiled loops for the large elementwise results generated code writes (optional: numba).

Why: a gradient like `a b'` or `lambda W + u x'` at n = 1000 does almost no arithmetic; its cost
is writing the 8 MB result. NumPy's kernels write such a result at about half the speed of
memory (measured on a 2-core Xeon, NumPy 2.4, one thread, n = 1000: `np.einsum('i,j->ij')`
900 us, `ndarray.fill` 430 us), and `lambda W + u x'` takes two passes over it. A compiled loop
writes it in one pass at `fill` speed: 430 us for the outer product (jax.jit: 430 to 670 us),
780 us for the scaled sum (jax.jit: 1080 us, NumPy and BLAS ger: 1230 us).

Generated NumPy code calls these when the result is large; each returns None where it does not
apply (numba, from `matcalc-diff[fast]`, not installed; the environment variable MATCALC_KERNELS set
to 0; a small result), and the generated code then computes the same result with NumPy. numba is imported, and each loop compiled (cached on disk),
only on the first call that needs it, so importing matcalc stays fast.
"""
from __future__ import annotations

import os

import numpy as np

MIN_SIZE = 1 << 16  # results smaller than this (256 x 256) are written by NumPy: no compile for small problems

_loops: dict | None = None  # name -> compiled loop, once numba has been tried; {} if it is not there


def enabled() -> bool:
    """Whether the compiled loops are used (numba importable, MATCALC_KERNELS not 0)."""
    return bool(_compiled())


def _compiled() -> dict:
    global _loops
    if os.environ.get("MATCALC_KERNELS", "1") == "0":
        return {}
    if _loops is None:
        try:
            import numba
        except ImportError:
            _loops = {}
        else:
            _loops = {"outer": _jit(numba, _outer_loop), "axpy_outer": _jit(numba, _axpy_outer_loop)}
    return _loops


def _jit(numba, fn):
    """fn compiled lazily, cached on disk where numba finds a writable place for the cache (next
    to this file, or a user-wide directory); with no such place numba refuses `cache=True`, and
    the loop is compiled in memory, once per process."""
    try:
        return numba.njit(cache=True, nogil=True)(fn)
    except RuntimeError:
        return numba.njit(nogil=True)(fn)


def _outer_loop(u, v):
    out = np.empty((u.shape[0], v.shape[0]))
    for i in range(u.shape[0]):
        ui = u[i]
        for j in range(v.shape[0]):
            out[i, j] = ui * v[j]
    return out


def _axpy_outer_loop(s, m, alpha, u, v):
    out = np.empty((m.shape[0], m.shape[1]))
    for i in range(m.shape[0]):
        aui = alpha * u[i]
        for j in range(m.shape[1]):
            out[i, j] = s * m[i, j] + aui * v[j]
    return out


def _usable(*arrays) -> bool:
    return all(isinstance(a, np.ndarray) and a.dtype == np.float64 for a in arrays)


def outer(u: np.ndarray, v: np.ndarray) -> np.ndarray | None:
    """u v' for 1-D float arrays u and v as a fresh matrix, or None where no compiled loop applies
    (numba missing or disabled, the result small, not float64): the caller then uses NumPy."""
    loops = _compiled() if _usable(u, v) and u.ndim == v.ndim == 1 and u.size * v.size >= MIN_SIZE else {}
    return loops["outer"](u, v) if loops else None


def axpy_outer(s: float, m: np.ndarray, alpha: float, u: np.ndarray, v: np.ndarray) -> np.ndarray | None:
    """s m + alpha u v' as a fresh matrix, in one pass over m (m is not changed); or None, as for
    `outer`."""
    loops = _compiled() if _usable(m, u, v) and m.ndim == 2 and m.size >= MIN_SIZE \
        and u.shape == (m.shape[0],) and v.shape == (m.shape[1],) else {}
    if not loops:
        return None
    s, alpha = float(s), float(alpha)
    if m.flags.f_contiguous and not m.flags.c_contiguous:  # read m in its memory order: (s m' + alpha v u')'
        return loops["axpy_outer"](s, m.T, alpha, v, u).T
    return loops["axpy_outer"](s, m, alpha, u, v)
