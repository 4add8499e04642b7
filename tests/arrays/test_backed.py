"""open(): stored arrays read in place, compared element by element with anndata."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from arrays_data import dense, rich_anndata

from lineagedb.datasets import anndata_counts

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


# -- backed access -------------------------------------------------------------------------------


INDICES = [
    slice(5, 20),
    slice(None, None, 3),
    np.array([17, 3, 3, 44, 0]),
    [9, 2, 31],
    np.arange(60) % 4 == 1,
    "cell_7",
    ["cell_12", "cell_2"],
    -1,
    (slice(10, 30), slice(2, 9)),
    (np.array([5, 1, 8]), ["ENSG00000000004", "ENSG00000000001"]),
    (np.arange(60) % 2 == 0, np.arange(25) % 3 == 0),
]


@pytest.mark.parametrize("storage_instance", ["local", "s3", "gs"], indirect=True)
def test_open_h5ad_matches_anndata_element_by_element(storage_instance: ModuleType) -> None:
    ln = storage_instance
    adata = rich_anndata()
    artifact = ln.Artifact.from_anndata(adata, key="rich.h5ad").save()
    with artifact.open() as accessor:
        assert accessor.shape == adata.shape
        assert list(accessor.obs_names) == list(adata.obs_names)
        assert list(accessor.var_names) == list(adata.var_names)
        pd.testing.assert_frame_equal(accessor.obs, adata.obs)
        assert accessor.uns["method"] == "counts"
        assert sorted(accessor.layers) == ["csc", "dense"]
        assert "AnnDataAccessor object with n_obs × n_vars = 60 × 25" in repr(accessor)
        for index in INDICES:
            expected, subset = adata[index], accessor[index]
            assert subset.shape == expected.shape, index
            np.testing.assert_array_equal(dense(subset.X), dense(expected.X), err_msg=str(index))
            for layer in ("dense", "csc"):
                np.testing.assert_array_equal(
                    dense(subset.layers[layer]), dense(expected.layers[layer])
                )
            np.testing.assert_array_equal(subset.obsm["X_umap"], expected.obsm["X_umap"])
            np.testing.assert_array_equal(subset.varm["loadings"], expected.varm["loadings"])
            np.testing.assert_array_equal(
                dense(subset.obsp["distances"]), dense(expected.obsp["distances"])
            )
            pd.testing.assert_frame_equal(subset.obs, pd.DataFrame(expected.obs))
            assert list(subset.var_names) == list(expected.var_names)
        chained = accessor[10:50][np.array([4, 0, 2])][:, 3:8]
        np.testing.assert_array_equal(
            dense(chained.X), dense(adata[10:50][np.array([4, 0, 2])][:, 3:8].X)
        )
        memory = accessor[["cell_3", "cell_1"]].to_memory()
        assert memory.shape == (2, 25) and list(memory.obs_names) == ["cell_3", "cell_1"]
        np.testing.assert_array_equal(dense(memory.raw.X), dense(adata.raw.X[[3, 1]]))
        np.testing.assert_array_equal(dense(accessor.raw.X.to_memory()), dense(adata.raw.X))
        whole = accessor.to_memory()
        np.testing.assert_array_equal(dense(whole.X), dense(adata.X))
        with pytest.raises(KeyError, match="cell_999"):
            accessor[["cell_999"]]
        with pytest.raises(IndexError, match="out of range"):
            accessor[[60]]
    assert accessor.closed


@pytest.mark.parametrize("storage_instance", ["local", "s3"], indirect=True)
def test_open_zarr_matches_anndata(storage_instance: ModuleType) -> None:
    ln = storage_instance
    adata = rich_anndata(seed=5)
    artifact = ln.Artifact.from_anndata(adata, key="rich.zarr").save()
    with artifact.backed() as accessor:
        for index in INDICES:
            np.testing.assert_array_equal(
                dense(accessor[index].X), dense(adata[index].X), err_msg=str(index)
            )
        np.testing.assert_array_equal(accessor[3:9].layers["dense"], adata[3:9].layers["dense"])
        pd.testing.assert_frame_equal(accessor.var, adata.var)


def test_open_dense_x_and_plain_hdf5(instance: ModuleType, tmp_path: Path) -> None:
    import h5py

    ln = instance
    adata = anndata_counts(n_obs=60, n_vars=25)
    adata.X = adata.X.toarray()
    artifact = ln.Artifact.from_anndata(adata, key="dense.h5ad").save()
    with artifact.open() as accessor:
        assert not hasattr(accessor.X, "format")  # an h5py dataset, lazy
        for index in INDICES:
            np.testing.assert_array_equal(accessor[index].X, adata[index].X, err_msg=str(index))

    path = tmp_path / "plain.h5"
    with h5py.File(path, "w") as handle:
        handle["counts"] = np.arange(12).reshape(3, 4)
    plain = ln.Artifact(path, description="plain hdf5").save()
    with plain.open() as backed:
        assert backed.storage["counts"][1].tolist() == [4, 5, 6, 7]


def test_open_refuses_other_suffixes_and_records_the_run_input(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    (tmp_path / "t.json").write_text('{"a": 1}')
    text = ln.Artifact(tmp_path / "t.json", key="t.json").save()
    with pytest.raises(ValueError, match=r"\.h5ad, \.h5, \.hdf5, \.zarr, \.zrad and tables"):
        text.open()
    matrix = ln.Artifact.from_anndata(anndata_counts(n_obs=5, n_vars=3), key="m.h5ad").save()
    run = ln.track(ln.Transform(name="analysis"))
    with matrix.open() as accessor:
        assert accessor.shape == (5, 3)
    assert matrix in run.input_artifacts.all()


def test_sparse_rows_are_read_in_bounded_batches(
    instance: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lineagedb.arrays._elements import SparseArray
    from lineagedb.arrays._ranges import LocalBytes

    ln = instance
    adata = anndata_counts(n_obs=500, n_vars=40, density=0.2, seed=8)
    artifact = ln.Artifact.from_anndata(adata, key="batches.h5ad").save()
    generator = np.random.default_rng(0)
    # Tiny batches and both extremes of merging: every read path, same answers.
    for batch, gap in ((50, 0), (50, 10**9), (8, 30), (10**9, 0)):
        monkeypatch.setattr(SparseArray, "_batch_elements", batch)
        monkeypatch.setattr(LocalBytes, "merge_gap", gap * 4)  # bytes of float32/int32
        with artifact.open() as accessor:
            for size in (1, 7, 120, 500):
                rows = generator.choice(500, size, replace=size > 250)
                np.testing.assert_array_equal(
                    dense(accessor[rows].X), dense(adata.X[rows]), err_msg=f"{batch} {gap}"
                )
            np.testing.assert_array_equal(dense(accessor[17:301].X), dense(adata.X[17:301]))
