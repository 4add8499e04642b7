"""A new database gets its schema from the recorded snapshot; the snapshot is what the
migrations do, and the schema it makes is the schema the migrations make.

`make schema-snapshots` records the snapshots again (LINEAGEDB_RECORD_SNAPSHOTS=1).
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from pathlib import Path
from typing import Any

import pytest

import lineagedb as ln
from lineagedb.setup import _django, _schema
from lineagedb.setup._schema import Snapshot, read_snapshot, recording, write_snapshot

RECORD = os.environ.get("LINEAGEDB_RECORD_SNAPSHOTS") == "1"
PACKAGES = {"lineagedb": "lineagedb.models.migrations", "bionty": "lineagedb.bionty.migrations"}


def _empty_database(request: pytest.FixtureRequest, database: str | None) -> str | None:
    """A database with no tables at all (the `database` fixture's is migrated already)."""
    if database is None:
        return None
    server = request.getfixturevalue("postgres_server")
    name = f"e_{uuid.uuid4().hex[:12]}"
    server.execute(f"CREATE DATABASE {name}")
    return str(server.url(name))


def _catalog(database: str | None, root: Path) -> dict[str, Any]:
    """Everything a schema consists of, as the database describes it."""
    from django.db import connection

    if database is None:
        with sqlite3.connect(root / ".lineagedb" / "lineagedb.sqlite3") as sqlite:
            objects = sqlite.execute(
                "SELECT type, name, tbl_name, sql FROM sqlite_master "
                "WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name"
            ).fetchall()
            migrations = sqlite.execute("SELECT app, name FROM django_migrations").fetchall()
        return {"objects": objects, "migrations": sorted(migrations)}
    queries = {
        "columns": "SELECT table_name, column_name, data_type, is_nullable, column_default, "
        "ordinal_position FROM information_schema.columns WHERE table_schema = 'public'",
        "indexes": "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = 'public'",
        "constraints": "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
        "FROM pg_constraint WHERE connamespace = 'public'::regnamespace",
        "triggers": "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal",
        "extensions": "SELECT extname FROM pg_extension",
        "sequences": "SELECT sequence_name FROM information_schema.sequences",
        "migrations": "SELECT app, name FROM django_migrations",
    }
    found = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql)
            found[name] = sorted(map(tuple, cursor.fetchall()))
    return found


def test_snapshots_are_what_the_migrations_run_and_make_the_same_schema(
    request: pytest.FixtureRequest,
    database: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.core.management import call_command
    from django.db import connection

    vendor = "sqlite" if database is None else "postgresql"
    recorded: dict[str, Snapshot] = {}

    def migrate_recording(label: str, package: str, shipped: set[str]) -> None:
        with recording(connection) as statements:
            call_command("migrate", label, verbosity=0, interactive=False)
        recorded[package] = Snapshot(sorted(shipped), statements)

    # The slow way, recorded: every migration through Django's machinery.
    with monkeypatch.context() as patched:
        patched.setattr(_django, "_migrate_app", migrate_recording)
        ln.setup.init(storage=tmp_path / "migrated", db=_empty_database(request, database))
        ln.setup.add_module("bionty")
        migrated = _catalog(database, tmp_path / "migrated")
    assert set(recorded) == set(PACKAGES.values())
    for package, snapshot in recorded.items():
        if RECORD:
            write_snapshot(package, vendor, snapshot)
            continue
        shipped = read_snapshot(package, vendor)
        assert shipped is not None, f"no snapshot for {package}: run `make schema-snapshots`"
        assert shipped.migrations == snapshot.migrations, "run `make schema-snapshots`"
        assert shipped.statements == snapshot.statements, "run `make schema-snapshots`"

    # The fast way: a new database from the snapshots, with nothing migrated by Django.
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a new database was migrated instead of taking the snapshot")

    monkeypatch.setattr("django.core.management.call_command", refuse)
    ln.setup.init(storage=tmp_path / "snapshot", db=_empty_database(request, database))
    ln.setup.add_module("bionty")
    assert _catalog(database, tmp_path / "snapshot") == migrated
    # And it works: an artifact with a label and a search through the search index.
    artifact = ln.Artifact(str(Path(__file__)), key="tests/test_schema.py").save()
    artifact.labels.add(ln.ULabel(name="schema").save())
    assert ln.Artifact.search("test_schema").shape[0] == 1


def test_an_existing_database_migrates_forward_through_django(
    request: pytest.FixtureRequest, database: str | None, tmp_path: Path
) -> None:
    """A database some migrations behind (an older release's) gets the rest by migrating."""
    from django.core.management import call_command

    names = read_snapshot(PACKAGES["lineagedb"], "sqlite")
    assert names is not None
    *older, last = names.migrations
    ln.setup.init(storage=tmp_path / "data", db=_empty_database(request, database))
    call_command("migrate", "lineagedb", older[-1], verbosity=0, interactive=False)
    applied = {name for app, name in _django._applied_migrations() if app == "lineagedb"}
    assert last not in applied and older[-1] in applied
    _django.migrate()  # what every connect runs
    assert ("lineagedb", last) in _django._applied_migrations()


def test_a_snapshot_naming_other_migrations_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A migration added without recording the snapshot again: migrating, slow but right."""
    original = _schema.read_snapshot

    def stale(package: str, vendor: str) -> Snapshot | None:
        snapshot = original(package, vendor)
        assert snapshot is not None
        return Snapshot(snapshot.migrations[:-1], snapshot.statements)

    migrated: list[str] = []
    monkeypatch.setattr(_schema, "read_snapshot", stale)
    from django.core import management

    call_command = management.call_command

    def counting(name: str, label: str, *args: Any, **kwargs: Any) -> None:
        migrated.append(label)
        call_command(name, label, *args, **kwargs)

    monkeypatch.setattr(management, "call_command", counting)
    ln.setup.init(storage=tmp_path / "data")
    assert migrated == ["lineagedb"]
    assert ln.Artifact.filter().count() == 0
