"""Lineage as W3C PROV: `lineagedb export --format prov-json` of a whole instance of
100,000 artifacts (floor: ≤ 30 s).

Run: `.venv/bin/python benchmarks/prov.py [--artifacts 100000]` (or `make bench-prov`);
writes `benchmarks/results/prov.md`. A new SQLite instance is filled by bulk SQL (the
artifacts, labels and values of `benchmarks/scale.py`), then 1,000 runs of 100 transforms
each made 100 of the artifacts and used 10 of the run before; the export runs in this
process, timed from the call to the JSON text (written to a file after).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

RESULTS = Path(__file__).parent / "results" / "prov.md"
RUNS = 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", type=int, default=100_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="lineagedb-prov-"))
    os.environ["LINEAGEDB_HOME"] = str(folder / "home")
    from django.db import connection
    from scale import fill

    import lineagedb as ln
    from lineagedb.exchange.prov import export_prov

    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / "data")
    fill(args.artifacts)
    transforms = ln.save([ln.Transform(name=f"step {i}", type="pipeline") for i in range(100)])
    runs = ln.save([ln.Run(transforms[i % 100], params={"i": i}) for i in range(RUNS)])
    first_run = runs[0].pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE lineagedb_artifact SET run_id = %s + (id %% %s)", [first_run, RUNS])
        table = ln.Run.input_artifacts.through._meta.db_table
        ids = list(ln.Artifact.objects.order_by("id").values_list("id", flat=True)[: RUNS * 10])
        rows = [(first_run + r, ids[(r - 1) * 10 + k]) for r in range(1, RUNS) for k in range(10)]
        cursor.executemany(f"INSERT INTO {table} (run_id, artifact_id) VALUES (%s, %s)", rows)
    started = time.perf_counter()
    text = export_prov(None)
    seconds = time.perf_counter() - started
    (folder / "instance.prov.json").write_text(text)
    lines = [
        "## Lineage as W3C PROV (issue 33)",
        "",
        f"`.venv/bin/python benchmarks/prov.py --artifacts {args.artifacts}` (`make bench-prov`): "
        f"the whole instance — {args.artifacts:,} artifacts, {RUNS:,} runs of 100 transforms, "
        f"{(RUNS - 1) * 10:,} run inputs — as PROV-JSON (SQLite).",
        "",
        "| export | time | size | floor |",
        "|---|---|---|---|",
        f"| whole instance | {seconds:.1f} s | {len(text) / 1e6:.0f} MB | ≤ 30 s |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
