"""Saving without ln.track(): said once per process, with the fix (#29)."""

from __future__ import annotations

import logging
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from lineagedb._base.session import session
from lineagedb.cli import main


def test_a_save_without_track_says_so_once(
    instance: ModuleType,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ln = instance
    monkeypatch.setattr(session.tracked, "said_untracked", False)  # a fresh process
    with caplog.at_level(logging.WARNING, logger="lineagedb"):
        ln.Artifact(ln.datasets.file_mini_csv(tmp_path / "a"), key="a.csv").save()
        (tmp_path / "b.csv").write_text("x\n2\n")
        ln.save([ln.Artifact(tmp_path / "b.csv", key="b.csv")])
        ln.Collection(ln.Artifact.filter().list(), name="both").save()
    said = [r.getMessage() for r in caplog.records if "saved without a run" in r.getMessage()]
    assert len(said) == 1 and "call ln.track()" in said[0]


def test_tracked_saves_and_the_command_line_say_nothing(
    instance: ModuleType,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ln = instance
    monkeypatch.setattr(session.tracked, "said_untracked", False)
    path = ln.datasets.file_mini_csv(tmp_path / "cli")
    with caplog.at_level(logging.WARNING, logger="lineagedb"):
        result = CliRunner().invoke(main, ["save", str(path), "--key", "cli.csv"])
    assert result.exit_code == 0 and "saved without a run" not in result.stderr
    assert "saved without a run" not in caplog.text
    monkeypatch.setattr(session.tracked, "said_untracked", False)
    ln.track(transform=ln.Transform(name="pipeline", type="pipeline").save())
    try:
        with caplog.at_level(logging.WARNING, logger="lineagedb"):
            (tmp_path / "t.csv").write_text("x\n3\n")
            ln.Artifact(tmp_path / "t.csv", key="t.csv").save()
    finally:
        ln.finish()
    assert "saved without a run" not in caplog.text
