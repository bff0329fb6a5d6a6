"""The constructors of the layers ML uses: sums and means over one index, logsumexp and softmax
(of a vector, and of a matrix column by column), vec and unvec, and the elementwise power with
an array exponent. Each test states one identity the constructor applies, or one shape."""
import pytest

from matcalc.core import build as B
from matcalc.core.errors import ShapeError
from matcalc.core.nodes import LogSumExp, Mul, Pow, Softmax, Transpose, Unvec

X = B.var("X", ("m", "n"))
x = B.var("x", ("n", 1))
y = B.var("y", ("n", 1))
r = B.var("r", (1, "n"))


def test_sum_over_the_first_index_is_the_row_of_column_sums():
    s = B.sum_axis(X, 1)
    assert s.shape == (1, "n")
    assert s is B.mul(B.transpose(B.ones(("m", 1))), X)


def test_sum_over_the_second_index_is_the_column_of_row_sums():
    s = B.sum_axis(X, 2)
    assert s.shape == ("m", 1)
    assert s is B.mul(X, B.ones(("n", 1)))


def test_sum_over_the_first_index_of_a_vector_is_the_sum_of_its_entries():
    assert B.sum_axis(x, 1).shape == (1, 1)


def test_sum_over_an_index_other_than_one_or_two_is_refused():
    with pytest.raises(ShapeError, match="1 .*or 2"):
        B.sum_axis(X, 3)


def test_mean_of_all_entries_divides_the_sum_by_the_count():
    m = B.mean(X)
    assert m.shape == (1, 1)
    assert m is B.mul(B.sumall(X), B.power(B.mul(B.dimsize("m"), B.dimsize("n")), -1))


def test_mean_over_the_first_index_is_a_row():
    assert B.mean(X, 1).shape == (1, "n")
    assert B.mean(X, 2).shape == ("m", 1)


def test_logsumexp_of_a_vector_is_a_scalar_node():
    e = B.logsumexp(x)
    assert isinstance(e, LogSumExp) and e.shape == (1, 1)


def test_logsumexp_of_a_matrix_is_a_row_one_entry_per_column():
    e = B.logsumexp(X)
    assert isinstance(e, LogSumExp) and e.shape == (1, "n")


def test_logsumexp_along_the_rows_is_the_transpose_of_the_columnwise_one():
    e = B.logsumexp(X, 2)
    assert isinstance(e, Transpose) and e.shape == ("m", 1)
    assert e.arg is B.logsumexp(B.transpose(X))


def test_logsumexp_of_a_row_is_the_row_itself():
    """Each column of a row has one entry, and log(exp(u)) = u."""
    assert B.logsumexp(r) is r


def test_softmax_of_a_matrix_keeps_its_shape():
    e = B.softmax(X)
    assert isinstance(e, Softmax) and e.shape == ("m", "n")


def test_softmax_along_the_rows_is_the_transpose_of_the_columnwise_one():
    assert B.softmax(X, 2) is B.transpose(B.softmax(B.transpose(X)))


def test_softmax_of_a_scalar_is_refused():
    with pytest.raises(ShapeError, match="vector or a matrix"):
        B.softmax(B.var("c", (1, 1)))


def test_unvec_undoes_vec():
    assert B.unvec(B.vec(X), X.shape) is X


def test_vec_undoes_unvec():
    v = B.var("v", ("m*n", 1))
    u = B.unvec(v, ("m", "n"))
    assert isinstance(u, Unvec) and u.shape == ("m", "n")
    assert B.vec(u) is v


def test_unvec_takes_scalar_factors_out():
    v = B.var("v", ("m*n", 1))
    c = B.var("c", (1, 1))
    e = B.unvec(B.mul(B.num(2), c, v), ("m", "n"))
    assert isinstance(e, Mul) and e is B.mul(B.num(2), c, B.unvec(v, ("m", "n")))


def test_unvec_needs_a_vector_of_the_product_length():
    with pytest.raises(ShapeError, match="length m\\*n"):
        B.unvec(x, ("m", "n"))


def test_power_with_an_exponent_of_the_base_shape_is_elementwise():
    e = B.power(x, y)
    assert isinstance(e, Pow) and e.shape == ("n", 1)


def test_power_with_an_exponent_of_another_shape_is_refused():
    with pytest.raises(ShapeError, match="base's shape"):
        B.power(x, B.var("z", ("k", 1)))


def test_transpose_of_an_array_power_transposes_the_exponent_too():
    e = B.transpose(B.power(x, y))
    assert e is B.power(B.transpose(x), B.transpose(y))


def test_sum_of_the_column_sums_is_the_sum():
    assert B.sumall(B.sum_axis(X, 1)) is B.sumall(X)


def test_sum_of_the_row_sums_is_the_sum():
    assert B.sumall(B.sum_axis(X, 2)) is B.sumall(X)
