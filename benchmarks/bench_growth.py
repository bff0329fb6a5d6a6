"""Growth of derivation time and memory with the size of the input, k = 1, 2, 4, ..., 64.

    python benchmarks/bench_growth.py [--quick] [--kmax 64] [--families net,sum,...] [--limit SECONDS]

Families (each derived from its text with its declarations, fresh variable names every call so
nothing hash-consed survives from an earlier call):

  net      1/2 ||W_k tanh(W_{k-1} ... tanh(W_1 x)) - y||^2, gradient wrt W_1 (the deepest layer)
  sum      sum_i a_i' X b_i, gradient wrt X (k terms)
  prod     a' A_1 A_2 ... A_k x, gradient wrt x (k factors)
  trgrad   tr(X^k), gradient wrt X
  trhess   tr(X^k), Hessian wrt X
  xAkx     x' A^k x, Hessian wrt A
  chain    sum(tanh(tanh(... tanh(x)))), k deep, Hessian wrt x (a k-layer scalar network)

For each k: the median wall time of the calls (the cyclic GC paused inside each), the peak memory
traced by tracemalloc during one further call (tracemalloc slows a call, so it is timed apart), the
answer's size (distinct DAG nodes and the tokens of its text form, computed on the tree, without
printing) and whether the call was refused (a MatcalcError naming the limit). The fitted exponent is
the slope of log time against log k by least squares over k >= 4 (smaller k are dominated by fixed
costs), and also against the answer's tree size, which is what "linear in the answer" means when the
answer itself grows faster than k. Asserts nothing.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import gc  # noqa: E402
import itertools  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import matcalc  # noqa: E402
from matcalc.calculus.size import size  # noqa: E402


def _arg(flag, default):
    if flag in sys.argv:
        return sys.argv[sys.argv.index(flag) + 1]
    return default


QUICK = "--quick" in sys.argv
KMAX = int(_arg("--kmax", 32 if QUICK else 64))
LIMIT = float(_arg("--limit", 10 if QUICK else 60))


def fam_net(k, s):
    ws = [f"W_{i}r{s}" for i in range(1, k + 1)]
    inner = f"x_r{s}"
    for w in ws[:-1]:
        inner = f"tanh({w} {inner})"
    text = f"1/2 ||{ws[-1]} {inner} - y_r{s}||^2"
    where = "; ".join(f"{w}: matrix(n,n)" for w in ws) + f"; x_r{s}, y_r{s}: vector(n)"
    return matcalc.grad, text, ws[0], where


def fam_sum(k, s):
    X = f"X_r{s}"
    text = " + ".join(f"a_{i}r{s}' {X} b_{i}r{s}" for i in range(k))
    where = (", ".join(f"a_{i}r{s}" for i in range(k)) + ": vector(m); "
             + ", ".join(f"b_{i}r{s}" for i in range(k)) + f": vector(n); {X}: matrix(m,n)")
    return matcalc.grad, text, X, where


def fam_prod(k, s):
    A = [f"A_{i}r{s}" for i in range(k)]
    text = f"a_r{s}' " + " ".join(A) + f" x_r{s}"
    return matcalc.grad, text, f"x_r{s}", ", ".join(A) + f": matrix(n,n); x_r{s}, a_r{s}: vector(n)"


def fam_trgrad(k, s):
    return matcalc.grad, f"tr(X_r{s}^{k})", f"X_r{s}", f"X_r{s}: matrix(n,n)"


def fam_trhess(k, s):
    return matcalc.hessian, f"tr(X_r{s}^{k})", f"X_r{s}", f"X_r{s}: matrix(n,n)"


def fam_xAkx(k, s):
    return matcalc.hessian, f"x_r{s}' A_r{s}^{k} x_r{s}", f"A_r{s}", f"A_r{s}: matrix(n,n); x_r{s}: vector(n)"


def fam_chain(k, s):
    text = f"x_r{s}"
    for _ in range(k):
        text = f"tanh({text})"
    return matcalc.hessian, f"sum({text})", f"x_r{s}", f"x_r{s}: vector(n)"


FAMILIES = {
    "net": ("k-layer tanh network loss, gradient wrt W_1", fam_net),
    "sum": ("sum of k terms a_i' X b_i, gradient wrt X", fam_sum),
    "prod": ("product a' A_1 ... A_k x, gradient wrt x", fam_prod),
    "trgrad": ("tr(X^k), gradient wrt X", fam_trgrad),
    "trhess": ("tr(X^k), Hessian wrt X", fam_trhess),
    "xAkx": ("x' A^k x, Hessian wrt A", fam_xAkx),
    "chain": ("k-deep elementwise tanh chain, Hessian wrt x", fam_chain),
}


def slope(xs, ys) -> float:
    pts = [(math.log(x), math.log(y)) for x, y in zip(xs, ys) if x > 0 and y > 0]
    if len(pts) < 2:
        return float("nan")
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    sxx = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / sxx if sxx else float("nan")


CPU = [0.0]


def timed(call):
    """(wall seconds, result); the process CPU time of the call is left in CPU[0] (steadier on a busy machine)."""
    gc.collect()
    gc.disable()
    try:
        c0 = time.process_time()
        t0 = time.perf_counter()
        out = call()
        CPU[0] = time.process_time() - c0
        return time.perf_counter() - t0, out
    finally:
        gc.enable()


def answer_size(r) -> tuple:
    e = r._expr  # the node itself: .expr would print it (the text printer recurses once per level)
    return sum(1 for _ in e.walk()), size(e)


def run_family(key: str, counter) -> dict:
    title, fam = FAMILIES[key]
    print(f"\n{key}: {title}")
    print(f"  {'k':>4} {'time ms':>10} {'cpu ms':>10} {'ms/k':>8} {'peak MB':>8} {'nodes':>7} {'tokens':>9}")
    ks, ts, toks, peaks, cpus = [], [], [], [], []
    k = 1
    while k <= KMAX:
        fn, text, wrt, where = fam(k, next(counter))
        t0 = time.perf_counter()
        try:
            t_first, r = timed(lambda: fn(text, wrt, where=where))
        except matcalc.MatcalcError as err:
            print(f"  {k:>4} refused after {time.perf_counter() - t0:.2f} s: {str(err).splitlines()[0][:110]}")
            break
        nodes, tokens = answer_size(r)
        del r
        reps = 1 if t_first > 1 else (3 if QUICK else 5)
        times, cpu = [t_first], [CPU[0]]
        for _ in range(reps - 1):
            fn, text, wrt, where = fam(k, next(counter))
            try:
                times.append(timed(lambda: fn(text, wrt, where=where))[0])
            except matcalc.MatcalcError:  # a repeat refused by the time limit on a busy machine
                break
            cpu.append(CPU[0])
        t = sorted(times)[len(times) // 2]
        c = sorted(cpu)[len(cpu) // 2]
        fn, text, wrt, where = fam(k, next(counter))
        gc.collect()
        tracemalloc.start()  # slows the call two to three times: the time limit may refuse it
        try:
            fn(text, wrt, where=where)
            peak = tracemalloc.get_traced_memory()[1] / 2 ** 20
        except matcalc.MatcalcError:
            peak = float("nan")
        finally:
            tracemalloc.stop()
        print(f"  {k:>4} {1e3 * t:>10.2f} {1e3 * c:>10.2f} {1e3 * t / k:>8.3f} {peak:>8.2f} {nodes:>7} {tokens:>9}")
        cpus.append(c)
        ks.append(k)
        ts.append(t)
        toks.append(tokens)
        peaks.append(peak)
        if t > LIMIT:
            print(f"  stopped: one call took {t:.1f} s (limit {LIMIT:.0f} s)")
            break
        k *= 2
    sel = [i for i, kk in enumerate(ks) if kk >= 4]
    fit = slope([ks[i] for i in sel], [ts[i] for i in sel])
    fit_ans = slope([toks[i] for i in sel], [ts[i] for i in sel])
    fit_tok = slope([ks[i] for i in sel], [toks[i] for i in sel])
    fit_mem = slope([ks[i] for i in sel if peaks[i] == peaks[i]], [peaks[i] for i in sel if peaks[i] == peaks[i]])
    fit_cpu = slope([ks[i] for i in sel], [cpus[i] for i in sel])
    print(f"  exponent (k >= 4): time ~ k^{fit:.2f} (cpu ~ k^{fit_cpu:.2f}); answer tokens ~ k^{fit_tok:.2f}; "
          f"time ~ tokens^{fit_ans:.2f}; peak memory ~ k^{fit_mem:.2f}")
    return {"family": key, "kmax": ks[-1] if ks else 0, "time_exp": fit, "cpu_exp": fit_cpu, "tokens_exp": fit_tok,
            "time_vs_tokens": fit_ans, "mem_exp": fit_mem, "peak_mb": peaks[-1] if peaks else float("nan"),
            "time_ms": 1e3 * ts[-1] if ts else float("nan")}


def main() -> None:
    keys = _arg("--families", ",".join(FAMILIES)).split(",")
    print(f"bench_growth: k = 1, 2, 4, ..., {KMAX}; python {sys.version.split()[0]}; load {os.getloadavg()[0]:.2f}")
    matcalc.grad("x' A x", "x")  # the parser and the tables, outside every measurement
    counter = itertools.count(1)
    with matcalc.limits(seconds=10 * LIMIT):  # measure, don't refuse: a busy machine is slower
        rows = [run_family(k, counter) for k in keys]
    print("\nsummary (fitted over k >= 4):")
    print(f"  {'family':<8} {'k max':>5} {'time exp':>9} {'cpu exp':>8} {'answer exp':>11} {'time/answer':>12} "
          f"{'mem exp':>8} {'ms at kmax':>11} {'peak MB':>8}")
    for r in rows:
        print(f"  {r['family']:<8} {r['kmax']:>5} {r['time_exp']:>9.2f} {r['cpu_exp']:>8.2f} {r['tokens_exp']:>11.2f} "
              f"{r['time_vs_tokens']:>12.2f} {r['mem_exp']:>8.2f} {r['time_ms']:>11.1f} {r['peak_mb']:>8.2f}")


if __name__ == "__main__":
    main()
