"""evaluate's conventions for the values it takes: the NumPy form of one-row and one-column
variables, and sizes given by name where no variable's value fixes them."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc

ROW = np.arange(1.0, 4.0)


@pytest.mark.parametrize("value", [ROW, ROW.reshape(1, 3), ROW.reshape(3, 1)])
def test_a_one_row_matrix_takes_its_value_1d_or_2d_as_a_row_or_a_column_as_the_generated_code_does(value):
    # evaluate refused the 1-D form ("x is a matrix, but its value has shape (3,)"), then the column
    e = matcalc.parse("x A x'", where="x: matrix(1,n); A: matrix(n,n)")
    assert e.evaluate({"x": value, "A": np.eye(3)}) == pytest.approx(14.0)
    assert matcalc.compile("x A x'", "x", outputs="value", where=e.where)(np.eye(3), value) == pytest.approx(14.0)


def test_the_gradient_by_a_one_row_matrix_is_1d_as_the_generated_codes():
    # the NumPy form of a matrix(1, n) is 1-D, as numpy_shape and the generated code have it
    r = matcalc.grad("x A x'", "x", where="x: matrix(1,n); A: matrix(n,n)")
    A = np.diag([1.0, 2.0, 3.0])
    g = r.evaluate({"x": ROW.reshape(1, 3), "A": A})
    assert g.shape == (3,)
    np.testing.assert_allclose(g, 2 * A @ ROW)
    np.testing.assert_allclose(r.to_numpy()(x=ROW, A=A), g)


@pytest.mark.parametrize("x", [np.ones(3), np.ones((3, 1)), np.ones((1, 3))])
def test_a_vector_takes_a_column_or_row_array_as_the_generated_code_does(x):
    r = matcalc.grad("x' A x", "x", where="x: vector(n); A: matrix(n,n)")
    np.testing.assert_allclose(r.evaluate({"x": x, "A": np.diag([1.0, 2.0, 3.0])}), [2.0, 4.0, 6.0])


def test_the_sizes_of_a_commutation_matrix_can_be_given_by_name():
    assert matcalc.parse("sum(comm(n, n))").evaluate({"n": 3}) == 9.0


def test_a_size_given_by_name_fixes_a_product_size():
    assert matcalc.parse("sum(kron(I_n, I_n))").evaluate({"n": 3}) == 9.0


@pytest.mark.parametrize("f", ["tr((a ones(n, n))^2)", "sum(ones(m, n) .* sin(a))"])
def test_check_samples_a_size_that_no_variable_has(f):
    # check could not find inputs: n is the size of ones(n, n) only, and no value gave it
    assert matcalc.grad(f, "a").check()


def test_values_may_be_keyed_by_a_name_as_it_was_typed():
    # grad("β'β", "β").evaluate({"β": ...}) said 'no value given for beta'
    r = matcalc.grad("β'β + λ x_{1}'x_{1}", "β")
    got = r.evaluate({"β": np.ones(3), "λ": 2.0, "x_{1}": np.ones(2)})
    assert np.allclose(got, 2 * np.ones(3))
    assert matcalc.parse("σ^2").evaluate({"σ": 3.0}) == 9.0


def test_a_name_given_twice_in_two_spellings_is_refused():
    with pytest.raises(matcalc.EvaluationError, match="two values are given for beta"):
        matcalc.parse("beta^2").evaluate({"β": 1.0, "beta": 2.0})


def test_a_gradient_through_kron_is_evaluated_as_a_partial_trace_of_the_blocks():
    # <kron(A, dX), C'>: G[r, s] = sum_ij A[i, j] C[(j, s), (i, r)]. Its three Kronecker factors were formed: at
    # n = p = 20 1.2 s, at 50 a 125,000 x 125,000 array (refused as too big)
    import tracemalloc
    n = p = 12
    rng = np.random.default_rng(1)
    A, X, C = rng.random((p, p)), rng.random((n, n)), rng.random((p * n, p * n))
    r = matcalc.grad("tr(kron(A, X) C)", "X", where="A: matrix(p,p); X: matrix(n,n); C: matrix(p*n,p*n)")
    tracemalloc.start()
    g = r.evaluate({"A": A, "X": X, "C": C})
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert np.allclose(g, np.einsum("ij,jsir->rs", A, C.reshape(p, n, p, n)))
    assert peak < 8 * C.nbytes  # (the partial trace's factors: (n^2 p)^2 entries, 1,400 times C)
