"""Hessian derivation-time benchmark: seed Hessian cases, extra matrix-variable cases, and hvp.

    python benchmarks/bench_hessian.py [--quick]

For each case: matcalc.hessian (first call, cold median with gc.collect() before each repeat,
fastest repeat, warm median with the previous result alive), the gradient of the same function
(to show what the second order costs on top), matcalc.hvp (cold median), and matcalc.check's
finite-difference verdict on the Hessian and on the hvp (not timed). Aim: Hessians < 10 ms.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import gc  # noqa: E402
import sys  # noqa: E402

import _common as C  # noqa: E402

QUICK = "--quick" in sys.argv
AIM = 10e-3

EXTRA = [
    # (id, expression, wrt, declarations)
    ("x-logdet", "log(det(X))", "X", "X: matrix(n,n) invertible"),
    ("x-logdet-spd", "log(det(X))", "X", "X: matrix(n,n) spd"),
    ("x-trAXBXt", "tr(A X B X')", "X", "A: matrix(m,m); B: matrix(n,n); X: matrix(m,n)"),
    ("x-trinv", "tr(X^-1)", "X", "X: matrix(n,n) invertible"),
    ("x-frob-lsq", "||A X - B||_F^2", "X", "A: matrix(m,k); X: matrix(k,n); B: matrix(m,n)"),
    ("x-trXtXXtX", "tr(X'X X'X)", "X", "X: matrix(m,n)"),
    ("x-mixed-Wb", "1/2 ||sigmoid(W x + b) - t||^2 + lambda/2 ||W||_F^2", ("W", "b"),
     "W: matrix(m,n); b: vector(m); x: vector(n); t: vector(m); lambda: scalar"),
]


def _verdict(r) -> str:
    import matcalc
    try:
        rep = matcalc.check(r)
        s = str(rep)
        return "ok" if s.startswith("ok") else s.split(":")[0][:30]
    except Exception as err:  # noqa: BLE001 - report, don't stop
        return f"check error: {type(err).__name__}"


def bench_case(cid: str, expr: str, wrt, where: str, budget: float) -> dict:
    import matcalc

    def hess():
        return matcalc.hessian(expr, wrt, where=where)

    gc.collect()
    try:
        t1, r = C.timed(hess)
    except matcalc.MatcalcError as err:
        return {"id": cid, "error": f"{type(err).__name__}: {err}"}
    text = str(r)
    hv = _verdict(r) if not isinstance(wrt, tuple) else "-"
    del r
    C.freeze_heap()  # the cold repeats' collections walk only what they made (see there)
    cold = C.repeat(hess, min_reps=5, max_reps=200, budget=budget, setup=gc.collect)
    keep = [hess()]
    warm = C.repeat(lambda: keep.append(hess()), min_reps=5, max_reps=100, budget=budget / 2)
    del keep[:]
    out = {"id": cid, "first": t1, "cold": C.median(cold), "cpu": C.median(cold.cpu), "min": min(cold), "warm": C.median(warm),
           "reps": len(cold), "text": text, "hcheck": hv}
    if isinstance(wrt, tuple):
        out.update(grad=None, hvp=None, vcheck="-")
        return out
    out["grad"] = C.median(C.repeat(lambda: matcalc.grad(expr, wrt, where=where), min_reps=5, max_reps=200,
                                    budget=budget / 2, setup=gc.collect))
    try:
        rv = matcalc.hvp(expr, wrt, where=where)
        out["vcheck"] = _verdict(rv)
        out["hvp_text"] = str(rv)
        del rv
        hv_times = C.repeat(lambda: matcalc.hvp(expr, wrt, where=where), min_reps=5, max_reps=200,
                            budget=budget / 2, setup=gc.collect)
        out["hvp"] = C.median(hv_times)
        out["hvp_min"] = min(hv_times)
    except matcalc.MatcalcError as err:
        out["hvp"] = None
        out["vcheck"] = f"hvp error: {type(err).__name__}"
    return out


def print_rows(results: list) -> None:
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["id"], "ERROR", "", "", "", "", "", "", "", "", "", r["error"][:70]])
            continue
        flag = "  > aim" if r["cold"] >= AIM else ""
        rows.append([r["id"], C.ms(r["first"]), C.ms(r["cold"]), C.ms(r["cpu"]), C.ms(r["min"]), C.ms(r["warm"]),
                     C.ms(r["grad"]), f"{r['cold'] / r['grad']:.1f}" if r.get("grad") else "-",
                     C.ms(r["hvp"]), r["hcheck"], r["vcheck"],
                     (r["text"][:52] + ("..." if len(r["text"]) > 52 else "")) + flag])
    C.table(rows, ["case", "first", "cold", "cpu", "min", "warm", "grad", "H/g", "hvp", "H check", "hvp check",
                   "Hessian"], "lrrrrrrrrlll")


def summary(label: str, results: list) -> None:
    ok = [r for r in results if "error" not in r]
    if not ok:
        return
    cm = [r["cold"] for r in ok]
    over = sorted(((r["cold"], r["id"]) for r in ok if r["cold"] >= AIM), reverse=True)
    hv = [r["hvp"] for r in ok if r.get("hvp") is not None]
    print(f"{label}: {len(ok)} cases; Hessian median cold {C.ms(C.median(cm))} ms (fastest-repeat median "
          f"{C.ms(C.median([r['min'] for r in ok]))} ms, warm {C.ms(C.median([r['warm'] for r in ok]))} ms, "
          f"max {C.ms(max(cm))} ms); {len(ok) - len(over)}/{len(ok)} under the aim (10 ms)"
          + (f"; hvp median cold {C.ms(C.median(hv))} ms" if hv else ""))
    print(f"   by CPU time: Hessian median {C.ms(C.median([r['cpu'] for r in ok]))} ms, "
          f"{sum(r['cpu'] < AIM for r in ok)}/{len(ok)} under the aim")
    if over:
        print("   over the aim: " + ", ".join(f"{i} {C.ms(t)}" for t, i in over))


def main() -> None:
    import matcalc
    C.header("bench_hessian: matcalc.hessian and matcalc.hvp")
    t0, _ = C.timed(lambda: matcalc.hessian("x' A x", "x"))
    print(f"warm-up (first Hessian in the process; builds the grammar): {C.ms(t0)} ms")
    print("columns (ms): first = first call; cold = median with gc.collect() before each repeat; cpu = median")
    print("process CPU time of those repeats; min = fastest cold repeat; warm = median with the previous result")
    print("alive; grad = cold median of matcalc.grad on the same function; H/g = cold Hessian / gradient;")
    print("hvp = cold median of matcalc.hvp; checks = matcalc.check (central finite differences, not timed)")
    print()
    budget = 0.1 if QUICK else 0.4
    seed = [c for c in C.load_cases() if c["kind"] == "hessian"]
    res_seed = [bench_case(c["id"], c["expr"], c["wrt"], C.decl(c), budget) for c in seed]
    print(f"seed Hessian cases ({len(seed)})")
    print_rows(res_seed)
    print()
    res_extra = [bench_case(i, e, w, d, budget) for i, e, w, d in EXTRA]
    print("extra matrix-variable cases")
    for i, e, w, d in EXTRA:
        print(f"  {i:14s} {e}  wrt {w if isinstance(w, str) else ', '.join(w)}  [{d}]")
    print_rows(res_extra)
    print()
    summary("seed Hessians", res_seed)
    summary("extra Hessians", res_extra)
    summary("all Hessians", res_seed + res_extra)
    print()
    print("hvp results (H[v] without forming H), cold median / fastest repeat in ms:")
    rows = [[r["id"], C.ms(r.get("hvp")), C.ms(r.get("hvp_min")), r.get("hvp_text", "-")[:70]]
            for r in res_seed + res_extra if "error" not in r and r.get("hvp") is not None]
    C.table(rows, ["case", "hvp", "min", "H[v]"], "lrrl")
    C.footer()


if __name__ == "__main__":
    main()
