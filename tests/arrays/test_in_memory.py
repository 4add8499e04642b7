"""DataFrame, AnnData and MuData artifacts: constructors, load, collections of them."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest
from arrays_data import dense, rich_anndata

from lineagedb.datasets import anndata_counts

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


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
