"""Arrays: from_anndata().save(), backed slices (local and S3) and mapped() throughput.

Run: `.venv/bin/python benchmarks/arrays.py` (or `make bench-arrays`), beside
LaminDB 2.12.1 from `.bench/lamindb` (made by `make bench`) for `mapped()`.
The DataLoader runs need torch in both virtualenvs, e.g. the CPU wheel:
`uv pip install --python .venv/bin/python torch --index-url https://download.pytorch.org/whl/cpu`.

Data: three 200,000 × 2,000 CSR `.h5ad` files with ~10 % non-zeros (about
320 MB each), generated once into `.bench/data/arrays/`. Every slice and
loader measurement is a fresh process, so that its peak resident memory is
its own; page caches are warm (the files were just written).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".bench" / "data" / "arrays"
LAMINDB_PYTHON = ROOT / ".bench" / "lamindb" / "bin" / "python"
RESULTS = ROOT / "benchmarks" / "results" / "arrays.md"

SLICE = r"""
import json, resource, sys, time
import numpy as np
system, path, endpoint = sys.argv[1], sys.argv[2], sys.argv[5]
n_rows, seed = int(sys.argv[3]), int(sys.argv[4])
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
if endpoint:
    import s3fs
    fs = s3fs.S3FileSystem(endpoint_url=endpoint, key="bench", secret="bench")
started_open = time.perf_counter()
if system == "lineagedb":
    from lineagedb.arrays.backed import open_backed
    from pathlib import Path
    if endpoint:
        from upath import UPath
        target = UPath(path, endpoint_url=endpoint, key="bench", secret="bench")
    else:
        target = Path(path)
    accessor = open_backed(target)
    n_obs = accessor.n_obs
    read = lambda rows: accessor[rows].X
else:
    import anndata as ad, h5py
    if endpoint:
        handle = h5py.File(fs.open(path.removeprefix("s3://"), "rb"), "r")
        X = ad.io.sparse_dataset(handle["X"])
        n_obs = X.shape[0]
        read = lambda rows: X[rows]
    else:
        adata = ad.read_h5ad(path, backed="r")
        n_obs = adata.n_obs
        read = lambda rows: adata[rows].X
opened = time.perf_counter() - started_open
rows = np.sort(np.random.default_rng(seed).choice(n_obs, n_rows, replace=False))
before = peak_mb()
started = time.perf_counter()
matrix = read(rows)
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "open": opened, "nnz": int(matrix.nnz),
                  "peak_added_mb": peak_mb() - before}))
"""

LOADER = r"""
import json, sys, time
import torch
system, workers, batches, paths = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
if system == "lineagedb":
    from lineagedb.arrays.mapped import MappedCollection
else:
    from lamindb.core import MappedCollection
ds = MappedCollection(paths, obs_keys=["cell_type"], parallel=workers > 0)
generator = torch.Generator().manual_seed(0)
loader = torch.utils.data.DataLoader(ds, batch_size=256, shuffle=True, num_workers=workers,
                                     generator=generator, persistent_workers=False)
iterator = iter(loader)
next(iterator)  # workers started, handles open
started = time.perf_counter()
samples = 0
for _ in range(batches):
    batch = next(iterator)
    samples += len(batch["X"])
seconds = time.perf_counter() - started
print(json.dumps({"samples_per_s": samples / seconds, "shape": list(batch["X"].shape)}))
"""


def make_files(n_obs: int, n_vars: int, density: float) -> list[Path]:
    """Three seeded AnnData files (written once)."""
    DATA.mkdir(parents=True, exist_ok=True)
    paths = [DATA / f"cells_{n_obs}x{n_vars}_{seed}.h5ad" for seed in range(3)]
    for seed, path in enumerate(paths):
        if not path.exists():
            sys.path.insert(0, str(ROOT))
            from lineagedb.datasets import anndata_counts

            adata = anndata_counts(n_obs=n_obs, n_vars=n_vars, density=density, seed=seed)
            adata.write_h5ad(path.with_suffix(".tmp"))
            path.with_suffix(".tmp").rename(path)
    return paths


def run_json(python: str | Path, code: str, *args: str, env: dict | None = None) -> dict:
    result = subprocess.run(
        [str(python), "-c", code, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {}), "PYTHONWARNINGS": "ignore"},
        cwd=ROOT,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{code[:40]}… failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def bench_save(n_obs: int, n_vars: int, density: float, runs: int) -> dict:
    """from_anndata(adata).save() against adata.write_h5ad() alone, same object, same disk."""
    sys.path.insert(0, str(ROOT))
    folder = Path(tempfile.mkdtemp(prefix="lineagedb-bench-arrays-"))
    os.environ["LINEAGEDB_HOME"] = str(folder / "home")
    import lineagedb as ln
    from lineagedb.datasets import anndata_counts

    ln.settings.verbosity = "error"
    ln.setup.init(storage=folder / "data")
    adata = anndata_counts(n_obs=n_obs, n_vars=n_vars, density=density, seed=11)
    write, save = [], []
    for index in range(runs):
        adata.obs["n_genes"] = index  # new content each round: no "existing record"
        started = time.perf_counter()
        adata.write_h5ad(folder / f"plain{index}.h5ad")
        write.append(time.perf_counter() - started)
        (folder / f"plain{index}.h5ad").unlink()
        adata.obs["n_genes"] = index + 1000
        started = time.perf_counter()
        ln.Artifact.from_anndata(adata, key=f"saved{index}.h5ad").save()
        save.append(time.perf_counter() - started)
    return {
        "write_h5ad_s": statistics.median(write),
        "save_s": statistics.median(save),
    }


def bench_slices(paths: list[Path], rows: int, runs: int, s3: bool) -> dict:
    results: dict = {}
    endpoint, server = "", None
    target = str(paths[0])
    if s3:
        import logging
        import socket

        import boto3
        from moto.server import ThreadedMotoServer

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        endpoint = f"http://127.0.0.1:{port}"
        client = boto3.client(
            "s3", endpoint_url=endpoint, aws_access_key_id="bench", aws_secret_access_key="bench"
        )
        client.create_bucket(Bucket="bench")
        client.upload_file(str(paths[0]), "bench", "cells.h5ad")
        target = "s3://bench/cells.h5ad"
    try:
        for system in ("lineagedb", "anndata"):
            measured = [
                run_json(sys.executable, SLICE, system, target, str(rows), str(seed), endpoint)
                for seed in range(runs)
            ]
            results[system] = {
                "seconds": statistics.median(m["seconds"] for m in measured),
                "peak_added_mb": max(m["peak_added_mb"] for m in measured),
                "open_s": statistics.median(m["open"] for m in measured),
            }
    finally:
        if server is not None:
            server.stop()
    return results


def bench_loader(paths: list[Path], batches: int, systems: list[str]) -> dict:
    results: dict = {}
    for system in systems:
        python = sys.executable if system == "lineagedb" else LAMINDB_PYTHON
        for workers in (0, 2):
            measured = [
                run_json(
                    python,
                    LOADER,
                    system,
                    str(workers),
                    str(batches),
                    *map(str, paths),
                    env={"HOME": tempfile.mkdtemp(prefix="bench-home-")},
                )
                for _ in range(2)
            ]
            results[f"{system}_{workers}_workers"] = max(m["samples_per_s"] for m in measured)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-obs", type=int, default=200_000)
    parser.add_argument("--n-vars", type=int, default=2_000)
    parser.add_argument("--density", type=float, default=0.1)
    parser.add_argument("--rows", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--only", default="save,slice,slice_s3,mapped")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    only = set(args.only.split(","))
    figures: dict = {}
    lines: list[str] = []

    def say(line: str) -> None:
        print(line, flush=True)
        lines.append(line)

    paths = make_files(args.n_obs, args.n_vars, args.density)
    size = paths[0].stat().st_size / 1e6
    say(f"data: 3 × {args.n_obs:,} × {args.n_vars:,} CSR .h5ad, {size:.0f} MB each")
    if "save" in only:
        figures["save"] = save = bench_save(args.n_obs, args.n_vars, args.density, args.runs)
        ratio = save["save_s"] / save["write_h5ad_s"]
        say(
            f"from_anndata().save()  {save['save_s']:.2f} s   "
            f"write_h5ad() alone {save['write_h5ad_s']:.2f} s   ratio {ratio:.2f} (floor ≤ 1.2)"
        )
    for kind in ("slice", "slice_s3"):
        if kind in only:
            figures[kind] = found = bench_slices(paths, args.rows, args.runs, kind == "slice_s3")
            ours, theirs = found["lineagedb"], found["anndata"]
            where = "S3 (moto)" if kind == "slice_s3" else "local"
            say(
                f"backed slice of {args.rows} random rows, {where}: lineagedb "
                f"{ours['seconds'] * 1000:.1f} ms (+{ours['peak_added_mb']:.1f} MB peak), anndata "
                f"{theirs['seconds'] * 1000:.1f} ms (+{theirs['peak_added_mb']:.1f} MB); "
                f"ratio {ours['seconds'] / theirs['seconds']:.2f} (floor ≤ 1.0)"
            )
    if "mapped" in only:
        systems = ["lineagedb"] + (["lamindb"] if LAMINDB_PYTHON.exists() else [])
        figures["mapped"] = found = bench_loader(paths, args.batches, systems)
        for workers in (0, 2):
            ours = found[f"lineagedb_{workers}_workers"]
            line = (
                f"mapped() DataLoader batch 256, {workers} workers: lineagedb {ours:,.0f} samples/s"
            )
            if "lamindb" in systems:
                theirs = found[f"lamindb_{workers}_workers"]
                line += f", LaminDB 2.12.1 {theirs:,.0f}/s, ratio {ours / theirs:.2f}"
            say(line + " (floor ≥ 1.5)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    if only == {"save", "slice", "slice_s3", "mapped"}:  # a whole run: keep its figures
        import datetime
        import platform

        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(
            f"# Arrays benchmark ({datetime.date.today()}, {platform.machine()}, "
            f"{os.cpu_count()} cores)\n\n`.venv/bin/python benchmarks/arrays.py`\n\n```\n"
            + "\n".join(lines)
            + "\n```\n"
        )


if __name__ == "__main__":
    main()
