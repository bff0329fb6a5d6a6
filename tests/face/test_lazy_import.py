"""Starting up: `import matcalc` and the command line load only what the job needs. Printing the
help loads neither the engine nor NumPy, and a text or LaTeX gradient is derived without NumPy
(NumPy is imported when a value is first computed: evaluation, checks, generated code)."""
from __future__ import annotations

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _modules_after(code: str) -> set:
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    probe = code + "\nimport sys\nprint(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return set(out.stdout.split())


def test_import_matcalc_loads_neither_the_engine_nor_numpy():
    mods = _modules_after("import matcalc")
    assert "numpy" not in mods and "lark" not in mods


def test_import_matcalc_loads_no_typing_and_no_regular_expressions():
    """The annotations are for type checkers: `import matcalc` (errors and limits) imports neither typing
    (9 ms) nor re, as it did not before the API was annotated."""
    env = {k: v for k, v in os.environ.items() if k != "MATCALC_LATEX_LOG_DIR"}
    env["PYTHONPATH"] = ROOT  # (alone: the suite's LaTeX collector hooks every process through PYTHONPATH)
    probe = "import matcalc, sys\nprint(' '.join(sorted(m for m in sys.modules if '.' not in m)))"
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    mods = set(out.stdout.split())
    assert "matcalc" in mods and "typing" not in mods and "re" not in mods


def test_cli_help_loads_no_numpy():
    code = ("import contextlib, io\nfrom matcalc.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass")
    mods = _modules_after(code)
    assert "numpy" not in mods and "lark" not in mods


def test_cli_gradient_in_text_and_latex_loads_no_numpy():
    code = ("import contextlib, io\nfrom matcalc.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    main([\"x'Ax\", '--wrt', 'x', '--format', 'text'])\n    main([\"x'Ax\", '--wrt', 'x'])\n"
            "assert 'grad f = (A + A\\') x' in out.getvalue(), out.getvalue()")
    assert "numpy" not in _modules_after(code)


def test_public_names_load_on_first_use():
    mods = _modules_after("import matcalc\nassert str(matcalc.grad(\"x'x\", 'x')) == '2 x'\n"
                          "assert matcalc.CheckReport.__name__ == 'CheckReport'")
    assert "lark" not in mods  # the parser runs tables generated from the grammar (language/lalr_tables.py)


def test_evaluation_imports_numpy_when_needed():
    mods = _modules_after("import matcalc\nr = matcalc.grad(\"x'x\", 'x')\n"
                          "assert list(r.evaluate({'x': [1.0, 2.0]})) == [2.0, 4.0]")
    assert "numpy" in mods
