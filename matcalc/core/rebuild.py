"""Rebuilding a tree: new children through the canonical constructors, bottom-up transforms
(each distinct node once), and substitution of variables."""
from __future__ import annotations

from collections.abc import Callable

from . import canonical, nodes, reductions
from .canonical import add, func, hadamard, inverse, kron, matpow, mul, power, transpose
from .functions import CALLS
from .nodes import Add, Expr, Func, Hadamard, Inverse, Kron, MatPow, Mul, Pow, Transpose, Unvec, Var, _Unary
from .reductions import unvec


def with_children(e: Expr, children: list) -> Expr:
    """e rebuilt (canonically) with new children, in the order of `e.children`."""
    if not children:
        return e
    t = type(e)
    if t is Add:
        return add(*children)
    if t is Mul:
        return mul(*children)
    if t is Hadamard:
        return hadamard(*children)
    c = children[0]
    if t is Transpose:
        return transpose(c)
    if t is Inverse:
        return inverse(c)
    if t is MatPow:
        return matpow(c, e.k)
    if t is Pow:
        return power(c, children[1])
    if t is Func:
        return func(e.name, c)
    if t is Kron:
        return kron(c, children[1])
    if t is Unvec:
        return unvec(c, e.shape)
    return _UNARY[t](c)


def transform(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild e bottom-up, applying fn to every rebuilt node (each distinct node once)."""
    memo: dict = {}
    for node in e.walk():
        ch = node.children
        if ch:
            new_ch = [memo[c] for c in ch]
            new = node if all(a is b for a, b in zip(new_ch, ch)) else with_children(node, new_ch)
        else:
            new = node
        memo[node] = fn(new)
    return memo[e]


def substitute(e: Expr, mapping: dict) -> Expr:
    """e with variables (by name) replaced by expressions."""
    if not (e.free & mapping.keys()):
        return e
    return transform(e, lambda n: mapping[n.name] if isinstance(n, Var) and n.name in mapping else n)



def _constructor(name: str):
    """A constructor of `B` by its name: build.py imports this module, so B's two sources are read."""
    return getattr(reductions, name, None) or getattr(canonical, name)


#: the one-child nodes (`_Unary`), by their constructor, from the calls that build them (the
#: registry's `CallSpec.nodes`): a node class of nodes.py with children is either rebuilt above or
#: built by a registered call; tests/core/test_registry.py checks it
_UNARY = {getattr(nodes, cls): _constructor(made_by) for spec in CALLS.values() for cls, made_by in spec.nodes
          if issubclass(getattr(nodes, cls), _Unary)}


def _entrywise(x: Expr) -> bool:
    """Is x a matrix computed entry by entry (a function, an entrywise product or power of matrices)?"""
    return isinstance(x, (Hadamard, Func)) or (isinstance(x, Pow) and x.base.shape == x.shape)


def _diagonal_entrywise(x: Expr) -> Expr:
    """diag(x) for x computed entry by entry, taken entry by entry: diag(f(D)) = f(diag(D)),
    diag(U .* V) = diag(U) .* diag(V), diag(U .^ p) = diag(U) .^ p."""
    if isinstance(x, Hadamard):
        return hadamard(*[_diagonal_entrywise(a) if _entrywise(a) else reductions.diagpart(a) for a in x.args])
    if isinstance(x, Func):
        a = x.arg
        return func(x.name, _diagonal_entrywise(a) if _entrywise(a) else reductions.diagpart(a))
    base = _diagonal_entrywise(x.base) if _entrywise(x.base) else reductions.diagpart(x.base)
    exp = x.exp if x.exp.shape == nodes.SCALAR else (_diagonal_entrywise(x.exp) if _entrywise(x.exp) else reductions.diagpart(x.exp))
    return power(base, exp)


def diagonals_first(e: Expr) -> Expr:
    """e with the diagonal of an entrywise matrix, and the trace of one, taken before the entries off
    the diagonal are computed: diag(diag(I ./ D)) as diag(1 ./ diag(D)), tr(log(D)) as
    sum(log(diag(D))). Equal, and defined where the entries off the diagonal are not (1 / 0, log(0)
    of a diagonal D), which only the diagonal's are; also n entries computed, not n^2. For
    evaluation and generated code, not for printing: the answer keeps the form it is written in."""
    def fn(n):
        if isinstance(n, nodes.DiagPart) and _entrywise(n.arg):
            return _diagonal_entrywise(n.arg)
        if isinstance(n, nodes.Trace) and _entrywise(n.arg):
            return reductions.sumall(_diagonal_entrywise(n.arg))
        return n
    if not any(isinstance(n, (nodes.DiagPart, nodes.Trace)) and _entrywise(n.arg) for n in e.walk()):
        return e
    return transform(e, fn)
