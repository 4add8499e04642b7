"""The `lineagedb` command: each command in process, the main flow as real subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from lineagedb.cli import main

README = Path(__file__).parents[2] / "README.md"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def ok(*args: str) -> str:
    """Run a command that must succeed; return its standard output."""
    code, out, err = run(*args)
    assert code == 0, err
    return out


def test_every_command_has_help_with_example_and_is_in_readme() -> None:
    readme = README.read_text()
    section = readme[readme.index("## Command line") :]
    for name, command in main.commands.items():
        assert command.help and "Example:" in command.help, name
        assert f"lineagedb {name}" in section, f"README's CLI section lacks `lineagedb {name}`"
        assert "Example:" in ok(name, "--help")


def test_save_ls_search_get_describe_rm(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = ln.datasets.file_mini_csv(tmp_path / "in")
    out = ok("save", str(path), "--description", "mini table", "--key", "t/mini.csv")
    uid, key, content_hash = out.strip().split("\t")
    assert ln.Artifact.get(uid).hash == content_hash and key == "t/mini.csv"

    out = ok("ls", "--json", "--filter", "suffix=.csv")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [row["uid"] for row in rows] == [uid]
    out = ok("ls", "user")
    assert "anonymous" in out
    out = ok("search", "mini", "--json")
    assert json.loads(out.splitlines()[0])["uid"] == uid

    out = ok("get", "t/mini.csv")
    assert out.strip() == str(ln.Artifact.get(uid).path)
    out = ok("get", uid[:8], "--to", str(tmp_path / "copy"))
    assert (tmp_path / "copy" / "mini.csv").read_text() == path.read_text()
    out = ok("describe", uid)
    assert out.startswith(f"Artifact(uid='{uid}'") and "Provenance:" in out
    out = ok("lineage", uid)
    assert out.startswith("digraph")

    assert run("rm", uid)[0] == 0
    assert ln.Artifact.filter().count() == 0 and ln.Artifact.filter(visibility=None).count() == 1
    assert run("rm", uid, "--permanent")[0] == 0
    assert ln.Artifact.filter(visibility=None).count() == 0


def test_info_instances_view(instance: ModuleType) -> None:
    out = ok("info", "--json")
    details = json.loads(out)
    assert details["user"] == "anonymous" and details["counts"]["storage"] == 1
    out = ok("instances")
    assert out.startswith("* data ")
    out = ok("view")
    assert "Storage" in out and "User" in out


def test_login_logout(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    assert run("login", "jdoe", "--name", "Jane Doe")[0] == 0
    artifact = ln.Artifact(ln.datasets.file_mini_csv(tmp_path), description="test").save()
    assert (artifact.created_by.handle, artifact.created_by.name) == ("jdoe", "Jane Doe")
    assert len(artifact.created_by.uid) == 8
    assert run("logout")[0] == 0
    other = tmp_path / "other.txt"
    other.write_text("x")
    assert ln.Artifact(other, description="test").save().created_by.handle == "anonymous"
    code, _, err = run("login", "bad handle!")
    assert code == 1 and "Handle 'bad handle!' is not valid" in err


def test_errors_are_one_line_and_exit_codes(instance: ModuleType) -> None:
    code, _, err = run("get", "no-such-thing")
    assert code == 1 and err.strip().startswith("error: No artifact has uid or key")
    assert "Traceback" not in err
    assert run("ls", "nosuchregistry")[0] == 2
    assert run("frobnicate")[0] == 2
    result = CliRunner().invoke(main, ["--debug", "get", "no-such-thing"])
    assert result.exception is not None  # --debug lets the error through


def test_main_flow_as_subprocesses(tmp_path: Path) -> None:
    env = {**os.environ, "LINEAGEDB_HOME": str(tmp_path / "home")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "lineagedb", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
        )

    data = tmp_path / "results.csv"
    data.write_text("gene,count\nCD8A,3\n")
    assert cli("init", "--storage", str(tmp_path / "store")).returncode == 0
    assert cli("login", "jdoe").returncode == 0
    saved = cli("save", str(data), "--description", "counts")
    assert saved.returncode == 0, saved.stderr
    assert "connected lineagedb" not in saved.stderr  # said by init and connect only
    uid = saved.stdout.split("\t")[0]
    copy = tmp_path / "copy.csv"
    copy.write_text(data.read_text())
    again = cli("save", str(copy), "--description", "counts, run 2")
    assert again.stdout.split("\t")[0] == uid
    assert "not applied to artifact" in again.stderr and "--update" in again.stderr
    updated = cli("save", str(copy), "--description", "counts, run 2", "--update")
    assert "updated description" in updated.stderr
    assert "counts, run 2" in cli("describe", uid).stdout
    listed = cli("ls", "--json")
    assert json.loads(listed.stdout)["created_by_id"] == 2  # jdoe, after anonymous
    assert uid in cli("search", "counts").stdout
    got = cli("get", uid, "--cache")
    assert Path(got.stdout.strip()).read_text() == data.read_text()
    assert re.search(r"description='counts, run 2'", cli("describe", uid).stdout)
    assert cli("rm", uid, "--permanent").returncode == 0
    failed = cli("get", uid)
    assert failed.returncode == 1 and failed.stderr.strip().splitlines()[-1].startswith("error:")
    refused = cli("delete", "store")  # asks for confirmation; no answer on stdin: aborted
    assert refused.returncode == 1 and "store" in cli("instances").stdout
    assert cli("delete", "store", "--force").returncode == 0
    assert cli("instances").stdout == ""


@pytest.mark.parametrize("args", [["save"], ["ls", "--limit", "x"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert run(*args)[0] == 2


def test_bad_input_is_one_line_not_a_traceback(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = ln.datasets.file_mini_csv(tmp_path / "in")
    uid = ok("save", str(path), "--key", "t/mini.csv").split()[0]
    stored = Path(ln.Artifact.get(uid).path.path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [
        (("ls", "--filter", "size=abc"), 2, "size"),
        (("ls", "--limit", "-1"), 2, "-1"),
        (("search", "mini", "--limit", "0"), 2, "0"),
        (("cleanup", "--min-age", "-5"), 2, "-5"),
        (("get", uid, "--to", str(blocker / "sub")), 1, "is a file. Create the folder first"),
    ]
    for args, code, text in cases:
        result = CliRunner().invoke(main, list(args))
        assert result.exit_code == code, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), args
        assert text in result.stderr, (args, result.stderr)
    # A registered file fetched into the folder it already lives in: nothing to copy.
    in_place = ln.datasets.file_mini_csv(tmp_path / "data" / "inplace")
    key = ok("save", str(in_place)).split()[1]
    assert ok("get", key, "--to", str(in_place.parent)).strip() == str(in_place)
    assert in_place.read_bytes() == path.read_bytes() and stored.exists()


def test_validate_a_column_exits_1_when_values_are_not_validated(
    instance: ModuleType, tmp_path: Path
) -> None:
    ln = instance
    ln.save([ln.ULabel(name=name) for name in ("T cell", "B cell")])
    table = tmp_path / "samples.csv"
    table.write_text("sample,cell_type\ns1,T cell\ns2,t cell\ns3,NK cell\ns4,\n")
    code, out, _ = run("validate", str(table), "--column", "cell_type")
    assert code == 1
    assert out.splitlines()[0] == "1 of 3 distinct values validated (33.3%), 1 empty"
    assert "not validated\tt cell\t→ T cell" in out and "not validated\tNK cell" in out
    good = tmp_path / "good.csv"
    good.write_text("cell_type\nT cell\nB cell\n")
    assert run("validate", str(good), "--column", "cell_type")[0] == 0
    assert run("validate", str(good), "--column", "tissue")[0] == 1
