"""Linear maps written out densely: V -> L(V) as the array [out..., in...] by index notation.

`linear_terms` turns L(V) into terms coeff * prod(scalars) * einsum(operands); `DenseMaps` (a
part of the emitter) writes each term as a broadcast product or an einsum whose contraction
order is chosen when the code is generated (never NumPy's naive loop over all indices).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ...calculus.readoff import gradient_of, kronecker_of
from ...core import build as B
from ...core.budget import check_clock
from ...core.errors import NotSupportedError
from ...core.nodes import (SCALAR, Add, Diag, DiagPart, Expr, Hadamard, Identity, Kron, Mul, Num, Sum, Trace, Transpose,
                           Unvec, Var, Vec)
from .syntax import fill, par


class _Letters:
    def __init__(self):
        self.i = 0

    def new(self) -> str:
        """A fresh one-character index; past the alphabet, other characters (every einsum is
        renamed to ASCII letters by _ascii_spec, and one term uses few indices)."""
        alphabet = "abcdefghmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
        c = alphabet[self.i] if self.i < len(alphabet) else chr(0x100 + self.i)
        self.i += 1
        return c


def _ascii_spec(spec: str) -> str:
    """An einsum spec with its indices renamed to ASCII letters (NumPy accepts no others)."""
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names: dict = {}
    out = []
    for ch in spec:
        if ch in ",->":
            out.append(ch)
            continue
        if ch not in names:
            if len(names) == len(letters):
                raise NotSupportedError("a term of this linear map needs more than 52 indices")
            names[ch] = letters[len(names)]
        out.append(names[ch])
    return "".join(out)


@dataclass
class _Term:
    """coeff * prod(scalars) * einsum(operands) with free indices row, col (None for a unit side)."""
    scalars: list
    operands: list          # [(Expr, "ab")]
    row: str | None
    col: str | None


def linear_terms(L: Expr, V: Var, letters: _Letters, kl: tuple) -> list:
    """L(V), linear in V, as index-notation terms; V's entry indices are kl = (k, l)."""
    name = V.name
    if name not in L.free:
        return []
    if L is V:  # a vector's unit side has no index
        return [_Term([], [], kl[0] if V.shape[0] != 1 else None, kl[1] if V.shape[1] != 1 else None)]
    if isinstance(L, Add):
        return [t for a in L.args for t in linear_terms(a, V, letters, kl)]
    if isinstance(L, Transpose):
        return [_Term(t.scalars, t.operands, t.col, t.row) for t in linear_terms(L.arg, V, letters, kl)]
    if isinstance(L, Mul):
        c, scal, chain = L.split()
        deps = [i for i, f in enumerate(L.args) if name in f.free]
        if len(deps) != 1:
            raise NotSupportedError("internal: not linear")
        f = L.args[deps[0]]
        consts = [B.num(c)] + [s for s in scal if s is not f]
        if f.shape == SCALAR:  # s(V) * M: the scalar's gradient carries the V indices
            m = B.mul(*chain) if chain else B.ONE
            gs = gradient_of(f, V)
            r, cc = _letters_for(m, letters)
            ops = [(gs, _idx(V.shape, kl))]
            if m is not B.ONE:
                ops.append((m, (r or "") + (cc or "")))
            return [_Term(consts, ops, r, cc)]
        j = list(chain).index(f)
        p, q = chain[:j], chain[j + 1:]
        out = []
        for t in linear_terms(f, V, letters, kl):
            ops = list(t.operands)
            row, col = t.row, t.col
            if p:
                pm = B.mul(*p)
                r = letters.new() if pm.shape[0] != 1 else None
                ops.append((pm, (r or "") + (row or "")))
                row = r
            if q:
                qm = B.mul(*q)
                cn = letters.new() if qm.shape[1] != 1 else None
                ops.append((qm, (col or "") + (cn or "")))
                col = cn
            out.append(_Term(consts + t.scalars, ops, row, col))
        return out
    if isinstance(L, Hadamard):
        f = next(g for g in L.args if name in g.free)
        other = B.hadamard(*[g for g in L.args if g is not f])
        return [_Term(t.scalars, t.operands + [(other, (t.row or "") + (t.col or ""))], t.row, t.col)
                for t in linear_terms(f, V, letters, kl)]
    if isinstance(L, Diag):  # diag(v)[r, c] = v[r] delta(r, c): a new column index joined by I
        out = []
        for t in linear_terms(L.arg, V, letters, kl):
            if t.row is None:
                out.append(_Term(t.scalars, t.operands, None, None))
                continue
            c = letters.new()
            out.append(_Term(t.scalars, t.operands + [(B.identity(L.shape[0]), t.row + c)], t.row, c))
        return out
    if isinstance(L, (Trace, Sum, DiagPart)) and L.shape == SCALAR:
        gs = gradient_of(L, V)
        return [_Term([], [(gs, _idx(V.shape, kl))], None, None)]
    if isinstance(L, DiagPart):  # row and column become one index: rename an inner one to the other
        out = []
        for t in linear_terms(L.arg, V, letters, kl):
            ops, row = t.operands, t.row
            if t.col and t.col not in kl:
                ops = [(e, ix.replace(t.col, t.row)) for e, ix in t.operands]
            elif t.col and t.row not in kl:
                ops, row = [(e, ix.replace(t.row, t.col)) for e, ix in t.operands], t.col
            elif t.col:  # both are the variable's own indices: a Kronecker delta joins them
                ops = t.operands + [(B.identity(L.arg.shape[0]), t.row + t.col)]
            out.append(_Term(t.scalars, ops, row, None))
        return out
    if L.shape == SCALAR:
        return [_Term([], [(gradient_of(L, V), _idx(V.shape, kl))], None, None)]
    raise NotSupportedError(f"no dense form for a map through {type(L).__name__}")


def through_composite_index(L: Expr) -> bool:
    """A map through vec, unvec or kron, whose indices are composite (i + m j): index notation
    has none, so its dense form comes from its Kronecker form."""
    return any(isinstance(n, (Vec, Unvec, Kron)) for n in L.walk())


def map_roots(L: Expr, V: Var) -> list:
    """The expressions the dense form of V -> L(V) computes (for common subexpressions)."""
    if through_composite_index(L):
        return [kronecker_of(L, V)]
    letters = _Letters()
    kl = (letters.new(), letters.new())
    out = []
    for t in linear_terms(L, V, letters, kl):
        out.extend(e for e, _ in t.operands)
        out.extend(t.scalars)
    return out


def _letters_for(m: Expr, letters: _Letters):
    r = letters.new() if m.shape[0] != 1 else None
    c = letters.new() if m.shape[1] != 1 else None
    return r, c


def _idx(shape, kl) -> str:
    r, c = shape
    return (kl[0] if r != 1 else "") + (kl[1] if c != 1 else "")


class DenseMaps:
    """The dense-map part of the emitter (mixed into `emitter.Emitter`)."""

    # -- dense linear maps
    def broadcast(self, e: Expr, ix: str, out_idx: str) -> str:
        """Operand e (indices ix) placed on the axes of out_idx, for a broadcast product."""
        if not ix:
            return self.atom(e) if e.shape == SCALAR else self.operand(e)
        code = self.operand(e)
        pos = [out_idx.index(ch) for ch in ix]
        if len(pos) == 2 and pos[0] > pos[1]:
            code = fill(self.b.T, x=code)
            pos = pos[::-1]
        sl = ", ".join(":" if p in pos else "None" for p in range(len(out_idx)))
        return f"{par(code)}[{sl}]"

    def operand(self, e: Expr) -> str:
        """An einsum operand (vectors are 1-D already)."""
        return self.code(e)

    def dense_map(self, out: Any) -> str:  # (out: a generate.Output, which imports this module)
        """[out..., in...] of V -> L(V) by index notation (einsum), never a Kronecker product."""
        L, V = out.expr, out.dvar
        letters = _Letters()
        k, l = letters.new(), letters.new()
        kl = (k, l)
        if through_composite_index(L):
            return self.dense_from_kronecker(L, V)
        terms = linear_terms(L, V, letters, kl)
        in_idx = _idx(V.shape, kl)
        parts = []
        sigs = []
        groups: dict = {}  # terms P[..] Q[..] with the same index pattern: one matrix product for all
        diagonal: list = []  # (view spec, code): terms with an identity, added on a diagonal view of the result
        for t in terms:
            ops = list(t.operands)
            row, col = t.row, t.col
            # an output index that is an input index needs an identity to become its own
            if row is not None and row in (k, l):
                nr = letters.new()
                ops.append((B.identity(V.shape[0] if row == k else V.shape[1]), nr + row))
                row = nr
            if col is not None and col in (k, l):
                nc = letters.new()
                ops.append((B.identity(V.shape[0] if col == k else V.shape[1]), nc + col))
                col = nc
            out_idx = (row or "") + (col or "") + in_idx
            if not ops:
                raise NotSupportedError("internal: empty dense term")
            sign = ""
            scal = []
            for s in t.scalars:
                if isinstance(s, Num):
                    if s.value == -1:
                        sign = "-" if not sign else ""
                        continue
                    if s.value == 1:
                        continue
                scal.append(self.atom(s))
            view = self._on_a_diagonal(ops, out_idx) if self.b.diagonal_add and len(out_idx) >= 3 else None
            if view is not None:
                spec, prod = view
                diagonal.append((spec, sign + " * ".join(scal + ([prod] if prod else [])) if scal or prod else
                                 sign + "1.0"))
                continue
            sig = _signature(ops, t.scalars, row, col, kl) if row and col and k in in_idx and l in in_idx else None
            split = _split(ops, out_idx) if len(out_idx) == 4 else None
            if split is not None:
                groups.setdefault(split[0], []).append((ops, out_idx, sign, scal, sig, split[1]))
                continue
            parts.append(sign + " * ".join(scal + [self._term(ops, out_idx)]))
            sigs.append(sig)
        for members in groups.values():
            if len(members) == 1:  # one outer product: a broadcast product (or einsum) of its own
                ops, out_idx, sign, scal, sig, _ = members[0]
                parts.append(sign + " * ".join(scal + [self._term(ops, out_idx)]))
                sigs.append(sig)
            else:
                parts.append(self._outer_sum(members))
                sigs.append(None)
        # a Hessian is symmetric: a term that is another one with (i, j) and (k, l) swapped is
        # that term's array transposed, a view instead of a second 4-way product
        for a in range(len(parts)):
            if sigs[a] is None or parts[a] is None:
                continue
            for b in range(a + 1, len(parts)):
                if parts[b] is not None and sigs[b] is not None and sigs[b][0] == sigs[a][1] \
                        and sigs[a][0] != sigs[a][1]:
                    t = self.assign(parts[a])
                    parts[a] = f"({t} + {fill(self.b.permute, x=t, axes='2, 3, 0, 1')})"
                    parts[b] = None
                    break
        parts = [p for p in parts if p is not None]
        full = [d for d in (L.shape[0], L.shape[1], V.shape[0], V.shape[1]) if d != 1]
        if not parts and not diagonal:
            return fill(self.b.zeros, s=", ".join(self.dim(d) for d in full) + ",")
        code = parts[0] + "".join((" - " + p[1:]) if p.startswith("-") else (" + " + p) for p in parts[1:]) \
            if parts else ""
        if not diagonal:
            return code
        # the terms with an identity on the diagonals of the result (zeros, whose pages the system gives lazily):
        # O(n^2) or O(n^3) writes, where each made an n^4 array and the sum another (the Jacobian of (X + X')/2
        # was 13x slower than JAX's at n = 32)
        out = self.assign(code if code and self._fresh_sum(parts) else
                          fill(self.b.zeros, s=", ".join(self.dim(d) for d in full) + ","))
        if code and not self._fresh_sum(parts):
            self.lines.append(f"{out} += {code}")
        for spec, add in diagonal:
            self.lines.append(fill(self.b.diagonal_add, spec=spec, x=out, v=add))
        return out

    def _fresh_sum(self, parts: list) -> bool:
        """Is the sum of these parts' code a new array (two or more terms; not a view of one)?"""
        return len(parts) >= 2

    def _on_a_diagonal(self, ops: list, out_idx: str) -> tuple | None:
        """(the einsum spec of a view of the result, the code of what is added on it) for a term that is a
        broadcast product with identities among its operands (delta_ik delta_jl, delta_kl X_ij): each
        identity's two indices are one on the view; or None."""
        letters = [ch for _, ix in ops for ch in ix]
        if not all(ch in out_idx for ch in letters) or not all(len(set(ix)) == len(ix) for _, ix in ops):
            return None
        parent = {ch: ch for ch in out_idx}

        def find(ch):
            while parent[ch] != ch:
                ch = parent[ch]
            return ch
        rest, merged = [], False
        for e, ix in ops:
            if isinstance(e, Identity) and len(ix) == 2:
                a, b = sorted((find(ix[0]), find(ix[1])), key=out_idx.index)
                if a != b:
                    parent[b] = a
                merged = True
            else:
                rest.append((e, ix))
        if not merged:
            return None
        reduced = "".join(dict.fromkeys(find(ch) for ch in out_idx))
        renamed = [(e, "".join(find(ch) for ch in ix)) for e, ix in rest]
        if any(len(set(ix)) != len(ix) for _, ix in renamed):
            return None  # (an operand's own diagonal: left to the general term)
        spec = _ascii_spec("".join(find(ch) for ch in out_idx) + "->" + reduced)
        return spec, (self._broadcast_product(renamed, reduced) if renamed else "")


    def dense_from_kronecker(self, L: Expr, V: Var) -> str:
        """A map through vec, unvec or kron (whose indices are composite, which index notation has
        not): its Kronecker form J, vec(L) = J vec(V) (column-major), reshaped to [out..., in...]."""
        J = kronecker_of(L, V)
        (ro, co), (ri, ci) = L.shape, V.shape
        sizes, axes = [], []
        for r, c in ((ro, co), (ri, ci)):  # each side's vec runs down the columns: (c, r), then swapped
            start = len(sizes)
            side = [d for d in (c, r) if d != 1]
            sizes += side
            axes += [start + 1, start] if len(side) == 2 else [start] * len(side)
        if not sizes:
            return self.code(J)
        shaped = fill(self.b.reshape, x=self.code(J), s="(" + ", ".join(self.dim(d) for d in sizes) + ",)")
        if axes == sorted(axes):
            return shaped
        return fill(self.b.permute, x=self.assign(shaped), axes=", ".join(map(str, axes)))

    def _term(self, ops: list, out_idx: str) -> str:
        """One term of a dense map: a broadcast product where nothing is summed, else an einsum
        with its contraction order chosen now."""
        letters_used = [ch for _, ix in ops for ch in ix]
        if all(ch in out_idx for ch in letters_used) and all(len(set(ix)) == len(ix) for _, ix in ops):
            return self._broadcast_product(ops, out_idx)  # broadcasting beats einsum
        return self._einsum(ops, out_idx)

    def _broadcast_product(self, ops: list, out_idx: str) -> str:
        """A product of operands on distinct axes of out_idx, multiplied pairwise smallest first:
        x_j x_l and (t_k u_k) E_ik are two n^2 arrays before the one n^4 product, instead of a
        chain of n^4 temporaries from left to right."""
        parts = []  # (code, axes in out_idx order)
        for e, ix in ops:
            if not ix:
                parts.append((self.atom(e) if e.shape == SCALAR else self.operand(e), ""))
                continue
            code = self.operand(e)
            if len(ix) == 2 and out_idx.index(ix[0]) > out_idx.index(ix[1]):
                code, ix = fill(self.b.T, x=code), ix[::-1]
            parts.append((code, ix))
        if len(parts) == 1 or len(out_idx) <= 2:
            return " * ".join(self.broadcast_code(c, ax, out_idx) for c, ax in parts)
        while len(parts) > 1:
            best = None
            for a in range(len(parts)):
                for b in range(a + 1, len(parts)):
                    union = set(parts[a][1]) | set(parts[b][1])
                    key = (len(union), len(union) - max(len(parts[a][1]), len(parts[b][1])), a, b)
                    if best is None or key < best:
                        best = key
            _, _, a, b = best
            union = "".join(ch for ch in out_idx if ch in parts[a][1] or ch in parts[b][1])
            code = (f"{self.broadcast_code(parts[a][0], parts[a][1], union)} * "
                    f"{self.broadcast_code(parts[b][0], parts[b][1], union)}")
            parts = [p for i, p in enumerate(parts) if i not in (a, b)] + [(code, union)]
        code, axes = parts[0]
        return self.broadcast_code(code, axes, out_idx)

    def broadcast_code(self, code: str, axes: str, target: str) -> str:
        """An array whose axes are `axes` (in target's order) placed on the axes of target."""
        if axes == target or not axes:
            return code if not axes or axes == target and is_simple_product(code) else par(code)
        sl = ", ".join(":" if ch in axes else "None" for ch in target)
        return f"{par(code)}[{sl}]"

    def _einsum(self, ops: list, out_idx: str) -> str:
        check_clock()  # (thousands of terms' contraction paths make no node: spend() never looks at the clock)
        spec = _ascii_spec(",".join(ix for _, ix in ops) + "->" + out_idx)
        codes = [self.operand(e) for e, _ in ops]
        return fill(self.b.einsum, spec=spec, ops=", ".join(codes), path=contraction_path(spec, ops))

    def _matrix(self, ops: list, out2: str) -> str:
        """A component of a term with two free indices, as a matrix indexed out2."""
        if len(ops) == 1 and ops[0][1] == out2:
            return self.operand(ops[0][0])
        if all(ch in out2 for _, ix in ops for ch in ix) and all(len(set(ix)) == len(ix) for _, ix in ops):
            return self._broadcast_product(ops, out2)
        chain = _as_chain(ops, out2)
        if chain is not None:  # a matrix product: the emitter's planned, shared products, no einsum call
            return self.code(B.mul(*chain))
        if len(ops) == 1 and ops[0][1] == out2[::-1]:
            e = ops[0][0]
            return self.operand(e.arg) if isinstance(e, Transpose) else fill(self.b.T, x=self.operand(e))
        return self._einsum(ops, out2)

    def _outer_sum(self, members: list) -> str:
        """sum_t c_t P_t[a, b] Q_t[c, d] over terms of one index pattern, as one matrix product
        (P stacked t x ab)' (Q stacked t x cd) and one transposition: every 4-way term is not
        a separate n^4 array added to the others."""
        ps, qs = [], []
        for ops, _out, sign, scal, _, comps in members:
            (o1, i1), (o2, i2) = comps
            pm = self._matrix([ops[i] for i in i1], o1)
            ps.append(sign + " * ".join(scal + [par(pm)]) if sign or scal else pm)
            qs.append(self._matrix([ops[i] for i in i2], o2))
        n = len(members)
        _, out_idx, _, _, _, ((o1, _), (o2, _)) = members[0]
        cur = o1 + o2
        axes = [cur.index(ch) for ch in out_idx]
        if len(set(qs)) == 1:  # one Q for all: (sum_t P_t) Q, a matrix sum and one outer product
            psum = self.assign(ps[0] + "".join(f" - {x[1:]}" if x.startswith("-") else f" + {x}" for x in ps[1:]))
            g = f"{psum}[:, :, None, None] * {par(qs[0])}[None, None, :, :]"
            return g if axes == sorted(axes) else fill(self.b.permute, x=self.assign(g), axes=", ".join(map(str, axes)))
        p = self.assign(fill(self.b.stack, xs=", ".join(ps)))
        q = self.assign(fill(self.b.stack, xs=", ".join(qs)))
        g = self.assign(f"({p}.reshape({n}, -1).T @ {q}.reshape({n}, -1)).reshape({p}.shape[1:] + {q}.shape[1:])")
        return g if axes == sorted(axes) else fill(self.b.permute, x=g, axes=", ".join(map(str, axes)))


def _as_chain(ops: list, out2: str):
    """Matrices whose indices form one path from out2[0] to out2[1] (M3[d,c] M2[c,a] M1[a,b]) as
    the factors of the product (each transposed as its indices require), or None."""
    if any(len(ix) != 2 or ix[0] == ix[1] for _, ix in ops):
        return None
    left = list(ops)
    at, factors = out2[0], []
    while left:
        nxt = [(i, e, ix) for i, (e, ix) in enumerate(left) if at in ix]
        if len(nxt) != 1:
            return None
        i, e, ix = nxt[0]
        factors.append(e if ix[0] == at else B.transpose(e))
        at = ix[1] if ix[0] == at else ix[0]
        del left[i]
    return factors if at == out2[1] else None


def is_simple_product(code: str) -> bool:
    """Whether code may stand as a factor of a product as it is (a product itself, or an atom)."""
    return "+" not in code and " - " not in code and not code.startswith("-")


PATH_SIZE = 100  # the size assumed for a symbolic dimension when ordering an einsum's contractions


def contraction_path(spec: str, ops: list) -> list:
    """The order in which to contract an einsum's operands (NumPy's `optimize=` path), chosen now
    for sizes PATH_SIZE (any symbolic dimension) and the declared numbers: pairwise products,
    never NumPy's default loop over every index at once (O(n^7) for a 4-operand Hessian term)."""
    ins = spec.split("->")[0].split(",")
    arrays = []
    for (e, _), ix in zip(ops, ins, strict=True):
        dims = [d for d in e.shape if d != 1] if len(ix) < 2 else list(e.shape)
        if len(ix) == 2 and len(dims) == 2 and ix[0] == ix[1]:
            dims = [dims[0], dims[0]]
        shape = tuple(d if isinstance(d, int) else PATH_SIZE for d in dims[:len(ix)])
        shape = shape + (PATH_SIZE,) * (len(ix) - len(shape))
        arrays.append(np.empty(shape))
    strategy = "optimal" if len(ops) <= 6 else "greedy"
    try:
        path, _ = np.einsum_path(spec, *arrays, optimize=strategy)
    except ValueError:  # sizes this estimate cannot reconcile (products of symbols): decided at run time
        return "greedy"
    return [path[0]] + [tuple(int(i) for i in p) for p in path[1:]]


def _split(ops: list, out_idx: str):
    """A 4-index term that is the outer product of two matrices, each a contraction of some of
    the operands with two of the free indices: (pattern, ((letters, operand indices), (...)));
    pattern is the free positions of each, the same for every term that sums the same way."""
    check_clock()
    comp = list(range(len(ops)))

    def find(i):
        while comp[i] != i:
            i = comp[i]
        return i
    for i in range(len(ops)):
        for j in range(i):
            if set(ops[i][1]) & set(ops[j][1]):
                comp[find(i)] = find(j)
    roots = sorted({find(i) for i in range(len(ops))})
    comps = []
    for r in roots:
        idx = [i for i in range(len(ops)) if find(i) == r]
        comps.append(({ch for i in idx for ch in ops[i][1] if ch in out_idx}, idx))
    if len(comps) < 2 or len(comps) > 8 or any(len(f) > 2 for f, _ in comps):
        return None
    # the components in two groups of two free indices each (x_j and x_l are one matrix x x')
    best = None
    for mask in range(1, 2 ** len(comps) - 1):
        groups = ([c for i, c in enumerate(comps) if mask >> i & 1], [c for i, c in enumerate(comps) if not mask >> i & 1])
        free = [set().union(*(f for f, _ in g)) for g in groups]
        if any(len(f) != 2 for f in free) or out_idx[0] not in free[0]:
            continue
        out = [("".join(sorted(f, key=out_idx.index)), sorted(i for _, idx in g for i in idx))
               for f, g in zip(free, groups, strict=True)]
        pattern = tuple(tuple(out_idx.index(ch) for ch in c[0]) for c in out)
        if best is None or pattern < best[0]:
            best = (pattern, tuple(out))
    return best


def _signature(ops, scalars, row, col, kl) -> tuple:
    """(sig, swapped sig) of a dense term: operands up to renaming of internal indices and
    transposition, before and after exchanging the output pair (i, j) with the input pair (k, l)."""
    def sig(ren):
        names: dict = {}
        def letter(ch):
            if ch in ren:
                return ren[ch]
            if ch not in names:
                names[ch] = f"z{len(names)}"
            return names[ch]
        items = []
        for e, ix in ops:
            lx = tuple(letter(ch) for ch in ix)
            cand = [(e.key, lx)]
            if len(lx) == 2:
                cand.append((B.transpose(e).key, lx[::-1]))
            items.append(min(cand))
        return (tuple(sorted(items)), tuple(sorted(s.key for s in scalars)))
    k, l = kl
    return sig({row: "i", col: "j", k: "k", l: "l"}), sig({row: "k", col: "l", k: "i", l: "j"})

