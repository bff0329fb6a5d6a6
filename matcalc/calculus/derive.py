"""From an expression and a variable to df, the gradient, the Jacobian and the Hessian.

This is the differential approach end to end: take df by the rule table, read G off
df = <G, dX> by transposing the linear map, and for second order differentiate G once
more holding the direction fixed (d2f = <dX, H[dX]>).
"""
from __future__ import annotations

from collections.abc import Callable, Container, Iterable
from typing import Any

from ..core import build as B
from ..core.errors import MatcalcError
from ..core.dims import shape_words
from ..core.nodes import SCALAR, Expr, Kron, Var
from .readoff import differential, gradient_of, kronecker_of
from .simplify import EXPANDED_SUM_LIMIT, TooWide, expand, simplify, text_size


def find_variable(node: Expr, name: str, decls: dict, context: Iterable[Var] = ()) -> Var:
    for n in node.walk():
        if isinstance(n, Var) and n.name == name:
            return n
    for n in context:  # named in the text but cancelled out: its derivative is zero
        if n.name == name:
            return n
    d = decls.get(name)
    if d is not None and None not in d.dims:
        shape = {"scalar": SCALAR, "vector": (d.dims[0], 1) if d.dims else None,
                 "matrix": tuple(d.dims)}[d.kind]
        return B.var(name, shape, d.props)
    if isinstance(name, str) and not name.strip():  # (wrt=" " said "'' is not a variable")
        raise MatcalcError(f"the variable to differentiate by is empty (wrt={name!r}): name it, as wrt='x'")
    free = sorted(node.free)  # (the first 20: a sum of 10,000 names made a message of 179 KB)
    names = ", ".join(free[:20]) + (f", ... ({len(free) - 20} more)" if len(free) > 20 else "") or "none"
    hint = ""
    same = [v for v in sorted(node.free) if v.replace("_", "") == name.replace("_", "")]
    if same:  # W1 for W_1: the name as the expression spells it
        hint = f"; did you mean {same[0]}?"
    elif "," in name and all(p.strip() in node.free for p in name.split(",")):
        hint = f"; for several variables give a list: {[p.strip() for p in name.split(',')]!r}"
    else:
        holder = next((f"{v}: {d.kind}({','.join(map(str, d.dims))})" for v, d in decls.items()
                       if any(isinstance(k, str) and name in k.split("*") for k in getattr(d, "dims", ()))), None)
        if holder is not None:  # (--wrt n with x: vector(n): n is the size, a whole number)
            hint = f"; {name} is a size ({holder}), a whole number, not a variable to differentiate by"
    raise MatcalcError(f"{name!r} is not a variable of the expression (its variables: {names}){hint}")


def direction_for(x: Var, taken: Container[str], base: str | None = None) -> Var:
    """A fresh direction variable dX shaped like X (symmetric or diagonal when X is)."""
    name = base or ("d" + x.name)
    i = 1
    cand = name
    while cand in taken:
        i += 1
        cand = f"{name}{i}"
    props = {p for p in x.props if p in ("symmetric", "diagonal")}
    if "spd" in x.props:
        props.add("symmetric")
    return B.var(cand, x.shape, props)


def is_symmetric_var(x: Var) -> bool:
    return x.shape[0] == x.shape[1] and x.shape != SCALAR and bool(x.props & {"symmetric", "spd"})


def is_diagonal_var(x: Var) -> bool:
    return x.shape != SCALAR and "diagonal" in x.props


def project(g: Expr, x: Var) -> Expr:
    """The gradient on the variable's own space: sym(G) for symmetric X, I .* G for diagonal X.

    A G that is symmetric already is its own projection (sym(G) = G): kept as it is, so that
    declaring X symmetric never makes the answer longer than G.
    """
    if is_diagonal_var(x):
        return B.diag(B.diagpart(g))
    if is_symmetric_var(x):
        return g if is_symmetric_form(g) else B.mul(B.num(B.ONE_HALF), B.add(g, B.transpose(g)))
    return g


def is_symmetric_form(g: Expr) -> bool:
    """G' = G, seen on the canonical forms of G and G' or of their expansions (a sufficient test)."""
    if not g.is_square:
        return False
    t = B.transpose(g)
    return t is g or expand(t) is expand(g)


def kept_on(node: Expr, key: tuple, make: Callable[[], Any]) -> Any:
    """make(), kept in the node's cache under `key`: a derivation is a function of hash-consed nodes
    alone, so while the node lives (a result holds its function) the same question asked again (a
    notebook cell run twice, grad then hessian of one f) reads the answer instead of deriving it."""
    got = node._c.get(key)
    if got is None:
        got = node._c[key] = make()
    return got


def simplified_differential(e: Expr, name: str, direction: Expr) -> Expr:
    """d e in the direction given for the variable `name`, simplified; kept on e (`kept_on`): the
    Hessian's d(grad f), a Jacobian's dF."""
    return kept_on(e, ("simplified_differential", name, direction),
                   lambda: simplify(differential(e, {name: direction})))


def gradient_parts(f: Expr, x: Var) -> tuple:
    """(df, dX, G): the differential as derived (not simplified: G is read off it and simplified,
    and a result simplifies df only when it is asked for), its direction, and the unconstrained
    gradient, simplified. Kept on f (`kept_on`)."""
    if f.shape != SCALAR:
        raise MatcalcError(f"the gradient needs a scalar function, but this one is {shape_words(f.shape)}; "
                           "for a vector or matrix function take its Jacobian (jacobian(), or --jacobian on the command line)")

    def derive() -> tuple:
        dx = direction_for(x, f.free)
        df = differential(f, {x.name: dx})
        return df, dx, simplify(gradient_of(df, dx))
    return kept_on(f, ("gradient_parts", x), derive)


def compact_differential(df: Expr, directions: tuple, variable: Var | None = None) -> Expr:
    """df (simplified), or <G, dX> where that is shorter: a scalar differential in one matrix or
    vector direction is a linear form, and its trace terms, each written as it came (tr(A X dX') +
    tr(A dX X'), dX in one and dX' in the other), are one: tr(X' (A + A') dX). G is the gradient
    read off df, as a gradient's answer is. Not for a `variable` declared symmetric or diagonal."""
    if df.shape != SCALAR or len(directions) != 1 or directions[0].shape == SCALAR:
        return df
    if variable is not None and (is_symmetric_var(variable) or is_diagonal_var(variable)):
        return df  # (its df holds the variable as typed, S^-T for an spd S: its G would print so)
    dx = directions[0]
    if dx.name not in df.free:
        return df
    inner = simplify(B.inner(simplify(gradient_of(df, dx)), dx))
    return inner if text_size(inner) < text_size(df) else df


def jacobian_matrix(dF: Expr, dx: Var) -> Expr:
    """For a scalar variable: dF/dt (dF with dt = 1); else the Kronecker-form matrix J."""
    if dx.shape == SCALAR:
        return kept_on(dF, ("jacobian_matrix", dx), lambda: simplify(B.substitute(dF, {dx.name: B.ONE})))
    return kept_on(dF, ("jacobian_matrix", dx), lambda: without_kron(simplify(kronecker_of(dF, dx))))


def without_kron(J: Expr) -> Expr:
    """J without the Kronecker products that reading it off through vec leaves, where distributing
    over sums lets the mixed-product rule merge every one away: the Jacobian of (A + x x')^-1 b,
    -kron(b' P, P) (kron(x, I) + kron(I, x)), is -(b' P x) P - P x b' P. That is the textbook's
    form, and its generated code forms no n x n^2 matrix (100 to 1,400 times faster at n = 200),
    though the tree measure, which writes P out at each use, counts it longer. J stays as it is
    where a Kronecker product remains (diag(vec(E)) between two: nothing merges)."""
    if not any(type(n) is Kron for n in J.walk()):
        return J
    try:
        flat = expand(J, limit=EXPANDED_SUM_LIMIT)
    except TooWide:
        return J
    if any(type(n) is Kron for n in flat.walk()):
        return J
    return simplify(flat)
