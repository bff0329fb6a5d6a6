"""Declarations: `A, B: matrix(n,n); x: vector(n); c: scalar; S: matrix(n,n) symmetric`.

Kinds are scalar, vector(d) and matrix(r,c) (dimensions are names or integers, and may
be left out); properties are symmetric, spd, invertible, positive, diagonal, orthogonal.
Names that are not declared get a kind by their look (see `default_kind`).
"""
from __future__ import annotations

import difflib
import math
import os
import re
from fractions import Fraction
from functools import lru_cache
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.records import factory, record
from ..core.lazy_numpy import np  # NumPy is imported on first use (core/lazy_numpy.py)

from ..core.errors import DeclarationError, EvaluationError, _printable
from ..core.functions import bare_names
from ..core.nodes import SCALAR, Expr, Var
from .unicode_in import greek_names, has_unicode_math, unicode_to_plain

KINDS = ("scalar", "vector", "matrix")
PROPS = ("symmetric", "spd", "invertible", "positive", "diagonal", "orthogonal")
SQUARE_PROPS = {"symmetric", "spd", "invertible", "diagonal", "orthogonal"}
#: what a property implies
IMPLIES = {"spd": {"symmetric", "invertible"}, "diagonal": {"symmetric"}, "orthogonal": {"invertible"}}

GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta",
         "vartheta", "iota", "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "sigma", "tau",
         "upsilon", "phi", "varphi", "chi", "psi", "omega", "Gamma", "Delta", "Theta", "Lambda",
         "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega")

MAX_DIM = 10 ** 12  # a larger dimension is refused (no array has it; its digits would only slow)


def norm_name(name: str) -> str:
    """x_{1} and x_1 are one name, x_1: a subscript of letters and digits loses its braces."""
    i = name.find("_{")
    if i > 0 and name.endswith("}") and name[i + 2:-1].isalnum():
        return name[:i] + "_" + name[i + 2:-1]
    return name


_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+|_\{[A-Za-z0-9_]+\})?$")
_DIM = re.compile(r"^(?:[A-Za-z][A-Za-z0-9_]*|[0-9]+)(?:\*(?:[A-Za-z][A-Za-z0-9_]*|[0-9]+))*$")  # n, 3, m*n


@record
class Decl:
    """One variable's declaration: kind, dimensions (str, int or None) and properties."""
    name: str
    kind: str
    dims: tuple = ()
    props: frozenset = factory(frozenset)
    declared: bool = True
    #: the structural properties (symmetric, spd, diagonal, ...) left out of `props` while the formula
    #: is read as typed (expression.parse); what a reading may still rely on (D^(-1/2) of a diagonal D)
    relaxed: frozenset = factory(frozenset)
    #: the properties as declared, where `props` were relaxed (what a message quotes)
    declared_props: frozenset | None = None

    def describe(self) -> str:
        s = self.kind
        if self.kind != "scalar":
            s += "(" + ", ".join("?" if d is None else str(d) for d in self.dims) + ")"
        for p in sorted(self.props if self.declared_props is None else self.declared_props):
            s += " " + p
        return s


def declaration_with_size(size: str, decls: dict) -> str | None:
    """The first declaration whose sizes use `size` (x: vector(n) for n), as a message quotes it."""
    for name, d in decls.items():
        if any(isinstance(k, str) and size in k.split("*") for k in getattr(d, "dims", ())):
            return f"{name}: {d.kind}({','.join(map(str, d.dims))})"
    return None


def _show(text: str) -> str:
    """A piece of the declarations quoted in a message: printable, and at most 80 characters (a where of
    5,000 declarations run together was echoed whole, an 84 KB message)."""
    shown = _printable(text)
    return repr(shown if len(shown) <= 80 else shown[:60] + " ... " + shown[-15:])


_GREEK = frozenset(GREEK)


def is_greek(name: str) -> bool:
    return name.split("_", 1)[0].rstrip("0123456789") in _GREEK


def default_kind(name: str) -> str:
    """By look: a small Greek name is a scalar, a capital letter (Latin or Greek: Sigma, Lambda) a
    matrix, a small Latin one a vector."""
    if is_greek(name) and not name[0].isupper():
        return "scalar"
    return "matrix" if name[0].isupper() else "vector"


#: the costs of kinds against a name's look (kinds.py): a half for a Greek name's weak look
_HALF = Fraction(1, 2)


def options(name: str) -> list:
    """(cost, kind) for an undeclared name, cheapest first."""
    if is_greek(name):
        if name[0].isupper():
            return [(0, "matrix"), (_HALF, "scalar"), (_HALF, "vector")]
        return [(0, "scalar"), (_HALF, "vector"), (1, "matrix")]  # small: a vector before a matrix
    if default_kind(name) == "matrix":
        return [(0, "matrix"), (1, "scalar"), (2, "vector")]
    return [(0, "vector"), (1, "scalar"), (2, "matrix")]



def _split_top(text: str, sep: str) -> list:
    """`text` split at each `sep` outside parentheses (`A: matrix(m,n), x` at the last comma only).

    A separator is at the top when the parentheses before it balance: counted piece by piece
    after one str.split, rather than character by character (every declaration passes here)."""
    parts, cur, depth = [], None, 0
    for piece in text.split(sep):
        if cur is None:
            cur = piece
        elif depth == 0:
            parts.append(cur)
            cur = piece
        else:
            cur = f"{cur}{sep}{piece}"
        depth += piece.count("(") - piece.count(")")
    parts.append(cur)
    return parts


def _dim(tok: str, where: str):
    tok = tok.strip()
    if not tok:
        return None
    if not _DIM.match(tok):
        raise DeclarationError(f"{_show(where)}: {_show(tok)} is not a dimension (a name like n, an integer "
                               f"like 3, or a product like m*n)")
    if tok.isdigit():
        if len(tok) > len(str(MAX_DIM)) or int(tok) > MAX_DIM:
            raise DeclarationError(f"the dimension {tok[:20]}{'...' if len(tok) > 20 else ''} "
                                   f"({len(tok):,} digits) is too large (at most {MAX_DIM:,})")
        v = int(tok)
        if v < 1:
            raise DeclarationError(f"{_show(where)}: a dimension must be at least 1, not {v}")
        return v
    factors = [f.strip() for f in tok.split("*")]
    if len(factors) > 1 and any(f.isdigit() for f in factors):
        # (0*n and 1*1 passed unchecked: vector(0*n) made evaluate divide by zero, 10^6*10^6*10^6 the limit)
        numbers = [_dim(f, where) for f in factors if f.isdigit()]
        value = math.prod(numbers)
        if value > MAX_DIM:
            raise DeclarationError(f"{_show(where)}: the dimension {tok} is too large (at most {MAX_DIM:,})")
        if len(numbers) == len(factors):
            return value  # (2*3 is the size 6; 1*1 is 1, a vector of which is a scalar)
    return tok


def parse_declarations(text: str | Mapping | None) -> dict:
    """Parse a `where` string (or a mapping name -> spec string) into {name: Decl}."""
    if text is None:
        return {}
    if isinstance(text, Mapping) and all(isinstance(v, Decl) for v in text.values()):
        return dict(text)
    if isinstance(text, Mapping):
        text = "; ".join(f"{k}: {v}" for k, v in text.items())
    if not isinstance(text, str):
        raise DeclarationError(f"declarations must be a string like 'A: matrix(n,n); x: vector(n)', not {type(text).__name__}")
    if len(text) > 100_000:
        raise DeclarationError("the declarations are too long")
    return dict(_parse_declaration_text(text))  # (a copy: the caller may add to it)


_DECORATED = re.compile(r"^\\(?:mathbf|boldsymbol|bm|mathit|mathrm)\{([^{}]*)\}$")
#: accents on a name and the name they make (\hat{y} is y_hat, as the pasted ŷ and the plain y_hat; the LaTeX
#: reader names the formula's accented names so, and a declaration of one the same way)
ACCENT_NAMES = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "bar",
                 "overline": "bar", "dot": "dot"}
#: \hat{\Sigma}, and without braces as LaTeX takes one token: \hat\Sigma, \bar x
_ACCENTED = re.compile(r"^\\(" + "|".join(ACCENT_NAMES) + r")(?:\s*\{\s*(\\?[A-Za-z]+)\s*\}|\s*(\\[A-Za-z]+)|\s+([A-Za-z]))$")


def _undecorated(name: str) -> str:
    """\\Sigma -> Sigma, \\mathbf{x} -> x, \\hat{\\Sigma} -> Sigma_hat: the LaTeX spellings of a name in a
    declaration."""
    if name.startswith("\\"):
        a = _ACCENTED.match(name)
        if a:
            base = a.group(2) or a.group(3) or a.group(4)
            return f"{base.lstrip(chr(92))}_{ACCENT_NAMES[a.group(1)]}"
        m = _DECORATED.match(name)
        inner = m.group(1).strip() if m else name[1:]
        return inner[1:] if inner.startswith("\\") else inner
    return name


_ITEMS = re.compile(r"[;\n]")
#: a definiteness condition written as papers write it: A ≻ 0, \Sigma \succ 0, A ⪰ 0
_SUCC_ZERO = re.compile(r"(\\?[A-Za-z][A-Za-z0-9_{}\\]*)\s*(≻|⪰|\\succeq|\\succ)\s*0\b")
_MEMBERSHIP = re.compile(r"∈|\\in\b|\bin\s+(?:R\b|R\^|ℝ|\\mathbb)")


#: the start of a declaration after a comma: `, A: matrix(n,n)`, `, x, y: vector(n)`
_NEXT_DECLARATION = re.compile(r"^\s*[A-Za-z\\][A-Za-z0-9_{}\\]*\s*(?:,\s*[A-Za-z\\][A-Za-z0-9_{}\\]*\s*)*:")


def _starts_declaration(text: str) -> bool:
    """Does text start with `names:` (names that are no property: `symmetric, x: ...` is a property
    of the declaration before, then x's)?"""
    m = _NEXT_DECLARATION.match(text)
    if m is None:  # (x ∈ R^n after lambda: scalar: a membership is a declaration too)
        member = _MEMBER.match(text.strip())
        return member is not None and all(_NAME.match(w.strip() or "-") for w in member.group(1).split(","))
    return not any(w.strip().lower() in PROPS for w in m.group(0)[:-1].split(","))


def _items(text: str) -> list:
    """The declarations of a where string: separated by ';' or a new line, and by a ',' that follows
    a whole declaration (W ∈ R^{m×n}, b ∈ R^m; x: vector(n), A: matrix(n,n); not x, y ∈ R^n or
    x, y: vector(n), whose comma lists names)."""
    out = []
    for part in _ITEMS.split(text):
        cur = ""
        pieces = _split_top(part, ",")
        for k, piece in enumerate(pieces):
            if cur and ((_MEMBERSHIP.search(cur) and _MEMBERSHIP.search(piece) and ":" not in cur)
                        or ((":" in cur or _MEMBERSHIP.search(cur)) and _starts_declaration(",".join(pieces[k:])))):
                out.append(cur)
                cur = piece
            else:
                cur = f"{cur},{piece}" if cur else piece
        out.append(cur)
    return out
_SPEC = re.compile(r"^([A-Za-z]+)\s*(\(([^()]*)\))?\s*(.*)$")
_WORDS = re.compile(r"[\s,]+")

# -- sizes as papers write them: `A: m x n`, `S: n × n spd`, `x ∈ R^n`, `W: R^{m \times n}`, `c ∈ ℝ`
_D = r"(?:[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?|[0-9]+)"
#: `names ∈ R...` (also `\in`, and ` in ` before R): the membership is the colon
_MEMBER = re.compile(r"^([^:]*?)\s*(?:∈|\\in\b|\bin\b)\s*((?:\\mathbb\s*\{?\s*R\s*\}?|\\R\b|ℝ|R)(?:[^A-Za-z0-9].*)?)$", re.S)
#: `R`, `R^n`, `R^{m x n}`, `\mathbb{R}^{n \times n}`: the space, its exponent, what follows
_PLUS = r"(_?\{?\+\+?\}?)?"  # R_+, R_{++}, R^n_+: positive entries
_SPACE = re.compile(r"^(?:\\mathbb\s*\{?\s*R\s*\}?|\\R|ℝ|R)" + _PLUS + r"\s*(?:\^\s*(\{[^{}]*\}|\([^()]*\)|" + _D + r"))?"
                    + _PLUS + r"(?![A-Za-z0-9_])\s*(.*)$", re.S)
#: `m x n`, `m \times n`, `m by n`, `(m, n)`; `3x3` and `nxn` for one-character sizes
_SIZE = re.compile(r"^(?:\(\s*(" + _D + r")\s*,\s*(" + _D + r")?\s*\)|(" + _D + r")\s*(?:\bx\b|\\times\b|×|\bby\b)\s*("
                   + _D + r")\b|([A-Za-z0-9])x([A-Za-z0-9])\b)\s*(.*)$", re.S)


_SPACE_PLAIN = {"×": " x ", "∈": r" \in ", "ℝ": "R"}
_SPACE_CHARS = re.compile("|".join(_SPACE_PLAIN))
#: superscript letters and digits as sizes (ℝⁿ, ℝᵐˣⁿ, ℝ³ˣ³), ˣ the times between them
_SUPERSCRIPT_SIZES = dict(zip("ⁿᵐᵈᵏᵖʳˢᵗᵃᵇᶜᵉᶠᵍʰⁱʲˡᵒᵘᵛʷʸᶻᴺᴹᴰᴷᴾᵀᴸᴴᵂᴬᴮᴱᴳᴵᴶᴼᴿᵁⱽ⁰¹²³⁴⁵⁶⁷⁸⁹",
                              "nmdkprstabcefghijlouvwyzNMDKPTLHWABEGIJORUV0123456789"))
_SUPERSCRIPT = "[" + "".join(_SUPERSCRIPT_SIZES) + "]+"
#: the times between two superscript sizes: a superscript x, or a plain times sign, spaced or not
_SUPERSCRIPT_TIMES = r"\s*[ˣ×⨯x]\s*"
_SUPERSCRIPT_RUN = re.compile(f"([ℝR])({_SUPERSCRIPT}(?:{_SUPERSCRIPT_TIMES}{_SUPERSCRIPT})?)")


def _superscript_space(m: re.Match) -> str:
    """ℝᵐˣⁿ (also ℝⁿ×ⁿ, ℝᴺ ˣ ᴰ) as R^{m x n}: the letters of a pasted exponent as sizes."""
    sizes = re.split(_SUPERSCRIPT_TIMES, m.group(2))
    return m.group(1) + "^{" + " x ".join("".join(_SUPERSCRIPT_SIZES[c] for c in d) for d in sizes) + "}"


_DEFINITE = re.compile(r"(?i)\b(?:positive[\s-]+definite|spd|pd)\b(?![^()]*\))")
_SEMIDEFINITE = re.compile(r"(?i)\b(?:positive[\s-]+semi[\s-]*definite|psd)\b(?![^()]*\))")
_ENTRIES = re.compile(r"(?i)\b(?:positive[\s-]+entries|(?:entrywise|elementwise)[\s-]+positive)\b(?![^()]*\))")


def _plain_properties(spec: str, item: str) -> str:
    """Properties as people write them: `positive definite` (and `pd`, `SPD`) is spd, `positive
    entries` is positive. `symmetric positive` alone is refused: positive means every entry is, and
    next to symmetric it is most often a positive definite matrix with a word left out."""
    if "p" not in spec.lower():  # (each of these words has a p: most specs, matrix(m,n), have none)
        return spec
    if _SEMIDEFINITE.search(spec):
        raise DeclarationError(f"{_show(item)}: positive semidefinite is not a property matcalc has (logdet and the "
                               f"inverse need a definite matrix); declare spd (positive definite) or symmetric")
    spec = _DEFINITE.sub("spd", spec)
    entries = _ENTRIES.search(spec) is not None
    spec = _ENTRIES.sub("positive", spec)
    words = set(_WORDS.split(spec))
    if "symmetric" in words and "positive" in words and not entries:
        raise DeclarationError(f"{_show(item)}: positive means every entry is positive; for a positive definite "
                               f"matrix write spd, for a symmetric matrix with positive entries write 'symmetric, "
                               f"positive entries'")
    return spec


def _as_kind(spec: str, item: str) -> str:
    r"""A spec that gives a size as papers write it (`m x n spd`, `R^{n \times n}`, `R^n`, `R`,
    `(m, n)`), in the kind form this module reads (`matrix(m,n) spd`, `vector(n)`, `scalar`); any
    other spec as it is. A kind word after a size (`m x n matrix`) is the size's kind, and dropped;
    properties may come first (`spd n x n`)."""
    lead = []
    words = spec.split(None, 1)
    while len(words) == 2 and words[0].rstrip(",") in PROPS:
        lead.append(words[0].rstrip(","))
        spec = words[1]
        words = spec.split(None, 1)
    if lead:
        kind = _as_kind(spec, item)
        return kind + " " + " ".join(lead) if kind is not spec else " ".join(lead + [spec])
    m = _SPACE.match(spec)
    if m:
        plus, exp, plus_after, rest = m.groups()
        if plus or plus_after:
            rest = rest + " positive"
        if exp is None:
            kind = "scalar"
        else:
            inner = exp[1:-1].strip() if exp[:1] in "{(" else exp
            if inner.count("*") == 1:  # R^{n×n} with × read as *, by the formula's Unicode reading
                inner = inner.replace("*", " x ")
            if inner.count(",") == 1:  # R^(m, n)
                inner = "(" + inner + ")"
            size = _SIZE.match(inner)
            if size and not size.group(7).strip():
                kind = _kind_of_size(size)
            elif re.fullmatch(_D, inner):
                kind = f"vector({inner})"
            else:
                raise DeclarationError(f"cannot read the size {_show(exp)} in {_show(item)}: write R^n for a vector, "
                                       f"R^{{m x n}} for a matrix")
        return _with_rest(kind, rest)
    size = _SIZE.match(spec)
    if size:
        return _with_rest(_kind_of_size(size), size.group(7))
    return spec


def _kind_of_size(m: re.Match) -> str:
    r, c = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4)) if m.group(3) else (m.group(5), m.group(6))
    return f"vector({r})" if c is None else f"matrix({r},{c})"


def _with_rest(kind: str, rest: str) -> str:
    words = [w for w in _WORDS.split(rest.strip()) if w]
    if words and words[-1] == kind.split("(")[0]:  # `m x n matrix`, `R^n vector`
        words.pop()
    if words and words[0] == kind.split("(")[0]:
        words.pop(0)
    return " ".join([kind] + words)


def check_name(name: str, role: str = "", item: str = "") -> None:
    """Refuse what cannot be a variable's name: a letter, then letters or digits, optionally a
    _subscript; not I (the identity) or where. `role` names what the name is for in the message,
    `item` the declaration it is in (an empty name, 'y, : vector(N)', is found there)."""
    if not isinstance(name, str) or not _NAME.match(name):
        where = f" in the declaration {_show(item)}" if item else ""
        if isinstance(name, str) and not name.strip():
            why = ": a name is missing before a comma or the colon"
        elif isinstance(name, str) and len(name.split()) > 1 and all(_NAME.match(w) for w in name.split()):
            why = f": separate names with commas ({', '.join(name.split())}: ...)"
        else:
            why = " (a letter, then letters or digits, optionally _subscript)"
        raise DeclarationError(f"{role}{_show(str(name))}{where} is not a valid name{why}")
    if name in ("I", "where"):
        what = ("the identity matrix (I, or I_n with its size)" if name == "I" else
                "the keyword that names subexpressions (f where u = ...)")
        raise DeclarationError(f"{role}{_show(name)} is reserved for {what} and cannot be "
                               f"{'declared' if not role else 'used'}: choose another name"
                               + (" (J, or I0)" if name == "I" else ""))
    if name in bare_names():  # (read as the function wherever it stands: sum' A sum could not be written)
        raise DeclarationError(f"{role}{_show(name)} is a function of the language ({name}(x), or {name} x) and cannot "
                               f"be {'declared as a name' if not role else 'used as a name'}: choose another name")


#: one declaration in the plain form most take, `x, y: vector(n)`, `A: matrix(m,n) symmetric`,
#: `c: scalar`: names without braces or backslashes, a kind word, its sizes, properties
_PLAIN_NAME = r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)?"
_PLAIN_DECLARATION = re.compile(
    rf"\s*({_PLAIN_NAME}(?:\s*,\s*{_PLAIN_NAME})*)\s*:\s*(scalar|vector|matrix)\s*(?:\(([^()]*)\))?"
    rf"((?:\s+(?:{'|'.join(PROPS)}))*)\s*")


def _plain_declarations(text: str) -> dict | None:
    """The declarations of a `where` string whose every item has the plain form, read by one
    expression each; None for any other string (sizes as papers write them, memberships, LaTeX or
    Greek letters, a comma between declarations), which the general reader below takes. What this
    returns, and every error it raises, is what the general reader gives for the same string: it
    skips only the rewriting that leaves a plain item as it is."""
    out: dict = {}
    bare = bare_names()
    for raw in _ITEMS.split(text):
        if not raw.strip():
            continue
        m = _PLAIN_DECLARATION.fullmatch(raw)
        if m is None:
            return None
        names_part, kind, dimtext, prop_words = m.groups()
        props = set(prop_words.split())
        if "positive" in props and "symmetric" in props:
            return None  # (refused below, with what to write)
        item = raw.strip()
        names = [n.strip() for n in names_part.split(",")]
        for n in names:
            # (a plain name has check_name's form already: only a reserved word or a function's name is refused)
            if n in _RESERVED or n in bare:
                check_name(n, item=item)
        dims = None if dimtext is None else [_dim(t, item) for t in dimtext.split(",")]
        _declare(out, names, kind, dims, props, item)
    return out


_RESERVED = frozenset({"I", "where"})  # the names check_name refuses whatever their form


def _declare(out: dict, names: list, kind, dims, props: set, item: str) -> None:
    """Add one item's declarations to `out` (both readers end here): each name's kind (by its look
    where the item gives none), dimensions and closed properties; a name declared twice otherwise
    is refused."""
    for n in names:
        k = kind or (out[n].kind if n in out else default_kind(n))  # (s: scalar; s: positive: a scalar)
        d = _dims_for(k, dims, n, item)
        decl = Decl(n, k, d, _close_props(props, k, d, n))
        if n in out and out[n] != decl:
            decl = _merged(out[n], decl, n)
        out[n] = decl


def _merged(a: Decl, b: Decl, n: str) -> Decl:
    """Two declarations of one name, one of which gives no sizes: its properties are added to the other
    (A: matrix(n,n), then A: symmetric, as a second --where adds). Two that both give sizes and differ
    (X: matrix(n,n) symmetric; X: matrix(n,n), one saying less than the other) are refused."""
    if a.kind == b.kind and len(a.dims) == len(b.dims) and (
            all(x is None for x in a.dims) or all(y is None for y in b.dims)):
        dims = tuple(x if x is not None else y for x, y in zip(a.dims, b.dims))
        return Decl(n, a.kind, dims, _close_props(set(a.props) | set(b.props), a.kind, dims, n))
    raise DeclarationError(f"conflicting declarations of {n}: {a.describe()} and {b.describe()}")


@lru_cache(maxsize=256)
def _parse_declaration_text(text: str) -> dict:
    """The declarations of a `where` string, read once per string: one request reads its `where`
    more than once (parse, then the variable's lookup), and a Decl is immutable."""
    if text.isascii():
        plain = _plain_declarations(text)
        if plain is not None:
            return plain
    return _general_declarations(text)


def _general_declarations(text: str) -> dict:
    """The declarations of any `where` string (the plain ones too: what _plain_declarations gives)."""
    out: dict = {}
    definite = _SUCC_ZERO.search(text)
    if definite:  # A ≻ 0, A \succ 0: positive definite, a property of the declaration
        name = _undecorated(definite.group(1))
        if name[:1].islower() and len(name.split("_")[0]) == 1:  # x ≻ 0 of a vector: its entries positive
            raise DeclarationError(f"{_show(definite.group(0).strip())}: a vector with positive entries is declared "
                                   f"'{name}: vector(n) positive' (a positive definite matrix: "
                                   f"'{name}: matrix(n,n) spd')")
        raise DeclarationError(f"{_show(definite.group(0).strip())}: a positive definite matrix is declared with the "
                               f"property spd, e.g. '{name}: matrix(n,n) spd'" + (
                                   " (a semidefinite one, ⪰ 0, is not a property matcalc has: spd is the nearest)"
                                   if definite.group(2) in ("⪰", "\\succeq", ">=", "≥") else ""))
    if not text.isascii():  # λ: scalar, λ₁: scalar, Σ: matrix(n,n) spd
        text = _SUPERSCRIPT_RUN.sub(_superscript_space, text)  # x ∈ ℝⁿ, S ∈ ℝⁿˣⁿ
        text = _SPACE_CHARS.sub(lambda m: _SPACE_PLAIN[m.group()], text)  # S ∈ ℝ^{n×n}
        text = str(unicode_to_plain(text)) if has_unicode_math(text) else greek_names(text)
    for raw in _items(text):
        item = raw.strip()
        if not item:
            continue
        member = _MEMBER.match(item) if ":" not in item else None
        if member:  # x ∈ R^n, S \in \mathbb{R}^{n \times n}
            item = f"{member.group(1)}: {member.group(2)}"
        if ":" not in item:
            raise DeclarationError(f"declaration {_show(item)} needs a colon: names: kind, e.g. 'x: vector(n)' (or x ∈ R^n)")
        names_part, spec = item.split(":", 1)
        # a LaTeX Greek name (\\Sigma) or a decorated one (\\mathbf{x}) is the name it spells
        names = [norm_name(_undecorated(n.strip())) for n in names_part.split(",")]
        for n in names:
            check_name(n, item=item)
        decl_kind, dims, props = _parse_spec(_as_kind(_plain_properties(spec.strip(), item), item), item)
        _declare(out, names, decl_kind, dims, props, item)
    return out


def _parse_spec(spec: str, item: str):
    if spec.count("(") != spec.count(")"):
        raise DeclarationError(f"unbalanced parentheses in {_show(item)}: write e.g. 'x: vector(n)'")
    m = _SPEC.match(spec)
    if not m:
        raise DeclarationError(f"cannot read the declaration {_show(item)}; write e.g. 'A: matrix(m,n) symmetric'")
    word, _, dimtext, rest = m.groups()
    kind = None
    dims = None
    words = [w for w in _WORDS.split(rest.strip()) if w]
    if word in KINDS:
        kind = word
        if dimtext is not None:
            dims = [_dim(t, item) for t in dimtext.split(",")]
    elif word in PROPS:
        if dimtext is not None:
            raise DeclarationError(f"{_show(item)}: a property takes no arguments")
        later = _SPEC.match(rest.strip())
        if later and (later.group(1) in KINDS or (later.group(1) in PROPS and re.search(
                r"\b(?:" + "|".join(KINDS) + r")\b", rest))):  # 'symmetric matrix(n,n)': properties first, as in prose
            kind, dims, props = _parse_spec(rest.strip(), item)
            return kind, dims, props | {word}
        words = [word] + words
    else:
        close = [k for k in KINDS + PROPS if k.startswith(word[:3].lower())]
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise DeclarationError(f"unknown kind {_show(word)} in {_show(item)}{hint}; kinds are scalar, vector(d), matrix(r,c)")
    props = set()
    for w in words:
        if w not in PROPS:
            if w.endswith(":"):  # x: vector(n), y: vector(n)
                raise DeclarationError(f"{_show(item)} holds two declarations: separate them with ';' "
                                       "(x: vector(n); y: vector(n))")
            if w in ("x", "×") and kind == "matrix" and words.index(w) + 1 < len(words):  # Q: n x n x k
                raise DeclarationError(f"{_show(item)} has more than two sizes: matcalc's variables are scalars, "
                                       "vectors and matrices (an array of more axes is not supported)")
            close = difflib.get_close_matches(w.split("(")[0].lower(), PROPS + KINDS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise DeclarationError(f"unknown property {_show(w)} in {_show(item)}{hint}; properties are "
                                   f"{', '.join(PROPS)}")
        props.add(w)
    return kind, dims, props


_DIMS_OF = {"scalar": 0, "vector": 1, "matrix": 2}  # how many dimensions each kind takes


def _dims_for(kind: str, dims, name: str, item: str) -> tuple:
    want = _DIMS_OF[kind]
    if dims is None:
        return (None,) * want
    if kind == "scalar":
        raise DeclarationError(f"{_show(item)}: a scalar has no dimensions")
    if len(dims) != want:
        raise DeclarationError(f"{_show(item)}: a {kind} takes {want} dimension{'s' if want > 1 else ''}, not {len(dims)}")
    if dims.count(1) == len(dims):  # (every dimension 1)
        # 1 x 1 is a scalar in matcalc: x: vector(1) read A x as A times a number (A of any shape), and
        # refused x' A x and ||A x - b||; a size that is 1 at evaluation is a name given n = 1 there
        size = "n" if kind == "vector" else "n,n"
        raise DeclarationError(f"{_show(item)}: {'a vector of length 1' if kind == 'vector' else 'a 1 x 1 matrix'} is a scalar in matcalc, and a formula written "
                               f"for a {kind} would not read as meant (A {name}, {name}' A {name}); declare "
                               f"{name}: scalar for a number, or name the size ({name}: {kind}({size})) and give "
                               f"n = 1 when evaluating")
    return tuple(dims)


def _close_props(props: set, kind: str, dims: tuple, name: str) -> frozenset:
    if not props:  # (most declarations: nothing to close or to refuse)
        return frozenset()
    out = set(props)
    changed = True
    while changed:
        changed = False
        for p in list(out):
            for q in IMPLIES.get(p, ()):
                if q not in out:
                    out.add(q)
                    changed = True
    if "orthogonal" in out and "spd" in out:
        raise DeclarationError(f"{name} cannot be both orthogonal and spd: the only such matrix is the identity "
                               f"(its eigenvalues would be positive and of modulus 1); declare one of them")
    if "orthogonal" in out and "positive" in out:
        raise DeclarationError(f"{name} cannot be both orthogonal and positive: positive means every entry is "
                               f"positive, and two columns of positive entries are never orthogonal (only the "
                               f"1 x 1 matrix 1 is both); declare one of them")
    if "diagonal" in out and "positive" in out:
        raise DeclarationError(f"{name} cannot be both diagonal and positive: positive means every entry is "
                               f"positive, and the entries off a diagonal matrix's diagonal are 0; for a positive "
                               f"diagonal declare {name} diagonal spd")
    square = out & SQUARE_PROPS
    if square:  # (the properties written, not those they imply: orthogonal, not invertible, orthogonal)
        square = (set(props) & SQUARE_PROPS) or square
    if square and kind != "matrix":
        raise DeclarationError(f"{name} is a {kind}, but {', '.join(sorted(square))} needs a square matrix")
    if square and kind == "matrix" and None not in dims and dims[0] != dims[1]:
        raise DeclarationError(f"{name} is {dims[0]} x {dims[1]}, but {', '.join(sorted(square))} needs a square matrix")
    return frozenset(out)


# ---------------------------------------------------------------- values against declarations

#: the default relative tolerance of `check_value`
VALUE_TOLERANCE = 1e-8
#: set this environment variable to 0 to switch the checks off everywhere
CHECK_SWITCH = "MATCALC_CHECK_DECLARATIONS"


def check_value(decl_props: Iterable[str] | None, name: str, array: Any,
                tol: float | None = VALUE_TOLERANCE) -> None:
    """Raise a MatcalcError naming `name` and the property when `array` breaks a declared
    property (symmetric, spd, diagonal, orthogonal, positive, invertible).

    The test is relative: |A - A'| <= tol * max(1, |A|) entrywise for symmetric, and so on;
    spd is a successful Cholesky factorization of a symmetric matrix. `tol=None`, or the
    environment variable MATCALC_CHECK_DECLARATIONS=0, switches the check off. Arrays that
    are not square where a square matrix is needed are left to the shape checks.
    """
    if tol is None or os.environ.get(CHECK_SWITCH, "1").strip().lower() in ("0", "false", "no", "off"):
        return
    props = set(decl_props or ())
    if not props:
        return
    a = np.asarray(array, dtype=float)
    if not np.all(np.isfinite(a)):
        return  # non-finite values are reported by evaluation itself

    def fail(prop, why):
        raise EvaluationError(f"the value of {name} is not {prop} ({why}); it was declared {prop}. Pass values that "
                              f"satisfy the declaration, or switch the check off ({CHECK_SWITCH}=0)")

    scale = max(1.0, float(np.max(np.abs(a)))) if a.size else 1.0
    if "positive" in props and a.size and np.min(a) <= 0:
        fail("positive", f"its smallest entry is {np.min(a):.3g}")
    square = a.ndim == 2 and a.shape[0] == a.shape[1]
    if not square:
        return
    n = a.shape[0]
    if "diagonal" in props:  # (first: a diagonal value's fault is its off-diagonal entries, not |X - X'|)
        off = float(np.max(np.abs(a - np.diag(np.diag(a))))) if a.size else 0.0
        if off > tol * scale:
            fail("diagonal", f"an entry off the diagonal is {off:.3g}")
    if "symmetric" in props or "spd" in props:
        with np.errstate(over="ignore", invalid="ignore"):  # (entries near 1e308: their difference overflows)
            asym = float(np.max(np.abs(a - a.T))) if a.size else 0.0
        if asym > tol * scale:  # named as declared: symmetric follows from spd
            fail("spd" if "spd" in props else "symmetric", f"|{name} - {name}'| reaches {asym:.3g}")
    if "spd" in props:
        try:
            np.linalg.cholesky((a + a.T) / 2)
        except np.linalg.LinAlgError:
            fail("spd", f"its smallest eigenvalue is {float(np.min(np.linalg.eigvalsh((a + a.T) / 2))):.3g}")
    if "orthogonal" in props:
        err = float(np.max(np.abs(a.T @ a - np.eye(n)))) if a.size else 0.0
        if err > tol * max(1.0, n):
            fail("orthogonal", f"|{name}'{name} - I| reaches {err:.3g}")
    if "invertible" in props and not ({"spd", "orthogonal"} & props) and n:
        if np.linalg.matrix_rank(a) < n:
            fail("invertible", "it is singular")


def check_values(decls: dict, values: dict, tol: float | None = VALUE_TOLERANCE) -> None:
    """`check_value` for every declared name that has a value."""
    for name, decl in decls.items():
        if name in values and decl.props:
            check_value(decl.props, name, values[name], tol)


def variables_in(node: Expr, extra: Iterable[Expr]) -> dict:
    """Each variable of node (and of `extra`) by name, the first met for a name: what
    `declarations_of` declares, and names.declared_sizes reads the sizes of."""
    seen: dict = {}
    for e in (node,) + tuple(extra):
        for n in e.walk():
            if isinstance(n, Var) and n.name not in seen:
                seen[n.name] = n
    return seen


def declarations_of(node: Expr, extra: Iterable[Expr] = ()) -> str:
    """A `where` string that declares every variable of node (and of `extra`) as it is typed."""
    seen = variables_in(node, extra)
    parts = []
    for name in sorted(seen):
        v = seen[name]
        r, c = v.shape
        if (r, c) == SCALAR:
            s = f"{name}: scalar"
        elif c == 1:
            s = f"{name}: vector({r})"
        else:
            s = f"{name}: matrix({r},{c})"
        props = set(v.props)
        if "spd" in props:
            props -= {"symmetric", "invertible"}
        if "diagonal" in props:
            props.discard("symmetric")
        if "orthogonal" in props:
            props.discard("invertible")
        for p in sorted(props):
            s += " " + p
        parts.append(s)
    return "; ".join(parts)
