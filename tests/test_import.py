"""``import lineagedb`` is cheap, has no side effects, and exports the documented names."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import lineagedb

DOCUMENTED_NAMES = [
    "Annotate", "Artifact", "Collection", "Feature", "FeatureSet", "Project", "Record", "Reference",
    "Run",
    "Schema", "Storage",
    "Transform", "ULabel", "UPath", "User", "connect", "core", "curators", "datasets", "errors",
    "finish", "flow", "save", "settings", "setup", "step", "track", "ui", "view",
]  # fmt: skip


def test_all_is_the_documented_public_api() -> None:
    assert sorted(lineagedb.__all__) == sorted(DOCUMENTED_NAMES)


def test_import_loads_no_heavy_module_and_opens_no_database(tmp_path: Path) -> None:
    code = (
        "import sys, json, lineagedb\n"
        "heavy = [m for m in ('django', 'pandas', 'fsspec', 'upath', 'numpy', 'sqlite3', "
        "'psycopg') if m in sys.modules]\n"
        "print(json.dumps(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"LINEAGEDB_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )
    assert json.loads(result.stdout) == []
    assert not (tmp_path / "home").exists()
