"""LaminDB 0.70's part two, to the letter (#30): what code written for it catches, calls and
reads, run on lineagedb after changing the import line."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_wrong_arguments_are_value_errors_and_type_errors(instance: ModuleType) -> None:
    ln = instance
    df = pd.DataFrame({"a": [1, 2]})
    artifact = ln.Artifact.from_df(df, description="a").save()
    transform = ln.Transform(name="t", type="pipeline").save()
    calls = [
        lambda: ln.Artifact(df, df),
        lambda: ln.Artifact.from_df(df, description="x", extra_kwarg=1),
        lambda: ln.Run(transform, 2),
        lambda: ln.Collection(1),
        lambda: ln.Collection([artifact, artifact], name="twice"),
        lambda: ln.Feature(name="f", type="category", registries=1),
        lambda: ln.ULabel.from_values(["a"], field=ln.ULabel),
    ]
    for call in calls:
        with pytest.raises(ValueError):  # LaminDB 0.70 code catches these
            call()
    with pytest.raises(TypeError):  # and Python's convention still holds
        ln.Artifact(df, df)
    assert ln.Artifact.filter().count() == 1  # nothing written


def test_unsaved_labels_and_features_are_validation_errors(instance: ModuleType) -> None:
    ln = instance
    artifact = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), description="a").save()
    with pytest.raises(ln.core.exceptions.ValidationError, match="not saved"):
        artifact.labels.add(ln.ULabel(name="unsaved"))
    feature = ln.Feature(name="unsaved feature", type="category")
    with pytest.raises(ln.core.exceptions.ValidationError, match="not saved"):
        artifact.labels.add(ln.ULabel(name="saved").save(), feature=feature)
    assert issubclass(ln.core.exceptions.ValidationError, ln.errors.LineageDBError)


def test_list_on_querysets_and_related_managers(instance: ModuleType) -> None:
    ln = instance
    parent = ln.ULabel(name="is_study").save()
    parent.children.set([ln.ULabel(name="s1").save(), ln.ULabel(name="s2").save()])
    assert parent.children.list("name") == ["s1", "s2"]
    assert ln.ULabel.get(name="s1").parents.list(ln.ULabel.name) == ["is_study"]
    assert [label.name for label in ln.ULabel.filter(name__startswith="s").list()] == ["s1", "s2"]


def test_settings_storage_reads_and_switches(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    default = ln.settings.storage
    assert str(default) == ln.Storage.filter().first().root and hasattr(default, "protocol")
    other = tmp_path / "other-root"
    ln.settings.storage = other  # a new root: registered
    assert ln.Storage.filter(root=other.as_posix()).exists()
    artifact = ln.Artifact(write(tmp_path / "x.csv", "a\n1\n"), key="x.csv").save()
    assert artifact.storage.root == other.as_posix()
    ln.settings.storage = default  # a registered one: back
    assert str(ln.settings.storage) == str(default)
    with pytest.raises(ValueError, match="path or URL"):
        ln.settings.storage = 3


def test_collection_with_a_run_records_its_inputs(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    upstream = ln.Transform(name="Acquire", type="pipeline").save()
    made = ln.Artifact(
        write(tmp_path / "a.csv", "a\n1\n"), key="a.csv", run=ln.Run(upstream).save()
    )
    made.save()
    run = ln.Run(ln.Transform(name="Bundle", type="pipeline").save()).save()
    ln.Collection([made], name="bundle", run=run).save()
    assert run.input_artifacts.list() == [made]
    assert run.transform.parents.list() == [upstream]  # upstream, as its run's input says


def test_transform_parents_are_set_by_hand_and_by_inputs(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    qc = ln.Transform(name="QC", type="pipeline").save()
    align = ln.Transform(name="Align", type="pipeline").save()
    call = ln.Transform(name="Call", type="pipeline").save()
    call.parents.set([align])
    call.parents.add(qc)
    assert sorted(call.parents.list("name")) == ["Align", "QC"]
    assert qc.children.list("name") == ["Call"]
    assert ln.Transform.filter(parents=align).list("name") == ["Call"]
    assert "Align" in call.view_parents().source


def test_an_older_database_gets_parents_from_its_run_inputs(
    request: pytest.FixtureRequest, database: str | None, tmp_path: Path
) -> None:
    """Migration 0014 writes the parents that the runs' inputs gave before it stored them."""
    from django.core.management import call_command

    import lineagedb as ln
    from lineagedb.setup import _django

    if database is not None:
        server = request.getfixturevalue("postgres_server")
        database = server.url(server.create_database(tmp_path / "older"))
    ln.setup.init(storage=tmp_path / "data", db=database)
    upstream = ln.Transform(name="Acquire", type="pipeline").save()
    path = write(tmp_path / "r.csv", "a\n1\n")
    raw = ln.Artifact(path, key="r.csv", run=ln.Run(upstream).save()).save()
    downstream = ln.Transform(name="Normalise", type="pipeline").save()
    run = ln.Run(downstream).save()  # before: the run table of 0013 has fewer columns
    call_command("migrate", "lineagedb", "0013", verbosity=0, interactive=False)
    ln.Run.input_artifacts.through.objects.create(run_id=run.pk, artifact_id=raw.pk)
    _django.migrate()  # what a connect runs: 0014 and its backfill
    assert downstream.parents.list("name") == ["Acquire"]


def test_synonyms_to_the_letter(instance: ModuleType) -> None:
    ln = instance
    feature = ln.Feature(name="temperature", type="number").save()
    feature.add_synonym("")
    feature.add_synonym([])
    assert feature.synonyms is None  # ignored, as 0.70 ignores them
    with pytest.raises(AssertionError, match=r"'\|'"):
        feature.add_synonym("a|b")
    ln.Feature(name="temp2", type="number").save().add_synonym("temp")
    with pytest.raises(SystemExit):  # 0.70's class for a synonym another record holds
        feature.add_synonym("temp")
    with pytest.raises(ValueError):  # and ours
        feature.add_synonym("temp")
    with pytest.raises(NotImplementedError):
        ln.ULabel(name="x").save().add_synonym("y")
    feature.set_abbr("T")  # no abbreviation field: nothing set, no error


def test_feature_set_constructors_and_slots(instance: ModuleType) -> None:
    ln = instance
    df = pd.DataFrame({"temperature": [37.0], "weight": [1.0], "other": ["x"]})
    ln.save(ln.Feature.from_df(df[["temperature", "weight"]]))
    by_values = ln.FeatureSet.from_values(["temperature", "weight"], field=ln.Feature.name)
    assert by_values is not None and by_values.n == 2
    with pytest.raises(ln.errors.ValidationError, match="other"):
        ln.FeatureSet.from_values(["temperature", "other"])
    from_df = ln.FeatureSet.from_df(df)  # the registered columns only
    assert from_df is not None and from_df.n == 2 and from_df.hash == by_values.hash
    assert ln.Schema.from_dataframe(df).n == 2

    first = ln.Artifact.from_df(df, description="first").save()
    first.features.add(by_values.save(), slot="columns")
    second = ln.Artifact.from_df(df.assign(weight=2.0), description="second").save()
    second.features.add(by_values, slot="other slot")
    assert first.feature_sets["columns"] == by_values
    with pytest.raises(KeyError, match="columns"):
        first.feature_sets["var"]
    assert first.feature_sets.filter(artifactfeatureset__slot="columns").count() == 1
    # The link of this artifact, not another's: second has the set in another slot.
    assert second.feature_sets.filter(artifactfeatureset__slot="columns").count() == 0
    cell_type = ln.Feature(name="cell_type", type="category").save()
    first.labels.add(ln.ULabel(name="T cell").save(), feature=cell_type)
    found = ln.ULabel.filter(artifactulabel__feature__name="cell_type")
    assert found.list("name") == ["T cell"]


def test_df_include_first_and_search_ranks_near_names(instance: ModuleType) -> None:
    ln = instance
    for i in range(1, 4):
        ln.ULabel(name=f"ULabel {i}").save()
    frame = ln.ULabel.filter().df(include=["parents__name"])
    assert frame.columns[0] == "parents__name"
    names = ln.ULabel.search("ULabel 1")["name"].tolist()
    assert names[0] == "ULabel 1" and set(names) == {"ULabel 1", "ULabel 2", "ULabel 3"}


def test_run_context_is_assignable(instance: ModuleType) -> None:
    ln = instance
    ln.core.run_context.transform = None
    ln.core.run_context.run = None
    assert ln.core.run_context.run is None and ln.core.run_context.transform is None


def test_a_related_managers_filter_through_another_relation_repeats_no_record(
    instance: ModuleType,
) -> None:
    ln = instance
    study = ln.ULabel(name="study").save()
    df = pd.DataFrame({"temperature": [37.0], "weight": [1.0]})
    ln.save(ln.Feature.from_df(df))
    artifact = ln.Artifact.from_df(df, description="a").save()
    artifact.labels.add(study)
    both = ln.FeatureSet.from_values(["temperature", "weight"]).save()
    one = ln.FeatureSet.from_values(["temperature"]).save()
    artifact.features.add(both, slot="columns")
    artifact.features.add(one, slot="other")
    found = study.artifacts.filter(feature_sets__features__name="temperature")
    assert found.count() == 1 and len(list(found)) == 1  # two sets have it: one artifact
