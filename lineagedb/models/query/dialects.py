"""The one module that knows SQL dialects: SQLite and PostgreSQL.

Everything that differs between the two databases lives here, and only
here says ``vendor``:

- ``startswith`` on text fields: on SQLite, Django's ``LIKE ... ESCAPE``
  never uses an index (and ignores case for ASCII); here it is a range on
  the binary-collated column, which does use it and matches case as
  PostgreSQL does — in ``filter()``, ``exclude()`` and inside ``Q(...)``;
- ordering by code point whatever the database's locale;
- the trigram indexes behind ``search()`` (FTS5 with the trigram tokenizer
  on SQLite, pg_trgm on PostgreSQL): their DDL, used by the migration, and
  their candidate queries.

It imports nothing of lineagedb's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connections
from django.db.backends.signals import connection_created
from django.db.models import CharField, F, TextField
from django.db.models.functions import Collate
from django.db.models.lookups import StartsWith


def vendor(using: str = "default") -> str:
    """``"sqlite"`` or ``"postgresql"``: the database behind connection ``using``.

    Example:
        >>> vendor()
        'sqlite'
    """
    return str(connections[using].vendor)


class IndexedStartsWith(StartsWith):
    """``field__startswith=prefix`` that an index can serve on SQLite too.

    Example:
        >>> from django.db.models import Q
        >>> ln.Artifact.filter(Q(key__startswith="iris/") | Q(suffix=".csv")).count()
        2
        >>> ln.Artifact.filter(key__startswith="IRIS/").count()  # case matters, as on PostgreSQL
        0
    """

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        prefix = self.rhs
        if not isinstance(prefix, str) or not prefix or ord(prefix[-1]) >= 0x10FFFF:
            return super().as_sql(compiler, connection)  # type: ignore[no-any-return]
        lhs, lhs_params = self.process_lhs(compiler, connection)
        successor = prefix[:-1] + chr(ord(prefix[-1]) + 1)
        # SQLite compares TEXT by its UTF-8 bytes: the order of code points.
        sql = f"({lhs} >= %s AND {lhs} < %s)"
        return sql, [*lhs_params, prefix, *lhs_params, successor]


def register_lookups() -> None:
    """Make ``startswith`` on every text field the indexed kind (idempotent).

    Example:
        >>> register_lookups()
    """
    for field in (CharField, TextField):
        field.register_lookup(IndexedStartsWith)
    connection_created.connect(_sqlite_limits, dispatch_uid="lineagedb-sqlite-limits")


def _sqlite_limits(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Batch by SQLite's own bound on a statement's parameters (32,766 since 3.32), not
    Django's 999: ``ln.save`` of 1,000 artifacts is 2 INSERTs, not 23."""
    if connection.vendor == "sqlite":
        import sqlite3

        limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
        connection.features.max_query_params = limit


@contextmanager
def migration_lock(using: str = "default") -> Iterator[None]:
    """Hold the database's migration lock: concurrent first connects migrate one at a time.

    PostgreSQL: a session advisory lock. SQLite: an exclusive ``flock`` on a
    file beside the database (SQLite's own locks do not cover Django's
    check-then-create of tables).

    Example:
        >>> from django.core.management import call_command
        >>> with migration_lock():
        ...     call_command("migrate", "lineagedb", verbosity=0)
    """
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [_MIGRATION_LOCK_KEY])
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [_MIGRATION_LOCK_KEY])
        return
    import fcntl

    with open(f"{connection.settings_dict['NAME']}.migrate-lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_MIGRATION_LOCK_KEY = 0x6C696E65  # "line": any constant shared by every lineagedb process


def in_list(connection: Any, values: Sequence[Any]) -> tuple[str, list[Any]]:
    """SQL for ``<column> IN values`` after the column, and its parameters.

    PostgreSQL: one array parameter (``= ANY(%s)``) — psycopg parses every
    placeholder of a query on the client, ~60 ms for 10,000. SQLite: one
    placeholder per value.

    Example:
        >>> from django.db import connection
        >>> in_list(connection, [1, 2])
        ('IN (%s, %s)', [1, 2])
    """
    if connection.vendor == "postgresql":
        return "= ANY(%s)", [list(values)]
    return f"IN ({', '.join(['%s'] * len(values))})", list(values)


def insert_ignoring_conflicts(
    cursor: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert integer rows (ids) into ``table``, skipping rows a unique constraint refuses.

    PostgreSQL: one statement over arrays (``unnest``); a pipelined ``executemany``
    of 10,000 rows took ~140 ms there. SQLite: ``executemany``.

    Example:
        >>> from django.db import connection
        >>> with connection.cursor() as cursor:
        ...     _ = cursor.execute("CREATE TABLE t (a INTEGER, b INTEGER, UNIQUE (a, b))")
        ...     insert_ignoring_conflicts(cursor, "t", ["a", "b"], [(1, 2), (1, 2)])
        ...     _ = cursor.execute("SELECT COUNT(*) FROM t")
        ...     cursor.fetchone()
        (1,)
    """
    if not rows:
        return
    names = ", ".join(columns)
    if cursor.db.vendor == "postgresql":
        arrays = ", ".join(["%s::bigint[]"] * len(columns))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays}) ON CONFLICT DO NOTHING",
            [list(column) for column in zip(*rows, strict=True)],
        )
        return
    marks = ", ".join(["%s"] * len(columns))
    cursor.executemany(
        f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING", rows
    )


def by_code_point(field: str, using: str = "default") -> Collate:
    """Order ``field`` by code point ('0' < 'A' < 'a'), whatever the database's locale.

    Example:
        >>> uids = ln.Artifact.filter().order_by(by_code_point("uid")).values_list("uid", flat=True)
        >>> list(uids) == sorted(uids)
        True
    """
    return Collate(F(field), "BINARY" if vendor(using) == "sqlite" else "C")


def create_search_indexes(connection: Any, search_fields: Mapping[str, Sequence[str]]) -> None:
    """Create the trigram indexes that ``search()`` reads, for each table's fields.

    Example:
        >>> from django.db import connection
        >>> create_search_indexes(connection, {"lineagedb_artifact": ["key"]})  # there already
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table, fields in search_fields.items():
                _create_fts(cursor, table, fields)
        elif connection.vendor == "postgresql":
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for table, fields in search_fields.items():
                for field in fields:
                    cursor.execute(
                        f"CREATE INDEX IF NOT EXISTS {table}_{field}_trgm "
                        f"ON {table} USING gin ({field} gin_trgm_ops)"
                    )


def drop_search_indexes(connection: Any, search_fields: Mapping[str, Sequence[str]]) -> None:
    """Drop what :func:`create_search_indexes` made.

    Example:
        >>> from django.db import connection
        >>> drop_search_indexes(connection, {"lineagedb_artifact": ["key"]})
        >>> create_search_indexes(connection, {"lineagedb_artifact": ["key"]})
    """
    with connection.cursor() as cursor:
        for table, fields in search_fields.items():
            if connection.vendor == "sqlite":
                for name in ("ai", "ad", "au"):
                    cursor.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{name}")
                cursor.execute(f"DROP TABLE IF EXISTS {table}_fts")
            elif connection.vendor == "postgresql":
                for field in fields:
                    cursor.execute(f"DROP INDEX IF EXISTS {table}_{field}_trgm")


def text_candidates(using: str, table: str, fields: list[str], text: str, enough: int) -> list[int]:
    """Ids of rows of ``table`` whose ``fields`` contain ``text`` or nearly do, best first.

    ``text`` has at least three characters (one trigram). Typo candidates
    are only looked for when fewer than ``enough`` rows contain it.

    Example:
        >>> text_candidates("default", "lineagedb_artifact", ["key"], "meta", 10) == [artifact.pk]
        True
    """
    connection = connections[using]
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            return _SQLiteIndex(cursor, table, fields).candidates(text, enough)
    from django.db import transaction

    with transaction.atomic(using=using), connection.cursor() as cursor:
        index = _PostgresIndex(cursor, table, fields)
        ids = index.candidates(text, enough)
        index.reset()
        return ids


def _create_fts(cursor: Any, table: str, fields: Sequence[str]) -> None:
    """An FTS5 trigram table over ``fields`` of ``table``, kept in sync by triggers."""
    columns = ", ".join(fields)
    new_values = ", ".join(f"new.{field}" for field in fields)
    old_values = ", ".join(f"old.{field}" for field in fields)
    fts = f"{table}_fts"
    cursor.execute(f"DROP TABLE IF EXISTS {fts}")
    cursor.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({columns}, content='{table}', "
        "content_rowid='id', tokenize='trigram')"
    )
    cursor.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")
    insert = f"INSERT INTO {fts}(rowid, {columns}) VALUES (new.id, {new_values});"
    delete = f"INSERT INTO {fts}({fts}, rowid, {columns}) VALUES ('delete', old.id, {old_values});"
    for name, event, body in (
        ("ai", "AFTER INSERT", insert),
        ("ad", "AFTER DELETE", delete),
        ("au", "AFTER UPDATE", delete + insert),
    ):
        cursor.execute(f"DROP TRIGGER IF EXISTS {fts}_{name}")
        cursor.execute(f"CREATE TRIGGER {fts}_{name} {event} ON {table} BEGIN {body} END")


CANDIDATES = 500
_FUZZY_CANDIDATES = 200
_SCAN_LIMIT = 5000
_WIDE_LIMIT = 50_000
_SAMPLE, _SAMPLE_HITS = 5_000, 25  # a piece in 0.5% of a PostgreSQL sample is common
_RANKED_HOLDERS = 1_000  # records holding a piece that PostgreSQL ranks by similarity
_MAX_QUERY = 256


def _trigrams(query: str) -> list[str]:
    text = query.casefold()
    grams = dict.fromkeys(text[i : i + 3] for i in range(len(text) - 2))
    return list(grams)[:32]


def _fts_phrase(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


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
        if len(set(ids) | set(fuzzy)) < enough:  # "ULabel 1" also ranks "ULabel 2"
            either = self._ids(" OR ".join(map(_fts_phrase, rare)), _FUZZY_CANDIDATES, True)
            fuzzy += [pk for pk in either if pk not in set(fuzzy)]
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

    def _first_rows(self) -> str:
        """The table's first rows (as many as a parameter says), to look at before the index."""
        return f"(SELECT id, {', '.join(self.fields)} FROM {self.table} LIMIT %s) AS first_rows"

    def _contains(self) -> str:
        return " OR ".join(f"{name} ILIKE %s" for name in self.fields)

    def _patterns(self, text: str) -> list[str]:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return [f"%{escaped}%"] * len(self.fields)

    def candidates(self, text: str, enough: int) -> list[int]:
        # A text in a tenth of the records or more is found in the table's first few
        # thousand rows (about a millisecond); through the index, every record holding
        # its trigrams is read first (30 ms at a million records, ten times that at ten).
        rows = self._query(
            f"SELECT id FROM {self._first_rows()} WHERE {self._contains()} LIMIT %s",
            [_SAMPLE, *self._patterns(text), CANDIDATES],
            scan=True,
        )
        if len(rows) < CANDIDATES:
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
            f"SELECT count(*) FROM (SELECT 1 FROM {self._first_rows()} "
            f"WHERE {self._contains()} LIMIT %s) AS found",
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
