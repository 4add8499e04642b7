"""mapped(): collections of AnnData as PyTorch datasets, local and streamed."""

from __future__ import annotations

import pickle
from pathlib import Path
from types import ModuleType

import anndata as ad
import numpy as np
import pandas as pd
import pytest
from arrays_data import dense

from lineagedb.arrays.mapped import MappedCollection
from lineagedb.datasets import anndata_counts

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# -- mapped --------------------------------------------------------------------------------------


def _stores(ln: ModuleType) -> tuple[list[ad.AnnData], object]:
    first = anndata_counts(n_obs=30, n_vars=8, seed=1, cell_types=("T cell", "B cell"))
    second = anndata_counts(n_obs=20, n_vars=8, seed=2, cell_types=("B cell", "NK cell"))
    second.var_names = [*first.var_names[2:], "ENSGEXTRA1", "ENSGEXTRA2"]
    third = anndata_counts(n_obs=10, n_vars=8, seed=3, cell_types=("T cell",))
    third.obsm["X_pca"] = np.arange(30, dtype=np.float64).reshape(10, 3)
    artifacts = [
        ln.Artifact.from_anndata(first, key="first.h5ad").save(),
        ln.Artifact.from_anndata(second, key="second.zarr").save(),
        ln.Artifact.from_anndata(third, key="third.h5ad").save(),
        ln.Artifact.from_df(pd.DataFrame({"a": [1]}), key="table.parquet").save(),
    ]
    return [first, second, third], ln.Collection(artifacts, name="cells").save()


def test_mapped_joins_variables_and_encodes_labels(
    instance: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    (first, second, third), collection = _stores(ln)
    with collection.mapped(obs_keys="cell_type", join="inner") as ds:
        assert "ignoring artifact" in caplog.text
        assert len(ds) == 60 and ds.shape == (60, 6)
        assert list(ds.var_joint) == list(first.var_names[2:])
        sample = ds[35]
        assert sample["_store_idx"] == 1
        np.testing.assert_array_equal(sample["X"], dense(second[5, list(ds.var_joint)].X)[0])
        categories = ds.get_merged_categories("cell_type")
        assert categories == ["B cell", "NK cell", "T cell"]
        labels = ds.get_merged_labels("cell_type")
        assert [categories[ds[i]["cell_type"]] for i in (0, 31, 55)] == [
            labels[0],
            labels[31],
            labels[55],
        ]
        weights = ds.get_label_weights("cell_type")
        assert weights[0] == pytest.approx(1 / (labels == labels[0]).sum())
    assert ds.closed

    with collection.mapped(join="outer", encode_labels=False, obs_keys=["cell_type"]) as ds:
        assert ds.shape == (60, 10)
        row = ds[55]  # the third store lacks the two extra genes: zero-filled
        assert row["X"][list(ds.var_joint).index("ENSGEXTRA1")] == 0
        assert list(ds.var_joint) == sorted(ds.var_joint)  # LaminDB's order: models agree
        at = ds.var_joint.get_indexer(third.var_names)
        np.testing.assert_array_equal(row["X"][at], dense(third.X[5])[0])
        assert isinstance(row["cell_type"], str)
        batch = ds.__getitems__([59, 0, 31, 0])
        assert [sample["_store_idx"] for sample in batch] == [2, 0, 1, 0]
        np.testing.assert_array_equal(batch[1]["X"], batch[3]["X"])

    with pytest.raises(ValueError, match="encode_labels"):
        collection.mapped(obs_keys=["cell_type"], encode_labels=["tissue"])
    with pytest.raises(ValueError, match="share no variables"):
        disjoint = anndata_counts(n_obs=3, n_vars=2, seed=9)
        disjoint.var_names = ["X1", "X2"]
        lonely = ln.Artifact.from_anndata(disjoint, key="disjoint.h5ad").save()
        ln.Collection([collection.artifacts[0], lonely], name="disjoint").save().mapped()


def test_mapped_unknown_label_obsm_and_dtype(instance: ModuleType) -> None:
    ln = instance
    third = anndata_counts(n_obs=10, n_vars=8, seed=3, cell_types=("T cell", "unknown"))
    third.obsm["X_pca"] = np.arange(30, dtype=np.float64).reshape(10, 3)
    artifact = ln.Artifact.from_anndata(third, key="third.h5ad").save()
    collection = ln.Collection([artifact], name="one").save()
    with collection.mapped(
        obs_keys=["cell_type"], obsm_keys=["X_pca"], unknown_label="unknown", dtype="float16"
    ) as ds:
        sample = ds[4]
        assert sample["X"].dtype == np.float16
        np.testing.assert_array_equal(sample["obsm_X_pca"], [12, 13, 14])
        expected = -1 if third.obs["cell_type"].iloc[4] == "unknown" else 0
        assert sample["cell_type"] == expected
        assert ds.encoders["cell_type"]["unknown"] == -1


def test_mapped_dataset_pickles_and_reopens_in_other_processes(instance: ModuleType) -> None:
    ln = instance
    (_, _, _), collection = _stores(ln)
    ds = collection.mapped(obs_keys=["cell_type"], parallel=True)
    copy = pickle.loads(pickle.dumps(ds))  # what a spawned DataLoader worker receives
    for index in (0, 33, 59):
        np.testing.assert_array_equal(copy[index]["X"], ds[index]["X"])
        assert copy[index]["cell_type"] == ds[index]["cell_type"]
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2) as pool:
        rows = list(pool.map(_row_sum, [ds] * 4, [0, 15, 33, 59]))
    assert rows == [float(ds[i]["X"].sum()) for i in (0, 15, 33, 59)]
    ds.close()


def _row_sum(ds: MappedCollection, index: int) -> float:
    return float(ds[index]["X"].sum())


def test_mapped_feeds_a_dataloader_with_two_workers(instance: ModuleType) -> None:
    torch = pytest.importorskip("torch")
    ln = instance
    (_, _, _), collection = _stores(ln)
    with collection.mapped(obs_keys=["cell_type"], join="outer", parallel=True) as ds:
        loader = torch.utils.data.DataLoader(ds, batch_size=16, num_workers=2, shuffle=False)
        batches = list(loader)
        assert sum(len(batch["X"]) for batch in batches) == 60
        assert batches[0]["X"].shape == (16, 10)
        np.testing.assert_array_equal(batches[2]["X"][5].numpy(), ds[37]["X"])
        assert batches[3]["cell_type"].tolist() == [ds[i]["cell_type"] for i in range(48, 60)]


def test_mapped_collection_records_the_run_input(instance: ModuleType) -> None:
    ln = instance
    (_, _, _), collection = _stores(ln)
    run = ln.track(ln.Transform(name="train"))
    collection.mapped().close()
    assert collection in run.input_collections.all()


@pytest.mark.parametrize("storage_instance", ["s3"], indirect=True)
def test_mapped_streams_from_the_bucket(storage_instance: ModuleType) -> None:
    ln = storage_instance
    first = anndata_counts(n_obs=30, n_vars=8, seed=1)
    second = anndata_counts(n_obs=20, n_vars=8, seed=2)
    artifacts = [
        ln.Artifact.from_anndata(first, key="first.h5ad").save(),
        ln.Artifact.from_anndata(second, key="second.zarr").save(),
    ]
    collection = ln.Collection(artifacts, name="remote").save()
    with collection.mapped(obs_keys=["cell_type"], stream=True) as ds:
        assert len(ds) == 50
        batch = ds.__getitems__([49, 3, 31])
        np.testing.assert_array_equal(batch[0]["X"], dense(second.X[19])[0])
        np.testing.assert_array_equal(batch[1]["X"], dense(first.X[3])[0])
    assert not any(Path(ln.settings.cache_dir).rglob("*.h5ad"))  # nothing was downloaded


# -- several ranks -------------------------------------------------------------------------------


def test_mapped_shards_by_rank(instance: ModuleType) -> None:
    ln = instance
    (_, _, _), collection = _stores(ln)
    with collection.mapped(obs_keys=["cell_type"], join="outer") as whole:
        everything = [(whole[i]["_store_idx"], whole[i]["X"].tobytes()) for i in range(60)]
        for world_size in (2, 4, 7):
            seen = []
            for rank in range(world_size):
                with collection.mapped(
                    obs_keys=["cell_type"], join="outer", rank=rank, world_size=world_size
                ) as shard:
                    size = -(-60 // world_size)
                    assert len(shard) == size and shard.shape == (size, 10)
                    assert shard.encoders == whole.encoders  # the same codes on every rank
                    start = rank * size
                    rows = [(start + i) % 60 for i in range(size)]
                    samples = shard.__getitems__(list(range(size)))
                    assert [(s["_store_idx"], s["X"].tobytes()) for s in samples] == [
                        everything[r] for r in rows
                    ]
                    assert list(shard.get_merged_labels("cell_type")) == [
                        whole.get_merged_labels("cell_type")[r] for r in rows
                    ]
                    with pytest.raises(IndexError):
                        shard[size]
                    seen += rows
            # Every observation is read; only the padding of the last shard twice.
            assert sorted(set(seen)) == list(range(60))
            assert len(seen) - 60 == world_size * size - 60
    for rank, world_size in ((2, 2), (-1, 2), (0, 0), (None, 2), (1, None), (True, 2)):
        with pytest.raises(ln.errors.InvalidArgument, match="rank"):
            collection.mapped(rank=rank, world_size=world_size)


_RANK_SCRIPT = """
import json, sys
import torch
import torch.distributed as dist
from lineagedb.arrays.mapped import MappedCollection

rank, port, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
paths = sys.argv[5:]
dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=2)
if mode == "rank":
    ds = MappedCollection(paths, obs_keys=["cell"], encode_labels=False, parallel=True,
                          rank=rank, world_size=2)
    sampler = None
else:
    ds = MappedCollection(paths, obs_keys=["cell"], encode_labels=False, parallel=True)
    sampler = torch.utils.data.distributed.DistributedSampler(ds, shuffle=True, seed=0)
loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, sampler=sampler)
cells, total = [], torch.zeros(1)
for batch in loader:
    cells += list(batch["cell"])
    total += batch["X"].sum()
dist.all_reduce(total)  # the ranks talk: a real process group
gathered = [None, None]
dist.all_gather_object(gathered, cells)
if rank == 0:
    json.dump({"cells": gathered, "total": float(total)}, open(out, "w"))
dist.destroy_process_group()
"""


@pytest.mark.parametrize("mode", ["rank", "sampler"])
def test_mapped_trains_on_two_ranks_over_gloo(tmp_path: Path, mode: str) -> None:
    """Two processes, a gloo process group, two DataLoader workers each: each rank reads its
    share (rank=/world_size=, or DistributedSampler) and together they read everything."""
    pytest.importorskip("torch", reason="needs PyTorch's CPU build: `make torch` installs it")
    import json
    import subprocess
    import sys

    from servers import free_port

    paths = []
    for i, n_obs in enumerate((30, 21)):
        adata = anndata_counts(n_obs=n_obs, n_vars=8, seed=i)
        adata.obs["cell"] = [f"s{i}c{j}" for j in range(n_obs)]
        paths.append(str(tmp_path / f"s{i}.h5ad"))
        adata.write_h5ad(paths[-1])
    expected_total = float(sum(dense(ad.read_h5ad(p).X).sum() for p in paths))
    script = tmp_path / "rank.py"
    script.write_text(_RANK_SCRIPT)
    out, port = tmp_path / "out.json", str(free_port())
    ranks = [
        subprocess.Popen([sys.executable, str(script), str(rank), port, mode, str(out), *paths])
        for rank in (0, 1)
    ]
    try:
        codes = [process.wait(timeout=240) for process in ranks]
    finally:
        for process in ranks:
            process.kill()
    assert codes == [0, 0]
    result = json.loads(out.read_text())
    first, second = (set(cells) for cells in result["cells"])
    assert len(result["cells"][0]) == len(result["cells"][1]) == 26  # 51 cells, padded to 52
    assert first | second == {f"s{i}c{j}" for i, n in enumerate((30, 21)) for j in range(n)}
    assert len(first & second) == 1  # the padding: one observation read twice
    repeated = (first & second).pop()
    store, row = int(repeated[1]), int(repeated.split("c")[1])
    padding = float(dense(ad.read_h5ad(paths[store]).X[row]).sum())
    assert result["total"] == pytest.approx(expected_total + padding)
