"""The command line on curated data (#29): module registries, validation with ontology
suggestions, search everywhere, and what pipes and folders get."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

import lineagedb as ln
from lineagedb.cli import main


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def bt(database: str | None, tmp_path: Path) -> Iterator[ModuleType]:
    """A fresh instance with the bionty module and the real ontologies."""
    from lineagedb import bionty

    ln.setup.init(storage=tmp_path / "data", db=database, schema="bionty")
    yield bionty
    from lineagedb.setup._django import disconnect

    disconnect()


def test_validate_ls_and_search_module_registries(bt: ModuleType, tmp_path: Path) -> None:
    ln.save(bt.CellType.from_values(["natural killer cell", "B cell"]))
    table = tmp_path / "pbmc.csv"
    table.write_text("cell_type\nCD4 T cells\nCD14+ Monocytes\nNK cells\nB cell\nB cell\n")
    code, out, _ = run(
        "validate", str(table), "--column", "cell_type", "--registry", "bionty.CellType"
    )
    assert code == 1
    assert out.splitlines()[0] == "1 of 4 distinct values validated (25.0%), 0 empty"
    assert "CD14+ Monocytes\t→ CD14-positive monocyte (CL:0001054)" in out
    assert "NK cells\t→ natural killer cell (CL:0000623)" in out
    assert "CD4 T cells\tclosest: CD4-positive, alpha-beta T cell (CL:0000624)" in out

    code, out, _ = run("ls", "bt.CellType", "--json", "--filter", "name=B cell")
    assert code == 0 and json.loads(out)["ontology_id"] == "CL:0000236"
    code, out, _ = run("search", "natural killer", "--json")  # every registry by default
    assert code == 0 and json.loads(out.splitlines()[0])["name"] == "natural killer cell"
    code, _, err = run("ls", "bionty.Nope")
    assert code == 1 and "bionty.CellType" in err  # names the registries there are
    code, _, err = run("ls", "nope")
    assert code == 2 and "module.Registry" in err


def test_genes_validate_with_an_organism(bt: ModuleType, tmp_path: Path) -> None:
    table = tmp_path / "var.csv"
    table.write_text("symbol\nCD3E\nFAM46C\n")
    code, out, _ = run(
        "validate", str(table), "--column", "symbol", "--registry", "bionty.Gene",
        "--field", "symbol", "--organism", "human",
    )  # fmt: skip
    assert code == 1
    assert "CD3E\tpublic term: add it with from_values()" in out
    assert "FAM46C\t→ TENT5C (ENSG00000183508)" in out


def test_ls_pipes_whole_uids_save_checks_suffix_get_makes_no_tree(
    instance: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)  # as in a pipe: nobody asked for a width
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    code, _, err = run("save", str(path), "--key", "tables/x.parquet")
    assert code == 1 and "does not end in '.csv'" in err and "'tables/x.csv'" in err
    assert ln.Artifact.filter(visibility=None).count() == 0  # nothing written
    key = "a/very/long/folder/name/that/a/terminal/would/cut/" + "k" * 80 + ".csv"
    code, _, _ = run("save", str(path), "--key", key)
    assert code == 0
    _, listing, _ = run("ls")  # CliRunner's stdout is no terminal: nothing is cut
    assert key in listing and "…" not in listing
    code, _, err = run("get", key, "--to", str(tmp_path / "no" / "such" / "tree"))
    assert code == 1 and "mkdir -p" in err
    assert not (tmp_path / "no").exists()
    code, _, _ = run("get", key, "--to", str(tmp_path / "new"))  # one new folder is fine
    assert code == 0 and (tmp_path / "new" / Path(key).name).exists()
