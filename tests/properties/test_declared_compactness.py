"""Declaring a property may only make an answer shorter or equal, never longer.

Over the property tests' random expressions (tests/strategies.py): the gradient with every
variable's declared properties (symmetric, spd, diagonal, invertible, positive) against the
gradient with the properties of the other variables removed (the variable differentiated by
keeps its own, so both answers are the same quantity), measured in tokens (calculus/size.py).
"""
from __future__ import annotations

import os
import sys

from hypothesis import HealthCheck, assume, given, settings

import matcalc
from matcalc.calculus.size import size

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from strategies import VarSpec, derivations, where_of  # noqa: E402

_LONG = settings.default.max_examples >= 10_000


def undeclared_where(case) -> str:
    """The declarations without the properties of the variables other than the one differentiated by."""
    return where_of([v if v.name == case.wrt.name else VarSpec(v.name, v.shape, ())
                     for v in case.expr.variables.values()])


@settings(max_examples=3000 if _LONG else 120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(derivations(out="scalar"))
def test_declared_properties_never_lengthen_the_gradient(case):
    plain = undeclared_where(case)
    assume(plain != case.where)
    try:
        declared = matcalc.grad(case.text, case.wrt.name, where=case.where)
        undeclared = matcalc.grad(case.text, case.wrt.name, where=plain)
    except matcalc.MatcalcError:
        assume(False)
    assert size(declared.node) <= size(undeclared.node), (
        f"declared: {declared}  ({size(declared.node)} tokens)\nundeclared: {undeclared}  ({size(undeclared.node)} tokens)")
