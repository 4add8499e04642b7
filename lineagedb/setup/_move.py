"""Instances that move: to PostgreSQL and back in one step, or through Parquet files.

``ln.setup.move_db(to=...)`` copies every table of the connected instance (core and its
modules) into an empty database, checks the row counts inside the copy's transaction,
repoints the instance's settings, connects to the new database and re-checks every
artifact's bytes. The bytes never move: storage roots and keys are the same, as are uids,
ids, versions, links and run history. The old database is kept (a SQLite file renamed
beside itself, so that a later move back finds its place free) until the user removes it,
sealed: every write to it fails, naming where the instance went, so that a process still
connected to it cannot save into a database nobody reads any more.

Through Parquet files instead: ``setup/_dump.py`` (``export_db``, ``import_db``), which
fills a new database with this module's helpers.

While a move or export reads, writers wait (SQLite's write lock; PostgreSQL's tables locked
in ``SHARE`` mode): no row written meanwhile can be left behind.

Example:
    >>> import lineagedb as ln
    >>> ln.setup.move_db(to="postgresql://me@127.0.0.1:5432/lab")  # doctest: +SKIP
    ✓ moved instance lab-data to postgresql://me@127.0.0.1:5432/lab: 36 tables, 1,204 rows
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lineagedb._base.logger import logger
from lineagedb._base.session import session
from lineagedb.errors import InstanceError, InvalidArgument, StorageMismatch
from lineagedb.setup._instance import InstanceSettings, postgres_database
from lineagedb.setup._modules import resolve_all

_TARGET = "move-target"


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
    target = replace(source, db=database_url(to))
    if target.db == source.db:
        raise InvalidArgument(
            f"Instance {source.name!r} is on {source.db_display} already: nothing to move."
        )
    refuse_unless_empty(target)
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
                clear(using, models)
                with bulk_load(using, models):
                    rows = {
                        model._meta.db_table: write_rows(model, using, read_rows(model, "default"))
                        for model in models
                    }
                finish_copy(using, models, rows)
                seal("default", models, f"instance {source.name} moved to {target.db_display}")
        except BaseException:
            drop_tables(using, target)
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


def database_url(to: str) -> str | None:
    """The ``db`` setting for ``to``: None for SQLite, the checked URL for PostgreSQL.

    Example:
        >>> database_url("sqlite") is None
        True
    """
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


def refuse_unless_empty(target: InstanceSettings) -> None:
    """Raise unless ``target``'s database has no table at all (nothing is copied over data).

    Example:
        >>> import tempfile
        >>> refuse_unless_empty(InstanceSettings(name="new", storage_root=tempfile.mkdtemp()))
    """
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


def clear(using: str, models: list[Any]) -> None:
    """Remove the rows a new database's migrations wrote: the copy brings its own.

    Example:
        >>> clear("move-target", copied_models())  # doctest: +SKIP
    """
    from django.db import connections

    quote = connections[using].ops.quote_name
    with connections[using].cursor() as cursor:
        for model in models:
            cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")


def finish_copy(using: str, models: list[Any], expected: dict[str, int]) -> None:
    """Sequences past the copied ids, and every table's row count as expected (else the
    copy's transaction rolls back).

    Example:
        >>> finish_copy("move-target", models, {"lineagedb_user": 2})  # doctest: +SKIP
    """
    from lineagedb.setup._tables import count_rows, reset_sequences

    reset_sequences(using, models)
    counted = count_rows(using, models)
    wrong = {
        table: (rows, counted[table]) for table, rows in expected.items() if counted[table] != rows
    }
    if wrong:
        raise InstanceError(f"Row counts differ after the copy (table: expected, found): {wrong}")


def drop_tables(using: str, target: InstanceSettings) -> None:
    """Leave the target as empty as it was found (the copy failed).

    Example:
        >>> drop_tables("move-target", target)  # doctest: +SKIP
    """
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
