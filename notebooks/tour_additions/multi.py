"""Tour cells: several variables at once (appended after the existing tour; they use its
`np`, `matcalc`, `display` and `verify`)."""

CELLS = [
    ("markdown", r"""## Several variables at once

A model has several parameters. `matcalc.grad(f, ["W1", "b1", "W2", "b2"])` takes them all in one
call and returns one result with a gradient per variable, in that order. The terms the gradients
share (backpropagation's hidden layer and residual) are named once with `where`; `r["W1"]` is the
single-variable result, `r.evaluate(values)` a dict of arrays, and `matcalc.check(r)` checks every
gradient.

The loss of a 2-layer network over a batch, examples as the columns of $X$, the biases broadcast
over the batch by $b\,\mathbf{1}^\top$:
$f = \sum \big(W_2 \tanh(W_1 X + b_1 \mathbf{1}^\top) + b_2 \mathbf{1}^\top - Y\big)^{\circ 2}$."""),
    ("code", r"""net = "sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)"
params = ["W1", "b1", "W2", "b2"]
r = matcalc.grad(net, params)
print(r)
verify(r)
print("r['W2'] alone:", r["W2"])
r"""),
    ("markdown", r"""**Training with one compiled function.** `matcalc.compile(f, params, outputs=("value", "grad"))`
generates one NumPy function returning the loss and all four gradients, the hidden layer computed
once (its arguments are the variables sorted by name). A few steps of gradient descent on a toy
regression problem: the loss goes down."""),
    ("code", r"""step = matcalc.compile(net, params, outputs=("value", "grad"))
rng_net = np.random.default_rng(7)
n_in, n_hidden, n_out, N = 2, 8, 1, 64
Xtrain = rng_net.uniform(-2, 2, (n_in, N))
Ytrain = np.sin(Xtrain[:1]) * np.cos(Xtrain[1:])           # the function to learn
theta = {"W1": 0.5 * rng_net.standard_normal((n_hidden, n_in)), "b1": np.zeros(n_hidden),
         "W2": 0.5 * rng_net.standard_normal((n_out, n_hidden)), "b2": np.zeros(n_out)}
rate = 0.005
losses = []
for it in range(201):
    loss, grads = step(theta["W1"], theta["W2"], Xtrain, Ytrain, theta["b1"], theta["b2"])
    losses.append(loss)
    if it % 40 == 0:
        print(f"step {it:3d}: loss = {loss:.4f}")
    for name, g in zip(params, grads):
        theta[name] = theta[name] - rate * g
assert losses[-1] < 0.5 * losses[0]"""),
    ("markdown", r"""**A Newton step with the Hessian.** Logistic regression with labels $y_i = \pm 1$ and examples as
the columns of $X$: $f(w) = \sum_i \log\big(1 + \exp(-y_i\, x_i^\top w)\big)$. Its Hessian
$X \operatorname{diag}\big(\sigma(1 - \sigma)\big) X^\top$ comes out in closed form; one Newton step
$w \leftarrow w - H^{-1} \nabla f$ from $w = 0$ lowers the loss far more than a gradient step.
`matcalc.hessian(f, [...])` with a list of names gives the block Hessian, block $(A, B)$ at
`H[("A", "B")]` (a block that is zero prints as `0`); with the weights and an intercept $c$ it has
four blocks."""),
    ("code", r"""logreg = "sum(log(1 + exp(-y .* (X' w + c))))"
where = "X: matrix(d,N); y: vector(N); w: vector(d); c: scalar"
H = matcalc.hessian(logreg, ["w", "c"], where=where)
g = matcalc.grad(logreg, ["w", "c"], where=where)
print(H)
verify(H)
rng_lr = np.random.default_rng(3)
d, N = 3, 200
Xlr = rng_lr.standard_normal((d, N))
ylr = np.sign(Xlr.T @ np.array([2.0, -1.0, 0.5]) + 0.3 + 0.5 * rng_lr.standard_normal(N))
vals = {"X": Xlr, "y": ylr, "w": np.zeros(d), "c": 0.0}
loss_lr = matcalc.parse(logreg, where=where)
Hd, gd = H.dense(vals), np.concatenate([np.ravel(a) for a in g.evaluate(vals).values()])
newton = -np.linalg.solve(Hd, gd)
after = {**vals, "w": newton[:d], "c": float(newton[d])}
print(f"loss at w = 0: {loss_lr.evaluate(vals):.3f}; after one Newton step: {loss_lr.evaluate(after):.3f}")
assert loss_lr.evaluate(after) < 0.8 * loss_lr.evaluate(vals)
H"""),
]
