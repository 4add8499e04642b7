"""The Snakemake logger plugin's cost per job (floor: ≤ 20 ms a job).

Run: `.venv/bin/python benchmarks/snakemake_plugin.py [--jobs 200] [--rounds 3]` (or
`make bench-snakemake`); writes `benchmarks/results/snakemake.md`. A Snakefile of one rule
that writes one small file per job (200 jobs, `--cores 1`) runs in a fresh folder with and
without `--logger lineagedb`, pair by pair (SQLite instance); the cost per job is the
difference of the medians over the number of jobs. With the plugin, each job is a run with
its input linked and its output saved as an artifact.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

RESULTS = Path(__file__).parent / "results" / "snakemake.md"
SNAKEFILE = """
N = {jobs}

rule all:
    input: expand("out/{{i}}.txt", i=range(N))

rule write:
    input: "seed.txt"
    output: "out/{{i}}.txt"
    shell: "echo {{wildcards.i}} > {{output}}"
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from _common import fresh_home

    import lineagedb as ln

    folder = fresh_home()
    ln.setup.init(storage=folder / "data")
    checkout = Path(ln.__file__).parent.parent
    env = {**os.environ, "PYTHONPATH": str(checkout)}

    def once(plugin: bool, round_: int) -> float:
        work = folder / f"{'with' if plugin else 'without'}-{round_}"
        work.mkdir()
        (work / "Snakefile").write_text(SNAKEFILE.format(jobs=args.jobs))
        (work / "seed.txt").write_text("seed\n")
        command = [sys.executable, "-m", "snakemake", "--cores", "1", "--quiet", "all"]
        if plugin:
            command += ["--logger", "lineagedb"]
        started = time.perf_counter()
        subprocess.run(command, cwd=work, env=env, check=True, capture_output=True)
        seconds = time.perf_counter() - started
        shutil.rmtree(work)
        return seconds

    without, with_plugin = [], []
    for round_ in range(args.rounds):
        without.append(once(False, round_))
        with_plugin.append(once(True, round_))
    runs = ln.Run.filter(initiated_by_run__isnull=False).count()
    assert runs == args.rounds * (args.jobs + 1), runs  # every job recorded, and `all`
    base, plugged = statistics.median(without), statistics.median(with_plugin)
    per_job = (plugged - base) / args.jobs * 1000
    lines = [
        "## The Snakemake logger plugin (issue 33)",
        "",
        f"`.venv/bin/python benchmarks/snakemake_plugin.py --jobs {args.jobs} --rounds "
        f"{args.rounds}` (`make bench-snakemake`): {args.jobs} jobs of one rule, `--cores 1`, "
        "a SQLite instance; each job with the plugin is a run, its input linked, its output "
        "saved.",
        "",
        "| snakemake | median of runs | per job | floor |",
        "|---|---|---|---|",
        f"| without the plugin | {base:.2f} s | | |",
        f"| `--logger lineagedb` | {plugged:.2f} s | +{per_job:.1f} ms | ≤ 20 ms |",
        "",
    ]
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
