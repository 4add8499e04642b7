"""`ln.setup.move_db`: a SQLite instance of 1,000,000 artifacts moved to PostgreSQL
(floor: ≤ 5 min), and the same instance back to SQLite.

Run: `.venv/bin/python benchmarks/db_move.py [--artifacts 1000000]` (or `make bench-move`);
writes `benchmarks/results/db_move.md`. The instance is filled by bulk SQL as in
`benchmarks/scale.py` (per artifact: 5 label links and a value). The PostgreSQL server is
a throwaway cluster on disk (as the scale benchmark's). The moves skip re-hashing the
artifacts' bytes (`verify_bytes=False`: these synthetic records have none); the row
counts of every table are checked inside each move as always.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

RESULTS = Path(__file__).parent / "results" / "db_move.md"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--artifacts", type=int, default=1_000_000)
    args = parser.parse_args()
    from _common import fresh_home
    from scale import fill

    import lineagedb as ln
    from conftest import PostgresServer

    folder = fresh_home()
    ln.settings.verbosity = "warning"
    ln.setup.init(storage=folder / "data")
    started = time.perf_counter()
    fill(args.artifacts)
    filled = time.perf_counter() - started
    server = PostgresServer({"max_wal_size": "8GB", "shared_buffers": "1GB"}, on_disk=True)
    try:
        name = f"move_{uuid.uuid4().hex[:8]}"
        server.execute(f"CREATE DATABASE {name}")
        there = ln.setup.move_db(to=server.url(name), verify_bytes=False)
        back = ln.setup.move_db(to="sqlite", verify_bytes=False)
    finally:
        server.stop()
    lines = [
        "## Instances that move (issue 33)",
        "",
        f"`.venv/bin/python benchmarks/db_move.py --artifacts {args.artifacts}` "
        f"(`make bench-move`): a SQLite instance of {args.artifacts:,} artifacts "
        f"({there.total:,} rows in {len(there.rows)} tables; filled in {filled:.0f} s) moved "
        "to an empty PostgreSQL database and back, row counts checked per table.",
        "",
        "| move | time | rows/s | floor |",
        "|---|---|---|---|",
        f"| SQLite → PostgreSQL | {there.seconds:.0f} s | {there.total / there.seconds:,.0f} "
        "| ≤ 300 s |",
        f"| PostgreSQL → SQLite | {back.seconds:.0f} s | {back.total / back.seconds:,.0f} | |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
