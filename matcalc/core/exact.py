"""Exact rational arithmetic that stays cheap: bounded powers and exact roots of fractions."""
from __future__ import annotations

from fractions import Fraction


def small_power(b: Fraction, e: Fraction) -> bool:
    """Whether b**e has a modest number of digits (exact arithmetic stays cheap)."""
    bits = max(abs(b.numerator), abs(b.denominator), 2).bit_length()
    return bits * abs(e) <= 3000  # some 900 digits: it still reads back (see parser.MAX_DIGITS)


def exact_root(v: Fraction, q: int) -> Fraction | None:
    """v ** (1/q) if it is rational, else None."""
    if max(abs(v.numerator), v.denominator).bit_length() > 4000 or q > 64:
        return None
    if v < 0 and q % 2 == 0:
        return None
    sign = -1 if v < 0 else 1
    v = abs(v)
    out = []
    for part in (v.numerator, v.denominator):
        r = _integer_root(part, q)
        if r ** q != part:
            return None
        out.append(r)
    return sign * Fraction(out[0], out[1])


def _integer_root(n: int, q: int) -> int:
    """The largest r with r**q <= n (Newton's method on integers: a float root overflows past 1e308)."""
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // q)  # 2^ceil(bits / q) > the root
    while True:
        y = ((q - 1) * x + n // x ** (q - 1)) // q
        if y >= x:
            return x
        x = y
