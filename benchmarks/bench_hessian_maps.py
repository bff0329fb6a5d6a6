"""Matrix-variable Hessians and other linear maps: generated code against .evaluate() and
jax.jit(jax.hessian), side by side. Prints figures, asserts nothing.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_hessian_maps.py [--cases id,id] [--impls gen,eval,jax]
        [--max-seconds 120] [--corpus [--max-4way 30]]

Each implementation is warmed once (JAX compiles then) and timed as the best of up to 5 runs
within a few seconds; one run only when a call takes longer than --max-seconds / 4. A call
that would exceed --max-seconds is not repeated (its single time is printed). Single-threaded
BLAS, so the numbers compare algorithms rather than thread counts.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import argparse  # noqa: E402
import inspect  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import matcalc  # noqa: E402

# (id, kind, expression, wrt, declarations, n, JAX function of the named inputs)
CASES = [
    ("trAX2BXiT-20", "hessian", "tr(A X^2 B X^-T)", "X", "A: matrix(n,n); B: matrix(n,n); X: matrix(n,n)", 20,
     lambda jnp: lambda A, B, X: jnp.trace(A @ X @ X @ B @ jnp.linalg.inv(X).T)),
    ("trAX2BXiT-25", "hessian", "tr(A X^2 B X^-T)", "X", "A: matrix(n,n); B: matrix(n,n); X: matrix(n,n)", 25,
     lambda jnp: lambda A, B, X: jnp.trace(A @ X @ X @ B @ jnp.linalg.inv(X).T)),
    ("trX8A-30", "hessian", "tr(X^8 A)", "X", "A: matrix(n,n); X: matrix(n,n)", 30,
     lambda jnp: lambda A, X: jnp.trace(jnp.linalg.matrix_power(X, 8) @ A)),
    ("logdetXtAXB-30", "hessian", "log(det(X' A X + B))", "X", "A: matrix(n,n) spd; B: matrix(n,n) spd; X: matrix(n,n)",
     30, lambda jnp: lambda A, B, X: jnp.linalg.slogdet(X.T @ A @ X + B)[1]),
    ("net2-10", "hessian", "1/2 ||W2 sigmoid(W1 x) - y||^2", "W1",
     "W1: matrix(n,n); W2: matrix(n,n); x: vector(n); y: vector(n)", 10,
     lambda jnp: lambda W1, W2, x, y: 0.5 * jnp.sum((W2 @ (1 / (1 + jnp.exp(-(W1 @ x)))) - y) ** 2)),
    ("lse-hess-300", "hessian", "log(sum(exp(A x)))", "x", "A: matrix(m,n); x: vector(n)", 300,
     lambda jnp: lambda A, x: jnp.log(jnp.sum(jnp.exp(A @ x)))),
]
M_FOR = {"lse-hess-300": 3000}  # rows of A (m) where the case has them

# --corpus: every Hessian among the notes' exercises (tests/data/seed_cases.jsonl) and the
# matrix-variable cases above, at n = 10, 30, 100 (a matrix variable's n^4 array only up to
# --max-4way, 30 by default: 800 MB at n = 100)
SEED_JAX = {
    "ex03-hess": lambda jnp: lambda A, b, c, x: 0.5 * x @ A @ x + b @ x + c,
    "ex04-hess": lambda jnp: lambda x: -jnp.exp(-x @ x),
    "ex05-hess": lambda jnp: lambda A, b, x: 0.5 * jnp.sum((A @ x - b) ** 2),
    "ex08-hess": lambda jnp: lambda x: -1 / (1 + x @ x),
    "ex11": lambda jnp: lambda X: jnp.linalg.slogdet(X)[1],
    "ex12-hess": lambda jnp: lambda A, b, x: jnp.log(jnp.sum(jnp.exp(A @ x + b))),
    "ex20-hess": lambda jnp: lambda a, x: jnp.log(1 + jnp.exp(a @ x)),
    "ex21-hess": lambda jnp: lambda x: jnp.linalg.norm(x) ** 3 / 3,
    "ex24-hess": lambda jnp: lambda x: (x @ x) ** (x @ x),
    "ex25-hess": lambda jnp: lambda A, x: (A @ x) @ x / (x @ x),
    "ex26-hess": lambda jnp: lambda A, x: 0.5 * jnp.sum((A - jnp.outer(x, x)) ** 2),
    "ex28-hess": lambda jnp: lambda A, x, gamma, mu: gamma * jnp.sum(jnp.log(1 + jnp.exp(A @ x))) + mu / 2 * (x @ x),
    "ex30-d2": lambda jnp: lambda A, t: jnp.linalg.det(A - t * jnp.eye(A.shape[0])),
}


def corpus(max_4way: int) -> list:
    import json
    here = os.path.dirname(os.path.abspath(__file__))
    out = []
    with open(os.path.join(here, "..", "tests", "data", "seed_cases.jsonl")) as fh:
        seeds = [json.loads(line) for line in fh if line.strip()]
    for c in seeds:
        if c["kind"] != "hessian" or c["id"] not in SEED_JAX:
            continue
        where = "; ".join(f"{k}: " + {0: "scalar", 1: "vector", 2: "matrix"}[len(v["shape"])]
                          + (f"({','.join('n' for _ in v['shape'])})" if v["shape"] else "")
                          for k, v in c["vars"].items())
        matrix = len(c["vars"][c["wrt"]]["shape"]) == 2
        for n in (10, 30, 100):
            if not matrix or n <= max_4way:
                out.append((f"{c['id']}-{n}", "hessian", c["expr"], c["wrt"], where, n, SEED_JAX[c["id"]]))
    seen = set()
    for cid, kind, text, wrt, where, _, jf in CASES:
        if text in seen or wrt not in ("X", "W1"):
            continue
        seen.add(text)
        for n in (10, 30, 100):
            if n <= max_4way:
                out.append((f"{cid.rsplit('-', 1)[0]}-{n}", kind, text, wrt, where, n, jf))
    return out


def inputs(case, rng):
    cid, _, _, _, where, n, _ = case
    vals = {}
    for decl in where.split(";"):
        name, spec = (s.strip() for s in decl.split(":"))
        kind = spec.split("(")[0].strip()
        if kind == "scalar":
            vals[name] = float(rng.uniform(0.5, 1.5))
            continue
        dims = [d.strip() for d in spec.split("(")[1].split(")")[0].split(",")]
        size = [M_FOR.get(cid, n) if d == "m" else n for d in dims]
        if kind == "vector":
            vals[name] = rng.standard_normal(size[0]) / 3
        else:
            a = rng.standard_normal(size) / np.sqrt(size[1])
            if "spd" in spec:
                a = a @ a.T + np.eye(size[0])
            elif size[0] == size[1] and name == "X":
                a = a + 2 * np.eye(size[0])
            vals[name] = a
    return vals


def timeit(fn, max_seconds):
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    if first > max_seconds / 4:
        return first, out
    best = first
    spent = first
    for _ in range(5):
        if spent > 3.0:
            break
        t0 = time.perf_counter()
        fn()
        t = time.perf_counter() - t0
        best, spent = min(best, t), spent + t
    return best, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default="")
    ap.add_argument("--impls", default="gen,eval,jax")
    ap.add_argument("--max-seconds", type=float, default=120.0)
    ap.add_argument("--corpus", action="store_true", help="every seed Hessian and matrix case at n = 10, 30, 100")
    ap.add_argument("--max-4way", type=int, default=30, help="largest n for a matrix variable's n^4 array (--corpus)")
    args = ap.parse_args()
    impls = args.impls.split(",")
    pool = corpus(args.max_4way) if args.corpus else CASES
    chosen = [c for c in pool if not args.cases or c[0] in args.cases.split(",")]
    rows = []
    for case in chosen:
        cid, kind, text, wrt, where, n, jaxfn = case
        rng = np.random.default_rng(0)
        vals = inputs(case, rng)
        r = getattr(matcalc, kind)(text, wrt, where=where)
        row = {"id": cid, "n": n}
        ref = None
        if "gen" in impls:
            fn = r.to_numpy()
            names = list(inspect.signature(fn).parameters)
            fn(*[vals[p] for p in names])  # warm (LAPACK, caches)
            row["gen"], ref = timeit(lambda fn=fn, vals=vals, names=names: fn(*[vals[p] for p in names]), args.max_seconds)
        if "eval" in impls:
            row["eval"], out = timeit(lambda r=r, vals=vals: r.evaluate(vals), args.max_seconds)
            if ref is not None:
                row["err"] = float(np.max(np.abs(np.asarray(ref) - out)) / max(1e-300, np.max(np.abs(out))))
        if "jax" in impls:
            import jax
            jax.config.update("jax_enable_x64", True)
            import jax.numpy as jnp
            f = jaxfn(jnp)
            names = list(inspect.signature(f).parameters)
            argn = names.index(wrt)
            h = jax.jit(jax.hessian(f, argnums=argn))
            dev = [jnp.asarray(vals[p]) for p in names]
            h(*dev).block_until_ready()  # compile
            row["jax"], _ = timeit(lambda h=h, dev=dev: h(*dev).block_until_ready(), args.max_seconds)
        rows.append(row)
        print(_fmt(row, impls), flush=True)
    print()
    ratios = sorted(r["gen"] / r["jax"] for r in rows if r.get("gen") and r.get("jax"))
    if ratios:
        print(f"gen/jax: median {ratios[len(ratios) // 2]:.3g}x, worst {ratios[-1]:.3g}x over {len(ratios)} cases")
    print("| case | n | " + " | ".join(impls) + " | gen/eval | gen/jax | max rel. diff gen vs eval |")
    print("|---|---|" + "---|" * (len(impls) + 3))
    for row in rows:
        print(_fmt(row, impls, md=True))


def _fmt(row, impls, md=False):
    def s(t):
        return "-" if t is None else (f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s")
    cells = [row["id"], str(row["n"])] + [s(row.get(i)) for i in impls]
    g = row.get("gen")
    cells.append(f"{g / row['eval']:.3g}x" if g and row.get("eval") else "-")
    cells.append(f"{g / row['jax']:.3g}x" if g and row.get("jax") else "-")
    cells.append(f"{row['err']:.1e}" if "err" in row else "-")
    return ("| " + " | ".join(cells) + " |") if md else "  ".join(f"{c:>14}" for c in cells)


if __name__ == "__main__":
    main()
