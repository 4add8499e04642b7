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


def test_storage_root_must_exist(instance: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(PathNotFound, match=r"is not an existing folder"):
        instance.Storage(root=tmp_path / "missing")
    assert instance.Storage.filter().count() == 1
