"""Curation on real data (#29): the whole Cell Ontology and the shipped human genes, offline.

The labels are those of the 3k-PBMC tutorial; the genes are previous symbols
that real datasets still carry (FAM46C, SEPT2, IGJ).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import lineagedb as ln
from lineagedb.bionty.terms import TermIndex, normalize

PBMC = [
    "CD4 T cells",
    "CD14+ Monocytes",
    "FCGR3A+ Monocytes",
    "NK cells",
    "B cells",
    "Megakaryocytes",
    "Dendritic cells",
    "CD8 T cells",
]
# What the public search puts first for each (exact once normalised, or the best words).
PBMC_TOP = {
    "CD4 T cells": "CD4-positive, alpha-beta T cell",
    "CD14+ Monocytes": "CD14-positive monocyte",
    "FCGR3A+ Monocytes": "monocyte",
    "NK cells": "natural killer cell",
    "B cells": "B cell",
    "Megakaryocytes": "megakaryocyte",
    "Dendritic cells": "dendritic cell",
    "CD8 T cells": "CD8-positive, alpha-beta T cell",
}
STANDARDIZED = [
    "CD4 T cells",  # no term is exactly this: left, with the closest term named
    "CD14-positive monocyte",
    "FCGR3A+ Monocytes",
    "natural killer cell",
    "B cell",
    "megakaryocyte",
    "dendritic cell",
    "CD8 T cells",
]


@pytest.fixture
def bt(database: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    """A fresh instance with the bionty module and the real ontologies."""
    from lineagedb import bionty

    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    bionty.settings.organism_name = None
    yield bionty
    from lineagedb.setup._django import disconnect

    disconnect()


def test_normalize_spells_markers_plurals_and_dashes_one_way() -> None:
    assert normalize("CD14+ Monocytes") == normalize("CD14-positive monocyte") == "cd14 monocyte"
    assert normalize("CD16− NK cells") == normalize("CD16-negative NK cell")
    assert normalize("CD4-CD8- T cells") == "cd4 negative cd8 negative t cell"
    assert normalize("T-cells") == normalize("t cell")
    assert normalize("class I") == "class i"  # not a plural
    index = TermIndex.build(["natural killer cell", "B cell"], ["NK cell", None])
    assert index.exact("NK cells") == [0]
    assert index.exact("natural-killer cells") == [0]
    assert index.ranked("killer") == [(88.0, 0)]  # every word, two words more than asked


def test_pbmc_labels_find_their_terms(bt: ModuleType) -> None:
    public = bt.CellType.public()
    for label, name in PBMC_TOP.items():
        assert public.search(label).iloc[0]["name"] == name, label
    hits = public.search("CD14+ Monocytes")
    assert hits.iloc[0]["score"] == 100  # an exact hit ranks ahead of every partial one
    assert (hits["score"].iloc[1:] < 100).all()
    assert public.search("NK cells").index[0] == "CL:0000623"  # by its synonym "NK cell"
    typo = public.search("lymphocite")  # typos are still found
    assert "lymphocyte" in typo[typo["score"] == typo["score"].max()]["name"].tolist()


def test_standardize_is_public_aware_and_the_same_fresh_or_populated(
    bt: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lineagedb"):
        fresh = bt.CellType.standardize(PBMC)
    assert fresh == STANDARDIZED
    assert "standardized 5/8 terms" in caplog.text
    assert "'CD4 T cells' (closest: CD4-positive, alpha-beta T cell CL:0000624)" in caplog.text
    ln.save(bt.CellType.from_values(PBMC))
    assert bt.CellType.filter(name="CD14-positive monocyte").exists()
    assert bt.CellType.standardize(PBMC) == fresh
    assert bt.CellType.standardize(PBMC, public_aware=False)[1] == "CD14+ Monocytes"
    ids = bt.CellType.standardize(["NK cells"], return_field="ontology_id")
    assert ids == ["CL:0000623"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="lineagedb"):
        assert bt.CellType.standardize(["B cell"]) == ["B cell"]
    assert "nothing to standardize" in caplog.text


def test_inspect_counts_registry_ontology_and_neither(
    bt: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    bt.CellType.from_public(name="B cell").save()
    with caplog.at_level(logging.INFO, logger="lineagedb"):
        result = bt.CellType.inspect(["B cell", "T cell", "NK cells", "my cells"])
    assert result.validated == ["B cell"]
    assert result.public_validated == ["T cell"]
    assert result.public_mapper == {"NK cells": "natural killer cell"}
    assert "1 of 4 unique terms" in caplog.text
    assert "1 are terms of the public cl" in caplog.text
    assert "1 are in neither bt.CellType nor the public ontology: 'my cells'" in caplog.text


def test_previous_gene_symbols_are_standardized_never_guessed(
    bt: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    symbols = ["FAM46C", "SEPT2", "IGJ", "CD3E", "ACSM2"]
    with caplog.at_level(logging.INFO, logger="lineagedb"):
        out = bt.Gene.standardize(symbols, field="symbol", organism="human")
    # ACSM2 was the symbol of two genes (now ACSM2A and ACSM2B): reported, left as it is.
    assert out == ["TENT5C", "SEPTIN2", "JCHAIN", "CD3E", "ACSM2"]
    assert "'ACSM2' → ['ACSM2A', 'ACSM2B']" in caplog.text
    assert bt.Gene.public(organism="human").validate(["CD3E", "FAM46C"]).tolist() == [True, False]
    ids = bt.Gene.standardize(["FAM46C"], field="symbol", return_field="ensembl_gene_id",
                              organism="human")  # fmt: skip
    assert ids == ["ENSG00000183508"]
    genes = bt.Gene.from_values(["FAM46C", "CD3E"], field="symbol", organism="human")
    assert sorted(g.symbol for g in genes) == ["CD3E", "TENT5C"]
    ln.save(genes)
    assert bt.Gene.validate(["TENT5C", "FAM46C"], field="symbol", organism="human").tolist() == [
        True,
        False,
    ]


def test_query_children_finds_artifacts_of_any_subtype(bt: ModuleType, tmp_path: Path) -> None:
    import pandas as pd

    ln.save(bt.CellType.from_values(["CD8-positive, alpha-beta T cell", "B cell"]))
    t_cell = bt.CellType.get(name="T cell")  # saved as an ancestor
    assert "CD8-positive, alpha-beta T cell" in t_cell.query_children().list("name")
    assert "lymphocyte" in t_cell.query_parents().list("name")
    assert "B cell" not in t_cell.query_children().list("name")
    cd8 = ln.Artifact.from_df(pd.DataFrame({"x": [1]}), description="cd8").save()
    cd8.labels.add(bt.CellType.get(name="CD8-positive, alpha-beta T cell"))
    b = ln.Artifact.from_df(pd.DataFrame({"x": [2]}), description="b").save()
    b.labels.add(bt.CellType.get(name="B cell"))
    found = ln.Artifact.filter(cell_types__in=t_cell.query_children())
    assert found.list("description") == ["cd8"]
    assert "->" in t_cell.view_parents(bt.CellType.name, with_children=True).source


def test_features_of_a_slot_are_its_members(bt: ModuleType) -> None:
    ad = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    ln.save(bt.Gene.from_values(["CD3E", "CD8A", "MS4A1"], field="symbol", organism="human"))
    var = pd.DataFrame(index=["CD3E", "CD8A", "MS4A1"])
    adata = ad.AnnData(np.ones((2, 3), dtype="float32"), var=var)
    artifact = ln.Artifact.from_anndata(adata, description="pbmc").save()
    artifact.features.add_from_anndata(var_field=bt.Gene.symbol, organism="human")
    assert artifact.features["var"].list("symbol") == ["CD3E", "CD8A", "MS4A1"]


def test_from_values_create_and_list(bt: ModuleType) -> None:
    records = bt.CellType.from_values(["T cell", "Classical Mono"], create=True)
    assert sorted(r.name for r in records) == ["Classical Mono", "T cell"]
    labels = ln.ULabel.from_values(["a", "b"], create=True)
    assert [label._state.adding for label in labels] == [True, True]
    ln.save(labels)
    assert ln.ULabel.filter(name__in=["a", "b"]).list("name") == ["a", "b"]
    assert ln.ULabel.validate(["a"], organism="human").tolist() == [True]  # ignored here


def test_a_hand_made_term_names_the_closest_public_ones(
    bt: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="lineagedb"):
        bt.CellType(name="Classical Mono").save()
    assert "'Classical Mono' is no term of the public cl" in caplog.text
    assert "classical monocyte (CL:0000860)" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="lineagedb"):
        bt.CellType.from_public(name="B cell").save()
        bt.CellType(name="T cell").save()  # a public name, though typed by hand
    assert "no term of the public" not in caplog.text


def test_a_features_registry_drives_the_curators(bt: ModuleType) -> None:
    import pandas as pd

    cell_type = ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
    cell_id = ln.Feature(name="cell_type_id", dtype="cat[bionty.CellType.ontology_id]").save()
    schema = ln.Schema([cell_type, cell_id]).save()
    df = pd.DataFrame(
        {"cell_type": ["B cell", "CD14+ Monocytes"], "cell_type_id": ["CL:0000236", "CL:0001054"]}
    )
    curator = ln.curators.DataFrameCurator(df, schema)
    with pytest.raises(ln.errors.ValidationError) as failed:
        curator.validate()
    message = str(failed.value)
    # Checked against bt.CellType and its ontology, not ULabel: "B cell" is a public term.
    assert "not in CellType: 'CD14+ Monocytes'" in message
    assert "'CD14+ Monocytes' → 'CD14-positive monocyte'" in message
    assert "'B cell'" not in message and "ULabel" not in message
    curator.standardize("cell_type")
    curator.validate()
    artifact = curator.save_artifact(key="cells.parquet")
    assert sorted(artifact.cell_types.list("name")) == ["B cell", "CD14-positive monocyte"]
    assert ln.ULabel.filter().count() == 0  # nothing went to ULabel
    assert ln.Artifact.filter(cell_types__name="B cell").one() == artifact

    frame = df.assign(cell_type=["B cell", "CD14-positive monocyte"])
    again = ln.Artifact.from_df(frame, key="cells2.parquet", schema=schema).save()
    assert again.cell_types.count() == 2


def test_public_genes_validate_and_previous_symbols_are_named(bt: ModuleType) -> None:
    ad = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    var = pd.DataFrame(index=["CD3E", "MS4A1", "FAM46C"])
    adata = ad.AnnData(np.ones((2, 3), dtype="float32"), var=var)
    bt.settings.organism = "human"
    curator = ln.curators.AnnDataCurator(adata, var_index=bt.Gene.symbol)
    with pytest.raises(ln.errors.ValidationError, match="The AnnData does not validate") as failed:
        curator.validate()
    assert "'FAM46C' → 'TENT5C'" in str(failed.value) and "CD3E" not in str(failed.value)
    adata.var_names = bt.Gene.standardize(list(adata.var_names), field="symbol")
    curator.validate()
    artifact = curator.save_artifact(description="pbmc")
    assert artifact.features["var"].list("symbol") == ["CD3E", "MS4A1", "TENT5C"]


def test_validate_is_exact_and_its_summary_names_public_terms(
    bt: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="lineagedb"):
        assert bt.CellType.validate(["T cell", "NK cells"]).tolist() == [False, False]
    assert "1 are terms of the public cl" in caplog.text  # add them, not create them
    assert "'NK cells' → 'natural killer cell'" in caplog.text


def test_annotate_from_anndata_is_lamindb_070s(bt: ModuleType) -> None:
    ad = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    bt.settings.organism = "human"
    obs = pd.DataFrame({"cell_type": ["T cell", "B cell"]}, index=["c1", "c2"])
    var = pd.DataFrame(index=["CD3E", "MS4A1"])
    adata = ad.AnnData(np.ones((2, 2), dtype="float32"), obs=obs, var=var)
    annotate = ln.Annotate.from_anndata(
        adata, var_index=bt.Gene.symbol, categoricals={"cell_type": bt.CellType.name}
    )
    assert annotate.lookup("public").cell_type.t_cell.ontology_id == "CL:0000084"
    assert annotate.validate() is True  # public terms and genes count as validated
    annotate.add_validated_from_var_index()  # saves the genes, returns nothing to print
    assert bt.Gene.filter(symbol__in=["CD3E", "MS4A1"]).count() == 2
    assert annotate.lookup().var_index.cd3e.symbol == "CD3E"
    artifact = annotate.save_artifact(description="annotated")
    assert sorted(artifact.cell_types.list("name")) == ["B cell", "T cell"]
    adata.obs["cell_type"] = ["T cell", "my cell"]
    assert (
        ln.Annotate.from_anndata(adata, categoricals={"cell_type": bt.CellType.name}).validate()
        is False
    )


def test_public_source_and_saving_without_parents(bt: ModuleType) -> None:
    t_cell = bt.CellType.from_public(name="T cell")
    assert t_cell.public_source == t_cell.source and t_cell.public_source.source == "cl"
    ln.save([t_cell], parents=False)
    assert bt.CellType.filter().count() == 1  # no ancestors
    ln.save([bt.CellType.from_public(name="B cell")])
    assert bt.CellType.filter(name="lymphocyte").exists()  # by default, they come along


def test_an_organism_that_contradicts_the_ids_is_refused(bt: ModuleType) -> None:
    with pytest.raises(ln.errors.InvalidArgument, match="human Ensembl ids; pass organism='human'"):
        bt.Gene.inspect(["ENSG00000081059"], field="ensembl_gene_id", organism="mouse")
    assert not bt.Organism.filter(name="mouse").exists()  # refused before any write
    assert bt.CellType.inspect(["T cell"], organism="human", mute=True).public_validated == [
        "T cell"
    ]  # no organism in this registry: ignored


def test_a_mudata_column_named_by_name_takes_its_features_registry(bt: ModuleType) -> None:
    ad = pytest.importorskip("anndata")
    mudata = pytest.importorskip("mudata")
    import numpy as np
    import pandas as pd

    ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
    obs = pd.DataFrame({"cell_type": ["T cell", "NK cells"]}, index=["c1", "c2"])
    rna = ad.AnnData(np.ones((2, 2), dtype="float32"), obs=obs)
    with mudata.set_options(pull_on_update=False):
        mdata = mudata.MuData({"rna": rna})
    curator = ln.curators.MuDataCurator(mdata, categoricals={"rna:cell_type": "name"})
    with pytest.raises(ln.errors.ValidationError, match="not in CellType: 'NK cells'"):
        curator.validate()
    curator.standardize("rna:cell_type")
    curator.validate()
