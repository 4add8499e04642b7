"""Hash invariants: same bytes give the same hash; folder hashes ignore listing order."""

from __future__ import annotations

import hashlib
import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineagedb.errors import PathNotFound
from lineagedb.storage.hashing import (
    combine_folder_hash,
    hash_bytes,
    hash_file,
    hash_folder,
)


@given(data=st.binary(max_size=5000))
@settings(max_examples=50, deadline=None)
def test_same_bytes_same_hash_in_any_file(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "a.bin", Path(folder) / "deep" / "b.dat"
        second.parent.mkdir()
        first.write_bytes(data)
        second.write_bytes(data)
        assert hash_file(first) == hash_file(second)
        assert hash_file(first).hash == hash_bytes(data)
        assert len(hash_file(first).hash) == 22
        assert hash_file(first).size == len(data)


def test_one_changed_byte_changes_the_hash(tmp_path: Path) -> None:
    path = tmp_path / "big.bin"
    data = bytearray(random.Random(1).randbytes(3 * 1024 * 1024))
    path.write_bytes(data)
    before = hash_file(path).hash
    data[len(data) // 2] ^= 1  # full-content hash: a change in the middle counts
    path.write_bytes(data)
    assert hash_file(path).hash != before
    assert hash_file(path).hash == hash_bytes(bytes(data))


@given(
    files=st.dictionaries(
        st.from_regex(r"[a-z]{1,6}(/[a-z]{1,6}){0,2}\.txt", fullmatch=True),
        st.binary(max_size=64),
        max_size=8,
    ),
    seed=st.integers(0, 1000),
)
@settings(max_examples=40, deadline=None)
def test_folder_hash_is_independent_of_listing_order(files: dict[str, bytes], seed: int) -> None:
    # A path can't be both a file and a folder: keep names that are not a prefix of another.
    names = [n for n in files if not any(o.startswith(n[:-4] + "/") for o in files)]
    pairs = [(name, hash_bytes(files[name])) for name in names]
    shuffled = pairs[:]
    random.Random(seed).shuffle(shuffled)
    assert combine_folder_hash(pairs) == combine_folder_hash(shuffled)
    with tempfile.TemporaryDirectory() as folder:
        for name in names:
            (Path(folder) / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(folder) / name).write_bytes(files[name])
        content = hash_folder(Path(folder))
        assert content.hash == combine_folder_hash(pairs)
        assert (content.n_objects, content.size) == (len(names), sum(len(files[n]) for n in names))


def test_renaming_a_file_changes_the_folder_hash(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"x")
    before = hash_folder(tmp_path).hash
    (tmp_path / "a.txt").rename(tmp_path / "b.txt")
    assert hash_folder(tmp_path).hash != before


def test_known_value() -> None:
    digest = hashlib.md5(b"hello").digest()
    assert hash_bytes(b"hello") == "XUFAKrxLKna5cZ2REBfFkg"
    assert len(digest) == 16


def test_broken_symlink_in_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("ok")
    os.symlink(tmp_path / "missing", tmp_path / "dangling")
    with pytest.raises(PathNotFound, match=r"'.*dangling' in folder .* is a broken symbolic link"):
        hash_folder(tmp_path)
