"""Derivation-time benchmark for matcalc's engine, with SymPy side by side, and scaling.

    python benchmarks/bench_derive.py [--quick] [--sections abc] [--no-sympy]

(a) every seed case derived by its kind (matcalc.grad / jacobian / hessian, from the text and its
    declarations, so parsing is included): the first call, the cold median (the cyclic GC run
    before every repeat so no interned node survives from the previous repeat) and the warm median
    (the previous result kept alive, so hash-consed nodes and their caches are reused).
    Aims: < 2 ms for gradients/Jacobians, < 10 ms for Hessians.
(b) SymPy's matrix-expression derivative (MatrixSymbol(...).diff) on the seed cases it can express,
    built by hand below (SYMPY_CASES), timed with SymPy's cache cleared before every repeat, and
    checked numerically against the case's reference derivative (or central finite differences).
(c) scaling: derivation time against expression size k = 1, 2, 4, ..., 256 for several families,
    each repeat with freshly suffixed variable names (nothing can be reused), with time/k, warm
    times, parse-only times, the size of the answer and the fitted exponent of time against k.
"""
import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
           "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS"):
    os.environ[_v] = "1"

import gc  # noqa: E402
import itertools  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

import _common as C  # noqa: E402

QUICK = "--quick" in sys.argv
SECTIONS = "abc"
for _i, _a in enumerate(sys.argv):
    if _a == "--sections" and _i + 1 < len(sys.argv):
        SECTIONS = sys.argv[_i + 1]
NO_SYMPY = "--no-sympy" in sys.argv
AIM = {"gradient": 2e-3, "jacobian": 2e-3, "hessian": 10e-3}


def derive_fn(kind: str):
    import matcalc
    return getattr(matcalc, C.KIND_FN_NAMES[kind])


# =============================================================================================
# (a) per seed case
# =============================================================================================

def section_a(cases: list) -> dict:
    import matcalc
    print("(a) derivation time per seed case (full API call from text + declarations; ms)")
    print("    first = first call for that case in this process; cold = median with gc.collect() before each")
    print("    repeat (nothing interned survives; the heap alive before is frozen out of that collection);")
    print("    warm = median with the previous result kept alive")
    rows, out = [], {}
    budget = 0.08 if QUICK else 0.25
    for c in cases:
        fn, where, expr, wrt = derive_fn(c["kind"]), C.decl(c), c["expr"], c["wrt"]
        call = (lambda fn=fn, expr=expr, wrt=wrt, where=where: fn(expr, wrt, where=where))
        gc.collect()
        try:
            t1, r = C.timed(call)
        except matcalc.MatcalcError as err:
            rows.append([c["id"], c["kind"][:4], wrt, "ERROR", "", "", "", "", "", type(err).__name__ + ": " + str(err)[:60]])
            out[c["id"]] = {"error": f"{type(err).__name__}: {err}"}
            continue
        text = str(r)
        del r
        C.freeze_heap()  # the cold repeats' collections walk only what they made (see there)
        cold = C.repeat(call, min_reps=5, max_reps=200, budget=budget, setup=gc.collect)  # C.Times: .cpu too
        keep = [call()]

        def warm_call(call=call, keep=keep):
            keep.append(call())
        warm = C.repeat(warm_call, min_reps=5, max_reps=200, budget=budget / 2)
        del keep[:]
        mc, mw = C.median(cold), C.median(warm)
        flag = "" if mc < AIM[c["kind"]] else "  > aim"
        cpu = C.median(cold.cpu)
        out[c["id"]] = {"first": t1, "cold": mc, "warm": mw, "cpu": cpu, "min": min(cold), "kind": c["kind"], "text": text}
        rows.append([c["id"], c["kind"][:4], wrt, C.ms(t1), C.ms(mc), C.ms(cpu), C.ms(min(cold)), C.ms(mw), str(len(cold)),
                     (text[:58] + ("..." if len(text) > 58 else "")) + flag])
    C.table(rows, ["case", "kind", "wrt", "first", "cold", "cpu", "min", "warm", "reps", "result"], "lllrrrrrrl")
    print()
    ok = {k: v for k, v in out.items() if "error" not in v}
    allm = [v["cold"] for v in ok.values()]
    print(f"overall median (cold) over {len(allm)} derivable cases: {C.ms(C.median(allm))} ms; "
          f"warm {C.ms(C.median([v['warm'] for v in ok.values()]))} ms; "
          f"first call {C.ms(C.median([v['first'] for v in ok.values()]))} ms; "
          f"CPU time {C.ms(C.median([v['cpu'] for v in ok.values()]))} ms; fastest repeat {C.ms(C.median([v['min'] for v in ok.values()]))} ms")
    for kinds, aim in ((("gradient", "jacobian"), 2e-3), (("hessian",), 10e-3)):
        vals = {k: v for k, v in ok.items() if v["kind"] in kinds}
        cm = [v["cold"] for v in vals.values()]
        over = sorted(((v["cold"], k) for k, v in vals.items() if v["cold"] >= aim), reverse=True)
        print(f"  {'/'.join(kinds)}: {len(cm)} cases, median cold {C.ms(C.median(cm))} ms, "
              f"median warm {C.ms(C.median([v['warm'] for v in vals.values()]))} ms, "
              f"max {C.ms(max(cm))} ms; {len(cm) - len(over)}/{len(cm)} under the aim ({C.ms(aim)} ms); "
              f"by CPU time: median {C.ms(C.median([v['cpu'] for v in vals.values()]))} ms, "
              f"{sum(v['cpu'] < aim for v in vals.values())}/{len(cm)} under the aim")
        if over:
            print("    over the aim: " + ", ".join(f"{k} {C.ms(t)}" for t, k in over))
    errs = {k: v["error"] for k, v in out.items() if "error" in v}
    for k, e in errs.items():
        print(f"  not derivable: {k}: {e[:110]}")
    print()
    return out


# =============================================================================================
# (b) SymPy side by side
# =============================================================================================

def _sympy_cases() -> dict:
    """case id -> [(label, builder)], builder(ns) -> the SymPy expression to differentiate.

    ns holds the case's symbols: a MatrixSymbol(name, d, 1) per vector, MatrixSymbol(name, r, c)
    per matrix, a real Symbol per scalar ('lambda' is ns.lam). Scalars made of 1x1 matrix
    products are taken either as the 1x1 matrix (elementwise functions via applyfunc) or as
    Trace(1x1) (a scalar). Where two readings are listed, the first that SymPy gets right is used.
    None means SymPy's matrix expressions cannot express the case.
    """
    from sympy import Determinant, Identity, OneMatrix, Rational, Trace, cos, exp, log, sqrt

    half = Rational(1, 2)

    def sig(t):
        return 1 / (1 + exp(-t))

    def m_rows(M):
        return M.shape[0]

    quad = [("x'Ax/2 + b'x + c I_1", lambda s: half * s.x.T * s.A * s.x + s.b.T * s.x + s.c * Identity(1))]
    negexp = [("-(exp.(-x'x)) [applyfunc]", lambda s: -(-(s.x.T * s.x)).applyfunc(exp)),
              ("-exp(-tr(x'x))", lambda s: -exp(-Trace(s.x.T * s.x)))]
    lsq = [("(Ax-b)'(Ax-b)/2", lambda s: half * (s.A * s.x - s.b).T * (s.A * s.x - s.b))]
    inv1 = [("-(I_1 + x'x)^-1", lambda s: -(Identity(1) + s.x.T * s.x).I),
            ("-1/(1 + tr(x'x))", lambda s: -1 / (1 + Trace(s.x.T * s.x)))]
    lse = [("log(tr(1' exp.(Ax+b)))", lambda s: log(Trace(OneMatrix(1, m_rows(s.A)) * (s.A * s.x + s.b).applyfunc(exp)))),
           ("log.(1' exp.(Ax+b)) [applyfunc]",
            lambda s: (OneMatrix(1, m_rows(s.A)) * (s.A * s.x + s.b).applyfunc(exp)).applyfunc(log))]
    logistic = [("log.(1 + exp.(a'x)) [applyfunc]", lambda s: (s.a.T * s.x).applyfunc(lambda t: log(1 + exp(t)))),
                ("log(1 + exp(tr(a'x)))", lambda s: log(1 + exp(Trace(s.a.T * s.x))))]
    cube = [("(x'x).^(3/2)/3 [applyfunc]", lambda s: (s.x.T * s.x).applyfunc(lambda t: t ** Rational(3, 2) / 3)),
            ("tr(x'x)^(3/2)/3", lambda s: Trace(s.x.T * s.x) ** Rational(3, 2) / 3)]
    nn = [("sigmoid.(Wx+b) [applyfunc]; tr(r'r)/2 + lambda/2 tr(W'W)",
           lambda s: half * Trace(((s.W * s.x + s.b).applyfunc(sig) - s.t).T * ((s.W * s.x + s.b).applyfunc(sig) - s.t))
           + s.lam / 2 * Trace(s.W.T * s.W))]
    xx = [("(x'x).^(x'x) [applyfunc]", lambda s: (s.x.T * s.x).applyfunc(lambda t: t ** t)),
          ("tr(x'x)^tr(x'x)", lambda s: Trace(s.x.T * s.x) ** Trace(s.x.T * s.x))]
    rayleigh = [("x'Ax (x'x)^-1", lambda s: s.x.T * s.A * s.x * (s.x.T * s.x).I),
                ("tr(x'Ax)/tr(x'x)", lambda s: Trace(s.x.T * s.A * s.x) / Trace(s.x.T * s.x))]
    fro = [("tr((A-xx')'(A-xx'))/2", lambda s: half * Trace((s.A - s.x * s.x.T).T * (s.A - s.x * s.x.T)))]
    softplus = [("gamma 1' log.(1+exp.(Ax)) + mu/2 x'x [applyfunc]",
                 lambda s: s.gamma * OneMatrix(1, m_rows(s.A)) * (s.A * s.x).applyfunc(lambda t: log(1 + exp(t)))
                 + s.mu / 2 * s.x.T * s.x)]
    detshift = [("det(A - t I)", lambda s: Determinant(s.A - s.t * Identity(m_rows(s.A))))]
    logquad = [("log(tr(x'Ax))", lambda s: log(Trace(s.x.T * s.A * s.x))),
               ("log.(x'Ax) [applyfunc]", lambda s: (s.x.T * s.A * s.x).applyfunc(log))]
    logdet = [("log(det(X))", lambda s: log(Determinant(s.X)))]
    det = [("det(X)", lambda s: Determinant(s.X))]
    return {
        "ex01-x": [("A x", lambda s: s.A * s.x)],
        "ex01-A": [("A x", lambda s: s.A * s.x)],
        "ex02": [("c' x", lambda s: s.c.T * s.x)],
        "ex03-grad": quad, "ex03-hess": quad,
        "ex04-grad": negexp, "ex04-hess": negexp,
        "ex05-grad": lsq, "ex05-hess": lsq,
        "ex06": [("sqrt.(x'x) [applyfunc]", lambda s: (s.x.T * s.x).applyfunc(sqrt)),
                 ("sqrt(tr(x'x))", lambda s: sqrt(Trace(s.x.T * s.x)))],
        "ex07": [("sqrt.((Ax)'(Ax)) [applyfunc]", lambda s: ((s.A * s.x).T * (s.A * s.x)).applyfunc(sqrt)),
                 ("sqrt(tr((Ax)'(Ax)))", lambda s: sqrt(Trace((s.A * s.x).T * (s.A * s.x))))],
        "ex08-grad": inv1, "ex08-hess": inv1,
        "ex09": logquad,
        "ex10": det,
        "ex11": logdet, "ex11-spd": logdet,
        "ex12-grad": lse, "ex12-hess": lse,
        "ex14-tr": [("tr(X)", lambda s: Trace(s.X))],
        "ex14-det": det,
        "ex15": [("tr(X'X)", lambda s: Trace(s.X.T * s.X))],
        "ex16": [("scalar logistic loss of tr(theta'x)",
                  lambda s: -(s.y * log(sig(Trace(s.theta.T * s.x))) + (1 - s.y) * log(1 - sig(Trace(s.theta.T * s.x))))),
                 ("elementwise on theta'x [applyfunc]",
                  lambda s: -((s.theta.T * s.x).applyfunc(lambda u: s.y * log(sig(u)) + (1 - s.y) * log(1 - sig(u)))))],
        "ex17": [("tr(A X)", lambda s: Trace(s.A * s.X))],
        "ex18": [("tr(S'X) - log(det(X))", lambda s: Trace(s.S.T * s.X) - log(Determinant(s.X)))],
        "ex19": [("log(tr((Ax)'x))", lambda s: log(Trace((s.A * s.x).T * s.x))),
                 ("log.((Ax)'x) [applyfunc]", lambda s: ((s.A * s.x).T * s.x).applyfunc(log))],
        "ex20-grad": logistic, "ex20-hess": logistic,
        "ex21-grad": cube, "ex21-hess": cube,
        "ex22": [("sqrt(tr((AX-B)'(AX-B)))", lambda s: sqrt(Trace((s.A * s.X - s.B).T * (s.A * s.X - s.B))))],
        "ex23-W": nn, "ex23-b": nn,
        "ex24": xx, "ex24-hess": xx,
        "ex25-grad": rayleigh, "ex25-hess": rayleigh,
        "ex26-grad": fro, "ex26-hess": fro,
        "ex27": None,  # the spectral norm of a matrix expression: no SymPy matrix-expression node (matcalc rejects it too)
        "ex28-grad": softplus, "ex28-hess": softplus,
        "ex29-trinv": [("tr(X^-1)", lambda s: Trace(s.X.I))],
        "ex29-logdet": logdet,
        "ex30-d1": detshift, "ex30-d2": detshift,
        "ex31": [("tr(A X^2 B X^-T)", lambda s: Trace(s.A * s.X ** 2 * s.B * s.X.I.T))],
        "ex-quad-b": [("x'Ax/2 - b'x + c I_1", lambda s: half * s.x.T * s.A * s.x - s.b.T * s.x + s.c * Identity(1))],
        "ex-lnquad": logquad,
        "id-aXinvb": [("a' X^-1 b", lambda s: s.a.T * s.X.I * s.b)],
        "id-aXb": [("a' X b", lambda s: s.a.T * s.X * s.b)],
        "id-xBx": [("x' B x", lambda s: s.x.T * s.B * s.x)],
        "id-xAsW": [("(x - A s)' W (x - A s)", lambda s: (s.x - s.A * s.s).T * s.W * (s.x - s.A * s.s))],
        "id-BtB": [("B' B", lambda s: s.B.T * s.B)],
        "id-scalar-chain": [("plain scalar SymPy", lambda s: sqrt(s.x ** 2 + exp(s.x ** 2)) + cos(s.x ** 2 + exp(s.x ** 2)))],
        "ml-theta-x": [("theta' x", lambda s: s.theta.T * s.x)],
        "ml-Wx": [("W x", lambda s: s.W * s.x)],
        "ml-sqloss-W": [("(y - Wx)'(y - Wx)/2", lambda s: half * (s.y - s.W * s.x).T * (s.y - s.W * s.x))],
        "ml-logreg-w": [("plain scalar SymPy", lambda s: half * (sig(s.w * s.x + s.b) - s.t) ** 2 + s.lam / 2 * s.w ** 2)],
        "rule-dAXB": [("A X B", lambda s: s.A * s.X * s.B)],
        "rule-dinv": [("X^-1", lambda s: s.X.I)],
        "rule-ddet": det,
        "rule-quot": [("X / tr(X)", lambda s: s.X / Trace(s.X))],
        "rule-inner": [("tr(X' X^2)", lambda s: Trace(s.X.T * s.X ** 2))],
    }


class _NS(dict):
    __getattr__ = dict.__getitem__


def _sympy_namespace(case: dict):
    import sympy as sp
    ns, dims = _NS(), {}
    for name, spec in case["vars"].items():
        sh = [dims.setdefault(d, sp.Symbol(d, integer=True, positive=True)) if isinstance(d, str) else d
              for d in spec["shape"]]
        key = "lam" if name == "lambda" else name
        if not sh:
            ns[key] = sp.Symbol(name, real=True)
        elif len(sh) == 1:
            ns[key] = sp.MatrixSymbol(name, sh[0], 1)
        else:
            ns[key] = sp.MatrixSymbol(name, *sh)
    return ns, dims


def _sympy_derive(case: dict, builder):
    ns, _ = _sympy_namespace(case)
    w = ns["lam" if case["wrt"] == "lambda" else case["wrt"]]
    r = builder(ns).diff(w)
    if case["kind"] == "hessian":
        r = r.diff(w)
    return r


def _sympy_eval(r, case: dict, vals: dict, dimvals: dict):
    """SymPy's derivative at the numbers `vals` as a NumPy array (explicit matrices substituted)."""
    import sympy as sp
    ns, dims = _sympy_namespace(case)
    r = r.subs({sym: dimvals[name] for name, sym in dims.items()})
    rep = {}
    for name in case["vars"]:
        v = vals[name]
        if np.ndim(v) == 0:
            rep[sp.Symbol(name, real=True)] = sp.Float(float(v))
        else:
            v = np.asarray(v, dtype=float)
            if v.ndim == 1:
                v = v.reshape(-1, 1)
            rep[sp.MatrixSymbol(name, *v.shape)] = sp.ImmutableMatrix(v)
    r = r.xreplace(rep).doit()
    if hasattr(r, "as_explicit") and not isinstance(r, sp.MatrixBase):
        r = r.as_explicit()
    if isinstance(r, sp.MatrixBase) or hasattr(r, "tolist"):
        return np.array(r.tolist(), dtype=float)
    return np.array(float(r))


def _reference(case: dict, cases_by_id: dict, vals: dict) -> np.ndarray:
    """The trusted derivative at vals: expected_numpy, else central differences of numpy_f."""
    if "expected_numpy" in case:
        return np.asarray(eval(case["expected_numpy"], {"np": np, "math": __import__("math")})(**vals), dtype=float)  # noqa: S307
    f = C.numpy_f(case)
    if case["kind"] != "hessian":
        return C.fd_derivative(f, vals, case["wrt"])
    sib = next((c for c in cases_by_id.values() if c["expr"] == case["expr"] and c["wrt"] == case["wrt"]
                and c["kind"] == "gradient" and "expected_numpy" in c), None)
    if sib is not None:
        g = eval(sib["expected_numpy"], {"np": np, "math": __import__("math")})  # noqa: S307
        return C.fd_derivative(g, vals, case["wrt"])
    return C.fd_derivative(lambda **v: C.fd_derivative(f, v, case["wrt"], h=1e-4), vals, case["wrt"], h=1e-4)


def _close(a, b, tol=1e-5) -> bool:
    scale = max(1.0, float(np.max(np.abs(b)))) if b.size else 1.0
    return a.shape == b.shape and (not a.size or float(np.max(np.abs(a - b))) <= tol * scale)


def _compare(got: np.ndarray, ref: np.ndarray, any_layout: bool, tol=1e-5) -> str:
    """'ok', 'ok (other layout)' or 'WRONG ...' after squeezing unit axes."""
    g, rf = np.squeeze(got), np.squeeze(ref)
    if g.size != rf.size:
        return f"WRONG shape {got.shape} vs {ref.shape}"
    if g.shape == rf.shape and _close(g, rf, tol):
        return "ok"
    if any_layout and g.ndim == rf.ndim:
        for p in itertools.permutations(range(g.ndim)):
            gp = np.transpose(g, p)
            if gp.shape == rf.shape and _close(gp, rf, tol):
                return "ok (other layout)"
    if not np.any(g):
        return "WRONG (returns 0)"
    if g.shape == rf.shape:
        scale = max(1.0, float(np.max(np.abs(rf))))
        return f"WRONG (max err {float(np.max(np.abs(g - rf))) / scale:.2g} rel.)"
    return f"WRONG (shape {got.shape} vs {ref.shape})"


def section_b(cases: list, a_res: dict) -> None:
    try:
        import sympy as sp
        from sympy.core.cache import clear_cache
    except ImportError:
        print("(b) SymPy is not installed; skipped")
        return
    print(f"(b) SymPy {sp.__version__} MatrixSymbol.diff side by side (Hessians: .diff twice)")
    print("    sympy = median of build + diff with SymPy's cache cleared before every repeat; cached = the same")
    print("    call repeated with SymPy's cache kept (for the plain-scalar cases that is a memo lookup);")
    print("    matcalc = the cold median from (a); ratio = sympy / matcalc (shown also where SymPy's answer is")
    print("    wrong or unevaluated, but the median ratios below leave out unevaluated ones). SymPy's answers are")
    print("    evaluated at random inputs and compared with the case's reference derivative (expected_numpy, else")
    print("    central finite differences); Jacobian and 4-way Hessian layouts are matched up to a permutation of")
    print("    axes. matcalc's answer is checked the same way.")
    from sympy.tensor.array.array_derivatives import ArrayDerivative
    table = _sympy_cases()
    by_id = {c["id"]: c for c in cases}
    rows, ratios, ratios_ok, status, footnotes = [], [], [], {}, []
    cpu_ratios, cpu_ratios_ok = [], []
    # warm SymPy's lazy imports (array-expression modules) once, outside any measurement
    x0 = sp.MatrixSymbol("x", 3, 1)
    (x0.T * x0).diff(x0)
    budget = 0.3 if QUICK else 0.5
    for c in cases:
        cid = c["id"]
        alts = table.get(cid)
        vals = C.sample_inputs(c)
        dimvals = {d: C.DIM_VALUES.get(d, 3) for v in c["vars"].values() for d in v["shape"] if isinstance(d, str)}
        # matcalc's own numeric verdict
        mc = a_res.get(cid, {})
        if "error" in mc:
            mc_verdict = "error"
        else:
            try:
                ref = _reference(c, by_id, vals)
                r = derive_fn(c["kind"])(c["expr"], c["wrt"], where=C.decl(c))
                mc_verdict = _compare(np.asarray(r.evaluate(vals), dtype=float), ref, any_layout=False, tol=1e-4)
            except Exception as err:  # noqa: BLE001 - report, don't stop
                mc_verdict = f"check failed: {type(err).__name__}"
        if alts is None:
            rows.append([cid, c["kind"][:4], C.ms(mc.get("cold")), "-", "-", "-", mc_verdict,
                         "cannot express", "no SymPy matrix-expression node for it"])
            status[cid] = "cannot express"
            continue
        best, tried = None, []
        for label, builder in alts:
            clear_cache()
            try:
                t_first, r = C.timed(lambda: _sympy_derive(c, builder))
            except RecursionError:
                cand = (3, label, builder, None, "error: RecursionError")
            except Exception as err:  # noqa: BLE001
                cand = (3, label, builder, None, f"error: {type(err).__name__}: {str(err)[:50]}")
            else:
                if r.has(ArrayDerivative) or r.has(sp.Derivative):
                    cand = (2, label, builder, t_first, "unevaluated Derivative(...)")
                else:
                    try:
                        verdict = _compare(_sympy_eval(r, c, vals, dimvals), _reference(c, by_id, vals),
                                           any_layout=c["kind"] == "jacobian" or np.ndim(vals[c["wrt"]]) == 2
                                           and c["kind"] == "hessian", tol=1e-4)
                    except Exception as err:  # noqa: BLE001
                        verdict = f"answer not evaluable ({type(err).__name__})"
                    cand = (0 if verdict.startswith("ok") else 1, label, builder, t_first, verdict)
            tried.append(cand)
            if best is None or cand[0] < best[0]:
                best = cand
            if cand[0] == 0:
                break
        for cand in tried:
            if cand is not best:
                footnotes.append(f"{cid}: other reading '{cand[1]}' -> {cand[4]}")
        rank, label, builder, t_first, verdict = best
        status[cid] = verdict
        if rank == 3:
            rows.append([cid, c["kind"][:4], C.ms(mc.get("cold")), "-", "-", "-", mc_verdict, verdict, label])
            continue
        ts = C.repeat(lambda: _sympy_derive(c, builder), min_reps=3, max_reps=30, budget=budget, setup=clear_cache)
        clear_cache()
        _sympy_derive(c, builder)
        cached = C.repeat(lambda: _sympy_derive(c, builder), min_reps=5, max_reps=50, budget=0.05)
        st = C.median(ts)
        ratio = st / mc["cold"] if mc.get("cold") else float("nan")
        if mc.get("cold") and rank <= 1:
            ratios.append(ratio)
            cpu_ratios.append(C.median(ts.cpu) / mc["cpu"])
            if rank == 0:
                ratios_ok.append(ratio)
                cpu_ratios_ok.append(C.median(ts.cpu) / mc["cpu"])
        rows.append([cid, c["kind"][:4], C.ms(mc.get("cold")), C.ms(st), C.ms(C.median(cached)),
                     f"{ratio:.1f}x" if ratio == ratio else "-", mc_verdict, verdict, label])
    C.table(rows, ["case", "kind", "matcalc", "sympy", "cached", "ratio", "matcalc check", "sympy answer",
                   "SymPy construction"], "llrrrrlll")
    print()
    n = len(cases)
    cats = {}
    for cid, v in status.items():
        key = ("ok" if v.startswith("ok") else "wrong" if v.startswith("WRONG") else
               "unevaluated" if v.startswith("unevaluated") else "cannot express" if v == "cannot express" else
               "error" if v.startswith("error") else "not evaluable")
        cats.setdefault(key, []).append(cid)
    print(f"SymPy on the {n} seed cases: " + "; ".join(f"{k}: {len(v)}" for k, v in sorted(cats.items())))
    for k in ("wrong", "unevaluated", "error", "not evaluable", "cannot express"):
        if k in cats:
            print(f"  {k}: " + ", ".join(f"{cid} [{status[cid]}]" if k in ("wrong",) else cid for cid in cats[k]))
    for f in footnotes:
        print("  " + f)
    print(f"median ratio sympy/matcalc over the {len(ratios)} cases SymPy answered (right or wrong): "
          f"{C.median(ratios):.1f}x; over the {len(ratios_ok)} it answered correctly: {C.median(ratios_ok):.1f}x "
          f"(by CPU time: {C.median(cpu_ratios):.1f}x and {C.median(cpu_ratios_ok):.1f}x)")
    print("note: log(det(X)) in SymPy: " + str(sp.log(sp.Determinant(sp.MatrixSymbol('X', 3, 3))).diff(
        sp.MatrixSymbol('X', 3, 3))) + "  (the right answer is X^-T)")
    print()


# =============================================================================================
# (c) scaling
# =============================================================================================

def _fam_trpow(k, s):
    X = f"X_r{s}"
    return f"tr({X}^{k})", X, f"{X}: matrix(n,n)", "grad"


def _fam_trprod(k, s):
    X = f"X_r{s}"
    return "tr(" + " ".join([X] * k) + ")", X, f"{X}: matrix(n,n)", "grad"


def _fam_sum_aXb(k, s):
    a = [f"a_{i}r{s}" for i in range(k)]
    b = [f"b_{i}r{s}" for i in range(k)]
    X = f"X_r{s}"
    return (" + ".join(f"{p}' {X} {q}" for p, q in zip(a, b)), X,
            ", ".join(a) + ": vector(m); " + ", ".join(b) + f": vector(n); {X}: matrix(m,n)", "grad")


def _fam_sum_xAx(k, s):
    A = [f"A_{i}r{s}" for i in range(k)]
    x = f"x_r{s}"
    return " + ".join(f"{x}' {a} {x}" for a in A), x, ", ".join(A) + f": matrix(n,n); {x}: vector(n)", "grad"


def _fam_chain(k, s):
    A = [f"A_{i}r{s}" for i in range(k)]
    x, a = f"x_r{s}", f"a_r{s}"
    return f"{a}' " + " ".join(A) + f" {x}", x, ", ".join(A) + f": matrix(n,n); {x}, {a}: vector(n)", "grad"


def _fam_chain_jac(k, s):
    A = [f"A_{i}r{s}" for i in range(k)]
    x = f"x_r{s}"
    return " ".join(A) + f" {x}", x, ", ".join(A) + f": matrix(n,n); {x}: vector(n)", "jacobian"


def _fam_trAX(k, s):
    A = [f"A_{i}r{s}" for i in range(k)]
    X = f"X_r{s}"
    return "tr(" + " ".join(f"{a} {X}" for a in A) + ")", X, ", ".join(A) + f": matrix(n,n); {X}: matrix(n,n)", "grad"


FAMILIES = [
    ("tr(X^k) wrt X  [power written once; answer k X'^(k-1), constant size]", _fam_trpow),
    ("sum_i a_i' X b_i wrt X  [k terms; answer sum_i a_i b_i', linear]", _fam_sum_aXb),
    ("sum_i x' A_i x wrt x  [k terms; answer (sum_i A_i + A_i') x, linear]", _fam_sum_xAx),
    ("a' A_1 A_2 ... A_k x wrt x  [k factors; answer A_k'...A_1' a, linear]", _fam_chain),
    ("A_1 A_2 ... A_k x wrt x, Jacobian  [k factors; answer A_1...A_k, linear]", _fam_chain_jac),
    ("tr(X X ... X) wrt X  [k factors, every one the variable; canonicalizes to X^k]", _fam_trprod),
    ("tr(A_1 X A_2 X ... A_k X) wrt X  [every other factor the variable; answer k terms of 2k-1 factors: quadratic]",
     _fam_trAX),
]


def section_c() -> None:
    import matcalc
    from matcalc.outputs.printing import to_text
    print("(c) scaling with expression size k (ms). cold = median over repeats, each with FRESH variable names")
    print("    (suffix r<repeat>) and gc.collect() before it, so nothing is shared or cached; warm = the same text")
    print("    again with the previous result alive (median); min = fastest cold repeat (least disturbed by other")
    print("    load); parse = fastest matcalc.parse alone (fresh names); derive = min - parse; nodes = distinct nodes")
    print("    of the answer's DAG; chars = length of its plain (non-CSE) text. Printing is not timed.")
    ks = [1, 2, 4, 8, 16, 32, 64, 128, 256]
    limit = 20.0 if not QUICK else 5.0
    suffix = itertools.count(1)
    for title, fam in FAMILIES:
        print()
        print("  family: " + title)
        rows, kk, tt, tmin, tcpu, sizes = [], [], [], [], [], []
        for k in ks:
            text, wrt, where, fname = fam(k, next(suffix))
            fn = getattr(matcalc, fname)
            gc.collect()
            t_first, r = C.timed(lambda: fn(text, wrt, where=where))
            nodes = sum(1 for _ in r._expr.walk())
            chars = len(to_text(r._expr))
            del r
            reps = 1 if t_first > 5 else max(3, min(9 if not QUICK else 5, int((0.4 if not QUICK else 0.2) / max(t_first, 1e-4))))
            cold, cold_cpu = [t_first], [C.LAST_CPU[0]]
            for _ in range(reps - 1):
                text, wrt, where, fname = fam(k, next(suffix))
                gc.collect()
                t, r = C.timed(lambda: fn(text, wrt, where=where))
                del r
                cold.append(t)
                cold_cpu.append(C.LAST_CPU[0])
            keep = [fn(text, wrt, where=where)]
            warm = [C.timed(lambda: keep.append(fn(text, wrt, where=where)))[0] for _ in range(min(reps, 3))]
            del keep[:]
            ptimes = []
            for _ in range(min(reps, 3)):
                ptext, _, pwhere, _ = fam(k, next(suffix))
                gc.collect()
                ptimes.append(C.timed(lambda: matcalc.parse(ptext, where=pwhere))[0])
            mc = C.median(cold)
            kk.append(k)
            tt.append(mc)
            tmin.append(min(cold))
            tcpu.append(C.median(cold_cpu))
            sizes.append(chars)
            rows.append([str(k), C.ms(mc), f"{1e3 * mc / k:.3f}", C.ms(C.median(cold_cpu)), C.ms(min(cold)), f"{1e3 * min(cold) / k:.3f}",
                         C.ms(C.median(warm)), C.ms(min(ptimes)), C.ms(max(0.0, min(cold) - min(ptimes))),
                         str(nodes), f"{chars:,}", str(len(cold))])
            if t_first > limit:
                rows.append(["...", f"stopped: one call took {t_first:.1f} s", "", "", "", "", "", "", "", "", "", ""])
                break
        C.table(rows, ["k", "cold", "cold/k", "cpu", "min", "min/k", "warm", "parse", "derive", "nodes", "chars",
                       "reps"], "rrrrrrrrrrrr")
        msg = (f"  fitted exponent (slope of log time vs log k), all k: median {C.slope(kk, tt):.2f}, "
               f"min {C.slope(kk, tmin):.2f}, cpu {C.slope(kk, tcpu):.2f}")
        sel = [i for i, k in enumerate(kk) if k >= 16]
        if len(sel) >= 2:
            ks16 = [kk[i] for i in sel]
            msg += (f"; k >= 16: median {C.slope(ks16, [tt[i] for i in sel]):.2f}, "
                    f"min {C.slope(ks16, [tmin[i] for i in sel]):.2f}, cpu {C.slope(ks16, [tcpu[i] for i in sel]):.2f}")
            if min(sizes) > 0:
                msg += f"; answer chars (k >= 16): {C.slope(ks16, [sizes[i] for i in sel]):.2f}"
        print(msg)
    print()


def main() -> None:
    import matcalc
    C.header("bench_derive: matcalc.grad / jacobian / hessian")
    cases = C.load_cases()
    t_warmup, _ = C.timed(lambda: matcalc.grad("x' A x", "x"))
    print(f"warm-up (first derivation in the process; builds the grammar): {C.ms(t_warmup)} ms")
    print()
    a_res = {}
    if "a" in SECTIONS or "b" in SECTIONS:
        a_res = section_a(cases)
    if "b" in SECTIONS and not NO_SYMPY:
        section_b(cases, a_res)
    if "c" in SECTIONS:
        section_c()
    C.footer()


if __name__ == "__main__":
    main()
