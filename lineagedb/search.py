"""Ranked, typo-tolerant search over a registry's text fields.

Candidates come from the database's trigram index (SQLite FTS5 with the
trigram tokenizer, PostgreSQL pg_trgm), never from a scan in Python; only
those candidates are scored here, so both databases rank alike:

    exact match 100 > whole word 80-99 > prefix 70-79 > substring 50-69 > typo 0-49

Within a band, a match covering more of the field ranks higher. User input
only ever reaches the database as a bound parameter.
"""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING, Any

from lineagedb.errors import InvalidArgument

if TYPE_CHECKING:
    import pandas as pd

    from lineagedb.query import QuerySet

CANDIDATES = 500
_MAX_QUERY = 256
_FUZZY_THRESHOLD = 0.6
_TOKEN = re.compile(r"[0-9a-z]+(?:_[0-9a-z]+)*")


def field_score(query: str, value: str | None) -> float:
    """How well ``value`` matches ``query``, 0 (no match) to 100 (exact).

    Example:
        >>> field_score("meta", "meta"), field_score("meta", "study0/meta.csv") > 80
        (100.0, True)
        >>> 0 < field_score("metta", "study0/meta.csv") < 50
        True
    """
    if not value:
        return 0.0
    q, v = query.casefold(), value.casefold()
    if q == v:
        return 100.0
    coverage = len(q) / len(v)
    position = v.find(q)
    if position >= 0:
        before = v[position - 1] if position > 0 else ""
        after = v[position + len(q)] if position + len(q) < len(v) else ""
        if not before.isalnum() and not after.isalnum():
            return 80.0 + 19.0 * coverage
        if position == 0:
            return 70.0 + 9.0 * coverage
        return 50.0 + 19.0 * coverage
    tokens = _TOKEN.findall(v) + re.findall(r"[0-9a-z]+", v)
    ratio = max((difflib.SequenceMatcher(None, q, token).ratio() for token in tokens), default=0.0)
    return 49.0 * ratio if ratio >= _FUZZY_THRESHOLD else 0.0


def search_fields(model: Any, field: Any) -> list[str]:
    """The fields to search: the registry's defaults, or those named by ``field``."""
    if field is None:
        fields = list(model._search_fields)
    else:
        items = field if isinstance(field, (list, tuple)) else [field]
        fields = [item if isinstance(item, str) else item.field.name for item in items]
    known = {f.name for f in model._meta.concrete_fields if f.get_internal_type() in _TEXT}
    unknown = [name for name in fields if name not in known]
    if unknown or not fields:
        raise InvalidArgument(
            f"{model.__name__} cannot search {', '.join(map(repr, unknown)) or 'any field'}. "
            f"Text fields: {', '.join(sorted(known)) or 'none'}."
        )
    return fields


_TEXT = {"CharField", "TextField"}


def _trigrams(query: str) -> list[str]:
    text = query.casefold()
    grams = dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2))
    return list(grams)[:32]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def candidate_ids(query: QuerySet, text: str, fields: list[str]) -> list[int]:
    """Ids of records whose fields contain ``text`` or share its trigrams, best first."""
    from django.db import connections

    connection = connections[query.db]
    table = query.model._meta.db_table
    text = text[:_MAX_QUERY]
    if len(text) < 3:  # below the trigram length: a bounded substring scan
        from django.db.models import Q

        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": text})
        return list(query.filter(condition).values_list("pk", flat=True)[:CANDIDATES])
    ids: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            fts = f"{table}_fts"
            columns = "{" + " ".join(fields) + "}"
            for match in (f"{columns} : {_fts_phrase(text)}", None):
                if match is None:
                    grams = _trigrams(text)
                    match = f"{columns} : (" + " OR ".join(map(_fts_phrase, grams)) + ")"
                cursor.execute(
                    f"SELECT rowid FROM {fts} WHERE {fts} MATCH %s ORDER BY rank LIMIT %s",
                    [match, CANDIDATES],
                )
                ids += [row[0] for row in cursor.fetchall() if row[0] not in ids]
                if len(ids) >= CANDIDATES:
                    break
        else:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            pattern = f"%{escaped}%"
            contains = " OR ".join(f"{name} ILIKE %s" for name in fields)
            cursor.execute(
                f"SELECT id FROM {table} WHERE {contains} LIMIT %s",
                [pattern] * len(fields) + [CANDIDATES],
            )
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) < CANDIDATES:
                # The default threshold (0.6) misses one-letter typos in short words.
                cursor.execute("SET pg_trgm.word_similarity_threshold = 0.3")
                similar = " OR ".join(f"%s <%% {name}" for name in fields)
                best = ", ".join(f"word_similarity(%s, coalesce({name}, ''))" for name in fields)
                cursor.execute(
                    f"SELECT id FROM {table} WHERE {similar} "
                    f"ORDER BY GREATEST({best}) DESC LIMIT %s",
                    [text] * (2 * len(fields)) + [CANDIDATES],
                )
                ids += [row[0] for row in cursor.fetchall() if row[0] not in ids]
    return ids


def search(
    query: QuerySet, string: str, field: Any = None, limit: int = 20, return_queryset: bool = False
) -> Any:
    """Rank the records of ``query`` against ``string``; see the module docstring.

    Example:
        >>> search(ln.Artifact.filter(), "meta")  # doctest: +SKIP
    """
    import pandas as pd

    fields = search_fields(query.model, field)
    text = string.strip() if isinstance(string, str) else ""
    rows: list[dict[str, Any]] = []
    if text:
        ids = candidate_ids(query, text, fields)
        for row in query.filter(pk__in=ids).values("pk", "uid", *fields):
            score = max(field_score(text, row[name]) for name in fields)
            if score > 0:
                rows.append({**row, "score": round(score, 1)})
    rows.sort(key=lambda row: (-row["score"], -row["pk"]))
    rows = rows[:limit]
    if return_queryset:
        return _in_order(query, [row["pk"] for row in rows])
    frame: pd.DataFrame = pd.DataFrame(rows, columns=["pk", "uid", *fields, "score"])
    return frame.drop(columns="pk").set_index("uid")


def _in_order(query: QuerySet, ids: list[int]) -> QuerySet:
    from django.db.models import Case, IntegerField, Value, When

    if not ids:
        return query.none()
    order = Case(
        *[When(pk=pk, then=Value(index)) for index, pk in enumerate(ids)],
        output_field=IntegerField(),
    )
    return query.filter(pk__in=ids).order_by(order)
