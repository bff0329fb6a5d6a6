"""Generated-code benchmark: matcalc's NumPy functions against hand-written NumPy and AD peers.

    python benchmarks/bench_codegen.py            # the full run (about 10 minutes on 2 cores)
    python benchmarks/bench_codegen.py --quick    # n = 10, 100, short budgets (2-4 minutes)

Options: --sizes 10,100,1000   --hess4-sizes 10,100 (matrix-variable Hessians, dense 4-way arrays)
         --net-hess-sizes 10   --budget 0.15 (seconds per implementation and case)   --rounds 3
         --problems lsq,logreg,lse,logdet,trace,net   --seeds all|none|ex05-grad,ex12-hess,...
         --impls matcalc,hand,jax,torch,autograd   --out benchmarks/results/codegen.json

For each problem and size n, side by side in one process:

* matcalc: the generated gradient (`matcalc.grad(...).to_numpy()`), value and gradient together
  (`matcalc.compile(..., outputs=("value", "grad"))`) and the Hessian (`matcalc.hessian(...).to_numpy()`);
* hand:     a hand-written NumPy closed form (the textbook formula, written efficiently);
* jax:      jax.jit(jax.grad(f)), jax.jit(jax.value_and_grad(f)), jax.jit(jax.hessian(f)), inputs
            already on the device, block_until_ready;
* torch:    torch.func.grad(f), torch.func.grad_and_value(f), torch.func.hessian(f) (eager, no torch.compile);
* autograd: autograd.grad(f), autograd.value_and_grad(f), autograd.hessian(f).

The peers differentiate the plain NumPy-style transcription of f. Everything is float64 on one
thread (the thread variables are set below, before any import) and the process is pinned to one
core (XLA uses extra threads whatever its flags; --all-cores leaves it unpinned). Every implementation is checked
against matcalc's output before it is timed (relative max error <= 1e-6); disagreements are
reported and kept in the JSON. Timing: each implementation is called once to warm up (JAX
compiles there), then the implementations are timed in `--rounds` interleaved rounds (so drift in
machine load hits all of them alike), each call with time.perf_counter and the cyclic GC paused;
the figure is the median. Process CPU time is measured too, over batches of calls (it leaves out
time spent waiting for a core on a loaded machine). A call whose warm-up takes over HEAVY_S seconds is called
again; if that call too takes over HEAVY_S it is the first of two samples (over VERY_HEAVY_S, the
only one) and the call is not timed further. The warm-up call itself is never a sample (it pays
JAX's compilation, torch.func's first-use set-up, and for the 800 MB Hessians the first touch of
fresh memory).

Problems: least squares, logistic regression, log-sum-exp, log det X (matrix variable; Hessian the
4-way array), tr(A X B X') (matrix variable), a 2-layer network loss w.r.t. W1, and the seed
exercises in tests/data/seed_cases.jsonl whose function is a scalar (kind gradient or hessian) of
a vector or matrix variable, with every dimension set to n.
"""
import _one_core  # noqa: F401  (one thread, one core: before NumPy, JAX or PyTorch is imported)
import os  # noqa: E402
import sys  # noqa: E402

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import inspect  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import matcalc  # noqa: E402

try:
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
except ImportError:  # pragma: no cover - a peer may be missing
    jax = None
try:
    import torch
    import torch.func
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
except ImportError:  # pragma: no cover
    torch = None
try:
    import autograd
    import autograd.numpy as anp
except ImportError:  # pragma: no cover
    autograd = None

perf = time.perf_counter
cpu = time.process_time
IMPLS = ("matcalc", "hand", "jax", "torch", "autograd")
PEERS = ("jax", "torch", "autograd")
OUTPUTS = ("grad", "value_grad", "hessian")
TOL = 1e-6
HEAVY_S = 0.5
VERY_HEAVY_S = 2.0


# ---------------------------------------------------------------- array namespaces for the peers
class _TorchNP:
    """The NumPy names the problem transcriptions use, on torch tensors (float64)."""

    def __init__(self):
        t = torch
        self.sum, self.exp, self.log, self.sqrt = t.sum, t.exp, t.log, t.sqrt
        self.cos, self.sin, self.abs, self.tanh, self.trace = t.cos, t.sin, t.abs, t.tanh, t.trace
        self.outer, self.diag = t.outer, t.diag
        self.linalg = type("linalg", (), {})()
        self.linalg.norm = t.linalg.norm
        self.linalg.det = t.linalg.det
        self.linalg.inv = t.linalg.inv
        self.linalg.slogdet = t.linalg.slogdet

    @staticmethod
    def eye(n):
        return torch.eye(n, dtype=torch.float64)


def namespaces() -> dict:
    ns = {"numpy": np}
    if jax is not None:
        ns["jax"] = jnp
    if torch is not None:
        ns["torch"] = _TorchNP()
    if autograd is not None:
        ns["autograd"] = anp
    return ns


def sig(xp, z):
    return 1.0 / (1.0 + xp.exp(-z))


def _np_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


# ---------------------------------------------------------------- inputs
def rand_inputs(vars_: dict, n: int, rng) -> dict:
    """Inputs for a seed case's variables (every dimension symbol is n).

    Moderate magnitudes at every n: a vector has entries N(0,1)/sqrt(len), so x'x ~ 1; a
    non-square matrix N(0,1)/sqrt(cols); a square one I + 0.5 N(0,1)/sqrt(n) (eigenvalues in a disk
    of radius ~0.5 around 1: invertible, det > 0, no overflow of det at n = 1000); spd: G G'/n + I;
    symmetric: the symmetric part; positive: uniform(0.5, 1.5); a scalar uniform(0.5, 1.5).
    """
    vals = {}
    for name, spec in sorted(vars_.items()):
        shape = tuple(d if isinstance(d, int) else n for d in spec["shape"])
        props = set(spec.get("props", []))
        if not shape:
            vals[name] = float(rng.uniform(0.5, 1.5))
        elif "positive" in props:
            vals[name] = rng.uniform(0.5, 1.5, shape)
        elif len(shape) == 1:
            vals[name] = rng.standard_normal(shape) / math.sqrt(shape[0])
        elif "spd" in props:
            g = rng.standard_normal(shape)
            vals[name] = g @ g.T / shape[0] + np.eye(shape[0])
        elif shape[0] == shape[1]:
            x = np.eye(shape[0]) + 0.5 * rng.standard_normal(shape) / math.sqrt(shape[0])
            if "symmetric" in props:
                x = (x + x.T) / 2
            vals[name] = x
        else:
            vals[name] = rng.standard_normal(shape) / math.sqrt(shape[1])
    return vals


# ---------------------------------------------------------------- problems
@dataclass
class Problem:
    id: str
    title: str
    expr: str
    wrt: str
    where: str
    inputs: object                  # (n, rng) -> dict
    f: object                       # xp -> function of the variables by keyword (the peers' transcription)
    hand: dict                      # output -> function of the variables by keyword
    group: str = "problem"
    outputs: tuple = OUTPUTS
    hess_sizes: tuple | None = None  # sizes at which the Hessian is timed (None: all)
    matrix_var: bool = False
    note: str = ""
    hand_note: str = ""
    peer_max_n: dict = field(default_factory=dict)  # output -> largest n at which the AD peers are run
    extra: dict = field(default_factory=dict)


def _lsq_inputs(n, rng):
    return {"A": rng.standard_normal((2 * n, n)) / math.sqrt(n), "b": rng.standard_normal(2 * n),
            "x": rng.standard_normal(n)}


def _logreg_inputs(n, rng):
    return {"A": rng.standard_normal((2 * n, n)) / math.sqrt(n), "x": rng.standard_normal(n),
            "y": (rng.uniform(size=2 * n) < 0.5).astype(float), "mu": 0.1}


def _lse_inputs(n, rng):
    return {"A": rng.standard_normal((2 * n, n)) / math.sqrt(n), "b": rng.standard_normal(2 * n),
            "x": rng.standard_normal(n)}


def _logdet_inputs(n, rng):
    return {"X": np.eye(n) + 0.5 * rng.standard_normal((n, n)) / math.sqrt(n)}


def _trace_inputs(n, rng):
    return {"A": rng.standard_normal((n, n)) / math.sqrt(n), "B": rng.standard_normal((n, n)) / math.sqrt(n),
            "X": rng.standard_normal((n, n)) / math.sqrt(n)}


def _net_inputs(n, rng):
    return {"W1": rng.standard_normal((n, n)) / math.sqrt(n), "W2": rng.standard_normal((n, n)) / math.sqrt(n),
            "x": rng.standard_normal(n), "y": rng.standard_normal(n)}


# hand-written closed forms ---------------------------------------------------------------
def lsq_grad(A, b, x):
    return A.T @ (A @ x - b)


def lsq_vg(A, b, x):
    r = A @ x - b
    return 0.5 * (r @ r), A.T @ r


def lsq_hess(A, b, x):
    return A.T @ A


def logreg_grad(A, mu, x, y):
    return A.T @ (_np_sigmoid(A @ x) - y) + mu * x


def logreg_vg(A, mu, x, y):
    z = A @ x
    return np.sum(np.log1p(np.exp(z))) - y @ z + 0.5 * mu * (x @ x), A.T @ (_np_sigmoid(z) - y) + mu * x


def logreg_hess(A, mu, x, y):
    s = _np_sigmoid(A @ x)
    H = A.T @ ((s * (1 - s))[:, None] * A)
    H.flat[::H.shape[0] + 1] += mu
    return H


def lse_grad(A, b, x):
    return A.T @ _softmax(A @ x + b)


def lse_vg(A, b, x):
    z = A @ x + b
    zm = z.max()
    e = np.exp(z - zm)
    s = e.sum()
    return math.log(s) + zm, A.T @ (e / s)


def lse_hess(A, b, x):
    p = _softmax(A @ x + b)
    g = A.T @ p
    return A.T @ (p[:, None] * A) - np.outer(g, g)


def logdet_grad(X):
    return np.linalg.inv(X).T


def logdet_vg(X):
    return np.linalg.slogdet(X)[1], np.linalg.inv(X).T


def logdet_hess(X):
    # H[i,j,k,l] = -Xi[l,i] Xi[j,k]  (the broadcast form of -einsum('li,jk->ijkl', Xi, Xi))
    Xi = np.linalg.inv(X)
    return -(Xi.T[:, None, None, :] * Xi[None, :, :, None])


def trace_grad(A, B, X):
    return A @ X @ B + A.T @ X @ B.T


def trace_vg(A, B, X):
    P = A @ X @ B
    return np.sum(P * X), P + A.T @ X @ B.T


def trace_hess(A, B, X):
    # H[i,j,k,l] = A[i,k] B[l,j] + A[k,i] B[j,l]
    return A[:, None, :, None] * B.T[None, :, None, :] + A.T[:, None, :, None] * B[None, :, None, :]


def net_grad(W1, W2, x, y):
    s = _np_sigmoid(W1 @ x)
    return np.outer((W2.T @ (W2 @ s - y)) * s * (1 - s), x)


def net_vg(W1, W2, x, y):
    s = _np_sigmoid(W1 @ x)
    r = W2 @ s - y
    return 0.5 * (r @ r), np.outer((W2.T @ r) * s * (1 - s), x)


def net_hess(W1, W2, x, y):
    # H[i,j,k,l] = x_j x_l (s'_i (W2'W2)_ik s'_k + delta_ik (W2'r)_i s''_i),  s' = s(1-s), s'' = s'(1-2s)
    s = _np_sigmoid(W1 @ x)
    r = W2 @ s - y
    d1 = s * (1 - s)
    M = d1[:, None] * (W2.T @ W2) * d1[None, :]
    M.flat[::M.shape[0] + 1] += (W2.T @ r) * d1 * (1 - 2 * s)
    return M[:, None, :, None] * np.outer(x, x)[None, :, None, :]


MAIN = [
    Problem("lsq", "least squares", "1/2 ||A x - b||^2", "x", "A: matrix(m,n); b: vector(m); x: vector(n)",
            _lsq_inputs, lambda xp: (lambda A, b, x: 0.5 * xp.sum((A @ x - b) ** 2)),
            {"grad": lsq_grad, "value_grad": lsq_vg, "hessian": lsq_hess}, note="A is 2n x n"),
    Problem("logreg", "logistic regression", "sum(log(1 + exp(A x))) - y' A x + mu/2 ||x||^2", "x",
            "A: matrix(m,n); y: vector(m); x: vector(n); mu: scalar", _logreg_inputs,
            lambda xp: (lambda A, mu, x, y: xp.sum(xp.log(1 + xp.exp(A @ x))) - y @ (A @ x) + mu / 2 * (x @ x)),
            {"grad": logreg_grad, "value_grad": logreg_vg, "hessian": logreg_hess}, note="A is 2n x n, y in {0,1}"),
    Problem("lse", "log-sum-exp", "log(sum(exp(A x + b)))", "x", "A: matrix(m,n); b: vector(m); x: vector(n)",
            _lse_inputs, lambda xp: (lambda A, b, x: xp.log(xp.sum(xp.exp(A @ x + b)))),
            {"grad": lse_grad, "value_grad": lse_vg, "hessian": lse_hess}, note="A is 2n x n"),
    Problem("logdet", "log det X", "log(det(X))", "X", "X: matrix(n,n) invertible", _logdet_inputs,
            lambda xp: (lambda X: xp.linalg.slogdet(X)[1]),
            {"grad": logdet_grad, "value_grad": logdet_vg, "hessian": logdet_hess}, matrix_var=True,
            note="Hessian: the n^4 array"),
    Problem("trace", "tr(A X B X')", "tr(A X B X')", "X", "A: matrix(n,n); B: matrix(n,n); X: matrix(n,n)",
            _trace_inputs, lambda xp: (lambda A, B, X: xp.trace(A @ X @ B @ X.T)),
            {"grad": trace_grad, "value_grad": trace_vg, "hessian": trace_hess}, matrix_var=True,
            note="Hessian: the n^4 array"),
    Problem("net", "2-layer network", "1/2 ||W2 sigmoid(W1 x) - y||^2", "W1",
            "W1: matrix(h,n); W2: matrix(k,h); x: vector(n); y: vector(k)", _net_inputs,
            lambda xp: (lambda W1, W2, x, y: 0.5 * xp.sum((W2 @ sig(xp, W1 @ x) - y) ** 2)),
            {"grad": net_grad, "value_grad": net_vg, "hessian": net_hess}, matrix_var=True,
            note="W1, W2 n x n; Hessian (n^4 array) at small n only"),
]


# ---------------------------------------------------------------- the seed exercises (tests/data/seed_cases.jsonl)
# The hand-written form is the case's own `expected_numpy` (the textbook formula), except where
# that transcription is needlessly slow (an explicit diag(p), a repeated inverse, (2 A) @ x, a
# chain multiplied left to right through an n x n product): those are rewritten here the way a
# careful person would write them. Each is checked against matcalc before timing.
SEED_HAND = {
    "ex03-grad": lambda A, b, c, x: 0.5 * (A @ x + x @ A) + b,
    "ex-quad-b": lambda A, b, c, x: 0.5 * (A @ x + x @ A) - b,
    "ex07": lambda A, x: (lambda u: A.T @ u / np.linalg.norm(u))(A @ x),
    "ex09": lambda A, x: (lambda u: 2 * u / (x @ u))(A @ x),
    "ex19": lambda A, x: (lambda u: 2 * u / (x @ u))(A @ x),
    "ex-lnquad": lambda A, x: (lambda u, v: (u + v) / (x @ u))(A @ x, x @ A),
    "id-xBx": lambda B, x: B @ x + x @ B,
    "ex11": lambda X: logdet_hess(X),
    "ex12-grad": lambda A, b, x: A.T @ _softmax(A @ x + b),
    "ex12-hess": lambda A, b, x: lse_hess(A, b, x),
    "ex22": lambda A, X, B: (lambda R: A.T @ R / np.linalg.norm(R))(A @ X - B),
    "ex23-W": lambda W, b, x, t, **k: (lambda s: np.outer((s - t) * s * (1 - s), x) + k["lambda"] * W)(
        _np_sigmoid(W @ x + b)),
    "ex23-b": lambda W, b, x, t, **k: (lambda s: (s - t) * s * (1 - s))(_np_sigmoid(W @ x + b)),
    "ex25-grad": lambda A, x: (lambda u, s: 2 * (u - (x @ u) / s * x) / s)(A @ x, x @ x),
    "ex25-hess": lambda A, x: _rayleigh_hess(A, x),
    "ex26-grad": lambda A, x: 2 * ((x @ x) * x - A @ x),
    "ex28-grad": lambda A, x, gamma, mu: gamma * (A.T @ _np_sigmoid(A @ x)) + mu * x,
    "ex28-hess": lambda A, x, gamma, mu: _logreg_seed_hess(A, x, gamma, mu),
    "ex29-trinv": lambda X: (lambda Xi: -(Xi @ Xi).T)(np.linalg.inv(X)),
    "ex30-d2": lambda A, t: (lambda Bm: (lambda Bi: np.linalg.det(Bm) * (np.trace(Bi) ** 2 - np.sum(Bi * Bi.T)))(
        np.linalg.inv(Bm)))(A - t * np.eye(A.shape[0])),
    "ex31": lambda A, B, X: _ex31(A, B, X),
    "id-aXinvb": lambda a, b, X: -np.outer(np.linalg.solve(X.T, a), np.linalg.solve(X, b)),
    "id-xAsW": lambda x, A, s, W: -2 * (A.T @ (W @ (x - A @ s))),
}


# det(A - t I) with A = I + noise and t in (0.5, 1.5) is ~1e-300 at n = 1000 (denormal: JAX
# flushes it to 0 and its Hessian to nan): shift A by t so that A - t I = I + noise.
SEED_INPUTS = {"ex30-d1": lambda v: {**v, "A": v["A"] + v["t"] * np.eye(len(v["A"]))},
               "ex30-d2": lambda v: {**v, "A": v["A"] + v["t"] * np.eye(len(v["A"]))}}

# The AD peers' Hessians vectorize over n tangent directions; where f builds an n x n matrix from
# the variable (x x'), that is an n^3 array (8 GB at n = 1000) per intermediate: not run there.
SEED_PEER_MAX_N = {"ex26-hess": {"hessian": 100}}


def _rayleigh_hess(A, x):
    s = x @ x
    u = A @ x
    r = (x @ u) / s
    g = 2 * (u - r * x) / s
    H = 2 * A / s - 2 * (np.outer(x, g) + np.outer(g, x)) / s
    H.flat[::H.shape[0] + 1] -= 2 * r / s
    return H


def _logreg_seed_hess(A, x, gamma, mu):
    s = _np_sigmoid(A @ x)
    H = gamma * (A.T @ ((s * (1 - s))[:, None] * A))
    H.flat[::H.shape[0] + 1] += mu
    return H


def _ex31(A, B, X):
    Xi = np.linalg.inv(X)
    P = A.T @ Xi @ B.T
    return P @ X.T + X.T @ P - Xi.T @ (A @ (X @ X) @ B) @ Xi.T


def load_seed_problems(selected) -> list:
    from_path = os.path.join(ROOT, "tests", "data", "seed_cases.jsonl")
    with open(from_path) as fh:
        cases = [json.loads(line) for line in fh if line.strip()]
    out = []
    for c in cases:
        if c["kind"] not in ("gradient", "hessian"):
            continue
        shapes = [v["shape"] for v in c["vars"].values()]
        if not c["vars"][c["wrt"]]["shape"] and all(not s for s in shapes):
            continue  # only scalars: nothing depends on n
        if selected is not None and c["id"] not in selected:
            continue
        where = decl(c)
        hand = SEED_HAND.get(c["id"])
        hand_note = "rewritten" if hand is not None else "notes' expected_numpy"
        if hand is None and c.get("expected_numpy"):
            hand = eval(c["expected_numpy"], {"np": np, "math": math})  # noqa: S307 - trusted test data
        out_name = "grad" if c["kind"] == "gradient" else "hessian"
        matrix_var = len(c["vars"][c["wrt"]]["shape"]) == 2
        src = c["numpy_f"]

        def make_f(xp, src=src):
            return eval(src, {"np": xp, "math": math})  # noqa: S307 - trusted test data

        vars_ = c["vars"]
        tweak = SEED_INPUTS.get(c["id"])

        def inputs(n, rng, vars_=vars_, tweak=tweak):
            vals = rand_inputs(vars_, n, rng)
            return tweak(vals) if tweak else vals

        out.append(Problem(
            "seed:" + c["id"], c["source"], c["expr"], c["wrt"], where,
            inputs, make_f,
            {out_name: hand} if hand is not None else {}, group="seed", outputs=(out_name,),
            hess_sizes=(10,) if (out_name == "hessian" and matrix_var) else None, matrix_var=matrix_var,
            peer_max_n=SEED_PEER_MAX_N.get(c["id"], {}),
            hand_note=hand_note, note=("every dimension is n" + ("; the 4-way Hessian at n=10 only (log det "
                                                               "at n=100 is the logdet problem)"
                                                               if out_name == "hessian" and matrix_var else ""))))
    return out


def decl(case: dict) -> str:
    parts = []
    for name, spec in case["vars"].items():
        shape = spec["shape"]
        s = f"{name}: " + {0: "scalar", 1: "vector", 2: "matrix"}[len(shape)]
        if shape:
            s += "(" + ",".join(str(d) for d in shape) + ")"
        for p in spec.get("props", []):
            s += " " + p
        parts.append(s)
    return "; ".join(parts)


# ---------------------------------------------------------------- building the callables
def _to_np(out):
    if isinstance(out, (tuple, list)):
        return tuple(_to_np(o) for o in out)
    if torch is not None and isinstance(out, torch.Tensor):
        return out.detach().cpu().numpy()
    return np.asarray(out, dtype=float)


def _params(fn) -> list:
    return list(inspect.signature(fn).parameters)


def build_matcalc(p: Problem, output: str):
    if output == "grad":
        r = matcalc.grad(p.expr, p.wrt, where=p.where)
        fn, src = r.to_numpy(), r.numpy_source()
    elif output == "hessian":
        r = matcalc.hessian(p.expr, p.wrt, where=p.where)
        fn, src = r.to_numpy(), r.numpy_source()
    else:
        fn = matcalc.compile(p.expr, p.wrt, where=p.where, outputs=("value", "grad"))
        src = fn.__matcalc_source__
    return fn, src


def make_call(impl: str, p: Problem, output: str, vals: dict, mc_fn=None):
    """(zero-argument callable, its output -> comparable NumPy) for one implementation."""
    wrt = p.wrt
    if impl == "matcalc":
        names = _params(mc_fn)  # Python keywords get a trailing underscore: lambda -> lambda_
        args = tuple(vals[k] if k in vals else vals[k[:-1]] for k in names)
        return (lambda: mc_fn(*args)), _to_np
    if impl == "hand":
        h = p.hand.get(output)
        if h is None:
            raise NotImplementedError("no hand-written form")
        return (lambda: h(**vals)), _to_np
    ns = namespaces()
    if impl not in ns:
        raise NotImplementedError(f"{impl} is not installed")
    F = p.f(ns[impl])

    def fw(w, rest):
        return F(**rest, **{wrt: w})

    if impl == "jax":
        conv = {k: jnp.asarray(v) for k, v in vals.items()}
        w0 = conv.pop(wrt)
        t = {"grad": jax.grad, "value_grad": jax.value_and_grad, "hessian": jax.hessian}[output]
        g = jax.jit(t(fw))
        return (lambda: jax.block_until_ready(g(w0, conv))), _to_np
    if impl == "torch":
        conv = {k: torch.as_tensor(v, dtype=torch.float64) for k, v in vals.items()}
        w0 = conv.pop(wrt)
        if output == "value_grad":
            g = torch.func.grad_and_value(fw)
            return (lambda: g(w0, conv)), (lambda o: (_to_np(o[1]), _to_np(o[0])))
        g = {"grad": torch.func.grad, "hessian": torch.func.hessian}[output](fw)
        return (lambda: g(w0, conv)), _to_np
    if impl == "autograd":
        rest = {k: v for k, v in vals.items() if k != wrt}
        w0 = vals[wrt]
        g = {"grad": autograd.grad, "value_grad": autograd.value_and_grad, "hessian": autograd.hessian}[output](fw)
        return (lambda: g(w0, rest)), _to_np
    raise ValueError(impl)


def warm_up_peers(impls) -> None:
    """First use of each library (torch.func's and JAX's one-time set-up) outside any timing."""
    p = MAIN[0]
    vals = p.inputs(3, np.random.default_rng(0))
    for impl in impls:
        if impl in PEERS:
            for output in OUTPUTS:
                try:
                    make_call(impl, p, output, vals)[0]()
                except Exception:  # noqa: BLE001 - reported later, case by case
                    pass


def rel_err(got, ref) -> float:
    if isinstance(ref, tuple):
        if not isinstance(got, tuple) or len(got) != len(ref):
            return float("inf")
        return max(rel_err(g, r) for g, r in zip(got, ref))
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        if got.size == ref.size == 1:
            got = got.reshape(ref.shape)
        else:
            return float("inf")
    if not np.all(np.isfinite(ref)):
        return float("nan")
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    return float(np.max(np.abs(got - ref))) / scale if ref.size else 0.0


def timed(fn):
    was = gc.isenabled()
    gc.disable()
    try:
        t0 = perf()
        out = fn()
        t1 = perf()
    finally:
        if was:
            gc.enable()
    return t1 - t0, out


def timed_cpu(fn, k: int):
    """Process CPU seconds per call over a batch of k calls (all threads: JAX's too)."""
    was = gc.isenabled()
    gc.disable()
    try:
        c0 = cpu()
        for _ in range(k):
            fn()
        c1 = cpu()
    finally:
        if was:
            gc.enable()
    return (c1 - c0) / k


def bench_case(calls: dict, warm: dict, budget: float, rounds: int, min_reps: int) -> dict:
    """Interleaved rounds of timing; impl -> {"wall": [...], "cpu": [...], "how": str}.

    In each round every implementation gets budget/rounds seconds: half of it for wall-clock
    samples of single calls (perf_counter), half for process-CPU time over batches of calls (a
    batch long enough, ~2 ms, for the clock's cost to vanish). CPU time leaves out the time the
    process waits while other processes run, so it is steadier on a loaded machine.
    """
    out = {k: {"wall": [], "cpu": []} for k in calls}
    heavy = {}
    for k, tw in warm.items():
        if tw <= HEAVY_S:
            continue
        # a slow warm-up may be compilation or a first touch of fresh memory: probe once more
        c0 = cpu()
        t, res = timed(calls[k])
        c1 = cpu()
        del res
        warm[k] = t
        if t <= HEAVY_S:
            continue
        out[k]["wall"].append(t)
        out[k]["cpu"].append(c1 - c0)
        heavy[k] = 1 if t > VERY_HEAVY_S else 2
        if heavy[k] == 2:
            c0 = cpu()
            t, res = timed(calls[k])
            out[k]["cpu"].append(cpu() - c0)
            del res
            out[k]["wall"].append(t)
        out[k]["how"] = f"{heavy[k]} run{'s' if heavy[k] > 1 else ''} after the warm-up call"
    light = [k for k in calls if k not in heavy]
    per = budget / max(1, rounds)
    est = {k: max(warm[k], 1e-7) for k in light}
    for r in range(rounds):
        for k in (light if r % 2 == 0 else light[::-1]):
            fn = calls[k]
            start = perf()
            got = 0
            while got < max(1, -(-min_reps // rounds)) or (perf() - start < per / 2 and got < 2000):
                t, res = timed(fn)
                del res
                out[k]["wall"].append(t)
                got += 1
            est[k] = float(np.median(out[k]["wall"]))
            batch = max(1, min(500, int(2e-3 / est[k])))
            start = perf()
            got = 0
            while got < 1 or (perf() - start < per / 2 and got < 200):
                out[k]["cpu"].append(timed_cpu(fn, batch))
                got += 1
    for k in light:
        out[k]["how"] = f"{len(out[k]['wall'])} runs"
    return out


# ---------------------------------------------------------------- the run
def run(args) -> dict:
    impls = [i for i in args.impls.split(",") if i]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    hess4 = [int(s) for s in args.hess4_sizes.split(",") if s]
    net_hess = [int(s) for s in args.net_hess_sizes.split(",") if s]
    problems = [p for p in MAIN if args.problems == "all" or p.id in args.problems.split(",")]
    for p in problems:
        if p.id == "net":
            p.hess_sizes = tuple(net_hess)
        elif p.matrix_var:
            p.hess_sizes = tuple(hess4)
    if args.seeds != "none":
        problems += load_seed_problems(None if args.seeds == "all" else set(args.seeds.split(",")))

    results = []
    sources = {}
    t_start = perf()
    warm_up_peers(impls)
    print(f"{'problem':<22} {'n':>5} {'output':<10} " + " ".join(f"{i:>9}" for i in impls)
          + "   mc/hand  jax/mc  torch/mc  autograd/mc  check")
    print("-" * 130)
    for p in problems:
        for output in p.outputs:
            try:
                mc_fn, src = build_matcalc(p, output)
            except Exception as exc:  # noqa: BLE001 - reported
                print(f"{p.id:<22} {'':>5} {output:<10} matcalc failed: {exc!r}")
                results.append({"problem": p.id, "output": output, "impl": "matcalc", "n": None,
                                "error": repr(exc)})
                continue
            sources.setdefault(p.id, {})[output] = src
            sz = sizes
            if output == "hessian" and p.hess_sizes is not None:
                sz = sorted(p.hess_sizes)
            for n in sz:
                rng = np.random.default_rng(12345 + n)
                vals = p.inputs(n, rng)
                calls, convs, errs, agree, warm = {}, {}, {}, {}, {}
                ref = None
                for impl in impls:
                    if impl in PEERS and n > p.peer_max_n.get(output, n):
                        errs[impl] = f"n/a: not run above n = {p.peer_max_n[output]} (memory)"
                        continue
                    try:
                        call, conv = make_call(impl, p, output, vals, mc_fn)
                        t0 = perf()
                        out = call()
                        warm[impl] = perf() - t0
                        got = conv(out)
                        del out
                    except NotImplementedError as exc:
                        errs[impl] = f"n/a: {exc}"
                        continue
                    except Exception as exc:  # noqa: BLE001 - a peer that cannot do it is reported
                        errs[impl] = "error: " + (str(exc).splitlines() or [repr(exc)])[0][:160]
                        if args.verbose:
                            traceback.print_exc()
                        continue
                    if impl == "matcalc":
                        ref = got
                        agree[impl] = 0.0
                    elif ref is not None:
                        agree[impl] = rel_err(got, ref)
                    calls[impl], convs[impl] = call, conv
                    del got
                timing = bench_case(calls, warm, args.budget, args.rounds, args.min_reps)
                med = {k: float(np.median(v["wall"])) for k, v in timing.items()}
                cmed = {k: float(np.median(v["cpu"])) for k, v in timing.items() if v["cpu"]}
                for impl in impls:
                    row = {"problem": p.id, "group": p.group, "title": p.title, "expr": p.expr, "wrt": p.wrt,
                           "where": p.where, "n": n, "output": output, "impl": impl,
                           "matrix_var": p.matrix_var}
                    if impl in med:
                        tl = timing[impl]["wall"]
                        row.update(median_s=med[impl], min_s=float(min(tl)), cpu_s=cmed.get(impl), reps=len(tl),
                                   how=timing[impl]["how"], warmup_s=warm[impl])
                    if impl in agree:
                        e = agree[impl]
                        row["max_rel_err"] = None if (isinstance(e, float) and math.isnan(e)) else e
                        row["agrees"] = bool(e <= TOL) if not math.isnan(e) else None
                    if impl in errs:
                        row["error"] = errs[impl]
                    results.append(row)
                mc = med.get("matcalc")

                def cell(i):
                    if i in med:
                        s = fmt_s(med[i])
                        if i in agree and not (agree[i] <= TOL):
                            s += "!"
                        return s
                    return "err" if errs.get(i, "").startswith("error") else "-"

                def ratio(a, b):
                    return f"{a / b:.2f}" if (a is not None and b) else "-"

                bad = [f"{i} disagrees ({agree[i]:.1e})" for i in agree if not agree[i] <= TOL]
                bad += [f"{i}: {errs[i]}" for i in errs if errs[i].startswith("error")]
                print(f"{p.id:<22} {n:>5} {output:<10} " + " ".join(f"{cell(i):>9}" for i in impls)
                      + f"   {ratio(mc, med.get('hand')):>7} {ratio(med.get('jax'), mc):>7} "
                      f"{ratio(med.get('torch'), mc):>9} {ratio(med.get('autograd'), mc):>12}  "
                      + ("; ".join(bad) if bad else "ok"), flush=True)
                del calls, convs, vals
                gc.collect()
    total = perf() - t_start
    return {"results": results, "sources": sources, "total_s": total, "problems": problems}


def fmt_s(t) -> str:
    """Seconds as a compact string (us / ms / s)."""
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.1f}us"
    if t < 1:
        return f"{t * 1e3:.2f}ms"
    return f"{t:.2f}s"


# ---------------------------------------------------------------- targets
def check_targets(results: list) -> dict:
    """The issue's targets at n >= 100, on wall-clock medians ("met") and on CPU-time medians ("met_cpu")."""
    wall, cpu_ = {}, {}
    for r in results:
        key = (r["problem"], r["n"], r["output"], r["impl"])
        if r.get("median_s") is not None:
            wall[key] = r["median_s"]
        if r.get("cpu_s") is not None:
            cpu_[key] = r["cpu_s"]
    keys = sorted({(r["problem"], r["n"]) for r in results if r.get("n") is not None})
    out = {"grad_vs_hand": [], "grad_vs_jax": [], "hess4_vs_jax": []}
    matrix = {r["problem"]: r.get("matrix_var") for r in results}

    def pair(prob, n, output, a, b):
        w = (wall.get((prob, n, output, a)), wall.get((prob, n, output, b)))
        c = (cpu_.get((prob, n, output, a)), cpu_.get((prob, n, output, b)))
        rw = w[0] / w[1] if None not in w and w[1] > 0 else None
        rc = c[0] / c[1] if None not in c and c[1] > 0 else None
        return rw, rc

    for prob, n in keys:
        if n < 100:
            continue
        rw, rc = pair(prob, n, "grad", "matcalc", "hand")
        if rw is not None:
            out["grad_vs_hand"].append({"problem": prob, "n": n, "ratio": rw, "ratio_cpu": rc, "met": rw <= 1.2,
                                        "met_cpu": None if rc is None else rc <= 1.2})
        rw, rc = pair(prob, n, "grad", "matcalc", "jax")
        if rw is not None:
            out["grad_vs_jax"].append({"problem": prob, "n": n, "ratio": rw, "ratio_cpu": rc, "met": rw <= 1.0,
                                       "met_cpu": None if rc is None else rc <= 1.0})
        if matrix.get(prob) and n == 100:
            rw, rc = pair(prob, n, "hessian", "jax", "matcalc")
            if rw is not None:
                out["hess4_vs_jax"].append({"problem": prob, "n": n, "speedup": rw, "speedup_cpu": rc,
                                            "met": rw >= 10, "met_cpu": None if rc is None else rc >= 10})
    return out


def print_targets(t: dict, sources: dict) -> None:
    print()
    print("TARGETS (n >= 100; 'met' on wall-clock medians, the CPU-time figure in brackets)")
    lines = [("matcalc gradient within 1.2x of hand-written (matcalc/hand <= 1.2)", t["grad_vs_hand"], "ratio"),
             ("matcalc gradient at least as fast as jax.jit(jax.grad) (matcalc/jax <= 1)", t["grad_vs_jax"], "ratio"),
             ("matrix-variable Hessian >= 10x faster than jax.hessian at n=100 (jax/matcalc)", t["hess4_vs_jax"],
              "speedup")]
    missed = set()
    for title, rows, key in lines:
        met = [r for r in rows if r["met"]]
        met_c = [r for r in rows if r["met_cpu"]]
        miss = [r for r in rows if not r["met"] or r["met_cpu"] is False]
        print(f"* {title}: met {len(met)}/{len(rows)} (on CPU time {len(met_c)}/{len(rows)})")
        for r in miss:
            c = r.get(key + "_cpu")
            tag = "MISSED" if not r["met"] and r["met_cpu"] is not True else (
                "missed on wall only" if not r["met"] else "missed on CPU time only")
            print(f"    {tag:<24} {r['problem']:<18} n={r['n']:<5} {key} {r[key]:.2f}"
                  + (f" [cpu {c:.2f}]" if c is not None else ""))
            if not r["met"] and r["met_cpu"] is not True:
                missed.add(r["problem"])
    if missed:
        print()
        print("generated gradient source of the missed cases (matcalc.grad(...).numpy_source(), function only):")
        for prob in sorted(missed):
            src = sources.get(prob, {}).get("grad")
            if src:
                body = src[src.index("\ndef f("):].strip()
                print(f"--- {prob}")
                print(body)


def git_state() -> dict:
    """The matcalc commit measured, and whether matcalc/ had uncommitted changes."""
    import subprocess
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "matcalc", "grammar"], cwd=ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
        return {"commit": head or None, "matcalc_dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "matcalc_dirty": None}


def machine_info() -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "machine": platform.machine(),
            "cpu_count": os.cpu_count(), "numpy": np.__version__, "matcalc": matcalc.__version__}
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as fh:
            info["mem_total_gb"] = round(int(fh.readline().split()[1]) / 1e6, 1)
    except OSError:
        pass
    try:
        info["loadavg_start"] = os.getloadavg()
    except OSError:
        pass
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {})
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # noqa: BLE001
        pass
    if jax is not None:
        import jaxlib
        info["jax"] = jax.__version__
        info["jaxlib"] = jaxlib.__version__
        info["jax_backend"] = jax.default_backend()
    if torch is not None:
        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    if autograd is not None:
        try:
            from importlib.metadata import version
            info["autograd"] = version("autograd")
        except Exception:  # noqa: BLE001
            info["autograd"] = "?"
    from matcalc.outputs.codegen import kernels
    info["compiled_loops"] = kernels.enabled()  # numba (matcalc[fast]) for large outer products
    if info["compiled_loops"]:
        import numba
        info["numba"] = numba.__version__
    try:
        import scipy
        info["scipy"] = scipy.__version__
    except ImportError:
        info["scipy"] = None
    info["cpu_affinity"] = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    info["threads_env"] = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                          "MKL_NUM_THREADS", "XLA_FLAGS")}
    return info


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="n = 10, 100; short budgets; 4-way Hessians at n = 10")
    ap.add_argument("--sizes", default=None, help="comma-separated n (default 10,100,1000)")
    ap.add_argument("--hess4-sizes", default=None, help="n for matrix-variable Hessians (default 10,100)")
    ap.add_argument("--net-hess-sizes", default="10", help="n for the 2-layer network's Hessian (default 10)")
    ap.add_argument("--budget", type=float, default=None, help="seconds of timing per implementation and case (default 0.15; --quick 0.05)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved timing rounds (default 3)")
    ap.add_argument("--min-reps", type=int, default=9,
                    help="at least this many wall-clock samples per implementation and case, over the rounds (default 9)")
    ap.add_argument("--problems", default="all", help="lsq,logreg,lse,logdet,trace,net or all")
    ap.add_argument("--seeds", default="all", help="seed case ids (comma-separated), all, or none")
    ap.add_argument("--impls", default=",".join(IMPLS))
    ap.add_argument("--out", default=os.path.join(HERE, "results", "codegen.json"))
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--all-cores", action="store_true",
                    help="do not pin the process to one core (JAX then uses a second core)")
    args = ap.parse_args(argv)
    if args.sizes is None:
        args.sizes = "10,100" if args.quick else "10,100,1000"
    if args.hess4_sizes is None:
        args.hess4_sizes = "10" if args.quick else "10,100"
    if args.budget is None:
        args.budget = 0.05 if args.quick else 0.15
    if args.rounds is None:
        args.rounds = 1 if args.quick else 3

    info = machine_info()
    info["git_start"] = git_state()
    print("=" * 100)
    print("bench_codegen: matcalc's generated NumPy code vs hand-written NumPy, JAX (jit), PyTorch (torch.func), "
          "autograd")
    print(", ".join(f"{k} {info[k]}" for k in ("python", "numpy", "scipy", "numba", "jax", "torch", "autograd")
                    if info.get(k))
          + f"; {info.get('cpu', '?')}, {info.get('cpu_count')} cores; one thread everywhere"
          + (f", pinned to core {info['cpu_affinity']}" if info.get("cpu_affinity") and len(info["cpu_affinity"]) == 1 else "") + "; float64")
    g = info["git_start"]
    print(f"matcalc commit {g['commit']}" + (" with uncommitted changes in matcalc/" if g["matcalc_dirty"] else "")
          + f"; load average at the start {' '.join(f'{x:.2f}' for x in info.get('loadavg_start', ()))}")
    print(f"median wall-clock per call (time.perf_counter; GC paused in the call); budget {args.budget}s x "
          f"{args.rounds} interleaved rounds; '!' = disagrees with matcalc (rel. err > {TOL:g})")
    print("ratios: mc/hand = matcalc time / hand-written time; jax/mc etc. = peer time / matcalc time (> 1: matcalc "
          "faster)")
    print("=" * 100)
    out = run(args)
    targets = check_targets(out["results"])
    print_targets(targets, out["sources"])
    try:
        info["loadavg_end"] = os.getloadavg()
    except OSError:
        pass
    info["git_end"] = git_state()
    if info["git_end"] != info["git_start"]:
        print(f"NOTE: matcalc changed during the run ({info['git_start']} -> {info['git_end']}); the generated code "
              "was built at the start (codegen is imported once)")
    info["date"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    doc = {
        "meta": {**info, "command": " ".join([os.path.relpath(sys.argv[0], ROOT)] + sys.argv[1:]),
                 "args": {**vars(args), "out": os.path.relpath(os.path.abspath(args.out), ROOT)}, "total_s": out["total_s"], "tolerance": TOL,
                 "impls": {"matcalc": "matcalc.grad/hessian(...).to_numpy(); value_grad: matcalc.compile(outputs=("
                                      "'value','grad'))",
                           "hand": "hand-written NumPy closed form",
                           "jax": "jax.jit(jax.grad / jax.value_and_grad / jax.hessian), block_until_ready",
                           "torch": "torch.func.grad / grad_and_value / hessian (eager)",
                           "autograd": "autograd.grad / value_and_grad / hessian"}},
        "problems": [{"id": p.id, "group": p.group, "title": p.title, "expr": p.expr, "wrt": p.wrt,
                      "where": p.where, "note": p.note, "hand": p.hand_note or "hand-written",
                      "matrix_var": p.matrix_var} for p in out["problems"]],
        "results": out["results"],
        "targets": targets,
        "sources": out["sources"],
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as fh:
        json.dump(doc, fh, indent=1, default=float)
    print()
    print(f"total {out['total_s']:.0f} s; load average at the end "
          f"{' '.join(f'{x:.2f}' for x in info.get('loadavg_end', ()))}; wrote {os.path.relpath(args.out, os.getcwd())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
