"""User variable names as Python identifiers in generated code.

The language's names are letters with an optional subscript: `x`, `x1`, `x_1`, `W_ab`,
`x_{1}`, `x_{ij}`. The mapping to Python is injective, deterministic and readable:

* a plain name (`x`, `x1`, `x_1`) is itself, unless Python or the generated module already
  means something by it (a keyword, a builtin such as `float` or `abs`, a module the code
  refers to such as `jax`, the module flag `CHECK_INPUTS`): then it gets a trailing underscore
  (`float_`, `lambda_`); no plain name ends with an underscore, so these are new names;
* a subscript inside a braced subscript is written with a double underscore: `x_{a_b}` is
  `x__a_b`; no plain name contains two underscores in a row. (`x_{1}` and `x_{ij}` are the names
  `x_1` and `x_ij` everywhere: the reader drops braces around letters and digits.)

Generated code's own names all start with an underscore, which no user name can.
"""
from __future__ import annotations

import builtins
import keyword
import re

RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) \
    | {"jax", "torch", "numpy", "math", "scipy", "CHECK_INPUTS"}

_BRACED = re.compile(r"^([A-Za-z]+)_\{([A-Za-z0-9_]+)\}$")


def py_name(name: str) -> str:
    """A user variable's name as a Python identifier (see the module docstring)."""
    m = _BRACED.match(name)
    if m:
        return f"{m.group(1)}__{m.group(2)}"
    if not name.isidentifier():  # no such name in the language; keep the identifier valid anyway
        name = re.sub(r"\W", "_", name)
    return name + "_" if name in RESERVED else name
