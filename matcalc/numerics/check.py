"""Finite-difference verdicts: is a symbolic result right at random inputs?

Central differences of the original function (or of its gradient, for second order)
at inputs that respect the declared properties. Symmetric variables are perturbed
symmetrically (E_ij + E_ji) and compared with sym(G); diagonal ones only on the
diagonal. The verdict carries the largest relative error seen.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

from dataclasses import dataclass

from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.errors import EvaluationError, LimitError, MatcalcError
from .evaluate import evaluate
from ..core.nodes import SCALAR, DimSize, Expr, Var
from .sampling import sample_value, sample_values


@dataclass
class CheckReport:
    ok: bool
    error: float
    trials: int
    kind: str
    message: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def _repr_pretty_(self, p, cycle) -> None:
        """In IPython and Jupyter, the verdict sentence (str), not the record's fields."""
        p.text(str(self))

    def __str__(self) -> str:
        verdict = "ok" if self.ok else "MISMATCH"
        plural = self.kind.split(" ", 1)[0].endswith("s")  # "gradients by W1, b1" agree
        agree, differ = ("agree", "differ") if plural else ("agrees", "differs")
        return (f"{verdict}: {self.kind} {agree} with central finite differences to a relative error of "
                f"{self.error:.2e} at {self.trials} random input{'s' if self.trials != 1 else ''}"
                f"{(' (' + self.message + ')') if self.message else ''}"
                if self.ok else f"{verdict}: {self.kind} {differ} from finite differences by a relative error of "
                f"{self.error:.2e}{(' (' + self.message + ')') if self.message else ''}")


def _fd(fun, x0: np.ndarray, sym: bool, diag: bool, h: float = 1e-6) -> np.ndarray:
    """d fun / d x0 entrywise, as an array fun-shape + x0-shape."""
    x0 = np.asarray(x0, dtype=float)
    f0 = np.asarray(fun(x0), dtype=float)
    out = np.zeros(f0.shape + x0.shape)
    idxs = list(np.ndindex(*x0.shape)) if x0.ndim else [()]
    for idx in idxs:
        if diag and idx[0] != idx[1]:
            continue
        step = h * max(1.0, abs(float(x0[idx])))
        e = np.zeros_like(x0)
        e[idx] = 1.0
        if sym and x0.ndim == 2 and idx[0] != idx[1]:
            e[idx[::-1]] = 1.0
            scale = 4 * step
        else:
            scale = 2 * step
        fp = np.asarray(fun(x0 + step * e), dtype=float)
        fm = np.asarray(fun(x0 - step * e), dtype=float)
        with np.errstate(over="ignore", invalid="ignore"):  # (inf - inf at 1e308: the verdict says so, no warning)
            out[(Ellipsis,) + idx] = (fp - fm) / scale
    return out


def _directional(fun, x0, v, h=1e-6):
    step = h * max(1.0, float(np.max(np.abs(x0)))) if np.ndim(x0) else h * max(1.0, abs(x0))
    v = np.asarray(v, dtype=float)
    fp, fm = np.asarray(fun(x0 + step * v), dtype=float), np.asarray(fun(x0 - step * v), dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        return (fp - fm) / (2 * step)


EPS = 2.220446049250313e-16  # np.finfo(float).eps, written out so that importing this module needs no NumPy


def _rel(got, ref, values=None, step: float = 1e-6) -> tuple:
    """(error, excess, zero): the largest error relative to the reference's size, the same less
    the rounding noise of the finite differences (eps |f| / h, which dominates when the
    function itself is large), and whether answer and reference were both 0 everywhere (they
    agree, but that tells little: x^1000000000 underflows to 0 at every input drawn); the verdict
    is on the excess."""
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    if got.shape != ref.shape:
        if got.size != ref.size:
            return float("inf"), float("inf"), False
        got = got.reshape(ref.shape)
    if not np.all(np.isfinite(got)):
        return float("inf"), float("inf"), False
    if not ref.size:
        return 0.0, 0.0, True
    scale = max(1.0, float(np.max(np.abs(ref))))
    noise = 0.0
    if values is not None:
        v = np.asarray(values, dtype=float)
        noise = 100 * EPS * (float(np.max(np.abs(v))) if v.size else 0.0) / step
    err = float(np.max(np.abs(got - ref)))
    zero = not np.any(ref) and not np.any(got)
    return err / scale, max(0.0, err - noise) / scale, zero


def _var(node: Expr, name: str, fallback: Var | None, context=()) -> Var:
    """The variable `name` as declared: in the function, else among the variables its text
    named (one that cancelled out keeps its properties there), else `fallback`."""
    for n in list(node.walk()) + list(context):
        if isinstance(n, Var) and n.name == name:
            return n
    return fallback


# The check's memory and work are bounded whatever the declared sizes: symbolic dimensions are
# sampled small (2 to 4), and fixed sizes are allowed only while the sample stays within these.
MAX_SAMPLE_ENTRIES = 1_000_000       # entries of all inputs together, and of the dense result
MAX_DIFFERENCE_STEPS = 4_096         # entries of the variable (two evaluations of f each)
_SYMBOLIC_DIM = 4                    # the largest size a symbolic dimension is sampled at


def _entries(shape) -> int:
    r, c = (d if isinstance(d, int) else _SYMBOLIC_DIM for d in shape)
    return r * c


#: random points a check may try (each costs a few evaluations of f and of the result)
MAX_TRIALS = 1000


def check_sample_size(result: Any, exprs: Iterable[Expr]) -> None:
    """Refuse (LimitError) a check whose random inputs or finite differences would be too large."""
    from_vars = {n.name: n for e in exprs for n in e.walk() if isinstance(n, Var)}
    total = sum(_entries(v.shape) for v in from_vars.values())
    wrt = result.wrt if isinstance(result.wrt, str) else result.wrt[-1]
    x = from_vars.get(wrt)
    steps = _entries(x.shape) if x is not None else 1
    out = _entries(result.node.shape) * (steps if result.kind in ("jacobian", "hessian") else 1)
    fixed = ", ".join(f"{v.name}: {' x '.join(str(d) for d in v.shape)}" for v in from_vars.values()
                      if any(isinstance(d, int) and d > _SYMBOLIC_DIM for d in v.shape))
    hint = (f" (declared sizes: {fixed}); declare the dimensions as symbols (vector(n), matrix(n,n)) so "
            "that the check can choose small sizes")
    if max(total, out) > MAX_SAMPLE_ENTRIES:
        raise LimitError(f"check would sample {max(total, out):,} numbers, more than its limit of "
                         f"{MAX_SAMPLE_ENTRIES:,}{hint}")
    if steps > MAX_DIFFERENCE_STEPS:
        raise LimitError(f"check would take finite differences along {steps:,} entries of {wrt}, more than its "
                         f"limit of {MAX_DIFFERENCE_STEPS:,}{hint}")


def check(result: Any, trials: int = 3, seed: int = 0, tol: float = 1e-5) -> CheckReport:
    """Compare a result of grad/jacobian/hessian/hvp/differential with finite differences.

    `tol` bounds the relative error beyond the finite differences' own rounding noise (about
    100 eps |f| / h, estimated at each trial from the values and the step): the error reported beside a verdict may exceed `tol`
    where it is all noise (1.5e-10 with tol=1e-20 is ok), and a result that is wrong by more than
    `tol` beyond the noise is not ok. `trials` random points, drawn from `seed`."""
    trials, seed = (int(v) if isinstance(v, numbers.Integral) and not isinstance(v, bool) else v for v in (trials, seed))
    if isinstance(trials, bool) or not isinstance(trials, int) or not 1 <= trials <= MAX_TRIALS:
        raise MatcalcError(f"trials must be a whole number of trials from 1 to {MAX_TRIALS:,}, not {trials!r}")
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not tol > 0:
        raise MatcalcError(f"tol must be a positive number, not {tol!r}")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MatcalcError(f"seed must be a whole number, at least 0, not {seed!r}")
    parts = getattr(result, "parts", None)
    if parts is not None:  # several variables: every part (gradient, block) is checked
        reports = [check(p, trials=trials, seed=seed, tol=tol) for p in parts.values()]
        bad = [r for r in reports if not r.ok]
        return CheckReport(not bad, max(r.error for r in reports), min(r.trials for r in reports),
                           f"{result.kind} by {', '.join(map(str, result.wrt))}",
                           bad[0].message if bad else reports[0].message if all(r.message for r in reports) else "")
    rng = np.random.default_rng(seed)
    f = result.function.node
    kind = result.kind
    check_sample_size(result, [f, result.node] + list(getattr(result.function, "context", ())) +
                      list(result.directions))
    used = set(f.free) | set(result.node.free) | {d.name for d in result.directions}
    free_sizes = {d for e in (f, result.node) for n in e.walk()
                  for d in n.shape + (n.args if isinstance(n, DimSize) else ()) if isinstance(d, str) and "*" not in d}
    worst = worst_excess = 0.0
    all_zero = True
    done = 0
    attempts = 0
    plain = {n.name for e in (f, result.node) for n in e.walk()
             if isinstance(n, Var) and not (n.props - {"positive", "invertible"})}
    positive = negative = False
    why = ""
    while done < trials and attempts < 20 * trials:
        attempts += 1
        vals, dims = sample_values([f, result.node] + list(getattr(result.function, "context", ())) +
                                   list(result.directions), rng)
        positive = positive or (done == 0 and attempts > 5 * trials)
        negative = negative or (done == 0 and attempts > 12 * trials)
        if negative:
            # log(-det(X)), sqrt(-t): the variables that keep no structure are drawn negative, a square
            # matrix (drawn near 2 I, its determinant positive) with its first row negated
            for name in plain & set(vals) - set(dims):
                v = np.array(vals[name], dtype=float)
                if v.ndim == 2 and v.shape[0] == v.shape[1]:
                    v[0] = -v[0]
                    vals[name] = v
                else:
                    vals[name] = -np.abs(v) - 0.5 if v.ndim else -abs(float(v)) - 0.5
        elif positive:
            # sum(X .* log(X)), sqrt(x): a domain the normal draws all but miss; the variables that
            # keep no structure are drawn positive (away from 0) from here on
            for name in plain & set(vals) - set(dims):
                vals[name] = np.abs(vals[name]) + 0.5
        for d in result.directions:
            vals[d.name] = sample_value(d, dims, rng)
        for name in [n for n in vals if n in dims and n not in used]:
            # a scalar declared with a dimension's name and used nowhere (X: n x n; n: scalar): its
            # value would be read as that dimension's size, which it is not
            del vals[name]
        for d in free_sizes:  # tr(ones(n, n)^2): a size no variable has, which the values must give
            dims.setdefault(d, int(rng.integers(2, 5)))
        for d, size in dims.items():  # sizes no variable fixes (unvec(v, m, n): only m*n is v's)
            if "*" not in d and d not in vals:
                vals[d] = size
        try:
            f0 = evaluate(f, vals)
            if not np.all(np.isfinite(f0)):
                why = "the function's value was inf or nan"
                continue
            err, excess, zero = _one(result, kind, f, vals, dims, rng)
            for h in (1e-5, 1e-7) if excess > tol else ():
                # the differences' truncation error (h^2 times a third derivative, which is large
                # where f varies fast: tr(sin(X^8))) can pass the tolerance at one step; the error
                # of a wrong answer stays at every step
                again = _one(result, kind, f, vals, dims, rng, h)
                if again[1] < excess:
                    err, excess, zero = again
        except EvaluationError as e:
            why = str(e)
            continue
        if not np.isfinite(err):
            return CheckReport(False, err, done + 1, kind, "non-finite values")
        worst = max(worst, err)
        worst_excess = max(worst_excess, excess)
        all_zero = all_zero and zero
        done += 1
    if done == 0:  # (say why: 1e400 x'x is never in floating point, whatever the inputs)
        raise MatcalcError(f"could not find inputs where the function is defined to check the result "
                           f"({attempts} random inputs tried; at the last one: {why})")
    if worst_excess > tol:
        return CheckReport(False, worst, done, kind, "beyond the rounding noise of the differences")
    return CheckReport(True, worst, done, kind, "answer and differences were both 0 at every input tried, "
                       "which shows little" if all_zero else "")


def _fun_of(node: Expr, vals: dict, name: str):
    def fun(x):
        v = dict(vals)
        v[name] = x
        return evaluate(node, v)
    return fun


def _one(result, kind, f, vals, dims, rng, h: float = 1e-6) -> tuple:
    """(error, excess, zero) of one sample, by central differences with relative step h."""
    if kind == "differential":
        dx = result.directions[0]
        x = result.wrt  # (not dx's name less its d: dx2 when the text has a dx of its own)
        got = result.evaluate(vals)
        return _rel(got, _directional(_fun_of(f, vals, x), vals[x], vals[dx.name], h), evaluate(f, vals), h)
    if kind in ("gradient", "jacobian"):
        x = _var(f, result.wrt, result.directions[0], result.function.context)
        # a symmetric or diagonal variable moves in its own space, for a Jacobian as for a gradient:
        # J[..., k, l] = dF[(E_kl + E_lk) / 2] (README), and 0 off a diagonal variable's diagonal
        sym = x.shape[0] == x.shape[1] and bool(x.props & {"symmetric", "spd"}) and x.shape != SCALAR
        diag = "diagonal" in x.props and x.shape != SCALAR
        got = result.evaluate(vals)
        ref = _fd(_fun_of(f, vals, result.wrt), vals[result.wrt], sym, diag, h)
        if kind == "jacobian" and getattr(result, "layout", "numerator") == "denominator":
            got = np.asarray(got)
            nin = np.ndim(vals[result.wrt])
            got = np.moveaxis(got, list(range(nin)), list(range(got.ndim - nin, got.ndim))) if nin else got
        return _rel(got, ref, evaluate(f, vals), h)
    if kind == "hessian":
        a, b = result.wrt if isinstance(result.wrt, tuple) else (result.wrt, result.wrt)
        g = result.first_order()
        xb = _var(f, b, None, result.function.context)
        sym = xb is not None and xb.shape != SCALAR and xb.shape[0] == xb.shape[1] and bool(xb.props & {"symmetric", "spd"})
        diag = xb is not None and xb.shape != SCALAR and "diagonal" in xb.props

        def gfun(x):
            v = dict(vals)
            v[b] = x
            return g.evaluate(v)
        got = result.evaluate(vals)
        return _rel(got, _fd(gfun, vals[b], sym, diag, h), g.evaluate(vals), h)
    if kind == "hvp" and getattr(result, "moving", None):  # one row of a block product: all variables move
        g = result.first_order()
        moving = result.moving
        step = h * max([1.0] + [float(np.max(np.abs(vals[n]))) for n in moving])

        def at(t):
            w = dict(vals)
            for n, d in moving.items():
                w[n] = np.asarray(vals[n], dtype=float) + t * np.asarray(vals[d.name], dtype=float)
            return np.asarray(g.evaluate(w), dtype=float)
        return _rel(result.evaluate(vals), (at(step) - at(-step)) / (2 * step), g.evaluate(vals), h)
    if kind == "hvp":
        g = result.first_order()
        v = result.directions[1]

        def gfun(x):
            w = dict(vals)
            w[result.wrt] = x
            return g.evaluate(w)
        got = result.evaluate(vals)
        return _rel(got, _directional(gfun, vals[result.wrt], vals[v.name], h), g.evaluate(vals), h)
    raise MatcalcError(f"cannot check a {kind} result")
