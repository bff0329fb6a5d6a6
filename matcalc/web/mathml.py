"""LaTeX to MathML for the page: the browser draws MathML natively, so nothing is downloaded.

The conversion is latex2mathml's (the `web` extra). It converts exactly the LaTeX the page's
"copy LaTeX" button hands out, whatever produced it (a result, a d2f form with its `where`
bindings, a derivation step), so what is shown and what is copied cannot disagree. Without the
package the page shows the LaTeX source instead, and says why.
"""
from __future__ import annotations

import functools
from typing import Any

#: LaTeX longer than this is shown as source: a huge formula would only cost time to typeset.
MAX_LATEX = 20_000


@functools.lru_cache(maxsize=1)
def _converter():
    """latex2mathml's converter, imported on first use (the command line never needs it), or None."""
    try:  # optional dependency: the `web` extra
        from latex2mathml.converter import convert
    except ImportError:  # pragma: no cover - exercised only without the extra
        return None
    return convert


def available() -> bool:
    """Whether LaTeX can be converted here (latex2mathml is installed)."""
    return _converter() is not None


@functools.lru_cache(maxsize=64)
def to_mathml(latex: str, display: str = "block") -> str | None:
    """The MathML of `latex`, or None where it cannot be converted (no converter, too long, or
    LaTeX the converter does not know): the page then shows the source. Kept per string, for the
    last few: one answer repeats its LaTeX (a block Hessian's labels, shared names, steps) about
    twice, and the page asks again for the answer it shows. Not more: a string may be 20,000
    characters and its MathML seven times that, and 2,048 of them took a worker from 29 MB to 143 MB
    after 200 large Hessians (about 670 MB at worst for two workers)."""
    convert = _converter()
    if convert is None or not latex or len(latex) > MAX_LATEX:
        return None
    try:
        mathml = convert(latex, display=display)
    except Exception:  # noqa: BLE001 - any converter failure falls back to the source
        return None
    # matcalc's LaTeX puts every group in \left( ... \right); stretched to their content, the
    # fences around a transposed factor grow taller than the line, so they keep the text's size
    return mathml.replace('stretchy="true" fence="true"', 'stretchy="false" fence="true"')


def add_mathml(data: Any) -> Any:
    """A copy of a JSON tree in which every dict with a "latex" string also has its "mathml"."""
    if isinstance(data, dict):
        out = {k: add_mathml(v) for k, v in data.items()}
        if isinstance(data.get("latex"), str):
            out["mathml"] = to_mathml(data["latex"])
        return out
    if isinstance(data, list):
        return [add_mathml(v) for v in data]
    return data
