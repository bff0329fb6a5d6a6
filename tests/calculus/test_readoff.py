"""Differentials and what is read off them (calculus/readoff.py).

`differential(f, {X: dX})` is checked against a central difference of an independent NumPy
formula for f; `gradient_of(df, dX)` must give G with df = <G, dX> (and equal the textbook
gradient); `kronecker_of(dF, dX)` must give J with vec(dF) = J vec(dX), vec column-major.
"""
import numpy as np
import pytest

import matcalc
from matcalc.calculus.readoff import differential, gradient_of, kronecker_of
from matcalc.core import build as B
from matcalc.core.errors import NotSupportedError
from matcalc.numerics.evaluate import evaluate

N, M = 3, 2
WHERE = ("x: vector(n); a: vector(n); b: vector(n); p: vector(n); A: matrix(n, n); C: matrix(n, n); "
         "X: matrix(n, n); R: matrix(n, m); Q: matrix(m, n); W: matrix(n, m)")
H = 1e-6


def vec(a):
    """Column-major vectorization."""
    return np.asarray(a).reshape(-1, order="F")


def values(seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N, N)) + 3 * np.eye(N)   # safely invertible
    return {"x": rng.normal(size=N), "a": rng.normal(size=N), "b": rng.normal(size=N),
            "p": rng.normal(size=N), "A": rng.normal(size=(N, N)), "C": rng.normal(size=(N, N)),
            "X": X, "R": rng.normal(size=(N, M)), "Q": rng.normal(size=(M, N)), "W": rng.normal(size=(N, M))}


SHAPES = {"x": ("n", 1), "X": ("n", "n"), "W": ("n", "m")}
NP_SHAPES = {"x": (N,), "X": (N, N), "W": (N, M)}


def setup(text, wrt, seed):
    f = matcalc.parse(text, where=WHERE).node
    d = B.var("d" + wrt, SHAPES[wrt])
    v = values(seed)
    dv = np.random.default_rng(100 + seed).normal(size=NP_SHAPES[wrt])
    return f, d, v, dv


def central_difference(F, v, wrt, dv):
    plus, minus = dict(v), dict(v)
    plus[wrt] = v[wrt] + H * dv
    minus[wrt] = v[wrt] - H * dv
    return (np.asarray(F(plus), dtype=float) - np.asarray(F(minus), dtype=float)) / (2 * H)


def ev(e, v, d, dv):
    """The value of e; the direction d fixes the dimensions (a Kronecker form such as
    comm(n, m) may name no variable)."""
    vals = dict(v)
    vals[d.name] = dv
    return np.asarray(evaluate(e, vals, context=(d,)), dtype=float)


# ---------------------------------------------------------------- scalar functions: gradients
# (text, variable, NumPy f, NumPy textbook gradient)
SCALAR_CASES = [
    ("x' A x", "x", lambda v: v["x"] @ v["A"] @ v["x"], lambda v: (v["A"] + v["A"].T) @ v["x"]),
    ("a' x", "x", lambda v: v["a"] @ v["x"], lambda v: v["a"]),
    ("sum(x .* a .* x)", "x", lambda v: np.sum(v["x"] * v["a"] * v["x"]), lambda v: 2 * v["a"] * v["x"]),
    ("sum(exp(x))", "x", lambda v: np.exp(v["x"]).sum(), lambda v: np.exp(v["x"])),
    ("tr(A X C)", "X", lambda v: np.trace(v["A"] @ v["X"] @ v["C"]), lambda v: v["A"].T @ v["C"].T),
    ("tr(A X')", "X", lambda v: np.trace(v["A"] @ v["X"].T), lambda v: v["A"]),
    ("tr(X' X)", "X", lambda v: np.trace(v["X"].T @ v["X"]), lambda v: 2 * v["X"]),
    ("sum(A X)", "X", lambda v: np.sum(v["A"] @ v["X"]), lambda v: v["A"].T @ np.ones((N, N))),
    ("sum(C .* X)", "X", lambda v: np.sum(v["C"] * v["X"]), lambda v: v["C"]),
    ("p' diag(X)", "X", lambda v: v["p"] @ np.diag(v["X"]), lambda v: np.diag(v["p"])),
    ("sum(diag(x) A)", "x", lambda v: np.sum(np.diag(v["x"]) @ v["A"]), lambda v: v["A"].sum(axis=1)),
    ("logdet(X)", "X", lambda v: np.linalg.slogdet(v["X"])[1], lambda v: np.linalg.inv(v["X"]).T),
    ("tr(X^-1 A)", "X", lambda v: np.trace(np.linalg.inv(v["X"]) @ v["A"]),
     lambda v: -(np.linalg.inv(v["X"]) @ v["A"] @ np.linalg.inv(v["X"])).T),
    ("det(X)", "X", lambda v: np.linalg.det(v["X"]),
     lambda v: np.linalg.det(v["X"]) * np.linalg.inv(v["X"]).T),
    ("tr(Q W)", "W", lambda v: np.trace(v["Q"] @ v["W"]), lambda v: v["Q"].T),
    ("a' W W' b", "W", lambda v: v["a"] @ v["W"] @ v["W"].T @ v["b"],
     lambda v: np.outer(v["a"], v["b"]) @ v["W"] + np.outer(v["b"], v["a"]) @ v["W"]),
]
_sids = [t for t, *_ in SCALAR_CASES]


@pytest.mark.parametrize("text,wrt,F,G", SCALAR_CASES, ids=_sids)
def test_differential_matches_central_difference(text, wrt, F, G):
    f, d, v, dv = setup(text, wrt, 0)
    df = differential(f, {wrt: d})
    np.testing.assert_allclose(float(ev(df, v, d, dv)), float(central_difference(F, v, wrt, dv)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text,wrt,F,G", SCALAR_CASES, ids=_sids)
def test_gradient_of_differential_satisfies_inner_product(text, wrt, F, G):
    for seed in range(2):
        f, d, v, dv = setup(text, wrt, seed)
        df = differential(f, {wrt: d})
        g = gradient_of(df, d)
        gv = ev(g, v, d, dv).reshape(NP_SHAPES[wrt])
        np.testing.assert_allclose(np.sum(gv * dv), float(central_difference(F, v, wrt, dv)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text,wrt,F,G", SCALAR_CASES, ids=_sids)
def test_gradient_of_equals_textbook_gradient(text, wrt, F, G):
    f, d, v, dv = setup(text, wrt, 3)
    g = gradient_of(differential(f, {wrt: d}), d)
    assert d.name not in g.free
    np.testing.assert_allclose(ev(g, v, d, dv).reshape(NP_SHAPES[wrt]), G(v), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("text,wrt,F,G", SCALAR_CASES, ids=_sids)
def test_gradient_has_shape_of_variable(text, wrt, F, G):
    f, d, v, dv = setup(text, wrt, 0)
    assert gradient_of(differential(f, {wrt: d}), d).shape == SHAPES[wrt]


def test_differential_of_constant_is_zero():
    f = matcalc.parse("a' b", where=WHERE).node
    d = B.var("dx", ("n", 1))
    assert differential(f, {"x": d}) is B.ZERO


def test_gradient_of_differential_not_involving_direction_is_zero_of_its_shape():
    d = B.var("dX", ("n", "n"))
    g = gradient_of(B.var("c"), d)
    assert g is B.zeros(("n", "n"))


def test_gradient_of_non_scalar_differential_is_refused():
    x = B.var("x", ("n", 1))
    d = B.var("dx", ("n", 1))
    A = B.var("A", ("n", "n"))
    with pytest.raises(NotSupportedError):
        gradient_of(differential(B.mul(A, x), {"x": d}), d)


def test_gradient_with_seed_gives_vector_jacobian_product():
    f = matcalc.parse("A x", where=WHERE).node
    d = B.var("dx", ("n", 1))
    w = B.var("w", ("n", 1))
    g = gradient_of(differential(f, {"x": d}), d, seed=w)
    v = values(0)
    wv = np.random.default_rng(5).normal(size=N)
    got = np.asarray(g.evaluate({**v, "w": wv}), dtype=float).reshape(-1)
    np.testing.assert_allclose(got, v["A"].T @ wv, rtol=1e-12)


# ---------------------------------------------------------------- array functions: Kronecker forms
# (text, variable, NumPy F)
ARRAY_CASES = [
    ("A x", "x", lambda v: v["A"] @ v["x"]),
    ("x .* a", "x", lambda v: v["x"] * v["a"]),
    ("exp(x)", "x", lambda v: np.exp(v["x"])),
    ("A X C", "X", lambda v: v["A"] @ v["X"] @ v["C"]),
    ("X'", "X", lambda v: v["X"].T),
    ("A X'", "X", lambda v: v["A"] @ v["X"].T),
    ("C .* X", "X", lambda v: v["C"] * v["X"]),
    ("X A + X'", "X", lambda v: v["X"] @ v["A"] + v["X"].T),
    ("tr(A X)", "X", lambda v: np.trace(v["A"] @ v["X"])),
    ("sum(X)", "X", lambda v: np.sum(v["X"])),
    ("R' X", "X", lambda v: v["R"].T @ v["X"]),
    ("A W", "W", lambda v: v["A"] @ v["W"]),
    ("W'", "W", lambda v: v["W"].T),
    ("Q W Q", "W", lambda v: v["Q"] @ v["W"] @ v["Q"]),
    ("diag(x) a", "x", lambda v: np.diag(v["x"]) @ v["a"]),
    ("x x'", "x", lambda v: np.outer(v["x"], v["x"])),
]
_aids = [t for t, *_ in ARRAY_CASES]


@pytest.mark.parametrize("text,wrt,F", ARRAY_CASES, ids=_aids)
def test_kronecker_of_maps_vec_of_direction_to_vec_of_differential(text, wrt, F):
    for seed in range(2):
        f, d, v, dv = setup(text, wrt, seed)
        dF = differential(f, {wrt: d})
        J = kronecker_of(dF, d)
        Jv = np.atleast_2d(ev(J, v, d, dv))
        want = vec(central_difference(F, v, wrt, dv))
        np.testing.assert_allclose(Jv @ vec(dv), want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("text,wrt,F", ARRAY_CASES, ids=_aids)
def test_kronecker_form_does_not_depend_on_direction(text, wrt, F):
    f, d, v, dv = setup(text, wrt, 0)
    J = kronecker_of(differential(f, {wrt: d}), d)
    assert d.name not in J.free


@pytest.mark.parametrize("text,wrt,F", ARRAY_CASES, ids=_aids)
def test_kronecker_form_has_shape_numel_out_by_numel_in(text, wrt, F):
    f, d, v, dv = setup(text, wrt, 0)
    J = kronecker_of(differential(f, {wrt: d}), d)
    Jv = np.atleast_2d(ev(J, v, d, dv))
    assert Jv.shape == (np.asarray(F(v)).size, dv.size)


def test_kronecker_of_product_is_textbook_kronecker_product():
    f, d, v, dv = setup("A X C", "X", 0)
    J = ev(kronecker_of(differential(f, {"X": d}), d), v, d, dv)
    np.testing.assert_allclose(J, np.kron(v["C"].T, v["A"]), rtol=1e-12)


def test_kronecker_of_transpose_is_commutation_matrix():
    f, d, v, dv = setup("W'", "W", 0)
    J = ev(kronecker_of(differential(f, {"W": d}), d), v, d, dv)
    K = np.zeros((N * M, N * M))
    for i in range(N):
        for j in range(M):
            K[i * M + j, j * N + i] = 1.0   # vec(W')[j + i M] = vec(W)[i + j N]
    np.testing.assert_allclose(J, K)


def test_kronecker_of_vector_function_is_jacobian_matrix():
    f, d, v, dv = setup("A x", "x", 0)
    J = ev(kronecker_of(differential(f, {"x": d}), d), v, d, dv)
    np.testing.assert_allclose(J, v["A"], rtol=1e-12)


def _sum_of_powers(ks, sign=1):
    """sum_k x' A^(sign k) x as an expression and its NumPy value."""
    text = " + ".join(f"x' A^{sign * k} x" for k in ks)
    return matcalc.parse(text, where="x: vector(n); A: matrix(n,n) invertible").node


@pytest.mark.parametrize("sign", [1, -1])
def test_differentials_of_many_powers_of_one_base_are_nested_and_exact(sign):
    """x' A^2 x + ... + x' A^9 x: the powers' differentials share their parts (D_j = dA A^(j-1) + A D_(j-1))
    and equal a central difference (negative powers through A^-1)."""
    f = _sum_of_powers(range(2, 10), sign)
    dA = B.var("dA", ("n", "n"))
    df = differential(f, {"A": dA})
    rng = np.random.default_rng(3)
    A = rng.normal(size=(N, N)) / 3 + np.eye(N)
    x, D = rng.normal(size=N), rng.normal(size=(N, N))

    def F(a):
        return sum(x @ np.linalg.matrix_power(a if sign > 0 else np.linalg.inv(a), k) @ x for k in range(2, 10))
    fd = (F(A + H * D) - F(A - H * D)) / (2 * H)
    got = evaluate(df, {"A": A, "x": x, "dA": D})
    assert np.isclose(got, fd, rtol=1e-6, atol=1e-8)


def test_differentials_of_many_powers_of_one_base_grow_linearly():
    """Written out, d(A^2) ... d(A^k) hold k^2/2 products; nested they share: the DAG of the
    differential of a sum of k powers grows about linearly with k (doubling k about doubles it)."""
    def nodes(k):
        f = _sum_of_powers(range(2, k + 1))
        df = differential(f, {"A": B.var("dA", ("n", "n"))})
        return sum(1 for _ in df.walk())
    assert nodes(32) < 2.5 * nodes(16)


def test_a_single_power_keeps_its_differential_written_out():
    """The textbook writes d(X^3) = dX X^2 + X dX X + X^2 dX; nesting pays only for several powers."""
    r = matcalc.hessian("tr(X^6)", "X", where="X: matrix(n,n)")
    assert str(r) == "6 (V X^4 + X V X^3 + X^2 V X^2 + X^3 V X + X^4 V)'"


def test_kronecker_form_of_diag_of_a_vector_is_the_diagonal_embedding():
    r = matcalc.jacobian("diag(x)", "x", where="x: vector(n)")
    J = matcalc.parse(r.forms()["kron"]["text"], where="x: vector(n)").evaluate(x=np.ones(N))
    want = np.zeros((N * N, N))
    for i in range(N):
        want[i + N * i, i] = 1  # vec(diag(v)) has v_i at row i + n i (column-major)
    np.testing.assert_array_equal(J, want)


def test_jacobian_of_the_diagonal_of_a_product_around_diag_is_a_hadamard_product():
    r = matcalc.jacobian("diag(A diag(x) B)", "x", where="A: matrix(m,n); B: matrix(n,m)")
    assert str(r) == "A .* B'"  # diag(A diag(x) B)_i = sum_j A_ij x_j B_ji
    assert r.check()


def test_hessian_through_diag_of_the_variable_is_a_hadamard_product():
    r = matcalc.hessian("log(det(A + diag(x)))", "x")
    assert str(r) == "-((diag(x) + A)^-1 .* (diag(x) + A)^-T)"  # -(P^-1 .* P^-T), P = A + diag(x)
    assert r.check()
    A, x = np.eye(N) * 3 + 0.1, np.ones(N)
    P = np.linalg.inv(A + np.diag(x))
    np.testing.assert_allclose(r.evaluate(A=A, x=x), -(P * P.T), rtol=1e-12)
    np.testing.assert_allclose(matcalc.compile("log(det(A + diag(x)))", "x", outputs=("hessian",))(A=A, x=x),
                               -(P * P.T), rtol=1e-12)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


ROWS = "x: vector(n); v: vector(k); M: matrix(n,k)"
COLS = "x: vector(n); M: matrix(k,n)"
DIAG_IN_HADAMARD = [  # text, where, answer, the Hessian in NumPy at x (n = 3), M, v (k = 4)
    ("sum(exp((x ones(1,k)) .* M))", ROWS, "diag((exp(diag(x) M) .* M.^2) ones(k))",
     lambda x, M, v: np.diag((np.exp(x[:, None] * M) * M ** 2).sum(axis=1))),
    ("sum(exp(diag(x) M) v)", ROWS, "diag((exp(diag(x) M) .* M.^2) v)",
     lambda x, M, v: np.diag((np.exp(x[:, None] * M) * M ** 2) @ v)),
    ("sum(log(1 + exp(M diag(x))))", COLS,
     "(M' ((1 - sigmoid(M diag(x))) .* sigmoid(M diag(x)) .* M)) .* I",
     lambda x, M, v: np.diag((M ** 2 * _sigmoid(M * x) * (1 - _sigmoid(M * x))).sum(axis=0))),
]


@pytest.mark.parametrize("text, where, answer, hessian", DIAG_IN_HADAMARD)
def test_hessian_through_an_entrywise_product_with_diag_of_the_direction_has_no_kronecker_product(
        text, where, answer, hessian):
    """(diag(dx) A) .* B = diag(dx) (A .* B) before the read-off: inside the entrywise product diag(dx)
    went through the n^2 x n diagonal embedding and the answer was a chain of Kronecker products."""
    r = matcalc.hessian(text, "x", where=where)
    assert str(r) == answer
    rng = np.random.default_rng(0)
    x, v = rng.normal(size=3), rng.normal(size=4)
    M = rng.normal(size=(3, 4) if where == ROWS else (4, 3))
    values = {"x": x, "M": M, "v": v} if "v:" in r.where else {"x": x, "M": M}
    np.testing.assert_allclose(r.evaluate(values), hessian(x, M, v), rtol=1e-10)


# ---------------------------------------------------------------- vector maps through diagonals and entrywise products
# The direction of a vector variable enters a matrix through diag(g(x)) or an outer product g(x) r'
# inside an entrywise product, times a column; each form, with several inner functions g, read off
# without vec (no Kronecker product) and checked by central differences, as a Jacobian and inside a Hessian.
_DIAG_FORMS = ["((A diag({g}) B) .* M) q", "(M .* ((A ({g})) r')) q", "(M .* (s ({g})' N)) q",
               "((diag({g}) N) .* P) q", "((A diag({g}) B) .* M .* exp(M)) q",
               "(((A diag({g}) B) .* M) + A diag({g}) B) q", "((ones(m,n) diag({g}) B) .* M) q"]
_INNER = ["x", "exp(x)", "C x", "tanh(C x) .* x"]
_DIAG_WHERE = ("A: matrix(m,n); B: matrix(n,k); M: matrix(m,k); N: matrix(n,k); P: matrix(n,k); q: vector(k); "
               "x: vector(n); r: vector(k); s: vector(m); C: matrix(n,n)")


@pytest.mark.parametrize("kind", ["jacobian", "hessian"])
@pytest.mark.parametrize("inner", _INNER)
@pytest.mark.parametrize("form", _DIAG_FORMS)
def test_a_direction_inside_a_diagonal_or_outer_product_is_read_off_without_vec(form, inner, kind):
    import matcalc
    text = form.format(g=inner)
    if kind == "hessian":
        text = f"sum(log(1 + exp({text})))"
    r = getattr(matcalc, kind)(text, "x", where=_DIAG_WHERE)
    assert "kron" not in str(r)
    assert r.check().ok
