"""Queries: filter, get, one, df, lookup, distinct, bulk delete."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.errors import (
    InvalidArgument,
    MultipleFound,
    NotFound,
    UnknownField,
    UnknownLookupName,
)


@pytest.fixture
def three(instance: ModuleType, tmp_path: Path) -> list:
    ln = instance
    studies = ln.datasets.iris_studies(
        tmp_path / "data" / "iris", images_per_study=(2, 2, 2), image_size=200
    )
    transform = ln.Transform(name="Tutorial: Artifacts", key="tutorial", version="0")
    transform.save()
    run = ln.Run(transform=transform)
    run.save()
    artifacts = [
        ln.Artifact(studies / f"study{i}_raw_images" / "meta.csv", run=run).save() for i in range(3)
    ]
    return artifacts


def test_filter_lookups_and_foreign_keys(instance: ModuleType, three: list) -> None:
    ln = instance
    assert ln.Artifact.filter(key__startswith="iris/study0").count() == 1
    assert ln.Artifact.filter(key__icontains="STUDY1").one() == three[1]
    keys = [a.key for a in three[:2]]
    assert ln.Artifact.filter(key__in=keys).count() == 2
    transform = ln.Transform.filter(name__icontains="artifacts").one()
    assert ln.Artifact.filter(transform=transform).count() == 3
    assert ln.Artifact.filter(transform__name__icontains="tutorial").count() == 3
    assert ln.Artifact.filter(run__transform__key="tutorial", suffix=".csv").count() == 3
    assert ln.Artifact.filter().filter(suffix=".jpg").count() == 0
    assert ln.Artifact.filter(suffix=".csv").distinct().count() == 3
    assert three[0].transform == transform and three[0].run.transform == transform


def test_get_by_uid_prefix_and_id(instance: ModuleType, three: list) -> None:
    ln = instance
    artifact = three[0]
    assert ln.Artifact.get(artifact.uid) == artifact
    assert ln.Artifact.get(artifact.id) == artifact
    assert ln.Artifact.get(artifact.uid[:10]) == artifact
    assert ln.Artifact.get(key=artifact.key) == artifact
    assert ln.Artifact.filter(suffix=".csv").get(artifact.uid[:12]) == artifact
    with pytest.raises(NotFound, match=r"No Artifact matches uid='z{20}'. See what exists"):
        ln.Artifact.get("z" * 20)
    with pytest.raises(MultipleFound, match=r"Several Artifact records match"):
        ln.Artifact.get(suffix=".csv")
    with pytest.raises(ln.Artifact.DoesNotExist):
        ln.Artifact.get(id=10**9)


def test_one_and_one_or_none(instance: ModuleType, three: list) -> None:
    ln = instance
    with pytest.raises(MultipleFound, match=r"More than one Artifact matches this query \(3"):
        ln.Artifact.filter(suffix=".csv").one()
    with pytest.raises(NotFound, match=r"No Artifact matches this query"):
        ln.Artifact.filter(suffix=".jpg").one()
    assert ln.Artifact.filter(suffix=".jpg").one_or_none() is None
    assert ln.Artifact.filter(key=three[2].key).one_or_none() == three[2]
    with pytest.raises(LookupError):
        ln.Artifact.filter(suffix=".csv").one_or_none()


def test_unknown_field_names_the_choices(instance: ModuleType, three: list) -> None:
    ln = instance
    with pytest.raises(UnknownField, match=r"no field 'sufix'. Did you mean suffix\? Its fields"):
        ln.Artifact.filter(sufix=".csv")
    with pytest.raises(UnknownField) as error:
        ln.Artifact.filter(size__gtt=3)
    assert "'gtt' is not a lookup" in str(error.value) and "Did you mean gt or gte?" in str(
        error.value
    )
    assert "fields" not in str(error.value)  # a lookup typo: the field list would not help
    with pytest.raises(UnknownField, match=r"has no field 'nope'"):
        ln.Artifact.filter().order_by("-nope")
    with pytest.raises(UnknownField, match=r"Transform has no field 'nme'"):
        ln.Transform(nme="x")


def test_df_is_indexed_by_id_newest_first(instance: ModuleType, three: list) -> None:
    ln = instance
    frame = ln.Artifact.df()
    assert frame.index.name == "id"
    assert list(frame.index) == [a.id for a in reversed(three)]
    assert list(frame["uid"]) == [a.uid for a in reversed(three)]
    assert str(frame["created_at"].dtype).startswith("datetime64")
    ordered = ln.Artifact.filter().order_by("id").to_dataframe()
    assert list(ordered.index) == [a.id for a in three]
    assert len(ln.Artifact.filter()[:2].df()) == 2
    assert list(ln.Artifact.filter().order_by("-id")[:2].df().index) == [three[2].id, three[1].id]
    run_frame = ln.Run.df()
    assert list(run_frame.columns[:4]) == ["uid", "transform_id", "started_at", "finished_at"]


def test_trashed_records_are_hidden_by_default(instance: ModuleType, three: list) -> None:
    ln = instance
    three[0].delete()
    assert ln.Artifact.filter().count() == 2
    assert len(ln.Artifact.df()) == 2
    assert ln.Artifact.filter(visibility=None).count() == 3
    assert ln.Artifact.filter(visibility=-1).one() == three[0]
    assert ln.Artifact.get(three[0].uid).visibility == -1  # get() sees the trash


def test_lookup_names_records(instance: ModuleType, three: list) -> None:
    ln = instance
    users = ln.User.lookup()
    assert users.anonymous.handle == "anonymous"
    assert "anonymous" in dir(users)
    transforms = ln.Transform.lookup()
    assert transforms.tutorial_artifacts.key == "tutorial"
    by_key = ln.Transform.lookup(field=ln.Transform.key)
    assert by_key.tutorial.name == "Tutorial: Artifacts"
    artifacts = ln.Artifact.lookup()
    assert artifacts.iris_study0_raw_images_meta_csv == three[0]
    with pytest.raises(UnknownLookupName, match=r"No User is named 'anonymus'.*anonymous"):
        users.anonymus  # noqa: B018
    assert not hasattr(users, "nobody")


def test_lookup_disambiguates_duplicate_names(instance: ModuleType) -> None:
    ln = instance
    for version in ("1", "2"):
        ln.Transform(name="QC pipeline", version=version).save()
    names = dir(ln.Transform.lookup())
    assert names == ["qc_pipeline", "qc_pipeline_2"]


def test_lookup_over_many_records_with_one_name(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(1200):  # more ids than SQLite takes parameters in one query
        (folder / f"{index}.csv").write_text(f"{index}\n")
    saved = ln.save([ln.Artifact(path, description="test") for path in sorted(folder.iterdir())])
    by_suffix = ln.Artifact.filter(suffix=".csv").lookup(field="suffix")
    assert len(by_suffix) == 1200 and "csv_1200" in dir(by_suffix)
    first_id = min(artifact.id for artifact in saved)
    assert by_suffix.csv.id == first_id and by_suffix["csv_1200"].id == first_id + 1199
    everything = by_suffix.dict()
    assert len(everything) == 1200 and everything["csv_600"].id == first_id + 599


def test_queryset_delete_follows_trash_rules(instance: ModuleType, three: list) -> None:
    ln = instance
    ln.Artifact.filter(key__in=[three[0].key, three[1].key]).delete()
    assert ln.Artifact.filter().count() == 1
    ln.Artifact.filter(visibility=-1).delete()
    assert ln.Artifact.filter(visibility=None).count() == 1
    with pytest.raises(InvalidArgument, match=r"produced 1 registered artifact"):
        ln.Transform.filter().delete()
    ln.Transform.filter().delete(force=True)  # runs go with it, outputs stay
    assert ln.Run.filter().count() == 0
    assert ln.Artifact.filter(visibility=None).one().run is None


def test_startswith_is_case_sensitive_and_indexed(instance: ModuleType, three: list) -> None:
    ln = instance
    assert ln.Artifact.filter(key__startswith="IRIS/").count() == 0
    assert ln.Artifact.filter(key__startswith="iris/").count() == 3
    assert ln.Artifact.filter(transform__key__startswith="tut").count() == 3
    from django.db import connection

    if connection.vendor != "sqlite":
        return
    sql, params = ln.Artifact.filter(key__startswith="iris/study0").query.sql_with_params()
    with connection.cursor() as cursor:
        plan = " ".join(str(row) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params))
    assert "USING INDEX lineagedb_artifact_key" in plan, plan
