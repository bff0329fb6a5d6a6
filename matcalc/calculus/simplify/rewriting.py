"""Textbook identities, applied node by node (`rewrite`, its result kept on each node).

exp(u) / (1 + exp(u)) = sigmoid(u) and c - c sigmoid(-u) = c sigmoid(u); exp(u) / sum(exp(u)) =
softmax(u), also a matrix's columns or rows; sinh(u) / cosh(u) = tanh(u); sign(u) u = abs(u); the
scalar reductions (y' ones = sum(y), a'b = sum(a .* b) where that product merges); an outer product
with ones scaling rows or columns (diag(u) M); row sums of an elementwise product as a diagonal
(diag(A' B')); log(x'x) / 2 = log(||x||). `_rewrite_node` is the dispatch by node class: it also
applies the sign normal form (signs.py) and the rewrites of quotients (quotients.py).
"""
from __future__ import annotations

from fractions import Fraction

from ...core import build as B
from ...core.functions import one_plus
from ...core.layout import self_inner
from ...core.nodes import SCALAR, Add, Diag, Expr, Func, Hadamard, Identity, Mul, Num, Ones, Pow, Sum, Trace, Transpose, Var
from ..size import size
from .node_cache import _cached_transform
from .signs import _oriented_factors, _sign_normal
from .quotients import _factor_quadratic, _merge_denominators, _over_one_denominator, _quotient, _scalar_factors


def rewrite(e: Expr) -> Expr:
    return _cached_transform(e, _rewrite_node, "s.rewrite")


def _is_exp_of(f: Expr):
    if isinstance(f, Func) and f.name == "exp":
        return f.arg
    return None


def _one_plus_exp(b: Expr):
    """u when b = 1 + exp(u) (also broadcast: ones + exp(u)); the registry's matcher, which the
    stable form log(1 + exp(u)) = softplus(u) uses too."""
    return one_plus(b, "exp", B)


def _softmax_of_columns(n: Hadamard) -> Expr:
    """exp(U) .* (ones(m) (ones(m)' exp(U)).^-1) is softmax(U), each column (the gradient of
    sum(log(sum(exp(U), 1)))), and exp(U) .* ((exp(U) ones(n)).^-1 ones(n)') is softmax(U')', each
    row; n itself where neither is there."""
    exps = {f: _is_exp_of(f) for f in n.args if _is_exp_of(f) is not None and f.shape[0] != 1 and f.shape[1] != 1}
    for f in n.args:
        if not (isinstance(f, Mul) and len(f.args) == 2):
            continue
        a, b = f.args
        if isinstance(a, Ones) and isinstance(b, Pow) and isinstance(b.exp, Num) and b.exp.value == -1:
            ones_side, inv, row = a, b.base, True  # ones(m) r.^-1, r = ones(m)' exp(U)
        elif isinstance(b, Ones) and isinstance(a, Pow) and isinstance(a.exp, Num) and a.exp.value == -1:
            ones_side, inv, row = b, a.base, False  # c.^-1 ones(n)', c = exp(U) ones(n)
        else:
            continue
        if not (isinstance(inv, Mul) and len(inv.args) == 2):
            continue
        e = inv.args[1] if row else inv.args[0]
        o = inv.args[0] if row else inv.args[1]
        if e not in exps or not isinstance(o, Ones) or (row and ones_side.shape[1] != 1) or (not row and ones_side.shape[0] != 1):
            continue
        u = exps[e]
        soft = B.softmax(u) if row else B.transpose(B.softmax(B.transpose(u)))
        rest = [g for g in n.args if g is not f and g is not e]
        return B.hadamard(soft, *rest) if rest else soft
    return n


def _rewrite_node(n: Expr) -> Expr:
    if isinstance(n, Add):
        n = _sigmoid_complement(n) or n
        if not isinstance(n, Add):
            return n
        n = _over_one_denominator(n) or n
        if not isinstance(n, Add):
            return n
        n = _gathered_traces(n) or n
        if not isinstance(n, Add):
            return n
        n = _gathered_with_identity(n) or n
        if not isinstance(n, Add):
            return n
        return _factor_quadratic(n) or n
    if isinstance(n, Pow) and isinstance(n.base, Add) and isinstance(n.exp, Num) and n.exp.value < 0:
        # 1 / (1 + exp(-v)) = sigmoid(v)
        v = _sigmoid_of_reciprocal(n.base)
        if v is not None:
            return B.power(B.func("sigmoid", v), B.num(-n.exp.value))
    if isinstance(n, (Mul, Hadamard)):
        r = _tanh_of_ratio(n)
        if r is not None:
            return _rewrite_node(r) if isinstance(r, (Mul, Hadamard)) else r
        r = _sign_products(n)
        if r is not None:
            return _rewrite_node(r) if isinstance(r, (Mul, Hadamard)) else r
    if isinstance(n, Mul):
        r = _reduce_inner(n) or _annihilated_terms(n) or _centred_vector(n) or _quotient(n)
        if r is not None:
            return r
        n = _sign_normal(n)
        if not isinstance(n, Mul):
            return n
        n = _merge_denominators(n)
        if not isinstance(n, Mul):
            return n
        return _rewrite_mul(n)
    if isinstance(n, Hadamard):
        n = _softmax_of_columns(n)
        if not isinstance(n, Hadamard):
            return n
        r = _scaled_rows_or_columns(n) or _diagonal_of_scaled_product(n) or _quotient(n)
        if r is not None:
            return r
        n = _rewrite_sigmoid_factors(list(n.args), B.hadamard) or n
        return _oriented_factors(n) if isinstance(n, Hadamard) else n
    return n


def _trace_chain_of(t: Expr):
    """(c, chain) for a term c tr(f1 ... fk) (an inner product <A, B> is tr(A' B)), else None."""
    c, rest = B.split_coeff(t)
    if type(rest) is not Trace:
        return None
    arg = rest.args[0]
    if type(arg) is Mul:
        c2, s2, ch = arg.split()
        if c2 != 1 or s2:
            return None
        return c, tuple(ch)
    return c, (arg,)


def _gathered_traces(n: Add):
    """tr(A P) - tr(B P) = tr((A - B) P): trace terms that share a factor (a run of factors, up to
    the trace's rotation) are one trace of the sum of the rest. The derivative of logdet((1 - t) A
    + t B) by t is tr((B - A) P), not tr(B P) - tr(A P), and of ||(1 - a) X + a Y||_F^2 by a
    2 <Y - X, P>. The longest shared run is taken, once per sum (the candidates are rewritten
    again), where the rests have no variable in common: a differential's terms, tr(A X B dX') +
    tr(A dX B X'), all hold X and dX, and gathered they would hide the gradient that
    <A' X B' + A X B, dX> shows. None where no two trace terms share such a run or nothing is saved."""
    chains = [(t, _trace_chain_of(t)) for t in n.args]
    traces = [tc for _, tc in chains if tc is not None]
    if len(traces) < 2 or len(traces) > 16:
        return None  # (a wide sum of traces: the rotations compared are the square of its terms)

    def rotations(ch):
        return [ch[i:] + ch[:i] for i in range(len(ch))]

    runs: dict = {}  # each run two traces end with (up to rotation) -> its length
    for i in range(len(traces)):
        for j in range(i + 1, len(traces)):
            for ra in rotations(traces[i][1]):
                for rb in rotations(traces[j][1]):
                    k = 0
                    while k < len(ra) and k < len(rb) and ra[-1 - k] is rb[-1 - k]:
                        k += 1
                    if k and (k < len(ra) or k < len(rb)):  # (equal chains are like terms: collected already)
                        runs[ra[len(ra) - k:]] = k
    for run in sorted(runs, key=runs.get, reverse=True):
        gathered, kept = [], []
        for t, tc in chains:
            rest = None
            if tc is not None:
                rest = next((r[:len(r) - len(run)] for r in rotations(tc[1])
                             if len(r) >= len(run) and r[len(r) - len(run):] == run), None)
            if rest is None:
                kept.append(t)
            else:
                gathered.append((tc[0], B.mul(*rest) if rest else B.identity(run[0].shape[0])))
        if len(gathered) < 2 or frozenset.intersection(*[frozenset(r.free) for _, r in gathered]):
            continue
        sign = -1 if all(c < 0 for c, _ in gathered) else 1  # (-tr(A P) - tr(B P) = -tr((A + B) P))
        total = B.add(*[B.mul(B.num(sign * c), r) for c, r in gathered])
        out = B.add(B.scale(sign, B.trace(B.mul(total, *run))), *kept)
        if size(out) < size(n):
            return out
    return None


def _gathered_with_identity(n: Add):
    """tr(F R) + r tr(A1) + ... + r tr(Ak) = tr(F (R + r I)) for a sum factor F = A1 + ... + Ak
    (with coefficients: the traces' must be r times F's): the trace of a sum is split into
    traces of its terms, so tr(F) beside tr(F R) never meets it. The derivative of
    -logdet(a C + (1 - a) I) + tr(S (a C + (1 - a) I)) by a is tr((S - P) (C - I)), not
    tr((S - P) C) + tr(P) - tr(S). None where no such group is there or nothing is saved."""
    singles: dict = {}  # a matrix A -> (coefficient, term) of a term c tr(A)
    for t in n.args:
        tc = _trace_chain_of(t)
        if tc is not None and len(tc[1]) == 1:
            singles[tc[1][0]] = (tc[0], t)
    if len(singles) < 1:
        return None
    for t in n.args:
        tc = _trace_chain_of(t)
        if tc is None or len(tc[1]) < 2:
            continue
        c0, ch = tc
        for i, f in enumerate(ch):
            if type(f) is not Add:
                continue
            parts = [B.split_coeff(a) for a in f.args]
            if any(rest not in singles for _, rest in parts):
                continue
            ratios = {singles[rest][0] / c for c, rest in parts}
            if len(ratios) != 1:
                continue
            r = ratios.pop() / c0
            rest = ch[i + 1:] + ch[:i]
            inner = B.add(B.mul(*rest), B.scale(r, B.identity(f.shape[1])))
            used = {id(singles[a][1]) for _, a in parts} | {id(t)}
            out = B.add(B.scale(c0, B.trace(B.mul(f, inner))), *[u for u in n.args if id(u) not in used])
            if size(out) < size(n):
                return out
    return None


def _tanh_of_ratio(n: Expr):
    """sinh(u)^k / cosh(u)^k = tanh(u)^k, in a product of scalars or an elementwise product (the
    derivatives of log(cosh(u)), the log-cosh loss). None where there is no such pair."""
    factors, make = _scalar_factors(n)

    def hyperbolic(f, name):  # (u, k) for name(u)^k
        k = 1
        if isinstance(f, Pow) and isinstance(f.exp, Num):
            f, k = f.base, f.exp.value
        return (f.arg, k) if isinstance(f, Func) and f.name == name else None
    sinh = {}
    for i, f in enumerate(factors):
        h = hyperbolic(f, "sinh")
        if h is not None and h[1] > 0:
            sinh[h] = i
    if not sinh:
        return None
    for j, f in enumerate(factors):
        h = hyperbolic(f, "cosh")
        if h is not None and (h[0], -h[1]) in sinh:
            i = sinh[h[0], -h[1]]
            rest = [g for m, g in enumerate(factors) if m not in (i, j)]
            return make(*rest, B.power(B.func("tanh", h[0]), B.num(-h[1])))
    return None


def _sign_products(n: Expr):
    """sign(u) u = abs(u) and sign(u) abs(u) = u, in a product of scalars or an elementwise
    product (both hold at u = 0 too), and with u^-1 and abs(u)^-1 (sign(u) / abs(u) = 1 / u where
    either is defined): the derivative of |det X| brings sign(det X) beside det X,
    and log|det X| then has the gradient X^-T, not sign(det(X)) det(X) X^-T / abs(det(X)).
    None where there is no such pair."""
    factors, make = _scalar_factors(n)
    signs = [i for i, f in enumerate(factors) if isinstance(f, Func) and f.name == "sign"]
    if not signs:
        return None
    out = list(factors)
    changed = False
    for i in signs:
        u = out[i].arg if out[i] is not None else None
        if u is None:
            continue
        for j, f in enumerate(out):
            if j == i or f is None:
                continue
            base, k = (f.base, f.exp.value) if isinstance(f, Pow) and isinstance(f.exp, Num) else (f, 1)
            if isinstance(base, Func) and base.name == "relu" and base.arg is u:
                # sign(u) relu(u)^k = relu(u)^k: relu(u)^k is 0 where sign(u) is not 1 (k > 0), or defined
                # only where u > 0 (k < 0); so relu(u) .* relu'(u) = relu(u) (sign(u) + 1) / 2 = relu(u)
                out[i], changed = None, True
                break
            if k not in (1, -1):
                continue
            if base is u:  # sign(u) u^k = abs(u)^k
                out[i], out[j], changed = B.power(B.func("abs", u), B.num(k)) if k != 1 else B.func("abs", u), \
                    None, True
                break
            if isinstance(base, Func) and base.name == "abs" and base.arg is u:  # sign(u) abs(u)^k = u^k
                out[i], out[j], changed = B.power(u, B.num(k)) if k != 1 else u, None, True
                break
    return make(*[f for f in out if f is not None]) if changed else None


def _scaled_rows_or_columns(n: Hadamard):
    """(u ones(1, k)) .* M = diag(u) M and (ones(m) c') .* M = M diag(c): an outer product with a
    vector of ones scales M's rows (columns), as a textbook writes it (the weighted softmax gradient
    (softmax(W X) - Y) diag(c) X', the l2,1-norm's diag(1 ./ sqrt(X.^2 ones(n))) X). None where no
    factor is such a product."""
    for f in n.args:
        if not isinstance(f, Mul) or f.shape[0] == 1 or f.shape[1] == 1:
            continue
        c, scal, chain = f.split()
        if len(chain) != 2:
            continue
        a, b = chain
        rest = [g for g in n.args if g is not f]
        rest = rest[0] if len(rest) == 1 else B.hadamard(*rest)
        if isinstance(b, Ones) and a.shape[1] == 1:  # u ones(1, k): each row i times u_i
            return B.mul(B.diag(B.mul(B.num(c), *scal, a)), rest)
        if isinstance(a, Ones) and b.shape[0] == 1:  # ones(m) c': each column j times c_j
            return B.mul(rest, B.diag(B.transpose(B.mul(B.num(c), *scal, b))))
    return None


def _diagonal_of_scaled_product(n: Hadamard):
    """(P diag(u) Q) .* I = diag((P .* Q') u): entry i is sum_j P_ij u_j Q_ji. The Hessian of
    sum(exp(diag(x) M) v) reads diag((exp(diag(x) M) .* M.^2) v). None where n is not such a pair."""
    if len(n.args) != 2 or not any(isinstance(f, Identity) for f in n.args):
        return None
    f = next(g for g in n.args if not isinstance(g, Identity))
    if not isinstance(f, Mul):
        return None
    c, scal, chain = f.split()
    middle = [i for i, g in enumerate(chain) if isinstance(g, Diag) and 0 < i < len(chain) - 1]
    if len(middle) != 1:
        return None
    i = middle[0]
    p, q = B.mul(*chain[:i]), B.mul(*chain[i + 1:])
    return B.diag(B.mul(B.num(c), *scal, B.hadamard(p, B.transpose(q)), chain[i].arg))


def _sigmoids_opened(factors: list):
    """sigmoid(u) beside (1 + exp(u))^a with a > 0 or exp(u)^b with b < 0 written as
    exp(u) (1 + exp(u))^-1, so that the factors cancel: sigmoid(u) (1 + exp(u)) / exp(u) = 1 (the
    log-likelihood typed as log(exp(z) ./ (1 + exp(z))) differentiates into that). None where
    no sigmoid has such a partner."""
    def base_exp(f):
        return (f.base, f.exp.value) if isinstance(f, Pow) and isinstance(f.exp, Num) else (f, 1)
    out, changed = list(factors), False
    for i, f in enumerate(factors):
        b, k = base_exp(f)
        if not (isinstance(b, Func) and b.name == "sigmoid" and k > 0):
            continue
        u = b.arg
        if any((_one_plus_exp(g) is u and e > 0) or (_is_exp_of(g) is u and e < 0)
               for g, e in (base_exp(h) for h in factors)):
            one = B.ONE if u.shape == SCALAR else B.ones(u.shape)
            num = B.power(B.func("exp", u), B.num(k))
            den = B.power(B.add(one, B.func("exp", u)), B.num(-k))
            out[i] = B.mul(num, den) if u.shape == SCALAR else B.hadamard(num, den)
            changed = True
    return out if changed else None


def _rewrite_sigmoid_factors(factors: list, make):
    """exp(u)^a (1 + exp(u))^-b -> sigmoid(u)^min(a,b) ...; None if nothing applies."""
    opened = _sigmoids_opened(factors)
    if opened is not None:
        merged = make(*opened)  # the constructors merge the powers of each base: what cancels goes
        again = _rewrite_sigmoid_factors(list(merged.args), make) if isinstance(merged, (Hadamard, Mul)) \
            and _sigmoids_opened(list(merged.args)) is None else None
        return again if again is not None else merged
    bases = {}
    for i, f in enumerate(factors):
        if isinstance(f, Pow) and isinstance(f.exp, Num):
            bases[i] = (f.base, f.exp.value)
        else:
            bases[i] = (f, Fraction(1))
    changed = False
    for i, (b, ex) in list(bases.items()):
        if ex >= 0:
            continue
        u = _one_plus_exp(b)
        if u is None:
            pair = _two_exps(b)
            for j, (b2, ex2) in list(bases.items()) if pair else ():
                # exp(u) / (exp(u) + exp(v)) = sigmoid(u - v): a softmax of two, log(exp(a) + exp(b))'s derivative
                w = _is_exp_of(b2) if j != i and ex2 > 0 else None
                if w is not None and w in pair:
                    k = min(-ex, ex2)
                    other = pair[1] if w is pair[0] else pair[0]
                    bases[i] = (b, ex + k)
                    bases[j] = (b2, ex2 - k)
                    minus = [B.scale(-1, t) for t in (other.args if type(other) is Add else (other,))]
                    bases[("s", i)] = (B.func("sigmoid", B.add(w, *minus)), k)  # (v - (u + v) is -u)
                    changed = True
                    break
            continue
        # look for exp(u)^a among the others
        for j, (b2, ex2) in list(bases.items()):
            if j != i and ex2 > 0 and _is_exp_of(b2) is u:
                k = min(-ex, ex2)
                bases[i] = (b, ex + k)
                bases[j] = (b2, ex2 - k)
                bases[("s", i)] = (B.func("sigmoid", u), k)
                changed = True
                break
    for i, (b, ex) in list(bases.items()):  # (1 + exp(-v))^-k without exp(-v) beside it: sigmoid(v)^k
        v = _sigmoid_of_reciprocal(b) if isinstance(b, Add) and ex < 0 else None
        if v is not None:
            bases[i] = (b, 0)
            bases[("r", i)] = (B.func("sigmoid", v), -ex)
            changed = True
    # exp(-v)^a sigmoid(v)^b = sigmoid(-v)^a sigmoid(v)^(b - a), a <= b: exp(-v) sigmoid(v) = sigmoid(-v)
    sig = {bb.arg: k for k, (bb, e) in bases.items() if isinstance(bb, Func) and bb.name == "sigmoid" and e > 0}
    for i, (b, ex) in list(bases.items()) if sig else ():
        u = b.arg if isinstance(b, Func) and b.name == "exp" and ex > 0 else None
        if u is None or B.split_coeff(u)[0] >= 0:
            continue
        k = sig.get(B.neg(u))
        if k is not None and bases[k][1] >= ex:
            sb, se = bases[k]
            bases[k] = (sb, se - ex)
            bases[i] = (b, 0)
            bases[("c", i)] = (B.func("sigmoid", u), ex)
            changed = True
    if not changed:
        return None
    out = [B.power(b, B.num(ex)) if ex != 1 else b for b, ex in bases.values() if ex != 0]
    return make(*out)


def _sigmoid_complement(n: Add):
    """c - c sigmoid(-u) = c sigmoid(u), a pair of terms of a sum merged (also with c spread over a
    vector, c ones(n)): the logistic log-likelihood written through sigmoid(-X w), as papers write
    log(1 - p), has the gradient X' (y - sigmoid(X w)). The sum with each such pair merged, or None."""
    items = [B.split_coeff(t) for t in n.args]
    ones = {}  # coefficient -> the first term that is that coefficient times 1 (or ones)
    for i, (c, rest) in enumerate(items):
        if (isinstance(rest, Num) and rest.value == 1) or isinstance(rest, Ones):
            ones.setdefault(c, i)
    if not ones:
        return None
    out = list(n.args)
    for j, (c, rest) in enumerate(items):
        if isinstance(rest, Func) and rest.name == "sigmoid" and B.split_coeff(rest.arg)[0] < 0:
            i = ones.pop(-c, None)
            if i is not None:
                out[i], out[j] = None, B.scale(-c, B.func("sigmoid", B.neg(rest.arg)))
    if all(t is not None for t in out):
        return None
    return B.add(*[t for t in out if t is not None])


def _two_exps(b: Expr):
    """(u, v) when b = exp(u) + exp(v), else None."""
    if type(b) is not Add or len(b.args) != 2:
        return None
    u, v = (_is_exp_of(t) for t in b.args)
    return (u, v) if u is not None and v is not None else None


def _sigmoid_of_reciprocal(b: Expr):
    """v when b = 1 + exp(-v) (so 1 / b = sigmoid(v), the logistic function as typed), else None."""
    u = _one_plus_exp(b)
    if u is None or B.split_coeff(u)[0] >= 0:
        return None
    return B.neg(u)


def _row_sums_as_diagonal(chain: tuple):
    """(P .* Q) ones(n) = diag(P Q') (entry i is sum_j P_ij Q_ij): the textbook writes the gradient
    of tr(A diag(x) B) as diag(A' B'), not (A' .* B) ones(n). Only for plain matrices (A, A'): a
    sum over a batch of computed terms reads better as one. The chain with that pair replaced,
    or None."""
    for i in range(len(chain) - 1):
        h, o = chain[i], chain[i + 1]
        # (of plain matrices only: a network's batch sum of backpropagated terms stays Q ones(N))
        if isinstance(h, Hadamard) and len(h.args) == 2 and isinstance(o, Ones) and o.shape[1] == 1 \
                and all(isinstance(f, Var) or (isinstance(f, Transpose) and isinstance(f.arg, Var)) for f in h.args):
            p, q = h.args
            return chain[:i] + (B.diagpart(B.mul(p, B.transpose(q))),) + chain[i + 2:]
    return None


def _rewrite_mul(n: Mul) -> Expr:
    c, scal, chain = n.split()
    rows = _row_sums_as_diagonal(chain) if len(chain) >= 2 else None
    if rows is not None:
        return B.mul(B.num(c), *scal, *rows)
    if c.denominator % 2 == 0:  # log(x'x) / 2 = log(||x||)
        for i, f in enumerate(scal):
            if isinstance(f, Func) and f.name == "log" and self_inner(f.arg) is not None:
                return B.mul(B.num(2 * c), *scal[:i], B.func("log", B.sqrt(f.arg)), *scal[i + 1:], *chain)
    new_scal = list(scal)
    r = _rewrite_sigmoid_factors(new_scal, B.mul) if len(scal) >= 2 else None
    if r is not None:
        return B.mul(B.num(c), r, *chain)
    # exp(u) / sum(exp(u)) -> softmax(u), once per power of the sum; also inside 1x1 products
    for i, s in enumerate(scal):
        if not (isinstance(s, Pow) and isinstance(s.exp, Num) and s.exp.value < 0
                and s.exp.value.denominator == 1 and isinstance(s.base, Sum)):
            continue
        u = _is_exp_of(s.base.arg)
        if u is None or u.shape[1] != 1 or u.shape == SCALAR:
            continue
        k = int(-s.exp.value)
        ex = B.func("exp", u)
        p = B.softmax(u)
        swap = {ex: p, B.transpose(ex): B.transpose(p), B.diag(ex): B.diag(p)}  # (D diag(exp(u)) D' / sum(exp(u)))

        def replace(factors, k):
            out = []
            for f in factors:
                if k and f in swap:
                    out.append(swap[f])
                    k -= 1
                elif k and isinstance(f, Hadamard) and ex in f.args:
                    out.append(B.hadamard(*[p if g is ex else g for g in f.args]))
                    k -= 1
                else:
                    out.append(f)
            return out, k
        left = k
        new_chain, left = replace(list(chain), left)
        others = []
        for j, t in enumerate(scal):
            if j == i:
                continue
            if left and isinstance(t, Mul) and t.split()[0] == 1 and not t.split()[1]:
                ch2, left2 = replace(list(t.split()[2]), left)
                if left2 < left:
                    others.append(B.mul(*ch2))
                    left = left2
                    continue
            others.append(t)
        if left == k:
            continue
        if left:
            others.append(B.power(s.base, B.num(-left)))
        return B.mul(B.num(c), *others, *new_chain)
    return n


def _reduce_inner(n: Mul):
    """a'b as sum(a .* b) where that product merges: y' ones = sum(y), (y ./ s)' s = sum(y).

    Only a bare 1x1 chain of two vectors (a row times a column) is touched; the
    elementwise product must lose a factor (ones, or s^-1 .* s), so the result is shorter.
    None when nothing applies.
    """
    if n.shape != SCALAR:
        return None
    c, scal, chain = n.split()
    if c != 1 or scal or len(chain) != 2:
        return None
    a, b = chain
    if a.shape[0] != 1 or b.shape[1] != 1:
        return None
    col = B.transpose(a)
    if isinstance(col, Ones) or isinstance(b, Ones):
        r = B.sumall(b if isinstance(col, Ones) else col)  # (sum spreads over a sum's terms)
        return r if size(r) < size(n) else None
    if not isinstance(col, (Hadamard, Pow)) and not isinstance(b, (Hadamard, Pow)):
        return None
    h = B.hadamard(col, b)
    if isinstance(h, Hadamard) and len(h.args) >= _factor_count(col) + _factor_count(b):
        # nothing merged, unless as a sigmoid: exp(u)' (1 + exp(u)).^-1 = sum(sigmoid(u))
        h = _rewrite_sigmoid_factors(list(h.args), B.hadamard)
        if h is None or (isinstance(h, Hadamard) and len(h.args) >= _factor_count(col) + _factor_count(b)):
            return None
    return B.sumall(h)


def _annihilated_terms(n: Mul):
    """A sum factor of a product without its terms that the neighbouring factor makes 0: a centred
    vector's row sums vanish, (x - mean(x))' ones(n, n) = 0 (core.canonical), so p p' (I - ones(n, n) / n)
    is p p' with p = x - mean(x): the Jacobians of layer and batch normalization. Only terms with a
    matrix of ones are tried (where such a product can vanish). None where no term is dropped."""
    c, scal, chain = n.split()
    for i, f in enumerate(chain):
        if not isinstance(f, Add):
            continue
        for j in (i - 1, i + 1):
            if not 0 <= j < len(chain):
                continue
            g = chain[j]
            kept = [t for t in f.args if not (_has_ones_factor(t) and B.is_zero(B.mul(g, t) if j < i else B.mul(t, g)))]
            if len(kept) < len(f.args):
                rest = B.add(*kept) if kept else B.zeros(f.shape)
                return B.mul(B.num(c), *scal, *chain[:i], rest, *chain[i + 1:])
    return None


def _centred_vector(n: Mul):
    """A vector times the centring matrix, g' (I - ones(n, n) / n), as the centred vector (g - mean(g))'
    (and (I - ones(n, n) / n) g as g - mean(g)) where that is shorter: a row (column) times a sum of I and
    multiples of ones(n, n), distributed (core.canonical writes g' ones(n, n) as sum(g) ones(1, n)). None
    where no such pair is in the chain or the product is no shorter so."""
    c, scal, chain = n.split()
    for i in range(len(chain) - 1):
        a, b = chain[i], chain[i + 1]
        if a.shape[0] == 1 and a.shape[1] != 1 and _is_centring(b):
            merged = B.add(*[B.mul(a, t) for t in b.args])
        elif b.shape[1] == 1 and b.shape[0] != 1 and _is_centring(a):
            merged = B.add(*[B.mul(t, b) for t in a.args])
        else:
            continue
        out = B.mul(B.num(c), *scal, *chain[:i], merged, *chain[i + 2:])
        if size(out) < size(n):
            return out
    return None


def _is_centring(e: Expr) -> bool:
    """Is e a sum of the identity and multiples of a square matrix of ones (I - ones(n, n) / n)?"""
    return isinstance(e, Add) and any(isinstance(t, Identity) for t in e.args) and all(
        isinstance(t, Identity) or isinstance(B.split_coeff(t)[1], Ones)
        or (isinstance(B.split_coeff(t)[1], Mul) and _has_ones_factor(t) and len(B.split_coeff(t)[1].split()[2]) == 1)
        for t in e.args)


def _has_ones_factor(t: Expr) -> bool:
    rest = B.split_coeff(t)[1]
    return isinstance(rest, Ones) or (isinstance(rest, Mul) and any(isinstance(f, Ones) for f in rest.split()[2]))


def _factor_count(e: Expr) -> int:
    return len(e.args) if isinstance(e, Hadamard) else 1
