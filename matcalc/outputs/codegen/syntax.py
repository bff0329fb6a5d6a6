"""Python syntax of generated code: when a piece of code needs parentheses, and filling a
backend's templates with operands parenthesized by construction."""
from __future__ import annotations

import string
from fractions import Fraction
from typing import Any

from ...core.errors import EvaluationError

_FORMATTER = string.Formatter()


def is_simple(c: str) -> bool:
    """A name, a number, an attribute or an indexed temporary (`_t1[0]`, `_t1[1].T`)."""
    return c.replace("_", "a").replace(".", "a").replace("[", "a").replace("]", "a").isalnum() \
        or (c.replace(".", "", 1).isdigit())


def is_call(c: str) -> bool:
    """`name(...)` or `a.b(...)`: one call, nothing after it."""
    if not c.endswith(")"):
        return False
    depth = 0
    for i, ch in enumerate(c):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0 and i != len(c) - 1:
                return False
        elif depth == 0 and not (ch.isalnum() or ch in "._"):
            return False
    return True


def par(c: str) -> str:
    """c as an operand of any operator: itself if it binds tighter than all of them."""
    return c if is_simple(c) or is_call(c) or c.startswith("(") and is_call("f" + c) else f"({c})"


def unwrap(c: str) -> str:
    """c without one pair of enclosing parentheses, when they enclose all of it."""
    if c.startswith("(") and c.endswith(")"):
        depth = 0
        for i, ch in enumerate(c):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i != len(c) - 1:
                return c
        return c[1:-1]
    return c


def needs_paren_in_sum(s: str) -> bool:
    depth = 0
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and ch in "+-":
            return True
    return False


def _is_argument(before: str, after: str) -> bool:
    """Whether a template field stands alone as a call argument (or inside a bracket): `f({x})`,
    `f(a, {x})`, `({s})`; then any expression may fill it as it is."""
    b = before.rstrip(" ")
    a = after.lstrip(" ")
    return b.endswith(("(", "[", ",")) and a.startswith((")", "]", ","))


def fill(template: str, **fields: Any) -> str:
    """A backend template with its fields filled: a field that is a call argument takes the code
    as it is; any other (an operand of `*`, `.T`, `[:, None]`) takes it parenthesized by
    precedence, so `{u}[:, None] * {v}` with v = `b + c` is `u[:, None] * (b + c)`.
    A field with a conversion (`{spec!r}`) is a literal, formatted as Python would."""
    parts = list(_FORMATTER.parse(template))
    out = []
    for i, (lit, field, _spec, conv) in enumerate(parts):
        out.append(lit)
        if field is None:
            continue
        value = fields[field]
        if conv == "r":
            out.append(repr(value))
            continue
        after = parts[i + 1][0] if i + 1 < len(parts) else ""
        code = str(value)
        out.append(code if _is_argument(lit, after) else par(code))
    return "".join(out)


def float_literal(v: Fraction) -> str:
    """A number as a float literal: whole numbers exactly up to 2^53; beyond floating point's range it is
    refused as evaluation refuses it (a literal 1e400 would have been read by Python as inf, silently)."""
    if v.denominator == 1 and abs(v) < 2 ** 53:
        return f"{v.numerator}.0"
    try:
        return repr(float(v))
    except OverflowError:
        raise EvaluationError(f"the number {str(v)[:20]}... is too large for floating point") from None
