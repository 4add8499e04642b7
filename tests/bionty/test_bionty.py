"""The bionty module offline: registries, public ontologies (small subsets), curation, modules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
import zstandard

import lineagedb as ln
from lineagedb.bionty.sources import ontology_dir

# CL terms of the subset: T cell and B cell with all their ancestors, monocyte, and a
# term whose synonym is shared (ambiguous) with another.
_CL_TERMS = ["CL:0000084", "CL:0000236", "CL:0000576", "CL:0000625"]


def _subset(prefix: str, version: str, terms: list[str]) -> dict:
    real = ontology_dir()
    assert real is not None, "cellxgene-ontology-guide is part of the test extra"
    path = real / f"{prefix}-ontology-{version}.json.zst"
    with open(path, "rb") as handle:
        data = json.loads(zstandard.ZstdDecompressor().stream_reader(handle).read())
    keep = set(terms)
    for term in terms:
        keep |= set(data[term].get("ancestors", {}))
    subset = {term: data[term] for term in keep if term in data}
    # Two made-up terms that share a synonym: from_values must not guess.
    subset["CL:9999991"] = {"label": "alpha cell x", "synonyms": ["twin"], "ancestors": {}}
    subset["CL:9999992"] = {"label": "beta cell x", "synonyms": ["twin"], "ancestors": {}}
    return subset


@pytest.fixture
def ontologies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder like cellxgene-ontology-guide's data with a small CL, used instead of it."""
    folder = tmp_path / "ontologies"
    folder.mkdir()
    version = "v2026-03-26"
    blob = json.dumps(_subset("CL", version, _CL_TERMS)).encode()
    (folder / f"CL-ontology-{version}.json.zst").write_bytes(zstandard.compress(blob))
    info = {"ontologies": {"CL": {"version": version}}}
    (folder / "latest_ontology_info.json").write_text(json.dumps(info))
    monkeypatch.setenv("LINEAGEDB_ONTOLOGY_DIR", str(folder))
    return folder


@pytest.fixture
def bionty(
    request: pytest.FixtureRequest, database: str | None, tmp_path: Path, ontologies: Path
) -> Iterator[ModuleType]:
    """A fresh instance with the bionty module; yields ``lineagedb.bionty``."""
    from lineagedb import bionty as bt

    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    bt.settings.organism_name = None
    yield bt
    bt.settings.organism_name = None
    from lineagedb.setup._django import disconnect

    disconnect()


def test_uids_are_lamindbs(bionty: ModuleType) -> None:
    bt = bionty
    t_cell = bt.CellType.from_public(ontology_id="CL:0000084")
    assert (t_cell.uid, t_cell.name) == ("22LvKd01", "T cell")
    gene = bt.Gene(ensembl_gene_id="ENSG00000081059", symbol="TCF7", organism="human")
    assert gene.uid == "7IkHKPl0ScQR"
    assert bt.Organism.from_public(name="human").uid == "1dpCL6Td"
    assert bt.Source.filter(entity="CellType", currently_used=True).one().license == "CC BY 4.0"


def test_saving_a_term_saves_its_parents(bionty: ModuleType) -> None:
    bt = bionty
    t_cell = bt.CellType.from_public(ontology_id="CL:0000084").save()
    assert [p.name for p in t_cell.parents.all()] == ["lymphocyte"]
    cell = bt.CellType.get(ontology_id="CL:0000000")
    assert cell.children.exists()
    monocyte = bt.CellType.from_public(ontology_id="CL:0000576").save(parents=False)
    assert not monocyte.parents.exists()


def test_from_values_maps_synonyms_and_reports_ambiguous(
    bionty: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    bt = bionty
    records = bt.CellType.from_values(["T cell", "T-cell", "B lymphocyte", "twin", "my cell"])
    assert sorted(r.name for r in records) == ["B cell", "T cell"]
    assert all(r._state.adding for r in records)
    err = capsys.readouterr().err
    assert "ambiguous" in err and "twin" in err and "my cell" in err
    ln.save(records)
    assert bt.CellType.filter(name="lymphocyte").exists()  # parents saved by ln.save too
    again = bt.CellType.from_values(["T-cell"])
    assert [r.pk for r in again] == [bt.CellType.get(name="T cell").pk]


def test_label_names_come_from_the_features_registry(bionty: ModuleType, tmp_path: Path) -> None:
    bt = bionty
    ln.save(bt.CellType.from_values(["T cell", "monocyte"]))
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    artifact = ln.Artifact(str(path), description="x").save()
    feature = ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
    artifact.labels.add(["T cell", "monocyte"], feature=feature)
    assert sorted(artifact.cell_types.values_list("name", flat=True)) == ["T cell", "monocyte"]
    with pytest.raises(ln.errors.InvalidArgument, match=r"No CellType has name \['nope'\]"):
        artifact.labels.add(["nope"], feature=feature)
    assert artifact.cell_types.count() == 2
    assert not ln.ULabel.filter().exists()
    assert artifact.features.get_values() == {"cell_type": ["T cell", "monocyte"]}
    artifact.features.remove_values("cell_type", value="monocyte")
    assert list(artifact.cell_types.values_list("name", flat=True)) == ["T cell"]


def test_view_shows_the_modules_registries(
    bionty: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    bionty.CellType.from_public(ontology_id="CL:0000576").save(parents=False)
    capsys.readouterr()
    ln.view(schema="bionty")
    out = capsys.readouterr().out
    assert "CellType" in out and "monocyte" in out and "Artifact" not in out


def test_inspect_reports_public_terms(bionty: ModuleType) -> None:
    bt = bionty
    bt.CellType(name="my cell").save()
    result = bt.CellType.inspect(["my cell", "monocyte", "nonsense"], mute=True)
    assert result.validated == ["my cell"]
    assert result.public_validated == ["monocyte"]


def test_genes_need_an_organism(bionty: ModuleType) -> None:
    bt = bionty
    with pytest.raises(ln.errors.InvalidArgument, match="need an organism"):
        bt.Gene(ensembl_gene_id="ENSG00000081059", symbol="TCF7")
    with pytest.raises(ln.errors.InvalidArgument, match="need an organism"):
        bt.Gene.public()
    bt.settings.organism = "mouse"
    assert bt.Gene.public().organism == "mouse"
    genes = bt.Gene.from_values(["ENSG00000081059", "ENSG00000010610"], "ensembl_gene_id")
    assert sorted(g.symbol for g in genes) == ["CD4", "TCF7"]  # the ids say human
    assert {g.organism.name for g in genes} == {"human"}


def test_public_search_lookup_and_validate(bionty: ModuleType) -> None:
    public = bionty.CellType.public()
    assert public.search("t cel").index[0] == "CL:0000084"
    typo = public.search("lymphocite")
    best = typo[typo["score"] == typo["score"].max()]
    assert "lymphocyte" in best["name"].tolist()  # ties with "T lymphocyte" (T cell's synonym)
    assert public.lookup().t_cell.ontology_id == "CL:0000084"
    monocyte = bionty.CellType(public.lookup().monocyte)  # a lookup row makes a record
    assert (monocyte.name, monocyte.ontology_id) == ("monocyte", "CL:0000576")
    assert monocyte._state.adding
    assert "t_cell" in dir(public.lookup())  # tab completion
    assert bionty.PublicSource is bionty.Source  # LaminDB 0.70's name
    assert public.validate(["T cell", "T-cell"]).tolist() == [True, False]
    assert public.standardize(["T-cell", "t cell"]) == ["T cell", "T cell"]


def test_labels_queries_and_curation_end_to_end(bionty: ModuleType, tmp_path: Path) -> None:
    ad = pytest.importorskip("anndata")
    import numpy as np
    import pandas as pd

    bt = bionty
    obs = pd.DataFrame({"cell_type": ["T cell", "T-cell", "monocyte"]}, index=["a", "b", "c"])
    var = pd.DataFrame(index=["ENSG00000081059", "ENSG00000010610"])
    adata = ad.AnnData(X=np.ones((3, 2), dtype="float32"), obs=obs, var=var)
    ln.Feature(name="cell_type", type="category").save()
    curator = ln.curators.AnnDataCurator(
        adata, categoricals={"cell_type": bt.CellType.name}, var_index=bt.Gene.ensembl_gene_id
    )
    with pytest.raises(ln.errors.ValidationError, match="in the public ontology"):
        curator.validate()
    curator.add_validated_from("cell_type")  # T cell (from its synonym T-cell) and monocyte
    curator.standardize("cell_type")
    curator.add_validated_from_var_index()
    curator.validate()
    artifact = curator.save_artifact(description="pbmc")
    assert sorted(artifact.cell_types.values_list("name", flat=True)) == ["T cell", "monocyte"]
    assert ln.Artifact.filter(cell_types__name="monocyte").one() == artifact
    var_set = artifact.features.by_slot()["var"]
    assert var_set.registry == "bionty.Gene"
    assert sorted(g.symbol for g in var_set.members) == ["CD4", "TCF7"]
    feature = ln.Feature.get(name="cell_type")
    assert artifact.labels.get(feature, flat_names=True) == ["T cell", "monocyte"]
    # Feature names as filter keys, by name or by record; features as columns.
    t_cell = bt.CellType.get(name="T cell")
    assert ln.Artifact.filter(cell_type="monocyte").one() == artifact
    assert ln.Artifact.filter(cell_type=t_cell).one() == artifact
    assert ln.Artifact.filter(cell_type__in=["B cell"]).count() == 0
    table = ln.Artifact.filter(pk=artifact.pk).to_dataframe(include="features")
    assert table.iloc[0]["cell_type"] == ["T cell", "monocyte"]


def test_unknown_module_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(ImportError, match="tried two package names"):
        ln.setup.init(storage=tmp_path / "data", schema="bionty,no-such-lab")
    assert not (tmp_path / "data").exists()
    assert not list((tmp_path / "home").glob("instances/*.json"))


def test_adding_a_module_to_an_instance(
    database: str | None, tmp_path: Path, ontologies: Path
) -> None:
    from lineagedb import bionty as bt

    ln.setup.init(storage=tmp_path / "data", db=database)
    with pytest.raises(ln.errors.NotConnected, match="add_module"):
        bt.CellType  # noqa: B018
    ln.setup.add_module("bionty")
    assert ln.setup.settings.instance.modules == ("bionty",)
    bt.CellType.from_public(ontology_id="CL:0000084").save()
    ln.setup.init(storage=tmp_path / "other")  # another instance: no bionty tables there
    assert "cell_types" not in [link.accessor for link in _links()]
    ln.connect("data")
    assert bt.CellType.filter(name="T cell").exists()
    assert "cell_types" in [link.accessor for link in _links()]
    from lineagedb.setup._django import disconnect

    disconnect()


def _links() -> list:
    from lineagedb.models.annotations.label_links import label_links

    return label_links(ln.Artifact)


@pytest.mark.slow
def test_whole_uberon_converts_and_searches(tmp_path: Path) -> None:
    from lineagedb.bionty.public import PublicOntology

    public = PublicOntology.for_entity("Tissue")
    assert len(public) > 14_000  # non-deprecated terms
    assert public.search("liver").iloc[0]["name"] == "liver"
    assert public.lookup().liver.ontology_id == "UBERON:0002107"


def test_a_custom_module_end_to_end(
    database: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    from lineagedb.cli.modules import write_module

    project = write_module("mylab", tmp_path / "modules")
    assert (project / "lnschema_mylab" / "migrations" / "0001_initial.py").exists()
    # Installed: importable from the project folder (as `pip install -e` would make it).
    monkeypatch.syspath_prepend(str(project))
    ln.setup.init(storage=tmp_path / "data", db=database, schema="mylab")
    from lnschema_mylab.models import Sample

    sample = Sample(name="donor 1").save()
    path = tmp_path / "counts.csv"
    path.write_text("gene,count\nCD4,3\n")
    artifact = ln.Artifact(str(path), description="counts").save()
    donor = ln.Feature(name="donor", type="category").save()
    artifact.labels.add(sample, feature=donor)
    assert ln.Artifact.filter(samples__name="donor 1").one() == artifact
    assert artifact.labels.get(donor, flat_names=True) == ["donor 1"]
    assert donor.registries == "mylab.Sample"
    from lineagedb.setup._django import disconnect

    disconnect()
    if database is None:  # the skeleton's own test passes, in its own process
        env = {"PYTHONPATH": str(project), "PATH": "/usr/bin:/bin"}
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                str(project / "tests"),
            ],
            env={**env, "HOME": str(tmp_path)},
            capture_output=True,
            text=True,
            check=False,
            cwd=project,
        )
        assert done.returncode == 0, done.stdout[-2000:]


def test_without_the_extra_init_says_what_to_install(tmp_path: Path) -> None:
    import subprocess
    import sys

    # A Python where cellxgene-ontology-guide is not installed: an import hook hides it.
    script = f"""
import sys
class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "cellxgene_ontology_guide":
            raise ModuleNotFoundError(name)
sys.meta_path.insert(0, Hide())
import lineagedb as ln
try:
    ln.setup.init(storage={str(tmp_path / "data")!r}, schema="bionty")
except ImportError as error:
    print(error)
"""
    env = {"LINEAGEDB_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert "pip install 'lineagedb[bionty]'" in done.stdout
    assert not (tmp_path / "data").exists()
