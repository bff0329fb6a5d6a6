"""Derivation records (`r.steps`): how many steps, and what recording them costs.

    python benchmarks/bench_steps.py [--quick]

For every seed case (tests/data/seed_cases.jsonl) in its own kind of derivative:
(a) the number of steps of `r.steps` (median and maximum over the cases, and per case);
(b) the time of the derivation (matcalc.grad / jacobian / hessian from text) and the time of
    producing its steps from the result (`matcalc.derivation.steps_for(r)`, what the first
    access to `r.steps` does), first call and the median of repeats, and their ratio.
The record is made lazily, on first access to `r.steps`: a derivation that never asks for its
steps does no recording at all (checked here: a fresh result holds no record).
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import sys  # noqa: E402

import _common as C  # noqa: E402  (sets sys.path, imports the tests' helpers and numpy)

import matcalc  # noqa: E402
from matcalc.derivation import steps_for  # noqa: E402

QUICK = "--quick" in sys.argv
FN = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def main() -> None:
    C.header("matcalc derivation records: steps per seed case, and the cost of recording them")
    rows, counts, ratios, ratios_first = [], [], [], []
    tot_derive = tot_steps = 0.0
    for case in C.load_cases():
        fn = FN[case["kind"]]
        where = C.decl(case)
        try:
            t_first, r = C.timed(lambda: fn(case["expr"], case["wrt"], where=where))
        except matcalc.NotSupportedError:
            continue
        assert "_steps" not in r.__dict__, "a result must not record its steps before they are asked for"
        s_first, steps = C.timed(lambda: steps_for(r))
        reps = dict(min_reps=3, max_reps=10, budget=0.1) if QUICK else dict(min_reps=5, max_reps=50, budget=0.5)
        t = C.median(C.repeat(lambda: fn(case["expr"], case["wrt"], where=where), **reps))
        s = C.median(C.repeat(lambda: steps_for(r), **reps))
        counts.append(len(steps))
        ratios.append(s / t)
        ratios_first.append(s_first / t_first)
        tot_derive += t
        tot_steps += s
        rows.append([case["id"], case["kind"], str(len(steps)), C.ms(t_first), C.ms(s_first), C.ms(t), C.ms(s),
                     f"{s / t:.2f}"])
    C.table(rows, ["case", "kind", "steps", "derive 1st", "steps 1st", "derive", "steps", "steps/derive"],
            "llrrrrrr")
    print()
    print(f"cases: {len(counts)}; steps per case: median {C.median(counts):g}, maximum {max(counts)}, "
          f"minimum {min(counts)}")
    print(f"recording time relative to derivation (median over cases): {C.median(ratios):.2f} (repeated calls), "
          f"{C.median(ratios_first):.2f} (first calls); all cases together: {tot_steps / tot_derive:.2f}")
    print("recording is lazy: a derivation that never reads r.steps does none of it (0 added)")
    C.footer()


if __name__ == "__main__":
    main()
