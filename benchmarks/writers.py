"""Many writers on one instance: throughput, p99 latency, errors, duplicates, and a check of
every record written.

Run: `.venv/bin/python benchmarks/writers.py --databases postgresql --processes 8 --threads 4`
(32 writers) and `--databases sqlite --processes 4 --threads 2` (8 writers); writes
`benchmarks/results/writers_<db>.json`.

Each writer, for `--seconds`: writes a small file of its own, saves it as an
artifact (`Artifact(path, key=...).save()`), adds one of 20 shared labels
(created by whichever writer needs one first: `ULabel(name=...).save()`
returns the existing label when another writer won) and a `temperature`
and `batch` value (`features.add_values`). Afterwards every artifact is
checked: its bytes hash to its hash, it has its label and both values; no
two artifacts share content, no two labels a name.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))

from _common import fresh_home, on_databases

N_LABELS = 20


def writer(process: int, thread: int, deadline: float, folder: Path, out: dict[str, Any]) -> None:
    import lineagedb as ln

    latencies: dict[str, list[float]] = {"save": [], "labels.add": [], "add_values": []}
    errors: list[str] = []
    saved: list[str] = []
    i = 0
    while time.time() < deadline:
        path = folder / f"p{process}_t{thread}_{i}.txt"
        path.write_text(f"writer {process}/{thread} file {i}\n")
        try:
            started = time.perf_counter()
            artifact = ln.Artifact(str(path), key=f"w/p{process}/t{thread}/{i}.txt").save()
            latencies["save"].append(time.perf_counter() - started)
            saved.append(artifact.uid)
            name = f"label_{(process * 7 + thread * 3 + i) % N_LABELS}"
            started = time.perf_counter()
            label = ln.ULabel(name=name).save()
            artifact.labels.add(label)
            latencies["labels.add"].append(time.perf_counter() - started)
            started = time.perf_counter()
            artifact.features.add_values({"temperature": 30 + i % 100 / 10, "batch": f"b{i % 5}"})
            latencies["add_values"].append(time.perf_counter() - started)
        except Exception:  # counted and shown: the benchmark's point is that there are none
            errors.append(traceback.format_exc(limit=4))
        i += 1
    from django.db import connection

    connection.close()
    out[f"{process}/{thread}"] = {"latencies": latencies, "errors": errors, "saved": saved}


def child(process: int, threads: int, seconds: float, folder: Path) -> None:
    """One writer process: ``threads`` writers, each with its own database connection."""
    import lineagedb as ln

    ln.settings.verbosity = "error"
    ln.Artifact.filter().count()  # connect before the clock starts
    deadline = float(os.environ["WRITERS_START"]) + seconds
    while time.time() < float(os.environ["WRITERS_START"]):
        time.sleep(0.01)
    out: dict[str, Any] = {}
    workers = [
        threading.Thread(target=writer, args=(process, t, deadline, folder, out))
        for t in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(out))


def verify(saved: list[str]) -> dict[str, Any]:
    """Check every saved artifact and the registries' uniqueness."""
    from django.db.models import Count

    import lineagedb as ln

    problems: list[str] = []
    artifacts = {a.uid: a for a in ln.Artifact.filter(uid__in=saved)}
    missing = sorted(set(saved) - set(artifacts))
    if missing:
        problems.append(f"{len(missing)} saved artifacts are not in the registry")
    for artifact in artifacts.values():
        if not artifact.verify():
            problems.append(f"{artifact.uid}: bytes do not match the hash")
    duplicates = (
        ln.Artifact.objects.values("hash", "storage_id").annotate(n=Count("id")).filter(n__gt=1)
    )
    labels = ln.ULabel.objects.values("name").annotate(n=Count("id")).filter(n__gt=1)
    links = ln.models.ArtifactULabel.objects.filter(artifact__uid__in=saved)
    labelled = set(links.values_list("artifact__uid", flat=True))
    values = ln.models.ArtifactFeatureValue.objects.filter(artifact__uid__in=saved)
    value_counts = dict(
        values.values("artifact__uid").annotate(n=Count("id")).values_list("artifact__uid", "n")
    )
    return {
        "artifacts": len(artifacts),
        "duplicate_contents": duplicates.count(),
        "duplicate_label_names": labels.count(),
        "labels": ln.ULabel.filter(name__startswith="label_").count(),
        "artifacts_without_label": len(set(artifacts) - labelled),
        "artifacts_without_both_values": sum(1 for uid in artifacts if value_counts.get(uid) != 2),
        "problems": problems[:20],
    }


def run(
    database: str | None, processes: int, threads: int, seconds: float, folder: Path
) -> dict[str, Any]:
    import lineagedb as ln

    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / "store", db=database)
    ln.Feature(name="temperature", dtype="num").save()
    ln.Feature(name="batch", dtype="str").save()
    files = folder / "files"
    files.mkdir(exist_ok=True)
    start = time.time() + 5 + processes  # every process connected by then
    env = {**os.environ, "WRITERS_START": str(start)}
    command = [sys.executable, __file__, "--threads", str(threads), "--seconds", str(seconds)]
    children = [
        subprocess.Popen(
            [*command, "--files", str(files), "--child", str(p)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for p in range(processes)
    ]
    merged: dict[str, Any] = {}
    for process in children:
        out, _ = process.communicate(timeout=seconds + 600)
        if process.returncode != 0:
            raise SystemExit(f"a writer process failed ({process.returncode})")
        merged.update(json.loads(out.strip().splitlines()[-1]))
    latencies: dict[str, list[float]] = {}
    errors, saved = [], []
    for result in merged.values():
        for name, values in result["latencies"].items():
            latencies.setdefault(name, []).extend(values)
        errors += result["errors"]
        saved += result["saved"]
    summary: dict[str, Any] = {
        "database": "postgresql" if database else "sqlite",
        "writers": processes * threads,
        "processes": processes,
        "threads_per_process": threads,
        "seconds": seconds,
        "artifacts_saved": len(saved),
        "artifacts_per_second": round(len(saved) / seconds, 1),
        "errors": len(errors),
        "first_errors": errors[:3],
    }
    for name, values in latencies.items():
        values.sort()
        summary[f"{name}_ms"] = {
            "p50": round(statistics.median(values) * 1000, 2) if values else None,
            "p99": round(values[int(len(values) * 0.99)] * 1000, 2) if values else None,
            "n": len(values),
        }
    started = time.perf_counter()
    summary["verified"] = verify(saved)
    summary["verify_seconds"] = round(time.perf_counter() - started, 1)
    return summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--files", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child, args.threads, args.seconds, args.files)
        return

    def measure(url: str | None, folder: Path) -> None:
        summary = run(url, args.processes, args.threads, args.seconds, folder)
        print(json.dumps(summary, indent=1))
        writers = args.processes * args.threads
        out = args.out / f"writers_{summary['database']}_{writers}.json"
        out.write_text(json.dumps(summary, indent=1) + "\n")

    # Durable commits, as a shared server runs them (the suite's cluster turns them off).
    settings = {
        "fsync": "on",
        "synchronous_commit": "on",
        "full_page_writes": "on",
        "max_connections": "200",
    }
    on_databases(measure, args.databases, fresh_home(), settings)


if __name__ == "__main__":
    main()
