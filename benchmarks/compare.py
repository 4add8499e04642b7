"""lineagedb side by side with LaminDB 2.12.1 and DVC 3.67.1: medians and ratios.

Run: `make bench` (or `make bench ONLY=w1,w2`, or
`.venv/bin/python benchmarks/compare.py [--runs 5] [--only w1,w2]`).
Each peer gets its own virtualenv under `.bench/` so their pins never meet ours;
every run of every workload is a fresh process with a fresh HOME. Writes
BENCHMARKS.md and benchmarks/results.json.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
# The data and each run's work folder live outside the checkout: a checkout may be watched
# (editors, sync tools); in this repository's machine creating a file inside it cost ~0.45 ms,
# which made the file-heavy workloads of both systems about twice as slow.
SCRATCH = Path(os.environ.get("LINEAGEDB_BENCH_SCRATCH", tempfile.gettempdir())) / "lineagedb-bench"
PEERS = {"lamindb": "lamindb==2.12.1", "dvc": "dvc==3.67.1"}
SYSTEMS = ["lineagedb", "lamindb", "dvc"]
WORKLOADS = [
    "import_connect_count", "process_df_1k", "process_load_csv", "init", "track",
    "save_one_file", "save_study_folders", "save_5000_folder", "save_1gib_file",
    "hash_1gib_file", "save_1000_one_by_one", "bulk_save_10000", "queries_1k",
    "queries_10k", "load_csv", "describe", "view_lineage_10000_outputs",
]  # fmt: skip
# Workloads timed from the start of a fresh process (import + connect + work).
FRESH_PROCESS = ("import_connect_count", "process_df_1k", "process_load_csv")
# A (workload, system) stops repeating once its runs took this long, so that the
# whole comparison stays under 15 minutes: LaminDB's 10,000-record fills take about
# a minute per run here. The table says how many ran.
BUDGET_SECONDS = 35
FLOORS = {  # lineagedb / LaminDB, lower is better (issues 7 and 28)
    "import_connect_count": 0.2, "track": 0.1, "save_1000_one_by_one": 0.1,
    "bulk_save_10000": 0.05, "init": 0.3, "save_5000_folder": 0.5,
    "view_lineage_10000_outputs": 0.05,
}  # fmt: skip


def python_of(system: str) -> str:
    if system == "lineagedb":
        return sys.executable
    venv = BENCH / system
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", PEERS[system]], check=True)
    return str(python)


def version_of(system: str) -> str:
    package = "lineagedb" if system == "lineagedb" else system
    code = f"from importlib.metadata import version; print(version('{package}'))"
    return subprocess.run(
        [python_of(system), "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()


def make_data(folder: Path) -> Path:
    """Seeded data: iris-like studies, 5,000 x 4 KB, 1 GiB, 1,000 and 10,000 small files."""
    marker = folder / ".complete"
    if marker.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    sys.path.insert(0, str(ROOT))
    from lineagedb.datasets import file_mini_csv, iris_studies

    generator = random.Random(7)
    iris_studies(folder / "iris", seed=7)
    file_mini_csv(folder)
    (folder / "folder5000").mkdir()
    for index in range(5000):
        (folder / "folder5000" / f"cell_{index:04}.bin").write_bytes(generator.randbytes(4096))
    for name, count in (("files1000", 1000), ("files10000", 10_000)):
        (folder / name).mkdir()
        for index in range(count):
            (folder / name / f"file_{index:05}.txt").write_text(f"{name} {index}\n")
    with open(folder / "big.bin", "wb") as handle:
        for _ in range(1024):
            handle.write(generator.randbytes(1024 * 1024))
    marker.touch()
    return folder


def run_once(system: str, workload: str, data: Path) -> dict | None:
    work = Path(tempfile.mkdtemp(prefix=f"{system}-", dir=SCRATCH / "work"))
    env = {
        **os.environ,
        "HOME": str(work),
        "LINEAGEDB_HOME": str(work / "lineagedb-home"),
        "LINEAGEDB_CACHE_DIR": str(work / "cache"),
    }
    script = str(ROOT / "benchmarks" / "peer_workloads.py")
    cwd = work / "cwd"  # LaminDB refuses to work with HOME as its working directory
    cwd.mkdir()
    try:
        if workload in FRESH_PROCESS:  # an instance with 1,000 artifacts and a CSV first
            subprocess.run(
                [python_of(system), script, system, "setup_1k", str(data), str(work)],
                cwd=cwd, env=env, capture_output=True, check=True, timeout=900,
            )  # fmt: skip
        result = subprocess.run(
            [python_of(system), script, system, workload, str(data), str(work)],
            cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        if result.returncode != 0:
            print(f"  {system} {workload} failed: {result.stderr.strip()[-300:]}", file=sys.stderr)
            return None
        return json.loads(result.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


def md5_baseline(path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        digest = hashlib.md5()
        with open(path, "rb") as handle:
            while chunk := handle.read(8 * 1024 * 1024):
                digest.update(chunk)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--only", default="", help="Comma-separated workloads.")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="Comma-separated systems.")
    args = parser.parse_args()
    began = time.perf_counter()
    workloads = [w for w in WORKLOADS if not args.only or w in args.only.split(",")]
    systems = args.systems.split(",")
    (SCRATCH / "work").mkdir(parents=True, exist_ok=True)
    data = make_data(SCRATCH / "data")
    versions = {system: version_of(system) for system in systems}
    results: dict[str, dict[str, dict]] = {}
    for workload in workloads:
        names: list[str] = []
        for system in systems:
            runs, started = [], time.perf_counter()
            while len(runs) < args.runs and time.perf_counter() - started < BUDGET_SECONDS:
                runs.append(run_once(system, workload, data))
                if runs[-1] is None or runs[-1].get("unsupported"):
                    break
            if runs[-1] is None or runs[-1].get("unsupported"):
                continue
            timed = [run.get("timings", {workload: run.get("seconds")}) for run in runs]
            for name in timed[0]:
                if name == "saved":  # how many files an extrapolated run really saved
                    continue
                names += [name] if name not in names else []
                results.setdefault(name, {})[system] = {
                    "median_s": statistics.median(t[name] for t in timed),
                    "peak_rss_mb": max(run["peak_rss_mb"] for run in runs),
                    "runs": len(runs),
                }
                if "saved" in timed[0]:
                    results[name][system]["files_saved"] = min(t["saved"] for t in timed)
        for name in names:
            print(name, {s: results[name].get(s, {}).get("median_s") for s in systems}, flush=True)
    md5_seconds = md5_baseline(data / "big.bin", args.runs)
    minutes = (time.perf_counter() - began) / 60
    # A subset prints its table; only a whole run rewrites BENCHMARKS.md and results.json.
    whole = workloads == WORKLOADS and systems == SYSTEMS
    write_reports(results, systems, versions, md5_seconds, args.runs, minutes, write=whole)


def ratio(results: dict, workload: str, peer: str) -> float | None:
    ours = results[workload].get("lineagedb", {}).get("median_s")
    theirs = results[workload].get(peer, {}).get("median_s")
    return ours / theirs if ours and theirs else None


def write_reports(
    results: dict,
    systems: list[str],
    versions: dict,
    md5_seconds: float,
    runs: int,
    minutes: float,
    write: bool = True,
) -> None:
    date = datetime.date.today().isoformat()
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    peers = [s for s in systems if s != "lineagedb"]

    def cell(value: float | None, unit: str = "s") -> str:
        if value is None:
            return "—"
        return f"{value * 1000:.1f} ms" if unit == "s" and value < 1 else f"{value:.2f} {unit}"

    lines = [
        "# Benchmarks: lineagedb, LaminDB, DVC",
        "",
        f"Measured {date} on {machine} by `make bench` (`benchmarks/compare.py`): each",
        f"figure is the median of {runs} fresh processes (fewer, marked n=, where {runs} runs",
        f"would exceed {BUDGET_SECONDS} s); the four queries of a size share one process after",
        "one fill. Both systems have imported pandas before any timed call except the",
        "whole-process rows (import_connect_count, process_df_1k, process_load_csv: import +",
        "connect + the work); df rows are the newest 100 (LaminDB's to_dataframe() default).",
        "Ratio = lineagedb / peer (lower is better for lineagedb); peak RSS is the",
        "largest of the runs. — means the system has no such operation. Versions: "
        + ", ".join(f"{system} {versions[system]}" for system in systems)
        + ".",
        "",
        "| workload | " + " | ".join(systems) + " | "
        + " | ".join(f"ratio vs {p}" for p in peers) + " | floor vs lamindb | peak RSS MB ("
        + "/".join(systems) + ") |",
        "|---" * (2 + len(systems) + len(peers) + 1) + "|",
    ]  # fmt: skip
    for workload, row in results.items():
        medians = []
        for system in systems:
            entry = row.get(system, {})
            text = cell(entry.get("median_s"))
            if entry and entry.get("runs", runs) < runs:
                text += f" (n={entry['runs']})"
            if entry.get("files_saved", 1000) < 1000:
                text += f" (extrapolated from {int(entry['files_saved'])} files)"
            medians.append(text)
        ratios = [
            f"{r:.3f}" if (r := ratio(results, workload, p)) is not None else "—" for p in peers
        ]
        floor = FLOORS.get(workload)
        lamindb_ratio = ratio(results, workload, "lamindb") if "lamindb" in systems else None
        floor_text = "—"
        if floor is not None:
            met = lamindb_ratio is not None and lamindb_ratio <= floor
            floor_text = f"≤ {floor}: {'met' if met else 'MISSED'}"
        rss = "/".join(str(row.get(s, {}).get("peak_rss_mb", "—")) for s in systems)
        lines.append(
            f"| {workload} | " + " | ".join(medians + ratios) + f" | {floor_text} | {rss} |"
        )
    hash_row = results.get("hash_1gib_file", {}).get("lineagedb", {}).get("median_s")
    lines += [
        "",
        f"Full-content MD5 of the 1 GiB file: hashlib.md5 alone {md5_seconds:.2f} s; lineagedb's "
        f"hash {cell(hash_row)}"
        + (f" ({md5_seconds / hash_row:.2f}× hashlib's speed)." if hash_row else "."),
        "LaminDB hashes files above 100 MiB from their first and last 50 MiB only, so its",
        "1 GiB save does less work than lineagedb's and DVC's full-content hashes.",
        "",
        f"The whole comparison took {minutes:.1f} minutes, counted from the start of compare.py "
        "(so including the peers' virtualenvs where they had to be made).",
    ]
    notes = ROOT / "benchmarks" / "notes.md"  # what a reader of the table should know
    if notes.exists():
        lines += ["", notes.read_text().rstrip()]
    # Side-by-side runs of other scripts (labels, validation) and lineagedb at scale
    # (10 million artifacts, many writers, several ranks), kept with their commands.
    for name in (
        "peers.md",
        "scale.md",
        "tables.md",
        "flows.md",
        "sheets.md",
        "prov.md",
        "db_move.md",
        "snakemake.md",
    ):
        section = ROOT / "benchmarks" / "results" / name
        if section.exists():
            lines += ["", section.read_text().rstrip()]
    print("\n".join(lines))
    if not write:
        return
    (ROOT / "BENCHMARKS.md").write_text("\n".join(lines) + "\n")
    payload = {
        "date": date, "machine": machine, "versions": versions, "runs": runs,
        "md5_baseline_s": md5_seconds, "minutes": minutes, "results": results,
    }  # fmt: skip
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(payload, indent=2) + "\n")


if __name__ == "__main__":
    main()
