"""The derivation record: the steps from f to its derivative, the way the differential approach is taught.

A line of a derivation is a small display tree (`Leaf`, `Pending`, `Op`) over the engine's
expressions: `Pending(e)` is a differential not yet expanded, printed `d(e)`, and `Op` keeps a
sum, product, trace, transpose or inner product in the order a person writes it, so that a rule
rewrites one sub-expression and leaves the rest of the line as it was. (Core expressions are
canonical: a trace is rotated, a sum sorted; a line built from them would move under the reader.)

Each step applies one rule of the table, at every pending differential it fits:

    d tr X = tr dX                   d(XY) = dX Y + X dY              d(X^-1) = -X^-1 dX X^-1
    d det X = det X tr(X^-1 dX)      d log det X = tr(X^-1 dX)        d f(U) = f'(U) .* dU
    d<A, B> = <dA, B> + <A, dB>      d||x|| = <x, dx> / ||x||         d(u^c) = c u^(c-1) du

then expands the sum, moves every dX to the right of its trace (cyclic property), turns
tr(A' dX) into <A, dX> and collects the terms into <G, dX>, whose G is the engine's gradient.
Moves that need no rule (dA = 0 for a constant, d(X') = dX', constant factors) happen inside the
step that exposes them. Every line is an expression in the variables and their directions:
`line_expr` gives its value as an engine expression (a pending d(e) is the engine's own
differential of e), so each line is checked against the answer.
"""
from __future__ import annotations

from fractions import Fraction

from ..core import build as B
from ..core.layout import inner_pair, self_inner, transposes
from ..core.records import record
from ..core.nodes import (SCALAR, Add, Det, Diag, DiagPart, Expr, Func, Hadamard, Inverse, Kron, LogDet, MatPow,
                          Mul, Num, Pow, Softmax, Sum, Trace, Transpose, Var, Vec)
from .readoff import differential, gradient_of
from .rules import derivative, elementwise_product
from .simplify import simplify

#: Most rule steps before the differentials left are taken at once (a nest of 150 functions
#: would otherwise print 150 ever longer lines).
MAX_RULE_STEPS = 40

#: Most terms a derivation expands a differential into before reading G off (beyond that it
#: collects the terms directly: a line of forty traces teaches nothing).
EXPAND_LIMIT = 16


# ---------------------------------------------------------------- the display tree
class Node:
    """A part of a line: an engine expression, a pending differential, or a written operation."""
    __slots__ = ()


@record
class Leaf(Node):
    """An engine expression, printed as the engine prints it."""
    expr: Expr


@record
class Pending(Node):
    """d(expr): a differential not yet expanded; its direction is the derivation's (`dirs`)."""
    expr: Expr


@record
class Op(Node):
    """A written operation: add, neg, mul, had, tr, T, sum, diag, diagpart, vec, kron, inner."""
    kind: str
    args: tuple


@record
class RawStep:
    """One line: `lhs = node`, produced from the previous line by `rule`.

    `lhs` is "df" (first differential), "d2f" (second differential, along `dirs` of the
    second differentiation), or "dF" (the differential of a vector or matrix function).
    `dirs` maps each variable to its direction for the pending differentials of this line.
    """
    lhs: str
    rule: str
    node: Node
    dirs: tuple  # ((variable name, direction Var), ...)


def _op(kind, *args):
    return Op(kind, tuple(args))


def _depends(e: Expr, dirs: dict) -> bool:
    return bool(e.free & dirs.keys())


# ---------------------------------------------------------------- the value of a line
def line_expr(node: Node, dirs: dict) -> Expr:
    """The engine expression equal to a line (pending differentials by the engine's own rule table)."""
    if isinstance(node, Leaf):
        return node.expr
    if isinstance(node, Pending):
        return differential(node.expr, dirs)
    a = [line_expr(x, dirs) for x in node.args]
    k = node.kind
    if k == "add":
        return B.add(*a)
    if k == "neg":
        return B.neg(a[0])
    if k == "mul":
        return B.mul(*a)
    if k == "had":
        return B.hadamard(*a) if all(x.shape != SCALAR for x in a) else B.mul(*a)
    if k == "inner":
        return B.inner(a[0], a[1])
    if k == "d":  # d(...) of a written form: the start line of a sum kept in the order typed
        return differential(a[0], dirs)
    return _UNARY[k](*a)


_UNARY = {"tr": B.trace, "T": B.transpose, "sum": B.sumall, "diag": B.diag, "diagpart": B.diagpart,
          "vec": B.vec, "kron": B.kron}


# ---------------------------------------------------------------- tree helpers
def _prune(node):
    """Drop zero parts (None): a zero term leaves a sum, a zero factor zeroes its product."""
    if node is None or isinstance(node, (Leaf, Pending)):
        return node
    args = [_prune(a) for a in node.args]
    if node.kind == "add":
        args = [a for a in args if a is not None]
        if not args:
            return None
        return args[0] if len(args) == 1 else Op("add", tuple(args))
    if any(a is None for a in args):
        return None
    if node.kind == "mul":
        return _product(args)
    if node.kind == "neg" and isinstance(args[0], Op) and args[0].kind == "neg":
        return args[0].args[0]
    return Op(node.kind, tuple(args))


def _product(args: list):
    """A written product, its constant scalar factors merged into one (1/3 (3/2 ||x||) is 1/2 ||x||)
    and a negative coefficient written as a leading minus."""
    flat = []
    for a in args:
        flat += list(a.args) if _flattens(a, "mul") else [a]
    scal = [i for i, a in enumerate(flat) if isinstance(a, Leaf) and a.expr.shape == SCALAR
            and not isinstance(a.expr, Var)]
    sign = 1
    if scal:
        c = B.mul(*[flat[i].expr for i in scal])
        coeff, rest = B.split_coeff(c)
        if coeff < 0:
            sign, c = -1, B.scale(-coeff, rest)
        merged = [] if c is B.ONE and len(flat) > len(scal) else [Leaf(c)]
        flat = [a for i, a in enumerate(flat) if i not in scal]
        flat = merged + flat
    out = flat[0] if len(flat) == 1 else Op("mul", tuple(flat))
    return out if sign > 0 else Op("neg", (out,))


def _flattens(node, kind: str) -> bool:
    """A product inside a product of the same kind is written as one, except a 1x1 matrix
    product (a'dx in a'dx a is a scalar: the chain a' dx a would not multiply)."""
    if not (isinstance(node, Op) and node.kind == kind):
        return False
    return kind != "mul" or node_shape(node) != SCALAR or all(node_shape(a) == SCALAR for a in node.args)


def node_shape(node: Node) -> tuple:
    """The shape of a part of a line."""
    if isinstance(node, (Leaf, Pending)):
        return node.expr.shape
    k = node.kind
    if k in ("tr", "sum", "inner"):
        return SCALAR
    if k == "mul":
        shapes = [node_shape(a) for a in node.args if node_shape(a) != SCALAR]
        return (shapes[0][0], shapes[-1][1]) if shapes else SCALAR
    if k == "T":
        r, c = node_shape(node.args[0])
        return (c, r)
    if k in ("add", "neg", "had"):
        return node_shape(node.args[0])
    return line_expr(node, {}).shape


def _pendings(node) -> list:
    """Pending differentials, left to right as written."""
    if isinstance(node, Pending):
        return [node]
    if isinstance(node, Op):
        return [p for a in node.args for p in _pendings(a)]
    return []


def _replace(node, table: dict):
    if isinstance(node, Pending):
        return table.get(node, node)
    if isinstance(node, Op):
        return _prune(Op(node.kind, tuple(_replace(a, table) for a in node.args)))
    return node


def _has_direction(node, names: frozenset) -> bool:
    if isinstance(node, Leaf):
        return bool(node.expr.free & names)
    if isinstance(node, Pending):
        return True
    return any(_has_direction(a, names) for a in node.args)


# ---------------------------------------------------------------- rules on one differential
def settle(e: Expr, dirs: dict) -> Node | None:
    """d(e) after the moves that need no rule: dA = 0, dX, d(X') = (dX)', constant factors and
    linear calls (sum, diag, vec) pass the d through. What needs a rule stays pending."""
    if not _depends(e, dirs):
        return None
    if isinstance(e, Var):
        return Leaf(dirs[e.name])
    if e.shape[0] == 1 and e.shape[1] != 1 and isinstance(e, (Func, Add, Hadamard, Pow)):
        t = B.transpose(e)  # a row written as the transpose of its column: d(sigmoid(W x + b)')
        if transposes(t) < transposes(e):
            return _prune(_op("T", settle(t, dirs)))
    if isinstance(e, Transpose) and not isinstance(e.arg, Inverse):
        return _prune(_op("T", settle(e.arg, dirs)))
    if isinstance(e, (Mul, Hadamard)) and _single_dependent(e, dirs):
        kind = "mul" if isinstance(e, Mul) else "had"
        return _prune(Op(kind, tuple(settle(f, dirs) if _depends(f, dirs) else Leaf(f) for f in _factors(e, dirs))))
    if isinstance(e, Add) and sum(_depends(t, dirs) for t in e.args) == 1:
        return settle(next(t for t in e.args if _depends(t, dirs)), dirs)
    if isinstance(e, (Sum, Diag, DiagPart, Vec)):
        kind = {Sum: "sum", Diag: "diag", DiagPart: "diagpart", Vec: "vec"}[type(e)]
        return _prune(_op(kind, settle(e.arg, dirs)))
    return Pending(e)


def _factors(e: Expr, dirs: dict | None = None) -> tuple:
    """A product's factors as written: the coefficient (as a number), scalars (the constant ones
    first, as in lambda/2 d(w^2)), then the chain."""
    if isinstance(e, Mul):
        c, scal, chain = e.split()
        if dirs is not None:
            scal = sorted(scal, key=lambda f: _depends(f, dirs))
        return ((B.num(c),) if c != 1 else ()) + tuple(scal) + tuple(chain)
    return tuple(e.args)


def _single_dependent(e: Expr, dirs: dict) -> bool:
    return sum(_depends(f, dirs) for f in _factors(e)) == 1


def _emul(kind_scalar: bool, a, b):
    return _op("mul" if kind_scalar else "had", a, b)


def rule_of(e: Expr) -> str:
    """The name of the rule that expands d(e)."""
    if isinstance(e, Add):
        return "linearity"
    if isinstance(e, (Mul, MatPow)) and _inner_of(e) is not None:
        return "inner-product rule"
    if isinstance(e, Mul) and self_inner(e) is not None:
        return "norm rule"
    if isinstance(e, Trace):
        if self_inner(e) is not None:
            return "norm rule"
        return "inner-product rule" if inner_pair(e) is not None else "d tr"
    if isinstance(e, (Mul, Hadamard, Kron)):
        return "product rule"
    if isinstance(e, MatPow):
        return "product rule" if e.k > 0 else "product and inverse rules"
    if isinstance(e, Transpose) or isinstance(e, Inverse):
        return "inverse rule"
    if isinstance(e, Det):
        return "d det"
    if isinstance(e, LogDet):
        return "d log det"
    if isinstance(e, Pow):
        if e.shape != SCALAR:
            return "elementwise chain rule"
        if isinstance(e.exp, Num) and self_inner(e.base, split_inverse=True) is not None and e.exp.value == Fraction(1, 2):
            return "norm rule"
        return "power rule"
    if isinstance(e, Func):
        return "chain rule" if e.shape == SCALAR else "elementwise chain rule"
    if isinstance(e, Softmax):
        return "d softmax"
    return "d " + type(e).__name__.lower()  # d logsumexp, d kron, d vec: the operation as the language names it


def _inner_of(e: Expr):
    """(a, b) when the product e is an inner product a'b of two vectors (scalar)."""
    if not isinstance(e, Mul) or e.shape != SCALAR:
        return None
    c, scal, chain = e.split()
    if c != 1 or scal or len(chain) != 2 or chain[1].shape[1] != 1 or not isinstance(chain[0], Transpose):
        return None
    return chain[0].arg, chain[1]


def expand_one(e: Expr, dirs: dict) -> Node | None:
    """d(e) by its rule, one level deep (the children's differentials settled or pending)."""
    def s(x):
        return settle(x, dirs)

    def dep(x):
        return _depends(x, dirs)

    if isinstance(e, Add):            # in the order the line above shows the terms: positive ones first
        terms = sorted(e.args, key=lambda t: B.split_coeff(t)[0] < 0)
        return _prune(Op("add", tuple(s(t) for t in terms)))
    if isinstance(e, Trace):
        si = self_inner(e)
        if si is not None:            # d||Y||^2 = 2 <Y, dY>
            y = si[0]
            return _prune(_op("mul", Leaf(B.num(2)), _op("inner", Leaf(y), s(y))))
        pair = inner_pair(e)
        if pair is not None:          # d<P, Q> = <dP, Q> + <P, dQ>
            p, q = pair
            return _prune(_op("add", _op("inner", s(p), Leaf(q)) if dep(p) else None,
                              _op("inner", Leaf(p), s(q)) if dep(q) else None))
        return _prune(_op("tr", s(e.arg)))
    inner = _inner_of(e) if isinstance(e, Mul) else None
    if inner is not None:             # d(a'b) = da' b + a' db
        a, b = inner
        return _prune(_op("add", _op("mul", _op("T", s(a)), Leaf(b)) if dep(a) else None,
                          _op("mul", Leaf(B.transpose(a)), s(b)) if dep(b) else None))
    if isinstance(e, Mul) and self_inner(e) is not None:
        y = self_inner(e)[0]          # d||y||^2 = 2 <y, dy>
        return _prune(_op("mul", Leaf(B.num(2)), _op("inner", Leaf(y), s(y))))
    if isinstance(e, (Mul, Hadamard, Kron)):
        kind = {Mul: "mul", Hadamard: "had", Kron: "kron"}[type(e)]
        f = _factors(e)
        terms = [Op(kind, tuple(Leaf(g) if j != i else s(g) for j, g in enumerate(f)))
                 for i in range(len(f)) if dep(f[i])]
        return _prune(Op("add", tuple(terms)))
    if isinstance(e, MatPow):
        k = abs(e.k)
        x = e.base if e.k > 0 else B.inverse(e.base)
        dx = s(e.base) if e.k > 0 else _op("neg", _op("mul", Leaf(x), s(e.base), Leaf(x)))

        def power(i):
            return [Leaf(B.matpow(x, i))] if i > 0 else []
        return _prune(Op("add", tuple(Op("mul", tuple(power(i) + [dx] + power(k - 1 - i))) for i in range(k))))
    if isinstance(e, Inverse):        # d(X^-1) = -X^-1 dX X^-1
        return _prune(_op("neg", _op("mul", Leaf(e), s(e.arg), Leaf(e))))
    if isinstance(e, Transpose):      # d(X^-T) = -X^-T dX' X^-T
        y = e.arg.arg
        return _prune(_op("neg", _op("mul", Leaf(e), _op("T", s(y)), Leaf(e))))
    if isinstance(e, Det):            # d det X = det X tr(X^-1 dX)
        return _prune(_op("mul", Leaf(e), _op("tr", _op("mul", Leaf(B.inverse(e.arg)), s(e.arg)))))
    if isinstance(e, LogDet):         # d log det X = tr(X^-1 dX)
        return _prune(_op("tr", _op("mul", Leaf(B.inverse(e.arg)), s(e.arg))))
    if isinstance(e, Pow):
        return _expand_pow(e, s, dep)
    if isinstance(e, Func):           # d f(U) = f'(U) .* dU
        return _prune(_emul(e.shape == SCALAR, Leaf(derivative(e.name, e.arg)), s(e.arg)))
    if isinstance(e, Softmax) and e.shape[1] == 1:  # d softmax(u) = (diag(p) - p p') du (a matrix: the table)
        p = e
        return _prune(_op("mul", Leaf(B.sub(B.diag(p), B.mul(p, B.transpose(p)))), s(e.arg)))
    return Leaf(simplify(differential(e, dirs)))


def _expand_pow(e: Pow, s, dep):
    u, v = e.base, e.exp
    scalar = e.shape == SCALAR
    parts = []
    if dep(v):                        # d(u^v) = u^v (log(u) dv + v u^(v-1) du)
        parts.append(_emul(scalar, Leaf(B.mul(e, B.func("log", u))) if scalar else
                           Leaf(B.hadamard(e, B.func("log", u))), s(v)))
    if dep(u):                        # d(u^c) = c u^(c-1) du
        coeff = elementwise_product(v, B.power(u, B.add(v, B.num(-1))))  # (x .^ y: y .* x.^(y - 1))
        parts.append(_emul(scalar, Leaf(coeff), s(u)))
    return _prune(Op("add", tuple(parts)))


# ---------------------------------------------------------------- first phase: expand every d
def expand_all(start: Node, dirs: dict, lhs: str, steps: list) -> Node:
    """Expand pending differentials until none is left; one step per rule, applied to every
    pending differential of the line that it fits."""
    frozen_dirs = tuple(dirs.items())
    line = start
    for count in range(MAX_RULE_STEPS + 1):
        pend = _pendings(line)
        if not pend:
            return line
        first = pend[0]
        trivial = settle(first.expr, dirs)
        if count == MAX_RULE_STEPS:  # a deep nest: the rest at once, by the rule table
            table = {p: Leaf(simplify(differential(p.expr, dirs))) for p in pend}
            rule = "the remaining rules"
        elif trivial != first:       # only the very first line can hold a d that needs no rule
            table = {first: trivial}
            rule = "linearity" if trivial is not None else "constant"
        else:
            rule = rule_of(first.expr)
            table = {p: expand_one(p.expr, dirs) for p in pend if rule_of(p.expr) == rule}
        line = _replace(line, table)
        steps.append(RawStep(lhs, rule, line if line is not None else Leaf(B.zeros(node_shape(start))), frozen_dirs))
        if line is None:
            return None
    return line


# ---------------------------------------------------------------- second phase: move dX to the right
def _expand_terms(node, names: frozenset, limit: int):
    """The line as signed terms with no sum left around a direction: [(sign, node)], or None
    when there would be more than `limit` terms."""
    if not _has_direction(node, names) or isinstance(node, Leaf):
        return [(1, node)]
    k = node.kind
    if k == "add":
        out = []
        for a in node.args:
            sub = _expand_terms(a, names, limit)
            if sub is None:
                return None
            out += sub
        return out if len(out) <= limit else None
    if k == "neg":
        sub = _expand_terms(node.args[0], names, limit)
        return None if sub is None else [(-sg, t) for sg, t in sub]
    parts = []
    for a in node.args:
        sub = _expand_terms(a, names, limit)
        if sub is None:
            return None
        parts.append(sub)
    combos = [(1, [])]
    for sub in parts:
        combos = [(sg * sg2, args + [t]) for sg, args in combos for sg2, t in sub]
        if len(combos) > limit:
            return None
    out = []
    for sg, args in combos:
        if k in ("mul", "had", "kron"):
            flat = []
            for a in args:  # a product inside a product is one product
                flat += list(a.args) if _flattens(a, k) else [a]
            args = flat
        out.append((sg, Op(k, tuple(args))))
    return out


def _signed_sum(terms: list):
    out = [t if sg > 0 else _op("neg", t) for sg, t in terms]
    return out[0] if len(out) == 1 else Op("add", tuple(out))


def _trace_parts(t: Node, dx: Var):
    """(scalar factors, chain inside the trace, transposed?) when the term is c tr(P dX Q) or
    c tr(P dX' Q) with dX a factor of the chain; else None."""
    scal = []
    tr = None
    items = t.args if isinstance(t, Op) and t.kind == "mul" else (t,)
    for f in items:
        if isinstance(f, Op) and f.kind == "tr":
            if tr is not None:
                return None
            tr = f
        elif isinstance(f, Leaf) and f.expr.shape == SCALAR and dx.name not in f.expr.free:
            scal.append(f)
        else:
            return None
    if tr is None:
        return None
    inner = tr.args[0]
    chain = list(inner.args) if isinstance(inner, Op) and inner.kind == "mul" else [inner]
    at = [i for i, f in enumerate(chain) if _is_dx(f, dx) is not None]
    if len(at) != 1 or any(dx.name in _free(f) for i, f in enumerate(chain) if i != at[0]):
        return None
    i = at[0]
    chain = chain[i + 1:] + chain[:i + 1]  # cyclic: dX last
    return scal, chain, _is_dx(chain[-1], dx)


def _is_dx(f: Node, dx: Var):
    """False for dX, True for dX', None for anything else."""
    if isinstance(f, Leaf) and f.expr is dx:
        return False
    if isinstance(f, Leaf) and f.expr is B.transpose(dx):
        return True
    if isinstance(f, Op) and f.kind == "T" and isinstance(f.args[0], Leaf) and f.args[0].expr is dx:
        return True
    return None


def _free(node) -> frozenset:
    if isinstance(node, Leaf):
        return node.expr.free
    if isinstance(node, Pending):
        return node.expr.free
    return frozenset().union(*(_free(a) for a in node.args)) if node.args else frozenset()


def _mul_nodes(items: list):
    return items[0] if len(items) == 1 else Op("mul", tuple(items))


def read_off_gradient(line: Node, dx: Var, dirs: dict, lhs: str, steps: list) -> list:
    """From an expanded differential to <G_1, dX> + ... : expand, cyclic moves, traces as inner
    products. Returns the terms [(sign, scalar factors, G_i)] whose sum is <G, dX>, or None
    when the line is too long to expand."""
    names = frozenset({dx.name})
    frozen = tuple(dirs.items())
    terms = _expand_terms(line, names, EXPAND_LIMIT)
    if terms is None:
        return None
    shown = _signed_sum(terms)
    if shown != line:
        steps.append(RawStep(lhs, "expand", shown, frozen))
    parts = [(sg, t, _trace_parts(t, dx)) for sg, t in terms]

    def stage(rule, fn):
        nonlocal parts
        new = [(sg, *fn(t, tp)) if tp is not None else (sg, t, tp) for sg, t, tp in parts]
        line_now = _signed_sum([(sg, t) for sg, t, _ in new])
        if line_now != _signed_sum([(sg, t) for sg, t, _ in parts]):
            steps.append(RawStep(lhs, rule, line_now, frozen))
        parts = new

    def rotated(t, tp):
        scal, chain, _ = tp
        return _mul_nodes(scal + [_op("tr", _mul_nodes(chain))]), tp

    def untransposed(t, tp):
        scal, chain, transposed = tp
        if not transposed:
            return t, tp
        chain = ([Leaf(B.transpose(line_expr(_mul_nodes(chain[:-1]), dirs)))] if len(chain) > 1 else []) + [Leaf(dx)]
        return _mul_nodes(scal + [_op("tr", _mul_nodes(chain))]), (scal, chain, False)

    def as_inner(t, tp):
        scal, chain, _ = tp
        m = line_expr(_mul_nodes(chain[:-1]), dirs) if len(chain) > 1 else B.identity(dx.shape[0])
        return _mul_nodes(scal + [_op("inner", Leaf(B.transpose(m)), Leaf(dx))]), tp

    stage("cyclic trace", rotated)
    stage("trace of a transpose", untransposed)
    stage("tr(A'B) = <A, B>", as_inner)
    # the rest (a'dx, dx'Ax, sum(A .* dX), ...): by the adjoint of the map dX -> term
    rest = [p for p in parts if p[2] is None]
    if rest:
        rule = _adjoint_rule([t for _, t, _ in rest], dx)
        new = []
        for sg, t, tp in parts:
            if tp is None:
                t = _adjoint_term(t, dx, dirs)
            new.append((sg, t, tp))
        line_now = _signed_sum([(sg, t) for sg, t, _ in new])
        if line_now != _signed_sum([(sg, t) for sg, t, _ in parts]):
            steps.append(RawStep(lhs, rule, line_now, frozen))
        parts = new
    out = []
    for sg, t, _ in parts:
        items = list(t.args) if isinstance(t, Op) and t.kind == "mul" else [t]
        inner = items[-1]
        if not (isinstance(inner, Op) and inner.kind == "inner"):
            return None
        out.append((sg, [line_expr(x, dirs) for x in items[:-1]], inner.args[0].expr))
    return out


def _adjoint_term(t, dx: Var, dirs: dict):
    if dx.shape == SCALAR:
        return t
    g = simplify(gradient_of(line_expr(t, dirs), dx))
    return _op("inner", Leaf(g), Leaf(dx))


def _adjoint_rule(terms: list, dx: Var) -> str:
    """Name the move from a term to <G_i, dX>: a'dx = <a, dx>, a transposed scalar, or sum(A .* B)."""
    def kind(t):
        if isinstance(t, Op) and t.kind == "sum" and isinstance(t.args[0], Op) and t.args[0].kind == "had":
            return "sum(A .* B) = <A, B>"
        if isinstance(t, Op) and t.kind == "mul" and dx.shape[1] == 1:
            chain = [a for a in t.args if not (isinstance(a, Leaf) and a.expr.shape == SCALAR)]
            if len(chain) == 1 and isinstance(chain[0], Op) and chain[0].kind == "mul":
                chain = list(chain[0].args)  # c (dx' A x): the 1x1 product after its coefficient
            if chain and _is_dx(chain[0], dx) is True:
                return "transpose of a scalar"
            if chain and _is_dx(chain[-1], dx) is False:
                return "a'dx = <a, dx>"
        return "adjoint"
    names = []
    for t in terms:
        k = kind(t)
        if k not in names:
            names.append(k)
    return "; ".join(names)


# ---------------------------------------------------------------- whole derivations
def _append(steps: list, step: RawStep) -> None:
    """Add a step; a step that changes nothing visible merges its rule into the previous one."""
    if steps and steps[-1].node == step.node and steps[-1].lhs == step.lhs:
        prev = steps[-1]
        steps[-1] = RawStep(prev.lhs, prev.rule + "; " + step.rule, prev.node, prev.dirs)
        return
    steps.append(step)


def first_order_steps(f: Expr, x: Var, dx: Var, lhs: str = "df", order: tuple | None = None) -> tuple:
    """(steps, line): from df = d(f) to the fully expanded differential (no read-off).

    `order`: the terms of a sum f in the order they were typed (the engine keeps them sorted);
    the first lines then show them so."""
    dirs = {x.name: dx}
    frozen = tuple(dirs.items())
    if order is not None and isinstance(f, Add) and sorted(order, key=id) == sorted(f.args, key=id):
        steps = [RawStep(lhs, "differential", _op("d", Op("add", tuple(Leaf(t) for t in order))), frozen)]
        line = _prune(Op("add", tuple(settle(t, dirs) for t in order)))
        steps.append(RawStep(lhs, "linearity" if line is not None else "constant",
                             line if line is not None else Leaf(B.zeros(f.shape)), frozen))
        if line is None:
            return steps, None
        return steps, expand_all(line, dirs, lhs, steps)
    steps = [RawStep(lhs, "differential", Pending(f), frozen)]
    line = expand_all(Pending(f), dirs, lhs, steps)
    return steps, line


def gradient_steps(f: Expr, x: Var, dx: Var, g: Expr, projected: Expr | None = None,
                   projection: str = "", order: tuple | None = None) -> list:
    """df = d(f), ..., = <G, dX> with G the engine's gradient g; then sym(G) or I .* G if given."""
    steps, line = first_order_steps(f, x, dx, order=order)
    dirs = {x.name: dx}
    frozen = tuple(dirs.items())
    collected_g = None  # G as collected from the terms, when the steps show it
    if line is not None:
        raw = []
        terms = read_off_gradient(line, dx, dirs, "df", raw) if dx.shape != SCALAR else None
        for s in raw:
            _append(steps, s)
        if terms:
            shown = []
            for sg, scal, gi in terms:
                gi = B.mul(*scal, gi) if scal else gi
                shown.append(Leaf(gi) if sg > 0 else _op("neg", Leaf(gi)))
            collected = shown[0] if len(shown) == 1 else Op("add", tuple(shown))
            _append(steps, RawStep("df", "collect terms", _op("inner", collected, Leaf(dx)), frozen))
            collected_g = line_expr(collected, dirs)
    final = _gradient_line(g, dx)
    # where the engine's G is not the collected one as it stands (sign(u) u = |u|, a factor pulled
    # out), the step says that it simplifies as well as reads off
    rule = "read off G" if collected_g is None or collected_g is g else "simplify, read off G"
    _append(steps, RawStep("df", rule, final, frozen))
    if projected is not None:
        _append(steps, RawStep("df", projection, _gradient_line(projected, dx), frozen))
    return steps


def _gradient_line(g: Expr, dx: Var) -> Node:
    if dx.shape == SCALAR:
        return _op("mul", Leaf(g), Leaf(dx))
    return _op("inner", Leaf(g), Leaf(dx))


def second_order_steps(g: Expr, x: Var, dx: Var, v: Var, answer: Node, rule: str,
                       projected: Node | None = None, projection: str = "", moving: dict | None = None) -> list:
    """d2f = <d(G), dX> with dX held fixed and X moving along v (or, for one row of a block
    Hessian-vector product, every variable along its own direction: `moving`, name -> direction),
    expanded; then `answer` (an expression of H read off, e.g. <H[V], dX>) by `rule`."""
    dirs = dict(moving) if moving else {x.name: v}
    frozen = tuple(dirs.items())
    start = _op("inner", Pending(g), Leaf(dx)) if dx.shape != SCALAR else _op("mul", Pending(g), Leaf(dx))
    steps = [RawStep("d2f", "differentiate again, dX fixed", start, frozen)]
    line = expand_all(start, dirs, "d2f", steps)
    if line is None:
        steps.append(RawStep("d2f", "collect terms", Leaf(B.ZERO), frozen))
    _append(steps, RawStep("d2f", rule, answer, frozen))
    if projected is not None:
        _append(steps, RawStep("d2f", projection, projected, frozen))
    return steps


def differential_steps(f: Expr, x: Var, dx: Var, answer: Node, rule: str, lhs: str = "df",
                       order: tuple | None = None) -> list:
    """d(f) expanded rule by rule, then the engine's form `answer` (collected, or read off as J dx)."""
    steps, line = first_order_steps(f, x, dx, lhs, order)
    _append(steps, RawStep(lhs, rule, answer, tuple({x.name: dx}.items())))
    return steps
