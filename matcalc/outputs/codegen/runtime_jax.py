"""The JAX runtime of generated code: helpers copied into generated JAX modules (see
`runtime_numpy`). matcalc never imports this module; the generator only reads its source.

No global side effect: the generated module leaves `jax_enable_x64` as the program set it, and
dtypes follow the inputs (float32 in, float32 out; float64 where x64 is enabled).
"""
import jax
import jax.numpy as _np
import jax.scipy.linalg as _jsl

from .runtime_common import _fits


def _float_array(x, name):
    """x as a JAX array of a floating dtype: its own, or JAX's default float for integers. What is no
    array of real numbers (complex values, whose imaginary part a float array drops with only a
    warning; None; text) is refused naming the argument, as NumPy code refuses it (also under jit:
    the dtype is known when tracing)."""
    if x is None:
        raise ValueError(f"argument {name}: expected an array of real numbers, got None")
    if getattr(x, "requires_grad", False) and hasattr(x, "detach"):  # (JAX raised torch's RuntimeError)
        raise ValueError(f"argument {name}: a torch tensor that requires grad, which JAX code cannot carry a "
                         f"gradient through: pass {name}.detach(), or generate torch code (backend='torch')")
    try:
        x = _np.asarray(x)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"argument {name}: expected an array of real numbers ({e})") from None
    if _np.iscomplexobj(x):
        raise ValueError(f"argument {name}: expected an array of real numbers (complex values are not supported)")
    return x if _np.issubdtype(x.dtype, _np.floating) else x.astype(_np.result_type(float))


def _softmax(u):
    return jax.nn.softmax(u, axis=0)


def _logsumexp(u):
    return jax.nn.logsumexp(u, axis=0)


def _log_det(x):
    sign, logabs = _np.linalg.slogdet(x)
    return _np.where(sign > 0, logabs, _np.nan)


def _kron(a, b):
    """jnp.kron, refused past 2**28 entries as NumPy code refuses it (shapes are known when tracing)."""
    _fits(a.size * b.size, f"a Kronecker product ({a.shape} by {b.shape})")
    return _np.kron(a, b)


def _diag(v):
    """jnp.diag of a vector, refused past 2**28 entries as a Kronecker product is."""
    if v.ndim == 1:
        _fits(v.size * v.size, f"a diagonal matrix of {v.size:,} entries on its diagonal")
    return _np.diag(v)


def _comm(m, n):
    _fits((m * n) ** 2, f"a commutation matrix of order {m * n:,}")
    k = _np.zeros((m * n, m * n))
    rows = _np.arange(m * n)
    i, j = rows // n, rows % n
    return k.at[rows, j * m + i].set(1.0)


def _low_rank(us, vs, s, m):
    """sum_i us[i] vs[i]' + s I + m (m an array, or None) as one thin product U V' with the diagonal
    added at its indices, as NumPy code builds it."""
    out = _np.stack(us, axis=1) @ _np.stack(vs)
    if m is not None:
        out = out + m
    i = _np.arange(out.shape[0])
    return out.at[i, i].add(s)


def _factored(a):
    """The LU factorization of a, made once for several solves against a or a' (jnp.linalg.solve factored
    a anew for each: a' X^-2 b's gradient took four)."""
    return _jsl.lu_factor(a)


def _factored_solve(f, b, transposed=False):
    """a^-1 b (a'^-1 b with `transposed`) from _factored(a)."""
    return _jsl.lu_solve(f, b, trans=1 if transposed else 0)


def _factored_solve_power(f, b, k, transposed=False):
    """a^-k b (a'^-k b with `transposed`) from _factored(a): k solves against the one factorization."""
    for _ in range(k):
        b = _jsl.lu_solve(f, b, trans=1 if transposed else 0)
    return b
