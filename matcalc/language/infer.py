"""Syntax tree -> typed expression: names resolved, shapes inferred, dimensions unified.

Two steps. First the syntax tree becomes a typed tree (`T`) whose shapes are pairs of
dimension variables, unified as the operations demand (union-find). Then, with every
dimension resolved to an integer or a symbol, the typed tree is built into canonical,
hash-consed `Expr` nodes by the constructors in build.py.

Undeclared names take a kind by their look (capital: matrix, small: vector, Greek:
scalar). Where the default cannot work (`x^2`, `t I`, `x'Ax + c`), the name gives way
to a scalar: inference is simply retried with that name made a scalar.
"""
from __future__ import annotations


from ..core import build as B
from ..core.nodes import SCALAR
from ..core.functions import CALLS, FUNCTIONS, canonical_name
from .declarations import GREEK, Decl, default_kind, is_greek
from ..core.errors import DeclarationError, MatcalcError, NotSupportedError, ShapeError, UnknownNameError
from .parser import Syn

_GREEK_SET = frozenset(GREEK)
MAX_MATRIX_POWER = 1000
SUGGEST = {"norm": "write ||x|| or ||X||_F", "transpose": "write X' or X^T", "inverse": "write inv(X) or X^-1",
           "logsumexp": "write log(sum(exp(x)))",
           "frob": "write ||X||_F", "relu": "piecewise functions are not supported",
           "max": "max is not supported", "min": "min is not supported"}


def known_functions() -> str:
    """The functions of the language, for error messages (from the registry)."""
    return ", ".join(list(CALLS) + list(FUNCTIONS))


class DimVar:
    """A dimension in inference: a constant, a declared symbol (rigid), or free (flexible)."""

    __slots__ = ("parent", "label", "rigid", "const", "owner", "order", "factors")

    def __init__(self, order, label=None, rigid=False, const=None, owner=None, factors=None):
        self.parent = None  # a root (None, not self: no reference cycle for the collector)
        self.label = label
        self.rigid = rigid
        self.const = const
        self.owner = owner
        self.order = order
        self.factors = factors  # (a, b) for the product dimension a*b (kron, vec)

    def find(self) -> "DimVar":
        r = self
        while r.parent is not None:
            r = r.parent
        n = self
        while n is not r and n.parent is not r:
            n.parent, n = r, n.parent
        return r

    def show(self) -> str:
        r = self.find()
        if r.const is not None:
            return str(r.const)
        if r.factors is not None:
            return "*".join(f.show() for f in r.factors)
        return r.label or "?"

    def leaves(self) -> tuple:
        """(the non-constant factors' roots, the constant factor) of a dimension, products flattened."""
        r = self.find()
        if r.const is not None:
            return [], r.const
        if r.factors is None:
            return [r], 1
        out, c = [], 1
        for f in r.factors:
            fs, fc = f.leaves()
            out += fs
            c *= fc
        return out, c


class T:
    """A typed node: an operation, its arguments, a shape of DimVars and a source span."""

    __slots__ = ("op", "args", "shape", "start", "end", "soft", "built")

    def __init__(self, op, args, shape, start, end, soft=None):
        self.op = op
        self.args = args
        self.shape = shape
        self.start = start
        self.end = end
        self.soft = soft  # the name, when this is a variable typed by its look
        self.built = None


class _Clash(Exception):
    """A shape conflict; `soft` lists default-typed names that could give way to scalars."""

    def __init__(self, message, soft=()):
        super().__init__(message)
        self.message = message
        self.soft = list(soft)


class Ctx:
    """The state of one inference attempt."""

    def __init__(self, text: str, decls: dict, forced: set):
        self.text = text
        self.decls = decls
        self.forced = forced
        self.vars: dict = {}
        self.bindings: dict = {}
        self.rigid: dict = {}
        self.order = 0
        self.flex_labels: set = set()
        self.taken = {d for decl in decls.values() for d in decl.dims if isinstance(d, str)}
        self.unit = self.const(1)
        self.split_runs: dict = {}

    # ------------------------------------------------------------ dims
    def _new(self, **kw) -> DimVar:
        self.order += 1
        return DimVar(self.order, **kw)

    def const(self, v: int) -> DimVar:
        return self._new(const=v)

    def dim(self, d) -> DimVar:
        if d is None:
            return self._new()
        if isinstance(d, int):
            return self.const(d)
        if "*" in d:  # a declared product dimension, vector(m*n)
            a, b = d.split("*", 1)
            return self._prod_dim(self.dim(int(a) if a.isdigit() else a), self.dim(int(b) if b.isdigit() else b))
        if d not in self.rigid:
            self.rigid[d] = self._new(label=d, rigid=True)
        return self.rigid[d]

    def flex(self, label: str, owner=None) -> DimVar:
        base = label
        i = 1
        while label in self.taken or label in self.flex_labels:
            i += 1
            label = f"{base}{i}"
        self.flex_labels.add(label)
        return self._new(label=label, owner=owner)

    def unify(self, a: DimVar, b: DimVar, why) -> None:
        ra, rb = a.find(), b.find()
        if ra is rb:
            return
        if ra.const is not None and rb.const is not None:
            if ra.const != rb.const:
                raise why()
            rb.parent = ra
            return
        for x, y in ((ra, rb), (rb, ra)):
            if x.const == 1 and y.const is None and not y.rigid:
                # a default-typed name (or I's size) would become 1: the name should be a scalar
                err = why()
                soft = list(getattr(err, "soft", []))
                if y.owner is not None and y.owner not in soft:
                    soft.insert(0, y.owner)
                raise _Clash(str(err), soft)
        if ra.factors is not None or rb.factors is not None:
            # m*n = n*m; and n*m = n*k means m = k (every dimension is at least 1)
            la, ca = ra.leaves()
            lb, cb = rb.leaves()
            for x in list(la):
                if any(x is y for y in lb):
                    la.remove(x)
                    lb.remove(next(y for y in lb if y is x))
            if ca == cb and len(la) == len(lb) <= 1:
                if la:
                    self.unify(la[0], lb[0], why)
                ra, rb = ra.find(), rb.find()
                if ra is not rb:
                    rb.parent = ra
                return
        if (ra.rigid or ra.const is not None) and (rb.rigid or rb.const is not None):
            raise why()
        # keep the more informative root: constant > declared symbol > earliest flexible
        def rank(x):
            return (0 if x.const is not None else 1 if x.rigid else 2, x.order)
        keep, drop = (ra, rb) if rank(ra) <= rank(rb) else (rb, ra)
        if keep.owner is None or drop.owner is None:
            keep.owner = None if (keep.rigid or keep.const is not None) else (keep.owner or drop.owner)
        drop.parent = keep

    def is_scalar(self, t: T) -> bool:
        r, c = t.shape
        return r.find().const == 1 and c.find().const == 1

    def is_col(self, t: T) -> bool:
        return t.shape[1].find().const == 1

    def is_row(self, t: T) -> bool:
        return t.shape[0].find().const == 1

    # ------------------------------------------------------------ messages
    def src(self, t) -> str:
        s = self.text[t.start:t.end].strip()
        if len(s) > 40:
            s = s[:37] + "..."
        return s

    def show(self, t: T) -> str:
        if self.is_scalar(t):
            return "a scalar"
        if self.is_col(t):
            return f"a vector of length {t.shape[0].show()}"
        if self.is_row(t):
            return f"a row vector of length {t.shape[1].show()}"
        return f"a matrix of size {t.shape[0].show()} x {t.shape[1].show()}"

    def soft_in(self, *ts) -> list:
        """Default-typed names in these subexpressions, direct operands first."""
        direct = [t.soft for t in ts if t.soft and t.soft not in self.forced]
        inner = []
        for t in ts:
            stack = [t]
            while stack:
                u = stack.pop()
                if u.soft and u.soft not in self.forced and u.soft not in inner:
                    inner.append(u.soft)
                stack.extend(a for a in u.args if isinstance(a, T)) if isinstance(u.args, tuple) else None
        return direct + [n for n in inner if n not in direct]

    def clash(self, message: str, *operands) -> _Clash:
        notes = []
        for t in operands:
            for run, parts in self.split_runs.items():
                if t.start <= run[0] and run[1] <= t.end:
                    notes.append(f"note: {self.text[run[0]:run[1]]!r} is read as the product {' '.join(parts)};"
                                 f" declare it (where='{self.text[run[0]:run[1]]}: ...') to use it as one name")
        if notes:
            message += "\n" + "\n".join(dict.fromkeys(notes))
        return _Clash(message, self.soft_in(*operands))

    def mk(self, op, args, shape, parts, soft=None) -> T:
        start = min(p.start for p in parts)
        end = max(p.end for p in parts)
        return T(op, args, shape, start, end, soft)

    # ------------------------------------------------------------ names
    def known(self, name: str) -> bool:
        return name in self.decls or name in self.bindings or (name in _GREEK_SET or (
            "_" in name or name[-1:].isdigit()) and is_greek(name))

    def split_run(self, text: str) -> list:
        """A letter run as names: declared and Greek names whole, other letters one by one."""
        if self.known(text) or text == "I" or len(text) == 1:
            return [text]
        letters = text
        suffix = ""
        for i, ch in enumerate(text):
            if not ch.isalpha():
                letters, suffix = text[:i], text[i:]
                break
        if suffix and len(letters) == 1:
            return [text]
        out = []
        i = 0
        longest = max([len(n) for n in self.decls] + [len(n) for n in self.bindings] + [10])
        while i < len(letters):
            best = 1
            for j in range(min(len(letters), i + longest), i + 1, -1):
                cand = letters[i:j]
                if self.known(cand) and not (j == len(letters) and suffix and self.known(cand + suffix)):
                    best = j - i
                    break
            out.append(letters[i:i + best])
            i += best
        if suffix:
            last = out.pop()
            out.append(last + suffix)
            if len(out) > 1 and self.known(out[-1]) is False and len(last) > 1:
                pass
        return out

    def variable(self, name: str, start: int, end: int) -> T:
        if name in self.bindings:
            b = self.bindings[name]
            return T("ref", (b,), b.shape, start, end)
        if name == "I":
            k = self.flex("k")
            return T("identity", (), (k, k), start, end)
        if name.startswith("I_") and name not in self.decls:  # I_n: the identity of size n
            label = name[2:].strip("{}")
            k = self.const(int(label)) if label.isdigit() else self.dim_named(label)
            return T("identity", (), (k, k), start, end)
        v = self.vars.get(name)
        if v is None:
            decl = self.decls.get(name)
            soft = None
            if decl is None:
                kind = "scalar" if name in self.forced else default_kind(name)
                if kind == "matrix":
                    shape = (self.flex(f"m_{name}", name), self.flex(f"n_{name}", name))
                elif kind == "vector":
                    shape = (self.flex(f"n_{name}", name), self.unit)
                else:
                    shape = (self.unit, self.unit)
                soft = name if kind != "scalar" else None
                decl = Decl(name, kind, tuple(None for _ in range(2 if kind == "matrix" else 1 if kind == "vector" else 0)),
                            frozenset(), declared=False)
            else:
                if decl.kind == "matrix":
                    r = self.dim(decl.dims[0]) if decl.dims[0] is not None else self.flex(f"m_{name}")
                    c = self.dim(decl.dims[1]) if decl.dims[1] is not None else self.flex(f"n_{name}")
                    if decl.props & {"symmetric", "spd", "invertible", "diagonal", "orthogonal"}:
                        self.unify(r, c, lambda: ShapeError(f"{name} is declared square but as {r.show()}x{c.show()}"))
                    shape = (r, c)
                elif decl.kind == "vector":
                    r = self.dim(decl.dims[0]) if decl.dims[0] is not None else self.flex(f"n_{name}")
                    shape = (r, self.unit)
                else:
                    shape = (self.unit, self.unit)
            v = T("var", (name, decl), shape, start, end, soft)
            self.vars[name] = v
        return v  # one typed node per name (its span is the first occurrence's: the same text)

    # ------------------------------------------------------------ inference
    def one(self, s: Syn) -> T:
        pieces = self.infer(s)
        if len(pieces) == 1:
            return pieces[0]
        return self.product([("", p) for p in pieces])

    def infer(self, s: Syn) -> list:
        k = s.kind
        if k == "name":
            parts = self.split_run(s.a)
            if len(parts) > 1:
                self.split_runs[(s.start, s.end)] = parts
            out = []
            pos = s.start
            for p in parts:
                out.append(self.variable(p, pos, pos + len(p)))
                pos += len(p)
            return out
        if k == "post":
            pieces = self.infer(s.a)
            for pf in s.b:
                pieces = self.postfix(pieces, pf)
            return pieces
        if k == "product":
            items = s.a
            for (op1, a), (op2, b) in zip(items, items[1:]):
                if (a.kind == "name" and b.kind == "paren" and op2 == "" and a.end == b.start
                        and len(a.a) >= 2 and a.a.isalpha() and a.a.islower() and not self.known(a.a)):
                    hint = SUGGEST.get(a.a)
                    raise UnknownNameError(
                        f"unknown function {a.a!r}" + (f" ({hint})" if hint else "") +
                        f". Functions are {known_functions()}; to multiply single letters, put spaces between them")
            seq = []
            for op, item in items:
                ps = self.infer(item)
                seq.append((op, ps[0]))
                seq.extend(("", p) for p in ps[1:])
            return [self.product(seq)]
        return [self.single(s)]

    def single(self, s: Syn) -> T:
        k = s.kind
        if k == "num":
            return T("num", (s.a,), (self.unit, self.unit), s.start, s.end)
        if k == "paren":
            t = self.one(s.a)
            return T(t.op, t.args, t.shape, s.start, s.end, t.soft) if t.op != "ref" else t
        if k == "neg":
            t = self.one(s.a)
            return self.mk("neg", (t,), t.shape, [s])
        if k == "sum":
            return self.sum(s)
        if k == "call":
            return self.call(s)
        if k == "inner":
            a, b = self.one(s.a), self.one(s.b)
            self.same_shape(a, b, "an inner product <., .>")
            return self.mk("inner", (a, b), (self.unit, self.unit), [s])
        if k == "norm":
            a = self.one(s.a)
            sub = s.b
            vec = self.is_col(a) or self.is_row(a)
            if sub == "F" or vec:
                return self.mk("norm", (a,), (self.unit, self.unit), [s])
            return self.mk("spectral", (a,), (self.unit, self.unit), [s])
        if k == "where":
            for name, value, pos in s.b:
                if name in self.decls:
                    raise DeclarationError(f"{name!r} is both declared and defined with 'where'")
                if name in self.bindings:
                    raise DeclarationError(f"{name!r} is defined twice with 'where'")
                self.bindings[name] = self.one(value)
            return self.one(s.a)
        if k in ("name", "post", "product"):
            return self.one(s)
        raise MatcalcError(f"cannot read {self.text[s.start:s.end]!r}")  # pragma: no cover

    def const_value(self, s: Syn):
        """The value of a constant exponent (2, -1, {-1}, (1/2)), or None."""
        if s.kind == "num":
            return s.a
        if s.kind == "neg":
            v = self.const_value(s.a)
            return None if v is None else -v
        if s.kind == "paren":
            return self.const_value(s.a)
        if s.kind == "product" and len(s.a) == 2 and s.a[1][0] == "/":
            a, b = self.const_value(s.a[0][1]), self.const_value(s.a[1][1])
            if a is not None and b:
                return a / b
        return None

    def postfix(self, pieces: list, pf: Syn) -> list:
        base = pieces[-1]
        rest_after = []
        if pf.kind == "tick":
            new = self.mk("transpose", (base,), (base.shape[1], base.shape[0]), [base, pf])
            return pieces[:-1] + [new]
        e = pf.a
        # X^T, X^-T, X^TB (the run after ^ is T then B), X^{T}
        inner = e.a if e.kind == "paren" else e
        neg = False
        if inner.kind == "neg" and inner.a.kind == "name":
            neg, inner = True, inner.a
        if pf.kind == "pow" and inner.kind == "name" and inner.a[0] == "T" and (
                inner.a == "T" or (e.kind == "name" or (e.kind == "neg"))):
            parts = self.split_run(inner.a) if inner.a != "T" else ["T"]
            if parts[0] == "T":
                new = self.mk("transpose", (base,), (base.shape[1], base.shape[0]), [base, pf])
                if neg:
                    new = self.inverse(new, pf)
                pos = inner.start + 1
                for p in parts[1:]:
                    rest_after.append(self.variable(p, pos, pos + len(p)))
                    pos += len(p)
                return pieces[:-1] + [new] + rest_after
        if e.kind == "name" and pf.kind in ("pow", "epow"):
            parts = self.split_run(e.a)
            if len(parts) > 1:  # x^nA: the exponent is the first name only
                self.split_runs[(e.start, e.end)] = parts
                pos = e.start + len(parts[0])
                for p in parts[1:]:
                    rest_after.append(self.variable(p, pos, pos + len(p)))
                    pos += len(p)
                e = Syn("name", parts[0], None, e.start, e.start + len(parts[0]))
        if pf.kind == "epow":
            ex = self.one(e)
            self.need_scalar(ex, "an elementwise power's exponent")
            new = self.mk("epow", (base, ex), base.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        # ^ : a scalar power, or an integer matrix power
        if self.is_scalar(base):
            ex = self.one(e)
            self.need_scalar(ex, "an exponent")
            new = self.mk("pow", (base, ex), base.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        k = self.const_value(e)
        if k is None or k.denominator != 1:
            what = self.text[e.start:e.end]
            msg = (f"{self.src(base)}^{what}: {self.src(base)} is {self.show(base)}, and a matrix power needs an "
                   f"integer exponent (for an elementwise power write {self.src(base)} .^ {what})")
            if base.soft and base.soft not in self.forced:
                raise _Clash(msg, [base.soft])
            raise ShapeError(msg)
        r, c = base.shape
        self.unify(r, c, lambda: self.clash(
            f"{self.src(base)}^{int(k)}: a matrix power needs a square matrix, but {self.src(base)} is {self.show(base)}",
            base))
        if abs(k) > MAX_MATRIX_POWER:
            raise NotSupportedError(f"{self.src(base)}^{k}: matrix powers beyond {MAX_MATRIX_POWER} are not supported "
                                    "(their differential has one term per factor)")
        new = self.mk("matpow", (base, int(k)), base.shape, [base, pf])
        return pieces[:-1] + [new] + rest_after

    def inverse(self, t: T, at) -> T:
        r, c = t.shape
        self.unify(r, c, lambda: self.clash(f"only a square matrix has an inverse, but {self.src(t)} is {self.show(t)}", t))
        return self.mk("matpow", (t, -1), t.shape, [t, at])

    def need_scalar(self, t: T, what: str) -> None:
        if not self.is_scalar(t):
            raise self.clash(f"{what} must be a scalar, but {self.src(t)} is {self.show(t)}", t)

    def same_shape(self, a: T, b: T, what: str) -> None:
        def why():
            return self.clash(f"{what} needs equal shapes, but {self.src(a)} is {self.show(a)} and "
                              f"{self.src(b)} is {self.show(b)}", a, b)
        self.unify(a.shape[0], b.shape[0], why)
        self.unify(a.shape[1], b.shape[1], why)

    def product(self, seq: list) -> T:
        """Left to right; the typed node keeps the flat list so building makes one product."""
        acc = seq[0][1]
        for op, t in seq[1:]:
            acc = self.combine(acc, op, t)
        if len(seq) <= 2:  # one binary operation: its typed node is the product
            return acc
        ops = []
        for op, t in seq[1:]:
            if op in (".*", "./") and (self.is_scalar(t) or any(self.is_scalar(x) for x in ())):
                pass
            ops.append(op)
        return T("product", (tuple(seq),), acc.shape, acc.start, acc.end)

    def combine(self, a: T, op: str, b: T) -> T:
        sa, sb = self.is_scalar(a), self.is_scalar(b)
        if op in ("", "*"):
            if sa or sb:
                return self.mk("smul", (a, b), b.shape if sa else a.shape, [a, b])
            self.unify(a.shape[1], b.shape[0], lambda: self.clash(
                f"cannot multiply {self.src(a)} ({self.show(a)}) by {self.src(b)} ({self.show(b)}): "
                f"{_count(a.shape[1].show(), 'column')} against {_count(b.shape[0].show(), 'row')}", a, b))
            return self.mk("matmul", (a, b), (a.shape[0], b.shape[1]), [a, b])
        if op == "/":
            if not sb:
                raise self.clash(f"can only divide by a scalar, but {self.src(b)} is {self.show(b)}", b)
            return self.mk("div", (a, b), a.shape, [a, b])
        # .* and ./
        if sa or sb:
            if op == "./" and not sb:
                return self.mk("ediv", (a, b), b.shape, [a, b])
            return self.mk("smul" if op == ".*" else "div", (a, b), b.shape if sa else a.shape, [a, b])
        self.same_shape(a, b, f"an elementwise {'product' if op == '.*' else 'division'}")
        return self.mk("hadamard" if op == ".*" else "ediv", (a, b), a.shape, [a, b])

    def sum(self, s: Syn) -> T:
        terms = [(sign, self.one(t)) for sign, t in s.a]
        nonscalar = [t for _, t in terms if not self.is_scalar(t)]
        if nonscalar:
            # `x'Ax + c`: a default-typed name added to a genuine scalar gives way to a scalar
            scalars = [t for _, t in terms if self.is_scalar(t) and t.op != "num"]
            softs = [t for t in nonscalar if t.soft and t.soft not in self.forced
                     and default_kind(t.soft) == "vector"]
            if scalars and softs:
                raise _Clash("", [softs[0].soft])
            first = nonscalar[0]
            for t in nonscalar[1:]:
                def why(t=t):
                    return self.clash(f"cannot add {self.src(first)} ({self.show(first)}) and "
                                      f"{self.src(t)} ({self.show(t)})", first, t)
                self.unify(first.shape[0], t.shape[0], why)
                self.unify(first.shape[1], t.shape[1], why)
            shape = first.shape
        else:
            shape = (self.unit, self.unit)
        return T("sum", tuple((sg, t) for sg, t in terms), shape, s.start, s.end)

    def call(self, s: Syn) -> T:
        name = canonical_name(s.a)
        args = s.b
        if name in ("ones", "zeros", "comm", "dim"):
            dims = []
            for a in args:
                if a.kind == "name":
                    dims.append(self.dim_named(a.a))
                elif a.kind == "num" and a.a.denominator == 1 and a.a >= 1:
                    dims.append(self.const(int(a.a)))
                else:
                    raise ShapeError(f"{name}(...) takes dimensions (names or positive integers), not "
                                     f"{self.text[a.start:a.end]!r}")
            want = {"ones": (1, 2), "zeros": (1, 2), "comm": (2,), "dim": (1,)}[name]
            if len(dims) not in want:
                raise ShapeError(f"{name} takes {' or '.join(map(str, want))} dimension arguments")
            if name in ("ones", "zeros"):
                shape = (dims[0], dims[1] if len(dims) == 2 else self.unit)
                return self.mk(name, (), shape, [s])
            if name == "dim":
                return self.mk("dimsize", (dims[0],), (self.unit, self.unit), [s])
            return self.mk("comm", tuple(dims), (self._prod_dim(dims[0], dims[1]),) * 2, [s])
        want = 2 if name == "kron" else 1
        if len(args) != want:
            raise ShapeError(f"{name} takes {want} argument{'s' if want > 1 else ''}, not {len(args)}")
        ts = [self.one(a) for a in args]
        t = ts[0]
        if name in FUNCTIONS:
            return self.mk("func", (name, t), t.shape, [s])
        if name in ("tr", "det", "logdet", "inv"):
            if not self.is_scalar(t):
                r, c = t.shape
                self.unify(r, c, lambda: self.clash(
                    f"{name}({self.src(t)}) needs a square matrix, but {self.src(t)} is {self.show(t)}", t))
            if name == "inv":
                return self.mk("matpow", (t, -1), t.shape, [s])
            return self.mk(name, (t,), (self.unit, self.unit), [s])
        if name == "sum":
            return self.mk("sum_all", (t,), (self.unit, self.unit), [s])
        if name == "diag":
            if self.is_scalar(t):
                return T(t.op, t.args, t.shape, s.start, s.end)
            if self.is_col(t):
                return self.mk("diag", (t,), (t.shape[0], t.shape[0]), [s])
            r, c = t.shape
            self.unify(r, c, lambda: self.clash(
                f"diag({self.src(t)}) needs a vector or a square matrix, but {self.src(t)} is {self.show(t)}", t))
            return self.mk("diagpart", (t,), (r, self.unit), [s])
        if name == "softmax":
            if not self.is_col(t):
                raise self.clash(f"softmax needs a vector, but {self.src(t)} is {self.show(t)}", t)
            return self.mk("softmax", (t,), t.shape, [s])
        if name == "vec":
            return self.mk("vec", (t,), (self._prod_dim(t.shape[0], t.shape[1]), self.unit), [s])
        if name == "kron":
            u = ts[1]
            return self.mk("kron", (t, u), (self._prod_dim(t.shape[0], u.shape[0]),
                                           self._prod_dim(t.shape[1], u.shape[1])), [s])
        raise UnknownNameError(f"unknown function {s.a!r}")  # pragma: no cover - grammar lists them

    def dim_named(self, name: str) -> DimVar:
        if name in self.rigid:
            return self.rigid[name]
        for lab in (name,):
            for v in list(self.vars.values()):
                for d in v.shape:
                    r = d.find()
                    if r.label == lab:
                        return r
        if name in self.taken:
            return self.dim(name)
        return self.dim(name)

    def _prod_dim(self, a: DimVar, b: DimVar) -> DimVar:
        ra, rb = a.find(), b.find()
        if ra.const == 1:
            return rb
        if rb.const == 1:
            return ra
        if ra.const is not None and rb.const is not None:
            return self.const(ra.const * rb.const)
        return self._new(rigid=True, factors=(ra, rb))

    # ------------------------------------------------------------ building
    def resolve(self, d: DimVar):
        r = d.find()
        if r.const is not None:
            return r.const
        if r.factors is not None:
            a, b = (self.resolve(f) for f in r.factors)
            return B._dim_mul(a, b)  # the constructors' canonical spelling (m*n for n*m)
        return r.label

    def build(self, root: T):
        """Build the canonical Expr of a typed tree (iteratively, children first)."""
        stack = [(root, False)]
        while stack:
            t, ready = stack.pop()
            if t.built is not None:
                continue
            kids = _kids(t)
            if not ready:
                stack.append((t, True))
                stack.extend((k, False) for k in kids if k.built is None)
                continue
            try:
                t.built = _BUILD[t.op](self, t)
            except ShapeError as e:
                raise ShapeError(f"in {self.src(t)!r}: {e}") from None
        return root.built


def _count(n: str, word: str) -> str:
    return f"{n} {word}" + ("" if n == "1" else "s")


def _kids(t: T) -> list:
    if t.op == "sum":
        return [x for _, x in t.args]
    if t.op == "product":
        return [x for _, x in t.args[0]]
    if t.op == "var":
        return []
    return [a for a in t.args if isinstance(a, T)]


def _shape(ctx, t):
    return (ctx.resolve(t.shape[0]), ctx.resolve(t.shape[1]))


def _build_product(ctx, t):
    """One canonical product per run of `*`, `/` and juxtaposition; `.*` and `./` in between."""
    seq = t.args[0]
    factors = [seq[0][1].built]
    running = factors[0].shape  # the shape of the product so far, left to right
    for op, x in seq[1:]:
        v = x.built
        if op in ("", "*", "/") and running == SCALAR and len(factors) > 1 and v.shape != SCALAR:
            factors = [B.mul(*factors)]  # (x'y) A: a finished 1x1 product is a scalar factor
        if op in ("", "*"):
            factors.append(v)
            if running == SCALAR:
                running = v.shape
            elif v.shape != SCALAR:
                running = (running[0], v.shape[1])
            continue
        if op == "/":
            factors.append(B.power(v, B.num(-1)) if not B.is_zero(v) else B.div(B.ONE, v))
        else:
            acc = B.mul(*factors)
            if acc.shape == SCALAR or v.shape == SCALAR:
                acc = B.mul(acc, v) if op == ".*" else B.elementwise_div(acc, v)
            else:
                acc = B.hadamard(acc, v) if op == ".*" else B.elementwise_div(acc, v)
            factors = [acc]
            running = acc.shape
    return B.mul(*factors)


def _build_spectral(ctx, t):
    """The spectral norm of a matrix, where it has a closed form: ||a b'||_2 = ||a|| ||b||."""
    a = t.args[0]
    out = B.spectral_norm(a.built)
    if out is None:
        raise NotSupportedError(
            f"the spectral norm ||{ctx.src(a)}||_2 of a matrix is supported only for an outer product "
            f"a b' (where it is ||a|| ||b||); write ||{ctx.src(a)}||_F for the Frobenius norm")
    return out


def _build_var(ctx, t):
    name, decl = t.args
    return B.var(name, _shape(ctx, t), decl.props)


_BUILD = {
    "var": _build_var,
    "product": _build_product,
    "ref": lambda c, t: t.args[0].built,
    "num": lambda c, t: B.num(t.args[0]),
    "identity": lambda c, t: B.identity(c.resolve(t.shape[0])),
    "ones": lambda c, t: B.ones(_shape(c, t)),
    "zeros": lambda c, t: B.zeros(_shape(c, t)),
    "dimsize": lambda c, t: B.dimsize(c.resolve(t.args[0])),
    "comm": lambda c, t: B.comm(c.resolve(t.args[0]), c.resolve(t.args[1])),
    "neg": lambda c, t: B.neg(t.args[0].built),
    "sum": lambda c, t: B.add(*[x.built if sg == "+" else B.neg(x.built) for sg, x in t.args]),
    "smul": lambda c, t: B.mul(t.args[0].built, t.args[1].built),
    "matmul": lambda c, t: B.mul(t.args[0].built, t.args[1].built),
    "div": lambda c, t: B.div(t.args[0].built, t.args[1].built),
    "hadamard": lambda c, t: B.hadamard(t.args[0].built, t.args[1].built),
    "ediv": lambda c, t: B.elementwise_div(t.args[0].built, t.args[1].built),
    "transpose": lambda c, t: B.transpose(t.args[0].built),
    "matpow": lambda c, t: B.matpow(t.args[0].built, t.args[1]),
    "pow": lambda c, t: B.power(t.args[0].built, t.args[1].built),
    "epow": lambda c, t: B.power(t.args[0].built, t.args[1].built),
    "func": lambda c, t: B.func(t.args[0], t.args[1].built),
    "tr": lambda c, t: B.trace(t.args[0].built),
    "det": lambda c, t: B.det(t.args[0].built),
    "logdet": lambda c, t: B.logdet(t.args[0].built),
    "sum_all": lambda c, t: B.sumall(t.args[0].built),
    "diag": lambda c, t: B.diag(t.args[0].built),
    "diagpart": lambda c, t: B.diagpart(t.args[0].built),
    "softmax": lambda c, t: B.softmax(t.args[0].built),
    "inner": lambda c, t: B.inner(t.args[0].built, t.args[1].built),
    "norm": lambda c, t: B.norm(t.args[0].built),
    "spectral": _build_spectral,
    "vec": lambda c, t: B.vec(t.args[0].built),
    "kron": lambda c, t: B.kron(t.args[0].built, t.args[1].built),
}


def _syn_children(n: Syn) -> list:
    out = []
    for f in (n.a, n.b):
        if isinstance(f, Syn):
            out.append(f)
        elif isinstance(f, list):
            for x in f:
                if isinstance(x, Syn):
                    out.append(x)
                elif isinstance(x, tuple):
                    out.extend(y for y in x if isinstance(y, Syn))
    return out


def _prescan(syn: Syn, ctx: "Ctx") -> set:
    """Names that can only be scalars, found up front (x^2 with x undeclared): one inference
    pass instead of one retry per name."""
    found = set()
    stack = [syn]
    while stack:
        n = stack.pop()
        if n.kind == "post" and n.a.kind == "name" and n.b and n.b[0].kind == "pow":
            e = n.b[0].a
            last = ctx.split_run(n.a.a)[-1]
            if (e.kind == "num" or (e.kind == "paren" and ctx.const_value(e) is not None)) \
                    and last not in ctx.decls and default_kind(last) == "vector":
                found.add(last)
        stack.extend(_syn_children(n))
    return found


def typecheck(syn: Syn, text: str, decls: dict):
    """The canonical Expr of a syntax tree under `decls`, retrying defaults that must give way."""
    forced: set = _prescan(syn, Ctx(text, decls, set())) if "^" in text else set()
    first = None
    for _ in range(200):
        ctx = Ctx(text, decls, forced)
        try:
            root = ctx.one(syn)
            return ctx.build(root), ctx
        except _Clash as c:
            if first is None and c.message:
                first = c.message
            # only names that are vectors by their look give way to scalars; a capital stays a matrix
            cands = [n for n in c.soft if n not in forced and default_kind(n) == "vector" and n not in decls]
            if not cands:
                raise ShapeError(first or c.message) from None
            forced.add(cands[0])
        except ShapeError:
            if first is not None:
                raise ShapeError(first) from None
            raise
    raise ShapeError(first or "cannot infer the shapes of this expression")  # pragma: no cover
