"""validate / inspect / standardize at scale (issue 17's floors).

Run: `.venv/bin/python benchmarks/validation.py [--databases sqlite,postgresql]`.
A registry of 100,000 labels (ULabel) and 100,000 features, 50,000 of
them with a synonym; 1,000,000 values (10,000 distinct, 1 % unknown) are
validated, inspected and standardized. Medians of 5.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _common import fresh_home, on_databases

N_RECORDS = 100_000
N_VALUES = 1_000_000
N_DISTINCT = 10_000
N_SYNONYMS = 50_000
ROUNDS = 5


def timed(function) -> float:  # type: ignore[no-untyped-def]
    function()
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def curation_figures(ln) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Curate and save a 3 x 3 table (two categoricals) and a 100,000-row one (five)."""
    import pandas as pd

    columns = [f"cat_{i}" for i in range(5)]
    features = [ln.Feature(name=name, type="category").save() for name in columns]
    number = ln.Feature(name="value", type="number").save()
    small = pd.DataFrame(
        {"cat_0": ["label_000007"] * 3, "cat_1": ["label_000014"] * 3, "value": [1, 2, 3]}
    )
    large = pd.DataFrame(
        {name: [f"label_{(i * 7) % 70000:06}" for i in range(100_000)] for name in columns}
    )
    large["value"] = range(100_000)
    small_schema = ln.Schema([features[0], features[1], number]).save()
    large_schema = ln.Schema([*features, number]).save()
    rounds = iter(range(10_000))

    def curate(frame, schema) -> None:  # type: ignore[no-untyped-def]
        frame = frame.assign(value=frame["value"] + next(rounds) * 1_000_000)  # new content
        curator = ln.curators.DataFrameCurator(frame, schema)
        curator.validate()
        curator.save_artifact(description="curated")

    return {
        "curate + save_artifact, 3 x 3, two categoricals": timed(
            lambda: curate(small, small_schema)
        ),
        "curate + save_artifact, 100,000 rows, five categoricals": timed(
            lambda: curate(large, large_schema)
        ),
    }


def measure(database: str | None, folder: Path) -> None:
    import lineagedb as ln

    name = f"validation-{'pg' if database else 'sqlite'}"
    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / name, db=database)
    ln.settings.upon_create_search_names = False
    started = time.perf_counter()
    ln.save([ln.ULabel(name=f"label_{i:06}") for i in range(N_RECORDS)])
    features = [
        ln.Feature(
            name=f"feature_{i:06}",
            type="number",
            synonyms=f"syn_{i:06}" if i < N_SYNONYMS else None,
        )
        for i in range(N_RECORDS)
    ]
    ln.save(features)
    fill = time.perf_counter() - started
    # 1 % of the distinct values are unknown; every value appears 100 times.
    distinct = [f"label_{i * 7:06}" if i % 100 else f"unknown_{i}" for i in range(N_DISTINCT)]
    values = [distinct[i % N_DISTINCT] for i in range(N_VALUES)]
    synonyms = [f"syn_{i * 3:06}" if i % 2 else f"feature_{i:06}" for i in range(N_DISTINCT)]
    feature_values = [synonyms[i % N_DISTINCT] for i in range(N_VALUES)]
    assert int(ln.ULabel.validate(values).sum()) == N_VALUES - N_VALUES // 100
    figures = {
        "ULabel.validate(1M values, 10k distinct)": timed(lambda: ln.ULabel.validate(values)),
        "ULabel.inspect(same)": timed(lambda: ln.ULabel.inspect(values)),
        "Feature.standardize(1M values, 5k synonyms among them, 50k in the registry)": timed(
            lambda: ln.Feature.standardize(feature_values)
        ),
    }
    figures.update(curation_figures(ln))
    backend = "PostgreSQL" if database else "SQLite"
    print(f"{backend}: {N_RECORDS:,} labels and features (filled in {fill:.0f} s)")
    for what, seconds in figures.items():
        print(f"  {what:<78} {seconds:6.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    on_databases(measure, args.databases, fresh_home())


if __name__ == "__main__":
    main()
