"""Helpers shared by the benchmark scripts: temp homes and medians."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def fresh_home() -> Path:
    """A temporary folder used as LINEAGEDB_HOME and work dir for one benchmark."""
    folder = Path(tempfile.mkdtemp(prefix="lineagedb-bench-"))
    os.environ["LINEAGEDB_HOME"] = str(folder / "home")
    os.environ["LINEAGEDB_CACHE_DIR"] = str(folder / "cache")
    return folder


def report(name: str, seconds: list[float], per: int = 1, unit: str = "ms") -> None:
    """Print the median (and spread) of repeated timings, per item when ``per`` > 1."""
    scale = 1000 if unit == "ms" else 1
    median = statistics.median(seconds) / per * scale
    low, high = min(seconds) / per * scale, max(seconds) / per * scale
    spread = f"(min {low:.2f}, max {high:.2f}, n={len(seconds)})"
    print(f"{name:<48} median {median:9.2f} {unit}   {spread}")


def on_databases(  # type: ignore[no-untyped-def]
    measure, databases: str, folder: Path, settings: dict[str, str] | None = None
) -> None:
    """Call ``measure(url, folder)`` per database: None for SQLite, a throwaway PostgreSQL's URL.

    ``settings``: the PostgreSQL server's own (then its data is on disk, not in
    memory: large fills, durable commits).
    """
    server = None
    try:
        for database in databases.split(","):
            url = None
            if database == "postgresql":
                from conftest import PostgresServer  # tests/ is on sys.path

                server = server or PostgresServer(settings, on_disk=settings is not None)
                url = server.url(server.create_database(folder))
            measure(url, folder)
    finally:
        if server is not None:
            server.stop()


LAMINDB_PYTHON = Path(__file__).parent.parent / ".bench" / "lamindb" / "bin" / "python"


def median_of(function, rounds: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds: the median of ``rounds`` calls after one warm-up call."""
    function()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def beside_lamindb(script: str, args: list[str], name: str) -> dict[str, dict[str, float]]:
    """Run ``script --child SYSTEM`` with lineagedb's and LaminDB's interpreters; their JSON.

    Each system gets a fresh HOME (LaminDB keeps its settings there) and works
    in a folder below it (LaminDB refuses HOME as its working directory). A
    system that fails is reported and left out.
    """
    systems = {"lineagedb": sys.executable}
    if LAMINDB_PYTHON.exists():
        systems["lamindb"] = str(LAMINDB_PYTHON)
    results: dict[str, dict[str, float]] = {}
    for system, python in systems.items():
        work = Path(tempfile.mkdtemp(prefix=f"lineagedb-bench-{name}-{system}-"))
        (work / "cwd").mkdir()
        env = dict(
            os.environ,
            HOME=str(work),
            LINEAGEDB_HOME=str(work / "lineagedb-home"),
            BENCH_WORK=str(work),
        )
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # compiled once, as a user's install is
        output = subprocess.run(
            [python, script, *args, "--child", system],
            cwd=work / "cwd",
            env=env,
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if output.returncode != 0:
            print(f"{system} failed:\n{output.stderr[-3000:]}")
            continue
        results[system] = json.loads(output.stdout.strip().splitlines()[-1])
    return results


def ratio_table(results: dict[str, dict[str, float]], unit: str, scale: float = 1.0) -> str:
    """Each workload's figure per system and LaminDB's over lineagedb's; the fill last."""
    names = [name for name in next(iter(results.values())) if name != "fill_s"]
    width = max(len(name) for name in names) + 2
    both = len(results) == 2
    lines = [f"  {'workload':<{width}}" + "".join(f"{s:>13}" for s in results)]
    lines[0] += "   lamindb/lineagedb" if both else ""
    for name in names:
        row = f"  {name:<{width}}" + "".join(
            f"{results[s][name] * scale:>10.3f} {unit:<2}" for s in results
        )
        if both:
            row += f"   {results['lamindb'][name] / results['lineagedb'][name]:>8.1f}x"
        lines.append(row)
    fills = "".join(f"{results[s]['fill_s']:>10.0f} s " for s in results)
    lines.append(f"  {'fill (untimed setup)':<{width}}" + fills)
    return "\n".join(lines)


def init_instance(system: str, work: Path):  # type: ignore[no-untyped-def]
    """A new SQLite instance of ``system`` (lineagedb or lamindb) in ``work``; its module."""
    if system == "lineagedb":
        import lineagedb as ln

        ln.settings.verbosity = "error"
        ln.settings.upon_create_search_names = False
        ln.setup.init(storage=str(work / "store"))
        return ln
    import lamindb as ln

    ln.setup.init(storage=str(work / "store"))
    import lamindb as ln  # again: LaminDB re-imports itself during init

    ln.setup.settings.instance._is_on_hub = False  # no calls to its hub
    ln.settings.verbosity = "error"
    return ln


def instance_with_files(folder: Path, n: int) -> Path:
    """A new lineagedb instance in ``folder/data`` with ``n`` small files registered in place."""
    import lineagedb as ln

    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / "data")
    files = folder / "data" / "files"
    files.mkdir()
    for index in range(n):
        (files / f"{index}.txt").write_text(f"file {index}\n")
    ln.save([ln.Artifact(path) for path in sorted(files.iterdir())])
    return files
