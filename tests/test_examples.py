"""The example `make demo` runs works from a fresh folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).parent.parent / "examples"


def test_tutorial_example_runs(tmp_path: Path) -> None:
    env = {**os.environ, "LINEAGEDB_HOME": str(tmp_path / "home")}
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "tutorial.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "connected lineagedb: anonymous/lamin-tutorial" in result.stderr
    assert "iris_studies/study2_raw_images" in result.stdout
    assert "Provenance:" in result.stdout
    assert "Another 50 images" in result.stdout
    assert "Transform(uid='NJvdsWWbJlZS0000', name='Tutorial: Artifacts" in result.stdout
    assert "finished run" in result.stderr
