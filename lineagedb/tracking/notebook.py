"""Notebooks: detect the running one, read its title and source, render its report."""

from __future__ import annotations

import itertools
import json
import os
import sys
from pathlib import Path
from typing import Any

from lineagedb.errors import TrackingError


def _shell() -> Any:
    if "IPython" not in sys.modules:
        return None
    from IPython import get_ipython

    return get_ipython()


def in_notebook() -> bool:
    """Whether this code runs in a Jupyter kernel (Jupyter, VS Code, nbclient).

    Example:
        >>> in_notebook()
        False
    """
    shell = _shell()
    # ipykernel's shell (ZMQInteractiveShell), told by its module: importing ipykernel
    # to compare classes would cost a notebook-less process its import.
    return shell is not None and type(shell).__module__.startswith("ipykernel.")


def notebook_path(explicit: str | Path | None = None) -> Path:
    """The path of the running notebook.

    Looked up, in order: the ``path`` given to ``ln.track()``, VS Code's
    ``__vsc_ipynb_file__``, Jupyter Server's ``JPY_SESSION_NAME``, and
    finally the one notebook in the working directory that contains the
    cell running now (headless runs: nbclient, ``jupyter nbconvert --execute``).

    Example (in a folder holding ``analysis.ipynb``):
        >>> notebook_path("analysis.ipynb").name  # notebook  # doctest: +SKIP
        'analysis.ipynb'
    """
    candidates: list[str | Path | None] = [explicit]
    shell = _shell()
    if shell is not None:
        candidates.append(shell.user_ns.get("__vsc_ipynb_file__"))
    candidates.append(os.environ.get("JPY_SESSION_NAME"))
    for candidate in candidates:
        if candidate and str(candidate).endswith(".ipynb") and Path(candidate).exists():
            return Path(candidate).resolve()
    matches = _notebooks_containing_running_cell(Path.cwd())
    if len(matches) == 1:
        return matches[0]
    if matches:
        chosen = _named_by_executor(matches)
        if chosen is not None:
            return chosen
        names = ", ".join(f"'{m.name}'" for m in matches)
        raise TrackingError(
            f"Several notebooks here hold the cell running now ({names}): an executed copy "
            f"beside its source? Name the one running: ln.track(path='{matches[0].name}'), "
            "or write executed copies to another folder (nbconvert --output-dir)."
        )
    raise TrackingError(
        "Cannot find the path of this notebook (no VS Code or Jupyter Server variable "
        "names it). Pass it: ln.track(path='analysis.ipynb')."
    )


def is_headless() -> bool:
    """Whether this notebook runs without a front end (nbconvert --execute, papermill, nbclient).

    Jupyter Server and VS Code name the notebook to their kernels; a headless
    executor names nothing, and writes the outputs to the file only at the end.

    Example:
        >>> is_headless()
        False
    """
    shell = _shell()
    if shell is None or not in_notebook():
        return False
    named = os.environ.get("JPY_SESSION_NAME") or shell.user_ns.get("__vsc_ipynb_file__")
    return not named


def has_outputs(notebook: dict[str, Any]) -> bool:
    """Whether any code cell of the saved notebook has run (an execution count or output).

    Example:
        >>> has_outputs({"cells": [{"cell_type": "code", "source": "1", "outputs": []}]})
        False
    """
    return any(
        cell.get("outputs") or cell.get("execution_count") is not None
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code"
    )


def has_error(notebook: dict[str, Any]) -> bool:
    """Whether a cell's output is an uncaught error (the run stopped there).

    Example:
        >>> has_error({"cells": [{"cell_type": "code", "outputs": [{"output_type": "error"}]}]})
        True
    """
    return any(
        output.get("output_type") == "error"
        for cell in notebook.get("cells", [])
        for output in cell.get("outputs", []) or []
    )


def _running_cell() -> str | None:
    shell = _shell()
    history = getattr(getattr(shell, "history_manager", None), "input_hist_raw", None)
    return history[-1].strip() if history else None


def _named_by_executor(candidates: list[Path]) -> Path | None:
    """The one candidate the kernel's parent (``jupyter nbconvert a.ipynb --output b``,
    papermill) was given as its input notebook, or None.

    An executed copy written beside its source (``a.executed.ipynb``) holds the
    same cells; the executor's command line tells which one it is running.
    """
    try:
        import psutil  # ipykernel's dependency: there in every kernel
    except ImportError:
        return None
    try:
        parent = psutil.Process().parent()
        arguments, folder = (parent.cmdline(), Path(parent.cwd())) if parent else ([], Path())
    except (psutil.Error, OSError):
        return None
    inputs = set()
    after_output = False
    for argument in arguments:
        if after_output or argument.startswith("--output"):
            after_output = argument in ("--output", "-o", "--output-dir")
            continue
        if argument.endswith(".ipynb"):
            inputs.add((folder / argument).resolve())
    named = [c for c in candidates if c in inputs]
    if len(named) == 1:
        return named[0]
    return None


def _notebooks_containing_running_cell(folder: Path) -> list[Path]:
    cell = _running_cell()
    if not cell:
        return []
    matches = []
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = read_notebook(path).get("cells", [])
        except (OSError, ValueError):
            continue
        if any(_cell_source(c).strip() == cell for c in cells if c.get("cell_type") == "code"):
            matches.append(path.resolve())
    return matches


def read_notebook(path: Path) -> dict[str, Any]:
    """The notebook's JSON content."""
    with open(path, encoding="utf-8") as handle:
        content: dict[str, Any] = json.load(handle)
    return content


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def notebook_title(notebook: dict[str, Any]) -> str | None:
    """The text of the first Markdown heading, or None.

    Example:
        >>> notebook_title({"cells": [{"cell_type": "markdown", "source": "# Tutorial"}]})
        'Tutorial'
    """
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        for line in _cell_source(cell).splitlines():
            if line.startswith("#"):
                return line.lstrip("#").strip() or None
    return None


def stripped_source(notebook: dict[str, Any]) -> bytes:
    """The notebook without outputs, execution counts or metadata: its source code.

    Two runs of an unchanged notebook give the same bytes, so the hash of
    this tells whether the code changed.

    Example:
        >>> stripped_source({"cells": [{"cell_type": "code", "source": "1", "outputs": [3]}]})
        b'{"cells": [{"cell_type": "code", "source": "1"}], "nbformat": 4}'
    """
    cells = [
        {"cell_type": cell.get("cell_type"), "source": _cell_source(cell)}
        for cell in notebook.get("cells", [])
    ]
    content = {"cells": cells, "nbformat": notebook.get("nbformat", 4)}
    return json.dumps(content, ensure_ascii=False).encode()


def check_saved(notebook: dict[str, Any], path: Path) -> None:
    """Refuse when the cell running now is not in the saved file (unsaved edits).

    Example:
        >>> check_saved(read_notebook(path), path)  # notebook  # doctest: +SKIP
    """
    running = _running_cell()
    saved = {_cell_source(c).strip() for c in notebook.get("cells", [])}
    if running and running not in saved:
        raise TrackingError(
            f"Notebook '{path.name}' has unsaved changes: the cell calling ln.finish() is not "
            "in the saved file. Save the notebook (Ctrl+S), then call ln.finish() again."
        )


def is_consecutive(notebook: dict[str, Any]) -> bool | None:
    """Whether the code cells ran top to bottom (execution counts increase).

    Example:
        >>> is_consecutive({"cells": [{"cell_type": "code", "execution_count": 2},
        ...                           {"cell_type": "code", "execution_count": 1}]})
        False
    """
    counts = [
        cell.get("execution_count")
        for cell in notebook.get("cells", [])
        if cell.get("cell_type") == "code" and cell.get("execution_count") is not None
    ]
    if not counts:
        return None
    return all(a < b for a, b in itertools.pairwise(counts))


def render_report(path: Path) -> bytes | None:
    """The notebook as HTML (nbconvert), or None when nbconvert is not installed.

    Example:
        >>> render_report(Path("analysis.ipynb"))[:15]  # notebook  # doctest: +SKIP
        b'<!DOCTYPE html>'
    """
    try:
        from nbconvert import HTMLExporter
    except ImportError:
        return None
    body, _ = HTMLExporter().from_filename(str(path))
    return body.encode()
