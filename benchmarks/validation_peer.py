"""validate / inspect / standardize / curation: the same calls on lineagedb and LaminDB 2.12.1.

Run: `.venv/bin/python benchmarks/validation_peer.py [--records 100000 --values 1000000]`.
Each system runs in its own interpreter (LaminDB from `.bench/lamindb`, made by
`make bench`) and a fresh HOME, on SQLite. A registry of N labels and N
features (half of the features with a synonym); M values (M/100 distinct, 1 %
unknown) are validated, inspected and standardized; then a 3 × 3 table (two
categoricals) and a 100,000-row table (five categoricals, 10,000 distinct labels in each, as
in validation.py) are curated with
`ln.curators.DataFrameCurator(df, schema)` and saved with `save_artifact()`.
Medians of 5 (3 for the 100,000-row curation).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from _common import beside_lamindb, init_instance, median_of, ratio_table


def _timed(function: Any, rounds: int = 5) -> float:
    return median_of(function, rounds)


def run_system(system: str, n_records: int, n_values: int, work: Path) -> dict[str, float]:
    """Fill and time one system in this process (started with that system's interpreter)."""
    import pandas as pd

    ln = init_instance(system, work)
    started = time.perf_counter()
    ln.save([ln.ULabel(name=f"label_{i:06}") for i in range(n_records)])
    half = n_records // 2
    features = []
    for i in range(n_records):
        feature = ln.Feature(name=f"feature_{i:06}", dtype="num")
        if i < half:  # set after construction: LaminDB 2.12's Feature() refuses synonyms=
            feature.synonyms = f"syn_{i:06}"
        features.append(feature)
    ln.save(features)
    fill = time.perf_counter() - started
    n_distinct = n_values // 100
    distinct = [
        f"label_{(i * 7) % n_records:06}" if i % 100 else f"unknown_{i}" for i in range(n_distinct)
    ]
    values = [distinct[i % n_distinct] for i in range(n_values)]
    synonyms = [
        f"syn_{(i * 3) % half:06}" if i % 2 else f"feature_{i % n_records:06}"
        for i in range(n_distinct)
    ]
    feature_values = [synonyms[i % n_distinct] for i in range(n_values)]
    valid = int(sum(ln.ULabel.validate(values, mute=True)))
    assert valid == n_values - n_values // 100, valid
    figures = {
        "fill_s": fill,
        "ULabel.validate": _timed(lambda: ln.ULabel.validate(values, mute=True)),
        "ULabel.inspect": _timed(lambda: ln.ULabel.inspect(values, mute=True)),
        "Feature.standardize (synonyms)": _timed(lambda: ln.Feature.standardize(feature_values)),
    }
    columns = [f"cat_{i}" for i in range(5)]
    categories = [ln.Feature(name=name, dtype="cat[ULabel]").save() for name in columns]
    number = ln.Feature(name="value", dtype="num").save()
    small = pd.DataFrame(
        {"cat_0": ["label_000007"] * 3, "cat_1": ["label_000014"] * 3, "value": [1.0, 2.0, 3.0]}
    )
    large = pd.DataFrame(
        {
            name: [f"label_{(i * 7) % (n_records * 7 // 10):06}" for i in range(100_000)]
            for name in columns
        }
    )
    large["value"] = [float(i) for i in range(100_000)]
    # LaminDB's curator wants categoricals as pandas categories; lineagedb takes either.
    small = small.astype({"cat_0": "category", "cat_1": "category"})
    large = large.astype({name: "category" for name in columns})
    small_schema = ln.Schema(features=[categories[0], categories[1], number]).save()
    large_schema = ln.Schema(features=[*categories, number]).save()
    rounds = iter(range(10_000))

    def curate(frame: Any, schema: Any) -> None:
        index = next(rounds)
        frame = frame.assign(value=frame["value"] + index * 1_000_000.0)  # new content
        curator = ln.curators.DataFrameCurator(frame, schema)
        curator.validate()
        curator.save_artifact(key=f"curated_{index}.parquet")

    figures["curate + save, 3 x 3"] = _timed(lambda: curate(small, small_schema))
    figures["curate + save, 100,000 rows"] = _timed(lambda: curate(large, large_schema), 3)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--values", type=int, default=1_000_000)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        work = Path(os.environ["BENCH_WORK"])
        print(json.dumps(run_system(args.child, args.records, args.values, work)))
        return
    results = beside_lamindb(
        __file__, ["--records", str(args.records), "--values", str(args.values)], "validation"
    )
    if results:
        print(
            f"SQLite, {args.records:,} labels and features, {args.values:,} values "
            f"({args.values // 100:,} distinct)"
        )
        print(ratio_table(results, "s"))


if __name__ == "__main__":
    main()
