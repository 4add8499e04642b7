"""Another instance, read-only, beside the connected one (#32 item 7): Registry.connect()."""

from __future__ import annotations

from pathlib import Path

import pytest
from servers import S3

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
    label.description = "changed"
    with pytest.raises(OtherInstance, match="read-only"):
        label.save()  # (an artifact's save() transfers it: below)
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


def test_saving_an_artifact_of_another_instance_transfers_it(
    database: str | None, tmp_path: Path
) -> None:
    ln.setup.init(storage=tmp_path / "archive")
    ln.Feature(name="temperature", dtype="num", unit="°C").save()
    ln.Feature(name="study", dtype="cat[ULabel]").save()
    (tmp_path / "a.csv").write_text("a\n1\n")
    archived = ln.Artifact(tmp_path / "a.csv", key="raw/a.csv", description="day 1").save()
    ln.ULabel(name="study0").save()
    archived.features.add_values({"temperature": 37.5, "study": "study0"})
    archived.labels.add(ln.ULabel(name="qc-passed").save())
    ln.setup.init(storage=tmp_path / "data", db=database)
    try:
        ln.ULabel(name="study0").save()  # exists here already: reused, not doubled
        remote = ln.Artifact.connect("archive").get(key="raw/a.csv")
        local = remote.save()
        assert local is remote and local.uid != archived.uid  # now this instance's record
        assert ln.Artifact.get(key="raw/a.csv") == local
        assert local.load().columns.tolist() == ["a"] and local.hash == archived.hash
        assert local.features.get_values() == {"temperature": 37.5, "study": "study0"}
        assert ln.Feature.get(name="temperature").unit == "°C"  # created like theirs
        assert ln.ULabel.filter(name="study0").count() == 1
        assert sorted(local.ulabels.values_list("name", flat=True)) == ["qc-passed", "study0"]
        run = local.run
        assert run.transform.name == "Transfer from instance 'archive'"
        assert run.params == {"instance": "archive", "source": f"archive/{archived.uid}"}
        again = ln.Artifact.connect("archive").get(key="raw/a.csv").save()
        assert again == local and ln.Artifact.filter().count() == 1  # once
        assert ln.Artifact.connect("archive").count() == 1  # the archive is unchanged
    finally:
        disconnect()


def test_bytes_registered_in_a_bucket_are_transferred_in_place(
    database: str | None, tmp_path: Path, s3: S3
) -> None:
    bucket = s3.bucket()
    (tmp_path / "up").mkdir()
    (tmp_path / "up" / "b.csv").write_text("b\n2\n")
    s3.upload_folder(tmp_path / "up", f"{bucket}/shared")
    ln.setup.init(storage=tmp_path / "archive")
    archived = ln.Artifact(f"{bucket}/shared/b.csv").save()
    ln.setup.init(storage=tmp_path / "data", db=database)
    try:
        local = ln.Artifact.connect("archive").get(archived.uid).save()
        assert str(local.path) == f"{bucket}/shared/b.csv"  # no copy
        assert local.storage.root == bucket and local.hash == archived.hash
    finally:
        disconnect()


def test_ontology_terms_transfer_by_uid_or_name_or_from_the_ontology(
    database: str | None, tmp_path: Path
) -> None:
    from lineagedb import bionty as bt

    ln.setup.init(storage=tmp_path / "archive", schema="bionty")
    t_cell = bt.CellType.from_source(name="T cell").save()
    b_cell = bt.CellType.from_source(name="B cell").save()
    feature = ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
    (tmp_path / "a.csv").write_text("a\n1\n")
    archived = ln.Artifact(tmp_path / "a.csv", key="a.csv").save()
    archived.labels.add([t_cell, b_cell], feature=feature)
    ln.setup.init(storage=tmp_path / "plain", db=None)
    with pytest.raises(InvalidArgument, match=r"has the schema modules \['bionty'\]"):
        ln.Artifact.connect("archive").get(key="a.csv").save()
    assert ln.Artifact.filter().count() == 0
    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    try:
        bt.CellType.from_source(name="T cell").save()  # here already (another uid maybe)
        local = ln.Artifact.connect("archive").get(key="a.csv").save()
        names = local.labels.get(ln.Feature.get(name="cell_type"), flat_names=True)
        assert sorted(names) == ["B cell", "T cell"]
        assert bt.CellType.filter(name="T cell").count() == 1  # matched, not doubled
        assert bt.CellType.get(name="B cell").ontology_id == b_cell.ontology_id  # from CL
    finally:
        disconnect()
