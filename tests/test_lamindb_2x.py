"""LaminDB 2.x names (#32): what a LaminDB 2 user reaches for, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from servers import S3

from lineagedb.errors import NotFound


def test_get_by_path_finds_managed_and_in_place_artifacts(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    managed = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), key="t.parquet").save()
    assert ln.Artifact.get(path=managed.path) == managed  # <root>/.lineagedb/<uid>.parquet
    assert ln.Artifact.get(path=str(managed.path)) == managed
    folder = tmp_path / "data" / "raw"
    folder.mkdir()
    (folder / "x.csv").write_text("x\n1\n")
    in_place = ln.Artifact(folder / "x.csv").save()
    assert ln.Artifact.get(path=folder / "x.csv") == in_place
    monkeypatch.chdir(folder)
    assert ln.Artifact.get(path="x.csv") == in_place  # relative to the working folder
    assert ln.Artifact.get(path=f"file://{folder / 'x.csv'}") == in_place
    with pytest.raises(NotFound, match=r"No storage of this instance holds '/nowhere/x\.csv'"):
        ln.Artifact.get(path="/nowhere/x.csv")
    with pytest.raises(NotFound, match=r"key='raw/y\.csv'"):
        ln.Artifact.get(path=folder / "y.csv")


def test_get_by_path_in_a_bucket(instance: ModuleType, s3: S3, tmp_path: Path) -> None:
    ln = instance
    bucket = s3.bucket()
    (tmp_path / "a.csv").write_text("a\n1\n")
    s3.upload_folder(tmp_path, f"{bucket}/study")
    artifact = ln.Artifact(f"{bucket}/study/a.csv").save()
    assert ln.Artifact.get(path=f"{bucket}/study/a.csv") == artifact
    with pytest.raises(NotFound):
        ln.Artifact.get(path=f"{bucket}/study/b.csv")
