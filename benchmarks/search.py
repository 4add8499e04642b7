"""Search and indexed filters at 10k / 100k / 1M artifact records, SQLite and PostgreSQL.

Run: `.venv/bin/python benchmarks/search.py [--sizes 10000,100000,1000000]
[--databases sqlite,postgresql]` (`make bench` runs 10k and 100k). Records are
bulk-inserted with SQL (keys like `study42/sample_0173/R1.fastq.gz`, descriptions
from a small vocabulary); the search triggers and indexes are maintained as for
any insert.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

from _common import fresh_home, report

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

ROUNDS = 7
TISSUES = ["liver", "lung", "blood", "brain", "kidney", "skin", "heart", "gut"]
ASSAYS = ["RNA-seq", "ATAC-seq", "scRNA-seq", "WGS", "ChIP-seq", "proteomics"]
SUFFIXES = [".fastq.gz", ".bam", ".csv"]


def rows(n: int, storage_id: int, user_id: int):  # type: ignore[no-untyped-def]
    from lineagedb.models._uid import base62

    generator = random.Random(0)
    now = datetime.datetime.now(datetime.UTC)
    for index in range(n):
        study, sample, read = index // 1000, (index // 2) % 500, index % 2 + 1
        suffix = SUFFIXES[index % 3]
        key = f"study{study}/sample_{sample:04}/R{read}{suffix}"
        description = f"{generator.choice(TISSUES)} {generator.choice(ASSAYS)} run {index % 97}"
        yield (
            base62(16) + "0000", storage_id, key, suffix, None, description, None,
            1000 + index, base62(22), "md5", None, None, None, None, 1, True, True,
            now, now, user_id,
        )  # fmt: skip


COLUMNS = (
    "uid, storage_id, key, suffix, accessor, description, version, size, hash, hash_type, "
    "n_objects, n_observations, transform_id, run_id, visibility, key_is_virtual, is_latest, "
    "created_at, updated_at, created_by_id"
)


def fill(n: int) -> float:
    from django.db import connection, transaction

    import lineagedb as ln

    storage_id = ln.setup.settings.storage.record.id
    user_id = ln.setup.settings.user_record.id
    marks = ", ".join(["%s"] * 20)
    started = time.perf_counter()
    batch: list[tuple] = []  # type: ignore[type-arg]
    # A bulk load into PostgreSQL builds its trigram indexes once, after the rows
    # (as one restores a dump): kept up row by row, three GIN indexes make it many
    # times slower.
    trigram_indexes = [
        f"lineagedb_artifact_{field}_trgm" for field in ("key", "description", "suffix")
    ]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for index in trigram_indexes:
                cursor.execute(f"DROP INDEX {index}")
    with transaction.atomic(), connection.cursor() as cursor:
        for row in rows(n, storage_id, user_id):
            batch.append(row)
            if len(batch) == 10_000:
                cursor.executemany(
                    f"INSERT INTO lineagedb_artifact ({COLUMNS}) VALUES ({marks})", batch
                )
                batch = []
        if batch:
            cursor.executemany(
                f"INSERT INTO lineagedb_artifact ({COLUMNS}) VALUES ({marks})", batch
            )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for index in trigram_indexes:
                field = index.removeprefix("lineagedb_artifact_").removesuffix("_trgm")
                cursor.execute(
                    f"CREATE INDEX {index} ON lineagedb_artifact USING gin ({field} gin_trgm_ops)"
                )
            cursor.execute("ANALYZE lineagedb_artifact")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return time.perf_counter() - started


def timed(function, rounds: int = ROUNDS) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def measure(n: int, database: str | None, folder: Path) -> None:
    import lineagedb as ln

    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / f"data-{n}-{'pg' if database else 'sqlite'}", db=database)
    seconds = fill(n)
    label = "postgresql" if database else "sqlite"
    print(f"\n{label}, {n:,} artifacts (bulk insert {seconds:.1f} s)")
    found = ln.Artifact.search("sample_0173")
    assert found["key"].str.contains("sample_0173").all() and len(found) > 0, found
    typo = ln.Artifact.search("sampel_0173")
    assert typo["key"].str.contains("sample_0173").any(), typo
    common_typo = ln.Artifact.search("kidny")
    assert common_typo["description"].str.startswith("kidney").all(), common_typo
    report("search('sample_0173')", timed(lambda: ln.Artifact.search("sample_0173")))
    report("search('sampel_0173') (typo)", timed(lambda: ln.Artifact.search("sampel_0173")))
    report("search('liver') (common word)", timed(lambda: ln.Artifact.search("liver")))
    report("search('kidny') (typo, common word)", timed(lambda: ln.Artifact.search("kidny")))
    prefix = "study7/sample_0173/"
    report(
        "filter(key__startswith=...) rows",
        timed(lambda: list(ln.Artifact.filter(key__startswith=prefix))),
    )
    report(
        "filter(suffix='.bam').count()", timed(lambda: ln.Artifact.filter(suffix=".bam").count())
    )
    report("df() of 20 rows", timed(lambda: ln.Artifact.filter()[:20].df()))
    if n <= 100_000:
        report("lookup(field='key') of all", timed(lambda: ln.Artifact.lookup(field="key"), 3))
        bam = ln.Artifact.filter(suffix=".bam")
        report(
            "filter(suffix='.bam').lookup(field='suffix')",
            timed(lambda: bam.lookup(field="suffix"), 3),
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    databases = args.databases.split(",")
    folder = fresh_home()
    server = None
    try:
        for database in databases:
            for n in sizes:
                url = None
                if database == "postgresql":
                    if server is None:
                        from conftest import PostgresServer

                        server = PostgresServer()
                    url = server.url(server.create_database(folder))
                measure(n, url, folder)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
