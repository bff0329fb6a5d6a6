"""Unicode mathematics as people paste it from papers and web pages, read as the plain language.

Greek letters are their names (`λ` is `lambda`, `Σ` is `Sigma`); `ᵀ`, `⊤` and `⊺` transpose; superscript
digits are powers (`²` is `^2`, `⁻¹` is `^-1`, `⁻ᵀ` is `^-T`); `−` (U+2212) is a minus; `·`, `⋅`
`×`, `∙` and `•` multiply (`•` between two matrices is refused: the inner product of semidefinite programs, or a product); `⊙` and `∘` are the elementwise product of the juxtaposed products on either side (`M ⊙ UVᵀ`
is `M .* (U V')`), `⊘` the elementwise division; `⊗` the Kronecker product of the operands beside it (`A ⊗ Bᵀ` is
`kron(A, B')`; beside a product, `A ⊗ Bᵀ C`, refused: write the parentheses); `Σ(` at the start of a term is refused (the summation sign, or Sigma times the group?); `‖` is a norm bar; `⟨ ⟩` an inner
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
from ..core.functions import bare_names
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
_BRACED_TRANSPOSE = re.compile(r"\^\s*\{\s*[⊤ᵀ⊺]\s*\}")
_ROOT = "√"
_SUPERSCRIPT_DIGITS = {c: str(i) for i, c in enumerate("⁰¹²³⁴⁵⁶⁷⁸⁹")}
_SUBSCRIPT_DIGITS = {c: str(i) for i, c in enumerate("₀₁₂₃₄₅₆₇₈₉")}
_SUBSCRIPT_LETTERS = {"ₐ": "a", "ₑ": "e", "ₒ": "o", "ₓ": "x", "ₕ": "h", "ₖ": "k", "ₗ": "l", "ₘ": "m", "ₙ": "n",
                      "ₚ": "p", "ₛ": "s", "ₜ": "t", "ᵢ": "i", "ⱼ": "j", "ᵣ": "r", "ᵤ": "u", "ᵥ": "v"}
_SUBSCRIPTS = {**_SUBSCRIPT_DIGITS, **_SUBSCRIPT_LETTERS}
#: accents PDFs paste as combining characters after the letter: x̄ is x_bar, x̂ x_hat (a name)
_ACCENTS = {"\u0304": "bar", "\u0305": "bar", "\u0302": "hat", "\u0303": "tilde", "\u0307": "dot"}
#: superscript (modifier) letters, a power by the letter's name: of e any (eˣ, eᴬ), of anything else those that
#: name exponents (Aⁿ, xᵖ), not indices (xⁱ, the i-th x); ᵀ is the transpose, and ᴴ is not among them
_SUPERSCRIPT_LETTERS = dict(zip("ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴵᴶᴷᴸᴹᴺᴼᴾᴿᵁᵂ",
                                "abcdefghijklmnoprstuvwxyzABDEGIJKLMNOPRUW"))
_EXPONENT_LETTERS = frozenset("ᵏᵐⁿᵖʳᵗ")  # (ᵗ: as ^t, whose two readings, a transpose or a power, are refused)
_SUPERSCRIPTS = set(_SUPERSCRIPT_DIGITS) | {"⁻", "ᵀ"} | set(_SUPERSCRIPT_LETTERS)
_KRON = "⊗"
_KNOWN = set(GREEK_LETTERS) | set(SYMBOLS) | _SUPERSCRIPTS | set(_SUBSCRIPTS) | set(_ACCENTS) | {_ROOT, _KRON}
#: what may stand before a summation sign Σ(...) at the start of a term: an operator, an opening
#: parenthesis, the start, each with a coefficient (2, ½, 1/n, -½) after it
_COEFFICIENT_BEFORE = r"\s*(?:[-−–]?\s*(?:[0-9]+(?:\.[0-9]+)?|[½⅓¼⅔¾]|[α-ω]|\b(?:lambda|mu|gamma|beta|alpha|eta|tau|rho|nu))" \
    r"(?:\s*[/⁄]\s*(?:[0-9]+|[A-Za-z]))?)?\s*$"  # (λ Σ log(1 + a²): a Greek weight before the sum too)
_TERM_START = re.compile(r"(?:^|[-+−–(\[,/=])" + _COEFFICIENT_BEFORE)
#: the start of a term at the top of the text (not inside a call's parentheses: tr(ΣX) is Sigma times X)
_TOP_TERM_START = re.compile(r"(?:^|[-+−–=])" + _COEFFICIENT_BEFORE)
_FUNCTION_AFTER = re.compile(r"\s*(?:log|ln)\b")


def _before(pattern: re.Pattern, text: str, i: int) -> bool:
    """Does `pattern` (anchored at its end by $) match the text just before position i? Searched in the last
    80 characters only: searching the whole prefix at every Σ made a text of 5,000 Σ take 6 s."""
    return pattern.search(text, max(0, i - 80), i) is not None


def scalar_coefficient(plain: str) -> bool:
    """Is the plain text of the operand before A ⊗ B (or LaTeX's A \\otimes B) a scalar coefficient, the
    same beside either operand: no capital letter in it (2, 1/n, c, sigma^2: a capital is a matrix's
    name), or a trace or determinant?"""
    return not re.search(r"[A-Z]", plain) or bool(re.fullmatch(r"(?:tr|det|logdet)\(.*\)", plain))


#: after a Σ anywhere a term starts (inside a call too: logdet(Σ w_i a_i a_iᵀ), det(F₀ + Σ x_i F_i)): a small
#: name with a subscript index, an entry of a sum, never a matrix's name (Σ X_k is Sigma times X_k)
_INDEXED_ENTRY_AFTER = re.compile(r"\s*(?:[a-zα-ω][A-Za-z0-9]*_(?:[A-Za-z0-9]+|\{[A-Za-z0-9]+\})|[a-zα-ω][A-Za-z0-9]*[ᵢⱼₖₗₘₙ])")
#: after a Σ at the start of a term: an elementwise function of what is no matrix's name (Σ abs(x), Σ relu(1 - y .*
#: (X w))), the entries summed (Σ exp(A) stays Sigma times exp(A))
_ELEMENTWISE_AFTER = re.compile(r"\s*(?:sqrt|exp|abs|relu|softplus|sigmoid|log1p|expm1|tanh|sin|cos)\s*\((?!\s*[A-Z])")


def _summand_after(text: str, j: int) -> bool:
    """After a Σ at the start of a term: a summand as papers write one (a name with a subscript index, Σ xᵢ²,
    Σ w_i; a log, Σ log x, Σ p log p; an entrywise function, Σ abs(x)), not a matrix Sigma before what it
    multiplies (ΣX, Σ x, Σ W_k)."""
    if _FUNCTION_AFTER.match(text, j) or _ELEMENTWISE_AFTER.match(text, j) or _INDEXED_ENTRY_AFTER.match(text, j):
        return True
    if re.match(r"\s*[A-Za-z]\w*\s*[ᵢⱼₖₗₘₙ]", text[j:]):
        return True
    return bool(re.match(r"\s*[A-Za-z]\s+(?:log|ln)\b", text[j:]))  # (Σ p log p)


#: what to write instead of a sum or product over an index (Σᵢ, sum_i, \\sum_{i=1}^n, prod_i), in every reader
INDEX_SUM_ADVICE = ("sums over an index are not part of the language: write the sum in matrix form (Σᵢ xᵢ² is x'x or "
                    "sum(x.^2), Σᵢ (yᵢ − wᵀxᵢ)² is ||y - X w||^2 with the xᵢ as the rows of X)")
_SIGMA_SUBSCRIPT = re.compile(r"_\{[^{}]*\}|_[A-Za-z0-9]+|[" + "".join(_SUBSCRIPTS) + "]+")
#: what, after a subscripted Σ, makes it a matrix: a power or an inverse, a transpose, or nothing more
_MATRIX_AFTER = re.compile(r"\s*(?:$|[\^'ᵀ⊤⊺⁻¹²)\],;:∈|‖=\\])")


def _plain_subscript(index: str) -> str:
    """A subscript as the plain language spells it: ᵢ is _i."""
    return index if index.startswith("_") else "_" + "".join(_SUBSCRIPTS[c] for c in index)


def _summation_index(text: str, j: int, declared: frozenset) -> str | None:
    """The subscript after a Σ (at j) where Σ with it reads as a summation sign before its summand: Σ_{i=1}^n,
    or Σᵢ / Σ_i followed by an operand (Σᵢ xᵢ², Σ_i (yᵢ − wᵀxᵢ)²). None where Sigma_i is declared, where
    this Σ is a matrix (Σᵢ⁻¹, Σ_kᵀ, logdet(Σ_k) ends at the subscript), or where another Σ of the text is one
    (Σ_k (x − μ_k) beside Σ_k⁻¹): a subscripted Sigma used as a matrix elsewhere is that matrix."""
    m = _SIGMA_SUBSCRIPT.match(text, j)
    if m is None:
        return None
    index = m.group(0)
    if "Sigma" + _plain_subscript(index).replace("{", "").replace("}", "") in declared:
        return None
    if "=" in index:  # Σ_{i=1}^n: only a sum is written so
        return index
    if _MATRIX_AFTER.match(text, m.end()):
        return None
    for other in re.finditer("Σ", text):
        o = other.start()
        if o != j - 1 and (_SIGMA_SUBSCRIPT.match(text, o + 1) is None
                           or _MATRIX_AFTER.match(text, _SIGMA_SUBSCRIPT.match(text, o + 1).end())):
            return None
    return index


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


def has_unicode_math(text: object) -> bool:
    """Does `text` use one of the characters this module reads?"""
    return isinstance(text, str) and not text.isascii() and any(
        ch in _KNOWN or _math_letter(ch) or _precomposed(ch) for ch in text)


def greek_names(text: str) -> str:
    """Each Greek letter replaced by its name (for names alone: `wrt="λ"`, `where="Σ: matrix(n,n)"`)."""
    if text.isascii():
        return text
    return "".join(GREEK_LETTERS.get(ch, ch) for ch in text)


#: × between two vector-looking names: omega or a lone small Latin letter (with a printed subscript) before
#: it, a lone small Latin letter after it with nothing attached (ω × r, a × b); λ × w'w, A × x, x² × y are products
_CROSS = re.compile(r"(?<![^\W_])(ω|[a-z])[\u2080-\u2089]*\s*(×)\s*([a-z])[\u2080-\u2089]*"
                    r"(?![^\W_]|[(ᵀ'’⁻²³^⊤])|(?<![^\W_])(ω)\s*(×)\s*(\()")


def unicode_to_plain(text: str, declared: frozenset = frozenset()) -> Translation:
    """`text` in the plain language, each character mapped back to its position in `text`.
    `declared`: the names of the declarations (Σ declared is the matrix Sigma, never a summation sign)."""
    cross = _CROSS.search(text) if "×" in text and "∈" not in text and "ℝ" not in text and "R^" not in text else None
    if cross and not {cross.group(1), cross.group(3), "omega" if cross.group(4) else None} & set(declared):
        # (ω × r, ω × (r - r0): the cross product, read as omega a number times r)
        raise ParseError("× between two names is their cross product, which matcalc does not have; for a product "
                         "of numbers or matrices write * or a space", text, cross.start(2) if cross.group(2) else
                         cross.start(5))
    pieces = []  # (plain text, start, end in the source)
    i, n = 0, len(text)
    # (superscript letters are powers or indices, but in x ∈ ℝⁿˣⁿ a dimension pasted into the formula, refused as such)
    supers = _SUPERSCRIPTS if "ℝ" not in text and "∈" not in text else _SUPERSCRIPTS - set(_SUPERSCRIPT_LETTERS)
    while i < n:
        ch = text[i]
        if ch in supers:
            j = i
            while j < n and text[j] in supers:
                j += 1
            sup = _superscripts(text, i, j)
            pieces.extend(sup)
            i = max(j, sup[-1][2])  # (⁻½ takes the fraction after the run too)
        elif ch in _SUBSCRIPTS:  # λ₁ is lambda_1, ‖β‖₁ the 1-norm, yᵢ is y_i
            j = i
            while j < n and text[j] in _SUBSCRIPTS:
                j += 1
            # a printed subscript ends the name: W₁x is W_1 x, not the name W_1x
            after = " " if j < n and (text[j].isalnum() or text[j] in GREEK_LETTERS) else ""
            pieces.append(("_" + "".join(_SUBSCRIPTS[c] for c in text[i:j]) + after, i, j))
            i = j
        elif ch in _ACCENTS and pieces and pieces[-1][0][-1:].isalpha():  # x̄: the name x_bar
            if i + 1 < n and (text[i + 1] in _SUBSCRIPTS or text[i + 1] == "_"):  # x̂ₖ, as LaTeX's \hat{x}_k
                base = pieces[-1][0].strip()
                sub = "".join(_SUBSCRIPTS.get(c, "") for c in text[i + 1:i + 4]) or "k"
                raise ParseError(f"{text[i - 1:i + 2]}: an accented name takes no subscript of its own; name it in "
                                 f"one word ({base}_{_ACCENTS[ch]}{sub})", text, i - 1)
            after = " " if i + 1 < n and text[i + 1].isalnum() else ""
            pieces.append(("_" + _ACCENTS[ch] + after, i, i + 1))
            i += 1
        elif ch == "^" and i + 1 < n and text[i + 1] in "⊤ᵀ⊺":  # x^⊤ pasted with its caret: a transpose
            pieces.append(("'", i, i + 2))
            i += 2
        elif ch == "^" and _BRACED_TRANSPOSE.match(text, i):  # x^{⊤}: the same in braces
            j = _BRACED_TRANSPOSE.match(text, i).end()
            pieces.append(("'", i, j))
            i = j
        elif ch in "𝟏𝟙" and text[i + 1:i + 2] == "(":  # 𝟙(x > 0): an indicator function, not ones times (x)
            raise ParseError(f"{ch}(...), an indicator function, is not supported (its derivative is 0 almost "
                             f"everywhere); for the vector of ones write {ch}ᵀx or ones(n)", text, i)
        elif ch in "𝟏𝟙":  # 𝟏ᵀx: the bold (or double-struck) one of papers is the vector of ones, as \mathbf{1}
            before = " " if pieces and pieces[-1][0][-1:].isalnum() else ""
            pieces.append((before + "vector(1)", i, i + 1))
            i += 1
        elif _math_letter(ch) is not None:
            letter = _math_letter(ch)
            before = " " if len(letter) > 1 and pieces and pieces[-1][0][-1:].isalnum() else ""
            pieces.append((before + letter, i, i + 1))
            i += 1
        elif ch == "Σ" and (index := _summation_index(text, i + 1, declared)) is not None and (
                _before(_TERM_START, text, i) or "=" in index):  # (λ Σ_{i=1}^n)
            name = "Sigma" + _plain_subscript(index).replace("{", "").replace("}", "")
            if "=" in index:
                raise ParseError(f"Σ{index} is a sum over an index; {INDEX_SUM_ADVICE}", text, i)
            over = _plain_subscript(index).lstrip("_").strip("{}")
            raise ParseError(f"Σ{index} here looks like the summation sign over {over}, which would be read as a "
                             f"matrix or scalar named {name} times what follows; {INDEX_SUM_ADVICE}; for the matrix "
                             f"{name} declare it (where='{name}: matrix(n,n)')", text, i)
        elif ch == "Σ" and text[i + 1:i + 2] == "(" and "Sigma" not in declared and _before(_TERM_START, text, i):
            raise ParseError("Σ(...) here may be the summation sign or the matrix Sigma times the group: for the sum "
                             "of the entries write sum(...), for the matrix Sigma times the group put a space, "
                             "Σ (...)", text, i)
        elif ch == "Σ" and "Sigma" not in declared and (
                _before(_TOP_TERM_START, text, i) and _summand_after(text, i + 1)
                or _before(_TERM_START, text, i) and _INDEXED_ENTRY_AFTER.match(text, i + 1)) \
                and "Σ" not in text[i + 1:] and "Σ" not in text[:i]:  # (XΣ elsewhere: Sigma is a matrix there)
            # ½Σx², Σ xᵢ², −Σ p log p, Σ log x: a summation sign before its summand, read as the matrix Sigma
            raise ParseError("Σ here looks like the summation sign before its summand, which would be read as the "
                             "matrix Sigma times it: for the sum of the entries write sum(...) (Σ xᵢ² is sum(x.^2)); "
                             "for the matrix declare it (where='Sigma: matrix(n,n)')", text, i)
        elif ch in "Δδ" and GREEK_LETTERS[ch] not in declared and text[i + 1:i + 2].isascii() \
                and text[i + 1:i + 2].isalpha():
            # Δx, δW: papers' step or perturbation, one quantity; read as Delta times x (a letter beside a
            # Greek one is a name of its own), ||x + Δx||^2 had the gradient 2 (Delta' + I) (Delta x + x)
            w = GREEK_LETTERS[ch]
            raise ParseError(f"{ch}{text[i + 1]} has two readings: one quantity, a step or a perturbation of "
                             f"{text[i + 1]} (name it {w}_{text[i + 1]}, or declare that name), or {w} times "
                             f"{text[i + 1]} (put a space, {ch} {text[i + 1]}, or declare {w})", text, i)
        elif ch in GREEK_LETTERS:
            name = GREEK_LETTERS[ch]
            if i > 0 and text[i - 1] == "d" and not (text[i - 2:i - 1].isascii() and text[i - 2:i - 1].islower()) \
                    and "d" not in declared and f"d{name}" not in declared:
                # J dθ - e, g'dθ: a step's or a direction's name, read d theta with theta a number
                raise ParseError(f"d{ch} is read as the product d {name}; for one name (a step or a direction) write "
                                 f"d_{name} or declare it (where='d{name}: ...'); for the product put a space "
                                 f"(d {ch})", text, i - 1)
            before = " " if pieces and pieces[-1][0] and (pieces[-1][0][-1].isalnum()) else ""
            if before and i > 0 and text[i - 1] == "d" and f"d{name}" in declared:
                before = ""  # (dθ with dtheta declared: the one name)
            after = " " if i + 1 < n and text[i + 1].isalpha() and text[i + 1] not in _SUBSCRIPTS else ""  # (λᵢ is lambda_i)
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
                close = _group_end(text, i + 1)
                if close is not None and close + 1 < n and text[close + 1] in "ᵀ⁻('’′⊤":
                    # √(x − μ)ᵀΣ⁻¹(x − μ) (a Mahalanobis distance pasted from a PDF, whose bar covered all of
                    # it) read the root of x − μ alone; a factor typed after a group, √(2π)σ, is a product
                    group = text[i + 1:close + 1]
                    raise ParseError(f"'{text[i:close + 2]}...': the root's reach is not written: put all that is "
                                     f"under it in parentheses, √({group}{text[close + 1]}...); for the root of "
                                     f"{group} alone, a space after it (√{group} ...)", text, i)
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
        elif ch in SYMBOLS or ch == _KRON:
            pieces.append((SYMBOLS.get(ch, ch), i, i + 1))
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
    if any(c in text for c in "⊙∘" + _KRON):
        out_text, origin, reach = _operands_of_products(text, "".join(out_text), origin, reach)
    out = Translation("".join(out_text))
    out.source = text
    out.origin = origin
    out.reach = reach
    return out


def _after_e(text: str, i: int) -> bool:
    """Is the superscript run at i written on Euler's number e (eˣ), not on a name ending in e?"""
    return i >= 1 and text[i - 1] == "e" and (i == 1 or not (text[i - 2].isalnum() or text[i - 2] == "_"))


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
        if k < j and text[k] in _SUPERSCRIPT_LETTERS and (_after_e(text, i) or text[k] in _EXPONENT_LETTERS):
            # eᴬ, e⁻ˣ, Aⁿ: a power by that name (e^A, e^-x, A^n); xⁱ and xʲ, indices, stay refused
            out.append(("^" + sign + _SUPERSCRIPT_LETTERS[text[k]], start, k + 1))
            k += 1
            continue
        if k < j and text[k] in _SUPERSCRIPT_LETTERS:  # xⁱ, xʲ: the i-th x in a paper
            c = text[k]
            base = text[i - 1] if i and text[i - 1].isalnum() else "x"
            raise ParseError(f"a superscript {c} reads as an index (the {_SUPERSCRIPT_LETTERS[c]}-th of a sample), which "
                             f"matcalc does not have: name it with a subscript ({base}_{_SUPERSCRIPT_LETTERS[c]}), or for a "
                             f"power write ^{_SUPERSCRIPT_LETTERS[c]}", text, k)
        digits = ""
        while k < j and text[k] in _SUPERSCRIPT_DIGITS:
            digits += _SUPERSCRIPT_DIGITS[text[k]]
            k += 1
        if not digits and sign and j < len(text) and text[j] in _FRACTIONS and k == j:  # Σ⁻½: the power -1/2
            out.append(("^(-" + SYMBOLS[text[j]] + ")", start, j + 1))
            return out
        if not digits:
            raise ParseError("a superscript minus needs a power after it (⁻¹, ⁻², ⁻ᵀ, ⁻½)", text, start)
        out.append(("^" + sign + digits, start, k))
    return out


# ------------------------------------------------------------------ ⊗, ⊙ and ∘: their operands
# A ⊗ B takes the one operand on each side; beside a product (A C ⊗ B D, A ⊗ Bᵀ C: the products first,
# as the mixed-product rule writes them, or ⊗ first?) it is left for the parser to refuse, as LaTeX's
# \otimes is refused there; ⊙, ∘ take the juxtaposed products (M ⊙ UVᵀ is M .* (U V'), where the plain .* shares juxtaposition's
# precedence). The translation is read into atoms (a name, a number, a call, a group, a norm, with
# their superscripts) and operators, and the parentheses those readings need are written in.

_PLAIN_TOKEN = re.compile(r"\s*(?:(\|\|)|([A-Za-z_][A-Za-z0-9_]*)|((?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)"
                          r"|(\.[*/^]|\*\*)|(.))", re.S)
_ONE_NAME = re.compile(r"[A-Za-z][0-9]*(?:_[A-Za-z0-9]+)?")
_GREEK_NAMES = frozenset(GREEK_LETTERS.values())


#: groups the product pre-pass reads nested (three Python frames each) before it leaves the text to the
#: parser, whose own limit (parser.MAX_DEPTH, 250) then refuses it: past about 300 it met the recursion limit
_MAX_GROUPS = 200


class _Unread(Exception):
    """The translation does not split into atoms here: it is left as it is, for the parser to refuse."""


def _plain_tokens(plain: str) -> list:
    out = []  # (kind, text, start, end, spaced)
    pos = 0
    while pos < len(plain):
        m = _PLAIN_TOKEN.match(plain, pos)
        if m is None or m.end() == pos:
            break
        bar, name, num, dotted, ch = m.groups()
        k = next(i for i in range(1, 6) if m.group(i) is not None)
        start = m.start(k)
        kind = ("bar", "name", "num", "op", "char")[k - 1]
        text = m.group(k)
        if kind == "char" and text in "+-*/=,⊗":
            kind = "op"
        elif kind == "name" and text == "where":
            kind = "op"
        out.append((kind, text, start, m.end(), start > pos))
        pos = m.end()
    return out


class _Atoms:
    """The translation read into sequences of atoms and operators (nested groups are read too)."""

    def __init__(self, toks):
        self.toks = toks
        self.i = 0
        self.seqs = []  # every sequence read, innermost first: lists of ("atom", start, end, primary) / ("op", tok)
        self.depth = 0  # groups open: past the parser's own limit the text is left to the parser, which refuses it

    def peek(self, k=0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def sequence(self, closer=None):
        self.depth += 1
        if self.depth > _MAX_GROUPS:
            raise _Unread  # ((((... A ⊗ B: left as it is, for the parser to refuse as nested too deeply
        items = []
        while True:
            t = self.peek()
            if t is None:
                if closer is not None:
                    raise _Unread
                break
            kind, text = t[0], t[1]
            if closer == "||" and kind == "bar" and items and items[-1][0] == "atom":
                break
            if kind == "char" and text in ")]>":
                if closer != text:
                    raise _Unread
                break
            if kind == "op" or kind == "char" and text not in "([<":
                items.append(("op", t))
                self.i += 1
                continue
            items.append(self.atom())
        self.seqs.append(items)
        self.depth -= 1
        return items

    def group(self, closer):
        self.i += 1
        self.sequence(closer)
        end = self.peek()
        self.i += 1
        return end[3]

    def atom(self):
        t = self.peek()
        kind, text, start = t[0], t[1], t[2]
        if kind == "bar":
            self.i += 1
            self.sequence("||")
            end = self.peek()[3]
            self.i += 1
            primary = "norm"
        elif kind == "char":  # ( [ <
            end = self.group({"(": ")", "[": "]", "<": ">"}[text])
            primary = "group"
        else:
            self.i += 1
            end = t[3]
            primary = text if kind == "name" else "number"
            nxt = self.peek()
            if kind == "name" and nxt is not None and nxt[1] == "(" and not nxt[4]:  # f(x): a call
                end = self.group(")")
                primary = "call"
        while True:  # superscripts: ', ^2, ^-1, ^-T, ^(1/2), .^k, and a subscript after a norm (||X||_F)
            t = self.peek()
            if t is None:
                break
            if t[1] == "'":
                self.i += 1
                end = t[3]
            elif t[1] in ("^", ".^"):
                self.i += 1
                u = self.peek()
                if u is not None and u[1] in "-+":
                    self.i += 1
                    u = self.peek()
                if u is None:
                    raise _Unread
                if u[1] == "(":
                    end = self.group(")")
                elif u[0] in ("name", "num"):
                    self.i += 1
                    end = u[3]
                else:
                    raise _Unread
            elif t[0] == "name" and t[1].startswith("_") and not t[4]:
                self.i += 1
                end = t[3]
            else:
                break
        return ("atom", start, end, primary)


def _operands_of_products(source: str, plain: str, origin: list, reach: list):
    """`plain` with A ⊗ B written kron(A, B) and the operands of ⊙ and ∘ put in parentheses."""
    try:
        reader = _Atoms(_plain_tokens(plain))
        reader.sequence()
    except (_Unread, TypeError, IndexError):
        return [plain], origin, reach
    opens, closes, replace = {}, {}, {}  # boundary -> inserted texts (created inner first); position -> text

    def insert(start, end, before, after, at_source=None):
        o = origin[start] if at_source is None else at_source
        opens.setdefault(start, []).append((before, o, reach[start] if at_source is None else o + 1))
        closes.setdefault(end, []).append((after, origin[end - 1], reach[end - 1]))

    def coefficient(item):  # (2 A ⊗ B, α A ⊗ B, c A ⊗ B, σ² I ⊗ K: a scalar before, the same either way)
        return scalar_coefficient(plain[item[1]:item[2]])

    def bare_word(item):
        return item[0] == "atom" and item[3] not in ("norm", "group", "call", "number") and \
            _ONE_NAME.fullmatch(item[3]) is None and item[3] not in _GREEK_NAMES

    for items in reader.seqs:
        out, k = [], 0
        while k < len(items):  # A ⊗ B ⊗ C: kron(kron(A, B), C)
            it = items[k]
            if it[0] == "op" and it[1][1] == _KRON and out and out[-1][0] == "atom" and k + 1 < len(items) \
                    and items[k + 1][0] == "atom" and not bare_word(out[-1]) and not bare_word(items[k + 1]) \
                    and not (len(out) > 1 and bare_word(out[-2])) \
                    and not (len(out) > 1 and out[-2][0] == "atom" and not coefficient(out[-2])) \
                    and not (k + 2 < len(items) and items[k + 2][0] == "atom"):
                # (A C ⊗ B D, A ⊗ Bᵀ C: the products first, as the mixed-product rule writes them, or ⊗ first?
                # left as typed, for the parser to refuse with kron to write)
                left, right = out.pop(), items[k + 1]
                at = origin[it[1][2]]
                insert(left[1], right[2], "kron(", ")", at_source=at)
                replace[it[1][2]] = ","
                out.append(("atom", left[1], right[2], "call"))
                k += 2
                continue
            if it[0] == "op" and it[1][1] == _KRON and out and out[-1][0] == "atom" and k + 1 < len(items) \
                    and items[k + 1][0] == "atom" and not bare_word(out[-1]) and not bare_word(items[k + 1]):
                # A C ⊗ B D, A ⊗ Bᵀ C: the products first, as the mixed-product rule writes them, or ⊗ first
                # on the operands beside it? Refused with both, as LaTeX's \otimes is
                a = len(out) - 1
                while a > 0 and out[a - 1][0] == "atom" and not coefficient(out[a - 1]):
                    a -= 1
                b = k + 1
                while b + 1 < len(items) and items[b + 1][0] == "atom":
                    b += 1
                run = out[max(a - 1, 0):] + items[k + 1:b + 1]
                if any(x[0] == "atom" and (bare_word(x) or x[3] in bare_names()) for x in run):
                    out.append(it)  # (exp x ⊗ y: a bare function is left to the plain reader's refusal)
                    k += 1
                    continue
                lhs, rhs = plain[out[a][1]:out[-1][2]], plain[items[k + 1][1]:items[b][2]]
                near_l, near_r = plain[out[-1][1]:out[-1][2]], plain[items[k + 1][1]:items[k + 1][2]]
                raise ParseError(f"'{source.strip()}' has two readings: the products first, kron({lhs}, {rhs}), "
                                 f"or ⊗ first, on the operands beside it ({near_l} and {near_r}); write the "
                                 "parentheses", source, origin[it[1][2]])
            out.append(it)
            k += 1
        runs, k = [], 0  # M ⊙ U Vᵀ: the juxtaposed atoms on either side of ⊙, in parentheses
        while k < len(out):
            if out[k][0] == "atom":
                j = k
                while j < len(out) and out[j][0] == "atom":
                    j += 1
                runs.append((k, j))
                k = j
            else:
                k += 1
        for a, b in runs:
            before = out[a - 1] if a else None
            after = out[b] if b < len(out) else None

            def hadamard(op):
                return op is not None and op[0] == "op" and op[1][1] == ".*" and source[origin[op[1][2]]] in "⊙∘"
            if not (hadamard(before) or hadamard(after) and not (
                    before is not None and before[0] == "op" and before[1][1] in ("/", "./"))):
                continue
            if any(out[x][3] in bare_names() for x in range(a, b)):
                continue  # (sum x ⊙ y, log p ⊙ y: a bare function is left to the plain reader's two readings)
            if b - a > 1 or bare_word(out[a]):  # (UVᵀ: the letters U V, one name only if declared)
                insert(out[a][1], out[b - 1][2], "(", ")")
    if not opens and not replace:
        return [plain], origin, reach
    text, o2, r2 = [], [], []
    for i in range(len(plain) + 1):
        for s, o, r in closes.get(i, ()):
            text.append(s)
            o2.extend([o] * len(s))
            r2.extend([r] * len(s))
        for s, o, r in reversed(opens.get(i, ())):
            text.append(s)
            o2.extend([o] * len(s))
            r2.extend([r] * len(s))
        if i < len(plain):
            c = replace.get(i, plain[i])
            text.append(c)
            o2.extend([origin[i]] * len(c))
            r2.extend([reach[i]] * len(c))
    return text, o2, r2


def _group_end(text: str, start: int) -> int | None:
    """The index of the ')' closing the '(' at `start`, or None where it is not closed."""
    depth = 0
    for k in range(start, len(text)):
        if text[k] == "(":
            depth += 1
        elif text[k] == ")":
            depth -= 1
            if depth == 0:
                return k
    return None
