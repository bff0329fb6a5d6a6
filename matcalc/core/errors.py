"""The error hierarchy: every failure a user can cause is a MatcalcError with a message to act on."""
from __future__ import annotations


class MatcalcError(Exception):
    """Base class of every error matcalc raises on purpose.

    A message quotes what was typed; a control, format or bidi character in it (a zero-width space,
    a right-to-left mark pasted with a formula) is shown as its escape, \\u200b, so that nothing in the
    sentence hides or reorders it (the caret excerpt of a ParseError shows such a character as '?')."""

    def __init__(self, *args: object) -> None:
        if args and isinstance(args[0], str) and not _HIDDEN.isdisjoint(args[0]):
            args = ("".join(ascii(ch)[1:-1] if ch in _HIDDEN else ch for ch in args[0]),) + args[1:]
        super().__init__(*args)


def _chars(*ranges: tuple) -> frozenset:
    return frozenset(chr(c) for lo, hi in ranges for c in range(lo, hi + 1))


#: characters a message shows escaped: C0 and C1 controls but the newline, soft hyphen, zero-width and bidi
#: marks, word joiners, the byte-order mark, lone surrogates (a set, not a regex: `import matcalc` loads no re)
_HIDDEN = _chars((0x00, 0x09), (0x0B, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x200B, 0x200F), (0x2028, 0x202E),
                 (0x2060, 0x2069), (0xFEFF, 0xFEFF), (0xD800, 0xDFFF))


class ParseError(MatcalcError):
    """The text is not a well-formed expression; carries line, column and a caret excerpt."""

    def __init__(self, message: str, text: str = "", pos: int | None = None):
        self.text = text
        self.pos = pos
        self.line = self.column = None
        self.excerpt = ""
        if pos is not None and text is not None:
            self.line = text.count("\n", 0, pos) + 1
            start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            end = len(text) if end < 0 else end
            self.column = pos - start + 1
            line_text = text[start:end]
            # keep the excerpt short around the column for huge inputs
            lo = max(0, self.column - 1 - 40)
            hi = min(len(line_text), self.column - 1 + 40)
            shown = _printable(line_text[lo:hi])
            prefix = "..." if lo > 0 else ""
            suffix = "..." if hi < len(line_text) else ""
            caret = " " * (len(prefix) + self.column - 1 - lo) + "^"
            self.excerpt = f"  {prefix}{shown}{suffix}\n  {caret}"
            message = f"{message} (line {self.line}, column {self.column})\n{self.excerpt}"
        super().__init__(message)


class DeclarationError(MatcalcError):
    """A `where` declaration is malformed or contradicts itself or the expression."""


class ShapeError(MatcalcError):
    """Two subexpressions have shapes that cannot be combined; the message names both."""


class DivisionByZeroError(MatcalcError):
    """The text divides by a constant zero (`1/0`, `x ./ (1 - 1)`, `0^-1`); the reader names where."""


class UnknownNameError(MatcalcError):
    """A function or name the language does not know."""


class NotSupportedError(MatcalcError):
    """A well-formed request matcalc cannot answer (yet); never a guess instead."""


class MatrixFunctionError(NotSupportedError):
    """An entrywise log, exp or square root of a square matrix where papers mean the matrix function
    (inside a trace or a determinant), refused as typed. A reader that tries other readings when one
    fails (LaTeX bars as a determinant, else an absolute value) passes this on: the other reading is
    not what was meant either; nor does one that retries a text whose reading failed on its shapes
    (it is no ShapeError)."""


class EvaluationError(MatcalcError):
    """Numerical evaluation failed: a missing or mis-shaped value, a singular matrix, a bad domain."""


def _printable(s: str) -> str:
    """Replace control, format and bidi characters by '?' so carets line up and nothing hides."""
    import unicodedata
    out = []
    for ch in s:
        if ch == "\t":
            out.append(" ")
        elif ch.isascii() and ch.isprintable():
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Mn", "Me") or \
                not ch.isprintable() or unicodedata.category(ch) == "Zs":
            out.append("?")
        else:
            out.append(ch)
    return "".join(out)


class LimitError(MatcalcError):
    """A request that would exceed a work limit (time, expression nodes, terms, sample size); the message
    names the limit and how to raise it."""


class MatcalcWarning(UserWarning):
    """A reading the language prescribes where a paper may mean something else: an entrywise exp, log
    or sqrt of a square matrix that the formula multiplies as a matrix (exp(t A) x0, which in a linear
    ODE is the matrix exponential). The answer is right for the reading, which the warning names."""
