r"""LaTeX input: `matcalc.parse` (and everything that takes text) reads LaTeX as written in papers.

Each construct is checked against the plain language: the LaTeX and its plain spelling read to
the same canonical node (expressions are hash-consed, so `==` is identity of the tree). Then
matcalc's own `.latex()` is read back (acceptance cases, their gradients, random expressions),
and ambiguous or unsupported LaTeX is refused with a caret into the LaTeX as typed.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import re

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

import matcalc
from matcalc.core import build as B
from matcalc.core.errors import ParseError
from matcalc.numerics.evaluate import evaluate
from matcalc.numerics.sampling import sample_values

from conftest import ROOT, decl, load_cases

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from strategies import derivations, expressions  # noqa: E402


def same(latex: str, plain: str, where: str | None = None) -> None:
    got = matcalc.parse(latex, where=where)
    want = matcalc.parse(plain, where=where)
    assert got == want, f"{latex!r} reads as {str(got)!r}, not {str(want)!r}"


def agree(ref: matcalc.Expression, back: matcalc.Expression, seed: int = 0, answer: bool = False) -> bool:
    """Equal values at a random point (every variable either names, sized together).

    `answer`: back is an answer's LaTeX read back, whose shape the question fixes: a bare I
    (2 I, the Hessian of x'x) reads back with an open size, which is the answer's."""
    rng = np.random.default_rng(seed)
    context = tuple(ref.context) + tuple(back.context)  # variables that size what no value shows
    vals, _ = sample_values([ref.node, back.node] + list(context), rng)
    a = np.asarray(evaluate(ref.node, vals, context=context), dtype=float)
    if answer and a.ndim and len(back.shape) == a.ndim:
        size = B.var("Answer_size", back.node.shape)  # sizes the open dimensions as the answer's
        context += (size,)
        vals = {**vals, "Answer_size": np.zeros(a.shape)}
    b = np.asarray(evaluate(back.node, vals, context=context), dtype=float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-8, atol=1e-10)


def latex_error(text: str, where: str | None = None) -> ParseError:
    with pytest.raises(ParseError) as info:
        matcalc.parse(text, where=where)
    return info.value


def caret_target(e: ParseError) -> str:
    """The source text from the caret on (the caret counts columns in the LaTeX as typed)."""
    line = e.text.splitlines()[e.line - 1]
    return line[e.column - 1:]


# ----------------------------------------------------------------------------- the constructs
CONSTRUCTS = [
    # functions
    (r"\operatorname{tr}(X^\top A X)", "tr(X' A X)", None),
    (r"\mathrm{tr}(X^\top A X)", "tr(X' A X)", None),
    (r"\text{tr}(X^\top A X)", "tr(X' A X)", None),
    (r"\operatorname{Tr}\left(A X\right)", "tr(A X)", None),
    (r"\det X", "det(X)", None),
    (r"\log\det X", "logdet(X)", None),
    (r"\log\det\left(X\right) + 1", "logdet(X) + 1", None),
    (r"\log(x^\top x)", "log(x' x)", None),
    (r"\exp(-x^\top x)", "exp(-x' x)", None),
    (r"\ln(x^\top x)", "log(x' x)", None),
    (r"\mathrm{diag}(x)", "diag(x)", None),
    (r"\operatorname{vec}(X)", "vec(X)", None),
    (r"\operatorname{sigmoid}(x)", "sigmoid(x)", None),
    (r"\operatorname{\sigma}(x)", "sigmoid(x)", None),
    (r"\det(X)^{-1}", "det(X)^-1", None),
    (r"\sqrt{x^\top x}", "sqrt(x' x)", None),
    (r"\sqrt[3]{x^\top x}", "(x' x)^(1/3)", None),
    (r"\operatorname{tr}(\mathrm{sym}(A) X)", "tr((A + A')/2 X)", None),
    (r"e^{x^\top x}", "exp(x' x)", None),
    (r"\mathrm{e}^{x^\top x}", "exp(x' x)", None),
    # fractions
    (r"\frac{a}{b} x", "(a / b) x", "a: scalar; b: scalar"),
    (r"\frac12 x^\top x", "1/2 x' x", None),
    (r"\frac1n x", "x / n", "n: scalar"),
    (r"\tfrac{1}{2} x^\top x", "1/2 x' x", None),
    (r"\dfrac{1}{2} x^\top x", "1/2 x' x", None),
    # decorated names
    (r"\mathbf{x}^\top\mathbf{A}\mathbf{x}", "x' A x", None),
    (r"\boldsymbol{\theta}^\top \mathbf{x}", "theta' x", "theta: vector(n)"),
    (r"\bm{x}^\top \bm{y}", "x' y", None),
    (r"\alpha x + \Sigma y", "alpha x + Sigma y", None),
    (r"\operatorname{tr}(W_{1} X)", "tr(W_1 X)", None),
    (r"\mathbf{W}_1 \mathbf{x}", "W1 x", "W1: matrix(m,n)"),
    (r"\Sigma_{0}^{-1} x", "Sigma_0^-1 x", None),
    (r"\mathit{ab}^\top x", "ab' x", "ab: vector(n)"),
    (r"\operatorname{tr}(A\,\mathrm{d}X)", "tr(A dX)", "dX: matrix(n,n)"),
    # transposes and inverses
    (r"x^\top y", "x' y", None),
    (r"x^T y", "x' y", None),
    (r"x^{T} y", "x' y", None),
    (r"x^\intercal y", "x' y", None),
    (r"\operatorname{tr}(X^{\mathsf T} A)", "tr(X' A)", None),
    (r"\operatorname{tr}(X^{\mathsf{T}} A)", "tr(X' A)", None),
    (r"\operatorname{tr}(X^{\intercal} A)", "tr(X' A)", None),
    (r"x^\prime y", "x' y", None),
    (r"\operatorname{tr}(X^{-1} A)", "tr(X^-1 A)", None),
    (r"\operatorname{tr}(X^{-\top} A)", "tr(X^-T A)", None),
    (r"\operatorname{tr}(X^{2})", "tr(X^2)", None),
    # norms and inner products
    (r"\|x\|_2^2", "||x||^2", None),
    (r"\|x\|^2", "||x||^2", None),
    (r"\lVert x\rVert", "||x||", None),
    (r"\left\| A x - b \right\|_2", "||A x - b||", None),
    (r"\|X\|_F", "||X||_F", None),
    (r"\|X\|_{\mathrm{F}}", "||X||_F", None),
    (r"\|x\|_1", "norm1(x)", None),
    (r"\left\|a \left\|x\right\|_2 + y\right\|_2", "||a (||x||) + y||", None),
    (r"\langle X, Y\rangle", "<X, Y>", None),
    (r"\left\langle X, Y \right\rangle", "<X, Y>", None),
    (r"\left|x\right|", "abs(x)", None),
    # operators
    (r"\operatorname{sum}(A \odot B)", "sum(A .* B)", None),
    (r"\operatorname{sum}(A \circ B)", "sum(A .* B)", None),
    (r"\operatorname{sum}(A \oslash B)", "sum(A ./ B)", None),
    (r"x^{\circ 2}", "x .^ 2", None),
    (r"x^{\circ -1/2}", "x .^ (-1/2)", None),
    (r"\operatorname{tr}(A \otimes B)", "tr(kron(A, B))", "A: matrix(n,n); B: matrix(m,m)"),
    (r"(A \otimes B^\top) C", "kron(A, B') C", "A: matrix(n,n); B: matrix(m,m)"),
    (r"2 A \otimes B", "2 kron(A, B)", "A: matrix(n,n); B: matrix(m,m)"),
    # a function applied to a group binds tighter than \otimes
    (r"\operatorname{vec}\left(X\right)^{\top} \otimes I_{n}", "kron(vec(X)', I_n)", "X: matrix(n,n)"),
    (r"A \otimes \operatorname{vec}(X)", "kron(A, vec(X))", "X: matrix(n,n); A: matrix(m,m)"),
    (r"\exp(X)^\top \otimes A", "kron(exp(X)', A)", "X: matrix(n,n); A: matrix(m,m)"),
    (r"\mathbf{1}_{m \cdot n}^\top x", "ones(m*n)' x", "x: vector(m*n)"),
    (r"a \cdot b", "a b", "a: scalar; b: scalar"),
    (r"2 \times b", "2 b", "b: scalar"),
    # grouping, spacing, implicit multiplication
    (r"\left( x + y \right)^\top z", "(x + y)' z", None),
    (r"\big( x + y \big)^\top z", "(x + y)' z", None),
    (r"\Bigl[ x + y \Bigr]^\top z", "(x + y)' z", None),
    (r"{x + y}^\top z", "(x + y)' z", None),
    (r"x^\top A x + 2\,b^\top x", "x' A x + 2 b' x", None),
    (r"x^\top\!A\;x\quad", "x' A x", None),
    (r"AXB", "A X B", None),
    (r"$x^\top A x$", "x' A x", None),
    (r"$$x^\top A x.$$", "x' A x", None),
    # ones, identity, dimensions, commutation matrix
    (r"\mathbf{1}^\top x", "vector(1)' x", None),
    (r"\mathbf{1}^\top \exp(\mathbf{x})", "vector(1)' exp(x)", None),
    (r"\mathbf{1}_{n}^\top x", "ones(n)' x", "x: vector(n)"),
    (r"c \mathbf{1}_{m \times n} + A", "c ones(m, n) + A", "c: scalar; A: matrix(m,n)"),
    (r"A + c \mathbf{1}", "A + c ones(m, n)", "c: scalar; A: matrix(m,n)"),
    (r"\mathbf{0}_{n} + x", "zeros(n) + x", "x: vector(n)"),
    (r"I_{n} + \mathbf{I}", "2 I_n", None),
    (r"\frac{\mathbf{1}^\top x}{n}", "ones(n)' x / dim(n)", "x: vector(n)"),
    (r"K_{m,n} \operatorname{vec}(A)", "comm(m, n) vec(A)", "A: matrix(m,n)"),
    # where-bindings, as results print them
    (r"p^\top p,\quad \text{where } p = A x + b", "p' p where p = A x + b", None),
    # a Greek letter's name typed without its backslash (it was the product a l p h a)
    (r"\frac12 \|Ax - b\|^2 + alpha \|x\|^2", "1/2 ||A x - b||^2 + alpha ||x||^2", None),
    (r"\frac{1}{2} theta^\top theta", "1/2 theta' theta", None),
    (r"\log\det(Sigma)", "logdet(Sigma)", None),
]


@pytest.mark.parametrize("latex, plain, where", CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_latex_reads_as_its_plain_spelling(latex, plain, where):
    same(latex, plain, where)


def test_gaussian_log_likelihood_from_a_paper_goes_to_its_gradient():
    f = (r"-\frac{1}{2}\log\det\Sigma - \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^\top\Sigma^{-1}"
         r"(\mathbf{x}-\boldsymbol{\mu})")
    where = "Sigma: matrix(n,n) spd; x: vector(n); mu: vector(n)"
    r = matcalc.grad(f, r"\Sigma", where=where)
    plain = matcalc.grad("-1/2 logdet(Sigma) - 1/2 (x - mu)' inv(Sigma) (x - mu)", "Sigma", where=where)
    assert r.wrt == "Sigma"
    assert agree(r.expr, plain.expr)
    assert matcalc.check(r).ok


def test_declared_sigma_times_a_group_is_a_product():
    same(r"\sigma(x + y)", "sigma (x + y)", "sigma: scalar")


def test_a_dimension_name_is_the_dimension():
    e = matcalc.parse(r"\frac{1}{n}\mathbf{1}^\top x", where="x: vector(n)")
    assert e.evaluate({"x": np.arange(4.0)}) == pytest.approx(1.5)


def test_a_latex_variable_name_names_the_variable():
    r = matcalc.grad(r"\mathbf{x}^\top A \mathbf{x}", r"\mathbf{x}")
    assert r.wrt == "x"
    assert str(r) == str(matcalc.grad("x' A x", "x"))


def test_latex_on_several_lines_reads():
    same("\\operatorname{tr}(X^\\top A X)\n  + \\log\\det X", "tr(X' A X) + logdet(X)")


# ----------------------------------------------------------------------------- refusals
def test_sigma_of_a_group_is_refused_with_both_readings_and_the_position():
    e = latex_error(r"x^\top x + \sigma(\mathbf{w}^\top\mathbf{x})")
    assert "two readings" in str(e)
    assert r"\operatorname{\sigma}" in str(e) and "sigma: scalar" in str(e)
    assert caret_target(e).startswith(r"\sigma(")


def test_sigma_placeholder_is_refused():
    e = latex_error(r"\operatorname{\sigma}(\cdot)")
    assert "argument" in str(e) and caret_target(e).startswith(r"\cdot")


def test_grammar_error_points_into_the_latex_as_typed():
    e = latex_error(r"\frac{1}{2}\|A\mathbf{x} - \mathbf{b}\|_2^2 + * x")
    assert caret_target(e) == "* x"


def test_error_on_a_later_line_points_at_its_line_and_column():
    e = latex_error("\\mathbf{x}^\\top A \\mathbf{x}\n + \\frac{1}{2}(x")
    assert e.line == 2 and caret_target(e) == "(x"


def test_unclosed_group_points_at_its_opening():
    e = latex_error(r"\operatorname{tr}\left(X^\top A X")
    assert caret_target(e).startswith(r"\left(")


def test_unknown_command_is_named():
    e = latex_error(r"x^\top \foo x")
    assert r"\foo" in str(e) and caret_target(e).startswith(r"\foo")


def test_unknown_operator_name_is_refused():
    e = latex_error(r"\operatorname{foo}(x)")
    assert "unknown function" in str(e)


def test_index_sum_is_refused_with_the_vector_spelling():
    e = latex_error(r"\sum_i x_i")
    assert r"\mathbf{1}^\top x" in str(e)


def test_undeclared_multi_letter_name_asks_for_a_declaration():
    e = latex_error(r"\mathit{xy}^\top x")
    assert "xy: ..." in str(e)


def test_undeclared_differential_asks_for_a_declaration():
    e = latex_error(r"\operatorname{tr}(A\,\mathrm{d}X)")
    assert "dX: ..." in str(e) and caret_target(e).startswith(r"\mathrm{d}X")


def test_unsupported_norm_subscript_is_refused():
    e = latex_error(r"\|X\|_\infty")
    assert caret_target(e).startswith(r"_\infty")


def test_ambiguous_function_operand_keeps_the_plain_rule_with_a_latex_caret():
    e = latex_error(r"\exp x + \ln x^\top x")
    assert "two readings" in str(e) and caret_target(e).startswith(r"\ln")


def test_kind_ambiguity_quotes_the_latex_and_names_both_declarations():
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(r"\mathbf{x} + A")
    msg = str(info.value)
    assert r"'\mathbf{x} + A' can be read two ways" in msg
    assert msg.count("where='A: ") == 2  # one declaration for each reading


def test_group_written_against_a_name_is_a_call_as_in_the_plain_language():
    with pytest.raises(matcalc.MatcalcError) as info:
        matcalc.parse(r"f(\mathbf{x})")
    assert "call of 'f'" in str(info.value)
    same(r"f (\mathbf{x})", "f x", "f: scalar")


def test_deep_nesting_is_refused():
    e = latex_error("\\left(" * 300 + "x" + "\\right)" * 300)
    assert "nested too deeply" in str(e)


def test_bars_around_a_square_matrix_are_refused_with_both_readings():
    e = latex_error(r"|\Sigma| + \operatorname{tr}(\Sigma^{-1} S)")
    assert r"\det" in str(e) and r"\operatorname{abs}" in str(e)
    assert caret_target(e).startswith(r"|\Sigma|")


def test_bars_around_a_vector_are_its_absolute_value():
    same(r"\mathbf{1}^\top|\mathbf{x}|", "vector(1)' abs(x)")


def test_entrywise_absolute_value_of_a_matrix_prints_as_abs_and_reads_back():
    e = matcalc.parse("sum(abs(X))", where="X: matrix(n,n)")
    assert r"\operatorname{abs}" in e.latex()
    assert matcalc.parse(e.latex(), where=e.where) == e


def test_plain_text_is_not_latex():
    with pytest.raises(ParseError) as info:
        matcalc.parse("x $ y")
    assert info.value.column == 3


# ----------------------------------------------------------------------------- round trips
CASES = load_cases()
_DERIVE = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_acceptance_case_latex_reads_back(case):
    """The expression's LaTeX and its derivative's LaTeX read back to equal values."""
    where = decl(case)
    e = matcalc.parse(case["expr"], where=where)
    assert agree(e, matcalc.parse(e.latex(), where=e.where))
    derive = _DERIVE.get(case["kind"])
    if derive is None:
        return
    r = derive(case["expr"], case["wrt"], where=where)
    assert agree(matcalc.parse(str(r), where=r.where), matcalc.parse(r.latex(), where=r.where), answer=True)


@settings(max_examples=int(os.environ.get("MATCALC_LATEX_EXAMPLES", "100")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(expressions(out="any"))
def test_printed_latex_reads_back_to_an_equal_expression(g):
    """parse(e.latex(), where=e.where) evaluates equal to e, for random expressions e."""
    try:
        e = matcalc.parse(g.text, where=g.where)
    except matcalc.MatcalcError:
        reject()
    note(f"latex={e.latex()!r} where={e.where!r}")
    back = matcalc.parse(e.latex(), where=e.where)
    assert agree(e, back), f"{e.latex()!r} reads back as {str(back)!r}, not {str(e)!r}"


@settings(max_examples=int(os.environ.get("MATCALC_LATEX_EXAMPLES", "30")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(derivations(out="scalar", wrt="any"))
def test_printed_gradient_latex_reads_back_to_an_equal_expression(case):
    """parse(r.latex(), where=r.where) evaluates equal to the gradient r, for random functions."""
    try:
        r = matcalc.grad(case.text, case.wrt.name, where=case.expr.where)
    except matcalc.MatcalcError:
        reject()
    note(f"latex={r.latex()!r} where={r.where!r}")
    assert agree(r.expr, matcalc.parse(r.latex(), where=r.where), answer=True)


def test_identity_prints_its_size_where_nothing_else_fixes_it():
    e = matcalc.parse("tr(X) I_n", where="X: matrix(n,n)")
    assert e.latex().endswith("I_{n}")
    assert matcalc.parse(e.latex(), where=e.where) == e
    f = matcalc.parse("X + tr(X) I", where="X: matrix(n,n)")
    assert r"\operatorname{tr}\left(X\right) I + X" == f.latex()


def test_ones_and_zeros_print_their_size_and_read_back():
    e = matcalc.parse("(y' y) ones(m, n)", where="y: vector(n)")
    assert e.latex().endswith(r"\mathbf{1}_{m \times n}")
    assert matcalc.parse(e.latex(), where=e.where) == e


def test_a_dimension_prints_so_that_it_reads_back_as_the_dimension():
    r = matcalc.grad("sum(a ones(n)) + sum(sin(x))", "a", where="a: scalar; x: vector(n)")
    assert r.latex() == r"\mathit{n}"
    assert matcalc.parse(r.latex(), where=r.where).node is matcalc.parse("dim(n)", where=r.where).node


_RESULTS = {"jacobian": ("nonscalar", matcalc.jacobian), "hessian": ("scalar", matcalc.hessian),
            "hvp": ("scalar", matcalc.hvp)}


@pytest.mark.parametrize("kind", sorted(_RESULTS))
@settings(max_examples=int(os.environ.get("MATCALC_LATEX_EXAMPLES", "10")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(data=st.data())
def test_printed_jacobian_and_hessian_latex_reads_back(kind, data):
    """Jacobians, Hessians and Hessian-vector products: their LaTeX reads back to equal values."""
    out, derive = _RESULTS[kind]
    case = data.draw(derivations(out=out, wrt="any"))
    try:
        r = derive(case.text, case.wrt.name, where=case.expr.where)
    except matcalc.MatcalcError:
        reject()
    note(f"latex={r.latex()!r} where={r.where!r}")
    assert agree(r.expr, matcalc.parse(r.latex(), where=r.where), answer=True)


# ----------------------------------------------------------------------------- the command line
def test_cli_differentiates_latex():
    env = {k: v for k, v in os.environ.items() if k != "MATCALC_DEBUG"}
    proc = subprocess.run([sys.executable, "-m", "matcalc", r"\operatorname{tr}(X^\top A X)", "--wrt", "X",
                           "--format", "text"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "grad f = (A + A') X" in proc.stdout


def test_cli_latex_error_exits_2_with_a_caret():
    from matcalc.cli import main
    import io
    import contextlib
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main([r"\operatorname{tr}(X^\top A X", "--wrt", "X"])
    assert code == 2
    assert r"\operatorname{tr}(X^\top A X" in err.getvalue() and "^" in err.getvalue()


@pytest.mark.parametrize("latex", [r"AC \otimes BD", r"A C \otimes B D", r"A \otimes B^\top C",
                                   r"\mathrm{tr}(AB \otimes C)"])
def test_otimes_beside_a_product_is_refused_with_both_groupings(latex):
    # AC \otimes BD read A kron(C, B) D, where the mixed-product rule means kron(A C, B D)
    with pytest.raises(matcalc.ParseError, match=r"two readings: the products first, kron\("):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex", [r"\sin x \otimes y", r"A \otimes \operatorname{vec} X"])
def test_a_function_without_parentheses_beside_otimes_is_refused_with_both_readings(latex):
    with pytest.raises(matcalc.ParseError, match="two readings"):
        matcalc.parse(latex, where="x, y: vector(n); X: matrix(n,n); A: matrix(m,m)")


@pytest.mark.parametrize("text,wrt,where", [
    ("tr(kron(A, X) B)", "X", "A: matrix(m,m); X: matrix(n,n); B: matrix(m*n,m*n)"),
    ("x' kron(y, z)", "y", "x: vector(m*n); y: vector(m); z: vector(n)"),
])
def test_latex_of_a_kronecker_answer_reads_back_to_the_same_expression(text, wrt, where):
    r = matcalc.grad(text, wrt, where=where)
    assert matcalc.parse(r.latex(), where=r.where) == r.expr


@pytest.mark.parametrize("latex", [r"\langle A, X\rangle_F", r"\langle A, X \rangle_{F}"])
def test_the_frobenius_inner_product_subscript_is_the_inner_product(latex):
    assert str(matcalc.parse(latex)) == "<A, X>"


def test_another_subscript_on_an_inner_product_is_refused():
    with pytest.raises(matcalc.MatcalcError, match="only the subscript F"):
        matcalc.parse(r"\langle A, X\rangle_2")


def test_a_norm_pasted_with_spaced_bars_is_a_norm():
    """| | Ax-b | | (bars apart, as PDFs paste \\|) was abs(abs(A x - b)) with every name a scalar."""
    assert str(matcalc.grad(r"\frac{1}{2}| | Ax-b | |^2", "x")) == "A' (A x - b)"


def test_an_old_style_roman_norm_subscript_is_the_frobenius_norm():
    assert str(matcalc.parse(r"\|X\|_{\rm F}^2")) == str(matcalc.parse(r"\|X\|_F^2"))


@pytest.mark.parametrize("text", [r"I_{n\times n} - X", r"\mathbf{I}_{n \times n} - X"])
def test_an_identity_sized_n_times_n_is_the_identity_of_size_n(text):
    """The size was read as one dimension named 'ntimesn'."""
    assert matcalc.parse(text, where="X: matrix(n,n)") == matcalc.parse("I - X", where="X: matrix(n,n)")


def test_an_identity_with_two_sizes_is_refused():
    with pytest.raises(matcalc.ParseError, match="square"):
        matcalc.parse(r"I_{m\times n}")


@pytest.mark.parametrize("text", [r"\lambda_{\max}(X)", r"\lambda_\max\left(X\right)", r"\sigma_{\min}(A)"])
def test_an_eigenvalue_or_maximum_applied_to_a_matrix_is_refused_not_read_as_a_product(text):
    """\\lambda_{\\max}(X) was the product lambda_max X."""
    with pytest.raises(matcalc.ParseError, match="not supported"):
        matcalc.parse(text)


def test_a_name_subscripted_max_without_an_argument_is_a_name():
    assert matcalc.parse(r"x_{\max}").variables == ("x_max",)


@pytest.mark.parametrize("text", [r"\mathcal{L}(w)", r"\mathcal{L}\left(w\right)"])
def test_a_calligraphic_function_name_applied_to_an_argument_is_refused(text):
    """\\mathcal{L}(w) was the product L w."""
    with pytest.raises(matcalc.ParseError, match="function's name applied"):
        matcalc.parse(text)


@pytest.mark.parametrize("latex, plain", [
    (r"{\bf x}^\top {\bf A} {\bf x}", "x' A x"),  # the old font switches
    (r"{\rm tr}(AX)", "tr(A X)"), (r"{\rm Tr}(X)", "tr(X)"), (r"{\rm det}(X)", "det(X)"),  # old switches on words
    (r"{\mathrm tr}(X)", "tr(X)"), (r"\mathop{\rm tr}(X)", "tr(X)"),
    (r"x^{\rm T} A x", "x' A x"), (r"x^{\sf T} y", "x' y"), (r"x^{\bf 2}", "x^2"), (r"e^{\rm x}", "e^x"),
    (r"x_{\rm new}^{\rm T} x", "x_new' x"), (r"{\bf 1}^\top {\bf x}", r"\mathbf{1}^\top x"),  # switches in scripts
    (r"x^{\mkern-1.5mu\mathsf{T}} A x", "x' A x"), (r"x^{\scriptscriptstyle\top} x", "x' x"),  # transpose macros
    (r"\nicefrac{1}{2} x^\top x", "1/2 x' x"), (r"\mathds{1}^\top x", r"\mathbb{1}^\top x"),
    (r"\log\det(X)^{-1}", "log(det(X)^-1)"), (r"\log\det\left(\Sigma\right)^{1/2}", "log(det(Sigma)^(1/2))"),  # as plain
    (r"{\it x}^\top x", "x' x"),
    (r"\|X\|_{\mathrm{Fro}}^2", "||X||_F^2"),  # the Frobenius norm as papers spell its subscript
    (r"\|X\|_{Fro}", "||X||_F"),
    (r"\sigma^2_{n} + x^\top x", "sigma_n^2 + x' x"),  # the power written before the name's subscript
    (r"\begin{equation} x^\top A x \end{equation}", "x' A x"),
    (r"\begin{equation*} x^\top A x \end{equation*}", "x' A x"),
])
def test_latex_spellings_from_older_papers_read_as_their_plain_form(latex, plain):
    assert matcalc.parse(latex) == matcalc.parse(plain)


@pytest.mark.parametrize("text", ["logdet(X)^2", "1/logdet(X)", "log(1 + logdet(X)^2)", "logdet(X)^(1/2)"])
def test_matcalcs_latex_of_a_power_of_logdet_reads_back_as_itself(text):
    e = matcalc.parse(text)
    assert matcalc.parse(e.latex(), where=e.where) == e
    r = matcalc.grad(text, "X")
    assert agree(matcalc.parse(str(r), where=r.where), matcalc.parse(r.latex(), where=r.where))


@pytest.mark.parametrize("latex, plain", [(r"\frac{1e-3}{2}\|x\|^2", "x' x / 2000"), (r"1.5e2 x", "150 x"),
                                          (r"2e^{t}", "2 exp(t)")])
def test_a_number_in_scientific_notation_is_one_number_as_in_plain_text(latex, plain):
    assert str(matcalc.parse(latex, where="x: vector(n); t: scalar")) == plain  # 1e-3 was 1 e - 3, e a variable


@pytest.mark.parametrize("text", ["x .^ (A .^ 2 y)", "x .^ (y .^ 2)", "x .^ (y .^ 2 + 1)"])
def test_an_entrywise_power_inside_an_entrywise_exponent_reads_back(text):
    where = "x: vector(n); A: matrix(n,n); y: vector(n)"
    e = matcalc.parse(text, where=where)
    assert matcalc.parse(e.latex(), where=where).node is e.node  # A^{\circ 2} inside read as A^2


def test_an_unknown_operatorname_lists_only_the_functions_latex_accepts():
    with pytest.raises(matcalc.MatcalcError) as e:
        matcalc.parse(r"\operatorname{norm1}(x)")
    listed = str(e.value).split("the functions are")[1].split("(norms are written")[0]
    assert "norm1" not in listed and r"\|x\|_1" in str(e.value)


@pytest.mark.parametrize("text", [r"\alpha x^{circ}", r"\mathbf{x}^{circ 2}"])
def test_circ_without_its_backslash_in_a_superscript_is_refused_with_the_symbol_to_write(text):
    # it raised a bare StopIteration
    with pytest.raises(ParseError, match=re.escape(r"write ^{\circ k}")):
        matcalc.parse(text)


@pytest.mark.parametrize("text, reading", [(r"\Sigma^-1", "inv(Sigma)"), (r"\mathbf{X}^-T", "inv(X')"),
                                           (r"\|x\|^-1", "||x||^(-1)")])
def test_an_unbraced_negative_power_in_latex_reads_as_the_plain_text_does(text, reading):
    # refused: "unexpected '-'; expected ... '-' ... or '-'"
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, reading", [(r"\hat{y}", "y_hat"), (r"\|y - \hat{\mathbf{y}}\|^2", "||y - y_hat||^2"),
                                           (r"\tilde{X}", "X_tilde"), (r"\bar{x} + 1", "x_bar + 1")])
def test_an_accent_over_a_name_is_the_decorated_name_as_pasted_unicode_reads(text, reading):
    # \hat{y} was refused without saying what to write, while the pasted ŷ read as y_hat
    assert matcalc.parse(text).reading == reading


def test_an_accent_over_an_expression_is_refused_with_what_it_decorates():
    with pytest.raises(ParseError, match="decorates one name"):
        matcalc.parse(r"\overline{x + y}")


@pytest.mark.parametrize("text, name", [(r"\hat{w_1}", "w_hat1"), (r"\hat{y}_i", "y_hati")])
def test_an_accent_and_a_subscript_on_one_name_is_refused_with_a_one_word_name(text, name):
    # \hat{y}_i gave "unexpected 'y}_i'"; \hat{w_1} was told to name an expression
    with pytest.raises(ParseError, match=re.escape(f"name it in one word ({name}")):
        matcalc.parse(text)
    matcalc.parse(name)


@pytest.mark.parametrize("text, reading", [(r"\sum (x - y)^{\circ 2}", "sum((x - y).^2)"),
                                           (r"\sum\limits \left(x - y\right)^{\circ 2}", "sum((x - y).^2)"),
                                           (r"\frac{1}{2}\sum (x - y)^{\circ 2} + 1", "(1 / 2) sum((x - y).^2) + 1"),
                                           (r"\sum (y - Xw).^2", "sum((y - X w).^2)"),
                                           (r"\frac{1}{n}\sum\left(y - X\beta\right).^2", "(1 / n) sum((y - X beta).^2)")])
def test_sum_sign_takes_the_superscript_of_the_group_after_it(text, reading):
    # read sum(x - y).^2: the sum, raised
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", [r"\sum (x - y)^2", r"\sum(\mathbf{x}-\mathbf{y})^2",
                                  r"\sum \left(\mathbf{y} - X\mathbf{w}\right)^{2}"])
def test_sum_sign_before_a_squared_vector_group_gets_the_vector_power_advice(text):
    # read sum(x - y)^2, the square of the sum
    with pytest.raises(matcalc.MatcalcError, match=re.escape(".^ 2")):
        matcalc.parse(text, where="x, y: vector(n); X: matrix(n,m); w: vector(m)")


@pytest.mark.parametrize("text, reading", [(r"\sum x", "sum(x)"), (r"\sum (x - y)", "sum(x - y)"),
                                           (r"\sum (x - y) + 1", "sum(x - y) + 1")])
def test_sum_sign_without_a_power_reads_as_before(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, reading", [(r"\|M \odot UV^\top - X\|_F^2", "||M .* (U V') - X||_F^2"),
                                           (r"A \circ BC", "A .* (B C)"), (r"UV^\top \odot M", "(U V') .* M"),
                                           (r"A \odot B C \odot D", "(A .* (B C)) .* D"),
                                           (r"x^\top (A \circ B) x", "x' (A .* B) x"),
                                           (r"A \odot B + C", "A .* B + C")])
def test_hadamard_product_takes_the_juxtaposed_products_on_either_side(text, reading):
    # M \odot UV^\top read (M .* U) V', U forced to M's size
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, reading", [(r"A \odot B \cdot C", "(A .* B) * C"),
                                           (r"A \cdot B \odot C D", "(A * B) .* (C D)")])
def test_an_explicit_cdot_beside_a_hadamard_product_reads_left_to_right(text, reading):
    assert matcalc.parse(text).reading == reading


def test_a_product_after_a_division_before_a_hadamard_product_is_left_as_written():
    assert matcalc.parse(r"a / b C \odot D", where="a, b: scalar").reading == "((a / b) C) .* D"


@pytest.mark.parametrize("text, reading", [(r"\lvert\lvert x \rvert\rvert^2", "||x||^2"),
                                           (r"\left|\left| x - y \right|\right|^2", "||x - y||^2"),
                                           (r"\vert\vert w\vert\vert^2", "||w||^2"),
                                           (r"\lvert\lvert Ax-b\rvert\rvert^2", "||A x - b||^2")])
def test_doubled_bars_are_a_norm(text, reading):
    # read abs(abs(x))^2 with x a scalar (and |...| of a square matrix was refused for Ax - b)
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", [r"\lvert a\rvert\lvert b\rvert", r"\vert a\vert \vert b\vert",
                                  r"\left| a \right| \left| b \right|"])
def test_bars_closing_and_opening_side_by_side_are_two_absolute_values(text):
    assert matcalc.parse(text, where="a, b: scalar").reading == "abs(a) abs(b)"


@pytest.mark.parametrize("text, reading", [(r"\frac{\det A}{\det B}", "det(A) / det(B)"),
                                           (r"\frac{\operatorname{det}A}{\det B}", "det(A) / det(B)"),
                                           (r"\log\frac{\det\Sigma_2}{\det\Sigma_1}",
                                            "log(det(Sigma_2) / det(Sigma_1))")])
def test_a_quotient_of_determinants_is_not_the_derivative_notation(text, reading):
    # refused: "\frac{d}{dx} is the derivative" (the d of \det)
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", [r"\frac{d}{dx} x^3", r"\frac{df}{dx}"])
def test_leibniz_notation_is_still_refused(text):
    with pytest.raises(ParseError, match="is the derivative"):
        matcalc.parse(text)


@pytest.mark.parametrize("text", [r"\log\,|X|", r"\log \, |X|", r"\operatorname{log}|X|", r"\mathrm{log}|X|",
                                  r"\text{log}|X|", r"\ln|X|", r"\ln\,|X|", r"\log \mid X \mid", r"\log\lvert X\rvert"])
def test_bars_after_a_log_written_otherwise_are_the_determinant(text):
    # refused: "|...| of a square matrix has two readings" (\log\,|X|, \operatorname{log}|X|, ...)
    assert matcalc.parse(text).reading == matcalc.parse(r"\log|X|").reading == "log(det(X))"


@pytest.mark.parametrize("text, reading", [(r"\log\,|x|", "log(abs(x))"), (r"\operatorname{log}|W x|", "log(abs(W x))")])
def test_bars_after_a_log_written_otherwise_around_a_vector_are_its_absolute_value(text, reading):
    assert matcalc.parse(text).reading == reading


def test_a_lone_mid_is_still_an_unknown_command():
    with pytest.raises(ParseError, match=re.escape(r"unknown LaTeX command \mid")):
        matcalc.parse(r"p(x \mid y)")


def test_odot_power_is_the_entrywise_power():
    # refused: "\odot is a binary operator; here it has no left operand"
    assert matcalc.parse(r"X^{\odot 2}") == matcalc.parse(r"X^{\circ 2}") == matcalc.parse("X .^ 2")


@pytest.mark.parametrize("text", [r"\symbf{x}^\top A \symbf{x}", r"\bold{x}^\top A \bold{x}"])
def test_symbf_and_bold_are_bold_names(text):
    # refused: "unknown LaTeX command \symbf"
    assert matcalc.parse(text) == matcalc.parse(r"\mathbf{x}^\top A \mathbf{x}")


@pytest.mark.parametrize("latex", [r"\frac{\delta f}{\delta x}", r"\frac{\delta L}{\delta w}"])
def test_variational_derivative_notation_is_refused_as_the_derivative(latex):
    with pytest.raises(ParseError, match="is the derivative"):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex", [r"\sum x \odot y", r"-\sum y \odot \log(p)", r"\lambda \sum w \odot w",
                                   r"\log p \odot y"])
def test_a_bare_function_beside_a_hadamard_operator_is_refused_with_both_readings(latex):
    # grouping the run beside \odot read \sum x \odot y as sum(x) .* y, printed sum(x) y
    with pytest.raises(ParseError, match="has two readings"):
        matcalc.parse(latex)


def test_the_inverse_and_the_transpose_run_together_in_one_superscript_ask_for_the_inverse_transposed():
    with pytest.raises(matcalc.MatcalcError, match=re.escape(r"write X^{-\top}")):
        matcalc.parse(r"X^{-1\top}")


@pytest.mark.parametrize("latex, name", [(r"\log\pi_k", "pi_k"), (r"\pi_{k} x", "pi_k"), (r"\pi_1 + \pi_2", "pi_1")])
def test_a_subscripted_pi_is_a_name_not_the_constant(latex, name):
    assert f"{name}: scalar" in matcalc.parse(latex).inferred


def test_a_bare_pi_is_the_constant():
    assert matcalc.parse(r"\log(2\pi)").inferred == ""


@pytest.mark.parametrize("text", [r"||L\(x - mu)||^2", r"(A'A + lambda*eye(n))\(A'*b)"])
def test_a_backslash_parenthesis_after_an_operand_is_refused_as_matlabs_solve(text):
    with pytest.raises(matcalc.MatcalcError, match=re.escape("write A^-1 (b)")):
        matcalc.parse(text)


def test_inline_math_delimiters_around_a_formula_are_read_away():
    assert matcalc.parse(r"\(x^\top A x\)").reading == "x' A x"


def test_a_starred_name_is_the_optimum_a_name_of_its_own():
    assert matcalc.parse(r"(x - x^\star)^\top Q (x - x^\star)").inferred == "Q: matrix(n,n); x: vector(n); x_star: vector(n)"


def test_an_asterisk_superscript_says_it_is_the_adjoint_and_how_to_name_an_optimum():
    with pytest.raises(matcalc.MatcalcError, match=re.escape("(x_star)")):
        matcalc.parse(r"(x - x^*)^\top Q (x - x^*)")


@pytest.mark.parametrize("text", [r"A \(b - c)", r"L^{-1}\(x)"])
def test_a_spaced_or_braced_backslash_parenthesis_after_an_operand_is_refused_as_matlabs_solve(text):
    with pytest.raises(matcalc.MatcalcError, match="MATLAB's solve"):
        matcalc.parse(text)


def test_the_inverse_transposed_advice_names_the_base():
    with pytest.raises(matcalc.MatcalcError, match=re.escape(r"write A^{-\top}")):
        matcalc.parse(r"x^\top A^{-1\top} x")


@pytest.mark.parametrize("name", ["Eta2", "Prec2", "Lam1", "Lam_1"])
def test_a_declared_word_name_with_a_subscript_reads_back_from_the_latex_printer(name):
    r = matcalc.grad(f"x' {name} x", "x", where=f"{name}: matrix(n,n)")
    assert matcalc.parse(r.latex(), where=r.where) == r.expr


@pytest.mark.parametrize("latex", [r"\mathbf 1^T x", r"\mathbf 1^\top x"])
def test_an_unbraced_bold_one_is_the_vector_of_ones(latex):
    assert matcalc.parse(latex) == matcalc.parse(r"\mathbf{1}^\top x")


@pytest.mark.parametrize("latex", [r"\mathrm{E}[x]^\top \mathrm{E}[x]", r"\operatorname{E}\left[x^\top A x\right]",
                                   r"\mathrm{E}_{x}[x^\top x]", r"\mathrm{Var}(x)"])
def test_an_expectation_in_an_upright_e_is_refused_as_the_blackboard_one_is(latex):
    # \mathrm{E}[x]' \mathrm{E}[x] read E a scalar name times x, and the gradient was 2 E^2 x
    with pytest.raises(matcalc.ParseError, match="not part of the language"):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex", [r"E[x]^\top E[x]", r"E\left[x\right]^\top E\left[x\right]", r"\mathbf{E}[x]^\top\mathbf{E}[x]",
                                   r"{\rm E}[x]^\top {\rm E}[x]", r"\mathrm{E}\,[x]^\top \mathrm{E}\,[x]",
                                   r"\frac12 E[x-\mu]^\top E[x-\mu]"])
def test_an_expectation_in_any_font_before_a_bracket_is_refused(latex):
    # the italic E[x]' E[x] read E a name times x: its gradient was 2 E^2 x
    with pytest.raises(matcalc.ParseError, match="reads as an expectation"):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex, where, reading, kinds", [
    (r"\mathrm{E}_0 + x^\top x", None, "E_0 + x' x", "E_0: scalar; x: vector(n)"),
    (r"x^\top \mathrm{E}_{1} x", None, "x' E_1 x", "E_1: matrix(n,n); x: vector(n)"),
    (r"\mathrm{E}_{\text{pot}} + \mathrm{E}_{\text{kin}}", None, "E_pot + E_kin",
     "E_kin: matrix(m,n); E_pot: matrix(m,n)"),
    (r"E(x - y)", None, "E (x - y)", "E: matrix(m,n); x: vector(n); y: vector(n)"),
    (r"x^\top E x", None, "x' E x", "E: matrix(n,n); x: vector(n)"),
    (r"\mathrm{Var}(x - y)", "Var: scalar", "Var (x - y)", "Var: scalar; x: vector(n); y: vector(n)"),
])
def test_a_name_e_or_a_declared_var_still_reads(latex, where, reading, kinds):
    # (a subscripted or unbracketed E is a name, not an expectation; a declared Var is the name it declares)
    e = matcalc.parse(latex, where=where)
    assert (e.reading, e.inferred) == (reading, kinds)


def test_an_upright_e_is_eulers_number():
    # 2 pi e Sigma read e as a variable, and evaluate asked for its value
    e = matcalc.parse(r"\frac12\ln\det(2\pi \mathrm{e}\Sigma)", where="Sigma: matrix(n,n) spd")
    assert "exp(1)" in e.reading and "e:" not in e.inferred


def test_ell_beside_a_name_l_is_refused_as_one_name():
    # \ell x + l read l x + l: \ell and l were one variable
    with pytest.raises(matcalc.ParseError, match=r"\\ell is the name l here"):
        matcalc.parse(r"\ell x + l")


@pytest.mark.parametrize("latex, name", [(r"\frac12\mathbf{w}^2", "w"), (r"(\mathbf{y}-\hat{\mathbf{y}})^2", "y"),
                                         (r"\log(\mathbf{1}^\top e^{\mathbf{x}})", "x")])
def test_a_bold_name_read_as_a_scalar_is_refused(latex, name):
    # \frac12 \mathbf{w}^2 read w as a number: its gradient was w
    with pytest.raises(matcalc.ShapeError, match=f"{name} is written bold"):
        matcalc.parse(latex)


@pytest.mark.parametrize("latex, where, kinds", [
    (r"\mathbf{x}^\top\mathbf{x}", None, "x: vector(n)"),
    (r"\|\mathbf{y} - \mathbf{X}\boldsymbol\beta\|^2", None, "X: matrix(m,n); beta: vector(n); y: vector(m)"),
    (r"\mathbf{x}_i^\top \mathbf{w}", None, "w: vector(n); x_i: vector(n)"),
    (r"\frac12 \mathbf{w}^2", "w: scalar", "w: scalar"),
])
def test_a_bold_name_declared_or_read_as_an_array_reads(latex, where, kinds):
    # a bold name is an array unless declared otherwise: w declared a scalar is one, bold or not
    assert matcalc.parse(latex, where=where).inferred == kinds


@pytest.mark.parametrize("where, name", [(r"\hat{\Sigma}: matrix(n,n) spd", "Sigma_hat: matrix(n,n) spd"),
                                         (r"\bar{x}: vector(n)", "x_bar: vector(n)"),
                                         (r"\hat\Sigma: matrix(n,n) spd", "Sigma_hat: matrix(n,n) spd"),
                                         (r"\bar x: vector(n)", "x_bar: vector(n)")])
def test_an_accented_name_is_declared_as_the_formula_names_it(where, name):
    # '\hat{\Sigma}: ...' said "'hat{\Sigma}' is not a valid name"
    assert name in matcalc.parse(r"\bar{x}^\top x + \mathrm{tr}(\hat{\Sigma})", where=where).inferred


@pytest.mark.parametrize("where", ["A ∈ ℝⁿˣⁿ, A ≻ 0", r"A \succ 0", r"\Sigma \succeq 0"])
def test_a_definiteness_condition_in_a_declaration_is_refused_with_the_spd_property_to_write(where):
    with pytest.raises(matcalc.MatcalcError, match=r"declared with the property spd, e.g. '(A|Sigma): matrix\(n,n\) spd'"):
        matcalc.parse("logdet(A)", where=where)


@pytest.mark.parametrize("text", [r"x^\top A x, \quad x \in \mathbb{R}^n", r"\log\det A, A \succ 0"])
def test_a_declaration_pasted_into_the_formula_says_to_give_it_in_where(text):
    with pytest.raises(matcalc.MatcalcError, match="give the formula alone and the declaration in where="):
        matcalc.parse(text)


def test_a_size_named_as_a_declared_scalar_reads_back_from_the_latex_as_the_size():
    # -\mathit{N} \mathbf{1}_{n} read back as the scalar N: -0.7 where the gradient is -5 (N = 5 columns)
    r = matcalc.grad("sum(X - m ones(N)') + N", "m", where="X: matrix(n,N); m: vector(n); N: scalar")
    rng = np.random.default_rng(0)
    values = {"X": rng.standard_normal((3, 5)), "m": rng.standard_normal(3), "N": 0.7}
    back = matcalc.parse(r.expr.latex(), where=r.where).evaluate(values)
    assert np.allclose(back, r.evaluate(values)) and np.allclose(back, -5.0)


@pytest.mark.parametrize("f, wrt, where, kind", [("X'", "X", "X: matrix(m,n)", "jacobian"),
                                                 ("tr(X^2)", "X", "X: matrix(n,n)", "hessian"),
                                                 ("sum(sin(X)) K", "X", "X: matrix(m,n); K: matrix(k,k)", "jacobian")])
def test_the_latex_of_a_kronecker_form_with_the_commutation_matrix_reads_back(f, wrt, where, kind):
    # K_{m,n} without a backslash was read as plain text and refused; beside a variable K, refused as a subscript
    r = getattr(matcalc, kind)(f, wrt, where=where)
    latex = r.kron.latex()
    assert r"\mathrm{K}_{" in latex
    assert str(matcalc.parse(latex, where=r.where)) == str(r.kron)


@pytest.mark.parametrize("latex, reading", [
    (r"\ln|X| - \nu \ln|V| + \mathrm{tr}(V^{-1}X)", "log(det(X)) - nu log(det(V)) + tr(inv(V) X)"),
    (r"\frac{\nu-p-1}{2}\ln|\mathbf{X}| - \frac12\mathrm{tr}(\mathbf{V}^{-1}\mathbf{X}) - \frac{\nu}{2}\ln|\mathbf{V}|",
     "((nu - p - 1) / 2) log(det(X)) - (1 / 2) tr(inv(V) X) - (nu / 2) log(det(V))"),
])
def test_two_logs_of_bars_read_as_log_determinants_for_the_gradient_as_for_parse(latex, reading):
    # the Wishart log-density: parse read it, grad refused it as "two readings" (each bar was tried as a
    # determinant with the other an absolute value, a reading that does not fit)
    assert matcalc.grad(latex, "X").function.reading == reading


def test_a_two_component_mixture_with_determinant_bars_reads_and_checks():
    # |Sigma_k|^{-1/2} twice: refused three ways, the last advice naming abs(Sigma_1) .^ (-1/2)
    g = (r"\log\left(\pi_1|\Sigma_1|^{-1/2}e^{-\frac12(x-\mu_1)^\top\Sigma_1^{-1}(x-\mu_1)} + "
         r"\pi_2|\Sigma_2|^{-1/2}e^{-\frac12(x-\mu_2)^\top\Sigma_2^{-1}(x-\mu_2)}\right)")
    r = matcalc.grad(g, "x", where="x, mu_1, mu_2: vector(n); Sigma_1, Sigma_2: matrix(n,n) spd; pi_1, pi_2: scalar")
    assert "det(Sigma_1)^(-(1 / 2))" in r.function.reading and "det(Sigma_2)" in r.function.reading
    assert matcalc.check(r).ok


def test_two_readings_of_latex_quote_the_latex_as_typed():
    # the message quoted the translation, 'vector(1)'(a b)'
    with pytest.raises(matcalc.MatcalcError, match=r"^'\\mathbf\{1\}\^\\top \(a b\)' can be read two ways"):
        matcalc.parse(r"\mathbf{1}^\top (a b)")


@pytest.mark.parametrize("latex, reading", [(r"\log|w^\top x| - \nu\log|V|", "log(abs(w' x)) - nu log(det(V))"),
                                            (r"\log|w^\top x| + \log|V|", "log(abs(w' x)) + log(det(V))")])
def test_a_log_of_a_scalars_bars_is_its_absolute_value_beside_a_matrix_determinant(latex, reading):
    # both logged bars were taken as determinants at once, and the 1 x 1 one then refused the whole reading
    assert matcalc.parse(latex).reading == reading


@pytest.mark.parametrize("text, reading", [(r"\mathbf{1}^\top x", "ones(n)' x"),
                                           (r"\mathbf{1}^\top \exp(A\mathbf{x})", "ones(m)' exp(A x)")])
def test_an_open_sized_vector_of_ones_reads_as_ones_not_one_times_ones(text, reading):
    # the reading said (1 ones(n))' x
    e = matcalc.parse(text)
    assert e.reading == reading and matcalc.parse(reading).node is e.node


def test_two_latex_formulas_one_a_line_are_refused_as_plain_ones_are():
    # the LaTeX reader joined the lines: \frac12 \|Ax - b\|^2, a new line, \lambda \|x\|^2 read as their product
    with pytest.raises(matcalc.ParseError, match="two formulas, one a line"):
        matcalc.parse("\\frac{1}{2} \\|A x - b\\|^2\n\\lambda \\|x\\|^2")


@pytest.mark.parametrize("text, reading", [
    ("\\frac{1}{2} \\|A x - b\\|^2\n+ \\lambda \\|x\\|^2", "(1 / 2) (||A x - b||^2) + lambda (||x||^2)"),
    ("x^\\top\nA x", "x' A x"), ("\\mathbf{x}^\\top A\n\\mathbf{x}", "x' A x"),
    ("\\operatorname{tr}\\left(\nX^\\top A X\n\\right)", "tr(X' A X)")])
def test_a_latex_formula_that_goes_on_to_the_next_line_reads(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, where, inferred", [
    (r"\sqrt{x^\top x + \varepsilon}", "epsilon: scalar; x: vector(n)", "epsilon: scalar; x: vector(n)"),
    (r"\varphi^\top \Phi \varphi", "phi: vector(n)", "Phi: matrix(n,n); phi: vector(n)")])
def test_varepsilon_and_varphi_are_the_names_epsilon_and_phi_as_their_unicode_glyphs_are(text, where, inferred):
    # \varepsilon was a name varepsilon of its own: a declared epsilon went unused, silently
    assert matcalc.parse(text, where=where).inferred == inferred


def test_phi_and_varphi_in_one_formula_are_refused_as_one_name():
    with pytest.raises(matcalc.MatcalcError, match="both the name phi"):
        matcalc.parse(r"\phi + \varphi")


@pytest.mark.parametrize("text", [r"\mathbf X_{p\times n}' \mathbf X_{n\times p}", r"\log\det(X_{n \times n})"])
def test_a_size_written_as_a_subscript_is_refused_with_the_declaration(text):
    """X_{p x n} read a name X_ptimesn of its own: X_{p x n}' X_{n x p} had two unrelated matrices."""
    with pytest.raises(matcalc.MatcalcError, match=r"gives the size of X in its subscript.*where='X: "):
        matcalc.parse(text)


def test_the_identity_and_filled_matrices_still_take_their_size_from_a_subscript():
    assert matcalc.parse(r"I_{n \times n} + A").reading == "eye(n) + A"
    assert matcalc.parse(r"\mathbf{0}_{m \times n}").reading == "zeros(m, n)"


@pytest.mark.parametrize("text, reading", [
    (r"\| A − W H \|_{\text{F}}^2", "||A - W H||_F^2"),          # the minus sign U+2212
    (r"\frac{1}{2}x^TQx – x^Tb", "(1 / 2) x' Q x - x' b"),        # an en dash
    (r"\frac{1}{2}‖A x − b‖^2", "(1 / 2) (||A x - b||^2)"),       # the norm's double bar
    (r"\mathbf{x}ᵀ A \mathbf{x}", "x' A x"),                       # a superscript T
    (r"\log\det(X⁻¹) + \mathrm{tr}(X²)", "logdet(inv(X)) + tr(X^2)"),
    (r"\varepsilon^\top ε", "epsilon' epsilon"),                   # a Greek letter
    (r"x^\top A x × 2", "(x' A x) * 2"),
])
def test_unicode_mathematics_pasted_into_latex_reads_as_its_latex(text, reading):
    """Formulas copied from a web page mix LaTeX and Unicode: they were refused at the first
    Unicode character (unexpected '−')."""
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text, reading", [(r"\frac{<Ax,x>}{\|x\|}", "<A x, x> / ||x||"), (r"<x, y> + \alpha", "<x, y> + alpha")])
def test_plain_angle_brackets_in_latex_are_an_inner_product_as_langle_and_rangle_are(text, reading):
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("text", [r"\mbox{tr}(X^T A X)", r"\hbox{tr}(X^T A X)"])
def test_the_old_text_boxes_name_a_function_as_text_does(text):
    """\mbox{tr} (old course sheets) was an unknown command."""
    assert matcalc.parse(text).reading == "tr(X' A X)"


@pytest.mark.parametrize("text, reading", [(r"\mathrm{K}_m,", "K_m"), (r"\langle \mathrm{K}_n, X\rangle", "<K_n, X>")])
def test_an_upright_k_with_a_subscript_before_a_comma_is_a_name_not_the_commutation_matrix(text, reading):
    """Only K_{m,n} (the comma inside the braces) is the commutation matrix: K_m, raised a ValueError."""
    assert matcalc.parse(text).reading == reading


@pytest.mark.parametrize("latex, bars", [(r"\frac{x^\top y}{|x||y|}", "|x||y|"), (r"\frac{a}{|b| |c|}", "|b| |c|")])
def test_single_bars_run_together_are_refused_where_they_meet_with_the_norms_to_write(latex, bars):
    # it said: unmatched '}', at the end of the fraction
    with pytest.raises(ParseError, match=re.escape(f"'{bars}' reads its middle bars as one, a norm's")) as e:
        matcalc.parse(latex)
    assert e.value.column == latex.index(bars) + bars.index("|", 1) + 1


@pytest.mark.parametrize("text", [r"\frac12\ln|2\pi e\Sigma|", r"\ln|c\Sigma|"])
def test_a_small_letter_coefficient_inside_logged_bars_is_a_number_of_the_determinant(text):
    """The Gaussian's entropy, ½ ln|2πeΣ|, was refused as a matrix logarithm: e inside the bars, a number by
    the determinant reading, was held to be a vector by its look, so the entrywise reading was taken."""
    e = matcalc.parse(text, where="Sigma: matrix(n,n) spd")
    assert "log(det(" in e.reading


@pytest.mark.parametrize("text, name", [(r"\|x_{k-1} - A x_k\|^2", "x_km1"), (r"\log|P_{k|k-1}|", "P_kkm1"),
                                        (r"\hat{x}_{k|k-1}", "x_hatkkm1")])
def test_a_subscript_with_index_arithmetic_is_refused_suggesting_a_name_that_reads(text, name):
    """Kalman filters' x_{k-1} and P_{k|k-1}: the hat's suggestion was x_hatkabsk-1, no name at all."""
    with pytest.raises(matcalc.ParseError, match=re.escape(f"({name}")):
        matcalc.parse(text)
    assert matcalc.parse(name).variables


@pytest.mark.parametrize("text", [r"\log_2(1 + x^\top x)", r"\log_2\det(I + H H^\top)"])
def test_a_logarithm_to_another_base_is_refused_with_the_natural_one_divided(text):
    with pytest.raises(matcalc.ParseError, match="a logarithm to another base"):
        matcalc.parse(text)
