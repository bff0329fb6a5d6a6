"""Print everything matcalc says about a fixed corpus, one JSON line per derivation.

Run it before and after a change that must not alter behaviour, and diff the two files:

    python tools/snapshot_outputs.py > before.jsonl    # on the old tree
    python tools/snapshot_outputs.py > after.jsonl     # on the new tree
    diff before.jsonl after.jsonl

The corpus: every seed case (tests/data/seed_cases.jsonl) in each kind of derivation that
applies, every entry of the compactness corpus (benchmarks/compactness_corpus.jsonl) in its
kind, and `--random N` (default 400) seeded random cases from the property-test strategies,
scalar-valued (gradient, Hessian, hvp) and vector/matrix-valued (Jacobian). Each line holds
the text, LaTeX, `where`, the JSON forms and the generated NumPy source, or the error.
A change made for speed alone must leave the output as it was.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, "tests"))

import matcalc  # noqa: E402
from conftest import decl, load_cases  # noqa: E402
from strategies import random_case  # noqa: E402


def outputs(kind: str, text: str, wrt: str, where: str) -> dict:
    fn = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian,
          "hvp": matcalc.hvp, "differential": matcalc.differential,
          # (one block of a Hessian by two variables, as the compactness corpus asks for it)
          "hessian_block": lambda f, w, where=None: matcalc.hessian(f, tuple(w), where=where)}[kind]
    try:
        r = fn(text, wrt, where=where)
        out = {"str": str(r), "latex": r.latex(), "where": r.where,
               "forms": json.dumps(r.forms(), sort_keys=True, default=str)}
        try:
            out["numpy"] = r.numpy_source()
        except Exception as ex:  # noqa: BLE001 - recorded, compared like the rest
            out["numpy"] = f"{type(ex).__name__}: {str(ex)[:300]}"
        return out
    except Exception as ex:  # noqa: BLE001
        return {"error": f"{type(ex).__name__}: {str(ex)[:300]}"}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--random", type=int, default=400)
    args = ap.parse_args()
    for case in load_cases():
        kinds = {"gradient": ["grad", "differential", "hessian", "hvp"], "jacobian": ["jacobian"],
                 "hessian": ["hessian", "hvp"]}.get(case["kind"], [case["kind"]])
        for kind in kinds:
            rec = {"id": case["id"], "kind": kind, **outputs(kind, case["expr"], case["wrt"], decl(case))}
            print(json.dumps(rec, sort_keys=True))
    with open(os.path.join(ROOT, "benchmarks", "compactness_corpus.jsonl")) as fh:
        for entry in (json.loads(line) for line in fh if line.strip()):
            kind = entry.get("kind", "grad")
            rec = {"id": entry["id"], "kind": kind,
                   **outputs(kind, entry["f"], entry["wrt"], entry.get("where") or None)}
            print(json.dumps(rec, sort_keys=True))
    for seed in range(args.random):
        for out, kinds in (("scalar", ["grad", "hessian"]), ("any", ["jacobian"])):
            try:
                c = random_case(seed, out=out)
            except Exception as ex:  # noqa: BLE001
                print(json.dumps({"seed": seed, "out": out, "error": repr(ex)[:200]}))
                continue
            for kind in kinds:
                rec = {"seed": seed, "out": out, "kind": kind, "text": c.text,
                       **outputs(kind, c.text, c.wrt.name, c.where)}
                print(json.dumps(rec, sort_keys=True))


if __name__ == "__main__":
    main()
