"""`lineagedb run` (#33, "anything else"): a command as a tracked run, in a real shell."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType


def lineagedb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lineagedb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=dict(os.environ),
        timeout=120,
    )


def test_a_command_is_a_run_with_inputs_outputs_log_and_status(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    (tmp_path / "reads.txt").write_text("a\nb\nc\n")
    script = (
        "n = len(open('reads.txt').read().split()); open('count.txt', 'w').write(str(n)); "
        "print('counted', n)"
    )
    result = lineagedb(
        "run", "--transform", "Count reads", "--input", "reads.txt", "--output", "count.txt",
        "--", sys.executable, "-c", script,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "counted 3" in result.stdout  # passed through
    run = ln.Run.get(transform__name="Count reads")
    assert run.status == "completed" and run.params["argv"][-2:] == ["-c", script]
    assert list(run.input_artifacts.values_list("key", flat=True)) == ["reads.txt"]
    output = ln.Artifact.get(key="count.txt")
    assert output.run == run and output.load() == "3"
    assert "counted 3" in run.report.path.read_text()  # the log

    failing = (
        "import sys; open('half.txt', 'w').write('x'); print('boom', file=sys.stderr); sys.exit(3)"
    )
    result = lineagedb(
        "run", "--transform", "Count reads", "--output", "half.txt", "--",
        sys.executable, "-c", failing,
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 3 and "boom" in result.stderr
    failed = ln.Run.filter(transform__name="Count reads").order_by("-id").first()
    assert failed.status == "errored" and "boom" in failed.report.path.read_text()
    assert ln.Artifact.filter(key="half.txt").count() == 0  # half-written: not saved
    assert ln.Transform.filter(name="Count reads").count() == 1
    result = lineagedb("run", "--transform", "X", "--input", "nope.txt", "--", "true", cwd=tmp_path)
    assert result.returncode == 1 and "do not exist; nothing was run" in result.stderr
    assert ln.Transform.filter(name="X").count() == 0


def test_an_input_with_the_bytes_of_an_output_keeps_the_run_that_made_it(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    make = "open('made.txt', 'w').write('42')"
    first = lineagedb(
        "run", "--transform", "Make", "--output", "made.txt", "--", sys.executable, "-c", make,
        cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    made = ln.Artifact.get(key="made.txt")
    maker = made.run
    (tmp_path / "copy.txt").write_text("42")  # the same bytes, elsewhere
    second = lineagedb(
        "run", "--transform", "Use", "--input", "copy.txt", "--", "true", cwd=tmp_path
    )
    assert second.returncode == 0, second.stderr
    used = ln.Run.get(transform__name="Use")
    assert list(used.input_artifacts.all()) == [made]
    assert ln.Artifact.get(key="made.txt").run == maker  # not erased by being an input
