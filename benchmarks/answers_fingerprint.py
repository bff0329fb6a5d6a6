"""Every answer matcalc gives on a fixed set of inputs, one line each: a guard for speed work.

    python benchmarks/answers_fingerprint.py > before.txt
    ... change the engine for speed ...
    python benchmarks/answers_fingerprint.py > after.txt && diff before.txt after.txt

An optimisation must leave the answers as they were, so the two outputs must be identical.
The inputs are

* every case of tests/data/seed_cases.jsonl, derived as the tests derive it (its `kind`: gradient,
  Jacobian or Hessian, with the `where` built by tests/conftest.py's `decl`);
* every entry of benchmarks/compactness_corpus.jsonl, derived as bench_compactness.py derives it;
* 300 random expressions from the property tests' generator (tests/strategies.py `random_case`,
  seeded, so the same expressions in every run and process), each asked for the gradient,
  Jacobian, Hessian or Hessian-vector product in turn.

Each line is `<source> <id> <kind>: str(result)`, or the error's class and message when the
derivation is refused (a refusal must not change either). `--time` adds the total time at the end
(on standard error, so the diff stays clean).
"""
from __future__ import annotations

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTS = os.path.join(ROOT, "tests")
for _p in (ROOT, TESTS, HERE):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import matcalc  # noqa: E402
from conftest import decl, load_cases  # noqa: E402
from strategies import random_case  # noqa: E402

import bench_compactness  # noqa: E402

SEED_FNS = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}
RANDOM_KINDS = (("grad", "scalar", matcalc.grad), ("jacobian", "nonscalar", matcalc.jacobian),
                ("hessian", "scalar", matcalc.hessian), ("hvp", "scalar", matcalc.hvp))
N_RANDOM = 300


def answer(fn, *args, **kw) -> str:
    """str of the result, or the refusal (class and first line of the message)."""
    try:
        return str(fn(*args, **kw))
    except matcalc.MatcalcError as ex:
        return f"{type(ex).__name__}: {str(ex).splitlines()[0] if str(ex) else ''}"


def lines():
    for c in load_cases():
        yield f"seed {c['id']} {c['kind']}: " + answer(SEED_FNS[c["kind"]], c["expr"], c["wrt"], where=decl(c))
    for e in bench_compactness.load_corpus():
        yield f"corpus {e['id']} {e.get('kind', 'grad')}: " + answer(bench_compactness.derive, e)
    for i in range(N_RANDOM):
        kind, out, fn = RANDOM_KINDS[i % len(RANDOM_KINDS)]
        case = random_case(104729 + 7 * i, out=out, wrt="any")
        yield f"random {i} {kind} [{case.text} | {case.wrt.name} | {case.where}]: " + answer(
            fn, case.text, case.wrt.name, where=case.where)


if __name__ == "__main__":
    t0 = time.perf_counter()
    for line in lines():
        print(line, flush=True)
    if "--time" in sys.argv:
        print(f"total {time.perf_counter() - t0:.2f} s", file=sys.stderr)
