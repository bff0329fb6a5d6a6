"""Derivatives of the layers ML uses and of the losses built from them.

Each derivative is checked twice: its `.evaluate` against an independent NumPy formula (or its
expected closed form), and `.evaluate` against central finite differences (`matcalc.check`).
"""
import numpy as np
import pytest

import matcalc
from conftest import assert_close

RNG = np.random.default_rng(7)
BATCH = "W: matrix(k,d); X: matrix(d,N); Y: matrix(k,N)"


def _softmax_cols(z):
    e = np.exp(z - z.max(axis=0))
    return e / e.sum(axis=0)


def _checked(r):
    rep = matcalc.check(r)
    assert rep.ok, str(rep)
    return r


# ---------------------------------------------------------------- value and rule, one per function
@pytest.mark.parametrize("name, f, df", [
    ("relu", lambda u: np.maximum(u, 0), lambda u: (u > 0).astype(float)),
    ("softplus", lambda u: np.log1p(np.exp(u)), lambda u: 1 / (1 + np.exp(-u))),
    ("log1p", np.log1p, lambda u: 1 / (1 + u)),
])
def test_elementwise_layer_gradient_through_a_matrix(name, f, df):
    """d sum(f(W x)) = <f'(W x) x', dW>, away from relu's kink."""
    r = _checked(matcalc.grad(f"sum({name}(W x))", "W", where="W: matrix(m,n); x: vector(n)"))
    W, x = RNG.standard_normal((3, 4)) * 0.3, RNG.uniform(0.1, 1, 4)
    assert_close(r.evaluate(W=W, x=x), np.outer(df(W @ x), x), rtol=1e-10)
    assert float(matcalc.parse(f"sum({name}(W x))").evaluate(W=W, x=x)) == pytest.approx(f(W @ x).sum())


def test_relu_derivative_at_the_kink_is_one_half():
    """The subgradient convention: the midpoint of [0, 1], as sign(0) = 0 gives abs'(0) = 0."""
    r = matcalc.grad("sum(relu(x))", "x")
    assert_close(r.evaluate(x=np.array([-1.0, 0.0, 2.0])), [0.0, 0.5, 1.0])


def test_norm1_gradient_is_sign_with_zero_at_zero():
    r = matcalc.grad("norm1(w)", "w")
    assert_close(r.evaluate(w=np.array([-2.0, 0.0, 3.0])), [-1.0, 0.0, 1.0])


def test_logsumexp_gradient_is_softmax():
    r = _checked(matcalc.grad("logsumexp(x)", "x"))
    assert str(r) == "softmax(x)"


def test_logsumexp_evaluates_without_overflow():
    x = np.array([1000.0, 1000.0, -1000.0])
    assert matcalc.parse("logsumexp(x)").evaluate(x=x) == pytest.approx(1000.0 + np.log(2.0))


def test_logsumexp_of_a_matrix_evaluates_column_by_column():
    Z = RNG.standard_normal((3, 5)) * 50
    got = matcalc.parse("logsumexp(Z)", where="Z: matrix(k,N)").evaluate(Z=Z)
    m = Z.max(axis=0)
    assert_close(got, m + np.log(np.exp(Z - m).sum(axis=0)), rtol=1e-12)


def test_logsumexp_hessian_is_diag_p_minus_p_p():
    r = _checked(matcalc.hessian("logsumexp(x)", "x"))
    x = RNG.standard_normal(4)
    p = _softmax_cols(x)
    assert_close(r.evaluate(x=x), np.diag(p) - np.outer(p, p), rtol=1e-10)


def test_logsumexp_of_a_matrix_jacobian_matches_finite_differences():
    _checked(matcalc.jacobian("logsumexp(Z)", "Z", where="Z: matrix(k,N)"))


def test_rowwise_logsumexp_gradient_matches_finite_differences():
    _checked(matcalc.grad("logsumexp(Z, 2)' a", "Z", where="Z: matrix(k,N)"))


def test_softmax_of_a_matrix_evaluates_column_by_column():
    Z = RNG.standard_normal((3, 5))
    got = matcalc.parse("softmax(Z)", where="Z: matrix(k,N)").evaluate(Z=Z)
    assert_close(got, _softmax_cols(Z), rtol=1e-12)
    assert_close(got.sum(axis=0), np.ones(5), rtol=1e-12)


def test_softmax_of_a_matrix_jacobian_matches_finite_differences():
    _checked(matcalc.jacobian("softmax(Z)", "Z", where="Z: matrix(k,N)"))


def test_column_sums_gradient_is_a_broadcast_row():
    """d <c, sum(X, 1)'> = <1 c', dX>."""
    r = _checked(matcalc.grad("sum(X, 1) c", "X", where="X: matrix(m,n)"))
    c = RNG.standard_normal(4)
    assert_close(r.evaluate(X=np.zeros((3, 4)), c=c), np.tile(c, (3, 1)))


def test_row_sums_gradient_is_a_broadcast_column():
    r = _checked(matcalc.grad("a' sum(X, 2)", "X", where="X: matrix(m,n)"))
    a = RNG.standard_normal(3)
    assert_close(r.evaluate(X=np.zeros((3, 4)), a=a), np.tile(a[:, None], (1, 4)))


def test_mean_gradient_is_one_over_the_count():
    r = _checked(matcalc.grad("mean(X)", "X", where="X: matrix(m,n)"))
    assert_close(r.evaluate(X=np.zeros((3, 4))), np.full((3, 4), 1 / 12))


def test_column_means_squared_gradient():
    r = _checked(matcalc.grad("||mean(X, 1)||^2", "X", where="X: matrix(m,n)"))
    X = RNG.standard_normal((3, 4))
    assert_close(r.evaluate(X=X), np.tile(2 * X.mean(axis=0) / 3, (3, 1)), rtol=1e-10)


# ---------------------------------------------------------------- x .^ y
POWER = "x: vector(n) positive; y: vector(n)"


def test_elementwise_power_gradient_in_the_exponent_is_log_base_times_power():
    r = _checked(matcalc.grad("sum(x .^ y)", "y", where=POWER))
    x, y = RNG.uniform(0.5, 2, 4), RNG.standard_normal(4)
    assert_close(r.evaluate(x=x, y=y), np.log(x) * x ** y, rtol=1e-10)


def test_elementwise_power_gradient_in_the_base_is_y_x_to_y_minus_1():
    r = _checked(matcalc.grad("sum(x .^ y)", "x", where=POWER))
    x, y = RNG.uniform(0.5, 2, 4), RNG.standard_normal(4)
    assert_close(r.evaluate(x=x, y=y), y * x ** (y - 1), rtol=1e-10)


def test_elementwise_power_of_a_base_and_exponent_that_both_vary():
    _checked(matcalc.grad("sum((A z) .^ (B z))", "z", where="A, B: matrix(n,n) positive; z: vector(n) positive"))


def test_elementwise_power_gradient_in_the_exponent_refuses_a_non_positive_base():
    r = matcalc.grad("sum(x .^ y)", "y", where="x, y: vector(n)")
    with pytest.raises(matcalc.MatcalcError, match="log of a non-positive number"):
        r.evaluate(x=np.array([-1.0, 2.0]), y=np.array([2.0, 3.0]))


# ---------------------------------------------------------------- vec, unvec, kron
def test_gradient_through_vec_is_unvec():
    r = _checked(matcalc.grad("vec(X)' M vec(X)", "X", where="X: matrix(m,n); M: matrix(m*n, m*n)"))
    X, M = RNG.standard_normal((2, 3)), RNG.standard_normal((6, 6))
    assert_close(r.evaluate(X=X, M=M), ((M + M.T) @ X.reshape(-1, order="F")).reshape(2, 3, order="F"),
                 rtol=1e-10)


def test_gradient_of_an_inner_product_of_vecs_is_the_matrix():
    assert str(matcalc.grad("vec(A)' vec(X)", "X", where="A, X: matrix(m,n)")) == "A"


@pytest.mark.parametrize("wrt", ["A", "B"])
def test_gradient_through_kron_matches_numpy(wrt):
    r = _checked(matcalc.grad("tr(kron(A, B) C)", wrt, where="A: matrix(m,n); B: matrix(p,q)"))
    A, B, C = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 2)), RNG.standard_normal((6, 4))
    # <C', A (x) B>: block (i, j) of C' (a p x q block) paired with B gives the gradient in A
    Ct = C.T.reshape(2, 2, 3, 2).transpose(0, 2, 1, 3)  # [i, j, k, l] = C'[i p + k, j q + l]
    want = np.einsum("ijkl,kl->ij", Ct, B) if wrt == "A" else np.einsum("ijkl,ij->kl", Ct, A)
    assert_close(r.evaluate(A=A, B=B, C=C), want, rtol=1e-10)


@pytest.mark.parametrize("text, wrt, want", [
    ("x' kron(y, z)", "y", "unvec(x, n, m)' z"),
    ("x' kron(y, z)", "z", "unvec(x, n, m) y"),
    ("kron(y, z)' x", "y", "unvec(x, n, m)' z"),
    ("x' kron(y, y)", "y", "(unvec(x, m, m)' + unvec(x, m, m)) y"),
])
def test_gradient_through_a_kronecker_product_of_vectors_is_an_unvec_times_a_vector(text, wrt, want):
    where = "x: vector(m*n); y: vector(m); z: vector(n)" if "z" in text else "x: vector(m*m); y: vector(m)"
    r = _checked(matcalc.grad(text, wrt, where=where))
    assert str(r) == want
    _checked(matcalc.hessian(text, wrt, where=where))


def test_gradient_through_a_kronecker_product_of_row_vectors_matches_finite_differences():
    r = _checked(matcalc.grad("kron(y', z') A kron(y, z)", "y", where="y: vector(m); z: vector(n)"))
    _checked(matcalc.hessian("kron(y', z') A kron(y, z)", "z", where="y: vector(m); z: vector(n)"))
    y, z, A = RNG.standard_normal(2), RNG.standard_normal(3), RNG.standard_normal((6, 6))
    J = np.kron(np.eye(2), z[:, None])  # d(y (x) z)/dy
    assert_close(r.evaluate(y=y, z=z, A=A), J.T @ (A + A.T) @ np.kron(y, z), rtol=1e-10)


def test_unvec_of_a_kronecker_product_of_vectors_is_their_outer_product():
    assert str(matcalc.parse("unvec(kron(y, z), n, m)", where="y: vector(m); z: vector(n)")) == "z y'"
    assert str(matcalc.grad("||kron(y, z)||^2", "y", where="y: vector(m); z: vector(n)")) == "2 (z' z) y"


def test_gradient_through_unvec_is_vec():
    r = _checked(matcalc.grad("sum(exp(unvec(v, m, n)) .* A)", "v", where="A: matrix(m,n)"))
    assert str(r) == "vec(exp(unvec(v, m, n)) .* A)"


KRON_SQUARE = "A: matrix(n,n); B: matrix(m,m); C: matrix(n,n); D: matrix(m,m)"


@pytest.mark.parametrize("text, wrt, want", [
    ("||kron(A, B)||_F^2", "A", "2 <B, B> A"),
    ("tr(kron(A, B) kron(C, D))", "A", "tr(B D) C'"),
    ("logdet(kron(A, B))", "A", "m A^-T"),
    ("det(kron(A, B))", "B", "n det(kron(A, B)) B^-T"),
    ("tr(kron(A, B)^2)", "A", "2 tr(B^2) A'"),
    ("tr(inv(kron(A, B)))", "B", "-tr(A^-1) B'^-2"),
])
def test_gradient_through_a_kronecker_product_of_square_factors_is_the_textbook_one(text, wrt, want):
    """The mixed-product rule (A (x) B)(C (x) D) = A C (x) B D, with (A (x) B)^-1 = A^-1 (x) B^-1 and
    tr(A (x) B) = tr(A) tr(B), reduces these to products of traces (Magnus & Neudecker, ch. 2)."""
    r = _checked(matcalc.grad(text, wrt, where=KRON_SQUARE))
    assert str(r) == want


@pytest.mark.parametrize("wrt, want", [("A", "unvec(x, m, k)' B unvec(y, n, p)"),
                                       ("B", "unvec(x, m, k) A unvec(y, n, p)'")])
def test_gradient_of_a_bilinear_form_of_a_kronecker_product_is_unvec_times_the_other_factor(wrt, want):
    """x' (A (x) B) y = tr(X' B Y A') with x = vec(X), y = vec(Y)."""
    where = "A: matrix(k,p); B: matrix(m,n); x: vector(k*m); y: vector(p*n)"
    r = _checked(matcalc.grad("x' kron(A, B) y", wrt, where=where))
    assert str(r) == want
    A, B_, x, y = (RNG.standard_normal(s) for s in ((2, 3), (4, 5), 8, 15))
    grad_K = np.outer(x, y)  # of x' K y; then the chain rule through K = A (x) B, entry by entry
    blocks = grad_K.reshape(2, 4, 3, 5)  # [i, k, j, l] = K-gradient at (i m + k, j n + l)
    want_value = np.einsum("ikjl,kl->ij", blocks, B_) if wrt == "A" else np.einsum("ikjl,ij->kl", blocks, A)
    assert_close(r.evaluate(A=A, B=B_, x=x, y=y), want_value, rtol=1e-10)
    _checked(matcalc.hessian("(x' kron(A, B) y)^2", wrt, where=where))


@pytest.mark.parametrize("text, want", [("vec(X)' kron(A, B) vec(X)", "B X A' + B' X A"),
                                        ("||kron(A, B) vec(X) - c||^2", "2 B' (B X A' - unvec(c, n, n)) A")])
def test_gradient_through_a_kronecker_product_times_a_vec_is_a_matrix_product(text, want):
    r = _checked(matcalc.grad(text, "X", where="X, A, B: matrix(n,n); c: vector(n*n)"))
    assert str(r) == want
    assert "kron" not in r.numpy_source()


def test_jacobian_of_kron_matches_finite_differences():
    _checked(matcalc.jacobian("kron(A, B)", "A", where="A: matrix(m,n); B: matrix(p,q)"))


# ---------------------------------------------------------------- losses
def test_cross_entropy_by_logsumexp_has_gradient_softmax_minus_targets():
    r = _checked(matcalc.grad("sum(logsumexp(W X)) - sum(Y .* (W X))", "W", where=BATCH))
    assert str(r) == "(softmax(W X) - Y) X'"


def test_cross_entropy_by_log_softmax_agrees_with_numpy():
    r = _checked(matcalc.grad("-sum(Y .* log(softmax(W X)))", "W", where=BATCH))
    W, X = RNG.standard_normal((3, 2)), RNG.standard_normal((2, 5))
    Y = np.eye(3)[:, RNG.integers(0, 3, 5)]  # one-hot columns
    assert_close(r.evaluate(W=W, X=X, Y=Y), (_softmax_cols(W @ X) - Y) @ X.T, rtol=1e-10)


MLP = "||W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y||_F^2"
MLP_WHERE = "W1: matrix(h,d); W2: matrix(k,h); X: matrix(d,N); Y: matrix(k,N); b1: vector(h); b2: vector(k)"


@pytest.mark.parametrize("wrt", ["W1", "b1", "W2", "b2"])
def test_mlp_with_biases_broadcast_over_the_batch(wrt):
    _checked(matcalc.grad(MLP, wrt, where=MLP_WHERE))


def test_mlp_bias_gradient_sums_over_the_batch():
    r = matcalc.grad(MLP, "b2", where=MLP_WHERE)
    v = {"W1": RNG.standard_normal((4, 2)), "W2": RNG.standard_normal((3, 4)), "X": RNG.standard_normal((2, 5)),
         "Y": RNG.standard_normal((3, 5)), "b1": RNG.standard_normal(4), "b2": RNG.standard_normal(3)}
    out = v["W2"] @ np.tanh(v["W1"] @ v["X"] + v["b1"][:, None]) + v["b2"][:, None] - v["Y"]
    assert_close(r.evaluate(v), 2 * out.sum(axis=1), rtol=1e-10)


def test_l1_penalised_least_squares_gradient():
    r = _checked(matcalc.grad("1/2 ||A w - b||^2 + lambda norm1(w)", "w"))
    A, b, w = RNG.standard_normal((5, 3)), RNG.standard_normal(5), RNG.standard_normal(3)
    assert_close(r.evaluate(A=A, b=b, w=w, **{"lambda": 0.3}), A.T @ (A @ w - b) + 0.3 * np.sign(w), rtol=1e-10)


def test_sum_abs_is_the_same_penalty_as_norm1():
    assert matcalc.parse("sum(abs(w))") == matcalc.parse("norm1(w)")
