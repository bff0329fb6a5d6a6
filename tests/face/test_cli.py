"""The command line: `matcalc EXPR --wrt X` prints df and the derivative; bad input exits 2, never a traceback.

Most tests call matcalc.cli.main(argv) in-process (fast, output from capsys); a few run
`python -m matcalc` in a subprocess from the repository root, as a user would.
"""
from __future__ import annotations

import ast
import io
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import matcalc
from matcalc.outputs.codegen.generate import load_generated
from matcalc.cli import main
from conftest import ROOT

MAIN = "tr(AX^2BX^-T)"


def run_cli(*args, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "MATCALC_DEBUG"}
    return subprocess.run([sys.executable, "-m", "matcalc", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def cli(capsys, monkeypatch):
    """Run main(argv) in-process: (exit status, stdout, stderr)."""
    monkeypatch.delenv("MATCALC_DEBUG", raising=False)

    def call(*argv, stdin: str | None = None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(argv))
        except SystemExit as e:  # argparse usage errors
            code = e.code
        out, err = capsys.readouterr()
        return code, out, err
    return call


def lines(out: str) -> dict:
    """'label = value' lines as a dict."""
    res = {}
    for line in out.splitlines():
        label, sep, value = line.partition(" = ")
        if sep:
            res[label] = value
    return res


def no_traceback(*streams):
    for s in streams:
        assert "Traceback" not in s, s


# ---------------------------------------------------------------------------- as a user runs it

def test_main_command_prints_the_latex_of_df_and_the_gradient():
    proc = run_cli(MAIN, "--wrt", "X")
    assert proc.returncode == 0, proc.stderr
    r = matcalc.grad(MAIN, "X")
    got = lines(proc.stdout)
    assert got["\\mathrm{d}f"] == r.differential.latex()
    assert got["\\nabla_{X} f"] == r.latex()
    assert "\\mathrm{d}X" in got["\\mathrm{d}f"] and "\\top" in got["\\nabla_{X} f"]
    assert proc.stderr == ""


def test_expression_read_from_stdin_with_a_dash():
    proc = run_cli("-", "--wrt", "X", "--format", "text", stdin="log(det(X))\n")
    assert proc.returncode == 0, proc.stderr
    assert lines(proc.stdout)["grad f"] == str(matcalc.grad("log(det(X))", "X"))


def test_two_formulas_on_stdin_are_refused_not_multiplied(cli):
    code, out, err = cli("-", "--wrt", "x", "--format", "text", stdin="x'Ax\nx'x\n")
    assert code == 2 and out == "" and "two formulas" in err


@pytest.mark.parametrize("stdin", ["x'A\nx\n", "tr(A\nX)\n", "1/2\nx'x\n", "lambda\n||x||^2\n"])
def test_one_formula_broken_across_lines_on_stdin_is_read_whole(cli, stdin):
    code, out, err = cli("-", "--format", "text", stdin=stdin)
    assert code == 0, err


def test_a_formula_going_on_to_the_next_line_after_an_operator_is_read_from_stdin(cli):
    code, out, err = cli("-", "--wrt", "x", "--format", "text", stdin="x'Ax\n+ x'x\n")
    assert code == 0 and "grad f = (A + A' + 2 I) x" in out, err


def test_bad_input_exits_2_with_the_error_on_stderr_and_no_traceback():
    proc = run_cli("x +", "--wrt", "x")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("matcalc: error:")
    assert "unexpected end of input" in proc.stderr and "^" in proc.stderr
    no_traceback(proc.stdout, proc.stderr)


def test_nul_byte_on_stdin_exits_2_without_a_traceback():
    proc = run_cli("-", "--wrt", "x", stdin="x' x\x00 + 1")
    assert proc.returncode == 2
    assert "U+0000" in proc.stderr
    no_traceback(proc.stdout, proc.stderr)


def test_help_example_with_json_and_check_from_stdin_works():
    proc = run_cli("-", "--wrt", "X", "--format", "json", "--check", stdin="log(det(X))")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["check"]["ok"] is True


# ---------------------------------------------------------------------------- formats

def test_default_format_is_latex(cli):
    assert cli(MAIN, "--wrt", "X") == cli(MAIN, "--wrt", "X", "--format", "latex")


def test_text_format_prints_df_and_the_gradient_as_text(cli):
    code, out, err = cli(MAIN, "--wrt", "X", "--format", "text")
    assert code == 0 and err == ""
    r = matcalc.grad(MAIN, "X")
    assert lines(out) == {"df": str(r.differential), "grad f": str(r)}


def test_a_repeated_where_adds_to_the_declarations(cli):
    # the second --where used to replace the first, and S lost its symmetry
    code, out, _ = cli("tr(A S)", "--wrt", "S", "--where", "S: matrix(n,n) symmetric", "--where", "A: matrix(n,n)",
                       "--format", "text")
    assert code == 0 and lines(out)["grad f"] == "(A + A') / 2"


def test_a_repeated_where_that_contradicts_itself_exits_2(cli):
    code, _, err = cli("tr(A S)", "--wrt", "S", "--where", "S: matrix(n,n) symmetric", "--where", "S: matrix(m,m)")
    assert code == 2 and "conflicting declarations of S" in err


def test_a_repeated_where_adds_a_property_to_a_declared_name(cli):
    # --help says a repeated --where adds to the declarations; A: matrix(n,n), then A: symmetric, was refused
    code, out, _ = cli("x'Ax", "--wrt", "x", "--where", "A: matrix(n,n)", "--where", "A: symmetric", "--format", "text")
    assert code == 0 and lines(out)["grad f"] == "2 A x"


def test_a_repeated_wrt_asks_for_every_variable_named(cli):
    code, out, _ = cli("tr(A S)", "--wrt", "S", "--wrt", "A", "--format", "text")
    assert code == 0 and lines(out)["grad S"] == "A'" and lines(out)["grad A"] == "S'"


def test_text_output_reads_back_as_an_expression(cli):
    _, out, _ = cli(MAIN, "--wrt", "X", "--format", "text")
    r = matcalc.grad(MAIN, "X")
    assert matcalc.parse(lines(out)["grad f"], where=r.where) == matcalc.parse(str(r), where=r.where)


def test_json_format_carries_text_latex_and_the_differential(cli):
    code, out, err = cli(MAIN, "--wrt", "X", "--format", "json")
    assert code == 0 and err == ""
    data = json.loads(out)
    r = matcalc.grad(MAIN, "X")
    assert data["text"] == str(r)
    assert data["latex"] == r.latex()
    assert data["differential"]["text"] == str(r.differential)
    assert data["differential"]["latex"] == r.differential.latex()


def test_json_of_a_matrix_jacobian_carries_the_kronecker_form(cli):
    code, out, _ = cli("A X B", "--wrt", "X", "--format", "json")
    assert code == 0
    data = json.loads(out)
    r = matcalc.jacobian("A X B", "X")
    assert data["kron"]["text"] == str(r.kron)
    assert data["kron"]["latex"] == r.kron.latex()
    assert data["kron"]["text"].replace(" ", "") == "kron(B',A)"


def test_text_of_a_matrix_jacobian_prints_the_kronecker_form(cli):
    code, out, _ = cli("A X B", "--wrt", "X", "--format", "text")
    assert code == 0
    assert any("Kronecker" in label and value.replace(" ", "") == "kron(B',A)" for label, value in lines(out).items())


def test_numpy_format_prints_python_source_defining_a_function(cli):
    code, out, err = cli("x' x", "--wrt", "x", "--format", "numpy")
    if code == 2 and "not available" in err:
        pytest.skip("no code generator in this version")
    assert code == 0
    tree = ast.parse(out)
    assert any(isinstance(n, ast.FunctionDef) for n in tree.body)


# ---------------------------------------------------------------------------- what to compute

def test_hessian_flag_prints_the_hessian(cli):
    where = "A: matrix(n,n) symmetric"
    code, out, _ = cli("x'Ax", "--wrt", "x", "--hessian", "--where", where, "--format", "text")
    assert code == 0
    assert lines(out)["H"] == str(matcalc.hessian("x'Ax", "x", where=where)) == "2 A"


def test_hessian_flag_in_latex(cli):
    where = "A: matrix(n,n) symmetric"
    code, out, _ = cli("x'Ax", "--wrt", "x", "--hessian", "--where", where)
    assert code == 0
    assert lines(out)["\\nabla^2 f"] == matcalc.hessian("x'Ax", "x", where=where).latex()


def test_hessian_by_two_variables_prints_every_block_the_mixed_one_included(cli):
    code, out, err = cli("x' A y", "--wrt", "x,y", "--hessian", "--format", "text")
    assert code == 0, err
    got = lines(out)
    r = matcalc.hessian("x' A y", ("x", "y"))
    assert got["H[x, y]"] == str(r) == "A"
    assert got["H[x, x]"] == "0" and got["H[y, y]"] == "0" and got["H[y, x]"] == "A'"


MLP = "sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)"


def test_several_variables_print_every_gradient_and_the_shared_terms_once(cli):
    code, out, err = cli(MLP, "--wrt", "W1,b1,W2,b2", "--format", "text")
    assert code == 0, err
    r = matcalc.grad(MLP, ["W1", "b1", "W2", "b2"])
    got = out.splitlines()
    assert got[0].startswith("# read as:") and got[1] == f"df = {r.differential}"
    assert got[2:] == str(r).splitlines()


def test_several_variables_in_latex_label_each_gradient(cli):
    code, out, _ = cli(MLP, "--wrt", "W1,b1,W2,b2")
    assert code == 0
    r = matcalc.grad(MLP, ["W1", "b1", "W2", "b2"])
    got = lines(out)
    assert got[r"\nabla_{W_{1}} f"] == r.lines()[0][4]  # the label as mathematics, not "grad W1"
    assert "Q" in got[r"\nabla_{W_{1}} f"] and "tanh" not in got[r"\nabla_{W_{1}} f"]  # shared terms by name
    assert out.splitlines()[-1] == r"\text{where } " + r.where_line(latex=True)
    assert got[r"\mathrm{d}f"]


def test_several_variables_in_json_carry_each_part_and_the_check(cli):
    code, out, _ = cli(MLP, "--wrt", "W1,b1,W2,b2", "--format", "json", "--check")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "gradients" and data["wrt"] == ["W1", "b1", "W2", "b2"]
    assert [p["wrt"] for p in data["parts"]] == ["W1", "b1", "W2", "b2"]
    assert data["parts"][2]["joint_text"] == "2 M P'" and data["shared"].startswith("P = tanh(")
    assert data["check"]["ok"] is True


def test_several_variables_in_numpy_give_one_function_returning_every_gradient(cli):
    code, out, err = cli("x' A y + y' y", "--wrt", "x,y", "--format", "numpy", "--check")
    assert code == 0 and "check: ok" in err
    fn = load_generated(out)  # the module the CLI printed
    A, x, y = np.arange(6.0).reshape(2, 3), np.ones(2), np.arange(3.0)
    gx, gy = fn(A, x, y)
    assert np.allclose(gx, A @ y) and np.allclose(gy, A.T @ x + 2 * y)


def test_several_variables_with_check_print_one_verdict(cli):
    code, out, _ = cli(MLP, "--wrt", "W1,b1,W2,b2", "--check", "--format", "text")
    assert code == 0
    verdict = [line for line in out.splitlines() if line.startswith("check:")]
    assert len(verdict) == 1 and "ok" in verdict[0] and "by W1, b1, W2, b2" in verdict[0]


def test_block_hvp_by_several_variables(cli):
    code, out, _ = cli("1/2 ||W x + b - y||^2", "--wrt", "W,b", "--hvp", "--format", "text",
                       "--where", "W: matrix(m,n)")
    assert code == 0
    assert lines(out)["H[v]_b"] == "v_W x + v_b"


def test_hvp_flag_prints_the_hessian_vector_product(cli):
    code, out, _ = cli("x'Ax", "--wrt", "x", "--hvp", "--format", "text")
    assert code == 0
    hv = [value for label, value in lines(out).items() if label.startswith("H[")]
    assert hv == [str(matcalc.hvp("x'Ax", "x"))]


def test_check_flag_prints_the_verdict(cli):
    code, out, _ = cli("log(det(X))", "--wrt", "X", "--check", "--format", "text")
    assert code == 0
    verdict = [line for line in out.splitlines() if line.startswith("check:")]
    assert len(verdict) == 1 and "ok" in verdict[0]


def test_check_flag_in_json_carries_the_verdict(cli):
    code, out, _ = cli("1/2 ||A x - b||^2", "--wrt", "x", "--check", "--format", "json")
    assert code == 0
    check = json.loads(out)["check"]
    assert check["ok"] is True and check["trials"] >= 1 and check["error"] < 1e-4


def test_differential_flag_prints_only_df(cli):
    code, out, _ = cli("x'x", "--wrt", "x", "--differential", "--format", "text")
    assert code == 0
    assert list(lines(out)) == ["df"]


def test_vector_function_gets_its_jacobian(cli):
    code, out, _ = cli("A x", "--wrt", "x", "--format", "text")
    assert code == 0 and lines(out)["J"] == "A"


def test_denominator_layout_transposes_the_jacobian(cli):
    code, out, _ = cli("A x", "--wrt", "x", "--layout", "denominator", "--format", "text")
    assert code == 0 and lines(out)["J"] == "A'"


def test_expression_starting_with_a_minus_is_not_taken_for_an_option(cli):
    code, out, err = cli("-exp(-x'x)", "--wrt", "x", "--format", "text")
    assert code == 0, err
    assert lines(out)["grad f"] == str(matcalc.grad("-exp(-x'x)", "x"))


def test_an_expression_typed_without_quotes_is_refused_with_the_quoted_form(cli):
    code, out, err = cli("x", "+", "y", "--wrt", "x")
    assert code == 2 and out == ""
    assert "came as 3 arguments" in err and 'matcalc "x + y"' in err


def test_an_unquoted_expression_starting_with_a_minus_is_quoted_back_as_typed(cli):
    code, _, err = cli("-x", "-", "y", "--wrt", "x")
    assert code == 2
    assert 'matcalc "-x - y"' in err and "@matcalc" not in err


def test_an_unknown_short_option_after_the_expression_is_named_as_typed(cli):
    code, _, err = cli("x'x", "-w", "x")
    assert code == 2
    assert "unrecognized arguments: -w x" in err and "@matcalc" not in err


def test_an_unquoted_minus_term_that_looks_like_an_option_says_to_quote_the_expression(cli):
    code, _, err = cli("x", "-y", "--wrt", "x")
    assert code == 2 and "unrecognized arguments: -y" in err and 'matcalc "x -y"' in err


def test_an_unknown_long_option_keeps_the_usage_error(cli):
    code, _, err = cli("x'x", "--wrtt", "x")
    assert code == 2 and "unrecognized arguments: --wrtt x" in err


@pytest.mark.parametrize("flag, fmt", [("--latex", "latex"), ("--json", "json"), ("--text", "text"), ("--tex", "latex")])
def test_a_format_typed_as_its_own_option_says_to_write_format(cli, flag, fmt):
    code, _, err = cli("x'Ax", "--wrt", "x", flag)
    assert code == 2 and f"write --format {fmt}" in err


# ---------------------------------------------------------------------------- parse-only mode

def test_without_wrt_prints_text_latex_and_shape(cli):
    code, out, err = cli("A x", "--where", "A: matrix(m,n)")
    assert code == 0
    assert out.splitlines()[:3] == ["text:  A x", "latex: A x", "shape: m"]
    assert out.splitlines()[3] == "read as: A x   (A: matrix(m,n); x: vector(n))"  # issue 13


def test_without_wrt_and_several_variables_a_note_says_it_is_no_derivative(cli):
    code, out, err = cli("x'Ax", "--format", "text")
    assert code == 0 and out == "x' A x\n"
    assert "not a derivative" in err and "--wrt" in err


def test_without_wrt_the_note_offers_the_variable_papers_differentiate_by(cli):
    # (alphabetical order offered --wrt y for a logistic loss)
    code, out, err = cli("sum(log(1 + exp(-y .* (X w))))", "--format", "text")
    assert "(--wrt w)" in err


def test_without_wrt_a_scalar_has_shape_scalar(cli):
    # issue 13: an expression of one variable is differentiated by it without --wrt, so two here
    code, out, _ = cli("x'y")
    assert code == 0
    assert "shape: scalar" in out.splitlines()


def test_without_wrt_one_variable_is_differentiated_by_it(cli):
    code, out, _ = cli("x'x", "--format", "text")
    assert code == 0 and out.splitlines()[-1] == "grad f = 2 x"


def test_without_wrt_a_matrix_shape_shows_both_dimensions(cli):
    code, out, _ = cli("X + Y", "--where", "X: matrix(m,n)")
    assert code == 0
    assert "shape: m x n" in out.splitlines()


def test_without_wrt_text_format_prints_the_expression(cli):
    code, out, _ = cli("tr(AX)", "--format", "text")
    assert code == 0 and out == "tr(A X)\n"


def test_without_wrt_json_carries_text_latex_and_shape(cli):
    code, out, _ = cli("x' A x", "--format", "json", "--where", "A: matrix(n,n)")
    assert code == 0
    data = json.loads(out)
    e = matcalc.parse("x' A x", where="A: matrix(n,n)")
    assert (data["text"], data["latex"], data["shape"]) == (str(e), e.latex(), [])


def test_expression_from_stdin_in_process(cli):
    code, out, _ = cli("-", "--format", "text", stdin="  x' y \n")
    assert code == 0 and out == "x' y\n"


# ---------------------------------------------------------------------------- bad input

BAD = {
    "unexpected end": (["x +", "--wrt", "x"], "unexpected end of input"),
    "shape clash": (["A y", "--where", "A: matrix(m,n); y: vector(k)"], "cannot multiply"),
    "unknown function": (["foo(x)"], "unknown function 'foo'"),
    "norm of a matrix": (["norm(W)"], "||W||_F"),
    "unknown kind": (["x", "--where", "x: vec(n)"], "unknown kind"),
    "conflicting declarations": (["x", "--where", "x: vector(n); x: matrix(n,n)"], "conflicting"),
    "non-square symmetric": (["X", "--where", "X: matrix(m,n) symmetric"], "square"),
    "fractional matrix power": (["X^0.5", "--where", "X: matrix(n,n)"], ".^"),
    "spectral norm": (["||X||"], "spectral"),
    "grad of a vector": (["A x", "--wrt", "x", "--hessian"], "jacobian"),
    "variable not in the expression": (["x'x", "--wrt", "y"], "not a variable"),
    "Jacobian by several variables": (["A x + B y", "--wrt", "x,y"], "one variable at a time"),
    "a variable named twice": (["x' y", "--wrt", "x,x"], "named twice"),
    "differential by several variables": (["x' y", "--wrt", "x,y", "--differential"], "takes one variable"),
    "bidi override": (["x \u202e+ y"], "U+202E"),
    "zero-width space": (["x\u200by"], "U+200B"),
    "control character": (["x\x07y"], "U+0007"),
    "deep nesting": (["(" * 5000 + "x" + ")" * 5000], "nested too deeply"),
    "too long": (["x + " * 60_000], "too long"),
    "python": (["__import__('os').system('ls')"], "unexpected character"),
}


@pytest.mark.parametrize("argv, words", list(BAD.values()), ids=list(BAD))
def test_bad_input_exits_2_with_the_message_on_stderr(cli, argv, words):
    code, out, err = cli(*argv)
    assert code == 2
    assert out == ""
    assert err.startswith("matcalc: error:") and words in err
    no_traceback(out, err)


def test_empty_stdin_exits_2_saying_the_expression_is_empty(cli):
    code, out, err = cli("-", "--wrt", "x", stdin="")
    assert code == 2 and "empty" in err and out == ""


def test_parse_error_on_stdin_reports_the_line(cli):
    code, _, err = cli("-", stdin="x +\n y *")
    assert code == 2 and "line 2" in err


@pytest.mark.parametrize("argv", [["x", "--format", "bogus"], ["--bogus", "x"], [], ["x", "--hessian", "--hvp"]],
                         ids=["bad-format", "bad-option", "no-expression", "two-kinds"])
def test_usage_error_exits_2_with_usage_and_no_traceback(cli, argv):
    code, out, err = cli(*argv)
    assert code == 2
    assert "usage:" in err
    no_traceback(out, err)


def test_input_that_trips_an_internal_error_still_prints_no_traceback(cli):
    code, out, err = cli("1e5000")   # a ValueError inside matcalc today (see the xfail below)
    assert code in (0, 1, 2)
    no_traceback(out, err)


def test_huge_number_is_bad_input_exit_2(cli):
    code, out, err = cli("1e5000")
    assert code in (0, 2)
    assert "internal error" not in err


def test_latex_lines_label_themselves_as_mathematics(cli):
    code, out, _ = cli("tr(X'AX)", "--wrt", "X", "--hessian")
    assert code == 0
    labels = list(lines(out))
    assert labels[:2] == ["\\mathrm{d}f", "H\\left[V\\right]"]
    assert "H \\text{ (Kronecker form, } \\operatorname{vec}\\text{)}" in labels and "\\mathrm{d}^2 f" in labels
    assert not any(label in ("grad f", "d2f", "df") for label in labels)


def test_cli_gradient_reads_a_greek_name_as_the_vector_a_scalar_function_needs(cli):
    code, out, err = cli("theta' Sigma theta", "--wrt", "theta", "--format", "text")
    assert code == 0, err
    assert "grad f = (Sigma + Sigma') theta" in out
    assert "theta: vector(n)" in out  # the read-as line says so


def test_cli_stops_quietly_when_its_reader_goes_away():
    # the reading end is closed before matcalc writes (as `matcalc ... | head -1` does once it has its line)
    proc = subprocess.Popen([sys.executable, "-m", "matcalc", "x'Ax", "--wrt", "x", "--format", "text"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    err = proc.stderr.read()
    proc.wait(timeout=120)
    assert "internal error" not in err and "Traceback" not in err


def test_an_empty_wrt_is_an_error_not_a_parse_only_run(cli):
    code, out, err = cli("x'x", "--wrt", "")
    assert code == 2 and out == ""
    assert "--wrt is empty" in err


def test_standard_input_that_is_not_utf8_is_refused_as_such():
    # it said "unexpected control or invisible character U+DCE9" (the undecodable byte's escape)
    env = {**os.environ, "PYTHONPATH": ROOT}
    p = subprocess.run([sys.executable, "-m", "matcalc", "-", "--wrt", "x"], cwd=ROOT, env=env,
                       input=b"x'x \xe9", capture_output=True, timeout=60)
    assert p.returncode == 2 and b"not valid UTF-8" in p.stderr


def test_an_argument_that_is_not_utf8_is_refused_as_such():
    # it said "unexpected control or invisible character U+DCFF" (the undecodable byte's escape)
    env = {**os.environ, "PYTHONPATH": ROOT}
    p = subprocess.run([sys.executable, "-m", "matcalc", b"x'x \xff", "--wrt", "x"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
    assert p.returncode == 2 and b"the formula is not valid UTF-8 (byte 5)" in p.stderr


def test_differential_flag_reads_a_scalar_only_text_as_the_gradient_does(cli):
    code, out, _ = cli("sum(exp(X beta)) - y'X beta", "--wrt", "beta", "--differential", "--format", "text")
    assert code == 0 and "beta: vector(n)" in out


def test_steps_after_the_generated_code_of_several_variables_are_comments(cli):
    # --steps was left out silently after the code of --wrt x,y
    code, out, _ = cli("x'x + y'y", "--wrt", "x,y", "--steps", "--format", "numpy")
    assert code == 0 and "# steps:" in out and "# by y:" in out
    compile(out, "generated", "exec")  # (still a module: every step line is a comment)


def test_an_entrywise_exponential_multiplied_as_a_matrix_is_said_on_stderr():
    # exp(t A) x0 (a linear ODE's solution in a paper) is read entrywise, as the language says, and was silently
    proc = run_cli("exp(-t*A)*x0", "--wrt", "t", "--where", "A: matrix(n,n); x0: vector(n); t: scalar")
    assert proc.returncode == 0
    assert "exp(-t A) is taken entry by entry" in proc.stderr and "matrix exponential" in proc.stderr


def test_no_entrywise_note_where_no_function_of_a_matrix_is_multiplied():
    proc = run_cli("x' A x + sum(exp(A))", "--wrt", "x")
    assert proc.returncode == 0 and "entry by entry" not in proc.stderr


def test_the_command_line_run_in_process_leaves_the_api_warnings_on():
    # main() turned the notes' warnings off for the rest of the process (a later grad(exp(t A) x0) was silent)
    from matcalc.cli import main
    assert main(["exp(t A) x0", "--wrt", "t", "--where", "A: matrix(n,n); x0: vector(n); t: scalar"]) == 0
    with pytest.warns(matcalc.MatcalcWarning, match="taken entry by entry"):
        matcalc.jacobian("exp(t A) x0", "t", where="A: matrix(n,n); x0: vector(n); t: scalar")


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_disk_is_an_io_error_not_an_internal_error():
    # it said "internal error (OSError ...); please report it"
    with open("/dev/full", "w") as full:
        p = subprocess.run([sys.executable, "-m", "matcalc", "x'x", "--wrt", "x"], stdout=full, stderr=subprocess.PIPE,
                           text=True)
    assert p.returncode == 1 and "cannot write the answer" in p.stderr and "internal" not in p.stderr


def test_a_closed_standard_output_is_said_not_silently_skipped():
    p = subprocess.run(["bash", "-c", f"'{sys.executable}' -m matcalc \"x'x\" --wrt x >&-"], capture_output=True, text=True)
    assert p.returncode == 1 and "standard output is closed" in p.stderr


def test_a_constant_asked_for_a_derivative_is_told_it_has_no_variables(cli):
    # it said to name a variable with --wrt (the expression has 0 variables: none)
    code, _, err = cli("2+3", "--hessian")
    assert code == 2 and "no variables" in err and "--wrt" not in err


def test_a_constant_is_read_without_empty_declarations(cli):
    code, out, _ = cli("2+3")
    assert code == 0 and "read as: 2 + 3\n" in out + "\n" and "()" not in out
