"""The queries of the common operations, counted: a change that adds one fails here.

Round 2 made saving three times slower and no test noticed; timings are
too noisy for tests, query counts are exact. Each figure says why each
query is needed. When a change needs another query on purpose, change the
figure and its comment together.

The counts are per database: PostgreSQL locks a host's row before it
rewrites its sets (``SELECT ... FOR UPDATE``), SQLite's IMMEDIATE
transactions need no lock query.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lineagedb.cli import main


class Statements(list[str]):
    """The statements an operation sent; compared with a count, a mismatch lists them."""

    def __eq__(self, expected: object) -> bool:
        return isinstance(expected, int) and len(self) == expected

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        listed = "\n".join(f"  {sql[:160]}" for sql in self)
        return f"{len(self)} statements:\n{listed}\n"


def queries(operation: Callable[[], Any]) -> tuple[Statements, Any]:
    """The statements ``operation`` sends to the database, and what it returned."""
    with CaptureQueriesContext(connection) as captured:
        result = operation()
    return Statements(query["sql"] for query in captured.captured_queries), result


@pytest.fixture
def compiled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ORM queries compiled meanwhile (their SQL): hot paths compile none, they run
    SQL written once per process (compiling cost ~0.2 ms a query: round 2's slowdown)."""
    from django.db.models.sql.compiler import SQLCompiler

    seen: list[str] = []
    compile_query = SQLCompiler.as_sql

    def counting(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
        sql, params = compile_query(self, *args, **kwargs)
        seen.append(sql)
        return sql, params

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    return seen


def on(sqlite: int, postgresql: int) -> int:
    """The figure for the connected database."""
    return sqlite if connection.vendor == "sqlite" else postgresql


def _files(folder: Path, n: int) -> list[Path]:
    folder.mkdir()
    for i in range(n):
        (folder / f"f{i:04d}.txt").write_text(f"file {i}\n")
    return sorted(folder.iterdir())


def test_construct_and_save_one_file(
    instance: ModuleType, tmp_path: Path, compiled: list[str]
) -> None:
    ln = instance
    path = _files(tmp_path / "one", 1)[0]
    # 1 the storage roots (is the path inside a registered one?), 2 an artifact with the
    # same content?, 3 the latest artifact under the key (its version family).
    count, artifact = queries(lambda: ln.Artifact(str(path), key="one/f.txt"))
    assert count == 3
    assert compiled == []
    # BEGIN, SAVEPOINT (a uid or content conflict is caught and retried), INSERT,
    # RELEASE, COMMIT (Django records PostgreSQL's BEGIN too).
    count, _ = queries(artifact.save)
    assert count == 5


def test_ln_save_of_many_is_a_constant_number_of_statements(
    instance: ModuleType, tmp_path: Path, compiled: list[str]
) -> None:
    ln = instance
    paths = _files(tmp_path / "many", 1000)
    # Constructing costs the three lookups per file (each constructor says whether
    # its content exists already): 3,000 plain statements, none compiled by the ORM.
    count, artifacts = queries(lambda: [ln.Artifact(str(p), key=f"m/{p.name}") for p in paths])
    assert count == 3 * len(paths)
    assert compiled == []
    # BEGIN, one INSERT ... RETURNING per 1,000 records (models/_plain.insert), COMMIT.
    count, _ = queries(lambda: ln.save(artifacts))
    assert count == 3
    assert ln.Artifact.filter(key__startswith="m/").count() == 1000


def test_labels_add_of_a_thousand(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    path = _files(tmp_path / "labelled", 1)[0]
    artifact = ln.Artifact(str(path), key="labelled.txt").save()
    labels = ln.save([ln.ULabel(name=f"label {i}") for i in range(1000)])
    # BEGIN, (PostgreSQL: lock the artifact's row), the links it has already, the
    # 1,000 links in one executemany, COMMIT. No feature: no set to refresh.
    count, _ = queries(lambda: artifact.labels.add(labels))
    assert count == on(4, 5)
    assert artifact.ulabels.count() == 1000


@pytest.fixture
def annotated(instance: ModuleType, tmp_path: Path) -> tuple[ModuleType, Any]:
    ln = instance
    ln.Feature(name="temperature", dtype="num").save()
    ln.Feature(name="cell_type", dtype="cat").save()
    paths = _files(tmp_path / "annotated", 20)
    artifacts = ln.save([ln.Artifact(str(p), key=f"a/{p.name}") for p in paths])
    ln.save([ln.ULabel(name=f"type {i}") for i in range(3)])
    for i, artifact in enumerate(artifacts):
        artifact.features.add_values({"temperature": 30 + i, "cell_type": f"type {i % 3}"})
    return ln, artifacts[0]


def test_describe(annotated: tuple[ModuleType, Any]) -> None:
    _, artifact = annotated
    # Its feature sets, its labels under features, its feature values, those
    # features, its labels under no feature, its creator, and its projects and
    # references (LaminDB 2's, one query for both). Labels of every registry (ULabel,
    # typed records, modules') come in one query each time. (Storage: known already.)
    count, _ = queries(artifact.describe)
    assert count == 7


def test_filter_with_a_feature(annotated: tuple[ModuleType, Any]) -> None:
    ln, _ = annotated
    # 1 the Feature named in the lookup, 2 the artifacts (values in a subquery).
    count, found = queries(lambda: list(ln.Artifact.filter(temperature__gt=40)))
    assert count == 2
    assert len(found) == 9


def test_df(annotated: tuple[ModuleType, Any]) -> None:
    ln, _ = annotated
    # One query of the rows; with include="features", one per source of features
    # (values; labels of every registry, in one query).
    count, frame = queries(lambda: ln.Artifact.filter().df())
    assert count == 1
    assert len(frame) == 20
    count, frame = queries(lambda: ln.Artifact.filter().df(include="features"))
    assert count == on(3, 3)
    assert "temperature" in frame.columns


def test_cli_ls(annotated: tuple[ModuleType, Any]) -> None:
    # One query of the newest rows.
    count, result = queries(lambda: CliRunner().invoke(main, ["ls"]))
    assert result.exit_code == 0, result.stderr
    assert count == 1


def test_add_values_locks_the_host_once(instance: ModuleType, tmp_path: Path) -> None:
    ln = instance
    ln.Feature(name="temperature", dtype="num").save()
    ln.Feature(name="batch", dtype="str").save()
    path = _files(tmp_path / "valued", 1)[0]
    artifact = ln.Artifact(str(path), key="valued.txt").save()
    # The features named; BEGIN; (PostgreSQL: lock the artifact, once); the values
    # stored already (by feature and hash, one query for all), the new ones inserted
    # and read back (one query), the
    # links; the external set afresh: the host's sets, their memberships, its labels
    # (of every registry, one query) and values under features, those features, the set of
    # them (new here: created
    # in a savepoint with its members), the old external link gone, the new one
    # (get_or_create, in a savepoint); COMMIT.
    count, _ = queries(lambda: artifact.features.add_values({"temperature": 37, "batch": "b1"}))
    assert count == on(21, 22)
    assert sum("FOR UPDATE" in sql for sql in count) == on(0, 1)
    assert artifact.features.get_values() == {"temperature": 37, "batch": "b1"}
