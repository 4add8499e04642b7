"""Curators: DataFrameCurator (raising) and Annotate.from_df (LaminDB 0.70)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


@pytest.fixture
def schema(instance: ModuleType) -> tuple:
    ln = instance
    ln.save([ln.ULabel(name=name) for name in ("T cell", "B cell")])
    cell_type = ln.Feature(name="cell_type", type="category").save()
    cell_type.registries = "core.ULabel"
    cell_type.save()
    count = ln.Feature(name="count", type="number").save()
    return ln, ln.Schema([cell_type, count]).save()


def messy() -> pd.DataFrame:
    return pd.DataFrame({"cell_type": ["T cell", "t cell", "NK cell"], "count": [3, 5, 8]})


def test_validate_names_every_failing_column_and_writes_nothing(
    schema: tuple, tmp_path: Path
) -> None:
    ln, schema_set = schema
    curator = ln.curators.DataFrameCurator(messy(), schema_set)
    with pytest.raises(ln.errors.ValidationError, match=r"'t cell', 'NK cell'") as error:
        curator.validate()
    assert "standardize('cell_type')" in str(error.value)
    wrong = pd.DataFrame({"cell_type": ["T cell"], "count": ["three"]})
    with pytest.raises(ln.errors.ValidationError, match=r"column 'count' has dtype object"):
        ln.curators.DataFrameCurator(wrong, schema_set).validate()
    with pytest.raises(ln.errors.ValidationError, match=r"missing columns \['count'\]"):
        ln.curators.DataFrameCurator(pd.DataFrame({"cell_type": ["T cell"]}), schema_set).validate()
    with pytest.raises(ln.errors.ValidationError):
        curator.save_artifact(key="messy.parquet")
    assert ln.Artifact.filter().count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.parquet"))


def test_standardize_add_new_and_save_a_labelled_artifact(schema: tuple) -> None:
    ln, schema_set = schema
    curator = ln.curators.DataFrameCurator(messy(), schema_set)
    curator.standardize("cell_type")  # 't cell' -> 'T cell'
    assert curator.df["cell_type"].tolist() == ["T cell", "T cell", "NK cell"]
    created = curator.cat.add_new_from("cell_type")
    assert [label.name for label in created] == ["NK cell"]
    curator.validate()
    artifact = curator.save_artifact(key="cells.parquet")
    assert artifact.features["columns"].count() == 2
    cell_type = ln.Feature.get(name="cell_type")
    assert artifact.labels.get(cell_type, flat_names=True) == ["NK cell", "T cell"]
    assert list(ln.Artifact.filter(cell_type="NK cell")) == [artifact]


def test_annotate_from_df_returns_bools(schema: tuple) -> None:
    ln, _ = schema
    annotate = ln.Annotate.from_df(messy(), categoricals={"cell_type": ln.ULabel.name})
    assert annotate.validate() is False
    annotate.standardize("all")
    annotate.add_new_from("cell_type")
    assert annotate.validate() is True
    annotate.add_new_from_columns()  # both columns have features already
    artifact = annotate.save_artifact(description="cells")
    assert artifact.description == "cells"


def test_anndata_curation_checks_obs_and_var_and_saves_features_and_labels(
    schema: tuple,
) -> None:
    from lineagedb.datasets import anndata_counts

    ln, _ = schema
    adata = anndata_counts(n_obs=12, n_vars=5, cell_types=("T cell", "b cell"))
    ln.save([ln.Feature(name=name, type="number") for name in adata.var_names[:4]])
    curator = ln.curators.AnnDataCurator(
        adata, categoricals={"cell_type": ln.ULabel.name}, var_index=ln.Feature.name
    )
    with pytest.raises(ln.errors.ValidationError) as error:
        curator.validate()
    assert "'b cell'" in str(error.value)
    assert f"var names not in the registry: '{adata.var_names[4]}'" in str(error.value)
    curator.standardize("cell_type")  # 'b cell' -> 'B cell'
    assert set(adata.obs["cell_type"]) <= {"T cell", "B cell"}
    created = curator.add_new_from_var_index()
    assert [feature.name for feature in created] == [adata.var_names[4]]
    artifact = curator.save_artifact(key="cells.h5ad")
    assert artifact.features.by_slot()["var"].n == 5
    assert sorted(artifact.labels.all().values_list("name", flat=True)) == sorted(
        set(adata.obs["cell_type"])
    )
    assert isinstance(ln.Annotate.from_anndata(adata), ln.curators.AnnDataCurator)


def test_mudata_curation_per_modality_and_global_obs(schema: tuple) -> None:
    ad = pytest.importorskip("anndata")
    md = pytest.importorskip("mudata")
    import numpy as np

    ln, _ = schema
    md.set_options(pull_on_update=False)
    cells = ["c1", "c2", "c3"]
    rna = ad.AnnData(
        np.ones((3, 2), dtype="float32"),
        obs=pd.DataFrame({"cell_type": ["T cell", "b cell", "T cell"]}, index=cells),
        var=pd.DataFrame(index=["CD4", "CD8A"]),
    )
    adt = ad.AnnData(
        np.ones((3, 2), dtype="float32"),
        obs=pd.DataFrame(index=cells),
        var=pd.DataFrame(index=["CD4-protein", "CD3-protein"]),
    )
    mdata = md.MuData({"rna": rna, "adt": adt})
    mdata.obs["donor"] = ["donor 1", "donor 1", "donor 2"]
    ln.save([ln.Feature(name=name, type="number") for name in ("CD4", "CD8A", "CD4-protein")])
    ln.Feature(name="donor", type="category").save()
    with pytest.raises(ln.errors.InvalidArgument, match=r"modality 'atac'"):
        ln.curators.MuDataCurator(mdata, categoricals={"atac:peak": ln.ULabel.name})
    curator = ln.Annotate.from_mudata(
        mdata,
        var_index={"rna": ln.Feature.name, "adt": ln.Feature.name},
        categoricals={"rna:cell_type": ln.ULabel.name, "donor": ln.ULabel.name},
    )
    with pytest.raises(ln.errors.ValidationError) as error:
        curator.validate()
    message = str(error.value)
    assert "['rna'] column 'cell_type' has values not in ULabel: 'b cell'" in message
    assert "['adt'] var names not in the registry: 'CD3-protein'" in message
    assert "obs: column 'donor' has values not in ULabel: 'donor 1', 'donor 2'" in message
    assert ln.Artifact.filter().count() == 0
    curator.standardize("rna:cell_type")
    assert list(mdata["rna"].obs["cell_type"]) == ["T cell", "B cell", "T cell"]
    curator.add_new_from("donor")
    curator.add_new_from_var_index("adt")
    artifact = curator.save_artifact(key="citeseq.h5mu")
    slots = artifact.features.by_slot()
    assert (slots["['rna'].var"].n, slots["['adt'].var"].n) == (2, 2)
    assert [f.name for f in slots["obs"].members] == ["donor"]
    donor = ln.Feature.get(name="donor")
    assert artifact.labels.get(donor, flat_names=True) == ["donor 1", "donor 2"]
    cell_type = ln.Feature.get(name="cell_type")
    assert artifact.labels.get(cell_type, flat_names=True) == ["B cell", "T cell"]
    assert artifact.load()["rna"].obs["cell_type"].tolist() == ["T cell", "B cell", "T cell"]


def test_from_df_with_a_schema_validates_on_construction(schema: tuple, tmp_path: Path) -> None:
    ln, schema_set = schema
    with pytest.raises(ln.errors.ValidationError, match=r"nothing was written") as error:
        ln.Artifact.from_df(messy(), key="messy.parquet", schema=schema_set)
    assert "'t cell', 'NK cell'" in str(error.value)
    assert ln.Artifact.filter().count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.parquet"))
    assert not list((tmp_path / "data" / ".lineagedb").glob(".lineagedb-tmp-*"))

    clean = pd.DataFrame({"cell_type": ["T cell", "B cell"], "count": [3, 5]})
    artifact = ln.Artifact.from_dataframe(clean, key="cells.parquet", schema=schema_set).save()
    assert list(artifact.feature_sets.all()) == [schema_set]  # the same members: the same set
    cell_type = ln.Feature.get(name="cell_type")
    assert artifact.labels.get(cell_type, flat_names=True) == ["B cell", "T cell"]
    # Saved with ln.save() too.
    other = pd.DataFrame({"cell_type": ["B cell"], "count": [1]})
    (saved,) = ln.save([ln.Artifact.from_df(other, key="b.parquet", schema=schema_set)])
    assert saved.labels.get(cell_type, flat_names=True) == ["B cell"]
    with pytest.raises(ln.errors.InvalidArgument, match=r"schema must be a saved FeatureSet"):
        ln.Artifact.from_df(clean, key="x.parquet", schema="cells")


def test_save_collection_of_a_curated_artifact(schema: tuple) -> None:
    ln, _ = schema
    clean = pd.DataFrame({"cell_type": ["T cell", "B cell"], "count": [3, 5]})
    annotate = ln.Annotate.from_df(clean, categoricals={"cell_type": ln.ULabel.name})
    artifact = annotate.save_artifact(description="cells")
    collection = annotate.save_collection(artifact, name="cells", reference="GSE1")
    assert collection.name == "cells" and list(collection.artifacts) == [artifact]
    assert sorted(collection.labels.all().values_list("name", flat=True)) == ["B cell", "T cell"]
    again = annotate.save_collection(artifact, name="cells")
    assert again == collection
    with pytest.raises(ln.errors.InvalidArgument, match=r"takes the saved artifact"):
        annotate.save_collection(ln.Artifact.from_df(clean.head(1), key="x.parquet"), name="x")


def test_a_maximal_schema_refuses_extra_columns(schema: tuple, tmp_path: Path) -> None:
    ln, open_schema = schema
    members = list(open_schema.members)
    closed = ln.Schema(members, maximal_set=True).save()
    assert closed != open_schema and closed.maximal_set and not open_schema.maximal_set
    assert ln.Schema(members, maximal_set=True) == closed  # identity: members and the flag
    extra = pd.DataFrame({"cell_type": ["T cell"], "count": [3], "notes": ["x"]})
    ln.curators.DataFrameCurator(extra, open_schema).validate()  # extra columns allowed
    with pytest.raises(ln.errors.ValidationError, match=r"extra columns \['notes'\]"):
        ln.curators.DataFrameCurator(extra, closed).validate()
    with pytest.raises(ln.errors.ValidationError, match=r"extra columns \['notes'\]"):
        ln.Artifact.from_df(extra, key="extra.parquet", schema=closed)
    assert ln.Artifact.filter().count() == 0
    assert not list((tmp_path / "data" / ".lineagedb").glob("*.parquet"))
    ln.Artifact.from_df(extra.drop(columns="notes"), key="ok.parquet", schema=closed).save()
    with pytest.raises(ln.errors.WrongType, match=r"maximal_set must be True or False"):
        ln.Schema(members, maximal_set="yes")
