"""Tour cells: derivations step by step (appended after the existing tour)."""

CELLS = [
    ("markdown", """## Step by step: the derivation as it is taught

Every result can show its work. `r.steps` is the derivation: each line an equation `df = ...`
with the rule that produced it from the line before. A rule is applied where it happens, the rest
of the line is left alone, and the last line is the answer itself. In a notebook the steps render
as one aligned block; `print(r.steps)` gives the same as text.

The main worked example, `tr(A X^2 B X^-T)`: the product rule on `X^2`, the inverse rule on
`X^-T`, the cyclic property of the trace to move every `dX` to the right, `tr(A' dX) = <A, dX>`,
and reading the gradient off `df = <G, dX>`."""),
    ("code", """import matcalc

r = matcalc.grad("tr(AX^2BX^-T)", "X")
r.steps"""),
    ("code", """print(r.steps)"""),
    ("markdown", """Each step names its rule and evaluates: with values for the variables and for the
direction `dX`, every line gives the same number, `<G, dX>`."""),
    ("code", """import numpy as np

rng = np.random.default_rng(0)
vals = {name: rng.standard_normal((3, 3)) for name in ("A", "B", "dX")}
vals["X"] = rng.standard_normal((3, 3)) + 3 * np.eye(3)
for s in r.steps:
    print(f"{s.evaluate(vals): .10f}   {s.rule}")
print(f"{np.sum(r.evaluate(vals) * vals['dX']): .10f}   <G, dX>")"""),
    ("markdown", """More of the worked examples: `<S, X> - log det X`, a quadratic form, the log of one, and
`tr(X)`; the inner-product rule, the log-determinant rule, the transpose of a scalar, collecting terms."""),
    ("code", """matcalc.grad("<S, X> - log(det(X))", "X").steps"""),
    ("code", """matcalc.grad("1/2 <x, A x> - <b, x> + c", "x").steps"""),
    ("code", """matcalc.grad("log(<A x, x>)", "x").steps"""),
    ("code", """matcalc.grad("tr(X)", "X").steps"""),
    ("markdown", """For a symmetric variable the last step projects the gradient onto symmetric matrices,
`sym(G) = (G + G')/2`:"""),
    ("code", """matcalc.grad("log(det(X))", "X", where="X: matrix(n,n) spd").steps"""),
    ("markdown", """A Hessian: after `df = <G, dX>`, differentiate again with `dX` held fixed (X moving along
`V`) and read off `H[V]` from `d2f = <H[V], dX>`."""),
    ("code", """h = matcalc.hessian("log(det(X))", "X")
h.steps"""),
    ("code", """print(matcalc.hessian("1/3 ||x||^3", "x").steps)"""),
]
