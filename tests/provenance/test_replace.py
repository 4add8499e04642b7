"""replace() stages new bytes; save() stores them (issue 20, item 5)."""

from __future__ import annotations

import gc
from pathlib import Path
from types import ModuleType


def staged_entries(root: Path) -> list[Path]:
    return [p for p in (root / ".lineagedb").iterdir() if p.name.startswith(".lineagedb-tmp-")]


def test_replace_without_save_leaves_bytes_and_record(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "v1.csv").write_text("a\n1\n")
    (tmp_path / "v2.csv").write_text("a\n2\n")
    artifact = ln.Artifact(tmp_path / "v1.csv", description="t").save()
    uid, old_hash, stored = artifact.uid, artifact.hash, Path(artifact.path.path)
    artifact.replace(tmp_path / "v2.csv")
    assert stored.read_text() == "a\n1\n"
    assert ln.Artifact.get(uid).hash == old_hash and artifact.verify()
    assert staged_entries(tmp_path / "data")  # the new bytes wait, staged
    del artifact
    gc.collect()
    assert staged_entries(tmp_path / "data") == []  # dropped with the object
    assert stored.read_text() == "a\n1\n" and ln.Artifact.get(uid).verify()


def test_replace_then_save_stores_new_bytes_and_other_changes(
    instance: ModuleType, tmp_path: Path
) -> None:
    import pandas as pd

    ln = instance
    (tmp_path / "v1.csv").write_text("a\n1\n")
    (tmp_path / "v2.csv").write_text("a\n2\n")
    artifact = ln.Artifact(tmp_path / "v1.csv", description="t").save()
    artifact.replace(tmp_path / "v1.csv")
    artifact.replace(tmp_path / "v2.csv")  # the last replace() wins; the first copy goes
    artifact.description = "fixed"
    artifact.save()
    again = ln.Artifact.get(artifact.uid)
    assert again.description == "fixed" and again.load()["a"].tolist() == [2]
    assert staged_entries(tmp_path / "data") == []
    artifact.replace(pd.DataFrame({"a": [3]}))
    artifact.save()
    assert ln.Artifact.get(artifact.uid).load()["a"].tolist() == [3]
    assert ln.Artifact.get(artifact.uid).suffix == ".parquet"
