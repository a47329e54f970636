"""Execute every notebook in ``tutorials/`` with nbclient; any cell error fails the test.

The kernel is this interpreter (``sys.executable``): an ipykernel ``python3``
kernelspec is installed into a temporary Jupyter path that takes precedence
over any user kernelspec. The kernel's working directory is a temporary
folder, so a notebook cannot write into the repository, and the checkout is
put first on ``PYTHONPATH`` so the notebooks import this tree's package.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
ipykernel_kernelspec = pytest.importorskip("ipykernel.kernelspec")

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((REPO_ROOT / "tutorials").glob("*.ipynb"))
CELL_TIMEOUT_S = 300


def test_there_are_tutorials():
    assert NOTEBOOKS, "tutorials/ holds no notebook"


@pytest.fixture
def kernel_environment(tmp_path, monkeypatch):
    """A ``python3`` kernelspec for this interpreter and a clean environment for the kernel."""
    prefix = tmp_path / "jupyter-prefix"
    ipykernel_kernelspec.install(kernel_name="python3", prefix=str(prefix))
    monkeypatch.setenv("JUPYTER_PATH", str(prefix / "share" / "jupyter"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    python_path = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(REPO_ROOT) + (os.pathsep + python_path if python_path else ""))
    workdir = tmp_path / "cwd"
    workdir.mkdir()
    return workdir


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, kernel_environment):
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        allow_errors=False,
        resources={"metadata": {"path": str(kernel_environment)}},
    )
    client.execute()
    errors = [output for cell in notebook.cells if cell.cell_type == "code"
              for output in cell.get("outputs", []) if output.get("output_type") == "error"]
    assert not errors
    assert list(kernel_environment.iterdir()) == [], "the notebook wrote files into its working directory"
