"""matcalc's LaTeX renders in KaTeX: a broad corpus, rendered in one node process.

The corpus: every seed case (the parsed expression and every form of its derivative:
`.latex()`, `._repr_latex_()`, `.differential`, `.kron`, `.bilinear`, `.forms()`, and for
scalar functions the Hessian-vector product and the differential), plus hand-written
expressions chosen to stress the printer (Greek and subscripted names, nested transposes
and inverses, elementwise operations, norms, where-bindings, rationals, long sums, ...).

KaTeX comes from $MATCALC_KATEX_DIR (tests/katex_render.js, run by latex_collector.render);
without it these tests skip, unless MATCALC_REQUIRE_KATEX=1.
"""
from __future__ import annotations

import contextlib
import io

import pytest

import latex_collector
import matcalc
from conftest import decl, load_cases
from matcalc.outputs.printing import LatexPrinter, latex_name, to_latex, to_latex_compact

CASES = load_cases()
COUNTS = {"seed": 1100, "tricky": 2000, "distinct": 750}  # lower bounds on the corpus (now 1373, 2474, 972)
FN = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def _result_forms(label: str, r) -> list:
    """(label, latex) for every LaTeX form of a result."""
    out = [(f"{label} .latex()", r.latex()), (f"{label} ._repr_latex_()", _undollar(r._repr_latex_())),
           (f"{label} .latex_label()", r.latex_label())]
    for attr in ("differential", "kron", "bilinear", "gradient", "unconstrained"):
        v = getattr(r, attr, None)
        if v is not None:
            out.append((f"{label} .{attr}.latex()", v.latex()))
    out.append((f"{label} .steps_latex()", r.steps_latex()))
    for key, v in r.forms().items():
        if key == "latex":
            out.append((f"{label} .forms()['latex']", v))
        elif isinstance(v, dict) and "latex" in v:
            out.append((f"{label} .forms()[{key!r}]['latex']", v["latex"]))
    return out


def _undollar(s: str) -> str:
    assert s.startswith("$$") and s.endswith("$$"), s
    return s[2:-2]


def _expression_forms(label: str, e) -> list:
    return [(f"{label} .latex()", e.latex()), (f"{label} ._repr_latex_()", _undollar(e._repr_latex_())),
            (f"{label} to_latex_compact", to_latex_compact(e.node))]


def seed_corpus() -> list:
    out = []
    for case in CASES:
        where = decl(case)
        label = f"seed {case['id']}: {case['expr']!r} wrt {case['wrt']}"
        if case.get("stretch"):
            try:
                e = matcalc.parse(case["expr"], where=where)
            except matcalc.MatcalcError:
                continue
            out += _expression_forms(label + " parse", e)
            continue
        e = matcalc.parse(case["expr"], where=where)
        out += _expression_forms(label + " parse", e)
        r = FN[case["kind"]](case["expr"], case["wrt"], where=where)
        out += _result_forms(f"{label} {case['kind']}", r)
        if case["kind"] == "jacobian":
            r = matcalc.jacobian(case["expr"], case["wrt"], where=where, layout="denominator")
            out += _result_forms(f"{label} jacobian(layout='denominator')", r)
        if e.is_scalar:
            out += _result_forms(f"{label} hvp", matcalc.hvp(case["expr"], case["wrt"], where=where))
            out += _result_forms(f"{label} differential",
                                 matcalc.differential(case["expr"], case["wrt"], where=where))
    return out


# (expression, declarations, variable, derivatives): g gradient, h Hessian, v hvp,
# d differential, j Jacobian; None: scalar -> "ghvd", otherwise "jd". Three entries leave
# out the Hessian, which the engine cannot compute yet (RecursionError in simplify for
# ||A x - b||_2 and logdet(X) + det(X); an internal ShapeError for sign(x)' x).
TRICKY = [
    # Greek names, subscripts, digits
    ("alpha x'x + beta ||x||^2", None, "x", None),
    ("lambda tr(X) + theta logdet(X)", "X: matrix(n,n) spd", "X", None),
    ("sigma tr(Sigma X) + tr(Lambda X Lambda) + omega' x", None, "X", None),
    ("Gamma_1 x + Delta_2 y", None, "x", None),
    ("x_2' A x_2", None, "x_2", None),
    ("theta_1' x + x_{10}' x", None, "x", None),
    ("tr(W_{12} X)", None, "X", None),
    ("tr(W_12 X) + tr(W_2 X')", None, "X", None),
    ("x1' A x1 + x2' x1", None, "x1", None),
    ("foo' A bar", "foo: vector(n); bar: vector(n)", "foo", None),
    ("tr(Foo' Foo)", "Foo: matrix(m,n)", "Foo", "gd"),
    ("dx' x", "dx: vector(n)", "x", None),  # a name that starts with d (undeclared, refused as a pasted differential)
    ("tr(X_1' X_1) + a_1' X_1 b_1", None, "X_1", "gd"),
    # nested transposes and inverses, matrix powers of transposes
    ("tr((A')^-1 X)", None, "X", None),
    ("tr(inv(inv(X)'))", None, "X", None),
    ("tr(X^-T A) + tr(X^{-T} B X^{-1})", None, "X", None),
    ("tr((X')^2 A)", None, "X", None),
    ("tr((X^T)^3)", None, "X", None),
    ("tr(((X')^-1)')", None, "X", None),
    ("tr(AX^2BX^-T)", None, "X", None),
    ("(A')^-1 x", None, "x", None),
    ("X^-1", None, "X", None),
    ("X^2 + X'", None, "X", None),
    ("(X')^-1 + (X^2)'", None, "X", None),
    # elementwise powers and division
    ("sum(X .^ 2)", None, "X", None),
    ("sum(x .^ 3) + sum(x .^ (1/2))", "x: vector(n) positive", "x", None),
    ("sum(A ./ X)", None, "X", None),
    ("sum(x ./ (1 + x .^ 2))", None, "x", None),
    ("x .* y ./ z", None, "x", None),
    ("X .* Y", None, "X", None),
    ("x .^ -1", None, "x", None),
    # norms
    ("||x||", None, "x", None),
    ("||A x - b||_2", None, "x", "gvd"),
    ("||X||_F^2", None, "X", None),
    ("||A X B - C||_F^2", None, "X", None),
    ("||X - Y||_F", None, "X", None),
    ("1/2 ||A x - b||^2 + lambda/2 ||x||^2", None, "x", None),
    ("(x'x)^(-1/2)", None, "x", None),
    ("(x'x)^(3/2)", None, "x", None),
    ("sqrt(x'x + 1)", None, "x", None),
    # where-bindings, softmax, sigmoid, abs, sign, diag, sum, logdet
    ("log(sum(exp(A x + b)))", None, "x", None),
    ("sum(softmax(W x))", None, "x", None),
    ("y' log(softmax(W x + b))", None, "W", None),
    ("p' p where p = softmax(A x)", None, "x", None),
    ("q' A q where q = sigmoid(B x)", None, "x", None),
    ("sum(sigmoid(A x))", None, "x", None),
    ("sigmoid(W x + b)", None, "W", None),
    ("sum(abs(x)) + sign(x)' x", None, "x", "gvd"),
    ("abs(A x)", None, "x", None),
    ("sum(diag(x) A)", None, "x", None),
    ("diag(x) y", None, "x", None),
    ("tr(diag(diag(X)))", None, "X", None),
    ("diag(X)' diag(X)", None, "X", None),
    ("sum(X)", None, "X", None),
    ("logdet(X) + det(X)", "X: matrix(n,n) spd", "X", "gd"),
    ("logdet(X' X)", "X: matrix(m,n)", "X", None),
    ("log(det(X))", None, "X", None),
    ("exp(x'x) + sin(a'x) + cos(b'x) + tan(c'x) + tanh(d'x) + log(e'x) + ln(f'x)", None, "x", None),
    ("tanh(W x)", None, "W", None),
    ("exp(A x)", None, "x", None),
    # ones, identities, broadcasting
    ("tr(I_n X)", "X: matrix(n,n)", "X", None),
    ("t I + X", None, "X", None),
    ("1 + exp(A x)", None, "x", None),
    ("X - 2", None, "X", None),
    ("(x'y) A", None, "x", None),
    # rationals, negative exponents, symbolic exponents
    ("1/2 x'x - 3/4 x'Ax + 2/3", None, "x", None),
    ("x^-2 + x^(1/3) - 5/7 x^3", "x: scalar positive", "x", None),
    ("(x'x)^-3", None, "x", None),
    ("(x'x)^(x'x)", None, "x", None),
    ("s^0.5 + s^2", "s: scalar positive", "s", None),
    ("x'Ax / (x'x)", None, "x", None),
    ("-x'x", None, "x", None),
    ("<X, Y> + <x, y>", None, "X", None),
    # declared properties
    ("tr(X' S X)", "S: matrix(n,n) symmetric; X: matrix(n,k)", "X", None),
    ("tr(S X)", "S: matrix(n,n); X: matrix(n,n) symmetric", "X", None),
    ("tr(D X)", "X: matrix(n,n) diagonal", "X", None),
    ("tr(Q' A Q)", "Q: matrix(n,n) orthogonal", "Q", None),
    ("x'(A + A')x", "A: matrix(n,n) symmetric", "x", None),
    # the layers ML uses: reductions over an index, logsumexp, softmax of a matrix, relu, powers, vec and kron
    ("sum(logsumexp(W X)) - sum(Y .* (W X))", "X: matrix(d,N); Y: matrix(k,N)", "W", None),
    ("-sum(Y .* log(softmax(W X)))", "X: matrix(d,N); Y: matrix(k,N)", "W", None),
    ("logsumexp(X, 2)' a + mean(X) + sum(X, 1) b", None, "X", None),
    ("sum(relu(W x) + softplus(W x) + log1p(exp(W x)))", None, "W", None),
    ("sum(x .^ y)", "x: vector(n) positive; y: vector(n)", "y", None),
    ("vec(X)' M vec(X) + sum(kron(A, X))", "X: matrix(m,n); A: matrix(p,q)", "X", None),
    ("||unvec(v, m, n) - A||_F^2", "A: matrix(m,n)", "v", None),
    # long sums
    ("tr(A X) + tr(B X) + tr(C X) + tr(D X') + x'Ax + tr(X X) + tr(X' X) + tr(E X^2) + tr(F X^3)"
     " + logdet(X) + tr(inv(X))", "x: vector(n)", "X", None),
    ("a'x + b'x + c'x + d'x + e'x + f'x + g'x + h'x + x'A x + x'B x + x'C x + x'D x"
     " + 1/2 x'x - 1/3 x'E x + 2/5 x'F x", None, "x", None),
]

# Names the printer maps to LaTeX (latex_name) and the printer classes called directly.
NAMES = ["x", "X", "alpha", "Sigma", "varepsilon", "x_2", "W_12", "W_{12}", "x1", "x10", "theta_1", "Gamma_ab",
         "dX", "dx", "dalpha", "dX_1", "foo", "foo12", "d", "dd", "n_X", "m_X"]


def _derivatives(expr: str, where, wrt: str, kinds, label: str) -> list:
    out = []
    fns = {"g": matcalc.grad, "h": matcalc.hessian, "v": matcalc.hvp, "d": matcalc.differential,
           "j": matcalc.jacobian}
    names = {"g": "gradient", "h": "hessian", "v": "hvp", "d": "differential", "j": "jacobian"}
    for k in kinds:
        r = fns[k](expr, wrt, where=where)
        out += _result_forms(f"{label} {names[k]}", r)
        if k == "j":
            r = matcalc.jacobian(expr, wrt, where=where, layout="denominator")
            out += _result_forms(f"{label} jacobian(layout='denominator')", r)
    return out


def tricky_corpus() -> list:
    out = []
    for expr, where, wrt, kinds in TRICKY:
        label = f"{expr!r}" + (f" [{where}]" if where else "") + f" wrt {wrt}"
        e = matcalc.parse(expr, where=where)
        out += _expression_forms(label + " parse", e)
        out.append((f"{label} LatexPrinter().doprint", LatexPrinter().doprint(e.node)))
        out.append((f"{label} to_latex", to_latex(e.node)))
        out += _derivatives(expr, where, wrt, kinds or ("ghvd" if e.is_scalar else "jd"), label)
    for n in NAMES:
        out.append((f"latex_name({n!r})", latex_name(n)))
    # the command line's LaTeX output (in-process), line by line after "label = "
    for argv in (["tr(AX^2BX^-T)", "--wrt", "X"], ["x'Ax", "--wrt", "x", "--hessian"],
                 ["log(sum(exp(A x + b)))", "--wrt", "x", "--hessian"], ["X^-1", "--wrt", "X"],
                 ["alpha_1 x_2'x_2", "--wrt", "x_2", "--hvp"]):
        from matcalc.cli import main
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            assert main(argv) == 0
        for line in buf.getvalue().splitlines():
            if line.startswith("% read as:"):  # a LaTeX comment: how the input was read (issue 13)
                continue
            out.append((f"cli {argv}: {line.split(' = ', 1)[0]}", line.split(" = ", 1)[1]))
    return out


# Subscripted matrix names (X_1) get dimension symbols m_X_1, n_X_1; the Kronecker forms
# print them raw in the commutation matrix K_{m_X_1,n_X_1}, or inside a product dimension
# I_{m_{X_1*n_X_1}}, and KaTeX stops on the double subscript.
SUBSCRIPTED_DIMENSIONS = [
    ("X_1'", None, "X_1", "j"),                      # K_{m_X_1,n_X_1}
    ("W_1 X_1'", None, "X_1", "j"),                  # ... K_{m_X_1,n_W_1}
    ("X_1' X_1", None, "X_1", "j"),
    ("X_12' A", None, "X_12", "j"),
    ("X_a'", None, "X_a", "j"),
    ("tr(X_1 X_1)", None, "X_1", "h"),               # 2 K_{m_X_1,m_X_1}
    ("tr(X_1' X_1)", None, "X_1", "h"),              # 2 I_{m_{X_1*n_X_1}}
    ("||X_1||_F^2", None, "X_1", "h"),
    ("X'", "X: matrix(n_x_1, k_2)", "X", "j"),      # declared dimension names with a second _
    ("tr(X' X)", "X: matrix(n_x_1, k_2)", "X", "jh"),
    ("X'", "X: matrix(n__, k)", "X", "j"),           # K_{n__,k}: Expected group after '_'
]


def subscripted_dimension_corpus() -> list:
    out = []
    for expr, where, wrt, kinds in SUBSCRIPTED_DIMENSIONS:
        label = f"{expr!r}" + (f" [{where}]" if where else "") + f" wrt {wrt}"
        out += _expression_forms(label + " parse", matcalc.parse(expr, where=where))
        out += _derivatives(expr, where, wrt, kinds, label)
    return out


def _render(corpus: list):
    try:
        return latex_collector.render([s for _, s in corpus])
    except latex_collector.KatexUnavailable as e:
        if latex_collector.katex_required():
            pytest.fail(f"KaTeX is required (MATCALC_REQUIRE_KATEX=1) but unavailable: {e}")
        pytest.skip(f"KaTeX unavailable: {e}")


def _failures(corpus: list, result, group=None) -> str:
    """The failing strings of a group, each with the call that produced it and KaTeX's message."""
    lines = []
    for i, err in result.failures:
        if group is None or corpus[i][0] == group:
            lines.append(f"{corpus[i][-2]}\n    {corpus[i][-1]}\n    KaTeX: {err}")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def rendered():
    """Seed and hand-written corpora, rendered together in one node process."""
    corpus = [("seed",) + x for x in seed_corpus()] + [("tricky",) + x for x in tricky_corpus()]
    result = _render([(label, s) for _, label, s in corpus])
    return corpus, result


def test_the_corpus_is_broad(rendered):
    corpus, result = rendered
    assert sum(1 for c in corpus if c[0] == "seed") >= COUNTS["seed"]
    assert sum(1 for c in corpus if c[0] == "tricky") >= COUNTS["tricky"]
    assert len({c[-1] for c in corpus}) >= COUNTS["distinct"]
    for needle in (r"\alpha", r"_{12}", r"\text{where }", r"\odot", r"\oslash", r"^{\circ", r"\right\|_F",
                   r"\operatorname{softmax}", r"\sigma", r"\left|", r"\operatorname{sign}", r"\operatorname{diag}",
                   r"\log\det", r"\mathbf{1}", r"I_{n}", r"\frac{1}{2}", r"-\top", r"\otimes", r"\mathrm{K}_{"):
        assert any(needle in c[-1] for c in corpus), needle


def test_katex_renders_every_seed_case(rendered):
    corpus, result = rendered
    assert not _failures(corpus, result, "seed"), _failures(corpus, result, "seed")


def test_katex_renders_the_hand_written_expressions(rendered):
    corpus, result = rendered
    assert not _failures(corpus, result, "tricky"), _failures(corpus, result, "tricky")


def test_katex_renders_kronecker_forms_with_subscripted_dimension_names():
    corpus = subscripted_dimension_corpus()
    result = _render(corpus)
    assert not result.failures, _failures(corpus, result)
