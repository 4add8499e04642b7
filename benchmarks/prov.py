"""Lineage out of a whole instance of 100,000 artifacts: `lineagedb export --format
prov-json` (floor: ≤ 30 s), and the same instance as OpenLineage events and as a Process
Run Crate (no floor).

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
    from lineagedb.exchange import export
    from lineagedb.exchange.prov import export_prov
    from lineagedb.exchange.ro_crate import export_ro_crate

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
        # Ended runs: START and COMPLETE events, the latter with the run's 100 outputs.
        cursor.execute("UPDATE lineagedb_run SET finished_at = started_at, status = 'completed'")
    started = time.perf_counter()
    text = export_prov(None)
    seconds = time.perf_counter() - started
    (folder / "instance.prov.json").write_text(text)
    started = time.perf_counter()
    events = export(None, format="openlineage")
    event_seconds = time.perf_counter() - started
    started = time.perf_counter()
    crate = export_ro_crate(None, folder / "crate")
    crate_seconds = time.perf_counter() - started
    lines = [
        "## Lineage out: W3C PROV, OpenLineage, RO-Crate (issue 33)",
        "",
        f"`.venv/bin/python benchmarks/prov.py --artifacts {args.artifacts}` (`make bench-prov`): "
        f"the whole instance — {args.artifacts:,} artifacts, {RUNS:,} runs of 100 transforms, "
        f"{(RUNS - 1) * 10:,} run inputs, every run ended — in each format (SQLite).",
        "",
        "| export | time | size | floor |",
        "|---|---|---|---|",
        f"| PROV-JSON, whole instance | {seconds:.1f} s | {len(text) / 1e6:.0f} MB | ≤ 30 s |",
        f"| OpenLineage events (`--format openlineage`) | {event_seconds:.1f} s | "
        f"{len(events) / 1e6:.0f} MB | — |",
        f"| Process Run Crate (`--format ro-crate`) | {crate_seconds:.1f} s | "
        f"{crate.stat().st_size / 1e6:.0f} MB | — |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
