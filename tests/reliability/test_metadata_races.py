"""Eight processes annotate at once (issue 27): no duplicates, one set per slot, every link.

Each round starts eight writers that wait for one start signal, then do the
same kind of metadata write: create the same labels and features (one by one
and with ln.save), label one artifact under eight features, add values to it,
save one schema, save ontology terms with their parents. Afterwards the
instance is checked as a whole (``inconsistencies``): must be empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from lineagedb.models.annotations.feature_set import members_hash

pytestmark = pytest.mark.slow  # multi-process runs: `make test-fast` skips them

WRITERS = 8

WRITER = """
import pathlib, sys, time
import lineagedb as ln

ln.settings.verbosity = "error"
start, operation, index = pathlib.Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
artifact = ln.Artifact.filter(description="target").one()  # connect before the race
deadline = time.time() + 60
while not start.exists() and time.time() < deadline:
    time.sleep(0.002)
if operation == "create":
    for n in range(10):
        ln.ULabel(name=f"label {n}").save()
        ln.Feature(name=f"feature_{n}", dtype="str").save()
    ln.save([ln.ULabel(name=f"bulk {n}") for n in range(10)])
elif operation == "labels":
    feature = ln.Feature(name=f"by_{index}", type="category").save()
    label = ln.ULabel(name=f"value {index}").save()
    artifact.labels.add(label, feature=feature)
elif operation == "values":
    ln.Feature(name=f"value_{index}", dtype="num").save()
    artifact.features.add_values({f"value_{index}": index})
elif operation == "columns":
    features = [ln.Feature(name=f"column_{n}", dtype="num").save() for n in range(4)]
    artifact.features.add(features[: 1 + index % 4], slot="columns")
elif operation == "schema":
    features = [ln.Feature(name=f"schema_{n}", dtype="num").save() for n in range(4)]
    print(ln.Schema(features).save().uid)
elif operation == "ontology":
    import lineagedb.bionty as bt
    ln.save(bt.CellType.from_values(["T cell", "B cell", "monocyte"]))
print("ok")
"""


def race(tmp_path: Path, operation: str) -> list[str]:
    start = tmp_path / f"start-{operation}"
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(start), operation, str(index)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        for index in range(WRITERS)
    ]
    time.sleep(2)
    start.touch()
    outputs = []
    for writer in writers:
        out, err = writer.communicate(timeout=300)
        assert writer.returncode == 0, err
        assert "Error" not in err, err
        outputs.append(out)
    return outputs


def inconsistencies(ln: ModuleType) -> list[str]:
    """What contradicts itself in the instance: duplicates, slots with several sets, sets
    whose hash or n does not match their members."""
    found = []
    for model in (ln.ULabel, ln.Feature):
        names = list(model.objects.values_list("name", flat=True))
        if len(names) != len(set(names)):
            found.append(f"duplicate {model.__name__} names")
    slots = list(ln.models.ArtifactFeatureSet.objects.values_list("artifact_id", "slot"))
    if len(slots) != len(set(slots)):
        found.append("a slot holds several sets")
    for feature_set in ln.FeatureSet.objects.all():
        members = list(feature_set.members)
        if feature_set.n != len(members):
            found.append(f"set {feature_set.uid}: n={feature_set.n}, {len(members)} members")
        if not feature_set.maximal_set and feature_set.hash != members_hash(members):
            found.append(f"set {feature_set.uid}: hash does not match its members")
    return found


def external_features(artifact: object) -> list[str]:
    sets = artifact.features.by_slot()  # type: ignore[attr-defined]
    return sorted(f.name for f in sets["external"].features.all()) if "external" in sets else []


def test_eight_writers_annotate_one_artifact(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    (tmp_path / "t.csv").write_text("a\n1\n")
    artifact = ln.Artifact(tmp_path / "t.csv", description="target").save()

    race(tmp_path, "create")
    assert ln.ULabel.filter(name__startswith="label ").count() == 10
    assert ln.ULabel.filter(name__startswith="bulk ").count() == 10
    assert ln.Feature.filter(name__startswith="feature_").count() == 10

    race(tmp_path, "labels")
    values = artifact.features.get_values()
    assert {f"by_{i}": f"value {i}" for i in range(WRITERS)}.items() <= values.items()
    assert external_features(artifact) == sorted(f"by_{i}" for i in range(WRITERS))

    race(tmp_path, "values")
    values = artifact.features.get_values()
    assert {f"value_{i}": i for i in range(WRITERS)}.items() <= values.items()
    expected = sorted([*(f"by_{i}" for i in range(WRITERS)), *(f"value_{i}" for i in range(8))])
    assert external_features(artifact) == expected
    assert ln.Artifact.filter(value_3=3).one() == artifact

    race(tmp_path, "columns")
    assert len(artifact.features.by_slot()) == 2  # external and one columns set

    uids = {out.split()[0] for out in race(tmp_path, "schema")}
    assert len(uids) == 1
    assert inconsistencies(ln) == []


@pytest.fixture
def bionty_instance(database: str | None, tmp_path: Path) -> object:
    import lineagedb as ln

    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    yield ln
    from lineagedb.setup._django import disconnect

    disconnect()


def test_eight_writers_save_ontology_terms(bionty_instance: ModuleType, tmp_path: Path) -> None:
    ln = bionty_instance
    import lineagedb.bionty as bt

    (tmp_path / "t.csv").write_text("a\n1\n")
    ln.Artifact(tmp_path / "t.csv", description="target").save()
    race(tmp_path, "ontology")
    table = bt.CellType.public().columns
    parents_of = dict(zip(table["ontology_id"], table["parents"], strict=True))
    for name in ("T cell", "B cell", "monocyte"):
        term = bt.CellType.get(name=name)
        parents = parents_of[term.ontology_id] or ""
        expected = {p for p in parents.split("|") if p in parents_of}
        assert set(term.parents.values_list("ontology_id", flat=True)) == expected
    ids = list(bt.CellType.objects.values_list("ontology_id", flat=True))
    assert len(ids) == len(set(ids))


# -- kill -9 during curator saves, ontology saves with parents, module add ----------------

KILLS = 12
ANNOTATOR = """
import sys
import pandas as pd
import lineagedb as ln

ln.settings.verbosity = "error"
trial = int(sys.argv[1])
schema = ln.Schema.get(name="kinds")  # connect before "ready"
print("ready", flush=True)
if sys.stdin.readline().strip() != "go":
    sys.exit(0)
if trial % 3 == 2:
    ln.setup.add_module("bionty")
    import lineagedb.bionty as bt
    names = ["T cell", "B cell", "monocyte", "neuron", "hepatocyte", "fibroblast"]
    for start in range(0, len(names), 2):
        ln.save(bt.CellType.from_values(names[start : start + 2]))
for n in range(40):
    df = pd.DataFrame({"kind": ["A", "B", "C"][: 1 + n % 3], "n": [trial, n, 0][: 1 + n % 3]})
    curator = ln.curators.DataFrameCurator(df, schema)
    curator.validate()
    curator.save_artifact(key=f"trial{trial}/{n}.parquet")
print("done", flush=True)
"""


def test_killed_annotations_leave_consistent_records(instance: ModuleType, tmp_path: Path) -> None:
    import random
    import signal

    ln = instance
    kind = ln.Feature(name="kind", type="category").save()
    ln.save([ln.ULabel(name=name) for name in "ABC"])
    ln.Schema([kind], name="kinds").save()
    generator = random.Random(27)
    completed = 0
    for trial in range(KILLS):
        process = subprocess.Popen(
            [sys.executable, "-c", ANNOTATOR, str(trial)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ),
        )
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().strip() == "ready", process.stderr
        process.stdin.write("go\n")
        process.stdin.flush()
        time.sleep(generator.uniform(0.05, 2.5))
        process.send_signal(signal.SIGKILL)
        out, _ = process.communicate(timeout=60)
        completed += "done" in out
    assert completed < KILLS  # most runs were killed mid-way
    ln.connect(ln.setup.settings.instance.name)  # anew: with the modules the runs added
    assert inconsistencies(ln) == []
    for artifact in ln.Artifact.filter(key__startswith="trial"):
        links = artifact.labels.get(kind, flat_names=True)
        assert sorted(links) == sorted(set(artifact.load()["kind"])), artifact.key
        assert [f.name for f in artifact.features["columns"]] == ["kind"]
    if "bionty" in ln.setup.settings.instance.modules:
        import lineagedb.bionty as bt

        table = bt.CellType.public().columns
        parents_of = dict(zip(table["ontology_id"], table["parents"], strict=True))
        for term in bt.CellType.objects.all():
            expected = {p for p in (parents_of[term.ontology_id] or "").split("|") if p}
            assert set(term.parents.values_list("ontology_id", flat=True)) == expected, term
    verified = subprocess.run(
        [sys.executable, "-m", "lineagedb", "verify", "--all"], capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr
    print(f"{KILLS} kills, {completed} runs completed, {ln.Artifact.filter().count()} saved")
