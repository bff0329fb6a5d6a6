"""The JSON API behind the page: `POST /api/derive` and `GET /api/language`.

A request is a JSON object; every field but `expr` may be left out:

    {"expr": "tr(AX^2BX^-T)",        the expression (the library's limits apply)
     "wrt": "X",                      a name, or several: "W1,b1" or ["W1", "b1"]; empty = the one
                                      variable of the expression, or just how it was read
     "where": "X: matrix(n,n)",       declarations
     "kind": "auto",                  auto (gradient of a scalar f, else Jacobian), gradient,
                                      jacobian, hessian, hvp, differential
     "layout": "numerator",           or denominator (Jacobians)
     "steps": false,                  add the derivation's steps where results have them
     "check": false,                  add the finite-difference verdict
     "code": [],                      generated code to add: any of numpy, jax, torch
     "format": "json"}                json: the command line's `--format json`, as it prints it;
                                      mathml: the same, every "latex" with its "mathml" beside
                                      it, and the rows the page shows

The answer is the command line's JSON (`matcalc.report`) plus `function` (the expression as
read, text and LaTeX), `note` where `auto` chose a Jacobian or the formula multiplies an entrywise function of
a square matrix (exp(t A) x0), and what was asked for. An error
is HTTP 400 with `{"error": class name, "message", "line", "column", "field"}`: line and column
(1-based, in code points) where the library reports a position, and `field` the request field
they point into ("expr" or "where"). Nothing here evaluates user text: the text goes to the
library's parser, and everything else in a request is checked against fixed choices.
"""
from __future__ import annotations

import functools
from typing import Any

from ..api import differential, grad, hessian, hvp, jacobian, notes_given_elsewhere
from ..core.errors import MatcalcError
from ..core.functions import CALLS, FUNCTIONS
from ..expression import parse
from ..language.declarations import KINDS as DECLARED_KINDS
from ..language.declarations import PROPS, parse_declarations
from ..language.parser import MAX_LENGTH
from ..report import entrywise_note, expression_json, result_json
from .mathml import add_mathml, available, to_mathml

KINDS = ("auto", "gradient", "jacobian", "hessian", "hvp", "differential")
LAYOUTS = ("numerator", "denominator")
FORMATS = ("json", "mathml")
BACKENDS = ("numpy", "jax", "torch")
FIELDS = ("expr", "wrt", "where", "kind", "layout", "steps", "check", "code", "format")
MAX_WRT = 16          # names in `wrt`


class RequestError(MatcalcError):
    """A request that is not a well-formed derivation request (a missing field, a wrong type)."""


def respond(request: Any) -> tuple:
    """(HTTP status, JSON body) for a derivation request; never raises.

    200 with the derivation, 400 with the error for bad input (anything a MatcalcError says),
    500 for an internal error (a bug: the message asks for a report)."""
    try:
        return 200, derive(request)
    except MatcalcError as e:
        return 400, error_json(e, request)
    except RecursionError:
        return 400, error_json(MatcalcError("the expression is nested too deeply to derive"), request)
    except MemoryError:
        return 400, error_json(MatcalcError("the derivation needs more memory than this server allows"), request)
    except Exception as e:  # noqa: BLE001 - an internal error, reported plainly
        return 500, {"error": "InternalError", "message": f"internal error ({type(e).__name__}: {e}); "
                     "please report it with the input", "line": None, "column": None, "field": None}


def error_json(e: MatcalcError, request: Any = None) -> dict:
    """The error as JSON: its class, message, and the line and column of a parse error, with the
    request field ("expr" or "where") whose text they point into."""
    line, column, field = getattr(e, "line", None), getattr(e, "column", None), getattr(e, "field", None)
    text = getattr(e, "text", None)
    if field is None and line is not None and isinstance(request, dict):
        for name in ("expr", "where"):
            if isinstance(request.get(name), str) and request[name] == text:
                field = name
                break
        else:
            if isinstance(request.get("expr"), str):
                field = "expr"
    return {"error": type(e).__name__, "message": str(e), "line": line, "column": column, "field": field}


def derive(request: Any) -> dict:
    """The derivation a request asks for, as JSON; raises MatcalcError on bad input."""
    req = validated(request)
    wrt, kind = req["wrt"], req["kind"]
    try:  # (the declarations alone first: an error in them is the where field's, for the page to mark)
        parse_declarations(req["where"])
    except MatcalcError as e:
        e.field = "where"
        raise
    # a gradient, Hessian or hvp (and "auto", which is a gradient where it can be) needs a scalar f
    f = parse(req["expr"], where=req["where"], want_scalar=kind not in ("jacobian", "differential"))
    if not wrt:
        names = f.variables
        if len(names) == 1:
            wrt = [names[0]]
        elif kind != "auto" or req["check"]:
            raise RequestError("the expression has no variables: it is a constant, and there is nothing to "
                               "differentiate by" if not names else
                               f"say which variable to differentiate by (the expression has {len(names)} "
                               f"variables: {', '.join(names)})")
    function = {"text": str(f), "latex": f.latex()}
    if not wrt:
        out = expression_json(f)
        out.update(kind="expression", function=function)
        if f.variables:
            out["note"] = (f"nothing was differentiated: say which variable to differentiate by (the expression "
                           f"has {len(f.variables)}: {', '.join(f.variables)})")
        return _finish(out, req, rows=[_row("read", "read as", function["text"], function["latex"])])
    target = wrt[0] if len(wrt) == 1 else list(wrt)
    note = None
    if kind == "auto":
        kind = "gradient" if f.is_scalar else "jacobian"
        if kind == "jacobian":
            shape = " x ".join(map(str, f.shape))
            note = (f"f is not a scalar (its shape is {shape}), so this is its Jacobian, not a gradient; "
                    f"f was read as {f.reading}")
    entrywise = entrywise_note(f)
    note = f"{note}; {entrywise}" if note and entrywise else note or entrywise
    r = _compute(f, target, kind, req["layout"])
    report = r.check() if req["check"] else None
    out = result_json(r, report, steps=req["steps"])
    out["function"] = function
    if note:
        out["note"] = note
    if report is not None:
        out["check"]["verdict"] = str(report)
    if req["steps"] and getattr(r, "steps_latex", None) is not None:
        out["steps_latex"] = r.steps_latex()
    if req["code"]:
        out["code"] = {b: _code(r, b) for b in req["code"]}
    return _finish(out, req, rows=_rows(r, out, function))


def _compute(f, wrt, kind: str, layout: str):
    with notes_given_elsewhere():  # (the answer's `note` says them)
        return _question(f, wrt, kind, layout)


def _question(f, wrt, kind: str, layout: str):
    if kind == "gradient":
        return grad(f, wrt)
    if kind == "jacobian":
        return jacobian(f, wrt, layout=layout)
    if kind == "hessian":
        return hessian(f, wrt)
    if kind == "hvp":
        return hvp(f, wrt)
    return differential(f, wrt)


def _code(r, backend: str) -> dict:
    try:
        return {"source": r.numpy_source(backend=backend)}  # (a several-variable result has its own)
    except MatcalcError as e:
        return {"error": str(e)}


def _finish(out: dict, req: dict, rows: list) -> dict:
    if req["format"] == "mathml":
        out = add_mathml(out)
        out["rows"] = [dict(row, mathml=to_mathml(row["shown"])) for row in rows]
        out["mathml_available"] = available()
    return out


def _row(key: str, title: str, text: str, latex: str, label: str = "") -> dict:
    """One line of the page: what the copy buttons give (text, latex) and what is typeset (shown)."""
    return {"key": key, "title": title, "text": text, "latex": latex,
            "shown": f"{label} = {latex}" if label else latex}


def _rows(r, out: dict, function: dict) -> list:
    """The page's lines, in order: how f was read, df, the result, its Kronecker form, d2f, steps."""
    rows = [_row("read", "read as", function["text"], function["latex"], "f")]
    d = out.get("differential")
    if isinstance(d, dict) and r.kind != "differential" and d.get("text") != out.get("text"):
        rows.append(_row("differential", "differential", d["text"], d["latex"], r"\mathrm{d}f"))
    titles = {"gradient": "gradient", "jacobian": "Jacobian", "hessian": "Hessian",
              "hvp": "Hessian-vector product", "differential": "differential"}
    title = titles.get(r.kind, str(r.kind)) + (" (a linear map)" if getattr(r, "is_map", False) else "")
    label = r.latex_label() if hasattr(r, "latex_label") else ""
    rows.append(_row("result", title, out.get("text", str(r)), out.get("latex", r.latex()), label))
    if "kron" in out:
        rows.append(_row("kron", "Kronecker form (vec)", out["kron"]["text"], out["kron"]["latex"]))
    if "d2f" in out:
        rows.append(_row("d2f", "second differential", out["d2f"]["text"], out["d2f"]["latex"],
                         r"\mathrm{d}^2 f"))
    steps = out.get("steps") or ()
    parts = steps.items() if isinstance(steps, dict) else [(None, steps)]  # several variables: per part
    i = 0
    for part, record in parts:
        for step in record:
            i += 1
            title = (f"{part}: " if part else "") + f"step {i}" + (f": {step['rule']}" if step.get("rule") else "")
            rows.append(_row(f"step{i}", title, step.get("text") or "", step.get("latex") or ""))
    return rows


def validated(request: Any) -> dict:
    """The request with its defaults, every field checked; RequestError names the bad one."""
    if not isinstance(request, dict):
        raise RequestError("the request must be a JSON object such as {\"expr\": \"x'Ax\", \"wrt\": \"x\"}")
    unknown = sorted(str(k)[:40] for k in request if k not in FIELDS)
    if unknown:
        raise RequestError(f"unknown field {unknown[0]!r}; the fields are {', '.join(FIELDS)}")
    expr = request.get("expr")
    if not isinstance(expr, str):
        raise RequestError("'expr' must be a string: the expression to differentiate")
    where = request.get("where") or None
    if where is not None and not isinstance(where, str):
        raise RequestError("'where' must be a string of declarations, e.g. 'A: matrix(n,n); x: vector(n)'")
    if where is not None and len(where) > MAX_LENGTH:
        raise RequestError(f"the declarations are too long ({len(where):,} characters; the limit is {MAX_LENGTH:,})")
    return {"expr": expr, "where": where, "wrt": _names(request.get("wrt")),
            "kind": _choice(request, "kind", KINDS), "layout": _choice(request, "layout", LAYOUTS),
            "format": _choice(request, "format", FORMATS), "steps": _flag(request, "steps"),
            "check": _flag(request, "check"), "code": _backends(request.get("code"))}


def _names(wrt) -> list:
    """`wrt` as a list of names: "W1,b1", ["W1", "b1"], "x" or nothing."""
    if wrt is None:
        return []
    if isinstance(wrt, str):
        wrt = wrt.split(",")
    if not isinstance(wrt, list) or not all(isinstance(w, str) for w in wrt):
        raise RequestError("'wrt' must be a name, names separated by commas, or a list of names")
    names = [w.strip() for w in wrt]
    if names in ([], [""]):
        return []  # (nothing named: the one variable)
    if "" in names:  # (",," or ["x", ""]: as the Python API and the command line refuse it)
        raise RequestError(f"'wrt' has an empty name in {','.join(names)!r}; name each variable, or leave 'wrt' "
                           f"out for the one variable")
    if len(names) > MAX_WRT:
        raise RequestError(f"'wrt' names {len(names)} variables; at most {MAX_WRT}")
    return names


def _choice(request: dict, field: str, choices: tuple) -> str:
    value = request.get(field)
    if value is None or value == "":
        value = choices[0]
    if not isinstance(value, str) or value not in choices:  # ("format": 0 was taken for the default)
        raise RequestError(f"'{field}' must be one of {', '.join(choices)}, not {str(value)[:40]!r}")
    return value


def _flag(request: dict, field: str) -> bool:
    value = request.get(field, False)
    if not isinstance(value, bool):
        raise RequestError(f"'{field}' must be true or false")
    return value


def _backends(code) -> list:
    if code is None or code == []:
        return []
    if isinstance(code, str):
        code = [code]
    if not isinstance(code, list) or not all(isinstance(c, str) and c in BACKENDS for c in code):
        raise RequestError(f"'code' must list backends among {', '.join(BACKENDS)}")
    return list(dict.fromkeys(code))


# ---------------------------------------------------------------------------- the cheat sheet

#: The operators of the grammar, with an example to insert; functions come from the registry.
SYNTAX = (
    ("A X B", "matrix product; juxtaposition or *"),
    ("X'", "transpose (also X^T)"),
    ("X^-1", "inverse (also inv(X)); X^-T the inverse transpose"),
    ("X^2", "integer matrix power; any power of a scalar"),
    ("A .* B", "elementwise product; ./ and .^ likewise"),
    ("1/2 x'Ax", "division by a scalar; numbers stay exact"),
    ("<X, Y>", "Frobenius inner product tr(X'Y)"),
    ("||x||^2", "Euclidean norm (||X||_F Frobenius, ||x||_1)"),
    ("p'p where p = softmax(x)", "a name for a repeated subexpression"),
    ("I", "identity of the size the context needs"),
)

#: Example calls to insert, by arity.
_KIND_EXAMPLES = {"scalar": "scalar", "vector": "vector(n)", "matrix": "matrix(m,n)"}


def language() -> dict:
    """The cheat sheet: operators, every registered function and call, declaration kinds and
    properties (the page lists them; a click inserts the example)."""
    functions = [{"name": s.name, "aliases": list(s.aliases), "example": f"{s.name}(x)",
                  "meaning": "elementwise on vectors and matrices"} for s in FUNCTIONS.values()]
    calls = [{"name": s.name, "aliases": list(s.aliases), "meaning": s.doc,
              "example": s.shown} for s in CALLS.values()]
    return {"syntax": [{"example": e, "meaning": m} for e, m in SYNTAX], "calls": calls, "functions": functions,
            "kinds": [_KIND_EXAMPLES[k] for k in DECLARED_KINDS],
            "properties": list(PROPS), "kinds_of_derivative": list(KINDS), "backends": list(BACKENDS),
            "max_length": MAX_LENGTH, "features": {"steps": _has_steps(), "mathml": available()}}


@functools.lru_cache(maxsize=1)
def _has_steps() -> bool:
    """Whether results carry their derivation's steps (`r.steps`) in this version."""
    return hasattr(grad("x' x", "x"), "steps")
