"""Result objects: one symbolic answer in every form a user asks for.

Every result prints as plain text that `parse` reads back (`str(r)`, with `r.where`
declaring the names it uses), as LaTeX (`r.latex()`, Jupyter's `_repr_latex_`), gives
the symbolic tree (`r.expr`) and the differential it came from (`r.differential`), and
evaluates with NumPy (`r.evaluate(values)`) to the documented array shape.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Callable, ItemsView, KeysView
from typing import TYPE_CHECKING, Any

from .core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from .calculus.derive import compact_differential
from .calculus.linear_map import LinearMap, resolve
from .calculus.simplify import oriented_jointly, simplify
from .core import build as B
from .core.budget import request, with_frames
from .core.errors import LimitError, MatcalcError
from .core.layout import inner_pair
from .core.nodes import DimSize, Expr, Trace, Var, Zero
from .derivation import PartSteps, Steps, steps_for
from .expression import Expression, Value, Values, declarations_of, numpy_shape
from .language.names import declared_sizes
from .numerics.evaluate import check_values, evaluate
from .numerics.linear_maps import dense_linear_map
from .numerics.sampling import variables
from .outputs.printing import (_ordered, common_subexpressions, named_size, compact_binds, latex_name, sizes_written_bare,
                               to_latex, to_latex_compact, to_text, to_text_compact)

if TYPE_CHECKING:  # (the check loads on first use)
    from .numerics.check import CheckReport


def _variables_of(*nodes) -> list:
    seen = {}
    for e in nodes:
        for n in e.walk():
            if isinstance(n, Var) and n.name not in seen:
                seen[n.name] = n
    return list(seen.values())



def _printing(method):
    """A printing method whose answer is nested deeper than Python's recursion limit lets the
    printers go is retried with more frames (core.budget.with_frames: the printers recurse over the
    tree; deriving never does), and beyond that raises a LimitError that says what to do instead,
    never a RecursionError. The text is read back under r.where, so a size it declares is written
    as its name (n, not dim(n)) while the method prints (printing.sizes_written_bare)."""
    @functools.wraps(method)
    def printed(self, *args, **kwargs):
        with sizes_written_bare(self._bare_sizes()):
            return with_frames(lambda: method(self, *args, **kwargs),
                               "this answer is nested too many levels deep to write out (Python's recursion limit); "
                               "evaluate it with r.evaluate(values)")
    return printed


class Result:
    """Common behaviour; subclasses fix `kind`, the main expression and evaluation."""

    kind = "result"
    label = "r"

    def __init__(self, function: Expression, wrt, expr: Expr, differential: Expr | None = None,
                 directions: tuple = (), forms: dict | None = None, first_order=None):
        self.function = function
        self.wrt = wrt
        self._expr = expr
        self._differential_node = differential
        self.directions = directions
        self._forms = forms or {}
        self._first_order = first_order

    @property
    def _differential(self) -> Expr | None:
        """df, simplified when first asked for: the answer is read off the differential as derived,
        and most readers of a gradient or Hessian never print df, whose simplification was a third
        of a gradient's time. Simplifying a node already simplified is a look-up
        (calculus/simplify/candidates.py)."""
        d = self._differential_node
        if d is not None:
            with request("the differential"):
                d = self._differential_node = compact_differential(simplify(d), self.directions, self._variable())
        return d

    def _variable(self):
        """The variable differentiated by, as the function holds it (None for several)."""
        if not isinstance(self.wrt, str):
            return None
        return next((v for v in self.function.node.walk() if isinstance(v, Var) and v.name == self.wrt), None)

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

    def first_order(self) -> Result | None:
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
        return declarations_of(*self._declared())

    def _declared(self, simplified: bool = True) -> tuple:
        """(node, extra): the expressions whose variables `where` declares. With `simplified` false,
        df as derived stands for df: it has every variable the simplified df has (simplifying drops
        variables, never adds one), and printing the answer does not simplify df for nothing."""
        extra = self._structured_directions() + [self.function.node] + [d for d in self.directions] \
            + self._wrt_variables()
        df = self._differential if simplified else self._differential_node
        if df is not None:
            extra.append(df)
        return self._expr, tuple(extra + self._sizing_variables(self._expr))

    def _bare_sizes(self) -> frozenset:
        """The sizes a text printed from this result may write as names (printing.sizes_written_bare):
        those `where` declares that name none of its variables."""
        return declared_sizes(*self._declared(simplified=False))

    def _structured_directions(self) -> list:
        """The directions of a symmetric (or diagonal) variable, declared so: the derivation moves dS over
        all matrices, and its last step, sym(G), holds only for a symmetric dS (declared first, these
        are the declarations where writes)."""
        out = []
        for x in self._wrt_variables():
            props = ({"symmetric"} if x.props & {"symmetric", "spd"} else set()) | (x.props & {"diagonal"})
            if not props or x.shape[0] != x.shape[1]:
                continue
            for d in self.directions:
                if d.shape == x.shape and not d.props & props:
                    out.append(B.var(d.name, d.shape, frozenset(props)))
        return out

    def _sizing_variables(self, *exprs) -> list:
        """Declared variables that fix a size the answer writes as a number (2 dim(n) x, where f
        was tr(X (X' X)^-1 X') x' x: X gives n)."""
        sizes = {str(n.args[0]) for e in exprs + (self.function.node,) for n in e.walk() if isinstance(n, DimSize)}
        return [v for v in self.function.context if isinstance(v, Var) and sizes & {str(d) for d in v.shape}] \
            if sizes else []

    def _wrt_variables(self) -> list:
        """The variables differentiated by, also where they cancelled (sum(y - y) by y: y is declared)."""
        names = set(self.wrt) if isinstance(self.wrt, (tuple, list)) else {self.wrt}
        return [v for v in self.function.context if getattr(v, "name", None) in names]

    def _taken(self) -> frozenset:
        """Names a reader of str(self) has declared (r.where): never reused for 'where' names."""
        names = set(self.function.node.free) | {d.name for d in self.directions}
        names |= {v.name for v in self.function.context}
        for n in self.function.node.walk():  # dimension names read like variables: never reuse one
            names |= {d for d in n.shape if isinstance(d, str) and "*" not in d}
        return frozenset(names)

    @_printing
    def __str__(self) -> str:
        return to_text_compact(self._expr, self._taken())

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.label} = {self}>"

    @_printing
    def latex(self) -> str:
        return to_latex_compact(self._expr, self._taken(), shape_known=True)

    @_printing
    def _repr_latex_(self) -> str:
        return "$$" + self.latex_label() + " = " + self.latex() + "$$"

    def latex_label(self) -> str:
        return self.label

    @_printing
    def forms(self) -> dict:
        """Every form as text and LaTeX (the CLI's JSON output)."""
        out = {"kind": self.kind, "wrt": self.wrt, "text": str(self), "latex": self.latex(),
               "shape": list(numpy_shape(self._expr.shape)), "where": self.where,
               "read_as": self.function.reading, "inferred": self.function.inferred}
        if self._differential is not None:
            out["differential"] = {"text": to_text(self._differential), "latex": to_latex(self._differential)}
        for k, e in self._forms.items():
            e = resolve(e)
            if e is not None:
                out[k] = {"text": to_text(e), "latex": to_latex(e)}
        return out

    def evaluate(self, values: Values | None = None, **kw: Any) -> Value:
        """The result's value at `values` (name -> array or number), with NumPy."""
        vals = dict(check_values(values))
        vals.update(kw)
        return evaluate(self._expr, vals, context=self._context(vals))

    def _context(self, vals: dict) -> tuple:
        """Expressions whose variables fix the result's dimensions: the function and the
        variables its text named (even those that cancelled), where values are given."""
        return (self.function.node,) + self.function._context_for(vals)

    def check(self, **kw: Any) -> CheckReport:
        """Finite differences against the result at random points (`trials`, `seed`, `tol`): a CheckReport."""
        from .numerics.check import check
        return check(self, **kw)

    # ---- the derivation, step by step (recorded on first access: it costs nothing unless asked)
    @property
    def steps(self) -> Steps:
        """The derivation as a list of steps (`.rule`, `str()`, `.latex()`, `.evaluate(values)`)."""
        s = self.__dict__.get("_steps")
        if s is None:
            try:
                with request("showing the steps"):  # (the derivation's own limits: a 30-level Hessian's steps took a minute)
                    s = steps_for(self)
            except RecursionError:
                raise LimitError("the steps of this derivation are nested too deeply to show (Python's recursion "
                                 "limit); the result itself is fine: name inner parts with where") from None
            self.__dict__["_steps"] = s
        return s

    def steps_latex(self) -> str:
        """The derivation as one LaTeX `aligned` block, each rule as a \\text{...} annotation."""
        return self.steps.latex()

    def show_steps(self) -> Steps:
        """The derivation, for display: a notebook renders it as LaTeX, `print` as aligned text."""
        return self.steps

    #: the forms `to_sympy(form)` can give, each an attribute holding an Expression (or None)
    SYMPY_FORMS = ("expr", "differential", "kron", "bilinear", "gradient", "unconstrained")

    def to_sympy(self, form: str = "expr") -> Any:
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
        return e.to_sympy(dims=self.function.sympy_dims)

    def numpy_source(self, backend: str = "numpy") -> str:
        """The source of a function computing this result (see `to_numpy`), made under the work limits
        of a request (a Hessian's dense code for x' A^67 x, or of a sin nested 150 deep, ran for
        minutes or ended in a RecursionError)."""
        from .outputs.codegen.generate import numpy_module
        with request("generating the code"):
            return with_frames(lambda: numpy_module(self, backend=backend),
                               "generating the code is nested too deeply to process (Python's recursion limit); "
                               "evaluate it with r.evaluate(values)")

    def to_numpy(self, backend: str = "numpy") -> Callable[..., Any]:
        """A function of the variables (positional in sorted order, or by keyword) computing this result."""
        from .outputs.codegen.generate import load_generated
        return load_generated(self.numpy_source(backend))


class DifferentialResult(Result):
    kind = "differential"

    def latex_label(self) -> str:
        return r"\mathrm{d}f"  # (a plain df sets as the product of d and f, in italics)


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

    def latex_label(self) -> str:
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
        k = None if m is None else resolve(m.kron)
        return None if k is None else self._wrap(k)

    def _dense(self, vals: dict):
        m = self.linear_map

        def kron() -> Expr | None:  # (derived only where the basis would be large)
            try:
                return resolve(m.kron)
            except MatcalcError:
                return None
        return dense_linear_map(m.expr, m.direction, vals, like=m.variable, sym=m.sym, diag=m.diag,
                                context=self._context(vals), project_values=m.project_values, kron=kron)


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

    def latex_label(self) -> str:
        if self.is_map:
            return r"\mathrm{d}F"
        j = r"\frac{\partial F}{\partial " + latex_name(self.wrt) + "}"
        return j if self.layout == "numerator" else r"\left(" + j + r"\right)^{\top}"

    def evaluate(self, values: Values | None = None, **kw: Any) -> Value:
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
        self._bilinear_form = bilinear
        self._gradient = gradient

    @property
    def _bilinear(self) -> Expr | None:
        return resolve(self._bilinear_form)

    @property
    def bilinear(self) -> Expression | None:
        """The second differential d2f = <dX, H[dX]>, simplified, as an expression in dX."""
        return None if self._bilinear is None else self._wrap(self._bilinear)

    @_printing
    def bilinear_form(self, latex: bool = False) -> str:
        """The second differential d2f as a bilinear form: `<dX, H[dX]> = ...`, with H[dX] spelled out."""
        dx = self.directions[0]
        if self.is_map:
            h = B.substitute(self._expr, {self.linear_map.direction.name: dx})
        else:
            h = B.mul(self._expr, dx)
        # the names of the main line (str(self)) keep their meaning here
        given = compact_binds(self._expr, self._taken())
        (h, bil), binds = common_subexpressions([h, self._bilinear], taken=self._taken(), given=given)
        # where the simplified form is written as the inner product itself (<dX, N + R> = <N + R, dX>),
        # once (a trace written otherwise stays: <dX, -X^-T dX' X^-T> = -tr(dX X^-1 dX X^-1))
        same = (bil is B.inner(dx, h) or bil is B.inner(h, dx)) and isinstance(bil, Trace) \
            and inner_pair(bil) is not None
        if latex:
            n = latex_name(dx.name)
            out = r"\left\langle " + n + ", " + to_latex(h) + r" \right\rangle"
            out += "" if same else " = " + to_latex(bil)
            if binds:
                out += r",\quad \text{where } " + ", ".join(f"{latex_name(m)} = {to_latex(d)}"
                                                            for m, d in _ordered(binds))
            return out
        out = f"<{dx.name}, {to_text(h)}>" + ("" if same else f" = {to_text(bil)}")
        if binds:
            out += " where " + ", ".join(f"{m} = {to_text(d)}" for m, d in _ordered(binds))
        return out

    @property
    def gradient(self) -> Expression | None:
        return None if self._gradient is None else self._wrap(self._gradient)

    @_printing
    def __str__(self) -> str:
        if isinstance(self.wrt, tuple) and isinstance(self._expr, Zero):
            return "0"  # a mixed block that vanishes is zero, whatever its shape (never an array)
        return super().__str__()

    @_printing
    def latex(self) -> str:
        if isinstance(self.wrt, tuple) and isinstance(self._expr, Zero):
            return "0"
        return super().latex()

    def latex_label(self) -> str:
        if isinstance(self.wrt, tuple):
            a, b = (latex_name(w) for w in self.wrt)
            mixed = r"\frac{\partial^2 f}{\partial " + a + r"\, \partial " + b + "}"
            return mixed + (r"\left[" + latex_name(self.linear_map.direction.name) + r"\right]"
                            if self.is_map else "")
        if self.is_map:
            return r"H\left[" + latex_name(self.linear_map.direction.name) + r"\right]"
        return r"\nabla^2 f"

    def evaluate(self, values: Values | None = None, **kw: Any) -> Value:
        vals = dict(check_values(values))
        vals.update(kw)
        if not self.is_map:
            return evaluate(self._expr, vals, context=self._context(vals))
        return self._dense(vals)


class HvpResult(Result):
    """The Hessian-vector product H[v], an expression in the direction v (never forming H)."""

    kind = "hvp"

    def __init__(self, *a, moving: dict | None = None, **k):
        super().__init__(*a, **k)
        self.moving = moving  # name -> direction, when several variables move at once (a block product)

    def latex_label(self) -> str:
        return r"\nabla^2 f\left[" + latex_name(self.directions[-1].name) + r"\right]"


# ---------------------------------------------------------------- several variables at once
def _is_zero(node: Expr) -> bool:
    return isinstance(node, Zero)


class SeveralResult(Result):
    """Derivatives with respect to several variables at once: one part per variable (or, for a
    Hessian, per block), in the order asked for, printed together with the subexpressions the
    parts share named once (`... where P = tanh(W1 X + b1 ones(1, N))`).

    `r[key]` is one part, the very result the single-variable call gives (`r["W1"]` is
    `grad(f, "W1")`); `r.evaluate(values)` a dict key -> array; `r.expr` a dict key -> Expression.
    """

    kind = "several"

    def __init__(self, function: Expression, wrt: tuple, parts: dict, differential: Expr | None = None,
                 directions: tuple = ()):
        first = next(iter(parts.values()))
        super().__init__(function, tuple(wrt), differential if differential is not None else first.node,
                         differential, directions)
        self.parts = parts

    def to_sympy(self, form: str = "expr") -> dict:
        """Each part in SymPy (see `Result.to_sympy`): part key -> SymPy expression."""
        return {k: p.to_sympy(form) for k, p in self.parts.items()}

    @property
    def steps(self) -> PartSteps:
        """The derivation of each part, recorded as the single-variable result records it."""
        return PartSteps({k: p.steps for k, p in self.parts.items()})

    # ---- parts
    def __getitem__(self, key):
        try:
            return self.parts[key]
        except (KeyError, TypeError):
            keys = ", ".join(repr(k) for k in self.parts)
            raise MatcalcError(f"{key!r} is not one of this result's parts ({keys})") from None

    def __iter__(self):
        return iter(self.parts)

    def __len__(self) -> int:
        return len(self.parts)

    def keys(self) -> KeysView:
        return self.parts.keys()

    def items(self) -> ItemsView:
        return self.parts.items()

    @property
    def expr(self) -> dict:
        return {k: p.expr for k, p in self.parts.items()}

    def _declared(self, simplified: bool = True) -> tuple:
        extra = [p.node for p in self.parts.values()] + list(self.directions) + self._wrt_variables()
        for r in (*self.parts.values(), self):
            if r is not self:
                extra += list(r.directions)
            df = r._differential if simplified else r._differential_node
            if df is not None:
                extra.append(df)
        return self.function.node, tuple(extra)

    def _taken(self) -> frozenset:
        names = set(super()._taken())
        for p in self.parts.values():
            names |= p._taken()
            names |= {d for v in p.directions for d in v.shape if isinstance(d, str)}
        return frozenset(names)

    def _bodies(self) -> list:
        """The expression each part prints (a zero block prints as 0, not as an array)."""
        return [p.node for p in self.parts.values()]

    def _joint(self) -> tuple:
        """The parts' bodies with their shared subexpressions named, and the names: found once per
        result (every printed form asks for them: lines, where_line, str, LaTeX, the report)."""
        memo = self.__dict__.get("_joint_memo")
        if memo is None:
            bodies = self._bodies()
            named = common_subexpressions(bodies, limit=8, taken=self._taken(), scalars_in_definitions=True)
            oriented = oriented_jointly(bodies)
            if any(a is not b for a, b in zip(oriented, bodies)):
                # x - mu in one block and mu - x in another: written one way, their shared parts are
                # named once (where it is shorter in all)
                other = common_subexpressions(oriented, limit=8, taken=self._taken(), scalars_in_definitions=True)
                if named_size(other) < named_size(named):
                    named = other
            memo = self.__dict__["_joint_memo"] = (named[0], _ordered(named[1]))
        return memo

    @_printing
    def lines(self) -> list:
        """(key, text label, LaTeX label, text, LaTeX) per part, the shared names in the last ones'
        `where` (see `where_line`)."""
        bodies, _ = self._joint()
        out = []
        for (k, p), body in zip(self.parts.items(), bodies):
            zero = _is_zero(p.node)
            out.append((k, self.text_label(k, p), self.latex_label_of(k, p),
                        "0" if zero else to_text(body),
                        "0" if zero else to_latex(body, shape_known=True)))
        return out

    @_printing
    def where_line(self, latex: bool = False) -> str:
        """The shared subexpressions, `P = ..., Q = ...` ('' when none)."""
        _, binds = self._joint()
        if latex:
            return ", ".join(f"{latex_name(n)} = {to_latex(d)}" for n, d in binds)
        return ", ".join(f"{n} = {to_text(d)}" for n, d in binds)

    @_printing
    def __str__(self) -> str:
        out = [f"{label} = {text}" for _, label, _, text, _ in self.lines()]
        shared = self.where_line()
        if shared:
            out.append("where " + shared)
        return "\n".join(out)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} with respect to {', '.join(map(str, self.wrt))}>"

    @_printing
    def latex(self) -> str:
        rows = [f"{label} &= {tex}" for _, _, label, _, tex in self.lines()]
        shared = self.where_line(latex=True)
        if shared:
            rows.append(r"& \text{where } " + shared)
        return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"

    @_printing
    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def text_label(self, key: str | tuple, part: Result) -> str:
        return str(key)

    def latex_label_of(self, key: str | tuple, part: Result) -> str:
        return part.latex_label()

    @_printing
    def forms(self) -> dict:
        """Every form as text and LaTeX (the CLI's JSON output); `parts` holds each part's own forms."""
        out = {"kind": self.kind, "wrt": list(self.wrt), "text": str(self), "latex": self.latex(),
               "where": self.where, "read_as": self.function.reading, "inferred": self.function.inferred,
               "shared": self.where_line(), "parts": []}
        if self._differential is not None:
            out["differential"] = {"text": to_text(self._differential), "latex": to_latex(self._differential)}
        for (k, p), (_, label, tex_label, text, tex) in zip(self.parts.items(), self.lines()):
            one = p.forms()
            one.update(key=list(k) if isinstance(k, tuple) else k, label=label, label_latex=tex_label,
                       joint_text=text, joint_latex=tex)
            if _is_zero(p.node):
                one.update(text="0", latex="0", zero=True)
            out["parts"].append(one)
        return out

    def evaluate(self, values: Values | None = None, **kw: Any) -> dict:
        """A dict key -> array, each part's own `.evaluate()`."""
        vals = dict(check_values(values))
        vals.update(kw)
        return {k: p.evaluate(vals) for k, p in self.parts.items()}

    label = "part"

    def generated_outputs(self, outs: list, found: dict, directions: dict, label: str | None = None) -> list:
        """Append the parts to `outs` (the outputs of one generated function), their variables to
        `found` and the directions they move along to `directions`; the layout of their indices
        (a list per variable in the order named; for a Hessian, a list of rows of blocks)."""
        from .outputs.codegen.generate import outputs_for
        label = label or self.label
        moving = {v.name for v in self.directions} if self.kind == "hvp" else set()
        directions.update((v.name, v) for v in self.directions if v.name in moving)

        def add(part, name):
            got, ps = outputs_for(part, name=name)
            for p in ps:
                if p.name not in moving:
                    found.setdefault(p.name, p)
            outs.extend(got)
            return len(outs) - 1
        if isinstance(self, BlockHessianResult):
            return [[add(self.parts[(a, b)], f"{label}_{a}_{b}") for b in self.wrt] for a in self.wrt]
        return [add(self.parts[n], f"{label}_{n}") for n in self.wrt]

    def numpy_source(self, backend: str = "numpy") -> str:
        """The source of one function of the variables (sorted by name; a block product's directions
        last, in the order named) returning a tuple with a part per variable (a Hessian: rows of
        blocks), the work the parts share done once."""
        from .outputs.codegen.generate import add_sizing_variables, generate
        with request("generating the code"):  # (the work limits, as for one part: Result.numpy_source; the
            # parts' outputs and the docstring's text of f, 180 nested sin(...), hit the recursion limit outside)
            outs, found, directions = [], variables(self.function.node), {}
            layout = self.generated_outputs(outs, found, directions)
            add_sizing_variables(found, [self.function.node], self.function.context, wrt=self.wrt)
            params = [found[n] for n in sorted(found) if n not in directions] + list(directions.values())
            doc = (f"Generated by matcalc: the {self.kind} of f = {to_text(self.function.node)} with respect to "
                   f"{', '.join(self.wrt)}, one per variable in that order.")
            return generate(outs, params, backend=backend, name="f", layout=layout, doc=doc)


class GradientsResult(SeveralResult):
    """The gradient with respect to each of several variables: df = sum_k <G_k, dX_k>."""

    kind = "gradients"
    label = "grad"

    def text_label(self, key: str | tuple, part: Result) -> str:
        return f"grad {key}"


class BlockHessianResult(SeveralResult):
    """The block Hessian: block (A, B) is the mixed second derivative d2f/dA dB, the map
    dB -> d(grad_A f)[dB] (a matrix when A and B are vectors), exactly `hessian(f, (A, B))`;
    the diagonal blocks are `hessian(f, A)`. A block that is zero prints as 0. Evaluated, block
    (A, B) is the array [A..., B...]; `dense()` joins the blocks of vector and scalar variables
    into one symmetric matrix."""

    kind = "hessian"
    label = "hessian"

    def text_label(self, key: str | tuple, part: Result) -> str:
        a, b = key
        m = part.linear_map
        return f"H[{a}, {b}]" + (f"[{m.direction.name}]" if m is not None and not _is_zero(part.node) else "")

    def latex_label_of(self, key: str | tuple, part: Result) -> str:
        a, b = (latex_name(k) for k in key)
        top = r"\frac{\partial^2 f}{\partial " + (a + "^2" if key[0] == key[1] else a + r"\, \partial " + b) + "}"
        m = part.linear_map
        return top + (r"\left[" + latex_name(m.direction.name) + r"\right]"
                      if m is not None and not _is_zero(part.node) else "")

    def dense(self, values: Values | None = None, **kw: Any) -> np.ndarray:
        """The whole Hessian as one matrix, variables in order, each flattened (row-major, as
        NumPy's reshape): entries d2f / dx_i dx_j over all the variables' entries."""
        blocks = self.evaluate(values, **kw)
        sizes = [int(np.prod(np.shape(blocks[(a, a)]))) for a in self.wrt]
        sizes = [math.isqrt(s) for s in sizes]  # block (A, A) has size(A)^2 entries
        return np.block([[np.reshape(blocks[(a, b)], (sa, sb)) for b, sb in zip(self.wrt, sizes)]
                         for a, sa in zip(self.wrt, sizes)])


class BlockHvpResult(SeveralResult):
    """The block Hessian-vector product: for each variable A, sum_B H_AB[v_B] = d(grad_A f) with
    every variable B moving along its own direction v_B; `directions` holds the v_B, in order."""

    kind = "hvp"
    label = "hvp"

    def text_label(self, key: str | tuple, part: Result) -> str:
        return f"H[v]_{key}"

    def latex_label_of(self, key: str | tuple, part: Result) -> str:
        return r"\left(\nabla^2 f\, v\right)_{" + latex_name(key) + "}"
