"""Tables opened lazily: how much of a 1 GiB parquet `artifact.open()` reads for a filter
that selects 1 % of its rows (floor: at most 5 % of its bytes).

Run: `.venv/bin/python benchmarks/lazy_tables.py` (or `make bench-tables`); writes
`benchmarks/results/tables.md`. The table has 67,108,864 rows of an ascending int64
``x`` and a random float64 ``value``, uncompressed, in 64 row groups; it is registered in
a fresh SQLite instance, then a new process opens it and reads ``value`` where
``x < rows / 100``. Bytes read are the process's ``rchar`` (/proc/self/io: every read and
pread) around the query, so the page cache cannot hide a read; time is wall time of the
open and the query.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "tables.md"
ROWS = 1 << 26  # 16 bytes a row: 1 GiB
GROUPS = 64

QUERY = """
import json, sys, time
from pathlib import Path
import lineagedb as ln
import pyarrow.dataset as ds

def rchar():
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])

artifact = ln.Artifact.get(key="big.parquet")
rows = int(sys.argv[1])
before, start = rchar(), time.perf_counter()
dataset = artifact.open()
table = dataset.to_table(columns=["value"], filter=ds.field("x") < rows // 100)
seconds = time.perf_counter() - start
print(json.dumps({"read": rchar() - before, "seconds": seconds, "rows": table.num_rows,
                  "size": artifact.size}))
"""


def write_table(path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    schema = pa.schema([("x", pa.int64()), ("value", pa.float64())])
    per_group = ROWS // GROUPS
    with pq.ParquetWriter(path, schema, compression="none") as writer:
        for group in range(GROUPS):
            x = np.arange(group * per_group, (group + 1) * per_group, dtype=np.int64)
            writer.write_table(pa.table({"x": x, "value": rng.random(per_group)}, schema=schema))


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "LINEAGEDB_HOME": f"{folder}/home"}
        table = Path(folder) / "big.parquet"
        write_table(table)
        register = (
            "import lineagedb as ln, sys; ln.setup.init(storage=sys.argv[1]); "
            "ln.Artifact(sys.argv[2], key='big.parquet').save()"
        )
        subprocess.run(
            [sys.executable, "-c", register, f"{folder}/data", str(table)], env=env, check=True
        )
        table.unlink()  # the stored copy is the one read
        result = subprocess.run(
            [sys.executable, "-c", QUERY, str(ROWS)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    share = figures["read"] / figures["size"]
    lines = [
        "# Tables opened lazily",
        "",
        "`.venv/bin/python benchmarks/lazy_tables.py` (`make bench-tables`): a 1 GiB parquet "
        f"({ROWS:,} rows, {GROUPS} row groups, uncompressed), `artifact.open()` and "
        "`to_table(columns=['value'], filter=x < rows/100)` in a fresh process.",
        "",
        "| rows selected | bytes read | of the file | floor | time |",
        "|---|---|---|---|---|",
        f"| {figures['rows']:,} (1 %) | {figures['read']:,} | {share:.2%} | ≤ 5 % | "
        f"{figures['seconds']:.2f} s |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
