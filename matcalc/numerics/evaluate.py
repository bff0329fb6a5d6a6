"""Numerical evaluation with NumPy: one entry per node type.

Internally every value is an array of shape (..., rows, cols): scalars are (..., 1, 1)
and vectors (..., n, 1), so NumPy's broadcasting does scalar multiplication and
batched matrix products for free. The leading batch axes let a linear map be applied to
a whole basis of directions at once, which is how dense Jacobians and Hessians are
formed exactly (no finite differences). Shared subexpressions are evaluated once.
"""
from __future__ import annotations

import math
import sys
from functools import reduce
from collections.abc import Container, Iterable, Mapping
from typing import TYPE_CHECKING

from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.errors import EvaluationError
from ..core import build as B
from ..core.dims import shape_words
from ..core.functions import FUNCTIONS, stable_form
from ..core.reductions import partial_trace
from ..language.declarations import check_value, norm_name
from ..language.unicode_in import greek_names
from ..outputs.codegen.names import py_name
from ..outputs.printing import to_text
from ..core.nodes import (SERVICES, SCALAR, Add, Comm, Det, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Identity, Inverse,
                    Kron, LogDet, LogSumExp, MatPow, Mul, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec, Var, Vec,
                    Zero)

if TYPE_CHECKING:
    from ..core.nodes import Shape, Value


def _dim(d, dims):
    if isinstance(d, int):
        return d
    if isinstance(d, str) and "*" in d:
        if d in dims:
            return dims[d]
        a, b = d.split("*", 1)
        return _dim(_maybe_int(a), dims) * _dim(_maybe_int(b), dims)
    if d not in dims:
        raise EvaluationError(f"the size of dimension {d} is unknown: no variable in the values fixes it "
                              f"(give it as a value: {d}=...)")
    return dims[d]


def _maybe_int(s):
    return int(s) if s.isdigit() else s


def bind_dims(exprs: Expr | Iterable[Expr], values: dict, skip: Container[str] = ()) -> tuple:
    """Check the values of the variables of `exprs` against their shapes; fix the dimensions.

    Returns (arrays, dims): arrays are shaped (rows, cols); `skip` names are left out.
    """
    dims: dict = {}
    arrays: dict = {}
    origin: dict = {}
    if isinstance(exprs, Expr):
        exprs = (exprs,)
    nodes = [n for e in exprs for n in e.walk()]
    names = {n.name for n in nodes if isinstance(n, Var)}
    extra = [k for k in values if k not in names]  # sizes given by name (m=2), if any
    symbols = {f for n in nodes for d in n.shape + (n.args if isinstance(n, (DimSize, Comm)) else ())  # (dim(n), comm(m, n) too)
               if isinstance(d, str) for f in d.split("*") if not f.isdigit()} if extra else set()  # (n of n*n too)
    for d in symbols.intersection(extra):  # for dimensions no variable's value fixes
        n = _whole(values[d])
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise EvaluationError(f"the size of dimension {d} must be a whole number, at least 1, not {n!r}")
        dims[d] = int(n)
        origin[d] = f"{d}={int(n)}"
    for node in nodes:
        if not isinstance(node, Var) or node.name in arrays or node.name in skip:
            continue
        name = node.name
        if name not in values and py_name(name) in values:  # lambda_, x__a_b: as the generated code names them
            name_given = py_name(name)
        elif name not in values:
            unused = sorted(k for k in values if k not in names and k not in symbols and isinstance(k, str))
            raise EvaluationError(f"no value given for {name} ({shape_words(node.shape)})"
                                  + (f"; given but not used: {', '.join(unused)}" if unused else ""))
        else:
            name_given = name
        v = values[name_given]
        if v is None:  # (np.asarray(None, dtype=float) is nan: it said 'contains NaN or infinity')
            raise EvaluationError(f"the value of {name} is None: give a number or an array ({shape_words(node.shape)})")
        _refuse_foreign_value(name, v)
        try:
            raw = np.asarray(v) if not isinstance(v, (str, bytes)) else None
        except (ValueError, TypeError, RuntimeError):  # ragged nested lists; a tensor NumPy cannot read
            raw = None
        if raw is not None and raw.dtype.kind == "O":  # Fractions, Decimals, big ints: as floats where they are numbers
            try:
                raw = raw.astype(float)
            except OverflowError:
                raise EvaluationError(f"the value of {name} is too large for a floating-point number") from None
            except (TypeError, ValueError):
                pass
        if raw is None or raw.dtype.kind not in "biuf":
            kind = "complex" if raw is not None and raw.dtype.kind == "c" else "not numeric"
            raise EvaluationError(f"the value of {name} is {kind}: give a real number or array") from None
        a = raw.astype(float)
        r, c = node.shape
        want = 0 if (r, c) == SCALAR else (1 if c == 1 else 2)
        if want == 0:
            if a.size != 1:
                raise EvaluationError(f"{name} is a scalar, but its value has shape {a.shape}")
            a = a.reshape(1, 1)
            core = (1, 1)
        elif want == 1:
            if a.ndim == 2 and (a.shape[1] == 1 or a.shape[0] == 1):  # a column or a row array: the vector,
                a = a.reshape(-1)                                      # as the generated code takes it
            if a.ndim != 1:
                raise EvaluationError(f"{name} is a vector, but its value has shape {a.shape}")
            core = (a.shape[0], 1)
            a = a.reshape(core)
        else:
            if r == 1 and (a.ndim == 1 or (a.ndim == 2 and a.shape[1] == 1)):  # a one-row matrix's NumPy form
                a = a.reshape(1, -1)  # is 1-D, as a row vector's (a column array too, as the generated code takes it)
            if a.ndim != 2:
                raise EvaluationError(f"{name} is a matrix, but its value has shape {a.shape}")
            core = a.shape
        for d, n in zip((r, c), core):
            if n == 0:  # (mean(x) of an empty x divides by 0; a dimension is a whole number, at least 1)
                raise EvaluationError(f"the value of {name} is empty (shape {np.shape(v)}): dimensions are at least 1")
            if isinstance(d, int):
                if d != n:
                    raise EvaluationError(f"{name} should be {shape_words(node.shape)}, but its value has shape {np.shape(v)}")
            elif d in dims and dims[d] != n and origin[d] == name:  # (A: matrix(m,m) given 3 x 2)
                raise EvaluationError(f"{name} should be {shape_words(node.shape)}, but its value has shape "
                                      f"{np.shape(v)}")
            elif d in dims and dims[d] != n:
                raise EvaluationError(f"{name} has size {n} where dimension {d} = {dims[d]} (from {origin[d]})")
            else:
                dims[d] = n
                origin.setdefault(d, name)
        if not np.all(np.isfinite(a)):
            raise EvaluationError(f"the value of {name} contains NaN or infinity")
        if node.props:  # declared symmetric, spd, diagonal, orthogonal, positive: cheap to confirm
            check_value(node.props - {"invertible"}, name, a)  # a singular matrix fails where inverted
        arrays[name] = a
    for d, n in list(dims.items()):  # a product m*n given by a value, one factor known: the other follows
        if "*" in str(d):
            factors = d.split("*")
            unknown = [f for f in factors if not f.isdigit() and f not in dims]
            if len(unknown) == 1 and factors.count(unknown[0]) == 1:
                known = 1
                for f in factors:
                    if f != unknown[0]:
                        known *= int(f) if f.isdigit() else dims[f]
                if n % known:
                    raise EvaluationError(f"{origin[d]} has size {n} where dimension {d} is a multiple of {known}")
                dims[unknown[0]] = n // known
                origin[unknown[0]] = origin[d]
    for d, n in dims.items():  # a product dimension m*n given by a value: m and n must agree with it
        if "*" in str(d):
            try:
                want = _dim(d, {k: v for k, v in dims.items() if k != d})
            except EvaluationError:
                continue
            if want != n:
                raise EvaluationError(f"{origin[d]} has size {n} where dimension {d} = {want}")
    return arrays, dims


def _whole(n):
    """A size given as 3.0 or np.array(3) is the whole number 3 (as generated code takes it); anything
    else is returned as it is, for the caller to refuse."""
    if isinstance(n, np.ndarray) and n.ndim == 0:
        n = n.item()
    if isinstance(n, float) and n.is_integer():
        return int(n)
    return n


def _refuse_foreign_value(name: str, v) -> None:
    """A value NumPy cannot read as numbers, said as what it is: a torch tensor that requires grad
    (NumPy raised torch's own RuntimeError), a traced JAX value inside jax.jit or jax.grad."""
    if getattr(v, "requires_grad", False) and hasattr(v, "detach"):
        raise EvaluationError(f"the value of {name} is a torch tensor that requires grad, and evaluate gives NumPy "
                              f"numbers, which carry no gradient: pass {name}.detach(), or use torch code, "
                              "r.to_numpy(backend='torch'), through which autograd goes")
    if "Tracer" in type(v).__name__:
        raise EvaluationError(f"the value of {name} is a traced JAX value (inside jax.jit, jax.grad or vmap); "
                              "evaluate takes concrete arrays: use JAX code, r.to_numpy(backend='jax'), there")


def check_values(values: Mapping | None) -> dict:
    """The values by the names of the variables: a name may be given as it was typed, β for beta and
    x_{1} for x_1 (the text read them so). Any mapping is taken (a dict, a MappingProxyType), as the
    API's annotations promise."""
    if values is None:
        return {}
    if not isinstance(values, Mapping):
        raise EvaluationError(f"values must be a dict from names to arrays or numbers, not {type(values).__name__}")
    if not isinstance(values, dict):
        values = dict(values)
    if "I" in values:  # (a mask or data matrix named I in a paper: the formula was read with the identity)
        raise EvaluationError("a value is given for I, but I is the identity matrix in matcalc's language, never a "
                              "variable, so the value would not be used; if the formula's I is a matrix of data (a "
                              "mask), give it another name (M) in the formula and in the values")
    if all(type(k) is str and k.isascii() and "{" not in k for k in values):
        return values
    out, given = {}, {}
    for k, v in values.items():
        name = norm_name(greek_names(k)) if isinstance(k, str) else k
        if name in out:
            raise EvaluationError(f"two values are given for {name}: as {given[name]!r} and as {k!r}")
        out[name], given[name] = v, k
    return out


def evaluate(expr: Expr, values: dict, context: Iterable[Expr] = ()) -> Value:
    """The value of expr as NumPy: a float, a 1-D array for vectors, a 2-D array for matrices.

    `context` are further expressions whose variables' values fix dimensions (the
    gradient of tr(X) is I, whose size comes from X).
    """
    arrays, dims = bind_dims((expr,) + tuple(context), check_values(values))
    out = evaluate_arrays(expr, arrays, dims)
    return squeeze(out, expr.shape)


def squeeze(a: np.ndarray, shape: Shape) -> Value:
    r, c = shape
    if (r, c) == SCALAR:
        return float(a.reshape(-1)[0]) if a.ndim == 2 else a[..., 0, 0]
    if c == 1:
        return a[..., :, 0]
    if r == 1:
        return a[..., 0, :]
    return a


#: the most entries of one matrix evaluation forms (2 GB of float64), as generated code's _kron allows
MAX_ENTRIES = 2 ** 28


def evaluate_arrays(expr: Expr, arrays: dict, dims: dict) -> np.ndarray:
    """Evaluate on internal arrays (..., rows, cols); every node once."""
    memo: dict = {}
    expr = _with_stable_forms(expr)
    with np.errstate(all="ignore"):
        for node, kids in _walk(expr):
            f = _EVAL[type(node)] if kids is node.children else _mul_partial_trace
            try:
                if node.shape[0] != 1 and node.shape[1] != 1 and \
                        _dim(node.shape[0], dims) * _dim(node.shape[1], dims) > MAX_ENTRIES:
                    raise MemoryError  # (Linux grants 12.8 GB for diag(vec(P)) and kills the process filling it)
                value = memo[id(node)] = f(node, [memo[id(c)] for c in kids], arrays, dims)
            except (MemoryError, ValueError) as e:  # (a dense n x n identity or Hessian at n = 100,000 is 80 GB;
                # NumPy refuses an array past its address space, ones(1e12, 1e12), with a ValueError)
                if isinstance(e, ValueError) and "too big" not in str(e):
                    raise
                size = " x ".join(str(_dim(d, dims)) for d in node.shape)
                raise EvaluationError(f"{size} values of {to_text(node)[:60]} do not fit in memory: evaluate at "
                                      f"smaller sizes, or use a Hessian-vector product (hvp), which never forms "
                                      f"the dense Hessian") from None
            if not np.all(np.isfinite(value)):
                _overflowed(node)
    return memo[id(expr)]


def _overflowed(node: Expr) -> None:
    """Refuse a value that is not finite where its parts are (the inputs are finite, and every node's
    value is checked): a sum, a product or a determinant beyond floating point. Left alone, x' x at
    x = 1e200 is inf, and the gradient x / ||x|| came out as 0, with no warning."""
    raise EvaluationError(f"{to_text(node)[:80]} overflowed at these values (too large for a floating-point "
                          f"number); evaluate where the inputs are smaller, or rescale them")


def _walk(expr: Expr):
    """(node, the nodes its value is computed from), children first, every node once: a node's
    children, but for a product holding a partial trace (the gradient through kron) its other
    factors and the traced matrix T, whose (n^2 p)^2-entry Kronecker factors are never formed."""
    seen, stack = set(), [(expr, False)]
    while stack:
        node, done = stack.pop()
        if done:
            yield node, _kids(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in reversed(_kids(node)) if id(c) not in seen)


def _kids(node: Expr) -> tuple:
    if type(node) is Mul:
        pt = _partial_trace_of(node)
        return node.children if pt is None else tuple(node.args[:pt[0]]) + (pt[1],) + tuple(node.args[pt[0] + 3:])
    return node.children


def _partial_trace_of(node: Mul):
    """core.reductions.partial_trace of a product's factors, kept on the node."""
    got = node._c.get("e.partial_trace", False)
    if got is False:
        got = node._c["e.partial_trace"] = partial_trace(node.args)
    return got


def _mul_partial_trace(node, ch, arrays, dims):
    """A product whose factors i..i+2 are a partial trace of T (core.reductions.partial_trace): the
    other factors' values with T's in place of those three, T's traced over its blocks."""
    i, t, grid, spec = _partial_trace_of(node)
    tv = ch[i]
    traced = np.einsum("..." + spec.replace("->", "->..."),
                       tv.reshape(tv.shape[:-2] + tuple(_dim(d, dims) for d in grid)))
    scalar = [k.shape == SCALAR for k in node.args[:i]] + [False] + [k.shape == SCALAR for k in node.args[i + 3:]]
    return _product(scalar, list(ch[:i]) + [traced] + list(ch[i + 1:]))


def _with_stable_forms(e: Expr) -> Expr:
    """e with log(sigmoid(u)) as -softplus(-u), log(cosh(u)) as |u| + softplus(-2 |u|) - log 2, ...
    (functions.STABLE_FORMS): equal, and finite where the inner function under- or overflows, as
    the generated code computes them; and with the diagonal of an entrywise matrix taken entry by
    entry (rebuild.diagonals_first: diag(diag(I ./ D)) is 1 / 0 off the diagonal, which only the
    diagonal's is not). Kept on the node (evaluation repeats on one expression)."""
    done = e._c.get("stable_forms")
    if done is None:
        def fn(n):
            return (stable_form(n.name, n.arg, B) or n) if isinstance(n, Func) else n
        done = B.transform(e, fn) if any(isinstance(n, Func) for n in e.walk()) else e
        done = e._c["stable_forms"] = B.diagonals_first(done)
    return done


def _check(node, a, what):
    if not np.all(np.isfinite(a)):
        raise EvaluationError(f"{what} in {to_text(node)}")
    return a


def _inv(node, a):
    try:
        if a.ndim == 2 and np.linalg.cond(a) > 1e14:
            raise np.linalg.LinAlgError
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        m = node.arg if hasattr(node, "arg") else node
        m = m.args[0] if isinstance(m, Transpose) else m  # (X' is singular where X is: name what was given)
        raise EvaluationError(f"{to_text(m)} is singular (not invertible) at these values") from None


def _num(n):
    try:
        return np.array([[float(n.value)]])
    except OverflowError:
        raise EvaluationError(f"the number {str(n.value)[:20]}... is too large for floating point") from None


def _mul(node, ch, arrays, dims):
    return _product([x.shape == SCALAR for x in node.children], ch, node)


def _product(scalar: list, ch, node: Expr | None = None):
    """The product of the values `ch` (scalars, flagged in `scalar`, times the chain of the others, in order).
    A product whose factors' largest entries multiply to far below floating point's smallest normal number
    (_LOG_TINY) is refused, as an overflow is: x x' at x = 1e-200 is 0, and a Hessian-vector product at
    inputs scaled by 1e-200 came out as 0, with no word."""
    out = None
    scal = None
    for is_scalar, c in zip(scalar, ch):
        if is_scalar:
            scal = c if scal is None else _underflow_checked(scal, c, scal * c, node)
        else:
            out = c if out is None else _underflow_checked(out, c, out @ c, node)
    if out is None:
        return scal
    return out if scal is None else _underflow_checked(scal, out, scal * out, node)


_TINY = sys.float_info.min  # (the smallest normal float)


def _underflow_checked(a, b, product, node):
    """`product` (of a and b), unless it underflowed: a's and b's largest entries, both nonzero and finite,
    multiply to far below the smallest normal float (where a product keeps few digits, then none)."""
    if node is None:
        return product
    ma, mb = float(np.max(np.abs(a), initial=0.0)), float(np.max(np.abs(b), initial=0.0))
    if 0.0 < ma < _SMALL or 0.0 < mb < _SMALL:  # (a cheap gate: a factor far below 1)
        if ma > 0.0 and mb > 0.0 and math.isfinite(ma) and math.isfinite(mb) and math.log(ma) + math.log(mb) < _LOG_TINY:
            raise EvaluationError(f"{to_text(node)[:80]} underflowed at these values (too small for a floating-point "
                                  f"number, it would be 0); evaluate where the inputs are larger, or rescale them")
    return product


_SMALL = math.sqrt(_TINY)  # (below it, one factor: the product of two factors can underflow only so)
#: below the smallest normal float by 2^30: a subnormal product keeps fewer than 22 of its 53 bits (an
#: answer of 1e-313, a logistic loss's gradient at a large margin, keeps 37 and is given)
_LOG_TINY = math.log(_TINY) - 30 * math.log(2)


def _pow(node, ch, arrays, dims):
    b, e = ch
    out = np.power(b, e)
    if np.all(np.isfinite(out)) or np.any(np.isnan(out)) or not np.all(np.isfinite(b)):
        return _check(node, out, "a power outside its domain (a negative base to a fractional power, or 0 to a "
                                 "negative power)")
    # an infinite power of finite numbers: 0 to a negative power, or too large for a float
    if np.any((b == 0) & (e < 0)):
        return _check(node, out, "a power outside its domain (0 to a negative power; the base is 0 here, or so "
                                 "small that it rounds to 0 in floating point)")
    return _check(node, out, "a power that overflowed (too large for a floating-point number)")


def _func(node, ch, arrays, dims):
    spec = FUNCTIONS[node.name]
    a = ch[0]
    if spec.domain is not None and np.any(spec.domain(a)):
        raise EvaluationError(f"{spec.domain_message}: {to_text(node)}")
    return _check(node, spec.numpy(a), f"{node.name} overflowed or left its domain")


def _matpow(node, ch, arrays, dims):
    a = ch[0]
    k = node.k
    if k < 0:
        a = _inv(node.base, a)
        k = -k
    return np.linalg.matrix_power(a, k)


def _softmax(node, ch, arrays, dims):
    u = ch[0]
    z = np.exp(u - u.max(axis=-2, keepdims=True))
    return z / z.sum(axis=-2, keepdims=True)


def _logsumexp(node, ch, arrays, dims):
    """log(sum(exp(u))) down each column, shifted by the column's largest entry: never overflows."""
    u = ch[0]
    m = u.max(axis=-2, keepdims=True)
    return m + np.log(np.exp(u - m).sum(axis=-2, keepdims=True))


def _diag(node, ch, arrays, dims):
    v = ch[0][..., :, 0]
    n = v.shape[-1]
    return v[..., :, None] * np.eye(n)


def _vec(node, ch, arrays, dims):
    a = ch[0]
    r, c = a.shape[-2:]
    return np.swapaxes(a, -1, -2).reshape(a.shape[:-2] + (r * c, 1))


def _unvec(node, ch, arrays, dims):
    v = ch[0]
    r, c = _dim(node.args[1], dims), _dim(node.args[2], dims)
    return np.swapaxes(v.reshape(v.shape[:-2] + (c, r)), -1, -2)


def _kron(node, ch, arrays, dims):
    a, b = ch
    out = np.einsum("...ij,...kl->...ikjl", a, b)
    s = out.shape
    return out.reshape(s[:-4] + (s[-4] * s[-3], s[-2] * s[-1]))


def _comm(node, ch, arrays, dims):
    m, n = _dim(node.args[0], dims), _dim(node.args[1], dims)
    k = np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _det(node, ch, arrays, dims):
    return np.linalg.det(ch[0])[..., None, None]


def _logdet(node, ch, arrays, dims):
    sign, ld = np.linalg.slogdet(ch[0])
    if np.any(sign == 0):
        raise EvaluationError("logdet of a singular matrix")
    return ld[..., None, None]


_EVAL = {
    Var: lambda n, ch, arrays, dims: arrays[n.name],
    Num: lambda n, ch, arrays, dims: _num(n),
    DimSize: lambda n, ch, arrays, dims: np.array([[float(_dim(n.args[0], dims))]]),
    Identity: lambda n, ch, arrays, dims: np.eye(_dim(n.args[0], dims)),
    Zero: lambda n, ch, arrays, dims: np.zeros((_dim(n.shape[0], dims), _dim(n.shape[1], dims))),
    Ones: lambda n, ch, arrays, dims: np.ones((_dim(n.shape[0], dims), _dim(n.shape[1], dims))),
    Comm: _comm,
    Add: lambda n, ch, arrays, dims: reduce(np.add, ch),
    Mul: _mul,
    Hadamard: lambda n, ch, arrays, dims: reduce(np.multiply, ch),
    Transpose: lambda n, ch, arrays, dims: np.swapaxes(ch[0], -1, -2),
    Inverse: lambda n, ch, arrays, dims: _inv(n, ch[0]),
    MatPow: _matpow,
    Pow: _pow,
    Func: _func,
    Trace: lambda n, ch, arrays, dims: np.trace(ch[0], axis1=-2, axis2=-1)[..., None, None],
    Det: _det,
    LogDet: _logdet,
    Sum: lambda n, ch, arrays, dims: ch[0].sum(axis=(-2, -1), keepdims=True),
    Softmax: _softmax,
    LogSumExp: _logsumexp,
    Diag: _diag,
    DiagPart: lambda n, ch, arrays, dims: np.diagonal(ch[0], axis1=-2, axis2=-1)[..., :, None],
    Vec: _vec,
    Unvec: _unvec,
    Kron: _kron,
}


SERVICES["evaluate"] = lambda e, values: evaluate(e, values)  # node.evaluate(values)
