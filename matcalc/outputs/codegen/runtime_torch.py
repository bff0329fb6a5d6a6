"""The PyTorch runtime of generated code: helpers copied into generated PyTorch modules (see
`runtime_numpy`). matcalc never imports this module; the generator only reads its source."""
import torch as _torch

from .runtime_common import _fits

_np = _torch


def _real_tensor(x, name):
    """x as a float64 tensor (shared with a float64 NumPy array or tensor, not copied). What is no
    array of real numbers (complex values, whose imaginary part the cast drops with only a warning;
    None; text) is refused naming the argument, as NumPy code refuses it."""
    if x is None:
        raise ValueError(f"argument {name}: expected an array of real numbers, got None")
    if isinstance(x, _torch.Tensor) and x.is_complex() or isinstance(x, complex) \
            or getattr(getattr(x, "dtype", None), "kind", "") == "c":
        raise ValueError(f"argument {name}: expected an array of real numbers (complex values are not supported)")
    if isinstance(x, _torch.Tensor):
        return x.to(_torch.float64)
    try:  # (made float64 at once: a Python float made a float32 tensor first lost its digits)
        return _torch.as_tensor(x, dtype=_torch.float64)
    except (TypeError, ValueError, RuntimeError, OverflowError) as e:
        raise ValueError(f"argument {name}: expected an array of real numbers ({e})") from None


def _owned(out, *inputs):
    """out, cloned where it shares storage with an input (see the NumPy runtime's _owned)."""
    if isinstance(out, _torch.Tensor) and any(
            isinstance(a, _torch.Tensor) and a.untyped_storage().data_ptr() == out.untyped_storage().data_ptr()
            for a in inputs):
        return out.clone()
    return out


def _softmax(u):
    return _torch.softmax(u, dim=0)


def _logsumexp(u):
    return _torch.logsumexp(u, dim=0)


def _kron(a, b):
    """torch.kron, refused past 2**28 entries as NumPy code refuses it."""
    _fits(a.numel() * b.numel(), f"a Kronecker product ({tuple(a.shape)} by {tuple(b.shape)})")
    return _torch.kron(a.contiguous(), b.contiguous())  # torch.kron fails on a transposed view (torch 2.x)


def _diag(v):
    """torch.diag of a vector, refused past 2**28 entries as a Kronecker product is."""
    if v.ndim == 1:
        _fits(v.numel() * v.numel(), f"a diagonal matrix of {v.numel():,} entries on its diagonal")
    return _torch.diag(v)


def _log_det(x):
    sign, logabs = _torch.linalg.slogdet(x)
    return _torch.where(sign > 0, logabs, _torch.full_like(logabs, float("nan")))


def _comm(m, n):
    _fits((m * n) ** 2, f"a commutation matrix of order {m * n:,}")
    k = _torch.zeros((m * n, m * n), dtype=_torch.float64)
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _low_rank(us, vs, s, m):
    """sum_i us[i] vs[i]' + s I + m (m a tensor, or None) as one thin product U V', the diagonal and m
    added in place: c I + a x x' built 4 to 7 fresh n x n tensors, 10x to 23x slower than hand-written."""
    out = _torch.stack(us, dim=1) @ _torch.stack(vs)
    if m is not None:
        out += m
    out.diagonal().add_(s)
    return out


def _plus_diagonal(m, s):
    """m + s I (s a number, or a vector of the diagonal's values) for a fresh tensor m, in place: the
    identity never formed, scaled and added. Under autograd on a copy: m may be a result a backward pass
    needs (exp(X)'s output, a solve's), which an in-place update would spoil."""
    if m.requires_grad:
        m = m.clone()
    m.diagonal().add_(s)
    return m


def _factored(a):
    """The LU factorization of a, made once for several solves against a or a' (torch.linalg.solve factored
    a anew for each: a' X^-2 b's gradient took four). A singular a is refused as torch.linalg.solve refuses it."""
    lu, piv, info = _torch.linalg.lu_factor_ex(a)
    if int(info) != 0:
        raise _torch.linalg.LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.")
    return lu, piv


def _factored_solve(f, b, transposed=False):
    """a^-1 b (a'^-1 b with `transposed`) from _factored(a); a 1-D b stays 1-D."""
    x = _torch.linalg.lu_solve(f[0], f[1], b[:, None] if b.ndim == 1 else b, adjoint=transposed)
    return x[:, 0] if b.ndim == 1 else x


def _factored_solve_power(f, b, k, transposed=False):
    """a^-k b (a'^-k b with `transposed`) from _factored(a): k solves against the one factorization."""
    for _ in range(k):
        b = _factored_solve(f, b, transposed)
    return b


def _diagonal_view(out, spec):
    """The view of `out` that the einsum spec 'abab->ab' names (np.einsum's writable diagonal view), by
    torch.diagonal over each repeated index, then permuted to the spec's order: a dense map's identity
    terms are added on it in place, never formed as n^4 arrays."""
    lhs, rhs = spec.split("->")
    axes, view = list(lhs), out
    while len(set(axes)) < len(axes):
        i = next(k for k, ch in enumerate(axes) if axes.index(ch) != k)
        j = axes.index(axes[i])
        view = view.diagonal(0, j, i)  # (the two axes removed, their diagonal appended last)
        axes = [ch for k, ch in enumerate(axes) if k not in (i, j)] + [axes[i]]
    return view.permute(*[axes.index(ch) for ch in rhs])


def _spd_solve(a, b):
    """a^-1 b for a matrix declared spd: a Cholesky factorization, half the work of LU. A matrix that is not
    positive definite is refused, as its declaration says it is (and as NumPy code refuses it)."""
    c, info = _torch.linalg.cholesky_ex(a)
    if int(info) != 0:
        raise _torch.linalg.LinAlgError("a matrix declared spd is not positive definite")
    x = _torch.cholesky_solve(b[:, None] if b.ndim == 1 else b, c)
    return x[:, 0] if b.ndim == 1 else x
