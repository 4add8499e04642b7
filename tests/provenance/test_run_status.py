"""Runs have a status and parameters (issue 20, item 4): scripts as real subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest


def run_script(path: Path, body: str) -> subprocess.CompletedProcess[str]:
    path.write_text(textwrap.dedent(body))
    return subprocess.run(
        [sys.executable, str(path)],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=path.parent,
        timeout=120,
    )


def last_run(ln: ModuleType, key: str) -> object:
    return ln.Run.filter(transform__key=key).order_by("-id").first()


def test_a_finished_script_is_completed_with_params(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    result = run_script(
        tmp_path / "norm.py",
        """
        import lineagedb as ln
        ln.track(params={"normalisation": "log", "k": 3})
        ln.Artifact(ln.datasets.file_mini_csv("out"), key="counts.csv").save()
        """,
    )
    assert result.returncode == 0, result.stderr
    run = last_run(ln, "norm.py")
    assert run.status == "completed" and run.finished_at is not None and run._process is None
    assert run.params == {"normalisation": "log", "k": 3}
    assert ln.Run.filter(params__normalisation="log").one() == run
    assert ln.Run.filter(params__k__gt=2, status="completed").count() == 1
    assert ln.Run.filter(params__normalisation="linear").count() == 0
    from lineagedb.models.annotations.summary import describe_text as describe

    assert "status='completed'" in describe(ln.Artifact.get(key="counts.csv"))


def test_an_uncaught_exception_is_errored_and_the_source_is_kept(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    result = run_script(
        tmp_path / "crash.py",
        """
        import lineagedb as ln
        ln.track()
        raise RuntimeError("normalisation failed")
        """,
    )
    assert result.returncode == 1 and "normalisation failed" in result.stderr
    run = last_run(ln, "crash.py")
    assert run.status == "errored" and run.finished_at is not None
    assert "normalisation failed" in run.transform.source_code.path.read_text()


def test_a_killed_run_is_found_aborted_on_the_next_connect(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    result = run_script(
        tmp_path / "killed.py",
        """
        import os, signal
        import lineagedb as ln
        ln.track()
        os.kill(os.getpid(), signal.SIGKILL)
        """,
    )
    assert result.returncode == -9
    run = last_run(ln, "killed.py")
    assert run.status == "started" and run.finished_at is None
    ln.connect(ln.setup.settings.instance.name)
    run.refresh_from_db()
    assert run.status == "aborted" and run.finished_at is not None


def test_tracking_twice_completes_the_first_run(instance: ModuleType) -> None:
    ln = instance
    transform = ln.Transform(name="pipeline").save()
    first = ln.track(transform, params={"step": 1})
    second = ln.track(transform)
    first.refresh_from_db()
    assert first.status == "completed" and first.finished_at is not None
    assert second.status == "started" and second.params is None
    ln.finish()
    second.refresh_from_db()
    assert second.status == "completed"
    # describe() of an output names its run's status.
    ln.track(transform)
    artifact = ln.Artifact.from_df(__import__("pandas").DataFrame({"a": [1]}), key="a.parquet")
    artifact.save()
    from lineagedb.models.annotations.summary import describe_text as describe

    assert "status='started'" in describe(artifact)


@pytest.mark.parametrize(
    "params",
    [["a"], {1: "a"}, {"when": object()}, {"x": float("nan")}],
    ids=["list", "int-key", "object", "nan"],
)
def test_bad_params_write_nothing(instance: ModuleType, params: object) -> None:
    ln = instance
    transform = ln.Transform(name="pipeline").save()
    with pytest.raises(ln.errors.InvalidArgument, match=r"params"):
        ln.track(transform, params=params)
    assert ln.Run.filter().count() == 0
