"""Tour cells: SymPy out and in (appended to notebooks/tour.ipynb after its last cell).

Each code cell runs in order after the existing tour, whose first cell defines np, matcalc,
verify and compare; the cells make their own data and name it sp_..., leaving the tour's alone.
"""

CELLS = [
    ("markdown", r"""## SymPy out and in

A formula SymPy users already have goes straight to matcalc: `matcalc.from_sympy` reads a SymPy
matrix expression (`MatrixSymbol`s with symbolic dimensions, `Trace`, `Determinant`, `Inverse`,
`HadamardProduct`, elementwise functions, ...) node by node, and `r.to_sympy()` hands the answer
back as a SymPy matrix expression, to substitute into, print or generate code from. SymPy's own
`MatrixSymbol.diff` has no `log det`; matcalc does."""),
    ("code", r"""import sympy

sp_n = sympy.Symbol("n")
sp_X = sympy.MatrixSymbol("X", sp_n, sp_n)
sp_x, sp_A = sympy.MatrixSymbol("x", sp_n, 1), sympy.MatrixSymbol("A", sp_n, sp_n)

sp_f = sympy.log(sympy.Determinant(sp_X)) - sympy.Trace(sp_A * sp_X)
sp_r = matcalc.grad(matcalc.from_sympy(sp_f), "X")
print("matcalc:", sp_r)
print("SymPy:  ", sp_r.to_sympy())
verify(sp_r)
sp_r.to_sympy()"""),
    ("markdown", r"""SymPy writes a quadratic form as the entry of a 1 x 1 matrix, `(x.T*A*x)[0, 0]`, which it
expands into a sum over indices; matcalc reads it back as `x' A x`. Declarations that SymPy's
`MatrixSymbol` cannot carry (symmetric, spd) go in `where`. The answers are SymPy objects: SymPy
substitutes explicit matrices into them and computes the same numbers as matcalc."""),
    ("code", r"""sp_q = matcalc.from_sympy(sympy.exp(-(sp_x.T * sp_A * sp_x)[0, 0] / 2), where="A: matrix(n,n) spd")
print("read as:", sp_q, " with", sp_q.where)
sp_g = matcalc.grad(sp_q, "x")
print("grad =", sp_g, "  SymPy:", sp_g.to_sympy())
verify(sp_g)

sp_rng = np.random.default_rng(11)
sp_M = sp_rng.standard_normal((3, 3))
sp_vals = {"A": sp_M @ sp_M.T / 3 + np.eye(3), "x": sp_rng.standard_normal(3)}
sp_explicit = {sp_A: sympy.ImmutableMatrix(sp_vals["A"]), sp_x: sympy.ImmutableMatrix(sp_vals["x"]), sp_n: 3}
sp_by_sympy = np.array(sp_g.to_sympy().subs(sp_explicit).doit().evalf(), dtype=float).ravel()
compare("SymPy's numbers vs .evaluate", sp_by_sympy, sp_g.evaluate(sp_vals))"""),
    ("markdown", r"""Logistic regression's loss, written the way SymPy users write it: elementwise functions with
`applyfunc`, the loss a 1 x 1 matrix expression (matcalc reads a 1 x 1 matrix as a scalar). Its
gradient is the textbook $Z^\top(\sigma(Zw) - y)$, and its Hessian $Z^\top \operatorname{diag}(p \odot (1 - p)) Z$ with $p = \sigma(Zw)$."""),
    ("code", r"""sp_m = sympy.Symbol("m")
sp_Z, sp_w = sympy.MatrixSymbol("Z", sp_m, sp_n), sympy.MatrixSymbol("w", sp_n, 1)
sp_y = sympy.MatrixSymbol("y", sp_m, 1)
sp_p = (sp_Z * sp_w).applyfunc(lambda t: 1 / (1 + sympy.exp(-t)))
sp_ones = sympy.OneMatrix(sp_m, 1)
sp_loss = -(sp_y.T * sp_p.applyfunc(sympy.log) + (sp_ones - sp_y).T * (sp_ones - sp_p).applyfunc(sympy.log))
sp_lr = matcalc.grad(matcalc.from_sympy(sp_loss), "w")
print("grad =", sp_lr)
verify(sp_lr)
print("H =", matcalc.hessian(matcalc.from_sympy(sp_loss), "w"))"""),
    ("markdown", r"""A matrix Hessian is a linear map $V \mapsto H[V]$: `to_sympy()` gives it as a matrix expression
in $V$, `to_sympy("kron")` its Kronecker form. What SymPy can say but matcalc cannot (an explicit
matrix, an entry `X[0, 1]`, `sinh`) is refused by name."""),
    ("code", r"""sp_h = matcalc.hessian(matcalc.from_sympy(sympy.log(sympy.Determinant(sp_X))), "X")
print("H[V] =", sp_h.to_sympy())
print("kron:", sp_h.to_sympy("kron"))
for sp_bad in (sp_X[0, 1], sympy.sinh(sympy.Trace(sp_X))):
    try:
        matcalc.from_sympy(sp_bad)
    except matcalc.MatcalcError as err:
        print("refused:", err)"""),
]
