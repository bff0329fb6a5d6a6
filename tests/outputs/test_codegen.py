"""Generated NumPy functions agree with .evaluate() on every seed case."""
import math
import re

import numpy as np
import pytest

import matcalc
from conftest import assert_close, decl, load_cases, sample_inputs

try:  # generated JAX code follows the inputs' dtypes; these tests compare float64 results
    import jax
    jax.config.update("jax_enable_x64", True)
except ImportError:
    pass

CASES = load_cases()
FN = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def _call(fn, params, vals):
    return fn(**{p: vals[p.rstrip("_") if p.endswith("_") else p] for p in params})


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_generated_function_agrees_with_evaluate(case):
    r = FN[case["kind"]](case["expr"], case["wrt"], where=decl(case))
    fn = r.to_numpy()
    vals = sample_inputs(case)
    import inspect
    params = list(inspect.signature(fn).parameters)
    got = _call(fn, params, vals)
    ref = r.evaluate(vals)
    assert_close(got, ref, rtol=1e-9)


def test_a_user_variable_named_t_does_not_clash_with_generated_names():
    fn = matcalc.grad("det(A - t I)", "t", where="A: matrix(n,n); t: scalar").to_numpy()
    A = np.diag([3.0, 4.0])
    assert fn(A, 1.0) == pytest.approx(-(2.0 + 3.0))  # d/dt (3-t)(4-t) at t = 1


@pytest.mark.parametrize("name", ["np", "h", "out", "f", "t", "lambda", "x1", "W_2"])
def test_any_variable_name_is_safe_in_generated_code(name):
    text = f"{name}' {name}" if name != "lambda" else f"{name} {name}"
    where = f"{name}: vector(n)" if name != "lambda" else "lambda: scalar"
    r = matcalc.grad(text, name, where=where)
    fn = r.to_numpy()
    v = np.array([1.0, 2.0]) if name != "lambda" else 3.0
    assert_close(fn(v), r.evaluate({name: v}))


def test_compile_returns_value_and_gradient_together():
    fn = matcalc.compile("1/2 ||A x - b||^2", "x", outputs=("value", "grad"))
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    b = np.array([1.0, 0.0, 1.0])
    x = np.array([0.5, -1.0])
    value, g = fn(A, b, x)
    assert value == pytest.approx(0.5 * np.sum((A @ x - b) ** 2))
    assert_close(g, A.T @ (A @ x - b))


def test_compile_hvp_takes_the_direction_last():
    fn = matcalc.compile("1/2 ||A x - b||^2", "x", outputs=("hvp",))
    A = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    v = np.array([1.0, -2.0])
    assert_close(fn(A, np.zeros(3), np.zeros(2), v), A.T @ (A @ v))


def test_matrix_hessian_is_written_without_kronecker_products():
    r = matcalc.hessian("log(det(X))", "X")
    src = r.numpy_source()
    assert "kron" not in src
    X = np.array([[2.0, 0.5], [0.3, 1.5]])
    assert_close(r.to_numpy()(X), r.evaluate({"X": X}))


def test_generated_source_is_plain_numpy_without_user_text():
    r = matcalc.grad("tr(A X B X')", "X")
    src = r.numpy_source()
    assert "import numpy as _np" in src
    assert "eval(" not in src and "exec(" not in src


def test_generated_sigmoid_is_accurate_in_both_tails():
    """sigmoid(-30) = 9.3576e-14 to full relative precision (0.5 (1 + tanh(z/2)) loses it)."""
    exact = lambda z: math.exp(z) / (1.0 + math.exp(z)) if z < 0 else 1.0 / (1.0 + math.exp(-z))  # noqa: E731
    zs = np.array([-700.0, -30.0, -1.0, 0.0, 2.0, 40.0])
    f = matcalc.compile("sum(sigmoid(x))", "x", outputs=("value",))
    assert math.isclose(f(zs), sum(exact(z) for z in zs), rel_tol=1e-15)
    g = matcalc.grad("sigmoid(a)", "a", where="a: scalar").to_numpy()
    for z in (-700.0, -30.0, 0.5, 30.0):
        assert math.isclose(g(z), exact(z) * (1 - exact(z)), rel_tol=1e-12)


def test_generated_sigmoid_keeps_its_far_negative_tail():
    """Below -709 sigmoid(z) is exp(z) (a subnormal number, then 0), never a clamped 1e-308."""
    from matcalc.outputs.codegen.runtime_numpy import _sigmoid
    assert _sigmoid(np.array([-720.0]))[0] == math.exp(-720.0)
    assert _sigmoid(np.array([-1000.0]))[0] == 0.0


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_log_sigmoid_is_finite_where_sigmoid_underflows(backend):
    """log(sigmoid(z)) = -softplus(-z): the loss -y' log(sigmoid(X w)) at a margin of -800 is 800."""
    if backend != "numpy":
        pytest.importorskip(backend)
    f = matcalc.compile("-y' log(sigmoid(X w))", "w", outputs=("value",), backend=backend)
    value = f(np.array([[1.0], [1.0]]), np.array([-800.0]), np.array([1.0, 0.0]))
    assert math.isclose(float(value), 800.0, rel_tol=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_log_of_one_minus_sigmoid_is_finite_where_sigmoid_rounds_to_one(backend):
    """log(1 - sigmoid(u)) = -softplus(u): the cross-entropy's other half at u = 800 is -800."""
    if backend != "numpy":
        pytest.importorskip(backend)
    f = matcalc.compile("sum(log(1 - sigmoid(x)))", "x", outputs=("value",), backend=backend)
    value = float(f(np.array([800.0, 0.0])))
    assert math.isclose(value, -800.0 - math.log(2.0), rel_tol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch", "evaluate"])
@pytest.mark.parametrize("text", ["a' log(softmax(x))", "log(softmax(x))' a"])
def test_log_softmax_is_finite_where_an_entry_of_softmax_underflows(backend, text):
    """log(softmax(u)) = u - logsumexp(u): at x = (800, 0, -5) the value is -4015, where softmax(x)
    underflows to 0 in two entries (the value was -inf, and evaluate refused a log of 0)."""
    if backend not in ("numpy", "evaluate"):
        pytest.importorskip(backend)
    a, x = np.array([1.0, 2.0, 3.0]), np.array([800.0, 0.0, -5.0])
    if backend == "evaluate":
        value = matcalc.parse(text).evaluate({"a": a, "x": x})
    else:
        value = float(matcalc.compile(text, "x", outputs=("value",), backend=backend)(a, x))
    assert math.isclose(value, float(a @ (x - 800.0 - np.log1p(np.exp(-800.0) + np.exp(-805.0)))), rel_tol=1e-6)


def test_generated_log_softmax_computes_its_argument_once():
    src = matcalc.compile("-sum(Y .* log(softmax(W X)))", "W", outputs=("value",)).__matcalc_source__
    assert src.split("def f", 1)[1].count("W @ X") == 1


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_log_cosh_is_finite_where_cosh_overflows(backend):
    """log(cosh(u)) = |u| + softplus(-2 |u|) - log 2: the log-cosh loss at a residual of 800 is 800 - log 2."""
    if backend != "numpy":
        pytest.importorskip(backend)
    f = matcalc.compile("sum(log(cosh(x)))", "x", outputs=("value",), backend=backend)
    assert math.isclose(float(f(np.array([800.0, -800.0, 0.3]))), 2 * (800.0 - math.log(2.0)) + math.log(math.cosh(0.3)),
                        rel_tol=1e-6)


def test_generated_module_defines_only_the_helpers_it_uses():
    src = matcalc.grad("log(det(X))", "X").numpy_source()
    assert "def _softmax" not in src and "def _comm" not in src and "import math" not in src
    src = matcalc.hessian("log(sum(exp(A x + b)))", "x").numpy_source()
    assert "def _softmax" in src and "def _sigmoid" not in src


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_other_backends_agree_with_numpy(backend):
    pytest.importorskip(backend)  # optional extras: matcalc[jax], matcalc[torch]
    import inspect
    for text, wrt, where in [("1/2 ||A x - b||^2", "x", "A: matrix(m,n)"),
                             ("log(det(X))", "X", ""),
                             ("log(sum(exp(A x + b)))", "x", "")]:
        r = matcalc.grad(text, wrt, where=where)
        fn = r.to_numpy(backend=backend)
        ref = r.to_numpy()
        rng = np.random.default_rng(0)
        vals = {"A": rng.standard_normal((4, 3)), "b": rng.standard_normal(4), "x": rng.standard_normal(3),
                "X": rng.standard_normal((3, 3)) + 3 * np.eye(3)}
        params = list(inspect.signature(ref).parameters)
        got = fn(*[vals[p] for p in params])
        assert_close(np.asarray(got), ref(*[vals[p] for p in params]), rtol=1e-9)


@pytest.mark.parametrize("f,where", [
    ("tr(A X B X')", "A: matrix(m,m); B: matrix(n,n); X: matrix(m,n)"),
    ("tr(X' X X' X)", "X: matrix(m,n)"),
    ("tr(X^-1)", "X: matrix(n,n)"),
    ("||A X - B||_F^2", "A: matrix(m,k); X: matrix(k,n)"),
    ("log(det(X)) + tr(A X)", "X: matrix(n,n) spd"),
])
def test_generated_matrix_hessians_agree_with_evaluate(f, where):
    r = matcalc.hessian(f, "X", where=where)
    import inspect
    fn = r.to_numpy()
    rng = np.random.default_rng(5)
    dims = {"m": 3, "n": 4, "k": 2}
    vals = {}
    for name in inspect.signature(fn).parameters:
        v = next(n for n in r.function.node.walk() if getattr(n, "name", None) == name)
        shape = tuple(dims.get(d, d) if isinstance(d, str) else d for d in v.shape)
        a = rng.standard_normal(shape)
        if "spd" in v.props:
            a = a @ a.T + np.eye(shape[0])
        elif shape[0] == shape[1]:
            a = a + 3 * np.eye(shape[0])
        vals[name] = a
    assert_close(fn(**vals), r.evaluate(vals), rtol=1e-9)


@pytest.mark.parametrize("n", [3, 600])  # both of the helper's LAPACK paths (getri; getrs beyond 500)
def test_det_and_inverse_of_one_matrix_share_one_factorization(n):
    r = matcalc.grad("det(X)", "X", where="X: matrix(n,n) invertible")
    src = r.numpy_source()
    assert src.count("_det_inv(X)") == 1 and "_np.linalg.det(X)" not in src.split("def f")[-1]
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, n)) / np.sqrt(n) + np.eye(n)
    assert_close(r.to_numpy()(X), np.linalg.det(X) * np.linalg.inv(X).T, rtol=1e-8)


def test_shared_factorization_falls_back_to_numpy_without_scipy():
    fn = matcalc.grad("det(A - t I)", "t", where="A: matrix(n,n); t: scalar").to_numpy()
    A = np.array([[2.0, 1.0, 0.0], [0.5, 3.0, 1.0], [0.0, 1.0, 4.0]])
    with_scipy = fn(A, 0.5)
    fn.__globals__["_lapack"] = None
    assert math.isclose(fn(A, 0.5), with_scipy, rel_tol=1e-12)


def test_shared_factorization_of_a_singular_matrix_fails_like_numpy():
    fn = matcalc.grad("det(X)", "X", where="X: matrix(n,n)").to_numpy()
    with pytest.raises(np.linalg.LinAlgError):
        fn(np.ones((3, 3)))


@pytest.mark.parametrize("kind,text,wrt,where", [
    ("jacobian", "diag(A x)", "x", "x: vector(n)"),             # was an n x n array, not n x n x n
    ("jacobian", "diag(sin(x))", "x", "x: vector(n)"),          # was an einsum error
    ("hessian", "a + sum(sin(G))", "G", "G: matrix(n,n) diagonal"),  # was an einsum error
    ("jacobian", "B diag(A x) C", "x", "x: vector(n)"),
    ("jacobian", "diag(diag(X))", "X", "X: matrix(n,n)"),
    ("jacobian", "(sin(x x' + C) + C) x", "x", "x: vector(n)"),  # kron(x, I) with x 1-D was a row
    ("hessian", "det((X' X)' (X' X) + 1 I)", "X", "X: matrix(n,n)"),  # ran out of index letters
])
def test_regression_generated_maps_through_diag_agree_with_evaluate(kind, text, wrt, where):
    import inspect
    r = getattr(matcalc, kind)(text, wrt, where=where)
    rng = np.random.default_rng(3)
    vals = {"a": 0.5, "x": rng.standard_normal(3), "X": rng.standard_normal((3, 3)), "A": rng.standard_normal((3, 3)),
            "B": rng.standard_normal((3, 3)), "C": rng.standard_normal((3, 3)), "G": np.diag(rng.standard_normal(3))}
    fn = r.to_numpy()
    want = r.evaluate(vals)
    assert_close(np.asarray(fn(*[vals[p] for p in inspect.signature(fn).parameters])), want)


def test_regression_generated_gradient_of_a_cancelled_variable_takes_it_for_its_size():
    """Was: 'the size of dimension n cannot be read off the inputs' (x cancelled from x' x (a - a))."""
    fn = matcalc.grad("x' x (a - a)", "x", where="a: scalar; x: vector(n)").to_numpy()
    assert_close(fn(x=np.ones(3)), np.zeros(3))


def test_rank_one_term_of_a_matrix_sum_is_added_in_place():
    r = matcalc.grad("tr(W' A W) + u' W v", "W", where="W: matrix(n,n)")
    src = r.numpy_source()
    assert "= _add_outer(" in src
    rng = np.random.default_rng(4)
    vals = {"W": rng.standard_normal((60, 60)), "A": rng.standard_normal((60, 60)), "u": rng.standard_normal(60),
            "v": rng.standard_normal(60)}
    fn = r.to_numpy()
    want = r.evaluate(vals)
    assert_close(fn(**vals), want, rtol=1e-12)
    fn.__globals__["_blas"] = None  # without SciPy: the same sum
    assert_close(fn(**vals), want, rtol=1e-12)


STANDALONE = """
import importlib.util, sys
import numpy as np
sys.modules["matcalc"] = None  # the generated module must not need matcalc,
sys.modules["scipy"] = None    # nor SciPy
spec = importlib.util.spec_from_file_location("generated", sys.argv[1])
mod = importlib.util.module_from_spec(spec)
spec.loader.exec_module(mod)
rng = np.random.default_rng(0)
n = 300
W, A, u, v = rng.standard_normal((n, n)), rng.standard_normal((n, n)), rng.standard_normal(n), rng.standard_normal(n)
got = mod.f(W=W, A=A, u=u, v=v)
want = (A + A.T) @ W + np.outer(u, v) + np.linalg.inv(W).T
print(np.abs(got - want).max() / np.abs(want).max())
"""


def test_generated_module_runs_without_matcalc_or_scipy(tmp_path):
    import subprocess
    import sys
    src = matcalc.grad("tr(W' A W) + u' W v + log(det(W))", "W", where="W: matrix(n,n)").numpy_source()
    path = tmp_path / "generated.py"
    path.write_text(src)
    out = subprocess.run([sys.executable, "-c", STANDALONE, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout) < 1e-10


@pytest.mark.parametrize("n", [4, 520])  # getri up to 500, getrs beyond
def test_generated_inverse_agrees_with_numpy_on_both_sides_of_the_lapack_switch(n):
    fn = matcalc.grad("log(det(X))", "X", where="X: matrix(n,n)").to_numpy()
    X = np.random.default_rng(n).standard_normal((n, n)) + n ** 0.5 * np.eye(n)
    assert_close(fn(X), np.linalg.inv(X).T, rtol=1e-10)
    fn.__globals__["_lapack"] = None  # without SciPy: np.linalg.inv
    assert_close(fn(X), np.linalg.inv(X).T, rtol=1e-10)


def test_generated_inverse_of_a_singular_matrix_fails_like_numpy():
    fn = matcalc.grad("log(det(X))", "X", where="X: matrix(n,n)").to_numpy()
    with pytest.raises(np.linalg.LinAlgError):
        fn(np.ones((3, 3)))


@pytest.mark.parametrize("f, s, want", [("1/s", 0.0, (np.inf, -np.inf)), ("sqrt(s)", -1.0, (np.nan, np.nan)),
                                        ("s^(1/3)", -8.0, (np.nan, np.nan)), ("log(s)", 0.0, (-np.inf, np.inf))])
def test_generated_scalar_code_outside_the_domain_gives_inf_or_nan_with_numpys_warning(f, s, want):
    # Python's floats raised ZeroDivisionError (1 / s at 0) and TypeError (a complex s ** -0.5 for s < 0)
    fn = matcalc.compile(f, "s", where="s: scalar", outputs=("value", "grad"))
    with pytest.warns(RuntimeWarning):
        got = fn(s)
    np.testing.assert_equal(got, want)


def test_regression_compiled_value_sized_by_a_cancelled_variable():
    """Was: 'the size of dimension n cannot be read off the inputs' (<P^-1', P> + a = n + a)."""
    fn = matcalc.compile("<P^-1', P> + a", "a", where="P: matrix(n,n) spd; a: scalar", outputs=("value", "grad"))
    assert fn(P=np.eye(3), a=2.0) == (5.0, 1.0)


def test_a_scalar_factor_common_to_every_term_of_an_array_sum_is_applied_once():
    r = matcalc.grad("log(<x, A x>)", "x", where="A: matrix(n,n); x: vector(n)")
    body = r.numpy_source().split("def f(", 1)[1]
    assert body.count(" * ") == 1  # (A x + A' x) / <x, A x>: one scaling, not one per term
    rng = np.random.default_rng(5)
    A, x = np.eye(4) + 0.3 * rng.standard_normal((4, 4)), rng.standard_normal(4)
    assert_close(r.to_numpy()(A, x), (A + A.T) @ x / (x @ A @ x), rtol=1e-12)


@pytest.mark.parametrize("layout", ["numerator", "denominator"])
@pytest.mark.parametrize("text,wrt,where", [
    ("B x + sin(x)", "x", "B: matrix(n,n); x: vector(n)"),
    ("X B", "X", "B: matrix(n,m); X: matrix(p,n)"),
])
def test_compiled_jacobian_has_the_layout_asked_for_and_agrees_with_evaluate(layout, text, wrt, where):
    rng = np.random.default_rng(5)
    vals = {"B": rng.standard_normal((3, 3) if wrt == "x" else (3, 2)), "x": rng.standard_normal(3),
            "X": rng.standard_normal((4, 3))}
    fn = matcalc.compile(text, wrt, where=where, outputs=("value", "jacobian"), layout=layout)
    want = matcalc.jacobian(text, wrt, where=where, layout=layout).evaluate(vals)
    assert_close(fn(**{"B": vals["B"], wrt: vals[wrt]})[1], want)


def test_compiled_vector_jacobian_in_denominator_layout_is_the_numerator_one_transposed():
    where = "B: matrix(n,n); x: vector(n)"
    num = matcalc.compile("B x + sin(x)", "x", where=where, outputs="jacobian")
    den = matcalc.compile("B x + sin(x)", "x", where=where, outputs="jacobian", layout="denominator")
    B, x = np.arange(9.0).reshape(3, 3), np.array([0.1, -0.4, 0.7])
    assert_close(den(B, x), num(B, x).T)


def test_compile_with_an_unknown_layout_is_a_matcalc_error():
    with pytest.raises(matcalc.MatcalcError, match="layout must be 'numerator' or 'denominator'"):
        matcalc.compile("B x", "x", outputs="jacobian", layout="row")


CANCELLING = "A: matrix(m,n); y: vector(n)"


@pytest.mark.parametrize("kind", ["grad", "hessian", "hvp", "differential", "jacobian"])
def test_the_variable_differentiated_by_is_a_parameter_even_where_it_cancels(kind):
    """sum(y - y) by y: the generated function was f(A) (A declared, carrying n), called with y it failed."""
    import inspect
    r = getattr(matcalc, kind)("sum(y - y)", "y", where=CANCELLING)
    params = list(inspect.signature(r.to_numpy()).parameters)
    assert params[0] == "y" and "A" not in params
    assert "y: vector(n)" in r.where
    out = r.to_numpy()(*[np.ones(3)] * len(params))
    assert_close(out, r.evaluate({p: np.ones(3) for p in params}), rtol=0)


def test_compile_takes_the_variables_differentiated_by_even_where_they_cancel():
    import inspect
    assert list(inspect.signature(matcalc.compile("sum(y - y)", "y", where=CANCELLING)).parameters) == ["y"]
    fn = matcalc.compile("sum(y - y) + sum(z)", ["y", "z"], where=CANCELLING)
    assert list(inspect.signature(fn).parameters) == ["y", "z"]


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_size_read_from_a_one_row_variable_is_the_length_of_its_1d_array(backend):
    # the code took n from axis 1 of A's 1-D array (IndexError) where A is declared matrix(1, n)
    pytest.importorskip(backend)
    g = matcalc.grad("sum(kron(A, X))", "X", where="A: matrix(1,n); X: matrix(n,1)")
    f = g.to_numpy(backend)
    for A in (np.arange(1.0, 4.0), np.arange(1.0, 4.0).reshape(1, 3)):
        np.testing.assert_allclose(np.asarray(f(A=A, X=np.ones(3))), g.evaluate({"A": A, "X": np.ones(3)}))


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_size_no_input_shows_is_a_keyword_argument_of_the_generated_function(backend):
    """unvec(v, m, n) with v: vector(m*n): the Jacobian needs m and n, which v's length does not give;
    to_numpy raised 'the size of dimension m cannot be read off the inputs'."""
    pytest.importorskip({"numpy": "numpy", "jax": "jax", "torch": "torch"}[backend])
    r = matcalc.jacobian("unvec(v, m, n)", "v", where="v: vector(m*n)")
    v = np.arange(6.0)
    out = np.asarray(r.to_numpy(backend=backend)(v, m=2, n=3))
    assert np.allclose(out, r.evaluate({"v": v, "m": 2, "n": 3}))


def test_a_product_size_an_input_gives_whole_needs_no_keyword():
    r = matcalc.hessian("sum(unvec(v, m, n) .^ 2)", "v", where="v: vector(m*n)")
    v = np.arange(6.0)
    assert np.allclose(r.to_numpy()(v), r.evaluate({"v": v, "m": 2, "n": 3}))


def test_compile_takes_a_size_no_input_shows_by_keyword_and_agrees_with_evaluate():
    where = "v: vector(m*n); x: vector(n)"
    f = matcalc.compile("sum(unvec(v, m, n) x)", "v", where=where, outputs=("value", "grad"))
    v, x = np.arange(6.0), np.array([1.0, 2.0, 3.0])
    value, grad = f(v, x, m=2)
    assert np.isclose(value, matcalc.parse("sum(unvec(v, m, n) x)", where=where).evaluate({"v": v, "x": x, "m": 2}))
    assert np.allclose(grad, matcalc.grad("sum(unvec(v, m, n) x)", "v", where=where).evaluate({"v": v, "x": x, "m": 2}))


def test_the_docstring_of_a_hessians_code_indexes_it_by_the_variable_twice():
    # it said [out..., in...], a Jacobian's indexing
    src = matcalc.hessian("log(det(X))", "X").numpy_source()
    assert "hessian (array [wrt..., wrt...])" in src


def test_a_long_typed_out_chain_is_planned_as_a_balanced_tree_and_agrees_with_evaluate():
    """tr(X B X B ...) typed out 100 times: its gradient, a chain of 199 factors, took 6 s to plan by the
    cubic matrix-chain search, and one nested left to right would pass Python's 200 parentheses."""
    from matcalc.outputs.codegen.chain_order import LONG_CHAIN
    r = matcalc.grad("tr(" + " ".join(["X B"] * 100) + ")", "X")
    src = r.numpy_source()
    depth = deepest = 0
    for ch in src:
        depth += ch == "("
        depth -= ch == ")"
        deepest = max(deepest, depth)
    assert deepest < 2 * LONG_CHAIN
    rng = np.random.default_rng(0)
    X, B = rng.normal(size=(3, 3)) / 2, rng.normal(size=(3, 3)) / 2
    assert np.allclose(r.to_numpy()(B, X), r.evaluate({"X": X, "B": B}))


def test_a_vector_at_the_end_of_a_long_chain_is_multiplied_first():
    """The greedy split of a long chain keeps products with a vector: x' A A ... A x forms no A A."""
    r = matcalc.grad("x' " + " ".join(["A"] * 60) + " b", "x")
    src = r.numpy_source()
    assert "A @ A" not in src and "A.T @ A.T" not in src


def test_generated_code_nested_past_the_parser_is_a_limit_error():
    from matcalc.outputs.codegen.generate import load_generated
    src = "def f(x):\n    return " + "(" * 300 + "x" + ")" * 300 + "\n"
    with pytest.raises(matcalc.LimitError, match="nested too deeply for Python's parser"):
        load_generated(src)


@pytest.mark.parametrize("text", ["||x||^1e400", "1e400 x'x", "1/4.9e-324 x'x"])
def test_a_number_beyond_floating_point_is_refused_by_generated_code_as_by_evaluate(text):
    """The literal 1e400 had been read by Python as inf (the gradient inf) or raised OverflowError."""
    r = matcalc.grad(text, "x")
    with pytest.raises(matcalc.EvaluationError, match="too large for floating point"):
        r.evaluate({"x": np.array([0.3, 0.5])})
    with pytest.raises(matcalc.EvaluationError, match="too large for floating point"):
        r.to_numpy()


@pytest.mark.parametrize("text, k", [("sum(X .^ 4)", 3), ("sum(X .^ 6)", 5), ("sum(X .^ -2)", -3)])
def test_a_small_integer_power_is_written_as_products_and_agrees_with_evaluate(text, k):
    """NumPy's X ** 3 calls pow() per entry: 300 times slower than X * X * X."""
    r = matcalc.grad(text, "X")
    src = r.numpy_source()
    assert f"** {k}" not in src and f"** {float(k)}" not in src
    X = np.random.default_rng(1).uniform(0.5, 1.5, size=(4, 3))
    assert np.allclose(r.to_numpy()(X), r.evaluate({"X": X}))


def test_a_number_times_a_matrix_plus_an_outer_product_is_one_pass():
    """The Hessian of 1 / (1 + x'x) is c (s I + a x x'): the scalar c is taken into the one pass over the
    n x n result (the outer product, the diagonal added in place), where it was a second pass; nor is the
    identity formed first."""
    r = matcalc.hessian("1 / (1 + x' x)", "x")
    body = r.numpy_source().split("def f(", 1)[1].splitlines()
    last = body[-1].strip()  # (return _owned(_t3, x): a result sharing an input's memory is copied)
    name = re.fullmatch(r"return (?:_owned\()?(_t\d+)\b.*", last).group(1)
    assert any(line.strip().startswith(name + " = _low_rank(") for line in body)
    code = "\n".join(body)
    assert "eye(" not in code and code.count("_low_rank(") + code.count("_outer(") == 1
    x = np.random.default_rng(2).normal(size=7)
    assert np.allclose(r.to_numpy()(x), r.evaluate({"x": x}))


def test_generated_code_refuses_a_kronecker_product_past_a_gigabyte_as_evaluate_does():
    """The Hessian of x' kron(A, B) x is kron(A, B) + kron(A', B'), (m n)^2 entries: at m = n = 200
    generated code forming it would be killed past 8 GB; evaluate refuses it too."""
    r = matcalc.hessian("x' kron(A, B) x", "x", where="A: matrix(m,m); B: matrix(n,n); x: vector(m*n)")
    h = r.to_numpy()
    rng = np.random.default_rng(0)
    small = {"A": rng.normal(size=(3, 3)), "B": rng.normal(size=(2, 2)), "x": rng.normal(size=6)}
    assert np.allclose(h(**small), r.evaluate(small))
    big = {"A": rng.normal(size=(200, 200)), "B": rng.normal(size=(200, 200)), "x": rng.normal(size=40000)}
    with pytest.raises(MemoryError, match="a Kronecker product .* 1,600,000,000 entries"):
        h(**big)
    with pytest.raises(matcalc.EvaluationError, match="do not fit in memory"):
        r.evaluate(big)
