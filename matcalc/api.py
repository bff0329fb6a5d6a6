"""The public functions: differential, grad, jacobian, hessian, hvp and compile."""
from __future__ import annotations

from .core import build as B
from .calculus.derive import (direction_for, find_variable, gradient_parts, is_diagonal_var, is_symmetric_var,
                              jacobian_matrix, project)
from .core.errors import MatcalcError, NotSupportedError
from .core.nodes import SCALAR
from .calculus.readoff import differential as _differential
from .calculus.readoff import kronecker_of
from .calculus.linear_map import LinearMap
from .expression import Expression, parse
from .language.declarations import parse_declarations
from .language.latex_in import variable_name
from .numerics.sampling import variables
from .outputs.codegen.generate import BACKENDS, Output, add_sizing_variables, generate, load_generated, outputs_for
from .results import DifferentialResult, GradientResult, HessianResult, HvpResult, JacobianResult
from .calculus.simplify import simplify


def prepare(expr, wrt: str, where=None) -> tuple:
    """(f, X): the function, parsed once, and the variable node to differentiate by.

    An orthogonal variable is differentiated as a general matrix: the gradient is the
    Euclidean one (what finite differences measure), so identities like X'X = I that
    hold only on the manifold must not be used for it.
    """
    if not isinstance(wrt, str):
        raise MatcalcError(f"the variable must be given by its name, not {wrt!r}")
    if isinstance(expr, Expression) and where is not None:
        expr = str(expr)  # new declarations for an expression: read its text under them
    f = parse(expr, where=where)
    decls = parse_declarations(where)
    x = find_variable(f.node, wrt, decls, f.context)
    if "orthogonal" in x.props:
        f = f.variant(wrt, (x.props - {"orthogonal"}) | {"invertible"})
        x = find_variable(f.node, wrt, decls, f.context)
    return f, x


def constrained_gradient_parts(f: Expression, x) -> tuple:
    """(df, dX, G, G on X): G the gradient of the formula on all matrices, then put back on X.

    For a symmetric or diagonal X the formula is differentiated as typed (X' is not X off
    the subspace), so that `.unconstrained` is the true unconstrained gradient; G is then
    re-expressed in the declared X, ready to be projected.
    """
    if not (is_symmetric_var(x) or is_diagonal_var(x)):
        df, dx, g = gradient_parts(f.node, x)
        return df, dx, g, g
    keep = x.props - {"symmetric", "spd", "diagonal", "orthogonal"}
    fu = f.variant(x.name, keep | ({"invertible"} if "spd" in x.props else set()))
    xu = find_variable(fu.node, x.name, {}, fu.context)
    df, dx, g = gradient_parts(fu.node, xu)
    return df, dx, g, simplify(B.substitute(g, {x.name: x}))


def differential(expr, wrt: str, where=None) -> DifferentialResult:
    """df as an expression in dX (the direction is named d<wrt>)."""
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    f, x = prepare(expr, wrt, where)
    dx = direction_for(x, f.node.free)
    df = simplify(_differential(f.node, {x.name: dx}))
    return DifferentialResult(f, wrt, df, df, directions=(dx,))


def grad(expr, wrt: str, where=None) -> GradientResult:
    """The gradient of a scalar function: df = <G, dX>; G has the shape of X.

    For a symmetric variable the answer is sym(G) (the gradient on symmetric matrices);
    for a diagonal one I .* G. `.unconstrained` keeps G.
    """
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    f, x = prepare(expr, wrt, where)
    df, dx, g, g_on_x = constrained_gradient_parts(f, x)
    pg = simplify(project(g_on_x, x)) if (is_symmetric_var(x) or is_diagonal_var(x)) else g
    return GradientResult(f, wrt, pg, df, directions=(dx,), unconstrained=g)


def jacobian(expr, wrt: str, where=None, layout: str = "numerator") -> JacobianResult:
    """The Jacobian of a vector or matrix function, numerator layout: vec(dF) = J vec(dX)."""
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if layout not in ("numerator", "denominator"):
        raise MatcalcError(f"layout must be 'numerator' or 'denominator', not {layout!r}")
    f, x = prepare(expr, wrt, where)
    dx = direction_for(x, f.node.free)
    dF = simplify(_differential(f.node, {x.name: dx}))
    fshape, xshape = f.node.shape, x.shape
    vectorish = fshape[1] == 1 or fshape == SCALAR
    if x.shape == SCALAR or (vectorish and xshape[1] == 1):
        try:
            J = jacobian_matrix(dF, dx)
        except NotSupportedError:
            J = None  # no closed matrix form: fall back to the linear map below
        if J is not None:
            if layout == "denominator" and x.shape != SCALAR and f.node.shape != SCALAR:
                J = simplify(B.transpose(J))  # (by a scalar, or of a scalar, the array is the same)
            return JacobianResult(f, wrt, J, dF, directions=(dx,), layout=layout)
    try:
        kron = simplify(kronecker_of(dF, dx))
        if layout == "denominator":
            kron = simplify(B.transpose(kron))
    except MatcalcError:
        kron = None
    forms = {"kron": kron} if kron is not None else {}
    return JacobianResult(f, wrt, dF, dF, directions=(dx,), layout=layout, forms=forms,
                          linear_map=LinearMap(dF, dx, x, kron=kron, layout=layout))


def hessian(expr, wrt, where=None) -> HessianResult:
    """The Hessian of a scalar function: d2f = <dX, H[dX]>; for ("W", "b") the mixed d2f/dW db."""
    wrt = [variable_name(w) for w in wrt] if isinstance(wrt, (tuple, list)) else variable_name(wrt)  # \Sigma: Sigma
    if isinstance(wrt, (tuple, list)):
        if len(wrt) != 2:
            raise MatcalcError("a mixed Hessian takes two variables, e.g. ('W', 'b')")
        return _mixed_hessian(expr, wrt[0], wrt[1], where)
    f, x = prepare(expr, wrt, where)
    df, dx, _, g = constrained_gradient_parts(f, x)
    v = direction_for(x, f.node.free | {dx.name}, base="V" if x.shape[1] != 1 else "v") \
        if x.shape != SCALAR and x.shape[1] != 1 else dx
    dG = simplify(_differential(g, {x.name: v}))
    sym, diag = is_symmetric_var(x), is_diagonal_var(x)
    if x.shape == SCALAR:
        H = simplify(B.substitute(dG, {dx.name: B.ONE}))
        return HessianResult(f, wrt, H, df, directions=(dx,), gradient=g,
                             bilinear=simplify(B.mul(dx, dx, H)), first_order=lambda: grad(f, wrt))
    if x.shape[1] == 1:
        H = simplify(kronecker_of(dG, dx))
        return HessianResult(f, wrt, H, df, directions=(dx,), gradient=g,
                             bilinear=simplify(B.mul(B.transpose(dx), H, dx)), first_order=lambda: grad(f, wrt))
    Hv = dG
    if sym:
        Hv = simplify(B.mul(B.num(B.ONE_HALF), B.add(dG, B.transpose(dG))))
    if diag:
        Hv = simplify(B.diag(B.diagpart(dG)))
    try:
        kron = simplify(kronecker_of(Hv, v))
    except MatcalcError:
        kron = None
    bil = simplify(B.substitute(B.inner(v, Hv), {v.name: dx}))  # d2f = <dX, H[dX]>
    forms = {"kron": kron} if kron is not None else {}
    forms["bilinear"] = bil
    return HessianResult(f, wrt, Hv, df, directions=(dx, v), bilinear=bil, gradient=g, forms=forms,
                         linear_map=LinearMap(Hv, v, x, sym=sym, diag=diag, kron=kron),
                         first_order=lambda: grad(f, wrt))


def _mixed_hessian(expr, a: str, b: str, where) -> HessianResult:
    f, xa = prepare(expr, a, where)
    _, xb = prepare(f, b)
    df, dxa, ga = gradient_parts(f.node, xa)
    db = direction_for(xb, f.node.free | {dxa.name})
    dG = simplify(_differential(ga, {xb.name: db}))
    if xa.shape[1] == 1 and xb.shape[1] == 1:
        H = jacobian_matrix(dG, db)
        return HessianResult(f, (a, b), H, df, directions=(dxa, db), gradient=ga, first_order=lambda: grad(f, a))
    return HessianResult(f, (a, b), dG, df, directions=(dxa, db), gradient=ga,
                         linear_map=LinearMap(dG, db, xb), first_order=lambda: grad(f, a))


def hvp(expr, wrt: str, where=None, direction: str = "v") -> HvpResult:
    """The Hessian-vector product H[v] as an expression in the direction v, without forming H."""
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    f, x = prepare(expr, wrt, where)
    df, dx, _, g = constrained_gradient_parts(f, x)
    v = direction_for(x, f.node.free | {dx.name}, base=direction)
    Hv = simplify(_differential(g, {x.name: v}))
    if is_symmetric_var(x) or is_diagonal_var(x):  # on the variable's own space, like the gradient
        Hv = simplify(project(Hv, x))
    return HvpResult(f, wrt, Hv, df, directions=(dx, v), first_order=lambda: grad(f, wrt))


def compile(expr, wrt: str, where=None, outputs=("value", "grad"), backend: str = "numpy", direction: str = "v"):
    """One function computing several outputs together ("value", "grad", "hessian", "hvp", "jacobian").

    Work shared between the outputs is done once. The function takes the variables
    (sorted by name; for "hvp" the direction last) and returns one output or a tuple.
    """
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if backend not in BACKENDS:
        raise MatcalcError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if isinstance(outputs, str):
        outputs = (outputs,)
    known = ("value", "grad", "gradient", "hessian", "hvp", "jacobian")
    for o in outputs:
        if o not in known:
            raise MatcalcError(f"unknown output {o!r}; choose from {', '.join(known)}")
    f, x = prepare(expr, wrt, where)
    outs, found, directions = [], dict(variables(f.node)), {}
    for o in outputs:
        if o == "value":
            outs.append(Output("value", f.node, "value" if f.node.shape == SCALAR else "array"))
            continue
        r = {"grad": grad, "gradient": grad, "hessian": hessian, "jacobian": jacobian}.get(o)
        r = r(f, wrt) if r is not None else hvp(f, wrt, direction=direction)
        got, ps = outputs_for(r, name=o)
        outs.extend(got)
        if r.kind == "hvp":
            directions[ps[-1].name] = ps[-1]
        for p in ps:
            found.setdefault(p.name, p)
    add_sizing_variables(found, [f.node], getattr(f, "context", ()))
    # the variables sorted by name (with any that cancelled but size a dimension), the direction last
    params = [found[n] for n in sorted(found) if n not in directions] + list(directions.values())
    src = generate(outs, params, backend=backend, name="f",
                   doc=f"Generated by matcalc: {', '.join(outputs)} of f = {f} with respect to {wrt}.")
    fn = load_generated(src)
    return fn
