"""`r.steps`: a result's derivation, step by step, as the differential approach is taught.

`steps_for(result)` builds the record (`calculus/steps.py`) from the result's function, variable
and directions, ending at the result's own answer, so the record and the answer cannot drift
apart. Each `Step` prints (`str`, `.latex()`), names its rule (`.rule`) and evaluates
(`.evaluate(values)`, with the variables and their directions such as `dX`, and `V` for a
Hessian), so every line can be checked against <G, dX> (or <dX, H[V]>).
"""
from __future__ import annotations

import re
from typing import Any

from .calculus.derive import find_variable, is_diagonal_var, is_symmetric_var
from .calculus.readoff import differential
from .calculus.simplify import simplify
from .calculus.steps import (Leaf, Op, RawStep, differential_steps, gradient_steps, line_expr,
                             second_order_steps)
from .core import build as B
from .core.errors import ShapeError
from .core.nodes import SCALAR, Add, Expr, Var
from .numerics.evaluate import check_values, evaluate
from .outputs.steps_printing import LHS_TEXT, rule_latex, step_latex, step_text, steps_latex, steps_text
from .outputs.printing import latex_name
from .expression import Value, Values


class Step:
    """One line of a derivation: `str(step)` is `df = ...`, `.rule` the rule that produced it."""

    __slots__ = ("_raw", "_context", "_text")

    def __init__(self, raw: RawStep, context: tuple, text: str | None = None):
        self._raw = raw
        self._context = context
        self._text = text if text is not None else step_text(raw)

    @property
    def rule(self) -> str:
        """The rule that produced this line from the previous one (merged rules joined by '; ')."""
        return self._raw.rule

    @property
    def lhs(self) -> str:
        """"df", "d2f" (second differential) or "dF" (differential of a vector or matrix function)."""
        return self._raw.lhs

    @property
    def directions(self) -> dict:
        """Each variable's direction in this line's pending differentials (name -> name)."""
        return {k: v.name for k, v in self._raw.dirs}

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<Step {self} [{self.rule}]>"

    def latex(self) -> str:
        return step_latex(self._raw)

    def rule_latex(self) -> str:
        return rule_latex(self.rule)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + r"\qquad " + self.rule_latex() + "$$"

    @property
    def expr(self) -> Expr:
        """The line as an engine expression (a pending d(e) as the engine's differential of e)."""
        return line_expr(self._raw.node, dict(self._raw.dirs))

    def evaluate(self, values: Values | None = None, **kw: Any) -> Value:
        """The value of the line's right-hand side; `values` holds the variables and directions."""
        vals = dict(check_values(values))
        vals.update(kw)
        # (a variable of the context that no value is given for is left out, as Expression.evaluate leaves
        # it: one declared and never used asked for its value on every line)
        return evaluate(self.expr, vals, context=tuple(c for c in self._context if getattr(c, "name", None) in vals))


class Steps(list):
    """The derivation: a list of `Step`; prints as aligned lines with rules, renders in Jupyter."""

    def __str__(self) -> str:
        return steps_text([s._raw for s in self])

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    def latex(self) -> str:
        """One `aligned` block, the rules as \\text{...} annotations."""
        return steps_latex([s._raw for s in self])

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def to_json(self) -> list:
        return [{"lhs": LHS_TEXT[s.lhs], "rule": s.rule, "text": str(s), "latex": s.latex()} for s in self]


class PartSteps(dict):
    """The derivations of a result with several parts (one per variable, or per Hessian block):
    part key -> `Steps`, in the order the parts were asked for; prints and renders each under
    the name of its part."""

    @staticmethod
    def _label(key) -> str:
        return ", ".join(key) if isinstance(key, tuple) else str(key)

    def __str__(self) -> str:
        return "\n".join(f"by {self._label(k)}:\n{v}" for k, v in self.items())

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle) -> None:
        p.text(str(self))

    @staticmethod
    def _latex_label(key) -> str:
        return ", ".join(latex_name(k) for k in (key if isinstance(key, tuple) else (key,)))

    def latex(self) -> str:
        """One block per part, each headed by its variable(s) as mathematics (W_{1}, b_{\\mathrm{max}}), the
        parts in one left-aligned array (a \\\\ between them at the top level does nothing in display mode)."""
        rows = r" \\ ".join(rf"\text{{by }} {self._latex_label(k)}: \quad {v.latex()}" for k, v in self.items())
        return r"\begin{array}{l}" + rows + r"\end{array}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def to_json(self) -> dict:
        return {self._label(k): v.to_json() for k, v in self.items()}


_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*")
_OPEN, _CLOSE = "(<[{", ")>]}"


def _summands(reading: str) -> list:
    """The top-level terms of a sum as the text was read (`(1 / 2) x' A x + b' x + c`): split at
    ` + ` and ` - ` outside brackets and norm bars."""
    out, depth, bars, start, i = [], 0, False, 0, 0
    while i < len(reading):
        c = reading[i]
        if reading.startswith("||", i):
            bars = not bars
            i += 2
            continue
        if c in _OPEN:
            depth += 1
        elif c in _CLOSE:
            depth -= 1
        elif depth == 0 and not bars and reading.startswith((" + ", " - "), i):
            out.append(reading[start:i])
            start = i + 3
        i += 1
    out.append(reading[start:])
    return out


def _names(text: str) -> set:
    return set(_NAME.findall(text))


def written_order(f: Expr, reading: str) -> tuple | None:
    """The terms of a sum f in the order the text gave them (the engine sorts them): each term
    goes to the summand of the text whose names (variables and functions) it shares most."""
    if not isinstance(f, Add):
        return None
    parts = [_names(p) for p in _summands(reading)]
    if len(parts) < 2:
        return None

    def place(i_t):
        i, t = i_t
        names = _names(str(t))
        score = [len(names & p) / max(1, len(names | p)) for p in parts]
        return (max(range(len(parts)), key=lambda k: (score[k], -k)), i)
    return tuple(t for _, t in sorted(enumerate(f.args), key=place))


def _unconstrained(function, x: Var) -> tuple:
    """(formula, X) as the engine differentiates a symmetric or diagonal X: the formula as typed,
    on all matrices (the same choice as `api.constrained_gradient_parts`)."""
    if not (is_symmetric_var(x) or is_diagonal_var(x)):
        return function.node, x
    keep = x.props - {"symmetric", "spd", "diagonal", "orthogonal"}
    fu = function.variant(x.name, keep | ({"invertible"} if "spd" in x.props else set()))
    return fu.node, find_variable(fu.node, x.name, {}, fu.context)


def _variable(result, name: str) -> Var:
    f = result.function
    x = find_variable(f.node, name, {}, f.context)
    if "orthogonal" in x.props:  # differentiated as a general matrix (see api.prepare)
        f = f.variant(name, (x.props - {"orthogonal"}) | {"invertible"})
        x = find_variable(f.node, name, {}, f.context)
    return x


def _projection(x: Var) -> str:
    """The rule that puts a gradient on the variable's own space ("" for a general variable)."""
    if is_diagonal_var(x):
        return "diagonal part"
    if is_symmetric_var(x):
        return "sym(G)"
    return ""


def _first_order(result, name: str, dx: Var, g: Expr, projected=None, plain: bool = False) -> tuple:
    """(steps of df up to <g, dX> and its projection if given, the variable): on all matrices for
    a symmetric or diagonal X, as the engine differentiates it, unless `plain`."""
    x = _variable(result, name)
    f, xu = (result.function.node, x) if plain else _unconstrained(result.function, x)
    proj = _projection(x) if projected is not None else ""
    order = written_order(f, result.function.reading)
    return gradient_steps(f, xu, dx, g, projected, proj, order=order), x


def _jacobian_line(j: Expr, dx: Var):
    """dF = J dx (J' dx where J is a row read against a column direction)."""
    try:
        B.mul(j, dx)
        return Op("mul", (Leaf(j), Leaf(dx)))
    except ShapeError:
        return Op("mul", (Op("T", (Leaf(j),)), Leaf(dx)))


def _second_order(result, x: Var, dx: Var, v: Var, g: Expr, plain: bool = False) -> list:
    """d2f = <d(G), dX> along v, expanded, then the result's H read off (projected where X is
    symmetric or diagonal, unless `plain`)."""
    h = result.node
    if B.is_zero(h):  # nothing to read off but 0
        return second_order_steps(g, x, dx, v, Leaf(B.ZERO), "read off H")
    if result.kind == "hvp":
        proj = _projection(x)
        line = Op("mul", (Leaf(h), Leaf(dx))) if x.shape == SCALAR else Op("inner", (Leaf(h), Leaf(dx)))
        moving = getattr(result, "moving", None)  # a row of a block product: every variable moves
        if proj:
            dg = simplify(differential(g, dict(moving) if moving else {x.name: v}))
            return second_order_steps(g, x, dx, v, Op("inner", (Leaf(dg), Leaf(dx))), "read off H[V]",
                                      line, "sym(H[V])" if proj == "sym(G)" else proj, moving=moving)
        return second_order_steps(g, x, dx, v, line, "read off H[V]", moving=moving)
    if x.shape == SCALAR and dx.shape == SCALAR:  # (a block by a scalar after a vector or matrix: below)
        return second_order_steps(g, x, dx, v, Op("mul", (Leaf(h), Leaf(dx), Leaf(v))), "read off H")
    if not result.is_map:  # <H dx, dx>, then H read off d2f = dx' H dx
        return second_order_steps(g, x, dx, v, Op("inner", (Leaf(B.mul(h, v)), Leaf(dx))), "collect terms",
                                  Op("mul", (Op("T", (Leaf(dx),)), Leaf(h), Leaf(v))), "read off H")
    proj = "" if plain else _projection(x)
    if proj:
        dg = simplify(differential(g, {x.name: v}))
        return second_order_steps(g, x, dx, v, Op("inner", (Leaf(dg), Leaf(dx))), "read off H[V]",
                                  Op("inner", (Leaf(h), Leaf(dx))), "sym(H[V])" if proj == "sym(G)" else proj)
    return second_order_steps(g, x, dx, v, Op("inner", (Leaf(h), Leaf(dx))), "read off H[V]")


def raw_steps_for(result: Any) -> list:
    """The record of a result (`RawStep`s), by the result's kind."""
    kind = result.kind
    dirs = result.directions
    if kind == "differential":
        x = _variable(result, result.wrt)
        return differential_steps(result.function.node, x, dirs[0], Leaf(result.node), "collect terms",
                                  order=written_order(result.function.node, result.function.reading))
    if kind == "jacobian":
        x = _variable(result, result.wrt)
        j = result.node  # in denominator layout J' (the same array when x or F is a scalar)
        if result.layout != "numerator" and x.shape != SCALAR and result.function.node.shape != SCALAR:
            j = B.transpose(j)
        answer = Leaf(result.node) if result.is_map else _jacobian_line(j, dirs[0])
        rule = "collect terms" if result.is_map else "read off J"
        return differential_steps(result.function.node, x, dirs[0], answer, rule, lhs="dF",
                                  order=written_order(result.function.node, result.function.reading))
    if kind == "gradient":
        x = _variable(result, result.wrt)
        g = result._unconstrained if result._unconstrained is not None else result.node
        projected = result.node if _projection(x) else None
        steps, _ = _first_order(result, result.wrt, dirs[0], g, projected)
        return steps
    if kind == "hessian" and isinstance(result.wrt, tuple):
        a, b = result.wrt
        g = result._gradient
        first, _ = _first_order(result, a, dirs[0], g, plain=True)
        xb = _variable(result, b)
        return first + _second_order(result, xb, dirs[0], dirs[1], g, plain=True)
    if kind in ("hessian", "hvp"):
        x = _variable(result, result.wrt)
        g = result._gradient if kind == "hessian" else _gradient_of_hvp(result, x)
        g_all = _first_order_g(result, x, g)
        first, _ = _first_order(result, result.wrt, dirs[0], g_all)
        if g_all is not g:  # G on the symmetric (or diagonal) X, before differentiating it again
            first.append(RawStep("df", "X' = X", Op("inner", (Leaf(g), Leaf(dirs[0]))), first[-1].dirs))
        v = dirs[1] if len(dirs) > 1 else dirs[0]
        return first + _second_order(result, x, dirs[0], v, g)
    raise ValueError(f"no derivation record for a {kind} result")


def _first_order_g(result, x: Var, g: Expr) -> Expr:
    """The gradient the first-order part ends at: on all matrices for a symmetric or diagonal X."""
    if not (is_symmetric_var(x) or is_diagonal_var(x)):
        return g
    return result.first_order()._unconstrained


def _gradient_of_hvp(result, x: Var) -> Expr:
    """The G an hvp differentiates (the gradient on X, before any projection)."""
    gr = result.first_order()
    if not (is_symmetric_var(x) or is_diagonal_var(x)):
        return gr.node
    return simplify(B.substitute(gr._unconstrained, {x.name: x}))


def steps_for(result: Any) -> Steps:
    """The derivation of `result` as `Steps`."""
    context = (result.function.node,) + tuple(result.function.context)
    merged: list = []  # (raw step, its text)
    for s in raw_steps_for(result):
        text = step_text(s)
        if merged and merged[-1][0].lhs == s.lhs and merged[-1][1] == text:
            prev = merged[-1][0]  # nothing visible changed: one line, both rules
            merged[-1] = (RawStep(prev.lhs, prev.rule + "; " + s.rule, prev.node, prev.dirs), text)
        else:
            merged.append((s, text))
    return Steps(Step(s, context, text) for s, text in merged)
