"""Result objects: one symbolic answer in every form a user asks for.

Every result prints as plain text that `parse` reads back (`str(r)`, with `r.where`
declaring the names it uses), as LaTeX (`r.latex()`, Jupyter's `_repr_latex_`), gives
the symbolic tree (`r.expr`) and the differential it came from (`r.differential`), and
evaluates with NumPy (`r.evaluate(values)`) to the documented array shape.
"""
from __future__ import annotations

import numpy as np

from .calculus.linear_map import LinearMap
from .core import build as B
from .core.errors import MatcalcError
from .core.nodes import Expr, Var
from .expression import Expression, declarations_of, numpy_shape
from .numerics.check import check
from .numerics.evaluate import check_values, evaluate
from .numerics.linear_maps import dense_linear_map
from .outputs.codegen.generate import load_generated, numpy_module
from .outputs.printing import (_ordered, common_subexpressions, latex_name, to_latex, to_latex_compact, to_text,
                               to_text_compact)


def _variables_of(*nodes) -> list:
    seen = {}
    for e in nodes:
        for n in e.walk():
            if isinstance(n, Var) and n.name not in seen:
                seen[n.name] = n
    return list(seen.values())


class Result:
    """Common behaviour; subclasses fix `kind`, the main expression and evaluation."""

    kind = "result"
    label = "r"

    def __init__(self, function: Expression, wrt, expr: Expr, differential: Expr | None = None,
                 directions: tuple = (), forms: dict | None = None, first_order=None):
        self.function = function
        self.wrt = wrt
        self._expr = expr
        self._differential = differential
        self.directions = directions
        self._forms = forms or {}
        self._first_order = first_order

    @property
    def node(self) -> Expr:
        """The result's expression node (what printers and code generation read)."""
        return self._expr

    def _wrap(self, node: Expr) -> Expression:
        """One of the result's forms as an Expression that still knows the function's variables:
        their values fix dimensions the form no longer shows (the I of vec(I)' in the Kronecker form
        of tr(X) A is sized by X)."""
        names = {v.name for v in self.directions}
        context = tuple(v for v in _variables_of(self.function.node, *self.function.context, *self.directions)
                        if v.name not in node.free or v.name in names)
        return Expression(node, self.where, context=context)

    def first_order(self):
        """For a Hessian or hvp: the gradient result it differentiates (what `check` compares
        finite differences of); None for first-order results."""
        return self._first_order() if self._first_order is not None else None

    # ---- symbolic forms
    @property
    def expr(self) -> Expression:
        return self._wrap(self._expr)

    @property
    def differential(self) -> Expression | None:
        if self._differential is None:
            return None
        return self._wrap(self._differential)

    @property
    def where(self) -> str:
        extra = [self.function.node] + [d for d in self.directions]
        if self._differential is not None:
            extra.append(self._differential)
        return declarations_of(self._expr, tuple(extra))

    def _taken(self) -> frozenset:
        """Names a reader of str(self) has declared (r.where): never reused for 'where' names."""
        names = set(self.function.node.free) | {d.name for d in self.directions}
        names |= {v.name for v in self.function.context}
        return frozenset(names)

    def __str__(self) -> str:
        return to_text_compact(self._expr, self._taken())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} = {self}>"

    def latex(self) -> str:
        return to_latex_compact(self._expr, self._taken())

    def _repr_latex_(self) -> str:
        return "$$" + self.latex_label() + " = " + self.latex() + "$$"

    def latex_label(self) -> str:
        return self.label

    def forms(self) -> dict:
        """Every form as text and LaTeX (the CLI's JSON output)."""
        out = {"kind": self.kind, "wrt": self.wrt, "text": str(self), "latex": self.latex(),
               "shape": list(numpy_shape(self._expr.shape)), "where": self.where,
               "read_as": self.function.reading, "inferred": self.function.inferred}
        if self._differential is not None:
            out["differential"] = {"text": to_text(self._differential), "latex": to_latex(self._differential)}
        for k, e in self._forms.items():
            out[k] = {"text": to_text(e), "latex": to_latex(e)}
        return out

    def evaluate(self, values: dict | None = None, **kw):
        vals = dict(check_values(values))
        vals.update(kw)
        return evaluate(self._expr, vals, context=self._context(vals))

    def _context(self, vals: dict) -> tuple:
        """Expressions whose variables fix the result's dimensions: the function and the
        variables its text named (even those that cancelled), where values are given."""
        return (self.function.node,) + self.function._context_for(vals)

    def check(self, **kw):
        return check(self, **kw)

    #: the forms `to_sympy(form)` can give, each an attribute holding an Expression (or None)
    SYMPY_FORMS = ("expr", "differential", "kron", "bilinear", "gradient", "unconstrained")

    def to_sympy(self, form: str = "expr"):
        """The result in SymPy: by default `r.expr` (the gradient, the Jacobian matrix, the Hessian
        matrix of a vector variable; for a matrix Jacobian or Hessian the linear map as a matrix
        expression in the direction, dX or V); `form="kron"` gives the Kronecker form of such a map
        (a matrix J with vec(L[D]) = J vec(D)), and "differential", "bilinear", "gradient",
        "unconstrained" the other forms a result has. The dense 4-D array of a matrix Hessian has
        no SymPy matrix form: take the map or its Kronecker form."""
        if form not in self.SYMPY_FORMS:
            raise MatcalcError(f"form must be one of {', '.join(self.SYMPY_FORMS)}, not {form!r}")
        e = getattr(self, form, None)
        if not isinstance(e, Expression):
            have = [f for f in self.SYMPY_FORMS if isinstance(getattr(self, f, None), Expression)]
            raise MatcalcError(f"this {self.kind} has no {form} form; it has {', '.join(have)}")
        return e.to_sympy()

    def numpy_source(self, backend: str = "numpy") -> str:
        """The source of a function computing this result (see `to_numpy`)."""
        return numpy_module(self, backend=backend)

    def to_numpy(self, backend: str = "numpy"):
        """A function of the variables (positional in sorted order, or by keyword) computing this result."""
        return load_generated(self.numpy_source(backend))


class DifferentialResult(Result):
    kind = "differential"

    def latex_label(self):
        return "df"


class GradientResult(Result):
    """The gradient G with df = <G, dX>, shaped like X (sym(G) for a symmetric X)."""

    kind = "gradient"

    def __init__(self, *a, unconstrained: Expr | None = None, **k):
        super().__init__(*a, **k)
        self._unconstrained = unconstrained

    @property
    def unconstrained(self) -> Expression:
        """The gradient of the function's formula on all matrices (before projecting)."""
        return self._wrap(self._unconstrained if self._unconstrained is not None else self._expr)

    def latex_label(self):
        return r"\nabla_{" + latex_name(self.wrt) + "} f"


class _MapResult(Result):
    """A Jacobian or Hessian: a matrix where one exists, else a linear map (`linear_map`)."""

    def __init__(self, *a, linear_map: LinearMap | None = None, **k):
        super().__init__(*a, **k)
        self.linear_map = linear_map

    @property
    def is_map(self) -> bool:
        return self.linear_map is not None

    @property
    def kron(self) -> Expression | None:
        """The Kronecker form vec(L(D)) = J vec(D) of a linear map, where it has one."""
        m = self.linear_map
        return None if m is None or m.kron is None else self._wrap(m.kron)

    def _dense(self, vals: dict):
        m = self.linear_map
        return dense_linear_map(m.expr, m.direction, vals, like=m.variable, sym=m.sym, diag=m.diag,
                                context=self._context(vals))


class JacobianResult(_MapResult):
    """dF/dX in numerator layout: vec(dF) = J vec(dX); array indexed [out..., in...].

    For vector (or scalar) F and x the main form is the matrix J. Where a matrix is
    involved the main form is the linear map dX -> dF, printed as an expression in dX;
    `kron` holds its Kronecker form. `layout="denominator"` transposes.
    """

    kind = "jacobian"

    def __init__(self, *a, layout: str = "numerator", **k):
        super().__init__(*a, **k)
        self.layout = layout

    def latex_label(self):
        if self.is_map:
            return "dF"
        j = r"\frac{\partial F}{\partial " + latex_name(self.wrt) + "}"
        return j if self.layout == "numerator" else r"\left(" + j + r"\right)^{\top}"

    def evaluate(self, values=None, **kw):
        vals = dict(check_values(values))
        vals.update(kw)
        if not self.is_map:
            out = evaluate(self._expr, vals, context=self._context(vals))
            return np.asarray(out) if not np.isscalar(out) else out
        arr = self._dense(vals)
        if self.layout == "denominator":
            nout = arr.ndim - len(numpy_shape(self.linear_map.variable.shape))
            arr = np.moveaxis(arr, list(range(nout)), list(range(arr.ndim - nout, arr.ndim)))
        return arr


class HessianResult(_MapResult):
    """The Hessian: d2f = <dX, H[dX]>.

    Scalar variable: a scalar; vector: the symmetric matrix H; matrix: the linear map
    V -> H[V] (an expression in V), with `kron` its Kronecker form and `.evaluate()` the
    array H[i,j,k,l] = d2f / dX_ij dX_kl.
    """

    kind = "hessian"

    def __init__(self, *a, bilinear: Expr | None = None, gradient: Expr | None = None, **k):
        super().__init__(*a, **k)
        self._bilinear = bilinear
        self._gradient = gradient

    @property
    def bilinear(self) -> Expression | None:
        """The second differential d2f = <dX, H[dX]>, simplified, as an expression in dX."""
        return None if self._bilinear is None else self._wrap(self._bilinear)

    def bilinear_form(self, latex: bool = False) -> str:
        """The second differential d2f as a bilinear form: `<dX, H[dX]> = ...`, with H[dX] spelled out."""
        dx = self.directions[0]
        if self.is_map:
            h = B.substitute(self._expr, {self.linear_map.direction.name: dx})
        else:
            h = B.mul(self._expr, dx)
        (h, bil), binds = common_subexpressions([h, self._bilinear], taken=self._taken())
        if latex:
            n = latex_name(dx.name)
            out = r"\left\langle " + n + ", " + to_latex(h) + r" \right\rangle = " + to_latex(bil)
            if binds:
                out += r",\quad \text{where } " + ", ".join(f"{latex_name(m)} = {to_latex(d)}"
                                                            for m, d in _ordered(binds))
            return out
        out = f"<{dx.name}, {to_text(h)}> = {to_text(bil)}"
        if binds:
            out += " where " + ", ".join(f"{m} = {to_text(d)}" for m, d in _ordered(binds))
        return out

    @property
    def gradient(self) -> Expression | None:
        return None if self._gradient is None else self._wrap(self._gradient)

    def latex_label(self):
        if isinstance(self.wrt, tuple):
            a, b = (latex_name(w) for w in self.wrt)
            mixed = r"\frac{\partial^2 f}{\partial " + a + r"\, \partial " + b + "}"
            return mixed + (r"\left[" + latex_name(self.linear_map.direction.name) + r"\right]"
                            if self.is_map else "")
        if self.is_map:
            return r"H\left[" + latex_name(self.linear_map.direction.name) + r"\right]"
        return r"\nabla^2 f"

    def evaluate(self, values=None, **kw):
        vals = dict(check_values(values))
        vals.update(kw)
        if not self.is_map:
            return evaluate(self._expr, vals, context=self._context(vals))
        return self._dense(vals)


class HvpResult(Result):
    """The Hessian-vector product H[v], an expression in the direction v (never forming H)."""

    kind = "hvp"

    def latex_label(self):
        return r"\nabla^2 f\left[" + latex_name(self.directions[-1].name) + r"\right]"
