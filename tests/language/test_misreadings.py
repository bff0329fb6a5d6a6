"""Input that would parse, but as a different function than the one meant, is refused with what
to write: never read silently as something else."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest

import matcalc
from matcalc import MatcalcError
from matcalc.core.errors import MatrixFunctionError, ParseError
from matcalc.core.nodes import MatPow


@pytest.mark.parametrize("text, low", [("Exp(x)' y", "exp"), ("Sum(exp(x))", "sum"), ("Tr(X)", "tr"),
                                       ("Det(X)", "det"), ("Trace(X)", "trace"), ("Sigmoid(w' x)", "sigmoid")])
def test_a_capitalized_function_name_is_refused_not_split_into_letters(text, low):
    with pytest.raises(ParseError, match=f"write {low}\\(") as e:
        matcalc.parse(text)
    assert e.value.column == 1


def test_names_before_parentheses_still_multiply():
    assert str(matcalc.parse("A (x + y)")) == str(matcalc.parse("A(x + y)"))


def test_a_number_right_after_a_norm_is_refused():
    with pytest.raises(ParseError, match=r"\|\|_2 for the 2-norm") as e:
        matcalc.parse("||x||2")
    assert e.value.column == 6


def test_a_number_after_a_norm_and_a_space_is_a_product():
    assert str(matcalc.parse("||x|| 2")) == "2 ||x||"


def test_x_to_the_t_is_refused_unless_t_is_declared():
    with pytest.raises(ParseError, match="two readings: a transpose"):
        matcalc.parse("x^t A x")
    assert str(matcalc.parse("x^t", where="t: scalar; x: scalar")) == "x^t"
    assert str(matcalc.parse("e^t")) == "exp(t)"
    assert str(matcalc.parse("2^t")) == "2^t"


@pytest.mark.parametrize("latex", [r"\mathbb{E}[x^\top A x]", r"\mathbb{E}\left[\|x - \mu\|^2\right]"])
def test_an_expectation_is_refused(latex):
    with pytest.raises(ParseError, match="expectation"):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex", [r"\log|\Sigma|", r"\mathrm{tr}(\Sigma^{-1} S) + \log|\Sigma|",
                                   r"\log\left|\Sigma\right|", r"-\frac{1}{2}\log|\Sigma| - \frac{1}{2}(x-\mu)^\top\Sigma^{-1}(x-\mu)"])
def test_the_log_of_bars_around_a_matrix_is_its_log_determinant(latex):
    """log|Sigma| is how papers write the log-determinant; the log of each entry's absolute value is
    never written so. It was refused with both readings."""
    e = matcalc.parse(latex)
    assert "log(det(Sigma))" in e.reading and "Sigma: matrix" in e.inferred


@pytest.mark.parametrize("latex, reading", [(r"\log|x|", "log(abs(x))"), (r"\log|t|", "log(abs(t))"),
                                            (r"\log|Wx|", "log(abs(W x))"), (r"\log|w^\top x|", "log(abs(w' x))"),
                                            (r"\log|\det W|", "log(abs(det(W)))")])
def test_the_log_of_bars_around_a_vector_looking_name_is_its_entrywise_absolute_value(latex, reading):
    assert matcalc.parse(latex).reading == reading


def test_bars_without_a_log_beside_a_logged_pair_are_still_refused_with_both_readings():
    with pytest.raises(ParseError, match="two readings: the determinant"):
        matcalc.parse(r"\log|\Sigma| + |\Sigma|")


@pytest.mark.parametrize("text, inferred", [
    ("x - mean(x)", "x: vector(n)"),
    ("mean((x - mean(x)).^2)", "x: vector(n)"),
    ("||X - mean(X)||_F^2", "X: matrix(m,n)"),
    ("sum(exp(W x - logsumexp(W x)))", "W: matrix(m,n); x: vector(n)"),
    ("y - sum(y)", "y: vector(n)"),
    ("x - mean(x) + a", "a: vector(n); x: vector(n)"),
])
def test_a_scalar_made_of_the_names_it_is_added_to_is_broadcast_over_them(text, inferred):
    # x as a scalar would make mean(x) = x and the centred x zero
    assert matcalc.parse(text).inferred == inferred


def test_centring_has_the_textbook_gradient():
    r = matcalc.grad("mean((x - mean(x)).^2)", "x")
    assert r.check()
    assert str(r) == "2 (x - mean(x)) / n"


@pytest.mark.parametrize("text, inferred", [("a + sum(sin(G))", "G: matrix(m,n); a: scalar"),
                                            ("x - tr(X)", "X: matrix(m,m); x: scalar")])
def test_a_lone_name_beside_a_scalar_of_other_names_still_gives_way(text, inferred):
    assert matcalc.parse(text).inferred == inferred


@pytest.mark.parametrize("text", ["tr(X^0.5)", "sum(x^2)", "tr(A^(1/2))"])
def test_a_reduction_made_trivial_by_reading_its_operand_as_a_scalar_is_refused(text):
    with pytest.raises(matcalc.MatcalcError, match="declare"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["x^tAx", "w^tx", "x^Hy"])
def test_a_t_or_h_run_after_a_caret_is_refused_with_both_readings(text):
    with pytest.raises(ParseError, match="has two readings"):
        matcalc.parse(text)


def test_adding_a_scalar_to_a_guessed_matrix_says_what_to_declare():
    with pytest.raises(matcalc.MatcalcError, match="declare X \\(where='X: matrix"):
        matcalc.grad("sum((X - c).^2)", "c", where="c: scalar")


def test_a_declared_scalar_that_only_fits_spread_over_a_lone_small_name_says_what_to_declare():
    # the negative binomial's y + r (r declared): y gave way as a scalar, and the message was the clash
    # of that reading (an elementwise product of a vector and a matrix, beta read as a scalar)
    text = "sum((y + r) .* log(r + exp(X beta))) - y'X beta"
    with pytest.raises(matcalc.ShapeError, match=re.escape("cannot add r (a scalar) to y") + ".*where='y: vector"):
        matcalc.grad(text, "beta", where="r: scalar")
    assert matcalc.check(matcalc.grad(text, "beta", where="r: scalar; y: vector(m)")).ok


@pytest.mark.parametrize("text", ["1'x", "x'1", "1ᵀx", "1^T x", r"1^\top x"])
def test_a_transposed_one_is_refused_with_the_ones_vector_to_write(text):
    with pytest.raises(ParseError, match="ones\\(n\\)"):
        matcalc.parse(text)


def test_the_latex_ones_vector_and_an_exponent_before_a_transpose_still_read():
    assert str(matcalc.parse(r"\mathbf{1}^\top x")) == "x' ones(n)"
    assert str(matcalc.parse("X^2'")) == "X'^2"
    assert str(matcalc.parse("D^-1'")) == "D^-T"


@pytest.mark.parametrize("text", ["phi(x)", "psi(W x)", "φ(x)", "Phi(x)", r"\phi(x)"])
def test_a_greek_function_letter_before_parentheses_is_refused_not_multiplied(text):
    with pytest.raises(matcalc.MatcalcError, match="does not know"):
        matcalc.parse(text)


def test_a_declared_or_spaced_function_letter_multiplies():
    assert str(matcalc.parse("phi(x)", where="phi: scalar")) == "phi x"
    assert str(matcalc.parse("phi (x)")) == "phi x"


@pytest.mark.parametrize("text", [r"||A \ b||^2", r"A\b"])
def test_matlab_left_division_is_refused_with_the_inverse_to_write(text):
    with pytest.raises(ParseError, match="A\\^-1 b"):
        matcalc.parse(text)


def test_a_latex_control_space_after_a_name_is_still_a_space():
    assert str(matcalc.parse(r"x^\top A\ x")) == "x' A x"


@pytest.mark.parametrize("text, word", [("lr * x'x", "lr"), ("sum(x)/len", "len"), ("x - max", "max"),
                                        ("eps I + A", "eps")])
def test_a_word_typed_as_one_name_is_refused_not_split_into_letters(text, word):
    with pytest.raises(ParseError, match=f"declare it with its kind \\(where='{word}: scalar', or vector"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, name, fix", [("||y - yhat||^2", "yhat", "y_hat"), ("||x - xbar||^2", "xbar", "x_bar"),
                                             ("||X - Xhat||_F^2", "Xhat", "X_hat"), ("||W - Wold||_F^2", "Wold", "W_old"),
                                             ("(x - xstar)' A (x - xstar)", "xstar", "x_star")])
def test_a_decorated_one_letter_name_is_refused_not_split_into_letters(text, name, fix):
    with pytest.raises(ParseError, match=f"'{name}' would be read as the product .* write {fix}"):
        matcalc.parse(text)


def test_a_decorated_name_written_with_a_subscript_is_one_name():
    assert str(matcalc.grad("||y - y_hat||^2", "y")) == "2 (y - y_hat)"


@pytest.mark.parametrize("text, reading", [("0.5*norm(A*x-b)^2", "(1/2) (||A x - b||^2)"), ("norm(x)^2", "||x||^2"),
                                           ("norm(x)", "||x||"), ("norm(a)", "||a||")])
def test_norm_called_as_a_function_of_a_vector_is_its_euclidean_norm(text, reading):
    # as MATLAB's and NumPy's norm(x); it was refused with the forms to write (powered, it had said that
    # norm would be read as the product n o r m)
    assert matcalc.parse(text, where="a: scalar" if "(a)" in text else None).reading == reading


@pytest.mark.parametrize("text", ["norm(W)", "norm(A)^2 + x'x"])
def test_norm_called_as_a_function_of_a_matrix_is_refused_as_two_different_norms(text):
    with pytest.raises(matcalc.NotSupportedError, match=r"spectral norm in MATLAB and the Frobenius norm in NumPy"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, form", [("norm(x, 2)", "||x||_2"), ("norm(x, 1)", "||x||_1"), ("norm(X, 'fro')", "||X||_F")])
def test_norm_with_its_kind_as_an_argument_is_refused_with_the_subscript_form(text, form):
    with pytest.raises(matcalc.ParseError, match=re.escape(form)):
        matcalc.parse(text)


@pytest.mark.parametrize("word", ["lam", "gam"])
def test_a_short_regularization_weight_name_is_refused_not_split(word):
    with pytest.raises(ParseError, match=f"'{word}' would be read as the product"):
        matcalc.parse(f"||W x - y||^2 + {word} ||x||^2")


@pytest.mark.parametrize("text", ["100*(x(2) - x(1)^2)^2 + (1 - x(1))^2", "w(1) + w(2)", "x(1)^2"])
def test_matlab_indexing_of_a_name_is_refused_not_read_as_a_product(text):
    with pytest.raises(ParseError, match=r"reads as indexing \(MATLAB's"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["X(1,2)", "X(1, 2)^2"])
def test_matlab_indexing_of_a_matrix_entry_is_refused_naming_it(text):
    with pytest.raises(ParseError, match="reads as indexing"):
        matcalc.parse(text)


def test_matlab_slicing_says_it_is_not_in_the_language():
    with pytest.raises(ParseError, match="slicing and indexing"):
        matcalc.parse("X(:, 1)")


def test_a_name_then_a_spaced_parenthesized_number_is_still_a_product():
    assert str(matcalc.parse("x (2)")) == "2 x"


@pytest.mark.parametrize("text, wrt", [("sum((A x)^2)", "x"), ("sum(sigmoid(X w)^2)", "w"),
                                       ("mean((X w - y)^2)", "w"), ("sum((W x - y)^2)", "W")])
def test_a_power_of_a_vector_expression_is_refused_with_the_entrywise_power_to_write(text, wrt):
    """(A x)^2 read with x a scalar (x A)^2, or y a square matrix, was a different function."""
    with pytest.raises(MatcalcError, match=r"for the entrywise power write .* \.\^ 2"):
        matcalc.grad(text, wrt)


@pytest.mark.parametrize("text, wrt, answer", [("tr((A + B)^2)", "A", "2 (A + B)'"), ("(x + 1)^2", "x", "2 + 2 x"),
                                               ("x^2 + 3x", "x", "3 + 2 x")])
def test_powers_of_matrix_and_scalar_looking_groups_keep_their_readings(text, wrt, answer):
    assert str(matcalc.grad(text, wrt)) == answer


@pytest.mark.parametrize("text, wrt, answer", [("tr((A + t I)^-1)", "t", "-tr((t I + A)^-2)"),
                                               ("tr((c A)^2)", "A", "2 c^2 A'"),
                                               ("x^2 + xy + y^2", "x", "2 x + y")])
def test_a_scalar_coefficient_or_a_product_of_powered_scalars_keeps_its_reading(text, wrt, answer):
    assert str(matcalc.grad(text, wrt)) == answer


@pytest.mark.parametrize("text", ["sum(theta^2)", "sum((A x)^2)"])
def test_a_sum_of_a_squared_vector_is_never_a_sum_of_a_matrix_power(text):
    with pytest.raises(MatcalcError):
        matcalc.grad(text, "theta" if "theta" in text else "x")


@pytest.mark.parametrize("text", ["(ax + b)^2", "e^(-tx)"])
def test_a_run_of_letters_made_all_scalars_without_a_power_is_refused_with_spaces_to_write(text):
    with pytest.raises(MatcalcError, match=r"put spaces \("):
        matcalc.grad(text, "x")


@pytest.mark.parametrize("text, inferred", [("ones(n)' A x", "A: matrix(n,m); x: vector(m)"),
                                            ("tr(eye(n) - K H)", "H: matrix(m,n); K: matrix(n,m)")])
def test_an_inferred_dimension_never_takes_the_name_of_a_dimension_the_text_writes(text, inferred):
    """ones(n)' A x made A square: its columns were named n too, and so were one dimension."""
    assert matcalc.parse(text).inferred == inferred


def test_dividing_by_a_transposed_name_alone_is_refused_with_the_parentheses_to_write():
    """x'Ax/x'x read x as a scalar (x' alone is the divisor): ((x' A x) / x') x."""
    with pytest.raises(MatcalcError, match=r"/ divides by the one factor after it"):
        matcalc.grad("x'Ax/x'x", "x")


@pytest.mark.parametrize("text", ["(d - w'x)^2 / x'x", "(y - w'x)^2 / x'x + 1"])
def test_dividing_by_a_transposed_name_is_refused_as_such_whatever_the_other_readings_say(text):
    """The NLMS cost was refused by another reading's complaint: "(d - w'x)^2: a matrix power needs a square
    matrix", which named no fraction."""
    with pytest.raises(ParseError, match=re.escape("to divide by the product write / (x'x)")):
        matcalc.parse(text)


def test_the_rayleigh_quotient_with_parentheses_is_read_as_meant():
    assert str(matcalc.grad("x'Ax/(x'x)", "x")) == "(A + A' - 2 (x' A x) I / (x' x)) x / (x' x)"


def test_a_power_of_e_followed_by_a_transpose_is_refused_as_two_readings():
    with pytest.raises(ParseError, match=r"two readings: e\^\(-x' \.\.\.\)"):
        matcalc.grad("e^-x'x", "x")


@pytest.mark.parametrize("text, base", [("2^x'x", "2"), ("10^x'x", "10"), ("2^-x'x", "2"), ("2^x'A x", "2")])
def test_a_power_of_a_number_followed_by_a_transpose_is_refused_as_two_readings(text, base):
    # 2^x'x read (2^x)' x with x a scalar, where e^x'x was refused
    with pytest.raises(ParseError, match=re.escape(f"two readings: {base}^(")):
        matcalc.parse(text)


def test_a_sum_of_an_undeclared_greek_name_reads_it_as_a_vector_not_a_trivial_scalar():
    assert matcalc.parse("sum(xi)").inferred == "xi: vector(n)"


@pytest.mark.parametrize("text, wrt, name", [("||xk - x||^2", "x", "x_k"), ("||w - wt||^2", "w", "w_t"),
                                             ("x'x + xt'xt", "x", "x_t")])
def test_a_run_of_small_letters_is_not_read_with_a_letter_made_a_scalar_or_a_matrix(text, wrt, name):
    """||w - wt||^2 was 2 (1 - t)^2 w: t a scalar. Refused, with the indexed name to write."""
    with pytest.raises(MatcalcError, match=f"write {name} or declare it"):
        matcalc.grad(text, wrt)


@pytest.mark.parametrize("text, where, run", [("ac x", "a: scalar", "a_c"), ("abc x", "ab: scalar", "ab_c")])
def test_a_name_is_not_made_a_number_against_its_look_because_a_run_beside_it_was_refused(text, where, run):
    """ac x, a declared a scalar: the reading with c a scalar is refused for the run (a_c?), and the one
    left read x as a number: a x c, silently, where ab c x (spaced) is refused as ambiguous."""
    with pytest.raises(MatcalcError, match=rf"write {run} for one name.*takes x as a number against its look.*"
                                           rf"where='c: scalar'"):
        matcalc.parse(text, where=where)
    assert matcalc.parse(text, where=where + "; c: scalar").inferred.endswith("x: vector(n)")


@pytest.mark.parametrize("text", ["X ./ sum(X, 1)", "X - mean(X, 1)", "X - mean(X, 2)"])
def test_an_axis_reduction_of_a_capital_name_never_reads_it_as_a_vector(text):
    """X ./ sum(X, 1) read X as a vector (x / sum(x)): a different function, silently."""
    with pytest.raises(MatcalcError, match="not spread over"):
        matcalc.jacobian(text, "X")


@pytest.mark.parametrize("text, where, fix", [("X ./ sum(X, 1)", "X: matrix(m,n)", "write ones(m) sum(X, 1)"),
                                              ("A + b", "A: matrix(m,n); b: vector(m)", "write b ones(n)'"),
                                              ("X - (a + f)", "X: matrix(m,n); a, f: vector(m)",
                                               "write (a + f) ones(n)'")])
def test_a_row_or_column_against_a_matrix_says_how_to_write_the_spread_copies(text, where, fix):
    with pytest.raises(MatcalcError, match=re.escape(fix)):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("where", [None, "x: vector(n)", "x, mu: vector(n)"])
def test_a_greek_name_subtracted_from_a_vector_and_squared_says_to_write_the_entrywise_square(where):
    """sum((x - mu)^2): mu is a scalar by its look, which is refused to spread over x; but every fix
    of that (mu declared a scalar, or a vector) meets the vector squared next, so that is reported."""
    with pytest.raises(MatcalcError, match=re.escape("write (x - mu) .^ 2")):
        matcalc.grad("sum((x - mu)^2)", "x", where=where)


def test_the_entrywise_square_of_a_difference_with_a_greek_name_reads_both_as_vectors():
    assert matcalc.parse("sum((x - mu).^2)").inferred == "mu: vector(n); x: vector(n)"


def test_a_declared_word_is_one_name():
    assert matcalc.parse("lr x'x", where="lr: scalar").inferred == "lr: scalar; x: vector(n)"


@pytest.mark.parametrize("text", ["d/dx x'Ax", "d/dX tr(X)"])
def test_derivative_notation_in_the_formula_is_refused_with_how_to_name_the_variable(text):
    with pytest.raises(ParseError, match="derivative notation"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["x y", "x·y", "x * y"])
def test_two_undeclared_vectors_side_by_side_say_how_their_products_are_written(text):
    with pytest.raises(matcalc.MatcalcError, match="inner product") as e:
        matcalc.parse(text)
    assert "x' y" in str(e.value)


@pytest.mark.parametrize("text", ["x·x", "w⋅w + b", r"\mathbf{x}\cdot\mathbf{x}"])
def test_a_centered_dot_between_vector_looking_names_is_never_read_as_a_product_of_scalars(text):
    """x·x read x as a scalar (x^2) and then as a square matrix (x^2, a matrix power)."""
    with pytest.raises(matcalc.MatcalcError, match="inner product is written"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, column", [("x'x/2sigma^2", 5), ("exp(-||x - y||^2 / 2s^2)", 20),
                                          ("1/2n ||X w - y||^2", 3), (r"x^\top x/2\sigma^2", 10),
                                          ("1/2σ² ‖y − Xw‖²", 3)])
def test_a_name_pasted_to_a_number_after_a_slash_is_refused_with_both_spellings(text, column):
    """x'x/2sigma^2 read left to right is (x'x/2) sigma^2, not the RBF kernel's x'x/(2 sigma^2)."""
    with pytest.raises(ParseError, match=r"write /\(2 .*before the fraction") as e:
        matcalc.parse(text)
    assert e.value.column == column


@pytest.mark.parametrize("text", ["1/2 x'x", "x'x/2 * s^2", "x'x/(2 s^2)", "1/2 ||x||^2", r"\frac{1}{2\sigma^2} x^\top x"])
def test_a_number_after_a_slash_with_a_space_or_parentheses_reads_as_written(text):
    assert matcalc.parse(text).shape == ()


@pytest.mark.parametrize("text, write", [("||W^(2) tanh(W^(1) x) - y||^2", "W_2"),
                                         (r"\|W^{(2)}\tanh(W^{(1)}x) - y\|^2", "W_2"),
                                         (r"(y^{(i)} - \theta^\top x^{(i)})^2", "y_i"), ("X^(2)", "X_2")])
def test_a_parenthesized_superscript_index_on_a_name_is_refused_with_the_name_to_write(text, write):
    """W^{(1)} is the first layer's W in a paper; read as a power, the network would have one square W."""
    with pytest.raises(ParseError, match=f"write {write} for that name"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("X^(-1)", "inv(X)"), ("x^(3/2)", "x^(3 / 2)"), ("(x'x)^(2)", "(x' x)^2"),
                                           ("x^{2}", "x^2"), (r"\|x\|^{2}", "||x||^2")])
def test_a_parenthesized_exponent_that_is_no_index_is_a_power(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, name", [("x' Sigma^(-1/2) x", "Sigma"), (r"x^\top \Sigma^{-1/2} x", "Sigma"),
                                        ("X^(1/2)", "X"), ("tr(A X^k)", "X"), ("x'A^k x", "A")])
def test_a_matrix_looking_name_under_a_fractional_or_symbolic_power_is_refused(text, name):
    """Sigma^(-1/2) has no matrix reading (matrix powers are integers); the scalar reading that was
    left made the whitening x' Sigma^(-1/2) x a function of a number Sigma."""
    with pytest.raises(ParseError, match=f"{name} looks like a matrix.*where='{name}: scalar'"):
        matcalc.parse(text)


def test_a_declared_scalar_under_a_fractional_power_reads_as_written():
    assert matcalc.parse("N^(-1/2) x'x", where="N: scalar").shape == ()


@pytest.mark.parametrize("text", ["e^(A t) x", "e^X", "e^{At}x_0"])
def test_e_to_a_matrix_looking_exponent_is_refused_as_the_matrix_exponential(text):
    with pytest.raises(MatcalcError, match="matrix exponential"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["e^(-x'A x)", "e^(-t) + x'x", "e^(x)"])
def test_e_to_a_scalar_exponent_is_the_exponential(text):
    assert "exp(" in str(matcalc.parse(text))


def test_vec_of_a_matrix_looking_name_is_never_read_as_vec_of_a_vector():
    """vec(X)' kron(A, B) vec(X) read X as a vector (vec(x) = x), and evaluate then refused the user's matrix."""
    with pytest.raises(MatcalcError) as e:
        matcalc.parse("vec(X)' kron(A,B) vec(X)", where="A: matrix(m,m); B: matrix(n,n)")
    assert "X: vector" not in str(e.value)
    assert matcalc.parse("vec(X)' kron(A,B) vec(X)", where="A: matrix(m,m); B: matrix(n,n); X: matrix(n,m)").shape == ()


@pytest.mark.parametrize("text, write, column, product", [("x'ATAx", "A' A x", 4, "x' A T A x"),
                                                          ("tr(ATA)", "A' A", 5, "tr(A T A)"),
                                                          ("tr(AAT)", "A A'", 6, "tr(A A T)")])
def test_a_capital_t_inside_a_run_of_capitals_is_refused_as_a_transpose_typed_without_the_caret(text, write,
                                                                                               column, product):
    """x'ATAx read T as a third matrix: A T A."""
    with pytest.raises(ParseError, match=f"write {re.escape(write)}") as e:
        matcalc.parse(text)
    assert e.value.column == column
    # with T declared a matrix, the run is the product of the three matrices it names
    assert matcalc.parse(text, where="T: matrix(n,n)").reading == product


@pytest.mark.parametrize("text, names", [("||W_2 tanh(W_1x) - y||^2", ("W_1", "W_2", "x", "y")),
                                         ("||A_1x - b||^2", ("A_1", "b", "x"))])
def test_a_subscript_of_digits_ends_a_plain_name_as_in_latex_and_unicode(text, names):
    """W_1x was the one name W_1x in plain text (W_1 x in LaTeX and in W₁x)."""
    assert matcalc.parse(text).variables == names


def test_a_declared_name_with_letters_after_its_digit_subscript_stays_whole():
    assert matcalc.parse("W_1x' W_1x", where="W_1x: vector(n)").variables == ("W_1x",)


@pytest.mark.parametrize("text", ["sum(y .* X w)", "sum(y ./ X w)"])
def test_an_entrywise_product_followed_by_a_product_says_where_the_parentheses_go(text):
    """sum(y .* X w) read y as a scalar: (y .* X) w = y sum(X w)."""
    with pytest.raises(MatcalcError, match=r"write y \.[*/] \(X w\)"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["A .* x", "X ./ s", "sum(x .* A)"])
def test_an_entrywise_product_is_never_read_with_a_latin_name_against_its_look(text):
    """A .* x had the reading A: scalar (a plain product) once x a scalar was refused."""
    with pytest.raises(MatcalcError, match="not spread"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading, inferred", [
    ("y .* x", "y .* x", "x: vector(n); y: vector(n)"), ("c .* x", "c .* x", "c: vector(n); x: vector(n)"),
    ("X .* Y", "X .* Y", "X: matrix(m,n); Y: matrix(m,n)"),
    ("lambda .* x", "lambda .* x", "lambda: vector(n); x: vector(n)"),
    ("2 .* x", "2 x", "x: vector(n)"),  # (a number's entrywise product is its product)
    ("sum(p .* log(p))", "sum(p .* log(p))", "p: vector(n)")])
def test_an_entrywise_product_of_names_as_they_look_reads_as_written(text, reading, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, inferred)


@pytest.mark.parametrize("text", ["lambda'(A x - b) + rho/2||A x - b||^2", r"\rho/2\|Ax-b\|^2"])
def test_a_norm_pasted_to_a_number_after_a_slash_reads_as_written(text):
    """rho/2||r||^2 is (rho/2) ||r||^2 as written and as meant."""
    assert matcalc.parse(text).shape == ()


@pytest.mark.parametrize("text, read", [("1/2x'x", "x' x / 2"), ("lambda/2w'w", "lambda w' w / 2"),
                                        ("1/2X'X", "X' X / 2"), (r"1/2x^\top A x", "x' A x / 2")])
def test_a_transposed_name_pasted_after_a_coefficient_a_slash_and_a_number_reads_as_written(text, read):
    """A number or a scalar name over 2, then x'x: the coefficient (1/2) x'x as meant."""
    assert str(matcalc.parse(text)) == read


@pytest.mark.parametrize("text", ["x'Ax/2x'x", "b'x/2x'x", "(x'Ax)/2x'x"])
def test_a_transposed_product_pasted_after_a_quotient_of_vectors_and_a_number_is_refused(text):
    """x'Ax/2x'x: the Rayleigh quotient halved is meant, but / divides by the 2 alone."""
    with pytest.raises(ParseError, match=re.escape("write /(2 x'x)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("(s)^(2)", None), ("(x_1)^(2)", None), ("x_1^(2)", None),
                                         ("W^(2)", "W: matrix(n,n)")])
def test_a_parenthesized_exponent_on_a_parenthesized_subscripted_or_declared_name_is_a_power(text, where):
    assert "^2" in str(matcalc.parse(text, where=where))


@pytest.mark.parametrize("text", ["tr(TT')", "TT'", "x'TT'x", "tr(AT')", "tr(TAT')"])
def test_a_run_that_uses_t_as_the_matrix_reads_as_written(text):
    """TT' starts with the matrix T; AT' transposes T: no transpose typed without its caret."""
    assert "T" in matcalc.parse(text).variables


@pytest.mark.parametrize("text, names", [("m·g·h", "g and m"), ("e^(-beta E)", "E")])
def test_a_refusal_of_a_scalar_reading_offers_the_scalar_declaration(text, names):
    with pytest.raises(MatcalcError, match="where='"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["x'x^2", "x'x^-1", "exp(-x'x^2)", "x'Ax^2"])
def test_a_name_written_transposed_and_raised_to_a_power_is_refused(text):
    with pytest.raises(matcalc.MatcalcError, match="transposed"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, name", [
    ("||x - x^k||^2", "x_k"), ("rho/2 ||x - z^k + u^k||^2", "_k"), ("(x - x^k)'A(x - x^k)", "x_k"),
    ("g' (x - x^k) + L/2 ||x - x^k||^2", "x_k"), ("z^k'x", "z_k"),
])
def test_an_iterate_superscript_under_a_norm_or_transpose_asks_for_a_subscript(text, name):
    with pytest.raises(matcalc.ParseError, match="iterate") as info:
        matcalc.parse(text)
    assert f"write {name}" in str(info.value) or name in str(info.value)


@pytest.mark.parametrize("text", ["x^n + x", "a x^n + b", "(y - x^k)^2"])
def test_a_symbolic_power_of_a_scalar_outside_norms_and_transposes_reads_as_a_power(text):
    assert "x: scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, where", [("||W x + b - y||^2", "b: scalar"), ("||A x + c - b||^2", "c: scalar")])
def test_a_declared_scalar_in_a_sum_with_an_array_term_spreads_and_every_name_keeps_its_look(text, where):
    inferred = matcalc.parse(text, where=where).inferred
    assert "vector" in inferred and "matrix" in inferred


@pytest.mark.parametrize("text", ["X - c", "||X - c||_F^2"])
def test_a_declared_scalar_added_to_a_lone_undeclared_capital_asks_for_its_kind(text):
    with pytest.raises(matcalc.ShapeError, match=r"declare X \(where='X: matrix\(m,n\)'\).*where='X: scalar'"):
        matcalc.parse(text, where="c: scalar")


def test_a_declared_scalar_added_to_a_declared_matrix_spreads():
    assert matcalc.parse("X - c", where="c: scalar; X: matrix(n,n)").shape == ("n", "n")


@pytest.mark.parametrize("text, want", [("W^T_1 x", "write W_1'"), ("x^T_i A x_i", "write x_i'"),
                                        ("W^-T_2 W_2", "write W_2^-T")])
def test_a_transpose_written_before_the_subscript_asks_for_the_subscript_first(text, want):
    with pytest.raises(ParseError, match=re.escape(want)):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("x^T x", "T: scalar; x: scalar"), ("(1 - beta)^T", "T: scalar")])
def test_with_t_declared_a_scalar_caret_t_is_a_power(text, where):
    assert "^T" in matcalc.parse(text, where=where).reading


@pytest.mark.parametrize("text", ["tr(dX X^-1)", "dx' (A + A') x", "tr(X'dX)"])
def test_a_differential_pasted_back_is_refused_not_read_as_d_times_the_variable(text):
    with pytest.raises(ParseError, match="looks like the differential"):
        matcalc.parse(text)


def test_a_declared_differential_reads_as_its_name():
    assert matcalc.parse("dx' x", where="dx: vector(n); x: vector(n)").variables == ("dx", "x")


@pytest.mark.parametrize("text", ["ℓ(w'x)", "sum(ℓ(X w))", "l(x)", r"\ell(w^\top x)"])
def test_a_loss_written_as_a_call_of_l_is_refused_like_f_of_x(text):
    with pytest.raises(matcalc.MatcalcError, match="is not a function"):
        matcalc.parse(text)


def test_a_where_binding_that_uses_its_own_name_is_refused_with_the_declaration_to_write():
    with pytest.raises(matcalc.DeclarationError, match="where='A: symmetric'"):
        matcalc.parse("x'Ax where A = A'")


@pytest.mark.parametrize("text", ["||x - gamma^k g||^2", "||a^k x||^2", "(alpha^k g)' x", "||(y - X b) / sigma^n||^2",
                                  "||(1 - gamma^k) g||^2"])
def test_a_coefficient_raised_to_a_letter_under_a_norm_or_transpose_is_a_power(text):
    assert "k: scalar" in matcalc.parse(text).inferred or "n: scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, where, reading", [("x^T A x", "T: scalar", "x' A x"), ("X^T X", "T: scalar", "X' X"),
                                                  ("x^T A x", "T: scalar; x: vector(n)", "x' A x")])
def test_with_t_declared_a_scalar_caret_t_of_an_array_is_still_the_transpose(text, where, reading):
    assert matcalc.parse(text, where=where).reading == reading


@pytest.mark.parametrize("text, where", [("||y - X b||^2 / (N - k)", "k: scalar"), ("x'x / (N - c)", "c: scalar"),
                                         ("1/(N - k) ||y - X b||^2", "k: scalar")])
def test_a_capital_beside_a_declared_scalar_is_a_scalar_where_a_matrix_does_not_fit(text, where):
    assert "N: scalar" in matcalc.parse(text, where=where).inferred


@pytest.mark.parametrize("text", ["mu'mu + mu^2", "theta'theta + theta^2"])
def test_a_greek_name_transposed_and_powered_is_refused_not_read_as_a_square_matrix(text):
    with pytest.raises(matcalc.ShapeError, match="entrywise power"):
        matcalc.parse(text)


def test_a_greek_name_powered_under_a_trace_is_still_a_matrix():
    assert "omega: matrix" in matcalc.parse("tr(omega^2)").inferred


@pytest.mark.parametrize("text", ["tr(AtA)", "x'AtAx"])
def test_a_transpose_typed_as_a_lowercase_t_between_one_capital_is_refused(text):
    with pytest.raises(ParseError, match="write A' A"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where, values, value", [
    ("x'x / n + sum(ones(n))", "x: vector(n)", {"x": [1.0, 1.0, 1.0]}, 4.0),
    ("-(nu + d)/2 log(1 + (x - m)' S^-1 (x - m) / nu)", "x, m: vector(d); S: matrix(d,d) spd; nu: scalar",
     {"x": [1.0, 0.0], "m": [0.0, 0.0], "S": [[1.0, 0.0], [0.0, 1.0]], "nu": 1.0}, -1.5 * math.log(2)),
    ("m sum(A x)", "A: matrix(m, n)", {"A": [[1.0]] * 3, "x": [1.0]}, 9.0),
])
def test_a_bare_name_that_is_a_declared_size_is_the_size(text, where, values, value):
    # it was refused (and before that read as a second variable beside the size: x'x / n was 3.6 at
    # x = ones(3), n = 5); the LaTeX reader and textbooks read it as the size
    e = matcalc.parse(text, where=where)
    assert e.evaluate(values) == pytest.approx(value)


def test_a_factor_of_a_product_size_written_bare_is_that_factor():
    assert str(matcalc.parse("m A x", where="A: matrix(m*k, n)")) == "m A x"
    assert matcalc.parse("m A x", where="A: matrix(m*k, n)").reading == "dim(m) A x"


def test_a_declared_size_run_into_other_letters_is_refused_with_the_ways_to_write_it():
    with pytest.raises(matcalc.ParseError, match=r"n is a size in the declarations.*run into other letters.*dim\(n\)"):
        matcalc.parse("nx'x", where="x: vector(n)")


def test_a_size_written_with_dim_or_a_name_declared_a_scalar_is_read():
    assert str(matcalc.parse("x'x / dim(n)", where="x: vector(n)")) == "x' x / n"
    assert matcalc.parse("x'x / dim(n)", where="x: vector(n)").node is matcalc.parse("x'x / n", where="x: vector(n)").node
    assert str(matcalc.grad("x' eye(n) x", "x", where="x: vector(n)")) == "2 x"  # eye's argument is a size
    assert matcalc.parse("x'x / n", where="x: vector(n); n: scalar").variables == ("n", "x")
    assert str(matcalc.parse("x'x / dim(n) + n", where="x: vector(n); n: scalar")) == "x' x / dim(n) + n"
    assert str(matcalc.parse("unvec(v, m, n)", where="v: vector(m*n)")) == "unvec(v, m, n)"


def test_d_before_the_identity_is_a_product_not_a_differential():
    assert matcalc.parse("dI").reading == "d I"


@pytest.mark.parametrize("text", ["A dX B", "tr(dX)", "dSigma", "dW1 x"])
def test_a_capital_differential_is_refused_as_the_differential_it_looks_like(text):
    # A dX B (a Jacobian's answer) was read as A d X B with d a scalar
    with pytest.raises(ParseError, match="looks like the differential"):
        matcalc.parse(text)


def test_a_jacobians_answer_with_its_differential_reads_back_under_its_where():
    r = matcalc.jacobian("A X B", "X")
    assert matcalc.parse(str(r), where=r.where).node is r.node


@pytest.mark.parametrize("text, name", [("softmax(x' W)", "softmax"), ("logsumexp(x' W)", "logsumexp"),
                                        ("y' log(softmax(x' W)')", "softmax")])
def test_softmax_or_logsumexp_of_a_row_without_an_index_is_refused_with_the_row_form(text, name):
    # of a matrix both run down the columns: of a 1 x k row that is all ones (softmax) or the row
    # itself (logsumexp), while a paper's x' W row means its k entries
    with pytest.raises(MatcalcError, match=re.escape(f"write {name}(x' W, 2) (along the row), or {name}((x' W)')")):
        matcalc.parse(text)


def test_the_transposed_form_the_softmax_refusal_suggests_reads_as_the_row_softmax():
    with pytest.raises(ParseError, match=re.escape("or softmax((x' W)')'")):
        matcalc.parse("log(softmax(x' W)') y")
    e = matcalc.parse("log(softmax((x' W)')') y")
    assert str(e) == "log(softmax(W' x))' y" and "x: vector" in e.inferred


def test_softmax_of_a_row_with_the_index_written_is_what_it_says():
    assert str(matcalc.parse("softmax(x' W, 1)", where="W: matrix(n,k)")) == "ones(1, k)"
    assert str(matcalc.parse("softmax(x' W, 2)", where="W: matrix(n,k)")) == "softmax(W' x)'"


@pytest.mark.parametrize("text, name", [
    ("sum(sqrt(delta^2 + (A x - b).^2) - delta)", "delta"),  # pseudo-Huber
    ("sum(log(sigma^2 + (y - X w).^2))", "sigma"),           # Cauchy
    ("sum(x.^2 + lambda^2)", "lambda"),
])
def test_a_power_of_a_small_greek_name_added_to_a_vector_is_a_scalar_spread_over_it(text, name):
    # delta^2 read as a matrix power made delta, b and A x - b square matrices and x a scalar (then it was
    # refused); no vector has a power, so the scalar is added to every entry, as the formula means
    inferred = matcalc.parse(text).inferred
    assert f"{name}: scalar" in inferred and ": matrix" not in inferred.replace("A: matrix", "").replace("X: matrix", "")


@pytest.mark.parametrize("text", ["logdet(K + sigma^2)", "tr(X + sigma^2)"])
def test_a_power_of_a_small_greek_name_added_to_a_matrix_stays_refused(text):
    # papers mean sigma^2 I there, not sigma^2 added to every entry
    with pytest.raises(matcalc.ShapeError, match=re.escape("where='sigma: scalar'")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["(x - mu)/sigma", "x + mu", "xAx + c"])
def test_a_gradient_does_not_overrule_a_latin_names_look_to_get_a_scalar(text):
    # parse reads x as a vector; grad took the all-scalar reading silently
    with pytest.raises(matcalc.ShapeError, match="is a scalar only with x a scalar"):
        matcalc.grad(text, "x")


def test_the_scalar_reading_a_gradient_refuses_is_the_declaration_it_suggests():
    with pytest.raises(matcalc.ShapeError, match=re.escape("declare where='x: scalar'")):
        matcalc.grad("(x - mu)/sigma", "x")
    assert str(matcalc.grad("(x - mu)/sigma", "x", where="x: scalar")) == "1 / sigma"


def test_a_gradient_may_still_overrule_a_greek_names_look():
    assert str(matcalc.grad("theta' Sigma theta", "theta")) == "(Sigma + Sigma') theta"


@pytest.mark.parametrize("text", [r"x^T \Sigma^{-1} x + |\Sigma|", r"x^T \Sigma^{-1} x + |\Sigma|^2"])
def test_bars_around_a_matrix_looking_name_are_refused_where_only_a_scalar_makes_them_abs(text):
    # the absolute-value reading made Sigma a scalar and Sigma^{-1} the number 1/Sigma
    with pytest.raises(ParseError, match=re.escape("the determinant (write \\det(...))")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\log\|x\|^2", r"\log \|x\|_2^2", r"\log\|x\|^{2}"])
def test_a_latex_function_of_a_powered_norm_takes_the_power_inside(text):
    # as the plain log ||x||^2 and \log x^2 read; it was log(||x||)^2
    assert matcalc.parse(text).node is matcalc.parse("log(||x||^2)").node


@pytest.mark.parametrize("text", ["x^TATAx", r"\mathrm{tr}(ATA)"])
def test_a_transpose_typed_without_its_caret_after_another_transpose_is_refused(text):
    with pytest.raises(ParseError, match="A transposed times A|for the transpose write A'"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["xAx", "xABx + 1"])
def test_a_quadratic_form_without_its_transpose_is_refused_not_read_with_x_a_scalar(text):
    with pytest.raises(matcalc.ShapeError, match="for the quadratic form write x' A"):
        matcalc.jacobian(text, "x")


def test_a_quadratic_form_without_its_transpose_is_a_product_of_scalars_where_the_middle_is_one():
    assert str(matcalc.parse("xAx", where="A: scalar")) == "A x^2"


@pytest.mark.parametrize("text, den", [("x'y / ||x|| ||y||", "||x|| ||y||"),
                                       ("exp(-||x - y||^2 / 2 sigma^2)", "2 sigma^2"),
                                       ("(x - mu)^2 / 2 sigma^2", "2 sigma^2"),
                                       ("x'y / sqrt(x'x) sqrt(y'y)", "sqrt(x'x) sqrt(y'y)"),
                                       ("tr(A'B) / tr(A) tr(B)", "tr(A) tr(B)"),
                                       (r"x^\top y/\|x\|\|y\|", "||x||")])
def test_a_denominator_written_as_a_product_is_refused(text, den):
    # the cosine and the Gaussian kernel: / divides by the one factor after it, so these read
    # (x'y / ||x||) ||y|| and (||x - y||^2 / 2) sigma^2
    with pytest.raises(ParseError, match=re.escape("for the denominator write / (")) as e:
        matcalc.parse(text)
    assert den in str(e.value)


@pytest.mark.parametrize("text, where, den", [
    ("||y - X w||^2 / 2 m", "X: matrix(m,n)", "2 m"), ("sum((X w - y).^2) / 2 m", "X: matrix(m,n)", "2 m"),
    ("||x||^2 / 2 n", "x: vector(n)", "2 n"), ("||x||^2 / 2 pi", "", "2 pi"),
    ("x'S x / 2 tr(S)", "S: matrix(n,n)", "2 tr(S)"), ("||x||^2 / 2 exp(a)", "a: scalar", "2 exp(a)"),
    ("||x - y||^2 / 2 sum(w)", "", "2 sum(w)")])
def test_a_size_pi_or_a_reduction_after_the_number_of_a_denominator_is_refused(text, where, den):
    # the least-squares cost over 2 m read ((||y - X w||^2) / 2) m: a multiplier nobody writes after a fraction
    with pytest.raises(ParseError, match=re.escape(f"for the denominator write / ({den})")):
        matcalc.parse(text, where=where or None)


@pytest.mark.parametrize("text, where, den", [
    ("sum(K_xx)/n^2 - 2 sum(K_xy)/n m + sum(K_yy)/m^2",
     "K_xx: matrix(n,n); K_xy: matrix(n,m); K_yy: matrix(m,m)", "n m"),
    ("||X||_F^2 / n m", "X: matrix(n,m)", "n m"), ("||X w - y||^2 / n sigma^2", "X: matrix(n,d)", "n sigma^2"),
    ("y'K y / n ||K||_F", "K: matrix(n,n)", "n ||K||_F"), ("x'x / n lambda", "x: vector(n)", "n lambda"),
    ("x'x / n sum(x)", "x: vector(n)", "n sum(x)"), ("x'x / (n - 1) sigma^2", "x: vector(n)", "(n - 1) sigma^2"),
    ("x'x / (N - 1) sigma^2", "N: scalar", "(N - 1) sigma^2")])
def test_a_size_or_a_group_of_numbers_as_a_divisor_before_another_factor_is_refused(text, where, den):
    # the MMD estimate's 2 sum(K_xy) / n m read ((2 sum(K_xy)) / n) m, a size being no name the product rule saw
    with pytest.raises(ParseError, match=re.escape(f"for the denominator write / ({den})")):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, where, read", [
    ("x'x / n", "x: vector(n)", "x' x / n"), ("1/n ||x||^2", "x: vector(n)", "x' x / n"),
    ("lambda / n ||w||^2", "w: vector(n)", "lambda (w' w) / n"), ("x'x / dim(n) lambda", "x: vector(n)", None),
    ("||y - X b||^2 / (n - p)", "X: matrix(n,p)", None), ("sum(x) / (n - 1) x", "x: vector(n)", None)])
def test_a_size_as_a_divisor_alone_a_coefficient_over_it_or_a_vector_after_it_reads_as_written(text, where, read):
    e = matcalc.parse(text, where=where)
    assert read is None or str(e) == read


@pytest.mark.parametrize("text", ["log det A/det B", "log tr A/tr B", "log det A * det B", "logdet A / det B",
                                  r"\log\det\Sigma_1/\det\Sigma_0", "ln det Σ₁/det Σ₀"])
def test_a_log_of_an_unparenthesized_reduction_before_a_quotient_of_reductions_is_refused(text):
    # the Gaussians' KL divergence, log det S1/det S0, read log(det S1) / det S0
    with pytest.raises(ParseError, match="has two readings"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, read", [("det A / det B", "det(A) / det(B)"), ("sin x * cos x", "cos(x) sin(x)")])
def test_a_quotient_or_product_of_two_plain_applications_reads_as_written(text, read):
    assert str(matcalc.parse(text)) == read


@pytest.mark.parametrize("text", ["(r_ui - mu - b_u - b_i - p_u'q_i)^2", "(d_ij - ||z_i - z_j||)^2",
                                  "(x_u - x_ui + x_i)^2"])
def test_subscripted_names_added_not_multiplied_are_no_index_notation(text):
    # Koren's biased matrix factorization and MDS stress were refused naming a product not in the text
    assert matcalc.parse(text).is_scalar


@pytest.mark.parametrize("text", ["x_i A_ij x_j", "sum(x_i A_ij x_j)", "w_i w_j K_ij"])
def test_index_notation_multiplied_is_refused(text):
    with pytest.raises(ParseError, match="is index notation"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where, read", [
    ("N/2 tr(S^-1 C)", "S, C: matrix(n,n)", "N tr(C S^-1) / 2"),
    ("N/2 tr(S)", "S: matrix(N,N)", "N tr(S) / 2")])
def test_a_coefficient_over_a_number_before_a_trace_or_a_size_reads_as_written(text, where, read):
    assert str(matcalc.parse(text, where=where)) == read


@pytest.mark.parametrize("text, read", [
    ("1 / 2 ||A x - b||^2", "||A x - b||^2 / 2"), ("lambda / 2 w'w", "lambda w' w / 2"),
    ("lambda (1 - alpha)/2 ||b||^2", "lambda (1 - alpha) b' b / 2"), ("exp(a) / 2 (a + 1)", "exp(a) (1 + a) / 2"),
    ("(nu + d)/2 log(1 + x'x)", "log(1 + x' x) (d + nu) / 2"), ("a'x / (x'x) x", "(a' x) x / (x' x)"),
    (r"1/2x^\top A x", "x' A x / 2"), ("x'x / 2", "x' x / 2"), ("2 lambda / n ||w||^2", "2 lambda (w' w) / n"),
    ("(2 lambda)/n ||w||^2", "2 lambda (w' w) / n")])
def test_a_coefficient_fraction_or_a_vector_after_the_divisor_reads_left_to_right(text, read):
    assert str(matcalc.parse(text)) == read


@pytest.mark.parametrize("text", ["logdet(K + sigma^2)", "sum(sqrt(X.^2 + epsilon^2))"])
def test_a_powered_small_greek_name_added_to_a_matrix_is_not_read_as_a_square_matrix(text):
    with pytest.raises(matcalc.ShapeError, match="where='(sigma|epsilon): scalar'"):
        matcalc.parse(text)


def test_the_diagonal_form_the_greek_power_refusal_suggests_reads_with_the_name_a_scalar():
    with pytest.raises(matcalc.ShapeError, match=re.escape("on its diagonal only, it is written sigma^k I")):
        matcalc.parse("logdet(K + sigma^2)")
    assert "sigma: scalar" in matcalc.parse("logdet(K + sigma^2 I)").inferred


@pytest.mark.parametrize("text, product", [("W_1x_1", "W_1 x_1"), ("W_2W_1x", "W_2 W_1 x"),
                                           ("W_3W_2W_1x", "W_3 W_2 W_1 x"), ("A_1B_2C_3", "A_1 B_2 C_3")])
def test_a_subscript_of_digits_ends_a_name_in_a_run_of_subscripted_names(text, product):
    # W_2W_1x was refused ("two subscripts in one name") although a subscript of digits ends a name
    assert str(matcalc.parse(text)) == product


@pytest.mark.parametrize("text", [r"\frac{d}{dx} x^3", r"\frac{dy}{dx}", r"\frac{d}{dt}(t^2)"])
def test_leibniz_notation_in_latex_is_refused_not_read_as_a_quotient(text):
    # \frac{d}{dx} x^3 read (d / (d x)) x^3, and its gradient was 2 x
    with pytest.raises(ParseError, match=re.escape("differentiate it with grad(f, 'x')")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [
    (r"(2\pi)^{-n/2} |\Sigma|^{-1/2} \exp(-\frac12 (x-\mu)^T \Sigma^{-1} (x-\mu))", ""),
    (r"|\Sigma|^{-1/2}", "Sigma: matrix(n,n) spd"), (r"\left|\Sigma\right|^{-\frac{1}{2}}", "")])
def test_bars_around_a_matrix_raised_to_a_negative_or_fractional_power_are_its_determinant(text, where):
    # the Gaussian density's |Sigma|^{-1/2}: refused with both readings (before: read Sigma as a scalar),
    # where the entrywise absolute value would need an entrywise power
    e = matcalc.parse(text, where=where)
    assert "det(Sigma)^(-(1 / 2))" in e.reading and "Sigma: matrix" in e.inferred


def test_bars_around_a_scalar_raised_to_a_fractional_power_keep_the_absolute_value():
    assert matcalc.parse(r"|s|^{-1/2} + \alpha").reading.startswith("abs(s)")


@pytest.mark.parametrize("text, name", [("||y - X w||^2 + c ||w||^2", "c"),
                                        ("N/2 log(sigma^2) + ||y - X w||^2 / (2 sigma^2)", "N"),
                                        ("N/2 logdet(Sigma) + 1/2 tr(Sigma^-1 S)", "N"),
                                        (r"\frac{N}{2}\log(2\pi\sigma^2) + \frac{1}{2\sigma^2}\|y - Xw\|^2", "N")])
def test_a_coefficient_of_a_scalar_term_beside_another_scalar_term_is_a_scalar(text, name):
    # c read as a vector made c ||w||^2 a vector, and the other norm was added to its every entry
    assert f"{name}: scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, name", [("||w||^2 + K sum(w)", "K"), ("||w||^2 + K sum(X w)", "K"),
                                        ("tr(W) + K sum(W)", "K"),
                                        ("1/2 ||w||^2 + C sum(relu(1 - y .* (X w)))", "C")])
def test_a_coefficient_of_a_sum_of_the_names_of_the_other_term_is_a_scalar(text, name):
    # the SVM primal read C as a matrix and added the norm to its every entry: w inside sum(...) was
    # taken for a name the array rests on, as x in x - mean(x)
    assert f"{name}: scalar" in matcalc.parse(text).inferred


def test_a_term_using_a_declared_scalar_beside_undeclared_names_is_not_spread_over_a_guess():
    # N was read as a matrix, with the norm over s2 added to its every entry (s2 declared for the variance)
    e = matcalc.parse("N/2 log(s2) + ||y - X b||^2 / (2 s2)", where="s2: scalar")
    assert "N: scalar" in e.inferred and e.shape == ()


def test_a_scalar_term_is_not_added_to_a_term_that_is_an_array_only_by_a_guessed_kind():
    with pytest.raises(matcalc.ShapeError, match=re.escape("not a scalar only by the guessed kinds of T")):
        matcalc.parse("T ||w||^2 + ||y - X w||^2")  # (T, the transpose's letter, is never read as a scalar)


@pytest.mark.parametrize("text, where, name", [("y'inv(K + sigma^2) y", "sigma: scalar", "K"),
                                              ("y' inv(Sigma + tau^2) y", "tau: scalar", "Sigma")])
def test_a_power_of_a_declared_scalar_added_to_a_guessed_capital_is_refused_as_the_scalar_is(text, where, name):
    # the GP's y' inv(K + sigma^2) y read K as a number, y' y / (K + sigma^2)
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"if {name} is a scalar too, declare it")):
        matcalc.parse(text, where=where)


def test_a_power_of_a_declared_scalar_times_i_added_to_a_guessed_capital_reads():
    assert "K: matrix(n,n)" in matcalc.parse("y'inv(K + sigma^2 I) y", where="sigma: scalar").inferred


def test_a_declared_scalar_is_still_added_to_every_entry_of_a_guessed_array():
    e = matcalc.parse("X w + b", where="b: scalar")
    assert e.shape == ("m",) and e.inferred == "X: matrix(m,n); b: scalar; w: vector(n)"


@pytest.mark.parametrize("text, power", [("sigma^-1/2 x", "sigma^(-1/2)"), ("(x'x)^1/2", "(x'x)^(1/2)"),
                                         ("x.^1/2", "x.^(1/2)"), ("e^-1/2 x'x", "e^(-1/2)"), ("x^-3/2", "x^(-3/2)"),
                                         (r"\sigma^-3/2", "sigma^(-3/2)"), ("x^−1/2", "x^(-1/2)"),
                                         ("x^–1/2", "x^(-1/2)"), (r"(x^\top x)^1/2", "(x' x)^(1/2)")])
def test_a_bare_exponent_before_a_tight_fraction_bar_making_a_fraction_is_refused(text, power):
    # (x'x)^1/2 read (x'x)/2, and its gradient was x, not x / ||x||; LaTeX, en dash and Unicode minus too
    with pytest.raises(ParseError, match=re.escape(f"For the power {power.split('^(')[1][:-1]} write {power}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, power", [
    ("(1 + ||x||^2/nu)^-(nu + d)/2", "(1 + ||x||^2/nu)^(-(nu + d)/2)"), ("e^-(x'x)/2", "e^(-(x'x)/2)"),
    ("sigma^2 e^-(||x - y||^2)/(2 l^2)", "e^(-(||x - y||^2)/(2 l^2))"),
    ("log(det(X)^-(nu + p + 1)/2)", "det(X)^(-(nu + p + 1)/2)")])
def test_a_negated_group_exponent_before_a_tight_fraction_bar_is_refused(text, power):
    # the Student-t kernel's ^-(nu + d)/2 read (...^-(nu + d)) / 2
    with pytest.raises(ParseError, match=re.escape(f"write {power}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("e^-(x'x) / 2", "exp(-(x' x)) / 2"), ("x^2/(2 a)", "(x^2) / (2 a)"),
                                           ("exp(-x'x)/(2 pi)", "exp(-(x' x)) / (2 pi)")])
def test_a_spaced_or_unnegated_exponent_before_a_fraction_bar_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, name", [("||x_t+1 - A x_t||^2", "x_t+1"), ("||w_t - w_t-1||^2", "w_t-1"),
                                        ("||θ_t+1 − θ_t||²", "θ_t+1"), ("||h_k - tanh(W h_k-1)||^2", "h_k-1")])
def test_index_arithmetic_typed_in_a_plain_subscript_is_refused(text, name):
    # ||w_t - w_t-1||^2 read w_t - w_t - 1, whose gradient is 0
    with pytest.raises(ParseError, match=re.escape(f"'{name}' reads")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("x_t + 1", "x_t + 1"), (r"\|x_t+1\|^2", "||x_t + 1||^2"),
                                           ("x_1+1", "x_1 + 1")])
def test_a_spaced_a_latex_or_a_digit_subscript_before_plus_one_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, where, power", [
    ("(2 pi sigma^2)^-n/2 exp(-||y - X w||^2 / (2 sigma^2))", "y: vector(n); sigma: scalar", "(2 pi sigma^2)^(-n/2)"),
    ("det(S)^-N/2", "S: matrix(k,k) spd; N: scalar", "det(S)^(-N/2)"), ("sum(abs(x).^p)^1/p", "", "sum(abs(x).^p)^(1/p)"),
    ("det(S)^1/n", "S: matrix(n,n) spd", "det(S)^(1/n)"), ("e^-t/2", "", "e^(-t/2)"), ("(x'x)^-1/n", "", "(x'x)^(-1/n)")])
def test_a_symbolic_exponent_or_a_symbolic_denominator_at_a_tight_fraction_bar_is_refused(text, where, power):
    """(2 pi sigma^2)^-n/2 read ((2 pi sigma^2)^-n) / 2, the p-norm's ^1/p read (...)^1 / p: the Gaussian
    likelihood's gradient by sigma was 0.0038 where it is 0.0681, with no word."""
    with pytest.raises(ParseError, match=re.escape(f"write {power}")):
        matcalc.parse(text, where=where or None)


@pytest.mark.parametrize("text, reading", [("sigma^-2/n", "(sigma^(-2)) / n"), ("t^n/n", "(t^n) / n")])
def test_a_power_that_is_no_root_before_a_symbolic_denominator_reads_as_written(text, reading):
    assert matcalc.parse(text, where="n: scalar").reading == reading


@pytest.mark.parametrize("text, call", [("log 1 + x'x", "log(1 + x'x)"), ("sqrt 1 + x'x", "sqrt(1 + x'x)"),
                                        ("sum(log 1 + exp(-y .* (X w)))", "log(1 + exp(-y .* (X w)))")])
def test_a_bare_function_of_zero_or_one_followed_by_a_sum_is_refused_with_the_parentheses(text, call):
    """log 1 + x'x read log(1) + x' x: the constant 0 and the function's term, where log(1 + x'x) was meant."""
    with pytest.raises(ParseError, match=re.escape(f"write the parentheses: {call}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("log 2 + x'x", "log(2) + x' x"), ("cos 1 - t", "cos(1) - t")])
def test_a_bare_function_of_a_number_that_is_no_trivial_constant_before_a_sum_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", ["(A x - b)'(A x - b) s^2", "x' y t^2", "(A x)' W y s^3"])
def test_a_power_after_a_row_that_met_a_column_reads_as_a_number(text):
    """(A x - b)'(A x - b) s^2: the quadratic form is a number before s^2; it was refused as a row times a number."""
    assert matcalc.parse(text).shape == ()


@pytest.mark.parametrize("text", ["Sigma^-1/2 x", r"\Sigma^-1/2 x", "Sigma^–1/2 x"])
def test_a_matrix_looking_base_before_a_tight_fraction_bar_is_refused_with_the_quotient_only(text):
    # Sigma^-1/2 x read (inv(Sigma) / 2) x; its power -1/2 is no matrix power
    with pytest.raises(ParseError, match=re.escape("Sigma looks like a matrix, whose powers are integers: for the "
                                                   "quotient put a space (Sigma^-1 / 2)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["Sigma^-T/2 x", r"\Sigma^-T/2 x"])
def test_an_inverse_transpose_before_a_tight_fraction_bar_is_refused_with_the_quotient_only(text):
    # Sigma^-T/2 x read (inv(Sigma') / 2) x, where papers mean the transposed inverse square root
    with pytest.raises(ParseError, match=re.escape("Sigma^-T is the transpose of the inverse, and the powers of a "
                                                   "matrix are integers: for the quotient put a space (Sigma^-T / 2)")):
        matcalc.parse(text)


def test_an_inverse_transpose_then_a_spaced_fraction_bar_reads_as_written():
    assert matcalc.parse("Sigma^-T / 2").reading == "inv(Sigma') / 2"


@pytest.mark.parametrize("text, reading", [("x^2/2", "(x^2) / 2"), ("Sigma^-1 / 2", "inv(Sigma) / 2"),
                                           (r"\Sigma^{-1}/2", "inv(Sigma) / 2"), ("x^{1}/2", "(x^1) / 2"),
                                           ("sigma^-2/2", "(sigma^(-2)) / 2"), ("x^-3/3", "(x^(-3)) / 3")])
def test_a_power_then_a_fraction_bar_reads_as_written_where_the_text_says_which(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", ["lambda_min(A) x'x", "lambda_max(X)", "sigma_max(X)", r"\lambda_1(A)", "kappa(A)",
                                  "rho(A)", "lambda_max(X'X)", "lambda_max(x'x)", "lambda_1(A + B)"])
def test_a_spectral_function_written_as_a_subscripted_greek_name_is_refused_not_read_as_a_product(text):
    # lambda_min(A) x'x read A as a scalar, and the gradient was 2 A lambda_min x
    with pytest.raises(matcalc.UnknownNameError, match="which matcalc does not have"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["rho(x - z)", "kappa(x'x)", "lambda_1 (x'x)", "lambda_2(w'w)", "lambda_1(||w||_1)",
                                  "λ₁(β'β)"])
def test_a_greek_coefficient_before_a_group_still_multiplies_it(text):
    assert "scalar" in matcalc.parse(text).inferred


def test_a_subscripted_greek_coefficient_before_a_latex_norm_is_a_coefficient():
    # the translation puts the norm in its own parentheses: no '(' was typed after lambda_1
    e = matcalc.parse(r"\lambda_1\|w\|_1 + \lambda_2\|w\|_2^2")
    assert e.reading == "lambda_1 norm1(w) + lambda_2 (||w||^2)"


@pytest.mark.parametrize("text, name", [("vec(X)' kron(B', A) vec(X)", "B"), ("kron(B', A) vec(X)", "A")])
def test_a_capital_read_as_a_vector_against_its_look_is_refused_with_both_declarations(text, name):
    # the Cookbook's vec-Kronecker identity read A and B as vectors of length m*n, and check passed
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"{name} looks like a matrix, but this reads it as a vector")):
        matcalc.parse(text)


@pytest.mark.parametrize("where", ["", "X: matrix(m,n); y: vector(m); w: vector(n)"])
def test_a_coefficient_beside_a_norm_of_declared_names_is_a_scalar_too(where):
    # with the other names declared, c was still read as a vector and the norm spread over it
    assert "c: scalar" in matcalc.parse("||y - X w||^2 + c ||w||^2", where=where).inferred


def test_the_log_of_bars_around_a_declared_scalar_is_its_absolute_value():
    # log(det(s)) failed to evaluate at s = -2
    assert matcalc.parse(r"\log|s|", where="s: scalar").reading == "log(abs(s))"


@pytest.mark.parametrize("text", ["softmax(Q K'/sqrt(d)) V", r"\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d}}\right)V",
                                  "softmax(QKᵀ/√d)V"])
def test_attention_without_the_softmax_index_is_refused_with_both_indices(text):
    # it normalized each column, where attention normalizes each row
    with pytest.raises(ParseError, match="attention normalizes each row"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["softmax(Q K' + M) V", "softmax(M + Q K'/sqrt(d)) V", "softmax(Q K' .* M) V"])
def test_masked_attention_without_the_softmax_index_is_refused_with_both_indices(text):
    # a mask added to (or multiplied into) the scores hid them: each column was normalized silently
    with pytest.raises(ParseError, match="attention normalizes each row"):
        matcalc.parse(text)


def test_masked_attention_with_the_column_index_prints_it_and_reads_back():
    e = matcalc.parse("softmax(Q K' + M, 1) V")
    assert str(e) == "softmax(Q K' + M, 1) V" and matcalc.parse(str(e)).node is e.node


def test_a_batch_softmax_times_a_matrix_still_reads_down_the_columns():
    assert matcalc.parse("softmax(W X) X'").reading == "softmax(W X) X'"


def test_attention_with_the_column_index_prints_it_and_reads_back():
    e = matcalc.parse("softmax(Q K', 1) V")
    assert str(e) == "softmax(Q K', 1) V" and matcalc.parse(str(e)).node is e.node
    assert matcalc.parse(e.latex()).node is e.node


@pytest.mark.parametrize("text, names", [("lambda ||w||^2 + c", ("lambda", "c")), ("alpha ||x||^2 + b ||x||_1", ("alpha", "b")),
                                         ("log(1 + exp(-y w'x)) + lambda/2 ||w||^2", ("lambda", "y")),
                                         ("gamma tr(X) + a tr(X)", ("gamma", "a"))])
def test_a_greek_coefficient_of_a_norm_or_trace_is_a_scalar_and_so_is_what_is_added_to_it(text, names):
    # lambda read as a vector (a Greek name's weak look) so that the constant c could be one too
    inferred = matcalc.parse(text).inferred
    assert all(f"{n}: scalar" in inferred for n in names)


def test_a_greek_name_used_as_more_than_a_coefficient_keeps_its_other_readings():
    assert "mu: vector" in matcalc.parse("mu' x + ||x - mu||^2").inferred


@pytest.mark.parametrize("text, name", [("sum(x*x)", "x"), ("-sum(p*log(p))", "p"), ("mean(r * r)", "r"),
                                        ("sum((y - X w)*(y - X w))", "y"), ("tr(x)", "x"),
                                        ("y' log(softmax((x' W)')')", "x")])
def test_a_vector_looking_name_made_a_matrix_so_that_the_formula_fits_is_refused(text, name):
    # sum(x*x) read x as a square matrix, and its gradient was (x ones(m,m) + ones(m,m) x)'
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"{name} looks like a vector, but this reads it as a matrix")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, hint", [("LSE(x)", "logsumexp"), ("MSE(W x - y)", "mean((...).^2)"), ("KL(x)", "divergence"),
                                        ("GELU(x)", "write it out"), ("SiLU(x)", "sigmoid"), ("AB(x + y)", "write it out")])
def test_capitals_run_together_before_a_parenthesis_are_refused_as_a_call_matcalc_does_not_have(text, hint):
    # LSE(x) read L S E x, three matrices times x
    with pytest.raises(ParseError, match=re.escape("and matcalc has no function")) as err:
        matcalc.parse(text)
    assert hint in str(err.value) and "for the product put spaces" in str(err.value)


@pytest.mark.parametrize("text, where, reading", [("A B (x + y)", "", "A B (x + y)"), ("AB x", "", "A B x"),
                                                  ("KL(x)", "KL: scalar", "KL x")])
def test_capitals_with_a_space_before_the_parenthesis_or_declared_read_as_written(text, where, reading):
    assert matcalc.parse(text, where=where).reading == reading


@pytest.mark.parametrize("text, fix", [("||M .* U V' - X||_F^2", "M .* (U V')"), ("y .* X w", "y .* (X w)"),
                                       ("x ./ y z", "x ./ (y z)")])
def test_an_entrywise_operation_followed_by_a_juxtaposed_product_is_refused_with_both_spellings(text, fix):
    # ||M .* U V' - X||^2 read (M .* U) V', U made M's size, where masked factorization means M .* (U V')
    with pytest.raises(ParseError, match=re.escape(f"write {fix}; for the other reading write the parentheses")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("M .* U * V'", "(M .* U) * V'"), ("M .* (U V')", "M .* (U V')"),
                                           ("(M .* U) V'", "(M .* U) V'")])
def test_an_entrywise_operation_with_an_explicit_product_or_parentheses_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


def test_a_lowercase_name_declared_a_matrix_is_one():
    assert matcalc.parse("tr(x)", where="x: matrix(n,n)").reading == "tr(x)"


def test_a_spectral_name_before_a_declared_scalar_is_a_coefficient():
    # lambda_1(N) ||w||^2 with N: scalar was refused as an eigenvalue
    assert "lambda_1: scalar" in matcalc.parse("lambda_1(N) ||w||^2", where="N: scalar").inferred


@pytest.mark.parametrize("text, wrt, kinds", [
    ("x'mu / ||x||", "x", "mu: vector(n); x: vector(n)"),
    ("y' X beta / ||y||", "y", "X: matrix(n,m); beta: vector(m); y: vector(n)"),
])
def test_a_greek_name_beside_other_factors_of_a_norm_keeps_its_vector_reading_for_a_gradient(text, wrt, kinds):
    # the Greek-coefficient rule made mu a scalar, and the gradient was refused
    r = matcalc.grad(text, wrt)
    assert r.function.inferred == kinds
    assert r.check().ok


@pytest.mark.parametrize("latex", [r"\log\left|x\right|", r"\log|x_1|", r"\log|\hat{y}|", r"\log|\lambda_1|",
                                   r"\mathbf{1}^\top\log\left|Wx\right|"])
def test_the_log_of_bars_around_a_vector_or_scalar_keeps_the_absolute_value_however_written(latex):
    assert "abs(" in matcalc.parse(latex).reading


@pytest.mark.parametrize("text", ["softmax(X') Y", "softmax(relu(Q K')) V", "softmax(W X) X'"])
def test_a_softmax_that_is_not_attentions_times_a_matrix_reads_down_the_columns(text):
    assert "softmax(" in matcalc.parse(text).reading


@pytest.mark.parametrize("f", ["tr(Y' softmax(S, 2) V)", "tr(Y' softmax(K Q' / s + M, 2) V)"])
def test_gradients_through_a_row_softmax_read_back(f):
    r = matcalc.grad(f, "V", where="s: scalar" if "/ s" in f else None)
    assert matcalc.parse(str(r), where=r.where).node is r.expr.node


@pytest.mark.parametrize("text, reading", [("e .^ (W x)", "exp(W x)"), ("e.^x", "exp(x)"), ("sum(e .^ (W x))", "sum(exp(W x))")])
def test_euler_e_to_an_entrywise_power_is_the_entrywise_exponential(text, reading):
    # e .^ (W x) read W and x as scalars, and its gradient wrt W was a scalar's
    e = matcalc.parse(text)
    assert e.reading == reading and "W: scalar" not in e.inferred and "x: scalar" not in e.inferred



@pytest.mark.parametrize("text", ["tr(kron(A, B))", "x'kron(A,B)x", "logdet(kron(A, B))"])
def test_an_undeclared_kronecker_product_whose_every_reading_makes_a_capital_a_vector_asks_for_the_sizes(text):
    # it offered two readings, each with one of A and B a vector
    with pytest.raises(matcalc.ShapeError, match="looks like a matrix, but this reads it as a vector"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["w .* w lambda", "x .* y 2", "x ./ y 2"])
def test_an_entrywise_operation_followed_by_a_scalar_factor_reads_left_to_right(text):
    # both readings are one value: refusing them asked for parentheses that change nothing
    assert matcalc.parse(text).reading.startswith("(")


@pytest.mark.parametrize("text, names", [("(nu - p - 1)/2 log det X - 1/2 tr(V^-1 X)", ("nu", "p")),
                                         ("(n - 1) log(s) + ||x||^2", ("n", "s"))])
def test_a_parenthesized_sum_of_lone_names_as_a_coefficient_is_a_scalar(text, names):
    # the Wishart log-density read nu and p as vectors, and the trace was added to every entry
    inferred = matcalc.parse(text).inferred
    assert all(f"{n}: scalar" in inferred for n in names)


@pytest.mark.parametrize("text, advice", [("tr(A X^-1T)", "X^-T"), ("A^-1T b", "A^-T"), ("A^2T", "(A^2)'"),
                                          ("tr(A X^{-1T} B)", "X^-T"), ("X^(-1T)", "X^-T")])
def test_a_power_run_into_a_t_is_refused_with_the_transpose_and_the_product(text, advice):
    with pytest.raises(ParseError, match=re.escape(advice)):
        matcalc.parse(text)


def test_a_declared_matrix_to_the_power_minus_one_t_is_refused_with_the_inverse_transposed():
    with pytest.raises(MatcalcError, match=re.escape("write X^-T")):
        matcalc.parse("X^{-1T}", where="X: matrix(n,n)")


@pytest.mark.parametrize("text, reading", [("X^-1 T", "inv(X) T"), ("X^-1'", "inv(X)'"), ("A^-T b", "inv(A') b")])
def test_a_power_then_a_spaced_t_or_a_tick_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, where", [("sum(sqrt((D x)^2 + 0.01))", None), ("sum(log(1 + (W x)^2))", None),
                                         ("sum(sqrt((Dx)^2 + eps))", "eps: scalar"),
                                         (r"\sum \sqrt{(\mathbf{D}\mathbf{x})^2 + \epsilon}", None)])
def test_a_matrix_times_a_vector_squared_is_refused_rather_than_read_with_the_vector_a_scalar(text, where):
    """(D x)^2 read x as a scalar, D x a square matrix and ^2 its matrix power; .^2 is meant."""
    with pytest.raises(MatcalcError, match=re.escape(".^2")):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, reading, inferred", [
    ("tr((c A)^2)", "tr((c A)^2)", "A: matrix(m,m); c: scalar"),
    ("(x - 1)^2 + 100 (y - x^2)^2", "(x - 1)^2 + 100 ((y - x^2)^2)", "x: scalar; y: scalar"),
    ("(a x)^2", "(a x)^2", "a: scalar; x: scalar")])
def test_a_coefficient_or_scalars_under_a_power_keep_their_scalar_reading(text, reading, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, inferred)


@pytest.mark.parametrize("text", ["||y - W¹ tanh(W² x)||^2", "||y - W^1 tanh(W^2 x)||^2"])
def test_a_capital_to_the_power_one_is_refused_as_a_layer_index(text):
    with pytest.raises(ParseError, match=re.escape("write W_1 for that name")):
        matcalc.parse(text)


def test_a_declared_matrix_to_the_power_one_reads_as_written():
    assert matcalc.parse("W^1", where="W: matrix(n,n)").reading == "W^1"


@pytest.mark.parametrize("text, where", [("||x - ones(n) ones(n)' x / n||^2", None),
                                         ("x' x / dim(x)", None), ("ones(dim(x))' x", None)])
def test_a_name_that_is_a_size_in_one_place_and_a_variable_in_another_is_refused(text, where):
    """The variable n beside ones(n) was a free number, never checked against the length."""
    with pytest.raises(ParseError, match=re.escape("write dim(n)")):
        matcalc.parse(text, where=where)


def test_a_name_declared_a_scalar_beside_a_size_of_its_name_is_taken_as_declared():
    assert matcalc.parse("x - 1/n ones(n) ones(n)' x", where="n: scalar").inferred == "n: scalar; x: vector(n)"


def test_a_size_written_with_dim_beside_ones_reads_as_the_length():
    assert matcalc.parse("x - ones(n) ones(n)' x / dim(n)").inferred == "x: vector(n)"


@pytest.mark.parametrize("text", ["exp(-||x - x'||^2/(2 l^2))", r"\exp(-\|x - x'\|^2 / (2\ell^2))", "x + x'"])
def test_a_vector_beside_its_own_transpose_is_refused_as_papers_second_point(text):
    """k(x, x'): x - x' read x as a square matrix, then refused only for its spectral norm."""
    with pytest.raises(ParseError, match=re.escape("give it a name of its own (x2 or x_p)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("X - X'", None), ("x - x'", "x: matrix(n,n)")])
def test_a_matrix_beside_its_own_transpose_reads_as_written(text, where):
    assert matcalc.parse(text, where=where).reading == text


@pytest.mark.parametrize("text", ["x'Ax/2 x'x", "x'Ax/2(x'x)", "||A x||^2/2||x||^2", "b'x/2 x'x"])
def test_a_quotient_of_forms_over_a_number_then_another_form_is_refused(text):
    """x'Ax/2 x'x read (x'Ax/2) x'x, a quartic whose gradient passed check; the quotient is meant."""
    with pytest.raises(ParseError, match="for the quotient write"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, scalar", [("(1-alpha)/2x'x", "alpha"), ("sigma^2/2x'x", "sigma"),
                                          ("N/2 logdet(S)", "N"), ("a/2x'x", "a"), ("c/2 x'x + sum(exp(x))", "c"),
                                          ("(nu + d)/2 log(1 + x'x)", "nu")])
def test_a_coefficient_over_a_number_then_a_form_reads_as_a_scalar_coefficient(text, scalar):
    assert f"{scalar}: scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text", ["(A x - b)^2", "1/2 (X w - y)^2", "(y - X w)^2 + lambda w^2"])
def test_a_squared_residual_read_with_a_capital_and_a_vector_as_scalars_is_refused(text):
    """(A x - b)^2 read A, x and b as scalars, and its gradient 2 A (A x - b) was returned."""
    with pytest.raises(MatcalcError, match=r"for the squared norm of the vector write \|\|"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("(A' x)^2", None), ("(A x + b)^2", "b: scalar")])
def test_a_transposed_matrix_or_a_sum_times_a_vector_squared_is_refused(text, where):
    with pytest.raises(MatcalcError, match=re.escape(".^2")):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, where, inferred", [("(a x - b)^2", None, "a: scalar; b: scalar; x: scalar"),
                                                   ("(A x - b)^2", "A, x, b: scalar", "A: scalar; b: scalar; x: scalar")])
def test_a_squared_difference_of_scalars_reads_as_written_when_they_are_small_or_declared(text, where, inferred):
    e = matcalc.parse(text, where=where)
    assert (e.reading, e.inferred) == (text, inferred)


@pytest.mark.parametrize("text", ["A^-1Tb", "x'A^-1Tx"])
def test_a_power_run_into_t_and_a_name_is_refused(text):
    with pytest.raises(ParseError, match="runs a power into a T"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("sigma^2T", "sigma: scalar; T: scalar"), ("x.^2T", "x: vector(n); T: scalar")])
def test_a_scalars_power_run_into_a_declared_t_reads_as_a_product(text, where):
    assert "T" in matcalc.parse(text, where=where).reading


@pytest.mark.parametrize("text", ["||theta - theta'||^2", "-x' + x", "x' - x"])
def test_a_transposed_name_beside_itself_in_any_order_or_greek_is_refused_as_a_second_point(text):
    with pytest.raises(ParseError, match="give it a name of its own"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["W^{1} x", "A^{1}"])
def test_a_braced_power_one_of_a_capital_is_refused_as_a_layer_index(text):
    with pytest.raises(ParseError, match="if 1 is an index"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["Sigma^-1 mu", "Σ⁻¹μ", "X beta", "Xbeta", "(Σ₁⁻¹ + Σ₂⁻¹)⁻¹(Σ₁⁻¹μ₁ + Σ₂⁻¹μ₂)"])
def test_a_small_greek_name_right_after_a_matrix_in_a_matrix_function_is_refused(text):
    """Sigma^-1 mu read mu as a scalar (its look) and the function as a matrix."""
    with pytest.raises(MatcalcError, match="for a vector"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading, inferred", [
    ("tr(W lambda)", "tr(W lambda)", "W: matrix(m,m); lambda: scalar"),  # (a vector lambda has no trace)
    ("||y - X beta||^2", "||y - X beta||^2", "X: matrix(m,n); beta: vector(n); y: vector(m)"),
    ("lambda W", "lambda W", "W: matrix(m,n); lambda: scalar"),
    ("mu' Sigma^-1 mu", "mu' inv(Sigma) mu", "Sigma: matrix(n,n); mu: vector(n)")])
def test_a_greek_name_after_a_matrix_reads_as_written_in_a_scalar_function_or_where_it_fits(text, reading, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, inferred)


@pytest.mark.parametrize("text", ["<C, P> + ε Σ P log P", "½ wᵀw + C Σ ξ"])
def test_a_pasted_sigma_read_as_a_scalar_is_refused_as_the_summation_sign(text):
    with pytest.raises(MatcalcError, match="summation sign"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["pi' log(pi)", "sum(pi .* log(pi))", "pi'x"])
def test_the_number_pi_transposed_or_entrywise_is_refused_as_a_vector_of_weights(text):
    with pytest.raises(ParseError, match=re.escape("where='pi: vector(n)'")):
        matcalc.parse(text)


def test_a_declared_vector_pi_reads_as_declared():
    assert matcalc.parse("pi' log(pi)", where="pi: vector(n)").inferred == "pi: vector(n)"


@pytest.mark.parametrize("text", [r"\langle C, P \rangle - \varepsilon H(P)", "L(theta) + lambda R(theta)"])
def test_a_capital_called_like_a_function_is_refused(text):
    with pytest.raises(ParseError, match="is a function"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["H(x)' x", "H(x)'x", "R(theta)^2 + theta"])
def test_a_capital_called_like_a_function_and_transposed_or_raised_is_refused(text):
    """grad of H(x)' x read H as a number: 2 H x, an answer for H x' x."""
    with pytest.raises(ParseError, match="is a function"):
        matcalc.parse(text)


def test_a_capital_declared_a_scalar_before_a_transposed_group_multiplies():
    assert str(matcalc.grad("H(x)' x", "x", where="H: scalar")) == "2 H x"


@pytest.mark.parametrize("text, reading, inferred", [
    ("A(x + y)", "A (x + y)", "A: matrix(m,n); x: vector(n); y: vector(n)"),
    ("W(x)", "W x", "W: matrix(m,n); x: vector(n)"), ("x' H(x)", "x' H x", "H: matrix(n,n); x: vector(n)"),
    ("(A(x + y))' z", "(A (x + y))' z", "A: matrix(m,n); x: vector(n); y: vector(n); z: vector(m)")])
def test_a_matrix_before_a_parenthesized_vector_multiplies(text, reading, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, inferred)


@pytest.mark.parametrize("text, hint", [("x' (diag(sum(A)) - A) x", "diag(sum(A, 2))"), ("diag(x'x)", "itself")])
def test_diag_of_a_scalar_made_of_arrays_is_refused(text, hint):
    with pytest.raises(MatcalcError, match=re.escape(hint)):
        matcalc.parse(text)


@pytest.mark.parametrize("text, wrt", [("(theta - mu)' Sigma^-1 (theta - mu)", "theta"),
                                       ("exp(-1/2 (theta - mu)' Sigma^-1 (theta - mu))", "theta"),
                                       ("(mu_1 - mu_2)' Sigma^-1 (mu_1 - mu_2)", "Sigma"),
                                       ("(theta - mu)' Lambda (theta - mu)", "theta")])
def test_a_transposed_group_of_greek_names_reads_them_as_vectors(text, wrt):
    """The Mahalanobis form read theta, mu and Sigma as numbers: 2 (theta - mu) / Sigma."""
    r = matcalc.grad(text, wrt)
    assert "mu: vector(n)" in r.where or "mu_1: vector(n)" in r.where
    assert "Sigma: scalar" not in r.where and "Lambda: scalar" not in r.where


@pytest.mark.parametrize("text", ["x' theta", "exp(x' theta)", "x^T beta"])
def test_a_greek_name_after_a_row_vector_read_as_a_scalar_is_refused(text):
    with pytest.raises(MatcalcError, match="not their inner product"):
        matcalc.parse(text)


def test_a_greek_name_after_a_row_vector_in_a_gradient_is_the_inner_product():
    assert str(matcalc.grad("x' theta", "theta")) == "x"


@pytest.mark.parametrize("text", ["Tr X", "TrX"])
def test_the_trace_written_with_a_capital_is_refused_not_split(text):
    with pytest.raises(ParseError, match=re.escape("for the trace write tr(...)")):
        matcalc.parse(text)


def test_a_declared_size_used_bare_in_a_centring_is_the_mean():
    # (x - sum(x)/n said n is a vector, then that n is a size to write dim(n))
    assert str(matcalc.parse("x - sum(x)/n", where="x: vector(n)")) == "x - mean(x)"


def test_a_comma_before_where_is_punctuation():
    assert matcalc.parse("p'p, where p = A x").reading == "p' p where p = A x"


@pytest.mark.parametrize("text, reading", [
    ("r^Tr", "r' r"), ("x^Tby", "x' b y"),  # (a transpose's T before letters is no name Tr or Tby)
    ("A/sigma", "A / sigma"), ("X'X/sigma^2", "(X' X) / (sigma^2)"),  # (a division is no product)
    ("W - G eta", "W - G eta"),  # (eta a vector does not fit: the step size is a scalar)
    ("(A + B s)^-1 b", "inv(A + B s) b"),  # (an inverse is no entrywise power)
    ("sum(r)/2 logdet(S)", "(sum(r) / 2) logdet(S)"), ("tr(A)/2 x'x", "(tr(A) / 2) x' x"),
    ("x ./ pi", "x / pi"), ("sum(sqrt(delta^2 + (A x - b).^2) - delta)", "sum(sqrt(delta^2 + (A x - b).^2) - delta)")])
def test_look_alikes_of_the_refused_readings_read_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


def test_a_power_run_into_a_declared_scalar_t_is_a_product():
    assert matcalc.parse("A^2T", where="T: scalar").reading == "A^2 T"


@pytest.mark.parametrize("text, vector", [("sum(y .* log(lambda) - lambda)", "lambda"),
                                          ("sum(y .* eta - exp(eta))", "eta")])
def test_a_guessed_greek_scalar_is_not_spread_over_an_array_that_holds_it(text, vector):
    """The Poisson log-likelihood read lambda as a number spread over y: its gradient sum(y)/lambda - n."""
    assert f"{vector}: vector(n)" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, run", [("w' Rx w - 2 w' p", "Rx"), ("tr(Pk H' H)", "Pk"), ("logdet(Kx) + tr(Kx^-1 S)", "Kx")])
def test_a_capital_and_a_small_letter_run_together_with_the_letter_a_scalar_is_refused(text, run):
    with pytest.raises(ParseError, match=re.escape(f"to use '{run}' as one name")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading, inferred", [("Kx", "K x", "K: matrix(m,n); x: vector(n)"),
                                                     ("x'Ax", "x' A x", "A: matrix(n,n); x: vector(n)"),
                                                     ("Ab", "A b", "A: matrix(m,n); b: vector(n)")])
def test_a_capital_and_a_small_letter_run_together_as_a_product_with_a_vector_reads_as_written(text, reading, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, inferred)


@pytest.mark.parametrize("text, wrt", [("sum(exp(X theta))", "theta"), ("log(sum(exp(W beta)))", "beta"),
                                       ("sum((X beta).^2)", "beta"), ("sum(X theta)", "theta")])
def test_a_greek_name_after_a_matrix_in_a_scalar_function_is_refused_where_the_vector_fits(text, wrt):
    """grad of sum(exp(X theta)) by theta read theta as a number and returned <exp(theta X), X>."""
    with pytest.raises(MatcalcError, match=re.escape(f"where='{wrt}: vector(n)'")):
        matcalc.grad(text, wrt)


def test_a_greek_name_after_a_matrix_where_the_vector_does_not_fit_stays_a_scalar():
    assert "lambda: scalar" in matcalc.grad("tr(W lambda)", "W").where


@pytest.mark.parametrize("text, vector", [("sum(omega .* (y - X theta).^2)", "omega"), ("lambda .* x", "lambda"),
                                          ("sum(lambda .* (A x - b))", "lambda"), ("||sigma .* z + mu - x||^2", "sigma")])
def test_a_greek_name_in_an_entrywise_operation_with_an_array_is_a_vector(text, vector):
    assert f"{vector}: vector(" in matcalc.parse(text).inferred


def test_the_norm_of_a_matrix_times_a_greek_name_reads_the_name_as_a_vector():
    """||X alpha||^2 was refused for the spectral norm, whose advice (||X alpha||_F) read alpha a number."""
    assert str(matcalc.grad("||X alpha||^2", "alpha")) == "2 X' X alpha"


@pytest.mark.parametrize("text", ["tr(inv(K + C I))", "p' inv(V V' + N I) p"])
def test_a_capital_before_the_identity_is_a_scalar(text):
    assert ": scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, name", [("tr(inv(K + C I))", "C"), ("||X I - A||_F^2", "X")])
def test_a_capital_read_as_the_coefficient_of_an_identity_is_said_in_a_note(text, name):
    """||X I - A||_F^2 read X as a number, with no word: its gradient was 2 (k X - tr(A))."""
    notes = matcalc.parse(text).notes
    assert any(n.startswith(f"{name} is read as a number, the coefficient of the I") for n in notes)
    with pytest.warns(matcalc.MatcalcWarning, match=f"{name} is read as a number"):
        matcalc.grad(text, name)


@pytest.mark.parametrize("text", ["tr(A I B)", "tr(A * I * B)", "tr(AIB)"])
def test_a_capital_before_an_identity_absorbed_by_the_next_factor_is_said_in_a_note(text):
    """tr(A I B) read A as a number and the I vanished into B: the gradient by A was tr(B), with no word."""
    with pytest.warns(matcalc.MatcalcWarning, match="A is read as a number, the coefficient of the I"):
        matcalc.grad(text, "A")


@pytest.mark.parametrize("text, name", [("N/2 I + A", "N"), ("logdet((n - 1) I + A)", "n"), ("2 N^2 * I + A", "N")])
def test_a_name_in_a_coefficient_of_the_identity_is_a_number(text, name):
    """N/2 I + A read N as a matrix, N/2 I as N/2 (the I gone): logdet(N/2 I + A) was logdet(N/2 + A)."""
    assert f"{name}: scalar" in matcalc.parse(text).inferred


def test_a_transposed_capital_before_the_identity_gets_no_note():
    assert matcalc.parse("A' I B").notes == []


def test_t_before_the_identity_asks_for_its_declaration():
    with pytest.raises(MatcalcError, match=re.escape("where='T: scalar'")):
        matcalc.parse("mu' (Phi + T I) mu")


@pytest.mark.parametrize("text, where", [("||theta - mu||^2", "theta: scalar"), ("(a - b)'(a - b)", "a: scalar")])
def test_a_transposed_group_with_a_declared_scalar_reads_as_scalars(text, where):
    assert matcalc.parse(text, where=where).shape == ()


@pytest.mark.parametrize("text, inferred", [("(A + B s)^2", "A: matrix(m,m); B: matrix(m,m); s: scalar"),
                                             ("sum(log(lambda) - lambda x)", "lambda: scalar; x: vector(n)"),
                                             ("sum(mu x - mu)", "mu: scalar; x: vector(n)")])
def test_matrix_squares_and_coefficients_read_as_before(text, inferred):
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (text, inferred)


@pytest.mark.parametrize("text, wrt, where", [
    ("-1/2 logdet(s I) - 1/2 x' (s I)^-1 x", "s", "x: vector(n); s: scalar"),
    (r"-\frac{1}{2}\log\det(s I) + x^\top x", "x", "s: scalar"),
    ("tr(s I) + x'x", "x", "s: scalar"),
])
def test_a_derivative_refuses_an_identity_whose_size_nothing_fixes(text, wrt, where):
    """logdet(s I) was read as logdet(s I_k): the gradient held dim(k), a size no value could give."""
    with pytest.raises(ParseError, match=r"size you mean, I_n or eye\(n\)") as e:
        matcalc.grad(text, wrt, where=where)
    assert e.value.column is not None


@pytest.mark.parametrize("text", ["-1/2 logdet(s I_n) - 1/2 x' (s I)^-1 x", "-1/2 logdet(s eye(n)) - 1/2 x' (s I)^-1 x"])
def test_an_identity_with_its_size_written_is_differentiated(text):
    r = matcalc.grad(text, "s", where="x: vector(n); s: scalar")
    assert str(r) == "(x' x / s - n) / (2 s)"


def test_an_expression_alone_keeps_an_identity_of_its_own_size():
    assert str(matcalc.parse("2 I")) == "2 I_k"


@pytest.mark.parametrize("text, wrt, where", [
    ("logdet(kron(eye(2), A) + I)", "A", "A: matrix(n,n)"),
    ("vec(X)' (kron(eye(2), A) + I) vec(X)", "X", "A: matrix(n,n); X: matrix(n,2)"),
    ("logdet(vec(X) vec(X)' + I)", "X", "X: matrix(2,n)"),
])
def test_an_identity_sized_by_a_number_times_a_size_is_differentiated(text, wrt, where):
    """kron(eye(2), A) + I fixes the size of I as 2*n: the number in it is fixed too."""
    assert matcalc.grad(text, wrt, where=where).check().ok


@pytest.mark.parametrize("where, advice", [("x: vector(n_x); s: scalar", "eye(n_x)"),
                                           ("x: vector(m); n, s: scalar", "I_m or eye(m)"),
                                           ("s: scalar; x: vector(3)", "eye(3)"),
                                           ("s, x: scalar", "I_n or eye(n) for a size n")])
def test_the_refusal_of_a_sizeless_identity_suggests_a_size_that_reads(where, advice):
    with pytest.raises(ParseError, match=re.escape(advice)):
        matcalc.grad("x'x + logdet(s I)", "s", where=where)


def test_a_question_that_cannot_be_asked_is_refused_before_a_sizeless_identity():
    with pytest.raises(MatcalcError, match="not a variable"):
        matcalc.grad("logdet(s I)", "x", where="s: scalar")


def test_an_expression_with_a_sizeless_identity_is_refused_under_new_declarations_too():
    """Read again under where=..., its I printed as I_k, which looked like a size the person typed."""
    with pytest.raises(ParseError, match="fixes the size of this I"):
        matcalc.grad(matcalc.parse("logdet(s I)"), "s", where="s: scalar")


@pytest.mark.parametrize("text", ["1/2 (y - X beta)^2", r"\frac{1}{2}(\mathbf{y} - \mathbf{X}\boldsymbol{\beta})^2",
                                  "(y - Phi w)^2", "(x - A mu)^2"])
def test_a_squared_group_with_a_greek_name_after_a_matrix_is_refused_as_the_latin_one_is(text):
    # read with X, beta and y scalars (against their looks), and the gradient was X (X beta - y)
    with pytest.raises(matcalc.ShapeError, match="against their looks; for the squared norm"):
        matcalc.grad(text, "w" if "w" in text and "beta" not in text else "mu" if "mu" in text else "beta")


@pytest.mark.parametrize("text", ["(X beta)^2", "(W theta)^2"])
def test_a_product_of_a_matrix_and_a_greek_name_squared_is_refused_as_a_matrix_power(text):
    with pytest.raises(matcalc.ShapeError, match="so that .* is a square matrix and \\^2 its matrix power"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\frac12 |A\mathbf{x} - \mathbf{b}|^2", r"\frac{1}{2}|y - Xw|^2",
                                  r"\left|A x - b\right|^2", "abs(A x - b)^2"])
def test_a_squared_absolute_value_of_a_matrix_vector_residual_is_refused_with_the_norm(text):
    # |Ax - b|^2 read A, b and x as scalars: the gradient by x was A (A x - b)
    with pytest.raises(matcalc.ShapeError, match=r"for the squared norm of the vector write \|\|"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, form", [("mu Sigma mu", "mu' Sigma mu"), ("theta Sigma theta", "theta' Sigma theta"),
                                        ("x A x", "x' A x"), ("sigma^2 + mu Sigma^-1 mu", "mu' Sigma^-1 mu")])
def test_a_spaced_quadratic_form_without_its_transpose_is_refused_with_the_form(text, form):
    # mu Sigma mu read mu and Sigma as numbers (the gradient 2 Sigma mu); x A x, under jacobian(), x a number
    for read in (matcalc.parse, lambda t: matcalc.parse(t, want_scalar=True)):
        with pytest.raises(matcalc.ShapeError, match=re.escape(f"for the quadratic form write {form}")):
            read(text)


@pytest.mark.parametrize("text", ["t A x + b", "c A x", "(sigma A)^2", "abs(x)^2", "lambda A x"])
def test_a_coefficient_before_a_matrix_still_reads_as_written(text):
    assert "scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text, reading, kinds, power", [
    ("(I - A tau)^2", "(I - A tau)^2", "A: matrix(k,k); tau: scalar", "(I - tau A)^2"),
    ("tr((I - A tau)^2)", "tr((I - A tau)^2)", "A: matrix(k,k); tau: scalar", "(I - tau A)^2"),
    ("(eye(n) - A tau)^2", "(eye(n) - A tau)^2", "A: matrix(n,n); tau: scalar", "(I - tau A)^2"),
    ("(2 I - A tau)^2", "(2 I - A tau)^2", "A: matrix(k,k); tau: scalar", "(2 I - tau A)^2"),
    ("tr((A beta)^2)", "tr((A beta)^2)", "A: matrix(m,m); beta: scalar", "A^2"),  # (beta^2 tr(A^2))
    ("logdet((A beta)^2)", "logdet((A beta)^2)", "A: matrix(m,m); beta: scalar", "A^2"),  # (logdet(beta^2 A^2))
])
def test_a_squared_group_that_is_a_matrix_anyway_still_reads_as_a_matrix_power(text, reading, kinds, power):
    # refused for a day as (y - X beta)^2 is: an identity term or a trace makes the group a square matrix
    e = matcalc.parse(text)
    assert (e.reading, e.inferred) == (reading, kinds)
    assert [str(n) for n in e.node.walk() if isinstance(n, MatPow)] == [power]


def test_a_step_written_with_delta_glued_to_a_letter_is_refused_with_both_readings():
    # 1/2 g (Δt)^2 read Δt as the two numbers Delta t; ||x + Δx||^2 read Delta a matrix times x, and its
    # gradient was 2 (Delta' + I) (Delta x + x): Δt, Δx are one quantity in papers
    for text in ("1/2 g (Δt)^2", "||x + Δx||^2", "(x + δx)' A (x + δx)", r"\|x - \Delta x\|^2"):
        with pytest.raises(ParseError, match=r"has two readings: one quantity"):
            matcalc.parse(text)


def test_a_squared_group_of_two_numbers_reads_as_the_square_of_their_product():
    # (with Delta declared a number, Δ t is Delta times t: no matrix power)
    e = matcalc.parse("1/2 g (Δ t)^2", where="Delta: scalar")
    assert (e.reading, e.inferred) == ("(1 / 2) g ((Delta t)^2)", "Delta: scalar; g: vector(n); t: scalar")
    assert not any(isinstance(n, MatPow) for n in e.node.walk())


@pytest.mark.parametrize("text", [r"c A \otimes B", r"\frac{1}{n} A \otimes B", r"\sigma^2 I \otimes K",
                                  "c A ⊗ B", "(1/n) A ⊗ B", "σ²I ⊗ K"])
def test_a_scalar_coefficient_before_a_kronecker_product_reads_as_one(text):
    assert "kron(" in matcalc.parse(text).reading


@pytest.mark.parametrize("text", ["x A' x", "mu Sigma' mu", "x*A*x", "x A^-1 x"])
def test_a_quadratic_form_without_its_transpose_is_refused_whatever_its_middle(text):
    with pytest.raises(matcalc.ShapeError, match="for the quadratic form write"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("det A det B", "det(A) det(B)"), ("tr A tr B", "tr(A) tr(B)"),
                                           (r"\det A\det B", "det(A) det(B)")])
def test_a_product_of_two_reductions_without_parentheses_reads_as_their_product(text, reading):
    # refused as det(A det B), which nobody means
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, form", [("xAy", "x' A y"), ("uMv", "u' M v"), ("xAy + b", "x' A y")])
def test_a_bilinear_form_run_together_without_its_transpose_is_refused(text, form):
    # xAy read x as a number (x A y, a vector): jacobian() answered x A
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"for the bilinear form write {form}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, wrt, where, advice", [
    ("tr(log(S))", "S", "S: matrix(n,n) spd", r"write logdet\(S\).*sum\(log\(diag\(S\)\)\)"),
    (r"\operatorname{tr}(\log \Sigma)", "Sigma", r"\Sigma: matrix(n,n) spd", r"logdet\(Sigma\)"),
    ("tr log X", "X", "", r"logdet\(X\)"),
    ("tr(exp(X))", "X", "", r"sum\(exp\(diag\(X\)\)\)"),
    ("tr(sqrt(X)')", "X", "", r"sum\(sqrt\(diag\(X\)\)\)"),
    ("tr(rho log(rho))", "rho", "rho: matrix(n,n)", r"tr\(rho L\) where L = log\(rho\)"),
    ("tr(X log(X) - X log(Y))", "X", "", r"tr\(X L - X M\) where L = log\(X\), M = log\(Y\)"),
    ("tr(log1p(X))", "X", "", r"write logdet\(I \+ X\)"), ("tr(expm1(X))", "X", "", r"sum\(expm1\(diag\(X\)\)\)"),
])
def test_the_trace_of_a_log_exp_or_sqrt_of_a_square_matrix_is_refused_as_the_matrix_function(text, wrt, where, advice):
    with pytest.raises(MatcalcError, match="papers mean the matrix") as e:
        matcalc.grad(text, wrt, where=where)
    assert re.search(advice, str(e.value))


@pytest.mark.parametrize("text, where", [("tr(A log(S))", "A, S: matrix(3,3)"),
                                         ("tr(O exp(-beta H))", "H, O: matrix(4,4); beta: scalar"),
                                         ("det(exp(X))", "X: matrix(2,2)")])
def test_a_matrix_function_of_a_matrix_of_numeric_square_size_is_refused_as_of_a_symbolic_one(text, where):
    # two sizes declared as the number 3 were not found to be one, so the refusal took the matrix for rectangular
    with pytest.raises(MatcalcError, match="papers mean the matrix"):
        matcalc.parse(text, where=where)


def test_an_entrywise_function_of_a_matrix_of_numeric_rectangular_size_in_a_trace_reads():
    assert str(matcalc.parse("tr(A log(S))", where="A: matrix(3,2); S: matrix(2,3)")) == "tr(log(S) A)"


@pytest.mark.parametrize("text, where, gradient", [
    ("sum(log(diag(X)))", "", "diag(1 ./ diag(X))"), ("sum(diag(log(X)))", "", "I ./ X"),
    ("tr(L) where L = log(X)", "", "I ./ X"), ("tr(log(D))", "D: matrix(n,n) diagonal", "D.^-1"),
    ("tr(K' K ./ exp(X))", "", "-((K' K) .* I ./ exp(X))"), ("tr(W tanh(X))", "", "(1 - tanh(X).^2) .* W'"),
    ("sum(exp(X))", "", "exp(X)"), ("<A, log(X)>", "", "A ./ X"),
    ("tr(exp(x)' A x)", "x: vector(n)", "A' exp(x) + (A x) .* exp(x)"),
])
def test_entrywise_functions_inside_a_trace_still_read_where_no_matrix_function_is_meant(text, where, gradient):
    # (each gradient is the entrywise function's: for tr(L) where L = log(X) the matrix logarithm's is X^-T)
    assert str(matcalc.grad(text, "X" if "X" in text else "D" if "D" in text else "x", where=where)) == gradient


@pytest.mark.parametrize("text, wrt, where, advice", [
    ("det(exp(X))", "X", "", r"write exp\(tr\(X\)\).*det\(P\) where P = exp\(X\)"),
    ("logdet(exp(X))", "X", "", r"logdet\(exp\(X\)\) = tr\(X\): write tr\(X\)"),
    ("log(det(sqrt(S)))", "S", "S: matrix(n,n) spd", r"write sqrt\(det\(S\)\)"),
    ("logdet(sqrt(S))", "S", "S: matrix(n,n) spd", r"write logdet\(S\) / 2"),
    ("det(log(X))", "X", "", r"det\(P\) where P = log\(X\)"),
    ("det(2 exp(X)')", "X", "", r"det\(2 P'\) where P = exp\(X\)"),
    ("det(exp(diag(x)))", "x", "", r"the matrix exponential is diag\(exp\(x\)\)"),
    ("det(exp(D))", "D", "D: matrix(n,n) diagonal", r"det\(P\) where P = exp\(D\)"),
    (r"\log|\exp(X)|", "X", "", r"det\(P\) where P = exp"),
    (r"|\sqrt{\Sigma}|", "Sigma", "", r"write sqrt\(det\(Sigma\)\)"),
])
def test_the_determinant_of_a_log_exp_or_sqrt_of_a_square_matrix_is_refused_as_the_matrix_function(
        text, wrt, where, advice):
    # det(exp(X)) read the entrywise exponential: the gradient det(exp(X)) (exp(X) .* exp(X)^-T), where papers
    # mean exp(tr(X)), whose gradient is exp(tr(X)) I; LaTeX bars were then read as an absolute value instead
    with pytest.raises(MatrixFunctionError, match="inside a determinant papers mean the matrix") as e:
        matcalc.grad(text, wrt, where=where)
    assert re.search(advice, str(e.value))


@pytest.mark.parametrize("text, wrt, where, gradient", [
    ("det(P) where P = exp(X)", "X", "", "det(P) (P .* P^-T) where P = exp(X)"),
    ("logdet(2 P) where P = log(X)", "X", "", "log(X)^-T ./ X"),
    ("exp(tr(X))", "X", "", "exp(tr(X)) I_m"),
    ("det(sqrt(D))", "D", "D: matrix(n,n) diagonal", "det(sqrt(D)) D.^-1 / 2"),
    ("det(sqrt(diag(x)))", "x", "", "det(diag(sqrt(x))) ./ (2 x)"),
    ("det(exp(X) .* A)", "X", "", "det(exp(X) .* A) (exp(X) .* A .* (exp(X) .* A)^-T)"),
    ("logdet(A exp(X))", "X", "", "(((A exp(X))^-1 A) .* exp(X'))'"),
    ("det(exp(a) X)", "X", "a: scalar", "det(exp(a) X) X^-T"),
    ("exp(logdet(X))", "X", "", "exp(logdet(X)) X^-T"),
    ("logdet(exp(W) X)", "X", "W: matrix(n,m); X: matrix(m,n)", "exp(W') (X' exp(W'))^-1"),
])
def test_entrywise_functions_inside_a_determinant_still_read_where_no_matrix_function_is_meant(
        text, wrt, where, gradient):
    # named with where, of a diagonal matrix (the square root only), a factor of a product or an entrywise
    # product, a scalar's, or a rectangular matrix's
    assert str(matcalc.grad(text, wrt, where=where)) == gradient


_D3 = np.diag([1.0, 2.0, 3.0])


@pytest.mark.parametrize("text, wrt, where, values, value, gradient", [
    ("tr(log(D))", "D", "D: matrix(n,n) diagonal", {"D": _D3}, np.log(6.0), np.diag([1.0, 1 / 2, 1 / 3])),
    ("det(sqrt(D))", "D", "D: matrix(n,n) diagonal", {"D": _D3}, np.sqrt(6.0),
     np.sqrt(6.0) * np.diag([1 / 2, 1 / 4, 1 / 6])),
    ("det(sqrt(diag(x)))", "x", "", {"x": np.array([1.0, 2.0, 3.0])}, np.sqrt(6.0),
     np.sqrt(6.0) * np.array([1 / 2, 1 / 4, 1 / 6])),
])
def test_a_function_of_a_diagonal_matrix_read_where_only_its_diagonal_counts_evaluates_at_one(
        text, wrt, where, values, value, gradient):
    # the readings above and their gradients are right on the diagonal, where only the diagonal counts;
    # evaluate computed the entries off it too (log(0), 0 / 0) and refused every input
    np.testing.assert_allclose(matcalc.parse(text, where=where).evaluate(values), value)
    np.testing.assert_allclose(matcalc.grad(text, wrt, where=where).evaluate(values), gradient)


_SPD = "S, S1, S2, Sigma: matrix(n,n) spd; D: matrix(n,n) diagonal spd; A: matrix(n,n); x: vector(n); t: scalar"


@pytest.mark.parametrize("text, advice", [
    ("||log(S1) - log(S2)||_F^2", r"S1 is declared spd.*matrix logarithm"),
    ("||log(S1^-1 S2)||_F", r"S1 and S2 are declared spd"),
    ("sqrt(Sigma) x", r"matrix square root.*where L = sqrt\(Sigma\), or Sigma \.\^ \(1/2\)"),
    ("inv(sqrt(S)) x", r"matrix square root"), (r"\sqrt{\Sigma}\, x", r"matrix square root"), ("√Σ x", "square root"),
    ("exp(-t S) x", r"matrix exponential.*where L = exp\(-t S\)"), ("log(S + I) x", "matrix logarithm"),
    ("<A, log(S)>", "matrix logarithm"),
])
def test_a_log_exp_or_sqrt_of_a_declared_spd_matrix_is_refused_as_the_matrix_function(text, advice):
    # ||log(S1) - log(S2)||_F^2 (the log-Euclidean distance) read entrywise: the gradient 2 ((log(S1) - log(S2)) ./ S1),
    # and log(S) x failed to evaluate wherever an off-diagonal entry of S was negative
    with pytest.raises(MatrixFunctionError, match="and of an spd matrix papers mean the matrix") as e:
        matcalc.parse(text, where=_SPD)
    assert re.search(advice, str(e.value))


@pytest.mark.parametrize("text, reading", [
    ("sqrt(D) x", "sqrt(D) x"), ("log(x' S x)", "log(x' S x)"), ("log(S .* A)", "log(S .* A)"), ("exp(A) x", "exp(A) x"),
    ("S .^ 0.5 x", "(S.^(1/2)) x"), ("log(S A)", "log(S A)"), ("tr(L) where L = log(S)", "tr(L) where L = log(S)"),
    ("log(I + A) x", "log(I + A) x"), ("tr(log(D))", "tr(log(D))"), ("log1p(D) x", "log1p(D) x"),
    ("det(expm1(D))", "det(expm1(D))")])
def test_entrywise_functions_of_matrices_not_built_from_spd_ones_still_read(text, reading):
    # a diagonal matrix's square root (one meaning), a scalar's, an entrywise product's, a product with a
    # general matrix, the explicit entrywise power and a where name
    assert matcalc.parse(text, where=_SPD).reading == reading


@pytest.mark.parametrize("text, wrt", [("x' S .^ 0.5 x", "S"), ("sum((S + I) .^ 0.5)", "S"), ("x' S .^ 0.5 x", "x")])
def test_the_entrywise_square_root_of_an_spd_matrix_prints_as_a_power_and_reads_back(text, wrt):
    r = matcalc.grad(text, wrt, where=_SPD)
    assert ".^(1/2)" in str(r) and "sqrt" not in str(r)
    assert str(matcalc.parse(str(r), where=r.where)) == str(r)
    assert r"^{\circ" in r.latex()


_DIAG = "Lambda, D: matrix(n,n) diagonal; V, A: matrix(n,n); x0, x, d: vector(n); t: scalar"


@pytest.mark.parametrize("text, spelled", [
    ("V exp(t Lambda) V^-1 x0", r"diag\(exp\(diag\(t Lambda\)\)\)"), ("exp(diag(d)) x", r"write diag\(exp\(d\)\)"),
    ("log(D) x", r"diag\(log\(diag\(D\)\)\)"), ("exp(t I) x", "exp"), ("exp(-t D) x0", "exp"), ("exp(D) .* A", "exp"),
])
def test_an_exp_or_log_of_a_diagonal_matrix_is_refused_as_the_matrix_function(text, spelled):
    # V exp(t Lambda) V^-1 x0 (a linear ODE through its eigenvalues) read exp(t Lambda) entrywise, ones off its diagonal
    with pytest.raises(MatrixFunctionError, match="is a diagonal matrix, and of one papers mean the matrix") as e:
        matcalc.parse(text, where=_DIAG)
    assert re.search(spelled, str(e.value))


@pytest.mark.parametrize("text", ["tr(exp(D))", "diag(exp(D))' x", "sum(exp(D) .* I)", "tr(exp(t D) .* D)", "sqrt(D) x",
                                  "diag(exp(d)) x", "exp(A) x"])
def test_a_function_of_a_diagonal_matrix_reads_where_only_its_diagonal_counts(text):
    # a trace or diagonal of it, an entrywise product with a diagonal matrix, a square root (sqrt(0) = 0)
    assert matcalc.parse(text, where=_DIAG).reading == text


@pytest.mark.parametrize("text, wrt", [("tr(exp(D))", "D"), ("diag(exp(D))' x", "D"), ("tr(exp(t D))", "t")])
def test_the_answers_of_a_diagonal_matrixs_functions_read_back(text, wrt):
    r = matcalc.grad(text, wrt, where=_DIAG)
    assert str(matcalc.parse(str(r), where=r.where)) == str(r)


@pytest.mark.parametrize("text, reading", [
    ("tr(-exp(D))", "tr(-exp(D))"), ("diag(2 exp(D))", "diag(2 exp(D))"), ("sum(diag(exp(D) D))", "sum(diag(exp(D) D))"),
    ("tr(exp(t D) .* D.^2)", "tr(exp(t D) .* (D.^2))"), ("exp(D) .* A .* I", "(exp(D) .* A) .* I"),
    ("(exp(D) .* A) .* I", "(exp(D) .* A) .* I")])
def test_a_function_of_a_diagonal_matrix_reads_through_the_linear_parts_of_a_trace_or_diagonal(text, reading):
    # only its diagonal counts there; these read before the rule and are what the printers write
    assert matcalc.parse(text, where=_DIAG).reading == reading


@pytest.mark.parametrize("text", ["exp(D^-1) x", "exp(D .^ 2) x", "exp(D .* A) x", "exp(-t D^2) x0"])
def test_powers_and_entrywise_products_of_a_diagonal_matrix_are_diagonal(text):
    with pytest.raises(MatrixFunctionError, match="is a diagonal matrix"):
        matcalc.parse(text, where=_DIAG)


@pytest.mark.parametrize("text", ["tr(log(D))", "diag(log(D))' x", "exp(D) .* I", "log1p(D) x", "det(expm1(D))"])
def test_a_diagonal_spd_matrix_keeps_what_a_diagonal_one_reads(text):
    # the spd rule came first and refused them with its own advice
    assert matcalc.parse(text, where="D: matrix(n,n) diagonal spd; x: vector(n)").reading == text


@pytest.mark.parametrize("text, wrt, where", [
    ("det(P) where P = exp(X)", "X", ""), ("x' L y where L = log(S)", "x", "S: matrix(n,n) spd; x, y: vector(n)"),
    ("tr(P) where P = log(S)", "S", "S: matrix(n,n) spd"), ("-sum(P .* L) where L = log(P)", "P", "P: matrix(n,n) spd"),
    ("u' K v where K = exp(-C / e)", "u", "C: matrix(n,n) spd; u, v: vector(n); e: scalar"),
    ("det(X .^ 0.5)", "X", ""), ("x' E x where E = exp(D)", "x", "D: matrix(n,n) diagonal; x: vector(n)"),
])
def test_the_answer_of_an_entrywise_function_named_as_the_advice_says_reads_back(text, wrt, where):
    # the printers wrote the definition back inline (det(exp(X)) (exp(X) .* exp(X)^-T)), which the reader refuses
    r = matcalc.grad(text, wrt, where=where)
    assert matcalc.parse(str(r), where=r.where).node is r.node
    assert matcalc.parse(r.latex(), where=r.where).node is r.node


def test_an_expression_read_from_such_a_where_name_prints_with_one_and_reads_back():
    e = matcalc.parse("tr(P) where P = log(S)", where="S: matrix(n,n) spd")
    assert str(e) == "tr(P) where P = log(S)"
    assert matcalc.parse(str(e), where="S: matrix(n,n) spd").node is e.node


def test_the_advice_names_no_part_with_a_declared_name():
    with pytest.raises(MatrixFunctionError) as e:
        matcalc.parse("det(exp(X))", where="P: matrix(n,n); Q: matrix(n,n)")
    assert "det(L) where L = exp(X)" in str(e.value)


def test_a_matrix_function_refusal_is_not_a_shape_error_that_another_reading_would_retry():
    assert not issubclass(MatrixFunctionError, matcalc.ShapeError)
    with pytest.raises(MatrixFunctionError):
        matcalc.jacobian("exp(t S) x0", "t", where="S: matrix(n,n) spd; x0: vector(n); t: scalar")


@pytest.mark.parametrize("text, what", [
    ("expm(X)", "exponential"), ("tr(logm(S))", "logarithm"), ("sqrtm(Sigma) x", "square root"),
    ("Exp(X)", "exponential"), ("Log(S)", "logarithm"), (r"\operatorname{expm}(X)", "exponential"),
    (r"\mathrm{logm}(S)", "logarithm"), ("scipy.linalg.expm(X)", "exponential"), ("torch.matrix_exp(X)", "exponential"),
    ("matrix_exp(X)", "exponential"), ("powm(S, 0.5)", "power"), ("x' expm (A) y", "exponential"),
])
def test_a_matrix_function_named_as_libraries_write_it_is_refused_as_one_matcalc_does_not_have(text, what):
    # the unknown-function message listed exp and log (entrywise) and told Exp(X) to write exp(...);
    # matrix_exp(X), declared as asked, read as a product
    with pytest.raises(ParseError, match=f"is (in papers )?the matrix {what}, which matcalc does not have") as e:
        matcalc.parse(text)
    if what != "power":
        assert "entry by entry" in str(e.value) and "logdet(S)" in str(e.value)


def test_a_declared_name_spelled_as_a_matrix_function_is_the_users_own():
    assert str(matcalc.parse("expm x", where="expm: scalar; x: vector(n)")) == "expm x"
    assert str(matcalc.parse("expm(X) where expm = 2")) == "2 X"


@pytest.mark.parametrize("text, printed", [("s sum(log(X) .* I)", "sum(diag(log(X)))"),
                                           ("s <I, exp(X)>", "sum(diag(exp(X)))"),
                                           ("s tr(A L) where L = log(X)", "sum(diag(log(X) A))"),
                                           ("s tr(A L) where L = X .^ 0.5", "sum(diag(sqrt(X) A))")])
def test_an_entrywise_function_traced_prints_as_the_sum_of_the_diagonal_and_reads_back(text, printed):
    r = matcalc.grad(text, "s", where="s: scalar; X: matrix(n,n)")
    assert str(r.expr) == printed
    assert str(matcalc.parse(str(r.expr), where=r.where)) == printed
    assert r"\operatorname{diag}" in r.latex()


@pytest.mark.parametrize("text", ["sum(log(gamma(y + r)))", r"\log(\Gamma(r))", "Γ(r)", r"\|\phi_1(x) - y\|^2",
                                  "||psi_2(W x) - y||^2", r"\phi_\theta(x)", r"\log(\pi_\theta(a))", "f_theta(x)",
                                  "h_t(W x)"])
def test_a_function_letter_with_or_without_a_subscript_before_parentheses_is_refused_as_a_call(text):
    with pytest.raises(MatcalcError, match="reads as a function"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\|P_\Omega(X - UV^\top)\|_F^2", "‖P_Ω(X − UVᵀ)‖²_F",
                                  r"\|\mathcal{P}_\Omega(X - UV^\top)\|_F^2"])
def test_the_sampling_operator_of_matrix_completion_is_refused_with_the_mask_to_write(text):
    with pytest.raises(MatcalcError, match=r"Omega \.\* \(\.\.\.\)"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(sigma'(W x) .* d)", "f'(x)", r"f^\prime(x)", r"\phi'(x)",
                                  r"\mathbf{1}^\top (\sigma'(z) \odot \delta)", "σ'(z)"])
def test_a_primed_function_letter_before_parentheses_is_refused_as_a_derivative(text):
    with pytest.raises(MatcalcError, match="reads as the derivative"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("x'(A x)", "x' (A x)"), ("w'(x - mu)", "w' (x - mu)"),
                                           ("gamma (x'x)", "gamma (x' x)"), ("sigma' (x - mu)", "sigma' (x - mu)"),
                                           # a gradient g and a hidden state h are vectors: the first-order model
                                           ("g'(x - x_k) + L/2 ||x - x_k||^2", "g' (x - x_k) + (L / 2) (||x - x_k||^2)"),
                                           (r"g^\top(x - x_k)", "g' (x - x_k)"), ("gᵀ(x − xₖ)", "g' (x - x_k)"),
                                           # a name the formula also uses as an operand is a variable
                                           ("gamma(1 - gamma)", "gamma (1 - gamma)"), ("f'(y - f)", "f' (y - f)"),
                                           ("h_t(1 - h_t)", "h_t (1 - h_t)"),
                                           ("(x - mu)' Gamma(x - mu)", "(x - mu)' Gamma (x - mu)"),
                                           ("x - gamma_k(A'(A x - b))", "x - gamma_k (A' (A x - b))")])
def test_a_transpose_or_a_coefficient_before_parentheses_still_multiplies(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, formula", [("tanh^-1 x", r"log\(\(1 \+ x\) \./ \(1 - x\)\) / 2"),
                                           (r"\tanh^{-1}(x)", r"log\(\(1 \+ x\)"),
                                           ("sigmoid^-1(p)", r"log\(x \./ \(1 - x\)\)")])
def test_an_inverse_function_without_a_name_is_refused_with_its_formula_not_the_reciprocal_alone(text, formula):
    with pytest.raises(ParseError, match="is the inverse function") as e:
        matcalc.parse(text)
    assert re.search(formula, str(e.value))


def test_an_entrywise_function_of_a_rectangular_matrix_inside_a_trace_still_reads():
    # a rectangular matrix has no matrix square root: a <W .^ 0.5, A C> printed tr(sqrt(W) C' A'), then refused
    r = matcalc.grad("a <W .^ 0.5, A C>", "a", where="A: matrix(m,n); C: matrix(n,n); W: matrix(m,n) positive; a: scalar")
    assert str(r) == "tr(sqrt(W) C' A')"
    assert str(matcalc.parse(str(r), where=r.where)) == str(r)


@pytest.mark.parametrize("text, where, reading", [
    ("tr(log(D'))", "D: matrix(n,n) diagonal", "tr(log(D'))"),
    ("tr(exp(-t Lambda))", "Lambda: matrix(n,n) diagonal; t: scalar", "tr(exp(-(t Lambda)))"),
    ("tr(log(I + Lambda))", "Lambda: matrix(n,n) diagonal", "tr(log(I + Lambda))"),
    ("tr(log(diag(s)))", "s: vector(n)", "tr(log(diag(s)))"),
])
def test_the_trace_of_a_function_of_a_diagonal_matrix_reads_having_one_meaning(text, where, reading):
    # (the matrix function and the entrywise one agree on a diagonal matrix: nothing to refuse)
    e = matcalc.parse(text, where=where)
    assert (e.reading, e.shape) == (reading, ())


@pytest.mark.parametrize("text, where", [("tr(A log(D))", "D: matrix(n,n) diagonal; A: matrix(n,n)"),
                                         ("tr(log(S)^2)", "S: matrix(n,n) spd"),
                                         ("tr(inv(sqrt(S)) A)", "S: matrix(n,n) spd; A: matrix(n,n)")])
def test_a_matrix_function_inside_a_product_or_a_power_under_a_trace_is_refused(text, where):
    # (of a diagonal D too: A log(D) counts log(0) off the diagonal, where the matrix logarithm has 0)
    with pytest.raises(MatcalcError, match="papers mean the matrix"):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, reading", [("log(G .^ 2 + t) x", "log(G.^2 + t) x"), ("exp(G + t) x", "exp(G + t) x")])
def test_a_diagonal_matrix_plus_a_scalar_is_full_and_its_log_reads_entrywise(text, reading):
    # G .^ 2 + t adds t to every entry; it was called "a diagonal matrix" and its log refused as a matrix log
    assert matcalc.parse(text, where="G: matrix(n,n) diagonal; t: scalar positive; x: vector(n)").reading == reading


@pytest.mark.parametrize("text", ["d(x'A x)", "tr(d(X^2))", "2 d(x'x)"])
def test_a_pasted_differential_d_of_a_group_is_refused_not_read_as_d_times_it(text):
    # a step of a derivation pasted back read d(x' A x) as (x' A x) d, with d a new vector
    with pytest.raises(matcalc.MatcalcError, match=r"reads as the differential d\(\.\.\.\)"):
        matcalc.parse(text)


def test_d_declared_or_spaced_before_a_group_is_a_product():
    assert str(matcalc.parse("d (x'x)", where="d: scalar")) == "d x' x"
    assert str(matcalc.parse("d(x'x)", where="d: scalar")) == "d x' x"


# ---------------------------------------------------------------------------- summation signs and the identity in papers' notation
@pytest.mark.parametrize("text", ["x'x + λ Σ_i x_i^2", "||y - X w||^2 + λ Σ_j abs(w_j)", "c'x + μ Σ_i log x_i",
                                  "(1/n) Σ_i log(p_i)", r"\Sigma_i x_i^2", r"\lambda \Sigma_i x_i^2 + x^\top x",
                                  r"\log\det(\Sigma_i w_i a_i a_i^\top)", "Sigma_i x_i^2", "λ Σᵢ log xᵢ"])
def test_a_sigma_with_an_index_before_factors_carrying_it_is_refused_as_the_summation_sign(text):
    # x'x + λ Σ_i x_i^2 read a scalar Sigma_i times x_i^2: the gradient 2 x, the penalty's part silently gone
    with pytest.raises(ParseError, match=r"looks like the summation sign over [ij].*matrix form"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where, reading", [
    ("x' Σ_k x + μ_k' μ_k", None, "x' Sigma_k x + mu_k' mu_k"),
    ("(x-μ_k)' Σ_k^{-1} (x-μ_k)", None, "(x - mu_k)' inv(Sigma_k) (x - mu_k)"),
    ("Sigma_i x_i^2", "Sigma_i: matrix(n,n)", "Sigma_i (x_i^2)")])
def test_a_sigma_with_an_index_used_as_a_matrix_or_declared_still_reads(text, where, reading):
    assert matcalc.parse(text, where=where).reading == reading


@pytest.mark.parametrize("text", ["logdet(Σ w_i a_i a_i')", "c'x - log det(F_0 + Σ x_i F_i)", "x'x + Σ abs(x)",
                                  "Σ relu(1 - y .* (X w))", "Σ w_i"])
def test_a_bare_sigma_before_an_indexed_entry_or_an_entrywise_function_is_refused_as_the_summation_sign(text):
    # logdet(Σ w_i a_i a_i') (D-optimal design) read the matrix Sigma times w_i a_i a_i': the gradient dim(m) / w_i
    with pytest.raises(ParseError, match="looks like the summation sign"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["1/2 ω'Iω", "½ωᵀIω", r"\frac{1}{2}\omega^\top I \omega", "x'Ix"])
def test_a_quadratic_form_in_the_identity_is_refused_naming_another_name_for_a_matrix(text):
    # ½ ωᵀIω (a rigid body's kinetic energy, I its inertia tensor) read the identity: the gradient ω
    with pytest.raises(ParseError, match=r"reads I as the identity.*another name"):
        matcalc.parse(text)


@pytest.mark.parametrize("where", ["t: scalar", "t: scalar; x0: vector(n)"])
def test_the_entrywise_exponential_note_is_given_beside_a_declared_scalar_coefficient(where):
    # exp(tA) x0 with t declared had no note: only the undeclared A is sized by the reader
    assert len(matcalc.parse("exp(tA) x0", where=where).notes) == 1


@pytest.mark.parametrize("text, call", [("q'M(q)q", "'M(q)'"), ("sum(y θ - b(θ))", "'b(θ)'"), ("c(x) + x", "'c(x)'")])
def test_a_letter_called_on_a_variable_it_is_then_multiplied_by_or_a_small_letter_called_is_a_function(text, call):
    # sum(y θ - b(θ)), a GLM's cumulant b, read b times theta: the gradient sum(y - b), the dependence dropped;
    # q'M(q)q, a mass matrix M(q), read q' M q q
    with pytest.raises(matcalc.MatcalcError, match=re.escape(call) + " reads as a function of"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, product", [("sum(y log sigmoid(X w) + (1 - y) log(1 - sigmoid(X w)))", "y .* log sigmoid(X w)"),
                                           ("sum(y log(m) - m)", "y .* log(m)")])
def test_a_small_name_read_as_a_scalar_beside_an_entrywise_function_inside_a_sum_is_refused(text, product):
    # the logistic log-likelihood read y as a number: its gradient printed X' (y - sigmoid(X w)), y: scalar
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"write {product}")):
        matcalc.grad(text, "w" if "w" in text else "m")


def test_a_declared_scalar_beside_an_entrywise_function_inside_a_sum_reads():
    assert str(matcalc.grad("sum(y log(m) - m)", "m", where="y: scalar")) == "y ./ m - 1"


@pytest.mark.parametrize("text", ["x^{k+1} - x^k", "x^{k+1}", "c'x^(k - 1)"])
def test_a_vector_looking_name_to_the_power_of_a_letter_plus_or_minus_one_is_refused_as_an_iterate(text):
    # x^{k+1} - x^k read x and k as numbers, silently
    with pytest.raises(ParseError, match=r"if it is an iterate .*give it a name \(x_next"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("x^{k+1} - x^k", "x: scalar"), ("x^(k+1)", "k: scalar"),
                                         ("(1 + r)^(n + 1)", None)])
def test_a_declared_power_of_a_letter_plus_one_reads_as_a_power(text, where):
    assert "^" in matcalc.parse(text, where=where).reading


def test_a_power_by_a_letter_that_is_no_index_minus_one_reads_as_a_power():
    assert matcalc.parse("a^p + a^(p - 1)").reading == "a^p + a^(p - 1)"


@pytest.mark.parametrize("text", ["x_i A_ij x_j", "x_i A_{ij} x_j + b_i x_i"])
def test_a_quadratic_form_in_index_notation_is_refused_with_the_matrix_form(text):
    # x_i A_ij x_j read x_i a number, A_ij a matrix and x_j a vector: a vector-valued function
    with pytest.raises(ParseError, match=re.escape("is index notation") + r".*\(x' A x"):
        matcalc.parse(text)


def test_a_matrix_times_a_vector_with_index_letters_in_their_names_reads():
    assert matcalc.parse("A_ij x_j").inferred == "A_ij: matrix(m,n); x_j: vector(n)"


@pytest.mark.parametrize("text, says", [("A_ii - logdet(A)", "write tr(A)"), (r"\sum X_{ij}^2", "||X||_F^2"),
                                        ("sum(X_ij^2)", "sum(X.^2)")])
def test_index_notation_for_a_trace_or_squared_entries_is_refused_with_the_matrix_form(text, says):
    # A_ii - logdet(A) read A_ii as a number of its own (the gradient -A^-T); \sum X_{ij}^2 the matrix X_ij squared
    with pytest.raises(ParseError, match=re.escape(says)):
        matcalc.parse(text)


@pytest.mark.parametrize("text, wrt", [
    ("||x A - y||^2", "x"), ("||y - x W||^2", "W"), ("sum(h W + b)", "h"), ("sum(x*W + b)", "x"),
    (r"\operatorname{softmax}(h W + b)", "W"), ("tanh(x_{t} U + W h_{t})", "h_t")])
def test_a_capital_right_after_a_column_vector_read_as_a_scalar_is_refused_with_the_row_forms(text, wrt):
    """Row-vector habit (x @ W in code): ||x A - y||^2 read A as a number, the gradient 2 A (A x - y)."""
    with pytest.raises(MatcalcError, match=r"reads [A-Z] as a scalar: a matrix cannot multiply the column vector"):
        matcalc.jacobian(text, wrt)


@pytest.mark.parametrize("text, where, inferred", [
    ("||x A - y||^2", "A: scalar", "A: scalar; x: vector(n); y: vector(n)"),  # declared: read as declared
    ("N x'x", None, "N: scalar; x: vector(n)"),  # a capital coefficient written first
    ("x'Ax + A", None, "A: scalar; x: vector(n)"),  # a capital added to a scalar: a scalar by use
    ("||x' A - y'||^2", None, "A: matrix(m,n); x: vector(m); y: vector(n)")])  # the row written as one
def test_a_capital_scalar_that_is_declared_written_first_or_a_scalar_by_use_still_reads(text, where, inferred):
    assert matcalc.parse(text, where=where).inferred == inferred


def test_a_sigma_with_an_index_raised_to_a_number_is_still_a_matrix_power():
    """Only a name as the exponent is a summation's upper limit (Σ_i^m): Σ_k^-1 is an inverse covariance."""
    assert matcalc.parse("x' Sigma_k^-1 x").reading == "x' inv(Sigma_k) x"


@pytest.mark.parametrize("text, where", [("ones(m, n) e", "m: matrix(70,70)"), ("zeros(b) + 1", "b: vector(n)")])
def test_a_declared_vector_or_matrix_used_as_a_size_is_refused(text, where):
    """ones(m, n) with m a declared matrix: the generated code was handed the matrix as the size."""
    with pytest.raises(MatcalcError, match=r"is a size here .* but it is declared a"):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, where", [("norm(x)", "norm: scalar; x: vector(n)"), ("vector(x)", "vector: scalar; x: scalar")])
def test_a_declared_variable_written_as_a_call_of_its_name_is_refused_with_both_readings(text, where):
    # norm(x) with norm declared was read as norm times x, and vector(x) as the function: one silently each
    with pytest.raises(ParseError, match=r"is declared a variable .* is also the function .* for the product write"):
        matcalc.parse(text, where=where)
    assert str(matcalc.parse(text.replace("(", " * ("), where=where)).endswith("x")


@pytest.mark.parametrize("text, row, base, power", [
    ("a'x^3", "a'", "x", "3"), ("x'y^2", "x'", "y", "2"), ("a' x^(1/2)", "a'", "x", "(1/2)"), ("a' x^p", "a'", "x", "p"),
    ("a' sin(x)^2", "a'", "sin(x)", "2"), ("x'exp(y)^2", "x'", "exp(y)", "2"), ("x' A y^2", "x' A", "y", "2"),
    ("a' (x^2)", "a'", "x", "2"), ("ones(n)' x^2", "ones(n)'", "x", "2"), ("a' (x - y)^2", "a'", "(x - y)", "2"),
    ("(A x)' y^2", "(A x)'", "y", "2"), ("(A x - 2 b)' y^2", "(A x - 2 b)'", "y", "2"),
    ("(-A x + b)' y^3", "(-A x + b)'", "y", "3"),
])
def test_a_row_times_a_power_of_a_vector_looking_name_is_refused_with_both_meanings(text, row, base, power):
    """a'x^3 read x as a number (a vector has no power): the row a' scaled by x^3, where the sum of
    a_i x_i^3 or the cube of a'x was meant."""
    with pytest.raises(matcalc.ShapeError) as e:
        matcalc.parse(text)
    message = str(e.value)
    assert f"write {row} {base}.^{power}" in message
    assert f"({row} {base})^{power}" in message
    assert "scalar')" in message


def test_a_group_powered_after_a_row_with_a_declared_scalar_in_it_is_refused_for_its_undeclared_name():
    with pytest.raises(matcalc.ShapeError, match=r"reads x as a number.*where='x: scalar'"):
        matcalc.parse("a' (x - t)^2", where="t: scalar")
    assert "x: scalar" in matcalc.parse("a' (x - t)^2", where="x, t: scalar").inferred


@pytest.mark.parametrize("text", ["t^2 a", "a t^2", "(1-t)^2 p + 2 (1-t) t q + t^2 r", "exp(-t^2) v", "x' t^2 y",
                                  "x' t^2 A x", "a' t^-1 b", "x' sin(t)^2 x", "x' t^2 y + t^2", "(A x)' t^2 y",
                                  "(x' A)' t^2"])
def test_a_powered_name_beside_a_column_or_between_a_row_and_a_column_stays_a_number(text):
    """t^2 a, a Bezier curve in t, x' t^2 y: a number times a column, or between a row and a
    column, is what such a text means."""
    assert "t: scalar" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text", ["a .* x^2", "sum(a .* x^2)", "x^3 ./ a"])
def test_a_powered_name_as_an_operand_of_an_entrywise_product_is_refused(text):
    with pytest.raises(matcalc.ShapeError, match=r"for the entrywise power write x\.\^"):
        matcalc.parse(text)


def test_a_row_times_a_power_of_a_declared_scalar_reads_as_written():
    r = matcalc.jacobian("a'x^3", "x", where="x: scalar")
    assert str(r) == "3 x^2 a'"


@pytest.mark.parametrize("text, entrywise", [("||x^2||", "x.^2"), ("||x^2||^2", "x.^2"), ("||x^3||_1", "x.^3"),
                                             ("(x^2)' a", "(x.^2)"), ("<a, x^2>", "x.^2")])
def test_a_powered_name_in_a_norm_or_transposed_is_refused_with_the_entrywise_power(text, entrywise):
    """||x^2|| read x as a number, and the norm of a number is its absolute value."""
    with pytest.raises(matcalc.MatcalcError, match=re.escape(f"write {entrywise}")):
        matcalc.parse(text)


def test_a_powered_name_in_a_norm_reads_when_declared_a_scalar():
    assert str(matcalc.grad("||x^2||", "x", where="x: scalar")) == "2 x"


@pytest.mark.parametrize("text, wrt, entrywise", [("||A x^2 - b||^2", "x", "x.^2"), ("||y - X w^2||^2", "w", "w.^2"),
                                                  ("||x^2 - y||", "x", "x.^2"), ("A x^2 - b", "x", "x.^2")])
def test_a_refusal_of_a_text_with_a_powered_vector_says_to_write_the_entrywise_power(text, wrt, entrywise):
    """Whatever the clash names (a spectral norm, a broadcast, two readings), the power is what kept
    the name from being a vector."""
    with pytest.raises(matcalc.MatcalcError) as e:
        matcalc.grad(text, wrt)
    assert f"write {entrywise}" in str(e.value)


def test_a_sum_along_an_axis_of_an_entrywise_exponential_has_no_matrix_function_note():
    """sum(exp(X), 1) is ones' exp(X) inside: a sum of columns, not a matrix product to warn about."""
    assert matcalc.parse("sum(log(sum(exp(X), 1)))").notes == []
    assert matcalc.parse("sum(log(sum(exp(X), 2)))").notes == []
    assert matcalc.parse("x' exp(A) y").notes  # (a real product keeps its note)


@pytest.mark.parametrize("text, base", [("log_2(x)", "base-2"), ("log_{10}(x)", "base-10")])
def test_a_subscripted_log_says_how_to_write_another_base(text, base):
    with pytest.raises(ParseError, match=f"the {base} logarithm is written"):
        matcalc.parse(text)


def test_a_parenthesized_exponent_in_scientific_notation_is_no_index():
    with pytest.raises(MatcalcError) as e:
        matcalc.parse("x'x^(1e400)")
    assert "x_1e400" not in str(e.value)


@pytest.mark.parametrize("text, k", [("x'x^3", "3"), ("x'x^-1", "-1"), ("x'x^2", "2")])
def test_a_name_transposed_and_powered_is_told_its_own_power_entrywise(text, k):
    with pytest.raises(MatcalcError) as e:
        matcalc.parse(text)
    assert f"write x.^{k}, for a power of x'x write (x'x)^{k}" in str(e.value)


@pytest.mark.parametrize("text, where", [("(x - m)' S^-1 (x - m)", "S: matrix(m,m) spd; x: vector(m)"),
                                         ("||A x - m||^2", "A: matrix(m,n); x: vector(n)"), ("x - n", "x: vector(n)")])
def test_a_size_added_to_every_entry_of_an_array_is_refused(text, where):
    """(x - m)' S^-1 (x - m) with S: matrix(m,m) read m as the size, the number dim(m), added to every
    entry of x: its gradient printed 2 S^-1 (x - m), the textbook's letters, for another function."""
    with pytest.raises(matcalc.ShapeError, match=r"is a size .* its value, the number dim\(.\): here it would be added to "
                                         r"every entry"):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, how", [("x' n n' x", "transposed"), ("||n||^2 + x'x", "inside a norm")])
def test_a_size_written_as_a_vector_is_refused(text, how):
    """x' n n' x with x: vector(n): the gradient was 2 n^2 x, with n the size."""
    with pytest.raises(ParseError, match=f"n is a size \\(x: vector\\(n\\)\\): .* but here it is {how}"):
        matcalc.parse(text, where="x: vector(n)")


@pytest.mark.parametrize("text, reading", [("sum(x)/n", "sum(x) / dim(n)"), ("x - dim(n)", "x - dim(n)"),
                                           ("sum(x)/n + n", "sum(x) / dim(n) + dim(n)"), ("x ./ n", "x / dim(n)"),
                                           ("n .* x", "dim(n) x")])
def test_a_size_as_a_number_reads_as_written(text, reading):
    assert matcalc.parse(text, where="x: vector(n)").reading == reading


@pytest.mark.parametrize("text, inverse", [("logdet(Sigma) + tr(Sigma-1S)", "Sigma^-1 S"),
                                           ("log det Σ + tr(Σ−1S)", "Sigma^-1 S"), ("tr(X−1)", "X^-1"),
                                           ("tr(S Σ−1)", "Sigma^-1")])
def test_a_matrix_run_into_minus_one_is_refused_as_an_inverse_whose_superscript_was_lost(text, inverse):
    """tr(Σ−1S) pasted from a PDF read Sigma minus S: the gradient Sigma^-T + I, silently."""
    with pytest.raises(ParseError, match=re.escape(f"superscript lost (pasted from a PDF), write {inverse}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("S/(N-1)", "S / (N - 1)"), ("X - 1", "X - 1"), ("x-1", "x - 1"),
                                           ("A-1/2 I", "A - (1 / 2) I")])
def test_a_difference_with_one_that_is_no_lost_superscript_reads_as_written(text, reading):
    assert matcalc.parse(text).reading == reading


def test_an_ambiguous_text_with_a_matrix_run_into_minus_one_names_the_inverse():
    with pytest.raises(matcalc.ShapeError, match=re.escape("(if A-1 is the inverse A^-1 with its superscript lost, write A^-1)")):
        matcalc.parse("A−1b")


@pytest.mark.parametrize("text, before", [("x T A x", "x"), ("w T x + b", "w"), ("(x - mu) T A (x - mu)", "(x - mu)")])
def test_a_spaced_t_after_a_vector_made_a_number_is_refused_as_a_flattened_transpose(text, before):
    """x T A x (x^T flattened by a PDF paste) read x as a number and T a matrix: x^2 T A, silently."""
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"write {before}'")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["A T B", "x' T x", "T x", "tr(c T)", "(1 - w) T + w S", "(a + b) T y", "y' (h T) y"])
def test_a_matrix_t_beside_matrices_after_a_row_or_after_its_coefficient_reads_as_written(text):
    assert "T: matrix" in matcalc.parse(text).inferred


@pytest.mark.parametrize("text", ["T x'x", "x^T A x + T"])
def test_a_vector_made_a_matrix_by_a_capital_read_as_a_matrix_names_the_capital(text):
    # it said only that x reads as a matrix: T, the number meant, went unnamed
    with pytest.raises(matcalc.ShapeError, match=re.escape("(T, a capital, is read as a matrix; with T a number, x is "
                                                           "a vector: where='T: scalar')")):
        matcalc.parse(text)


# ------------------------------------------------------------------ domain notation (statistics, EM, physics)
@pytest.mark.parametrize("text", ["sum(w .* e.^2)", "sum(e.^2 ./ s.^2)", "e.^0.5", r"\mathbf{w}^\top \mathbf{e}^{\circ 2}"])
def test_an_entrywise_power_of_e_is_refused_as_a_power_of_eulers_number(text):
    """sum(w .* e.^2), a weighted residual sum of squares, read exp(2) sum(w): gradient exp(2) everywhere."""
    with pytest.raises(MatcalcError, match="where='e: vector"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("e .^ (W x)", "exp(W x)"), ("sum(e .^ t)", "sum(exp(t))")])
def test_e_to_an_entrywise_array_power_is_the_entrywise_exponential(text, reading):
    assert str(matcalc.parse(text)) == reading


def test_a_declared_vector_e_takes_an_entrywise_power():
    assert str(matcalc.grad("sum(w .* e.^2)", "w", where="e: vector(n)")) == "e.^2"


@pytest.mark.parametrize("text", ["tr(X'X)^-1", "tr (X'X)^-1", "tr(X)^(-1)", "tr(X)^{-1}", "logdet (X)^-1",
                                  r"\sigma^2 \operatorname{tr}(X^\top X)^{-1}", "tr (X)^2"])
def test_a_power_of_a_trace_that_reads_as_a_trace_of_a_power_is_refused(text):
    """sigma^2 tr(X'X)^-1 (the OLS variance, the trace of the inverse) read sigma^2 / tr(X'X)."""
    with pytest.raises(MatcalcError, match=r"tr\(|logdet\("):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("tr(X)^2", "tr(X)^2"), (r"\mathrm{tr}(X)^2", "tr(X)^2"),
                                            ("tr X^-1", "tr(X^-1)"), ("1 / tr(X)", "1 / tr(X)"),
                                            ("det(X)^-1", "1 / det(X)")])
def test_powers_of_traces_written_one_way_read(text, reading):
    assert str(matcalc.parse(text)) == reading


@pytest.mark.parametrize("text", ["1/2 ||Ax - b||^2      (2)", r"\frac{1}{2}\|Ax-b\|^2 \qquad (3)", "x'Ax  (1.3)",
                                  "x'Ax (A.1)", "x'Ax (2a)", "x'Ax (S1)"])
def test_an_equation_number_pasted_with_the_formula_is_refused(text):
    """1/2 ||Ax - b||^2 (2) read ||Ax - b||^2, the equation's number as a factor."""
    with pytest.raises(MatcalcError, match="equation's number"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["(1/2) x'x", "x + (2)", "x / (2)", "x'x * (2)", "(2) x'x", "(0.5) x'Ax",
                                  "x'Ax (0.5)", r"x^\top x \left(2\right)"])
def test_a_number_in_parentheses_joined_to_the_formula_reads(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(z .* log(π))", "x' diag(π) x", "||pi||^2", "sum(pi)", "sum(z .* (log(pi)))",
                                  "norm2(pi)"])
def test_pi_summed_normed_or_on_a_diagonal_is_refused_as_the_number(text):
    """sum(z .* log(pi)), the EM term, read log(pi) sum(z); x' diag(pi) x read pi x'x."""
    with pytest.raises(MatcalcError, match="where='pi: vector"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["pi .* x", "2*pi.*x", "log(2 pi) n", "exp(-pi .* x.^2)",
                                  "sum(exp(-x.^2/2) ./ sqrt(2*pi))", "x .* cos(pi/3) + y", "x' diag(2 pi) x",
                                  "sum(z .* log(2 pi))"])
def test_pi_as_a_number_times_an_array_reads(text):
    assert "pi" in str(matcalc.parse(text))


@pytest.mark.parametrize("text", ["x'y/||x||·||y||", "x'y/||x||•||y||", r"x^\top y / \|x\| \cdot \|y\|",
                                  "exp(-||x-y||²/2·σ²)",
                                  r"\exp(-\|x-y\|^2/2\cdot\sigma^2)"])
def test_a_centered_dot_after_a_fraction_bar_is_refused_as_juxtaposition_is(text):
    """x'y/||x||·||y||, the cosine, read ||y|| x'y / ||x||."""
    with pytest.raises(MatcalcError, match="divides by"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("1/2 · ||x||^2", "x' x / 2"), ("x'y/||x||*||y||", "||y|| (x' y) / ||x||")])
def test_a_coefficient_before_a_centered_dot_and_codes_star_read_as_written(text, reading):
    assert str(matcalc.parse(text)) == reading


@pytest.mark.parametrize("text, where", [("P (1 + r)^T", "r: scalar; P: scalar"), ("P (1 + r/12)^T", "r: scalar"),
                                         ("(1 + r)^-T", "r: scalar")])
def test_a_transpose_by_t_of_a_scalar_is_refused(text, where):
    """P (1 + r)^T, compounding over T periods, read P (1 + r): T a transpose of a scalar."""
    with pytest.raises(MatcalcError, match="where='T: scalar'"):
        matcalc.parse(text, where=where)


def test_a_power_by_a_declared_t_of_a_scalar_reads():
    assert str(matcalc.parse("P (1 + r)^T", where="r: scalar; P: scalar; T: scalar")) == "P (1 + r)^T"


@pytest.mark.parametrize("text", ["||ω × r||²", r"\|\omega \times r\|^2", r"a \times b", "||ω × (r - r0)||^2",
                                  r"\omega \times (r - r_0)"])
def test_a_cross_between_two_names_is_refused_as_the_cross_product(text):
    """||ω × r||² read omega^2 r'r."""
    with pytest.raises(MatcalcError, match="cross product"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["2 × x", "λ × ‖w‖²", r"2 \times 10^{-3} \|x\|^2", r"\lambda \times \|w\|^2",
                                  r"X^\top \times X", r"\lambda \times w^T w", r"n \times \log(2\pi)", "σ² × x",
                                  "A × x", "λ × w'w", r"\frac{1}{m} \times X^\top (X w - y)"])
def test_a_cross_with_a_number_or_a_norm_is_a_product(text):
    matcalc.parse(text)


def test_julias_abs2_is_told_its_spelling():
    with pytest.raises(MatcalcError, match=re.escape("x.^2")):
        matcalc.parse("sum(abs2(x))")


# ------------------------------------------------------------------ e^- exponents and subscripts that swallow a name
@pytest.mark.parametrize("text", ["e^-γ||x - y||^2", "log(1 + e^-y w'x)", "e^-½x'x", "e^-λx'x", "e^-2t", "e^2t",
                                  "P e^rt", "e^-0.5x'x", "e^-2||x||^2"])
def test_e_to_a_negative_power_before_a_juxtaposed_operand_is_refused(text):
    """e^-gamma ||x - y||^2 (the RBF kernel) read exp(-gamma) ||x - y||^2: the exponent ended at gamma."""
    with pytest.raises(MatcalcError, match="the exponent ends at"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [("e^-t * x", "exp(-t) x"), ("x e^-t", "exp(-t) x"), ("e^t x0", "exp(t) x0"),
                                            ("e⁻ᵗ x0", "exp(-t) x0"), ("e^-t (x - y)", "exp(-t) (x - y)"),
                                            ("e^2(x - y)", "exp(2) (x - y)"), ("e^-(t) x", "exp(-t) x"),
                                            ("e^2 x", "exp(2) x"), ("e^(2t)", "exp(2 t)"),
                                            ("e^(-x'x)", "exp(-x' x)"), (r"e^{-\gamma} \|x\|^2", "exp(-gamma) x' x")])
def test_e_to_a_bounded_negative_power_reads(text, reading):
    assert str(matcalc.parse(text)) == reading


@pytest.mark.parametrize("text, name", [("x'Σ_1x", "Sigma_1"), ("x'Sigma_1x - 2 b'x", "Sigma_1"),
                                         ("λ_1x'x", "lambda_1"), ("tr(Σ_1X'X)", "Sigma_1")])
def test_a_greek_names_digit_subscript_ends_the_name(text, name):
    """x'Σ_1x read the one name Sigma_1x (a vector): its gradient was Sigma_1x, its Hessian 0."""
    e = matcalc.parse(text)
    assert f"{name} " in str(e) and f"{name}x" not in str(e) and f"{name}X" not in str(e)


@pytest.mark.parametrize("text", ["tr(W'S_BW)", "tr(X'L_GX)", "tr(H'L_symH)", "tr(V'C_xxV)", "w'Σ_Bw/(w'Σ_Ww)",
                                  "x'Σ_kx", "tr(Y'K_XY)"])
def test_a_subscript_that_took_a_name_of_the_text_is_refused(text):
    """tr(W'S_BW), trace-ratio LDA, read the one name S_BW: its gradient was S_BW."""
    with pytest.raises(MatcalcError, match="a subscript takes every letter after _"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["x'Σ_XY y", "x'Sigma_B x", "S_xx", "lambda_max", "alpha_12 x", "mu_k' x",
                                  "tr(X' K_XX X)", "tr(K_XX^-1 X X')", "tr(W'Σ_WW W)", "tr(B' C_XY) + ||Y - X B||_F^2",
                                  "tr(K_XX + X X')", "x' S_xx x"])
def test_plain_subscripts_keep_their_names(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text", ["(w^T x - y)^T (w^T x - y)", "(x'y)^T", "tr(X)^T", "(1 + x'y)^T"])
def test_a_transpose_by_t_of_a_scalar_product_reads(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text", ["e.^(-beta*x'x)", "e.^(-x'x)", "sum(e .^ t)"])
def test_e_to_an_entrywise_power_with_a_name_is_the_exponential(text):
    assert "exp(" in str(matcalc.parse(text))


@pytest.mark.parametrize("text", ["sum(X ./ sum(X))", "sum(sqrt(sum(X.^2)))", "sum(mean(X))",
                                  "sum(sum(Y.*(W*X))) - sum(log(sum(exp(W*X))))", "sum(sum(X./sum(X)))",
                                  "mean(sum(X.^2))"])
def test_matlabs_column_sums_of_a_matrix_are_refused_with_the_index_to_write(text):
    """sum(sqrt(sum(X.^2))), MATLAB's L2,1 norm, read the Frobenius norm."""
    with pytest.raises(MatcalcError, match=re.escape("sum(X, 1)")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(sum(X))", "mean(mean(X))", "X / sum(X)", "x ./ sum(x)", "X - mean(X)",
                                  "sum((x - mean(x)).^2)", "log(sum(exp(W x)))"])
def test_sums_that_read_alike_in_matlab_and_matcalc_read(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text, wrt", [("-sum(y*log(softmax(W*x)))", "W"), ("sum(log(1 + exp(-y*(X*w))))", "w"),
                                       ("sum(d*(X*w - y).^2)", "w")])
def test_numpys_star_beside_an_array_inside_a_sum_is_refused_with_the_entrywise_product(text, wrt):
    """-sum(y*log(softmax(W*x))) read y as a number."""
    with pytest.raises(MatcalcError, match=r"\.\* "):
        matcalc.grad(text, wrt)


@pytest.mark.parametrize("text, wrt, where", [("sum(log(1 + exp(-y X w)))", "w", ""), ("sum(relu(1 - y X w))", "w", ""),
                                              ("-sum(log(sigmoid(y X w)))", "w", "X: matrix(m,n); w: vector(n)"),
                                              ("sum(log(1 + exp(-y*X*w)))", "w", "")])
def test_labels_before_a_matrix_times_a_vector_inside_a_sum_are_refused_with_the_margin(text, wrt, where):
    """The logistic loss sum(log(1 + exp(-y X w))) read the labels y as one number."""
    with pytest.raises(MatcalcError, match=re.escape("write y .* (X")):
        matcalc.grad(text, wrt, where=where or None)


@pytest.mark.parametrize("text, where", [("sum(log(1 + exp(-y X w)))", "y: scalar"),
                                         ("sum(log(1 + exp(-y .* (X w))))", ""), ("sum(y log(mu) - mu)", "")])
def test_a_declared_scalar_or_the_margin_written_entrywise_inside_a_sum_reads(text, where):
    matcalc.grad(text, "w" if "w" in text else "mu", where=where or None)


@pytest.mark.parametrize("text", ["logdet(0 X)", "logdet(X - X)", "log(det(0 X))"])
def test_the_log_determinant_of_a_zero_matrix_is_refused(text):
    """logdet(X - X) is -inf everywhere; its gradient read 0."""
    with pytest.raises(MatcalcError, match="zero"):
        matcalc.grad(text, "X")


# ------------------------------------------------------------------ LaTeX from papers: \log\frac, sums over an index
@pytest.mark.parametrize("text", [r"\log\frac{1}{K}\sum\exp(\mathbf{s})", r"\exp\frac{1}{2}x^\top x",
                                  r"\log\tfrac12\|x\|^2", r"\log\frac{\lambda}{2}\|\mathbf{x}\|^2"])
def test_a_latex_function_of_a_fraction_before_a_juxtaposed_operand_is_refused(text):
    """\\log\\frac{1}{K}\\sum\\exp(s) (log-mean-exp) read log(1/K) times the sum."""
    with pytest.raises(MatcalcError, match="has two readings"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\log\frac{a}{b}", r"\log\frac12 + x", r"\frac{1}{2}\log\frac{a}{b} + c",
                                  r"\log\frac{\det A}{\det B}", r"\exp\left(-\frac{1}{2}x^\top x\right)"])
def test_a_latex_function_of_a_fraction_alone_reads(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\frac12\|\mathbf{X}\boldsymbol\beta-\mathbf{y}\|_2^2 + \lambda\sum|\beta_j|",
                                  r"\sum \alpha_i - \frac12 \boldsymbol\alpha^\top\mathbf{Q}\boldsymbol\alpha",
                                  r"\mathbf{c}^\top\mathbf{x} - \mu\sum\log x_i", r"\sum\|\mathbf{x}_i - \boldsymbol\mu\|^2",
                                  r"\sum \log(1 + \exp(-y_i \mathbf{w}^\top\mathbf{x}_i))"])
def test_a_sum_over_an_index_written_without_one_is_refused(text):
    """lambda sum|beta_j| beside beta read beta_j as a vector of its own: the penalty left the gradient."""
    with pytest.raises(MatcalcError, match="index"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(x_i)", "sum(log(x_i))", "||x - x_k||^2 + sum(x)", "sum(w_k .* x)", "sum(S_xx)"])
def test_a_sum_of_a_subscripted_vector_reads(text):
    matcalc.parse(text)


# ------------------------------------------------------------------ Greek names: characteristic polynomials, density matrices, steps
@pytest.mark.parametrize("text, where, name", [("det(A - lambda)", "", "lambda"), ("inv(X'X + lambda) X'y", "", "lambda"),
                                               ("logdet(S + mu)", "S: matrix(n,n) spd", "mu"),
                                               ("tr(inv(A - lambda))", "", "lambda")])
def test_a_small_greek_name_added_to_a_capital_matrix_is_refused_with_its_identity(text, where, name):
    """det(A - lambda) read lambda as a matrix (a number is never spread over a guess); lambda I is meant."""
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"write {name} I")):
        matcalc.parse(text, where=where or None)


@pytest.mark.parametrize("text, where", [("det(A - lambda I)", ""), ("det(A - lambda)", "lambda: matrix(n,n)"),
                                         ("det(A - lambda)", "lambda: scalar; A: matrix(n,n)"),
                                         ("||rho - sigma||_F^2", "")])
def test_a_greek_name_beside_a_matrix_with_its_identity_declared_or_without_a_capital_reads(text, where):
    matcalc.parse(text, where=where or None)


@pytest.mark.parametrize("text", ["tr(rho H)", r"\mathrm{Tr}(\rho H)", "tr(U rho U')", "tr(O (rho - sigma))",
                                  "tr(rho^2 H)", "tr(rho H^2) - tr(rho H)^2"])
def test_a_small_greek_name_as_a_factor_inside_a_trace_is_refused(text):
    """tr(rho H), an expectation value with the density matrix rho, read rho as a number: rho tr(H)."""
    with pytest.raises(matcalc.ShapeError, match=re.escape("where='rho: matrix(")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("tr(rho H)", "rho: matrix(n,n)"), ("tr(rho H)", "rho: scalar"),
                                         ("tr(sigma^2 I)", ""), ("tr(X'X) + lambda tr(W)", ""), ("tr(lambda A'A)", ""),
                                         ("tr(beta F' F (alpha I + beta F' F)^-1)", ""), ("tr(H rho)", "")])
def test_a_greek_factor_declared_or_outside_the_trace_reads(text, where):
    matcalc.parse(text, where=where or None)


@pytest.mark.parametrize("text", ["||J dtheta - e||^2", "||J*dtheta - e||^2", "g'dθ", "||J dθ − e||²"])
def test_d_before_a_greek_name_in_one_run_is_refused_as_a_step_or_a_product(text):
    """||J dtheta - e||^2 (a Gauss-Newton step) read d theta, with theta a number."""
    with pytest.raises(ParseError, match="write d_theta or declare it"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where, reading", [("||J d_theta - e||^2", "", "||J d_theta - e||^2"),
                                                  ("g'dθ", "dtheta: vector(n)", "g' dtheta"),
                                                  ("||d theta||^2", "", "||d theta||^2")])
def test_a_step_named_with_a_subscript_declared_or_spaced_reads(text, where, reading):
    assert matcalc.parse(text, where=where or None).reading == reading


def test_a_matrix_function_of_declared_rotations_is_refused_as_of_spd_matrices():
    """||log(R'Q)||_F^2, the geodesic distance between rotations, read the entrywise log."""
    with pytest.raises(MatcalcError, match="declared orthogonal, and of an orthogonal matrix"):
        matcalc.parse("||log(R'Q)||_F^2", where="R, Q: matrix(3,3) orthogonal")


def test_a_distance_between_declared_rotations_without_a_matrix_function_reads():
    assert str(matcalc.parse("||R - Q||_F^2", where="R, Q: matrix(3,3) orthogonal")) == "||R - Q||_F^2"


@pytest.mark.parametrize("text", ["-sum(Y .* log(softmax(X W + ones(n) b')))", "sum(logsumexp(X W + ones(n) b'))"])
def test_a_column_softmax_over_a_row_bias_is_refused_with_both_indices(text):
    """softmax(X W + ones(n) b'): the bias makes each row a sample; the column softmax normalized over the samples."""
    with pytest.raises(ParseError, match=r"for each row write (softmax|logsumexp)\(X W \+ ones\(n\) b', 2\)"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(Y .* log(softmax(X W + ones(n) b', 1)))", "sum(logsumexp(X W + ones(n) b', 1))",
                                  "sum(Y .* log(softmax(X W + ones(n) b', 2)))"])
def test_a_softmax_over_a_row_bias_with_its_index_reads_and_prints_so(text):
    e = matcalc.parse(text)
    assert matcalc.parse(str(e), where=e.where) == e


def test_the_refusal_of_a_capital_after_a_column_vector_advises_the_declaration_not_the_order():
    """It said "write it first (N x)", which reads N as a matrix."""
    with pytest.raises(MatcalcError) as e:
        matcalc.parse("||x N - s||^2")
    assert "where='N: scalar'" in str(e.value) and "write it first" not in str(e.value)
    assert "N: matrix" in matcalc.parse("||N x - s||^2").inferred



def test_the_density_matrix_refusal_declares_rho_with_the_size_of_the_matrix_beside_it():
    with pytest.raises(matcalc.ShapeError, match=re.escape("where='rho: matrix(d,d)'")):
        matcalc.parse("tr(rho H)", where="H: matrix(d,d)")
    with pytest.raises(matcalc.ShapeError, match=re.escape("where='rho: matrix(b,b)'")):
        matcalc.parse("tr(U rho U')", where="U: matrix(a,b)")


@pytest.mark.parametrize("text", ["||Y - X W - epsilon||_F^2", "W' (W H - X) + lambda"])
def test_a_greek_name_added_to_a_rectangular_matrix_reads_as_a_matrix(text):
    """A noise matrix epsilon beside a rectangular one: lambda I would not fit, so the refusal is not made."""
    matcalc.parse(text)


@pytest.mark.parametrize("text", ["det(A - 2 lambda)", "det(A - lambda/2)", "det(A - (lambda))", "logdet(Sigma + lambda)"])
def test_a_greek_name_with_numbers_added_to_a_square_matrix_is_refused_as_the_bare_name_is(text):
    with pytest.raises(matcalc.ShapeError, match=re.escape("write lambda I")):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(exp(-t A x)) / t", "sum(exp(t A x)) + t^2"])
def test_a_name_before_a_matrix_inside_a_sum_and_written_again_is_the_number_it_is_used_as(text):
    assert "t: scalar" in matcalc.parse(text).inferred


def test_the_quadratic_form_without_its_transpose_inside_a_sum_keeps_its_own_advice():
    with pytest.raises(MatcalcError, match=re.escape("for the quadratic form write x' A x")):
        matcalc.parse("sum(x A x)")


@pytest.mark.parametrize("text", ["sum(log(1 + exp(-y (X w))))", "sum(log(1 + exp(-y X' w)))"])
def test_labels_before_a_grouped_or_transposed_matrix_product_inside_a_sum_are_refused(text):
    with pytest.raises(MatcalcError, match=re.escape("write y .* (X")):
        matcalc.grad(text, "w")


@pytest.mark.parametrize("text, where", [
    ("tr(Y' log(softmax(W X)))", "W: matrix(10,784); X: matrix(784,10); Y: matrix(10,10)"),
    ("-tr(Y' log(sigmoid(X W)))", "X: matrix(5,3); W: matrix(3,5); Y: matrix(5,5)")])
def test_a_function_of_a_product_square_only_by_equal_numbers_inside_a_trace_reads(text, where):
    """10 classes and a batch of 10: W X is 10 x 10 by coincidence, and its log of a softmax no matrix logarithm."""
    matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, where", [("sum(log(x_max+1))", ""), ("x_t+1", "x_t: scalar")])
def test_a_word_subscript_or_a_declared_name_before_plus_one_reads_as_written(text, where):
    assert "+ 1" in matcalc.parse(text, where=where or None).reading


@pytest.mark.parametrize("text", ["x_t'x_t+1", "2x_t+1", "w'x_t+1"])
def test_index_arithmetic_after_a_transpose_or_a_number_is_refused(text):
    with pytest.raises(ParseError, match=re.escape("'x_t+1' reads")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("1/2 m ||X theta - y||^2", "X: matrix(m,n)"),
                                         ("lambda / 2 m ||theta||^2", "theta: vector(n); X: matrix(m,n)"),
                                         ("x'x / 2 logdet(S)", "S: matrix(n,n) spd")])
def test_a_size_after_a_coefficient_fraction_or_a_logdet_after_a_form_over_a_number_is_refused(text, where):
    with pytest.raises(ParseError, match="for the denominator write / \\(2 "):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text, where", [("x' A/2 exp(t) x", ""), ("tr(A/2 log(alpha))", ""),
                                         ("A/2 log(alpha) + B", ""), ("N/2 log(2 pi) - c", "c: scalar")])
def test_a_function_of_a_number_after_a_fraction_reads_left_to_right_where_no_form_is_divided(text, where):
    matcalc.parse(text, where=where or None)


def test_a_capital_with_a_function_of_a_number_over_a_number_stays_two_readings():
    with pytest.raises(matcalc.ShapeError, match="can be read two ways"):
        matcalc.parse("S/2 log(2 pi) + x")


@pytest.mark.parametrize("text, where, c", [("y'inv(K + 1/beta) y", "beta: scalar", "(1/beta) I"),
                                            ("y'inv(K + 2 sigma^2) y", "sigma: scalar", "(2 sigma^2) I"),
                                            ("y'inv(K + exp(s)) y", "s: scalar", "exp(s) I")])
def test_a_number_made_of_declared_scalars_added_to_a_guessed_capital_is_refused_with_its_identity(text, where, c):
    with pytest.raises(matcalc.ShapeError, match=re.escape(f"write {c}")):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text", ["||Jdθ - e||^2", "Hdθ", "x'Σ⁻¹dμ", "tr(Σ⁻¹dΣ)", r"g^\top d\theta",
                                  r"\|J \,d\theta - e\|^2"])
def test_d_against_a_greek_letter_after_a_capital_a_superscript_or_in_latex_is_refused(text):
    with pytest.raises(ParseError, match="is read as the product d"):
        matcalc.parse(text)


def test_latex_d_theta_with_dtheta_declared_points_to_the_differential_spelling():
    with pytest.raises(ParseError, match=re.escape(r"for the declared dtheta write \mathrm{d}\theta")):
        matcalc.parse(r"d\theta", where="dtheta: vector(n)")
    assert matcalc.parse(r"g^\top \mathrm{d}\theta", where="dtheta: vector(n)").reading == "g' dtheta"


@pytest.mark.parametrize("text", ["softmax(-(X W + ones(n) b'))", "softmax(2 (X W + ones(n) b'))"])
def test_a_scaled_row_biased_matrix_under_a_column_softmax_is_refused(text):
    with pytest.raises(ParseError, match="for each row write softmax"):
        matcalc.parse(text)


@pytest.mark.parametrize("text, where", [
    ("-sum(Y .* log(softmax(A relu(A X W0) W1)))",
     "A: matrix(n,n); X: matrix(n,d); W0: matrix(d,h); W1: matrix(h,c); Y: matrix(n,c)"),
    ("softmax(X W)", None), ("sum(logsumexp(X W))", None), ("softmax(X W / T)", "T: scalar"),
    ("-sum(Y .* log(softmax(X Theta)))", None), ("||softmax(A tanh(A X W0) W1) - Y||_F^2", None)])
def test_a_column_softmax_of_a_product_ending_in_the_weights_is_refused_with_both_indices(text, where):
    """A graph network's loss, softmax(A relu(A X W0) W1) (nodes as rows), normalized each column: over the nodes."""
    with pytest.raises(ParseError, match=r"ending in the weights .* for each row write (softmax|logsumexp)\(.*, 2\)"):
        matcalc.parse(text, where=where)


@pytest.mark.parametrize("text", ["-sum(Y .* log(softmax(W X)))", "softmax(W2 relu(W1 X))", "softmax(W' X)",
                                  "softmax(X W, 2)", "softmax(X W, 1)"])
def test_a_softmax_with_the_weights_first_or_with_its_index_reads(text):
    e = matcalc.parse(text)
    assert matcalc.parse(str(e), where=e.where) == e


def test_a_gradient_through_a_column_softmax_of_weights_last_prints_its_index_and_reads_back():
    r = matcalc.grad("-sum(Y .* log(softmax(X W, 1)))", "W")
    assert "softmax(X W, 1)" in str(r)
    assert matcalc.parse(str(r), where=r.where).node is r.node


@pytest.mark.parametrize("text", ["t c'x - sum(log(b - A x))", "t x'A x + b'x"])
def test_a_lone_name_before_a_row_times_a_column_is_no_vector_a_scalar_is_spread_over(text):
    """The barrier method's t c'x - sum(log(b - A x)) read t a vector, the sum added to each entry: a Jacobian."""
    e = matcalc.parse(text)
    assert e.is_scalar and "t: scalar" in e.inferred


@pytest.mark.parametrize("text", ["(mu'w - r_f)/sqrt(w'Σw)", "mu'w - r"])
def test_a_transposed_greek_name_made_a_matrix_where_it_reads_as_a_vector_is_refused(text):
    """The Sharpe ratio read mu a matrix and r_f a vector: a vector-valued function, silently."""
    with pytest.raises(matcalc.ShapeError, match=r"with mu a vector and r(_f)? a number it reads too"):
        matcalc.parse(text)


def test_the_sharpe_ratio_reads_as_meant_once_declared_as_the_refusal_says():
    e = matcalc.parse("(mu'w - r_f)/sqrt(w'Σw)", where="mu: vector(n); r_f: scalar")
    assert e.is_scalar


@pytest.mark.parametrize("text", ["1/2 omega' I_b omega", "ωᵀ I_B ω", r"\omega^\top I_b \omega", "1/2 w' I_cm w"])
def test_a_quadratic_form_in_a_subscripted_identity_is_refused_as_the_plain_one_is(text):
    """A body's inertia tensor I_b read as the identity of size b: the gradient was omega."""
    with pytest.raises(ParseError, match="reads I_(b|B|cm) as the identity"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["I_0 + A", "I_00 + A"])
def test_an_identity_of_size_zero_is_refused(text):
    with pytest.raises(matcalc.ShapeError, match="a dimension is at least 1"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["sum(rho(y - X b))", "sum(ρ(y - X b))", "mean(rho((y - X b)/s))",
                                  "sum(rho_H(y - X b))", r"\mathbf{1}^\top\rho(y - X\beta)"])
def test_rho_of_residuals_summed_is_refused_as_an_m_estimators_loss(text):
    """sum(rho(y - X b)) read rho a number times the residuals: the gradient was -rho X' ones(m)."""
    with pytest.raises(matcalc.UnknownNameError, match="an M-estimator's loss"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["logdet(I + SNR H H')", "sum(log(1 + SNR g .* p))", "||y - H x||^2 + NSR ||x||^2"])
def test_a_quantity_acronym_is_refused_not_read_as_a_product_of_capitals(text):
    """The MIMO capacity logdet(I + SNR H H') read S N R as three matrices."""
    with pytest.raises(ParseError, match="to use it as one name, declare it"):
        matcalc.parse(text)


def test_a_declared_acronym_is_one_name():
    assert "SNR: scalar" in matcalc.parse("logdet(I + SNR H H')", where="SNR: scalar").inferred


@pytest.mark.parametrize("text", ["tr(P h) + 1/2 tr(P G)", "tr(C' h C)", "tr(D h) + tr(D f)"])
def test_a_small_latin_name_after_a_matrix_inside_a_trace_read_as_a_number_is_refused(text):
    """Hartree-Fock's tr(P h) read the core Hamiltonian h as a number: h tr(P)."""
    with pytest.raises(matcalc.ShapeError, match="nobody writes after a matrix inside a trace"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", ["tr(c T)", "tr(t A'A)", "tr(A x x')"])
def test_a_coefficient_first_in_a_trace_or_a_vector_inside_it_reads(text):
    matcalc.parse(text)


@pytest.mark.parametrize("text, where", [("sech(t)^2", "t: scalar"), ("sech(w'z + b)^2", None), ("sum(sech(x).^2)", None)])
def test_an_unknown_function_followed_by_a_power_is_named_as_an_unknown_function(text, where):
    # it was "'sech' is read as the product s e c h; declare it", or a matrix power's complaint
    with pytest.raises(matcalc.UnknownNameError, match="unknown function 'sech'"):
        matcalc.parse(text, where=where)


def test_a_word_such_as_noise_is_refused_as_one_name_not_split_into_letters():
    with pytest.raises(ParseError, match="'noise' would be read as the product n o i s e"):
        matcalc.parse("-sum(log(1 + p ./ noise))")
