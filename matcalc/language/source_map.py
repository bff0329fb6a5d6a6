"""A translation into the plain language that remembers where each character came from.

The LaTeX reader (latex_in.py) and the Unicode reader (unicode_in.py) both translate what was typed
into the plain language and parse that; with this map, an error found in the translation is reported
at its place in the text as typed.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import ParseError

if TYPE_CHECKING:
    from ..core.errors import MatcalcError


class Translation(str):
    """The plain-language translation of a source (LaTeX, pasted Unicode): a str, with `source` and
    `origin`, the position in the source of every character of the translation."""

    source: str
    origin: list   # the source position of each character
    reach: list    # the end of the source span each character was translated from

    def source_pos(self, pos: int) -> int:
        if not self.origin:
            return 0
        if pos >= len(self.origin):
            return len(self.source)
        return self.origin[pos]

    def source_text(self, start: int, end: int) -> str:
        """The source text that the translation's characters [start, end) came from."""
        lo = min(self.origin[start:end])
        hi = max(self.reach[start:end])
        return self.source[lo:hi]


def in_source(err: MatcalcError, plain: Translation) -> MatcalcError:
    """The same error in terms of the text as typed: a parse error's position and caret moved
    into the source, and text the message quotes from the translation ('tr (X' A)') replaced by
    the source it came from ('\\operatorname{tr}(X^\\top A)')."""
    msg = str(err)
    if not isinstance(err, ParseError):
        return type(err)(_quotes_in_source(msg, plain))
    if err.line is not None:
        suffix = f" (line {err.line}, column {err.column})\n{err.excerpt}"
        if msg.endswith(suffix):
            msg = msg[:-len(suffix)]
    pos = plain.source_pos(err.pos) if err.pos is not None and err.text == plain else None
    return ParseError(_quotes_in_source(msg, plain), plain.source, pos)


def _quotes_in_source(msg: str, plain: Translation) -> str:
    """Each quoted piece of the translation in `msg` ('x' A x') replaced by its LaTeX source: the
    longest quoted text (quotes may hold transposes) that occurs in the translation."""
    out = []
    i = 0
    n = len(msg)
    while i < n:
        if msg[i] == "'":
            best = None
            j = msg.find("'", i + 1)
            while j != -1 and j - i <= 400:
                seg = msg[i + 1:j]
                if seg.strip() and "\n" not in seg:
                    k = plain.find(seg)
                    if k >= 0:
                        best = (j, k, seg)
                j = msg.find("'", j + 1)
            if best is not None:
                j, k, seg = best
                out.append("'" + plain.source_text(k, k + len(seg)).strip() + "'")
                i = j + 1
                continue
        out.append(msg[i])
        i += 1
    return "".join(out)
