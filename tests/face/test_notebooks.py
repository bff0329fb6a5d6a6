"""Execute every notebook in notebooks/ so that none of them can rot.

Each notebook runs top to bottom in a fresh "python3" kernel with nbclient: the kernel is
the interpreter running the tests (so in a fresh virtual environment made by
`pip install ".[test]"` it is that environment's Python), the working directory is
notebooks/, and the project root is on PYTHONPATH, so `import matcalc` finds the source
checkout as well as an installed package. Any cell that raises fails the test, with the
cell and its traceback in the report; that includes cells tagged "raises-exception" (a
notebook that wants to show an error should catch it). New notebooks are picked up
automatically. nbclient, nbformat and ipykernel are in the `test` extra: if one is missing
the test fails and says so, it is never skipped.
"""
from __future__ import annotations

import importlib
import json
import os
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
KERNEL = "python3"
CELL_TIMEOUT = 120  # seconds, per cell

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _require(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        problem = str(exc)
    pytest.fail(f"{module} is needed to execute the notebooks but cannot be imported ({problem}); "
                f"it is in the test extra: pip install \".[test]\"", pytrace=False)


def _prepend_path(monkeypatch, name: str, first: str) -> None:
    rest = [p for p in os.environ.get(name, "").split(os.pathsep) if p]
    monkeypatch.setenv(name, os.pathsep.join([first] + rest))


def _kernel_environment(tmp_path: Path, monkeypatch) -> None:
    """Make "python3" this interpreter's ipykernel, whatever kernelspecs the machine has,
    put the project root on the kernel's PYTHONPATH, and keep Jupyter's files in tmp_path."""
    jupyter = tmp_path / "jupyter"
    spec = jupyter / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (matcalc tests)",
        "language": "python",
    }))
    _prepend_path(monkeypatch, "JUPYTER_PATH", str(jupyter))  # searched before every other kernel dir
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    _prepend_path(monkeypatch, "PYTHONPATH", str(ROOT))


def test_the_tour_is_there():
    assert NOTEBOOK_DIR / "tour.ipynb" in NOTEBOOKS, f"no tour.ipynb in {NOTEBOOK_DIR}"


#: notebooks whose saved outputs are what a reader sees without running them: each must be what
#: matcalc prints now (the performance notebook's outputs are timings, which vary from run to run)
OUTPUTS_KEPT = ("tour.ipynb",)
#: what varies between two runs of the same cell: a finite-difference error at random inputs (4.17e-10)
_VARYING = re.compile(r"\b[0-9]+(?:\.[0-9]+)?e[-+][0-9]+\b")


def _shown(cell) -> list:
    """The text a code cell shows: its streams (as one text: the kernel cuts them where it likes) and
    the text, LaTeX and Markdown of its results."""
    streams, shown = [], []
    for out in cell.get("outputs", []):
        if out.output_type == "stream":
            streams.append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            shown.extend(out.data.get(k, "") for k in ("text/plain", "text/latex", "text/markdown"))
    return [_VARYING.sub("<number>", "".join(text) if isinstance(text, list) else text)
            for text in ["".join(streams)] + shown]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path, monkeypatch):
    nbformat = _require("nbformat")
    nbclient = _require("nbclient")
    _require("ipykernel")
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    _kernel_environment(tmp_path, monkeypatch)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, kernel_name=KERNEL, timeout=CELL_TIMEOUT, allow_errors=False,
                                     resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    saved = [_shown(cell) for cell in nb.cells if cell.cell_type == "code"]
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as exc:
        pytest.fail(f"{path.name}: {_ANSI.sub('', str(exc))}", pytrace=False)

    # nbclient lets a cell tagged "raises-exception" raise; here no cell may.
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if out.output_type == "error":
                pytest.fail(f"{path.name}: cell {index} raised {out.ename}: {_ANSI.sub('', out.evalue)}\n"
                            f"{cell.source}", pytrace=False)
    if path.name in OUTPUTS_KEPT:  # (the saved outputs would go stale unseen: README and tour quote them)
        for index, (before, now) in enumerate(zip(saved, [_shown(c) for c in nb.cells if c.cell_type == "code"])):
            assert now == before, (f"{path.name}: code cell {index} now shows {now!r}, the notebook saves "
                                   f"{before!r}; run it again and save it (python tools/run_notebook.py {path.name})")
