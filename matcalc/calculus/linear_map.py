"""A linear map written as an expression in a direction: the shared form of matrix Jacobians
and Hessians.

Where a matrix is involved, a Jacobian dX -> dF and a Hessian V -> H[V] are not matrices but
linear maps. Both are kept the same way: the expression L(D) in a direction variable D, the
variable X that D stands for (its value fixes D's dimensions), whether D ranges over symmetric
or diagonal matrices only, and the map's Kronecker form where it has one. The printers show
`expr`; evaluation forms the dense array (`numerics.linear_maps`); code generation writes it
out by index notation.
"""
from __future__ import annotations

from ..core.budget import request
from ..core.nodes import Expr, Var
from ..core.records import record


class Deferred:
    """A form of a result computed when it is first asked for: a Hessian's Kronecker form and its
    second differential are each a further simplification (a fifth of a Hessian's time), and most
    callers evaluate or print H alone. The work runs under the request limits (core/budget.py)."""

    __slots__ = ("_make", "_value", "_what")

    def __init__(self, make, what: str):
        self._make, self._value, self._what = make, None, what

    def get(self) -> Expr | None:
        if self._make is not None:
            with request(self._what):
                self._value = self._make()
            self._make = None
        return self._value

    def __reduce__(self):
        """Pickled as its value (made now): a result pickles whole, its forms included."""
        return (_value_of, (self.get(),))


def _value_of(value):
    return value


def resolve(form: Expr | Deferred | None) -> Expr | None:
    """A form's value: itself, or a Deferred one's, computed now."""
    return form.get() if isinstance(form, Deferred) else form


@record
class LinearMap:
    expr: Expr                    # L(D), linear in `direction`
    direction: Var                # D: dX for a Jacobian, V for a Hessian
    variable: Var                 # X, whose shape D has
    sym: bool = False             # D ranges over symmetric matrices
    diag: bool = False            # D ranges over diagonal matrices
    #: with sym or diag, are the values projected too? A Hessian's H[V] is a gradient, in the
    #: variable's own space; a Jacobian's dF is a value of F, which the variable's space says nothing about
    project_values: bool = True
    kron: Expr | Deferred | None = None  # J with vec(L(D)) = J vec(D), where it has a closed form
    layout: str = "numerator"     # "denominator": the dense array is transposed (in <-> out)
