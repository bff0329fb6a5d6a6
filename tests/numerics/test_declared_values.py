"""Values are checked against their declarations when evaluated: a violation is an error that
names the variable and the property; MATCALC_CHECK_DECLARATIONS=0 switches the check off."""
from __future__ import annotations

import numpy as np
import pytest

import matcalc

CASES = [
    ("tr(S A)", "S: matrix(n,n) symmetric", "S", np.array([[1.0, 2.0], [0.0, 1.0]]), "symmetric"),
    ("logdet(S)", "S: matrix(n,n) spd", "S", np.array([[1.0, 0.0], [0.0, -1.0]]), "spd"),
    ("tr(D A)", "D: matrix(n,n) diagonal", "D", np.array([[1.0, 0.5], [0.0, 1.0]]), "diagonal"),
    ("tr(Q A)", "Q: matrix(n,n) orthogonal", "Q", np.array([[2.0, 0.0], [0.0, 1.0]]), "orthogonal"),
    ("sum(log(p))", "p: vector(n) positive", "p", np.array([1.0, -2.0]), "positive"),
]


def _values(name, bad):
    return {name: bad, "A": np.ones((2, 2))}


@pytest.mark.parametrize("text, where, name, bad, prop", CASES)
def test_a_value_breaking_its_declaration_is_an_error_naming_both(text, where, name, bad, prop):
    e = matcalc.parse(text, where=where)
    with pytest.raises(matcalc.EvaluationError) as info:
        e.evaluate(_values(name, bad))
    assert name in str(info.value) and prop in str(info.value)


@pytest.mark.parametrize("text, where, name, bad, prop", CASES[:3])
def test_results_check_their_inputs_too(text, where, name, bad, prop):
    r = matcalc.grad(text, name, where=where)
    with pytest.raises(matcalc.EvaluationError):
        r.evaluate(_values(name, bad))


def test_the_check_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("MATCALC_CHECK_DECLARATIONS", "0")
    e = matcalc.parse("tr(S A)", where="S: matrix(n,n) symmetric")
    assert e.evaluate(_values("S", np.array([[1.0, 2.0], [0.0, 1.0]]))) == pytest.approx(4.0)


def test_values_within_rounding_of_the_declaration_pass():
    s = np.array([[2.0, 1.0], [1.0, 3.0]])
    s[0, 1] += 1e-12
    e = matcalc.parse("logdet(S)", where="S: matrix(n,n) spd")
    assert e.evaluate({"S": s}) == pytest.approx(np.log(5.0))


def test_generated_numpy_code_checks_cheap_declared_properties():
    """Symmetric, diagonal and positive inputs are confirmed by generated NumPy code (O(n^2));
    CHECK_INPUTS = False on the module skips it."""
    f = matcalc.grad("logdet(S) + tr(S A)", "S", where="S: matrix(n,n) spd").to_numpy()
    a = np.ones((2, 2))
    with pytest.raises(ValueError, match="S"):
        f(a, np.array([[1.0, 2.0], [0.0, 1.0]]))
    f.__globals__["CHECK_INPUTS"] = False
    f(a, np.array([[1.0, 2.0], [0.0, 1.0]]))


def test_generated_numpy_code_checks_positive_vectors():
    f = matcalc.grad("sum(log(p))", "p", where="p: vector(n) positive").to_numpy()
    assert np.allclose(f(np.array([1.0, 2.0])), [1.0, 0.5])
    with pytest.raises(ValueError, match="positive"):
        f(np.array([1.0, -2.0]))


def test_generated_numpy_code_checks_positive_scalars():
    f = matcalc.grad("log(t) x'x", "x", where="t: scalar positive; x: vector(n)").to_numpy()
    assert np.allclose(f(2.0, np.array([1.0, 1.0])), 2 * np.log(2.0) * np.ones(2))
    with pytest.raises(ValueError, match="positive"):
        f(-1.0, np.array([1.0, 1.0]))


@pytest.mark.parametrize("where", ["X: matrix(n,n) diagonal spd", "X: matrix(n,n) symmetric, positive entries",
                                   "X: matrix(n,n) spd positive"])
def test_check_samples_values_that_keep_every_declared_property(where):
    assert matcalc.grad("log(det(X)) + sum(X)", "X", where=where).check()


def test_a_diagonal_positive_declaration_is_refused_with_what_to_declare():
    with pytest.raises(matcalc.MatcalcError, match="declare X diagonal spd"):
        matcalc.parse("tr(X)", where="X: matrix(n,n) diagonal positive")


def test_a_dimension_no_variable_fixes_can_be_given_by_name():
    f = matcalc.parse("||unvec(v, m, n)||_F^2")
    assert f.evaluate(v=np.arange(6.0), m=2) == pytest.approx(55.0)  # n follows from m*n = 6
    with pytest.raises(matcalc.MatcalcError, match="give it as a value"):
        f.evaluate(v=np.arange(6.0))
    with pytest.raises(matcalc.MatcalcError, match="v has size 6 where dimension m\\*n is a multiple of 4"):
        f.evaluate(v=np.arange(6.0), m=4)


def test_check_samples_the_sizes_no_variable_fixes():
    assert matcalc.grad("||unvec(v, m, n)||_F^2", "v").check()


@pytest.mark.parametrize("text, wrt, where", [("S x", "S", "S: n x n symmetric"), ("S^-1", "S", "S: n x n spd"),
                                              ("D + 1", "D", "D: n x n diagonal"), ("logdet(S) S", "S", "S: n x n spd")])
@pytest.mark.parametrize("layout", ["numerator", "denominator"])
def test_check_of_a_jacobian_by_a_symmetric_or_diagonal_variable_moves_it_in_its_space(text, wrt, where, layout):
    """It perturbed S entry by entry, off its space: every sample broke the declaration and check failed."""
    assert matcalc.jacobian(text, wrt, where=where, layout=layout).check().ok



def test_a_diagonal_value_that_is_not_symmetric_is_refused_for_its_off_diagonal_entries():
    # it quoted |D - D'|, the test of symmetry, for a matrix declared diagonal
    with pytest.raises(matcalc.EvaluationError, match="an entry off the diagonal"):
        matcalc.parse("tr(D)", where="D: matrix(n,n) diagonal").evaluate({"D": np.triu(np.ones((3, 3)))})


@pytest.mark.parametrize("where", ["X: matrix(n,n) diagonal orthogonal", "X: matrix(n,n) symmetric orthogonal"])
def test_check_samples_matrices_with_both_properties(where):
    """check drew no diagonal orthogonal matrix (no inputs found) and a non-symmetric 'symmetric orthogonal' one."""
    assert matcalc.grad("tr(A X)", "X", where=where).check().ok


# ---------------------------------------------------------------- powers and logs of diagonal matrices
_DIAG = np.diag([1.0, 2.0, 4.0])


@pytest.mark.parametrize("kind, text, wrt, where, values, want", [
    ("hessian", "logdet(sqrt(diag(d)))", "d", "d: vector(n) positive", {"d": np.array([1.0, 2.0, 4.0])},
     np.diag([-0.5, -0.125, -0.03125])),
    ("hvp", "logdet(sqrt(D))", "D", "D: matrix(n,n) diagonal spd", {"D": _DIAG, "V": np.eye(3)},
     np.diag([-0.5, -0.125, -0.03125])),
    ("jacobian", "sqrt(diag(d)) x", "d", "", {"d": np.array([1.0, 4.0, 9.0]), "x": np.array([1.0, 2.0, 3.0])},
     np.diag([0.5, 0.5, 0.5])),
    ("hvp", "tr(exp(D)) + tr(log(D))", "D", "D: matrix(n,n) diagonal spd", {"D": _DIAG, "V": np.eye(3)},
     np.diag(np.exp([1.0, 2.0, 4.0]) - 1 / np.array([1.0, 2.0, 4.0]) ** 2)),
])
def test_derivatives_of_roots_and_logs_of_a_diagonal_matrix_are_finite_on_every_path(kind, text, wrt, where,
                                                                                     values, want):
    """sqrt(D) entry by entry has the derivative dD ./ (2 sqrt(D)), 0/0 off the diagonal: every Hessian and
    Jacobian of it was NaN in generated code and refused by evaluate."""
    r = getattr(matcalc, kind)(text, wrt, where=where or None)
    got_eval = np.asarray(r.evaluate(values))
    got_code = np.asarray(r.to_numpy()(**values))
    assert np.allclose(got_eval.reshape(want.shape), want) and np.allclose(got_code.reshape(want.shape), want)


@pytest.mark.parametrize("text, values, want", [
    ("x' (I .* log(D)) x", {"x": np.array([1.0, 2.0, 3.0])}, 1 * 0 + 4 * np.log(2) + 9 * np.log(4)),
    ("sum(D .* log(D))", {}, 2 * np.log(2) + 4 * np.log(4)),
])
def test_a_log_of_a_diagonal_matrix_in_an_entrywise_product_with_one_has_its_diagonal_value(text, values, want):
    """I .* log(D) was 0 times -inf off the diagonal: NaN in generated code, refused by evaluate."""
    e = matcalc.parse(text, where="D: matrix(n,n) diagonal spd; x: vector(n)")
    assert np.isclose(float(np.ravel(e.evaluate({"D": _DIAG, **values}))[0]), want)


def test_the_gradient_through_a_log_of_a_diagonal_matrix_checks_against_finite_differences():
    g = matcalc.grad("x' (I .* log(D)) A (I .* log(D)) x", "D", where="D: matrix(n,n) diagonal spd; A: matrix(n,n); x: vector(n)")
    A = np.array([[1.0, 2, 0], [0, 1, 3], [1, 0, 1]])
    assert np.allclose(np.diag(g.to_numpy()(A=A, D=_DIAG, x=np.array([1.0, 2, 3]))), [6.931472, 15.249238, 9.357487])
    assert g.check()


@pytest.mark.parametrize("text, printed", [("sqrt(D)", "sqrt(D)"), ("D .^ -1", "D.^-1"), ("D.^(1/3)", "D.^(1/3)"),
                                           ("diag(d).^2", "diag(d.^2)")])
def test_a_power_of_a_diagonal_matrix_is_the_diagonal_of_the_power_and_reads_back(text, printed):
    e = matcalc.parse(text, where="D: matrix(n,n) diagonal; d: vector(n)")
    assert str(e) == printed and matcalc.parse(str(e), where=e.where) == e

