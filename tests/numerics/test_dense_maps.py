"""Dense arrays of matrix Jacobians and Hessians: the basis of directions, taken a batch at a time,
and past KRON_ABOVE directions the Kronecker form, which must give the basis's array exactly."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc
import matcalc.numerics.linear_maps as linear_maps
from matcalc.numerics.sampling import sample_values

MAPS = [("jacobian", "X y", "X", "X: matrix(n,n); y: vector(n)"),
        ("jacobian", "A X B", "X", "A, B, X: matrix(n,n)"),
        ("jacobian", "X' y", "X", "X: matrix(n,n); y: vector(n)"),
        ("jacobian", "X^-1", "X", "X: matrix(n,n)"),
        ("jacobian", "sin(X) y", "X", "X: matrix(n,n); y: vector(n)"),
        ("jacobian", "S y", "S", "S: matrix(n,n) symmetric; y: vector(n)"),
        ("jacobian", "D A", "D", "D: matrix(n,n) diagonal; A: matrix(n,n)"),
        ("hessian", "tr(X A X)", "X", "A, X: matrix(n,n)"),
        ("hessian", "log(det(X))", "X", "X: matrix(n,n)"),
        ("hessian", "||A X - B||_F^2", "X", "A, B, X: matrix(n,n)")]


def _values(r, n: int) -> dict:
    return sample_values([r.function.node], np.random.default_rng(1), dims={"n": n})[0]


@pytest.mark.parametrize("kind, text, wrt, where", MAPS, ids=[m[1] for m in MAPS])
def test_the_kronecker_route_gives_the_basis_array(kind, text, wrt, where, monkeypatch):
    """The Jacobian of X y at n = 200 took 31 s and 12.8 GB through the basis; kron(y', I) is the
    200 x 40,000 answer itself. The route is taken past KRON_ABOVE directions: lowered here."""
    r = getattr(matcalc, kind)(text, wrt, where=where)
    vals = _values(r, 5)
    monkeypatch.setattr(linear_maps, "KRON_ABOVE", 4)
    through_kron = r.evaluate(vals)
    monkeypatch.setattr(linear_maps, "KRON_ABOVE", 10 ** 9)
    np.testing.assert_allclose(through_kron, r.evaluate(vals), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind, text, wrt, where", MAPS, ids=[m[1] for m in MAPS])
def test_the_basis_taken_a_few_directions_at_a_time_gives_the_whole_basis_array(kind, text, wrt, where, monkeypatch):
    """The basis was one array of directions^2 entries (1.6e9 at n = 200); it is made in batches."""
    r = getattr(matcalc, kind)(text, wrt, where=where)
    vals = _values(r, 4)
    whole = r.evaluate(vals)
    monkeypatch.setattr(linear_maps, "BATCH_ENTRIES", 50)  # (three directions of 4 x 4 a batch)
    np.testing.assert_allclose(r.evaluate(vals), whole, rtol=1e-12, atol=1e-12)


def test_a_large_matrix_jacobian_is_evaluated_as_the_generated_code_gives_it():
    r = matcalc.jacobian("X y", "X", where="X: matrix(n,n); y: vector(n)")
    X, y = np.random.default_rng(0).standard_normal((2, 60, 60))
    J = r.evaluate({"X": X, "y": y[0]})
    assert J.shape == (60, 60, 60)
    np.testing.assert_allclose(J, r.to_numpy()(X, y[0]))
