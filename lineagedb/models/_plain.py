"""Plain SQL for the few queries that run once per saved file.

Django compiles every QuerySet anew (about 0.2 ms each here, 0.5 ms with an
ordering); the lookups a save makes for each file are fixed in shape, so
their SQL is written once per process and only the parameters change.
Names come from the models' metadata and are quoted by the connected
database; values are always parameters, never interpolated.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from django.db import connection, models

ModelT = TypeVar("ModelT", bound=models.Model)


# Keyed by the connection's vendor too: quoting and converters differ between databases.
@functools.cache
def _compose(
    vendor: str,
    meta: Any,  # the registry's _meta
    columns: tuple[str, ...],
    where: tuple[str, ...],
    order: tuple[str, ...],
) -> str:
    quote = connection.ops.quote_name
    fields = {field.name: field.column for field in meta.concrete_fields}
    fields.update({field.attname: field.column for field in meta.concrete_fields})
    selected = ", ".join(quote(fields[name]) for name in columns)
    conditions = " AND ".join(f"{quote(fields[name])} = %s" for name in where) or "1 = 1"
    ordering = ", ".join(
        f"{quote(fields[name.lstrip('-')])}{' DESC' if name.startswith('-') else ''}"
        for name in order
    )
    table = quote(meta.db_table)
    return f"SELECT {selected} FROM {table} WHERE {conditions} ORDER BY {ordering}"


def rows(
    model: type[models.Model],
    columns: tuple[str, ...],
    limit: int | None = None,
    order: tuple[str, ...] = ("id",),
    **where: Any,
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``model`` whose fields equal ``where``, by ``order``.

    Example:
        >>> rows(ln.Artifact, ("id",), limit=1, hash=artifact.hash) == [(artifact.pk,)]
        True
    """
    sql = _compose(connection.vendor, model._meta, columns, tuple(where), order)
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(where.values()))
        return list(cursor.fetchall())


def first(model: type[ModelT], order: tuple[str, ...] = ("id",), **where: Any) -> ModelT | None:
    """The first record of ``model`` whose fields equal ``where``, by ``order``; None if none.

    One query, the record built from its row as Django builds it (``from_db``).

    Example:
        >>> first(ln.Artifact, hash=artifact.hash) == artifact
        True
        >>> first(ln.Artifact, ("-id",), hash="no such hash") is None
        True
    """
    columns = tuple(field.attname for field in model._meta.concrete_fields)
    found = rows(model, columns, 1, order, **where)
    if not found:
        return None
    converters = _converters(connection.vendor, model._meta)
    values = [_converted(value, c) for value, c in zip(found[0], converters, strict=True)]
    return model.from_db(connection.alias, list(columns), values)


@functools.cache
def _converters(vendor: str, meta: Any) -> list[tuple[Any, list[Any]]]:
    """Per column, what Django's compiler applies to a fetched value (the database's
    converters, then the field's: aware datetimes on SQLite, decoded JSON)."""
    found = []
    for field in meta.concrete_fields:
        column = field.get_col(meta.db_table)
        functions = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        found.append((column, functions))
    return found


def _converted(value: Any, converters: tuple[Any, list[Any]]) -> Any:
    column, functions = converters
    for function in functions:
        value = function(value, column, connection)
    return value


def fast_inserts() -> bool:
    """Whether the connected database returns the rows of a multi-row INSERT (SQLite
    3.35+, PostgreSQL): else ``bulk_create`` inserts.

    Example:
        >>> fast_inserts()
        True
    """
    return bool(connection.features.can_return_rows_from_bulk_insert)


def insert(model: Any, records: list[Any]) -> None:
    """Insert new records of ``model`` (no pk yet) with one statement per batch; set their pks.

    What ``bulk_create`` does for them, without its per-value compiler (it took
    0.13 ms a row: 1.3 s of saving 10,000 artifacts): each field's own
    ``pre_save`` and ``get_db_prep_save`` give the values, the statement is
    one ``INSERT ... VALUES (...), (...) RETURNING`` per batch, and the pks come
    back by uid (unique), not by row order.

    Example:
        >>> record = ln.ULabel(name="inserted")
        >>> insert(ln.ULabel, [record])
        >>> record.pk is not None and not record._state.adding
        True
    """
    if not records:
        return
    quote = connection.ops.quote_name
    pk = model._meta.pk
    assert pk is not None
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    for record in records:  # FK ids of related records saved meanwhile (Django's check too)
        record._prepare_related_fields_for_save(operation_name="bulk_create")
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    limit = connection.features.max_query_params or 32_767  # PostgreSQL: 65,535 a statement
    per_batch = max(1, min(1000, limit // len(fields)))
    head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "
    tail = f" RETURNING {quote(pk.column)}, {quote('uid')}"
    for start in range(0, len(records), per_batch):
        batch = records[start : start + per_batch]
        values = [
            f.get_db_prep_save(f.pre_save(record, True), connection)
            for record in batch
            for f in fields
        ]
        with connection.cursor() as cursor:
            cursor.execute(head + ", ".join([row] * len(batch)) + tail, values)
            ids = dict((uid, pk_value) for pk_value, uid in cursor.fetchall())
        for record in batch:
            setattr(record, pk.attname, ids[record.uid])  # type: ignore[attr-defined]
            record._state.adding = False
            record._state.db = connection.alias
