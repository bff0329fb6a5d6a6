"""Random well-typed matcalc expressions, for property-based tests.

Expressions are built as *typed trees* first (every node knows its shape), and only then
printed as text in the matcalc language, so everything generated is well typed. The tree
also has a tiny NumPy evaluator of its own (`evaluate_tree`), independent of matcalc's,
which the tests use as the reference for values and for finite differences.

The generator is written against a small "chooser" interface so that the same code is
driven by Hypothesis (`expressions()`, `derivations()`: shrinkable) and by a seeded
`random.Random` (`random_case()`: for fixed lists, e.g. the cross-process determinism test).

Domains. Every subexpression is generated for a domain:
    None     anything of the shape
    "pos"    elementwise positive (log, sqrt, fractional powers, denominators)
    "bnd"    elementwise bounded, |v| <~ 3 (arguments of exp and of non-constant exponents)
    "small"  elementwise |v| <~ 1.2 (arguments of tan)
    "inv"    a square matrix that is invertible and well conditioned (inv, det, logdet, X^-T)
    "spd"    symmetric positive definite (a sub-domain of "inv")
Generation keeps values in the domain by construction; `evaluate_tree` re-checks every
domain with a margin at the actual point (DomainError), so tests can `assume` it away.
"""
from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import NamedTuple

import numpy as np
from hypothesis import strategies as st

SCALAR = (1, 1)
DIMS = ("n", "m", "k")


# --------------------------------------------------------------------------- variables
@dataclass(frozen=True)
class VarSpec:
    name: str
    shape: tuple          # (rows, cols) of dims ('n', 'm', 'k') or 1
    props: tuple = ()

    @property
    def kind(self) -> str:
        if self.shape == SCALAR:
            return "scalar"
        return "vector" if self.shape[1] == 1 else "matrix"

    def decl(self) -> str:
        if self.kind == "scalar":
            s = f"{self.name}: scalar"
        elif self.kind == "vector":
            s = f"{self.name}: vector({self.shape[0]})"
        else:
            s = f"{self.name}: matrix({self.shape[0]},{self.shape[1]})"
        return s + "".join(" " + p for p in self.props)

    @property
    def symmetric(self) -> bool:
        return bool({"symmetric", "spd"} & set(self.props))

    @property
    def diagonal(self) -> bool:
        return "diagonal" in self.props

    def numpy_shape(self, dims: dict) -> tuple:
        return numpy_shape(self.shape, dims)


POOL = (
    VarSpec("a", SCALAR),
    VarSpec("b", SCALAR),
    VarSpec("t", SCALAR, ("positive",)),
    VarSpec("theta", SCALAR),
    VarSpec("x", ("n", 1)),
    VarSpec("y", ("n", 1)),
    VarSpec("p", ("n", 1), ("positive",)),
    VarSpec("z", ("m", 1)),
    VarSpec("w_1", ("m", 1)),
    VarSpec("u", ("k", 1)),
    VarSpec("A", ("m", "n")),
    VarSpec("W_2", ("m", "n"), ("positive",)),
    VarSpec("K", ("n", "k")),
    VarSpec("C", ("n", "n")),
    VarSpec("D", ("n", "n"), ("invertible",)),
    VarSpec("S", ("n", "n"), ("symmetric",)),
    VarSpec("P", ("n", "n"), ("spd",)),
    VarSpec("G", ("n", "n"), ("diagonal",)),
    VarSpec("Q", ("m", "m"), ("invertible",)),
)
POOL_BY_NAME = {v.name: v for v in POOL}
INV_VARS = ("D", "P", "Q", "G")          # invertible by declaration (and by sampling)
SPD_VARS = ("P",)
POS_VARS = ("t", "p", "W_2")


def numpy_shape(shape, dims: dict) -> tuple:
    r, c = shape
    if (r, c) == SCALAR:
        return ()
    rr = dims[r] if isinstance(r, str) else r
    cc = dims[c] if isinstance(c, str) else c
    if c == 1:
        return (rr,)
    if r == 1:
        return (cc,)
    return (rr, cc)


def where_of(variables) -> str:
    return "; ".join(v.decl() for v in sorted(variables, key=lambda v: v.name))


def sample_value(v: VarSpec, dims: dict, rng: np.random.Generator):
    """A random value that respects the declared properties (like matcalc's sampler, independently)."""
    if v.shape == SCALAR:
        if "positive" in v.props:
            return float(rng.uniform(0.5, 2.0))
        return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.3, 1.5))
    r = dims[v.shape[0]]
    c = 1 if v.shape[1] == 1 else dims[v.shape[1]]
    props = set(v.props)
    if "positive" in props:
        x = rng.uniform(0.5, 1.5, (r, c))
    elif "spd" in props:
        a = rng.standard_normal((r, r))
        x = a @ a.T / r + np.eye(r)
    elif "diagonal" in props:
        x = np.diag(rng.choice([-1.0, 1.0], r) * rng.uniform(0.5, 1.5, r))
    elif "invertible" in props:
        x = rng.standard_normal((r, r)) / math.sqrt(r) + 2.0 * np.eye(r)
    elif "symmetric" in props:
        a = rng.standard_normal((r, r))
        x = (a + a.T) / 2
    else:
        x = rng.standard_normal((r, c))
    return x[:, 0].copy() if c == 1 and v.shape[1] == 1 else x


def sample_direction(v: VarSpec, dims: dict, rng: np.random.Generator):
    """A random direction in the variable's own space (symmetric / diagonal when it is)."""
    shp = v.numpy_shape(dims)
    if not shp:
        return float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 1.5))
    d = rng.standard_normal(shp)
    if v.symmetric:
        d = (d + d.T) / 2
    if v.diagonal:
        d = np.diag(np.diag(d))
    return d


def sample_values(variables, dims: dict, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    return {v.name: sample_value(v, dims, rng) for v in sorted(variables, key=lambda v: v.name)}


# --------------------------------------------------------------------------- the typed tree
@dataclass(eq=False)
class Node:
    op: str
    kids: tuple
    shape: tuple
    val: object = None        # payload: VarSpec, Fraction, function name, exponent, print style
    style: str = ""           # a printing variant ("'" vs "^T", "inv" vs "^-1", ...)

    def walk(self):
        yield self
        for k in self.kids:
            yield from k.walk()

    @property
    def depth(self) -> int:
        return 1 + max((k.depth for k in self.kids), default=0)

    def size(self) -> int:
        return 1 + sum(k.size() for k in self.kids)

    def variables(self) -> set:
        return {n.val for n in self.walk() if n.op == "var"}


def is_scalar(shape) -> bool:
    return shape == SCALAR


def is_col(shape) -> bool:
    return shape[1] == 1 and shape[0] != 1


def is_row(shape) -> bool:
    return shape[0] == 1 and shape[1] != 1


def is_square(shape) -> bool:
    return shape[0] == shape[1] and shape != SCALAR


def tshape(shape) -> tuple:
    return (shape[1], shape[0])


def N(op, kids, shape, val=None, style=""):
    return Node(op, tuple(kids), shape, val, style)


def num(v) -> Node:
    return N("num", (), SCALAR, Fraction(v))


def var(v: VarSpec) -> Node:
    return N("var", (), v.shape, v)


def mul_shape(a, b):
    if a == SCALAR:
        return b
    if b == SCALAR:
        return a
    assert a[1] == b[0], (a, b)
    return (a[0], b[1])


# --------------------------------------------------------------------------- choosers
class Chooser:
    """What the generator needs from a source of randomness."""

    def __init__(self, budget: int = 24, prefer: VarSpec | None = None, leaf_scale: float = 1.0):
        self.budget = budget
        self.prefer = prefer
        self.leaf_scale = leaf_scale      # < 1: fewer early leaves, bigger trees

    def int(self, lo: int, hi: int) -> int:  # pragma: no cover - interface
        raise NotImplementedError

    def choice(self, seq):
        seq = list(seq)
        return seq[self.int(0, len(seq) - 1)]

    def chance(self, p: float) -> bool:
        """True with probability p (shrinks toward True)."""
        return self.int(0, 99) < int(round(p * 100))

    def weighted(self, items):
        """items: [(weight, value)]; shrinks toward the first."""
        items = [(w, v) for w, v in items if w > 0]
        total = sum(w for w, _ in items)
        r = self.int(0, total - 1)
        for w, v in items:
            if r < w:
                return v
            r -= w
        return items[-1][1]  # pragma: no cover


class HypothesisChooser(Chooser):
    def __init__(self, draw, **kw):
        super().__init__(**kw)
        self.draw = draw

    def int(self, lo, hi):
        if lo == hi:
            return lo
        if hi - lo <= 1000:
            # sampled_from is close to uniform (st.integers favours its lower bound heavily),
            # and still shrinks toward the first value
            return self.draw(st.sampled_from(range(lo, hi + 1)))
        return self.draw(st.integers(lo, hi))


class RandomChooser(Chooser):
    def __init__(self, rnd: random.Random, **kw):
        super().__init__(**kw)
        self.rnd = rnd

    def int(self, lo, hi):
        return self.rnd.randint(lo, hi)


# --------------------------------------------------------------------------- the generator
FUNCS_ANY = ("sin", "cos", "tanh", "sigmoid", "abs")
INT_EXPONENTS = (2, 3)
FRAC_EXPONENTS = (Fraction(1, 2), Fraction(3, 2), Fraction(-1, 2), Fraction(1, 3), Fraction(-1), Fraction(-2))
POS_NUMBERS = (2, 3, Fraction(1, 2), Fraction(3, 2), 1, Fraction(1, 4))


class Gen:
    """Random typed trees, driven by a Chooser."""

    def __init__(self, ch: Chooser):
        self.ch = ch

    # ---- entry point
    def expr(self, shape, depth: int, dom=None) -> Node:
        ch = self.ch
        if depth <= 0 or ch.budget <= 0 or ch.chance((0.12 + 0.05 * (6 - depth)) * ch.leaf_scale):
            return self.leaf(shape, dom)
        ch.budget -= 1
        builders = self.builders(shape, dom)
        fn = ch.weighted(builders)
        node = fn(shape, depth - 1, dom)
        return node

    # ---- leaves
    def vars_of(self, shape, dom=None):
        out = []
        for v in POOL:
            if v.shape != shape:
                continue
            if dom == "pos" and v.name not in POS_VARS:
                continue
            if dom == "inv" and v.name not in INV_VARS:
                continue
            if dom == "spd" and v.name not in SPD_VARS:
                continue
            if dom == "small" and not (shape == SCALAR and v.name in ("a", "b", "theta")):
                continue
            if dom == "bnd" and v.shape != SCALAR and v.kind != "vector":
                continue
            out.append(v)
        return out

    def pick_var(self, cands):
        pref = self.ch.prefer
        if pref is not None and pref in cands and self.ch.chance(0.5):
            return pref
        return self.ch.choice(cands)

    def leaf(self, shape, dom=None) -> Node:
        ch = self.ch
        cands = self.vars_of(shape, dom)
        if shape == SCALAR:
            if dom in ("inv", "spd"):
                raise AssertionError("inv domain is for square matrices")
            if cands and ch.chance(0.75):
                return var(self.pick_var(cands))
            if dom != "small" and ch.chance(0.15):  # a size as a number: n bare (the size it is declared as) or dim(n)
                return N("size", (), SCALAR, self.dim(), style=ch.choice(("", "", "dim")))
            if dom == "small":
                return num(self.ch.choice((Fraction(1, 2), Fraction(1, 4), 1)))
            return num(ch.choice(POS_NUMBERS))
        if cands and ch.chance(0.85):
            return var(self.pick_var(cands))
        tc = self.vars_of(tshape(shape), dom if dom in ("inv", "spd", "pos", None) else None)
        if tc and dom not in ("bnd", "small") and ch.chance(0.7):
            return N("T", (var(self.pick_var(tc)),), shape, style=ch.choice(("'", "'", "^T", "^{T}")))
        # no variable of this shape (or domain): a small construction
        if dom == "pos":
            return N("fn", (self.leaf(shape, "bnd"),), shape, "exp")
        if dom == "bnd":
            return N("fn", (self.leaf(shape, None),), shape, ch.choice(("sin", "cos", "tanh", "sigmoid")))
        if dom == "small":
            return N("mul", (num(Fraction(1, 2)), N("fn", (self.leaf(shape, None),), shape, "sin")), shape, style=" ")
        if dom in ("inv", "spd"):
            return self.gram(shape, 0, dom)
        if is_row(shape):
            return N("T", (self.leaf(tshape(shape)),), shape, style="'")
        # a product through a dimension that has variables on both sides
        r, c = shape
        for mid in ("n", "m", "k"):
            left, right = (r, mid), (mid, c)
            if self._direct(left) and self._direct(right):
                return N("mul", (self.leaf(left), self.leaf(right)), shape, style=" ")
        raise AssertionError(f"no leaf for {shape}")  # pragma: no cover

    def _direct(self, shape) -> bool:
        return bool(self.vars_of(shape) or self.vars_of(tshape(shape)))

    # ---- builders: (weight, fn(shape, depth, dom)) for a shape and domain
    def builders(self, shape, dom):
        sc, col, row, sq = is_scalar(shape), is_col(shape), is_row(shape), is_square(shape)
        mat = not (sc or col or row)
        B = []
        if dom is None:
            B += [(6, self.b_add), (3, self.b_sub), (2, self.b_neg), (6, self.b_scalmul), (2, self.b_div),
                  (5, self.b_fn)]
            if sc:
                B += [(3, self.b_mul_ss), (3, self.b_trace), (2, self.b_det), (2, self.b_logdet), (3, self.b_inner),
                      (3, self.b_norm), (2, self.b_normsq), (3, self.b_sum), (4, self.b_dot), (3, self.b_quad),
                      (7, self.b_pow), (1, self.b_numpow)]
            if col:
                B += [(6, self.b_matvec), (3, self.b_had), (2, self.b_hdiv), (2, self.b_epow), (3, self.b_bcast),
                      (2, self.b_diagpart), (2, self.b_softmax), (1, self.b_transpose), (1, self.b_ones)]
            if row:
                B += [(4, self.b_transpose), (3, self.b_rowmat)]
            if mat:
                B += [(6, self.b_matmul), (2, self.b_outer), (3, self.b_had), (2, self.b_hdiv), (2, self.b_epow),
                      (2, self.b_bcast), (3, self.b_transpose), (1, self.b_ones)]
            if sq:
                B += [(3, self.b_matpow), (5, self.b_inverse), (3, self.b_invt), (2, self.b_diagmat), (2, self.b_plus_id)]
        elif dom == "pos":
            B += [(4, self.p_exp), (2, self.p_sigmoid), (3, self.p_add), (3, self.p_nonneg_plus), (3, self.p_mul),
                  (2, self.p_div), (2, self.p_pow), (1, self.p_sqrt)]
            if col:
                B += [(2, self.p_softmax)]
            if sc:
                B += [(2, self.p_sum), (1, self.p_det)]
        elif dom == "bnd":
            B += [(6, self.s_fn), (2, self.s_add), (2, self.s_mul), (1, self.b_neg)]
            if col:
                B += [(2, self.b_softmax)]
        elif dom == "small":
            B += [(5, self.s_halffn), (2, self.s_sigmoid), (1, self.b_neg)]
            if col:
                B += [(1, self.b_softmax)]
        elif dom == "spd":
            B += [(4, self.gram), (2, self.i_add_spd), (2, self.i_posscale), (2, self.i_diag), (1, self.i_inverse)]
        elif dom == "inv":
            B += [(4, self.gram), (2, self.i_add_spd), (2, self.i_posscale), (2, self.i_diag), (2, self.i_inverse),
                  (2, self.i_transpose), (2, self.i_product), (2, self.i_matpow)]
        else:  # pragma: no cover
            raise AssertionError(dom)
        return B

    # helpers
    def dim(self):
        return self.ch.choice(DIMS)

    def mulstyle(self):
        return self.ch.choice((" ", " ", "*"))

    # ---- generic builders (dom None)
    def b_add(self, shape, d, dom):
        return N("add", (self.expr(shape, d), self.expr(shape, d)), shape)

    def b_sub(self, shape, d, dom):
        return N("sub", (self.expr(shape, d), self.expr(shape, d)), shape)

    def b_neg(self, shape, d, dom):
        return N("neg", (self.expr(shape, d, dom),), shape)

    def b_scalmul(self, shape, d, dom):
        s = self.expr(SCALAR, d)
        x = self.expr(shape, d)
        kids = (s, x) if self.ch.chance(0.7) else (x, s)
        return N("mul", kids, shape, style=self.mulstyle())

    def b_div(self, shape, d, dom):
        return N("div", (self.expr(shape, d), self.expr(SCALAR, d, "pos")), shape)

    def b_fn(self, shape, d, dom):
        name = self.ch.choice(("sin", "cos", "tanh", "sigmoid", "abs", "exp", "log", "sqrt", "tan"))
        argdom = {"exp": "bnd", "log": "pos", "sqrt": "pos", "tan": "small"}.get(name)
        style = "ln" if name == "log" and self.ch.chance(0.2) else ""
        return N("fn", (self.expr(shape, d, argdom),), shape, name, style)

    def b_mul_ss(self, shape, d, dom):
        return N("mul", (self.expr(SCALAR, d), self.expr(SCALAR, d)), shape, style=self.mulstyle())

    def b_trace(self, shape, d, dom):
        e = self.dim()
        return N("trace", (self.expr((e, e), d),), SCALAR, style=self.ch.choice(("tr", "tr", "trace")))

    def b_det(self, shape, d, dom):
        e = self.dim()
        return N("det", (self.expr((e, e), d, "inv"),), SCALAR)

    def b_logdet(self, shape, d, dom):
        e = self.dim()
        return N("logdet", (self.expr((e, e), d, "inv"),), SCALAR)

    def b_inner(self, shape, d, dom):
        s = self.ch.choice((("n", 1), ("m", 1), ("n", "n"), ("m", "n"), ("k", "n"), ("k", 1)))
        return N("inner", (self.expr(s, d), self.expr(s, d)), SCALAR)

    def b_norm(self, shape, d, dom):
        if self.ch.chance(0.6):
            s = (self.dim(), 1)
            return N("norm", (self.expr(s, d),), SCALAR, style=self.ch.choice(("", "", "_2")))
        s = (self.dim(), self.dim())
        return N("norm", (self.expr(s, d),), SCALAR, style="_F")

    def b_normsq(self, shape, d, dom):
        if self.ch.chance(0.6):
            s = (self.dim(), 1)
            return N("normsq", (self.expr(s, d),), SCALAR, style=self.ch.choice(("", "_2")))
        s = (self.dim(), self.dim())
        return N("normsq", (self.expr(s, d),), SCALAR, style="_F")

    def b_sum(self, shape, d, dom):
        s = self.ch.choice((("n", 1), ("m", 1), ("n", "n"), ("m", "n"), ("k", "k")))
        return N("sum", (self.expr(s, d),), SCALAR)

    def b_dot(self, shape, d, dom):
        e = self.dim()
        return N("mul", (self.expr((1, e), d), self.expr((e, 1), d)), SCALAR, style=self.mulstyle())

    def b_quad(self, shape, d, dom):
        e, f = self.dim(), self.dim()
        left = N("mul", (self.expr((1, e), d), self.expr((e, f), d)), (1, f), style=self.mulstyle())
        return N("mul", (left, self.expr((f, 1), d)), SCALAR, style=self.mulstyle())

    def b_pow(self, shape, d, dom):
        ch = self.ch
        kind = ch.int(0, 2)
        if kind == 0:   # integer power of anything
            return N("pow", (self.expr(SCALAR, d),), SCALAR, Fraction(ch.choice(INT_EXPONENTS)), style=ch.choice(("", "{}")))
        if kind == 1:   # any constant power of a positive base
            return N("pow", (self.expr(SCALAR, d, "pos"),), SCALAR, ch.choice(FRAC_EXPONENTS + INT_EXPONENTS),
                     style=ch.choice(("", "{}")))
        # a non-constant exponent: positive base, bounded exponent
        return N("pow", (self.expr(SCALAR, d, "pos"), self.expr(SCALAR, d, "bnd")), SCALAR,
                 style=ch.choice(("()", "{}")))

    def b_numpow(self, shape, d, dom):
        return N("pow", (num(self.ch.choice((2, 3, Fraction(1, 2)))), self.expr(SCALAR, d, "bnd")), SCALAR, style="()")

    def b_matvec(self, shape, d, dom):
        e = self.dim()
        return N("mul", (self.expr((shape[0], e), d), self.expr((e, 1), d)), shape, style=self.mulstyle())

    def b_rowmat(self, shape, d, dom):
        e = self.dim()
        return N("mul", (self.expr((1, e), d), self.expr((e, shape[1]), d)), shape, style=self.mulstyle())

    def b_matmul(self, shape, d, dom):
        e = self.dim()
        return N("mul", (self.expr((shape[0], e), d), self.expr((e, shape[1]), d)), shape, style=self.mulstyle())

    def b_outer(self, shape, d, dom):
        return N("mul", (self.expr((shape[0], 1), d), self.expr((1, shape[1]), d)), shape, style=self.mulstyle())

    def b_had(self, shape, d, dom):
        return N("had", (self.expr(shape, d), self.expr(shape, d)), shape)

    def b_hdiv(self, shape, d, dom):
        return N("hdiv", (self.expr(shape, d), self.expr(shape, d, "pos")), shape)

    def b_epow(self, shape, d, dom):
        if self.ch.chance(0.6):
            return N("epow", (self.expr(shape, d),), shape, Fraction(self.ch.choice(INT_EXPONENTS)))
        return N("epow", (self.expr(shape, d, "pos"),), shape, self.ch.choice(FRAC_EXPONENTS))

    def b_bcast(self, shape, d, dom):
        s = self.expr(SCALAR, d)
        x = self.expr(shape, d)
        op = self.ch.choice(("add", "add", "sub"))
        kids = (s, x) if self.ch.chance(0.5) else (x, s)
        return N(op, kids, shape)

    def b_diagpart(self, shape, d, dom):
        return N("diagpart", (self.expr((shape[0], shape[0]), d),), shape)

    def b_softmax(self, shape, d, dom):
        return N("softmax", (self.expr(shape, d),), shape)

    def b_transpose(self, shape, d, dom):
        return N("T", (self.expr(tshape(shape), d),), shape, style=self.ch.choice(("'", "'", "^T", "^{T}")))

    def b_matpow(self, shape, d, dom):
        return N("matpow", (self.expr(shape, d),), shape, self.ch.choice((2, 3)))

    def b_inverse(self, shape, d, dom):
        return N("inv", (self.expr(shape, d, "inv"),), shape, style=self.ch.choice(("^-1", "^{-1}", "inv")))

    def b_invt(self, shape, d, dom):
        return N("invT", (self.expr(shape, d, "inv"),), shape, style=self.ch.choice(("^-T", "^{-T}")))

    def b_ones(self, shape, d, dom):
        """ones(d) or ones(r, c), scaled by something so that it is not alone."""
        one = N("ones", (), shape)
        return N("mul", (self.expr(SCALAR, d), one), shape, style=self.mulstyle())

    def b_diagmat(self, shape, d, dom):
        return N("diagmat", (self.expr((shape[0], 1), d),), shape)

    def b_plus_id(self, shape, d, dom):
        ident = N("eye", (), shape)
        if self.ch.chance(0.5):
            ident = N("mul", (num(self.ch.choice(POS_NUMBERS)), ident), shape, style=" ")
        x = self.expr(shape, d)
        return N("add", (x, ident) if self.ch.chance(0.7) else (ident, x), shape)

    # ---- positive builders
    def p_exp(self, shape, d, dom):
        return N("fn", (self.expr(shape, d, "bnd"),), shape, "exp")

    def p_sigmoid(self, shape, d, dom):
        return N("fn", (self.expr(shape, d, "bnd"),), shape, "sigmoid")

    def p_add(self, shape, d, dom):
        return N("add", (self.expr(shape, d, "pos"), self.expr(shape, d, "pos")), shape)

    def p_nonneg_plus(self, shape, d, dom):
        """nonneg + pos: x'x + 1, ||x||^2 + c, X .^ 2 + exp(.), abs(.) + 1."""
        ch = self.ch
        if shape == SCALAR:
            k = ch.int(0, 3)
            if k == 0:
                e = self.dim()
                v = self.expr((e, 1), d)
                nn = N("mul", (N("T", (v,), (1, e), style="'"), v), SCALAR, style=" ")
            elif k == 1:
                nn = self.b_normsq(shape, d, None)
            elif k == 2:
                nn = N("pow", (self.expr(SCALAR, d),), SCALAR, Fraction(2))
            else:
                nn = N("fn", (self.expr(SCALAR, d),), SCALAR, "abs")
        else:
            if ch.chance(0.6):
                nn = N("epow", (self.expr(shape, d),), shape, Fraction(2))
            else:
                nn = N("fn", (self.expr(shape, d),), shape, "abs")
        pos = self.expr(SCALAR if ch.chance(0.5) else shape, d, "pos")
        return N("add", (nn, pos) if ch.chance(0.7) else (pos, nn), shape)

    def p_mul(self, shape, d, dom):
        if shape == SCALAR:
            return N("mul", (self.expr(SCALAR, d, "pos"), self.expr(SCALAR, d, "pos")), shape, style=self.mulstyle())
        if self.ch.chance(0.5):
            return N("had", (self.expr(shape, d, "pos"), self.expr(shape, d, "pos")), shape)
        return N("mul", (self.expr(SCALAR, d, "pos"), self.expr(shape, d, "pos")), shape, style=self.mulstyle())

    def p_div(self, shape, d, dom):
        if shape != SCALAR and self.ch.chance(0.5):
            return N("hdiv", (self.expr(shape, d, "pos"), self.expr(shape, d, "pos")), shape)
        return N("div", (self.expr(shape, d, "pos"), self.expr(SCALAR, d, "pos")), shape)

    def p_pow(self, shape, d, dom):
        if shape == SCALAR:
            if self.ch.chance(0.7):
                return N("pow", (self.expr(SCALAR, d, "pos"),), SCALAR,
                         self.ch.choice(FRAC_EXPONENTS + INT_EXPONENTS), style=self.ch.choice(("", "{}")))
            return N("pow", (self.expr(SCALAR, d, "pos"), self.expr(SCALAR, d, "bnd")), SCALAR, style="()")
        return N("epow", (self.expr(shape, d, "pos"),), shape, self.ch.choice(FRAC_EXPONENTS + INT_EXPONENTS))

    def p_sqrt(self, shape, d, dom):
        return N("fn", (self.expr(shape, d, "pos"),), shape, "sqrt")

    def p_softmax(self, shape, d, dom):
        return N("softmax", (self.expr(shape, d, "bnd"),), shape)

    def p_sum(self, shape, d, dom):
        s = self.ch.choice((("n", 1), ("m", "n")))
        return N("sum", (self.expr(s, d, "pos"),), SCALAR)

    def p_det(self, shape, d, dom):
        e = self.dim()
        return N("det", (self.expr((e, e), d, "spd"),), SCALAR)

    # ---- bounded builders
    def s_fn(self, shape, d, dom):
        name = self.ch.choice(("sin", "cos", "tanh", "sigmoid"))
        return N("fn", (self.expr(shape, d),), shape, name)

    def s_add(self, shape, d, dom):
        return N("add", (self.expr(shape, d, "bnd"), self.expr(shape, d, "bnd")), shape)

    def s_mul(self, shape, d, dom):
        if shape != SCALAR and self.ch.chance(0.5):
            return N("had", (self.expr(shape, d, "bnd"), self.expr(shape, d, "bnd")), shape)
        return N("mul", (self.expr(SCALAR, d, "bnd"), self.expr(shape, d, "bnd")), shape, style=self.mulstyle())

    def s_halffn(self, shape, d, dom):
        name = self.ch.choice(("sin", "cos", "tanh"))
        f = N("fn", (self.expr(shape, d),), shape, name)
        if self.ch.chance(0.5):
            return N("div", (f, num(2)), shape)
        return N("mul", (num(Fraction(1, 2)), f), shape, style=self.mulstyle())

    def s_sigmoid(self, shape, d, dom):
        return N("fn", (self.expr(shape, d),), shape, "sigmoid")

    # ---- invertible / spd builders (square shapes)
    def gram(self, shape, d, dom):
        """M' M + c I (or M M' + I), symmetric positive definite."""
        e = self.dim()
        if self.ch.chance(0.5):
            m = self.expr((e, shape[0]), d)
            g = N("mul", (N("T", (m,), tshape(m.shape), style="'"), m), shape, style=" ")
        else:
            m = self.expr((shape[0], e), d)
            g = N("mul", (m, N("T", (m,), tshape(m.shape), style="'")), shape, style=" ")
        ident = N("eye", (), shape)
        if self.ch.chance(0.5):
            ident = N("mul", (num(self.ch.choice((1, 2, 3))), ident), shape, style=" ")
        return N("add", (g, ident), shape)

    def i_add_spd(self, shape, d, dom):
        return N("add", (self.expr(shape, d, "spd"), self.expr(shape, d, "spd")), shape)

    def i_posscale(self, shape, d, dom):
        return N("mul", (self.expr(SCALAR, d, "pos"), self.expr(shape, d, dom)), shape, style=self.mulstyle())

    def i_diag(self, shape, d, dom):
        return N("diagmat", (self.expr((shape[0], 1), d, "pos"),), shape)

    def i_inverse(self, shape, d, dom):
        return N("inv", (self.expr(shape, d, dom),), shape, style=self.ch.choice(("^-1", "inv")))

    def i_transpose(self, shape, d, dom):
        return N("T", (self.expr(shape, d, "inv"),), shape, style="'")

    def i_product(self, shape, d, dom):
        return N("mul", (self.expr(shape, d, "inv"), self.expr(shape, d, "inv")), shape, style=self.mulstyle())

    def i_matpow(self, shape, d, dom):
        return N("matpow", (self.expr(shape, d, "inv"),), shape, self.ch.choice((2, -1, -2)))


# --------------------------------------------------------------------------- printing
SUM, TERM, PROD, FACTOR, ATOM = range(5)


def _fmt_num(v: Fraction) -> str:
    if v.denominator == 1:
        return str(v.numerator)
    f = float(v)
    s = repr(f)
    if Fraction(s) == v:
        return s
    raise ValueError(v)  # only exact decimals are printed as numbers


def _exponent(v: Fraction, style: str) -> str:
    """The text after ^ for a constant exponent."""
    if v.denominator == 1 or Fraction(repr(float(v))) == v:
        s = _fmt_num(abs(v))
        s = ("-" if v < 0 else "") + s
        if style == "{}":
            return "{" + s + "}"
        return s
    s = f"{v.numerator}/{v.denominator}"
    return "{" + s + "}" if style == "{}" else "(" + s + ")"


class Printer:
    """Text in the matcalc language, with only the parentheses the grammar needs.

    `paren_scalar_products` also parenthesizes a 1x1 product that starts a longer product
    chain (`(x' y) A` rather than `x' y A`): both mean the same, the second relies on the
    1x1 result acting as a scalar inside a left-to-right chain.
    """

    def __init__(self, paren_scalar_products: bool = False):
        self.paren_scalar_products = paren_scalar_products

    def text(self, node: Node) -> str:
        self._parent = {}
        stack = [node]
        while stack:  # (each size's parent, which decides how it is written)
            p = stack.pop()
            for k in p.kids:
                self._parent[id(k)] = p
                stack.append(k)
        return self._p(node, False)[0]

    def _size_text(self, n: Node, parent: Node | None) -> str:
        """A size bare (n, the number it is) or as dim(n). Bare only where a number is read: added to an
        array (x - n), transposed, in a norm or an entrywise product it is refused as a vector named
        like the size, so it is written dim(n) there."""
        while parent is not None and parent.op == "neg":  # (-n + x: the sum decides)
            parent = self._parent.get(id(parent))
        if n.style == "dim" or parent is not None and parent.op in ("T", "had", "hdiv", "norm", "normsq"):
            return f"dim({n.val})"
        while parent is not None and parent.op in ("add", "sub", "neg"):  # (n + a + u: one sum, over u)
            if parent.shape != SCALAR:
                return f"dim({n.val})"
            parent = self._parent.get(id(parent))
        return n.val

    def _paren(self, node, in_norm, need):
        t, lvl = self._p(node, in_norm)
        if lvl < need:
            t, _ = self._p(node, False)
            return "(" + t + ")", ATOM
        return t, lvl

    def _p(self, n: Node, in_norm: bool):
        op = n.op
        if op == "var":
            return n.val.name, ATOM
        if op == "num":
            return _fmt_num(n.val), ATOM
        if op == "size":
            return self._size_text(n, getattr(self, "_parent", {}).get(id(n))), ATOM
        if op == "eye":
            return "I", ATOM
        if op == "ones":
            r, c = n.shape
            return (f"ones({r})" if c == 1 else f"ones({r}, {c})"), ATOM
        if op in ("add", "sub"):
            lt, _ = self._p(n.kids[0], in_norm)
            rt, rl = self._paren(n.kids[1], in_norm, TERM if op == "add" else TERM)
            if op == "sub" and rl == SUM:  # pragma: no cover - _paren handles it
                rt = "(" + rt + ")"
            return f"{lt} {'+' if op == 'add' else '-'} {rt}", SUM
        if op == "neg":
            t, _ = self._paren(n.kids[0], in_norm, TERM)
            return "-" + t, TERM
        if op in ("mul", "div", "had", "hdiv"):
            sym = {"mul": n.style if n.style else " ", "div": "/", "had": ".*", "hdiv": "./"}[op]
            lt, ll = self._paren(n.kids[0], in_norm, TERM)
            left = n.kids[0]
            while left.op == "neg":  # (--C .* C: the entrywise product under the signs)
                left = left.kids[0]
            if op == "mul" and left.op == "div":
                lt, ll = "(" + lt + ")", ATOM  # (x'x/2 t, -x/t ||C|| z read as fraction bars and are refused)
            elif sym == " " and left.op in ("had", "hdiv") and ll != ATOM:
                lt, ll = "(" + lt + ")", ATOM  # (x .* y z, with .* left to right, is refused as ambiguous)
            right = n.kids[1]
            if (self.paren_scalar_products and n.kids[0].shape == SCALAR and right.shape != SCALAR
                    and ll in (TERM, PROD)):
                lt, ll = "(" + self._p(n.kids[0], False)[0] + ")", ATOM
            if right.op == "neg" and sym.strip() and self._p(right.kids[0], in_norm)[1] >= FACTOR:
                rt = "-" + self._p(right.kids[0], in_norm)[0]
            else:
                rt, _ = self._paren(right, in_norm, FACTOR)
                if sym == " " and in_norm and rt.startswith("||"):
                    rt = "(" + self._p(right, False)[0] + ")"
            if sym == " " and right.op == "num" and rt == "1":
                out = f"{lt} * {rt}"  # (K 1 is refused: papers' W 1 means the vector of ones)
            elif sym == " ":
                out = f"{lt} {rt}"
            elif sym == "*":
                out = f"{lt}*{rt}" if len(lt) < 3 else f"{lt} * {rt}"
            elif sym == "/" and not rt.startswith("-"):
                if re.search(r"\^\s*-?\s*(?:[0-9]+|T)$", lt):  # (p .^ -1/2, A^-T/2: refused as fractional powers)
                    lt = "(" + lt + ")"
                out = f"{lt}/{rt}"  # (a spaced / before a product, t / 2 t, reads as a fraction bar: refused)
            else:
                out = f"{lt} {sym} {rt}"
            return out, (TERM if ll == TERM else PROD)
        if op == "T":
            b, _ = self._paren(n.kids[0], in_norm, FACTOR)
            return b + n.style, FACTOR
        if op == "inv":
            if n.style == "inv":
                return f"inv({self._p(n.kids[0], False)[0]})", ATOM
            b, _ = self._paren(n.kids[0], in_norm, ATOM)
            return b + n.style, FACTOR
        if op == "invT":
            b, _ = self._paren(n.kids[0], in_norm, ATOM)
            return b + n.style, FACTOR
        if op == "matpow":
            b, _ = self._paren(n.kids[0], in_norm, ATOM)
            return f"{b}^{n.val}", FACTOR
        if op == "pow":
            b, _ = self._paren(n.kids[0], in_norm, ATOM)
            if len(n.kids) == 1:
                return f"{b}^{_exponent(n.val, n.style)}", FACTOR
            e = n.kids[1]
            if e.op == "var" and n.style != "{}":
                return f"{b}^{e.val.name}", FACTOR
            et = self._p(e, False)[0]
            return (f"{b}^{{{et}}}" if n.style == "{}" else f"{b}^({et})"), FACTOR
        if op == "epow":
            b, _ = self._paren(n.kids[0], in_norm, ATOM)
            return f"{b} .^ {_exponent(n.val, '')}", FACTOR
        if op == "fn":
            name = n.style if n.style else n.val
            return f"{name}({self._p(n.kids[0], False)[0]})", ATOM
        if op == "trace" and _traces_matrix_function(n.kids[0]):
            # tr(exp(C)) is refused (papers mean the matrix exponential): the entrywise trace, as matcalc prints it
            return f"sum(diag({self._p(n.kids[0], False)[0]}))", ATOM
        if op in ("trace", "det", "logdet", "sum", "softmax", "diagmat", "diagpart"):
            name = {"trace": n.style or "tr", "diagmat": "diag", "diagpart": "diag"}.get(op, op)
            return f"{name}({self._p(n.kids[0], False)[0]})", ATOM
        if op == "inner":
            return f"<{self._p(n.kids[0], False)[0]}, {self._p(n.kids[1], False)[0]}>", ATOM
        if op in ("norm", "normsq"):
            t = self._p(n.kids[0], True)[0]
            s = f"||{t}||{n.style}"
            if op == "normsq":
                s += "^2"
            if in_norm:  # a norm inside a norm: keep it unambiguous
                return "(" + s + ")", ATOM
            return s, (FACTOR if op == "normsq" else ATOM)
        raise AssertionError(op)  # pragma: no cover


def to_text(node: Node, paren_scalar_products: bool = False) -> str:
    return Printer(paren_scalar_products).text(node)


# --------------------------------------------------------------------------- NumPy evaluation
class DomainError(Exception):
    """The point is outside (or too close to the edge of) the expression's domain."""


MARGIN = 1e-3
MAX_COND = 1e4
MAX_ABS = 1e6
MAX_PERIODIC = 100.0


def _dim(d, dims):
    return d if isinstance(d, int) else dims[d]


def evaluate_tree(node: Node, values: dict, dims: dict, check: bool = True) -> np.ndarray:
    """The value of the tree as an array (rows, cols); raises DomainError near domain edges."""
    memo = {}

    def ev(n: Node):
        k = id(n)
        if k in memo:
            return memo[k]
        out = _ev(n, [ev(c) for c in n.kids])
        if check:
            if not np.all(np.isfinite(out)) or (out.size and np.max(np.abs(out)) > MAX_ABS):
                raise DomainError(f"value too large in {n.op}")
        memo[k] = out
        return out

    def cond_ok(m):
        if check and np.linalg.cond(m) > MAX_COND:
            raise DomainError("ill conditioned")

    def pos(a, what):
        if check and not np.all(a > MARGIN):
            raise DomainError(what)

    def _ev(n: Node, ch):
        op = n.op
        if op == "var":
            v = np.asarray(values[n.val.name], dtype=float)
            r, c = (_dim(d, dims) for d in n.shape)
            return v.reshape(r, c)
        if op == "num":
            return np.array([[float(n.val)]])
        if op == "size":
            return np.array([[float(dims[n.val])]])
        if op == "eye":
            return np.eye(_dim(n.shape[0], dims))
        if op == "ones":
            return np.ones((_dim(n.shape[0], dims), _dim(n.shape[1], dims)))
        if op == "add":
            return ch[0] + ch[1]
        if op == "sub":
            return ch[0] - ch[1]
        if op == "neg":
            return -ch[0]
        if op == "mul":
            a, b = ch
            if n.kids[0].shape == SCALAR or n.kids[1].shape == SCALAR:
                return a * b
            return a @ b
        if op == "div":
            if check and not np.all(np.abs(ch[1]) > MARGIN):
                raise DomainError("division by ~0")
            return ch[0] / ch[1]
        if op == "had":
            return ch[0] * ch[1]
        if op == "hdiv":
            if check and not np.all(np.abs(ch[1]) > MARGIN):
                raise DomainError("division by ~0")
            return ch[0] / ch[1]
        if op == "T":
            return ch[0].T
        if op in ("inv", "invT"):
            cond_ok(ch[0])
            out = np.linalg.inv(ch[0])
            return out.T if op == "invT" else out
        if op == "matpow":
            k = n.val
            if k < 0:
                cond_ok(ch[0])
                return np.linalg.matrix_power(np.linalg.inv(ch[0]), -k)
            return np.linalg.matrix_power(ch[0], k)
        if op == "pow":
            b = ch[0]
            if len(ch) == 1:
                e = n.val
                if e.denominator != 1 or e < 0:
                    pos(b, "power of a non-positive base")
                return np.power(b, float(e))
            pos(b, "non-constant power of a non-positive base")
            return np.power(b, ch[1])
        if op == "epow":
            e = n.val
            if e.denominator != 1 or e < 0:
                pos(ch[0], "elementwise power of a non-positive base")
            return np.power(ch[0], float(e))
        if op == "fn":
            a = ch[0]
            name = n.val
            if name == "log":
                pos(a, "log")
                return np.log(a)
            if name == "sqrt":
                pos(a, "sqrt")
                return np.sqrt(a)
            if name == "abs":
                if check and not np.all(np.abs(a) > MARGIN):
                    raise DomainError("abs near 0")
                return np.abs(a)
            if name == "tan":
                if check and not np.all(np.abs(np.cos(a)) > 0.05):
                    raise DomainError("tan near a pole")
                return np.tan(a)
            if name == "sigmoid":
                return 1.0 / (1.0 + np.exp(-a))
            if name in ("sin", "cos") and check and not np.all(np.abs(a) < MAX_PERIODIC):
                # sin(47750.2) is well defined, but finite differences of it are noise
                raise DomainError("argument of a periodic function too large")
            return getattr(np, name)(a)
        if op == "trace":
            return np.array([[np.trace(ch[0])]])
        if op == "det":
            cond_ok(ch[0])
            return np.array([[np.linalg.det(ch[0])]])
        if op == "logdet":
            cond_ok(ch[0])
            return np.array([[np.linalg.slogdet(ch[0])[1]]])
        if op == "sum":
            return np.array([[ch[0].sum()]])
        if op == "softmax":
            u = ch[0]
            z = np.exp(u - u.max())
            return z / z.sum()
        if op == "diagmat":
            return np.diag(ch[0][:, 0])
        if op == "diagpart":
            return np.diag(ch[0]).reshape(-1, 1).copy()
        if op == "inner":
            return np.array([[np.sum(ch[0] * ch[1])]])
        if op in ("norm", "normsq"):
            s = float(np.sum(ch[0] * ch[0]))
            if op == "normsq":
                return np.array([[s]])
            if check and not math.sqrt(s) > MARGIN:
                raise DomainError("norm near 0")
            return np.array([[math.sqrt(s)]])
        raise AssertionError(op)  # pragma: no cover

    with np.errstate(all="ignore"):
        return ev(node)


def squeeze(a: np.ndarray, shape):
    """(rows, cols) array -> NumPy-style: float, 1-D vector, 2-D matrix (like matcalc)."""
    if shape == SCALAR:
        return float(a[0, 0])
    if shape[1] == 1:
        return a[:, 0]
    if shape[0] == 1:
        return a[0, :]
    return a


def tree_function(node: Node, values: dict, dims: dict, check: bool = True):
    """The tree's value as NumPy-style output (float / 1-D / 2-D)."""
    return squeeze(evaluate_tree(node, values, dims, check), node.shape)


# --------------------------------------------------------------------------- cases and strategies
class GenExpr(NamedTuple):
    """A generated expression: its text, the `where` declarations, its variables, and its tree."""
    text: str
    where: str
    variables: dict       # name -> VarSpec
    tree: Node

    @property
    def safe_text(self) -> str:
        """The same expression with every 1x1 product that starts a chain parenthesized."""
        return to_text(self.tree, paren_scalar_products=True)


@dataclass
class Case:
    """An expression with a variable to differentiate by and a point to evaluate at."""
    expr: GenExpr
    wrt: VarSpec
    dims: dict
    seed: int
    extra_where: bool = False
    values: dict = field(default_factory=dict)

    @property
    def text(self):
        return self.expr.text

    @property
    def where(self):
        return self.expr.where

    @property
    def tree(self):
        return self.expr.tree

    def __repr__(self):
        return (f"Case(text={self.expr.text!r}, where={self.expr.where!r}, wrt={self.wrt.name!r}, "
                f"dims={self.dims!r}, seed={self.seed})")


_DIM_WITNESS = {"n": "x", "m": "z", "k": "u"}


def fix_dims(tree: Node) -> Node:
    """Make every dimension of the tree fixed by a variable's value: `a ones(n, n)` alone has
    no value from which n could be known, so add sum(sin(x)) (x of length n) to it."""
    have = {d for v in tree.variables() for d in v.shape if isinstance(d, str)}
    need = {d for n in tree.walk() for d in n.shape if isinstance(d, str)} | {n.val for n in tree.walk() if n.op == "size"}
    for d in sorted(need - have):
        w = var(POOL_BY_NAME[_DIM_WITNESS[d]])
        g = N("sum", (N("fn", (w,), w.shape, "sin"),), SCALAR)
        tree = N("add", (tree, g), tree.shape)
    return tree


def _make_gen_expr(tree: Node, extra=()) -> GenExpr:
    vs = {v.name: v for v in tree.variables()}
    for v in extra:
        vs.setdefault(v.name, v)
    return GenExpr(to_text(tree), where_of(vs.values()), vs, tree)


def _shape_for(ch: Chooser, kind: str):
    if kind == "scalar":
        return SCALAR
    if kind == "vector":
        return (ch.choice(DIMS), 1)
    if kind == "matrix":
        return (ch.choice(DIMS), ch.choice(DIMS))
    if kind == "any":
        return _shape_for(ch, ch.choice(("scalar", "vector", "matrix")))
    if kind == "nonscalar":
        return _shape_for(ch, ch.choice(("vector", "matrix")))
    raise ValueError(kind)


def _wrt_pool(kind: str):
    if kind == "any":
        return list(POOL)
    if kind == "symmetric":
        return [v for v in POOL if v.symmetric]
    if kind == "matrix":
        return [v for v in POOL if v.kind == "matrix"]
    return [v for v in POOL if v.kind == kind]


def _ensure_var(gen: Gen, tree: Node, v: VarSpec, depth: int) -> Node:
    """Make sure `v` occurs in the tree: combine with a small expression in v."""
    if v in tree.variables():
        return tree
    ch = gen.ch
    x = var(v)
    if v.shape == SCALAR:
        g = x if ch.chance(0.5) else N("fn", (x,), SCALAR, ch.choice(("sin", "cos", "tanh")))
    elif v.kind == "vector":
        g = ch.choice((
            N("mul", (N("T", (x,), tshape(v.shape), style="'"), x), SCALAR, style=" "),
            N("sum", (N("fn", (x,), v.shape, "sin"),), SCALAR),
            N("normsq", (x,), SCALAR, style=""),
        ))
    else:
        r, c = v.shape
        opts = [N("sum", (N("fn", (x,), v.shape, "sin"),), SCALAR), N("normsq", (x,), SCALAR, style="_F")]
        if r == c:
            opts.append(N("trace", (N("matpow", (x,), v.shape, 2),), SCALAR, style="tr"))
            if v.name in INV_VARS:
                opts.append(N("logdet", (x,), SCALAR))
        g = ch.choice(opts)
    if tree.shape != SCALAR:
        g = N("mul", (g, tree), tree.shape, style=" ") if ch.chance(0.5) else N("add", (g, tree), tree.shape)
        return g
    return N("add", (tree, g), SCALAR) if ch.chance(0.5) else N("mul", (g, tree), SCALAR, style=" ")


def build_case(ch: Chooser, out: str = "scalar", wrt: str = "any", max_depth: int = 6, budget: int = 24,
               big: bool = False) -> Case:
    """The shared generator for Hypothesis and random.Random (`big`: deep trees near the budget)."""
    pool = _wrt_pool(wrt)
    v = ch.choice(pool)
    ch.prefer = v
    ch.budget = ch.int(budget // 2, budget) if big else ch.int(4, budget)
    if big:
        ch.leaf_scale = 0.4
    gen = Gen(ch)
    shape = _shape_for(ch, out)
    depth = ch.int(max(1, max_depth - 1), max_depth) if big else ch.int(1, max_depth)
    tree = gen.expr(shape, depth)
    tree = fix_dims(_ensure_var(gen, tree, v, depth))
    dims = {d: ch.choice((3, 2, 4, 2, 3, 1)) for d in DIMS}
    seed = ch.int(0, 2 ** 31 - 1)
    return Case(_make_gen_expr(tree), v, dims, seed)


def _traces_matrix_function(n: Node) -> bool:
    """Does a trace of n reach an entrywise log, exp or sqrt of a square matrix through products, sums,
    signs and transposes (what the reader refuses: tr(log(S)) reads as the matrix logarithm's)?"""
    stack = [n]
    while stack:
        m = stack.pop()
        if m.op == "fn" or (m.op == "epow" and m.val == Fraction(1, 2)):
            # (an entrywise power 1/2 is sqrt; rectangular and diagonal matrices too, which the reader would
            # take as tr(...): the sum of the diagonal reads either way)
            if (m.op == "epow" or m.val in ("log", "exp", "sqrt")) and m.shape[0] != 1 and m.shape[1] != 1:
                return True
        elif m.op in ("mul", "div", "add", "sub", "neg", "T", "matpow", "inv", "invT"):
            stack.extend(m.kids)
    return False


@st.composite
def derivations(draw, out: str = "scalar", wrt: str = "any", max_depth: int = 6, budget: int = 24,
                big: bool = False) -> Case:
    """A random expression of the output kind ('scalar', 'vector', 'matrix', 'nonscalar', 'any'),
    a variable of kind `wrt` ('any', 'scalar', 'vector', 'matrix', 'symmetric') that occurs in it,
    dimension sizes and a seed for the point. `big` asks for deep trees that use most of the budget."""
    return build_case(HypothesisChooser(draw), out, wrt, max_depth, budget, big)


@st.composite
def expressions(draw, out: str = "any", max_depth: int = 6, budget: int = 24) -> GenExpr:
    """(expression_text, where_declarations, variables_info, tree) of a random well-typed expression."""
    ch = HypothesisChooser(draw)
    ch.budget = ch.int(2, budget)
    gen = Gen(ch)
    shape = _shape_for(ch, out)
    tree = fix_dims(gen.expr(shape, ch.int(1, max_depth)))
    return _make_gen_expr(tree)


def random_case(seed: int, out: str = "scalar", wrt: str = "any", max_depth: int = 6, budget: int = 24) -> Case:
    """A case from a seeded random.Random: the same seed gives the same case in every process."""
    return build_case(RandomChooser(random.Random(seed)), out, wrt, max_depth, budget)


def point(case: Case) -> dict:
    """The values of the case's variables at its seed (respecting their properties)."""
    return sample_values(case.expr.variables.values(), case.dims, case.seed)


# --------------------------------------------------------------------------- determinism helper
def derivation_outputs(kind: str, text: str, wrt: str, where: str) -> list:
    """Everything a derivation prints (text, LaTeX, where, the JSON forms), or its error: for
    comparing runs (the cross-process determinism test runs this in fresh interpreters)."""
    import json

    import matcalc
    fn = {"grad": matcalc.grad, "jacobian": matcalc.jacobian, "hessian": matcalc.hessian,
          "hvp": matcalc.hvp}[kind]
    try:
        r = fn(text, wrt, where=where)
        return [str(r), r.latex(), r.where, json.dumps(r.forms(), sort_keys=True, default=str)]
    except Exception as ex:  # noqa: BLE001 - errors must be deterministic too
        return [f"{type(ex).__name__}: {str(ex)[:300]}"]
