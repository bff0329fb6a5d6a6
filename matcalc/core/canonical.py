"""Canonicalizing constructors, the recursive core: sums, products, powers, transposes.

Each constructor applies the cheap, always-valid identities at construction time, so
that equal things meet as one hash-consed object: sums are flattened and like terms
collected, products keep exact coefficients in front, scalar factors sorted, powers of
one base merged (X X^-1 = I, X X = X^2), 1x1 sub-chains pulled out as scalars (and
oriented canonically, since a scalar equals its transpose), transposes pushed to the
leaves, traces rotated to a canonical start. Costlier rewrites (expansion, factoring)
live in `calculus/simplify/`. Reductions (trace, det, ...) are in `reductions.py`; all of
them are used through the one namespace `build`.
"""
from __future__ import annotations

from bisect import insort
from fractions import Fraction
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import DivisionByZeroError, LimitError, MatcalcError, ShapeError
from .dims import dim_mul as _dim_mul
from .dims import fmt_shape as _fmt
from .exact import exact_root as _exact_root
from .exact import small_power as _small_power
from .functions import FUNCTIONS
from .nodes import (FRACTION_ONE, SCALAR, Add, Comm, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Identity,
                    Inverse, Kron, MatPow, Mul, Num, Ones, Pow, Softmax, Transpose, Vec,
                    Var, Zero)

if TYPE_CHECKING:
    from .nodes import Dim, Shape

ONE_HALF = Fraction(1, 2)


# ---------------------------------------------------------------- leaves
def num(v: int | Fraction | Num) -> Num:
    if isinstance(v, Num):
        return v
    if type(v) is int:  # the common small integers, without a Fraction's Python-level hash and ==
        n = _SMALL_INTS.get(v)
        if n is not None:
            return n
    elif type(v) is Fraction and v.denominator == 1:
        n = _SMALL_INTS.get(v.numerator)
        if n is not None:
            return n
    # a Fraction is immutable: reuse it (Fraction(Fraction) builds a new one, a hot path here)
    f = v if type(v) is Fraction else Fraction(v)
    if f.numerator.bit_length() > MAX_NUMBER_BITS or f.denominator.bit_length() > MAX_NUMBER_BITS:
        raise LimitError(f"a number of more than {MAX_NUMBER_BITS * 3 // 10:,} digits came out of the formula's numbers "
                         f"(their exact product or power); matcalc keeps numbers exact and refuses ones this large: "
                         f"write smaller numbers, or a name for the factor")
    return Num._make((f,), SCALAR)


#: the most bits of an exact number's numerator or denominator (about 3,000 digits; Python refuses to
#: print an integer of more than 4,300): a product of literals each within the reader's limit can
#: exceed it, and printing or evaluating it raised a bare ValueError
MAX_NUMBER_BITS = 10_000


_SMALL_INTS: dict = {}  # int -> its Num, for -16..16 (filled below, once the constructors exist)


def var(name: str, shape: Shape = SCALAR, props: Iterable[str] = ()) -> Var:
    return Var._make((name, tuple(shape), frozenset(props)), tuple(shape))


def identity(n: Dim) -> Expr:
    if n == 1:
        return ONE
    return Identity._make((n,), (n, n))


def zeros(shape: Shape) -> Expr:
    shape = tuple(shape)
    if shape == SCALAR:
        return ZERO
    return Zero._make(shape, shape)


def ones(shape: Shape) -> Expr:
    shape = tuple(shape)
    if shape == SCALAR:
        return ONE
    return Ones._make(shape, shape)


def dimsize(n: Dim) -> Expr:
    if isinstance(n, int):
        return num(n)
    if "*" in n:  # dim(m*n) = dim(m) dim(n)
        return mul(*[dimsize(int(f) if f.isdigit() else f) for f in n.split("*")])
    return DimSize._make((n,), SCALAR)


def comm(m: Dim, n: Dim) -> Expr:
    """The commutation matrix K with K vec(A) = vec(A') for A of shape (m, n)."""
    if m == 1 or n == 1:
        return identity(_dim_mul(m, n))
    return Comm._make((m, n), (_dim_mul(m, n), _dim_mul(m, n)))


def is_symmetric(e: Expr) -> bool:
    """Equal to its own transpose (as the canonical forms show it)."""
    return e.is_square and transpose(e) is e


def is_zero(e: Expr) -> bool:
    return isinstance(e, Zero) or (isinstance(e, Num) and e.value == 0)


def is_one(e: Expr) -> bool:
    return isinstance(e, Num) and e.value == 1


def is_const(e: Expr) -> bool:
    return isinstance(e, Num)


# ---------------------------------------------------------------- sums
def split_coeff(t: Expr) -> tuple:
    """(c, rest) with t = c * rest and rest carrying no numeric coefficient."""
    if isinstance(t, Num):
        return t.value, ONE
    if isinstance(t, Mul) and isinstance(t.args[0], Num):
        rest = t.args[1:]
        if len(rest) == 1:
            return t.args[0].value, rest[0]
        return t.args[0].value, Mul._make(rest, t.shape)
    return _FRACTION_ONE, t


_FRACTION_ONE = FRACTION_ONE


def add(*terms: Expr) -> Expr:
    """A canonical sum: flattened, scalars broadcast, like terms collected, sorted."""
    if len(terms) > 1:
        # the terms of a sum that exists, in its order: that sum (a canonical sum is a fixed
        # point of add; the simplifier rebuilds sums from their own terms again and again)
        e = Add._existing(terms)
        if e is not None:
            return e
    flat: list = []
    for t in terms:
        if isinstance(t, Add):
            flat.extend(t.args)
        else:
            flat.append(t)
    shape = SCALAR
    for t in flat:
        if t.shape != SCALAR:
            shape = t.shape
            break
    acc: dict = {}
    orig: dict = {}  # rest -> the term itself while it has a single contribution
    for t in flat:
        if is_zero(t):
            continue
        if t.shape != shape:
            if t.shape == SCALAR:
                t = mul(t, ones(shape))
            else:
                raise ShapeError(f"cannot add shapes {_fmt(shape)} and {_fmt(t.shape)}")
        for u in (t.args if isinstance(t, Add) else (t,)):  # broadcasting a scalar sum produces a sum
            c, rest = split_coeff(u)
            if rest in acc:
                acc[rest] = acc[rest] + c
                orig[rest] = None
            else:
                acc[rest] = c
                orig[rest] = u
    items = [(rest, c) for rest, c in acc.items() if c is _FRACTION_ONE or c != 0]  # (1: no Fraction ==)
    if not items:
        return zeros(shape)
    items = _terms_in_key_order(items, max((t for t in terms if isinstance(t, Add)), key=lambda t: len(t.args),
                                           default=None))
    out = [orig[rest] if orig[rest] is not None else scale(c, rest) for rest, c in items]
    if len(out) == 1:
        return out[0]
    return Add._make(tuple(out), shape)


def _term_key(item: tuple) -> tuple:
    return item[0].key, item[1]


def _terms_in_key_order(items: list, total: Expr | None) -> list:
    """The (rest, coefficient) items of a sum sorted by key. Those that are terms of `total` (a
    canonical sum being extended, so already in key order), unchanged, stay in their order and the
    few others are put in place by bisection, as in an elementwise product (_in_key_order): greedy
    factoring adds one group to the rest of a long sum at every step."""
    if total is None or len(total.args) < 8:
        items.sort(key=_term_key)
        return items
    result = dict(items)
    run = []  # total's terms that are in the result unchanged, in total's (key) order
    for a in total.args:
        c, rest = split_coeff(a)
        if result.get(rest) == c:
            run.append((rest, c))
    if len(items) - len(run) > len(run) // 4:
        items.sort(key=_term_key)
        return items
    kept = {rest for rest, _ in run}
    for it in items:
        if it[0] not in kept:
            insort(run, it, key=_term_key)
    return run


def neg(x: Expr) -> Expr:
    return mul(num(-1), x)


def sub(a: Expr, b: Expr) -> Expr:
    return add(a, neg(b))


def scale(c: int | Fraction, x: Expr) -> Expr:
    if type(c) is int:  # (scale(-1, t), the usual call: no Fraction built or compared)
        if c == 1:
            return x
        return mul(num(c), x)
    if type(c) is not Fraction:
        c = Fraction(c)
    if c == 1:
        return x
    return mul(num(c), x)


# ---------------------------------------------------------------- products
def _base_exp(f: Expr):
    """A chain factor as (base, integer exponent), to merge X X^-1 and X X."""
    if isinstance(f, Inverse):
        return f.arg, -1
    if isinstance(f, MatPow):
        return f.base, f.k
    if isinstance(f, Transpose) and f.arg.has_prop("orthogonal"):
        return f.arg, -1
    return f, 1


def _from_base_exp(b: Expr, k: int) -> Expr:
    if k == 1:
        return b
    if b.has_prop("orthogonal"):
        if k < 0:
            return matpow(transpose(b), -k)
        return matpow(b, k)
    return matpow(b, k)


def _chain_shape(chain) -> tuple:
    return (chain[0].shape[0], chain[-1].shape[1])


#: the chain factors that may merge with a neighbour or drop out (below): a chain with none of them,
#: no orthogonal factor transposed and no square factor twice in a row is its own merge
_MERGING = (Kron, Identity, Ones, Softmax, Diag, Inverse, MatPow)


def _merges_nothing(chain: list) -> bool:
    """Is `_merge_chain(chain)` the chain itself? Most products merge nothing (A x, W' (p - y)),
    and this test is far cheaper than the merge it skips."""
    prev = None
    for f in chain:
        if isinstance(f, _MERGING) or f is prev or (type(f) is Transpose and f.args[0].has_prop("orthogonal")):
            return False
        prev = f
    return True


def _merge_chain(chain: list) -> list:
    """Merge adjacent powers of one square base; drop identities; ones' ones = n."""
    if _merges_nothing(chain):
        return chain
    out: list = []  # of (base, k)
    for f in chain:
        if type(f) is Kron and len(out) >= 2 and out[-1][1] == 1 and out[-2][1] == 1 \
                and type(out[-1][0]) is Diag and type(out[-2][0]) is Kron:
            sandwich = _diag_sandwich(out[-2][0], out[-1][0], f)
            if sandwich is not None:  # (a product: mul() flattens it, as for any merge that made one)
                del out[-2:]
                out.append((sandwich, 1))
                continue
        while (type(f) is Kron or (out and type(out[-1][0]) is Kron)) and out and out[-1][1] == 1:
            merged = _merge_with_kron(out[-1][0], f)
            if merged is None:
                break
            out.pop()
            f = merged
        if isinstance(f, Identity):
            continue
        if isinstance(f, Ones) and out and isinstance(out[-1][0], Ones) and out[-1][1] == 1:
            prev = out.pop()[0]  # ones(p,n) ones(n,q) = n ones(p,q)
            out.append((mul(dimsize(prev.shape[1]), ones((prev.shape[0], f.shape[1]))), 1))
            continue
        if isinstance(f, Ones) and f.shape[1] != 1 and out and out[-1][1] == 1 and out[-1][0].shape[0] == 1:
            prev = out.pop()[0]  # a ones(n, q) = sum(a) ones(1, q), a row: (x - mean(x))' ones(n, n) = 0
            out.append((mul(SUMALL[0](transpose(prev)), ones((1, f.shape[1]))), 1))
            continue
        if out and out[-1][1] == 1 and isinstance(out[-1][0], Ones) and out[-1][0].shape[0] != 1 \
                and f.shape[1] == 1 and f.shape[0] != 1:
            prev = out.pop()[0]  # ones(p, n) b = sum(b) ones(p), b a column
            out.append((mul(SUMALL[0](f), ones((prev.shape[0], 1))), 1))
            continue
        if out and out[-1][1] == 1 and (  # ones(p, n) softmax(Z) = ones(p, m): each column sums to 1
                (type(f) is Softmax and isinstance(out[-1][0], Ones))
                or (isinstance(f, Ones) and type(out[-1][0]) is Transpose and type(out[-1][0].args[0]) is Softmax)):
            prev = out.pop()[0]
            f = ones((prev.shape[0], f.shape[1]))
        if out and out[-1][1] == 1 and (  # diag(h) ones(n) = h, ones(1, n) diag(h) = h': the row sums
                (isinstance(f, Ones) and f.shape[1] == 1 and isinstance(out[-1][0], Diag))
                or (isinstance(f, Diag) and isinstance(out[-1][0], Ones) and out[-1][0].shape[0] == 1)):
            prev = out.pop()[0]
            f = prev.args[0] if isinstance(prev, Diag) else transpose(f.args[0])
        b, k = _base_exp(f)
        if out and out[-1][0] is b and b.is_square:
            k2 = out[-1][1] + k
            out.pop()
            if k2 != 0:
                out.append((b, k2))
            continue
        out.append((b, k))
    result = [_from_base_exp(b, k) for b, k in out]
    if len(result) > 2 and any(type(f) is Inverse and type(f.args[0]) is Mul for f in result):
        cancelled = _cancel_inverse_runs(result)
        if len(cancelled) < len(result):
            return _merge_chain(cancelled)  # (what the cancellation brings together may merge in turn)
    return result


def _cancel_inverse_runs(chain: list) -> list:
    """M^-1 m1 ... mk and m1 ... mk M^-1 dropped where M = m1 ... mk is a product of those factors:
    (X' X)^-1 X' X = I, the projection X (X' X)^-1 X' X = X."""
    i = 0
    while i < len(chain):
        f = chain[i]
        if type(f) is Inverse and type(f.args[0]) is Mul:
            c, s, base = f.args[0].split()
            k = len(base)
            if c == 1 and not s:
                if tuple(chain[i + 1:i + 1 + k]) == base:
                    chain = chain[:i] + chain[i + 1 + k:]
                    continue
                if i >= k and tuple(chain[i - k:i]) == base:
                    chain = chain[:i - k] + chain[i + 1:]
                    i -= k
                    continue
        i += 1
    return chain


#: the sum of an array's entries (reductions.sumall, registered there: it needs the constructors above
#: this module); a row times a matrix of ones is its sum times a row of ones (`_merge_chain`)
SUMALL: list = []


#: merges of a Kronecker product with its neighbour in a chain that need constructors of the modules
#: above (reductions.py registers the vec trick, (A (x) B) vec(X) = vec(B X A')): f(left, right) -> the
#: merged factor, or None
KRON_MERGES: list = []


def _merge_with_kron(p: Expr, q: Expr):
    """Two adjacent chain factors, one of them a Kronecker product, as one factor, or None."""
    if isinstance(p, Kron) and isinstance(q, Kron):
        return _mixed_product(p, q)
    for merge in KRON_MERGES:
        r = merge(p, q)
        if r is not None:
            return r
    return None


def _diag_sandwich(left: Kron, mid: Diag, right: Kron):
    """An entrywise product read off through vec, as one product without Kronecker factors, or None.

    With D = diag(vec(E)), E of size p x q, u and v of length q, w and z of length p (vec is
    column-major, so kron(v, I_p) dx = vec(dx v') and kron(u', I_p) vec(M) = M u):

        kron(u', I_p) D kron(v, I_p) = diag(E (u .* v))      kron(u', I_p) D kron(I_q, z) = diag(z) E diag(u)
        kron(I_q, w') D kron(v, I_p) = diag(v) E' diag(w)    kron(I_q, w') D kron(I_q, z) = diag(E' (w .* z))

    The Jacobian of exp(x x') b, kron(b', I) diag(vec(exp(x x'))) (kron(x, I) + kron(I, x)), is
    diag(E (b .* x)) + diag(x) E diag(b) with E = exp(x x')."""
    if type(mid.args[0]) is not Vec:
        return None
    e = mid.args[0].args[0]
    p, q = e.shape

    def side(k: Kron, rows_first: bool):
        """("cols", u) where k weighs E's columns by u, ("rows", w) where it weighs its rows, else None."""
        a, b = k.args
        if type(b) is Identity and b.args[0] == p and (a.shape == (1, q) if rows_first else a.shape == (q, 1)):
            return "cols", transpose(a) if rows_first else a
        if type(a) is Identity and a.args[0] == q and (b.shape == (1, p) if rows_first else b.shape == (p, 1)):
            return "rows", transpose(b) if rows_first else b
        return None
    lk, rk = side(left, True), side(right, False)
    if lk is None or rk is None:
        return None
    (lw, u), (rw, v) = lk, rk
    if lw == "cols" and rw == "cols":
        return diag(mul(e, hadamard(u, v)))
    if lw == "cols":
        return mul(diag(v), e, diag(u))
    if rw == "cols":
        return mul(diag(v), transpose(e), diag(u))
    return diag(mul(transpose(e), hadamard(u, v)))


def _mixed_product(p: Kron, q: Kron):
    """(A (x) B) (C (x) D) = (A C) (x) (B D) where A C and B D are products (Magnus & Neudecker,
    ch. 2: the mixed-product rule), else None: one Kronecker product instead of two, and the
    factors meet (A^-1 A, B' B) where they can cancel or merge."""
    (a, b), (c, d) = p.args, q.args
    if a.shape[1] != c.shape[0] or b.shape[1] != d.shape[0]:
        return None
    return kron(mul(a, c), mul(b, d))


def _transpose_key(f: Expr) -> tuple:
    """The key of transpose(f), without building it when that is easy."""
    t = f._c.get("T")
    if t is not None:
        return t.key
    if isinstance(f, Transpose):
        return f.arg.key
    if isinstance(f, Var) and not f.symmetric_prop():
        return (Transpose.rank, (f,))
    return transpose(f).key


def _orient(chain: list) -> list:
    """Of a 1x1 chain and its transpose, the one with the smaller key (decided factor by factor)."""
    n = len(chain)
    for i in range(n):
        ka = chain[i].key
        kb = _transpose_key(chain[n - 1 - i])
        if ka != kb:
            return chain if ka < kb else [transpose(f) for f in reversed(chain)]
    return chain


def _pure_chain(chain: list) -> Expr:
    """A Mul of only chain factors (no coefficient, no scalars); chain is canonical already."""
    if len(chain) == 1:
        return chain[0]
    return Mul._make(tuple(chain), _chain_shape(chain))


def _is_leaf(f: Expr) -> bool:
    return isinstance(f, Var) or (isinstance(f, Transpose) and isinstance(f.args[0], Var))


def _plain_chain_factor(f: Expr) -> bool:
    """Is f a matrix (or vector) that the general path of mul keeps as the whole chain of a product, as
    it is: no number, product or zero, nothing `_merge_chain` merges or drops (`_merges_nothing`)?"""
    return f.shape != SCALAR and not isinstance(f, (Num, Mul, Zero)) and not isinstance(f, _MERGING) \
        and not (type(f) is Transpose and f.args[0].has_prop("orthogonal"))


def mul(*factors: Expr) -> Expr:
    """A canonical product. Factors of shape 1x1 act as scalars; the rest must chain."""
    if len(factors) > 1:
        e = Mul._existing(factors)  # the factors of a product that exists: that product (a fixed point)
        if e is not None:
            return e
    if len(factors) == 2:  # fast path: x'y and x y' of plain vectors (common in long sums)
        a, b = factors
        if type(a) is Num and _plain_chain_factor(b):
            # a number times one matrix factor that merges with nothing (-1 x, 2 A', (A x - b) / 2):
            # what the general path below makes of it, without its lists and passes
            if a is ONE:
                return b
            if a is ZERO:
                return zeros(b.shape)
            return Mul._make((a, b), b.shape)
        if _is_leaf(a) and _is_leaf(b) and a.shape[1] == b.shape[0] and a.shape != SCALAR \
                and b.shape != SCALAR and a.shape[0] != a.shape[1] and b.shape[0] != b.shape[1]:
            shape = (a.shape[0], b.shape[1])
            if shape == SCALAR:
                ch = _orient([a, b])
                return Mul._make(tuple(ch), SCALAR)
            if a.shape[0] != 1 and b.shape[1] != 1:
                return Mul._make((a, b), shape)
    # the coefficient: the shared FRACTION_ONE until a factor brings one (no Fraction is built,
    # compared or multiplied for the many products without a coefficient)
    coeff = _FRACTION_ONE
    scal: list = []
    chain: list = []
    zero = False
    for f in factors:
        if isinstance(f, Num):
            if f is not ONE:
                coeff = f.value if coeff is _FRACTION_ONE else coeff * f.value
        elif isinstance(f, Mul):
            c, s, ch = f.split()
            if c is not _FRACTION_ONE:
                coeff = c if coeff is _FRACTION_ONE else coeff * c
            scal.extend(s)
            if ch:
                if not s and c is _FRACTION_ONE and f.shape == SCALAR:  # (a product's Num coefficient is never 1)
                    scal.append(f)  # a pure 1x1 chain is a scalar base
                elif len(ch) >= 2 and _chain_shape(ch) == SCALAR:
                    scal.append(_pure_chain(list(ch)))
                else:
                    chain.extend(ch)
        elif isinstance(f, Zero):
            zero = True
            chain.append(f)
        elif f.shape == SCALAR:
            scal.append(f)
        else:
            chain.append(f)
    # shape of the result, checked
    for a, b in zip(chain, chain[1:]):
        if a.shape[1] != b.shape[0]:
            raise ShapeError(f"cannot multiply shapes {_fmt(a.shape)} and {_fmt(b.shape)}")
    if zero or (coeff is not _FRACTION_ONE and coeff == 0):
        return zeros(_chain_shape(chain) if chain else SCALAR)
    if chain:
        shape = _chain_shape(chain)
        chain = _merge_chain(chain)
        if any(isinstance(f, (Mul, Zero)) or f.shape == SCALAR for f in chain):  # a merge made a product (or 0)
            return mul(num(coeff), *scal, *chain)
        if not chain:
            chain = [identity(shape[0])] if shape != SCALAR else []
        chain = _extract_scalars(chain, scal)
        if chain and len(chain) >= 2 and _chain_shape(chain) == SCALAR:
            scal.append(_pure_chain(_orient(chain)))
            chain = []
        elif len(chain) == 1 and chain[0].shape == SCALAR:
            scal.append(chain[0])
            chain = []
    # the scalar monomial: merge powers of equal bases
    mono: dict = {}
    order: list = []
    for s in scal:
        if isinstance(s, Num):
            coeff = s.value if coeff is _FRACTION_ONE else coeff * s.value
            continue
        if isinstance(s, Mul):  # a scalar Mul produced by transposes or orientation
            c, s2, ch = s.split()
            if c is not _FRACTION_ONE or s2:  # (a product's Num coefficient is never 1)
                coeff = c if coeff is _FRACTION_ONE else coeff * c
                items = list(s2) + ([_pure_chain(list(ch))] if ch else [])
                for t in items:
                    b, e = _scalar_base_exp(t)
                    if b not in mono:
                        order.append(b)
                        mono[b] = e
                    else:
                        mono[b] = _add_exp(mono[b], e)
                continue
        b, e = _scalar_base_exp(s)
        if b not in mono:
            order.append(b)
            mono[b] = e
        else:
            mono[b] = _add_exp(mono[b], e)
    scalars = []
    rebased = False  # a power that came out on another base (abs(a^2)^2 = a^4, (a b)^2 = a^2 b^2)
    for b in order:
        e = mono[b]
        if e is _FRACTION_ONE:  # the usual case: a factor once, to the first power
            p = b
        elif isinstance(e, Expr):
            p = power(b, e)
        elif e == 0:
            continue
        else:
            p = power(b, num(e)) if e != 1 else b
        if isinstance(p, Num):
            coeff = p.value if coeff is _FRACTION_ONE else coeff * p.value
        elif isinstance(p, Mul) and not p.split()[2]:  # e.g. (2 s)^2 distributed
            c, s2, _ = p.split()
            coeff = c if coeff is _FRACTION_ONE else coeff * c
            scalars.extend(s2)
            rebased = True
        else:
            scalars.append(p)
            if p is not b and _scalar_base_exp(p)[0] is not b:
                rebased = True
    if rebased and len(scalars) > 1:  # its base may be another factor's: a^2 abs(a^2)^2 is a^6, one factor
        bases = [_scalar_base_exp(t)[0] for t in scalars]
        if len(set(bases)) < len(bases):
            return mul(num(coeff), *scalars, *chain)
    if coeff is not _FRACTION_ONE and coeff == 0:
        return zeros(_chain_shape(chain) if chain else SCALAR)
    scalars.sort(key=lambda s: s.key)
    args = ([num(coeff)] if coeff is not _FRACTION_ONE and coeff != 1 else []) + scalars + chain
    if not args:
        return ONE
    if len(args) == 1:
        return args[0]
    shape = _chain_shape(chain) if chain else SCALAR
    return Mul._make(tuple(args), shape)


def _extract_scalars(chain: list, scal: list) -> list:
    """Pull 1x1 sub-chains (x'A y inside a longer chain) out into `scal`."""
    n = len(chain)
    if n < 2:
        return chain
    out: list = []
    i = 0
    while i < n:
        f = chain[i]
        if f.shape[0] == 1:
            j = i
            while j < n and chain[j].shape[1] != 1:
                j += 1
            if i < j < n and not (i == 0 and j == n - 1):
                scal.append(_pure_chain(_orient(chain[i:j + 1])))
                i = j + 1
                continue
        out.append(f)
        i += 1
    return out


def _scalar_base_exp(s: Expr):
    """A scalar factor as (base, exponent); the exponent is a Fraction or a scalar Expr."""
    if isinstance(s, Pow) and s.base.shape == SCALAR:
        if isinstance(s.exp, Num):
            return s.base, s.exp.value
        return s.base, s.exp
    return s, _FRACTION_ONE


def _add_exp(a, b):
    if isinstance(a, Expr) or isinstance(b, Expr):
        r = add(a if isinstance(a, Expr) else num(a), b if isinstance(b, Expr) else num(b))
        return r.value if isinstance(r, Num) else r
    return a + b


# ---------------------------------------------------------------- powers
def power(b: Expr, e: Expr | int | Fraction) -> Expr:
    """b ^ e for a scalar exponent e: an ordinary power of a scalar, elementwise otherwise; an
    exponent of the base's shape raises each entry to its own power (x .^ y of two vectors)."""
    if not isinstance(e, Expr):
        e = num(e)
    if isinstance(e, Mul) and e.shape == SCALAR:  # b^((p - 4)/2) is b^(p/2 - 2): one form per exponent
        c, s, ch = e.split()
        if c is not _FRACTION_ONE and len(s) + len(ch) == 1 and isinstance((s or ch)[0], Add):
            e = add(*[scale(c, t) for t in (s or ch)[0].args])
    if not e.is_scalar:
        if e.shape != b.shape:
            if b.shape == SCALAR:  # (2 .^ x: a number to the power of each entry)
                raise ShapeError(f"a scalar base to the power of each entry of an array ({_fmt(e.shape)}) is "
                                 f"written with exp: exp(log(c) x) for c .^ x, c > 0")
            raise ShapeError(f"an elementwise power's exponent is a scalar or has the base's shape "
                             f"({_fmt(b.shape)}), not shape {_fmt(e.shape)}")
        if isinstance(b, Ones):
            return b
        if isinstance(e, Zero):
            return ones(b.shape)
        return Pow._make((b, e), b.shape)
    if isinstance(e, Num):
        if e is ZERO:  # (a Num of value 0 or 1 is ZERO or ONE: nodes are hash-consed)
            return ones(b.shape)
        if e is ONE:
            return b
        ev = e.value
        if isinstance(b, Zero) and ev < 0:  # (x ./ (x - x): 1 ./ zeros(n), infinite everywhere)
            raise DivisionByZeroError("division by zero (an array of zeros raised to a negative power)")
        if isinstance(b, Num):
            bv = b.value
            if bv == 0 and ev < 0:
                raise DivisionByZeroError("division by zero (0 raised to a negative power)")
            if ev.denominator == 1 and _small_power(bv, ev):
                return num(bv ** int(ev))
            if ev.denominator == 1:
                return Pow._make((b, e), SCALAR)  # too large to write out exactly
            r = _exact_root(bv, ev.denominator)
            if r is not None and not _small_power(r, Fraction(ev.numerator)):
                r = None
            if r is not None:
                if r == 0 and ev < 0:
                    raise DivisionByZeroError("division by zero (0 raised to a negative power)")
                return num(r ** ev.numerator)
            return Pow._make((b, e), SCALAR)
        if isinstance(b, (Ones,)):
            return b
        if ev < 0 or ev.denominator != 1 or isinstance(b, Diag):
            v = _diagonal_vector(b)
            if v is not None:  # (diag(v).^2 is diag(v.^2) too)
                # sqrt(D) of a diagonal D is diag(sqrt(diag(D))), D^(1/2)'s node: entry by entry its derivative
                # dD ./ (2 sqrt(D)) was 0/0 off the diagonal, and every Hessian and Jacobian of it NaN; a
                # negative power is infinite off it (I ./ D.^2 in a Hessian)
                return diag(power(v, e))
        if isinstance(b, Pow) and ev.denominator == 1:  # (b^c)^k = b^(c k) for an integer k
            if isinstance(b.exp, Num):
                return power(b.base, num(b.exp.value * ev))
            x = b.exp  # (t^(1 + a))^-1 = t^(-1 - a): the integer distributes over a sum exponent
            return power(b.base, add(*[scale(ev, t) for t in x.args]) if isinstance(x, Add) else scale(ev, x))
        if ev.denominator == 1 and isinstance(b, Mul):
            c, s, ch = b.split()
            if b.shape == SCALAR:
                if c != 1 or s:
                    parts = [power(num(c), e)] + [power(x, e) for x in s]
                    if ch:
                        parts.append(power(_pure_chain(list(ch)), e))
                    return mul(*parts)
            elif c != 1 or s:  # (2 x).^-1 = x.^-1 / 2: scalars come out of an entrywise integer power
                return mul(power(num(c), e), *[power(x, e) for x in s], power(_pure_chain(list(ch)), e))
        if isinstance(b, Func) and b.name == "abs" and ev.denominator == 1 and ev % 2 == 0:
            return power(b.arg, e)  # |a|^2 = a^2
        if ev.denominator != 1 and isinstance(b, Pow) and isinstance(b.exp, Num) and b.shape == SCALAR \
                and _positive_scalar(b.base):
            return power(b.base, num(b.exp.value * ev))  # (t^2)^(1/3) = t^(2/3) for t > 0
        if ev.denominator != 1 and isinstance(b, Pow) and isinstance(b.exp, Num) and b.shape == SCALAR \
                and b.exp.value.denominator == 1 and b.exp.value % 2 == 0 and (b.exp.value * ev).denominator == 1:
            base = b.base if _positive_scalar(b.base) else func("abs", b.base)  # (sqrt(t^2) = t for t > 0)
            return power(base, num(b.exp.value * ev))  # sqrt(a^2) = |a|, (a^-2)^(-1/2) = |a|
        if ev.denominator != 1 and isinstance(b, Mul) and b.shape == SCALAR:
            c, s, ch = b.split()
            out = [x for x in s if _comes_out_of_root(x, ev)]
            if ev.denominator == 2 and c > 0 and not ch:
                # sqrt(x'x y'y) = ||x|| ||y|| (||x y'||_F): products M'M come out of a square root as
                # norms where nothing else stays under it (sqrt(a x'x) stays one root)
                norms = [x for x in s if _self_inner(x) and not any(x is y for y in out)]
                if norms and len(out) + len(norms) == len(s):
                    out += norms
            if out:
                # (t^2 x'x)^(1/2) = t ||x|| for t > 0 (a declared positive scalar, a size): the root of a
                # product of a positive factor and anything is the product of their roots, taken where the
                # factor's root is a whole power (sqrt(t a) stays one root)
                rest = [x for x in s if not any(x is y for y in out)]
                left = [power(mul(num(c), *rest, *ch), e)] if rest or ch or c != 1 else []
                return mul(*[power(x, e) for x in out], *left)
            r = _exact_root(c, ev.denominator) if c > 0 and c != 1 else None
            if r is not None and _small_power(r, Fraction(ev.numerator)):
                # (4 y)^(1/2) = 2 y^(1/2): a positive coefficient's exact root comes out
                return mul(num(r ** ev.numerator), power(mul(*s, *ch), e))
        if ev.denominator == 1 and isinstance(b, Hadamard):
            return hadamard(*[power(x, e) for x in b.args])
        if isinstance(b, Zero) and ev > 0:
            return b
    elif isinstance(b, Num) and b.value == 1:
        return b
    elif isinstance(b, Pow) and b.shape == SCALAR and isinstance(b.exp, Num) and b.exp.value.denominator % 2 == 0:
        # (s^(1/2))^p = s^(p/2): s >= 0 wherever s^(1/2) is real, so ||x||^p ||x||^-1 merge into one power
        r = b.exp.value
        return power(b.base, add(*[scale(r, t) for t in e.args]) if isinstance(e, Add) else scale(r, e))
    return Pow._make((b, e), b.shape)


def sqrt(x: Expr) -> Expr:
    return power(x, num(ONE_HALF))


def matpow(x: Expr, k: int) -> Expr:
    """The integer matrix power X^k of a square matrix (k < 0: (X^-1)^|k|)."""
    if x.shape == SCALAR:
        return power(x, num(k))
    if not x.is_square:
        raise ShapeError(f"a matrix power needs a square matrix, not shape {_fmt(x.shape)}")
    if k == 0:
        return identity(x.shape[0])
    if k == 1:
        return x
    if isinstance(x, Identity) or (isinstance(x, Zero) and k > 0):  # (0^k = 0: tr((C - C)^2) is 0)
        return x
    if isinstance(x, Ones) and k > 0:  # ones(n, n)^k = n^(k-1) ones(n, n), as the product of ones is
        return mul(power(dimsize(x.shape[0]), num(k - 1)), x)
    if isinstance(x, Inverse):
        return matpow(x.arg, -k)
    if isinstance(x, MatPow):
        return matpow(x.base, x.k * k)
    if isinstance(x, Diag):  # diag(v)^k = diag(v.^k), as diag(v)^-1 is diag(1 ./ v)
        return diag(power(x.args[0], num(k)))
    if isinstance(x, Kron) and x.args[0].is_square and x.args[1].is_square:  # (A (x) B)^k = A^k (x) B^k
        return kron(matpow(x.args[0], k), matpow(x.args[1], k))
    if k == -1:
        return inverse(x)
    if isinstance(x, Mul):
        c, s, ch = x.split()
        if c != 1 or s:
            return mul(power(mul(num(c), *s), num(k)), matpow(_pure_chain(list(ch)), k))
    if x.has_prop("orthogonal") and k < 0:
        return matpow(transpose(x), -k)
    return MatPow._make((x, k), x.shape)


def inverse(x: Expr) -> Expr:
    if x.shape == SCALAR:
        return power(x, num(-1))
    if not x.is_square:
        raise ShapeError(f"only a square matrix has an inverse, not shape {_fmt(x.shape)}")
    if isinstance(x, Identity):
        return x
    if isinstance(x, Inverse):
        return x.arg
    if isinstance(x, MatPow):
        return matpow(x.base, -x.k)
    if isinstance(x, Zero):
        raise MatcalcError("the zero matrix has no inverse")
    if x.has_prop("orthogonal"):
        return transpose(x)
    if isinstance(x, Mul):
        c, s, ch = x.split()
        if c != 1 or s:
            return mul(power(mul(num(c), *s), num(-1)), inverse(_pure_chain(list(ch))))
        if all(f.is_square for f in ch):
            return mul(*[inverse(f) for f in reversed(ch)])
    if isinstance(x, Diag):
        return diag(power(x.arg, num(-1)))
    if isinstance(x, Kron) and x.args[0].is_square and x.args[1].is_square:  # (A (x) B)^-1 = A^-1 (x) B^-1
        return kron(inverse(x.args[0]), inverse(x.args[1]))
    return Inverse._make((x,), x.shape)


# ---------------------------------------------------------------- transpose
def transpose(x: Expr) -> Expr:
    """X' with the transpose pushed to the leaves; cached on the node."""
    t = x._c.get("T")
    if t is not None:
        return t
    t = _transpose(x)
    x._c["T"] = t
    if t is not x:
        t._c.setdefault("T", x)
    return t


def _transpose(x: Expr) -> Expr:
    r, c = x.shape
    if x.shape == SCALAR:
        return x
    if isinstance(x, Var):
        if r == c and (x.has_prop("symmetric") or x.has_prop("spd") or x.has_prop("diagonal")):
            return x
        return Transpose._make((x,), (c, r))
    if isinstance(x, Transpose):
        return x.arg
    if isinstance(x, Add):
        return add(*[transpose(a) for a in x.args])
    if isinstance(x, Mul):
        co, s, ch = x.split()
        return mul(num(co), *s, *[transpose(f) for f in reversed(ch)])
    if isinstance(x, Inverse):
        return inverse(transpose(x.arg))
    if isinstance(x, MatPow):
        return matpow(transpose(x.base), x.k)
    if isinstance(x, Hadamard):
        return hadamard(*[transpose(a) for a in x.args])
    if isinstance(x, Func):
        return func(x.name, transpose(x.arg))
    if isinstance(x, Pow):
        return power(transpose(x.base), transpose(x.exp))
    if isinstance(x, (Identity, Diag)):
        return x
    if isinstance(x, Zero):
        return zeros((c, r))
    if isinstance(x, Ones):
        return ones((c, r))
    if isinstance(x, Kron):
        return kron(transpose(x.args[0]), transpose(x.args[1]))
    if isinstance(x, Comm):
        return comm(x.args[1], x.args[0])
    return Transpose._make((x,), (c, r))


# ---------------------------------------------------------------- elementwise
def hadamard(*factors: Expr) -> Expr:
    """A canonical elementwise product: scalars pulled out, equal bases merged into powers."""
    if len(factors) > 1:
        e = Hadamard._existing(factors)  # (a canonical elementwise product is a fixed point)
        if e is not None:
            return e
    scal: list = []
    flat: list = []
    for f in factors:
        if isinstance(f, Hadamard):
            flat.extend(f.args)
        elif f.shape == SCALAR:
            scal.append(f)
        elif isinstance(f, Mul):
            c, s, ch = f.split()
            if c != 1 or s:
                scal.append(num(c))
                scal.extend(s)
                g = _pure_chain(list(ch))
                if isinstance(g, Hadamard):
                    flat.extend(g.args)
                else:
                    flat.append(g)
            else:
                flat.append(f)
        else:
            flat.append(f)
    if not flat:
        return mul(*scal)
    shape = flat[0].shape
    for f in flat:
        if f.shape != shape:
            raise ShapeError(f"elementwise product of shapes {_fmt(shape)} and {_fmt(f.shape)}")
    if any(isinstance(f, Zero) for f in flat):
        return zeros(shape)
    mono: dict = {}
    order: list = []
    for f in flat:
        if isinstance(f, Ones):
            continue
        if isinstance(f, Pow):  # (a symbolic exponent too: x.^(x - 1) .* x = x.^x)
            b, e = f.base, (f.exp.value if isinstance(f.exp, Num) else f.exp)
        else:
            b, e = f, _FRACTION_ONE
        if b not in mono:
            order.append(b)
            mono[b] = e
        else:
            mono[b] = _add_exp(mono[b], e)
    out = []
    for b in order:
        e = mono[b]
        if e is _FRACTION_ONE:  # the usual case: a factor once, to the first power
            out.append(b)
            continue
        if isinstance(e, Expr):
            out.append(power(b, e))
            continue
        if e == 0:
            continue
        out.append(power(b, num(e)) if e != 1 else b)
    if not out:
        return mul(*scal, ones(shape))
    out = _in_key_order(out, max((f for f in factors if isinstance(f, Hadamard)), key=lambda f: len(f.args),
                                 default=None))
    if len(out) > 1 and any(isinstance(f, (Identity, Diag)) for f in out):
        # I .* exp(D), diag(v) .* f(D) of a diagonal D: only the diagonal counts, the diagonal matrix of the
        # diagonals' product (I .* log(D) was 0 times -inf off the diagonal, NaN)
        vs = [_entrywise_diagonal(f) for f in out]
        if all(v is not None for v in vs):
            return mul(*scal, diag(hadamard(*vs)))
    if len(out) == 1:
        h = out[0]
    else:
        h = Hadamard._make(tuple(out), shape)
    return mul(*scal, h) if scal else h


def _diagonal_vector(x: Expr):
    """The vector on the diagonal of x where x is a diagonal matrix by its form (diag(v), I, a variable
    declared diagonal); else None."""
    if x.shape == SCALAR or x.shape[0] != x.shape[1] or x.shape[1] == 1:
        return None
    if isinstance(x, Diag):
        return x.arg
    if isinstance(x, Identity):
        return ones((x.shape[0], 1))
    if isinstance(x, Var) and "diagonal" in x.props:
        return DiagPart._make((x,), (x.shape[0], 1))
    return None


def _entrywise_diagonal(f: Expr):
    """The diagonal of f as a vector, where f is a diagonal matrix by its form or an entrywise function
    or power of one; else None."""
    v = _diagonal_vector(f)
    if v is not None:
        return v
    if isinstance(f, Func):
        v = _diagonal_vector(f.arg)
        return func(f.name, v) if v is not None else None
    if isinstance(f, Pow) and isinstance(f.exp, Num):
        v = _diagonal_vector(f.base)
        return power(v, f.exp) if v is not None else None
    return None


def _node_key(f: Expr) -> tuple:
    return f.key


def _in_key_order(items: list, product: Expr | None) -> list:
    """items sorted by key. Those that are factors of `product` (a canonical product being
    extended, so already in key order) stay in their order and the few others are put in place by
    bisection: comparing the keys of two deeply nested factors costs their depth, and the chain
    rule through d nested functions extends a product d times (a full sort each time made it d^3)."""
    if product is None or len(product.args) < 8:
        items.sort(key=_node_key)
        return items
    present = set(items)
    run = [f for f in product.args if f in present]  # in product's (key) order
    mine = set(run)
    others = [f for f in items if f not in mine]
    if len(others) > len(run) // 4:
        items.sort(key=_node_key)
        return items
    for f in others:
        insort(run, f, key=_node_key)
    return run


def func(name: str, x: Expr) -> Expr:
    """An elementwise scalar function; exact values, inverse pairs and idempotence fold."""
    spec = FUNCTIONS.get(name)
    if spec is None:
        raise MatcalcError(f"unknown function {name!r}")
    if spec.rewrite:
        return globals()[spec.rewrite](x)
    if isinstance(x, Num):
        v = spec.exact(x.value) if spec.exact else None
        if v is not None:
            return num(v)
    if isinstance(x, Func) and ((spec.inverse and x.name == spec.inverse) or (spec.idempotent and x.name == name)):
        return x.arg if x.name != name else x
    if isinstance(x, Zero) and spec.exact and spec.exact(Fraction(0)) == 0:
        return x
    if name == "log" and (x is ZERO or isinstance(x, Zero)):  # (log(x'x - x'x): -inf everywhere, no derivative)
        raise DivisionByZeroError("the log of zero (its argument cancels to 0: the function is -inf everywhere)")
    if spec.positive and (_positive_size(x) or (x.shape == SCALAR and _positive_scalar(x))):
        return x if spec.positive == "u" else ONE  # abs(1 / dim(n)) = 1 / dim(n), sign(exp(t)) = 1
    if spec.positive == "u" and _self_inner(x):  # abs(x' x) = x' x (sign(x' x) is 0 at x = 0)
        return x
    if spec.parity and isinstance(x, Mul) and isinstance(x.args[0], Num) and x.args[0].value < 0:
        # sin(-u) = -sin(u), cos(-u) = cos(u): the sign comes out, so that sign(x) - sign(-x) is 2 sign(x)
        inner = func(name, scale(-x.args[0].value, split_coeff(x)[1]))
        return neg(inner) if spec.parity == "odd" else inner
    if name == "exp" and isinstance(x, (Add, Mul)):
        return _exp_of_logs(x) or Func._make((name, x), x.shape)
    if name == "log":
        v = _diagonal_vector(x)
        if v is not None:  # (log(D) of a diagonal D: -inf off its diagonal entry by entry; only its diagonal
            return diag(func(name, v))  # counts where the reader lets it in, D .* log(D) and I .* log(D))
    return Func._make((name, x), x.shape)


def _exp_of_logs(x: Expr):
    """exp(u + c log(v)) = v.^c .* exp(u) (wherever log(v) is defined): a log offset comes out of the
    exponential, t .* exp(X w) for a Poisson rate with exposure exp(X w + log(t)), as exp(log(v)) is v.
    Only for a variable v and a whole c: exp(log(1 + exp(u)) / 2) stays as it is (written
    sqrt(1 + exp(u)), its derivative came out as sqrt(exp(u)) sqrt(sigmoid(u)) a / 2, longer than
    the softplus form). None where no term applies."""
    logs, rest = [], []
    for t in (x.args if isinstance(x, Add) else (x,)):  # (exp(2 log(x)) = x.^2)
        c, r = split_coeff(t)
        if type(r) is Func and r.name == "log" and r.shape == x.shape and type(r.arg) is Var and c.denominator == 1:
            logs.append(power(r.arg, num(c)))
        else:
            rest.append(t)
    if not logs:
        return None
    times = mul if x.shape == SCALAR else hadamard
    return times(*logs, *([func("exp", add(*rest))] if rest else []))


def _comes_out_of_root(x: Expr, ev: Fraction) -> bool:
    """Is x, a factor of a product raised to the fractional power ev, positive with a whole power
    x^ev (t^2 under a square root, dim(n)^3 under a cube root), or an even power of any real number
    with one (t^2 and t^4 under a square root: |t| and t^2)?"""
    b, k = _scalar_base_exp(x)
    if isinstance(k, Expr) or (k * ev).denominator != 1:
        return False
    return _positive_scalar(b) or (b.shape == SCALAR and k.denominator == 1 and k % 2 == 0)


#: the functions positive at every real number
_POSITIVE_FUNCTIONS = frozenset({"exp", "sigmoid", "softplus", "cosh"})


def _positive_scalar(x: Expr) -> bool:
    """Is the scalar x positive by what it is: a size, a positive number, a variable declared positive,
    exp(.), sigmoid(.), softplus(.), cosh(.), and powers and products of these (the roots of such factors come out of a root)."""
    if isinstance(x, (DimSize, Num)):
        return _positive_size(x)
    if isinstance(x, Var):
        return x.shape == SCALAR and x.has_prop("positive")
    if isinstance(x, Func):
        return x.name in _POSITIVE_FUNCTIONS and x.shape == SCALAR
    if isinstance(x, Pow):
        return x.shape == SCALAR and isinstance(x.exp, Num) and _positive_scalar(x.base)
    if isinstance(x, Mul) and x.shape == SCALAR:
        return all(_positive_scalar(f) for f in x.args)
    return False


def _self_inner(x: Expr) -> bool:
    """Is x a product M' M of 1x1 shape (x' x, (A x)' (A x) = x' A' A x), a number never negative?"""
    if type(x) is not Mul or x.shape != SCALAR:
        return False
    c, s, ch = x.split()
    k = len(ch)
    return c is _FRACTION_ONE and not s and k % 2 == 0 and k > 0 and all(
        _transpose_key(ch[i]) == ch[k - 1 - i].key for i in range(k // 2))


def _positive_size(x: Expr) -> bool:
    """Is x a positive number made of sizes and positive numbers (dim(n), 1 / (m n), 2 dim(k)^2)?"""
    if isinstance(x, DimSize):
        return True
    if isinstance(x, Num):
        return x.value > 0
    if isinstance(x, Pow):
        return isinstance(x.exp, Num) and _positive_size(x.base)
    if isinstance(x, Mul) and x.shape == SCALAR:
        return all(_positive_size(f) for f in x.args)
    return False


# ---------------------------------------------------------------- reductions
def diag(v: Expr) -> Expr:
    """The diagonal matrix of a vector."""
    if v.shape == SCALAR:
        return v
    if v.shape[1] != 1:
        raise ShapeError(f"diag(v) needs a column vector, not shape {_fmt(v.shape)}")
    n = v.shape[0]
    if isinstance(v, Zero):
        return zeros((n, n))
    if isinstance(v, Ones):
        return identity(n)
    if isinstance(v, Mul):
        c, s, ch = v.split()
        if c != 1 or s:
            return mul(num(c), *s, diag(_pure_chain(list(ch))))
    d, k = (v.base, v.exp.value) if type(v) is Pow and isinstance(v.exp, Num) else (v, 1)
    if type(d) is DiagPart and k.denominator == 1 and type(d.args[0]) is Var and {"diagonal", "spd"} <= d.args[0].props:
        # diag(diag(D)) = D, diag(1 ./ diag(D)) = D^-1 for a D declared diagonal spd: what D^(1/2) D^(1/2)
        # and D^(-1/2) D^(-1/2) (the entrywise roots of its diagonal) merge into. (Not for a direction
        # dD, which is diagonal too but read off as a general matrix in a Kronecker form: there
        # diag(diag(dD)) is the projection onto the diagonal)
        return matpow(d.args[0], int(k))
    if type(v) is DiagPart and type(v.args[0]) in (Inverse, MatPow):
        # diag(diag(D^-1)) = D^-1 for a D declared diagonal spd (logdet(sqrt(D))'s gradient)
        base = v.args[0].args[0]
        if type(base) is Var and {"diagonal", "spd"} <= base.props:
            return v.args[0]
    return Diag._make((v,), (n, n))


# ---------------------------------------------------------------- Kronecker forms
def kron(a: Expr, b: Expr) -> Expr:
    if a.shape == SCALAR or b.shape == SCALAR:
        return mul(a, b)
    if isinstance(a, Zero) or isinstance(b, Zero):
        return zeros((_dim_mul(a.shape[0], b.shape[0]), _dim_mul(a.shape[1], b.shape[1])))
    if isinstance(a, Identity) and isinstance(b, Identity):
        return identity(_dim_mul(a.args[0], b.args[0]))
    if isinstance(a, Ones) and isinstance(b, Ones):
        return ones((_dim_mul(a.shape[0], b.shape[0]), _dim_mul(a.shape[1], b.shape[1])))
    # a row (x) a column, or a column (x) a row, is their outer product: kron(r', c) = c r', kron(c, r') = c r'
    # (the Jacobian of (A + x x')^-1 b read off through vec was kron(b' P, P x): now P x b' P)
    if a.shape[0] == 1 and b.shape[1] == 1:
        return mul(b, a)
    if a.shape[1] == 1 and b.shape[0] == 1:
        return mul(a, b)
    ca, sa, cha = a.split() if isinstance(a, Mul) else (Fraction(1), (), (a,))
    cb, sb, chb = b.split() if isinstance(b, Mul) else (Fraction(1), (), (b,))
    if ca != 1 or sa or cb != 1 or sb:
        return mul(num(ca * cb), *sa, *sb, kron(_pure_chain(list(cha)), _pure_chain(list(chb))))
    return Kron._make((a, b), (_dim_mul(a.shape[0], b.shape[0]), _dim_mul(a.shape[1], b.shape[1])))


# ---------------------------------------------------------------- helpers
ZERO = num(0)
ONE = num(1)
_SMALL_INTS.update({i: num(i) for i in range(-16, 17)})


# ---------------------------------------------------------------- rebuilding
