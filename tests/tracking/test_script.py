"""Tracking scripts run as real subprocesses, pipelines in process, and run inputs."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import TrackingError


def run_script(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(path), *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=path.parent,
        timeout=120,
    )


def write_script(path: Path, body: str) -> Path:
    path.write_text(textwrap.dedent(body))
    return path


STEP1 = '''
    """Make the counts table."""
    import lineagedb as ln

    ln.track()
    path = ln.datasets.file_mini_csv("out")
    artifact = ln.Artifact(path, key="counts.csv").save()
    print(artifact.uid)
    ln.finish()
'''

STEP2 = '''
    """Normalize counts."""
    import sys
    import lineagedb as ln

    ln.track()
    counts = ln.Artifact.get(sys.argv[1]).load()
    counts["num"] = counts["num"] / counts["num"].sum()
    counts.to_csv("normalized.csv", index=False)
    print(ln.Artifact("normalized.csv", key="normalized.csv").save().uid)
'''


def test_script_is_tracked_and_finished(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = write_script(tmp_path / "make_counts.py", STEP1)
    result = run_script(script)
    assert result.returncode == 0, result.stderr
    assert 'ln.settings.transform.stem_uid = "' in result.stderr
    artifact = ln.Artifact.get(result.stdout.strip())
    transform, run = artifact.transform, artifact.run
    assert (transform.type, transform.key, transform.name) == (
        "script",
        "make_counts.py",
        "Make the counts table.",
    )
    assert run.transform == transform and run.finished_at is not None
    assert run.started_at <= run.finished_at
    assert transform.source_code.path.read_text() == script.read_text()
    assert transform.source_code.visibility == 0  # hidden from ln.Artifact.df()
    environment = run.environment.path.read_text()
    assert "Django==" in environment and run.environment.visibility == 0
    assert "lineagedb" in run.json["imported_packages"]
    assert list(ln.Artifact.df()["key"]) == ["counts.csv"]


def test_rerun_is_a_new_run_of_the_same_transform(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = write_script(tmp_path / "make_counts.py", STEP1)
    for _ in range(2):
        assert run_script(script).returncode == 0
    transform = ln.Transform.filter().one()
    assert transform.runs.count() == 2
    environments = {run.environment_id for run in transform.runs.all()}
    assert len(environments) == 1  # same software: one environment artifact


def test_script_without_finish_gets_finished_at(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = write_script(tmp_path / "step2.py", "import lineagedb as ln\nln.track()\n")
    assert run_script(script).returncode == 0
    run = ln.Run.filter().one()
    assert run.finished_at is not None
    assert run.transform.source_code is None
    assert run.transform.name == "step2.py"  # no docstring: the file name


def test_chained_scripts_record_inputs_and_lineage(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    first = run_script(write_script(tmp_path / "make_counts.py", STEP1))
    assert first.returncode == 0, first.stderr
    counts_uid = first.stdout.strip()
    second = run_script(write_script(tmp_path / "normalize.py", STEP2), counts_uid)
    assert second.returncode == 0, second.stderr
    normalized = ln.Artifact.get(second.stdout.strip())
    assert [a.uid for a in normalized.run.input_artifacts.all()] == [counts_uid]
    assert normalized.run.input_artifacts.first().run.transform.key == "make_counts.py"
    source = normalized.view_lineage().source
    for label in ("normalized.csv", "counts.csv", "Normalize counts.", "Make the counts table."):
        assert label in source
    assert source.count("->") == 3  # run1 -> counts -> run2 -> normalized


def test_pinned_version_refuses_changed_source(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    header = 'import lineagedb as ln\nln.settings.transform.stem_uid = "NJvdsWWbJlZS"\n'
    script = tmp_path / "pinned.py"
    script.write_text(header + 'ln.settings.transform.version = "1"\nln.track()\nln.finish()\n')
    assert run_script(script).returncode == 0
    script.write_text(
        header + 'ln.settings.transform.version = "1"\nln.track()\nln.finish()\n# edit\n'
    )
    refused = run_script(script)
    assert refused.returncode == 1
    assert (
        'Bump the version before ln.track(): ln.settings.transform.version = "2"' in refused.stderr
    )
    script.write_text(
        header + 'ln.settings.transform.version = "2"\nln.track()\nln.finish()\n# edit\n'
    )
    assert run_script(script).returncode == 0
    family = ln.Transform.filter().order_by("uid")
    assert [(t.uid, t.version, t.is_latest) for t in family] == [
        ("NJvdsWWbJlZS0000", "1", False),
        ("NJvdsWWbJlZS0001", "2", True),
    ]


def test_unpinned_script_edit_becomes_new_version(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = write_script(tmp_path / "qc.py", "import lineagedb as ln\nln.track()\nln.finish()\n")
    assert run_script(script).returncode == 0
    script.write_text(script.read_text() + "# changed\n")
    assert run_script(script).returncode == 0
    assert [t.version for t in ln.Transform.filter().order_by("id")] == ["1", "2"]
    assert ln.Transform.filter(is_latest=True).one().uid.endswith("0001")


def test_pipeline_transform_and_inputs(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    upstream = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "in"), description="test").save()
    assert upstream.run is None
    run = ln.track(ln.Transform(name="My pipeline", version="1.2.0"))
    assert (run.transform.type, run.transform.version) == ("pipeline", "1.2.0")
    upstream.load()
    upstream.cache()  # linked once
    output_path = tmp_path / "out.txt"
    output_path.write_text("result")
    output = ln.Artifact(output_path).save()
    output.load()  # a run's own output never becomes its input
    assert (output.run, output.transform) == (run, run.transform)
    assert list(run.input_artifacts.all()) == [upstream]
    collection = ln.Collection([upstream], name="inputs").save()
    assert collection.run == run
    ln.finish()
    run.refresh_from_db()
    assert run.finished_at is not None and run.transform.source_code is None
    again = ln.track(ln.Transform(name="My pipeline", version="1.2.0"))
    assert again.transform == run.transform and again != run


def test_finish_without_track_says_what_to_do(instance: ModuleType) -> None:
    with pytest.raises(TrackingError, match=r"No run is being tracked. Call ln.track\(\) first"):
        instance.finish()


def test_transform_delete_rules(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    script = write_script(tmp_path / "make_counts.py", STEP1)
    assert run_script(script).returncode == 0
    transform = ln.Transform.filter().one()
    bookkeeping = [transform.source_code, transform.runs.first().environment]
    with pytest.raises(ln.errors.InvalidArgument, match=r"produced 1 registered artifact.*counts"):
        transform.delete()
    ln.Artifact.filter(key="counts.csv").one().delete(permanent=True)
    transform.delete()
    assert ln.Transform.filter().count() == 0 and ln.Run.filter().count() == 0
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert not any(Path(a.path.path).exists() for a in bookkeeping)
