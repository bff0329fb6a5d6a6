"""SymPy interop benchmark: round trips of the seed cases and the time of to_sympy / from_sympy.

    python benchmarks/bench_sympy_interop.py [--quick]

(a) per seed case: the expression e and its derivative r (gradient, Jacobian or Hessian, as the
    case asks); how many round trip `from_sympy(e.to_sympy(), where=e.where)` to the same tree,
    and how many to an equal value at the case's random inputs.
(b) how many derivatives SymPy itself evaluates (explicit matrices substituted, bottom-up doit) to
    r.evaluate's numbers; matrix maps through their Kronecker form.
(c) the median time of e.to_sympy(), r.to_sympy() and from_sympy of each (SymPy already imported;
    the first call, which imports SymPy, is reported apart): warm (repeated calls, which SymPy's own
    cache of constructed objects speeds up) and cold (one call after clearing SymPy's cache).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import _common as C  # noqa: E402  (sets sys.path, imports the tests' helpers and numpy)
import numpy as np  # noqa: E402

import matcalc  # noqa: E402
from matcalc.numerics.evaluate import evaluate  # noqa: E402

QUICK = "--quick" in sys.argv
REPEATS = 3 if QUICK else 15


def _median_ms(fn) -> float:
    times = []
    for _ in range(REPEATS):
        t, _ = C.timed(fn)
        times.append(t)
    return 1000 * statistics.median(times)


def _cold_ms(fn) -> float:
    from sympy.core.cache import clear_cache
    clear_cache()
    t, _ = C.timed(fn)
    return 1000 * t


def main() -> None:
    from sympy_numeric import sympy_value  # the tests' SymPy-side evaluator

    C.header("bench_sympy_interop: to_sympy and from_sympy")
    derive = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}
    cases = C.load_cases()
    t0 = time.perf_counter()
    matcalc.parse("tr(X)").to_sympy()
    first = time.perf_counter() - t0
    same = value = 0
    r_same = r_value = 0
    sym_ok = sym_total = 0
    t_out, t_in, tr_out, tr_in = [], [], [], []
    cold_out, cold_in = [], []
    misses = []
    for case in cases:
        w = C.decl(case)
        vals = C.sample_inputs(case)
        e = matcalc.parse(case["expr"], where=w)
        s = e.to_sympy()
        back = matcalc.from_sympy(s, where=e.where)
        same += back == e
        ok = np.allclose(back.evaluate(vals), e.evaluate(vals), rtol=1e-8, atol=1e-10)
        value += ok
        if back != e:
            misses.append(f"{case['id']}: {e}  ->  {back}")
        r = derive[case["kind"]](case["expr"], case["wrt"], where=w)
        rs = r.to_sympy()
        rb = matcalc.from_sympy(rs, where=r.where)
        r_same += rb.node is r.node
        rvals = dict(vals)
        for d in r.directions:
            rvals.setdefault(d.name, vals[case["wrt"]])
        ctx = (r.function.node,)
        r_value += np.allclose(evaluate(rb.node, rvals, context=ctx), evaluate(r.node, rvals, context=ctx),
                               rtol=1e-8, atol=1e-10)
        want = r.evaluate(vals)
        if not getattr(r, "is_map", False):
            sym_total += 1
            sym_ok += np.allclose(sympy_value(rs, vals, C.DIM_VALUES), want, rtol=1e-8, atol=1e-10)
        elif r.kron is not None and not (r.linear_map.sym or r.linear_map.diag):
            sym_total += 1
            out_size = int(np.prod(np.shape(r.function.evaluate(vals)))) if r.kind == "jacobian" \
                else np.size(vals[case["wrt"]])
            k = sympy_value(r.to_sympy("kron"), vals, C.DIM_VALUES)
            sym_ok += np.allclose(k, np.reshape(want, (out_size, -1), order="F"), rtol=1e-8, atol=1e-10)
        cold_out.append(_cold_ms(lambda: r.to_sympy()))
        cold_in.append(_cold_ms(lambda: matcalc.from_sympy(rs, where=r.where)))
        t_out.append(_median_ms(lambda: e.to_sympy()))
        t_in.append(_median_ms(lambda: matcalc.from_sympy(s, where=e.where)))
        tr_out.append(_median_ms(lambda: r.to_sympy()))
        tr_in.append(_median_ms(lambda: matcalc.from_sympy(rs, where=r.where)))
    n = len(cases)
    print(f"seed cases: {n}")
    print(f"(a) expressions: {same}/{n} round trip to the same tree, {value}/{n} to equal values")
    for m in misses:
        print(f"    not the same tree: {m}")
    print(f"    derivatives: {r_same}/{n} round trip to the same tree, {r_value}/{n} to equal values")
    print(f"(b) SymPy's own numbers equal r.evaluate for {sym_ok}/{sym_total} derivatives "
          f"({n - sym_total} symmetric or diagonal matrix maps have no whole-space Kronecker form)")
    print(f"(c) median over the cases: e.to_sympy() {statistics.median(t_out):.3f} ms, "
          f"from_sympy(e) {statistics.median(t_in):.3f} ms, r.to_sympy() {statistics.median(tr_out):.3f} ms, "
          f"from_sympy(r) {statistics.median(tr_in):.3f} ms; slowest to_sympy {max(t_out + tr_out):.2f} ms, "
          f"from_sympy {max(t_in + tr_in):.2f} ms")
    print(f"    cold (SymPy's cache cleared before the call), median over the derivatives: r.to_sympy() "
          f"{statistics.median(cold_out):.2f} ms, from_sympy {statistics.median(cold_in):.2f} ms; slowest "
          f"{max(cold_out):.1f} ms and {max(cold_in):.1f} ms")
    print(f"    first to_sympy call (imports SymPy): {1000 * first:.0f} ms")
    C.footer()


if __name__ == "__main__":
    main()
