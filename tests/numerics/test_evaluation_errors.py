"""Numerical evaluation faults are EvaluationErrors that name the variable or the operation.

Singular matrices, values outside a function's domain, values of the wrong shape, missing
values, dimensions that disagree between two variables, NaN and non-numeric values: each is
a matcalc.EvaluationError (a MatcalcError), never a NumPy or Python exception and never a
silent NaN.
"""
import re
import warnings

import numpy as np
import pytest

import matcalc
from matcalc import EvaluationError, MatcalcError

SINGULAR = np.array([[1.0, 2.0], [2.0, 4.0]])


def eval_error(text, values, where=None) -> str:
    e = matcalc.parse(text, where=where)
    with pytest.raises(EvaluationError) as info:
        e.evaluate(values)
    msg = str(info.value)
    assert msg.strip()
    return msg


def names(msg: str, word: str) -> bool:
    return re.search(rf"(?<![A-Za-z_]){re.escape(word)}(?![A-Za-z_0-9])", msg) is not None


def test_evaluation_error_is_a_matcalc_error():
    assert issubclass(EvaluationError, MatcalcError)


# ---------------------------------------------------------------------------- singular matrices

@pytest.mark.parametrize("text", ["inv(X)", "X^-1", "X^{-1}", "X^-2", "tr(X^-1)", "a' X^-1 b"])
def test_singular_matrix_under_an_inverse_names_the_matrix(text):
    values = {"X": SINGULAR, "a": np.ones(2), "b": np.ones(2)}
    msg = eval_error(text, values, where="X: matrix(n,n); a: vector(n); b: vector(n)")
    assert "singular" in msg and names(msg, "X")


def test_singular_matrix_under_an_inverse_transpose_names_the_matrix():
    msg = eval_error("X^-T", {"X": SINGULAR}, where="X: matrix(n,n)")
    assert "singular" in msg and "X" in msg


def test_zero_matrix_under_an_inverse_is_singular():
    assert "singular" in eval_error("inv(X)", {"X": np.zeros((3, 3))}, where="X: matrix(n,n)")


def test_numerically_singular_matrix_is_refused_rather_than_inverted():
    nearly = np.array([[1.0, 1.0], [1.0, 1.0 + 1e-16]])
    assert "singular" in eval_error("inv(X)", {"X": nearly}, where="X: matrix(n,n)")


def test_logdet_of_a_singular_matrix_names_logdet():
    msg = eval_error("logdet(X)", {"X": SINGULAR}, where="X: matrix(n,n)")
    assert "logdet" in msg and "singular" in msg


def test_log_of_a_zero_determinant_names_the_log_and_the_determinant():
    msg = eval_error("log(det(X))", {"X": SINGULAR}, where="X: matrix(n,n)")
    assert "log" in msg and "det(X)" in msg


def test_gradient_at_a_singular_matrix_is_an_evaluation_error_naming_it():
    r = matcalc.grad("logdet(X)", "X", where="X: matrix(n,n)")
    with pytest.raises(EvaluationError, match=r"X.*singular"):
        r.evaluate({"X": SINGULAR})


def test_determinant_of_a_singular_matrix_is_simply_zero():
    assert matcalc.parse("det(X)", where="X: matrix(n,n)").evaluate({"X": SINGULAR}) == pytest.approx(0.0)


# ---------------------------------------------------------------------------- domains

@pytest.mark.parametrize("fn", ["log", "ln"])
@pytest.mark.parametrize("value", [-2.0, 0.0])
def test_log_of_a_non_positive_scalar_names_log_and_the_variable(fn, value):
    msg = eval_error(f"{fn}(c)", {"c": value}, where="c: scalar")
    assert "log" in msg and "non-positive" in msg and names(msg, "c")


def test_log_of_a_vector_with_a_negative_entry_names_log_and_the_variable():
    msg = eval_error("sum(log(x))", {"x": np.array([1.0, -1.0, 2.0])}, where="x: vector(n)")
    assert "log" in msg and names(msg, "x")


def test_log_of_a_compound_argument_quotes_the_argument():
    msg = eval_error("log(a' x)", {"a": np.ones(2), "x": -np.ones(2)}, where="a: vector(n); x: vector(n)")
    assert "log" in msg and "a' x" in msg


def test_sqrt_of_a_negative_scalar_names_sqrt_and_the_variable():
    msg = eval_error("sqrt(c)", {"c": -1.0}, where="c: scalar")
    assert "sqrt" in msg and names(msg, "c")


def test_sqrt_of_a_vector_with_a_negative_entry_names_sqrt_and_the_variable():
    msg = eval_error("sqrt(x)", {"x": np.array([4.0, -1.0])}, where="x: vector(n)")
    assert "sqrt" in msg and names(msg, "x")


def test_fractional_power_of_a_negative_number_names_the_power():
    msg = eval_error("c^0.5", {"c": -4.0}, where="c: scalar")
    assert "power" in msg or "sqrt" in msg
    assert names(msg, "c")


def test_division_by_zero_names_the_divisor():
    msg = eval_error("1/c", {"c": 0.0}, where="c: scalar")
    assert names(msg, "c") and ("0" in msg or "zero" in msg)


def test_elementwise_division_by_zero_names_the_divisor():
    msg = eval_error("x ./ y", {"x": np.ones(2), "y": np.zeros(2)}, where="x: vector(n); y: vector(n)")
    assert names(msg, "y")


def test_overflow_names_the_function():
    msg = eval_error("exp(c)", {"c": 1000.0}, where="c: scalar")
    assert "exp" in msg


def test_log_of_a_negative_quadratic_form_quotes_it():
    msg = eval_error("log(x' A x)", {"x": np.ones(2), "A": -np.eye(2)}, where="A: matrix(n,n); x: vector(n)")
    assert "log" in msg and "x' A x" in msg


def test_literal_too_large_for_a_float_is_an_evaluation_error():
    with pytest.raises(EvaluationError):
        matcalc.parse("1e400").evaluate({})


def test_exponent_too_large_for_a_float_is_an_evaluation_error():
    with pytest.raises(EvaluationError):
        matcalc.parse("c^(10^1000)", where="c: scalar").evaluate({"c": 1.0})


# ---------------------------------------------------------------------------- shapes of values

def test_vector_of_the_wrong_length_names_the_variable_and_both_shapes():
    msg = eval_error("x' x", {"x": np.ones(4)}, where="x: vector(3)")
    assert names(msg, "x") and "vector of length 3" in msg and "(4,)" in msg


def test_matrix_of_the_wrong_size_names_the_variable_and_both_shapes():
    msg = eval_error("tr(A)", {"A": np.ones((3, 3))}, where="A: matrix(2,2)")
    assert names(msg, "A") and re.search(r"2\s*(x|×)\s*2", msg) and "(3, 3)" in msg


def test_matrix_given_for_a_vector_names_the_variable_and_both_shapes():
    msg = eval_error("x' x", {"x": np.ones((3, 2))}, where="x: vector(n)")
    assert names(msg, "x") and "vector" in msg and "(3, 2)" in msg


def test_vector_given_for_a_matrix_names_the_variable_and_both_shapes():
    msg = eval_error("tr(A)", {"A": np.ones(3)}, where="A: matrix(n,n)")
    assert names(msg, "A") and "matrix" in msg and "(3,)" in msg


def test_array_given_for_a_scalar_names_the_variable_and_both_shapes():
    msg = eval_error("c x", {"c": np.ones(2), "x": np.ones(2)}, where="c: scalar; x: vector(n)")
    assert names(msg, "c") and "scalar" in msg and "(2,)" in msg


def test_three_dimensional_array_is_refused_naming_the_variable():
    msg = eval_error("x' x", {"x": np.ones((2, 2, 2))}, where="x: vector(n)")
    assert names(msg, "x") and "(2, 2, 2)" in msg


def test_non_square_value_for_a_square_matrix_names_the_variable():
    msg = eval_error("tr(X)", {"X": np.ones((2, 3))}, where="X: matrix(n,n)")
    assert names(msg, "X")


# ---------------------------------------------------------------------------- missing values, dimensions

def test_missing_value_names_the_variable():
    msg = eval_error("A x", {"A": np.ones((3, 2))}, where="A: matrix(m,n); x: vector(n)")
    assert "no value" in msg and names(msg, "x")


def test_missing_value_says_what_shape_is_wanted():
    msg = eval_error("A x", {"x": np.ones(2)}, where="A: matrix(m,n); x: vector(n)")
    assert names(msg, "A") and re.search(r"m\s*(x|×)\s*n", msg)


def test_missing_value_of_an_undeclared_matrix_describes_its_shape_readably():
    msg = eval_error("x' A x", {"x": np.ones(2)})
    assert "nxn" not in msg
    assert re.search(r"n\s*(x|×|-by-|,)\s*n", msg)


def test_missing_direction_of_an_hvp_names_it():
    r = matcalc.hvp("x' A x", "x", where="A: matrix(n,n); x: vector(n)")
    with pytest.raises(EvaluationError, match=r"\bv\b"):
        r.evaluate({"x": np.ones(2), "A": np.eye(2)})


def test_no_values_at_all_names_a_variable():
    with pytest.raises(EvaluationError, match="no value"):
        matcalc.parse("x' x").evaluate()


def test_unfixed_dimension_is_named():
    msg = eval_error("sum(ones(k))", {})
    assert names(msg, "k") and "unknown" in msg


def test_two_vectors_sharing_a_dimension_with_different_lengths_name_both_and_the_dimension():
    msg = eval_error("x + y", {"x": np.ones(3), "y": np.ones(4)}, where="x: vector(n); y: vector(n)")
    assert names(msg, "x") and names(msg, "y") and names(msg, "n")
    assert "3" in msg and "4" in msg


def test_matrix_and_vector_disagreeing_on_a_dimension_name_both():
    msg = eval_error("A x", {"A": np.ones((2, 3)), "x": np.ones(4)}, where="A: matrix(m,n); x: vector(n)")
    assert names(msg, "A") and names(msg, "x") and names(msg, "n")


def test_gradient_with_inconsistent_values_names_the_clashing_variables():
    r = matcalc.grad("1/2 ||A x - b||^2", "x", where="A: matrix(m,n); b: vector(m); x: vector(n)")
    with pytest.raises(EvaluationError) as info:
        r.evaluate({"A": np.ones((3, 2)), "b": np.ones(4), "x": np.ones(2)})
    assert names(str(info.value), "b") and names(str(info.value), "m")


def test_consistent_values_evaluate():
    e = matcalc.parse("A x", where="A: matrix(m,n); x: vector(n)")
    assert e.evaluate({"A": np.ones((2, 3)), "x": np.ones(3)}).tolist() == [3.0, 3.0]


# ---------------------------------------------------------------------------- bad numbers

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_vector_entry_names_the_variable(bad):
    msg = eval_error("x' x", {"x": np.array([1.0, bad])}, where="x: vector(n)")
    assert names(msg, "x") and "NaN" in msg


def test_nan_scalar_names_the_variable():
    msg = eval_error("log(c)", {"c": float("nan")}, where="c: scalar")
    assert names(msg, "c") and "NaN" in msg


def test_nan_in_a_matrix_names_the_variable():
    msg = eval_error("det(X)", {"X": np.full((2, 2), np.nan)}, where="X: matrix(n,n)")
    assert names(msg, "X") and "NaN" in msg


@pytest.mark.parametrize("value", ["abc", [1.0, "a"], {"a": 1}, object(), [[1.0], [2.0, 3.0]]],
                         ids=["string", "mixed-list", "dict", "object", "ragged"])
def test_non_numeric_value_names_the_variable(value):
    msg = eval_error("x' x", {"x": value}, where="x: vector(n)")
    assert names(msg, "x") and "numeric" in msg


def test_non_numeric_scalar_names_the_variable():
    msg = eval_error("log(c)", {"c": "two"}, where="c: scalar")
    assert names(msg, "c") and "numeric" in msg


def test_complex_value_is_refused_naming_the_variable():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        msg = eval_error("x' x", {"x": np.array([1 + 2j, 3.0])}, where="x: vector(n)")
    assert names(msg, "x")


def test_numeric_looking_string_is_refused_naming_the_variable():
    msg = eval_error("log(c)", {"c": "2"}, where="c: scalar")
    assert names(msg, "c")


def test_values_that_are_not_a_mapping_are_an_evaluation_error():
    with pytest.raises(EvaluationError):
        matcalc.parse("x").evaluate([1.0, 2.0])


def test_none_value_is_refused_naming_the_variable():
    msg = eval_error("x' x", {"x": None}, where="x: vector(n)")
    assert names(msg, "x")


@pytest.mark.parametrize("kw", [{"trials": "3"}, {"trials": 0}, {"trials": 2.5}, {"tol": -1}, {"tol": "1e-5"}])
def test_check_refuses_settings_that_are_not_numbers_it_can_use(kw):
    r = matcalc.grad("x' x", "x")
    with pytest.raises(matcalc.MatcalcError, match="trials|tol"):
        r.check(**kw)


def test_a_size_given_by_name_fixes_a_dimension_written_as_a_number():
    e = matcalc.parse("dim(n) x", where="x: vector(k)")
    assert np.allclose(e.evaluate({"x": np.ones(2), "n": 4}), [4.0, 4.0])


@pytest.mark.parametrize("text, z, value", [("log(sigmoid(z))", -800.0, -800.0), ("log(1 - sigmoid(-z))", -800.0, -800.0),
                                            ("log(cosh(z))", 800.0, 800.0 - np.log(2.0)),
                                            ("log(1 + exp(z))", 800.0, 800.0)])
def test_evaluation_is_finite_where_the_loss_is_although_its_inner_function_under_or_overflows(text, z, value):
    # the generated code computes the same forms (core/functions.STABLE_FORMS)
    got = matcalc.parse(text, where="z: scalar").evaluate({"z": z})
    assert np.isclose(float(got), value)


def test_a_power_too_large_for_a_float_says_it_overflowed():
    with pytest.raises(matcalc.MatcalcError, match="overflowed"):
        matcalc.parse("2^(10^6) x").evaluate({"x": np.ones(2)})  # it said: outside its domain


def test_exact_numbers_are_taken_as_floats_and_huge_ones_are_refused_as_such():
    from fractions import Fraction
    e = matcalc.parse("x'x")
    assert np.isclose(float(e.evaluate({"x": [Fraction(1, 2), Fraction(1, 3)]})), 13 / 36)  # was "not numeric"
    with pytest.raises(matcalc.MatcalcError, match="too large"):
        e.evaluate({"x": [10 ** 400, 1]})



def test_a_dense_value_that_does_not_fit_in_memory_is_an_evaluation_error_that_offers_hvp():
    # a raw MemoryError (the 2 I of x'x at a million entries is 8 TB)
    with pytest.raises(matcalc.EvaluationError, match="do not fit in memory.*hvp"):
        matcalc.hessian("x'x", "x").evaluate({"x": np.ones(10**6)})


def test_a_dense_matrix_map_too_large_for_memory_is_an_evaluation_error():
    with pytest.raises(matcalc.EvaluationError, match="do not fit in memory"):
        matcalc.jacobian("A X", "X").evaluate({"A": np.ones((2, 3000)), "X": np.ones((3000, 3000))})


def test_none_for_a_value_is_named_as_none():
    # it said 'the value of c contains NaN or infinity'
    with pytest.raises(matcalc.EvaluationError, match="the value of c is None"):
        matcalc.parse("c x'x", where="c: scalar").evaluate({"c": None, "x": np.ones(2)})


def test_an_array_past_numpys_address_space_is_an_evaluation_error():
    # NumPy's own ValueError ("array is too big") came out of evaluate
    e = matcalc.parse("||u||_2 + ones(1e12, 1e12) ||p||^2")
    with pytest.raises(matcalc.EvaluationError, match="do not fit in memory"):
        e.evaluate({"u": np.ones(2), "p": np.ones(2)})


# ---------------------------------------------------------------------------- values as users pass them
def test_a_torch_tensor_that_requires_grad_is_refused_with_detach_and_torch_code_to_use():
    torch = pytest.importorskip("torch")
    r = matcalc.grad("1/2 ||A x - b||^2", "x")
    with pytest.raises(EvaluationError, match=r"torch tensor that requires grad.*x\.detach\(\).*backend='torch'"):
        r.evaluate(A=np.ones((3, 2)), b=np.zeros(3), x=torch.ones(2, requires_grad=True))  # (was torch's RuntimeError)


def test_a_traced_jax_value_is_refused_with_the_jax_code_to_use():
    jax = pytest.importorskip("jax")
    r = matcalc.grad("1/2 ||A x - b||^2", "x")
    with pytest.raises(EvaluationError, match=r"traced JAX value.*backend='jax'"):  # (was "is not numeric")
        jax.jit(lambda x: r.evaluate(A=np.ones((3, 2)), b=np.zeros(3), x=x))(np.ones(2))


def test_a_value_may_be_given_by_the_name_generated_code_gives_its_variable():
    # lambda is a Python keyword: generated code calls it lambda_, and evaluate ignored lambda_
    r = matcalc.grad("||A x - b||^2 + lambda ||x||^2", "x")
    got = r.evaluate(A=np.ones((3, 2)), b=np.zeros(3), x=np.ones(2), lambda_=0.5)
    np.testing.assert_allclose(got, [13.0, 13.0])


def test_a_missing_value_names_the_values_given_but_not_used():
    msg = eval_error("x' x", {"xx": np.ones(2)})
    assert msg == "no value given for x (a vector of length n); given but not used: xx"


@pytest.mark.parametrize("size", [3.0, np.array(3), np.int64(3)])
def test_a_size_keyword_may_be_a_whole_float_or_a_numpy_integer(size):
    # (3.0 was refused by evaluate, which generated code takes)
    r = matcalc.grad("tr(ones(n,n)) x'x", "x", where="x: vector(k)")
    np.testing.assert_allclose(r.evaluate(x=[1.0, 2.0], n=size), [6.0, 12.0])


def test_a_non_square_value_for_a_square_matrix_is_told_its_shape():
    msg = eval_error("logdet(X)", {"X": np.ones((2, 3))})
    assert msg == "X should be a matrix of size m x m, but its value has shape (2, 3)"  # (was "X has size 3 where m = 2 (from X)")


def test_a_singular_matrix_inverted_transposed_is_named_as_given():
    r = matcalc.grad("logdet(X)", "X")
    with pytest.raises(EvaluationError, match=r"^X is singular"):  # (was "X' is singular")
        r.evaluate(X=np.ones((3, 3)))


@pytest.mark.parametrize("kw", [{"seed": np.int64(3)}, {"trials": np.int64(2)}])
def test_check_takes_numpy_integers_for_seed_and_trials(kw):
    assert matcalc.grad("x' x", "x").check(**kw).ok


def test_a_value_given_for_the_identity_is_refused_not_ignored():
    """||I .* (R - U V')||_F^2 with I a mask: the formula is read with the identity, and a mask passed as
    I was silently unused (the gradient 73% off the meant one)."""
    r = matcalc.grad("||I .* (R - U V')||_F^2", "U")
    n = 3
    values = {"R": np.ones((n, n)), "U": np.ones((n, 2)), "V": np.ones((n, 2)), "I": np.zeros((n, n))}
    with pytest.raises(EvaluationError, match="I is the identity matrix"):
        r.evaluate(values)


def test_an_empty_value_is_refused_by_evaluate_and_by_the_generated_code():
    """mean(x) of an empty x divided by 0: a ZeroDivisionError inside the generated code."""
    r = matcalc.grad("mean(x)", "x")
    with pytest.raises(EvaluationError, match="empty"):
        r.evaluate({"x": np.zeros(0)})
    with pytest.raises(ValueError, match="axis 0 is empty"):
        r.to_numpy()(np.zeros(0))


def test_finite_differences_at_the_edge_of_floating_point_warn_nothing():
    """check() at values near 1e308 leaked NumPy's RuntimeWarning (inf - inf) beside its verdict."""
    r = matcalc.grad("1e307 x'x", "x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = r.check()
    assert report.kind == "gradient"


@pytest.mark.parametrize("question", ["parse", "grad", "hessian"])
def test_a_product_that_overflows_is_refused_where_it_overflows_not_returned_as_zero(question):
    """x' x at x = 1e200 is inf: the gradient x / ||x|| came out as 0 and the Hessian as NaN, silently."""
    r = matcalc.parse("||x||") if question == "parse" else getattr(matcalc, question)("||x||", "x")
    with pytest.raises(matcalc.EvaluationError, match=r"x' x overflowed"):
        r.evaluate({"x": np.full(3, 1e200)})


def test_a_power_of_a_base_that_rounds_to_zero_says_it_may_be_rounding():
    with pytest.raises(matcalc.EvaluationError, match="rounds to 0"):
        matcalc.parse("s^-1").evaluate({"s": 1e-320 / 1e10})


def test_a_product_that_underflows_is_refused_as_an_overflow_is():
    """x' x at x = 1e-200 is 0: the gradient x / ||x|| was refused only as 0 to a negative power, and a
    Hessian-vector product at inputs scaled by 1e-200 came out as 0 with no word."""
    with pytest.raises(matcalc.EvaluationError, match="x' x underflowed"):
        matcalc.grad("||x||", "x").evaluate({"x": np.array([1e-200, 1e-200, 0.0])})
    r = matcalc.hvp("x' inv(S) x", "S", where="S: matrix(n,n) spd")
    S, x, V = np.diag([1.0, 2.0, 3.0]) * 1e-200, np.array([1.0, 2.0, 3.0]) * 1e-200, np.eye(3) * 1e-200
    with pytest.raises(matcalc.EvaluationError, match="underflowed"):
        r.evaluate({"S": S, "x": x, "V": V})


def test_a_product_of_small_values_that_stays_normal_evaluates():
    assert matcalc.parse("x' x").evaluate({"x": np.full(3, 1e-150)}) == pytest.approx(3e-300)



def test_a_subnormal_answer_that_keeps_most_of_its_digits_is_given():
    """The logistic loss's gradient at a large margin is about -9e-313: given, not refused as an underflow."""
    X, y = np.array([[1.0, 2.0], [2.0, 1.0], [1.5, 1.5]]), np.ones(3)
    g = matcalc.grad("sum(log(1 + exp(-y .* (X w))))", "w").evaluate({"X": X, "y": y, "w": np.array([240.0, 240.0])})
    assert np.all(g < 0) and np.all(g > -1e-310)
