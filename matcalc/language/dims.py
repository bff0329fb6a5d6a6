"""Dimension variables and their unification (union-find), shared by inference and building.

A dimension is a constant, a declared symbol (rigid), a free variable (flexible, owned by
the undeclared name it sizes) or a product of two dimensions (kron, vec, vector(m*n)).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ..core import build as B

if TYPE_CHECKING:
    from ..core.nodes import Dim


class Clash(Exception):
    """A shape conflict; `soft` lists undeclared names whose kind the conflict depends on."""

    def __init__(self, message, soft=()):
        super().__init__(message)
        self.message = message
        self.soft = list(soft)
        self.spread_name = None  # a lone name a declared scalar was not spread over (kinds.typecheck)
        self.spread_refused = False  # a scalar refused to spread over an array whose kind is a guess
        self.spread_fallback = None  # a lone small name a declared scalar was not spread over (y + r): the
        # spread is tried only where no reading fits without it (kinds.typecheck)
        self.run = None  # the letters of a run refused as a product with a scalar in it (ac: a_c, or a c?)


class DimVar:
    """A dimension in inference: a constant, a declared symbol (rigid), or free (flexible)."""

    __slots__ = ("parent", "label", "rigid", "const", "owner", "order", "factors")

    def __init__(self, order, label=None, rigid=False, const=None, owner=None, factors=None):
        self.parent = None  # a root (None, not self: no reference cycle for the collector)
        self.label = label
        self.rigid = rigid
        self.const = const
        self.owner = owner
        self.order = order
        self.factors = factors  # (a, b) for the product dimension a*b (kron, vec)

    def find(self) -> "DimVar":
        r = self
        while r.parent is not None:
            r = r.parent
        n = self
        while n is not r and n.parent is not r:
            n.parent, n = r, n.parent
        return r

    def show(self) -> str:
        r = self.find()
        if r.const is not None:
            return str(r.const)
        if r.factors is not None:
            return "*".join(f.show() for f in r.factors)
        return r.label or "?"

    def leaves(self) -> tuple:
        """(the non-constant factors' roots, the constant factor) of a dimension, products flattened."""
        r = self.find()
        if r.const is not None:
            return [], r.const
        if r.factors is None:
            return [r], 1
        out, c = [], 1
        for f in r.factors:
            fs, fc = f.leaves()
            out += fs
            c *= fc
        return out, c


def count(n: str, word: str) -> str:
    return f"{n} {word}" + ("" if n == "1" else "s")


#: names for inferred dimensions, in the order they are handed out
SHORT_DIMS = ("n", "m", "k", "p", "q", "r", "l", "d", "h", "s", "t", "u")


def dim_label(name: str) -> str:
    """A dimension label from a name that reads back in a declaration (x_{12} -> x_12)."""
    return name.replace("{", "").replace("}", "")


class DimSpace:
    """The dimensions of one inference attempt: creation, unification and resolution."""

    def __init__(self, taken):
        self.order = 0
        self.rigid: dict = {}
        self.flex_labels: set = set()
        self.taken = set(taken)
        self.unit = self.const(1)

    def _new(self, **kw) -> DimVar:
        self.order += 1
        return DimVar(self.order, **kw)

    def const(self, v: int) -> DimVar:
        return self._new(const=v)

    def dim(self, d: Dim | None) -> DimVar:
        if d is None:
            return self._new()
        if isinstance(d, int):
            return self.const(d)
        if "*" in d:  # a declared product dimension, vector(m*n)
            a, b = d.split("*", 1)
            return self.prod_dim(self.dim(int(a) if a.isdigit() else a), self.dim(int(b) if b.isdigit() else b))
        if d not in self.rigid:
            self.rigid[d] = self._new(label=d, rigid=True)
        return self.rigid[d]

    def flex(self, label: str, owner: str | None = None) -> DimVar:
        label = dim_label(label)
        base = label
        i = 1
        while label in self.taken or label in self.flex_labels:
            i += 1
            label = f"{base}{i}"
        self.flex_labels.add(label)
        return self._new(label=label, owner=owner)

    def unify(self, a: DimVar, b: DimVar, why: Callable[[], Exception]) -> None:
        ra, rb = a.find(), b.find()
        if ra is rb:
            return
        if ra.const is not None and rb.const is not None:
            if ra.const != rb.const:
                raise why()
            rb.parent = ra
            return
        for x, y in ((ra, rb), (rb, ra)):
            if x.const == 1 and y.const is None and not y.rigid:
                # an undeclared name's dimension (or I's size) would become 1: a different kind
                err = why()
                soft = list(getattr(err, "soft", []))
                if y.owner is not None and y.owner not in soft:
                    soft.insert(0, y.owner)
                raise Clash(str(err), soft)
        if ra.factors is not None or rb.factors is not None:
            # m*n = n*m; and n*m = n*k means m = k (every dimension is at least 1)
            la, ca = ra.leaves()
            lb, cb = rb.leaves()
            for x in list(la):
                if any(x is y for y in lb):
                    la.remove(x)
                    lb.remove(next(y for y in lb if y is x))
            if ca == cb and len(la) == len(lb) <= 1:
                if la:
                    self.unify(la[0], lb[0], why)
                ra, rb = ra.find(), rb.find()
                if ra is not rb:
                    rb.parent = ra
                return
        if (ra.rigid or ra.const is not None) and (rb.rigid or rb.const is not None):
            raise why()

        def rank(x):  # keep the more informative root: constant > declared symbol > earliest flexible
            return (0 if x.const is not None else 1 if x.rigid else 2, x.order)
        keep, drop = (ra, rb) if rank(ra) <= rank(rb) else (rb, ra)
        if keep.owner is None or drop.owner is None:
            keep.owner = None if (keep.rigid or keep.const is not None) else (keep.owner or drop.owner)
        drop.parent = keep

    def prod_dim(self, a: DimVar, b: DimVar) -> DimVar:
        ra, rb = a.find(), b.find()
        if ra.const == 1:
            return rb
        if rb.const == 1:
            return ra
        if ra.const is not None and rb.const is not None:
            return self.const(ra.const * rb.const)
        return self._new(rigid=True, factors=(ra, rb))

    def resolve(self, d: DimVar) -> Dim:
        r = d.find()
        if r.const is not None:
            return r.const
        if r.factors is not None:
            a, b = (self.resolve(f) for f in r.factors)
            return B._dim_mul(a, b)  # the constructors' canonical spelling (m*n for n*m)
        if r.rigid:
            return r.label
        return self.short_label(r)

    def short_label(self, r: DimVar) -> str:
        """An inferred dimension's name as printed: a short letter (n, m, k, ...), the first
        free one of its own initial (n for n_x, m for m_A) and then SHORT_DIMS, in the order
        the dimensions are first written; never a declared dimension, a dimension the text names
        (ones(n), eye(n)) or a name of the text."""
        short = self.__dict__.setdefault("shorts", {})
        label = short.get(r.order)
        if label is None:
            # (and never a dimension the text names itself: ones(n)' A x keeps A's columns apart from n);
            # tested name by name, not by building the set of all of them: a product of 8,000 names has
            # 8,000 dimensions, and a set per label made labelling them quadratic
            given = self.__dict__.setdefault("short_values", set())
            names, decls = getattr(self, "vars", ()), getattr(self, "decls", ())

            def free(c):
                return c not in given and c not in self.taken and c not in self.rigid and c not in names \
                    and c not in decls
            first = r.label.split("_")[0].rstrip("0123456789")
            label = next((c for c in (first,) + SHORT_DIMS if free(c)), None)
            if label is None:
                label = r.label
            short[r.order] = label
            given.add(label)
        return label
