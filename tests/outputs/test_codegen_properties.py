"""Random expressions from the property strategies: generated JAX and PyTorch code agrees with
.evaluate() (the NumPy backend is covered by tests/properties/test_properties.py -k generated)."""
import inspect
import os
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

import matcalc
from conftest import assert_close

try:  # generated JAX code follows the inputs' dtypes; these tests compare float64 results
    import jax
    jax.config.update("jax_enable_x64", True)
except ImportError:
    pass

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from strategies import DomainError, derivations, point, tree_function  # noqa: E402

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


def _vals(case):
    vals = point(case)
    try:
        tree_function(case.tree, vals, case.dims)
    except DomainError:
        reject()
    return vals


def _agree(r, vals, backend):
    try:
        fn = r.to_numpy(backend=backend)
        want = np.asarray(r.evaluate(vals), dtype=float)
    except matcalc.NotSupportedError:
        reject()
    args = [vals[p if p in vals else p[:-1]] for p in inspect.signature(fn).parameters]
    got = np.asarray(fn(*args), dtype=float)
    assert_close(got.reshape(want.shape), want, rtol=1e-8, atol=1e-10)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_random_gradients_and_hessians_agree_on_other_backends(backend):
    pytest.importorskip(backend)

    @SETTINGS
    @given(derivations(out="scalar", wrt="any"))
    def check(case):
        vals = _vals(case)
        _agree(matcalc.grad(case.text, case.wrt.name, where=case.where), vals, backend)
        _agree(matcalc.hessian(case.text, case.wrt.name, where=case.where), vals, backend)
    check()


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_random_jacobians_agree_on_other_backends(backend):
    pytest.importorskip(backend)

    @SETTINGS
    @given(derivations(out="nonscalar", wrt="any"))
    def check(case):
        vals = _vals(case)
        for layout in ("numerator", "denominator"):
            _agree(matcalc.jacobian(case.text, case.wrt.name, where=case.where, layout=layout), vals, backend)
    check()
