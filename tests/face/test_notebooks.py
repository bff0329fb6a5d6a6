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
