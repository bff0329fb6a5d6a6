"""`r.steps`, `r.steps_latex()`, the Jupyter rendering and `matcalc --steps`: the derivation as a
teacher writes it (the values of every line are checked in tests/calculus/test_steps.py)."""
from __future__ import annotations

import json
import re
import sys

import numpy as np
import pytest

import matcalc
from conftest import decl, load_cases
from matcalc.cli import main

MAIN = "tr(AX^2BX^-T)"


def _index(steps, rule: str) -> int:
    for i, s in enumerate(steps):
        if rule in s.rule.split("; "):
            return i
    raise AssertionError(f"no step by {rule!r} in\n{steps}")


def test_main_example_applies_the_product_rule_to_x_squared():
    steps = matcalc.grad(MAIN, "X").steps
    i = next(i for i, s in enumerate(steps) if s.rule == "product rule" and "d(X^2)" in str(steps[i - 1])
             and "d(X^2)" not in str(s))
    assert "(dX X + X dX)" in str(steps[i])


def test_main_example_applies_the_inverse_rule_to_x_inverse_transpose():
    steps = matcalc.grad(MAIN, "X").steps
    i = _index(steps, "inverse rule")
    assert "d(X^-T)" in str(steps[i - 1])
    assert "-X^-T dX' X^-T" in str(steps[i]) and "d(X^-T)" not in str(steps[i])


def test_main_example_moves_dx_to_the_right_by_the_cyclic_property():
    steps = matcalc.grad(MAIN, "X").steps
    i = _index(steps, "cyclic trace")
    assert "tr(A dX X B X^-T)" in str(steps[i - 1])
    assert "tr(X B X^-T A dX)" in str(steps[i])
    assert "tr(X^-1 B' X'^2 A' X^-1 dX)" in str(steps[_index(steps, "trace of a transpose")])


def test_main_example_ends_by_reading_g_off_the_inner_product():
    r = matcalc.grad(MAIN, "X")
    steps = r.steps
    assert [_index(steps, k) for k in ("d tr", "product rule", "inverse rule", "expand", "cyclic trace",
                                       "tr(A'B) = <A, B>", "read off G")] == sorted(
        _index(steps, k) for k in ("d tr", "product rule", "inverse rule", "expand", "cyclic trace",
                                   "tr(A'B) = <A, B>", "read off G"))
    assert "read off G" in steps[-1].rule.split("; ")
    assert str(steps[-1]) == f"df = <{r}, dX>"
    assert str(steps[0]) == "df = d tr(A X^2 B X^-T)"


@pytest.mark.parametrize("fn, lhs", [(matcalc.grad, {"df"}), (matcalc.differential, {"df"}),
                                     (matcalc.hessian, {"df", "d2f"}), (matcalc.hvp, {"df", "d2f"})])
def test_every_scalar_result_kind_has_steps(fn, lhs):
    steps = fn("tr(X S X) + logdet(X)", "X").steps
    assert {s.lhs for s in steps} == lhs
    assert all(isinstance(s.rule, str) and s.rule for s in steps)
    assert all(str(s).startswith(("df = ", "d2f = ")) for s in steps)


def test_a_jacobian_has_steps_of_df():
    steps = matcalc.jacobian("A x", "x").steps
    assert [str(s) for s in steps] == ["dF = d(A x)", "dF = A dx"]
    assert "read off J" in steps[-1].rule


def test_a_hessian_differentiates_again_with_dx_fixed_and_reads_off_h_of_v():
    steps = matcalc.hessian("logdet(X)", "X").steps
    i = _index(steps, "differentiate again, dX fixed")
    assert str(steps[i]) == "d2f = <d(X^-T), dX>"
    assert str(steps[-1]) == "d2f = <-X^-T V' X^-T, dX>" and "read off H[V]" in steps[-1].rule


def test_a_symmetric_variable_ends_with_the_symmetric_projection():
    steps = matcalc.grad("logdet(X)", "X", where="X: matrix(n,n) spd").steps
    assert steps[-1].rule == "sym(G)"
    assert str(steps[-1]) == "df = <X^-1, dX>"


def test_a_step_evaluates_with_the_variables_and_their_directions():
    r = matcalc.grad("tr(A X)", "X")
    rng = np.random.default_rng(0)
    vals = {"A": rng.standard_normal((3, 3)), "X": rng.standard_normal((3, 3)), "dX": rng.standard_normal((3, 3))}
    for s in r.steps:
        assert s.evaluate(vals) == pytest.approx(float(np.trace(vals["A"] @ vals["dX"])))


def test_a_step_evaluates_without_a_value_for_a_declared_variable_the_formula_does_not_use():
    """A name declared in where and not used asked for its value on every line (evaluate does not)."""
    r = matcalc.grad("tr(A X)", "X", where="a: vector(n); A: matrix(n,n); X: matrix(n,n)")
    vals = {"A": np.ones((3, 3)), "X": np.eye(3), "dX": np.eye(3)}
    assert [float(s.evaluate(vals)) for s in r.steps] == [3.0] * len(r.steps)


def test_steps_latex_is_one_aligned_block_with_the_rules_as_text():
    tex = matcalc.grad(MAIN, "X").steps_latex()
    assert tex.startswith(r"\begin{aligned}") and tex.endswith(r"\end{aligned}")
    assert tex.count(r"\begin{aligned}") == 1
    assert r"\text{inverse rule }" in tex and r"\text{cyclic trace }" in tex
    assert r"\mathrm{d}\left(X^{2}\right)" in tex


def test_steps_render_in_jupyter():
    r = matcalc.grad(MAIN, "X")
    assert r.show_steps() is r.steps
    assert r.steps._repr_latex_() == "$$" + r.steps_latex() + "$$"
    assert r.steps[2]._repr_latex_().startswith(r"$$\mathrm{d}f = ")


def test_steps_are_recorded_on_first_access_only():
    r = matcalc.grad(MAIN, "X")
    assert "_steps" not in r.__dict__
    assert r.steps is r.steps


CASES = [c for c in load_cases() if not c.get("stretch")]


def test_no_step_of_a_seed_case_shows_an_internal_name():
    fn = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}
    for case in CASES:
        r = fn[case["kind"]](case["expr"], case["wrt"], where=decl(case))
        for s in r.steps:
            assert not re.search(r"\b[nmk]_[A-Za-z]|@|Pending|Leaf", str(s) + s.latex()), (case["id"], str(s))


def _cli(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0
    return out


def test_cli_steps_in_text(capsys):
    out = _cli(capsys, MAIN, "--wrt", "X", "--steps", "--format", "text")
    assert "steps:" in out
    assert "= tr(A (dX X + X dX) B X^-T + A X^2 B d(X^-T))" in out and "[product rule]" in out


def test_cli_steps_in_latex(capsys):
    out = _cli(capsys, MAIN, "--wrt", "X", "--steps")
    assert "% steps:" in out
    assert out.strip().splitlines()[-1] == matcalc.grad(MAIN, "X").steps_latex()


def test_cli_steps_in_json(capsys):
    data = json.loads(_cli(capsys, MAIN, "--wrt", "X", "--steps", "--format", "json"))
    assert [s["rule"] for s in data["steps"]][:3] == ["differential", "d tr", "product rule"]
    assert set(data["steps"][0]) == {"lhs", "rule", "text", "latex"}


def test_cli_without_steps_shows_none(capsys):
    assert "steps" not in _cli(capsys, MAIN, "--wrt", "X", "--format", "text")


def test_a_sum_is_differentiated_in_the_order_it_was_typed():
    steps = matcalc.grad("1/2 x'Ax + b'x + c", "x").steps
    assert str(steps[0]) == "df = d(x' A x / 2 + b' x + c)"
    assert str(steps[1]) == "df = d(x' A x) / 2 + b' dx"


def test_a_norm_in_a_typed_sum_stays_one_term():
    steps = matcalc.grad("c' x + 1/2 ||A x - b||^2", "x").steps
    assert str(steps[0]) == "df = d(c' x + ||A x - b||^2 / 2)"


def test_a_rule_without_its_own_name_is_named_after_the_operation_as_written():
    rules = [s.rule for s in matcalc.grad("logsumexp(W x)", "W").steps]
    assert any("d logsumexp" in r for r in rules)
    assert not any("LogSumExp" in r for r in rules)


def test_steps_too_deep_to_record_are_a_limit_error_not_a_recursion_error():
    r = matcalc.grad("exp(" * 200 + "x'x" + ")" * 200, "x")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)  # Python's default: an earlier test (a notebook kernel) may have raised it
    try:
        with pytest.raises(matcalc.MatcalcError, match="nested too deeply"):
            _ = r.steps
    finally:
        sys.setrecursionlimit(limit)


def test_the_steps_of_a_block_hvp_row_move_every_variable_along_its_own_direction():
    r = matcalc.hvp("y' softmax(Z)' x", ["y", "Z"], where="Z: matrix(n,m); x: vector(n)")
    text = str(r.steps)  # part Z's second differential moved Z along v_y (a ShapeError)
    assert "v_Z" in text and "v_y" in text


@pytest.mark.parametrize("f, x, where, props", [
    ("tr(A S)", "S", "S: matrix(n,n) symmetric", "symmetric"), ("logdet(S)", "S", "S: matrix(n,n) spd", "symmetric"),
    ("tr(A D)", "D", "D: matrix(n,n) diagonal", "diagonal")])
def test_the_direction_of_a_structured_variable_is_declared_with_its_structure(f, x, where, props):
    # r.where declared dS a general matrix, for which the last step (sym(G)) does not hold
    r = matcalc.grad(f, x, where=where)
    assert f"d{x}: matrix(n,n) {props}" in r.where
    line = matcalc.parse(str(r.steps[-1]).split("=", 1)[1].split("[")[0].strip(), where=r.where)
    values = {"A": np.ones((3, 3)), x: np.eye(3), f"d{x}": np.triu(np.ones((3, 3)))}  # (neither structure)
    with pytest.raises(matcalc.EvaluationError, match=f"d{x} is not {props}"):
        line.evaluate(values)


def test_a_kronecker_product_in_a_step_is_written_as_the_languages_call():
    # the step read "x' dy kron z", kron written between its operands
    r = matcalc.grad("x' kron(y, z)", "y", where="x: vector(m*n); y: vector(m); z: vector(n)")
    assert "x' kron(dy, z)" in str(r.steps)
    assert r"x^{\top} \left(\mathrm{d}y \otimes z\right)" in r.steps.latex()


def test_a_fraction_before_a_differential_in_a_step_is_bracketed():
    # "-2 / s^3 ds" reads as a denominator s^3 ds (and the parser refuses it as such)
    r = matcalc.grad("exp(-||x - y||^2 / (2 s^2))", "s", where="x, y: vector(n); s: scalar")
    text = str(r.steps)
    assert "(-(2 / s^3) ds)" in text and "/ s^3 ds" not in text


def test_attentions_softmax_in_a_step_is_written_with_its_index():
    # tr(softmax(K Q' / s) Y dV'): the reader refuses attention's softmax without its index
    r = matcalc.grad("<Y, softmax(Q K' / s, 2) V>", "V", where="s: scalar")
    assert "tr(softmax(K Q' / s, 1) Y dV')" in str(r.steps)
