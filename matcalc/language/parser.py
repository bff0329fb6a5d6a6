"""Text -> syntax tree, with the LALR tables Lark computes from grammar/matcalc.lark.

The tree built here (`Syn`) is context-free: it knows nothing of declarations or
shapes. Splitting letter runs (`AX` -> `A X`), deciding scalar versus matrix products
and unifying dimensions is inference's job (matcalc.language). Callbacks run while parsing (as in
Lark's tree-less LALR mode), so deep or long inputs never recurse in Python. The tables are shipped
as generated code (lalr_tables.py), so parsing imports no Lark.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from fractions import Fraction
from functools import lru_cache
from itertools import chain
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ..core.errors import MatcalcError, ParseError
from ..core.functions import ALIASES, CALLS, FUNCTIONS, all_names, bare_names
from . import lalr
from .declarations import norm_name
from .lalr import Token
from .unicode_in import INDEX_SUM_ADVICE

if TYPE_CHECKING:
    from types import ModuleType

MAX_LENGTH = 200_000
MAX_DEPTH = 250
MAX_NAME = 64
MAX_TOKENS = 30_000  # about a second of parsing on a slow machine; a 10,000-term sum of names is 20,000


class Syn:
    """A syntax-tree node: kind, payload, and its span [start, end) in the source text."""

    #: `below`: every node under this one, in `syn_nodes`' order, listed on the first walk (unset until
    #: then); a tree is not changed after parsing (only a name's text is), so the list stays right
    __slots__ = ("kind", "a", "b", "start", "end", "depth", "below")

    def __init__(self, kind, a=None, b=None, start=0, end=0, depth=1):
        self.kind = kind
        self.a = a
        self.b = b
        self.start = start
        self.end = end
        self.depth = depth
        if depth > MAX_DEPTH:
            raise _TooDeep(start)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"Syn({self.kind!r}, {self.a!r}, {self.b!r})"


class _TooDeep(Exception):
    def __init__(self, pos):
        self.pos = pos


class _TooMany(Exception):
    def __init__(self, pos):
        self.pos = pos


class _LongName(Exception):
    def __init__(self, pos):
        self.pos = pos


class _UnexpectedChar(Exception):
    def __init__(self, pos):
        self.pos = pos


class FastLexer:
    """One compiled regular expression over the grammar's own terminals, and the `||` rule: inside a
    norm, a `||` that follows the end of an operand closes it; anywhere else it opens a new one. So
    `||x|| ||y||` is a product of norms, and a norm written right after an operand inside another
    norm needs parentheses.
    """

    _ENDS = {"NAME", "NUMBER", "RPAR", "RBRACE", "RANGLE", "NORM_CLOSE", "NORMSUB", "TICK"}
    _OPEN = {"LPAR": "RPAR", "LBRACE": "RBRACE", "LANGLE": "RANGLE"}

    def __init__(self, terminals, ignore):
        names = "|".join(re.escape(n) for n in all_names())  # longest first: tanh before tan
        bare = "|".join(re.escape(n) for n in all_names() if n in bare_names())  # (longest first too)
        # the registry's names, before NAME: followed by '(', or (one operand) by no letter or digit
        parts = [rf"(?P<FUNC>(?:{names})(?=[ \t\r\n]*\()|(?:{bare})(?![A-Za-z0-9_{{]))"]
        parts += [f"(?P<{name}>{regexp})" for name, regexp in terminals]
        parts.append(r"(?P<NORM>\|\|)")  # NORM in the grammar; no rule uses it directly
        self.regex = re.compile("|".join(parts))
        self.ignore = frozenset(ignore)

    def tokens(self, text: str) -> list[Token]:
        """All the tokens (cheap), so that an input with too many is refused before parsing."""
        match = self.regex.match
        ignore = self.ignore
        stack = []
        out = []
        prev = None
        pos = 0
        n = len(text)
        while pos < n:
            m = match(text, pos)
            if m is None:
                raise _UnexpectedChar(pos)
            kind = m.lastgroup
            end = m.end()
            if kind in ignore:
                pos = end
                continue
            if kind == "NORM":
                if stack and stack[-1] == "NORM" and prev in self._ENDS:
                    stack.pop()
                    kind = "NORM_CLOSE"
                else:
                    stack.append("NORM")
                    kind = "NORM_OPEN"
            elif kind in self._OPEN:
                stack.append(kind)
            elif kind in ("RPAR", "RBRACE", "RANGLE"):
                if stack and stack[-1] != "NORM" and self._OPEN[stack[-1]] == kind:
                    stack.pop()
            prev = kind
            out.append(Token(kind, m.group(), pos, end))
            if len(out) > MAX_TOKENS:
                raise _TooMany(pos)
            pos = end
        return out


def _arity(name: str) -> tuple:
    spec = CALLS.get(ALIASES.get(name, name))
    return spec.arity if spec is not None else (1,)


_HINTS = {"dot": "write x' y or <x, y>", "norm": "write ||x||, ||x||_1, ||X||_F, norm1(x) or norm2(x)",
          "maximum": "for max(u, 0) write relu(u)", "max": "max is not supported; for max(0, u) write relu(u)",
          "min": "min is not supported; for min(0, u) write -relu(-u)"}


class _UnknownCall(Exception):
    def __init__(self, pos, name):
        self.pos = pos
        self.name = name


class _Refused(Exception):
    def __init__(self, pos, message):
        self.pos = pos
        self.message = message


#: the tokens every refusal of `_lookalikes` starts at (the type of `t` each branch tests first)
_LOOKALIKE_STARTS = frozenset({"NAME", "NUMBER", "TICK", "NORM_CLOSE"})


def _lookalikes(toks) -> None:
    """Input that parses, but not as it was meant: `Exp(x)` would be E x p (x) and `||x||2` the norm
    times 2. Refused, with what to write."""
    names = None
    for i, t in enumerate(toks[:-1]):
        if t.type not in _LOOKALIKE_STARTS:
            continue
        nxt = toks[i + 1]
        if t.type == "NAME" and nxt.type == "LPAR" and not str(t).islower():
            if names is None:
                names = set(all_names())
            low = str(t).lower()
            if low in names:
                raise _Refused(t.start_pos, f"unknown function '{t}': function names are lowercase; write {low}(...)"
                                            f" (or, for a product of names, put spaces between them)")
        elif t.type == "NAME" and str(t) in ("d", "D") and nxt.type == "MULOP" and str(nxt) == "/" \
                and i + 2 < len(toks) and toks[i + 2].type == "NAME" and str(toks[i + 2])[:1] in "dD" \
                and len(str(toks[i + 2])) > 1:
            raise _Refused(t.start_pos, f"{t}/{toks[i + 2]} is derivative notation: write the function alone and "
                                        f"name the variable (--wrt {str(toks[i + 2])[1:]}, or grad(f, "
                                        f"'{str(toks[i + 2])[1:]}'))")
        elif t.type == "NUMBER" and nxt.type == "TICK" and not _is_exponent(toks, i):
            raise _Refused(t.start_pos, f"{t}' transposes a number; for the vector of ones write ones(n)' x "
                                        "(or sum(x) for the sum of the entries)")
        elif t.type == "TICK" and nxt.type == "NUMBER" and str(nxt) == "1" and nxt.start_pos == t.end_pos:
            raise _Refused(nxt.start_pos, "'1 is the number 1; for the vector of ones write x' ones(n) (or sum(x) for "
                                          "the sum of the entries), for a product by 1 put a space")
        elif t.type == "NAME" and str(t)[:1].isupper() and nxt.type == "NUMBER" and str(nxt) == "1" \
                and nxt.start_pos > t.end_pos \
                and (i + 2 >= len(toks) or toks[i + 2].type not in ("MULOP", "CARET", "DOTCARET")):
            # diag(W 1), A 1, x^T 1: the vector of ones written as in papers (W\mathbf{1}), read as the number one
            if i >= 2 and toks[i - 1].type == "CARET":  # x^T 1: the transpose's T
                t = f"{toks[i - 2]}^{t}"
            raise _Refused(nxt.start_pos, f"'{t} 1' multiplies by the number 1; for the vector of ones write "
                                          f"{t} ones(n) (or sum({t.split('^')[0]}{', 2' if '^' not in t else ''}) "
                                          f"for the {'sums of the rows' if '^' not in t else 'sum of the entries'})")
        elif t.type == "NAME" and nxt.type == "MULOP" and str(nxt) == "*" and nxt.start_pos == t.end_pos and (
                i + 2 >= len(toks) or toks[i + 2].type in ("NORM_CLOSE", "RPAR", "COMMA", "TICK")
                or (toks[i + 2].type == "NORM_OPEN" and (  # (x - x*||^2: the closing bars, lexed as opening)
                    i + 3 >= len(toks) or toks[i + 3].type in ("CARET", "NORMSUB", "RPAR")))
                or (toks[i + 2].type in ("PLUS", "MINUS") and toks[i + 2].start_pos > nxt.end_pos)):
            # x* - y, ||x - x*||^2: papers' optimum x*, read as a product with what follows (or nothing)
            raise _Refused(nxt.start_pos, f"'{t}*' is papers' optimum (or a product left open): a name is letters "
                                          f"and digits, so write {t}_star (or {t}_opt); for a product write "
                                          f"{t} * (...) with its second factor")
        elif t.type == "NORM_CLOSE" and nxt.type == "NUMBER" and nxt.start_pos == t.end_pos:
            raise _Refused(nxt.start_pos, f"a number right after a norm: write ||...||_{nxt} for the {nxt}-norm, "
                                          f"or ||...|| * {nxt} for a product")


def _is_exponent(toks: list, i: int) -> bool:
    """Is the number toks[i] an exponent (X^2', X^-1')? Then a transpose after it is the power's."""
    j = i - 1
    if j >= 0 and toks[j].type == "MINUS":
        j -= 1
    return j >= 0 and toks[j].type in ("CARET", "DOTCARET")


def _norm_subscript_first(toks: list) -> list:
    """||X||^2_F, the square written before the subscript as LaTeX allows, is ||X||_F^2: the
    subscript is moved in front of the power (the tokens keep their places in the text); and the
    subscript F of an inner product, <X, Y>_F, is dropped."""
    if not any(t.type == "NORMSUB" for t in toks):  # (most texts have no norm subscript: nothing to move)
        return toks
    for i in range(len(toks) - 3):
        if toks[i].type == "NORM_CLOSE" and toks[i + 1].type == "CARET" and toks[i + 2].type == "NUMBER" \
                and toks[i + 3].type == "NORMSUB":
            toks[i + 1], toks[i + 2], toks[i + 3] = toks[i + 3], toks[i + 1], toks[i + 2]
    # <X, Y>_F, the Frobenius inner product as papers subscript it, is the inner product <X, Y>
    return [t for i, t in enumerate(toks) if not (t.type == "NORMSUB" and str(t) in ("_F", "_{F}") and i
                                                  and toks[i - 1].type == "RANGLE")]


def _unknown_calls(toks) -> None:
    """`dot(x, y)`, `norm(x, 2)`: a name followed by '(' with a ',' inside is an unknown function.

    One pass with a stack of the open brackets, each marked with the name called before it if any:
    a comma belongs to the innermost open bracket (scanning ahead from every call was quadratic in
    nested calls, f(f(f(...))))."""
    opened: list = []  # the name token before each open bracket, or None
    for i, u in enumerate(toks):
        if u.type in ("LPAR", "LANGLE", "NORM_OPEN", "LBRACE"):
            before = toks[i - 1] if i and u.type == "LPAR" and toks[i - 1].type == "NAME" else None
            opened.append(before)
        elif u.type in ("RPAR", "RANGLE", "NORM_CLOSE", "RBRACE"):
            if opened:
                opened.pop()
        elif u.type == "COMMA" and opened and opened[-1] is not None:
            t = opened[-1]
            raise _UnknownCall(t.start_pos, str(t))


def _span(items):
    start = end = None
    depth = 0
    for it in items:
        if it is None:
            continue
        if isinstance(it, Syn):
            s, e, d = it.start, it.end, it.depth
        else:  # a Token
            s, e, d = it.start_pos, it.end_pos, 0
        if start is None or s < start:
            start = s
        if end is None or e > end:
            end = e
        depth = max(depth, d)
    return start or 0, end or 0, depth + 1


def _mk(kind, a=None, b=None, parts=()):
    s, e, d = _span(parts)
    return Syn(kind, a, b, s, e, d)


def _leaf(kind, a, tok: Token) -> Syn:
    """A node made of one token (a name, a number, a transpose): its span is the token's, and
    `_span`'s scan of the parts is not needed; the most frequent nodes are these."""
    return Syn(kind, a, None, tok.start_pos, tok.end_pos, 1)


class _Build:
    """The grammar's rules to `Syn` nodes, called at each reduction of the parse."""

    def start(self, ch):
        body = ch[0]
        if len(ch) == 1:
            return body
        binds = [c for c in ch[2:] if isinstance(c, tuple)]
        return _mk("where", body, binds, [body] + [b[1] for b in binds])

    def binding(self, ch):
        name, _, value = ch
        return (str(name), value, name.start_pos)

    def sum(self, ch):
        if len(ch) == 1:
            return ch[0]
        terms = [("+", ch[0])]
        for i in range(1, len(ch), 2):
            terms.append((str(ch[i]), ch[i + 1]))
        node = Syn("sum", terms, None, ch[0].start, ch[-1].end, 1 + max(t.depth for _, t in terms))
        return node

    def neg(self, ch):
        return _mk("neg", ch[1], None, ch)

    def product(self, ch):
        if len(ch) == 1:
            return ch[0]
        items = []
        op = ""
        for c in ch:
            if isinstance(c, Syn):
                items.append((op, c))
                op = ""
            else:
                op = str(c)
        return Syn("product", items, None, ch[0].start, ch[-1].end, 1 + max(t.depth for _, t in items))

    def apply(self, ch):
        return _mk("apply", str(ch[0]), [ch[1]], ch)

    def operand(self, ch):
        return self.factor(ch)

    def factor(self, ch):
        if len(ch) == 1:
            return ch[0]
        if len(ch) > MAX_DEPTH:  # x^x^x^... nests as deeply as parentheses do
            raise _TooDeep(ch[MAX_DEPTH].start)
        return _mk("post", ch[0], ch[1:], ch)

    def postfix(self, ch):
        if len(ch) == 1:
            return _leaf("tick", None, ch[0])
        return _mk("pow" if str(ch[0]) == "^" else "epow", ch[1], None, ch)

    def exp_number(self, ch):
        return _leaf("num", _number(ch[0]), ch[0])

    def exp_negnumber(self, ch):
        return _mk("num", -_number(ch[1]), None, ch)

    def exp_name(self, ch):
        return _leaf("name", norm_name(str(ch[0])), ch[0])

    def exp_negname(self, ch):
        inner = _mk("name", norm_name(str(ch[1])), None, ch[1:])
        return _mk("neg", inner, None, ch)

    def exp_group(self, ch):
        return _mk("paren", ch[1], None, ch)

    def exp_neggroup(self, ch):  # x^-(1/2): the negated group
        inner = _mk("paren", ch[2], None, ch[1:])
        return _mk("neg", inner, None, ch)

    def name(self, ch):
        tok = ch[0]
        if len(tok) > MAX_NAME:
            raise _LongName(tok.start_pos)
        text = str(tok)
        if "_{" in text:  # (norm_name changes only a name with a braced subscript)
            text = norm_name(text)
        return Syn("name", text, None, tok.start_pos, tok.end_pos, 1)

    def number(self, ch):
        return _leaf("num", _number(ch[0]), ch[0])

    def paren(self, ch):
        return _mk("paren", ch[1], None, ch)

    def call(self, ch):
        fname = str(ch[0])
        args = [c for c in ch[2:-1] if isinstance(c, Syn)]
        return _mk("call", fname, args, ch)

    def inner(self, ch):
        return _mk("inner", ch[1], ch[3], ch)

    def norm(self, ch):
        sub = str(ch[3]).strip("_{}") if len(ch) > 3 else ""
        return _mk("norm", ch[1], sub, ch)


_BUILD = _Build()

MAX_DIGITS = 1000


def _number(tok) -> Fraction:
    """An exact rational; absurdly long or large literals are refused (they cannot be floats)."""
    text = str(tok)
    if text.isdigit() and len(text) <= MAX_DIGITS:  # (most numbers: 2, 1, 10; the same Fraction as from the text)
        return Fraction(int(text))
    mant, _, exp = text.lower().partition("e")
    size = len(mant.replace(".", "")) + (abs(int(exp[:12])) if exp else 0)
    if size > MAX_DIGITS:  # about the number of digits of the exact value
        raise _BadNumber(tok.start_pos, text)
    return Fraction(text)


class _BadNumber(Exception):
    def __init__(self, pos, text):
        self.pos = pos
        self.text = text


def tables() -> ModuleType | SimpleNamespace:
    """The shipped LALR tables, or (while they are stale after an edit of the grammar) tables that
    Lark builds in memory from the grammar as it is now."""
    return _tables()


@lru_cache(maxsize=1)
def _tables():
    from . import lalr_tables
    try:
        with open(lalr.grammar_path(), encoding="utf-8") as fh:
            grammar = fh.read()
    except FileNotFoundError:  # pragma: no cover - an installation without its grammar
        return lalr_tables
    if grammar == lalr_tables.GRAMMAR:
        return lalr_tables
    try:  # a developer's edit of the grammar, until the tables are regenerated: Lark builds them
        from . import lalr_build
        return SimpleNamespace(**lalr_build.build_tables(grammar))
    except ImportError:
        raise MatcalcError("grammar/matcalc.lark differs from the grammar the parser's tables were made from; "
                           "regenerate them with `python -m matcalc.language.lalr_build` (Lark: "
                           "pip install lark)") from None


@lru_cache(maxsize=1)
def _lexer() -> FastLexer:
    t = tables()
    return FastLexer(t.TERMINALS, t.IGNORE)


#: tokens that end an operand, and tokens that begin one (two side by side are a product)
_ENDS_OPERAND = frozenset({"NAME", "NUMBER", "RPAR", "TICK", "NORM_CLOSE", "RANGLE"})
_BEGINS_OPERAND = frozenset({"NAME", "NUMBER", "FUNC", "LPAR", "NORM_OPEN", "LANGLE"})


#: tokens a coefficient is made of (lambda, 1/2, rho/2, 1/(2 sigma^2))
_COEFFICIENT_TOKENS = frozenset({"NAME", "NUMBER", "MULOP", "CARET", "LPAR", "RPAR", "MINUS"})


def _ends_with_a_coefficient(toks: list) -> bool:
    """Is the last term of these tokens (after their last + or - outside brackets) a coefficient,
    names, numbers and their quotients and powers only, which a formula goes on after?"""
    depth, start = 0, 0
    for k, t in enumerate(toks):
        depth += t.type in ("LPAR", "LANGLE", "LBRACE", "NORM_OPEN")
        depth -= t.type in ("RPAR", "RANGLE", "RBRACE", "NORM_CLOSE")
        if depth == 0 and t.type in ("PLUS", "MINUS"):
            start = k + 1
    return all(t.type in _COEFFICIENT_TOKENS for t in toks[start:])


def line_break_product(text: str) -> tuple[int, str] | None:
    """Where a line break stands between two whole formulas (x'Ax, a new line, x'x: read as one
    product), as (position, message), else None. The reader takes a line break as a space (a long
    product may go on to the next line, x'A / x), and refuses two formulas, one a line (typed in the
    web page's box, read from standard input, pasted into a string): a break outside brackets between two factors, where the text before it and the
    text after it each read as a formula of two tokens or more."""
    if "\n" not in text:
        return None
    try:
        toks = _lexer().tokens(text)
    except (_UnexpectedChar, _TooMany):
        return None  # (the reader reports those)
    depth = 0
    for i, (t, nxt) in enumerate(zip(toks, toks[1:])):
        depth += t.type in ("LPAR", "LANGLE", "LBRACE") or t.type == "NORM_OPEN"
        depth -= t.type in ("RPAR", "RANGLE", "RBRACE") or t.type == "NORM_CLOSE"
        if depth or t.type not in _ENDS_OPERAND or t.type == "TICK" or nxt.type not in _BEGINS_OPERAND \
                or "\n" not in text[t.end_pos:nxt.start_pos] or i < 1 or len(toks) - i - 1 < 2 \
                or _ends_with_a_coefficient(toks[:i + 1]):
            continue  # (lambda/2, a new line, ||x||^2: a coefficient goes on; x', a new line: so does a row)
        try:
            parse_syntax(text[:t.end_pos])
            parse_syntax(text[nxt.start_pos:])
        except MatcalcError:
            continue  # (x'\nAx: not two formulas)
        return nxt.start_pos, ("the text holds two formulas, one a line, which would read as their product: "
                               "give one formula (it may go on to the next line after an operator: +, -, *); "
                               "for a product write *")
    return None


def _parse(text: str) -> Syn:
    toks = _lexer().tokens(text)
    # (a norm subscript (NORMSUB) starts with '_', and only a ',' is a COMMA token: a text without the
    # character has no such token, and the step for it would give back the tokens it was given)
    if "_" in text:
        toks = _norm_subscript_first(toks)
    if "," in text:
        # p'p, where p = A x: a comma before `where` is punctuation (the LaTeX reader drops it too)
        toks = [t for i, t in enumerate(toks) if not (t.type == "COMMA" and i + 1 < len(toks) and toks[i + 1].type == "WHERE")]
        _unknown_calls(toks)  # (it refuses a comma in the brackets of a name: no comma, nothing to refuse)
    _lookalikes(toks)
    return lalr.parse(toks, tables(), _BUILD)


_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "FUNC": "a function name", "LPAR": "'('",
    "RPAR": "')'", "LBRACE": "'{'", "RBRACE": "'}'", "LANGLE": "'<'", "RANGLE": "'>'",
    "COMMA": "','", "EQUALS": "'='", "PLUS": "'+'", "MINUS": "'-'", "MULOP": "an operator (* / .* ./)",
    "CARET": "'^'", "DOTCARET": "'.^'", "TICK": "a transpose (')", "NORM_OPEN": "'||'",
    "NORM_CLOSE": "a closing '||'", "NORMSUB": "a norm subscript (_2 or _F)", "WHERE": "'where'",
    "$END": "the end of the input", "NORM": "'||'",
}

_OPERAND = {"NAME", "NUMBER", "FUNC", "LPAR", "LANGLE", "NORM_OPEN"}


def _expected_words(expected) -> str:
    names = set(expected)
    words = []
    if names & _OPERAND:
        words.append("an operand (a name, a number, '(', a function, '<' or '||')")
        names -= _OPERAND
    for n in sorted(names, key=lambda n: (_WORDS.get(n, n))):
        if n.startswith("__") or n == "NORM":
            continue
        words.append(_WORDS.get(n, repr(n)))
    if not words:
        return ""
    if len(words) == 1:
        return "expected " + words[0]
    return "expected " + ", ".join(words[:-1]) + " or " + words[-1]


_BIDI = set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def _check_characters(text: str) -> None:
    for i, ch in enumerate(text):
        o = ord(ch)
        if o in _BIDI:
            raise ParseError(f"the text contains the invisible bidirectional control character U+{o:04X}", text, i)
        if (o < 32 and ch not in "\t\r\n") or o == 127 or unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise ParseError(f"unexpected control or invisible character U+{o:04X}", text, i)


#: symbols pasted from papers that have no one-character spelling in the language: what to write
_UNICODE_HINTS = {"⊗": "for a Kronecker product write kron(A, B)", "√": "for a square root write sqrt(...)",
                  "∑": "for a sum write sum(...) (of all entries) or a + b + ...", "∏": "products of many factors "
                  "are written out", "∂": 'differentiate with grad(f, "x") or --wrt x, not in the formula',
                  "∇": 'differentiate with grad(f, "x") or --wrt x, not in the formula',
                  "÷": "for a division write /", "⁺": "the pseudo-inverse is not supported",
                  "∆": "∆x, a step or an increment, is one quantity: name it (Delta_x); the Greek Δ is the name Delta",
                  "ᴴ": "Fᴴ, the conjugate transpose, is the transpose of a real matrix, which matcalc works with: write F' "
                       "(or Fᵀ)"}


def _caret_power(base_text: str, exponent_text: str) -> str:
    """The power typed with Python's ** written with ^, from the operand before it and the exponent
    after it where both are plain (X**-1: X^-1, x**2: x^2); else the rule with an example."""
    base = re.search(r"([A-Za-z][A-Za-z0-9_]*'?|\))\s*$", base_text)
    exponent = re.match(r"\s*(-?\s*(?:[0-9]+(?:\.[0-9]+)?|[A-Za-z][A-Za-z0-9_]*))(?![\w.(])", exponent_text)
    if base and base.group(1) != ")" and exponent:
        return f"{base.group(1)}^{exponent.group(1).replace(' ', '')}"
    return "^ for a power (x^2)"


def _bad_character(text: str, pos: int) -> ParseError:
    ch = text[pos] if pos < len(text) else ""
    if ch == "_" and text[pos + 1:pos + 3].lstrip("{")[:1] == "∞":  # ||x||_∞, ||x||_{∞} pasted
        return ParseError("the infinity norm ||x||_∞ is not supported; the norms are ||x|| and ||x||_2 (Euclidean), "
                          "||x||_1 (sum of absolute values) and ||X||_F (Frobenius)", text, pos)
    if ch == "_" and text[:pos].rstrip().endswith("||"):  # ||B||_{2,1}, a mixed norm
        sub = re.match(r"_(?:\{[^{}]*\}|\S)?", text[pos:]).group(0)
        return ParseError(f"the norm ||...||{sub} is not supported; "
                          f"the norms are ||x|| and ||x||_2 (Euclidean), ||x||_1 (sum of absolute values) and ||X||_F "
                          f"(Frobenius)", text, pos)
    if ch == "_" and text[:pos].endswith("K") and re.match(r"_\{\s*\w+\s*,\s*\w+\s*\}", text[pos:]):
        m, n = re.findall(r"[A-Za-z0-9]+", re.match(r"_\{[^{}]*\}", text[pos:]).group(0))[:2]
        return ParseError(f"K_{{{m},{n}}}, the commutation matrix, is written comm({m}, {n})", text, pos)
    if ch == "_" and re.search(r"(?:^|[^A-Za-z0-9_])(?:[sS]um|[pP]rod)$", text[:pos]):  # sum_{i=1}^n x_i
        word = re.search(r"[A-Za-z]+$", text[:pos]).group(0)
        return ParseError(f"{word}_{{...}} is a {'sum' if word[0] in 'sS' else 'product'} over an index; "
                          f"{INDEX_SUM_ADVICE}", text, pos - len(word))
    if ch == "_" and pos > 0 and text[pos - 1].isalnum():
        sub = re.match(r"_\{([^{}]*)\}", text[pos:])
        written = sub.group(0) if sub else text[pos:pos + 2]
        return ParseError(f"unexpected character '_': a subscript is letters and digits right after a name (x_t, W_1, "
                          f"x_{{10}}); '{written}' is "
                          f"not one: name the variable as one word (x_next, x_prev) or with letters and digits only",
                          text, pos)
    if ch == "." and text[pos + 1:pos + 2] == "'":
        return ParseError("MATLAB's .' is the transpose: write x' (or x^T)", text, pos)
    declared = _declaration_in_formula(text, pos, ch) if ch in ":∈" else None
    if declared is not None:
        return ParseError(declared, text, pos)
    what = f"{ch!r}" if ch.isprintable() else f"U+{ord(ch):04X}"
    if ch and not ch.isascii():  # name it: a Greek capital alpha looks like an A
        what += f" ({unicodedata.name(ch, f'U+{ord(ch):04X}')})"
    hint = ""
    # NumPy and Python spellings: x @ y, x.T, np.linalg.det(X), X.inv()
    word = re.match(r"(?:\.[A-Za-z_]\w*)*\.([A-Za-z_]\w*)\s*(\(?)", text[pos:]) if ch == "." else None
    owner = _previous_token(text, pos) if ch == "." else ""
    before, after = text[:pos].rstrip()[-1:], text[pos + 1:].lstrip()[:1]
    if ch == ":" and (before.isalnum() or before in ")'") and (after.isalnum() or after == "(") \
            and not (before.isdigit() and after.isdigit()):  # (1:3 is a MATLAB range)
        hint = "; A : B, the double contraction (the sum of the entrywise products), is written <A, B> or tr(A' B)"
    elif ch == ":":
        hint = "; slicing and indexing (MATLAB's X(:, 1)) are not in the language: a formula is in whole vectors and matrices"
    elif ch == "@":
        hint = "; '@' is NumPy's matrix product: write the product as A x (or A*x)"
    elif word and owner in ("np", "numpy", "jnp", "torch", "math", "la", "sp", "scipy", "tf"):
        fn = word.group(1)
        hint = (f"; {fn}(...) is not in the language: {_HINTS[fn]}" if fn in _HINTS
                else f"; write the function without the module prefix: {fn}(...)")
    elif word and word.group(1) in ("T", "H", "mT") and not word.group(2):
        hint = f"; '.{word.group(1)}' is NumPy's transpose: write {owner or 'X'}' (or {owner or 'X'}^T)"
    elif word and word.group(2):
        hint = f"; methods ('.{word.group(1)}(...)') are not in the language: write calls, as inv(X), tr(X), det(X)"
    elif ch == "|" and re.search(r"\b(?:log|ln)\s*\(?\s*$", text[:pos]):
        hint = "; the log-determinant log |X| is written logdet(X) or log(det(X))"
    elif ch == "|":
        hint = "; a norm is written ||x||, abs(x) is the absolute value and det(X) the determinant"
    elif ch == "[" and re.search(r"\^\s*\{?\s*$", text[:pos]):
        hint = ("; a superscript in brackets (W^{[l]}, the l-th layer's W) is an index, not a power: write W_l "
                "(or W_{l}), a name with a subscript")
    elif ch == "[" and re.search(r"(?<![A-Za-z0-9_])(?:E|Var|Cov)\s*$", text[:pos]):
        hint = ("; E[...] (an expectation, Var, Cov) is not in the language: differentiate the expression inside it "
                "(for a sample mean write mean(...) or sum(...) / dim(n))")
    elif ch == "[" and re.search(r"[A-Za-z0-9_')]\s*$", text[:pos]) and (
            re.match(r"\[\s*[-0-9:,\s]*\]", text[pos:]) or (
            text[pos - 1:pos].isalnum() and re.match(r"\[\s*[A-Za-z]\w{0,2}(?:\s*,\s*[A-Za-z]\w{0,2})?\s*\]", text[pos:]))):
        hint = ("; indexing and slicing (NumPy's x[0], X[:, 1]) are not in the language: a formula is in whole vectors "
                "and matrices (an entry is e' x, with e declared a vector)")
    elif ch in "[]":
        hint = "; use parentheses ( ) for grouping"
    elif ch == ";" and re.search(r"\bwhere\b[^;]*=", text[:pos]) and re.match(r";\s*[A-Za-z]\w*\s*=", text[pos:]):
        tail = text[list(re.finditer(r"\bwhere\b", text[:pos]))[-1].start():]
        hint = f"; the parts a where names are separated by commas: ... {' '.join(tail.replace(';', ',').split())[:80]}"
    elif ch == ";":
        hint = "; give one formula, without a trailing ';' (declarations go in where=..., separated by ';')"
    elif ch in "#%":
        hint = "; comments are not part of a formula: give the formula alone"
    elif ch in _UNICODE_HINTS:
        hint = "; " + _UNICODE_HINTS[ch]
    return ParseError(f"unexpected character {what}{hint}", text, pos)


def _operand_at(text: str, pos: int) -> str:
    """The operand starting at pos, for an error's advice: f(...) or f x, ||...||, <..., ...>."""
    closing = {"|": "||", "<": ">"}.get(text[pos])
    if closing is not None:
        end = text.find(closing, pos + len(closing))
        return text[pos:end + len(closing)] if end > 0 else text[pos:]
    m = re.match(r"[A-Za-z_]+\s*", text[pos:])
    i = pos + (m.end() if m else 0)
    if text[i:i + 1] != "(":
        m2 = re.match(r"[A-Za-z0-9_]+", text[i:])
        return text[pos:i + (m2.end() if m2 else 0)]
    depth = 0
    for j in range(i, len(text)):
        depth += {"(": 1, ")": -1}.get(text[j], 0)
        if depth == 0:
            return text[pos:j + 1]
    return text[pos:]


#: the inverse functions papers write f^-1 for, where matcalc has no name for them: their formulas
_INVERSE_FORMULAS = {"tanh": "log((1 + x) ./ (1 - x)) / 2", "sinh": "log(x + sqrt(x.^2 + 1))",
                     "cosh": "log(x + sqrt(x.^2 - 1))", "sigmoid": "log(x ./ (1 - x))", "exp": "log(x)",
                     "log": "exp(x)", "ln": "exp(x)", "softplus": "log(exp(x) - 1)", "sqrt": "x.^2",
                     "expm1": "log1p(x)", "log1p": "expm1(x)"}


def _previous_token(text: str, pos: int) -> str:
    m = re.search(r"([A-Za-z][A-Za-z0-9]*)\s*$", text[:pos])
    return m.group(1) if m else ""


def _drop_comma(expected, text: str, pos: int):
    """No ',' among the suggestions inside the parentheses of a function of one argument (tr(AX)."""
    depth = 0
    for i in range(pos - 1, -1, -1):
        ch = text[i]
        if ch in ")>":
            depth += 1
        elif ch in "(<":
            if depth == 0:
                if ch == "<":
                    return expected
                name = _previous_token(text, i)
                if name and 2 in _arity(name):
                    return expected
                return [x for x in expected if x != "COMMA"]
            depth -= 1
    return [x for x in expected if x != "COMMA"]


_DECLARATION_WORDS = re.compile(r"(?:symmetric|spd|invertible|positive|diagonal|orthogonal|scalar|vector|matrix|"
                                r"R\b|R\^|ℝ|\\mathbb)")


def _declaration_in_formula(text: str, pos: int, tok: str) -> str | None:
    """The message for declarations written into the formula (`x'Ax where A is symmetric`,
    `x'Ax, A symmetric`, `f(x), x ∈ R^n`): they go in where=... or --where, and `where` in a
    formula names a part of it."""
    if tok == "=":
        return None
    # (names apart by a comma or spaces, each one way only: `(?:\w*\s*,?\s*)*` backtracked exponentially)
    head = re.search(r"\bwhere\s+(?:[A-Za-z]\w*(?:\s*,\s*|\s+|$))*$", text[:pos])
    if head is not None:
        tail = text[head.start() + len("where"):]
    elif tok == ",":
        tail = text[pos + 1:]
    else:
        return None
    m = re.match(r"\s*([A-Za-z]\w*(?:\s*,\s*[A-Za-z]\w*)*)\s*(is\b|are\b|in\b|∈|\\in\b|:)?\s*(.*?)\s*\.?\s*$", tail, re.S)
    if m is None or not (m.group(2) or _DECLARATION_WORDS.match(m.group(3))):
        return None
    names = ", ".join(n.strip() for n in m.group(1).split(","))
    decl = f"{names}: {m.group(3) or 'symmetric'}"
    return (f"declarations do not go in the formula: give them as where='{decl}' (API) or --where '{decl}' "
            f"(command line); 'where' in a formula names a part of it (... where P = ...)")


def _equals_message(text: str, pos: int) -> str:
    """What to write instead of an '=' outside a where: a keyword argument (sum(X, axis=0)), a
    named formula (f(x) = ...), a part named with 'with' (... with r = ...) or an equation."""
    before, rhs = text[:pos], " ".join(text[pos + 1:].split())
    if before.rstrip().endswith(("<", ">")):
        return "an inequality is not a formula to differentiate: give the function alone"
    if before.count("(") > before.count(")"):
        return ("keyword arguments (axis=, dim=) are not in the language: sum(X, 1) sums each column (a row of "
                "sums, as MATLAB's dimension 1) and sum(X, 2) each row")
    if re.fullmatch(r"\s*[A-Za-z]\w*(?:\s*\([^()]*\))?\s*", before):
        return (f"'=': give the formula alone, without its name: write {rhs or 'the right-hand side'} "
                f"(to name a part of a formula, write ... where P = ...)")
    with_ = re.search(r"\b(?:with|for|and)\s+([A-Za-z]\w*)\s*$", before)
    if with_:
        return (f"a part of a formula is named with where: write {before[:with_.start()].strip()} where "
                f"{with_.group(1)} = {rhs}")
    return ("an equation is not a formula to differentiate: give the function alone (for a constraint g = c, "
            "differentiate the Lagrangian f + lambda (g - c))")


def parse_syntax(text: str) -> Syn:
    """Parse `text` into a syntax tree, or raise ParseError with a position and caret."""
    if not isinstance(text, str):
        raise ParseError(f"expected the expression as a string, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the expression is too long ({len(text):,} characters; the limit is {MAX_LENGTH:,})")
    if not text.strip():
        raise ParseError("the expression is empty")
    if not text.isascii():
        _check_characters(text)
    try:
        return _parse(text)
    except _TooMany as e:
        raise ParseError(f"the expression has too many tokens (the limit is {MAX_TOKENS:,})", text, e.pos) from None
    except _LongName as e:
        raise ParseError(f"a name longer than {MAX_NAME} characters; separate one-letter names with spaces",
                         text, e.pos) from None
    except _BadNumber as e:
        raise ParseError(f"the number {e.text[:20]}{'...' if len(e.text) > 20 else ''} is too long or too large "
                         f"(at most {MAX_DIGITS} digits and exponents up to {MAX_DIGITS})", text, e.pos) from None
    except _UnknownCall as e:
        hint = _HINTS.get(e.name)
        if re.match(r"[A-Za-z]\w*\s*\(\s*(\d+|:)\s*,\s*(\d+|:)\s*\)", text[e.pos:]) and e.name not in _HINTS:
            raise ParseError(f"'{e.name}(i, j)' reads as indexing (MATLAB's X(1, 2)), which matcalc does not have: "
                             f"a formula is in whole vectors and matrices (an entry is e' X f, with e and f "
                             f"declared)", text, e.pos) from None
        raise ParseError(f"unknown function '{e.name}'" + (f" ({hint})" if hint else "") + ", whatever its "
                         f"arguments; the functions are {', '.join(list(CALLS) + list(FUNCTIONS))}",
                         text, e.pos) from None
    except _Refused as e:
        raise ParseError(e.message, text, e.pos) from None
    except _UnexpectedChar as e:
        raise _bad_character(text, e.pos) from None
    except _TooDeep as e:
        raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", text, e.pos) from None
    except lalr.UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            pos = len(text)
            msg = "unexpected end of input"
        else:
            pos = tok.start_pos if tok.start_pos is not None else len(text)
            msg = f"unexpected {str(tok)!r}"
        before = text[:pos].rstrip()
        base = before[:-2] if before.endswith("^{") else before[:-1] if before.endswith("^") else ""
        if tok.type != "$END" and str(tok) == "*" and before.endswith("*"):
            raise ParseError(f"'**' is not a power: write {_caret_power(before[:-1], text[pos + 1:])}", text,
                             pos - 1) from None
        ones = re.match(r"_(?:\{\s*([A-Za-z0-9]+)\s*\}|([A-Za-z0-9]+))", text[pos:])
        if ones and re.search(r"(?:^|[^A-Za-z0-9_.])[01]$", before):  # 1_n' x: papers' vector of ones
            size, what = ones.group(1) or ones.group(2), "ones" if before.endswith("1") else "zeros"
            raise ParseError(f"{before[-1]}_{size}, the vector of {what}, is written {what}({size})", text,
                             pos - 1) from None
        exponent = re.search(r"\^\s*(-?)\s*$", before)
        if tok.type in ("FUNC", "NORM_OPEN", "NORM", "LANGLE") and exponent:  # (e^-||x||^2: the sign too)
            operand = _operand_at(text, pos)
            power = re.match(r"\s*\^\s*\d+", text[pos + len(operand):])
            operand += power.group(0).strip() if power else ""
            raise ParseError("an exponent is a number, a name or a group: write a function, norm or inner product "
                             f"in the exponent in parentheses ({before[:exponent.start()].strip()}^({exponent.group(1)}"
                             f"{operand}))", text, pos) from None
        base = base.rstrip()
        after = text[pos + 1:pos + 2]
        if tok.type != "$END" and str(tok) in ("*", "+") and (base[-1:].isalpha() or base.endswith((")", "'"))) \
                and not (after and (after.isalnum() or after in "(.")):  # a^+1: a sign, not a pseudo-inverse
            if str(tok) == "*":
                raise ParseError("X^* is the conjugate transpose (adjoint); matcalc works with real matrices, where it "
                                 "is the transpose: write X'; for a point such as the optimum x^*, give it a name of "
                                 "its own (x_star)", text, pos) from None
            raise ParseError("X^+ (the Moore-Penrose pseudo-inverse) is not supported; for a matrix of full column "
                             "rank it is (X' X)^-1 X'; for a point or a sample marked with a plus (z^+, a positive "
                             "sample), give it a name of its own (z_pos)", text, pos) from None
        if tok.type != "$END" and str(tok) == "=" and not re.search(r"\bwhere\b", text[:pos]):
            raise ParseError(_equals_message(text, pos), text, pos) from None
        ineq = re.search(r"[\w)'|]\s*<(?![^<>]*,)|>\s*>|[^<>\s]\s*[<>]=", text)
        if ineq is not None:  # x'x < 1, <x, y> > 0: '<' and '>' are the inner product's brackets only
            raise ParseError("an inequality is not a formula to differentiate: give the function alone (< and > "
                             "are the brackets of an inner product <x, y>)", text, ineq.end() - 1) from None
        declared = _declaration_in_formula(text, pos, str(tok) if tok.type != "$END" else "")
        if declared is not None:
            raise ParseError(declared, text, pos) from None
        run = re.search(r"(?<![A-Za-z0-9_])([A-Za-z])_([A-Za-z0-9])([A-Za-z])$", before)
        if tok.type != "$END" and str(tok).startswith("_") and run and not before.endswith("}"):
            # x_ix_j: the subscript i ran on into x, and _j has no name before it
            a, i, b = run.groups()
            raise ParseError(f"'{run.group(0)}{str(tok)}': the subscript of {a}_ runs on to the next '_' ({a}_{i}{b}); for "
                             f"the product of {a}_{i} and {b}{str(tok)} put a space: {a}_{i} {b}{str(tok)}", text, pos) from None
        prev = _previous_token(text, pos)
        if prev in all_names() and tok.type != "$END" and str(tok) == "'":
            raise ParseError(f"{prev}'(...), the derivative of {prev}, is what matcalc computes: write the function "
                             f"{prev}(...) and differentiate it (grad(f, 'x') or --wrt x)", text, pos) from None
        if prev in all_names() and tok.type != "$END" and str(tok) == "^":
            k = re.match(r"\^\s*\{?\s*(-?\d+)\s*\}?", text[pos:])
            written = f"{prev}{k.group(0).rstrip() if k else '^k'} x"
            if k and k.group(1) == "-1" and f"arc{prev}" in all_names():
                raise ParseError(f"{written}: write arc{prev}(x) for the inverse function, or {prev}(x)^-1 for the "
                                 f"reciprocal", text, pos) from None
            if k and k.group(1) == "-1":  # tanh^-1 x, sigmoid^-1 p: the inverse function, which has no name here
                inverse = _INVERSE_FORMULAS.get(prev)
                spelled = f"write its formula, {inverse}" if inverse else "matcalc does not have it"
                raise ParseError(f"{written} is the inverse function of {prev} ({spelled}); for the reciprocal write "
                                 f"1 ./ {prev}(x)", text, pos) from None
            raise ParseError(f"a power of a function is written after its argument: {prev}(x)^{k.group(1) if k else 'k'}"
                             f" for {written}", text, pos) from None
        if prev in all_names() and (tok.type == "$END" or str(tok) not in "("):
            raise ParseError(f"the function {prev} needs an operand: write {prev}(...)", text, pos) from None
        if tok.type != "$END" and str(tok) == "{" and not before.endswith(("^", "_")):
            # {x}^{T}{A}{x}: LaTeX's grouping braces in plain text, where they follow only ^ and _
            raise ParseError("braces group only an exponent or a subscript (x^{T}, W_{1}) in plain text: group with "
                             "parentheses, or give the formula as LaTeX with its backslashes (\\mathbf{x}^{T} A "
                             "\\mathbf{x})", text, pos) from None
        exp = _expected_words(_drop_comma(e.expected, text, pos))
        raise ParseError(msg + ("; " + exp if exp else ""), text, pos) from None
    except RecursionError:
        raise ParseError("the expression is nested too deeply", text, 0) from None


#: syntax nodes without children: most of a tree's nodes, told apart before looking into a and b
_LEAVES = frozenset({"name", "num", "tick"})
#: syntax nodes whose a is a list of (operator, node), whose b is None: the grammar makes every operand of
#: a sum or a product a node (the callbacks `sum` and `product`)
_TERMS = frozenset({"sum", "product"})


def syn_children(n: Syn) -> list:
    """The syntax nodes directly under n (in its fields, their lists and tuples), in order."""
    kind = n.kind
    if kind in _LEAVES:
        return []
    if kind in _TERMS:  # (the most frequent inner nodes: the general walk below gives the same list)
        return [t for _, t in n.a]
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


def syn_nodes(syn: Syn) -> Iterator[Syn]:
    """Every node of a syntax tree, each parent before its children (the order the checks on a text
    meet them in does not matter: they look for one pattern each).

    A text's checks walk its whole tree a dozen times: the nodes under `syn` are listed on the first
    walk (`Syn.below`) and read from the list after. The list holds the nodes below only, never
    `syn` itself, so that a tree makes no reference cycle and is freed as soon as it is dropped."""
    try:
        below = syn.below
    except AttributeError:
        below = []
        stack = syn_children(syn)
        while stack:
            n = stack.pop()
            stack.extend(syn_children(n))
            below.append(n)
        syn.below = below
    return chain((syn,), below)
