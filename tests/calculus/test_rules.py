"""Each rule of the table, alone, against central finite differences.

One expression per rule (and per rule's branches), differentiated through the public
API and compared entrywise with central differences of the expression's own value.
"""
import numpy as np
import pytest

import matcalc
from matcalc.numerics.sampling import sample_values
from matcalc.calculus.rules import DIFFERENTIAL, TRANSPOSE
from matcalc.core import nodes

W = "A, B: matrix(n,n); X: matrix(n,n) invertible; x, a, b: vector(n); s, t: scalar; P: matrix(n,n) positive"

RULES = [
    # (rule, expression, variable)
    ("sum", "A X + X B", "X"),
    ("scalar product", "s X", "s"),
    ("matrix product", "A X B X", "X"),
    ("transpose", "A X'", "X"),
    ("inverse", "X^-1", "X"),
    ("inverse transpose", "A X^-T", "X"),
    ("matrix power", "X^3", "X"),
    ("negative matrix power", "X^-2", "X"),
    ("scalar power, constant exponent", "(x'x)^(3/2)", "x"),
    ("scalar power, variable exponent", "(x'x)^(x'x)", "x"),
    ("elementwise power", "P .^ 3", "P"),
    ("elementwise power, fractional", "P .^ 0.5", "P"),
    ("hadamard product", "X .* A .* X", "X"),
    ("elementwise division", "A ./ P", "P"),
    ("trace", "tr(A X)", "X"),
    ("determinant", "det(X)", "X"),
    ("log-determinant", "logdet(X)", "X"),
    ("log of det", "log(det(X))", "X"),
    ("inner product", "<X, A X>", "X"),
    ("vector 2-norm", "||A x||", "x"),
    ("Frobenius norm", "||A X||_F", "X"),
    ("squared norm", "||x - a||^2", "x"),
    ("exp", "exp(A x)", "x"),
    ("log", "log(P)", "P"),
    ("sin", "sin(A x)", "x"),
    ("cos", "cos(A x)", "x"),
    ("tan", "tan(sin(A x)/2)", "x"),
    ("tanh", "tanh(A x)", "x"),
    ("sigmoid", "sigmoid(A x)", "x"),
    ("sqrt", "sqrt(P)", "P"),
    ("abs", "abs(A x + 3)", "x"),
    ("sum of entries", "sum(X .* A)", "X"),
    ("diag of a vector", "diag(x) A x", "x"),
    ("diag of a matrix", "diag(X) .* a", "X"),
    ("softmax", "softmax(A x)", "x"),
    ("division by a scalar (quotient rule)", "X / tr(X)", "X"),
    ("broadcasting", "1 + exp(A x)", "x"),
    ("scalar function of a scalar", "sqrt(t^2 + exp(t^2))", "t"),
    ("unary minus", "-x' A x", "x"),
]


def _fd(f, vals, name, h=1e-6):
    x0 = np.asarray(vals[name], dtype=float)
    f0 = np.asarray(f(vals), dtype=float)
    out = np.zeros(f0.shape + x0.shape)
    for idx in (np.ndindex(*x0.shape) if x0.ndim else [()]):
        step = h * max(1.0, abs(float(x0[idx])))
        vp, vm = dict(vals), dict(vals)
        e = np.zeros_like(x0)
        e[idx] = 1.0
        vp[name] = x0 + step * e if x0.ndim else float(x0) + step
        vm[name] = x0 - step * e if x0.ndim else float(x0) - step
        out[(Ellipsis,) + idx] = (np.asarray(f(vp)) - np.asarray(f(vm))) / (2 * step)
    return out


@pytest.mark.parametrize("rule,text,wrt", RULES, ids=[r[0] for r in RULES])
def test_rule_agrees_with_central_differences(rule, text, wrt):
    f = matcalc.parse(text, where=W)
    r = matcalc.grad(text, wrt, where=W) if f.is_scalar else matcalc.jacobian(text, wrt, where=W)
    rng = np.random.default_rng(7)
    for _ in range(3):
        vals, _ = sample_values([f.node], rng)
        got = np.asarray(r.evaluate(vals), dtype=float)
        ref = _fd(f.evaluate, vals, wrt)
        assert got.shape == ref.shape
        scale = max(1.0, float(np.max(np.abs(ref))))
        assert float(np.max(np.abs(got - ref))) <= 1e-5 * scale, (str(r), got, ref)


def test_every_node_type_that_can_hold_a_variable_has_a_differential_rule():
    structural = {nodes.Expr, nodes._Unary, nodes.Var}  # a variable is its own direction (readoff.differential)
    for cls in vars(nodes).values():
        if isinstance(cls, type) and issubclass(cls, nodes.Expr) and cls not in structural:
            assert cls in DIFFERENTIAL, cls.__name__


def test_linear_operations_have_a_transpose_rule():
    for cls in (nodes.Add, nodes.Mul, nodes.Hadamard, nodes.Transpose, nodes.Trace, nodes.Sum, nodes.Diag,
                nodes.DiagPart):
        assert cls in TRANSPOSE, cls.__name__


def test_a_function_defined_only_by_its_formula_gets_its_derivative_from_sympy():
    """functions.FunctionSpec(sympy=...): SymPy differentiates the definition, matcalc reads it back."""
    pytest.importorskip("sympy")
    from matcalc.core import build as B
    from matcalc.calculus.rules import sympy_derivative
    from matcalc.core.functions import FunctionSpec
    spec = FunctionSpec("logistic_loss", lambda v: np.log1p(np.exp(v)), sympy="log(1 + exp(u))")
    u = B.var("u", ("n", 1))
    d = sympy_derivative(spec.sympy, u)   # exp(u) / (1 + exp(u)), elementwise
    v = np.array([-1.0, 0.5, 2.0])
    assert np.allclose(d.evaluate({"u": v}), 1 / (1 + np.exp(-v)))


@pytest.mark.parametrize("wrt", ["X", "D", "W"])
def test_the_fractional_power_of_a_diagonal_matrix_differentiates_as_its_entries_powers(wrt):
    # the normalized Laplacian's D^(-1/2) is diag(diag(D).^(-1/2)) for a diagonal spd D
    where = "D: matrix(n,n) diagonal spd; W: matrix(n,n) symmetric; X: matrix(n,k)"
    r = matcalc.grad("tr(X'(I - D^(-1/2) W D^(-1/2))X)", wrt, where=where)
    assert r.check(), r.check()
