"""Rebuilding a tree: new children through the canonical constructors, bottom-up transforms
(each distinct node once), and substitution of variables."""
from __future__ import annotations

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


def transform(e: Expr, fn) -> Expr:
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
