"""Generated code for the layers ML uses agrees with `.evaluate()` on every backend (NumPy, JAX,
PyTorch): each function's gradient (or Jacobian, Hessian), and the losses built from them, one
compiled function returning the value and the gradient."""
import inspect

import numpy as np
import pytest

import matcalc
from conftest import assert_close
from matcalc.numerics.sampling import sample_values
from matcalc.outputs.codegen.names import py_name

try:  # generated JAX code follows the inputs' dtypes; these tests compare float64 results
    import jax
    jax.config.update("jax_enable_x64", True)
except ImportError:
    pass

BACKENDS = ["numpy", "jax", "torch"]
BATCH = "W: matrix(k,d); X: matrix(d,N); Y: matrix(k,N)"
MLP = "||W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y||_F^2"
MLP_WHERE = "W1: matrix(h,d); W2: matrix(k,h); X: matrix(d,N); Y: matrix(k,N); b1: vector(h); b2: vector(k)"

# (kind, expression, wrt, where)
CASES = [
    # each elementwise function alone is generated for every backend in tests/core/test_registry.py
    ("grad", "sum(relu(W x) + softplus(W x) + log1p(exp(W x)))", "W", "x: vector(n)"),
    ("grad", "logsumexp(A x)", "x", ""),
    ("hessian", "logsumexp(A x)", "x", ""),
    ("jacobian", "logsumexp(Z)", "Z", "Z: matrix(k,N)"),
    ("grad", "logsumexp(Z, 2)' a", "Z", "Z: matrix(k,N)"),
    ("jacobian", "softmax(Z)", "Z", "Z: matrix(k,N)"),
    ("grad", "sum(X, 1) c + a' sum(X, 2)", "X", "X: matrix(m,n)"),
    ("grad", "mean(X) + ||mean(X, 1)||^2", "X", "X: matrix(m,n)"),
    ("grad", "sum(x .^ y)", "x", "x: vector(n) positive; y: vector(n)"),
    ("grad", "sum(x .^ y)", "y", "x: vector(n) positive; y: vector(n)"),
    ("grad", "vec(X)' M vec(X)", "X", "X: matrix(m,n); M: matrix(m*n, m*n)"),
    ("grad", "tr(kron(A, B) C)", "A", "A: matrix(m,n); B: matrix(p,q)"),
    ("grad", "tr(kron(A, B) C)", "B", "A: matrix(m,n); B: matrix(p,q)"),
    ("grad", "sum(exp(unvec(v, m, n)) .* A)", "v", "A: matrix(m,n)"),
    # maps through vec, unvec and kron are written from their Kronecker form
    ("jacobian", "kron(A, B)", "A", "A: matrix(m,n); B: matrix(p,q)"),
    ("jacobian", "vec(A X)", "X", "A: matrix(m,n); X: matrix(n,p)"),
    ("jacobian", "unvec(v, m, n) .* A", "v", "A: matrix(m,n)"),
    ("hessian", "vec(X)' M vec(X)", "X", "X: matrix(m,n); M: matrix(m*n, m*n)"),
    ("grad", "sum(logsumexp(W X)) - sum(Y .* (W X))", "W", BATCH),
    ("grad", "-sum(Y .* log(softmax(W X)))", "W", BATCH),
    ("grad", MLP, "W1", MLP_WHERE),
    ("grad", "1/2 ||A w - b||^2 + lambda norm1(w)", "w", ""),
]
FN = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def _backend(name):
    if name != "numpy":
        pytest.importorskip(name)
    return name


def _inputs(r, seed=0):
    """Random values for every variable, by the declared properties; product dimensions fit."""
    vals, _ = sample_values([r.function.node, r.node], np.random.default_rng(seed))
    return vals


def _call(fn, vals):
    by_py = {py_name(k): v for k, v in vals.items()}
    return fn(**{p: by_py[p] for p in inspect.signature(fn).parameters})


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1]}:{c[2]}" for c in CASES])
def test_generated_code_agrees_with_evaluate(case, backend):
    kind, text, wrt, where = case
    r = FN[kind](text, wrt, where=where or None)
    fn = r.to_numpy(backend=_backend(backend))
    vals = _inputs(r)
    assert_close(np.asarray(_call(fn, vals)), np.asarray(r.evaluate(vals)), rtol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_compiled_cross_entropy_returns_value_and_gradient(backend):
    text = "sum(logsumexp(W X)) - sum(Y .* (W X))"
    fn = matcalc.compile(text, "W", where=BATCH, backend=_backend(backend))
    rng = np.random.default_rng(3)
    W, X = rng.standard_normal((3, 2)), rng.standard_normal((2, 6))
    Y = np.eye(3)[:, rng.integers(0, 3, 6)]
    value, g = fn(W, X, Y)
    Z = W @ X
    m = Z.max(axis=0)
    lse = m + np.log(np.exp(Z - m).sum(axis=0))
    assert float(value) == pytest.approx(lse.sum() - (Y * Z).sum(), rel=1e-10)
    P = np.exp(Z - lse)
    assert_close(np.asarray(g), (P - Y) @ X.T, rtol=1e-10)


def test_generated_logsumexp_does_not_overflow():
    fn = matcalc.compile("logsumexp(x)", "x", outputs=("value",))
    assert float(fn(np.array([1000.0, 1000.0]))) == pytest.approx(1000.0 + np.log(2.0))


def test_generated_softmax_of_a_matrix_normalizes_each_column():
    fn = matcalc.compile("softmax(Z)", "Z", where="Z: matrix(k,N)", outputs=("value",))
    Z = np.random.default_rng(4).standard_normal((3, 5)) * 30
    assert_close(fn(Z).sum(axis=0), np.ones(5), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_denominator_jacobian_through_kron_is_the_transpose(backend):
    where = "A: matrix(m,n); B: matrix(p,q)"
    r = matcalc.jacobian("kron(A, B)", "A", where=where, layout="denominator")
    fn = r.to_numpy(backend=_backend(backend))
    vals = _inputs(r)
    num = matcalc.jacobian("kron(A, B)", "A", where=where).evaluate(vals)
    assert_close(np.asarray(_call(fn, vals)), np.transpose(num, (2, 3, 0, 1)), rtol=1e-12)


def test_numpy_runtime_helpers_of_the_layers():
    from matcalc.outputs.codegen import runtime_numpy as rt
    z = np.array([-800.0, -3.0, 0.0, 5.0, 800.0])
    assert np.array_equal(rt._relu(z), np.maximum(z, 0.0))
    assert rt._logsumexp(z) == pytest.approx(800.0)
    Z = np.array([[1.0, 900.0], [2.0, 900.0], [3.0, -5.0]])
    assert_close(rt._logsumexp(Z), [3.0 + np.log(np.exp([-2.0, -1.0, 0.0]).sum()), 900.0 + np.log(2.0)], rtol=1e-14)
    assert_close(rt._softmax(Z).sum(axis=0), [1.0, 1.0], rtol=1e-14)
    assert_close(rt._softmax(Z)[:, 0], np.exp(Z[:, 0]) / np.exp(Z[:, 0]).sum(), rtol=1e-14)
