"""The public functions: differential, grad, jacobian, hessian, hvp and compile."""
from __future__ import annotations

import functools
import re
import warnings
from contextlib import contextmanager
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from fractions import Fraction
from functools import partial
from typing import Any, TypeVar, Union

from .core import build as B
from .core.records import replace
from .core.budget import refuse_terms, request
from .calculus.cost import derivative_work
from .calculus.derive import (compact_differential, direction_for, simplified_differential, find_variable, gradient_parts, is_diagonal_var, is_symmetric_var,
                              jacobian_matrix, project)
from .core.errors import MatcalcError, MatcalcWarning, NotSupportedError, ShapeError
from .core.dims import shape_words
from .core.nodes import SCALAR, Var
from .calculus.readoff import differential as _differential
from .calculus.readoff import kronecker_of
from .calculus.linear_map import Deferred, LinearMap
from .expression import Expression, Formula, Where, parse
from .language.declarations import check_name, default_kind, is_greek, parse_declarations
from .core.functions import all_names
from .language.names import CONSTANTS
from .language.latex_in import variable_name
from .numerics.sampling import variables
from .results import (BlockHessianResult, BlockHvpResult, DifferentialResult, GradientResult, GradientsResult,
                      HessianResult, HvpResult, JacobianResult)
from .calculus.simplify import simplify


#: The variable a question is about: one name, or a list or tuple of names for several at once.
Wrt = Union[str, Sequence[str]]
_F = TypeVar("_F", bound=Callable[..., Any])


#: whether the questions give the reading's notes as a MatcalcWarning: the command line and the web API
#: give them their own way and ask for none (a ContextVar: per thread, as the web server's requests run)
_WARN_NOTES: ContextVar = ContextVar("matcalc_warn_notes", default=True)


def give_notes_as_warnings(on: bool) -> None:
    """For the rest of this context (a command-line run), give the reading's notes as warnings, or not."""
    _WARN_NOTES.set(on)


@contextmanager
def notes_given_elsewhere() -> Iterator[None]:
    """Within the block, the questions give no MatcalcWarning for the reading's notes (the caller says them)."""
    token = _WARN_NOTES.set(False)
    try:
        yield
    finally:
        _WARN_NOTES.reset(token)


def limited(kind: str) -> Callable[[_F], _F]:
    """Run a public entry point as one request under the work limits (core/budget.py)."""
    def wrap(fn: _F) -> _F:
        @functools.wraps(fn)
        def limited_fn(*args: Any, **kwargs: Any) -> Any:
            with request(f"the {kind}"):
                return fn(*args, **kwargs)
        return limited_fn  # type: ignore[return-value]
    return wrap


def read_for_question(expr: Formula, where: Where = None, want_scalar: bool = False) -> Expression:
    """`parse(expr, where, want_scalar)`; for a question that takes any function (a Jacobian, a
    differential), text with no reading but as a scalar function is read as grad() reads it:
    sum(exp(X beta)) - y'X beta, beta a vector against its Greek look."""
    try:
        return parse(expr, where=where, want_scalar=want_scalar)
    except ShapeError as no_reading:
        if want_scalar or not isinstance(expr, str):
            raise
        try:
            f = parse(expr, where=where, want_scalar=True)
        except MatcalcError:
            raise no_reading from None
        if f.node.shape != SCALAR:
            raise no_reading from None
        return f


def _scalar_that_makes_it_scalar(f: Expression, decls: dict, names: list) -> list:
    """The one undeclared small name that, declared a scalar, makes f a scalar function: c ||x||^2
    asks for c: scalar by name. [] where none or several do, or past a few names; a capital (a
    matrix by its look: A x is a vector, not two numbers) and the variable itself are not offered."""
    names = [n for n in names if default_kind(n) != "matrix"]
    if not names or len(names) > 6:
        return []
    text = str(f.written)
    found = []
    for n in names:
        try:
            g = parse(text, where={**decls, **parse_declarations(f"{n}: scalar")}, want_scalar=True)
        except MatcalcError:
            continue
        if g.node.shape == SCALAR:
            found.append(n)
    return found if len(found) == 1 else []


def _powered_vectors_note(f: Expression, undeclared: list) -> str:
    """x^2 + a'x: x read as a number by its power, so a'x is a row and f no scalar; the question's
    error named only a declaration (a: scalar), where the fix is the entrywise power or the norm."""
    text = str(f.written)
    powered = [n for n, _, kind in (p.partition(": ") for p in undeclared) if kind == "scalar"
               and default_kind(n) == "vector" and not is_greek(n)
               and re.search(rf"(?<![\w.]){re.escape(n)}\s*\^", text)]
    if not powered:
        return ""
    n = powered[0]
    return (f" ({n}^2 reads {n} as a number, never a vector; for a vector write the entrywise power {n}.^2 or "
            f"the squared norm ||{n}||^2)")


def prepare(expr: Formula, wrt: str, where: Where = None, order: int = 1, want_scalar: bool = False, question: str = "gradient") -> tuple:
    """(f, X): the function, parsed once, and the variable node to differentiate by.

    `want_scalar`: the question needs a scalar function (gradient, Hessian, hvp); undeclared
    names are read to make the text one where they can (see `parse`).

    An orthogonal variable is differentiated as a general matrix: the gradient is the
    Euclidean one (what finite differences measure), so identities like X'X = I that
    hold only on the manifold must not be used for it.
    """
    if not isinstance(wrt, str):
        raise MatcalcError(f"the variable must be given by its name, not {wrt!r}")
    if isinstance(expr, Expression) and expr.open_identity is not None:
        raise expr.open_identity  # (read again under new declarations, its I would print with the size it made up)
    if isinstance(expr, Expression) and where is not None:
        # new declarations for an expression: read its text under them; a name they leave out keeps
        # the kind and properties the expression gave it (a vector A stays a vector, whatever its
        # look), its dimensions free to meet the new declarations
        given = parse_declarations(where)
        kept = {n: replace(d, dims=(None,) * len(d.dims)) for n, d in parse_declarations(expr.where).items()
                if n not in given}
        where = {**kept, **given}
        expr = str(expr)
    decls = parse_declarations(where)  # (read once: parse takes them as they are)
    f = read_for_question(expr, decls, want_scalar)
    if _WARN_NOTES.get():
        for note in f.notes:  # (exp(t A) x0: read entrywise, as the language says, but never silently)
            warnings.warn(note, MatcalcWarning, stacklevel=4)
    if want_scalar and f.node.shape != SCALAR:
        undeclared = [part for part in f.inferred.split("; ") if part and part.split(":")[0] not in decls]
        numbers = _scalar_that_makes_it_scalar(f, decls, [p.split(":")[0] for p in undeclared if ": scalar" not in p
                                                          and p.split(":")[0] != wrt])
        declare = "; ".join(f"{n}: scalar" for n in numbers) if numbers else "name: scalar"
        shown = "; ".join(undeclared[:12]) + (f"; ... ({len(undeclared) - 12} more)" if len(undeclared) > 12 else "")
        read = f" (the undeclared names were read as {shown}: declare those that stand for " \
               f"numbers, where='{declare}')" if undeclared else ""
        raise MatcalcError(f"the {question} needs a scalar function, but this one is {shape_words(f.node.shape)}"
                           f"{read}; for a vector or matrix function take its Jacobian (jacobian(), or --jacobian "
                           f"on the command line){_powered_vectors_note(f, undeclared)}")
    x = find_variable(f.node, wrt, decls, f.context)
    if f.open_identity is not None:  # (after the errors about the question itself: no variable, no scalar)
        raise f.open_identity
    if "orthogonal" in x.props:
        f = f.variant(wrt, (x.props - {"orthogonal"}) | {"invertible"})
        x = find_variable(f.node, wrt, decls, f.context)
    terms, factors = derivative_work(f.node, x.name, order)
    refuse_terms(terms, f"the {'second ' if order == 2 else ''}derivative of "
                 f"this expression in {wrt}", "each matrix power X^k and each product with m factors in the "
                 f"variable gives {'k^2 and m^2' if order == 2 else 'k and m'} terms to simplify",
                 factors=factors)
    return f, x


def _names_in_use(f: Expression) -> set:
    """The names a direction must not take: the function's variables and the other declared ones
    (hvp of u'u by a declared v: the direction v was the variable v, a duplicate argument in code)."""
    return set(f.node.free) | {getattr(v, "name", None) for v in f.context} - {None}


def _sizes_in_use(f: Expression) -> set:
    """The names of the sizes of the function's variables (x: vector(n) gives n)."""
    return {d for v in list(f.node.walk()) + list(f.context) for d in v.shape if isinstance(d, str)}


def constrained_gradient_parts(f: Expression, x: Var) -> tuple:
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


@limited("differential")
def differential(expr: Formula, wrt: str, where: Where = None) -> DifferentialResult:
    """df as an expression in dX (the direction is named d<wrt>)."""
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    wrt = _one_name(wrt, "a differential takes one variable; the gradients by several variables give df in all "
                         "their directions at once")
    f, x = prepare(expr, wrt, where)
    dx = direction_for(x, f.node.free)
    df = compact_differential(simplify(_differential(f.node, {x.name: dx})), (dx,), x)
    return DifferentialResult(f, wrt, df, df, directions=(dx,))


@limited("gradient")
def grad(expr: Formula, wrt: Wrt, where: Where = None) -> GradientResult | GradientsResult:
    """The gradient of a scalar function: df = <G, dX>; G has the shape of X.

    For a symmetric variable the answer is sym(G) (the gradient on symmetric matrices);
    for a diagonal one I .* G. `.unconstrained` keeps G. A list or tuple of names gives
    every gradient at once (`GradientsResult`: `r["W1"]`, evaluate -> dict).
    """
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    names = several(wrt)
    if names is not None:
        return _gradients(expr, names, where)
    f, x = prepare(expr, wrt, where, want_scalar=True)
    df, dx, g, g_on_x = constrained_gradient_parts(f, x)
    pg = simplify(project(g_on_x, x)) if (is_symmetric_var(x) or is_diagonal_var(x)) else g
    return GradientResult(f, wrt, pg, df, directions=(dx,), unconstrained=g)


@limited("Jacobian")
def jacobian(expr: Formula, wrt: str, where: Where = None, layout: str = "numerator") -> JacobianResult:
    """The Jacobian of a vector or matrix function, numerator layout: vec(dF) = J vec(dX)."""
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if layout not in ("numerator", "denominator"):
        raise MatcalcError(f"layout must be 'numerator' or 'denominator', not {layout!r}")
    wrt = _one_name(wrt, "a Jacobian takes one variable at a time; several variables are for the gradients, the "
                         "Hessian, Hessian-vector products and generated code of a scalar function")
    f, x = prepare(expr, wrt, where)
    dx = direction_for(x, f.node.free)
    dF = simplified_differential(f.node, x.name, dx)
    fshape, xshape = f.node.shape, x.shape
    vectorish = fshape[1] == 1 or fshape == SCALAR
    if x.shape == SCALAR or (vectorish and xshape[1] == 1):
        try:
            J = jacobian_matrix(dF, dx)
        except NotSupportedError:
            J = None  # no closed matrix form: fall back to the linear map below
        if J is not None:
            if layout == "denominator" and ((x.shape != SCALAR and f.node.shape != SCALAR) or 1 in J.shape):
                # (by a scalar, or of a scalar, the array is the same; a vector J is still written
                # the denominator way: the column 2 x for x'x)
                J = simplify(B.transpose(J))
            return JacobianResult(f, wrt, J, dF, directions=(dx,), layout=layout)
    # a symmetric or diagonal X: the map of the directions in X's space (dX projected onto it), as its
    # gradient and Hessian are; F's values stay as they are
    sym, diag = is_symmetric_var(x), is_diagonal_var(x)

    def kron_form():
        try:
            kron = simplify(B.mul(kronecker_of(dF, dx), _projection(x, sym, diag)))
        except MatcalcError:
            return None
        return simplify(B.transpose(kron)) if layout == "denominator" else kron
    kron = Deferred(kron_form, "the Kronecker form")  # made when asked for (printing, forms, r.kron)
    return JacobianResult(f, wrt, dF, dF, directions=(dx,), layout=layout, forms={"kron": kron},
                          linear_map=LinearMap(dF, dx, x, sym=sym, diag=diag, kron=kron, layout=layout,
                                               project_values=False))


def _projection(x, sym: bool, diag: bool):
    """The matrix of the projection onto X's space on vec(dX): (I + K_nn)/2 for a symmetric X,
    diag(vec(I)) for a diagonal one, I otherwise."""
    n = x.shape[0]
    if diag:
        return B.diag(B.vec(B.identity(n)))
    nn = B._dim_mul(n, x.shape[1])
    if sym:
        return B.mul(B.num(Fraction(1, 2)), B.add(B.identity(nn), B.comm(n, n)))
    return B.identity(nn)


@limited("Hessian")
def hessian(expr: Formula, wrt: Wrt, where: Where = None) -> HessianResult | BlockHessianResult:
    """The Hessian of a scalar function: d2f = <dX, H[dX]>.

    A list of names gives the block Hessian (`BlockHessianResult`, block (A, B) at `r[("A", "B")]`);
    a pair of names in a tuple, ("W", "b"), is the key of one block and gives that block alone,
    the mixed d2f/dW db (the map db -> d(grad_W f)[db]).
    """
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if isinstance(wrt, list):
        return _block_hessian(expr, several(wrt), where)
    if isinstance(wrt, tuple):
        if len(wrt) != 2:
            raise MatcalcError("a tuple names one block of the Hessian, e.g. ('W', 'b'); for the block "
                               f"Hessian of several variables give a list: {list(wrt)!r}")
        a, b = several(wrt, distinct=False)
        return hessian(expr, a, where) if a == b else _mixed_hessian(expr, a, b, where)
    return _single_hessian(expr, wrt, where)


def _single_hessian(expr, wrt: str, where, direction: str = "V") -> HessianResult:
    """The Hessian by one variable; a matrix variable's is a map of a direction named `direction`
    (the block Hessian names each variable's own, V_X and V_Y, where one V would have two shapes)."""
    f, x = prepare(expr, wrt, where, order=2, want_scalar=True, question="Hessian")
    df, dx, _, g = constrained_gradient_parts(f, x)
    v = direction_for(x, _names_in_use(f) | {dx.name}, base=direction if x.shape[1] != 1 else "v") \
        if x.shape != SCALAR and x.shape[1] != 1 else dx
    dG = simplified_differential(g, x.name, v)
    sym, diag = is_symmetric_var(x), is_diagonal_var(x)
    if x.shape == SCALAR:
        H = simplify(B.substitute(dG, {dx.name: B.ONE}))
        return HessianResult(f, wrt, H, df, directions=(dx,), gradient=g,
                             bilinear=Deferred(lambda: simplify(B.mul(dx, dx, H)), "the second differential"),
                             first_order=partial(grad, f, wrt))
    if x.shape[1] == 1:
        H = jacobian_matrix(dG, dx)
        return HessianResult(f, wrt, H, df, directions=(dx,), gradient=g,
                             bilinear=Deferred(lambda: simplify(B.mul(B.transpose(dx), H, dx)), "the second differential"),
                             first_order=partial(grad, f, wrt))
    Hv = dG
    if sym:
        Hv = simplify(project(dG, x))
    if diag:
        Hv = simplify(B.diag(B.diagpart(dG)))
    # the Kronecker form and d2f = <dX, H[dX]> are made when asked for (printing, forms, r.kron)
    kron = Deferred(lambda: _kronecker_form(Hv, v), "the Kronecker form")
    bil = Deferred(lambda: simplify(B.substitute(B.inner(v, Hv), {v.name: dx})), "the second differential")
    return HessianResult(f, wrt, Hv, df, directions=(dx, v), bilinear=bil, gradient=g,
                         forms={"kron": kron, "bilinear": bil},
                         linear_map=LinearMap(Hv, v, x, sym=sym, diag=diag, kron=kron),
                         first_order=partial(grad, f, wrt))


def _kronecker_form(L, direction):
    """J with vec(L(D)) = J vec(D), simplified, or None where the map has no closed form."""
    try:
        return simplify(kronecker_of(L, direction))
    except MatcalcError:
        return None


def _mixed_hessian(expr, a: str, b: str, where) -> HessianResult:
    """The block d2f/dA dB: the map dB -> d(grad_A f)[dB], grad_A f on A's own space (sym(G) for a
    symmetric A, I .* G for a diagonal one), dB ranging over B's own space (symmetric or diagonal
    directions), as the single-variable Hessian of a symmetric or diagonal variable does."""
    f, _ = prepare(expr, a, where, order=2, want_scalar=True, question="Hessian")
    f, xb = prepare(f, b)  # an orthogonal variable is a general one here: perturbing it leaves the manifold
    f, xa = prepare(f, a)
    df, dxa, _, ga = constrained_gradient_parts(f, xa)
    db = direction_for(xb, _names_in_use(f) | {dxa.name})
    dG = simplified_differential(ga, xb.name, db)
    if is_symmetric_var(xa) or is_diagonal_var(xa):
        dG = simplify(project(dG, xa))
        ga = simplify(project(ga, xa))
    if xa.shape[1] == 1 and xb.shape[1] == 1:
        H = jacobian_matrix(dG, db)
        return HessianResult(f, (a, b), H, df, directions=(dxa, db), gradient=ga, first_order=partial(grad, f, a))
    # the map's array and code take every direction D; one on B's own space is D's part there
    # ((D + D')/2, or diag(diag(D))), so that entry [.., k, l] is dG[(E_kl + E_lk)/2] (or zero off the diagonal)
    general = B.var(db.name, db.shape, ())
    onto = (B.diag(B.diagpart(general)) if is_diagonal_var(xb) else
            B.mul(B.num(B.ONE_HALF), B.add(general, B.transpose(general))) if is_symmetric_var(xb) else None)
    L = dG if onto is None else simplify(B.substitute(dG, {db.name: onto}))
    direction = db if onto is None else general
    # J with vec(L(D)) = J vec(D), as a matrix variable's own Hessian has, made when asked for
    kron = Deferred(lambda: _kronecker_form(L, direction), "the Kronecker form")
    return HessianResult(f, (a, b), dG, df, directions=(dxa, db), gradient=ga, forms={"kron": kron},
                         linear_map=LinearMap(L, direction, xb, kron=kron), first_order=partial(grad, f, a))


@limited("Hessian-vector product")
def hvp(expr: Formula, wrt: Wrt, where: Where = None, direction: str | None = None) -> HvpResult | BlockHvpResult:
    """The Hessian-vector product H[v] as an expression in the direction v, without forming H
    (named V for a matrix variable, v otherwise, unless `direction` names it).

    A list or tuple of names gives the block product (`BlockHvpResult`): every variable B moves
    along its own direction v_B (named `v_B`), and part A is sum_B H_AB[v_B].
    """
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if direction is not None:
        direction = direction_name(direction)
    names = several(wrt)
    if names is not None:
        if direction is not None and "_" in direction:  # (v_1 would name v_1_x, which is no name)
            raise MatcalcError(f"for several variables the direction {direction!r} is the stem of one name per "
                               "variable (v gives v_x, v_y): give it without a subscript")
        return _block_hvp(expr, names, where, direction or "v")
    f, x = prepare(expr, wrt, where, order=2, want_scalar=True, question="Hessian-vector product")
    if direction is None:
        direction = "V" if x.shape[0] != 1 and x.shape[1] != 1 else "v"
    elif direction in _names_in_use(f) | _sizes_in_use(f):
        raise MatcalcError(f"the direction cannot be named {direction!r}: the function has a variable or a size of "
                           "that name; give the direction another name")
    elif direction == f"d{wrt}":  # (the differential's direction: the answer renamed it d{wrt}2 silently)
        raise MatcalcError(f"the direction cannot be named {direction!r}: that is the differential of {wrt} in the "
                           f"answer's df; give the direction another name (v, or v_{wrt})")
    df, dx, _, g = constrained_gradient_parts(f, x)
    v = direction_for(x, _names_in_use(f) | {dx.name}, base=direction)
    Hv = simplified_differential(g, x.name, v)
    if is_symmetric_var(x) or is_diagonal_var(x):  # on the variable's own space, like the gradient
        Hv = simplify(project(Hv, x))
    return HvpResult(f, wrt, Hv, df, directions=(dx, v), first_order=partial(grad, f, wrt))


def direction_name(name: str) -> str:
    """The name a caller gives the direction of an hvp: a variable's name (it is printed in the
    answer and is an argument of the generated code), never a function's or a constant's."""
    plain = variable_name(name) if isinstance(name, str) else name
    check_name(plain, "the direction ")
    if plain in all_names() or plain in CONSTANTS:  # (kron, dim, ...: not bare, still a call's name)
        raise MatcalcError(f"the direction cannot be named {plain!r}: that is a function or a constant of the "
                           "language; give it a variable's name, like v or u")
    return plain


@limited("compiled function")
def compile(expr: Formula, wrt: Wrt, where: Where = None, outputs: str | Sequence[str] = ("value", "grad"),
            backend: str = "numpy", direction: str | None = None, layout: str = "numerator") -> Callable[..., Any]:
    """One function computing several outputs together ("value", "grad", "hessian", "hvp", "jacobian").

    Work shared between the outputs is done once. `layout` is the Jacobian's, as in jacobian()
    (the other outputs have one layout: a gradient has the variable's shape). The function takes the variables
    (sorted by name; for "hvp" the direction last, named as in hvp()) and returns one output or a tuple.
    With several variables (a list or tuple of names) "grad" and "hvp" give a tuple with one
    array per variable, in the order named, and "hessian" a tuple of rows of blocks; the
    directions of "hvp" come last, one per variable, in that order.
    """
    from .outputs.codegen.generate import BACKENDS, Output, add_sizing_variables, generate, load_generated, outputs_for
    wrt = variable_name(wrt)  # a LaTeX name (\Sigma, \mathbf{x}) names the variable it decorates
    if not isinstance(backend, str) or backend not in BACKENDS:
        raise MatcalcError(f"backend must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if not isinstance(layout, str) or layout not in ("numerator", "denominator"):
        raise MatcalcError(f"layout must be 'numerator' or 'denominator', not {layout!r}")
    if isinstance(outputs, str):
        outputs = (outputs,)
    known = ("value", "grad", "gradient", "hessian", "hvp", "jacobian")
    if not isinstance(outputs, (tuple, list)) or not outputs:
        raise MatcalcError(f"outputs must be one of {', '.join(known)} or a tuple of them, not {outputs!r}")
    for o in outputs:
        if o not in known:
            raise MatcalcError(f"unknown output {o!r}; choose from {', '.join(known)}")
    names = several(wrt)
    if names is not None:
        return _compile_several(expr, names, where, outputs, backend, direction)
    scalar_outputs = [o for o in outputs if o in ("grad", "gradient", "hessian", "hvp")]
    question = {"grad": "gradient", "gradient": "gradient", "hessian": "Hessian", "hvp": "Hessian-vector product"}
    f, x = prepare(expr, wrt, where, want_scalar=bool(scalar_outputs),
                   question=question[scalar_outputs[-1]] if scalar_outputs else "gradient")
    outs, found, directions = [], dict(variables(f.node)), {}
    for o in outputs:
        if o == "value":
            outs.append(Output("value", f.node, "value" if f.node.shape == SCALAR else "array"))
            continue
        if o == "jacobian":
            r = jacobian(f, wrt, layout=layout)
        else:
            r = {"grad": grad, "gradient": grad, "hessian": hessian}.get(o)
            r = r(f, wrt) if r is not None else hvp(f, wrt, direction=direction)
        got, ps = outputs_for(r, name=o)
        outs.extend(got)
        if r.kind == "hvp":
            directions[ps[-1].name] = ps[-1]
        for p in ps:
            found.setdefault(p.name, p)
    add_sizing_variables(found, [f.node], getattr(f, "context", ()), wrt=(wrt,))
    # the variables sorted by name (with any that cancelled but size a dimension), the direction last
    params = [found[n] for n in sorted(found) if n not in directions] + list(directions.values())
    src = generate(outs, params, backend=backend, name="f",
                   doc=f"Generated by matcalc: {', '.join(outputs)} of f = {f} with respect to {wrt}.")
    fn = load_generated(src)
    return fn


# ---------------------------------------------------------------- several variables at once
def several(wrt: Wrt, distinct: bool = True) -> tuple | None:
    """The names of a several-variable request (a list or tuple of names), checked; None for one name."""
    if not isinstance(wrt, (list, tuple)):
        return None
    names = tuple(wrt)
    if not names:
        raise MatcalcError("give at least one variable to differentiate by")
    for w in names:
        if not isinstance(w, str):
            raise MatcalcError(f"each variable must be given by its name, not {w!r}")
        if not w.strip():
            raise MatcalcError(f"an empty variable name in {', '.join(names)!r}: give the names separated by commas "
                               f"(W1,b1)")
    twice = [w for i, w in enumerate(names) if w in names[:i]]
    if twice and distinct:
        raise MatcalcError(f"the variable {twice[0]!r} is named twice")
    return names


def _one_name(wrt, several_refused: str):
    """The variable of a question that takes one: a name, or a list of one name (["X"], as grad and
    hessian take); a list of several is refused with `several_refused`."""
    names = several(wrt)
    if names is None:
        return wrt
    if len(names) > 1:
        raise MatcalcError(several_refused)
    return variable_name(names[0])


def _function(expr, where) -> Expression:
    """The scalar function of a several-variable request (read as one where names allow)."""
    if isinstance(expr, Expression) and expr.open_identity is not None:
        raise expr.open_identity  # (read again under new declarations, its I would print with the size it made up)
    if isinstance(expr, Expression) and where is not None:
        expr = str(expr)  # new declarations for an expression: read its text under them
    return parse(expr, where=where, want_scalar=True)


def _gradients(expr, names: tuple, where) -> GradientsResult:
    """Every gradient, each the single-variable result; df once in all the directions together."""
    f = _function(expr, where)
    parts = {n: grad(f, n) for n in names}
    dirs = {n: p.directions[0] for n, p in parts.items()}
    df = _differential(f.node, dirs)  # simplified if asked for (Result._differential)
    return GradientsResult(f, names, parts, differential=df, directions=tuple(dirs.values()))


def _block_hessian(expr, names: tuple, where) -> BlockHessianResult:
    f = _function(expr, where)
    parts = {(a, b): hessian(f, a) if a == b else _mixed_hessian(f, a, b, None) for a in names for b in names}
    kinds: dict = {}  # direction name -> the (shape, properties) it is declared with, block by block
    for p in parts.values():
        if p.linear_map is not None:
            d = p.linear_map.direction
            kinds.setdefault(d.name, set()).add((d.shape, d.props))
    if any(len(k) > 1 for k in kinds.values()):
        # one name V for directions of two shapes (or a symmetric and a general one): the lines would not read
        # back under one where; each matrix variable's own direction is named for it (V_X, V_W1 for W_1)
        parts = {k: _single_hessian(f, k[0], None, direction="V_" + k[0].replace("_", "")) if k[0] == k[1] else p
                 for k, p in parts.items()}
    return BlockHessianResult(f, names, parts)


def _block_hvp(expr, names: tuple, where, direction: str) -> BlockHvpResult:
    f = _function(expr, where)
    for n in names:  # orthogonal variables are general ones here (all of them move at once)
        f, _ = prepare(f, n)
    xs = {n: prepare(f, n)[1] for n in names}
    taken = _names_in_use(f) | {"d" + n for n in names}
    vs = {}
    for i, n in enumerate(names):
        base = f"{direction}_{n}" if n.isalnum() else f"{direction}{i + 1}"
        vs[n] = direction_for(xs[n], taken, base=base)
        taken.add(vs[n].name)
    parts = {}
    for a in names:
        fa, xa = prepare(f, a)
        df, dxa, _, ga = constrained_gradient_parts(fa, xa)
        hv = simplify(_differential(ga, {b: vs[b] for b in names}))
        if is_symmetric_var(xa) or is_diagonal_var(xa):  # on the variable's own space, like the gradient
            hv = simplify(project(hv, xa))
        parts[a] = HvpResult(fa, a, hv, df, directions=(dxa,) + tuple(vs.values()),
                             first_order=partial(grad, f, a), moving=dict(vs))
    return BlockHvpResult(f, names, parts, directions=tuple(vs.values()))


def _compile_several(expr, names: tuple, where, outputs, backend: str, direction: str):
    """compile() for several variables: every output of every variable in one generated function."""
    from .outputs.codegen.generate import Output, add_sizing_variables, generate, load_generated
    if isinstance(outputs, str):
        outputs = (outputs,)
    f = _function(expr, where)
    outs, layout, found, directions = [], [], dict(variables(f.node)), {}
    for o in outputs:
        if o == "value":
            outs.append(Output("value", f.node, "value" if f.node.shape == SCALAR else "array"))
            layout.append(len(outs) - 1)
        elif o in ("grad", "gradient", "hvp", "hessian"):
            r = {"grad": grad, "gradient": grad, "hessian": hessian}.get(o)
            r = r(f, list(names)) if r is not None else hvp(f, list(names), direction=direction)
            layout.append(r.generated_outputs(outs, found, directions, label="grad" if o == "gradient" else o))
        elif o == "jacobian":
            raise MatcalcError("a Jacobian is for one variable: compile(f, name, outputs=('jacobian',))")
        else:
            known = ("value", "grad", "gradient", "hessian", "hvp")
            raise MatcalcError(f"unknown output {o!r}; choose from {', '.join(known)}")
    add_sizing_variables(found, [f.node], getattr(f, "context", ()), wrt=names)
    params = [found[n] for n in sorted(found) if n not in directions] + list(directions.values())
    src = generate(outs, params, backend=backend, name="f", layout=layout if len(layout) > 1 else layout[0],
                   doc=f"Generated by matcalc: {', '.join(outputs)} of f = {f} with respect to {', '.join(names)}.")
    return load_generated(src)
