"""A new database's schema in one step: the SQL its migrations run, recorded once per release.

Applying the shipped migrations through Django's migration machinery took
1.3 s of a 1.6 s ``init``, nearly all of it rendering model states in
Python, not running SQL. So the statements those migrations execute on an
empty database are recorded (``make schema-snapshots``), per app and
database vendor, next to the migrations (``migrations/snapshot.<vendor>.json``).
An app none of whose migrations are applied gets them in one transaction,
and its migrations are marked applied; a database with some applied is
migrated forward by Django as before.

A snapshot is used only when it names exactly the shipped migrations: a
migration added without recording the snapshot again falls back to
migrating (slow, never wrong), and ``tests/setup/test_schema.py`` fails
until it is recorded.

Example:
    >>> snapshot = read_snapshot("lineagedb.models.migrations", "sqlite")
    >>> snapshot.migrations[:2]
    ['0001_initial', '0002_search_indexes']
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Statements a recording leaves out: reads, transaction control, and the
# bookkeeping rows of django_migrations (written anew when applied).
_SKIPPED = re.compile(
    r"^\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT|INSERT INTO \"django_migrations\")",
    re.IGNORECASE,
)


@dataclass
class Snapshot:
    """The migrations an app ships and the statements they run on an empty database."""

    migrations: list[str]
    statements: list[tuple[str, list[Any] | None]]


def snapshot_path(package: str, vendor: str) -> Path:
    """Where the snapshot of a migrations package for a vendor lies.

    Example:
        >>> snapshot_path("lineagedb.models.migrations", "sqlite").name
        'snapshot.sqlite.json'
    """
    folder = Path(importlib.import_module(package).__path__[0])
    return folder / f"snapshot.{vendor}.json"


def read_snapshot(package: str, vendor: str) -> Snapshot | None:
    """The recorded snapshot of ``package`` for ``vendor``, or None if none was recorded.

    Example:
        >>> read_snapshot("lineagedb.models.migrations", "oracle") is None
        True
    """
    path = snapshot_path(package, vendor)
    if not path.exists():
        return None
    data = json.loads(path.read_text())
    statements = [(sql, params) for sql, params in data["statements"]]
    return Snapshot(data["migrations"], statements)


def apply_snapshot(connection: Any, label: str, snapshot: Snapshot) -> None:
    """Run a snapshot's statements and mark its migrations applied, in one transaction.

    The caller holds the migration lock and has seen none of ``label``'s
    migrations applied.

    Example:
        >>> apply_snapshot(connection, "lineagedb", snapshot)  # doctest: +SKIP
    """
    from django.db import transaction

    now = datetime.now(UTC)
    if connection.vendor == "sqlite":
        now = now.replace(tzinfo=None)  # as Django stores it with USE_TZ on SQLite
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql, params in snapshot.statements:
            cursor.execute(sql, params)
        cursor.executemany(
            'INSERT INTO "django_migrations" ("app", "name", "applied") VALUES (%s, %s, %s)',
            [(label, name, now) for name in snapshot.migrations],
        )


@contextmanager
def recording(connection: Any) -> Iterator[list[tuple[str, list[Any] | None]]]:
    """Record the schema statements run on ``connection`` meanwhile (for a snapshot).

    SQLite: the statements that create the objects made meanwhile, as they
    stand at the end (``sqlite_master``, in creation order). Its migrations
    rebuild a table for most changes; replaying each rebuild took 0.14 s.
    PostgreSQL alters tables in place: the statements run, in order.

    Example:
        >>> with recording(connection) as statements:  # doctest: +SKIP
        ...     call_command("migrate", "lineagedb")
    """
    if connection.vendor == "sqlite":
        before = {name for name, _ in _sqlite_objects(connection)}
        final: list[tuple[str, list[Any] | None]] = []
        yield final
        final.extend((sql, None) for name, sql in _sqlite_objects(connection) if name not in before)
        return
    statements: list[tuple[str, list[Any] | None]] = []

    def record(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not _SKIPPED.match(sql):
            if many:
                statements.extend((sql, list(one)) for one in params)
            else:
                statements.append((sql, list(params) if params is not None else None))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        yield statements


def _sqlite_objects(connection: Any) -> list[tuple[str, str]]:
    """(name, sql) of a SQLite database's tables, indexes and triggers, oldest first; not
    SQLite's own, nor the shadow tables a full-text table makes for itself."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pragma_table_list WHERE type = 'shadow'")
        shadow = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
        return [(name, sql) for name, sql in cursor.fetchall() if name not in shadow]


def write_snapshot(package: str, vendor: str, snapshot: Snapshot) -> Path:
    """Write a snapshot next to the migrations of ``package`` (``make schema-snapshots``).

    Example:
        >>> write_snapshot("lineagedb.models.migrations", "sqlite", snapshot)  # doctest: +SKIP
    """
    path = snapshot_path(package, vendor)
    data = {"migrations": snapshot.migrations, "statements": snapshot.statements}
    path.write_text(json.dumps(data, indent=0) + "\n")
    return path
