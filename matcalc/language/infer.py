"""Syntax tree -> typed tree: names resolved, kinds and shapes inferred, dimensions unified.

One `Ctx` is one inference attempt under one choice of kinds for the undeclared names
(`kinds`; a name not in it takes the kind of its look). kinds.py chooses among attempts,
construct.py builds the typed tree into canonical Expr nodes, reading.py says how it was read.

Every typed node records `dep`, the undeclared names whose guessed kinds its shape rests on.
A scalar spreads over a vector or matrix in a sum only when its `dep` is empty (a number, a
declared scalar, or an operation that is always scalar: tr, det, norms, inner products):
a guessed kind never triggers broadcasting.
"""
from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ..core.errors import DeclarationError, MatcalcError, NotSupportedError, ParseError, ShapeError, UnknownNameError
from ..core.functions import CALLS, FUNCTIONS, calls_with, canonical_name
from .declarations import MAX_DIM, Decl, check_name, declaration_with_size, default_kind, is_greek, norm_name
from .dims import Clash, DimSpace, DimVar, count
from .names import NameRules
from .parser import Syn, syn_children
from . import construct

if TYPE_CHECKING:
    from fractions import Fraction

MAX_MATRIX_POWER = 1000
# the scalar-valued operations: their result is a scalar whatever the kinds of their operands. The
# syntax's, and the operation a call of one argument makes (its first `CallSpec.typed`) where the
# registry says that call's `result` is a scalar: tr, det, logdet, sum_all, mean_all, dimsize, norm1
_ALWAYS_SCALAR = frozenset({"norm", "spectral", "inner", "num", "euler", "pi"} | {
    spec.typed[0][0] for spec in CALLS.values() if spec.result == "scalar" and spec.typed})


#: functions written without parentheses whose operand may run on over a division by a scalar or a
#: product with a number with the same value (tr X / n = tr(X / n), sum x * 2 = sum(x * 2)): the
#: linear calls (the registry's `linear`; unvec among them takes no operand without parentheses)
_LINEAR_FUNCTIONS = frozenset(calls_with(linear=True))
#: the scalar reductions of a square matrix (tr, det, logdet): det A det B is their product
SQUARE_REDUCTIONS = frozenset(calls_with(square=True, result="scalar"))
#: the calls whose argument must be a square matrix (tr, det, logdet, inv)
SQUARE_CALLS = frozenset(calls_with(square=True))


def _one_reading(a: Syn, op: str, b: Syn) -> bool:
    """A function applied without parentheses (a), then op and b: do `f(x op b)` and `f(x) op b`
    agree, or is the first not a reading anyone means? Linear functions over a division (by a
    scalar: no other division exists) or a number; and a product or quotient of two applications,
    det X * det Y, sin x * cos x (det(X * det Y) is not meant)."""
    if b.kind == "apply" and op in ("*", "/") and a.b[0].kind != "apply" and canonical_name(a.a) != "logdet":
        return True  # (not log det A / det B, nor LaTeX's \log\det A / \det B: the Gaussians' KL divergence
        # means log(det A / det B))
    if b.kind == "apply" and op == "" and {canonical_name(a.a), canonical_name(b.a)} <= SQUARE_REDUCTIONS:
        return True  # (det A det B, tr A tr B: papers' product of two reductions; det(A det B) is not meant)
    if canonical_name(a.a) in _LINEAR_FUNCTIONS:
        return op == "/" or (op in ("*", ".*", "./") and _constant(b))
    return False


def _matmul_chain(t: T) -> list:
    """The factors of a typed product, its matrix products (t c' x, read ((t c') x)) flattened."""
    if t.op == "matmul":
        return _matmul_chain(t.args[0]) + _matmul_chain(t.args[1])
    if t.op == "product":
        return [f for _, x in t.args[0] for f in _matmul_chain(x)]
    return [t]


def _constant(s: Syn) -> bool:
    """Is s made of numbers only (2, (1/2), -3)?"""
    if s.kind == "num":
        return True
    if s.kind in ("paren", "neg"):
        return _constant(s.a)
    if s.kind == "product":
        return all(_constant(item) for _op, item in s.a)
    return False



#: an exponent -1T, {-1T}, (-1 \top): the inverse and the transpose run together
_INVERSE_TRANSPOSE = re.compile(r"^[{(]?\s*-\s*1\s*(?:T|\\top|\\intercal|')\s*[})]?$")


def inverse_transposed(exponent: str) -> bool:
    """Is a power's exponent text the inverse and the transpose run together (X^{-1T})?"""
    return _INVERSE_TRANSPOSE.match(exponent) is not None


def inverse_transposed_advice(base: str, exponent: str) -> str:
    return f"{base}^{exponent}: for the inverse transposed write {base}^-T (or inv({base})')"


class _Run:
    """A run of letters and where it is in the text (part of a name token, as Syn spans one)."""

    __slots__ = ("a", "start", "end")

    def __init__(self, a: str, start: int, end: int):
        self.a, self.start, self.end = a, start, end


class T:
    """A typed node: an operation, its arguments, a shape of DimVars and a source span."""

    __slots__ = ("op", "args", "shape", "start", "end", "soft", "built", "_dep")

    def __init__(self, op, args, shape, start, end, soft=None, dep=None):
        self.op = op
        self.args = args
        self.shape = shape
        self.start = start
        self.end = end
        self.soft = soft  # the name, when this is an undeclared variable
        self.built = None
        self._dep = dep

    @property
    def dep(self) -> frozenset:
        """The undeclared names whose guessed kinds this node's shape rests on, made when first asked
        for: a product is typed left to right, and each partial product holding the union of its
        factors' names made a product of k names cost k^2 (8,000 names: 1.4 GB)."""
        if self._dep is None:
            stack = [self]  # (iterative: a product of many factors nests its partial products deeply)
            while stack:
                n = stack[-1]
                if n._dep is not None:
                    stack.pop()
                    continue
                if n.op in _ALWAYS_SCALAR:
                    n._dep = frozenset()
                    continue
                kids = _typed_children(n.args)
                todo = [c for c in kids if c._dep is None]
                if todo:
                    stack.extend(todo)
                    continue
                n._dep = frozenset().union(*(c._dep for c in kids))
        return self._dep


def _typed_children(args) -> list:
    """The typed nodes among a node's args (directly, or in the tuples of a sum or product)."""
    out = []
    for a in args:
        if isinstance(a, T):
            out.append(a)
        elif isinstance(a, tuple):
            for x in a:
                if isinstance(x, T):
                    out.append(x)
                elif isinstance(x, tuple):
                    out.extend(y for y in x if isinstance(y, T))
    return out


def _deps(args) -> frozenset:
    return frozenset().union(*(a.dep for a in _typed_children(args)))


class Ctx(DimSpace, NameRules):
    """The state of one inference attempt."""

    #: names that are the base of a power somewhere in the text (x^2 + xy: x a scalar by use); set
    #: per attempt from kinds._powered, which computes it once per text
    powered: frozenset = frozenset()
    #: names raised somewhere to the power of a lone undeclared letter (x^k): papers' iterates, per
    #: attempt from kinds._powered as well
    iterates: dict = {}  # (name -> the letter it is raised to; never mutated)
    #: undeclared names over which a declared scalar may spread in this attempt (kinds.typecheck)
    spread_ok: frozenset = frozenset()
    #: every scalar may spread over an array in this attempt: only to find the clash that a text
    #: meets past a refused spread (kinds._clash_past_the_spread), never for a reading returned
    spreads_allowed: bool = False

    def __init__(self, text: str, decls: dict, kinds: dict | None = None):
        super().__init__({d for decl in decls.values() for d in decl.dims if isinstance(d, str)})
        self.text = text
        self.decls = decls
        self.kinds = kinds or {}
        self.vars: dict = {}
        self.bindings: dict = {}
        self.split_runs: dict = {}
        self.euler = False
        self.spreads = 0
        self.scalar_transposes = 0  # x' with x a scalar: legal, but a reading without it is preferred
        self.identities: list = []  # (start, size) of each identity built: a size nothing else fixes is refused

    # ------------------------------------------------------------ messages
    def src(self, t: T | Syn) -> str:
        s = " ".join(self.text[t.start:t.end].split())
        if len(s) > 60:
            s = s[:57] + "..."
        return s

    def is_scalar(self, t: T) -> bool:
        r, c = t.shape
        return r.find().const == 1 and c.find().const == 1

    def is_col(self, t: T) -> bool:
        return t.shape[1].find().const == 1

    def is_square(self, t: T) -> bool:
        """Are t's two sizes one: one dimension, or the same number (matrix(3,3) declares two
        dimensions of size 3, which never become one root)?"""
        r, c = t.shape[0].find(), t.shape[1].find()
        return r is c or (r.const is not None and r.const == c.const)

    def is_row(self, t: T) -> bool:
        return t.shape[0].find().const == 1

    def show(self, t: T) -> str:
        if self.is_scalar(t):
            return "a scalar"
        if self.is_col(t):
            return f"a vector of length {t.shape[0].show()}"
        if self.is_row(t):
            return f"a row vector of length {t.shape[1].show()}"
        return f"a matrix of size {t.shape[0].show()} x {t.shape[1].show()}"

    def clash(self, message: str, *operands: T) -> Clash:
        notes = []
        for t in operands:
            for run, parts in self.split_runs.items():
                if any(p in self.decls or p in self.bindings for p in parts):
                    continue  # x'Ax with A declared: the product is meant, and the clash is the sizes' own
                if (t.start <= run[0] and run[1] <= t.end) or (run[0] <= t.start and t.end <= run[1]):
                    word = self.text[run[0]:run[1]]
                    sub = f"write {parts[0]}_{''.join(parts[1:])} or " if word.isalpha() and len(parts[0]) == 1 \
                        and len(word) == 2 else ""  # (x_y for xy; h_ostile is no advice for hostile)
                    notes.append(f"'{word}' is read as the product {' '.join(parts)}; to use it as one name, "
                                 f"{sub}declare it (where='{word}: ...')" + (
                                     f"; for a product with a scalar, put spaces ({' '.join(parts)})"
                                     if word.isalpha() and word.islower() else ""))
        if notes:  # (the split word first: nabla' x clashed as 'cannot multiply n by a', which no one wrote)
            message = "\n".join(dict.fromkeys(notes)) + f"\n(read so: {message})"
        soft = []
        for t in operands:
            soft += [n for n in sorted(t.dep) if n not in soft]
        return Clash(message, soft)

    def mk(self, op: str, args: tuple, shape: tuple, parts: Sequence[T | Syn], soft: str | None = None) -> T:
        if len(parts) == 1:  # (the node of one syntax node, the most frequent call: its span as it is)
            return T(op, args, shape, parts[0].start, parts[0].end, soft)
        start = min(p.start for p in parts)
        end = max(p.end for p in parts)
        return T(op, args, shape, start, end, soft)

    # ------------------------------------------------------------ names
    def variable(self, name: str, start: int, end: int) -> T:
        if name in self.bindings:
            b = self.bindings[name]
            return T("ref", (b, name), b.shape, start, end)
        if name not in self.decls:
            if name in ("I", "eye"):
                k = self.flex("k")
                return T("identity", (), (k, k), start, end, dep=frozenset())
            if name == "e" and self.euler:
                raise self._two_es()
            if name == "pi":
                return T("pi", (), (self.unit, self.unit), start, end)
            if name.startswith("I_"):  # I_n: the identity of size n
                label = name[2:].strip("{}")
                k = self.const(_dim_int(label, self.text)) if label.isdigit() else self.dim_named(label)
                return T("identity", (), (k, k), start, end, dep=frozenset())
        v = self.vars.get(name)
        if v is None:
            v = self._new_variable(name, start, end)
            self.vars[name] = v
            return v
        return T("var", v.args, v.shape, start, end, v.soft, v.dep)  # this occurrence's span

    def _two_es(self) -> ParseError:
        return ParseError("'e' is Euler's number in e^(...) but a variable elsewhere in the same expression; write "
                          "exp(...) for the exponential, or declare e (where='e: ...') to make it a variable "
                          "everywhere", self.text, self.text.find("e"))

    def _new_variable(self, name, start, end) -> T:
        decl = self.decls.get(name)
        if decl is None:
            kind = self.kinds.get(name) or default_kind(name)
            if kind == "matrix":
                shape = (self.flex(f"m_{name}", name), self.flex(f"n_{name}", name))
            elif kind == "vector":
                shape = (self.flex(f"n_{name}", name), self.unit)
            else:
                shape = (self.unit, self.unit)
            decl = Decl(name, kind, (None,) * {"matrix": 2, "vector": 1, "scalar": 0}[kind], frozenset(),
                        declared=False)
            return T("var", (name, decl), shape, start, end, name, frozenset([name]))
        if decl.kind == "matrix":
            r = self.dim(decl.dims[0]) if decl.dims[0] is not None else self.flex(f"m_{name}")
            c = self.dim(decl.dims[1]) if decl.dims[1] is not None else self.flex(f"n_{name}")
            if decl.props & {"symmetric", "spd", "invertible", "diagonal", "orthogonal"}:
                self.unify(r, c, lambda: ShapeError(f"{name} is declared square but as {r.show()} x {c.show()}"))
            shape = (r, c)
        elif decl.kind == "vector":
            r = self.dim(decl.dims[0]) if decl.dims[0] is not None else self.flex(f"n_{name}")
            shape = (r, self.unit)
        else:
            shape = (self.unit, self.unit)
        return T("var", (name, decl), shape, start, end, None, frozenset())

    # ------------------------------------------------------------ inference
    def one(self, s: Syn) -> T:
        pieces = self.infer(s)
        if len(pieces) == 1:
            return pieces[0]
        return self.product([("", p) for p in pieces])

    def infer(self, s: Syn) -> list:
        k = s.kind
        if k == "name":
            parts = self.split_run(s.a, s.start)
            if len(parts) > 1:
                self.split_runs[(s.start, s.end)] = parts
                self._refuse_transpose_letter(s, parts)
            out = []
            pos = s.start
            for p in parts:
                out.append(self.variable(p, pos, pos + len(p)))
                pos += len(p)
            if len(parts) > 1 and s.a.isalpha() and s.a.islower() and s.a.isascii():
                self._refuse_scalar_in_run(s, parts)
            return out
        if k == "post":
            if self._euler_base(s.a) and s.b[0].kind in ("pow", "epow") and not _is_t(s.b[0]):
                if "e" in self.vars:
                    raise self._two_es()
                self.euler = True  # e^x is exp(x): e is Euler's number as the base of a power
                pieces = [T("euler", (), (self.unit, self.unit), s.a.start, s.a.end)]
            else:
                pieces = self.infer(s.a)
            last = None
            for pf in s.b:
                if pf.kind in ("pow", "epow") and not _is_t(pf):
                    if last is not None:
                        raise ParseError(f"'{self.text[s.start:s.end]}': a chained power is ambiguous; write "
                                         f"({self.text[s.start:last.end]}){self.text[pf.start:pf.end]} or "
                                         f"{self.text[s.start:last.start]}{self.text[last.start:last.start + 1]}"
                                         f"({self.text[last.start + 1:pf.end]})", self.text, pf.start)
                    last = pf
                elif pf.kind == "tick":
                    if last is not None and last.kind == "pow" and last.a.kind != "paren" and pieces and (
                            (pieces[-1].op == "func" and pieces[-1].args[0] == "exp" and s.a.kind == "name"
                             and s.a.a == "e") or s.a.kind == "num"):
                        # e^-x'x, 2^x'x: e^(-x'x), or (e^-x)' x? The transpose of a power of a number is never meant
                        ex = self.text[last.start + 1:pf.start]
                        b = self.text[s.a.start:s.a.end]
                        raise ParseError(f"{b}^{ex}' ... has two readings: {b}^({ex}' ...), the exponent running on, "
                                         f"or ({b}^{ex})' ..., a transposed power of {b}; write the exponent in "
                                         f"parentheses, {b}^(...)" + (", or exp(...)" if b == "e" else ""),
                                         self.text, pf.start)
                    last = None
                pieces = self.postfix(pieces, pf)
            return pieces
        if k == "product":
            items = s.a
            for (_, a), (op2, b) in zip(items, items[1:], strict=False):
                if op2 == "" and self._euler_power_run_on(a, b):
                    # e^-gamma ||x - y||^2, log(1 + e^-y w'x), e^-2t, e^2t: the exponent ends at its first factor
                    ex = self.text[a.b[-1].a.start:a.b[-1].a.end]
                    rest = self.text[b.start:s.end].strip()
                    shown = rest if re.fullmatch(r"[\w.']+|\(.*\)", rest) else f"({rest})"
                    raise ParseError(f"e^{ex} {rest} reads exp({ex}) {shown}: the exponent ends at "
                                     f"{ex[1:] if ex.startswith('-') else ex}. For the whole product in the exponent "
                                     f"write e^({ex} {rest}) or exp({ex} {rest}); for the product, exp({ex}) {rest}",
                                     self.text, b.start)
                if a.kind == "apply" and not _one_reading(a, op2, b):
                    # tr A X, tr A*X, sum x.*y, log p/q: where does the operand end?
                    self._apply_too_long(a, b, op2)
                p = b.a if b.kind == "post" else b
                if a.kind == "name" and p.kind == "paren" and op2 == "" and a.end == p.start:
                    if (p.a.kind == "num" and p.a.a.denominator == 1) or (p.a.kind == "name" and p.a.a == "end"):
                        # x(1), x(end): MATLAB's indexing
                        raise ParseError(f"'{self.text[a.start:p.end]}' reads as indexing (MATLAB's x(1)), which "
                                         f"matcalc does not have: a formula is in whole vectors and matrices (an "
                                         f"entry is e' x, with e declared)" + (
                                             f"; to multiply write {a.a}*({p.a.a})" if p.a.kind == "num" else ""),
                                         self.text, a.start)
                if a.kind == "name" and op2 == "" and a.end == b.start and (
                        b.kind == "paren" or b.kind == "post" and b.a.kind == "paren"):  # (sech(t)^2, f(x)')
                    self._name_then_paren(a)
                if a.kind == "post" and a.a.kind == "name" and len(a.b) == 1 and a.b[0].kind == "tick" \
                        and b.kind == "paren" and op2 == "":
                    self._primed_name_then_paren(a)
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
            return T(t.op, t.args, t.shape, s.start, s.end, t.soft, t.dep) if t.op != "ref" else t
        if k == "neg":
            t = self.one(s.a)
            return self.mk("neg", (t,), t.shape, [s])
        if k == "sum":
            return self.sum(s)
        if k == "call":
            if canonical_name(s.a) == "unvec":
                return self.unvec_call(s)
            return self.call(s, s.a, [self.one(a) for a in s.b] if canonical_name(s.a) not in DIM_CALLS else None)
        if k == "apply":
            pieces = self.infer(s.b[0])
            if len(pieces) > 1:
                f = self.text[s.start:s.b[0].start].strip()
                arg = self.text[s.b[0].start:s.b[0].end]
                sp = " ".join(self.src(p) for p in pieces)
                raise ParseError(f"'{self.text[s.start:s.end]}' has two readings: {f}({sp}) or "
                                 f"{f}({self.src(pieces[0])}) {' '.join(self.src(p) for p in pieces[1:])}; "
                                 f"write {f}({arg}) or the parentheses you mean", self.text, s.start)
            if canonical_name(s.a) in DIM_CALLS:
                return self.call(s, s.a, None)
            self._refuse_bare_call_of_a_trivial_number(s, pieces[0])
            return self.call(s, s.a, pieces)
        if k == "inner":
            a, b = self.one(s.a), self.one(s.b)
            for u in (a, b):  # (<a, x^2>: as in a norm, a name's power read as a number is a misreading)
                self._refuse_powered_name_as_a_number(u)
            self.same_shape(a, b, "an inner product <., .>")
            return self.mk("inner", (a, b), (self.unit, self.unit), [s])
        if k == "norm":
            return self.norm(s, self.one(s.a), s.b)
        if k == "where":
            for name, value, _pos in s.b:
                name = norm_name(name)
                check_name(name, role="the part named ")  # (I where I = x'x: I read as the part in the formula)
                if name in self.decls:
                    raise DeclarationError(f"'{name}' is both declared and defined with 'where'")
                if name in self.bindings:
                    raise DeclarationError(f"'{name}' is defined twice with 'where'")
                if name in self.vars:
                    raise DeclarationError(f"'{name}' is used before its definition '{name} = "
                                           f"{self.text[value.start:value.end]}'; define it first")
                bound = self.one(value)
                if name in bound.dep:  # where A = A': a property, not a definition
                    rhs = self.text[value.start:value.end]
                    what = (f"For a property write the declaration (where='{name}: symmetric' in the API, --where "
                            f"'{name}: symmetric' on the command line)" if re.fullmatch(
                                rf"\s*{re.escape(name)}\s*(?:'|\^T)\s*", rhs)
                            else f"Name the part something else (... where r = {rhs})")
                    raise DeclarationError(f"'{name} = {rhs}' defines {name} by itself; 'where' names a part of the "
                                           f"formula. {what}")
                self.bindings[name] = bound
            return self.one(s.a)
        if k in ("name", "post", "product"):
            return self.one(s)
        raise MatcalcError(f"cannot read '{self.text[s.start:s.end]}'")  # pragma: no cover

    def _refuse_bare_call_of_a_trivial_number(self, s: Syn, arg: T) -> None:
        """log 1 + x'x, sqrt 1 + x'x, exp 0 - t: a function written without parentheses applies to
        the operand after it, here the number 0 or 1, where the whole sum was meant (log(1) is 0:
        the term was silently dropped; the logistic loss sum(log 1 + exp(-y .* (X w))) too). Refused
        with the parentheses; log 2 + x reads as written."""
        if arg.op != "num" or arg.args[0] not in (0, 1) or self.text[s.end:].lstrip()[:1] not in ("+", "-"):
            return
        spec = FUNCTIONS.get(canonical_name(s.a))
        if canonical_name(s.a) != "sqrt" and (spec is None or spec.exact is None or spec.exact(arg.args[0]) is None):
            return  # (cos 1 - t: cos(1) is no constant anyone drops by mistake)
        f = self.text[s.start:s.b[0].start].strip()
        rest = self.text[s.end:].strip()
        depth, end = 0, len(rest)  # (the next term, what the sum adds: up to a + or - outside brackets)
        for j, ch in enumerate(rest):
            depth += ch in "([{" and 1 or ch in ")]}" and -1 or 0
            if depth < 0 or depth == 0 and j > 0 and ch in "+-" and rest[j - 1] not in "^(e":
                end = j
                break
        first = rest[:end].rstrip()
        raise ParseError(f"'{self.text[s.start:s.end].strip()} {first}' reads {f}({self.src(arg)}) {first}, "
                         f"a constant term ({f}({self.src(arg)})); for {f} of the sum write the parentheses: "
                         f"{f}({self.src(arg)} {first}{' ...' if rest[end:].lstrip()[:1] in ('+', '-') and rest[end:].strip() else ''})",
                         self.text, s.start)

    def _refuse_transpose_letter(self, s: Syn, parts: list) -> None:
        """x'ATAx, tr(AAT): A-transpose-A typed without the ^ would be a product with a third matrix T.
        Refused with the transpose to write, unless T is declared (or bound)."""
        if "T" not in parts[1:] or "T" in self.decls or "T" in self.bindings or parts[0] == "T":
            return  # (TT', TAT': the run starts with the matrix T)
        i = parts.index("T", 1)
        if i == len(parts) - 1 and self.text[s.end:s.end + 1] in ("'", "^"):
            return  # AT', AT^-1: a T transposed or inverted is a matrix T
        left, right = " ".join(parts[:i]), " ".join(parts[i + 1:])
        after = f" {right}" if right else ""
        raise ParseError(f"'{s.a}' would be read as the product {' '.join(parts)} with T a matrix; for the transpose "
                         f"write {left}'{after} (or {left}^T{after}); to mean a matrix T, declare it (where='T: ...')",
                         self.text, s.start + len("".join(parts[:i])))

    def index_exponent(self, e: Syn) -> Syn | None:
        """The index of a parenthesized superscript, (1) in W^(1), W^{(2)}, x^{(i)} (a positive integer or
        one undeclared small letter), else None."""
        if self.text[e.start:e.start + 1] == "{" and e.kind == "paren" and e.a.kind == "paren":
            e = e.a  # W^{(l)} typed in plain text
        if self.text[e.start:e.start + 1] != "(":
            return None
        inner = e
        while inner.kind == "paren":
            inner = inner.a
        if (inner.kind == "num" and self.text[inner.start:inner.end].strip().isdigit() and inner.a >= 1) or (
                inner.kind == "name" and len(inner.a) == 1 and inner.a.islower() and inner.a not in self.decls):
            return inner
        return None

    def _refuse_superscript_index(self, base: T, pf: Syn, e: Syn) -> None:
        """W^(1), W^{(2)}, x^{(i)}: papers write a parenthesized superscript for the first of several
        W (a layer) or the i-th sample; read as a power, a two-layer network would be a function of
        one square W. Refused, with the name to write (W_1) and the power (W^2) as alternatives."""
        if base.soft is None or "_" in base.soft or self.text[:pf.start].rstrip().endswith(")"):
            return  # (a declared name, x_1^(2) and (s)^(2) carry no index: a power)
        if self.text[e.start:e.end].replace(" ", "") in ("1", "{1}") and default_kind(base.soft) == "matrix" \
                and not self.text[e.end:].lstrip().startswith("/"):  # (A^1/2: the fraction's own refusal)
            b = self.src(base)  # (W¹ tanh(W² x): papers' layer indices, pasted as powers)
            raise ParseError(f"{b}^1 is {b} itself; if 1 is an index (a layer), write {b}_1 for that name (and "
                             f"{b}_2 for the next), for {b} itself write {b}", self.text, pf.start)
        inner = self.index_exponent(e)
        if inner is not None:
            b, k = self.src(base), self.text[inner.start:inner.end]
            raise ParseError(f"{b}^({k}) reads as a power; if ({k}) is an index (a layer, a sample), write {b}_{k} for "
                             f"that name; for the power write {b}^{k}", self.text, pf.start)

    def _refuse_transposed_total(self, t: T) -> None:
        """sum(X)': MATLAB's column sums as a row; here sum(X) is the sum of every entry, a number, and
        its transpose the number itself. Refused with the column and row sums to write."""
        if t.op in ("sum_all", "mean_all") and t.args and isinstance(t.args[0], T) and not self.is_scalar(t.args[0]) \
                and not (self.is_col(t.args[0]) or self.is_row(t.args[0])):
            # sum(X)': MATLAB's column sums as a row; here sum(X) is the sum of every entry, a number
            fn = "sum" if t.op == "sum_all" else "mean"
            x = self.src(t.args[0])
            arg = x
            x = x if re.fullmatch(r"[\w']+", x) else f"({x})"  # (ones(m)' (Y .* log(P)), not ones(m)' Y .* log(P))
            raise ParseError(f"{self.src(t)}' transposes a number: {fn}({arg}) is the {fn} of all the entries. For the "
                             f"{'sums' if fn == 'sum' else 'means'} of the columns write ones(m)' {x}"
                             f"{'' if fn == 'sum' else ' / dim(m)'} (a row), of the rows {x} ones(n)"
                             f"{'' if fn == 'sum' else ' / dim(n)'}", self.text, t.end)

    def _refuse_transposed_scalar_name(self, t: T) -> None:
        """mu' mu, theta' Sigma theta, lambda' (A x - b): a name written transposed (or inside a norm)
        is a vector or a matrix; read as a scalar (a small Greek name's look) the transpose would be
        the name itself and mu' mu its square. Such a reading is refused, so that another is tried."""
        if t.op == "var" and t.soft and self.is_scalar(t) and not (t.soft == "e" and "e" in self.powered):
            # (x'x^2: x powered and transposed is refused too; e^t + e' x is refused for its two e's)
            n = t.soft
            typed = re.search(rf"(?<![\w.]){re.escape(n)}\s*\^\s*(-?\w+|\{{[^{{}}]*\}}|\([^()]*\))", self.text)
            k = typed.group(1) if typed else "2"
            power = (f"; {n} is also raised to a power: for the entrywise power write {n}.^{k}, for a power of "
                     f"{n}'{n} write ({n}'{n})^{k}") if n in self.powered else ""
            raise self.clash(f"{self.src(t)} transposed (or in a norm) with {n} a scalar is {n} itself; a name "
                             f"written so is a vector or a matrix: declare its kind (where='{n}: ...')" + power, t)
        self._refuse_iterate_power(t)  # (first: ||x - x^k||^2 says to write x_k)
        self._refuse_powered_name_as_a_number(t)
        if t.op in ("paren", "sum", "neg", "pow") and self.is_scalar(t):
            # (theta - mu)' Sigma^-1 (theta - mu): a group of guessed scalars written transposed is that group
            # itself; the Mahalanobis form read with theta, mu and Sigma numbers is a reading nobody means
            guessed = sorted(n for n in _undeclared_in(t) if self.kinds.get(n) == "scalar")
            if guessed and all(n in guessed for n in _undeclared_in(t)) and not _declared_vars_in(t):
                # (theta - mu with theta declared a scalar: the group is a scalar by declaration)
                names = ", ".join(guessed)
                raise self.clash(f"{self.src(t)} transposed (or in a norm) with {names} scalars is itself; a group "
                                 f"written so is a vector or a matrix: declare the kinds (where='{names}: ...')", t)

    def _refuse_powered_name_as_a_number(self, t: T) -> None:
        """||x^2||, (x^2)' a, <a, x^2>: the power read x as a number, and the norm (transpose, inner
        product) of a number is itself (its absolute value, its product); a vector's entrywise power
        was meant. Refused, so that another reading is tried, with what to write."""
        if t.op == "pow" and self.is_scalar(t) and isinstance(t.args[0], T) and t.args[0].op == "var" \
                and t.args[0].soft and self.kinds.get(t.args[0].soft) == "scalar" and _undeclared_in(t) == {t.args[0].soft}:
            n, src = t.args[0].soft, self.src(t)
            raise self.clash(f"{src} transposed, in a norm or in an inner product with {n} a scalar is a number, but "
                             f"a group written so is a vector or a matrix: for the entrywise power of a vector {n} write "
                             f"{src.replace('^', '.^', 1)}; if {n} is a number, declare it (where='{n}: scalar')", t)

    def _refuse_iterate_power(self, t: T) -> None:
        """||x - x^k||^2, rho/2 ||x - z^k + u^k||^2, z^k' x: papers write the k-th iterate x^k, and read
        as a power x^k makes x (and everything beside it) a scalar, the norm an absolute value and
        the transpose nothing. Under a transpose or a norm, a name that looks like a vector or matrix,
        read as a scalar and raised to a lone letter, is refused with the name to write where it
        stands as the whole operand or as a term of a sum (a coefficient, gamma^k g or (y - X b) /
        sigma^n, is a power)."""
        if not self.iterates:
            return

        def terms(u):  # the powers standing as u itself or as terms of the sum u
            if isinstance(u, T) and u.op == "neg":
                return terms(u.args[0])
            if isinstance(u, T) and u.op == "sum":
                return [p for _sign, part in u.args for p in terms(part)]
            return [u] if isinstance(u, T) and u.op == "pow" else []
        stack = [t]
        while stack:
            u = stack.pop()
            if isinstance(u, (tuple, list)):
                stack.extend(x for x in u if isinstance(x, (T, tuple, list)))
                continue
            if u is t or u.op == "sum":
                for p in terms(u):
                    b = p.args[0]
                    if b.op == "var" and b.soft in self.iterates and self.is_scalar(b) \
                            and default_kind(b.soft) != "scalar":
                        n, k = b.soft, self.iterates[b.soft]
                        raise ParseError(
                            f"{n}^{k} reads as {n} to the power {k}, which makes {n} a scalar, but it stands under a "
                            f"transpose or in a norm; if {n}^{k} is an iterate (the {k}-th {n}), write {n}_{k}; if "
                            f"{n} is a number, declare it (where='{n}: scalar')", self.text, b.start)
            stack.extend(a for a in u.args if isinstance(a, (T, tuple, list)))

    def norm(self, s: Syn, a: T, sub: str) -> T:
        self._refuse_transposed_scalar_name(a)
        vec = self.is_col(a) or self.is_row(a)
        what = f"||{self.src(a)}||_{sub}"
        if sub in ("", "2") and vec or sub == "F":
            return self.mk("norm", (a,), (self.unit, self.unit), [s])
        greek = sorted(n for n in _undeclared_in(a) if is_greek(n) and n[:1].islower() and self.kinds.get(n) == "scalar")
        if greek and not self.is_scalar(a):
            # ||X alpha||: a matrix only with the Greek alpha a number; as a vector the norm is the Euclidean
            # one (the spectral norm's refusal advised ||X alpha||_F, which read alpha a number again)
            raise self.clash(f"{what} with {', '.join(greek)} a scalar is the norm of a matrix; for a vector declare "
                             f"it (where='{greek[0]}: vector(n)')", a)
        if sub in ("", "2"):
            return self.mk("spectral", (a,), (self.unit, self.unit), [s])
        if sub == "1":
            if vec:
                return self.mk("norm1", (a,), (self.unit, self.unit), [s])
            raise NotSupportedError(f"{what}: the induced 1-norm of a matrix (largest column sum) is not supported; "
                                    f"write sum(abs({self.src(a)})) for the sum of the absolute entries")
        if sub == "*":
            raise NotSupportedError(f"{what}: the nuclear norm (sum of singular values) is not supported; write "
                                    f"||{self.src(a)}||_F for the Frobenius norm")
        weighted = ((f"; a norm weighted by a matrix {sub} is its quadratic form: sqrt(x' {sub} x), squared x' {sub} x"
                     if vec else f"; a norm of a matrix X weighted entry by entry by {sub} is sqrt(sum({sub} .* X.^2))")
                    if re.fullmatch(r"[A-Z][A-Za-z0-9_]*", sub) else "")  # (a capital: ||x||_p is a p-norm)
        raise NotSupportedError(f"{what}: the norm '_{sub}' is not supported; the norms are ||x|| and ||x||_2 "
                                f"(Euclidean), ||x||_1 (sum of absolute values) and ||X||_F (Frobenius){weighted}")

    def const_value(self, s: Syn) -> Fraction | None:
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

    def _compounding(self, t: T) -> bool:
        """Is typed node t a group of a number plus scalar names and numbers ((1 + r), (1 + r/12), (1 - d)), the
        base of a compounding power? Its ^T is no transpose; a scalar product's ((w'x - y)^T (w'x - y)) is."""
        while t.op == "paren" and t.args and isinstance(t.args[0], T):
            t = t.args[0]
        if t.op != "sum" or not any(x.op == "num" for x in _typed_children(t.args)):
            return False
        stack = [t]
        while stack:
            n = stack.pop()
            if n.op == "var":
                if not self.is_scalar(n):
                    return False
            elif n.op in ("sum", "neg", "div", "smul", "product", "paren", "pow"):
                stack.extend(_typed_children(n.args))
            elif n.op != "num":
                return False
        return True

    def _euler_base(self, n: Syn) -> bool:
        """Is syntax node n the name e as Euler's number (neither declared nor a where name)?"""
        return n.kind == "name" and n.a == "e" and "e" not in self.decls and "e" not in self.bindings

    def _euler_power_run_on(self, a: Syn, b: Syn) -> bool:
        """Is syntax node a e^p, Euler's number to a power written without parentheses, that the operand b
        after it seems to continue: a norm or an inner product after a negative p (e^-gamma ||x||^2,
        e^-y w'x), or anything but a group typed right after p (e^2t)?"""
        if not (a.kind == "post" and self._euler_base(a.a) and bool(a.b) and a.b[-1].kind == "pow" and not _is_t(a.b[-1])
                and isinstance(a.b[-1].a, Syn) and a.b[-1].a.kind in ("neg", "num", "name")):
            return False
        ex = a.b[-1].a
        source = getattr(self.text, "source", None)
        typed = self.text.source_text(a.b[-1].start, a.b[-1].end) if source is not None else \
            self.text[a.b[-1].start:a.b[-1].end]
        if ex.kind == "neg" and isinstance(ex.a, Syn) and ex.a.kind == "paren" and "(" in typed:
            return False  # (e^-(t) x: the exponent in parentheses; e^-½x'x's ½ is (1/2) only once translated)
        if "^" not in typed:
            return False  # (e⁻ᵗ x0: superscripts end where the exponent ends, as braces do)
        continues = b.kind == "norm" or (b.kind == "post" and (b.a.kind == "norm" or b.b[0].kind == "tick"))
        if source is not None and ("\\" in source or "{" in source):
            # (LaTeX's ^ takes one token, e^2t is e^2 t; e^{-\gamma} \|x\|^2 braces its exponent)
            return ex.kind == "neg" and continues and "{" not in typed
        negative = ex.kind == "neg" or (ex.kind == "num" and ex.a < 0)
        # an exponent's look after it: a norm or an inner product (e^-gamma ||x - y||^2, e^-y w'x); or anything
        # but a group typed right after it (e^2t, e^-2t); e^-t x0 and e^2(x - y) are products
        tight = not self.text[a.end:b.start] and b.kind != "paren" and not (b.kind == "post" and b.a.kind == "paren")
        return (negative and continues) or tight

    def postfix(self, pieces: list, pf: Syn) -> list:
        base = pieces[-1]
        rest_after = []
        if pf.kind == "tick":
            self._refuse_transposed_total(base)
            self._refuse_transposed_scalar_name(base)
            self.scalar_transposes += self.is_scalar(base)
            new = self.mk("transpose", (base,), (base.shape[1], base.shape[0]), [base, pf])
            return pieces[:-1] + [new]
        e = pf.a
        # X^T, X^-T, X^TB (the run after ^ is T then B), X^{T}
        inner = e.a if e.kind == "paren" else e
        neg = False
        if inner.kind == "neg" and inner.a.kind == "name":
            neg, inner = True, inner.a
        if pf.kind == "pow" and inner.kind == "name" and inner.a.startswith("T_") and inner.a not in self.decls \
                and base.op == "var":
            # W^T_1: LaTeX's W_1^T with the scripts swapped, not W to the power of a scalar T_1
            b, sub = self.src(base), inner.a[2:]
            want = f"{b}_{sub}^-T" if neg else f"{b}_{sub}' (or {b}_{sub}^T)"
            raise ParseError(f"'{b}^{'-' if neg else ''}{inner.a}': the subscript belongs to {b}: write {want}; "
                             f"for a power by a scalar T_{sub}, declare it "
                             f"(where='T_{sub}: scalar')", self.text, pf.start)
        # with T declared a scalar, x^T of a scalar x is a power ((1 - beta)^T); of an array, the transpose
        t_scalar = self.decls.get("T") is not None and self.decls["T"].kind == "scalar" and self.is_scalar(base)
        if pf.kind == "pow" and inner.kind == "name" and inner.a[0] == "T" and not t_scalar and (
                inner.a == "T" or (e.kind == "name" or (e.kind == "neg"))):
            parts = self.split_run(inner.a, inner.start) if inner.a != "T" else ["T"]
            if parts[0] == "T" and base.op == "num":
                raise ParseError(f"{self.src(base)}^T transposes a number; for the vector of ones write ones(n)' x "
                                 "(or sum(x) for the sum of the entries)", self.text, pf.start)
            if parts[0] == "T":
                self._refuse_transposed_total(base)
                self._refuse_transposed_scalar_name(base)
                if "T" not in self.decls and self._compounding(base):
                    # P (1 + r)^T, r declared a scalar: compounding over T periods read as (1 + r) itself
                    b = self.src(base)
                    raise self.clash(f"{b}^{'-' if neg else ''}T transposes a scalar, which leaves it as it is: leave "
                                     f"out the ^T; for a power by T (a number of periods or samples), declare it "
                                     f"(where='T: scalar')")
                self.scalar_transposes += self.is_scalar(base)
                new = self.mk("transpose", (base,), (base.shape[1], base.shape[0]), [base, pf])
                if neg:
                    new = self.inverse(new, pf)
                pos = inner.start + 1
                if len(parts) > 2:  # x^TATAx: the run after the transpose is refused as x'ATAx is
                    self._refuse_transpose_letter(_Run("".join(parts[1:]), pos, inner.end), parts[1:])
                for p in parts[1:]:
                    rest_after.append(self.variable(p, pos, pos + len(p)))
                    pos += len(p)
                return pieces[:-1] + [new] + rest_after
        if pf.kind == "pow" and base.op == "var":
            self._refuse_superscript_index(base, pf, e)
        if e.kind == "paren" and e.a.kind == "name" and self.text[e.start:e.start + 1] == "{":
            e_name = e.a  # x^{t}: braces group as TeX does, the same two readings as x^t
        else:
            e_name = e
        if pf.kind == "pow" and e_name.kind == "name" and e_name.a not in ("t", "H") and e_name is e \
                and e.a[0] in "tH" and base.op not in ("num", "euler"):
            first = self.split_run(e.a, e.start, check=False)[0]  # x^tAx: the run after ^ is t A x
            if first in ("t", "H"):
                e_name = Syn("name", first, None, e.start, e.start + 1)
        if pf.kind == "pow" and e_name.kind == "name" and e_name.a in ("t", "H") and e_name.a not in self.decls \
                and e_name.a not in self.bindings and base.op not in ("num", "euler"):
            e = e_name
            # x^t: many write the transpose so, X^H the conjugate transpose; the language reads ^ as a power
            what = "a transpose" if e.a == "t" else "the conjugate transpose, which for the real matrices matcalc " \
                "works with is the transpose"
            raise ParseError(f"'{self.text[pf.start:max(pf.end, e_name.end, e.end)]}' has two readings: {what} (write "
                             f"{self.src(base)}' or {self.src(base)}^T) or a power by a scalar {e.a} (declare it: "
                             f"where='{e.a}: scalar')", self.text, pf.start)
        if e.kind == "name" and pf.kind in ("pow", "epow"):
            parts = self.split_run(e.a, e.start)
            if len(parts) > 1 and base.op == "euler":  # (P e^rt: continuous growth, exp(r t), read exp(r) t)
                raise ParseError(f"e^{e.a} reads exp({parts[0]}) {' '.join(parts[1:])}: the exponent ends at "
                                 f"{parts[0]}. For the whole product in the exponent write e^({' '.join(parts)}) or "
                                 f"exp({' '.join(parts)}); for the product, exp({parts[0]}) {' '.join(parts[1:])}",
                                 self.text, e.start)
            if len(parts) > 1:  # x^nA: the exponent is the first name only
                self.split_runs[(e.start, e.end)] = parts
                pos = e.start + len(parts[0])
                for p in parts[1:]:
                    rest_after.append(self.variable(p, pos, pos + len(p)))
                    pos += len(p)
                e = Syn("name", parts[0], None, e.start, e.start + len(parts[0]))
        if pf.kind == "epow" and base.op == "euler":  # e .^ (W x): the entrywise exponential, exp(W x)
            ex = self.one(e)
            if _is_number_syntax(e):  # (sum(w .* e.^2): e the residual vector, squared entry by entry)
                power = self.src(e)
                raise self.clash(f"e .^ {power} raises Euler's number e entry by entry, but a number has no entries: "
                                 f"for a vector e (a residual) to the power {power} entry by entry, declare it "
                                 f"(where='e: vector(n)'); for the number, write exp({power})", ex)
            new = self.mk("func", ("exp", ex), ex.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        if pf.kind == "epow":
            ex = self.one(e)
            if self.is_scalar(base) and not self.is_scalar(ex) and not ex.dep and not base.dep:
                raise ShapeError(f"{self.src(base)} .^ {self.src(ex)}: a scalar base to an array of powers is "
                                 f"not supported; write exp(log({self.src(base)}) {self.src(ex)})")
            if self.is_scalar(ex) or ex.dep or self.is_scalar(base):
                # an exponent whose kind is only a guess stays a scalar (x .^ p); an array exponent
                # needs its kind known from declarations or use (x .^ y with y: vector(n))
                self.need_scalar(ex, "an elementwise power's exponent (unless it is declared an array of the "
                                     "base's shape)")
            else:
                self.same_shape(base, ex, "an elementwise power x .^ y of two arrays")
            new = self.mk("epow", (base, ex), base.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        if base.op == "euler":  # e^x is exp(x)
            ex = self.one(e)
            inner = self.src(e)
            inner = inner[1:-1] if inner[:1] + inner[-1:] in ("()", "{}") else inner
            if not self.is_scalar(ex):
                capitals = sorted(n for n in ex.dep if n not in self.decls and n[:1].isupper())
                numbers = "; " + _declare_scalar(capitals[:1]) if capitals else ""
                raise self.clash(f"e^({inner}) needs a scalar exponent, but {inner} is {self.show(ex)}: for the "
                                 f"entrywise exponential write exp({inner}) (e^ of a matrix, the matrix "
                                 f"exponential, is not supported){numbers}", ex)
            made = sorted(n for n in ex.dep if n not in self.decls and self.kinds.get(n) == "scalar"
                          and n[:1].isupper())
            if made:  # e^{At}: the matrix exponential, not exp of a number A t
                n = made[0]
                raise self.clash(f"e^({inner}) with {n} a scalar: {n} looks like a matrix, and e^ of a matrix (the "
                                 f"matrix exponential) is not supported; for the entrywise exponential write "
                                 f"exp({inner}); if {n} stands for a number, declare it (where='{n}: scalar')", ex)
            new = self.mk("func", ("exp", ex), ex.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        # ^ : a scalar power, or an integer matrix power
        if self.is_scalar(base):
            ex = self.one(e)
            self.need_scalar(ex, "an exponent")
            new = self.mk("pow", (base, ex), base.shape, [base, pf])
            return pieces[:-1] + [new] + rest_after
        k = self.const_value(e)
        if (k is None or k.denominator != 1) and base.op == "var" and "diagonal" in base.args[1].props | base.args[1].relaxed:
            return pieces[:-1] + [self._diagonal_power(base, self.one(e), pf)] + rest_after
        if k is None or k.denominator != 1:
            what = self.text[e.start:e.end]
            if inverse_transposed(what):
                raise Clash(inverse_transposed_advice(self.src(base), what), sorted(base.dep))
            whitened = (f"; whitened inside a norm, ||{self.src(base)}^{what} v||^2 is the quadratic form "
                        f"v' {self.src(base)}^-1 v" if what.replace(" ", "").strip("(){}") in ("-1/2", "-0.5") else "")
            inner = base
            while inner.op == "paren":
                inner = _typed_children(inner.args)[0]
            if inner.op == "diag" and self.is_col(_typed_children(inner.args)[0]):  # diag(d)^(-1/2): diag(d .^ (-1/2))
                v = self.src(_typed_children(inner.args)[0])
                entrywise = (f"of a diagonal matrix it is the power of its diagonal: write diag({v} .^ {what}) "
                             f"(diag({v}) .^ {what} would raise its zeros off the diagonal too)")
            else:
                entrywise = (f"a declared diagonal spd matrix takes any power; if the entrywise power, a different "
                             f"function, is meant, write {self.src(base)} .^ {what}")
            msg = (f"{self.src(base)}^{what}: {self.src(base)} is {self.show(base)}, and a matrix power needs an "
                   f"integer exponent: fractional and symbolic matrix powers (a square root) are not supported "
                   f"({entrywise}){whitened}")
            raise Clash(msg, sorted(base.dep))
        r, c = base.shape
        self.unify(r, c, lambda: self.clash(
            f"{self.src(base)}^{int(k)}: a matrix power needs a square matrix, but {self.src(base)} is {self.show(base)}"
            + (f" (for the entrywise power write {self.src(base)} .^ {int(k)})" if k != -1 else ""), base))
        # (x - mu)^2 with x and mu square matrices: vector-looking names made matrices only for the
        # power (a name alone, x^2, is ruled out before the attempts: _powered in kinds.py)
        made = sorted(n for n in base.dep if self.kinds.get(n) == "matrix" and n not in self.decls
                      and default_kind(n) == "vector" and not is_greek(n))
        if made:
            raise self.clash(f"{self.src(base)}^{int(k)} with {', '.join(f'{n} a {self.kinds[n]}' for n in made)}: "
                             f"{', '.join(made)} look{'s' if len(made) == 1 else ''} like vectors; for the entrywise "
                             f"power write {self.src(base)} .^ {int(k)}, or declare the kinds (where=...)", base)
        if abs(k) > MAX_MATRIX_POWER:
            raise NotSupportedError(f"{self.src(base)}^{k}: matrix powers beyond {MAX_MATRIX_POWER} are not supported "
                                    "(their differential has one term per factor)")
        new = self.mk("matpow", (base, int(k)), base.shape, [base, pf])
        return pieces[:-1] + [new] + rest_after

    def inverse(self, t: T, at: T | Syn) -> T:
        r, c = t.shape
        self.unify(r, c, lambda: self.clash(f"only a square matrix has an inverse, but {self.src(t)} is {self.show(t)}", t))
        return self.mk("matpow", (t, -1), t.shape, [t, at])

    def need_scalar(self, t: T, what: str) -> None:
        if not self.is_scalar(t):
            raise self.clash(f"{what} must be a scalar, but {self.src(t)} is {self.show(t)}", t)

    def same_shape(self, a: T, b: T, what: str) -> None:
        def why():
            return self.clash(f"{what} needs equal shapes, but {self.src(a)} is {self.show(a)} and "
                              f"{self.src(b)} is {self.show(b)}{self._spread_hint(a, b)}", a, b)
        self.unify(a.shape[0], b.shape[0], why)
        self.unify(a.shape[1], b.shape[1], why)

    def _spread_hint(self, a: T, b: T) -> str:
        """Row and column vectors are not spread over a matrix implicitly (NumPy's broadcasting):
        say how to write the spread matrix (X ./ sum(X, 1) is X ./ (ones(m) sum(X, 1)))."""
        for v, m in ((a, b), (b, a)):
            if self.is_scalar(v) or self.is_scalar(m) or self.is_row(m) or self.is_col(m):
                continue
            src = _as_operand(self.src(v))
            diagonal = _diagonal_of(v)
            if diagonal is not None:  # J'J + lambda diag(J'J): the Marquardt scaling's diagonal matrix
                d = self.src(diagonal)
                return (f"; diag({d}) of a matrix is the vector of its diagonal: for the diagonal matrix write "
                        f"diag(diag({d}))")
            if self.is_row(v):
                return (f"; a row vector is not spread over the rows of a matrix implicitly: write "
                        f"ones({m.shape[0].show()}) {src} for the {m.shape[0].show()} x {v.shape[1].show()} matrix of copies")
            if self.is_col(v):
                return (f"; a vector is not spread over the columns of a matrix implicitly: write "
                        f"{src} ones({m.shape[1].show()})' for the {v.shape[0].show()} x {m.shape[1].show()} matrix of copies")
        return ""

    def product(self, seq: list) -> T:
        """Left to right; the typed node keeps the flat list so building makes one product."""
        acc = seq[0][1]
        for i in range(1, len(seq) - 1):
            self._refuse_pasted_denominator(seq, i)
            self._refuse_product_denominator(seq, i)
        for i in range(1, len(seq)):
            self._refuse_fraction_exponent(seq, i)
        for i in range(1, len(seq) - 1):
            self._refuse_entrywise_then_juxtaposed(seq, i)
        for i in range(1, len(seq)):
            self._refuse_dot_of_scalars(seq[i - 1][1], seq[i][0], seq[i][1])
            self._refuse_bullet_of_matrices(seq[i - 1][1], seq[i][0], seq[i][1])
        for i, (op, t) in enumerate(seq[1:], 1):
            try:
                acc = self.combine(acc, op, t)
            except Clash as c:
                if op in (".*", "./") and i + 1 < len(seq) and seq[i + 1][0] in ("", "*"):
                    # y .* X w is (y .* X) w: say so beside the clash of y .* X
                    rest = " ".join(self.src(x) for _, x in seq[i:])
                    what = "product" if op == ".*" else "division"
                    c.message += (f"; {op} binds as the product does, left to right: for the entrywise "
                                  f"{what} by {rest} write {self.src(acc)} {op} ({rest})")
                    c.args = (c.message,)
                raise
        if len(seq) <= 2:  # one binary operation: its typed node is the product
            return acc
        return T("product", (tuple(seq),), acc.shape, acc.start, acc.end)

    def _diagonal_power(self, d: T, ex: T, pf) -> T:
        """D^(-1/2), D^p for a declared diagonal D (the normalized Laplacian's D^(-1/2) W D^(-1/2)): the
        power of each diagonal entry, diag(diag(D) .^ p). A real power of a negative entry has no real
        value, so D must be declared spd; other matrices' non-integer powers stay refused."""
        self.need_scalar(ex, "an exponent")
        name = d.args[0]
        if "spd" not in d.args[1].props | d.args[1].relaxed:
            raise ShapeError(f"{self.src(d)}^{self.src(ex)}: a non-integer power of the diagonal {name} needs positive "
                             f"diagonal entries: declare it spd (where='{name}: matrix(n,n) diagonal spd')")
        entries = self.mk("diagpart", (d,), (d.shape[0], self.unit), [d])
        powered = self.mk("epow", (entries, ex), entries.shape, [d, pf])
        return self.mk("diag", (powered,), d.shape, [d, pf])

    def _refuse_entrywise_then_juxtaposed(self, seq: list, i: int) -> None:
        """M .* U V': .* binds as the product does, left to right ((M .* U) V', U made M's size), where
        papers' M ⊙ U Vᵀ means M .* (U V'): juxtaposition binds tighter in writing. Refused with both
        spellings; an explicit * after it (M .* U * V', as MATLAB reads it) and a group read as written."""
        op, t = seq[i]
        if op not in (".*", "./") or seq[i + 1][0] != "":
            return
        after = [seq[i + 1][1]]
        for o, x in seq[i + 2:]:
            if o != "":
                break
            after.append(x)
        if all(self.is_scalar(x) for x in after):
            return  # (w .* w lambda, x .* y 2: a scalar factor, the same both ways)
        rest = [self.src(x) for x in after]
        left = " ".join(self.src(x) for _, x in seq[:i])
        right, after = self.src(t), " ".join(rest)
        raise ParseError(f"'{left} {op} {right} {after}' reads ({left} {op} {right}) {after}: {op} binds as the "
                         f"product does, left to right. For the entrywise {'product' if op == '.*' else 'division'} "
                         f"by {right} {after} write {left} {op} ({right} {after}); for the other reading write the "
                         f"parentheses ({left} {op} {right}) {after}", self.text, t.start)

    def _scalar_coefficient(self, factors: list) -> bool:
        """Are the factors a coefficient: scalars made of scalar variables only (1, lambda, sigma^2,
        (1 - alpha) in 1/2x'x, lambda/2w'w, (1 - alpha)/2x'x), not a scalar made of vectors (x'Ax)?"""
        stack = list(factors)
        while stack:
            t = stack.pop()
            if t.op == "var" and t.soft in self.taken:
                continue  # (n/2x'x with x: vector(n): a declared size used bare, refused as such later)
            if not self.is_scalar(t):
                return False
            stack.extend(_typed_children(t.args))
        return True

    def _refuse_pasted_denominator(self, seq: list, i: int) -> None:
        """x'x/2sigma^2, 1/2n ||X w - y||^2, (x - m)^2/2s^2: a number after / with a name pasted to it
        is the denominator 2 sigma^2 as the text means it, where / divides by the one factor after
        it (the language's rule, as in MATLAB): (x'x/2) sigma^2. Refused with both spellings; with
        a space (1/2 x'x) the number alone is divided by, as written. A transposed factor after the
        number is a denominator only after a dividend that is no number: x'Ax/2x'x (the Rayleigh
        quotient halved) is refused, 1/2x'x and lambda/2w'w are coefficients times w'w."""
        op, t = seq[i]
        nxt_op, nxt = seq[i + 1]
        if op != "/" or t.op != "num" or nxt_op != "":
            return
        if not self.text[nxt.start:nxt.start + 1].isalpha() \
                or (nxt.op == "transpose" and self._scalar_coefficient([x for _, x in seq[:i]])) \
                or not self._touching(t.end, nxt.start):
            # (rho/2||r||^2, 1/2(x'x): no name pasted; 1/2x'x, lambda/2w'w: a coefficient halved)
            self._refuse_quotient_of_forms(seq, i)
            return
        num, rest = self.src(t), self.src(nxt)
        written = f"{num}{rest}"
        message = (f"'/{{written}}' divides by {num} alone and then multiplies by {{rest}} (/ divides by the one "
                   f"factor after it); for the denominator {num} {{rest}} write /({num} {{rest}}), for the product "
                   f"put {{rest}} before the fraction")
        if nxt.op == "transpose":  # (x'Ax/2x'x: the denominator meant is the whole product after the number)
            run = [x for _, x in itertools.takewhile(lambda p: p[0] == "", seq[i + 1:])]
            rest = " ".join(self.text[nxt.start:run[-1].end].split())
            written = self.text[t.start:run[-1].end]
            self._refuse_by_dividend([x for _, x in seq[:i]], message.format(written=written, rest=rest), t.start)
            return  # (sum(r)/2x'x: a count over 2 times x'x)
        raise ParseError(message.format(written=written, rest=rest), self.text, t.start)

    def _refuse_quotient_of_forms(self, seq: list, i: int) -> None:
        """x'Ax/2 x'x, x'Ax/2(x'x), ||A x||^2/2 ||x||^2: a scalar made of vectors over a number, then
        another such scalar, read (x'Ax/2) x'x, a quartic, where the quotient is meant; / divides by
        the one factor after it. Refused with both spellings; a coefficient over the number (1/2 x'x,
        lambda/2 ||w||^2) reads as written."""
        run = [x for _, x in itertools.takewhile(lambda p: p[0] == "", seq[i + 1:])]
        dividend = [x for _, x in seq[:i]]
        form = (len(run) == 1 and self.is_scalar(run[0])) or (self.is_row(run[0]) and self.is_col(run[-1]))
        if not form or self._scalar_coefficient(run) or self._scalar_coefficient(dividend):
            return
        top = " ".join(self.text[dividend[0].start:dividend[-1].end].split())
        num = self.src(seq[i][1])
        rest = " ".join(self.text[run[0].start:run[-1].end].split())
        message = (f"'{top}/{num} {rest}' reads ({top}/{num}) {rest}, a product (/ divides by the one factor after "
                   f"it); for the quotient write ({top}) / ({num} {rest}), for the product put {rest} first")
        self._refuse_by_dividend(dividend, message, seq[i][1].start, outright=_holds_form(run))

    def _refuse_by_dividend(self, dividend: list, message: str, at: int, outright: bool = True) -> None:
        """Refuse a quotient whose dividend is no coefficient: outright where it is a form (x'Ax,
        ||A x||^2: a scalar made of vectors in every reading), as a clash where that rests only on the
        guessed kinds of undeclared names (N in N/2 logdet(S), a in a/2x'x, (nu + d) in (nu + d)/2
        log(1 + x'x): a reading with them scalars is tried next); a count such as sum(r) passes, and
        a form only before a form (`outright`: x'Ax/2 logdet(S) reads as written)."""
        if _holds_form(dividend):
            if outright:  # (x'Ax/2 logdet(S), a form over 2 times a scalar of a matrix, reads as written)
                raise ParseError(message, self.text, at)
            return
        stack, guessed = list(dividend), []
        while stack:  # (the names standing as coefficients: not inside a reduction, sum(r)/2 logdet(S))
            t = stack.pop()
            if t.op == "var" and t.soft and not self.is_scalar(t):
                guessed.append(t)
            if t.op in ("paren", "sum", "neg", "product", "smul", "div", "pow"):
                stack.extend(_typed_children(t.args))
        if not guessed or any(t.soft == "T" for t in guessed):
            return  # (sum(r)/2x'x: a scalar of a vector as a coefficient; T keeps its look in every reading)
        raise self.clash(message, *guessed)

    def _array_only_by_coefficients(self, t: T) -> bool:
        """Is t a product made an array only by lone undeclared names among its factors (c in c ||w||^2,
        N in N/2 logdet(S), s in a log(s)), every other factor a scalar or resting on no guessed kind
        but a Greek name's? Over such a term a scalar is not spread; rho (x - y) beside a norm keeps
        x and y vectors (reading them scalars against their looks would be no better a guess)."""
        while t.op in ("neg", "paren") and t.args and isinstance(t.args[0], T):
            t = t.args[0]
        if t.op == "product":
            factors = [x for _, x in t.args[0]]
        elif t.op in ("smul", "matmul", "div"):
            factors = list(t.args)
        else:
            return False
        chain = _matmul_chain(t)
        if len(chain) >= 3 and chain[0].op == "var" and chain[0].soft and self.is_row(chain[1]) \
                and self.is_col(chain[-1]):
            return True  # (t c'x: a lone name before a row ... column, a scalar; the barrier method's t c'x - ...)
        for x in factors:
            if self.is_scalar(x) or x.op == "var" and x.soft:
                continue
            if x.op == "func" and isinstance(x.args[1], T) and x.args[1].op == "var" and x.args[1].soft:
                continue  # (log(s))
            if x.op in ("div", "neg", "paren") and self._array_only_by_coefficients(x):
                continue  # ((N) / (2)): LaTeX's \frac{N}{2}, a product in the product
            if self._sum_of_lone_names(x):
                continue  # ((nu - p - 1)/2 log det X: the Wishart's coefficient)
            if any(not is_greek(n) for n in x.dep):
                return False
        return True

    def _sum_of_lone_names(self, t: T) -> bool:
        """Is t (in parentheses) a sum of numbers and lone undeclared names, as nu - p - 1?"""
        while t.op in ("neg", "paren") and t.args and isinstance(t.args[0], T):
            t = t.args[0]
        return t.op == "sum" and all(x.op == "num" or x.op == "var" and x.soft for _, x in t.args)

    def _declared_scalar_in(self, t: T) -> bool:
        """Does a typed tree use a declared scalar (X w + b, b: scalar: spread over X w on purpose)?"""
        stack = [t]
        while stack:
            n = stack.pop()
            if n.op == "var" and not n.soft and self.is_scalar(n):
                return True
            stack.extend(_typed_children(n.args))
        return False

    def _refuse_fraction_exponent(self, seq: list, i: int) -> None:
        """Sigma^-1/2, x^1/2, e^-1/2 x'x, Sigma^-T/2: a bare exponent 1, a negative one or -T, then /n
        with nothing between, is the fractional power as the text means it (nobody writes x^1), where
        the power binds before / (the language's rule): (Sigma^-1)/2. Refused with both spellings; x^2/2
        and a spaced Sigma^-1 / 2 read as written."""
        op, t = seq[i]
        prev = seq[i - 1][1]
        if op != "/" or self.text[prev.end:t.start].strip() != "/":
            return
        digits = self.text[t.start:t.end]
        group = digits.startswith("(") and digits.endswith(")")
        if not (t.op == "num" and digits.isdigit() or re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", digits) or group):
            return  # (a number or a name: ^1/p, ^-n/2; a group only after a negated group, below)
        source = getattr(self.text, "source", None)
        if source is None:
            before, between = self.text[:prev.end], self.text[prev.end:t.start]
        else:  # as typed (LaTeX spaces its operators; ^{-1}/2 is braced, so explicit)
            end, start = self.text.reach[prev.end - 1], self.text.origin[t.start]
            before, between = source[:end], source[end:start]
        m = re.search(r"(\.?\^)\s*([-–−]\s*(?:[0-9]+|T|[A-Za-z][A-Za-z0-9]*|\((?:[^()]|\([^()]*\))*\))|1)$", before)
        if between != "/" or m is None:
            return
        k = m.group(2).replace(" ", "").replace("–", "-").replace("−", "-")
        if group and not k.startswith("-("):
            return  # (a group after the bar is its own formula, but for e^-(||x - y||^2)/(2 l^2), the kernel's exponent)
        symbolic = k not in ("-T", "1") and not k[1:].isdigit()  # (^-n/2, the Gaussian's (2 pi sigma^2)^-n/2)
        if digits.isdigit():
            n = int(digits)
            if n <= 1 or not symbolic and k != "-T" and int(k) % n == 0:
                return  # (sigma^-2/2: -2/2 is no exponent anyone writes, so the quotient is meant)
        elif k not in ("1", "-1", "-T") and not symbolic:
            return  # (sigma^-2/n may be 1 / (n sigma^2); ^1/p and ^-1/n are the roots nobody writes otherwise)
        n = digits
        if group or k.startswith("-("):  # (shown with its own spaces: -(gamma ||x - y||^2))
            k = re.sub(r"^-\s*", "-", " ".join(m.group(2).replace("–", "-").replace("−", "-").split()))
        base = self.src(prev)
        if base.endswith(m.group(0)):  # (e^-(||x - y||^2): the exponent's own ^ is inside it)
            base = base[:len(base) - len(m.group(0))]
        else:
            base = base[:base.rfind("^")].rstrip(".") if "^" in base else base  # (x .^ -1: x)
        pw = m.group(1)
        if k == "-T":
            power = f"{base}^-T is the transpose of the inverse, and the powers of a matrix are integers: "
        elif base[:1].isupper():
            power = f"{base} looks like a matrix, whose powers are integers: "
        else:
            power = f"For the power {k}/{n} write {base}{pw}({k}/{n}); "
        raise ParseError(f"'{base}{pw}{k}/{n}' reads ({base}{pw}{k}) / {n}: a power binds before /. {power}"
                         f"for the quotient put a space ({base}{pw}{k} / {n})", self.text, t.start - 1)

    def _refuse_product_denominator(self, seq: list, i: int) -> None:
        """x'y / ||x|| ||y||, ||x - y||^2 / 2 sigma^2, tr(A'B) / tr(A) tr(B): a fraction whose
        denominator is written as a product (the cosine, the Gaussian kernel), where / divides by the
        one factor after it: (x'y / ||x||) ||y||. Refused with both spellings where the numerator is a
        formula; a coefficient (1 / 2 ||A x - b||^2, 2 lambda / n ||w||^2: numbers and scalar names
        before the /), a name as the divisor (a/b c, the language's own ambiguity) and a group after the divisor
        (exp(a) / 2 (y' C^-1 y - ...)) read left to right as written."""
        op, t = seq[i]
        nxt_op, nxt = seq[i + 1]
        if nxt_op == "*" and self._centered_dot(t.end, nxt.start):
            nxt_op = ""  # (x'y / ||x|| · ||y||, \exp(-\|x\|^2 / 2 \cdot \sigma^2): typeset, the dot is a product's)
        if op == "/" and nxt_op == "" and t.op == "num" and nxt.op == "dimsize" \
                and all(self._coefficient(x) for _, x in seq[:i]) \
                and not (i == 1 and seq[0][1].op == "num" and seq[0][1].args[0] != 1):
            # 1/2 m ||X theta - y||^2, lambda / 2 m ||theta||^2, m a declared size: the sample count is a
            # denominator; as a multiplier after a fraction nobody writes it (3/2 n, as matcalc prints
            # 3 n / 2, reads as written)
            den, size = self.src(t), self.src(nxt)
            raise ParseError(f"'/ {den} {size}' divides by {den} alone and then multiplies by the size {size} (/ divides "
                             f"by the one factor after it); for the denominator write / ({den} {size}), for the "
                             f"product put {size} before the fraction", self.text, t.start)
        if op != "/" or nxt_op != "" or all(self._coefficient(x) for _, x in seq[:i]) \
                or self.text[nxt.start:nxt.start + 1] == "(" and self.text[nxt.start:nxt.start + 3] != "(||":
            return  # ((||...||) is how LaTeX's norms come)
        outright = self._denominator_like(nxt, after_number=t.op == "num") and (
            t.op == "num" or self._denominator_like(t)) or self._sized_divisor(t) and (
            self._denominator_like(nxt) or nxt.op in ("num", "dimsize", "pi", "sum_all", "mean_all", "logdet"))
        dividend = [x for _, x in seq[:i]]
        scalar = all(self.is_scalar(x) for x in dividend) or (self.is_row(dividend[0]) and self.is_col(dividend[-1]))
        named = None if outright or t.op != "num" or not scalar else self._named_scalar(nxt)
        if not outright and named is None:
            return
        product = []  # the factors juxtaposed after the divisor, up to the next operator
        prev = t
        for o, x in seq[i + 1:]:
            if o != "" and not (o == "*" and self._centered_dot(prev.end, x.start)):
                break
            product.append(self.src(x))
            prev = x
        den, rest = self.src(t), " ".join(product)
        message = (f"'/ {den} {rest}' divides by {den} alone and then multiplies by {rest} (/ divides by the "
                   f"one factor after it); for the denominator write / ({den} {rest}), for the product put "
                   f"{rest} before the fraction")
        if outright or named == "form" and _holds_form([x for _, x in seq[:i]]):
            raise ParseError(message, self.text, t.start)
        if named == "reduction":
            # (||y - X w||^2 / 2 m with m a size, x'S x / 2 tr(S): refused where the dividend is a formula, and
            # tried with its guessed names numbers: N/2 tr(S^-1 C) reads as written; a function of a
            # number or pi only after a formula: N/2 log(2 pi) is the Gaussian's constant)
            self._refuse_by_dividend([x for _, x in seq[:i]], message, t.start)

    def _sized_divisor(self, t: T) -> bool:
        """A divisor that is a declared size (/ n, not dim(n) typed) or a group of numbers, sizes and scalar names
        ((n - 1), (N - 1)): what follows it juxtaposed is the rest of the denominator as papers write it
        (||X||_F^2 / n m, x'x / (n - 1) sigma^2, sum(K_xy) / n m: the MMD estimate), never a multiplier."""
        if t.op == "dimsize":
            return not self.text[t.start:t.end].lstrip().startswith("dim")
        return t.op == "sum" and self.text[t.start:t.start + 1] == "(" and self.is_scalar(t) and self._coefficient(t)

    def _named_scalar(self, t: T) -> str | None:
        """After a number in a denominator written as a product (||y - X w||^2 / 2 m): "reduction" for a
        declared size, a trace, a determinant or its log, a sum or a mean, "form" for pi or a function of
        a scalar (exp(a)), or a power of one; else None. As a multiplier after a fraction nobody writes them."""
        base = t.args[0] if t.op == "pow" else t
        if base.op in ("dimsize", "tr", "det", "logdet", "sum_all", "mean_all"):
            return "reduction"
        if base.op == "pi" or base.op == "func" and isinstance(base.args[1], T) and self.is_scalar(base.args[1]):
            return "form"
        return None

    def _centered_dot(self, start: int, end: int) -> bool:
        """Was the * between two factors typed as a typeset product's centered dot (·, ⋅, \\cdot)?
        Beside a fraction bar it is read as juxtaposition is, not as code's *."""
        source = getattr(self.text, "source", None)
        if source is None or start >= end:
            return False
        typed = self.text.source_text(start, end)
        return any(d in typed for d in ("·", "⋅", "∙", "•", "\\cdot"))

    def _denominator_like(self, t: T, after_number: bool = False) -> bool:
        """A factor papers put in a denominator written as a product: a scalar name or its power
        (sigma^2, n), and beside another such factor a norm (||x|| ||y||), a square root, a trace or
        a determinant; not a vector or a matrix (/ (x' x) x divides a vector), nor log(...), sum(...),
        nor a norm right after a number (lambda (1 - alpha)/2 ||b||^2 is a coefficient times ||b||^2)."""
        base = t.args[0] if t.op == "pow" else t
        if base.op in ("norm", "norm1", "spectral", "tr", "det"):
            return not after_number
        if base.op == "func" and base.args[0] == "sqrt":
            return not after_number
        return base.op == "var" and self.is_scalar(base)

    def _coefficient(self, t: T) -> bool:
        """A factor of a coefficient: a number, a scalar name, or a parenthesized sum or product of
        those (lambda (1 - alpha), (2 lambda)); not a power ((x - mu)^2 / 2 sigma^2 is a numerator)."""
        if t.op == "num":
            return True
        return t.op in ("var", "sum", "smul", "product") and self.is_scalar(t) and all(
            self.kinds.get(n) == "scalar" or (n in self.decls and self.decls[n].kind == "scalar") for n in t.dep)

    def _refuse_entrywise_misfit(self, a: T, op: str, b: T) -> None:
        """sum(y .* X w): .* and juxtaposition share one precedence (left to right), so this is
        (y .* X) w, which fits only with the vector-looking y made a scalar (or a matrix), or X a
        scalar or a vector; the text means y .* (X w). An entrywise product or quotient with a bare
        name read against its Latin look is refused; where no reading is left, the error says where
        the parentheses go."""
        for t in (a, b):
            if t.op != "var" or not t.soft or is_greek(t.soft):
                continue
            look = default_kind(t.soft)
            kind = self.kinds.get(t.soft) or look  # (T is never searched: it keeps its look)
            if kind == look or look == "scalar":
                continue
            other = b if t is a else a
            raise self.clash(f"{self.src(a)} {op} {self.src(b)} with {t.soft} a {kind}: {t.soft} looks like a "
                             f"{look}; {op} and juxtaposition share one precedence, left to right, so an entrywise "
                             f"product with a product is written in parentheses (y {op} (X w)); or declare "
                             f"{t.soft} (where='{t.soft}: {kind}')", t, other)

    def _refuse_entrywise_greek_scalar(self, t: T, op: str, other: T) -> None:
        """y .* log(lambda), sigma .* z, lambda .* (A x - b): an entrywise operation whose one side is a
        scalar only by the look of small Greek names (a weak guess) means those names as vectors, as
        .* says; read as numbers, the Poisson log-likelihood sum(y .* log(lambda) - lambda) had the
        gradient sum(y)/lambda - n. The reading is refused, so the vector one is tried; a declared
        scalar (or a number) is spread as written."""
        names = _undeclared_in(t)
        if names and all(is_greek(n) and n[:1].islower() and self.kinds.get(n) == "scalar"
                         and n not in self.powered for n in names):
            g = sorted(names)[0]
            raise self.clash(f"{self.src(t)} {op} {self.src(other)} with {g} a scalar: an entrywise operation is of "
                             f"two arrays; for a scalar {g} declare it (where='{g}: scalar')", t)

    def _refuse_dot_of_scalars(self, a: T, op: str, b: T) -> None:
        r"""x · x, w \cdot x pasted from a paper: the centered dot between two vectors is their inner
        product; read with vector-looking names made scalars (or square matrices) it would be x^2.
        Refused (so that the vector reading's error, which says how to write the inner product, is the
        one reported)."""
        if op != "*" or a.op != "var" or b.op != "var" or not (a.soft and b.soft):
            return
        if not all(default_kind(t.soft) == "vector" and not is_greek(t.soft) and t.soft not in self.powered
                   for t in (a, b)):
            return  # (x^2·y: x is a scalar by use)
        if all(self.kinds.get(t.soft) == "vector" for t in (a, b)):
            return  # (the vector reading fails on its own, saying how to write the products)
        between = self._source_between(a, b)
        if any(d in between for d in _DOTS):
            raise self.clash(f"{self.src(a)} · {self.src(b)} with {a.soft} and {b.soft} read as scalars or matrices; "
                             f"the dot between two vectors is their inner product: write {a.soft}' {b.soft}", a, b)

    def _refuse_bullet_of_matrices(self, a: T, op: str, b: T) -> None:
        """C • X pasted from a paper on semidefinite programs: the bullet between two matrices is
        their inner product there, tr(C' X), and a matrix product elsewhere. Refused with both."""
        if op != "*" or any(self.is_col(t) or self.is_row(t) for t in (a, b)):
            return
        if "•" in self._source_between(a, b):
            x, y = self.src(a), self.src(b)
            raise ParseError(f"{x} • {y}: between two matrices the bullet is their inner product in papers on "
                             f"semidefinite programs and the matrix product elsewhere; for the inner product write "
                             f"<{x}, {y}> (that is tr({x}' {y})), for the matrix product {x} {y}", self.text, b.start)

    def _source_between(self, a: T, b: T) -> str:
        """The text as typed between two operands of a translation (LaTeX or Unicode), else ''."""
        source = getattr(self.text, "source", None)
        origin = getattr(self.text, "origin", None)
        if source is None or not origin or a.end > len(origin) or b.start >= len(origin) or a.end < 1:
            return ""
        return source[origin[a.end - 1] + 1:origin[b.start]]

    def _touching(self, end: int, start: int) -> bool:
        """Do the text's characters [.., end) and [start, ..) meet with nothing between them, as typed
        (in the LaTeX or Unicode source, for a translation)?"""
        reach, origin = getattr(self.text, "reach", None), getattr(self.text, "origin", None)
        if reach and origin and 0 < end <= len(reach) and start < len(origin):
            return reach[end - 1] == origin[start]
        return end == start

    def _dot_hint(self, a: T, b: T) -> str:
        """x·Kx: a centered dot pasted between a vector and a matrix is read as a product; say so."""
        if not self.is_col(a) or self.is_col(b) or not any(d in self._source_between(a, b) for d in _DOTS):
            return ""
        return "; the dot (·) is read as a product, left to right: for an inner product write x' (K x)"

    def _two_vectors_hint(self, a: T, b: T) -> str:
        """Two column vectors side by side (x y, x \\cdot y, x · y): say how the products are written."""
        if a.shape[1].find().const != 1 or b.shape[1].find().const != 1:
            if a.op == "var" and a.soft and a.args and self.is_col(a) and a.args[0] not in self.decls:
                return "; " + _declare_scalar([a.args[0]])
            return ""
        x, y = _as_operand(self.src(a)), _as_operand(self.src(b))
        loose = sorted({t.soft for t in (a, b) if t.op == "var" and t.soft})
        numbers = "; " + _declare_scalar(loose) if loose else ""
        if a.shape[0].show() != b.shape[0].show():
            if a.shape[0].find().rigid and b.shape[0].find().rigid:  # two declared lengths
                return f"; their outer product is written {x} {y}'"
            return (f"; the inner product of two vectors of one length is written {x}' {y}, the outer product "
                    f"{x} {y}'{numbers}")
        return (f"; the inner product is written {x}' {y}, the outer product {x} {y}' and the entrywise one "
                f"{x} .* {y}{numbers}")

    def combine(self, a: T, op: str, b: T) -> T:
        sa, sb = self.is_scalar(a), self.is_scalar(b)
        if op in ("", "*") and b.op == "identity" and a.op == "var" and a.soft and not sa:
            # T I, N I, C I (Phi + T I): a capital before the identity is its coefficient; read as a matrix,
            # T I would be T itself
            raise self.clash(f"{self.src(a)} I with {a.soft} a matrix is {a.soft} itself; a name before I is a "
                             f"number: declare it (where='{a.soft}: scalar')", a)
        if op in ("", "*") and b.op == "identity" and not sa and a.op != "var":
            name = _lone_name_among_numbers(a)
            if name is not None:  # (N/2) I, (n - 1) I: N a matrix would make the I vanish, N/2 I = N/2
                raise self.clash(f"{self.src(a)} I with {name} a matrix is {self.src(a)} itself; a coefficient of "
                                 f"I is a number: declare it (where='{name}: scalar')", a)
        if op in ("", "*"):
            if sa or sb:
                return self.mk("smul", (a, b), b.shape if sa else a.shape, [a, b])
            self.unify(a.shape[1], b.shape[0], lambda: self.clash(
                f"cannot multiply {self.src(a)} ({self.show(a)}) by {self.src(b)} ({self.show(b)}): "
                f"{count(a.shape[1].show(), 'column')} against {count(b.shape[0].show(), 'row')}"
                f"{self._two_vectors_hint(a, b)}{self._dot_hint(a, b)}", a, b))
            return self.mk("matmul", (a, b), (a.shape[0], b.shape[1]), [a, b])
        if op == "/":
            if not sb:
                number = "; " + _declare_scalar([b.soft]) if b.op == "var" and b.soft else ""
                raise self.clash(f"can only divide by a scalar, but {self.src(b)} is {self.show(b)} (/ divides by "
                                 f"the one factor after it: to divide by a product, write it in parentheses, as in "
                                 f"a / (x' x)){number}", b)
            if b.op == "transpose" and b.args[0].op == "var" and b.args[0].soft and _looks_nonscalar(b.args[0].soft):
                # x'Ax/x'x: dividing by x' (then times x) reads only with x a scalar, which nobody means
                raise self.clash(f"{self.src(a)} / {self.src(b)} divides by {self.src(b)} alone, which is a scalar "
                                 f"only with {b.args[0].soft} a scalar; to divide by a product, write it in "
                                 f"parentheses, a / (x' x)", b)
            return self.mk("div", (a, b), a.shape, [a, b])
        # .* and ./
        self._refuse_entrywise_misfit(a, op, b)
        if sa != sb:
            self._refuse_entrywise_greek_scalar(a if sa else b, op, b if sa else a)
        if sa or sb:
            if op == "./" and not sb:
                return self.mk("ediv", (a, b), b.shape, [a, b])
            return self.mk("smul" if op == ".*" else "div", (a, b), b.shape if sa else a.shape, [a, b])
        self.same_shape(a, b, f"an elementwise {'product' if op == '.*' else 'division'}")
        return self.mk("hadamard" if op == ".*" else "ediv", (a, b), a.shape, [a, b])

    def _spread_refused(self, message: str, *about) -> Clash:
        """A clash that refuses to add a scalar to every entry of an array whose kind is a guess."""
        c = self.clash(message, *about)
        c.spread_refused = True
        return c

    def sum(self, s: Syn) -> T:
        terms = [(sign, self.one(t)) for sign, t in s.a]
        nonscalar = [t for _, t in terms if not self.is_scalar(t)]
        if nonscalar:
            first = nonscalar[0]
            spread = [t for _, t in terms if self.is_scalar(t) and t.op != "num"]
            # a scalar made of the very names it is added to (x - mean(x), W x - logsumexp(W x)) has no
            # other reading: that name as a scalar would make it trivial, so it is broadcast. Only the
            # names the array's shape rests on count (its dep): in ||w||^2 + C sum(w), w is inside a
            # sum, and C alone makes the term an array, so the norm is not spread over C's guess
            onto = frozenset().union(*(t.dep for t in nonscalar))
            own = [_undeclared_in(t) for t in spread]
            own = [names for names in own if names and names <= onto]
            # (once one such scalar is broadcast, the other names are added to a vector, not given way)
            lone = [] if own else [t for t in nonscalar if t.op == "var" and t.soft]
            if len(lone) < len(nonscalar):  # W x + b - y: y is added to W x, an array; it has no way to give
                lone = []
            if self.spreads_allowed:
                lone, own = [], [()]  # (every refusal below let through)
            if lone and spread:  # a + sum(sin(G)): a name whose kind is a guess gives way, no broadcasting
                n = lone[0].soft
                kind = 'matrix(m,n)' if self.is_col(lone[0]) is False else 'vector(n)'
                other = spread[0].soft if spread[0].op == "var" else None  # x - mu: mu a scalar by its Greek look
                declared = next((t for t in spread if self._declared_scalar_in(t) and not _undeclared_in(t)), None)
                if declared is not None and n in self.spread_ok:
                    lone = []  # (the reading with the scalar spread over n, tried by kinds.typecheck)
                elif declared is not None and default_kind(n) == "matrix":
                    # X - c, c declared a scalar: X a matrix with c spread, or a scalar against its look (a
                    # small name gives way: nu + d, d a scalar)
                    c = self.src(declared)
                    is_declared = "is declared a scalar" if declared.op == "var" else "is a number by the declarations"
                    refusal = self.clash(
                        f"'{' '.join(self.text[s.start:s.end].split())}': {c} {is_declared} and {n}'s kind is only a "
                        f"guess: on {n}'s diagonal only, write {c if _ONE_TERM.fullmatch(c) else '(' + c + ')'} I "
                        f"(a matrix {n}); to add {c} to every entry of {n}, declare {n} (where='{n}: {kind}'); if "
                        f"{n} is a scalar too, declare it (where='{n}: scalar')", lone[0], declared)
                    refusal.spread_name = n  # refused where the reading with the spread also fits (kinds.typecheck)
                    refusal.spread_refused = True
                    raise refusal
            if spread and not own and not lone and not self.spread_ok and all(t.dep for t in nonscalar) \
                    and all(self._array_only_by_coefficients(t) for t in nonscalar) \
                    and not any(self._declared_scalar_in(t) and not _undeclared_in(t) for t in spread):
                # ||y - X w||^2 + c ||w||^2: c ||w||^2 is an array only because c looks like a vector, and
                # the norm would be added to its every entry; a guessed kind never causes broadcasting (a
                # declared scalar is added on purpose: X w + b, b: scalar; but not a term that only uses
                # one beside undeclared names: N/2 log(s2) + ||y - X b||^2 / (2 s2), s2: scalar)
                names = ", ".join(sorted(frozenset().union(*(t.dep for t in nonscalar))))
                raise self._spread_refused(f"cannot add {self.src(spread[0])} (a scalar) to {self.src(first)} "
                                           f"({self.show(first)}), which is not a scalar only by the guessed kinds "
                                           f"of {names}; declare the kinds (where=...)", first, spread[0])
            if lone and spread:  # (n, kind and other as above)
                refusal = self._spread_refused(
                    f"cannot add {self.src(spread[0])} (a scalar) to {self.src(lone[0])} ({self.show(lone[0])}), "
                    f"whose kind is only a guess; to add it to every entry, declare {n} (where='{n}: {kind}')" + (
                        f"; if {other} has {n}'s shape too, declare both (where='{n}, {other}: {kind}')"
                        if other else ""), lone[0], spread[0])
                if declared is not None:
                    refusal.spread_fallback = n
                raise refusal
            for _, t in terms:
                if t.dep and self.is_scalar(t) and not (t.dep <= onto) and not self.spreads_allowed and not (
                        _greek_power(t) and all(self.is_col(n) for n in nonscalar)):
                    # (x.^2 + epsilon^2: a power of small Greek names, which no vector has, is spread over
                    # a vector, where x would otherwise be read a scalar against its look; over a matrix,
                    # K + sigma^2, it stays refused: papers mean sigma^2 I there)
                    names = ", ".join(sorted(t.dep))
                    raise self._spread_refused(
                        f"cannot add {self.src(t)} (a scalar) to {self.src(first)} ({self.show(first)}): a scalar "
                        f"is added to every entry only when it is a number or a declared scalar, and "
                        f"{self.src(t)} rests on the undeclared {names}; declare the kinds (where=...)", t, first)
            for t in spread:
                self._refuse_size_spread(t, first)
            self.spreads += len(spread)  # readings with fewer implicit broadcasts are preferred
            for t in nonscalar[1:]:
                def why(t=t):
                    return self.clash(f"cannot add {self.src(first)} ({self.show(first)}) and "
                                      f"{self.src(t)} ({self.show(t)}){self._spread_hint(first, t)}", first, t)
                self.unify(first.shape[0], t.shape[0], why)
                self.unify(first.shape[1], t.shape[1], why)
            shape = first.shape
        else:
            shape = (self.unit, self.unit)
        return T("sum", tuple((sg, t) for sg, t in terms), shape, s.start, s.end)

    def _refuse_size_spread(self, t: T, onto: T) -> None:
        """x - m with S: matrix(m,m): m written alone is the size, a number (reader's
        _declared_sizes_as_sizes), here added to every entry of a vector: the Mahalanobis distance to a
        mean m read as the distance to (m, ..., m), its gradient printed 2 S^-1 (x - m), letter for letter
        the textbook's and a different function. Refused with the way out: another name for one of them."""
        while t.op == "neg":
            t = t.args[0]
        if t.op != "dimsize" or self.text[t.start:t.end].lstrip().startswith("dim"):
            return  # (dim(n) typed: the number on purpose)
        n = self.text[t.start:t.end].strip()
        holder = declaration_with_size(n, self.decls) or "in the declarations"
        raise ShapeError(f"{n} is a size ({holder}), and a size written in a formula is its value, the number "
                         f"dim({n}): here it would be added to every entry of {self.src(onto)} ({self.show(onto)}). "
                         f"For a vector {n}, give the size another name in the declarations; for the number added "
                         f"to every entry, write dim({n})")

    def call(self, s: Syn, fname: str, ts: list[T] | None) -> T:
        name = canonical_name(fname)
        args = s.b
        if fname in self.decls and self.decls[fname].declared:
            # (norm: scalar, then norm(x): the declared number times x, or the function? Never one silently)
            raise ParseError(f"{fname} is declared a variable ({fname}: {self.decls[fname].describe()}), and "
                             f"{self.src(s)} is also the function {name}(...): for the product write {fname} * "
                             f"{self.src(s)[len(fname):].strip()}; for the function, give the variable another name",
                             self.text, s.start)
        if name in DIM_CALLS:
            return self.dim_call(s, name, args)
        want = CALLS[name].arity if name in CALLS else (1,)
        if len(ts) not in want:
            n = " or ".join(map(str, want))
            raise ShapeError(f"{name} takes {n} argument{'s' if want != (1,) else ''}, not {len(ts)}")
        t = ts[0]
        if name in _STRUCTURAL_CALLS:
            for u in ts:
                self._refuse_trivial_reduction(name, u)
        if name in _AXIS_CALLS:
            if len(ts) == 2:
                self._refuse_vector_axis(name, t, s)
            elif name in ("sum", "mean"):
                self._refuse_summed_matrix_power(name, t)
            return self.axis_call(s, name, t, self.axis(s, name, t) if len(ts) == 2 else None)
        if name in FUNCTIONS:
            return self.mk("func", (name, t), t.shape, [s])
        if name in SQUARE_CALLS:
            if not self.is_scalar(t):
                r, c = t.shape
                self.unify(r, c, lambda: self.clash(
                    f"{name}({self.src(t)}) needs a square matrix, but {self.src(t)} is {self.show(t)}", t))
            if name == "inv":
                return self.mk("matpow", (t, -1), t.shape, [s])
            if name in SQUARE_REDUCTIONS:
                return self.mk(name, (t,), (self.unit, self.unit), [s])
        if name in ("norm1", "norm2"):
            return self.norm(s, t, "1" if name == "norm1" else "F")
        if name == "norm":
            if not (self.is_scalar(t) or self.is_col(t) or self.is_row(t)):
                raise NotSupportedError(
                    f"norm({self.src(t)}) of a matrix ({self.show(t)}) is the spectral norm in MATLAB and the Frobenius "
                    f"norm in NumPy; write ||{self.src(t)}||_F for the Frobenius norm (norm(x) of a vector is its "
                    f"Euclidean norm, ||x||)")
            return self.norm(s, t, "F")  # (of a vector the Euclidean norm; of a number its absolute value)
        if name in ("vector", "matrix"):
            self.need_scalar(t, f"{name}(c)'s entry c")
            shape = (self.flex("n"), self.unit) if name == "vector" else (self.flex("m"), self.flex("n"))
            ones = T("ones", (), shape, s.start, s.end, dep=frozenset())
            return self.mk("smul", (t, ones), shape, [s])
        if name == "diag":
            if self.is_scalar(t):
                self._refuse_diag_of_reduction(t)
                return T(t.op, t.args, t.shape, s.start, s.end, t.soft, t.dep)
            if self.is_col(t):
                return self.mk("diag", (t,), (t.shape[0], t.shape[0]), [s])
            r, c = t.shape
            self.unify(r, c, lambda: self.clash(
                f"diag({self.src(t)}) needs a vector or a square matrix, but {self.src(t)} is {self.show(t)}", t))
            return self.mk("diagpart", (t,), (r, self.unit), [s])
        if name == "vec":
            if self.is_col(t):  # vec(X) with X read as a vector is X itself: a reading nobody means
                made = sorted(n for n in t.dep if n not in self.decls and self.kinds.get(n) == "vector"
                              and n[:1].isupper())
                if made:
                    raise self.clash(f"vec({self.src(t)}) with {made[0]} a vector is {self.src(t)} itself; "
                                     f"{made[0]} looks like a matrix: declare it (where='{made[0]}: matrix(m,n)')", t)
            return self.mk("vec", (t,), (self.prod_dim(t.shape[0], t.shape[1]), self.unit), [s])
        if name == "kron":
            u = ts[1]
            return self.mk("kron", (t, u), (self.prod_dim(t.shape[0], u.shape[0]),
                                           self.prod_dim(t.shape[1], u.shape[1])), [s])
        raise UnknownNameError(f"unknown function '{fname}'")  # pragma: no cover - grammar lists them

    def _refuse_diag_of_reduction(self, t: T) -> None:
        """diag(sum(A)), diag(x'x): diag of a scalar made of a matrix or vectors is that scalar itself,
        which nobody writes diag for; MATLAB's sum(A) is the row of column sums, matcalc's the sum of
        every entry. Refused, with the degree matrix's spelling."""
        if self._scalar_coefficient([t]):
            return  # (diag(c) of a scalar variable: c)
        arg = self.src(t)
        inner = t.args[0] if t.op == "sum_all" and t.args and isinstance(t.args[0], T) else None
        hint = (f"; sum(...) is the sum of every entry (a scalar), not MATLAB's column sums: for the row sums on "
                f"the diagonal write diag(sum({self.src(inner)}, 2))") if inner is not None else ""
        raise ShapeError(f"diag({arg}) of the scalar {arg} is the scalar itself{hint}")

    def _refuse_trivial_reduction(self, name: str, t: T) -> None:
        """sum(x), tr(X), kron(X, X) of a name read as a scalar although it looks like a vector or a
        matrix: on a scalar these are the scalar itself (or 1, for softmax), a reading nobody means
        (y - sum(y) would be 0). Such a reading is refused, so another one is tried; where none
        fits, the error of the reading closest to the look is reported."""
        if not self.is_scalar(t):
            return
        # (a Greek name too: sum(xi) of an SVM's slack vector xi; a scalar's sum is never meant)
        against = sorted(n for n in t.dep if self.kinds.get(n) == "scalar" and n not in self.decls)
        if against:
            n = against[0]
            look = f"{n} looks like a {default_kind(n)}" if _looks_nonscalar(n) else f"{n} is undeclared"
            raise self.clash(f"{name}({self.src(t)}) with {n} a scalar is {'1' if name == 'softmax' else 'trivial'}; "
                             f"{look}: declare its kind (where='{n}: ...')", t)

    def _refuse_summed_matrix_power(self, name: str, t: T) -> None:
        """sum((A x)^2), mean((X w - y)^2), sum(sigmoid(X w)^2), sum(theta^2): the sum of squares
        of a vector, read instead with a small name made a scalar or a matrix so that the square
        is a matrix power (x A squared). Summing the entries of a matrix power is not what such
        a text means; the reading is refused, and the error says to write .^2."""
        if t.op != "matpow" or t.args[1] < 2:
            return
        base = t.args[0]
        made = sorted(n for n in base.dep if self.kinds.get(n) in ("scalar", "matrix") and n not in self.decls
                      and n[:1].islower())
        if made:
            raise self.clash(f"{name}({self.src(t)}) with {', '.join(f'{n} a {self.kinds[n]}' for n in made)} sums "
                             f"the entries of a matrix power; for the sum of squares write {self.src(base)} .^ "
                             f"{t.args[1]} (or ||...||^2), or declare the kinds (where=...)", t)

    def _refuse_scalar_in_run(self, s: Syn, parts: list) -> None:
        """xk, wt, xt: a run of small letters read with one of them a scalar or a matrix (x times
        k) is an indexed name (x_k) far more often than a product; such a reading is refused, so
        that another is tried or the run is reported with what to write."""
        if len(parts) >= 2 and parts[-2] == "d" and is_greek(parts[-1]) and not any(
                p in self.decls or p in self.bindings for p in parts[-2:]):
            # ||J dtheta - e||^2 (a Gauss-Newton step), Jdtheta: the differential's or the step's name, read
            # d theta with theta a number
            g = parts[-1]
            raise ParseError(f"'{s.a}' is read as the product {' '.join(parts)}; for one name (a step or a direction) "
                             f"write d_{g} or declare it (where='d{g}: ...'); for the product put a space "
                             f"(d {g})", self.text, s.start)
        odd = [p for p in parts if p not in self.decls and p not in self.bindings and not is_greek(p)
               and self.kinds.get(p, "vector") != "vector" and default_kind(p) == "vector"]
        if not odd:
            return
        vectors = [p for p in parts if (self.decls[p].kind if p in self.decls else self.kinds.get(p, "vector"))
                   == "vector" and p not in self.bindings]
        # letters that are scalars by use, as bases of a power (x^2 + xy + y^2, a x^2 + bx + c), make
        # a product of scalars; nothing else does (||w - wt||^2 with w and t scalars)
        if vectors or not all(p in self.powered for p in odd):
            what = ", ".join(f"{p} a {self.kinds[p]}" for p in odd)
            c = self.clash(f"'{s.a}' would be read as the product {' '.join(parts)} with {what}; write "
                           f"{parts[0]}_{''.join(parts[1:])} for one name, or put spaces between the letters "
                           f"for the product", T("name", (), (self.unit, self.unit), s.start, s.end,
                                                 dep=frozenset(parts)))
            c.run = (s.a, tuple(parts))
            raise c

    def _refuse_vector_axis(self, name: str, t: T, s: Syn) -> None:
        """sum(X, 1), mean(X, 2), softmax(X, 1) of a name read as a vector although it looks like a
        matrix: the index says the user reduces a matrix along one side (X ./ sum(X, 1), X - mean(X, 1)),
        and reading X as a vector would silently make it the sum of all entries. Refused, so that
        the matrix reading is tried (and, where it clashes, its error is the one reported)."""
        if not (self.is_col(t) or self.is_row(t)) or self.is_scalar(t):
            return
        against = sorted(n for n in t.dep if self.kinds.get(n) == "vector" and n not in self.decls
                         and default_kind(n) == "matrix")
        if against:
            n = against[0]
            raise self.clash(f"{self.text[s.start:s.end]} with {n} a vector reduces all its entries; {n} looks "
                             f"like a matrix: declare its kind (where='{n}: ...')", t)

    def axis(self, s: Syn, name: str, t: T) -> int:
        """The index a reduction runs over: the literal 1 (down each column) or 2 (along each row)."""
        a = s.b[1]
        if a.kind == "num" and a.a in (1, 2):
            return int(a.a)
        raise ShapeError(f"{name}({self.src(t)}, {self.text[a.start:a.end]}): the second argument is the index "
                         f"to reduce over, 1 (each column, as MATLAB's sum(X, 1)) or 2 (each row)")

    def axis_call(self, s: Syn, name: str, t: T, axis: int | None) -> T:
        """sum, mean, softmax and logsumexp, of everything (axis None) or over index 1 or 2. Over
        index 1 the result is a row (1 x n), over index 2 a column (m x 1): the reduced index
        keeps its place."""
        r, c = t.shape
        if name == "softmax":
            if self.is_scalar(t):
                raise self.clash(f"softmax needs a vector or a matrix, but {self.src(t)} is {self.show(t)}", t)
            return self.mk("softmax", (t, axis), t.shape, [s])  # (axis None: down the columns, as told)
        if axis is None and name != "logsumexp":
            return self.mk("sum_all" if name == "sum" else "mean_all", (t,), (self.unit, self.unit), [s])
        shape = (self.unit, c) if (axis or 1) == 1 else (r, self.unit)
        op = {"sum": "sum_axis", "mean": "mean_axis", "logsumexp": "logsumexp"}[name]
        return self.mk(op, (t, axis), shape, [s])

    def unvec_call(self, s: Syn) -> T:
        """unvec(v, m, n): a vector and the two dimensions of the matrix it becomes."""
        if len(s.b) != 3:
            raise ShapeError(f"unvec takes a vector and two dimensions, unvec(v, m, n), not {len(s.b)} arguments")
        v = self.one(s.b[0])
        r, c = (self.dim_arg(a, "unvec") for a in s.b[1:])
        self.unify(v.shape[1], self.unit, lambda: self.clash(
            f"unvec({self.src(v)}, ...) needs a vector, but {self.src(v)} is {self.show(v)}", v))
        self.unify(v.shape[0], self.prod_dim(r, c), lambda: self.clash(
            f"unvec({self.src(v)}, {r.show()}, {c.show()}) needs a vector of length {r.show()}*{c.show()}, "
            f"but {self.src(v)} is {self.show(v)}", v))
        return self.mk("unvec", (v, r, c), (r, c), [s])

    def dim_arg(self, a: Syn, name: str) -> DimVar:
        if a.kind == "name":
            return self.dim_named(a.a)
        if a.kind == "num" and a.a.denominator == 1 and a.a >= 1:
            return self.const(_dim_int(str(a.a), self.text))
        if _is_dim_call(a):  # dim(m), the size m (how the LaTeX reader passes a dimension m)
            return self.dim_arg(a.b[0], name)
        if a.kind == "product" and all(op == ("*" if i else "") and (f.kind in ("name", "num") or _is_dim_call(f))
                                       for i, (op, f) in enumerate(a.a)):
            # a product of dimensions, ones(m*n): as the LaTeX \mathbf{1}_{m \cdot n} is read
            dims = [self.dim_arg(f, name) for _, f in a.a]
            out = dims[0]
            for d in dims[1:]:
                out = self.prod_dim(out, d)
            return out
        raise ShapeError(f"{name}(...) takes dimensions (names, positive integers or their products m*n), not '{self.text[a.start:a.end]}'")

    def dim_call(self, s: Syn, name: str, args: Sequence[Syn]) -> T:
        dims = [self.dim_arg(a, name) for a in args]
        want = CALLS[name].arity
        if len(dims) not in want:
            raise ShapeError(f"{name} takes {' or '.join(map(str, want))} dimension arguments")
        if name in ("ones", "zeros"):
            shape = (dims[0], dims[1] if len(dims) == 2 else self.unit)
            return T(name, (), shape, s.start, s.end, dep=frozenset())
        if name == "dim":
            return self.mk("dimsize", (dims[0],), (self.unit, self.unit), [s])
        if name == "eye":
            return T("identity", (), (dims[0], dims[0]), s.start, s.end, dep=frozenset())
        return T("comm", tuple(dims), (self.prod_dim(dims[0], dims[1]),) * 2, s.start, s.end, dep=frozenset())

    def dim_named(self, name: str) -> DimVar:
        if name in self.rigid:
            return self.rigid[name]
        for v in list(self.vars.values()):
            for d in v.shape:
                r = d.find()
                if r.label == name:
                    return r
        return self.dim(name)

    def built_vars(self) -> tuple:
        """Every variable of the text as an Expr (also those that cancel: x - x): the one built
        for the tree where there is one (the same hash-consed node), else built here."""
        return tuple(t.built if t.built is not None else construct.build_var(self, t) for t in self.vars.values())


#: typed operations that make a scalar of vectors or matrices (x'Ax, ||A x||^2, <x, y>): a dividend
#: holding one is no coefficient in any reading
_FORMS = frozenset({"transpose", "norm", "inner", "matmul"})
#: a text that is one term (sigma^2, exp(s)), written before I without parentheses
_ONE_TERM = re.compile(r"[\w^.()]+")


def _diagonal_of(t: T):
    """The matrix M where t is diag(M) (the vector of its diagonal), alone or times scalars; else None."""
    stack = [t]
    while stack:
        n = stack.pop()
        if n.op == "diagpart":
            return n.args[0]
        if n.op in ("smul", "product", "neg", "paren"):
            stack.extend(_typed_children(n.args))
    return None


def _holds_form(ts: list) -> bool:
    """Do the typed trees hold a form (a transpose, a norm, an inner or matrix product)?"""
    stack = list(ts)
    while stack:
        t = stack.pop()
        if t.op in _FORMS:
            return True
        stack.extend(_typed_children(t.args))
    return False


#: the centered dots papers write between factors (read as products)
_DOTS = ("·", "⋅", "∙", "•", "\\cdot")
DIM_CALLS = calls_with(sizes=True)  # calls whose arguments are all sizes (ones, zeros, eye, comm, dim)
_AXIS_CALLS = calls_with(axis=True)  # (sum, mean, softmax, logsumexp)
#: calls that are trivial on a scalar (the scalar itself, or 1 for softmax)
_STRUCTURAL_CALLS = frozenset(calls_with(trivial_on_scalar=True))


def _greek_power(t: T) -> bool:
    """Does a scalar typed tree rest only on undeclared small Greek names, with a power of them in it
    (epsilon^2, 2 sigma^2: what no vector is)?"""
    names = _undeclared_in(t)
    if not names or not all(is_greek(n) and n[:1].islower() for n in names):
        return False
    stack = [t]
    while stack:
        n = stack.pop()
        if n.op == "pow":
            return True
        stack.extend(_typed_children(n.args))
    return False


def _declared_vars_in(t: T) -> bool:
    """Does a typed tree use a declared variable?"""
    stack = [t]
    while stack:
        n = stack.pop()
        if n.op == "var" and not n.soft:
            return True
        stack.extend(_typed_children(n.args))
    return False


def _is_number_syntax(e: Syn) -> bool:
    """Is syntax node e a number as typed (2, 0.5, -1, (1/2)): no name in it?"""
    stack = [e]
    while stack:
        n = stack.pop()
        if n.kind == "num":
            continue
        if n.kind in ("neg", "paren", "product", "sum", "post", "pow"):
            stack.extend(syn_children(n))
            continue
        return False
    return True


def _lone_name_among_numbers(t: T) -> str | None:
    """The one undeclared name of t where t is made of it and numbers only (N/2, (n - 1), 2 N^2: the
    look of a coefficient), else None."""
    names = set()
    stack = [t]
    while stack:
        n = stack.pop()
        if n.op == "var":
            if not n.soft:
                return None
            names.add(n.soft)
        elif n.op in ("div", "neg", "paren", "smul", "pow", "matpow", "sum", "product"):
            stack.extend(_typed_children(n.args))
        elif n.op != "num":
            return None
    return names.pop() if len(names) == 1 else None


def _undeclared_in(t: T) -> frozenset:
    """The undeclared names a typed tree uses (its `dep` leaves out those under always-scalar
    operations: tr(X) is a scalar whatever X is)."""
    out = set()
    stack = [t]
    while stack:
        n = stack.pop()
        if n.op == "var" and n.soft:
            out.add(n.soft)
        stack.extend(_typed_children(n.args))
    return frozenset(out)


def _as_operand(t: str) -> str:
    """t as one operand of a product in a message: a name, or a group or call whose first
    parenthesis closes at the end, as it is; anything else in parentheses."""
    if t.isidentifier():
        return t
    i = t.find("(")
    if t.endswith(")") and (i == 0 or t[:i].isidentifier()):
        depth = 0
        for j, ch in enumerate(t[i:], i):
            depth += (ch == "(") - (ch == ")")
            if depth == 0:
                return t if j == len(t) - 1 else f"({t})"
    return f"({t})"


def _looks_nonscalar(name: str) -> bool:
    """A Latin name (x a vector, A a matrix) or a capital Greek one (Sigma a matrix)."""
    return (not is_greek(name) or name[0].isupper()) and default_kind(name) != "scalar"


def _is_t(pf: Syn) -> bool:
    """Is this postfix a transpose written as a power (^T, ^-T, ^{T})?"""
    if pf.kind != "pow":
        return False
    e = pf.a.a if pf.a.kind == "paren" else pf.a
    if e.kind == "neg":
        e = e.a
    return e.kind == "name" and e.a[:1] == "T"


def _dim_int(text: str, source: str) -> int:
    if not text.strip("0"):  # (I_0: a vector of length 0 was read, and evaluate then asked for one)
        raise ShapeError("a dimension is at least 1, not 0")
    if len(text) > len(str(MAX_DIM)) or int(text) > MAX_DIM:
        raise ShapeError(f"the dimension {text[:20]}{'...' if len(text) > 20 else ''} is too large "
                         f"(at most {MAX_DIM:,})")
    return int(text)


def _is_dim_call(a: Syn) -> bool:
    return a.kind == "call" and a.a == "dim" and len(a.b) == 1 and a.b[0].kind in ("name", "num")


def _declare_scalar(names: list) -> str:
    """The advice that turns undeclared names into scalars: "if x stands for a number, declare it
    (where='x: scalar')" (one wording for every refusal of a scalar reading)."""
    what = "stands for a number, declare it" if len(names) == 1 else "stand for numbers, declare them"
    return f"if {' and '.join(names)} {what} (where='{', '.join(names)}: scalar')"
