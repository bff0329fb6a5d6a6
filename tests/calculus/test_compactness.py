"""Textbook-sized answers: each rewrite of the simplifier that shortens an answer, checked for
value (against an independent reading of the reference answer and against finite differences)
and for size (calculus/size.py tokens: never longer than the reference)."""
import numpy as np
import pytest

import matcalc
from matcalc.calculus.size import size
from matcalc.numerics.sampling import sample_values


def assert_answer(f: str, wrt: str, where: str | None, reference: str, kind: str = "grad"):
    """matcalc's answer equals `reference` numerically, agrees with finite differences,
    and is no longer than the reference."""
    r = getattr(matcalc, kind)(f, wrt, where=where)
    assert r.check(), f"{f} wrt {wrt}: {r.check()}"
    ref = matcalc.parse(reference, where=r.where if where is None else where + "; " + r.where)
    rng = np.random.default_rng(1)
    for _ in range(2):
        vals, _ = sample_values([r.function.node, r.node, ref.node], rng)
        np.testing.assert_allclose(np.asarray(r.evaluate(vals), dtype=float),
                                   np.asarray(ref.evaluate(vals), dtype=float), rtol=1e-8, atol=1e-10)
    assert size(r.node) <= size(ref.node), f"{r} is longer than {reference}"
    return r


GAUSS = "-1/2 logdet(S) - 1/2 (x-m)' S^-1 (x-m)"


@pytest.mark.parametrize("prop", ["spd", "symmetric"])
def test_gaussian_loglikelihood_wrt_declared_covariance_is_textbook_sized(prop):
    r = assert_answer(GAUSS, "S", f"S: matrix(n,n) {prop}; x, m: vector(n)",
                      "1/2 S^-1 ((x - m) (x - m)' S^-1 - I)")
    assert str(r) == "S^-1 ((x - m) (x - m)' S^-1 - I) / 2"


def test_declaring_the_covariance_spd_does_not_lengthen_the_gradient():
    plain = matcalc.grad(GAUSS, "S", where="S: matrix(n,n); x, m: vector(n)")
    spd = matcalc.grad(GAUSS, "S", where="S: matrix(n,n) spd; x, m: vector(n)")
    assert size(spd.node) <= size(plain.node)


def test_symmetric_gradient_that_is_not_symmetric_is_still_projected():
    r = assert_answer("tr(A S)", "S", "S: matrix(n,n) symmetric; A: matrix(n,n)", "1/2 (A + A')")
    assert str(r) == "(A + A') / 2"


SOFTMAX_WHERE = "y: vector(c); W: matrix(c,d); x: vector(d)"


@pytest.mark.parametrize("f", ["-y' log(softmax(W x))", "-y' log(exp(W x) / sum(exp(W x)))"])
def test_softmax_cross_entropy_gradient_uses_sum_of_y(f):
    r = assert_answer(f, "W", SOFTMAX_WHERE, "(sum(y) softmax(W x) - y) x'")
    assert str(r) == "(sum(y) softmax(W x) - y) x'"


def test_row_times_ones_is_a_sum():
    from matcalc.calculus.simplify import simplify
    e = matcalc.parse("(y' ones(n)) x", where="y, x: vector(n)").node
    assert str(simplify(e)) == "sum(y) x"


def test_elementwise_quotient_times_its_denominator_is_a_sum():
    from matcalc.calculus.simplify import simplify
    e = matcalc.parse("(y ./ s)' s", where="y, s: vector(n)").node
    assert simplify(e) is matcalc.parse("sum(y)", where="y: vector(n)").node


def test_inner_product_that_does_not_merge_is_kept():
    from matcalc.calculus.simplify import simplify
    e = matcalc.parse("(y ./ s)' x", where="y, s, x: vector(n)").node
    assert simplify(e) is e


@pytest.mark.parametrize("f,wrt,answer", [
    ("-1/2 (x-m)' S^-1 (x-m)", "m", "(S^-1 + S^-T) (x - m) / 2"),
    ("-(x-m)' S (x-m)", "x", "(S + S') (m - x)"),
])
def test_negative_sum_factor_gives_its_sign_to_the_product(f, wrt, answer):
    r = assert_answer(f, wrt, "S: matrix(n,n); x, m: vector(n)", answer)
    assert str(r) == answer


OUTER = "x, m, u, v, w, z: vector(n); A, S: matrix(n,n)"


@pytest.mark.parametrize("text,factored", [
    ("(x - m) x' + (m - x) m'", "(x - m) (x - m)'"),
    ("x x' - x m' - m x' + m m'", "(x - m) (x - m)'"),
    ("A x x' A' - A x m' A' - A m x' A' + A m m' A'", "A (x - m) (x - m)' A'"),
    ("A (x - m) + S (m - x)", "(A - S) (x - m)"),
])
def test_outer_products_whose_factors_agree_up_to_sign_are_factored(text, factored):
    from matcalc.calculus.simplify import simplify
    e = matcalc.parse(text, where=OUTER).node
    got = simplify(e)
    assert str(got) == factored
    rng = np.random.default_rng(0)
    vals, _ = sample_values([e], rng)
    np.testing.assert_allclose(got.evaluate(vals), e.evaluate(vals), rtol=1e-10, atol=1e-12)


def test_two_gaussian_residuals_share_the_covariance_factor():
    assert_answer("-1/2 logdet(S) - 1/2 (x-m)' S^-1 (x-m) - 1/2 (y-m)' S^-1 (y-m)", "S",
                  "S: matrix(n,n) spd; x, m, y: vector(n)",
                  "1/2 S^-1 (((x - m) (x - m)' + (y - m) (y - m)') S^-1 - I)")


def test_logdet_splits_over_square_runs_so_an_inverse_factor_cancels():
    r = assert_answer("logdet(A^-1 X' X)", "X", "A: matrix(n,n) invertible; X: matrix(m,n)", "2 X (X' X)^-1")
    assert str(r) == "2 X (X' X)^-1"


def test_det_splits_over_square_runs():
    e = matcalc.parse("det(A^-1 X' X)", where="A: matrix(n,n) invertible; X: matrix(m,n)")
    assert str(e) == "det(X' X) / det(A)"
    rng = np.random.default_rng(3)
    A, X = rng.normal(size=(2, 2)) + 2 * np.eye(2), rng.normal(size=(4, 2))
    np.testing.assert_allclose(e.evaluate({"A": A, "X": X}), np.linalg.det(np.linalg.inv(A) @ X.T @ X))


def test_diagonal_of_a_product_around_a_diagonal_matrix_is_a_hadamard_product_times_the_vector():
    w = "x: vector(n); A, B: matrix(n,n)"
    e = matcalc.parse("diag(A diag(x) B)", where=w)
    assert str(e) == "(A .* B') x"
    rng = np.random.default_rng(5)
    vals = {"x": rng.normal(size=3), "A": rng.normal(size=(3, 3)), "B": rng.normal(size=(3, 3))}
    np.testing.assert_allclose(e.evaluate(vals), np.diag(vals["A"] @ np.diag(vals["x"]) @ vals["B"]))


def test_a_quadratic_form_written_with_diagonal_matrices_has_the_textbook_gradient():
    assert str(matcalc.grad("sum(diag(x) A diag(x))", "x", where="x: vector(n); A: matrix(n,n)")) == "(A + A') x"


def test_row_sums_of_an_elementwise_product_read_as_the_diagonal_of_a_product():
    """(P .* Q) ones(n) = diag(P Q'): the gradient of tr(A diag(x) B) is diag(A' B') = diag(B A)."""
    assert str(matcalc.grad("tr(A diag(x) B)", "x", where="x: vector(n); A, B: matrix(n,n)")) == "diag(B A)"


def test_diagonal_of_a_rank_one_product_is_an_elementwise_product():
    e = matcalc.parse("diag(A x y' B)", where="x, y: vector(n); A, B: matrix(n,n)")
    assert str(e) == "(A x) .* (B' y)"
    assert str(matcalc.parse("diag(x x')", where="x: vector(n)")) == "x.^2"
    rng = np.random.default_rng(4)
    vals = {"x": rng.normal(size=3), "y": rng.normal(size=3), "A": rng.normal(size=(3, 3)), "B": rng.normal(size=(3, 3))}
    np.testing.assert_allclose(e.evaluate(vals), np.diag(vals["A"] @ np.outer(vals["x"], vals["y"]) @ vals["B"]))


def test_matrix_sum_prints_transposed_where_that_is_shorter():
    r = assert_answer("tr(X^2 B)", "X", "X, B: matrix(n,n)", "(X B + B X)'")
    assert str(r) == "(B X + X B)'"
    e = matcalc.parse(str(r), where=r.where)
    assert e.node is r.node


def test_repeated_residual_and_its_transpose_share_one_name():
    r = matcalc.grad("||A X X' B - C||_F^2", "X")
    text = str(r)
    assert text.count("A X X' B - C") == 1 and " where " in text
    assert r.check()
    assert size(r.node) <= size(matcalc.parse("2 (A' (A X X' B - C) B' + B (A X X' B - C)' A) X", where=r.where).node)


def test_sigmoid_norm_hessian_is_factored_not_an_expanded_polynomial():
    r = matcalc.hessian("sigmoid(x)' sigmoid(x)", "x", where="x: vector(n)")
    assert r.check()
    assert str(r) == "2 diag((2 - 3 sigmoid(x)) .* (1 - sigmoid(x)) .* sigmoid(x).^2)"  # 1 - s, as in s (1 - s)
    ref = matcalc.parse("2 diag(sigmoid(x) .^ 2 .* (1 - sigmoid(x)) .* (2 - 3 sigmoid(x)))", where="x: vector(n)")
    x = np.linspace(-1, 1, 4)
    np.testing.assert_allclose(r.evaluate({"x": x}), ref.evaluate({"x": x}), rtol=1e-10)


def test_softmax_jacobian_keeps_its_textbook_form():
    assert str(matcalc.hessian("log(sum(exp(x)))", "x")) == "diag(softmax(x)) - softmax(x) softmax(x)'"


def test_elementwise_factors_that_agree_up_to_sign_are_factored():
    r = assert_answer("-y' log(softmax(W2 tanh(W1 x)))", "W1",
                      "W1: matrix(h,d); W2: matrix(c,h); x: vector(d); y: vector(c)",
                      "((W2' (sum(y) softmax(W2 tanh(W1 x)) - y)) .* (1 - tanh(W1 x) .^ 2)) x'")
    assert str(r).count("W2'") == 1


def test_two_denominators_are_multiplied_out_where_shorter():
    # (the Student-t log-density: d is x's dimension, written dim(d); a bare d is refused)
    r = assert_answer("-(nu + dim(d))/2 log(1 + (x - m)' S^-1 (x - m) / nu)", "m",
                      "x, m: vector(d); S: matrix(d,d) spd; nu: scalar",
                      "(nu + dim(d)) S^-1 (x - m) / (nu + (x - m)' S^-1 (x - m))")
    assert str(r) == "(d + nu) S^-1 p / (p' S^-1 p + nu) where p = x - m"


def test_quadratic_with_rational_roots_is_factored():
    from matcalc.calculus.simplify import simplify
    e = matcalc.parse("a^2 - 3 a + 2", where="a: scalar").node
    got = simplify(e)
    assert str(got) == "(a - 2) (a - 1)"
    assert abs(got.evaluate({"a": 0.3}) - e.evaluate({"a": 0.3})) < 1e-12
    from matcalc.calculus.simplify.quotients import _factor_quadratic
    irrational = matcalc.parse("a^2 - 3 a + 1", where="a: scalar").node  # its roots are not rational
    assert _factor_quadratic(irrational) is None


def test_the_logistic_loss_typed_through_exp_has_the_textbook_gradient():
    """The logistic loss as MatrixCalculus.org's example types it: log(exp(z) ./ (1 + exp(z)))
    differentiates into sigmoid(z) (1 + exp(z)) / exp(z), which is 1."""
    text = "-(y'*log(exp(X*w)./(vector(1)+exp(X*w))) + (vector(1)-y)'*log(vector(1)./(vector(1)+exp(X*w))))"
    r = matcalc.grad(text, "w")
    assert str(r) == "X' (sigmoid(X w) - y)" and r.check().ok


@pytest.mark.parametrize("text, answer", [("sum(log(sum(exp(X), 1)))", "softmax(X)"),
                                          ("sum(log(sum(exp(X), 2)))", "softmax(X, 2)")])
def test_the_gradient_of_a_summed_log_sum_exp_over_columns_or_rows_is_a_softmax(text, answer):
    r = matcalc.grad(text, "X", where="X: matrix(m,n)")
    assert str(r) == answer and r.check().ok


@pytest.mark.parametrize("text, want", [("(mu/2)||relu(A x - b)||^2", "mu A' relu(A x - b)"),
                                        ("relu(A*x)'*relu(A*x)", "2 A' relu(A x)"),
                                        ("sum(relu(x).^3)", "3 relu(x).^2")])
def test_a_relu_beside_its_derivative_is_the_relu(text, want):
    """sign(u) relu(u)^k = relu(u)^k: the squared hinge had the gradient 1/2 mu A' ((sign(A x - b) + 1) .* relu(A x - b))."""
    r = matcalc.grad(text, "x", where="mu: scalar")
    assert str(r) == want
    assert r.check().ok


@pytest.mark.parametrize("text, want", [("1./(1+exp(-w'*x))", "sigmoid(-w' x) sigmoid(w' x) x"),
                                        ("log(1/(1+exp(-w'x)))", "sigmoid(-w' x) x"),
                                        ("sum(1 ./ (1 + exp(-X w)))", "X' (sigmoid(-X w) .* sigmoid(X w))"),
                                        ("log(1 + exp(-t w'x))", "-t sigmoid(-t w' x) x")])
def test_the_logistic_function_typed_as_a_reciprocal_is_a_sigmoid(text, want):
    """1 / (1 + exp(-v)) = sigmoid(v) and exp(-v) sigmoid(v) = sigmoid(-v): the gradient of
    1./(1+exp(-w'*x)) was sigmoid(-w' x) x / (1 + exp(-w' x))."""
    r = matcalc.grad(text, "w", where="t: scalar")
    assert str(r) == want
    assert r.check().ok


@pytest.mark.parametrize("f,wrt,where,answer", [
    ("||X - A||_F", "X", "A, X: matrix(m,n)", "(X - A) / ||X - A||_F"),
    ("||x - A s||", "s", "A: matrix(m,n)", "A' (A s - x) / ||A s - x||"),
    ("sum(log(1 + (X w - y).^2))", "w", "X: matrix(N,d)", "2 X' ((X w - y) ./ ((X w - y).^2 + 1))"),
])
def test_a_products_minus_sign_is_taken_by_a_difference_and_its_norm(f, wrt, where, answer):
    """-(A - X) / ||A - X||_F is (X - A) / ||X - A||_F: a token shorter, the norm negated with it."""
    r = assert_answer(f, wrt, where, answer)
    assert str(r) == answer


@pytest.mark.parametrize("text", ["-(x - m) (x - m)' A", "-exp((x - m)' a) (x - m)"])
def test_a_difference_another_factor_holds_keeps_the_sign_outside(text):
    """-(x - m) (x - m)' is not (m - x) (x - m)': one difference is not written both ways."""
    from matcalc.calculus.simplify import simplify
    from matcalc.outputs.printing import to_text
    e = matcalc.parse(text, where="x, m, a: vector(n); A: matrix(n,n)").node
    assert to_text(simplify(e)) == text


def test_a_difference_written_both_ways_is_written_one_way():
    """(x - m) (m - x)' in a Hessian is -(x - m) (x - m)': one difference, its sign outside."""
    from matcalc.outputs.printing import to_text
    r = matcalc.hessian("sqrt(1 + log(1 + ||x - m||^2)^2)", "m", where="m, x: vector(n)")
    text = to_text(r.node)
    assert not ("(x - m)" in text and "(m - x)" in text), text
    assert matcalc.parse(str(r), where=r.where).node is r.node
    assert r.check()


@pytest.mark.parametrize("f,wrt,where", [
    ("exp(sum(softmax(u) .* log(softmax(u))) / 2)", "u", "u: vector(k)"),
    ("sqrt(1 + (lambda sum(softmax(A x) .* log(softmax(A x))) + ||x - m||^2)^2)", "x", "A: matrix(k,n)"),
])
def test_log_probabilities_are_opened_only_where_their_normalizers_cancel(f, wrt, where):
    """log(softmax(u)) = u - logsumexp(u) is used where the logsumexp terms cancel (a KL gradient),
    never leaving a logsumexp in an answer that had none."""
    r = matcalc.hessian(f, wrt, where=where)
    assert "logsumexp" not in str(r)
    assert r.check()


def test_half_the_log_of_a_squared_norm_is_the_log_of_the_norm():
    """d/dp ||x||^p = log(||x||) ||x||^p, not log(x' x) ||x||^p / 2."""
    assert_answer("||x||^p", "p", "p: scalar", "log(||x||) ||x||^p")


def test_scalar_multiples_of_one_matrix_are_collected_without_an_identity():
    """p X - 2 X is (p - 2) X, not (p I - 2 I) X: the (p - 2) of ||X||_F^(p - 2) / (p - 2) cancels."""
    r = assert_answer("||X||_F^(p - 2) / (p - 2)", "X", "X: matrix(k,n); p: scalar", "||X||_F^(p - 4) X")
    assert str(r) == "||X||_F^(p - 4) X"


@pytest.mark.parametrize("text, wrt, where, kind, answer", [
    ("(A + x x')^-1 b", "x", "A: matrix(n,n) spd; x, b: vector(n)", "jacobian",
     "-P ((b' P x) I + x b' P) where P = (x x' + A)^-1"),
    ("logdet(A + x x')", "x", "A: matrix(n,n) spd; x: vector(n)", "hessian",
     "2 P (I - (x' P x) I - x x' P) where P = (x x' + A)^-1"),
    ("exp(x x') b", "x", "x, b: vector(n)", "jacobian", "diag(x) exp(x x') diag(b) + diag(exp(x x') (b .* x))"),
    ("(A .* (x x')) b", "x", "x, b: vector(n)", "jacobian", "diag(x) A diag(b) + diag(A (b .* x))"),
    ("sum(logsumexp(W X + b ones(N)')) - sum(Y .* (W X + b ones(N)'))", "b",
     "W: matrix(c,d); X: matrix(d,N); Y: matrix(c,N); b: vector(c)", "hessian",
     "diag(P ones(N)) - P P' where P = softmax(W X + b ones(1, N))"),
    ("tr((X' diag(w) X)^-1)", "w", "X: matrix(N,p); w: vector(N)", "hessian",
     "2 ((X P^-1 X') .* (X P^-2 X')) where P = X' diag(w) X"),
    ("||W2 tanh(W1 X + b1 ones(N)') - Y||_F^2", "b1", "W1: matrix(h,d); X: matrix(d,N); W2: matrix(c,h)",
     "hessian", "2 ((Q Q') .* (W2' W2)) - 4 diag(((W2' (W2 P - Y)) .* P .* Q) ones(N)) "
     "where P = tanh(W1 X + b1 ones(1, N)), Q = 1 - P.^2"),
    ("((A diag(x) B) .* M) q", "x", "A: matrix(m,n); B: matrix(n,k); M: matrix(m,k)", "jacobian",
     "(M diag(q) B') .* A"),
    ("(M .* (s x' B)) q", "x", "B: matrix(n,k); M: matrix(m,k); s: vector(m)", "jacobian",
     "diag(s) M diag(q) B'"),
])
def test_a_vector_jacobian_or_hessian_read_off_through_vec_keeps_no_kronecker_product(text, wrt, where, kind, answer):
    # -kron(b' P, P) (kron(x, I) + kron(I, x)): an n x n^2 matrix in the generated code, 100x to 1,400x slower
    r = getattr(matcalc, kind)(text, wrt, where=where)
    assert str(r) == answer
    assert "kron" not in r.numpy_source()
    assert matcalc.check(r).ok


@pytest.mark.parametrize("f, kind, answer", [
    ("(x - mean(x)) / sqrt(mean((x - mean(x)).^2) + e)", "jacobian",
     "(I - (p p' / s + ones(n, n)) / n) / sqrt(s) where p = x - mean(x), s = mean(p.^2) + e"),
    ("(x - mean(x)) / ||x - mean(x)||", "jacobian", "(I - ones(n, n) / n) / ||p|| - p p' / ||p||^3 where p = x - mean(x)"),
])
def test_a_centred_vector_times_the_centring_is_itself_in_a_normalization_jacobian(f, kind, answer):
    # p p' (I - ones(n, n) / n) was left as it is: p' ones(n, n) = sum(p) ones(1, n) = 0 for p = x - mean(x)
    r = getattr(matcalc, kind)(f, "x", where="x: vector(n); e: scalar" if "e" in f else "x: vector(n)")
    assert r.check()
    assert str(r) == answer


def test_a_vector_times_the_centring_matrix_is_the_centred_vector():
    # p g' (I - ones(n, n) / n) in the layer-norm Hessian with an upstream gradient g: p (g - mean(g))'
    r = matcalc.hessian("sum(((x - mean(x)) / sqrt(mean((x - mean(x)).^2) + e)) .* g)", "x",
                        where="x, g: vector(n); e: scalar")
    assert r.check()
    assert "p (g - mean(g))'" in str(r) and "g' (I - ones(n, n) / n)" not in str(r)


LINE = "A: matrix(n,n) spd; B: matrix(n,n) spd; C: matrix(n,n) spd; S: matrix(n,n) spd; T: matrix(n,n); " \
       "P: matrix(n,n); X: matrix(n,n); Y: matrix(n,n); a: scalar; t: scalar"


@pytest.mark.parametrize("f, wrt, kind, reference, shown", [
    ("tr(P (a A + (1 - a) B))", "a", "grad", "tr(P (A - B))", "tr((A - B) P)"),
    ("logdet((1 - t) A + t B)", "t", "grad", "tr(((1 - t) A + t B)^-1 (B - A))", None),
    ("logdet((1 - t) A + t B)", "t", "hessian", "-tr(((1 - t) A + t B)^-1 (B - A) ((1 - t) A + t B)^-1 (B - A))",
     "-tr(M Q M Q) where M = B - A, Q = (t M + A)^-1"),
    ("||(1 - a) X + a Y||_F^2", "a", "grad", "2 <Y - X, (1 - a) X + a Y>", "2 <(1 - a) X + a Y, Y - X>"),
    ("||(1 - a) C + a T - S||_F^2", "a", "grad", "2 <T - C, (1 - a) C + a T - S>", "2 <(1 - a) C + a T - S, T - C>"),
    ("-logdet(a C + (1 - a) I) + tr(S (a C + (1 - a) I))", "a", "grad", "tr((S - (a C + (1 - a) I)^-1) (C - I))",
     "tr((C - I) (S - (a (C - I) + I)^-1))"),   # (tr(F R) + tr(A) - tr(B), F = A - B: the identity gathered)
])
def test_trace_terms_that_share_a_factor_are_one_trace(f, wrt, kind, reference, shown):
    """The linearity of tr and <., .>: tr(A P) - tr(B P) is tr((A - B) P), as the derivatives of
    log det along a line (the concavity proof of log det) are written."""
    r = assert_answer(f, wrt, LINE, reference, kind)
    if shown is not None:
        assert str(r) == shown


def test_a_differentials_trace_terms_that_share_its_variable_stay_apart():
    """tr(A X B dX') + tr(A dX B X') gathered would hide the gradient <G, dX> shows."""
    r = matcalc.grad("tr(A X B X')", "X", where="A: matrix(n,n); B: matrix(n,n); X: matrix(n,n)")
    assert str(r.differential if not callable(r.differential) else r.differential()) == "<A X B + A' X B', dX>"


@pytest.mark.parametrize("f, wrt, kind, answer", [
    ("1/2 ||D^(1/2) (x - y)||^2", "x", "hessian", "D"),
    ("1/2 ||D^(1/2) (x - y)||^2", "x", "grad", "D (x - y)"),
    ("||D^(-1/2) x||^2", "x", "grad", "2 D^-1 x"),
    ("1/2 ||D^(1/2) (A x - b)||^2", "x", "hessian", "A' D A"),
])
def test_roots_of_a_diagonal_spd_matrix_multiply_back_to_it(f, wrt, kind, answer):
    """D^(1/2) D^(1/2) is D, not diag(diag(D)): the weighted least-squares gradient A' D (A x - b)."""
    r = assert_answer(f, wrt, "D: matrix(n,n) diagonal spd; x, y, b: vector(n); A: matrix(n,n)", answer, kind)
    assert str(r) == answer


@pytest.mark.parametrize("f, wrt, where, kind, reference, shown", [
    ("log(exp(a) + exp(b))", "a", "a, b: scalar", "grad", "sigmoid(a - b)", "sigmoid(a - b)"),
    ("log(exp(a) + exp(b))", "a", "a, b: scalar", "hessian", "sigmoid(a - b) (1 - sigmoid(a - b))", None),
    ("sum(log(exp(X w) + exp(Z w)))", "w", "X, Z: matrix(m,n); w: vector(n)", "grad",
     "X' sigmoid(X w - Z w) + Z' sigmoid(Z w - X w)", None),
])
def test_an_exponential_over_a_sum_of_two_exponentials_is_a_sigmoid_of_their_difference(f, wrt, where, kind, reference,
                                                                                            shown):
    """exp(u) / (exp(u) + exp(v)) = sigmoid(u - v): a softmax of two classes."""
    r = assert_answer(f, wrt, where, reference, kind)
    if shown is not None:
        assert str(r) == shown


def test_a_spring_force_takes_its_sign_in_the_stretch_factor():
    """-k (L0 / r - 1) (x1 - x2) is k (1 - L0 / r) (x1 - x2): the minus sign the difference gave out
    (x2 - x1 is written x1 - x2, as its norm is) taken by the other sum factor."""
    r = assert_answer("k/2 (||x1 - x2|| - L0)^2", "x1", "x1, x2: vector(d); k, L0: scalar",
                      "k (1 - L0 / ||x1 - x2||) (x1 - x2)")
    assert str(r) == "k (1 - L0 / ||x1 - x2||) (x1 - x2)"


def test_a_diagonal_of_exponentials_over_their_sum_is_a_diagonal_of_the_softmax():
    """D diag(exp(u)) D' / sum(exp(u)) = D diag(softmax(u)) D' (neighbourhood components analysis)."""
    r = assert_answer("(x - y)' M (x - y) - log(sum(exp(-diag(D' M D))))", "M",
                      "M: matrix(d,d) symmetric; x, y: vector(d); D: matrix(d,n)",
                      "(x - y) (x - y)' + D diag(softmax(-diag(D' M D))) D'")
    assert str(r) == "(x - y) (x - y)' + D diag(softmax(-diag(D' M D))) D'"


def test_a_sigmoid_of_a_difference_of_sums_is_of_their_difference_collected():
    """exp(v) / (exp(u + v) + exp(v)) is sigmoid(-u), not sigmoid(v - (u + v)): its derivative by v is 0."""
    r = matcalc.grad("exp(u + v) / (exp(u + v) + exp(v))", "v", where="u, v: scalar")
    assert str(r) == "0"
