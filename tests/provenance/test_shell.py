"""A CLI that fits the shell, and messages that say what happened (issue 20, items 7-11)."""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest
from click.testing import CliRunner

from lineagedb.cli import main


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str, env: dict[str, str] | None = None) -> str:
    code, out, err = run(*args, env=env)
    assert code == 0, err
    return out


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_ls_fits_the_terminal_with_a_footer(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    for i in range(5):
        ln.Artifact(write(tmp_path / f"f{i}.csv", f"{i}\n"), description="d" * 200).save()
    out = ok("ls", "--limit", "3", env={"COLUMNS": "80"})
    lines = out.splitlines()
    assert lines[0].split() == [
        "uid",
        "key",
        "description",
        "suffix",
        "size",
        "version",
        "created_at",
    ]
    assert len(lines) == 4 and all(len(line) <= 80 for line in lines)
    assert "…" in lines[1]  # the long description is cut, not wrapped
    code, out, err = run("ls", "--limit", "3", "--columns", "uid")
    first_page = out.split()[1:]
    assert "showing 3; next page: --before " in err
    before = err.split("--before ")[1].split()[0]
    code, out, err = run("ls", "--limit", "3", "--columns", "uid", "--before", before)
    second_page = out.split()[1:]
    assert len(second_page) == 2 and "next page" not in err  # the last page says no more
    newest_first = list(ln.Artifact.filter().order_by("-id").values_list("uid", flat=True))
    assert first_page + second_page == newest_first
    assert "showing" not in run("ls", "--limit", "3", "-q")[2]  # -q after the subcommand
    out = ok("ls", "--columns", "uid,size", "--limit", "1", env={"COLUMNS": "120"})
    assert out.splitlines()[0].split() == ["uid", "size"]
    code, _, err = run("ls", "--columns", "uid,sise")
    assert code == 2 and "its fields: id, uid" in err


def test_json_and_tables_keep_integers(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    ln.Artifact(write(tmp_path / "b.csv", "b\n"), description="b").save()  # no run
    transform = ln.Transform(name="pipeline").save()
    ln.track(transform, params={"normalisation": "log"})
    ln.Artifact(write(tmp_path / "a.csv", "a\n"), description="a").save()
    ln.finish()
    rows = [json.loads(line) for line in ok("ls", "--json").splitlines()]
    assert [row["transform_id"] for row in rows] == [transform.id, None]
    assert all(isinstance(row["size"], int) for row in rows)
    frame = ln.Artifact.df()
    assert str(frame["transform_id"].dtype) == "Int64"
    assert frame["transform_id"].iloc[0] == transform.id and frame["transform_id"].isna().iloc[1]
    runs = ok("ls", "run")
    assert runs.splitlines()[0].split() == [
        "uid",
        "transform__key",
        "status",
        "started_at",
        "finished_at",
    ]
    assert "normalisation" not in runs  # JSON fields stay out of table cells
    assert "completed" in runs


def test_global_options_after_the_subcommand_and_the_current_instance(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    name = ln.setup.settings.instance.name
    code, _, err = run("ls", "nope-registry", "--debug")
    assert code == 2
    code, out, err = run("connect", name, "-q")
    assert code == 0 and err.strip() == f"current instance: {name} (later commands use it)"
    out = ok("info")
    assert out.splitlines()[0].startswith(f"instance  {name}  (current: later commands use it")
    # --debug after the subcommand shows the traceback instead of one line.
    with pytest.raises(ln.errors.NotFound):
        CliRunner().invoke(main, ["get", "missing.csv", "--debug"], catch_exceptions=False)


def test_describe_lineage_restore_for_every_registry(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    transform = ln.Transform(name="pipeline", key="pipeline.py").save()
    run_ = ln.track(transform)
    a = ln.Artifact(write(tmp_path / "a.csv", "a\n"), key="a.csv").save()
    b = ln.Artifact(write(tmp_path / "b.csv", "b\n"), key="b.csv").save()
    collection = ln.Collection([a, b], name="pair").save()
    ln.finish()

    out = ok("describe", collection.uid)
    assert "Artifacts (2):" in out and "key='a.csv'" in out and "key='b.csv'" in out
    assert "Artifacts (2):" in ok("describe", "pair")  # by name
    out = ok("describe", run_.uid)
    assert "Outputs (3):" in out and "⬆ Collection(" in out and "status='completed'" in out
    assert "Transform(" in ok("describe", "pipeline.py")
    assert "digraph" in ok("lineage", run_.uid)
    assert "digraph" in ok("lineage", transform.uid)
    assert "digraph" in ok("lineage", collection.uid)

    a.delete()
    assert ln.Artifact.filter(key="a.csv").count() == 0
    code, _, err = run("restore", "a.csv")
    assert code == 0 and f"restored artifact {a.uid}" in err
    assert ln.Artifact.get(key="a.csv").visibility == 1
    code, _, err = run("restore", "a.csv")
    assert code == 1 and "is not in the trash" in err
    code, _, err = run("describe", "nothing-like-it")
    assert code == 1 and "No artifact, collection, run, transform has" in err


def test_get_to_keeps_the_original_file_name(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    artifact = ln.Artifact(write(tmp_path / "counts.csv", "c\n"), description="counts").save()
    assert artifact.key is None and artifact._original_name == "counts.csv"
    out = ok("get", artifact.uid, "--to", str(tmp_path / "out"))
    assert out.strip() == str(tmp_path / "out" / "counts.csv")
    assert (tmp_path / "out" / "counts.csv").read_text() == "c\n"


def test_search_without_text_fields_says_which_fields(instance: ModuleType) -> None:
    ln = instance
    with pytest.raises(ln.errors.InvalidArgument, match=r"Run has no default fields to search"):
        ln.Run.search("x")


def test_collection_load_warns_on_different_columns(
    instance: ModuleType, caplog: pytest.LogCaptureFixture
) -> None:
    ln = instance
    a = ln.Artifact.from_df(pd.DataFrame({"x": [1]}), key="a.parquet").save()
    b = ln.Artifact.from_df(pd.DataFrame({"x": [2], "y": [3]}), key="b.parquet").save()
    collection = ln.Collection([a, b], name="tables").save()
    frame = collection.load()
    assert "differ in columns ['y']" in caplog.text and len(frame) == 2
    caplog.clear()
    assert list(collection.load(join="inner").columns) == ["x", "artifact_uid"]
    assert "differ in columns" not in caplog.text


def test_global_options_on_either_side_as_subprocesses(
    instance: ModuleType, tmp_path: Path
) -> None:
    import subprocess
    import sys

    ln = instance
    ln.Artifact(write(tmp_path / "a.csv", "a\n"), description="a").save()
    command = [sys.executable, "-m", "lineagedb"]
    for args in (
        ["--json", "ls"],
        ["ls", "--json"],
        ["-q", "ls", "--json"],
        ["ls", "--json", "-q"],
    ):
        result = subprocess.run([*command, *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, (args, result.stderr)
        assert json.loads(result.stdout.splitlines()[0])["description"] == "a"
    failed = subprocess.run(
        [*command, "get", "nope.csv", "--debug"], capture_output=True, text=True
    )
    assert failed.returncode == 1 and "Traceback" in failed.stderr
    failed = subprocess.run([*command, "get", "nope.csv"], capture_output=True, text=True)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
