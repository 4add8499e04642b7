"""ULabel, Feature, FeatureSet; artifact.labels and artifact.features; queries by labels."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


@pytest.fixture
def iris(instance: ModuleType) -> tuple:
    """The tutorial's state: species and study labels, two category features, a table."""
    ln = instance
    species = [ln.ULabel(name=name) for name in ("setosa", "versicolor", "virginica")]
    ln.save(species)
    is_organism = ln.ULabel(name="is_organism").save()
    is_organism.children.set(species)
    study0 = ln.ULabel(name="study0").save()
    organism = ln.Feature(name="iris_organism_name", type="category").save()
    study = ln.Feature(name="study_name", type=str).save()
    df = ln.core.datasets.df_iris_in_meter_study1()
    artifact = ln.Artifact.from_df(df, description="iris 1").save()
    return ln, artifact, species, study0, organism, study, df


def test_constructors_check_their_arguments(instance: ModuleType) -> None:
    ln = instance
    with pytest.raises(TypeError, match="needs a name"):
        ln.ULabel()
    with pytest.raises(ValueError, match="takes its fields by name"):
        ln.ULabel("study0")
    with pytest.raises(ValueError, match="unexpected arguments 'color'"):
        ln.ULabel(name="x", color="red")
    with pytest.raises(ValueError, match="needs a type"):
        ln.Feature(name="temperature")
    with pytest.raises(ValueError, match="'datetime' is not one of"):
        ln.Feature(name="when", type="datetime")
    assert ln.Feature(name="n", type=int).type == "number"
    assert ln.Feature(name="flag", type=bool).type == "bool"
    cat = ln.Feature(name="cell_type", dtype="cat[ULabel|bionty.CellType]")
    assert (cat.type, cat.registries) == ("category", "core.ULabel|bionty.CellType")
    assert ln.Feature(name="tissue", type="category", registries=[ln.ULabel]).registries == (
        "core.ULabel"
    )
    with pytest.raises(TypeError, match="not a registry"):
        ln.Feature(name="bad", type="category", registries=[str])
    with pytest.raises(ValueError, match="at least one feature"):
        ln.FeatureSet([])
    with pytest.raises(ValueError, match="not a single feature"):
        ln.FeatureSet(ln.Feature(name="one", type=int).save())
    with pytest.raises(TypeError, match="holds Feature records"):
        ln.FeatureSet([ln.ULabel(name="nope")])
    with pytest.raises(ValueError, match="are not saved"):
        ln.FeatureSet([ln.Feature(name="unsaved", type=int)])


def test_name_rule_returns_existing_and_warns_of_similar(
    instance: ModuleType, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    project = ln.ULabel(name="project1").save()
    again = ln.ULabel(name="project1")
    assert again == project and not again._state.adding
    assert "loaded ULabel record with same name: 'project1'" in caplog.text
    similar = ln.ULabel(name="project 1")
    assert similar._state.adding
    assert "similar name(s)" in caplog.text and "'project1'" in caplog.text
    monkeypatch.setattr(ln.settings, "upon_create_search_names", False)
    assert ln.ULabel(name="project1")._state.adding  # the rule is off
    project.delete()
    assert ln.ULabel.filter().count() == 0  # labels are deleted at once, no trash


def test_feature_sets_are_identified_by_their_members(instance: ModuleType) -> None:
    ln = instance
    a, b = ln.Feature(name="a", type=int).save(), ln.Feature(name="b", type=str).save()
    first = ln.FeatureSet([a, b], name="ab").save()
    assert (first.n, first.registry, first.type) == (2, "core.Feature", None)
    again = ln.FeatureSet([b, a, a])
    assert again == first and not again._state.adding
    assert sorted(first.members.values_list("name", flat=True)) == ["a", "b"]
    assert ln.Schema is ln.FeatureSet
    assert ln.FeatureSet.filter(features__name="a").one() == first


def test_labels_with_features_build_the_external_set(iris: tuple) -> None:
    ln, artifact, species, study0, organism, study, df = iris
    artifact.features.add(ln.save(ln.Feature.from_df(df)))
    assert [f.name for f in artifact.features["columns"]] == sorted(df.columns)
    artifact.labels.add(species, feature=organism)  # in 'columns': no external set
    assert set(artifact.features.by_slot()) == {"columns"}
    artifact.labels.add(study0, feature=study)
    external = artifact.features.by_slot()["external"]
    assert [f.name for f in external.features.all()] == ["study_name"]
    organism.refresh_from_db()
    assert organism.registries == "core.ULabel"
    assert artifact.labels.get(organism, flat_names=True) == ["setosa", "versicolor", "virginica"]
    assert artifact.labels.get(study, flat_names=True) == ["study0"]
    from lineagedb.models.annotations.summary import describe_text as describe

    described = describe(artifact)
    assert "  external: FeatureSet(" in described
    assert "    🔗 iris_organism_name (3, core.ULabel): 'setosa', 'versicolor', 'virginica'" in (
        described
    )
    assert "    🔗 study_name (1, core.ULabel): 'study0'" in described
    assert "  📎 ulabels (4, core.ULabel): 'setosa', 'study0', 'versicolor', 'virginica'" in (
        described
    )
    artifact.labels.remove(study0)
    assert artifact.labels.get(study, flat_names=True) == []


def test_a_shared_external_set_is_kept_while_used(iris: tuple, tmp_path: Path) -> None:
    ln, artifact, species, study0, organism, study, df = iris
    other = ln.Artifact.from_df(df.head(3), description="iris head").save()
    artifact.labels.add(study0, feature=study)
    other.labels.add(study0, feature=study)
    shared = artifact.features.by_slot()["external"]
    assert other.features.by_slot()["external"] == shared  # the same members: one set
    artifact.labels.add(species, feature=organism)  # artifact's external set grows
    grown = artifact.features.by_slot()["external"]
    assert grown != shared and grown.n == 2
    assert ln.FeatureSet.filter(uid=shared.uid).exists()  # still used by `other`
    assert other.features.by_slot()["external"] == shared


def test_queries_by_labels_and_features(iris: tuple) -> None:
    ln, artifact, species, _study0, organism, _study, df = iris
    other = ln.Artifact.from_df(df.tail(3), description="iris tail").save()
    artifact.labels.add(species, feature=organism)
    other.labels.add(species[:1], feature=organism)
    artifact.features.add(ln.save(ln.Feature.from_df(df)))
    assert set(ln.Artifact.filter(ulabels=species[0])) == {artifact, other}
    assert list(ln.Artifact.filter(ulabels__name="virginica")) == [artifact]
    parents = ln.Artifact.filter(ulabels__parents__name="is_organism")
    assert parents.count() == 2  # distinct: no row per matching label
    assert list(ln.Artifact.filter(feature_sets__features__name="sepal_length")) == [artifact]
    assert list(ln.Artifact.filter(ulabel_links__feature=organism, ulabels=species[2])) == [
        artifact
    ]
    assert sorted(ln.ULabel.filter(parents__name="is_organism").values_list("name", flat=True)) == [
        "setosa",
        "versicolor",
        "virginica",
    ]
    assert "is_organism" in species[0].view_parents().source


def test_unsaved_hosts_and_labels_are_refused(iris: tuple, tmp_path: Path) -> None:
    ln, artifact, _species, study0, _organism, study, df = iris
    unsaved = ln.Artifact.from_df(df.head(2), description="unsaved")
    with pytest.raises(ValueError, match="Save the artifact"):
        unsaved.labels.add(study0)
    with pytest.raises(ValueError, match="not saved"):
        artifact.labels.add(ln.ULabel(name="draft"))
    with pytest.raises(ValueError, match="need a feature"):
        artifact.labels.add("study0")
    artifact.labels.add("study0", feature=study)  # names with a feature: looked up
    assert artifact.labels.get(study, flat_names=True) == ["study0"]
    with pytest.raises(TypeError, match="must be a Feature"):
        artifact.labels.add(study0, feature="study_name")
    assert ln.Artifact.filter(ulabels=study0).count() == 1


@pytest.mark.parametrize(
    "name",
    ['it\'s "quoted"', "100%_done", "a|b", "Ünïcødé 🧬", "x" * 150],
)
def test_hostile_label_names_round_trip(instance: ModuleType, name: str) -> None:
    ln = instance
    label = ln.ULabel(name=name).save()
    assert ln.ULabel.get(name=name) == label
    feature = ln.Feature(name=name[:150], type="category").save()
    assert ln.Feature.filter(name=name[:150]).one() == feature


def test_a_name_too_long_is_a_clear_error(instance: ModuleType) -> None:
    ln = instance
    with pytest.raises(ValueError, match=r"ULabel.name is 10000 characters long"):
        ln.ULabel(name="n" * 10_000).save()
    assert ln.ULabel.filter().count() == 0


ADD_LABELS = """
import pathlib, sys, time
import lineagedb as ln
artifact = ln.Artifact.get(sys.argv[1])
labels = list(ln.ULabel.filter(name__startswith="c"))
feature = ln.Feature.get(name="condition")
start = pathlib.Path(sys.argv[2])
deadline = time.time() + 60
while not start.exists() and time.time() < deadline:
    time.sleep(0.005)
artifact.labels.add(labels, feature=feature)
"""


@pytest.mark.slow
def test_concurrent_label_adds_leave_one_set_and_no_duplicate_links(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    artifact = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), description="shared").save()
    ln.save([ln.ULabel(name=f"c{i}") for i in range(20)])
    ln.Feature(name="condition", type="category").save()
    start = tmp_path / "start"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", ADD_LABELS, artifact.uid, str(start)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for _ in range(4)
    ]
    time.sleep(1.5)  # every child imported and connected before they race
    start.touch()
    for child in children:
        _, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
    links = ln.models.ArtifactULabel.objects.filter(artifact=artifact)
    assert links.count() == 20
    assert ln.FeatureSet.filter().count() == 1
    assert artifact.features.by_slot()["external"].n == 1


def test_feature_values_are_checked_stored_shared_and_queried(instance: ModuleType) -> None:
    import datetime

    ln = instance
    ln.Feature(name="temperature", dtype="num", unit="°C").save()
    ln.Feature(name="donor", dtype="str").save()
    ln.Feature(name="treated", dtype="bool").save()
    ln.Feature(name="sampled_on", dtype="date").save()
    ln.Feature(name="cell_types", dtype="cat[ULabel]").save()
    ln.save([ln.ULabel(name=name) for name in ("T cell", "B cell")])
    first = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), description="first").save()
    second = ln.Artifact.from_df(pd.DataFrame({"a": [2]}), description="second").save()
    first.features.add_values(
        {
            "temperature": 37.2,
            "donor": "D1",
            "treated": True,
            "sampled_on": datetime.date(2026, 11, 1),
            "cell_types": ["T cell", "B cell"],
        }
    )
    second.features.add_values({"temperature": 39, "donor": "D1", "cell_types": "T cell"})
    assert first.features.get_values() == {
        "cell_types": ["B cell", "T cell"],
        "donor": "D1",
        "sampled_on": "2026-11-01",
        "temperature": 37.2,
        "treated": True,
    }
    assert ln.models.FeatureValue.filter(feature__name="donor").count() == 1  # shared
    assert list(ln.Artifact.filter(temperature__gt=38)) == [second]
    assert set(ln.Artifact.filter(donor="D1")) == {first, second}
    assert list(ln.Artifact.filter(cell_types="B cell")) == [first]
    assert list(ln.Artifact.filter(temperature__lt=38, cell_types="T cell")) == [first]
    assert ln.Artifact.filter(temperature__in=[37.2, 39]).count() == 2
    assert "    temperature (number, °C): '37.2'" in "\n".join(
        first.features.__repr__().split("\n")
    )

    for bad, message in (
        ({"temperature": "warm"}, r"'temperature' has type 'number'; 'warm'"),
        ({"treated": 1}, r"'treated' has type 'bool'"),
        ({"sampled_on": "yesterday"}, r"'sampled_on' has type 'date'"),
        ({"cell_types": ["NK cell"]}, r"No ULabel is named \['NK cell'\]"),
        ({"unknown": 1}, r"No Feature is named \['unknown'\]"),
    ):
        with pytest.raises(ValueError, match=message):
            second.features.add_values({"donor": "D2", **bad})
    assert second.features.get_values()["donor"] == "D1"  # nothing written
    second.features.remove_values("temperature")
    assert "temperature" not in second.features.get_values()
    second.features.remove_values("cell_types", value="T cell")
    assert "cell_types" not in second.features.get_values()


def test_dataframes_include_labels_and_features(iris: tuple) -> None:
    ln, artifact, species, study0, organism, study, df = iris
    artifact.labels.add(species, feature=organism)
    artifact.labels.add(study0, feature=study)
    ln.Feature(name="temperature", dtype="num").save()
    artifact.features.add_values({"temperature": 21.5})
    other = ln.Artifact.from_df(df.head(2), description="plain").save()
    frame = ln.Artifact.df(include=["ulabels__name"])
    assert frame.loc[artifact.id, "ulabels__name"] == [
        "setosa",
        "study0",
        "versicolor",
        "virginica",
    ]
    assert frame.loc[other.id, "ulabels__name"] == []
    features = ln.Artifact.filter().to_dataframe(include="features")
    assert features.loc[artifact.id, "iris_organism_name"] == ["setosa", "versicolor", "virginica"]
    assert features.loc[artifact.id, "study_name"] == "study0"
    assert features.loc[artifact.id, "temperature"] == 21.5
    assert pd.isna(features.loc[other.id, "temperature"])
    with pytest.raises(AttributeError):
        ln.Artifact.df(include=["no_such__name"])


def test_features_from_an_anndata(instance: ModuleType) -> None:
    from lineagedb.datasets import anndata_counts

    ln = instance
    adata = anndata_counts(n_obs=20, n_vars=6)
    ln.save([ln.Feature(name=name, type="number") for name in adata.var_names[:4]])
    ln.Feature(name="cell_type", type="category").save()
    artifact = ln.Artifact.from_anndata(adata, key="counts.h5ad").save()
    artifact.features.add_from_anndata(var_field=ln.Feature.name)
    sets = artifact.features.by_slot()
    assert (sets["var"].n, sets["var"].type) == (4, "number")
    assert [f.name for f in artifact.features["obs"]] == ["cell_type"]
    with pytest.raises(ValueError, match="holds no AnnData"):
        ln.Artifact.from_df(
            pd.DataFrame({"a": [1]}), key="t.parquet"
        ).save().features.add_from_anndata()
