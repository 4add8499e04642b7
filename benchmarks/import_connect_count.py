"""Fresh process: `import lineagedb` + reconnect to the last instance + count artifacts.

Run: `make bench` or `.venv/bin/python benchmarks/import_connect_count.py`.
Each figure is the median of several fresh processes, timed inside the process.
"""

from __future__ import annotations

import json
import subprocess
import sys

from _common import fresh_home, instance_with_files, report

RUNS = 7
N_ARTIFACTS = 1000

CHILD = """
import time, json
t0 = time.perf_counter()
import lineagedb as ln
t1 = time.perf_counter()
count = ln.Artifact.filter().count()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "connect_count": t2 - t1, "count": count}))
"""


def main() -> None:
    instance_with_files(fresh_home(), N_ARTIFACTS)

    results = []
    for _ in range(RUNS):
        output = subprocess.run(
            [sys.executable, "-c", CHILD], capture_output=True, text=True, check=True
        ).stdout
        results.append(json.loads(output))
    assert all(result["count"] == N_ARTIFACTS for result in results)
    print(f"fresh process, SQLite instance with {N_ARTIFACTS} artifacts")
    report("import lineagedb", [r["import"] for r in results])
    report("reconnect + Artifact.filter().count()", [r["connect_count"] for r in results])
    report("import + connect + count", [r["import"] + r["connect_count"] for r in results])


if __name__ == "__main__":
    main()
