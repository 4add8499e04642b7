"""A real ``cwltool --provenance`` run of a two-step workflow, imported into the registry."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import lineagedb as ln
from lineagedb.errors import InvalidArgument
from lineagedb.exchange.cwlprov import import_cwlprov

pytest.importorskip("cwltool")
pytestmark = pytest.mark.slow

TOOLS = {
    "count.cwl": """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [wc, -l]
inputs:
  infile: {type: File, inputBinding: {position: 1}}
stdout: count.txt
outputs:
  count: {type: stdout}
""",
    "shout.cwl": """cwlVersion: v1.2
class: CommandLineTool
baseCommand: [tr, a-z, A-Z]
stdin: $(inputs.infile.path)
inputs:
  infile: File
stdout: shout.txt
outputs:
  shout: {type: stdout}
""",
    "reads.cwl": """cwlVersion: v1.2
class: Workflow
inputs:
  reads: File
  sample: string
outputs:
  result: {type: File, outputSource: shout/shout}
steps:
  count:
    run: count.cwl
    in: {infile: reads}
    out: [count]
  shout:
    run: shout.cwl
    in: {infile: count/count}
    out: [shout]
""",
    "job.yml": "reads: {class: File, path: reads.txt}\nsample: donor-1\n",
}


@pytest.fixture(scope="module")
def research_object(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What ``cwltool --provenance`` writes for the two-step workflow (run once)."""
    folder = tmp_path_factory.mktemp("cwl")
    for name, text in TOOLS.items():
        (folder / name).write_text(text)
    (folder / "reads.txt").write_text("acgt\nttga\n")
    done = subprocess.run(
        [sys.executable, "-m", "cwltool", "--provenance", "ro", "--no-container",
         "reads.cwl", "job.yml"],
        cwd=folder, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return folder / "ro"


@pytest.fixture
def instance(database: str | None, tmp_path: Path) -> Iterator[Path]:
    ln.setup.init(storage=tmp_path / "data", db=database)
    yield tmp_path
    from lineagedb.setup._django import disconnect

    disconnect()


def test_a_two_step_workflow_becomes_runs_and_artifacts(
    instance: Path, research_object: Path
) -> None:
    from lineagedb.cli import main

    result = CliRunner().invoke(main, ["import", "cwlprov", str(research_object)])
    assert result.exit_code == 0, result.output
    uid, name, status = result.output.strip().splitlines()[-1].split("\t")
    flow = ln.Run.get(uid=uid)
    assert (name, status, flow.status) == ("reads", "completed", "completed")
    assert flow.params == {"sample": "donor-1"}
    assert flow.started_at <= flow.finished_at
    count, shout = flow.initiated_runs.order_by("started_at")
    assert (count.transform.name, shout.transform.name) == ("count", "shout")
    reads = count.input_artifacts.get()
    assert reads.key == "reads.txt" and reads.suffix == ".txt"
    assert reads.load() == "acgt\nttga\n"
    assert list(flow.input_artifacts.all()) == [reads]  # one artifact for the same bytes
    counted = ln.Artifact.get(run=count)
    assert counted.key == "count.txt" and counted.load().split()[0] == "2"
    assert list(shout.input_artifacts.all()) == [counted]
    assert ln.Artifact.get(run=shout).load().startswith("2 ")  # wc's output, upper-cased
    assert count.finished_at <= shout.started_at
    with pytest.raises(InvalidArgument, match="imported already"):
        import_cwlprov(research_object)


def test_a_changed_research_object_writes_nothing(instance: Path, research_object: Path) -> None:
    copy = instance / "ro"
    shutil.copytree(research_object, copy)
    sha1 = hashlib.sha1(b"acgt\nttga\n").hexdigest()  # the workflow's input file
    (copy / "data" / sha1[:2] / sha1).write_bytes(b"tampered")
    with pytest.raises(InvalidArgument, match="does not match its SHA-1"):
        import_cwlprov(copy)
    assert ln.Run.filter().count() == 0 and ln.Artifact.filter().count() == 0
    with pytest.raises(InvalidArgument, match="is not a research object"):
        import_cwlprov(instance)
