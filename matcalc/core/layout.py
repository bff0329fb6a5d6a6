"""How an expression is written: the layout facts every printer and the text size share.

A sum of a vector's squares x'x under a half power is written as a norm, a negative power
as a denominator (1 / b^k), tr(Y'Y) as a
squared Frobenius norm, tr(P'Q) as an inner product <P, Q>, and a row-shaped function or
sum as the transpose of its column form when that has fewer transposes. The text and LaTeX
printers and `calculus.size` (which measures text without printing it) decide these the same
way, here.
"""
from __future__ import annotations

from fractions import Fraction
from collections.abc import Sequence

from . import build as B
from .reductions import spd_built, traces_matrix_function  # noqa: F401  (the printers and size.py ask here)
from .nodes import SCALAR, Add, DimSize, Expr, Func, Hadamard, MatPow, Mul, Num, Ones, Pow, Sum, Trace, Transpose, Var


def is_pi(e: Expr) -> bool:
    """Is e the constant pi (held as arccos(-1), a node the rules and the code already know)? The
    printers write it pi; the size measure keeps counting arccos(-1), whose weight the simplifier's
    choices were tuned with (counted as one token, the periodic kernel's gradient named (x - y)'(x - y)
    instead of keeping ||x - y||)."""
    return type(e) is Func and e.name == "arccos" and type(e.arg) is Num and e.arg.value == -1


def transposes(e: Expr) -> int:
    """How many transposes e is written with (counted on the tree, as printed; cached per node).

    Counted with multiplicity and cached on every node, so that asking it of every node of a DAG
    (size() and the printers do, for each row-shaped node) is linear, not quadratic, in its size.
    """
    n = e._c.get("ntransposes")
    if n is None:
        for node in e.walk_missing("ntransposes"):
            node._c["ntransposes"] = isinstance(node, Transpose) + sum(c._c["ntransposes"] for c in node.children)
        n = e._c["ntransposes"]
    return n


def self_inner(e: Expr, split_inverse: bool = False) -> tuple[Expr, bool] | None:
    """(Y, frobenius?) when e is Y'Y (x'x, or tr(Y'Y) for a matrix): it is written as a norm.

    A symmetric S^2 in the middle is S S (y' S^2 y = ||S y||^2). With `split_inverse` (a norm
    itself, sqrt(e), where ||S^-1 y|| is shorter than sqrt(y' S^-2 y)) so is S^-2; a squared norm
    ||S^-1 y||^2 is longer than y' S^-2 y, so there it is not."""
    fro = False
    if isinstance(e, Trace):
        e = e.arg
        fro = True
    if isinstance(e, Mul):
        c, s, chain = e.split()
        if fro:  # tr(S^-2 P^2) with S, P symmetric is tr(S^-1 P P S^-1) = ||P S^-1||_F^2
            chain = tuple(g for f in chain for g in (_halves(f, split_inverse) or (f,)))
        # a trace may start anywhere in its chain: tr(P P' K' A' A K) is tr(Y' Y) with Y = A K P
        for r in range(len(chain) if fro else 1):
            ch = chain[r:] + chain[:r]
            mid = ch[len(ch) // 2] if len(ch) % 2 == 1 else None
            halves = _halves(mid, split_inverse) if mid is not None else None
            if halves:  # y' S^2 y = ||S y||^2 for a symmetric S
                ch = ch[:len(ch) // 2] + halves + ch[len(ch) // 2 + 1:]
            if c == 1 and not s and len(ch) % 2 == 0:
                h = len(ch) // 2
                first, second = ch[:h], ch[h:]
                if all(B.transpose(b) is a for a, b in zip(first, reversed(second))):
                    y = B.mul(*second)
                    if fro:  # ||Y||_F = ||Y'||_F: the one with fewer transposes
                        yt = B.transpose(y)
                        return (yt if transposes(yt) < transposes(y) else y), fro
                    if y.shape[1] == 1:
                        return y, fro
    if fro and isinstance(e, MatPow) and e.k == 2 and B.is_symmetric(e.base) and not isinstance(e.base, Mul):
        return e.base, True
    return None


def _halves(f: Expr, split_inverse: bool):
    """(S^(k/2), S^(k/2)) for a symmetric S^k with k even (negative too with `split_inverse`), else None.
    Not for a power of a product ((K'K)^2): its halves, written out, read back as one chain that
    the constructor merges differently (K' K K' K K' K is not K' K (K'K)^2), so the text would not
    read back as the same expression."""
    if isinstance(f, MatPow) and f.k % 2 == 0 and (f.k > 0 or (split_inverse and f.k < 0)) \
            and not isinstance(f.base, Mul) and B.is_symmetric(f.base):
        half = B.matpow(f.base, f.k // 2)
        return (half, half)
    return None


def inner_pair(e: Trace) -> tuple[Expr, Expr] | None:
    """(P, Q) when e = tr(P'Q) or tr(P Q') with P, Q matrices: written <P, Q>."""
    a = e.arg
    if isinstance(a, Mul):
        c, s, ch = a.split()
        if c == 1 and not s and len(ch) == 2 and ch[0].shape == ch[1].shape[::-1]:
            p, q = ch
            if isinstance(p, Transpose) and not isinstance(q, Transpose):
                return p.arg, q
            if isinstance(q, Transpose) and not isinstance(p, Transpose):
                return p, q.arg
            for a, b in ((p, q), (q, p)):  # tr(P (X' + Y')) = <X + Y, P>: a sum of transposes, transposed back
                if type(b) is Add and transposes(B.transpose(b)) < transposes(b):
                    return B.transpose(b), a  # (the sum first: <G, dX>, as a differential is read off)
    return None


def as_denominator(s: Expr) -> Expr | None:
    """The denominator b^k of a scalar power s = b^-k, to be written 1 / b^k; None if s has none.
    Only where 1 / b^k reads back as s itself: 2^(-(a + b)) stays as it is, since 1 / 2^(a + b)
    is 2^(-a - b)."""
    if not isinstance(s, Pow) or s.shape != SCALAR or not negative_exponent(s.exp):
        return None
    if isinstance(s.exp, Num):
        return B.power(s.base, B.num(-s.exp.value))
    d = B.power(s.base, negated(s.exp))
    return d if B.power(d, B.num(-1)) is s else None


def entrywise_divisor(chain: Sequence[Expr]) -> Expr | None:
    """The divisor d of a product's chain that is one entrywise reciprocal, d.^-1 or d.^(-1/2) (written
    1 ./ d, 1 ./ sqrt(d)): a scalar factor before it is written over it, mu ./ x rather than
    mu (1 ./ x), as the log-barrier's gradient is. None for any other chain."""
    if len(chain) != 1:
        return None
    f = chain[0]
    if type(f) is not Pow or f.shape == SCALAR or type(f.exp) is not Num or f.exp.value not in (-1, ONE_HALF_NEG):
        return None
    return B.power(f.base, B.num(-f.exp.value))


ONE_HALF_NEG = Fraction(-1, 2)


def entrywise_denominators(chain: Sequence[Expr]) -> tuple:
    """(numerators, denominators) of a product's chain that is one entrywise quotient (a ./ v, 1 ./ x,
    1 ./ sqrt(x)): a coefficient 1/q is written into the first denominator, a ./ (2 v) rather than
    (a ./ v) / 2, as the Gaussian variance's gradient is (it reads back as the same node: (2 v).^-1
    is v.^-1 / 2). ((), ()) for any other chain."""
    if len(chain) != 1:
        return (), ()
    f = chain[0]
    if type(f) is Pow:
        d = entrywise_divisor(chain)
        return ((), (d,)) if d is not None else ((), ())
    if type(f) is not Hadamard:
        return (), ()
    dens = tuple(B.power(g.base, B.num(-g.exp.value)) for g in f.args
                 if type(g) is Pow and type(g.exp) is Num and g.exp.value < 0)
    if not dens:
        return (), ()
    return tuple(g for g in f.args if not (type(g) is Pow and type(g.exp) is Num and g.exp.value < 0)), dens


def folded_power(e: Expr) -> tuple[Fraction, Expr] | None:
    """(k, inner) where the product e = c s^k X.^k / d^k is written c (s X / d).^k: every scalar
    factor a name to the entrywise power's own integer exponent, k or -k. The pseudo-Huber loss's
    (x / delta).^2, which the constructors write x.^2 / delta^2 (scalars come out of an entrywise
    power). None for any other product."""
    if type(e) is not Mul:
        return None
    c, scal, chain = e.split()
    if len(chain) != 1 or not scal:
        return None
    f = chain[0]
    if type(f) is not Pow or type(f.exp) is not Num or f.exp.value.denominator != 1 or f.exp.value < 2:
        return None
    k = f.exp.value
    inner = []
    for g in scal:
        if type(g) is not Pow or type(g.exp) is not Num or g.exp.value not in (k, -k) or type(g.base) is not Var:
            return None  # (a name only: ((a' b) y).^2 reads worse than (a' b)^2 y.^2)
        inner.append(g.base if g.exp.value == k else B.power(g.base, B.num(-1)))
    return k, B.mul(*inner, f.base)


def negative_exponent(x: Expr) -> bool:
    """An exponent written with a leading minus (-1, -2 a, -1 - a): its power prints as 1 / b^(...)."""
    if isinstance(x, Num):
        return x.value < 0
    if isinstance(x, Add):
        return all(B.split_coeff(t)[0] < 0 for t in x.args)
    return B.split_coeff(x)[0] < 0


def negated(x: Expr) -> Expr:
    """-x with the minus distributed over a sum (-(-1 - a) is 1 + a)."""
    if isinstance(x, Add):
        return B.add(*[B.scale(-1, t) for t in x.args])
    return B.scale(-1, x)


def mean_factors(scal: Sequence[Expr]) -> tuple:
    """(means, rest) of a product's scalar factors: sum(X) beside 1 / dim(d) for each size d of X
    is written mean(X) (x - sum(x) / dim(n) is x - mean(x)); the Xs so written, and the other
    factors. Only where each size is a different name (the mean of an n x n matrix is sum(X) / dim(n)^2)."""
    if not any(isinstance(f, Sum) for f in scal):
        return (), scal
    inverse = {}  # a dimension's name -> the index of its factor 1 / dim(d)
    for i, f in enumerate(scal):
        if isinstance(f, Pow) and isinstance(f.base, DimSize) and isinstance(f.exp, Num) and f.exp.value == -1:
            inverse.setdefault(f.base.args[0], i)
    used, means = set(), []
    for i, f in enumerate(scal):
        if not isinstance(f, Sum):
            continue
        dims = [d for d in f.args[0].shape if d != 1]
        at = [inverse.get(d) for d in dims]
        if dims and len(set(dims)) == len(dims) and all(j is not None and j not in used for j in at):
            used.update(at)
            used.add(i)
            means.append(f.args[0])
    return tuple(means), tuple(f for i, f in enumerate(scal) if i not in used)


def merged_sums(e: Add) -> list:
    """The terms of a scalar sum e with the sums of entries of one shape written as one:
    sum(sigmoid(X w + b)) - sum(y) is sum(sigmoid(X w + b) - y), a token shorter for each sum
    merged. The merged term is a Sum of a sum, a node only printed (sum distributes over a sum in
    every canonical form, so the text reads back as the terms it came from). Terms with a factor
    besides the number (mean(x) is sum(x) / dim(n)) are left as they are. Kept on e (the printers
    and size.py ask for it)."""
    done = e._c.get("merged_sums")
    if done is None:
        done = e._c["merged_sums"] = tuple(_merged_sums(e.args))
    return list(done)  # (a copy: the printers reorder it)


def _merged_sums(terms) -> list:
    groups: dict = {}
    for t in terms:
        c, rest = B.split_coeff(t)
        if isinstance(rest, Sum):
            groups.setdefault(rest.args[0].shape, []).append(t)
    spread: dict = {}  # a term dim(N) b -> (its group's shape, b)
    if groups:
        for t in terms:
            found = _count_times_scalar(t, groups)
            if found is not None:
                spread[t] = found
                groups[found[0]].append(t)
    if all(len(g) < 2 for g in groups.values()):
        return list(terms)
    out, done = [], set()
    for t in terms:
        c, rest = B.split_coeff(t)
        key = rest.args[0].shape if isinstance(rest, Sum) else spread[t][0] if t in spread else None
        g = groups.get(key) if key is not None else None
        if g is None or len(g) < 2:
            out.append(t)
        elif id(g) not in done:
            done.add(id(g))
            inner = B.add(*[B.scale(B.split_coeff(u)[0], spread[u][1] if u in spread else B.split_coeff(u)[1].args[0])
                            for u in g])
            out.append(Sum._make((inner,), SCALAR))
    return out


def _count_times_scalar(t: Expr, groups: dict):
    """(shape, b) for a term c dim(N) b beside a sum of entries of a vector or a row of N entries:
    the sum of the vector plus b spread over it,
    sum(v) + dim(N) b = sum(v + b), as the textbook writes the Gaussian mean's score sum(x - mu) and
    a bias's gradient sum(X w + b - y). Only a plain name b, and only into sums of data or of a linear
    residual: a count beside anything else reads better outside (N log(s) + sum(x)), so does an epsilon
    beside a sum of squares (N e + sum(x.^2), RMS normalization), and beside a matrix b would be
    written b ones(m, n). None where t is no such term."""
    if type(t) is not Mul:
        return None
    c, scal, chain = t.split()
    if chain:
        return None
    counts = [f.args[0] for f in scal if type(f) is DimSize]
    others = [f for f in scal if type(f) is not DimSize]
    if len(counts) != 1 or len(others) != 1 or type(others[0]) is not Var:
        return None
    for shape, group in groups.items():
        if shape[0] != 1 and shape[1] != 1:  # beside a matrix b is written b ones(m, n)
            continue
        if any(type(B.split_coeff(u)[1].args[0]) not in (Var, Add, Mul, Transpose) for u in group):
            continue  # an epsilon beside a sum of squares or logs stays outside: sum(x.^2) + N e
        if counts[0] == (shape[0] if shape[1] == 1 else shape[1]):
            return shape, others[0]
    return None


def row_biased(arg: Expr) -> bool:
    """Is arg a matrix sum with a row added to every row (X W + ones(n) b', a layer with the samples as
    rows)? The column softmax or logsumexp of such an argument is refused by the reader
    (construct.py) and written with its index 1 by the printers, so that what matcalc prints reads back."""
    if arg.shape[0] == 1 or arg.shape[1] == 1:
        return False
    if isinstance(arg, Mul):  # (scaled: softmax((X W + ones(n) b') / T), softmax(-(...)))
        _, _, chain = arg.split()
        arg = chain[0] if len(chain) == 1 else arg
    if not isinstance(arg, Add):
        return False
    for t in arg.args:
        chain = [f for f in t.args if f.shape != SCALAR] if isinstance(t, Mul) else []
        if len(chain) == 2 and isinstance(chain[0], Ones) and chain[0].shape[1] == 1 and chain[1].shape[0] == 1:
            return True
    return False


def samples_as_rows(arg: Expr) -> str | None:
    """Why arg, a matrix, has a sample in each row, or None: a row added to every row ("bias", X W + ones(n) b')
    or a product ending in a weight matrix ("weights", X W, A relu(A X W0) W1: a graph network's layer, the
    samples as rows; with them as columns the weights come first, W X). Papers mean each row's softmax or
    logsumexp there: the column one, without an index, is refused by the reader (construct.py) and written
    with its index 1 by the printers, so that what matcalc prints reads back."""
    if row_biased(arg):
        return "bias"
    return "weights" if _weights_last(arg) else None


def _weights_last(arg: Expr) -> bool:
    if arg.shape[0] == 1 or arg.shape[1] == 1:
        return False
    if isinstance(arg, Add):
        return any(_weights_last(t) for t in arg.args)
    if not isinstance(arg, Mul):
        return False
    _, _, chain = arg.split()
    if len(chain) < 2:
        return False
    first, last = (f.arg if isinstance(f, Transpose) else f for f in (chain[0], chain[-1]))
    return _weight_matrix(last) and not _weight_matrix(first)


def _weight_matrix(e: Expr) -> bool:
    """A matrix variable named as weights are (W, W1, W_out, Theta)."""
    if not isinstance(e, Var):
        return False
    base = e.name.split("_", 1)[0].rstrip("0123456789")
    return base in ("W", "Theta")


def attention_like(arg: Expr) -> bool:
    """Is arg a matrix product ending in a transpose (Q K', Q K' / s), attention's softmax argument,
    or a sum or entrywise product holding one (a mask: Q K' + M, (Q K') .* M)?
    Papers mean each row's softmax there; the column softmax of such an argument times a matrix is
    refused by the reader (construct.py) and written with its index 1 by the printers, so that what
    matcalc prints reads back."""
    if arg.shape[0] == 1 or arg.shape[1] == 1:
        return False
    if isinstance(arg, (Add, Hadamard)):  # a mask added or multiplied in: Q K' + M, (Q K') .* M
        return any(attention_like(t) for t in arg.args)
    if not isinstance(arg, Mul):
        return False
    chain = [f for f in arg.args if f.shape != SCALAR]
    return len(chain) >= 2 and isinstance(chain[-1], Transpose)
