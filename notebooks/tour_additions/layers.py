"""Tour cells: the layers ML uses (run in order after the existing tour)."""

CELLS = [
    ("markdown", """## The layers ML uses

A batch holds its examples as the columns of `X`. `softmax` of a matrix normalizes each column,
`logsumexp` of a matrix reduces each column to one entry (a row), and `sum(X, 1)` / `sum(X, 2)`
add down the columns / along the rows, as MATLAB's `sum(X, dim)` does. Cross-entropy over a
batch, written with `logsumexp`, has the gradient every course derives by hand:"""),
    ("code", """import numpy as np
import matcalc

batch = "W: matrix(k,d); X: matrix(d,N); Y: matrix(k,N)"
ce = matcalc.grad("sum(logsumexp(W X)) - sum(Y .* (W X))", "W", where=batch)
print(ce)
print(matcalc.check(ce))"""),
    ("markdown", """`logsumexp` is evaluated shifted by each column's largest entry, so it never overflows, in
`.evaluate` and in generated code alike:"""),
    ("code", """loss = matcalc.compile("sum(logsumexp(W X)) - sum(Y .* (W X))", "W", where=batch)
rng = np.random.default_rng(0)
W, X = 300 * rng.standard_normal((3, 2)), rng.standard_normal((2, 8))
Y = np.eye(3)[:, rng.integers(0, 3, 8)]
value, g = loss(W, X, Y)
print(value, np.allclose(g, ce.evaluate(W=W, X=X, Y=Y)))"""),
    ("markdown", """A two-layer perceptron with its biases broadcast over the batch (`b ones(N)'`), and an
`l1` penalty, whose subgradient at 0 is 0 (`sign(0) = 0`):"""),
    ("code", """mlp = "||W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y||_F^2 + lambda norm1(b1)"
for p in ["W1", "b1", "W2", "b2"]:
    r = matcalc.grad(mlp, p)
    print(p, ":", r, "|", matcalc.check(r).ok)"""),
]
