"""How the input was read: the fully explicit, parenthesized reading of a typed tree and
the declarations inferred for every name (`mu: vector(n_x)`)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.functions import typed_operations
from .dims import DimVar

if TYPE_CHECKING:  # (infer.py reads through this module)
    from .infer import Ctx, T

#: typed operation -> the call it is read back as (the registry's `CallSpec.typed`: sum_all and sum_axis
#: as sum, diagpart as diag, dimsize as dim, identity as eye); identity, ones and zeros are written from
#: their shape below, the others as name(arguments)
_AS_CALL = {op: name for op, (name, _made_by) in typed_operations().items()}
_ATOMS = {"var", "ref", "euler", "pi", "func", "inner", "norm", "spectral"} | set(_AS_CALL)


def _num(t, text) -> str:
    v = t.args[0]
    return str(v) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _operand(ctx, u) -> str:
    """The reading of u as an operand: in parentheses unless it is an atom."""
    s = explicit(ctx, u)
    if u.op in _ATOMS or _ones_of_one(u) or (u.op == "num" and u.args[0] >= 0 and u.args[0].denominator == 1) or (
            u.op in ("transpose", "matpow")):
        return s
    return f"({s})"


def _base(ctx, u) -> str:
    """The reading of u as the base of a power: a power in parentheses too, (Q^3)^3, since Q^3^3 is
    refused as ambiguous."""
    return f"({explicit(ctx, u)})" if u.op in ("matpow", "pow", "epow") else _operand(ctx, u)


def _ones_of_one(t) -> bool:
    """Is t vector(1) or matrix(1), 1 times a ones of open size (how \\mathbf{1} is read)?"""
    return t.op == "smul" and t.args[0].op == "num" and t.args[0].args[0] == 1 and t.args[1].op == "ones"


def _arguments(ctx, k, args) -> list:
    """The arguments of a typed operation read back as its call: a typed child's reading, a size
    resolved, an index (none where it was not given: softmax and logsumexp run down the columns unless
    told otherwise, and logsumexp's 1, down the columns, is written as its default)."""
    out = []
    for x in args:
        if isinstance(x, DimVar):
            out.append(str(ctx.resolve(x)))
        elif isinstance(x, int):
            if not (k == "logsumexp" and x == 1):
                out.append(str(x))
        elif x is not None:
            out.append(explicit(ctx, x))
    return out


def explicit(ctx: Ctx, t: T) -> str:
    """The reading of typed node t: every product spaced, every compound operand in parentheses."""
    k = t.op
    a = t.args
    if k == "var":
        return a[0]
    if k == "ref":
        return a[1]
    if k == "num":
        return _num(t, ctx.text)
    if k == "euler":
        return "e"
    if k == "pi":
        return "pi"
    if k == "identity":  # (I_n, eye(3): the size as typed, which a plain I would leave open on reading back)
        typed = ctx.text[t.start:t.end].strip()
        return "I" if typed in ("I", "eye") or not typed else f"eye({ctx.resolve(t.shape[0])})"
    if k in ("ones", "zeros"):
        dims = [ctx.resolve(d) for d in t.shape]
        return f"{k}({dims[0]})" if dims[1] == 1 else f"{k}({dims[0]}, {dims[1]})"
    if k == "neg":
        if a[0].op in ("product", "smul", "matmul"):
            return f"-({explicit(ctx, a[0])})"
        return "-" + _operand(ctx, a[0])
    if k == "sum":
        out = []
        for i, (sg, x) in enumerate(a):
            signed = i and (x.op in ("sum", "neg") or (x.op == "num" and x.args[0] < 0))
            s = _operand(ctx, x) if signed else explicit(ctx, x)
            out.append(s if i == 0 and sg == "+" else f"{sg} {s}" if i else f"-{s}")
        return " ".join(out)
    if k == "product":
        seq = a[0]
        last = max((i for i, (o, _) in enumerate(seq) if o), default=0)
        acc = _operand(ctx, seq[0][1])
        for i, (o, x) in enumerate(seq[1:], 1):
            # (a number after a factor is written with *: K 1 reads back as papers' vector of ones, refused)
            acc = f"{acc} {o} {_operand(ctx, x)}" if o else f"{acc} {'* ' if x.op == 'num' else ''}{_operand(ctx, x)}"
            if i <= last and i < len(seq) - 1 and not (not o and not seq[i + 1][0]) and not (
                    o == "*" and seq[i + 1][0] == "*"):
                # left to right: (1 / 2) x, (A .* B) * C; a run of juxtaposed factors is one product,
                # (x' A x) / (x' x), not ((x' A) x) / (x' x), and so is a chain of *: x' * A * x
                acc = f"({acc})"
        return acc
    if _ones_of_one(t):  # vector(1), LaTeX's \\mathbf{1}: ones(m), not (1 ones(m))
        return explicit(ctx, a[1])
    if k in ("smul", "matmul"):
        return f"{_operand(ctx, a[0])} {'* ' if a[1].op == 'num' else ''}{_operand(ctx, a[1])}"
    if k in ("div", "hadamard", "ediv"):
        sym = {"div": "/", "hadamard": ".*", "ediv": "./"}[k]
        return f"{_operand(ctx, a[0])} {sym} {_operand(ctx, a[1])}"
    if k == "transpose":
        return _operand(ctx, a[0]) + "'"
    if k == "matpow":
        return f"inv({explicit(ctx, a[0])})" if a[1] == -1 else f"{_base(ctx, a[0])}^{a[1]}"
    if k in ("pow", "epow"):
        # an exponent is a number, a name or a group: t^(sin(b)), not t^sin(b), which does not read back
        exponent = _operand(ctx, a[1]) if a[1].op in ("var", "num") else f"({explicit(ctx, a[1])})"
        return f"{_base(ctx, a[0])}{'^' if k == 'pow' else '.^'}{exponent}"
    if k == "func":
        return f"{a[0]}({explicit(ctx, a[1])})"
    if k in _AS_CALL:  # tr(X), sum(X, 1), kron(A, B), unvec(v, m, n), dim(n): the call it was typed from
        return f"{_AS_CALL[k]}({', '.join(_arguments(ctx, k, a))})"
    if k == "inner":
        return f"<{explicit(ctx, a[0])}, {explicit(ctx, a[1])}>"
    if k == "norm":
        vec = a[0].shape[0].find().const == 1 or a[0].shape[1].find().const == 1
        inner = explicit(ctx, a[0])
        if "||" in inner:  # ||a ||x|| + y|| would close at the second bar: norm2 (Frobenius for a matrix)
            return f"norm2({inner})"
        return f"||{inner}||" + ("" if vec else "_F")
    if k == "spectral":
        return f"||{explicit(ctx, a[0])}||_2"
    return ctx.text[t.start:t.end]  # pragma: no cover - every op is listed above


def describe(ctx: Ctx, t: T) -> str:
    """`x: vector(n_x)`: a name's kind and resolved dimensions as a declaration."""
    name, decl = t.args
    r, c = (ctx.resolve(d) for d in t.shape)
    if (r, c) == (1, 1) and decl.kind != "matrix" and decl.kind != "vector":
        s = "scalar"
    elif c == 1 and decl.kind != "matrix":
        s = f"vector({r})"
    else:
        s = f"matrix({r},{c})"
    for p in sorted(decl.props):
        s += " " + p
    return f"{name}: {s}"


class LazyText:
    """A text made on first use and kept: how a formula was read (`x' A x`) and the declarations it
    was read under (`A: matrix(n,n); x: vector(n)`) are for people (the command line's 'read as',
    messages, steps), and a derivation that nobody prints never needs them (they were a tenth of
    reading `x' B x`). str() makes it."""

    __slots__ = ("_make", "_text")

    def __init__(self, make):
        self._make = make
        self._text = None

    def __str__(self) -> str:
        text = self._text
        if text is None:
            make = self._make
            if make is None:  # (another thread made it meanwhile: _text is set before _make is let go)
                return self._text
            text = make()
            self._text = text
            self._make = None  # (the reading's state is let go once its text exists)
        return text


def inferred(ctx: Ctx) -> str:
    """Declarations of every name of the text, as read (declared or inferred), `;` separated."""
    return "; ".join(describe(ctx, t) for _, t in sorted(ctx.vars.items()))


def full_reading(ctx: Ctx, root: T) -> str:
    body = explicit(ctx, root)
    if ctx.bindings:
        body += " where " + ", ".join(f"{n} = {explicit(ctx, b)}" for n, b in ctx.bindings.items())
    return body
