"""Several variables at once: one compiled value-and-gradients function against its peers.

    python benchmarks/bench_multi.py                 # n = 10, 100, 300 (about a minute on 2 cores)
    python benchmarks/bench_multi.py --sizes 10,100 --budget 0.5 --rounds 3

The loss of a 2-layer network over a batch (examples as columns), with respect to all four
parameters:

    f(W1, b1, W2, b2) = sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)

with n inputs, n hidden units, n outputs and a batch of N = n examples. Side by side, in one
process, each returning the value and the four gradients:

* several:    `matcalc.compile(f, ["W1", "b1", "W2", "b2"], outputs=("value", "grad"))`, one function;
* jax:        `jax.jit(jax.value_and_grad(f, argnums=(0, 1, 2, 3)))`, warm (compiled in the warm-up
              call), inputs on the device, `block_until_ready`;
* one by one: the single-variable compiled functions called in turn, value and gradient for W1
              (`compile(f, "W1", outputs=("value", "grad"))`), then the gradient alone for b1, W2
              and b2 (`compile(f, name, outputs=("grad",))`).

Everything is float64 on one thread, the process pinned to one core (as in bench_codegen.py). Each
implementation is checked against the compiled one first (relative max error <= 1e-8), then timed
in interleaved rounds; the figure is the median wall-clock time (and the median process CPU time).
The ratios are the peer's time over the several-variable function's: above 1 means matcalc is faster.
"""
import _one_core  # noqa: F401  (one thread, one core: before NumPy, JAX or PyTorch is imported)

import argparse  # noqa: E402

import numpy as np  # noqa: E402

from _common import header, median, ms, repeat  # noqa: E402

import matcalc  # noqa: E402

LOSS = "sum((W2 tanh(W1 X + b1 ones(N)') + b2 ones(N)' - Y).^2)"
PARAMS = ["W1", "b1", "W2", "b2"]


def inputs(n: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    s = 1 / np.sqrt(n)
    return {"W1": s * rng.standard_normal((n, n)), "b1": rng.standard_normal(n),
            "W2": s * rng.standard_normal((n, n)), "b2": rng.standard_normal(n),
            "X": rng.standard_normal((n, n)), "Y": rng.standard_normal((n, n))}


def build(backend_jax: bool):
    """The three implementations, each a function of the inputs' dict returning (value, grads)."""
    several = matcalc.compile(LOSS, PARAMS, outputs=("value", "grad"))
    first = matcalc.compile(LOSS, PARAMS[0], outputs=("value", "grad"))
    rest = [matcalc.compile(LOSS, name, outputs=("grad",)) for name in PARAMS[1:]]

    def call_several(v):
        return several(v["W1"], v["W2"], v["X"], v["Y"], v["b1"], v["b2"])

    def call_one_by_one(v):
        args = (v["W1"], v["W2"], v["X"], v["Y"], v["b1"], v["b2"])
        value, g1 = first(*args)
        return value, (g1,) + tuple(fn(*args) for fn in rest)

    impls = {"several": call_several, "one by one": call_one_by_one}
    if backend_jax:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def loss(W1, b1, W2, b2, X, Y):
            h = jnp.tanh(W1 @ X + b1[:, None])
            return jnp.sum((W2 @ h + b2[:, None] - Y) ** 2)
        vg = jax.jit(jax.value_and_grad(loss, argnums=(0, 1, 2, 3)))

        def call_jax(v):
            value, grads = vg(*v["_jax"])
            jax.block_until_ready(grads)
            return value, grads
        impls["jax"] = call_jax
    return impls


def close(got, ref) -> float:
    worst = abs(float(got[0]) - float(ref[0])) / max(1.0, abs(float(ref[0])))
    for g, r in zip(got[1], ref[1]):
        g, r = np.asarray(g), np.asarray(r)
        worst = max(worst, float(np.max(np.abs(g - r))) / max(1.0, float(np.max(np.abs(r)))))
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10,100,300")
    ap.add_argument("--budget", type=float, default=0.4, help="seconds per implementation, size and round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-jax", action="store_true")
    ap.add_argument("--all-cores", action="store_true", help="leave the process unpinned")
    args = ap.parse_args()
    header("bench_multi: value and all four gradients of a 2-layer network loss, one call")
    print(f"f = {LOSS}\nwith respect to {', '.join(PARAMS)}; n inputs = n hidden = n outputs = N examples\n")
    impls = build(not args.no_jax)
    names = list(impls)
    print(f"{'n':>5} " + " ".join(f"{k + ' ms':>14}" for k in names) + " " +
          " ".join(f"{k + ' / several':>20}" for k in names if k != "several") + "   (cpu ms: "
          + ", ".join(names) + ")")
    for n in [int(s) for s in args.sizes.split(",") if s]:
        v = inputs(n)
        if "jax" in impls:
            import jax.numpy as jnp
            v["_jax"] = tuple(jnp.asarray(v[k]) for k in PARAMS + ["X", "Y"])
        ref = impls["several"](v)
        for k, fn in impls.items():
            err = close(fn(v), ref)  # the warm-up call (JAX compiles here)
            if err > 1e-8:
                print(f"  n = {n}: {k} disagrees with the several-variable function (relative error {err:.1e})")
        wall = {k: [] for k in names}
        cpu = {k: [] for k in names}
        for _ in range(args.rounds):  # interleaved: drift in machine load hits every implementation alike
            for k in names:
                t = repeat(lambda fn=impls[k]: fn(v), budget=args.budget)
                wall[k] += list(t)
                cpu[k] += t.cpu
        med = {k: median(wall[k]) for k in names}
        ratios = [f"{med[k] / med['several']:>20.2f}" for k in names if k != "several"]
        print(f"{n:>5} " + " ".join(f"{ms(med[k]):>14}" for k in names) + " " + " ".join(ratios)
              + "   (" + ", ".join(ms(median(cpu[k])) for k in names) + ")")
    print("\nratios above 1: the several-variable compiled function is faster than that peer")


if __name__ == "__main__":
    main()
