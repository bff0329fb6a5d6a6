"""matcalc.outputs.codegen.kernels: the compiled loops generated code uses for large elementwise results.

Each loop must give exactly what NumPy gives, for any memory layout, and must step aside
(return None) wherever it does not apply, so that the caller's NumPy code runs instead.
"""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import matcalc
from conftest import assert_close
from matcalc.outputs.codegen import kernels

numba = pytest.importorskip("numba", reason="the compiled loops need numba (matcalc[fast])")

RNG = np.random.default_rng(7)
M, N = 300, 260  # above kernels.MIN_SIZE


def test_outer_product_equals_numpy_outer():
    u, v = RNG.standard_normal(M), RNG.standard_normal(N)
    assert np.array_equal(kernels.outer(u, v), np.outer(u, v))


def test_outer_product_of_strided_vectors_equals_numpy_outer():
    u, v = RNG.standard_normal(2 * M)[::2], RNG.standard_normal(N)[::-1]
    assert np.array_equal(kernels.outer(u, v), np.outer(u, v))


@pytest.mark.parametrize("layout", ["C", "F", "reversed columns"])
def test_scaled_matrix_plus_outer_product_equals_numpy_in_every_layout(layout):
    base = RNG.standard_normal((M, N))
    m = {"C": base, "F": np.asfortranarray(base), "reversed columns": base[:, ::-1]}[layout]
    u, v = RNG.standard_normal(M), RNG.standard_normal(N)
    got = kernels.axpy_outer(0.5, m, -2.0, u, v)
    assert_close(got, 0.5 * m + -2.0 * np.outer(u, v), rtol=1e-15)


def test_scaled_matrix_plus_outer_product_leaves_the_matrix_unchanged():
    m = RNG.standard_normal((M, N))
    before = m.copy()
    kernels.axpy_outer(3.0, m, 1.0, RNG.standard_normal(M), RNG.standard_normal(N))
    assert np.array_equal(m, before)


def test_small_results_are_left_to_numpy():
    assert kernels.outer(np.ones(10), np.ones(10)) is None
    assert kernels.axpy_outer(1.0, np.ones((10, 10)), 1.0, np.ones(10), np.ones(10)) is None


def test_non_float64_arrays_are_left_to_numpy():
    u = np.ones(M, dtype=np.float32)
    assert kernels.outer(u, np.ones(N)) is None


def test_the_environment_variable_turns_the_loops_off(monkeypatch):
    monkeypatch.setenv("MATCALC_KERNELS", "0")
    assert not kernels.enabled()
    assert kernels.outer(np.ones(M), np.ones(N)) is None


def test_without_numba_every_loop_steps_aside(monkeypatch):
    monkeypatch.setattr(kernels, "_loops", {})
    assert not kernels.enabled()
    assert kernels.axpy_outer(1.0, np.ones((M, N)), 1.0, np.ones(M), np.ones(N)) is None


def test_importing_matcalc_does_not_import_numba():
    code = "import sys, matcalc; matcalc.grad(\"a' X b\", 'X').to_numpy(); print('numba' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_generated_outer_product_gradient_is_the_same_with_and_without_the_loops():
    fn = matcalc.grad("a' X b", "X", where="X: matrix(m,n)").to_numpy()
    a, b = RNG.standard_normal(M), RNG.standard_normal(N)
    with_loops = fn(np.zeros((M, N)), a, b)
    fn.__globals__["_kernels"] = None
    assert np.array_equal(fn(np.zeros((M, N)), a, b), with_loops)
    assert np.array_equal(with_loops, np.outer(a, b))


def test_generated_weight_decay_gradient_is_one_pass_and_the_same_without_the_loops():
    r = matcalc.grad("1/2 ||sigmoid(W x + b) - t||^2 + lambda/2 ||W||_F^2", "W",
                     where="W: matrix(m,n); b: vector(m); x: vector(n); t: vector(m); lambda: scalar")
    assert "_axpy_outer(lambda_, W, " in r.numpy_source()
    vals = {"W": RNG.standard_normal((M, N)), "b": RNG.standard_normal(M), "x": RNG.standard_normal(N),
            "t": RNG.standard_normal(M), "lambda": 0.3}
    fn = r.to_numpy()
    want = r.evaluate(vals)
    args = (vals["W"], vals["b"], 0.3, vals["t"], vals["x"])
    assert_close(fn(*args), want, rtol=1e-12)
    fn.__globals__["_kernels"] = None  # NumPy: 0.3 W, then the outer product added in place
    assert_close(fn(*args), want, rtol=1e-12)
    fn.__globals__["_blas"] = None  # and without SciPy
    assert_close(fn(*args), want, rtol=1e-12)


layouts = st.sampled_from(["C", "F", "strided", "reversed"])


def _laid_out(a, layout):
    if a.ndim == 1:
        return {"C": a, "F": a, "strided": np.repeat(a, 2)[::2], "reversed": a[::-1].copy()[::-1]}[layout]
    return {"C": a, "F": np.asfortranarray(a), "strided": np.repeat(a, 2, axis=1)[:, ::2],
            "reversed": a[::-1, ::-1].copy()[::-1, ::-1]}[layout]


@given(m=st.integers(1, 30), n=st.integers(1, 30), seed=st.integers(0, 2 ** 32 - 1),
       layout_m=layouts, layout_u=layouts, layout_v=layouts, s=st.floats(-3, 3), alpha=st.floats(-3, 3))
@settings(deadline=None)
def test_property_loops_agree_with_numpy_for_any_shape_and_layout(m, n, seed, layout_m, layout_u, layout_v, s, alpha):
    rng = np.random.default_rng(seed)
    mat = _laid_out(rng.standard_normal((m, n)), layout_m)
    u, v = _laid_out(rng.standard_normal(m), layout_u), _laid_out(rng.standard_normal(n), layout_v)
    old = kernels.MIN_SIZE
    kernels.MIN_SIZE = 1  # every size through the loops
    try:
        outer, axpy = kernels.outer(u, v), kernels.axpy_outer(s, mat, alpha, u, v)
    finally:
        kernels.MIN_SIZE = old
    assert np.array_equal(outer, np.outer(u, v))
    assert_close(axpy, s * mat + alpha * np.outer(u, v), rtol=1e-14, atol=1e-14)


def test_with_no_writable_cache_the_loops_compile_in_memory(monkeypatch):
    real = numba.njit

    def refusing_cache(*args, **kw):
        if kw.get("cache"):
            def deco(fn):
                raise RuntimeError("cannot cache function: no locator available for file")
            return deco
        return real(*args, **kw)
    monkeypatch.setattr(numba, "njit", refusing_cache)
    monkeypatch.setattr(kernels, "_loops", None)
    u, v = RNG.standard_normal(M), RNG.standard_normal(N)
    assert np.array_equal(kernels.outer(u, v), np.outer(u, v))


def test_arrays_of_the_wrong_shape_are_left_to_numpy():
    assert kernels.outer(np.ones((M, 1)), np.ones(N)) is None
    assert kernels.axpy_outer(1.0, np.ones((M, N)), 1.0, np.ones(N), np.ones(M)) is None
