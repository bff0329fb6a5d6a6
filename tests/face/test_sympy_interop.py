"""SymPy out and in, end to end: every seed case survives the round trip, SymPy's own numbers for
every result equal `.evaluate`, random expressions round trip, and `import matcalc` stays light."""
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings

sympy = pytest.importorskip("sympy")

import matcalc  # noqa: E402
from conftest import DIM_VALUES, ROOT, decl, load_cases, sample_inputs  # noqa: E402
from matcalc.core.functions import FUNCTIONS  # noqa: E402
from matcalc.numerics.evaluate import evaluate  # noqa: E402
from strategies import DomainError, evaluate_tree, expressions, sample_values  # noqa: E402
from sympy_numeric import sympy_value  # noqa: E402

CASES = load_cases()
DERIVE = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}
_ids = [c["id"] for c in CASES]


def _close(got, want):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float), rtol=1e-8, atol=1e-10)


# ---------------------------------------------------------------- the seed cases
@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_seed_expression_round_trips_through_sympy(case):
    e = matcalc.parse(case["expr"], where=decl(case))
    back = matcalc.from_sympy(e.to_sympy())
    vals = sample_inputs(case)
    _close(back.evaluate(vals), e.evaluate(vals))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_seed_result_round_trips_through_sympy(case):
    r = DERIVE[case["kind"]](case["expr"], case["wrt"], where=decl(case))
    back = matcalc.from_sympy(r.to_sympy(), where=r.where)
    vals = sample_inputs(case)
    for d in r.directions:  # a map's direction (dX, V) takes the variable's value
        vals.setdefault(d.name, vals[case["wrt"]])
    context = (r.function.node,)  # fixes the n of a lone I (the gradient of tr(X))
    _close(evaluate(back.node, vals, context=context), evaluate(r.node, vals, context=context))


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_sympy_computes_every_seed_derivative_as_evaluate_does(case):
    """SymPy's numbers for to_sympy(r) (explicit matrices, doit) against r.evaluate: the matrix of a
    gradient, of a vector Jacobian or Hessian, and the Kronecker form of a matrix map."""
    r = DERIVE[case["kind"]](case["expr"], case["wrt"], where=decl(case))
    vals = sample_inputs(case)
    want = r.evaluate(vals)
    if not getattr(r, "is_map", False):
        _close(sympy_value(r.to_sympy(), vals, DIM_VALUES), want)
        return
    if r.kron is None or r.linear_map.sym or r.linear_map.diag:
        pytest.skip("no Kronecker form of the whole map (symmetric or diagonal directions)")
    k = sympy_value(r.to_sympy("kron"), vals, DIM_VALUES)
    out_size = int(np.prod(np.shape(r.function.evaluate(vals)))) if r.kind == "jacobian" else np.size(vals[r.wrt])
    # vec is column-major: J[vec index of the output, vec index of the input]
    _close(k, np.reshape(want, (out_size, -1), order="F"))


_W = "A: matrix(n,n); X: matrix(n,n) invertible; x, b: vector(n); W: matrix(m,n); u: vector(m)"
_KINDS = [
    ("differential", lambda: matcalc.differential("log(det(X)) + tr(A X)", "X", where=_W)),
    ("gradient", lambda: matcalc.grad("1/2 ||W x - u||^2", "x", where=_W)),
    ("vector jacobian", lambda: matcalc.jacobian("sigmoid(W x)", "x", where=_W)),
    ("matrix jacobian", lambda: matcalc.jacobian("X^-1 A", "X", where=_W)),
    ("vector hessian", lambda: matcalc.hessian("log(sum(exp(W x)))", "x", where=_W)),
    ("matrix hessian", lambda: matcalc.hessian("tr(A X X)", "X", where=_W)),
    ("mixed hessian", lambda: matcalc.hessian("u' W x", ("W", "x"), where=_W)),
    ("hvp", lambda: matcalc.hvp("log(det(X))", "X", where=_W)),
]


@pytest.mark.parametrize("make", [k for _, k in _KINDS], ids=[n for n, _ in _KINDS])
def test_every_result_kind_gives_sympy_the_same_numbers(make):
    """r.to_sympy() (the map as an expression in its direction, where r is a map) against r.expr."""
    r = make()
    rng = np.random.default_rng(3)
    vals = {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 3)) / 3 + 2 * np.eye(3),
            "x": rng.standard_normal(3), "b": rng.standard_normal(3), "W": rng.standard_normal((2, 3)),
            "u": rng.standard_normal(2)}
    for d in r.directions:
        vals[d.name] = rng.standard_normal(np.shape(vals[d.name[1:]]) if d.name[1:] in vals else (3, 3))
    want = evaluate(r.node, vals, context=(r.function.node,))
    _close(sympy_value(r.to_sympy(), vals, {"n": 3, "m": 2}), want)


def test_an_elementwise_function_whose_coefficient_holds_another_is_applied_by_sympy_correctly():
    """exp(sum(exp(u)) A): the outer Lambda's body holds the inner elementwise exp; SymPy applies a
    Lambda by plain substitution, so the two must not share their bound variable."""
    e = matcalc.parse("exp(sum(exp(u)) A)", where="u: vector(m); A: matrix(m,n)")
    rng = np.random.default_rng(0)
    vals = {"u": 0.3 * rng.standard_normal(2), "A": 0.3 * rng.standard_normal((2, 3))}
    _close(sympy_value(e.to_sympy(), vals), e.evaluate(vals))
    assert matcalc.from_sympy(e.to_sympy(), where=e.where) == e


def test_how_many_seed_cases_round_trip_to_the_same_tree():
    """The round trip is exact (the same canonical tree) for all but SymPy's own rewrites (it
    distributes a minus over a sum: ex16)."""
    same = [c["id"] for c in CASES
            if matcalc.from_sympy((e := matcalc.parse(c["expr"], where=decl(c))).to_sympy(), where=e.where) == e]
    assert len(same) >= len(CASES) - 1, sorted({c["id"] for c in CASES} - set(same))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_every_function_round_trips_through_sympy(name):
    """SymPy's own function where it has one (read back as it), else the definition; only softplus
    comes back as its definition, log(1 + exp(u))."""
    for where in ("x: vector(n)", "x: scalar"):
        e = matcalc.parse(f"{name}(x)", where=where)
        back = matcalc.from_sympy(e.to_sympy(), where=e.where)
        assert back == e or name == "softplus"
        v = np.array([0.15, 0.6]) if where.endswith("(n)") else 0.35
        _close(back.evaluate(x=v), e.evaluate(x=v))


_EW = ("A, B: matrix(m,n); X: matrix(n,n) invertible; x, y: vector(n); u: vector(m); c: scalar positive; "
       "S: matrix(n,n) spd")
#: together these hold every node class (tests/outputs/test_sympy_out.py checks the same list's cover)
_EVERY_NODE = ["2 c", "dim(n) x", "X + I", "zeros(m, n)", "ones(m, n) + A", "comm(m, n) vec(A)", "A' A X",
               "x' X y", "c x' y + tr(X)", "A .* B", "exp(A) .^ c", "(x' y)^2", "X'", "X^-1", "X^-2 + X^3",
               "exp(A)", "sin(c)", "det(X)", "log(det(X))", "logdet(X)", "sum(A)", "sum(x)", "softmax(u)",
               "diag(x) X", "diag(X)", "kron(A, X)", "S^-1 x", "sigmoid(A) + relu(B)", "x' S x / (x' x)",
               "softmax(A)", "X softmax(c A)' u", "softmax(A, 2)", "logsumexp(u)", "logsumexp(A)",
               "logsumexp(A, 2)", "c logsumexp(A) + sum(A, 1)", "unvec(kron(A, x) x, m, n)",
               "A .* unvec(kron(A, x) x, m, n)"]


@pytest.mark.parametrize("text", _EVERY_NODE)
def test_every_construct_round_trips_to_the_same_tree(text):
    e = matcalc.parse(text, where=_EW)
    assert matcalc.from_sympy(e.to_sympy(), where=e.where) == e


def test_the_round_trip_list_holds_every_node_class():
    from matcalc.core import nodes
    classes = {c for c in vars(nodes).values() if isinstance(c, type) and issubclass(c, nodes.Expr)
               and c is not nodes.Expr and c.__module__ == nodes.__name__ and not c.__name__.startswith("_")}
    seen = {type(n) for t in _EVERY_NODE for n in matcalc.parse(t, where=_EW).node.walk()}
    assert not sorted(c.__name__ for c in classes - seen)


# ---------------------------------------------------------------- random expressions
_DIMS = {"n": 3, "m": 2, "k": 2}
#: shrinking a failure re-runs SymPy many times (minutes); the failing example is reported as drawn
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), phases=_NO_SHRINK)
@given(expressions())
def test_random_expression_round_trips_through_sympy(g):
    vals = sample_values(g.variables.values(), _DIMS, 0)
    try:
        evaluate_tree(g.tree, vals, _DIMS)
    except DomainError:
        assume(False)
    e = matcalc.parse(g.text, where=g.where)
    back = matcalc.from_sympy(e.to_sympy(), where=e.where)
    assert back == e or np.allclose(back.evaluate(vals), e.evaluate(vals), rtol=1e-8, atol=1e-10)


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), phases=_NO_SHRINK)
@given(expressions(budget=12))
def test_sympy_computes_random_expressions_as_evaluate_does(g):
    vals = sample_values(g.variables.values(), _DIMS, 1)
    try:
        evaluate_tree(g.tree, vals, _DIMS)
    except DomainError:
        assume(False)
    e = matcalc.parse(g.text, where=g.where)
    _close(sympy_value(e.to_sympy(), vals, _DIMS), e.evaluate(vals))


# ---------------------------------------------------------------- as a SymPy user works
def test_a_sympy_users_gradient_of_a_trace():
    n = sympy.Symbol("n")
    X = sympy.MatrixSymbol("X", n, n)
    r = matcalc.grad(matcalc.from_sympy(sympy.Trace(X * X.T)), "X")
    assert r.to_sympy() == 2 * X


def test_a_sympy_users_quadratic_form_written_as_an_entry():
    n = sympy.Symbol("n")
    x, A = sympy.MatrixSymbol("x", n, 1), sympy.MatrixSymbol("A", n, n)
    r = matcalc.grad(matcalc.from_sympy((x.T * A * x)[0, 0]), "x")
    assert r.to_sympy() == (A + A.T) * x


def test_a_gradient_can_be_substituted_in_sympy():
    n = sympy.Symbol("n")
    X, Y = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("Y", n, n)
    g = matcalc.grad(matcalc.from_sympy(sympy.log(sympy.Determinant(X))), "X").to_sympy()
    assert g.subs(X, Y) == sympy.Inverse(Y).T
    assert sympy.sympify(g) is g


def test_sympy_generates_numpy_code_for_a_gradient():
    n = sympy.Symbol("n")
    X, A = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("A", n, n)
    r = matcalc.grad(matcalc.from_sympy(sympy.log(sympy.Determinant(X)) - sympy.Trace(A * X)), "X")
    g = sympy.lambdify([X, A], r.to_sympy(), "numpy")
    Xv, Av = np.eye(3) * 2 + 0.1, np.arange(9.0).reshape(3, 3)
    _close(g(Xv, Av), r.evaluate(X=Xv, A=Av))


def test_api_functions_take_a_from_sympy_expression_with_declarations():
    n = sympy.Symbol("n")
    X = sympy.MatrixSymbol("X", n, n)
    f = matcalc.from_sympy(sympy.log(sympy.Determinant(X)))
    assert str(matcalc.grad(f, "X", where="X: matrix(n,n) spd")) == "X^-1"
    assert str(matcalc.hessian(f, "X")) == "-X^-T V' X^-T"


def test_new_declarations_keep_the_kinds_sympy_gave_the_other_names():
    """A SymPy vector named A stays a vector when grad declares only X (its look says matrix)."""
    n = sympy.Symbol("n")
    a, X = sympy.MatrixSymbol("A", n, 1), sympy.MatrixSymbol("X", n, n)
    f = matcalc.from_sympy((a.T * X * a)[0, 0])
    r = matcalc.grad(f, "X", where="X: matrix(n,n) symmetric")
    assert str(r) == "A A'" and "A: vector(n)" in r.where


def test_a_result_form_it_does_not_have_is_a_clear_error():
    r = matcalc.grad("x' x", "x")
    with pytest.raises(matcalc.MatcalcError, match="has no kron form; it has expr, differential, unconstrained"):
        r.to_sympy("kron")
    with pytest.raises(matcalc.MatcalcError, match="form must be one of"):
        r.to_sympy("array")


def test_a_matrix_hessian_gives_its_map_and_its_kronecker_form():
    r = matcalc.hessian("log(det(X))", "X", where="X: matrix(n,n) invertible")
    n = sympy.Symbol("n")
    X, V = sympy.MatrixSymbol("X", n, n), sympy.MatrixSymbol("V", n, n)
    assert r.to_sympy() == -X.I.T * V.T * X.I.T
    assert isinstance(r.to_sympy("kron"), sympy.MatMul)


def test_import_matcalc_does_not_import_sympy():
    code = "import sys, matcalc; matcalc.parse('x'); print('sympy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_a_result_read_back_from_sympy_takes_its_sizes_from_the_declared_variables():
    """The gradient of mean(y) is ones(n) / n: read back with where=r.where it did not know n."""
    r = matcalc.grad("mean(y)", "y", where="x, y: vector(n)")
    back = matcalc.from_sympy(r.to_sympy(), where=r.where)
    y = np.arange(1.0, 4.0)
    np.testing.assert_allclose(back.evaluate({"y": y}), r.evaluate({"y": y}))


@pytest.mark.parametrize("text, where, shape", [("c^2 X", "c: scalar; X: matrix(n,n)", (3, 3)),
                                                ("X'", "X: matrix(m,n)", (3, 2)),
                                                ("softmax(X)", "X: matrix(m,n)", (3, 2))])
def test_a_kronecker_form_reads_back_from_sympy_with_its_squared_sizes(text, where, shape):
    # to_sympy writes Identity(n**2); from_sympy refused "the dimension n**2 has no matcalc form"
    J = matcalc.jacobian(text, "X", where=where)
    back = matcalc.from_sympy(J.to_sympy("kron"))
    X = np.random.default_rng(0).normal(size=shape)
    values = {"X": X, "c": 2.0} if text.startswith("c") else {"X": X}
    sizes = {"m": shape[0], "n": shape[1]}  # (back knows no X where its answer does not hold X)
    np.testing.assert_allclose(back.evaluate({**values, **sizes}), J.kron.evaluate(values), rtol=1e-12)


def test_a_size_alone_reads_back_from_sympy_as_the_size_when_the_declarations_name_it():
    # dim(k) is SymPy's Symbol k with no MatrixSymbol of size k beside it: it came back a new scalar k
    r = matcalc.grad("tr(c I + X)", "c", where="c: scalar")
    back = matcalc.from_sympy(r.to_sympy(), where=r.where)
    assert str(back) == "k" and "k:" not in back.where  # (k is X's size there: written bare, it reads so)
    assert back.evaluate({"c": 1.0, "X": np.eye(4)}) == 4.0


def test_a_variable_declared_as_a_one_row_matrix_reads_back_from_sympy_as_the_vector_it_is():
    # refused: "W is declared matrix(1, n), but the SymPy expression has it as a vector of length n"
    f = matcalc.parse("logsumexp(W x)", where="W: matrix(1,n); x: vector(n)")
    back = matcalc.from_sympy(f.to_sympy(), where=f.where)
    W, x = np.arange(1.0, 5.0) / 4, np.arange(4.0) / 3
    assert np.isclose(back.evaluate({"W": W, "x": x}), f.evaluate({"W": W, "x": x}))


@pytest.mark.parametrize("make, value", [
    (lambda n, x, y, X, A, B: sympy.OneMatrix(1, n) * x.applyfunc(lambda z: sympy.Integer(2)), "2 n"),
    (lambda n, x, y, X, A, B: sympy.Trace(X.applyfunc(lambda z: sympy.Trace(A)) * B), "sum(B) tr(A)")])
def test_an_elementwise_function_that_ignores_its_argument_keeps_the_shape(make, value):
    # the body 2 was read as the scalar 2, not 2 in every entry: 1' x.applyfunc(2) read 2 where it is 2 n
    n = sympy.Symbol("n")
    x, y = sympy.MatrixSymbol("x", n, 1), sympy.MatrixSymbol("y", n, 1)
    X, A, B = (sympy.MatrixSymbol(s, n, n) for s in "XAB")
    assert str(matcalc.from_sympy(make(n, x, y, X, A, B))) == value


def test_a_sum_of_entries_written_as_sympy_writes_it_reads():
    # (OneMatrix(1, n)*x)[0, 0] was refused with advice to write (OneMatrix(1, n)*x)[0, 0]
    n = sympy.Symbol("n")
    x = sympy.MatrixSymbol("x", n, 1)
    X = sympy.MatrixSymbol("X", n, n)
    assert str(matcalc.from_sympy((sympy.OneMatrix(1, n) * x)[0, 0])) == "sum(x)"
    assert str(matcalc.from_sympy((sympy.OneMatrix(1, n) * X * sympy.OneMatrix(n, 1))[0, 0])) == "sum(X)"
    assert str(matcalc.from_sympy(sympy.log((sympy.OneMatrix(1, n) * x.applyfunc(sympy.exp))[0, 0]))) \
        == "log(sum(exp(x)))"


def test_a_results_sympy_form_keeps_the_users_dimension_symbols():
    # to_sympy rebuilt X with a plain Symbol("n"): with the user's n = Symbol("n", integer=True), X in the
    # answer was another X, and .subs(X, ...) on it did nothing, silently
    n = sympy.Symbol("n", integer=True, positive=True)
    X = sympy.MatrixSymbol("X", n, n)
    r = matcalc.grad(matcalc.from_sympy(sympy.log(sympy.Determinant(X))), "X")
    g = r.to_sympy()
    assert X in g.atoms(sympy.MatrixSymbol)
    Y = sympy.MatrixSymbol("Y", n, n)
    assert g.subs(X, Y) != g


def test_a_number_to_the_power_of_each_entry_is_refused_with_what_to_write():
    # the message said the exponent "has the base's shape scalar, not shape vector(n)"
    x = sympy.MatrixSymbol("x", sympy.Symbol("n"), 1)
    with pytest.raises(matcalc.MatcalcError, match=r"exp\(log\(c\) x\)"):
        matcalc.from_sympy(x.applyfunc(lambda z: 2 ** z))


def test_a_power_of_numbers_too_large_for_sympy_is_refused_not_computed():
    """2^(10^400): SymPy computes a power of two numbers when it is made or printed (1.3 GB, no end)."""
    with pytest.raises(matcalc.NotSupportedError, match="more than 10,000 digits"):
        matcalc.parse("2^(10^400) x").to_sympy()
    assert str(matcalc.parse("2^3 x").to_sympy()) == "8*x"
