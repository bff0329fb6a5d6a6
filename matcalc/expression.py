"""The public expression object: a parsed, typed expression with its declarations."""
from __future__ import annotations

import gc

from .language.declarations import parse_declarations
from .core.errors import MatcalcError
from .core import build as B
from .language.kinds import typecheck
from .core.nodes import SCALAR, Expr, Var
from .language.parser import parse_syntax


def numpy_shape(shape) -> tuple:
    """(rows, cols) -> the NumPy-style shape: () scalar, (n,) vector, (m, n) matrix."""
    r, c = shape
    if (r, c) == SCALAR:
        return ()
    if c == 1:
        return (r,)
    if r == 1:
        return (c,)
    return (r, c)


def declarations_of(node: Expr, extra=()) -> str:
    """A `where` string that declares every variable of node (and of `extra`) as it is typed."""
    seen = {}
    for e in (node,) + tuple(extra):
        for n in e.walk():
            if isinstance(n, Var) and n.name not in seen:
                seen[n.name] = n
    parts = []
    for name in sorted(seen):
        v = seen[name]
        r, c = v.shape
        if (r, c) == SCALAR:
            s = f"{name}: scalar"
        elif c == 1:
            s = f"{name}: vector({r})"
        else:
            s = f"{name}: matrix({r},{c})"
        props = set(v.props)
        if "spd" in props:
            props -= {"symmetric", "invertible"}
        if "diagonal" in props:
            props.discard("symmetric")
        if "orthogonal" in props:
            props.discard("invertible")
        for p in sorted(props):
            s += " " + p
        parts.append(s)
    return "; ".join(parts)


class Expression:
    """A typed matrix expression: `.shape`, `str()`, `.latex()`, `.evaluate(values)`.

    `.node` is the canonical hash-consed tree; two Expressions are equal when their trees
    are the same object. `.where` declares every variable, so that
    `parse(str(e), where=e.where) == e`.
    """

    __slots__ = ("node", "_where", "context", "reading", "inferred")

    def __init__(self, node: Expr, where: str | None = None, context: tuple = (), reading: str = "",
                 inferred: str = ""):
        self.node = node
        self._where = where
        self.context = context  # every variable the text named, even those that cancelled out
        #: how the text was read: every product spaced, every compound operand parenthesized
        self.reading = reading or str(node)
        #: the kind and dimensions of every name of the text, declared or inferred (`mu: vector(n_x)`)
        self.inferred = inferred

    @property
    def where(self) -> str:
        """Declarations of every variable (computed when first asked for)."""
        if self._where is None:
            self._where = declarations_of(self.node, self.context)
        return self._where

    @property
    def shape(self) -> tuple:
        return numpy_shape(self.node.shape)

    @property
    def is_scalar(self) -> bool:
        return self.node.shape == SCALAR

    @property
    def variables(self) -> tuple:
        return tuple(sorted(self.node.free))

    def __str__(self) -> str:
        return str(self.node)

    def __repr__(self) -> str:
        return f"Expression({str(self.node)!r}, shape={self.shape})"

    def latex(self) -> str:
        return self.node.latex()

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def evaluate(self, values: dict | None = None, **kw):
        """Evaluate with NumPy; values maps names to arrays (vectors 1-D) or floats."""
        from .numerics.evaluate import check_values, evaluate
        vals = dict(check_values(values))
        vals.update(kw)
        return evaluate(self.node, vals, context=self._context_for(vals))

    def _context_for(self, vals: dict) -> tuple:
        """Cancelled variables that were given values still fix dimensions (a + (u - u))."""
        return tuple(v for v in self.context if v.name in vals)

    def __eq__(self, other) -> bool:
        if isinstance(other, Expression):
            return self.node is other.node
        return NotImplemented

    def __hash__(self) -> int:
        return hash(id(self.node))


def _declared_only(decls: dict, named) -> tuple:
    """Variables declared with full dimensions but absent from the text: their values still
    fix dimensions (`zeros(k)` where `u: vector(k)`)."""
    out = []
    for name, d in decls.items():
        if name in named or not d.declared or None in d.dims:
            continue
        shape = SCALAR if d.kind == "scalar" else (d.dims[0], 1) if d.kind == "vector" else tuple(d.dims)
        out.append(B.var(name, shape, d.props))
    return tuple(out)


def parse(text: str, where=None) -> Expression:
    """Parse `text` under the declarations `where` into a typed, canonical Expression."""
    if isinstance(text, Expression):
        return text
    decls = parse_declarations(where)
    # Parsing allocates many small objects and frees none of them until the end: the cyclic
    # collector would rescan the growing heap again and again (quadratic on long input).
    enabled = gc.isenabled()
    gc.disable()
    try:
        syn = parse_syntax(text)
        node, ctx = typecheck(syn, text, decls)
        context = ctx.built_vars() + _declared_only(decls, ctx.vars)
    except RecursionError:
        raise MatcalcError("the expression is nested too deeply") from None
    finally:
        if enabled:
            gc.enable()
    return Expression(node, context=context, reading=ctx.reading, inferred=ctx.inferred)
