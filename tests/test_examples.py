"""The example `make demo` runs works from a fresh folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def run_example(name: str, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run ``examples/<name>`` in ``folder`` with a home of its own."""
    env = {**os.environ, "LINEAGEDB_HOME": str(folder / "home")}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_tutorial_example_runs(tmp_path: Path) -> None:
    result = run_example("tutorial.py", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "connected lineagedb: anonymous/lamin-tutorial" in result.stderr
    assert "iris_studies/study2_raw_images" in result.stdout
    assert "Provenance:" in result.stdout
    assert "Another 50 images" in result.stdout
    assert "Transform(uid='NJvdsWWbJlZS0000', name='Tutorial: Artifacts" in result.stdout
    assert "finished run" in result.stderr


def test_curation_example_runs_the_same_fresh_and_populated(tmp_path: Path) -> None:
    result = run_example("curation.py", tmp_path)
    assert result.returncode == 0, result.stderr
    assert "'FAM46C' → 'TENT5C', 'IGJ' → 'JCHAIN', 'SEPT2' → 'SEPTIN2'" in result.stderr
    assert "'CD14+ Monocytes': 'CD14-positive monocyte'" in result.stdout
    assert "CD8-positive, alpha-beta T cell" in result.stdout
    assert "PBMC 3k, curated offline" in result.stdout.split("Labels:")[1]  # found by T cell
    assert "fresh and populated instance agree: True" in result.stdout
