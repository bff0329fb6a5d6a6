"""Property-based tests: random well-typed expressions (tests/strategies.py) against the engine.

Every derivative is checked in float64 against central finite differences at random inputs
that respect the declared properties. The references are computed with the strategy's own
NumPy evaluator of the typed tree (independent of matcalc's parser, canonicalizer and
evaluator); second-order checks also use finite differences of the engine's gradient.

Counts: the "ci" profile (default: derandomized) runs the per-test `examples(ci, long)`
counts below; the "long" profile (`pytest --long`, or MATCALC_PROFILE=long) runs the long
counts (more than 100,000 examples in total). Any other profile's max_examples is respected.

Requests the engine refuses as genuinely unsupported (GENUINELY_UNSUPPORTED) are rejected;
set MATCALC_STRICT_PROPERTIES=1 to let them fail instead. Every bug these properties found
has a regression test at the end of this file.
"""
from __future__ import annotations

import collections
import gc
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, given, note, reject, settings
from hypothesis import strategies as st

import matcalc
from matcalc.numerics.evaluate import evaluate as _engine_evaluate
from matcalc.language.declarations import parse_declarations

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # tests/, where strategies.py is
if HERE not in sys.path:
    sys.path.insert(0, HERE)

from strategies import (DIMS, SCALAR, DomainError, derivation_outputs, derivations, expressions,  # noqa: E402
                        numpy_shape, point, random_case, sample_direction, sample_values, tree_function)
from conftest import assert_close  # noqa: E402

# --------------------------------------------------------------------------- profiles
_PROFILE_N = settings.default.max_examples
_LONG = _PROFILE_N >= 10_000          # the "long" profile (20,000 per test by default)


def examples(ci: int, long: int) -> int:
    """Per-test example count: `ci` under the ci profile, `long` under the long one."""
    if _LONG:
        return long
    if _PROFILE_N == 200:
        return ci
    return _PROFILE_N                  # some other profile: respect it


def prop_settings(ci: int, long: int):
    return settings(max_examples=examples(ci, long),
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])


STRICT = os.environ.get("MATCALC_STRICT_PROPERTIES") == "1"
EPS = np.finfo(float).eps

# --------------------------------------------------------------------------- unsupported
#: NotSupportedError messages judged to be genuinely unsupported requests
NOT_SUPPORTED_SEEN: collections.Counter = collections.Counter()
GENUINELY_UNSUPPORTED = (
    "no Kronecker form",   # a Kronecker form through a node class without a forward rule
)


def guard(fn, *a, **kw):
    """Call the engine; reject examples that make a genuinely unsupported request."""
    try:
        return fn(*a, **kw)
    except matcalc.NotSupportedError as ex:
        NOT_SUPPORTED_SEEN[str(ex)[:80]] += 1
        if any(s in str(ex) for s in GENUINELY_UNSUPPORTED) and not STRICT:
            event("NotSupportedError: " + str(ex)[:60])
            reject()
        raise


# --------------------------------------------------------------------------- helpers
def in_domain(case) -> tuple:
    """(values, text): the case's point, rejected when the function is undefined (or nearly so)
    there, and the text to give the engine."""
    vals = point(case)
    try:
        tree_function(case.tree, vals, case.dims)
    except DomainError:
        reject()
    note(repr(case))
    event(f"wrt: {case.wrt.kind}{' (symmetric)' if case.wrt.symmetric else ''}"
          f"{' (diagonal)' if case.wrt.diagonal else ''}")
    event(f"tree depth {min(case.tree.depth, 8)}")
    event(f"tree size {'<=5' if case.tree.size() <= 5 else '6-15' if case.tree.size() <= 15 else '>15'}")
    return vals, case.text


def f_of(case, vals, name):
    """x -> f(..., name = x, ...) by the strategy's own evaluator (no domain checks: small steps)."""
    def fun(x):
        v = dict(vals)
        v[name] = x
        return tree_function(case.tree, v, case.dims, check=False)
    return fun


def fd_entrywise(fun, x0, spec, h):
    """Central differences of fun at x0 entry by entry: out.shape + x0.shape, and a noise bound.

    Symmetric variables are perturbed by E_ij + E_ji (giving sym(G)); diagonal ones only on
    the diagonal (the rest stays 0): the conventions of the README for gradients.
    """
    scalar = np.ndim(x0) == 0
    x0 = np.asarray(x0, dtype=float)
    f0 = np.asarray(fun(float(x0) if scalar else x0), dtype=float)
    out = np.zeros(f0.shape + x0.shape)
    noise = 0.0
    for idx in (list(np.ndindex(*x0.shape)) if x0.ndim else [()]):
        if spec.diagonal and idx[0] != idx[1]:
            continue
        step = h * max(1.0, abs(float(x0[idx])))
        e = np.zeros_like(x0)
        e[idx] = 1.0
        div = 2 * step
        if spec.symmetric and x0.ndim == 2 and idx[0] != idx[1]:
            e[idx[::-1]] = 1.0
            div = 4 * step
        xp, xm = x0 + step * e, x0 - step * e
        fp = np.asarray(fun(float(xp) if scalar else xp), dtype=float)
        fm = np.asarray(fun(float(xm) if scalar else xm), dtype=float)
        out[(Ellipsis,) + idx] = (fp - fm) / div
        noise = max(noise, EPS * float(np.max(np.abs(fp), initial=0) + np.max(np.abs(fm), initial=0)) / div)
    return out, noise


def fd_directional(fun, x0, v, h):
    scale = max(1.0, float(np.max(np.abs(x0)))) if np.ndim(x0) else max(1.0, abs(x0))
    step = h * scale
    fp = np.asarray(fun(x0 + step * v), dtype=float)
    fm = np.asarray(fun(x0 - step * v), dtype=float)
    noise = EPS * float(np.max(np.abs(fp), initial=0) + np.max(np.abs(fm), initial=0)) / (2 * step)
    return (fp - fm) / (2 * step), noise


def fd_second(fun, x0, u, w, h):
    """d2f[u, w] by the four-point formula, and a noise bound."""
    scale = max(1.0, float(np.max(np.abs(x0)))) if np.ndim(x0) else max(1.0, abs(x0))
    s = h * scale
    vals = [float(fun(x0 + a * s * u + b * s * w)) for a, b in ((1, 1), (1, -1), (-1, 1), (-1, -1))]
    est = (vals[0] - vals[1] - vals[2] + vals[3]) / (4 * s * s)
    noise = EPS * sum(abs(v) for v in vals) / (4 * s * s)
    return est, noise


def mismatch(got, ref, noise=0.0, rtol=1e-5) -> float:
    """Excess error (<= 0 when close): max|got - ref| against rtol * scale + 100 * noise."""
    got = np.asarray(got, dtype=float)
    ref = np.asarray(ref, dtype=float)
    assert got.shape == ref.shape, f"shape {got.shape} != {ref.shape}"
    if not np.all(np.isfinite(got)):
        return math.inf
    if not ref.size:
        return 0.0
    scale = max(1.0, float(np.max(np.abs(ref))))
    return float(np.max(np.abs(got - ref))) - (rtol * scale + 100 * noise)


def assert_fd(got, reference, steps=(1e-6, 1e-5, 1e-7, 1e-4, 1e-8), rtol=1e-5, what="derivative"):
    """got agrees with reference(h) -> (ref, noise) for one of the steps."""
    best = math.inf
    ref0 = None
    for h in steps:
        ref, noise = reference(h)
        if ref0 is None:
            ref0 = ref
        m = mismatch(got, ref, noise, rtol)
        if m <= 0:
            return
        best = min(best, m)
    assume(np.all(np.isfinite(ref0)))
    raise AssertionError(f"{what} differs from finite differences (excess error {best:.3g})\n"
                         f"got:\n{np.asarray(got)}\nfinite differences:\n{np.asarray(ref0)}")


def engine_value(obj, vals):
    """obj.evaluate(vals); an EvaluationError at a point inside the domain is a bug (unless known)."""
    out = guard(obj.evaluate, vals)
    out = np.asarray(out, dtype=float)
    return out


def context_of(r) -> tuple:
    """Nodes whose variables fix the dimensions of a result's parts (the function, and the
    variables it cancelled: `Expression.context`)."""
    return (r.function.node,) + tuple(getattr(r.function, "context", ()))


def contract(H, V):
    """H[..., in] : V over V's axes."""
    V = np.asarray(V, dtype=float)
    if V.ndim == 0:
        return np.asarray(H, dtype=float) * float(V)
    return np.tensordot(np.asarray(H, dtype=float), V, axes=V.ndim)


def vec_cm(a) -> np.ndarray:
    """Column-major vec of a (matrix / vector / scalar) value."""
    a = np.asarray(a, dtype=float)
    return a.reshape(-1, order="F")


def direction_values(result, case, rng) -> dict:
    """Random values for a result's direction variables (dX, V, v, ...), in their own spaces: as the
    result declares them (r.where: dS of a symmetric S is symmetric)."""
    out = {}
    declared = parse_declarations(result.where)
    for d in result.directions:
        props = set(d.props) | set(declared[d.name].props if d.name in declared else ())
        r, c = d.shape
        rr = case.dims[r] if isinstance(r, str) else r
        cc = case.dims[c] if isinstance(c, str) else c
        if (r, c) == SCALAR:
            out[d.name] = float(rng.standard_normal())
            continue
        x = rng.standard_normal((rr, cc))
        if "symmetric" in props:
            x = (x + x.T) / 2
        if "diagonal" in props:
            x = np.diag(np.diag(x))
        out[d.name] = x[:, 0] if c == 1 else x
    return out


# --------------------------------------------------------------------------- first order
@prop_settings(ci=900, long=30_000)
@given(derivations(out="scalar", wrt="any"))
def test_gradient_matches_own_finite_differences(case):
    """grad f has the variable's shape and df = <G, dX> (sym(G) for symmetric, I .* G for diagonal X)."""
    vals, text = in_domain(case)
    r = guard(matcalc.grad, text, case.wrt.name, where=case.where)
    got = engine_value(r, vals)
    assert got.shape == case.wrt.numpy_shape(case.dims)
    fun = f_of(case, vals, case.wrt.name)
    assert_fd(got, lambda h: fd_entrywise(fun, vals[case.wrt.name], case.wrt, h), what="gradient")


@prop_settings(ci=300, long=8_000)
@given(derivations(out="scalar", wrt="symmetric"))
def test_gradient_symmetric_variable(case):
    """The gradient on symmetric matrices is sym(G): symmetric, and right along symmetric directions."""
    vals, text = in_domain(case)
    r = guard(matcalc.grad, text, case.wrt.name, where=case.where)
    got = engine_value(r, vals)
    assert np.allclose(got, got.T, rtol=1e-9, atol=1e-9 * max(1.0, float(np.max(np.abs(got))))), "not symmetric"
    fun = f_of(case, vals, case.wrt.name)
    assert_fd(got, lambda h: fd_entrywise(fun, vals[case.wrt.name], case.wrt, h), what="gradient")


@prop_settings(ci=500, long=15_000)
@given(derivations(out="nonscalar", wrt="any"))
def test_jacobian_matches_finite_differences(case):
    """J[out..., in...] in numerator layout; the Kronecker form agrees: vec(dF) = J vec(dX)."""
    vals, text = in_domain(case)
    x = case.wrt
    r = guard(matcalc.jacobian, text, x.name, where=case.where)
    got = engine_value(r, vals)
    out_shape = numpy_shape(case.tree.shape, case.dims)
    in_shape = x.numpy_shape(case.dims)
    assert got.shape == out_shape + in_shape
    fun = f_of(case, vals, x.name)
    rng = np.random.default_rng(case.seed + 1)
    if x.symmetric or x.diagonal:
        # on the variable's own space only: J contracted with a symmetric / diagonal direction
        V = sample_direction(x, case.dims, rng)
        assert_fd(contract(got, V), lambda h: fd_directional(fun, vals[x.name], V, h), what="J[V]")
    else:
        assert_fd(got, lambda h: fd_entrywise(fun, vals[x.name], x, h), what="jacobian")
    # denominator layout: the same array with the in and out axes swapped
    rd = guard(matcalc.jacobian, text, x.name, where=case.where, layout="denominator")
    gd = engine_value(rd, vals)
    nout = len(out_shape)
    same = gd.shape == in_shape + out_shape and mismatch(
        np.moveaxis(gd, list(range(len(in_shape))), list(range(nout, gd.ndim))), got, rtol=1e-9) <= 0
    assert gd.shape == in_shape + out_shape
    assert same, "the denominator layout is not the numerator layout with in and out axes swapped"
    if getattr(r, "kron", None) is not None:
        K = np.atleast_2d(np.asarray(guard(_engine_evaluate, r.kron.node, vals, context=context_of(r)),
                                     dtype=float))
        V = sample_direction(x, case.dims, rng)
        JV = contract(got, V)
        assert K.shape == (vec_cm(JV).size, vec_cm(V).size), f"kron shape {K.shape}"
        assert mismatch(K @ vec_cm(V), vec_cm(JV), rtol=1e-8) <= 0, "Kronecker form disagrees with the map"


@prop_settings(ci=300, long=8_000)
@given(derivations(out="any", wrt="any"))
def test_differential_is_the_directional_derivative(case):
    """differential(f, X) evaluated at dX = V is d/dt f(X + tV), for scalar, vector and matrix f."""
    vals, text = in_domain(case)
    x = case.wrt
    r = guard(matcalc.differential, text, x.name, where=case.where)
    V = sample_direction(x, case.dims, np.random.default_rng(case.seed + 5))
    dname = r.directions[0].name
    assert dname not in vals, f"the direction {dname} clashes with a variable"
    vv = dict(vals)
    vv[dname] = V
    got = engine_value(r, vv)
    fun = f_of(case, vals, x.name)
    assert_fd(got, lambda h: fd_directional(fun, vals[x.name], V, h), what="df[V]")


# --------------------------------------------------------------------------- second order
def _hessian_property(case):
    vals, text = in_domain(case)
    x = case.wrt
    r = guard(matcalc.hessian, text, x.name, where=case.where)
    H = engine_value(r, vals)
    xs = x.numpy_shape(case.dims)
    assert H.shape == xs + xs
    # symmetric as a bilinear form
    nd = len(xs)
    Ht = np.transpose(H, list(range(nd, 2 * nd)) + list(range(nd))) if nd else H
    assert mismatch(H, Ht, rtol=1e-8) <= 0, "Hessian is not symmetric"
    # against finite differences of the engine's gradient (checked on its own above)
    g = guard(matcalc.grad, text, x.name, where=case.where)

    def gfun(xv):
        v = dict(vals)
        v[x.name] = xv
        return guard(g.evaluate, v)
    assert_fd(H, lambda h: fd_entrywise(gfun, vals[x.name], x, h), steps=(1e-6, 1e-5, 1e-4), rtol=1e-4,
              what="Hessian (vs FD of the gradient)")
    # independent: second differences of f itself, d2f[U, W] = <U, H[W]>
    fun = f_of(case, vals, x.name)
    rng = np.random.default_rng(case.seed + 2)
    for _ in range(2):
        U, W = sample_direction(x, case.dims, rng), sample_direction(x, case.dims, rng)
        got = float(np.sum(np.asarray(U) * contract(H, W)))
        # (3e-6 too: sin(sin(K' C P A') .* (K' P^4)) has fourth derivatives in the thousands, and the
        # four-point formula's truncation at 1e-5 still missed d2f by 2e-3, where the gradient's own
        # differences agreed to 1e-8)
        assert_fd(got, lambda h: fd_second(fun, vals[x.name], U, W, h), steps=(1e-4, 3e-4, 1e-3, 3e-5, 1e-5, 3e-6),
                  rtol=1e-4, what="d2f[U, W]")
    # the Kronecker form, where there is one: vec(H[V]) = K vec(V) on the variable's space
    if getattr(r, "kron", None) is not None:
        K = np.atleast_2d(np.asarray(guard(_engine_evaluate, r.kron.node, vals, context=context_of(r)),
                                     dtype=float))
        V = sample_direction(x, case.dims, rng)
        assert mismatch(K @ vec_cm(V), vec_cm(contract(H, V)), rtol=1e-8) <= 0, "Kronecker form disagrees"


@prop_settings(ci=250, long=8_000)
@given(derivations(out="scalar", wrt="scalar"))
def test_hessian_scalar_variable(case):
    _hessian_property(case)


@prop_settings(ci=300, long=10_000)
@given(derivations(out="scalar", wrt="vector"))
def test_hessian_vector_variable(case):
    _hessian_property(case)


@prop_settings(ci=300, long=10_000)
@given(derivations(out="scalar", wrt="matrix"))
def test_hessian_matrix_variable(case):
    """Matrix variables, including symmetric, spd and diagonal ones: H[i,j,k,l] = d2f / dX_ij dX_kl."""
    _hessian_property(case)


@prop_settings(ci=400, long=12_000)
@given(derivations(out="scalar", wrt="any"))
def test_hvp_matches_hessian_and_gradient_differences(case):
    """hvp(f, X)[V] = H[V] (the evaluated Hessian contracted with V) = d/dt grad f(X + tV)."""
    vals, text = in_domain(case)
    x = case.wrt
    r = guard(matcalc.hvp, text, x.name, where=case.where)
    rng = np.random.default_rng(case.seed + 3)
    V = sample_direction(x, case.dims, rng)
    vname = r.directions[-1].name
    assert vname not in vals, f"the direction {vname} clashes with a variable"
    vv = dict(vals)
    vv[vname] = V
    got = engine_value(r, vv)
    assert got.shape == x.numpy_shape(case.dims)
    h = guard(matcalc.hessian, text, x.name, where=case.where)
    H = engine_value(h, vals)
    # the rounding noise of both at this point: their change when every value moves by 1e-12 of itself
    # (a saturated softmax's Hessian is exp(-10^4), and both forms give differences of terms near 10^5)
    nudged = {k: np.asarray(v, dtype=float) * (1 + 1e-12) for k, v in vals.items()}
    noise = float(np.max(np.abs(engine_value(r, {**nudged, vname: V}) - got), initial=0.0)) + \
        float(np.max(np.abs(contract(engine_value(h, nudged), V) - contract(H, V)), initial=0.0))
    assert mismatch(got, contract(H, V), noise=noise, rtol=1e-7) <= 0, \
        f"hvp disagrees with H[V]:\n{got}\nH[V]:\n{contract(H, V)}"
    g = guard(matcalc.grad, text, x.name, where=case.where)

    def gfun(xv):
        w = dict(vals)
        w[x.name] = xv
        return guard(g.evaluate, w)
    assert_fd(got, lambda h: fd_directional(gfun, vals[x.name], V, h), steps=(1e-6, 1e-5, 1e-4), rtol=1e-4,
              what="hvp (vs FD of the gradient)")


# --------------------------------------------------------------------------- text and values
def generated_args(fn, vals) -> list:
    """The generated function's arguments, by parameter name (a keyword gets a trailing _)."""
    import inspect
    return [vals[p if p in vals else p[:-1]] for p in inspect.signature(fn).parameters]


def assert_generated_matches(result, vals) -> None:
    """result.to_numpy() at vals gives what result.evaluate(vals) gives."""
    want = engine_value(result, vals)
    fn = guard(result.to_numpy)
    got = np.asarray(fn(*generated_args(fn, vals)), dtype=float)
    assert_close(got.reshape(want.shape), want, rtol=1e-8, atol=1e-10)


@prop_settings(ci=300, long=10_000)
@given(derivations(out="scalar", wrt="any"))
def test_generated_value_and_gradient_agree_with_evaluate(case):
    """matcalc.compile(f, x, outputs=("value", "grad")) computes f and what grad(...).evaluate() does."""
    vals, text = in_domain(case)
    r = guard(matcalc.grad, text, case.wrt.name, where=case.where)
    want = engine_value(r, vals)
    fn = guard(matcalc.compile, text, case.wrt.name, where=case.where, outputs=("value", "grad"))
    value, grad = fn(*generated_args(fn, vals))
    assert_close(value, f_of(case, vals, case.wrt.name)(vals[case.wrt.name]), rtol=1e-8, atol=1e-10)
    assert_close(np.asarray(grad, dtype=float).reshape(want.shape), want, rtol=1e-8, atol=1e-10)


@prop_settings(ci=200, long=6_000)
@given(derivations(out="scalar", wrt="any"))
def test_generated_hessian_and_hvp_agree_with_evaluate(case):
    """The generated Hessian (dense [wrt..., wrt...]) and Hessian-vector product are .evaluate()'s."""
    vals, text = in_domain(case)
    assert_generated_matches(guard(matcalc.hessian, text, case.wrt.name, where=case.where), vals)
    h = guard(matcalc.hvp, text, case.wrt.name, where=case.where)
    hv_vals = dict(vals)
    hv_vals[h.directions[-1].name] = sample_direction(case.wrt, case.dims, np.random.default_rng(case.seed))
    assert_generated_matches(h, hv_vals)


@prop_settings(ci=200, long=8_000)
@given(derivations(out="nonscalar", wrt="any"))
def test_generated_jacobian_agrees_with_evaluate(case):
    """The generated dense Jacobian [out..., in...] is .evaluate()'s."""
    vals, text = in_domain(case)
    assert_generated_matches(guard(matcalc.jacobian, text, case.wrt.name, where=case.where), vals)


@prop_settings(ci=1500, long=20_000)
@given(expressions(out="any"))
def test_expression_text_round_trip(g):
    """parse(str(e), where=e.where) == e, for random expressions e."""
    note(f"text={g.text!r} where={g.where!r}")
    e = guard(matcalc.parse, g.text, where=g.where)
    note(f"str(e)={str(e)!r}")
    back = guard(matcalc.parse, str(e), where=e.where)
    assert back == e, f"{str(e)!r} reads back as {str(back)!r}"
    assert e.latex()


@prop_settings(ci=500, long=10_000)
@given(expressions(out="any"))
def test_reading_round_trip(g):
    """parse(e.reading, where=e.inferred) is e: the explicit reading a user is shown reads as what was
    read (t^sin(b), Q^3^3 and ||a ||x|| + y|| did not)."""
    note(f"text={g.text!r} where={g.where!r}")
    e = guard(matcalc.parse, g.text, where=g.where)
    note(f"reading={e.reading!r} inferred={e.inferred!r}")
    back = guard(matcalc.parse, e.reading, where=e.inferred)
    assert back.node is e.node, f"{e.reading!r} reads back as {str(back)!r}, not {str(e)!r}"


@prop_settings(ci=1500, long=25_000)
@given(expressions(out="any"), st.fixed_dictionaries({d: st.sampled_from((3, 2, 4, 1)) for d in DIMS}),
       st.integers(0, 2 ** 31 - 1))
def test_parsed_value_matches_independent_numpy(g, dims, seed):
    """Parser + canonicalizing constructors + evaluator preserve the value of the typed tree."""
    note(f"text={g.text!r} where={g.where!r} dims={dims} seed={seed}")
    vals = sample_values(g.variables.values(), dims, seed)
    try:
        ref = tree_function(g.tree, vals, dims)
    except DomainError:
        reject()
    e = guard(matcalc.parse, g.text, where=g.where)
    sym_shape = numpy_shape(g.tree.shape, {d: d for d in DIMS})
    assert e.shape == sym_shape, f"shape {e.shape} != {sym_shape}"
    got = engine_value(e, vals)
    assert mismatch(got, ref, rtol=1e-9) <= 0, f"value {got} != {ref}"
    # and the canonical text has the same value
    back = guard(matcalc.parse, str(e), where=e.where)
    bv = np.asarray(guard(back.evaluate, vals), dtype=float)
    assert bv.shape == np.shape(ref)
    assert mismatch(bv, ref, rtol=1e-9) <= 0, f"{str(e)!r} reads back with another value"


RESULT_KINDS = {"grad": ("scalar", matcalc.grad), "jacobian": ("nonscalar", matcalc.jacobian),
                "hessian": ("scalar", matcalc.hessian), "hvp": ("scalar", matcalc.hvp)}


@st.composite
def result_cases(draw):
    kind = draw(st.sampled_from(sorted(RESULT_KINDS)))
    case = draw(derivations(out=RESULT_KINDS[kind][0], wrt="any"))
    return kind, case


def _same_value(text, where, node, vv, ctx, what):
    back = guard(matcalc.parse, text, where=where)
    want = np.asarray(guard(_engine_evaluate, node, vv, context=ctx), dtype=float)
    got = np.asarray(guard(_engine_evaluate, back.node, vv, context=ctx), dtype=float)
    assert got.shape == want.shape, f"{what} = {text!r} reads back with shape {got.shape}, not {want.shape}"
    assert mismatch(got, want, rtol=1e-8) <= 0, f"{what} = {text!r} reads back with another value"


@prop_settings(ci=500, long=12_000)
@given(result_cases())
def test_result_text_round_trip(kc):
    """matcalc.parse(str(r), where=r.where) evaluates equal to r.expr (and the differential's text too)."""
    kind, case = kc
    vals, text = in_domain(case)
    r = guard(RESULT_KINDS[kind][1], text, case.wrt.name, where=case.where)
    note(f"{kind}: str(r)={str(r)!r} where={r.where!r}")
    rng = np.random.default_rng(case.seed + 4)
    vv = dict(vals)
    vv.update(direction_values(r, case, rng))
    ctx = context_of(r) + tuple(r.directions)
    _same_value(str(r), r.where, r.expr.node, vv, ctx, kind)
    # every printed form: the JSON of the CLI, LaTeX
    forms = guard(r.forms)
    assert isinstance(r.latex(), str) and r.latex()
    d = forms.get("differential")
    if d is not None:
        _same_value(d["text"], r.where, r.differential.node, vv, ctx, "df")


# --------------------------------------------------------------------------- determinism
def _outputs(kind, text, wrt, where):
    return derivation_outputs(kind, text, wrt, where)


@prop_settings(ci=200, long=2_000)
@given(result_cases())
def test_same_input_same_output_in_process(kc):
    """Deriving the same input twice (with the first result garbage collected) prints the same."""
    kind, case = kc
    note(repr(case))
    first = _outputs(kind, case.text, case.wrt.name, case.where)
    gc.collect(1)  # the young generations, where the first result's cycles are: a full collection
    # costs time in proportion to all the suite has loaded by then (SymPy, JAX, PyTorch), 200 times
    second = _outputs(kind, case.text, case.wrt.name, case.where)
    assert first == second


_DET_SCRIPT = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import matcalc
from strategies import derivation_outputs as outputs
cases = json.load(sys.stdin)
if sys.argv[2] == "reverse":
    cases = cases[::-1]
res = {c["id"]: outputs(c["kind"], c["text"], c["wrt"], c["where"]) for c in cases}
json.dump(res, sys.stdout, sort_keys=True)
"""


def determinism_cases(n: int = 40) -> list:
    kinds = ["grad", "hessian", "jacobian", "hvp"]
    out = []
    for i in range(n):
        kind = kinds[i % 4]
        c = random_case(7919 * i + 11, out=RESULT_KINDS[kind][0], wrt="any", max_depth=5, budget=16)
        out.append({"id": str(i), "kind": kind, "text": c.text, "wrt": c.wrt.name, "where": c.where})
    out += [
        {"id": "tr", "kind": "grad", "text": "tr(AX^2BX^-T)", "wrt": "X", "where": ""},
        {"id": "lse", "kind": "hessian", "text": "log(sum(exp(A x + b)))", "wrt": "x", "where": ""},
        {"id": "ls", "kind": "hvp", "text": "1/2 ||A x - b||^2", "wrt": "x", "where": ""},
        {"id": "logdet", "kind": "grad", "text": "logdet(X) + tr(S X)", "wrt": "X",
         "where": "X: matrix(n,n) spd; S: matrix(n,n) symmetric"},
        {"id": "mlp", "kind": "jacobian", "text": "W_2 tanh(W_1 x + b_1)", "wrt": "W_1", "where": ""},
    ]
    return out


def _source_stamp() -> tuple:
    pkg = os.path.dirname(matcalc.__file__)
    names = sorted(os.path.join(d, f) for d, _, fs in os.walk(pkg) for f in fs
                   if f.endswith(".py") or f.endswith(".lark"))
    return tuple((f, os.stat(f).st_mtime_ns) for f in names)


_SOURCE_STAMP = _source_stamp()


def _run_worker(cases, hashseed: str, order: str) -> dict:
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = hashseed
    proc = subprocess.run([sys.executable, "-c", _DET_SCRIPT, HERE, order], input=json.dumps(cases),
                          capture_output=True, text=True, env=env, timeout=600, cwd=os.path.dirname(HERE))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {str(k): v for k, v in json.loads(proc.stdout).items()}


def test_same_output_across_processes_and_hash_seeds():
    """A fixed list of derivations prints identically in two fresh processes with different
    PYTHONHASHSEED (one in reverse order), and identically to this (long-lived) process."""
    outputs = derivation_outputs
    cases = determinism_cases()
    a = _run_worker(cases, "0", "forward")
    b = _run_worker(cases, "4242", "reverse")
    diffs = [k for k in a if a[k] != b.get(k)]
    assert not diffs, "outputs differ across processes for " + "; ".join(
        f"{k}: {next(c for c in cases if str(c['id']) == k)['text']!r}: {a[k][0]!r} vs {b[k][0]!r}" for k in diffs[:5])
    if _source_stamp() != _SOURCE_STAMP:
        return  # matcalc's sources changed since this process imported them: nothing to compare
    here = {str(c["id"]): outputs(c["kind"], c["text"], c["wrt"], c["where"]) for c in cases}
    diffs = [k for k in a if a[k] != here[k]]
    assert not diffs, "outputs depend on the process's history for " + "; ".join(
        f"{k}: {a[k][0]!r} vs {here[k][0]!r}" for k in diffs[:5])


# --------------------------------------------------------------------------- long-only fuzzing
@pytest.mark.long
@settings(max_examples=examples(0, 10_000) or 1,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
@given(derivations(out="scalar", wrt="any", max_depth=6, budget=40, big=True))
def test_long_gradient_of_large_expressions(case):
    """Bigger trees (20 to 40 operations, depth 5-6) than the CI properties use."""
    test_gradient_matches_own_finite_differences.hypothesis.inner_test(case)


# --------------------------------------------------------------------------- bugs found by these properties
# Fixed (regression tests): found by the properties above, reproduced minimally here.
@pytest.mark.parametrize("text,wrt,where", [
    ("tr(C^2) (a + b)", "C", "C: matrix(n,n); a: scalar; b: scalar"),
    ("<C, C> (a + b)", "C", "C: matrix(n,n); a: scalar; b: scalar"),
])
def test_regression_kronecker_form_with_a_scalar_sum_factor(text, wrt, where):
    """Was: RecursionError in simplify.factor_sum (matrix Jacobian / Hessian)."""
    assert matcalc.check(matcalc.jacobian(text, wrt, where=where))
    assert matcalc.check(matcalc.hessian(text, wrt, where=where))


def test_regression_cancelled_variable_keeps_its_dimension():
    """Was: EvaluationError 'the size of dimension k is unknown'."""
    e = matcalc.parse("a + (u - u)", where="a: scalar; u: vector(k)")
    assert np.allclose(e.evaluate({"a": 1.0, "u": np.ones(3)}), np.ones(3))
    g = matcalc.grad("tr(C - C)", "C", where="C: matrix(n,n)")
    assert np.allclose(g.evaluate({"C": np.eye(3)}), np.zeros((3, 3)))


@pytest.mark.parametrize("text,where", [
    ("2^(cos(a)) + x' x", "a: scalar; x: vector(n)"),     # was printed 2^cos(a): reads back as 2^(c o s(a))
    ("x - x", "x: vector(n)"),                            # was printed 0: reads back as a scalar
    ("softmax(u - u)", "u: vector(k)"),                   # was printed softmax(0)
    ("||a ones(n)||", "a: scalar"),                       # was not a fixed point (dim(n) on reading back)
    ("x' y A", "x: vector(n); y: vector(n); A: matrix(m,k)"),   # was a ShapeError: (x'y) A left to right
    ("x' x z", "x: vector(n); z: vector(m)"),
    ("x + (a + b) ones(n)", "a: scalar; b: scalar; x: vector(n)"),   # was (a + b) + x: read back as a + b + x
    ("||(||a (C x)||^2) + x||", "C: matrix(n,n); a: scalar; x: vector(n)"),  # the inner || closed the outer norm
    ("tr((K' K)^2) x", "K: matrix(n,k); x: vector(n)"),   # was ||K' K||_F^2: reads back as ||K K'||_F^2
    ("kron(x, x) - kron(x, x)", "x: vector(n)"),          # was zeros(n*n), which does not parse
    ("sum(kron(x, x) - kron(x, x) + 1)", "x: vector(n)"),  # was dim(n*n)
    ("(x' + x' + x') / t (C (x / t^a))", "C: matrix(n,n); a: scalar; t: scalar positive; x: vector(n)"),
    ("1/t * 1/t^a", "a: scalar; t: scalar positive"),    # was 1 / (t^a t): reads back as 1 / t^(1 + a)
    ("1/t^(1-a)", "a: scalar; t: scalar positive"),
    ("2^(-(a + b))", "a: scalar; b: scalar"),             # 1 / 2^(a + b) would read back as 2^(-a - b)
    ("tr(K' K (K' K)^2)", "K: matrix(n,k)"),              # was ||K K' K||_F^2: reads back as another chain
    ("||P^-1 y||", "P: matrix(n,n) spd; y: vector(n)"),   # the norm through a symmetric inverse
    ("||P (C' C + I)^-1||_F", "C: matrix(n,n); P: matrix(n,n) spd"),
])
def test_regression_text_round_trip(text, where):
    e = matcalc.parse(text, where=where)
    assert matcalc.parse(str(e), where=e.where) == e


def test_regression_scalar_product_inside_a_chain_is_a_scalar():
    where = "x: vector(n); y: vector(n); A: matrix(m,k)"
    assert matcalc.parse("x' y A", where=where) == matcalc.parse("(x' y) A", where=where)


def test_regression_hvp_of_a_diagonal_variable_is_diagonal():
    """Was: hvp not projected on the diagonal (gradient I .* G and Hessian were)."""
    where = "G: matrix(n,n) diagonal; x: vector(n)"
    r = matcalc.hvp("sum(sin(G x))", "G", where=where)
    rng = np.random.default_rng(0)
    vals = {"G": np.diag(rng.uniform(0.5, 1.5, 3)), "x": rng.standard_normal(3)}
    vals[r.directions[-1].name] = np.diag(rng.standard_normal(3))
    out = r.evaluate(vals)
    assert np.allclose(out, np.diag(np.diag(out)))
    H = matcalc.hessian("sum(sin(G x))", "G", where=where).evaluate(vals)
    assert np.allclose(out, np.tensordot(H, vals[r.directions[-1].name], 2))


def test_regression_denominator_layout_by_a_scalar():
    """Was: K' (the transposed matrix) for a matrix function of a scalar; check said MISMATCH."""
    r = matcalc.jacobian("a K", "a", where="K: matrix(n,k); a: scalar", layout="denominator")
    K = np.arange(6.0).reshape(3, 2)
    assert np.allclose(r.evaluate({"a": 1.0, "K": K}), K)
    assert matcalc.check(r)


def test_regression_check_accounts_for_finite_difference_noise():
    """Was: MISMATCH for the right gradient cos(x) because f is large."""
    r = matcalc.grad("(-2*det(K' K + 2 I))^3 + sum(sin(x))", "x", where="K: matrix(n,k); x: vector(n)")
    assert str(r) == "cos(x)"
    assert matcalc.check(r)


@pytest.mark.parametrize("kind,text,wrt,where", [
    ("grad", "||(P (P x)) .^ 2|| + det(Q)", "P", "P: matrix(n,n) spd; Q: matrix(m,m) invertible; x: vector(n)"),
    ("hessian", "z' (A P P) x", "P", "A: matrix(m,n); P: matrix(n,n) spd; x: vector(n); z: vector(m)"),
])
def test_regression_where_names_never_reuse_a_variable(kind, text, wrt, where):
    """Was: '... where Q = ...' with Q a variable: parse(str(r), where=r.where) raised DeclarationError."""
    r = RESULT_KINDS[kind][1](text, wrt, where=where)
    back = matcalc.parse(str(r), where=r.where)
    assert back.shape == r.expr.shape


def test_regression_kronecker_dimensions_of_the_same_factors_add():
    """Was: '... Q = kron(x, I_n) + kron(I_n, x)' raised ShapeError (n*n and n*n did not unify)."""
    r = matcalc.hessian("||sin(x x')||_F", "x", where="x: vector(n)")
    assert matcalc.parse(str(r), where=r.where).node is r.expr.node


def test_regression_identity_of_a_product_size_reads_back():
    """Was: I_{m*n}, which does not parse (now kron(I_m, I_n) where the text does not fix it)."""
    r = matcalc.hessian("||tanh(x z')||_F", "x", where="x: vector(n); z: vector(m)")
    assert matcalc.parse(str(r), where=r.where).node is r.expr.node


def test_regression_dense_jacobian_map_takes_dimensions_from_the_function():
    """Was: EvaluationError 'the size of dimension n is unknown' (no variable of the map has size n)."""
    r = matcalc.jacobian("z' z + D", "z", where="D: matrix(n,n); z: vector(m)")
    z = np.array([1.0, 2.0])
    out = r.evaluate({"D": np.eye(3), "z": z})
    assert np.allclose(out, np.ones((3, 3, 1)) * 2 * z)


def test_regression_check_of_a_variable_that_cancelled():
    """Was: check raised 'could not find inputs' (P cancelled from the function; the Hessian 0 is right)."""
    r = matcalc.hessian("logdet(P) sum((K' - K') K)", "P", where="K: matrix(n,k); P: matrix(n,n) spd")
    assert matcalc.check(r)


def test_regression_identity_printed_with_its_size_where_nothing_fixes_it():
    """Was: '2 det(D) I', which reads back with a fresh dimension for I."""
    r = matcalc.hessian("det(D) x' x", "x", where="D: matrix(n,n) invertible; x: vector(n)")
    back = matcalc.parse(str(r), where=r.where)
    assert back.node is r.expr.node


def test_regression_identity_sized_when_its_fresh_name_would_clash():
    """Was: '... I' for an m x m identity: read back, I's fresh dimension was named n (a dimension of
    the text not fixed by a variable), so the check that it reads back passed wrongly."""
    r = matcalc.hessian("z' z ||a ones(n, k) sin(tr(Q) ones(k))|| + sum(sin(x))", "z",
                        where="Q: matrix(m,m) invertible; a: scalar; x: vector(n); z: vector(m)")
    assert matcalc.parse(str(r), where=r.where).node is r.expr.node


def test_regression_declared_variable_fixes_its_dimension_even_when_absent():
    """Was: parse('zeros(k)', where='u: vector(k)').evaluate({'u': ...}) could not size k."""
    e = matcalc.parse("-u + u", where="u: vector(k)")
    back = matcalc.parse(str(e), where=e.where)
    assert back == e
    assert np.allclose(back.evaluate({"u": np.ones(3)}), np.zeros(3))
