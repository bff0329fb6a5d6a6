"""The input language of the layers ML uses: sum(X, 1), sum(X, 2), mean, logsumexp, softmax of a
matrix, x .^ y of two vectors, vec, unvec and kron; their shapes and their errors."""
import pytest

import matcalc
from matcalc import MatcalcError

MN = "X: matrix(m,n)"


@pytest.mark.parametrize("text, shape", [
    ("sum(X, 1)", ("n",)), ("sum(X, 2)", ("m",)), ("sum(X)", ()),
    ("mean(X, 1)", ("n",)), ("mean(X, 2)", ("m",)), ("mean(X)", ()),
    ("logsumexp(X)", ("n",)), ("logsumexp(X, 1)", ("n",)), ("logsumexp(X, 2)", ("m",)),
    ("softmax(X)", ("m", "n")), ("softmax(X, 2)", ("m", "n")), ("vec(X)", ("m*n",)),
    ("unvec(vec(X), m, n)", ("m", "n")), ("kron(X, X)", ("m*m", "n*n")),
])
def test_reduction_has_the_documented_shape(text, shape):
    assert matcalc.parse(text, where=MN).shape == shape


def test_sum_over_the_first_index_is_a_row_that_multiplies_a_vector():
    e = matcalc.parse("sum(X, 1) b", where=MN + "; b: vector(n)")
    assert e.shape == ()


def test_logsumexp_of_a_vector_is_a_scalar():
    assert matcalc.parse("logsumexp(x)").shape == ()


def test_mean_of_an_undeclared_vector_is_a_scalar():
    assert matcalc.parse("mean(x)").shape == ()


@pytest.mark.parametrize("text", ["sum(X, 3)", "sum(X, n)", "mean(X, 0)", "logsumexp(X, 1/2)"])
def test_reduction_index_other_than_1_or_2_is_refused_with_the_convention(text):
    with pytest.raises(MatcalcError, match=r"1 \(each column.*2 \(each row\)"):
        matcalc.parse(text, where=MN)


def test_sum_with_three_arguments_is_refused():
    with pytest.raises(MatcalcError, match="sum takes 1 or 2 arguments, not 3"):
        matcalc.parse("sum(X, 1, 2)", where=MN)


def test_elementwise_power_of_two_declared_vectors_is_elementwise():
    e = matcalc.parse("x .^ y", where="x, y: vector(n)")
    assert e.shape == ("n",)
    assert set(e.variables) == {"x", "y"}


def test_elementwise_power_with_an_undeclared_exponent_keeps_it_a_scalar():
    """As before x .^ y existed between vectors: a guessed kind never makes an array exponent."""
    e = matcalc.parse("x .^ p", where="x: vector(n)")
    assert "p: scalar" in e.inferred


def test_elementwise_power_of_vectors_of_different_lengths_is_refused():
    with pytest.raises(MatcalcError, match="x .\\^ y of two arrays needs equal shapes"):
        matcalc.parse("x .^ y", where="x: vector(n); y: vector(m)")


def test_scalar_base_to_an_array_of_powers_suggests_exp():
    with pytest.raises(MatcalcError, match=r"write exp\(log\(2\) x\)"):
        matcalc.parse("2 .^ x", where="x: vector(n)")


def test_unvec_needs_a_vector_of_the_product_length():
    with pytest.raises(MatcalcError, match="needs a vector of length m\\*n"):
        matcalc.parse("unvec(x, m, n)", where="x: vector(k); k: scalar")


def test_unvec_takes_dimensions_not_expressions():
    with pytest.raises(MatcalcError, match="dimensions"):
        matcalc.parse("unvec(v, m, A B)")


@pytest.mark.parametrize("text, reading", [
    ("sum(X, 1)", "sum(X, 1)"), ("mean(X, 2)", "mean(X, 2)"), ("logsumexp(X)", "logsumexp(X)"),
    ("logsumexp(X, 2)", "logsumexp(X, 2)"), ("softmax(X, 2)", "softmax(X, 2)"), ("mean(X)", "mean(X)"),
    ("unvec(vec(X), m, n)", "unvec(vec(X), m, n)"),
])
def test_reading_states_the_reduction_as_written(text, reading):
    assert matcalc.parse(text, where=MN).reading.startswith(reading)
