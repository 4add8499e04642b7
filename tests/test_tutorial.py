"""The tutorial's local steps, end to end, on generated iris-like studies."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest


def test_tutorial_local_steps(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    ln.settings.verbosity = "hint"
    studies = ln.datasets.iris_studies(tmp_path / "data" / "iris_studies")

    artifact = ln.Artifact(studies / "study0_raw_images" / "meta.csv")
    assert artifact.key == "iris_studies/study0_raw_images/meta.csv"
    assert artifact.key_is_virtual is False
    assert artifact.suffix == ".csv"
    assert len(artifact.hash) == 22 and artifact.hash_type == "md5"
    artifact.save()

    frame = ln.Artifact.df()
    assert list(frame.index) == [artifact.id]
    assert list(frame.columns) == [
        "uid", "storage_id", "key", "suffix", "accessor", "description", "version", "size",
        "hash", "hash_type", "n_objects", "n_observations", "transform_id", "run_id",
        "visibility", "key_is_virtual", "is_latest", "created_at", "updated_at", "created_by_id",
    ]  # fmt: skip

    assert artifact.path.exists()
    assert artifact.cache() == artifact.path
    meta = artifact.load(index_col=0)
    assert isinstance(meta, pd.DataFrame) and len(meta) == 50
    assert meta.iloc[0, 0] in ("setosa", "versicolor", "virginica")

    artifact.description = "My new description"
    artifact.save()
    assert ln.Artifact.get(artifact.uid).description == "My new description"

    study0 = ln.Artifact(studies / "study0_raw_images").save()
    assert (study0.key, study0.hash_type, study0.n_objects) == (
        "iris_studies/study0_raw_images",
        "md5-d",
        51,
    )
    assert study0.size == sum(p.stat().st_size for p in (studies / "study0_raw_images").iterdir())
    assert list(ln.Artifact.df().index) == [study0.id, artifact.id]

    users = ln.User.lookup()
    assert users.anonymous.uid == "00000000"
    in_folder = ln.Artifact.filter(key__startswith="iris_studies/study0_raw_images/")
    assert [a.uid for a in in_folder] == [artifact.uid]
    found = ln.Artifact.filter(created_by=users.anonymous, suffix=".csv").one()
    assert found == artifact
    assert ln.Artifact.filter(suffix=".jpg").df().empty

    artifacts = [study0]
    for folder_name in ["study1_raw_images", "study2_raw_images"]:
        artifacts.append(ln.Artifact(studies / folder_name).save())
    assert [a.n_objects for a in artifacts] == [51, 49, 51]
    assert len({a.hash for a in artifacts}) == 3
    assert ln.Artifact.filter().count() == 4

    artifact.delete()
    assert ln.Artifact.filter().count() == 3
    artifact.delete()
    assert ln.Artifact.filter(visibility=None).count() == 3
    assert (studies / "study0_raw_images" / "meta.csv").exists()  # registered in place: kept


def test_describe_prints_provenance(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ln = instance
    path = ln.datasets.file_mini_csv(tmp_path / "data")
    artifact = ln.Artifact(path).save()
    artifact.describe()
    out = capsys.readouterr().out
    assert out.startswith(f"Artifact(uid='{artifact.uid}', key='mini.csv', suffix='.csv'")
    assert "updated_at=" in out.splitlines()[0]
    assert "Provenance:" in out
    assert f"📎 storage: Storage(uid='{artifact.storage.uid}', root='{tmp_path / 'data'}'" in out
    assert "📎 created_by: User(uid='00000000', handle='anonymous')" in out


def test_view_prints_latest_records(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ln = instance
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "data")).save()
    ln.view()
    out = capsys.readouterr().out
    for registry in ("Artifact", "Storage", "User"):
        assert f"{registry}\n" in out
    assert artifact.uid in out
    assert "Collection\n" not in out  # empty registries are not shown


@pytest.mark.slow
def test_the_example_scripts_run_as_make_demo_runs_them(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    examples = Path(__file__).resolve().parent.parent / "examples"
    env = {**os.environ, "LINEAGEDB_HOME": str(tmp_path / "home")}
    outputs = {}
    env["LINEAGEDB_CACHE_DIR"] = str(tmp_path / "cache")
    for script in ("tutorial.py", "tutorial2.py", "arrays.py", "bionty.py"):
        done = subprocess.run(
            [sys.executable, str(examples / script)],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        outputs[script] = done.stdout
    second = outputs["tutorial2.py"]
    assert "🔗 study_name (1, core.ULabel): 'study0'" in second
    assert "🔗 iris_organism_name (3, core.ULabel): 'setosa', 'versicolor', 'virginica'" in second
    assert "Labels:\n  📎 ulabels (4, core.ULabel)" in second
    assert "AnnDataAccessor object with n_obs × n_vars = 2000 × 500" in outputs["arrays.py"]
    curated = outputs["bionty.py"]
    assert "🔗 cell_type (3, bionty.CellType): 'B cell', 'T cell', 'natural killer cell'" in curated
    assert "var: FeatureSet" in curated and "CD4" in curated
