"""The README's Python examples give what the README shows beside them.

Each ```python block of README.md runs top to bottom in a namespace of its own (with numpy as np
and matcalc). A statement whose comment shows a value, `str(r)  # "A' (A x - b)"`, must give that
value: a quoted text is compared with the value (or its str), an `array([...])` with the array, and
a text ending in `...` with the start of the value's str. Statements that stand for a user's own
data (`r.evaluate(values)`, `f(A, b, x)`, `where="..."`) name things the README never defines:
such a statement is skipped (a NameError, or the `"..."` placeholder), and none may show a value.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pytest

import matcalc

README = Path(__file__).resolve().parents[2] / "README.md"
_SHOWN = re.compile(r"#\s*(\"[^\"]*\"|'[^']*'|array\(\[[^\]]*\]\)|ok: .*)\s*$")


def _blocks() -> list:
    text = README.read_text(encoding="utf-8")
    out = []
    for m in re.finditer(r"^```python\n(.*?)^```", text, flags=re.S | re.M):
        out.append((text[:m.start()].count("\n") + 2, m.group(1)))
    return out


BLOCKS = _blocks()


def _shown(source_lines: list, stmt: ast.stmt):
    """The value the README shows beside a statement, or None."""
    m = _SHOWN.search(source_lines[stmt.end_lineno - 1])
    return m.group(1) if m else None


def _agrees(value, shown: str) -> bool:
    if shown.startswith("array("):
        want = np.array([float(v) for v in re.findall(r"-?[0-9.]+", shown)])
        return np.allclose(np.asarray(value, dtype=float).ravel(), want)
    if shown.startswith("ok: "):
        prefix = shown[:-3].rstrip() if shown.endswith("...") else shown
        return str(value).startswith(prefix)
    want = shown[1:-1].replace("\\\\", "\\")
    return value == want or str(value) == want


def test_the_readme_has_python_examples_that_show_values():
    shown = sum(1 for _, code in BLOCKS for line in code.splitlines() if _SHOWN.search(line))
    assert shown >= 6


@pytest.mark.parametrize("line, code", BLOCKS, ids=[f"README.md:{b[0]}" for b in BLOCKS])
def test_a_readme_python_example_gives_what_the_readme_shows(line, code):
    lines = code.splitlines()
    namespace = {"np": np, "matcalc": matcalc}
    for stmt in ast.parse(code).body:
        shown = _shown(lines, stmt)
        source = ast.get_source_segment(code, stmt)
        at = f"README.md:{line + stmt.lineno - 1}: {source}"
        if '"..."' in source:  # (where="...": the user's own declarations)
            assert shown is None, f"{at} shows {shown} but stands for the user's own declarations"
            continue
        if isinstance(stmt, ast.Expr):
            try:
                value = eval(compile(ast.Expression(stmt.value), "README.md", "eval"), namespace)  # noqa: S307
            except NameError:
                assert shown is None, f"{at} shows {shown} but names what the README never defines"
                continue
            if shown is not None:
                assert _agrees(value, shown), f"{at} gives {value!r}, the README shows {shown}"
        else:
            try:
                exec(compile(ast.Module([stmt], []), "README.md", "exec"), namespace)  # noqa: S102
            except NameError:
                continue  # (f(A, b, x): the user's own arrays)
