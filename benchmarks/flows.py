"""Functions as runs: what `@ln.step()` adds to each call of a 1,000-step flow (floor: 5 ms).

Run: `.venv/bin/python benchmarks/flows.py` (or `make bench-flows`); writes
`benchmarks/results/flows.md`. In a fresh process on a new SQLite instance, one flow calls
a function 1,000 times plain and 1,000 times as a step (each call a run, its params, its
status); the overhead per step is the difference of the two, over 1,000. Medians of 5.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "flows.md"
STEPS = 1000
CODE = """
import sys, time
import lineagedb as ln
ln.setup.init(storage=sys.argv[1])

def plain(i: int) -> int:
    return i * 2

@ln.step()
def tracked_step(i: int) -> int:
    return i * 2

@ln.flow()
def many(n: int, use_steps: bool) -> int:
    return sum(tracked_step(i) if use_steps else plain(i) for i in range(n))

many(10, True)  # the transforms exist: what is timed is the calls
for _ in range(5):
    start = time.perf_counter(); many(int(sys.argv[2]), False); base = time.perf_counter() - start
    start = time.perf_counter(); many(int(sys.argv[2]), True); steps = time.perf_counter() - start
    print((steps - base) / int(sys.argv[2]) * 1000)
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, "LINEAGEDB_HOME": f"{folder}/home"}
        result = subprocess.run(
            [sys.executable, "-c", CODE, f"{folder}/data", str(STEPS)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
    per_step = statistics.median(float(line) for line in result.stdout.split())
    lines = [
        "## Functions as runs (issue 32)",
        "",
        f"`.venv/bin/python benchmarks/flows.py` (`make bench-flows`): a flow of {STEPS:,} "
        "calls, plain and as `@ln.step()` runs (SQLite, median of 5).",
        "",
        "| overhead per step | floor |",
        "|---|---|",
        f"| {per_step:.2f} ms | ≤ 5 ms |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
