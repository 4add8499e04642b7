"""A real notebook executed headless with nbclient: track(), save, finish()."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbclient import NotebookClient

pytestmark = pytest.mark.slow  # multi-process or notebook runs: `make test-fast` skips them


def make_notebook(path: Path) -> Path:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Tutorial: Artifacts\n\nRegister some data."),
        nbformat.v4.new_code_cell("import lineagedb as ln"),
        nbformat.v4.new_code_cell("run = ln.track()"),
        nbformat.v4.new_code_cell(
            "artifact = ln.Artifact(ln.datasets.file_mini_csv('out'), key='mini.csv').save()"
        ),
        nbformat.v4.new_code_cell("ln.finish()"),
    ]
    nbformat.write(notebook, path)
    return path


def execute(path: Path, cwd: Path | None = None) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    folder = cwd or path.parent
    client = NotebookClient(
        notebook, timeout=120, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    client.execute()
    return notebook


def cell_text(cell: nbformat.NotebookNode) -> str:
    return "".join(output.get("text", "") for output in cell.get("outputs", []))


def test_notebook_is_tracked_with_report(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    path = make_notebook(tmp_path / "analysis.ipynb")
    # Jupyter Server tells its kernels the notebook path this way; nbclient doesn't.
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    execute(path)
    artifact = ln.Artifact.filter(key="mini.csv").one()
    transform, run = artifact.transform, artifact.run
    assert (transform.type, transform.key, transform.name) == (
        "notebook",
        "analysis.ipynb",
        "Tutorial: Artifacts",
    )
    assert run.finished_at is not None
    assert run.report is not None and run.report == transform.latest_report
    html = run.report.path.read_text()
    assert html.lstrip().lower().startswith("<!doctype html>") and "Tutorial: Artifacts" in html
    assert transform.source_code.suffix == ".ipynb"
    assert "ln.track()" in transform.source_code.path.read_text()


def test_headless_run_finds_notebook_in_working_directory(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = make_notebook(tmp_path / "headless.ipynb")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    execute(path)  # as `jupyter nbconvert --execute` does: no variable names the file
    transform = instance.Transform.filter().one()
    assert (transform.key, transform.type) == ("headless.ipynb", "notebook")


def test_notebook_without_path_says_how_to_pass_it(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient.exceptions import CellExecutionError

    path = make_notebook(tmp_path / "analysis.ipynb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(CellExecutionError, match=r"Pass it: ln.track\(path='analysis.ipynb'\)"):
        execute(path, cwd=elsewhere)
    assert instance.Transform.filter().count() == 0


def test_finish_refuses_unsaved_notebook(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient.exceptions import CellExecutionError

    path = make_notebook(tmp_path / "analysis.ipynb")
    monkeypatch.setenv("JPY_SESSION_NAME", str(path))
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[-1].source = "ln.finish()  # edited, not saved"  # differs from the file
    client = NotebookClient(notebook, timeout=120, kernel_name="python3")
    with pytest.raises(CellExecutionError, match=r"has unsaved changes.*Save the notebook"):
        client.execute(cwd=str(tmp_path))
    run = instance.Run.filter().one()
    assert run.finished_at is None and run.report is None


def test_headless_run_gets_its_report_from_the_executed_notebook(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    path = make_notebook(tmp_path / "headless.ipynb")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    executed = execute(path)  # as `jupyter nbconvert --execute` does
    run = ln.Run.filter().one()
    assert run.status == "completed" and run.report is None  # no outputs on disk yet
    finish_cell = cell_text(executed.cells[4])
    assert "runs headless" in finish_cell and "lineagedb report headless.ipynb" in finish_cell
    # Messages of track()'s background work stay under the track() cell.
    assert "notebook imports:" in cell_text(executed.cells[2])
    assert "imports:" not in cell_text(executed.cells[3]) + finish_cell

    nbformat.write(executed, path)  # --inplace: the executor writes the outputs at the end
    # In a fresh shell, as ln.finish() tells users (it once failed there: not connected).
    result = subprocess.run(
        [sys.executable, "-m", "lineagedb", "report", str(path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    run.refresh_from_db()
    assert result.stdout.split("\t")[:2] == [run.uid, "completed"]
    assert run.report is not None and run.transform.latest_report == run.report
    assert "runs headless" in run.report.path.read_text()  # the outputs are in the report


def test_report_of_an_unexecuted_notebook_is_refused(instance: ModuleType, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lineagedb.cli import main

    path = make_notebook(tmp_path / "fresh.ipynb")
    result = CliRunner().invoke(main, ["report", str(path)])
    assert result.exit_code == 1 and "has no outputs: pass the executed notebook" in result.stderr


def test_nbconvert_with_an_executed_copy_beside_the_source_twice(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    make_notebook(tmp_path / "a.ipynb")
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    nbconvert = Path(sys.executable).with_name("jupyter-nbconvert")
    command = [str(nbconvert), "--to", "notebook", "--execute", "a.ipynb"]
    command += ["--output", "a.executed.ipynb"]
    for _ in range(2):  # the second time, a.executed.ipynb holds the same cells
        result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    transform = ln.Transform.filter().one()
    assert transform.key == "a.ipynb" and transform.runs.count() == 2
    # The report of the executed copy goes to the latest run, found by its source.
    report = subprocess.run(
        [sys.executable, "-m", "lineagedb", "report", str(tmp_path / "a.executed.ipynb")],
        capture_output=True,
        text=True,
    )
    assert report.returncode == 0, report.stderr
    latest = transform.runs.order_by("-started_at").first()
    assert report.stdout.split("\t")[0] == latest.uid


def test_two_notebooks_with_the_running_cell_are_named(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nbclient.exceptions import CellExecutionError

    path = make_notebook(tmp_path / "a.ipynb")
    make_notebook(tmp_path / "a.nbconvert.ipynb")  # a copy; nbclient names neither
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    with pytest.raises(CellExecutionError, match=r"Several notebooks .*'a.ipynb'.*ln.track\(path="):
        execute(path)
    assert instance.Transform.filter().count() == 0
