"""The NumPy runtime of generated code: helper functions that generated modules call.

This is a real module (imported by the tests, which check each helper directly), and the
source that the generator copies into every generated NumPy module: each top-level statement
(a function, an import, a `try` that imports an optional library) is copied when the generated
code uses a name it defines, so a generated module stays standalone (it runs without matcalc).
Names start with an underscore: no user variable can be called like that.
"""
import math as _math

import numpy as _np

from .runtime_common import _fits

def _sigmoid_float(z):
    if z >= 0:
        return 1.0 / (1.0 + _math.exp(-z))
    e = _math.exp(z)
    return e / (1.0 + e)


def _real_array(x, name):
    """An argument as a float64 array. What is no array of real numbers is refused naming the argument,
    as evaluate refuses it: complex values (whose imaginary part a float array drops, with only a
    warning), None, text, a dict, a number beyond a float's range."""
    if type(x) is _np.ndarray and x.dtype == _np.float64:
        return x
    if x is None:
        raise ValueError(f"argument {name}: expected an array of real numbers, got None")
    if getattr(x, "requires_grad", False) and hasattr(x, "detach"):  # (NumPy raised torch's RuntimeError)
        raise ValueError(f"argument {name}: a torch tensor that requires grad, which NumPy code cannot carry a "
                         f"gradient through: pass {name}.detach(), or generate torch code (backend='torch')")
    try:
        a = _np.asarray(x)
        if _np.iscomplexobj(a):
            raise ValueError("complex values are not supported")
        if a.dtype.kind in "USOMm" and a.dtype != object:  # (dates counted in days are no one's matrix)
            raise ValueError(f"got {a.dtype.name} values")
        if a.dtype == object and any(v is None for v in a.flat):  # (None became NaN)
            raise ValueError("got None among the values")
        return a.astype(float, copy=False)
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"argument {name}: expected an array of real numbers ({e})") from None


def _owned(out, *inputs):
    """out, copied where it shares memory with an input (the Hessian of x'Ax / 2 is A itself): the caller may
    edit a result in place (a Newton step's damping, H += mu I) without editing their own array."""
    if type(out) is _np.ndarray:  # (a view's base is the array owning the memory: compared, not overlapped)
        own = out if out.base is None else out.base
        for a in inputs:
            if type(a) is _np.ndarray and (a if a.base is None else a.base) is own:
                return out.copy()
    return out


def _scalar(x, name):
    """A scalar argument as NumPy's float64 (a float), so that arithmetic outside the domain gives
    inf or nan with NumPy's warning, as on arrays: Python's floats raise ZeroDivisionError for 1 / s
    at 0 and make s ** -0.5 complex for s < 0. An array of one entry (shape (1,) or (1, 1)) is taken too."""
    if type(x) is float:
        return _np.float64(x)
    if type(x) is _np.float64:
        return x
    if x is None:  # (as float(None) would: np.asarray(None, dtype=float) is a silent nan)
        raise ValueError(f"argument {name}: expected a scalar, got None")
    a = _real_array(x, name)
    if a.size != 1:
        raise ValueError(f"argument {name}: expected a scalar, got an array of shape {a.shape}")
    return a.reshape(())[()]


def _sigmoid(z):
    e = _np.exp(-_np.abs(z))  # never overflows; e / (1 + e) keeps the far negative tail (exp(z), not 1e-308)
    return _np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _relu(z):
    return _np.maximum(z, 0.0)


def _softplus(z):
    return _np.logaddexp(0.0, z)  # log(1 + exp(z)) without overflow


def _softmax(u):
    z = _np.exp(u - u.max(axis=0))  # of a vector; of a matrix, of each column
    return z / z.sum(axis=0)


def _logsumexp(u):
    m = u.max(axis=0)  # of a vector, a number; of a matrix, of each column; shifted: never overflows
    return m + _np.log(_np.exp(u - m).sum(axis=0))


def _log_det(x):
    sign, logabs = _np.linalg.slogdet(x)
    return logabs if sign > 0 else _np.nan


def _kron(a, b):
    """np.kron, refused past 2**28 entries (2 GB, as evaluate refuses a matrix): a vector's Hessian read
    off through vec can hold a Kronecker product of (c N)^2 entries (a softmax bias's over a batch of N),
    12.8 GB at c = N = 200, where it was killed for memory."""
    _fits(a.size * b.size, f"a Kronecker product ({a.shape} by {b.shape})")
    return _np.kron(a, b)


def _diag(v):
    """np.diag of a vector, refused past 2**28 entries as a Kronecker product is (diag(vec(P)) of a c x N
    matrix P)."""
    if v.ndim == 1:
        _fits(v.size * v.size, f"a diagonal matrix of {v.size:,} entries on its diagonal")
    return _np.diag(v)


def _comm(m, n):
    _fits((m * n) ** 2, f"a commutation matrix of order {m * n:,}")
    k = _np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _outer(u, v):
    # u v': a compiled loop (matcalc.kernels, with numba) writes a large one at memory speed; else
    # NumPy's einsum, about twice as fast as broadcasting from n = 50 on (measured with NumPy 2.4);
    # broadcasting has less overhead on small ones
    if u.shape[0] * v.shape[0] < 2048:
        return u[:, None] * v
    out = _kernels.outer(u, v) if _kernels is not None else None
    return _np.einsum("i,j->ij", u, v) if out is None else out


try:  # matcalc's compiled loops for large results; the generated module runs without matcalc too
    from matcalc.outputs.codegen import kernels as _kernels
except ImportError:
    _kernels = None


def _axpy_outer(s, m, alpha, u, v):
    """s m + alpha u v' as a fresh array: in one pass by a compiled loop where there is one, else
    s m and then the outer product added to it in place."""
    out = _kernels.axpy_outer(s, m, alpha, u, v) if _kernels is not None else None
    return _add_outer(s * m, alpha, u, v) if out is None else out


def _low_rank(us, vs, s, m):
    """sum_i us[i] vs[i]' + s I + m (s a number or a vector added on the diagonal, m an array or None): the
    rank-one terms of a Hessian as one thin matrix product U V' (k = 2 to 6 columns), then the diagonal and
    m added in place, one pass over the result; k rank-one updates over a formed identity made k + 1 (5x to
    10x slower at n = 1000)."""
    # (one term: BLAS's product of an n x 1 by a 1 x n matrix took 0.96 ms at n = 1000, _outer 0.08 ms; a
    # small result: broadcast products, not two stacks and a matrix product, 9 us against 4 for a b' + b a'
    # at n = 4, nor a test of s through NumPy)
    if us[0].shape[0] * vs[0].shape[0] < 2048:
        out = us[0][:, None] * vs[0]
        for u, v in zip(us[1:], vs[1:]):
            out += u[:, None] * v
    elif len(us) == 1:
        out = _outer(us[0], vs[0])
    else:
        out = _np.stack(us, axis=1) @ _np.stack(vs)
    if type(s) is not float or s != 0.0:
        out.flat[:: out.shape[1] + 1] += s
    if m is not None:
        out += m
    return out


def _plus_diagonal(m, s):
    """m + s I (s a number, or a vector of the diagonal's values) for a fresh array m, in place: the
    identity never formed, scaled and added (three passes over n x n, the gradient of tr(X^2) tr(X))."""
    m.flat[:: m.shape[1] + 1] += s
    return m


def _add_outer(t, alpha, u, v):
    """t + alpha u v' for a fresh array t, in place: BLAS ger (through SciPy, when it is installed)
    makes no n x n temporary, which at n = 1000 is most of the cost of `u v' + lambda W`."""
    if _blas is not None and t.dtype == _np.float64 and t.flags.c_contiguous and t.flags.writeable:
        return _blas.dger(alpha, v, u, a=t.T, overwrite_a=True).T  # t' is Fortran-ordered: t' += alpha v u'
    t += alpha * _outer(u, v)
    return t


try:
    from scipy.linalg import blas as _blas
except ImportError:  # SciPy is optional
    _blas = None


def _inv(x):
    """x^-1 by LU (LAPACK getrf, then getri, through SciPy when it is installed): faster than
    np.linalg.inv, which solves against the identity (one thread, n = 100: 0.11 ms against 0.12;
    n = 400: 3.0 ms against 3.8; n = 1000: 38 ms against 50)."""
    f = _lu(x)
    inv = _lu_inv(*f) if f is not None else None
    return _np.linalg.inv(x) if inv is None else inv  # singular: NumPy's own error


def _det_inv(x):
    """det(x), inv(x) and log(det(x)) (NaN unless det(x) > 0) from one LU factorization (LAPACK
    getrf, through SciPy when it is installed); NumPy alone has no LU to share and factors again.
    The log-determinant is summed from the factors' logarithms: no overflow at large n."""
    f = _lu(x)
    if f is None:  # no SciPy, or exactly singular: NumPy's own answer and error
        sign, logabs = _np.linalg.slogdet(x)
        det = sign * _math.exp(logabs) if logabs < 709.0 else sign * _math.inf
        return _np.float64(det), _np.linalg.inv(x), _np.float64(logabs) if sign > 0 else _np.nan
    lu, piv = f
    d = _np.diagonal(lu)
    swaps = _np.count_nonzero(piv != _np.arange(piv.shape[0])) + _np.count_nonzero(d < 0)
    logabs = float(_np.log(_np.abs(d)).sum())
    sign = -1.0 if swaps % 2 else 1.0
    det = sign * _math.exp(logabs) if logabs < 709.0 else sign * _math.inf
    inv = _lu_inv(lu, piv)
    # (NumPy's float64, not Python's float: det(X)^400 overflows to inf with NumPy's warning, as arrays do,
    # where a float raised OverflowError)
    return _np.float64(det), _np.linalg.inv(x) if inv is None else inv, _np.float64(logabs) if sign > 0 else _np.nan


def _spd_solve(a, b):
    """a^-1 b for a matrix declared spd: a Cholesky factorization (LAPACK potrf and potrs, through
    SciPy when it is installed), half the work of LU; NumPy's solve otherwise. A matrix that is not
    positive definite is refused, as its declaration says it is."""
    if _lapack is None or a.dtype != _np.float64 or b.dtype != _np.float64 or a.ndim != 2 or a.shape[0] == 0:
        return _np.linalg.solve(a, b)
    c, info = _lapack.dpotrf(a, lower=0, clean=0)
    if info != 0:
        raise _np.linalg.LinAlgError("a matrix declared spd is not positive definite")
    x, info = _lapack.dpotrs(c, b, lower=0)
    return x


def _factored(a):
    """(a, its LU factorization or None): one factorization for several solves against a (x' M^-1 b's
    gradient solves M for x and for b; each np.linalg.solve factored M again)."""
    return a, _lu(a)


def _factored_solve(f, b, transposed=False):
    """a^-1 b (a'^-1 b with `transposed`) from _factored(a): LAPACK getrs on the shared factors, or
    NumPy's solve where there are none (no SciPy; a singular a, refused as NumPy refuses it)."""
    a, lu = f
    if lu is None or b.dtype != _np.float64:
        return _np.linalg.solve(a.T if transposed else a, b)
    x, info = _lapack.dgetrs(lu[0], lu[1], b, trans=1 if transposed else 0)
    return x


def _factored_solve_power(f, b, k, transposed=False):
    """a^-k b (a'^-k b with `transposed`) from _factored(a): k solves against the one factorization, never
    the inverse to the k-th power (k n x n products)."""
    for _ in range(k):
        b = _factored_solve(f, b, transposed)
    return b


def _lu(x):
    """(lu, piv) from LAPACK getrf, or None where NumPy is to do the work: no SciPy, not a
    non-empty float64 matrix, or exactly singular (or a bad argument)."""
    if _lapack is None or x.dtype != _np.float64 or x.ndim != 2 or x.shape[0] == 0:
        return None
    lu, piv, info = _lapack.dgetrf(x)
    return (lu, piv) if info == 0 else None


def _lu_inv(lu, piv):
    """The inverse from an LU factorization (overwrites lu), or None if LAPACK reports a fault.

    getri with its optimal workspace (the query dgetri_lwork): SciPy's default is the smallest,
    with which getri runs unblocked, 2.3x slower at n = 400 and slower than np.linalg.inv. With it,
    getri is the fastest of getri, getrs against I and np.linalg.inv from n = 100 to 1000 (one
    OpenBLAS thread, n = 400: 3.0 ms, 4.3 and 3.8)."""
    n = piv.shape[0]
    lwork, info = _lapack.dgetri_lwork(n)
    inv, info = _lapack.dgetri(lu, piv, lwork=max(int(lwork), n, 1) if info == 0 else max(n, 1), overwrite_lu=True)
    return inv if info == 0 else None


try:
    from scipy.linalg import lapack as _lapack
except ImportError:  # SciPy is optional
    _lapack = None


def _check_props(name, x, props):
    """Declared properties that are cheap to confirm (O(n^2)): symmetric (and spd's symmetry),
    diagonal, positive, to a relative tolerance of 1e-8."""
    x = _np.asarray(x)  # a scalar arrives as a float
    if "positive" in props and x.size and _np.min(x) <= 0:
        raise ValueError(f"argument {name}: declared positive, but its smallest entry is {_np.min(x):.3g}")
    if x.ndim == 2 and x.size and "diagonal" in props:  # (which is symmetric: said as what was declared)
        d = _np.abs(x)
        _np.fill_diagonal(d, 0.0)
        gap = float(d.max())
        if gap > 1e-8 and gap > 1e-8 * float(_np.max(_np.abs(x))):
            raise ValueError(f"argument {name}: declared diagonal, but an entry off the diagonal is not 0")
    elif x.ndim == 2 and x.size and ("symmetric" in props or "spd" in props):
        # the upper triangle's rows of blocks against the lower's columns, each block's departure in
        # place: half the work of x - x.T and a 256 x n temporary, not n x n (n = 1000: 0.6 ms and 2 MB,
        # was 1.0 ms and 8 MB); the entries' scale only where a departure exceeds the absolute tolerance
        gap = 0.0
        n = x.shape[0]
        for i in range(0, n, 256):
            d = x[i:i + 256, i:] - x[i:, i:i + 256].T
            _np.abs(d, out=d)
            gap = max(gap, float(d.max()))
        if gap > 1e-8 and gap > 1e-8 * float(_np.max(_np.abs(x))):
            raise ValueError(f"argument {name}: declared symmetric, but it is not")
