"""One workload, one system, one fresh process: prints {"seconds": ..., "peak_rss_mb": ...}.

Run by benchmarks/compare.py with each system's own interpreter:
    python peer_workloads.py SYSTEM WORKLOAD DATA_DIR WORK_DIR
SYSTEM is lineagedb, lamindb or dvc. The work directory is fresh for each run
and is the process's HOME, so no settings are shared between runs or systems.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()  # before any import: the fresh-process workloads count from here

import json  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

N_QUERY_SMALL, N_QUERY_LARGE = 1_000, 10_000


# -- lineagedb and LaminDB share most of their API ---------------------------------


def _registry(system: str) -> Any:
    if system == "lineagedb":
        import lineagedb as ln

        ln.settings.verbosity = "error"
        return ln
    import lamindb as ln

    return ln


def _offline(ln: Any, system: str) -> None:
    # LaminDB 2.12 would call its hub for some operations; this stops it.
    if system == "lamindb":
        ln.setup.settings.instance._is_on_hub = False


def _init(ln: Any, system: str, work: Path) -> Any:
    ln.setup.init(storage=str(work / "store"))
    # LaminDB re-imports its modules during init ("re-setting django"): use the new ones.
    ln = _registry(system) if system == "lamindb" else ln
    _offline(ln, system)
    return ln


def _artifact(ln: Any, path: Path, key: str) -> Any:
    return ln.Artifact(str(path), key=key)


def _fill(ln: Any, data: Path, n: int) -> list[Any]:
    paths = sorted((data / "files10000").iterdir())[:n]
    records = [_artifact(ln, p, f"f/{p.name}") for p in paths]
    ln.save(records)  # LaminDB's save() returns None; ours returns the list
    return records


ONE_BY_ONE_LIMIT = 20.0  # DVC takes ~0.4 s per `dvc add`: 1,000 would take minutes


def _one_by_one(save: Callable[[Path], Any], paths: list[Path]) -> dict[str, float]:
    """Save files one by one; past ONE_BY_ONE_LIMIT seconds, extrapolate to all of them."""
    started, done = time.perf_counter(), 0
    for path in paths:
        save(path)
        done += 1
        if time.perf_counter() - started > ONE_BY_ONE_LIMIT:
            break
    elapsed = time.perf_counter() - started
    return {"save_1000_one_by_one": elapsed / done * len(paths), "saved": float(done)}


DF_ROWS = 100  # LaminDB's to_dataframe() returns its newest 100 rows: both systems do


def _df(ln: Any, system: str) -> Any:
    if system == "lineagedb":
        return ln.Artifact.filter().order_by("-id")[:DF_ROWS].df()
    return ln.Artifact.to_dataframe(limit=DF_ROWS)


CSV_KEY = "meta.csv"


def run_registry(system: str, workload: str, data: Path, work: Path) -> float | dict[str, float]:
    """Set up (untimed), then time the workload; returns seconds."""
    # Whole fresh processes, as a user feels them; compare.py made the instance
    # beforehand (setup_1k: 1,000 artifacts and the CSV).
    if workload in ("import_connect_count", "process_df_1k", "process_load_csv"):
        ln = _registry(system)
        _offline(ln, system)
        if workload == "import_connect_count":
            ln.Artifact.filter().count()
        elif workload == "process_df_1k":
            _df(ln, system)
        else:
            ln.Artifact.get(key=CSV_KEY).load()
        return time.perf_counter() - STARTED
    ln = _registry(system)
    # pandas is imported before any timed call: LaminDB imports it with the
    # package, lineagedb on first use; timing one system's import would compare
    # unequal work.
    import pandas  # noqa: F401

    if workload == "init":
        started = time.perf_counter()
        _init(ln, system, work)
        return time.perf_counter() - started
    if workload == "setup_1k":
        ln = _init(ln, system, work)
        _fill(ln, data, N_QUERY_SMALL)
        _artifact(ln, data / "iris" / "study0_raw_images" / "meta.csv", CSV_KEY).save()
        return 0.0
    ln = _init(ln, system, work)
    timed: dict[str, Any] = {
        "track": lambda: ln.track(),
        "save_one_file": lambda: _artifact(ln, data / "mini.csv", "mini.csv").save(),
        "save_study_folders": lambda: [
            _artifact(ln, data / "iris" / f"study{i}_raw_images", f"study{i}").save()
            for i in range(3)
        ],
        "save_5000_folder": lambda: _artifact(ln, data / "folder5000", "folder5000").save(),
        "save_1gib_file": lambda: _artifact(ln, data / "big.bin", "big.bin").save(),
        "save_1000_one_by_one": lambda: _one_by_one(
            lambda path: _artifact(ln, path, f"one/{path.name}").save(),
            sorted((data / "files1000").iterdir()),
        ),
        "bulk_save_10000": lambda: _fill(ln, data, N_QUERY_LARGE),
    }
    if workload in timed:
        started = time.perf_counter()
        result = timed[workload]()
        if isinstance(result, dict):  # already timed (and maybe extrapolated)
            return result
        return time.perf_counter() - started
    if workload == "hash_1gib_file":
        if system != "lineagedb":
            raise NotImplementedError
        from lineagedb.storage.hashing import hash_file

        started = time.perf_counter()
        hash_file(data / "big.bin")
        return time.perf_counter() - started
    if workload.startswith("queries_"):
        # One fill, four timed queries: filling 10,000 records per query would
        # dominate the benchmark's wall time for nothing.
        size = workload.rsplit("_", 1)[1]
        artifacts = _fill(ln, data, N_QUERY_SMALL if size == "1k" else N_QUERY_LARGE)
        key = artifacts[len(artifacts) // 2].key
        queries = {
            "df": lambda: _df(ln, system),
            "filter": lambda: list(ln.Artifact.filter(key__startswith="f/file_0042")),
            "search": lambda: ln.Artifact.search("00421"),
            "get": lambda: ln.Artifact.get(key=key),
        }
        timings = {}
        for name, query in queries.items():
            started = time.perf_counter()
            query()
            timings[f"{name}_{size}"] = time.perf_counter() - started
        return timings  # type: ignore[return-value]
    if workload == "load_csv":
        artifact = _artifact(ln, data / "iris" / "study0_raw_images" / "meta.csv", CSV_KEY).save()
        started = time.perf_counter()
        artifact.load()
        return time.perf_counter() - started
    if workload == "describe":
        artifact = _artifact(ln, data / "mini.csv", "mini.csv").save()
        started = time.perf_counter()
        artifact.describe()
        return time.perf_counter() - started
    if workload == "view_lineage_10000_outputs":
        ln.track()
        artifacts = _fill(ln, data, N_QUERY_LARGE)
        started = time.perf_counter()
        artifacts[123].view_lineage()
        return time.perf_counter() - started
    raise NotImplementedError


# -- DVC: `dvc add` is its save; no registry queries or provenance ---------------------


def run_dvc(workload: str, data: Path, work: Path) -> float | dict[str, float]:
    from dvc.repo import Repo

    repo_dir = work / "repo"
    if workload == "init":
        repo_dir.mkdir()
        started = time.perf_counter()
        Repo.init(str(repo_dir), no_scm=True)
        return time.perf_counter() - started
    sources = {
        "save_one_file": [data / "mini.csv"],
        "save_study_folders": [data / "iris" / f"study{i}_raw_images" for i in range(3)],
        "save_5000_folder": [data / "folder5000"],
        "save_1gib_file": [data / "big.bin"],
        "save_1000_one_by_one": sorted((data / "files1000").iterdir()),
    }
    if workload not in sources:
        raise NotImplementedError
    repo_dir.mkdir()
    repo = Repo.init(str(repo_dir), no_scm=True)
    targets = []
    for source in sources[workload]:  # dvc add needs the data inside the repository
        target = repo_dir / source.name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        targets.append(str(target))
    if workload == "save_1000_one_by_one":
        return _one_by_one(lambda target: repo.add(str(target)), [Path(t) for t in targets])
    started = time.perf_counter()
    for target in targets:
        repo.add(target)
    return time.perf_counter() - started


def main() -> None:
    system, workload, data, work = sys.argv[1], sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
    try:
        if system == "dvc":
            seconds = run_dvc(workload, data, work)
        else:
            seconds = run_registry(system, workload, data, work)  # type: ignore[assignment]
    except NotImplementedError:
        print(json.dumps({"unsupported": True}))
        return
    peak = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    if isinstance(seconds, dict):  # several timed operations in one process
        print(json.dumps({"timings": seconds, "peak_rss_mb": peak}))
    else:
        print(json.dumps({"seconds": seconds, "peak_rss_mb": peak}))


if __name__ == "__main__":
    main()
