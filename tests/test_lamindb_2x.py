"""LaminDB 2.x names (#32): what a LaminDB 2 user reaches for, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from servers import S3

from lineagedb.errors import InUse, InvalidArgument, NotFound, WrongType


def test_get_by_path_finds_managed_and_in_place_artifacts(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ln = instance
    managed = ln.Artifact.from_df(pd.DataFrame({"a": [1]}), key="t.parquet").save()
    assert ln.Artifact.get(path=managed.path) == managed  # <root>/.lineagedb/<uid>.parquet
    assert ln.Artifact.get(path=str(managed.path)) == managed
    folder = tmp_path / "data" / "raw"
    folder.mkdir()
    (folder / "x.csv").write_text("x\n1\n")
    in_place = ln.Artifact(folder / "x.csv").save()
    assert ln.Artifact.get(path=folder / "x.csv") == in_place
    monkeypatch.chdir(folder)
    assert ln.Artifact.get(path="x.csv") == in_place  # relative to the working folder
    assert ln.Artifact.get(path=f"file://{folder / 'x.csv'}") == in_place
    with pytest.raises(NotFound, match=r"No storage of this instance holds '/nowhere/x\.csv'"):
        ln.Artifact.get(path="/nowhere/x.csv")
    with pytest.raises(NotFound, match=r"key='raw/y\.csv'"):
        ln.Artifact.get(path=folder / "y.csv")


def test_get_by_path_in_a_bucket(instance: ModuleType, s3: S3, tmp_path: Path) -> None:
    ln = instance
    bucket = s3.bucket()
    (tmp_path / "a.csv").write_text("a\n1\n")
    s3.upload_folder(tmp_path, f"{bucket}/study")
    artifact = ln.Artifact(f"{bucket}/study/a.csv").save()
    assert ln.Artifact.get(path=f"{bucket}/study/a.csv") == artifact
    with pytest.raises(NotFound):
        ln.Artifact.get(path=f"{bucket}/study/b.csv")


def test_projects_and_references_link_records_and_track_links_what_a_run_saves(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    atlas = ln.Project(name="Atlas", abbr="ATL", description="a cell atlas").save()
    liver = ln.Project(name="Atlas liver").save()
    liver.parents.add(atlas)
    assert list(atlas.children.all()) == [liver]
    with pytest.raises(NotFound, match=r"No project is named 'Atlsa'.*ln\.Project"):
        ln.track(transform=ln.Transform(name="Never", type="pipeline"), project="Atlsa")
    assert ln.Transform.filter(name="Never").count() == 0  # nothing written
    run = ln.track(transform=ln.Transform(name="Cluster", type="pipeline").save(), project="Atlas")
    (tmp_path / "one.csv").write_text("a\n1\n")
    one = ln.Artifact(tmp_path / "one.csv", key="one.csv").save()  # one by one
    for i in range(3):
        (tmp_path / f"part{i}.csv").write_text(f"a\n{i + 2}\n")
    parts = ln.save([ln.Artifact(tmp_path / f"part{i}.csv", key=f"p/{i}.csv") for i in range(3)])
    bundle = ln.Collection(parts, name="parts").save()
    ln.finish()
    assert list(ln.Run.filter(projects=atlas)) == [run]
    assert list(ln.Transform.filter(projects__name="Atlas")) == [run.transform]
    assert set(ln.Artifact.filter(projects=atlas)) == {one, *parts}
    assert list(ln.Collection.filter(projects=atlas)) == [bundle]
    assert run.environment.projects.count() == 0  # hidden bookkeeping is not the project's
    link = one.project_links.get()
    assert link.created_by == ln.User.get(handle="anonymous") and link.created_at is not None
    label = ln.ULabel(name="hepatocyte").save()
    label.projects.add(liver)
    feature = ln.Feature(name="donor", dtype="cat[ULabel]").save()
    feature.projects.add(liver)
    assert list(liver.ulabels.all()) == [label] and list(liver.features.all()) == [feature]
    paper = ln.Reference(name="Tabula Sapiens", doi="10.1126/science.abl4896").save()
    one.references.add(paper)
    assert list(ln.Artifact.filter(references__doi="10.1126/science.abl4896")) == [one]
    with pytest.raises(InvalidArgument, match="is not a DOI"):
        ln.Reference(name="x", doi="https://doi.org/10.1/x")
    assert ln.Project.search("atlas livr", return_queryset=True).first() == liver
    assert ln.ULabel.search("hepatocyt", return_queryset=True).first() == label  # kept its index
    assert ln.Artifact.filter(key="one.csv").df(include="projects__name").iloc[0, 0] == ["Atlas"]


def test_label_types_group_labels(instance: ModuleType) -> None:
    ln = instance
    cell_type = ln.ULabel(name="CellType", is_type=True).save()
    t_cell = ln.ULabel(name="T cell", type=cell_type).save()
    ln.ULabel(name="study0").save()
    assert list(ln.ULabel.filter(type=cell_type)) == [t_cell]
    assert list(cell_type.ulabels.all()) == [t_cell]
    with pytest.raises(InvalidArgument, match="'study0' is not a type"):
        ln.ULabel(name="B cell", type=ln.ULabel.get(name="study0"))
    with pytest.raises(WrongType, match="is_type=True"):
        ln.ULabel(name="B cell", type="CellType")
    assert ln.ULabel.filter(name="B cell").count() == 0


def test_describe_and_the_cli_show_projects(instance: ModuleType, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from lineagedb.cli import main

    ln = instance
    atlas = ln.Project(name="Atlas").save()
    (tmp_path / "a.csv").write_text("a\n1\n")
    artifact = ln.Artifact(tmp_path / "a.csv", key="a.csv").save()
    artifact.projects.add(atlas)
    artifact.references.add(ln.Reference(name="Tabula Sapiens").save())
    from lineagedb.models.annotations.summary import describe_text

    text = describe_text(artifact)
    assert "  📎 projects: 'Atlas'" in text and "  📎 references: 'Tabula Sapiens'" in text
    result = CliRunner().invoke(main, ["ls", "project", "--json"])
    assert result.exit_code == 0, result.stderr
    assert '"name": "Atlas"' in result.stdout


def test_runs_have_feature_values_and_queries_follow(instance: ModuleType) -> None:
    ln = instance
    ln.Feature(name="learning_rate", dtype="num").save()
    ln.Feature(name="optimizer", dtype="str").save()
    ln.Feature(name="cell_type", dtype="cat[ULabel]").save()
    with pytest.raises(InvalidArgument, match="has type 'number'"):
        ln.track(
            transform=ln.Transform(name="Never", type="pipeline"),
            features={"learning_rate": "fast"},
        )
    assert ln.Run.filter().count() == 0 and ln.Transform.filter(name="Never").count() == 0
    transform = ln.Transform(name="Train", type="pipeline").save()
    fast = ln.track(transform=transform, features={"learning_rate": 0.1, "optimizer": "adam"})
    ln.finish()
    slow = ln.Run(transform).save()
    slow.features.add_values({"learning_rate": 0.001})
    assert fast.features.get_values() == {"learning_rate": 0.1, "optimizer": "adam"}
    assert list(ln.Run.filter(learning_rate__lt=0.01)) == [slow]
    assert list(ln.Run.filter(optimizer="adam")) == [fast]
    assert ln.Run.filter(learning_rate__gt=1).count() == 0
    with pytest.raises(InvalidArgument, match="runs hold values"):
        slow.features.add_values({"cell_type": "T cell"})
    with pytest.raises(InvalidArgument, match="Run records hold no labels"):
        ln.Run.filter(cell_type="T cell")
    frame = ln.Run.filter().df(include="features")
    assert frame.set_index("uid").loc[fast.uid, "optimizer"] == "adam"
    with pytest.raises(InUse, match=r"\(1 run values\).*run\.features\.remove_values"):
        ln.Feature.get(name="optimizer").delete()
    fast.features.remove_values("optimizer")
    assert fast.features.get_values() == {"learning_rate": 0.1}
    ln.Feature.get(name="optimizer").delete()  # used by nothing now


def test_feature_types_group_features(instance: ModuleType) -> None:
    ln = instance
    qc = ln.Feature(name="QC", is_type=True).save()
    n_genes = ln.Feature(name="n_genes", dtype="int", type=qc).save()
    ln.Feature(name="donor", dtype="str").save()
    assert n_genes.type == "number" and n_genes.feature_type == qc  # 0.70's type stays
    assert list(ln.Feature.filter(type=qc)) == [n_genes]  # LaminDB 2's filter
    assert list(qc.features.all()) == [n_genes]
    assert ln.Feature.filter(type="number").count() == 1  # 0.70's filter
    with pytest.raises(InvalidArgument, match="'donor' is not a type"):
        ln.Feature(name="pct_mito", dtype="num", type=ln.Feature.get(name="donor"))
    assert ln.Feature.search("n_gene", return_queryset=True).first() == n_genes  # index kept


def test_typed_records_in_views_and_the_cli(instance: ModuleType, capsys: object) -> None:
    from click.testing import CliRunner

    from lineagedb.cli import main

    ln = instance
    sample = ln.Record(name="Sample", is_type=True).save()
    ln.Record(name="S1", type=sample).save()
    result = CliRunner().invoke(main, ["ls", "record", "--json"])
    assert result.exit_code == 0, result.stderr
    assert (
        f'"name": "S1", "description": null, "is_type": false, "type_id": {sample.id}'
        in result.stdout
    )
    ln.view(registries=["Record"])
