# ruff: noqa: E501 - one hostile input per line reads better than wrapped calls
"""Hostile input: each gets a clear error of the project's tree and writes nothing."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lineagedb import errors
from lineagedb.storage.paths import check_key


def files(tmp: Path) -> dict[str, Path]:
    (tmp / "in").mkdir(exist_ok=True)
    csv = tmp / "in" / "table.csv"
    csv.write_text("a\n1\n")
    broken = tmp / "in" / "broken.csv"
    if not broken.is_symlink():
        os.symlink(tmp / "nowhere", broken)
    loop = tmp / "loop"
    (loop / "sub").mkdir(parents=True, exist_ok=True)
    if not (loop / "sub" / "up").is_symlink():
        os.symlink(loop, loop / "sub" / "up")
    with_broken = tmp / "with_broken"
    with_broken.mkdir(exist_ok=True)
    if not (with_broken / "x").is_symlink():
        os.symlink(tmp / "missing", with_broken / "x")
    pickled = tmp / "in" / "model.pkl"
    pickled.write_bytes(b"\x80\x04K\x01.")
    return {"csv": csv, "broken": broken, "loop": loop, "with_broken": with_broken, "pkl": pickled}


CASES: list[tuple[str, Callable[[Any, dict[str, Path], Path], Any], type[Exception], str]] = [
    ("key with ..", lambda ln, f, t: ln.Artifact(f["csv"], key="../x.csv"), errors.InvalidArgument, r"'\.' or '\.\.'"),
    ("key with ./", lambda ln, f, t: ln.Artifact(f["csv"], key="./x.csv"), errors.InvalidArgument, r"'\.' or '\.\.'"),
    ("absolute key", lambda ln, f, t: ln.Artifact(f["csv"], key="/etc/x.csv"), errors.InvalidArgument, r"relative path"),
    ("empty key", lambda ln, f, t: ln.Artifact(f["csv"], key=""), errors.InvalidArgument, r"non-empty"),
    ("NUL in key", lambda ln, f, t: ln.Artifact(f["csv"], key="a\x00.csv"), errors.InvalidArgument, r"control characters"),
    ("bell in key", lambda ln, f, t: ln.Artifact(f["csv"], key="a\x07.csv"), errors.InvalidArgument, r"control characters"),
    ("newline in key", lambda ln, f, t: ln.Artifact(f["csv"], key="a\nb.csv"), errors.InvalidArgument, r"control characters"),
    ("backslash key", lambda ln, f, t: ln.Artifact(f["csv"], key="a\\b.csv"), errors.InvalidArgument, r"backslashes"),
    ("key ends with /", lambda ln, f, t: ln.Artifact(f["csv"], key="folder/"), errors.InvalidArgument, r"end with '/'"),
    ("missing path", lambda ln, f, t: ln.Artifact(t / "absent.csv"), errors.PathNotFound, r"does not exist"),
    ("broken symlink", lambda ln, f, t: ln.Artifact(f["broken"]), errors.PathNotFound, r"does not exist"),
    ("folder with broken link", lambda ln, f, t: ln.Artifact(f["with_broken"], description="test"), errors.PathNotFound, r"broken symbolic link"),
    ("symlink loop", lambda ln, f, t: ln.Artifact(f["loop"], description="t"), errors.InvalidArgument, r"a loop"),
    ("int version", lambda ln, f, t: ln.Artifact(f["csv"], version=1), errors.InvalidArgument, r"version must be a string"),
    ("float version", lambda ln, f, t: ln.Artifact(f["csv"], version=1.5), errors.InvalidArgument, r"version='1.5'"),
    ("NUL description", lambda ln, f, t: ln.Artifact(f["csv"], description="a\x00").save(), errors.InvalidArgument, r"NUL character"),
    ("surrogate description", lambda ln, f, t: ln.Artifact(f["csv"], description="\udc80").save(), errors.InvalidArgument, r"not valid Unicode"),
    ("number as data", lambda ln, f, t: ln.Artifact(123), errors.InvalidArgument, r"cannot store a int"),
    ("no data", lambda ln, f, t: ln.Artifact(), errors.InvalidArgument, r"needs data"),
    ("list as data", lambda ln, f, t: ln.Artifact([f["csv"]]), errors.InvalidArgument, r"cannot store a list"),
    ("unknown argument", lambda ln, f, t: ln.Artifact(f["csv"], kee="x"), errors.InvalidArgument, r"unexpected arguments 'kee'"),
    ("unknown filter field", lambda ln, f, t: ln.Artifact.filter(nme="x"), errors.UnknownField, r"Artifact has no field 'nme'"),
    ("unknown lookup name", lambda ln, f, t: ln.User.lookup().nobody, errors.UnknownLookupName, r"No User is named 'nobody'"),
    ("unknown uid", lambda ln, f, t: ln.Artifact.get("0" * 20), errors.NotFound, r"No Artifact matches"),
    ("one() of none", lambda ln, f, t: ln.Artifact.filter().one(), errors.NotFound, r"one_or_none"),
    ("storage root itself", lambda ln, f, t: ln.Artifact(t / "data"), errors.InvalidArgument, r"root of storage"),
    ("key against location", lambda ln, f, t: ln.Artifact(ln.datasets.file_mini_csv(t / "data" / "s"), key="o/x.csv"), errors.InvalidArgument, r"cannot be saved under key"),
    ("unsaved collection member", lambda ln, f, t: ln.Collection(ln.Artifact(f["csv"], description="t"), name="c"), errors.InvalidArgument, r"not saved"),
    ("new version of non-artifact", lambda ln, f, t: ln.Artifact(f["csv"], is_new_version_of="x"), errors.WrongType, r"must be a Artifact"),
    ("bad instance name", lambda ln, f, t: ln.setup.init(storage=t / "other", name="a b"), errors.InvalidArgument, r"Instance name 'a b' is not valid"),
    ("unknown instance", lambda ln, f, t: ln.connect("no-such-instance"), errors.NotConnected, r"is not known"),
    ("mysql URL", lambda ln, f, t: ln.setup.init(storage=t / "other", db="mysql://u:p@h/d"), errors.InvalidArgument, r"not a PostgreSQL URL"),
    ("root inside a file", lambda ln, f, t: ln.setup.init(storage=f["csv"] / "x"), errors.InvalidArgument, r"inside a file"),
    ("unknown view registry", lambda ln, f, t: ln.view(registries=["Artefact"]), errors.InvalidArgument, r"Unknown registry"),
    ("verbosity", lambda ln, f, t: setattr(ln.settings, "verbosity", "loud"), errors.InvalidArgument, r"Verbosity 'loud'"),
    ("bad search field", lambda ln, f, t: ln.Artifact.search("x", field="size"), errors.InvalidArgument, r"cannot search 'size'"),
    ("bad login handle", lambda ln, f, t: ln.setup.login("a b"), errors.InvalidArgument, r"Handle 'a b' is not valid"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "call", "error", "message"), CASES, ids=[c[0] for c in CASES])
def test_hostile_input(
    instance: ModuleType,
    tmp_path: Path,
    name: str,
    call: Callable[..., Any],
    error: type[Exception],
    message: str,
) -> None:
    ln = instance
    inputs = files(tmp_path)
    with pytest.raises(error, match=message):
        call(ln, inputs, tmp_path)
    assert issubclass(error, errors.LineageDBError)
    ln.setup.settings._ensure_connected()
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert ln.Collection.filter(visibility=None).count() == 0
    managed = tmp_path / "data" / ".lineagedb"
    entries = list(managed.iterdir()) if managed.exists() else []
    layout = ("lineagedb.", ".lineagedb-owner")  # the database and the owner marker
    assert [p.name for p in entries if not p.name.startswith(layout)] == []
    assert not (tmp_path / "other").exists()


def test_pickle_needs_explicit_permission(instance: ModuleType, tmp_path: Path) -> None:
    artifact = instance.Artifact(files(tmp_path)["pkl"], description="test").save()
    with pytest.raises(errors.NoLoader, match=r"can run arbitrary code.*allow_pickle=True"):
        artifact.load()
    assert artifact.load(allow_pickle=True) == 1


def test_empty_file_and_folder_are_allowed(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    empty_file = tmp_path / "empty.txt"
    empty_file.write_bytes(b"")
    empty_folder = tmp_path / "empty_folder"
    empty_folder.mkdir()
    file_artifact = ln.Artifact(empty_file, description="test").save()
    folder_artifact = ln.Artifact(empty_folder, description="test").save()
    assert (file_artifact.size, file_artifact.hash) == (0, "1B2M2Y8AsgTpgAmY7PhCfg")
    assert (folder_artifact.size, folder_artifact.n_objects) == (0, 0)
    assert file_artifact.verify() and folder_artifact.verify()


def test_non_utf8_file_name_in_folder(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folder = tmp_path / "latin1"
    folder.mkdir()
    with open(os.path.join(bytes(folder), b"caf\xe9.txt"), "wb") as handle:
        handle.write(b"x")
    artifact = ln.Artifact(folder, description="test").save()
    assert artifact.n_objects == 1 and artifact.verify()


def test_file_changing_while_hashed(instance: ModuleType, tmp_path: Path) -> None:
    big = tmp_path / "growing.bin"
    big.write_bytes(os.urandom(256 * 1024 * 1024))

    def append() -> None:
        time.sleep(0.05)
        with open(big, "ab") as handle:
            handle.write(b"more")

    writer = threading.Thread(target=append)
    writer.start()
    try:
        with pytest.raises(errors.InvalidArgument, match=r"changed while it was being hashed"):
            instance.Artifact(big, description="test")
    finally:
        writer.join()
    assert instance.Artifact.filter(visibility=None).count() == 0


@given(st.text(max_size=40))
@settings(max_examples=300, deadline=None)
def test_key_validation_keeps_keys_inside_the_root(key: str) -> None:
    try:
        checked = check_key(key)
    except errors.InvalidArgument:
        return
    parts = PurePosixPath(checked).parts
    assert checked and not checked.startswith("/") and ".." not in parts and "." not in parts
    assert all(ord(char) >= 32 for char in checked) and "\\" not in checked
    root = Path("/data/root")
    assert (root / checked).resolve().is_relative_to(root)
