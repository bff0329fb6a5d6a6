"""Tour cells: LaTeX input (appended to notebooks/tour.ipynb after its last cell).

Each code cell runs in order after the existing tour, whose first cell defines np, matcalc,
verify and compare; the cells make their own data.
"""

CELLS = [
    ("markdown", r"""## LaTeX in

matcalc reads LaTeX as it is written in papers and notes, and as it prints it: `\operatorname{tr}`,
`\log\det`, `\frac{1}{2}`, `\mathbf{x}^\top`, `\Sigma^{-1}`, `\|x\|_2^2`, `\langle X, Y\rangle`,
`\odot`, `\otimes`, Greek letters and subscripts. A formula pasted from a paper goes straight to
its gradient. The Gaussian log-likelihood, by its covariance (declared symmetric positive
definite, so the gradient is the symmetric one):
$$-\frac{1}{2}\log\det\Sigma - \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^\top\Sigma^{-1}(\mathbf{x}-\boldsymbol{\mu})$$"""),
    ("code", r"""loglik = (r"-\frac{1}{2}\log\det\Sigma - \frac{1}{2}(\mathbf{x}-\boldsymbol{\mu})^\top"
          r"\Sigma^{-1}(\mathbf{x}-\boldsymbol{\mu})")
gauss_where = "Sigma: matrix(n,n) spd; x: vector(n); mu: vector(n)"
r = matcalc.grad(loglik, r"\Sigma", where=gauss_where)
print("read as:", matcalc.parse(loglik, where=gauss_where).reading)
print("grad =", r)
verify(r)
# the textbook answer: (S^-1 (x - mu)(x - mu)' S^-1 - S^-1) / 2
tex_rng = np.random.default_rng(7)
G = tex_rng.standard_normal((4, 4))
S = G @ G.T / 4 + np.eye(4)
xs, mus = tex_rng.standard_normal(4), tex_rng.standard_normal(4)
S_inv = np.linalg.inv(S)
textbook = 0.5 * (S_inv @ np.outer(xs - mus, xs - mus) @ S_inv - S_inv)
compare("gradient vs textbook", r.evaluate({"Sigma": S, "x": xs, "mu": mus}), textbook)
r"""),
    ("markdown", r"""matcalc's own LaTeX reads back: a result's `.latex()` can be pasted into `matcalc.parse`
(here a ridge-regression gradient). Errors point into the LaTeX as typed, and ambiguous LaTeX is
refused with both readings: `\sigma(z)` is the logistic function in many papers and a scalar times
a group in others, so an undeclared `\sigma` before a parenthesis asks which one is meant."""),
    ("code", r"""ridge = matcalc.grad(r"\frac{1}{2}\|A\mathbf{x} - \mathbf{b}\|_2^2 + \frac{\lambda}{2}\|\mathbf{x}\|_2^2",
                     r"\mathbf{x}")
print(ridge.latex())
back = matcalc.parse(ridge.latex(), where=ridge.where)
print("reads back as:", back)
values = {"A": tex_rng.standard_normal((3, 4)), "b": tex_rng.standard_normal(3), "x": xs, "lambda": 0.5}
compare("read back vs result", back.evaluate(values), ridge.evaluate(values))
for bad in (r"\mathbf{1}^\top \log \sigma(X\mathbf{w})", r"\operatorname{tr}\left(X^\top A X"):
    try:
        matcalc.parse(bad)
    except matcalc.MatcalcError as e:
        print(e, end="\n\n")
logistic = matcalc.grad(r"\mathbf{1}^\top \log \operatorname{\sigma}(X\mathbf{w})", "w")
print("with \\operatorname{\\sigma}:", logistic)
verify(logistic)
logistic"""),
]
