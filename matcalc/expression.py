"""The public expression object: a parsed, typed expression with its declarations."""
from __future__ import annotations

import re

from collections.abc import Iterable, Mapping
from typing import Any, Union

from .core import build as B
from .core.errors import MatcalcError
from .core.nodes import SCALAR, Expr, Var
from .core.nodes import Value as _Value
from .core.records import replace
from .core.reductions import entrywise_matrix_factors, refused_as_typed
from .language.declarations import declarations_of, parse_declarations
from .language.names import declared_sizes
from .language.reader import read
from .language.reading import LazyText
from .numerics.evaluate import check_values, evaluate
from .outputs.printing import sizes_written_bare, to_latex_compact, to_text, to_text_compact

#: What a question takes as its function: text (plain, LaTeX or Unicode) or an Expression already read.
Formula = Union[str, "Expression"]
#: Declarations: a `where` text ("A: n x n; x: n"), a dict of name -> declaration ({"x": "vector(n)"}), or None.
Where = Union[str, Mapping[str, str], None]
#: Values to evaluate at: name -> a NumPy array (a vector 1-D) or a number, sizes by their names.
Values = Mapping[str, Any]
#: What evaluation gives: a float for a scalar, an array otherwise (defined with the nodes, which evaluate).
Value = _Value


def numpy_shape(shape: tuple) -> tuple:
    """(rows, cols) -> the NumPy-style shape: () scalar, (n,) vector, (m, n) matrix."""
    r, c = shape
    if (r, c) == SCALAR:
        return ()
    if c == 1:
        return (r,)
    if r == 1:
        return (c,)
    return (r, c)


class Expression:
    """A typed matrix expression: `.shape`, `str()`, `.latex()`, `.evaluate(values)`.

    `.node` is the canonical hash-consed tree; two Expressions are equal when their trees
    are the same object. `.where` declares every variable, so that
    `parse(str(e), where=e.where) == e`.
    """

    __slots__ = ("node", "_where", "context", "written", "_reading", "_inferred", "open_identity", "undeclared",
                 "sympy_dims")

    def __init__(self, node: Expr, where: str | None = None, context: tuple = (), written: Expr | None = None,
                 reading: str = "", inferred: str = "", open_identity=None, undeclared: frozenset = frozenset()):
        self.node = node
        #: the variables whose kinds and sizes the reader inferred (no declaration named them)
        self.undeclared = undeclared
        #: the SymPy symbols of the dimensions, by name, of an expression read from SymPy (to_sympy puts them back)
        self.sympy_dims = None
        #: the error a derivative raises: an I whose size nothing fixes (logdet(s I)), or None
        self.open_identity = open_identity
        self._where = where
        self.context = context  # every variable the text named, even those that cancelled out
        #: how the text was read: every product spaced, every compound operand parenthesized
        self._reading = reading  # (a str, or a language.reading.LazyText made when first asked for)
        #: the kind and dimensions of every name of the text, declared or inferred (`mu: vector(n_x)`)
        self._inferred = inferred
        # the formula as typed, before symmetric, diagonal or orthogonal variables were used
        # (X' = X): what a variant with one variable unconstrained is built from (`variant`)
        self.written = written if written is not None else node

    def __getstate__(self):
        """The slots, with the reading and its declarations as text (a LazyText holds the reader's state)."""
        return (None, {k: getattr(self, k) for k in ("node", "_where", "context", "written", "reading", "inferred",
                                                     "open_identity", "undeclared", "sympy_dims")})

    def __setstate__(self, state):
        for k, v in state[1].items():
            object.__setattr__(self, {"reading": "_reading", "inferred": "_inferred"}.get(k, k), v)

    @property
    def reading(self) -> str:
        """How the text was read: every product spaced, every compound operand parenthesized."""
        r = self._reading
        if not isinstance(r, str) or not r:
            r = self._reading = str(r) or str(self.node)
        return r

    @property
    def inferred(self) -> str:
        """The kind and dimensions of every name of the text, declared or inferred (`mu: vector(n_x)`)."""
        i = self._inferred
        if not isinstance(i, str):
            i = self._inferred = str(i)
        return i

    def variant(self, name: str, props: Iterable[str]) -> Expression:
        """The same formula with the variable `name` given the properties `props` (the others as
        declared): built by substitution on the tree as typed, never by parsing again."""
        if self.written is self.node and not any(v.name == name and v.props != frozenset(props)
                                                 for v in self._variables()):
            return self
        swap = {}
        for v in self._variables(written=True):
            if v.name == name:
                swap[name] = B.var(name, v.shape, props)
            else:
                swap[v.name] = self._declared(v.name) or v
        node = B.substitute(self.written, swap)
        context = tuple(swap.get(v.name, v) for v in self.context)
        out = Expression(node, context=context, written=self.written, reading=self._reading,
                         inferred=self._inferred, open_identity=self.open_identity, undeclared=self.undeclared)
        out.sympy_dims = self.sympy_dims
        return out

    def _variables(self, written: bool = False) -> list:
        root = self.written if written else self.node
        seen = {}
        for n in list(root.walk()) + list(self.context):
            if isinstance(n, Var) and n.name not in seen:
                seen[n.name] = n
        return list(seen.values())

    def _declared(self, name: str):
        for v in self._variables():
            if v.name == name:
                return v
        return None

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

    @property
    def notes(self) -> list:
        """What the reading takes that a paper may mean otherwise, in words: an entrywise exp, log or
        sqrt of a square matrix multiplied as a matrix (exp(t A) x0). The questions (grad, hessian, ...)
        give these as a MatcalcWarning, the command line on standard error, the web API as its note."""
        out = []
        parts = entrywise_matrix_factors(self.node, self.undeclared)
        if parts:
            shown = ", ".join(to_text(p) for p in parts[:3])
            out.append(f"{shown} {'is' if len(parts) == 1 else 'are'} taken entry by entry, as matcalc's functions "
                       f"are, and multiplied as a matrix; if the matrix function (the matrix exponential of a linear "
                       f"ODE, exp(t A) x0) is meant, matcalc does not have it")
        coefficients = _capitals_before_identity(self)
        if coefficients:
            c = coefficients[0]
            out.append(f"{c} is read as a number, the coefficient of the I after it ({c} I), against its look; if "
                       f"{c} is a matrix, {c} I is {c} itself: write {c}, or declare it (where='{c}: matrix(n,n)')")
        return out

    def __str__(self) -> str:
        with sizes_written_bare(declared_sizes(self.node, self.context)):  # (read back under e.where)
            if refused_as_typed(self.node):  # (log(S) of an spd S, read from a where name: written with one)
                return to_text_compact(self.node, self.variables)
            return str(self.node)

    def __repr__(self) -> str:
        return f"Expression({str(self)!r}, shape={self.shape})"

    def latex(self) -> str:
        if refused_as_typed(self.node):
            return to_latex_compact(self.node, self.variables)
        return self.node.latex()

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def to_sympy(self, dims: dict | None = None) -> Any:
        """This expression in SymPy: a matrix expression (MatrixSymbols with symbolic dimensions,
        Trace, Determinant, Inverse, ...) or, for a scalar, a scalar SymPy expression. The
        correspondence is README's "SymPy interop" table; `matcalc.from_sympy` reads it back."""
        try:
            from .outputs.sympy_out import to_sympy  # optional dependency: SymPy loads on first use
        except ImportError:  # pragma: no cover - SymPy is installed with the test extra
            raise MatcalcError("to_sympy needs SymPy, which is not installed: pip install sympy") from None
        return to_sympy(self.node, dims if dims is not None else self.sympy_dims)

    def evaluate(self, values: Values | None = None, **kw: Any) -> Value:
        """Evaluate with NumPy; values maps names to arrays (vectors 1-D) or floats."""
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


#: properties that make a variable equal to its transpose or constrain it to a submanifold: the
#: tree as typed leaves them out, so that a derivative can treat the variable as unconstrained
STRUCTURAL = frozenset({"symmetric", "spd", "diagonal", "orthogonal"})


def parse(text: Formula, where: Where = None, want_scalar: bool = False) -> Expression:
    """Parse `text` under the declarations `where` into a typed, canonical Expression.

    `want_scalar`: the text is a scalar function (the question is a gradient or a Hessian), so
    undeclared names are read to make it one where they can (theta' Sigma theta: theta a vector).
    """
    if isinstance(text, Expression):
        return text
    decls = parse_declarations(where)
    relaxed = {n: replace(d, props=(d.props - STRUCTURAL) | {"invertible"}, relaxed=d.props & STRUCTURAL,
                          declared_props=d.props)
               for n, d in decls.items() if d.props & STRUCTURAL}
    if not relaxed:
        node, context, reading, inferred, open_identity = read(text, decls, want_scalar)
        return Expression(node, context=context, reading=reading, inferred=inferred, open_identity=open_identity,
                          undeclared=frozenset(node.free) - set(decls))
    # read once with the structural properties left out (the formula as typed: X' is not X
    # yet), then give every variable its declared properties by substitution
    written, context, reading, inferred, open_identity = read(text, {**decls, **relaxed}, want_scalar)
    declared = {}
    for v in list(written.walk()) + list(context):
        if isinstance(v, Var) and v.name in relaxed and v.name not in declared:
            declared[v.name] = B.var(v.name, v.shape, decls[v.name].props)
    node = B.substitute(written, declared)
    return Expression(node, context=tuple(declared.get(v.name, v) for v in context), written=written,
                      reading=reading, inferred=LazyText(lambda: _with_declared_properties(str(inferred), decls, relaxed)),
                      undeclared=frozenset(node.free) - set(decls),
                      open_identity=open_identity)


#: what a property implies, left out where the property itself is written (spd, not spd symmetric)
_IMPLIED = {"spd": {"symmetric", "invertible"}, "diagonal": {"symmetric"}, "orthogonal": {"invertible"}}


def _with_declared_properties(inferred: str, decls: dict, relaxed: dict) -> str:
    """The read-as declarations with the properties as declared (Sigma: matrix(n,n) spd), not the
    ones the text was read under (invertible, the formula as typed)."""
    out = []
    for seg in inferred.split("; ") if inferred else []:
        name, sep, rest = seg.partition(": ")
        if name in relaxed and sep:
            props = set(decls[name].props)
            for p, implied in _IMPLIED.items():
                if p in props:
                    props -= implied
            rest = " ".join([rest.split(" ")[0]] + sorted(props))
        out.append(f"{name}{sep}{rest}")
    return "; ".join(out)


def _capitals_before_identity(e: Expression) -> list:
    """The undeclared capitals read as numbers because an I follows them (K + C I: C the coefficient;
    ||X I - A||_F^2 read X a number, silently; tr(A I B) read A a number, and the I, absorbed by B, is
    gone from the tree): their names, for the reading's note. Found in how the text was read, where
    the I is still written; the reading is made only where an undeclared capital is a number."""
    capitals = [v.name for v in e.context if v.shape == SCALAR and v.name[:1].isupper() and v.name in e.undeclared]
    if not capitals:
        return []
    reading = str(e._reading)
    # (C I, C * I, and C in a coefficient of numbers before I: (N / 2) I, N^2 I, (A - 2) I)
    return [c for c in capitals if re.search(rf"(?<![\w.']){re.escape(c)}(?:\^[-\w()/]+)?(?:\s*[-+/*]\s*[\d.]+)*"
                                             rf"\)?(?:\s*\*\s*|\s+)I(?![\w(])", reading)]