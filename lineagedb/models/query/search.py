"""Ranked, typo-tolerant search over a registry's text fields.

Candidates come from the database's trigram index (SQLite FTS5 with the
trigram tokenizer, PostgreSQL pg_trgm), never from a scan in Python; only
those candidates are scored here, so both databases rank alike:

    exact match 100 > whole word 80-99 > prefix 70-79 > substring 50-69 > typo 0-49

Within a band, a match covering more of the field ranks higher. Typo scores
are computed only when fewer records than asked for contain the text. When
more than 5,000 records contain it (a common word at a million records), the
candidates are 500 of them — on SQLite the newest, on PostgreSQL the table's
first (a text in a tenth of the records or more) or the first the trigram index
yields: ranking every one would take seconds, so ties among
equally good matches are broken by that choice. User input only ever reaches
the database as a bound parameter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lineagedb._base.identifiers import refuse_unstorable
from lineagedb._base.scoring import field_score, record_score
from lineagedb.errors import InvalidArgument
from lineagedb.models.query.dialects import CANDIDATES, text_candidates

if TYPE_CHECKING:
    import pandas as pd

    from lineagedb.models.query.queryset import QuerySet


_MAX_QUERY = 256


def search_fields(model: Any, field: Any) -> list[str]:
    """The fields to search: the registry's defaults, or those named by ``field``."""
    if field is None:
        fields = list(model._search_fields)
    else:
        items = field if isinstance(field, (list, tuple)) else [field]
        fields = [item if isinstance(item, str) else item.field.name for item in items]
    known = {f.name for f in model._meta.concrete_fields if f.get_internal_type() in _TEXT}
    unknown = [name for name in fields if name not in known]
    if not fields:
        every = ", ".join(f.name for f in model._meta.concrete_fields)
        texts = ", ".join(sorted(known))
        raise InvalidArgument(
            f"{model.__name__} has no default fields to search. Its fields: {every}. Search "
            f"a text field ({texts}) with field=..., or query with {model.__name__}.filter(...)."
            if known
            else f"{model.__name__} has no text fields to search; its fields: {every}. "
            f"Query with {model.__name__}.filter(...)."
        )
    if unknown:
        raise InvalidArgument(
            f"{model.__name__} cannot search {', '.join(map(repr, unknown))}: not a text field. "
            f"Its text fields: {', '.join(sorted(known)) or 'none'}."
        )
    return fields


_TEXT = {"CharField", "TextField"}


def candidate_ids(query: QuerySet, text: str, fields: list[str], enough: int) -> list[int]:
    """Ids of records whose fields contain ``text`` or nearly do, best first.

    Typo candidates are only looked for when fewer than ``enough`` records
    contain ``text``.
    """
    text = text[:_MAX_QUERY]
    if len(text) < 3:  # below the trigram length: a bounded substring scan
        from django.db.models import Q

        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": text})
        return list(query.filter(condition).values_list("pk", flat=True)[:CANDIDATES])
    return text_candidates(query.db, query.model._meta.db_table, fields, text, enough)


def search(
    query: QuerySet, string: str, field: Any = None, limit: int = 20, return_queryset: bool = False
) -> Any:
    """Rank the records of ``query`` against ``string``; see the module docstring.

    Example:
        >>> search(ln.Artifact.filter(), "meta").score.tolist()
        [81.9]
    """
    import pandas as pd

    fields = search_fields(query.model, field)
    refuse_unstorable(string, f"{query.model.__name__}.search()")
    text = string.strip() if isinstance(string, str) else ""
    rows: list[dict[str, Any]] = []
    if text:
        ids = candidate_ids(query, text, fields, enough=limit)
        unmatched = []
        for row in query.filter(pk__in=ids).values("pk", "uid", *fields):
            score = max(field_score(text, row[name], fuzzy=False) for name in fields)
            if score > 0:
                rows.append({**row, "score": round(score, 1)})
            else:
                unmatched.append(row)
        if len(rows) < limit:  # typo scores (< 50) only matter below the substring matches
            for row in unmatched:
                score = record_score(text, [row[name] for name in fields])
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
