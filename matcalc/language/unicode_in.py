"""Unicode mathematics as people paste it from papers and web pages, read as the plain language.

Greek letters are their names (`λ` is `lambda`, `Σ` is `Sigma`); `ᵀ`, `⊤` and `⊺` transpose; superscript
digits are powers (`²` is `^2`, `⁻¹` is `^-1`, `⁻ᵀ` is `^-T`); `−` (U+2212) is a minus; `·`, `⋅`
`×`, `∙` and `•` multiply; `⊙` and `∘` are the elementwise product, `⊘` the elementwise division; `‖` is a norm bar; `⟨ ⟩` an inner
product; `½` is `(1/2)`, `⁄` a slash; `√` the square root of the group, name or number after it (`√d`,
`√(x'x)`); the en dash `–` a minus and `∗` a product; subscript digits and letters are a subscript (`λ₁` is `lambda_1`, `‖β‖₁` the 1-norm,
`yᵢ` is `y_i`); `∥` is a norm bar too; mathematical bold and italic letters (`𝐱`, `𝑨`) are the letters; a
combining accent names the decorated letter (`x̄` is `x_bar`, `x̂` is `x_hat`); `^⊤` is a transpose; `’` and `′`
(a typographic quote and a prime) transpose; a no-break or thin space is a space. The translation keeps, for every character, where it came from in the text as typed, so
a parse error points into that text, as the LaTeX reader's do.
Any other character outside ASCII stays as it is, and the parser refuses it by name.
"""
from __future__ import annotations

import re
import unicodedata

from ..core.errors import ParseError
from .source_map import Translation

GREEK_LETTERS = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "ζ": "zeta",
    "η": "eta", "θ": "theta", "ϑ": "vartheta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu",
    "ν": "nu", "ξ": "xi", "π": "pi", "ρ": "rho", "σ": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi",
    "ϕ": "phi", "χ": "chi", "ψ": "psi", "ω": "omega", "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta",
    "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi", "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi",
    "Ω": "Omega",
    "µ": "mu",  # MICRO SIGN, what many keyboards type for mu
}
SYMBOLS = {"ᵀ": "'", "⊤": "'", "⊺": "'", "’": "'", "′": "'", "−": "-", "·": "*", "⋅": "*", "×": "*", "∙": "*", "•": "*", "⊙": ".*", "∘": ".*", "⊘": "./",
           "\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2002": " ", "\u2003": " ",
           "‖": "||", "∥": "||", "⁄": "/", "ℓ": "l", "–": "-", "∗": "*", "⟨": "<", "⟩": ">", "½": "(1/2)", "⅓": "(1/3)", "¼": "(1/4)", "⅔": "(2/3)", "¾": "(3/4)"}
_FRACTIONS = {"½", "⅓", "¼", "⅔", "¾"}
_ROOT = "√"
_SUPERSCRIPT_DIGITS = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_SUBSCRIPT_DIGITS = {c: str(i) for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")}
_SUBSCRIPT_LETTERS = {"ₐ": "a", "ₑ": "e", "ₒ": "o", "ₓ": "x", "ₕ": "h", "ₖ": "k", "ₗ": "l", "ₘ": "m", "ₙ": "n",
                      "ₚ": "p", "ₛ": "s", "ₜ": "t", "ᵢ": "i", "ⱼ": "j", "ᵣ": "r", "ᵤ": "u", "ᵥ": "v"}
_SUBSCRIPTS = {**_SUBSCRIPT_DIGITS, **_SUBSCRIPT_LETTERS}
#: accents PDFs paste as combining characters after the letter: x̄ is x_bar, x̂ x_hat (a name)
_ACCENTS = {"\u0304": "bar", "\u0305": "bar", "\u0302": "hat", "\u0303": "tilde", "\u0307": "dot"}
_SUPERSCRIPTS = set(_SUPERSCRIPT_DIGITS) | {"⁻", "ᵀ"}
_KNOWN = set(GREEK_LETTERS) | set(SYMBOLS) | _SUPERSCRIPTS | set(_SUBSCRIPTS) | set(_ACCENTS) | {_ROOT}


def _math_letter(ch: str) -> str | None:
    """The letter or digit a mathematical alphanumeric symbol stands for (bold 𝐱, italic 𝑥, bold 𝐀:
    what a PDF pastes for x and A), or None."""
    if "\U0001D400" <= ch <= "\U0001D7FF":
        plain = unicodedata.normalize("NFKC", ch)
        if plain.isascii() and plain.isalnum():
            return plain
        return GREEK_LETTERS.get(plain)
    return None


def _precomposed(ch: str):
    """ŷ, ȳ, ẋ (one character each): (letter, accent name), as the combining forms x̂ read; else None."""
    d = unicodedata.normalize("NFD", ch)
    if len(d) == 2 and d[0].isascii() and d[0].isalpha() and d[1] in _ACCENTS:
        return d[0], _ACCENTS[d[1]]
    return None


def has_unicode_math(text) -> bool:
    """Does `text` use one of the characters this module reads?"""
    return isinstance(text, str) and not text.isascii() and any(
        ch in _KNOWN or _math_letter(ch) or _precomposed(ch) for ch in text)


def greek_names(text: str) -> str:
    """Each Greek letter replaced by its name (for names alone: `wrt="λ"`, `where="Σ: matrix(n,n)"`)."""
    if text.isascii():
        return text
    return "".join(GREEK_LETTERS.get(ch, ch) for ch in text)


def unicode_to_plain(text: str) -> Translation:
    """`text` in the plain language, each character mapped back to its position in `text`."""
    pieces = []  # (plain text, start, end in the source)
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in _SUPERSCRIPTS:
            j = i
            while j < n and text[j] in _SUPERSCRIPTS:
                j += 1
            pieces.extend(_superscripts(text, i, j))
            i = j
        elif ch in _SUBSCRIPTS:  # λ₁ is lambda_1, ‖β‖₁ the 1-norm, yᵢ is y_i
            j = i
            while j < n and text[j] in _SUBSCRIPTS:
                j += 1
            # a printed subscript ends the name: W₁x is W_1 x, not the name W_1x
            after = " " if j < n and (text[j].isalnum() or text[j] in GREEK_LETTERS) else ""
            pieces.append(("_" + "".join(_SUBSCRIPTS[c] for c in text[i:j]) + after, i, j))
            i = j
        elif ch in _ACCENTS and pieces and pieces[-1][0][-1:].isalpha():  # x̄: the name x_bar
            after = " " if i + 1 < n and text[i + 1].isalnum() else ""
            pieces.append(("_" + _ACCENTS[ch] + after, i, i + 1))
            i += 1
        elif ch == "^" and i + 1 < n and text[i + 1] in "⊤ᵀ⊺":  # x^⊤ pasted with its caret: a transpose
            pieces.append(("'", i, i + 2))
            i += 2
        elif _math_letter(ch) is not None:
            letter = _math_letter(ch)
            before = " " if len(letter) > 1 and pieces and pieces[-1][0][-1:].isalnum() else ""
            pieces.append((before + letter, i, i + 1))
            i += 1
        elif ch in GREEK_LETTERS:
            name = GREEK_LETTERS[ch]
            before = " " if pieces and pieces[-1][0] and (pieces[-1][0][-1].isalnum()) else ""
            after = " " if i + 1 < n and (text[i + 1].isalpha()) else ""
            pieces.append((before + name + after, i, i + 1))
            i += 1
        elif ch in _FRACTIONS and i > 0 and text[i - 1].isdigit():
            raise ParseError(f"a mixed number such as 2{ch} is not read (it is not 2 times {ch}): write it as a "
                             "fraction, 5/2, or a sum, (2 + 1/2)", text, i)
        elif ch == _ROOT and i + 1 < n and (text[i + 1] == "(" or text[i + 1] in GREEK_LETTERS
                                            or text[i + 1].isascii() and text[i + 1].isalnum()):
            # √(x'x) is sqrt(x'x); √d, √2, √λ take the one name or number right after the sign
            before = " " if pieces and pieces[-1][0][-1:].isalnum() else ""
            j = i + 1
            if text[i + 1] != "(":  # where the root's reach is not plain: √2π, √xᵀx (a bar over all of it)
                j = i + 2 if text[i + 1] in GREEK_LETTERS else i + 1
                while text[i + 1] not in GREEK_LETTERS and j < n and text[j].isascii() and (
                        text[j].isalnum() or text[j] in "_."):
                    j += 1
                # √2x (√2 x or √(2x)?) and √1-ρ² (the bar over 1 - ρ², pasted): a number with a name
                # pasted to it, or a sign right after, leaves the reach unwritten too
                pasted = re.match(r"[0-9.]+(?=[A-Za-z_])", text[i + 1:j])
                if pasted:
                    number = pasted.group(0)
                    raise ParseError(f"'{text[i:j]}': the root's reach is not written: put what is under it in "
                                     f"parentheses, √({text[i + 1:j]}), or a space after √{number}", text, i)
                if j < n and (text[j] in GREEK_LETTERS or text[j] in _KNOWN and text[j] not in SYMBOLS
                                        or text[j].isalnum() or text[j] in "('+-−–" or _math_letter(text[j])):
                    raise ParseError(f"'{text[i:j + 1]}...': the root's reach is not written: put what is under "
                                     f"it in parentheses, √({text[i + 1:j + 1]}...), or a space after "
                                     f"√{text[i + 1:j]}", text, i)
            if text[i + 1] == "(":
                pieces.append((before + "sqrt", i, i + 1))
                i += 1
            elif text[i + 1] in GREEK_LETTERS:
                pieces.append((before + "sqrt(" + GREEK_LETTERS[text[i + 1]] + ")", i, i + 2))
                i += 2
            else:
                j = i + 1
                while j < n and text[j].isascii() and (text[j].isalnum() or text[j] in "_."):
                    j += 1
                pieces.append((before + "sqrt(" + text[i + 1:j] + ")", i, j))
                i = j
        elif ch in SYMBOLS:
            pieces.append((SYMBOLS[ch], i, i + 1))
            i += 1
        elif _precomposed(ch):  # ŷ is y_hat, as y followed by a combining circumflex
            letter, accent = _precomposed(ch)
            after = " " if i + 1 < n and text[i + 1].isalnum() else ""
            pieces.append((letter + "_" + accent + after, i, i + 1))
            i += 1
        else:
            pieces.append((ch, i, i + 1))
            i += 1
    out_text, origin, reach = [], [], []
    for s, start, end in pieces:
        out_text.append(s)
        origin.extend([start] * len(s))
        reach.extend([end] * len(s))
    out = Translation("".join(out_text))
    out.source = text
    out.origin = origin
    out.reach = reach
    return out


def _superscripts(text: str, i: int, j: int) -> list:
    """The superscript run text[i:j] as pieces, one per group: `ᵀ` is a transpose, digits a power
    (`²` -> `^2`), `⁻` and digits a negative power (`⁻¹` -> `^-1`), `⁻ᵀ` the inverse transpose; so
    `Xᵀ⁻¹` is `X'^-1` and `A²ᵀ` is `A^2'`. A `⁻` followed by neither is refused there."""
    out = []
    k = i
    while k < j:
        c = text[k]
        if c == "ᵀ":
            out.append(("'", k, k + 1))
            k += 1
            continue
        start = k
        sign = ""
        if c == "⁻":
            sign = "-"
            k += 1
            if k < j and text[k] == "ᵀ":
                out.append(("^-T", start, k + 1))
                k += 1
                continue
        digits = ""
        while k < j and text[k] in _SUPERSCRIPT_DIGITS:
            digits += _SUPERSCRIPT_DIGITS[text[k]]
            k += 1
        if not digits:
            raise ParseError("a superscript minus needs a power after it (⁻¹, ⁻², ⁻ᵀ)", text, start)
        out.append(("^" + sign + digits, start, k))
    return out
