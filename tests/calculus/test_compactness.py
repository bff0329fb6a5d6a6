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
    assert str(r) == "1/2 S^-1 ((x - m) (x - m)' S^-1 - I)"


def test_declaring_the_covariance_spd_does_not_lengthen_the_gradient():
    plain = matcalc.grad(GAUSS, "S", where="S: matrix(n,n); x, m: vector(n)")
    spd = matcalc.grad(GAUSS, "S", where="S: matrix(n,n) spd; x, m: vector(n)")
    assert size(spd.node) <= size(plain.node)


def test_symmetric_gradient_that_is_not_symmetric_is_still_projected():
    r = assert_answer("tr(A S)", "S", "S: matrix(n,n) symmetric; A: matrix(n,n)", "1/2 (A + A')")
    assert str(r) == "1/2 (A + A')"
