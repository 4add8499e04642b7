"""Instances: init, connect, reconnect in a new process, delete, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

import lineagedb as ln
from lineagedb.errors import InstanceError, InvalidArgument, NotConnected, StorageNotWritable


def test_init_derives_name_and_puts_sqlite_in_storage_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ln.setup.init(storage=tmp_path / "lamin-tutorial")
    assert "connected lineagedb: anonymous/lamin-tutorial" in capsys.readouterr().err
    instance = ln.setup.settings.instance
    assert instance.name == "lamin-tutorial"
    assert instance.sqlite_path == tmp_path / "lamin-tutorial" / ".lineagedb" / "lineagedb.sqlite3"
    assert instance.sqlite_path.exists()
    assert ln.setup.settings.storage.root_as_str == str(tmp_path / "lamin-tutorial")
    assert ln.setup.settings.user.handle == "anonymous"
    storage = ln.Storage.filter().one()
    assert (storage.root, storage.type, len(storage.uid)) == (
        str(tmp_path / "lamin-tutorial"),
        "local",
        12,
    )
    assert ln.User.filter().one().uid == "00000000"


def test_init_twice_with_same_settings_connects(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "data")
    ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "data")).save()
    ln.setup.init(storage=tmp_path / "data")
    assert ln.Artifact.filter().count() == 1
    assert ln.Storage.filter().count() == 1


def test_init_refuses_existing_name_with_other_storage(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "a" / "data")
    with pytest.raises(InstanceError, match=r"Instance 'data' already exists with storage"):
        ln.setup.init(storage=tmp_path / "b" / "data")
    assert not (tmp_path / "b").exists()


def test_connect_switches_between_instances(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "one")
    ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "one")).save()
    ln.setup.init(storage=tmp_path / "two")
    assert ln.Artifact.filter().count() == 0
    ln.connect("one")
    assert ln.Artifact.filter().count() == 1
    assert ln.setup.settings.instance.name == "one"


def test_new_process_reconnects_to_last_instance(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "data")
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "data")).save()
    code = "import lineagedb as ln; print(ln.Artifact.filter().one().uid)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=dict(os.environ)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == artifact.uid
    assert "connected lineagedb: anonymous/data" in result.stderr


def test_not_connected_says_what_to_do() -> None:
    with pytest.raises(NotConnected, match=r"ln.setup.init\(storage="):
        ln.Artifact.filter()


def test_connect_unknown_name_lists_known(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "data")
    with pytest.raises(NotConnected, match=r"'nope' is not known \(known instances: data\)"):
        ln.connect("nope")


def test_invalid_name_is_refused_before_writing(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"Instance name 'a b' is not valid"):
        ln.setup.init(storage=tmp_path / "data", name="a b")
    assert not (tmp_path / "data").exists()


def test_unwritable_root_is_refused(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/lineagedb-cannot-write")  # not writable even for root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "data"
    with pytest.raises(StorageNotWritable, match=rf"Storage root '{target}' is not writable"):
        ln.setup.init(storage=target)
    assert ln.setup.settings.is_connected is False


def test_root_inside_a_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(InvalidArgument, match=r"is inside a file, not a folder"):
        ln.setup.init(storage=tmp_path / "file" / "data")


def test_bad_database_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidArgument, match=r"is not a PostgreSQL URL"):
        ln.setup.init(storage=tmp_path / "data", db="mysql://u:p@h/db")
    assert not (tmp_path / "data").exists()


def test_unreachable_database_masks_password(tmp_path: Path) -> None:
    from servers import free_port as _free_port

    url = f"postgresql://me:s3cret@127.0.0.1:{_free_port()}/nodb"
    with pytest.raises(InstanceError, match=r"postgresql://me:\*\*\*@127.0.0.1") as error:
        ln.setup.init(storage=tmp_path / "data", db=url)
    assert "s3cret" not in str(error.value)
    assert not (tmp_path / "data").exists()
    assert not (Path(os.environ["LINEAGEDB_HOME"]) / "instances" / "data.json").exists()


def test_delete_removes_settings_and_database_keeps_files(tmp_path: Path) -> None:
    ln.setup.init(storage=tmp_path / "data")
    path = ln.datasets.file_mini_csv(tmp_path / "outside")
    managed = ln.Artifact(path, description="test").save().path
    sqlite = ln.setup.settings.instance.sqlite_path
    ln.setup.delete("data")
    assert not sqlite.exists()
    assert managed.exists()
    assert ln.setup.settings.is_connected is False
    with pytest.raises(NotConnected):
        ln.Artifact.filter()
    with pytest.raises(NotConnected):
        ln.connect("data")


def test_verbosity_filters_messages(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ln.settings.verbosity = "warning"
    ln.setup.init(storage=tmp_path / "data")
    assert capsys.readouterr().err == ""
    with pytest.raises(InvalidArgument, match=r"Verbosity 'loud' is not known"):
        ln.settings.verbosity = "loud"


def test_instance_on_postgres_reports_dialect(instance: ModuleType, database: str | None) -> None:
    settings = instance.setup.settings.instance
    assert settings.dialect == ("sqlite" if database is None else "postgresql")
    from django.db import connection

    assert connection.vendor == settings.dialect


def test_settings_files_are_private_and_passwords_masked(tmp_path: Path) -> None:
    from lineagedb._base.config import instance_file
    from lineagedb.setup._instance import InstanceSettings

    settings = InstanceSettings(
        name="shared", storage_root=str(tmp_path), db="postgresql://me:s3cret@db:5432/lab"
    )
    settings.save()
    assert instance_file("shared").stat().st_mode & 0o777 == 0o600
    assert "s3cret" not in repr(settings) and "me:***@db" in repr(settings)
    ln.setup.login("jdoe")
    assert (Path(os.environ["LINEAGEDB_HOME"]) / "user.json").stat().st_mode & 0o777 == 0o600
