"""Shared test helpers: the seed cases as data, declarations, numeric references."""
from __future__ import annotations

import json
import math
import os
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from hypothesis import settings  # noqa: E402

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True, print_blob=True)
settings.register_profile("long", max_examples=20000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get("MATCALC_PROFILE", "ci"))

pytest_plugins = ["latex_collector"]


def pytest_addoption(parser):
    parser.addoption("--long", action="store_true", default=False, help="run long fuzzing (opt-in)")


def pytest_configure(config):
    if config.getoption("--long"):
        settings.load_profile("long")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--long"):
        return
    skip = pytest.mark.skip(reason="long run: use --long")
    for item in items:
        if "long" in item.keywords:
            item.add_marker(skip)


ARTIFACTS = os.path.join(ROOT, "test-artifacts")  # files tests keep for a person to look at (gitignored)
_SESSION_START = []


def pytest_sessionstart(session):
    _SESSION_START.append(time.time())


def pytest_terminal_summary(terminalreporter):
    """Name the artifacts this run wrote (the web page's screenshots), so a person can find them."""
    if not os.path.isdir(ARTIFACTS) or not _SESSION_START:
        return
    fresh = sorted(os.path.join(ARTIFACTS, f) for f in os.listdir(ARTIFACTS)
                   if os.path.getmtime(os.path.join(ARTIFACTS, f)) >= _SESSION_START[0] - 1)
    if fresh:
        terminalreporter.write_line("artifacts kept: " + ", ".join(os.path.relpath(f, ROOT) for f in fresh))


def load_cases(name: str = "seed_cases.jsonl") -> list:
    with open(os.path.join(HERE, "data", name)) as fh:
        return [json.loads(line) for line in fh if line.strip()]


def decl(case: dict) -> str:
    """The `where` string for a case's vars."""
    parts = []
    for name, spec in case["vars"].items():
        shape = spec["shape"]
        kind = {0: "scalar", 1: "vector", 2: "matrix"}[len(shape)]
        s = f"{name}: {kind}"
        if shape:
            s += "(" + ",".join(str(d) for d in shape) + ")"
        for p in spec.get("props", []):
            s += " " + p
        parts.append(s)
    return "; ".join(parts)


DIM_VALUES = {"n": 4, "m": 3, "k": 5, "p": 2, "q": 3, "r": 2, "l": 3, "d": 4, "h": 3}


def sample_inputs(case: dict, seed: int = 0) -> dict:
    """Random inputs for a case that respect its properties (like the acceptance checker's)."""
    rng = np.random.default_rng(1000 + seed)
    names = sorted({d for v in case["vars"].values() for d in v["shape"] if isinstance(d, str)})
    dims = {n: DIM_VALUES.get(n, 3) for n in names}
    vals = {}
    for name, spec in sorted(case["vars"].items()):
        shape = tuple(d if isinstance(d, int) else dims[d] for d in spec["shape"])
        props = set(spec.get("props", []))
        if not shape:
            vals[name] = float(rng.uniform(0.5, 1.5))
            continue
        if "spd" in props:
            a = rng.standard_normal((shape[0], shape[0]))
            x = a @ a.T / shape[0] + np.eye(shape[0])
        elif "positive" in props:
            x = rng.uniform(0.5, 1.5, shape)
        else:
            x = rng.standard_normal(shape)
            if "symmetric" in props:
                x = (x + x.T) / 2
            if len(shape) == 2 and shape[0] == shape[1]:
                x = x / math.sqrt(shape[0]) + 2.0 * np.eye(shape[0])
                if "symmetric" in props:
                    x = (x + x.T) / 2
        vals[name] = x
    return vals


def numpy_f(case: dict):
    """The case's ground truth (trusted test data, never user input)."""
    return eval(case["numpy_f"], {"np": np, "math": math})  # noqa: S307 - test data


def fd_derivative(f, vals: dict, wrt: str, sym: bool = False, h: float = 1e-6) -> np.ndarray:
    """Central differences of f (any output shape) with respect to vals[wrt]: out.shape + wrt.shape."""
    x0 = np.asarray(vals[wrt], dtype=float)
    f0 = np.asarray(f(**vals), dtype=float)
    out = np.zeros(f0.shape + x0.shape)
    for idx in (np.ndindex(*x0.shape) if x0.ndim else [()]):
        step = h * max(1.0, abs(float(x0[idx])))
        e = np.zeros_like(x0)
        e[idx] = 1.0
        div = 2 * step
        if sym and x0.ndim == 2 and idx[0] != idx[1]:
            e[idx[::-1]] = 1.0
            div = 4 * step
        vp, vm = dict(vals), dict(vals)
        vp[wrt] = x0 + step * e if x0.ndim else float(x0 + step)
        vm[wrt] = x0 - step * e if x0.ndim else float(x0 - step)
        out[(Ellipsis,) + idx] = (np.asarray(f(**vp), dtype=float) - np.asarray(f(**vm), dtype=float)) / div
    return out


def assert_close(got, ref, rtol=1e-5, atol=1e-7):
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert got.shape == ref.shape, f"shape {got.shape} != {ref.shape}"
    scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
    err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
    assert err <= atol + rtol * scale, f"max abs error {err:.3g} (scale {scale:.3g})"
