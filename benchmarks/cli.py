"""Fresh `lineagedb` processes: ls, info, get, status on an instance with 1,000 artifacts.

Run: `.venv/bin/python benchmarks/cli.py`. Each figure is the median wall time
of fresh processes (start, import, reconnect, query, print), as a shell sees it.
Issue 20's floor: ls, info and get ≤ 0.3 s each on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from _common import fresh_home, instance_with_files, report

RUNS = 11
N_ARTIFACTS = 1000


def main() -> None:
    files = instance_with_files(fresh_home(), N_ARTIFACTS)

    command = str(Path(sys.executable).parent / "lineagedb")
    env = dict(os.environ, COLUMNS="120")
    print(f"fresh `lineagedb` processes, SQLite instance with {N_ARTIFACTS} artifacts")
    for args in (
        ["ls"],
        ["ls", "--json"],
        ["info"],
        ["get", "files/7.txt"],
        ["status", str(files)],
        ["--version"],
    ):
        seconds = []
        for _ in range(RUNS):
            start = time.perf_counter()
            subprocess.run([command, *args], capture_output=True, check=True, env=env)
            seconds.append(time.perf_counter() - start)
        name = "lineagedb " + " ".join(args).replace(str(files), "data/files")
        report(name, seconds, unit="s")


if __name__ == "__main__":
    main()
