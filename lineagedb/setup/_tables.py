"""Every table of an instance as rows of Python values: read from one database, written
to another or to Parquet files (``db move``, ``db export``, ``db import``).

Rows are read through the models (the database's own conversions: SQLite's 0/1 become
bools, its text timestamps aware datetimes) and written with each field's preparation for
the target database, so the same values land on SQLite and PostgreSQL alike. ``id``s are
copied as they are: every link, version family and run history stays as it was. Foreign
keys are checked at commit on both databases (Django creates them deferred), so tables go
in any order inside one transaction.

Example:
    >>> "lineagedb_artifact" in [model._meta.db_table for model in copied_models()]
    True
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.db import connections
from django.db.models import Field, Model

from lineagedb.errors import InvalidArgument

# Rows per read and per write: 20,000 rows of an artifact are ~10 MB of Python objects.
BATCH = 20_000


def copied_models() -> list[type[Model]]:
    """The models whose tables hold an instance's data, link tables included: every
    installed app's (core and the connected instance's modules).

    Example:
        >>> from lineagedb.models import Run
        >>> Run.input_artifacts.through in copied_models()  # a link table
        True
    """
    from django.apps import apps

    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def columns(model: type[Model]) -> list[Field[Any, Any]]:
    """The concrete fields of ``model``, in table order.

    Example:
        >>> from lineagedb.models import User
        >>> [field.column for field in columns(User)][:3]
        ['id', 'uid', 'handle']
    """
    return list(model._meta.concrete_fields)


def read_rows(model: type[Model], using: str) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of ``model``'s table in ``using``, in batches, by ascending ``id``.

    Example:
        >>> from lineagedb.models import User
        >>> next(read_rows(User, "default"))[0][1]
        '00000000'
    """
    names = [field.attname for field in columns(model)]
    query = model._base_manager.using(using).order_by("pk").values_list(*names)
    batch: list[tuple[Any, ...]] = []
    for row in query.iterator(chunk_size=BATCH):
        batch.append(row)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def write_rows(model: type[Model], using: str, batches: Iterable[list[tuple[Any, ...]]]) -> int:
    """Insert rows (as :func:`read_rows` gives them) into ``model``'s table in ``using``;
    return how many. The caller holds the transaction.

    Example:
        >>> write_rows(User, "move-target", read_rows(User, "default"))  # doctest: +SKIP
        2
    """
    connection = connections[using]
    fields = columns(model)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(field.column) for field in fields)
    # Only these need the field's preparation (JSON as text or psycopg's Jsonb, SQLite's
    # timestamps as UTC text); the drivers take ints, text, floats and bools as they are.
    prepared_at = [
        (index, field.get_db_prep_save)
        for index, field in enumerate(fields)
        if field.get_internal_type() in _PREPARED
    ]
    written = 0
    with connection.cursor() as cursor:
        for batch in batches:
            rows = batch
            if prepared_at:
                rows = []
                for row in batch:
                    values = list(row)
                    for index, prepare in prepared_at:
                        values[index] = prepare(values[index], connection)
                    rows.append(tuple(values))
            if connection.vendor == "postgresql":
                # COPY: ~10x executemany's rows per second (one stream, no round trips).
                with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["%s"] * len(fields))
                cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({placeholders})", rows)
            written += len(rows)
    return written


_PREPARED = {
    "JSONField",
    "DateTimeField",
    "DateField",
    "TimeField",
    "DurationField",
    "DecimalField",
    "UUIDField",
    "BinaryField",
}


@contextlib.contextmanager
def bulk_load(using: str, models: list[type[Model]]) -> Iterator[None]:
    """Meanwhile, PostgreSQL's secondary indexes of ``models``' tables are dropped (built
    again after, in one pass each: a trigram index kept up row by row took most of a
    copy's time), and, for a superuser, foreign keys go unchecked (the rows come from a
    database that checked them). SQLite: the full-text tables' triggers wait too (the
    full-text tables are rebuilt from the rows after), and, when the caller turned foreign
    keys off for the load (:func:`unchecked_foreign_keys`), every row's keys are checked
    once at the end instead. The caller holds the transaction.

    Example:
        >>> with bulk_load("default", copied_models()):
        ...     pass
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        with _sqlite_bulk_load(connection, [model._meta.db_table for model in models]):
            yield
        return
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('is_superuser') = 'on'")
        superuser = cursor.fetchone()[0]
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = current_schema() "
            "AND tablename = ANY(%s) AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            [tables],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    yield
    with connection.cursor() as cursor:
        for _, definition in found:
            cursor.execute(definition)
        if superuser:
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")


@contextlib.contextmanager
def unchecked_foreign_keys(using: str) -> Iterator[None]:
    """SQLite's foreign keys off for ``using`` meanwhile (outside any transaction: SQLite
    ignores the switch inside one); :func:`bulk_load` checks them all at its end. With
    them on, a row inserted into a table other rows refer to looks those rows up: without
    their indexes (dropped during the load), once per row through the whole table.

    Example:
        >>> with unchecked_foreign_keys("default"):
        ...     pass
    """
    connection = connections[using]
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA foreign_keys = ON")


@contextlib.contextmanager
def _sqlite_bulk_load(connection: Any, tables: list[str]) -> Iterator[None]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA foreign_keys")
        checked = bool(cursor.fetchone()[0])
        kinds = "('trigger')" if checked else "('index', 'trigger')"  # indexes serve the checks
        marks = ", ".join(["%s"] * len(tables))
        cursor.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
            f"AND type IN {kinds} AND tbl_name IN ({marks})",
            tables,
        )
        found = cursor.fetchall()
        for kind, name, _, _ in found:
            cursor.execute(f"DROP {kind.upper()} {quote(name)}")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'")
        full_text = {name for (name,) in cursor.fetchall()}
        for table in sorted({table for _, _, table, _ in found}):
            if f"{table}_fts" in full_text:  # read anew from the copied rows, once
                cursor.execute(f"INSERT INTO {table}_fts({table}_fts) VALUES ('rebuild')")
        for _, _, _, sql in found:  # the indexes and triggers, as they were
            cursor.execute(sql)
        if not checked:
            cursor.execute("PRAGMA foreign_key_check")
            broken = cursor.fetchall()
            if broken:  # (table, rowid, table referred to, key index)
                shown = ", ".join(f"{t} row {r} → {p}" for t, r, p, _ in broken[:5])
                raise InvalidArgument(
                    f"{len(broken)} copied row(s) refer to rows that are not there ({shown}): "
                    "nothing was written."
                )


def reset_sequences(using: str, models: list[type[Model]]) -> None:
    """Point PostgreSQL's id sequences past the copied ids (SQLite follows by itself).

    Example:
        >>> reset_sequences("default", copied_models())
    """
    from django.core.management.color import no_style

    connection = connections[using]
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def lock_tables(using: str, models: list[type[Model]]) -> None:
    """Keep writers out of ``using`` until its transaction ends; readers go on.

    SQLite: the transaction's write lock (``BEGIN IMMEDIATE``) does it already.
    PostgreSQL: every table in ``SHARE`` mode.

    Example:
        >>> from django.db import transaction
        >>> with transaction.atomic():
        ...     lock_tables("default", copied_models())
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    tables = ", ".join(quote(model._meta.db_table) for model in models)
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {tables} IN SHARE MODE")


def seal(using: str, models: list[type[Model]], message: str) -> None:
    """Make every write to ``models``' tables in ``using`` fail with ``message`` (triggers
    run for connections opened before as for new ones). The caller holds the transaction.

    Example:
        >>> seal("move-source", copied_models(), "instance lab moved")  # doctest: +SKIP
    """
    connection = connections[using]
    quote = connection.ops.quote_name
    text = message.replace("'", "''")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION lineagedb_moved() RETURNS trigger AS $$ BEGIN "
                f"RAISE EXCEPTION '%', '{text}'; END $$ LANGUAGE plpgsql"
            )
        for model in models:
            table = model._meta.db_table
            if connection.vendor == "postgresql":
                cursor.execute(
                    f"CREATE TRIGGER {quote(table + '_moved')} BEFORE INSERT OR UPDATE OR "
                    f"DELETE ON {quote(table)} FOR EACH STATEMENT "
                    "EXECUTE FUNCTION lineagedb_moved()"
                )
                continue
            for action in ("INSERT", "UPDATE", "DELETE"):
                name = quote(f"{table}_moved_{action.lower()}")
                cursor.execute(
                    f"CREATE TRIGGER {name} BEFORE {action} ON {quote(table)} "
                    f"BEGIN SELECT RAISE(ABORT, '{text}'); END"
                )


def count_rows(using: str, models: list[type[Model]]) -> dict[str, int]:
    """Table → its number of rows in ``using``.

    Example:
        >>> count_rows("default", copied_models())["lineagedb_user"] >= 1
        True
    """
    return {model._meta.db_table: model._base_manager.using(using).count() for model in models}


def arrow_type(field: Field[Any, Any]) -> Any:
    """The Parquet (pyarrow) type that holds ``field``'s values: JSON as its text.

    Example:
        >>> from lineagedb.models import Artifact
        >>> str(arrow_type(Artifact._meta.get_field("created_at")))
        'timestamp[us, tz=UTC]'
    """
    import pyarrow as pa

    kind = field.get_internal_type()
    while kind in ("ForeignKey", "OneToOneField"):
        field = field.target_field  # type: ignore[attr-defined]
        kind = field.get_internal_type()
    if kind.endswith("IntegerField") or kind.endswith("AutoField"):
        return pa.int64()
    return {
        "BooleanField": pa.bool_(),
        "DateTimeField": pa.timestamp("us", tz="UTC"),
        "DateField": pa.date32(),
        "FloatField": pa.float64(),
        "BinaryField": pa.binary(),
    }.get(kind, pa.string())


def to_arrow(model: type[Model], batch: list[tuple[Any, ...]]) -> Any:
    """One batch of rows as a pyarrow Table (JSON fields as text).

    Example:
        >>> from lineagedb.models import User
        >>> to_arrow(User, next(read_rows(User, "default"))).num_rows >= 1
        True
    """
    import pyarrow as pa

    fields = columns(model)
    arrays = []
    for index, field in enumerate(fields):
        values = [row[index] for row in batch]
        if field.get_internal_type() == "JSONField":
            values = [None if value is None else json.dumps(value) for value in values]
        arrays.append(pa.array(values, type=arrow_type(field)))
    return pa.Table.from_arrays(arrays, names=[field.column for field in fields])


def from_arrow(model: type[Model], table: Any) -> list[tuple[Any, ...]]:
    """The rows of a pyarrow Table written by :func:`to_arrow`, as :func:`read_rows` gives.

    Example:
        >>> from lineagedb.models import User
        >>> rows = next(read_rows(User, "default"))
        >>> from_arrow(User, to_arrow(User, rows)) == rows
        True
    """
    fields = columns(model)
    names = [field.column for field in fields]
    if table.column_names != names:
        raise ValueError(f"columns {table.column_names} where {model._meta.db_table} has {names}")
    data = []
    for field in fields:
        values = table.column(field.column).to_pylist()
        if field.get_internal_type() == "JSONField":
            values = [None if value is None else json.loads(value) for value in values]
        data.append(values)
    return list(zip(*data, strict=True))
