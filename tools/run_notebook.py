"""Run a notebook of notebooks/ top to bottom and save it with its new outputs.

    python tools/run_notebook.py tour.ipynb

The tests compare the tour's saved outputs with what matcalc prints now (tests/face/test_notebooks.py):
after a change to what matcalc prints, run this and commit the notebook. Needs the test extra
(nbclient, nbformat, ipykernel).
"""
from __future__ import annotations

import sys
from pathlib import Path

import nbclient
import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


def main(name: str) -> None:
    path = NOTEBOOKS / name
    nb = nbformat.read(path, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=120,
                            resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    for cell in nb.cells:  # (no run times: a rerun changes only what it shows)
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tour.ipynb")
