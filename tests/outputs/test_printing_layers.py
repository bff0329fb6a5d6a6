"""Text and LaTeX of the layers ML uses: the text reads back (matcalc.parse) as the same
expression, for the expressions and for their derivatives; the LaTeX names each operation."""
import pytest

import matcalc

BATCH = "W: matrix(k,d); X: matrix(d,N); Y: matrix(k,N)"

EXPRESSIONS = [
    ("logsumexp(x)", ""), ("logsumexp(Z)", "Z: matrix(k,N)"), ("logsumexp(Z, 2)", "Z: matrix(k,N)"),
    ("softmax(Z)", "Z: matrix(k,N)"), ("softmax(Z, 2)", "Z: matrix(k,N)"), ("sum(X, 1)", "X: matrix(m,n)"),
    ("sum(X, 2)", "X: matrix(m,n)"), ("mean(X)", "X: matrix(m,n)"), ("mean(X, 1)", "X: matrix(m,n)"),
    ("mean(X, 2)", "X: matrix(m,n)"), ("x .^ y", "x, y: vector(n)"), ("(x .^ y)'", "x, y: vector(n)"),
    ("unvec(v, m, n)", "v: vector(m*n)"), ("kron(A, B)", "A: matrix(m,n); B: matrix(p,q)"),
    ("relu(x) + softplus(x) + log1p(x)", ""),
]


@pytest.mark.parametrize("text, where", EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_text_reads_back_as_the_same_expression(text, where):
    e = matcalc.parse(text, where=where or None)
    assert matcalc.parse(str(e), where=where or None) == e


DERIVATIVES = [
    ("logsumexp(A x)", "x", ""),
    ("sum(logsumexp(W X)) - sum(Y .* (W X))", "W", BATCH),
    ("-sum(Y .* log(softmax(W X)))", "W", BATCH),
    ("mean(X) + ||mean(X, 1)||^2", "X", "X: matrix(m,n)"),
    ("sum(X, 1) c + a' sum(X, 2)", "X", "X: matrix(m,n)"),
    ("logsumexp(Z, 2)' a", "Z", "Z: matrix(k,N)"),
    ("sum(x .^ y)", "y", "x: vector(n) positive; y: vector(n)"),
    ("sum(x .^ y)", "x", "x: vector(n) positive; y: vector(n)"),
    ("vec(X)' M vec(X)", "X", "X: matrix(m,n); M: matrix(m*n, m*n)"),
    ("tr(kron(A, B) C)", "A", "A: matrix(m,n); B: matrix(p,q); C: matrix(n*q, m*p)"),
    ("tr(kron(A, B) C)", "B", "A: matrix(m,n); B: matrix(p,q); C: matrix(n*q, m*p)"),
    ("sum(exp(unvec(v, m, n)) .* A)", "v", "A: matrix(m,n)"),
    ("||W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y||_F^2", "W1",
     "W1: matrix(h,d); W2: matrix(k,h); X: matrix(d,N); Y: matrix(k,N); b1: vector(h); b2: vector(k)"),
]


@pytest.mark.parametrize("text, wrt, where", DERIVATIVES, ids=[f"{t} wrt {v}" for t, v, _ in DERIVATIVES])
def test_gradient_text_reads_back_as_the_same_expression(text, wrt, where):
    r = matcalc.grad(text, wrt, where=where or None)
    assert matcalc.parse(str(r), where=where or None) == r.expr


@pytest.mark.parametrize("text, where, macro", [
    ("logsumexp(x)", "", r"\operatorname{logsumexp}"),
    ("softmax(Z)", "Z: matrix(k,N)", r"\operatorname{softmax}"),
    ("unvec(v, m, n)", "v: vector(m*n)", r"\operatorname{unvec}\left(v, m, n\right)"),
    ("kron(A, B)", "A: matrix(m,n); B: matrix(p,q)", r"\otimes"),
    ("x .^ y", "x, y: vector(n)", r"x^{\circ y}"),
    ("sum(X, 1)", "X: matrix(m,n)", r"\mathbf{1}^{\top} X"),
])
def test_latex_names_the_operation(text, where, macro):
    assert macro in matcalc.parse(text, where=where or None).latex()
