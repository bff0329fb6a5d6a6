"""Expression nodes: immutable, hash-consed, each knowing its shape.

Every node is created through `Expr._make`, which returns the one existing object for
equal arguments, so equal subexpressions are one object and an expression is a DAG.
Equality is identity; caches (sort key, transpose, free names) live on the node.

Shapes are pairs (rows, cols) of dimensions; a dimension is an int or a symbol (str).
A scalar is (1, 1), a column vector (n, 1), a row vector (1, n). Canonicalizing
constructors live in `build.py`; this module only defines what a node *is*.
"""
from __future__ import annotations

import importlib
import threading
import weakref
from _weakref import _remove_dead_weakref
from fractions import Fraction
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, Union

from . import budget as _budget_module

if TYPE_CHECKING:  # (NumPy loads on first use, not with the package)
    import numpy

Dim = int | str  # a dimension: a size, or a symbol
Shape = tuple  # (Dim, Dim)
#: what evaluation gives: a float for a scalar, an array otherwise
Value = Union[float, "numpy.ndarray"]
SCALAR: Shape = (1, 1)
FRACTION_ONE = Fraction(1)  # shared: Fractions are immutable, and building one is slow

#: (class, args with each child node replaced by its id) -> a weak reference to the one node with
#: them. A plain dict of weak references whose callbacks remove their own entry (what
#: weakref.WeakValueDictionary does, without its Python-level get and set on the hottest path of
#: the engine: every constructor call looks here).
#:
#: The keys hold ids, not the children: a key holding its children would keep them reachable from
#: this module-level table after their parent became garbage, so each run of the cyclic GC freed
#: one level of a dead DAG (a Hessian's garbage took five collections to go). An id in a key is
#: unambiguous: a live node keeps its children alive, and a dead node's entry is removed by the
#: weak reference's callback before its children can be freed and their addresses reused.
_interned: dict = {}

#: how a class's args become its key in `_interned` (the class attribute `_args_are`)
_PAYLOAD, _NODES, _MIXED = 0, 1, 2
_intern_lock = threading.Lock()


class _Ref(weakref.ref):
    """A weak reference that knows its key in `_interned` (as weakref.KeyedRef, built in C)."""
    __slots__ = ("key",)


def _drop(ref: _Ref, _remove=_remove_dead_weakref, _table=_interned) -> None:
    """The node is gone: remove its entry, unless a new node has taken the key meanwhile
    (_remove_dead_weakref deletes the entry only while it still holds a dead reference)."""
    _remove(_table, ref.key)
_budget = _budget_module.STATE


def _arg_key(a):
    if isinstance(a, Expr):
        return a  # compared through Expr.__lt__ (by key), equal only when the same node
    if isinstance(a, Fraction):
        return (-1, a)
    if isinstance(a, str):
        return (-2, a)
    if isinstance(a, int):
        return (-3, a)
    if isinstance(a, frozenset):
        return (-5, tuple(sorted(a)))
    if isinstance(a, tuple):
        return (-4, tuple(str(x) for x in a))
    raise TypeError(type(a))


def _remake(cls, args: tuple, shape) -> "Expr":
    """The node of class `cls` with `args` (an unpickled node: see Expr.__reduce__)."""
    return cls._make(args, shape)


class Expr:
    """Base node. `args` are children (Expr) and payload (names, numbers, dims)."""

    __slots__ = ("args", "shape", "_c", "children", "__weakref__")
    rank = 99
    symbol = "?"
    #: what the args hold: only payload (names, numbers, sizes), only nodes, or both (each
    #: position one or the other); `_MIXED`, the default, is right for every class
    _args_are = _MIXED

    @classmethod
    def _key(cls, args: tuple) -> tuple:
        """The key of (cls, args) in `_interned`: child nodes by id (see there)."""
        kind = cls._args_are
        if kind == _NODES:
            return (cls, tuple(map(id, args)))
        if kind == _PAYLOAD:
            return (cls, args)
        return (cls, tuple([id(a) if isinstance(a, Expr) else a for a in args]))

    @classmethod
    def _make(cls, args: tuple, shape: Shape) -> "Expr":
        kind = cls._args_are  # (_key, inlined: this is the hottest path)
        if kind == _NODES:
            k = (cls, tuple(map(id, args)))
        elif kind == _PAYLOAD:
            k = (cls, args)
        else:
            k = (cls, tuple([id(a) if isinstance(a, Expr) else a for a in args]))
        r = _interned.get(k)
        if r is not None:
            e = r()
            if e is not None:
                return e
        with _intern_lock:  # two threads building the same node must get one object
            r = _interned.get(k)
            e = r() if r is not None else None
            if e is None:
                e = object.__new__(cls)
                e.args = args
                e.shape = shape
                e._c = {}
                # the child nodes (args without the payload: names, numbers, dims), read by every walk;
                # the class says which args are nodes, so only a mixed one's are sorted out
                e.children = args if kind == _NODES else () if kind == _PAYLOAD else \
                    tuple([a for a in args if isinstance(a, Expr)])
                r = _Ref(e, _drop)
                r.key = k
                _interned[k] = r
                if _budget.active:  # a limited request pays for every new node (budget.py)
                    _budget_module.spend()
        return e

    @classmethod
    def _existing(cls, args: tuple):
        """The node of this class with exactly these args if one is alive, else None (nothing is
        made): a constructor whose canonical form of `args` is `args` itself may return it at once."""
        r = _interned.get(cls._key(args))
        return r() if r is not None else None

    def __init__(self, *a, **k):  # pragma: no cover - construction goes through build.py
        raise TypeError("build expressions with matcalc.build, not node classes")

    def __reduce__(self):
        """Pickled as its class, args and shape, and unpickled through `_make`: the node that comes
        back is the one existing node with those args (equality is identity), never a copy that
        compares unequal to it (x - x would not cancel). Copies are the node itself."""
        return (_remake, (type(self), self.args, self.shape))

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    # -- structure -------------------------------------------------------
    # `children` (a slot, set when the node is made): the args that are nodes, in order

    @property
    def is_scalar(self) -> bool:
        return self.shape == SCALAR

    @property
    def rows(self) -> Dim:
        return self.shape[0]

    @property
    def cols(self) -> Dim:
        return self.shape[1]

    @property
    def is_square(self) -> bool:
        return self.shape[0] == self.shape[1]

    @property
    def key(self) -> tuple:
        """A deterministic structural sort key (never id- or hash-based): (rank, args), the child
        nodes standing for their own keys.

        A child node in the key, not its key: comparing two keys compares their children, and
        tuples find the first differing child by equality before ordering it. Nodes are
        hash-consed, so two children are equal exactly when they are the same object (the default
        ==, at once), and only the first differing child is ordered, by its key (__lt__ below).
        With the children's keys nested instead, equality descended to the first difference and
        ordering descended again from there, level by level: comparing two expressions d levels
        deep (the chain rule through d nested functions, the nested differentials of A^k) cost
        d^2, and sorting their sums dominated the derivation.
        """
        k = self._c.get("key")
        if k is None:
            k = self._c["key"] = (self.rank, tuple([_arg_key(a) for a in self.args]))
        return k

    # ordering by key (see `key`); == stays identity, which for hash-consed nodes is structural
    def __lt__(self, other):
        if not isinstance(other, Expr):
            return self.key < other
        seen = _budget.order
        if seen is None:
            return self.key < other.key
        r = seen.get((self, other))
        if r is None:
            # within one request the answers are kept (budget.py): sorting the sums of nested
            # differentials compares the same deep pairs again and again, and the pair kept in the
            # table stays alive until the request ends, so its identity cannot be reused meanwhile
            r = seen[self, other] = self.key < other.key
        return r

    def __gt__(self, other):
        return self.key > (other.key if isinstance(other, Expr) else other)

    def __le__(self, other):
        return self.key <= (other.key if isinstance(other, Expr) else other)

    def __ge__(self, other):
        return self.key >= (other.key if isinstance(other, Expr) else other)

    @property
    def free(self) -> frozenset:
        """Names of the variables this expression depends on."""
        f = self._c.get("free")
        if f is None:
            ch = self.children
            if not ch:
                f = frozenset()
            elif len(ch) == 1:
                f = ch[0].free
            else:
                f = frozenset().union(*(c.free for c in ch))
            self._c["free"] = f
        return f

    @property
    def depth(self) -> int:
        d = self._c.get("depth")
        if d is None:
            ch = self.children
            d = self._c["depth"] = 1 + (max(c.depth for c in ch) if ch else 0)
        return d

    def walk(self) -> Iterator["Expr"]:
        """Every distinct node once, children before parents (iterative, DAG-aware)."""
        return _postorder(self, None)

    def walk_missing(self, cache_key: str) -> Iterator["Expr"]:
        """The distinct nodes that have no `cache_key` in their cache yet, children first.

        Like walk(), but a node whose cache already has the key is neither yielded nor entered:
        a measure cached per node (size, transposes) of a new node over a large, already measured
        DAG then costs the new nodes only, so measuring every node of a DAG stays linear.
        """
        return _postorder(self, None, cache_key)

    def has_prop(self, prop: str) -> bool:
        return False

    # -- conveniences ----------------------------------------------------
    def __repr__(self) -> str:
        try:
            return f"<{type(self).__name__} {SERVICES['text'](self)}>"
        except Exception:  # pragma: no cover - repr must never fail
            return f"<{type(self).__name__}>"

    def __str__(self) -> str:
        return _service("text", self)

    def latex(self) -> str:
        return _service("latex", self)

    def _repr_latex_(self) -> str:
        return "$$" + self.latex() + "$$"

    def evaluate(self, values: dict | None = None, **kw: Any) -> Value:
        """The value of this expression for `values` (name -> array or float), as NumPy."""
        vals = dict(values or {})
        vals.update(kw)
        return SERVICES["evaluate"](self, vals)


def _service(name: str, e: "Expr"):
    """SERVICES[name](e); the printers recurse once per level of nesting, so an expression nested
    deeper than Python's recursion limit allows is printed with more frames, and one deeper still is
    a LimitError that says so, not a RecursionError."""
    return _budget_module.with_frames(
        lambda: SERVICES[name](e),
        f"this expression is nested too many levels deep to write as {name} (Python's recursion limit); "
        "evaluate it (.evaluate(values))")


def _missing(what: str, key: str):
    """The service until its layer registers itself: `import matcalc` is lazy (its __init__), so the
    first node printed or evaluated before any public name was used loads the engine, by name
    (nothing is imported from here at import time), and calls the service it registered."""
    def load(*a, **k):
        importlib.import_module(__name__.rsplit(".", 2)[0] + ".api")  # the API loads every layer
        if SERVICES[key] is load:
            raise RuntimeError(f"matcalc's {what} is not loaded: import matcalc")
        return SERVICES[key](*a, **k)
    return load


#: What the outer layers teach every node: its text and LaTeX (matcalc.outputs.printing) and its
#: value (matcalc.numerics.evaluate) register themselves here when imported, so a node prints
#: and evaluates itself while this bottom layer imports nothing above it.
SERVICES: dict = {"text": _missing("text printer", "text"), "latex": _missing("LaTeX printer", "latex"),
                  "evaluate": _missing("evaluator", "evaluate")}


def walk_depending(e: Expr, names: frozenset) -> Iterator[Expr]:
    """The distinct nodes of e that depend on a variable in `names`, children first: e.walk()
    without entering the rest, whose descendants cannot depend on one either (a node's free names
    hold its children's). Differentiating and reading off a gradient visit only these; the constant
    parts of a function (A and b in A x - b) are not entered. The nodes come in walk()'s order."""
    return iter(()) if names.isdisjoint(e.free) else _postorder(e, names)


def _postorder(root: Expr, names, missing: str | None = None) -> Iterator[Expr]:
    """The distinct nodes under root once, children before parents (iterative, DAG-aware). With
    `names` (a frozenset), only the nodes that depend on one of them are entered; with `missing` (a
    cache key), only the nodes whose cache has no such key yet."""
    seen = set()  # of nodes: their hash is the identity's, taken in C
    stack = [(root, False)]
    pop, push, mark = stack.pop, stack.append, seen.add
    while stack:
        node, done = pop()
        if done:
            yield node
            continue
        if node in seen or (missing is not None and missing in node._c):
            continue
        mark(node)
        push((node, True))
        for c in reversed(node.children):
            if c not in seen and (names is None or not names.isdisjoint(c.free)) \
                    and (missing is None or missing not in c._c):
                push((c, False))


# ---------------------------------------------------------------- leaves
class Var(Expr):
    """A named variable: args (name, shape, props). `props` is a frozenset of property names."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 30

    @property
    def key(self) -> tuple:
        k = self._c.get("key")
        if k is None:  # the generic key, built directly (variables are the most numerous nodes)
            name, shape, props = self.args
            k = self._c["key"] = (30, ((-2, name), (-4, (str(shape[0]), str(shape[1]))),
                                      (-5, tuple(sorted(props)))))
        return k

    @property
    def name(self) -> str:
        return self.args[0]

    @property
    def props(self) -> frozenset:
        return self.args[2]

    def has_prop(self, prop: str) -> bool:
        return prop in self.args[2]

    def symmetric_prop(self) -> bool:
        """Declared equal to its transpose (symmetric, spd or diagonal, and square)."""
        p = self.args[2]
        return self.shape[0] == self.shape[1] and ("symmetric" in p or "spd" in p or "diagonal" in p)

    @property
    def free(self) -> frozenset:
        f = self._c.get("free")
        if f is None:
            f = self._c["free"] = frozenset((self.args[0],))
        return f


class Num(Expr):
    """An exact rational constant (a scalar)."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 0

    @property
    def value(self) -> Fraction:
        return self.args[0]


class DimSize(Expr):
    """The size of a dimension as a scalar (e.g. tr(I_n) = n)."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 1


class Identity(Expr):
    """The identity matrix of dimension args[0]."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 40


class Zero(Expr):
    """The zero matrix of a non-scalar shape (the scalar zero is Num(0))."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 42


class Ones(Expr):
    """The all-ones matrix or vector (what a scalar broadcasts to)."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 41


class Comm(Expr):
    """The commutation matrix K(m, n): K vec(A) = vec(A') for A of shape m x n."""
    __slots__ = ()
    _args_are = _PAYLOAD
    rank = 52


# ---------------------------------------------------------------- n-ary
class Add(Expr):
    """A sum of terms of one shape (scalar terms of a non-scalar sum are broadcast via Ones)."""
    __slots__ = ()
    _args_are = _NODES
    rank = 5


class Mul(Expr):
    """A product: optional Num coefficient, sorted scalar factors, then the matrix chain."""
    __slots__ = ()
    _args_are = _NODES
    rank = 10

    @property
    def coeff(self) -> Fraction:
        a = self.args[0]
        return a.value if isinstance(a, Num) else FRACTION_ONE

    def split(self) -> tuple:
        """(coefficient, scalar factors, chain factors); the coefficient is FRACTION_ONE itself
        when the product has none (a Num factor is never 1), so `c is FRACTION_ONE` tests it."""
        c = self._c.get("split")
        if c is None:
            args = self.args
            coeff = FRACTION_ONE
            i = 0
            if isinstance(args[0], Num):
                coeff = args[0].value
                i = 1
            scal = []
            while i < len(args) and args[i].is_scalar:
                scal.append(args[i])
                i += 1
            c = self._c["split"] = (coeff, tuple(scal), tuple(args[i:]))
        return c


class Hadamard(Expr):
    """An elementwise product of same-shaped, non-scalar factors (sorted)."""
    __slots__ = ()
    _args_are = _NODES
    rank = 11


# ---------------------------------------------------------------- unary / binary
class Transpose(Expr):
    __slots__ = ()
    _args_are = _NODES
    rank = 31

    @property
    def arg(self) -> Expr:
        return self.args[0]


class Inverse(Expr):
    __slots__ = ()
    _args_are = _NODES
    rank = 32

    @property
    def arg(self) -> Expr:
        return self.args[0]


class MatPow(Expr):
    """Integer matrix power; a negative k means (X^-1)^|k|. |k| >= 2."""
    __slots__ = ()
    rank = 33

    @property
    def base(self) -> Expr:
        return self.args[0]

    @property
    def k(self) -> int:
        return self.args[1]


class Pow(Expr):
    """base ^ exponent: a scalar power, or an elementwise power of a vector/matrix base."""
    __slots__ = ()
    _args_are = _NODES
    rank = 21

    @property
    def base(self) -> Expr:
        return self.args[0]

    @property
    def exp(self) -> Expr:
        return self.args[1]


class Func(Expr):
    """An elementwise scalar function (exp, log, sin, ...) applied to args[1]."""
    __slots__ = ()
    rank = 20

    @property
    def name(self) -> str:
        return self.args[0]

    @property
    def arg(self) -> Expr:
        return self.args[1]


class _Unary(Expr):
    __slots__ = ()
    _args_are = _NODES

    @property
    def arg(self) -> Expr:
        return self.args[0]


class Trace(_Unary):
    __slots__ = ()
    rank = 22


class Det(_Unary):
    __slots__ = ()
    rank = 23


class LogDet(_Unary):
    """log |det X|."""
    __slots__ = ()
    rank = 24


class Sum(_Unary):
    """The sum of all entries."""
    __slots__ = ()
    rank = 25


class Softmax(_Unary):
    """exp(u) / sum(exp(u)) for a vector u; of a matrix, of each column (each column sums to 1)."""
    __slots__ = ()
    rank = 26


class LogSumExp(_Unary):
    """log(sum(exp(u))) for a vector u (a scalar); of an m x N matrix, of each column: a 1 x N row
    (the reduced first index keeps its place, as sum(X, 1) does)."""
    __slots__ = ()
    rank = 29


class Diag(_Unary):
    """The diagonal matrix with the vector args[0] on its diagonal."""
    __slots__ = ()
    rank = 27


class DiagPart(_Unary):
    """The diagonal of a square matrix, as a column vector."""
    __slots__ = ()
    rank = 28


class Vec(_Unary):
    """Column-major vectorization."""
    __slots__ = ()
    rank = 51


class Unvec(Expr):
    """The inverse of vec: the column vector args[0] of length r*c as the r x c matrix whose
    columns are its consecutive pieces (args[1], args[2] = r, c). A gradient read through vec(X)
    is unvec of the cotangent, shaped like X."""
    __slots__ = ()
    rank = 53

    @property
    def arg(self) -> Expr:
        return self.args[0]


class Kron(Expr):
    """The Kronecker product args[0] (x) args[1]."""
    __slots__ = ()
    _args_are = _NODES
    rank = 50
