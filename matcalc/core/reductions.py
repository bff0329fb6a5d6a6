"""Reductions and structured operations built on the canonical core: trace, sum (of all entries
or over one index), mean, inner product, det, logdet, norms, diagonal parts, softmax, logsumexp,
vec, division.

Each applies its cheap identities at construction (tr(A B) rotated to a canonical start,
tr(x y') = y'x, tr(A (x) B) = tr(A) tr(B), sum(A (x) B) = sum(A) sum(B), det and logdet split over
square factors, diag(diag(v)) = v, ...).
"""
from __future__ import annotations

from fractions import Fraction
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .canonical import (KRON_MERGES, ONE, SUMALL, ONE_HALF, ZERO, _chain_shape, _is_leaf, _merge_chain, _pure_chain, add, dimsize,  # noqa: F401,E501
                        func, hadamard, identity, is_zero, mul, neg, num, ones, power, scale, sqrt, transpose, zeros)
from .dims import dim_mul as _dim_mul
from .dims import fmt_shape as _fmt
from .errors import DivisionByZeroError, ShapeError
from .nodes import (SCALAR, Add, Det, Diag, DiagPart, Expr, Func, Hadamard, Identity, Inverse, Kron, LogDet,  # noqa: F401
                    MatPow, LogSumExp, Mul, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec, Var, Vec, Zero)

if TYPE_CHECKING:
    from .nodes import Shape


def trace(x: Expr) -> Expr:
    if x.shape == SCALAR:
        return x
    if not x.is_square:
        raise ShapeError(f"the trace needs a square matrix, not shape {_fmt(x.shape)}")
    if isinstance(x, Add):
        return add(*[trace(t) for t in x.args])
    if isinstance(x, Identity):
        return dimsize(x.args[0])
    if isinstance(x, Ones):
        return dimsize(x.shape[0])
    if isinstance(x, Zero):
        return ZERO
    if isinstance(x, Transpose):
        return trace(x.arg)
    if isinstance(x, Diag):
        return sumall(x.arg)
    if isinstance(x, Kron) and x.args[0].is_square and x.args[1].is_square:  # tr(A (x) B) = tr(A) tr(B)
        return mul(trace(x.args[0]), trace(x.args[1]))
    if isinstance(x, Mul):
        c, s, ch = x.split()
        return mul(num(c), *s, _trace_chain(list(ch)))
    return Trace._make((x,), SCALAR)


def _trace_chain(ch: list) -> Expr:
    """tr of a chain, rotated (and possibly transposed) to its canonical form."""
    if len(ch) == 1:
        return trace(ch[0]) if not isinstance(ch[0], Mul) else Trace._make((ch[0],), SCALAR)
    for i, f in enumerate(ch):  # tr(M ones(q, p)) = 1_p' M 1_q = sum(M): the gradient of ||Y - b||_F^2 by b
        if type(f) is Ones and f.shape[0] != 1 and f.shape[1] != 1:  # (a ones vector: the 1x1 rotation below)
            return sumall(mul(*(ch[i + 1:] + ch[:i])))
    # merge across the wrap-around: tr(X^-1 A X) = tr(A); an inverse of a product anywhere in the
    # cycle: tr(X (X' X)^-1 X') = tr(I) = n
    starts = range(1, len(ch)) if any(isinstance(f, Inverse) and isinstance(f.arg, Mul) for f in ch) else (1,)
    for i in starts:
        rotated = _merge_chain(ch[i:] + ch[:i])
        if len(rotated) < len(ch):
            if not rotated:
                return dimsize(ch[i].shape[0])
            return trace(mul(*rotated))
    n = len(ch)
    for i in range(n):  # a rotation that is 1x1 drops the trace: tr(x y') = y'x
        if ch[i].shape[0] == 1:
            return mul(*(ch[i:] + ch[:i]))
    rev = [transpose(f) for f in reversed(ch)]
    best = None
    for cand in (ch, rev):
        keys = [f.key for f in cand]
        for i in range(n):
            k = keys[i:] + keys[:i]
            if best is None or k < best[0]:
                best = (k, cand, i)
    _, cand, i = best
    chain = cand[i:] + cand[:i]
    m = mul(*chain)
    if isinstance(m, Mul) and not m.is_scalar:
        c, s, ch2 = m.split()
        if c != 1 or s:
            return mul(num(c), *s, trace(_pure_chain(list(ch2))))
        return Trace._make((m,), SCALAR)
    return trace(m)


#: entrywise functions papers write of a square matrix as the matrix function (language/misreadings.py
#: refuses them inside a trace as typed): tr(log(X)) reads as log det X
MATRIX_FUNCTION_NAMES = frozenset({"log", "exp", "sqrt", "log1p", "expm1"})
#: of those, the ones that are 0 at 0: of a diagonal matrix, the entrywise function and the matrix one agree
ZERO_AT_ZERO = frozenset({"sqrt", "log1p", "expm1"})


def _diagonal_valued(e: Expr) -> bool:
    """Is e a diagonal matrix by its form (a variable declared diagonal, diag(v), I, their transposes,
    scalar multiples, sums, products, powers and entrywise products with anything), as the reader's
    misreadings._diagonal_valued decides?"""
    if type(e) is Var:
        return "diagonal" in e.props
    if type(e) in (Diag, Identity):
        return True
    if type(e) is Hadamard:
        return any(k.shape != SCALAR and _diagonal_valued(k) for k in e.children)
    if type(e) is Pow:  # (a positive entrywise power keeps the zeros off the diagonal)
        return e.shape != SCALAR and type(e.exp) is Num and e.exp.value > 0 and _diagonal_valued(e.base)
    if type(e) in (Transpose, Add, Mul, MatPow, Inverse):
        return any(k.shape != SCALAR for k in e.children) and all(
            k.shape == SCALAR or _diagonal_valued(k) for k in e.children)
    return False


def traces_matrix_function(arg: Expr) -> bool:
    """Does tr(arg) reach an entrywise log, exp or sqrt of a square matrix through its products, sums
    and transposes? Such a trace is written sum(diag(arg)): tr(log(X)) is what papers write for
    log det X, and the reader refuses it as typed."""
    whole = arg.arg if type(arg) is Transpose else arg
    stack = [arg]
    while stack:
        e = stack.pop()
        if type(e) is Func or (type(e) is Pow and type(e.exp) is Num and e.exp.value == Fraction(1, 2)):
            # (an entrywise power 1/2 prints as sqrt(...))
            inner = e.arg if type(e) is Func else e.base
            if (type(e) is Pow or e.name in MATRIX_FUNCTION_NAMES) and inner.shape[0] == inner.shape[1] != 1 \
                    and not (e is whole and _diagonal_valued(inner)):  # (a square matrix's; as the reader decides)
                return True
        elif isinstance(e, (Mul, Add, Transpose, MatPow, Inverse)):
            stack.extend(e.children)
    return False


def spd_built(e: Expr) -> bool:
    """Is e a non-diagonal square matrix built from declared spd variables (and I) by sums, products,
    inverses, powers, transposes and scalar factors? Its entrywise square root is written e .^ (1/2):
    sqrt(S) of an spd S is refused by the reader as typed (papers mean the matrix square root), as
    language/misreadings.refuse_matrix_function_of_spd decides."""
    if e.shape == SCALAR or e.shape[0] != e.shape[1] or e.shape[0] == 1 or _diagonal_valued(e):
        return False
    return _spd_leaves(e) is True


def _spd_leaves(e: Expr):
    """True if every matrix in e is an spd variable or I and one is a variable; None if all are I;
    False otherwise."""
    if type(e) is Var:
        return "spd" in e.props or False
    if type(e) is Identity:
        return None
    if type(e) not in (Add, Mul, Transpose, Inverse, MatPow):
        return False
    found = None
    for k in e.children:
        if k.shape == SCALAR:
            continue
        r = _spd_leaves(k)
        if r is False:
            return False
        found = found or r
    return found


def _vec_eye(e: Expr, row: bool) -> bool:
    """Is e vec(I) (a column), or with `row` its transpose vec(I)'?"""
    if row:
        return isinstance(e, Transpose) and _vec_eye(e.arg, False)
    return isinstance(e, Vec) and isinstance(e.arg, Identity)


def partial_trace(chain: Sequence[Expr]) -> tuple | None:
    """(i, T, grid, spec) where chain[i:i + 3] is a partial trace of T, else None: the gradient through
    kron writes one as kron(vec(I_n)', I_p) kron(I_n, T) kron(vec(I_n), I_q), the sum of T's n
    diagonal p x q blocks, or kron(I_m, vec(I_p)') kron(T, I_p) kron(I_n, vec(I_p)), the m x n
    matrix of the traces of T's p x p blocks; `grid` is T's shape as (a, b, c, d), T[(i, j), (k, l)]
    at [i, j, k, l], the first kind summing over i = k, the second over j = l (the einsum `spec`). From
    T's entries; the three factors as arrays are (n^2 p)^2 entries (116 GiB at n = p = 50 for
    the gradient of tr(kron(A, X) C))."""
    for i in range(len(chain) - 2):
        left, mid, right = chain[i:i + 3]
        if not all(isinstance(f, Kron) for f in (left, mid, right)):
            continue
        (l1, l2), (m1, m2), (r1, r2) = left.args, mid.args, right.args
        if _vec_eye(l1, True) and isinstance(l2, Identity) and _vec_eye(r1, False) and isinstance(r2, Identity) \
                and isinstance(m1, Identity) and l1.arg.arg is m1 is r1.arg:
            return i, m2, (m1.args[0], l2.args[0], m1.args[0], r2.args[0]), "ipiq->pq"  # T: (n p) x (n q)
        if _vec_eye(l2, True) and isinstance(l1, Identity) and _vec_eye(r2, False) and isinstance(r1, Identity) \
                and isinstance(m2, Identity) and l2.arg.arg is m2 is r2.arg:
            return i, m1, (l1.args[0], m2.args[0], r1.args[0], m2.args[0]), "ikjk->ij"  # T: (m p) x (n p)
    return None


def refused_as_typed(e: Expr) -> list:
    """The entrywise functions in e that the reader refuses as typed, where papers mean the matrix
    function (language/misreadings.py): a log, exp, sqrt, log1p or expm1 of a matrix built from spd
    ones; an exp or log of a diagonal matrix where more than its diagonal counts; one that a
    determinant is of (through signs, transposes, powers, scalar factors). A trace of one is written
    sum(diag(...)) instead (traces_matrix_function). The printers name these with `where` (a name's
    definition is read as written), so that an answer reads back."""
    found: dict = {}
    diagonal_read: set = set()
    for n in e.walk():
        if type(n) in (Trace, DiagPart):
            _diagonal_read(n.arg, diagonal_read)
        elif type(n) is Hadamard and any(k.shape != SCALAR and _diagonal_valued(k) for k in n.children):
            diagonal_read.update(id(k) for k in n.children)
        elif type(n) in (Det, LogDet):
            f = _determinant_of(n.arg)
            if f is not None:
                found[id(f)] = f
    for n in e.walk():
        if type(n) is not Func or n.name not in MATRIX_FUNCTION_NAMES or not _square_matrix(n.arg):
            continue
        diagonal = _diagonal_valued(n.arg)
        if (not diagonal and _spd_leaves(n.arg) is True) or (
                diagonal and n.name in ("exp", "log") and id(n) not in diagonal_read):
            found[id(n)] = n
    return list(found.values())


def entrywise_matrix_factors(e: Expr, undeclared: frozenset = frozenset()) -> list:
    """The entrywise log, exp, sqrt (and log1p, expm1) of a general square matrix that e multiplies as
    a matrix (exp(t A) x0, x' exp(A) y): read entry by entry, as the language says, where a paper may
    mean the matrix function. Not refused (kernels exp(-D) alpha mean the entrywise one); the questions
    say so in a note. Of a matrix built from `undeclared` variables only (whose sizes the reader chose:
    exp(t A) x0 with A undeclared reads A as m x n), whatever its shape: a paper's A is square there."""
    out: dict = {}
    nodes = list(e.walk())
    if not any(type(n) is Func and n.name in MATRIX_FUNCTION_NAMES for n in nodes):
        return []  # (most formulas: no such function at all, so no product to look through)
    # tr(A' f(X)) is <A, f(X)>, a sum of entrywise products (sum(X .* log(X)) reads so): no matrix product
    inner = {id(n.arg) for n in nodes if type(n) is Trace and type(n.arg) is Mul and len(n.arg.split()[2]) == 2}
    for n in nodes:
        if type(n) is not Mul or id(n) in inner:
            continue
        chain = n.split()[2]
        if len(chain) < 2:
            continue  # (2 exp(A), -log(X): a multiple, not a product)
        if sum(1 for f in chain if type(f) is not Ones) < 2:
            continue  # (sum(exp(X), 1) is ones' exp(X): sums of its columns, no matrix product)
        for f in chain:
            g = f.arg if type(f) is Transpose else f
            if type(g) is Func and g.name in MATRIX_FUNCTION_NAMES and (
                    _square_matrix(g.arg) or _sized_by_the_reader(g.arg, undeclared)) \
                    and not _diagonal_valued(g.arg) and _spd_leaves(g.arg) is not True:
                out[id(g)] = g
    return sorted(out.values(), key=lambda g: g.key)


def _sized_by_the_reader(e: Expr, undeclared: frozenset) -> bool:
    """Is e a matrix (neither vector nor scalar) whose matrix variables are all undeclared? A declared
    scalar beside them (exp(t A) x0 with t: scalar) sizes nothing."""
    if not undeclared or e.shape[0] == 1 or e.shape[1] == 1:
        return False
    arrays = {v.name for v in e.walk() if isinstance(v, Var) and v.shape[0] != 1 and v.shape[1] != 1}
    return bool(arrays) and arrays <= undeclared


def _square_matrix(e: Expr) -> bool:
    return e.shape != SCALAR and e.shape[0] == e.shape[1] and e.shape[0] != 1


def _diagonal_read(e: Expr, out: set) -> None:
    """Add to `out` the ids of the functions of which a trace or diagonal of e reads only the diagonal
    (as the reader's misreadings._diagonal_read decides)."""
    if type(e) is Func:
        out.add(id(e))
    elif type(e) in (Transpose, Add, Hadamard):
        for k in e.children:
            if k.shape != SCALAR:
                _diagonal_read(k, out)
    elif type(e) is Mul:
        rest = [k for k in e.children if k.shape != SCALAR and not _diagonal_valued(k)]
        if len(rest) == 1:
            _diagonal_read(rest[0], out)


def _determinant_of(e: Expr):
    """The entrywise log/exp/sqrt (or .^ (1/2)) of a square matrix a determinant of e is one of, as
    the reader's misreadings._matrix_function_of_determinant decides, else None."""
    while True:
        if (type(e) is Func and e.name in MATRIX_FUNCTION_NAMES) or (
                type(e) is Pow and type(e.exp) is Num and e.exp.value == Fraction(1, 2)):
            inner = e.arg if type(e) is Func else e.base
            if not _square_matrix(inner):
                return None
            name = e.name if type(e) is Func else "sqrt"
            if type(e) is Pow and spd_built(inner):
                return None  # (printed S.^(1/2), which reads as typed)
            return None if name in ZERO_AT_ZERO and _diagonal_valued(inner) else e
        kids = [k for k in e.children if k.shape != SCALAR]
        if type(e) not in (Transpose, Mul, MatPow, Inverse) or len(kids) != 1:
            return None
        e = kids[0]


def sumall(x: Expr) -> Expr:
    if x.shape == SCALAR:
        return x
    if isinstance(x, Add):
        return add(*[sumall(t) for t in x.args])
    if isinstance(x, Zero):
        return ZERO
    if isinstance(x, Ones):
        return mul(dimsize(x.shape[0]), dimsize(x.shape[1]))
    if isinstance(x, Transpose):
        return sumall(x.arg)
    if isinstance(x, Diag):
        return sumall(x.arg)
    if isinstance(x, Identity):
        return dimsize(x.args[0])
    if isinstance(x, Softmax):  # each column sums to 1
        return ONE if x.shape[1] == 1 else dimsize(x.shape[1])
    if isinstance(x, Mul):
        c, s, ch = x.split()
        if c != 1 or s:
            return mul(num(c), *s, sumall(_pure_chain(list(ch))))
        if len(ch) == 2:  # sum(1' M) = sum(M 1) = sum(M): the column (row) sums add up to the sum
            a, b = ch
            if isinstance(a, Ones) and a.shape[0] == 1:
                return sumall(b)
            if isinstance(b, Ones) and b.shape[1] == 1:
                return sumall(a)
        for i in range(1, len(ch)):  # a rank-one product: sum(u v') = sum(u) sum(v)
            if ch[i - 1].shape[1] == 1:
                return mul(sumall(mul(*ch[:i])), sumall(mul(*ch[i:])))
    if isinstance(x, Hadamard) and len(x.args) == 2:
        a, b = x.args
        return inner(a, b)
    if isinstance(x, Kron):  # the entries of A (x) B are the products a_ij b_kl: sum(A) sum(B)
        return mul(sumall(x.args[0]), sumall(x.args[1]))
    if isinstance(x, DiagPart) and traces_matrix_function(x.arg):
        # sum(diag(log(X))) is the trace, which the printers write so (tr(log(X)) is refused as typed): one
        # node for both, so that the text reads back as itself
        return trace(x.arg)
    return Sum._make((x,), SCALAR)


def inner(a: Expr, b: Expr) -> Expr:
    """<A, B> = tr(A'B); for vectors a'b."""
    if a.shape != b.shape:
        raise ShapeError(f"an inner product needs equal shapes, not {_fmt(a.shape)} and {_fmt(b.shape)}")
    if a.shape == SCALAR:
        return mul(a, b)
    if isinstance(a, Ones):
        return sumall(b)
    if isinstance(b, Ones):
        return sumall(a)
    if a.shape[1] == 1:
        return mul(transpose(a), b)
    if a.shape[0] == 1:
        return mul(a, transpose(b))
    if isinstance(a, Identity):
        return trace(b)
    if isinstance(b, Identity):
        return trace(a)
    return trace(mul(transpose(a), b))


def div(a: Expr, b: Expr) -> Expr:
    if not b.is_scalar:
        raise ShapeError(f"can only divide by a scalar, not by shape {_fmt(b.shape)}")
    if is_zero(b):
        raise DivisionByZeroError("division by zero")
    return mul(a, power(b, num(-1)))


def elementwise_div(a: Expr, b: Expr) -> Expr:
    if b.shape == SCALAR:
        return div(a, b)
    return hadamard(a, power(b, num(-1)))


def det(x: Expr) -> Expr:
    if x.shape == SCALAR:
        return x
    if not x.is_square:
        raise ShapeError(f"the determinant needs a square matrix, not shape {_fmt(x.shape)}")
    if isinstance(x, Identity):
        return ONE
    if isinstance(x, Zero):  # (det(X - X): 0, so that log(det(X - X)) is refused as log(0) is)
        return ZERO
    if isinstance(x, Transpose):
        return det(x.arg)
    if isinstance(x, Inverse):
        return power(det(x.arg), num(-1))
    if isinstance(x, MatPow):
        return power(det(x.base), num(x.k))
    if isinstance(x, Mul):  # det(A^-1 X' X) = det(X' X) / det(A)
        split = _split_over_square_groups(x, det, mul, Det)
        if split is not None:
            return split
    lemma = _rank_one_update(x)
    if lemma is not None:
        return lemma
    rotated = _rotated_update(x)
    if rotated is not None:
        return det(rotated)
    return Det._make((x,), SCALAR)


def _rotated_update(x: Expr):
    """I + c A B C with its square factors rotated where two of them then merge: det(I + A B) =
    det(I + B A) (Sylvester's determinant identity), so logdet(I + W^1/2 K W^1/2) is logdet(I + K W)
    with W^1/2 W^1/2 = W (the Laplace approximation's B in a Gaussian process), whose gradient needs
    no square roots. None where no rotation merges (or a factor is not square: the identity's size
    would change)."""
    update = _identity_plus_product(x)
    if update is None:
        return None
    c, s, ch = update
    if len(ch) < 3 or not all(f.shape[0] == f.shape[1] for f in ch):
        return None
    for i in range(1, len(ch)):
        merged = _merge_chain(list(ch[i:]) + list(ch[:i]))
        if len(merged) < len(ch):
            return add(identity(x.shape[0]), mul(num(c), *s, *merged))
    return None


def _identity_plus_product(x: Expr):
    """(c, scalars, chain) where x = I + c scalars chain, one product beside the identity; else None."""
    if not (isinstance(x, Add) and len(x.args) == 2):
        return None
    rest = [t for t in x.args if not isinstance(t, Identity)]
    if len(rest) != 1 or not isinstance(rest[0], Mul):
        return None
    return rest[0].split()


def _rank_one_update(x: Expr):
    """det(I + c u v') = 1 + c v'u (the matrix determinant lemma) for an identity plus one outer
    product (u and v columns, c scalar factors): its gradient in u is v / (1 + v'u), where the
    determinant kept whole gives det(u v' + I) (v u' + I)^-1 v. None for any other x."""
    update = _identity_plus_product(x)
    if update is None:
        return None
    c, s, ch = update
    for i in range(1, len(ch)):
        if ch[i - 1].shape[1] == 1:  # u = ch[:i] (a column), v' = ch[i:] (a row)
            return add(ONE, mul(num(c), *s, mul(*ch[i:]), mul(*ch[:i])))
    return None


def logdet(x: Expr) -> Expr:
    if x.shape == SCALAR:
        return func("log", func("abs", x))
    if not x.is_square:
        raise ShapeError(f"logdet needs a square matrix, not shape {_fmt(x.shape)}")
    if isinstance(x, Identity):
        return ZERO
    if isinstance(x, Zero):  # (logdet(X - X), logdet(0 X): -inf everywhere; its gradient read 0)
        raise DivisionByZeroError("the logdet of the zero matrix (its argument cancels to 0: the function is -inf "
                                  "everywhere)")
    if isinstance(x, Transpose):
        return logdet(x.arg)
    if isinstance(x, Inverse):
        return neg(logdet(x.arg))
    if isinstance(x, MatPow):
        return scale(x.k, logdet(x.base))
    if isinstance(x, Mul):  # logdet(A^-1 X' X) = logdet(X' X) - logdet(A)
        split = _split_over_square_groups(x, logdet, add, LogDet)
        if split is not None:
            return split
    lemma = _rank_one_update(x)  # logdet(I + u v') = log|1 + v'u|
    if lemma is not None:
        return logdet(lemma)
    rotated = _rotated_update(x)  # logdet(I + D K D) = logdet(I + K D^2)
    if rotated is not None:
        return logdet(rotated)
    return LogDet._make((x,), SCALAR)


def _split_over_square_groups(x: Mul, f, combine, node):
    """f (det or logdet) of the product x split over its square groups and combined (a product of
    dets, a sum of logdets), or None where that is not worth it.

    Not worth it when the split would only write one f per square factor with nothing cancelling
    or merging: det(A X B) stays whole, since det(A) det(X) det(B) is longer and the inverse in its
    derivative spreads over the factors anyway ((A X B)^-1 = B^-1 X^-1 A^-1), so the gradient is
    det(A X B) X^-T. A group that simplifies (det(A^-1) = 1 / det(A), det(X') = det(X), two equal
    factors) or has several factors (X' X, whose inverse cannot spread over A X' X) makes it worth it.
    """
    c, s, ch = x.split()
    groups = square_groups(ch) if c == 1 and not s else None
    if groups is None or len(groups) < 2:
        return None
    parts = [f(mul(*g)) for g in groups]
    plain = len({id(p) for p in parts}) == len(parts) and all(
        len(g) == 1 and isinstance(p, node) and p.arg is g[0] for p, g in zip(parts, groups))
    return None if plain else combine(*parts)


def square_groups(chain: Sequence[Expr]) -> list | None:
    """The chain cut into the shortest consecutive runs that are square (A^-1 | X' X), or None
    where the end of the chain is not square on its own. det and logdet split over them:
    det(P Q) = det(P) det(Q) for square P and Q, whatever the shapes inside each."""
    groups, start = [], 0
    for j, f in enumerate(chain):
        if chain[start].shape[0] == f.shape[1]:
            groups.append(list(chain[start:j + 1]))
            start = j + 1
    return groups if start == len(chain) else None


def norm(x: Expr) -> Expr:
    """The Euclidean norm of a vector or the Frobenius norm of a matrix."""
    return sqrt(inner(x, x))


def spectral_norm(x: Expr) -> Expr | None:
    """||x||_2, the largest singular value, where it has a closed form; None elsewhere.

    A rank-one matrix c a b' (an outer product, its chain split where the inner dimension
    is 1) has the single nonzero singular value |c| ||a|| ||b||.
    """
    if isinstance(x, Zero):
        return ZERO
    if not isinstance(x, Mul):
        return None
    c, scal, chain = x.split()
    for i in range(1, len(chain)):
        if chain[i - 1].shape[1] == 1 and chain[i].shape[0] == 1:
            a, b = mul(*chain[:i]), transpose(mul(*chain[i:]))
            s = mul(*scal)
            size = mul(num(abs(c)), norm(a), norm(b))
            return size if not scal else mul(func("abs", s), size)
    return None


def diagpart(x: Expr) -> Expr:
    """The diagonal of a square matrix as a column vector."""
    if x.shape == SCALAR:
        return x
    if not x.is_square:
        raise ShapeError(f"diag(X) needs a square matrix, not shape {_fmt(x.shape)}")
    n = x.shape[0]
    if isinstance(x, Diag):
        return x.arg
    if isinstance(x, (Identity, Ones)):
        return ones((n, 1))
    if isinstance(x, Zero):
        return zeros((n, 1))
    if isinstance(x, Transpose):
        return diagpart(x.arg)
    if isinstance(x, Add):
        return add(*[diagpart(t) for t in x.args])
    if isinstance(x, Mul):
        c, s, ch = x.split()
        if c != 1 or s:
            return mul(num(c), *s, diagpart(_pure_chain(list(ch))))
        for i in range(1, len(ch)):  # a rank-one product: diag(u v') = u .* v
            if ch[i - 1].shape[1] == 1:
                return hadamard(mul(*ch[:i]), transpose(mul(*ch[i:])))
        # diag(P diag(v) Q) = (P .* Q') v (entry i is sum_j P_ij v_j Q_ji), for plain matrices P and
        # Q (A, A'): x' A x written sum(diag(x) A diag(x)) has the gradient (A + A') x; around
        # computed factors the diagonal form is kept (it is the shorter there)
        if len(ch) == 3 and isinstance(ch[1], Diag) and all(_is_leaf(f) or isinstance(f, Ones) for f in ch[::2]):
            return mul(hadamard(ch[0], transpose(ch[2])), ch[1].arg)
        for i, f in enumerate(ch):  # ones(r, c) = 1 1' is rank one too: diag(1 1' A') = A 1, the row sums
            if isinstance(f, Ones):
                r, c = f.shape
                return hadamard(mul(*ch[:i], ones((r, 1))), transpose(mul(ones((1, c)), *ch[i + 1:])))
        flipped = transpose(x)  # diag(M') = diag(M): diag(P^-T B' A') is diag(A B P^-1)
        if type(flipped) is Mul:
            # the orientation with fewer transposes; on a tie the smaller key, so that diag(M) and
            # diag(M') are one node however M was built (a variable given its symmetry after reading
            # left the typed orientation, whose text read back in the other one)
            there, here = _transposed_factors(flipped), _transposed_factors(x)
            if there < here or (there == here and flipped.key < x.key):
                return diagpart(flipped)
    return DiagPart._make((x,), (n, 1))


def _transposed_factors(m: Mul) -> int:
    """How many transposes the factors of m hold ((D Y - X)' distributed holds two)."""
    return sum(1 for f in m.args for n in f.walk() if type(n) is Transpose)


def _axis(axis: int) -> int:
    if axis not in (1, 2):
        raise ShapeError(f"the index to reduce over is 1 (down the columns) or 2 (along the rows), not {axis}")
    return axis


def sum_axis(x: Expr, axis: int) -> Expr:
    """sum(X, 1) = 1' X, the column sums as a 1 x n row; sum(X, 2) = X 1, the row sums as an
    m x 1 column (MATLAB's sum(X, dim); NumPy's axis 0 and 1 with keepdims). The reduced index
    keeps its place, so the result is an ordinary product that every table already knows."""
    if _axis(axis) == 1:
        return mul(transpose(ones((x.shape[0], 1))), x)
    return mul(x, ones((x.shape[1], 1)))


def mean(x: Expr, axis: int | None = None) -> Expr:
    """mean(X): the mean of all entries; mean(X, 1), mean(X, 2): the column or row means, shaped
    as sum(X, 1) and sum(X, 2) are. The sum divided by the count of what it adds."""
    r, c = x.shape
    if axis is None:
        return mul(sumall(x), power(mul(dimsize(r), dimsize(c)), num(-1)))
    if _axis(axis) == 1:
        return mul(sum_axis(x, 1), power(dimsize(r), num(-1)))
    return mul(sum_axis(x, 2), power(dimsize(c), num(-1)))


def softmax(u: Expr, axis: int = 1) -> Expr:
    """softmax(u) = exp(u) / sum(exp(u)) for a vector; of a matrix, of each column (axis 1: each
    column sums to 1) or, with axis 2, of each row (softmax(X')')."""
    if u.shape == SCALAR:
        raise ShapeError("softmax needs a vector or a matrix, not a scalar")
    if _axis(axis) == 2:
        return transpose(softmax(transpose(u)))
    if u.shape[0] == 1:  # a row: each column has one entry, exp(u) / exp(u) = 1
        return ones(u.shape)
    return Softmax._make((u,), u.shape)


def logsumexp(u: Expr, axis: int = 1) -> Expr:
    """log(sum(exp(u))) of a vector, a scalar; of an m x N matrix, of each column, a 1 x N row
    (axis 2: of each row, an m x 1 column, logsumexp(X')'). Evaluated without overflow."""
    if u.shape == SCALAR:
        return u
    if _axis(axis) == 2:
        return transpose(logsumexp(transpose(u)))
    if u.shape[0] == 1:  # a row: each column has one entry, log(exp(u)) = u
        return u
    return LogSumExp._make((u,), (1, u.shape[1]))


def vec(x: Expr) -> Expr:
    r, c = x.shape
    if c == 1:
        return x
    if r == 1:
        return transpose(x)
    if isinstance(x, Mul):
        co, s, ch = x.split()
        if co != 1 or s:
            return mul(num(co), *s, vec(_pure_chain(list(ch))))
    if isinstance(x, Zero):
        return zeros((_dim_mul(r, c), 1))
    if isinstance(x, Ones):
        return ones((_dim_mul(r, c), 1))
    if isinstance(x, Unvec):
        return x.arg
    return Vec._make((x,), (_dim_mul(r, c), 1))


def _vec_trick(p: Expr, q: Expr):
    """(A (x) B) vec(X) = vec(B X A') and vec(X)' (A (x) B) = vec(B' X A)' (Magnus & Neudecker, ch. 2):
    matrix products of the factors instead of the m p x n q Kronecker product, or None."""
    if isinstance(p, Kron) and isinstance(q, Vec):
        a, b = p.args
        if q.arg.shape == (b.shape[1], a.shape[1]):
            return vec(mul(b, q.arg, transpose(a)))
    if isinstance(p, Transpose) and isinstance(p.arg, Vec) and isinstance(q, Kron):
        a, b = q.args
        if p.arg.arg.shape == (b.shape[0], a.shape[0]):
            return transpose(vec(mul(transpose(b), p.arg.arg, a)))
    return None


KRON_MERGES.append(_vec_trick)
SUMALL.append(sumall)


def unvec(v: Expr, shape: Shape) -> Expr:
    """The r x c matrix X with vec(X) = v (column-major), for a vector v of length r*c."""
    r, c = shape
    if v.shape != (_dim_mul(r, c), 1):
        raise ShapeError(f"unvec to {_fmt(shape)} needs a vector of length {_dim_mul(r, c)}, not shape "
                         f"{_fmt(v.shape)}")
    if c == 1:
        return v
    if r == 1:
        return transpose(v)
    if isinstance(v, Vec) and v.arg.shape == (r, c):
        return v.arg
    if isinstance(v, Zero):
        return zeros((r, c))
    if isinstance(v, Ones):
        return ones((r, c))
    if isinstance(v, Kron) and all(f.shape[1] == 1 for f in v.args) and v.args[1].shape[0] == r:
        return mul(v.args[1], transpose(v.args[0]))  # a (x) b = vec(b a')
    if isinstance(v, Add):
        return add(*[unvec(t, shape) for t in v.args])
    if isinstance(v, Mul):
        co, s, ch = v.split()
        if co != 1 or s:
            return mul(num(co), *s, unvec(_pure_chain(list(ch)), shape))
    return Unvec._make((v, r, c), (r, c))
