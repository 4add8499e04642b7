"""The findings of "No byte lost": each case lost data, hung or crashed before it was fixed."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from types import ModuleType

import pytest

from lineagedb import errors

HOUR_AGO = time.time() - 3600


def managed(ln: ModuleType) -> Path:
    return Path(ln.setup.settings.storage.root.path) / ".lineagedb"


def temporary_entries(ln: ModuleType) -> list[str]:
    folder = managed(ln)
    return sorted(p.name for p in folder.iterdir() if p.name.startswith(".lineagedb-tmp-"))


def test_cleanup_leaves_another_instances_bytes_alone(
    instance: ModuleType, tmp_path: Path, database: str | None
) -> None:
    ln = instance
    source = tmp_path / "a.txt"
    source.write_text("instance A's bytes")
    a_artifact = ln.Artifact(source, description="A").save()
    a_root, a_path = ln.setup.settings.storage.root_as_str, Path(a_artifact.path.path)
    os.utime(a_path, (HOUR_AGO, HOUR_AGO))
    ln.setup.init(storage=tmp_path / "b-root", name="b")  # instance B (SQLite)
    ln.Storage(root=a_root).save()  # B registers A's root
    assert ln.setup.cleanup(dry_run=True) == []
    ln.setup.cleanup()
    assert a_path.read_text() == "instance A's bytes"
    ln.connect("data")
    assert ln.Artifact.get(a_artifact.uid).verify()


def test_staged_copies_are_young_whatever_the_source_age(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    folder = tmp_path / "old-folder"
    folder.mkdir()
    for index in range(3):
        (folder / f"{index}.txt").write_text(f"old {index}")
        os.utime(folder / f"{index}.txt", (HOUR_AGO, HOUR_AGO))
    artifact = ln.Artifact(folder, description="test")  # staged in the managed folder until save()
    assert len(temporary_entries(ln)) == 1
    assert ln.setup.cleanup() == []  # not old: it was written just now
    artifact.save()
    assert artifact.verify() and temporary_entries(ln) == []


def test_moving_into_a_version_family_gives_the_new_name_a_fresh_age(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    (tmp_path / "one.txt").write_text("one")
    (tmp_path / "two.txt").write_text("two")
    first = ln.Artifact(tmp_path / "one.txt", description="test").save()
    second = ln.Artifact(tmp_path / "two.txt", description="test").save()
    os.utime(second.path.path, (HOUR_AGO, HOUR_AGO))
    second.add_to_version_family(first)
    assert time.time() - Path(second.path.path).stat().st_mtime < 60
    assert ln.setup.cleanup() == [] and second.verify()


@pytest.mark.parametrize("inside", ["lineagedb.sqlite3", "managed file"])
def test_the_managed_folder_cannot_be_registered(
    instance: ModuleType, tmp_path: Path, inside: str
) -> None:
    ln = instance
    (tmp_path / "x.txt").write_text("x")
    saved = ln.Artifact(tmp_path / "x.txt", description="test").save()
    target = managed(ln) / "lineagedb.sqlite3" if inside != "managed file" else saved.path.path
    if not Path(target).exists():
        pytest.skip("this database keeps no file in the storage root")
    with pytest.raises(errors.InvalidArgument, match=r"inside the managed folder '\.lineagedb'"):
        ln.Artifact(target, description="mine")
    assert ln.Artifact.filter().count() == 1


def test_the_bytes_stored_are_the_bytes_hashed(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    source = tmp_path / "changing.csv"
    source.write_text("a\n1\n")
    artifact = ln.Artifact(source, description="test")
    source.write_text("a\n1\n2\n3\n")  # changed between Artifact() and save()
    artifact.save()
    assert artifact.verify()
    assert Path(artifact.path.path).read_text() == "a\n1\n"


def test_stale_and_trashed_records_are_not_replaced(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "v1.txt").write_text("v1")
    (tmp_path / "v2.txt").write_text("v2")
    uid = ln.Artifact(tmp_path / "v1.txt", description="test").save().uid
    stale = ln.Artifact.get(uid)
    ln.Artifact.get(uid).delete(permanent=True)
    with pytest.raises(errors.NotFound, match=r"was deleted meanwhile"):
        stale.replace(tmp_path / "v2.txt").save()
    assert ln.Artifact.filter(visibility=None).count() == 0
    trashed = ln.Artifact(tmp_path / "v1.txt", description="test").save()
    trashed.delete()
    with pytest.raises(errors.InvalidArgument, match=r"in the trash; restore\(\) it"):
        trashed.replace(tmp_path / "v2.txt")


def test_replacing_with_bytes_another_artifact_holds(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    a = ln.Artifact(tmp_path / "a.txt", description="test").save()
    b = ln.Artifact(tmp_path / "b.txt", description="test").save()
    with pytest.raises(errors.InvalidArgument, match=rf"Artifact {b.uid} already holds"):
        a.replace(tmp_path / "b.txt").save()
    assert a.verify() and Path(a.path.path).read_text() == "a"
    assert temporary_entries(ln) == [] and ln.setup.cleanup(min_age_seconds=0) == []


def test_a_batch_with_the_same_content_twice_saves(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    for name in ("one.csv", "copy.csv"):
        (tmp_path / name).write_text("same bytes\n")
    first, second = (
        ln.Artifact(tmp_path / "one.csv", description="test"),
        ln.Artifact(tmp_path / "copy.csv", description="test"),
    )
    third = ln.Artifact(
        tmp_path / "one.csv", description="test"
    )  # constructed before any was saved
    ln.save([first, second, third, first])
    assert ln.Artifact.filter().count() == 1
    assert first.uid == second.uid == third.uid and first.verify()
    assert temporary_entries(ln) == []


def test_a_failed_save_leaves_nothing(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "x.txt").write_text("x")
    artifact = ln.Artifact(tmp_path / "x.txt", description="bad \x00 text")
    with pytest.raises(errors.InvalidArgument):
        artifact.save()
    del artifact
    assert temporary_entries(ln) == [] and ln.Artifact.filter().count() == 0


def test_entries_that_are_not_regular_files_are_refused(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    cases = {}
    fifo = tmp_path / "with-fifo"
    fifo.mkdir()
    (fifo / "ok.txt").write_text("ok")
    os.mkfifo(fifo / "pipe")
    cases["a FIFO"] = (fifo, fifo / "pipe")
    device = tmp_path / "with-device"
    device.mkdir()
    os.symlink("/dev/zero", device / "zero")
    cases["outside the folder"] = (device, device / "zero")
    sock = Path("/tmp") / f"ldb-sock-{os.getpid()}"  # a short path: sockets allow ~100 bytes
    sock.mkdir(exist_ok=True)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock / "s"))
    cases["a socket"] = (sock, sock / "s")
    try:
        for kind, (folder, entry) in cases.items():
            with pytest.raises(errors.InvalidArgument, match=rf"'{entry}' .* {kind}"):
                ln.Artifact(folder, description="test")
    finally:
        server.close()
        (sock / "s").unlink()
        sock.rmdir()
    assert temporary_entries(ln) == [] and ln.Artifact.filter().count() == 0


def test_a_link_to_the_storage_root_is_refused(instance: ModuleType) -> None:
    ln = instance
    root = Path(ln.setup.settings.storage.root.path)
    folder = root.parent / "outside"
    folder.mkdir()
    (folder / "a.txt").write_text("a")
    os.symlink(root, folder / "root")
    with pytest.raises(errors.InvalidArgument, match=r"symbolic link to '.*', outside the folder"):
        ln.Artifact(folder, description="test")
    assert temporary_entries(ln) == []


def test_a_password_in_the_query_string_is_masked() -> None:
    from lineagedb.setup._instance import InstanceSettings

    url = "postgresql://me@db.lab.org:5432/lab?password=s3cret&sslmode=require"
    settings = InstanceSettings(name="lab", storage_root="s3://lab", db=url)
    assert "s3cret" not in repr(settings) and "s3cret" not in settings.db_display
    assert "password=***" in settings.db_display


def test_long_values_have_one_rule_on_both_databases(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(errors.InvalidArgument, match=r"Artifact.key is 1025 characters .* is 1024"):
        ln.Artifact(tmp_path / "a.txt", key="k" * 1021 + ".txt").save()
    with pytest.raises(errors.InvalidArgument, match=r"Artifact.version is 31 .* limit is 30"):
        ln.Artifact(tmp_path / "a.txt", version="v" * 31, description="test").save()
    real = tmp_path / "sample.filtered_feature_bc_matrix_normalized"
    real.write_text("counts")
    saved = ln.Artifact(real, description="test").save()  # a real 38-character suffix
    assert saved.suffix == ".filtered_feature_bc_matrix_normalized" and saved.verify()
    assert ln.Artifact.filter().count() == 1 and temporary_entries(ln) == []


def test_a_suffix_too_long_for_a_file_name_is_refused(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = tmp_path / ("a." + "x" * 240)
    path.write_text("x")
    with pytest.raises(errors.InvalidArgument, match=r"255-byte limit"):
        ln.Artifact(path, description="test")
    assert temporary_entries(ln) == []
