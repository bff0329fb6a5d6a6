"""Printing a derivation: each line as text and LaTeX, the whole record as one `aligned` block.

A line is a display tree of `calculus.steps` (engine expressions, pending differentials and
written operations); its engine expressions print exactly as everywhere else (`printing.py`'s
printers, precedence table included), the written operations around them in the order the
derivation wrote them, with parentheses where precedence needs them.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..calculus.steps import Leaf, Op, Pending, RawStep
from ..core import build as B
from ..core.budget import check_clock
from ..core.functions import CALLS
from ..core.layout import attention_like, self_inner
from ..core.nodes import SCALAR, Det, Hadamard, LogDet, Mul, Softmax, Trace, Var, Zero
from .printing import ADD, ATOM, MUL, POW, LatexPrinter, TextPrinter

if TYPE_CHECKING:
    from ..calculus.steps import Node

LHS_TEXT = {"df": "df", "d2f": "d2f", "dF": "dF"}
LHS_LATEX = {"df": r"\mathrm{d}f", "d2f": r"\mathrm{d}^{2}f", "dF": r"\mathrm{d}F"}

#: The LaTeX annotation of each rule: its name in \text{...}, then the identity it applies.
RULE_LATEX = {
    "differential": r"\text{take the differential}",
    "linearity": r"\text{linearity}",
    "constant": r"\text{constant } \mathrm{d}A = 0",
    "product rule": r"\text{product rule } \mathrm{d}(XY) = \mathrm{d}X\,Y + X\,\mathrm{d}Y",
    "product and inverse rules": r"\text{product and inverse rules}",
    "inner-product rule": r"\text{inner-product rule } \mathrm{d}\langle A, B\rangle = "
                          r"\langle \mathrm{d}A, B\rangle + \langle A, \mathrm{d}B\rangle",
    "norm rule": r"\text{norm rule } \mathrm{d}\|Y\|^{2} = 2\langle Y, \mathrm{d}Y\rangle",
    "power rule": r"\text{power rule } \mathrm{d}(u^{c}) = c\,u^{c-1}\,\mathrm{d}u",
    "chain rule": r"\text{chain rule } \mathrm{d}f(u) = f'(u)\,\mathrm{d}u",
    "elementwise chain rule": r"\text{chain rule, elementwise } \mathrm{d}f(U) = f'(U) \odot \mathrm{d}U",
    "inverse rule": r"\text{inverse rule } \mathrm{d}(X^{-1}) = -X^{-1}\,\mathrm{d}X\,X^{-1}",
    "d det": r"\text{determinant rule } \mathrm{d}\det X = \det X \operatorname{tr}(X^{-1}\mathrm{d}X)",
    "d log det": r"\text{log-determinant rule } \mathrm{d}\log\det X = \operatorname{tr}(X^{-1}\mathrm{d}X)",
    "d tr": r"\text{trace rule } \mathrm{d}\operatorname{tr} X = \operatorname{tr} \mathrm{d}X",
    "d softmax": r"\text{softmax rule } \mathrm{d}p = (\operatorname{diag}(p) - p p^{\top})\,\mathrm{d}u",
    "expand": r"\text{expand (linearity)}",
    "cyclic trace": r"\text{cyclic trace } \operatorname{tr}(ABC) = \operatorname{tr}(CAB)",
    "trace of a transpose": r"\text{trace of a transpose } \operatorname{tr}(A\,\mathrm{d}X^{\top}) = "
                            r"\operatorname{tr}(A^{\top}\mathrm{d}X)",
    "tr(A'B) = <A, B>": r"\text{inner product } \operatorname{tr}(A^{\top}B) = \langle A, B\rangle",
    "transpose of a scalar": r"\text{transpose of a scalar } a^{\top} = a",
    "a'dx = <a, dx>": r"\text{inner product } a^{\top}\mathrm{d}x = \langle a, \mathrm{d}x\rangle",
    "sum(A .* B) = <A, B>": r"\text{inner product } \operatorname{sum}(A \odot B) = \langle A, B\rangle",
    "adjoint": r"\text{move } \mathrm{d}X \text{ out } \langle A, P\,\mathrm{d}X\,Q\rangle = "
               r"\langle P^{\top} A Q^{\top}, \mathrm{d}X\rangle",
    "collect terms": r"\text{collect terms}",
    "read off G": r"\text{read off } G \text{ from } \mathrm{d}f = \langle G, \mathrm{d}X\rangle",
    "sym(G)": r"\text{symmetric } X\text{: } \operatorname{sym}(G) = \tfrac{1}{2}(G + G^{\top})",
    "diagonal part": r"\text{diagonal } X\text{: } I \odot G",
    "differentiate again, dX fixed": r"\text{differentiate again, } \mathrm{d}X \text{ fixed}",
    "read off H[V]": r"\text{read off } H[V] \text{ from } \mathrm{d}^{2}f = \langle H[V], \mathrm{d}X\rangle",
    "read off H": r"\text{read off } H \text{ from } \mathrm{d}^{2}f = \mathrm{d}x^{\top} H\,\mathrm{d}x",
    "read off J": r"\text{read off } J \text{ from } \mathrm{d}F = J\,\mathrm{d}x",
    "sym(H[V])": r"\text{symmetric } X\text{: } \operatorname{sym}(H[V])",
    "X' = X": r"\text{symmetric } X\text{: } X^{\top} = X",
}


#: Short titles, for a line that several rules share ("a; b": nothing visible changed in between).
RULE_TITLES = {"differential": "take the differential", "tr(A'B) = <A, B>": "trace as inner product",
               "a'dx = <a, dx>": "inner product", "sum(A .* B) = <A, B>": "inner product",
               "adjoint": "move dX out", "differentiate again, dX fixed": "differentiate again",
               "d det": "determinant rule", "d log det": "log-determinant rule", "d tr": "trace rule",
               "d softmax": "softmax rule", "sym(G)": "symmetric part", "sym(H[V])": "symmetric part"}


def rule_latex(rule: str) -> str:
    """The annotation of a rule: its name in \\text{...} and the identity it applies; a line that
    several rules share names them all."""
    names = rule.split("; ")
    if len(names) == 1:
        return RULE_LATEX.get(rule, r"\text{" + _text_safe(rule) + "}")
    return r"\text{" + "; ".join(_text_safe(RULE_TITLES.get(r, r)) for r in names) + "}"


def _text_safe(s: str) -> str:
    return "".join(c if c.isalnum() or c in " -,.:()[]" else " " for c in s)


class _LinePrinter:
    """Prints one display tree with one engine printer (sizes of I shown once per line)."""

    def __init__(self, latex: bool, node):
        self.latex = latex
        self.printer = LatexPrinter() if latex else TextPrinter()
        self.printer.known_dims = frozenset(d for n in _leaves(node) for v in n.walk() if isinstance(v, Var)
                                            for d in v.shape) | {None}

    def paren(self, s: str) -> str:
        return self.printer.paren(s)

    def p(self, node) -> tuple:
        """(text, precedence)."""
        if isinstance(node, Leaf):
            if isinstance(node.expr, Zero):
                return "0", ATOM  # a zero matrix is 0 in a derivation, its size plain from the line
            return self.printer.p(node.expr)
        if isinstance(node, Pending):
            s, q = self._pending_body(node.expr)
            d = r"\mathrm{d}" if self.latex else "d"
            if isinstance(node.expr, (Trace, Det, LogDet)) and q == ATOM and s.endswith(")"):
                return d + (r"\," if self.latex else " ") + s, ATOM
            return d + self.paren(s), ATOM
        return getattr(self, "_" + node.kind)(node)

    def _pending_body(self, e) -> tuple:
        """What d(...) applies to; y'y of a vector expression y written ||y||^2, as in the input."""
        si = self_inner(e) if isinstance(e, Mul) else None
        if si is not None and not isinstance(si[0], Var):
            return self.printer.norm(si[0], False) + ("^{2}" if self.latex else "^2"), POW
        return self.printer.p(e)

    def at(self, node, prec: int) -> str:
        s, q = self.p(node)
        return self.paren(s) if q < prec else s

    def _add(self, node):
        out = []
        for i, t in enumerate(node.args):
            if isinstance(t, Op) and t.kind == "neg":
                out.append(("-" if i == 0 else " - ") + self._factor(t.args[0], first=True))
            else:
                s = self.at(t, ADD)
                out.append(s if i == 0 else (" - " + s[1:] if s.startswith("-") else " + " + s))
        return "".join(out), ADD

    def _neg(self, node):
        return "-" + self._factor(node.args[0], first=True), MUL

    def _factor(self, node, first: bool, last: bool = True) -> str:
        """A factor of a product: parenthesised if it is a sum, signed, elementwise, or a fraction (a
        first one too where more factors follow in the text: -2 / s^3 ds reads as a denominator s^3 ds)."""
        s, q = self.p(node)
        if q < MUL:
            return self.paren(s)
        fraction = "/" in s if not self.latex else (not first and r"\frac" in s)
        if q == MUL and (s.startswith("-") or _is_hadamard(node) or (fraction and (not first or not last))):
            return self.paren(s)
        return s

    def _mul(self, node):
        args = node.args
        q = _unit_fraction(args[0]) if len(args) > 1 and self.printer.unit_fraction_as_divisor else None
        if q is not None:  # d(x' A x) / 2 and ||x|| d(x' x) / 2, as the text printer writes 1/2 x' A x
            rest = B.scale(q, args[0].expr)
            args = args[1:] if rest is B.ONE else (Leaf(rest),) + tuple(args[1:])
        for a in args:  # softmax(Q K' / s) beside other factors: written with its index, as the reader asks
            if isinstance(a, Leaf) and isinstance(a.expr, Softmax) and attention_like(a.expr.arg):
                self.printer.indexed_softmax = self.printer.indexed_softmax | {id(a.expr)}
        items = [self._factor(a, first=(i == 0), last=(i == len(args) - 1)) for i, a in enumerate(args)]
        return " ".join(items) + (f" / {q}" if q is not None else ""), MUL

    def _had(self, node):
        op = r" \odot " if self.latex else " .* "
        return op.join(self.at(a, POW) for a in node.args), MUL

    def _kron(self, node):
        if self.latex:  # (bracketed inside a product, as a sum is: x' (dy (x) z), not x' dy (x) z)
            return r" \otimes ".join(self.at(a, POW) for a in node.args), ADD
        return "kron(" + ", ".join(self.p(a)[0] for a in node.args) + ")", ATOM  # (the language's own call)

    def _T(self, node):
        a = node.args[0]
        if isinstance(a, Leaf):
            return self.printer.p(B.transpose(a.expr))
        s, q = self.p(a)
        if q < ATOM or self.latex and s.startswith(r"\mathrm{d}"):
            s = self.paren(s)
        return s + (r"^{\top}" if self.latex else "'"), POW

    def _call(self, name: str, node):
        """node written as the registered call `name` (its LaTeX name from the registry)."""
        inner = self.p(node.args[0])[0]
        if self.latex:
            return CALLS[name].latex_name + self.paren(inner), ATOM
        return name + "(" + inner + ")", ATOM

    def _tr(self, node):
        return self._call("tr", node)

    def _sum(self, node):
        return self._call("sum", node)

    def _diag(self, node):
        return self._call("diag", node)

    def _diagpart(self, node):
        return self._call("diag", node)

    def _vec(self, node):
        return self._call("vec", node)

    def _d(self, node):
        s = self.p(node.args[0])[0]
        return (r"\mathrm{d}" if self.latex else "d") + self.paren(s), ATOM

    def _inner(self, node):
        a, b = (self.p(x)[0] for x in node.args)
        if self.latex:
            return r"\left\langle " + a + ", " + b + r" \right\rangle", ATOM
        return "<" + a + ", " + b + ">", ATOM


def _unit_fraction(node):
    """q when node is a scalar with the coefficient 1/q (q > 1): 1/2, or 1/2 ||x||; else None."""
    if isinstance(node, Leaf) and node.expr.shape == SCALAR:
        v = B.split_coeff(node.expr)[0]
        if v.numerator == 1 and v.denominator != 1:
            return v.denominator
    return None


def _is_hadamard(node) -> bool:
    return (isinstance(node, Op) and node.kind == "had") or (isinstance(node, Leaf) and isinstance(node.expr, Hadamard))


def _leaves(node):
    if isinstance(node, (Leaf, Pending)):
        yield node.expr
    elif isinstance(node, Op):
        for a in node.args:
            yield from _leaves(a)


def line_text(node: Node) -> str:
    """The right-hand side of a line as plain text (`d(X^2)` for a pending differential)."""
    check_clock()  # (printing makes no node: the steps of a deep Hessian printed for a minute unchecked)
    return _LinePrinter(False, node).p(node)[0]


def line_latex(node: Node) -> str:
    """The right-hand side of a line as LaTeX (`\\mathrm{d}\\left(X^{2}\\right)`)."""
    check_clock()
    return _LinePrinter(True, node).p(node)[0]


def step_text(step: RawStep) -> str:
    return LHS_TEXT[step.lhs] + " = " + line_text(step.node)


def step_latex(step: RawStep) -> str:
    return LHS_LATEX[step.lhs] + " = " + line_latex(step.node)


def steps_text(steps: list) -> str:
    """The record as aligned lines, each with its rule in brackets."""
    rows = []
    for i, s in enumerate(steps):
        first = i == 0 or steps[i - 1].lhs != s.lhs
        left = LHS_TEXT[s.lhs] + " = " if first else " " * len(LHS_TEXT[s.lhs]) + " = "
        rows.append((left + line_text(s.node), s.rule))
    width = min(max(len(r[0]) for r in rows), 72) if rows else 0
    return "\n".join(f"{t.ljust(width)}    [{rule}]" for t, rule in rows)


def steps_latex(steps: list) -> str:
    """One `aligned` block: a line per step, its rule annotated as \\text{...} on the right."""
    rows = []
    for i, s in enumerate(steps):
        first = i == 0 or steps[i - 1].lhs != s.lhs
        left = LHS_LATEX[s.lhs] + " " if first else ""
        rows.append(left + "&= " + line_latex(s.node) + r" && " + rule_latex(s.rule))
    return r"\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}"
