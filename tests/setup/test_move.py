"""Instances that move: SQLite → PostgreSQL → SQLite in one step, and through Parquet files.

The instance holds every kind of record (versions, collections, labels with parents,
features and values, feature sets, projects, sheets, runs with params, bionty terms and
a custom module's records); the same queries give the same answers before and after.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import lineagedb as ln
from lineagedb.errors import InvalidArgument

pytestmark = pytest.mark.postgresql


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite instance with core, bionty and a custom module, filled with one of each."""
    from lineagedb.cli.modules import write_module

    project = write_module("mylab", tmp_path / "modules")
    monkeypatch.syspath_prepend(str(project))
    ln.setup.init(storage=tmp_path / "data", schema="bionty,mylab")
    from lnschema_mylab.models import Sample

    from lineagedb import bionty as bt

    transform = ln.Transform(name="make counts", type="pipeline").save()
    ln.track(transform=transform, params={"cutoff": 3})
    path = tmp_path / "counts.csv"
    path.write_text("gene,count\nCD4,3\n")
    first = ln.Artifact(str(path), key="study/counts.csv", description="counts").save()
    path.write_text("gene,count\nCD4,4\nCD8,1\n")
    ln.Artifact(str(path), key="study/counts.csv", revises=first).save()
    frame = pd.DataFrame({"cell_type": ["T cell", "B cell"], "n": [3, 4]})
    table = ln.Artifact.from_df(frame, description="cells").save()
    ln.save(ln.Feature.from_df(frame))
    table.features.add_from_df()
    tissue = ln.ULabel(name="tissue").save()
    blood = ln.ULabel(name="blood").save()
    blood.parents.add(tissue)
    where = ln.Feature(name="where", type="category").save()
    temperature = ln.Feature(name="temperature", type="number").save()
    table.labels.add(blood, feature=where)
    table.features.add_values({"temperature": 21.5})
    t_cell = bt.CellType(name="T cell", ontology_id="CL:0000084").save()
    lymphocyte = bt.CellType(name="lymphocyte", ontology_id="CL:0000542").save()
    t_cell.parents.add(lymphocyte)
    table.labels.add(t_cell, feature=ln.Feature(name="cells", type="category").save())
    sample = Sample(name="donor 1").save()
    table.labels.add(sample, feature=ln.Feature(name="donor", type="category").save())
    ln.Collection([first, table], name="study", version="1").save()
    ln.Project(name="atlas").save().artifacts.add(table)
    table.references.add(ln.Reference(name="Atlas paper", doi="10.1126/science.abl4896").save())
    donors = ln.Record(name="Donor", is_type=True).save()
    ln.Record(name="D1", type=donors).save()
    assert temperature.pk is not None
    ln.finish()
    return tmp_path


def _answers() -> dict[str, Any]:
    """What a user asks the instance, as plain values."""
    from lnschema_mylab.models import Sample

    from lineagedb import bionty as bt

    table = ln.Artifact.get(description="cells")
    latest = ln.Artifact.filter(key="study/counts.csv", is_latest=True).one()
    return {
        "artifacts": ln.Artifact.df()[["uid", "key", "hash", "size", "version"]].to_dict("list"),
        "ids": sorted(ln.Artifact.filter().values_list("id", "uid")),
        "versions": [a.uid for a in latest.versions.order_by("id")],
        "study": ln.Artifact.filter(key__startswith="study/").count(),
        "search": [a.uid for a in ln.Artifact.search("cells", return_queryset=True)],
        "labels": table.labels.get(ln.Feature.get(name="where"), flat_names=True),
        "by_label": [a.uid for a in ln.Artifact.filter(ulabels__name="blood")],
        "parents": [p.name for p in ln.ULabel.get(name="blood").parents.all()],
        "values": table.features.get_values(),
        "feature_sets": sorted(fs.hash for fs in table.feature_sets.all()),
        "cell_types": sorted(bt.CellType.filter(artifacts=table).values_list("name", flat=True)),
        "cell_parents": [p.name for p in bt.CellType.get(name="T cell").parents.all()],
        "sources": bt.Source.filter().count(),
        "samples": [s.name for s in Sample.filter(artifacts=table)],
        "collection": sorted(a.uid for a in ln.Collection.get(name="study").artifacts.all()),
        "project": [a.uid for a in ln.Project.get(name="atlas").artifacts.all()],
        "references": [r.doi for r in table.references.all()],
        "records": sorted(ln.Record.filter(type__name="Donor").values_list("name", flat=True)),
        "run": (table.run.transform.name, table.run.params, str(table.run.started_at)),
        "inputs": sorted(ln.Run.filter().values_list("uid", flat=True)),
    }


def _empty_database(server: Any) -> str:
    name = f"m_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name}")
    return server.url(name)


def test_move_to_postgresql_and_back_keeps_every_answer(lab: Path, postgres_server: Any) -> None:
    before = _answers()
    artifacts = ln.Artifact.objects.count()  # the run's environment too
    sqlite_file = lab / "data" / ".lineagedb" / "lineagedb.sqlite3"
    url = _empty_database(postgres_server)
    stale = sqlite3.connect(sqlite_file)  # another process, still on the old database
    assert stale.execute("SELECT count(*) FROM lineagedb_ulabel").fetchone()[0] == 2

    report = ln.setup.move_db(to=url)

    assert ln.setup.settings.instance.db == url
    assert report.mismatched == []
    assert report.rows["lineagedb_artifact"] == artifacts
    assert not sqlite_file.exists()  # kept beside itself, renamed
    assert Path(report.kept or "").exists()
    assert _answers() == before
    with pytest.raises(sqlite3.DatabaseError, match=f"instance data moved to {url}"):
        stale.execute("INSERT INTO lineagedb_ulabel (uid, name) VALUES ('x', 'lost')")
    stale.close()
    ulabel = ln.ULabel(name="after the move").save()  # ids go on past the copied ones
    assert ulabel.id > ln.ULabel.get(name="blood").id
    ulabel.delete()

    import psycopg

    with psycopg.connect(url) as old_server:  # still open after the move back
        back = ln.setup.move_db(to="sqlite")
        with pytest.raises(psycopg.errors.RaiseException, match="moved to sqlite"):
            old_server.execute("DELETE FROM lineagedb_ulabel")

    assert ln.setup.settings.instance.db is None
    assert sqlite_file.exists()
    assert back.kept is not None and "drop it" in back.kept
    assert _answers() == before
    # The instance's settings on disk point at SQLite: a new process sees the same.
    settings = json.loads((lab / "home" / "instances" / "data.json").read_text())
    assert settings["db"] is None


def test_a_target_that_is_not_empty_is_refused_and_nothing_changes(
    lab: Path, postgres_server: Any
) -> None:
    url = _empty_database(postgres_server)
    postgres_server.execute("CREATE TABLE notes (id int)", url.rsplit("/", 1)[1])
    with pytest.raises(InvalidArgument, match=r"not empty \(1 tables: notes\)"):
        ln.setup.move_db(to=url)
    assert ln.setup.settings.instance.db is None
    assert ln.Artifact.filter(description="cells").count() == 1
    with pytest.raises(InvalidArgument, match=r"on sqlite:///.* already"):
        ln.setup.move_db(to="sqlite")


def test_a_failed_copy_leaves_the_target_empty(
    lab: Path, postgres_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lineagedb.setup import _tables

    url = _empty_database(postgres_server)
    real = _tables.write_rows

    def fails_on_collections(model: Any, using: str, batches: Any) -> int:
        if model._meta.db_table == "lineagedb_collection":
            raise OSError("disk full")
        return real(model, using, batches)

    monkeypatch.setattr(_tables, "write_rows", fails_on_collections)
    with pytest.raises(OSError, match="disk full"):
        ln.setup.move_db(to=url)
    monkeypatch.undo()
    assert ln.setup.settings.instance.db is None
    assert ln.Artifact.filter(description="cells").count() == 1
    report = ln.setup.move_db(to=url)  # empty again: the move can be retried
    assert report.rows["lineagedb_collection"] == 1


def test_export_and_import_into_postgresql(lab: Path, postgres_server: Any) -> None:
    before = _answers()
    manifest_path = ln.setup.export_db(lab / "dump")
    manifest = json.loads(manifest_path.read_text())
    entry = next(t for t in manifest["tables"] if t["table"] == "lineagedb_artifact")
    assert entry["rows"] == ln.Artifact.objects.count()
    assert manifest["instance"]["modules"] == ["bionty", "mylab"]
    with pytest.raises(InvalidArgument, match="exists on this machine"):
        ln.setup.import_db(lab / "dump")

    report = ln.setup.import_db(lab / "dump", db=_empty_database(postgres_server), name="copy")

    assert ln.setup.settings.instance.name == "copy"
    assert report.rows == {t["table"]: t["rows"] for t in manifest["tables"]}
    assert _answers() == before


def test_a_changed_export_is_refused(lab: Path) -> None:
    ln.setup.export_db(lab / "dump")
    (lab / "dump" / "lineagedb_ulabel.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidArgument, match="differs from the manifest's checksum"):
        ln.setup.import_db(lab / "dump", name="copy")
    assert ln.setup.settings.instance.name == "data"


def test_the_db_commands_in_fresh_processes(tmp_path: Path, postgres_server: Any) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "LINEAGEDB_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-m", "lineagedb", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done

    data = tmp_path / "results.csv"
    data.write_text("gene,count\nCD8A,3\n")
    cli("init", "--storage", str(tmp_path / "store"))
    uid = cli("save", str(data), "--description", "counts").stdout.split("\t")[0]
    cli("db", "export", str(tmp_path / "dump"))
    url = _empty_database(postgres_server)
    imported = cli("db", "import", str(tmp_path / "dump"), "--db", url, "--name", "copy")
    assert "imported instance copy" in imported.stderr
    assert json.loads(cli("ls", "--json").stdout)["uid"] == uid
    cli("connect", "store")
    moved = cli("db", "move", "--to", _empty_database(postgres_server))
    assert moved.stdout.split("\t")[0].startswith("postgresql://postgres@127.0.0.1")
    assert "counts" in cli("describe", uid).stdout


def test_an_export_whose_rows_refer_to_missing_rows_is_refused(lab: Path) -> None:
    import hashlib

    import pyarrow as pa
    import pyarrow.parquet as pq

    ln.setup.export_db(lab / "dump")
    path = lab / "dump" / "lineagedb_artifact.parquet"
    table = pq.read_table(path)
    column = table.column_names.index("storage_id")
    missing = pa.array([999] * table.num_rows, pa.int64())  # no storage has this id
    pq.write_table(table.set_column(column, "storage_id", missing), path)
    manifest = json.loads((lab / "dump" / "manifest.json").read_text())
    for entry in manifest["tables"]:  # a consistent export, but for the bad references
        if entry["table"] == "lineagedb_artifact":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (lab / "dump" / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(InvalidArgument, match="refer to rows that are not there"):
        ln.setup.import_db(lab / "dump", storage=str(lab / "copy"), name="copy")
    assert not (lab / "copy" / ".lineagedb" / "lineagedb.sqlite3").exists()  # dropped
    assert ln.setup.settings.instance.name == "data"
    assert ln.Artifact.filter(description="cells").count() == 1
