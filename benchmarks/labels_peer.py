"""Label and feature-value workloads, the same calls on lineagedb and LaminDB 2.12.1.

Run: `.venv/bin/python benchmarks/labels_peer.py [--artifacts 10000]`. It runs
each system in its own interpreter (LaminDB from `.bench/lamindb`, made by
`make bench`) and a fresh HOME, fills N artifacts (real files, saved with
`ln.save`), N/10 labels with five label links per artifact (bulk inserts
through each system's link model), one label on 0.1 % of the artifacts under
a feature, and a `temperature` value on 10 % of them (`features.add_values`),
then times the medians of 7 of:

- `Artifact.filter(ulabels=label).count()` for the 0.1 % label;
- `Artifact.filter(ulabels__name=...)`, first page of 100;
- `Artifact.filter(temperature__gt=37.5)`, first page of 100;
- `artifact.labels.add(1,000 labels, feature=f)` on a fresh artifact;
- `describe()` of an artifact with 20 features and 100 labels (output discarded).

`labels.py` measures lineagedb alone at 1,000,000 artifacts; LaminDB's API
fills 10,000 in minutes, so the side-by-side runs at that size.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from _common import beside_lamindb, init_instance, median_of, ratio_table

ROUNDS = 7
LINKS_PER_ARTIFACT = 5


def _timed(function: Any) -> float:
    return median_of(function, ROUNDS) * 1000


def run_system(system: str, n: int, work: Path) -> dict[str, float]:
    """Fill and time one system in this process (started with that system's interpreter)."""
    import pandas as pd

    ln = init_instance(system, work)
    started = time.perf_counter()
    files = work / "files"
    files.mkdir()
    for index in range(n):
        (files / f"{index}.txt").write_text(f"file {index}\n")
    ln.save([ln.Artifact(str(p), key=f"f/{p.name}") for p in sorted(files.iterdir())])
    ln.save([ln.ULabel(name=f"label_{i:05}") for i in range(n // 10)])
    target = ln.ULabel(name="target").save()
    condition = ln.Feature(name="condition", dtype="cat[ULabel]").save()
    ln.Feature(name="temperature", dtype="num").save()
    artifact_ids = list(ln.Artifact.filter(key__startswith="f/").values_list("id", flat=True))
    label_ids = list(ln.ULabel.filter(name__startswith="label_").values_list("id", flat=True))
    links = []
    for index, artifact_id in enumerate(artifact_ids):
        for k in range(LINKS_PER_ARTIFACT):
            label_id = label_ids[(index * LINKS_PER_ARTIFACT + k) % len(label_ids)]
            links.append(ln.models.ArtifactULabel(artifact_id=artifact_id, ulabel_id=label_id))
        if index % 1000 == 0:
            links.append(
                ln.models.ArtifactULabel(
                    artifact_id=artifact_id, ulabel_id=target.id, feature_id=condition.id
                )
            )
    ln.models.ArtifactULabel.objects.bulk_create(links, batch_size=5000)
    valued = artifact_ids[::10]
    for index, artifact in enumerate(ln.Artifact.filter(id__in=valued)):
        # 35 to 40 °C: half of them above 37.5
        artifact.features.add_values({"temperature": round(35 + index * 5 / len(valued), 3)})
    fill_seconds = time.perf_counter() - started

    expected = len(artifact_ids[::1000])
    assert ln.Artifact.filter(ulabels=target).count() == expected
    figures = {
        "fill_s": fill_seconds,
        "count, label on 0.1 %": _timed(lambda: ln.Artifact.filter(ulabels=target).count()),
        "ulabels__name, page of 100": _timed(
            lambda: list(ln.Artifact.filter(ulabels__name="label_00042")[:100])
        ),
        "temperature__gt=37.5, page of 100": _timed(
            lambda: list(ln.Artifact.filter(temperature__gt=37.5)[:100])
        ),
    }
    hits = len(list(ln.Artifact.filter(temperature__gt=37.5)[:100]))
    assert hits > 0, "temperature__gt matched nothing"
    labels = list(ln.ULabel.filter(name__startswith="label_")[:1000])
    many = ln.Feature(name="many", dtype="cat[ULabel]").save()
    adds = []
    for round_index in range(ROUNDS):  # a fresh artifact each round
        frame = pd.DataFrame({"a": [n, round_index]})
        host = ln.Artifact.from_dataframe(frame, key=f"annotated_{round_index}.parquet").save()
        started = time.perf_counter()
        host.labels.add(labels, feature=many)
        adds.append((time.perf_counter() - started) * 1000)
    figures["labels.add(1,000 labels)"] = statistics.median(adds)
    described = ln.Artifact.from_dataframe(pd.DataFrame({"b": [n]}), key="described.parquet")
    described.save()
    numbers = [ln.Feature(name=f"f{i:02}", dtype="num").save() for i in range(10)]
    categories = [ln.Feature(name=f"c{i:02}", dtype="cat[ULabel]").save() for i in range(10)]
    described.features.add_values({feature.name: float(i) for i, feature in enumerate(numbers)})
    for index, category in enumerate(categories):
        described.labels.add(labels[index * 10 : index * 10 + 10], feature=category)

    def describe() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            described.describe()

    figures["describe(), 20 features & 100 labels"] = _timed(describe)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = Path(os.environ["BENCH_WORK"])
        print(json.dumps(run_system(args.child, args.artifacts, work)))
        return
    results = beside_lamindb(__file__, ["--artifacts", str(args.artifacts)], "labels")
    if results:
        print(
            f"SQLite, {args.artifacts:,} artifacts, {args.artifacts * LINKS_PER_ARTIFACT:,} links"
        )
        print(ratio_table(results, "ms"))


if __name__ == "__main__":
    main()
