"""No link lost (issue 27): metadata that must not break under bad input, deletes,
other instances and concurrent writers. Multi-process harnesses: test_metadata_races.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lineagedb import errors
from lineagedb.models.annotations.feature_set import members_hash


def saved_csv(ln: ModuleType, tmp_path: Path, name: str = "a.csv", text: str = "a\n1\n") -> object:
    path = tmp_path / name
    path.write_text(text)
    return ln.Artifact(path, description=name).save()


# -- 1. an empty uid, key or prefix names nothing ---------------------------------------


@pytest.mark.parametrize("blank", ["", "  ", "\t"])
def test_empty_uid_or_key_is_refused(instance: ModuleType, tmp_path: Path, blank: str) -> None:
    ln = instance
    artifact = saved_csv(ln, tmp_path)
    with pytest.raises(errors.InvalidArgument, match=r"empty Artifact uid .* unset"):
        ln.Artifact.get(blank)
    with pytest.raises(errors.InvalidArgument, match=r"empty Artifact key"):
        ln.Artifact.get(key=blank)
    with pytest.raises(errors.InvalidArgument, match=r"empty Artifact uid prefix"):
        ln.Artifact.filter().get(uid__startswith=blank)
    assert ln.Artifact.get(artifact.uid[:8]) == artifact


def test_cli_rm_of_an_empty_uid_deletes_nothing(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = saved_csv(ln, tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lineagedb", "rm", "", "--permanent"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1, done.stdout
    assert "empty" in done.stderr and "unset" in done.stderr
    assert ln.Artifact.filter(uid=artifact.uid).exists()
    assert artifact.path.exists()


def test_a_short_prefix_of_several_records_lists_them(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    first = saved_csv(ln, tmp_path, "a.csv", "a\n1\n")
    second = ln.Artifact(tmp_path / "a.csv", is_new_version_of=first)
    (tmp_path / "a.csv").write_text("a\n2\n")
    second = ln.Artifact(tmp_path / "a.csv", is_new_version_of=first).save()
    # A stem prefix (16 characters) names the family: its latest version.
    assert ln.Artifact.get(first.uid[:16]) == second
    # A prefix of 3 characters never picks one of several, even within one family.
    with pytest.raises(errors.MultipleFound, match=first.uid):
        ln.Artifact.get(first.uid[:3])


# -- 2. what is in use cannot be deleted -----------------------------------------------


def test_a_feature_in_use_is_not_deleted(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = saved_csv(ln, tmp_path)
    donor = ln.Feature(name="donor", type="category").save()
    other = ln.Feature(name="other", dtype="num").save()
    schema = ln.FeatureSet([donor, other]).save()
    d1 = ln.ULabel(name="D1").save()
    artifact.labels.add(d1, feature=donor)
    with pytest.raises(errors.InUse, match=r"Feature 'donor' is in use \(1 labels under it, "):
        donor.delete()
    with pytest.raises(errors.InUse, match=r"1 artifact labels.*labels.remove"):
        d1.delete()
    with pytest.raises(errors.InUse):
        ln.Feature.filter(name="donor").delete()
    # Nothing changed: the label, the feature and the set's members behind its hash.
    assert artifact.labels.get(donor, flat_names=True) == ["D1"]
    assert schema.features.count() == 2 == schema.n
    assert schema.hash == members_hash(schema.features.all())
    # Unlinked, a label goes; a feature goes once no set holds it.
    artifact.labels.remove(d1)
    d1.delete()
    with pytest.raises(errors.InUse, match=r"1 feature sets") as caught:
        donor.delete()
    assert caught.value.uses == {"feature sets": 1}  # the schema: the external set went
    assert artifact.features.by_slot() == {}
    assert ln.Feature.filter(name="donor").exists()


def test_a_feature_set_in_use_is_not_deleted(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = saved_csv(ln, tmp_path)
    feature = ln.Feature(name="a", dtype="num").save()
    feature_set = artifact.features.add([feature], slot="columns")
    with pytest.raises(errors.InUse, match=r"FeatureSet .* is in use \(1 artifacts\)"):
        feature_set.delete()
    assert artifact.features["columns"].count() == 1


def test_unused_records_are_deleted(instance: ModuleType) -> None:
    ln = instance
    ln.ULabel(name="free").save().delete()
    ln.Feature(name="free", dtype="num").save().delete()
    assert not ln.ULabel.filter(name="free").exists()
    assert not ln.Feature.filter(name="free").exists()


# -- 3. records of another instance are never linked by id -------------------------------


def test_records_of_another_instance_are_refused(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    mine = saved_csv(ln, tmp_path, "a.csv")
    label_a = ln.ULabel(name="from A").save()
    feature_a = ln.Feature(name="from_a", type="category").save()
    ln.setup.init(storage=tmp_path / "other")
    theirs = saved_csv(ln, tmp_path, "b.csv", "b\n2\n")
    ln.ULabel(name="from B").save()
    calls = [
        lambda: theirs.labels.add(label_a),
        lambda: theirs.labels.add([label_a], feature=ln.Feature(name="x", type="category").save()),
        lambda: theirs.labels.add(ln.ULabel.filter(), feature=feature_a),
        lambda: theirs.features.add([feature_a]),
        lambda: mine.labels.add(ln.ULabel.get(name="from B")),
        lambda: ln.Collection([theirs, mine], name="mixed"),
        lambda: ln.FeatureSet([feature_a]),
    ]
    for call in calls:
        with pytest.raises(errors.OtherInstance, match=r"belongs to instance"):
            call()
    assert theirs.labels.all().count() == 0
    assert theirs.features.by_slot() == {}
    assert ln.Collection.filter().count() == 0


# -- 5. an ontology term is saved with its parents, in one transaction --------------------
# (bionty's own tests check the parents; the kill -9 harness checks the transaction.)


# -- 6, 7. one record per name; a concurrent creator gets the existing one ---------------


def test_the_loser_of_a_creation_race_gets_the_winner(instance: ModuleType) -> None:
    ln = instance
    # Both built before either is saved: what two processes do at once.
    for model, fields in ((ln.ULabel, {}), (ln.Feature, {"dtype": "str"})):
        late = model(name="donor", **fields)
        first = model(name="donor", **fields).save()
        assert late.save() == first and late.pk == first.pk
        assert model.filter(name="donor").count() == 1
    late = [ln.ULabel(name="T1"), ln.ULabel(name="T2")]
    ln.ULabel(name="T2").save()
    saved = ln.save(late)
    assert sorted(label.name for label in saved) == ["T1", "T2"]
    assert ln.ULabel.filter(name__in=["T1", "T2"]).count() == 2
    assert ln.Feature.get(name="donor").type == "str"


def test_feature_names_are_unique_in_the_database(instance: ModuleType) -> None:
    from django.db import IntegrityError, models, transaction

    ln = instance
    ln.Feature(name="donor", dtype="str").save()
    ln.settings.upon_create_search_names = False  # the name rule off: a second "donor"
    try:
        twin = ln.Feature(name="donor", dtype="num")
    finally:
        ln.settings.upon_create_search_names = True
    with pytest.raises(IntegrityError), transaction.atomic():
        models.Model.save(twin)  # Django's own save: the database itself refuses
    assert twin.save().type == "str"  # ours gets the existing record


# -- 8, 9, 10, 17. values a user can type: clear errors, instants in UTC ------------------


@pytest.fixture
def typed(instance: ModuleType, tmp_path: Path) -> tuple[ModuleType, object]:
    ln = instance
    for name, dtype in (
        ("temperature", "num"),
        ("flag", "bool"),
        ("meta", "dict"),
        ("donor", "str"),
        ("when", "datetime"),
    ):
        ln.Feature(name=name, dtype=dtype).save()
    return ln, saved_csv(ln, tmp_path)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"temperature": 10**400}, "beyond the range of a float"),
        ({"temperature": float("inf")}, "must be finite"),
        ({"temperature": float("nan")}, "must be finite"),
        ({"meta": {"a": float("nan")}}, "NaN, infinity"),
        ({"meta": {"a": [float("-inf")]}}, "NaN, infinity"),
        ({"donor": "\udc80"}, "lone surrogates"),
        ({"donor": "a\x00b"}, "NUL character"),
        ({"meta": {"k\x00": 1}}, "NUL character"),
        ({"when": "yesterday"}, "ISO 8601"),
    ],
)
def test_values_no_database_stores_are_refused(
    typed: tuple[ModuleType, object], values: dict, message: str
) -> None:
    ln, artifact = typed
    with pytest.raises(errors.InvalidArgument, match=message):
        artifact.features.add_values(values)  # type: ignore[attr-defined]
    assert artifact.features.get_values() == {}  # type: ignore[attr-defined]
    assert ln.models.FeatureValue.objects.count() == 0


def test_a_thousand_values_of_one_feature(typed: tuple[ModuleType, object]) -> None:
    ln, artifact = typed
    artifact.features.add_values({"temperature": list(range(1000))})  # type: ignore[attr-defined]
    assert ln.Artifact.filter(temperature=999).one() == artifact
    assert len(artifact.features.get_values()["temperature"]) == 1000  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("lookups", "message"),
    [
        ({"temperature": "abc"}, r"'temperature' has type 'number'; 'abc'"),
        ({"temperature": None}, r"None matches no value.*temperature=37"),
        ({"flag": "no"}, r"'flag' has type 'bool'; 'no'"),
        ({"temperature__in": ["x"]}, r"'x' \(str\) is not a value"),
        ({"temperature__contains": "3"}, r"__contains takes text"),
        ({"temperature__isnull": True}, r"__isnull does not apply"),
        ({"donor": "\udc80"}, r"filter\(donor=...\) got .*lone surrogates"),
        ({"donor": "a\x00"}, r"NUL character"),
        ({"description": "a\x00"}, r"NUL character"),
    ],
)
def test_feature_filters_with_wrong_values_say_so(
    typed: tuple[ModuleType, object], lookups: dict, message: str
) -> None:
    ln, _ = typed
    with pytest.raises(errors.InvalidArgument, match=message):
        ln.Artifact.filter(**lookups).count()


def test_unstorable_text_in_validate_inspect_search(instance: ModuleType) -> None:
    ln = instance
    ln.ULabel(name="c").save()
    assert ln.ULabel.validate(["a\udc80", "b\x00", "c"]).tolist() == [False, False, True]
    assert ln.ULabel.inspect(["a\udc80", "C"]).non_validated == ["a\udc80", "C"]
    for text in ("a\x00", "\udc80"):
        with pytest.raises(errors.InvalidArgument, match="no record can hold it"):
            ln.ULabel.search(text)
        with pytest.raises(errors.InvalidArgument, match="no record can hold it"):
            ln.ULabel.get(name=text)


def test_datetimes_are_instants(typed: tuple[ModuleType, object]) -> None:
    import datetime

    ln, artifact = typed
    plus_two = datetime.timezone(datetime.timedelta(hours=2))
    when = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=plus_two)
    artifact.features.add_values({"when": when})  # type: ignore[attr-defined]
    assert ln.Artifact.filter(when=when).one() == artifact
    assert ln.Artifact.filter(when="2024-05-01T10:00:00Z").one() == artifact
    # 10:30 at UTC-1 is 11:30 UTC: later, though its local clock reads earlier than 12:00.
    later = datetime.datetime(
        2024, 5, 1, 10, 30, tzinfo=datetime.timezone(-datetime.timedelta(hours=1))
    )
    assert ln.Artifact.filter(when__lt=later).one() == artifact
    assert not ln.Artifact.filter(when__gt=later).exists()
    assert artifact.features.get_values()["when"] == "2024-05-01T10:00:00.000000+00:00"  # type: ignore[attr-defined]


# -- 12, 19, 22. tables: shapes Parquet cannot store, names, ids as text -----------------


def _cell_type_schema(ln: ModuleType) -> object:
    feature = ln.Feature(name="cell_type", type="category").save()
    ln.ULabel(name="cell_type").save()  # a label named like the column: must not validate it
    ln.ULabel(name="T cell").save()
    return ln.Schema([feature]).save()


@pytest.mark.parametrize(
    ("columns", "values", "message"),
    [
        (["cell_type"], [["T cell"], [1], [2.5]], r"'cell_type' mixes types \(float, int, str\)"),
        (["cell_type", "cell_type"], [["x", "y"]], r"duplicate column names \['cell_type'\]"),
        ([("cell_type", "a"), ("b", "c")], [["T cell", 1]], r"MultiIndex columns"),
    ],
)
def test_tables_a_curator_cannot_check_or_store(
    instance: ModuleType, columns: list, values: list, message: str
) -> None:
    import pandas as pd

    ln = instance
    schema = _cell_type_schema(ln)
    if isinstance(columns[0], tuple):
        df = pd.DataFrame(values, columns=pd.MultiIndex.from_tuples(columns))
    else:
        df = pd.DataFrame(values, columns=columns)
    with pytest.raises(errors.ValidationError, match=message):
        ln.curators.DataFrameCurator(df, schema).validate()
    with pytest.raises(errors.ValidationError, match=message):
        ln.Artifact.from_df(df, key="t.parquet", schema=schema)
    with pytest.raises(errors.InvalidArgument, match=message + r".*Nothing was written"):
        ln.Artifact.from_df(df, key="t.parquet")
    assert ln.Artifact.filter(visibility=None).count() == 0


def test_integer_ids_with_a_blank_cell_are_read_as_text(
    instance: ModuleType, tmp_path: Path
) -> None:
    import pandas as pd

    ln = instance
    ln.save([ln.ULabel(name="101"), ln.ULabel(name="102")])
    table = tmp_path / "ids.csv"
    table.write_text("id,x\n101,1\n,2\n102,3\n")
    done = subprocess.run(
        [sys.executable, "-m", "lineagedb", "validate", str(table), "--column", "id"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 of 2 distinct values validated" in done.stdout
    column = pd.read_csv(table)["id"]  # float64: 101.0, NaN, 102.0
    assert ln.ULabel.validate(column).tolist() == [True, False, True]
    curator = ln.curators.DataFrameCurator(pd.read_csv(table), categoricals={"id": "name"})
    curator.validate()


# -- 21. the same table again with a schema: annotated, not silently left bare --------------


def test_from_df_with_a_schema_annotates_registered_content(instance: ModuleType) -> None:
    import pandas as pd

    ln = instance
    schema = _cell_type_schema(ln)
    df = pd.DataFrame({"cell_type": ["T cell", "T cell"]})
    first = ln.Artifact.from_df(df, key="cells.parquet").save()  # without the schema
    assert first.features.by_slot() == {}
    again = ln.Artifact.from_df(df, key="cells.parquet", schema=schema).save()
    assert again == first
    assert [f.name for f in first.features["columns"]] == ["cell_type"]
    feature = ln.Feature.get(name="cell_type")
    assert first.labels.get(feature, flat_names=True) == ["T cell"]


# -- 16. feature names that a query could never reach --------------------------------------


@pytest.mark.parametrize("name", ["size", "key", "id", "hash", "ulabels", "a__b"])
def test_feature_names_of_fields_are_refused(instance: ModuleType, name: str) -> None:
    ln = instance
    with pytest.raises(errors.InvalidArgument, match=r"field of artifacts|contains '__'"):
        ln.Feature(name=name, dtype="num")
    assert not ln.Feature.filter(name=name).exists()


# -- 23. example data never overwrites a file that differs ---------------------------------


def test_example_data_never_overwrites_an_edited_file(tmp_path: Path) -> None:
    import lineagedb as ln

    root = ln.datasets.iris_studies(tmp_path / "studies", images_per_study=(2, 1), image_size=100)
    meta = root / "study0_raw_images" / "meta.csv"
    ln.datasets.iris_studies(root, images_per_study=(2, 1), image_size=100)  # identical: fine
    meta.write_text("edited\n")
    with pytest.raises(errors.InvalidArgument, match=r"meta.csv' exists and differs"):
        ln.datasets.iris_studies(root, images_per_study=(2, 1), image_size=100)
    assert meta.read_text() == "edited\n"


# -- 11, 13, 14, 15: a fresh shell, damaged arrays, modules of the instance ---------------


@pytest.mark.filterwarnings("ignore:Variable names are not unique:UserWarning")
def test_damaged_and_ambiguous_arrays_get_clear_errors(
    instance: ModuleType, tmp_path: Path
) -> None:
    import anndata as ad
    import h5py
    import numpy as np
    import pandas as pd

    ln = instance
    adata = ad.AnnData(
        np.ones((3, 2), dtype="float32"),
        obs=pd.DataFrame({"x": list("abc")}, index=["c1", "c2", "c3"]),
        var=pd.DataFrame(index=["g0", "g0"]),
    )
    path = tmp_path / "cells.h5ad"
    adata.write_h5ad(path)
    artifact = ln.Artifact(path, description="cells").save()
    with artifact.open() as backed:
        with pytest.raises(errors.InvalidArgument, match=r"var_names are not unique \(\['g0'\]"):
            backed[:, "g0"]
        assert backed[:, [0]].X.shape == (3, 1)  # by position it works
    stored = artifact.path
    with h5py.File(stored, "a") as store:  # overwritten behind the registry's back
        del store["obs"]["x"]
    with (
        artifact.open() as backed,
        pytest.raises(errors.InvalidArgument, match=r"'/obs' .* verify"),
    ):
        _ = backed.obs
    stored.write_bytes(stored.read_bytes()[:2000])  # truncated
    with pytest.raises(errors.InvalidArgument, match=r"cannot be read as \.h5ad .*verify"):
        artifact.load()


@pytest.mark.parametrize(
    ("module", "message"), [("json", "no 'models' module"), ("lineagedb", "not a schema module")]
)
def test_packages_that_are_not_schema_modules(
    instance: ModuleType, tmp_path: Path, module: str, message: str
) -> None:
    ln = instance
    with pytest.raises(errors.InvalidArgument, match=message):
        ln.setup.init(storage=tmp_path / "other", schema=module)
    with pytest.raises(errors.InvalidArgument, match=message):
        ln.setup.add_module(module)
    assert not (tmp_path / "other").exists()
    assert ln.ULabel(name="still works").save().pk is not None  # the app registry is whole


SECOND_USER = """
import sys
import lineagedb as ln
ln.setup.init(storage=sys.argv[1], db=sys.argv[2] or None)
print(ln.setup.settings.instance.modules)
print(ln.Artifact.filter(cell_type="T cell").count())
artifact = ln.Artifact.get(description="labelled")
print(artifact.features.get_values())
artifact.delete(permanent=True)
print(ln.Artifact.filter(visibility=None).count())
"""


def test_modules_belong_to_the_instance(
    instance: ModuleType, tmp_path: Path, database: str | None
) -> None:
    ln = instance
    ln.setup.add_module("bionty")
    import lineagedb.bionty as bt

    artifact = saved_csv(ln, tmp_path, "labelled.csv")
    artifact.description = "labelled"
    artifact.save()
    feature = ln.Feature(name="cell_type", dtype="cat[bionty.CellType]").save()
    t_cell = bt.CellType(name="T cell", ontology_id="CL:0000084").save(parents=False)
    artifact.labels.add(t_cell, feature=feature)
    other_user = tmp_path / "other-user"  # settings of its own: no modules listed there
    done = subprocess.run(
        [sys.executable, "-c", SECOND_USER, str(tmp_path / "data"), database or ""],
        capture_output=True,
        text=True,
        env={**os.environ, "LINEAGEDB_HOME": str(other_user)},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["('bionty',)", "1", "{'cell_type': 'T cell'}", "0"]


def test_mouse_stages_get_their_parents_from_the_mouse_table(instance: ModuleType) -> None:
    ln = instance
    ln.setup.add_module("bionty")
    import lineagedb.bionty as bt

    public = bt.DevelopmentalStage.public(organism="mouse")
    parents_of = dict(zip(public.columns["name"], public.columns["parents"], strict=True))
    stage = "19-month-old stage"
    ln.save(bt.DevelopmentalStage.from_values([stage], organism="mouse"))
    saved = bt.DevelopmentalStage.get(name=stage)
    assert saved.ontology_id.startswith("MmusDv:")
    expected = set(parents_of[stage].split("|"))
    assert set(saved.parents.values_list("ontology_id", flat=True)) == expected


# -- 20. the AnnData curator saves what it validated ---------------------------------------


def test_anndata_curator_checks_var_changed_after_validate(instance: ModuleType) -> None:
    import anndata as ad
    import numpy as np
    import pandas as pd

    ln = instance
    ln.save([ln.Feature(name=f"g{i}", dtype="num") for i in range(2)])
    adata = ad.AnnData(
        np.ones((2, 2), dtype="float32"),
        obs=pd.DataFrame(index=["c1", "c2"]),
        var=pd.DataFrame(index=["g0", "g1"]),
    )
    curator = ln.curators.AnnDataCurator(adata, var_index=ln.Feature.name)
    curator.validate()
    adata.var_names = ["g0", "not a feature"]
    with pytest.raises(errors.ValidationError, match="not a feature"):
        curator.save_artifact(key="cells.h5ad")
    assert ln.Artifact.filter(visibility=None).count() == 0


# -- a property: a host's sets are what its links say, after any sequence of edits ---------

_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["label", "unlabel", "value", "unvalue", "columns"]),
        st.integers(min_value=0, max_value=2),
    ),
    max_size=8,
)


def _sets_contradict_links(ln: ModuleType, artifact: object) -> list[str]:
    """What the artifact's sets say that its link tables do not (computed from the tables)."""
    links = ln.models.ArtifactFeatureSet.objects.filter(artifact=artifact)
    slots = [link.slot for link in links]
    found = [f"slot {slot!r} twice" for slot in set(slots) if slots.count(slot) > 1]
    by_slot = {link.slot: link.featureset for link in links}
    for feature_set in by_slot.values():
        members = list(feature_set.features.all())
        if feature_set.n != len(members) or feature_set.hash != members_hash(members):
            found.append(f"set {feature_set.uid} does not match its members")
    held = {f.pk for slot, s in by_slot.items() if slot != "external" for f in s.features.all()}
    labelled = set(
        ln.models.ArtifactULabel.objects.filter(
            artifact=artifact, feature__isnull=False
        ).values_list("feature_id", flat=True)
    )
    valued = set(
        ln.models.ArtifactFeatureValue.objects.filter(artifact=artifact).values_list(
            "featurevalue__feature_id", flat=True
        )
    )
    external = by_slot.get("external")
    has = {f.pk for f in external.features.all()} if external else set()
    if has != (labelled | valued) - held:
        found.append(f"external set {sorted(has)} != links {sorted((labelled | valued) - held)}")
    return found


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=_STEPS)
def test_sets_always_match_links(instance: ModuleType, tmp_path: Path, steps: list) -> None:
    ln = instance
    kinds = [ln.Feature(name=f"kind_{i}", type="category").save() for i in range(3)]
    numbers = [ln.Feature(name=f"number_{i}", dtype="num").save() for i in range(3)]
    labels = [ln.ULabel(name=f"label {i}").save() for i in range(3)]
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.csv"
    path.write_text(f"a\n{path.name}\n")
    artifact = ln.Artifact(path, description="host").save()
    for step, i in steps:
        if step == "label":
            artifact.labels.add(labels[i], feature=kinds[i])
        elif step == "unlabel":
            artifact.labels.remove(labels[i])
        elif step == "value":
            artifact.features.add_values({f"number_{i}": i})
        elif step == "unvalue":
            artifact.features.remove_values(f"number_{i}")
        else:
            artifact.features.add([kinds[i], numbers[i]], slot="columns")
        assert _sets_contradict_links(ln, artifact) == [], (step, i)
