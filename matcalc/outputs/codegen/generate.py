"""Code generation: NumPy (and JAX, PyTorch) functions built from the expression DAG.

Inside generated code vectors are 1-D arrays, scalars floats and matrices 2-D: no
reshaping on the way in or out, and x'y is simply `x @ y`.

The generated module is plain, readable source: one function whose parameters are the
variables (named by `names.py_name`: injective, never a keyword or builtin) and whose locals
are `_t1, _t2, ...`; the runtime helpers it calls are copied from the real modules
`runtime_*.py`, so it runs standalone. No user text is ever evaluated: every token of the
source comes from the tree. The function checks its inputs (1-D vectors, 2-D matrices, one
size per dimension across arguments) and raises ValueError naming the argument; set the
module's `CHECK_INPUTS = False` (`fn.__globals__["CHECK_INPUTS"] = False`) to skip the checks.

What makes it fast:
* every shared subexpression is computed once, across all requested outputs (CSE);
* matrix chains are parenthesized for the fewest flops (dynamic programming over the
  dimensions: 1 for a vector's unit side, a large N for every symbolic dimension);
* an inverse that only multiplies becomes a solve; log-determinants use slogdet; an inverse
  comes from LU (SciPy's LAPACK getrf, then getri or getrs, if installed), and det(M) and M^-1
  (or M^-T) needed together from one factorization;
* a large outer product u v' and a sum s M + u v' are written in one pass by compiled loops
  (matcalc.kernels, with numba) where installed, and another rank-one term of a matrix sum is
  added in place (BLAS ger);
* diag(v) M is a broadcast v * M, tr(A B) is sum(A * B'), transposes are views;
* a linear map V -> H[V] (a matrix Hessian or Jacobian) is written out densely by
  index notation (einsum / broadcasting), never through a Kronecker product, each einsum with
  a contraction order chosen when the code is generated (`dense.contraction_path`).

Modules: `backends` (library syntax, runtime helpers), `syntax` (parenthesization), `names`,
`dense` (index notation for linear maps), `emitter` (code per node), this one (modules).
"""
from __future__ import annotations

import ast
from contextlib import contextmanager
from dataclasses import dataclass
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ...core.build import diagonals_first
from ...core.dims import shape_form
from ...core.errors import LimitError, MatcalcError
from ...core.nodes import SCALAR, DimSize, Expr, Var
from ..printing import to_text
from .backends import BACKENDS, Backend, runtime_source
from .dense import map_roots
from .emitter import Emitter
from .rewrites import distribute, merge_diagonals
from .names import py_name
from .syntax import fill

__all__ = ["BACKENDS", "Output", "add_sizing_variables", "wrt_names", "generate", "load_generated", "numpy_module",
           "outputs_for", "py_name"]


# ---------------------------------------------------------------- outputs
@dataclass
class Output:
    """One value the generated function returns."""
    name: str
    expr: Expr
    how: str = "array"          # "value" (a float), "array" (squeezed like .evaluate), "map" (dense linear map)
    dvar: Var | None = None      # for "map": the direction the map is linear in
    like: Var | None = None      # for "map": the variable dvar stands for
    sym: bool = False
    diag: bool = False
    layout: str = "numerator"   # for "map": "denominator" puts the input axes first
    project_values: bool = True  # for "map" with sym or diag: the values projected too (see LinearMap)


# ---------------------------------------------------------------- modules
def generate(outputs: list, params: list, backend: str = "numpy", name: str = "f", doc: str = "",
             layout: int | list | None = None) -> str:
    """The source of a module defining `name(*params)` that returns the outputs (a tuple if several).

    `layout` groups the outputs into nested tuples: an index is one output, a list a tuple of
    its items (`[0, [1, 2]]` returns `(value, (g1, g2))`, for several variables at once).
    """
    be = BACKENDS.get(backend) if isinstance(backend, str) else None
    if be is None:
        raise MatcalcError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    em = Emitter(be, params)
    lines = []
    checks = []
    used = frozenset().union(*(o.expr.free for o in outputs))
    # inputs that are used: vectors 1-D (a column or row array flattened), scalars floats (or 0-D arrays);
    # dimensions come from the inputs
    for v in sorted(params, key=lambda v: v.name not in used):
        p = py_name(v.name)
        r, c = v.shape
        if v.name in used:
            if (r, c) == SCALAR:
                lines.append(f"{p} = _scalar({p}, {v.name!r})" if be.name == "numpy"
                             else f"{p} = _one_entry({fill(be.asarray, x=p, name=v.name)}, {v.name!r})")
            elif r == 1 or c == 1:
                lines.append(f"{p} = _vector({fill(be.asarray, x=p, name=v.name)})")  # (a column or row array: the vector)
            else:
                lines.append(f"{p} = {fill(be.asarray, x=p, name=v.name)}")
        if (r, c) != SCALAR:
            dims = tuple(_check_dim(d) for d in (r, c) if d != 1) if (r == 1 or c == 1) else (_check_dim(r), _check_dim(c))
            unused = f"_vector({fill(be.asarray, x=p, name=v.name)})" if r == 1 or c == 1 else fill(be.asarray, x=p, name=v.name)
            checks.append(f"({v.name!r}, {p if v.name in used else unused}, {dims!r})")
        vector = (r, c) != SCALAR and (r == 1 or c == 1)
        for axis, d in enumerate((r, c)):
            if isinstance(d, str) and d not in em.dims:
                at = 0 if vector else axis  # (a row (1, n) is a 1-D array too: n is its axis 0)
                arg = p if v.name in used else (f"_vector({fill(be.asarray, x=p, name=v.name)})" if vector
                                                else fill(be.asarray, x=p, name=v.name))
                em.dims[d] = f"{arg}.shape[{at}]"
    props = [] if be.name != "numpy" else [  # values checked against declarations, where cheap
        f"    _check_props({v.name!r}, {py_name(v.name)}, {tuple(sorted(v.props & _CHEAP_PROPS))!r})"
        for v in sorted(params, key=lambda v: v.name) if v.name in used and v.props & _CHEAP_PROPS]
    if checks or props:
        lines += ["if CHECK_INPUTS:"] + ([f"    _check_args(({', '.join(checks)},))"] if checks else []) + props
    sizes = _sizes_not_in_inputs(outputs, em.dims, {py_name(v.name) for v in params})
    for d, arg in sizes.items():  # (unvec(v, m, n) with v: vector(m*n): m and n are the caller's to give)
        em.dims[d] = f"_size({arg}, {arg!r})"
    products = _products_of_given_sizes(params, used, sizes, em, be)
    if products:  # (v of length 12 with m = 5, n = 4: a raw reshape error named neither)
        lines += ["if CHECK_INPUTS:"] + [f"    {line}" for line in products]
    # (the diagonal of an entrywise matrix taken entry by entry: n entries, not n^2, and none of the
    # 1 / 0 off the diagonal of diag(diag(I ./ D)) that NumPy warned about; rebuild.diagonals_first)
    outputs = [Output(o.name, diagonals_first(distribute(merge_diagonals(o.expr))), o.how, o.dvar, o.like, o.sym, o.diag,
                      o.layout, o.project_values) for o in outputs]
    roots = []
    for o in outputs:
        if o.how == "map":
            roots.extend(map_roots(o.expr, o.dvar))
        else:
            roots.append(o.expr)
    em.count(roots)
    results = []
    for o in outputs:
        if o.how == "map":
            results.append(_dense_output(em, be, o))
        else:
            code = em.code(o.expr)
            results.append(_finish(be, o, code))
    if be.name in ("numpy", "torch") and params:
        # (an output that is an input, or a view of one, returned as it is: return A, for the Hessian of
        # x'Ax / 2, was the caller's own array, edited with the result)
        inputs = ", ".join(py_name(v.name) for v in params)
        results = [f"_owned({r}, {inputs})" if o.expr.shape != SCALAR else r for o, r in zip(outputs, results)]
    body = lines + [ln for ln in em.lines if ln]
    if layout is not None:
        ret = _nested(layout, results)
    else:
        ret = results[0] if len(results) == 1 else "(" + ", ".join(results) + ")"
    sig = ", ".join([py_name(v.name) for v in params] + (["*"] + list(sizes.values()) if sizes else []))
    doc_sizes = f" Sizes no input shows, by keyword: {', '.join(sizes.values())}." if sizes else ""
    fn_src = [f"def {name}({sig}):", f'    """{_fn_doc(outputs, params)}{doc_sizes}"""'] + ["    " + ln for ln in body]
    fn_src.append(f"    return {ret}")
    imports, helpers = runtime_source(be, _names_used("\n".join(fn_src)))
    src = [f'"""{doc}"""' if doc else '"""Generated by matcalc."""', imports]
    if helpers:
        src += ["", "", helpers]
    src += ["", ""] + fn_src
    return "\n".join(src) + "\n"


def _nested(layout, results: list) -> str:
    """The return expression of `layout` (an index, or a list of layouts: a tuple)."""
    if isinstance(layout, int):
        return results[layout]
    items = [_nested(x, results) for x in layout]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


#: declared properties generated NumPy code confirms on its inputs (each O(n^2))
_CHEAP_PROPS = frozenset({"symmetric", "spd", "diagonal", "positive"})


def _check_dim(d):
    """A dimension as `_check_args` takes it: a symbol, a number, or None (a product of symbols)."""
    return None if isinstance(d, str) and "*" in d else d


def _names_used(source: str) -> set:
    """The global names a function's source refers to (which runtime helpers it needs)."""
    with _parser_limits():
        tree = ast.parse(source)
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


@contextmanager
def _parser_limits():
    """Python's parser refuses source nested past its limits (200 parentheses); generated code that
    nests so deep is refused as a LimitError that says what to do instead, not a SyntaxError."""
    try:
        yield
    except (RecursionError, MemoryError) as err:
        raise LimitError("the generated code is nested too deeply for Python's parser; evaluate the result "
                         "with r.evaluate(values), or name inner parts with where") from err
    except SyntaxError as err:
        if "nested" not in str(err) and "too many" not in str(err):
            raise
        raise LimitError("the generated code is nested too deeply for Python's parser; evaluate the result "
                         "with r.evaluate(values), or name inner parts with where") from None


def _dense_output(em: Emitter, be: Backend, o: Output) -> str:
    """The dense array of a linear map, [out..., in...] (or [in..., out...] in denominator layout),
    refused past 2**28 entries before it is formed (a matrix variable's Hessian at 200 x 200 has
    1.6 * 10^9 entries: 12 GB, which the process was killed filling or NumPy refused unreadably)."""
    dims = [d for d in (*o.expr.shape, *o.dvar.shape) if d != 1]
    if len(dims) > 2:
        size = " * ".join(f"({em.dim(d)})" for d in dims)
        em.lines.append(f"_fits({size}, 'the dense array of a derivative with {len(dims)} axes')")
    t = em.assign(em.dense_map(o))
    if o.sym:  # directions (the last two axes) and values on the symmetric matrices
        em.lines.append(f"{t} = ({t} + {fill(be.swapaxes, x=t, a=-1, b=-2)}) / 2")
        if o.project_values:
            em.lines.append(f"{t} = ({t} + {fill(be.swapaxes, x=t, a=0, b=1)}) / 2")
    if o.diag:
        eye = fill(be.eye, n=em.dim(o.dvar.shape[0]))
        em.lines.append(f"{t} = {t} * {eye}[None, None, :, :] * {eye}[:, :, None, None]" if o.project_values
                        else f"{t} = {t} * {eye}")
    if o.layout == "denominator":
        nout = sum(1 for d in o.expr.shape if d != 1)
        nin = sum(1 for d in o.dvar.shape if d != 1)
        if nout and nin:
            axes = ", ".join(str(i) for i in list(range(nout, nout + nin)) + list(range(nout)))
            t = em.assign(fill(be.permute, x=t, axes=axes))
    return t


def _finish(be: Backend, o: Output, code: str) -> str:
    if o.expr.shape == SCALAR and be.name == "numpy":
        return f"float({code})" if not _is_float_code(code) else code
    if o.expr.shape == SCALAR and not o.expr.free:
        # a value of sizes and numbers alone (tr(X (X'X)^-1 X') is n): the library's float scalar, not Python's
        # int from a shape, which jax.grad and torch.autograd refuse
        return f"_np.asarray({code}, dtype=float)" if be.name == "jax" else f"_torch.as_tensor({code}, dtype=_torch.float64)"
    return code


def _is_float_code(code: str) -> bool:
    return code.startswith("float(")


def _fn_doc(outputs, params) -> str:
    ins = ", ".join(f"{py_name(v.name)}: {_kind(v.shape)}" for v in params)
    outs = ", ".join(f"{o.name} ({_kind(o.expr.shape) if o.how != 'map' else _map_axes(o)})" for o in outputs)
    return f"Inputs: {ins}. Returns: {outs}."


def _map_axes(o) -> str:
    """How a dense map's array is indexed: a Hessian's by the variable twice, a Jacobian's by out and in."""
    if o.name.startswith("hessian"):
        return "array [wrt..., wrt...]"
    return "array [in..., out...]" if o.layout == "denominator" else "array [out..., in...]"


def _kind(shape) -> str:
    """A shape as NumPy's arrays have it, for a generated function's docstring."""
    return shape_form(shape, "scalar", "vector ({r},)", "row vector ({c},)", "matrix ({r}, {c})")


def load_generated(source: str, name: str = "f") -> Callable[..., Any]:
    """Compile generated source (built from the expression tree, never from user text)."""
    namespace: dict = {}
    try:
        with _parser_limits():
            code = compile(source, "<matcalc generated>", "exec")
        exec(code, namespace)  # noqa: S102 - generated code only
    except ModuleNotFoundError as err:
        extra = {"jax": "jax", "torch": "torch"}.get((err.name or "").split(".")[0])
        if extra is None:
            raise
        raise MatcalcError(f"the {extra} backend needs {err.name}, which is not installed: "
                           f"pip install 'matcalc-diff[{extra}]'") from None  # (PyPI's matcalc is another package)
    fn = namespace[name]
    fn.__matcalc_source__ = source
    return fn


# ---------------------------------------------------------------- from results
def outputs_for(result: Any, name: str | None = None) -> tuple:
    """(outputs, parameters) for the main form of a result, in `.evaluate()`'s conventions."""
    f = result.function.node
    params = _params(f, result)
    kind = result.kind
    label = name or {"gradient": "grad", "jacobian": "jacobian", "hessian": "hessian", "hvp": "hvp",
                     "differential": "differential"}.get(kind, kind)
    m = getattr(result, "linear_map", None)
    if m is not None:
        return [Output(label, m.expr, "map", dvar=m.direction, like=m.variable, sym=m.sym, diag=m.diag,
                       layout=m.layout, project_values=m.project_values)], params
    return [Output(label, result.node, "value" if result.node.shape == SCALAR else "array")], params


def _params(f: Expr, result) -> list:
    vs: dict = {}
    for e in (f, result.node):
        for n in e.walk():
            if isinstance(n, Var):
                vs.setdefault(n.name, n)
    for d in result.directions:
        vs.pop(d.name, None)
    extra = list(result.directions)
    m = getattr(result, "linear_map", None)
    if m is not None:  # a map's input axes have the variable's shape
        extra.append(m.variable)
    add_sizing_variables(vs, (f, result.node), getattr(result.function, "context", ()), extra, wrt_names(result.wrt))
    ordered = [vs[n] for n in sorted(vs)]
    if result.kind == "hvp":  # (after the gradient's own dX: every direction, v_W and v_b for a block's part)
        ordered.extend(result.directions[1:])
    elif result.kind == "differential":
        ordered.extend(result.directions)
    return ordered


def wrt_names(wrt: str | Sequence[str]) -> tuple:
    """The names a result is with respect to (one name, or a mixed Hessian's or several variables' tuple)."""
    return tuple(wrt) if isinstance(wrt, (tuple, list)) else (wrt,)


def add_sizing_variables(vs: dict, exprs: Iterable[Expr], context: Sequence[Expr], extra: Iterable[Expr] = (),
                         wrt: Iterable[str] = ()) -> None:
    """Add to vs (name -> Var) the variables that cancelled out (x in x' x (a - a)) but whose
    values alone tell the size of a dimension the code needs (the gradient zeros(n)).

    The variables differentiated by (`wrt`) are always parameters, even where they cancelled: the
    gradient of sum(y - y) by y is a function of y (zeros(n)), never of a declared A that happens
    to carry n."""
    wanted = set(wrt)
    for v in context:
        if isinstance(v, Var) and v.name in wanted:
            vs.setdefault(v.name, v)
    have = {p for v in vs.values() for d in v.shape for p in _dim_parts(d)}
    shaped = [n for e in exprs for n in e.walk()] + list(extra)
    sizes = [d for n in shaped for d in n.shape] + [n.args[0] for n in shaped if isinstance(n, DimSize)]
    need = {p for d in sizes for p in _dim_parts(d)}  # tr(I_n) = n needs n too
    for v in sorted(context, key=lambda v: v.name):
        parts = {p for d in v.shape for p in _dim_parts(d)}
        if isinstance(v, Var) and v.name not in vs and (parts & need) - have:
            vs[v.name] = v
            have |= parts


def _products_of_given_sizes(params, used, sizes: dict, em: Emitter, be: Backend) -> list:
    """Checks that an input whose length is a product of sizes given by keyword (v: vector(m*n), with m
    and n given) has that length, each naming the argument and the sizes."""
    out = []
    for v in sorted(params, key=lambda v: v.name):
        r, c = v.shape
        if (r, c) == SCALAR:
            continue
        vector = r == 1 or c == 1
        p = py_name(v.name)
        arg = p if v.name in used else (f"_vector({fill(be.asarray, x=p, name=v.name)})" if vector
                                        else fill(be.asarray, x=p, name=v.name))
        for axis, d in enumerate((r, c)):
            if "*" not in str(d) or not any(part in sizes for part in _dim_parts(d)):
                continue
            product = " * ".join(q if q.isdigit() else em.dims[q] for q in str(d).split("*"))
            out.append(f"_check_size_product({v.name!r}, {arg}.shape[{0 if vector else axis}], {str(d)!r}, {product})")
    return out


def _sizes_not_in_inputs(outputs, known: dict, taken: set) -> dict:
    """The dimension symbols the outputs need that no input's shape gives (a vector of length m*n
    gives neither m nor n), each -> the keyword argument that passes it (its name, or size_<name>
    where a variable has that name)."""
    need = []
    for o in outputs:
        nodes = list(o.expr.walk()) + ([o.like] if isinstance(o.like, Expr) else [])
        for n in nodes:
            for d in list(n.shape) + ([n.args[0]] if isinstance(n, DimSize) else []):
                if d not in known:  # (a product m*n that an input's length gives whole needs neither)
                    need += [p for p in _dim_parts(d) if p not in known and p not in need]
    return {d: (f"size_{d}" if py_name(d) in taken else py_name(d)) for d in need}


def _dim_parts(d) -> list:
    """The dimension symbols of a size (`m*n` is m and n; numbers are none)."""
    if not isinstance(d, str):
        return []
    return [p for p in d.split("*") if not p.isdigit()]


def numpy_module(result: Any, backend: str = "numpy", name: str = "f") -> str:
    """A self-contained module for a result; its docstring names the expression and the conventions."""
    outs, params = outputs_for(result)
    doc = (f"Generated by matcalc: the {result.kind} of f = {to_text(result.function.node)} "
           f"with respect to {result.wrt}.\n\n"
           f"    {outs[0].name} = {result}\n\n"
           "Conventions: vectors are 1-D arrays (columns), scalars floats; a gradient has the shape of\n"
           f"its variable; a Jacobian is indexed {_layout_doc(result)}, a Hessian\n"
           "[wrt..., wrt...]. Inputs are checked (shapes, one size per dimension) unless the\n"
           "module's CHECK_INPUTS is set to False.")
    return generate(outs, params, backend=backend, name=name, doc=doc)


def _layout_doc(result) -> str:
    if getattr(result, "layout", "numerator") == "denominator":
        return "[in..., out...] (denominator layout)"
    return "[out..., in...] (numerator layout)"
