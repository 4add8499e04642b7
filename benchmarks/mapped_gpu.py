"""mapped() feeding a small model on a GPU: samples/s and the share of time spent waiting for data.

Run on a machine with a CUDA GPU and torch (the device tool's machine):
`python benchmarks/mapped_gpu.py --out results.json`. It writes three
seeded 200,000 × 2,000 CSR `.h5ad` files (~10 % non-zeros), then trains a
small classifier (cell type from expression: 2,000 → 512 → 128 → 5, Adam,
bf16 autocast) for a fixed number of batches of 256 through
`torch.utils.data.DataLoader(MappedCollection(...))` with 0, 4 and 8
workers. "Data wait" is the time the training loop spends in
`next(loader)` (the GPU idles meanwhile); "GPU only" trains on one batch
already on the GPU, the ceiling the loader is measured against.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_files(folder: Path, n_obs: int, n_vars: int) -> list[Path]:
    from lineagedb.datasets import anndata_counts

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for seed in range(3):
        path = folder / f"cells_{seed}.h5ad"
        if not path.exists():
            anndata_counts(n_obs=n_obs, n_vars=n_vars, density=0.1, seed=seed).write_h5ad(path)
        paths.append(path)
    return paths


def main() -> None:
    import torch

    from lineagedb.arrays.mapped import MappedCollection

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("/tmp/mapped-gpu"))
    parser.add_argument("--n-obs", type=int, default=200_000)
    parser.add_argument("--n-vars", type=int, default=2_000)
    parser.add_argument("--batches", type=int, default=300)
    parser.add_argument("--workers", default="0,4,8")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    started = time.perf_counter()
    paths = make_files(args.data, args.n_obs, args.n_vars)
    results: dict = {
        "device": torch.cuda.get_device_name(0) if device.type == "cuda" else "cpu",
        "files": [str(p) for p in paths],
        "make_files_s": time.perf_counter() - started,
        "torch": torch.__version__,
    }
    ds = MappedCollection(paths, obs_keys=["cell_type"], parallel=True)
    n_classes = len(ds.encoders["cell_type"])
    print(f"{ds}; {n_classes} classes; device {results['device']}", flush=True)

    def new_model() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
        torch.manual_seed(0)
        model = torch.nn.Sequential(
            torch.nn.Linear(args.n_vars, 512),
            torch.nn.ReLU(),
            torch.nn.Linear(512, 128),
            torch.nn.ReLU(),
            torch.nn.Linear(128, n_classes),
        ).to(device)
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)

    def step(model: torch.nn.Module, optimizer: torch.optim.Optimizer, x, y) -> torch.Tensor:
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda"):
            loss = torch.nn.functional.cross_entropy(model(torch.log1p(x)), y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    def sync() -> None:
        if device.type == "cuda":
            torch.cuda.synchronize()

    # The ceiling: one batch already on the GPU, trained on repeatedly.
    model, optimizer = new_model()
    batch = ds.__getitems__(list(range(0, len(ds), max(1, len(ds) // 256)))[:256])
    x = torch.stack([torch.from_numpy(s["X"]) for s in batch]).to(device)
    y = torch.tensor([s["cell_type"] for s in batch], device=device)
    for _ in range(20):
        step(model, optimizer, x, y)
    sync()
    began = time.perf_counter()
    for _ in range(args.batches):
        step(model, optimizer, x, y)
    sync()
    gpu_only = args.batches * 256 / (time.perf_counter() - began)
    results["gpu_only_samples_per_s"] = gpu_only
    print(f"GPU only: {gpu_only:,.0f} samples/s", flush=True)

    for workers in [int(w) for w in args.workers.split(",")]:
        model, optimizer = new_model()
        loader = torch.utils.data.DataLoader(
            ds,
            batch_size=256,
            shuffle=True,
            num_workers=workers,
            pin_memory=device.type == "cuda",
            persistent_workers=workers > 0,
            prefetch_factor=4 if workers else None,
            generator=torch.Generator().manual_seed(0),
        )
        iterator = iter(loader)
        for _ in range(5):  # warm-up: workers started, handles open
            b = next(iterator)
            step(model, optimizer, b["X"].to(device), b["cell_type"].to(device))
        sync()
        waiting = 0.0
        samples = 0
        began = time.perf_counter()
        for _ in range(args.batches):
            sync()  # the GPU is done with the last step: what follows is waiting for data
            t0 = time.perf_counter()
            b = next(iterator)
            xb = b["X"].to(device, non_blocking=True)
            yb = b["cell_type"].to(device, non_blocking=True)
            waiting += time.perf_counter() - t0
            loss = step(model, optimizer, xb, yb)
            samples += len(yb)
        sync()
        total = time.perf_counter() - began
        figures = {
            "samples_per_s": samples / total,
            "data_wait_fraction": waiting / total,
            "final_loss": float(loss.detach()),
        }
        results[f"workers_{workers}"] = figures
        print(
            f"{workers} workers: {figures['samples_per_s']:,.0f} samples/s, GPU waits for data "
            f"{figures['data_wait_fraction']:.0%} of the time, loss {figures['final_loss']:.3f}",
            flush=True,
        )
        del iterator, loader
    ds.close()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
