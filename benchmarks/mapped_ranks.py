"""mapped() on two ranks (a gloo process group on this machine's CPUs), two DataLoader workers
each: samples/s for one epoch, sharded by ``rank=``/``world_size=`` and by DistributedSampler.

Needs PyTorch (`make torch` installs the CPU build). Writes three seeded CSR
``.h5ad`` files, then starts two rank processes that each read their share
of the observations once, in batches of 256, and reports per rank and
together. Run: `python benchmarks/mapped_ranks.py --out benchmarks/results/mapped_ranks.json`.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from mapped_gpu import make_files  # noqa: E402
from servers import free_port  # noqa: E402


def rank_main(rank: int, port: str, mode: str, workers: int, paths: list[str]) -> None:
    """One rank: its share of one epoch; prints {"rank", "samples", "seconds"}."""
    import torch
    import torch.distributed as dist

    from lineagedb.arrays.mapped import MappedCollection

    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
    sharded = {"rank": rank, "world_size": 2} if mode == "rank" else {}
    ds = MappedCollection(paths, obs_keys=["cell_type"], parallel=True, **sharded)  # type: ignore[arg-type]
    sampler = (
        torch.utils.data.distributed.DistributedSampler(ds, shuffle=True, seed=0)
        if mode == "sampler"
        else None
    )
    loader = torch.utils.data.DataLoader(
        ds,
        batch_size=256,
        num_workers=workers,
        sampler=sampler,
        shuffle=False,
        worker_init_fn=ds.torch_worker_init_fn,
        persistent_workers=False,
    )
    dist.barrier()
    started = time.perf_counter()
    samples = 0
    for batch in loader:
        samples += len(batch["X"])
    seconds = time.perf_counter() - started
    dist.barrier()
    print(json.dumps({"rank": rank, "samples": samples, "seconds": seconds}), flush=True)
    dist.destroy_process_group()


def run(mode: str, workers: int, paths: list[Path]) -> dict[str, object]:
    port = str(free_port())
    command = [sys.executable, __file__, "--rank-of", mode, "--workers", str(workers), "--port"]
    processes = [
        subprocess.Popen(
            [*command, port, "--rank", str(rank), *map(str, paths)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for rank in (0, 1)
    ]
    ranks = []
    for process in processes:
        out, _ = process.communicate(timeout=1200)
        if process.returncode != 0:
            raise SystemExit(f"rank process failed ({process.returncode})")
        ranks.append(json.loads(out.strip().splitlines()[-1]))
    samples = sum(r["samples"] for r in ranks)
    wall = max(r["seconds"] for r in ranks)
    return {
        "mode": mode,
        "workers_per_rank": workers,
        "ranks": ranks,
        "samples": samples,
        "wall_seconds": round(wall, 3),
        "samples_per_second": round(samples / wall),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/tmp/mapped-ranks"))
    parser.add_argument("--n-obs", type=int, default=50_000)
    parser.add_argument("--n-vars", type=int, default=1_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--rank-of", help=argparse.SUPPRESS)
    parser.add_argument("--port", help=argparse.SUPPRESS)
    parser.add_argument("--rank", type=int, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rank_of:
        rank_main(args.rank, args.port, args.rank_of, args.workers, args.paths)
        return
    import torch

    paths = make_files(args.data, args.n_obs, args.n_vars)
    results = {
        "files": [f"{args.n_obs} x {args.n_vars} CSR, 10 % non-zeros"] * len(paths),
        "torch": torch.__version__,
        "runs": [run(mode, args.workers, paths) for mode in ("rank", "sampler")],
    }
    print(json.dumps(results, indent=1))
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
