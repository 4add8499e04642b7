"""LaminDB 0.70's behaviours of the Artifacts API that code written for it relies on."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_copied_data_needs_a_key_a_description_or_a_run(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    path = write(tmp_path / "outside" / "counts.csv", "a\n1\n")
    with pytest.raises(ValueError, match=r"pass key='…' or description='…'"):
        ln.Artifact(path)
    assert ln.Artifact.filter().count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob(".lineagedb-tmp-*"))
    assert ln.Artifact(path, key="tables/counts.csv").key == "tables/counts.csv"
    other = write(tmp_path / "outside" / "other.csv", "a\n2\n")
    run = ln.track(ln.Transform(name="findable"))
    assert ln.Artifact(other).save().run == run  # the run makes it findable
    inside = write(tmp_path / "data" / "inside.csv", "a\n3\n")
    ln.finish()
    assert ln.Artifact(inside).save().key == "inside.csv"  # in place: its path is its key


def test_keys_in_the_managed_folder_and_conflicting_keys_are_refused(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    path = write(tmp_path / "outside.csv", "a\n1\n")
    with pytest.raises(ValueError, match=r"starts with '\.lineagedb'"):
        ln.Artifact(path, key=".lineagedb/x.csv")
    inside = write(tmp_path / "data" / "study" / "meta.csv", "a\n1\n")
    with pytest.raises(ValueError, match=r"with key 'study/meta\.csv'.*under key 'other\.csv'"):
        ln.Artifact(inside, key="other.csv")
    assert ln.Artifact.filter().count() == 0


def test_run_takes_its_transform_positionally_and_checks_it(instance: ModuleType) -> None:
    ln = instance
    transform = ln.Transform(name="pipeline").save()
    assert ln.Run(transform).save().transform == transform
    assert ln.Run(transform=transform).transform == transform
    with pytest.raises(TypeError, match=r"needs the transform"):
        ln.Run()
    with pytest.raises(TypeError, match=r"takes a Transform, not a str"):
        ln.Run("pipeline")
    with pytest.raises(ValueError, match=r"'draft' .* is not saved"):
        ln.Run(ln.Transform(name="draft"))


def test_wrong_types_raise_type_errors(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    with pytest.raises(TypeError, match=r"not a int"):
        ln.Collection(1, name="c")
    with pytest.raises(TypeError, match=r"not a str"):
        ln.Collection(["a.csv"], name="c")
    path = write(tmp_path / "x.csv", "a\n1\n")
    with pytest.raises(TypeError, match=r"is_new_version_of must be a Artifact, got str"):
        ln.Artifact(path, description="x", is_new_version_of="abc")
    with pytest.raises(ln.errors.LineageDBError):
        ln.Collection(1, name="c")  # lineagedb's own classes still catch it


def test_versions_follow_lamindb(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    first = ln.Artifact(write(tmp_path / "v1.csv", "a\n1\n"), key="table.csv").save()
    assert first.version is None
    second = ln.Artifact(write(tmp_path / "v2.csv", "a\n2\n"), is_new_version_of=first)
    assert second.version == "2"
    first.refresh_from_db()
    assert first.version == "1"  # the predecessor is numbered right away
    second.save()
    with pytest.raises(ValueError, match=r"version='2' is the version .* already"):
        ln.Artifact(write(tmp_path / "v3.csv", "a\n3\n"), revises=second, version="2")
    stem = first.uid[:16]
    assert ln.Artifact.get(stem) == second  # the family's latest
    assert ln.Artifact.filter().get(stem) == second
    assert ln.Artifact.get(first.uid) == first  # a full uid is that version


def test_missing_local_storage_roots_are_created(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    root = tmp_path / "registered_storage"
    storage = ln.Storage(root=root).save()
    assert root.is_dir() and storage.root == root.as_posix()


def test_transform_parents_and_run_context(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    assert ln.core.run_context.run is None
    upstream = ln.Transform(name="Acquire")
    ln.track(upstream)
    raw = ln.Artifact(write(tmp_path / "raw.csv", "a\n1\n"), key="raw.csv").save()
    ln.finish()
    downstream = ln.Transform(name="Normalise")
    run = ln.track(downstream)
    assert ln.core.run_context.transform == downstream and ln.core.run_context.run == run
    raw.load()
    assert downstream.parents.list() == [upstream]  # its run loaded upstream's output
    assert upstream.children.list() == [downstream]
    source = downstream.view_parents(with_children=True).source
    assert "Acquire" in source and "Normalise" in source and "->" in source


def test_html_loads_as_its_path_and_view_takes_a_schema(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ln = instance
    page = ln.Artifact(write(tmp_path / "report.html", "<h1>hi</h1>"), key="report.html").save()
    assert Path(page.load()).read_text() == "<h1>hi</h1>"
    ln.view(schema="core", registries=["Artifact"])
    assert "report.html" in capsys.readouterr().out
    with pytest.raises(ValueError, match=r"schema modules \['core'\]"):
        ln.view(schema="bionty")
    assert ln.core.exceptions.NotFound is ln.errors.NotFound


@pytest.mark.parametrize("storage_instance", ["local", "s3"], indirect=True)
def test_real_keys_store_files_at_their_key(
    storage_instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = storage_instance
    monkeypatch.setattr(ln.settings, "artifact_use_virtual_keys", False)
    source = write(tmp_path / "outside" / "b.csv", "a\n1\n")
    artifact = ln.Artifact(source, key="a/b.csv").save()
    assert artifact.key_is_virtual is False
    root = ln.Storage.get(artifact.storage_id).root
    assert str(artifact.path) == f"{root}/a/b.csv"
    assert artifact.path.read_text() == "a\n1\n" and artifact.verify()
    other = write(tmp_path / "outside" / "c.csv", "a\n2\n")
    with pytest.raises(ValueError, match=r"Key 'a/b\.csv' .* already holds artifact"):
        ln.Artifact(other, key="a/b.csv")
    (artifact.path.parent / "stray.csv").write_text("x")  # a file no record knows
    with pytest.raises(ValueError, match=r"already holds a file no artifact registers"):
        ln.Artifact(other, key="a/stray.csv")
    assert ln.Artifact.filter().count() == 1
    monkeypatch.setattr(ln.settings, "artifact_use_virtual_keys", True)
    virtual = ln.Artifact(other, key="a/b.csv").save()  # virtual again: a managed copy
    assert virtual.key_is_virtual and ".lineagedb/" in str(virtual.path)


def test_from_dir_makes_one_artifact_per_file(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    ln = instance
    inside = tmp_path / "data" / "runs" / "run1"
    write(inside / "counts.csv", "a\n1\n")
    write(inside / "qc" / "report.txt", "ok")
    write(inside / "qc" / "copy.txt", "ok")  # same content, another path: its own artifact
    artifacts = ln.Artifact.from_dir(inside)
    assert sorted(a.key for a in artifacts) == [
        "runs/run1/counts.csv",
        "runs/run1/qc/copy.txt",
        "runs/run1/qc/report.txt",
    ]
    ln.save(artifacts)
    again = ln.Artifact.from_dir(inside)
    assert {a.uid for a in again} == {a.uid for a in artifacts}
    assert not any(a._state.adding for a in again)

    outside = tmp_path / "elsewhere" / "batch"
    write(outside / "x.csv", "x\n1\n")
    write(outside / "sub" / "y.csv", "y\n2\n")
    write(outside / "sub" / "twin.csv", "y\n2\n")  # copied: the same bytes are stored once
    copied = ln.save(ln.Artifact.from_dir(outside, key="imports/batch"))
    keys = sorted(a.key for a in copied)
    assert len(keys) == 2 and keys[1] == "imports/batch/x.csv"
    assert keys[0] in ("imports/batch/sub/y.csv", "imports/batch/sub/twin.csv")
    assert all(a.key_is_virtual and a.path.exists() for a in copied)
    assert not list((tmp_path / "data" / ".lineagedb").glob(".lineagedb-tmp-*"))
    with pytest.raises(ValueError, match=r"with key 'runs/run1'.* under 'other'"):
        ln.Artifact.from_dir(inside, key="other")

    capsys.readouterr()
    ln.Artifact.view_tree()
    tree = capsys.readouterr().out
    assert tree.startswith("Artifact (6 sub-directories & 5 files with suffixes '.csv', '.txt'):")
    assert "        ├── qc\n        │   ├── copy.txt\n        │   └── report.txt\n" in tree
    ln.Artifact.filter(key__startswith="imports/").view_tree()
    assert "x.csv" in capsys.readouterr().out
    ln.UPath(tmp_path / "elsewhere").view_tree()
    assert capsys.readouterr().out.startswith("elsewhere (2 sub-directories & 3 files")


def test_values_not_applied_to_an_existing_record_are_named(
    instance: ModuleType, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    first = ln.Artifact(write(tmp_path / "a.csv", "a\n1\n"), description="first").save()
    again = ln.Artifact(write(tmp_path / "b.csv", "a\n1\n"), description="second", version="3")
    assert again == first and again.description == "first"
    assert "description='second' (it has 'first')" in caplog.text
    assert "version='3' (it has None)" in caplog.text
    assert "artifact.description = 'second'" in caplog.text
