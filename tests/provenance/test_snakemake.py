"""A real Snakemake 9 run with the logger plugin ``lineagedb``: the workflow and each job
become runs, the rules transforms, the files artifacts linked as inputs and outputs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import lineagedb as ln

pytest.importorskip("snakemake")
pytestmark = pytest.mark.slow

SNAKEFILE = """
rule all:
    input: "results/summary.txt"

rule count:
    input: "data/{sample}.txt"
    output: "counts/{sample}.count"
    params: mode="lines"
    shell: "wc -l < {input} > {output}"

rule summary:
    input: expand("counts/{sample}.count", sample=["a", "b"])
    output: "results/summary.txt"
    shell: "cat {input} > {output}"
"""


@pytest.fixture
def workflow(database: str | None, tmp_path: Path) -> Iterator[Path]:
    ln.setup.init(storage=tmp_path / "store", db=database)
    folder = tmp_path / "rnaseq"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "a.txt").write_text("1\n2\n")
    (folder / "data" / "b.txt").write_text("x\n")
    (folder / "Snakefile").write_text(SNAKEFILE)
    yield folder
    from lineagedb.setup._django import disconnect

    disconnect()


def snakemake(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Snakemake in its own process, on the instance this test connected to."""
    import lineagedb

    checkout = Path(lineagedb.__file__).parent.parent  # where the plugin package lies
    env = {**os.environ, "PYTHONPATH": str(checkout)}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "1", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_three_rule_workflow_is_recorded(workflow: Path) -> None:
    done = snakemake(workflow, "--logger", "lineagedb")
    assert done.returncode == 0, done.stderr[-3000:]
    flow = ln.Run.get(transform__name="rnaseq")
    assert flow.status == "completed" and flow.finished_at is not None
    steps = ln.Run.filter(initiated_by_run=flow)
    assert sorted(steps.values_list("transform__name", flat=True)) == [
        "all",
        "count",
        "count",
        "summary",
    ]
    assert set(steps.values_list("status", flat=True)) == {"completed"}
    counts = {
        run.params["wildcards"]["sample"]: run for run in steps.filter(transform__name="count")
    }
    a_input = counts["a"].input_artifacts.get()
    assert a_input.path.read_text() == "1\n2\n"
    a_count = ln.Artifact.get(run=counts["a"])
    assert a_count.key == "a.count"
    assert a_count.path.read_text().strip() == "2"
    summary = steps.get(transform__name="summary")
    assert sorted(a.uid for a in summary.input_artifacts.all()) == sorted(
        ln.Artifact.filter(run__in=list(counts.values())).values_list("uid", flat=True)
    )
    assert ln.Artifact.get(run=summary).path.read_text().split() == ["2", "1"]
    assert "wc -l" in counts["a"].params["shellcmd"]
    assert counts["a"].params["params"] == {"mode": "lines"}
    assert counts["a"].transform.reference == str(workflow / "Snakefile")


def test_a_failed_job_is_errored_and_so_is_the_workflow(workflow: Path) -> None:
    (workflow / "Snakefile").write_text(SNAKEFILE.replace("wc -l < {input}", "exit 3; true"))
    done = snakemake(workflow, "--logger", "lineagedb")
    assert done.returncode != 0
    flow = ln.Run.get(transform__name="rnaseq")
    assert flow.status == "errored"
    failed = ln.Run.filter(initiated_by_run=flow, status="errored")
    assert failed.count() >= 1
    assert set(failed.values_list("transform__name", flat=True)) == {"count"}
    assert not ln.Artifact.filter(run__in=list(failed)).exists()  # no half-written outputs
