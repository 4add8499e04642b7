"""Artifacts from local files, folders and DataFrames: register, store, access, delete."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from lineagedb.errors import InvalidArgument, NoLoader, PathNotFound


def md5_b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.md5(data).digest()).rstrip(b"=").decode()


def test_file_in_storage_root_is_registered_in_place(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = tmp_path / "data" / "study0" / "meta.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"a,b\n1,2\n")
    artifact = ln.Artifact(path, description="meta").save()
    assert artifact.key == "study0/meta.csv"
    assert artifact.key_is_virtual is False
    assert (artifact.size, artifact.hash, artifact.hash_type) == (8, md5_b64(b"a,b\n1,2\n"), "md5")
    assert len(artifact.uid) == 20 and artifact.uid.endswith("0000")
    assert artifact.path == ln.UPath(path)
    assert not (tmp_path / "data" / ".lineagedb" / f"{artifact.uid}.csv").exists()
    assert artifact.n_objects is None
    assert artifact.storage == ln.setup.settings.storage.record


def test_file_outside_storage_is_copied_on_save(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    source = tmp_path / "elsewhere" / "reads.fastq.gz"
    source.parent.mkdir()
    source.write_bytes(b"@r1\nACGT\n")
    artifact = ln.Artifact(source, key="runs/reads.fastq.gz")
    stored = tmp_path / "data" / ".lineagedb" / f"{artifact.uid}.fastq.gz"
    assert not stored.exists()  # nothing is written before save()
    artifact.save()
    assert stored.read_bytes() == b"@r1\nACGT\n"
    assert (artifact.key, artifact.key_is_virtual, artifact.suffix) == (
        "runs/reads.fastq.gz",
        True,
        ".fastq.gz",
    )
    assert ln.UPath(artifact.path) == ln.UPath(stored)
    assert not list(stored.parent.glob("*lineagedb-tmp*"))


def test_folder_hash_counts_and_copy(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folder = tmp_path / "images"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.jpg").write_bytes(b"aaa")
    (folder / "sub" / "b.jpg").write_bytes(b"bbbb")
    artifact = ln.Artifact(folder, description="test").save()
    expected = hashlib.md5(
        f"a.jpg\0{md5_b64(b'aaa')}\nsub/b.jpg\0{md5_b64(b'bbbb')}\n".encode()
    ).digest()
    assert artifact.hash == base64.urlsafe_b64encode(expected).rstrip(b"=").decode()
    assert (artifact.hash_type, artifact.n_objects, artifact.size) == ("md5-d", 2, 7)
    assert (Path(artifact.path.path) / "sub" / "b.jpg").read_bytes() == b"bbbb"
    with pytest.raises(NoLoader, match=r"is a folder of 2 files"):
        artifact.load()


def test_same_content_returns_existing_record(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ln = instance
    first = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "a"), description="test").save()
    second = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "b"), description="test")
    assert "returning existing artifact with same hash" in capsys.readouterr().err
    assert second.id == first.id and second.uid == first.uid
    assert second._state.adding is False
    second.save()
    assert ln.Artifact.filter().count() == 1


def test_dataframe_is_stored_as_parquet(instance: ModuleType) -> None:
    ln = instance
    frame = pd.DataFrame({"gene": ["CD8A", "CD4"], "count": [3, 5]})
    artifact = ln.Artifact(frame, description="counts").save()
    assert (artifact.suffix, artifact.accessor, artifact.key_is_virtual) == (
        ".parquet",
        "DataFrame",
        True,
    )
    pd.testing.assert_frame_equal(artifact.load(), frame)
    # Written once, straight into the storage: no copy is left in the cache.
    in_memory = Path(ln.settings.cache_dir) / "in-memory"
    assert not in_memory.exists() or not list(in_memory.iterdir())


@pytest.mark.parametrize(
    ("suffix", "content", "expected"),
    [
        (".tsv", "a\tb\n1\t2\n", pd.DataFrame({"a": [1], "b": [2]})),
        (".json", '{"genes": ["CD8A"]}', {"genes": ["CD8A"]}),
        (".txt", "hello\n", "hello\n"),
    ],
)
def test_load_by_suffix(
    instance: ModuleType, tmp_path: Path, suffix: str, content: str, expected: object
) -> None:
    path = tmp_path / f"file{suffix}"
    path.write_text(content)
    loaded = instance.Artifact(path, description="test").save().load()
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(loaded, expected)
    else:
        assert loaded == expected


def test_load_unknown_suffix_says_what_to_do(instance: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "image.jpg"
    path.write_bytes(b"\xff\xd8")
    artifact = instance.Artifact(path, description="test").save()
    with pytest.raises(NoLoader, match=r"No loader for suffix '.jpg'.*artifact.cache\(\)"):
        artifact.load()
    assert Path(artifact.cache().path).read_bytes() == b"\xff\xd8"


def test_trash_restore_and_permanent_delete(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "x"), description="test").save()
    stored = Path(artifact.path.path)
    artifact.delete()
    assert ln.Artifact.filter().count() == 0
    assert ln.Artifact.filter(visibility=None).one().visibility == -1
    assert ln.Artifact.get(artifact.uid).restore().visibility == 1
    assert ln.Artifact.filter().count() == 1
    artifact.delete(permanent=True)
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert not stored.exists()


def test_second_delete_is_permanent_and_keeps_in_place_bytes(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    path = ln.datasets.file_mini_csv(tmp_path / "data" / "in-place")
    artifact = ln.Artifact(path).save()
    artifact.delete()
    artifact.delete()
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert path.exists()
    other = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "data" / "in-place")).save()
    other.delete(permanent=True, storage=True)
    assert not path.exists()


def test_missing_path_is_a_clear_error(instance: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(PathNotFound, match=r"Path '.*nope.csv' does not exist"):
        instance.Artifact(tmp_path / "nope.csv")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"version": 1}, r"version must be a string, got 1 \(int\). Pass version='1'"),
        ({"key": "../escape.csv"}, r"Key '../escape.csv' must not contain '.' or '..'"),
        ({"key": "/abs.csv"}, r"Key '/abs.csv' must be a non-empty relative path"),
        ({"key": "a\\b.csv"}, r"must not contain backslashes or control characters"),
        ({"is_new_versin_of": None}, r"unexpected arguments 'is_new_versin_of'"),
    ],
)
def test_bad_arguments_write_nothing(
    instance: ModuleType, tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    ln = instance
    path = ln.datasets.file_mini_csv(tmp_path / "x")
    with pytest.raises(InvalidArgument, match=message):
        ln.Artifact(path, **kwargs)
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.csv"))


def test_key_that_contradicts_storage_location_is_refused(
    instance: ModuleType, tmp_path: Path
) -> None:
    path = instance.datasets.file_mini_csv(tmp_path / "data" / "study0")
    with pytest.raises(InvalidArgument, match=r"with key 'study0/mini.csv'; it cannot be saved"):
        instance.Artifact(path, key="other/mini.csv")


def test_storage_root_itself_is_refused(instance: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"is the root of storage"):
        instance.Artifact(tmp_path / "data")


def test_failed_record_write_removes_copied_bytes(instance: ModuleType, tmp_path: Path) -> None:
    from django.db import IntegrityError

    ln = instance
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "x"), description="test")
    artifact.created_by_id = 999_999  # no such user: the insert violates a foreign key
    with pytest.raises(IntegrityError):
        artifact.save()
    assert not (tmp_path / "data" / ".lineagedb" / f"{artifact.uid}.csv").exists()
    assert ln.Artifact.filter(visibility=None).count() == 0
