"""A sample sheet as typed records: `ln.Record.from_dataframe(df, type=sample).save()` of
10,000 rows and 10 features, beside LaminDB 2.12.1 (floors: ≤ 2 s, ≥ 5× LaminDB).

Run: `.venv/bin/python benchmarks/sheets.py [--rows 10000]` (or `make bench-sheets`);
writes `benchmarks/results/sheets.md`. Each system runs in its own interpreter (LaminDB
from `.bench/lamindb`, made by `make bench`) and a fresh HOME, on SQLite. The type's
schema has 10 features: 4 numbers, 3 text, a date, a label (`cat[ULabel]`) and another
record (`cat[Record[Donor]]`); the sheet is read back with `to_dataframe()`. Each figure
is the median of 3 rounds, each round a new type (and new row names).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

from _common import beside_lamindb, init_instance

RESULTS = Path(__file__).parent / "results" / "sheets.md"
ROUNDS = 3


def sheet(rows: int, round_: int) -> Any:
    import pandas as pd

    return pd.DataFrame(
        {
            "name": [f"S{round_}_{i:06}" for i in range(rows)],
            **{f"count_{k}": [i * (k + 1) for i in range(rows)] for k in range(4)},
            **{f"text_{k}": [f"value {i % 97}" for i in range(rows)] for k in range(3)},
            "collected": pd.to_datetime([f"2024-05-{1 + i % 28:02}" for i in range(rows)]),
            "condition": [("treated", "control")[i % 2] for i in range(rows)],
            "donor": [f"D{i % 20}" for i in range(rows)],
        }
    )


def run_system(system: str, rows: int, work: Path) -> dict[str, float]:
    ln = init_instance(system, work)
    donor = ln.Record(name="Donor", is_type=True).save()
    for i in range(20):
        ln.Record(name=f"D{i}", type=donor).save()
    for name in ("treated", "control"):
        ln.ULabel(name=name).save()
    features = [ln.Feature(name=f"count_{k}", dtype="int").save() for k in range(4)]
    features += [ln.Feature(name=f"text_{k}", dtype="str").save() for k in range(3)]
    features.append(ln.Feature(name="collected", dtype="date").save())
    features.append(ln.Feature(name="condition", dtype="cat[ULabel]").save())
    features.append(ln.Feature(name="donor", dtype=donor).save())  # LaminDB 2: the type
    if system == "lamindb":  # its validation wants values coerced to the features' dtypes
        for feature in features:
            feature.coerce = True
            feature.save()
    schema = ln.Schema(features, name="sample sheet").save()
    saves, reads = [], []
    for round_ in range(ROUNDS):
        sample = ln.Record(name=f"Sample {round_}", is_type=True, schema=schema).save()
        frame = sheet(rows, round_)
        started = time.perf_counter()
        ln.Record.from_dataframe(frame, type=sample).save()
        saves.append(time.perf_counter() - started)
        started = time.perf_counter()
        back = sample.to_dataframe()
        reads.append(time.perf_counter() - started)
        assert len(back) == rows, (system, len(back))
    return {"from_dataframe_save": sorted(saves)[1], "to_dataframe": sorted(reads)[1]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--child", default=None)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_system(args.child, args.rows, Path(os.environ["BENCH_WORK"]))))
        return
    results = beside_lamindb(__file__, ["--rows", str(args.rows)], "sheets")
    ours = results["lineagedb"]
    lines = [
        "## Typed records and sheets (issue 32)",
        "",
        f"`.venv/bin/python benchmarks/sheets.py --rows {args.rows}` (`make bench-sheets`): "
        f"a {args.rows:,}-row sheet of 10 features (numbers, text, a date, a label, a "
        "record), SQLite, each system in its own interpreter; medians of 3.",
        "",
        "| workload | lineagedb | LaminDB 2.12.1 | LaminDB / lineagedb | floor |",
        "|---|---|---|---|---|",
    ]
    for name, floor in (("from_dataframe_save", "≤ 2 s, ≥ 5×"), ("to_dataframe", "—")):
        theirs = results.get("lamindb", {}).get(name)
        ratio = f"{theirs / ours[name]:.1f}×" if theirs else "n/a"
        shown = f"{theirs:.2f} s" if theirs else "did not run"
        lines.append(f"| `{name}` | {ours[name]:.2f} s | {shown} | {ratio} | {floor} |")
    lines.append("")
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
