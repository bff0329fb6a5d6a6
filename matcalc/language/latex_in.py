r"""LaTeX as people write it, read into matcalc's own language (with a map back to the source).

`\operatorname{tr}\left(X^{\top} A X\right)`, `-\frac{1}{2}\log\det\Sigma`, `\|A\mathbf{x} -
\mathbf{b}\|_2^2`, `\langle X, Y\rangle`: a small tokenizer and a recursive reader turn LaTeX
into the plain text the grammar reads (`tr(X' A X)`, `-(1/2) log det Sigma`, ...). Every piece of
that text remembers where in the LaTeX it came from, so an error found later (by the grammar or
by inference) points with its caret into the LaTeX as typed, never into the translation.

Text is LaTeX when it holds a backslash (the plain language has none) or is enclosed in `$`s.
Nothing is evaluated: the reader only rewrites tokens.

What is decided here, with the declarations at hand:

* decorated names are the declared names: `\mathbf{x}` is x, `\boldsymbol{\theta}` theta,
  `\Sigma` Sigma, `W_{1}` is W_1 (or W1 when W1 is the declared one), `\mathrm{d}X` dX;
* a name that is only a dimension of the declared variables is that dimension (`\frac{1}{n}`
  with x: vector(n) is 1/dim(n));
* `\mathbf{1}` is a vector of ones whose size the context fixes (a matrix of ones where a
  vector cannot fit: see `read` in reader.py);
* `\sigma(...)` with sigma undeclared has two readings (the logistic function, or a scalar
  sigma times a group) and is refused with both; `\operatorname{\sigma}` is the function.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ..core.errors import MatcalcError, MatrixFunctionError, ParseError
from ..core.functions import ALIASES, CALLS, FUNCTIONS, all_names, bare_names
from .declarations import ACCENT_NAMES, GREEK, default_kind, is_greek, norm_name
from .source_map import Translation
from .unicode_in import greek_names, has_unicode_math, scalar_coefficient, unicode_to_plain
from .parser import MAX_DEPTH as _PLAIN_DEPTH
from .parser import MAX_LENGTH, MAX_TOKENS, line_break_product

#: nesting levels of LaTeX groups; each level is a few Python frames of the recursive reader
MAX_DEPTH = min(_PLAIN_DEPTH, 120)

__all__ = ["looks_like_latex", "latex_to_plain", "variable_name"]


def looks_like_latex(text: object) -> bool:
    """LaTeX input: a backslash (plain matcalc text never has one), or math between `$`s."""
    if not isinstance(text, str):
        return False
    if "\\" in text:
        return True
    t = text.strip()
    return len(t) > 1 and t[0] == "$" and t[-1] == "$"


# ------------------------------------------------------------------------------- vocabulary
_GREEK = frozenset(GREEK) | {"epsilon", "ell"}
_SPACING = {",", ";", ":", "!", " ", ">", "quad", "qquad", "enspace", "thinspace", "medspace", "thickspace",
            "negthinspace", "displaystyle", "textstyle", "scriptstyle", "scriptscriptstyle", "limits", "nolimits", "mathstrut",
            "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "Biggl", "Biggr",
            "bigm", "Bigm", "(", ")", "[", "]"}
#: delimiters after \left / \right (and on their own): kind, role ("open", "close" or None)
_DELIMS = {"(": ("(", "open"), ")": (")", "close"), "[": ("(", "open"), "]": (")", "close"),
           "lbrack": ("(", "open"), "rbrack": (")", "close"), "{": ("(", "open"), "}": (")", "close"),
           "lbrace": ("(", "open"), "rbrace": (")", "close"),
           "|": ("abs", None), "vert": ("abs", None), "mid": ("abs", None), "lvert": ("abs", "open"), "rvert": ("abs", "close"),
           "‖": ("norm", None), "Vert": ("norm", None), "lVert": ("norm", "open"), "rVert": ("norm", "close"),
           "langle": ("<", "open"), "rangle": (">", "close"), ".": ("none", None)}
#: function commands and their names in the language (\log, ... and those the registry prints: \exp, \det)
_FUNC_COMMANDS = {"ln": "log", "log": "log", "exp": "exp", "Tr": "tr", "tr": "tr", "trace": "tr",
                  "diag": "diag", "sgn": "sign"}
for _name, _spec in list(FUNCTIONS.items()) + list(CALLS.items()):
    _m = re.fullmatch(r"\\([A-Za-z]+)", _spec.latex_name)
    if _m and _m.group(1) not in _GREEK:
        _FUNC_COMMANDS.setdefault(_m.group(1), _name)
#: words inside \operatorname{...}, \mathrm{...}, \text{...} that name a function
_FUNC_WORDS = {n: ALIASES.get(n, n) for n in all_names() if n not in ("vector", "matrix", "dim", "norm1", "norm2")}
_FUNC_WORDS.update({"Tr": "tr", "Trace": "tr", "trace": "tr", "Det": "det", "Diag": "diag", "sgn": "sign",
                    "logistic": "sigmoid", "ReLU": "relu", "Relu": "relu", "Vec": "vec"})
_HAS_FUNC_WORD = re.compile("|".join(sorted((re.escape(f) for f in _FUNC_WORDS if len(f) >= 2), key=len, reverse=True)))
_WORD_FONTS = {"operatorname", "mathrm", "text", "textrm", "mbox", "hbox", "textnormal", "mathit", "textit", "mathsf",
               "textsf", "mathnormal", "mathop", "mathtt", "texttt", "rm", "mathup", "textup", "it", "sf", "tt"}
_SUBEXPR_FONTS = {"mathbf", "boldsymbol", "bm", "mathbfit", "textbf", "pmb", "mathbb", "mathds", "mathcal", "mathscr",
                  "mathfrak", "vec", "underline", "bf", "cal", "symbf", "symbfit", "bold"}  # (\symbf: unicode-math)  # (\bf, \cal: the old font switches, {\bf x})
#: the Frobenius norm's subscript as papers spell it
_FROBENIUS = {"F": "F", "Fro": "F", "fro": "F", "Frob": "F", "frob": "F"}
_BINARY = {"cdot": "*", "times": "*", "ast": "*", "div": "/", "odot": ".*", "circ": ".*", "oslash": "./",
           "otimes": "kron", "pm": None, "mp": None}


#: a name just before \times, and one just after it (a letter, a Greek command, in a bold font or not)
#: the operands of a cross product: omega or a small Latin letter (bold or not, with a subscript) before
#: \times, a small Latin letter after it with nothing attached (\omega \times r, \mathbf{a} \times \mathbf{b});
#: \lambda \times w^T w, n \times \log(2\pi), X^\top \times X are products
_CROSS_LEFT = re.compile(r"(?:\\omega|(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*)?(?<![\\A-Za-z0-9{])([a-z])(?:\s*\})?)"
                         r"(?:_\{?\w+\}?)?\s*$")
_CROSS_RIGHT = re.compile(r"\s*(?:\\(?:mathbf|boldsymbol|bm|vec)\s*\{\s*([a-z])\s*\}|([a-z])(?![A-Za-z]))(?:_\{?\w+\}?)?"
                          r"(?!\s*(?:\^|'|\(|\\top|\\prime))")


#: an operand starting (a letter, a command that is not an operator or a closing, a group, a bar)
_OPERAND_AHEAD = re.compile(r"\s*(?:[A-Za-z(|]|\\(?!right|cdot|times|div|pm|mp|quad|qquad|end|\\|[,;:!])[A-Za-z|]|\{)")


def _frac_operand_end(src: str, pos: int) -> int | None:
    """Where a \\frac (\\tfrac, \\dfrac) right at pos ends, with its two arguments, else None."""
    m = re.match(r"\s*\\[tdc]?frac(?![A-Za-z])\s*", src[pos:])
    if m is None:
        return None
    i = pos + m.end()
    for _ in range(2):
        while i < len(src) and src[i].isspace():
            i += 1
        if i >= len(src):
            return None
        if src[i] == "{":
            depth = 0
            for j in range(i, len(src)):
                depth += {"{": 1, "}": -1}.get(src[j], 0)
                if depth == 0:
                    i = j + 1
                    break
            else:
                return None
        elif src[i] == "\\":
            m2 = re.match(r"\\[A-Za-z]+", src[i:])
            i += m2.end() if m2 else 1
        else:
            i += 1
    return i


def _in_script_braces(src: str, pos: int) -> bool:
    """Is position pos inside the braces of a subscript or superscript (_{...}, ^{...})?"""
    depth = 0
    for i in range(pos - 1, -1, -1):
        c = src[i]
        if c == "}":
            depth += 1
        elif c == "{":
            if depth == 0:
                return src[:i].rstrip()[-1:] in ("_", "^")
            depth -= 1
    return False


class _Tok:
    __slots__ = ("kind", "text", "start", "end", "space", "role")

    def __init__(self, kind, text, start, end, space, role=None):
        self.kind = kind     # "cmd", "letters", "num", "char", "delim"
        self.text = text     # the command's name without '\', the letters, the digits, the character
        self.start = start
        self.end = end
        self.space = space   # whitespace came before it
        self.role = role     # for "delim": "open", "close" or None (a bar, | or \|, that may do either)

    def __repr__(self):  # pragma: no cover - debugging aid
        return f"_Tok({self.kind}, {self.text!r}, {self.start})"


#: Unicode pasted into LaTeX and the token it stands for: minus signs and dashes, the norm's bar,
#: the transpose, the product signs (plain Unicode text is read by unicode_in.py; these meet LaTeX)
_UNICODE_AS_LATEX = {"−": ("char", "-"), "–": ("char", "-"), "‐": ("char", "-"), "‒": ("char", "-"),
                     "‖": ("delim", "norm"), "∥": ("delim", "norm"), "⊤": ("cmd", "top"), "ᵀ": ("cmd", "top"),
                     "×": ("cmd", "times"), "·": ("cmd", "cdot"), "⋅": ("cmd", "cdot"), "⊙": ("cmd", "odot"),
                     "∘": ("cmd", "circ"), "⊗": ("cmd", "otimes"), "⁻": ("char", "-")}
_SUPERSCRIPT_DIGITS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_SUPERSCRIPT_RUN = set("⁰¹²³⁴⁵⁶⁷⁸⁹⁻ᵀ")
_TOKEN = re.compile(r"\\([A-Za-z]+)\*?|\\(.)|([A-Za-z]+)|((?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)|(\s+)|(%[^\n]*)|(.)", re.S)


def _tokens(src: str) -> list:
    """LaTeX tokens; spacing, sizing (`\\big`) and math delimiters dropped, `\\left`/`\\right` folded
    into the delimiter they size (which then knows whether it opens or closes)."""
    out = []
    space = False
    pending = None  # "open" after \left, "close" after \right
    mids = len(re.findall(r"\\mid(?![A-Za-z])", src))
    pairs_of_mid = mids and mids % 2 == 0  # \mid as a bar only in pairs (p(x \mid y) is no bar)
    pos = 0
    n = len(src)
    while pos < n:
        m = _TOKEN.match(src, pos)
        start, pos = m.start(), m.end()
        word, sym, letters, num, ws, comment, ch = m.groups()
        if ws is not None or comment is not None:
            space = True
            continue
        if word is not None:
            env = re.match(r"\s*\{(equation|displaymath|math)\*?\}", src[pos:]) if word in ("begin", "end") else None
            if env is not None:  # \begin{equation} ... \end{equation}: the math inside
                pos += env.end()
                space = True
                continue
            if word in ("left", "right"):
                pending = ("open" if word == "left" else "close", start)
                continue
            if word in _SPACING:
                space = True
                continue
            if word in ("mkern", "mskip", "kern", "hskip"):  # \mkern-1.5mu: spacing with its length
                m = re.match(r"\s*-?\s*(?:\d+(?:\.\d*)?|\.\d+)\s*(?:mu|em|ex|pt)", src[pos:])
                if m is not None:
                    pos += m.end()
                    space = True
                    continue
            alone = word in ("langle", "rangle", "lVert", "rVert", "lvert", "rvert", "Vert", "vert", "lbrace",
                             "rbrace") or word == "mid" and pairs_of_mid  # (a delimiter without \left)
            if word in _DELIMS and (pending or alone):
                kind, role = _DELIMS[word]
                tok = _Tok("delim", kind, pending[1] if pending else start, pos, space,
                           pending[0] if pending else role)
                pending = None
                out.append(tok)
                space = False
                continue
            out.append(_Tok("cmd", word, start, pos, space))
        elif sym is not None:
            if sym in " \t\n" and start > 0 and src[start - 1] in " \t" and out:
                # 'A \ b': a control space after a space is MATLAB's left division, not LaTeX spacing
                raise ParseError("'\\' between spaces reads as LaTeX's control space; for MATLAB's solve A \\ b "
                                 "write A^-1 b (or inv(A) b)", src, start)
            before = src[:start].rstrip()
            if sym == "(" and before and (before[-1].isalnum() or before[-1] in ")}'") \
                    and ")" in src[pos:] and "\\)" not in src[pos:] and not re.search(r"\\[A-Za-z]+$", before):
                # L\(x - mu): MATLAB's solve of a group, not the opening of inline mathematics
                raise ParseError("'\\(' after an operand reads as MATLAB's solve A\\(b); write A^-1 (b) (or "
                                 "inv(A) (b))", src, start)
            if sym in " ,;:!>" or sym in "()[]":  # \, \; spacing; \( \) \[ \] math delimiters
                space = True
                continue
            if sym in ("|", "{", "}"):
                key = "‖" if sym == "|" else sym
                kind, role = _DELIMS[key]
                out.append(_Tok("delim", kind, pending[1] if pending else start, pos, space,
                                pending[0] if pending else role))
                pending = None
            elif sym == "_":
                out.append(_Tok("letters", "_", start, pos, space))  # \_ inside a name
            else:
                raise ParseError(f"unexpected LaTeX control symbol \\{sym}", src, start)
        elif letters is not None:
            out.append(_Tok("letters", letters, start, pos, space))
        elif num is not None:
            out.append(_Tok("num", num, start, pos, space))
        else:
            if ch in "$~":
                space = True
                continue
            if pending is not None:
                if ch == "|" and pos < n and src[pos] == "|":
                    pos += 1
                    ch = "‖"
                if ch not in _DELIMS:
                    raise ParseError(f"\\left and \\right take a delimiter, not {ch!r}", src, start)
                kind, role = _DELIMS[ch]
                out.append(_Tok("delim", kind, pending[1], pos, space, pending[0]))
                pending = None
            elif ch == "|":
                j = pos
                while j < n and src[j] in " \t":  # | | (a norm pasted from a PDF, bars apart) is ||
                    j += 1
                if j < n and src[j] == "|":
                    pos = j + 1
                    out.append(_Tok("delim", "norm", start, pos, space, None))
                else:
                    out.append(_Tok("delim", "abs", start, pos, space, None))
            elif ch in "()[]":
                out.append(_Tok("delim", _DELIMS[ch][0], start, pos, space, _DELIMS[ch][1]))
            elif ch in _SUPERSCRIPT_RUN:  # X⁻¹, Xᵀ, x² pasted into LaTeX: X^-1, X^\top, x^2
                while pos < n and src[pos] in _SUPERSCRIPT_RUN:
                    pos += 1
                out.append(_Tok("char", "^", start, start, space))
                for m in re.finditer(r"[⁰¹²³⁴⁵⁶⁷⁸⁹]+|.", src[start:pos]):
                    at, to = start + m.start(), start + m.end()
                    if m.group()[0] in "⁰¹²³⁴⁵⁶⁷⁸⁹":
                        out.append(_Tok("num", m.group().translate(_SUPERSCRIPT_DIGITS), at, to, False))
                    else:
                        out.append(_Tok(*_UNICODE_AS_LATEX[m.group()], at, to, False))
            elif ch in _UNICODE_AS_LATEX:  # −, ‖, ×, ⋅, ⊙ pasted into LaTeX: the character or command they are
                kind, text = _UNICODE_AS_LATEX[ch]
                out.append(_Tok(kind, text, start, pos, space, None))
            elif ch != greek_names(ch) and greek_names(ch).isalpha():  # ε^\top ε: a Greek letter is its command
                out.append(_Tok("cmd", greek_names(ch), start, pos, space))
            else:
                out.append(_Tok("char", ch, start, pos, space))
        space = False
    if pending is not None:
        raise ParseError("\\left or \\right without a delimiter after it", src, pending[1])
    # a trailing full stop or comma is punctuation of the sentence the formula was pasted from
    while out and out[-1].kind == "char" and out[-1].text in ".,":
        out.pop()
    return _font_switches_first(_doubled_bars_as_norms(out), src)


def _doubled_bars_as_norms(toks: list) -> list:
    r"""`\lvert\lvert x \rvert\rvert`, `\left|\left| x \right|\right|`, `\vert\vert w\vert\vert`: two bars
    side by side that open (or close) together are a norm's double bar, as `||` is (they read abs(abs(x))).
    Bars that may open or close (\vert, |) are one double bar only when nothing stands between them:
    `\vert a\vert \vert b\vert` is |a| |b|."""
    out = []
    for t in toks:
        prev = out[-1] if out else None
        if prev is not None and t.kind == "delim" and t.text == "abs" and prev.kind == "delim" and \
                prev.text == "abs" and t.role == prev.role and (t.role is not None or not t.space):
            norm = _Tok("delim", "norm", prev.start, t.end, prev.space, t.role)
            out[-1] = norm
            continue
        out.append(t)
    return out


def _font_switches_first(toks: list, src: str) -> list:
    r"""`{\rm tr}`, `{\bf x}`, `{\mathrm tr}`: a font switch at the start of a group applies to the
    group, as `\mathrm{tr}` and `\mathbf{x}` do; the switch is moved before the brace so that one
    reading serves both spellings (`{\rm tr}(AX)` was read as the letters t r times (A X))."""
    for i in range(len(toks) - 1):
        t, u = toks[i], toks[i + 1]
        if i and ((toks[i - 1].kind == "cmd" and toks[i - 1].text in _WORD_FONTS)
                  or (toks[i - 1].kind == "char" and toks[i - 1].text in "^_")
                  or (toks[i - 1].kind == "letters" and toks[i - 1].text == "_")):
            continue  # \mathop{\rm tr}, x^{\rm T}, W_{\rm new}: the group is an argument or a script, read as it is
        if src[t.start:t.end] == "{" and u.kind == "cmd" and (u.text in _WORD_FONTS or u.text in _SUBEXPR_FONTS) \
                and not (i + 2 < len(toks) and src[toks[i + 2].start:toks[i + 2].end] == "{"):  # not {\mathbf{1}}
            toks[i], toks[i + 1] = u, t
            u.start = t.start  # (the switch's span starts at the brace: messages quote {\rm tr} as typed)
    return toks


# ------------------------------------------------------------------------------- output pieces
class _Item:
    """A translated operand (or operator): pieces of plain text, each with its source span."""

    __slots__ = ("pieces", "kind", "start", "end", "name")

    def __init__(self, pieces, kind, start, end, name=None):
        self.pieces = pieces   # [(text, start, end)]
        self.kind = kind       # "operand", "op" (an operator or `where`), "kron" (\otimes), "comma"
        self.start = start
        self.end = end
        self.name = name       # for a name operand: its name


_CALL_NAMES = frozenset(CALLS) | frozenset(FUNCTIONS)


def _is_call(it) -> bool:
    """Is the item a function name waiting for its argument (tr, \\operatorname{vec}, \\exp)?"""
    return it.kind == "operand" and it.name is None and "".join(t for t, _, _ in it.pieces) in _CALL_NAMES


_ADJOINT = "the conjugate transpose (adjoint); matcalc works with real matrices, where it is the transpose: write X^\\top"


def _refuse_complex_superscript(reader, words: list, at: int) -> None:
    """X^*, X^H, X^\\dagger (the adjoint) and X^+ (the pseudo-inverse) are no powers: say what they are."""
    plain = [w for w in words if w not in _WORD_FONTS]
    if plain in (["*"], ["ast"], ["dagger"], ["H"]) and not (plain == ["H"] and "H" in reader.decls):
        star = "; for a point such as the optimum x^*, give it a name of its own (x_star)" if plain in (["*"], ["ast"]) else ""
        raise reader.error(f"this superscript is {_ADJOINT}{star}", at)
    if plain in (["+"], ["dagger", "+"]):
        raise reader.error("X^+ (the Moore-Penrose pseudo-inverse) is not supported; for a matrix of full column "
                           "rank it is (X^\\top X)^{-1} X^\\top", at)


def _p(text, start, end):
    return [(text, start, end)]


def _join(items, sep=" ") -> list:
    """The items' pieces, spaced; a group written right after a name stays attached to it, as
    typed (`f(x)` reads as a call, which the language refuses for an undeclared f, and
    `f (x)` as a product, exactly as in the plain language)."""
    out = []
    for i, it in enumerate(items):
        if i and sep:
            prev = items[i - 1]
            touching = prev.kind == "operand" and prev.name is not None and prev.end == it.start and \
                it.pieces and it.pieces[0][0].startswith("(")
            if not touching:
                out.append((sep, it.start, it.start + 1))
        out.extend(it.pieces)
    return out


def _powered_norms_as_arguments(items) -> None:
    """\\log\\|x\\|^2 is log(||x||^2), as the plain `log ||x||^2` and `\\log x^2` read: a norm is
    written (||x||), which right after a function would make the power apply to the call
    (log(||x||)^2); the norm with its power is put in parentheses of its own."""
    for k in range(len(items) - 1):
        it = items[k + 1]
        if not _is_call(items[k]) or it.kind != "operand" or not it.pieces or it.pieces[0][0] != "(||":
            continue
        close = next((j for j, p in enumerate(it.pieces) if p[0].startswith("||") and p[0].endswith(")")), None)
        if close is not None and close + 1 < len(it.pieces) and it.pieces[close + 1][0] == "^":
            it.pieces = _wrap(it.pieces, it.start, it.end)


def _wrap(pieces, start, end) -> list:
    return [("(", start, start + 1)] + pieces + [(")", max(start, end - 1), end)]


def _simple(pieces) -> bool:
    text = "".join(t for t, _, _ in pieces).strip()
    return re.fullmatch(r"-?(?:[0-9]+(?:\.[0-9]+)?|[A-Za-z][A-Za-z0-9_]*)", text) is not None


class _Reader:
    """Recursive reading of the token list into plain-language pieces."""

    def __init__(self, src: str, decls: dict, ones: str, bar_as=None):
        self.src = src
        self.toks = _tokens(src)
        self.i = 0
        self.decls = decls or {}
        self.ones = ones
        self.bars = []               # source positions of |...| (absolute value or determinant?)
        self.bar_as = bar_as or {}   # position -> "det" or "group": another reading of those bars
        self.used_ones = False
        dims = set()
        for d in self.decls.values():
            for x in getattr(d, "dims", ()):
                if isinstance(x, str):
                    dims.update(p for p in x.split("*") if not p.isdigit())
        self.dims = frozenset(dims) - set(self.decls)

    # -- token access
    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self):
        t = self.toks[self.i]
        self.i += 1
        return t

    def take_first(self):
        """The first character of the token at the cursor (a digit of 12, a letter of xy), leaving
        the rest in its place: TeX reads \\frac12 and x^23 one character at a time."""
        t = self.toks[self.i]
        if len(t.text) == 1:
            self.i += 1
            return t
        self.toks[self.i] = _Tok(t.kind, t.text[1:], t.start + 1, t.end, False)
        return _Tok(t.kind, t.text[0], t.start, t.start + 1, t.space)

    def error(self, msg, pos) -> ParseError:
        return ParseError(msg, self.src, pos)

    def end_pos(self) -> int:
        return len(self.src)

    def expect(self, pred, what: str):
        t = self.peek()
        if t is None:
            raise self.error(f"unexpected end of the LaTeX; expected {what}", self.end_pos())
        if not pred(t):
            raise self.error(f"unexpected '{self.src[t.start:t.end]}'; expected {what}", t.start)
        return self.take()

    # -- sequences
    def sequence(self, closer=None):
        """Items up to (not including) a closing delimiter `closer` ("(" group: ")", "}", ">",
        "norm", "abs"), or to the end."""
        self.depth = getattr(self, "depth", 0) + 1
        try:
            return self._sequence(closer)
        finally:
            self.depth -= 1

    def _sequence(self, closer):
        if self.depth > MAX_DEPTH:
            t = self.peek()
            raise self.error(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)",
                             t.start if t is not None else len(self.src))
        items = []
        while True:
            t = self.peek()
            if t is None:
                break
            if closer is not None and self._closes(t, closer, items):
                break
            if t.kind == "delim" and t.role == "close" and t.text in (")", ">", "}"):
                self._refuse_bars_run_together()
                raise self.error(f"unmatched '{self.src[t.start:t.end]}'", t.start)
            if t.kind == "char" and t.text == "}":
                if closer == "}":
                    break
                self._refuse_bars_run_together()
                raise self.error("unmatched '}'", t.start)
            self.element(items)
        _powered_norms_as_arguments(items)
        return self._hadamard_operands(self._fold_kron(items))

    def _hadamard_operands(self, items):
        """M \\odot U V^\\top is M .* (U V'), as every reader of a paper takes it: \\odot and \\circ
        bind looser than juxtaposition, so each takes the whole juxtaposed product on either side
        (up to an explicit operator, a bracket or the end), put in parentheses. (The plain .* shares
        juxtaposition's precedence; an explicit \\cdot or * keeps the plain reading: a product left of
        a division, a / b C \\odot D, is left as written.)"""
        if not any(it.kind == "op" and self.src[it.start:it.end] in ("\\odot", "\\circ") for it in items):
            return items
        runs, k = [], 0  # the maximal runs of juxtaposed operands: [start, end)
        while k < len(items):
            if items[k].kind == "operand":
                j = k
                while j < len(items) and items[j].kind == "operand":
                    j += 1
                runs.append([k, j])
                k = j
            else:
                k += 1
        wrap = set()
        for r, (a, b) in enumerate(runs):
            after = items[b] if b < len(items) else None
            before = items[a - 1] if a else None
            if after is not None and self.src[after.start:after.end] in ("\\odot", "\\circ") and \
                    not (before is not None and before.kind == "op" and before.pieces[0][0] in ("/", "./")):
                wrap.add(r)
            if before is not None and self.src[before.start:before.end] in ("\\odot", "\\circ"):
                wrap.add(r)
        out, k = [], 0
        for r, (a, b) in enumerate(runs):
            out.extend(items[k:a])
            bare = any("".join(x for x, _, _ in it.pieces).strip() in bare_names() for it in items[a:b])
            if r in wrap and b - a > 1 and not bare:
                # (\sum x \odot y, \log p \odot y: a function without parentheses is left to the plain
                # reader, which refuses it with both readings: sum(x .* y) or sum(x) .* y)
                run = items[a:b]
                out.append(_Item(_wrap(_join(run), run[0].start, run[-1].end), "operand", run[0].start, run[-1].end))
            else:
                out.extend(items[a:b])
            k = b
        out.extend(items[k:])
        return out

    def _closes(self, t, closer, items) -> bool:
        if closer == "}":
            return t.kind == "char" and t.text == "}" or (t.kind == "delim" and t.text == ")" and
                                                         self.src[t.start:t.end] == "}")
        if closer == ">" and t.kind == "char" and t.text == ">":  # <A x, x>: plain angle brackets, as \rangle
            return True
        if t.kind != "delim":
            return False
        if closer in ("norm", "abs"):
            if t.text != closer:
                return False
            return t.role == "close" or (t.role is None and bool(items) and items[-1].kind == "operand")
        return t.text == closer and t.role != "open"

    def _fold_kron(self, items):
        """A \\otimes B as kron(A, B), binding tighter than juxtaposition but looser than a
        function applied to a group: \\operatorname{vec}(X)^\\top \\otimes I is kron(vec(X)', I), not
        vec(kron(X', I)). A function without parentheses beside \\otimes (\\sin x \\otimes y) has two
        readings and is refused, as the plain language refuses `sin x y`."""
        out = []
        k = 0
        while k < len(items):
            it = items[k]
            if it.kind == "kron":
                if not out or out[-1].kind != "operand" or k + 1 >= len(items) or items[k + 1].kind != "operand":
                    raise self.error("\\otimes needs an operand on each side", it.start)
                left = out.pop()
                while out and _is_call(out[-1]):
                    left = self._applied(out.pop(), left, it)
                k += 1
                right = items[k]
                while _is_call(right):
                    if k + 1 >= len(items) or items[k + 1].kind != "operand":
                        raise self.error("\\otimes needs an operand on each side", it.start)
                    k += 1
                    right = self._applied(right, items[k], it)
                before = out[-1] if out and out[-1].kind == "operand" and not self._coefficient(out[-1]) else None
                after = items[k + 1] if k + 1 < len(items) and items[k + 1].kind == "operand" else None
                if before is not None or after is not None:
                    self._refuse_kron_beside_a_product(before or left, after or right, left, right, it)
                pieces = _p("kron(", it.start, it.end) + left.pieces + _p(", ", it.start, it.end) + \
                    right.pieces + _p(")", right.end - 1, right.end)
                out.append(_Item(pieces, "operand", left.start, right.end))
                k += 1
                continue
            out.append(it)
            k += 1
        return out

    def _coefficient(self, it) -> bool:
        """Is the operand before A \\otimes B a scalar coefficient, the same beside either operand: a name
        declared a scalar, or one with no capital letter in it (2, \\frac{1}{n}, c, \\sigma^2), or a trace or
        determinant?"""
        text = "".join(t for t, _, _ in it.pieces).strip()
        d = self.decls.get(text)
        return d.kind == "scalar" if d is not None else scalar_coefficient(text)

    def _refuse_kron_beside_a_product(self, first, last, left, right, kron) -> None:
        """A C \\otimes B D: the mixed-product rule writes (A C) \\otimes (B D) so, and A \\otimes B^\\top C is
        as often kron(A, B') C: two readings, refused with both (a number before is a coefficient of either)."""
        def src(a, b):
            return " ".join(self.src[a:b].split())
        whole, lhs, rhs = src(first.start, last.end), src(first.start, kron.start), src(kron.end, last.end)
        raise self.error(f"'{whole}' has two readings: the products first, kron({lhs}, {rhs}), or \\otimes "
                         f"first, on the operands beside it ({src(left.start, left.end)} and "
                         f"{src(right.start, right.end)}); write the parentheses", first.start)

    def _applied(self, call, arg, kron) -> "_Item":
        """The function `call` applied to the group `arg`, as one operand of \\otimes."""
        text = "".join(t for t, _, _ in arg.pieces).lstrip()
        if not text.startswith("("):
            fn = "".join(t for t, _, _ in call.pieces)
            raise self.error(f"'{self.src[call.start:arg.end]}' beside \\otimes has two readings: {fn} of the "
                             f"Kronecker product, or {fn} of its argument alone; write the parentheses", call.start)
        return _Item(call.pieces + arg.pieces, "operand", call.start, arg.end)

    def _cross_product_at(self, left_end: int, t) -> bool:
        """Is the \\times at t a cross product of two vector-looking names (undeclared, outside a size's
        braces, as in \\mathbb{R}^{m \\times n})?"""
        left, right = _CROSS_LEFT.search(self.src, 0, left_end), _CROSS_RIGHT.match(self.src, t.end)
        if left is not None and left.group(1) is None and re.match(r"\s*(?:\\left)?\s*\(", self.src[t.end:]):
            return "omega" not in self.decls  # (\omega \times (r - r_0): angular velocity crossed with a vector)
        if left is None or right is None or _in_script_braces(self.src, t.start):
            return False
        names = {n for n in (left.group(1), right.group(1), right.group(2)) if n}
        return not names & set(self.decls)

    def element(self, items):
        t = self.peek()
        if t.kind == "char":
            c = t.text
            if c in "+-*/=,":
                self.take()
                if c == "*" and self.peek() is not None and self.peek().kind == "char" and self.peek().text == "*":
                    raise self.error("'**' is not a power: write ^", t.start)
                items.append(_Item(_p(c, t.start, t.end), "comma" if c == "," else "op", t.start, t.end))
                return
            if c == ".":
                nxt = self.peek(1)
                if nxt is not None and nxt.kind == "char" and nxt.text in "*/^" and not nxt.space:
                    self.take()
                    self.take()
                    if nxt.text == "^":
                        self.postfix_power(items, t.start, elementwise=True)
                        return
                    items.append(_Item(_p("." + nxt.text, t.start, nxt.end), "op", t.start, nxt.end))
                    return
            if c == "^":
                self.take()
                self.postfix_power(items, t.start)
                return
            if c == "_":
                if self._subscript_after_norm_power(items, t):
                    return
                base = re.search(r"\\(log|lg)\s*$", self.src[:t.start])
                if base is not None:  # \log_2(...): a logarithm to another base
                    raise self.error(f"\\{base.group(1)}_... is a logarithm to another base, which matcalc writes as "
                                     f"the natural one divided: \\log(...) / \\log 2 (log(x) / log(2))", t.start)
                raise self.error("a subscript belongs right after a name (W_{1}) or a norm (\\|X\\|_F)", t.start)
            if c == "'":
                self.take()
                self.postfix(items, t, "'")
                return
        if t.kind == "cmd":
            w = t.text
            if w in _BINARY:
                self.take()
                op = _BINARY[w]
                if op is None:
                    raise self.error(f"\\{w} has no meaning in a formula to differentiate", t.start)
                if not items or items[-1].kind != "operand":
                    raise self.error(f"\\{w} is a binary operator; here it has no left operand (as a placeholder, "
                                     f"\\sigma(\\cdot), write the argument itself)", t.start)
                nxt = self.peek()
                if nxt is None or (nxt.kind == "delim" and nxt.role == "close") or (
                        nxt.kind == "char" and nxt.text in ",}"):
                    raise self.error(f"\\{w} needs a right operand (a placeholder like \\sigma(\\cdot) is not a "
                                     f"formula: write the argument itself)", t.start)
                if w == "times" and self._cross_product_at(items[-1].end, t):
                    # (\omega \times r: the cross product, read as omega a number times r)
                    raise self.error("\\times between two names is their cross product, which matcalc does not "
                                     "have; for a product of numbers or matrices write \\cdot or a space", t.start)
                items.append(_Item(_p(op, t.start, t.end), "kron" if op == "kron" else "op", t.start, t.end))
                return
            if w == "prime":
                self.take()
                self.postfix(items, t, "'")
                return
            if w in ("text", "textrm", "mathrm") and self._word_ahead() == "where":
                self.take()
                self.read_word_arg(t)
                if items and items[-1].kind == "comma":
                    items.pop()
                items.append(_Item(_p("where", t.start, t.end), "op", t.start, t.end))
                return
        items.extend(self.operand())

    def postfix(self, items, t, text):
        if not items or items[-1].kind != "operand":
            raise self.error(f"'{self.src[t.start:t.end]}' needs an operand before it", t.start)
        last = items[-1]
        last.pieces = last.pieces + _p(text, t.start, t.end)
        last.end = t.end
        last.name = None

    # -- superscripts
    def script_tokens(self, at):
        """The tokens of a script argument: a braced group, or one token (a command with its argument)."""
        t = self.peek()
        if t is None:
            raise self.error("a superscript or subscript needs its argument", at)
        if t.kind == "delim" and self.src[t.start:t.end] == "{" or t.kind == "char" and t.text == "{":
            self.take()
            depth = 1
            j = self.i
            while j < len(self.toks):
                u = self.toks[j]
                raw = self.src[u.start:u.end]
                if raw == "{":
                    depth += 1
                elif raw == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            else:
                raise self.error("unmatched '{'", t.start)
            toks = self.toks[self.i:j]
            self.i = j + 1
            return toks, t.start, self.toks[j].end
        if t.kind == "num" and "." not in t.text or t.kind == "letters":  # x^23 is x^{2} 3 in TeX
            first = self.take_first()
            return [first], first.start, first.end
        self.take()
        toks = [t]
        if t.kind == "cmd" and (t.text in _WORD_FONTS or t.text in _SUBEXPR_FONTS):
            more, _, end = self.script_tokens(t.end)
            return toks + [_Tok("char", "{", t.end, t.end, False)] + more + [_Tok("char", "}", end, end, False)], \
                t.start, end
        nxt = self.peek()
        if t.kind == "char" and t.text == "-" and nxt is not None and nxt.start == t.end and (
                nxt.kind == "num" and "." not in nxt.text or nxt.kind == "letters"):
            first = self.take_first()  # \Sigma^-1, X^-T: TeX raises only the '-', the formula means ^{-1}
            return [t, first], t.start, first.end
        return toks, t.start, t.end

    def postfix_power(self, items, at, elementwise=False):
        toks, start, end = self.script_tokens(at)
        if not items or items[-1].kind != "operand":
            raise self.error("'^' needs an operand before it", at)
        words = _script_words(self.src, toks)
        op = ".^" if elementwise else "^"
        if not elementwise and words in (["top"], ["intercal"], ["T"], ["prime"], ["mathsf", "T"], ["mathrm", "T"],
                                          ["text", "T"], ["textsf", "T"], ["mathsf", "top"], ["'"]):
            self.postfix(items, _Tok("char", "'", at, end, False), "'")
            return
        if not elementwise and words in (["-", "top"], ["-", "intercal"], ["-", "T"], ["-", "mathsf", "T"],
                                          ["-", "mathrm", "T"], ["-", "text", "T"]):
            self.postfix(items, _Tok("char", "^-T", at, end, False), "^-T")
            return
        last = items[-1]
        if not elementwise and words == ["star"] and last.name is not None and "_" not in last.name \
                and len(last.pieces) == 1:  # x^\star, \theta^{\star}: the optimum, a name of its own (x_star)
            name = self.resolve(last.name, "star")
            last.pieces = _p(name, last.start, end)
            last.name, last.end = name, end
            return
        if not elementwise:
            _refuse_complex_superscript(self, words, at)
        lead = next((k for k, u in enumerate(toks) if u.kind == "cmd" and u.text in ("circ", "odot")), None)
        if words and words[0] == "circ" and lead is None:  # ^{circ 2}: the letters c i r c, not the symbol
            raise self.error("^{circ ...} is the letters c i r c: for the entrywise power write ^{\\circ k} "
                             "(x^{\\circ 2})", at)
        if words and words[0] in ("circ", "odot") and not elementwise:  # (X^{\odot 2} as X^{\circ 2})
            toks = toks[:lead] + toks[lead + 1:]  # only the leading one: x^{\circ y^{\circ 2}} keeps y's
            op = ".^"
            if not toks:
                raise self.error("^{\\circ k} needs the power k", at)
        inner = self.sub_reader(toks).sequence()
        pieces = _join(inner)
        if len(inner) == 2 and inner[0].kind == "op" and inner[0].pieces[0][0] == "-" and _simple(inner[1].pieces):
            pieces = inner[0].pieces + inner[1].pieces  # X^{-1}: X^-1
        if not pieces:
            raise self.error("an empty superscript", at)
        if not _simple(pieces):
            pieces = _wrap(pieces, start, end)
        last = items[-1]
        nxt = self.peek()
        if nxt is not None and nxt.kind == "char" and nxt.text == "_" and not elementwise and last.name is not None \
                and "_" not in last.name and len(last.pieces) == 1 and last.pieces[0][0] == last.name:
            # \sigma^2_{n}: the power written before the name's subscript, sigma_n^2
            self.take()
            stoks, _, send = self.script_tokens(nxt.start)
            sub = "".join(w for w in _script_words(self.src, stoks) if w not in _WORD_FONTS and w not in _SUBEXPR_FONTS)
            if not re.fullmatch(r"[A-Za-z0-9]+", sub):
                raise self.error("a subscript of a name is letters and digits (W_{1}, x_{ij})", nxt.start)
            last.pieces = _p(self.resolve(last.name, sub), last.start, send) + _p(op, at, at + 1) + pieces
            last.end = max(end, send)
            last.name = None
            return
        last.pieces = last.pieces + _p(op, at, at + 1) + pieces
        last.end = end
        last.name = None

    def _subscript_after_norm_power(self, items, t) -> bool:
        """\\|X\\|^2_F, the power written before the norm's subscript: the subscript joins the norm.
        And \\langle A, X \\rangle_F, the Frobenius inner product: the inner product matcalc means."""
        if not items or items[-1].kind != "operand":
            return False
        pieces = items[-1].pieces
        if pieces and pieces[-1][0] == ">":
            self.take()
            toks, _, end = self.script_tokens(t.start)
            sub = "".join(w for w in _script_words(self.src, toks) if w not in _WORD_FONTS)
            if sub != "F":
                weighted = (f"; one weighted by a matrix {sub}, <x, y>_{sub}, is written x' {sub} y"
                            if re.match(r"[A-Z]", sub) else "")
                raise self.error(f"an inner product takes only the subscript F (the Frobenius inner product){weighted}",
                                 t.start)
            items[-1].end = max(items[-1].end, end)
            return True
        k = next((j for j in range(len(pieces) - 1, -1, -1) if pieces[j][0] == "||)"), None)
        if k is None or k + 1 >= len(pieces) or pieces[k + 1][0] != "^":
            return False
        self.take()
        toks, _, end = self.script_tokens(t.start)
        sub = "".join(w for w in _script_words(self.src, toks) if w not in _WORD_FONTS)
        sub = _FROBENIUS.get(sub, sub)
        if sub not in ("2", "F", "1", "*"):
            raise self.error(f"the norm subscript {sub!r} is not supported: write \\|x\\|_2, \\|x\\|_1 or "
                             f"\\|X\\|_F{_weighted_norm(sub)}", t.start)
        text, start, stop = pieces[k]
        items[-1].pieces = pieces[:k] + [("||_" + sub + ")", start, stop)] + pieces[k + 1:]
        items[-1].end = max(items[-1].end, end)
        return True

    def sub_reader(self, toks):
        r = _Reader.__new__(_Reader)
        r.src, r.toks, r.i, r.decls, r.ones, r.dims = self.src, list(toks), 0, self.decls, self.ones, self.dims
        r.bars, r.bar_as = self.bars, self.bar_as
        r.used_ones = False
        r.parent = self
        r.depth = getattr(self, "depth", 0)
        return r

    def _mark_ones(self):
        r = self
        while r is not None:
            r.used_ones = True
            r = getattr(r, "parent", None)

    # -- operands
    def operand(self) -> list:
        t = self.peek()
        if t.kind == "letters":
            return self.letters()
        if t.kind == "num":
            self.take()
            return [_Item(_p(t.text, t.start, t.end), "operand", t.start, t.end)]
        if t.kind == "delim":
            return [self.delimited()]
        if t.kind == "char":
            if t.text == "{":
                self.take()
                body = self.sequence("}")
                close = self.expect(lambda u: self.src[u.start:u.end] == "}", "'}'")
                pieces = _join(body)
                if not pieces:
                    raise self.error("an empty group {}", t.start)
                return [_Item(_wrap(pieces, t.start, close.end), "operand", t.start, close.end)]
            if t.text in "<>":
                self.take()
                if t.text == "<":
                    return [self.inner(t, ">")]
            if t.text == "\\" and not self.src[t.end:].strip():
                raise self.error("a backslash with no command after it", t.start)
            if t.text == "&" or t.text == "\\":
                raise self.error("alignment (& or \\\\) is not part of a formula: paste one formula", t.start)
            if greek_names(t.text) != t.text:  # (ε^\top ε: a Unicode letter inside LaTeX)
                raise self.error(f"unexpected {t.text!r}: in LaTeX write \\{greek_names(t.text)}", t.start)
            raise self.error(f"unexpected {t.text!r}", t.start)
        return self.command()

    def _refuse_bars_run_together(self) -> None:
        """|x||y| (the cosine's denominator): the middle || is read as a norm's bar, and the
        error was an unmatched brace far from it. Said where the bars are."""
        m = re.search(r"(?<![\\|])\|([^|{}]+)\|[ \t]*\|([^|{}]+)\|(?!\|)", self.src)
        if m:
            a, b = m.group(1).strip(), m.group(2).strip()
            raise self.error(f"'{m.group(0)}' reads its middle bars as one, a norm's: for norms write "
                             f"\\|{a}\\| \\|{b}\\|, for the product of absolute values |{a}| \\, |{b}|",
                             m.start() + len(m.group(1)) + 1)

    def letters(self) -> list:
        t = self.take()
        run = t.text
        if run == "_":
            raise self.error("unexpected '\\_'", t.start)
        if len(run) == 1:
            return [self.named(run, t.start, t.end)]
        if run in self.decls or run in _FUNC_WORDS or run == "where" or _HAS_FUNC_WORD.search(run) or run in GREEK:
            # a declared name, a function, a run the language refuses with a hint, or a Greek letter's name
            # typed without its backslash (alpha ||x||^2 was the product a l p h a, silently)
            parts = [(run, t.start)]
        else:
            for i in range(1, len(run) - 1):  # x^TATAx: A^T A typed without the ^ (the plain ATA too)
                if run[i] in "Tt" and run[i - 1] == run[i + 1] and run[i - 1].isupper() and run[i] not in self.decls:
                    a = run[i - 1]
                    raise self.error(f"'{run}' would be read as the product {' '.join(run)} with {run[i]} a matrix; "
                                     f"for {a} transposed times {a} write {a}^\\top {a}; to mean a matrix {run[i]}, "
                                     f"put spaces or declare it (where='{run[i]}: ...')", t.start)
            parts = []
            k = 0
            while k < len(run):
                parts.append((run[k], t.start + k))
                k += 1
        out = []
        for j, (word, at) in enumerate(parts):
            if word == "where":
                out.append(_Item(_p("where", at, at + 5), "op", at, at + 5))
                continue
            if word in _FUNC_WORDS and word not in self.decls:
                out.append(_Item(_p(word, at, at + len(word)), "operand", at, at + len(word)))
                continue
            last = j == len(parts) - 1
            out.append(self.named(word, at, at + len(word), sub_allowed=last))
        return out

    def named(self, base: str, start: int, end: int, sub_allowed=True, prefix="") -> _Item:
        """A name with its subscript (W_{1}, \\Sigma_0, x_{ij}, K_{m,n}, I_{m \\cdot n})."""
        sub = None
        t = self.peek()
        if sub_allowed and t is not None and t.kind == "char" and t.text == "_":
            self.take()
            toks, _, end = self.script_tokens(t.start)
            words = _script_words(self.src, toks)
            if base == "K" and "," in words and "K" not in self.decls:
                k = words.index(",")
                a, b = "".join(words[:k]), "".join(words[k + 1:])
                return _Item(_p(f"comm({a}, {b})", start, end), "operand", start, end)
            if base in ("1", "0"):  # \mathbf{1}_{n}, \mathbf{0}_{m \times n}: ones and zeros of that size
                return _Item(_p(self._filled(base, words, t.start), start, end), "operand", start, end)
            if base == "I" and "times" in words and "I" not in self.decls:  # I_{n \times n}: the identity I_n
                k = words.index("times")
                a, b = "".join(words[:k]), "".join(words[k + 1:])
                if a != b or not re.fullmatch(r"[A-Za-z0-9]+", a):
                    raise self.error(f"an identity matrix is square: I_{{{a} \\times {b}}} has two sizes", t.start)
                return _Item(_p(f"I_{a}", start, end), "operand", start, end)
            if "times" in words:  # X_{p \times n}: papers' size of X (X_ptimesn, a name of its own, was read)
                k = words.index("times")
                a, b = "".join(words[:k]), "".join(words[k + 1:])
                plain = self.resolve(prefix + base, None)
                raise self.error(f"{self.src[start:end]} gives the size of {plain} in its subscript; matcalc takes sizes "
                                 f"from declarations: write {plain} and declare it (where='{plain}: {a} x {b}')", start)
            if base == "I" and "cdot" in words and "I" not in self.decls:
                factors = [w for w in words if w != "cdot"]
                text = f"I_{factors[-1]}"
                for f in reversed(factors[:-1]):
                    text = f"kron(I_{f}, {text})"
                return _Item(_p(text, start, end), "operand", start, end)
            if re.search(r"\\(?:max|min)\b", self.src[t.start:end]) and \
                    re.match(r"\s*(?:\(|\\left\s*\()", self.src[end:]):  # \lambda_{\max}(X): an eigenvalue
                raise self.error(f"{self.src[start:end]} (the largest or smallest eigenvalue, or a maximum) is not "
                                 "supported; matcalc differentiates formulas in traces, determinants, norms and "
                                 "entrywise functions", start)
            sub = "".join(w for w in words if w not in _WORD_FONTS and w not in _SUBEXPR_FONTS)
            if not re.fullmatch(r"[A-Za-z0-9]+", sub or ""):
                typed = self.src[t.end:end].strip().lstrip("_").strip()
                word = _subscript_word(typed.strip("{}"))
                one = f"; for the one quantity {base}_{typed} name it in letters and digits ({base}_{word}, " \
                      f"say, declared)" if word and re.search(r"[-+|]", typed) else ""
                raise self.error("a subscript of a name is letters and digits (W_{1}, x_{ij}); indices and "
                                 f"sums over them are not part of the language{one}", t.start)
        name = self.resolve(prefix + base, sub)
        if name in self.dims and name not in self.decls:
            return _Item(_p(f"dim({name})", start, end), "operand", start, end, name)
        return _Item(_p(name, start, end), "operand", start, end, name)

    def _filled(self, base: str, words: list, at: int) -> str:
        """ones(...) or zeros(...) from the subscript's words (n; m \\times n; m, n; m \\cdot n)."""
        name = "ones" if base == "1" else "zeros"
        dims, cur = [], []
        for w in words + ["times"]:
            if w in ("times", ","):
                if not cur:
                    raise self.error(f"the size of \\mathbf{{{base}}} is a dimension or two (\\mathbf{{{base}}}_{{n}}, "
                                     f"\\mathbf{{{base}}}_{{m \\times n}})", at)
                dims.append("*".join("" if x == "cdot" else x for x in cur).replace("**", "*"))
                cur = []
            else:
                cur.append(w)
        if len(dims) > 2:
            raise self.error(f"\\mathbf{{{base}}} has at most two dimensions", at)
        for d in dims:
            if not re.fullmatch(r"[A-Za-z0-9_]+(?:\*[A-Za-z0-9_]+)*", d):
                raise self.error(f"{d!r} is not a dimension", at)
        return f"{name}({', '.join(dims)})"

    def resolve(self, base: str, sub) -> str:
        """The declared spelling of a decorated name: W_{1} is W_1, or W1 when W1 is declared."""
        if sub is None:
            return base
        cands = [f"{base}_{sub}"] + ([base + sub] if sub.isdigit() else [])
        for c in cands:
            if c in self.decls:
                return c
        return cands[0]

    def _word_ahead(self, k: int = 1) -> str:
        """The word in the braces k tokens ahead (\\text{where } -> 'where')."""
        j = self.i + k
        if j < len(self.toks) and self.src[self.toks[j].start:self.toks[j].end] == "{":
            words = []
            j += 1
            while j < len(self.toks) and self.src[self.toks[j].start:self.toks[j].end] != "}":
                words.append(self.toks[j].text)
                j += 1
            return "".join(words)
        return ""

    def read_word_arg(self, cmd) -> tuple:
        """The argument of \\mathrm, \\operatorname, ... as (word, start, end): letters, a Greek
        command (\\operatorname{\\sigma}) or digits."""
        toks, start, end = self.script_tokens(cmd.end)
        if toks and toks[0].kind == "cmd" and toks[0].text in _WORD_FONTS:  # \mathop{\mathrm{tr}}
            inner = self.sub_reader(toks[1:])
            if inner.peek() is not None and inner.src[inner.peek().start:inner.peek().end] == "{":
                inner.take()
                toks = [u for u in inner.toks[inner.i:] if inner.src[u.start:u.end] != "}"]
            else:  # \mathop{\rm tr}
                toks = toks[1:]
        word = ""
        for u in toks:
            if u.kind == "letters" or u.kind == "num":
                word += u.text
            elif u.kind == "cmd" and u.text in _GREEK:
                word += "\\" + u.text
            elif u.kind == "char" and u.text in "-*" and word:
                word += u.text
            elif u.kind == "char" and u.text in "{}":
                continue
            else:
                raise self.error(f"\\{cmd.text}{{...}} holds a name or a function name", u.start)
        return word.strip(), start, end

    def command(self) -> list:
        t = self.take()
        w = t.text
        if w in _GREEK and self.i >= 2 and not t.space and "d" not in self.decls:
            prev = self.toks[self.i - 2]
            if prev.kind == "letters" and prev.text == "d":
                # J d\theta, g^\top d\mu: a step's or a differential's name, read d times theta (a number)
                one = (f"for the declared d{w} write \\mathrm{{d}}\\{w}" if f"d{w}" in self.decls else
                       f"for one name (a step or a direction) write d_{{\\{w}}} or declare it (where='d{w}: ...')")
                raise self.error(f"d\\{w} is read as the product d {w}; {one}; for the product put a space "
                                 f"(d \\, \\{w})", prev.start)
        if w in _GREEK:
            if w == "pi":
                nxt = self.peek()
                if nxt is not None and nxt.kind == "char" and nxt.text == "_":  # \pi_k: a name (mixture weights)
                    return [self.named("pi", t.start, t.end)]
                return [_Item(_p("pi", t.start, t.end), "operand", t.start, t.end)]
            if w == "sigma" and "sigma" not in self.decls and self._group_ahead():
                raise self.error(
                    "\\sigma(...) has two readings: the logistic function (write \\operatorname{\\sigma}(...) or "
                    "\\operatorname{sigmoid}(...)), or a scalar sigma times (...) (declare it: where='sigma: "
                    "scalar', or write \\sigma \\cdot (...))", t.start)
            nxt = self.peek()
            if w in ("Delta", "delta") and w not in self.decls and nxt is not None \
                    and not re.search(r"\\frac\s*\{\s*\\(?:d|D)elta", self.src) and (  # (\frac{\delta f}{\delta x})
                    nxt.kind == "letters" or nxt.kind == "cmd" and nxt.text in ("mathbf", "boldsymbol", "bm", "mathit")):
                # \Delta x, \delta\mathbf{x}: papers' step or perturbation, one quantity, read as Delta times x
                raise self.error(f"\\{w} before a name has two readings: one quantity, a step or a perturbation of it "
                                 f"(name it {w}_x, or declare that name), or {w} times it (declare {w}, where="
                                 f"'{w}: {'matrix(n,n)' if w == 'Delta' else 'scalar'}')", t.start)
            # (\varepsilon and \varphi are the glyphs of epsilon and phi, as Unicode's ϵ and ϕ are: a declared
            # epsilon or phi is theirs; a formula that uses both spellings for two things is refused)
            name = {"varepsilon": "epsilon", "varphi": "phi", "ell": "l"}.get(w, w)
            if w in ("varepsilon", "varphi") and re.search(rf"\\{name}(?![A-Za-z])", self.src):
                raise self.error(f"\\{w} and \\{name} are both the name {name} here: two names would be one; write "
                                 f"one of them as {name}_2 (or another name)", t.start)
            if w == "ell" and re.search(r"(?<![A-Za-z\\])l(?![A-Za-z])", self.src):
                # (\ell x + l: both would be the one name l)
                raise self.error("\\ell is the name l here, and the formula has an l of its own: two names would be "
                                 "one; write \\ell as l_ell (or rename the other l)", t.start)
            return [self.named(name, t.start, t.end)]
        if w == "log":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "cmd" and nxt.text == "det":  # \log\det: one function
                self.take()
                if self._power_after_group():  # \log\det(X)^{-1} is log(det(X)^-1), as log det(X)^-1 reads
                    return [_Item(_p("log det", t.start, nxt.end), "operand", t.start, nxt.end)]
                return [_Item(_p("logdet", t.start, nxt.end), "operand", t.start, nxt.end)]
        if w in _FUNC_COMMANDS:
            after = _frac_operand_end(self.src, t.end)
            if after is not None and _OPERAND_AHEAD.match(self.src, after):
                # \log\frac{1}{K}\sum\exp(s) (log-mean-exp) read log(1/K) times the sum: the fraction, set in
                # parentheses, was taken for the call's argument
                frac = " ".join(self.src[t.end:after].split())
                rest = " ".join(self.src[after:].split())
                raise self.error(f"'\\{w}{frac} {rest}' has two readings: \\{w} of the whole product, or "
                                 f"\\{w}{frac} times {rest}; write the parentheses (\\{w}\\left({frac} "
                                 f"{rest}\\right), or \\{w}\\left({frac}\\right) {rest})", t.start)
            return [_Item(_p(_FUNC_COMMANDS[w], t.start, t.end), "operand", t.start, t.end)]
        if w in ("frac", "tfrac", "dfrac", "cfrac", "nicefrac"):
            num = self.argument(t, "the numerator")
            den = self.argument(t, "the denominator")
            end = den.end
            top = "".join(x for x, _, _ in num.pieces).replace(" ", "")
            bottom = "".join(x for x, _, _ in den.pieces).replace(" ", "")
            if re.fullmatch(r"(d|partial)[A-Za-z_0-9]*", top) and re.fullmatch(r"(d|partial)[A-Za-z]\w*", bottom) \
                    and not (top.startswith("det") or bottom.startswith("det")):
                # \frac{d}{dx} x^3, \frac{\partial f}{\partial x}, \frac{\delta f}{\delta x}: Leibniz notation,
                # not a quotient (the d of det, \frac{\det A}{\det B}, is no d)
                raise self.error("\\frac{d}{dx} is the derivative, which is not written in the formula: give the "
                                 "function alone and differentiate it with grad(f, 'x') (or --wrt x)", t.start)
            pieces = (num.pieces if _simple(num.pieces) else _wrap(num.pieces, num.start, num.end)) + \
                _p(" / ", t.start, t.end) + (den.pieces if _simple(den.pieces) else _wrap(den.pieces, den.start, end))
            return [_Item(_wrap(pieces, t.start, end), "operand", t.start, end)]
        if w == "sqrt":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "delim" and self.src[nxt.start:nxt.end] == "[":
                self.take()
                root = self.sequence(")")
                self.expect(lambda u: self.src[u.start:u.end] == "]", "']'")
                arg = self.argument(t, "the radicand")
                pieces = _wrap(arg.pieces, arg.start, arg.end) + _p("^(1/", t.start, t.end) + \
                    _wrap(_join(root), t.start, t.end) + _p(")", arg.end - 1, arg.end)
                return [_Item(_wrap(pieces, t.start, arg.end), "operand", t.start, arg.end)]
            arg = self.argument(t, "the radicand")
            return [_Item(_p("sqrt", t.start, t.end) + _wrap(arg.pieces, arg.start, arg.end), "operand", t.start,
                          arg.end)]
        if w == "sum":
            nxt = self.peek()
            if nxt is not None and nxt.kind == "char" and nxt.text in "_^":
                raise self.error("a sum over indices is not part of the language: the sum of a vector's entries is "
                                 "\\mathbf{1}^\\top x (or \\operatorname{sum}(x))", t.start)
            if self._group_ahead() and self._power_after_group():
                # \sum (x - y)^2 is the sum of the squares, as in mathematics: the sign takes the whole
                # term after it, its superscripts too (the plain sum (x - y)^2 squares the sum)
                term = self.operand()
                while self._postfix_ahead():
                    self.element(term)
                arg = term[0]
                pieces = _p("sum(", t.start, t.end) + arg.pieces + _p(")", arg.end - 1, arg.end)
                return [_Item(pieces, "operand", t.start, arg.end)]
            return [_Item(_p("sum", t.start, t.end), "operand", t.start, t.end)]
        nxt = self.peek()
        unbraced = nxt.text[:1] if nxt is not None and nxt.kind in ("num", "letters") else ""  # (\mathbf 1^T x)
        if w in ("mathbb", "mathds", "mathbf", "bf", "bm", "boldsymbol", "mathbfit", "pmb", "symbf", "symbfit", "bold") \
                and (self._word_ahead(0) in ("1", "I", "0") or unbraced in ("1", "I", "0")):
            word, start, end = self.read_word_arg(t)
            if word == "1":
                self._mark_ones()
                item = self.named("1", t.start, end)
                if item.name == "1":  # no subscript: its size comes from the context
                    item.pieces = _p(self.ones, t.start, end)
                return [item]
            return [self.named(word, t.start, end)]
        if w in ("mathbb", "mathbbm") and self._word_ahead(0) in ("E", "P", "V"):
            raise self.error(f"\\{w}{{{self._word_ahead(0)}}} (an expectation, probability or variance) is not part of "
                             "the language: differentiate the expression inside it", t.start)
        if w in ("mathrm", "rm", "text", "textrm", "operatorname") and self._word_ahead(0) == "e" \
                and "e" not in self.decls and not re.match(r"\s*\{\s*e\s*\}\s*\^", self.src[t.end:]):
            # 2\pi\mathrm{e}: the upright e is Euler's number (before ^ it is the base of exp, as e^ reads)
            _, start, end = self.read_word_arg(t)
            return [_Item(_p("exp(1)", t.start, end), "operand", t.start, end)]
        if w in _SUBEXPR_FONTS:
            toks, start, end = self.script_tokens(t.end)
            if w in ("mathcal", "mathscr") and re.match(r"\s*(?:\(|\\left\s*\()", self.src[end:]):
                # \mathcal{L}(w): the name of a function applied to its argument, not L times w
                raise self.error(f"{self.src[t.start:end]}(...) is a function's name applied to its argument, which "
                                 f"would be read as a product; give the formula of the function itself", t.start)
            inner = self.sub_reader(toks).sequence()
            if len(inner) == 1 and inner[0].name is not None:  # \mathbf{W}_1: the subscript decorates the name
                base = inner[0].name
                return [self.named(base, t.start, end)]
            return inner if len(inner) == 1 else [_Item(_wrap(_join(inner), start, end), "operand", t.start, end)]
        if w in _WORD_FONTS:
            word, start, end = self.read_word_arg(t)
            if word in ("\\sigma",) and w in ("operatorname", "mathop", "mathrm"):
                return [_Item(_p("sigmoid", t.start, end), "operand", t.start, end)]
            if word == "d" and w in ("mathrm", "text", "operatorname", "textrm"):
                return [self.differential(t)]
            if word == "e" and w in ("mathrm", "text", "textrm"):
                return [_Item(_p("e", t.start, end), "operand", t.start, end)]
            if word == "sym":
                return [self.sym(t)]
            if word in _FUNC_WORDS and word not in self.decls:
                return [_Item(_p(_FUNC_WORDS[word], t.start, end), "operand", t.start, end)]
            if word.startswith("\\") and word[1:] in _GREEK:
                return [self.named(word[1:], t.start, end)]
            if w in ("operatorname", "mathop"):
                raise self.error(f"unknown function \\{w}{{{word}}}; the functions are "
                                 f"{', '.join(n for n in list(CALLS) + list(FUNCTIONS) if n in _FUNC_WORDS)} "
                                 f"(norms are written \\|x\\|_1, \\|x\\|_2, \\|X\\|_F)", t.start)
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", word or ""):
                raise self.error(f"\\{w}{{{word}}} is not a name", t.start)
            nxt = self.peek()
            subscripted = nxt is not None and nxt.kind == "char" and nxt.text == "_" and any(
                d.startswith(word) and d[len(word):].lstrip("_").isalnum() for d in self.decls)
            if len(word) > 1 and word not in self.decls and word not in _GREEK and not subscripted:
                # (\mathit{Eta}_{2} is the declared Eta2, as the LaTeX printer writes it)
                raise self.error(f"\\{w}{{{word}}} is the one name {word}: declare it (where='{word}: ...'); "
                                 f"letters written side by side (AX) are a product", t.start)
            nxt = self.peek()
            if w in ("mathrm", "operatorname") and word == "K" and nxt is not None and nxt.kind == "char" \
                    and nxt.text == "_" and re.match(r"_\s*\{[^{}]*,[^{}]*\}", self.src[nxt.start:]):
                # \mathrm{K}_{m,n}: the commutation matrix as the printer writes it, upright apart from a variable K
                self.take()
                toks, _, end = self.script_tokens(nxt.start)
                words = _script_words(self.src, toks)
                k = words.index(",")
                return [_Item(_p(f"comm({''.join(words[:k])}, {''.join(words[k + 1:])})", t.start, end), "operand",
                              t.start, end)]
            if w == "mathit" and word in self.decls and any(
                    word in getattr(d, "dims", ()) for d in self.decls.values()):
                # \mathit{N} is how the printer writes the size N, apart from a declared scalar N (X: matrix(n,N);
                # N: scalar): there it is the size, dim(N), as the text writes it
                return [_Item(_p(f"dim({word})", t.start, end), "operand", t.start, end)]
            return [self.named(word, t.start, end)]
        if w in ACCENT_NAMES:  # \hat{y}: the name y_hat, as the pasted ŷ reads
            toks, start, end = self.script_tokens(t.end)
            inner = self.sub_reader(toks).sequence()
            if len(inner) == 1 and inner[0].name is not None and "_" not in inner[0].name:
                nxt = self.peek()
                if nxt is not None and nxt.kind == "char" and nxt.text == "_":
                    after = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
                    sub = self._word_ahead(1) or (after.text[:1] if after is not None and after.text[:1].isalnum()
                                                  else "i")
                    raise self.error(f"\\{w}{{{inner[0].name}}}_...: an accented name takes no subscript of its own; "
                                     f"name it in one word ({inner[0].name}_{ACCENT_NAMES[w]}{_subscript_word(sub)})",
                                     t.start)
                return [self.named(f"{inner[0].name}_{ACCENT_NAMES[w]}", t.start, end)]
            if len(inner) == 1 and inner[0].name is not None:  # \hat{w_1}
                base, sub = inner[0].name.split("_", 1)
                raise self.error(f"\\{w}{{...}} over the subscripted name {inner[0].name}: an accented name takes no "
                                 f"subscript; name it in one word ({base}_{ACCENT_NAMES[w]}{sub.strip('{}')})", t.start)
            raise self.error(f"\\{w}{{...}} decorates one name (\\hat{{y}} is the name y_hat); for an expression "
                             f"give it a name of its own", t.start)
        if w in ("cdot", "ldots", "dots", "cdots"):
            raise self.error(f"\\{w} stands for an argument here: write the argument itself", t.start)
        if w in ("top", "intercal"):
            inverse = re.search(r"(\\?[A-Za-z]+)\}?\s*\^\s*\{\s*-\s*1\s*$", self.src[:t.start])
            if inverse:  # X^{-1\top}
                x = inverse.group(1)
                raise self.error(f"{x}^{{-1\\{w}}}: for the inverse transposed write {x}^{{-\\{w}}}", t.start)
            raise self.error(f"\\{w} belongs in a superscript: X^\\top", t.start)
        if w in ("partial", "nabla", "int", "prod", "lim", "max", "min", "sup", "inf", "infty"):
            raise self.error(f"\\{w} is not part of the language of formulas matcalc differentiates", t.start)
        if w in ("in", "succ", "succeq"):  # x^\top A x, \quad x \in \mathbb{R}^n: a declaration pasted with the formula
            example = "where=r'x \\in \\mathbb{R}^n' or where='x: vector(n)'" if w == "in" else \
                "for a positive definite matrix where='A: matrix(n,n) spd'"
            raise self.error(f"\\{w} states what a name is: give the formula alone and the declaration in where= "
                             f"({example})", t.start)
        after_operand = t.start > 0 and (self.src[t.start - 1].isalnum() or self.src[t.start - 1] in ")}")
        solve = " (for MATLAB's solve A\\b write A^-1 b)" if len(w) <= 2 and after_operand else ""
        raise self.error(f"unknown LaTeX command \\{w}{solve}", t.start)

    def _power_after_group(self) -> bool:
        """Is the next token a parenthesized group with a superscript or .^ right after it (`(X)^{-1}`)?"""
        j = self.i
        if j >= len(self.toks) or not (self.toks[j].kind == "delim" and self.toks[j].text == "("
                                       and self.toks[j].role == "open"):
            return False
        depth = 0
        while j < len(self.toks):
            u = self.toks[j]
            if u.kind == "delim" and u.text in "()":
                depth += 1 if u.role == "open" else -1
                if depth == 0:  # (^, or the entrywise .^ typed in LaTeX: \sum (y - X w).^2)
                    after = self.toks[j + 1:j + 3]
                    return bool(after) and after[0].kind == "char" and (after[0].text == "^" or (
                        after[0].text == "." and len(after) == 2 and after[1].kind == "char" and after[1].text == "^"
                        and not after[1].space))
            j += 1
        return False

    def _postfix_ahead(self) -> bool:
        """Is the next token a superscript, a prime or an entrywise power (^, ', \\prime, .^)?"""
        t, u = self.peek(), self.peek(1)
        return t is not None and (t.kind == "char" and (t.text in "^'" or t.text == "." and u is not None and
                                                        u.kind == "char" and u.text == "^" and not u.space)
                                  or t.kind == "cmd" and t.text == "prime")

    def _group_ahead(self) -> bool:
        t = self.peek()
        return t is not None and t.kind == "delim" and t.text == "(" and t.role == "open"

    def argument(self, cmd, what) -> _Item:
        """The argument of \\frac or \\sqrt: a braced group or one token (\\frac12, \\frac1n)."""
        t = self.peek()
        if t is None:
            raise self.error(f"\\{cmd.text} needs {what}", self.end_pos())
        raw = self.src[t.start:t.end]
        if raw == "{":
            self.take()
            body = self.sequence("}")
            close = self.expect(lambda u: self.src[u.start:u.end] == "}", "'}'")
            pieces = _join(body)
            if not pieces:
                raise self.error(f"\\{cmd.text} has an empty {what[4:]}", t.start)
            return _Item(pieces, "operand", t.start, close.end)
        if t.kind == "num" and len(t.text) > 1 and "." not in t.text:
            first = self.take_first()
            return _Item(_p(first.text, first.start, first.end), "operand", first.start, first.end)
        if t.kind == "letters" and len(t.text) > 1:
            first = self.take_first()
            return self.named(first.text, first.start, first.end, sub_allowed=False)
        items = self.operand()
        return items[0] if len(items) == 1 else _Item(_join(items), "operand", items[0].start, items[-1].end)

    def differential(self, cmd) -> _Item:
        """\\mathrm{d}X: the name dX (a direction, as matcalc's differentials are written)."""
        t = self.peek()
        if t is None:
            raise self.error("\\mathrm{d} needs the name of the variable after it", cmd.start)
        if t.kind == "letters":
            first = self.take_first()
            base, end = first.text, first.end
        elif t.kind == "cmd" and t.text in _GREEK:
            self.take()
            base, end = t.text, t.end
        elif t.kind == "cmd" and t.text in _SUBEXPR_FONTS:
            item = self.operand()[0]
            if item.name is None:
                raise self.error("\\mathrm{d} needs the name of the variable after it", t.start)
            base, end = item.name, item.end
        else:
            raise self.error("\\mathrm{d} needs the name of the variable after it", t.start)
        item = self.named(base, cmd.start, end, prefix="d")
        if item.name not in self.decls:
            raise self.error(f"\\mathrm{{d}}{base} is the differential {item.name}, a name of its own: declare it "
                             f"like {item.name[1:]} (where='{item.name}: ...')", cmd.start)
        return item

    def sym(self, cmd) -> _Item:
        """\\mathrm{sym}(A) = (A + A^T)/2."""
        t = self.peek()
        if t is None or not (t.kind == "delim" and t.text == "(" or self.src[t.start:t.end] == "{"):
            raise self.error("\\mathrm{sym} needs its argument in parentheses: \\mathrm{sym}(A)", cmd.start)
        arg = self.operand()[0]
        a = _wrap(arg.pieces, arg.start, arg.end) if not arg.pieces[0][0].startswith("(") else arg.pieces
        pieces = _p("((", cmd.start, cmd.end) + a + _p(" + ", cmd.start, cmd.end) + a + \
            _p("') / 2)", arg.end - 1, arg.end)
        return _Item(pieces, "operand", cmd.start, arg.end)

    def inner(self, t, closer) -> _Item:
        body = self.sequence(closer)
        close = self.peek()
        if close is None:
            raise self.error("\\langle without its \\rangle", t.start)
        self.take()
        return _Item(_p("<", t.start, t.end) + _join(body) + _p(">", close.start, close.end), "operand", t.start,
                     close.end)

    def delimited(self) -> _Item:
        t = self.take()
        if t.role == "close" and t.text not in ("norm", "abs"):
            raise self.error(f"unmatched '{self.src[t.start:t.end]}'", t.start)
        if t.text == "none":
            raise self.error("\\left. and \\right. (invisible delimiters) are not supported here", t.start)
        if t.text == "<":
            return self.inner(t, ">")
        if t.text == ">":
            raise self.error("unmatched \\rangle", t.start)
        if t.text == "(":
            body = self.sequence(")")
            close = self.peek()
            if close is None:
                raise self.error(f"'{self.src[t.start:t.end]}' is not closed", t.start)
            self.take()
            pieces = _join(body)
            if not pieces:
                raise self.error("empty parentheses", t.start)
            return _Item(_wrap(pieces, t.start, close.end), "operand", t.start, close.end)
        # a norm \|x\| or an absolute value |x|
        kind = t.text
        body = self.sequence(kind)
        close = self.peek()
        if close is None:
            raise self.error(f"'{self.src[t.start:t.end]}' is not closed", t.start)
        self.take()
        inner = _join(body)
        if not inner:
            raise self.error("an empty norm or absolute value", t.start)
        end = close.end
        if kind == "abs":
            self.bars.append(t.start)
            fn = {"det": "det(", "group": "("}.get(self.bar_as.get(t.start), "abs(")
            return _Item(_p(fn, t.start, t.end) + inner + _p(")", close.start, close.end), "operand", t.start,
                         end)
        sub = ""
        nxt = self.peek()
        if nxt is not None and nxt.kind == "char" and nxt.text == "_":
            self.take()
            toks, _, end = self.script_tokens(nxt.start)
            words = [w for w in _script_words(self.src, toks) if w not in _WORD_FONTS]
            sub = _FROBENIUS.get("".join(words), "".join(words))
            if sub not in ("2", "F", "1", "*"):
                raise self.error(f"the norm subscript {sub!r} is not supported: write \\|x\\|_2, \\|x\\|_1 or "
                                 f"\\|X\\|_F{_weighted_norm(sub)}", nxt.start)
            sub = "_" + sub
        pieces = _p("(||", t.start, t.end) + inner + _p("||" + sub + ")", close.start, end)
        return _Item(pieces, "operand", t.start, end)


def _weighted_norm(sub: str) -> str:
    """The advice for a norm subscripted by a matrix (\\|x - \\mu\\|_{\\Sigma^{-1}}, \\|x\\|_A): its quadratic form."""
    m = sub.replace("mathbf", "").replace("boldsymbol", "")
    if not re.match(r"[A-Z]", m):  # (a capital: \|x\|_p is a p-norm, \|x\|_\infty the max norm)
        return ""
    return (f"; a norm weighted by a matrix {m} is its quadratic form: sqrt(x' {m} x), squared x' {m} x (of a "
            f"matrix X weighted entry by entry: sqrt(sum({m} .* X.^2)))")


def _script_words(src, toks) -> list:
    out = []
    for u in toks:
        if u.kind == "char" and u.text in "{}":
            continue
        raw = src[u.start:u.end]
        if raw in ("{", "}"):
            continue
        out.append(u.text if u.kind != "delim" else raw)
    return out


#: an expectation or a moment as papers write it: E, \mathrm{E}, \mathbf{E}, {\rm E}, \operatorname{E}, Var, Cov
#: (with a subscript, E_x), before a bracket (spaces, \, or \left between); parentheses only after Var or Cov
_EXPECTATION = re.compile(
    r"(?<![A-Za-z\\])(?:\\(?:mathrm|mathbf|operatorname|mathsf|text|textrm|boldsymbol)\s*\{\s*(E|Var|Cov)\s*\}"
    r"|\{\s*\\rm\s+(E|Var|Cov)\s*\}|(E|Var|Cov))"
    r"(?:_(?:\{[^{}]*\}|\w))?(?:\s|\\[,;:!]|~)*"
    r"(?:(?:\\left|\\[bB]igg?l?)\s*)?(\[|\\\{|\\lbrack\b|\()")


def _refuse_expectation(src: str, decls: dict) -> None:
    """E[x]' E[x] (with E italic, upright or bold): an expectation, which the reader takes for a name E
    times the bracket (its gradient was 2 E^2 x). Refused, as \\mathbb{E} is; Var(x) and Cov(x, y)
    too; a name E, Var or Cov that is declared is the user's own."""
    if "E" not in src and "Var" not in src and "Cov" not in src:
        return
    for m in _EXPECTATION.finditer(src):
        name = m.group(1) or m.group(2) or m.group(3)
        if name in decls or (m.group(4) == "(" and name == "E"):
            continue  # (E(x) is E times x, as for any name; E declared is the user's matrix)
        raise ParseError(f"{src[m.start():m.end()]}...] reads as an expectation or a moment ({name}), which is not part "
                         f"of the language: differentiate the expression inside it (a sample mean is mean(...))"
                         if m.group(4) != "(" else
                         f"{src[m.start():m.end()]}...) reads as a moment ({name}), which is not part of the language; "
                         f"for a name {name} declare it (where='{name}: ...')", src, m.start())


def latex_line_break_product(src: str, decls: dict) -> tuple[int, str] | None:
    """Where a line break in LaTeX stands between two whole formulas (\\frac12 \\|A x - b\\|^2, a new
    line, \\lambda \\|x\\|^2: read as one product), as (position, message), else None: as
    parser.line_break_product for plain text. A break outside braces, not after or before an operator,
    where the text before it and the text after it each read as a formula."""
    if "\n" not in src or src.count("\n") > 20:
        return None
    depth = 0
    for i, ch in enumerate(src):
        depth += ch == "{"
        depth -= ch == "}"
        if ch != "\n" or depth:
            continue
        before, after = src[:i].rstrip(), src[i + 1:].lstrip()
        if not before or not after or before.endswith(_BREAK_OPERATORS) or after.startswith(_BREAK_OPERATORS) \
                or before.endswith("\\\\"):
            continue  # (a formula that goes on after an operator, or LaTeX's own line end)
        try:  # (each side in plain text, judged as a plain break is: x^\top, a new line, A x goes on)
            plain = [str(latex_to_plain(part, decls)[0]) for part in (before, after)]
        except MatcalcError:
            continue
        if line_break_product(plain[0] + "\n" + plain[1]) is None:
            continue
        return len(src) - len(src[i + 1:].lstrip()), (
            "the text holds two formulas, one a line, which would read as their product: give one formula (it may "
            "go on to the next line after an operator: +, -, \\cdot); for a product write \\cdot")
    return None


_BREAK_OPERATORS = ("+", "-", "=", "\\cdot", "\\times", "*", "/", "(", "[", "\\left(", "\\left[", ",", "&")


def latex_to_plain(src: str, decls: dict | None = None, ones: str = "vector(1)",
                   bar_as: dict[int, str] | None = None) -> tuple:
    """(plain, used_ones): the LaTeX `src` as matcalc's plain language (a `Translation` that maps
    every character back into `src`), and whether it has a `\\mathbf{1}` of open size (written
    `ones`: "vector(1)" or "matrix(1)"). `bar_as` reads chosen |...| as det(...) or (...)."""
    if len(src) > MAX_LENGTH:
        raise ParseError(f"the expression is too long ({len(src):,} characters; the limit is {MAX_LENGTH:,})")
    _refuse_expectation(src, decls or {})
    r = _Reader(src, decls or {}, ones, bar_as)
    if len(r.toks) > MAX_TOKENS:
        raise ParseError(f"the expression has too many tokens (the limit is {MAX_TOKENS:,})", src,
                         r.toks[MAX_TOKENS].start)
    if not r.toks:
        raise ParseError("the expression is empty", src, 0)
    try:
        items = r.sequence()
    except RecursionError:
        raise ParseError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)", src, 0) from None
    if r.peek() is not None:  # pragma: no cover - sequence() reads to the end or raises
        t = r.peek()
        raise ParseError(f"unexpected '{src[t.start:t.end]}'", src, t.start)
    pieces = _join(items)
    text = []
    origin = []
    reach = []
    for s, start, end in pieces:
        text.append(s)
        width = max(1, end - start)
        for k in range(len(s)):
            origin.append(min(start + min(k, width - 1), len(src)))
        reach.extend([max(end, start + 1)] * len(s))
    out = Translation("".join(text))
    out.source = src
    out.origin = origin
    out.reach = reach
    out.bars = tuple(r.bars)
    out.ones = ones
    return out, r.used_ones


def _determinant_bars(src: str, plain: Translation) -> set:
    """The bars that papers write for a determinant: a log's argument (log|Sigma|), or raised to a
    negative or fractional power (|Sigma|^{-1/2}, the Gaussian density's, where the entrywise
    absolute value would need an entrywise power); |A| and |A|^2 alone stay ambiguous."""
    out = set()
    for pos in plain.bars:
        if _LOG_BEFORE.search(src[:pos]):
            out.add(pos)
            continue
        opening = _BAR.search(src, pos)
        close = _BAR.search(src, opening.end()) if opening else None
        if close is not None and _FRACTIONAL_POWER.match(src, close.end()):
            out.add(pos)
    return out


#: a negative or fractional superscript right after a closing bar: ^{-1/2}, ^{-\frac{1}{2}}, ^{1/2}, ^-1
_FRACTIONAL_POWER = re.compile(r"\s*\^\s*(?:\{\s*)?(?:-|−|\\frac|[0-9]+\s*/)")


def logged_bars_reading(src: str, decls: dict, plain: Translation,
                        read: Callable[[str, dict], tuple]) -> tuple | None:
    """The reading with the bars a log applies to, or raised to a negative or fractional power, as
    determinants (-1/2 log|Sigma| - 1/2 (x - mu)' Sigma^-1 (x - mu), |Sigma|^{-1/2} exp(...), whose
    absolute-value readings do not fit), where it reads with every name that it makes a matrix
    looking like one; else None."""
    logged = {pos: "det" for pos in _determinant_bars(src, plain)}
    if not logged:
        return None
    inside, coefficients = set(), set()
    try:  # (all the logged bars at once: log|X| - nu log|V| reads with neither one alone an absolute value)
        as_det = read(latex_to_plain(src, decls, plain.ones, logged)[0], decls)
    except MatrixFunctionError:
        raise  # (log|exp(X)|: the determinant meant, of a matrix function matcalc does not have)
    except MatcalcError:
        return None
    scalar = []  # bars of a 1 x 1 value (log|w' x|, log|det W|): the absolute value, beside the matrices' det
    for pos in logged:
        try:
            if as_det[0] is read(latex_to_plain(src, decls, plain.ones, {**logged, pos: "group"})[0], decls)[0]:
                scalar.append(pos)
        except MatcalcError:
            pass  # (the group alone does not fit: no 1 x 1 reading to be the same as)
    if scalar:
        logged = {pos: k for pos, k in logged.items() if pos not in scalar}
        if not logged:
            return None
        try:
            as_det = read(latex_to_plain(src, decls, plain.ones, logged)[0], decls)
        except MatcalcError:
            return None
    for pos in logged:  # the names inside the determinants' bars
        opening = _BAR.search(src, pos)  # (\left| and \bigl| start at their command)
        close = _BAR.search(src, opening.end()) if opening else None
        content = src[opening.end() if opening else pos:close.start() if close else None]
        for w in re.findall(r"\\?[A-Za-z]+(?:_\{?[A-Za-z0-9]+\}?)?", content):
            w = w.replace("{", "").replace("}", "")
            inside |= {w[1:]} if w.startswith("\\") else {w, *w}  # (Wx: the names W and x too)
        # a small letter right before a capital is its coefficient (log|c\Sigma|, the entropy's log|2\pi e\Sigma|),
        # a number, not a vector made one against its look as x in log|W x| would be
        coefficients |= set(re.findall(r"(?<![A-Za-z\\])([a-z])\s*(?=\\[A-Z][a-z]+|[A-Z])", content))
    result = as_det
    for n, k in _kind_map(str(result[3])).items():  # no name a matrix against its look (log|x_1|, log|\hat{y}|), nor
        if n in decls:                         # one in the bars a scalar against it (log|W x|: not x a scalar)
            continue
        if k == "matrix" and default_kind(n) != "matrix" or n in inside and (
                k != "matrix" and default_kind(n) == "matrix" or
                k == "scalar" and not is_greek(n) and default_kind(n) != "scalar" and n not in coefficients):
            return None
    return result


def refuse_ambiguous_bars(src: str, decls: dict, plain: Translation, result: tuple, read: Callable[[str, dict], tuple],
                          read_final: Callable[[str, dict], tuple] | None = None) -> tuple:
    """|M| is the determinant in many papers (log|Sigma|) and the entrywise absolute value in
    others: where the text reads both ways with the same kinds (M a square matrix), refuse it.
    `read(plain, decls)` reads a translation; `result` is what the absolute-value reading gave,
    and what is returned, unless the bars of a square matrix are a log's argument: log|Sigma| is
    the log-determinant (the log of each entry's absolute value is never written so)."""
    logged_result = logged_bars_reading(src, decls, plain, read_final or read)
    logged = set()
    if logged_result is not None:
        result = logged_result
        logged = _determinant_bars(src, plain)
    for pos in plain.bars:
        if pos in logged:
            continue
        try:
            as_det = read(latex_to_plain(src, decls, plain.ones, {pos: "det"})[0], decls)
            as_group = read(latex_to_plain(src, decls, plain.ones, {pos: "group"})[0], decls)
        except MatrixFunctionError:
            raise  # (|sqrt(Sigma)|: the absolute value only by making Sigma a scalar; the determinant is refused)
        except MatcalcError:
            continue  # no determinant reading: the absolute value it is
        # the determinant reading gives the names the kinds the chosen reading gives them, or the
        # kinds they look like (log|Sigma| with Sigma undeclared: a covariance, though a scalar
        # Sigma would make f a scalar too)
        same_kinds = _kinds(str(as_det[3])) in (_kinds(str(result[3])), _kinds(str(as_group[3])))
        # (|Sigma|^{-1/2} exp(...)): the absolute value only by making a matrix-looking name a scalar
        made_scalar = _made_scalar(str(result[3]), str(as_det[3]), decls)
        if (same_kinds or made_scalar) and as_det[0] is not as_group[0]:  # not a 1 x 1 |t|
            raise ParseError("|...| of a square matrix has two readings: the determinant (write \\det(...)) or "
                             "the entrywise absolute value (write \\operatorname{abs}(...)); a norm is written \\|...\\|", src, pos)
    return result


#: a log (or ln) right before a bar: log|Sigma| is the log-determinant (\log\,|X|, \operatorname{log}|X| too)
_LOG_BEFORE = re.compile(r"(?:\\log|\\ln|\blog|\bln|\\(?:operatorname|mathrm|mathop|text|textrm|mathup)\s*\{\s*(?:log|ln)\s*\}"
                         r"|\{\s*\\rm\s+(?:log|ln)\s*\})(?:\s|\\[,;:! ]|\\q?quad\b|~)*"
                         r"(?:\\left\s*|\\big[lg]?\s*|\\Big[lg]?\s*)?$")
#: a bar as typed: |, \vert, \lvert, \rvert, \mid
_BAR = re.compile(r"\||\\(?:[lr]?vert|mid)(?![A-Za-z])")


def refuse_bars_of_a_failed_reading(src: str, decls: dict, plain: Translation,
                                     read: Callable[[str, dict], tuple]) -> None:
    """|Sigma|^{-1/2} with Sigma a declared matrix: the absolute-value reading fails (a fractional
    matrix power), while the determinant reading, which papers mean, fits. Its error would advise
    the entrywise power; the two readings are named instead."""
    for pos in plain.bars:
        try:
            read(latex_to_plain(src, decls, plain.ones, {pos: "det"})[0], decls)
        except MatrixFunctionError:
            raise
        except MatcalcError:
            continue
        raise ParseError("|...| of a square matrix has two readings: the determinant (write \\det(...)) or "
                         "the entrywise absolute value (write \\operatorname{abs}(...)); a norm is written \\|...\\|", src, pos)


def _made_scalar(chosen: str, as_det: str, decls: dict) -> bool:
    """Does the chosen reading make an undeclared, matrix-looking name (Sigma) a scalar where the
    determinant reading has it a matrix, as it looks?"""
    a, b = _kind_map(chosen), _kind_map(as_det)
    return any(k == "scalar" and b.get(n) == "matrix" and n not in decls and default_kind(n) == "matrix"
               for n, k in a.items())


def _kind_map(inferred: str) -> dict:
    return {n.strip(): k.strip() for n, k in (d.split(":", 1) for d in _kinds(inferred).split(";") if ":" in d)}


def _kinds(inferred: str) -> str:
    """'A: matrix(m,n); x: vector(n)' without the dimensions: the kind of every name."""
    return re.sub(r"\([^)]*\)", "", inferred)


def variable_name(name: Any) -> Any:
    """The variable a LaTeX name stands for (`\\Sigma` -> Sigma, `\\mathbf{x}` -> x, `W_{1}` -> W_1);
    any other value unchanged (so that `grad(..., wrt=r"\\Sigma")` names the variable Sigma); each name
    of a list or tuple of names the same way."""
    if isinstance(name, (list, tuple)):
        return type(name)(variable_name(n) for n in name)
    if isinstance(name, str):
        name = name.strip()  # ' x ' as typed in a form or on a command line
    if isinstance(name, str) and not name.isascii():
        name = str(unicode_to_plain(name)).strip() if has_unicode_math(name) else greek_names(name)
    if not looks_like_latex(name):
        return norm_name(name) if isinstance(name, str) else name  # W_{1} is W_1
    r = _Reader(name, {}, "vector(1)")
    items = r.sequence()
    if len(items) == 1 and items[0].name is not None:
        return items[0].name
    return name


def _subscript_word(sub: str) -> str:
    """A subscript as letters and digits, for a name to suggest: k-1 as km1, k|k-1 as kkm1, t+1 as tp1."""
    sub = sub.replace("abs", "").replace("-", "m").replace("+", "p")
    return re.sub(r"[^A-Za-z0-9]", "", sub)
