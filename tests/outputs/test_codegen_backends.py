"""Generated code agrees with .evaluate() on every backend (NumPy, JAX, PyTorch), for every
result kind; names, input checks, layouts and the CLI's generated module (issue 14)."""
import importlib.util
import inspect
import json
import re
import os
import subprocess
import sys
import tracemalloc
import warnings

import numpy as np
import pytest

import matcalc
from conftest import assert_close

try:  # generated JAX code follows the inputs' dtypes; these tests compare float64 results
    import jax
    jax.config.update("jax_enable_x64", True)
except ImportError:
    pass
from matcalc.outputs.codegen.generate import py_name

BACKENDS = ["numpy", "jax", "torch"]


def _backend(name):
    if name != "numpy":
        pytest.importorskip(name)
    return name


def _values(fn, r, dims=None, seed=0):
    """Random inputs for the generated function's parameters, by the declared shapes."""
    rng = np.random.default_rng(seed)
    dims = dims or {}
    nodes = {}
    for e in [r.function.node, r.node] + list(r.directions) + list(r.function.context) + (
            [r.linear_map.variable] if getattr(r, "linear_map", None) else []):
        for n in e.walk():
            if hasattr(n, "name") and hasattr(n, "props"):
                nodes.setdefault(n.name, n)
    sizes = {}
    vals = {}
    for p in inspect.signature(fn).parameters:
        v = next(n for name, n in nodes.items() if py_name(name) == p)
        shape = []
        for d in v.shape:
            if isinstance(d, int):
                shape.append(d)
            else:
                shape.append(sizes.setdefault(d, dims.get(d, 3 + len(sizes) % 2)))
        r_, c_ = shape
        if (r_, c_) == (1, 1):
            vals[p] = float(rng.uniform(0.5, 1.5))
        elif r_ == 1 or c_ == 1:
            vals[p] = rng.standard_normal(max(r_, c_))
        else:
            a = rng.standard_normal((r_, c_))
            if r_ == c_ and "diagonal" in v.props:
                a = np.diag(rng.uniform(1, 2, r_))
            elif r_ == c_:
                a = a @ a.T / r_ + np.eye(r_) if "spd" in v.props or "symmetric" in v.props else a + 3 * np.eye(r_)
            vals[p] = a
    return vals


def _by_name(vals):
    """Parameter values keyed by the language's names (for .evaluate)."""
    out = {}
    for k, v in vals.items():
        out[k[:-1] if k.endswith("_") else k] = v
    return out


# (kind, expression, wrt, where, options)
CASES = [
    ("grad", "a' X (b + c)", "X", "", {}),                      # was a[:, None] * b + c in JAX/PyTorch
    ("grad", "sum(tanh(A' x))", "A", "", {}),                   # same bug, off by 0.07
    ("grad", "1/2 ||A x - b||^2", "x", "", {}),
    ("grad", "log(det(X))", "X", "", {}),
    ("grad", "tr(A X B X')", "X", "", {}),
    ("grad", "log(sum(exp(A x + b)))", "x", "", {}),
    ("grad", "u' W v - 2 (p - q)' W r", "W", "", {}),
    ("jacobian", "A x", "x", "", {}),
    ("jacobian", "A x", "x", "", {"layout": "denominator"}),
    ("jacobian", "A X B", "X", "", {}),
    ("jacobian", "A X B", "X", "A: matrix(p,m); B: matrix(n,q); X: matrix(m,n)", {"layout": "denominator"}),
    ("jacobian", "X x", "x", "X: matrix(m,n)", {"layout": "denominator"}),
    ("jacobian", "sin(W x + b)", "x", "W: matrix(m,n)", {"layout": "denominator"}),
    ("jacobian", "S x", "S", "S: matrix(n,n) symmetric", {}),  # the directions of S's space only
    ("jacobian", "S^-1 A", "S", "S: matrix(n,n) spd", {"layout": "denominator"}),
    ("jacobian", "D' A", "D", "D: matrix(n,n) diagonal", {}),
    ("grad", "sum(y - y)", "y", "A: matrix(m,n); y: vector(n)", {}),  # y a parameter although it cancels
    ("grad", "log(2) x'x + exp(1) sum(x) + sqrt(log(3))", "x", "", {}),  # PyTorch's log took no float
    ("grad", "log(dim(n)) x'x + sqrt(dim(n)) sum(x) + tanh(dim(n))", "x", "x: vector(n)", {}),  # nor an int
    ("grad", "sigmoid(n) sum(x) + softplus(n - 1) x'x", "x", "x: vector(n)", {}),  # JAX's sigmoid took no int
    ("jacobian", "a sin(W ./ W)", "a", "W: matrix(m,n); a: scalar", {}),  # (of ones: an array, no float)
    ("grad", "||mean(X, 2) u'||_2", "X", "X: matrix(m,n); u: vector(m)", {}),
    ("grad", "sum(log(cosh(A x - b))) - y' log(sigmoid(A x))", "x", "", {}),  # the stable forms
    ("hessian", "x' A x", "x", "", {}),
    ("hessian", "log(sum(exp(A x + b)))", "x", "", {}),
    ("hessian", "tr(A X X B)", "X", "", {}),
    ("hessian", "tr(X' X X' X)", "X", "X: matrix(m,n)", {}),
    ("hessian", "log(det(X' A X + B))", "X", "X: matrix(n,n)", {}),
    ("hessian", "tr(A X^2 B X^-T)", "X", "", {}),
    ("hessian", "tr(S A S)", "S", "S: matrix(n,n) symmetric", {}),
    ("hessian", "x' A^7 x", "A", "", {}),                      # nested differentials of A^1 ... A^6
    ("hvp", "x' A^-6 x", "A", "", {}),                         # the same through A^-1
    ("grad", "x'A^3 x", "x", "", {}),                          # A^k x as k products, A^k never formed
    ("grad", "a'A^5 x + ||A^2 x - b||^2", "x", "", {}),
    ("grad", "x'(A + B)^2 x + x'A^-2 x", "x", "", {}),
    ("hvp", "x'A^3 x", "x", "", {}),
    ("grad", "tr(X' diag(a) X) + diag(A X X')'a + diag(A^2)'a", "a", "X: matrix(n,p); A: matrix(n,n)", {}),  # diag(P Q) row by row
    ("hvp", "1/2 ||A x - b||^2", "x", "", {}),
    ("hvp", "tr(X' A X)", "X", "", {}),
]
FN = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian, "hvp": matcalc.hvp}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}:{c[1]}:{c[4].get('layout', '')}" for c in CASES])
def test_every_backend_agrees_with_evaluate(case, backend):
    kind, text, wrt, where, opts = case
    r = FN[kind](text, wrt, where=where or None, **opts)
    fn = r.to_numpy(backend=_backend(backend))
    vals = _values(fn, r, dims={"m": 3, "n": 4, "p": 2, "q": 5})
    got = np.asarray(fn(**vals))
    want = np.asarray(r.evaluate(_by_name(vals)))
    assert got.shape == want.shape
    assert_close(got, want, rtol=1e-9)


@pytest.mark.parametrize("backend", BACKENDS)
def test_compile_with_several_outputs_agrees_on_every_backend(backend):
    text, where = "log(sum(exp(A x + b))) + 1/2 x' x", "A: matrix(m,n)"
    fn = matcalc.compile(text, "x", where=where, outputs=("value", "grad", "hessian"), backend=_backend(backend))
    rng = np.random.default_rng(1)
    A, b, x = rng.standard_normal((5, 3)), rng.standard_normal(5), rng.standard_normal(3)
    value, g, H = fn(A, b, x)
    vals = {"A": A, "b": b, "x": x}
    assert float(value) == pytest.approx(matcalc.parse(text, where=where).evaluate(vals), rel=1e-12)
    assert_close(np.asarray(g), matcalc.grad(text, "x", where=where).evaluate(vals), rtol=1e-10)
    assert_close(np.asarray(H), matcalc.hessian(text, "x", where=where).evaluate(vals), rtol=1e-10)


def test_denominator_jacobian_of_a_map_is_transposed_even_when_shapes_agree():
    r = matcalc.jacobian("A X B", "X", layout="denominator")
    rng = np.random.default_rng(2)
    A, B, X = (rng.standard_normal((3, 3)) for _ in range(3))
    got = r.to_numpy()(A, B, X)
    num = matcalc.jacobian("A X B", "X").to_numpy()(A, B, X)
    assert_close(got, num.transpose(2, 3, 0, 1))
    assert "denominator" in r.numpy_source()


# ---------------------------------------------------------------- names
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["float", "range", "jax", "torch", "lambda", "CHECK_INPUTS", "len", "max"])
def test_builtin_and_module_names_are_safe_scalars(name, backend):
    r = matcalc.grad(f"{name}^2 + 3 {name}", name, where=f"{name}: scalar")
    src = r.numpy_source(backend=_backend(backend))
    assert f"{name} = float({name})" not in src
    fn = r.to_numpy(backend=backend)
    assert float(fn(2.0)) == pytest.approx(7.0)


def test_a_function_name_cannot_be_a_variable():
    """abs and sum are functions of the language: declaring one as a scalar is no way around that."""
    with pytest.raises(matcalc.MatcalcError):
        matcalc.grad("abs^2 + 3 abs", "abs", where="abs: scalar")


def test_braced_and_plain_subscripts_are_one_name_in_generated_code():
    """x_1 and x_{1} are the same name in the language, so one parameter."""
    r = matcalc.grad("x_1' x_{1} + 2 x_1' a", "x_1", where="x_1: vector(n)")
    fn = r.to_numpy()
    params = list(inspect.signature(fn).parameters)
    assert params == ["a", "x_1"]
    rng = np.random.default_rng(3)
    a, u = rng.standard_normal((2, 4))
    assert_close(fn(a=a, x_1=u), 2 * u + 2 * a)


def test_py_name_is_injective_on_tricky_names():
    from matcalc.outputs.codegen.names import py_name
    names = ["x", "x1", "x_1", "x_{1}", "x_{a_b}", "x_ab", "float", "lambda", "x_{a}", "x_a", "CHECK_INPUTS"]
    got = [py_name(n) for n in names]
    assert len(set(got)) == len(got)
    assert all(g.isidentifier() for g in got)


# ---------------------------------------------------------------- input checks
@pytest.mark.parametrize("backend", BACKENDS)
def test_generated_functions_check_their_inputs(backend):
    fn = matcalc.grad("1/2 ||A x - b||^2", "x").to_numpy(backend=_backend(backend))
    A, b, x = np.ones((4, 3)), np.ones(4), np.ones(3)
    fn(A, b, x)
    with pytest.raises(ValueError, match=r"argument x: expected a 1-D vector, got an array of shape \(3, 3\)"):
        fn(A, b, np.ones((3, 3)))  # a matrix where a vector is expected
    with pytest.raises(ValueError, match="argument b: expected a 1-D vector"):
        fn(A, np.ones((4, 4)), x)  # a matrix for a vector
    with pytest.raises(ValueError, match=r"argument x: axis 0 has size 5.*is 3"):
        fn(A, b, np.ones(5))  # sizes that disagree
    with pytest.raises(ValueError, match="argument A: expected a 2-D matrix"):
        fn(np.ones(3), b, x)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_functions_take_a_vector_as_a_column_or_row_and_a_scalar_as_one_entry(backend):
    """As evaluate does: a variable declared matrix(n, 1) or matrix(1, n) is a vector, and a scalar
    may come as an array of one entry."""
    r = matcalc.grad("||A X - B||_F^2", "X", where="X: matrix(n,1); A: matrix(m,n); B: matrix(m,1)")
    A, X, B = np.arange(12.0).reshape(4, 3), np.ones((3, 1)), np.ones((4, 1))
    fn = r.to_numpy(backend=_backend(backend))
    assert_close(np.asarray(fn(A, B, X)), r.evaluate({"A": A, "X": X, "B": B}))
    s = matcalc.grad("x^2", "x", where="x: scalar").to_numpy(backend=_backend(backend))
    assert float(s(np.array([2.0]))) == 4.0


def test_input_checks_can_be_turned_off():
    fn = matcalc.grad("1/2 ||A x - b||^2", "x").to_numpy()
    assert fn.__globals__["CHECK_INPUTS"] is True
    fn.__globals__["CHECK_INPUTS"] = False
    fn(np.ones((4, 3)), np.ones(4), np.ones(3))
    assert "CHECK_INPUTS" in fn.__matcalc_source__.split("def f", 1)[0]


def test_check_args_runtime_helper_directly():
    from matcalc.outputs.codegen.runtime_common import _check_args
    _check_args((("A", np.ones((2, 3)), ("m", "n")), ("x", np.ones(3), ("n",)), ("y", np.ones(4), (4,))))
    with pytest.raises(ValueError, match="argument y: axis 0 has size 3, declared as 4"):
        _check_args((("y", np.ones(3), (4,)),))
    with pytest.raises(ValueError, match="dimension n is 3 .argument A, axis 1."):
        _check_args((("A", np.ones((2, 3)), ("m", "n")), ("x", np.ones(2), ("n",))))
    _check_args((("K", np.ones((6, 2)), (None, 2)),))


# ---------------------------------------------------------------- runtime modules and structure
def test_numpy_runtime_helpers_directly():
    from matcalc.outputs.codegen import runtime_numpy as rt
    rng = np.random.default_rng(4)
    X = rng.standard_normal((5, 5)) + 4 * np.eye(5)
    d, inv, logdet = rt._det_inv(X)
    assert d == pytest.approx(np.linalg.det(X)) and np.allclose(inv, np.linalg.inv(X))
    assert logdet == pytest.approx(np.linalg.slogdet(X)[1])
    assert np.allclose(rt._inv(X), np.linalg.inv(X))
    u, v = rng.standard_normal(60), rng.standard_normal(50)
    assert np.allclose(rt._outer(u, v), np.outer(u, v))
    M = rng.standard_normal((60, 50))
    assert np.allclose(rt._axpy_outer(2.0, M, 3.0, u, v), 2 * M + 3 * np.outer(u, v))
    assert np.allclose(rt._add_outer(M.copy(), -1.0, u, v), M - np.outer(u, v))
    w, z2 = rng.standard_normal(60), rng.standard_normal(60)
    assert np.allclose(rt._low_rank((w, z2), (w, u), 0.5, None), np.outer(w, w) + np.outer(z2, u) + 0.5 * np.eye(60))
    S = rng.standard_normal((60, 60))
    assert np.allclose(rt._low_rank((w, z2), (w, u), 0.0, S), np.outer(w, w) + np.outer(z2, u) + S)
    z = np.array([-800.0, -3.0, 0.0, 5.0, 800.0])
    assert np.allclose(rt._sigmoid(z), 1 / (1 + np.exp(-np.clip(z, -700, 700))))
    assert np.allclose(rt._softplus(z[1:4]), np.log1p(np.exp(z[1:4])))
    assert np.allclose(rt._softmax(z[1:4]), np.exp(z[1:4]) / np.exp(z[1:4]).sum())
    assert rt._log_det(X) == pytest.approx(np.linalg.slogdet(X)[1])
    K = rt._comm(2, 3)
    A = rng.standard_normal((2, 3))
    assert np.allclose(K @ A.reshape(-1, order="F"), A.T.reshape(-1, order="F"))


def test_codegen_modules_are_at_most_700_lines():
    import glob
    import os
    here = os.path.dirname(matcalc.outputs.codegen.generate.__file__)
    for path in glob.glob(os.path.join(here, "*.py")):
        with open(path) as fh:
            assert sum(1 for _ in fh) <= 700, path


def test_matcalc_never_imports_the_jax_or_torch_runtime():
    import matcalc.outputs.codegen.generate  # noqa: F401
    assert "matcalc.outputs.codegen.runtime_jax" not in sys.modules
    assert "matcalc.outputs.codegen.runtime_torch" not in sys.modules


# ---------------------------------------------------------------- linear maps: contraction order
@pytest.mark.parametrize("text", ["tr(A X^2 B X^-T)", "det((X' X)' (X' X) + 1 I)", "tr(X^8 A)",
                                  "log(det(X' A X + B))"])
def test_no_einsum_is_left_to_numpys_naive_loop(text):
    """Every einsum of a dense map carries a contraction path chosen when the code was generated
    (or the term became matrix products and none is left)."""
    src = matcalc.hessian(text, "X").numpy_source()
    body = src.split("def f(", 1)[1]
    views = len(re.findall(r"_np\.einsum\('[a-z]+->[a-z]+', _t\d+\)\[\.\.\.\] \+=", body))  # (a diagonal view: no loop)
    assert body.count("_np.einsum(") - views == body.count("optimize=['einsum_path'")
    assert "det((X' X)" not in text or body.count("_np.einsum(") >= 1


# ---------------------------------------------------------------- the Kronecker form (evaluation, not codegen)
def test_kron_form_of_a_map_without_variables_says_which_size_is_unknown():
    """2 kron(I, I_k) has an identity of a size no value fixes: a clear error naming it, like .evaluate()."""
    r = matcalc.jacobian("2 kron(I_k, I_k)", "X", where="X: matrix(n,n)")
    with pytest.raises(matcalc.EvaluationError, match="dimension"):
        r.kron.evaluate({"X": np.eye(3)})


def test_a_derivative_of_a_formula_with_an_identity_nothing_sizes_asks_for_its_size():
    """2 kron(I, I): the identities' size was a new one, k, that no value could give."""
    with pytest.raises(matcalc.ParseError, match=r"size you mean, I_n or eye\(n\)"):
        matcalc.jacobian("2 kron(I, I)", "X", where="X: matrix(n,n)")


def test_kron_form_sized_by_a_vanished_variable_evaluates():
    r = matcalc.jacobian("tr(X) A", "X")
    vals = {"X": np.eye(3), "A": np.ones((2, 2))}
    J = r.kron.evaluate(vals)
    assert J.shape == (4, 9)
    dense = r.evaluate(vals)  # [out rows, out cols, in rows, in cols]; vec is column-major
    assert np.allclose(np.moveaxis(dense, 1, 0).reshape(4, 9), J)


# ---------------------------------------------------------------- CLI
def _cli(*args):
    return subprocess.run([sys.executable, "-m", "matcalc.cli", *args], capture_output=True, text=True)


def test_cli_numpy_with_check_writes_an_importable_module(tmp_path):
    out = _cli("tr(A X B X')", "--wrt", "X", "--format", "numpy", "--check")
    assert out.returncode == 0, out.stderr
    assert "check:" in out.stderr and "check:" not in out.stdout
    path = tmp_path / "gen.py"
    path.write_text(out.stdout)
    spec = importlib.util.spec_from_file_location("gen", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rng = np.random.default_rng(5)
    A, B, X = rng.standard_normal((3, 3)), rng.standard_normal((4, 4)), rng.standard_normal((3, 4))
    assert_close(mod.f(A, B, X), A.T @ X @ B.T + A @ X @ B)


def test_cli_json_gives_the_shape_of_a_matrix_hessian_array_and_d2f_of_a_vector_hessian():
    out = json.loads(_cli("tr(X X X)", "--wrt", "X", "--hessian", "--format", "json").stdout)
    assert len(out["shape"]) == 4 and out["map_value_shape"] == out["shape"][:2]
    assert "d2f" in out
    out = json.loads(_cli("x'A x", "--wrt", "x", "--hessian", "--format", "json").stdout)
    assert len(out["shape"]) == 2 and "d2f" in out and "dx" in out["d2f"]["text"]


# ---------------------------------------------------------------- one factorization for log det and its gradient
@pytest.mark.parametrize("n", [4, 520])
def test_log_det_value_and_gradient_factor_the_matrix_once(n):
    fn = matcalc.compile("log(det(X))", "X", outputs=("value", "grad"))
    body = fn.__matcalc_source__.split("def f(", 1)[1]
    assert body.count("_det_inv(") == 1 and "_log_det(" not in body and "slogdet" not in body
    rng = np.random.default_rng(n)
    X = rng.standard_normal((n, n)) * 3 + 3 * np.sqrt(n) * np.eye(n)  # det overflows a float at n = 520
    value, g = fn(X)
    assert value == pytest.approx(np.linalg.slogdet(X)[1], rel=1e-12)
    assert_close(g, np.linalg.inv(X).T, rtol=1e-9)
    fn.__globals__["_lapack"] = None  # without SciPy: NumPy's slogdet and inv
    value2, g2 = fn(X)
    assert value2 == pytest.approx(value, rel=1e-12) and np.allclose(g2, g)
    fn.__globals__["_lapack"] = __import__("scipy.linalg", fromlist=["lapack"]).lapack
    assert np.isnan(fn(-X if n % 2 else np.diag([-1.0] + [1.0] * (n - 1)) @ X)[0])  # det < 0: log is NaN


def test_a_missing_backend_package_is_a_matcalc_error_naming_the_extra(monkeypatch):
    src = matcalc.grad("x' x", "x").numpy_source(backend="torch")
    monkeypatch.setitem(sys.modules, "torch", None)  # as if PyTorch were not installed
    from matcalc.outputs.codegen.generate import load_generated
    with pytest.raises(matcalc.MatcalcError, match=re.escape("pip install 'matcalc-diff[torch]'")):
        load_generated(src)  # (not matcalc[torch]: PyPI's matcalc is an unrelated package)


# ---------------------------------------------------------------- JAX: no global side effect, jit, vmap, sharding
JAX_SCRIPT = r'''
import os
os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import sys
import numpy as np
import jax
import jax.numpy as jnp
import matcalc

src = matcalc.grad("1/2 ||A x - b||^2", "x").numpy_source(backend="jax")
fn = matcalc.grad("1/2 ||A x - b||^2", "x").to_numpy(backend="jax")
assert not jax.config.jax_enable_x64, "the generated module changed jax_enable_x64"
rng = np.random.default_rng(0)
A = rng.standard_normal((8, 3)).astype(np.float32)
b = rng.standard_normal(8).astype(np.float32)
x = rng.standard_normal(3).astype(np.float32)
want = A.T @ (A @ x - b)
g = fn(A, b, x)
assert g.dtype == jnp.float32, g.dtype                      # float32 in, float32 out
assert np.allclose(np.asarray(g), want, rtol=1e-4, atol=1e-4)
assert np.allclose(np.asarray(jax.jit(fn)(A, b, x)), want, rtol=1e-4, atol=1e-4)
xs = rng.standard_normal((5, 3)).astype(np.float32)          # a batch of points
batched = jax.vmap(fn, in_axes=(None, None, 0))(A, b, xs)
assert batched.shape == (5, 3)
assert np.allclose(np.asarray(batched), (A.T @ (A @ xs.T - b[:, None])).T, rtol=1e-4, atol=1e-4)
# A sharded by rows over 4 devices
assert len(jax.devices()) == 4
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P
mesh = Mesh(np.array(jax.devices()), ("rows",))
A_s = jax.device_put(A, NamedSharding(mesh, P("rows", None)))
b_s = jax.device_put(b, NamedSharding(mesh, P("rows")))
g_s = jax.jit(fn)(A_s, b_s, x)
assert np.allclose(np.asarray(g_s), want, rtol=1e-4, atol=1e-4)
print("ok")
'''


def test_jax_functions_keep_dtypes_and_work_under_jit_vmap_and_sharding():
    pytest.importorskip("jax")
    env = dict(os.environ)
    env.pop("JAX_ENABLE_X64", None)
    out = subprocess.run([sys.executable, "-c", JAX_SCRIPT], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("ok")


@pytest.mark.parametrize("text", ["sigmoid(n) sum(x)", "log(sqrt(n)) x'x", "sigmoid(log(n)) sum(x)",
                                  "exp(-1/sqrt(n)) x'x", "sigmoid(n^2 - 1) sum(x)"])
def test_jax_code_of_a_function_of_sizes_runs_under_jit(text):
    """sigmoid(n) needs a float (JAX's logistic refuses an int), and float() of a value JAX computed,
    sqrt(n), fails under jax.jit: only a Python number of sizes is made a float."""
    jax = pytest.importorskip("jax")
    r = matcalc.grad(text, "x", where="x: vector(n)")
    fn = r.to_numpy(backend="jax")
    x = np.ones(3, dtype=np.float32)
    want = r.evaluate({"x": x})
    assert np.allclose(np.asarray(jax.jit(fn)(x)), want, rtol=1e-4)


# ---------------------------------------------------------------- several variables (compile with a list)
SEVERAL = [  # (expression, variables, where)
    ("sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)", ["W1", "b1", "W2", "b2"], ""),
    ("log(sum(exp(A x + b))) + 1/2 x' x", ["x", "A", "b"], "A: matrix(m,n)"),
    ("x' A y + y' y", ["y", "x"], ""),
    ("(x - A s)' W (x - A s)", ["A", "W", "s", "x"], "A: matrix(m,n); W: matrix(m,m) symmetric"),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", SEVERAL, ids=[c[0] for c in SEVERAL])
def test_compile_with_several_variables_agrees_with_evaluate_on_every_backend(case, backend):
    text, names, where = case
    where = where or None
    # the block Hessian's dense maps cost JAX a compilation each (seconds): NumPy checks them
    outputs = ("value", "grad", "hvp") + (("hessian",) if backend == "numpy" else ())
    fn = matcalc.compile(text, names, where=where, outputs=outputs, backend=_backend(backend))
    hv = matcalc.hvp(text, names, where=where)
    vals = _values(fn, hv, dims={"m": 3, "n": 4, "N": 5})
    value, grads, hvps, *hess = fn(**vals)
    by_name = _by_name(vals)
    assert float(value) == pytest.approx(matcalc.parse(text, where=where).evaluate(by_name), rel=1e-12)
    want_g = matcalc.grad(text, names, where=where).evaluate(by_name)
    want_hv = hv.evaluate(by_name)
    want_h = matcalc.hessian(text, names, where=where).evaluate(by_name) if hess else {}
    for i, a in enumerate(names):
        assert_close(np.asarray(grads[i]), want_g[a], rtol=1e-9)
        assert_close(np.asarray(hvps[i]), want_hv[a], rtol=1e-9)
        for j, b in enumerate(names if hess else ()):
            assert_close(np.asarray(hess[0][i][j]), want_h[(a, b)], rtol=1e-9)


def test_compile_with_several_variables_takes_them_sorted_and_returns_them_in_the_order_named():
    fn = matcalc.compile("x' A y + y' y", ["y", "x"], outputs=("value", "grad"))
    assert list(inspect.signature(fn).parameters) == ["A", "x", "y"]
    A, x, y = np.arange(6.0).reshape(2, 3), np.ones(2), np.arange(3.0)
    value, (gy, gx) = fn(A, x, y)
    assert value == pytest.approx(x @ A @ y + y @ y)
    assert_close(gy, A.T @ x + 2 * y) and assert_close(gx, A @ y)


def test_compile_with_several_variables_computes_the_shared_hidden_layer_once():
    fn = matcalc.compile("sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)", ["W1", "b1", "W2", "b2"])
    assert fn.__matcalc_source__.split("def f(")[1].count("tanh(") == 1


def test_compile_with_several_variables_refuses_a_jacobian():
    with pytest.raises(matcalc.MatcalcError, match="one variable"):
        matcalc.compile("x' y", ["x", "y"], outputs=("jacobian",))


def test_generated_numpy_code_refuses_none_for_a_scalar_as_for_an_array():
    # None for a scalar became nan, and the value and gradient nan, without an error
    fn = matcalc.compile("c x'x", "x", where="c: scalar; x: vector(n)")
    with pytest.raises(ValueError, match="argument c: expected a scalar, got None"):
        fn(None, np.ones(2))


@pytest.mark.parametrize("value", [{"a": 1}, 10 ** 400, np.array([1j, 2j]), None, "abc"])
def test_generated_numpy_code_refuses_what_is_no_array_of_real_numbers_naming_the_argument(value):
    # a dict or 10**400 raised TypeError or OverflowError; complex values lost their imaginary part with a warning
    g = matcalc.grad("x'x", "x").to_numpy()
    with pytest.raises(ValueError, match="argument x: expected an array of real numbers"):
        g(value)


@pytest.mark.parametrize("backend", ["jax", "torch"])
@pytest.mark.parametrize("value", [np.array([1j, 2j, 0j]), None, np.array(["a", "b", "c"])])
def test_generated_jax_and_torch_code_refuse_what_is_no_array_of_real_numbers_naming_the_argument(backend, value):
    # complex values lost their imaginary part with only the library's warning; None and text gave
    # the library's own TypeError
    g = matcalc.grad("x'x", "x").to_numpy(backend=_backend(backend))
    with pytest.raises(ValueError, match="argument x: expected an array of real numbers"):
        g(value)


def test_generated_numpy_code_refuses_a_complex_scalar_naming_it():
    g = matcalc.grad("s^2 x'x", "s", where="s: scalar").to_numpy()
    with pytest.raises(ValueError, match="argument s: .*complex values are not supported"):
        g(1j, np.ones(3))


@pytest.mark.parametrize("m", [None, np.array([2, 3]), 2.5])
def test_generated_numpy_code_refuses_a_size_that_is_no_whole_number(m):
    f = matcalc.jacobian("unvec(v, m, n)", "v", where="v: vector(m*n)").to_numpy()
    with pytest.raises(ValueError, match="size m: expected a whole number"):
        f(np.ones(6), m=m, n=3)


def test_generated_numpy_code_overflows_a_power_of_a_determinant_to_inf_as_arrays_do():
    # det(X) came from the shared LU as a Python float, and det(X)^400 raised OverflowError
    g = matcalc.grad("det(X)^400", "X").to_numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        out = g(np.diag([2.0, 3.0]))
    assert np.isinf(out[0, 0]) and np.isinf(out[1, 1])


def test_generated_code_of_several_variables_too_deep_to_print_is_refused_by_the_work_limit():
    # the docstring's text of f ran outside the request and ended in a raw RecursionError
    deep = "sum(" + "sin(" * 180 + "x" + ")" * 180 + ") + y'y"
    with pytest.raises(matcalc.LimitError, match="nested too deeply"):
        matcalc.grad(deep, ["x", "y"]).numpy_source()


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_a_value_of_sizes_alone_is_the_librarys_float_not_pythons_int(backend):
    # tr(X (X'X)^-1 X') is n: JAX and PyTorch code returned X.shape[1], an int that jax.grad refuses
    lib = pytest.importorskip(backend)
    f = matcalc.compile("tr(X (X'X)^-1 X')", "X", where="X: matrix(m,n)", outputs="value", backend=backend)
    out = f(np.random.default_rng(0).standard_normal((5, 3)))
    assert not isinstance(out, int) and float(out) == 3.0
    if backend == "jax":
        assert lib.grad(f)(np.random.default_rng(1).standard_normal((5, 3))).shape == (5, 3)


def test_generated_numpy_code_solves_a_declared_spd_matrix_by_cholesky():
    r = matcalc.grad("x' S^-1 x", "x", where="S: matrix(n,n) spd; x: vector(n)")
    assert "_spd_solve(S, x)" in r.numpy_source()
    rng = np.random.default_rng(0)
    a = rng.standard_normal((5, 5))
    s, x = a @ a.T + np.eye(5), rng.standard_normal(5)
    assert_close(r.to_numpy()(s, x), r.evaluate({"S": s, "x": x}))
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        r.to_numpy()(-s, x)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_negative_power_times_a_vector_is_solved_for_not_formed(backend):
    # 2 y' (s I + K)^-3 y was matrix_power(inv(s I + K), 3) @ y: 6.6x to 7.6x slower than one LU and three solves
    pytest.importorskip(backend)
    r = matcalc.hessian("y' (K + s I)^-1 y", "s", where="K: matrix(n,n) spd; y: vector(n); s: scalar")
    assert "matrix_power" not in r.numpy_source(backend=backend)
    rng = np.random.default_rng(1)
    a = rng.standard_normal((6, 6))
    k, y = a @ a.T / 6 + np.eye(6), rng.standard_normal(6)
    out = r.to_numpy(backend=backend)(k, 0.7, y)
    assert float(out) == pytest.approx(float(r.evaluate({"K": k, "s": 0.7, "y": y})), rel=1e-5)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_the_determinant_of_a_diagonal_matrix_is_generated_from_its_diagonal(backend):
    # slogdet(np.diag(v)): at n = 100,000 a 74.5 GiB allocation and a MemoryError
    pytest.importorskip(backend)
    r = matcalc.grad("sigmoid(logdet(diag(exp(x)))) + det(diag(x))^2", "x")
    src = r.numpy_source(backend=backend)
    assert "slogdet" not in src and ".det(" not in src
    x = np.random.default_rng(0).standard_normal(5) * 0.3 + 1
    assert np.allclose(np.asarray(r.to_numpy(backend=backend)(x), dtype=float), r.evaluate({"x": x}), rtol=1e-5)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_kronecker_product_times_a_vector_is_generated_as_two_products(backend):
    # kron(A, B) was formed whole: 104 MB at m = n = 60, 12 GiB (a MemoryError) at 200
    pytest.importorskip(backend)
    r = matcalc.grad("||kron(A, B) x - y||^2 + x' kron(C, D) x", "x",
                     where="A: matrix(m,n); B: matrix(p,q); C: matrix(n,n); D: matrix(q,q); x: vector(n*q); "
                           "y: vector(m*p)")
    assert "kron" not in r.numpy_source(backend=backend).split("def f(")[1]
    rng = np.random.default_rng(0)
    vals = {"A": rng.standard_normal((3, 2)), "B": rng.standard_normal((4, 5)), "C": rng.standard_normal((2, 2)),
            "D": rng.standard_normal((5, 5)), "x": rng.standard_normal(10), "y": rng.standard_normal(12)}
    out = r.to_numpy(backend=backend)(*(vals[k] for k in sorted(vals)))
    assert np.allclose(np.asarray(out, dtype=float), r.evaluate(vals), rtol=1e-5)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
@pytest.mark.parametrize("text, wrt, where", [
    ("tr(kron(A, X) C)", "X", "A: matrix(p,p); X: matrix(n,n); C: matrix(p*n,p*n)"),
    ("tr(kron(X, A) C)", "X", "A: matrix(p,p); X: matrix(n,n); C: matrix(p*n,p*n)"),
    ("||kron(X, X) - C||_F^2", "X", "X: matrix(n,n); C: matrix(n*n,n*n)"),
    ("||kron(A, B) X - C||_F^2", "X", "A: matrix(m,n); B: matrix(p,q); X: matrix(n*q,k); C: matrix(m*p,k)"),
    ("||Y kron(A, B) - C||_F^2", "Y", "A: matrix(m,n); B: matrix(p,q); Y: matrix(k,m*p); C: matrix(k,n*q)"),
])
def test_a_gradient_through_kron_is_generated_as_a_partial_trace_of_batched_products(backend, text, wrt, where):
    # the partial trace kron(vec(I)', I) kron(I, T) kron(vec(I), I) was formed whole: the gradient of tr(kron(A, X) C),
    # an n x n matrix, allocated (n^2 p)^2 entries (116 GiB, a MemoryError, at n = p = 50); and kron(A', I) C' was a
    # (pn)^3 product
    pytest.importorskip(backend)
    r = matcalc.grad(text, wrt, where=where)

    def values(sizes):
        rng, vals = np.random.default_rng(0), {}
        for decl in where.split(";"):
            name, spec = decl.split(":")
            dims = spec.strip()[len("matrix("):-1].split(",")
            vals[name.strip()] = rng.standard_normal(tuple(int(np.prod([sizes[d] for d in dim.split("*")]))
                                                           for dim in dims))
        return vals
    vals = values({"m": 2, "n": 3, "p": 4, "q": 2, "k": 3})
    out = r.to_numpy(backend=backend)(**vals)
    assert np.allclose(np.asarray(out, dtype=float), r.evaluate(vals), rtol=1e-5, atol=1e-8)
    if backend == "numpy":  # no array much larger than the inputs (the partial trace's factors: (n^2 p)^2 entries)
        big = values({"m": 9, "n": 10, "p": 11, "q": 9, "k": 5})
        f = r.to_numpy()
        tracemalloc.start()
        f(**big)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 4 * sum(v.nbytes for v in big.values())


def test_planning_a_long_products_order_builds_no_node_per_sub_chain():
    # plan() built a node for every sub-chain it weighed (O(n^3) per chain): this Hessian's code was refused by
    # the 300,000-node limit of one request; the property tests met it only when no earlier example had made them
    t = ("sum((K' K + I + (((K' (C (G' (D (D A')))) (K' (C (G' (D (D A')))))' + I)^-1)^2' ((K' (C (G' (D (D "
         "A')))) (K' (C (G' (D (D A')))))' + I)^-1)^2 + I))^-T)")
    r = matcalc.hessian(t, "D", where="A: matrix(m,n); C: matrix(n,n); D: matrix(n,n) invertible; "
                                      "G: matrix(n,n) diagonal; K: matrix(n,k)")
    with matcalc.limits(nodes=50_000):
        assert "def f(" in r.numpy_source()


@pytest.mark.filterwarnings("error")
def test_a_torch_value_of_sizes_times_a_tensor_is_returned_without_a_copy_warning():
    # torch.tensor(tensor) warned on every call ("To copy construct from a tensor ...")
    torch = pytest.importorskip("torch")
    f = matcalc.compile("log(dim(n)) t + sum(x)", "t", where="t: scalar; x: vector(n)", outputs=("grad",),
                        backend="torch")
    assert float(f(0.5, torch.ones(3, dtype=torch.float64))) == pytest.approx(np.log(3))


def test_a_long_chains_sub_chains_take_their_split_from_its_plan():
    # each sub-chain was planned anew from its own factors when its code was written: L^4 for a chain of L factors
    # (the gradient of tr(S^-1 A0 ... S^-1 A31) took 5.8 s to generate)
    from matcalc.outputs.codegen import emitter as E
    calls = []
    real = E.Emitter.plan

    def counted(self, e):
        calls.append(len(e.args)) if id(e) not in self.plans and tuple(map(id, e.args)) not in getattr(self, "splits", {}) else None
        return real(self, e)
    E.Emitter.plan = counted
    try:
        r = matcalc.grad("tr(" + " ".join(f"S^-1 A{i}" for i in range(12)) + ")", "S",
                         where="S: matrix(n,n) spd; " + "; ".join(f"A{i}: matrix(n,n)" for i in range(12)))
        r.numpy_source()
    finally:
        E.Emitter.plan = real
    assert sum(n ** 3 for n in calls) < 30 * 24 ** 3  # (one DP per top-level chain, not one per sub-chain)


@pytest.mark.parametrize("text", ["x'A^3 x", "a'A^5 x", "||A^2 x - b||^2", "x'(A + B)^2 x"])
def test_a_matrix_power_applied_to_a_vector_is_never_formed(text):
    # _np.linalg.matrix_power(A, 3) @ x: O(n^3) where k products with x are O(k n^2) (130x at n = 1000)
    src = matcalc.grad(text, "x").numpy_source()
    body = src.split("def f(")[1]
    assert "matrix_power" not in body and "A @ A" not in body and "_t1 @ _t1" not in body


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_negative_power_used_twice_against_a_vector_is_solved_for_both_from_one_factorization(backend):
    _backend(backend)
    r = matcalc.grad("x'A^-2 x", "x")
    body = r.numpy_source(backend=backend).split("def f(")[1]
    assert "matrix_power" not in body and body.count("_factored_solve_power") == 2 and body.count("_factored(") == 1
    _agrees_with_evaluate(r, backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, wrt, where", [
    ("a' X^-2 b", "X", "X: matrix(n,n) invertible; a, b: vector(n)"), ("||L^-1 x||^2", "L", None),
    ("k' K^-1 y", "K", "K: matrix(n,n) spd; k, y: vector(n)")])
def test_every_solve_against_a_matrix_or_its_transpose_shares_one_factorization_on_every_backend(
        backend, text, wrt, where):
    # a' X^-2 b's gradient factored X three times in NumPy code and four times in JAX and PyTorch code (inv,
    # then solves): 2.7x and 5.5x slower than one LU at n = 1000
    _backend(backend)
    r = matcalc.grad(text, wrt, where=where)
    body = r.numpy_source(backend=backend).split("def f(")[1]
    assert body.count("_factored(") == 1 and "solve(" not in body.replace("_factored_solve(", "") and "inv(" not in body
    _agrees_with_evaluate(r, backend)


@pytest.mark.parametrize("text, spec", [("tr(X' diag(a) X)", "ij,ij->i"), ("diag(A X)'a", "ij,ji->i")])
def test_the_diagonal_of_a_product_is_taken_row_by_row(text, spec):
    # _np.diagonal(X @ X.T): the n x n product for its n diagonal entries (29x at n = 500)
    body = matcalc.grad(text, "a", where="X: matrix(n,p)" if "X'" in text else None).numpy_source().split("def f(")[1]
    assert spec in body and "diagonal" not in body


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_vector_whose_length_is_not_the_product_of_the_given_sizes_is_refused_naming_both(backend):
    f = matcalc.jacobian("unvec(v, m, n)", "v", where="v: vector(m*n)").to_numpy(backend=_backend(backend))
    with pytest.raises(ValueError, match=r"argument v: its size 12 is not m\*n = 20"):
        f(np.ones(12), m=5, n=4)
    assert np.asarray(f(np.arange(12.0), m=3, n=4)).shape == (3, 4, 12)


@pytest.mark.parametrize("n", [1, 2, 7, 120])
def test_the_generated_inverse_is_the_inverse(n):
    # (getri with its optimal workspace)
    x = np.random.default_rng(n).standard_normal((n, n)) + 3 * np.eye(n)
    g = matcalc.grad("logdet(X)", "X").to_numpy()
    assert_close(g(x), np.linalg.inv(x).T, rtol=1e-10)



@pytest.mark.parametrize("at", [(0, 599), (599, 0), (300, 257), (255, 256), (5, 4)])
def test_generated_numpy_code_finds_an_asymmetric_entry_of_a_declared_symmetric_matrix_anywhere(at):
    # (the check goes by blocks of rows of the upper triangle: an entry in any block is found)
    f = matcalc.grad("x' S x", "x", where="S: matrix(n,n) symmetric").to_numpy()
    s = np.eye(600)
    f(s, np.ones(600))
    s[at] = 1e-3
    with pytest.raises(ValueError, match="argument S: declared symmetric, but it is not"):
        f(s, np.ones(600))


def test_generated_numpy_code_says_a_declared_diagonal_matrix_is_not_diagonal():
    # it said "declared symmetric, but it is not" for a diagonal declaration
    f = matcalc.grad("x' D x", "x", where="D: matrix(n,n) diagonal").to_numpy()
    d = np.diag([1.0, 2.0, 3.0])
    d[0, 1] = 1.0
    with pytest.raises(ValueError, match="argument D: declared diagonal, but an entry off the diagonal is not 0"):
        f(d, np.ones(3))


@pytest.mark.parametrize("text, wrt, where", [
    ("b'inv(A + x x')b", "x", None), ("a'inv(M)b", "M", None), ("b'inv(M)b", "M", None),
    ("k' K^-1 y", "K", "K: matrix(n,n) spd; k, y: vector(n)"), ("||L^-1 x||^2", "L", None),
])
def test_an_inverse_only_solved_for_is_factored_once_and_never_formed(text, wrt, where):
    # np.linalg.solve twice factored the same matrix twice (2x at n = 400); k' K^-1 y formed K^-1 for four
    # products with vectors (3.5x slower than solves at n = 200); L^-1 and L^-T, or (x x' + A)^-1 and
    # (x x' + A')^-1, were factored once each
    r = matcalc.grad(text, wrt, where=where)
    body = r.numpy_source().split("def f(")[1]
    assert body.count("_factored(") == 1 and "_factored_solve(" in body
    assert "linalg.solve" not in body and "_inv(" not in body
    fn = r.to_numpy()
    vals = _values(fn, r)
    assert_close(fn(**vals), r.evaluate(_by_name(vals)), rtol=1e-9)


def test_generated_torch_code_keeps_every_digit_of_a_python_float():
    # the refusal of complex values first made a float32 tensor of a Python float (an error of 1e-8)
    pytest.importorskip("torch")
    g = matcalc.grad("x' x a", "x", where="a: scalar").to_numpy(backend="torch")
    assert np.array_equal(np.asarray(g(0.1234567890123, np.ones(3))), np.full(3, 2 * 0.1234567890123))


def test_numpy_code_refuses_a_torch_tensor_that_requires_grad_naming_the_argument():
    torch = pytest.importorskip("torch")
    f = matcalc.compile("1/2 ||A x - b||^2", "x")
    with pytest.raises(ValueError, match=r"argument x: a torch tensor that requires grad.*backend='torch'"):
        f(np.ones((3, 2)), np.zeros(3), torch.ones(2, requires_grad=True))  # (was torch's RuntimeError)


def test_jax_code_refuses_a_torch_tensor_that_requires_grad_naming_the_argument():
    torch = pytest.importorskip("torch")
    pytest.importorskip("jax")
    f = matcalc.compile("1/2 ||A x - b||^2", "x", backend="jax")
    with pytest.raises(ValueError, match=r"argument x: a torch tensor that requires grad.*backend='torch'"):
        f(np.ones((3, 2)), np.zeros(3), torch.ones(2, requires_grad=True))  # (was torch's RuntimeError)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_generated_code_refuses_an_int_beyond_a_floats_range_naming_the_argument(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    f = matcalc.compile("a x' x", "x", where="a: scalar", backend=backend)
    with pytest.raises(ValueError, match="argument a: expected an array of real numbers"):
        f(10 ** 400, np.ones(3))  # (JAX and torch raised a bare OverflowError)


@pytest.mark.parametrize("value", [np.array(["2020-01-01"] * 3, dtype="datetime64[D]"),
                                   np.array([1.0, None, 2.0], dtype=object)])
def test_numpy_code_refuses_dates_and_none_among_the_values(value):
    f = matcalc.compile("x' x", "x")
    with pytest.raises(ValueError, match="argument x: expected an array of real numbers"):
        f(value)  # (dates were counted in days, None made NaN)


def test_compile_of_a_vector_function_for_a_hessian_names_the_hessian():
    with pytest.raises(matcalc.MatcalcError, match="^the Hessian needs a scalar function"):  # (said "gradient")
        matcalc.compile("A x + sin(x)", "x", outputs=("value", "hessian"))



@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_the_diagonal_of_an_entrywise_matrix_is_computed_on_the_diagonal_alone(backend):
    # diag(diag(I ./ D)), the gradient of tr(log(D)) for a diagonal D: 1 / 0 off the diagonal, which
    # NumPy warned about; generated code now takes the diagonal first, as evaluate does
    if backend != "numpy":
        pytest.importorskip(backend)
    r = matcalc.grad("tr(log(D))", "D", where="D: matrix(n,n) diagonal")
    D = np.diag([1.0, 2.0, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = np.asarray(r.to_numpy(backend=backend)(D), dtype=float)
    assert_close(got, r.evaluate(D=D))
    assert_close(got, np.diag([1.0, 0.5, 0.25]))
    if backend == "numpy":
        assert "_diag(1.0 / _np.diagonal(D))" in r.numpy_source()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, wrt, where, big", [
    ("x' kron(A, B) x", "x", "A: matrix(m,m); B: matrix(n,n); x: vector(m*n)",
     {"A": (200, 200), "B": (200, 200), "x": (40000,)}),
    ("sum(exp(x) .^ 3)", "x", "x: vector(n)", {"x": (20000,)}),
    ("||X' - Y||_F^2", "X", "X: matrix(m,n); Y: matrix(n,m)", {"X": (200, 200), "Y": (200, 200)}),
])
def test_every_backend_refuses_an_array_past_two_gigabytes_before_forming_it(backend, text, wrt, where, big):
    """A Kronecker product, a diagonal matrix or a commutation matrix past 2**28 entries: NumPy code
    refused it; JAX and torch code formed it and were killed for memory (12.8 GB at m = n = 200)."""
    _backend(backend)
    r = matcalc.hessian(text, wrt, where=where)
    fn = r.to_numpy(backend=backend)
    rng = np.random.default_rng(0)
    small = {k: rng.standard_normal(tuple(3 if d > 1 else 1 for d in s) if len(s) == 2 else (9 if k == "x" and
                                    "kron" in text else 3,)) for k, s in big.items()}
    got = np.asarray(fn(**{py_name(k): v for k, v in small.items()}), dtype=float)
    assert np.allclose(got, r.evaluate(small), rtol=1e-6)
    values = {py_name(k): rng.standard_normal(s) * 0.01 for k, s in big.items()}
    with pytest.raises(MemoryError, match="more than 2 GB"):
        fn(**values)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_product_with_a_matrix_of_ones_is_written_as_a_sum_not_a_matrix_product(backend):
    """The layer-norm Hessian ends in T (I - ones(n, n) / n): an n x n GEMM (2 GFLOP, 119x slower than
    hand-written at n = 1000); T ones(n, n) is T's row sums in every column."""
    _backend(backend)
    r = matcalc.hessian("y' (x - mean(x)) / sqrt(mean((x - mean(x)) .^ 2))", "x", where="x, y: vector(n)")
    src = r.numpy_source(backend=backend)
    assert "ones((x.shape[0], x.shape[0])" not in src  # (T's row sums: a sum, or T times a vector of ones)
    assert "eye(" not in src  # (I - 1 / n, the centering matrix as an array, was the GEMM's right operand)
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(6), rng.standard_normal(6)
    got = np.asarray(r.to_numpy(backend=backend)(x, y), dtype=float)
    assert np.allclose(got, r.evaluate({"x": x, "y": y}), rtol=1e-6)


@pytest.mark.parametrize("text, wrt, where", [
    ("x' y / (||x|| ||y||)", "x", "x, y: vector(n)"),
    ("y' x / sqrt(mean(x .^ 2) + e)", "x", "x, y: vector(n); e: scalar"),
    ("1 - 2 p' y / (p' p + y' y)", "p", "p, y: vector(n)"),
    ("y' (g v / ||v||)", "v", "v, y: vector(n); g: scalar"),
    ("(a' x) / ||x|| + x' A x", "x", "a, x: vector(n); A: matrix(n,n)"),
    ("sum(softmax(u) .* (log(softmax(u)) - log(softmax(x))))", "u", "u, x: vector(n)"),
])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_hessian_of_several_rank_one_terms_and_the_identity_is_one_thin_product(text, wrt, where, backend):
    """s I + sum_i a_i u_i v_i' was a chain of rank-one passes over a formed identity (5x to 10x slower
    than hand-written at n = 1000; torch code made 4 to 7 fresh n x n tensors); now U V' with s added on
    the diagonal, and another matrix added once."""
    _backend(backend)
    r = matcalc.hessian(text, wrt, where=where)
    src = r.numpy_source(backend=backend)
    body = src.split("def f(")[1]
    assert "_low_rank(" in body and ".eye(" not in body and "diag(" not in body  # (diagonals: added on the diagonal)
    fn = r.to_numpy(backend=backend)
    rng = np.random.default_rng(5)
    values = {}
    for p in inspect.signature(fn).parameters:
        values[p] = rng.standard_normal((6, 6)) if p == "A" else (
            rng.uniform(0.5, 1.5) if p in ("e", "g") else rng.standard_normal(6))
    assert np.allclose(np.asarray(fn(**values), dtype=float), r.evaluate(values))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, wrt, where, absent", [
    ("c^2 / 2 sum(log(1 + (x - m) .^ 2 / c^2))", "x", "x, m: vector(n); c: scalar", "-"),
    ("sum(x .^ 4)", "x", None, "12.0 * _"),
    ("mu sum(log(x)) + x' A x", "x", "A: matrix(n,n)", "mu * _"),
])
def test_a_sum_of_diagonal_matrices_and_a_number_times_one_are_one_diagonal_made_from_a_vector(
        backend, text, wrt, where, absent):
    """diag(u) - 2 diag(v) made two n x n matrices and their sum (4.7x slower than hand-written at
    n = 1000), and 12 diag(x .* x) scaled the n x n matrix: one diagonal of one vector now, or beside
    another matrix, the vector added on that matrix's diagonal in place (NumPy and torch)."""
    _backend(backend)
    r = matcalc.hessian(text, wrt, where=where)
    src = r.numpy_source(backend=backend).split("def f(")[1]
    assert src.count("diag(") + src.count("_plus_diagonal(") == 1 and f"{absent}diag(" not in src
    fn = r.to_numpy(backend=backend)
    rng = np.random.default_rng(6)
    values = {p: rng.standard_normal((5, 5)) if p == "A" else (1.3 if p in ("c", "mu") else rng.uniform(0.5, 1.5, 5))
              for p in inspect.signature(fn).parameters}
    assert np.allclose(np.asarray(fn(**values), dtype=float), r.evaluate(values), rtol=1e-6)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", ["sum(sqrt(x))", "sum(x .^ 1.5)", "sum(x .^ -0.5)", "sum(x .^ -1) + sum(x .^ 4)"])
def test_half_and_small_negative_powers_of_an_array_go_through_square_roots_and_products_not_pow(backend, text):
    # NumPy's x ** -2 and x ** 1.5 call pow() per entry: 150x slower than products at 200 x 200; XLA's ** -0.5 too
    _backend(backend)
    r = matcalc.hessian(text, "x")
    src = r.numpy_source(backend=backend).split("def f(")[1]
    assert "** -" not in src and "** 1.5" not in src and "** 2.5" not in src
    x = np.random.default_rng(7).uniform(0.5, 1.5, 6)
    assert np.allclose(np.asarray(r.to_numpy(backend=backend)(x), dtype=float), r.evaluate({"x": x}), rtol=1e-6)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("kind, text, wrt, where", [
    ("hessian", "1/2 x' A x", "x", "A: matrix(n,n) symmetric; x: vector(n)"),
    ("grad", "tr(A' X)", "X", "A, X: matrix(n,n)"),
    ("grad", "x' b", "x", "b, x: vector(n)")])
def test_generated_code_never_returns_the_callers_own_array(backend, kind, text, wrt, where):
    """The Hessian of x'Ax / 2 was `return A`: a Newton step's H += mu I edited the caller's A."""
    lib = pytest.importorskip(backend)
    r = getattr(matcalc, kind)(text, wrt, where=where)
    rng = np.random.default_rng(0)
    vals = {v: rng.standard_normal((3, 3) if v in ("A", "X") else 3) for v in ("A", "X", "b", "x") if v in text}
    if "symmetric" in where:
        vals["A"] = vals["A"] + vals["A"].T
    if backend == "torch":
        vals = {k: lib.tensor(v, dtype=lib.float64) for k, v in vals.items()}
    kept = {k: np.array(v) for k, v in vals.items()}
    out = r.to_numpy(backend=backend)(**vals)
    out += 1
    assert all(np.array_equal(np.asarray(vals[k]), kept[k]) for k in vals)


@pytest.mark.parametrize("backend", ["numpy", "jax", "torch"])
def test_a_root_of_a_diagonal_matrix_differentiates_to_the_same_finite_hessian_on_every_backend(backend):
    if backend != "numpy":
        pytest.importorskip(backend)
    h = matcalc.hessian("logdet(sqrt(diag(d)))", "d", where="d: vector(n) positive")
    d = np.array([1.0, 2.0, 4.0])
    got = np.asarray(h.to_numpy(backend=backend)(d=d), dtype=float)
    assert np.allclose(got, np.asarray(h.evaluate({"d": d})), atol=1e-6)


LQR = ("x' Q x + (K x)' R (K x) + ((A - B K) x)' P ((A - B K) x)",
       "x: vector(n); K: matrix(m,n); A: matrix(n,n); B: matrix(n,m); Q, P: matrix(n,n) symmetric; "
       "R: matrix(m,m) symmetric")


def _agrees_with_evaluate(r, backend, seed=3):
    fn = r.to_numpy(backend=backend)
    vals = _values(fn, r, seed=seed)
    got = np.asarray(fn(**vals), dtype=float)
    assert_close(got, np.asarray(r.evaluate(_by_name(vals)), dtype=float))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("outputs", [("grad",), ("value", "grad")])
def test_a_sum_of_matrices_takes_the_nearest_vector_of_its_chain_so_no_matrix_product_is_formed(backend, outputs):
    """The LQR gradient 2 (R K + B' P (B K - A)) x x' formed R K, B K and the sum (three n^3 products,
    58x slower than by hand at n = 1000); the value x' (A - B K)' P (A - B K) x likewise. Each sum now
    multiplies the vector beside it: K only ever multiplies x."""
    _backend(backend)
    text, where = LQR
    if outputs == ("grad",):
        r = matcalc.grad(text, "K", where=where)
        body = r.numpy_source(backend=backend).split("def f(")[1]
        _agrees_with_evaluate(r, backend)
    else:
        fn = matcalc.compile(text, "K", where=where, outputs=outputs, backend=backend)
        body = fn.__matcalc_source__.split("def f(")[1]
    assert "K @ x" in body and "B @ K" not in body and "R @ K" not in body  # (n^3 products)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, product", [("tr(X^2) tr(X)", "X @ X"), ("tr(A X) + tr(X^3)", "X @ X @ X")])
def test_the_trace_of_a_product_or_a_power_never_forms_it(backend, text, product):
    """tr(X^2) took the trace of X @ X (33x slower than hand-written at n = 1000): now the entries of
    X .* X' summed by einsum, and tr(X) tr(X^2)'s identity added on the diagonal in place."""
    _backend(backend)
    r = matcalc.grad(text, "X", where="A: matrix(n,n)")
    body = r.numpy_source(backend=backend).split("def f(")[1]
    assert "_trace(X @" not in body and "trace(_np.linalg.matrix_power" not in body
    if text.startswith("tr(X^2)"):
        assert "einsum('ij,ji->', X, X" in body and "@" not in body
        assert (".eye(" in body) == (backend == "jax")  # (a JAX array is updated at indices, as fused by XLA)
    _agrees_with_evaluate(r, backend)
    f = matcalc.compile(text, "X", where="A: matrix(n,n)", outputs=("value",), backend=backend)
    assert product not in f.__matcalc_source__.split("def f(")[1]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text, wrt, where", [
    ("||A x - b||^2", "A", None),
    ("-t x' A y", "A", "t: scalar"),
    ("sum(x) x' A x", "A", None),
])
def test_a_scaled_outer_product_scales_its_column_not_the_matrix(backend, text, wrt, where):
    """2 (A x - b) x' made the outer product and then a second n x n array scaled from it (4.5 ms of 4.6
    at n = 1000): the scalars now multiply the column."""
    _backend(backend)
    r = matcalc.grad(text, wrt, where=where)
    body = r.numpy_source(backend=backend).split("def f(")[1]
    result = [ln for ln in body.splitlines() if ln.startswith("    _t")][-1]  # (scaled: `2.0 * _outer(...)` before)
    assert re.fullmatch(r"    _t\d+ = (_outer\(.+, \w+\)|\(.+\)\[:, None\] \* \w+)", result), result
    _agrees_with_evaluate(r, backend)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_an_identity_added_to_an_input_copies_the_input_before_adding_on_its_diagonal(backend):
    """X + s I is X's copy with s added on the diagonal in place: the caller's X is never edited."""
    _backend(backend)
    r = matcalc.grad("1/2 tr(X'X) + s tr(X)", "X", where="s: scalar")
    body = r.numpy_source(backend=backend).split("def f(")[1]
    assert "_plus_diagonal(X." in body
    fn = r.to_numpy(backend=backend)
    x = np.arange(9.0).reshape(3, 3)
    arg = x.copy() if backend == "numpy" else __import__("torch").from_numpy(x.copy())
    np.testing.assert_allclose(np.asarray(fn(arg, 2.0)), x + 2 * np.eye(3))
    np.testing.assert_allclose(np.asarray(arg), x)


def test_jax_code_multiplies_a_transposed_matrix_by_a_vector_as_the_vector_times_the_matrix():
    """X' v under XLA on CPU copied the transpose: least squares' gradient ran 3.6x slower than jax.grad."""
    _backend("jax")
    r = matcalc.grad("||y - X w||^2", "w")
    body = r.numpy_source(backend="jax").split("def f(")[1]
    assert "X.T @" not in body and "@ X" in body
    _agrees_with_evaluate(r, "jax")


def test_torch_autograd_goes_through_a_diagonal_added_in_place():
    """exp(X) + s I added s on exp(X)'s diagonal in place, which autograd had saved for the backward pass:
    backward() raised "modified by an inplace operation"."""
    torch = pytest.importorskip("torch")
    f = matcalc.grad("sum(exp(X)) + s tr(X)", "X", where="X: matrix(n,n); s: scalar").to_numpy(backend="torch")
    assert "_plus_diagonal(" in f.__matcalc_source__
    x = torch.randn(4, 4, dtype=torch.float64, requires_grad=True)
    out = f(x, torch.tensor(0.7, dtype=torch.float64))
    out.sum().backward()  # d/dX sum(exp(X) + s I) = exp(X)
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()))
    np.testing.assert_allclose(out.detach().numpy(), np.exp(x.detach().numpy()) + 0.7 * np.eye(4))


@pytest.mark.parametrize("text", ["(X + X')/2", "X / tr(X)", "X'", "sigmoid(X)", "X .* X"])
def test_a_jacobians_identity_terms_are_added_on_diagonal_views_of_the_result(text):
    """Each term with an identity (delta_ik delta_jl) was an n^4 array, and their sum another: the Jacobian of
    (X + X')/2 was 13x slower than JAX's at n = 32, 31x faster now."""
    r = matcalc.jacobian(text, "X")
    body = r.numpy_source().split("def f(")[1]
    assert re.search(r"_np\.einsum\('[a-z]+->[a-z]+', _t\d+\)\[\.\.\.\] \+=", body)
    assert ".eye(" not in body
    f = r.to_numpy()
    x = np.random.default_rng(2).standard_normal((4, 4)) + 4 * np.eye(4)
    assert_close(f(x), r.evaluate({"X": x}))


@pytest.mark.parametrize("text", ["(X + X')/2", "X / tr(X)", "X .* X"])
def test_torch_jacobians_add_their_identity_terms_on_diagonal_views_and_autograd_goes_through(text):
    torch = pytest.importorskip("torch")
    r = matcalc.jacobian(text, "X")
    f = r.to_numpy(backend="torch")
    assert "_diagonal_view(" in f.__matcalc_source__
    x = np.random.default_rng(4).standard_normal((4, 4)) + 4 * np.eye(4)
    assert_close(f(torch.from_numpy(x)).numpy(), r.evaluate({"X": x}))
    xt = torch.from_numpy(x).requires_grad_(True)
    out = f(xt)
    if out.requires_grad:  # ((X + X')/2's Jacobian is a constant)
        out.sum().backward()
        assert xt.grad is not None and torch.isfinite(xt.grad).all()


def test_torch_code_solves_with_a_declared_spd_matrix_by_cholesky_and_refuses_one_that_is_not_positive_definite():
    torch = pytest.importorskip("torch")
    r = matcalc.grad("y' K^-1 y", "y", where="K: matrix(n,n) spd")
    f = r.to_numpy(backend="torch")
    assert "_spd_solve(" in f.__matcalc_source__.split("def f(")[1]
    g = np.random.default_rng(7).standard_normal((5, 5))
    k, y = g @ g.T + 5 * np.eye(5), np.arange(5.0)
    assert_close(f(torch.from_numpy(k), torch.from_numpy(y)).numpy(), r.evaluate({"K": k, "y": y}))
    with pytest.raises(torch.linalg.LinAlgError, match="declared spd is not positive definite"):
        f(torch.from_numpy(-k), torch.from_numpy(y))
