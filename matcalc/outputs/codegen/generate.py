"""Code generation: NumPy (and JAX, PyTorch) functions built from the expression DAG.

Inside generated code vectors are 1-D arrays, scalars floats and matrices 2-D: no
reshaping on the way in or out, and x'y is simply `x @ y`.

The generated module is plain, readable source: one function whose parameters are the
variables (Python keywords get a trailing underscore) and whose locals are `_t1, _t2, ...`
and `_np`; no user-chosen name can start with an underscore, so nothing clashes, and no
user text is ever evaluated: every token of the source comes from the tree.

What makes it fast:
* every shared subexpression is computed once, across all requested outputs (CSE);
* matrix chains are parenthesized for the fewest flops (dynamic programming over the
  dimensions: 1 for a vector's unit side, a large N for every symbolic dimension);
* an inverse that only multiplies becomes a solve; log-determinants use slogdet; an inverse
  comes from LU (SciPy's LAPACK getrf, then getri or getrs, if installed), and det(M) and M^-1
  (or M^-T) needed together from one factorization;
* a large outer product u v' and a sum s M + u v' are written in one pass by compiled loops
  (matcalc.kernels, with numba) where installed, and another rank-one term of a matrix sum is
  added in place (BLAS ger);
* diag(v) M is a broadcast v * M, tr(A B) is sum(A * B'), transposes are views;
* a linear map V -> H[V] (a matrix Hessian or Jacobian) is written out densely by
  index notation (einsum / broadcasting), never through a Kronecker product.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass, replace
from fractions import Fraction

from ...core import build as B
from ...core.errors import MatcalcError, NotSupportedError
from ...core.functions import FUNCTIONS
from ...core.nodes import (SCALAR, Add, Det, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Inverse,
                    Mul, Num, Sum, Trace, Transpose, Var)
from ...calculus.readoff import gradient_of

BIG = 1000  # the size assumed for a symbolic dimension when ordering matrix chains

# ---------------------------------------------------------------- backends
@dataclass(frozen=True)
class Backend:
    """The surface syntax of an array library."""
    name: str
    imports: str
    asarray: str          # {x}: an input as a float array
    T: str
    solve: str
    inv: str
    det: str
    slogdet: str
    trace: str
    diagonal: str
    eye: str
    ones: str
    zeros: str
    einsum: str
    diagflat: str
    matrix_power: str
    kron: str
    reshape: str
    helpers: str = ""
    det_inv: str = ""     # {x}: (det(x), inv(x)) from one factorization, where the library allows
    outer: str = "{u}[:, None] * {v}"   # the outer product u v' of two 1-D vectors
    add_outer: str = ""   # {t} + {a} {u} {v}' into the fresh array t, in place, where the library allows
    axpy_outer: str = ""  # {s} {m} + {a} {u} {v}' as a fresh array in one pass, where the library allows


_NP_HELPERS = '''
def _sigmoid_float(z):
    if z >= 0:
        return 1.0 / (1.0 + _math.exp(-z))
    e = _math.exp(z)
    return e / (1.0 + e)


def _sigmoid(z):
    return 1.0 / (1.0 + _np.exp(_np.minimum(-z, 709.0)))  # accurate in both tails; exp never overflows


def _softplus(z):
    return _np.logaddexp(0.0, z)  # log(1 + exp(z)) without overflow


def _softmax(u):
    z = _np.exp(u - u.max())
    return z / z.sum()


def _log_det(x):
    sign, logabs = _np.linalg.slogdet(x)
    return logabs if sign > 0 else _np.nan


def _comm(m, n):
    k = _np.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k


def _outer(u, v):
    # u v': a compiled loop (matcalc.kernels, with numba) writes a large one at memory speed; else
    # NumPy's einsum, about twice as fast as broadcasting from n = 50 on (measured with NumPy 2.4);
    # broadcasting has less overhead on small ones
    if u.shape[0] * v.shape[0] < 2048:
        return u[:, None] * v
    out = _kernels.outer(u, v) if _kernels is not None else None
    return _np.einsum("i,j->ij", u, v) if out is None else out


try:  # matcalc's compiled loops for large results; the generated module runs without matcalc too
    from matcalc.numerics import kernels as _kernels
except ImportError:
    _kernels = None


def _axpy_outer(s, m, alpha, u, v):
    """s m + alpha u v' as a fresh array: in one pass by a compiled loop where there is one, else
    s m and then the outer product added to it in place."""
    out = _kernels.axpy_outer(s, m, alpha, u, v) if _kernels is not None else None
    return _add_outer(s * m, alpha, u, v) if out is None else out


def _add_outer(t, alpha, u, v):
    """t + alpha u v' for a fresh array t, in place: BLAS ger (through SciPy, when it is installed)
    makes no n x n temporary, which at n = 1000 is most of the cost of `u v' + lambda W`."""
    if _blas is not None and t.dtype == _np.float64 and t.flags.c_contiguous and t.flags.writeable:
        return _blas.dger(alpha, v, u, a=t.T, overwrite_a=True).T  # t' is Fortran-ordered: t' += alpha v u'
    t += alpha * _outer(u, v)
    return t


try:
    from scipy.linalg import blas as _blas
except ImportError:  # SciPy is optional
    _blas = None


def _inv(x):
    """x^-1 by LU (LAPACK getrf, through SciPy when it is installed): faster than np.linalg.inv,
    which solves against the identity (one thread, n = 100: 0.28 ms against 0.55; n = 1000: 79 ms
    against 93)."""
    f = _lu(x)
    inv = _lu_inv(*f) if f is not None else None
    return _np.linalg.inv(x) if inv is None else inv  # singular: NumPy's own error


def _det_inv(x):
    """det(x) and inv(x) from one LU factorization (LAPACK getrf, through SciPy when it is
    installed); NumPy alone has no LU to share and factors twice."""
    f = _lu(x)
    if f is None:  # no SciPy, or exactly singular: NumPy's own answer and error
        return _np.linalg.det(x), _np.linalg.inv(x)
    lu, piv = f
    swaps = _np.count_nonzero(piv != _np.arange(piv.shape[0]))
    det = float(_np.prod(_np.diagonal(lu))) * (-1.0 if swaps % 2 else 1.0)
    inv = _lu_inv(lu, piv)
    return det, _np.linalg.inv(x) if inv is None else inv


def _lu(x):
    """(lu, piv) from LAPACK getrf, or None where NumPy is to do the work: no SciPy, not a
    non-empty float64 matrix, or exactly singular (or a bad argument)."""
    if _lapack is None or x.dtype != _np.float64 or x.ndim != 2 or x.shape[0] == 0:
        return None
    lu, piv, info = _lapack.dgetrf(x)
    return (lu, piv) if info == 0 else None


def _lu_inv(lu, piv):
    """The inverse from an LU factorization (overwrites lu), or None if LAPACK reports a fault."""
    n = piv.shape[0]
    if n <= 500:  # measured with OpenBLAS: getri is faster up to about 500, getrs beyond
        inv, info = _lapack.dgetri(lu, piv, overwrite_lu=True)
    else:
        inv, info = _lapack.dgetrs(lu, piv, _np.eye(n, order="F"), overwrite_b=True)
    return inv if info == 0 else None


try:
    from scipy.linalg import lapack as _lapack
except ImportError:  # SciPy is optional
    _lapack = None
'''

NUMPY = Backend(
    name="numpy", imports="import math as _math\n\nimport numpy as _np",
    asarray="_np.asarray({x}, dtype=float)", T="{x}.T",
    solve="_np.linalg.solve({a}, {b})", inv="_inv({x})", det="_np.linalg.det({x})",
    slogdet="_np.linalg.slogdet({x})[1]", trace="_np.trace({x})", diagonal="_np.diagonal({x})",
    eye="_np.eye({n})", ones="_np.ones(({s}))", zeros="_np.zeros(({s}))", diagflat="_np.diag({x})",
    einsum="_np.einsum({spec!r}, {ops})", matrix_power="_np.linalg.matrix_power({x}, {k})",
    kron="_np.kron({a}, {b})", reshape="_np.reshape({x}, {s})",
    helpers=_NP_HELPERS, det_inv="_det_inv({x})", outer="_outer({u}, {v})",
    add_outer="_add_outer({t}, {a}, {u}, {v})", axpy_outer="_axpy_outer({s}, {m}, {a}, {u}, {v})")

JAX = replace(
    NUMPY, name="jax", inv="_np.linalg.inv({x})", det_inv="", outer="{u}[:, None] * {v}", add_outer="", axpy_outer="", imports="import jax\nimport jax.numpy as _np\njax.config.update('jax_enable_x64', True)",
    asarray="_np.asarray({x}, dtype=_np.float64)",
    helpers='''
def _softmax(u):
    return jax.nn.softmax(u, axis=0)


def _log_det(x):
    sign, logabs = _np.linalg.slogdet(x)
    return _np.where(sign > 0, logabs, _np.nan)


def _comm(m, n):
    import numpy
    k = numpy.zeros((m * n, m * n))
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return _np.asarray(k)
''')

TORCH = Backend(
    name="torch", imports="import torch as _torch\n_np = _torch",
    asarray="_torch.as_tensor({x}, dtype=_torch.float64)", T="{x}.T",
    solve="_torch.linalg.solve({a}, {b})", inv="_torch.linalg.inv({x})", det="_torch.linalg.det({x})",
    slogdet="_torch.linalg.slogdet({x})[1]", trace="_torch.trace({x})",
    diagonal="_torch.diagonal({x})",
    eye="_torch.eye({n}, dtype=_torch.float64)", ones="_torch.ones(({s}), dtype=_torch.float64)",
    zeros="_torch.zeros(({s}), dtype=_torch.float64)", diagflat="_torch.diag({x})",
    einsum="_torch.einsum({spec!r}, {ops})", matrix_power="_torch.linalg.matrix_power({x}, {k})",
    kron="_torch.kron({a}, {b})", reshape="_torch.as_tensor({x}, dtype=_torch.float64).reshape({s})",
    helpers='''
def _softmax(u):
    return _torch.softmax(u, dim=0)


def _log_det(x):
    sign, logabs = _torch.linalg.slogdet(x)
    return _torch.where(sign > 0, logabs, _torch.full_like(logabs, float("nan")))


def _comm(m, n):
    k = _torch.zeros((m * n, m * n), dtype=_torch.float64)
    for i in range(m):
        for j in range(n):
            k[i * n + j, j * m + i] = 1.0
    return k
''')

BACKENDS = {"numpy": NUMPY, "jax": JAX, "torch": TORCH}


def _used_helpers(helpers: str, code: str) -> str:
    """The backend's helper functions that `code` calls, and those they call in turn (a module
    shows only what it uses). A block is a `def` and whatever follows it up to the next one."""
    blocks = [b.strip() for b in ("\n" + helpers).split("\ndef ") if b.strip()]
    keep: list = []
    text = code
    while True:
        more = [b for b in blocks if b not in keep and _calls(text, b.split("(", 1)[0])]
        if not more:
            break
        keep += more
        text += "\n" + "\n".join(more)
    return "\n\n\n".join("def " + b for b in blocks if b in keep)


def _calls(code: str, name: str) -> bool:
    """Whether code calls the function `name` (`_outer(` in `_add_outer(` is not a call of it)."""
    return re.search(r"(?<![\w.])" + re.escape(name) + r"\(", code) is not None


def _used_imports(imports: str, code: str) -> str:
    """The backend's imports, less `import math as _math` when nothing uses it."""
    lines = [ln for ln in imports.split("\n") if not (ln == "import math as _math" and "_math." not in code)]
    return "\n".join(lines).strip("\n")


def py_name(name: str) -> str:
    """A user variable's name as a Python identifier (keywords get a trailing underscore)."""
    n = name.replace("{", "").replace("}", "")
    return n + "_" if keyword.iskeyword(n) or n in ("True", "False", "None") else n


# ---------------------------------------------------------------- outputs
@dataclass
class Output:
    """One value the generated function returns."""
    name: str
    expr: Expr
    how: str = "array"          # "value" (a float), "array" (squeezed like .evaluate), "map" (dense linear map)
    dvar: Var | None = None      # for "map": the direction the map is linear in
    like: Var | None = None      # for "map": the variable dvar stands for
    sym: bool = False
    diag: bool = False


# ---------------------------------------------------------------- index notation for linear maps
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


def _letters_for(m: Expr, letters: _Letters):
    r = letters.new() if m.shape[0] != 1 else None
    c = letters.new() if m.shape[1] != 1 else None
    return r, c


def _idx(shape, kl) -> str:
    r, c = shape
    return (kl[0] if r != 1 else "") + (kl[1] if c != 1 else "")


# ---------------------------------------------------------------- the emitter
class _Emitter:
    def __init__(self, backend: Backend, params: list):
        self.b = backend
        self.lines: list = []
        self.names: dict = {}    # id(node) -> code (a temporary or a parameter)
        self.counter = 0
        self.dims: dict = {}     # dimension symbol -> code
        self.params = params
        self.uses: dict = {}
        self.flipped: dict = {}  # id(node) -> its transpose, computed instead
        self.keep: list = []
        self.plans: dict = {}
        self.known: set = set()
        self.lu_bases: set = set()  # id(M): det(M) and an inverse of M (or M') are both needed
        self.lu_names: dict = {}    # id(M) -> the temporary holding (det(M), inv(M))

    def temp(self) -> str:
        self.counter += 1
        return f"_t{self.counter}"

    def assign(self, code: str) -> str:
        t = self.temp()
        self.lines.append(f"{t} = {_unwrap(code)}")
        return t

    def dim(self, d) -> str:
        if isinstance(d, int):
            return str(d)
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
        for r in roots:
            for n in r.walk():
                if id(n) not in seen:
                    seen.add(id(n))
                    order.append(n)
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

    def _kids(self, n: Expr):
        """What n's code refers to: its children, or for a product its two sub-chains."""
        if isinstance(n, Trace) and isinstance(n.arg, Mul):
            c, scal, ch = n.arg.split()
            if c == 1 and not scal and len(ch) >= 2:
                last = ch[-1]
                return [_chain_node(list(ch[:-1])), last.arg if isinstance(last, Transpose) else last]
        if isinstance(n, Mul):
            c, scal, chain = n.split()
            if chain and (c != 1 or scal):
                return list(scal) + ([_chain_node(list(chain))] if len(chain) > 1 else list(chain))
            if len(chain) > 1:
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
            c = self.b.T.format(x=self.atom(t))
            self.names[id(e)] = c
            return c
        c = self._code(e)
        if self.uses.get(id(e), 0) > 1 and not isinstance(e, (Var, Num, DimSize)) and not _is_simple(c):
            c = self.assign(c)
        self.names[id(e)] = c
        return c

    def atom(self, e: Expr) -> str:
        c = self.code(e)
        return c if _is_simple(c) or _is_call(c) else f"({c})"

    def _code(self, e: Expr) -> str:
        m = getattr(self, "_c_" + type(e).__name__, None)
        if m is None:
            raise NotSupportedError(f"no code generation for {type(e).__name__}")
        return m(e)

    # -- leaves
    def _c_Var(self, e):
        return py_name(e.name)

    def _c_Num(self, e):
        v = e.value
        return repr(float(v)) if v.denominator != 1 else f"{v.numerator}.0"

    def _c_DimSize(self, e):
        return self.dim(e.args[0])

    def _c_Identity(self, e):
        return self.b.eye.format(n=self.dim(e.args[0]))

    def _sizes(self, e: Expr) -> str:
        r, c = e.shape
        if r == 1 or c == 1:
            return f"{self.dim(r if c == 1 else c)},"
        return f"{self.dim(r)}, {self.dim(c)}"

    def _c_Zero(self, e):
        return self.b.zeros.format(s=self._sizes(e))

    def _c_Ones(self, e):
        return self.b.ones.format(s=self._sizes(e))

    def _c_Comm(self, e):
        return f"_comm({self.dim(e.args[0])}, {self.dim(e.args[1])})"

    # -- sums and products
    def _c_Add(self, e):
        from ..printing import broadcast_scalar, is_broadcast
        if self.b.add_outer and e.shape[0] != 1 and e.shape[1] != 1:
            got = self.accumulate_outer(e)
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
                parts.append(("-" if i == 0 else " - ") + (f"({s})" if _needs_paren_in_sum(s) else s))
            else:
                parts.append(("" if i == 0 else " + ") + self.code(t))
        return "".join(parts)

    def common_scalar_factor(self, e: Add):
        """s a + s b as s (a + b) when every term of an array sum has the scalar factor s: one
        array operation fewer (`log(<x, A x>)`: (A x + A' x) / <x, A x>)."""
        if e.shape == SCALAR:
            return None
        splits = []
        for t in e.args:
            c, rest = B.split_coeff(t)
            if not isinstance(rest, Mul) or not rest.split()[1]:
                return None
            _, scal, chain = rest.split()
            splits.append((c, list(scal), chain))
        common = [x for x in splits[0][1] if all(any(y is x for y in scal) for _, scal, _ in splits[1:])]
        if not common:
            return None
        terms = []
        for c, scal, chain in splits:
            for x in common:
                scal.remove(x)
            terms.append(B.scale(c, B.mul(*scal, *chain)))
        inner = self.code(B.add(*terms))
        return f"{self._scalar_product(1, common)} * ({inner})"

    def accumulate_outer(self, e: Add):
        """A matrix sum with a rank-one term c u v': the other terms into a fresh array, then
        the outer product added in place (no n x n temporary for u v', none for the sum)."""
        from ..printing import is_broadcast
        for i, term in enumerate(e.args):
            c, rest = B.split_coeff(term)
            if not isinstance(rest, Mul):
                continue
            _, scal, chain = rest.split()
            k = next((j for j in range(len(chain) - 1) if chain[j].shape[1] == 1), None)
            if k is None:
                continue
            others = B.add(*e.args[:i], *e.args[i + 1:])
            if others.shape != e.shape or is_broadcast(others):
                continue
            scaled = self._scaled_matrix(others) if self.b.axpy_outer else None
            # one other term is referred to by this sum; a sum of several is a node of its own,
            # which nothing else in the program may refer to
            refs = 1 if len(e.args) == 2 else 0
            if scaled is None and not self._fresh(others, refs):
                continue
            u, v = _chain_node(list(chain[:k + 1])), _chain_node(list(chain[k + 1:]))
            alpha = self._scalar_product(c, scal)
            uc, vc = self.code(u), self.code(v)
            if scaled is not None:  # s M + alpha u v' in one pass, M read and not written
                s_code, m = scaled
                return self.assign(self.b.axpy_outer.format(s=s_code, m=self.atom(m), a=alpha, u=uc, v=vc))
            t = self.assign(self.code(others))
            self.lines.append(f"{t} = {self.b.add_outer.format(t=t, a=alpha, u=uc, v=vc)}")
            return t
        return None

    def _scaled_matrix(self, e: Expr):
        """e as (the code of a scalar s, a matrix M) with e = s M, or None if e is not one matrix
        times scalars."""
        c, rest = B.split_coeff(e)
        scal: list = []
        if isinstance(rest, Mul):
            _, scal, chain = rest.split()
            if len(chain) != 1:
                return None
            rest = chain[0]
        if rest.shape != e.shape:
            return None
        return self._scalar_product(c, scal), rest

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
            factors.append(self.code(_chain_node(list(chain))))
        return sign + " * ".join(f if _is_simple(f) or _is_call(f) else f"({f})" for f in factors)

    def scalar(self, s: Expr) -> str:
        if isinstance(s, Mul) and s.split()[0] == 1 and not s.split()[1]:
            return self.code(s)  # a 1x1 chain: _c_Mul makes it a float
        return self.atom(s)

    def product(self, e: Mul) -> str:
        """A pure chain as left @ right, split where the plan says; special products inline."""
        left, right = self.plan(e)
        inner = left.shape[1]
        # an inverse that only multiplies (or twice multiplies a vector) becomes a solve
        if isinstance(left, Inverse) and self._solves(left, right):
            return self.b.solve.format(a=self.code(left.arg), b=self.code(right))
        if isinstance(right, Inverse) and self._solves(right, left):
            m = right.arg
            mt = self.code(m.arg) if isinstance(m, Transpose) else self.b.T.format(x=self.atom(m))
            sol = self.b.solve.format(a=mt, b=self.vT(left))
            return sol if left.shape[0] == 1 else self.b.T.format(x="(" + sol + ")")
        # diag(v) times a matrix, and outer products, are broadcast products (vectors are 1-D)
        if isinstance(left, Diag):
            v = self.atom(left.arg)
            return f"{v} * {self.atom(right)}" if right.shape[1] == 1 else f"{v}[:, None] * {self.atom(right)}"
        if isinstance(right, Diag):
            return f"{self.atom(left)} * {self.atom(right.arg)}"
        if inner == 1:
            if left.shape[0] != 1 and right.shape[1] != 1:  # u v' of two vectors
                return self.b.outer.format(u=self.code(left), v=self.code(right))
            return f"{self.atom(left)}[:, None] * {self.atom(right)}"
        return f"{self.atom(left)} @ {self.atom(right)}"

    def _solves(self, inv: Expr, other: Expr) -> bool:
        if id(inv) in self.names or self.shares_lu(inv.arg):
            return False
        uses = self.uses.get(id(inv), 0)
        return uses <= 1 or (uses == 2 and (other.shape[0] == 1 or other.shape[1] == 1))

    def plan(self, e: Mul) -> tuple:
        """The best split of a pure chain into two sub-chains (hash-consed nodes, so shared
        sub-products are found and computed once). Fewest flops first; among equal costs, the
        split that reuses sub-products the program needs anyway."""
        got = self.plans.get(id(e))
        if got is not None:
            return got
        chain = list(e.args)
        n = len(chain)
        dims = [_size(chain[0].shape[0])] + [_size(f.shape[1]) for f in chain]
        best = {}
        for i in range(n):
            best[(i, i)] = (0, 0, None)
        for length in range(2, n + 1):
            for i in range(n - length + 1):
                j = i + length - 1
                cand = None
                for k in range(i, j):
                    fl = best[(i, k)][0] + best[(k + 1, j)][0] + dims[i] * dims[k + 1] * dims[j + 1]
                    fresh = best[(i, k)][1] + best[(k + 1, j)][1]
                    for a, b in ((i, k), (k + 1, j)):
                        if b > a and id(_chain_node(chain[a:b + 1])) not in self.known:
                            fresh += 1
                    c = (fl, fresh, k)
                    if cand is None or c[:2] < cand[:2]:
                        cand = c
                best[(i, j)] = cand
        k = best[(0, n - 1)][2]
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
        return self.b.T.format(x=self.atom(e))

    def _c_Transpose(self, e):
        return self.vT(e.arg)

    def _c_Inverse(self, e):
        if self.shares_lu(e.arg):
            t = self.shared_lu(e.arg)
            return f"{t}[1]" if e.arg is _lu_base(e.arg) else f"{t}[1].T"
        return self.b.inv.format(x=self.code(e.arg))

    def shares_lu(self, m: Expr) -> bool:
        """Whether det and inverse of m (or m') both appear, so one factorization serves both."""
        return id(_lu_base(m)) in self.lu_bases

    def shared_lu(self, m: Expr) -> str:
        """The temporary holding (det(M), inv(M)) for M = m or m', computed once."""
        base = _lu_base(m)
        t = self.lu_names.get(id(base))
        if t is None:
            t = self.assign(self.b.det_inv.format(x=self.code(base)))
            self.lu_names[id(base)] = t
        return t

    def _c_MatPow(self, e):
        if e.k < 0:
            return self.b.matrix_power.format(x=self.b.inv.format(x=self.code(e.base)), k=-e.k)
        if e.k == 2:
            a = self.atom(e.base)
            if _is_simple(a):
                return f"{a} @ {a}"
        return self.b.matrix_power.format(x=self.code(e.base), k=e.k)

    def _c_Pow(self, e):
        b, x = e.base, e.exp
        if isinstance(x, Num):
            v = x.value
            if v == Fraction(1, 2):
                return f"{FUNCTIONS['sqrt'].code[self.b.name]}({self.code(b)})"
            if v == -1:
                return f"1.0 / {self.atom(b)}"
            if v == 2:
                a = self.atom(b)
                return f"{a} * {a}" if _is_simple(a) else f"{a} ** 2"
            return f"{self.atom(b)} ** {self._c_Num(x) if v.denominator != 1 else v.numerator}"
        return f"{self.atom(b)} ** {self.atom(x)}"

    def _c_Func(self, e):
        if e.name == "log" and isinstance(e.arg, Det):
            return f"_log_det({self.code(e.arg.arg)})"
        spec = FUNCTIONS[e.name]
        if e.shape == SCALAR and self.b.name == "numpy" and spec.float_code:  # a float: math is faster
            return f"{spec.float_code}({self.code(e.arg)})"
        return f"{spec.code[self.b.name]}({self.code(e.arg)})"

    def _c_Trace(self, e):
        a = e.arg
        if isinstance(a, Mul):
            c, s, ch = a.split()
            if c == 1 and not s and len(ch) >= 2:  # tr(P Q) = sum(P .* Q')
                p = self.code(_chain_node(list(ch[:-1])))
                last = ch[-1]
                q = self.atom(last.arg) if isinstance(last, Transpose) else self.b.T.format(x=self.atom(last))
                return f"({_par(p)} * {q}).sum()"
        return self.b.trace.format(x=self.code(a))

    def _c_Det(self, e):
        if self.shares_lu(e.arg):
            return f"{self.shared_lu(e.arg)}[0]"
        return self.b.det.format(x=self.code(e.arg))

    def _c_LogDet(self, e):
        return self.b.slogdet.format(x=self.code(e.arg))

    def _c_Sum(self, e):
        return f"{self.atom(e.arg)}.sum()"

    def _c_Softmax(self, e):
        return f"_softmax({self.code(e.arg)})"

    def _c_Diag(self, e):
        return self.b.diagflat.format(x=self.code(e.arg))

    def _c_DiagPart(self, e):
        return self.b.diagonal.format(x=self.code(e.arg))

    def _c_Vec(self, e):
        return f"{self.b.T.format(x=self.atom(e.arg))}.reshape(-1)"

    def _c_Kron(self, e):
        """Vectors are 1-D in the code but columns (or rows) in a Kronecker product: kron(x, I) is
        mn x n, not NumPy's kron of a 1-D array (a row); a vector result is 1-D again."""
        code = self.b.kron.format(a=self._as_2d(e.args[0]), b=self._as_2d(e.args[1]))
        if e.shape != SCALAR and (e.shape[0] == 1 or e.shape[1] == 1):
            return f"{_par(code)}.reshape(-1)"
        return code

    def _as_2d(self, e: Expr) -> str:
        r, c = e.shape
        if (r, c) == SCALAR or (r != 1 and c != 1):
            return self.code(e)
        return f"{self.atom(e)}[:, None]" if c == 1 else f"{self.atom(e)}[None, :]"

    # -- dense linear maps
    def broadcast(self, e: Expr, ix: str, out_idx: str) -> str:
        """Operand e (indices ix) placed on the axes of out_idx, for a broadcast product."""
        if not ix:
            return self.atom(e) if e.shape == SCALAR else self.operand(e)
        code = self.operand(e)
        pos = [out_idx.index(ch) for ch in ix]
        if len(pos) == 2 and pos[0] > pos[1]:
            code = self.b.T.format(x=_par(code))
            pos = pos[::-1]
        sl = ", ".join(":" if p in pos else "None" for p in range(len(out_idx)))
        return f"{_par(code)}[{sl}]"

    def operand(self, e: Expr) -> str:
        """An einsum operand (vectors are 1-D already)."""
        return self.code(e)

    def dense_map(self, out: Output, concrete_out: tuple) -> str:
        """[out..., in...] of V -> L(V) by index notation (einsum), never a Kronecker product."""
        L, V = out.expr, out.dvar
        letters = _Letters()
        k, l = letters.new(), letters.new()
        kl = (k, l)
        terms = linear_terms(L, V, letters, kl)
        r_out, c_out = L.shape
        in_idx = _idx(V.shape, kl)
        parts = []
        sigs = []
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
            letters_used = [ch for _, ix in ops for ch in ix]
            if all(ch in out_idx for ch in letters_used) and all(len(set(ix)) == len(ix) for _, ix in ops):
                # an outer product: broadcasting beats einsum
                ein = " * ".join(self.broadcast(e, ix, out_idx) for e, ix in ops)
            else:
                spec = _ascii_spec(",".join(ix for _, ix in ops) + "->" + out_idx)
                codes = [self.operand(e) for e, _ in ops]
                ein = self.b.einsum.format(spec=spec, ops=", ".join(codes))
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
            parts.append(sign + " * ".join(scal + [ein]))
            sigs.append(_signature(ops, t.scalars, row, col, kl) if row and col and k in in_idx and l in in_idx
                        else None)
        # a Hessian is symmetric: a term that is another one with (i, j) and (k, l) swapped is
        # that term's array transposed, a view instead of a second 4-way product
        for a in range(len(parts)):
            if sigs[a] is None or parts[a] is None:
                continue
            for b in range(a + 1, len(parts)):
                if parts[b] is not None and sigs[b] is not None and sigs[b][0] == sigs[a][1] \
                        and sigs[a][0] != sigs[a][1]:
                    t = self.assign(parts[a])
                    parts[a] = f"({t} + {t}.transpose(2, 3, 0, 1))"
                    parts[b] = None
                    break
        parts = [p for p in parts if p is not None]
        if not parts:
            full = [d for d in (L.shape[0], L.shape[1], V.shape[0], V.shape[1]) if d != 1]
            return self.b.zeros.format(s=", ".join(self.dim(d) for d in full) + ",")
        code = parts[0] + "".join((" - " + p[1:]) if p.startswith("-") else (" + " + p) for p in parts[1:])
        return code


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


def _distribute(e: Expr) -> Expr:
    """(A + B) x -> A x + B x: a sum of matrices times a vector costs two matrix-vector
    products instead of a matrix sum (memory traffic) and one product."""
    def fn(n):
        if not isinstance(n, Mul) or n.shape == SCALAR or (n.shape[0] != 1 and n.shape[1] != 1):
            return n
        c, scal, chain = n.split()
        for i, f in enumerate(chain):
            if isinstance(f, Add) and f.shape[0] != 1 and f.shape[1] != 1 and len(f.args) <= 4:
                return B.add(*[B.mul(B.num(c), *scal, *chain[:i], t, *chain[i + 1:]) for t in f.args])
        return n
    return B.transform(e, fn)


def _chain_node(chain: list) -> Expr:
    """A canonical sub-chain as a node (a single factor is itself)."""
    if len(chain) == 1:
        return chain[0]
    r, c = chain[0].shape[0], chain[-1].shape[1]
    return Mul._make(tuple(chain), (r, c))


def _lu_base(m: Expr) -> Expr:
    """M for M or M' (one LU factorization serves both: inv(M') = inv(M)', det(M') = det(M))."""
    return m.arg if isinstance(m, Transpose) else m


def _transposes(e: Expr) -> int:
    return sum(1 for n in e.walk() if isinstance(n, Transpose))


def _size(d) -> int:
    return 1 if d == 1 else BIG


def _is_simple(c: str) -> bool:
    """A name, a number, an attribute or an indexed temporary (`_t1[0]`, `_t1[1].T`)."""
    return c.replace("_", "a").replace(".", "a").replace("[", "a").replace("]", "a").isalnum() \
        or (c.replace(".", "", 1).isdigit())


def _is_call(c: str) -> bool:
    if not c.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(c):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(c) - 1:
                return False
        elif depth == 0 and not (ch.isalnum() or ch in "._"):
            return False
    return True


def _par(c: str) -> str:
    return c if _is_simple(c) or _is_call(c) or c.startswith("(") and _is_call("f" + c) else f"({c})"


def _unwrap(c: str) -> str:
    """c without one pair of enclosing parentheses, when they enclose all of it."""
    if c.startswith("(") and c.endswith(")"):
        depth = 0
        for i, ch in enumerate(c):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i != len(c) - 1:
                return c
        return c[1:-1]
    return c


def _needs_paren_in_sum(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch in "+-":
            return True
    return False


# ---------------------------------------------------------------- modules
def generate(outputs: list, params: list, backend: str = "numpy", name: str = "f", doc: str = "") -> str:
    """The source of a module defining `name(*params)` that returns the outputs (a tuple if several)."""
    be = BACKENDS[backend]
    em = _Emitter(be, params)
    lines = []
    used = frozenset().union(*(o.expr.free for o in outputs))
    # inputs that are used: vectors become columns, scalars floats; dimensions come from the inputs
    for v in sorted(params, key=lambda v: v.name not in used):
        p = py_name(v.name)
        r, c = v.shape
        if v.name in used:
            if (r, c) == SCALAR:
                lines.append(f"{p} = float({p})" if be.name == "numpy" else f"{p} = {be.asarray.format(x=p)}")
            else:  # vectors stay 1-D
                lines.append(f"{p} = {be.asarray.format(x=p)}")
        for axis, d in enumerate((r, c)):
            if isinstance(d, str) and d not in em.dims:
                em.dims[d] = f"{p}.shape[{axis}]" if v.name in used else f"{be.asarray.format(x=p)}.shape[{axis}]"
    outputs = [Output(o.name, _distribute(o.expr), o.how, o.dvar, o.like, o.sym, o.diag) for o in outputs]
    roots = []
    for o in outputs:
        if o.how == "map":
            letters = _Letters()
            kl = (letters.new(), letters.new())
            for t in linear_terms(o.expr, o.dvar, letters, kl):
                roots.extend(e for e, _ in t.operands)
                roots.extend(t.scalars)
        else:
            roots.append(o.expr)
    em.count(roots)
    results = []
    for o in outputs:
        if o.how == "map":
            code = em.dense_map(o, ())
            t = em.assign(code)
            if o.sym:  # directions and values on the symmetric matrices
                em.lines.append(f"{t} = ({t} + {t}.swapaxes(-1, -2)) / 2")
                em.lines.append(f"{t} = ({t} + {t}.swapaxes(0, 1)) / 2")
            if o.diag:
                n = em.dim(o.dvar.shape[0])
                em.lines.append(f"{t} = {t} * {be.eye.format(n=n)}[None, None, :, :] * {be.eye.format(n=n)}[:, :, None, None]")
            results.append(t)
        else:
            code = em.code(o.expr)
            results.append(_finish(be, o, code))
    body = lines + [ln for ln in em.lines if ln]
    ret = results[0] if len(results) == 1 else "(" + ", ".join(results) + ")"
    sig = ", ".join(py_name(v.name) for v in params)
    code_text = "\n".join(body) + "\n" + ret
    helpers = _used_helpers(be.helpers, code_text)
    src = [f'"""{doc}"""' if doc else '"""Generated by matcalc."""', _used_imports(be.imports, code_text + helpers)]
    if helpers:
        src += ["", "", helpers]
    src += ["", "", f"def {name}({sig}):", f'    """{_fn_doc(outputs, params)}"""']
    src += ["    " + ln for ln in body]
    src.append(f"    return {ret}")
    return "\n".join(src) + "\n"


def _finish(be: Backend, o: Output, code: str) -> str:
    if o.expr.shape == SCALAR and be.name == "numpy":
        return f"float({code})" if not _is_float_code(code) else code
    return code


def _is_float_code(code: str) -> bool:
    return code.startswith("float(")


def _fn_doc(outputs, params) -> str:
    ins = ", ".join(f"{py_name(v.name)}: {_kind(v.shape)}" for v in params)
    outs = ", ".join(f"{o.name} ({_kind(o.expr.shape) if o.how != 'map' else 'array [out..., in...]'})"
                     for o in outputs)
    return f"Inputs: {ins}. Returns: {outs}."


def _kind(shape) -> str:
    r, c = shape
    if (r, c) == SCALAR:
        return "scalar"
    if c == 1:
        return f"vector ({r},)"
    if r == 1:
        return f"row vector ({c},)"
    return f"matrix ({r}, {c})"


def load_generated(source: str, name: str = "f"):
    """Compile generated source (built from the expression tree, never from user text)."""
    namespace: dict = {}
    exec(compile(source, "<matcalc generated>", "exec"), namespace)  # noqa: S102 - generated code only
    fn = namespace[name]
    fn.__matcalc_source__ = source
    return fn


# ---------------------------------------------------------------- from results
def outputs_for(result, name: str | None = None) -> tuple:
    """(outputs, parameters) for the main form of a result, in `.evaluate()`'s conventions."""
    f = result.function.node
    params = _params(f, result)
    kind = result.kind
    label = name or {"gradient": "grad", "jacobian": "jacobian", "hessian": "hessian", "hvp": "hvp",
                     "differential": "differential"}.get(kind, kind)
    m = getattr(result, "linear_map", None)
    if m is not None:
        return [Output(label, m.expr, "map", dvar=m.direction, like=m.variable, sym=m.sym, diag=m.diag)], params
    return [Output(label, result.node, "value" if result.node.shape == SCALAR else "array")], params


def _params(f: Expr, result) -> list:
    from ...numerics.sampling import variables
    vs = variables(f, result.node)
    for d in result.directions:
        vs.pop(d.name, None)
    extra = list(result.directions)
    m = getattr(result, "linear_map", None)
    if m is not None:  # a map's input axes have the variable's shape
        extra.append(m.variable)
    add_sizing_variables(vs, (f, result.node), getattr(result.function, "context", ()), extra)
    ordered = [vs[n] for n in sorted(vs)]
    if result.kind in ("hvp", "differential"):
        v = result.directions[-1]
        ordered.append(v)
    return ordered


def add_sizing_variables(vs: dict, exprs, context, extra=()) -> None:
    """Add to vs (name -> Var) the variables that cancelled out (x in x' x (a - a)) but whose
    values alone tell the size of a dimension the code needs (the gradient zeros(n))."""
    have = {p for v in vs.values() for d in v.shape for p in _dim_parts(d)}
    shaped = [n for e in exprs for n in e.walk()] + list(extra)
    sizes = [d for n in shaped for d in n.shape] + [n.args[0] for n in shaped if isinstance(n, DimSize)]
    need = {p for d in sizes for p in _dim_parts(d)}  # tr(I_n) = n needs n too
    for v in sorted(context, key=lambda v: v.name):
        parts = {p for d in v.shape for p in _dim_parts(d)}
        if isinstance(v, Var) and v.name not in vs and (parts & need) - have:
            vs[v.name] = v
            have |= parts


def _dim_parts(d) -> list:
    """The dimension symbols of a size (`m*n` is m and n; numbers are none)."""
    if not isinstance(d, str):
        return []
    return [p for p in d.split("*") if not p.isdigit()]


def numpy_module(result, backend: str = "numpy", name: str = "f") -> str:
    """A self-contained module for a result; its docstring names the expression and the conventions."""
    from ..printing import to_text
    outs, params = outputs_for(result)
    doc = (f"Generated by matcalc: the {result.kind} of f = {to_text(result.function.node)} "
           f"with respect to {result.wrt}.\n\n"
           f"    {outs[0].name} = {result}\n\n"
           "Conventions: vectors are 1-D arrays (columns), scalars floats; a gradient has the shape of\n"
           "its variable; a Jacobian is indexed [out..., in...] (numerator layout), a Hessian\n"
           "[wrt..., wrt...].")
    return generate(outs, params, backend=backend, name=name, doc=doc)
