"""Plain SQL for the few queries that run once per saved file.

Django compiles every QuerySet anew (about 0.2 ms each here); the lookups a
save makes for each file are fixed in shape, so their SQL is written once
per process and only the parameters change. Names come from the models'
metadata and are quoted by the connected database; values are always
parameters, never interpolated.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models

_SQL: dict[tuple[str, tuple[str, ...], tuple[str, ...]], str] = {}


def _select(model: type[models.Model], columns: tuple[str, ...], where: tuple[str, ...]) -> str:
    cache_key = (model._meta.label, columns, where)
    if cache_key not in _SQL:
        _SQL[cache_key] = _compose(model, columns, where)
    return _SQL[cache_key]


def _compose(model: type[models.Model], columns: tuple[str, ...], where: tuple[str, ...]) -> str:
    quote = connection.ops.quote_name
    fields = {field.name: field.column for field in model._meta.concrete_fields}
    fields.update({field.attname: field.column for field in model._meta.concrete_fields})
    selected = ", ".join(quote(fields[name]) for name in columns)
    conditions = " AND ".join(f"{quote(fields[name])} = %s" for name in where) or "1 = 1"
    table = quote(model._meta.db_table)
    return f"SELECT {selected} FROM {table} WHERE {conditions} ORDER BY {quote('id')}"


def rows(
    model: type[models.Model], columns: tuple[str, ...], limit: int | None = None, **where: Any
) -> list[tuple[Any, ...]]:
    """``columns`` of the rows of ``model`` whose fields equal ``where``, by id.

    Example:
        >>> rows(ln.Artifact, ("id",), limit=1, hash=artifact.hash) == [(artifact.pk,)]
        True
    """
    sql = _select(model, columns, tuple(where))
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, list(where.values()))
        return list(cursor.fetchall())
