"""SymPy in, at the face: `matcalc.from_sympy(expr)` (SymPy out is `Expression.to_sympy()` and
`Result.to_sympy()`).

The translations live in their layers: `language/sympy_in.py` reads SymPy's tree into nodes,
`outputs/sympy_out.py` writes nodes as SymPy. SymPy is an optional dependency, so they are
imported only when a user calls these functions: `import matcalc` does not load SymPy.
"""
from __future__ import annotations

from typing import Any

from .core import build as B
from .core.errors import MatcalcError
from .core.nodes import Expr
from .expression import STRUCTURAL, Expression, Where
from .language.declarations import declarations_of, parse_declarations
from .language.reader import declared_only


def _needs_sympy(what: str):
    return MatcalcError(f"{what} needs SymPy, which is not installed: pip install sympy")


def from_sympy(expr: Any, where: Where = None) -> Expression:
    """A SymPy matrix expression (or a scalar SymPy expression of matrix expressions) as a matcalc
    Expression, ready for `grad`, `jacobian`, `hessian`, ... and `.evaluate`.

    Shapes come from SymPy (`MatrixSymbol('X', n, n)` is an n x n matrix, `MatrixSymbol('x', n, 1)`
    a vector, a `Symbol` a scalar); `where` adds properties (`"X: matrix(n,n) spd"`) and must agree
    with SymPy's shapes. The tree is translated node by node, never through text.
    """
    try:
        from .language.sympy_in import read_sympy  # optional dependency: loads SymPy
    except ImportError:  # pragma: no cover - SymPy is installed with the test extra
        raise _needs_sympy("from_sympy") from None
    decls = parse_declarations(where)
    # read with the structural properties left out (the formula as written: X' is not X yet),
    # then give the variables their declared properties by substitution, as `parse` does
    relaxed = {n: (d.props - STRUCTURAL) | {"invertible"} for n, d in decls.items() if d.props & STRUCTURAL}
    props = {n: d.props for n, d in decls.items()}
    written, variables = read_sympy(expr, decls, {**props, **relaxed})
    if not isinstance(written, Expr):  # pragma: no cover - the reader returns nodes
        raise MatcalcError("from_sympy could not read the expression")
    declared = {n: B.var(n, v.shape, decls[n].props) for n, v in variables.items() if n in relaxed}
    node = B.substitute(written, declared) if declared else written
    # with the declared variables the tree does not hold, whose values fix a dimension (the gradient
    # of mean(y) is ones(n) / n: y's value says what n is), as `parse` keeps them
    context = tuple(declared.get(n, v) for n, v in sorted(variables.items())) + declared_only(decls, variables)
    e = Expression(node, context=context, written=written, inferred=declarations_of(node, context))
    e.sympy_dims = _dimension_symbols(expr)
    return e


def _dimension_symbols(expr) -> dict:
    """The SymPy symbols that size the expression's matrix symbols, by name (n in MatrixSymbol("X", n, n))."""
    import sympy
    out = {}
    for m in (expr.atoms(sympy.MatrixSymbol) if hasattr(expr, "atoms") else ()):  # (a Python number has none)
        for d in m.shape:
            for s in getattr(d, "free_symbols", ()):
                out.setdefault(s.name, s)
    return out
