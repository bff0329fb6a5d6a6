"""Shared helpers for the benchmark scripts (not a test module, not part of matcalc).

Each script sets the BLAS thread variables itself before importing this module (and NumPy).
The seed-case helpers (decl, sample_inputs, fd_derivative, ...) are the test suite's own,
imported from tests/conftest.py so that the benchmarks read the cases exactly as the tests do.
"""
from __future__ import annotations

import gc
import json
import math
import os
import platform
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TESTS = os.path.join(ROOT, "tests")
for _p in (ROOT, TESTS):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from conftest import DIM_VALUES, decl, fd_derivative, numpy_f, sample_inputs  # noqa: E402,F401  (the tests' helpers)

perf = time.perf_counter
KIND_FN_NAMES = {"gradient": "grad", "jacobian": "jacobian", "hessian": "hessian"}


def load_cases(name: str = "seed_cases.jsonl") -> list:
    with open(os.path.join(TESTS, "data", name)) as fh:
        return [json.loads(line) for line in fh if line.strip()]


class Times(list):
    """Wall-clock times (perf_counter) of repeated calls; `.cpu` holds the process CPU times of the same calls."""

    def __init__(self, *a):
        super().__init__(*a)
        self.cpu = []


LAST_CPU = [0.0]


def timed(fn):
    """(seconds, result) of one call, with the cyclic GC paused during the call (as timeit does).

    The process CPU time of the call (time.process_time) is left in LAST_CPU[0]: on a machine that
    other processes keep busy it is a steadier figure than the wall-clock one.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        c0 = time.process_time()
        t0 = perf()
        out = fn()
        t1 = perf()
        c1 = time.process_time()
    finally:
        if was:
            gc.enable()
    LAST_CPU[0] = c1 - c0
    return t1 - t0, out


def repeat(fn, min_reps: int = 5, max_reps: int = 200, budget: float = 0.25, setup=None) -> Times:
    """Call fn repeatedly (at least min_reps, then until `budget` seconds or max_reps); the times.

    `setup`, if given, runs before every call outside the timed region (e.g. clearing a cache).
    The result of each call is dropped before the next one.
    """
    times = Times()
    start = perf()
    while len(times) < min_reps or (len(times) < max_reps and perf() - start < budget):
        if setup is not None:
            setup()
        t, out = timed(fn)
        del out
        times.append(t)
        times.cpu.append(LAST_CPU[0])
    return times


def freeze_heap() -> None:
    """Move every object alive now (the imported modules, the loaded cases) out of the cyclic GC's
    reach (gc.freeze), after one last collection.

    A cold repeat runs gc.collect() first so that nothing the previous repeat made survives. Without
    this, that collection also walks the whole heap of NumPy, SymPy and CasADi (about 100,000
    objects, 70 ms), which evicts the CPU caches right before the timed call: it cost a 1 ms
    derivation about 3x, more than the derivation itself. Frozen, the collection walks only what
    the benchmark made since (the previous repeat's garbage, which it still frees), for every peer.
    Call it after the imports and warm-ups, with no result of a measured call alive.
    """
    gc.collect()
    gc.freeze()


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def ms(t) -> str:
    """Seconds -> a millisecond figure with sensible precision."""
    if t is None or (isinstance(t, float) and math.isnan(t)):
        return "-"
    v = t * 1e3
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 100:
        return f"{v:.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def slope(xs, ys) -> float:
    """Least-squares slope of log(ys) against log(xs)."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    sxx = sum((a - mx) ** 2 for a in lx)
    if sxx == 0:
        return float("nan")
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sxx


def shape_kind(shape: tuple) -> str:
    return {0: "scalar", 1: "vector", 2: "matrix"}.get(len(shape), f"{len(shape)}-d")


def header(title: str) -> None:
    import numpy as np
    import matcalc
    print("=" * 78)
    print(title)
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores; "
          f"matcalc {matcalc.__version__}, numpy {np.__version__}; "
          f"OMP/OPENBLAS/MKL threads = {os.environ.get('OMP_NUM_THREADS')}/"
          f"{os.environ.get('OPENBLAS_NUM_THREADS')}/{os.environ.get('MKL_NUM_THREADS')}")
    print("times are time.perf_counter wall-clock figures in milliseconds (ms); GC paused inside each timed call;")
    print("'cpu' columns are the process CPU time (time.process_time) of the same calls")
    print(f"matcalc source: {_git_state()}")
    print(f"load average at start (1/5/15 min): {_load()}  (other processes on the machine inflate the figures)")
    print("=" * 78)


_T0 = perf()


def _git_state() -> str:
    """The commit the matcalc sources come from, and whether matcalc/ has uncommitted changes."""
    import subprocess
    try:
        head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "matcalc", "grammar"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {head or 'unknown'}" + (" + uncommitted changes in matcalc/ or grammar/" if dirty else " (clean)")


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover - not on every platform
        return "n/a"


def footer() -> None:
    print(f"done in {perf() - _T0:.0f} s; load average at the end (1/5/15 min): {_load()}; "
          f"matcalc source now: {_git_state()}")


def table(rows: list, headers: list, align: str | None = None) -> None:
    """Print rows (lists of str) as a fixed-width table; align is a string of 'l'/'r' per column."""
    cols = len(headers)
    align = align or ("l" + "r" * (cols - 1))
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]

    def fmt(r):
        return "  ".join(str(c).ljust(w) if a == "l" else str(c).rjust(w)
                         for c, w, a in zip(r, widths, align)).rstrip()

    print(fmt(headers))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(fmt(r))
