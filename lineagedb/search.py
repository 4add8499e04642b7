"""Ranked, typo-tolerant search over a registry's text fields.

Candidates come from the database's trigram index (SQLite FTS5 with the
trigram tokenizer, PostgreSQL pg_trgm), never from a scan in Python; only
those candidates are scored here, so both databases rank alike:

    exact match 100 > whole word 80-99 > prefix 70-79 > substring 50-69 > typo 0-49

Within a band, a match covering more of the field ranks higher. Typo scores
are computed only when fewer records than asked for contain the text. When
more than 5,000 records contain it (a common word at a million records), the
candidates are 500 of them — on SQLite the newest, on PostgreSQL the first the
trigram index yields: ranking every one would take seconds, so ties among
equally good matches are broken by that choice. User input only ever reaches
the database as a bound parameter.
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
_FUZZY_CANDIDATES = 200
_SCAN_LIMIT = 5000
_WIDE_LIMIT = 50_000
_SAMPLE, _SAMPLE_HITS = 5_000, 25  # a piece in 0.5% of a PostgreSQL sample is common
_RANKED_HOLDERS = 1_000  # records holding a piece that PostgreSQL ranks by similarity
_MAX_QUERY = 256
_FUZZY_THRESHOLD = 0.6
_TOKEN = re.compile(r"[0-9a-z]+(?:_[0-9a-z]+)*")
_WORD = re.compile(r"[0-9a-z]+")


def field_score(query: str, value: str | None, fuzzy: bool = True) -> float:
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
    if not fuzzy:
        return 0.0
    best = 0.0
    matcher = difflib.SequenceMatcher(None, b=q)
    for token in {*_TOKEN.findall(v), *_WORD.findall(v)}:
        matcher.set_seq1(token)
        # Cheap upper bounds first: most tokens are nowhere near the query.
        if matcher.real_quick_ratio() <= best or matcher.quick_ratio() <= best:
            continue
        best = max(best, matcher.ratio())
    return 49.0 * best if best >= _FUZZY_THRESHOLD else 0.0


def record_score(query: str, values: list[str | None]) -> float:
    """The best field score of a record; typo matching only if no field contains the query.

    Example:
        >>> record_score("liver", ["study1/R1.bam", "liver RNA-seq"]) > 80
        True
    """
    exact = max((field_score(query, value, fuzzy=False) for value in values), default=0.0)
    if exact > 0:
        return exact
    return max((field_score(query, value) for value in values), default=0.0)


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


def candidate_ids(query: QuerySet, text: str, fields: list[str], enough: int) -> list[int]:
    """Ids of records whose fields contain ``text`` or nearly do, best first.

    Typo candidates are only looked for when fewer than ``enough`` records
    contain ``text``.
    """
    from django.db import connections

    connection = connections[query.db]
    text = text[:_MAX_QUERY]
    if len(text) < 3:  # below the trigram length: a bounded substring scan
        from django.db.models import Q

        condition = Q()
        for name in fields:
            condition |= Q(**{f"{name}__icontains": text})
        return list(query.filter(condition).values_list("pk", flat=True)[:CANDIDATES])
    table = query.model._meta.db_table
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            return _SQLiteIndex(cursor, table, fields).candidates(text, enough)
    from django.db import transaction

    with transaction.atomic(using=query.db), connection.cursor() as cursor:
        index = _PostgresIndex(cursor, table, fields)
        ids = index.candidates(text, enough)
        index.reset()
        return ids


class _SQLiteIndex:
    """Candidates from a registry's FTS5 trigram table.

    Trigrams held by few records (counted up to a cap) narrow the search:
    all records holding the three rarest are taken, unranked, and scoring
    drops those that hold them apart. When every trigram is common, FTS5
    ranks the records containing the text. Typo candidates are the records
    holding the two rarest trigrams that occur at all, ranked.
    """

    def __init__(self, cursor: Any, table: str, fields: list[str]) -> None:
        self.cursor, self.fts = cursor, f"{table}_fts"
        self.columns = "{" + " ".join(fields) + "}"

    def candidates(self, text: str, enough: int) -> list[int]:
        grams = _trigrams(text)
        counts = {gram: self.count(gram, _SCAN_LIMIT + 1) for gram in grams}
        capped = [g for g in grams if counts[g] > _SCAN_LIMIT]
        # Common trigrams tie at the cap; count a few further (those with digits,
        # usually rarer, first) so that two rarest ones can be told apart.
        for gram in sorted(capped, key=lambda g: not any(c.isdigit() for c in g)):
            if sum(1 for g in grams if 0 < counts[g] <= _WIDE_LIMIT) >= 2:
                break
            counts[gram] = self.count(gram, _WIDE_LIMIT + 1)
        present = sorted((g for g in grams if counts[g]), key=lambda g: counts[g])
        if not present:
            return []
        ids: list[int] = []
        if len(present) == len(grams):  # every trigram occurs: the text itself may
            if counts[present[0]] <= _SCAN_LIMIT:
                ids = self._ids(" AND ".join(map(_fts_phrase, present[:3])), _SCAN_LIMIT, False)
            else:  # thousands contain it: the newest of them (ranking them all costs seconds)
                ids = self._ids(_fts_phrase(text), CANDIDATES, ranked=False, newest=True)
            if len(ids) >= enough:
                return ids
        rare = present[:2]
        # Ranking costs per matching record: for trigrams in thousands of records
        # (a typo in a common word) the newest holders of both stand in for the best.
        ranked = counts[rare[0]] <= _SCAN_LIMIT
        both = " AND ".join(map(_fts_phrase, rare))
        fuzzy = self._ids(both, _FUZZY_CANDIDATES, ranked, newest=not ranked)
        fuzzy = fuzzy or self._ids(" OR ".join(map(_fts_phrase, rare)), _FUZZY_CANDIDATES, True)
        seen = set(ids)
        return ids + [pk for pk in fuzzy if pk not in seen]

    def _ids(self, expression: str, limit: int, ranked: bool, newest: bool = False) -> list[int]:
        order = "ORDER BY rank " if ranked else "ORDER BY rowid DESC " if newest else ""
        self.cursor.execute(
            f"SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s {order}LIMIT %s",
            [f"{self.columns} : ({expression})", limit],
        )
        return [row[0] for row in self.cursor.fetchall()]

    def count(self, gram: str, cap: int) -> int:
        # Capped: exact for rare trigrams and cheap for common ones, where
        # fts5vocab would read the whole posting list.
        self.cursor.execute(
            f"SELECT count(*) FROM (SELECT rowid FROM {self.fts} WHERE {self.fts} MATCH %s "
            "LIMIT %s)",
            [f"{self.columns} : {_fts_phrase(gram)}", cap],
        )
        return int(self.cursor.fetchone()[0])


class _PostgresIndex:
    """Candidates from the pg_trgm GIN indexes: ILIKE for substrings, pieces for typos.

    A text with one typo still contains one of its pieces intact (a third of
    a long text, or one trigram of a short one). Pieces in few records are
    looked for first; each piece's records (the first thousand) are ranked by
    word similarity. pg_trgm's own similarity operator would read the posting
    list of every trigram of the text: 0.8 s at a million records here.

    Each query says whether it means to read the table in order or to use the
    trigram index: the planner guesses how many records hold a text from column
    statistics that know nothing of substrings, and its guesses flip with each
    ANALYZE (one run here read the whole table, 0.3 s, for a text in 0.2% of
    a million records that the index finds in milliseconds).
    """

    def __init__(self, cursor: Any, table: str, fields: list[str]) -> None:
        self.cursor, self.table, self.fields = cursor, table, fields
        self.scanning: bool | None = None

    def _query(self, sql: str, params: list[Any], *, scan: bool) -> list[tuple[Any, ...]]:
        if self.scanning is not scan:  # SET LOCAL: ends with the search's transaction
            self.cursor.execute(f"SET LOCAL enable_seqscan = {'on' if scan else 'off'}")
            self.cursor.execute(f"SET LOCAL enable_indexscan = {'off' if scan else 'on'}")
            self.cursor.execute(f"SET LOCAL enable_bitmapscan = {'off' if scan else 'on'}")
            self.scanning = scan
        self.cursor.execute(sql, params)
        return list(self.cursor.fetchall())

    def reset(self) -> None:
        """Give the planner back its defaults (a caller's transaction may go on)."""
        for setting in ("enable_seqscan", "enable_indexscan", "enable_bitmapscan"):
            self.cursor.execute(f"SET LOCAL {setting} TO DEFAULT")

    def _contains(self) -> str:
        return " OR ".join(f"{name} ILIKE %s" for name in self.fields)

    def _patterns(self, text: str) -> list[str]:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [f"%{escaped}%"] * len(self.fields)

    def candidates(self, text: str, enough: int) -> list[int]:
        rows = self._query(
            f"SELECT id FROM {self.table} WHERE {self._contains()} LIMIT %s",
            [*self._patterns(text), CANDIDATES],
            scan=False,
        )
        ids = [row[0] for row in rows]
        if len(ids) >= enough:
            return ids
        counts = {piece: self.count(piece) for piece in _pieces(text)}
        rare = sorted((p for p in counts if counts[p]), key=lambda p: counts[p])[:2]
        seen = set(ids)
        for piece in rare:  # the rarer piece alone, if it brings enough
            fuzzy = self._most_similar(text, piece, common=counts[piece] > _SCAN_LIMIT)
            ids += [pk for pk in fuzzy if pk not in seen]
            seen.update(fuzzy)
            if len(ids) >= enough:
                break
        return ids

    def count(self, piece: str) -> int:
        """Records holding ``piece``, capped; ``_SCAN_LIMIT + 1`` for a common piece.

        A common piece's posting lists are long (tens of milliseconds to read at a
        million records), so a sample of the table's first rows is looked at
        first: a piece found often there is common, and that is all we need.
        """
        sampled = self._query(
            f"SELECT count(*) FROM (SELECT 1 FROM (SELECT {', '.join(self.fields)} FROM "
            f"{self.table} LIMIT %s) AS sample WHERE {self._contains()} LIMIT %s) AS found",
            [_SAMPLE, *self._patterns(piece), _SAMPLE_HITS],
            scan=True,
        )
        if int(sampled[0][0]) >= _SAMPLE_HITS:
            return _SCAN_LIMIT + 1
        found = self._query(
            f"SELECT count(*) FROM (SELECT 1 FROM {self.table} WHERE {self._contains()} "
            "LIMIT %s) AS found",
            [*self._patterns(piece), _SCAN_LIMIT + 1],
            scan=False,
        )
        return int(found[0][0])

    def _most_similar(self, text: str, piece: str, common: bool) -> list[int]:
        # A common piece is found fastest by reading the table in order, a rare
        # one in the index. The first thousand holders stand in for all of them.
        best = ", ".join(f"word_similarity(%s, coalesce({name}, ''))" for name in self.fields)
        texts = [text] * len(self.fields)
        rows = self._query(
            f"SELECT id FROM (SELECT id, {', '.join(self.fields)} FROM {self.table} "
            f"WHERE {self._contains()} LIMIT %s) AS found ORDER BY GREATEST({best}) DESC "
            "LIMIT %s",
            [*self._patterns(piece), _RANKED_HOLDERS, *texts, _FUZZY_CANDIDATES],
            scan=common,
        )
        return [row[0] for row in rows]


def _pieces(text: str) -> list[str]:
    """Parts of ``text`` of which one survives any single typo: thirds, or trigrams.

    Example:
        >>> _pieces("sampel_0173"), _pieces("metta")
        (['sam', 'pel', '_0173'], ['met', 'ett', 'tta'])
    """
    text = text.casefold()
    if len(text) >= 9:  # every third has a trigram, so the index can find it
        size = len(text) // 3
        return [text[:size], text[size : 2 * size], text[2 * size :]]
    return _trigrams(text)


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
