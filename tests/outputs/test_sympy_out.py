"""matcalc expressions as SymPy matrix expressions: one SymPy form per node class and function,
each checked against SymPy's own numbers (explicit matrices substituted, `doit`)."""
import inspect

import numpy as np
import pytest

sympy = pytest.importorskip("sympy")
from sympy.matrices.expressions.matexpr import MatrixElement  # noqa: E402

import matcalc  # noqa: E402
from matcalc.core import nodes  # noqa: E402
from matcalc.core.functions import FUNCTIONS  # noqa: E402
from matcalc.core.sympy_nodes import LogSumExp, Unvec, Vec  # noqa: E402
from matcalc.numerics.evaluate import evaluate  # noqa: E402
from matcalc.outputs.sympy_out import FUNCTIONS_TO_SYMPY, NO_SYMPY_FORM, TO_SYMPY  # noqa: E402
from sympy_numeric import sympy_value  # noqa: E402

NODE_CLASSES = sorted(
    (c for c in vars(nodes).values()
     if inspect.isclass(c) and issubclass(c, nodes.Expr) and c is not nodes.Expr
     and c.__module__ == nodes.__name__ and not c.__name__.startswith("_")),
    key=lambda c: c.__name__)

W = ("A, B: matrix(m,n); X: matrix(n,n) invertible; x, y: vector(n); u: vector(m); c: scalar positive; "
     "S: matrix(n,n) spd")
SIZES = {"m": 2, "n": 3}

#: one expression per construct (together they hold every node class), and the SymPy class at its top
EXAMPLES = [
    ("c", "Symbol"),
    ("x", "MatrixSymbol"),
    ("2 c", "Mul"),
    ("dim(n) x", "MatMul"),
    ("X + I", "MatAdd"),
    ("zeros(m, n)", "ZeroMatrix"),
    ("ones(m, n) + A", "MatAdd"),
    ("comm(m, n) vec(A)", "MatMul"),
    ("A' A X", "MatMul"),
    ("x' X y", "MatrixElement"),
    ("c x' y + tr(X)", "Add"),
    ("A .* B", "HadamardProduct"),
    ("exp(A) .^ c", "HadamardPower"),
    ("exp(x) .^ y", "HadamardPower"),  # entry by entry: each entry of exp(x) to the power of y's entry
    ("(x' y)^2", "Pow"),
    ("X'", "Transpose"),
    ("X^-1", "Inverse"),
    ("X^-2 + X^3", "MatAdd"),
    ("exp(A)", "ElementwiseApplyFunction"),
    ("sin(c)", "sin"),
    ("tr(X)", "Trace"),
    ("det(X)", "Determinant"),
    ("log(det(X))", "log"),
    ("logdet(X)", "log"),
    ("sum(A)", "MatrixElement"),
    ("sum(x)", "MatrixElement"),
    ("softmax(u)", "MatMul"),
    ("softmax(A)", "MatMul"),
    ("softmax(A', 2)", "Transpose"),
    ("logsumexp(u)", "MatrixElement"),
    ("logsumexp(A)", "LogSumExp"),
    ("logsumexp(c A, 2)", "Transpose"),
    ("unvec(kron(A, x) x, m, n)", "Unvec"),
    ("diag(x) X", "MatMul"),
    ("diag(X)", "DiagonalOf"),
    ("kron(A, X)", "KroneckerProduct"),
    ("S^-1 x", "MatMul"),
]


#: every variable of W: what fixes the dimensions of an example without variables (zeros(m, n))
EVERY_VARIABLE = matcalc.parse("sum(A) + sum(B) + sum(X) + sum(S) + x' y + sum(u) + c", where=W)


def _values(seed=0):
    rng = np.random.default_rng(seed)
    shapes = {"A": (2, 3), "B": (2, 3), "X": (3, 3), "x": (3,), "y": (3,), "u": (2,), "c": (), "S": (3, 3)}
    vals = {}
    for name in shapes:
        shape = shapes[name]
        v = rng.standard_normal(shape) if shape else float(rng.uniform(0.5, 1.5))
        if name == "X":
            v = v / 3 + 2 * np.eye(3)
        if name == "S":
            v = v @ v.T / 3 + np.eye(3)
        vals[name] = v
    return vals


def test_every_node_class_has_a_sympy_form():
    missing = [c.__name__ for c in NODE_CLASSES if c not in TO_SYMPY]
    assert not missing, f"add {missing} to outputs/sympy_out.py TO_SYMPY"


def test_every_registered_function_has_a_sympy_form_or_says_why_not():
    missing = sorted(set(FUNCTIONS) - set(FUNCTIONS_TO_SYMPY) - set(NO_SYMPY_FORM))
    assert not missing, f"add {missing} to outputs/sympy_out.py FUNCTIONS_TO_SYMPY (or NO_SYMPY_FORM, with why)"


def test_a_function_without_a_sympy_form_is_refused_by_name(monkeypatch):
    monkeypatch.delitem(FUNCTIONS_TO_SYMPY, "tanh")
    monkeypatch.setitem(NO_SYMPY_FORM, "tanh", "a test removed it")
    with pytest.raises(matcalc.NotSupportedError, match="the function tanh has no SymPy form: a test removed it"):
        matcalc.parse("tanh(x)", where=W).to_sympy()


def test_the_examples_hold_every_node_class():
    seen = {type(n) for text, _ in EXAMPLES for n in matcalc.parse(text, where=W).node.walk()}
    assert not [c.__name__ for c in NODE_CLASSES if c not in seen]


@pytest.mark.parametrize("text,top", EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_construct_maps_to_the_sympy_class(text, top):
    assert type(matcalc.parse(text, where=W).to_sympy()).__name__ == top


@pytest.mark.parametrize("text,top", EXAMPLES, ids=[t for t, _ in EXAMPLES])
def test_sympy_computes_the_same_value_as_matcalc(text, top):
    e = matcalc.parse(text, where=W)
    vals = _values()
    want = evaluate(e.node, vals, context=(EVERY_VARIABLE.node,))
    np.testing.assert_allclose(sympy_value(e.to_sympy(), vals, SIZES), want, rtol=1e-9, atol=1e-12)


POINTS = np.array([0.15, 0.35, 0.6, 0.85])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_of_a_vector_is_elementwise_in_sympy(name):
    e = matcalc.parse(f"{name}(x)", where="x: vector(n)")
    np.testing.assert_allclose(sympy_value(e.to_sympy(), {"x": POINTS}), e.evaluate(x=POINTS), rtol=1e-9)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_of_a_scalar_is_a_scalar_sympy_function(name):
    e = matcalc.parse(f"{name}(t)", where="t: scalar")
    s = e.to_sympy()
    assert not s.is_Matrix and s.free_symbols == {sympy.Symbol("t", real=True)}
    assert sympy_value(s, {"t": 0.35}) == pytest.approx(e.evaluate(t=0.35), rel=1e-12)


def test_variables_are_symbols_and_matrix_symbols_with_symbolic_dimensions():
    n, m = sympy.symbols("n m")
    e = matcalc.parse("c A x", where=W).to_sympy()
    c = sympy.Symbol("c", positive=True)  # declared positive in W
    assert e == sympy.MatMul(c, sympy.MatrixSymbol("A", m, n), sympy.MatrixSymbol("x", n, 1))


def test_scalars_are_real_symbols_so_sympy_simplifies_as_for_real_numbers():
    b = matcalc.parse("b", where="b: scalar").to_sympy()
    assert b == sympy.Symbol("b", real=True)
    assert matcalc.parse("abs(2^b)", where="b: scalar").to_sympy() == 2 ** b


def test_integer_dimensions_stay_integers():
    e = matcalc.parse("tr(X)", where="X: matrix(3,3)").to_sympy()
    assert e == sympy.Trace(sympy.MatrixSymbol("X", 3, 3))


def test_a_product_dimension_is_a_product_of_symbols():
    m, n = sympy.symbols("m n")
    e = matcalc.parse("vec(A)", where="A: matrix(m,n)").to_sympy()
    assert e.shape == (m * n, 1)


def test_a_1x1_product_is_the_entry_of_the_sympy_product():
    x, y = (sympy.MatrixSymbol(s, sympy.Symbol("n"), 1) for s in "xy")
    X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    assert matcalc.parse("x' X y", where=W).to_sympy() == MatrixElement(x.T * X * y, 0, 0)


def test_logdet_is_log_of_the_absolute_determinant_and_log_det_stays_log_det():
    X = sympy.MatrixSymbol("X", sympy.Symbol("n"), sympy.Symbol("n"))
    assert matcalc.parse("logdet(X)", where=W).to_sympy() == sympy.log(sympy.Abs(sympy.Determinant(X)))
    assert matcalc.parse("log(det(X))", where=W).to_sympy() == sympy.log(sympy.Determinant(X))


def test_equal_expressions_give_equal_sympy_expressions():
    a = matcalc.parse("sigmoid(A) .* exp(B)", where=W).to_sympy()
    b = matcalc.parse("exp(B) .* sigmoid(A)", where=W).to_sympy()
    assert a == b


def test_a_scalar_named_like_a_dimension_is_refused():
    with pytest.raises(matcalc.MatcalcError, match="the scalar n and the dimension n"):
        matcalc.parse("n x", where="n: scalar; x: vector(n)").to_sympy()


def test_softmax_of_a_matrix_divides_each_column_by_its_own_sum_in_sympy():
    a = np.array([[0.1, 2.0, -1.0], [0.7, -0.3, 1.5]])
    got = sympy_value(matcalc.parse("softmax(A)", where=W).to_sympy(), {"A": a})
    np.testing.assert_allclose(got, np.exp(a) / np.exp(a).sum(axis=0), rtol=1e-12)


def test_logsumexp_of_a_matrix_is_a_row_of_column_values_in_sympy():
    a = np.array([[0.1, 2.0, -1.0], [0.7, -0.3, 1.5]])
    got = sympy_value(matcalc.parse("logsumexp(A)", where=W).to_sympy(), {"A": a})
    np.testing.assert_allclose(got, np.log(np.exp(a).sum(axis=0)), rtol=1e-12)


def test_sympy_logsumexp_definition_has_the_same_values():
    A = sympy.MatrixSymbol("A", 2, 3)
    a = np.array([[0.1, 2.0, -1.0], [0.7, -0.3, 1.5]])
    lse = LogSumExp(A)
    np.testing.assert_allclose(sympy_value(lse.definition(), {"A": a}), sympy_value(lse, {"A": a}), rtol=1e-12)
    assert lse.shape == (1, 3)


def test_sympy_logsumexp_entries_are_log_sums_of_exponentials():
    A = sympy.MatrixSymbol("A", 2, 3)
    assert LogSumExp(A)[0, 1] == sympy.log(sympy.exp(A[0, 1]) + sympy.exp(A[1, 1]))


def test_sympy_unvec_undoes_vec_column_by_column():
    a = sympy.ImmutableMatrix([[1, 2, 3], [4, 5, 6]])
    assert Unvec(Vec(a).doit(), 2, 3).doit() == a
    assert Unvec(sympy.MatrixSymbol("w", 6, 1), 2, 3)[1, 2] == sympy.MatrixSymbol("w", 6, 1)[5, 0]


def test_sympy_unvec_refuses_a_vector_of_the_wrong_length():
    with pytest.raises(ValueError, match="needs a vector of length 6"):
        Unvec(sympy.MatrixSymbol("w", 5, 1), 2, 3)
