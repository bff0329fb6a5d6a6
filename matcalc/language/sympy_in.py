"""SymPy matrix expressions read into matcalc nodes (`matcalc.from_sympy`).

The reader walks SymPy's tree and builds each node with the canonical constructors of
`core/build.py`, as the text reader does: never through text, never through `eval`. Shapes come
from SymPy: a `MatrixSymbol` of shape n x 1 is a vector, m x n a matrix, 1 x 1 (or a `Symbol`) a
scalar, and a 1 x n one a row vector, read as the transpose y' of a column vector y (matcalc's
variables are columns). Dimensions are SymPy symbols (their names become matcalc's dimension
names), integers, or products of them. A `Symbol` that is also a dimension of the expression is
that dimension's size (`Trace(Identity(n))` is n), and so is one named as a size in the declarations.

One reading per SymPy class (`READERS`), and SymPy's own spellings of matcalc's operations are
recognized: `(x.T*A*x)[0, 0]` (and the index sum SymPy turns it into) is the scalar x' A x,
`log(Abs(Determinant(X)))` is logdet X, `1/(1 + exp(-u))` is sigmoid(u), `Max(0, u)` is relu(u),
`ones' X ones` is sum(X), `exp.(u) / sum(exp.(u))` is softmax(u) (`exp.(X) DiagMatrix(ones' exp.(X))^-1`
of a matrix), the classes of `core/sympy_nodes.py` are vec, unvec, the commutation matrix and
logsumexp, and the reverse of every form
`outputs/sympy_out.py` writes. A SymPy construct with no matcalc meaning (an explicit matrix, a
matrix entry X[i, j], a complex number, a function matcalc does not have) is a MatcalcError that
names it.

SymPy is optional: only `matcalc.from_sympy` imports this module.
"""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import sympy
from sympy.codegen.cfunctions import expm1, log1p
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement

from ..core import build as B
from ..core.dims import dim_mul, shape_words
from ..core.errors import DeclarationError, MatcalcError, NotSupportedError
from ..core.functions import bare_names
from ..core.nodes import SCALAR, Func, Mul, Ones
from ..core.sympy_nodes import CommutationMatrix, LogSumExp, Unvec, Vec
from .declarations import _DIM, _NAME, MAX_DIM, norm_name

#: SymPy function class -> matcalc function name (the elementwise functions SymPy has)
SYMPY_FUNCTIONS = {
    sympy.exp: "exp", sympy.log: "log", sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan",
    sympy.tanh: "tanh", sympy.sinh: "sinh", sympy.cosh: "cosh", sympy.Abs: "abs", sympy.sign: "sign", sympy.asin: "arcsin", sympy.acos: "arccos",
    sympy.atan: "arctan", log1p: "log1p", expm1: "expm1",
}

#: matcalc functions SymPy has no class for, written by their definition (`_pow` reads sigmoid's back,
#: `_max` relu's; softplus stays its formula, and sqrt is SymPy's power u**(1/2))
BY_DEFINITION = {"sigmoid": "1/(1 + exp(-u))", "relu": "Max(0, u)", "softplus": "log(1 + exp(u))",
                 "sqrt": "u**(1/2)"}


def _show(e) -> str:
    s = str(e)
    return s if len(s) <= 80 else s[:77] + "..."


class _Reader:
    """Reads one SymPy expression; `bound` maps the variable of an elementwise Lambda to the
    matrix it runs over, and `elementwise` says products are then elementwise."""

    def __init__(self, props: dict, dims: frozenset, variables: dict, bound=None, elementwise: bool = False,
                 dim_symbols: frozenset = frozenset()):
        self.props = props          # name -> frozenset of properties (from `where`)
        self.dims = dims            # names of the expression's dimensions
        self.dim_symbols = dim_symbols  # the SymPy symbols those names are in the expression's shapes
        self.variables = variables  # name -> Var, shared by every reader of one expression
        self.bound = bound or {}
        self.elementwise = elementwise
        self.memo: dict = {}

    def read(self, e):
        got = self.memo.get(e)
        if got is None:
            for cls in type(e).__mro__:
                fn = READERS.get(cls)
                if fn is not None:
                    break
            else:
                fn = _unknown
            got = self.memo[e] = fn(self, e)
        return got

    # -- leaves ----------------------------------------------------------
    def dim(self, d):
        """A SymPy dimension as matcalc's: an int, a name, or a product of them."""
        d = sympy.Integer(d) if isinstance(d, int) else d
        if d.is_Integer:
            if not 1 <= int(d) <= MAX_DIM:
                raise MatcalcError(f"the dimension {d} is not a size matcalc can take (1 to 10^12)")
            return int(d)
        if d.is_Symbol:
            name = d.name
            if not _DIM.match(name):
                raise MatcalcError(f"the dimension {_show(name)} is not a valid dimension name "
                                   f"(a letter, then letters, digits or _): rename the SymPy Symbol")
            return name
        if d.is_Mul:
            out = 1
            for f in d.args:
                out = dim_mul(out, self.dim(f))
            return out
        if d.is_Pow and d.exp.is_Integer and 2 <= int(d.exp) <= 8:  # n**2, as to_sympy writes n*n
            out = 1
            for _ in range(int(d.exp)):
                out = dim_mul(out, self.dim(d.base))
            return out
        raise NotSupportedError(f"the dimension {_show(d)} has no matcalc form: dimensions are names, integers "
                                f"or products of them")

    def var(self, name: str, shape: tuple, positive: bool = False):
        if not isinstance(name, str) or not _NAME.match(name):
            raise MatcalcError(f"{_show(name)} is not a name matcalc can read back (a letter, then letters or "
                               f"digits, optionally _subscript, such as W_1 or theta): rename the SymPy symbol")
        name = norm_name(name)
        if name in ("I", "where"):
            raise MatcalcError(f"{name!r} is reserved in matcalc (the identity, the binding keyword): "
                               f"rename the SymPy symbol")
        if name in bare_names():  # (tr tr(X) would print, and read back as the trace of tr(X))
            raise MatcalcError(f"{name!r} is a function of matcalc's language ({name}(x)), so its text could not "
                               f"read a symbol of that name back: rename the SymPy symbol")
        row = shape[0] == 1 and shape[1] != 1
        col_shape = (shape[1], 1) if row else shape
        props = frozenset(self.props.get(name, ())) | ({"positive"} if positive else set())
        v = B.var(name, col_shape, props)
        old = self.variables.setdefault(name, v)
        if old is not v:
            if old.shape != col_shape:
                raise MatcalcError(f"{name} appears with two shapes ({shape_words(old.shape)} and {shape_words(col_shape)}): "
                                   f"SymPy symbols of one name must have one shape")
            raise MatcalcError(f"{name} appears as two SymPy symbols (one positive, one not): give them the "
                               f"same assumptions")
        return B.transpose(v) if row else v


def _unknown(rd, e):
    if isinstance(e, sympy.MatrixBase):
        raise NotSupportedError(f"the explicit matrix {_show(e)} has no matcalc form: matcalc works with named "
                                f"matrices; use a MatrixSymbol")
    if isinstance(e, sympy.Function) or isinstance(getattr(e, "func", None), sympy.FunctionClass):
        name = type(e).__name__
        hint = " (rewrite it with exp and log first: expr.rewrite(sympy.exp))" \
            if name in ("coth", "sech", "csch", "cot", "sec", "csc", "asinh", "acosh", "atanh") else ""
        raise NotSupportedError(f"the SymPy function {name} (in {_show(e)}) has no matcalc counterpart{hint}; "
                                f"matcalc's functions are {', '.join(sorted(set(SYMPY_FUNCTIONS.values()) | set(BY_DEFINITION)))}")
    raise NotSupportedError(f"SymPy's {type(e).__name__} ({_show(e)}) has no matcalc counterpart")


def _symbol(rd, e):
    if e in rd.bound:
        return rd.bound[e]
    if isinstance(e, sympy.Dummy):
        raise MatcalcError(f"the dummy symbol {e} is not bound here: matcalc reads named symbols")
    if e.name in rd.dims:
        if e not in rd.dim_symbols and any(d.name == e.name for d in rd.dim_symbols):
            # Symbol('m', real=True) beside a MatrixSymbol of size Symbol('m'): two symbols in SymPy, one
            # name in matcalc, where the scalar was silently read as the size
            raise MatcalcError(f"the scalar {e.name} and the dimension {e.name} are two SymPy symbols (their "
                               f"assumptions differ) but would be one name in matcalc: rename one of them")
        return B.dimsize(e.name)
    return rd.var(e.name, SCALAR, positive=bool(e.is_positive))


def _matrix_symbol(rd, e):
    r, c = (rd.dim(d) for d in e.shape)
    return rd.var(e.name, (r, c))


def _number(rd, e):
    if e.is_Rational:
        return B.num(Fraction(int(e.p), int(e.q)))
    if e.is_Float:
        if not e.is_finite:
            raise NotSupportedError(f"the number {e} has no matcalc form")
        return B.num(Fraction(repr(float(e))))
    raise NotSupportedError(f"the number {_show(e)} has no matcalc form: matcalc works with real numbers")


def _constant(rd, e):
    if e is sympy.pi:
        return B.func("arccos", B.num(-1))
    if e is sympy.E:
        return B.func("exp", B.ONE)
    raise NotSupportedError(f"the constant {e} has no matcalc form (only pi and E have one)")


def _mul(rd, e):
    factors = [rd.read(a) for a in e.args]
    return B.hadamard(*factors) if rd.elementwise else B.mul(*factors)


def _matmul(rd, e):
    soft = _column_softmax(rd, e)
    if soft is not None:
        return soft
    scalars, matrices = [], []
    for a in e.args:
        (matrices if getattr(a, "is_Matrix", False) else scalars).append(rd.read(a))
    out = _sum_of(matrices)
    if out is not None:
        return B.mul(*scalars, out)
    return _softmax_of(B.mul(*scalars, *matrices))


def _sum_of(m: list):
    """ones' X ones, ones' x and y' ones are sum(X): SymPy's way to write a sum of entries."""
    if len(m) < 2:
        return None
    row = isinstance(m[0], Ones) and m[0].shape[0] == 1
    col = isinstance(m[-1], Ones) and m[-1].shape[1] == 1
    if row and col and len(m) >= 3:
        return B.sumall(B.mul(*m[1:-1]))
    if row and B.mul(*m[1:]).shape[1] == 1:
        return B.sumall(B.mul(*m[1:]))
    if col and B.mul(*m[:-1]).shape[0] == 1:
        return B.sumall(B.mul(*m[:-1]))
    return None


def _column_softmax(rd, e):
    """exp.(X) DiagMatrix(ones(1, m) exp.(X))^-1, each column over its sum, is softmax(X) of a matrix
    (how `sympy_out` writes it), also inside a longer product; None for a product without it."""
    matrices = [a for a in e.args if getattr(a, "is_Matrix", False)]
    for i in range(len(matrices) - 1):
        inv = matrices[i + 1]
        if not isinstance(inv, sympy.Inverse) or not isinstance(inv.args[0], DiagMatrix):
            continue
        top = rd.read(matrices[i])
        if isinstance(top, Func) and top.name == "exp" and top.shape[1] != 1 \
                and rd.read(inv.args[0].args[0]) == B.sum_axis(top, 1):
            scalars = [rd.read(a) for a in e.args if not getattr(a, "is_Matrix", False)]
            return B.mul(*scalars, *[rd.read(a) for a in matrices[:i]], B.softmax(top.arg),
                         *[rd.read(a) for a in matrices[i + 2:]])
    return None


def _softmax_of(m):
    """exp(u) / sum(exp(u)) is softmax(u) (how `sympy_out` writes it)."""
    if not isinstance(m, Mul):
        return m
    coeff, scal, chain = m.split()
    if len(chain) != 1 or not isinstance(chain[0], Func) or chain[0].name != "exp" or chain[0].shape[1] != 1:
        return m
    total = B.power(B.sumall(chain[0]), -1)
    if total not in scal:
        return m
    rest = list(scal)
    rest.remove(total)
    return B.mul(B.num(coeff), *rest, B.softmax(chain[0].arg))


def _pow(rd, e):
    base, exp = e.args
    # 1/(1 + exp(w)) is sigmoid(-w)
    if exp == -1 and isinstance(base, sympy.Add) and len(base.args) == 2 and sympy.S.One in base.args:
        other = base.args[0] if base.args[1] is sympy.S.One else base.args[1]
        if isinstance(other, sympy.exp):  # SymPy's -(-u - b) is u + b
            return B.func("sigmoid", _scalar_argument(rd, other, -other.args[0]))
    return B.power(rd.read(base), rd.read(exp))


def _matpow(rd, e):
    base, k = e.args
    b = rd.read(base)
    if b.shape == SCALAR:
        return B.power(b, rd.read(k))
    if not k.is_Integer:
        raise NotSupportedError(f"the matrix power {_show(e)} needs an integer exponent in matcalc")
    return B.matpow(b, int(k))


def _log(rd, e):
    if len(e.args) != 1:
        raise NotSupportedError(f"log with a base ({_show(e)}) has no matcalc form: divide by log(base)")
    a = e.args[0]
    if isinstance(a, sympy.Abs) and isinstance(a.args[0], sympy.Determinant):  # log|det X|
        return B.logdet(rd.read(a.args[0].args[0]))
    return B.func("log", _scalar_argument(rd, e, a))


def _function(rd, e):
    if isinstance(e, (sympy.re, sympy.im, sympy.arg, sympy.conjugate)):
        raise NotSupportedError(f"{_show(e)}: SymPy took a symbol to be complex (its default); matcalc's "
                                f"scalars are real: make the SymPy symbols real, Symbol('b', real=True)")
    name = SYMPY_FUNCTIONS.get(type(e))
    if name is None or len(e.args) != 1:
        return _unknown(rd, e)
    return B.func(name, _scalar_argument(rd, e, e.args[0]))


def _scalar_argument(rd, e, a):
    """The argument of a scalar function: a scalar, or (inside an elementwise Lambda) the matrix it
    runs over. SymPy's exp(X) of a MatrixSymbol is not elementwise (for a matrix, exp is the matrix
    exponential), so it is refused rather than guessed."""
    node = rd.read(a)
    if node.shape != SCALAR and not rd.elementwise:
        name = type(e).__name__
        raise NotSupportedError(f"{_show(e)}: SymPy's {name} of a matrix is not elementwise (exp of a matrix is "
                                f"the matrix exponential), and matcalc has only elementwise functions; for "
                                f"elementwise write X.applyfunc({name})")
    return node


def _max(rd, e):
    if len(e.args) == 2 and sympy.S.Zero in e.args:
        other = e.args[0] if e.args[1] is sympy.S.Zero else e.args[1]
        return B.func("relu", _scalar_argument(rd, e, other))
    raise NotSupportedError(f"{_show(e)}: matcalc has max only as relu, Max(0, u)")


def _matrix_element(rd, e):
    m, i, j = e.args
    if m.shape == (1, 1) and i == 0 and j == 0:
        return rd.read(m)
    raise NotSupportedError(f"the matrix entry {_show(e)} has no matcalc form: matcalc works with whole "
                            f"matrices (only a 1 x 1 expression's [0, 0], its value, is read)")


def _index_sum(rd, e):
    """A sum over indices, as SymPy writes (x.T*A*x)[0, 0]: back to a matrix expression."""
    # SymPy's converter reads x[i, 0]*x[i, 0] but not x[i, 0]**2: write integer powers as products
    body = e.function.replace(lambda t: t.is_Pow and t.exp.is_Integer and 1 < t.exp <= 8,
                              lambda t: sympy.Mul(*[t.base] * int(t.exp), evaluate=False))
    _refuse_terms_without_the_index(e)
    try:
        m = sympy.MatrixExpr.from_index_summation(sympy.Sum(body, *e.limits))
    except Exception:  # SymPy could not read the index pattern: no matrix form
        m = None
    if m is None or isinstance(m, sympy.Sum):
        entrywise = _entrywise_index_sum(rd, e)  # (what SymPy's reader cannot: a sum of f(x[i, 0]) over i)
        if entrywise is not None:
            return entrywise
        raise NotSupportedError(f"the index sum {_show(e)} is not a matrix expression matcalc can read. SymPy "
                                f"writes M[0, 0] of a 1 x 1 matrix expression M as such a sum: pass M itself (a "
                                f"1 x 1 M is read as a scalar), MatrixElement(M, 0, 0) or Trace(M); a sum of "
                                f"entries is (OneMatrix(1, n)*x)[0, 0]")
    if getattr(m, "is_Matrix", False) and m.shape != (1, 1):
        raise NotSupportedError(f"the sum {_show(e)} is a matrix entry, not a scalar: matcalc works with whole "
                                f"matrices")
    return rd.read(m)


def _entrywise_index_sum(rd, e):
    """sum(f(M)) where the sum runs over every entry of M and the summand is a function of M's entry
    alone ((OneMatrix(1, n)*x)[0, 0] is the sum of x[i, 0] over i; of exp(x[i, 0]), sum(exp(x))),
    else None. SymPy's own index reader needs a product of entries and read none of these."""
    idx = [lim[0] for lim in e.limits]
    elems = e.function.atoms(MatrixElement)
    if not elems or len(idx) not in (1, 2):
        return None
    shape, subs, bound = None, {}, {}
    for el in elems:
        m, i, j = el.args
        if len(idx) == 1 and m.shape[1] == 1 and i == idx[0] and j == 0:
            spans = (m.shape[0],)
        elif len(idx) == 2 and (i, j) == tuple(idx):
            spans = m.shape
        else:
            return None
        if shape not in (None, m.shape) or any(lim[1] != 0 or sympy.simplify(lim[2] - (span - 1)) != 0
                                               for lim, span in zip(e.limits, spans)):
            return None
        shape = m.shape
        d = sympy.Dummy()
        subs[el], bound[d] = d, rd.read(m)
    body = e.function.xreplace(subs)
    if body.free_symbols & set(idx):
        return None  # (the summand uses the index itself, not only the entry)
    inner = _Reader(rd.props, rd.dims, rd.variables, bound={**rd.bound, **bound}, elementwise=True,
                    dim_symbols=rd.dim_symbols)
    value = inner.read(body)
    if value.shape == SCALAR:
        value = B.mul(value, B.ones(next(iter(bound.values())).shape))
    return B.sumall(value)


def _refuse_terms_without_the_index(e) -> None:
    """SymPy's from_index_summation drops a sum over an index that a term does not carry:
    Sum(c, (k, 1, 5)) came back as c, not 5 c. Every term must hold every summation index in a
    matrix entry (x[i, 0] y[i, 0]); anything else is refused rather than read as a different number."""
    for term in sympy.Add.make_args(sympy.expand(e.function)):
        carried = set()
        for m in term.atoms(MatrixElement):
            carried |= set().union(*(sympy.sympify(j).free_symbols for j in m.indices))
        for limit in e.limits:
            if limit[0] not in carried:
                raise NotSupportedError(
                    f"the sum {_show(e)} runs over {limit[0]}, which the term {_show(term)} does not carry as a "
                    f"matrix index: matcalc reads a SymPy Sum only as the index form of a matrix expression "
                    f"(x[i, 0] y[i, 0] summed over i is x' y); write the product or the count (n c) itself")


def _elementwise(rd, e):
    x = rd.read(e.expr)
    lam = e.function
    if not isinstance(lam, sympy.Lambda) or len(lam.variables) != 1:
        raise NotSupportedError(f"the elementwise function of {_show(e)} must take one argument")
    inner = _Reader(rd.props, rd.dims, rd.variables, bound={**rd.bound, lam.variables[0]: x},
                    elementwise=x.shape != SCALAR, dim_symbols=rd.dim_symbols)
    out = inner.read(lam.expr)
    if out.shape == SCALAR and x.shape != SCALAR:  # (a body without its argument, 2 or tr(A): that in every entry)
        out = B.mul(out, B.ones(x.shape))
    return out


def _kron(rd, e):
    out = rd.read(e.args[0])
    for a in e.args[1:]:
        out = B.kron(out, rd.read(a))
    return out


def _adjoint(rd, e):
    raise NotSupportedError(f"the conjugate transpose {_show(e)}: matcalc works with real matrices, "
                            f"write Transpose (X.T) instead")


READERS = {
    sympy.MatrixSymbol: _matrix_symbol,
    sympy.Symbol: _symbol,
    sympy.Number: _number,
    sympy.NumberSymbol: _constant,
    sympy.core.numbers.Exp1: _constant,
    sympy.core.numbers.ImaginaryUnit: _number,
    sympy.Add: lambda rd, e: B.add(*[rd.read(a) for a in e.args]),
    sympy.MatAdd: lambda rd, e: B.add(*[rd.read(a) for a in e.args]),
    sympy.Mul: _mul,
    sympy.MatMul: _matmul,
    sympy.Pow: _pow,
    sympy.MatPow: _matpow,
    sympy.Inverse: lambda rd, e: B.inverse(rd.read(e.args[0])),
    sympy.Transpose: lambda rd, e: B.transpose(rd.read(e.args[0])),
    sympy.Adjoint: _adjoint,
    sympy.Trace: lambda rd, e: B.trace(rd.read(e.args[0])),
    sympy.Determinant: lambda rd, e: B.det(rd.read(e.args[0])),
    sympy.HadamardProduct: lambda rd, e: B.hadamard(*[rd.read(a) for a in e.args]),
    sympy.HadamardPower: lambda rd, e: B.power(rd.read(e.args[0]), rd.read(e.args[1])),
    sympy.KroneckerProduct: _kron,
    ElementwiseApplyFunction: _elementwise,
    MatrixElement: _matrix_element,
    sympy.Sum: _index_sum,
    sympy.Identity: lambda rd, e: B.identity(rd.dim(e.shape[0])),
    sympy.ZeroMatrix: lambda rd, e: B.zeros((rd.dim(e.shape[0]), rd.dim(e.shape[1]))),
    sympy.OneMatrix: lambda rd, e: B.ones((rd.dim(e.shape[0]), rd.dim(e.shape[1]))),
    DiagMatrix: lambda rd, e: B.diag(rd.read(e.args[0])),
    DiagonalOf: lambda rd, e: B.diagpart(rd.read(e.args[0])),
    DiagonalMatrix: lambda rd, e: B.diag(B.diagpart(rd.read(e.args[0]))),
    Vec: lambda rd, e: B.vec(rd.read(e.args[0])),
    Unvec: lambda rd, e: B.unvec(rd.read(e.args[0]), (rd.dim(e.args[1]), rd.dim(e.args[2]))),
    LogSumExp: lambda rd, e: B.logsumexp(rd.read(e.args[0])),
    CommutationMatrix: lambda rd, e: B.comm(rd.dim(e.args[0]), rd.dim(e.args[1])),
    sympy.log: _log,
    sympy.Max: _max,
    sympy.Function: _function,
}


def _dimension_symbols(e) -> frozenset:
    """The SymPy symbols in the shapes of e's matrices."""
    out = set()
    for m in e.atoms(sympy.MatrixSymbol, sympy.Identity, sympy.ZeroMatrix, sympy.OneMatrix, Unvec):
        for d in m.shape:
            out.update(getattr(d, "free_symbols", ()))
    return frozenset(out)


def _check_declarations(decls: dict, variables: dict) -> None:
    """A declaration of a name the expression has must agree with SymPy's shape for it."""
    for name, d in decls.items():
        v = variables.get(name)
        if v is None:
            continue
        kind = "scalar" if v.shape == SCALAR else ("vector" if v.shape[1] == 1 else "matrix")
        dims = () if kind == "scalar" else ((v.shape[0],) if kind == "vector" else v.shape)
        want, want_dims = d.kind, d.dims
        if want == "matrix" and 1 in want_dims:  # matrix(1, n) and matrix(n, 1) are vectors (1 x 1 is refused)
            want, want_dims = "vector", tuple(k for k in want_dims if k != 1)
        if want != kind or any(a is not None and a != b for a, b in zip(want_dims, dims)):
            raise DeclarationError(f"{name} is declared {d.describe()}, but the SymPy expression has it as "
                                   f"{shape_words(v.shape)}")


def read_sympy(e: Any, decls: dict, props: dict) -> tuple:
    """(node, variables): the matcalc node of the SymPy expression `e`, its variables by name.

    `props` gives each name the properties to build it with, `decls` (parsed `where`
    declarations) are checked against SymPy's shapes.
    """
    if isinstance(e, (str, bytes)):
        raise MatcalcError("from_sympy takes a SymPy expression; to read text use matcalc.parse")
    if isinstance(e, bool) or not isinstance(e, (int, float, Fraction, sympy.Basic)):
        raise MatcalcError(f"from_sympy takes a SymPy expression, not {type(e).__name__}")
    if isinstance(e, Fraction):
        e = sympy.Rational(e.numerator, e.denominator)
    elif isinstance(e, int):
        e = sympy.Integer(e)
    elif isinstance(e, float):
        e = sympy.Float(e)
    variables: dict = {}
    # a size named in a declaration is that size wherever SymPy has its Symbol alone (dim(k), the gradient
    # of tr(c I) by c, is the Symbol k with no MatrixSymbol of size k left to say so), unless declared itself
    declared_dims = {p for d in decls.values() for size in d.dims if isinstance(size, str)
                     for p in size.split("*") if not p.isdigit()} - set(decls)
    dim_symbols = _dimension_symbols(e)
    reader = _Reader(props, frozenset(s.name for s in dim_symbols) | declared_dims, variables, dim_symbols=dim_symbols)
    try:
        node = reader.read(e)
    except RecursionError:
        raise MatcalcError("the SymPy expression is nested too deeply to read") from None
    _check_declarations(decls, variables)
    return node, variables

