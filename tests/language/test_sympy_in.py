"""SymPy matrix expressions read into matcalc (`matcalc.from_sympy`): SymPy's spellings of matcalc's
operations, shapes from SymPy, and a clear error for every SymPy construct without a matcalc meaning."""
import numpy as np
import pytest

sympy = pytest.importorskip("sympy")
from sympy.codegen.cfunctions import log1p  # noqa: E402
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction  # noqa: E402
from sympy.matrices.expressions.diagonal import DiagMatrix, DiagonalMatrix, DiagonalOf  # noqa: E402
from sympy.matrices.expressions.matexpr import MatrixElement  # noqa: E402

import matcalc  # noqa: E402
from matcalc import from_sympy  # noqa: E402
from matcalc.core.sympy_nodes import LogSumExp, Unvec, Vec  # noqa: E402

n, m = sympy.symbols("n m")
X = sympy.MatrixSymbol("X", n, n)
A = sympy.MatrixSymbol("A", m, n)
B = sympy.MatrixSymbol("B", m, n)
x = sympy.MatrixSymbol("x", n, 1)
y = sympy.MatrixSymbol("y", n, 1)
c = sympy.Symbol("c")
d = sympy.Dummy("d")
WHERE = "X: matrix(n,n); A, B: matrix(m,n); x, y: vector(n); c: scalar"


@pytest.mark.parametrize("build,text", [
    (lambda: sympy.Trace(X * X.T), "<X, X>"),
    (lambda: sympy.log(sympy.Determinant(X)), "log(det(X))"),
    (lambda: sympy.log(sympy.Abs(sympy.Determinant(X))), "logdet(X)"),
    (lambda: x.T * X * y, "x' X y"),
    (lambda: (x.T * X * y)[0, 0], "x' X y"),               # SymPy turns this into an index sum
    (lambda: (x.T * x)[0, 0], "x' x"),                     # a sum of squares x[i, 0]**2
    (lambda: sympy.exp(-(x.T * x)[0, 0]), "exp(-(x' x))"),
    (lambda: sympy.Inverse(X) * x, "X^-1 x"),
    (lambda: X ** -2, "X^-2"),
    (lambda: X.I.T, "X^-T"),
    (lambda: sympy.HadamardProduct(A, B), "A .* B"),
    (lambda: sympy.HadamardPower(A, 2), "A.^2"),
    (lambda: sympy.KroneckerProduct(A, X), "kron(A, X)"),
    (lambda: ElementwiseApplyFunction(sympy.exp, A), "exp(A)"),
    (lambda: A.applyfunc(sympy.tanh), "tanh(A)"),
    (lambda: ElementwiseApplyFunction(sympy.Lambda(d, 1 / (1 + sympy.exp(-d))), A * x), "sigmoid(A x)"),
    (lambda: ElementwiseApplyFunction(sympy.Lambda(d, d ** 2 + c * d), A), "A.^2 + c A"),
    (lambda: ElementwiseApplyFunction(sympy.Lambda(d, d * sympy.exp(d)), A), "A .* exp(A)"),
    (lambda: 1 / (1 + sympy.exp(-c)), "sigmoid(c)"),
    (lambda: sympy.Max(0, c), "relu(c)"),
    (lambda: log1p(c), "log1p(c)"),
    (lambda: sympy.sqrt(c), "sqrt(c)"),
    (lambda: sympy.OneMatrix(1, m) * A * sympy.OneMatrix(n, 1), "sum(A)"),
    (lambda: sympy.OneMatrix(1, n) * x, "sum(x)"),
    (lambda: DiagMatrix(x) * X, "diag(x) X"),
    (lambda: DiagonalOf(X), "diag(X)"),
    (lambda: ElementwiseApplyFunction(sympy.exp, A) * DiagMatrix(sympy.OneMatrix(1, m) * A.applyfunc(sympy.exp)) ** -1,
     "softmax(A)"),
    (lambda: X * A.T.applyfunc(sympy.exp) * sympy.Inverse(DiagMatrix(sympy.OneMatrix(1, n) * A.T.applyfunc(sympy.exp))),
     "X softmax(A')"),
    (lambda: A.applyfunc(sympy.exp) * DiagMatrix(y) ** -1, "exp(A) diag(y)^-1"),
    (lambda: MatrixElement(LogSumExp(x), 0, 0), "logsumexp(x)"),
    (lambda: LogSumExp(A), "logsumexp(A)"),
    (lambda: LogSumExp(c * A).T, "logsumexp(c A)'"),
    (lambda: Unvec(sympy.MatrixSymbol("w", m * n, 1), m, n), "unvec(w, m, n)"),
    (lambda: Unvec(Vec(A), m, n), "A"),
    (lambda: DiagonalMatrix(X), "diag(diag(X))"),
    (lambda: X + sympy.Identity(n), "X + I"),
    (lambda: A + sympy.ZeroMatrix(m, n), "A"),
    (lambda: A + c * sympy.OneMatrix(m, n), "A + c"),
    (lambda: sympy.Trace(sympy.Identity(n)) * c, "dim(n) c"),
    (lambda: sympy.Rational(1, 2) * sympy.Trace(X), "1/2 tr(X)"),
    (lambda: sympy.Float(0.25) * c, "1/4 c"),
    (lambda: sympy.pi * c, "arccos(-1) c"),
    (lambda: sympy.E ** c, "exp(c)"),
    (lambda: sympy.Sum(X[sympy.Symbol("i"), sympy.Symbol("i")], (sympy.Symbol("i"), 0, n - 1)), "tr(X)"),
])
def test_sympy_construct_reads_as(build, text):
    assert from_sympy(build()) == matcalc.parse(text, where=WHERE)


def test_shapes_come_from_sympy():
    e = from_sympy(A * x + sympy.MatrixSymbol("b", m, 1))
    assert e.shape == ("m",)
    assert e.where == "A: matrix(m,n); b: vector(m); x: vector(n)"


def test_integer_dimensions_stay_integers():
    e = from_sympy(sympy.Trace(sympy.MatrixSymbol("X", 3, 3)))
    assert e.where == "X: matrix(3,3)"


def test_a_row_matrix_symbol_is_the_transpose_of_a_vector():
    r = sympy.MatrixSymbol("r", 1, n)
    e = from_sympy(r * x)
    assert str(e) == "r' x" and e.where == "r: vector(n); x: vector(n)"


def test_a_1x1_matrix_symbol_is_a_scalar():
    assert from_sympy(sympy.MatrixSymbol("s", 1, 1) * x).where == "s: scalar; x: vector(n)"


def test_a_positive_symbol_is_a_positive_scalar():
    assert from_sympy(sympy.log(sympy.Symbol("t", positive=True))).where == "t: scalar positive"


def test_where_adds_properties_and_the_gradient_uses_them():
    e = from_sympy(sympy.log(sympy.Determinant(X)), where="X: matrix(n,n) spd")
    assert str(matcalc.grad(e, "X")) == "X^-1"


def test_where_must_agree_with_sympy_shapes():
    with pytest.raises(matcalc.DeclarationError, match="X is declared vector"):
        from_sympy(sympy.Trace(X), where="X: vector(n)")


def test_subscripted_names_read_as_matcalc_names():
    e = from_sympy(sympy.MatrixSymbol("W_{1}", m, n) * x)
    assert str(e) == "W_1 x"


def test_the_function_can_be_differentiated_and_evaluated():
    f = from_sympy(sympy.Trace(X * X.T))
    r = matcalc.grad(f, "X")
    v = np.arange(9.0).reshape(3, 3)
    assert str(r) == "2 X"
    np.testing.assert_allclose(r.evaluate(X=v), 2 * v)
    assert f.evaluate(X=v) == pytest.approx(float(np.sum(v * v)))


@pytest.mark.parametrize("build,message", [
    (lambda: sympy.ImmutableMatrix([[1, 2], [3, 4]]), "explicit matrix"),
    (lambda: sympy.Trace(sympy.ImmutableMatrix([[1, 2], [3, 4]])), "explicit matrix"),
    (lambda: X[0, 1], "matrix entry"),
    (lambda: sympy.coth(c), r"coth .*expr.rewrite\(sympy.exp\)"),
    (lambda: sympy.Function("f")(c), "SymPy function f"),
    (lambda: sympy.I * c, "real numbers"),
    (lambda: sympy.oo * c, "no matcalc"),
    (lambda: sympy.Adjoint(X), "conjugate transpose"),
    (lambda: sympy.MatPow(X, sympy.Rational(1, 2)), "integer exponent"),
    (lambda: sympy.Max(c, sympy.Symbol("b")), "relu"),
    (lambda: sympy.Abs(2 ** c), r"real: make the SymPy symbols real, Symbol\('b', real=True\)"),
    (lambda: sympy.exp(X), r"not elementwise .*X.applyfunc\(exp\)"),
    (lambda: sympy.log(X), "not elementwise"),
    (lambda: sympy.Sum(c, (sympy.Symbol("k"), 1, 5)), "does not carry"),  # (was c, not 5 c)
    (lambda: sympy.Sum(c, (sympy.Symbol("i"), 0, n - 1)), "does not carry"),
    (lambda: sympy.Sum(x[sympy.Symbol("i"), 0] + c, (sympy.Symbol("i"), 0, n - 1)), "the term c does not carry"),
    (lambda: sympy.Symbol("x y"), "not a name"),
    (lambda: sympy.MatrixSymbol("I", n, n), "reserved"),
    (lambda: sympy.Symbol("tr", real=True) * sympy.Trace(X), "'tr' is a function of matcalc's language"),
    (lambda: sympy.Trace(sympy.MatrixSymbol("det", n, n)), "'det' is a function"),
    (lambda: sympy.Symbol("m", real=True) * sympy.Trace(A.T * B), "the scalar m and the dimension m are two SymPy symbols"),
    (lambda: sympy.Trace(X) + sympy.Symbol("X"), "two shapes"),
    (lambda: sympy.Symbol("t", positive=True) + sympy.Symbol("t"), "two SymPy symbols"),
    (lambda: sympy.MatrixSymbol("Z", n + 1, n + 1), "dimension n \\+ 1"),
    (lambda: sympy.log(c, 2) * sympy.Integral(c, c), "Integral"),
    (lambda: "tr(X)", "matcalc.parse"),
    (lambda: [X], "not list"),
])
def test_sympy_without_a_matcalc_meaning_is_a_clear_error(build, message):
    with pytest.raises(matcalc.MatcalcError, match=message):
        from_sympy(build())


def test_a_1x1_matrix_expression_is_a_scalar_where_sympy_would_expand_its_entry():
    """(M)[0, 0] of a compound M is an index sum SymPy cannot convert back; M itself reads."""
    s = (A * x).applyfunc(lambda t: 1 / (1 + sympy.exp(-t)))
    u = sympy.MatrixSymbol("u", m, 1)
    M = u.T * s.applyfunc(sympy.log)
    assert from_sympy(M) == matcalc.parse("u' log(sigmoid(A x))", where=WHERE + "; u: vector(m)")
    with pytest.raises(matcalc.NotSupportedError, match=r"pass M itself"):
        from_sympy(M[0, 0])


def test_numbers_read_as_exact_constants():
    assert str(from_sympy(3)) == "3"
    assert str(from_sympy(sympy.Rational(-2, 3))) == "-2/3"


def test_a_sum_over_a_vectors_entries_reads_as_its_sum():
    # it was refused, with advice to write OneMatrix(1, n)*x, whose [0, 0] SymPy turns into this very sum
    i = sympy.Symbol("i")
    assert str(matcalc.from_sympy(sympy.Sum(x[i, 0], (i, 0, n - 1)))) == "sum(x)"
    assert str(matcalc.from_sympy(sympy.Sum(sympy.exp(x[i, 0]), (i, 0, n - 1)))) == "sum(exp(x))"

