"""describe(), view() and view_lineage() output, with uids and times masked."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

import pytest

UID = re.compile(r"(uid=)'[0-9A-Za-z]+'")
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?(\+00:00| UTC)?")


def mask(text: str) -> str:
    return TIME.sub("<time>", UID.sub(r"\1'<uid>'", text))


@pytest.fixture
def tracked(instance: ModuleType, tmp_path: Path):  # type: ignore[no-untyped-def]
    ln = instance
    upstream = ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "in"), key="raw/mini.csv").save()
    ln.track(ln.Transform(name="Normalize", version="1", key="normalize.py"))
    upstream.load()
    out = tmp_path / "normalized.csv"
    out.write_text("num\n0.5\n")
    return ln.Artifact(out, key="normalized.csv", description="normalized counts").save()


def test_describe_snapshot(
    tracked,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    tracked.describe()
    expected = f"""\
Artifact(uid='<uid>', key='normalized.csv', suffix='.csv', description='normalized counts', \
size=8, hash='{tracked.hash}', hash_type='md5', visibility=1, key_is_virtual=True, \
updated_at=<time>)

Provenance:
  📎 storage: Storage(uid='<uid>', root='{tmp_path / "data"}', type='local')
  📎 transform: Transform(uid='<uid>', name='Normalize', key='normalize.py', version='1', \
type='pipeline')
  📎 run: Run(uid='<uid>', started_at=<time>, is_consecutive=True, status='started')
  📎 created_by: User(uid='<uid>', handle='anonymous')

Inputs of the run:
  ⬇ Artifact(uid='<uid>', key='raw/mini.csv', suffix='.csv', size=23, \
hash='{tracked.run.input_artifacts.get().hash}', hash_type='md5', visibility=1, \
key_is_virtual=True)
"""
    assert mask(capsys.readouterr().out) == expected


def test_describe_unsaved_record(
    instance: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    artifact = instance.Artifact(
        instance.datasets.file_mini_csv(tmp_path / "x"), description="test"
    )
    assert artifact.describe() is None  # it prints, as LaminDB's does
    out = capsys.readouterr().out
    assert out.startswith("Artifact(uid=") and "📎 storage:" in out and "📎 run:" not in out


def test_view_snapshot(tracked, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    import lineagedb as ln

    ln.view(limit=1, registries=["Transform", "User"])
    out = mask(capsys.readouterr().out)
    lines = [line.split() for line in out.splitlines() if line.strip()]
    assert lines[0] == ["Transform"]
    assert lines[1][:4] == ["uid", "name", "key", "version"]
    assert lines[3][:5] == ["1", tracked.transform.uid, "Normalize", "normalize.py", "1"]
    assert ["User"] in lines
    assert "Artifact" not in out
    with pytest.raises(ln.errors.InvalidArgument, match=r"Unknown registry 'Artefact'"):
        ln.view(registries=["Artefact"])


def test_view_lineage_draws_ancestry(tracked) -> None:  # type: ignore[no-untyped-def]
    import lineagedb as ln

    graph = tracked.view_lineage()
    source = graph.source
    assert "normalized.csv" in source and "raw/mini.csv" in source and "Normalize" in source
    assert source.count("->") == 2
    assert "fillcolor" in source  # the asked record is highlighted
    run_graph = tracked.run.view_lineage()
    assert "raw/mini.csv" in run_graph.source
    collection = ln.Collection([tracked], name="results").save()
    assert "results" in collection.view_lineage().source
    with pytest.raises(ln.errors.InvalidArgument, match=r"User records have no lineage"):
        ln.User.filter().first().view_lineage()


def test_lineage_ignores_sibling_outputs(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    ln.track(ln.Transform(name="Many outputs"))
    folder = tmp_path / "many"
    folder.mkdir()
    paths = []
    for index in range(300):
        paths.append(folder / f"{index}.txt")
        paths[-1].write_text(str(index))
    artifacts = ln.save([ln.Artifact(path) for path in paths])
    source = artifacts[0].view_lineage().source
    assert source.count("->") == 1  # the run and this output only
