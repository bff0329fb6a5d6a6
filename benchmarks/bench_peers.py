"""Derivation time against SymPy and CasADi on the seed cases.

    python benchmarks/bench_peers.py [--quick] [--no-sympy] [--no-casadi] [--sizes 4,10] [--no-freeze]

matcalc: the API call from the text and its declarations (parsing included), cold (the cyclic GC
run before every repeat, so no hash-consed node survives from the previous one) and warm (the
previous result kept alive). Sizes are symbols: one derivation holds for every size.

Every peer's cold repeat runs after the same set-up: its own caches cleared and the cyclic GC run.
The heap alive once the peers are imported and warmed up is frozen out of that collection
(`_common.freeze_heap`): a collection that walks all of NumPy's, SymPy's and CasADi's objects right
before a timed call evicts the CPU caches and made a 1 ms derivation 3x slower (`--no-freeze` shows
the figures with that effect, as this script measured before).

SymPy (optional, the `test`/`bench` extras): MatrixSymbol(...).diff on the cases it can express,
built by hand in bench_derive.py (`_sympy_cases`), cold (SymPy's cache cleared before every repeat)
and warm (cache kept). Only cases whose answer is correct (checked there) enter the medians here.

CasADi (optional: `pip install casadi`; never needed by the tests): symbolic AD on SX graphs of
numeric size, so it must be built and differentiated anew for every size. Each case's NumPy
transcription (`numpy_f` in seed_cases.jsonl) is run on CasADi symbols through a small NumPy-like
namespace (vectors are columns behaving as 1-D arrays), then differentiated with
casadi.gradient / jacobian / hessian; the time covers making the symbols, building f and the
derivative. The answer is checked numerically against the case's NumPy reference (central
differences of numpy_f). Cases using an operation the shim does not cover are listed as such.
CasADi's SX det and inv expand cofactors (n! terms), so cases with det or inv are timed at the
small sizes only (sizes above 6 are skipped and marked "n! (skipped)").

Ratios are peer time / matcalc cold time, per case; the medians are over the cases both answered.
"""
from __future__ import annotations

import os

for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_v] = "1"

import gc  # noqa: E402
import math  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402

import _common as C  # noqa: E402
from matcalc.core.nodes import _interned  # noqa: E402
from matcalc.language.declarations import _parse_declaration_text  # noqa: E402

QUICK = "--quick" in sys.argv
NO_SYMPY = "--no-sympy" in sys.argv
NO_CASADI = "--no-casadi" in sys.argv
NO_FREEZE = "--no-freeze" in sys.argv
SIZES = [4, 10]
if "--sizes" in sys.argv:
    SIZES = [int(s) for s in sys.argv[sys.argv.index("--sizes") + 1].split(",")]


# ------------------------------------------------------------------------------ matcalc
def matcalc_times(cases) -> dict:
    import matcalc
    out = {}
    budget = 0.05 if QUICK else 0.2
    for c in cases:
        fn = getattr(matcalc, C.KIND_FN_NAMES[c["kind"]])
        where = C.decl(c)

        def call(fn=fn, c=c, where=where):
            return fn(c["expr"], c["wrt"], where=where)
        try:
            call()
        except matcalc.MatcalcError:
            continue
        _settle(_cold)
        base = len(_interned)
        cold = C.repeat(call, min_reps=3, max_reps=100, budget=budget, setup=_cold)
        _cold()
        if len(_interned) > base:  # a node outlived its repeat: the figure would not be cold
            raise SystemExit(f"{c['id']}: {len(_interned) - base} nodes survived the cold set-up")
        keep = [call()]
        warm = C.repeat(lambda: keep.append(call()), min_reps=3, max_reps=100, budget=budget)
        out[c["id"]] = (C.median(cold), C.median(warm))
        keep.clear()  # (alive into the next case's cold repeats, a grad case's results made its hess case warm)
    return out


# ------------------------------------------------------------------------------ SymPy
def sympy_times(cases) -> dict:
    try:
        import sympy  # noqa: F401
        from sympy.core.cache import clear_cache
    except ImportError:
        print("SymPy is not installed: skipped")
        return {}
    import bench_derive as D
    table = D._sympy_cases()
    by_id = {c["id"]: c for c in cases}
    out = {}
    budget = 0.1 if QUICK else 0.4
    for c in cases:
        for _label, builder in table.get(c["id"]) or []:
            clear_cache()
            try:
                r = D._sympy_derive(c, builder)
                vals = C.sample_inputs(c)
                dimvals = {d: C.DIM_VALUES.get(d, 3) for v in c["vars"].values() for d in v["shape"]
                           if isinstance(d, str)}
                verdict = D._compare(D._sympy_eval(r, c, vals, dimvals), D._reference(c, by_id, vals),
                                     any_layout=True, tol=1e-4)
            except Exception:  # noqa: BLE001 - SymPy fails on some readings: try the next one
                continue
            if not verdict.startswith("ok"):
                continue
            del r
            _settle(clear_cache)
            cold = C.repeat(lambda: D._sympy_derive(c, builder), min_reps=3, max_reps=30, budget=budget,
                            setup=lambda: (clear_cache(), gc.collect()))
            warm = C.repeat(lambda: D._sympy_derive(c, builder), min_reps=3, max_reps=30, budget=budget / 2)
            out[c["id"]] = (C.median(cold), C.median(warm))
            break
    return out


def _settle(clear) -> None:
    """After a case's first call (which may import modules lazily) and before its cold repeats:
    the peer's caches cleared, then everything still alive frozen out of the cold repeats'
    collections (see the module docstring); with --no-freeze only the clearing."""
    clear()
    if not NO_FREEZE:
        C.freeze_heap()


def _import_peers() -> None:
    """Import the peers (and bench_derive's SymPy cases) before the heap is frozen, so that their
    modules are outside every cold repeat's collection, as matcalc's are."""
    for name in (() if NO_SYMPY else ("sympy", "bench_derive")) + (() if NO_CASADI else ("casadi",)):
        try:
            __import__(name)
        except ImportError:
            pass


def _cold() -> None:
    """Before a cold repeat: no node survives (the cyclic GC) and no `where` string has been read
    (its declarations are kept per string, so a repeat would find them)."""
    gc.collect()
    _parse_declaration_text.cache_clear()


# ------------------------------------------------------------------------------ CasADi
class _Unsupported(Exception):
    pass


def _casadi_namespace(ca):
    """A NumPy-like namespace over CasADi SX, enough for the seed cases' transcriptions."""

    class V:
        """An SX value with NumPy's 1-D vector semantics (ndim 0, 1 or 2)."""
        __array_priority__ = 1000

        def __init__(self, sx, ndim):
            self.sx, self.ndim = sx, ndim

        @property
        def shape(self) -> tuple:  # (np.eye(A.shape[0]) in a transcription)
            r, c = self.sx.shape
            return () if self.ndim == 0 else (r,) if self.ndim == 1 else (r, c)

        @staticmethod
        def wrap(o):
            if isinstance(o, V):
                return o
            if isinstance(o, (int, float)):
                return V(ca.SX(o), 0)
            raise _Unsupported(type(o).__name__)

        def _bin(self, o, op, rev=False):
            o = V.wrap(o)
            a, b = (o, self) if rev else (self, o)
            return V(op(a.sx, b.sx), max(a.ndim, b.ndim))

        def __add__(self, o):
            return self._bin(o, lambda a, b: a + b)

        def __radd__(self, o):
            return self._bin(o, lambda a, b: a + b, True)

        def __sub__(self, o):
            return self._bin(o, lambda a, b: a - b)

        def __rsub__(self, o):
            return self._bin(o, lambda a, b: a - b, True)

        def __mul__(self, o):
            return self._bin(o, lambda a, b: a * b)

        def __rmul__(self, o):
            return self._bin(o, lambda a, b: a * b, True)

        def __truediv__(self, o):
            return self._bin(o, lambda a, b: a / b)

        def __rtruediv__(self, o):
            return self._bin(o, lambda a, b: a / b, True)

        def __pow__(self, o):
            return self._bin(o, lambda a, b: a ** b)

        def __rpow__(self, o):
            return self._bin(o, lambda a, b: a ** b, True)

        def __neg__(self):
            return V(-self.sx, self.ndim)

        def __matmul__(self, o):
            o = V.wrap(o)
            a, b = self, o
            if a.ndim == 1 and b.ndim == 1:
                return V(ca.dot(a.sx, b.sx), 0)
            if a.ndim == 2 and b.ndim == 1:
                return V(ca.mtimes(a.sx, b.sx), 1)
            if a.ndim == 1 and b.ndim == 2:
                return V(ca.mtimes(a.sx.T, b.sx).T, 1)
            if a.ndim == 2 and b.ndim == 2:
                return V(ca.mtimes(a.sx, b.sx), 2)
            raise _Unsupported("@ with a scalar")

        def __rmatmul__(self, o):
            return V.wrap(o).__matmul__(self)

        @property
        def T(self):  # noqa: N802
            return V(self.sx.T, self.ndim) if self.ndim == 2 else self

    def elementwise(f):
        return lambda a: V(f(V.wrap(a).sx), V.wrap(a).ndim)

    def total(a):
        return V(ca.sum1(ca.sum2(V.wrap(a).sx)), 0)

    def vnorm(a, ord=None):
        a = V.wrap(a)
        if ord not in (None, 2, "fro") or (ord == 2 and a.ndim == 2):
            raise _Unsupported(f"norm ord={ord}")
        return V(ca.norm_fro(a.sx) if a.ndim == 2 else ca.norm_2(a.sx), 0)

    class Linalg:
        det = staticmethod(lambda a: V(ca.det(a.sx), 0))
        inv = staticmethod(lambda a: V(ca.inv(a.sx), 2))
        norm = staticmethod(vnorm)

        def __getattr__(self, name):
            raise _Unsupported(f"np.linalg.{name}")

    class Np:
        exp = staticmethod(elementwise(ca.exp))
        log = staticmethod(elementwise(ca.log))
        sin = staticmethod(elementwise(ca.sin))
        cos = staticmethod(elementwise(ca.cos))
        tanh = staticmethod(elementwise(ca.tanh))
        sqrt = staticmethod(elementwise(ca.sqrt))
        abs = staticmethod(elementwise(ca.fabs))
        sum = staticmethod(total)
        trace = staticmethod(lambda a: V(ca.trace(a.sx), 0))
        outer = staticmethod(lambda a, b: V(ca.mtimes(a.sx, b.sx.T), 2))
        eye = staticmethod(lambda n: V(ca.SX.eye(n), 2))
        diag = staticmethod(lambda a: V(ca.diag(a.sx), 2 if a.ndim == 1 else 1))
        linalg = Linalg()

        def __getattr__(self, name):
            raise _Unsupported(f"np.{name}")

    return V, Np()


def _casadi_derive(ca, V, npx, case, n_of):
    """Symbols, f and its derivative as CasADi SX; returns (derivative SX, symbols by name)."""
    syms = {}
    for name, spec in case["vars"].items():
        shape = [d if isinstance(d, int) else n_of(d) for d in spec["shape"]]
        if not shape:
            syms[name] = V(ca.SX.sym(name), 0)
        elif len(shape) == 1:
            syms[name] = V(ca.SX.sym(name, shape[0]), 1)
        else:
            syms[name] = V(ca.SX.sym(name, shape[0], shape[1]), 2)
    f = eval(case["numpy_f"], {"np": npx, "math": math})(**syms)  # noqa: S307 - the case file's own text
    f = V.wrap(f)
    x = syms[case["wrt"]].sx
    if case["kind"] == "gradient":
        if f.ndim != 0:
            raise _Unsupported("gradient of a non-scalar")
        return ca.gradient(f.sx, x), syms
    if case["kind"] == "jacobian":
        return ca.jacobian(ca.vec(f.sx), ca.vec(x)), syms
    return ca.hessian(f.sx, ca.vec(x))[0], syms


def _casadi_value(ca, d, syms, vals):
    names = sorted(syms)
    fn = ca.Function("d", [syms[k].sx for k in names], [d])
    args = [np.asarray(vals[k], dtype=float).reshape(-1, order="F") if np.ndim(vals[k]) else vals[k] for k in names]
    args = [a.reshape(np.shape(vals[k]), order="F") if np.ndim(vals[k]) == 2 else a for a, k in zip(args, names)]
    return np.asarray(fn(*args)).astype(float)


def casadi_times(cases) -> dict:
    try:
        import casadi as ca
    except ImportError:
        print("CasADi is not installed (pip install casadi): skipped")
        return {}
    import bench_derive as D
    V, npx = _casadi_namespace(ca)
    by_id = {c["id"]: c for c in cases}
    out = {}
    budget = 0.05 if QUICK else 0.2
    for c in cases:
        row = {}
        try:
            d, syms = _casadi_derive(ca, V, npx, c, lambda name: C.DIM_VALUES.get(name, 3))
            vals = C.sample_inputs(c)
            got = _casadi_value(ca, d, syms, vals)
            ref = D._reference(c, by_id, vals)
            row["verdict"] = "ok" if got.size == ref.size and np.allclose(
                np.sort(got.ravel()), np.sort(np.asarray(ref).ravel()), rtol=1e-4, atol=1e-4) else "WRONG"
        except _Unsupported as err:
            out[c["id"]] = {"verdict": f"cannot express ({err})"}
            continue
        except Exception as err:  # noqa: BLE001
            out[c["id"]] = {"verdict": f"error: {type(err).__name__}: {str(err)[:60]}"}
            continue
        del d, syms
        _settle(lambda: None)
        for n in SIZES:
            if n > 6 and "linalg." in c["numpy_f"] and "norm" not in c["numpy_f"]:
                row[n] = None  # SX det and inv expand cofactors: n! terms, minutes at n = 10
                continue
            t = C.repeat(lambda n=n: _casadi_derive(ca, V, npx, c, lambda name: n), min_reps=3, max_reps=50,
                         budget=budget, setup=gc.collect)
            row[n] = C.median(t)
        out[c["id"]] = row
    return out


def main() -> None:
    import matcalc
    C.header("bench_peers: matcalc against SymPy and CasADi")
    cases = C.load_cases()
    matcalc.grad("x' A x", "x")  # parser and tables, outside the measurements
    _import_peers()
    _cold()  # no warm-up result or declaration kept
    if not NO_FREEZE:
        C.freeze_heap()
    mc = matcalc_times(cases)
    sp = {} if NO_SYMPY else sympy_times(cases)
    cs = {} if NO_CASADI else casadi_times(cases)
    rows = []
    r_sc, r_sw, r_c = [], [], {n: [] for n in SIZES}
    for c in cases:
        cid = c["id"]
        if cid not in mc:
            continue
        cold, warm = mc[cid]
        row = [cid, c["kind"][:4], C.ms(cold), C.ms(warm)]
        if cid in sp:
            row += [C.ms(sp[cid][0]), C.ms(sp[cid][1]), f"{sp[cid][0] / cold:.0f}x"]
            r_sc.append(sp[cid][0] / cold)
            r_sw.append(sp[cid][1] / warm)
        else:
            row += ["-", "-", "-"]
        crow = cs.get(cid, {})
        for n in SIZES:
            if crow.get(n, 0) is None:
                row.append("n! (skipped)")
            elif n in crow and crow.get("verdict") == "ok":
                row.append(f"{C.ms(crow[n])} ({crow[n] / cold:.2f}x)")
                r_c[n].append(crow[n] / cold)
            else:
                row.append("-")
        row.append(crow.get("verdict", "-") if cs else "")
        rows.append(row)
    C.table(rows, ["case", "kind", "matcalc cold", "warm", "sympy cold", "sympy warm", "ratio"]
            + [f"casadi n={n} (ratio)" for n in SIZES] + ["casadi answer"], "llrrrrr" + "r" * len(SIZES) + "l")
    print()
    if r_sc:
        print(f"SymPy / matcalc, median over the {len(r_sc)} cases SymPy answers correctly: "
              f"cold {C.median(r_sc):.1f}x, warm {C.median(r_sw):.1f}x")
    for n in SIZES:
        if r_c[n]:
            print(f"CasADi (n = {n}) / matcalc cold, median over the {len(r_c[n])} cases CasADi answers: "
                  f"{C.median(r_c[n]):.2f}x  (> 1: matcalc is faster)")
    C.footer()


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    main()
