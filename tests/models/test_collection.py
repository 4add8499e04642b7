"""Collections: the tutorial's versioned Iris collection, members, hashes, load, delete."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

from lineagedb.errors import InvalidArgument, NoLoader


@pytest.fixture
def studies(instance: ModuleType, tmp_path: Path) -> list:
    ln = instance
    root = ln.datasets.iris_studies(
        tmp_path / "data" / "iris_studies", images_per_study=(3, 2, 3), image_size=300
    )
    return [ln.Artifact(root / f"study{i}_raw_images").save() for i in range(3)]


def test_tutorial_collection_loop(instance: ModuleType, studies: list) -> None:
    ln = instance
    study0_data = studies[0]
    collection = ln.Collection(
        study0_data,
        name="Iris collection",
        version="1",
        description="50 image files and metadata",
    )
    assert collection.artifact is None and collection.data_artifact is None
    collection.save()
    artifacts = [study0_data]
    for artifact in studies[1:]:
        artifacts.append(artifact)
        collection = ln.Collection(
            artifacts, is_new_version_of=collection, description="Another 50 images"
        )
        collection.description = "Another 50 images"
        collection.save()
    family = ln.Collection.filter(name="Iris collection").order_by("id")
    assert [c.version for c in family] == ["1", "2", "3"]
    assert len({c.uid[:16] for c in family}) == 1
    assert len({c.hash for c in family}) == 3
    latest = ln.Collection.filter(name="Iris collection").latest_version().one()
    assert latest == collection and latest.version == "3"
    assert list(latest.artifacts) == studies
    assert [c.is_latest for c in latest.versions] == [False, False, True]
    frame = ln.Collection.df()
    assert list(frame.columns[:10]) == [
        "uid", "name", "description", "version", "hash", "reference", "reference_type",
        "transform_id", "run_id", "artifact_id",
    ]  # fmt: skip
    assert list(frame["version"]) == ["3", "2", "1"]


def test_member_order_and_hash(instance: ModuleType, studies: list) -> None:
    ln = instance
    forward = ln.Collection(studies, name="forward").save()
    backward = ln.Collection(list(reversed(studies)), name="backward").save()
    assert forward.hash != backward.hash
    assert list(backward.artifacts) == list(reversed(studies))
    again = ln.Collection(studies, name="again")
    assert again.id == forward.id  # same members: the existing collection
    assert [Path(p.path) for p in forward.cache()] == [Path(a.path.path) for a in studies]


def test_unsaved_or_missing_members_are_refused(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = tmp_path / "x.csv"
    path.write_text("a\n1\n")
    with pytest.raises(InvalidArgument, match=r"1 artifact\(s\) of this collection are not saved"):
        ln.Collection([ln.Artifact(path, description="x")], name="x")
    with pytest.raises(InvalidArgument, match=r"needs one artifact or a list of artifacts"):
        ln.Collection([], name="x")
    saved = ln.Artifact(path, description="x").save()
    with pytest.raises(InvalidArgument, match=r"needs a name"):
        ln.Collection(saved)
    assert ln.Collection.filter(visibility=None).count() == 0


def test_load_concatenates_tables(instance: ModuleType, tmp_path: Path, studies: list) -> None:
    ln = instance
    tables = []
    for index in range(2):
        path = tmp_path / f"t{index}.csv"
        path.write_text(f"gene,count\nCD{index},{index}\n")
        tables.append(ln.Artifact(path, description="test").save())
    frame = ln.Collection(tables, name="tables").save().load()
    assert list(frame["gene"]) == ["CD0", "CD1"]
    assert list(frame["artifact_uid"]) == [t.uid for t in tables]
    assert isinstance(frame, pd.DataFrame)
    with pytest.raises(RuntimeError, match=r"mixes suffixes '', '\.csv'"):
        ln.Collection([tables[0], studies[0]], name="mixed").save().load()
    with pytest.raises(NoLoader, match=r"holds a folder \(artifact"):
        ln.Collection(studies[:2], name="folders").save().load()


def test_delete_trashes_collection_never_artifacts(instance: ModuleType, studies: list) -> None:
    ln = instance
    collection = ln.Collection(studies, name="c").save()
    collection.delete()
    assert ln.Collection.filter().count() == 0
    assert ln.Artifact.filter().count() == 3
    collection.delete()
    assert ln.Collection.filter(visibility=None).count() == 0
    assert ln.Artifact.filter().count() == 3
    studies[0].delete(permanent=True)
    assert ln.Artifact.filter().count() == 2


def test_deleting_members_keeps_the_collection(
    instance: ModuleType, studies: list, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    collection = ln.Collection(studies, name="c").save()
    studies[0].delete(permanent=True)
    assert f"removed from collection(s) {collection.uid}" in caplog.text
    assert list(collection.artifacts) == studies[1:]
    collection.artifacts.delete(permanent=True)
    assert ln.Artifact.filter(visibility=None).count() == 0
    assert ln.Collection.get(collection.uid).artifacts.count() == 0


CHILD = """
import pathlib, sys, time
import lineagedb as ln
original = ln.Artifact.get(sys.argv[1])
path = pathlib.Path(sys.argv[2])
start = pathlib.Path(sys.argv[3])
deadline = time.time() + 60
while not start.exists() and time.time() < deadline:
    time.sleep(0.005)
print(ln.Artifact(path, is_new_version_of=original).save().uid)
"""


@pytest.mark.slow
def test_concurrent_new_versions(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    original = tmp_path / "v0.txt"
    original.write_text("v0")
    first = ln.Artifact(original, description="v0").save()
    start = tmp_path / "start"
    children = []
    for index in range(4):
        path = tmp_path / f"v{index + 1}.txt"
        path.write_text(f"version {index + 1}")
        children.append(
            subprocess.Popen(
                [sys.executable, "-c", CHILD, first.uid, str(path), str(start)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env=dict(os.environ),
            )
        )
    time.sleep(1.5)  # let every child import and connect before they race
    start.touch()
    uids = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        uids.append(out.strip())
    assert len(set(uids)) == 4
    assert all(uid[:16] == first.stem_uid for uid in uids)
    family = list(first.versions)
    assert len(family) == 5
    assert [a.is_latest for a in family].count(True) == 1
    assert family[-1].is_latest and family[-1].uid[-4:] == "0004"
    assert sorted(a.version for a in family) == ["1", "2", "3", "4", "5"]
    for artifact in family[1:]:
        assert artifact.load().startswith("version ")


def test_artifacts_in_several_collections_keep_each_collections_order(
    instance: ModuleType, studies: list
) -> None:
    ln = instance
    forward = ln.Collection(studies, name="forward").save()
    backward = ln.Collection(studies[::-1], name="backward").save()
    assert list(forward.artifacts) == studies
    assert list(backward.artifacts) == studies[::-1]
    assert (
        ln.Artifact.filter(collection_links__collection__name__in=["forward", "backward"]).count()
        == 3
    )


def test_ln_save_of_collections_keeps_their_members(instance: ModuleType, studies: list) -> None:
    ln = instance
    first, second = ln.Collection(studies[:2], name="a"), ln.Collection(studies[2:], name="b")
    ln.save([first, second])
    assert list(ln.Collection.get(name="a").artifacts) == studies[:2]
    assert list(ln.Collection.get(name="b").artifacts) == studies[2:]
