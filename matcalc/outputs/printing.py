"""Printers: plain text that `parse` reads back, and LaTeX that KaTeX renders.

One visitor method per node type (`_print_Trace`, ...), as in SymPy's printers. Both
printers share the layout decisions (`Printer`): negative powers go under a fraction
bar, scalar factors come before the matrix chain, positive terms lead a sum, `x'x` to a
half power prints as a norm, and parentheses appear only where precedence needs them.
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from fractions import Fraction
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING

import re

from ..calculus.size import inverse_printed_transposed, power_folded, printed_transposed, root_power, written_as_rows_softmax
from ..calculus.simplify import expand
from ..calculus.size import size as tree_size
from ..core import build as B
from ..core import nodes
from ..core.functions import CALLS, FUNCTIONS
from ..core.reductions import refused_as_typed
from ..core.layout import (as_denominator, attention_like, entrywise_denominators, entrywise_divisor, folded_power, inner_pair, is_pi, mean_factors, merged_sums, samples_as_rows, self_inner, spd_built, traces_matrix_function,
                           transposes)
from ..core.errors import MatcalcError
from ..language.declarations import GREEK, declarations_of, parse_declarations
from ..language.reader import read
from ..core.nodes import (SERVICES, SCALAR, Add, Diag, DiagPart, DimSize, Expr, Func, Hadamard, Identity, Inverse,
                    LogDet, LogSumExp, MatPow, Mul, Num, Ones, Pow, Softmax, Sum, Trace, Transpose, Var, Zero)

if TYPE_CHECKING:
    from ..core.nodes import Dim, Shape

ADD, MUL, NEG, POW, ATOM = 1, 2, 2, 3, 4

#: the sizes that the text being printed may write bare (n, not dim(n)): those the declarations it is
#: read back with (a result's `where`) give to a variable's shape, and that no variable is called
#: (declarations.declared_sizes). The reader takes such a bare name as the size; anywhere else (no
#: such declarations known) a size is written dim(n), which reads as the size under any declarations.
_BARE_SIZES: ContextVar = ContextVar("bare_sizes", default=frozenset())


@contextmanager
def sizes_written_bare(sizes: frozenset) -> Iterator[None]:
    """While printing text that is read back under declarations that declare `sizes` (and no
    variable of their names), a size of them is written as its name: n, as textbooks write it."""
    token = _BARE_SIZES.set(sizes)
    try:
        yield
    finally:
        _BARE_SIZES.reset(token)


def _factors(d: str) -> list:
    """The factors of a product dimension 'm*n' (one factor for a plain name)."""
    return [int(f) if f.isdigit() else f for f in d.split("*")]


def _scalar_order(s: Expr) -> int:
    if isinstance(s, (Var, DimSize)):
        return 0
    if isinstance(s, (Add, Trace)):
        return 2
    if isinstance(s, Mul):
        return 3
    return 1


def is_broadcast(t: Expr) -> bool:
    """t = s * ones: a scalar broadcast into a vector or matrix sum."""
    if isinstance(t, Ones):
        return True
    if isinstance(t, Mul):
        c, s, ch = t.split()
        return len(ch) == 1 and isinstance(ch[0], Ones)
    return False


def _entrywise(t: Expr) -> bool:
    """Is the matrix term t (up to a scalar factor) an entrywise function, product or power, beside
    which a scalar reads as added to every entry (1 - tanh(X).^2)?"""
    if isinstance(t, Mul):
        _, _, ch = t.split()
        if len(ch) != 1:
            return False
        t = ch[0]
    return isinstance(t, (Func, Hadamard, Pow))


def broadcast_scalar(t: Expr) -> Expr:
    if isinstance(t, Ones):
        return B.ONE
    c, s, ch = t.split()
    return B.mul(B.num(c), *s)


def scientific_parts(v: Fraction) -> tuple[str, int] | None:
    """(mantissa, exponent) of |v| = mantissa x 10^exponent, where that is exact with a mantissa of at
    most four digits and shorter than v's own p/q (1e-8, 2.5e20, not 1/100000000 and
    250000000000000000000): how a person typed it, and how it reads back exactly. Else None."""
    p, q = abs(v.numerator), v.denominator
    plain = str(p) if q == 1 else f"{p}/{q}"
    if p == 0 or len(plain) <= 7:
        return None
    k = 0
    m = p
    if q != 1:
        t, a, b = q, 0, 0
        while t % 2 == 0:
            t, a = t // 2, a + 1
        while t % 5 == 0:
            t, b = t // 5, b + 1
        if t != 1:
            return None  # (not a finite decimal)
        e = max(a, b)
        m, k = p * 2 ** (e - a) * 5 ** (e - b), -e
    while m % 10 == 0:
        m, k = m // 10, k + 1
    digits = str(m)
    if len(digits) > 4:
        return None
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent = k + len(digits) - 1
    return (mantissa, exponent) if len(f"{mantissa}e{exponent}") < len(plain) else None


class Printer:
    """Shared layout; subclasses supply the surface syntax."""

    calls: dict = {}  # node type -> function name, for nodes printed as name(arg) (`_plain_calls`)
    indexed_softmax: frozenset = frozenset()  # ids of column softmaxes written with their index 1 (_print_Mul)

    known_dims: frozenset = frozenset()
    context_dims: frozenset = frozenset()  # sizes the question fixes (a result's shape): I goes bare there
    pi_taken = False  # a variable named pi is printed: the constant stays arccos(-1)

    def doprint(self, e: Expr) -> str:
        """Print e; an identity whose size no variable shows is printed with it (I_n)."""
        outer = self.known_dims
        if not outer:
            self.known_dims = (frozenset(d for n in e.walk() if isinstance(n, Var) for d in n.shape) | {None}
                               | self.context_dims)
            self.pi_taken = self.pi_taken or "pi" in e.free
        try:
            return self.p(e)[0]
        finally:
            self.known_dims = outer

    def p(self, e: Expr) -> tuple:
        """(text, precedence) of e."""
        if self.written_transposed(e):  # exp(x' A') as exp(A x)', B' X' + X' B' as (X B + B X)'
            return self._print_Transpose(Transpose._make((B.transpose(e),), e.shape))
        if type(e) is Diag:
            root = _diagonal_root(e)
            if root is not None:  # diag(sqrt(diag(D))) as D^(1/2), the way it is typed and read back
                d, k = root
                if "spd" in d.props:
                    return self.at(d, ATOM) + self.power_suffix(str(k), frac=True), POW
                # (of a diagonal D not declared spd, the entrywise power, which the constructors make the same
                # diagonal matrix: sqrt(D), D.^-1)
                if k == Fraction(1, 2):
                    return self.sqrt(d), ATOM
                return self.elementwise_power(d, str(k), frac=k.denominator != 1), POW
        name = self.calls.get(type(e))
        if name is not None:  # a plain function-call form
            if isinstance(e, Softmax) and id(e) in self.indexed_softmax or (
                    type(e) in (Softmax, LogSumExp) and samples_as_rows(e.arg)):  # (the reader asks for the index there)
                return self.call(name, e.arg, B.num(1))
            return self.call(name, e.arg)
        m = getattr(self, "_print_" + type(e).__name__)
        return m(e)

    def at(self, e: Expr, prec: int) -> str:
        s, q = self.p(e)
        return self.paren(s) if q < prec else s

    # ---- products: coefficient, means, numerator factors, chain, denominator
    def split_product(self, e: Expr) -> tuple[Fraction, tuple, list, list, list]:
        if isinstance(e, Mul):
            c, scal, chain = e.split()
        elif isinstance(e, Pow) and e.shape == SCALAR:
            c, scal, chain = Fraction(1), (e,), ()
        else:
            c, scal, chain = Fraction(1), (), (e,)
        means, scal = mean_factors(scal)  # sum(x) / dim(n) is mean(x) (size.py counts the same)
        num, den = [], []
        for s in scal:
            d = as_denominator(s)
            if d is not None:
                den.append(d)  # t^-2 is 1 / t^2, t^(-1 - a) is 1 / t^(1 + a)
            else:
                num.append(s)
        # textbook order: scalar names, then functions, then sums, then 1x1 products like x'y
        num.sort(key=_scalar_order)
        return c, means, num, list(chain), den

    def order_terms(self, terms: Sequence[Expr]) -> list:
        pos = [t for t in terms if B.split_coeff(t)[0] > 0]
        neg = [t for t in terms if B.split_coeff(t)[0] < 0]
        return pos + neg

    def _print_Add(self, e: Add):
        terms = list(e.args)
        if e.shape != SCALAR and not all(is_broadcast(t) for t in terms) and (
                e.shape[0] == 1 or e.shape[1] == 1 or all(_entrywise(t) for t in terms if not is_broadcast(t))):
            # `1 + A x` for ones + A x; a broadcast sum (a + b) ones keeps its ones(...): written
            # `(a + b) + A x` it would read back as two broadcast terms. Beside a matrix that is not
            # entrywise the ones stay: A + A' + 2 reads as 2 I to anyone but NumPy (A + A' + 2 ones(n, n)),
            # while 1 - tanh(X).^2 is the textbook's
            terms = [broadcast_scalar(t) if is_broadcast(t) and not isinstance(broadcast_scalar(t), Add) else t
                     for t in terms]
        if e.shape == SCALAR:
            terms = merged_sums(e)  # sum(u) - sum(v) as sum(u - v) (size.py counts the same)
            if len(terms) == 1:
                return self.p(terms[0])
        terms = self.order_terms(terms)
        out = []
        for i, t in enumerate(terms):
            c, rest = B.split_coeff(t)
            # a size added to every entry is written dim(n): n alone there reads as a vector named n
            self.size_spread = e.shape != SCALAR and isinstance(rest, DimSize)
            try:
                if c < 0:
                    body = self.at(B.scale(-c, rest), MUL)
                    out.append(("-" if i == 0 else " - ") + body)
                else:
                    out.append(("" if i == 0 else " + ") + self.at(t, MUL))
            finally:
                self.size_spread = False
        return "".join(out), ADD

    def _print_Mul(self, e: Expr):
        if isinstance(e, Mul) and power_folded(e):  # (x / delta).^2 for x.^2 / delta^2 (size.py decides)
            k, inner = folded_power(e)
            c = e.split()[0]
            sign = "-" if c < 0 else ""
            c = abs(c)
            power = self.elementwise_power(inner, str(k.numerator))
            if c == 1:
                return sign + power, MUL
            coef = str(c.numerator) if c.denominator == 1 else self.rational(c.numerator, c.denominator)
            return sign + self.juxt([coef, power]), MUL
        c, means, num, chain, den = self.split_product(e)
        sign = "-" if c < 0 else ""
        c = abs(c)
        p, q = c.numerator, c.denominator
        items = [self.call(self.mean_name, x)[0] for x in means]
        sci = self.scientific(c)
        if sci is not None:  # 1e-8 x, not x / 100000000: as typed, one factor
            items.insert(0, sci)
            p = q = 1
        items += [self.factor(s, len(items) + len(num) + len(chain) > 1
                              and not (i == len(num) - 1 and not chain and not den))
                  for i, s in enumerate(num)]
        for f, g in zip(chain, chain[1:]):  # softmax(Q K', 1) V: attention's form, read only with its index
            if isinstance(f, Softmax) and attention_like(f.arg) and g.shape[1] != 1:
                self.indexed_softmax = self.indexed_softmax | {id(f)}
        divisor = entrywise_divisor(chain) if self.reciprocal_as_division and not den and q == 1 \
            and (items or p != 1) else None
        if divisor is not None:  # mu ./ x, not mu (1 ./ x) (size.py counts the same)
            top = self.juxt(([str(p)] if p != 1 else []) + items)
            return sign + top + " ./ " + self.at(divisor, POW), MUL
        if q != 1 and p == 1 and not den and self.unit_fraction_as_divisor:
            nums, dens = entrywise_denominators(chain)
            if dens:  # a ./ (2 v), not (a ./ v) / 2 (size.py counts the same)
                top = items + ([" .* ".join(self.at(g, POW) for g in nums)] if nums else [] if items else ["1"])
                bottom = [self.paren(f"{q} {self.at(dens[0], POW)}")] + [self.at(d, POW) for d in dens[1:]]
                return sign + self.juxt(top) + "".join(" ./ " + b for b in bottom), MUL
        items += [self.chain_factor(f) for f in chain]
        if den:
            dens = ([str(q)] if q != 1 else []) + [self.at(d, POW) for d in den]
            top = self.juxt(([str(p)] if p != 1 or not items else []) + items)
            bottom = dens[0] if len(dens) == 1 else self.paren(self.juxt(dens))
            return sign + self.frac(top, bottom), MUL
        if q != 1:
            if p == 1 and items and self.unit_fraction_as_divisor:
                return sign + self.frac(self.juxt(items), str(q)), MUL  # (A + A') / 2
            coef = self.rational(p, q)
            return sign + (self.juxt([coef] + items) if items else coef), MUL
        if p != 1 or not items:
            items = [str(p)] + items
        return sign + self.juxt(items), MUL

    def _print_Pow(self, e: Pow):
        b, x = e.base, e.exp
        if not isinstance(x, Num) and as_denominator(e) is not None:
            return self._print_Mul(e)
        if isinstance(x, Num):
            v = x.value
            if v < 0 and e.shape == SCALAR:
                return self._print_Mul(e)
            si = self_inner(b, split_inverse=True) if v.denominator == 2 else None
            if si is not None:
                y, fro = si
                k = v.numerator
                return self.norm(y, fro) + ("" if k == 1 else self.power_suffix(str(k))), POW
            if v == Fraction(1, 2) and not spd_built(b):  # (S .^ (1/2) of an spd S: sqrt(S) reads as the matrix's)
                return self.sqrt(b), ATOM
            if v in (-1, Fraction(-1, 2)) and e.shape != SCALAR and self.reciprocal_as_division:
                # 1 ./ p, 1 ./ sqrt(x): shorter than p.^-1, x.^(-1/2) (size.py counts the same)
                return "1 ./ " + self.at(B.power(b, B.num(-v)), POW), MUL
            if v == Fraction(-1, 2) and e.shape != SCALAR:
                return self.elementwise_power(b, "-1/2"), POW
            sci = self.scientific(v)  # ((x'x)^1e400 printed its 401 digits)
            ex = ("-" if v < 0 else "") + sci if sci is not None else \
                str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"
            if e.shape == SCALAR:
                return self.base(b) + self.power_suffix(ex, v.denominator != 1), POW
            return self.elementwise_power(b, ex, v.denominator != 1), POW
        if e.shape == SCALAR:
            rp = root_power(e)
            if rp is not None:  # ||x||^(p - 2) for (x'x)^(p/2 - 1), sqrt(t)^a for t^(a/2) (size.py decides)
                root = self.norm(*rp[0]) if rp[0] is not None else self.sqrt(b)
                return root + self.power_suffix(self.exponent(rp[1])), POW
            return self.base(b) + self.power_suffix(self.exponent(x)), POW
        ex = self.exponent(x)
        return self.elementwise_power(b, ex), POW

    reciprocal_as_division = False
    unit_fraction_as_divisor = False
    mean_name = "mean"

    def exponent(self, x: Expr) -> str:
        """A non-numeric exponent: only a name goes bare (x^(x'x), x^n), a size written as its name
        too, but T (2^T would read as 2 transposed)."""
        bare = isinstance(x, Var) or (isinstance(x, DimSize) and x.args[0] in _BARE_SIZES.get() and x.args[0] != "T")
        return self.doprint(x) if bare else self.paren(self.doprint(x))

    def base(self, b: Expr) -> str:
        """A power's base: an atom, parenthesized otherwise (and a differential dX too)."""
        s = self.at(b, ATOM)
        if isinstance(b, Var) and s.startswith(r"\mathrm{d}"):
            return self.paren(s)
        return s

    def factor(self, s: Expr, crowded: bool) -> str:
        """A scalar factor inside a product."""
        if isinstance(s, Mul):
            si = self_inner(s)
            if si is not None and not isinstance(si[0], Var) and not (isinstance(si[0], Transpose)):
                return self.norm(*si) + self.power_suffix("2")
            return self.paren(self.p(s)[0]) if crowded else self.p(s)[0]
        return self.at(s, POW)

    def chain_factor(self, f: Expr) -> str:
        """A factor of a matrix product, bracketed unless it binds tighter than juxtaposition: a
        product or elementwise product is, except where it is written transposed, (p .* x)' y."""
        s, q = self.p(f)
        if q < POW or (isinstance(f, (Hadamard, Mul)) and q < ATOM and not self.written_transposed(f)):
            return self.paren(s)
        return s

    def written_transposed(self, f: Expr) -> bool:
        """Is f written as the transpose of its column form: a row whose column has fewer
        transposes ((p .* x)' y), a matrix whose transpose is shorter (the same rule as size.py)?"""
        r, c = f.shape
        if r == 1 and c != 1 and isinstance(f, (Func, Add, Hadamard, Pow)):
            return transposes(B.transpose(f)) < transposes(f)
        return r != 1 and c != 1 and isinstance(f, (Func, Add, Hadamard, Pow)) and printed_transposed(f)


class TextPrinter(Printer):
    """Plain text in matcalc's input language (round-trips through `parse`)."""

    reciprocal_as_division = True  # 1 ./ p for p.^-1 (LaTeX keeps p^{\circ -1}: one symbol, no \mathbf{1} \oslash)
    # (A + A') / 2 for 1/2 (A + A'), a token shorter (LaTeX keeps \frac{1}{2} in front, as typeset books do)
    unit_fraction_as_divisor = True

    def paren(self, s: str) -> str:
        return "(" + s + ")"

    def juxt(self, items: Iterable[str]) -> str:
        return " ".join(items)

    def frac(self, top: str, bottom: str) -> str:
        return f"{top} / {bottom}"

    def rational(self, p: int, q: int) -> str:
        return f"{p}/{q}"

    def power_suffix(self, ex: str, frac: bool = False) -> str:
        return "^(" + ex + ")" if frac else "^" + ex

    def elementwise_power(self, b: Expr, ex: str, frac: bool = False) -> str:
        return self.at(b, ATOM) + ".^" + ("(" + ex + ")" if frac or ex.startswith("-") and "/" in ex else ex)

    def sqrt(self, b: Expr) -> str:
        return "sqrt(" + self.doprint(b) + ")"

    norm_depth = 0

    def norm(self, y: Expr, fro: bool) -> str:
        """||y||; inside another norm in parentheses, since there a `||` after an operand
        closes the outer norm (`||a ||x|| + y||` would read as ||a|| ||x|| + y||)."""
        self.norm_depth += 1
        try:
            s = "||" + self.doprint(y) + "||" + ("_F" if fro else "")
        finally:
            self.norm_depth -= 1
        return self.paren(s) if self.norm_depth else s

    def call(self, name: str, *args: Expr) -> tuple[str, int]:
        return name + "(" + ", ".join(self.doprint(a) for a in args) + ")", ATOM

    def _print_Var(self, e):
        return e.name, ATOM

    def _print_Num(self, e):
        v = e.value
        sci = self.scientific(v)
        if sci is not None:
            return ("-" if v < 0 else "") + sci, (ATOM if v >= 0 else NEG)
        if v.denominator == 1:
            return str(v.numerator), (ATOM if v >= 0 else NEG)
        return f"{v.numerator}/{v.denominator}", MUL

    def scientific(self, v: Fraction) -> str | None:
        """|v| as 1e-8 or 2.5e20 where that is shorter and exact (scientific_parts), else None."""
        parts = scientific_parts(v)
        return None if parts is None else f"{parts[0]}e{parts[1]}"

    size_spread = False  # (set while a sum's term that is a size alone is printed)

    def _print_DimSize(self, e):
        n = e.args[0]
        return (n if n in _BARE_SIZES.get() and not self.size_spread else f"dim({n})"), ATOM

    plain_identity = False  # set when an identity was printed without its size

    def _print_Identity(self, e):
        n = e.args[0]
        if n in self.known_dims or (isinstance(n, str) and all(f in self.known_dims for f in _factors(n))):
            self.plain_identity = True
            return "I", ATOM
        if isinstance(n, str) and "*" in n:  # I of size m*n is kron(I_m, I_n)
            return self.kron_identity(_factors(n)), ATOM
        return (f"I_{n}" if str(n).isalnum() else f"I_{{{n}}}"), ATOM

    def kron_identity(self, factors: Sequence[Dim]) -> str:
        head = f"I_{factors[0]}"
        return head if len(factors) == 1 else f"kron({head}, {self.kron_identity(factors[1:])})"

    def _print_Zero(self, e):
        return self.filled("zeros", e.shape), ATOM

    def _print_Ones(self, e):
        return self.filled("ones", e.shape), ATOM

    def filled(self, name: str, shape: Shape) -> str:
        """zeros(r, c) or ones(r, c); a product size m*n as kron(ones(m), ones(n)), which reads back."""
        r, c = shape
        if "*" in str(r) or "*" in str(c):
            (r1, r2), (c1, c2) = (str(d).split("*", 1) if "*" in str(d) else (d, 1) for d in (r, c))
            return f"kron({self.filled(name, (r1, c1))}, {self.filled(name, (r2, c2))})"
        return f"{name}({r})" if c == 1 else f"{name}({r}, {c})"

    def _print_Comm(self, e):
        return f"comm({e.args[0]}, {e.args[1]})", ATOM

    def _print_Transpose(self, e):
        a = e.arg
        if isinstance(a, Softmax) and written_as_rows_softmax(e):  # each row's softmax, where shorter
            return "softmax(" + self.doprint(B.transpose(a.arg)) + ", 2)", ATOM
        return self.at(a, POW) + "'", POW

    def _print_Inverse(self, e):
        a = e.arg
        if isinstance(a, Transpose):  # X^-T
            return self.at(a.arg, ATOM) + "^-T", POW
        if self.written_transposed(a) or inverse_printed_transposed(e):  # (A + X)^-T, not ((A + X)')^-1
            return self.at(B.transpose(a), ATOM) + "^-T", POW
        return self.at(a, ATOM) + "^-1", POW

    def _print_MatPow(self, e):
        if isinstance(e.base, (Pow, MatPow)):  # a chained power is ambiguous: (C.^2)^2, never C.^2^2
            return self.paren(self.p(e.base)[0]) + "^" + str(e.k), POW
        return self.at(e.base, POW) + "^" + str(e.k), POW

    def _print_Hadamard(self, e):
        num, den = [], []
        for f in e.args:
            if isinstance(f, Pow) and isinstance(f.exp, Num) and f.exp.value < 0:
                den.append(B.power(f.base, B.num(-f.exp.value)))
            else:
                num.append(f)
        s = " .* ".join(self.at(f, POW) for f in num) if num else "1"
        for d in den:
            s += " ./ " + self.at(d, POW)
        return s, MUL

    def _print_Func(self, e):
        if is_pi(e) and not self.pi_taken:
            return "pi", ATOM
        return self.call(e.name, e.arg)

    def _print_Trace(self, e):
        si = self_inner(e)
        if si is not None and not isinstance(si[0], Var):
            return self.norm(*si) + "^2", POW
        pair = inner_pair(e)
        if pair is not None:
            return "<" + self.doprint(pair[0]) + ", " + self.doprint(pair[1]) + ">", ATOM
        if traces_matrix_function(e.arg):  # tr(log(X)) would read as the matrix logarithm's
            return self.calls[Sum] + self.paren(self.call(self.calls[DiagPart], e.arg)[0]), ATOM
        return self.call("tr", e.arg)








    def _print_Kron(self, e):
        return self.call("kron", *e.args)

    def _print_Unvec(self, e):
        return f"unvec({self.doprint(e.arg)}, {e.args[1]}, {e.args[2]})", ATOM



def _strip_parens(s: str) -> str:
    """s without one enclosing \\left( ... \\right) pair, when that pair encloses all of it."""
    if s.startswith(r"\left(") and s.endswith(r"\right)"):
        inner = s[len(r"\left("):-len(r"\right)")]
        depth = 0
        i = 0
        while i < len(inner):
            if inner.startswith(r"\left", i):
                depth += 1
                i += 5
            elif inner.startswith(r"\right", i):
                depth -= 1
                if depth < 0:
                    return s
                i += 6
            else:
                i += 1
        if depth == 0:
            return inner
    return s


def latex_dim(d: Dim) -> str:
    """A dimension in LaTeX: an integer, a name, or a product of names (m*n)."""
    if isinstance(d, int):
        return str(d)
    return r" \cdot ".join(latex_name(p) if not p.isdigit() else p for p in str(d).split("*"))


def latex_name(name: str) -> str:
    if "__" in name or name.endswith("_") or name.startswith("_"):
        return r"\mathit{" + name.replace("_", r"\_") + "}"
    base, sub = name, ""
    if "_" in name:
        base, sub = name.split("_", 1)
        sub = sub.strip("{}")
    else:
        i = len(name)
        while i > 0 and name[i - 1].isdigit():
            i -= 1
        if 0 < i < len(name):
            base, sub = name[:i], name[i:]
    if len(base) > 1 and base[0] == "d" and (base[1:] in GREEK or len(base) == 2):
        b = r"\mathrm{d}" + latex_name(base[1:])
    elif base in GREEK:
        b = "\\" + base
    elif len(base) == 1:
        b = base
    else:
        b = r"\mathit{" + base + "}"
    return b + ("_{" + _latex_subscript(sub) + "}" if sub else "")


def _latex_subscript(sub: str) -> str:
    """A name's subscript: a Greek letter as its symbol (theta_alpha), a word upright (x_max, theta_new:
    KaTeX sets letters in a subscript as a product of italic variables), indices and numbers as they
    are (x_i, W_hh, x_12)."""
    if sub in GREEK:
        return "\\" + sub
    if len(sub) >= 3 and sub.isascii() and sub.isalpha():
        return r"\mathrm{" + sub + "}"
    return sub  # (v_W1 stays v_{W1}: a subscript in a subscript does not read back)


class LatexPrinter(Printer):
    """LaTeX for KaTeX: \\operatorname{tr}, X^{-1}, X^{\\top}, \\langle x, y \\rangle, \\|x\\|_2, \\odot."""

    mean_name = r"\operatorname{mean}"

    def paren(self, s: str) -> str:
        return r"\left(" + s + r"\right)"

    def base(self, b: Expr) -> str:
        r"""As Printer.base; a power of logdet is parenthesized whole: \log\det(X)^{2} reads as
        log(det(X)^2), as log det(X)^2 does in the plain language."""
        if isinstance(b, LogDet):
            return self.paren(self.at(b, ATOM))
        return super().base(b)

    def juxt(self, items: Iterable[str]) -> str:
        out = ""
        for it in items:
            if out and (out[-1].isalnum() or out[-1] == "}") and (it[:1].isalnum()):
                out += " "
            elif out:
                out += " "
            out += it
        return out

    def frac(self, top: str, bottom: str) -> str:
        return r"\frac{" + _strip_parens(top) + "}{" + _strip_parens(bottom) + "}"

    def rational(self, p: int, q: int) -> str:
        return r"\frac{" + str(p) + "}{" + str(q) + "}"

    def power_suffix(self, ex: str, frac: bool = False) -> str:
        if frac and "/" in ex:
            n, d = ex.split("/")
            ex = n + "/" + d
        return "^{" + ex + "}"

    def elementwise_power(self, b: Expr, ex: str, frac: bool = False) -> str:
        return self.at(b, ATOM) + r"^{\circ " + ex + "}"

    def sqrt(self, b: Expr) -> str:
        return r"\sqrt{" + self.doprint(b) + "}"

    def exponent(self, x: Expr) -> str:
        return self.doprint(x)  # the braces of ^{...} group it

    def norm(self, y: Expr, fro: bool) -> str:
        return r"\left\|" + self.doprint(y) + r"\right\|_" + ("F" if fro else "2")

    def call(self, op: str, *args: Expr) -> tuple[str, int]:
        return op + self.paren(", ".join(self.doprint(a) for a in args)), ATOM

    def at(self, e: Expr, prec: int) -> str:
        s, q = self.p(e)
        if q < prec:
            return self.paren(s)
        return s

    def _print_Var(self, e):
        return latex_name(e.name), ATOM

    def _print_Num(self, e):
        v = e.value
        sci = self.scientific(v)
        if sci is not None:  # (a power of ten binds as a power, 2.5 \cdot 10^{20} as a product: parenthesized as a base)
            return ("-" if v < 0 else "") + sci, (NEG if v < 0 else POW if sci.startswith("10^") else MUL)
        if v.denominator == 1:
            return str(v.numerator), (ATOM if v >= 0 else NEG)
        sign = "-" if v < 0 else ""
        return sign + self.rational(abs(v.numerator), v.denominator), MUL

    def scientific(self, v: Fraction) -> str | None:
        """|v| as 10^{-8} or 2.5 \\cdot 10^{20} where that is shorter and exact (scientific_parts), else None;
        not past 10^{\\pm 300}, whose power the reader keeps unevaluated (it would not read back as the number)."""
        parts = scientific_parts(v)
        if parts is None or abs(parts[1]) > 300:
            return None
        power = f"10^{{{parts[1]}}}"
        return power if parts[0] == "1" else f"{parts[0]} \\cdot {power}"

    def _print_DimSize(self, e):
        """The dimension n as \\mathit{n}: it renders as n, and the LaTeX reads back as the
        dimension even where nothing else marks it as LaTeX (a bare `2 n t` is plain text)."""
        factors = latex_dim(e.args[0]).split(r" \cdot ")
        return r" \cdot ".join(re.sub(r"^([A-Za-z]+)", r"\\mathit{\1}", f) for f in factors), ATOM

    plain_identity = False  # set when an identity was printed without its size

    def _print_Identity(self, e):
        n = e.args[0]
        if n in self.known_dims:
            self.plain_identity = True
            return "I", ATOM
        return "I_{" + latex_dim(n) + "}", ATOM

    def _print_Zero(self, e):
        if e.shape == SCALAR:
            return "0", ATOM
        return r"\mathbf{0}" + self.size_subscript(e.shape), ATOM

    plain_ones = False  # set when a vector of ones was printed without its size
    no_plain_ones = False  # every vector of ones with its size (the bare form did not read back)

    def _print_Ones(self, e):
        """A vector of ones whose size a variable shows is written as the textbook does, \\mathbf{1}
        (Q \\mathbf{1}, b \\mathbf{1}^{\\top}); to_latex keeps that only where the LaTeX reads back
        with that size. Elsewhere with its size, \\mathbf{1}_{n} or \\mathbf{1}_{m \\times n}, as the
        text's ones(n)."""
        r, c = e.shape
        if self.no_plain_ones:
            pass
        elif c == 1 and r in self.known_dims and r is not None:
            self.plain_ones = True
            return r"\mathbf{1}", ATOM
        elif r == 1 and c in self.known_dims and c is not None:
            self.plain_ones = True
            return r"\mathbf{1}^{\top}", POW
        return r"\mathbf{1}" + self.size_subscript(e.shape), ATOM

    def size_subscript(self, shape: Shape) -> str:
        r, c = shape
        if c == 1:
            return "_{" + latex_dim(r) + "}"
        return "_{" + latex_dim(r) + r" \times " + latex_dim(c) + "}"

    def _print_Comm(self, e):
        """K_{m,n} upright: it reads back as LaTeX (a bare K_{m,n} is plain text, which writes comm(m, n)),
        and apart from a variable K, which prints italic."""
        return r"\mathrm{K}_{" + latex_dim(e.args[0]) + "," + latex_dim(e.args[1]) + "}", ATOM

    def sup(self, e: Expr, sup: str) -> str:
        """Attach a superscript, bracing a base that already has one (or is a differential dX)."""
        s, q = self.p(e)
        if q < ATOM or isinstance(e, (Transpose, Inverse, MatPow, Pow)) or s.startswith(r"\mathrm{d}"):
            s = self.paren(s)
        return s + "^{" + sup + "}"

    def _print_Transpose(self, e):
        return self.sup(e.arg, r"\top"), POW

    def _print_Inverse(self, e):
        a = e.arg
        if isinstance(a, Transpose):  # X^{-T}
            return self.sup(a.arg, r"-\top"), POW
        if self.written_transposed(a) or inverse_printed_transposed(e):  # (A + X)^{-T}
            return self.sup(B.transpose(a), r"-\top"), POW
        return self.sup(a, "-1"), POW

    def _print_MatPow(self, e):
        if isinstance(e.base, Transpose) and isinstance(e.base.arg, Var):
            return self.paren(self.sup(e.base.arg, str(e.k))) + r"^{\top}", POW
        return self.sup(e.base, str(e.k)), POW

    def _print_Hadamard(self, e):
        num, den = [], []
        for f in e.args:
            if isinstance(f, Pow) and isinstance(f.exp, Num) and f.exp.value < 0:
                den.append(B.power(f.base, B.num(-f.exp.value)))
            else:
                num.append(f)
        s = r" \odot ".join(self.at(f, POW) for f in num) if num else r"\mathbf{1}"
        for d in den:
            s += r" \oslash " + self.at(d, POW)
        return s, MUL

    def _print_Func(self, e):
        if is_pi(e) and not self.pi_taken:
            return r"\pi", ATOM
        if e.name == "abs" and 1 in e.arg.shape:  # |M| of a square matrix M would read as its determinant
            return r"\left|" + self.doprint(e.arg) + r"\right|", ATOM
        return self.call(FUNCTIONS[e.name].latex_name, e.arg)

    def _print_Trace(self, e):
        si = self_inner(e)
        if si is not None and not isinstance(si[0], Var):
            return self.norm(*si) + "^{2}", POW
        pair = inner_pair(e)
        if pair is not None:
            return r"\left\langle " + self.doprint(pair[0]) + ", " + self.doprint(pair[1]) + r" \right\rangle", ATOM
        if traces_matrix_function(e.arg):
            return self.calls[Sum] + self.paren(self.call(self.calls[DiagPart], e.arg)[0]), ATOM
        return self.call(r"\operatorname{tr}", e.arg)








    def _print_Kron(self, e):
        return self.at(e.args[0], POW) + r" \otimes " + self.at(e.args[1], POW), MUL

    def _print_Unvec(self, e):
        # the sizes as arguments, as the language writes them, so that the LaTeX reads back
        # (a subscript r x c after the name does not)
        dims = ", ".join(latex_dim(d) for d in e.args[1:])
        return r"\operatorname{unvec}" + self.paren(self.doprint(e.arg) + ", " + dims), ATOM




def _diagonal_root(e: Expr):
    """(D, p) where e is diag(diag(D).^p), a fractional power of a variable declared diagonal spd (which
    the reader reads D^p as), or a fractional or negative one of a variable declared diagonal (which
    the reader reads D.^p as, the constructors making it this node), else None."""
    v = e.args[0]
    if type(v) is Pow and isinstance(v.exp, Num) and type(v.base) is DiagPart:
        d, k = v.base.args[0], v.exp.value
        if type(d) is Var and "diagonal" in d.props and (k.denominator != 1 or k < 0 and "spd" not in d.props):
            return d, k
    return None


def _plain_calls(printer: type, spelling) -> dict:
    """The nodes a printer writes as a plain call, name(arg): the nodes the registry's calls build
    (`CallSpec.nodes`) for which the printer has no `_print_<Node>` method of its own (a trace may be
    a norm or an inner product, a Kronecker product is written A (x) B), each under its call's name
    as the printer spells it (det, \\det)."""
    return {getattr(nodes, cls): spelling(spec) for spec in CALLS.values() for cls, _made_by in spec.nodes
            if not hasattr(printer, "_print_" + cls)}


TextPrinter.calls = _plain_calls(TextPrinter, lambda spec: spec.name)
LatexPrinter.calls = _plain_calls(LatexPrinter, lambda spec: spec.latex_name)


def to_text(e: Expr) -> str:
    """Text that `parse` reads back to e. A plain `I` is kept only where the text fixes its size
    (in `det(D) I` nothing does, although D is n x n): that is checked by reading it back."""
    printer = TextPrinter()  # one per call: a printer keeps state while it prints (thread safety)
    s = printer.doprint(e)
    if printer.plain_identity and not _identities_sized_by(s, e):
        printer = TextPrinter()
        printer.known_dims = frozenset({None})  # every identity with its size
        s = printer.doprint(e)
    return s


def draft_text(e: Expr, shape_known: bool = False) -> str:
    """The text without the read-back check of identities (for measuring sizes)."""
    printer = TextPrinter()
    if shape_known:
        printer.context_dims = frozenset(e.shape)
    return printer.doprint(e)


def _dims_of(e: Expr) -> set:
    return {d for n in e.walk() for d in n.shape}


def _identities_sized_by(text: str, e: Expr, shape_known: bool = False) -> bool:
    """Does `text` (printed from e) read back without a dimension e does not have? With
    `shape_known`, a size the text leaves open is the one e's shape gives it (the question's)."""
    dims = _dims_of(e)
    # every dimension of e is declared (by placeholders that do not occur in the text), so that
    # a size the text leaves open reads back as a fresh dimension, never as one of e's
    reserve = "".join(f"; Dimq{i}: vector({d})" for i, d in enumerate(sorted(x for x in dims if isinstance(x, str))))
    try:
        back = read(text, parse_declarations(declarations_of(e) + reserve))[0]
    except MatcalcError:
        return False
    got = _dims_of(back)
    if shape_known and len(back.shape) == len(e.shape):
        given = {b: a for b, a in zip(back.shape, e.shape) if b not in dims}
        got = {given.get(d, d) for d in got}
    return back is e or got <= dims


def to_latex(e: Expr, shape_known: bool = False) -> str:
    """LaTeX of e; a plain I only where the text's plain I reads back with its size (as in to_text),
    so that the LaTeX reads back too (`2 tr(Y) I_{n}`).

    `shape_known`: e is an answer displayed beside its question, which fixes its shape (the
    Hessian of x'x by x is n x n): an identity of that size is written `I` (2 I, not 2 I_{n}) and
    a zero answer `0`, as a textbook writes them. The plain text keeps the sizes (it must read
    back on its own, `str(result)`)."""
    if shape_known and isinstance(e, Zero):
        return "0"
    printer = LatexPrinter()
    if shape_known:
        printer.context_dims = frozenset(e.shape)
    s = printer.doprint(e)
    if printer.plain_ones and not _identities_sized_by(s, e, shape_known):
        printer = LatexPrinter()  # (a bare vector of ones reads back from the LaTeX itself)
        printer.no_plain_ones = True
        if shape_known:
            printer.context_dims = frozenset(e.shape)
        s = printer.doprint(e)
    if printer.plain_identity and not _identities_sized_by(draft_text(e, shape_known), e, shape_known):
        printer = LatexPrinter()
        printer.known_dims = frozenset({None})
        s = printer.doprint(e)
    return s


_TOKEN = re.compile(r"[A-Za-z_][A-Za-z_0-9]*|\d+\.?\d*|\.\*|\./|\|\||[-+*/^'(),<>|.]")

_BIND_NAMES = {"scalar": "stcakmr", "vector": "pquvwzyr", "matrix": "PQMNRST"}


def _occurrences(roots: list, norms_once: bool = False) -> dict:
    """How often each node appears in the trees the roots print as (a DAG counts its sharing).

    `norms_once`: y'y (and tr(Y'Y)) counts y once and not y'y itself, as ||y||^2 prints it: naming
    x - m inside a definition wrote exp(-||x - m||^2 / 2) as exp(-p' p / 2)."""
    order, seen = [], set()
    for r in roots:
        for n in r.walk():
            if id(n) not in seen:
                seen.add(id(n))
                order.append(n)
    occ: dict = {}
    for r in roots:
        occ[id(r)] = occ.get(id(r), 0) + 1
    inside = {id(n) for n in order} if norms_once else ()
    for node in reversed(order):
        k = occ.get(id(node), 0)
        children = node.children
        if norms_once and type(node) in (Mul, Trace):
            y = self_inner(node)
            if y is not None and id(y[0]) in inside:
                children = (y[0],)
        for c in children:
            occ[id(c)] = occ.get(id(c), 0) + k
    return {n: occ.get(id(n), 0) for n in order}


def _bind_name(kind: str, taken) -> str:
    """A name for a part of this kind: its usual letters first, then any other letter of its case that
    is free, then one numbered (Z_1, Z_2, ...) of a letter nothing else is named by."""
    spare = "ZYXWVUHGFEDCBAKLJO" if kind == "matrix" else "zyxwvhgfedbjo"
    name = next((c for c in _BIND_NAMES[kind] + spare if c not in taken), None)
    if name is None:
        first = spare[0]
        name = next(f"{first}_{i}" for i in range(1, 10_000) if f"{first}_{i}" not in taken)
    return name


def _bind_var(name: str, node: Expr) -> Expr:
    kind = "scalar" if node.shape == SCALAR else "vector" if node.shape[1] == 1 else "matrix"
    return B.var(name, node.shape, ("symmetric",) if B.is_symmetric(node) and kind == "matrix" else ())


def common_subexpressions(e: Expr | Sequence[Expr], limit: int = 16, taken: Iterable[str] = (),
                          given: Iterable[tuple[str, Expr]] = (), scalars_in_definitions: bool = False) -> tuple:
    """(body, [(name, definition)]): repeated subexpressions named, when that shortens the text.

    `e` may be one expression or a list of them (named jointly; the bodies come back as a list).
    `given`: names already in use for some subexpressions (another line of the same answer):
    those keep their name and meaning here, and no new name repeats one of them.
    A subexpression and its transpose count as one (R and R' are both written with the name R).
    A vector or matrix repeated inside the definitions made so far counts too, so that the terms
    backpropagation shares are named once: a two-step RNN's gradient names each hidden state
    (q = tanh(U x1 + W h0), u = tanh(U x2 + W q)), where only the outer term was named and the
    hidden state was written out three times in its definition. A scalar inside the definitions
    counts only with `scalars_in_definitions` (the several-variable results): in one answer, names
    for x'x, 1 / sigma^2 or p / 2 made the text shorter and the formula harder to read (sqrt(t)^p
    for ||x||^p, exp(-t ||x - m||^2 / 2) for exp(-||x - m||^2 / (2 sigma^2))).
    """
    # greedy naming takes the largest saving first; where two subexpressions save as much, the one
    # taken decides what the later rounds see, so both ways are run and the shorter kept (the first,
    # the older way, where they tie): sigmoid(W x) named rather than the W x inside it
    first, tied = _named_greedily(e, limit, taken, given, scalars_in_definitions, larger_on_ties=False)
    if not tied:  # (no round had a larger candidate saving as much: the other way is the same)
        return first
    second, _ = _named_greedily(e, limit, taken, given, scalars_in_definitions, larger_on_ties=True)
    if second[1] != first[1] and named_size(second) < named_size(first):
        return second
    return first


def named_size(named: tuple) -> int:
    """The tokens of bodies and definitions (tree_size), each definition with its name and '='."""
    bodies, binds = named
    bodies = bodies if isinstance(bodies, list) else [bodies]
    return sum(tree_size(b) for b in bodies) + sum(tree_size(d) + 2 for _, d in binds)


def _named_greedily(e, limit: int, taken, given, scalars_in_definitions: bool, larger_on_ties: bool) -> tuple:
    """((bodies, binds), tied): tied when some round passed over a larger candidate that saves as
    much as the one it took (so that taking the larger could end differently)."""
    tied = False
    bodies = list(e) if isinstance(e, (list, tuple)) else [e]
    taken = set().union(*(b.free for b in bodies)) | set(taken) | {n for n, _ in given}
    binds = []
    for name, node in given:
        v = _bind_var(name, node)
        swap = {node: v, B.transpose(node): B.transpose(v)}
        new = [B.transform(b, lambda n, swap=swap: swap.get(n, n)) for b in bodies]
        if any(a is not b for a, b in zip(new, bodies)):
            bodies = new
            binds = [(nm, B.transform(d, lambda n, swap=swap: swap.get(n, n))) for nm, d in binds]
            binds.append((name, node))
    for node in refused_as_typed_all(bodies):  # named always: written out, the reader refuses them
        kind = "scalar" if node.shape == SCALAR else "vector" if node.shape[1] == 1 else "matrix"
        name = _bind_name(kind, taken)
        if name is None:
            break
        taken.add(name)
        v = _bind_var(name, node)
        swap = {node: v, B.transpose(node): B.transpose(v)}
        bodies = [B.transform(b, lambda n, swap=swap: swap.get(n, n)) for b in bodies]
        binds = [(nm, B.transform(d, lambda n, swap=swap: swap.get(n, n))) for nm, d in binds]
        binds.append((name, node))
    for _ in range(limit):
        best = None
        if scalars_in_definitions or not binds:
            occurrences = _occurrences(bodies + [d for _, d in binds])
        else:  # (a scalar counts where the bodies write it; an array inside a definition, where it prints)
            occurrences = _occurrences(bodies)
            for n, k in _occurrences([d for _, d in binds], norms_once=True).items():
                if n.shape != SCALAR and k:
                    occurrences[n] = occurrences.get(n, 0) + k
        for node, k in occurrences.items():
            if any(node is b for b in bodies) or isinstance(node, (Var, Num, Identity, Ones, Zero)) \
                    or not node.children:
                continue
            if isinstance(node, Transpose) and isinstance(node.arg, Var):
                continue
            if is_broadcast(node) or (not node.free and node.shape == SCALAR):
                # s ones(n): a sum writes it as s alone (x - mean(x)), so its standalone size
                # overstates what a name saves (naming it left p = -mean(x) ones(n), q = p + x);
                # a number of sizes (1 / dim(n)) is part of what it stands in (sum(x) / dim(n)
                # is mean(x): naming it wrote s sum(x))
                continue
            # a transposed occurrence counts too: R and R' are both written with the name R
            t = B.transpose(node)  # (not for X^-1 and X^-T: each is as short as a name's transpose)
            kt = occurrences.get(t, 0) if t is not node and not isinstance(node, (Inverse, MatPow, Transpose)) else 0
            if kt and tree_size(t) < tree_size(node):
                continue  # (name the one of the pair with the shorter definition)
            # so does a negated sum: Y - W2 P is written -R where R = W2 P - Y
            ng = _negated_sum(node)
            kn = occurrences.get(ng, 0) if ng is not node else 0
            if kn and (kn, -tree_size(ng), ng.key) > (k, -tree_size(node), node.key):
                continue  # (name the one the answer uses more often, else the shorter, else either, once)
            if k + kt + kn < 2:
                continue
            size = tree_size(node)
            saving = k * size + kt * tree_size(t) + kn * tree_size(ng) - (k + 2 * kt + 2 * kn) - size - 2
            # (larger_on_ties: of two that save as much, the larger; their transposed copies
            # sigmoid(W x)' and x' W' are measured alone, where x' W' is longer than inside sigmoid)
            larger_tie = best is not None and saving == best[0] and size > tree_size(best[1])
            tied = tied or (saving > 0 and larger_tie)
            if saving > 0 and (best is None or saving > best[0] or (larger_on_ties and larger_tie)):
                best = (saving, node)
        if best is None:
            break
        node = best[1]
        kind = "scalar" if node.shape == SCALAR else "vector" if node.shape[1] == 1 else "matrix"
        name = _bind_name(kind, taken)
        if name is None:
            break
        taken.add(name)
        v = B.var(name, node.shape, ("symmetric",) if B.is_symmetric(node) and kind == "matrix" else ())
        swap = {node: v, B.transpose(node): B.transpose(v)}
        if isinstance(node, Add):
            swap[_negated_sum(node)] = B.neg(v)
        bodies = [B.transform(b, lambda n, swap=swap: swap.get(n, n)) for b in bodies]
        binds = [(nm, B.transform(d, lambda n, swap=swap: swap.get(n, n))) for nm, d in binds]
        if isinstance(node, Add):
            bodies = [_collect_named_sum(b, node, v) for b in bodies]
        binds.append((name, node))
    return ((bodies if isinstance(e, (list, tuple)) else bodies[0]), binds), tied


def refused_as_typed_all(bodies: list) -> list:
    """core.reductions.refused_as_typed over several bodies, each node once, in a fixed order."""
    seen, out = set(), []
    for b in bodies:
        for n in refused_as_typed(b):
            if id(n) not in seen:
                seen.add(id(n))
                out.append(n)
    return sorted(out, key=lambda n: n.key)


def _collect_named_sum(body: Expr, m: Expr, v: Expr) -> Expr:
    """Sums in `body` that hold M F (or F M) multiplied out, written with M's name v.

    One gradient of a several-variable answer may come simplified with a named sum
    multiplied out: with M = W2 P + b2 ones(1, N) - Y, the gradient wrt b2 is
    dim(N) b2 + (W2 P - Y) ones(N), which is M ones(N). A sum whose expanded terms include
    every term of c M F (F read off a term that starts with one of M's terms) becomes
    c v F plus the terms left over, where that is shorter. The terms are compared as nodes
    (hash-consed canonical forms), so the rewrite is an identity, never a guess.
    """
    if not any(isinstance(n, Add) for n in body.walk()):
        return body

    def collect(n: Expr) -> Expr:
        if not isinstance(n, Add) or n is m:
            return n
        flat = expand(n)
        terms = list(flat.args) if isinstance(flat, Add) else [flat]
        have = set(terms)
        for t in terms:
            c, rest = B.split_coeff(t)
            chain = rest.split()[2] if isinstance(rest, Mul) and rest.split()[0] == 1 and not rest.split()[1] else (rest,)
            for mt in m.args:
                mc, mrest = B.split_coeff(mt)
                mchain = mrest.split()[2] if isinstance(mrest, Mul) and not mrest.split()[1] else (mrest,)
                k = len(mchain)
                for side in ("right", "left"):
                    if len(chain) <= k:
                        continue
                    if side == "right" and tuple(chain[:k]) == tuple(mchain):
                        f = B.mul(*chain[k:])
                        cand = B.mul(B.num(c / mc), m, f)
                    elif side == "left" and tuple(chain[-k:]) == tuple(mchain):
                        f = B.mul(*chain[:-k])
                        cand = B.mul(B.num(c / mc), f, m)
                    else:
                        continue
                    made = expand(cand)
                    made_terms = list(made.args) if isinstance(made, Add) else [made]
                    if not set(made_terms) <= have:
                        continue
                    named = B.mul(B.num(c / mc), v, f) if side == "right" else B.mul(B.num(c / mc), f, v)
                    out = B.add(named, *[u for u in terms if u not in set(made_terms)])
                    if tree_size(out) < tree_size(n):
                        return out
        return n
    return B.transform(body, collect)


def _negated_sum(node: Expr) -> Expr:
    """A sum with every term negated (Y - W2 P for W2 P - Y), the node itself for anything else."""
    return B.add(*[B.neg(t) for t in node.args]) if isinstance(node, Add) else node


def _ordered(binds):
    """Definitions before their uses."""
    out, names = [], {n for n, _ in binds}
    pending = list(binds)
    while pending:
        for i, (n, d) in enumerate(pending):
            if not (d.free & (names - {m for m, _ in out})):
                out.append((n, d))
                pending.pop(i)
                break
        else:  # pragma: no cover - bindings never form a cycle
            out.extend(pending)
            break
    return out


def to_text_compact(e: Expr, taken: Iterable[str] = ()) -> str:
    """Text with repeated subexpressions named (`... where p = softmax(A x + b)`), if shorter.

    `taken`: names the reader will have declared (the function's variables), never reused.
    """
    named = _named_form(e, taken)
    return named[2] if named is not None else to_text(e)


def _named_form(e: Expr, taken=()):
    """(body, binds, text) of e with its repeated subexpressions named, where that reads shorter than
    e written out; else None. Where e written out is far longer than the named form (the Hessian of a
    30-layer network: 870,000 characters, 17 s to print), it is not printed to be compared."""
    body, binds = common_subexpressions(e, taken=taken)
    if not binds:
        return None
    text = to_text(body) + " where " + ", ".join(f"{n} = {to_text(d)}" for n, d in _ordered(binds))

    def size(t):
        return len([x for x in _TOKEN.findall(t) if x not in "(),"])
    named = size(text)
    if tree_size(e) > 4 * named + 100 or named < size(to_text(e)) or refused_as_typed(e):
        return body, binds, text  # (a part the reader refuses written out is named however long)
    return None


def to_latex_compact(e: Expr, taken: Iterable[str] = (), shape_known: bool = False) -> str:
    named = _named_form(e, taken)
    if named is None:
        return to_latex(e, shape_known)
    body, binds, _ = named
    defs = ", ".join(f"{latex_name(n)} = {to_latex(d)}" for n, d in _ordered(binds))
    return to_latex(body, shape_known) + r",\quad \text{where } " + defs


SERVICES.update(text=to_text, latex=to_latex)  # str(node) and node.latex()


def compact_binds(e: Expr, taken: Iterable[str] = ()) -> list:
    """The (name, definition) pairs `to_text_compact` writes for e (none when it prints e plainly)."""
    named = _named_form(e, taken)
    return named[1] if named is not None else []
