"""The size of an expression as a reader sees it, computed on the tree.

The simplifier keeps the smallest of several equal forms, and naming a repeated
subexpression (`where p = ...`) must pay for itself; both need "how long is this when
written down". That is measured here without printing: the number of tokens of the text
form (names, numbers, operators; parentheses and commas are free), node by node, following
the text printer's layout (a coefficient -1 is a sign, a negative power is a denominator,
x'x to a half power is a norm, a broadcast scalar is written without its ones, a sum or
function whose transpose is shorter is written transposed). Each node's
size is cached on the node, so measuring a DAG is linear.
"""
from __future__ import annotations

from fractions import Fraction

from ..core import build as B
from ..core import nodes
from ..core.functions import CALLS
from ..core.layout import as_denominator, entrywise_denominators, entrywise_divisor, folded_power, inner_pair, mean_factors, merged_sums, self_inner, spd_built, traces_matrix_function, transposes
from ..core.nodes import (FRACTION_ONE, SCALAR, Add, Comm, DimSize, Expr, Func, Hadamard, Identity, Inverse, MatPow, Mul, Num,
                          Ones, Pow, Softmax, Trace, Transpose, Unvec, Var, Zero)


def size(e: Expr) -> int:
    """Tokens in the text form of e (iterative over the DAG, cached per node)."""
    s = e._c.get("tsize")
    if s is not None:
        return s
    for node in e.walk_missing("tsize"):  # measured nodes are not entered again: linear in the new nodes
        n = SIZE[type(node)](node)
        r, c = node.shape
        if r == 1 and c != 1 and isinstance(node, (Func, Add, Hadamard, Pow)):
            t = B.transpose(node)  # printed as the column form, transposed: exp(A x)'
            if transposes(t) < transposes(node):
                n = min(n, size(t) + 1)
        elif r != 1 and c != 1 and isinstance(node, (Func, Add, Hadamard, Pow)):
            t = B.transpose(node)  # a matrix, where shorter: (X B + B X)' for B' X' + X' B'
            node._c["tsize"] = n  # t's own rule reads this (t is node transposed)
            if size(t) + 1 < n:
                n = size(t) + 1
                node._c["print_transposed"] = True  # the printers follow (printed_transposed)
        node._c["tsize"] = n
    return e._c["tsize"]


def printed_transposed(e: Expr) -> bool:
    """Is the matrix e (a sum, function, elementwise product or power) written as its transpose,
    (X B + B X)' for B' X' + X' B', because that is shorter?"""
    size(e)
    return e._c.get("print_transposed", False)


def _s(e: Expr) -> int:
    return e._c["tsize"]  # children are measured first (walk order)


def number_size(v: Fraction) -> int:
    """2 is one token, -2 two, 1/2 three (p / q)."""
    return (1 if v.denominator == 1 else 3) + (1 if v < 0 else 0)


def _is_broadcast(t: Expr) -> bool:
    if isinstance(t, Ones):
        return True
    if isinstance(t, Mul):
        ch = t.split()[2]
        return len(ch) == 1 and isinstance(ch[0], Ones)
    return False


def _ones_size(e: Ones) -> int:
    return _filled_size(e.shape)


def _filled_size(shape) -> int:
    """ones(n), ones(1, n), ones(m, n); a product size m*n as kron(ones(m), ones(n))."""
    r, c = shape
    if "*" in str(r) or "*" in str(c):
        (r1, r2), (c1, c2) = (str(d).split("*", 1) if "*" in str(d) else (d, 1) for d in (r, c))
        return 1 + _filled_size((r1, c1)) + _filled_size((r2, c2))
    return 2 if c == 1 else 3


def _add(e: Add) -> int:
    terms = e.args
    if e.shape == SCALAR:
        terms = merged_sums(e)  # sum(u) - sum(v) written sum(u - v), as the printers do
        if len(terms) == 1:
            return size(terms[0])
    broadcast_all = e.shape != SCALAR and all(_is_broadcast(t) for t in terms)
    total = 0
    negatives = 0
    for t in terms:
        n = size(t)  # (a merged sum is no child of e: measured here)
        if not broadcast_all and _is_broadcast(t):  # written as its scalar: 1 + A x
            c, sc, _ = (Fraction(1), (), ()) if isinstance(t, Ones) else t.split()
            n = size(B.mul(B.num(c), *sc))
        total += n
        c = B.split_coeff(t)[0]
        if c is not FRACTION_ONE and c < 0:
            negatives += 1
    # positive terms lead; each later `- t` has its sign instead of a `+`
    return total + len(terms) - 1 - (negatives if negatives < len(terms) else negatives - 1)


def _norm_size(y: Expr, fro: bool) -> int:
    return 2 + size(y) + (1 if fro else 0)


def _denominator_size(f: Expr):
    """The size of b^k when the scalar factor f = b^-k is written under a fraction bar, else None."""
    d = as_denominator(f)
    return None if d is None else size(d)


def _mul(e: Mul) -> int:
    n = _mul_written_out(e)
    fp = folded_power(e)
    if fp is not None:
        c = e.split()[0]
        folded = size(fp[1]) + 2 + number_size(fp[0]) + (0 if abs(c) == 1 else 1 + (0 if c.denominator == 1 else 2)) \
            + (1 if c < 0 else 0)
        if folded < n:  # (x / delta).^2, not x.^2 / delta^2 (the printers follow: power_folded)
            e._c["power_folded"] = True
            return folded
    return n


def power_folded(e: Mul) -> bool:
    """Is the product written as one entrywise power, (x / delta).^2 for x.^2 / delta^2 (folded_power)?"""
    size(e)
    return e._c.get("power_folded", False)


def _mul_written_out(e: Mul) -> int:
    c, scal, chain = e.split()
    means, scal = mean_factors(scal)
    items = sum(1 + _s(x) for x in means)  # mean(x)
    n_items = len(means)
    dens = []
    for f in scal:
        d = _denominator_size(f)
        if d is not None:
            dens.append(d)
            continue
        n_items += 1
        if isinstance(f, Mul):
            si = self_inner(f)
            if si is not None and not isinstance(si[0], (Var, Transpose)):
                items += _norm_size(*si) + 2  # ||y||^2
                continue
        items += _s(f)
    items += sum(_s(f) for f in chain)
    n_items += len(chain)
    if c is FRACTION_ONE:  # no coefficient (the usual case): no Fraction arithmetic
        sign, p, q = 0, 1, 1
    else:
        sign = 1 if c < 0 else 0
        p, q = abs(c).numerator, abs(c).denominator
    if dens:  # top / bottom, the coefficient's denominator joining the bottom
        top = (1 if p != 1 or not n_items else 0) + items
        return sign + top + 1 + (1 if q != 1 else 0) + sum(dens)
    if q != 1:  # 1/2 x' y is written x' y / 2 (the text printer's unit_fraction_as_divisor)
        nums, quotient = entrywise_denominators(chain) if p == 1 else ((), ())
        if quotient:  # a ./ (2 v), 1 ./ (2 x), mu ./ (2 x)
            return sign + items + 1 - (1 if not nums and n_items > 1 else 0)
        return sign + (2 if p == 1 and n_items else 3) + items
    if (p != 1 or n_items > 1) and entrywise_divisor(chain) is not None:
        return sign + (1 if p != 1 else 0) + items - 1  # mu ./ x, not mu (1 ./ x)
    return sign + (1 if p != 1 or not n_items else 0) + items


def _pow_size(base: Expr, v: Fraction) -> int:
    b = _s(base)
    if v == 1:
        return b
    si = self_inner(base, split_inverse=True) if v.denominator == 2 else None
    if si is not None:
        return _norm_size(*si) + (0 if v.numerator == 1 else 1 + number_size(Fraction(v.numerator)))
    if v == Fraction(1, 2) and not spd_built(base):
        return 1 + b  # sqrt(b) (S .^ (1/2) of an spd S)
    if base.shape != SCALAR:
        return b + 2 + number_size(v)  # b.^k
    return b + 1 + number_size(v)


def _pow(e: Pow) -> int:
    x = e.exp
    if e.shape == SCALAR:
        d = _denominator_size(e)
        if d is not None:
            return 2 + d  # 1 / b^k
    if isinstance(x, Num):
        if x.value == -1:
            return _s(e.base) + 2  # 1 ./ p
        if x.value == Fraction(-1, 2) and not self_inner(e.base, split_inverse=True):
            return _s(e.base) + 3  # 1 ./ sqrt(x)
        return _pow_size(e.base, x.value)
    n = _s(e.base) + 1 + _s(x)
    if e.shape == SCALAR:  # s^(p/2) is sqrt(s)^p, and (x'x)^(p/2 - 1) is ||x||^(p - 2), where shorter
        x2 = B.add(*[B.scale(2, t) for t in x.args]) if isinstance(x, Add) else B.scale(2, x)
        si = self_inner(e.base, split_inverse=True)
        n2 = (_norm_size(*si) if si is not None else 1 + _s(e.base)) + 1 + size(x2)
        # (only where the text reads back as e: ||x||^(p - 4) is (x'x)^(p/2 - 2), not (x'x)^((p - 4)/2),
        # and sqrt(t^2) is |t|)
        if n2 < n and B.power(B.sqrt(e.base), x2) is e:
            e._c["root_power"] = (si, x2)
            return n2
    return n


def root_power(e: Pow) -> tuple[tuple[Expr, bool] | None, Expr] | None:
    """(norm, k) when the scalar power e = s^(k/2) of a symbolic k is written as its square root to
    the power k, because that is shorter (the printers follow): norm is (y, frobenius?) where s is
    y'y, written ||y||^k, else None, written sqrt(s)^k. None when e is written as it is."""
    size(e)
    return e._c.get("root_power")


def _trace(e: Trace) -> int:
    si = self_inner(e)
    if si is not None and not isinstance(si[0], Var):
        return _norm_size(*si) + 2  # ||Y||_F^2
    pair = inner_pair(e)
    if pair is not None:
        return 2 + size(pair[0]) + size(pair[1])  # <P, Q>
    return (2 if traces_matrix_function(e.arg) else 1) + _s(e.arg)  # sum(diag(log(X))), not tr(log(X))


def _hadamard(e: Hadamard) -> int:
    n = 0
    num = dens = 0
    for f in e.args:
        if isinstance(f, Pow) and isinstance(f.exp, Num) and f.exp.value < 0:
            n += _pow_size(f.base, -f.exp.value)  # ./ b
            dens += 1
        else:
            n += _s(f)
            num += 1
    return n + (num - 1 if num else 1) + dens  # a .* b ./ c; 1 ./ c without a numerator


def _inverse(e: Inverse) -> int:
    a = e.arg
    if isinstance(a, Transpose):
        return _s(a.arg) + 3  # X^-T
    if a.shape[0] != 1 and a.shape[1] != 1 and a._c.get("print_transposed"):
        return _s(a) + 2  # (A + X)^-T, where _s(a) counts the ' of (A + X)'
    if a.shape[0] != 1 and isinstance(a, (Func, Add, Hadamard, Pow)):
        t = size(B.transpose(a))
        if t < _s(a):  # (I + X)^-T for (X' + I)^-1: the ^-T takes the transpose (the printers follow)
            e._c["inverse_transposed"] = True
            return t + 3
    return _s(a) + 3


def inverse_printed_transposed(e: Inverse) -> bool:
    """Is the inverse of a sum (or function) written as the inverse transposed of its transpose,
    (I + X)^-T for (X' + I)^-1, because that is shorter?"""
    size(e)
    return e._c.get("inverse_transposed", False)


def _transpose(e: Transpose) -> int:
    a = e.arg
    if isinstance(a, Softmax) and a.shape[0] != 1 and a.shape[1] != 1:
        rows = 2 + size(B.transpose(a.arg))  # softmax(X, 2), each row's softmax, for softmax(X')'
        if rows < _s(a) + 1:
            e._c["rows_softmax"] = True
            return rows
    return _s(a) + 1


def written_as_rows_softmax(e: Transpose) -> bool:
    """Is softmax(Y)' written softmax(Y', 2) (each row's softmax), because that is shorter:
    softmax(X W, 2), not softmax(W' X')'?"""
    size(e)
    return e._c.get("rows_softmax", False)


def _matpow(e: MatPow) -> int:
    return _s(e.base) + 1 + number_size(Fraction(e.k))


def _call(e: Expr) -> int:
    return 1 + sum(_s(c) for c in e.children)


SIZE = {
    Var: lambda e: 1,
    Num: lambda e: number_size(e.value),
    DimSize: lambda e: 2,
    Identity: lambda e: 1,
    Zero: lambda e: _filled_size(e.shape),
    Ones: _ones_size,
    Comm: lambda e: 3,
    Add: _add,
    Mul: _mul,
    Hadamard: _hadamard,
    Transpose: lambda e: _transpose(e),
    Inverse: _inverse,
    MatPow: _matpow,
    Pow: _pow,
    Func: _call,
    Trace: _trace,
    Unvec: lambda e: 3 + _s(e.arg),   # unvec(v, m, n): the name, v and the two sizes
}
#: the other nodes the registry's calls build (`CallSpec.nodes`: det, sum, softmax, diag, vec, kron, ...)
#: are written as the call of their children, name(args)
SIZE.update({getattr(nodes, cls): _call for spec in CALLS.values() for cls, _made_by in spec.nodes
             if getattr(nodes, cls) not in SIZE})
