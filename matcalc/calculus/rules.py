"""The rule table of the differential approach: one rule per operation, as tabulated by Magnus & Neudecker.

    d(X + Y) = dX + dY            d(XY) = dX Y + X dY          d(X') = (dX)'
    d(X^-1)  = -X^-1 dX X^-1      d tr X = tr dX               d det X = det X tr(X^-1 dX)
    d logsumexp(u) = softmax(u)' du                            d softmax(u) = p .* du - p p' du
    d f(U)   = f'(U) .* dU        d(X .* Y) = dX .* Y + X .* dY   d(u^v) = u^v (log(u) dv + v du / u)

`DIFFERENTIAL[Node](node, d)` gives d(node), where `d(child)` is the child's
differential (computed once per node of the DAG). Linear operations also have a
transpose rule (`TRANSPOSE[Node](node, cotangent, emit)`), used to read a gradient off
`df = <G, dX>` (readoff.py) -- the two tables together play the role of autograd's
`defvjp` and JAX's `defjvp`.
"""
from __future__ import annotations

from fractions import Fraction
from collections.abc import Callable
from typing import Any, TypeVar

from ..core import build as B
from ..core.errors import NotSupportedError
from ..core.functions import FUNCTIONS
from ..core.nodes import (SCALAR, Add, Comm, Det, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Identity, Inverse,
                    Kron, LogDet, LogSumExp, MatPow, Mul, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Unvec, Vec,
                    Zero)

DIFFERENTIAL: dict = {}
TRANSPOSE: dict = {}
_F = TypeVar("_F", bound=Callable[..., Any])


def differential_rule(*classes: type) -> Callable[[_F], _F]:
    def reg(fn):
        for c in classes:
            DIFFERENTIAL[c] = fn
        return fn
    return reg


def transpose_rule(*classes: type) -> Callable[[_F], _F]:
    def reg(fn):
        for c in classes:
            TRANSPOSE[c] = fn
        return fn
    return reg


def elementwise_product(a: Expr, b: Expr) -> Expr:
    """a .* b, or the product where one of them is a scalar (the form every elementwise rule needs)."""
    return B.mul(a, b) if a.shape == SCALAR or b.shape == SCALAR else B.hadamard(a, b)


# ---------------------------------------------------------------- d(.)
@differential_rule(Num, DimSize, Identity, Zero, Ones, Comm)
def _d_const(e, d):
    return B.zeros(e.shape)


@differential_rule(Add)
def _d_add(e, d):                       # d(X + Y) = dX + dY
    return B.add(*[d(t) for t in e.args])


@differential_rule(Mul)
def _d_mul(e, d):                       # d(XY) = dX Y + X dY
    f = e.args
    terms = [B.mul(*f[:i], df, *f[i + 1:]) for i in range(len(f)) for df in [d(f[i])] if not B.is_zero(df)]
    return B.add(*terms) if terms else B.zeros(e.shape)


@differential_rule(Hadamard)
def _d_hadamard(e, d):                  # d(X .* Y) = dX .* Y + X .* dY
    f = e.args
    terms = [B.hadamard(*f[:i], df, *f[i + 1:]) for i in range(len(f)) for df in [d(f[i])] if not B.is_zero(df)]
    return B.add(*terms) if terms else B.zeros(e.shape)


@differential_rule(Transpose)
def _d_transpose(e, d):                 # d(X') = (dX)'
    return B.transpose(d(e.arg))


@differential_rule(Inverse)
def _d_inverse(e, d):                   # d(X^-1) = -X^-1 dX X^-1
    return B.neg(B.mul(e, d(e.arg), e))


@differential_rule(MatPow)
def _d_matpow(e, d):                    # d(X^k) = sum_i X^i dX X^(k-1-i); negative k through X^-1
    k = e.k
    x = e.base if k > 0 else B.inverse(e.base)
    dx = d(e.base) if k > 0 else B.neg(B.mul(x, d(e.base), x))
    k = abs(k)
    return B.add(*[B.mul(B.matpow(x, i), dx, B.matpow(x, k - 1 - i)) for i in range(k)])


@differential_rule(Pow)
def _d_pow(e, d):                       # d(u^c) = c u^(c-1) du;  d(u^v) = u^v (log(u) dv + v/u du)
    u, v = e.base, e.exp
    du, dv = d(u), d(v)
    # v may be a scalar or (x .^ y of two arrays) have u's shape: every product here is elementwise
    if B.is_zero(dv):
        return elementwise_product(elementwise_product(v, B.power(u, B.add(v, B.num(-1)))), du)
    terms = [elementwise_product(elementwise_product(e, dv), B.func("log", u))]
    if not B.is_zero(du):
        terms.append(elementwise_product(elementwise_product(v, B.power(u, B.add(v, B.num(-1)))), du))
    return B.add(*terms)


@differential_rule(Func)
def _d_func(e, d):                      # d f(U) = f'(U) .* dU
    return elementwise_product(derivative(e.name, e.arg), d(e.arg))


def derivative(name: str, u: Expr) -> Expr:
    """f'(u) for the registered elementwise function `name` (from its registration, or from
    SymPy when the registration gives only a definition)."""
    spec = FUNCTIONS[name]
    if spec.derivative is not None:
        return spec.derivative(u, B)
    if spec.sympy is not None:
        return sympy_derivative(spec.sympy, u)
    raise NotSupportedError(f"no derivative is known for {name}")


def sympy_derivative(definition: str, u: Expr) -> Expr:
    """The derivative of a definition in `u` (registry text, never user input), by SymPy."""
    import sympy  # optional: only a registration without a derivative needs it
    s = sympy.Symbol("u")
    d = sympy.diff(sympy.sympify(definition, locals={"u": s}), s)
    return _from_sympy(sympy.simplify(d), s, u)


def _from_sympy(e, s, u: Expr) -> Expr:
    """A SymPy expression in the symbol s as a matcalc expression in u (elementwise)."""
    import sympy
    if e == s:
        return u
    if e.is_Number:
        return B.num(Fraction(str(sympy.Rational(e))))
    if e.is_Add:
        return B.add(*[_from_sympy(a, s, u) for a in e.args])
    if e.is_Mul:
        out = None
        for a in e.args:
            x = _from_sympy(a, s, u)
            out = x if out is None else elementwise_product(out, x)
        return out
    if e.is_Pow:
        return B.power(_from_sympy(e.base, s, u), _from_sympy(e.exp, s, u))
    name = type(e).__name__.lower()
    if name in FUNCTIONS:
        return B.func(name, _from_sympy(e.args[0], s, u))
    raise NotSupportedError(f"cannot translate {e} from SymPy")


@differential_rule(Trace)
def _d_trace(e, d):                     # d tr X = tr dX
    return B.trace(d(e.arg))


@differential_rule(Det)
def _d_det(e, d):                       # d det X = det X tr(X^-1 dX)
    return B.mul(e, B.trace(B.mul(B.inverse(e.arg), d(e.arg))))


@differential_rule(LogDet)
def _d_logdet(e, d):                    # d log|det X| = tr(X^-1 dX)
    return B.trace(B.mul(B.inverse(e.arg), d(e.arg)))


@differential_rule(Sum)
def _d_sum(e, d):                       # d sum(X) = sum(dX)
    return B.sumall(d(e.arg))


@differential_rule(Softmax)
def _d_softmax(e, d):                   # d softmax(u) = p .* du - p p' du,  p = softmax(u)
    du = d(e.arg)
    if e.shape[1] == 1:
        return B.sub(B.hadamard(e, du), B.mul(e, B.transpose(e), du))
    # of each column:  d softmax(U) = P .* dU - P .* (1 1' (P .* dU))
    pdu = B.hadamard(e, du)
    return B.sub(pdu, B.hadamard(e, B.mul(B.ones((e.shape[0], 1)), B.sum_axis(pdu, 1))))


@differential_rule(LogSumExp)
def _d_logsumexp(e, d):                 # d logsumexp(u) = softmax(u)' du;  of each column: 1' (P .* dU)
    u = e.arg
    if u.shape[1] == 1:
        return B.mul(B.transpose(B.softmax(u)), d(u))
    return B.sum_axis(B.hadamard(B.softmax(u), d(u)), 1)


@differential_rule(Diag)
def _d_diag(e, d):
    return B.diag(d(e.arg))


@differential_rule(DiagPart)
def _d_diagpart(e, d):
    return B.diagpart(d(e.arg))


@differential_rule(Vec)
def _d_vec(e, d):
    return B.vec(d(e.arg))


@differential_rule(Unvec)
def _d_unvec(e, d):
    return B.unvec(d(e.arg), e.shape)


@differential_rule(Kron)
def _d_kron(e, d):                      # d(A (x) B) = dA (x) B + A (x) dB
    a, b = e.args
    return B.add(B.kron(d(a), b), B.kron(a, d(b)))


# ---------------------------------------------------------------- transposes of linear maps
# emit(child, cotangent): the cotangent S of a node flows to the child that depends on dX.
@transpose_rule(Add)
def _t_add(e, s, dep, emit):
    for t in e.args:
        if dep(t):
            emit(t, s)


@transpose_rule(Mul)
def _t_mul(e, s, dep, emit):            # <S, c P F Q> = <c P' S Q', F>
    c, scal, chain = e.split()
    deps = [i for i, f in enumerate(e.args) if dep(f)]
    if len(deps) != 1:
        raise NotSupportedError("internal: the differential is not linear in the direction")
    i = deps[0]
    f = e.args[i]
    others = e.args[:i] + e.args[i + 1:]
    if f.shape == SCALAR:
        rest = B.mul(*others)
        emit(f, B.inner(rest, s) if rest.shape != SCALAR else B.mul(rest, s))
        return
    j = i - (len(e.args) - len(chain))
    p, q = chain[:j], chain[j + 1:]
    coeff = [x for x in e.args[:len(e.args) - len(chain)]]
    pt = B.transpose(B.mul(*p)) if p else B.ONE
    qt = B.transpose(B.mul(*q)) if q else B.ONE
    emit(f, B.mul(*coeff, pt, s, qt))


@transpose_rule(Hadamard)
def _t_hadamard(e, s, dep, emit):       # <S, A .* F> = <S .* A, F>
    deps = [f for f in e.args if dep(f)]
    if len(deps) != 1:
        raise NotSupportedError("internal: the differential is not linear in the direction")
    f = deps[0]
    emit(f, B.hadamard(s, *[g for g in e.args if g is not f]))


@transpose_rule(Transpose)
def _t_transpose(e, s, dep, emit):
    emit(e.arg, B.transpose(s))


@transpose_rule(Trace)
def _t_trace(e, s, dep, emit):          # <s, tr F> = <s I, F>
    emit(e.arg, B.mul(s, B.identity(e.arg.shape[0])))


@transpose_rule(Sum)
def _t_sum(e, s, dep, emit):            # <s, sum F> = <s 1 1', F>
    emit(e.arg, B.mul(s, B.ones(e.arg.shape)))


@transpose_rule(Diag)
def _t_diag(e, s, dep, emit):           # <S, diag(f)> = <diag(S), f>
    emit(e.arg, B.diagpart(s))


@transpose_rule(DiagPart)
def _t_diagpart(e, s, dep, emit):       # <s, diag(F)> = <Diag(s), F>
    emit(e.arg, B.diag(s))


@transpose_rule(Vec)
def _t_vec(e, s, dep, emit):            # <s, vec F> = <unvec(s), F>
    emit(e.arg, B.unvec(s, e.arg.shape))


@transpose_rule(Unvec)
def _t_unvec(e, s, dep, emit):          # <S, unvec f> = <vec S, f>
    emit(e.arg, B.vec(s))


def kron_shuffle(a: Expr, b: Expr) -> Expr:
    """R with vec(A (x) B) = R (vec A (x) vec B): I_n (x) K(q, m) (x) I_p for A m x n, B p x q
    (Magnus & Neudecker, Theorem 3.10)."""
    (m, n), (p, q) = a.shape, b.shape
    return B.kron(B.kron(B.identity(n), B.comm(q, m)), B.identity(p))


def kron_factors(e: Expr) -> tuple:
    """(L_A, L_B) with vec(A (x) B) = L_A vec A = L_B vec B: R (I (x) vec B) and R (vec A (x) I)."""
    a, b = e.args
    r = kron_shuffle(a, b)
    na, nb = B._dim_mul(*a.shape), B._dim_mul(*b.shape)
    return B.mul(r, B.kron(B.identity(na), B.vec(b))), B.mul(r, B.kron(B.vec(a), B.identity(nb)))


def _outer_factors(s: Expr):
    """(c, u, v) with s = c u v' (c scalar, u and v columns) where s is written as such a product
    (x y', 2 t A x y' B), else None."""
    if not isinstance(s, Mul) or s.shape[0] == 1 or s.shape[1] == 1:
        return None
    coeff, scalars, chain = s.split()
    for i in range(1, len(chain)):
        if chain[i - 1].shape[1] == 1:
            return (B.mul(B.num(coeff), *scalars), B.mul(*chain[:i]), B.transpose(B.mul(*chain[i:])))
    return None


@transpose_rule(Kron)
def _t_kron(e, s, dep, emit):
    """<S, dA (x) B> = <G_A, dA> with G_A[i, j] = <S_ij, B>, S_ij the (i, j) block of S; as a partial
    trace, G_A = Tr_2(S (I (x) B')) = (I (x) vec(I)') (S (I (x) B') (x) I) (I (x) vec(I)); likewise
    G_B = Tr_1((A' (x) I) S) = (vec(I)' (x) I) (I (x) (A' (x) I) S) (vec(I) (x) I). Arrays of
    m p^2 x n p^2 (n^2 p x n^2 q) entries, not the (m n p q)^2 of vec(A (x) B)'s shuffle matrix.
    Two vectors are the textbook case, a (x) b = vec(b a'): <S, da (x) b> = b' unvec(S) da, so
    G_a = unvec(S)' b and G_b = unvec(S) a (x' (y (x) z) by y is unvec(x)' z)."""
    a, b = e.args
    (m, n), (p, q) = a.shape, b.shape
    if n == 1 and q == 1:  # two column vectors: a (x) b = vec(b a'), so <S, da (x) b> = b' unvec(S) da
        s_mat = B.unvec(s, (p, m))
        if dep(a):
            emit(a, B.mul(B.transpose(s_mat), b))
        if dep(b):
            emit(b, B.mul(s_mat, a))
        return
    if m == 1 and p == 1:  # two row vectors, the transpose of that: a (x) b = vec(b' a)'
        s_mat = B.unvec(B.transpose(s), (q, n))
        if dep(a):
            emit(a, B.mul(b, s_mat))
        if dep(b):
            emit(b, B.mul(a, B.transpose(s_mat)))
        return
    outer = _outer_factors(s)
    if outer is not None:  # S = c u v': u' (A (x) B) v = tr(U' B V A') with u = vec(U), v = vec(V)
        c, u, v = outer
        u_mat, v_mat = B.unvec(u, (p, m)), B.unvec(v, (q, n))
        if dep(a):
            emit(a, B.mul(c, B.transpose(u_mat), b, v_mat))
        if dep(b):
            emit(b, B.mul(c, u_mat, a, B.transpose(v_mat)))
        return
    eye, vec_eye = B.identity, (lambda k: B.vec(B.identity(k)))
    if dep(a):
        t = B.mul(s, B.kron(eye(n), B.transpose(b)))
        emit(a, B.mul(B.kron(eye(m), B.transpose(vec_eye(p))), B.kron(t, eye(p)), B.kron(eye(n), vec_eye(p))))
    if dep(b):
        t = B.mul(B.kron(B.transpose(a), eye(p)), s)
        emit(b, B.mul(B.kron(B.transpose(vec_eye(n)), eye(p)), B.kron(eye(n), t), B.kron(vec_eye(n), eye(q))))
