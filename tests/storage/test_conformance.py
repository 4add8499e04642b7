"""One storage suite, run on a local folder and on an S3 bucket (moto server)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from lineagedb.errors import PathNotFound
from lineagedb.storage.hashing import hash_bytes


def make_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(b"aaa")
    (folder / "sub" / "b.jpg").write_bytes(b"bbbb")
    return folder


def test_save_managed_file_cache_load(storage_instance: ModuleType, tmp_path: Path) -> None:
    ln = storage_instance
    source = tmp_path / "counts.csv"
    source.write_text("gene,count\nCD8A,3\n")
    artifact = ln.Artifact(source, key="counts/table.csv").save()
    root = ln.setup.settings.storage.root
    assert str(artifact.path) == str(root / ".lineagedb" / f"{artifact.uid}.csv")
    assert artifact.path.read_bytes() == source.read_bytes()
    assert artifact.hash == hash_bytes(source.read_bytes())
    cached = artifact.cache()
    assert Path(cached.path).read_bytes() == source.read_bytes()
    assert artifact.cache() == cached
    frame = artifact.load()
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"gene": ["CD8A"], "count": [3]}))
    leftovers = [p for p in (root / ".lineagedb").iterdir() if "tmp" in p.name]
    assert leftovers == []


def test_register_in_place_without_copy(storage_instance: ModuleType) -> None:
    ln = storage_instance
    root = ln.setup.settings.storage.root
    target = root / "study0" / "meta.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"a,b\n1,2\n")
    artifact = ln.Artifact(target).save()
    assert (artifact.key, artifact.key_is_virtual) == ("study0/meta.csv", False)
    assert artifact.hash == hash_bytes(b"a,b\n1,2\n")  # from the ETag on S3: no download
    assert artifact.load().shape == (1, 2)
    assert not (root / ".lineagedb" / f"{artifact.uid}.csv").exists()


def test_folder_save_cache_and_hash(storage_instance: ModuleType, tmp_path: Path) -> None:
    ln = storage_instance
    folder = make_folder(tmp_path)
    local = ln.Artifact(folder, description="test")
    assert (local.hash_type, local.n_objects, local.size) == ("md5-d", 2, 7)
    local.save()
    cached = Path(local.cache().path)
    assert (cached / "sub" / "b.jpg").read_bytes() == b"bbbb"
    # The stored copy hashes to the same folder hash, wherever it lives.
    from lineagedb.storage.location import Location

    assert Location(local.path).hash().hash == local.hash


def test_replace_swaps_bytes(storage_instance: ModuleType, tmp_path: Path) -> None:
    ln = storage_instance
    first = tmp_path / "v.txt"
    first.write_text("one")
    artifact = ln.Artifact(first, description="test").save()
    uid = artifact.uid
    second = tmp_path / "v2.json"
    second.write_text('{"n": 2}')
    old_path = artifact.path
    artifact.replace(second)
    # Staged only: the stored bytes and the record wait for save().
    assert old_path.read_text() == "one" and ln.Artifact.get(uid).suffix == ".txt"
    artifact.save()
    assert (artifact.uid, artifact.suffix, artifact.hash) == (uid, ".json", hash_bytes(b'{"n": 2}'))
    assert not old_path.exists()
    assert ln.Artifact.get(uid).load() == {"n": 2}


def test_delete_removes_managed_bytes(storage_instance: ModuleType, tmp_path: Path) -> None:
    ln = storage_instance
    folder_artifact = ln.Artifact(make_folder(tmp_path), description="test").save()
    path = folder_artifact.path
    assert path.exists()
    folder_artifact.delete(permanent=True)
    assert not path.exists()
    with pytest.raises(PathNotFound):
        ln.Artifact(tmp_path / "absent.csv")


def test_bulk_save_stores_bytes_in_default_storage(
    storage_instance: ModuleType, tmp_path: Path
) -> None:
    ln = storage_instance
    paths = []
    for index in range(3):
        paths.append(tmp_path / f"sample_{index}.txt")
        paths[-1].write_text(f"sample {index}")
    artifacts = ln.save([ln.Artifact(path, description="test") for path in paths])
    root = str(ln.setup.settings.storage.root).rstrip("/")
    for artifact, path in zip(artifacts, paths, strict=True):
        assert str(artifact.path).startswith(root)
        assert artifact.path.read_bytes() == path.read_bytes() and artifact.verify()
