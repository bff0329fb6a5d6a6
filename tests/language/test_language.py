"""The input language (README.md, "The language"), one behaviour per test."""
import re

import numpy as np
import pytest

import matcalc

W = "A, B: matrix(n,n); X: matrix(n,n) invertible; x, y, b: vector(n); c, s: scalar"


def same(a, b, where=W):
    return matcalc.parse(a, where=where) == matcalc.parse(b, where=where)


def test_juxtaposition_star_and_letter_runs_are_one_product():
    assert same("A X B", "A*X*B")
    assert same("AXB", "A X B")


def test_exponent_binds_to_the_last_letter_of_a_run():
    assert same("tr(AX^2BX^-T)", "tr(A (X^2) B (X^-T))")
    assert same("x^TAx", "x' A x")


@pytest.mark.parametrize("text", ["X'", "X^T", "X^{T}"])
def test_transpose_spellings(text):
    assert same(text, "X'")


@pytest.mark.parametrize("text", ["X^-1", "X^{-1}", "inv(X)"])
def test_inverse_spellings(text):
    assert same(text, "inv(X)")


@pytest.mark.parametrize("text", ["X^-T", "X^{-T}", "inv(X')", "inv(X)'"])
def test_inverse_transpose_spellings(text):
    assert same(text, "X^-T")


def test_matrix_power_is_repeated_product():
    assert same("X^3", "X X X")
    assert same("X^-2", "inv(X) inv(X)")


def test_scalar_powers_take_any_exponent():
    e = matcalc.parse("s^0.5 + (x'x)^(x'x)", where=W)
    v = e.evaluate({"s": 4.0, "x": np.array([1.0, 1.0])})
    assert v == pytest.approx(2.0 + 2.0 ** 2.0)


def test_numbers_are_exact_rationals():
    assert same("0.5 x", "1/2 x")
    assert str(matcalc.parse("1/3 + 1/6 + s", where=W)) in ("1/2 + s", "s + 1/2")


def test_unary_minus_negates_the_whole_product():
    assert same("-x' x", "-(x' x)")
    assert same("a - -b", "a + b", where="a, b: vector(n)")


def test_star_slash_and_juxtaposition_share_one_precedence_left_to_right():
    assert same("1/2 x' A x", "(1/2) (x' A x)")
    assert same("A x / c", "(A x) / c")


def test_elementwise_operators():
    e = matcalc.parse("x .* y ./ b + x .^ 2", where=W)
    vals = {"x": np.array([1.0, 2.0]), "y": np.array([3.0, 4.0]), "b": np.array([2.0, 8.0])}
    assert np.allclose(e.evaluate(vals), vals["x"] * vals["y"] / vals["b"] + vals["x"] ** 2)


def test_inner_product_is_trace_of_transpose_product():
    assert same("<A, B>", "tr(A' B)")
    assert same("<x, y>", "x' y")


@pytest.mark.parametrize("text", ["||x||", "||x||_2", "sqrt(x' x)"])
def test_vector_norm_spellings(text):
    assert same(text, "||x||")


def test_frobenius_norm_and_its_square():
    assert same("||A||_F^2", "tr(A' A)")


def test_norms_juxtapose():
    e = matcalc.parse("||x|| ||y||", where=W)
    assert e.evaluate({"x": np.array([3.0, 4.0]), "y": np.array([0.0, 2.0])}) == pytest.approx(10.0)


def test_scalar_added_to_a_vector_is_added_to_every_entry():
    e = matcalc.parse("1 + exp(A x)", where=W)
    A, x = np.eye(2), np.array([0.0, 1.0])
    assert np.allclose(e.evaluate({"A": A, "x": x}), 1 + np.exp(x))


def test_a_multiple_of_I_is_the_identity_scaled():
    e = matcalc.parse("A - 2 I", where=W)
    assert np.allclose(e.evaluate({"A": np.zeros((2, 2))}), -2 * np.eye(2))


def test_a_1x1_result_acts_as_a_scalar():
    e = matcalc.parse("(x' y) A", where=W)
    assert e.shape == ("n", "n")
    assert matcalc.parse("x' A x / (x' x)", where=W).shape == ()


def test_functions_act_elementwise_on_vectors():
    e = matcalc.parse("sigmoid(x) + tanh(x) + abs(x)", where=W)
    x = np.array([-1.0, 2.0])
    assert np.allclose(e.evaluate({"x": x}), 1 / (1 + np.exp(-x)) + np.tanh(x) + np.abs(x))


def test_ln_is_log():
    assert same("ln(c)", "log(c)")


def test_diag_of_a_vector_and_of_a_matrix():
    assert matcalc.parse("diag(x)", where=W).shape == ("n", "n")
    assert matcalc.parse("diag(A)", where=W).shape == ("n",)


def test_sum_and_softmax():
    e = matcalc.parse("sum(softmax(x))", where=W)
    assert e.evaluate({"x": np.array([1.0, 2.0, 3.0])}) == pytest.approx(1.0)


def test_greek_names_are_scalars_and_names_with_digits_or_subscripts_are_one_name():
    e = matcalc.parse("lambda x1 + theta W_2 x1")
    assert set(e.variables) == {"lambda", "x1", "theta", "W_2"}
    # lambda and theta are the coefficients (scalars) of the vector x1 and of the product W_2 x1
    assert e.inferred == "W_2: matrix(n,n); lambda: scalar; theta: scalar; x1: vector(n)"
    assert e.shape == ("n",)


def test_declared_multi_letter_names_are_not_split():
    e = matcalc.parse("AB x", where="AB: matrix(n,n); x: vector(n)")
    assert e.variables == ("AB", "x")


def test_undeclared_names_take_their_kind_by_look():
    e = matcalc.parse("A x + alpha b")
    assert e.shape == ("m_A",) or len(e.shape) == 1


def test_a_name_gives_way_to_a_scalar_where_only_a_scalar_fits():
    assert "t: scalar" in matcalc.parse("A - t I").where
    assert "c: scalar" in matcalc.parse("x' A x + c").where
    assert "x: scalar" in matcalc.parse("sqrt(x^2 + exp(x^2))").where


def test_dimensions_unify_across_the_expression():
    e = matcalc.parse("A x + b", where="A: matrix(m,n)")
    assert "b: vector(m)" in e.where and "x: vector(n)" in e.where


def test_where_bindings_name_subexpressions():
    assert same("p' p where p = A x", "x' A' A x")


def test_identity_with_an_explicit_size():
    e = matcalc.parse("I_3")
    assert np.allclose(e.evaluate({}), np.eye(3))


def test_whitespace_and_newlines_are_ignored():
    assert same("x'\n A\t x", "x' A x")


def test_text_round_trips_through_parse():
    for text in ["tr(AX^2BX^-T)", "1/2 ||A x - b||^2", "log(det(X))", "<X, X^2>", "x' A x / (x' x)",
                 "-exp(-x' x)", "sigmoid(A x) .* (1 - sigmoid(A x))", "(x' x)^(x' x)", "diag(x) A"]:
        e = matcalc.parse(text, where=W)
        assert matcalc.parse(str(e), where=e.where) == e, text


def test_a_perfect_square_coefficient_comes_out_of_a_norm():
    assert matcalc.parse("||2 x||") == matcalc.parse("2 ||x||")
    assert matcalc.parse("||x / 3||^3") == matcalc.parse("1/27 ||x||^3")


def test_the_square_root_of_a_square_is_the_absolute_value():
    assert matcalc.parse("sqrt(a^2)", where="a: scalar") == matcalc.parse("abs(a)", where="a: scalar")
    assert matcalc.parse("||a||", where="a: scalar") == matcalc.parse("abs(a)", where="a: scalar")
    assert matcalc.parse("abs(a)^2", where="a: scalar") == matcalc.parse("a^2", where="a: scalar")


def test_a_norm_inside_a_norm_prints_so_that_it_reads_back():
    where = "C: matrix(n,n); a: scalar; x: vector(n)"
    e = matcalc.parse("||(||a (C x)||^2) + x||", where=where)
    assert matcalc.parse(str(e), where=e.where) == e


def test_product_dimensions_of_the_same_factors_are_the_same():
    e = matcalc.parse("kron(x, I_n) + kron(I_n, x)", where="x: vector(n)")
    assert e.shape == ("n*n", "n")
    vec_shape = matcalc.parse("vec(X)", where="X: matrix(n,m)").shape
    assert matcalc.parse("vec(X) + kron(ones(n), ones(m))", where="X: matrix(n,m)").shape == vec_shape
    assert matcalc.parse("vec(X) + kron(ones(m), ones(n))", where="X: matrix(n,m)").shape == vec_shape  # m n = n m


def test_a_product_dimension_fixes_a_missing_factor():
    e = matcalc.parse("vec(X) + kron(ones(n), y)", where="X: matrix(n,m)")
    assert "y: vector(m)" in e.where


def test_a_product_dimension_can_be_declared():
    e = matcalc.parse("vec(X) + y", where="X: matrix(n,m)")
    assert e.where == "X: matrix(n,m); y: vector(m*n)"
    assert matcalc.parse(str(e), where=e.where) == e


@pytest.mark.parametrize("written, kind_form", [
    ("A: m x n", "A: matrix(m,n)"), ("S: n x n spd", "S: matrix(n,n) spd"), ("S: n × n spd", "S: matrix(n,n) spd"),
    ("S: nxn, symmetric", "S: matrix(n,n) symmetric"), ("S: 3x3", "S: matrix(3,3)"), ("S: n by n", "S: matrix(n,n)"),
    ("A: (m, n)", "A: matrix(m,n)"), ("S: n x n matrix spd", "S: matrix(n,n) spd"), ("S: spd n x n", "S: matrix(n,n) spd"),
    ("x: R^n", "x: vector(n)"), ("x: R^{n}", "x: vector(n)"), ("c: R", "c: scalar"), ("t: R_+", "t: scalar positive"),
    ("x ∈ ℝⁿ", "x: vector(n)"), ("x, y ∈ R^n", "x, y: vector(n)"), ("S ∈ ℝ^{n×n} spd", "S: matrix(n,n) spd"),
    (r"S \in \mathbb{R}^{n \times n}, spd", "S: matrix(n,n) spd"), ("S in R^{n x n}", "S: matrix(n,n)"),
    ("W_1: R^{n_1 x n_0}", "W_1: matrix(n_1,n_0)"), ("x ∈ R^n_+", "x: vector(n) positive"),
    ("A ∈ R^(m x n)", "A: matrix(m,n)"), ("A: R^(n,n)", "A: matrix(n,n)"),
    ("W ∈ R^{m×n}, b ∈ R^m", "W: matrix(m,n); b: vector(m)"), ("x, y ∈ R^n, A ∈ R^{m×n}", "x, y: vector(n); A: matrix(m,n)"),
    ("S ∈ ℝⁿˣⁿ spd", "S: matrix(n,n) spd"), ("A: ℝᵐˣⁿ", "A: matrix(m,n)"), ("S ∈ ℝ³ˣ³", "S: matrix(3,3)"),
    ("x ∈ ℝᴺ", "x: vector(N)"), ("x ∈ ℝˢ", "x: vector(s)"), ("A ∈ ℝⁿ×ⁿ", "A: matrix(n,n)"),
    ("A ∈ ℝⁿ ˣ ⁿ", "A: matrix(n,n)"), ("X ∈ ℝᴺ×ᴰ", "X: matrix(N,D)"),
])
def test_sizes_as_papers_write_them_are_declarations(written, kind_form):
    from matcalc.language.declarations import parse_declarations
    assert parse_declarations(written) == parse_declarations(kind_form)


@pytest.mark.parametrize("written, described", [
    ("X: symmetric positive definite matrix(n,n)", "matrix(n, n) invertible spd symmetric"),
    ("X: matrix(n,n) positive-definite", "matrix(n, n) invertible spd symmetric"),
    ("X: SPD", "matrix(?, ?) invertible spd symmetric"), ("X: pd", "matrix(?, ?) invertible spd symmetric"),
    ("X: symmetric, positive entries", "matrix(?, ?) positive symmetric"),
    ("X: matrix(pd,pd) spd", "matrix(pd, pd) invertible spd symmetric"),
])
def test_properties_as_people_write_them_are_declarations(written, described):
    from matcalc.language.declarations import parse_declarations
    assert parse_declarations(written)["X"].describe() == described


@pytest.mark.parametrize("where, words", [("X: matrix(n,n) symmetric positive", "for a positive definite matrix write spd"),
                                          ("X: psd", "positive semidefinite is not a property")])
def test_symmetric_positive_and_semidefinite_are_refused_with_what_to_write(where, words):
    with pytest.raises(matcalc.DeclarationError, match=words):
        matcalc.parse("tr(X)", where=where)


def test_a_size_written_as_papers_do_declares_the_variable_for_the_derivative():
    spelled = matcalc.grad("logdet(S) + tr(S^-1 C)", "S", where="S ∈ ℝ^{n×n} spd; C: n x n")
    kind_form = matcalc.grad("logdet(S) + tr(S^-1 C)", "S", where="S: matrix(n,n) spd; C: matrix(n,n)")
    assert str(spelled) == str(kind_form)


def test_an_unreadable_size_says_how_to_write_one():
    with pytest.raises(matcalc.MatcalcError, match=r"R\^n for a vector, R\^\{m x n\} for a matrix"):
        matcalc.parse("x'x", where="x: R^{n x}")


def test_product_dimensions_of_unrelated_factors_do_not_add():
    with pytest.raises(matcalc.ShapeError):
        matcalc.parse("vec(X) + kron(ones(k), ones(k))", where="X: matrix(n,m)")


@pytest.mark.parametrize("written, plain", [("||X - U V'||^2_F", "||X - U V'||_F^2"), ("||x||^2_1", "||x||_1^2"),
                                            ("‖X − UVᵀ‖²_F", "||X - U V'||_F^2"),
                                            (r"\|X - UV^\top\|^2_F", "||X - U V'||_F^2")])
def test_a_norm_squared_before_its_subscript_is_the_same_norm(written, plain):
    where = "X: matrix(m,n); U: matrix(m,k); V: matrix(n,k); x: vector(n)"
    assert matcalc.parse(written, where=where) == matcalc.parse(plain, where=where)


def test_ones_and_zeros_take_a_product_of_dimensions():
    assert matcalc.parse("ones(m*n)' x", where="x: vector(m*n)") == matcalc.parse("kron(ones(m), ones(n))' x",
                                                                                   where="x: vector(m*n)")
    assert matcalc.parse("zeros(2*3, n)").shape == (6, "n")


def test_a_dimension_argument_that_is_not_a_product_of_dimensions_is_refused():
    with pytest.raises(matcalc.ShapeError, match="takes dimensions"):
        matcalc.parse("ones(m + n)")


@pytest.mark.parametrize("where", ["A: symmetric matrix(n,n)", "A: matrix(n,n) symmetric"])
def test_properties_may_come_before_or_after_the_kind(where):
    assert matcalc.parse("tr(A)", where=where).inferred == "A: matrix(n,n) symmetric"


def test_a_misspelt_kind_after_a_property_is_named():
    with pytest.raises(matcalc.MatcalcError, match="did you mean matrix"):
        matcalc.parse("tr(A)", where="A: symmetric matrx(n,n)")


def test_eye_of_a_dimension_is_the_identity_of_that_size():
    assert str(matcalc.parse("eye(n)")) == "I_n"
    assert matcalc.parse("A + eye(3)").inferred == "A: matrix(3,3)"
    assert str(matcalc.parse("X + eye")) == "X + I"  # bare, MatrixCalculus.org's spelling


def test_the_frobenius_inner_product_subscripted_f_is_the_inner_product():
    assert matcalc.parse("<X, Y>_F") == matcalc.parse("<X, Y>")


def test_a_braced_subscript_is_the_declared_name_without_the_mark_as_in_latex():
    # the LaTeX printer writes W1 as W_{1}; without a backslash the answer was read as plain text with W_1
    r = matcalc.grad("||W1||_F^2", "W1")
    assert r.expr.latex() == "2 W_{1}"
    assert str(matcalc.parse(r.expr.latex(), where=r.where)) == "2 W1"


def test_a_name_written_with_and_without_braces_is_one_name_even_beside_a_declared_near_spelling():
    with pytest.raises(matcalc.DeclarationError, match="where declares X1"):
        matcalc.parse("X_{1} + X_1", where="X1: matrix(n,n)")


@pytest.mark.parametrize("where", ["x: vector(1)", "X: matrix(1,1) spd", "x ∈ R^1", "A: matrix(n,n); x: vector(1)"])
def test_a_declared_size_of_one_by_one_is_refused_with_the_named_size_to_write(where):
    # x: vector(1) made x a scalar: A x read A (of any shape) times a number, x' A x was refused
    with pytest.raises(matcalc.DeclarationError, match=r"is a scalar in matcalc.*name the size"):
        matcalc.parse("A x", where=where)


def test_orthogonal_and_spd_together_are_refused_as_only_the_identity():
    with pytest.raises(matcalc.DeclarationError, match="only such matrix is the identity"):
        matcalc.parse("Q x", where="Q: matrix(n,n) orthogonal spd")


def test_orthogonal_and_positive_together_are_refused():
    """No matrix of size 2 or more is both; check then failed with "could not find inputs"."""
    with pytest.raises(matcalc.DeclarationError, match="cannot be both orthogonal and positive"):
        matcalc.parse("Q x", where="Q: matrix(n,n) orthogonal positive")


def test_a_check_with_a_symmetric_orthogonal_constant_samples_a_reflection():
    """Sampling it raised a TypeError (float of a 1 x 1 array, refused by NumPy 2)."""
    r = matcalc.grad("tr(Q A)", "A", where="Q: matrix(n,n) orthogonal symmetric; A: matrix(n,n)")
    assert r.check()


def test_a_size_that_is_one_at_evaluation_keeps_the_variables_shape():
    r = matcalc.grad("1/2 ||A x - b||^2", "x", where="x: vector(n); A: matrix(m,n)")
    A, b, x = np.arange(2.0).reshape(2, 1), np.ones(2), np.array([3.0])
    assert r.evaluate({"A": A, "b": b, "x": x}).shape == (1,)
    assert np.allclose(r.evaluate({"A": A, "b": b, "x": x}), A.T @ (A @ x - b))


def test_a_negated_group_is_an_exponent():
    # x^-(1/2) was refused with a message that listed '(' among the tokens it expected
    assert matcalc.parse("x^-(1/2)").reading == "x^(-(1 / 2))"


def test_a_declared_diagonal_spd_matrix_takes_a_fractional_power_entry_by_entry():
    # the normalized Laplacian's D^(-1/2) was refused as a matrix power
    e = matcalc.parse("D^(-1/2) W D^(-1/2)", where="D: matrix(n,n) diagonal spd")
    assert e.reading == "diag(diag(D).^(-(1 / 2))) W diag(diag(D).^(-(1 / 2)))"


def test_a_fractional_power_of_a_diagonal_matrix_not_declared_spd_is_refused_asking_for_it():
    with pytest.raises(matcalc.ShapeError, match="declare it spd"):
        matcalc.parse("D^(1/2)", where="D: matrix(n,n) diagonal")


def test_a_message_quotes_a_structural_declaration_as_declared_not_as_the_formula_is_read():
    """The formula is read with spd relaxed (as typed); a message still quotes Sigma as spd."""
    with pytest.raises(matcalc.MatcalcError, match=re.escape("(Sigma: matrix(d, d) invertible spd symmetric)")):
        matcalc.parse("(nud + 1)/2 log(1 + (x - mu)' Sigma^-1 (x - mu)/nu)", where="Sigma: matrix(d,d) spd; nu: scalar")


def test_a_square_property_of_a_rectangular_declaration_is_named_as_written():
    with pytest.raises(matcalc.MatcalcError, match=r"but orthogonal needs a square matrix"):
        matcalc.parse("tr(X'X)", where="X: matrix(n,k) orthogonal")


# ---------------------------------------------------------------------------- the reading
@pytest.mark.parametrize("text, reading", [("x' A x / (x' x)", "(x' A x) / (x' x)"), ("a b c / d", None),
                                           ("1/2 x' A x", "(1 / 2) x' A x")])
def test_the_reading_groups_a_run_of_juxtaposed_factors_once(text, reading):
    # ((x' A) x) / (x' x) parenthesized each step of a run that juxtaposition makes one product
    if reading is None:  # (refused with its two readings; the first one is written as one product)
        with pytest.raises(matcalc.MatcalcError, match=re.escape("(a b c) / d")):
            matcalc.parse(text)
        return
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, reading", [("t^(sin(b))", "t^(sin(b))"), ("(Q^3)^3 x", "(Q^3)^3 x"),
                                           (r"\left\|a \left\|x\right\|_2 + y\right\|_2", "norm2(a ||x|| + y)"),
                                           ("2 I_n", "2 eye(n)"), ("eye(3) + A", "eye(3) + A"),
                                           ("x_{a_b}' x_{a_b}", "x_{a_b}' x_{a_b}")])
def test_the_reading_reads_back_as_the_same_expression(text, reading):
    # t^sin(b), Q^3^3, ||a ||x|| + y|| did not read back; 2 I read back with the identity's size open;
    # x_{a_b} could not be declared
    e = matcalc.parse(text)
    assert e.reading == reading
    assert matcalc.parse(e.reading, where=e.inferred).node is e.node


def test_a_long_sum_of_undeclared_products_is_refused_asking_for_the_kinds():
    """w1 x1 + ... + w19 x19 passed over 2^19 readings known to clash: 30 s before its error."""
    text = " + ".join(f"w{i} x{i}" for i in range(1, 20))
    with pytest.raises(matcalc.MatcalcError, match="declare their kinds"):
        matcalc.parse(text)


def test_the_readings_looked_at_are_bounded(monkeypatch):
    from matcalc.language import kinds
    monkeypatch.setattr(kinds, "MAX_STATES", 50)
    with pytest.raises(matcalc.MatcalcError, match=r"looked at 50 readings|looks at \(50\)"):
        matcalc.parse(" + ".join(f"w{i} x{i}" for i in range(1, 13)))


def test_a_long_sum_of_declared_products_reads():
    where = "; ".join(f"w{i}: scalar" for i in range(1, 20))
    assert matcalc.parse(" + ".join(f"w{i} x{i}" for i in range(1, 20)), where=where).shape == ("n",)
