"""Parse-time benchmark for matcalc's expression language.

    python benchmarks/bench_parse.py [--quick]

(a) per seed expression: matcalc.parse(expr, where=decl(case)); first parse and the median of
    repeats, with the overall median (aim: < 1 ms); also the Lark-only share (parse_syntax).
(b) a 10,000-term sum (plain names, and x_i' A x_i product terms, undeclared and declared), and
    1,000 terms for comparison.
(c) how many seed expressions parse with no declarations at all to the same kind of shape
    (scalar/vector/matrix) as with their declarations; the ones that don't, and why.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import sys  # noqa: E402

import _common as C  # noqa: E402  (sets sys.path, imports the tests' helpers and numpy)

QUICK = "--quick" in sys.argv


def _look_vs_declared(e, case) -> str:
    """Which names got a different kind by their look than by their declaration."""
    from matcalc.core.nodes import Var
    looks = {n.name: C.shape_kind(_np_shape(n.shape)) for n in e.node.walk() if isinstance(n, Var)}
    diffs = []
    for name, spec in case["vars"].items():
        declared = C.shape_kind(tuple(spec["shape"]))
        got = looks.get(name)
        if got is not None and got != declared:
            diffs.append(f"{name} is a {got} by its look (declared {declared})")
    return "; ".join(diffs) or "no single name differs"


def _np_shape(shape):
    from matcalc.expression import numpy_shape
    return numpy_shape(shape)


def main() -> None:
    t0 = C.perf()
    import matcalc
    from matcalc.language.parser import parse_syntax
    t_import = C.perf() - t0
    C.header("bench_parse: matcalc.parse")
    cases = C.load_cases()

    # -- start-up: the first parse of the process builds the Lark LALR parser ---------------
    t_first_ever, _ = C.timed(lambda: matcalc.parse("x' A x"))
    t_again = C.median(C.repeat(lambda: matcalc.parse("x' A x"), min_reps=20, budget=0.1))
    print(f"import matcalc: {C.ms(t_import)} ms; first parse in the process (builds the grammar): "
          f"{C.ms(t_first_ever)} ms; the same text again: {C.ms(t_again)} ms")
    print()

    # -- (a) per-expression parse times ------------------------------------------------------
    print("(a) parse time of each seed expression with its declarations "
          "(first = first parse of that text in this process, after the grammar was built;")
    print("    median over repeats of the same call; 'lark' = median of parse_syntax alone, "
          "the rest is declarations + typing/canonicalization)")
    rows, firsts, meds, larks, cpus = [], [], [], [], []
    budget = 0.03 if QUICK else 0.1
    for c in cases:
        where = C.decl(c)
        expr = c["expr"]
        try:
            t1, e = C.timed(lambda: matcalc.parse(expr, where=where))
            shape = e.shape
            del e
        except matcalc.MatcalcError as err:
            rows.append([c["id"], expr[:44], "ERROR", "", "", "", "", type(err).__name__ + ": " + str(err).splitlines()[0][:60]])
            continue
        ts = C.repeat(lambda: matcalc.parse(expr, where=where), min_reps=20, max_reps=2000, budget=budget)
        tl = C.repeat(lambda: parse_syntax(expr), min_reps=20, max_reps=2000, budget=budget / 3)
        m, ml = C.median(ts), C.median(tl)
        cpus.append(C.median(ts.cpu))
        firsts.append(t1)
        meds.append(m)
        larks.append(ml)
        rows.append([c["id"], expr[:44], C.ms(t1), C.ms(m), C.ms(cpus[-1]), C.ms(min(ts)), C.ms(ml),
                     f"{len(ts)} reps, shape {shape}"])
    C.table(rows, ["case", "expression", "first", "median", "cpu", "min", "lark", "notes"], "llrrrrrl")
    over = [r[0] for r, m in zip([r for r in rows if r[2] != "ERROR"], meds) if m >= 1e-3]
    print()
    print(f"overall median of the per-expression medians: {C.ms(C.median(meds))} ms "
          f"(aim < 1 ms); mean {C.ms(sum(meds) / len(meds))} ms; max {C.ms(max(meds))} ms; "
          f"{sum(m < 1e-3 for m in meds)}/{len(meds)} expressions under 1 ms; CPU-time median {C.ms(C.median(cpus))} ms, "
          f"{sum(m < 1e-3 for m in cpus)}/{len(cpus)} under 1 ms of CPU")
    if over:
        print(f"   at or over 1 ms: {', '.join(over)}")
    print(f"Lark alone: median {C.ms(C.median(larks))} ms, i.e. "
          f"{100 * C.median([a / b for a, b in zip(larks, meds)]):.0f}% of the parse (median share)")
    ratios = [f / m for f, m in zip(firsts, meds)]
    ok_ids = [r[0] for r in rows if r[2] != "ERROR"]
    worst = max(range(len(ratios)), key=ratios.__getitem__)
    print(f"first parse vs repeated: median first {C.ms(C.median(firsts))} ms vs median repeated "
          f"{C.ms(C.median(meds))} ms; first/repeated ratio median {C.median(ratios):.2f}, "
          f"max {max(ratios):.2f} ({ok_ids[worst]}: {C.ms(firsts[worst])} vs {C.ms(meds[worst])} ms)  -> " + ("a first parse is noticeably slower" if C.median(ratios) > 1.2
                                           else "a first parse is not noticeably slower"))
    print("   (parse() hash-conses nodes in a weak table: repeated parses of the same text rebuild the tree,")
    print("    and re-find interned nodes only while an earlier result is still alive; nothing is memoized per text)")
    print()

    # -- (b) long sums -----------------------------------------------------------------------
    print("(b) long sums, undeclared names and all names declared (A: matrix(n,n); x0, x1, ...: vector(n));")
    print("    each parsed `reps` times (5 for 1,000 terms, 3 for 3,000 and 10,000); first and median in ms")
    sizes = [1000, 3000, 10000]
    rows = []
    for n in sizes:
        plain = " + ".join(f"x{i}" for i in range(n))
        prod = " + ".join(f"x{i}' A x{i}" for i in range(n))
        decl = "A: matrix(n,n); " + ", ".join(f"x{i}" for i in range(n)) + ": vector(n)"
        variants = [
            ("plain names x0 + x1 + ...", plain, None),
            ("products x0' A x0 + ...", prod, None),
            ("products, all declared", prod, decl),
        ]
        reps = (2 if QUICK else 3) if n >= 3000 else (3 if QUICK else 5)
        for label, text, where in variants:
            try:
                ts, cs = [], []
                for _ in range(reps):
                    t, e = C.timed(lambda: matcalc.parse(text, where=where))
                    ts.append(t)
                    cs.append(C.LAST_CPU[0])
                    shape = e.shape
                    del e
                rows.append([f"{n:,}", label, f"{len(text):,}", f"{len(where or ''):,}", C.ms(ts[0]), C.ms(C.median(ts)),
                             C.ms(C.median(cs)), f"{1e6 * C.median(ts) / n:.1f}", f"{1e6 * C.median(cs) / n:.1f}",
                             str(shape)])
            except matcalc.MatcalcError as err:
                rows.append([f"{n:,}", label, f"{len(text):,}", f"{len(where or ''):,}", "ERROR", "", "", "", "",
                             str(err).splitlines()[0][:70]])
    C.table(rows, ["terms", "sum", "chars", "decl chars", "first", "median", "cpu", "us/term", "cpu us/term",
                       "shape / note"], "llrrrrrrrl")
    print()

    # -- (c) no declarations -----------------------------------------------------------------
    print("(c) each seed expression parsed with NO declarations: same kind of shape as with its declarations?")
    same, rows = 0, []
    for c in cases:
        expr = c["expr"]
        try:
            with_decl = C.shape_kind(matcalc.parse(expr, where=C.decl(c)).shape)
        except matcalc.MatcalcError as err:
            rows.append([c["id"], expr[:50], "ERROR", "-", "with declarations: " + str(err).splitlines()[0][:70]])
            continue
        try:
            e = matcalc.parse(expr)
            bare = C.shape_kind(e.shape)
            note = "" if bare == with_decl else f"undeclared: shape {e.shape}; " + _look_vs_declared(e, c)
            if bare != with_decl:
                rows.append([c["id"], expr[:50], with_decl, bare, note])
            else:
                same += 1
        except matcalc.MatcalcError as err:
            rows.append([c["id"], expr[:50], with_decl, "ERROR", type(err).__name__ + ": " + str(err).splitlines()[0][:90]])
    print(f"{same}/{len(cases)} seed expressions parse without declarations to the same kind of shape.")
    if rows:
        print("the others:")
        C.table(rows, ["case", "expression", "declared", "undeclared", "why"], "lllll")
    C.footer()


if __name__ == "__main__":
    main()
