"""Typed tree -> canonical Expr: every dimension resolved, each node built by the
constructors in core/build.py, children first and without recursion."""
from __future__ import annotations

from typing import Any

from ..core import build as B
from ..core.errors import DivisionByZeroError, NotSupportedError, ParseError, ShapeError
from ..core.functions import typed_operations
from ..core.layout import attention_like, samples_as_rows
from ..core.nodes import SCALAR, Expr, Var
from .dims import DimVar

#: an inference context (infer.Ctx) and a typed node (infer.T): infer.py imports this module, so they are
#: named here, not imported (the imports form no cycle, type-only ones included)
Ctx = Any
T = Any


def kids(t: T) -> list:
    if t.op == "sum":
        return [x for _, x in t.args]
    if t.op == "product":
        return [x for _, x in t.args[0]]
    if t.op == "var":
        return []
    return [a for a in t.args if hasattr(a, "op") and hasattr(a, "shape")]


def _columnwise_argument(ctx, t, name: str):
    """The argument of softmax or logsumexp, refused where it is a row and no index was given.

    Of a matrix these run down each column; of a 1 x k row each column has one entry, so softmax
    would be all ones and logsumexp the row itself. A row written so (softmax(x' W), the row-vector
    convention of many papers) means the k entries: that reading is asked for, not guessed."""
    u = t.args[0].built
    if t.args[1] is None and u.shape[0] == 1 and u.shape[1] != 1:
        src = ctx.src(t.args[0])
        what = "all ones" if name == "softmax" else "the row itself"
        wrapped = src if src.isidentifier() else f"({src})"
        raise ParseError(f"{name}({src}) of a row runs down its columns, one entry each, and is {what}; for the "
                         f"{name} of its entries write {name}({src}, 2) (along the row), or {name}({wrapped}')' "
                         f"(of the column, transposed back)", ctx.text, t.start)
    why = samples_as_rows(u) if t.args[1] is None else None
    if why is not None:
        # softmax(X W + ones(n) b'): the bias repeats b' in every row, so each row is a sample; and softmax(X W),
        # a graph network's A relu(A X W0) W1: the weights last. Silently the cross-entropy normalized over the
        # samples (the printers write the 1 there: core/layout.py)
        src = " ".join(ctx.src(t.args[0]).split())
        because = "a row added to every row (a bias written ones b')" if why == "bias" else \
            "a product ending in the weights (X W, with the samples as rows; as columns it is W X)"
        raise ParseError(f"{name}({src}): {because} makes each row a sample, but {name} without an index works "
                         f"down each column; for each row write {name}({src}, 2), for each column {name}({src}, 1)",
                         ctx.text, t.start)
    return u


def build(ctx: Ctx, root: T) -> Expr:
    """Build the canonical Expr of a typed tree (iteratively, children first)."""
    stack = [(root, False)]
    while stack:
        t, ready = stack.pop()
        if t.built is not None:
            continue
        if not ready:  # (its children are looked up on the first visit only)
            stack.append((t, True))
            stack.extend((k, False) for k in kids(t) if k.built is None)
            continue
        try:
            t.built = BUILDERS[t.op](ctx, t)
        except ShapeError as e:
            raise ShapeError(f"in {ctx.src(t)!r}: {e}") from None
        except DivisionByZeroError as e:
            raise DivisionByZeroError(f"{e} in {ctx.src(t)!r}") from None
    return root.built


def _shape(ctx, t):
    return (ctx.resolve(t.shape[0]), ctx.resolve(t.shape[1]))


def _build_product(ctx, t):
    """One canonical product per run of `*`, `/` and juxtaposition; `.*` and `./` in between."""
    seq = t.args[0]
    factors = [seq[0][1].built]
    running = factors[0].shape  # the shape of the product so far, left to right
    pending: list = []  # a run of .* built as one product at its end (x0 .* ... .* x5999 was quadratic)
    for (_, w), (op, x) in zip(seq, seq[1:]):
        v = x.built
        if op in ("", "*"):
            _refuse_attention_columns(ctx, w, x)
        if pending and op != ".*":
            factors, pending = [B.hadamard(*pending)], []
            running = factors[0].shape
        if op == ".*" and pending:
            pending.append(v)
            continue
        if op in ("", "*", "/") and running == SCALAR and len(factors) > 1 and v.shape != SCALAR:
            factors = [B.mul(*factors)]  # (x'y) A: a finished 1x1 product is a scalar factor
        if op in ("", "*"):
            factors.append(v)
            if running == SCALAR:
                running = v.shape
            elif v.shape != SCALAR:
                running = (running[0], v.shape[1])
            continue
        if op == "/":
            factors.append(B.power(v, B.num(-1)) if not B.is_zero(v) else B.div(B.ONE, v))
        else:
            acc = B.mul(*factors)
            if acc.shape == SCALAR or v.shape == SCALAR:
                acc = B.mul(acc, v) if op == ".*" else B.elementwise_div(acc, v)
            elif op == ".*":
                pending = [acc, v]
                continue
            else:
                acc = B.elementwise_div(acc, v)
            factors = [acc]
            running = acc.shape
    if pending:
        factors = [B.hadamard(*pending)]
    return B.mul(*factors)


def _build_matmul(ctx, t):
    w, x = t.args
    _refuse_attention_columns(ctx, w, x)
    return B.mul(w.built, x.built)


def _refuse_attention_columns(ctx, w, x) -> None:
    """softmax(Q K' / sqrt(d)) V, attention as papers write it, normalizes each row; matcalc's softmax
    of a matrix normalizes each column (examples as columns), which would give another function
    without a word. The factor w, then x multiplying it: refused with both indices where w is the
    column softmax of attention's argument and x a matrix (the printers write the 1 there:
    core/layout.py)."""
    if w.op != "softmax" or w.args[1] is not None or x.built.shape[1] == 1 or not attention_like(w.args[0].built):
        return
    inner, nxt = ctx.src(w.args[0]), ctx.src(x)
    raise ParseError(f"softmax({inner}) {nxt}: the softmax of a matrix normalizes each column here; attention "
                     f"normalizes each row: write softmax({inner}, 2) {nxt} for rows, or softmax({inner}, 1) {nxt} "
                     f"for columns", ctx.text, w.start)


def _build_spectral(ctx, t):
    """The spectral norm of a matrix, where it has a closed form: ||a b'||_2 = ||a|| ||b||."""
    a = t.args[0]
    out = B.spectral_norm(a.built)
    if out is None:
        raise NotSupportedError(
            f"the spectral norm ||{ctx.src(a)}||_2 of a matrix is supported only for an outer product "
            f"a b' (where it is ||a|| ||b||); write ||{ctx.src(a)}||_F for the Frobenius norm")
    return out


def _build_identity(ctx, t):
    n = ctx.resolve(t.shape[0])
    ctx.identities.append((t.start, n))
    return B.identity(n)


def build_var(ctx: Ctx, t: T) -> Var:
    name, decl = t.args
    return B.var(name, _shape(ctx, t), decl.props)


def _by_constructor(made_by: str):
    """The builder of a typed operation that its call's CallSpec builds by a constructor of B
    (`CallSpec.typed`): the constructor called with the operation's arguments, a typed child as its
    Expr and a size resolved, others as they are (sum(X, 1): B.sum_axis(X, 1); comm(m, n): B.comm(m, n))."""
    make = getattr(B, made_by)

    def built(c, t):
        return make(*[a.built if hasattr(a, "built") else c.resolve(a) if isinstance(a, DimVar) else a
                      for a in t.args])
    return built


#: typed operation -> its builder: the syntax's operations, and the calls' operations that are built by
#: code (their CallSpec.typed names no constructor); the others are added from the registry below
BUILDERS = {
    "var": build_var,
    "product": _build_product,
    "ref": lambda c, t: t.args[0].built,
    "num": lambda c, t: B.num(t.args[0]),
    "euler": lambda c, t: B.func("exp", B.ONE),
    "pi": lambda c, t: B.func("arccos", B.num(-1)),
    "identity": lambda c, t: _build_identity(c, t),
    "ones": lambda c, t: B.ones(_shape(c, t)),
    "zeros": lambda c, t: B.zeros(_shape(c, t)),
    "neg": lambda c, t: B.neg(t.args[0].built),
    "sum": lambda c, t: B.add(*[x.built if sg == "+" else B.neg(x.built) for sg, x in t.args]),
    "smul": lambda c, t: B.mul(t.args[0].built, t.args[1].built),
    "matmul": _build_matmul,
    "div": lambda c, t: B.div(t.args[0].built, t.args[1].built),
    "hadamard": lambda c, t: B.hadamard(t.args[0].built, t.args[1].built),
    "ediv": lambda c, t: B.elementwise_div(t.args[0].built, t.args[1].built),
    "transpose": lambda c, t: B.transpose(t.args[0].built),
    "matpow": lambda c, t: B.matpow(t.args[0].built, t.args[1]),
    "pow": lambda c, t: B.power(t.args[0].built, t.args[1].built),
    "epow": lambda c, t: B.power(t.args[0].built, t.args[1].built),
    "func": lambda c, t: B.func(t.args[0], t.args[1].built),
    "norm1": lambda c, t: B.sumall(B.func("abs", t.args[0].built)),
    "softmax": lambda c, t: B.softmax(_columnwise_argument(c, t, "softmax"), t.args[1] or 1),
    "logsumexp": lambda c, t: B.logsumexp(_columnwise_argument(c, t, "logsumexp"), t.args[1] or 1),
    "inner": lambda c, t: B.inner(t.args[0].built, t.args[1].built),
    "norm": lambda c, t: B.norm(t.args[0].built),
    "spectral": _build_spectral,
    "unvec": lambda c, t: B.unvec(t.args[0].built, _shape(c, t)),
}
BUILDERS.update({op: _by_constructor(made_by) for op, (_name, made_by) in typed_operations().items() if made_by})
