"""The emitter: code for every node of the expression DAG, shared subexpressions once.

See `generate` for what makes the code fast; this module holds the per-node rules.
"""
from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from ...core import build as B
from ...core.errors import MatcalcError, NotSupportedError
from ...core.functions import FUNCTIONS, stable_form
from ...core.nodes import (SCALAR, Expr, Add, Det, Diag, DimSize, Func, Hadamard, Identity, Inverse, Kron, MatPow, Mul, Num, Ones, Pow,
                           Trace, Transpose, Var)
from ...core.reductions import partial_trace
from ..printing import broadcast_scalar, is_broadcast
from .backends import Backend
from .dense import DenseMaps
from .names import py_name
from .powers import MatrixPowers
from .sums import MatrixSums
from .chain_order import LONG_CHAIN, chain_node as _chain_node, cheapest_splits, greedy_splits
from .syntax import fill, float_literal, is_call, is_simple, needs_paren_in_sum, par, unwrap

def _python_number(k: Expr) -> bool:
    """Is k a node of a Python number of sizes in the code (n, 2 n - 1, n^2; not sqrt(n), which the
    backend computes)? A function of one takes it as float(...), which JAX's sigmoid needs (it refuses
    an int); float() of a backend's value fails under jax.jit."""
    if isinstance(k, Pow):
        e = k.args[1]
        return isinstance(e, Num) and e.value.denominator == 1
    return isinstance(k, (DimSize, Num, Add, Mul))

if TYPE_CHECKING:
    from ...core.nodes import Dim

BIG = 1000  # the size assumed for a symbolic dimension when ordering matrix chains

def _matrices(k: Expr) -> bool:
    """Are both factors of a Kronecker product matrices (no vector, whose code is 1-D)?"""
    return all(f.shape[0] != 1 and f.shape[1] != 1 for f in k.args)


class Emitter(DenseMaps, MatrixPowers, MatrixSums):
    def __init__(self, backend: Backend, params: list):
        self.b = backend
        self.lines: list = []
        self.names: dict = {}    # id(node) -> code (a temporary or a parameter)
        self.counter = 0
        self.dims: dict = {}     # dimension symbol -> code
        self.params = params
        self.uses: dict = {}
        self.flipped: dict = {}  # id(node) -> its transpose, computed instead
        self.applied: dict = {}  # id(matrix power) -> its uses as a factor beside a vector (A^k x, x' A^k)
        self.keep: list = []
        self.plans: dict = {}
        self.splits: dict = {}   # (ids of a chain's factors) -> its split in the plan of a chain holding it
        self.known: set = set()
        self.lu_bases: set = set()  # id(M): det(M) and an inverse of M (or M') are both needed
        self.lu_names: dict = {}    # id(M) -> the temporary holding (det(M), inv(M))
        self.factors: dict = {}     # id(M) -> the temporary holding M and its LU factorization (_factored)

    def temp(self) -> str:
        self.counter += 1
        return f"_t{self.counter}"

    def assign(self, code: str) -> str:
        t = self.temp()
        self.lines.append(f"{t} = {unwrap(code)}")
        return t

    def dim(self, d: Dim) -> str:
        if isinstance(d, int):
            return str(d)
        if d in self.dims:  # (a product m*n that an input's length gives whole)
            return self.dims[d]
        if isinstance(d, str) and "*" in d:
            return " * ".join(self.dim(int(p) if p.isdigit() else p) for p in d.split("*"))
        if d not in self.dims:
            raise MatcalcError(f"the size of dimension {d} cannot be read off the inputs")
        return self.dims[d]

    # -- uses, for CSE
    def count(self, roots: list) -> None:
        """Uses of every node, counting the sub-chains that products will be split into."""
        order = []
        seen = set()
        for r in roots:  # children first, every node once over all the roots (a walk per root re-walked
            stack = [(r, False)]  # the subexpressions the roots share: thousands of terms of a Hessian)
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                    continue
                if id(node) in seen:
                    continue
                seen.add(id(node))
                stack.append((node, True))
                for c in reversed(node.children):
                    if id(c) not in seen:
                        stack.append((c, False))
        self.known = set(seen)
        if self.b.det_inv:  # det(M) and M^-1 (or M^-T) from one factorization
            dets = {id(_lu_base(n.arg)) for n in order if isinstance(n, Det)}
            self.lu_bases = {id(_lu_base(n.arg)) for n in order if isinstance(n, Inverse)} & dets
        for r in roots:
            self.uses[id(r)] = self.uses.get(id(r), 0) + 2  # outputs are always named
        work = list(order)
        while work:
            n = work.pop()
            kids = list(self._kids(n))
            for c in kids:
                self.uses[id(c)] = self.uses.get(id(c), 0) + 1
                if id(c) not in seen:  # a sub-chain seen for the first time
                    seen.add(id(c))
                    self.known.add(id(c))
                    self.keep.append(c)
                    order.append(c)
                    work.append(c)
        self.count_applied(order)
        # a node and its transpose both needed (x'W' and W x): compute the one with fewer
        # transposes, view the other as its .T
        present = {id(n): n for n in order}
        for n in order:
            if n.shape == SCALAR or isinstance(n, (Var, Transpose)) or B.is_symmetric(n):
                continue
            t = B.transpose(n)
            if id(t) in present and id(n) not in self.flipped and id(t) not in self.flipped:
                if (_transposes(t), t.key) < (_transposes(n), n.key):
                    self.flipped[id(n)] = t
                    self.uses[id(t)] = self.uses.get(id(t), 0) + self.uses.get(id(n), 0)
                    self.applied[id(t)] = self.applied.get(id(t), 0) + self.applied.get(id(n), 0)

    def _kids(self, n: Expr):
        """What n's code refers to: its children, or for a product its two sub-chains, or for a function
        with a stable form (log(softmax(u)) = u - logsumexp(u)) that form, whose parts are then counted
        (u used twice is computed once)."""
        if isinstance(n, Func):
            stable = stable_form(n.name, n.arg, B)
            if stable is not None:
                return [stable]
        if isinstance(n, Trace):
            parts = _trace_parts(n.arg)
            if parts is not None:
                return [parts[0], parts[1].arg if isinstance(parts[1], Transpose) else parts[1]]
        if isinstance(n, Mul):
            c, scal, chain = n.split()
            if chain and (c != 1 or scal):
                return list(scal) + ([_chain_node(list(chain))] if len(chain) > 1 else list(chain))
            if len(chain) > 1:
                pt = partial_trace(chain)
                if pt is not None:  # (the parts product() writes: the factors around it, and T)
                    i = pt[0]
                    return [k for k in (_chain_node(list(chain[:i])) if i else None, pt[1],
                                        _chain_node(list(chain[i + 3:])) if i + 3 < len(chain) else None) if k is not None]
                return list(self.plan(n))
        return n.children

    def code(self, e: Expr) -> str:
        """An expression's code; shared nodes and costly ones get a temporary."""
        got = self.names.get(id(e))
        if got is not None:
            return got
        self.keep.append(e)  # ids are keys: keep every named node alive so no id is reused
        t = self.flipped.get(id(e))
        if t is not None:  # computed in the other orientation: a transposed view
            c = self.atom(t) if 1 in e.shape else fill(self.b.T, x=self.atom(t))  # a 1-D vector is its own transpose
            self.names[id(e)] = c
            return c
        c = repr(float(e.evaluate({}))) if e.children and _of_numbers(e) else self._code(e)
        if self.uses.get(id(e), 0) > 1 and not isinstance(e, (Var, Num, DimSize)) and not is_simple(c):
            c = self.assign(c)
        self.names[id(e)] = c
        return c

    def atom(self, e: Expr) -> str:
        c = self.code(e)
        return c if is_simple(c) or is_call(c) else f"({c})"

    def _code(self, e: Expr) -> str:
        m = getattr(self, "_c_" + type(e).__name__, None)
        if m is None:
            raise NotSupportedError(f"no code generation for {type(e).__name__}")
        return m(e)

    # -- leaves
    def _c_Var(self, e):
        return py_name(e.name)

    def _c_Num(self, e):
        return float_literal(e.value)

    def _c_DimSize(self, e):
        return self.dim(e.args[0])

    def _c_Identity(self, e):
        return fill(self.b.eye, n=self.dim(e.args[0]))

    def _sizes(self, e: Expr) -> str:
        r, c = e.shape
        if r == 1 or c == 1:
            return f"{self.dim(r if c == 1 else c)},"
        return f"{self.dim(r)}, {self.dim(c)}"

    def _c_Zero(self, e):
        return fill(self.b.zeros, s=self._sizes(e))

    def _c_Ones(self, e):
        return fill(self.b.ones, s=self._sizes(e))

    def _c_Comm(self, e):
        return f"_comm({self.dim(e.args[0])}, {self.dim(e.args[1])})"

    # -- sums and products
    def _c_Add(self, e):
        if (self.b.add_outer or self.b.low_rank) and e.shape[0] != 1 and e.shape[1] != 1:
            got = self.low_rank(e) if self.b.low_rank else None
            if got is None and self.b.add_outer:
                got = self.accumulate_outer(e)
            if got is not None:
                return got
            got = self.plus_diagonal(e)
            if got is not None:
                return got
        factored = self.common_scalar_factor(e)
        if factored is not None:
            return factored
        terms = list(e.args)
        if e.shape != SCALAR and not all(is_broadcast(t) for t in terms):
            terms = [broadcast_scalar(t) if is_broadcast(t) else t for t in terms]  # NumPy broadcasts
        terms = [t for t in terms if B.split_coeff(t)[0] > 0] + [t for t in terms if B.split_coeff(t)[0] < 0]
        parts = []
        for i, t in enumerate(terms):
            c, rest = B.split_coeff(t)
            if c < 0:
                s = self.code(B.scale(-c, rest))
                parts.append(("-" if i == 0 else " - ") + (f"({s})" if needs_paren_in_sum(s) else s))
            else:
                parts.append(("" if i == 0 else " + ") + self.code(t))
        return "".join(parts)

    def _scalar_product(self, c, scal) -> str:
        """The code of the number c times the scalar expressions scal (no `1.0 *`)."""
        factors = ([] if c == 1 and scal else [self._c_Num(B.num(c))]) + [self.scalar(x) for x in scal]
        return " * ".join(factors)

    def _fresh(self, e: Expr, refs: int) -> bool:
        """Whether e's code makes a new array that nothing else refers to (so it may be updated in
        place): a sum, product or elementwise result with no uses but the `refs` expected ones,
        never a variable or a view."""
        if id(e) in self.names or id(e) in self.flipped or self.uses.get(id(e), 0) > refs:
            return False
        if isinstance(e, Mul):
            c, scal, chain = e.split()
            return len(chain) >= 2 or c != 1 or bool(scal)
        return isinstance(e, (Add, Hadamard, Func))

    def _c_Mul(self, e):
        c, scal, chain = e.split()
        factors = []
        sign = ""
        if c == -1:
            sign = "-"
        elif c != 1:
            factors.append(self._c_Num(B.num(c)))
        for s in scal:
            factors.append(self.scalar(s))
        if chain:
            if not scal and c == 1:  # a pure chain: one binary product of two sub-chains
                return self.product(e)
            if len(chain) == 1 and isinstance(chain[0], Diag) and e.shape[0] != 1:  # c diag(v) as diag(c v):
                # the number times n entries, not n^2 (12 diag(x .* x) made the n x n matrix twice)
                inner = self._scalar_product(c, scal)
                return fill(self.b.diagflat, x=f"{inner if is_simple(inner) or is_call(inner) else par(inner)} * "
                                              f"{self.atom(chain[0].arg)}")
            a = chain[0]
            if len(chain) == 1 and isinstance(a, Add) and (self.b.axpy_outer or self.b.low_rank) and a.shape[0] != 1 and \
                    a.shape[1] != 1 and self.uses.get(id(a), 0) <= 1 and id(a) not in self.names:
                scale = self._scalar_product(c, scal)
                got = self.low_rank(a, scale) if self.b.low_rank else None
                if got is None and self.b.axpy_outer:  # (c (s M + alpha u v'))
                    got = self.accumulate_outer(a, scale=scale)
                if got is not None:
                    return got
            outer = self._scaled_outer(c, scal, chain)
            if outer is not None:
                return outer
            factors.append(self.code(_chain_node(list(chain))))
        return sign + " * ".join(f if is_simple(f) or is_call(f) else f"({f})" for f in factors)

    def _scaled_outer(self, c, scal, chain) -> str | None:
        """c s u v' as outer(c s u, v): the scalars times the column's n entries, not the n x m matrix's
        (2 u x' made the outer product and then a second n x n array, 4.5 ms of 4.6 at n = 1000)."""
        node = _chain_node(list(chain))
        if len(chain) < 2 or 1 in node.shape or id(node) in self.names or id(node) in self.flipped \
                or self.uses.get(id(node), 0) > 1 or partial_trace(chain) is not None:
            return None
        left, right = self.plan(node)
        if left.shape[1] != 1 or isinstance(left, Diag) or isinstance(right, Diag):
            return None
        if c == -1:
            u = "-" + "".join(f"{self.scalar(s)} * " for s in scal) + self.atom(left)
        else:
            u = f"{self._scalar_product(c, scal)} * {self.atom(left)}"
        return fill(self.b.outer, u=u, v=self.code(right))

    def scalar(self, s: Expr) -> str:
        if isinstance(s, Mul) and s.split()[0] == 1 and not s.split()[1]:
            return self.code(s)  # a 1x1 chain: _c_Mul makes it a float
        return self.atom(s)

    def product(self, e: Mul) -> str:
        """A pure chain as left @ right, split where the plan says; special products inline."""
        pt = partial_trace(e.args)
        if pt is not None:
            i, t, grid, spec = pt
            code = fill(self.b.einsum, spec=spec, path=False,
                        ops=f"{self.atom(t)}.reshape({', '.join(self.dim(d) for d in grid)})")
            if i:
                code = f"{self.atom(_chain_node(list(e.args[:i])))} @ {par(code)}"
            if i + 3 < len(e.args):
                code = f"{par(code)} @ {self.atom(_chain_node(list(e.args[i + 3:])))}"
            return code
        left, right = self.plan(e)
        inner = left.shape[1]
        # an inverse that only multiplies (or twice multiplies a vector) becomes a solve
        if isinstance(left, Inverse) and self._solves(left, right):
            if self._spd(left.arg) and self.uses.get(id(left), 0) <= 2:
                return f"_spd_solve({self.code(left.arg)}, {self.code(right)})"
            shared = self._shared_factor(left)
            if shared is not None:
                return f"_factored_solve({self.factored(shared[0])}, {self.code(right)}{', True' if shared[1] else ''})"
            return fill(self.b.solve, a=self.code(left.arg), b=self.code(right))
        if isinstance(right, Inverse) and self._solves(right, left):
            m = right.arg
            shared = self._shared_factor(right)
            if self._spd(m) and self.uses.get(id(right), 0) <= 2:  # (S' = S)
                sol = f"_spd_solve({self.code(m)}, {self.vT(left)})"
            elif shared is not None:  # (v' M^-1 = (M^-T v)': the transposed solve of M's factors)
                sol = f"_factored_solve({self.factored(shared[0])}, {self.vT(left)}{'' if shared[1] else ', True'})"
            else:
                mt = self.code(m.arg) if isinstance(m, Transpose) else fill(self.b.T, x=self.atom(m))
                sol = fill(self.b.solve, a=mt, b=self.vT(left))
            return sol if left.shape[0] == 1 else fill(self.b.T, x=sol)
        # A^k v (and v' A^k): k products with the vector, never the n x n power (130x at n = 1000)
        if isinstance(left, MatPow) and left.k > 0 and right.shape[1] == 1 and self._only_applied(left):
            return self.apply_power(left.base, self.code(right), left.k, "left")
        if isinstance(right, MatPow) and right.k > 0 and left.shape[0] == 1 and self._only_applied(right):
            return self.apply_power(right.base, self.vT(left), right.k, "right")
        # M^-k v (and v' M^-k): k solves from one factorization, not the inverse to the k-th power
        if isinstance(left, MatPow) and left.k < 0 and right.shape[1] == 1 and self._solves_power(left):
            return self.power_solve(left.base, False, self.code(right), -left.k)
        if isinstance(right, MatPow) and right.k < 0 and left.shape[0] == 1 and self._solves_power(right):
            return self.power_solve(right.base, True, self.vT(left), -right.k)
        # kron(A, B) v = vec(B V A') with v = vec(V): two products, never the mp x nq matrix (12 GiB for
        # ||kron(A, B) x - y||^2 at m = n = 200); and its row form u' kron(A, B) = (kron(A', B') u)'
        if isinstance(left, Kron) and right.shape[1] == 1 and id(left) not in self.names and _matrices(left):
            a, b = left.args
            v = f"{self.atom(right)}.reshape({self.dim(a.shape[1])}, {self.dim(b.shape[1])})"
            return f"({self.atom(a)} @ {v} @ {self._transposed(b)}).reshape(-1)"
        if isinstance(right, Kron) and left.shape[0] == 1 and id(right) not in self.names and _matrices(right):
            a, b = right.args
            u = f"{self.vT(left)}.reshape({self.dim(a.shape[0])}, {self.dim(b.shape[0])})"
            return f"({self._transposed(a)} @ {u} @ {self.atom(b)}).reshape(-1)"
        # of a matrix M, as batched products over M's blocks of rows (columns): B times each block, then
        # A across them (kron(A, B) M), and M kron(A, B) likewise; never the mp x nq matrix times M
        if isinstance(left, Kron) and id(left) not in self.names and _matrices(left):
            a, b = left.args  # (an identity factor multiplies by nothing: kron(A', I) C' is A' across C's blocks)
            m3 = f"{self.atom(right)}.reshape({self.dim(a.shape[1])}, {self.dim(b.shape[1])}, -1)"
            y = m3 if isinstance(b, Identity) else f"({self.atom(b)} @ {m3})"
            y = f"{y}.reshape({self.dim(a.shape[1])}, -1)"
            y = y if isinstance(a, Identity) else f"({self.atom(a)} @ {y})"
            return f"{y}.reshape({self.dim(a.shape[0])} * {self.dim(b.shape[0])}, -1)"
        if isinstance(right, Kron) and id(right) not in self.names and _matrices(right):
            a, b = right.args
            m3 = f"{self.atom(left)}.reshape(-1, {self.dim(a.shape[0])}, {self.dim(b.shape[0])})"
            y = m3 if isinstance(b, Identity) else f"({m3} @ {self.atom(b)})"
            y = y if isinstance(a, Identity) else f"({self._transposed(a)} @ {y})"
            return f"{y}.reshape(-1, {self.dim(a.shape[1])} * {self.dim(b.shape[1])})"
        # a matrix of ones multiplies as a sum: M ones(k, n) has M's row sums in every column (the
        # centering matrix I - ones(n, n) / n of a layer-norm Hessian was an n x n GEMM: 119x at n = 1000)
        if isinstance(right, Ones) and 1 not in right.shape:
            ones = fill(self.b.ones, s=f"{self.dim(right.shape[1])},")
            if left.shape[0] == 1:
                return f"{self.atom(left)}.sum() * {ones}"
            return f"{self.atom(left)}.sum(axis=1)[:, None] * {ones}"
        if isinstance(left, Ones) and 1 not in left.shape:
            ones = fill(self.b.ones, s=f"{self.dim(left.shape[0])},")
            if right.shape[1] == 1:
                return f"{self.atom(right)}.sum() * {ones}"
            return f"{ones}[:, None] * {self.atom(right)}.sum(axis=0)"
        # diag(v) times a matrix, and outer products, are broadcast products (vectors are 1-D)
        if isinstance(left, Diag):
            v = self.atom(left.arg)
            return f"{v} * {self.atom(right)}" if right.shape[1] == 1 else f"{v}[:, None] * {self.atom(right)}"
        if isinstance(right, Diag):
            return f"{self.atom(left)} * {self.atom(right.arg)}"
        if inner == 1:
            if left.shape[0] != 1 and right.shape[1] != 1:  # u v' of two vectors
                return fill(self.b.outer, u=self.code(left), v=self.code(right))
            return f"{self.atom(left)}[:, None] * {self.atom(right)}"
        if self.b.row_first and isinstance(left, Transpose) and right.shape[1] == 1 and id(left) not in self.names:
            return f"{self.atom(right)} @ {self.atom(left.arg)}"  # (M' v = v' M, vectors being 1-D)
        return f"{self.atom(left)} @ {self.atom(right)}"

    def _transposed(self, m: Expr) -> str:
        """The code of m' (of a transposed m, m itself: B, not B.T.T)."""
        return self.atom(m.arg) if isinstance(m, Transpose) else fill(self.b.T, x=self.atom(m))

    def plan(self, e: Mul) -> tuple:
        """The best split of a pure chain into two sub-chains (hash-consed nodes, so shared
        sub-products are found and computed once). Fewest flops first; among equal costs, the
        split that reuses sub-products the program needs anyway."""
        got = self.plans.get(id(e))
        if got is not None:
            return got
        chain = list(e.args)
        n = len(chain)
        k = self.splits.get(tuple(map(id, chain)))
        if k is not None:  # (a sub-chain of a chain planned before: its split in that plan)
            got = self.plans[id(e)] = (_chain_node(chain[:k + 1]), _chain_node(chain[k + 1:]))
            self.keep.extend(got)
            return got
        dims = [_size(chain[0].shape[0])] + [_size(f.shape[1]) for f in chain]
        unknown: dict = {}  # (a, b) -> is the sub-chain a..b a product the program does not compute anyway?

        def fresh_product(a: int, b: int) -> bool:
            got = unknown.get((a, b))
            if got is None:  # (looked up, never built: building every sub-chain made O(n^3) nodes)
                node = Mul._existing(tuple(chain[a:b + 1]))
                got = unknown[(a, b)] = node is None or id(node) not in self.known
            return got
        merges = greedy_splits(dims) if n > LONG_CHAIN else cheapest_splits(dims, fresh_product)
        # the splits of the sub-chains the order multiplies, kept: each is planned when its code is written,
        # and planning it anew from its own factors made a chain of L factors cost L^4
        for i, j, k in merges:
            if j - i >= 2:
                self.splits[tuple(map(id, chain[i:j + 1]))] = k - i  # (where the sub-chain splits, from its start)
        k = merges[-1][2]  # (the last merge is the whole chain's)
        got = (_chain_node(chain[:k + 1]), _chain_node(chain[k + 1:]))
        self.plans[id(e)] = got
        self.keep.extend(got)
        return got

    def _c_Hadamard(self, e):
        return " * ".join(self.atom(f) for f in e.args)

    # -- unary
    def vT(self, e: Expr) -> str:
        """e transposed; a vector is 1-D, its transpose is itself."""
        if e.shape[0] == 1 or e.shape[1] == 1:
            return self.code(e)
        return fill(self.b.T, x=self.atom(e))

    def _c_Transpose(self, e):
        return self.vT(e.arg)

    def _c_Inverse(self, e):
        if self.shares_lu(e.arg):
            t = self.shared_lu(e.arg)
            return f"{t}[1]" if e.arg is _lu_base(e.arg) else f"{t}[1].T"
        return fill(self.b.inv, x=self.code(e.arg))

    def shares_lu(self, m: Expr) -> bool:
        """Whether det and inverse of m (or m') both appear, so one factorization serves both."""
        return id(_lu_base(m)) in self.lu_bases

    def shared_lu(self, m: Expr) -> str:
        """The temporary holding (det(M), inv(M)) for M = m or m', computed once."""
        base = _lu_base(m)
        t = self.lu_names.get(id(base))
        if t is None:
            t = self.assign(fill(self.b.det_inv, x=self.code(base)))
            self.lu_names[id(base)] = t
        return t

    def _c_Pow(self, e):
        b, x = e.base, e.exp
        if isinstance(x, Num):
            v = x.value
            if v == Fraction(1, 2):
                return f"{FUNCTIONS['sqrt'].code[self.b.name]}({self.function_argument(b)})"
            if v == -1:
                return f"1.0 / {self.atom(b)}"
            if v.denominator == 2 and abs(v) <= Fraction(17, 2):  # pow() per entry: 1 / sqrt(a), a sqrt(a)
                return self._half_power(b, v)
            if v == -2:
                a = self.atom(b)
                a = a if is_simple(a) else self.assign(a)
                return f"1.0 / ({a} * {a})"
            if v == 2:
                a = self.atom(b)
                return f"{a} * {a}" if is_simple(a) else f"{a} ** 2"
            if v.denominator == 1 and 3 <= abs(v) <= 8:
                return self._small_power(self.atom(b), int(v))
            small = v.denominator == 1 and abs(v) < 2 ** 31  # (an integer power; a larger one as a float)
            return f"{self.atom(b)} ** {v.numerator if small else float_literal(v)}"
        return f"{self.atom(b)} ** {self.atom(x)}"

    def _half_power(self, b: Expr, v: Fraction) -> str:
        """b ** v for a half-integer v, |v| <= 17/2, as a square root times a product: NumPy's and XLA's
        pow() per entry is several times slower (x ** -2.5 in the Hessian of sum(x .^ -0.5), the norms
        in RMS-norm and layer-norm derivatives)."""
        if abs(v) == Fraction(1, 2):
            return f"1.0 / {FUNCTIONS['sqrt'].code[self.b.name]}({self.function_argument(b)})"
        a = self.function_argument(b)
        a = a if is_simple(a) else self.assign(a)
        code = " * ".join([a] * int(abs(v)) + [f"{FUNCTIONS['sqrt'].code[self.b.name]}({a})"])
        return code if v > 0 else f"1.0 / ({code})"

    def _small_power(self, a: str, k: int) -> str:
        """a ** k for 3 <= |k| <= 8 as products (of a * a, kept in a temporary): NumPy's power of an array to
        an integer other than 2 calls pow() per entry, 300 times slower (4 X.^3, the gradient of sum(X.^4),
        took 2.5 ms at 200 x 200 against 16 us)."""
        if not is_simple(a):
            a = self.assign(a)
        n = abs(k)
        half = [self.assign(f"{a} * {a}")] * (n // 2) if n >= 4 else [f"{a} * {a}"] * (n // 2)
        code = " * ".join(half + [a] * (n % 2))
        return code if k > 0 else f"1.0 / ({code})"

    def _c_Func(self, e):
        if e.name == "log" and isinstance(e.arg, Det):
            if self.shares_lu(e.arg.arg) and self.b.det_inv:  # with the inverse, from one factorization
                return f"{self.shared_lu(e.arg.arg)}[2]"
            return f"_log_det({self.code(e.arg.arg)})"
        stable = stable_form(e.name, e.arg, B)
        if stable is not None:  # log(sigmoid(u)) = -softplus(-u), ... (functions.STABLE_FORMS)
            return self.code(stable)
        spec = FUNCTIONS[e.name]
        if e.shape == SCALAR and self.b.name == "numpy" and spec.float_code:  # a float: math is faster
            return f"{spec.float_code}({self.code(e.arg)})"
        return f"{spec.code[self.b.name]}({self.function_argument(e.arg)})"

    def function_argument(self, a: Expr) -> str:
        """The code of a function's argument; one of sizes only (log(dim(n)), a Python int in the code)
        as an array where the backend's functions take no Python number (PyTorch), else as a float
        (JAX's sigmoid refuses an int: sigmoid(n) sum(x) raised a TypeError)."""
        c = self.code(a)
        if a.free:
            return c
        if not self.b.functions_take_numbers:
            return fill(self.b.asarray, x=c, name="size")
        # (sin(u' - u'): zeros, an array of no variable; log(sqrt(n)): sqrt's value is the backend's already,
        # and float() of it fails under jax.jit)
        return f"float({c})" if a.shape == SCALAR and all(_python_number(k) for k in a.walk()) else c

    def _c_Trace(self, e):
        a = e.arg
        parts = _trace_parts(a)
        if parts is not None and id(a) not in self.names and self.uses.get(id(a), 0) == 0:
            p, last = parts  # tr(P Q) = sum(P .* Q'), tr(X^2) = sum(X .* X'): never the product (33x at n = 1000),
            # by einsum, which makes no n x n temporary for P .* Q' (0.8 ms at n = 1000 against 1.4)
            if 1 in p.shape:  # (vectors are 1-D)
                q = self.atom(last.arg) if isinstance(last, Transpose) else fill(self.b.T, x=self.atom(last))
                return f"({par(self.code(p))} * {q}).sum()"
            spec, q = ("ij,ij->", last.arg) if isinstance(last, Transpose) else ("ij,ji->", last)
            return fill(self.b.einsum, spec=spec, path=False, ops=f"{self.atom(p)}, {self.atom(q)}")
        return fill(self.b.trace, x=self.code(a))

    def _c_Det(self, e):
        if isinstance(e.arg, Diag):  # the product of the diagonal, not an n x n matrix factored
            return f"{self.atom(e.arg.arg)}.prod()"
        if self.shares_lu(e.arg):
            return f"{self.shared_lu(e.arg)}[0]"
        return fill(self.b.det, x=self.code(e.arg))

    def _c_LogDet(self, e):
        if isinstance(e.arg, Diag):  # log|det| of diag(v): sum(log|v|), not an n x n matrix factored
            log, absolute = (FUNCTIONS[n].code[self.b.name] for n in ("log", "abs"))
            return f"{log}({absolute}({self.code(e.arg.arg)})).sum()"
        return fill(self.b.slogdet, x=self.code(e.arg))

    def _c_Sum(self, e):
        return f"{self.atom(e.arg)}.sum()"

    def _c_Softmax(self, e):
        return f"_softmax({self.code(e.arg)})"

    def _c_LogSumExp(self, e):
        return f"_logsumexp({self.code(e.arg)})"

    def _c_Diag(self, e):
        return fill(self.b.diagflat, x=self.code(e.arg))

    def _c_DiagPart(self, e):
        """diag(M); of a product needed nowhere else, row by row (einsum 'ij,ji->i'): O(n p), never the
        n x n product (diag(X X') at n = 500, p = 400 was 29x slower than (X**2).sum(1))."""
        m = e.arg
        if isinstance(m, Mul) and id(m) not in self.names and self.uses.get(id(m), 0) <= 1 \
                and id(m) not in self.flipped and m.split()[0] == 1 and not m.split()[1] and len(m.args) >= 2 \
                and partial_trace(m.args) is None:
            left, right = self.plan(m)
            if 1 not in left.shape and 1 not in right.shape and not isinstance(left, (Diag, Kron)) \
                    and not isinstance(right, (Diag, Kron)):
                if isinstance(right, Transpose):  # diag(P Q') = rows of P times rows of Q, summed
                    return fill(self.b.einsum, spec="ij,ij->i", path=False,
                                ops=f"{self.atom(left)}, {self.atom(right.arg)}")
                return fill(self.b.einsum, spec="ij,ji->i", path=False, ops=f"{self.atom(left)}, {self.atom(right)}")
        if isinstance(m, MatPow) and m.k == 2 and id(m) not in self.names and self.uses.get(id(m), 0) <= 1 \
                and id(m) not in self.flipped:  # diag(X^2)
            x = self.atom(m.base)
            return fill(self.b.einsum, spec="ij,ji->i", path=False, ops=f"{x}, {x}")
        return fill(self.b.diagonal, x=self.code(m))

    def _c_Vec(self, e):
        return f"{fill(self.b.T, x=self.atom(e.arg))}.reshape(-1)"

    def _c_Unvec(self, e):
        """Column-major: the vector's consecutive pieces are the columns (vectors are 1-D)."""
        r, c = e.shape
        return fill(self.b.T, x=f"{self.atom(e.arg)}.reshape({self.dim(c)}, {self.dim(r)})")

    def _c_Kron(self, e):
        """Vectors are 1-D in the code but columns (or rows) in a Kronecker product: kron(x, I) is
        mn x n, not NumPy's kron of a 1-D array (a row); a vector result is 1-D again."""
        code = fill(self.b.kron, a=self._as_2d(e.args[0]), b=self._as_2d(e.args[1]))
        if e.shape != SCALAR and (e.shape[0] == 1 or e.shape[1] == 1):
            return f"{par(code)}.reshape(-1)"
        return code

    def _as_2d(self, e: Expr) -> str:
        r, c = e.shape
        if (r, c) == SCALAR or (r != 1 and c != 1):
            return self.code(e)
        return f"{self.atom(e)}[:, None]" if c == 1 else f"{self.atom(e)}[None, :]"



def _trace_parts(a: Expr) -> tuple | None:
    """(P, Q) with a = P Q, a pure chain or a positive matrix power, whose trace is sum(P .* Q') (the
    product never formed), else None."""
    if isinstance(a, Mul):
        c, s, ch = a.split()
        if c == 1 and not s and len(ch) >= 2:
            return _chain_node(list(ch[:-1])), ch[-1]
    if isinstance(a, MatPow) and a.k >= 2:
        return B.matpow(a.base, a.k - 1), a.base
    return None


def _lu_base(m: Expr) -> Expr:
    """M for M or M' (one LU factorization serves both: inv(M') = inv(M)', det(M') = det(M))."""
    return m.arg if isinstance(m, Transpose) else m


def _transposes(e: Expr) -> int:
    return sum(1 for n in e.walk() if isinstance(n, Transpose))


def _size(d) -> int:
    return 1 if d == 1 else BIG


def _of_numbers(e: Expr) -> bool:
    """Is e a scalar made of numbers only (log(2), sqrt(log(3)))? Such a node is written as its
    value: PyTorch's functions take no float. Kept on the node, from its children's answers."""
    done = e._c.get("of_numbers")
    if done is None:
        done = e._c["of_numbers"] = e.shape == SCALAR and (
            isinstance(e, Num) or (bool(e.children) and all(_of_numbers(c) for c in e.children)))
    return done
