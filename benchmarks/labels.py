"""Queries by labels and feature values, labels.add() and describe() at scale.

Run: `.venv/bin/python benchmarks/labels.py [--artifacts 1000000] [--databases sqlite,postgresql]`.
Fills N artifacts, 10,000 labels with five label links per artifact (one
label on 0.1 % of the artifacts), and a `temperature` value on 10 % of
them, then times (medians of 7):

- `Artifact.filter(ulabels=label).count()` for the 0.1 % label;
- `Artifact.filter(ulabels__name=...)`, first page of 100;
- `Artifact.filter(temperature__gt=37.5)`, first page of 100;
- `artifact.labels.add(1,000 labels, feature=f)` (and how many queries it sends);
- `describe()` of an artifact with 20 features and 100 labels.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _common import fresh_home, on_databases
from search import fill

N_LABELS = 10_000
LINKS_PER_ARTIFACT = 5
ROUNDS = 7


def link_rows(first_id: int, n: int, label_ids: list[int], target: int, feature_id: int):  # type: ignore[no-untyped-def]
    for index in range(n):
        artifact = first_id + index
        for k in range(LINKS_PER_ARTIFACT):
            yield (artifact, label_ids[(index * LINKS_PER_ARTIFACT + k) % len(label_ids)], None)
        if index % 1000 == 0:
            yield (artifact, target, feature_id)


def fill_annotations(n: int) -> float:
    from django.db import connection, transaction

    import lineagedb as ln

    started = time.perf_counter()
    ln.settings.upon_create_search_names = False  # 10,000 new names: no similarity search
    ln.save([ln.ULabel(name=f"label_{i:05}") for i in range(N_LABELS)])
    target = ln.ULabel(name="target").save()
    condition = ln.Feature(name="condition", type="category").save()
    temperature = ln.Feature(name="temperature", dtype="num").save()
    label_ids = list(ln.ULabel.filter(name__startswith="label_").values_list("id", flat=True))
    first_id = ln.Artifact.filter().order_by("id").values_list("id", flat=True).first()
    values = [
        ln.models.FeatureValue(
            feature=temperature, value=35 + i * 0.05, number=35 + i * 0.05, hash=f"t{i}"
        )
        for i in range(100)
    ]
    ln.models.FeatureValue.objects.bulk_create(values)
    value_ids = list(
        ln.models.FeatureValue.objects.filter(feature=temperature)
        .order_by("number")
        .values_list("id", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        batch: list[tuple] = []  # type: ignore[type-arg]
        insert = (
            "INSERT INTO lineagedb_artifactulabel (artifact_id, ulabel_id, feature_id) "
            "VALUES (%s, %s, %s)"
        )
        for row in link_rows(first_id, n, label_ids, target.id, condition.id):
            batch.append(row)
            if len(batch) == 20_000:
                cursor.executemany(insert, batch)
                batch = []
        if batch:
            cursor.executemany(insert, batch)
        value_links = [
            (first_id + index, value_ids[(index // 10) % 100]) for index in range(0, n, 10)
        ]
        cursor.executemany(
            "INSERT INTO lineagedb_artifactfeaturevalue (artifact_id, featurevalue_id) "
            "VALUES (%s, %s)",
            value_links,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ln.settings.upon_create_search_names = True
    return time.perf_counter() - started


def timed(function, rounds: int = ROUNDS) -> float:  # type: ignore[no-untyped-def]
    function()  # warm
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure(n: int, database: str | None, folder: Path) -> None:
    import pandas as pd
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import lineagedb as ln
    from lineagedb.display.describe import describe

    name = f"labels-{'pg' if database else 'sqlite'}-{n}"
    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / name, db=database)
    fill_seconds = fill(n)
    annotate_seconds = fill_annotations(n)
    target = ln.ULabel.get(name="target")
    expected = len(range(0, n, 1000))
    assert ln.Artifact.filter(ulabels=target).count() == expected
    figures = {
        "count, label on 0.1 %": timed(lambda: ln.Artifact.filter(ulabels=target).count()),
        "ulabels__name, page of 100": timed(
            lambda: list(ln.Artifact.filter(ulabels__name="label_00042")[:100])
        ),
        "temperature__gt=37.5, page of 100": timed(
            lambda: list(ln.Artifact.filter(temperature__gt=37.5)[:100])
        ),
    }
    labels = list(ln.ULabel.filter(name__startswith="label_")[:1000])
    feature = ln.Feature(name="many", type="category").save()
    adds = []
    for round_index in range(ROUNDS):  # each round a new artifact: the first one is cold
        frame = pd.DataFrame({"a": [n, round_index]})
        host = ln.Artifact.from_df(frame, description=f"annotated {round_index}").save()
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            host.labels.add(labels, feature=feature)
            adds.append((time.perf_counter() - started) * 1000)
    figures["labels.add(1,000 labels)"] = statistics.median(adds)
    queries_add = len(queries)
    described = ln.Artifact.from_df(pd.DataFrame({"b": [n]}), description="described").save()
    features = [ln.Feature(name=f"f{i:02}", type="number") for i in range(10)]
    features += [ln.Feature(name=f"c{i:02}", type="category") for i in range(10)]
    ln.save(features)
    described.features.add(features)
    for index, category in enumerate(features[10:]):
        described.labels.add(labels[index * 10 : index * 10 + 10], feature=category)
    figures["describe(), 20 features & 100 labels"] = timed(lambda: describe(described))
    backend = "PostgreSQL" if database else "SQLite"
    print(
        f"{backend}, {n:,} artifacts, {n * LINKS_PER_ARTIFACT:,} label links "
        f"(filled in {fill_seconds + annotate_seconds:.0f} s)"
    )
    for what, ms in figures.items():
        print(f"  {what:<40} {ms:8.2f} ms")
    print(f"  labels.add(1,000 labels) sent {queries_add} queries")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    on_databases(
        lambda url, folder: measure(args.artifacts, url, folder), args.databases, fresh_home()
    )


if __name__ == "__main__":
    main()
