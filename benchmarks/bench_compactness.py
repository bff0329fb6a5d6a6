"""Compactness against textbook answers: benchmarks/compactness_corpus.jsonl.

Each corpus entry is a function, its declarations, the variable, a reference answer written
in matcalc's language and the reference's source (book and section or equation). For every
entry this script

* derives matcalc's answer and checks it numerically equal to the reference at random
  inputs that respect the declarations (a reference that does not evaluate equal is a
  corpus bug, reported as such);
* (an entry may fix dimension sizes with `dims`, where the formula needs a tall matrix);
* measures both in tokens of the text form (calculus/size.py; for the reference the
  smaller of its parsed tree's size and its typed text's tokens; for matcalc the answer as
  printed, `where` names included);

and prints the share of entries where matcalc is as short as the reference (target at least
95%) and the worst ratio (target at most 1.5x).

    python benchmarks/bench_compactness.py            # the table of misses and the summary
    python benchmarks/bench_compactness.py --all      # every entry
"""
from __future__ import annotations

import json
import os
import sys

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import numpy as np  # noqa: E402

import matcalc  # noqa: E402
from matcalc.calculus.size import size  # noqa: E402
from matcalc.numerics.sampling import sample_values  # noqa: E402
from matcalc.outputs.printing import _TOKEN  # noqa: E402

CORPUS = os.path.join(HERE, "compactness_corpus.jsonl")
#: the Kronecker forms and second differentials printed beside an answer (`kind` kron or d2f, `of` the
#: question): reported on their own, not part of the targets, which are about the answers
FORMS = os.path.join(HERE, "compactness_corpus_forms.jsonl")
KINDS = {"grad": matcalc.grad, "hessian": matcalc.hessian, "jacobian": matcalc.jacobian, "hvp": matcalc.hvp,
         "differential": matcalc.differential,
         # one block of a Hessian by two variables (a list of names would be the whole block Hessian)
         "hessian_block": lambda f, wrt, where=None: matcalc.hessian(f, tuple(wrt), where=where)}


class _Form:
    """A form printed beside a result (its Kronecker form, its second differential), measured and
    evaluated as a result is."""

    def __init__(self, result, expression):
        self.node, self.where, self.function = expression.node, expression.where, result.function
        self._expression = expression

    def evaluate(self, values):
        return self._expression.evaluate(values)

    def __str__(self) -> str:
        return str(self._expression)


def load_corpus(path: str = CORPUS) -> list:
    with open(path) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def tokens(text: str) -> int:
    """Tokens of a text (names, numbers, operators; brackets and commas free), as size.py counts."""
    return len([t for t in _TOKEN.findall(text) if t not in "(),"])


def derive(entry: dict):
    kind = entry.get("kind", "grad")
    if kind in ("kron", "d2f"):
        r = KINDS[entry.get("of", "hessian")](entry["f"], entry["wrt"], where=entry.get("where") or None)
        return _Form(r, r.kron if kind == "kron" else r.bilinear)
    return KINDS[kind](entry["f"], entry["wrt"], where=entry.get("where") or None)


def _directions(entry: dict) -> list:
    """The names a map's direction may have (V, V_S, dX, v): an answer written as a map, H[V] or dF,
    evaluates to an array that the direction contracts into the map's value."""
    w = entry["wrt"]
    last = w[-1] if isinstance(w, list) else w
    return ["V", "V_" + last.replace("_", ""), "V_" + last, "d" + last, "v"]


def _contracted(got, want, vals: dict, entry: dict):
    """matcalc's array contracted with the direction where the reference is the map's value, else None."""
    for name in _directions(entry):
        if name in vals:
            d = np.asarray(vals[name], dtype=float)
            k = got.ndim - d.ndim
            if d.ndim and k >= 0 and got.shape[k:] == d.shape and got.shape[:k] == want.shape:
                return np.tensordot(got, d, axes=(list(range(k, got.ndim)), list(range(d.ndim))))
    return None


def reference_of(entry: dict, result):
    where = "; ".join(w for w in (entry.get("where"), result.where) if w)
    return matcalc.parse(entry["reference"], where=where)


def numerically_equal(entry: dict, result=None, trials: int = 2, seed: int = 0) -> tuple:
    """(ok, message): matcalc's answer and the reference agree at random declared inputs."""
    r = result if result is not None else derive(entry)
    ref = reference_of(entry, r)
    rng = np.random.default_rng(seed)
    for _ in range(trials):
        # (the declared variables too: they fix the sizes where f no longer holds them, tr(X (X' X)^-1 X') = n)
        # (the reference first: a direction it declares symmetric, dS in a second differential, is sampled so)
        vals, _ = sample_values([ref.node, r.function.node, r.node, *r.function.context], rng, dims=entry.get("dims"))
        got = np.asarray(r.evaluate(vals), dtype=float)
        want = np.asarray(ref.evaluate(vals), dtype=float)
        if got.shape != want.shape:
            got = _contracted(got, want, vals, entry)
            if got is None:
                return False, f"shape {np.shape(r.evaluate(vals))} against the reference's {want.shape}"
        scale = max(1.0, float(np.max(np.abs(want))) if want.size else 1.0)
        err = float(np.max(np.abs(got - want))) / scale if want.size else 0.0
        if not err < 1e-7:
            return False, f"differs from the reference by {err:.2e}"
    return True, ""


def sizes(entry: dict, result) -> tuple:
    """(matcalc's size, the reference's size) in tokens."""
    ref = reference_of(entry, result)
    ref_size = min(size(ref.node), tokens(entry["reference"]))
    ours = min(size(result.node), tokens(str(result)))
    return ours, ref_size


def run(show_all: bool = False, path: str = CORPUS, targets: bool = True) -> dict:
    rows, bugs = [], []
    for e in load_corpus(path):
        try:
            r = derive(e)
            ok, msg = numerically_equal(e, r)
        except matcalc.MatcalcError as ex:
            ok, msg, r = False, f"error: {ex}", None
        if not ok:
            bugs.append((e["id"], msg))
            continue
        ours, ref = sizes(e, r)
        rows.append((e["id"], ours, ref, str(r), e["reference"]))
    short = sum(1 for _, o, f, _, _ in rows if o <= f)
    worst = max(rows, key=lambda row: row[1] / row[2])
    print(f"{'id':28s} {'matcalc':>7s} {'ref':>4s}  answer  |  reference")
    for rid, o, f, text, reftext in rows:
        if show_all or o > f:
            print(f"{rid:28s} {o:7d} {f:4d}  {text}  |  {reftext}")
    n = len(rows)
    print(f"\nentries {len(rows) + len(bugs)}, verified equal {n}, corpus bugs {len(bugs)}")
    for rid, msg in bugs:
        print(f"  CORPUS BUG {rid}: {msg}")
    print(f"as short as the reference: {short}/{n} = {100 * short / n:.1f}%{' (target >= 95%)' if targets else ''}")
    print(f"worst ratio: {worst[1] / worst[2]:.2f}x ({worst[0]}){' (target <= 1.5x)' if targets else ''}")
    total_o = sum(o for _, o, _, _, _ in rows)
    total_f = sum(f for _, _, f, _, _ in rows)
    print(f"total tokens: matcalc {total_o}, references {total_f}")
    return {"n": n, "short": short, "bugs": bugs, "worst": worst[1] / worst[2]}


if __name__ == "__main__":
    run(show_all="--all" in sys.argv)
    print("\nforms printed beside the answers (Kronecker forms, second differentials; no target):")
    run(show_all="--all" in sys.argv, path=FORMS, targets=False)
