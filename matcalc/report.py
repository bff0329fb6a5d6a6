"""The JSON form of a parsed expression or a derivation: what `matcalc --format json` prints and
what the web page's `POST /api/derive` answers, built in one place so the two never drift."""
from __future__ import annotations

from typing import TYPE_CHECKING

from .expression import Expression, numpy_shape

if TYPE_CHECKING:
    from .numerics.check import CheckReport
    from .results import Result


def entrywise_note(f: Expression) -> str | None:
    """The note the command line and the web page give on what the reading takes that a paper may mean
    otherwise (Expression.notes: exp(t A) x0, an entrywise exponential multiplied as a matrix)."""
    return "; ".join(f.notes) or None


def expression_json(e: Expression) -> dict:
    """How an expression was read, without differentiating: text, LaTeX, shape (a list, empty
    for a scalar), the declarations it inferred (`where`), the explicit reading and the kinds."""
    return {"text": str(e), "latex": e.latex(), "shape": list(e.shape), "where": e.where,
            "read_as": e.reading, "inferred": e.inferred}


def result_json(r: Result, report: CheckReport | None = None, steps: bool = False) -> dict:
    """Every form of a result (`r.forms()`), its array shape, d2f where there is one, the
    finite-difference verdict when `report` is given, and the derivation's steps when asked for
    and the result has them."""
    out = r.forms()
    add_shapes(r, out)  # read_as and inferred come with the result's forms
    for part, forms in zip(getattr(r, "parts", {}).values(), out.get("parts", ())):
        add_shapes(part, forms)  # (several variables: each part's shape and d2f as a one-variable result gives them)
    if report is not None:
        out["check"] = {"ok": report.ok, "error": report.error, "trials": report.trials}
    if steps:
        out["steps"] = r.steps.to_json()  # a list of {lhs, rule, text, latex}; per part for several variables
    return out


def add_shapes(r: Result, out: dict) -> None:
    """JSON's `shape` is that of the array `.evaluate()` returns (a linear map's is [out..., in...],
    [in..., out...] in denominator layout; `map_value_shape` is then that of L(V)); a Hessian
    with a second differential gives it as `d2f` (vector and matrix variables alike)."""
    m = getattr(r, "linear_map", None)
    if m is not None:
        outs, ins = list(numpy_shape(m.expr.shape)), list(numpy_shape(m.variable.shape))
        out["map_value_shape"] = out["shape"]
        out["shape"] = ins + outs if m.layout == "denominator" else outs + ins
    if getattr(r, "bilinear", None) is not None:
        out["d2f"] = {"text": r.bilinear_form(), "latex": r.bilinear_form(latex=True)}
