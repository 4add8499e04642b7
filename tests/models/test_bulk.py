"""ln.save(): many records in one transaction, without a query per record."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from django.db import connection
from django.test.utils import CaptureQueriesContext


def test_bulk_save_of_many_files(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folder = tmp_path / "many"
    folder.mkdir()
    paths = []
    for index in range(120):
        path = folder / f"cell_{index:03}.txt"
        path.write_text(f"cell {index}\n")
        paths.append(path)
    artifacts = [ln.Artifact(path, description=f"cell {i}") for i, path in enumerate(paths)]
    with CaptureQueriesContext(connection) as queries:
        ln.save(artifacts)
    assert len(queries) <= 6  # a transaction and one batched INSERT, not one per record
    assert ln.Artifact.filter().count() == 120
    saved = ln.Artifact.filter(description="cell 7").one()
    assert Path(saved.path.path).read_text() == "cell 7\n"
    assert all(artifact.id is not None for artifact in artifacts)


def test_bulk_save_updates_existing_records(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "x"), description="test").save()
    artifact.description = "edited"
    transform = ln.Transform(name="new")
    ln.save([artifact, transform])
    assert ln.Artifact.get(artifact.uid).description == "edited"
    assert ln.Transform.filter(name="new").count() == 1


def test_failed_bulk_save_writes_nothing(instance: ModuleType, tmp_path: Path) -> None:
    import pytest
    from django.db import IntegrityError

    ln = instance
    good = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "a"), description="test")
    path = tmp_path / "b.txt"
    path.write_text("b")
    bad = ln.Artifact(path, description="test")
    bad.created_by_id = 999_999
    with pytest.raises(IntegrityError):
        ln.save([good, bad])
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.*[tv]"))
