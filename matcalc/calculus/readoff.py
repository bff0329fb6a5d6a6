"""Differentials and what is read off them: gradients, Jacobian matrices, Kronecker forms.

`differential(f, {X: dX})` applies the rule table once per node of the DAG.
`gradient_of(df, dX)` finds G with df = <G, dX> by transposing the linear map
dX -> df: each linear operation passes its cotangent to its argument (its adjoint), in
reverse topological order, so shared subexpressions are visited once.
`kronecker_of(dF, dX)` finds J with vec(dF) = J vec(dX) (numerator layout) by the
forward rules vec(A M B) = (B' (x) A) vec(M), vec(M') = K vec(M), vec(a .* M) =
diag(vec a) vec(M); for vectors this is the plain Jacobian matrix.
"""
from __future__ import annotations

from ..core import build as B
from ..core.errors import NotSupportedError
from ..core.nodes import (SCALAR, Add, Diag, DiagPart, Expr, Hadamard, Kron, MatPow, Mul, Sum, Trace, Transpose,
                          Unvec, Var, Vec, walk_depending)
from ..core.rebuild import transform
from .rules import DIFFERENTIAL, TRANSPOSE, kron_factors


def differential(expr: Expr, directions: dict) -> Expr:
    """d(expr) where each variable name in `directions` moves along its direction expression."""
    memo: dict = {}
    names = frozenset(directions)
    nodes = list(walk_depending(expr, names))  # (a constant's differential is zero: made when a rule asks)
    nested = _nested_power_bases(nodes)
    chains: dict = {}

    def d(node):
        dn = memo.get(node)
        if dn is None:  # a constant: kept, as another rule may ask for it too
            dn = memo[node] = B.zeros(node.shape)
        return dn
    for node in nodes:
        if isinstance(node, Var):
            memo[node] = directions[node.name]
        elif isinstance(node, MatPow) and (node.base, node.k > 0) in nested:
            memo[node] = _nested_power_differential(node, memo, chains)
        else:
            memo[node] = DIFFERENTIAL[type(node)](node, d)
    return d(expr)


NEST_FROM = 16  # products written out, in all, from which several powers' differentials are nested


def _nested_power_bases(nodes: list) -> set:
    """The (base, positive?) of the powers whose differentials are better nested than written out.

    d(X^k) written out has k products; the differentials of X^2, ..., X^k together have k^2/2
    (the Hessian of x' A^k x differentiates k powers of A). Nested, D_j = dX X^(j-1) + X D_(j-1),
    they share their parts: about 2 products each. Nested where writing each out would take more
    than twice the products of the longest and more than NEST_FROM products in all: below that the
    written-out sums simplify as short or shorter (tr((A+B)^2) + ... + tr((A+B)^5) folds into
    P (P (P (5 P + 4 I) + 3 I) + 2 I)), and a single power (tr(X^k)) stays as the textbook writes it.
    """
    powers: dict = {}  # (`nodes`: those that depend on the variables, as differential walks them)
    for node in nodes:
        if isinstance(node, MatPow):
            powers.setdefault((node.base, node.k > 0), set()).add(abs(node.k))
    return {key for key, ks in powers.items() if sum(ks) > max(2 * max(ks) + 2, NEST_FROM)}


def _nested_power_differential(node: MatPow, memo: dict, chains: dict) -> Expr:
    """D_|k| of the nested differentials of the powers of node's base (shared through `chains`)."""
    key = (node.base, node.k > 0)
    chain = chains.get(key)
    if chain is None:
        if node.k > 0:
            x, dx = node.base, memo[node.base]
        else:  # X^-k = (X^-1)^k, d(X^-1) = -X^-1 dX X^-1
            x = B.inverse(node.base)
            dx = B.neg(B.mul(x, memo[node.base], x))
        chain = chains[key] = (x, dx, [dx])
    x, dx, ds = chain
    while len(ds) < abs(node.k):
        j = len(ds) + 1
        ds.append(B.add(B.mul(dx, B.matpow(x, j - 1)), B.mul(x, ds[-1])))
    return ds[abs(node.k) - 1]


def gradient_of(df: Expr, dvar: Var, seed: Expr | None = None) -> Expr:
    """G with <seed, df> = <G, dX> (seed defaults to 1 for a scalar df)."""
    name = dvar.name
    if seed is None:
        if df.shape != SCALAR:
            raise NotSupportedError("a gradient needs a scalar function")
        seed = B.ONE
    if name not in df.free:
        return B.zeros(dvar.shape)
    order = list(walk_depending(df, frozenset((name,))))
    cot: dict = {df: [seed]}
    result = []

    def dep(n):
        return name in n.free

    for node in reversed(order):
        parts = cot.pop(node, None)
        if not parts:
            continue
        s = B.add(*parts) if len(parts) > 1 else parts[0]
        if node is dvar:
            result.append(s)
            continue
        rule = TRANSPOSE.get(type(node))
        if rule is None:
            raise NotSupportedError(f"internal: {type(node).__name__} is not linear in {name}")

        def emit(child, c):
            cot.setdefault(child, []).append(c)
        rule(node, s, dep, emit)
    return B.add(*result) if result else B.zeros(dvar.shape)


def _size(shape):
    r, c = shape
    return B._dim_mul(r, c)


def kronecker_of(dF: Expr, dvar: Var) -> Expr:
    """J with vec(dF) = J vec(dX), column-major vec; for vector dF and dx simply dF = J dx."""
    name = dvar.name
    n_in = _size(dvar.shape)
    memo: dict = {}
    dF = _diagonals_outside(dF, name)
    for node in walk_depending(dF, frozenset((name,))):
        memo[node] = _kron_rule(node, memo, name, n_in)
    if dF not in memo:
        return B.zeros((_size(dF.shape), n_in))
    return memo[dF]


def _diagonals_outside(dF: Expr, name: str) -> Expr:
    """dF with each diag(du) at an end of a product moved out of the entrywise product around it.

    (diag(u) A) .* B = diag(u) (A .* B) and (A diag(u)) .* B = (A .* B) diag(u). Inside the
    entrywise product, diag(du) is read off through the n^2 x n diagonal embedding,
    diag(vec B) (A' (x) I) W; outside it, P diag(du) q is diag(q) du. The Hessian of
    sum(exp(diag(w) M) v) is then diag((exp(diag(w) M) .* M .* M) v), not a Kronecker product.

    An outer product with the direction becomes such diagonals first: (u r') .* M = diag(u) M diag(r).
    """
    if not any(isinstance(n, (Diag, Hadamard)) and name in n.free for n in dF.walk()):
        return dF

    def moved(node: Expr) -> Expr:
        if not isinstance(node, Hadamard):
            return node
        f = next((g for g in node.args if name in g.free), None)
        if not isinstance(f, Mul):
            return node
        c, scal, chain = f.split()
        if len(chain) < 2:
            return node
        others = [g for g in node.args if g is not f]
        if isinstance(chain[0], Diag) and name in chain[0].free:
            inner = moved(B.hadamard(*others, B.mul(B.num(c), *scal, *chain[1:])))
            return B.mul(chain[0], inner)
        if isinstance(chain[-1], Diag) and name in chain[-1].free:
            inner = moved(B.hadamard(*others, B.mul(B.num(c), *scal, *chain[:-1])))
            return B.mul(inner, chain[-1])
        if chain[-1].shape[0] == 1 and name not in chain[-1].free:  # (du r') .* M = diag(du) M diag(r)
            u = B.mul(B.num(c), *scal, *chain[:-1])
            return B.mul(B.diag(u), B.hadamard(*others),
                         B.diag(B.transpose(chain[-1])))
        if chain[0].shape[1] == 1 and name not in chain[0].free:  # (u dr') .* M = diag(u) M diag(dr)
            r = B.transpose(B.mul(B.num(c), *scal, *chain[1:]))
            return B.mul(B.diag(chain[0]), B.hadamard(*others), B.diag(r))
        return node
    return transform(dF, moved)


def _vec_row(x: Expr) -> Expr:
    return B.transpose(B.vec(x))


def _kron_rule(e: Expr, memo: dict, name: str, n_in) -> Expr:
    if isinstance(e, Var):
        return B.identity(n_in)
    rule = KRONECKER.get(type(e))
    if rule is None:
        raise NotSupportedError(f"no Kronecker form through {type(e).__name__}")
    return rule(e, memo, name)


# ---------------------------------------------------------------- forward rules vec(L(dX)) = J vec(dX)
# KRONECKER[Node](node, memo, name): J of the node from its children's J (memo), for the linear
# node classes a differential is made of.
def _k_add(e, memo, name):                # vec(A + B) = vec A + vec B
    return B.add(*[memo[t] for t in e.args if name in t.free])


def _k_mul(e, memo, name):                # vec(P F Q) = (Q' (x) P) vec F
    c, scal, chain = e.split()
    deps = [i for i, f in enumerate(e.args) if name in f.free]
    if len(deps) != 1:
        raise NotSupportedError("internal: the differential is not linear in the direction")
    i = deps[0]
    f = e.args[i]
    if f.shape == SCALAR:
        rest = B.mul(*(e.args[:i] + e.args[i + 1:]))
        return B.mul(B.vec(rest), memo[f])
    j = i - (len(e.args) - len(chain))
    p = B.mul(*chain[:j]) if j > 0 else None
    q = B.mul(*chain[j + 1:]) if j + 1 < len(chain) else None
    column = q is not None and q.shape[1] == 1
    if isinstance(f, Add) and _diagonal_terms(f, name, column) and _through_vec(memo[f]):
        # P (F1 + F2) Q = P F1 Q + P F2 Q, where a term is read off without the vec route the sum took
        return B.add(*[_jacobian_of(B.mul(B.num(c), *scal, *chain[:j], t, *chain[j + 1:]), memo, name)
                       for t in f.args if name in t.free])
    pre = [p] if p is not None else []
    if isinstance(f, Diag) and column:  # P diag(dv) q = P diag(q) dv
        return B.mul(B.num(c), *scal, *pre, B.diag(q), memo[f.arg])
    if isinstance(f, Hadamard) and column:
        through = _hadamard_times_column(f, q, memo, name)
        if through is not None:
            return B.mul(B.num(c), *scal, *pre, through)
    left = B.kron(B.transpose(q) if q is not None else B.identity(f.shape[1]),
                  p if p is not None else B.identity(f.shape[0]))
    return B.mul(B.num(c), *scal, left, memo[f])


def _jacobian_of(e: Expr, memo: dict, name: str) -> Expr:
    """The J of a node made while reading off (a distributed term), its new descendants' first. The
    direction itself is already in `memo`, as every node that depends on it is built over it."""
    for node in walk_depending(e, frozenset((name,))):
        if node not in memo:
            memo[node] = _kron_rule(node, memo, name, None)
    return memo[e]


def _through_vec(j: Expr) -> bool:
    """Whether a Jacobian holds a Kronecker product or a diag(vec(M)): the forms a sum is distributed
    to avoid. Elsewhere distributing would only lengthen it (a deep softmax chain's Hessian). Kept in
    each node's cache, children first, so the walks stay linear in the DAG."""
    for n in j.walk_missing("vec_form"):
        n._c["vec_form"] = isinstance(n, Kron) or (isinstance(n, Diag) and isinstance(n.arg, Vec)) \
            or any(c._c["vec_form"] for c in n.children)
    return j._c["vec_form"]


def _diagonal_terms(f: Add, name: str, column: bool) -> bool:
    """Whether a sum in a product is worth distributing: a term holds diag(dv), or (times a column)
    an entrywise product with the direction, which the rules below read off without vec."""
    kinds = (Diag, Hadamard) if column else (Diag,)
    for t in f.args:
        factors = t.args if isinstance(t, Mul) else (t,)
        if any(isinstance(g, kinds) and name in g.free for g in factors):
            return True
    return False


def _hadamard_times_column(f: Hadamard, q: Expr, memo: dict, name: str) -> Expr | None:
    """J of (F .* M) q, q a column, without the n^2 x n^2 diag(vec M), where the direction enters F
    through one factor of a product: a diagonal, or a column times a row.

    ((A diag(dv) B) .* M) q = (A .* (M diag(q) B')) dv: entry i is sum_k A_ik dv_k sum_j B_kj M_ij q_j.
    ((A du s') .* M) q = diag(M (s .* q)) A du: entry i is (A du)_i sum_j s_j M_ij q_j.
    The Hessian of a softmax bias over a batch is then diag(P 1) - P P', not a Kronecker product.
    """
    F = next(g for g in f.args if name in g.free)
    M = B.hadamard(*[g for g in f.args if g is not F])
    c, scal, chain = F.split() if isinstance(F, Mul) else (1, (), (F,))
    if any(name in s.free for s in scal):
        return None
    deps = [k for k, g in enumerate(chain) if name in g.free]
    if len(deps) != 1:
        return None
    k = deps[0]
    g, before, after = chain[k], chain[:k], chain[k + 1:]
    if isinstance(g, Diag):
        n = g.shape[0]
        a = B.mul(*before) if before else B.identity(n)
        b = B.mul(*after) if after else B.identity(n)
        inner = B.hadamard(a, B.mul(M, B.diag(q), B.transpose(b)))
        return B.mul(B.num(c), *scal, inner, _jacobian_of(g.arg, memo, name))
    if g.shape[1] == 1 and after:
        row = B.mul(*after)
        if row.shape[0] == 1:
            weights = B.mul(M, B.hadamard(B.transpose(row), q))
            return B.mul(B.num(c), *scal, B.diag(weights), *before, _jacobian_of(g, memo, name))
    return None


def _k_hadamard(e, memo, name):           # vec(A .* F) = diag(vec A) vec F
    f = next(g for g in e.args if name in g.free)
    others = B.hadamard(*[g for g in e.args if g is not f])
    return B.mul(B.diag(B.vec(others)), memo[f])


def _k_transpose(e, memo, name):          # vec(F') = K vec F
    r, c = e.arg.shape
    return B.mul(B.comm(r, c), memo[e.arg])


def _k_trace(e, memo, name):              # tr F = vec(I)' vec F
    n = e.arg.shape[0]
    j = memo[e.arg]
    out = []
    for t in (j.args if isinstance(j, Add) else (j,)):
        # vec(I)' (C (x) D) W = diag(C' D)': tr(D diag(v) C') = sum_k (C' D)_kk v_k
        c, scal, chain = t.split() if isinstance(t, Mul) else (1, (), (t,))
        k = _embedded(chain, n)
        if k is not None and k[0].shape == (n, n):
            C, D, rest = k
            out.append(B.mul(B.num(c), *scal, B.transpose(B.diagpart(B.mul(B.transpose(C), D))), *rest))
        else:
            out.append(B.mul(_vec_row(B.identity(n)), t))
    return B.add(*out)


def _embedded(chain, p: int):
    """(C, D, rest) when a chain is (C (x) D) W rest, W the diagonal embedding of size q, C and D
    both p x q."""
    if len(chain) >= 2 and isinstance(chain[0], Kron) and chain[1].shape[1] != 1 \
            and chain[1] is _diagonal_embedding(chain[1].shape[1]) \
            and all(f.shape == (p, chain[1].shape[1]) for f in chain[0].args):
        return chain[0].args + (chain[2:],)
    return None


def _k_sum(e, memo, name):                # sum F = vec(1 1')' vec F
    return B.mul(_vec_row(B.ones(e.arg.shape)), memo[e.arg])


def _k_vec(e, memo, name):                # vec(vec F) = vec F, vec(unvec f) = f
    return memo[e.arg]


def _diagonal_embedding(n) -> Expr:
    """W with vec(diag(v)) = W v (n^2 x n; column-major vec): W[(j, k), i] = [j = k = i], the
    entrywise product of I (x) 1 and 1 (x) I."""
    one = B.ones((n, 1))
    return B.hadamard(B.kron(B.identity(n), one), B.kron(one, B.identity(n)))


def _k_diag(e, memo, name):               # vec(diag(v)) = W v
    return B.mul(_diagonal_embedding(e.shape[0]), memo[e.arg])


def _k_diagpart(e, memo, name):           # diag(F) = W' vec F
    n = e.shape[0]
    w = _diagonal_embedding(n)
    j = memo[e.arg]
    terms = j.args if isinstance(j, Add) else (j,)
    out = []
    for t in terms:  # W_n' (C (x) D) W_k = C .* D (n x k): diag(M diag(v) N) has the Jacobian M .* N'
        c, scal, chain = t.split() if isinstance(t, Mul) else (1, (), (t,))
        k = _embedded(chain, n)
        if k is not None:
            C, D, rest = k
            out.append(B.mul(B.num(c), *scal, B.hadamard(C, D), *rest))
        else:
            out.append(B.mul(B.transpose(w), t))
    return B.add(*out)


def _k_kron(e, memo, name):               # vec(dA (x) B) = L_A vec dA, vec(A (x) dB) = L_B vec dB
    return B.add(*[B.mul(lf, memo[f]) for f, lf in zip(e.args, kron_factors(e)) if name in f.free])


KRONECKER: dict = {Add: _k_add, Mul: _k_mul, Hadamard: _k_hadamard, Transpose: _k_transpose,
                   Trace: _k_trace, Sum: _k_sum, Vec: _k_vec, Unvec: _k_vec, Kron: _k_kron, Diag: _k_diag,
                   DiagPart: _k_diagpart}
