"""Drift is visible: changed in-place files warn on load, `lineagedb status` lists them (item 3)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from lineagedb.cli import main


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def backdate(path: Path) -> None:
    """Give a file an old modification time, as a restore from backup (cp -p) would."""
    old = time.time() - 3600
    os.utime(path, (old, old))


def test_load_warns_when_an_in_place_file_changed(
    instance: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    path = write(tmp_path / "data" / "counts.csv", "a\n1\n")
    artifact = ln.Artifact(path).save()
    assert artifact.changed() is None
    artifact.load()
    assert "changed since it was registered" not in caplog.text
    path.write_text("a\n1\n2\n")
    assert artifact.changed() == "size 4 → 6 bytes"
    assert artifact.load()["a"].tolist() == [1, 2]
    assert "changed since it was registered (size 4 → 6 bytes)" in caplog.text
    assert f"ln.Artifact('{artifact.path}').save()" in caplog.text
    # Same size, other bytes: found by the hash, since the file was modified.
    path.write_text("a\n9\n")
    assert artifact.changed() == "content changed (same size)"
    path.write_text("a\n1\n")
    assert artifact.changed() is None
    # An old modification time does not hide a change: the file was moved into place now.
    path.write_text("a\n7\n")
    backdate(path)
    assert artifact.changed() == "content changed (same size)"


def test_a_changed_folder_is_found(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folder = tmp_path / "data" / "fastq"
    write(folder / "a.fq", "AAAA")
    write(folder / "b.fq", "CCCC")
    artifact = ln.Artifact(folder).save()
    assert artifact.changed() is None
    write(folder / "c.fq", "GG")
    assert artifact.changed() == "2 → 3 files"
    (folder / "c.fq").unlink()
    (folder / "b.fq").write_text("TTTT")
    assert artifact.changed() == "content changed (same size)"


def test_status_lists_changed_missing_and_unregistered(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    runs = tmp_path / "data" / "runs"
    kept = ln.Artifact(write(runs / "run1" / "kept.csv", "k\n")).save()
    edited = ln.Artifact(write(runs / "run1" / "edited.csv", "e\n")).save()
    gone = ln.Artifact(write(runs / "run1" / "gone.csv", "g\n")).save()
    ln.Artifact(write(runs / "fastq" / "a.fq", "AAAA").parent).save()
    ln.Artifact(write(tmp_path / "data" / "other" / "x.csv", "x\n")).save()
    (runs / "run1" / "edited.csv").write_text("e\n2\n")
    (runs / "run1" / "gone.csv").unlink()
    write(runs / "run1" / "new.csv", "n\n")
    write(runs / "fastq" / "b.fq", "CC")  # inside a registered folder: the folder changed

    result = CliRunner().invoke(main, ["status", str(runs), "--json"])
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["folder"] == "runs"
    assert report["changed"] == [
        {"key": "runs/fastq", "uid": ln.Artifact.get(key="runs/fastq").uid, "how": "1 → 2 files"},
        {"key": "runs/run1/edited.csv", "uid": edited.uid, "how": "size 2 → 4 bytes"},
    ]
    assert report["missing"] == [{"key": "runs/run1/gone.csv", "uid": gone.uid}]
    assert report["unregistered"] == ["runs/run1/new.csv"]
    assert report["unchanged"] == 1  # kept.csv; other/x.csv is outside the folder
    assert kept.changed() is None

    text = CliRunner().invoke(main, ["status", str(runs)]).stdout
    assert "changed:       runs/run1/edited.csv" in text
    assert "unregistered:  runs/run1/new.csv" in text
    whole = json.loads(
        CliRunner().invoke(main, ["status", str(tmp_path / "data"), "--json"]).stdout
    )
    assert whole["folder"] == "" and whole["unchanged"] == 2

    # Re-registering the edit makes a new version; status is then clean for it.
    ln.Artifact(runs / "run1" / "edited.csv").save()
    again = json.loads(CliRunner().invoke(main, ["status", str(runs), "--json"]).stdout)
    assert [c["key"] for c in again["changed"]] == ["runs/fastq"]


def test_status_outside_every_storage_is_a_clear_error(
    instance: ModuleType, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    result = CliRunner().invoke(main, ["status", str(tmp_path / "elsewhere")])
    assert result.exit_code != 0 and "is in no registered storage" in result.stderr


def test_verify_names_the_files_of_a_folder_that_differ(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    folder = tmp_path / "data" / "fastq"
    for name in ("a.fq", "b.fq", "c.fq"):
        write(folder / name, name)
    artifact = ln.Artifact(folder).save()
    assert artifact.verify()
    (folder / "a.fq").write_text("A")
    (folder / "b.fq").unlink()
    write(folder / "sub" / "d.fq", "d")
    with pytest.raises(ln.errors.StorageMismatch) as error:
        artifact.verify()
    assert "differs from its record in 3 file(s): changed: a.fq; missing: b.fq; new: sub/d.fq" in (
        str(error.value)
    )
    result = CliRunner().invoke(main, ["verify", artifact.uid])
    assert result.exit_code == 1 and "missing: b.fq" in result.stdout
    # A managed copy of a folder keeps its files too.
    outside = tmp_path / "batch"
    write(outside / "x.txt", "x")
    managed = ln.Artifact(outside, description="batch").save()
    (Path(managed.path.path) / "x.txt").write_text("y")
    with pytest.raises(ln.errors.StorageMismatch, match=r"1 file\(s\): changed: x.txt"):
        managed.verify()
