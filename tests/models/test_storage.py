"""Registering further storage locations whose files are then registered in place."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import PathNotFound


def test_registered_storage_keeps_files_in_place(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    share = tmp_path / "lab-share"
    path = ln.datasets.file_mini_csv(share / "project")
    storage = ln.Storage(root=share, description="lab share").save()
    assert (storage.root, storage.type) == (str(share), "local")
    artifact = ln.Artifact(path).save()
    assert (artifact.storage, artifact.key, artifact.key_is_virtual) == (
        storage,
        "project/mini.csv",
        False,
    )
    assert ln.Storage(root=share) == storage  # same root: the existing record
    assert ln.Storage.filter().count() == 2


def test_nested_storage_root_wins(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    inner = tmp_path / "data" / "inner"
    path = ln.datasets.file_mini_csv(inner / "x")
    storage = ln.Storage(root=inner).save()
    artifact = ln.Artifact(path)
    assert (artifact.storage, artifact.key) == (storage, "x/mini.csv")


def test_missing_local_root_is_created_a_file_or_unwritable_place_is_refused(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    storage = ln.Storage(root=tmp_path / "registered_storage" / "nested").save()
    assert (tmp_path / "registered_storage" / "nested").is_dir()
    assert storage.type == "local"
    a_file = tmp_path / "a_file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=r"is a file, not a folder"):
        ln.Storage(root=a_file)
    with pytest.raises(PermissionError, match=r"cannot be created"):
        ln.Storage(root=a_file / "below")  # a file is in the way
    assert ln.Storage.filter().count() == 2


def test_missing_bucket_is_refused(instance: ModuleType, s3: object) -> None:
    with pytest.raises(PathNotFound, match=r"is not an existing bucket"):
        instance.Storage(root="s3://no-such-bucket-lineagedb")
    assert instance.Storage.filter().count() == 1
