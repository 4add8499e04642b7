"""DataFrame and AnnData artifacts: constructors, loading, backed access, mapped collections.

Accessor results are compared element by element with anndata reading the
same object; stores live on local storage and on the S3 (and GCS) test servers.
"""

from __future__ import annotations

import pickle
from pathlib import Path
from types import ModuleType

import anndata as ad
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from lineagedb.arrays.mapped import MappedCollection
from lineagedb.datasets import anndata_counts

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def rich_anndata(n_obs: int = 60, n_vars: int = 25, seed: int = 3) -> ad.AnnData:
    """Sparse X, a dense and a CSC layer, obsm/varm/obsp, raw and uns."""
    adata = anndata_counts(n_obs=n_obs, n_vars=n_vars, density=0.3, seed=seed)
    generator = np.random.default_rng(seed)
    adata.layers["dense"] = generator.random((n_obs, n_vars)).astype(np.float32)
    adata.layers["csc"] = sp.csc_matrix(adata.X * 2)
    adata.obsm["X_umap"] = generator.random((n_obs, 2))
    adata.varm["loadings"] = generator.random((n_vars, 3))
    adata.obsp["distances"] = sp.random(n_obs, n_obs, density=0.1, format="csr", random_state=1)
    adata.uns["method"] = "counts"
    adata.raw = adata.copy()
    return adata


def dense(matrix: object) -> np.ndarray:
    return matrix.toarray() if sp.issparse(matrix) else np.asarray(matrix)  # type: ignore[attr-defined]


# -- constructors and load -----------------------------------------------------------------------


@pytest.mark.parametrize("storage_instance", ["local", "s3"], indirect=True)
def test_from_df_round_trips_and_is_found_again(storage_instance: ModuleType) -> None:
    ln = storage_instance
    df = ln.core.datasets.df_iris_in_meter_study1()
    artifact = ln.Artifact.from_df(df, key="iris/study1.parquet", description="iris 1")
    assert artifact.load() is df  # unsaved: the object itself
    assert Path(artifact.path).is_file()  # serialized already: a real local file
    artifact.save()
    assert (artifact.suffix, artifact.accessor, artifact.n_observations) == (
        ".parquet",
        "DataFrame",
        75,
    )
    pd.testing.assert_frame_equal(artifact.load(), df)
    again = ln.Artifact.from_dataframe(df.copy(), key="iris/other.parquet")
    assert again.uid == artifact.uid and not again._state.adding


def test_in_memory_constructors_refuse_bad_input(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    df = pd.DataFrame({"a": [1, 2]})
    with pytest.raises(ValueError, match=r"'\.parquet'.*use key 'table\.parquet'"):
        ln.Artifact.from_df(df, key="table.csv")
    with pytest.raises(ValueError, match="could not be found again"):
        ln.Artifact.from_df(df)
    adata = anndata_counts(n_obs=5, n_vars=4)
    with pytest.raises(ValueError, match="'h5ad', 'zarr', 'zrad'"):
        ln.Artifact.from_anndata(adata, description="x", format="def")
    with pytest.raises(ValueError, match=r"does not end in '\.h5ad'"):
        ln.Artifact.from_anndata(adata, key="matrix")
    with pytest.raises(ValueError, match="takes an AnnData"):
        ln.Artifact.from_anndata(df, description="x")
    assert ln.Artifact.filter().count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob(".lineagedb-tmp-*"))


def test_artifact_of_a_dataframe_or_anndata_works_without_the_named_constructor(
    instance: ModuleType,
) -> None:
    ln = instance
    artifact = ln.Artifact(anndata_counts(n_obs=5, n_vars=4), key="m.h5ad").save()
    assert (artifact.accessor, artifact.suffix, artifact.n_observations) == ("AnnData", ".h5ad", 5)
    with pytest.raises(ValueError, match="format='zarr' applies to in-memory objects"):
        ln.Artifact(__file__, format="zarr")


@pytest.mark.parametrize("storage_instance", ["local", "s3"], indirect=True)
@pytest.mark.parametrize("fmt", ["h5ad", "zarr"])
def test_from_anndata_stores_h5ad_files_and_zarr_folders(
    storage_instance: ModuleType, fmt: str
) -> None:
    ln = storage_instance
    adata = rich_anndata()
    artifact = ln.Artifact.from_anndata(adata, key=f"pbmc.{fmt}").save()
    assert artifact.hash is not None and artifact.n_observations == adata.n_obs
    if fmt == "zarr":
        assert artifact.hash_type == "md5-d" and artifact.n_objects and artifact.n_objects > 10
    else:
        assert artifact.hash_type == "md5" and artifact.n_objects is None
    assert artifact.verify()
    loaded = artifact.load()
    np.testing.assert_array_equal(dense(loaded.X), dense(adata.X))
    pd.testing.assert_frame_equal(loaded.obs, adata.obs)
    np.testing.assert_array_equal(loaded.obsm["X_umap"], adata.obsm["X_umap"])


def test_same_anndata_again_returns_the_existing_record(instance: ModuleType) -> None:
    ln = instance
    adata = anndata_counts(n_obs=30, n_vars=10)
    first = ln.Artifact.from_anndata(adata, description="a").save()
    second = ln.Artifact.from_anndata(adata.copy(), description="b")
    assert second.uid == first.uid
    assert ln.Artifact.filter().count() == 1


def test_collection_load_concatenates_anndata_and_tables(instance: ModuleType) -> None:
    ln = instance
    a = ln.Artifact.from_anndata(anndata_counts(n_obs=10, n_vars=6, seed=1), key="a.h5ad").save()
    b = ln.Artifact.from_anndata(anndata_counts(n_obs=7, n_vars=6, seed=2), key="b.h5ad").save()
    adata = ln.Collection([a, b], name="two").save().load()
    assert adata.n_obs == 17
    assert adata.obs["artifact_uid"].value_counts().to_dict() == {a.uid: 10, b.uid: 7}

    one = ln.Artifact.from_df(pd.DataFrame({"x": [1, 2]}), key="one.parquet").save()
    two = ln.Artifact.from_df(pd.DataFrame({"y": [3]}), key="two.parquet").save()
    table = ln.Collection([one, two], name="tables").save().load()
    assert sorted(table.columns) == ["artifact_uid", "x", "y"] and len(table) == 3

    with pytest.raises(RuntimeError, match="mixes suffixes"):
        ln.Collection([a, one], name="mixed").save().load()


def test_broken_array_files_get_a_clear_error_and_no_record(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    broken = tmp_path / "broken.h5ad"
    broken.write_bytes(b"this is not an hdf5 file" * 100)
    with pytest.raises(ValueError, match="is not an HDF5 file"):
        ln.Artifact(broken, description="broken")
    not_zarr = tmp_path / "store.zarr"
    not_zarr.mkdir()
    (not_zarr / "readme.txt").write_text("hello")
    with pytest.raises(ValueError, match="is not a zarr store"):
        ln.Artifact(not_zarr, description="folder")
    # Truncated: the signature is there, the rest is not.
    adata_path = tmp_path / "whole.h5ad"
    anndata_counts(n_obs=50, n_vars=20).write_h5ad(adata_path)
    truncated = tmp_path / "truncated.h5ad"
    truncated.write_bytes(adata_path.read_bytes()[:2000])
    artifact = ln.Artifact(truncated, description="truncated").save()
    with pytest.raises(ValueError, match="cannot be opened as an HDF5 file"):
        artifact.open()
    assert ln.Artifact.filter().count() == 1


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


def test_open_refuses_other_suffixes_and_records_the_run_input(instance: ModuleType) -> None:
    ln = instance
    table = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), key="t.parquet").save()
    with pytest.raises(ValueError, match=r"\.h5ad, \.h5, \.hdf5, \.zarr, \.zrad"):
        table.open()
    matrix = ln.Artifact.from_anndata(anndata_counts(n_obs=5, n_vars=3), key="m.h5ad").save()
    run = ln.track(ln.Transform(name="analysis"))
    with matrix.open() as accessor:
        assert accessor.shape == (5, 3)
    assert matrix in run.input_artifacts.all()


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
        np.testing.assert_array_equal(row["X"][: len(first.var_names)], dense(third.X[5])[0])
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


@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_from_mudata_round_trips(instance: ModuleType) -> None:
    mudata = pytest.importorskip("mudata")
    ln = instance
    rna = anndata_counts(n_obs=20, n_vars=6, seed=1)
    atac = anndata_counts(n_obs=20, n_vars=4, seed=2)
    mdata = mudata.MuData({"rna": rna, "atac": atac})
    artifact = ln.Artifact.from_mudata(mdata, key="multiome.h5mu").save()
    assert (artifact.accessor, artifact.suffix, artifact.n_observations) == ("MuData", ".h5mu", 20)
    loaded = artifact.load()
    assert sorted(loaded.mod) == ["atac", "rna"]
    np.testing.assert_array_equal(dense(loaded["rna"].X), dense(rna.X))


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
