"""matcalc expressions as SymPy matrix expressions (`Expression.to_sympy()`, `Result.to_sympy()`).

One entry per node class in `TO_SYMPY` (like the printers' `_print_<Node>` and evaluation's
`_EVAL`), one entry per registered elementwise function in `FUNCTIONS_TO_SYMPY`; the registry
test checks both are complete. The translation is exact:

* variables: a scalar is a real `Symbol` (positive if declared so), a vector an n x 1 `MatrixSymbol`, a matrix an m x n one;
  dimensions are `Symbol`s named after matcalc's (`n`, `m`; a product dimension `m*n` is the
  product of the symbols), integer dimensions stay integers;
* products, sums, transposes, inverses, integer matrix powers, traces, determinants, Hadamard
  and Kronecker products, the identity, zero and all-ones matrices map to SymPy's classes;
  `logdet X`, which is log |det X|, is `log(Abs(Determinant(X)))`, while matcalc's `log(det(X))`
  stays `log(Determinant(X))`;
* a 1x1 matrix product (`x' A x`) is a scalar in matcalc and `MatrixElement(x.T*A*x, 0, 0)` in
  SymPy, which is how SymPy writes `(x.T*A*x)[0, 0]`;
* elementwise functions of vectors and matrices are `ElementwiseApplyFunction(Lambda(d, f(d)), X)`,
  an elementwise power `HadamardPower`; functions SymPy lacks are written by their definition:
  sigmoid `1/(1 + exp(-u))`, softplus `log(1 + exp(u))`, relu `Max(0, u)`;
* `sum(X)` is `ones' X ones` (`OneMatrix`), `softmax(u)` is `exp.(u) / sum(exp.(u))` (of a matrix,
  column by column, `exp.(X) DiagMatrix(ones(1, m) exp.(X))^-1`), `diag(v)` `DiagMatrix`, `diag(X)`
  `DiagonalOf`; `vec`, `unvec`, the commutation matrix and `logsumexp` (of a vector, the entry of
  the 1 x 1 `LogSumExp(u)`) use the classes of `core/sympy_nodes.py`.

SymPy is optional: this module imports it, and the face imports this module only when a user
asks for SymPy, so `import matcalc` does not load SymPy.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import sympy
from sympy.codegen.cfunctions import expm1, log1p
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalOf
from sympy.matrices.expressions.matexpr import MatrixElement

from ..core.errors import MatcalcError, NotSupportedError
from ..core.nodes import (SCALAR, Add, Comm, Det, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Identity, Inverse,
                          Kron, LogDet, LogSumExp, MatPow, Mul, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec,
                          Var, Vec, Zero)
from ..core.sympy_nodes import CommutationMatrix
from ..core.sympy_nodes import LogSumExp as SympyLogSumExp
from ..core.sympy_nodes import Unvec as SympyUnvec
from ..core.sympy_nodes import Vec as SympyVec

if TYPE_CHECKING:
    from ..core.nodes import Dim

#: The bound variables of elementwise functions, the first one a function's body does not already
#: hold (SymPy's Lambda substitutes without regard to binding, so a body holding another function
#: of the same variable would be corrupted when applied); fixed Dummies, so that equal matcalc
#: expressions give equal (==) SymPy expressions.
ELEMENTS: list = [sympy.Dummy("d")]
ELEMENT = ELEMENTS[0]


def _element_for(*parts) -> sympy.Dummy:
    for d in ELEMENTS:
        if not any(p.has(d) for p in parts):
            return d
    ELEMENTS.append(sympy.Dummy("d"))
    return ELEMENTS[-1]


def dimension(d: Dim) -> sympy.Expr:
    """A matcalc dimension as SymPy: 3 -> 3, "n" -> n, "m*n" -> m*n, "2*n" -> 2*n."""
    if isinstance(d, int):
        return sympy.Integer(d)
    parts = [sympy.Integer(int(p)) if p.isdigit() else sympy.Symbol(p) for p in str(d).split("*")]
    return sympy.Mul(*parts)


def _as_scalar(s):
    """matcalc's 1x1 matrices are scalars; SymPy's are not: take the entry."""
    if getattr(s, "is_Matrix", False):
        return MatrixElement(s, 0, 0)
    return s


def _sigmoid(u):
    return 1 / (1 + sympy.exp(-u))


def _softplus(u):
    return sympy.log(1 + sympy.exp(u))


def _relu(u):
    return sympy.Max(0, u)


#: matcalc function name -> the SymPy function of a scalar (one per registered FunctionSpec)
FUNCTIONS_TO_SYMPY = {
    "exp": sympy.exp, "log": sympy.log, "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "tanh": sympy.tanh, "sinh": sympy.sinh, "cosh": sympy.cosh, "sqrt": sympy.sqrt, "abs": sympy.Abs, "sign": sympy.sign,
    "sigmoid": _sigmoid, "softplus": _softplus, "relu": _relu, "log1p": log1p, "expm1": expm1,
    "arcsin": sympy.asin, "arccos": sympy.acos, "arctan": sympy.atan,
}


#: registered functions with no SymPy form (name -> why): `to_sympy` refuses them by name
NO_SYMPY_FORM: dict = {}


def _var(node, ch):
    name, (r, c), props = node.args
    if (r, c) == SCALAR:  # matcalc's scalars are real (SymPy's default is complex: Abs(2**b) = 2**re(b))
        return sympy.Symbol(name, positive=True) if "positive" in props else sympy.Symbol(name, real=True)
    return sympy.MatrixSymbol(name, dimension(r), dimension(c))


def _mul(node, ch):
    _, scal, _ = node.split()
    n_scal = len(scal) + (1 if isinstance(node.args[0], Num) else 0)
    scalars = [_as_scalar(s) for s in ch[:n_scal]]
    matrices = ch[n_scal:]
    if not matrices:
        return sympy.Mul(*scalars)
    product = sympy.MatMul(*matrices) if len(matrices) > 1 else matrices[0]
    if node.shape == SCALAR:  # a 1x1 chain, x' A y
        return sympy.Mul(*scalars, MatrixElement(product, 0, 0))
    return sympy.MatMul(*scalars, *matrices) if scalars else product


def _add(node, ch):
    if node.shape == SCALAR:
        return sympy.Add(*[_as_scalar(t) for t in ch])
    return sympy.MatAdd(*ch)


#: the most digits a power of two numbers may have in SymPy (which computes it exactly)
_MAX_DIGITS = 10_000


def _pow(node, ch):
    base, exp = ch
    if node.args[1].shape != SCALAR:  # x .^ y of two arrays: entry by entry (HadamardPower takes a matrix)
        return sympy.HadamardPower(base, exp)
    exp = _as_scalar(exp)
    if node.shape == SCALAR:
        base = _as_scalar(base)
        if base.is_Number and exp.is_Number and abs(base) not in (0, 1) and \
                abs(float(exp)) * abs(math.log10(abs(float(base)))) > _MAX_DIGITS:
            # 2^(10^400): SymPy computes a power of two numbers (without end, in gigabytes) when it is
            # made or printed
            raise NotSupportedError(f"{node.args[0]}^{node.args[1]} is a number of more than {_MAX_DIGITS:,} digits, "
                                    f"which SymPy would compute in full; it has no SymPy form here")
        return sympy.Pow(base, exp)
    return sympy.HadamardPower(base, exp)


def _func(node, ch):
    f = FUNCTIONS_TO_SYMPY.get(node.name)
    if f is None:
        why = NO_SYMPY_FORM.get(node.name, "it has no entry in outputs/sympy_out.py FUNCTIONS_TO_SYMPY")
        raise NotSupportedError(f"the function {node.name} has no SymPy form: {why}")
    if node.shape == SCALAR:
        return f(_as_scalar(ch[0]))
    return _elementwise(f, ch[0])


def _elementwise(f, arg):
    """f.(arg) as ElementwiseApplyFunction; a scalar coefficient goes into the Lambda, f.(c M) =
    (d -> f(c d)).(M): SymPy's factor_terms rebuilds a MatMul argument as a plain Mul and fails."""
    if isinstance(arg, sympy.MatMul):
        scalars = [a for a in arg.args if not getattr(a, "is_Matrix", False)]
        if scalars:
            matrices = [a for a in arg.args if getattr(a, "is_Matrix", False)]
            inner = sympy.MatMul(*matrices) if len(matrices) > 1 else matrices[0]
            d = _element_for(*scalars)
            return ElementwiseApplyFunction(sympy.Lambda(d, f(sympy.Mul(*scalars) * d)), inner)
    return ElementwiseApplyFunction(sympy.Lambda(ELEMENT, f(ELEMENT)), arg)


def _ones_row(n):
    return sympy.OneMatrix(1, n)


def _sum(node, ch):
    """sum(X) = ones' X ones (a vector: ones' x), a 1x1 product read as a scalar."""
    x, (r, c) = ch[0], node.arg.shape
    factors = ([sympy.OneMatrix(1, dimension(r))] if r != 1 else []) + [x] + \
        ([sympy.OneMatrix(dimension(c), 1)] if c != 1 else [])
    return MatrixElement(sympy.MatMul(*factors), 0, 0)


def _softmax(node, ch):
    """A vector's softmax is exp.(u) / sum(exp.(u)); a matrix's divides each column by its own sum,
    exp.(X) DiagMatrix(ones(1, m) exp.(X))^-1 (the column sums, a 1 x N row, on a diagonal)."""
    e = _elementwise(sympy.exp, ch[0])
    column_sums = sympy.MatMul(sympy.OneMatrix(1, dimension(node.shape[0])), e)
    if node.shape[1] == 1:
        return sympy.MatMul(sympy.Pow(MatrixElement(column_sums, 0, 0), -1), e)
    return sympy.MatMul(e, sympy.Inverse(DiagMatrix(column_sums)))


def _logsumexp(node, ch):
    """logsumexp of each column, a 1 x N row; of a vector the 1 x 1 one, read as its entry."""
    return _as_scalar(SympyLogSumExp(ch[0])) if node.shape == SCALAR else SympyLogSumExp(ch[0])


#: node class -> (node, SymPy forms of its children) -> SymPy expression
TO_SYMPY = {
    Var: _var,
    Num: lambda n, ch: sympy.Rational(n.value.numerator, n.value.denominator),
    DimSize: lambda n, ch: dimension(n.args[0]),
    Identity: lambda n, ch: sympy.Identity(dimension(n.args[0])),
    Zero: lambda n, ch: sympy.ZeroMatrix(dimension(n.shape[0]), dimension(n.shape[1])),
    Ones: lambda n, ch: sympy.OneMatrix(dimension(n.shape[0]), dimension(n.shape[1])),
    Comm: lambda n, ch: CommutationMatrix(dimension(n.args[0]), dimension(n.args[1])),
    Add: _add,
    Mul: _mul,
    Hadamard: lambda n, ch: sympy.HadamardProduct(*ch),
    Transpose: lambda n, ch: sympy.Transpose(ch[0]),
    Inverse: lambda n, ch: sympy.Inverse(ch[0]),
    MatPow: lambda n, ch: sympy.MatPow(ch[0], n.k),
    Pow: _pow,
    Func: _func,
    Trace: lambda n, ch: sympy.Trace(ch[0]),
    Det: lambda n, ch: sympy.Determinant(ch[0]),
    LogDet: lambda n, ch: sympy.log(sympy.Abs(sympy.Determinant(ch[0]))),
    Sum: _sum,
    Softmax: _softmax,
    LogSumExp: _logsumexp,
    Diag: lambda n, ch: DiagMatrix(ch[0]),
    DiagPart: lambda n, ch: DiagonalOf(ch[0]),
    Vec: lambda n, ch: SympyVec(ch[0]),
    Unvec: lambda n, ch: SympyUnvec(ch[0], dimension(n.args[1]), dimension(n.args[2])),
    Kron: lambda n, ch: sympy.KroneckerProduct(*ch),
}


def _check_names(expr: Expr) -> None:
    """A scalar variable named like a dimension would become the same SymPy Symbol."""
    dims, scalars = set(), set()
    for n in expr.walk():
        for d in n.shape:
            if isinstance(d, str):
                dims.update(p for p in d.split("*") if not p.isdigit())
        if isinstance(n, DimSize):
            dims.update(p for p in str(n.args[0]).split("*") if not p.isdigit())
        if isinstance(n, Var) and n.shape == SCALAR:
            scalars.add(n.name)
    both = sorted(dims & scalars)
    if both:
        raise MatcalcError(f"the scalar {both[0]} and the dimension {both[0]} would be one SymPy Symbol: "
                           f"rename one of them")


def to_sympy(expr: Expr, dims: dict | None = None) -> sympy.Basic:
    """The SymPy form of a matcalc node (a scalar SymPy expression for a scalar, else a matrix
    expression); every node is translated once (the tree is a DAG). `dims`: the user's own SymPy
    symbols of the dimensions, by name (from_sympy keeps them), put back in place of plain ones, so
    that the user's MatrixSymbols are the answer's (`Symbol("n", integer=True)` is not `Symbol("n")`,
    and a .subs(X, A) of the answer did nothing)."""
    _check_names(expr)
    memo: dict = {}
    for node in expr.walk():
        ch = [memo[id(c)] for c in node.children]
        try:
            memo[id(node)] = TO_SYMPY[type(node)](node, ch)
        except (TypeError, ValueError, AttributeError, NotImplementedError):
            # SymPy's automatic simplification can trip over its own matrix classes (factor_terms
            # rebuilding an ElementwiseApplyFunction with a scalar, Abs's signsimp substituting a
            # noncommutative symbol into a MatMul): build this node unevaluated
            with sympy.evaluate(False):
                memo[id(node)] = TO_SYMPY[type(node)](node, ch)
    out = _as_scalar(memo[id(expr)]) if expr.shape == SCALAR else memo[id(expr)]
    swap = {sympy.Symbol(k): v for k, v in (dims or {}).items() if v != sympy.Symbol(k)}
    return out.xreplace(swap) if swap else out
