"""The derivation record (`r.steps`): every line of every derivation holds.

Each line is evaluated at random variables and random directions, and must equal the answer's
own value: <G, dX> for the lines of df, the differential itself (or J dx) for dF, and
<dX, H[V]> for the lines of d2f. A step that does not hold is a failing test.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, reject, settings

import matcalc
from conftest import decl, load_cases, sample_inputs
from strategies import derivations, point, random_case, sample_direction

CASES = load_cases()
FN = {"gradient": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian}


def _direction(like, props, rng):
    a = np.asarray(like, dtype=float)
    if a.ndim == 0:
        return float(rng.standard_normal())
    d = rng.standard_normal(a.shape)
    if "diagonal" in props:
        d = np.diag(np.diag(d))
    if props & {"symmetric", "spd"} and a.ndim == 2:
        d = (d + d.T) / 2
    return d


def _with_directions(r, vals: dict, props=frozenset(), seed: int = 0) -> dict:
    rng = np.random.default_rng(7 + seed)
    wrt = r.wrt if isinstance(r.wrt, str) else None
    out = dict(vals)
    for i, d in enumerate(r.directions):
        var = wrt if wrt is not None else r.wrt[min(i, 1)]
        out[d.name] = _direction(vals[var], props, rng)
    return out


def _inner(a, b) -> float:
    return float(np.sum(np.asarray(a, dtype=float) * np.asarray(b, dtype=float)))


def references(r, vals: dict) -> dict:
    """The value every line must have, by the line's left-hand side."""
    dirs = [vals[d.name] for d in r.directions]
    if r.kind == "gradient":
        return {"df": _inner(r.evaluate(vals), dirs[0])}
    if r.kind == "differential":
        return {"df": np.asarray(r.evaluate(vals))}
    if r.kind == "jacobian":
        if r.is_map:
            return {"dF": np.asarray(r.expr.evaluate(vals))}
        J = np.asarray(r.evaluate(vals), dtype=float)
        dx = np.asarray(dirs[0], dtype=float)
        return {"dF": np.tensordot(J, dx, axes=dx.ndim) if dx.ndim else J * dx}
    g = r.first_order().evaluate(vals)
    out = {"df": _inner(g, dirs[0])}
    dx = np.asarray(dirs[0], dtype=float)
    v = np.asarray(dirs[-1], dtype=float)
    if r.kind == "hvp":
        out["d2f"] = _inner(r.evaluate(vals), dx)
        return out
    H = np.asarray(r.evaluate(vals), dtype=float)
    if isinstance(r.wrt, tuple):
        da = dx
        out["d2f"] = float(np.tensordot(da, np.tensordot(H, v, axes=v.ndim), axes=da.ndim)) if H.ndim else H * da * v
        return out
    out["d2f"] = float(np.tensordot(dx, np.tensordot(H, v, axes=v.ndim), axes=dx.ndim)) if H.ndim else H * dx * v
    return out


def assert_every_step_holds(r, vals: dict) -> None:
    refs = references(r, vals)
    steps = r.steps
    assert steps, "a derivation has at least one line"
    assert steps.latex().startswith(r"\begin{aligned}")  # (rendered by KaTeX where the session has it)
    for s in steps:
        got = np.asarray(s.evaluate(vals), dtype=float)
        ref = np.asarray(refs[s.lhs], dtype=float)
        scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
        err = float(np.max(np.abs(got.reshape(ref.shape) - ref))) if ref.size else 0.0
        assert err <= 1e-7 * scale, f"line {s} [{s.rule}] is off by {err:.3g}; all lines:\n{steps}"


def _props(case) -> frozenset:
    return frozenset(case["vars"][case["wrt"]].get("props", []))


def _derive(case, fn=None):
    try:
        return (fn or FN[case["kind"]])(case["expr"], case["wrt"], where=decl(case))
    except matcalc.NotSupportedError:
        if case.get("stretch"):
            pytest.skip("stretch case, refused as not supported")
        raise  # (a case that is not a stretch is derived: its refusal is a failure, not a skip)


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_step_of_every_seed_case_holds(case):
    r = _derive(case)
    vals = _with_directions(r, sample_inputs(case, 0), _props(case), 0)
    assert_every_step_holds(r, vals)


SECOND = [c for c in CASES if c["kind"] == "gradient" and not c.get("stretch")]


@pytest.mark.parametrize("case", SECOND, ids=[c["id"] for c in SECOND])
def test_every_step_of_the_differential_and_hvp_of_every_gradient_case_holds(case):
    for fn in (matcalc.differential, matcalc.hvp):
        r = _derive(case, fn)
        vals = _with_directions(r, sample_inputs(case, 1), _props(case), 1)
        assert_every_step_holds(r, vals)


RANDOM_KINDS = {"grad": ("scalar", matcalc.grad), "hessian": ("scalar", matcalc.hessian),
                "hvp": ("scalar", matcalc.hvp), "jacobian": ("nonscalar", matcalc.jacobian)}


def _check_random(kind: str, n: int, start: int = 0) -> int:
    out, fn = RANDOM_KINDS[kind]
    checked = 0
    for i in range(start, start + n):
        case = random_case(104729 * i + 17, out=out, wrt="any", max_depth=5, budget=16)
        try:
            r = fn(case.text, case.wrt.name, where=case.where)
            vals = point(case)
            rng = np.random.default_rng(case.seed)
            for d in r.directions:
                vals[d.name] = sample_direction(case.wrt, case.dims, rng)
            refs = references(r, vals)
        except (matcalc.MatcalcError, FloatingPointError):
            continue
        if not all(np.all(np.isfinite(np.asarray(v, dtype=float))) for v in refs.values()):
            continue
        assert_every_step_holds(r, vals)
        checked += 1
    return checked


@pytest.mark.parametrize("kind", sorted(RANDOM_KINDS))
def test_every_step_of_random_expressions_holds(kind):
    """Bounded property test on the generator's random well-typed expressions (seeded)."""
    assert _check_random(kind, 25) >= 20


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(derivations(out="scalar", wrt="any", max_depth=5, budget=16))
def test_every_step_of_a_hypothesis_drawn_gradient_holds(case):
    """The property tests' own strategy (hypothesis, bounded): shrinks a failing record to a small one."""
    try:
        r = matcalc.grad(case.text, case.wrt.name, where=case.where)
        vals = point(case)
        vals[r.directions[0].name] = sample_direction(case.wrt, case.dims, np.random.default_rng(case.seed))
        refs = references(r, vals)
    except (matcalc.MatcalcError, FloatingPointError):
        reject()  # (a refused or overflowing draw is not counted as a pass: hypothesis draws another)
    if not np.all(np.isfinite(np.asarray(refs["df"], dtype=float))):
        reject()
    assert_every_step_holds(r, vals)


@pytest.mark.long
@pytest.mark.parametrize("kind", sorted(RANDOM_KINDS))
def test_every_step_of_many_random_expressions_holds(kind):
    assert _check_random(kind, 1000, start=25) >= 800


JACOBIANS = [c for c in CASES if c["kind"] == "jacobian"]


@pytest.mark.parametrize("case", JACOBIANS, ids=[c["id"] for c in JACOBIANS])
def test_every_step_of_a_denominator_layout_jacobian_holds(case):
    r = matcalc.jacobian(case["expr"], case["wrt"], where=decl(case), layout="denominator")
    vals = _with_directions(r, sample_inputs(case), _props(case))
    ref = matcalc.jacobian(case["expr"], case["wrt"], where=decl(case))
    for s in r.steps:  # dF itself does not depend on the layout
        np.testing.assert_allclose(np.asarray(s.evaluate(vals), dtype=float),
                                   np.asarray(references(ref, vals)["dF"], dtype=float), rtol=1e-9, atol=1e-9)


PROPERTY_CASES = [
    ("tr(A X) + logdet(X)", "X: matrix(n,n) diagonal", {"diagonal"}),
    ("tr(A X B X)", "X: matrix(n,n) symmetric", {"symmetric"}),
    ("logdet(X) + tr(S X^-1)", "X: matrix(n,n) spd", {"spd"}),
    ("tr(A X)", "X: matrix(n,n) orthogonal", set()),
]


@pytest.mark.parametrize("expr, where, props", PROPERTY_CASES, ids=[p[1].split()[-1] for p in PROPERTY_CASES])
@pytest.mark.parametrize("fn", [matcalc.grad, matcalc.hessian, matcalc.hvp], ids=["grad", "hessian", "hvp"])
def test_every_step_holds_for_a_declared_property(fn, expr, where, props):
    r = fn(expr, "X", where=where)
    rng = np.random.default_rng(3)
    n = 3
    vals = {k: rng.standard_normal((n, n)) for k in ("A", "B", "S")}
    x = rng.standard_normal((n, n))
    vals["X"] = {"diagonal": np.diag(np.abs(np.diag(x)) + 1), "symmetric": (x + x.T) / 2,
                 "spd": x @ x.T + n * np.eye(n)}.get(next(iter(props), ""), np.linalg.qr(x)[0])
    vals = _with_directions(r, vals, frozenset(props))
    assert_every_step_holds(r, vals)


def test_a_deep_nest_takes_the_remaining_rules_at_once_and_still_holds(monkeypatch):
    from matcalc.calculus import steps as recording
    monkeypatch.setattr(recording, "MAX_RULE_STEPS", 4)  # as a nest deeper than the real limit does
    r = matcalc.grad("sin(" * 9 + "x" + ")" * 9, "x", where="x: scalar")
    steps = r.steps
    assert len(steps) <= 4 + 3 and "the remaining rules" in [s.rule for s in steps]
    assert_every_step_holds(r, {"x": 0.3, "dx": 0.7})


@pytest.mark.parametrize("wrt", ["x", "y"])
@pytest.mark.parametrize("fn", [matcalc.grad, matcalc.hessian, matcalc.hvp], ids=["grad", "hessian", "hvp"])
def test_every_step_holds_for_an_elementwise_power_with_an_array_exponent(fn, wrt):
    """sum(x .^ y): the steps multiplied y by x.^(y - 1) as matrices (a ShapeError; the CLI's --steps exited 2)."""
    r = fn("sum(x .^ y)", wrt, where="x: vector(n) positive; y: vector(n)")
    rng = np.random.default_rng(5)
    vals = {"x": rng.uniform(0.5, 2, 3), "y": rng.standard_normal(3)}
    assert_every_step_holds(r, _with_directions(r, vals, frozenset()))


@pytest.mark.parametrize("f, names, where", [
    ("c tr(X)", ["X", "c"], "c: scalar; X: matrix(n,n)"),
    ("c x'x", ["x", "c"], "c: scalar; x: vector(n)"),
    ("c^2 x'A x + c sum(x)", ["x", "c"], "c: scalar; x: vector(n); A: matrix(n,n)"),
    ("c logdet(X)", ["X", "c"], "c: scalar; X: matrix(n,n) spd"),
    ("a' X b c", ["X", "c", "a"], "c: scalar; X: matrix(m,n); a: vector(m); b: vector(n)"),
    ("c d + c^2 d^3", ["c", "d"], "c, d: scalar")])
def test_every_step_of_every_block_of_a_hessian_with_a_scalar_variable_holds(f, names, where):
    # the last line of a block by a scalar after a vector or matrix read H off as H dX dc
    # (d2f = dc I dX dc for c tr(X), 2 x dx dc for c x'x: neither holds)
    H = matcalc.hessian(f, names, where=where)
    rng = np.random.default_rng(3)
    sizes = {"m": 2, "n": 3}
    vals = {}
    for name, spec in (item.split(":") for item in where.split(";")):
        kind = spec.strip()
        for n in name.split(","):
            n = n.strip()
            if kind == "scalar":
                vals[n] = float(rng.uniform(0.5, 1.5))
            elif kind.startswith("vector"):
                vals[n] = rng.standard_normal(sizes[kind[7]])
            else:
                r, c = kind[7], kind[9]
                a = rng.standard_normal((sizes[r], sizes[c]))
                vals[n] = a @ a.T + sizes[r] * np.eye(sizes[r]) if "spd" in kind else a
    for key in H.keys():
        block = H[key]
        assert_every_step_holds(block, _with_directions(block, vals, frozenset({"spd"} & set(where.split()))))
