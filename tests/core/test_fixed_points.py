"""A canonical sum, product or elementwise product is a fixed point of its constructor.

`add`, `mul` and `hadamard` return an existing node at once when they are given exactly its
arguments (the simplifier rebuilds sums and products from their own terms again and again).
That shortcut is right only because building from a canonical node's own arguments gives that
node back. These tests build every such node of many derivations the long way (with a neutral
element added, which the shortcut does not recognise and the constructor drops) and check that
the node comes back.
"""
from __future__ import annotations

import os
import sys

import pytest

import matcalc
from matcalc.core import build as B
from matcalc.core.nodes import Add, Hadamard, Mul

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from strategies import random_case  # noqa: E402

KINDS = (("scalar", matcalc.grad), ("nonscalar", matcalc.jacobian), ("scalar", matcalc.hessian))


def _long_way(node):
    """The node rebuilt by its constructor from its own args and a neutral element."""
    if isinstance(node, Add):
        return B.add(*node.args, B.zeros(node.shape))
    if isinstance(node, Mul):
        return B.mul(*node.args, B.ONE)
    return B.hadamard(*node.args, B.ones(node.shape))


def _derived_nodes(seed: int):
    out, fn = KINDS[seed % len(KINDS)]
    case = random_case(5003 + 11 * seed, out=out, wrt="any")
    r = fn(case.text, case.wrt.name, where=case.where)  # (a refusal fails the seed's test: it is not a pass)
    roots = [r.function.node, r.node]
    return r, [n for root in roots for n in root.walk() if isinstance(n, (Add, Mul, Hadamard))]


@pytest.mark.parametrize("seed", range(40))
def test_sums_and_products_of_a_derivation_are_fixed_points(seed):
    keep, nodes = _derived_nodes(seed)
    if not nodes:
        pytest.skip("this derivation has no sum or product to rebuild")
    for node in nodes:
        assert _long_way(node) is node, f"{type(node).__name__} {node} is rebuilt as {_long_way(node)}"


def test_fixed_points_of_written_sums_and_products():
    e = matcalc.parse("2 x' A x + (x - y) .* exp(x) .* (x - y) - 3 tr(A B) + x' y / 2",
                      where="x, y: vector(n); A, B: matrix(n,n)")
    nodes = [n for n in e.node.walk() if isinstance(n, (Add, Mul, Hadamard))]
    assert nodes
    for node in nodes:
        assert _long_way(node) is node
