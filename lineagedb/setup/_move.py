"""Instances that move: to PostgreSQL and back in one step, or through Parquet files.

``ln.setup.move_db(to=...)`` copies every table of the connected instance (core and its
modules) into an empty database, checks the row counts inside the copy's transaction,
repoints the instance's settings, connects to the new database and re-checks every
artifact's bytes. The bytes never move: storage roots and keys are the same, as are uids,
ids, versions, links and run history. The old database is kept (a SQLite file renamed
beside itself, so that a later move back finds its place free) until the user removes it,
sealed: every write to it fails, naming where the instance went, so that a process still
connected to it cannot save into a database nobody reads any more.

``export_db(folder)`` writes each table as a Parquet file with a manifest (schema
migrations, modules, row counts, SHA-256 of each file); ``import_db(folder, ...)`` builds
a new instance from such a folder.

While a move or export reads, writers wait (SQLite's write lock; PostgreSQL's tables locked
in ``SHARE`` mode): no row written meanwhile can be left behind.

Example:
    >>> import lineagedb as ln
    >>> ln.setup.move_db(to="postgresql://me@127.0.0.1:5432/lab")  # doctest: +SKIP
    ✓ moved instance lab-data to postgresql://me@127.0.0.1:5432/lab: 36 tables, 1,204 rows
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagedb._base.config import instance_file, validate_name
from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InstanceError, InvalidArgument, StorageMismatch
from lineagedb.setup._instance import InstanceSettings, postgres_database
from lineagedb.setup._modules import resolve_all

_TARGET = "move-target"
FORMAT = "lineagedb-db-export"
MANIFEST = "manifest.json"


@dataclass
class MoveReport:
    """What a move or an import did.

    Example:
        >>> MoveReport(database="sqlite:///x", rows={"lineagedb_user": 1}).total
        1
    """

    database: str  # where the instance's metadata is now (password masked)
    rows: dict[str, int]  # table → rows copied
    kept: str | None = None  # where the old database is kept
    mismatched: list[str] = field(default_factory=list)  # artifacts whose bytes differ
    seconds: float = 0.0

    @property
    def total(self) -> int:
        """Rows copied, all tables together."""
        return sum(self.rows.values())


def move_db(to: str, *, verify_bytes: bool = True) -> MoveReport:
    """Move the connected instance's database to ``to``: ``"postgresql://..."`` (an empty
    database) or ``"sqlite"`` (the embedded file). Processes still connected to the old
    database get an error naming the new one on their next write (it is sealed).

    Args:
        to: The new database.
        verify_bytes: Re-check every artifact's bytes against its record after the move
            (``artifact.verify()``); mismatches are reported, not undone.

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.move_db(to="postgresql://me@127.0.0.1:5432/lab")  # doctest: +SKIP
        ✓ moved instance lab-data to postgresql://me@127.0.0.1:5432/lab: 36 tables, 1,204 rows
        >>> ln.setup.move_db(to="sqlite")  # and back  # doctest: +SKIP
    """
    from django.db import transaction

    from lineagedb.setup._connect import connect
    from lineagedb.setup._django import create_tables
    from lineagedb.setup._tables import (
        bulk_load,
        copied_models,
        lock_tables,
        read_rows,
        seal,
        unchecked_foreign_keys,
        write_rows,
    )

    session.ensure_connected()
    source = session.instance
    assert source is not None
    target = replace(source, db=_database_url(to))
    if target.db == source.db:
        raise InvalidArgument(
            f"Instance {source.name!r} is on {source.db_display} already: nothing to move."
        )
    _refuse_unless_empty(target)
    session.tracked.wait_for_environment()  # its thread writes to the current database
    start = time.perf_counter()
    models = copied_models()
    with _database(target) as using:
        try:
            create_tables(using, resolve_all(source.modules, extras=False))
            with (
                unchecked_foreign_keys(using),
                transaction.atomic(),
                transaction.atomic(using=using),
            ):
                lock_tables("default", models)
                _clear(using, models)
                with bulk_load(using, models):
                    rows = {
                        model._meta.db_table: write_rows(model, using, read_rows(model, "default"))
                        for model in models
                    }
                _finish_copy(using, models, rows)
                seal("default", models, f"instance {source.name} moved to {target.db_display}")
        except BaseException:
            _drop_tables(using, target)
            raise
    # The copy is committed (and the old database sealed): from here on, go forward.
    _checkpoint("default")
    kept = _keep_old(source)
    target.save()
    connect(target.name, quiet=True)
    report = MoveReport(target.db_display, rows, kept, _verify(verify_bytes))
    report.seconds = time.perf_counter() - start
    logger.success(
        f"moved instance {target.name} to {target.db_display}: {len(rows)} tables, "
        f"{report.total:,} rows in {report.seconds:.1f} s; the old database is kept at {kept}"
    )
    return report


def export_db(folder: str | Path) -> Path:
    """Write every table of the connected instance as Parquet into ``folder`` (new or
    empty), with ``manifest.json``; return the manifest's path.

    Example:
        >>> import lineagedb as ln, tempfile
        >>> folder = Path(tempfile.mkdtemp()) / "dump"
        >>> ln.setup.export_db(folder).name
        'manifest.json'
    """
    import pyarrow.parquet as pq
    from django.db import transaction

    from lineagedb.setup._django import shipped_migrations
    from lineagedb.setup._tables import (
        arrow_type,
        columns,
        copied_models,
        lock_tables,
        read_rows,
        to_arrow,
    )

    session.ensure_connected()
    instance = session.instance
    assert instance is not None
    out = Path(folder)
    if out.exists() and any(out.iterdir()):
        raise InvalidArgument(f"{str(out)!r} is not empty: export into a new or empty folder.")
    out.mkdir(parents=True, exist_ok=True)
    import pyarrow as pa

    tables = []
    with transaction.atomic():
        lock_tables("default", copied_models())
        for model in copied_models():
            table = model._meta.db_table
            schema = pa.schema([(f.column, arrow_type(f)) for f in columns(model)])
            path = out / f"{table}.parquet"
            rows = 0
            with pq.ParquetWriter(path, schema) as writer:
                for batch in read_rows(model, "default"):
                    writer.write_table(to_arrow(model, batch))
                    rows += len(batch)
                if rows == 0:
                    writer.write_table(schema.empty_table())
            tables.append(
                {"table": table, "file": path.name, "rows": rows, "sha256": _sha256(path)}
            )
    modules = resolve_all(instance.modules, extras=False)
    manifest = {
        "format": FORMAT,
        "format_version": 1,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "instance": {
            "name": instance.name,
            "storage_root": instance.storage_root,
            "modules": list(instance.modules),
        },
        "migrations": {app: sorted(names) for app, names in shipped_migrations(modules).items()},
        "tables": tables,
    }
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    total = sum(entry["rows"] for entry in tables)
    logger.success(f"exported instance {instance.name}: {len(tables)} tables, {total:,} rows")
    return path


def import_db(
    folder: str | Path,
    *,
    db: str | None = None,
    storage: str | None = None,
    name: str | None = None,
) -> MoveReport:
    """Build a new instance from a folder ``export_db`` wrote, and connect to it.

    Args:
        folder: The export (its ``manifest.json`` is checked, and every file's SHA-256).
        db: ``postgresql://...`` (an empty database), or None for the embedded SQLite file.
        storage: The new instance's default storage root (default: the exported one's).
            Artifacts keep their own storage: their bytes are read where they are.
        name: The new instance's name (default: the exported one's).

    Example:
        >>> import lineagedb as ln
        >>> ln.setup.import_db("dump", db="postgresql://me@127.0.0.1/lab2")  # doctest: +SKIP
    """
    from django.db import transaction

    from lineagedb.setup._connect import connect
    from lineagedb.setup._django import configure, shipped_migrations
    from lineagedb.setup._tables import (
        bulk_load,
        copied_models,
        from_arrow,
        unchecked_foreign_keys,
        write_rows,
    )
    from lineagedb.storage.paths import normalize_root

    source = Path(folder)
    manifest = _read_manifest(source)
    exported = manifest["instance"]
    modules = resolve_all(exported["modules"])
    ours = {app: sorted(names) for app, names in shipped_migrations(modules).items()}
    if manifest["migrations"] != ours:
        raise InvalidArgument(
            f"The export in {str(source)!r} has another schema than this lineagedb's (its "
            "migrations differ): import it with the lineagedb that exported it, connect once "
            "with this one to migrate it, and export again."
        )
    target = InstanceSettings(
        name=validate_name(name or exported["name"]),
        storage_root=normalize_root(storage or exported["storage_root"]),
        db=None if db is None else _database_url(db),
        modules=tuple(exported["modules"]),
    )
    if instance_file(target.name).exists():
        raise InvalidArgument(
            f"An instance named {target.name!r} exists on this machine: pass another name."
        )
    _refuse_unless_empty(target)
    start = time.perf_counter()
    previous = session.instance
    configure(target)  # the tables, and the models of its modules
    try:
        import pyarrow.parquet as pq

        models = {model._meta.db_table: model for model in copied_models()}
        unknown = [e["table"] for e in manifest["tables"] if e["table"] not in models]
        if unknown:
            raise InvalidArgument(f"The export has tables this instance lacks: {unknown}.")
        rows = {}
        with (
            unchecked_foreign_keys("default"),
            transaction.atomic(),
            bulk_load("default", list(models.values())),
        ):
            _clear("default", list(models.values()))
            for entry in manifest["tables"]:
                model = models[entry["table"]]
                batches = (
                    from_arrow(model, batch_table)
                    for batch_table in _batches(pq.ParquetFile(source / entry["file"]))
                )
                rows[entry["table"]] = write_rows(model, "default", batches)
            expected = {e["table"]: e["rows"] for e in manifest["tables"]}
            _finish_copy("default", list(models.values()), expected)
    except BaseException:
        _drop_tables("default", target)
        _back_to(previous)
        raise
    target.save()
    connect(target.name, quiet=True)
    report = MoveReport(target.db_display, rows, seconds=time.perf_counter() - start)
    logger.success(
        f"imported instance {target.name} into {target.db_display}: {len(rows)} tables, "
        f"{report.total:,} rows"
    )
    return report


def _database_url(to: str) -> str | None:
    """The ``db`` setting for ``to``: None for SQLite, the checked URL for PostgreSQL."""
    if to in ("sqlite", "sqlite3"):
        return None
    postgres_database(to)  # a clear error for anything else
    return to


def _table_names(instance: InstanceSettings) -> list[str]:
    """The tables ``instance``'s database has now (none for a SQLite file not yet made)."""
    if instance.db is None:
        import sqlite3

        if not instance.sqlite_path.exists():
            return []
        with contextlib.closing(sqlite3.connect(instance.sqlite_path)) as connection:
            found = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            return [name for (name,) in found]
    import psycopg

    try:
        with psycopg.connect(instance.db, connect_timeout=10) as server:
            listed = server.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
            return [name for (name,) in listed]
    except psycopg.OperationalError as error:
        raise InstanceError(
            f"Cannot open the database {instance.db_display}: {str(error).strip()}. Create it "
            "(createdb) and check that the server runs and the URL is right."
        ) from None


def _refuse_unless_empty(target: InstanceSettings) -> None:
    tables = _table_names(target)
    if tables:
        where = target.sqlite_path if target.db is None else target.db_display
        shown = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise InvalidArgument(
            f"The database {where} is not empty ({len(tables)} tables: {shown}): nothing was "
            "copied. Give an empty database, or remove that one first."
        )


@contextlib.contextmanager
def _database(instance: InstanceSettings) -> Iterator[str]:
    """``instance``'s database as a Django alias beside the connected one, meanwhile."""
    from django.db import connections

    if instance.db is None:
        instance.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    given = {"default": dict(connections.settings["default"]), _TARGET: instance.django_database()}
    connections.settings[_TARGET] = connections.configure_settings(given)[_TARGET]
    try:
        yield _TARGET
    finally:
        connections[_TARGET].close()
        del connections.settings[_TARGET]
        with contextlib.suppress(AttributeError):
            delattr(connections._connections, _TARGET)


def _clear(using: str, models: list[Any]) -> None:
    """Remove the rows a new database's migrations wrote: the copy brings its own."""
    from django.db import connections

    quote = connections[using].ops.quote_name
    with connections[using].cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")


def _finish_copy(using: str, models: list[Any], expected: dict[str, int]) -> None:
    """Sequences past the copied ids, and every table's row count as expected (else the
    copy's transaction rolls back)."""
    from lineagedb.setup._tables import count_rows, reset_sequences

    reset_sequences(using, models)
    counted = count_rows(using, models)
    wrong = {
        table: (rows, counted[table]) for table, rows in expected.items() if counted[table] != rows
    }
    if wrong:
        raise InstanceError(f"Row counts differ after the copy (table: expected, found): {wrong}")


def _drop_tables(using: str, target: InstanceSettings) -> None:
    """Leave the target as empty as it was found (the copy failed)."""
    from django.db import connections

    connections[using].close()
    if target.db is None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{target.sqlite_path}{suffix}").unlink(missing_ok=True)
        return
    import psycopg

    with psycopg.connect(target.db, autocommit=True) as connection:
        for name in _table_names(target):
            connection.execute(f'DROP TABLE IF EXISTS "{name}" CASCADE')


def _checkpoint(using: str) -> None:
    """Fold SQLite's write-ahead log into the file, so the file alone is the database."""
    from django.db import DatabaseError, connections

    if connections[using].vendor == "sqlite":
        try:
            with connections[using].cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except DatabaseError as error:  # the log is renamed with the file: nothing lost
            logger.warning(f"could not fold the old database's log into it: {error}")


def _keep_old(source: InstanceSettings) -> str:
    """Where the old database stays: a SQLite file is renamed beside itself."""
    if source.db is not None:
        return f"{source.db_display} (drop it when you no longer need it)"
    from lineagedb.setup._django import disconnect

    disconnect()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = source.sqlite_path
    kept = path.with_name(f"{path.stem}-moved-{stamp}{path.suffix}")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(f"{path}{suffix}"):
            os.replace(f"{path}{suffix}", f"{kept}{suffix}")
    return str(kept)


def _verify(verify_bytes: bool) -> list[str]:
    """The uids of artifacts whose bytes differ from their records (after the move)."""
    if not verify_bytes:
        return []
    from lineagedb.errors import PathNotFound
    from lineagedb.models import Artifact

    mismatched = []
    for artifact in Artifact.objects.all().iterator():
        try:
            artifact.verify()
        except (StorageMismatch, PathNotFound, FileNotFoundError):
            mismatched.append(artifact.uid)
    if mismatched:
        logger.warning(
            f"{len(mismatched)} artifact(s) differ from their stored bytes (before the move "
            f"as after it): {', '.join(mismatched[:5])}; check them with artifact.verify()"
        )
    return mismatched


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / MANIFEST
    if not path.exists():
        raise InvalidArgument(
            f"{str(folder)!r} has no {MANIFEST}: give a folder that `lineagedb db export` wrote."
        )
    manifest: dict[str, Any] = json.loads(path.read_text())
    if manifest.get("format") != FORMAT or manifest.get("format_version") != 1:
        raise InvalidArgument(f"{str(path)!r} is not a lineagedb export (format {FORMAT} 1).")
    for entry in manifest["tables"]:
        file = folder / entry["file"]
        if not file.exists() or _sha256(file) != entry["sha256"]:
            raise InvalidArgument(
                f"{str(file)!r} is missing or differs from the manifest's checksum: the "
                "export is incomplete or was changed; export again."
            )
    return manifest


def _batches(parquet: Any) -> Iterator[Any]:
    import pyarrow as pa

    for batch in parquet.iter_batches(batch_size=20_000):
        yield pa.Table.from_batches([batch])


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _back_to(previous: InstanceSettings | None) -> None:
    """Reconnect to the instance connected before a failed import (or to none)."""
    from lineagedb.setup._connect import connect
    from lineagedb.setup._django import disconnect

    if previous is None:
        disconnect()
        session.set(None, None, None)
    else:
        connect(previous.name, quiet=True)
