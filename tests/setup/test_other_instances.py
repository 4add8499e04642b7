"""Another instance, read-only, beside the connected one (#32 item 7): Registry.connect()."""

from __future__ import annotations

from pathlib import Path

import pytest

import lineagedb as ln
from lineagedb.errors import InvalidArgument, NotConnected, OtherInstance
from lineagedb.setup._django import disconnect


@pytest.fixture
def archive_then_current(database: str | None, tmp_path: Path) -> object:
    """An SQLite instance "archive" with two files and a label; then a fresh instance (the
    suite's database: SQLite or PostgreSQL) connected."""
    ln.setup.init(storage=tmp_path / "archive")
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text(f"{name}\n1\n")
        ln.Artifact(tmp_path / name, key=f"raw/{name}").save()
    ln.ULabel(name="archived").save()
    ln.setup.init(storage=tmp_path / "data", db=database)
    yield ln
    disconnect()


def test_connect_reads_another_instance_and_writes_nothing(
    archive_then_current: object, tmp_path: Path
) -> None:
    archive = ln.Artifact.connect("archive")
    assert archive.count() == 2 and ln.Artifact.filter().count() == 0  # not switched
    found = archive.get(key="raw/a.csv")
    assert found.uid and found.size == len("a.csv\n1\n")
    assert sorted(ln.Artifact.using("archive").df()["key"]) == ["raw/a.csv", "raw/b.csv"]
    assert list(archive.filter(key__startswith="raw/b").values_list("key", flat=True)) == [
        "raw/b.csv"
    ]
    label = ln.ULabel.connect("archive").get(name="archived")
    found.description = "changed"
    with pytest.raises(OtherInstance, match="read-only"):
        found.save()
    (tmp_path / "c.csv").write_text("c\n")
    here = ln.Artifact(tmp_path / "c.csv", key="c.csv").save()
    with pytest.raises(OtherInstance, match="read-only"):
        here.labels.add(label)  # an id of the archive would name another label here
    with pytest.raises(Exception, match=r"(?i)read.?only"):
        archive.filter(key="raw/b.csv").delete()  # the database refuses it
    assert ln.Artifact.connect("archive").count() == 2
    with pytest.raises(InvalidArgument, match=r"search\(\) on another instance"):
        archive.search("a.csv")
    with pytest.raises(NotConnected, match="'nowhere' is not known"):
        ln.Artifact.connect("nowhere")
    with pytest.raises(InvalidArgument, match="is the connected instance"):
        ln.Artifact.connect(ln.setup.settings.instance.name)
